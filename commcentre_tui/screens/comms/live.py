"""The live half of the communication form: field values and inline errors, the recipients
for the chosen media, the character/SMS count, the rendered preview and template choice.

:class:`LiveForm` is the base of :class:`~commcentre_tui.screens.comms.form.CommunicationScreen`;
service calls (preview, template rendering) run in thread workers, off the UI loop. A render is
bounded by the template budget (``comms.sandbox``: a hostile template is a sentence in the
preview within ``[communications] render_seconds``) and stops at its next step once its worker
is cancelled — by a newer keystroke's preview, closing the form or quitting — so it never holds
the console open.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea
from textual.worker import get_current_worker

from commcentre_tui.comms.sms import sms_count
from commcentre_tui.comms.tags import open_tag
from commcentre_tui.comms.templates import has_tags
from commcentre_tui.controllers.comms.state import ERROR_KEYS, FIELDS, FormRequest, FormSetup
from commcentre_tui.failures import failure_sentence
from commcentre_tui.models import Communication
from commcentre_tui.services import communications as svc
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.support.loading import fetch

SELECTS = ("direction", "media", "category", "recipient", "template", "related")
Options = list[tuple[str, str]]


def options_of(pairs: Options, keep: str = "") -> list[tuple[Text, str]]:
    """Select options from (value, label) pairs, plus ``keep`` when it is not among them."""
    extra = (
        [(keep, keep.replace(":", " #").replace("_", " "))]
        if keep and keep not in {v for v, _ in pairs}
        else []
    )
    return [(Text(label), value) for value, label in [*pairs, *extra]]


class LiveForm(ConsoleAppMixin, ModalScreen[Communication | None]):
    """Values, errors and the live parts of the communication form (see the module docstring)."""

    def __init__(self, request: FormRequest) -> None:
        super().__init__()
        self.request = request
        self.setup: FormSetup | None = None
        self._initial: dict[str, str] = {}
        self._recipients_media = ""
        self._template = ""
        self._rendered: tuple[str, str] | None = None
        self._rendered_content: str | None = None
        self._preview_key: tuple[str, str, str] | None = None

    @property
    def ctx(self) -> ServiceContext:
        app = self.console_app
        return ServiceContext(app.engine, app.settings, app.actor)

    @property
    def app_settings(self) -> Any:
        return self.console_app.settings

    def _recipient_options(self, media: str, keep: str = "") -> list[tuple[Text, str]]:
        assert self.setup is not None
        return options_of(self.setup.recipients.get(media, []), keep)

    def _select(self, name: str) -> Select[str]:
        return self.query_one(f"#field-{name}", Select)

    def values(self) -> dict[str, str]:
        """The form's values by field name (blank selections are ``""``)."""
        if self.setup is None:
            return {}
        result = {
            name: "" if self._select(name).value is Select.NULL else str(self._select(name).value)
            for name in SELECTS
        }
        result["subject"] = self.query_one("#field-subject", Input).value
        result["content"] = self.query_one("#field-content", TextArea).text
        result["shared_notes"] = self.query_one("#field-shared_notes", TextArea).text
        return result

    @property
    def dirty(self) -> bool:
        """Whether there is typed content to lose (changed, or restored from an autosave)."""
        return self.setup is not None and (
            self.request.restore is not None or self.values() != self._initial
        )

    def show_errors(self, errors: dict[str, str], *, focus: bool = True) -> None:
        """Each message beside its field; messages for no field are notified."""
        errors = {ERROR_KEYS.get(k, k): v for k, v in errors.items()}
        for name in FIELDS:
            message = errors.get(name, "")
            target = self.query_one(f"#error-{name}", Static)
            target.update(Text(f"✗ {message}" if message else ""))
            target.set_class(not message, "-empty")
            self.query_one(f"#field-{name}").set_class(bool(message), "-invalid")
        stray = [m for k, m in errors.items() if k not in FIELDS]
        if stray:
            self.notify(
                " ".join(stray), title="Communication", severity="error", markup=False, timeout=8
            )
        first = next((n for n in FIELDS if n in errors), None)
        if focus and first is not None:
            self.query_one(f"#field-{first}").focus()

    def _clear_error(self, name: str) -> None:
        self.query_one(f"#error-{name}", Static).set_class(True, "-empty")
        self.query_one(f"#field-{name}").set_class(False, "-invalid")

    # -- live: recipients, count, preview ---------------------------------------------------
    def _fill_recipients(self, keep: str = "") -> None:
        media = self.values()["media"]
        if media == self._recipients_media and not keep:
            return
        self._recipients_media = media
        options = self._recipient_options(media, keep)
        select = self._select("recipient")
        with self.prevent(Select.Changed):
            select.set_options(options)
            select.value = keep or (options[0][1] if options else Select.NULL)

    def _refresh_live(self) -> None:
        if self.setup is None:
            return
        v = self.values()
        self._rendered_content = None
        self._update_count(v)
        sends = v["direction"] == "outgoing" and v["media"] in svc.QUEUED_MEDIA
        if not (sends and (has_tags(v["subject"]) or has_tags(v["content"]))):
            self._preview_key = None
            self._show_preview(self._preview_text(v["subject"], v["content"]))
            return
        if open_tag(v["subject"]) is not None or open_tag(v["content"]) is not None:
            self._show_preview(Text("… finish the tag to see the preview.", style="italic"))
            return
        key = (v["subject"], v["content"], v["related"])
        if key != self._preview_key:
            self._preview_key = key
            self._render_preview(key)

    @staticmethod
    def _preview_text(subject: str, content: str) -> Text:
        if not subject.strip() and not content.strip():
            return Text("Nothing to preview yet.", style="italic")
        return Text.assemble((subject, "bold"), "\n" if subject else "", content.strip("\n"))

    def _show_preview(self, text: Text, *, error: bool = False) -> None:
        preview = self.query_one("#preview", Static)
        preview.update(text)
        preview.set_class(error, "-error")

    def _update_count(self, v: dict[str, str]) -> None:
        content = self._rendered_content if self._rendered_content is not None else v["content"]
        count = self.query_one("#count", Static)
        if v["media"] == "sms":
            sms = sms_count(content, self.app_settings.sms.max_length)
            label = sms.label() + (" as sent" if self._rendered_content is not None else "")
            over = sms.too_long
        else:
            label, over = f"{len(content)} characters", False
        count.update(Text(label))
        count.set_class(over, "-over")

    def _render_preview(self, key: tuple[str, str, str]) -> None:
        assert self.setup is not None
        subject, content, related = key
        kind, _, rid = related.partition(":")
        ctx, contact_id = self.ctx, self.setup.contact_id

        def render() -> tuple[str, str]:
            worker = get_current_worker()  # a newer keystroke cancels this preview
            return svc.preview(
                ctx,
                contact_id,
                subject=subject,
                content=content,
                related_type=kind or None,
                related_id=int(rid) if rid else None,
                cancelled=lambda: worker.is_cancelled,
            )

        def in_the_preview(exc: BaseException) -> bool:
            error = failure_sentence(exc, "previewing")
            self._preview_done(key, ("", ""), error)
            return True

        fetch(
            self,
            render,
            lambda rendered: self._preview_done(key, rendered, ""),
            group="comm-preview",
            what="previewing",
            on_error=in_the_preview,
        )

    def _preview_done(
        self, key: tuple[str, str, str], rendered: tuple[str, str], error: str
    ) -> None:
        if key != self._preview_key:
            return
        if error:
            self._show_preview(Text(f"✗ {error}"), error=True)
            return
        self._show_preview(self._preview_text(*rendered))
        self._rendered_content = rendered[1]
        self._update_count(self.values())

    @on(Select.Changed, "#field-media")
    def _media_changed(self) -> None:
        self._fill_recipients()
        self._refresh_live()

    @on(Select.Changed, "#field-direction")
    @on(Input.Changed, "#field-subject")
    @on(TextArea.Changed, "#field-content")
    def _text_changed(self) -> None:
        self._refresh_live()

    @on(Select.Changed, "#field-related")
    def _related_changed(self) -> None:
        v = self.values()
        if v["template"] and self._rendered == (v["subject"], v["content"]):
            self._render_template(v["template"], v["related"])
        self._refresh_live()

    @on(Select.Changed, "#field-template")
    def _template_changed(self) -> None:
        v = self.values()
        if v["template"] != self._template:
            self._template = v["template"]
            if v["template"]:
                self._render_template(v["template"], v["related"])
            else:
                self._clear_error("template")

    def _render_template(self, template_id: str, related: str) -> None:
        assert self.setup is not None
        kind, _, rid = related.partition(":")
        ctx, contact_id = self.ctx, self.setup.contact_id

        def beside_the_field(exc: BaseException) -> bool:
            message = failure_sentence(exc, "filling in the template")
            self.show_errors({"template": message})
            return True

        fetch(
            self,
            lambda: svc.render_template_for(
                ctx, int(template_id), contact_id, kind or None, int(rid) if rid else None
            ),
            self._apply_template,
            group="comm-template",
            what="filling in the template",
            on_error=beside_the_field,
        )

    def _apply_template(self, rendered: svc.RenderedTemplate) -> None:
        if rendered.media != self.values()["media"]:
            with self.prevent(Select.Changed):
                self._select("media").value = rendered.media
            self._fill_recipients()
        content = rendered.content.strip("\n")
        self.query_one("#field-subject", Input).value = rendered.subject
        self.query_one("#field-content", TextArea).text = content
        self._rendered = (rendered.subject, content)
        self._clear_error("template")
        self._refresh_live()
