"""A gunicorn ``gthread`` worker that gives each request a deadline for arriving.

gthread hands a connection to a thread once its first byte is readable and the
thread then reads the rest with blocking reads: a client trickling one byte a
second holds that thread for as long as it likes, and a few dozen such clients
hold them all (issue 11, item 7). Here every read of a request, headers and
body alike, shares one deadline that starts with the first read: a request
that has not fully arrived within ``read_timeout`` seconds is treated as a
client that went away (the connection is closed; a half-read body is answered
400 by ``bot.web.guards``). Slack sends a few kilobytes from a fast network, so
a few seconds is plenty; a slow client now costs a thread for at most that long.

(On exit the worker also lets the app drain its outbox relay: see ``DeadlineThreadWorker``.)

This bounds the damage; it does not make slow clients free. In production put
a buffering proxy in front (see the README), which reads whole requests before
any worker sees them.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

DEFAULT_READ_TIMEOUT = 5.0


class DeadlineSocket:
    """A client socket whose ``recv`` ends at a deadline (then reads as end of stream)."""

    def __init__(self, sock: socket.socket, read_timeout: float) -> None:
        self._sock = sock
        self._read_timeout = read_timeout
        self._deadline: float | None = None
        self.expired = False

    def arm(self) -> None:
        """A new request: its deadline starts at its first read."""
        self._deadline = None
        self.expired = False

    def recv(self, size: int, *flags: Any) -> bytes:
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self._read_timeout
        remaining = self._deadline - now
        if remaining <= 0:
            self.expired = True
            return b""
        prior = self._sock.gettimeout()
        self._sock.settimeout(remaining if prior is None else min(prior, remaining))
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            if prior is not None and prior <= remaining:
                raise  # the caller's own timeout (gunicorn's body drain), not ours
            self.expired = True
            return b""
        finally:
            self._sock.settimeout(prior)

    def fileno(self) -> int:
        return self._sock.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class DeadlineThreadWorker(ThreadWorker):
    """gthread with a per-request read deadline, and a drain of the app's background work on exit.

    ``read_timeout`` and ``shutdown_grace`` are set by ``serve`` before forking. On SIGTERM gthread
    stops accepting and finishes the requests it has; then the app's ``shutdown(deadline)`` (an
    attribute of the WSGI callable, see ``bot.web.server.build_wsgi``) is given what is left of
    ``shutdown_grace`` seconds counted from the signal.
    """

    read_timeout: float = DEFAULT_READ_TIMEOUT
    shutdown_grace: float = 8.0
    exit_requested: float | None = None

    def handle_exit(self, sig, frame):
        if self.exit_requested is None:
            self.exit_requested = time.monotonic()
        super().handle_exit(sig, frame)

    def run(self) -> None:
        try:
            super().run()
        finally:
            shutdown = getattr(self.wsgi, "shutdown", None)
            if shutdown is not None:
                started = self.exit_requested if self.exit_requested is not None else time.monotonic()
                try:
                    shutdown(started + self.shutdown_grace)
                except Exception:
                    self.log.exception("draining background work on exit failed")

    def handle(self, conn):
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, self.read_timeout)
        conn.sock.arm()
        return super().handle(conn)
