"""`teameval contract assessments` on both engines, through the real command, on a small legacy
database of its own (one assessment, two teams, every key mapped by hand): it refuses on each
failing gate, naming it, with the schema and every row unchanged; it succeeds once the data is
right (column NOT NULL, both partial unique indexes there and enforcing, every row and every
other index and foreign key as before, the SQLite rebuild included); a second run has nothing
to do; the no-NULL gate is checked again under the lock; an interrupted run is finished by a
rerun; and teameval's own schema has nothing to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema
from teameval.migration.phase2 import contract, run_ddl
from teameval.migration.phase2.sqlite_rebuild import not_null_create
from tests.migration.conftest import CliResult, cli
from tests.migration.phase2.dataset import table_contents
from tests.migration.phase2.test_expand import (
    concurrent_writer,
    execute,
    killed_while_waiting,
    schema_of,
)

SCORES = "project_assessment_scores"
GATES = ["expanded", "all_keys_mapped", "all_scores_mapped", "no_duplicate_team_scores", "verify"]
STEPS = {
    "sqlite": [
        "rebuild_not_null",
        "create_team_score_unique_index",
        "create_override_unique_index",
    ],
    "postgresql": [
        "add_not_null_check",
        "validate_not_null_check",
        "set_not_null",
        "drop_not_null_check",
        "create_team_score_unique_index",
        "create_override_unique_index",
    ],
}
UNIQUE = {
    "uq_project_assessment_scores_team": ("assessment_id", "criterion_id", "project_team_id"),
    "uq_project_assessment_scores_override": (
        "assessment_id",
        "criterion_id",
        "project_team_id",
        "student_id",
    ),
}

# One school, one course, cohort group 100 (no team number of its own; 101 has team number 3
# and no assessment), project 1 with teams 1000 (t 1: users 2, 3) and 1001 (t 2: users 4, 5),
# assessment 1 over group 100 with two criteria: team scores for t 1 and t 2 and user 2's
# override. Score ids 1-5.
ROWS = [
    "INSERT INTO schools (id, name) VALUES (1, 'North')",
    "INSERT INTO users (id, school_id, email, name, role, team_number) VALUES "
    "(1, 1, 't@x', 'T', 'teacher', NULL), (2, 1, 'a@x', 'A', 'student', 1), "
    "(3, 1, 'b@x', 'B', 'student', 1), (4, 1, 'c@x', 'C', 'student', 2), "
    "(5, 1, 'd@x', 'D', 'student', 2)",
    "INSERT INTO courses (id, school_id, name) VALUES (10, 1, 'Course')",
    "INSERT INTO groups (id, school_id, course_id, name, team_number) VALUES "
    "(100, 1, 10, 'Cohort', NULL), (101, 1, 10, 'Team 3', 3)",
    "INSERT INTO group_members (id, school_id, group_id, user_id) VALUES "
    "(1, 1, 100, 2), (2, 1, 100, 3), (3, 1, 100, 4), (4, 1, 100, 5)",
    "INSERT INTO projects (id, school_id, course_id, title) VALUES (1, 1, 10, 'Project')",
    "INSERT INTO project_teams (id, school_id, project_id, team_id, display_name_at_time, "
    "team_number, version) VALUES (1000, 1, 1, 100, 'Team 1', 1, 1), "
    "(1001, 1, 1, 100, 'Team 2', 2, 1)",
    "INSERT INTO project_team_members (id, school_id, project_team_id, user_id) VALUES "
    "(1, 1, 1000, 2), (2, 1, 1000, 3), (3, 1, 1001, 4), (4, 1, 1001, 5)",
    "INSERT INTO rubrics (id, school_id, title, scale_min, scale_max) VALUES (1, 1, 'R', 0, 10)",
    "INSERT INTO rubric_criteria (id, school_id, rubric_id, name, weight) VALUES "
    "(1, 1, 1, 'C1', 1), (2, 1, 1, 'C2', 2)",
    "INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, "
    "teacher_id, title) VALUES (1, 1, 1, 100, 1, 1, 'A1')",
    f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
    "student_id, score) VALUES (1, 1, 1, 1, 1, NULL, 7), (2, 1, 1, 2, 1, NULL, 8), "
    "(3, 1, 1, 1, 2, NULL, 5), (4, 1, 1, 2, 2, NULL, 6), (5, 1, 1, 1, 1, 2, 9)",
]
MAP = [
    "INSERT INTO project_assessment_teams (school_id, project_assessment_id, project_team_id, "
    "team_number, source) VALUES (1, 1, 1000, 1, 'linked'), (1, 1, 1001, 2, 'linked')",
    f"UPDATE {SCORES} SET project_team_id = CASE team_number WHEN 1 THEN 1000 ELSE 1001 END",
]


def contract_cli(url: str, *args: str) -> CliResult:
    return cli("contract", "assessments", "--database-url", url, *args)


def contract_json(url: str, *args: str) -> dict[str, Any]:
    result = contract_cli(url, "--json", *args)
    document = result.json()
    assert document["exit_code"] == result.exit_code, result.stderr
    return document


def failing(document: dict[str, Any]) -> list[str]:
    return [gate["name"] for gate in document["gates"] if not gate["passed"]]


def build(url: str, *, expand: bool = True, mapped: bool = True) -> str:
    engine = make_engine(url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        for statement in ROWS:
            connection.execute(sa.text(statement))
    engine.dispose()
    if expand:
        assert cli("expand", "assessments", "--commit", "--database-url", url).exit_code == 0
    if mapped:
        execute(url, *MAP)
    return url


@pytest.fixture
def fixed_url(empty_db_url: str) -> str:
    """Expanded, every key mapped, every score row keyed: every gate passes."""
    return build(empty_db_url)


def snapshot(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return schema_of(url), table_contents(url)


@pytest.fixture
def postgresql_only(backend: str) -> None:
    """Skip the SQLite run before any database is built (use first: ``usefixtures``)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's behaviour")


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's behaviour")


