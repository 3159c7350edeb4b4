"""Whether the legacy tables are there, and the project teams' link to them.

Phase 6 (``teameval legacy retire``) removes ``groups``, ``group_members`` and
``project_teams.team_id`` in one transaction, possibly while servers run (with legacy groups
off), and ``teameval legacy restore`` brings them back. Code that would touch them asks the
database first, once per session (a catalog look-up, cached in ``Session.info``), instead of
trusting what was true when the process started: an ended enrollment still ends the student's
memberships while the tables exist (invariant 2), and skips that once they are gone.

Once they are gone, every read and write of the adapter is safe (``reads``, ``writes``): what
the rest of the roster shows or plans from (a student's teams, a roster's team numbers, the
student sync's snapshot) is empty, ending memberships does nothing, and whatever asks for a
legacy team itself (a legacy route, a team in a student body or import, the copy from groups)
is 410 Gone as with legacy groups off (:func:`require_tables`), never an empty answer that a
caller could act on (the copy from groups would archive every project team), nor a 500. That
matters for a server still running with legacy groups on (started before ``teameval legacy
mode off`` and not restarted), the one that calls those paths.

``ProjectTeam.team_id`` is deferred and raises when read unloaded (``models.project``): queries
that carry the link load it with :func:`team_links`, and read it with :func:`group_link`, which
answers ``None`` when the column is gone.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.interfaces import ORMOption

from teameval.models import ProjectTeam
from teameval.roster.legacy.adapter.mode import legacy_gone

PRESENT_KEY = "teameval.legacy_tables_present"
# group_members goes with the rest of the legacy schema in one transaction: it stands for all.
PROBES = {
    "postgresql": "SELECT to_regclass('group_members') IS NOT NULL",
    "sqlite": "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' "
    "AND name = 'group_members'",
}


def tables_present(session: Session) -> bool:
    """Whether the legacy tables (and ``project_teams.team_id``) exist in this database."""
    cached = session.info.get(PRESENT_KEY)
    if cached is None:
        dialect = session.get_bind().dialect.name
        cached = bool(session.scalar(text(PROBES[dialect])))
        session.info[PRESENT_KEY] = cached
    return bool(cached)


def require_tables(session: Session) -> None:
    """410 Gone, as with legacy groups off, when the legacy tables are retired."""
    if not tables_present(session):
        raise legacy_gone()


def team_links(session: Session) -> tuple[ORMOption, ...]:
    """Loader options for a ``ProjectTeam`` query whose caller carries the legacy link."""
    return (undefer(ProjectTeam.team_id),) if tables_present(session) else ()


def group_link(team: ProjectTeam) -> int | None:
    """The team's legacy group as loaded with :func:`team_links`; ``None`` when not loaded
    (the column is gone)."""
    value = inspect(team).dict.get("team_id")
    return None if value is None else int(value)
