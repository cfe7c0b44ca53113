"""After-call work: a countdown, the disposition (reason and outcome), category and notes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static, TextArea

from commcentre_tui.controllers.cti.calls import CallRecord, duration_words
from commcentre_tui.controllers.cti.tell import tell
from commcentre_tui.errors import CommCentreError, ValidationFailed
from commcentre_tui.support.console_app import ConsoleAppMixin
from commcentre_tui.text import inert

if TYPE_CHECKING:
    from commcentre_tui.app import CommCentreApp
    from commcentre_tui.controllers.cti.flow import CallFlow

#: Field name → label, in form order.
FIELDS = {
    "disposition_reason": "Disposition reason",
    "disposition_outcome": "Disposition outcome",
    "category": "Category",
    "notes": "Notes",
}


class WrapUpScreen(ConsoleAppMixin, ModalScreen[bool]):
    """Dismisses with ``True`` when the call was completed, ``False`` when left for later."""

    DEFAULT_CSS = """
    WrapUpScreen { align: center middle; }
    WrapUpScreen > #frame {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    WrapUpScreen #title { text-style: bold; }
    WrapUpScreen #timer { padding-bottom: 1; }
    WrapUpScreen #timer.-over { text-style: bold; color: $warning; }
    WrapUpScreen #fields { height: auto; max-height: 1fr; }
    WrapUpScreen .row { height: auto; }
    WrapUpScreen .row Label { padding: 0 0 0 1; color: $text-muted; }
    WrapUpScreen .field-error { color: $error; padding-left: 1; height: auto; }
    WrapUpScreen .field-error.-empty { display: none; }
    WrapUpScreen TextArea { height: 4; }
    WrapUpScreen #buttons { height: auto; align-horizontal: right; padding-top: 1; }
    WrapUpScreen #buttons Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "complete", "Complete", priority=True, tooltip="Complete the call"),
        Binding("escape", "later", "Later", tooltip="Leave the call as a Draft communication"),
    ]

    def __init__(self, controller: CallFlow, record: CallRecord) -> None:
        super().__init__()
        self.controller = controller
        self.record = record
        self._busy = False

    # -- building -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app: CommCentreApp = self.controller.app
        cti, categories = app.settings.cti, app.settings.communications.categories
        star = " *" if cti.require_disposition else ""
        with Vertical(id="frame"):
            yield Static(self._title(), id="title")
            yield Static(self._info(), id="call-info")
            yield Static("", id="timer")
            with VerticalScroll(id="fields"):
                yield self._row(
                    "disposition_reason",
                    FIELDS["disposition_reason"] + star,
                    Select(
                        [(Text(r), r) for r in cti.disposition_reasons],
                        prompt="Choose a reason…",
                        id="field-disposition_reason",
                    ),
                )
                yield self._row(
                    "disposition_outcome",
                    FIELDS["disposition_outcome"] + star,
                    Select(
                        [(Text(o), o) for o in cti.disposition_outcomes],
                        prompt="Choose an outcome…",
                        id="field-disposition_outcome",
                    ),
                )
                yield self._row(
                    "category",
                    FIELDS["category"] + " *",
                    Select(
                        [(Text(c), c) for c in categories],
                        id="field-category",
                        value=categories[0] if categories else Select.NULL,
                        allow_blank=not categories,
                    ),
                )
                yield self._row(
                    "notes",
                    FIELDS["notes"],
                    TextArea("", id="field-notes", soft_wrap=True, tab_behavior="focus"),
                )
            yield Static("", id="error-form", classes="field-error -empty")
            with Horizontal(id="buttons"):
                yield Button("Complete (ctrl+s)", id="complete", variant="primary")
                yield Button("Later (esc)", id="later")

    @staticmethod
    def _row(name: str, label: str, widget: Any) -> Vertical:
        error = Static("", id=f"error-{name}", classes="field-error -empty")
        return Vertical(Label(Text(label)), widget, error, classes="row", id=f"row-{name}")

    def _title(self) -> Text:
        record = self.record
        text = Text("After-call work · ")
        text.append(inert(record.who))
        if record.contact_name:
            text.append(f" · {inert(record.shown_number)}")
        return text

    def _info(self) -> Text:
        record = self.record
        text = Text(f"{record.direction.capitalize()} call")
        seconds = record.seconds
        if seconds is not None:
            text.append(f" · {duration_words(seconds)}")
        contact_id, name = self.controller.wrap_up_target(record)
        if record.communication_id is not None:
            text.append(" · logged as a Draft Phone communication for ")
            text.append(name or f"customer {contact_id}")
        elif contact_id is not None:
            text.append(" · Complete logs it for ")
            text.append(name or f"customer {contact_id}", style="bold")
        else:
            text.append(" · no customer yet: load or log the customer, then Complete")
        return text

    def on_mount(self) -> None:
        self.query_one("#field-disposition_reason", Select).focus()
        self._tick()
        self.set_interval(1.0, self._tick)

    # -- the countdown --------------------------------------------------------------------
    @property
    def remaining(self) -> int:
        """Seconds of after-call work left (negative once over)."""
        app: CommCentreApp = self.controller.app
        started = self.record.wrap_started or time.monotonic()
        left: int = round(app.settings.cti.wrap_up_seconds - (time.monotonic() - started))
        return left

    def _tick(self) -> None:
        timer = self.query_one("#timer", Static)
        if self.controller.app.settings.cti.wrap_up_seconds <= 0:
            timer.update("")
            return
        left = self.remaining
        if left >= 0:
            timer.update(Text(f"Wrap-up time: {duration_words(left)} left"))
        else:
            timer.update(Text(f"Wrap-up time is over by {duration_words(-left)}"))
        timer.set_class(left < 0, "-over")
        if self.record.contact_id is not None and self.record.communication_id is None:
            self.query_one("#call-info", Static).update(self._info())

    # -- completing -----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The chosen values (``None`` for no choice)."""

        def chosen(name: str) -> str | None:
            value = self.query_one(f"#field-{name}", Select).value
            return None if value is Select.NULL else str(value)

        return {
            "reason": chosen("disposition_reason"),
            "outcome": chosen("disposition_outcome"),
            "category": chosen("category") or "",
            "notes": self.query_one("#field-notes", TextArea).text.strip(),
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message beside its field; others under the form."""
        for name in FIELDS:
            message = errors.get(name, "")
            target = self.query_one(f"#error-{name}", Static)
            target.update(Text(f"✗ {message}" if message else ""))
            target.set_class(not message, "-empty")
        stray = " ".join(m for f, m in errors.items() if f not in FIELDS)
        general = self.query_one("#error-form", Static)
        general.update(Text(f"✗ {stray}" if stray else ""))
        general.set_class(not stray, "-empty")
        first = next((name for name in FIELDS if name in errors), None)
        if first is not None:
            self.query_one(f"#field-{first}").focus()

    def action_complete(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.run_worker(
            self._complete(self.values()), group="wrap-up", exclusive=True, exit_on_error=False
        )

    async def _complete(self, values: dict[str, Any]) -> None:
        try:
            await self.controller.complete(self.record, **values)
        except ValidationFailed as exc:
            self.show_errors(exc.errors or {"": str(exc)})
            return
        except CommCentreError as exc:
            self.show_errors({"": str(exc)})
            return
        except Exception as exc:  # noqa: BLE001 - one sentence, the form is kept
            from commcentre_tui.failures import FORM_KEPT, failure_sentence

            self.show_errors({"": failure_sentence(exc, "saving", kept=FORM_KEPT)})
            return
        finally:
            self._busy = False
        disposition = " / ".join(v for v in (values["reason"], values["outcome"]) if v)
        tell(
            self.console_app,
            f"Call with {self.record.who} completed"
            + (f": {disposition}." if disposition else "."),
            title="After-call work",
        )
        self.dismiss(True)

    def action_later(self) -> None:
        if self.record.communication_id is not None:
            tell(
                self.console_app,
                "The call stays a Draft communication; complete it from Customer Care.",
                title="After-call work",
            )
        self.dismiss(False)

    @on(Button.Pressed, "#complete")
    def _complete_pressed(self) -> None:
        self.action_complete()

    @on(Button.Pressed, "#later")
    def _later_pressed(self) -> None:
        self.action_later()
