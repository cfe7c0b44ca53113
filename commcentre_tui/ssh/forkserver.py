"""Start consoles from a process that has already imported the console (a fork server).

Importing Textual, SQLAlchemy, the models and the console's screens is most of a console's
start-up (~0.5 s of CPU) and of its memory. ``serve-ssh`` starts this module once
(``python -m commcentre_tui.ssh.forkserver FD``): it imports the console, freezes what it
imported for the garbage collector, and then, for each SSH session, forks a child that becomes
the session's console (its own session and controlling terminal, the session's environment),
sharing the imported pages copy-on-write with every other console.

The link (a ``SOCK_SEQPACKET`` socket pair, one JSON message per packet):

- serve-ssh → fork server: ``{"id": N, "argv": [...], "env": {...}}`` with two descriptors
  (the pty's slave side and the console's control link, :mod:`.control`);
- fork server → serve-ssh: ``{"ready": true}`` once imported; ``{"id": N, "pid": P}`` or
  ``{"id": N, "error": "..."}``; ``{"exit": P, "code": C}`` when a console ends (``C`` negative
  for a signal, as :mod:`subprocess` says it).

The fork server ends when serve-ssh closes its end. :mod:`.forkclient` is serve-ssh's side.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import json
import os
import random
import selectors
import signal
import socket
import sys
import termios
import threading
import traceback
from typing import Any

#: Where the console's control link is in a forked console (what ``CONTROL_ENV`` says).
CONTROL_FD = 3
#: Largest request or reply (the environment is a few kB).
MAX_PACKET = 256 * 1024
#: What a console imports before its first frame and soon after (its services start).
PRELOAD = (
    "commcentre_tui.cli",
    "commcentre_tui.commands.common",
    "commcentre_tui.commands.console_cmd",
    "commcentre_tui.app",
    "commcentre_tui.terminal_driver",
    "commcentre_tui.screens.console",
    "commcentre_tui.repo.actor_lookup",
    "commcentre_tui.models",
    "commcentre_tui.screens.comms.register",
    "commcentre_tui.controllers.cti",
    "commcentre_tui.controllers.reminders",
    "commcentre_tui.controllers.ssh_link",
    "commcentre_tui.controllers.comms.embedded",
    "commcentre_tui.widgets.change_watcher",
    "commcentre_tui.widgets.presence",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "psycopg",
    "sqlite3",
    "statistics",
    "logging.handlers",
    "rich._emoji_codes",
    "commcentre_tui.logging_setup",
    "commcentre_tui.controllers.shutdown",
    "commcentre_tui.comms.worker",
    "commcentre_tui.repo.migrate",
    "commcentre_tui.repo.presence",
    "commcentre_tui.repo.changes",
    "commcentre_tui.repo.customer_view",
    "commcentre_tui.repo.customer_tabs",
    "commcentre_tui.repo.customer_financials",
    "commcentre_tui.repo.customer_detail",
    "commcentre_tui.support.idle_gc",
    "commcentre_tui.widgets.customer_view",
    "commcentre_tui.widgets.results",
    "commcentre_tui.widgets.latest",
    "commcentre_tui.widgets.cti_status",
    "textual.widgets._data_table",
    "textual.layouts.factory",
    "textual.renderables.sparkline",
)


def exit_code(status: int) -> int:
    """A wait status as :mod:`subprocess` reports it (negative: killed by that signal)."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.waitstatus_to_exitcode(status)


def _become_console(argv: list[str], env: dict[str, str], slave: int, control: int) -> None:
    """(Forked child) Take the pty as controlling terminal and run the console; never returns."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGWINCH):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        os.setsid()
        for target in (0, 1, 2):
            os.dup2(slave, target)
        os.dup2(control, CONTROL_FD)
        os.closerange(CONTROL_FD + 1, 65536)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        os.environ.clear()
        os.environ.update(env)
        random.seed()
        sys.argv = ["commcentre", *argv]
        from commcentre_tui.cli import main

        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # the console's own errors are sentences; this is a last resort
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class ForkServer:
    """The fork server's loop: requests in, consoles forked, exits reported."""

    def __init__(self, link: socket.socket) -> None:
        self.link = link
        self.children: set[int] = set()
        self.wakeup_r, wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_r, False)
        os.set_blocking(wakeup_w, False)
        signal.set_wakeup_fd(wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup descriptor does the work
        for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)  # serve-ssh ends us by closing the link

    def send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            self.link.send(json.dumps(message).encode())

    def serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self.link, selectors.EVENT_READ, "link")
        selector.register(self.wakeup_r, selectors.EVENT_READ, "child")
        self.send({"ready": True})
        while True:
            for key, _ in selector.select():
                if key.data == "child":
                    with contextlib.suppress(OSError):
                        os.read(self.wakeup_r, 4096)
                    self.reap()
                elif not self.request():
                    return

    def request(self) -> bool:
        """Handle one request; ``False`` once serve-ssh has gone."""
        try:
            data, fds, _flags, _addr = socket.recv_fds(self.link, MAX_PACKET, 2)
        except InterruptedError:
            return True
        if not data:
            return False
        message: dict[str, Any] = {}
        try:
            message = json.loads(data)
            if len(fds) != 2:
                raise ValueError("a request needs the pty and the control link")
            pid = os.fork()
            if pid == 0:
                self.link.close()
                _become_console(list(message["argv"]), dict(message["env"]), fds[0], fds[1])
            self.children.add(pid)
            self.send({"id": message.get("id"), "pid": pid})
        except Exception as exc:  # a bad request must not end the fork server
            self.send({"id": message.get("id"), "error": str(exc)})
        finally:
            for fd in fds:
                os.close(fd)
        return True

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.send({"exit": pid, "code": exit_code(status)})


def preload() -> None:
    """Import what a console needs, then freeze it: collections in consoles skip these objects
    and so leave their pages shared."""
    gc.disable()
    for name in PRELOAD:
        importlib.import_module(name)
    from rich.cells import cell_len

    from commcentre_tui.cli import build_parser

    build_parser()  # imports every command module, as parsing a console's arguments does
    cell_len("é")  # loads rich's unicode width tables
    gc.collect()
    gc.freeze()
    gc.enable()
    if threading.active_count() != 1:  # forking a threaded process would copy held locks
        raise RuntimeError("the console's modules started a thread while importing")


def main(argv: list[str]) -> int:
    link = socket.socket(fileno=int(argv[0]))
    preload()
    ForkServer(link).serve()
    return 0


if __name__ == "__main__":  # pragma: no cover - run by serve-ssh
    raise SystemExit(main(sys.argv[1:]))
