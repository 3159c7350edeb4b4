"""Teams from a source on the builder (legacy groups, clone, generate): a preview that writes
nothing, then the same teams the API's services make."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.access.principal import Principal
from teameval.models import GroupMember, Project, ProjectTeam, ProjectTeamMember, Role, User
from teameval.projects.teams.sources import service as sources
from tests.factories import enroll, make_group, make_project, make_team, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

Pages = Callable[..., PageClient]
Teams = list[tuple[int, str, list[int]]]


def teams_of(factory: sessionmaker[Session], project_id: int) -> Teams:
    """(number, name, sorted members) of the project's current teams."""
    with factory() as session:
        teams = session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == project_id, ProjectTeam.is_current)
            .order_by(ProjectTeam.team_number)
        ).all()
        members = session.execute(
            select(ProjectTeamMember.project_team_id, ProjectTeamMember.user_id).where(
                ProjectTeamMember.project_id == project_id, ProjectTeamMember.is_current
            )
        ).all()
    return [
        (
            team.team_number,
            team.display_name_at_time,
            sorted(user for team_id, user in members if team_id == team.id),
        )
        for team in teams
    ]


def what_the_service_makes(
    factory: sessionmaker[Session], project_id: int, run: Callable[[Session, Project], Any]
) -> Teams:
    """The teams the API's service makes for the project, in a transaction rolled back."""
    session = factory()
    try:
        session.begin()
        project = session.get(Project, project_id)
        assert project is not None
        result = run(session, project)
        return sorted(
            (team.team_number, team.name, sorted(member.id for member in team.members))
            for team in result.teams
        )
    finally:
        session.rollback()
        session.close()


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        school_id=user.school_id,
        role=Role(user.role),
        email=user.email,
        name=user.name,
    )


def students(
    factory: sessionmaker[Session], worlds: RosterWorld, *labels: str, enrolled: bool = True
) -> list[int]:
    with factory.begin() as session:
        made = [
            make_user(
                session,
                worlds.north.school,
                Role.STUDENT,
                f"{label.lower()}@north.example.org",
                label,
            )
            for label in labels
        ]
        if enrolled:
            enroll(session, worlds.north.course, *made)
        return [user.id for user in made]


def new_project(factory: sessionmaker[Session], worlds: RosterWorld, status: str = "draft") -> int:
    with factory.begin() as session:
        return make_project(session, worlds.north.course, "Nieuwe week", status).id


