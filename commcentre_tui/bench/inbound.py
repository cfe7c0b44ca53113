"""``inbound.email_import``: a mailbox of N messages imported end to end (goal ≥ 200/s).

A throwaway Dovecot on loopback (:mod:`.imap_server`) gets ``COMMCENTRE_BENCH_INBOUND_MESSAGES``
messages (default 10,000; untimed, IMAP MULTIAPPEND) from the bench database's customers: a
fifth are replies to outgoing emails the case queues first (threading through the outbox's
Message-IDs), one in twenty from unknown senders, the rest plain. Timed: one
:class:`~commcentre_tui.comms.inbound.email_poller.EmailPoller` pass — fetch, parse, match,
thread, record, flag. Everything the case wrote is deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from email.message import EmailMessage
from typing import Any

from sqlalchemy import delete, text, update
from sqlmodel import col

from commcentre_tui.bench.registry import BenchContext, case

GOAL_PER_S = 200
DOMAIN = "bench.commcentre.test"


def message_count() -> int:
    return int(os.environ.get("COMMCENTRE_BENCH_INBOUND_MESSAGES", "10000"))


def _senders(ctx: BenchContext, want: int) -> list[tuple[int, str]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT contact_id, address FROM contact_email ORDER BY id LIMIT :n"), {"n": want}
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def _ours(ctx: BenchContext, senders: list[tuple[int, str]]) -> list[str]:
    """Queue outgoing emails to the first senders (sent, with Message-IDs); their Message-IDs."""
    from commcentre_tui.models.types import utcnow
    from commcentre_tui.repo import outbox_writes
    from commcentre_tui.repo.db import transaction

    now = utcnow()
    with transaction(ctx.engine) as session:
        ids = outbox_writes.insert_communications(
            session,
            [
                {
                    "contact_id": cid,
                    "direction": "outgoing",
                    "media": "email",
                    "subject": "bench-inbound",
                    "content": "Your bill.",
                    "recipient": address,
                    "state": "completed",
                    "delivery": "sent",
                }
                for cid, address in senders
            ],
            now,
        )
        outbox_writes.enqueue(session, ids, now)
        q = outbox_writes.T_QUEUE.c
        for cid in ids:
            session.execute(
                update(outbox_writes.T_QUEUE)
                .where(q.communication_id == cid)
                .values(
                    status="sent",
                    attempts=1,
                    sent_at=now,
                    message_id=f"<cc.{cid}.1.0badc0de@{DOMAIN}>",
                )
            )
    return [f"<cc.{cid}.1.0badc0de@{DOMAIN}>" for cid in ids]


def _message(i: int, sender: str, reply_to: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"care@{DOMAIN}"
    msg["Subject"] = f"Re: Your bill {i}" if reply_to else f"Question {i}"
    msg["Message-ID"] = f"<bench.{i}@customer.test>"
    if reply_to:
        msg["In-Reply-To"] = reply_to
    body = f"Hello,\n\nthis is message {i}. " + "Some words about the service. " * 20
    msg.set_content(body + ("\n\nOn Monday, Care wrote:\n> Your bill.\n" if reply_to else ""))
    return msg.as_bytes()


def _cleanup(ctx: BenchContext, first_comm: int) -> None:
    from commcentre_tui.models import AuditEntry, FollowUp, InboundAttachment, InboundMessage
    from commcentre_tui.repo.db import transaction

    with transaction(ctx.engine) as session:
        session.execute(
            delete(InboundAttachment).where(col(InboundAttachment.communication_id) > first_comm)
        )
        session.execute(
            delete(InboundMessage).where(col(InboundMessage.message_id).like("<bench.%"))
        )
        session.execute(delete(FollowUp).where(col(FollowUp.communication_id) > first_comm))
        session.execute(
            delete(AuditEntry).where(
                col(AuditEntry.entity) == "communication", col(AuditEntry.entity_id) > first_comm
            )
        )
        session.execute(
            text("DELETE FROM communication_queue WHERE communication_id > :first"),
            {"first": first_comm},
        )
        session.execute(
            text("UPDATE communication SET follow_up_of_id = NULL WHERE id > :first"),
            {"first": first_comm},
        )
        session.execute(text("DELETE FROM communication WHERE id > :first"), {"first": first_comm})


@case(
    "inbound.email_import",
    "a loopback IMAP mailbox of N messages imported end to end with "
    "matching and threading (messages/s; COMMCENTRE_BENCH_INBOUND_MESSAGES, default 10,000)",
)
def email_import(ctx: BenchContext) -> dict[str, Any]:
    from commcentre_tui.bench.imap_server import LoopbackImap
    from commcentre_tui.comms.inbound.email_poller import EmailPoller
    from commcentre_tui.config import load_settings

    count = message_count()
    with ctx.engine.connect() as conn:
        first_comm = int(
            conn.execute(text("SELECT coalesce(max(id), 0) FROM communication")).scalar() or 0
        )
    senders = _senders(ctx, 2000)
    if not senders:
        raise RuntimeError("the bench database has no customers with an email address")
    server = LoopbackImap().start()
    folder = tempfile.mkdtemp(prefix="commcentre-bench-attachments-")
    try:
        ours = _ours(ctx, senders[:500])
        client: Any = server.client()
        batch: list[bytes] = []
        for i in range(count):
            cid_address = senders[i % len(senders)][1]
            if i % 20 == 19:
                sender, reply = f"stranger{i}@elsewhere.test", None
            elif i % 5 == 0:
                sender, reply = senders[(i // 5) % len(ours)][1], ours[(i // 5) % len(ours)]
            else:
                sender, reply = cid_address, None
            batch.append(_message(i, sender, reply))
            if len(batch) == 500 or i == count - 1:
                client.multiappend("INBOX", batch)
                batch = []
        client.logout()
        settings = load_settings(
            ctx.settings.source_path or None,
            database={"url": ctx.url},
            email={"sender": f"Care <care@{DOMAIN}>"},
            inbound={
                "email": {
                    "enabled": True,
                    "host": "127.0.0.1",
                    "port": server.port,
                    "tls": False,
                    "user": server.user,
                    "password": server.password,
                    "attachments_dir": folder,
                }
            },
        )
        poller = EmailPoller(ctx.engine, settings)
        started = time.perf_counter()
        poller.poll_once()
        seconds = time.perf_counter() - started
        poller.close()
        stats = poller.stats
        if stats.imported != count:
            raise RuntimeError(f"imported {stats.imported} of {count} ({stats.line()})")
        return {
            "case": "inbound.email_import",
            "backend": ctx.backend,
            "contacts": ctx.contacts,
            "n": count,
            "per_s": round(count / seconds),
            "seconds": round(seconds, 2),
            "threaded": stats.threaded,
            "unmatched": stats.unmatched,
            "goal_per_s": GOAL_PER_S,
        }
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        _cleanup(ctx, first_comm)
