"""The call source of a console that runs the HTTP event listener itself (one agent; a team uses
the bridge), and the audit of the posts the listener refuses (shared with the bridge)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from commcentre_tui.config_channels import CtiSettings
from commcentre_tui.cti.events import CallEvent, CtiError, split_extension
from commcentre_tui.cti.listener import CtiListener
from commcentre_tui.cti.queue_events import QueueUpdate
from commcentre_tui.cti.source import CallSource
from commcentre_tui.cti.states import CONNECTED, CONNECTING, failed

log = logging.getLogger("commcentre_tui.cti.source")  # the records keep their name


class ListenerCallSource(CallSource):
    """The console runs the HTTP event listener itself (one agent; a team uses the bridge).

    Events for another agent's extension are accepted (202) but not shown here; an extension
    no agent has is refused (404).
    """

    provider = "listener"

    def __init__(self, cti: CtiSettings, extension: str, *, engine: Engine | None = None) -> None:
        super().__init__(extension)
        self.engine = engine
        self.listener = audited_listener(cti, engine, self, self._deliver, self._known)
        self.listener.on_queue = self._queue

    async def _start(self) -> None:
        self._set_state(CONNECTING)
        try:
            await self.listener.start()
        except CtiError as exc:
            self.detail = str(exc)
            self._set_state(failed("no listener token (set COMMCENTRE_CTI__LISTENER_TOKEN)"))
            return
        except OSError as exc:
            where = f"{self.listener.host}:{self.listener.port}"
            self.detail = f"The CTI listener cannot listen on {where}: {exc.strerror or exc}."
            self._set_state(failed(f"cannot listen on {where} ({exc.strerror or exc})"))
            return
        self._set_state(CONNECTED)

    async def _close(self) -> None:
        await self.listener.close()

    def _queue(self, update: QueueUpdate) -> None:
        if self.on_queue is not None:
            self.on_queue(update)

    async def _known(self, extension: str) -> bool:
        if split_extension(extension)[1] == self.extension:
            return True
        if self.engine is None:
            return False
        from commcentre_tui.repo.cti_lookup import extension_exists

        return await asyncio.to_thread(extension_exists, self.engine, extension)

    def _deliver(self, event: CallEvent) -> int:
        if split_extension(event.extension)[1] != self.extension:
            return 0
        self._emit(event)
        return 1


def audited_listener(
    cti: CtiSettings, engine: Engine | None, owner: Any, deliver: Any, known: Any
) -> CtiListener:
    """The ``[cti] listen_*`` listener for ``owner`` (a call source or the bridge), its refused
    posts audited (:func:`audit_refusals`)."""
    return CtiListener(
        cti.listen_host,
        cti.listen_port,
        deliver=deliver,
        known_extension=known,
        token=cti.listener_token.get_secret_value(),
        on_refused=audit_refusals(engine, owner),
    )


def audit_refusals(engine: Engine | None, owner: Any) -> Callable[[str, str, int], None]:
    """The listener's ``on_refused``: an audit entry per report, written in a thread (the
    tasks are kept on ``owner`` until done)."""
    tasks: set[asyncio.Task[None]] = set()
    owner._audit_tasks = tasks

    def report(peer: str, reason: str, count: int) -> None:
        if engine is None:
            return
        from commcentre_tui.repo.cti_audit import record_refused_posts

        where = f"{owner.listener.host}:{owner.listener.port}"
        task = asyncio.get_running_loop().create_task(
            asyncio.to_thread(
                record_refused_posts, engine, where=where, peer=peer, reason=reason, count=count
            )
        )
        tasks.add(task)
        task.add_done_callback(_audited(tasks))

    return report


def _audited(tasks: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Could not audit refused CTI posts: %s", task.exception())

    return done
