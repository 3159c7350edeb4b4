"""`teameval expand assessments` on both engines, through the real command: the dry run lists the
DDL and changes nothing (whole schema and every row compared), a commit creates every object
exactly as issue 12 says, a second run has nothing to do, an interrupted run (objects missing,
an INVALID index left by a failed concurrent build, a NOT VALID foreign key) is finished by a
rerun, a statement that cannot get its lock fails with exit 2 after its retries and leaves the
steps before it applied, and teameval's own schema has nothing to do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase2 import run_ddl
from tests.migration.conftest import CliResult, cli
from tests.migration.phase2.dataset import EXPECTED_ALL, load_crafted, table_contents

LEGACY_STEPS = {
    "sqlite": [
        "create_junction_table",
        "create_junction_team_index",
        "add_score_project_team_id",
        "create_score_team_index",
        "create_archive_table",
    ],
    "postgresql": [
        "create_junction_table",
        "create_junction_team_index",
        "add_score_project_team_id",
        "add_score_project_team_fk",
        "validate_score_project_team_fk",
        "create_score_team_index",
        "create_archive_table",
    ],
}
SCORES = "project_assessment_scores"


def expand(url: str, *args: str) -> CliResult:
    return cli("expand", "assessments", "--database-url", url, *args)


def expand_json(url: str, *args: str) -> dict[str, Any]:
    result = expand(url, "--json", *args)
    document = result.json()
    assert document["exit_code"] == result.exit_code, result.stderr
    return document


def execute(url: str, *statements: str, autocommit: bool = False) -> None:
    engine = make_engine(url)
    if autocommit:
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


@contextmanager
def concurrent_writer(url: str, statement: str, *, max_seconds: float = 2.0) -> Iterator[None]:
    """The application writing while the block runs: ``statement`` in a transaction of its
    own, again and again. Afterwards: it ran many times, never failed and never waited long."""
    engine = make_engine(url)
    stop = threading.Event()
    latencies: list[float] = []
    errors: list[BaseException] = []

    def write() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                with engine.begin() as connection:
                    connection.execute(sa.text(statement))
            except BaseException as error:  # reported by the assertion below
                errors.append(error)
                return
            latencies.append(time.monotonic() - started)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert errors == []
    assert len(latencies) > 10
    assert max(latencies) < max_seconds


TEAMEVAL = str(Path(sys.executable).with_name("teameval"))


def killed_while_waiting(url: str, args: list[str], waiting_on: str) -> None:
    """Run ``teameval *args`` in a process of its own and SIGKILL it once one of its
    statements starting with ``waiting_on`` waits for a lock (PostgreSQL). Its server process
    is ended too: it would only notice the lost client once the lock is granted, and finish
    the statement first."""
    process = subprocess.Popen(
        [TEAMEVAL, *args, "--database-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waiting = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND query LIKE :prefix"
    ).bindparams(prefix=waiting_on + "%")
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "finished before it waited"
            assert time.monotonic() < deadline, f"never waited on {waiting_on}"
            with engine.connect() as connection:
                backend = connection.execute(waiting).scalar()
            if backend is not None:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        gone = sa.text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
        deadline = time.monotonic() + 30
        while True:
            # A transaction of its own each time: pg_stat_activity is a snapshot per transaction.
            with engine.connect() as connection:
                if connection.execute(gone, {"pid": backend}).scalar_one():
                    break
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        engine.dispose()


def schema_of(url: str) -> dict[str, Any]:
    """Every table's columns, primary key, foreign keys, indexes, unique and check constraints
    (and on PostgreSQL whether each index is valid and each constraint validated)."""
    engine = make_engine(url)
    found: dict[str, Any] = {}
    with engine.connect() as connection, warnings.catch_warnings():
        # Expression indexes of our schema are not reflected; the catalogs below have them.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        inspector = sa.inspect(connection)
        for table in sorted(inspector.get_table_names()):
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (
                        ix["name"],
                        tuple(ix["column_names"]),
                        bool(ix["unique"]),
                        # partial indexes: their WHERE, as text
                        str(sorted((k, str(v)) for k, v in ix.get("dialect_options", {}).items())),
                    )
                    for ix in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
                "checks": sorted(c["sqltext"] for c in inspector.get_check_constraints(table)),
            }
        if engine.dialect.name == "sqlite":
            found["_sqlite_master"] = sorted(
                connection.execute(sa.text("SELECT type, name, sql FROM sqlite_master")).all(),
                key=repr,
            )
        if engine.dialect.name == "postgresql":
            found["_pg_indexes"] = sorted(
                connection.execute(
                    sa.text(
                        "SELECT c.relname, x.indisvalid FROM pg_index x "
                        "JOIN pg_class c ON c.oid = x.indexrelid "
                        "WHERE c.relnamespace = 'public'::regnamespace"
                    )
                ).all()
            )
            found["_pg_constraints"] = sorted(
                connection.execute(
                    sa.text(
                        "SELECT conname, convalidated FROM pg_constraint "
                        "WHERE connamespace = 'public'::regnamespace"
                    )
                ).all()
            )
    engine.dispose()
    return found


@pytest.fixture
def legacy_url(crafted_legacy_url: str) -> str:
    return crafted_legacy_url


@pytest.fixture
def postgresql_only(backend: str) -> None:
    """Skip the SQLite run before any database is built (use first: ``usefixtures``)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's behaviour")


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's behaviour")


