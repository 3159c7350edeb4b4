"""sync_students: the engine under POST/PATCH /admin/students and the CSV import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, CourseEnrollment, Group, GroupMember, User
from teameval.roster.students.sync import StudentSpec, sync_students
from tests.factories import SchoolWorld, make_group
from tests.roster.import_helpers import admin_actor

Factory = sessionmaker[Session]


def _sync(factory: Factory, world: SchoolWorld, *specs: StudentSpec, **options: bool):  # type: ignore[no-untyped-def]
    with factory.begin() as session:
        return sync_students(session, admin_actor(world), list(specs), **options)


def _active_codes(session: Session, student_id: int) -> set[str]:
    from teameval.models import Course

    return set(
        session.scalars(
            select(Course.code)
            .join(CourseEnrollment, CourseEnrollment.course_id == Course.id)
            .where(CourseEnrollment.student_id == student_id, CourseEnrollment.active.is_(True))
        )
    )


@pytest.mark.legacy
def test_creates_a_student_with_courses_and_team_and_audits_it(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    spec = StudentSpec(
        email=" New@North.Example.org ",
        first_name="Jan",
        prefix="van der",
        last_name="Berg",
        student_number="1001",
        courses=frozenset({"OO-4A"}),
        teams=frozenset({("OO-4A", 3)}),
    )
    [outcome] = _sync(session_factory, north, spec)
    assert outcome.action == "create"
    assert outcome.student_id is not None
    with session_factory() as session:
        user = session.get(User, outcome.student_id)
        assert user is not None
        assert (user.email, user.name, user.role) == (
            "new@north.example.org",
            "Jan van der Berg",
            "student",
        )
        assert _active_codes(session, user.id) == {"OO-4A"}
        group = session.scalar(select(Group).where(Group.course_id == north.course.id))
        assert group is not None
        assert (group.name, group.team_number) == ("OO-4A team 3", 3)
        actions = set(session.scalars(select(AuditLog.action)))
        assert {
            "user.created",
            "enrollment.created",
            "group_member.created",
            "group.created",
        } <= actions
    # The same spec again changes nothing.
    [again] = _sync(session_factory, north, spec)
    assert again.action == "unchanged", again.changes


def test_courses_given_is_the_exact_set(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools  # north.student is enrolled in OO-4A by the fixture
    [outcome] = _sync(
        session_factory, north, StudentSpec(email=north.student.email, courses=frozenset({"NLT-5"}))
    )
    assert outcome.action == "update"
    assert outcome.changes["courses"] == {"added": ["NLT-5"], "removed": ["OO-4A"]}
    with session_factory() as session:
        assert _active_codes(session, north.student.id) == {"NLT-5"}


@pytest.mark.legacy
def test_leaving_a_course_ends_its_team_membership(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    _sync(
        session_factory,
        north,
        StudentSpec(email=north.student.email, teams=frozenset({("OO-4A", 1)})),
    )
    _sync(session_factory, north, StudentSpec(email=north.student.email, courses=frozenset()))
    with session_factory() as session:
        active = session.scalar(
            select(func.count()).where(
                GroupMember.user_id == north.student.id, GroupMember.active.is_(True)
            )
        )
        assert active == 0
        assert _active_codes(session, north.student.id) == set()


@pytest.mark.legacy
def test_moving_team_leaves_the_old_one(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    with session_factory.begin() as session:
        old = make_group(session, session.merge(north.course), 1)
        old_id = old.id
    email = north.student.email
    _sync(session_factory, north, StudentSpec(email=email, teams=frozenset({("OO-4A", 1)})))
    [outcome] = _sync(
        session_factory, north, StudentSpec(email=email, teams=frozenset({("OO-4A", 2)}))
    )
    assert outcome.changes["teams"] == {"added": ["OO-4A:2"], "removed": ["OO-4A:1"]}
    with session_factory() as session:
        rows = session.execute(
            select(GroupMember.group_id, GroupMember.active).where(
                GroupMember.user_id == north.student.id
            )
        ).all()
        assert (old_id, False) in rows
        assert sum(1 for _, active in rows if active) == 1


@pytest.mark.parametrize(
    ("spec_fields", "kind", "fragment"),
    [
        ({"email": "not-an-email", "name": "X"}, "invalid", "invalid email"),
        ({"email": "teacher@north.example.org", "name": "X"}, "conflict", "teacher"),
        ({"email": "admin@north.example.org"}, "conflict", "admin"),
        ({"email": "new@north.example.org"}, "invalid", "needs a name"),
        (
            {"email": "new@north.example.org", "name": "X", "courses": frozenset({"NOPE"})},
            "invalid",
            "unknown course code: NOPE",
        ),
        (
            {"email": "new@north.example.org", "name": "X", "teams": frozenset({("OO-4A", 0)})},
            "invalid",
            "team 0",
        ),
        (
            {
                "email": "new@north.example.org",
                "name": "X",
                "courses": frozenset({"NLT-5"}),
                "teams": frozenset({("OO-4A", 1)}),
            },
            "invalid",
            "not among the courses",
        ),
        (
            {"email": "new@north.example.org", "name": "X", "student_number": "S-1"},
            "conflict",
            "S-1",
        ),
        ({"email": "new@north.example.org", "name": "x" * 201}, "invalid", "longer than 200"),
    ],
)
def test_errors_have_a_kind_and_write_nothing(
    session_factory: Factory,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    spec_fields: dict[str, object],
    kind: str,
    fragment: str,
) -> None:
    north, _ = two_schools
    with session_factory.begin() as session:
        session.get(User, north.other_student.id).student_number = "S-1"  # type: ignore[union-attr]
    fine = StudentSpec(email="fine@north.example.org", name="Fine")
    bad = StudentSpec(line=7, **spec_fields)  # type: ignore[arg-type]
    fine_outcome, bad_outcome = _sync(session_factory, north, fine, bad)
    assert fine_outcome.action == "create"
    assert bad_outcome.action == "error"
    assert bad_outcome.error_kind == kind
    assert bad_outcome.line == 7
    assert fragment in (bad_outcome.message or "")
    with session_factory() as session:
        assert session.scalar(select(User.id).where(User.email == fine.email)) is None


def test_without_atomic_the_valid_specs_are_written(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    outcomes = _sync(
        session_factory,
        north,
        StudentSpec(email="fine@north.example.org", name="Fine"),
        StudentSpec(email="broken", name="Broken"),
        atomic=False,
    )
    assert [o.action for o in outcomes] == ["create", "error"]
    with session_factory() as session:
        assert session.scalar(select(User.id).where(User.email == "fine@north.example.org"))


def test_duplicates_in_one_batch_are_errors_on_every_line(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    outcomes = _sync(
        session_factory,
        north,
        StudentSpec(email="twice@north.example.org", name="A", line=2),
        StudentSpec(email="TWICE@north.example.org", name="B", line=5),
        StudentSpec(email="n1@north.example.org", name="C", student_number="9", line=6),
        StudentSpec(email="n2@north.example.org", name="D", student_number="9", line=8),
    )
    assert [o.action for o in outcomes] == ["error"] * 4
    assert "also on line 5" in (outcomes[0].message or "")
    assert "also on line 2" in (outcomes[1].message or "")
    assert "also on line 8" in (outcomes[2].message or "")


def test_create_missing_false_reports_not_found_and_student_id_matches(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, south = two_schools
    [missing] = _sync(
        session_factory, north, StudentSpec(email="nobody@north.example.org"), create_missing=False
    )
    assert missing.error_kind == "not_found"
    # Another school's student id is not found either (tenant isolation).
    [foreign] = _sync(
        session_factory,
        north,
        StudentSpec(email="x@north.example.org", student_id=south.student.id),
        create_missing=False,
    )
    assert foreign.error_kind == "not_found"
    [renamed] = _sync(
        session_factory,
        north,
        StudentSpec(
            email="renamed@north.example.org", student_id=north.student.id, class_name="5B"
        ),
        create_missing=False,
    )
    assert renamed.action == "update"
    assert set(renamed.changes) == {"email", "class_name"}
    [taken] = _sync(
        session_factory,
        north,
        StudentSpec(email=north.other_student.email, student_id=north.student.id),
        create_missing=False,
    )
    assert taken.error_kind == "conflict"


def test_absent_fields_stay_and_empty_string_clears(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    email = north.student.email
    _sync(
        session_factory,
        north,
        StudentSpec(email=email, class_name="4A", student_number="77", archived=True),
    )
    [outcome] = _sync(session_factory, north, StudentSpec(email=email, name="Renamed"))
    assert set(outcome.changes) == {"name"}
    with session_factory() as session:
        user = session.get(User, north.student.id)
        assert user is not None
        assert (user.class_name, user.student_number, user.archived) == ("4A", "77", True)
    _sync(session_factory, north, StudentSpec(email=email, class_name=""))
    with session_factory() as session:
        user = session.get(User, north.student.id)
        assert user is not None
        assert user.class_name is None


def test_preview_writes_nothing(
    session_factory: Factory, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    [outcome] = _sync(
        session_factory, north, StudentSpec(email="p@north.example.org", name="P"), write=False
    )
    assert outcome.action == "create"
    with session_factory() as session:
        assert session.scalar(select(User.id).where(User.email == "p@north.example.org")) is None


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (StudentSpec(email="bad", name="X"), "email"),
        (StudentSpec(email="n@north.example.org"), "name"),
        (StudentSpec(email="n@north.example.org", name="X", courses=frozenset({"NO"})), "courses"),
        (StudentSpec(email="n@north.example.org", name="X", teams=frozenset({("NO", 1)})), "teams"),
        (StudentSpec(email="n@north.example.org", name="X", class_name="c" * 51), "class_name"),
        (StudentSpec(email="n@north.example.org", student_id=10**6), "student_id"),
    ],
)
def test_errors_name_the_field(
    session_factory: Factory,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    spec: StudentSpec,
    field: str,
) -> None:
    [outcome] = _sync(session_factory, two_schools[0], spec)
    assert (outcome.action, outcome.error_field) == ("error", field), outcome.message
