"""Property: whatever sequence of team operations runs (create, set members, rename, lock,
remove, whole layouts, students leaving and rejoining the course), a student is in at most one
current team per project, member rows carry their version's currency, and a locked version's
members and fields never change (invariant 7).

Through the service functions the routes call, each operation in its own transaction like a
request; refusals (409, 422) are fine, anything else is not. One database per module, a fresh
pair of schools per example.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.audit_trail import Actor
from teameval.errors import Conflict, InvalidInput
from teameval.models import Project, ProjectTeam, ProjectTeamMember
from teameval.projects.teams import service as teams
from teameval.projects.teams.schemas import LayoutPut, LayoutTeam, TeamCreate
from teameval.roster.courses import enrollments
from tests.projects.teams.team_helpers import enrolled_students
from tests.roster.conftest import build_worlds, unique_slug

Factory = sessionmaker[Session]
STUDENT = st.integers(0, 5)
MEMBERS = st.lists(STUDENT, max_size=4)
NUMBER = st.integers(1, 3)
VERSION = st.integers(0, 12)  # an index into every version so far: old ids are tried too

OPERATIONS = st.one_of(
    st.tuples(st.just("create"), st.none() | NUMBER, MEMBERS),
    st.tuples(st.just("members"), VERSION, MEMBERS),
    st.tuples(st.just("rename"), VERSION, st.sampled_from(["A", "B"])),
    st.tuples(st.just("lock"), VERSION),
    st.tuples(st.just("remove"), VERSION),
    st.tuples(st.just("layout"), st.lists(st.tuples(NUMBER, MEMBERS), max_size=3)),
    st.tuples(st.just("unenroll"), STUDENT),
    st.tuples(st.just("enroll"), STUDENT),
)


class Scenario:
    def __init__(self, factory: Factory) -> None:
        world = build_worlds(factory, unique_slug("north"), unique_slug("south"))
        self.factory = factory
        self.project_id = world.north_project.id
        self.course_id = world.north.course.id
        self.actor = Actor(world.north.school.id, world.north.teacher.id, "property")
        self.students = [
            world.north.student.id,
            *enrolled_students(factory, world.north, 5, "prop"),
        ]
        # version id -> (its fields, its members), recorded when it was locked
        self.frozen: dict[int, tuple[tuple[Any, ...], list[int]]] = {}

    def run(self, operation: tuple[Any, ...]) -> None:
        try:
            with self.factory.begin() as session:
                getattr(self, f"op_{operation[0]}")(session, *operation[1:])
        except (Conflict, InvalidInput):
            pass  # a refusal: the transaction was rolled back
        self.record_locks()
        self.check()

    def ids(self, members: list[int]) -> list[int]:
        return [self.students[i] for i in members]

    def project(self, session: Session) -> Project:
        project = session.get(Project, self.project_id)
        assert project is not None
        return project

    def version(self, session: Session, index: int) -> ProjectTeam | None:
        versions = session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == self.project_id)
            .order_by(ProjectTeam.id)
        ).all()
        return versions[index % len(versions)] if versions else None

    def op_create(self, session: Session, number: int | None, members: list[int]) -> None:
        body = TeamCreate(team_number=number, member_ids=self.ids(members))
        teams.create_team(session, self.actor, self.project(session), body)

    def op_members(self, session: Session, index: int, members: list[int]) -> None:
        team = self.version(session, index)
        if team is not None:
            teams.set_members(session, self.actor, self.project(session), team, self.ids(members))

    def op_rename(self, session: Session, index: int, name: str) -> None:
        team = self.version(session, index)
        if team is not None:
            teams.rename_team(session, self.actor, self.project(session), team, name)

    def op_lock(self, session: Session, index: int) -> None:
        team = self.version(session, index)
        if team is not None:
            teams.lock_team(session, self.actor, self.project(session), team)

    def op_remove(self, session: Session, index: int) -> None:
        team = self.version(session, index)
        if team is not None:
            teams.remove_team(session, self.actor, self.project(session), team)

    def op_layout(self, session: Session, rows: list[tuple[int, list[int]]]) -> None:
        body = LayoutPut(teams=[LayoutTeam(team_number=n, member_ids=self.ids(m)) for n, m in rows])
        teams.set_layout(session, self.actor, self.project(session), body)

    def op_unenroll(self, session: Session, student: int) -> None:
        enrollments.unenroll(session, self.actor, [(self.course_id, self.students[student])])

    def op_enroll(self, session: Session, student: int) -> None:
        enrollments.enroll(session, self.actor, [(self.course_id, self.students[student])])

    def snapshot(self, session: Session, team_id: int) -> tuple[tuple[Any, ...], list[int]]:
        team = session.get(ProjectTeam, team_id, populate_existing=True)
        assert team is not None
        fields = (
            team.team_number,
            team.display_name_at_time,
            team.version,
            team.previous_version_id,
            team.locked_at,
            team.lock_reason,
            team.locked_by_id,
            team.created_at,
        )
        members = sorted(
            session.scalars(
                select(ProjectTeamMember.user_id).where(
                    ProjectTeamMember.project_team_id == team_id
                )
            )
        )
        return fields, members

    def record_locks(self) -> None:
        with self.factory() as session:
            locked = session.scalars(
                select(ProjectTeam.id).where(
                    ProjectTeam.project_id == self.project_id, ProjectTeam.locked_at.is_not(None)
                )
            ).all()
            for team_id in locked:
                if team_id not in self.frozen:
                    self.frozen[team_id] = self.snapshot(session, team_id)

    def check(self) -> None:
        with self.factory() as session:
            doubled = session.execute(
                select(ProjectTeamMember.user_id, func.count())
                .join(ProjectTeam, ProjectTeam.id == ProjectTeamMember.project_team_id)
                .where(ProjectTeam.project_id == self.project_id, ProjectTeam.is_current)
                .group_by(ProjectTeamMember.user_id)
                .having(func.count() > 1)
            ).all()
            assert doubled == []
            out_of_step = session.scalar(
                select(func.count())
                .select_from(ProjectTeamMember)
                .join(ProjectTeam, ProjectTeam.id == ProjectTeamMember.project_team_id)
                .where(
                    ProjectTeam.project_id == self.project_id,
                    ProjectTeamMember.is_current != ProjectTeam.is_current,
                )
            )
            assert out_of_step == 0
            numbers = session.execute(
                select(ProjectTeam.team_number, func.count())
                .where(ProjectTeam.project_id == self.project_id, ProjectTeam.is_current)
                .group_by(ProjectTeam.team_number)
                .having(func.count() > 1)
            ).all()
            assert numbers == []
            for team_id, frozen in self.frozen.items():
                assert self.snapshot(session, team_id) == frozen, team_id


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=10))
def test_one_current_team_per_student_and_locked_versions_never_change(
    shared_session_factory: Factory, operations: list[tuple[Any, ...]]
) -> None:
    scenario = Scenario(shared_session_factory)
    for operation in operations:
        scenario.run(operation)
