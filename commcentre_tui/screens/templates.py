"""The Templates screen: administrators manage the communication templates (palette → Templates,
for roles with edit access to templates).

The list (name, language, state) on the left; the highlighted version in the editor on the right:
name, language, media, what it is about (the record its tags refer to in bulk sends), subject and
body with ``{{`` tag completion, and a live preview against a chosen customer (or the tag
reference's examples). Saving checks first (unknown tag, sandbox refusal, SMS length …: the
sentence appears under the body and nothing is saved). Every change is audited by the service
(``services.templates``).

Keys: Ctrl+N new template, Ctrl+S save, Ctrl+D deactivate / reactivate, Escape back (asks before
discarding typed changes).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from commcentre_tui.catalog import MEDIA
from commcentre_tui.comms.targets import ABOUT
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.errors import CommCentreError
from commcentre_tui.failures import failure_sentence
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert
from commcentre_tui.widgets.footer import ConsoleFooter
from commcentre_tui.widgets.tag_fields import TagInput, TagPopup, TagTextArea

TITLE = "Templates"
BLANK = {
    "name": "",
    "language": "en",
    "media": "email",
    "about": "customer",
    "subject": "",
    "body": "",
}


class TemplatesScreen(ConsoleAppMixin, Screen[None]):
    """The template list and the editor with its live preview."""

    DEFAULT_CSS = """
    TemplatesScreen #tpl-title { height: 1; padding: 0 1; text-style: bold; }
    TemplatesScreen #tpl-main { height: 1fr; }
    TemplatesScreen #tpl-list { width: 38; height: 1fr; }
    TemplatesScreen #tpl-editor { width: 1fr; height: 1fr; padding: 0 1; }
    TemplatesScreen .tpl-row { height: auto; }
    TemplatesScreen .tpl-row > Vertical { width: 1fr; height: auto; }
    TemplatesScreen #tpl-language-box { width: 12; }
    TemplatesScreen Input, TemplatesScreen Select { width: 100%; }
    TemplatesScreen #tpl-body { height: 8; }
    TemplatesScreen #tpl-error { color: $error; height: auto; }
    TemplatesScreen #tpl-preview { height: auto; border: round $secondary; padding: 0 1; }
    TemplatesScreen #tpl-preview.-error { color: $error; }
    TemplatesScreen #tpl-status { height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+n", "new", "New", id="templates_new", priority=True),
        Binding("ctrl+s", "save", "Save", id="templates_save", priority=True),
        Binding("ctrl+d", "toggle_active", "Deactivate", id="templates_toggle", priority=True),
        Binding("escape", "close", "Back", id="templates_close"),
    ]

    def __init__(self) -> None:
        super().__init__(id="templates")
        self.rows: list[Any] = []
        self.current: Any = None
        """The version in the editor (``None``: a new template)."""
        self._loaded: dict[str, str] = dict(BLANK)
        self.saving = False

    @property
    def ctx(self) -> Any:
        from commcentre_tui.services.context import ServiceContext

        app = self.console_app
        return ServiceContext(app.engine, app.settings, app.actor)

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"{TITLE} — Ctrl+N new · Ctrl+S save · Ctrl+D deactivate · Esc back"),
            id="tpl-title",
        )
        with Horizontal(id="tpl-main"):
            table: DataTable[Text] = DataTable(id="tpl-list", cursor_type="row", zebra_stripes=True)
            table.add_columns("Name", "Lang", "State")
            yield table
            with VerticalScroll(id="tpl-editor"):
                with Horizontal(classes="tpl-row"):
                    with Vertical():
                        yield Label("Name")
                        yield Input(id="tpl-name", max_length=100, compact=True)
                    with Vertical(id="tpl-language-box"):
                        yield Label("Language")
                        yield Input("en", id="tpl-language", max_length=10, compact=True)
                with Horizontal(classes="tpl-row"):
                    with Vertical():
                        yield Label("Media")
                        yield Select(
                            [(m, m) for m in MEDIA],
                            value="email",
                            allow_blank=False,
                            id="tpl-media",
                            compact=True,
                        )
                    with Vertical():
                        yield Label("About (bulk sends)")
                        yield Select(
                            [(a, a) for a in ABOUT],
                            value="customer",
                            allow_blank=False,
                            id="tpl-about",
                            compact=True,
                        )
                yield Label("Subject")
                subject_tags = TagPopup(id="tpl-subject-tags")
                yield TagInput(popup=subject_tags, id="tpl-subject", max_length=300, compact=True)
                yield subject_tags
                yield Label("Body — type {{ for the tags")
                body_tags = TagPopup(id="tpl-body-tags")
                yield TagTextArea(popup=body_tags, id="tpl-body")
                yield body_tags
                yield Static("", id="tpl-error")
                yield Label("Preview for customer (number; blank: the tag examples)")
                yield Input(id="tpl-customer", placeholder="e.g. C0000001", compact=True)
                yield Static("", id="tpl-preview")
        yield Static("Reading the templates …", id="tpl-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self._reload()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#tpl-list", DataTable)

    def _status(self, text: str) -> None:
        self.query_one("#tpl-status", Static).update(Text(inert(text)))

    def values(self) -> dict[str, str]:
        """The editor's values by field name."""
        out = {
            name: self.query_one(f"#tpl-{name}", Input).value
            for name in ("name", "language", "subject")
        }
        out["media"] = str(self.query_one("#tpl-media", Select).value)
        out["about"] = str(self.query_one("#tpl-about", Select).value)
        out["body"] = self.query_one("#tpl-body", TextArea).text
        return out

    @property
    def dirty(self) -> bool:
        return self.values() != self._loaded

    # The list ----------------------------------------------------------------------------
    def _reload(self, select_id: int | None = None) -> None:
        from commcentre_tui.services import templates as svc

        ctx, group, what = self.ctx, "templates-list", "listing the templates"
        show = lambda rows: self._show_rows(rows, select_id)  # noqa: E731
        fetch(
            self, lambda: svc.list_all(ctx), show, group=group, what=what, on_error=self._unlisted
        )

    def _unlisted(self, exc: BaseException) -> bool:
        self._status(str(exc))
        return True

    def _show_rows(self, rows: list[Any], select_id: int | None) -> None:
        self.rows = rows
        table = self.table
        table.clear()
        for row in rows:
            table.add_row(Text(row.name), Text(row.language), Text(row.state), key=str(row.id))
        self._status(
            f"{len(rows)} template versions." if rows else "No templates yet: Ctrl+N adds one."
        )
        wanted = select_id if select_id is not None else getattr(self.current, "id", None)
        index = next((i for i, r in enumerate(rows) if r.id == wanted), None)
        if index is None and rows and not self.dirty:
            index = 0
        if index is not None:
            table.move_cursor(row=index)
            if not self.dirty or rows[index].id == getattr(self.current, "id", None):
                self._open(rows[index])

    @on(DataTable.RowHighlighted, "#tpl-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = next((r for r in self.rows if str(r.id) == event.row_key.value), None)
        if row is not None and row is not self.current and not self.dirty:
            self._open(row)

    @on(DataTable.RowSelected, "#tpl-list")
    def _selected(self, event: DataTable.RowSelected) -> None:
        row = next((r for r in self.rows if str(r.id) == event.row_key.value), None)
        if row is None:
            return
        if row is self.current or not self.dirty:
            self._open(row)
            self.query_one("#tpl-name", Input).focus()
            return

        def open_row() -> None:
            self._open(row)
            self.query_one("#tpl-name", Input).focus()

        self._ask_discard(open_row)

    def _open(self, row: Any) -> None:
        """Put ``row`` (or a blank new template for ``None``) into the editor."""
        self.current = row
        values = BLANK if row is None else {k: getattr(row, k) for k in BLANK}
        for name in ("name", "language", "subject"):
            self.query_one(f"#tpl-{name}", Input).value = values[name]
        self.query_one("#tpl-media", Select).value = values["media"]
        self.query_one("#tpl-about", Select).value = values["about"]
        self.query_one("#tpl-body", TextArea).text = values["body"]
        self._loaded = dict(values)
        self._error("")
        self._preview()

    def _error(self, text: str) -> None:
        self.query_one("#tpl-error", Static).update(Text(f"✗ {text}" if text else ""))

    # The live preview -------------------------------------------------------------------
    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self._preview()

    def _preview(self) -> None:
        values, customer = self.values(), self.query_one("#tpl-customer", Input).value

        def render() -> Any:
            from commcentre_tui.services import templates as svc

            if not values["body"].strip():
                return "Type the body to see the preview."
            worker = get_current_worker()  # a newer keystroke cancels this preview
            return svc.preview(self.ctx, values, customer, cancelled=lambda: worker.is_cancelled)

        def shown_as_error(exc: BaseException) -> bool:
            if not isinstance(exc, CommCentreError):
                exc = RuntimeError(failure_sentence(exc, "previewing"))
            self._show_preview(exc)
            return True

        fetch(
            self,
            render,
            self._show_preview,
            group="templates-preview",
            what="previewing",
            on_error=shown_as_error,
        )

    def _show_preview(self, result: Any) -> None:
        box = self.query_one("#tpl-preview", Static)
        box.set_class(isinstance(result, Exception), "-error")
        if isinstance(result, Exception):
            box.update(Text(f"✗ {result}"))
        elif isinstance(result, str):
            box.update(Text(result, style="italic"))
        else:
            text = Text.assemble((f"For {result.who}\n", "italic"))
            if result.subject:
                text.append(f"Subject: {result.subject}\n", style="bold")
            text.append(result.body.strip("\n"))
            if self.values()["media"] == "sms":
                text.append(
                    f"\n({len(result.body)} of {self.console_app.settings.sms.max_length} characters)",
                    style="italic",
                )
            box.update(text)

    # Saving, new, (de)activate, close ----------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self._status("Checking and saving …")
        values, current = self.values(), self.current

        def save() -> Any:
            from commcentre_tui.services import templates as svc

            if current is None:
                return svc.create(self.ctx, values)
            return svc.update(self.ctx, current.id, current.version, values)

        def failed(exc: BaseException) -> bool:
            if not isinstance(exc, CommCentreError):  # e.g. the database went away
                exc = RuntimeError(failure_sentence(exc, "saving the template"))
            self._save_failed(exc)
            return True

        fetch(self, save, self._saved, group="templates-save", what="saving", on_error=failed)

    def _save_failed(self, exc: Exception) -> None:
        self.saving = False
        self._error(str(exc))
        self._status("Not saved: " + str(exc))
        field = getattr(exc, "field", None)
        target = {"content": "body"}.get(field or "", field or "")
        if target in BLANK:
            self.query_one(f"#tpl-{target}").focus()

    def _saved(self, saved: Any) -> None:
        self.saving = False
        self.current = saved
        self._loaded = self.values()
        self._error("")
        self.app.notify(
            f"Saved the template {saved.name} ({saved.language}).", title=TITLE, markup=False
        )
        self._reload(saved.id)

    def action_new(self) -> None:
        def start() -> None:
            self._open(None)
            self.query_one("#tpl-name", Input).focus()
            self._status("A new template: fill it in, then Ctrl+S saves it.")

        if self.dirty:
            self._ask_discard(start)
        else:
            start()

    def action_toggle_active(self) -> None:
        row = self.current
        if row is None:
            self._status("Save the template first; then it can be deactivated.")
            return
        if not row.active:
            self._set_active(row, True)
            return
        question = (
            f"Deactivate the template {row.name} ({row.language})? It is no longer offered or sent; "
            "Ctrl+D here reactivates it."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._set_active(row, False)

        self.app.push_screen(ConfirmScreen(question, yes="Deactivate", no="Back"), confirmed)

    def _set_active(self, row: Any, active: bool) -> None:
        def change() -> Any:
            from commcentre_tui.services import templates as svc

            return svc.set_active(self.ctx, row.id, active, row.version)

        def changed(saved: Any) -> None:
            word = "Reactivated" if active else "Deactivated"
            self.app.notify(
                f"{word} the template {saved.name} ({saved.language}).", title=TITLE, markup=False
            )
            self._reload(saved.id)

        what = "reactivating" if active else "deactivating"

        def refused(exc: BaseException) -> bool:
            self._status(failure_sentence(exc, what))
            return True

        fetch(self, change, changed, group="templates-save", what=what, on_error=refused)

    def _ask_discard(self, then: Any) -> None:
        self.app.push_screen(
            ConfirmScreen("Discard your changes to this template?", yes="Discard", no="Back"),
            lambda yes: then() if yes else None,
        )

    def action_close(self) -> None:
        if self.dirty and not self.saving:
            self._ask_discard(lambda: self.dismiss(None))
            return
        self.dismiss(None)
