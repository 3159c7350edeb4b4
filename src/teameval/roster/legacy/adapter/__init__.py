"""The legacy adapter: the one package that reads or writes ``groups`` / ``group_members``, and
the one that reads ``TEAMEVAL_LEGACY_GROUPS`` (a test walks the source and fails on any other).
``mode`` holds the switch, ``writes`` the team and membership writes, ``reads`` what the rest of
the roster shows; callers use this package's names.

``dual-write`` (the default): legacy teams are written in step with enrollments and shown.

``off``, exactly (README, docs/api.md and docs/import.md say the same):

- No route or command creates or activates a legacy team or membership. Every legacy route
  (``/courses/{id}/groups...`` and ``PUT /courses/{id}/students/{student_id}/team``) answers
  410 Gone; ``teams`` in a student body is 422; the import ignores a ``team`` column, with a
  warning, and still applies the rest of each row.
- Legacy data is not shown: a course roster's ``team_number`` and ``group_id`` are null, a
  student's ``teams`` is an empty list, and the export has no ``team`` column.
- Ending an enrollment still deactivates that student's memberships in that course while the
  tables exist (invariant 2), so the phase 1 backfill never re-enrolls someone who was
  unenrolled. That UPDATE (audited ``group_member.deactivated``) is the only legacy write left.

Phase 6: the database may hold a mode of its own (``teameval legacy mode``), which overrides
``TEAMEVAL_LEGACY_GROUPS`` (``mode.with_database_mode``, applied when the app is built and when a
command opens its database); a database whose legacy tables are retired is ``off``, and the one
write left skips once the tables are gone (``presence``).

``teameval demo`` is outside this: it seeds a legacy-shaped demo school on purpose, in either mode.

Membership writes are the second half of ``courses.enrollments``' writes, which enroll first and
call in here; nothing here enrolls. Callers pass resolved ids (see ``teameval.access``).
"""

from teameval.roster.legacy.adapter.mode import (
    LEGACY_OFF_DETAIL,
    is_on,
    require_on,
)
from teameval.roster.legacy.adapter.presence import group_link, tables_present, team_links
from teameval.roster.legacy.adapter.reads import (
    LegacyGroup,
    LegacyMember,
    ShownTeam,
    active_groups_in_course,
    active_memberships_of,
    active_team_in_course,
    active_teams_of,
    group_in_course,
    groups_with_members,
    teams_of_courses,
)
from teameval.roster.legacy.adapter.writes import (
    MEMBERSHIPS,
    TeamKey,
    activate_memberships,
    courses_of_groups,
    create_group,
    deactivate_memberships,
    default_team_name,
    end_memberships_in_courses,
    ensure_team,
    ensure_teams,
)

__all__ = [
    "LEGACY_OFF_DETAIL",
    "MEMBERSHIPS",
    "LegacyGroup",
    "LegacyMember",
    "ShownTeam",
    "TeamKey",
    "activate_memberships",
    "active_groups_in_course",
    "active_memberships_of",
    "active_team_in_course",
    "active_teams_of",
    "courses_of_groups",
    "create_group",
    "deactivate_memberships",
    "default_team_name",
    "end_memberships_in_courses",
    "ensure_team",
    "ensure_teams",
    "group_in_course",
    "group_link",
    "groups_with_members",
    "is_on",
    "require_on",
    "tables_present",
    "team_links",
    "teams_of_courses",
]