def test_dry_run_lists_the_ddl_and_changes_nothing(legacy_url: str, backend: str) -> None:
    schema, rows = schema_of(legacy_url), table_contents(legacy_url)
    document = expand_json(legacy_url)
    assert document["dry_run"] is True
    assert document["status"] == "dry_run"
    assert document["exit_code"] == 0
    assert document["shape"] == "legacy"
    assert document["expanded"] is False
    assert document["applied"] == []
    assert document["failed"] is None
    assert [s["name"] for s in document["statements"]] == LEGACY_STEPS[backend]
    assert all(s["done"] is False for s in document["statements"])
    sql = "".join(s["sql"] for s in document["statements"])
    assert "CREATE TABLE project_assessment_teams" in sql
    assert "CREATE TABLE archived_assessment_scores" in sql
    if backend == "postgresql":
        assert "NOT VALID" in sql
        assert "VALIDATE CONSTRAINT" in sql
        assert "CREATE INDEX CONCURRENTLY ix_project_assessment_scores_project_team_id" in sql
    # The human report shows the same DDL.
    human = expand(legacy_url)
    assert human.exit_code == 0
    assert "DRY RUN" in human.stdout
    assert "CREATE TABLE archived_assessment_scores" in human.stdout
    assert schema_of(legacy_url) == schema
    assert table_contents(legacy_url) == rows


def _junction_ok(schema: dict[str, Any]) -> None:
    junction = schema["project_assessment_teams"]
    # (SQLite reports its INTEGER PRIMARY KEY nullable: the primary key is checked below.)
    columns = {name: nullable for name, _type, nullable in junction["columns"] if name != "id"}
    assert columns == {
        "school_id": False,
        "project_assessment_id": False,
        "project_team_id": False,
        "team_number": True,
        "source": False,
        "created_at": False,
    }
    assert junction["pk"] == ["id"]
    assert junction["fks"] == [
        (("project_assessment_id",), "project_assessments"),
        (("project_team_id",), "project_teams"),
        (("school_id",), "schools"),
    ]
    unique = set(junction["unique"]) | {ix[1] for ix in junction["indexes"] if ix[2]}
    assert ("project_assessment_id", "team_number") in unique
    assert ("project_assessment_id", "project_team_id") in unique
    assert "ix_project_assessment_teams_project_team_id" in {ix[0] for ix in junction["indexes"]}