def test_the_fixture_passes_every_gate(fixed_url: str, backend: str) -> None:
    before = snapshot(fixed_url)
    document = contract_json(fixed_url)
    assert document["status"] == "dry_run"
    assert document["exit_code"] == 0
    assert [gate["name"] for gate in document["gates"]] == GATES
    assert failing(document) == []
    assert [s["name"] for s in document["statements"]] == STEPS[backend]
    assert document["applied"] == []
    human = contract_cli(fixed_url)
    assert human.exit_code == 0
    assert "CREATE UNIQUE INDEX" in human.stdout
    assert snapshot(fixed_url) == before


# Each breaks one thing of the fixed database; the gates that must fail, exactly. A score row
# without a team is also a row of a mapped key without that key's team, which verify reports.
BREAKS: dict[str, tuple[list[str], list[str]]] = {
    "key_to_create": (
        [
            "INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, "
            "title) VALUES (2, 1, 1, 101, 1, 'A2')"
        ],
        ["all_keys_mapped"],
    ),
    "score_without_team": (
        [f"UPDATE {SCORES} SET project_team_id = NULL WHERE id = 4"],
        ["all_scores_mapped", "verify"],
    ),
    "duplicate_team_score": (
        [
            f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
            "student_id, score, project_team_id) VALUES (6, 1, 1, 1, 1, NULL, 7, 1000)"
        ],
        ["no_duplicate_team_scores"],
    ),
    "score_keyed_to_another_team": (
        [f"UPDATE {SCORES} SET project_team_id = 1000 WHERE id = 3"],
        ["verify"],
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_refuses_on_each_failing_gate_and_changes_nothing(fixed_url: str, case: str) -> None:
    statements, gates = BREAKS[case]
    execute(fixed_url, *statements)
    before = snapshot(fixed_url)
    for args in ((), ("--commit",)):
        document = contract_json(fixed_url, *args)
        assert document["exit_code"] == 2
        assert document["status"] == "refused"
        assert failing(document) == gates
        assert document["applied"] == []
        assert snapshot(fixed_url) == before
    human = contract_cli(fixed_url, "--commit")
    assert human.exit_code == 2
    for gate in gates:
        assert gate in human.stdout
    assert snapshot(fixed_url) == before


def test_refuses_on_an_unfinished_expansion_alone(fixed_url: str, backend: str) -> None:
    # The expand stopped before its last steps: the foreign key not validated (PostgreSQL),
    # the archive table missing. Everything else is ready.
    statements = ["DROP TABLE archived_assessment_scores"]
    missing = "create_archive_table"
    if backend == "postgresql":
        statements += [
            f"ALTER TABLE {SCORES} DROP CONSTRAINT fk_project_assessment_scores_project_team_id",
            f"ALTER TABLE {SCORES} ADD CONSTRAINT fk_project_assessment_scores_project_team_id "
            "FOREIGN KEY (project_team_id) REFERENCES project_teams(id) NOT VALID",
        ]
        missing = "validate_score_project_team_fk, create_archive_table"
    execute(fixed_url, *statements)
    before = snapshot(fixed_url)
    document = contract_json(fixed_url, "--commit")
    assert document["exit_code"] == 2
    assert failing(document) == ["expanded"]
    assert f"({missing} missing)" in document["gates"][0]["detail"]
    assert snapshot(fixed_url) == before
    assert cli("expand", "assessments", "--commit", "--database-url", fixed_url).exit_code == 0
    assert contract_json(fixed_url, "--commit")["status"] == "completed"


def test_refuses_before_expansion(empty_db_url: str) -> None:
    url = build(empty_db_url, expand=False, mapped=False)
    before = snapshot(url)
    document = contract_json(url, "--commit")
    assert document["exit_code"] == 2
    assert failing(document) == ["expanded", "all_keys_mapped", "all_scores_mapped", "verify"]
    assert "teameval expand assessments --commit" in document["gates"][0]["detail"]
    assert document["statements"] == []
    assert snapshot(url) == before


def test_refuses_on_an_empty_unexpanded_database(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
    engine.dispose()
    document = contract_json(empty_db_url)
    # Nothing to map, but nothing to contract either until expanded (verify needs the junction).
    assert failing(document) == ["expanded", "verify"]


def _index_sql(url: str, name: str) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}
            ).scalar_one()
        else:
            sql = connection.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name}
            ).scalar_one()
    engine.dispose()
    return " ".join(str(sql).split())


