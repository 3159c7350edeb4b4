"""Phase 2 backfill under concurrency on PostgreSQL (issue 12, "safe while the application
writes"): the real ``teameval backfill assessments --commit`` process racing three application
writers, racing another backfill, and killed with SIGKILL in the middle. Nothing a writer wrote
is lost or overwritten, no row disappears, a rerun maps what was written after its batch, and
the teams, members and junction rows come out exactly as one quiet backfill makes them.

The database (``GENERATE``): 24 courses of 30 students (users.team_number 1-6, five each), one
cohort group per course; projects 1-22 on courses 1-22 with current teams 1-3 (members: the
course's students of that number); 300 assessments, assessment a in group 1 + (a - 1) % 24, so
the keys of one project's teams 4 and 5 (to create, shared) come from assessments 24 ids apart.
Planted unmapped keys (``UNMAPPED_RULE``): course 23 has no project, course 24 two; project 22
has a tie for team 3; student 34 (course 2, t 4) sits in project 2's team 1, so team (2, 4) is a
member conflict; assessment 150 belongs to school 2; a few score rows have no team number.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema
from teameval.migration.runner.command import KILL_AFTER_ENV
from tests.databases import throwaway_postgres
from tests.migration.conftest import cli

TEAMEVAL = str(Path(sys.executable).with_name("teameval"))
ASSESSMENTS = 300
WRITERS = 3
MAX_WRITES = 3000  # per writer: the loops end with the backfill, or here at the latest
TIMEOUT = 90

GENERATE = [
    "INSERT INTO schools (id, name) VALUES (1, 'North'), (2, 'South')",
    "INSERT INTO courses (id, school_id, name) SELECT c, 1, 'Course ' || c "
    "FROM generate_series(1, 24) c",
    # Groups 5 and 6 carry team number 1: their score rows without one key to t 1.
    "INSERT INTO groups (id, school_id, course_id, name, team_number) "
    "SELECT c, 1, c, 'Cohort ' || c, CASE WHEN c IN (5, 6) THEN 1 END "
    "FROM generate_series(1, 24) c",
    "INSERT INTO users (id, school_id, email, name, role, team_number) "
    "SELECT s, 1, 'u' || s || '@x.org', 'Student ' || s, 'student', 1 + (s - 1) % 6 "
    "FROM generate_series(1, 720) s",
    "INSERT INTO users (id, school_id, email, name, role) "
    "VALUES (1000, 1, 'teacher@x.org', 'Teacher', 'teacher')",
    "INSERT INTO group_members (school_id, group_id, user_id, active) "
    "SELECT 1, 1 + (s - 1) / 30, s, TRUE FROM generate_series(1, 720) s",
    # Projects 23 and 24 share course 24 (ambiguous); course 23 has none.
    "INSERT INTO projects (id, school_id, course_id, title) "
    "SELECT p, 1, CASE WHEN p <= 22 THEN p ELSE 24 END, 'Project ' || p "
    "FROM generate_series(1, 24) p",
    "INSERT INTO project_teams (school_id, project_id, team_id, display_name_at_time, "
    "team_number, version) SELECT 1, p, p, 'Team ' || t, t, 1 "
    "FROM generate_series(1, 22) p, generate_series(1, 3) t ORDER BY p, t",
    # A newer version of project 1's team 2 (keys link to it), and a tie for project 22's team 3.
    "INSERT INTO project_teams (school_id, project_id, team_id, display_name_at_time, "
    "team_number, version) VALUES (1, 1, 1, 'Team 2 (renamed)', 2, 2), "
    "(1, 22, 22, 'Team 3b', 3, 1)",
    "INSERT INTO project_team_members (school_id, project_team_id, user_id) "
    "SELECT 1, pt.id, u.id FROM project_teams pt JOIN users u ON u.role = 'student' "
    "AND u.team_number = pt.team_number AND 1 + (u.id - 1) / 30 = pt.project_id",
    "INSERT INTO project_team_members (school_id, project_team_id, user_id) "
    "SELECT 1, id, 34 FROM project_teams WHERE project_id = 2 AND team_number = 1",
    "INSERT INTO rubrics (id, school_id, title, scale_min, scale_max) "
    "VALUES (1, 1, 'Rubric', 1, 10)",
    "INSERT INTO rubric_criteria (id, school_id, rubric_id, name, weight) "
    "SELECT c, 1, 1, 'Criterion ' || c, 1 FROM generate_series(1, 10) c",
    # Every 7th assessment names its project; assessment 150 is school 2's (cross_school).
    f"INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, "
    f"teacher_id, title, status) SELECT a, CASE WHEN a = 150 THEN 2 ELSE 1 END, "
    f"CASE WHEN a % 7 = 0 AND 1 + (a - 1) % 24 <= 22 THEN 1 + (a - 1) % 24 END, "
    f"1 + (a - 1) % 24, 1, 1000, 'Assessment ' || a, 'published' "
    f"FROM generate_series(1, {ASSESSMENTS}) a",
    # Keys t 1..3-5 per assessment; none for every 60th and for 29 (its key is its group's 1).
    f"CREATE TEMP TABLE seed_keys AS SELECT a, 1 + (a - 1) % 24 AS g, t "
    f"FROM generate_series(1, {ASSESSMENTS}) a, generate_series(1, 5) t "
    f"WHERE t <= 3 + a % 3 AND a % 60 <> 0 AND a <> 29",
    # Two team scores and one override (a student of that number in the course) per key.
    "INSERT INTO project_assessment_scores (school_id, assessment_id, criterion_id, "
    "team_number, student_id, score, comment) SELECT * FROM ("
    "SELECT CASE WHEN a = 150 THEN 2 ELSE 1 END, a, c, "
    "CASE WHEN g IN (5, 6) AND t = 1 AND c = 2 THEN NULL ELSE t END, NULL::int, "
    "1 + (a * 7 + t * 3 + c) % 10, NULL FROM seed_keys, generate_series(1, 2) c "
    "UNION ALL SELECT CASE WHEN a = 150 THEN 2 ELSE 1 END, a, 1, t, (g - 1) * 30 + t, "
    "1 + (a + t) % 10, 'override' FROM seed_keys "
    "UNION ALL SELECT 1, a, 3, NULL, NULL, 5, 'no number' FROM generate_series(3, 300, 50) a"
    ") rows ORDER BY 2, 3, 4, 5",
]
# The score rows of the planted unmapped keys (s: the score, a: its assessment, g: its group).
UNMAPPED_RULE = (
    "a.school_id <> g.school_id OR COALESCE(s.team_number, g.team_number) IS NULL "
    "OR g.course_id IN (23, 24) "
    "OR (g.course_id = 22 AND COALESCE(s.team_number, g.team_number) = 3) "
    "OR (g.course_id = 2 AND COALESCE(s.team_number, g.team_number) = 4)"
)
SCORE_COLUMNS = "school_id, assessment_id, criterion_id, team_number, student_id, score, comment"

Row = tuple[Any, ...]


def _engine(url: str) -> sa.Engine:
    return make_engine(url, poolclass=sa.pool.NullPool)


def _query(url: str, sql: str) -> list[Row]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def template(backend: str) -> Iterator[str]:
    """The generated legacy database, expanded through the CLI; tests copy it."""
    if backend != "postgresql":
        pytest.skip("concurrent writers and backfills need PostgreSQL (SQLite has one writer)")
    with throwaway_postgres() as url:
        engine = _engine(url)
        with engine.begin() as connection:
            create_legacy_schema(connection, assessments=True)
            for statement in GENERATE:
                connection.execute(sa.text(statement))
        engine.dispose()
        expanded = cli("expand", "assessments", "--commit", "--json", "--database-url", url)
        assert expanded.exit_code == 0, expanded.stdout + expanded.stderr
        yield str(sa.engine.make_url(url).database)


@pytest.fixture
def copy_url(template: str) -> Iterator[str]:
    with throwaway_postgres(template=template) as url:
        yield url


# --- end state ------------------------------------------------------------------------------


@dataclass
class EndState:
    """The backfill's results without ids: a team is named by what it is, not its id."""

    teams: list[Row]
    members: list[Row]
    junction: list[Row]
    assessments: dict[int, Row]
    scores: dict[int, Row | None]

    @classmethod
    def read(cls, url: str) -> EndState:
        teams = _query(
            url,
            "SELECT id, project_id, team_number, version, display_name_at_time, backfill_source, "
            "school_id, team_id FROM project_teams",
        )
        label: dict[int | None, Row | None] = {row[0]: row[1:6] for row in teams}
        label[None] = None

        def rows(sql: str, team_at: int) -> list[Row]:
            """The rows with the team id in column ``team_at`` replaced by the team's label."""
            return [(*r[:team_at], label[r[team_at]], *r[team_at + 1 :]) for r in _query(url, sql)]

        return cls(
            teams=sorted((row[1:] for row in teams), key=repr),
            members=sorted(
                rows(
                    "SELECT project_team_id, user_id, school_id, role FROM project_team_members", 0
                ),
                key=repr,
            ),
            junction=sorted(
                rows(
                    "SELECT school_id, project_assessment_id, project_team_id, team_number, source "
                    "FROM project_assessment_teams",
                    2,
                ),
                key=repr,
            ),
            assessments={
                r[0]: r[1:]
                for r in rows("SELECT id, project_id, project_team_id FROM project_assessments", 2)
            },
            scores={
                r[0]: r[1]
                for r in rows("SELECT id, project_team_id FROM project_assessment_scores", 1)
            },
        )

    def assert_equals(self, reference: EndState) -> None:
        """Equal to the reference; the reference's score rows only (writers add rows)."""
        assert self.teams == reference.teams
        assert self.members == reference.members
        assert self.junction == reference.junction
        assert self.assessments == reference.assessments
        assert {i: self.scores[i] for i in reference.scores} == reference.scores


