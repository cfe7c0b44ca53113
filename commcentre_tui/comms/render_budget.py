"""The render budget of one template render: limits, the running account, the sentences.

:class:`Limits` come from ``[communications]`` (``max_rendered_bytes``, ``render_seconds``,
``render_loop_steps``); a :class:`Budget` counts one render's loop steps, time and produced
text on its thread (:func:`budget`, :func:`active`). Going over a limit raises
:class:`BudgetExceeded` with one sentence. The hooks that charge it are in :mod:`.sandbox`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from commcentre_tui.errors import ValidationFailed

_T = TypeVar("_T")

#: The largest integer a template may compute, in bits (Python prints at most 4,300 digits).
MAX_INT_BITS = 14_000
#: How much text (in characters, all intermediate values together) a render may build, as a
#: multiple of ``max_rendered_bytes``: captured blocks and macros are counted once more when output.
WORK_FACTOR = 8


class TemplateError(ValidationFailed):
    """A template that cannot be rendered; ``tag`` names the offending tag when there is one."""

    def __init__(self, message: str, field: str | None = "content", tag: str | None = None) -> None:
        super().__init__(message, field)
        self.tag = tag


class BudgetExceeded(TemplateError):
    """The template needs more than the render budget allows (for every customer alike)."""


class RenderCancelled(TemplateError):
    """The caller cancelled the render (a preview that is no longer wanted)."""


@dataclass(frozen=True)
class Limits:
    """What one render may use (see ``[communications]`` in config.toml)."""

    max_bytes: int = 1_000_000
    seconds: float = 1.0
    loop_steps: int = 10_000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        c = settings.communications
        return cls(c.max_rendered_bytes, c.render_seconds, c.render_loop_steps)

    def too_slow(self) -> BudgetExceeded:
        return BudgetExceeded(
            f"The template takes too long to render (more than {self.loop_steps:,} loop steps or "
            f"{self.seconds:g} s); simplify it."
        )

    def too_big_number(self) -> BudgetExceeded:
        return BudgetExceeded("The template computes a number too large to show.")

    def too_large(self) -> BudgetExceeded:
        return BudgetExceeded(
            f"The rendered text is larger than {self.max_bytes:,} bytes, the limit."
        )


class Budget:
    """The running account of one render (thread-local: see :func:`budget`)."""

    def __init__(
        self, limits: Limits, cancelled: Callable[[], bool] | None = None, *, active: bool = True
    ) -> None:
        self.limits = limits
        self.active = active
        self.deadline = time.monotonic() + limits.seconds if active else float("inf")
        self.cancelled = cancelled
        self.steps = 0
        self.produced = 0

    def tick(self) -> None:
        if not self.active:
            return
        if time.monotonic() > self.deadline:
            raise self.limits.too_slow()
        if self.cancelled is not None and self.cancelled():
            raise RenderCancelled("The render was cancelled.")

    def loop_step(self) -> None:
        self.steps += 1
        if self.active and self.steps > self.limits.loop_steps:
            raise self.limits.too_slow()
        self.tick()

    def check_size(self, size: int) -> None:
        """Refuse a value of ``size`` characters before it is built."""
        if size > self.limits.max_bytes:
            raise self.limits.too_large()

    def produce(self, value: _T) -> _T:
        """Account for a string a hook built (its size and the render's total)."""
        if isinstance(value, str):
            self.check_size(len(value))
            if self.active:
                self.produced += len(value)
                if self.produced > WORK_FACTOR * self.limits.max_bytes:
                    raise self.limits.too_large()
        return value


_local = threading.local()
_STATIC = Budget(Limits(), active=False)


def budget() -> Budget:
    """The budget of the render running on this thread (outside a render: sizes only)."""
    return getattr(_local, "budget", None) or _STATIC


#: Tag value types that print short (``text_size`` counts them as 32 characters).
_OPAQUE = frozenset({date, datetime, Decimal})


def text_size(value: Any, limit: int, depth: int = 0) -> int:
    """About how many characters ``str(value)`` has; stops counting once past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if type(value) in _OPAQUE:  # what the last line answers for them, without the checks
        return 32
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if depth > 20:
        return limit + 1
    if isinstance(value, range):
        return len(value) * (len(str(max(abs(value.start), abs(value.stop)))) + 2)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = 2
        for item in value:
            total += text_size(item, limit - total, depth + 1) + 2
            if total > limit:
                break
        return total
    return 32


def check_value(b: Budget, value: Any) -> None:
    b.check_size(text_size(value, b.limits.max_bytes))


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def check_printf(b: Budget, fmt: str, args: Any) -> None:
    """``fmt % args`` must stay within the size limit (widths and repeated keys included)."""
    cap = b.limits.max_bytes
    specs = 0
    widths = 0
    for match in _PRINTF.finditer(fmt):
        for group in (match.group(1), match.group(2)):
            if group == "*":
                raise TemplateError(
                    "The template uses a * width in % formatting, which templates may not use."
                )
            if group:
                widths += int(group) if len(group) < 10 else cap + 1
        specs += match.group(3) != "%"
    largest = max(
        (
            text_size(a, cap)
            for a in (
                args.values()
                if isinstance(args, dict)
                else args
                if isinstance(args, tuple)
                else (args,)
            )
        ),
        default=0,
    )
    b.check_size(len(fmt) + widths + specs * largest)


class active:  # noqa: N801  # used like the context manager function it replaced
    """Make ``b`` the budget of renders on this thread while the block runs (``with active(b)``).

    A class rather than ``@contextmanager``: one render per message in bulk sends, and the
    generator machinery cost more than the render's own bookkeeping."""

    __slots__ = ("budget", "previous")

    def __init__(self, b: Budget) -> None:
        self.budget = b
        self.previous: Budget | None = None

    def __enter__(self) -> Budget:
        self.previous = getattr(_local, "budget", None)
        _local.budget = self.budget
        return self.budget

    def __exit__(self, *exc: object) -> None:
        _local.budget = self.previous
