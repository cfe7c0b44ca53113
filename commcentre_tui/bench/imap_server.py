"""A throwaway Dovecot IMAP server on loopback, for the tests and ``commcentre bench``.

Everything lives in one temporary folder (config, base_dir, passwd-file, maildir, log); the
server listens on a free 127.0.0.1 port, runs in the foreground as a child of this process and
is stopped (and waited for) by :meth:`LoopbackImap.stop`. Messages go in through IMAP APPEND
(:meth:`LoopbackImap.append`) so the server's own indexes stay right.

Run as root, the mail user is ``dovecot``'s uid (Dovecot refuses uid 0 for mail); otherwise the
current user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

USER = "care"
PASSWORD = "care-secret"
START_SECONDS = 30.0


class ImapServerError(RuntimeError):
    """Dovecot is missing or did not start (the message says why)."""


def dovecot_binary() -> str | None:
    """The dovecot executable, or ``None`` when it is not installed."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mail_user() -> tuple[str, int, int]:
    """(name, uid, gid) Dovecot runs the mail processes as."""
    if os.geteuid() == 0:
        for name in ("dovecot", "nobody"):
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)
                return name, entry.pw_uid, entry.pw_gid
    entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_uid, entry.pw_gid


CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
instance_name = commcentre-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = 0
mail_location = maildir:{base}/mail/%u
mail_max_userip_connections = 100
mailbox_list_index = no
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Processed {{
    auto = subscribe
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  process_min_avail = 1
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


class LoopbackImap:
    """A Dovecot serving one user (:data:`USER`/:data:`PASSWORD`) on 127.0.0.1:``port``."""

    def __init__(self) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise ImapServerError("Dovecot is not installed (apt-get install dovecot-imapd).")
        self.binary = binary
        self.user, self.password = USER, PASSWORD
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="commcentre-imap-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LoopbackImap:
        name, uid, gid = _mail_user()
        base = self.base
        os.chmod(base, 0o755)
        for sub in ("run", "state", "mail", "home"):
            (base / sub).mkdir()
        (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        group = _group_name(gid)
        (base / "dovecot.conf").write_text(
            CONFIG.format(base=base, port=self.port, user=name, group=group, uid=uid, gid=gid)
        )
        for path in (base / "state", base / "mail", base / "home"):
            os.chown(path, uid, gid) if os.geteuid() == 0 else None
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(base / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode(
                    errors="replace"
                )
                raise ImapServerError(
                    f"Dovecot exited at start: {err.strip()[:400]} {self.log()[-400:]}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1.0) as s,
            ):
                if s.recv(64).startswith(b"* OK"):
                    return self
            time.sleep(0.05)
        self.stop()
        raise ImapServerError("Dovecot did not answer within 30 seconds.")

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self) -> object:
        """A logged-in IMAPClient on the INBOX."""
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, messages: Iterable[bytes], folder: str = "INBOX") -> int:
        """Put ``messages`` in ``folder`` (IMAP APPEND, one connection); returns how many."""
        client = self.client()
        count = 0
        try:
            for message in messages:
                client.append(folder, message)  # type: ignore[attr-defined]  # imaplib client created untyped by the loopback helper
                count += 1
        finally:
            with contextlib.suppress(Exception):
                client.logout()  # type: ignore[attr-defined]  # imaplib client created untyped by the loopback helper
        return count

    def stop(self) -> None:
        """Stop Dovecot (its whole process group) and remove the folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if process is not None and process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LoopbackImap:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
