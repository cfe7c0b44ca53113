"""What an action is: its name and group, who may run it, when it is offered, the form it asks
for and the service function that saves it.

Plain data (no Textual): the UI renders the form from it, the catalog, config and roles derive
their lists from it, and tests drive it without a screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from commcentre_tui.services.context import ServiceContext

FieldKind = Literal["text", "multiline", "choice", "date", "datetime", "money", "int", "bool"]

#: Choices: static (value, label) pairs, or the name of a list the spec's ``load`` returns.
Choices = Sequence[tuple[str, str]] | str

#: How an action is offered: ``seed`` actions have an ``[actions] enabled`` entry and a role
#: grant; ``status`` actions follow ``after`` and need ``edit`` on ``entity``; ``step`` actions
#: follow ``after`` for whoever may run it.
Kind = Literal["seed", "status", "step"]


@dataclass(frozen=True)
class FormField:
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
class SecretShown(SaveResult):
    """A save whose result the agent must read in a dialog that stays until dismissed (a voucher
    secret): the notification only says it was retrieved."""

    serial: str = ""
    details: str = ""
    secret: str = ""


@dataclass(frozen=True)
class Precheck:
    """A question before saving: ``open_contact_id`` is offered instead of saving."""

    question: str
    open_contact_id: int | None = None
    open_label: str = "Open existing"


Submit = Callable[[ServiceContext, FormData, dict[str, Any]], SaveResult]


def clean(values: dict[str, Any], *drop: str) -> dict[str, Any]:
    """``values`` without blanks and without the named form-only keys."""
    return {k: v for k, v in values.items() if v is not None and k not in drop}


def pairs(items: Any) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a picker, values as strings."""
    return [(str(v), str(label)) for v, label in items]


@dataclass(frozen=True)
class ActionSpec:
    """One action, declared once.

    ``service`` is the service function that saves it and ``input_model`` the pydantic model it
    validates with. Without a ``submit``, Save calls ``service(ctx, values)`` (blanks left out)
    and shows the result's ``message``. ``load`` runs in a worker before the form shows (fills
    ``FormData.lists``/``extra``); ``submit`` runs in a worker on Save with the typed values
    (strings, ``None`` for blanks) and raises the service errors. An action with no ``fields``
    is opened by a screen of its own (the UI knows which).
    """

    name: str
    group: str
    service: Callable[..., Any] | None = None
    input_model: type[BaseModel] | None = None
    fields: tuple[FormField, ...] = ()
    roles: tuple[str, ...] = ()
    """Roles besides supervisor and admin (who may run everything) granted it by default."""
    needs_customer: bool = True
    """Offered only while a customer is loaded (the seed's rule)."""
    enabled_by_default: bool = False
    """In the seed's ``[actions] enabled`` defaults (what an absent section enables)."""
    kind: Kind = "seed"
    after: str | None = None
    """For ``status`` and ``step`` actions: the action they follow in the panel."""
    entity: str = ""
    """For ``status`` actions: the entity the agent needs ``edit`` on."""
    keywords: str = ""
    """More words the panel's filter matches (e.g. "complete" for Update Job Status)."""
    submit: Submit | None = None
    load: Callable[[ServiceContext, FormData], None] | None = None
    preview: Callable[[ServiceContext, FormData, dict[str, Any]], str] | None = None
    preview_label: str = "Preview"
    description: str = ""
    save_label: str = "Save"
    secondary: tuple[str, Submit] | None = None
    """A second save button, e.g. ("Save as Draft", fn)."""
    error_keys: dict[str, str] = field(default_factory=dict)
    """Service error key → form field, e.g. ``{"phones.0.number": "phone"}``."""
    extra_fields: Callable[[Any], tuple[FormField, ...]] | None = None
    """Fields that depend on settings (e.g. ``[contacts] custom_fields``), after ``fields``."""
    precheck: Callable[[ServiceContext, FormData, dict[str, Any]], Precheck | None] | None = None
    """Runs before saving; a :class:`Precheck` asks the agent first (e.g. a likely duplicate)."""
    confirm: Callable[[FormData, dict[str, Any]], str | None] | None = None
    """A yes/no question before saving something that cannot be undone (``None``: no question)."""

    @property
    def has_form(self) -> bool:
        """Whether the generic action form serves it (else a screen of its own does)."""
        return bool(self.fields)

    def all_fields(self, settings: Any) -> tuple[FormField, ...]:
        """``fields`` plus the settings-dependent ones."""
        return self.fields + (self.extra_fields(settings) if self.extra_fields else ())

    def save(self, ctx: ServiceContext, data: FormData, values: dict[str, Any]) -> SaveResult:
        """Save the form: ``submit`` when given, else ``service`` with the non-blank values."""
        if self.submit is not None:
            return self.submit(ctx, data, values)
        assert self.service is not None, f"{self.name} has neither submit nor service"
        return SaveResult(self.service(ctx, clean(values)).message, data.contact_id)
