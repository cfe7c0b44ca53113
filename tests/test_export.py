"""Taking data out: every search match streamed, one customer's data, cells safe in spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from commcentre_tui.models import Account, Communication
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.export_csv import safe_cell, unsafe_cell
from tests.test_import import DEMO, cli, config_with_tier, write


def test_formula_looking_cells_are_escaped_and_read_back() -> None:
    for formula in (
        '=HYPERLINK("http://x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "'=already escaped",
    ):
        assert safe_cell(formula) == "'" + formula
        assert unsafe_cell(safe_cell(formula)) == formula
    for plain in ("+357 99 123456", "-12.50", "Maria", "it's", "'quoted'", ""):
        assert safe_cell(plain) == plain and unsafe_cell(plain) == plain
    assert (safe_cell(True), safe_cell(None)) == ("yes", "")


def test_search_all_streams_every_match_as_csv_and_json(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    rows = "".join(f"S{i},Anna,Smith{i:04d},,anna{i}@example.com\n" for i in range(1203))
    path = write(
        tmp_path,
        "smiths.csv",
        "external_id,first_name,last_name,mobile,email\n"
        + rows
        + "Z1,Zoe,=Smith(1),,zoe@example.com\n",
    )
    code, out, err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 0, err

    code, out, err = cli(capsys, engine, "search", "Smith", "--field", "last_name", "--csv")
    assert code == 0, err
    assert len(out.splitlines()) == 1 + 50  # one page, as before

    code, out, err = cli(
        capsys, engine, "search", "Smith", "--field", "last_name", "--all", "--csv"
    )
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["Customer", "Name", "Phone", "Email", "Matched"]
    assert len(table) == 1 + 1203 and len({r[0] for r in table[1:]}) == 1203
    assert table[1] == [
        "C0000001",
        "Anna Smith0000",
        "",
        "anna0@example.com",
        "Last name: Smith0000",
    ]

    code, out, err = cli(capsys, engine, "search", "%Smith%", "--all", "--json")
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert len({h["id"] for h in hits}) == 1204 and hits[0]["last_name"] == "=Smith(1)"

    code, out, err = cli(
        capsys, engine, "search", "%Smith(1)", "--field", "last_name", "--all", "--csv"
    )
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out)))[1][4] == "Last name: =Smith(1)"
    code, out, err = cli(capsys, engine, "search", "Zoe", "--csv")
    assert list(csv.reader(io.StringIO(out)))[1][1] == "Zoe =Smith(1)"

    code, _out, err = cli(capsys, engine, "search", "Smith", "--all")
    assert code == 2 and "--all streams every match as --csv or --json" in err


def test_export_customer_holds_everything_about_them(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    config = str(config_with_tier(tmp_path))
    assert cli(capsys, engine, "import", "contacts", str(DEMO), "--config", config)[0] == 0
    changed = write(
        tmp_path,
        "changed.csv",
        "external_id,first_name,last_name,email\nCRM-1001,María,Georgiou,maria.new@example.com\n",
    )
    assert cli(capsys, engine, "import", "contacts", str(changed), "--update")[0] == 0
    with transaction(engine) as session:
        account = Account(contact_id=1, number="A00000001", name="Home", balance=Decimal("12.50"))
        session.add(account)
        session.add(
            Communication(
                contact_id=1,
                direction="outbound",
                media="email",
                subject="Welcome",
                content="Hello María",
            )
        )
        session.add(
            Communication(contact_id=2, direction="outbound", media="email", subject="Not hers")
        )

    code, out, err = cli(
        capsys, engine, "export", "customer", "c0000001", "--json", "--config", config
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["customer_number"] == "C0000001"
    assert document["contact"]["external_id"] == "CRM-1001"
    assert document["contact"]["custom_fields"] == {"Loyalty tier": "Gold"}
    assert {p["e164"] for p in document["contact_phone"]} == {"+35799123456", "+35722334455"}
    assert [e["address"] for e in document["contact_email"]] == [
        "maria.georgiou@example.com",
        "maria.new@example.com",
    ]
    assert document["account"][0]["balance"] == "12.50"
    assert [c["subject"] for c in document["communication"]] == ["Welcome"]
    assert [a["action"] for a in document["audit"]] == ["Import contacts"]
    assert "first_name_norm" not in document["contact"]

    code, _out, err = cli(capsys, engine, "export", "customer", "C0009999", "--json")
    assert code == 1 and err == "commcentre: There is no customer C0009999.\n"
