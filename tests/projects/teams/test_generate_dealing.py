"""The pure generator: every student exactly once, balanced, reproducible, ceil(n / k) teams."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from teameval.projects.teams.sources.generate import deal

students = st.sets(st.integers(min_value=1, max_value=10**6), max_size=300)
sizes = st.integers(min_value=2, max_value=50)
seeds = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(students, sizes, seeds)
def test_every_student_is_dealt_exactly_once(ids: set[int], size: int, seed: int) -> None:
    teams = deal(ids, size, seed)
    dealt = [student for team in teams for student in team]
    assert sorted(dealt) == sorted(ids)


@given(students, sizes, seeds)
def test_sizes_differ_by_at_most_one_and_never_exceed_k(
    ids: set[int], size: int, seed: int
) -> None:
    teams = deal(ids, size, seed)
    lengths = [len(team) for team in teams]
    if lengths:
        assert max(lengths) - min(lengths) <= 1
        assert max(lengths) <= size
        assert min(lengths) >= 1


@given(students, sizes, seeds)
def test_team_count_is_ceil_n_over_k(ids: set[int], size: int, seed: int) -> None:
    assert len(deal(ids, size, seed)) == math.ceil(len(ids) / size)


@given(students, sizes, seeds)
def test_the_same_seed_deals_the_same_layout_whatever_the_input_order(
    ids: set[int], size: int, seed: int
) -> None:
    forwards = deal(sorted(ids), size, seed)
    backwards = deal(sorted(ids, reverse=True), size, seed)
    assert forwards == backwards == deal(ids, size, seed)


def test_different_seeds_deal_differently() -> None:
    ids = range(1, 41)
    layouts = {tuple(map(tuple, deal(ids, 4, seed))) for seed in range(5)}
    assert len(layouts) == 5


def test_the_documented_example_five_by_four_is_three_and_two() -> None:
    assert sorted(len(team) for team in deal(range(1, 6), 4, 1)) == [2, 3]
    assert deal([], 4, 1) == []
    assert [len(team) for team in deal(range(1, 4), 4, 1)] == [3]


def test_dealing_is_the_documented_recipe() -> None:
    """Shuffle the ids sorted ascending with random.Random(seed), deal round-robin."""
    import random

    ids = list(range(1, 11))
    shuffled = sorted(ids)
    random.Random(42).shuffle(shuffled)
    count = math.ceil(10 / 3)
    assert deal(ids, 3, 42) == [shuffled[i::count] for i in range(count)]
