"""`commcentre doctor`: check what an installation talks to, one line per check.

The database (reachable, at this version's migration), the SMTP server (connect, EHLO and the
login when ``[email] username`` is set: no mail is sent), the SMS gateway (an HTTP ``HEAD``: no
message is sent), the AMI login (only when CTI uses Asterisk) and the SSH host key. Each line
says ``ok``, ``FAIL`` or ``skipped (not configured)`` and one sentence; exit 1 if any failed.
Secrets come from the environment and are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from commcentre_tui.commands.common import common_parent, settings_from
from commcentre_tui.config import Settings

#: Seconds one network check may take before it counts as failed.
TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``status`` is ``ok``, ``fail`` or ``skipped``."""

    check: str
    status: str
    message: str

    def line(self) -> str:
        word = {"ok": "ok", "fail": "FAIL", "skipped": "skipped (not configured)"}[self.status]
        return f"{self.check:<9} {word}: {self.message}"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        parents=[common_parent()],
        help="check the database, mail server, SMS gateway, PBX login, IMAP mailbox and SSH host key",
        description="What an admin runs after installing: one line per check (ok, FAIL or "
        "skipped), exit 1 if any failed. Sends no mail and no SMS.",
    )
    parser.add_argument(
        "--host-key",
        metavar="PATH",
        help="the SSH host key serve-ssh uses (default data/ssh_host_key)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per check")


def run(args: argparse.Namespace) -> int:
    from commcentre_tui.ssh.hostkey import DEFAULT_HOST_KEY_PATH

    settings = settings_from(args)
    checks = [check_database(settings)]
    checks += asyncio.run(_network_checks(settings))
    checks.append(check_host_key(Path(args.host_key) if args.host_key else DEFAULT_HOST_KEY_PATH))
    for check in checks:
        print(json.dumps(asdict(check)) if args.json else check.line(), flush=True)
    return 1 if any(check.status == "fail" for check in checks) else 0


async def _network_checks(settings: Settings) -> list[Check]:
    return list(
        await asyncio.gather(
            check_smtp(settings),
            check_sms(settings),
            check_ami(settings),
            asyncio.to_thread(check_imap, settings),
        )
    )


def check_imap(settings: Settings) -> Check:
    """Log in to ``[inbound.email]``'s IMAP server and open its folder (reads no message)."""
    from commcentre_tui.comms.inbound.email_poller import EmailPoller, InboundError

    cfg = settings.inbound.email
    if not cfg.enabled:
        return Check(
            "imap", "skipped", "[inbound.email] enabled is false, so no mailbox is imported."
        )
    poller = EmailPoller(None, settings)  # type: ignore[arg-type]  # the doctor only checks the mailbox; the poller never writes
    try:
        idle = poller.open().has_capability("IDLE")
    except InboundError as exc:
        return Check("imap", "fail", str(exc))
    finally:
        poller.close()
    return Check(
        "imap",
        "ok",
        f"Logged in to {cfg.host}:{cfg.port} as {cfg.user} and opened "
        f"{cfg.folder!r}{' (IDLE supported)' if idle else ''}; no message was read.",
    )


def _reason(exc: BaseException | str) -> str:
    """The short why of a failure: the operating system's words when a socket error lies under it
    (or the first line of a server's reply)."""
    seen: BaseException | None = exc if isinstance(exc, BaseException) else None
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


def check_database(settings: Settings) -> Check:
    """Reachable, and at this version's migration (the file of an embedded database must exist)."""
    from sqlalchemy.engine import make_url

    from commcentre_tui.repo.db import DatabaseError, make_engine
    from commcentre_tui.repo.migrate import alembic_config, current_revision, head_revision

    url = settings.database.resolved_url()
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any unparsable URL is one sentence
        return Check("database", "fail", "[database] url is not a database URL.")
    shown = parsed.render_as_string(hide_password=True)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and parsed.database != ":memory:"
        and not Path(parsed.database).exists()
    ):
        return Check(
            "database", "fail", f"{shown} does not exist yet; run `commcentre db upgrade`."
        )
    try:
        engine = make_engine(url)
    except DatabaseError as exc:
        return Check("database", "fail", str(exc))
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        return Check("database", "fail", f"{shown}: {exc}")
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return Check("database", "ok", f"{shown} is at migration {head}, this version's.")
    if current is None:
        return Check(
            "database",
            "fail",
            f"{shown} has no commcentre schema yet; run `commcentre db upgrade`.",
        )
    from alembic.script import ScriptDirectory

    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        return Check(
            "database",
            "fail",
            f"{shown} is at migration {current}, newer than this version "
            f"knows ({head}); upgrade commcentre.",
        )
    return Check(
        "database",
        "fail",
        f"{shown} is at migration {current}, older than {head}; run `commcentre db upgrade`.",
    )


