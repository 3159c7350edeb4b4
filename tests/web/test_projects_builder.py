"""The team builder: what it shows, the one layout form (moves, locked teams' new versions,
stale saves), the per-team actions, and who may use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeam, ProjectTeamMember, Role, User
from tests.factories import enroll, make_project, make_team, make_user
from tests.roster.conftest import RosterWorld
from tests.table_contents import select_stored
from tests.web.conftest import PageClient

Pages = Callable[..., PageClient]


@dataclass
class Built:
    project_id: int
    team_ids: list[int]  # by team number - 1
    members: list[list[int]]  # each team's student ids
    unassigned: list[int]  # enrolled, in no team (besides the world's student)
    names: dict[int, str]


def build(
    factory: sessionmaker[Session],
    worlds: RosterWorld,
    team_sizes: list[int],
    unassigned: int = 0,
    *,
    locked: tuple[int, ...] = (),
    status: str = "active",
    prefix: str = "Leerling",
) -> Built:
    """A project of north's course with teams 1.. of these sizes (``locked``: their numbers),
    and ``unassigned`` more enrolled students in no team."""
    with factory.begin() as session:
        school = worlds.north.school
        project = make_project(session, worlds.north.course, "Bouwweek", status)
        names: dict[int, str] = {}

        def student(label: str) -> User:
            user = make_user(
                session,
                school,
                Role.STUDENT,
                f"{label.lower().replace(' ', '.')}@north.example.org",
                label,
                student_number=f"{prefix[:2].upper()}{len(names) + 1000}",
            )
            enroll(session, worlds.north.course, user)
            names[user.id] = label
            return user

        team_ids, members = [], []
        for index, size in enumerate(team_sizes):
            people = [student(f"{prefix} {index + 1}-{n + 1}") for n in range(size)]
            team = make_team(session, project, index + 1, *people, locked=index + 1 in locked)
            team_ids.append(team.id)
            members.append([person.id for person in people])
        loose = [student(f"{prefix} los {n + 1}").id for n in range(unassigned)]
        return Built(project.id, team_ids, members, loose, names)


def current_layout(factory: sessionmaker[Session], project_id: int) -> dict[int, list[int]]:
    """Team number → sorted student ids of the project's current teams, read from the rows."""
    with factory() as session:
        rows = session.execute(
            select(ProjectTeam.team_number, ProjectTeamMember.user_id)
            .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
            .where(ProjectTeam.project_id == project_id, ProjectTeam.is_current)
        ).all()
        numbers = session.scalars(
            select(ProjectTeam.team_number).where(
                ProjectTeam.project_id == project_id, ProjectTeam.is_current
            )
        ).all()
    found: dict[int, list[int]] = {number: [] for number in numbers}
    for number, user_id in rows:
        found[number].append(user_id)
    return {number: sorted(ids) for number, ids in sorted(found.items())}


def layout_form(layout: dict[int, list[int]], unassigned: list[int]) -> list[tuple[str, str]]:
    """The builder's form as the page draws it: per student (student, was, team)."""
    fields: list[tuple[str, str]] = []
    for number, ids in layout.items():
        for student_id in ids:
            fields += [("student", str(student_id)), ("was", str(number)), ("team", str(number))]
    for student_id in unassigned:
        fields += [("student", str(student_id)), ("was", ""), ("team", "")]
    return fields


def moved(fields: list[tuple[str, str]], moves: dict[int, str]) -> list[tuple[str, str]]:
    """The form with ``moves`` (student id → team number or "") chosen."""
    out: list[tuple[str, str]] = []
    current: int | None = None
    for name, value in fields:
        if name == "student":
            current = int(value)
        if name == "team" and current in moves:
            value = moves[current]
        out.append((name, value))
    return out


def team_rows(factory: sessionmaker[Session], team_id: int) -> dict[str, Any]:
    """A team version's row and its member rows, every column."""
    with factory() as session:
        team = session.execute(
            select_stored(session, ProjectTeam).where(ProjectTeam.__table__.c.id == team_id)
        ).one()
        members = session.execute(
            select(ProjectTeamMember.__table__)
            .where(ProjectTeamMember.__table__.c.project_team_id == team_id)
            .order_by(ProjectTeamMember.__table__.c.id)
        ).all()
    return {"team": dict(team._mapping), "members": [dict(row._mapping) for row in members]}


