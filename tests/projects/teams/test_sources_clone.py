"""POST /projects/{id}/teams/clone: another project of the same course's current teams."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.models import CourseEnrollment, Project, ProjectTeam, User
from teameval.models.base import utcnow
from tests.factories import make_project, make_team
from tests.projects.teams.sources_support import Factory, layout, students, tables
from tests.roster.conftest import API, RosterWorld, bearer


def _source(factory: Factory, worlds: RosterWorld) -> tuple[int, list[int]]:
    """A completed project of the same course: team 2 "Gamma" [a, b] (b is then unenrolled),
    team 3 [c] copied from the legacy group; plus an archived (non-current) version."""
    north = worlds.north
    a, b, c = students(factory, north.course, 3, prefix="src")
    with factory.begin() as session:
        source = make_project(session, north.course, "Earlier", status="completed")
        people = {
            user.id: user for user in session.scalars(sa.select(User).where(User.id.in_([a, b, c])))
        }
        gamma = make_team(session, source, 2, people[a], people[b], locked=True)
        gamma.display_name_at_time = "Gamma"
        old = make_team(session, source, 4, people[c])
        old.is_current = False
        old.archived_at = utcnow()
        session.flush()  # its member rows follow (ON UPDATE CASCADE)
        three = make_team(session, source, 3, people[c])
        if worlds.north_group is not None:  # a legacy link: the clone carries it
            three.team_id = worlds.north_group.id
        session.execute(
            sa.update(CourseEnrollment).where(CourseEnrollment.student_id == b).values(active=False)
        )
        return source.id, [a, b, c, gamma.id]


def test_clone_copies_numbers_names_members_and_reports_the_unenrolled(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    source_id, (a, b, c, gamma_id) = _source(session_factory, worlds)
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/clone",
        json={"source_project_id": source_id},
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skipped"] == [
        {
            "student_id": b,
            "reason": "not actively enrolled in the course",
            "group_id": None,
            "team_id": gamma_id,
        }
    ]
    assert sorted((c_["team_number"], c_["action"]) for c_ in body["changes"]) == [
        (1, "archive"),
        (2, "create"),
        (3, "create"),
    ]
    expected = [
        {
            "team_number": 2,
            "name": "Gamma",
            "version": 1,
            "is_current": True,
            "backfill_source": "clone",
            "team_id": None,
            "members": [a],
        },
        {
            "team_number": 3,
            "name": "Team 3",
            "version": 1,
            "is_current": True,
            "backfill_source": "clone",
            "team_id": worlds.north_group.id if worlds.north_group else None,
            "members": [c],
        },
    ]
    assert layout(session_factory, worlds.north_project.id) == expected
    assert [
        (team["team_number"], team["name"], [m["id"] for m in team["members"]], team["locked"])
        for team in body["teams"]
    ] == [(2, "Gamma", [a], False), (3, "Team 3", [c], False)]
    # The source project is untouched.
    assert [t["members"] for t in layout(session_factory, source_id)] == [[a, b], [c]]


def test_clone_onto_a_locked_team_makes_version_2(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    (kim,) = students(session_factory, north.course, 1, prefix="kim")
    with session_factory.begin() as session:
        source = make_project(session, north.course, "Other")
        make_team(
            session,
            source,
            1,
            *session.scalars(sa.select(User).where(User.id.in_([north.student.id, kim]))),
        )
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.id == worlds.north_team.id)
            .values(locked_at=sa.func.now(), lock_reason="teacher")
        )
        source_id = source.id
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/clone",
        json={"source_project_id": source_id},
        headers=bearer(north, "admin"),
    )
    assert response.status_code == 200, response.text
    assert layout(session_factory, worlds.north_project.id, current=False) == [
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 1,
            "is_current": False,
            "backfill_source": None,
            "team_id": None,
            "members": [north.student.id],
        },
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 2,
            "is_current": True,
            "backfill_source": "clone",
            "team_id": None,
            "members": sorted([north.student.id, kim]),
        },
    ]


def test_another_course_is_422_and_another_school_or_an_invisible_project_404(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        elsewhere = make_project(session, north.other_course, "Elsewhere").id
    before = tables(session_factory)
    path = f"{API}/projects/{worlds.north_project.id}/teams/clone"

    response = client.post(
        path, json={"source_project_id": elsewhere}, headers=bearer(north, "admin")
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [
        {
            "field": "source_project_id",
            "message": f"Project {elsewhere} belongs to another course; teams are cloned only "
            f"from a project of the same course (course {north.course.id}).",
        }
    ]
    # The teacher of the course does not teach the other one: its project is invisible to them.
    for source_id in (elsewhere, worlds.south_project.id, 2**31 - 1):
        response = client.post(
            path, json={"source_project_id": source_id}, headers=bearer(north, "teacher")
        )
        assert response.status_code == 404, source_id
        assert response.json()["detail"] == f"Project {source_id} does not exist."
    response = client.post(path, json={"source_project_id": 0}, headers=bearer(north, "teacher"))
    assert response.status_code == 422
    assert tables(session_factory) == before
    with session_factory() as session:
        assert session.get(Project, elsewhere) is not None
