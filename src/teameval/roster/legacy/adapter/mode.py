"""Whether legacy teams are on: the one place that reads ``TEAMEVAL_LEGACY_GROUPS``, and that
lays the database's own mode over it (phase 6, ``teameval legacy mode|retire|restore``)."""

from __future__ import annotations

import sqlalchemy as sa

from teameval.config import LegacyGroupsMode, Settings
from teameval.errors import Gone

LEGACY_OFF_DETAIL = (
    "The legacy team API is switched off (TEAMEVAL_LEGACY_GROUPS=off, `teameval legacy mode "
    "off`, or the legacy tables retired). Course membership is "
    "managed through enrollments: use GET/POST /api/v1/courses/{course_id}/students and "
    "DELETE /api/v1/courses/{course_id}/students/{student_id}; teams are formed per project "
    "(project teams)."
)


# --- the mode ------------------------------------------------------------------------------


def is_on(settings: Settings) -> bool:
    """Whether legacy teams are written and shown (``dual-write``)."""
    return settings.legacy_groups is LegacyGroupsMode.DUAL_WRITE


def legacy_gone() -> Gone:
    """410 Gone naming what replaces legacy teams: their answer while off or retired."""
    return Gone(LEGACY_OFF_DETAIL, replacement="/api/v1/courses/{course_id}/students")


def require_on(settings: Settings) -> None:
    """410 Gone, naming what replaces it, while legacy teams are off."""
    if not is_on(settings):
        raise legacy_gone()


def with_database_mode(settings: Settings, bind: sa.Engine | sa.Connection) -> Settings:
    """``settings`` with ``legacy_groups`` as the database has it: the mode it holds overrides
    ``TEAMEVAL_LEGACY_GROUPS``, and a database whose legacy tables are retired is ``off``
    (``migration.phase6.state``). Read once, when the app is built or a command opens its
    database: a running server applies a change when restarted."""
    from teameval.migration.phase6.state import effective_legacy_mode

    if isinstance(bind, sa.Engine):
        with bind.connect() as connection:
            mode = effective_legacy_mode(connection, settings)
    else:
        mode = effective_legacy_mode(bind, settings)
    wanted = LegacyGroupsMode.DUAL_WRITE if mode == "dual-write" else LegacyGroupsMode.OFF
    if settings.legacy_groups is wanted:
        return settings
    return settings.model_copy(update={"legacy_groups": wanted})
