"""Admission control: at most N requests that use the database run at once (per process).

Why: routes are sync, so each request needs a worker thread (AnyIO's pool, 40 by default) and
one pooled connection, and it takes them one after the other across several hops (session
dependency, principal lookup, route, commit). With more requests in flight than connections,
requests that hold a connection (and maybe a row lock) wait for a thread while threads wait for
a connection: the process stalls until the pool times out (issue 7). Admitting at most N ≤ the
pool's connections and < the thread pool's size means every admitted request finds both; the
rest wait here, in the event loop, holding neither. A bounded wait ends in 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.responses import JSONResponse

from teameval.errors import ServiceUnavailable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Paths that never touch the database (API docs, the web UI's static files), and /health, which
# must answer while the queue is full: it has its own connections in the pool's margin
# (teameval.db.POOL_MARGIN).
EXEMPT_PREFIXES = ("/docs", "/redoc", "/openapi.json", "/static/")
EXEMPT_PATHS = frozenset({"/api/v1/health"})


# Sign-ins wait for a password-hashing turn (auth/passwords.py) while holding their connection.
# They get a lane of their own, as wide as the hashing limit, so a burst of logins queues here in
# the event loop and never takes the turns (and connections) every other route needs.
LOGIN_PATHS = frozenset({"/api/v1/auth/login", "/sign-in"})


def needs_admission(path: str) -> bool:
    return path not in EXEMPT_PATHS and not path.startswith(EXEMPT_PREFIXES)


class Gate:
    """The admission state of one app: ``in_flight``, ``waiting`` and ``peak`` can be observed."""

    def __init__(self, limit: int, queue_timeout: float) -> None:
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.in_flight = 0
        self.waiting = 0
        self.peak = 0
        # One semaphore per event loop: asyncio primitives belong to the loop that first used
        # them, and test clients may run several loops one after another.
        self._semaphore: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def _current_semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._semaphore[0] is not loop:
            self._semaphore = (loop, asyncio.Semaphore(self.limit))
        return self._semaphore[1]

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        """Wait for a turn (yields True) or give up after ``queue_timeout`` (yields False)."""
        semaphore = self._current_semaphore()
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_timeout):
                await semaphore.acquire()
        except TimeoutError:
            yield False
            return
        finally:
            self.waiting -= 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            yield True
        finally:
            self.in_flight -= 1
            semaphore.release()


class AdmissionLimit:
    """ASGI middleware letting requests that use the database through the app's gates: sign-ins
    through ``login_gate``, everything else through ``gate``."""

    def __init__(self, app: ASGIApp, gate: Gate, login_gate: Gate) -> None:
        self.app = app
        self.gate = gate
        self.login_gate = login_gate

    def gate_for(self, path: str) -> Gate | None:
        if not needs_admission(path):
            return None
        return self.login_gate if path in LOGIN_PATHS else self.gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate = self.gate_for(scope["path"]) if scope["type"] == "http" else None
        if gate is None:
            await self.app(scope, receive, send)
            return
        async with gate.turn() as admitted:
            if admitted:
                await self.app(scope, receive, send)
            else:
                await _busy(scope["path"])(scope, receive, send)


def _busy(path: str) -> JSONResponse:
    error = ServiceUnavailable(
        "Too many requests are waiting for the database; nothing was done. Try again shortly."
    )
    return JSONResponse(
        error.to_problem(instance=path),
        status_code=error.status,
        media_type="application/problem+json",
        headers=error.headers(),
    )


def ensure_worker_threads(admitted: int, margin: int) -> None:
    """Make sure the thread pool is larger than what may use it at once (call in the loop).

    Admitted requests, /health and Starlette's own file and form work share AnyIO's default
    limiter; it must never be the thing an admitted request waits for.
    """
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, 2 * (admitted + margin))
