"""Which team versions an assessment assesses, through HTTP on both engines: team writes while
it is draft or open link the new versions (locked when open) and deactivate the retired ones;
a closed assessment keeps what it assessed; the linked teams' view with completeness."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeam
from tests.assessments.lifecycle.helpers import (
    assessment_url,
    criteria_of,
    links_of,
    move,
    put_scores,
)
from tests.projects.teams.team_helpers import enrolled_students, teams_url
from tests.roster.conftest import API, RosterWorld, bearer

Factory = sessionmaker[Session]


def _layout(client: TestClient, worlds: RosterWorld, teams: dict[int, list[int]]) -> Any:
    body = {"teams": [{"team_number": n, "member_ids": m} for n, m in teams.items()]}
    response = client.put(
        teams_url(worlds.north_project.id), json=body, headers=bearer(worlds.north, "teacher")
    )
    assert response.status_code == 200, response.text
    return response.json()


def _current(
    factory: Factory, project_id: int
) -> dict[int, tuple[int, int, str | None, int | None]]:
    """team number -> (id, version, lock reason, lock reference) of the current versions."""
    with factory() as session:
        return {
            team.team_number: (team.id, team.version, team.lock_reason, team.lock_reference_id)
            for team in session.scalars(
                sa.select(ProjectTeam).where(
                    ProjectTeam.project_id == project_id, ProjectTeam.is_current
                )
            )
        }


def test_while_open_a_changed_team_links_its_new_version_locked(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = worlds.north_assessment.id
    extra = enrolled_students(factory, worlds.north, 2, "open-")
    move(shared_client, assessment_id, bearer(worlds.north, "teacher"), "open")
    _layout(shared_client, worlds, {1: [worlds.north.student.id, extra[0]], 2: [extra[1]]})
    current = _current(factory, worlds.north_project.id)
    (v2, version, reason, reference) = current[1]
    assert (version, reason, reference) == (2, "assessment", assessment_id)
    (team2, version2, reason2, reference2) = current[2]
    assert (version2, reason2, reference2) == (1, "assessment", assessment_id)
    assert links_of(factory, assessment_id) == sorted(
        [(worlds.north_team.id, False), (v2, True), (team2, True)]
    )
    teams = shared_client.get(
        assessment_url(assessment_id, "/teams"), headers=bearer(worlds.north, "teacher")
    ).json()
    assert [(t["project_team_id"], t["version"], t["locked"]) for t in teams["items"]] == [
        (v2, 2, True),
        (team2, 1, True),
    ]


def test_while_draft_new_teams_are_linked_unlocked_and_removed_ones_unlinked(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = worlds.north_assessment.id
    extra = enrolled_students(factory, worlds.north, 1, "draft-")
    # Team 1 is left out of the layout: archived. Team 2 is new.
    _layout(shared_client, worlds, {2: [worlds.north.student.id, extra[0]]})
    current = _current(factory, worlds.north_project.id)
    assert list(current) == [2]
    (team2, version, reason, reference) = current[2]
    assert (version, reason, reference) == (1, None, None)
    assert links_of(factory, assessment_id) == sorted(
        [(worlds.north_team.id, False), (team2, True)]
    )


def test_a_closed_assessment_keeps_the_versions_it_assessed(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = worlds.north_assessment.id
    extra = enrolled_students(factory, worlds.north, 1, "closed-")
    move(shared_client, assessment_id, bearer(worlds.north, "teacher"), "open", "closed")
    _layout(shared_client, worlds, {1: [worlds.north.student.id, extra[0]]})
    (_v2, version, reason, _reference) = _current(factory, worlds.north_project.id)[1]
    assert (version, reason) == (2, None)
    assert links_of(factory, assessment_id) == [(worlds.north_team.id, True)]


def test_linked_teams_show_members_and_what_each_misses(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = worlds.north_assessment.id
    teacher = bearer(worlds.north, "teacher")
    extra = enrolled_students(factory, worlds.north, 1, "sheet-")
    _layout(shared_client, worlds, {1: [worlds.north.student.id, extra[0]]})
    move(shared_client, assessment_id, teacher, "open")
    first, second = criteria_of(factory, worlds.north_rubric.id)
    # Only the first criterion has a team score; one student has an override for the second.
    put_scores(
        factory,
        assessment_id,
        worlds.north_team.id,
        {first: 3},
        {(extra[0], second): (4, "Deed het meeste werk")},
    )
    teams = shared_client.get(assessment_url(assessment_id, "/teams"), headers=teacher).json()
    assert teams == {
        "items": [
            {
                "project_team_id": worlds.north_team.id,
                "team_number": 1,
                "name": "Team 1",
                "version": 1,
                "locked": True,
                "sheet_version": 0,
                "comment": None,
                "scored": 1,
                "criteria": 2,
                "complete": False,
                "members": [
                    {
                        "id": worlds.north.student.id,
                        "name": "Student",
                        "student_number": None,
                        "complete": False,
                        "missing": [second],
                    },
                    {
                        "id": extra[0],
                        "name": "sheet- 000",
                        "student_number": "sheet--000",
                        "complete": True,
                        "missing": [],
                    },
                ],
            }
        ],
        "total": 1,
        "page": 1,
        "page_size": 50,
    }


def test_a_student_leaving_the_course_while_open_makes_a_linked_locked_version(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = worlds.north_assessment.id
    teacher = bearer(worlds.north, "teacher")
    stays = enrolled_students(factory, worlds.north, 1, "stays-")
    _layout(shared_client, worlds, {1: [worlds.north.student.id, stays[0]]})
    move(shared_client, assessment_id, teacher, "open")
    left = shared_client.delete(
        f"{API}/courses/{worlds.north.course.id}/students/{worlds.north.student.id}",
        headers=teacher,
    )
    assert left.status_code == 204, left.text
    (v2, version, reason, reference) = _current(factory, worlds.north_project.id)[1]
    assert (version, reason, reference) == (2, "assessment", assessment_id)
    assert links_of(factory, assessment_id) == sorted([(worlds.north_team.id, False), (v2, True)])
    teams = shared_client.get(assessment_url(assessment_id, "/teams"), headers=teacher).json()
    assert [[m["id"] for m in t["members"]] for t in teams["items"]] == [stays]
