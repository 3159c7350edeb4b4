"""A small expanded legacy database whose scores are known by hand: the fixture of the verify,
resolve and duplicates tests (helper C's part of issue 12).

Schools 1 and 2; weights of rubric 1: criterion 1 = 1.5, 2 = 0.1, 3 = 2 (NUMERIC: 0.1 must stay
one tenth); rubric 2 (school 2): criterion 4 = 1.

========  ======  =====  ==========  =====================================================
assessm.  school  group  key t       score rows (id: criterion, team_number, student, score)
========  ======  =====  ==========  =====================================================
1         1       100    1 → 11      1: c1 t1 team 3 (*excess*, kept 5); 2: c2 t1 team 3;
                  (t -)              3: c3 t1 team 5; 4: c2 t1 student 1 = 2 (lost to 6);
                                     5: c1 t1 team 4; 6: c2 t1 student 1 = 5
                         2 → 12      7: c1 t2 team 3; 8: c2 t2 team 4; 9: c1 t2 student 6 = 5
                                     (6 is no member of 12: an override student all the same)
                         NULL        10: c1 team 2 (*excess*, kept 11); 11: c1 team 1; unmapped
2         1       101    3 → 13      12: c1 NULL→3 team 5 (*excess*, kept 14); 13: c3 t3 team 4;
                  (t 3)              14: c1 t3 team 4
3         1       100    none        no rows, group without number: no key
4         2       200    1 → 21      15: c4 t1 team 3 (*excess*, kept 16); 16: c4 t1 team 2;
                                     17: c4 t1 student 7 = 4
5         1       101    3           no rows, key from its group: unmapped
========  ======  =====  ==========  =====================================================

Teams (project 1: 11 t1 [1, 2], 12 t2 [3, 4], 13 t3 [5]; project 2: 21 t1 [7]). Every row of a
mapped key carries its team; rows 10 and 11 carry none. Expanded by the real ``teameval
expand assessments --commit``.

Mapped keys 4 (school 1: 3, school 2: 1); students checked 7 (key 11: 1, 2; key 12: 3, 4, 6;
key 13: 5; key 21: 7), school 1: 6; unmapped keys 2 ((1, NULL), (5, 3)), both school 1's.
Excess team scores 4 in 4 groups (rows 1, 10, 12, 15), school 1: 3, school 2: 1.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema

EXCESS_ROWS = {1: 5, 10: 11, 12: 14, 15: 16}  # excess id -> kept id
EXCESS_SCHOOL_1 = {1, 10, 12}

# id, assessment, criterion, team_number, student, score, project_team_id
SCORES = [
    (1, 1, 1, 1, None, 3, 11),
    (2, 1, 2, 1, None, 3, 11),
    (3, 1, 3, 1, None, 5, 11),
    (4, 1, 2, 1, 1, 2, 11),
    (5, 1, 1, 1, None, 4, 11),
    (6, 1, 2, 1, 1, 5, 11),
    (7, 1, 1, 2, None, 3, 12),
    (8, 1, 2, 2, None, 4, 12),
    (9, 1, 1, 2, 6, 5, 12),
    (10, 1, 1, None, None, 2, None),
    (11, 1, 1, None, None, 1, None),
    (12, 2, 1, None, None, 5, 13),
    (13, 2, 3, 3, None, 4, 13),
    (14, 2, 1, 3, None, 4, 13),
    (15, 4, 4, 1, None, 3, 21),
    (16, 4, 4, 1, None, 2, 21),
    (17, 4, 4, 1, 7, 4, 21),
]


def _insert(connection: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    connection.execute(
        sa.text(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        ),
        rows,
    )


def _rows(names: str, *values: tuple[Any, ...]) -> list[dict[str, Any]]:
    keys = names.split()
    return [dict(zip(keys, row, strict=True)) for row in values]


def insert_world(connection: sa.Connection) -> None:
    """Everything but the scores."""
    _insert(connection, "schools", _rows("id name", (1, "North"), (2, "South")))
    users = [(u, 1, f"s{u}@x", f"S{u}", "student") for u in range(1, 7)]
    users += [(7, 2, "s7@x", "S7", "student"), (9, 1, "t9@x", "T9", "teacher")]
    _insert(connection, "users", _rows("id school_id email name role", *users))
    _insert(connection, "courses", _rows("id school_id name", (10, 1, "C10"), (20, 2, "C20")))
    _insert(
        connection,
        "groups",
        _rows(
            "id school_id course_id name team_number",
            (100, 1, 10, "G100", None),
            (101, 1, 10, "G101", 3),
            (200, 2, 20, "G200", None),
        ),
    )
    _insert(
        connection,
        "projects",
        _rows("id school_id course_id title", (1, 1, 10, "P1"), (2, 2, 20, "P2")),
    )
    _insert(
        connection,
        "project_teams",
        _rows(
            "id school_id project_id team_id display_name_at_time team_number version",
            (11, 1, 1, 100, "Team 1", 1, 1),
            (12, 1, 1, 100, "Team 2", 2, 1),
            (13, 1, 1, 101, "Team 3", 3, 1),
            (21, 2, 2, 200, "Team 1", 1, 1),
        ),
    )
    members = [(11, 1), (11, 2), (12, 3), (12, 4), (13, 5), (21, 7)]
    _insert(
        connection,
        "project_team_members",
        _rows(
            "id school_id project_team_id user_id",
            *[(i, 2 if team == 21 else 1, team, user) for i, (team, user) in enumerate(members, 1)],
        ),
    )
    _insert(
        connection,
        "rubrics",
        _rows("id school_id title scale_min scale_max", (1, 1, "R1", 1, 5), (2, 2, "R2", 1, 5)),
    )
    _insert(
        connection,
        "rubric_criteria",
        _rows(
            "id school_id rubric_id name weight",
            (1, 1, 1, "c1", "1.5"),
            (2, 1, 1, "c2", "0.1"),
            (3, 1, 1, "c3", "2"),
            (4, 2, 2, "c4", "1"),
        ),
    )
    _insert(
        connection,
        "project_assessments",
        _rows(
            "id school_id project_id group_id rubric_id title",
            (1, 1, 1, 100, 1, "A1"),
            (2, 1, None, 101, 1, "A2"),
            (3, 1, 1, 100, 1, "A3"),
            (4, 2, 2, 200, 2, "A4"),
            (5, 1, 1, 101, 1, "A5"),
        ),
    )


def _reset_sequences(connection: sa.Connection) -> None:
    """Rows were written with explicit ids: PostgreSQL's sequences must move past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in sa.inspect(connection).get_table_names():
        sequence = connection.execute(
            sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        ).scalar()
        if sequence:
            connection.execute(
                sa.text(
                    f"SELECT setval('{sequence}', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1,"
                    " false)"
                )
            )


