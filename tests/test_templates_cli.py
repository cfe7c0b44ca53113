"""Templates are data an administrator manages (issue 16, item 3), through the command line as a
user runs it: `db upgrade` installs the shipped templates once and never changes an edited one;
`templates list|show|export|import|validate|install-defaults`; a bad file imports nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from commcentre_tui import models as m
from commcentre_tui.comms.template_files import shipped_templates_dir
from commcentre_tui.errors import NotAllowed
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import default_roles
from commcentre_tui.services import templates as svc
from commcentre_tui.services.context import ServiceContext
from tests.test_cli import run


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _templates(engine: Engine) -> dict[tuple[str, str], m.Template]:
    with reading(engine) as session:
        return {(t.name, t.language): t for t in session.execute(select(m.Template)).scalars()}


def _audits(engine: Engine, action: str) -> list[m.AuditEntry]:
    with reading(engine) as session:
        return list(
            session.execute(select(m.AuditEntry).where(m.AuditEntry.action == action)).scalars()
        )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_db_upgrade_installs_the_shipped_templates_once_and_keeps_edited_ones(
    engine,
    settings,
    capsys,
    tmp_path,
) -> None:
    url = _url(engine)
    code, out, err = run(
        capsys,
        "notify",
        "--template",
        "Overdue reminder",
        "--segment",
        "overdue",
        "--dry-run",
        "--database",
        url,
    )
    assert (code, err.strip()) == (
        2,
        "commcentre: There is no active template called 'Overdue reminder'.",
    )
    code, out, err = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0, err
    assert "Shipped templates: added 8, updated 0." in out
    assert _templates(engine)[("Overdue reminder", "el")].about == "overdue bill"
    [entry] = _audits(engine, "Install shipped templates")
    assert "added 8" in entry.detail
    code, out, _ = run(
        capsys,
        "notify",
        "--template",
        "Overdue reminder",
        "--segment",
        "overdue",
        "--dry-run",
        "--database",
        url,
    )
    assert code == 0 and "0 matched, would queue 0" in out

    # An administrator edits one shipped template (export, change, import).
    code, out, err = run(
        capsys,
        "templates",
        "export",
        "Overdue reminder",
        "--to",
        str(tmp_path / "mine"),
        "--database",
        url,
    )
    assert (code, out.strip()) == (0, f"Exported 2 template versions to {tmp_path / 'mine'}.")
    mine = tmp_path / "mine" / "overdue_reminder.en.toml"
    _edit(mine, "Please pay to avoid disconnection.", "Please pay today.")
    code, out, err = run(capsys, "templates", "import", str(mine), "--database", url)
    assert (code, out.strip()) == (0, "Imported templates: 0 created, 1 updated, 0 unchanged."), err
    [entry] = _audits(engine, "Import template")
    assert entry.before["body"].endswith("disconnection.") and entry.after["body"].endswith(
        "today."
    )

    # A later release ships new wording for both English templates: the untouched one follows,
    # the edited one stays as the administrator left it; running it again changes nothing.
    shipped = tmp_path / "shipped"
    shutil.copytree(shipped_templates_dir(), shipped)
    _edit(shipped / "overdue_reminder.en.toml", "Please pay to avoid disconnection.", "Kindly pay.")
    _edit(shipped / "account_balance.en.toml", "Kind regards,", "Best regards,")
    ctx = ServiceContext(engine, settings, Actor(agent_id=None, username="system"))
    report = svc.install_defaults(ctx, shipped)
    assert (report.added, report.updated, report.kept) == (
        [],
        ["Account balance (en)"],
        ["Overdue reminder (en)"],
    )
    now = _templates(engine)
    assert now[("Overdue reminder", "en")].body.rstrip().endswith("Please pay today.")
    assert "Best regards," in now[("Account balance", "en")].body
    assert svc.install_defaults(ctx, shipped).updated == []
    code, out, _ = run(capsys, "db", "upgrade", "--database", url)
    assert (
        "kept 1 edited (Overdue reminder (en))" in out
    )  # the older shipped wording is not forced back


def test_list_show_and_a_deactivated_template_is_not_sent_nor_reinstalled(
    engine, settings, capsys
) -> None:
    url = _url(engine)
    assert run(capsys, "templates", "install-defaults", "--database", url)[:2] == (
        0,
        "Shipped templates: added 8, updated 0.\n",
    )
    code, out, _ = run(capsys, "templates", "list", "--json", "--database", url)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 8
    overdue = next(r for r in rows if (r["name"], r["language"]) == ("Overdue reminder", "en"))
    assert (overdue["media"], overdue["about"], overdue["state"], overdue["active"]) == (
        "sms",
        "overdue bill",
        "shipped",
        True,
    )
    code, out, _ = run(capsys, "templates", "show", "welcome new subscriber", "--database", url)
    assert (
        out.count('name = "Welcome new subscriber"') == 2 and 'about = "newest subscription"' in out
    )
    assert run(capsys, "templates", "show", "Nope", "--database", url)[::2] == (
        2,
        "commcentre: There is no template called 'Nope'.\n",
    )

    ctx = ServiceContext(engine, settings, Actor(agent_id=None, username="system"))
    for version in svc.find(ctx, "Overdue reminder"):
        svc.set_active(ctx, version.id, False, version.version)
    assert len(_audits(engine, "Deactivate template")) == 2
    code, out, err = run(
        capsys,
        "notify",
        "--template",
        "Overdue reminder",
        "--segment",
        "overdue",
        "--database",
        url,
    )
    assert code == 2 and "no active template called 'Overdue reminder'" in err
    assert run(capsys, "templates", "install-defaults", "--database", url)[1] == (
        "Shipped templates: added 0, updated 0.\n"
    )
    assert not _templates(engine)[("Overdue reminder", "en")].active
    code, out, _ = run(capsys, "templates", "list", "--database", url)
    assert "Overdue reminder (en) — sms, about overdue bill, inactive" in out


def test_a_file_with_a_problem_is_one_sentence_and_nothing_is_imported(
    engine, capsys, tmp_path
) -> None:
    url = _url(engine)
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "a_good.toml").write_text(
        'name = "Payment thanks"\nmedia = "sms"\nbody = "Thank you, {{ contact.first_name }}."\n',
        encoding="utf-8",
    )
    bad = folder / "b_bad.toml"
    bad.write_text(
        'name = "Nick"\nmedia = "email"\nsubject = "Hi"\nbody = """\n'
        'Dear {{ contact.first_name }},\nyour {{ contact.nickname }}\n"""\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "templates", "import", str(folder), "--database", url)
    assert code == 2 and out == ""
    assert err == (
        f"commcentre: {bad}, line 6: Unknown tag {{{{ contact.nickname }}}}: "
        "it is not in the tag reference.\n"
    )
    with reading(engine) as session:
        assert session.execute(select(func.count()).select_from(m.Template)).scalar_one() == 0
    bad.unlink()
    code, out, _ = run(capsys, "templates", "import", str(folder), "--database", url)
    assert (code, out) == (0, "Imported templates: 1 created, 0 updated, 0 unchanged.\n")
    assert _templates(engine)[("Payment thanks", "en")].about == "customer"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            'name = "X"\nmedia = "sms"\nbody = "{{ \'\'.__class__ }}"\n',
            "line 3: The template tries to reach __class__, which templates may not use (only tags are allowed).",
        ),
        (
            'name = "X"\nmedia = "sms"\nbody = "{% include \'x\' %}"\n',
            "line 3: Templates cannot include, import or extend files.",
        ),
        (
            'name = "X"\nmedia = "sms"\nbody = "{{ contact.name }} ' + "x" * 150 + '"\n',
            "line 3: With the tag reference's example values the SMS has 165 characters; the limit is 160.",
        ),
        ('name = "X\nmedia = "sms"\n', "line 1: Not valid TOML: Illegal character '\\n'."),
        ('name = "X"\nmedia = "fax"\nbody = "hi"\n', "line 2: The media must be one of"),
        (
            'name = "X"\nmedia = "sms"\nabout = "overdue"\nbody = "hi"\n',
            "line 3: A template can be about 'customer'",
        ),
        (
            'name = "X"\nmedia = "sms"\n',
            "There is no body (every template needs name, media, body).",
        ),
    ],
)
def test_validate_names_the_file_and_line(capsys, tmp_path, text: str, problem: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "templates", "validate", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"commcentre: {path}") and problem in err, err