async def check_smtp(settings: Settings) -> Check:
    """Connect, EHLO (STARTTLS when configured) and log in when a username is set; no mail."""
    import aiosmtplib

    cfg = settings.email
    where = f"{cfg.host}:{cfg.port}"
    smtp = aiosmtplib.SMTP(
        hostname=cfg.host,
        port=cfg.port,
        timeout=min(cfg.timeout_seconds, TIMEOUT),
        start_tls=cfg.starttls,
        use_tls=False,
    )
    try:
        await smtp.connect()
        code, _ = await smtp.ehlo()
        if not 200 <= code < 300:
            return Check("smtp", "fail", f"The mail server {where} answered EHLO with {code}.")
        login = ""
        if cfg.username:
            if not cfg.password.get_secret_value():
                return Check(
                    "smtp",
                    "fail",
                    f"[email] username is {cfg.username!r} but "
                    "COMMCENTRE_EMAIL__PASSWORD is not set.",
                )
            await smtp.login(cfg.username, cfg.password.get_secret_value())
            login = f", logged in as {cfg.username!r}"
        tls = " over STARTTLS" if cfg.starttls else ""
        return Check(
            "smtp", "ok", f"The mail server {where} answered EHLO{tls}{login}; no mail was sent."
        )
    except aiosmtplib.SMTPAuthenticationError as exc:
        return Check(
            "smtp",
            "fail",
            f"The mail server {where} refused the login of {cfg.username!r} "
            f"({exc.code} {_reason(exc.message)}).",
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Check("smtp", "fail", f"Cannot talk to the mail server {where} ({_reason(exc)}).")
    finally:
        if smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()


async def check_sms(settings: Settings) -> Check:
    """An HTTP ``HEAD`` on ``[sms] gateway_url``: any answer but 502–504 means reachable."""
    import httpx

    url = settings.sms.gateway_url.strip()
    if not url:
        return Check("sms", "skipped", "[sms] gateway_url is empty, so SMS cannot be sent.")
    if not url.startswith(("http://", "https://")):
        return Check("sms", "fail", f"[sms] gateway_url {url!r} is not an http:// or https:// URL.")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.head(url)
    except httpx.HTTPError as exc:
        return Check("sms", "fail", f"Cannot reach the SMS gateway {url} ({_reason(exc)}).")
    if response.status_code in (502, 503, 504):
        return Check(
            "sms", "fail", f"The SMS gateway {url} is unavailable (HTTP {response.status_code})."
        )
    return Check(
        "sms",
        "ok",
        f"The SMS gateway {url} answered (HTTP {response.status_code} to HEAD); "
        "no message was sent.",
    )


async def check_ami(settings: Settings) -> Check:
    """Log in to the Asterisk Manager Interface and log off again (CTI with ``asterisk`` only)."""
    cti = settings.cti
    if not cti.enabled:
        return Check("ami", "skipped", "CTI is off ([cti] enabled = false).")
    if cti.provider != "asterisk":
        return Check("ami", "skipped", f"CTI uses the {cti.provider} provider, not the AMI.")
    if not cti.secret.get_secret_value():
        return Check("ami", "fail", "The AMI secret is not set; set COMMCENTRE_CTI__SECRET.")
    where = f"{cti.host}:{cti.port}"
    try:
        return await asyncio.wait_for(_ami_login(settings, where), TIMEOUT)
    except OSError as exc:
        return Check(
            "ami", "fail", f"Cannot reach the PBX manager interface {where} ({_reason(exc)})."
        )


async def _ami_login(settings: Settings, where: str) -> Check:
    from commcentre_tui.cti.ami import LINE_LIMIT, MalformedBlock, format_action, parse_block
    from commcentre_tui.text import inert

    cti = settings.cti
    reader, writer = await asyncio.open_connection(cti.host, cti.port, limit=LINE_LIMIT)
    try:
        banner = inert((await reader.readline()).decode("utf-8", "replace").strip())
        if not banner:
            raise ConnectionError("it closed the connection before its banner")
        writer.write(
            format_action(
                "Login",
                "doctor-1",
                {
                    "Username": cti.username,
                    "Secret": cti.secret.get_secret_value(),
                    "Events": "off",
                },
            )
        )
        await writer.drain()
        response = await _read_response(reader, "doctor-1", parse_block, MalformedBlock)
        if response.get("Response", "").lower() != "success":
            reason = inert(response.get("Message") or "no reason given")
            return Check(
                "ami",
                "fail",
                f"The PBX {where} refused the manager login of {cti.username!r} "
                f"({reason.rstrip('.')}); check [cti] username and COMMCENTRE_CTI__SECRET.",
            )
        writer.write(format_action("Logoff", "doctor-2", {}))
        await writer.drain()
        return Check(
            "ami", "ok", f"Logged in to the PBX {where} as {cti.username!r} ({banner[:40]})."
        )
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _read_response(
    reader: asyncio.StreamReader, action_id: str, parse: Any, malformed: Any
) -> Any:
    """The ``Response`` block answering ``action_id`` (events and other blocks are skipped)."""
    lines: list[str] = []
    while True:
        raw = await reader.readline()
        if not raw:
            raise ConnectionError("it closed the connection before answering the login")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.strip():
            lines.append(line)
            continue
        if not lines:
            continue
        block, lines = lines, []
        try:
            message = parse(block)
        except malformed:
            continue
        if "Response" in message and message.get("ActionID", action_id) == action_id:
            return message


def check_host_key(path: Path) -> Check:
    """The SSH host key serve-ssh uses: readable, a private key, and private (no group/other bits)."""
    if not path.exists():
        return Check(
            "host-key",
            "skipped",
            f"{path} does not exist; `commcentre serve-ssh` creates it on first start.",
        )
    import asyncssh

    try:
        key = asyncssh.read_private_key(str(path))
    except (asyncssh.KeyImportError, OSError, ValueError) as exc:
        return Check("host-key", "fail", f"Cannot read the SSH host key {path} ({_reason(exc)}).")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return Check(
            "host-key",
            "fail",
            f"The SSH host key {path} is readable by others (mode "
            f"{mode:04o}); run `chmod 600 {path}`.",
        )
    fingerprint = key.get_fingerprint("sha256")
    return Check("host-key", "ok", f"{path} holds a {key.get_algorithm()} key ({fingerprint}).")
