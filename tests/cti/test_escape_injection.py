"""Issue 18 item 1: a caller id full of terminal escapes never reaches the agent's terminal raw.

A real console process on a pseudo-terminal follows a fake Asterisk on loopback — directly, and
through a real ``cti-bridge`` — and the PBX rings the agent with the caller id
``99 ESC ]0;PWNED BEL ESC [2J RLO``: an OSC that would retitle the terminal, an erase-display
that would blank it, and a bidi override. Everything the console writes to the terminal after
the call rang holds none of them, and the number is on screen in the status line and the
notification, visibly escaped. The bridge's client and the JSON output make the same text inert.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cti_fakes import FakeAsterisk

from commcentre_tui.config import load_settings
from commcentre_tui.cti.bridge import CtiBridge
from commcentre_tui.cti.bridge_client import BridgeCallSource
from commcentre_tui.text import inert, json_line
from tests.console_support import private_copy
from tests.pty_console import PtyConsole

CALLER = "99\x1b]0;PWNED\x07\x1b[2J\u202e"
SHOWN = inert(CALLER)  # 99\x1b]0;PWNED\x07\x1b[2J\u202e, backslashes and all
#: What the injected caller id would make a terminal do (retitle, erase, reorder). A bell alone
#: is not counted: the console may ring it for a call on purpose ([ui] bell).
INJECTED = re.compile("\x1b\\]|\x1b\\[2J|\u202e|\x9b|PWNED\x07")


class RawPtyConsole(PtyConsole):
    """A :class:`PtyConsole` that also keeps every byte the console wrote to the terminal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.raw = bytearray()
        super().__init__(*args, **kwargs)

    def _received(self, chunk: bytes) -> None:  # the screen, and the bytes kept too
        self.raw += chunk
        super()._received(chunk)

    def output_since(self, mark: int) -> str:
        with self.lock:
            return bytes(self.raw[mark:]).decode("utf-8", "replace")

    def mark(self) -> int:
        with self.lock:
            return len(self.raw)


@pytest.fixture
async def pbx() -> Any:
    fake = await FakeAsterisk().start()
    yield fake
    await fake.close()


@pytest.mark.parametrize("route", ["ami", "bridge"])
async def test_an_escape_laden_caller_id_is_shown_escaped_and_never_reaches_the_terminal(
    route: str,
    pbx: FakeAsterisk,
    demo_template: Path,
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{private_copy(demo_template, tmp_path)}"
    env = {"COMMCENTRE_CTI__ENABLED": "true", "COMMCENTRE_CTI__AGENT_EXTENSION": "1001"}
    bridge: CtiBridge | None = None
    if route == "bridge":
        settings = load_settings(
            None,
            cti={
                "enabled": True,
                "host": "127.0.0.1",
                "port": pbx.port,
                "username": "commcentre",
                "secret": "s3cret",
            },
        )
        bridge = CtiBridge(settings, host="127.0.0.1", port=0, ping_interval=0)
        await bridge.start()
        env["COMMCENTRE_CTI__BRIDGE_URL"] = f"tcp://127.0.0.1:{bridge.port}"
    else:
        env.update({"COMMCENTRE_CTI__PORT": str(pbx.port), "COMMCENTRE_CTI__SECRET": "s3cret"})
    try:
        with RawPtyConsole(database, env=env) as console:
            await asyncio.to_thread(console.wait_for, "CTI connected")
            await pbx.wait_until(lambda: pbx.logins == 1 and bool(pbx._clients))
            mark = console.mark()
            await pbx.ring("1001", CALLER, 1)
            await asyncio.to_thread(console.wait_for, f"ringing: {SHOWN}")  # the status line
            await asyncio.to_thread(console.wait_for, f"Unknown caller {SHOWN}.")  # notification
            await pbx.hangup("1001", 1)
            await asyncio.to_thread(console.wait_for, f"Missed call from {SHOWN}.")
            written = console.output_since(mark)
            assert SHOWN in console.screen.flat
            assert not INJECTED.search(written), repr(INJECTED.search(written))
    finally:
        if bridge is not None:
            await bridge.close()


def test_the_bridge_client_makes_a_hostile_bridge_line_inert() -> None:
    source = BridgeCallSource("tcp://127.0.0.1:9", "1001")
    hostile = {
        "event": "ringing",
        "extension": "1001",
        "caller": CALLER,
        "call_id": "c\x9b1",
        "case_number": "CS\x1b[31m1",
        "email": None,
        "at": "2024-05-01T09:30:00+00:00",
        "direction": "incoming",
    }
    source._receive(json.dumps({"type": "event", "event": hostile}).encode())
    source._receive(json.dumps({"type": "state", "state": "connected\x1b]0;X\x07"}).encode())
    (event,) = next(iter(source._unread.values()))
    assert (event.caller, event.call_id, event.case_number) == (SHOWN, "c\\x9b1", "CS\\x1b[31m1")
    assert source.state == "connected\\x1b]0;X\\x07"


def test_json_output_escapes_c1_and_bidi_characters() -> None:
    value = {"name": "Eve\x9b2J\u202etxt.exe\u2028", "plain": "María"}
    line = json_line(value)
    assert json.loads(line) == value  # the same data
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028]", line)
    assert "María" in line  # UTF-8 letters stay readable


def test_search_json_escapes_c1_and_bidi_in_a_stored_name(
    engine, settings, admin_actor, capsys
) -> None:
    from sqlalchemy import text

    from commcentre_tui.cli import main
    from commcentre_tui.services.contacts import log_person
    from commcentre_tui.services.context import ServiceContext

    contact_id = log_person(
        ServiceContext(engine, settings, admin_actor), {"first_name": "Eve", "last_name": "Plain"}
    ).contact_id
    with engine.begin() as conn:  # as an import or an older version may have stored it
        conn.execute(
            text("UPDATE contact SET first_name = :f, last_name = :l WHERE id = :i"),
            {"f": "Eve\x9b2J", "l": "Rlo\u202etxt.exe", "i": contact_id},
        )
    url = engine.url.render_as_string(hide_password=False)
    assert main(["search", "Eve", "--json", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "\x9b" not in out and "\u202e" not in out  # nothing raw a terminal would act on
    assert "\\u009b" in out and "\\u202e" in out
    assert json.loads(out.splitlines()[0])["last_name"] == "Rlo\u202etxt.exe"  # same data
