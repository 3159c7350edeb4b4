"""Bring students to a wanted state in bulk: the engine behind POST/PATCH and the CSV import.

(Contract stub; implemented by the CSV-import work. See the docstrings for the semantics.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor

Action = Literal["create", "update", "unchanged", "error"]


@dataclass(frozen=True)
class StudentSpec:
    """The wanted state of one student, keyed by email. ``None`` means "not given: leave as is".

    ``courses`` given means "exactly this set of active enrollments" (codes); ``teams`` are
    (course code, team number) legacy team memberships (they enroll too).
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


@dataclass
class StudentOutcome:
    email: str
    action: Action
    student_id: int | None = None
    line: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


def sync_students(
    session: Session,
    actor: Actor,
    specs: Sequence[StudentSpec],
    *,
    write: bool = True,
    create_missing: bool = True,
) -> list[StudentOutcome]:
    """Plan (and with ``write``, apply) each spec; a constant number of queries for any count."""
    raise NotImplementedError
