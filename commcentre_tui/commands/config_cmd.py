"""`commcentre config path`: which files this commcentre uses (config, database, templates)."""

from __future__ import annotations

import argparse
import json
import os

from commcentre_tui.commands.common import common_parent, settings_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "config",
        parents=[common_parent()],
        help="say which config file, database and templates are in use",
        description="`commcentre config path` prints the config file read (and why that one), "
        "the database, the data folder and the shipped templates' folder.",
    )
    parser.add_argument("what", choices=["path"], metavar="path", help="`path`: the files in use")
    parser.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from commcentre_tui import paths
    from commcentre_tui.config_file import config_path
    from commcentre_tui.paths import current_folder_config

    settings = settings_from(args)  # a broken file is refused here, naming it
    chosen = config_path(getattr(args, "config", None))
    if getattr(args, "config", None):
        why = "--config"
    elif os.environ.get("COMMCENTRE_CONFIG"):
        why = "COMMCENTRE_CONFIG"
    elif chosen is None:
        why = "none found: built-in defaults"
    elif chosen == current_folder_config() and chosen != paths.default_config_path():
        why = "the current folder's"
    elif paths.in_checkout():
        why = "the checkout's"
    elif chosen == paths.user_config_path():
        why = "XDG_CONFIG_HOME"
    else:
        why = f"packaged defaults; copy it to {paths.user_config_path()} to change it"
    url = settings.database.resolved_url()
    embedded = not settings.database.url
    found = {
        "config": str(chosen) if chosen else None,
        "config_source": why,
        "database": make_url(url).render_as_string(hide_password=True),
        "database_source": "embedded" if embedded else "[database] url",
        "data_folder": str(paths.data_dir()),
        "templates": str(paths.shipped_templates_dir()),
        "installed_as": "checkout" if paths.in_checkout() else "package",
    }
    if args.json:
        print(json.dumps(found))
        return 0
    print(f"config file:  {found['config'] or '(none)'}  ({why})")
    print(f"database:     {found['database']}  ({found['database_source']})")
    print(f"data folder:  {found['data_folder']}")
    print(f"templates:    {found['templates']}  (shipped)")
    print(f"running from: {found['installed_as']}")
    return 0
