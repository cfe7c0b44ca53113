"""`commcentre search` and `commcentre latest` on the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from commcentre_tui import models as m
from commcentre_tui.cli import main
from commcentre_tui.repo.db import transaction
from tests.search.population import Person


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_quick_search_json(
    engine: Engine, people: list[Person], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "search", "--database", url(engine), "--json", "%ari%")
    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(
        {
            "id",
            "customer_number",
            "first_name",
            "last_name",
            "company_name",
            "phone",
            "email",
            "matched",
        }
        <= set(r)
        for r in rows
    )
    maria = next(r for r in rows if r["last_name"] == "Georgiou")
    assert maria["matched"] == {"first_name": "Maria"}
    # Shown as stored: the phone in E.164, the email in normal form (domain in lower case).
    assert maria["phone"].startswith("+357") and maria["email"].endswith("@example.com")
    digits = "".join(ch for ch in people[2].phones[0] if ch.isdigit())[-8:]
    code, out, _ = run(
        capsys,
        "search",
        "--database",
        url(engine),
        "--json",
        "--field",
        "phone",
        "--op",
        "=",
        f"+357 {digits}",
    )
    assert code == 0 and [json.loads(x)["id"] for x in out.splitlines()] == [people[2].id]


def test_advanced_search_and_limit(
    engine: Engine, people: list[Person], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "search",
        "--database",
        url(engine),
        "--json",
        "--where",
        "first_name",
        "like",
        "Mar",
        "--where",
        "email",
        "like",
        "%.com",
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(set(r["matched"]) == {"first_name", "email"} for r in rows)
    code, out, _ = run(capsys, "search", "--database", url(engine), "--json", "--limit", "2", "Mar")
    assert code == 0 and len(out.splitlines()) == 2


def test_table_output(
    engine: Engine, people: list[Person], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "search", "--database", url(engine), "--field", "last_name", "Geo")
    assert code == 0
    assert "Customer" in out and "Maria Georgiou" in out and "1 shown of 1." in out
    code, out, _ = run(capsys, "search", "--database", url(engine), "zzzz-nobody")
    assert code == 0 and "No contacts match." in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--field", "shoe_size", "x"],
            "“shoe_size” is not a search field; the fields enabled for "
            "quick search are: any, account_number, last_name, ",
        ),
        (["--where", "any_field", "=", "x"], "is not a search field"),
        (["--op", "~", "x"], "use = or like"),
        (["%"], "Type a value to search for."),
        (["%ar%"], "contains (%ari%) need at least three characters"),
        (["--field", "phone", "%99%"], "need at least three characters"),
        (["--where", "city", "=", "Nicosia", "--where", "last_name", "like", "%ou"], "three"),
        (["--where", "city", "=", "x", "value"], "not both"),
        ([], "Give a VALUE"),
    ],
)
def test_bad_usage_exits_2_with_one_sentence(
    engine: Engine, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "search", "--database", url(engine), *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_disabled_field_lists_the_enabled_ones(
    engine: Engine, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"  # type: ignore[operator]
    config.write_text(
        "[search.contact]\nlast_name = { quick = true, advanced = true, order = 1 }\n"
        "phone = { quick = false, advanced = true, order = 2 }\n"
    )
    code, _, err = run(
        capsys,
        "search",
        "--config",
        str(config),
        "--database",
        url(engine),
        "--field",
        "phone",
        "99123456",
    )
    assert code == 2
    assert "The field “phone” is not enabled for quick search; the enabled fields are: any, " in err


def test_latest(
    engine: Engine,
    people: list[Person],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with transaction(engine) as session:
        agent = m.Agent(username="anna", display_name="Anna")
        session.add(agent)
        session.flush()
        for i in range(3):
            session.add(
                m.Communication(
                    contact_id=people[i].id,
                    agent_id=agent.id,
                    direction="incoming",
                    media="phone",
                    subject=f"call {i}",
                )
            )
    code, out, _ = run(capsys, "latest", "--database", url(engine), "--agent", "anna", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["subject"] for r in rows] == ["call 2", "call 1", "call 0"]
    assert rows[0]["contact_name"] == "Mario Rossi" and rows[0]["customer_number"] == "C0000003"
    monkeypatch.setenv("COMMCENTRE_AGENT", "anna")
    code, out, _ = run(capsys, "latest", "--database", url(engine), "--limit", "1")
    assert code == 0 and "call 2" in out and "call 1" not in out
    code, _, err = run(capsys, "latest", "--database", url(engine), "--agent", "nobody")
    assert code == 1 and "No agent is called 'nobody'" in err
