"""Random balanced teams: the course's students dealt into teams of about ``team_size``.

The rule (docs/api.md says the same): n students and a team size k make ``ceil(n / k)`` teams,
so no team is larger than k, and dealing round-robin makes sizes differ by at most one (every
team has ``floor(n / m)`` or ``ceil(n / m)`` members for m teams). A team is smaller than k - 1
only when no split into m teams of at most k avoids it (5 students by 4: 3 + 2).

Reproducible: the students sorted by id are shuffled with ``random.Random(seed)``; without a seed
one is drawn and answered, so the same layout can be made again.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import Project, ProjectTeam, ProjectTeamMember, TeamSource
from teameval.projects.teams.layout import TeamSpec
from teameval.projects.teams.sources.students import enrolled_student_ids

MIN_TEAM_SIZE = 2
MAX_TEAM_SIZE = 50
# A seed is 0 to 2**31 - 1 (the API's bound, like every integer it takes); drawn ones too.
SEED_BITS = 31


def deal(student_ids: Collection[int], team_size: int, seed: int) -> list[list[int]]:
    """The pure generator: ``student_ids`` into ``ceil(n / team_size)`` teams, sizes within one."""
    if team_size < 1:
        raise ValueError("team_size must be at least 1")
    students = sorted(student_ids)
    random.Random(seed).shuffle(students)
    count = math.ceil(len(students) / team_size)
    teams: list[list[int]] = [[] for _ in range(count)]
    for index, student_id in enumerate(students):
        teams[index % count].append(student_id)
    return teams


def draw_seed() -> int:
    return random.SystemRandom().getrandbits(SEED_BITS)


@dataclass(frozen=True)
class Generated:
    specs: list[TeamSpec]
    seed: int
    replace_all: bool  # False for "unassigned": the existing teams are kept as they are


def generate_specs(
    session: Session, project: Project, team_size: int, seed: int, *, unassigned_only: bool
) -> Generated:
    """Teams for every actively enrolled, non-archived student of the course, or (``unassigned
    _only``) for those not in a current team of the project, numbered after the existing ones."""
    students = enrolled_student_ids(session, project.course_id)
    first_number = 1
    if unassigned_only:
        assigned = set(
            session.scalars(
                select(ProjectTeamMember.user_id).where(
                    ProjectTeamMember.project_id == project.id,
                    ProjectTeamMember.is_current.is_(True),
                )
            )
        )
        students = [student for student in students if student not in assigned]
        highest = session.scalar(
            select(ProjectTeam.team_number)
            .where(ProjectTeam.project_id == project.id, ProjectTeam.is_current.is_(True))
            .order_by(ProjectTeam.team_number.desc())
            .limit(1)
        )
        first_number = (highest or 0) + 1
    specs = [
        TeamSpec(
            team_number=first_number + index,
            member_ids=tuple(sorted(members)),
            # A new random roster: an old team's name would describe other people.
            name=f"Team {first_number + index}",
            backfill_source=TeamSource.GENERATED,
        )
        for index, members in enumerate(deal(students, team_size, seed))
    ]
    return Generated(specs=specs, seed=seed, replace_all=not unassigned_only)
