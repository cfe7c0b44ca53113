"""Declarative action forms: what fields an action asks for and which service saves it.

Specs are plain data (no Textual), so they can be listed, filtered and tested without a screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from commcentre_tui.services.context import ServiceContext

FieldKind = Literal["text", "multiline", "choice", "date", "datetime", "money", "int", "bool"]

#: Choices: static (value, label) pairs, or the name of a list the spec's ``load`` returns.
Choices = Sequence[tuple[str, str]] | str


@dataclass(frozen=True)
class FieldSpec:
    """One field of an action form; ``name`` is the key the submit function receives."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: Choices = ()
    default: str | Callable[[FormData], str] = ""
    placeholder: str = ""
    max_length: int = 0
    help: str = ""


@dataclass
class FormData:
    """What a form knows while it is open: the customer, lists loaded for its pickers, and
    anything the opener passed in (e.g. the selected subscription)."""

    contact_id: int | None
    lists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveResult:
    """What a successful save tells the agent, and whether the customer view should reload."""

    message: str
    contact_id: int | None = None


@dataclass(frozen=True)
class ActionSpec:
    """A whole action form.

    ``load`` runs in a worker before the form shows (fills ``FormData.lists``/``extra``);
    ``submit`` runs in a worker on Save with the typed values (strings, ``None`` for blanks)
    and raises the service errors; ``preview`` (optional) renders a read-only preview.
    """

    name: str
    fields: tuple[FieldSpec, ...]
    submit: Callable[[ServiceContext, FormData, dict[str, Any]], SaveResult]
    load: Callable[[ServiceContext, FormData], None] | None = None
    preview: Callable[[ServiceContext, FormData, dict[str, Any]], str] | None = None
    preview_label: str = "Preview"
    description: str = ""
    save_label: str = "Save"
    secondary: tuple[str, Callable[[ServiceContext, FormData, dict[str, Any]], SaveResult]] | None = None
    """A second save button, e.g. ("Save as Draft", fn)."""
    error_keys: dict[str, str] = field(default_factory=dict)
    """Service error key → form field, e.g. ``{"phones.0.number": "phone"}``."""
    extra_fields: Callable[[Any], tuple[FieldSpec, ...]] | None = None
    """Fields that depend on settings (e.g. ``[contacts] custom_fields``), after ``fields``."""
    precheck: Callable[[ServiceContext, FormData, dict[str, Any]], Precheck | None] | None = None
    """Runs before saving; a :class:`Precheck` asks the agent first (e.g. a likely duplicate)."""
    confirm: Callable[[FormData, dict[str, Any]], str | None] | None = None
    """A yes/no question before saving something that cannot be undone (``None``: no question)."""

    def all_fields(self, settings: Any) -> tuple[FieldSpec, ...]:
        """``fields`` plus the settings-dependent ones."""
        return self.fields + (self.extra_fields(settings) if self.extra_fields else ())


@dataclass(frozen=True)
class Precheck:
    """A question before saving: ``open_contact_id`` is offered instead of saving."""

    question: str
    open_contact_id: int | None = None
    open_label: str = "Open existing"


#: Action name → spec. Filled by the ``specs_*`` modules when imported via :func:`all_specs`.
REGISTRY: dict[str, ActionSpec] = {}


def register(spec: ActionSpec) -> ActionSpec:
    """Add ``spec`` to the registry (one spec per action name)."""
    REGISTRY[spec.name] = spec
    return spec


def all_specs() -> dict[str, ActionSpec]:
    """Every registered action form (imports the spec modules on first use)."""
    from commcentre_tui.screens.actions import specs_loader

    specs_loader.load_all()
    return REGISTRY
