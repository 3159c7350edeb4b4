"""The things the phase 2 definitions talk about: a team key and its :class:`State`, the
facts a batch reads (``reader``) and an operator's decision (``decisions``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    MAPPED = "mapped"
    TO_LINK = "to_link"
    TO_CREATE = "to_create"
    CROSS_SCHOOL = "cross_school"
    NO_TEAM_NUMBER = "no_team_number"
    NO_PROJECT = "no_project"
    AMBIGUOUS_PROJECT = "ambiguous_project"
    AMBIGUOUS_TEAM = "ambiguous_team"
    MEMBER_CONFLICT = "member_conflict"


# The order in which the unmapped reasons apply, and the order the reports list them in.
UNMAPPED_REASONS = (
    State.NO_TEAM_NUMBER,
    State.NO_PROJECT,
    State.AMBIGUOUS_PROJECT,
    State.AMBIGUOUS_TEAM,
    State.MEMBER_CONFLICT,
    State.CROSS_SCHOOL,
)
REASON_ORDER = (
    State.CROSS_SCHOOL,
    State.NO_TEAM_NUMBER,
    State.NO_PROJECT,
    State.AMBIGUOUS_PROJECT,
    State.AMBIGUOUS_TEAM,
    State.MEMBER_CONFLICT,
)
# A team the backfill creates carries this in project_teams.backfill_source.
CREATED_SOURCE = "migration"


@dataclass(frozen=True)
class Decision:
    """An operator's settlement of one key (``--decisions``): a project, or a team."""

    project_id: int | None
    project_team_id: int | None
    line: int


Decisions = Mapping[tuple[int, int | None], Decision]


@dataclass(frozen=True)
class Assessment:
    id: int
    school_id: int
    project_id: int | None
    project_team_id: int | None
    group_id: int
    group_school_id: int
    course_id: int
    group_team_number: int | None


@dataclass(frozen=True)
class Team:
    id: int
    school_id: int
    project_id: int
    team_number: int | None
    version: int
    backfill_source: str | None


@dataclass
class TeamKey:
    assessment_id: int
    school_id: int
    team_number: int | None
    group_id: int
    project_id: int | None = None
    state: State = State.TO_CREATE
    # The mapped team, the team to link, or (after the backfill created it) the new team.
    project_team_id: int | None = None
    # Junction source for a key to link: "linked" or "decision".
    source: str | None = None
    # A key to create: the members of its (project, t) team.
    members: frozenset[int] = frozenset()
    score_rows: int = 0
    scores_mapped: int = 0
    override_rows: dict[int, int] = field(default_factory=dict)  # student -> rows
    override_not_member: int = 0
    # The assessment's own columns: the backfill fills them only while NULL.
    own_project_id: int | None = None
    own_project_team_id: int | None = None

    @property
    def is_unmapped(self) -> bool:
        return self.state in REASON_ORDER


@dataclass
class Facts:
    """What a batch's keys are decided on."""

    assessments: dict[int, Assessment] = field(default_factory=dict)
    # Per key: (score rows, score rows mapped); written only through ``add_count``.
    counts: dict[tuple[int, int | None], tuple[int, int]] = field(default_factory=dict)
    # The team numbers of each assessment's keys, so finding them is a look-up, not a scan.
    numbers: dict[int, list[int | None]] = field(default_factory=lambda: defaultdict(list))
    overrides: dict[tuple[int, int | None], dict[int, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    junction: dict[tuple[int, int | None], int] = field(default_factory=dict)
    projects: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # school, course
    projects_of_course: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    teams: dict[int, Team] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    students_of_group: dict[int, dict[int, set[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    loaded_groups: set[int] = field(default_factory=set)
    loaded_courses: set[int] = field(default_factory=set)
    loaded_team_projects: set[int] = field(default_factory=set)
    loaded_member_teams: set[int] = field(default_factory=set)

    def add_count(self, assessment_id: int, number: int | None, rows: int, mapped: int) -> None:
        if (assessment_id, number) not in self.counts:
            self.numbers[assessment_id].append(number)
        self.counts[(assessment_id, number)] = (rows, mapped)

    def keys_of(self, assessment: Assessment) -> list[int | None]:
        numbers = list(self.numbers.get(assessment.id, ()))
        if not numbers and assessment.group_team_number is not None:
            return [assessment.group_team_number]
        return numbers
