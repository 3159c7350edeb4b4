"""The access audit's crafted data: phase 1's crafted database (tests/migration/dataset.py) plus
rows that give every access decision and every way a pair can be left out.

Phase 1's rows decide as follows (``decision``: legacy vs enrollment):

=====  ============================================  ===========================================
pair   rows                                          decision
=====  ============================================  ===========================================
1,10   eligible member, active enrollment            agree
2,10   eligible member, no enrollment                legacy_only
2,11   eligible member, active enrollment            agree
3,11   archived student, eligible member, none       archived legacy_only
4,11   eligible member, inactive enrollment          legacy_only
6,10   teacher member                                non_student_member anomaly; neither
7,11   admin member                                  non_student_member anomaly; neither
8,10   school-2 student in a school-1 team           cross_school anomaly; neither
9,10   member of a school-2 team in a school-1 course  cross_school anomaly
10,20  eligible member (school 2), no enrollment     legacy_only
11,20  eligible member (school 2), active            agree
12,11  inactive membership, active enrollment        enrollment_only
=====  ============================================  ===========================================

and the rows added here:

=====  ============================================  ===========================================
9,10   + an active enrollment (user and course of    enrollment_only (the anomaly stays counted)
       school 1: the access module lets them in)
8,10   + an active enrollment across schools         neither (the course is another school's)
6,10   + an active enrollment of the teacher         neither (the student rule is for students)
5,10   inactive enrollment, inactive membership      neither
13,10  active enrollment, no membership              enrollment_only
14,13  archived student, active enrollment only      archived enrollment_only (course 13 has
                                                     nothing else: not in by_course)
15,11  archived student, eligible member, active     archived agree
16,12  inactive course 12: member and enrolled       agree (neither model reads is_active)
17,12  inactive course 12: member, no enrollment     legacy_only
18,20  school 2: active enrollment only              enrollment_only
=====  ============================================  ===========================================
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema
from tests.migration.dataset import (
    _has_column,
    _member_rows,
    _rows,
    _tenant_keys_off,
    insert_crafted,
)

NEW_USERS = [
    (13, 1, "Max Enrolled", False),
    (14, 1, "Nel Archived", True),
    (15, 1, "Oda Archived", True),
    (16, 1, "Pim Old", False),
    (17, 1, "Quin Old", False),
    (18, 2, "Rik Two", False),
]
# (course, student, active, school of the enrollment row on our schema)
NEW_ENROLLMENTS = [
    (10, 9, True, 1),
    (10, 8, True, 1),
    (10, 6, True, 1),
    (10, 5, False, 1),
    (10, 13, True, 1),
    (13, 14, True, 1),
    (11, 15, True, 1),
    (12, 16, True, 1),
    (20, 18, True, 2),
]


def insert_access_rows(connection: sa.Connection) -> None:
    ours = _has_column(connection, "course_enrollments", "school_id")
    _rows(
        connection,
        "users",
        [
            {
                "id": i,
                "school_id": s,
                "email": f"user{i}@example.org",
                "name": n,
                "role": "student",
                "archived": a,
            }
            for i, s, n, a in NEW_USERS
        ],
    )
    _rows(
        connection,
        "courses",
        [
            {"id": 12, "school_id": 1, "name": "Old course", "code": "OLD-1", "is_active": False},
            {"id": 13, "school_id": 1, "name": "Archive only", "code": "ARC-1", "is_active": True},
        ],
    )
    _rows(
        connection,
        "groups",
        [{"id": 104, "school_id": 1, "course_id": 12, "name": "Team 1", "team_number": 1}],
    )
    members = [(1, 104, 16, True), (1, 104, 17, True), (1, 102, 15, True)]
    _rows(connection, "group_members", _member_rows(connection, members))
    rows: list[dict[str, Any]] = []
    for course, student, active, school in NEW_ENROLLMENTS:
        row: dict[str, Any] = {"course_id": course, "student_id": student, "active": active}
        if ours:
            row["school_id"] = school
        rows.append(row)
    _rows(connection, "course_enrollments", rows)


def load_access(url: str, *, legacy: bool, then: tuple[str, ...] = ()) -> str:
    """Phase 1's crafted data and this module's rows in the database at ``url`` (first
    creating the legacy shape if ``legacy``), then the SQL ``then``; returns ``url``."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if not legacy:
            _tenant_keys_off(connection)
        with connection.begin():
            if legacy:
                create_legacy_schema(connection)
            elif connection.dialect.name == "postgresql":
                connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            insert_crafted(connection)
            insert_access_rows(connection)
            for statement in then:
                connection.execute(sa.text(statement))
    engine.dispose()
    return url


