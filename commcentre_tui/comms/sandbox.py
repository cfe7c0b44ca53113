"""The template sandbox's render budget: a template can never hang or flood the process.

Every render runs under a :class:`Budget` (``[communications] max_rendered_bytes``,
``render_seconds``, ``render_loop_steps``): the sandbox counts what a template does in hooks it
cannot avoid — each loop iteration (``{% for %}`` is compiled through :func:`counted_iter`), each
call, attribute lookup, operator, filter and ``~`` — and raises :class:`TemplateError` with one
sentence as soon as the template has looped too often, run too long (wall clock, checked in those
hooks) or would produce more text than allowed. Operations that build a large value in one step
(``'x' * 10**9``, ``'x'|center(10**9)``, ``'%999999999s' % x``, ``10 ** 10 ** 10``, ``s.join(…)``)
are checked *before* they run. Only a small allow-list of methods may be called.

:func:`run` renders with ``generate()`` and stops as soon as the output passes the size limit.
A caller may pass ``cancelled`` (e.g. a console worker's flag) to stop a render early.
No threads: the budget is checked on the rendering thread itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro, new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from commcentre_tui.comms.render_budget import (
    MAX_INT_BITS,
    Budget,
    BudgetExceeded,
    Limits,
    RenderCancelled,
    TemplateError,
    active,
    budget,
    check_printf,
    check_value,
    text_size,
)
from commcentre_tui.comms.sandbox_checks import (
    allowed_method,
    budgeted_filter,
    joined_size,
    materialise,
    replace_size,
)

__all__ = [
    "BudgetExceeded",
    "BudgetedSandbox",
    "Limits",
    "RenderCancelled",
    "TemplateError",
    "budget",
    "run",
    "text_size",
]


# --- the environment ------------------------------------------------------------------------


def counted_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every ``{% for %}`` iterates: one loop step per item."""
    b = budget()
    for item in iterable:
        b.loop_step()
        yield item


def checked_concat(parts: tuple[Any, ...]) -> str:
    """``a ~ b``: the sizes are checked before the text is built."""
    b = budget()
    b.tick()
    b.check_size(sum(text_size(p, b.limits.max_bytes) for p in parts))
    return b.produce("".join(map(str, parts)))


def buffer_concat(parts: Iterable[str]) -> str:
    """Joins captured output (``{% set %}`` blocks, macros, filter blocks) within the limit."""
    b = budget()
    out: list[str] = []
    total = 0
    for part in parts:
        total += len(part)
        b.check_size(total)
        out.append(part)
    return b.produce("".join(out))


def bounded_range(*args: int) -> range:
    """``range`` for templates: at most ``render_loop_steps`` numbers."""
    b = budget()
    b.tick()
    values = range(*args)
    try:
        size = len(values)
    except OverflowError:
        size = b.limits.loop_steps + 1
    if size > b.limits.loop_steps:
        raise b.limits.too_slow()
    return values


class BudgetCodeGenerator(CodeGenerator):
    """Compiles loops through :func:`counted_iter` and ``~`` through :func:`checked_concat`."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        it = node.iter
        if not (
            isinstance(it, nodes.Call)
            and isinstance(it.node, nodes.EnvironmentAttribute)
            and it.node.name == "counted_iter"
        ):
            node.iter = nodes.Call(
                nodes.EnvironmentAttribute("counted_iter"), [it], [], None, None, lineno=node.lineno
            )
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with the render budget's hooks (see the module docstring)."""

    code_generator_class = BudgetCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})
    concat = staticmethod(buffer_concat)
    counted_iter = staticmethod(counted_iter)
    checked_concat = staticmethod(checked_concat)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals = {"range": bounded_range}
        self.filters = {name: budgeted_filter(name, func) for name, func in self.filters.items()}

    def add_filter(self, name: str, func: Callable[..., Any]) -> None:
        """Register a filter under the budget."""
        self.filters[name] = budgeted_filter(name, func)

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is not on the allow-list (see call)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        b = budget()
        b.tick()
        cap = b.limits.max_bytes
        ints = isinstance(left, int) and isinstance(right, int)
        if operator == "*":
            if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise b.limits.too_big_number()
            for seq, times in ((left, right), (right, left)):
                if isinstance(times, int) and isinstance(seq, str | list | tuple):
                    b.check_size(text_size(seq, cap) * max(times, 0))
                    b.check_size(len(seq) * max(times, 0))
        elif operator == "**":
            if ints and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise b.limits.too_big_number()
        elif operator == "+":
            if isinstance(left, str | list | tuple):
                b.check_size(text_size(left, cap) + text_size(right, cap))
        elif operator == "%" and isinstance(left, str):
            check_printf(b, left, right)
        return b.produce(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        budget().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        budget().tick()
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        b = budget()
        b.tick()
        if (
            __obj is bounded_range
            or __obj is counted_iter
            or isinstance(__obj, Macro | jinja2.Undefined)
            or (isinstance(getattr(__obj, "__self__", None), LoopContext))
        ):
            return b.produce(super().call(__context, __obj, *args, **kwargs))
        name = allowed_method(__obj)
        if name is None:
            what = getattr(__obj, "__name__", None) or type(__obj).__name__
            raise TemplateError(
                f"The template calls {what}(), which templates may not use (only tags are allowed)."
            )
        for arg in (*args, *kwargs.values()):
            check_value(b, arg)
        owner = __obj.__self__
        if name == "replace" and len(args) >= 2:
            b.check_size(
                replace_size(owner, str(args[0]), str(args[1]), args[2] if len(args) > 2 else None)
            )
        elif name == "join" and args:
            items = materialise(b, args[0])
            b.check_size(joined_size(b, items, owner))
            args = (items, *args[1:])
        elif name in ("center", "ljust", "rjust", "zfill") and args:
            b.check_size(max(int(args[0]), 0) + len(owner))
        return b.produce(super().call(__context, __obj, *args, **kwargs))


@functools.lru_cache(maxsize=512)
def _plain_globals(template: jinja2.Template) -> dict[str, Any]:
    return dict(template.globals)


#: How many output chunks pass between the output loop's own clock checks.
TICK_EVERY = 16


def run(
    template: jinja2.Template,
    context: Any,
    limits: Limits,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Render ``template`` under a fresh :class:`Budget`; output over the limit stops it.

    The output is counted in characters as it is produced (a character is at least one byte,
    so a flood stops at ``max_bytes`` characters) and measured in UTF-8 bytes once at the end
    (characters under a quarter of the limit cannot exceed it). Every value, loop step and call
    already charges the clock in the sandbox's hooks; the output loop checks it every
    :data:`TICK_EVERY` chunks as well.
    """
    cap = limits.max_bytes
    with active(Budget(limits, cancelled)) as b:
        out: list[str] = []
        size = 0
        # The template's globals (``range``) under the tags, as ``Template.generate`` builds
        # them but from a plain dict (``template.globals`` is a ChainMap, slow to copy).
        scope = new_context(
            template.environment,
            template.name,
            template.blocks,
            {**_plain_globals(template), **context},
            True,
        )
        for chunk in template.root_render_func(scope):
            size += len(chunk)
            if size > cap:
                raise limits.too_large()
            out.append(chunk)
            if not len(out) % TICK_EVERY:
                b.tick()
        text = "".join(out)
        if size * 4 > cap and len(text.encode("utf-8", "surrogatepass")) > cap:
            raise limits.too_large()
        return text
