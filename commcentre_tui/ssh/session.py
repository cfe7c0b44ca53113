"""One SSH session channel: a console process on its own pty for one authenticated agent, or a
supervisor watching another agent's console (``ssh -t … watch maria``, :mod:`.watch`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

import asyncssh

from commcentre_tui.ssh import watch
from commcentre_tui.ssh.control import CONTROL_ENV, ControlLink, Message
from commcentre_tui.ssh.forkserver import CONTROL_FD
from commcentre_tui.ssh.pty_process import Child, PtyProcess

if TYPE_CHECKING:
    from commcentre_tui.ssh.connection import AgentConnection

#: Written after the console ends, in case it was killed before restoring the client's terminal:
#: leave the alternate screen, stop mouse/focus/paste reporting, show the cursor, reset colours.
TERMINAL_RESET = (
    b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
    b"\x1b[?1004l\x1b[?2004l\x1b[?25h\x1b[0m"
)
#: How long to wait for a departing client to take the last output.
FLUSH_TIMEOUT = 5.0
MESSAGES = {
    "idle": "commcentre: your session was closed after {idle} without input.",
    "shutdown": "commcentre: the server is shutting down; your session has ended.",
    "disabled": "commcentre: your agent account was disabled; your session has ended.",
    "failed": "commcentre: the console could not be started; please tell your administrator.",
}


def idle_words(seconds: float) -> str:
    """``1 minute``, ``5 minutes``, ``1.5 minutes``, ``1 second``, ``30 seconds``."""
    amount, unit = (seconds / 60, "minute") if seconds >= 60 else (seconds, "second")
    return f"{amount:g} {unit}" + ("" if amount == 1 else "s")


class ConsoleSession(asyncssh.SSHServerSession):  # type: ignore[type-arg]  # asyncssh's classes are generic only in its stubs
    """Accepts an interactive shell request with a pty and runs the console for it, or the
    command ``watch NAME`` (a supervisor watching NAME's console)."""

    def __init__(self, connection: AgentConnection) -> None:
        self.connection = connection
        self.server = connection.server
        self.chan: asyncssh.SSHServerChannel | None = None  # type: ignore[type-arg]  # asyncssh's classes are generic only in its stubs
        self.term: str | None = None
        self.size: tuple[int, int, int, int] = (80, 24, 0, 0)
        self.process: PtyProcess | None = None
        self.task: asyncio.Task[None] | None = None
        self.end_reason: str | None = None
        self.last_input = time.monotonic()
        self._timers: list[asyncio.TimerHandle] = []
        self._kill: asyncio.TimerHandle | None = None
        self.opened = time.monotonic()
        self.watch_target: str | None = None
        """``watch NAME`` sessions: NAME (``""``: list whom one may watch)."""
        self.watching: watch.Watch | None = None
        """The console this session's terminal shows instead of its own, while watching."""
        self.watchers: set[watch.Watch] = set()
        self.control: ControlLink | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- asyncssh callbacks -------------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[type-arg]  # asyncssh's classes are generic only in its stubs
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object
    ) -> bool:
        self.term = term_type or "xterm-256color"
        self.size = term_size
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        # the console is the only thing this server runs, and `watch NAME` the only command
        self.watch_target = watch.parse_command(command)
        return self.watch_target is not None

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        self.task = asyncio.ensure_future(self._run())

    def data_received(self, data: bytes, datatype: object) -> None:
        self.last_input = time.monotonic()
        if self.watching is not None:  # the watcher's keys only end the watch
            self.watching.keys(data)
        elif self.process is not None:
            self.process.write(data)

    def eof_received(self) -> bool:
        # The client closed its input: end the console, but keep the channel open for our output.
        self.end("hangup", signal.SIGHUP)
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width, height, pixwidth, pixheight)
        if self.process is not None:
            self.process.resize(width, height, pixwidth, pixheight)
        if self.watching is not None:
            self.watching.resize(width, height)
        for watcher in list(self.watchers):
            watcher.check_size()

    def pause_writing(self) -> None:
        if self.process is not None:
            self.process.pause_output()

    def resume_writing(self) -> None:
        if self.process is not None:
            self.process.resume_output()

    def connection_lost(self, exc: Exception | None) -> None:
        self.chan = None
        if self.process is not None:  # keep draining (and dropping) its output, or a console
            self.process.resume_output()  # blocked on a full pty could never finish cleanly
        self.end("hangup", signal.SIGHUP)

    # --- running the console ------------------------------------------------------------------

    def end(self, reason: str, sig: int, grace: float | None = None) -> None:
        """Ask the console to finish (``sig``), killing it if it has not after ``grace`` seconds."""
        if self.end_reason is None:
            self.end_reason = reason
        if self.watch_target is not None and self.watching is not None:
            self.watching.stop(MESSAGES.get(reason, "").format(idle=""))
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.signal(sig)
        if self._kill is None:
            grace = self.server.options.grace_seconds if grace is None else grace
            self._kill = asyncio.get_running_loop().call_later(
                grace, process.signal, signal.SIGKILL
            )

    def _send(self, data: bytes) -> None:
        if self.chan is not None:
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.write(data)

    def show(self, data: bytes) -> None:
        """Bytes for this session's terminal, and for whoever watches it."""
        self._send(data)
        for watcher in list(self.watchers):
            watcher.feed(data)

    def _console_output(self, data: bytes) -> None:
        if self.watching is None:  # while its agent watches someone, the console is not shown
            self.show(data)

    # --- being watched, and watching from the console -----------------------------------------

    def add_watcher(self, watcher: watch.Watch) -> None:
        self.watchers.add(watcher)
        self._tell_watchers()

    def remove_watcher(self, watcher: watch.Watch) -> None:
        self.watchers.discard(watcher)
        self._tell_watchers()

    def _tell_watchers(self) -> None:
        if self.control is not None:
            names = sorted({w.name for w in self.watchers})
            self.control.send({"watchers": names})

    def request_repaint(self) -> None:
        """Ask the console to draw its whole screen again."""
        if self.control is not None:
            self.control.send({"repaint": True})

    def _control_message(self, message: Message) -> None:
        """The console asked for something (the supervisor's "Watch agent…")."""
        if message.get("list") is True:
            self._spawn(self._send_watchable())
        elif isinstance(message.get("watch"), str) and self.watching is None:
            self._spawn(self._watch_from_console(message["watch"]))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_watchable(self) -> None:
        found = await asyncio.to_thread(self._watchable)
        if self.control is not None:
            self.control.send({"agents": found})

    def _watchable(self) -> list[dict[str, Any]]:
        actor = watch.find_actor(self.server, self.connection.username)
        if actor is None:
            return []
        return [vars(w) for w in watch.watchable(self.server, actor)]

    async def _watch_from_console(self, username: str) -> None:
        cols, rows = self.size[:2]
        result = await watch.begin(
            self.server, self.connection.username, username, self.show, (cols, rows), self._back
        )
        if isinstance(result, str):
            if self.control is not None:
                self.control.send({"refused": result})
        elif self.end_reason is not None or self.process is None:
            result.stop("")
        else:
            self.watching = result

    def _back(self, sentence: str) -> None:
        """A watch started from the console ended: show the console again."""
        self.watching = None
        self.show(watch.CLEAR)
        self.request_repaint()
        if sentence and self.control is not None:
            self.control.send({"refused": sentence})

    async def _close(self, status: int, message: str = "") -> None:
        """Say ``message``, send the exit status and wait (briefly) until the client has it all."""
        if message:
            self._send(f"\r\n{message}\r\n".encode())
        chan = self.chan
        if chan is None:
            return
        with contextlib.suppress(OSError, asyncssh.Error):
            chan.exit(status)
        with contextlib.suppress(OSError, asyncssh.Error, asyncio.TimeoutError):
            await asyncio.wait_for(chan.wait_closed(), FLUSH_TIMEOUT)

    async def _run(self) -> None:
        if self.watch_target is not None:
            await self._run_watch()
            return
        if self.term is None:
            await self._close(1, "commcentre: the console needs a terminal; connect with `ssh -t`.")
            return
        refusal = self.server.admit(self)
        if refusal is not None:
            conn = self.connection
            await self.server.audit(
                "failed login",
                agent_id=None,
                entity_id=conn.agent_id,
                detail=f"ssh from {conn.peer.split()[0]} as {conn.username!r}: {refusal}",
            )
            await self._close(1, f"commcentre: {refusal}.")
            return
        try:
            status = await self._run_console()
        except Exception as exc:  # e.g. the console could not be started: say so, keep serving
            sys.stderr.write(f"commcentre serve-ssh: cannot start a console: {exc}\n")
            self.end_reason = "failed"
            status = 1
        finally:
            self.server.release(self)
            if self.watching is not None:
                self.watching.stop("")
            for watcher in list(self.watchers):
                watcher.stop(f"{watcher.target_name}'s console has ended.")
            if self.control is not None:
                self.control.close()
            for timer in self._timers:
                timer.cancel()
            if self._kill is not None:
                self._kill.cancel()
        self._send(TERMINAL_RESET)
        idle = self.server.options.idle_timeout
        said = idle_words(idle)
        await self._close(status, MESSAGES.get(self.end_reason or "", "").format(idle=said))

    async def _run_console(self) -> int:
        if self.chan is None or self.term is None:  # the client left before we started
            return 128 + signal.SIGHUP
        server, conn = self.server, self.connection
        cols, rows, _, _ = self.size
        self.control = control = ControlLink(self._control_message)
        env = server.console_env(self.chan, self.term, conn.peer)
        env[CONTROL_ENV] = str(control.child_fd())
        spawn = None
        if (fork := server.fork) is not None and fork.alive:
            forked_env = {**env, CONTROL_ENV: str(CONTROL_FD)}
            args = server.console_args(conn.username)

            async def spawn(slave: int) -> Child:
                return await fork.spawn(args, forked_env, slave, control.child_fd())

        self.process = PtyProcess(
            server.console_argv(conn.username),
            env,
            cols=cols,
            rows=rows,
            on_output=self._console_output,
            pass_fds=(control.child_fd(),),
            spawn=spawn,
        )
        await self.process.start()
        self.control.child_started()
        if self.end_reason is not None:  # the client left while the console was starting
            self.end(self.end_reason, signal.SIGHUP)
        self._watch_idle()
        code = await self.process.wait()
        return 128 - code if code < 0 else code

    def _watch_idle(self) -> None:
        timeout = self.server.options.idle_timeout
        if timeout <= 0 or self.end_reason is not None:
            return
        if self.watching is not None:  # watching is not being idle
            self.last_input = time.monotonic()
        remaining = self.last_input + timeout - time.monotonic()
        if remaining <= 0:
            self.end("idle", signal.SIGHUP)
            return
        self._timers.append(asyncio.get_running_loop().call_later(remaining, self._watch_idle))

    # --- a `watch NAME` session ---------------------------------------------------------------

    async def _run_watch(self) -> None:
        """Watch the named agent's console until q, Ctrl+C, its end or a hang-up."""
        if self.term is None:
            await self._close(1, "commcentre: watching needs a terminal; connect with `ssh -t`.")
            return
        server, username = self.server, self.connection.username
        server.watches.add(self)
        ended = asyncio.Event()
        said: list[str] = []

        def on_end(sentence: str) -> None:
            said.append(sentence)
            self.watching = None
            ended.set()

        status = 0
        try:
            if not self.watch_target:
                said.append(await asyncio.to_thread(self._watchable_text))
            else:
                result = await watch.begin(
                    server, username, self.watch_target, self.show, self.size[:2], on_end
                )
                if isinstance(result, str):
                    said.append(result)
                    status = 1
                elif self.end_reason is not None:  # the client left while it was starting
                    result.stop("")
                else:
                    self.watching = result
                    await ended.wait()
        finally:
            server.release(self)
        if self.watch_target:
            self._send(TERMINAL_RESET)
        message = " ".join(s for s in said if s)
        await self._close(status, f"commcentre: {message}" if message else "")

    def _watchable_text(self) -> str:
        found = self._watchable()
        if not found:
            return "nobody you may watch has a console open on this server."
        lines = [f"  {a['username']}  {a['name']} ({a['unit'] or 'no unit'})" for a in found]
        return "you may watch (ssh -t … watch NAME):\r\n" + "\r\n".join(lines)
