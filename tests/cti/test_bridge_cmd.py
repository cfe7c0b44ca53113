"""`commcentre cti-bridge` as an operator runs it: a real process, signals, exit codes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys

from cti_fakes import FAST, EventReader, FakeAsterisk, StateLog

from commcentre_tui.cti.source import make_call_source

SAFETY = 20  # process start-up on a busy machine


async def start_bridge(pbx: FakeAsterisk, **env: str) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "COMMCENTRE_CTI__ENABLED": "true",
        "COMMCENTRE_CTI__HOST": "127.0.0.1",
        "COMMCENTRE_CTI__PORT": str(pbx.port),
        "COMMCENTRE_CTI__SECRET": "s3cret",
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "commcentre_tui",
        "cti-bridge",
        "--listen-port",
        "0",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_bridge_process_serves_consoles_and_stops_on_sigterm(
    fake_pbx: FakeAsterisk, cti_settings
) -> None:
    proc = await start_bridge(fake_pbx)
    line = (await asyncio.wait_for(proc.stdout.readline(), SAFETY)).decode()
    match = re.search(r"tcp://127\.0\.0\.1:(\d+)", line)
    assert match, line
    source = make_call_source(
        cti_settings(bridge_url=f"tcp://127.0.0.1:{match[1]}"), "1001", **FAST
    )
    log = StateLog(source)
    events = EventReader(source.events())
    await source.start()
    await log.wait("connected")
    await fake_pbx.ring("1001", "+35799123456", 10)
    assert (await events.next()).caller == "+35799123456"
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), SAFETY) == 0
    await log.wait("reconnecting")
    assert fake_pbx.logins == 1
    await source.close()


async def test_bridge_process_exits_1_with_a_sentence_when_the_login_is_refused(
    fake_pbx: FakeAsterisk,
) -> None:
    proc = await start_bridge(fake_pbx, COMMCENTRE_CTI__SECRET="wrong")
    _out, err = await asyncio.wait_for(proc.communicate(), SAFETY)
    assert proc.returncode == 1
    assert "The PBX refused the manager login (Authentication failed)" in err.decode()


async def test_bridge_refuses_to_start_with_cti_off(fake_pbx: FakeAsterisk) -> None:
    proc = await start_bridge(fake_pbx, COMMCENTRE_CTI__ENABLED="false")
    _out, err = await asyncio.wait_for(proc.communicate(), SAFETY)
    assert proc.returncode == 2 and "CTI is off" in err.decode()