def test_the_shipped_files_validate_and_roles_without_edit_access_change_nothing(
    engine,
    settings,
    capsys,
) -> None:
    code, out, _ = run(capsys, "templates", "validate", str(shipped_templates_dir()))
    assert (code, out) == (0, "8 template files are valid.\n")
    with transaction(engine) as session:
        session.add(m.Agent(username="ann", display_name="Ann", role="agent", unit="Care"))
    agent = Actor(agent_id=None, username="ann", role_name="agent", role=default_roles()["agent"])
    with pytest.raises(NotAllowed, match="view access to template records; this needs edit"):
        svc.install_defaults(ServiceContext(engine, settings, agent))
    code, _, err = run(
        capsys, "templates", "install-defaults", "--agent", "ann", "--database", _url(engine)
    )
    assert code == 1 and "needs edit" in err and err.count("\n") == 1
    assert _templates(engine) == {}


def test_upgrading_a_database_that_has_the_old_templates_adopts_them(capsys, tmp_path) -> None:
    """A database from before templates knew their origin (migration 0004, templates installed by
    the demo): `db upgrade` gives the shipped ones their `about` and adopts them, adding nothing."""
    from commcentre_tui.comms.templates import install_default_templates
    from commcentre_tui.repo.db import make_engine
    from commcentre_tui.repo.migrate import head_revision, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    with transaction(engine) as session:
        assert install_default_templates(session) == 8
    code, out, err = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0, err
    assert out.endswith(
        f"Database at migration {head_revision()} (was 0004).\nShipped templates: added 0, updated 0.\n"
    )
    templates = _templates(engine)
    assert templates[("Overdue reminder", "el")].about == "overdue bill"
    assert templates[("Welcome new subscriber", "en")].about == "newest subscription"
    assert {t.origin for t in templates.values()} >= {"overdue_reminder.en", "account_balance.en"}
    code, out, _ = run(capsys, "templates", "list", "--database", url)
    assert "edited" not in out and out.count("shipped") == 8
    engine.dispose()
