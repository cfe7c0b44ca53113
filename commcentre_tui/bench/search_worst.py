"""``search.worst_random``: searches an agent can type, drawn at random from the data (seeded),
with the shapes that are slow rather than the common ones the other search cases time.

Shapes: two-letter contains on names, contains with no match, a long contains fragment, a
partial phone (``%digits%``), Advanced Search with a three-letter contains and suffix on names
and a city, city equality, and an email prefix. Each shape gets its own row (median, p95 and max of
its searches) and a row ``all`` over every search; a search the console refuses with a sentence
counts as ``refused`` (that is an answer too, and an immediate one: "ends with" and "contains"
need three characters, so the two-letter shape is refused). Goal at 1,000,000 contacts: p95 ≤
30 ms for every shape.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from commcentre_tui.bench.registry import BenchContext, case, latency
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search.api import Condition, search_contacts

PAGE = 50
PER_SHAPE = 40
Search = tuple[str, list[Condition]]


def _fragment(ctx: BenchContext, word: str, size: int) -> str:
    letters = word.replace(" ", "")
    if len(letters) <= size:
        return letters
    start = ctx.rng.randint(0, len(letters) - size)
    return letters[start : start + size]


def _nomatch(ctx: BenchContext) -> str:
    return "".join(ctx.rng.choice("qxzj") for _ in range(2)) + ctx.rng.choice(
        string.ascii_lowercase
    )


def searches(ctx: BenchContext) -> list[Search]:
    """``PER_SHAPE`` searches of each shape, drawn from the data with the bench's seeded RNG."""
    names = ctx.sample(
        "SELECT last_name || ' ' || first_name FROM contact "
        "WHERE id BETWEEN :lo AND :hi AND last_name <> '' AND first_name <> ''",
        PER_SHAPE * 3,
    )
    phones = ctx.sample("SELECT e164 FROM contact_phone WHERE id BETWEEN :lo AND :hi", PER_SHAPE)
    cities = ctx.sample(
        "SELECT city FROM contact_address WHERE id BETWEEN :lo AND :hi AND city <> ''", PER_SHAPE
    )
    emails = ctx.sample("SELECT address FROM contact_email WHERE id BETWEEN :lo AND :hi", PER_SHAPE)
    out: list[Search] = []

    def add(shape: str, make: Callable[[int], list[Condition]], count: int) -> None:
        out.extend((shape, make(i)) for i in range(count))

    def name(i: int) -> tuple[str, str]:
        last, _, first = names[i % len(names)].partition(" ")
        return last, first

    n = min(PER_SHAPE, len(names))
    add(
        "contains_2_letters",
        lambda i: [Condition("any", "like", f"%{_fragment(ctx, name(i)[0], 2)}%")],
        n,
    )
    add("contains_no_match", lambda i: [Condition("any", "like", f"%{_nomatch(ctx)}%")], PER_SHAPE)
    add(
        "contains_long",
        lambda i: [Condition("any", "like", f"%{_fragment(ctx, name(i)[0], 7)}%")],
        n,
    )
    if phones:
        add(
            "phone_partial",
            lambda i: [
                Condition("phone", "like", f"%{_fragment(ctx, phones[i % len(phones)][-8:], 5)}%")
            ],
            len(phones),
        )
    if cities:
        add(
            "advanced_3_contains",
            lambda i: [
                Condition("last_name", "like", f"%{_fragment(ctx, name(i)[0], 3)}%"),
                Condition("first_name", "like", f"%{_fragment(ctx, name(i)[1], 3)}"),
                Condition("city", "=", cities[i % len(cities)]),
            ],
            min(n, len(cities)),
        )
        add("city_equals", lambda i: [Condition("city", "=", cities[i % len(cities)])], len(cities))
    if emails:
        add(
            "email_prefix",
            lambda i: [Condition("email", "like", emails[i % len(emails)][:3])],
            len(emails),
        )
    ctx.rng.shuffle(out)
    return out


@case(
    "search.worst_random",
    "Searches an agent can type, drawn from the data: 2-letter and no-match contains, partial "
    "phones, advanced with 3 conditions, city, email prefix (p95 and max per shape)",
)
def worst_random(ctx: BenchContext) -> list[dict[str, Any]]:
    drawn = searches(ctx)
    timings: dict[str, list[float]] = {}
    refused: dict[str, int] = {}
    clock = time.perf_counter
    for _shape, conditions in drawn[:10]:  # warm-up: caches and plans, not timed
        with suppress(ValidationFailed):
            search_contacts(ctx.engine, ctx.settings, conditions, mode="advanced", limit=PAGE)
    for shape, conditions in drawn:
        start = clock()
        try:
            search_contacts(ctx.engine, ctx.settings, conditions, mode="advanced", limit=PAGE)
        except ValidationFailed:
            refused[shape] = refused.get(shape, 0) + 1
        timings.setdefault(shape, []).append((clock() - start) * 1000)
    rows = []
    every = [v for values in timings.values() for v in values]
    for shape, values in sorted(timings.items()) + [("all", every)]:
        rows.append(
            {
                "shape": shape,
                "n": len(values),
                **latency(values),
                "max_ms": round(max(values), 3) if values else 0.0,
                "refused": sum(refused.values()) if shape == "all" else refused.get(shape, 0),
            }
        )
    return rows
