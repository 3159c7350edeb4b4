"""The team builder's form reader and move logic (web/projects/moves.py), property-based: any
set of moves from the layout the page showed leaves every student in exactly the team chosen,
in at most one team, and touches only the teams a move names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teameval.web.projects.moves import (
    LayoutFormError,
    Move,
    StaleLayout,
    apply_moves,
    read_moves,
)


@st.composite
def layouts_and_choices(
    draw: st.DrawFn,
) -> tuple[dict[int, list[int]], list[int], dict[int, int | None]]:
    """A layout (team number → members), students in no team, and a choice per student."""
    numbers = draw(st.lists(st.integers(1, 30), unique=True, max_size=6))
    people = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=40))
    layout: dict[int, list[int]] = {number: [] for number in numbers}
    loose: list[int] = []
    for person in people:
        team = draw(st.sampled_from([None, *numbers]))
        (loose if team is None else layout[team]).append(person)
    choice = {person: draw(st.sampled_from([None, *numbers])) for person in people}
    return layout, loose, choice


def form_rows(
    layout: dict[int, list[int]], loose: list[int], choice: dict[int, int | None]
) -> tuple[list[str], list[str], list[str]]:
    students, was, team = [], [], []
    shown = [(p, n) for n, members in layout.items() for p in members] + [(p, None) for p in loose]
    for person, number in shown:
        students.append(str(person))
        was.append("" if number is None else str(number))
        chosen = choice[person]
        team.append("" if chosen is None else str(chosen))
    return students, was, team


@given(layouts_and_choices())
def test_every_student_ends_in_the_team_chosen_and_in_one_team_at_most(
    drawn: tuple[dict[int, list[int]], list[int], dict[int, int | None]],
) -> None:
    layout, loose, choice = drawn
    moves = read_moves(*form_rows(layout, loose, choice))
    changed = apply_moves(layout, moves)
    after = {number: list(members) for number, members in layout.items()}
    after.update({number: list(members) for number, members in changed.items()})
    placed = [person for members in after.values() for person in members]
    assert len(placed) == len(set(placed))  # nobody in two teams
    team_of = {person: number for number, members in after.items() for person in members}
    assert {person: team_of.get(person) for person in choice} == choice
    # Only the teams a move leaves or joins are written.
    touched = {m.was for m in moves} | {m.to for m in moves}
    assert set(changed) == touched - {None}
    assert all(list(members) == sorted(members) for members in changed.values())


@given(layouts_and_choices())
def test_a_move_from_a_team_the_student_has_left_is_stale(
    drawn: tuple[dict[int, list[int]], list[int], dict[int, int | None]],
) -> None:
    layout, loose, choice = drawn
    moves = read_moves(*form_rows(layout, loose, choice))
    if not moves:
        return
    first = moves[0]
    # Someone else took the student out of every team since the page was drawn.
    elsewhere = {n: [p for p in members if p != first.student_id] for n, members in layout.items()}
    if first.was is None:
        return  # they were in no team: still true
    with pytest.raises(StaleLayout) as raised:
        apply_moves(elsewhere, moves)
    assert first.student_id in raised.value.students


def test_a_move_to_a_team_that_is_gone_is_stale() -> None:
    with pytest.raises(StaleLayout) as raised:
        apply_moves({1: [5]}, [Move(5, 1, 2)])
    assert raised.value.teams == (2,)


def test_unchanged_rows_are_no_moves() -> None:
    assert read_moves(["4", "5"], ["1", ""], ["1", ""]) == []
    assert read_moves(["4", "5"], ["1", ""], ["", "1"]) == [Move(4, 1, None), Move(5, None, 1)]


@pytest.mark.parametrize(
    ("students", "was", "team"),
    [
        (["1"], ["1"], []),  # a row without its select
        (["x"], [""], [""]),
        (["1"], [""], ["0"]),
        (["1"], [""], ["-2"]),
        (["1"], [""], ["1e3"]),
        (["1", "1"], ["", ""], ["1", "2"]),  # a student twice
        (["1"], [""], ["9" * 12]),
    ],
)
def test_a_form_the_builder_does_not_draw_is_refused(
    students: list[str], was: list[str], team: list[str]
) -> None:
    with pytest.raises(LayoutFormError):
        read_moves(students, was, team)
