"""Exactly once: a `commcentre inbound` process killed (SIGKILL) mid-import and run again, and
two pollers importing the same mailbox at once on PostgreSQL — each message is one
communication, and every message ends flagged on the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

from sqlalchemy import func, select

from commcentre_tui import models as m
from commcentre_tui.comms.inbound.email_poller import KEYWORD, EmailPoller
from commcentre_tui.repo.db import reading
from tests.conftest import TEST_CONFIG
from tests.inbound.conftest import email_bytes, incoming

WAIT = 120.0


def recorded(engine) -> int:
    with reading(engine) as session:
        return int(
            session.execute(select(func.count()).select_from(m.InboundMessage)).scalar() or 0
        )


def messages(count: int) -> list[bytes]:
    return [
        email_bytes(
            f"customer{1 + i % 3}@example.com",
            f"Message {i}",
            f"Body {i}",
            message_id=f"<m{i}@customer.test>",
        )
        for i in range(count)
    ]


def _each_once(engine, count: int) -> None:
    subjects = Counter(c.subject for c in incoming(engine))
    assert len(subjects) == count and set(subjects.values()) == {1}
    with reading(engine) as session:
        ids = session.execute(select(m.InboundMessage.message_id)).scalars().all()
    assert len(ids) == len(set(ids)) == count


def test_a_poller_killed_mid_batch_then_rerun_imports_each_message_once(
    engine, customer, mailbox, make_inbound
) -> None:
    for n in (1, 2, 3):
        customer(n)
    count = 400
    mailbox.put(*messages(count))
    settings = make_inbound(batch_size=10)
    cfg = settings.inbound.email
    env = {
        **os.environ,
        "COMMCENTRE_CONFIG": str(TEST_CONFIG),
        "COMMCENTRE_INBOUND__EMAIL__ENABLED": "true",
        "COMMCENTRE_INBOUND__EMAIL__HOST": cfg.host,
        "COMMCENTRE_INBOUND__EMAIL__PORT": str(cfg.port),
        "COMMCENTRE_INBOUND__EMAIL__TLS": "false",
        "COMMCENTRE_INBOUND__EMAIL__USER": cfg.user,
        "COMMCENTRE_INBOUND__EMAIL__FOLDER": cfg.folder,
        "COMMCENTRE_INBOUND__EMAIL__BATCH_SIZE": "10",
        "COMMCENTRE_INBOUND__EMAIL__ATTACHMENTS_DIR": cfg.attachments_dir,
    }
    url = engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "commcentre_tui", "inbound", "--database", url]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + WAIT
        while recorded(engine) == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert recorded(engine) > 0, "the poller recorded nothing"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    rerun = subprocess.run(
        [*command, "--once"], env=env, capture_output=True, text=True, timeout=WAIT
    )
    assert rerun.returncode == 0, rerun.stderr
    _each_once(engine, count)
    flags = mailbox.flags()
    assert len(flags) == count and all(KEYWORD.encode() in f for f in flags.values())


def test_two_pollers_at_once_on_postgresql_import_each_message_once(
    pg_engine, imap, mailbox, tmp_path, inbound_env
) -> None:
    from tests.comms.conftest import add_customer
    from tests.inbound.conftest import inbound_settings

    for n in (1, 2, 3):
        add_customer(pg_engine, n)
    count = 300
    mailbox.put(*messages(count))
    settings = inbound_settings(imap, mailbox.folder, tmp_path, batch_size=15)
    pollers = [EmailPoller(pg_engine, settings) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(poller: EmailPoller) -> None:
        try:
            start.wait(30)
            poller.poll_once()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            poller.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in pollers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not errors and not any(t.is_alive() for t in threads)
    assert sum(p.stats.imported for p in pollers) == count
    _each_once(pg_engine, count)
