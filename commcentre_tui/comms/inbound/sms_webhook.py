"""Inbound SMS: the ``POST /sms`` webhook an SMS gateway calls, served by ``commcentre inbound``.

Body (JSON): ``{"from": "+35799123456", "to": "+35722000000", "text": "…", "reference": "…"}``;
the request proves it knows ``COMMCENTRE_INBOUND__SMS__TOKEN`` exactly as the CTI listener's
posts do (bearer token or ``X-Commcentre-Signature: sha256=<HMAC>``; refusals are audited).
Answers ``202 {"status": "accepted", "communication_id": …}``, ``200 {"status": "duplicate"}``
for a reference already received, ``400 {"error": "<sentence>"}`` for a bad body.

The server is the CTI listener's (:class:`commcentre_tui.cti.listener.CtiListener`, one HTTP
parser and one authentication check) with only this route, on its own port: CTI listeners run
inside consoles and the bridge, while each SMS must be written once by one long-running process.
STOP and START (alone in the text, any case) set the customer's SMS opt-out, audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from commcentre_tui.comms.channels import sender_domain
from commcentre_tui.config import Settings
from commcentre_tui.repo.inbound_record import record_sms
from commcentre_tui.repo.inbound_types import Incoming, Routing
from commcentre_tui.text import inert_lines, to_e164

log = logging.getLogger("commcentre.inbound")

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
MAX_TEXT = 1600
#: The refused-post audit of this endpoint.
REFUSED_ACTION = "inbound.sms.refused"


class BadSms(ValueError):
    """The body is not a valid inbound SMS (the message is the reason)."""


def keyword(text: str) -> bool | None:
    """``True`` for STOP (opt out), ``False`` for START (opt in), else ``None``."""
    word = " ".join(text.split()).upper().rstrip(".!")
    return True if word in STOP_WORDS else False if word in START_WORDS else None


def _field(data: dict[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadSms(f'The field "{name}" is missing.')
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadSms(f'The field "{name}" must be a string.')
    if len(value) > limit:
        raise BadSms(f'The field "{name}" is longer than {limit} characters.')
    return value


def sms_from_payload(data: Any, region: str) -> Incoming:
    """The :class:`Incoming` an SMS webhook body describes, or :class:`BadSms`."""
    if not isinstance(data, dict):
        raise BadSms(
            'The body must be a JSON object such as {"from": "+35799123456", "text": "STOP"}.'
        )
    sender_raw = _field(data, "from", required=True, limit=40)
    sender = to_e164(sender_raw.strip(), region)
    if sender is None:
        raise BadSms('The field "from" is not a phone number.')
    _field(data, "to", required=False, limit=40)
    text = _field(data, "text", required=False, limit=MAX_TEXT)
    reference = _field(data, "reference", required=False, limit=100).strip()
    if reference and any(not ch.isprintable() for ch in reference):
        raise BadSms('The field "reference" contains control characters.')
    content = inert_lines(text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return Incoming(
        channel="sms",
        sender=sender,
        content=content,
        message_id=f"sms:{reference}" if reference else None,
        size=len(text.encode()),
    )


class SmsReceiver:
    """The ``/sms`` route: validates, records (:func:`record_sms`), answers."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.region = settings.search.default_region
        self.routing = Routing(
            domain=sender_domain(settings.email.sender),
            unit=settings.inbound.unit or None,
            sms_window=timedelta(hours=settings.inbound.sms.reply_window_hours),
        )
        self.received = 0
        self.duplicates = 0
        self.opt_changes = 0

    def __call__(self, data: Any) -> tuple[int, dict[str, Any]]:
        try:
            item = sms_from_payload(data, self.region)
        except BadSms as exc:
            return 400, {"error": str(exc)}
        opt_out = keyword(item.content)
        try:
            result = record_sms(self.engine, item, self.routing, opt_out=opt_out)
        except SQLAlchemyError as exc:
            log.warning(
                "inbound SMS from %s not recorded: %s", item.sender, str(exc).splitlines()[0][:200]
            )
            return 500, {"error": "The SMS could not be recorded; send it again."}
        if result.outcome == "duplicate":
            self.duplicates += 1
            return 200, {"status": "duplicate"}
        self.received += 1
        self.opt_changes += opt_out is not None
        log.info(
            "inbound SMS from %s: communication %s%s",
            item.sender,
            result.communication_id,
            "" if opt_out is None else (" (STOP)" if opt_out else " (START)"),
        )
        return 202, {
            "status": "accepted",
            "communication_id": result.communication_id,
            "matched": result.contact_id is not None,
        }


def sms_listener(engine: Engine, settings: Settings) -> Any:
    """The HTTP server for ``/sms`` on ``[inbound.sms] listen_host:listen_port`` (not started)."""
    from commcentre_tui.cti.listener import CtiListener
    from commcentre_tui.repo.cti_audit import record_refused_posts

    cfg = settings.inbound.sms
    where = f"{cfg.listen_host}:{cfg.listen_port}"

    def refused(peer: str, reason: str, count: int) -> None:
        record_refused_posts(
            engine,
            where=where,
            peer=peer,
            reason=reason,
            count=count,
            action=REFUSED_ACTION,
            entity="inbound_sms",
            what="SMS post(s) to the inbound SMS webhook",
        )

    receiver = SmsReceiver(engine, settings)
    listener = CtiListener(
        cfg.listen_host,
        cfg.listen_port,
        deliver=lambda _e: None,
        known_extension=lambda _x: False,
        token=cfg.token.get_secret_value(),
        on_refused=refused,
        routes={"/sms": receiver},
        events=False,
    )
    listener.receiver = receiver  # type: ignore[attr-defined]  # the SMS listener carries its receiver for the tests and doctor
    return listener
