"""Issue #18 item 6: data at rest and input at the service boundary.

* Every service refuses NUL and other control characters, and line breaks in one-line fields,
  with the same sentence, whichever input path it uses (``validation.parse_input``,
  ``services.money.parse_input``, the communication form's) — on PostgreSQL too, where a NUL
  used to reach the driver as a raw ``DataError``.
* Communication content has a configured size limit, enforced by the service.
* A SQLite database this code creates is private: folder 0700, database, ``-wal``, ``-shm``
  and the worker's lock file 0600.
* Whatever is stored, an email's ``Subject:`` header never carries a control character.
"""

from __future__ import annotations

import email
import email.policy
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from commcentre_tui import models as m
from commcentre_tui.comms.channels import OutgoingMessage, build_email
from commcentre_tui.comms.workerlock import SingleWorkerLock
from commcentre_tui.config import load_settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.db import make_engine, reading
from commcentre_tui.services import communications as comms
from commcentre_tui.services.cases import open_case
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.payments import post_payment
from tests.conftest import TEST_CONFIG

from . import factories as f

NUL = "contains a NUL character (\\x00), which cannot be saved; remove it."


def _refusal(call, *args) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as err:
        call(*args)
    return err.value.errors


def _count(engine: Engine, table: type) -> int:
    with reading(engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(
    ("typed", "ending"),
    [
        ("Refund\x00", NUL),
        (
            "Refund \x1b]52;c;YQ==\x07",
            "contains a control character (U+001B), which cannot be saved; remove it.",
        ),
        (
            "Refund\u009b2J",
            "contains a control character (U+009B), which cannot be saved; remove it.",
        ),
        ("Refund\r\nBcc: everyone@example.com", "must be on one line (it contains a line break)."),
    ],
)
def test_every_service_refuses_control_characters_the_same_way(
    engine: Engine, ctx: ServiceContext, typed: str, ending: str
) -> None:
    contact = f.contact(engine)
    account = f.account(engine, contact.id)
    # the communication form's own path, the care services' (validation.parse_input) and the
    # finance services' (money.parse_input)
    assert _refusal(
        comms.create_communication,
        ctx,
        {"contact_id": contact.id, "media": "email", "subject": typed, "content": "Hello"},
    ) == {"subject": f"Subject {ending}"}
    assert _refusal(open_case, ctx, {"contact_id": contact.id, "subject": typed}) == {
        "subject": f"Subject {ending}"
    }
    assert _refusal(
        post_payment, ctx, {"account_id": account.id, "amount": "5.00", "reference": typed}
    ) == {"reference": f"Reference {ending}"}
    assert (_count(engine, m.Communication), _count(engine, m.Case), _count(engine, m.Payment)) == (
        0,
        0,
        0,
    )


def test_multi_line_fields_keep_line_breaks_and_tabs_but_not_other_controls(
    engine: Engine, ctx: ServiceContext
) -> None:
    contact = f.contact(engine)
    content = "Dear Maria,\r\n\tthank you.\nBye"
    saved = comms.create_communication(
        ctx,
        {
            "contact_id": contact.id,
            "media": "letter",
            "subject": "Thanks",
            "content": content,
            "shared_notes": "a\nb",
        },
    )
    assert (saved.content, saved.shared_notes) == (content, "a\nb")
    assert _refusal(
        comms.create_communication,
        ctx,
        {"contact_id": contact.id, "media": "letter", "subject": "x", "content": "bell \x07"},
    ) == {
        "content": "Content contains a control character (U+0007), which cannot be saved; remove it."
    }


def test_communication_content_has_a_configured_limit(engine: Engine, admin_actor) -> None:
    settings = load_settings(TEST_CONFIG, communications={"max_content_chars": 1000})
    ctx = ServiceContext(engine, settings, admin_actor)
    contact = f.contact(engine)
    data = {"contact_id": contact.id, "media": "letter", "subject": "Long", "content": "x" * 1001}
    assert _refusal(comms.create_communication, ctx, data) == {
        "content": "The content is 1,001 characters long; the limit is 1,000."
    }
    assert comms.create_communication(ctx, {**data, "content": "x" * 1000}).content == "x" * 1000
    assert load_settings(TEST_CONFIG).communications.max_content_chars == 100_000


def test_a_tag_value_with_a_line_break_cannot_split_a_rendered_subject(
    engine: Engine, ctx: ServiceContext
) -> None:
    """Older data may hold control characters: a tag that renders one into an email is refused."""
    contact = f.contact(engine)
    f.add(
        engine, m.ContactEmail(contact_id=contact.id, address="maria@example.com", is_primary=True)
    )
    with engine.begin() as conn:  # as older data (or another program) left it
        conn.execute(
            text("UPDATE contact SET first_name = :v WHERE id = :id"),
            {"v": "Maria\x1b[2J", "id": contact.id},
        )
    assert _refusal(
        comms.create_communication,
        ctx,
        {
            "contact_id": contact.id,
            "media": "email",
            "subject": "Hi {{ contact.first_name }}",
            "content": "x",
        },
    ) == {
        "subject": "Once its tags are filled in, the subject contains a control character (U+001B), which "
        "cannot be saved; remove it."
    }


def test_the_email_subject_header_never_carries_control_characters() -> None:
    raw = build_email(
        OutgoingMessage(
            7,
            "email",
            "maria@example.com",
            "Hi\x00 there\r\nBcc: x@example.com\x1b[2J",
            "Body\x00 text\x07\n",
            "<7@commcentre.test>",
        ),
        "care@commcentre.test",
    )
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\x00" not in raw and b"\x1b" not in raw and b"\x07" not in raw
    assert b"\r\nBcc" not in headers
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Hi there Bcc: x@example.com [2J"
    assert message.get_content().replace("\r\n", "\n") == "Body text\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which used to give 0644 files
    try:
        folder = tmp_path / "data"
        database = folder / "commcentre.db"
        engine = make_engine(f"sqlite:///{database}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('secret')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar_one() == "secret"
            wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
            assert wal.exists() and shm.exists()
            assert (_mode(folder), _mode(database), _mode(wal), _mode(shm)) == (
                0o700,
                0o600,
                0o600,
                0o600,
            )
        lock = SingleWorkerLock(engine)
        assert lock.acquire()
        assert lock.path is not None and _mode(lock.path) == 0o600
        lock.release()
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_database_keeps_the_mode_its_administrator_gave_it(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    make_engine(f"sqlite:///{database}").dispose()
    database.chmod(0o640)  # e.g. readable by a backup group
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert _mode(database) == 0o640
