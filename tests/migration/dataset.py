"""Crafted databases for the enrollment tools: our schema, and the legacy platform's shape.

The crafted data holds one pair of every category, so each count in an audit is known exactly:

====  =======  ============================================  ======================
user  role     active memberships                            pair category
====  =======  ============================================  ======================
1     student  course 10 teams 100 *and* 101                 (1,10) enrolled_active
2     student  course 10 team 100; course 11 team 102        (2,10) missing; (2,11) active
3     student  course 11 team 102 (archived student)         (3,11) missing
4     student  course 11 team 102                            (4,11) enrolled_inactive
5     student  only an *inactive* membership in team 100     ignored
6     teacher  course 10 team 100                            non_student_member
7     admin    course 11 team 102                            non_student_member
8     student  of school 2, in team 100 of school 1          cross_school
9     student  team 103: school-2 group in school-1 course   cross_school
10    student  school 2, course 20 team 200                  (10,20) missing
11    student  school 2, course 20 team 200                  (11,20) enrolled_active
12    student  inactive membership in team 102, enrolled     ignored
====  =======  ============================================  ======================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import LEGACY_TABLES, create_legacy_schema

__all__ = ["LEGACY_TABLES", "create_legacy_schema"]

# Expected audit of the whole crafted database (anomalies included).
EXPECTED_ALL = {
    "active_memberships": 12,
    "unique_pairs": 11,
    "eligible_pairs": 7,
    "enrolled_active": 3,
    "enrolled_inactive": 1,
    "missing": 3,
    "coverage_percent": 42.85,
    "anomalies": {"non_student_member": 2, "cross_school": 2},
    "status": "FAIL",
    "exit_code": 2,
}
# Scope of school 1: every pair with a row in school 1 (cross-school pairs of both schools).
EXPECTED_SCHOOL_1 = {
    "active_memberships": 10,
    "unique_pairs": 9,
    "eligible_pairs": 5,
    "enrolled_active": 2,
    "enrolled_inactive": 1,
    "missing": 2,
    "anomalies": {"non_student_member": 2, "cross_school": 2},
}
EXPECTED_SCHOOL_2 = {
    "active_memberships": 4,
    "unique_pairs": 4,
    "eligible_pairs": 2,
    "enrolled_active": 1,
    "enrolled_inactive": 0,
    "missing": 1,
    "anomalies": {"non_student_member": 0, "cross_school": 2},
}
MISSING_PAIRS = {(2, 10), (3, 11), (10, 20)}
INACTIVE_PAIRS = {(4, 11)}


def _rows(connection: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        columns = list(rows[0])
        names = ", ".join(columns)
        values = ", ".join(f":{c}" for c in columns)
        connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), rows)


def _has_column(connection: sa.Connection, table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(connection).get_columns(table))


def insert_crafted(connection: sa.Connection, *, anomalies: bool = True) -> None:
    """The crafted data of the module docstring, on our schema or the legacy shape."""
    ours = _has_column(connection, "course_enrollments", "school_id")
    stamped = _has_column(connection, "course_enrollments", "created_at")
    school_extra = lambda i: {"slug": f"school-{i}"} if ours else {}  # noqa: E731
    _rows(
        connection, "schools", [{"id": i, "name": f"School {i}", **school_extra(i)} for i in (1, 2)]
    )
    users = [
        (1, 1, "student", "Ann Student", False),
        (2, 1, "student", "Bob Student", False),
        (3, 1, "student", "Cas Archived", True),
        (4, 1, "student", "Dee Inactive", False),
        (5, 1, "student", "Eve Gone", False),
        (6, 1, "teacher", "Fay Teacher", False),
        (7, 1, "admin", "Gus Admin", False),
        (8, 2, "student", "Hal Otherschool", False),
        (9, 1, "student", "Ivy Wronggroup", False),
        (10, 2, "student", "Jan Two", False),
        (11, 2, "student", "Kim Two", False),
        (12, 1, "student", "Lou Left", False),
    ]
    _rows(
        connection,
        "users",
        [
            {
                "id": i,
                "school_id": s,
                "email": f"user{i}@example.org",
                "name": n,
                "role": r,
                "archived": a,
            }
            for i, s, r, n, a in users
        ],
    )
    _rows(
        connection,
        "courses",
        [
            {"id": 10, "school_id": 1, "name": "Object Orientation", "code": "OO-4A"},
            {"id": 11, "school_id": 1, "name": "Databases", "code": "DB-4A"},
            {"id": 20, "school_id": 2, "name": "Networks", "code": "NET-1"},
        ],
    )
    _rows(
        connection,
        "groups",
        [
            {"id": 100, "school_id": 1, "course_id": 10, "name": "Team 1", "team_number": 1},
            {"id": 101, "school_id": 1, "course_id": 10, "name": "Team 2", "team_number": 2},
            {"id": 102, "school_id": 1, "course_id": 11, "name": "Team 1", "team_number": 1},
            {"id": 103, "school_id": 2, "course_id": 10, "name": "Stray", "team_number": 3},
            {"id": 200, "school_id": 2, "course_id": 20, "name": "Team 1", "team_number": 1},
        ],
    )
    members = [
        (1, 100, 1, True),
        (1, 101, 1, True),
        (1, 100, 2, True),
        (1, 102, 2, True),
        (1, 102, 3, True),
        (1, 102, 4, True),
        (1, 100, 5, False),
        (1, 102, 12, False),
        (2, 200, 10, True),
        (2, 200, 11, True),
    ]
    if anomalies:
        members += [(1, 100, 6, True), (1, 102, 7, True), (1, 100, 8, True), (2, 103, 9, True)]
    _rows(connection, "group_members", _member_rows(connection, members))
    enrollments = [
        (10, 1, True, 1),
        (11, 2, True, 1),
        (11, 4, False, 1),
        (11, 12, True, 1),
        (20, 11, True, 2),
    ]
    rows: list[dict[str, Any]] = []
    for course, student, active, school in enrollments:
        row: dict[str, Any] = {"course_id": course, "student_id": student, "active": active}
        if ours:
            row["school_id"] = school
        if stamped and not ours:
            row["created_at"] = row["updated_at"] = "2025-01-01 00:00:00"
        rows.append(row)
    _rows(connection, "course_enrollments", rows)


def _member_rows(
    connection: sa.Connection, members: list[tuple[int, int, int, bool]]
) -> list[dict[str, Any]]:
    """Membership rows; our schema (since migration 0003) also stores each group's course and
    holds one active team per student and course, so there user 1's second team in course 10
    is inactive, as migration 0003 leaves such a row (the legacy shape keeps both active)."""
    rows: list[dict[str, Any]] = [
        {"school_id": s, "group_id": g, "user_id": u, "role_in_team": "member", "active": a}
        for s, g, u, a in members
    ]
    if not _has_column(connection, "group_members", "course_id"):
        return rows
    groups = connection.execute(sa.text("SELECT id, course_id FROM groups"))
    course_of: dict[int, int] = {g: c for g, c in groups}  # noqa: C416 (rows, not pairs)
    active: set[tuple[int, int]] = set()
    for row in rows:
        row["course_id"] = course_of[row["group_id"]]
        key = (row["course_id"], row["user_id"])
        if row["active"] and key in active:
            row["active"] = False
        elif row["active"]:
            active.add(key)
    return rows


def shaped(url: str, expected: dict[str, Any]) -> dict[str, Any]:
    """``expected`` as it holds for the database at ``url``: on our schema user 1's second team
    in course 10 is inactive (see ``_member_rows``), one active membership fewer, same pairs."""
    engine = make_engine(url)
    with engine.connect() as connection:
        ours = _has_column(connection, "group_members", "course_id")
    engine.dispose()
    if not ours or "active_memberships" not in expected or expected is EXPECTED_SCHOOL_2:
        return expected
    return {**expected, "active_memberships": expected["active_memberships"] - 1}


def load_crafted(
    url: str,
    *,
    legacy: bool = False,
    timestamps: bool = False,
    anomalies: bool = True,
    then: Sequence[str] = (),
) -> str:
    """The crafted data in the database at ``url`` (first creating the legacy shape if
    ``legacy``), then the SQL statements ``then``, in one transaction; returns ``url``."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if not legacy:
            _tenant_keys_off(connection)
        with connection.begin():
            if legacy:
                create_legacy_schema(connection, timestamps=timestamps)
            elif connection.dialect.name == "postgresql":
                connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            insert_crafted(connection, anomalies=anomalies)
            for statement in then:
                connection.execute(sa.text(statement))
    engine.dispose()
    return url


