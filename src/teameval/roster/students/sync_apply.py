"""Write a batch of planned students in bulk: statements per batch, never per row."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import Conflict
from teameval.kit.upsert import collided_key
from teameval.models import Role, User
from teameval.models.base import utcnow
from teameval.roster.courses import enrollments
from teameval.roster.courses.enrollments import Pair, WriteSummary
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.sync_plan import USER_FIELDS, StudentPlan
from teameval.roster.students.sync_snapshot import RosterSnapshot, TeamKey

# The enrollment writes look pairs up with a tuple IN (two bind parameters per pair). SQLite
# allows 32,766 parameters per statement, and on PostgreSQL such lookups get slower per pair as
# the list grows (measured: 20,000 pairs cost 0.44 s in slices of 500, 0.80 s in slices of
# 5,000), so a large import goes through them in slices: a constant number of statements per
# slice, never per row.
PAIRS_PER_CALL = 500


def apply_plans(
    session: Session, actor: Actor, plans: Sequence[StudentPlan], snapshot: RosterSnapshot
) -> None:
    new = [plan for plan in plans if plan.is_new]
    changed = [plan for plan in plans if not plan.is_new and _user_fields_changed(plan)]
    try:
        _insert_new_students(session, actor, new)
        _update_changed_students(session, changed)
        groups = _ensure_groups(session, actor, plans, snapshot)
    except IntegrityError as error:
        # Another writer took an email or student number between our read and our write.
        raise _collision(error, plans) from error
    _audit_users(session, actor, plans)
    pairs = _Pairs()
    for plan in plans:
        student = plan.outcome.student_id
        assert student is not None  # set on insert for new students
        pairs.unenroll.extend((course, student) for course in plan.unenroll)
        # Joining a team enrolls in its course already; asking twice would only cost queries.
        team_courses = {course for course, _ in plan.join_teams}
        pairs.enroll.extend((course, student) for course in plan.enroll - team_courses)
        pairs.join.extend((groups[team], student) for team in plan.join_teams)
        pairs.leave.extend((group, student) for group in plan.leave_groups)
    # Order matters: leaving a course ends its memberships; joining a team enrolls first.
    _in_slices(enrollments.unenroll, session, actor, pairs.unenroll)
    _in_slices(enrollments.remove_from_groups, session, actor, pairs.leave)
    _in_slices(enrollments.enroll, session, actor, pairs.enroll)
    _in_slices(enrollments.add_to_groups, session, actor, pairs.join)


def _collision(error: IntegrityError, plans: Sequence[StudentPlan]) -> Conflict:
    what = collided_key(error) or "email or student number"
    if len(plans) == 1:
        values = plans[0].values
        taken = values["student_number"] if what == "student number" else values["email"]
        return Conflict(
            f"The {what} {taken} was taken by another user at the same time; nothing was saved.",
            field=what.replace(" ", "_"),
        )
    return Conflict(
        f"Another change took an {what} of these students at the same time; nothing was saved. "
        "Run the import again.",
        field=what.replace(" ", "_"),
    )


class _Pairs:
    def __init__(self) -> None:
        self.unenroll: list[Pair] = []
        self.enroll: list[Pair] = []
        self.join: list[Pair] = []
        self.leave: list[Pair] = []


def _in_slices(
    write: Callable[[Session, Actor, Iterable[Pair]], WriteSummary],
    session: Session,
    actor: Actor,
    pairs: list[Pair],
) -> None:
    iterator = iter(pairs)
    while chunk := list(islice(iterator, PAIRS_PER_CALL)):
        write(session, actor, chunk)


def _user_fields_changed(plan: StudentPlan) -> bool:
    return any(name in plan.outcome.changes for name in USER_FIELDS)


def _insert_new_students(session: Session, actor: Actor, plans: Sequence[StudentPlan]) -> None:
    if not plans:
        return
    rows = [
        {**plan.values, "school_id": actor.school_id, "role": Role.STUDENT.value} for plan in plans
    ]
    # A plain executemany, then one SELECT for the new ids: on PostgreSQL this is four times
    # faster than INSERT … RETURNING for 10,000 rows (measured 0.42 s against 1.67 s).
    users = cast(Table, User.__table__)
    session.execute(insert(users), rows)
    inserted = session.execute(
        select(users.c.email, users.c.id).where(
            users.c.school_id == actor.school_id,
            users.c.email.in_([plan.values["email"] for plan in plans]),
        )
    )
    id_of_email: dict[str, int] = {row.email: row.id for row in inserted}
    for plan in plans:
        plan.outcome.student_id = id_of_email[plan.values["email"]]


def _update_changed_students(session: Session, plans: Sequence[StudentPlan]) -> None:
    if not plans:
        return
    now = utcnow()
    # Every row carries every column, so this is one executemany, not one statement per shape.
    session.execute(
        update(User),
        [{"id": plan.outcome.student_id, **plan.values, "updated_at": now} for plan in plans],
        execution_options={"synchronize_session": False},
    )


def _ensure_groups(
    session: Session, actor: Actor, plans: Sequence[StudentPlan], snapshot: RosterSnapshot
) -> dict[TeamKey, int]:
    """Group ids for every team joined, creating "{code} team {n}" where it does not exist."""
    wanted = {team for plan in plans for team in plan.join_teams}
    missing = sorted(team for team in wanted if team not in snapshot.groups_by_team)
    found = {team: snapshot.groups_by_team[team] for team in wanted - set(missing)}
    if not missing:
        return found
    found.update(legacy.ensure_teams(session, actor, missing, snapshot.code_of_course))
    return found


def _audit_users(session: Session, actor: Actor, plans: Sequence[StudentPlan]) -> None:
    entries: list[AuditEntry] = []
    for plan in plans:
        changes: dict[str, Any] = {
            name: value for name, value in plan.outcome.changes.items() if name in USER_FIELDS
        }
        if not changes:
            continue
        verb = "created" if plan.outcome.action == "create" else "updated"
        entries.append(AuditEntry(f"user.{verb}", "user", plan.outcome.student_id, changes))
    record_many(session, actor, entries)
