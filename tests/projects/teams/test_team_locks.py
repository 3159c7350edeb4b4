"""``lock_teams``, the function the assessment and peer-evaluation issues lock teams with: the
reason and reference are kept, a locked version keeps its first lock, and the lock shows on the
team routes (a change then makes a new version)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.audit_trail import Actor
from teameval.models import AuditLog, LockReason, ProjectTeam
from teameval.projects.teams.layout import lock_teams
from tests.projects.teams.team_helpers import teams_url
from tests.roster.conftest import RosterWorld, bearer

Factory = sessionmaker[Session]


def test_an_assessment_lock_is_kept_and_shown(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    actor = Actor(worlds.north.school.id, worlds.north.teacher.id, "test")
    with session_factory.begin() as session:
        team = session.get(ProjectTeam, worlds.north_team.id)
        assert team is not None
        (locked,) = lock_teams(session, actor, [team], LockReason.ASSESSMENT, 42)
        first_lock = (locked.locked_at, locked.lock_reason, locked.lock_reference_id)
    with session_factory.begin() as session:
        team = session.get(ProjectTeam, worlds.north_team.id)
        assert team is not None
        (again,) = lock_teams(session, actor, [team], LockReason.PEER_EVALUATION, 7)
        assert (again.locked_at, again.lock_reason, again.lock_reference_id) == first_lock
    assert first_lock[1:] == ("assessment", 42)
    teacher = bearer(worlds.north, "teacher")
    history = client.get(f"{teams_url(worlds.north_project.id)}/history", headers=teacher)
    (version,) = history.json()["items"][0]["versions"]
    assert (version["lock_reason"], version["lock_reference_id"], version["locked_by_id"]) == (
        "assessment",
        42,
        worlds.north.teacher.id,
    )
    changed = client.put(
        f"{teams_url(worlds.north_project.id)}/{worlds.north_team.id}/members",
        json={"member_ids": []},
        headers=teacher,
    )
    assert changed.json()["version"] == 2
    with session_factory() as session:
        locks = session.execute(
            select(AuditLog.entity_id, AuditLog.changes).where(
                AuditLog.action == "project_team.lock"
            )
        ).all()
    assert [tuple(row) for row in locks] == [
        (
            worlds.north_team.id,
            {"team_number": 1, "version": 1, "reason": "assessment", "reference_id": 42},
        )
    ]
