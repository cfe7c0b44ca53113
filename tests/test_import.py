"""`commcentre import contacts`: checked rows, a report per row, duplicates, all or nothing.

Every test runs the command line (as a user would) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from commcentre_tui.config import Settings
from commcentre_tui.repo.customer_info import read_contact_info
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.context import ServiceContext
from tests.conftest import TEST_CONFIG
from tests.test_cli import run

DATA = Path(__file__).resolve().parent / "data"
DEMO = DATA / "contacts_demo.csv"
HEADER = "external_id,first_name,last_name,mobile,email,city,preferred_language,sms_opt_out\n"


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def config_with_tier(tmp_path: Path) -> Path:
    """The test configuration plus the "Loyalty tier" custom field the demo file fills."""
    path = tmp_path / "config.toml"
    path.write_text(
        TEST_CONFIG.read_text(encoding="utf-8") + "\n[contacts]\ncustom_fields = "
        '[{ name = "Loyalty tier", type = "text", required = false }]\n',
        encoding="utf-8",
    )
    return path


def cli(capsys: pytest.CaptureFixture[str], engine: Engine, *argv: str) -> tuple[int, str, str]:
    return run(capsys, *argv, "--database", url(engine))


def count(engine: Engine, table: str = "contact") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_demo_file_imports_exports_back_the_same_and_a_rerun_changes_nothing(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    config = str(config_with_tier(tmp_path))
    code, out, err = cli(capsys, engine, "import", "contacts", str(DEMO), "--config", config)
    assert code == 0, err
    assert "5 new, 0 updated, 0 unchanged of 5 rows" in out
    exported = tmp_path / "out.csv"
    code, out, err = cli(
        capsys, engine, "export", "contacts", "-o", str(exported), "--config", config
    )
    assert code == 0, err
    assert exported.read_text(encoding="utf-8") == DEMO.read_text(encoding="utf-8")

    # Quick Search finds imported customers by name, phone and email at once.
    for value in ("Georgiou", "96 111222", "info@kyriacou"):
        code, out, err = cli(capsys, engine, "search", value, "--json")
        assert code == 0, err
        assert len(out.splitlines()) == 1, (value, out)
    maria = json.loads(cli(capsys, engine, "search", "María", "--json")[1])
    assert maria["phone"] == "+35799123456" and maria["email"] == "maria.georgiou@example.com"
    # The national IDs came in too: found however they are typed ("1234 567" was imported).
    for argv in (("1234-567",), ("ab778899",), ("--field", "national_id", "--op", "=", "1234567")):
        code, out, err = cli(capsys, engine, "search", *argv, "--json")
        assert code == 0, err
        assert len(out.splitlines()) == 1, (argv, out)

    # Re-importing the same file changes nothing — with or without --update.
    before = count(engine, "audit_entry")
    for extra in ((), ("--update",)):
        code, out, err = cli(
            capsys, engine, "import", "contacts", str(DEMO), "--config", config, *extra
        )
        assert code == 0, err
        assert "0 new, 0 updated, 5 unchanged of 5 rows" in out
    assert count(engine) == 5 and count(engine, "contact_phone") == 8
    with engine.connect() as conn:
        details = (
            conn.execute(text("SELECT after FROM audit_entry WHERE entity = 'import' ORDER BY id"))
            .scalars()
            .all()
        )
    assert count(engine, "audit_entry") == before + 2  # one summary per run, no contact touched
    assert len(details) == 3


def test_dry_run_reports_every_problem_per_row_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "people.csv",
        HEADER
        + "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n"
        + "A2,Nikos,,12,not-an-email,Limassol,english!,perhaps\n"
        + "A3,Eleni,Ioannou,99 111222,eleni@example.com,Paphos,en,no,EXTRA\n"
        + "A4,Petros,Petrou,99 333444,maria@example.com,Larnaca,en,no\n",
    )
    code, out, err = cli(capsys, engine, "import", "contacts", str(path), "--dry-run")
    assert code == 2
    lines = err.splitlines()
    assert f"{path}:3: last_name: A person needs a last name; this cell is empty." in lines
    assert any(
        line.startswith(f"{path}:3: mobile: “12” is not a valid phone number") for line in lines
    )
    assert any(
        line.startswith(f"{path}:3: email: “not-an-email” is not a valid email") for line in lines
    )
    assert (
        f"{path}:3: preferred_language: “english!” is not a language code (e.g. en, el, pt-br)."
        in lines
    )
    assert f"{path}:3: sms_opt_out: “perhaps” is not yes or no." in lines
    assert any(
        line.startswith(f"{path}:4: (row): This row has 9 columns, too many") for line in lines
    )
    assert (
        f"{path}:5: email: The same email (maria@example.com) as line 2; a customer is one row."
        in lines
    )
    assert "7 problems in 3 rows" in err
    assert "Dry run: 1 new, 0 updated, 0 unchanged of 4 rows would be imported" in out
    assert count(engine) == 0
    report = tmp_path / "people.import-report.txt"
    assert report.read_text(encoding="utf-8").splitlines() == [
        line for line in lines if line.startswith(str(path))
    ]


def test_all_or_nothing_by_default_and_skip_invalid_writes_the_rejected_rows(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "people.csv",
        HEADER
        + "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n"
        + "A2,Nikos,Nikolaou,99 1,nikos@example.com,Limassol,en,no\n"
        + "A3,Eleni,Ioannou,99 111222,eleni@example.com,Paphos,en,yes\n",
    )
    code, _out, err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 2
    assert "Nothing was imported" in err and f"{path}:3: mobile:" in err
    assert count(engine) == 0

    code, out, err = cli(capsys, engine, "import", "contacts", str(path), "--skip-invalid")
    assert code == 0, err
    assert "2 new, 0 updated, 0 unchanged of 3 rows" in out
    rejected = tmp_path / "people.rejected.csv"
    assert f"1 rejected row written to {rejected}." in out
    rows = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    assert rows[0] == [*HEADER.strip().split(","), "import_problem"]
    assert rows[1][:3] == ["A2", "Nikos", "Nikolaou"] and "not a valid phone number" in rows[1][-1]
    assert count(engine) == 2
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT sms_opt_out FROM contact WHERE external_id = 'A3'")
        ).scalar_one()


def test_duplicates_are_reported_then_merged_with_update(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    first = write(
        tmp_path,
        "first.csv",
        HEADER + "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n",
    )
    assert cli(capsys, engine, "import", "contacts", str(first))[0] == 0
    # The other system has no ids; the same phone (typed differently) is the same customer.
    second = write(
        tmp_path,
        "second.csv",
        "Given,Surname,Cell,Mail,Tier\n"
        "Maria,Georgiou-Pavlou,+357 99 123456,maria.work@example.com,Gold\n",
    )
    mapping = ["--map", "first_name=Given,last_name=Surname,mobile=Cell", "--map", "email=Mail"]
    code, _out, err = cli(capsys, engine, "import", "contacts", str(second), *mapping)
    assert code == 2
    assert (
        f"{second}:2: Cell: This row matches the existing customer C0000001 but differs "
        "(emails, last_name); give --update to merge it into that customer."
    ) in err
    assert "Ignored columns (no such field; map them with --map): Tier." in err

    code, out, err = cli(capsys, engine, "import", "contacts", str(second), *mapping, "--update")
    assert code == 0, err
    assert "0 new, 1 updated, 0 unchanged of 1 rows" in out
    assert count(engine) == 1
    hit = json.loads(cli(capsys, engine, "search", "Georgiou-P", "--json")[1])
    assert hit["customer_number"] == "C0000001"
    assert json.loads(cli(capsys, engine, "search", "maria.work@", "--json")[1])["id"] == hit["id"]
    with engine.connect() as conn:
        entry = conn.execute(
            text(
                "SELECT before, after FROM audit_entry WHERE entity = 'contact' "
                "AND action = 'Import contacts'"
            )
        ).one()
    before, after = (json.loads(v) if isinstance(v, str) else v for v in entry)
    assert before == {"last_name": "Georgiou"} and after["emails"] == ["maria.work@example.com"]
    # Merged once: a re-run finds nothing new.
    code, out, _err = cli(capsys, engine, "import", "contacts", str(second), *mapping, "--update")
    assert code == 0 and "0 new, 0 updated, 1 unchanged of 1 rows" in out


def test_emails_are_stored_in_normal_form_beside_what_the_file_said(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "mixed.csv",
        HEADER + "B1,Eleni,Kyriacou,99 223344,Eleni.K@Example.COM|info@Κύπρος.CY,Limassol,el,no\n",
    )
    assert cli(capsys, engine, "import", "contacts", str(path))[0] == 0
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT address, address_as_typed FROM contact_email ORDER BY id")
        ).all()
    # As the Add More Information form stores them: the domain through IDNA, in lower case.
    assert [tuple(r) for r in rows] == [
        ("Eleni.K@example.com", "Eleni.K@Example.COM"),
        ("info@κύπρος.cy", "info@Κύπρος.CY"),
    ]
    code, out, _err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 0 and "0 new, 0 updated, 1 unchanged of 1 rows" in out


def test_bad_files_are_refused_with_one_sentence_and_nothing_half_imported(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    good = "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n"
    latin = write(
        tmp_path, "latin.csv", (HEADER + good).encode() + "A2,José,Núñez,,,,,\n".encode("latin-1")
    )
    code, _out, err = cli(capsys, engine, "import", "contacts", str(latin))
    assert code == 2
    assert err == (
        f"commcentre: {latin}:3: this line is not valid utf-8 (byte 0xe9 at position 7); "
        "save the file as UTF-8, or give its encoding with --encoding (e.g. --encoding "
        "cp1252). Nothing was imported.\n"
    )
    assert count(engine) == 0
    code, out, err = cli(capsys, engine, "import", "contacts", str(latin), "--encoding", "latin-1")
    assert code == 0, err
    assert count(engine) == 2

    # A missing required column is refused before any row is read (row 2 is not even UTF-8).
    no_surname = write(tmp_path, "no_surname.csv", b"first_name,mobile\n\xff\xfe,99 1\n")
    code, _out, err = cli(capsys, engine, "import", "contacts", str(no_surname))
    assert code == 2 and err.count("\n") == 1
    assert "no_surname.csv has no first_name and last_name columns" in err

    # BOM, semicolons (sniffed), a quoted newline, a formula-looking cell kept as text.
    semi = write(
        tmp_path,
        "semi.csv",
        "\ufeffexternal_id;first_name;last_name;notes\n"
        'B1;"=HYPERLINK(""http://evil.example"",""x"")";Eleni;"line one\nline two"\n',
    )
    code, out, err = cli(capsys, engine, "import", "contacts", str(semi))
    assert code == 0, err
    with engine.connect() as conn:
        first, notes = conn.execute(
            text("SELECT first_name, notes FROM contact WHERE external_id = 'B1'")
        ).one()
    assert first == '=HYPERLINK("http://evil.example","x")' and notes == "line one\nline two"
    code, out, err = cli(capsys, engine, "search", "Eleni", "--csv")
    assert code == 0, err
    row = list(csv.reader(io.StringIO(out)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","x") Eleni'

    # 10 MB in one field: that row is refused (with its size), the file is not.
    huge = write(
        tmp_path,
        "huge.csv",
        "external_id,first_name,last_name,notes\n"
        f"C1,Big,Note,{'x' * 10_000_000}\nC2,Small,Note,fine\n",
    )
    code, out, err = cli(capsys, engine, "import", "contacts", str(huge), "--skip-invalid")
    assert code == 0, err
    assert f"{huge}:2: notes: At most 4,000 characters are allowed (this has 10,000,000)." in err
    assert "1 new" in out and count(engine) == 4


def test_a_mapping_file_and_a_required_custom_field(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        TEST_CONFIG.read_text(encoding="utf-8") + "\n[contacts]\ncustom_fields = "
        '[{ name = "Segment", type = "text", required = true }]\n',
        encoding="utf-8",
    )
    path = write(
        tmp_path, "crm.csv", "Id\tGiven\tFamily\tPhones\nX1\tMaria\tGeorgiou\t99 123456|22 334455\n"
    )
    code, _out, err = cli(capsys, engine, "import", "contacts", str(path), "--config", str(config))
    assert code == 2 and "no first_name and last_name columns" in err
    mapping = write(
        tmp_path,
        "crm.map",
        "# our old CRM\nexternal_id = Id\nfirst_name = Given\n"
        "last_name = Family\nhome_phone = Phones\n",
    )
    code, _out, err = cli(
        capsys,
        engine,
        "import",
        "contacts",
        str(path),
        "--config",
        str(config),
        "--mapping",
        str(mapping),
    )
    assert code == 2
    assert "The custom field Segment is required but the file has no such column" in err
    config.write_text(TEST_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = cli(
        capsys,
        engine,
        "import",
        "contacts",
        str(path),
        "--config",
        str(config),
        "--mapping",
        str(mapping),
        "--delimiter",
        "tab",
    )
    assert code == 0, err
    assert count(engine, "contact_phone") == 2


def _indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')"
        else:
            sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        return set(conn.execute(text(sql)).scalars())


def test_a_big_import_rebuilds_the_indexes_it_suspended_and_is_searchable(
    capsys: pytest.CaptureFixture[str],
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An import at least as big as the table (and SUSPEND_FROM rows) drops the search and
    # secondary indexes and builds them once at the end; here "big" is three rows.
    monkeypatch.setattr("commcentre_tui.repo.import_contacts.SUSPEND_FROM", 2)
    before = _indexes(engine)
    path = write(
        tmp_path,
        "big.csv",
        HEADER
        + "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n"
        + "A2,Nikos,Nikolaou,99 654321,nikos@example.com,Limassol,en,no\n"
        + "A3,Eleni,Ioannou,99 111222,eleni@example.com,Paphos,en,yes\n",
    )
    code, out, err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 0, err
    assert _indexes(engine) == before
    for value in ("Nikol", "99 111222", "maria@"):
        code, out, err = cli(capsys, engine, "search", value, "--json")
        assert code == 0 and len(out.splitlines()) == 1, (value, out, err)
    code, out, err = cli(capsys, engine, "search", "--where", "city", "=", "Limassol", "--json")
    assert code == 0 and json.loads(out)["last_name"] == "Nikolaou", err
    # A second import (the table is no longer small) keeps the indexes and is found at once.
    more = write(
        tmp_path, "more.csv", HEADER + "B1,Sofia,Petrou,99 777888,sofia@example.com,Paphos,en,no\n"
    )
    assert cli(capsys, engine, "import", "contacts", str(more))[0] == 0
    assert (
        json.loads(cli(capsys, engine, "search", "Petrou", "--json")[1])["email"]
        == "sofia@example.com"
    )


def test_a_rerun_sees_what_agents_changed_since_and_what_the_file_changed(
    capsys: pytest.CaptureFixture[str],
    engine: Engine,
    tmp_path: Path,
    settings: Settings,
    admin_actor: Actor,
) -> None:
    rows = (
        "A1,Maria,Georgiou,99 123456,maria@example.com,Nicosia,el,no\n"
        "A2,Nikos,Nikolaou,99 654321,nikos@example.com,Limassol,en,no\n"
    )
    path = write(tmp_path, "people.csv", HEADER + rows)
    assert cli(capsys, engine, "import", "contacts", str(path))[0] == 0
    code, out, _err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 0 and "0 new, 0 updated, 2 unchanged of 2 rows" in out

    # An agent removes Maria's mobile and address: the same file again says so.
    with reading(engine) as session:
        maria = session.execute(
            text("SELECT id FROM contact WHERE external_id = 'A1'")
        ).scalar_one()
        info = read_contact_info(session, maria)
    save_contact_info(
        ServiceContext(engine, settings, admin_actor),
        maria,
        info.version,
        phones=[],
        emails=info.emails,
        addresses=[],
    )
    code, _out, err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 2
    assert f"{path}:2: mobile: This row imported as the existing customer C0000001" in err
    assert "differs (address, phones)" in err
    code, out, err = cli(capsys, engine, "import", "contacts", str(path), "--update")
    assert code == 0, err
    assert "0 new, 1 updated, 1 unchanged of 2 rows" in out
    code, out, _err = cli(capsys, engine, "import", "contacts", str(path))
    assert code == 0 and "0 new, 0 updated, 2 unchanged of 2 rows" in out

    # A cell edited in the file is seen; a row given twice is refused even when unchanged.
    edited = write(
        tmp_path,
        "edited.csv",
        HEADER + rows.replace("Nikolaou", "Nicolaou") + rows.splitlines()[0] + "\n",
    )
    code, _out, err = cli(capsys, engine, "import", "contacts", str(edited))
    assert code == 2
    assert "differs (last_name)" in err
    assert (
        f"{edited}:4: external_id: The same external id (A1) as line 2; a customer is one row."
        in err
    )
    assert count(engine) == 2
