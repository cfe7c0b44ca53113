"""A stand-in for the console in the SSH tests (run as a script through ServeOptions.console_command).

Prints what the console would see: its user, terminal type, COLORTERM, window size, whether the
pty is its controlling terminal; then ``SIZE COLSxROWS`` on every SIGWINCH and ``GOT …`` for
input. ``q`` quits. With ``stubborn`` it ignores SIGTERM; otherwise SIGTERM prints FINISHING and
exits 0 (a console finishing its save).
"""

from __future__ import annotations

import os
import signal
import sys
import tty


def size() -> str:
    cols, rows = os.get_terminal_size(0)
    return f"{cols}x{rows}"


def say(text: str) -> None:
    os.write(1, f"{text}\r\n".encode())


def finish(*_: object) -> None:
    say("FINISHING")
    raise SystemExit(0)


def main() -> None:
    user, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    signal.signal(signal.SIGWINCH, lambda *_: say(f"SIZE {size()}"))
    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "stubborn" else finish)
    ctty = os.getsid(0) == os.getpid() and os.tcgetpgrp(0) == os.getpgrp()
    tty.setraw(0)
    say(
        f"PROBE user={user} pid={os.getpid()} term={os.environ.get('TERM')} "
        f"colorterm={os.environ.get('COLORTERM', '-')} size={size()} ctty={'yes' if ctty else 'no'} "
        f"screenshots={os.environ.get('COMMCENTRE_UI__SCREENSHOTS', '-')}"
    )
    while True:
        data = os.read(0, 1024)
        if not data or b"q" in data:
            return
        say(f"GOT {data.decode(errors='replace')}")


if __name__ == "__main__":
    main()
