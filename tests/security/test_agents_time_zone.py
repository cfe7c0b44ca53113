"""`commcentre agents add/update --time-zone`: an agent's zone set, listed, refused when unknown."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text

from commcentre_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], engine: Engine, *argv: str) -> tuple[int, str, str]:
    url = engine.url.render_as_string(hide_password=False)
    try:
        code = main(["agents", *argv, "--database", url])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def zones_listed(capsys: pytest.CaptureFixture[str], engine: Engine) -> dict[str, str | None]:
    code, out, err = run(capsys, engine, "list", "--json")
    assert code == 0, err
    return {r["username"]: r["time_zone"] for r in json.loads(out)}


def test_time_zone_is_set_listed_changed_and_cleared(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    code, _out, err = run(
        capsys, engine, "add", "eleni", "--name", "Eleni", "--time-zone", "Europe/Nicosia"
    )
    assert code == 0, err
    assert run(capsys, engine, "add", "tom", "--name", "Tom")[0] == 0
    assert zones_listed(capsys, engine) == {"eleni": "Europe/Nicosia", "tom": None}
    code, out, _err = run(capsys, engine, "list")
    lines = out.splitlines()
    assert "TIME ZONE" in lines[0]
    assert "Europe/Nicosia" in next(line for line in lines if line.startswith("eleni"))
    assert "server" in next(line for line in lines if line.startswith("tom"))

    code, out, err = run(capsys, engine, "update", "tom", "--time-zone", "America/New_York")
    assert code == 0, err
    assert "time zone America/New_York" in out
    assert run(capsys, engine, "update", "eleni", "--time-zone", "server")[0] == 0
    assert zones_listed(capsys, engine) == {"eleni": None, "tom": "America/New_York"}
    with engine.connect() as conn:
        changes = conn.execute(
            text(
                "SELECT after FROM audit_entry WHERE entity = 'agent' AND action = 'update' ORDER BY id"
            )
        ).scalars()
        after = [json.loads(a) if isinstance(a, str) else a for a in changes]
    assert [a["time_zone"] for a in after] == ["America/New_York", None]


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "ann", "--name", "Ann", "--time-zone", "Mars/Olympus"],
        ["add", "ann", "--name", "Ann", "--time-zone", "../../etc/passwd"],
        ["update", "tom", "--time-zone", "Europe/Nicosia\x1b[2J"],
    ],
)
def test_an_unknown_zone_is_refused_in_one_sentence(
    capsys: pytest.CaptureFixture[str], engine: Engine, argv: list[str]
) -> None:
    assert run(capsys, engine, "add", "tom", "--name", "Tom")[0] == 0
    before = zones_listed(capsys, engine)
    code, out, err = run(capsys, engine, *argv)
    assert code == 2 and out == ""
    assert err.startswith("commcentre: ") and err.count("\n") == 1
    assert "is not a known time zone; give an IANA name such as Europe/Nicosia or UTC." in err
    assert "\x1b" not in err
    assert zones_listed(capsys, engine) == before
