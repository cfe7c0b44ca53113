"""`commcentre agents …`: one-sentence errors, exit 2 for bad input, JSON listing, audit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import asyncssh
import pytest

from commcentre_tui.cli import main
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import upgrade

from .conftest import audit_rows


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def run(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["agents", *argv, "--database", db])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_disable_set_role(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run(
        capsys, db, "add", "maria", "--name", "Maria Kosta", "--unit", "Care", "--extension", "1001"
    )
    assert (code, out.strip()) == (0, "Added maria (Maria Kosta, role agent)."), err
    assert run(capsys, db, "add", "tom", "--name", "Tom", "--role", "finance")[0] == 0
    assert (
        run(capsys, db, "set-role", "tom", "supervisor")[1].strip()
        == "tom now has the role supervisor."
    )
    assert run(capsys, db, "disable", "tom")[1].strip() == "tom is now disabled."
    code, out, _ = run(capsys, db, "list", "--json")
    rows = {r["username"]: r for r in json.loads(out)}
    assert rows["maria"]["display_name"] == "Maria Kosta" and rows["maria"]["extension"] == "1001"
    assert (rows["tom"]["role"], rows["tom"]["active"]) == ("supervisor", False)
    code, out, _ = run(capsys, db, "list", "--active")
    assert "maria" in out and "tom" not in out and out.startswith("USERNAME")
    assert run(capsys, db, "enable", "tom")[1].strip() == "tom is now active."
    engine = make_engine(db)
    entries = audit_rows(engine)
    assert [e.action for e in entries] == ["create", "create", "update", "update", "update"]
    assert all(e.agent_id is None and "by cli:" in e.detail for e in entries)
    engine.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "Bad Name", "--name", "x"], "is not a valid username"),
        (["add", "ann", "--name", "Ann", "--role", "boss"], "There is no role 'boss'"),
        (["set-role", "ghost", "agent"], "No agent is called 'ghost'."),
        (["disable", "ghost"], "No agent is called 'ghost'."),
        (["add-key", "ghost", "/nonexistent.pub"], "Cannot read /nonexistent.pub"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: str, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, db, *argv)
    assert code == 2 and out == ""
    assert err.startswith("commcentre: ") and message in err and err.count("\n") == 1


def test_add_key_from_file_and_stdin(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, db, "add", "maria", "--name", "Maria")
    first = asyncssh.generate_private_key("ssh-ed25519", comment="laptop")
    pub = tmp_path / "id.pub"
    pub.write_bytes(first.export_public_key())
    code, out, _ = run(capsys, db, "add-key", "maria", str(pub))
    assert code == 0 and first.get_fingerprint("sha256") in out
    code, _, err = run(capsys, db, "add-key", "maria", str(pub))
    assert code == 2 and "already registered" in err
    second = asyncssh.generate_private_key("ssh-ed25519", comment="desk")
    monkeypatch.setattr("sys.stdin", io.StringIO(second.export_public_key().decode()))
    assert run(capsys, db, "add-key", "maria", "-")[0] == 0
    listed = json.loads(run(capsys, db, "list", "--json")[1])[0]["keys"]
    assert [k["comment"] for k in listed] == ["laptop", "desk"]
    code, out, _ = run(capsys, db, "remove-key", "maria", first.get_fingerprint("sha256"))
    assert code == 0 and "Removed key" in out


def test_acting_as_an_agent_uses_their_role(capsys: pytest.CaptureFixture[str], db: str) -> None:
    run(capsys, db, "add", "maria", "--name", "Maria")
    code, _, err = run(capsys, db, "set-role", "maria", "admin", "--agent", "maria")
    assert code == 1 and "Your role (agent) has select access to agent records" in err
    engine = make_engine(db)
    assert audit_rows(engine)[-1].action == "permission refusal"
    engine.dispose()
