"""Bring students to a wanted state in bulk: the one engine behind POST/PATCH and the CSV import.

``sync_students`` reads what it needs in a constant number of queries (``student_snapshot``),
plans every spec from that snapshot alone (here), then applies all valid plans together
(``student_apply``): one INSERT and one UPDATE for users, the enrollment writes called with all
pairs (in slices of 500), one audit insert. Nothing here commits; the caller owns the
transaction. The contract's types live in ``student_spec`` and are re-exported here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.kit.normalise import full_name, normalise_email, normalise_name
from teameval.kit.validation import email_problem
from teameval.roster.students.sync_apply import apply_plans
from teameval.roster.students.sync_plan import (
    MAX_LENGTHS,
    USER_FIELDS,
    Action,
    ErrorKind,
    SpecError,
    StudentOutcome,
    StudentPlan,
    StudentSpec,
)
from teameval.roster.students.sync_snapshot import ExistingUser, RosterSnapshot, load_snapshot

__all__ = [
    "Action",
    "ErrorKind",
    "StudentOutcome",
    "StudentSpec",
    "sync_students",
]


def sync_students(
    session: Session,
    actor: Actor,
    specs: Sequence[StudentSpec],
    *,
    write: bool = True,
    create_missing: bool = True,
    atomic: bool = True,
) -> list[StudentOutcome]:
    """Plan (and with ``write``, apply) each spec; a constant number of queries for any count.

    Outcomes come back in the order of ``specs``. With ``atomic`` (the default) one error means
    nothing is written; without it the valid specs are written and the errors reported.
    """
    emails = [normalise_email(spec.email) for spec in specs]
    snapshot = load_snapshot(
        session,
        actor.school_id,
        emails=emails,
        user_ids=[spec.student_id for spec in specs if spec.student_id is not None],
        student_numbers=[normalise_name(s.student_number) for s in specs if s.student_number],
        course_codes={
            *(code for spec in specs for code in spec.courses or ()),
            *(code for spec in specs for code, _ in spec.teams or ()),
        },
    )
    batch = _BatchChecks.of(specs, emails)
    outcomes: list[StudentOutcome] = []
    plans: list[StudentPlan] = []
    for spec, email in zip(specs, emails, strict=True):
        try:
            plan = _plan(spec, email, snapshot, batch, create_missing)
        except SpecError as error:
            outcomes.append(
                StudentOutcome(
                    email=email,
                    action="error",
                    student_id=_matched_id(spec, email, snapshot),
                    line=spec.line,
                    message=error.message,
                    error_kind=error.kind,
                    error_field=error.field,
                )
            )
            continue
        outcomes.append(plan.outcome)
        plans.append(plan)
    has_errors = any(outcome.action == "error" for outcome in outcomes)
    if write and not (atomic and has_errors):
        apply_plans(session, actor, plans, snapshot)
    return outcomes


def _matched_id(spec: StudentSpec, email: str, snapshot: RosterSnapshot) -> int | None:
    user = snapshot.users_by_id.get(spec.student_id or 0) or snapshot.users_by_email.get(email)
    return user.id if user is not None and user.role == "student" else None


@dataclass
class _BatchChecks:
    """Collisions between specs of one batch (two rows claiming one email or student number)."""

    lines_by_email: dict[str, list[int | None]]
    lines_by_number: dict[str, list[int | None]]

    @classmethod
    def of(cls, specs: Sequence[StudentSpec], emails: list[str]) -> _BatchChecks:
        by_email: dict[str, list[int | None]] = defaultdict(list)
        by_number: dict[str, list[int | None]] = defaultdict(list)
        for spec, email in zip(specs, emails, strict=True):
            by_email[email].append(spec.line)
            number = normalise_name(spec.student_number or "")
            if number:
                by_number[number].append(spec.line)
        return cls(by_email, by_number)

    @staticmethod
    def others(lines: list[int | None], line: int | None) -> str:
        rest = Counter(lines)
        rest[line] -= 1
        known = sorted(n for n in rest.elements() if n is not None)
        return f" (also on line {', '.join(map(str, known))})" if known else ""


def _plan(
    spec: StudentSpec,
    email: str,
    snapshot: RosterSnapshot,
    batch: _BatchChecks,
    create_missing: bool,
) -> StudentPlan:
    problem = email_problem(email) if email else "the email is empty"
    if problem:
        raise SpecError("invalid", f"invalid email {email!r}: {problem}", "email")
    if len(batch.lines_by_email[email]) > 1:
        where = batch.others(batch.lines_by_email[email], spec.line)
        raise SpecError("invalid", f"the email {email} appears more than once{where}", "email")
    user = _match_user(spec, email, snapshot, create_missing)
    values = _wanted_values(spec, email, user)
    _check_student_number(spec, values, user, snapshot, batch)
    outcome = StudentOutcome(
        email=email,
        action="create" if user is None else "unchanged",
        student_id=user.id if user else None,
        line=spec.line,
    )
    plan = StudentPlan(outcome=outcome, values=values)
    if user is None:
        outcome.changes = {k: v for k, v in values.items() if v is not None and k != "archived"}
        if values["archived"]:
            outcome.changes["archived"] = True
    else:
        outcome.changes = {
            name: {"from": getattr(user, name), "to": values[name]}
            for name in USER_FIELDS
            if getattr(user, name) != values[name]
        }
    _plan_courses(spec, plan, user, snapshot)
    if user is not None and outcome.changes:
        outcome.action = "update"
    return plan


def _match_user(
    spec: StudentSpec, email: str, snapshot: RosterSnapshot, create_missing: bool
) -> ExistingUser | None:
    if spec.student_id is not None:
        user = snapshot.users_by_id.get(spec.student_id)
        if user is None or user.role != "student":
            raise SpecError("not_found", f"no student with id {spec.student_id}", "student_id")
        holder = snapshot.users_by_email.get(email)
        if holder is not None and holder.id != user.id:
            raise SpecError(
                "conflict", f"the email {email} already belongs to another user", "email"
            )
        return user
    user = snapshot.users_by_email.get(email)
    if user is not None and spec.must_be_new:
        raise SpecError(
            "conflict",
            f"the email {email} already belongs to a {user.role} of this school",
            "email",
        )
    if user is not None and user.role != "student":
        raise SpecError(
            "conflict",
            f"{email} belongs to a {user.role}; a student import never changes teachers or admins",
            "email",
        )
    if user is None and not create_missing:
        raise SpecError("not_found", f"no student with email {email}", "email")
    return user


def _text(value: str | None, current: str | None, field_name: str) -> str | None:
    """``None`` keeps ``current``; "" clears; anything else is normalised and length-checked."""
    if value is None:
        return current
    cleaned = normalise_name(value)
    if len(cleaned) > MAX_LENGTHS[field_name]:
        raise SpecError(
            "invalid",
            f"{field_name} is longer than {MAX_LENGTHS[field_name]} characters",
            field_name,
        )
    return cleaned or None


def _wanted_values(spec: StudentSpec, email: str, user: ExistingUser | None) -> dict[str, Any]:
    if len(email) > MAX_LENGTHS["email"]:
        raise SpecError(
            "invalid", f"email is longer than {MAX_LENGTHS['email']} characters", "email"
        )
    first = _text(spec.first_name, user.first_name if user else None, "first_name")
    prefix = _text(spec.prefix, user.prefix if user else None, "prefix")
    last = _text(spec.last_name, user.last_name if user else None, "last_name")
    if spec.name is not None:
        name = _text(spec.name, None, "name")
        if name is None:
            raise SpecError("invalid", "the name is empty", "name")
    elif any(part is not None for part in (spec.first_name, spec.prefix, spec.last_name)):
        name = full_name(first, prefix, last) or None
        if name is None:
            raise SpecError("invalid", "the name is empty", "name")
        if len(name) > MAX_LENGTHS["name"]:
            raise SpecError(
                "invalid", f"name is longer than {MAX_LENGTHS['name']} characters", "name"
            )
    elif user is not None:
        name = user.name
    else:
        raise SpecError(
            "invalid", "a new student needs a name (name, or first and last name)", "name"
        )
    number = _text(spec.student_number, user.student_number if user else None, "student_number")
    return {
        "email": email,
        "name": name,
        "first_name": first,
        "prefix": prefix,
        "last_name": last,
        "student_number": number,
        "class_name": _text(spec.class_name, user.class_name if user else None, "class_name"),
        "archived": spec.archived
        if spec.archived is not None
        else (user.archived if user else False),
    }


def _check_student_number(
    spec: StudentSpec,
    values: dict[str, Any],
    user: ExistingUser | None,
    snapshot: RosterSnapshot,
    batch: _BatchChecks,
) -> None:
    number = values["student_number"]
    if number is None or spec.student_number is None:
        return
    holder = snapshot.number_holders.get(number)
    if holder is not None and (user is None or holder.id != user.id):
        raise SpecError(
            "conflict",
            f"student number {number} already belongs to {holder.email}",
            "student_number",
        )
    lines = batch.lines_by_number.get(number, [])
    if len(lines) > 1:
        where = batch.others(lines, spec.line)
        raise SpecError(
            "invalid",
            f"student number {number} appears more than once{where}",
            "student_number",
        )


def _resolve(codes: frozenset[str], snapshot: RosterSnapshot, field: str) -> dict[str, int]:
    resolved = {code: snapshot.course_id(code) for code in codes}
    unknown = sorted(code for code, course_id in resolved.items() if course_id is None)
    if unknown:
        noun = "course code" if len(unknown) == 1 else "course codes"
        raise SpecError("invalid", f"unknown {noun}: {', '.join(unknown)}", field)
    return {code: course_id for code, course_id in resolved.items() if course_id is not None}


def _plan_courses(
    spec: StudentSpec, plan: StudentPlan, user: ExistingUser | None, snapshot: RosterSnapshot
) -> None:
    student = user.id if user else None
    current_courses = snapshot.active_courses.get(student, set()) if student else set()
    wanted_courses = None
    if spec.courses is not None:
        wanted_courses = set(_resolve(spec.courses, snapshot, "courses").values())
        plan.enroll = wanted_courses - current_courses
        plan.unenroll = current_courses - wanted_courses
    if spec.teams is not None:
        _plan_teams(spec.teams, wanted_courses, plan, student, snapshot)
        # Joining a team enrolls in its course (enrollment covers membership).
        plan.enroll |= {course_id for course_id, _ in plan.join_teams} - current_courses
    code = snapshot.code_of_course.get
    if plan.enroll or plan.unenroll:
        plan.outcome.changes["courses"] = {
            "added": sorted(str(code(c)) for c in plan.enroll),
            "removed": sorted(str(code(c)) for c in plan.unenroll),
        }
    if plan.join_teams or plan.leave_groups:
        plan.outcome.changes["teams"] = {
            "added": sorted(f"{code(c)}:{n}" for c, n in plan.join_teams),
            "removed": sorted(
                f"{code(snapshot.team_of_group[g][0])}:{snapshot.team_of_group[g][1]}"
                for g in plan.leave_groups
            ),
        }


def _plan_teams(
    teams: frozenset[tuple[str, int]],
    wanted_courses: set[int] | None,
    plan: StudentPlan,
    student: int | None,
    snapshot: RosterSnapshot,
) -> None:
    for _, number in teams:
        if number < 1:
            raise SpecError("invalid", f"team {number} is not a positive whole number", "teams")
    team_courses = _resolve(frozenset(c for c, _ in teams), snapshot, "teams")
    if wanted_courses is not None:
        outside = sorted(
            c for c, course_id in team_courses.items() if course_id not in wanted_courses
        )
        if outside:
            raise SpecError(
                "invalid",
                f"a team in {', '.join(outside)}, which is not among the courses",
                "teams",
            )
    wanted_teams = {(team_courses[c], number) for c, number in teams}
    per_course = Counter(course_id for course_id, _ in wanted_teams)
    crowded = sorted(c for c, course_id in team_courses.items() if per_course[course_id] > 1)
    if crowded:
        raise SpecError(
            "invalid",
            f"more than one team in {', '.join(crowded)}; a student is in one team per course",
            "teams",
        )
    current_groups = snapshot.active_groups.get(student, set()) if student else set()
    current_teams = {snapshot.team_of_group[g] for g in current_groups}
    plan.join_teams = wanted_teams - current_teams
    plan.leave_groups = {g for g in current_groups if snapshot.team_of_group[g] not in wanted_teams}