def test_the_builder_shows_the_teams_their_members_and_who_has_no_team(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2, 3], unassigned=1, locked=(2,))
    page = pages_for("teacher").get(f"/projects/{built.project_id}/teams").text
    for team_members in built.members:
        for student_id in team_members:
            assert built.names[student_id] in page
            assert f'id="team-of-{student_id}"' in page
    assert "Leerling los 1" in page
    assert "Student" in page  # the world's student: enrolled, in no team of this project
    assert "Students without a team" in page
    assert "LE1000" in page  # student numbers
    assert "v1, not locked" in page
    assert "v1, locked by a teacher since" in page
    assert page.count('<option value="2"') == 2 + 3 + 2  # a select per student
    assert "Save layout" in page
    assert f'href="/projects/{built.project_id}/teams/{built.team_ids[0]}/history"' in page


def test_a_layout_save_moves_exactly_the_students_chosen(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [3, 3], unassigned=2)
    before = current_layout(session_factory, built.project_id)
    first, second = built.members
    world_student = worlds.north.student.id
    fields = layout_form(before, [*built.unassigned, world_student])
    choice = {first[0]: "2", second[0]: "", built.unassigned[0]: "1"}
    teacher = pages_for("teacher")
    response = teacher.post(f"/projects/{built.project_id}/teams/layout", moved(fields, choice))
    assert response.status_code == 303
    assert current_layout(session_factory, built.project_id) == {
        1: sorted([*first[1:], built.unassigned[0]]),
        2: sorted([*second[1:], first[0]]),
    }
    assert "2 teams changed" in teacher.get(response.headers["location"]).text
    # Unlocked teams are changed in place: the same ids, still version 1.
    with session_factory() as session:
        versions = session.execute(
            select(ProjectTeam.id, ProjectTeam.version).where(
                ProjectTeam.project_id == built.project_id, ProjectTeam.is_current
            )
        ).all()
    assert sorted(versions) == sorted((team_id, 1) for team_id in built.team_ids)


def test_moving_a_student_out_of_a_locked_team_makes_version_two_and_keeps_version_one(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [3, 2], locked=(1,))
    locked_id = built.team_ids[0]
    rows_before = team_rows(session_factory, locked_id)
    fields = layout_form(current_layout(session_factory, built.project_id), [])
    leaving = built.members[0][0]
    teacher = pages_for("teacher")
    response = teacher.post(
        f"/projects/{built.project_id}/teams/layout", moved(fields, {leaving: "2"})
    )
    assert response.status_code == 303
    assert "2 teams changed, 1 new version" in teacher.get(response.headers["location"]).text
    rows_after = team_rows(session_factory, locked_id)
    # Version 1 keeps every member row as it was; only its currency changed.
    assert [
        {k: v for k, v in row.items() if k != "is_current"} for row in rows_after["members"]
    ] == [{k: v for k, v in row.items() if k != "is_current"} for row in rows_before["members"]]
    assert {row["is_current"] for row in rows_after["members"]} == {False}
    unchanged = ("display_name_at_time", "team_number", "version", "locked_at", "lock_reason")
    assert {k: rows_after["team"][k] for k in unchanged} == {
        k: rows_before["team"][k] for k in unchanged
    }
    assert rows_after["team"]["is_current"] is False
    assert rows_after["team"]["superseded_at"] is not None
    with session_factory() as session:
        version_two = session.scalars(
            select(ProjectTeam).where(
                ProjectTeam.project_id == built.project_id,
                ProjectTeam.team_number == 1,
                ProjectTeam.is_current,
            )
        ).one()
        assert (version_two.version, version_two.previous_version_id) == (2, locked_id)
        assert version_two.locked_at is None
    assert current_layout(session_factory, built.project_id) == {
        1: sorted(built.members[0][1:]),
        2: sorted([*built.members[1], leaving]),
    }
    history = teacher.get(f"/projects/{built.project_id}/teams/{locked_id}/history").text
    assert "Version 2" in history
    assert "Version 1" in history
    assert "Superseded" in history
    assert history.count(built.names[leaving]) == 1  # only in version 1


