"""Which routes are legacy routes, and the label each route is counted under.

A legacy route is one that depends on ``roster.legacy.api.legacy_groups_on`` (directly, through
its router, or deeper in its dependency tree): found from the app's routes, never from a list,
so a new legacy route is deprecated and counted without anyone remembering to. Its label is
``"METHOD /api/v1/..."`` with the route's path template, the same string the usage counts, the
OpenAPI document and ``teameval legacy usage`` show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from teameval.openapi import depends_on
from teameval.roster.legacy.api import legacy_groups_on


def is_legacy(route: Any) -> bool:
    """Whether ``route`` (an ``APIRoute`` or FastAPI's route context) depends on legacy groups
    (the same test the OpenAPI document's ``deprecated`` uses)."""
    return getattr(route, "dependant", None) is not None and depends_on(route, legacy_groups_on)


@dataclass(frozen=True)
class RouteInfo:
    path: str  # the full path template, e.g. /api/v1/courses/{course_id}/groups
    methods: frozenset[str]
    legacy: bool

    def label(self, method: str) -> str:
        return f"{method} {self.path}"


def route_table(routes: Sequence[BaseRoute]) -> dict[int, RouteInfo]:
    """Each API route and page by the identity of the route object FastAPI puts in
    ``scope["route"]`` when it serves it. A route object included twice (two prefixes) has no
    one label: it is left out (counted under no route)."""
    table: dict[int, RouteInfo] = {}
    doubled: set[int] = set()
    for context in iter_route_contexts(routes):
        original = context.original_route
        if not isinstance(original, APIRoute) or context.path_format is None:
            continue
        key = id(original)
        if key in table:
            doubled.add(key)
        table[key] = RouteInfo(
            context.path_format, frozenset(context.methods or ()), is_legacy(context)
        )
    for key in doubled:
        del table[key]
    return table


def legacy_operations(routes: Sequence[BaseRoute]) -> list[tuple[str, str]]:
    """(method, path template) of every legacy route, sorted: what the deprecation covers."""
    return sorted(
        (method, info.path)
        for info in route_table(routes).values()
        if info.legacy
        for method in info.methods
        if method != "HEAD"
    )
