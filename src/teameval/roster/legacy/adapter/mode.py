"""Whether legacy teams are on: the one place that reads ``TEAMEVAL_LEGACY_GROUPS``."""

from __future__ import annotations

from teameval.config import LegacyGroupsMode, Settings
from teameval.errors import Gone

LEGACY_OFF_DETAIL = (
    "The legacy team API is switched off (TEAMEVAL_LEGACY_GROUPS=off). Course membership is "
    "managed through enrollments: use GET/POST /api/v1/courses/{course_id}/students and "
    "DELETE /api/v1/courses/{course_id}/students/{student_id}; teams are formed per project "
    "(project teams)."
)


# --- the mode ------------------------------------------------------------------------------


def is_on(settings: Settings) -> bool:
    """Whether legacy teams are written and shown (``dual-write``)."""
    return settings.legacy_groups is LegacyGroupsMode.DUAL_WRITE


def require_on(settings: Settings) -> None:
    """410 Gone, naming what replaces it, while legacy teams are off."""
    if not is_on(settings):
        raise Gone(LEGACY_OFF_DETAIL, replacement="/api/v1/courses/{course_id}/students")