def test_commit_creates_every_object(legacy_url: str, backend: str) -> None:
    schema_before, rows_before = schema_of(legacy_url), table_contents(legacy_url)
    document = expand_json(legacy_url, "--commit")
    assert document["status"] == "completed"
    assert document["applied"] == LEGACY_STEPS[backend]
    assert document["expanded"] is True
    assert document["migration_run_id"] is None  # a legacy database keeps no run record
    schema = schema_of(legacy_url)
    _junction_ok(schema)
    scores = schema[SCORES]
    assert scores["columns"][:-1] == schema_before[SCORES]["columns"]
    assert scores["columns"][-1][0::2] == ("project_team_id", True)
    assert (("project_team_id",), "project_teams") in scores["fks"]
    assert "ix_project_assessment_scores_project_team_id" in {ix[0] for ix in scores["indexes"]}
    # The archive: every column of the scores table, same types, id the primary key, no FKs.
    archive = schema["archived_assessment_scores"]
    assert [c[:2] for c in archive["columns"][:-2]] == [c[:2] for c in scores["columns"]]
    assert [c[0::2] for c in archive["columns"][-2:]] == [
        ("archived_at", False),
        ("reason", False),
    ]
    assert archive["pk"] == ["id"]
    assert archive["fks"] == []
    if backend == "postgresql":
        assert all(valid for _name, valid in schema["_pg_indexes"])
        assert all(validated for _name, validated in schema["_pg_constraints"])
    # Every table that was there is as it was, and every row: only a NULL column was added.
    for table, before in schema_before.items():
        if not table.startswith("_") and table != SCORES:
            assert schema[table] == before, table
    rows = table_contents(legacy_url)
    assert rows["project_assessment_teams"] == []
    assert rows["archived_assessment_scores"] == []
    assert [row[:-1] for row in rows[SCORES]] == rows_before[SCORES]
    assert all(row[-1] is None for row in rows[SCORES])
    assert {t: r for t, r in rows.items() if t != SCORES and t in rows_before} == {
        t: r for t, r in rows_before.items() if t != SCORES
    }


def test_second_run_has_nothing_to_do(legacy_url: str, backend: str) -> None:
    assert expand_json(legacy_url, "--commit")["status"] == "completed"
    schema, rows = schema_of(legacy_url), table_contents(legacy_url)
    for args in ((), ("--commit",)):
        document = expand_json(legacy_url, *args)
        assert document["status"] == "nothing_to_do"
        assert document["exit_code"] == 0
        assert document["applied"] == []
        assert document["expanded"] is True
        assert [s["name"] for s in document["statements"]] == LEGACY_STEPS[backend]
        assert all(s["done"] for s in document["statements"])
    assert "Nothing to do" in expand(legacy_url, "--commit").stdout
    assert schema_of(legacy_url) == schema
    assert table_contents(legacy_url) == rows


def test_audit_works_on_the_expanded_database(legacy_url: str) -> None:
    expand_json(legacy_url, "--commit")
    result = cli("audit", "assessments", "--database-url", legacy_url, "--json")
    document = result.json()
    assert result.exit_code == EXPECTED_ALL["exit_code"]
    # Expanded, nothing mapped yet: the same figures as before expansion.
    assert {field: document[field] for field in EXPECTED_ALL} == {
        **EXPECTED_ALL,
        "expanded": True,
    }


def test_rerun_finishes_an_interrupted_run(legacy_url: str, backend: str) -> None:
    expand_json(legacy_url, "--commit")
    complete = schema_of(legacy_url)
    # As if the run had stopped after adding the column: its foreign key added NOT VALID
    # at most, the index and the archive missing.
    statements = [
        "DROP INDEX ix_project_assessment_scores_project_team_id",
        "DROP TABLE archived_assessment_scores",
    ]
    expected = ["create_score_team_index", "create_archive_table"]
    if backend == "postgresql":
        statements += [
            f"ALTER TABLE {SCORES} DROP CONSTRAINT fk_project_assessment_scores_project_team_id",
            f"ALTER TABLE {SCORES} ADD CONSTRAINT fk_project_assessment_scores_project_team_id "
            "FOREIGN KEY (project_team_id) REFERENCES project_teams(id) NOT VALID",
        ]
        expected = ["validate_score_project_team_fk", *expected]
    execute(legacy_url, *statements)
    document = expand_json(legacy_url, "--commit")
    assert document["applied"] == expected
    assert schema_of(legacy_url) == complete


