"""The command line: help, version, db commands and one-sentence errors with exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from commcentre_tui import __version__
from commcentre_tui.cli import COMMANDS, main
from commcentre_tui.repo.db import make_engine
from commcentre_tui.repo.migrate import current_revision, head_revision, upgrade


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's --help / --version
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"commcentre {__version__}")


def test_db_upgrade_and_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, err = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0, err
    assert f"Database at migration {head_revision()} (was empty)." in out
    assert current_revision(make_engine(url)) == head_revision()
    code, out, _ = run(capsys, "db", "status", "--database", url)
    assert code == 0 and "up to date" in out


def test_bad_config_is_one_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[email]\nport = "lots"\n', encoding="utf-8")
    code, out, err = run(capsys, "db", "status", "--config", str(bad))
    assert code == 2
    assert err.count("\n") == 1 and "email.port" in err and "Traceback" not in err
    assert out == ""


def test_unreachable_database_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db", "status", "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1
    assert err.startswith("commcentre: Cannot reach the database") and err.count("\n") == 1


def test_unsupported_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db", "status", "--database", "oracle://x@y/z")
    assert code == 1 and "supports sqlite and postgresql" in err


def test_console_refuses_an_old_schema_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    code, _, err = run(capsys, "console", "--database", f"sqlite:///{path}", "--agent", "maria")
    assert code == 1
    assert "run `commcentre db upgrade`" in err
    assert current_revision(engine) == "0001"


def test_unknown_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "fly")
    assert code == 2 and "invalid choice" in err


def test_seed_needs_a_positive_count(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    code, _, err = run(capsys, "db", "seed", "--contacts", "0", "--database", url)
    assert code == 2 and "--contacts must be at least 1" in err


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        (
            "database is locked",
            "The database stayed busy with other agents' changes; nothing more was "
            "saved — run the command again.\n",
        ),
        (
            "server closed the connection unexpectedly",
            "The database stopped answering; nothing more "
            "was saved — run the command again when it is back.\n",
        ),
    ],
)
def test_a_database_failing_mid_command_is_one_sentence(
    capsys: pytest.CaptureFixture[str], reason: str, sentence: str
) -> None:
    import argparse

    from sqlalchemy.exc import OperationalError

    from commcentre_tui.commands.common import guarded

    def command(_args: argparse.Namespace) -> int:
        raise OperationalError("INSERT INTO payment …", {}, Exception(reason))

    assert guarded(command, argparse.Namespace()) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "commcentre: " + sentence)


def test_global_options_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, err = run(capsys, "--database", url, "db", "upgrade")
    assert code == 0, err
    code, before, err = run(capsys, "--database", url, "db", "status")
    assert code == 0 and "up to date" in before, err
    code, after, _ = run(capsys, "db", "status", "--database", url)
    assert after == before


def test_search_help_shows_the_like_rules_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "--help")
    assert code == 0
    assert "%ria ends with" in " ".join(out.split()) and "%%" not in out


def test_json_output_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    """`commcentre search … --json | head -1`: the reader goes away; no traceback."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'pipe.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert main(["db", "seed", "--contacts", "300", "--database", url]) == 0
    script = (
        f"{sys.executable} -c 'from commcentre_tui.cli import entry; entry()' "
        f"search a --json --database {url} | head -1"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("{")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0