def _insert_score(url: str, values: str) -> None:
    execute(
        url,
        f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
        f"student_id, score, project_team_id) VALUES ({values})",
    )


def test_succeeds_once_every_gate_passes(fixed_url: str, backend: str) -> None:
    schema_before, rows_before = snapshot(fixed_url)
    document = contract_json(fixed_url, "--commit")
    assert document["status"] == "completed", document
    assert document["exit_code"] == 0
    assert document["applied"] == STEPS[backend]
    assert failing(document) == []
    assert document["gates"][-1] == {
        "name": "no_null_project_team_id",
        "passed": True,
        "detail": "checked again under the table's lock",
    }
    schema = schema_of(fixed_url)
    # The column is NOT NULL now; every other column of every table as it was.
    columns = schema[SCORES]["columns"]
    assert columns[-1] == ("project_team_id", "INTEGER", False)
    assert columns[:-1] == schema_before[SCORES]["columns"][:-1]
    assert schema_before[SCORES]["columns"][-1] == ("project_team_id", "INTEGER", True)
    # Every other index, foreign key, unique and check constraint of the table still there.
    for part in ("pk", "fks", "unique", "checks"):
        assert schema[SCORES][part] == schema_before[SCORES][part], part
    new_indexes = [ix for ix in schema[SCORES]["indexes"] if ix[0] in UNIQUE]
    assert [ix for ix in schema[SCORES]["indexes"] if ix[0] not in UNIQUE] == schema_before[SCORES][
        "indexes"
    ]
    assert {ix[0]: (ix[1], ix[2]) for ix in new_indexes} == {
        name: (columns_, True) for name, columns_ in UNIQUE.items()
    }
    assert "WHERE (student_id IS NULL)" in _index_sql(
        fixed_url, "uq_project_assessment_scores_team"
    ).replace("WHERE student_id IS NULL", "WHERE (student_id IS NULL)")
    assert "IS NOT NULL" in _index_sql(fixed_url, "uq_project_assessment_scores_override")
    for table in schema_before:
        if not table.startswith("_") and table != SCORES:
            assert schema[table] == schema_before[table], table
    if backend == "postgresql":
        assert all(valid for _name, valid in schema["_pg_indexes"])
        names = {name for name, _validated in schema["_pg_constraints"]}
        assert "pas_project_team_id_not_null" not in names
        assert names == {name for name, _ in schema_before["_pg_constraints"]}
    else:
        others = [row for row in schema["_sqlite_master"] if row[1] != SCORES]
        added = [row for row in others if row[1] in UNIQUE]
        assert len(added) == 2
        assert [row for row in others if row[1] not in UNIQUE] == [
            row for row in schema_before["_sqlite_master"] if row[1] != SCORES
        ]
    # Every row of every table, identical.
    assert table_contents(fixed_url) == rows_before
    # The indexes enforce what they promise; a row without a team is refused.
    with pytest.raises(sa.exc.IntegrityError):
        _insert_score(fixed_url, "10, 1, 1, 1, 1, NULL, 3, 1000")  # second team score
    with pytest.raises(sa.exc.IntegrityError):
        _insert_score(fixed_url, "11, 1, 1, 1, 1, 2, 3, 1000")  # second override of user 2
    with pytest.raises(sa.exc.IntegrityError):
        _insert_score(fixed_url, "12, 1, 1, 1, 1, 3, 3, NULL")  # no team
    _insert_score(fixed_url, "13, 1, 1, 1, 1, 3, 3, 1000")  # user 3's first override: fine
    # Second run: nothing to do.
    before = snapshot(fixed_url)
    again = contract_json(fixed_url, "--commit")
    assert again["status"] == "nothing_to_do"
    assert again["exit_code"] == 0
    assert again["applied"] == []
    assert [gate["name"] for gate in again["gates"]] == ["contracted"]
    assert "Nothing to do" in contract_cli(fixed_url).stdout
    assert snapshot(fixed_url) == before