@pytest.mark.usefixtures("postgresql_only")
def test_rerun_replaces_an_invalid_index_left_by_a_failed_build(
    legacy_url: str, backend: str
) -> None:
    expand_json(legacy_url, "--commit")
    complete = schema_of(legacy_url)
    execute(legacy_url, "DROP INDEX ix_project_assessment_scores_project_team_id")
    # A concurrent build that fails (a unique index on a column with duplicates) leaves an
    # INVALID index behind under the name expand uses.
    with pytest.raises(sa.exc.IntegrityError):
        execute(
            legacy_url,
            f"CREATE UNIQUE INDEX CONCURRENTLY ix_project_assessment_scores_project_team_id "
            f"ON {SCORES} (school_id)",
            autocommit=True,
        )
    assert ("ix_project_assessment_scores_project_team_id", False) in schema_of(legacy_url)[
        "_pg_indexes"
    ]
    dry = expand_json(legacy_url)
    (step,) = [s for s in dry["statements"] if not s["done"]]
    assert step["name"] == "create_score_team_index"
    assert step["sql"].startswith(
        "DROP INDEX CONCURRENTLY IF EXISTS ix_project_assessment_scores_project_team_id;\n"
    )
    assert expand_json(legacy_url, "--commit")["applied"] == ["create_score_team_index"]
    assert schema_of(legacy_url) == complete


def test_archive_gains_the_columns_the_scores_table_gained(legacy_url: str) -> None:
    expand_json(legacy_url, "--commit")
    execute(legacy_url, f"ALTER TABLE {SCORES} ADD COLUMN graded_by INTEGER")
    document = expand_json(legacy_url, "--commit")
    assert document["applied"] == ["add_archive_columns"]
    schema = schema_of(legacy_url)
    assert ("graded_by", "INTEGER", True) in schema["archived_assessment_scores"]["columns"]
    assert expand_json(legacy_url)["status"] == "nothing_to_do"


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_ddl, "LOCK_TIMEOUT", "200ms")
    monkeypatch.setattr(run_ddl, "LOCK_RETRIES", 2)
    monkeypatch.setattr(run_ddl, "RETRY_PAUSE_SECONDS", 0.05)


@pytest.fixture
def table_lock(legacy_url: str) -> Iterator[sa.Connection]:
    """Another session holding an exclusive lock on the scores table until it rolls back
    (PostgreSQL: lock_timeout is its; SQLite waits on its busy timeout)."""
    engine = make_engine(legacy_url)
    connection = engine.connect()
    connection.execute(sa.text(f"LOCK TABLE {SCORES} IN ACCESS EXCLUSIVE MODE"))
    yield connection
    connection.close()
    engine.dispose()


@pytest.mark.usefixtures("postgresql_only")
def test_a_step_that_cannot_get_its_lock_fails_after_its_retries(
    legacy_url: str, fast_retries: None, table_lock: sa.Connection
) -> None:
    started = time.monotonic()
    result = expand(legacy_url, "--commit", "--json")
    document = result.json()
    assert result.exit_code == 2
    assert document["status"] == "failed"
    assert document["failed"]["name"] == "add_score_project_team_id"
    assert "lock timeout" in document["failed"]["error"]
    # Three tries of 200 ms with pauses of 50 and 100 ms between them.
    assert time.monotonic() - started >= 0.7
    assert document["applied"] == ["create_junction_table", "create_junction_team_index"]
    table_lock.rollback()
    rerun = expand_json(legacy_url, "--commit")
    assert rerun["applied"] == LEGACY_STEPS["postgresql"][2:]


@pytest.mark.usefixtures("postgresql_only")
def test_a_lock_released_during_the_retries_lets_the_step_run(
    legacy_url: str, fast_retries: None, table_lock: sa.Connection
) -> None:
    timer = threading.Timer(0.3, table_lock.rollback)
    timer.start()
    try:
        document = expand_json(legacy_url, "--commit")
    finally:
        timer.join()
    assert document["status"] == "completed"
    assert document["applied"] == LEGACY_STEPS["postgresql"]


