"""The crafted legacy-shaped database of the phase 2 tests (issue 12): every team-key state,
every unmapped reason and both anomalies, each count known by hand.

Schools 1 (North) and 2 (South). ``t`` = COALESCE(score.team_number, group.team_number).

Courses, groups and projects
============================

======  ======  ======  =====================================================================
course  school  groups  projects with that course
======  ======  ======  =====================================================================
10      1       100 (t NULL), 101 (t 5), 102 (t NULL), 201 (*school 2*, t NULL)
                        1 (school 1): the only one, so assessments without project_id get it
11      1       110     2 and 3 (school 1): ``ambiguous_project``
12      1       120     none: ``no_project``
20      2       200     20 (school 2)
======  ======  ======  =====================================================================

Project 5 (school 1) has no course and no team (a decision target). Project 20 is school 2's.

Project teams (team_id = the cohort group they came from; members in brackets)
==============================================================================

====  =======  ==  =======  ==========================================================
team  project  t   version  why
====  =======  ==  =======  ==========================================================
1000  1        1   1        old version of team 1 [3, 1]: not current, never found
1001  1        1   2        current team 1 [1, 2]: keys with t 1 link here
1002  1        2   1        current team 2 [4, 5]: user 5 is the member_conflict of t 6
1003  1        3   1        tie with 1004 at version 1 [12]: ``ambiguous_team``
1004  1        3   1        tie with 1003 [6]
1005  1        5   1        team 5 [13]
1100  2        9   1        [3]: another project, so user 3 in it is no conflict
1101  3        1   1        [1] (a decision target for assessment 6)
2001  20       1   1        school 2's team 1 [30]
====  =======  ==  =======  ==========================================================

Users (students unless said; ``team_number`` is the legacy global team number)
=============================================================================

1, 2 (t 1) and 4 (t 2) in their teams; 3 (t 4), 10 (t NULL), 15 become team 4's members;
5 (t 6) is in current team 2; 6 (t 3); 7 (t 4, *archived*); 8 (t 4, *inactive* membership of
group 100); 9 (*teacher*, t 4); 11 (t 4, but in group 101 only); 12 (t 3); 13 (t 5); 15 (t 4,
group 102);
14 (teacher, the assessments' teacher); 20 (t 7) and 21 (t 8): the to-create conflict;
school 2: 30 (t 1), 31 (t 2), 33 (in the stray group 201).

Group members: 100: 1-10 (8 inactive), 12, 20, 21; 101: 11, 13; 102: 15; 110: 1; 120: 2;
200: 30, 31; 201: 33.

Assessments and their team keys (state before expansion)
========================================================

===  ======  =======  =====  ====  =============================================================
id   school  project  group  ptid  keys (t: state; score rows)
===  ======  =======  =====  ====  =============================================================
1    1       1        100    -     1: to_link 1001 (s1-s6; s1-s3 *3 team scores of one
                                   criterion*: 2 excess; s5 override of 1, s6 override of 3, not
                                   a member of 1001: ``override_not_member``);
                                   2: to_link 1002 (s7, s8);
                                   3: ambiguous_team (s9, s10 override of 6, who is not in 1003),
                                   *mapped to 1003* by ``expand_and_map``;
                                   NULL: no_team_number (s11-s13: s11, s13 a duplicate)
2    1       -        100    -     4: to_create (s14); 3: ambiguous_team (s15);
                                   6: member_conflict with current team 1002 (s16)
3    1       1        102    -     4: to_create, shares team (1, 4) with (2, 4) (s17, s18
                                   override of 10); team (1, 4): members 3 (group 100 of
                                   assessment 2), 15 (group 102), 10 (override); not 7 archived,
                                   8 inactive, 9 teacher, 11 (t 4, in group 101 only); its
                                   team_id is group 100, assessment 2's (the lowest id)
4    1       -        101    -     5 from its group (no score rows): to_link 1005
5    1       1        102    -     none (no score rows, group without team number)
6    1       -        110    -     1: ambiguous_project (s19)
7    1       -        120    -     1: no_project (s20)
8    1       -        201    -     1: cross_school, group of school 2 (s21)
9    1       20       100    -     1: cross_school, project of school 2 (s22)
10   1       1        100    -     7, 8: member_conflict between two teams to create: user 20
                                   (t 7) is named by the override s25 of key 8 (s23-s25)
11   1       1        100    1002  1: to_link 1001 (s26); its own project_team_id stays 1002
12   1       1        101    -     5: to_link 1005 (s27 t NULL → 5, s28 t 5, s29 t 5: s27 and
                                   s29 are one duplicate)
20   2       20       200    -     1: to_link 2001 (s30, s32 override of 30, a member);
                                   2: to_create, members 31 (s31, s33: one duplicate)
===  ======  =======  =====  ====  =============================================================

Scope of school 2: assessments 8 (its group) and 20.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema

# The key mapped by ``expand_and_map`` (with a 'decision' junction row) and its team.
MAPPED_KEY = (1, 3)
MAPPED_TEAM = 1003
# The score row of the mapped key whose project_team_id ``expand_and_map`` sets already.
PRESET_SCORE = 9

UNMAPPED_NONE = {
    "no_team_number": 0,
    "no_project": 0,
    "ambiguous_project": 0,
    "ambiguous_team": 0,
    "member_conflict": 0,
    "cross_school": 0,
}


# The whole database before expansion.
EXPECTED_ALL: dict[str, Any] = {
    "status": "FAIL",
    "exit_code": 2,
    "expanded": False,
    "assessments": 13,
    "score_rows": 33,
    "team_keys": 19,
    "mapped": 0,
    "to_link": 6,
    "to_create": 3,
    "unmapped": {
        "no_team_number": 1,
        "no_project": 1,
        "ambiguous_project": 1,
        "ambiguous_team": 2,
        "member_conflict": 3,
        "cross_school": 2,
    },
    "scores_mapped": 0,
    "scores_unmapped": 33,
    "anomalies": {"duplicate_team_scores": 5, "override_not_member": 1},
}
EXPECTED_SCHOOL_1: dict[str, Any] = {
    **EXPECTED_ALL,
    "assessments": 12,
    "score_rows": 29,
    "team_keys": 17,
    "to_link": 5,
    "to_create": 2,
    "scores_unmapped": 29,
    "anomalies": {"duplicate_team_scores": 4, "override_not_member": 1},
}
EXPECTED_SCHOOL_2: dict[str, Any] = {
    **EXPECTED_ALL,
    "assessments": 2,
    "score_rows": 5,
    "team_keys": 3,
    "to_link": 1,
    "to_create": 1,
    "unmapped": {**UNMAPPED_NONE, "cross_school": 1},
    "scores_unmapped": 5,
    "anomalies": {"duplicate_team_scores": 1, "override_not_member": 0},
}


def _mapped(expected: dict[str, Any]) -> dict[str, Any]:
    """After ``expand_and_map`` in a scope holding assessment 1: key (1, 3) mapped (was
    ambiguous_team), its score row s9 carries the team, its override s10 is not a member."""
    unmapped = dict(expected["unmapped"])
    unmapped["ambiguous_team"] -= 1
    anomalies = dict(expected["anomalies"])
    anomalies["override_not_member"] += 1
    return {
        **expected,
        "expanded": True,
        "mapped": 1,
        "unmapped": unmapped,
        "scores_mapped": 1,
        "scores_unmapped": expected["scores_unmapped"] - 1,
        "anomalies": anomalies,
    }


EXPECTED_MAPPED_ALL = _mapped(EXPECTED_ALL)
EXPECTED_MAPPED_SCHOOL_1 = _mapped(EXPECTED_SCHOOL_1)
EXPECTED_MAPPED_SCHOOL_2 = {**EXPECTED_SCHOOL_2, "expanded": True}

# The whole database after expand_and_map and one committed backfill (no decisions): every
# to_link and to_create key mapped; s10 (the override of key (1, 3)) and team (1, 4)'s override
# s18 (user 10, now a member) keyed; s9 kept; what is left is the unmapped keys' 12 rows.
EXPECTED_AFTER_BACKFILL_ALL: dict[str, Any] = {
    **EXPECTED_MAPPED_ALL,
    "mapped": 10,
    "to_link": 0,
    "to_create": 0,
    "scores_mapped": 21,
    "scores_unmapped": 12,
}

# Backfill of the whole database, dry run: before expansion, and after expand_and_map.
EXPECTED_BACKFILL_DRY_BEFORE: dict[str, Any] = {
    "dry_run": True,
    "team_keys": 19,
    "to_link": 6,
    "to_create": 3,
    "linked": 0,
    "created": 0,
    "members_added": 0,
    "scores_to_update": 19,
    "scores_updated": 0,
    "assessments_to_link": 3,
    "assessments_linked": 0,
    "unmapped": EXPECTED_ALL["unmapped"],
}
EXPECTED_BACKFILL_DRY_MAPPED: dict[str, Any] = {
    **EXPECTED_BACKFILL_DRY_BEFORE,
    "scores_to_update": 20,  # s10 of the mapped key too
    "unmapped": EXPECTED_MAPPED_ALL["unmapped"],
}

# Teams the committed backfill creates: (project, t) -> (school, team_id, members).
EXPECTED_CREATED_TEAMS = {(1, 4): (1, 100, {3, 10, 15}), (20, 2): (2, 200, {31})}


def _rows(connection: sa.Connection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        names = ", ".join(rows[0])
        values = ", ".join(f":{c}" for c in rows[0])
        connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), rows)


USERS = [
    # id, school, role, team_number, archived
    (1, 1, "student", 1, False),
    (2, 1, "student", 1, False),
    (3, 1, "student", 4, False),
    (4, 1, "student", 2, False),
    (5, 1, "student", 6, False),
    (6, 1, "student", 3, False),
    (7, 1, "student", 4, True),
    (8, 1, "student", 4, False),
    (9, 1, "teacher", 4, False),
    (10, 1, "student", None, False),
    (11, 1, "student", 4, False),
    (12, 1, "student", 3, False),
    (13, 1, "student", 5, False),
    (14, 1, "teacher", None, False),
    (15, 1, "student", 4, False),
    (20, 1, "student", 7, False),
    (21, 1, "student", 8, False),
    (30, 2, "student", 1, False),
    (31, 2, "student", 2, False),
    (33, 2, "student", 1, False),
]
COURSES = [(10, 1), (11, 1), (12, 1), (20, 2)]
GROUPS = [
    # id, school, course, team_number
    (100, 1, 10, None),
    (101, 1, 10, 5),
    (102, 1, 10, None),
    (110, 1, 11, None),
    (120, 1, 12, None),
    (200, 2, 20, None),
    (201, 2, 10, None),
]
GROUP_MEMBERS = [
    # group, user, active
    *[(100, u, u != 8) for u in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 20, 21)],
    (101, 11, True),
    (101, 13, True),
    (102, 15, True),
    (110, 1, True),
    (120, 2, True),
    (200, 30, True),
    (200, 31, True),
    (201, 33, True),
]
PROJECTS = [(1, 1, 10), (2, 1, 11), (3, 1, 11), (5, 1, None), (20, 2, 20)]
PROJECT_TEAMS = [
    # id, school, project, team_id, team_number, version, members
    (1000, 1, 1, 100, 1, 1, (3, 1)),
    (1001, 1, 1, 100, 1, 2, (1, 2)),
    (1002, 1, 1, 100, 2, 1, (4, 5)),
    (1003, 1, 1, 100, 3, 1, (12,)),
    (1004, 1, 1, 100, 3, 1, (6,)),
    (1005, 1, 1, 101, 5, 1, (13,)),
    (1100, 1, 2, 110, 9, 1, (3,)),
    (1101, 1, 3, 110, 1, 1, (1,)),
    (2001, 2, 20, 200, 1, 1, (30,)),
]
ASSESSMENTS = [
    # id, school, project, group, project_team_id, rubric
    (1, 1, 1, 100, None, 1),
    (2, 1, None, 100, None, 1),
    (3, 1, 1, 102, None, 1),
    (4, 1, None, 101, None, 1),
    (5, 1, 1, 102, None, 1),
    (6, 1, None, 110, None, 1),
    (7, 1, None, 120, None, 1),
    (8, 1, None, 201, None, 1),
    (9, 1, 20, 100, None, 1),
    (10, 1, 1, 100, None, 1),
    (11, 1, 1, 100, 1002, 1),
    (12, 1, 1, 101, None, 1),
    (20, 2, 20, 200, None, 2),
]
SCORES = [
    # id, assessment, criterion, team_number, student, score
    (1, 1, 1, 1, None, 7),
    (2, 1, 1, 1, None, 8),
    (3, 1, 1, 1, None, 9),
    (4, 1, 2, 1, None, 6),
    (5, 1, 1, 1, 1, 8),
    (6, 1, 1, 1, 3, 5),
    (7, 1, 1, 2, None, 7),
    (8, 1, 2, 2, None, 7),
    (9, 1, 1, 3, None, 6),
    (10, 1, 1, 3, 6, 6),
    (11, 1, 1, None, None, 5),
    (12, 1, 2, None, None, 5),
    (13, 1, 1, None, None, 4),
    (14, 2, 1, 4, None, 8),
    (15, 2, 1, 3, None, 7),
    (16, 2, 1, 6, None, 6),
    (17, 3, 1, 4, None, 9),
    (18, 3, 1, 4, 10, 9),
    (19, 6, 1, 1, None, 5),
    (20, 7, 1, 1, None, 5),
    (21, 8, 1, 1, None, 5),
    (22, 9, 1, 1, None, 5),
    (23, 10, 1, 7, None, 6),
    (24, 10, 1, 8, None, 6),
    (25, 10, 1, 8, 20, 6),
    (26, 11, 1, 1, None, 7),
    (27, 12, 1, None, None, 8),
    (28, 12, 2, 5, None, 8),
    (29, 12, 1, 5, None, 9),
    (30, 20, 3, 1, None, 4),
    (31, 20, 3, 2, None, 4),
    (32, 20, 3, 1, 30, 5),
    (33, 20, 3, 2, None, 4),
]


def _table(
    connection: sa.Connection, table: str, columns: str, rows: Sequence[Sequence[Any]]
) -> None:
    """Rows as tuples in the order of ``columns`` (comma-separated names)."""
    names = [name.strip() for name in columns.split(",")]
    _rows(connection, table, [dict(zip(names, row, strict=True)) for row in rows])


def insert_crafted(connection: sa.Connection) -> None:
    """The rows of the module docstring into a legacy-shaped database."""
    _table(connection, "schools", "id, name", [(i, f"School {i}") for i in (1, 2)])
    _table(
        connection,
        "users",
        "id, school_id, email, name, role, team_number, archived",
        [(i, s, f"user{i}@example.org", f"User {i}", r, t, a) for i, s, r, t, a in USERS],
    )
    _table(
        connection, "courses", "id, school_id, name", [(i, s, f"Course {i}") for i, s in COURSES]
    )
    _table(
        connection,
        "groups",
        "id, school_id, course_id, name, team_number",
        [(i, s, c, f"Group {i}", t) for i, s, c, t in GROUPS],
    )
    school_of_group = {g: s for g, s, _, _ in GROUPS}
    _table(
        connection,
        "group_members",
        "school_id, group_id, user_id, role_in_team, active",
        [(school_of_group[g], g, u, "member", a) for g, u, a in GROUP_MEMBERS],
    )
    _table(
        connection,
        "projects",
        "id, school_id, course_id, title",
        [(i, s, c, f"Project {i}") for i, s, c in PROJECTS],
    )
    _table(
        connection,
        "project_teams",
        "id, school_id, project_id, team_id, display_name_at_time, team_number, version",
        [(i, s, p, g, f"Team {t} v{v}", t, v) for i, s, p, g, t, v, _ in PROJECT_TEAMS],
    )
    _table(
        connection,
        "project_team_members",
        "school_id, project_team_id, user_id, role",
        [(s, i, u, "member") for i, s, *_, members in PROJECT_TEAMS for u in members],
    )
    _table(
        connection,
        "rubrics",
        "id, school_id, title, scale_min, scale_max",
        [(i, i, f"Rubric {i}", 1, 10) for i in (1, 2)],
    )
    _table(
        connection,
        "rubric_criteria",
        "id, school_id, rubric_id, name, weight",
        [(1, 1, 1, "Process", 1), (2, 1, 1, "Product", 2), (3, 2, 2, "Overall", 1)],
    )
    _table(
        connection,
        "project_assessments",
        "id, school_id, project_id, group_id, project_team_id, rubric_id, teacher_id, title, "
        "status",
        [
            (i, s, p, g, pt, r, 14 if s == 1 else None, f"Assessment {i}", "published")
            for i, s, p, g, pt, r in ASSESSMENTS
        ],
    )
    school_of_assessment = {a: s for a, s, *_ in ASSESSMENTS}
    _table(
        connection,
        "project_assessment_scores",
        "id, school_id, assessment_id, criterion_id, team_number, student_id, score",
        [(i, school_of_assessment[a], a, c, t, u, v) for i, a, c, t, u, v in SCORES],
    )


def reset_sequences(connection: sa.Connection) -> None:
    """Rows were written with explicit ids: PostgreSQL's SERIAL sequences must move past them,
    or the backfill's first insert would collide with an existing id."""
    if connection.dialect.name != "postgresql":
        return
    for table in sa.inspect(connection).get_table_names():
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def load_crafted(url: str, *, then: Sequence[str] = ()) -> str:
    """The legacy shape with the crafted rows at ``url`` (an empty database), then the SQL
    statements ``then``, in one transaction; returns ``url``."""
    engine = make_engine(url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        insert_crafted(connection)
        for statement in then:
            connection.execute(sa.text(statement))
        reset_sequences(connection)
    engine.dispose()
    return url


def expand(url: str) -> None:
    """``teameval expand assessments --commit``, the real command."""
    from tests.migration.conftest import cli

    result = cli("expand", "assessments", "--commit", "--database-url", url)
    assert result.exit_code == 0, result.stdout + result.stderr


def expand_and_map(url: str) -> str:
    """Expand, then map key (1, 3) by hand (as an earlier decision would have): its junction
    row to team 1003 and its team score s9 keyed by that team already."""
    expand(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO project_assessment_teams (school_id, project_assessment_id, "
                "project_team_id, team_number, source, created_at) "
                "VALUES (1, :a, :team, :t, 'decision', CURRENT_TIMESTAMP)"
            ),
            {"a": MAPPED_KEY[0], "t": MAPPED_KEY[1], "team": MAPPED_TEAM},
        )
        connection.execute(
            sa.text("UPDATE project_assessment_scores SET project_team_id = :team WHERE id = :s"),
            {"team": MAPPED_TEAM, "s": PRESET_SCORE},
        )
    engine.dispose()
    return url


def table_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered: compare before/after to prove nothing changed."""
    engine = make_engine(url)
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name in sorted(sa.inspect(connection).get_table_names()):
            rows = connection.execute(sa.text(f"SELECT * FROM {name}")).all()
            contents[name] = sorted((tuple(row) for row in rows), key=repr)
    engine.dispose()
    return contents
