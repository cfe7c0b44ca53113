"""The IMAP poller: reads new messages from ``[inbound.email]``'s folder and records each once.

One pass (:meth:`EmailPoller.poll_once`): the folder's messages not yet processed (no
``$CommCentre`` keyword; or all of them when processed ones are moved away), in UID order and
in batches — sizes first (a message over ``max_message_bytes`` is refused without being
downloaded), then the bytes; each batch is parsed (:mod:`.mime`), its attachments written, and
recorded in ONE transaction (:func:`commcentre_tui.repo.inbound_record.record_batch`) — then, and
only then, the messages are flagged or moved on the server. A poller that dies in between leaves
them for the next pass, which finds them recorded and only flags them: exactly once.

:meth:`EmailPoller.run` repeats passes until :meth:`EmailPoller.request_stop`, waiting in IMAP
IDLE when the server offers it (else ``poll_seconds``), and survives a server or database that
goes away (logged, counted, tried again). IMAPClient (synchronous) does the protocol; run the
poller in its own thread or process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from commcentre_tui.comms.channels import sender_domain
from commcentre_tui.comms.inbound.attachments import attachments_folder, store
from commcentre_tui.comms.inbound.mime import Refused, parse_email
from commcentre_tui.config import Settings
from commcentre_tui.repo.inbound_record import record_batch, recorded_positions
from commcentre_tui.repo.inbound_types import Incoming, Recorded, Routing
from commcentre_tui.text import inert, quoted

log = logging.getLogger("commcentre.inbound")

#: The keyword processed messages get when they stay in the folder.
KEYWORD = "$CommCentre"
#: The longest wait before reconnecting after a failure (doubling from 1 s).
MAX_BACKOFF = 60.0


class InboundError(Exception):
    """The mailbox cannot be read (connection, login, folder); one sentence."""


@dataclass
class InboundStats:
    """Counters since the poller started (printed by ``commcentre inbound``)."""

    imported: int = 0
    unmatched: int = 0
    threaded: int = 0
    bounces: int = 0
    refused: int = 0
    duplicates: int = 0
    failures: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None

    def line(self) -> str:
        return (
            f"imported {self.imported} ({self.unmatched} unmatched, {self.threaded} threaded), "
            f"bounces {self.bounces}, refused {self.refused}, duplicates {self.duplicates}, "
            f"failures {self.failures}"
        )


def _reason_key(reason: str) -> str:
    """A refusal reason without its numbers, for the counters (``over the … limit``)."""
    return "".join("#" if ch.isdigit() else ch for ch in reason).replace("#,#", "#")


class EmailPoller:
    """Imports one IMAP folder; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        on_recorded: Callable[[Incoming, Recorded], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.cfg = settings.inbound.email
        self.routing = Routing(
            domain=sender_domain(settings.email.sender), unit=settings.inbound.unit or None
        )
        self.folder_path = attachments_folder(self.cfg.attachments_dir)
        self.mailbox = f"{self.cfg.user}@{self.cfg.host}:{self.cfg.port}/{self.cfg.folder}"
        self.on_recorded = on_recorded
        self.stats = InboundStats()
        self._client: Any = None
        self._stop = threading.Event()

    # --- connection ---------------------------------------------------------------------

    def _connect(self) -> Any:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError

        cfg = self.cfg
        where = f"{cfg.host}:{cfg.port}"
        try:
            client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls, timeout=30)
        except (OSError, IMAPClientError) as exc:
            raise InboundError(f"Cannot connect to the mail server {where} ({exc}).") from None
        try:
            client.login(cfg.user, cfg.password.get_secret_value())
        except (OSError, IMAPClientError) as exc:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise InboundError(
                f"The mail server {where} refused the login of {cfg.user!r} ({exc})."
            ) from None
        try:
            client.select_folder(cfg.folder)
        except (OSError, IMAPClientError) as exc:
            with contextlib.suppress(Exception):
                client.logout()
            raise InboundError(
                f"Cannot open the folder {cfg.folder!r} on {where} ({exc})."
            ) from None
        return client

    def open(self) -> Any:
        """The logged-in client on the folder (connecting when needed); :class:`InboundError`
        with a sentence when the server, the login or the folder fails."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()

    def _uidvalidity(self, client: Any) -> int:
        status = client.folder_status(self.cfg.folder, [b"UIDVALIDITY"])
        return int(status[b"UIDVALIDITY"])

    # --- one pass -----------------------------------------------------------------------

    def poll_once(self) -> int:
        """Import what is in the folder now; returns how many messages were dealt with."""
        client = self.open()
        client.noop()
        uidvalidity = self._uidvalidity(client)
        criteria = ["ALL"] if self.cfg.processed_folder else ["UNKEYWORD", KEYWORD]
        uids = sorted(int(u) for u in client.search(criteria))
        done = recorded_positions(self.engine, self.mailbox, uidvalidity, uids)
        if done:  # recorded by an earlier run (or another poller) but not flagged yet
            self._mark(client, sorted(done))
        todo = [u for u in uids if u not in done]
        for start in range(0, len(todo), self.cfg.batch_size):
            if self._stop.is_set():
                break
            self._batch(client, uidvalidity, todo[start : start + self.cfg.batch_size])
        return len(uids)

    def _batch(self, client: Any, uidvalidity: int, uids: list[int]) -> None:
        sizes = {
            int(uid): int(data.get(b"RFC822.SIZE", 0))
            for uid, data in client.fetch(uids, [b"RFC822.SIZE"]).items()
        }
        big = [u for u in uids if sizes.get(u, 0) > self.cfg.max_message_bytes]
        small = [u for u in uids if u in sizes and u not in big]
        items: list[Incoming] = []
        if big:
            heads = client.fetch(big, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM)]"])
            for uid in big:
                head = next(
                    (v for k, v in heads.get(uid, {}).items() if k.startswith(b"BODY[")), b""
                )
                item = self._item(uid, uidvalidity, head, sizes[uid])
                item.refused = (
                    f"it is {sizes[uid]:,} bytes, over the {self.cfg.max_message_bytes:,}-byte "
                    "message limit"
                )
                item.content = ""
                items.append(item)
        if small:
            for uid, data in sorted(client.fetch(small, [b"BODY.PEEK[]"]).items()):
                raw = data.get(b"BODY[]") or b""
                items.append(self._item(int(uid), uidvalidity, raw, sizes.get(int(uid), len(raw))))
        items.sort(key=lambda i: i.uid or 0)  # the same order in every poller: no deadlock
        results = record_batch(self.engine, items, self.routing)
        for item, result in zip(items, results, strict=True):
            self._count(item, result)
        self._mark(client, uids)

    def _item(self, uid: int, uidvalidity: int, raw: bytes, size: int) -> Incoming:
        """The :class:`Incoming` for one message's bytes (refused with a reason when unreadable)."""
        base: dict[str, Any] = {
            "channel": "email",
            "sender": "",
            "mailbox": self.mailbox,
            "uidvalidity": uidvalidity,
            "uid": uid,
            "size": size,
        }
        try:
            parsed = parse_email(
                raw,
                max_attachment_bytes=self.cfg.max_attachment_bytes,
                content_max=self.settings.communications.max_content_chars,
            )
        except Refused as exc:
            return Incoming(**base, message_id=_header_id(raw), refused=str(exc))
        except Exception as exc:  # never let one message stop the poller
            log.exception("inbound: message uid %s could not be parsed", uid)
            return Incoming(
                **base,
                message_id=_header_id(raw),
                refused=f"it could not be read ({type(exc).__name__})",
            )
        if parsed.bounce is not None:
            if not parsed.bounce.failed:
                return Incoming(
                    **base,
                    message_id=parsed.message_id,
                    refused="a delivery report that is not a failure",
                )
            return Incoming(
                **base,
                message_id=parsed.message_id,
                subject=parsed.subject,
                bounce_ids=parsed.bounce.message_ids,
                bounce_reason=parsed.bounce.reason,
            )
        try:
            stored = [store(self.folder_path, a) for a in parsed.attachments]
        except OSError as exc:
            raise InboundError(
                f"Cannot write attachments under {self.folder_path} ({exc.strerror or exc})."
            ) from None
        return Incoming(
            **{**base, "sender": parsed.sender},
            sender_name=parsed.sender_name,
            subject=parsed.subject,
            content=parsed.content,
            message_id=parsed.message_id,
            reply_ids=parsed.reply_ids,
            attachments=stored,
        )

    def _count(self, item: Incoming, result: Recorded) -> None:
        s = self.stats
        if result.outcome == "imported":
            s.imported += 1
            s.unmatched += result.contact_id is None
            s.threaded += result.refers_to_id is not None
        elif result.outcome == "bounce":
            s.bounces += 1
            log.info(
                "inbound: uid %s is a bounce: communication %s marked failed (%s)",
                item.uid,
                result.refers_to_id,
                result.reason,
            )
        elif result.outcome == "refused":
            s.refused += 1
            s.reasons[_reason_key(result.reason or "")] += 1
            log.warning(
                "inbound: refused uid %s from %s: %s",
                item.uid,
                quoted(item.sender or "?", 80),
                inert(result.reason),
            )
        else:
            s.duplicates += 1
        if self.on_recorded is not None:
            self.on_recorded(item, result)

    def _mark(self, client: Any, uids: list[int]) -> None:
        """Flag (or move) processed messages on the server."""
        if not uids:
            return
        target = self.cfg.processed_folder
        if not target:
            client.add_flags(uids, [KEYWORD.encode(), b"\\Seen"], silent=True)
        elif client.has_capability("MOVE"):
            client.move(uids, target)
        else:
            client.copy(uids, target)
            client.delete_messages(uids, silent=True)
            client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()

    # --- running ------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop after the batch in progress (thread-safe)."""
        self._stop.set()

    def run(self, on_pass: Callable[[InboundStats], None] | None = None) -> InboundStats:
        """Pass after pass until stopped; waits in IDLE (or ``poll_seconds``) between passes."""
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self.poll_once()
                backoff = 1.0
                if on_pass is not None:
                    on_pass(self.stats)
                self._wait()
            except _retryable_errors() as exc:
                self.stats.failures += 1
                self.stats.last_error = (
                    str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
                )
                log.warning("inbound: %s; trying again in %.0f s", self.stats.last_error, backoff)
                self.close()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        self.close()
        return self.stats

    def _wait(self) -> None:
        """Until the server says something arrived (IDLE), ``poll_seconds`` pass, or stop."""
        client = self._client
        if client is None or not client.has_capability("IDLE"):
            self._stop.wait(self.cfg.poll_seconds)
            return
        client.idle()
        try:
            deadline = time.monotonic() + self.cfg.poll_seconds
            while not self._stop.is_set() and time.monotonic() < deadline:
                if client.idle_check(timeout=1):
                    break
        finally:
            client.idle_done()


def _imap_errors() -> tuple[type[BaseException], ...]:
    from imapclient.exceptions import IMAPClientError

    return (IMAPClientError,)


def _retryable_errors() -> tuple[type[BaseException], ...]:
    """What :meth:`run` logs and retries after (a tuple: mypy cannot type a starred ``except``)."""
    return (InboundError, OSError, SQLAlchemyError, *_imap_errors())


def _header_id(raw: bytes) -> str | None:
    """The Message-ID of a message that could not be parsed (from its raw headers)."""
    import re

    head = raw.split(b"\r\n\r\n", 1)[0][:20_000].decode("latin-1")
    found = re.search(r"^message-id:\s*(<[^<>\s]{1,298}>)", head, re.IGNORECASE | re.MULTILINE)
    return found.group(1) if found else None
