"""What the template sandbox checks before a call or a filter runs: the few builtin methods
templates may call, the size a str method or a join would produce, and the filters' prechecks (a
filter's result is counted against the budget)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import jinja2

from commcentre_tui.comms.render_budget import Budget, budget, check_printf, check_value, text_size

_STR_SAFE = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "split",
        "rsplit",
        "splitlines",
        "partition",
        "rpartition",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "removeprefix",
        "removesuffix",
        "replace",
        "join",
        "center",
        "ljust",
        "rjust",
        "zfill",
    }
)


_MAPPING_SAFE = frozenset({"keys", "values", "items", "get"})


_SEQ_SAFE = frozenset({"index", "count"})


_DATE_SAFE = frozenset({"strftime", "isoformat", "weekday", "isoweekday", "date", "time"})


def replace_size(text: str, old: str, new: str, count: int | None = None) -> int:
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def materialise(b: Budget, items: Iterable[Any]) -> list[Any]:
    out = []
    for item in items:
        b.tick()
        out.append(item)
    return out


def joined_size(b: Budget, items: list[Any], sep: str) -> int:
    cap = b.limits.max_bytes
    total = len(sep) * max(len(items) - 1, 0)
    for item in items:
        total += text_size(item, cap)
        if total > cap:
            break
    return total


def allowed_method(obj: Any) -> str | None:
    """The name of a builtin method templates may call, else ``None``."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str):
        return name if name in _STR_SAFE else None
    if isinstance(owner, dict):
        return name if name in _MAPPING_SAFE else None
    if isinstance(owner, list | tuple):
        return name if name in _SEQ_SAFE else None
    if isinstance(owner, date | datetime):
        return name if name in _DATE_SAFE else None
    return None


def _pre_center(b: Budget, value: Any, width: int = 80, *_: Any, **__: Any) -> None:
    b.check_size(max(int(width), 0) + text_size(value, b.limits.max_bytes))


def _pre_indent(b: Budget, value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    pad = len(width) if isinstance(width, str) else max(int(width), 0)
    b.check_size(len(str(value)) + (str(value).count("\n") + 1) * pad)


def _pre_wordwrap(
    b: Budget,
    value: Any,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    *_: Any,
    **kwargs: Any,
) -> None:
    wrap = kwargs.get("wrapstring", wrapstring) or "\n"
    text = str(value)
    b.check_size(len(text) + (len(text) // max(int(width), 1) + 1) * len(wrap))


def _pre_count(b: Budget, value: Any, count: int = 0, *_: Any, **__: Any) -> None:
    if int(count) > b.limits.loop_steps:
        raise b.limits.too_slow()


def _pre_replace(
    b: Budget, value: Any, old: str = "", new: str = "", count: int | None = None, **_: Any
) -> None:
    b.check_size(replace_size(str(value), str(old), str(new), count))


def _pre_format(b: Budget, value: Any, *args: Any, **kwargs: Any) -> None:
    check_printf(b, str(value), kwargs or args)


def _pre_round(b: Budget, value: Any, precision: int = 0, *_: Any, **__: Any) -> None:
    if abs(int(precision)) > 100:
        raise b.limits.too_large()


_PRECHECKS: dict[str, Callable[..., None]] = {
    "center": _pre_center,
    "indent": _pre_indent,
    "wordwrap": _pre_wordwrap,
    "batch": _pre_count,
    "slice": _pre_count,
    "replace": _pre_replace,
    "format": _pre_format,
    "round": _pre_round,
    "money": _pre_round,
}


def budgeted_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0
    pre = _PRECHECKS.get(name)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        b = budget()
        b.tick()
        for arg in (*args[skip:], *kwargs.values()):
            check_value(b, arg)
        if name == "join":
            eval_ctx, value, *rest = args
            items = materialise(b, value)
            attribute = kwargs.pop("attribute", rest[1] if len(rest) > 1 else None)
            if attribute is not None:
                get = jinja2.filters.make_attrgetter(eval_ctx.environment, attribute)
                items = [get(item) for item in items]
            sep = kwargs.get("d", rest[0] if rest else "")
            b.check_size(joined_size(b, items, str(sep)))
            args = (eval_ctx, items, sep)
            kwargs = {}
        elif pre is not None and len(args) > skip:
            pre(b, *args[skip:], **kwargs)
        return b.produce(func(*args, **kwargs))

    return wrapper
