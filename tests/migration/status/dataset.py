"""A small legacy-shaped school for the status tests, with both phases' tables (DESIGN.md §4):
one course (10, ``OO-4A``) with one cohort group (100, team number 1) of two students; a
teacher; project 1 of the course with its current team 1000 (team number 1, both students);
one assessment (1) keyed by the cohort group with a team score on its one criterion
(``team_number`` 1). Student 2 has no enrollment, so phase 1 has one gap; phase 2 one team key
to link. Each stage of the runbook is then reached by the real commands."""

from __future__ import annotations

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema

ROWS: tuple[tuple[str, str, list[tuple[object, ...]]], ...] = (
    ("schools", "id, name", [(1, "North")]),
    (
        "users",
        "id, school_id, email, name, role, archived, team_number",
        [
            (1, 1, "ann@north.example", "Ann", "student", False, 1),
            (2, 1, "bob@north.example", "Bob", "student", False, 1),
            (3, 1, "tess@north.example", "Tess", "teacher", False, None),
        ],
    ),
    ("courses", "id, school_id, name, code", [(10, 1, "Object orientation", "OO-4A")]),
    ("groups", "id, school_id, course_id, name, team_number", [(100, 1, 10, "Team 1", 1)]),
    (
        "group_members",
        "id, school_id, group_id, user_id, role_in_team, active",
        [(1, 1, 100, 1, "member", True), (2, 1, 100, 2, "member", True)],
    ),
    ("course_enrollments", "id, course_id, student_id, active", [(1, 10, 1, True)]),
    ("projects", "id, school_id, course_id, title", [(1, 1, 10, "Web shop")]),
    (
        "project_teams",
        "id, school_id, project_id, team_id, display_name_at_time, team_number, version",
        [(1000, 1, 1, 100, "Team 1", 1, 1)],
    ),
    (
        "project_team_members",
        "id, school_id, project_team_id, user_id",
        [(1, 1, 1000, 1), (2, 1, 1000, 2)],
    ),
    ("rubrics", "id, school_id, title, scale_min, scale_max", [(1, 1, "Project", 1, 5)]),
    ("rubric_criteria", "id, school_id, rubric_id, name, weight", [(1, 1, 1, "Code", 1)]),
    (
        "project_assessments",
        "id, school_id, project_id, group_id, rubric_id, teacher_id, title",
        [(1, 1, 1, 100, 1, 3, "Sprint 1")],
    ),
    (
        "project_assessment_scores",
        "id, school_id, assessment_id, criterion_id, team_number, student_id, score",
        [(1, 1, 1, 1, 1, None, 4)],
    ),
)


def load_legacy_school(url: str) -> str:
    """The school above in the empty database at ``url``; returns ``url``."""
    engine = make_engine(url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        for table, columns, rows in ROWS:
            names = [name.strip() for name in columns.split(",")]
            statement = sa.text(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + n for n in names)})"
            )
            connection.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])
        if connection.dialect.name == "postgresql":
            # Rows written with their ids: the sequences must go on after them.
            for table, _columns, _rows in ROWS:
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    engine.dispose()
    return url
