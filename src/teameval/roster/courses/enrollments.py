"""The one write path for ``course_enrollments``, and for ``group_members`` through the legacy
adapter (invariants 2, 3, 5).

Every function takes many pairs at once and runs a constant number of statements, so a single
API call and a 10,000-row import go through the same code. Ids must already be resolved within
the actor's school (see ``teameval.access``); these functions do not re-check tenancy.

Invariant 2 lives here: adding a membership enrolls first; ending an enrollment ends the
student's memberships in that course's groups, in the same transaction. The membership half is
``roster.legacy.adapter``'s, the only module that touches the legacy tables. Every row written
is counted and audited from what the database reports back (RETURNING; see ``pair_rows``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.models import CourseEnrollment, User
from teameval.projects.teams.departures import leave_course_teams
from teameval.roster.courses.pair_rows import Pair, PairTable, WriteSummary, activate, deactivate
from teameval.roster.legacy import adapter as legacy

__all__ = [
    "Pair",
    "WriteSummary",
    "add_to_groups",
    "enroll",
    "lock_students",
    "remove_from_groups",
    "unenroll",
]

ENROLLMENTS = PairTable(CourseEnrollment, "course_id", "student_id", "enrollment")


def lock_students(session: Session, student_ids: Iterable[int]) -> None:
    """Hold the students' rows until commit (PostgreSQL ``FOR NO KEY UPDATE``, in id order), so
    writes to one student's enrollments and teams run one after another.

    Without it two moves of one student can deadlock: each waits on an entry the other added to
    a unique index (the pair key, or the one-active-team-per-course key). ``NO KEY`` still lets
    other transactions insert rows that reference the students. SQLite runs one writer at a
    time, so there is nothing to lock there.
    """
    ids = sorted(set(student_ids))
    if ids and session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(User.id)
            .where(User.id.in_(ids))
            .order_by(User.id)
            .with_for_update(key_share=True)
        )


def enroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (course, student) enrollment active: create it, or reactivate it."""
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    return activate(session, actor, ENROLLMENTS, wanted)


def unenroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate enrollments (never delete) and the student's legacy memberships in that course;
    the students also leave the current teams of the course's draft and active projects.

    The memberships end whatever ``TEAMEVAL_LEGACY_GROUPS`` says (see the adapter's ``off``).
    """
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    summary = deactivate(session, actor, ENROLLMENTS, wanted)
    legacy.end_memberships_in_courses(session, actor, wanted)
    leave_course_teams(session, actor, wanted)
    return summary


def add_to_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (group, student) membership active, enrolling the student in the group's course
    first. A student in another active team of that course is a ``Conflict`` (see the adapter).
    """
    wanted = set(pairs)
    if not wanted:
        return WriteSummary()
    course_of = legacy.courses_of_groups(session, {group for group, _ in wanted})
    lock_students(session, (student for _, student in wanted))
    activate(session, actor, ENROLLMENTS, {(course_of[g], student) for g, student in wanted})
    return legacy.activate_memberships(session, actor, wanted, course_of)


def remove_from_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate memberships; the enrollment stays: leaving a team is not leaving a course."""
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    return legacy.deactivate_memberships(session, actor, wanted)