def test_a_stale_layout_is_refused_and_nothing_changes(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2, 2])
    fields = layout_form(current_layout(session_factory, built.project_id), [])
    student = built.members[0][0]
    # Someone else moves the student to team 2 first.
    teacher = pages_for("teacher")
    first = teacher.post(
        f"/projects/{built.project_id}/teams/layout", moved(fields, {student: "2"})
    )
    assert first.status_code == 303
    after_first = current_layout(session_factory, built.project_id)
    stale = teacher.post(f"/projects/{built.project_id}/teams/layout", moved(fields, {student: ""}))
    assert stale.status_code == 409
    assert "Someone else changed these teams" in stale.text
    assert "Nothing was changed" in stale.text
    assert current_layout(session_factory, built.project_id) == after_first


def test_a_broken_layout_form_is_422_and_writes_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2])
    before = current_layout(session_factory, built.project_id)
    path = f"/projects/{built.project_id}/teams/layout"
    teacher = pages_for("teacher")
    for fields in (
        [("student", str(built.members[0][0])), ("was", "1")],  # no team field
        [("student", "x"), ("was", "1"), ("team", "")],
        [("student", str(built.members[0][0])), ("was", "1"), ("team", "-1")],
    ):
        response = teacher.post(path, fields)
        assert response.status_code == 422
        assert "The layout form was incomplete" in response.text
    assert current_layout(session_factory, built.project_id) == before


def test_a_student_no_longer_enrolled_cannot_be_put_in_a_team(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2])
    outsider = worlds.north.other_student.id  # a student of the school, not in the course
    fields = [("student", str(outsider)), ("was", ""), ("team", "1")]
    response = pages_for("teacher").post(f"/projects/{built.project_id}/teams/layout", fields)
    assert response.status_code == 422
    assert "Nothing was changed" in response.text
    assert current_layout(session_factory, built.project_id) == {1: sorted(built.members[0])}


def test_a_completed_project_shows_its_teams_read_only_and_refuses_saves(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2], status="completed")
    teacher = pages_for("teacher")
    page = teacher.get(f"/projects/{built.project_id}/teams").text
    assert "Save layout" not in page
    assert "Teams change only while the project is draft or active" in page
    fields = moved(
        layout_form(current_layout(session_factory, built.project_id), []),
        {built.members[0][0]: ""},
    )
    response = teacher.post(f"/projects/{built.project_id}/teams/layout", fields)
    assert response.status_code == 409
    assert "reopen the project" in response.text
    assert current_layout(session_factory, built.project_id) == {1: sorted(built.members[0])}


def test_add_rename_lock_take_out_and_remove_a_team(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2])
    base = f"/projects/{built.project_id}/teams"
    teacher = pages_for("teacher")
    assert teacher.post(base, {"name": "De Bouwers"}).status_code == 303
    with session_factory() as session:
        new = session.scalars(
            select(ProjectTeam).where(
                ProjectTeam.project_id == built.project_id, ProjectTeam.team_number == 2
            )
        ).one()
    assert (new.display_name_at_time, new.is_current, new.version) == ("De Bouwers", True, 1)
    team_id = built.team_ids[0]
    assert teacher.post(f"{base}/{team_id}/rename", {"name": "Zonnepanelen"}).status_code == 303
    assert teacher.post(f"{base}/{team_id}/lock").status_code == 303
    with session_factory() as session:
        team = session.get(ProjectTeam, team_id)
        assert team is not None
        assert (team.display_name_at_time, team.lock_reason) == ("Zonnepanelen", "teacher")
    leaving = built.members[0][0]
    response = teacher.post(f"{base}/{team_id}/members/remove", {"student_id": str(leaving)})
    assert response.status_code == 303
    flash = teacher.get(response.headers["location"]).text
    assert "The team was locked, so this is version 2." in flash
    assert current_layout(session_factory, built.project_id) == {
        1: sorted(built.members[0][1:]),
        2: [],
    }
    # The old version's id can no longer change: the builder says which is current.
    refused = teacher.post(f"{base}/{team_id}/rename", {"name": "Oud"})
    assert refused.status_code == 409
    assert "old version of team 1" in refused.text
    assert teacher.post(f"{base}/{new.id}/archive").status_code == 303
    assert current_layout(session_factory, built.project_id) == {1: sorted(built.members[0][1:])}
    with session_factory() as session:
        archived = session.get(ProjectTeam, new.id)
        assert archived is not None
        assert (archived.is_current, archived.archived_at is not None) == (False, True)