def _after_gates(monkeypatch: pytest.MonkeyPatch, url: str, *statements: str) -> Callable[..., Any]:
    """A writer that slips in between the gates and the DDL."""
    evaluate = contract.evaluate_gates

    def gates_then_write(*args: Any, **kwargs: Any) -> Any:
        gates = evaluate(*args, **kwargs)
        execute(url, *statements)
        return gates

    monkeypatch.setattr(contract, "evaluate_gates", gates_then_write)
    return gates_then_write


def test_a_null_written_after_the_gates_is_caught_under_the_lock(
    fixed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement = (
        f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
        "student_id, score) VALUES (20, 1, 1, 2, 1, 3, 4)"
    )
    execute(fixed_url, statement)
    expected = snapshot(fixed_url)
    execute(fixed_url, f"DELETE FROM {SCORES} WHERE id = 20")
    _after_gates(monkeypatch, fixed_url, statement)
    document = contract_json(fixed_url, "--commit")
    assert document["exit_code"] == 2
    assert document["status"] == "refused"
    assert failing(document) == ["no_null_project_team_id"]
    assert "without project_team_id" in document["gates"][-1]["detail"]
    assert document["applied"] == []
    assert snapshot(fixed_url) == expected


def test_a_duplicate_written_after_the_gates_fails_the_index_and_a_rerun_finishes(
    fixed_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    duplicate = (
        f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
        "student_id, score, project_team_id) VALUES (21, 1, 1, 1, 1, NULL, 7, 1000)"
    )
    _after_gates(monkeypatch, fixed_url, duplicate)
    document = contract_json(fixed_url, "--commit")
    assert document["exit_code"] == 2
    assert document["status"] == "failed"
    assert document["failed"]["name"] == "create_team_score_unique_index"
    assert document["applied"] == STEPS[backend][:-2]
    # The failed concurrent build's INVALID index is gone: it would refuse writes.
    assert "uq_project_assessment_scores_team" not in {
        ix[0] for ix in schema_of(fixed_url)[SCORES]["indexes"]
    }
    monkeypatch.undo()
    refused = contract_json(fixed_url, "--commit")
    assert failing(refused) == ["no_duplicate_team_scores"]
    execute(fixed_url, f"DELETE FROM {SCORES} WHERE id = 21")
    rerun = contract_json(fixed_url, "--commit")
    assert rerun["status"] == "completed"
    assert rerun["applied"] == STEPS[backend][-2:]


@pytest.mark.usefixtures("postgresql_only")
def test_rerun_finishes_after_the_check_was_added(fixed_url: str, backend: str) -> None:
    execute(
        fixed_url,
        f"ALTER TABLE {SCORES} ADD CONSTRAINT pas_project_team_id_not_null "
        "CHECK (project_team_id IS NOT NULL) NOT VALID",
    )
    document = contract_json(fixed_url, "--commit")
    assert document["applied"] == STEPS["postgresql"][1:]
    names = {name for name, _ in schema_of(fixed_url)["_pg_constraints"]}
    assert "pas_project_team_id_not_null" not in names


@pytest.mark.usefixtures("postgresql_only")
def test_a_step_that_cannot_get_its_lock_changes_nothing(
    fixed_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_ddl, "LOCK_TIMEOUT", "100ms")
    monkeypatch.setattr(run_ddl, "LOCK_RETRIES", 1)
    monkeypatch.setattr(run_ddl, "RETRY_PAUSE_SECONDS", 0.01)
    before = snapshot(fixed_url)
    engine = make_engine(fixed_url)
    with engine.connect() as holder:
        holder.execute(sa.text(f"LOCK TABLE {SCORES} IN ACCESS SHARE MODE"))
        document = contract_json(fixed_url, "--commit")
        holder.rollback()
    engine.dispose()
    assert document["exit_code"] == 2
    assert document["failed"]["name"] == "add_not_null_check"
    assert "lock timeout" in document["failed"]["error"]
    assert snapshot(fixed_url) == before
    assert contract_json(fixed_url, "--commit")["status"] == "completed"


@pytest.mark.usefixtures("sqlite_only")
def test_sqlite_rebuild_keeps_triggers_and_the_tables_pointing_at_it(fixed_url: str) -> None:
    execute(
        fixed_url,
        "CREATE TABLE score_notes (id INTEGER PRIMARY KEY, "
        f"score_id INTEGER NOT NULL REFERENCES {SCORES}(id), note TEXT)",
        "INSERT INTO score_notes VALUES (1, 3, 'checked')",
        f"CREATE TRIGGER no_negative BEFORE INSERT ON {SCORES} WHEN NEW.score < 0 "
        "BEGIN SELECT RAISE(ABORT, 'negative'); END",
        f"CREATE VIEW team_scores AS SELECT id, score FROM {SCORES} WHERE student_id IS NULL",
        "CREATE TRIGGER note_removed AFTER DELETE ON score_notes "
        f"BEGIN UPDATE {SCORES} SET comment = 'note removed' WHERE id = OLD.score_id; END",
    )
    before = snapshot(fixed_url)
    assert contract_json(fixed_url, "--commit")["status"] == "completed"
    schema, rows = snapshot(fixed_url)
    assert rows == before[1]
    assert schema["score_notes"] == before[0]["score_notes"]
    assert ("trigger", "no_negative") in {row[:2] for row in schema["_sqlite_master"]}
    # The view and the other table's trigger name the table as before, and work.
    assert [
        row for row in schema["_sqlite_master"] if row[1] in {"team_scores", "note_removed"}
    ] == [row for row in before[0]["_sqlite_master"] if row[1] in {"team_scores", "note_removed"}]
    engine = make_engine(fixed_url)
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM team_scores")).scalar_one() == 4
        connection.execute(sa.text("DELETE FROM score_notes"))
        comment = f"SELECT comment FROM {SCORES} WHERE id = 3"
        assert connection.execute(sa.text(comment)).scalar_one() == "note removed"
    engine.dispose()
    with pytest.raises(sa.exc.IntegrityError, match="negative"):
        _insert_score(fixed_url, "30, 1, 1, 2, 2, 4, -1, 1001")


@pytest.mark.usefixtures("sqlite_only")
def test_sqlite_rebuild_refuses_broken_foreign_keys_and_rolls_back(fixed_url: str) -> None:
    raw = sa.create_engine(fixed_url)  # without teameval's foreign_keys=ON: a dangling id
    with raw.begin() as connection:
        connection.execute(sa.text(f"UPDATE {SCORES} SET student_id = 99 WHERE id = 5"))
    raw.dispose()
    before = snapshot(fixed_url)
    document = contract_json(fixed_url, "--commit")
    assert document["status"] == "failed"
    assert document["failed"]["name"] == "rebuild_not_null"
    assert "foreign_key_check" in document["failed"]["error"]
    assert snapshot(fixed_url) == before


def test_the_runbook_expand_backfill_contract(empty_db_url: str, backend: str) -> None:
    url = build(empty_db_url, mapped=False)
    refused = contract_json(url, "--commit")
    assert failing(refused) == ["all_keys_mapped", "all_scores_mapped"]
    backfill = cli("backfill", "assessments", "--commit", "--database-url", url)
    assert backfill.exit_code == 0, backfill.stdout + backfill.stderr
    rows = table_contents(url)
    document = contract_json(url, "--commit")
    assert document["status"] == "completed"
    assert document["applied"] == STEPS[backend]
    assert table_contents(url) == rows


@pytest.mark.usefixtures("postgresql_only")
def test_writers_go_on_while_the_contract_runs(fixed_url: str, backend: str) -> None:
    # Enough rows that validating the check and building the indexes take a moment: 5,000
    # more assessments like assessment 1, each with its two keys mapped (team scores only).
    many = "FROM generate_series(2, 5001) AS a"
    execute(
        fixed_url,
        "INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, "
        f"title) SELECT a, 1, 1, 100, 1, 'A' || a {many}",
        "INSERT INTO project_assessment_teams (school_id, project_assessment_id, "
        "project_team_id, team_number, source) "
        f"SELECT 1, a, 1000 + t - 1, t, 'linked' {many}, generate_series(1, 2) AS t",
        f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
        "student_id, score, project_team_id) "
        "SELECT a * 10 + t * 2 + c, 1, a, c, t, NULL, 5, 1000 + t - 1 "
        f"{many}, generate_series(1, 2) AS t, generate_series(1, 2) AS c",
    )
    with concurrent_writer(fixed_url, f"UPDATE {SCORES} SET score = score + 1 WHERE id = 1"):
        document = contract_json(fixed_url, "--commit")
    assert document["status"] == "completed", document


@pytest.mark.usefixtures("postgresql_only")
def test_killed_during_a_concurrent_index_build_then_rerun_completes(fixed_url: str) -> None:
    engine = make_engine(fixed_url)
    with engine.connect() as holder:
        # An open snapshot of another table: CREATE INDEX CONCURRENTLY waits for it to end,
        # the statements before it do not.
        holder.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        holder.execute(sa.text("SELECT count(*) FROM schools")).scalar_one()
        killed_while_waiting(
            fixed_url,
            ["contract", "assessments", "--commit"],
            "CREATE UNIQUE INDEX CONCURRENTLY uq_project_assessment_scores_team",
        )
        holder.rollback()
    engine.dispose()
    # Killed mid-build: NOT NULL done, an INVALID index left behind.
    leftover = schema_of(fixed_url)
    assert ("uq_project_assessment_scores_team", False) in leftover["_pg_indexes"]
    assert leftover[SCORES]["columns"][-1] == ("project_team_id", "INTEGER", False)
    rows = table_contents(fixed_url)
    document = contract_json(fixed_url, "--commit")
    assert document["status"] == "completed"
    assert document["applied"] == STEPS["postgresql"][-2:]
    assert document["statements"][-2]["sql"].startswith(
        "DROP INDEX CONCURRENTLY IF EXISTS uq_project_assessment_scores_team;"
    )
    assert all(valid for _name, valid in schema_of(fixed_url)["_pg_indexes"])
    assert table_contents(fixed_url) == rows


def test_our_schema_has_nothing_to_do(db_url: str) -> None:
    before = snapshot(db_url)
    dry = contract_json(db_url)
    assert dry["shape"] == "ours"
    assert dry["status"] == "nothing_to_do"
    assert dry["exit_code"] == 0
    assert failing(dry) == []
    assert snapshot(db_url) == before
    committed = contract_json(db_url, "--commit")
    assert committed["status"] == "nothing_to_do"
    assert committed["migration_run_id"] is not None


@pytest.mark.parametrize(
    ("create", "expected"),
    [
        (
            'CREATE TABLE "s" (id INTEGER PRIMARY KEY, "project_team_id" INTEGER '
            "REFERENCES t(id), note TEXT DEFAULT 'a, (b)', CHECK (note <> ','))",
            'CREATE TABLE "n" (\n    id INTEGER PRIMARY KEY,\n    "project_team_id" INTEGER '
            "REFERENCES t(id) NOT NULL,\n    note TEXT DEFAULT 'a, (b)',\n    "
            "CHECK (note <> ',')\n)",
        ),
        (
            "CREATE TABLE s(a INT, -- project_team_id, a comment\n"
            "project_team_id INT /* x, y */) WITHOUT ROWID",
            'CREATE TABLE "n" (\n    a INT,\n    project_team_id INT NOT NULL\n) WITHOUT ROWID',
        ),
        (
            "CREATE TABLE [s] ([project_team_id] INTEGER, `b` INT)",
            'CREATE TABLE "n" (\n    [project_team_id] INTEGER NOT NULL,\n    `b` INT\n)',
        ),
    ],
)
def test_not_null_create_reads_the_stored_text(create: str, expected: str) -> None:
    assert not_null_create(create, "project_team_id", "n") == expected
