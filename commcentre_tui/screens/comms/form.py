"""The communication form (one modal for Create a Communication, completing a draft, Follow Up
and Communicate Bill; see :class:`~commcentre_tui.controllers.comms.state.FormRequest`).

Fields: direction, media, category, the contact's email/phone to use, template, subject and
content (with ``{{`` tag auto-complete), a live preview and character/SMS count, related record
and shared notes. **Save as Draft** (F2) keeps it a draft, **Save** (ctrl+s) completes it
(outgoing email/SMS is queued). Typed content is autosaved every ``[communications]
autosave_seconds`` and offered back; Save or Discard removes it. Every service call runs in a
thread worker; names and texts are shown as :class:`rich.text.Text`, never markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, LoadingIndicator, Select, Static, TextArea

from commcentre_tui.catalog import MEDIA
from commcentre_tui.controllers.comms.state import (
    MEDIA_LABELS,
    TITLES,
    FormSetup,
    load_setup,
    saved_message,
    submit,
)
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.errors import CommCentreError, Conflict, ValidationFailed
from commcentre_tui.failures import FORM_KEPT, failure_sentence
from commcentre_tui.models import Communication
from commcentre_tui.screens.comms.autosave import AutosavedForm
from commcentre_tui.screens.comms.live import options_of
from commcentre_tui.support.loading import HoldsKeysUntilReady, fetch
from commcentre_tui.widgets.tag_fields import TagInput, TagPopup, TagTextArea


class CommunicationScreen(HoldsKeysUntilReady, AutosavedForm):
    """The communication form; dismisses with the saved :class:`Communication` or ``None``."""

    DEFAULT_CSS = """
    CommunicationScreen { align: center middle; }
    CommunicationScreen > #frame {
        width: 110; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    CommunicationScreen #title { text-style: bold; }
    CommunicationScreen #note { color: $text-muted; }
    CommunicationScreen #fields { height: auto; max-height: 66vh; }  /* the buttons stay on screen at 80×24 */
    CommunicationScreen .line { height: auto; }
    CommunicationScreen .cell { height: auto; width: 1fr; }
    CommunicationScreen .cell > Label { padding-left: 1; color: $text-muted; }
    CommunicationScreen #cell-recipient { width: 3fr; }
    CommunicationScreen #cell-template { width: 2fr; }
    CommunicationScreen .field-error { color: $error; padding-left: 1; height: auto; }
    CommunicationScreen .field-error.-empty { display: none; }
    CommunicationScreen #field-content { height: 7; }
    CommunicationScreen #field-shared_notes { height: 4; }
    CommunicationScreen #count { color: $text-muted; padding-left: 1; }
    CommunicationScreen #count.-over { color: $error; text-style: bold; }
    CommunicationScreen #preview { height: auto; max-height: 10; border: round $secondary; padding: 0 1; }
    CommunicationScreen #preview.-error { border: round $error; color: $error; }
    CommunicationScreen #buttons { height: auto; align-horizontal: right; padding-top: 1; }
    CommunicationScreen #buttons Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            id="comm_save",
            priority=True,
            tooltip="Save: complete the communication (outgoing email/SMS is queued)",
        ),
        Binding(
            "f2",
            "save_draft",
            "Save as Draft",
            id="comm_save_draft",
            priority=True,
            tooltip="Keep it as a draft to complete later",
        ),
        Binding("escape", "cancel", "Back", id="comm_cancel", tooltip="Close (asks if you typed)"),
    ]

    # -- building ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            yield Static(Text(f"{TITLES[self.request.mode]} …"), id="title")
            yield Static("", id="note")
            yield LoadingIndicator(id="loading")
            yield VerticalScroll(id="fields")
            with Horizontal(id="buttons"):
                yield Button("Save as Draft (F2)", id="draft")
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        ctx, request = self.ctx, self.request
        fetch(
            self,
            lambda: load_setup(ctx, request),
            self._build,
            group="comm-load",
            what="opening the form",
            on_error=self._load_failed,
        )

    def _load_failed(self, exc: BaseException) -> bool:
        """One sentence, and the form closes (handled: ``True``)."""
        message = failure_sentence(exc, "opening the form")
        self.notify(message, title=TITLES[self.request.mode], severity="error", markup=False)
        self.dismiss(None)
        return True

    async def _build(self, setup: FormSetup) -> None:
        self.setup = setup
        self.query_one("#title", Static).update(Text(setup.title))
        self.query_one("#note", Static).update(Text(setup.note))
        self.query_one("#note").display = bool(setup.note)
        await self.query_one("#fields", VerticalScroll).mount_all(self._rows(setup))
        await self.query_one("#loading").remove()
        self._recipients_media, self._template = setup.values["media"], setup.values["template"]
        if self.request.mode == "bill" and setup.values["template"]:
            self._rendered = (setup.values["subject"], setup.values["content"])
        self._initial = self.values()
        self._autosaved = self.request.restore is not None
        if setup.template_error:
            self.show_errors({"template": setup.template_error}, focus=False)
        self._refresh_live()
        self._timer = self.set_interval(
            self.app_settings.communications.autosave_seconds, self.autosave_now
        )
        first = {"follow_up": "shared_notes", "bill": "recipient", "draft": "content"}.get(
            setup.mode, "direction"
        )
        self.keys_ready(self.query_one(f"#field-{first}"))
        # At 80×24 the form scrolls: once laid out, show the field the cursor starts in (whole).
        self.call_after_refresh(
            self.query_one(f"#cell-{first}").scroll_visible, top=True, animate=False
        )
        if setup.pending is not None:
            self._offer_pending(setup.pending)

    def _rows(self, s: FormSetup) -> list[Widget]:
        v = s.values

        def cell(name: str, label: str, widget: Widget, *extra: Widget) -> Vertical:
            error = Static("", id=f"error-{name}", classes="field-error -empty")
            return Vertical(
                Label(Text(label)), widget, *extra, error, classes="cell", id=f"cell-{name}"
            )

        def select(name: str, options: list[tuple[Text, str]], *, blank: str = "") -> Select[str]:
            values = {value for _, value in options}
            value = (
                v[name]
                if v[name] in values
                else (Select.NULL if blank or not options else options[0][1])
            )
            return Select(
                options,
                value=value,
                allow_blank=bool(blank) or not options,
                prompt=blank or "Choose…",
                id=f"field-{name}",
            )

        directions = options_of([("incoming", "Incoming"), ("outgoing", "Outgoing")])
        media = options_of([(m, MEDIA_LABELS.get(m, m)) for m in MEDIA])
        categories = options_of([(c, c) for c in s.categories], v["category"])
        templates = options_of([(tid, label) for tid, label, _media in s.templates])
        subject_tags, content_tags = TagPopup(id="tags-subject"), TagPopup(id="tags-content")
        preview = Static("", id="preview")
        preview.border_title = "Preview"
        return [
            Horizontal(
                cell("direction", "Direction", select("direction", directions)),
                cell("media", "Media", select("media", media)),
                cell("category", "Category", select("category", categories)),
                classes="line",
            ),
            Horizontal(
                cell(
                    "recipient",
                    "Send to / contact via",
                    select(
                        "recipient",
                        self._recipient_options(v["media"], v["recipient"]),
                        blank="The customer's main address",
                    ),
                ),
                cell("template", "Template", select("template", templates, blank="No template")),
                classes="line",
            ),
            cell(
                "subject",
                "Subject",
                TagInput(
                    v["subject"],
                    popup=subject_tags,
                    id="field-subject",
                    placeholder="Type {{ for communication tags",
                    max_length=300,
                ),
                subject_tags,
            ),
            cell(
                "content",
                "Content",
                TagTextArea(v["content"], popup=content_tags, id="field-content"),
                content_tags,
                Static("", id="count"),
            ),
            preview,
            cell(
                "related",
                "Related to",
                select("related", options_of(s.related, v["related"]), blank="No related record"),
            ),
            cell(
                "shared_notes",
                "Shared notes",
                TextArea(
                    v["shared_notes"], id="field-shared_notes", soft_wrap=True, tab_behavior="focus"
                ),
            ),
        ]

    # -- saving -----------------------------------------------------------------------------
    def action_save(self) -> None:
        self._start_save(draft=False)

    def action_save_draft(self) -> None:
        self._start_save(draft=True)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self._start_save(draft=False)

    @on(Button.Pressed, "#draft")
    def _draft_pressed(self) -> None:
        self._start_save(draft=True)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def _start_save(self, *, draft: bool) -> None:
        if self._saving or self.setup is None:
            return
        self._saving = True
        self._submit(self.values(), draft)

    def _submit(self, values: dict[str, str], draft: bool) -> None:
        setup, ctx = self.setup, self.ctx
        assert setup is not None

        def save() -> Any:
            with self._lock:  # no autosave is written during or after the save
                comm = submit(ctx, setup, values, draft=draft, discard_autosave=self._autosaved)
                self._finished = True
            return comm

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, ValidationFailed):
                self._save_failed(exc.errors or {"": str(exc)}, "")
            elif isinstance(exc, Conflict):
                self._stale(str(exc))
            elif isinstance(exc, CommCentreError):
                self._save_failed({}, str(exc))
            else:  # one sentence, the form is kept
                self._save_failed({}, failure_sentence(exc, "saving", kept=FORM_KEPT))
            return True

        fetch(
            self,
            save,
            lambda comm: self._saved(comm, draft),
            group="comm-save",
            what="saving",
            on_error=failed,
        )

    def _stale(self, message: str) -> None:
        """Someone changed the draft since it was opened: nothing was saved; say how to see it."""
        self._save_failed({}, message)
        note = self.query_one("#note", Static)
        note.update(
            Text(
                "Not saved: this draft changed meanwhile. Esc closes the form; open the draft "
                "again to see the other change, then apply yours."
            )
        )
        note.display = True

    def _save_failed(self, errors: dict[str, str], message: str) -> None:
        self._saving = False
        self.show_errors(errors)
        if message:
            self.notify(message, title="Communication", severity="error", markup=False, timeout=8)

    def _saved(self, comm: Communication, draft: bool) -> None:
        from commcentre_tui.controllers.comms.embedded import wake_embedded_worker

        self.notify(
            saved_message(comm, draft=draft, follow_up=self.request.mode == "follow_up"),
            title="Communication",
            markup=False,
        )
        if comm.delivery == "queued":
            wake_embedded_worker(self.console_app)
        self.dismiss(comm)

    # -- closing ---------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self._saving:
            return
        if not self.dirty:
            self._discard()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._discard()

        self.app.push_screen(
            ConfirmScreen("Discard what you typed?", yes="Discard", no="Keep editing"), answered
        )

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.stop()