def test_an_invalid_team_name_is_422_and_nothing_changes(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [1])
    base = f"/projects/{built.project_id}/teams"
    teacher = pages_for("teacher")
    response = teacher.post(f"{base}/{built.team_ids[0]}/rename", {"name": "   "})
    assert response.status_code == 422
    assert "A team name is one line" in response.text
    assert teacher.post(base, {"name": "x" * 201}).status_code == 422
    with session_factory() as session:
        names = session.scalars(
            select(ProjectTeam.display_name_at_time).where(
                ProjectTeam.project_id == built.project_id
            )
        ).all()
    assert names == ["Team 1"]


def test_other_teachers_are_refused_and_change_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2, 1])
    before = current_layout(session_factory, built.project_id)
    other = pages_for("other_teacher")
    base = f"/projects/{built.project_id}/teams"
    fields = moved(layout_form(before, []), {built.members[0][0]: "2"})
    assert other.post(f"{base}/layout", fields).status_code == 403
    assert other.post(base, {"name": "Indringers"}).status_code == 403
    team = built.team_ids[0]
    assert other.post(f"{base}/{team}/lock").status_code == 403
    assert other.post(f"{base}/{team}/archive").status_code == 403
    assert other.post(f"{base}/generate", {"team_size": "2", "confirm": "1"}).status_code == 403
    assert pages_for("student").post(f"{base}/layout", fields).status_code == 403
    assert current_layout(session_factory, built.project_id) == before
    with session_factory() as session:
        locked = session.scalar(select(ProjectTeam.locked_at).where(ProjectTeam.id == team))
    assert locked is None


def test_another_schools_ids_are_404_and_change_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    south_project, south_team = worlds.south_project.id, worlds.south_team.id
    admin = pages_for("admin")
    base = f"/projects/{south_project}/teams"
    assert (
        admin.post(f"{base}/layout", [("student", "1"), ("was", ""), ("team", "1")]).status_code
        == 404
    )
    assert admin.post(base, {"name": "x"}).status_code == 404
    assert admin.post(f"{base}/{south_team}/lock").status_code == 404
    assert admin.post(f"{base}/from-groups").status_code == 404
    # A south team under a north project: not found either.
    north = f"/projects/{worlds.north_project.id}/teams/{south_team}"
    assert admin.post(f"{north}/archive").status_code == 404
    assert admin.get(f"{north}/history").status_code == 404
    assert current_layout(session_factory, south_project) == {1: [worlds.south.student.id]}
    with session_factory() as session:
        locked = session.scalar(select(ProjectTeam.locked_at).where(ProjectTeam.id == south_team))
    assert locked is None


def test_the_builder_speaks_dutch(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    built = build(session_factory, worlds, [2], locked=(1,))
    page = pages_for("teacher", language="nl").get(f"/projects/{built.project_id}/teams").text
    assert "Indeling opslaan" in page
    assert "Leerlingen zonder team" in page
    assert "v1, vergrendeld door een docent sinds" in page
    assert "Geen team" in page


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_the_builder_sends_the_same_statements_for_small_and_large_layouts(
    role: str, pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    small = build(session_factory, worlds, [3, 3], unassigned=1, locked=(1,), prefix="Klein")
    large = build(session_factory, worlds, [4] * 12, unassigned=5, locked=(1, 5, 9), prefix="Groot")
    pages = pages_for(role)
    response, few = pages.statements(f"/projects/{small.project_id}/teams")
    assert response.status_code == 200
    response, many = pages.statements(f"/projects/{large.project_id}/teams")
    assert response.status_code == 200
    # A team select per student: 48 in teams; without a team in this project: its 5, the
    # world's student and the 7 students of the small project (the same course).
    assert response.text.count('id="team-of-') == 12 * 4 + 5 + 1 + 7
    assert len(many) == len(few)
    history = f"/projects/{large.project_id}/teams/{large.team_ids[0]}/history"
    response, history_statements = pages.statements(history)
    assert response.status_code == 200
    assert len(history_statements) <= len(few)


def test_the_project_page_sends_the_same_statements_for_small_and_large_layouts(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    small = build(session_factory, worlds, [3, 3], prefix="Klein")
    large = build(session_factory, worlds, [4] * 12, unassigned=5, prefix="Groot")
    pages = pages_for("teacher")
    _, few = pages.statements(f"/projects/{small.project_id}")
    response, many = pages.statements(f"/projects/{large.project_id}")
    assert "<strong>12</strong> teams" in response.text
    assert "<strong>48</strong> students in a team" in response.text
    assert len(many) == len(few)
