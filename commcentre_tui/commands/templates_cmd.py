"""`commcentre templates`: communication templates as data an administrator manages.

``list [--json]``, ``show NAME``, ``export [NAME] --to DIR``, ``import PATH…``, ``validate
PATH…`` and ``install-defaults`` (the shipped templates, also installed by ``db upgrade``).
Files are in the ``data/templates/*.toml`` format; a folder stands for its ``*.toml`` files. A
file with a problem is one sentence naming the file and the line, exit 2, and nothing is
imported. Changes are audited; they act as the system operator unless ``--agent NAME`` is given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from commcentre_tui.commands.common import (
    common_parent,
    fail,
    open_database,
    os_username,
    settings_from,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "templates",
        help="communication templates: list, show, export, import, validate, install-defaults",
        description="Manage the communication templates (files in the data/templates format).",
    )
    actions = parser.add_subparsers(
        dest="templates_command", metavar="ACTION", required=True, parser_class=type(parser)
    )
    common = common_parent()
    listing = actions.add_parser(
        "list", parents=[common], help="every template version and its state"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    show = actions.add_parser("show", parents=[common], help="a template's versions as file text")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--language", metavar="CODE", help="only this language version")
    export = actions.add_parser(
        "export", parents=[common], help="write templates as files into a folder"
    )
    export.add_argument("name", metavar="NAME", nargs="?", help="only this template (default: all)")
    export.add_argument(
        "--to", required=True, metavar="DIR", type=Path, help="the folder to write into"
    )
    imp = actions.add_parser(
        "import", parents=[common], help="create or update templates from files (all or nothing)"
    )
    imp.add_argument(
        "paths", metavar="PATH", nargs="+", type=Path, help="template files or folders"
    )
    imp.add_argument(
        "--agent", metavar="USERNAME", help="act as this agent (default: the system operator)"
    )
    check = actions.add_parser(
        "validate", parents=[common], help="check template files; change nothing"
    )
    check.add_argument(
        "paths", metavar="PATH", nargs="+", type=Path, help="template files or folders"
    )
    install = actions.add_parser(
        "install-defaults",
        parents=[common],
        help="install the shipped templates (never changes edited ones)",
    )
    install.add_argument(
        "--agent", metavar="USERNAME", help="act as this agent (default: the system operator)"
    )


def _context(engine: Any, settings: Any, username: str | None) -> Any:
    from dataclasses import replace

    from commcentre_tui.repo.actor_lookup import actor_for
    from commcentre_tui.repo.permissions import SYSTEM
    from commcentre_tui.services.context import ServiceContext

    actor = (
        actor_for(engine, settings, username)
        if username
        else replace(SYSTEM, username=f"cli:{os_username() or 'unknown'}")
    )
    return ServiceContext(engine, settings, actor)


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.errors import CommCentreError, NotFound, ValidationFailed
    from commcentre_tui.services import templates as svc

    settings = settings_from(args)
    if args.templates_command == "validate":
        try:
            files = svc.validate_files(settings, args.paths)
        except ValidationFailed as exc:
            return fail(str(exc), 2)
        print(f"{len(files)} template file{'s are' if len(files) != 1 else ' is'} valid.")
        return 0
    engine = open_database(settings)
    try:
        ctx = _context(engine, settings, getattr(args, "agent", None))
        return _ACTIONS[args.templates_command](ctx, args)
    except (ValidationFailed, NotFound) as exc:
        return fail(str(exc), 2)
    except CommCentreError as exc:
        return fail(str(exc), 1)
    finally:
        engine.dispose()


def _list(ctx: Any, args: argparse.Namespace) -> int:
    from commcentre_tui.services import templates as svc

    rows = svc.list_all(ctx)
    if args.json:
        for row in rows:
            print(json.dumps(row.as_json(), ensure_ascii=False))
        return 0
    if not rows:
        print("No templates; `commcentre templates install-defaults` installs the shipped ones.")
    for row in rows:
        print(f"{row.name} ({row.language}) — {row.media}, about {row.about}, {row.state}")
    return 0


def _show(ctx: Any, args: argparse.Namespace) -> int:
    from commcentre_tui.comms.template_files import file_name
    from commcentre_tui.services import templates as svc

    rows = svc.find(ctx, args.name, args.language)
    print(
        "\n".join(f"# {file_name(r.record())} — {r.state}\n{svc.export_text(r)}" for r in rows),
        end="",
    )
    return 0


def _export(ctx: Any, args: argparse.Namespace) -> int:
    from commcentre_tui.comms.template_files import file_name
    from commcentre_tui.services import templates as svc

    rows = svc.find(ctx, args.name) if args.name else svc.list_all(ctx)
    folder: Path = args.to
    if folder.exists() and not folder.is_dir():
        return fail(f"{folder} is a file; name a folder to export into.", 2)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for row in rows:
            (folder / file_name(row.record())).write_text(svc.export_text(row), encoding="utf-8")
    except OSError as exc:
        return fail(f"Cannot write into {folder}: {exc.strerror or exc}.", 1)
    print(f"Exported {len(rows)} template version{'s' if len(rows) != 1 else ''} to {folder}.")
    return 0


def _import(ctx: Any, args: argparse.Namespace) -> int:
    from commcentre_tui.services import templates as svc

    report = svc.import_files(ctx, args.paths)
    print(report.summary())
    return 0


def _install(ctx: Any, args: argparse.Namespace) -> int:
    from commcentre_tui.services import templates as svc

    print(svc.install_defaults(ctx).summary())
    return 0


_ACTIONS = {
    "list": _list,
    "show": _show,
    "export": _export,
    "import": _import,
    "install-defaults": _install,
}