@pytest.mark.legacy
def test_copy_from_groups_previews_then_makes_the_services_teams(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    anna, bram = students(session_factory, worlds, "Anna", "Bram")
    (outsider,) = students(session_factory, worlds, "Buiten", enrolled=False)
    with session_factory.begin() as session:
        group = make_group(session, worlds.north.course, 2)
        for user_id in (anna, bram, outsider):
            session.add(
                GroupMember(
                    school_id=group.school_id,
                    group_id=group.id,
                    course_id=group.course_id,
                    user_id=user_id,
                )
            )
    project_id = new_project(session_factory, worlds)
    path = f"/projects/{project_id}/teams/from-groups"
    teacher = pages_for("teacher")
    preview = teacher.post(path)
    assert preview.status_code == 200
    assert "Preview: nothing is saved yet." in preview.text
    assert "OO-4A team 2" in preview.text
    assert "Anna, Bram" in preview.text
    assert "Buiten: not actively enrolled in the course" in preview.text
    assert "2 teams changed" in preview.text
    assert teams_of(session_factory, project_id) == []
    teacher_user = worlds.north.teacher
    expected = what_the_service_makes(
        session_factory,
        project_id,
        lambda s, p: sources.teams_from_groups(s, principal_of(teacher_user).actor, p),
    )
    applied = teacher.post(path, {"confirm": "1"})
    assert applied.status_code == 303
    assert "1 student skipped" in teacher.get(applied.headers["location"]).text
    assert teams_of(session_factory, project_id) == expected
    assert expected == [
        (1, "OO-4A team 1", [worlds.north.student.id]),
        (2, "OO-4A team 2", sorted([anna, bram])),
    ]


def test_clone_previews_then_makes_the_services_teams(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    carla, daan = students(session_factory, worlds, "Carla", "Daan")
    with session_factory.begin() as session:
        source = session.get(Project, worlds.north_project.id)
        assert source is not None
        users = [session.get(User, carla), session.get(User, daan)]
        make_team(session, source, 2, *[user for user in users if user is not None])
    project_id = new_project(session_factory, worlds)
    path = f"/projects/{project_id}/teams/clone"
    teacher = pages_for("teacher")
    builder = teacher.get(f"/projects/{project_id}/teams").text
    assert f'<option value="{worlds.north_project.id}">Projectweek</option>' in builder
    preview = teacher.post(path, {"source_project_id": str(worlds.north_project.id)})
    assert preview.status_code == 200
    assert "Copy the teams of “Projectweek”" in preview.text
    assert "Carla, Daan" in preview.text
    assert teams_of(session_factory, project_id) == []
    principal = principal_of(worlds.north.teacher)
    expected = what_the_service_makes(
        session_factory,
        project_id,
        lambda s, p: sources.clone_teams(s, principal, p, worlds.north_project.id),
    )
    applied = teacher.post(
        path, {"source_project_id": str(worlds.north_project.id), "confirm": "1"}
    )
    assert applied.status_code == 303
    assert teams_of(session_factory, project_id) == expected
    assert [members for _, _, members in expected] == [
        [worlds.north.student.id],
        sorted([carla, daan]),
    ]


def test_clone_from_another_course_or_school_is_refused_on_the_builder(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        elsewhere = make_project(session, worlds.north.other_course, "Ander vak").id
    project_id = new_project(session_factory, worlds)
    path = f"/projects/{project_id}/teams/clone"
    admin = pages_for("admin")
    other_course = admin.post(path, {"source_project_id": str(elsewhere), "confirm": "1"})
    assert other_course.status_code == 422
    assert "belongs to another course" in other_course.text
    assert "Nothing was changed" in other_course.text
    south = admin.post(path, {"source_project_id": str(worlds.south_project.id)})
    assert south.status_code == 404
    assert "does not exist" in south.text
    empty = admin.post(path, {"source_project_id": ""})
    assert empty.status_code == 422
    assert "Choose the project to copy the teams from." in empty.text
    assert teams_of(session_factory, project_id) == []


def test_generate_previews_with_a_seed_and_applies_exactly_that_layout(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    students(session_factory, worlds, "Eva", "Finn", "Gijs", "Hanna", "Ilse")
    project_id = new_project(session_factory, worlds)
    path = f"/projects/{project_id}/teams/generate"
    teacher = pages_for("teacher")
    preview = teacher.post(path, {"team_size": "2", "include": "all"})
    assert preview.status_code == 200
    seed = re.search(r'name="seed" value="(\d+)"', preview.text)
    assert seed is not None
    assert "3 teams changed" in preview.text  # 6 students by 2
    assert teams_of(session_factory, project_id) == []
    actor = principal_of(worlds.north.teacher).actor
    expected = what_the_service_makes(
        session_factory,
        project_id,
        lambda s, p: sources.generate_teams(s, actor, p, 2, int(seed.group(1)), "all"),
    )
    for number, _, members in expected:  # what the preview showed is what is applied
        with session_factory() as session:
            names = sorted(
                session.scalars(select(User.name).where(User.id.in_(members))), key=str.lower
            )
        assert f"<td>{', '.join(names)}</td>" in preview.text, number
    applied = teacher.post(
        path, {"team_size": "2", "include": "all", "seed": seed.group(1), "confirm": "1"}
    )
    assert applied.status_code == 303
    assert teams_of(session_factory, project_id) == expected
    assert sorted(len(members) for _, _, members in expected) == [2, 2, 2]


def test_generate_refuses_a_bad_team_size_and_writes_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    project_id = new_project(session_factory, worlds)
    path = f"/projects/{project_id}/teams/generate"
    for size in ("1", "51", "vier", ""):
        response = pages_for("teacher").post(path, {"team_size": size, "confirm": "1"})
        assert response.status_code == 422
        assert "Enter a team size from 2 to 50." in response.text
    assert teams_of(session_factory, project_id) == []


def test_generate_for_students_without_a_team_keeps_the_existing_teams(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    new = students(session_factory, worlds, "Jan", "Kim", "Lot", "Mo")
    project_id = worlds.north_project.id
    before = teams_of(session_factory, project_id)
    response = pages_for("teacher").post(
        f"/projects/{project_id}/teams/generate",
        {"team_size": "2", "include": "unassigned", "seed": "11", "confirm": "1"},
    )
    assert response.status_code == 303
    after = teams_of(session_factory, project_id)
    assert after[0] == before[0]
    assert [number for number, _, _ in after] == [1, 2, 3]
    assert sorted(m for _, _, members in after[1:] for m in members) == sorted(new)
