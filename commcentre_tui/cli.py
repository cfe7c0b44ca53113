"""The ``commcentre`` entry point: parses the command line and hands over to ``commands/``.

Each command lives in its own module with ``register(subparsers)`` and ``run(args) -> int``;
modules import their heavy dependencies inside ``run`` so ``--help`` and start-up stay fast.
Exit codes: 0 success, 1 failure, 2 bad usage or input (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from commcentre_tui import __version__

#: Command name → module under ``commcentre_tui.commands``, in ``--help`` order.
COMMANDS: dict[str, str] = {
    "console": "console_cmd",
    "db": "db_cmd",
    "search": "search_cmd",
    "latest": "latest_cmd",
    "notify": "notify_cmd",
    "worker": "worker_cmd",
    "cti-bridge": "cti_bridge_cmd",
    "serve-ssh": "serve_ssh_cmd",
    "agents": "agents_cmd",
    "bench": "bench_cmd",
}


class _Parser(argparse.ArgumentParser):
    """Usage errors are one sentence on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
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
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default: COMMCENTRE_CONFIG, else ./config.toml)")
    parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL, overriding [database] url")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version"):
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

    return guarded(module.run, args)


def entry() -> None:  # pragma: no cover - console script shim
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