def _key(connection: sa.Connection) -> None:
    """Link the four keys and key their rows, as a finished backfill leaves them."""
    _insert(
        connection,
        "project_assessment_teams",
        _rows(
            "id school_id project_assessment_id project_team_id team_number source",
            (1, 1, 1, 11, 1, "linked"),
            (2, 1, 1, 12, 2, "linked"),
            (3, 1, 2, 13, 3, "linked"),
            (4, 2, 4, 21, 1, "linked"),
        ),
    )
    connection.execute(
        sa.text("UPDATE project_assessment_scores SET project_team_id = :team WHERE id = :id"),
        [{"id": i, "team": team} for i, _a, _c, _t, _u, _v, team in SCORES if team is not None],
    )


def build(url: str, *, expanded: bool = True) -> str:
    """The legacy shape with the rows above at ``url`` (an empty database): expanded by the
    real ``teameval expand assessments --commit`` and keyed as a finished backfill leaves it,
    or (``expanded=False``) as the legacy platform left it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        insert_world(connection)
        names = "id school_id assessment_id criterion_id team_number student_id score comment"
        rows = [
            (i, 2 if a == 4 else 1, a, c, t, u, v, f"comment {i}")
            for i, a, c, t, u, v, _team in SCORES
        ]
        _insert(connection, "project_assessment_scores", _rows(names, *rows))
        _reset_sequences(connection)
    if expanded:
        from tests.migration.conftest import cli

        result = cli("expand", "assessments", "--commit", "--database-url", url)
        assert result.exit_code == 0, result.stdout + result.stderr
        with engine.begin() as connection:
            _key(connection)
            _reset_sequences(connection)
    engine.dispose()
    return url


def execute(url: str, sql: str, **params: Any) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(sql), params)
    engine.dispose()


def table_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered: compare before and after to prove nothing changed."""
    engine = make_engine(url)
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name in sorted(sa.inspect(connection).get_table_names()):
            rows = connection.execute(sa.text(f"SELECT * FROM {name}")).all()
            contents[name] = sorted((tuple(row) for row in rows), key=repr)
    engine.dispose()
    return contents


def rows_by_id(url: str, table: str) -> dict[int, dict[str, Any]]:
    """A table's rows as column dicts by id."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
    engine.dispose()
    return {int(row["id"]): dict(row) for row in rows}