def _backfill(
    url: str, batch_size: int, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [TEAMEVAL, "backfill", "assessments", "--commit", "--json", "--batch-size",
         str(batch_size), "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode in (0, 1, 2), (process.returncode, stderr)
    document = json.loads(stdout)
    assert isinstance(document, dict)
    assert document["exit_code"] == process.returncode, stderr
    return document


def _backfill_in_process(url: str) -> dict[str, Any]:
    result = cli("backfill", "assessments", "--commit", "--json", "--database-url", url)
    assert result.exit_code == 1, result.stdout + result.stderr  # the planted keys remain
    document = result.json()
    assert document["failed_batch"] is None
    return document


@dataclass
class Reference:
    state: EndState
    document: dict[str, Any]
    url: str


@pytest.fixture(scope="module")
def reference(template: str) -> Iterator[Reference]:
    """One quiet, uninterrupted backfill (default batch size) on a copy of the template."""
    with throwaway_postgres(template=template) as url:
        document = _backfill_in_process(url)
        yield Reference(EndState.read(url), document, url)


# --- what every run must end with ------------------------------------------------------------


def _assert_keyed_by_junction(url: str) -> None:
    """Every score row of a mapped key carries its key's junction team, no other row has a
    team, the rows without a junction row are exactly the planted ones, and the audit says so."""
    ((right, wrong, stray, unplanted, planted_mapped, planted, total),) = _query(
        url,
        "SELECT count(*) FILTER (WHERE j.id IS NOT NULL "
        "AND s.project_team_id IS NOT DISTINCT FROM j.project_team_id), "
        "count(*) FILTER (WHERE j.id IS NOT NULL "
        "AND s.project_team_id IS DISTINCT FROM j.project_team_id), "
        "count(*) FILTER (WHERE j.id IS NULL AND s.project_team_id IS NOT NULL), "
        f"count(*) FILTER (WHERE j.id IS NULL AND NOT ({UNMAPPED_RULE})), "
        f"count(*) FILTER (WHERE j.id IS NOT NULL AND ({UNMAPPED_RULE})), "
        f"count(*) FILTER (WHERE {UNMAPPED_RULE}), count(*) "
        "FROM project_assessment_scores s JOIN project_assessments a ON a.id = s.assessment_id "
        "JOIN groups g ON g.id = a.group_id LEFT JOIN project_assessment_teams j "
        "ON j.project_assessment_id = s.assessment_id "
        "AND j.team_number IS NOT DISTINCT FROM COALESCE(s.team_number, g.team_number)",
    )
    assert (wrong, stray, unplanted, planted_mapped) == (0, 0, 0, 0)
    assert right == total - planted
    assert 0 < planted < total // 5
    audit = cli("audit", "assessments", "--json", "--database-url", url).json()
    assert (audit["score_rows"], audit["scores_unmapped"]) == (total, planted)
    assert (audit["to_link"], audit["to_create"]) == (0, 0)


def _assert_same_state(url: str, reference: EndState) -> None:
    EndState.read(url).assert_equals(reference)


def _assert_one_team_per_slot(url: str) -> None:
    assert (
        _query(
            url,
            "SELECT project_id, team_number, count(*) FROM project_teams "
            "WHERE backfill_source = 'migration' GROUP BY 1, 2 HAVING count(*) > 1",
        )
        == []
    )


# --- the application's writers -------------------------------------------------------------


@dataclass
class Writer:
    """One application writer: its own connection, its own third of the assessments (so no
    two writers touch one row), and a record of exactly what it wrote."""

    number: int
    keys: list[tuple[int, int | None, int | None, int]]  # assessment, t, group's t, course
    rows: dict[int, Row]  # id -> the score columns this writer expects (its assessments)
    rng: random.Random
    team_used: set[tuple[int, int | None, int]] = field(default_factory=set)
    override_used: set[tuple[int, int, int]] = field(default_factory=set)
    inserted: list[int] = field(default_factory=list)
    updated: set[int] = field(default_factory=set)

    def _number(self, t: int | None, group_t: int | None) -> int | None:
        # A row may leave out its team number when its group's number is the key's.
        return None if t == group_t and self.rng.random() < 0.5 else t

    def _insert(self, connection: sa.Connection) -> tuple[int, Row] | None:
        assessment, t, group_t, course = self.rng.choice(self.keys)
        school = 2 if assessment == 150 else 1
        criterion = self.rng.randint(1, 10)
        score, comment = self.rng.randint(1, 10), self.rng.choice([None, f"w{self.number}"])
        if t is not None and self.rng.random() < 0.5:  # an override of a student of that number
            student = (course - 1) * 30 + t + 6 * self.rng.randint(0, 4)
            if (assessment, criterion, student) in self.override_used:
                return None
            self.override_used.add((assessment, criterion, student))
            row: Row = (school, assessment, criterion, self._number(t, group_t), student)
        else:  # a team score of a criterion the key has none of yet
            if (assessment, t, criterion) in self.team_used:
                return None
            self.team_used.add((assessment, t, criterion))
            row = (school, assessment, criterion, self._number(t, group_t), None)
        row += (score, comment)
        new = connection.execute(
            sa.text(
                f"INSERT INTO project_assessment_scores ({SCORE_COLUMNS}) VALUES "
                "(:school, :a, :c, :t, :student, :score, :comment) RETURNING id"
            ),
            dict(zip(("school", "a", "c", "t", "student", "score", "comment"), row, strict=True)),
        ).scalar_one()
        return int(new), row

    def _update(self, connection: sa.Connection) -> tuple[int, Row]:
        row_id = self.rng.choice(list(self.rows))
        score, comment = self.rng.randint(1, 10), f"w{self.number} {self.rng.random():.6f}"
        changed = connection.execute(
            sa.text("UPDATE project_assessment_scores SET score = :s, comment = :c WHERE id = :i"),
            {"s": score, "c": comment, "i": row_id},
        ).rowcount
        assert changed == 1
        return row_id, (*self.rows[row_id][:5], score, comment)

    def run(self, engine: sa.Engine, stop: threading.Event) -> None:
        with engine.connect() as connection:
            for _ in range(MAX_WRITES):
                if stop.is_set():
                    return
                writes: dict[int, Row] = {}
                inserted: list[int] = []
                with connection.begin():  # one to three writes per transaction
                    for _ in range(self.rng.choice([1, 1, 2, 3])):
                        if self.rng.random() < 0.5:
                            done = self._insert(connection)
                            if done is not None:
                                writes[done[0]] = done[1]
                                inserted.append(done[0])
                        else:
                            row_id, values = self._update(connection)
                            writes[row_id] = values
                            self.updated.add(row_id)
                self.rows.update(writes)  # recorded once committed
                self.inserted += inserted


def _scores(url: str) -> dict[int, Row]:
    return {row[0]: row[1:] for row in _query(url, f"SELECT id, {SCORE_COLUMNS} FROM "
                                                   "project_assessment_scores")}  # fmt: skip


def _writers(url: str) -> list[Writer]:
    keys = _query(
        url,
        "SELECT DISTINCT s.assessment_id, COALESCE(s.team_number, g.team_number), g.team_number, "
        "g.course_id FROM project_assessment_scores s JOIN project_assessments a "
        "ON a.id = s.assessment_id JOIN groups g ON g.id = a.group_id ORDER BY 1, 2",
    )
    scores = _scores(url)
    writers = []
    for number in range(WRITERS):
        writer = Writer(
            number,
            [key for key in keys if key[0] % WRITERS == number],
            {i: row for i, row in scores.items() if row[1] % WRITERS == number},
            random.Random(number),
        )
        for _school, a, criterion, t, student, *_ in writer.rows.values():
            t = t if t is not None else next(k[2] for k in writer.keys if k[0] == a)
            if student is None:
                writer.team_used.add((a, t, criterion))
            else:
                writer.override_used.add((a, criterion, student))
        writers.append(writer)
    return writers


def _race_writers(url: str, process: subprocess.Popen[str]) -> tuple[list[Writer], dict[int, Row]]:
    """Three writers writing while ``process`` runs; returns them once it has ended, with the
    score rows as they were before."""
    before = _scores(url)
    writers = _writers(url)
    engine = make_engine(url, pool_size=WRITERS)
    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(writer: Writer) -> None:
        try:
            writer.run(engine, stop)
        except BaseException as error:  # any error at all fails the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    try:
        process.wait(timeout=TIMEOUT)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        engine.dispose()
    assert not errors, errors
    return writers, before


def _assert_writes_kept(url: str, writers: list[Writer], before: dict[int, Row]) -> None:
    after = _scores(url)
    assert set(before) <= set(after), "score rows deleted"
    inserted = [i for w in writers for i in w.inserted]
    assert len(inserted) == len(set(inserted)) > 0
    assert sum(len(w.updated) for w in writers) > 0
    expected = dict(before)
    for writer in writers:
        expected.update(writer.rows)
    # Every inserted row with exactly its values, every update as written, nothing else.
    wrong = {i: (after.get(i), row) for i, row in expected.items() if after.get(i) != row}
    assert wrong == {}
    assert set(after) == set(expected)


# --- the tests -------------------------------------------------------------------------------


def test_reference_backfill(reference: Reference) -> None:
    """The quiet run the others are compared with: every planted reason, teams created."""
    state, document = reference.state, reference.document
    assert all(document["unmapped"][reason] > 0 for reason in (
        "cross_school", "no_team_number", "no_project", "ambiguous_project", "ambiguous_team",
        "member_conflict"))  # fmt: skip
    assert document["created"] > 20
    assert document["linked"] > 500
    created = [team for team in state.teams if team[4] == "migration"]
    assert len(created) == document["created"]
    _assert_keyed_by_junction(reference.url)
    _assert_one_team_per_slot(reference.url)


def test_backfill_while_the_application_writes(copy_url: str, reference: Reference) -> None:
    process = _backfill(copy_url, batch_size=5)
    writers, before = _race_writers(copy_url, process)
    first = _finish(process)
    assert first["exit_code"] == 1
    assert first["failed_batch"] is None
    _assert_writes_kept(copy_url, writers, before)
    # Rows written into a batch already committed are left for the next run.
    ((late,),) = _query(
        copy_url,
        "SELECT count(*) FROM project_assessment_scores s JOIN project_assessments a "
        "ON a.id = s.assessment_id JOIN groups g ON g.id = a.group_id "
        "JOIN project_assessment_teams j ON j.project_assessment_id = s.assessment_id "
        "AND j.team_number IS NOT DISTINCT FROM COALESCE(s.team_number, g.team_number) "
        "WHERE s.project_team_id IS NULL",
    )
    assert late > 0
    second = _backfill_in_process(copy_url)  # the writers have stopped: exactly those rows
    assert (second["scores_updated"], second["created"], second["linked"]) == (late, 0, 0)
    _assert_keyed_by_junction(copy_url)
    _assert_one_team_per_slot(copy_url)
    _assert_same_state(copy_url, reference.state)
    _assert_checks_see_faults(copy_url, writers, before, reference)


def test_two_backfills_at_once(copy_url: str, reference: Reference) -> None:
    processes = [_backfill(copy_url, batch_size=3) for _ in range(2)]
    documents = [_finish(process) for process in processes]
    codes = sorted(document["exit_code"] for document in documents)
    assert codes in ([1, 1], [1, 2]), documents
    if codes == [1, 2]:  # a batch failed in one of them: a rerun completes
        documents.append(_finish(_backfill(copy_url, batch_size=3)))
        assert documents[-1]["exit_code"] == 1
    _assert_one_team_per_slot(copy_url)
    _assert_same_state(copy_url, reference.state)
    # Each team created once, each key linked once, each score row keyed once, over both runs.
    for name in ("created", "linked", "members_added", "scores_updated", "assessments_linked"):
        assert sum(document[name] for document in documents) == reference.document[name], name
    _assert_keyed_by_junction(copy_url)


def test_killed_while_the_application_writes_then_rerun(
    copy_url: str, reference: Reference
) -> None:
    process = _backfill(copy_url, batch_size=5, env={KILL_AFTER_ENV: "3"})
    writers, before = _race_writers(copy_url, process)
    assert process.returncode == -9
    process.communicate(timeout=TIMEOUT)
    _assert_writes_kept(copy_url, writers, before)
    # Three whole batches (assessments 1-15) committed, nothing of the fourth.
    ((low, high, orphans, keyed_outside),) = _query(
        copy_url,
        "SELECT (SELECT min(project_assessment_id) FROM project_assessment_teams), "
        "(SELECT max(project_assessment_id) FROM project_assessment_teams), "
        "(SELECT count(*) FROM project_teams t WHERE backfill_source = 'migration' AND NOT "
        "EXISTS (SELECT 1 FROM project_assessment_teams j WHERE j.project_team_id = t.id)), "
        "(SELECT count(*) FROM project_assessment_scores "
        "WHERE project_team_id IS NOT NULL AND assessment_id > 15)",
    )
    assert (low, high, orphans, keyed_outside) == (1, 15, 0, 0)
    _backfill_in_process(copy_url)
    _assert_keyed_by_junction(copy_url)
    _assert_one_team_per_slot(copy_url)
    _assert_same_state(copy_url, reference.state)


def _assert_checks_see_faults(
    url: str, writers: list[Writer], before: dict[int, Row], reference: Reference
) -> None:
    """Each check above fails on the fault it is there for, planted by hand in the finished
    database, and passes again once the fault is undone."""
    written = min(i for w in writers for i in w.inserted)
    mapped, planted, last_team = _query(
        url,
        "SELECT (SELECT min(id) FROM project_assessment_scores WHERE project_team_id IS NOT NULL), "
        "(SELECT min(id) FROM project_assessment_scores WHERE project_team_id IS NULL), "
        "(SELECT max(id) FROM project_teams)",
    )[0]
    (mapped_team,) = _query(
        url, f"SELECT project_team_id FROM project_assessment_scores WHERE id = {mapped}"
    )[0]
    (written_row,) = _query(
        url, f"SELECT {SCORE_COLUMNS} FROM project_assessment_scores WHERE id = {written}"
    )
    keyed = partial(_assert_keyed_by_junction, url)
    kept = partial(_assert_writes_kept, url, writers, before)
    scores = "UPDATE project_assessment_scores SET"
    faults: list[tuple[str, str, Callable[[], None]]] = [  # fault, its undoing, its check
        (
            f"{scores} project_team_id = {last_team} WHERE id = {mapped}",
            f"{scores} project_team_id = {mapped_team} WHERE id = {mapped}",
            keyed,
        ),
        (
            f"{scores} project_team_id = {last_team} WHERE id = {planted}",
            f"{scores} project_team_id = NULL WHERE id = {planted}",
            keyed,
        ),
        (
            "INSERT INTO project_teams (school_id, project_id, display_name_at_time, "
            "team_number, version, backfill_source) VALUES (1, 1, 'Team 4', 4, 1, 'migration')",
            f"DELETE FROM project_teams WHERE id > {last_team}",
            partial(_assert_one_team_per_slot, url),
        ),
        (
            "UPDATE project_team_members SET role = 'lead' WHERE id = 1",
            "UPDATE project_team_members SET role = NULL WHERE id = 1",
            partial(_assert_same_state, url, reference.state),
        ),
        (
            f"{scores} comment = 'overwritten' WHERE id = {written}",
            f"{scores} comment = :comment WHERE id = {written}",
            kept,
        ),
        (
            f"DELETE FROM project_assessment_scores WHERE id = {written}",
            f"INSERT INTO project_assessment_scores (id, {SCORE_COLUMNS}) VALUES ({written}, "
            ":school_id, :assessment_id, :criterion_id, :team_number, :student_id, :score, "
            ":comment)",
            kept,
        ),
    ]
    values = dict(zip(SCORE_COLUMNS.split(", "), written_row, strict=True))
    engine = _engine(url)
    for fault, undo, check in faults:
        check()
        with engine.begin() as connection:
            connection.execute(sa.text(fault))
        with pytest.raises(AssertionError):
            check()
        with engine.begin() as connection:
            connection.execute(sa.text(undo), values)
        check()
    engine.dispose()
