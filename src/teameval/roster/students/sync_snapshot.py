"""Everything a student sync needs to know about the database, read in a constant number of queries.

The planner then decides every row from these dictionaries alone: no query per row, so 5 rows and
10,000 rows cost the same number of round trips (DESIGN.md "No N+1").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from teameval.kit.normalise import match_course_code
from teameval.models import Course, CourseEnrollment, User
from teameval.roster.legacy import adapter as legacy
from teameval.roster.legacy.adapter import TeamKey

__all__ = ["ExistingUser", "RosterSnapshot", "TeamKey", "load_snapshot"]


@dataclass(frozen=True)
class ExistingUser:
    """A plain copy of a users row (not an ORM object: bulk UPDATEs bypass the identity map)."""

    id: int
    email: str
    role: str
    name: str
    first_name: str | None
    prefix: str | None
    last_name: str | None
    student_number: str | None
    class_name: str | None
    archived: bool


@dataclass
class RosterSnapshot:
    users_by_email: dict[str, ExistingUser] = field(default_factory=dict)
    users_by_id: dict[int, ExistingUser] = field(default_factory=dict)
    number_holders: dict[str, ExistingUser] = field(default_factory=dict)
    # lower-cased code → {stored code: course id}
    courses_by_lower_code: dict[str, dict[str, int]] = field(default_factory=dict)
    code_of_course: dict[int, str] = field(default_factory=dict)
    groups_by_team: dict[TeamKey, int] = field(default_factory=dict)
    team_of_group: dict[int, TeamKey] = field(default_factory=dict)
    active_courses: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    active_groups: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def course_id(self, code: str) -> int | None:
        """Exact code first; otherwise a case-insensitive match, if it is unambiguous."""
        return match_course_code(code, self.courses_by_lower_code.get(code.lower(), {}))


_USER_COLUMNS = (
    User.id,
    User.email,
    User.role,
    User.name,
    User.first_name,
    User.prefix,
    User.last_name,
    User.student_number,
    User.class_name,
    User.archived,
)


def _user(row: tuple[object, ...]) -> ExistingUser:
    return ExistingUser(*row)  # type: ignore[arg-type]


def load_snapshot(
    session: Session,
    school_id: int,
    *,
    emails: Collection[str],
    user_ids: Collection[int],
    student_numbers: Collection[str],
    course_codes: Collection[str],
) -> RosterSnapshot:
    """Users by email/id/student number, the named courses, and the found students' current
    enrollments and legacy memberships. At most five SELECTs, whatever the number of rows."""
    snapshot = RosterSnapshot()
    if emails or user_ids or student_numbers:
        conditions = []
        if emails:
            conditions.append(User.email.in_(sorted(set(emails))))
        if user_ids:
            conditions.append(User.id.in_(sorted(set(user_ids))))
        if student_numbers:
            conditions.append(User.student_number.in_(sorted(set(student_numbers))))
        rows = session.execute(
            select(*_USER_COLUMNS).where(User.school_id == school_id, or_(*conditions))
        )
        for row in rows:
            user = _user(tuple(row))
            snapshot.users_by_email[user.email] = user
            snapshot.users_by_id[user.id] = user
            if user.student_number is not None:
                snapshot.number_holders[user.student_number] = user
    _load_courses(session, school_id, snapshot, course_codes)
    students = [u.id for u in snapshot.users_by_id.values() if u.role == "student"]
    _load_memberships(session, snapshot, students)
    return snapshot


def _load_courses(
    session: Session, school_id: int, snapshot: RosterSnapshot, codes: Collection[str]
) -> None:
    if not codes:
        return
    lowered = sorted({code.lower() for code in codes})
    courses = session.execute(
        select(Course.id, Course.code).where(
            Course.school_id == school_id, func.lower(Course.code).in_(lowered)
        )
    ).all()
    for course_id, code in courses:
        snapshot.courses_by_lower_code.setdefault(code.lower(), {})[code] = course_id
        snapshot.code_of_course[course_id] = code
    for group_id, team in legacy.teams_of_courses(session, [course_id for course_id, _ in courses]):
        snapshot.groups_by_team[team] = group_id
        snapshot.team_of_group[group_id] = team


def _load_memberships(session: Session, snapshot: RosterSnapshot, students: list[int]) -> None:
    if not students:
        return
    enrollments = session.execute(
        select(CourseEnrollment.student_id, CourseEnrollment.course_id, Course.code)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(CourseEnrollment.student_id.in_(students), CourseEnrollment.active.is_(True))
    )
    for student_id, course_id, code in enrollments:
        snapshot.active_courses[student_id].add(course_id)
        snapshot.code_of_course.setdefault(course_id, code)
    for student_id, group_id, team, code in legacy.active_memberships_of(session, students):
        snapshot.active_groups[student_id].add(group_id)
        snapshot.team_of_group[group_id] = team
        snapshot.code_of_course.setdefault(team[0], code)
