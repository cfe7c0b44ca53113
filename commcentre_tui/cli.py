"""The ``commcentre`` entry point: parses the command line and hands over to ``commands/``.

Each command lives in its own module with ``register(subparsers)`` and ``run(args) -> int``;
modules import their heavy dependencies inside ``run`` so ``--help`` and start-up stay fast.
Exit codes: 0 success, 1 failure, 2 bad usage or input (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from commcentre_tui import __version__

#: Command name → module under ``commcentre_tui.commands``, in ``--help`` order.
COMMANDS: dict[str, str] = {
    "console": "console_cmd",
    "db": "db_cmd",
    "search": "search_cmd",
    "import": "import_cmd",
    "export": "export_cmd",
    "latest": "latest_cmd",
    "notify": "notify_cmd",
    "templates": "templates_cmd",
    "worker": "worker_cmd",
    "inbound": "inbound_cmd",
    "cti-bridge": "cti_bridge_cmd",
    "serve-ssh": "serve_ssh_cmd",
    "agents": "agents_cmd",
    "bench": "bench_cmd",
    "config": "config_cmd",
    "doctor": "doctor_cmd",
    "report": "report_cmd",
}


#: Options that take a value and may come before the command name: the global ones, and the
#: console's (``commcentre --agent maria`` starts the console).
OPTIONS_WITH_VALUE = ("--config", "--database", "--log-level", "--agent", "--extension")


class _Parser(argparse.ArgumentParser):
    """Usage errors are one sentence on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]  # prints one sentence and exits 2 (SystemExit), as argparse does
        sys.stderr.write(f"commcentre: {message}. See `{self.prog} --help`.\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser (every command registered)."""
    parser = _Parser(
        prog="commcentre",
        description="A keyboard-driven terminal Communication Centre for contact-centre agents. "
        "With no command it starts the console.",
    )
    parser.add_argument("--version", action="version", version=f"commcentre {__version__}")
    add_common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in COMMANDS.values():
        module = importlib.import_module(f"commcentre_tui.commands.{module_name}")
        module.register(sub)
    return parser


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every command accepts (before or after the command name)."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: COMMCENTRE_CONFIG, else the one `commcentre config path` names)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL, overriding [database] url",
    )
    from commcentre_tui.commands.common import add_log_level

    add_log_level(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if _command_position(args_list) is None and not {"-h", "--help", "--version"} & set(args_list):
        args_list = ["console", *args_list]
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        args = parser.parse_args(["console", *args_list])
    if args.command == "console":
        from commcentre_tui.startup import pause_garbage_collection

        pause_garbage_collection()
    module = importlib.import_module(f"commcentre_tui.commands.{COMMANDS[args.command]}")
    from commcentre_tui.commands.common import guarded
    from commcentre_tui.logging_setup import logging_scope

    with logging_scope():
        return guarded(module.run, args)


def _command_position(args: Sequence[str]) -> int | None:
    """Where the command name is, skipping options and their values (``--database URL db status``);
    ``None`` when there is none, and the console is meant."""
    index = 0
    while index < len(args):
        token = args[index]
        if token in OPTIONS_WITH_VALUE:
            index += 2
            continue
        if token.startswith("-"):
            index += 1
            continue
        return index
    return None


def entry() -> None:  # pragma: no cover - console script shim
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``commcentre search Mar --json | head -3``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
