"""GET /students: what the admin's student list shows, searched, filtered, sorted and paged,
with a constant number of statements; HTMX gets the results alone; Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Role
from tests.factories import enroll, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

ROW = re.compile(r'<tr>\s*<td><a href="/students/(\d+)">([^<]+)</a></td>(.*?)</tr>', re.S)


def listed(html: str) -> list[str]:
    """The names in the results table, in order."""
    return [name for _id, name, _rest in ROW.findall(html)]


def add_students(
    factory: sessionmaker[Session], worlds: RosterWorld, count: int, *, course: bool = True
) -> None:
    """``count`` active students named Pupil 000.., numbered, in class 4A or 4B, enrolled in
    north's other course when ``course``."""
    with factory.begin() as session:
        school = worlds.north.school
        session.add(school)
        made = [
            make_user(
                session,
                school,
                Role.STUDENT,
                f"pupil{n:03}@north.example.org",
                f"Pupil {n:03}",
                student_number=f"S{n:03}",
                class_name="4A" if n % 2 else "4B",
            )
            for n in range(count)
        ]
        if course:
            other = worlds.north.other_course
            session.add(other)
            enroll(session, other, *made)


def test_the_list_shows_the_school_s_active_students_with_their_courses(
    pages_for: Callable[..., PageClient], worlds: RosterWorld
) -> None:
    page = pages_for("admin").get("/students")
    assert page.status_code == 200
    rows = {name: rest for _id, name, rest in ROW.findall(page.text)}
    # north's two active students; the archived one and south's students are not listed
    assert sorted(rows) == ["Student", "Student2"]
    assert "OO-4A" in rows["Student"]
    assert "OO-4A" not in rows["Student2"]
    assert "none" in rows["Student2"]
    assert "Active" in rows["Student"]
    assert "south" not in page.text
    assert "2 students found" in page.text
    assert page_problems(page.text) == []


def test_status_filter_shows_archived_or_all(
    pages_for: Callable[..., PageClient], worlds: RosterWorld
) -> None:
    admin = pages_for("admin")
    archived = admin.get("/students?status=archived").text
    assert listed(archived) == ["Gone"]
    assert "Archived" in ROW.findall(archived)[0][2]
    assert listed(admin.get("/students?status=all").text) == ["Gone", "Student", "Student2"]
    # an unknown status falls back to the default (active)
    assert listed(admin.get("/students?status=bogus").text) == ["Student", "Student2"]


def test_search_matches_name_email_class_and_student_number(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    add_students(session_factory, worlds, 3)
    admin = pages_for("admin")
    assert listed(admin.get("/students?q=pupil 001").text) == ["Pupil 001"]
    assert listed(admin.get("/students?q=PUPIL002@").text) == ["Pupil 002"]
    assert listed(admin.get("/students?q=s000").text) == ["Pupil 000"]
    assert listed(admin.get("/students?q=4b").text) == ["Pupil 000", "Pupil 002"]
    empty = admin.get("/students?q=nobody-like-this")
    assert listed(empty.text) == []
    assert "No students match these filters" in empty.text
    # a control character is no search term (PostgreSQL refuses NUL in text)
    assert listed(admin.get("/students?q=pupil%00001").text) == ["Pupil 001"]


def test_course_filter(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    add_students(session_factory, worlds, 2)
    admin = pages_for("admin")
    assert listed(admin.get("/students?course=OO-4A").text) == ["Student"]
    assert listed(admin.get("/students?course=nlt-5").text) == ["Pupil 000", "Pupil 001"]
    unknown = admin.get("/students?course=XX-9")
    assert unknown.status_code == 422
    assert "There is no course with this code." in unknown.text
    assert listed(unknown.text) == []
    assert 'aria-invalid="true"' in unknown.text


def test_sorting_toggles_and_says_so_with_aria_sort(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    add_students(session_factory, worlds, 3, course=False)
    admin = pages_for("admin")
    by_name = admin.get("/students").text
    assert listed(by_name) == ["Pupil 000", "Pupil 001", "Pupil 002", "Student", "Student2"]
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="\?sort=-name">', by_name)
    descending = admin.get("/students?sort=-student_number&q=pupil").text
    assert listed(descending) == ["Pupil 002", "Pupil 001", "Pupil 000"]
    assert re.search(
        r'aria-sort="descending">\s*<a href="\?q=pupil&amp;sort=student_number">Student number',
        descending,
    )
    assert descending.count("aria-sort=") == 1
    by_class = listed(admin.get("/students?sort=class_name&q=pupil").text)
    assert by_class == ["Pupil 001", "Pupil 000", "Pupil 002"]  # 4A before 4B, then by id
    # the filters stay in the sort links
    filtered = admin.get("/students?q=pupil&status=all").text
    assert 'href="?q=pupil&amp;status=all&amp;sort=email"' in filtered


def test_paging(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    add_students(session_factory, worlds, 60, course=False)
    admin = pages_for("admin")
    first = admin.get("/students?q=pupil").text
    assert listed(first) == [f"Pupil {n:03}" for n in range(50)]
    assert "60 students found" in first
    assert "Page 1 of 2" in first
    assert 'href="?q=pupil&amp;page=2" rel="next"' in first
    second = admin.get("/students?q=pupil&page=2").text
    assert listed(second) == [f"Pupil {n:03}" for n in range(50, 60)]
    assert 'rel="prev"' in second
    assert listed(admin.get("/students?q=pupil&page=3").text) == []  # past the end: empty
    assert listed(admin.get("/students?q=pupil&page=abc").text)[0] == "Pupil 000"


def test_statements_do_not_grow_with_the_students(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    admin = pages_for("admin")
    add_students(session_factory, worlds, 5)
    small_page, small = admin.statements("/students?course=NLT-5")
    assert len(listed(small_page.text)) == 5
    add_students_more(session_factory, worlds)
    large_page, large = admin.statements("/students?course=NLT-5")
    assert len(listed(large_page.text)) == 50
    assert len(small) == len(large)
    assert len(small) <= 8, small


def add_students_more(factory: sessionmaker[Session], worlds: RosterWorld) -> None:
    with factory.begin() as session:
        school = worlds.north.school
        session.add(school)
        other = worlds.north.other_course
        session.add(other)
        made = [
            make_user(session, school, Role.STUDENT, f"more{n:03}@north.example.org")
            for n in range(55)
        ]
        enroll(session, other, *made)


def test_htmx_gets_only_the_results(
    pages_for: Callable[..., PageClient], worlds: RosterWorld
) -> None:
    admin = pages_for("admin")
    fragment = admin.get("/students?q=student2", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert listed(fragment.text) == ["Student2"]
    assert 'data-announce="1 student found"' in fragment.text
    # history restore (back button after a swap) gets the whole page
    restored = admin.get(
        "/students?q=student2",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restored.text
    full = admin.get("/students").text
    assert 'hx-get="/students"' in full
    assert 'hx-target="#student-results"' in full
    assert "input changed delay:300ms" in full


def test_only_admins_see_the_list(pages_for: Callable[..., PageClient]) -> None:
    for role in ("teacher", "student"):
        refused = pages_for(role).get("/students")
        assert refused.status_code == 403
        assert "student@north.example.org" not in refused.text


def test_the_list_in_dutch(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    add_students(session_factory, worlds, 12, course=False)
    page = pages_for("admin", language="nl").get("/students?status=all")
    assert 'lang="nl"' in page.text
    assert "<h1>Leerlingen</h1>" in page.text
    assert "15 leerlingen gevonden" in page.text
    assert "Leerlingnummer" in page.text
    assert "Gearchiveerd" in page.text
    assert "Student number" not in page.text
