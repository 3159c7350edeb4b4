"""Fixtures for the roster API tests.

Two ways to get a world of two schools (``north``, the caller's, and ``south``, another):

- ``worlds`` on the suite's per-test database (``client``), for behaviour tests;
- ``shared_worlds`` on one database per test module (``shared_client``): every test gets two
  fresh schools with unique slugs, so tests stay isolated by tenant (invariant 1) without paying
  for a new database each. The role matrix and the property test run hundreds of cases this way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from teameval.models import (
    CourseEnrollment,
    Group,
    GroupMember,
    PeerEvaluation,
    Project,
    ProjectAssessment,
    ProjectTeam,
    Rubric,
)
from teameval.peer.schemas import PeerEvaluationCreate
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.factories import make_assessment
from tests.databases import throwaway_postgres, throwaway_sqlite
from tests.factories import SchoolWorld, make_group, make_project, make_team, make_world

API = "/api/v1"
SECRET = "test-secret-key-" + "x" * 32
Headers = dict[str, str]


@dataclass
class RosterWorld:
    """Two schools; each ``student`` enrolled in ``course`` and in its team 1 (``*_group``), and
    an active project of ``course`` (``*_project``) whose team 1 (``*_team``) holds ``student``."""

    north: SchoolWorld
    south: SchoolWorld
    north_group: Group | None  # None on a retired database
    south_group: Group | None
    north_project: Project
    south_project: Project
    north_team: ProjectTeam
    south_team: ProjectTeam
    # A project rubric made by each school's ``teacher`` (issue 10).
    north_rubric: Rubric
    south_rubric: Rubric
    # A draft assessment of ``*_project`` against ``*_rubric``, linking ``*_team`` (issue 10).
    north_assessment: ProjectAssessment
    south_assessment: ProjectAssessment
    # With ``peer`` (the route table's tests): a peer rubric made by each school's ``teacher``,
    # and a draft peer evaluation of ``*_project`` against it (issue 13). Without it, None: the
    # peer, rubric and assessment tests count their own.
    north_peer_rubric: Rubric | None = None
    south_peer_rubric: Rubric | None = None
    north_evaluation: PeerEvaluation | None = None
    south_evaluation: PeerEvaluation | None = None


def _draft_evaluation(
    session: Session, project: Project, rubric: Rubric, world: SchoolWorld
) -> PeerEvaluation:
    """A draft peer evaluation with the service's defaults, straight through the ORM (like
    ``make_assessment``): no audit row, so tests that count the audit log count only theirs."""
    defaults = PeerEvaluationCreate(title="Peer review", rubric_id=rubric.id)
    evaluation = PeerEvaluation(
        school_id=project.school_id,
        project_id=project.id,
        rubric_id=rubric.id,
        created_by_id=world.teacher.id,
        title=defaults.title,
        include_self=defaults.include_self,
        status="draft",
        model=defaults.model.value,
        weighting=defaults.weighting,
        non_submitter=defaults.non_submitter.value,
        penalty=defaults.penalty,
    )
    session.add(evaluation)
    session.flush()
    return evaluation


def build_worlds(
    factory: sessionmaker[Session], north: str, south: str, *, peer: bool = False
) -> RosterWorld:
    with factory.begin() as session:
        schools = [make_world(session, north), make_world(session, south)]
        legacy_tables = sa.inspect(session.connection()).has_table("groups")
        groups: list[Group | None] = []
        projects, teams = [], []
        for world in schools:
            school_id = world.school.id
            session.add(
                CourseEnrollment(
                    school_id=school_id, course_id=world.course.id, student_id=world.student.id
                )
            )
            # No legacy team on a retired database (TEAMEVAL_TEST_LEGACY=retired).
            group = make_group(session, world.course, 1) if legacy_tables else None
            if group is not None:
                member = GroupMember(
                    school_id=school_id,
                    group_id=group.id,
                    course_id=group.course_id,
                    user_id=world.student.id,
                )
                session.add(member)
            groups.append(group)
            project = make_project(session, world.course)
            projects.append(project)
            teams.append(make_team(session, project, 1, world.student))
        rubrics = [make_rubric(session, world.teacher) for world in schools]
        assessments = [
            make_assessment(session, project, rubric, world.teacher)
            for world, project, rubric in zip(schools, projects, rubrics, strict=True)
        ]
        peer_rubrics: list[Rubric | None] = [None, None]
        evaluations: list[PeerEvaluation | None] = [None, None]
        if peer:
            peer_rubrics = [
                make_rubric(session, world.teacher, "Peer", scope="peer") for world in schools
            ]
            evaluations = [
                _draft_evaluation(session, project, rubric, world)
                for world, project, rubric in zip(schools, projects, peer_rubrics, strict=True)
                if rubric is not None
            ]
    return RosterWorld(
        schools[0],
        schools[1],
        groups[0],
        groups[1],
        projects[0],
        projects[1],
        teams[0],
        teams[1],
        rubrics[0],
        rubrics[1],
        assessments[0],
        assessments[1],
        peer_rubrics[0],
        peer_rubrics[1],
        evaluations[0],
        evaluations[1],
    )


def bearer(world: SchoolWorld, role: str) -> Headers:
    """Headers for a role of ``world``, signed directly: the login route (and its deliberately
    slow password hash) is tested in test_auth_api; here it would only cost time."""
    user = getattr(world, role)
    claims = TokenClaims(user_id=user.id, school_id=world.school.id)
    return {"Authorization": f"Bearer {issue_token(claims, SECRET, timedelta(minutes=30))}"}


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SECRET)


def _walks_the_route_table(request: pytest.FixtureRequest) -> bool:
    """Whether the test's module walks tests/roster/routes_table.py's ``ROUTES`` (whose peer
    routes need ``NE``); the other tests that borrow these fixtures (peer, rubrics,
    assessments, projects) count the rubrics and evaluations they make themselves."""
    from tests.roster import routes_table  # here: it imports this module

    return getattr(request.module, "ROUTES", None) is routes_table.ROUTES


@pytest.fixture
def worlds(request: pytest.FixtureRequest, session_factory: sessionmaker[Session]) -> RosterWorld:
    return build_worlds(session_factory, "north", "south", peer=_walks_the_route_table(request))


@pytest.fixture
def headers_for(worlds: RosterWorld) -> Callable[[str], Headers]:
    return lambda role: bearer(worlds.north, role)


@pytest.fixture
def admin(worlds: RosterWorld) -> Headers:
    return bearer(worlds.north, "admin")


@pytest.fixture
def teacher(worlds: RosterWorld) -> Headers:
    return bearer(worlds.north, "teacher")


# --- one database per module -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_db_url(
    backend: str, _migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if backend == "sqlite":
        directory: Path = tmp_path_factory.mktemp("shared")
        with throwaway_sqlite(directory, template=Path(_migrated_template)) as url:
            yield url
        return
    with throwaway_postgres(template=_migrated_template) as url:
        yield url


@pytest.fixture(scope="module")
def shared_engine(shared_db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(shared_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def shared_session_factory(shared_engine: sa.Engine) -> sessionmaker[Session]:
    return make_session_factory(shared_engine)


def app_client(url: str, **overrides: object) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, secret_key=SECRET, **overrides)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shared_client(shared_db_url: str) -> Iterator[TestClient]:
    with app_client(shared_db_url) as client:
        yield client


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def shared_worlds(
    request: pytest.FixtureRequest, shared_session_factory: sessionmaker[Session]
) -> RosterWorld:
    return build_worlds(
        shared_session_factory,
        unique_slug("north"),
        unique_slug("south"),
        peer=_walks_the_route_table(request),
    )
