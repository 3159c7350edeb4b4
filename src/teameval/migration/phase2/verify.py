"""``teameval verify assessments``: the dual read that must pass before the schema is tightened.

For every mapped key (a junction row: assessment ``a``, team number ``t``, project team ``X``)
the score rows are read twice, as the two generations of the application read them: the legacy
path (rows of ``a`` whose ``COALESCE(score.team_number, group.team_number)`` is ``t``) and the new
path (rows of ``a`` whose ``project_team_id`` is ``X``). Every student of the key (the members of
``X`` and the students of override rows on either path) must get the same weighted score both
ways, exactly (``weighted``), and every row of either path must belong to the key on the other
one too. Read-only, in batches of assessment ids: memory holds one batch's rows, not 1M.

``mismatches`` counts the (key, student) pairs whose scores differ plus the score rows keyed
wrongly (each row once, whichever key found it). ``unmapped_keys`` counts the team keys without
a junction row the simple way (distinct keys of the score rows, and the group's number of an
assessment without rows), which is the audit's ``team_keys - mapped``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.probe import (
    EXPAND_COMMAND,
    AssessmentSchema,
    CouldNotRun,
    probe_assessment_schema,
)
from teameval.migration.phase2.verify_statements import (
    assessment_bounds,
    key_members,
    mapped_keys,
    path_rows,
    unmapped_key_count,
)
from teameval.migration.phase2.weighted import KeyScores
from teameval.migration.runner.batches import KeyRange, ranges_by_width
from teameval.migration.runner.database import Connection, as_connection, read_only_snapshot
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import sqlalchemy as sa

DEFAULT_BATCH_SIZE = 500  # assessments per read: about 50k score rows at 100 per assessment


@dataclass(frozen=True)
class Mismatch:
    """One disagreement. ``kind`` ``score``: the weighted scores (exact fractions as text, None
    without any score) differ. ``row_not_keyed`` / ``row_other_team``: a row on the key's
    legacy path carries no project team or another one (``legacy`` the key's team, ``new`` the
    row's). ``row_of_other_key``: a row carries the key's team but belongs by its team number
    to another key (``legacy`` that key's team, None when unmapped)."""

    kind: str
    assessment_id: int
    team_number: int | None
    project_team_id: int
    student_id: int | None
    legacy: str | int | None
    new: str | int | None
    score_id: int | None = None


@dataclass(frozen=True)
class Verification:
    keys_checked: int = 0
    students_checked: int = 0
    mismatches: int = 0
    unmapped_keys: int = 0
    samples: tuple[Mismatch, ...] = field(default=())
    school_id: int | None = None
    shape: str = "legacy"

    @property
    def status(self) -> str:
        return "FAIL" if self.mismatches else "PASS"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.mismatches else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "school_id": self.school_id,
            "shape": self.shape,
            "keys_checked": self.keys_checked,
            "students_checked": self.students_checked,
            "mismatches": self.mismatches,
            "unmapped_keys": self.unmapped_keys,
            "samples": [asdict(sample) for sample in self.samples],
        }


@dataclass
class _Batch:
    """What one batch of assessments found; ``samples`` stops growing at the run's limit."""

    budget: int
    keys_checked: int = 0
    students_checked: int = 0
    mismatches: int = 0
    samples: list[Mismatch] = field(default_factory=list)

    def found(self, mismatch: Mismatch) -> None:
        self.mismatches += 1
        if len(self.samples) < self.budget:
            self.samples.append(mismatch)


def _check_rows(
    batch: _Batch,
    key: Any,
    legacy: list[Any],
    new: list[Any],
    by_number: dict[tuple[int, int | None], Any],
    seen: set[int],
) -> None:
    """Every row of the key's legacy path carries the key's team, and every row carrying it
    belongs to the key by its team number. A wrong row counts once (``seen``), whichever key
    meets it first."""
    legacy_ids = {row.id for row in legacy}
    for row in legacy:
        if row.project_team_id != key.project_team_id and row.id not in seen:
            seen.add(row.id)
            kind = "row_not_keyed" if row.project_team_id is None else "row_other_team"
            batch.found(
                Mismatch(
                    kind,
                    key.assessment_id,
                    key.team_number,
                    key.project_team_id,
                    row.student_id,
                    key.project_team_id,
                    row.project_team_id,
                    row.id,
                )
            )
    for row in new:
        if row.id not in legacy_ids and row.id not in seen:
            seen.add(row.id)
            owner = by_number.get((key.assessment_id, row.team_number))
            batch.found(
                Mismatch(
                    "row_of_other_key",
                    key.assessment_id,
                    key.team_number,
                    key.project_team_id,
                    row.student_id,
                    None if owner is None else owner.project_team_id,
                    key.project_team_id,
                    row.id,
                )
            )


def _check_batch(
    connection: Connection,
    schema: AssessmentSchema,
    school_id: int | None,
    keys: KeyRange,
    budget: int,
) -> _Batch:
    batch = _Batch(budget)
    mapped = sorted(
        connection.rows(mapped_keys(schema, school_id, keys)),
        key=lambda key: (key.assessment_id, key.key_id),
    )
    batch.keys_checked = len(mapped)
    if not mapped:
        return batch
    paths: dict[str, dict[int, list[Any]]] = {}
    for path in ("legacy", "new"):
        paths[path] = defaultdict(list)
        for row in connection.rows(path_rows(schema, school_id, keys, path)):
            paths[path][row.key_id].append(row)
    members: dict[int, set[int]] = defaultdict(set)
    for row in connection.rows(key_members(schema, school_id, keys)):
        members[row.key_id].add(int(row.user_id))
    by_number = {(key.assessment_id, key.team_number): key for key in mapped}
    seen: set[int] = set()
    for key in mapped:
        legacy, new = paths["legacy"][key.key_id], paths["new"][key.key_id]
        _check_rows(batch, key, legacy, new, by_number, seen)
        legacy_scores, new_scores = KeyScores(legacy), KeyScores(new)
        overriders = {int(row.student_id) for row in (*legacy, *new) if row.student_id is not None}
        for student in sorted(members[key.key_id] | overriders):
            batch.students_checked += 1
            before, after = legacy_scores.of(student), new_scores.of(student)
            if before != after:
                batch.found(
                    Mismatch(
                        "score",
                        key.assessment_id,
                        key.team_number,
                        key.project_team_id,
                        student,
                        _text(before),
                        _text(after),
                    )
                )
    return batch


def _text(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def verify_assessments(
    connection: Connection | sa.Connection,
    *,
    school_id: int | None = None,
    sample_limit: int = 10,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Verification:
    """The dual read of every mapped key (all schools, or ``school_id``'s scope). Never writes;
    raises :class:`CouldNotRun` on a legacy database that is not expanded yet."""
    connection = as_connection(connection)
    schema = probe_assessment_schema(connection)
    if schema.shape == "ours":
        # Keyed by project team from the start: there is no legacy path to compare with.
        return Verification(school_id=school_id, shape="ours")
    if not schema.expanded:
        raise CouldNotRun(
            "the database has no project_assessment_teams or "
            f"project_assessment_scores.project_team_id yet: run `{EXPAND_COMMAND}` first"
        )
    bounds = connection.one(assessment_bounds(schema))
    total = _Batch(max(sample_limit, 0))
    unmapped = 0
    for keys in ranges_by_width(bounds.low, bounds.high, batch_size):
        batch = _check_batch(connection, schema, school_id, keys, total.budget - len(total.samples))
        total.keys_checked += batch.keys_checked
        total.students_checked += batch.students_checked
        total.mismatches += batch.mismatches
        total.samples += batch.samples
        unmapped += int(connection.scalar(unmapped_key_count(schema, school_id, keys)) or 0)
    return Verification(
        keys_checked=total.keys_checked,
        students_checked=total.students_checked,
        mismatches=total.mismatches,
        unmapped_keys=unmapped,
        samples=tuple(total.samples),
        school_id=school_id,
    )


# The verify only reads, from one snapshot: the two paths of a key are read by two statements,
# and a teacher saving a score between them must not look like a mismatch.
read_only = read_only_snapshot


def command(
    database_url: str | None, school: int | None, json_output: bool, limit: int = 10
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.runner.command import open_database

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as database, database.read() as connection:
        read_only(connection)
        result = verify_assessments(connection, school_id=school, sample_limit=limit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.runner.report import display_url

        render(report_console(), result, database=display_url(url))
    return result.exit_code


KIND_HELP = {
    "score": "the weighted score differs between the two paths",
    "row_not_keyed": "a score row of a mapped key has no project_team_id",
    "row_other_team": "a score row of a mapped key carries another project team",
    "row_of_other_key": "a score row carries this key's team but belongs to another key",
}


def render(console: Any, result: Verification, *, database: str) -> None:
    from rich import box
    from rich.table import Table

    scope = f"school {result.school_id}" if result.school_id is not None else "all schools"
    style = "bold red" if result.mismatches else "bold green"
    console.print(f"[bold]Assessment verify[/bold] (dual read) of {database} ({scope})")
    console.print(f"Status: [{style}]{result.status}[/{style}] (exit code {result.exit_code})")
    framing = box.SIMPLE_HEAD if console.is_terminal else box.ASCII
    totals = Table(box=framing, show_header=False)
    totals.add_column("measure")
    totals.add_column("value", justify="right")
    for label, value in (
        ("mapped keys checked", result.keys_checked),
        ("students checked", result.students_checked),
        ("mismatches", result.mismatches),
        ("keys not mapped yet (not checked)", result.unmapped_keys),
    ):
        totals.add_row(label, str(value))
    console.print(totals)
    if result.samples:
        table = Table(
            title=f"Mismatches (first {len(result.samples)})", box=framing, title_justify="left"
        )
        for column in ("kind", "assessment", "t", "team", "student", "score row", "legacy", "new"):
            table.add_column(column)
        for m in result.samples:
            cells = (
                m.kind,
                m.assessment_id,
                m.team_number,
                m.project_team_id,
                m.student_id,
                m.score_id,
                m.legacy,
                m.new,
            )
            table.add_row(*("" if cell is None else str(cell) for cell in cells))
        console.print(table)
        for kind in sorted({m.kind for m in result.samples}):
            console.print(f"[bold]{kind}[/bold]: {KIND_HELP[kind]}.")
    if result.shape == "ours":
        console.print("Assessments are keyed by project team here: nothing to verify.")
    elif result.mismatches:
        console.print(
            "[bold]Next:[/bold] do not contract. Look at the rows above; a backfill rerun "
            "(`teameval backfill assessments --commit`) keys rows that lack their team; then "
            "verify again."
        )
    elif result.unmapped_keys:
        console.print(
            "[bold]Next:[/bold] every mapped key agrees; settle the keys not mapped yet "
            "(`teameval audit assessments` lists them) before `teameval contract assessments`."
        )
    else:
        console.print("[bold]Next:[/bold] every key agrees: `teameval contract assessments`.")
