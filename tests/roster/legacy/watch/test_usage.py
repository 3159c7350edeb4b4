"""Legacy usage counting: a known sequence of requests and a command gives exactly these rows of
``legacy_usage_counts`` (calls of legacy routes, 410s included; reads of legacy data by the
roster, the export and the CSV import command), and ``teameval legacy usage --json`` shows them,
compared in full; the summaries' windows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.migration.runner.report import display_url
from teameval.roster.legacy.watch.counts import (
    ShadowRow,
    UsageRow,
    add_shadow_counts,
    add_usage_counts,
    utc_today,
)
from teameval.roster.legacy.watch.summary import shadow_summary, usage_summary
from tests.cli_helpers import run_cli
from tests.roster.conftest import API, RosterWorld, app_client, bearer
from tests.roster.legacy.watch.conftest import usage_rows

GROUPS = "GET /api/v1/courses/{course_id}/groups"
TEAM = "PUT /api/v1/courses/{course_id}/students/{student_id}/team"
ROSTER = "GET /api/v1/courses/{course_id}/students"
EXPORT = "GET /api/v1/admin/students/export.csv"
IMPORT = "cli: import students"


@pytest.mark.legacy
def test_a_known_sequence_counts_exactly_and_legacy_usage_shows_it(
    client: TestClient, db_url: str, worlds: RosterWorld, engine: sa.Engine, tmp_path: Path
) -> None:
    north, south = worlds.north, worlds.south
    groups = f"{API}/courses/{north.course.id}/groups"
    assert client.get(groups, headers=bearer(north, "admin")).status_code == 200
    assert client.get(groups, headers=bearer(north, "teacher")).status_code == 200
    assert client.get(groups, headers=bearer(north, "student")).status_code == 403
    assert client.get(groups).status_code == 401  # no caller, no school: not counted
    team = f"{API}/courses/{south.course.id}/students/{south.student.id}/team"
    answer = client.put(team, headers=bearer(south, "teacher"), json={"team_number": 2})
    assert answer.status_code == 200, answer.text
    roster = client.get(f"{API}/courses/{north.course.id}/students", headers=bearer(north, "admin"))
    assert roster.json()["items"][0]["team_number"] == 1  # legacy data shown: a read
    assert client.get(f"{API}/admin/students/export.csv", headers=bearer(north, "admin")).is_success
    assert client.get(f"{API}/courses/{north.course.id}", headers=bearer(north, "admin")).is_success
    with app_client(db_url, legacy_groups="off") as off:
        assert off.get(groups, headers=bearer(north, "admin")).status_code == 410  # a call
        off_roster = off.get(
            f"{API}/courses/{north.course.id}/students", headers=bearer(north, "admin")
        )
        assert off_roster.json()["items"][0]["team_number"] is None  # no legacy read
    csv_file = tmp_path / "students.csv"
    csv_file.write_text(f"email,name,courses,team\n{north.student.email},Renamed,OO-4A,1\n")
    imported = run_cli(
        "import", "students", str(csv_file), "--school", north.school.slug, "--database-url", db_url
    )
    assert imported.exit_code == 0, imported.output
    today = utc_today()
    n, s = north.school.id, south.school.id
    assert usage_rows(engine) == [
        (n, today, EXPORT, "read", 1),
        (n, today, GROUPS, "call", 4),
        (n, today, ROSTER, "read", 1),
        (n, today, IMPORT, "read", 1),
        (s, today, TEAM, "call", 1),
    ]
    result = run_cli("legacy", "usage", "--json", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    day = today.isoformat()

    def row(route: str, kind: str, count: int, school: int) -> dict[str, object]:
        return {
            "route": route,
            "kind": kind,
            "total": count,
            "last_day": day,
            "schools": [school],
            "per_day": {day: count},
        }

    assert json.loads(result.stdout) == {
        "database": display_url(db_url),
        "days": 30,
        "from": (today - timedelta(days=29)).isoformat(),
        "to": day,
        "school_id": None,
        "calls": 5,
        "reads": 3,
        "last_call_day": day,
        "last_read_day": day,
        "rows": [
            row(GROUPS, "call", 4, n),
            row(TEAM, "call", 1, s),
            row(EXPORT, "read", 1, n),
            row(ROSTER, "read", 1, n),
            row(IMPORT, "read", 1, n),
        ],
    }
    south_only = run_cli(
        "legacy", "usage", "--json", "--school", str(s), "--days", "1", "--database-url", db_url
    )
    document = json.loads(south_only.stdout)
    assert (document["calls"], document["reads"], document["from"]) == (1, 0, day)
    assert [r["route"] for r in document["rows"]] == [TEAM]


def test_legacy_usage_on_empty_tables_and_when_it_cannot_run(db_url: str, tmp_path: Path) -> None:
    empty = run_cli("legacy", "usage", "--database-url", db_url)
    assert empty.exit_code == 0, empty.output
    assert "No legacy route was called and no legacy data was read." in empty.stdout
    missing = run_cli(
        "legacy", "usage", "--json", "--database-url", f"sqlite:///{tmp_path / 'nope.db'}"
    )
    assert missing.exit_code == 3
    assert json.loads(missing.stdout)["exit_code"] == 3


def test_summaries_add_up_the_last_n_days_only(engine: sa.Engine, worlds: RosterWorld) -> None:
    n, s = worlds.north, worlds.south
    today = date(2026, 11, 20)
    old, inside = today - timedelta(days=7), today - timedelta(days=6)
    with engine.begin() as connection:
        add_shadow_counts(
            connection,
            [
                ShadowRow(n.school.id, n.course.id, old, 50, 5, 5),  # outside 7 days
                ShadowRow(n.school.id, n.course.id, inside, 10, 1, 0),
                ShadowRow(n.school.id, n.course.id, today, 20, 0, 3),
                ShadowRow(n.school.id, n.course.id, today, 1, 1, 0),  # merged into the same row
                ShadowRow(s.school.id, s.course.id, today, 7, 0, 0),
            ],
        )
        add_usage_counts(
            connection,
            [
                UsageRow(n.school.id, old, GROUPS, "call", 9),
                UsageRow(n.school.id, inside, GROUPS, "call", 2),
                UsageRow(s.school.id, inside, GROUPS, "call", 1),
                UsageRow(n.school.id, today, ROSTER, "read", 4),
            ],
        )
        shadow = shadow_summary(connection, days=7, today=today)
        north_shadow = shadow_summary(connection, days=7, school_id=n.school.id, today=today)
        usage = usage_summary(connection, days=7, today=today)
        nothing = usage_summary(connection, days=1, school_id=s.school.id, today=today)
    assert (shadow.decisions, shadow.legacy_only, shadow.enrollment_only) == (38, 2, 3)
    assert shadow.disagreements == 5
    assert [c.to_json() for c in shadow.by_course] == [
        {
            "course_id": n.course.id,
            "school_id": n.school.id,
            "decisions": 31,
            "legacy_only": 2,
            "enrollment_only": 3,
        },
        {
            "course_id": s.course.id,
            "school_id": s.school.id,
            "decisions": 7,
            "legacy_only": 0,
            "enrollment_only": 0,
        },
    ]
    assert north_shadow.decisions == 31
    assert (usage.calls, usage.reads, usage.last_call_day) == (3, 4, inside)
    assert [(r.route, r.kind, r.total, r.school_ids) for r in usage.rows] == [
        (GROUPS, "call", 3, (n.school.id, s.school.id)),
        (ROSTER, "read", 4, (n.school.id,)),
    ]
    assert (nothing.calls, nothing.reads, nothing.last_call_day, nothing.rows) == (0, 0, None, [])
