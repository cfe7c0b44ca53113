"""A PBX without AMI reports its queue to the CTI listener: ``{"event": "queue", …}``."""

from __future__ import annotations

import httpx

from commcentre_tui.config import load_settings
from commcentre_tui.cti.listener_source import ListenerCallSource
from commcentre_tui.cti.source import make_call_source
from tests.cti.cti_fakes import AUTH, TOKEN, StateLog


async def test_a_queue_event_reaches_the_console_and_a_bad_one_is_refused() -> None:
    settings = load_settings(
        None,
        cti={
            "enabled": True,
            "provider": "listener",
            "agent_extension": "1001",
            "listener_token": TOKEN,
        },
    )
    source = make_call_source(settings)
    assert isinstance(source, ListenerCallSource)
    source.listener.port = 0
    updates: list = []
    source.on_queue = updates.append
    log = StateLog(source)
    await source.start()
    await log.wait("connected")
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{source.listener.port}", timeout=5, headers=AUTH
        ) as http:
            ok = await http.post(
                "/events",
                json={"event": "queue", "queue": "support", "waiting": 3, "longest_wait": 42},
            )
            bad = await http.post(
                "/events", json={"event": "queue", "queue": "support", "waiting": -1}
            )
            gone = await http.post(
                "/events",
                json={"event": "queue", "queue": "support", "abandoned": "c-7", "wait": 65},
            )
            bad_gone = await http.post(
                "/events", json={"event": "queue", "queue": "support", "abandoned": "c\x1b7"}
            )
        assert ok.status_code == 202
        assert (ok.status_code, gone.status_code) == (202, 202)
        assert [(u.kind, u.queue, u.uniqueid, u.waiting, u.longest) for u in updates] == [
            ("summary", "support", "", 3, 42.0),
            ("abandon", "support", "c-7", 0, 65.0),
        ]
        assert bad_gone.status_code == 400
        assert bad_gone.json()["error"] == 'The field "abandoned" contains control characters.'
        assert bad.status_code == 400
        assert (
            bad.json()["error"] == 'The field "waiting" must be a whole number of calls, 0 or more.'
        )
    finally:
        await source.close()
