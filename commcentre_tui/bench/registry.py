"""The benchmark case registry and the common result shape of ``commcentre bench``.

A case is a function registered with :func:`case` in any module of :mod:`commcentre_tui.bench`
(every module there is imported when the bench runs). It receives a :class:`BenchContext` and
returns one of:

* :class:`Timed` — a callable run ``n`` times (after a warm-up); the runner reports
  ``median_ms`` / ``p95_ms``, and ``raw_median_ms`` / ``raw_p95_ms`` / ``raw_ratio`` when a
  raw-SQL twin of the same query is given;
* :class:`Rate` — a throughput already measured (``per_s``);
* :class:`Samples` — latencies already measured (milliseconds);
* a dict or a list of dicts already in the result shape (``case``, ``backend``, ``contacts``,
  ``n`` and ``median_ms``/``p95_ms`` or ``per_s``), for cases that measure themselves.

Example::

    @case("search.exact_phone", "Quick Search on a phone number, first page of 50")
    def exact_phone(ctx: BenchContext) -> Timed:
        phones = ctx.sample("SELECT e164 FROM contact_phone", 200)
        return Timed(lambda i: search_contacts(ctx.engine, ctx.settings, [...phones[i % 200]...]))
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text


@dataclass
class BenchContext:
    """What a case may use: the seeded database, settings and run parameters."""

    engine: Engine
    settings: Any
    backend: str
    contacts: int
    url: str
    repeat: int = 200
    rng: random.Random = field(default_factory=lambda: random.Random(20240601))
    cache: dict[str, Any] = field(default_factory=dict)
    """Shared between cases of one run (e.g. sampled values)."""

    def sample(self, sql: str, n: int, **params: Any) -> list[Any]:
        """Up to ``n`` first-column values of ``sql``, which may use ``:lo``/``:hi`` to pick a
        random id window (``lo``/``hi`` are filled in when not given)."""
        key = f"sample:{sql}:{n}:{sorted(params.items())}"
        if key not in self.cache:
            out: list[Any] = []
            with self.engine.connect() as conn:
                top = int(
                    conn.execute(text("SELECT coalesce(max(id), 0) FROM contact")).scalar() or 0
                )
                for _ in range(20):
                    if len(out) >= n:
                        break
                    lo = self.rng.randint(1, max(top - n * 50, 1))
                    args = {"lo": lo, "hi": lo + n * 50, **params}
                    out += [r[0] for r in conn.execute(text(sql), args) if r[0] is not None]
            self.rng.shuffle(out)
            self.cache[key] = out[:n]
        return list(self.cache[key])


@dataclass
class Timed:
    """A latency case: ``run(i)`` is timed ``n`` times; ``raw(i)`` is the same query in raw SQL."""

    run: Callable[[int], Any]
    raw: Callable[[int], Any] | None = None
    n: int | None = None
    warmup: int = 5
    check: Callable[[Any, Any], bool] | None = None
    """Given the results of ``run(0)`` and ``raw(0)``, whether they agree (reported)."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Rate:
    """A throughput case's measurement."""

    count: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Samples:
    """Latencies a case measured itself, in milliseconds."""

    values_ms: Sequence[float]
    extra: dict[str, Any] = field(default_factory=dict)


CaseResult = Timed | Rate | Samples | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True)
class CaseSpec:
    name: str
    description: str
    fn: Callable[[BenchContext], CaseResult]


REGISTRY: dict[str, CaseSpec] = {}


def case(
    name: str, description: str = ""
) -> Callable[[Callable[[BenchContext], CaseResult]], Callable[[BenchContext], CaseResult]]:
    """Register a benchmark case under a dotted name (``area.what``)."""

    def register(fn: Callable[[BenchContext], CaseResult]) -> Callable[[BenchContext], CaseResult]:
        REGISTRY[name] = CaseSpec(
            name, description or (fn.__doc__ or "").strip().split("\n")[0], fn
        )
        return fn

    return register


def percentile(values_ms: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1)."""
    ordered = sorted(values_ms)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency(values_ms: Sequence[float], prefix: str = "") -> dict[str, float]:
    """``median_ms`` and ``p95_ms`` (rounded to µs)."""
    if not values_ms:
        return {f"{prefix}median_ms": 0.0, f"{prefix}p95_ms": 0.0}
    return {
        f"{prefix}median_ms": round(statistics.median(values_ms), 3),
        f"{prefix}p95_ms": round(percentile(values_ms, 0.95), 3),
    }
