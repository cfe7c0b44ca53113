"""Templates: Jinja2 in an immutable sandbox with strict undefined over the tag context.

* :func:`check_template` finds problems without a customer (syntax, unknown tags, includes).
* :func:`render` renders for one customer; a tag with no value is an error, never a blank.
* Every problem is a :class:`TemplateError` (a ``ValidationFailed``) whose message is one sentence
  naming the tag, and whose ``field`` is the form field (``subject``, ``content`` or ``body``).
* Templates see only the tag groups: no Python internals (``__class__`` …), no ``config``, no
  files (``include``/``import``/``extends`` are refused), and they cannot change the values.
* Every render runs under the budget of :mod:`comms.sandbox` (loop steps, wall clock, output
  size: ``[communications]``); pass ``limits`` (``Limits.from_settings``) and, to stop a render
  early, ``cancelled``.

The tag reference (``TAG_REFERENCE``, every tag with an example) and ``{{`` auto-complete
(``tag_completions``) live in ``comms.tags`` and are re-exported here. Shipped defaults live in
``data/templates/*.toml`` (found by ``comms.template_files.shipped_templates_dir``);
:func:`install_default_templates` adds them (``comms.template_store``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateNotFound, TemplateSyntaxError, UndefinedError
from sqlalchemy import select
from sqlmodel import Session, col

from commcentre_tui.catalog import MEDIA
from commcentre_tui.comms.sandbox import (
    BudgetedSandbox,
    BudgetExceeded,
    Limits,
    RenderCancelled,
    TemplateError,
    budget,
    run,
    text_size,
)
from commcentre_tui.comms.tags import (
    ABSENT_REASON,
    FIELDS,
    NAMESPACES,
    SCALARS,
    TAG_REFERENCE,
    TagNamespace,
    has_value,
    sample_context,
    tag_completions,
)
from commcentre_tui.comms.template_files import shipped_templates_dir
from commcentre_tui.comms.template_filters import date_filter, money_filter
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.models import Template

__all__ = [
    "TAG_REFERENCE",
    "BudgetExceeded",
    "Limits",
    "RenderCancelled",
    "TemplateError",
    "check_template",
    "compile_template",
    "install_default_templates",
    "pick_version",
    "render",
    "sample_context",
    "tag_completions",
    "tags_used",
    "template_versions",
]

#: The shipped templates' folder (see ``shipped_templates_dir``).
DEFAULT_TEMPLATES_DIR = shipped_templates_dir()
FALLBACK_LANGUAGE = "en"


def _tag(text: str) -> str:
    return "{{ " + text + " }}"


class TagUndefined(jinja2.StrictUndefined):
    """Strict undefined whose message names the tag in the agent's words."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        if self._undefined_obj is jinja2.utils.missing:
            return f"Unknown tag {_tag(str(name))}: it is not in the tag reference."
        return f"The template uses {name!r}, which this value does not have."


class _NoFiles(jinja2.BaseLoader):
    """A loader that refuses every name: templates may not include, import or extend files."""

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        raise TemplateNotFound(template)


def _finalize(value: Any) -> Any:
    """How values print: whole tag groups are refused, dates and times read naturally; a value
    larger than the render budget allows is refused before it is turned into text."""
    b = budget()
    b.tick()
    if type(value) is str:  # the common case: a tag's text
        if len(value) > b.limits.max_bytes:
            raise b.limits.too_large()
        return value
    b.check_size(text_size(value, b.limits.max_bytes))
    if isinstance(value, TagNamespace):
        raise TemplateError(
            f"The tag {_tag(value.group)} needs a field, for example {_tag(value.group + '.' + FIELDS[value.group][0])}.",
            tag=value.group,
        )
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


_FIELD_SETS = {group: frozenset(names) for group, names in FIELDS.items()}


