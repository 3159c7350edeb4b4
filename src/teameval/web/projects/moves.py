"""The team builder's one form: per student the team chosen (and the team the page showed),
read into moves, and the moves applied to the project's current layout.

Only rows whose choice differs from what the page showed are moves; a student whose team
changed since the page was drawn (someone else saved) makes the whole save stale, so nothing is
written over another person's change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class LayoutFormError(ValueError):
    """The form is not one the builder draws (lengths differ, a value is not a number)."""


class StaleLayout(ValueError):
    """The layout changed since the page was drawn: ``students`` were moved by someone else, or
    a chosen team no longer exists."""

    def __init__(self, students: Sequence[int], teams: Sequence[int]) -> None:
        super().__init__(f"stale: students {list(students)}, teams {list(teams)}")
        self.students = tuple(students)
        self.teams = tuple(teams)


@dataclass(frozen=True)
class Move:
    student_id: int
    was: int | None  # the team number the page showed (None: no team)
    to: int | None  # the team number chosen (None: no team)


def _team_number(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise LayoutFormError(f"not a team number: {value!r}")
    number = int(text)
    if number < 1:
        raise LayoutFormError(f"not a team number: {value!r}")
    return number


def read_moves(students: Sequence[str], was: Sequence[str], to: Sequence[str]) -> list[Move]:
    """The rows of the form (three parallel lists, in the page's order) whose team changed."""
    if not (len(students) == len(was) == len(to)):
        raise LayoutFormError("the rows of the layout form are incomplete")
    moves: dict[int, Move] = {}
    for student, before, after in zip(students, was, to, strict=True):
        if not student.strip().isdigit() or len(student.strip()) > 12:
            raise LayoutFormError(f"not a student id: {student!r}")
        student_id = int(student)
        if student_id in moves:
            raise LayoutFormError(f"student {student_id} is in the form twice")
        moves[student_id] = Move(student_id, _team_number(before), _team_number(after))
    return [move for move in moves.values() if move.was != move.to]


def apply_moves(
    current: Mapping[int, Sequence[int]], moves: Sequence[Move]
) -> dict[int, tuple[int, ...]]:
    """The new members of each team the moves change (team number → sorted student ids), from
    ``current`` (team number → members). Raises ``StaleLayout`` when a move starts from a team
    the student is no longer in, or goes to a team that is no longer there."""
    team_of = {student: number for number, members in current.items() for student in members}
    stale_students = [move.student_id for move in moves if team_of.get(move.student_id) != move.was]
    gone = sorted({move.to for move in moves if move.to is not None and move.to not in current})
    if stale_students or gone:
        raise StaleLayout(stale_students, gone)
    changed: dict[int, set[int]] = {}
    for move in moves:
        if move.was is not None:
            changed.setdefault(move.was, set(current[move.was])).discard(move.student_id)
        if move.to is not None:
            changed.setdefault(move.to, set(current[move.to])).add(move.student_id)
    return {number: tuple(sorted(members)) for number, members in sorted(changed.items())}