def _tenant_keys_off(connection: sa.Connection) -> None:
    """Our schema refuses the crafted cross-school rows (team 103, user 8) since migration 0004;
    the tools must still find them in a database that has them (the legacy shape, or ours
    written around its keys), so they are written with the foreign keys off: SQLite's pragma
    here, outside the transaction; PostgreSQL's replica role inside it (the test server's
    superuser may set it)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # ends SQLAlchemy's autobegun transaction; the pragma stays


EXPECTED_CLEAN = {
    "active_memberships": 8,
    "unique_pairs": 7,
    "eligible_pairs": 7,
    "enrolled_active": 3,
    "enrolled_inactive": 1,
    "missing": 3,
    "anomalies": {"non_student_member": 0, "cross_school": 0},
}


def table_contents(connection: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered: compare before/after to prove nothing changed."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    for name in sorted(sa.inspect(connection).get_table_names()):
        rows = connection.execute(sa.text(f"SELECT * FROM {name}")).all()
        contents[name] = sorted((tuple(row) for row in rows), key=repr)
    return contents


def enrollment_rows(connection: sa.Connection) -> dict[tuple[int, int], bool]:
    rows = connection.execute(
        sa.text("SELECT student_id, course_id, active FROM course_enrollments")
    ).all()
    result = {(int(s), int(c)): bool(a) for s, c, a in rows}
    assert len(result) == len(rows), "duplicate enrollment"
    return result


def as_before(
    before: dict[str, list[tuple[Any, ...]]],
    after: dict[str, list[tuple[Any, ...]]],
    skip: frozenset[str] = frozenset(),
) -> dict[str, list[tuple[Any, ...]]]:
    """``after``'s tables that ``before`` had, each row cut to the columns it had then.

    Later migrations append nullable columns (0008: ``schools.locale``, ``users.locale``); a
    row that gained one must hold NULL there, which is checked here, and is otherwise compared
    whole. Table and row order are those of ``table_contents``; ``skip``: tables left out."""
    trimmed: dict[str, list[tuple[Any, ...]]] = {}
    for table, rows in after.items():
        if table not in before or table in skip:
            continue
        width = len(before[table][0]) if before[table] else None
        if width is None:
            trimmed[table] = rows
            continue
        assert all(value is None for row in rows for value in row[width:]), table
        trimmed[table] = sorted((row[:width] for row in rows), key=repr)
    return trimmed
