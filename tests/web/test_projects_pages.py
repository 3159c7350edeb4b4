"""The projects list, the create form and the project page with its status transitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, Project
from tests.factories import make_project
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

Pages = Callable[..., PageClient]


def _project(factory: sessionmaker[Session], project_id: int) -> Project:
    with factory() as session:
        found = session.get(Project, project_id)
        assert found is not None
        session.expunge(found)
        return found


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Project)) or 0)


def _make(factory: sessionmaker[Session], worlds: RosterWorld, title: str, status: str) -> int:
    with factory.begin() as session:
        return make_project(session, worlds.north.course, title, status).id


def test_each_role_sees_the_projects_of_its_courses(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        make_project(session, worlds.north.other_course, "Waterzuivering", "draft")
        make_project(session, worlds.south.course, "Zuidproject", "active")
    teacher = pages_for("teacher").get("/projects").text
    assert "Projectweek" in teacher
    assert "Waterzuivering" not in teacher
    other = pages_for("other_teacher").get("/projects").text
    assert "Waterzuivering" in other
    assert "Projectweek" not in other
    admin = pages_for("admin").get("/projects").text
    assert "Projectweek" in admin
    assert "Waterzuivering" in admin
    assert "Zuidproject" not in admin
    assert "2 projects" in admin


def test_the_list_filters_by_course_and_status(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    _make(session_factory, worlds, "Oud project", "completed")
    with session_factory.begin() as session:
        make_project(session, worlds.north.other_course, "Ander vak", "active")
    admin = pages_for("admin")
    completed = admin.get("/projects?status=completed").text
    assert "Oud project" in completed
    assert "Projectweek" not in completed
    by_course = admin.get(f"/projects?course_id={worlds.north.other_course.id}").text
    assert "Ander vak" in by_course
    assert "Projectweek" not in by_course
    # A status or course that means nothing filters nothing out, rather than failing.
    assert "Projectweek" in admin.get("/projects?status=bogus&course_id=x").text


def test_creating_a_project_writes_a_draft_and_opens_it(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    teacher = pages_for("teacher")
    response = teacher.post(
        "/projects",
        {
            "course_id": str(worlds.north.course.id),
            "title": "  Duurzaam schoolplein ",
            "description": "Ontwerp een groen plein.",
            "start_date": "2026-02-02",
            "end_date": "2026-03-27",
        },
    )
    assert response.status_code == 303
    project_id = int(response.headers["location"].rsplit("/", 1)[1])
    project = _project(session_factory, project_id)
    assert (project.title, project.status, project.course_id) == (
        "Duurzaam schoolplein",
        "draft",
        worlds.north.course.id,
    )
    assert (project.start_date, project.end_date) == (date(2026, 2, 2), date(2026, 3, 27))
    assert project.description == "Ontwerp een groen plein."
    page = teacher.get(response.headers["location"])
    assert "Duurzaam schoolplein" in page.text
    assert "created." in page.text
    with session_factory() as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == project_id)
        ).all()
    assert "project.create" in actions


def test_an_invalid_project_is_refused_with_each_message_and_nothing_written(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    before = _count(session_factory)
    response = pages_for("teacher").post(
        "/projects",
        {
            "course_id": str(worlds.north.course.id),
            "title": "   ",
            "start_date": "2026-03-01",
            "end_date": "2026-02-01",
            "description": "kept",
        },
    )
    assert response.status_code == 422
    assert "Give the project a title." in response.text
    assert "The end date is before the start date." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "kept" in response.text
    assert 'value="2026-03-01"' in response.text
    bad_date = pages_for("teacher").post(
        "/projects",
        {"course_id": str(worlds.north.course.id), "title": "X", "start_date": "1 maart"},
    )
    assert bad_date.status_code == 422
    assert "year-month-day" in bad_date.text
    assert _count(session_factory) == before


def test_a_course_the_caller_does_not_teach_or_of_another_school_is_refused(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    before = _count(session_factory)
    for course_id in (worlds.north.other_course.id, worlds.south.course.id, 0):
        response = pages_for("teacher").post(
            "/projects", {"course_id": str(course_id), "title": "Niet van mij"}
        )
        assert response.status_code == 422
        assert "Choose one of your courses." in response.text
    assert pages_for("student").post("/projects", {"title": "x"}).status_code == 403
    assert _count(session_factory) == before


def test_the_status_buttons_follow_the_lifecycle(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    project_id = _make(session_factory, worlds, "Levensloop", "draft")
    teacher = pages_for("teacher")
    page = teacher.get(f"/projects/{project_id}").text
    assert "Start the project (active)" in page
    assert "Archive the project" in page
    assert "Mark as completed" not in page
    response = teacher.post(f"/projects/{project_id}/status", {"status": "active"})
    assert response.status_code == 303
    assert _project(session_factory, project_id).status == "active"
    assert "The project is now “Active”." in teacher.get(f"/projects/{project_id}").text
    assert (
        teacher.post(f"/projects/{project_id}/status", {"status": "completed"}).status_code == 303
    )
    page = teacher.get(f"/projects/{project_id}").text
    assert "Reopen the project (active)" in page
    assert teacher.post(f"/projects/{project_id}/status", {"status": "active"}).status_code == 303
    assert _project(session_factory, project_id).status == "active"


def test_a_refused_transition_shows_the_reason_and_changes_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    project_id = _make(session_factory, worlds, "Levensloop", "active")
    teacher = pages_for("teacher")
    refused = teacher.post(f"/projects/{project_id}/status", {"status": "draft"})
    assert refused.status_code == 409
    assert "cannot go from active to draft" in refused.text
    assert "This could not be done" in refused.text
    unknown = teacher.post(f"/projects/{project_id}/status", {"status": "finished"})
    assert unknown.status_code == 422
    assert _project(session_factory, project_id).status == "active"
    archived = _make(session_factory, worlds, "Weg", "archived")
    page = teacher.get(f"/projects/{archived}").text
    assert "read-only" in page
    assert 'name="status"' not in page
    again = teacher.post(f"/projects/{archived}/status", {"status": "active"})
    assert again.status_code == 409
    assert _project(session_factory, archived).status == "archived"


def test_other_teachers_and_other_schools_change_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    north, south = worlds.north_project.id, worlds.south_project.id
    forbidden = pages_for("other_teacher").post(
        f"/projects/{north}/status", {"status": "completed"}
    )
    assert forbidden.status_code == 403
    assert (
        pages_for("student").post(f"/projects/{north}/status", {"status": "completed"}).status_code
        == 403
    )
    missing = pages_for("admin").post(f"/projects/{south}/status", {"status": "completed"})
    assert missing.status_code == 404
    assert _project(session_factory, north).status == "active"
    assert _project(session_factory, south).status == "active"


def test_the_project_page_links_the_builder_and_assessments(
    pages_for: Pages, worlds: RosterWorld
) -> None:
    project_id = worlds.north_project.id
    page = pages_for("teacher").get(f"/projects/{project_id}").text
    assert f'href="/projects/{project_id}/teams"' in page
    assert f'href="/assessments?project_id={project_id}"' in page
    assert f'href="/assessments/new?project_id={project_id}"' in page
    # One team holding the world's student; nobody else is enrolled.
    assert "<strong>1</strong> teams" in page
    assert "<strong>0</strong> students without a team" in page


def test_the_project_page_speaks_dutch(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        project = session.get(Project, worlds.north_project.id)
        assert project is not None
        project.start_date, project.end_date = date(2026, 2, 2), date(2026, 3, 27)
    page = pages_for("teacher", language="nl").get(f"/projects/{worlds.north_project.id}").text
    assert '<html lang="nl"' in page
    assert "Teamindeling openen" in page
    assert "Actief" in page
    assert "Afronden" in page
    assert "2 feb 2026" in page  # Dutch date format
    listing = pages_for("teacher", language="nl").get("/projects").text
    assert "Nieuw project" in listing
    assert "1 project" in listing


def test_the_list_sends_the_same_statements_for_few_and_many_projects(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    response, few = admin.statements("/projects")
    assert response.status_code == 200
    with session_factory.begin() as session:
        for number in range(30):
            make_project(session, worlds.north.course, f"Project {number}", "draft")
    response, many = admin.statements("/projects")
    assert response.status_code == 200
    assert "Project 29" in response.text
    assert len(many) == len(few)
