"""The watch around every request: a fresh ``Tally`` while the app handles it, the deprecation
headers on a legacy route's answer, and after the answer has gone out, what the tally saw
written in one short transaction of its own (``counts.write_tally``).

It sits inside the admission limit (``teameval.admission``), so that write uses the admitted
request's turn and pool connection, never one beyond the pool. A failing write is logged and
forgotten: counting never fails the user's request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import sqlalchemy as sa

from teameval.config import Settings
from teameval.roster.legacy.watch.counts import write_tally
from teameval.roster.legacy.watch.deprecation import DeprecationHeaders
from teameval.roster.legacy.watch.routes import RouteInfo, route_table
from teameval.roster.legacy.watch.shadow_switch import ShadowSwitch
from teameval.roster.legacy.watch.tally import Tally, tallying

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)


class LegacyWatch:
    """ASGI middleware; ``routes`` is the app's route list (read once, at the first request,
    when every router is included)."""

    def __init__(
        self,
        app: ASGIApp,
        routes: list[Any],
        engine: sa.Engine,
        settings: Settings,
        switch: ShadowSwitch,
    ) -> None:
        self.app = app
        self.routes = routes
        self.engine = engine
        self.headers = DeprecationHeaders.from_settings(settings)
        self.switch = switch
        self._table: dict[int, RouteInfo] | None = None

    def route_of(self, scope: Scope) -> RouteInfo | None:
        if self._table is None:
            self._table = route_table(self.routes)
        route = scope.get("route")
        return None if route is None else self._table.get(id(route))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.switch.needs_check():
            await anyio.to_thread.run_sync(self.switch.check)
        tally = Tally(shadow_on=self.switch.on)
        method = str(scope["method"])

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                info = self.route_of(scope)
                if info is not None and info.legacy and method in info.methods:
                    label = info.label(method)
                    extra = self.headers.for_route(label, scope.get("path_params") or {})
                    message["headers"] = [
                        *message.get("headers", []),
                        *((name.lower().encode(), value.encode()) for name, value in extra),
                    ]
            await send(message)

        try:
            with tallying(tally):
                await self.app(scope, receive, send_marked)
        finally:
            info = self.route_of(scope)
            if info is not None and method in info.methods:
                tally.label = info.label(method)
                tally.is_legacy_route = info.legacy
            if tally.has_counts:
                await self._write(tally)

    async def _write(self, tally: Tally) -> None:
        try:
            await anyio.to_thread.run_sync(write_tally, self.engine, tally)
        except Exception:  # counting must never fail the request
            log.exception("legacy watch: could not write the request's counts (%s)", tally.label)
