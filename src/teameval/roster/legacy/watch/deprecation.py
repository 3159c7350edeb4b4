"""The headers every legacy route answers with, whatever the status (docs/api.md,
"Deprecated: the legacy team API"):

- ``Deprecation: @<unix seconds>`` (RFC 9745) from ``settings.legacy_deprecated_at``;
- ``Sunset: <HTTP-date>`` (RFC 8594) from ``settings.legacy_sunset_at``;
- ``Link: <successor>; rel="successor-version", <docs>; rel="deprecation"``: the route that
  replaces this one (``SUCCESSORS``, its path ids filled in from the request), and
  ``settings.legacy_deprecation_url`` (by default the public page ``/legacy-api``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from teameval.config import Settings

# What replaces each legacy route: membership is an enrollment, teams belong to a project.
SUCCESSORS: dict[str, str] = {
    "GET /api/v1/courses/{course_id}/groups": "/api/v1/courses/{course_id}/projects",
    "POST /api/v1/courses/{course_id}/groups": "/api/v1/courses/{course_id}/projects",
    "POST /api/v1/courses/{course_id}/groups/{group_id}/members": (
        "/api/v1/courses/{course_id}/students"
    ),
    "DELETE /api/v1/courses/{course_id}/groups/{group_id}/members/{student_id}": (
        "/api/v1/courses/{course_id}/students/{student_id}"
    ),
    "PUT /api/v1/courses/{course_id}/students/{student_id}/team": (
        "/api/v1/courses/{course_id}/projects"
    ),
    "POST /api/v1/projects/{project_id}/teams/from-groups": "/api/v1/projects/{project_id}/teams",
}
# A legacy route nobody gave a successor yet still says what replaces legacy teams in general.
DEFAULT_SUCCESSOR = "/api/v1/courses/{course_id}/students"


def _utc(moment: datetime) -> datetime:
    """A naive setting is read as UTC (as the defaults are)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def successor_template(label: str) -> str:
    return SUCCESSORS.get(label, DEFAULT_SUCCESSOR)


def successor_for(label: str, path_params: Mapping[str, Any]) -> str:
    """The successor of ``label`` with the request's path ids filled in (a template where the
    request has no such id)."""
    template = successor_template(label)
    for name, value in path_params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


@dataclass(frozen=True)
class DeprecationHeaders:
    deprecation: str
    sunset: str
    docs_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> DeprecationHeaders:
        return cls(
            deprecation=f"@{int(_utc(settings.legacy_deprecated_at).timestamp())}",
            sunset=format_datetime(_utc(settings.legacy_sunset_at), usegmt=True),
            docs_url=settings.legacy_deprecation_url,
        )

    def link(self, successor: str) -> str:
        return f'<{successor}>; rel="successor-version", <{self.docs_url}>; rel="deprecation"'

    def for_route(self, label: str, path_params: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            ("Deprecation", self.deprecation),
            ("Sunset", self.sunset),
            ("Link", self.link(successor_for(label, path_params))),
        ]