class TagEnvironment(BudgetedSandbox):
    """The sandbox: tag groups expose only their documented keys, missing values are errors."""

    def _lookup(self, obj: TagNamespace, name: Any) -> Any:
        if name in FIELDS[obj.group] and not obj.absent:
            value = obj.get(name)
            if has_value(value):
                return value
        tag = _tag(f"{obj.group}.{name}")
        if name not in FIELDS[obj.group]:
            hint = f"Unknown tag {tag}: it is not in the tag reference."
        elif obj.absent:
            reason = ABSENT_REASON.get(obj.group, "there is no such record")
            hint = f"The tag {tag} has no value: {reason}."
        else:
            hint = f"The tag {tag} has no value for this customer."
        return self.undefined(hint=hint, obj=obj, name=name)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, TagNamespace):
            # The common case inline (a documented tag with a value: text, a number, a date);
            # everything else (lists, blanks, absent groups, unknown tags) goes by _lookup.
            if not obj.absent and attribute in _FIELD_SETS[obj.group]:
                value = obj.get(attribute)
                if type(value) is str:
                    if value.strip():
                        return value
                elif value is not None and not isinstance(value, str | tuple | list):
                    return value
            return self._lookup(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, TagNamespace):
            return self._lookup(obj, argument)
        return super().getitem(obj, argument)


