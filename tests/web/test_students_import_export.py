"""CSV import through preview and commit, and the export: the preview writes nothing and shows
per-line errors and planned changes; the commit writes exactly what was previewed and refuses
a tampered, foreign or outdated preview; unusable files get the form back; the export is the
API's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.config import Settings
from teameval.models import CourseEnrollment, User
from tests.roster.conftest import SECRET, RosterWorld, bearer
from tests.roster.import_helpers import EXPORT_URL
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

TOKEN = re.compile(r'name="upload" value="([^"]+)"')
MAX_BYTES = 4000


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Small limits, so the too-large cases need no big files."""
    return Settings(
        database_url=db_url, secret_key=SECRET, import_max_bytes=MAX_BYTES, import_max_rows=20
    )


def snapshot(factory: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every users row and every enrollment, in full: what an import may change."""
    with factory() as session:
        users = session.execute(select(User.__table__).order_by(User.id)).all()
        enrollments = session.execute(
            select(CourseEnrollment.__table__).order_by(CourseEnrollment.id)
        ).all()
    return {"users": [tuple(row) for row in users], "enrollments": [tuple(r) for r in enrollments]}


def upload(browser: PageClient, data: bytes, name: str = "students.csv") -> Any:
    return browser.post("/students/import/preview", files={"file": (name, data, "text/csv")})


GOOD = (
    b"email,first_name,prefix,last_name,student_number,klas,courses\n"
    b"ann@north.example.org,Ann,,Smit,S-100,4A,OO-4A\n"
    b"student@north.example.org,Jan,van,Dijk,,,OO-4A|NLT-5\n"
    b"student2@north.example.org,,,,,,\n"
)


def test_the_preview_shows_planned_changes_and_writes_nothing(
    pages_for: Callable[..., PageClient], session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    before = snapshot(session_factory)
    preview = upload(admin, GOOD)
    assert preview.status_code == 200
    assert snapshot(session_factory) == before
    text = preview.text
    assert page_problems(text) == []
    assert re.search(r"<strong>1</strong> new students", text)
    assert re.search(r"<strong>1</strong> changed students", text)
    assert re.search(r"<strong>1</strong> unchanged", text)
    assert re.search(r"<strong>0</strong> lines with errors", text)
    changes = text[text.index('id="changes-heading"') : text.index('id="next-heading"')]
    new_row = changes[changes.index("ann@north.example.org") :]
    assert "new</span>" in new_row[:200]
    assert "<strong>Student number</strong>: S-100" in new_row
    assert "<strong>Courses</strong>: added: OO-4A" in new_row
    changed_row = changes[changes.index("student@north.example.org") :]
    assert "changed</span>" in changed_row[:200]
    assert "<strong>Full name</strong>: Student → Jan van Dijk" in changed_row
    assert "<strong>Courses</strong>: added: NLT-5" in changed_row
    assert "student2@north.example.org" not in changes  # unchanged rows are only counted
    assert "Import: 1 new, 1 changed" in text
    assert TOKEN.search(text)


def test_the_commit_writes_exactly_the_previewed_rows(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    admin = pages_for("admin")
    before = snapshot(session_factory)
    token = TOKEN.search(upload(admin, GOOD).text)
    assert token
    done = admin.post("/students/import/commit", {"upload": token.group(1)})
    assert done.status_code == 303
    assert done.headers["location"] == "/students"
    assert "Import done: 1 created, 1 updated." in admin.get("/students").text
    after = snapshot(session_factory)
    old_ids = {row[0] for row in before["users"]}
    new_users = [row for row in after["users"] if row[0] not in old_ids]
    assert len(new_users) == 1
    with session_factory() as session:
        ann = session.scalars(select(User).where(User.email == "ann@north.example.org")).one()
        assert (ann.name, ann.student_number, ann.class_name, ann.school_id) == (
            "Ann Smit",
            "S-100",
            "4A",
            worlds.north.school.id,
        )
        jan = session.get_one(User, worlds.north.student.id)
        assert (jan.name, jan.first_name, jan.prefix, jan.last_name) == (
            "Jan van Dijk",
            "Jan",
            "van",
            "Dijk",
        )
        codes = dict(
            session.execute(
                select(CourseEnrollment.student_id, CourseEnrollment.course_id).where(
                    CourseEnrollment.active.is_(True),
                    CourseEnrollment.course_id == worlds.north.other_course.id,
                )
            ).all()
        )
        assert codes == {jan.id: worlds.north.other_course.id}
    # every other user row is exactly as it was
    changed_ids = {ann.id, jan.id}
    assert [r for r in after["users"] if r[0] not in changed_ids] == [
        r for r in before["users"] if r[0] not in changed_ids
    ]
    # the same preview cannot be committed twice into a different plan
    again = admin.post("/students/import/commit", {"upload": token.group(1)})
    assert again.status_code == 409
    assert snapshot(session_factory)["users"] == after["users"]


def test_per_line_errors_are_shown_and_no_commit_is_offered(
    pages_for: Callable[..., PageClient], session_factory: sessionmaker[Session]
) -> None:
    data = (
        b"email;name;courses;status\n"
        b"ok@north.example.org;Okke;OO-4A;active\n"
        b"not-an-email;Nobody;;\n"
        b"ok2@north.example.org;Okke Twee;XX-1;\n"
        b"ok3@north.example.org;Okke Drie;;maybe\n"
        b"teacher@north.example.org;Teacher;;\n"
    )
    before = snapshot(session_factory)
    preview = upload(pages_for("admin"), data)
    assert preview.status_code == 200
    assert snapshot(session_factory) == before
    text = preview.text
    assert not TOKEN.search(text)
    assert "Nothing can be imported while the file has errors" in text
    errors = text[text.index('id="errors-heading"') :]
    rows = re.findall(
        r'<tr class="row-error">\s*<td class="number">(\d+)</td>\s*<td>([^<]*)</td>\s*'
        r"<td>([^<]*)</td>\s*<td>(.*?)</td>",
        errors,
        re.S,
    )
    found = {int(line): (email, field, message) for line, email, field, message in rows}
    assert sorted(found) == [3, 4, 5, 6]
    assert found[3][1] == "Email address"
    assert "invalid email" in found[3][2]
    assert found[4][1] == "Courses"
    assert "unknown course code: XX-1" in found[4][2]
    assert "bad status 'maybe'" in found[5][2].replace("&#39;", "'")
    assert "belongs to a teacher" in found[6][2]
    assert "separated by semicolons" in text


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 422, "Choose a CSV file to upload."),
        (b"name,class\nAnn,4A\n", 422, "The file has no email column"),
        (b"PK\x03\x04rest-of-a-workbook", 422, "This is a spreadsheet workbook, not a CSV file."),
        (b"email,name\n" + b"x" * MAX_BYTES, 413, "The file is larger than the limit"),
        (
            b"email,name\n" + b"".join(b"p%d@north.example.org,P\n" % n for n in range(21)),
            422,
            "The file has more than 20 rows",
        ),
        (b"email,name\nj\xc3\xa9@north.example.org,J\xe9\n", 422, "The file mixes encodings"),
    ],
)
def test_an_unusable_file_gets_the_form_back_with_the_reason(
    pages_for: Callable[..., PageClient],
    session_factory: sessionmaker[Session],
    data: bytes,
    status: int,
    message: str,
) -> None:
    before = snapshot(session_factory)
    admin = pages_for("admin")
    if data:
        answer = upload(admin, data)
    else:  # the form sent without choosing a file
        answer = admin.post(
            "/students/import/preview", files={"file": ("", b"", "application/octet-stream")}
        )
    assert answer.status_code == status
    assert message in answer.text
    assert 'enctype="multipart/form-data"' in answer.text  # the form again
    assert 'class="error-summary"' in answer.text
    assert snapshot(session_factory) == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(
    pages_for: Callable[..., PageClient],
) -> None:
    admin = pages_for("admin")
    huge = admin.post(
        "/students/import/preview",
        files={"file": ("s.csv", b"email\n" + b"a" * (MAX_BYTES + 70 * 1024), "text/csv")},
    )
    assert huge.status_code == 413
    assert "The file is larger than the limit" in huge.text


def test_a_tampered_or_foreign_preview_is_refused(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    client: TestClient,
) -> None:
    admin = pages_for("admin")
    token = TOKEN.search(upload(admin, GOOD).text)
    assert token
    value = token.group(1)
    before = snapshot(session_factory)
    body, _, signature = value.rpartition(".")
    tampered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    for forged in (tampered, value + "x", "", "not-a-token"):
        refused = admin.post("/students/import/commit", {"upload": forged})
        assert refused.status_code == 400, forged
        assert "expired or was altered" in refused.text
    # signed for north's admin: south's admin cannot replay it
    south = pages_for("admin", school="south")
    assert south.post("/students/import/commit", {"upload": value}).status_code == 400
    # and a teacher cannot commit at all
    assert (
        pages_for("teacher").post("/students/import/commit", {"upload": value}).status_code == 403
    )
    assert snapshot(session_factory) == before


def test_a_preview_outdated_by_another_change_is_shown_again_not_committed(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    admin = pages_for("admin")
    token = TOKEN.search(upload(admin, GOOD).text)
    assert token
    with session_factory.begin() as session:  # someone renames the student in between
        session.get_one(User, worlds.north.student.id).name = "Renamed"
    before = snapshot(session_factory)
    outdated = admin.post("/students/import/commit", {"upload": token.group(1)})
    assert outdated.status_code == 409
    assert "The students changed since your preview" in outdated.text
    assert "Renamed → Jan van Dijk" in outdated.text
    assert snapshot(session_factory) == before
    fresh = TOKEN.search(outdated.text)
    assert fresh
    assert admin.post("/students/import/commit", {"upload": fresh.group(1)}).status_code == 303


def test_only_admins_may_import(
    pages_for: Callable[..., PageClient], session_factory: sessionmaker[Session]
) -> None:
    before = snapshot(session_factory)
    for role in ("teacher", "student"):
        browser = pages_for(role)
        assert browser.get("/students/import").status_code == 403
        assert upload(browser, GOOD).status_code == 403
    assert snapshot(session_factory) == before


def test_the_import_statements_do_not_grow_with_the_rows(
    pages_for: Callable[..., PageClient], client: TestClient
) -> None:
    from tests.statements import recorded_statements

    admin = pages_for("admin")
    engine = client.app.state.engine  # type: ignore[attr-defined]

    def count(rows: int) -> int:
        data = "email,name,courses\n" + "".join(
            f"n{n}@north.example.org,N {n},OO-4A\n" for n in range(rows)
        )
        with recorded_statements(engine) as statements:
            assert upload(admin, data.encode()).status_code == 200
        return len(statements)

    assert count(2) == count(18)


def test_the_export_is_the_api_s_export(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, client: TestClient
) -> None:
    admin = pages_for("admin")
    headers = bearer(worlds.north, "admin")
    for page_query, api_query in [
        ("?status=all", ""),
        ("", "?status=active"),
        ("?course=OO-4A&status=all", "?course=OO-4A"),
        ("?q=gone&status=archived", "?q=gone&status=archived"),
    ]:
        page = admin.get("/students/export" + page_query)
        api = client.get(EXPORT_URL + api_query, headers=headers)
        assert page.status_code == 200
        assert api.status_code == 200
        assert page.content == api.content, page_query
        assert page.headers["content-type"] == "text/csv; charset=utf-8"
        assert page.headers["content-disposition"] == api.headers["content-disposition"]
        assert page.headers["content-disposition"].startswith("attachment;")
    everyone = admin.get("/students/export?status=all").content.decode("utf-8-sig")
    assert "gone@north.example.org" in everyone
    assert "south" not in everyone
    assert (
        'href="/students/export?q=gone&amp;status=archived"'
        in admin.get("/students?q=gone&status=archived").text
    )


def test_only_admins_may_export(pages_for: Callable[..., PageClient], client: TestClient) -> None:
    for role in ("teacher", "other_teacher", "student"):
        refused = pages_for(role).get("/students/export")
        assert refused.status_code == 403
        assert "student@north.example.org" not in refused.text
    anonymous = TestClient(client.app).get("/students/export", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


def test_the_import_preview_in_dutch(pages_for: Callable[..., PageClient]) -> None:
    preview = upload(pages_for("admin", language="nl"), GOOD)
    assert 'lang="nl"' in preview.text
    assert "Import controleren" in preview.text
    assert "nieuwe leerlingen" in preview.text
    assert "Importeren: 1 nieuw, 1 gewijzigd" in preview.text
    assert "gescheiden door komma's" in preview.text.replace("&#39;", "'")
