"""``teameval legacy mode [dual-write|off]``: show the effective legacy mode and where it comes
from, or set the mode the database holds (dry run unless ``--commit``).

The database's mode overrides ``TEAMEVAL_LEGACY_GROUPS`` for the application and every command
(``phase6.state``). A running server read it when it started: restart every server process
after a change. Setting ``dual-write`` on a retired database is refused (exit 2): restore the
legacy tables first (``teameval legacy restore``); a database without ``legacy_state`` (a
legacy-shaped one) holds no mode (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from teameval.migration.phase6.state import ModeDecision, mode_decision, set_mode
from teameval.migration.runner.bookkeeping import insert_audit_log
from teameval.migration.runner.database import as_connection
from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from teameval.config import Settings

MODES = ("dual-write", "off")
RESTART_NOTE = (
    "Servers read the mode when they start: restart every teameval server process to apply it."
)


@dataclass(frozen=True)
class ModeResult:
    before: ModeDecision
    requested: str | None = None
    dry_run: bool = True
    after: ModeDecision | None = None
    refusal: str | None = None

    @property
    def status(self) -> str:
        if self.refusal is not None:
            return "refused"
        if self.requested is None:
            return "shown"
        if self.before.source == "database" and self.before.mode == self.requested:
            return "unchanged"
        return "dry_run" if self.dry_run else "changed"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.refusal is not None else EXIT_OK

    @property
    def restart_required(self) -> bool:
        return self.status == "changed"

    def to_json(self) -> dict[str, Any]:
        current = self.after or self.before
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "dry_run": self.dry_run,
            "mode": current.mode,
            "source": current.source,
            "explanation": current.explanation,
            "requested": self.requested,
            "before": self.before.mode,
            "refusal": self.refusal,
            "restart_required": self.restart_required,
            "note": RESTART_NOTE,
            "state": current.state.to_json(),
        }


def run_mode(
    engine: sa.Engine, requested: str | None, *, commit: bool, settings: Settings | None = None
) -> ModeResult:
    with engine.connect() as connection:
        before = mode_decision(connection, settings)
    result = ModeResult(before=before, requested=requested, dry_run=not commit)
    if requested is None:
        return result
    if not before.state.tracked:
        raise CouldNotRun(
            "this database has no legacy_state table (a legacy-shaped database, or one behind: "
            "`teameval db upgrade`): it holds no legacy mode"
        )
    if before.mode == "retired" and requested == "dual-write":
        return ModeResult(
            before,
            requested,
            dry_run=not commit,
            refusal="the legacy tables are retired: restore them first "
            "(`teameval legacy restore ARCHIVE --commit`, which switches dual-write on)",
        )
    if not commit or result.status == "unchanged":
        return result
    with engine.begin() as connection:
        runner = as_connection(connection)
        set_mode(runner, requested)
        runner.rowcount(
            insert_audit_log(
                {
                    "school_id": None,
                    "actor_id": None,
                    "actor_label": "cli:legacy mode",
                    "action": "legacy.mode",
                    "entity_type": "legacy_state",
                    "entity_id": 1,
                    "changes": {"mode": [before.state.mode, requested]},
                }
            )
        )
    with engine.connect() as connection:
        after = mode_decision(connection, settings)
    return ModeResult(before, requested, dry_run=False, after=after)
