"""An admin reads where the school stands in the migration in Chromium: the phases with their
states before the audits, the audits run on request, every gate with its result and the one
command to run next, each page accessible (axe). The page changes nothing in the database."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import assert_accessible, sign_in, snap, visit
from tests.browser.world import BrowserWorld
from tests.migration.conftest import cli

PHASES = ("1", "2", "3", "4-5", "6")


def _legacy_rows(live_server: LiveServer) -> list[tuple[object, ...]]:
    with live_server.engine.connect() as connection:
        return [
            tuple(row)
            for table in ("course_enrollments", "legacy_state")  # in every legacy mode
            for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))
        ]


def _reported(live_server: LiveServer, world: BrowserWorld) -> dict[str, Any]:
    """``teameval migration status --school ID --json`` of the admin's school."""
    with live_server.engine.connect() as connection:
        school_id = connection.execute(
            sa.text("SELECT id FROM schools WHERE slug = :slug"), {"slug": world.admin.school}
        ).scalar_one()
    return cli(
        "migration",
        "status",
        "--database-url",
        live_server.database_url,
        "--school",
        str(school_id),
        "--json",
    ).json()


def test_the_admin_runs_the_audits_and_reads_the_next_command(
    page: Page, world: BrowserWorld, live_server: LiveServer
) -> None:
    before = _legacy_rows(live_server)
    sign_in(page, world.admin.school, world.admin)
    visit(page, "/migration", "migration")
    phases = page.get_by_role(
        "table", name="Every phase of the migration and where this school stands"
    )
    expect(phases.locator("tbody tr")).to_have_count(len(PHASES))
    for number in PHASES:
        expect(phases.locator(f'tr[data-phase="{number}"] th')).to_have_text(number)
    reported = _reported(live_server, world)
    # Before the audits the audited phases wait, and no next command is guessed (unless the
    # suite's retired pass retired the tables: nothing left to audit then).
    expect(page.locator("#next-command")).to_have_count(0)
    if reported["legacy_mode"] == "retired":
        expect(page.get_by_text("Nothing left: the legacy tables are retired.")).to_be_visible()
    else:
        expect(phases.locator('tr[data-phase="1"]')).to_contain_text("Not measured yet")
        expect(page.get_by_text("The next command shows once the audits have run.")).to_be_visible()

    page.get_by_role("button", name="Run the audits").click()
    expect(page).to_have_url(re.compile(r"/migration\?run=1$"))
    assert_accessible(page, "migration-audited")
    snap(page, "migration-audited", docs=True)
    # Every phase's state, its gates and the one command to run next: the command line's, for
    # this school (in whatever legacy mode the suite runs: on, off or retired).
    for phase in reported["phases"]:
        row = phases.locator(f'tr[data-phase="{phase["phase"]}"] [data-state]')
        expect(row).to_have_attribute("data-state", phase["state"])
        if phase["phase"] == "6" or not phase["gates"]:
            continue  # phase 6 words the retirement's gates by name (tested in tests/web)
        table = page.get_by_role("table", name=f"Gates of phase {phase['phase']}")
        for gate in phase["gates"]:
            expect(table.locator(f'tr[data-gate="{gate["name"]}"] th')).to_have_text(gate["title"])
    if reported["next_command"]:
        expect(page.locator("#next-command")).to_have_text(reported["next_command"])
    else:
        expect(page.locator("#next-command")).to_have_count(0)
    assert _legacy_rows(live_server) == before  # the page wrote nothing
