"""What phase 6's tests share: the databases they retire, full table contents and schema
compared, and the commands run as an operator runs them."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine, make_session_factory
from teameval.models import CourseEnrollment, GroupMember, Role
from tests.factories import (
    SchoolWorld,
    enroll,
    make_group,
    make_project,
    make_team,
    make_user,
    make_world,
)
from tests.migration.conftest import CliResult, cli

# The configuration these tests start from, whatever the suite's legacy pass puts in the
# environment: the database's own mode is what they change.
CONFIGURED = {"TEAMEVAL_LEGACY_GROUPS": "dual-write"}
LEGACY_TABLES = {"groups", "group_members"}

BOOKKEEPING = {"legacy_state", "migration_runs", "audit_logs"}
API = "/api/v1"


def contents(url: str) -> dict[str, list[Any]]:
    """Every row of every table as (column, value) pairs: column order does not matter."""
    engine = make_engine(url)
    found: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in sorted(sa.inspect(connection).get_table_names()):
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).mappings().all()
            found[table] = sorted((sorted(row.items()) for row in rows), key=repr)
    engine.dispose()
    return found


def _plain(value: Any) -> Any:
    """Reflected values as comparable text (a partial index's WHERE is a clause object)."""
    if isinstance(value, dict):
        return repr(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return repr([_plain(v) for v in value])
    return value if isinstance(value, str | int | bool | type(None)) else str(value)


def schema(url: str) -> dict[str, Any]:
    """Every table's columns (by name), keys, foreign keys, indexes, unique and check
    constraints as reflected; on SQLite also the stored DDL text itself."""
    engine = make_engine(url)
    found: dict[str, Any] = {}
    with engine.connect() as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        inspector = sa.inspect(connection)
        for table in sorted(inspector.get_table_names()):
            found[table] = {
                "columns": sorted(
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in inspector.get_columns(table)
                ),
                "pk": inspector.get_pk_constraint(table),
                "fks": sorted(
                    (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(_plain(ix) for ix in inspector.get_indexes(table)),
                "unique": sorted(_plain(u) for u in inspector.get_unique_constraints(table)),
                "checks": sorted(_plain(c) for c in inspector.get_check_constraints(table)),
            }
        if engine.dialect.name == "sqlite":
            found["_sqlite_master"] = sorted(
                connection.execute(
                    sa.text("SELECT type, name, tbl_name, sql FROM sqlite_master")
                ).all(),
                key=repr,
            )
    engine.dispose()
    return found


def data_of(url: str) -> dict[str, list[Any]]:
    return {t: rows for t, rows in contents(url).items() if t not in BOOKKEEPING}


def build_ours(url: str) -> dict[str, int]:
    """A school whose legacy data is settled: two teams of enrolled students (one membership
    ended), a project team copied from a group (``team_id`` set) and one made by hand."""
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        world = make_world(session, "north")
        third = make_user(session, world.school, Role.STUDENT, "third@north.example.org")
        enroll(session, world.course, world.student, world.other_student, third)
        one, two = make_group(session, world.course, 1), make_group(session, world.course, 2)
        for group, student, active in (
            (one, world.student, True),
            (one, third, False),
            (two, world.other_student, True),
        ):
            session.add(
                GroupMember(
                    school_id=group.school_id,
                    group_id=group.id,
                    course_id=group.course_id,
                    user_id=student.id,
                    active=active,
                )
            )
        project = make_project(session, world.course)
        copied = make_team(session, project, 1, world.student, locked=True)
        copied.team_id = one.id
        make_team(session, project, 2, world.other_student)
        session.flush()
        return {"course": world.course.id, "student": world.student.id, "project": project.id}


def run(*args: str) -> CliResult:
    """A ``teameval`` command, configured with legacy groups on."""
    return cli(*args, env=CONFIGURED)


def retire(url: str, archive: Path, *more: str) -> CliResult:
    return run(
        "legacy", "retire", "--database-url", url, "--archive", str(archive), "--json", *more
    )


def legacy_tables_present(url: str) -> bool:
    engine = make_engine(url)
    try:
        return bool(LEGACY_TABLES & set(sa.inspect(engine).get_table_names()))
    finally:
        engine.dispose()


def build_school(url: str) -> SchoolWorld:
    """A school with two enrolled students and a project; while the legacy tables exist (the
    suite's retired pass starts without them) also a legacy team and a project team copied
    from it."""
    with_legacy = legacy_tables_present(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        world = make_world(session, "north")
        for student in (world.student, world.other_student):
            session.add(
                CourseEnrollment(
                    school_id=world.school.id, course_id=world.course.id, student_id=student.id
                )
            )
        make_user(session, world.school, Role.STUDENT, "third@north.example.org")
        project = make_project(session, world.course)
        if with_legacy:
            # The ORM writes team_id (NULL when unset): only while the column exists.
            team = make_team(session, project, 1, world.student, locked=True)
            group = make_group(session, world.course, 1)
            session.add(
                GroupMember(
                    school_id=world.school.id,
                    group_id=group.id,
                    course_id=world.course.id,
                    user_id=world.student.id,
                )
            )
            session.flush()
            team.team_id = group.id
        session.expunge_all()
    return world


def retire_by_commands(url: str, archive: Path) -> None:
    """The operator's two commands; the retired pass's database is retired already (exit 0)."""
    switched = run("legacy", "mode", "off", "--commit", "--database-url", url)
    assert switched.exit_code == 0, switched.stdout
    retired = retire(url, archive, "--commit")
    assert retired.exit_code == 0, retired.stdout
    assert retired.json()["status"] in {"completed", "already_retired"}
    assert not legacy_tables_present(url)
    shown = run("legacy", "mode", "--database-url", url, "--json").json()
    assert shown["mode"] == "retired"


def enroll_legacy_students(url: str) -> None:
    """The phase 2 contract tests' legacy school: its students enrolled (phase 1 done)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO course_enrollments (course_id, student_id, active) VALUES "
                "(10, 2, true), (10, 3, true), (10, 4, true), (10, 5, true)"
            )
        )
    engine.dispose()