@pytest.mark.usefixtures("postgresql_only")
def test_writers_go_on_while_expand_runs(legacy_url: str, backend: str) -> None:
    execute(
        legacy_url,
        f"INSERT INTO {SCORES} (id, school_id, assessment_id, criterion_id, team_number, "
        "student_id, score) SELECT 1000 + n, 1, 1, 1, 1, NULL, 5 "
        "FROM generate_series(1, 50000) AS n",
    )
    with concurrent_writer(legacy_url, f"UPDATE {SCORES} SET score = score + 1 WHERE id = 1"):
        document = expand_json(legacy_url, "--commit")
    assert document["status"] == "completed"


@pytest.mark.usefixtures("postgresql_only")
def test_killed_while_waiting_for_a_lock_then_rerun_completes(
    legacy_url: str, table_lock: sa.Connection
) -> None:
    killed_while_waiting(
        legacy_url,
        ["expand", "assessments", "--commit"],
        f"ALTER TABLE {SCORES} ADD COLUMN project_team_id",
    )
    table_lock.rollback()
    half = schema_of(legacy_url)
    assert "project_assessment_teams" in half
    assert "project_team_id" not in {c[0] for c in half[SCORES]["columns"]}
    document = expand_json(legacy_url, "--commit")
    assert document["applied"] == LEGACY_STEPS["postgresql"][2:]
    assert expand_json(legacy_url)["status"] == "nothing_to_do"


def test_our_schema_has_nothing_to_do(db_url: str) -> None:
    schema, rows = schema_of(db_url), table_contents(db_url)
    dry = expand_json(db_url)
    assert dry["shape"] == "ours"
    assert dry["status"] == "nothing_to_do"
    assert dry["statements"] == []
    assert dry["applied"] == []
    assert dry["exit_code"] == 0
    assert "Nothing to do" in expand(db_url).stdout
    assert schema_of(db_url) == schema
    assert table_contents(db_url) == rows
    committed = expand_json(db_url, "--commit")
    assert committed["status"] == "nothing_to_do"
    engine = make_engine(db_url)
    with engine.connect() as connection:
        run = connection.execute(
            sa.text("SELECT tool, status, dry_run FROM migration_runs WHERE id = :id"),
            {"id": committed["migration_run_id"]},
        ).one()
    engine.dispose()
    assert tuple(run) == ("expand.assessments", "nothing_to_do", False)


@pytest.mark.parametrize("command", ["expand", "contract"])
@pytest.mark.parametrize("commit", [False, True])
def test_a_database_without_the_tables_could_not_run(
    empty_db_url: str, command: str, commit: bool
) -> None:
    if empty_db_url.startswith("sqlite"):
        execute(empty_db_url, "CREATE TABLE unrelated (id INTEGER)")
    before = schema_of(empty_db_url)
    flags = ["--commit"] if commit else []
    result = cli(command, "assessments", "--database-url", empty_db_url, "--json", *flags)
    assert result.exit_code == 3
    assert "project_assessments" in result.stderr
    # --json: still exactly one document, the problem.
    assert result.json()["exit_code"] == 3
    assert schema_of(empty_db_url) == before


@pytest.mark.parametrize("command", ["expand", "contract"])
def test_an_unreachable_database_could_not_run(command: str) -> None:
    url = "postgresql://postgres@127.0.0.1:9/nowhere"  # a closed port: refused at once
    result = cli(command, "assessments", "--database-url", url, "--json", "--commit")
    assert result.exit_code == 3
    assert result.stderr.startswith("could not run:")


def test_a_scores_column_named_like_an_archive_column_could_not_run(empty_db_url: str) -> None:
    url = load_crafted(empty_db_url, then=[f"ALTER TABLE {SCORES} ADD COLUMN reason TEXT"])
    result = expand(url, "--json")
    assert result.exit_code == 3
    assert "reason" in result.stderr
