"""The modal that runs one action form: fields from its spec, inline errors, Save in a worker."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    LoadingIndicator,
    Select,
    Static,
    TextArea,
)

from commcentre_tui import zones
from commcentre_tui.actions.spec import (
    ActionSpec,
    FormData,
    FormField,
    Precheck,
    SaveResult,
)
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.errors import CommCentreError, ValidationFailed
from commcentre_tui.failures import FORM_KEPT, failure_sentence
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch
from commcentre_tui.text import inert_lines
from commcentre_tui.widgets.form_fields import field_row


class ActionFormScreen(ConsoleAppMixin, ModalScreen[SaveResult | None]):
    """A form for one action; dismisses with the :class:`SaveResult` or ``None`` if cancelled."""

    DEFAULT_CSS = """
    ActionFormScreen { align: center middle; }
    ActionFormScreen > #frame {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    ActionFormScreen #title { text-style: bold; padding: 0 0 1 0; }
    ActionFormScreen #fields { height: auto; max-height: 60vh; }  /* buttons stay on screen at 80×24 */
    ActionFormScreen .row { height: auto; margin-bottom: 0; }
    ActionFormScreen .row Label { padding: 0 0 0 1; color: $text-muted; }
    ActionFormScreen .field-error { color: $error; padding-left: 1; height: auto; }
    ActionFormScreen .field-error.-empty { display: none; }
    ActionFormScreen TextArea { height: 5; }
    /* The preview is the last thing in the scrolling fields: whole, and the buttons stay on screen. */
    ActionFormScreen #preview { height: auto; border: round $secondary; padding: 0 1; }
    ActionFormScreen #preview.-empty { display: none; }
    ActionFormScreen #buttons { height: auto; align-horizontal: right; padding-top: 1; }
    ActionFormScreen #buttons Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form_save", tooltip="Save this form", priority=True),
        Binding("f9", "preview", "Preview", id="form_preview", tooltip="Preview without saving"),
        Binding("escape", "cancel", "Back", id="form_cancel", tooltip="Close (asks if you typed)"),
    ]

    def __init__(self, spec: ActionSpec, data: FormData) -> None:
        super().__init__()
        self.spec = spec
        self.data = data
        self._initial: dict[str, Any] = {}
        self._saving = False
        self.fields: tuple[FormField, ...] = ()

    # -- building -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            title = Text(self.spec.name)
            yield Static(title, id="title")
            if self.spec.description:
                yield Static(Text(self.spec.description), id="description")
            yield LoadingIndicator(id="loading")
            with VerticalScroll(id="fields"):
                yield Static("", id="preview", classes="-empty")
            with Horizontal(id="buttons"):
                if self.spec.preview is not None:
                    yield Button(f"{self.spec.preview_label} (F9)", id="preview-button")
                if self.spec.secondary is not None:
                    yield Button(self.spec.secondary[0], id="secondary")
                yield Button(f"{self.spec.save_label} (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._load()

    @property
    def ctx(self) -> ServiceContext:
        app = self.console_app
        return ServiceContext(app.engine, app.settings, app.actor)

    def _load(self) -> None:
        """Read what the form offers (``spec.load``), then build its fields."""
        load, ctx = self.spec.load, self.ctx

        def read() -> None:
            if load is not None:
                load(ctx, self.data)

        fetch(
            self,
            read,
            lambda _nothing: self._build_fields(),
            group="form-load",
            what="opening the form",
            on_error=self._load_failed,
        )

    def _load_failed(self, exc: BaseException) -> bool:
        """The form closes with one sentence (handled: ``True``)."""
        message = failure_sentence(exc, "opening the form")
        self.notify(message, title=self.spec.name, severity="error")
        self.dismiss(None)
        return True

    async def _build_fields(self) -> None:
        container = self.query_one("#fields", VerticalScroll)
        app = self.console_app
        self.fields = self.spec.all_fields(app.settings)
        rows = [field_row(spec, self.data) for spec in self.fields]
        await container.mount_all(rows, before=self.query_one("#preview"))
        self.query_one("#loading").display = False
        self._initial = self.values()
        # The cursor starts in the first field the agent types into: on a drop-down, a space
        # (or a stray key) would open it.
        fields = list(self.query(".input").results(Widget))
        first: Widget | None = next((w for w in fields if isinstance(w, Input | TextArea)), None)
        first = first or next(iter(fields), None)
        if first is not None:
            first.focus()
            # At 80×24 the fields scroll: once laid out, show the one the cursor starts in.
            self.call_after_refresh(first.scroll_visible, animate=False)

    # -- values and errors ------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The typed values by field name: ``None`` for blanks, ``bool`` for check boxes."""
        result: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                value = widget.value
                result[spec.name] = None if value is Select.NULL else value
            elif isinstance(widget, TextArea):
                result[spec.name] = widget.text.strip() or None
            elif isinstance(widget, Checkbox):
                result[spec.name] = widget.value
            elif isinstance(widget, Input):
                text = widget.value.strip() or None
                result[spec.name] = zones.typed(text) if spec.kind == "datetime" else text
        return result

    @property
    def dirty(self) -> bool:
        """Whether the agent has typed anything since the form opened."""
        return bool(self._initial) and self.values() != self._initial

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message beside its field; errors for fields not on the form are notified."""
        errors = {self.spec.error_keys.get(k, k): v for k, v in errors.items()}
        names = {f.name for f in self.fields}
        for spec in self.fields:
            message = errors.get(spec.name, "")
            target = self.query_one(f"#error-{spec.name}", Static)
            target.update(Text(f"✗ {message}" if message else ""))
            target.set_class(not message, "-empty")
            self.query_one(f"#field-{spec.name}").set_class(bool(message), "-invalid")
        stray = [m for f, m in errors.items() if f not in names]
        if stray:
            self.notify(" ".join(stray), title=self.spec.name, severity="error")
        first = next((n for n in (f.name for f in self.fields) if n in errors), None)
        if first is not None:
            self.query_one(f"#field-{first}").focus()

    def _missing_required(self, values: dict[str, Any]) -> dict[str, str]:
        return {
            f.name: f"{f.label} is required."
            for f in self.fields
            if f.required and f.kind != "bool" and values.get(f.name) in (None, "")
        }

    # -- actions --------------------------------------------------------------------------
    def action_save(self) -> None:
        self._start_save(self.spec.save)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self._start_save(self.spec.save)

    @on(Button.Pressed, "#secondary")
    def _secondary_pressed(self) -> None:
        if self.spec.secondary is not None:
            self._start_save(self.spec.secondary[1], check_required=False)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#preview-button")
    def _preview_pressed(self) -> None:
        self.action_preview()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def _start_save(self, submit: Any, *, check_required: bool = True) -> None:
        if self._saving or not self.fields:
            return
        values = self.values()
        missing = self._missing_required(values) if check_required else {}
        if missing:
            self.show_errors(missing)
            return
        self._saving = True
        question = (
            self.spec.confirm(self.data, values) if self.spec.confirm and check_required else None
        )
        if question:
            self._confirm_first(question, submit, values)
            return
        self._run_submit(submit, values)

    def _confirm_first(self, question: str, submit: Any, values: dict[str, Any]) -> None:
        """Ask before an irreversible save (the safe answer has the focus)."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_submit(submit, values)
            else:
                self._saving = False

        self.app.push_screen(
            ConfirmScreen(question, yes=self.spec.save_label, no="Keep editing"), answered
        )

    def _run_submit(self, submit: Any, values: dict[str, Any], confirmed: bool = False) -> None:
        """Save (after the spec's precheck, whose question is asked first when it has one)."""
        precheck, ctx = (None if confirmed else self.spec.precheck), self.ctx

        def save() -> SaveResult | Precheck:
            question = precheck(ctx, self.data, values) if precheck is not None else None
            return question if question is not None else submit(ctx, self.data, values)

        def done(outcome: SaveResult | Precheck) -> None:
            if isinstance(outcome, Precheck):
                self._ask_first(outcome, submit, values)
            else:
                self._saved(outcome)

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, ValidationFailed):
                self._save_failed(exc.errors or {"": str(exc)}, None)
            elif isinstance(exc, CommCentreError):
                self._save_failed({}, str(exc))
            else:  # one sentence, the form kept
                self._save_failed({}, failure_sentence(exc, "saving", kept=FORM_KEPT))
            return True

        fetch(self, save, done, group="form-save", what="saving", on_error=failed)

    def _ask_first(self, question: Precheck, submit: Any, values: dict[str, Any]) -> None:
        def answered(open_existing: bool | None) -> None:
            if open_existing and question.open_contact_id is not None:
                self._saving = False
                self.dismiss(
                    SaveResult("Opened the existing customer.", contact_id=question.open_contact_id)
                )
            elif open_existing is False:
                self._run_submit(submit, values, True)
            else:
                self._saving = False

        self.app.push_screen(
            ConfirmScreen(question.question, yes=question.open_label, no="Save anyway"), answered
        )

    def _save_failed(self, errors: dict[str, str], message: str | None) -> None:
        self._saving = False
        self.show_errors(errors)
        if message:
            self.notify(message, title=self.spec.name, severity="error", timeout=8)

    def _saved(self, result: SaveResult) -> None:
        self._saving = False
        self.notify(result.message, title=self.spec.name)
        self.dismiss(result)

    def action_preview(self) -> None:
        if self.spec.preview is not None and self._initial:
            self._run_preview(self.values())

    def _run_preview(self, values: dict[str, Any]) -> None:
        preview, ctx = self.spec.preview, self.ctx
        assert preview is not None

        def beside_the_fields(exc: BaseException) -> bool:
            if isinstance(exc, ValidationFailed):
                self.show_errors(exc.errors or {"": str(exc)})
                return True
            return False  # any other failure: one sentence as a notification

        fetch(
            self,
            lambda: preview(ctx, self.data, values),
            self._show_preview,
            group="form-preview",
            what="previewing",
            on_error=beside_the_fields,
        )

    def _show_preview(self, text: str) -> None:
        preview = self.query_one("#preview", Static)
        preview.update(Text(inert_lines(text)))
        preview.set_class(False, "-empty")
        # (Under the fields, which scroll: bring its first lines into view.)
        self.call_after_refresh(
            self.query_one("#fields", VerticalScroll).scroll_to_widget,
            preview,
            top=True,
            animate=False,
        )
        self.show_errors({})

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard what you typed?", yes="Discard", no="Keep editing"), answered
        )
