"""No query per row: an import of 50 rows runs exactly as many statements as one of 5."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.roster.csv.importer import import_students
from tests.factories import SchoolWorld
from tests.roster.import_helpers import actions, csv_bytes
from tests.statements import recorded_statements


def _file(prefix: str, rows: int, class_name: str) -> bytes:
    header = ["email", "name", "student_number", "class_name", "courses", "team", "status"]
    body = [
        [
            f"{prefix}{i}@north.nl",
            f"Student {i}",
            f"{prefix}-{i}",
            class_name,
            "OO-4A|NLT-5",
            str(i % 3 + 1),
            "active",
        ]
        for i in range(rows)
    ]
    return csv_bytes([header, *body])


def _import(
    factory: sessionmaker[Session], engine: sa.Engine, world: SchoolWorld, data: bytes, commit: bool
) -> tuple[int, list[str]]:
    actor = Actor.command_line(world.school.id, "import students")
    with factory.begin() as session, recorded_statements(engine) as statements:
        report = import_students(session, actor, data, Settings(), commit=commit)
    assert report.rows
    assert not report.has_errors
    return len(statements), actions(report.to_dict())


def test_statement_count_does_not_grow_with_rows(
    engine: sa.Engine,
    session_factory: sessionmaker[Session],
    two_schools: tuple[SchoolWorld, SchoolWorld],
) -> None:
    counts: dict[str, list[int]] = {}
    # Two schools of the same shape, so both imports start from the same state (no teams yet).
    for world, prefix, rows in ((two_schools[0], "five", 5), (two_schools[1], "fifty", 50)):
        steps = [
            _import(session_factory, engine, world, _file(prefix, rows, "4A"), commit=False),
            _import(session_factory, engine, world, _file(prefix, rows, "4A"), commit=True),
            _import(session_factory, engine, world, _file(prefix, rows, "4A"), commit=True),
            _import(session_factory, engine, world, _file(prefix, rows, "5B"), commit=True),
        ]
        assert [set(a) for _, a in steps] == [{"create"}, {"create"}, {"unchanged"}, {"update"}]
        counts[prefix] = [count for count, _ in steps]
    assert counts["five"] == counts["fifty"], counts
    # And it is small: reads, one INSERT per table, the enrollment writes, the audit.
    assert max(counts["five"]) < 40, counts