def _make_env() -> TagEnvironment:
    env = TagEnvironment(
        undefined=TagUndefined,
        autoescape=False,
        loader=_NoFiles(),
        finalize=_finalize,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.add_filter("date", date_filter)
    env.add_filter("money", money_filter)
    return env


ENV = _make_env()


def _error_for(exc: Exception, field: str | None) -> TemplateError:
    """One sentence for any Jinja problem."""
    if isinstance(exc, TemplateError):
        exc.field = field
        exc.errors = {field: str(exc)} if field else {}
        return exc
    if isinstance(exc, SecurityError):
        what = str(exc).split("'")[1] if str(exc).count("'") >= 2 else str(exc)
        return TemplateError(
            f"The template tries to reach {what}, which templates may not use (only tags are allowed).",
            field,
        )
    if isinstance(exc, UndefinedError):
        message = str(exc)
        tag = message.split("{{ ", 1)[1].split(" }}", 1)[0] if "{{ " in message else None
        return TemplateError(message, field, tag)
    if isinstance(exc, TemplateSyntaxError):
        detail = (exc.message or "").rstrip(".")
        if detail.startswith("No filter named"):
            name = detail.split("'")[1] if "'" in detail else detail
            return TemplateError(
                f"The template uses an unknown filter {name!r} on line {exc.lineno}.", field
            )
        return TemplateError(
            f"The template has a syntax error on line {exc.lineno}: {detail}.", field
        )
    if isinstance(exc, TemplateNotFound):
        return TemplateError("Templates cannot include, import or extend files.", field)
    return TemplateError(f"The template cannot be rendered: {exc}.", field)


@lru_cache(maxsize=512)
def _compiled(source: str) -> jinja2.Template:
    return ENV.from_string(source)


def compile_template(source: str, *, field: str | None = "content") -> jinja2.Template:
    """The compiled template for ``source`` (cached), after :func:`check_template`."""
    check_template(source, field=field)
    try:
        return _compiled(source)
    except Exception as exc:  # jinja raises several types; all become one sentence
        raise _error_for(exc, field) from None


@lru_cache(maxsize=512)
def _check(source: str) -> tuple[str, ...]:
    ast = ENV.parse(source)
    for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        raise TemplateError(
            f"Templates cannot include, import or extend files (line {node.lineno})."
        )
    for loop in ast.find_all(nodes.For):
        if loop.recursive:
            raise TemplateError(f"Templates cannot use recursive loops (line {loop.lineno}).")
    declared = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    used: list[str] = []
    for ref in ast.find_all(nodes.Name):
        if ref.ctx != "load" or ref.name in declared or ref.name in ("range", "loop"):
            continue
        if ref.name not in NAMESPACES and ref.name not in SCALARS:
            raise TemplateError(
                f"Unknown tag {_tag(ref.name)} on line {ref.lineno}: it is not in the tag reference.",
                tag=ref.name,
            )
    consumed: set[int] = set()
    accesses = cast(
        "Iterator[nodes.Getattr | nodes.Getitem]",  # jinja2 types a tuple search as the common base
        ast.find_all((nodes.Getattr, nodes.Getitem)),
    )
    for access in accesses:
        base = access.node
        if not isinstance(base, nodes.Name) or base.name in declared or base.name not in NAMESPACES:
            continue
        if isinstance(access, nodes.Getattr):
            name = access.attr
        elif isinstance(access.arg, nodes.Const) and isinstance(access.arg.value, str):
            name = access.arg.value
        else:
            continue
        consumed.add(id(base))
        tag = f"{base.name}.{name}"
        if name not in FIELDS[base.name]:
            raise TemplateError(
                f"Unknown tag {_tag(tag)} on line {access.lineno}: it is not in the tag reference.",
                tag=tag,
            )
        used.append(tag)
    for ref in ast.find_all(nodes.Name):
        if (
            ref.ctx == "load"
            and ref.name not in declared
            and (ref.name in SCALARS or (ref.name in NAMESPACES and id(ref) not in consumed))
        ):
            used.append(ref.name)  # a scalar, or a whole group used dynamically
    return tuple(dict.fromkeys(used))


def check_template(source: str, *, field: str | None = "content") -> tuple[str, ...]:
    """Check ``source`` without a customer; returns the tags it uses (``"contact.first_name"`` …;
    a bare group name when a template uses a whole group dynamically).

    Raises :class:`TemplateError` for a syntax error, an unknown tag or file access.
    """
    if "{" not in source:
        return ()
    try:
        return _check(source)
    except Exception as exc:  # every Jinja problem becomes one sentence
        raise _error_for(exc, field) from None


def tags_used(*sources: str) -> set[str]:
    """The tags the sources use (``"bill.number"``; a bare group name when a whole group is used
    dynamically), so loaders fetch only those."""
    tags: set[str] = set()
    for source in sources:
        tags.update(check_template(source))
    return tags


def render(
    source: str,
    context: Mapping[str, Any],
    *,
    field: str | None = "content",
    limits: Limits | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Render ``source`` with ``context`` (see ``comms.tags.build_context``) within ``limits``."""
    if "{" not in source:
        return source
    template = compile_template(source, field=field)
    return render_compiled(template, context, field=field, limits=limits, cancelled=cancelled)


def render_compiled(
    template: jinja2.Template,
    context: Mapping[str, Any],
    *,
    field: str | None = "content",
    limits: Limits | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Render an already compiled template (the bulk path) within ``limits``."""
    try:
        return run(template, context, limits or Limits(), cancelled)
    except Exception as exc:  # every Jinja problem becomes one sentence
        raise _error_for(exc, field) from None


def has_tags(text: str) -> bool:
    """Whether ``text`` contains template syntax."""
    return "{{" in text or "{%" in text


# --- Template records -----------------------------------------------------------------------


def check_template_record(name: str, media: str, subject: str, body: str) -> None:
    """Validate a template's fields (media known, subject and body parse, tags known)."""
    if not name.strip():
        raise ValidationFailed("A template needs a name.", "name")
    if media not in MEDIA:
        raise ValidationFailed(f"The media must be one of {', '.join(MEDIA)}.", "media")
    check_template(subject, field="subject")
    check_template(body, field="body")
    if not body.strip():
        raise ValidationFailed("A template needs a body.", "body")


def template_versions(session: Session, name: str) -> dict[str, Template]:
    """The active versions of the template called ``name`` (case-insensitive), by language."""
    rows = session.execute(select(Template).where(col(Template.active).is_(True))).scalars().all()
    wanted = name.strip().casefold()
    return {t.language: t for t in rows if t.name.casefold() == wanted}


_V = TypeVar("_V")


def pick_version(versions: Mapping[str, _V], language: str | None) -> _V | None:
    """The version for ``language``, else English, else any (the first by language code)."""
    if language and language in versions:
        return versions[language]
    if FALLBACK_LANGUAGE in versions:
        return versions[FALLBACK_LANGUAGE]
    return versions[min(versions)] if versions else None


def load_template_files(directory: Path | None = None) -> list[dict[str, Any]]:
    """The shipped templates (``comms.template_files`` format), each checked."""
    from commcentre_tui.comms.template_files import read_files

    return [record for _path, record in read_files([directory or shipped_templates_dir()])]


def install_default_templates(session: Session, directory: Path | None = None) -> int:
    """Add the shipped templates missing from the database, bring untouched ones up to date and
    leave edited ones alone (``comms.template_store.install_shipped``); returns how many were
    added. Runs in the caller's transaction."""
    from commcentre_tui.comms.template_store import install_shipped

    return len(install_shipped(session, directory).added)
