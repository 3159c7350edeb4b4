"""Writing students from the API: every user-row change goes through ``sync_students``.

The same engine serves the CSV import, so a student created or changed by hand and one imported
are validated, normalised and audited identically. This module only turns a request body into a
``StudentSpec`` and an error outcome into the matching problem.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.errors import AppError, Conflict, InvalidInput, NotFound
from teameval.kit.normalise import normalise_email
from teameval.models import User
from teameval.roster.courses import enrollments
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.schemas import StudentCreate, StudentFields, StudentUpdate, TeamRef
from teameval.roster.students.sync import StudentOutcome, StudentSpec, sync_students

# Optional text fields a PATCH may clear by sending null; the sync engine clears on "".
_CLEARABLE = ("first_name", "prefix", "last_name", "student_number", "class_name")

LEGACY_TEAMS_OFF = (
    "Legacy teams are switched off (TEAMEVAL_LEGACY_GROUPS=off): 'teams' cannot be set. "
    "Enroll the student with 'courses'; teams are formed per project (project teams)."
)


def _check_teams_allowed(teams: list[TeamRef] | None, settings: Settings) -> None:
    if teams is not None and not legacy.is_on(settings):
        raise InvalidInput(
            LEGACY_TEAMS_OFF, errors=[{"field": "teams", "message": LEGACY_TEAMS_OFF}]
        )


def _field_values(body: StudentFields, *, clear_nulls: bool) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {}
    for name in ("name", *_CLEARABLE):
        if name not in sent:
            continue
        if sent[name] is None:
            if name == "name":
                raise InvalidInput(
                    "The name cannot be null.", errors=[{"field": "name", "message": "null"}]
                )
            if clear_nulls:
                values[name] = ""
            continue
        values[name] = sent[name]
    return values


def _teams(teams: list[TeamRef] | None) -> frozenset[tuple[str, int]] | None:
    if teams is None:
        return None
    return frozenset((team.course.strip(), team.team_number) for team in teams)


def _courses(codes: list[str] | None) -> frozenset[str] | None:
    return None if codes is None else frozenset(code.strip() for code in codes)


class FieldConflict(Conflict):
    """A 409 about one field (a taken email or student number). The problem body is exactly
    ``Conflict``'s; ``field`` is for a form that shows the message next to that field."""

    def __init__(self, detail: str, field: str | None) -> None:
        super().__init__(detail)
        self.field = field


def raise_for_outcome(outcome: StudentOutcome) -> None:
    """Turn an error outcome into the problem with the right status; do nothing otherwise."""
    if outcome.action != "error":
        return
    message = outcome.message or "the student cannot be saved"
    detail = message[:1].upper() + message[1:] + "."
    error: AppError
    if outcome.error_kind == "conflict":
        error = FieldConflict(detail, outcome.error_field)
    elif outcome.error_kind == "not_found":
        error = NotFound(detail)
    else:
        error = InvalidInput(
            detail, errors=[{"field": outcome.error_field or "body", "message": message}]
        )
    raise error


def _sync_one(session: Session, actor: Actor, spec: StudentSpec, *, create: bool) -> int:
    [outcome] = sync_students(session, actor, [spec], write=True, create_missing=create)
    raise_for_outcome(outcome)
    assert outcome.student_id is not None  # set for every written student, new ones included
    return outcome.student_id


def create_student(session: Session, actor: Actor, body: StudentCreate, settings: Settings) -> int:
    """A new student (409 if the email or student number is anyone's in the school, also when
    another request takes it at the same time); returns the new id."""
    _check_teams_allowed(body.teams, settings)
    email = normalise_email(body.email)
    holder = session.scalar(
        select(User.role).where(User.school_id == actor.school_id, User.email == email)
    )
    if holder is not None:
        raise Conflict(f"The email {email} already belongs to a {holder} of this school.")
    spec = StudentSpec(
        email=email,
        courses=_courses(body.courses),
        teams=_teams(body.teams),
        # A racing create of the same email must end in 409, never in renaming the winner.
        must_be_new=True,
        **_field_values(body, clear_nulls=False),
    )
    return _sync_one(session, actor, spec, create=True)


def update_student(
    session: Session, actor: Actor, student: User, body: StudentUpdate, settings: Settings
) -> None:
    """Change only what was sent; ``courses`` sent is the complete wanted set.

    The student's row is locked before the sync reads it, so simultaneous changes of one
    student run one after another and each is compared (and audited) against the one before.
    """
    _check_teams_allowed(body.teams, settings)
    enrollments.lock_students(session, [student.id])
    sent = body.model_dump(exclude_unset=True)
    if "email" in sent and body.email is None:
        raise InvalidInput(
            "The email cannot be null.", errors=[{"field": "email", "message": "null"}]
        )
    spec = StudentSpec(
        student_id=student.id,
        email=normalise_email(body.email) if body.email is not None else student.email,
        courses=_courses(body.courses),
        teams=_teams(body.teams),
        **_field_values(body, clear_nulls=True),
    )
    _sync_one(session, actor, spec, create=False)


def set_archived(session: Session, actor: Actor, student: User, archived: bool) -> None:
    """Archive (can no longer sign in; enrollments and history kept) or unarchive."""
    enrollments.lock_students(session, [student.id])
    spec = StudentSpec(student_id=student.id, email=student.email, archived=archived)
    _sync_one(session, actor, spec, create=False)
