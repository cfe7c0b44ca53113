"""The communication form's autosave: typed content kept every ``[communications]
autosave_seconds`` (and at shutdown), offered back when the form opens again, and deleted on Save
or Discard. :class:`AutosavedForm` is the base of
:class:`~commcentre_tui.screens.comms.form.CommunicationScreen`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from textual.timer import Timer
from textual.widgets import Input, Select, TextArea
from textual.widgets.select import InvalidSelectValueError

from commcentre_tui.controllers.comms.state import FIELDS, FORM, FormRequest, autosave_payload
from commcentre_tui.dialogs.confirm import ConfirmScreen
from commcentre_tui.models import FormDraft
from commcentre_tui.screens.comms.live import SELECTS, LiveForm
from commcentre_tui.services import communications as svc

log = logging.getLogger("commcentre.console")


class AutosavedForm(LiveForm):
    """A :class:`LiveForm` whose typed content is autosaved and can be restored."""

    def __init__(self, request: FormRequest) -> None:
        super().__init__(request)
        self._saving = False  # a Save is running (the form sets it): no autosave meanwhile
        self._finished = False
        self._lock = threading.Lock()
        # A form restored from an autosaved copy owns that copy from the start: Save or Discard
        # deletes it even when pressed while the form is still being built.
        self._autosaved = request.restore is not None
        self._last_autosave: dict[str, str] = {}
        self._timer: Timer | None = None

    def autosave_now(self) -> bool:
        """Autosave the typed content if it changed since the last autosave (the timer calls
        this every ``autosave_seconds``); ``True`` when a save was started."""
        if self.setup is None or self._finished or self._saving:
            return False
        values = self.values()
        if (values == self._initial and not self._autosaved) or values == self._last_autosave:
            return False
        self._last_autosave = values
        payload = autosave_payload(self.setup, values)
        self.app.run_worker(
            lambda: self._write_autosave(payload),
            thread=True,
            group="comm-autosave",
            exit_on_error=False,
        )
        return True

    def _write_autosave(self, payload: dict[str, Any]) -> None:
        assert self.setup is not None
        with self._lock:
            if self._finished:
                return
            try:
                svc.save_form_draft(self.ctx, FORM, payload, contact_id=self.setup.contact_id)
            except Exception:  # noqa: BLE001 - autosave is best effort; the next tick tries again
                log.warning("autosave of the communication form failed", exc_info=True)
                self._last_autosave = {}
                return
            self._autosaved = True

    def _forget_autosave(self) -> None:
        """Stop autosaving and delete the autosaved copy (Cancel; blocking, call from a worker)."""
        with self._lock:
            self._finished = True
            if not self._autosaved:
                return
            with contextlib.suppress(Exception):  # a leftover draft is only offered again
                svc.discard_form_draft(self.ctx, FORM)

    def _discard(self) -> None:
        self._finished = True
        if self._timer is not None:
            self._timer.stop()
        if self._autosaved:
            self.app.run_worker(
                self._forget_autosave, thread=True, group="comm-autosave", exit_on_error=False
            )
        self.dismiss(None)

    def _offer_pending(self, draft: FormDraft) -> None:
        """Offer back the communication autosaved before (e.g. before a crash)."""
        from commcentre_tui.controllers.comms.openers import open_restored, restore_question

        payload = draft.payload or {}
        assert self.setup is not None
        same = (
            draft.contact_id == self.setup.contact_id
            and payload.get("mode") == self.request.mode
            and payload.get("communication_id") == self.request.communication_id
        )

        def answered(restore: bool | None) -> None:
            if not restore:
                self._autosaved = True
                self.app.run_worker(
                    lambda: svc.discard_form_draft(self.ctx, FORM),
                    thread=True,
                    group="comm-autosave",
                    exit_on_error=False,
                )
            elif same:
                self._apply_values(payload.get("values") or {})
            else:
                self._finished = True
                self.dismiss(None)
                open_restored(self.console_app, draft)

        self.app.push_screen(
            ConfirmScreen(restore_question(draft), yes="Restore", no="Discard"), answered
        )

    def _apply_values(self, values: dict[str, Any]) -> None:
        """Put autosaved values back into the fields."""
        values = {k: str(v) for k, v in values.items() if k in FIELDS}
        with self.prevent(Select.Changed):
            for name in SELECTS:
                if name != "recipient":
                    with contextlib.suppress(InvalidSelectValueError):
                        self._select(name).value = values.get(name) or Select.NULL
        self._template = self.values()["template"]
        self._fill_recipients(keep=values.get("recipient", ""))
        self.query_one("#field-subject", Input).value = values.get("subject", "")
        self.query_one("#field-content", TextArea).text = values.get("content", "")
        self.query_one("#field-shared_notes", TextArea).text = values.get("shared_notes", "")
        self._autosaved, self._initial = True, {}
        self._refresh_live()
