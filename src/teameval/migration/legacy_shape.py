"""The legacy platform's tables, as DESIGN.md §4 describes them: a database that never saw our
migrations. The migration toolkit must work on it, so its tests, the benchmarks and ``teameval
demo legacy`` build one from this DDL (portable: PostgreSQL and SQLite).

Phase 1 needs the roster tables (``LEGACY_DDL``); phase 2 adds projects, teams, rubrics and the
assessments still keyed by cohort group (``ASSESSMENT_DDL``), and ``users.team_number``, the
legacy global team number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

LEGACY_DDL = """
CREATE TABLE schools (id {pk}, name VARCHAR(200) NOT NULL);
CREATE TABLE users (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    email VARCHAR(320) NOT NULL, name VARCHAR(200) NOT NULL, role VARCHAR(16) NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE courses (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    name VARCHAR(200) NOT NULL, code VARCHAR(50), is_active BOOLEAN NOT NULL DEFAULT TRUE);
CREATE TABLE groups (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    course_id INTEGER NOT NULL REFERENCES courses(id), name VARCHAR(200) NOT NULL,
    team_number INTEGER);
CREATE TABLE group_members (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    group_id INTEGER NOT NULL REFERENCES groups(id), user_id INTEGER NOT NULL REFERENCES users(id),
    role_in_team VARCHAR(50), active BOOLEAN NOT NULL DEFAULT TRUE,
    CONSTRAINT uq_gm UNIQUE (group_id, user_id));
CREATE TABLE course_enrollments (id {pk},
    course_id INTEGER NOT NULL REFERENCES courses(id),
    student_id INTEGER NOT NULL REFERENCES users(id),
    active BOOLEAN NOT NULL DEFAULT TRUE{stamps},
    CONSTRAINT uq_ce UNIQUE (course_id, student_id));
CREATE INDEX ix_ce_student ON course_enrollments (student_id);
"""

LEGACY_TABLES = ("schools", "users", "courses", "groups", "group_members", "course_enrollments")

# Phase 2's part of the legacy shape (issue 12): assessments keyed by cohort group, teams told
# apart only by the score rows' team_number. No project_assessment_teams table and no
# project_assessment_scores.project_team_id: `teameval expand assessments` adds them.
ASSESSMENT_DDL = """
ALTER TABLE users ADD COLUMN team_number INTEGER;
CREATE TABLE projects (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    course_id INTEGER REFERENCES courses(id), title VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'active');
CREATE TABLE project_teams (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    project_id INTEGER NOT NULL REFERENCES projects(id), team_id INTEGER REFERENCES groups(id),
    display_name_at_time VARCHAR(200) NOT NULL, team_number INTEGER,
    version INTEGER NOT NULL DEFAULT 1, backfill_source VARCHAR(20));
CREATE INDEX ix_pt_project ON project_teams (project_id, team_number);
CREATE TABLE project_team_members (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    project_team_id INTEGER NOT NULL REFERENCES project_teams(id),
    user_id INTEGER NOT NULL REFERENCES users(id), role VARCHAR(50),
    CONSTRAINT uq_ptm UNIQUE (project_team_id, user_id));
CREATE TABLE rubrics (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    title VARCHAR(200) NOT NULL, scale_min INTEGER NOT NULL, scale_max INTEGER NOT NULL,
    scope VARCHAR(20) NOT NULL DEFAULT 'team');
CREATE TABLE rubric_criteria (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    rubric_id INTEGER NOT NULL REFERENCES rubrics(id), name VARCHAR(200) NOT NULL,
    weight NUMERIC(8, 3) NOT NULL DEFAULT 1);
CREATE TABLE project_assessments (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    project_id INTEGER REFERENCES projects(id), group_id INTEGER NOT NULL REFERENCES groups(id),
    project_team_id INTEGER REFERENCES project_teams(id),
    rubric_id INTEGER NOT NULL REFERENCES rubrics(id), teacher_id INTEGER REFERENCES users(id),
    title VARCHAR(200) NOT NULL, version INTEGER, status VARCHAR(20) NOT NULL DEFAULT 'draft',
    published_at {timestamp});
CREATE TABLE project_assessment_scores (id {pk}, school_id INTEGER NOT NULL REFERENCES schools(id),
    assessment_id INTEGER NOT NULL REFERENCES project_assessments(id),
    criterion_id INTEGER NOT NULL REFERENCES rubric_criteria(id), team_number INTEGER,
    student_id INTEGER REFERENCES users(id), score INTEGER NOT NULL, comment TEXT);
CREATE INDEX ix_pas_assessment ON project_assessment_scores (assessment_id, team_number);
"""

ASSESSMENT_TABLES = (
    "projects",
    "project_teams",
    "project_team_members",
    "rubrics",
    "rubric_criteria",
    "project_assessments",
    "project_assessment_scores",
)


def _execute_script(connection: sa.Connection, script: str) -> None:
    import sqlalchemy as sa

    for statement in script.split(";"):
        if statement.strip():
            connection.execute(sa.text(statement))


def create_legacy_schema(
    connection: sa.Connection, *, timestamps: bool = False, assessments: bool = False
) -> None:
    """The legacy platform's tables only (DESIGN.md §4): no ``school_id`` on enrollments and,
    unless ``timestamps``, no timestamps. With ``timestamps`` they are NOT NULL *without*
    defaults, so a backfill that forgot to fill them would fail. ``assessments`` adds phase 2's
    tables (``ASSESSMENT_DDL``)."""
    postgres = connection.dialect.name == "postgresql"
    pk = "SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
    stamp_type = "TIMESTAMP" if postgres else "DATETIME"
    stamps = (
        f",\n    created_at {stamp_type} NOT NULL, updated_at {stamp_type} NOT NULL"
        if timestamps
        else ""
    )
    _execute_script(connection, LEGACY_DDL.format(pk=pk, stamps=stamps))
    if assessments:
        _execute_script(connection, ASSESSMENT_DDL.format(pk=pk, timestamp=stamp_type))
