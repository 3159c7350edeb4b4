"""Every route of the app, with the roles allowed to call it (the role matrix), and a request that
succeeds for a caller allowed to make it. ``test_route_table_is_complete`` fails when a route of
the app is neither here nor in ``EXEMPT`` (and when an ``EXEMPT`` entry names no route).

Paths and bodies are templates formatted with ``N`` (north, the caller's school), ``S`` (south,
another school), ``NG``/``SG`` (each school's legacy team 1 of ``course``), ``NP``/``SP`` (each
school's active project of ``course``), ``NT``/``ST`` (that project's team 1, holding
``student``), ``NR``/``SR`` (each school's rubric, made by ``teacher``) and ``NA``/``SA``
(each school's draft assessment of that project against that rubric, linking team 1),
``NPR``/``SPR`` (each school's peer rubric) and ``NE``/``SE`` (each school's draft peer
evaluation of that project against that peer rubric; a world built with ``peer``), so the same
table drives the role matrix and the other-school 404s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from tests.roster.conftest import API, Headers, RosterWorld

ROLES = ("admin", "teacher", "other_teacher", "student")
ADMIN_ONLY = {"admin": True, "teacher": False, "other_teacher": False, "student": False}
TEACHES = {"admin": True, "teacher": True, "other_teacher": False, "student": False}
VIEWS = {"admin": True, "teacher": True, "other_teacher": False, "student": True}
EVERYONE = dict.fromkeys(ROLES, True)
STAFF = {"admin": True, "teacher": True, "other_teacher": True, "student": False}


class Multipart(dict[str, Any]):
    """A body sent as multipart form data: ``file`` is (filename, bytes, media type)."""


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    ok: int
    allowed: dict[str, bool]
    body: dict[str, Any] | None = None
    legacy: bool = False  # a legacy team route: 410 Gone when legacy groups are off
    # Templates that point one id at the other school; each must answer 404.
    foreign: tuple[tuple[str, dict[str, Any] | None], ...] = field(default=())


COURSE = "/courses/{N.course.id}"
STUDENTS = "/admin/students/{N.student.id}"

CSV = b"email,name\r\nnew@north.example.org,New Student\r\n"
NEW_RUBRIC = {
    "title": "New rubric",
    "scope": "project",
    "scale_min": 1,
    "scale_max": 5,
    "criteria": [{"name": "Teamwork", "weight": "2"}],
}
RUBRIC_JSON = json.dumps(NEW_RUBRIC).encode()
TEAMS_CSV = b"team_number,email\r\n1,student@north.example.org\r\n"
SHEET = "/assessments/{NA.id}/teams/{NT.id}/scores"
PEER = "/peer-evaluations/{NE.id}"
MINE_PEER = "/me/peer-evaluations/{NE.id}"

ROUTES = [
    Route("me", "GET", "/auth/me", 200, EVERYONE),
    Route(
        "import students",
        "POST",
        "/admin/students/import",
        200,
        ADMIN_ONLY,
        Multipart(file=("students.csv", CSV, "text/csv"), mode="preview"),
    ),
    Route("export students", "GET", "/admin/students/export.csv", 200, ADMIN_ONLY),
    Route("create course", "POST", "/courses", 201, ADMIN_ONLY, {"code": "NEW-1", "name": "New"}),
    Route("list courses", "GET", "/courses", 200, EVERYONE),
    Route("my courses", "GET", "/me/courses", 200, EVERYONE),
    Route("get course", "GET", COURSE, 200, VIEWS, foreign=(("/courses/{S.course.id}", None),)),
    Route(
        "update course",
        "PATCH",
        COURSE,
        200,
        ADMIN_ONLY,
        {"name": "Renamed"},
        foreign=(("/courses/{S.course.id}", {"name": "Renamed"}),),
    ),
    Route(
        "deactivate course",
        "POST",
        COURSE + "/deactivate",
        200,
        ADMIN_ONLY,
        foreign=(("/courses/{S.course.id}/deactivate", None),),
    ),
    Route(
        "activate course",
        "POST",
        COURSE + "/activate",
        200,
        ADMIN_ONLY,
        foreign=(("/courses/{S.course.id}/activate", None),),
    ),
    Route(
        "assign teacher",
        "POST",
        COURSE + "/teachers",
        201,
        ADMIN_ONLY,
        {"user_id": "{N.other_teacher.id}"},
        foreign=(
            ("/courses/{S.course.id}/teachers", {"user_id": "{N.other_teacher.id}"}),
            (COURSE + "/teachers", {"user_id": "{S.other_teacher.id}"}),
        ),
    ),
    Route(
        "unassign teacher",
        "DELETE",
        COURSE + "/teachers/{N.teacher.id}",
        204,
        ADMIN_ONLY,
        foreign=(
            ("/courses/{S.course.id}/teachers/{N.teacher.id}", None),
            (COURSE + "/teachers/{S.teacher.id}", None),
        ),
    ),
    Route("list students", "GET", "/admin/students", 200, ADMIN_ONLY),
    Route(
        "create student",
        "POST",
        "/admin/students",
        201,
        ADMIN_ONLY,
        {"email": "new@north.example.org", "name": "New Student", "courses": ["OO-4A"]},
    ),
    Route(
        "get student",
        "GET",
        STUDENTS,
        200,
        ADMIN_ONLY,
        foreign=(("/admin/students/{S.student.id}", None),),
    ),
    Route(
        "update student",
        "PATCH",
        STUDENTS,
        200,
        ADMIN_ONLY,
        {"class_name": "4B"},
        foreign=(("/admin/students/{S.student.id}", {"class_name": "4B"}),),
    ),
    Route(
        "archive student",
        "POST",
        STUDENTS + "/archive",
        200,
        ADMIN_ONLY,
        foreign=(("/admin/students/{S.student.id}/archive", None),),
    ),
    Route(
        "unarchive student",
        "POST",
        STUDENTS + "/unarchive",
        200,
        ADMIN_ONLY,
        foreign=(("/admin/students/{S.student.id}/unarchive", None),),
    ),
    Route(
        "course roster",
        "GET",
        COURSE + "/students",
        200,
        TEACHES,
        foreign=(("/courses/{S.course.id}/students", None),),
    ),
    Route(
        "enroll student",
        "POST",
        COURSE + "/students",
        200,
        TEACHES,
        {"student_id": "{N.other_student.id}"},
        foreign=(
            ("/courses/{S.course.id}/students", {"student_id": "{N.other_student.id}"}),
            (COURSE + "/students", {"student_id": "{S.other_student.id}"}),
        ),
    ),
    Route(
        "unenroll student",
        "DELETE",
        COURSE + "/students/{N.student.id}",
        204,
        TEACHES,
        foreign=(
            ("/courses/{S.course.id}/students/{N.student.id}", None),
            (COURSE + "/students/{S.student.id}", None),
        ),
    ),
    Route(
        "set team number",
        "PUT",
        COURSE + "/students/{N.student.id}/team",
        200,
        TEACHES,
        {"team_number": 2},
        legacy=True,
        foreign=(
            ("/courses/{S.course.id}/students/{N.student.id}/team", {"team_number": 2}),
            (COURSE + "/students/{S.student.id}/team", {"team_number": 2}),
        ),
    ),
    Route(
        "list groups",
        "GET",
        COURSE + "/groups",
        200,
        TEACHES,
        legacy=True,
        foreign=(("/courses/{S.course.id}/groups", None),),
    ),
    Route(
        "create group",
        "POST",
        COURSE + "/groups",
        201,
        TEACHES,
        {"team_number": 7},
        legacy=True,
        foreign=(("/courses/{S.course.id}/groups", {"team_number": 7}),),
    ),
    Route(
        "add group member",
        "POST",
        COURSE + "/groups/{NG.id}/members",
        200,
        TEACHES,
        {"student_id": "{N.other_student.id}"},
        legacy=True,
        foreign=(
            ("/courses/{S.course.id}/groups/{NG.id}/members", {"student_id": "{N.student.id}"}),
            (COURSE + "/groups/{SG.id}/members", {"student_id": "{N.student.id}"}),
            (COURSE + "/groups/{NG.id}/members", {"student_id": "{S.student.id}"}),
        ),
    ),
    Route(
        "remove group member",
        "DELETE",
        COURSE + "/groups/{NG.id}/members/{N.student.id}",
        204,
        TEACHES,
        legacy=True,
        foreign=(
            ("/courses/{S.course.id}/groups/{NG.id}/members/{N.student.id}", None),
            (COURSE + "/groups/{SG.id}/members/{N.student.id}", None),
            (COURSE + "/groups/{NG.id}/members/{S.student.id}", None),
        ),
    ),
    # Projects (issue 9): the course's teachers and admins manage; enrolled students view.
    Route(
        "create project",
        "POST",
        COURSE + "/projects",
        201,
        TEACHES,
        {"title": "New project"},
        foreign=(("/courses/{S.course.id}/projects", {"title": "New project"}),),
    ),
    Route(
        "list course projects",
        "GET",
        COURSE + "/projects",
        200,
        VIEWS,
        foreign=(("/courses/{S.course.id}/projects", None),),
    ),
    Route(
        "get project",
        "GET",
        "/projects/{NP.id}",
        200,
        VIEWS,
        foreign=(("/projects/{SP.id}", None),),
    ),
    Route(
        "update project",
        "PATCH",
        "/projects/{NP.id}",
        200,
        TEACHES,
        {"title": "Renamed"},
        foreign=(("/projects/{SP.id}", {"title": "Renamed"}),),
    ),
    Route("my projects", "GET", "/me/projects", 200, EVERYONE),
    # Project team sources (issue 9): each replaces the layout; staff of the course only.
    Route(
        "project teams from groups",
        "POST",
        "/projects/{NP.id}/teams/from-groups",
        200,
        TEACHES,
        legacy=True,
        foreign=(("/projects/{SP.id}/teams/from-groups", None),),
    ),
    Route(
        "clone project teams",
        "POST",
        "/projects/{NP.id}/teams/clone",
        200,
        TEACHES,
        {"source_project_id": "{NP.id}"},
        foreign=(
            ("/projects/{SP.id}/teams/clone", {"source_project_id": "{NP.id}"}),
            ("/projects/{NP.id}/teams/clone", {"source_project_id": "{SP.id}"}),
        ),
    ),
    Route(
        "generate project teams",
        "POST",
        "/projects/{NP.id}/teams/generate",
        200,
        TEACHES,
        {"team_size": 2, "seed": 7},
        foreign=(("/projects/{SP.id}/teams/generate", {"team_size": 2}),),
    ),
    Route(
        "import project teams",
        "POST",
        "/projects/{NP.id}/teams/import",
        200,
        TEACHES,
        Multipart(file=("teams.csv", TEAMS_CSV, "text/csv"), mode="preview"),
        foreign=(
            (
                "/projects/{SP.id}/teams/import",
                Multipart(file=("teams.csv", TEAMS_CSV, "text/csv"), mode="preview"),
            ),
        ),
    ),
    # Project teams (issue 9): staff only; students see their own team on /me/projects.
    Route(
        "list project teams",
        "GET",
        "/projects/{NP.id}/teams",
        200,
        TEACHES,
        foreign=(("/projects/{SP.id}/teams", None),),
    ),
    Route(
        "set project layout",
        "PUT",
        "/projects/{NP.id}/teams",
        200,
        TEACHES,
        {"teams": [{"team_number": 1, "member_ids": ["{N.student.id}"]}]},
        foreign=(("/projects/{SP.id}/teams", {"teams": []}),),
    ),
    Route(
        "create project team",
        "POST",
        "/projects/{NP.id}/teams",
        201,
        TEACHES,
        {"member_ids": []},
        foreign=(("/projects/{SP.id}/teams", {"member_ids": []}),),
    ),
    Route(
        "project team history",
        "GET",
        "/projects/{NP.id}/teams/history",
        200,
        TEACHES,
        foreign=(("/projects/{SP.id}/teams/history", None),),
    ),
    Route(
        "get project team",
        "GET",
        "/projects/{NP.id}/teams/{NT.id}",
        200,
        TEACHES,
        foreign=(
            ("/projects/{SP.id}/teams/{ST.id}", None),
            ("/projects/{NP.id}/teams/{ST.id}", None),
        ),
    ),
    Route(
        "set project team members",
        "PUT",
        "/projects/{NP.id}/teams/{NT.id}/members",
        200,
        TEACHES,
        {"member_ids": ["{N.student.id}"]},
        foreign=(
            ("/projects/{SP.id}/teams/{ST.id}/members", {"member_ids": []}),
            ("/projects/{NP.id}/teams/{ST.id}/members", {"member_ids": []}),
        ),
    ),
    Route(
        "rename project team",
        "PATCH",
        "/projects/{NP.id}/teams/{NT.id}",
        200,
        TEACHES,
        {"name": "Renamed"},
        foreign=(
            ("/projects/{SP.id}/teams/{ST.id}", {"name": "Renamed"}),
            ("/projects/{NP.id}/teams/{ST.id}", {"name": "Renamed"}),
        ),
    ),
    Route(
        "lock project team",
        "POST",
        "/projects/{NP.id}/teams/{NT.id}/lock",
        200,
        TEACHES,
        foreign=(
            ("/projects/{SP.id}/teams/{ST.id}/lock", None),
            ("/projects/{NP.id}/teams/{ST.id}/lock", None),
        ),
    ),
    # After the lock: tests that walk the table in order (test_off_mode) still find team 1.
    Route(
        "remove project team",
        "DELETE",
        "/projects/{NP.id}/teams/{NT.id}",
        204,
        TEACHES,
        foreign=(
            ("/projects/{SP.id}/teams/{ST.id}", None),
            ("/projects/{NP.id}/teams/{ST.id}", None),
        ),
    ),
    # Rubrics and grade policies (issue 10): staff of the school; students 403 everywhere.
    Route(
        "import rubrics",
        "POST",
        "/rubrics/import",
        200,
        STAFF,
        Multipart(file=("rubric.json", RUBRIC_JSON, "application/json"), mode="preview"),
    ),
    Route("create rubric", "POST", "/rubrics", 201, STAFF, NEW_RUBRIC),
    Route("list rubrics", "GET", "/rubrics", 200, STAFF),
    Route(
        "get rubric",
        "GET",
        "/rubrics/{NR.id}",
        200,
        STAFF,
        foreign=(("/rubrics/{SR.id}", None),),
    ),
    Route(
        "update rubric",
        "PATCH",
        "/rubrics/{NR.id}",
        200,
        TEACHES,  # admins, and the teacher who created it
        {"title": "Renamed"},
        foreign=(("/rubrics/{SR.id}", {"title": "Renamed"}),),
    ),
    Route(
        "copy rubric",
        "POST",
        "/rubrics/{NR.id}/copy",
        201,
        STAFF,
        foreign=(("/rubrics/{SR.id}/copy", None),),
    ),
    Route("get school grade policy", "GET", "/grade-policy", 200, STAFF),
    Route("set school grade policy", "PUT", "/grade-policy", 200, ADMIN_ONLY, {"decimals": 2}),
    Route(
        "get course grade policy",
        "GET",
        COURSE + "/grade-policy",
        200,
        TEACHES,
        foreign=(("/courses/{S.course.id}/grade-policy", None),),
    ),
    Route(
        "set course grade policy",
        "PUT",
        COURSE + "/grade-policy",
        200,
        ADMIN_ONLY,
        {"pass_grade": "6.0"},
        foreign=(("/courses/{S.course.id}/grade-policy", {"pass_grade": "6.0"}),),
    ),
    Route(
        "remove course grade policy",
        "DELETE",
        COURSE + "/grade-policy",
        204,
        ADMIN_ONLY,
        foreign=(("/courses/{S.course.id}/grade-policy", None),),
    ),
    # Assessments (issue 10): admins and the teachers of the project's course; students 403.
    Route(
        "create assessment",
        "POST",
        "/projects/{NP.id}/assessments",
        201,
        TEACHES,
        {"title": "Tussentijds", "rubric_id": "{NR.id}"},
        foreign=(("/projects/{SP.id}/assessments", {"title": "T", "rubric_id": "{NR.id}"}),),
    ),
    Route(
        "list project assessments",
        "GET",
        "/projects/{NP.id}/assessments",
        200,
        TEACHES,
        foreign=(("/projects/{SP.id}/assessments", None),),
    ),
    Route(
        "get assessment",
        "GET",
        "/assessments/{NA.id}",
        200,
        TEACHES,
        foreign=(("/assessments/{SA.id}", None),),
    ),
    Route(
        "update assessment",
        "PATCH",
        "/assessments/{NA.id}",
        200,
        TEACHES,
        {"title": "Renamed", "status": "open"},
        foreign=(("/assessments/{SA.id}", {"title": "Renamed"}),),
    ),
    Route(
        "list assessment teams",
        "GET",
        "/assessments/{NA.id}/teams",
        200,
        TEACHES,
        foreign=(("/assessments/{SA.id}/teams", None),),
    ),
    Route(
        "list assessment publications",
        "GET",
        "/assessments/{NA.id}/publications",
        200,
        TEACHES,
        foreign=(("/assessments/{SA.id}/publications", None),),
    ),
    Route(
        "assessment results",
        "GET",
        "/assessments/{NA.id}/results",
        200,
        TEACHES,
        foreign=(("/assessments/{SA.id}/results", None),),
    ),
    Route(
        "export assessment grades",
        "GET",
        "/assessments/{NA.id}/grades.csv",
        200,
        TEACHES,
        foreign=(("/assessments/{SA.id}/grades.csv", None),),
    ),
    # Score sheets and self-assessments (issue 10). NA is a draft: a sheet is read in every
    # status but saved only while open, so the allowed roles get that 409 (the others 403).
    Route(
        "get score sheet",
        "GET",
        SHEET,
        200,
        TEACHES,
        foreign=(
            ("/assessments/{SA.id}/teams/{NT.id}/scores", None),
            ("/assessments/{NA.id}/teams/{ST.id}/scores", None),
        ),
    ),
    Route(
        "save score sheet",
        "PUT",
        SHEET,
        409,
        TEACHES,
        {"scores": []},
        foreign=(
            ("/assessments/{SA.id}/teams/{NT.id}/scores", {"scores": []}),
            ("/assessments/{NA.id}/teams/{ST.id}/scores", {"scores": []}),
        ),
    ),
    Route(
        "team self-assessments",
        "GET",
        "/assessments/{NA.id}/teams/{NT.id}/self",
        200,
        TEACHES,
        foreign=(
            ("/assessments/{SA.id}/teams/{NT.id}/self", None),
            ("/assessments/{NA.id}/teams/{ST.id}/self", None),
        ),
    ),
    # What a student sees (issue 10): only their own, so every role may ask; staff have no
    # results, and nothing of the draft NA is anyone's: 404 for all, like an unknown id.
    Route("my assessments", "GET", "/me/assessments", 200, EVERYONE),
    Route(
        "my assessment",
        "GET",
        "/me/assessments/{NA.id}",
        404,
        EVERYONE,
        foreign=(("/me/assessments/{SA.id}", None),),
    ),
    Route(
        "my self-assessment",
        "GET",
        "/me/assessments/{NA.id}/self",
        404,
        EVERYONE,
        foreign=(("/me/assessments/{SA.id}/self", None),),
    ),
    Route(
        "save my self-assessment",
        "PUT",
        "/me/assessments/{NA.id}/self",
        404,
        EVERYONE,
        {"scores": []},
        foreign=(("/me/assessments/{SA.id}/self", {"scores": []}),),
    ),
    # Peer evaluations (issue 13): admins and the teachers of the project's course; students
    # 403. NE is a draft, so no team version is linked and nobody has rated yet: a rating's
    # comment is not there to hide (404 for the allowed roles). tests/peer/api/test_roles.py
    # has the matrix on an open and a published evaluation too.
    Route(
        "create peer evaluation",
        "POST",
        "/projects/{NP.id}/peer-evaluations",
        201,
        TEACHES,
        {"title": "Peer review", "rubric_id": "{NPR.id}"},
        foreign=(("/projects/{SP.id}/peer-evaluations", {"title": "T", "rubric_id": "{NPR.id}"}),),
    ),
    Route(
        "list project peer evaluations",
        "GET",
        "/projects/{NP.id}/peer-evaluations",
        200,
        TEACHES,
        foreign=(("/projects/{SP.id}/peer-evaluations", None),),
    ),
    Route(
        "get peer evaluation",
        "GET",
        PEER,
        200,
        TEACHES,
        foreign=(("/peer-evaluations/{SE.id}", None),),
    ),
    Route(
        "update peer evaluation",
        "PATCH",
        PEER,
        200,
        TEACHES,
        {"title": "Renamed"},
        foreign=(("/peer-evaluations/{SE.id}", {"title": "Renamed"}),),
    ),
    Route(
        "peer evaluation progress",
        "GET",
        PEER + "/progress",
        200,
        TEACHES,
        foreign=(("/peer-evaluations/{SE.id}/progress", None),),
    ),
    Route(
        "peer evaluation factors",
        "GET",
        PEER + "/factors",
        200,
        TEACHES,
        foreign=(("/peer-evaluations/{SE.id}/factors", None),),
    ),
    Route(
        "peer evaluation preview",
        "GET",
        PEER + "/preview",
        409,  # no assessment linked: nothing to preview
        TEACHES,
        foreign=(("/peer-evaluations/{SE.id}/preview", None),),
    ),
    Route(
        "export peer evaluation",
        "GET",
        PEER + "/export.csv",
        200,
        TEACHES,
        foreign=(("/peer-evaluations/{SE.id}/export.csv", None),),
    ),
    Route(
        "hide peer rating comment",
        "PATCH",
        PEER + "/ratings/{NT.id}",
        404,
        TEACHES,
        {"comment_hidden": True},
        foreign=(("/peer-evaluations/{SE.id}/ratings/{NT.id}", {"comment_hidden": True}),),
    ),
    # What a student rates and reads (issue 13): only their own, so every role may ask (staff
    # are in no team); nothing of the draft NE is anyone's: 404 for all, like an unknown id.
    Route("my peer evaluations", "GET", "/me/peer-evaluations", 200, EVERYONE),
    Route(
        "my peer evaluation",
        "GET",
        MINE_PEER,
        404,
        EVERYONE,
        foreign=(("/me/peer-evaluations/{SE.id}", None),),
    ),
    Route(
        "save my peer ratings",
        "PUT",
        MINE_PEER + "/ratings",
        404,
        EVERYONE,
        {"ratings": [], "submit": False},
        foreign=(("/me/peer-evaluations/{SE.id}/ratings", {"ratings": []}),),
    ),
    Route(
        "my peer feedback",
        "GET",
        MINE_PEER + "/feedback",
        404,
        EVERYONE,
        foreign=(("/me/peer-evaluations/{SE.id}/feedback", None),),
    ),
]

# Routes no caller role applies to: (method, path under /api/v1) -> why.
EXEMPT = {
    ("GET", "/health"): "public: load balancers probe it without a token",
    ("POST", "/auth/login"): "public: it is how a caller gets a token",
    ("POST", "/auth/dev-login"): "public, development only (404 unless enabled), not in OpenAPI",
    # Its team_id is a query parameter, which the path templates here cannot carry; its roles
    # and other-school 404s are in tests/peer/api/test_roles.py, its bad input in
    # tests/test_bad_input.py (_OTHER_ROUTES).
    ("GET", "/peer-evaluations/{evaluation_id}/matrix"): (
        "team_id is a query parameter: tests/peer/api/test_roles.py covers its roles and tenants"
    ),
}


def template_names(worlds: RosterWorld) -> dict[str, Any]:
    """What the path templates name (see the module docstring); the web page table uses them
    too."""
    return {
        "N": worlds.north,
        "S": worlds.south,
        "NG": worlds.north_group,
        "SG": worlds.south_group,
        "NP": worlds.north_project,
        "SP": worlds.south_project,
        "NT": worlds.north_team,
        "ST": worlds.south_team,
        "NR": worlds.north_rubric,
        "SR": worlds.south_rubric,
        "NA": worlds.north_assessment,
        "SA": worlds.south_assessment,
        # Only in a world built with ``peer`` (build_worlds).
        "NPR": worlds.north_peer_rubric,
        "SPR": worlds.south_peer_rubric,
        "NE": worlds.north_evaluation,
        "SE": worlds.south_evaluation,
    }


def _fill(template: Any, worlds: RosterWorld) -> Any:
    names = template_names(worlds)
    if isinstance(template, str):
        filled = template.format(**names)
        return int(filled) if template.startswith("{") and filled.isdigit() else filled
    if isinstance(template, dict):
        return {key: _fill(value, worlds) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, worlds) for value in template]
    return template


def call(
    client: TestClient,
    worlds: RosterWorld,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: Headers,
) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, Multipart):
        kwargs["files"] = {"file": body["file"]}
        kwargs["data"] = {key: value for key, value in body.items() if key != "file"}
    elif body is not None:
        kwargs["json"] = _fill(body, worlds)
    return client.request(method, API + _fill(path, worlds), **kwargs)
