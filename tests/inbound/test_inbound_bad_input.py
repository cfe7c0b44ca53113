"""Bad input on the real IMAP server, both databases: every message is stored or refused with a
reason (log + counter); the poller never stops, never stores half a communication."""

from __future__ import annotations

import logging

from commcentre_tui.cli import main
from commcentre_tui.comms.inbound.email_poller import KEYWORD, EmailPoller
from tests.inbound.conftest import email_bytes, inbound_rows, incoming


def poll(engine, settings) -> EmailPoller:
    poller = EmailPoller(engine, settings)
    try:
        poller.poll_once()
    finally:
        poller.close()
    return poller


ENCODED = (
    (
        b"From: =?iso-8859-7?B?zOH16+Hq3Ow=?= <customer1@example.com>\r\n"
        b"To: care@commcentre.test\r\n"
        b"Subject: =?koi8-r?B?8NLJ18XU?= =?shift_jis?B?grGC8YLJgr+CzQ==?= =?x-unknown?Q?caf=E9?=\r\n"
        b"Message-ID: <enc@customer.test>\r\nContent-Type: text/plain; charset=windows-1253\r\n\r\n"
    )
    + "Καλημέρα".encode("windows-1253")
    + b"\r\n"
)

MALFORMED = (
    b"From: customer1@example.com\r\nSubject: broken\r\nMessage-ID: <broken@customer.test>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n'
    b'Content-Transfer-Encoding: base64\r\n\r\n--never-closed\r\nContent-Type: text/plain; charset="\xff\xfe"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=C3=A9t=E9\x00\r\n--never-closed\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
)


def test_hostile_and_odd_messages_are_stored_or_refused_with_a_reason(
    engine, customer, mailbox, make_inbound, caplog
) -> None:
    ids = customer(1)
    many = ", ".join(f"person{i}@example.net" for i in range(1000))
    mailbox.put(
        ENCODED,
        email_bytes("", "No sender", "Who am I?", message_id="<nofrom@customer.test>"),
        email_bytes(
            '"Evil\x1b]0;pwned\x07 \u202eName" <customer1@example.com>',
            "Escapes\x1b[31m",
            "Hi\x1b[2J",
        ),
        email_bytes("customer1@example.com", "To everyone", "Reply all!", headers={"Cc": many}),
        MALFORMED,
        email_bytes("customer1@example.com", "Last", "Still running."),
    )
    with caplog.at_level(logging.WARNING, logger="commcentre.inbound"):
        poller = poll(engine, make_inbound())
    stats = poller.stats
    assert (stats.imported, stats.refused) == (5, 1)
    assert stats.reasons == {"it has no usable sender (From) address": 1}
    assert "refused uid 2" in caplog.text and "no usable sender" in caplog.text
    comms = {c.subject: c for c in incoming(engine)}
    encoded = next(c for s, c in comms.items() if s.startswith("Привет"))
    assert encoded.subject == "Приветこんにちはcaf\ufffd" and encoded.content == "Καλημέρα"
    hostile = comms["Escapes\\x1b[31m"]
    assert hostile.content == "Hi\\x1b[2J" and hostile.contact_id == ids["contact"]
    rows = {r.message_id: r for r in inbound_rows(engine)}
    evil = next(r for r in rows.values() if r.communication_id == hostile.id)
    assert (
        evil.sender_name.isprintable()
        and "\\x1b" in evil.sender_name
        and "\\u202e" in evil.sender_name
    )
    assert comms["To everyone"].content == "Reply all!"
    assert "broken" in comms and "Last" in comms
    assert rows["<nofrom@customer.test>"].outcome == "refused"
    assert all(KEYWORD.encode() in flags for flags in mailbox.flags().values())


def test_a_message_over_the_size_limit_is_refused_without_downloading_it(
    engine, customer, mailbox, make_inbound
) -> None:
    customer(1)
    huge = email_bytes(
        "customer1@example.com",
        "Holiday photos",
        "See attached.",
        message_id="<huge@customer.test>",
        attachments=[("photos.zip", "application/zip", b"\1" * (37 * 1024 * 1024))],
    )
    assert len(huge) > 50_000_000
    mailbox.put(huge, email_bytes("customer1@example.com", "Small", "Fine."))
    poller = poll(engine, make_inbound())
    assert (poller.stats.imported, poller.stats.refused) == (1, 1)
    (row,) = [r for r in inbound_rows(engine) if r.outcome == "refused"]
    assert (
        row.message_id == "<huge@customer.test>"
        and "over the 40,000,000-byte message limit" in row.reason
    )
    assert [c.subject for c in incoming(engine)] == ["Small"]


def test_inbound_once_from_the_command_line(
    engine, customer, mailbox, make_inbound, monkeypatch, capsys
) -> None:
    customer(1)
    settings = make_inbound()
    mailbox.put(email_bytes("customer1@example.com", "One", "1"), email_bytes("", "Two", "2"))
    cfg = settings.inbound.email
    for key, value in {
        "ENABLED": "true",
        "HOST": cfg.host,
        "PORT": str(cfg.port),
        "TLS": "false",
        "USER": cfg.user,
        "FOLDER": cfg.folder,
        "ATTACHMENTS_DIR": cfg.attachments_dir,
    }.items():
        monkeypatch.setenv(f"COMMCENTRE_INBOUND__EMAIL__{key}", value)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["inbound", "--once", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "imported 1 (1 unmatched" not in out and "imported 1 (0 unmatched, 0 threaded)" in out
    assert "refused 1" in out and "no usable sender" in out
    monkeypatch.setenv("COMMCENTRE_INBOUND__EMAIL__PASSWORD", "wrong")
    assert main(["inbound", "--once", "--database", url]) == 1
    assert "refused the login of 'care'" in capsys.readouterr().err


def test_inbound_refuses_to_start_without_its_settings(monkeypatch, capsys) -> None:
    assert main(["inbound", "--once"]) == 2
    assert "Inbound email is off" in capsys.readouterr().err
    monkeypatch.setenv("COMMCENTRE_INBOUND__SMS__ENABLED", "true")
    assert main(["inbound"]) == 2
    assert "COMMCENTRE_INBOUND__SMS__TOKEN" in capsys.readouterr().err


def test_doctor_logs_in_to_the_mailbox(make_inbound, mailbox, monkeypatch, capsys) -> None:
    settings = make_inbound()
    cfg = settings.inbound.email
    for key, value in {
        "ENABLED": "true",
        "HOST": cfg.host,
        "PORT": str(cfg.port),
        "TLS": "false",
        "USER": cfg.user,
        "FOLDER": cfg.folder,
    }.items():
        monkeypatch.setenv(f"COMMCENTRE_INBOUND__EMAIL__{key}", value)
    main(["doctor", "--database", "sqlite://"])
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("imap"))
    assert line.startswith("imap      ok:") and "(IDLE supported)" in line
    monkeypatch.setenv("COMMCENTRE_INBOUND__EMAIL__PASSWORD", "wrong")
    assert main(["doctor", "--database", "sqlite://"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("imap"))
    assert "FAIL" in line and "refused the login of 'care'" in line
