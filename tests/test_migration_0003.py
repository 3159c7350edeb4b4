"""Migration 0003 on a database at 0002 holding what the races of issue 7 left behind.

Students in several active teams of one course keep the lowest team number; the others are
deactivated (never deleted), one audit row each, in the same transaction. Course codes equal
ignoring case make the upgrade refuse, listing them, with nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from teameval import schema
from teameval.db import make_engine
from tests.migration.dataset import as_before, table_contents

SCHOOLS = [(1, "alpha", "Alpha"), (2, "beta", "Beta")]
USERS = [(10, 1, "s10@a.org"), (11, 1, "s11@a.org"), (12, 1, "s12@a.org"), (20, 2, "s20@b.org")]
COURSES = [(100, 1, "OO-4A"), (101, 1, "NLT-5"), (200, 2, "NET-1")]
GROUPS = [  # id, school, course, team number
    (1000, 1, 100, 1),
    (1001, 1, 100, 2),
    (1002, 1, 100, 3),
    (1010, 1, 101, 1),
    (2000, 2, 200, 1),
]
MEMBERS = [  # id, school, group, user, active: ids not in team order, so "lowest" means team
    (1, 1, 1002, 10, True),  # student 10: teams 3, 2 and 1 of OO-4A -> keeps team 1
    (2, 1, 1001, 10, True),
    (3, 1, 1000, 10, True),
    (4, 1, 1010, 10, True),  # ... and team 1 of NLT-5: another course, kept
    (5, 1, 1000, 11, False),  # student 11: inactive in team 1, active in team 2 -> unchanged
    (6, 1, 1001, 11, True),
    (7, 1, 1001, 12, True),  # student 12: teams 2 and 3 -> keeps team 2
    (8, 1, 1002, 12, True),
    (9, 2, 2000, 20, True),
]


def _at_0002(url: str, courses: list[tuple[int, int, str]] = COURSES) -> sa.Engine:
    schema.upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as connection:

        def insert(sql: str, rows: list[dict[str, Any]]) -> None:
            connection.execute(sa.text(sql), rows)

        insert(
            "INSERT INTO schools (id, slug, name) VALUES (:id, :slug, :name)",
            [{"id": i, "slug": s, "name": n} for i, s, n in SCHOOLS],
        )
        insert(
            "INSERT INTO users (id, school_id, email, name, role) "
            "VALUES (:id, :school, :email, :email, 'student')",
            [{"id": i, "school": s, "email": e} for i, s, e in USERS],
        )
        insert(
            "INSERT INTO courses (id, school_id, code, name) VALUES (:id, :school, :code, :code)",
            [{"id": i, "school": s, "code": c} for i, s, c in courses],
        )
        insert(
            "INSERT INTO groups (id, school_id, course_id, name, team_number) "
            "VALUES (:id, :school, :course, 'Team', :team)",
            [{"id": i, "school": s, "course": c, "team": t} for i, s, c, t in GROUPS],
        )
        insert(
            "INSERT INTO group_members (id, school_id, group_id, user_id, active) "
            "VALUES (:id, :school, :group, :user, :active)",
            [
                {"id": i, "school": s, "group": g, "user": u, "active": a}
                for i, s, g, u, a in MEMBERS
            ],
        )
    return engine


def test_upgrade_keeps_the_lowest_team_and_audits_each_deactivation(empty_db_url: str) -> None:
    engine = _at_0002(empty_db_url)
    with engine.connect() as connection:
        before = table_contents(connection)
    schema.upgrade(empty_db_url)
    with engine.connect() as connection:
        after = table_contents(connection)
        members = connection.execute(
            sa.text(
                "SELECT id, school_id, group_id, course_id, user_id, active FROM group_members "
                "ORDER BY id"
            )
        ).all()
        audit = connection.execute(
            sa.text(
                "SELECT school_id, actor_id, actor_label, action, entity_type, entity_id, changes "
                "FROM audit_logs ORDER BY id"
            )
        ).all()
    engine.dispose()
    course_of = {g: c for g, _s, c, _t in GROUPS}
    deactivated = {1: 1000, 2: 1000, 8: 1001}  # membership id -> the group kept
    assert [tuple(row) for row in members] == [
        (i, s, g, course_of[g], u, a and i not in deactivated) for i, s, g, u, a in MEMBERS
    ]
    reason = (
        "a student may be in only one active team per course; kept the lowest team number "
        "(migration 0003)"
    )
    expected_audit = []
    for member_id, kept in deactivated.items():
        _i, school, group, user, _a = MEMBERS[member_id - 1]
        changes = {
            "group_id": group,
            "student_id": user,
            "course_id": course_of[group],
            "kept_group_id": kept,
            "reason": reason,
        }
        label, action = "migration:0003", "group_member.deactivated"
        expected_audit.append((school, None, label, action, "group_member", member_id, changes))
    decoded = [(*row[:-1], _json(row[-1])) for row in audit]
    assert sorted(decoded, key=lambda r: r[5]) == expected_audit
    # Nothing else changed: every other table as it was, no row deleted anywhere (columns that
    # later migrations append are NULL and left out of the comparison).
    changed = frozenset({"group_members", "audit_logs", "alembic_version"})
    after = {**after, **as_before(before, after, skip=changed)}
    for table in before:
        if table not in changed:
            assert after[table] == before[table], table
    assert len(after["group_members"]) == len(before["group_members"])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_upgrade_refuses_case_duplicate_codes_listing_them_and_changes_nothing(
    empty_db_url: str,
) -> None:
    courses = [*COURSES, (102, 1, "oo-4a"), (201, 2, "net-1"), (202, 2, "Net-1"), (103, 1, "X")]
    engine = _at_0002(empty_db_url, courses)
    with engine.connect() as connection:
        before = table_contents(connection)
    with pytest.raises(Exception, match="differ only in case") as refused:
        schema.upgrade(empty_db_url)
    assert str(refused.value) == (
        "Migration 0003 makes course codes unique ignoring case, but these courses differ only "
        "in case: school alpha: OO-4A, oo-4a; school beta: NET-1, Net-1, net-1. Rename them "
        "(PATCH /api/v1/courses/{id}) and run `teameval db upgrade` again; nothing was changed."
    )
    assert schema.current_revision(engine) == "0002"
    with engine.connect() as connection:
        assert table_contents(connection) == before
    engine.dispose()


def test_downgrade_to_0002_and_back(empty_db_url: str) -> None:
    engine = _at_0002(empty_db_url)
    schema.upgrade(empty_db_url)
    command.downgrade(schema.alembic_config(empty_db_url), "0002")
    assert schema.current_revision(engine) == "0002"
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("group_members")}
    assert "course_id" not in columns
    schema.upgrade(empty_db_url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()