def _course(course_id: int, code: str, agree: int, legacy: int, enrollment: int) -> dict[str, Any]:
    return {
        "course_id": course_id,
        "code": code,
        "agree": agree,
        "legacy_only": legacy,
        "enrollment_only": enrollment,
    }


def _sample(
    student: int, name: str, course: int, code: str, membership: str, enrollment: str
) -> dict[str, Any]:
    return {
        "student_id": student,
        "student_name": name,
        "student_email": f"user{student}@example.org",
        "course_id": course,
        "course_code": code,
        "membership": membership,
        "enrollment": enrollment,
    }


LEGACY_ONLY_SAMPLES = [
    _sample(2, "Bob Student", 10, "OO-4A", "eligible", "missing"),
    _sample(4, "Dee Inactive", 11, "DB-4A", "eligible", "inactive"),
    _sample(10, "Jan Two", 20, "NET-1", "eligible", "missing"),
    _sample(17, "Quin Old", 12, "OLD-1", "eligible", "missing"),
]
ENROLLMENT_ONLY_SAMPLES = [
    _sample(9, "Ivy Wronggroup", 10, "OO-4A", "cross_school", "active"),
    _sample(12, "Lou Left", 11, "DB-4A", "none", "active"),
    _sample(13, "Max Enrolled", 10, "OO-4A", "none", "active"),
    _sample(18, "Rik Two", 20, "NET-1", "none", "active"),
]


def expected(shape: str, *, school: int | None = None) -> dict[str, Any]:
    """The whole JSON document of ``teameval audit access`` on this data (``seconds`` apart)."""
    in_school = {None: {1, 2}, 1: {1}, 2: {2}}[school]
    school_of = {10: 1, 11: 1, 12: 1, 20: 2}
    courses = [
        _course(10, "OO-4A", 1, 1, 2),
        _course(11, "DB-4A", 1, 1, 1),
        _course(20, "NET-1", 1, 1, 1),
        _course(12, "OLD-1", 1, 1, 0),
    ]
    courses = [c for c in courses if school_of[c["course_id"]] in in_school]
    samples = {
        "legacy_only": [s for s in LEGACY_ONLY_SAMPLES if school_of[s["course_id"]] in in_school],
        "enrollment_only": [
            s for s in ENROLLMENT_ONLY_SAMPLES if school_of[s["course_id"]] in in_school
        ],
    }
    totals = {key: sum(c[key] for c in courses) for key in ("agree", "legacy_only")}
    totals["enrollment_only"] = sum(c["enrollment_only"] for c in courses)
    archived = 1 if 1 in in_school else 0
    return {
        "status": "FAIL",
        "exit_code": 2,
        "school_id": school,
        "shape": shape,
        "pairs": sum(totals.values()),
        **totals,
        # Phase 1's figures for the same scope (tests/migration/dataset.py).
        "anomalies": {"non_student_member": 0 if school == 2 else 2, "cross_school": 2},
        "archived_column": True,
        "archived": {"agree": archived, "legacy_only": archived, "enrollment_only": archived},
        "by_course": courses,
        "samples": samples,
    }
