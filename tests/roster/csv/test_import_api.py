"""POST /api/v1/admin/students/import, through HTTP, on both engines: one small file per case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.config import LegacyGroupsMode, Settings
from teameval.models import AuditLog, Course, CourseEnrollment, Group, GroupMember, User
from tests.conftest import login
from tests.factories import SchoolWorld
from tests.legacy_modes import legacy_test_mode
from tests.roster.import_helpers import PART_FIELDS, actions, csv_bytes, post_import

Factory = sessionmaker[Session]


@pytest.fixture
def north(two_schools: tuple[SchoolWorld, SchoolWorld]) -> SchoolWorld:
    return two_schools[0]


@pytest.fixture
def admin(client: TestClient, north: SchoolWorld) -> dict[str, str]:
    return login(client, "north", north.admin.email)


def _user(factory: Factory, email: str) -> User | None:
    with factory() as session:
        return session.scalar(select(User).where(User.email == email))


def _codes(factory: Factory, student_id: int) -> set[str]:
    with factory() as session:
        return set(
            session.scalars(
                select(Course.code)
                .join(CourseEnrollment, CourseEnrollment.course_id == Course.id)
                .where(CourseEnrollment.student_id == student_id, CourseEnrollment.active.is_(True))
            )
        )


def _count(factory: Factory, model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_preview_reports_and_writes_nothing_commit_writes(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = csv_bytes([["email", "name", "courses"], ["new@north.nl", "New Student", "OO-4A"]])
    response = post_import(client, admin, data)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["mode"], report["committed"], report["created"]) == ("preview", False, 1)
    assert report["rows"][0]["line"] == 2
    assert _user(session_factory, "new@north.nl") is None
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 200, response.text
    assert response.json()["committed"] is True
    user = _user(session_factory, "new@north.nl")
    assert user is not None
    assert (user.name, user.role, user.archived) == ("New Student", "student", False)
    assert _codes(session_factory, user.id) == {"OO-4A"}


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("utf-8 BOM", csv_bytes([["email", "name"], ["zoe@north.nl", "Zoë"]], bom=True)),
        (
            "windows-1252",
            csv_bytes([["email", "name"], ["zoe@north.nl", "Zoë"]], encoding="cp1252"),
        ),
        ("semicolon", csv_bytes([["email", "name"], ["zoe@north.nl", "Zoë"]], delimiter=";")),
        ("tab", csv_bytes([["email", "name"], ["zoe@north.nl", "Zoë"]], delimiter="\t")),
        ("CRLF", csv_bytes([["email", "name"], ["zoe@north.nl", "Zoë"]], newline="\r\n")),
        (
            "Excel NL",
            csv_bytes(
                [["E-mailadres", "Naam"], ["zoe@north.nl", "Zoë"], ["", ""]],
                delimiter=";",
                encoding="cp1252",
                newline="\r\n",
            ),
        ),
    ],
)
def test_files_schools_really_produce(
    client: TestClient, admin: dict[str, str], session_factory: Factory, kind: str, data: bytes
) -> None:
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 200, (kind, response.text)
    assert actions(response.json()) == ["create"]
    user = _user(session_factory, "zoe@north.nl")
    assert user is not None
    assert user.name == "Zoë"


def test_dutch_headers_and_name_parts(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = csv_bytes(
        [
            [
                "E-mail",
                "Voornaam",
                "Tussenvoegsel",
                "Achternaam",
                "Leerlingnummer",
                "Klas",
                "Vakken",
                "Status",
            ],
            ["jan@north.nl", "Jan", "van der", "Berg", "1001", "4A", "OO-4A|NLT-5", "active"],
            ["piet@north.nl", "Piet", "", "Jansen", "1002", "4B", "NLT-5", "archived"],
        ],
        delimiter=";",
    )
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 200, response.text
    report = response.json()
    assert set(report["columns"]) == set(PART_FIELDS) - {"team"}
    jan = _user(session_factory, "jan@north.nl")
    piet = _user(session_factory, "piet@north.nl")
    assert jan is not None
    assert piet is not None
    assert (jan.name, jan.first_name, jan.prefix, jan.last_name) == (
        "Jan van der Berg",
        "Jan",
        "van der",
        "Berg",
    )
    assert (jan.student_number, jan.class_name, jan.archived) == ("1001", "4A", False)
    assert (piet.name, piet.prefix, piet.archived) == ("Piet Jansen", None, True)
    assert _codes(session_factory, jan.id) == {"OO-4A", "NLT-5"}


def test_unknown_columns_are_reported_not_fatal(client: TestClient, admin: dict[str, str]) -> None:
    data = csv_bytes([["email", "name", "Shoe size", "Mentor"], ["a@north.nl", "A", "42", "X"]])
    report = post_import(client, admin, data).json()
    assert report["unknown_columns"] == ["Shoe size", "Mentor"]
    assert actions(report) == ["create"]
    assert any("Shoe size" in warning for warning in report["warnings"])


def test_missing_email_column_is_a_file_problem(client: TestClient, admin: dict[str, str]) -> None:
    response = post_import(client, admin, csv_bytes([["naam", "klas"], ["A", "4A"]]), mode="commit")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/unusable-import-file"
    assert "no email column" in problem["detail"]


def test_size_and_row_limits_refuse_the_whole_file(
    settings: Settings, north: SchoolWorld, session_factory: Factory
) -> None:
    data = csv_bytes([["email", "name"], *[[f"s{i}@north.nl", f"S {i}"] for i in range(5)]])
    small = settings.model_copy(update={"import_max_bytes": len(data) - 1})
    few = settings.model_copy(update={"import_max_rows": 4})
    users_before = _count(session_factory, User)
    with TestClient(create_app(small)) as client:
        response = post_import(
            client, login(client, "north", north.admin.email), data, mode="commit"
        )
        assert response.status_code == 413
        assert response.json()["type"] == "/problems/import-file-too-large"
        assert "TEAMEVAL_IMPORT_MAX_BYTES" in response.json()["detail"]
    with TestClient(create_app(few)) as client:
        response = post_import(
            client, login(client, "north", north.admin.email), data, mode="commit"
        )
        assert response.status_code == 422
        assert "more than 4 rows" in response.json()["detail"]
    assert _count(session_factory, User) == users_before


ROW_ERRORS = [
    (["not-an-email", "X", "", "", "", ""], "invalid email"),
    (["teacher@north.example.org", "X", "", "", "", ""], "belongs to a teacher"),
    (["admin@north.example.org", "X", "", "", "", ""], "belongs to a admin"),
    (["c@north.nl", "X", "", "NOPE", "", ""], "unknown course code: NOPE"),
    (["d@north.nl", "X", "TAKEN-1", "", "", ""], "student number TAKEN-1 already belongs to"),
    (["e@north.nl", "X", "", "", "", "gone"], "bad status 'gone'"),
    (["f@north.nl", "X", "", "OO-4A", "two", ""], "bad team 'two'"),
    (["g@north.nl", "X", "", "OO-4A", "0", ""], "bad team '0'"),
    (["h@north.nl", "X", "", "", "3", ""], "a team needs the row's courses"),
    (["j@north.nl", "X", "", "|", "", ""], "no course code in '|'"),
    (["i@north.nl", "", "", "", "", ""], "needs a name"),
]


@pytest.mark.parametrize(("cells", "message"), ROW_ERRORS)
@pytest.mark.legacy
def test_row_errors_name_the_line_and_make_the_commit_write_nothing(
    client: TestClient,
    admin: dict[str, str],
    north: SchoolWorld,
    session_factory: Factory,
    cells: list[str],
    message: str,
) -> None:
    with session_factory.begin() as session:
        session.get(User, north.other_student.id).student_number = "TAKEN-1"  # type: ignore[union-attr]
    data = csv_bytes(
        [
            ["email", "name", "student_number", "courses", "team", "status"],
            ["good@north.nl", "Good", "", "OO-4A", "1", "active"],
            cells,
        ]
    )
    audit_before = _count(session_factory, AuditLog)
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["committed"] is False
    [error] = problem["errors"]
    assert error["line"] == 3
    assert message in error["message"]
    assert actions(problem) == ["create", "error"]  # the valid row's plan is still reported
    assert _user(session_factory, "good@north.nl") is None
    assert _count(session_factory, Group) == 0
    assert _count(session_factory, AuditLog) == audit_before
    # The preview of the same file answers 200 with the same rows.
    preview = post_import(client, admin, data)
    assert preview.status_code == 200
    assert preview.json()["errors"] == problem["errors"]


def test_duplicate_email_marks_every_line(client: TestClient, admin: dict[str, str]) -> None:
    data = csv_bytes(
        [
            ["email", "name", "status"],
            ["a@north.nl", "A", "active"],
            ["x@north.nl", "X", "active"],
            ["A@North.nl ", "B", "bogus"],
        ]
    )
    report = post_import(client, admin, data).json()
    assert actions(report) == ["error", "create", "error"]
    assert [e["line"] for e in report["errors"]] == [2, 4]
    assert "also on line 4" in report["errors"][0]["message"]
    assert "also on line 2" in report["errors"][1]["message"]


def test_skip_invalid_writes_the_valid_rows(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = csv_bytes([["email", "name"], ["ok@north.nl", "Ok"], ["broken", "Broken"]])
    response = post_import(client, admin, data, mode="commit", skip_invalid=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["committed"], report["created"], len(report["errors"])) == (True, 1, 1)
    assert _user(session_factory, "ok@north.nl") is not None


def test_second_import_changes_nothing(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = csv_bytes(
        [
            PART_FIELDS,
            ["a@north.nl", "An", "de", "Vries", "1", "4A", "OO-4A|NLT-5", "2", "active"],
            ["b@north.nl", "Bo", "", "Bakker", "2", "4B", "NLT-5", "", "archived"],
        ]
    )
    first = post_import(client, admin, data, mode="commit").json()
    assert actions(first) == ["create", "create"]
    audit_after_first = _count(session_factory, AuditLog)
    second = post_import(client, admin, data, mode="commit").json()
    assert actions(second) == ["unchanged", "unchanged"]
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    assert _count(session_factory, AuditLog) == audit_after_first


def test_absent_columns_and_empty_cells_leave_fields_alone(
    client: TestClient, admin: dict[str, str], north: SchoolWorld, session_factory: Factory
) -> None:
    email = north.archived_student.email
    full = csv_bytes(
        [
            ["email", "name", "class_name", "student_number", "courses"],
            [email, "Gone", "4A", "77", "OO-4A"],
        ]
    )
    assert post_import(client, admin, full, mode="commit").status_code == 200
    # No status column: still archived. Empty class and courses cells: untouched.
    partial = csv_bytes([["email", "class_name", "courses"], [email, "", ""]])
    report = post_import(client, admin, partial, mode="commit").json()
    assert actions(report) == ["unchanged"]
    user = _user(session_factory, email)
    assert user is not None
    assert (user.archived, user.class_name, user.student_number) == (True, "4A", "77")
    assert _codes(session_factory, user.id) == {"OO-4A"}


@pytest.mark.legacy
def test_courses_column_is_the_exact_set_and_team_follows_it(
    client: TestClient, admin: dict[str, str], north: SchoolWorld, session_factory: Factory
) -> None:
    email = north.student.email  # enrolled in OO-4A by the fixture
    data = csv_bytes([["email", "courses", "team"], [email, "NLT-5", "4"]])
    report = post_import(client, admin, data, mode="commit").json()
    assert report["rows"][0]["changes"]["courses"] == {"added": ["NLT-5"], "removed": ["OO-4A"]}
    assert _codes(session_factory, north.student.id) == {"NLT-5"}
    with session_factory() as session:
        group = session.scalar(select(Group).where(Group.course_id == north.other_course.id))
        assert group is not None
        assert (group.name, group.team_number) == ("NLT-5 team 4", 4)
        member = session.scalar(select(GroupMember).where(GroupMember.group_id == group.id))
        assert member is not None
        assert (member.active, member.user_id) == (True, north.student.id)


def test_team_column_is_ignored_with_a_warning_when_legacy_groups_are_off(
    settings: Settings, north: SchoolWorld, session_factory: Factory
) -> None:
    off = settings.model_copy(update={"legacy_groups": LegacyGroupsMode.OFF})
    data = csv_bytes([["email", "name", "courses", "team"], ["t@north.nl", "T", "OO-4A", "2"]])
    with TestClient(create_app(off)) as client:
        admin = login(client, "north", north.admin.email)
        report = post_import(client, admin, data, mode="commit").json()
    assert actions(report) == ["create"]
    assert any("team column was ignored" in warning for warning in report["warnings"])
    if legacy_test_mode() != "retired":
        assert _count(session_factory, Group) == 0
    user = _user(session_factory, "t@north.nl")
    assert user is not None
    assert _codes(session_factory, user.id) == {"OO-4A"}


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_only_admins_may_import(
    client: TestClient, north: SchoolWorld, session_factory: Factory, role: str
) -> None:
    headers = login(client, "north", getattr(north, role).email)
    data = csv_bytes([["email", "name"], ["x@north.nl", "X"]])
    assert post_import(client, headers, data, mode="commit").status_code == 403
    assert _user(session_factory, "x@north.nl") is None


def test_an_import_never_touches_another_school(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: Factory
) -> None:
    north, south = two_schools
    headers = login(client, "south", south.admin.email)
    # North's student email and course code, imported by south's admin.
    data = csv_bytes([["email", "name", "courses"], [north.student.email, "Hijack", "OO-4A"]])
    report = post_import(client, headers, data, mode="commit").json()
    assert actions(report) == ["create"]  # a new student of south: emails are per school
    with session_factory() as session:
        rows = session.execute(
            select(User.school_id, User.name).where(User.email == north.student.email)
        ).all()
    assert sorted(rows) == sorted(
        [(north.school.id, north.student.name), (south.school.id, "Hijack")]
    )
    hijacker = next(
        u for u in _users(session_factory, north.student.email) if u.school_id == south.school.id
    )
    assert _codes(session_factory, hijacker.id) == {"OO-4A"}  # south's own OO-4A
    with session_factory() as session:
        enrolled_course = session.scalar(
            select(CourseEnrollment.course_id).where(CourseEnrollment.student_id == hijacker.id)
        )
    assert enrolled_course == south.course.id


def _users(factory: Factory, email: str) -> list[User]:
    with factory() as session:
        return list(session.scalars(select(User).where(User.email == email)))


def test_unauthenticated_is_401(client: TestClient) -> None:
    assert post_import(client, {}, csv_bytes([["email"], ["a@b.nl"]])).status_code == 401


def test_course_codes_match_case_insensitively_and_split_on_the_other_separator(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = csv_bytes([["email", "name", "courses"], ["c@north.nl", "C", '"oo-4a; NLT-5"']])
    report = post_import(client, admin, data, mode="commit").json()
    assert actions(report) == ["create"], report["errors"]
    user = _user(session_factory, "c@north.nl")
    assert user is not None
    assert _codes(session_factory, user.id) == {"OO-4A", "NLT-5"}
