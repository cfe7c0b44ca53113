"""Add More Information: the contact information as a modal in edit mode (seed 000).

Phones, emails and addresses can be added, edited and removed; the preferred language, the
opt-ins per media and the ``[contacts] custom_fields`` are edited below them
(:mod:`~commcentre_tui.widgets.contact_prefs`). Save validates (problems shown
beside the field) and writes everything in one transaction; if another agent saved the customer
meanwhile, a conflict message offers Reload instead of overwriting their change.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from commcentre_tui.errors import Conflict, NotFound, ValidationFailed
from commcentre_tui.keys import bind
from commcentre_tui.repo.customer_info import ContactInfo
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets.contact_info_row import SECTIONS, InfoRow
from commcentre_tui.widgets.contact_prefs import PreferencesPanel, TickBox
from commcentre_tui.widgets.footer import ConsoleFooter


class ContactInfoScreen(ConsoleAppMixin, ModalScreen[bool]):
    """Edit the loaded customer's phones, emails and addresses; dismisses ``True`` when saved."""

    DEFAULT_CSS = """
    ContactInfoScreen { align: center middle; }
    ContactInfoScreen > #info {
        width: 100%; max-width: 110; height: 1fr; max-height: 40;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ContactInfoScreen #info-body { height: 1fr; }
    ContactInfoScreen .rows { height: auto; }
    ContactInfoScreen #info-who { height: auto; }
    ContactInfoScreen .section-head { height: 1; margin-top: 1; }
    ContactInfoScreen .section-head > Label { width: 1fr; text-style: bold; }
    ContactInfoScreen .section-head > Button { width: auto; }
    ContactInfoScreen .section-error { height: auto; display: none; }
    ContactInfoScreen .section-error.-shown { display: block; }
    ContactInfoScreen #info-conflict { height: auto; display: none; padding: 0 1;
                                       border: round $error; }
    ContactInfoScreen #info-conflict.-shown { display: block; }
    ContactInfoScreen #info-buttons { height: 1; margin-top: 1; }
    ContactInfoScreen #info-buttons > Button { margin-right: 2; }
    """

    BINDINGS = [
        bind("save", "save"),
        bind("add_row", "add_row"),
        bind("remove_row", "remove_row"),
        bind("reload_form", "reload"),
        bind("back", "cancel", label="Cancel"),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.info: ContactInfo | None = None
        self._warned = False
        self._section = "phones"

    def compose(self) -> ComposeResult:
        with Vertical(id="info") as box:
            box.border_title = "Add More Information"
            yield Static(Text("Reading the contact information …"), id="info-who")
            with VerticalScroll(id="info-body"):
                for section, (title, _, _) in SECTIONS.items():
                    singular = title[:-2] if section == "addresses" else title[:-1]
                    with Horizontal(classes="section-head"):
                        yield Label(title)
                        yield Button(f"+ {singular}", compact=True, id=f"add-{section}")
                    yield Vertical(id=f"{section}-rows", classes="rows")
                    yield Label("", id=f"{section}-error", classes="section-error")
                with Horizontal(classes="section-head"):
                    yield Label("Preferences and custom fields")
                yield PreferencesPanel(
                    self.console_app.settings.contacts.custom_fields,
                    id="preferences",
                )
            yield Static("", id="info-conflict")
            with Horizontal(id="info-buttons"):
                yield Button("Save", compact=True, variant="primary", id="save")
                yield Button("Reload", compact=True, id="reload")
                yield Button("Cancel", compact=True, id="cancel")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.action_reload()

    # Loading ------------------------------------------------------------------------------
    def action_reload(self) -> None:
        """Read the contact information again (discarding edits)."""
        gateway = self.console_app.gateway
        contact_id = self.contact_id
        fetch(
            self,
            lambda: gateway.contact_info(contact_id),
            self.show_info,
            group="info",
            what="reading the contact information",
            busy=self.query_one("#info-body"),
        )

    def show_info(self, info: ContactInfo) -> None:
        """Fill the form from ``info`` (edits are discarded)."""
        self.info = info
        self._warned = False
        self.query_one("#info-who", Static).update(
            Text(f"{inert(info.display_name)} ({inert(info.customer_number)})", style="bold")
        )
        self._conflict(None)
        for section in SECTIONS:
            container = self.query_one(f"#{section}-rows")
            container.remove_children()
            items = getattr(info, section)
            container.mount_all([InfoRow(section, item) for item in items] or [InfoRow(section)])
            self._section_error(section, None)
        self.preferences.show(info.preferences)
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        rows = self.rows("phones")
        if rows:
            rows[0].focus_first()

    @property
    def preferences(self) -> PreferencesPanel:
        """The language, opt-ins and custom fields."""
        return self.query_one("#preferences", PreferencesPanel)

    def rows(self, section: str) -> list[InfoRow]:
        return list(self.query_one(f"#{section}-rows").query(InfoRow).results(InfoRow))

    # Editing ------------------------------------------------------------------------------
    def _row_of(self, node: Widget | None) -> InfoRow | None:
        while node is not None and not isinstance(node, InfoRow):
            node = node.parent  # type: ignore[assignment]  # a widget's parent is a DOMNode; the walk stops at the screen
        return node

    def on_descendant_focus(self, event: Any) -> None:
        row = self._row_of(self.focused)
        if row is not None:
            self._section = row.section

    async def action_add_row(self, section: str | None = None) -> None:
        """Add an empty row to ``section`` (default: where the cursor is)."""
        section = section or self._section
        row = InfoRow(section)
        await self.query_one(f"#{section}-rows").mount(row)
        row.focus_first()

    def action_remove_row(self, row: InfoRow | None = None) -> None:
        """Remove the row the cursor is in (saved when you press Save)."""
        row = row or self._row_of(self.focused)
        if row is None:
            return
        row.remove()

    @on(TickBox.Changed, ".main")
    def _one_main(self, event: TickBox.Changed) -> None:
        row = self._row_of(event.checkbox)
        if row is None or not event.value:
            return
        for other in self.rows(row.section):
            if other is not row and other.is_main:
                other.query_one(".main", TickBox).value = False

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if button.id and button.id.startswith("add-"):
            await self.action_add_row(button.id[4:])
        elif button.has_class("remove"):
            self.action_remove_row(self._row_of(button))
        elif button.id in ("save", "reload", "cancel"):
            getattr(self, f"action_{button.id}")()

    def _form_state(self) -> set[tuple[Any, ...]]:
        """The form's rows as comparable tuples (blank new rows left out)."""
        state = set()
        for section in SECTIONS:
            for row in self.rows(section):
                item = row.to_item()
                values = tuple(getattr(item, name) for name, _, _ in SECTIONS[section][2])
                if item.id is None and not any(v.strip() for v in values):
                    continue
                state.add((section, item.id, item.kind, values, item.is_primary))
        return state

    def _saved_state(self) -> set[tuple[Any, ...]]:
        info = self.info
        if info is None:
            return set()
        return {
            (
                section,
                item.id,
                item.kind,
                tuple(getattr(item, name) for name, _, _ in SECTIONS[section][2]),
                item.is_primary,
            )
            for section in SECTIONS
            for item in getattr(info, section)
        }

    def is_dirty(self) -> bool:
        """Whether the form differs from what was read."""
        return self.info is not None and (
            self._form_state() != self._saved_state()
            or self.preferences.state() != self.preferences.saved_state()
        )

    def action_cancel(self) -> None:
        """Close without saving (asks once when there are unsaved edits)."""
        if self.is_dirty() and not self._warned:
            self._warned = True
            self.notify(
                "You have unsaved changes: press Esc again to discard them, or Ctrl+S to save.",
                severity="warning",
            )
            return
        self.dismiss(False)

    # Saving -------------------------------------------------------------------------------
    def action_save(self) -> None:
        """Validate and save in one transaction."""
        info = self.info
        if info is None:
            return
        lists: dict[str, Any] = {s: [r.to_item() for r in self.rows(s)] for s in SECTIONS}
        lists["preferences"] = self.preferences.value()
        self.preferences.show_errors({})
        for section in SECTIONS:
            self._section_error(section, None)
            for row in self.rows(section):
                row.show_errors([])
        gateway = self.console_app.gateway
        contact_id, version = self.contact_id, info.version
        fetch(
            self,
            lambda: gateway.save_contact_info(contact_id, version, **lists),
            self._saved,
            group="info-save",
            what="saving the contact information",
            busy=self.query_one("#info-buttons"),
            on_error=self._save_failed,
        )

    def _saved(self, info: ContactInfo) -> None:
        self.info = info
        self.app.notify(f"Contact information of {info.customer_number} saved.")
        self.dismiss(True)

    def _save_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, ValidationFailed):
            self._field_errors(exc.errors or {"__form__": str(exc)})
            self.notify(str(exc), title="Not saved", severity="error")
            return True
        if isinstance(exc, Conflict | NotFound):
            self._conflict(
                f"✗ Not saved. {exc} Press Ctrl+R (Reload) to read the customer "
                "again; your edits here will be discarded."
            )
            self.notify(str(exc), title="Not saved: changed by someone else", severity="error")
            return True
        return False

    def _field_errors(self, errors: dict[str, str]) -> None:
        per_row: dict[tuple[str, int], list[str]] = {}
        shown = self.preferences.show_errors(errors)
        for key, message in errors.items():
            if key in shown:
                continue
            parts = key.split(".")
            if parts[0] in SECTIONS and len(parts) >= 2 and parts[1].isdigit():
                per_row.setdefault((parts[0], int(parts[1])), []).append(message)
            elif parts[0] in SECTIONS:
                self._section_error(parts[0], message)
            else:
                self._conflict(f"✗ {message}")
        first: InfoRow | None = None
        for (section, index), messages in per_row.items():
            rows = self.rows(section)
            if index < len(rows):
                rows[index].show_errors(messages)
                first = first or rows[index]
        if first is not None:
            first.focus_first()
        elif shown:
            self.preferences.focus_error(errors)

    def _section_error(self, section: str, message: str | None) -> None:
        label = self.query_one(f"#{section}-error", Label)
        label.set_class(bool(message), "-shown")
        label.update(Text(f"✗ {message}" if message else ""))

    def _conflict(self, message: str | None) -> None:
        box = self.query_one("#info-conflict", Static)
        box.set_class(bool(message), "-shown")
        box.update(Text(message or ""))
