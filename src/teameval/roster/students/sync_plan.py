"""The contract of the student sync engine: what callers ask for and what they get back.

``StudentSpec`` and ``StudentOutcome`` are used by the admin student API and the CSV import
alike; ``StudentPlan`` and ``SpecError`` are the engine's own (planner → writer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from teameval.roster.students.sync_snapshot import TeamKey

Action = Literal["create", "update", "unchanged", "error"]
# How an error maps to HTTP: "invalid" → 422, "conflict" → 409, "not_found" → 404.
ErrorKind = Literal["invalid", "conflict", "not_found"]

# Column widths of the users table; PostgreSQL rejects longer values, so we report them first.
MAX_LENGTHS = {
    "email": 320,
    "name": 200,
    "first_name": 100,
    "prefix": 50,
    "last_name": 100,
    "student_number": 50,
    "class_name": 50,
}
USER_FIELDS = (
    "email",
    "name",
    "first_name",
    "prefix",
    "last_name",
    "student_number",
    "class_name",
    "archived",
)


@dataclass(frozen=True)
class StudentSpec:
    """The wanted state of one student. ``None`` means "not given: leave as is".

    Matched by ``student_id`` when given (then ``email`` is the wanted, possibly new, address),
    else by ``email``. For ``prefix``, ``student_number`` and ``class_name`` an empty string
    means "clear it". A ``name`` given wins; otherwise, when any name part is given, the name is
    composed from the parts (missing parts keep their current value).

    ``courses`` given means "exactly this set of active enrollments" (codes); ``teams`` given
    means "exactly these active legacy team memberships", as (course code, team number); teams
    enroll too, and with ``courses`` given every team's course must be among them, and at most
    one team per course.

    ``must_be_new`` (a create by hand): a student that already holds the email is a conflict,
    never an update, even when they appeared between the caller's check and this sync.
    """

    email: str
    name: str | None = None
    first_name: str | None = None
    prefix: str | None = None
    last_name: str | None = None
    student_number: str | None = None
    class_name: str | None = None
    courses: frozenset[str] | None = None
    teams: frozenset[tuple[str, int]] | None = None
    archived: bool | None = None
    line: int | None = None  # source line, for error reports
    student_id: int | None = None
    must_be_new: bool = False


@dataclass
class StudentOutcome:
    email: str
    action: Action
    student_id: int | None = None
    line: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    error_kind: ErrorKind | None = None
    # The StudentSpec field the error is about ("email", "courses", "teams", "student_number",
    # "name", ...), or "student_id" when the student itself is not found.
    error_field: str | None = None


@dataclass
class StudentPlan:
    """What to write for one valid spec; ``values`` is the complete wanted users row."""

    outcome: StudentOutcome
    values: dict[str, Any]
    enroll: set[int] = field(default_factory=set)
    unenroll: set[int] = field(default_factory=set)
    join_teams: set[TeamKey] = field(default_factory=set)
    leave_groups: set[int] = field(default_factory=set)

    @property
    def is_new(self) -> bool:
        return self.outcome.student_id is None


class SpecError(Exception):
    def __init__(self, kind: ErrorKind, message: str, field: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field
