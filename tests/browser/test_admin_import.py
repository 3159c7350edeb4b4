"""An admin imports students from a CSV file in Chromium: the preview names the bad line and
shows what the good lines would do, and imports nothing while the file has an error; the
corrected file is imported, and the new students are found on the students page."""

from __future__ import annotations

import re

from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import School, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assert_accessible, sign_in, snap, visit
from tests.browser.world import BrowserWorld

HEADER = "email,first_name,prefix,last_name,student_number,class"
GOOD = [
    "fleur.dewit@riverside.example.org,Fleur,de,Wit,240101,H4b",
    "jens.vanleeuwen@riverside.example.org,Jens,van,Leeuwen,240102,H4b",
    "yara.elidrissi@riverside.example.org,Yara,,El Idrissi,240103,H4a",
]
BAD = "ruben.mol-at-riverside.example.org,Ruben,,Mol,240104,H4a"  # line 3: no @
FIXED = "ruben.mol@riverside.example.org,Ruben,,Mol,240104,H4a"


def _csv(*lines: str) -> FilePayload:
    body = "\n".join([HEADER, *lines]) + "\n"
    return {"name": "students.csv", "mimeType": "text/csv", "buffer": body.encode()}


def _riverside_students(live_server: LiveServer) -> dict[str, str | None]:
    with Session(live_server.engine) as session:
        rows = session.execute(
            select(User.email, User.student_number)
            .join(School, School.id == User.school_id)
            .where(School.slug == "riverside", User.role == "student")
        ).all()
    return {row.email: row.student_number for row in rows}


def test_the_admin_previews_a_csv_with_a_bad_line_fixes_it_and_imports(
    page: Page, world: BrowserWorld, live_server: LiveServer
) -> None:
    before = _riverside_students(live_server)
    sign_in(page, world.admin.school, world.admin)
    visit(page, "/students/import", "students-import")
    snap(page, "students-import", docs=True)

    page.get_by_label("CSV file").set_input_files(_csv(GOOD[0], BAD, GOOD[1], GOOD[2]))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    errors = page.get_by_role("table", name="Lines with errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    bad_row = errors.locator("tbody tr").first
    expect(bad_row.locator("td").first).to_have_text("3")
    expect(bad_row).to_contain_text("ruben.mol-at-riverside.example.org")
    changes = page.get_by_role("table", name="What will change")
    expect(changes.locator("tbody tr")).to_have_count(3)
    for line, email in ((2, GOOD[0]), (4, GOOD[1]), (5, GOOD[2])):
        row = changes.locator("tbody tr").filter(has_text=email.split(",")[0])
        expect(row.locator("td").first).to_have_text(str(line))
    expect(page.get_by_role("button", name=re.compile(r"^Import:"))).to_have_count(0)
    assert_accessible(page, "students-import-errors")
    snap(page, "students-import-errors", docs=True)
    assert _riverside_students(live_server) == before  # checking wrote nothing

    # The corrected file, from the form below the preview.
    page.get_by_label("CSV file").set_input_files(_csv(GOOD[0], FIXED, GOOD[1], GOOD[2]))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("table", name="Lines with errors")).to_have_count(0)
    expect(page.get_by_role("table", name="What will change").locator("tbody tr")).to_have_count(4)
    assert_accessible(page, "students-import-preview")
    page.get_by_role("button", name="Import: 4 new, 0 changed").click()

    expect(page).to_have_url(re.compile(r"/students$"))
    expect(page.locator("#announcer")).to_have_text("Import done: 4 created, 0 updated.")
    assert_accessible(page, "students-after-import")
    after = _riverside_students(live_server)
    new = {line.split(",")[0]: line.split(",")[4] for line in [*GOOD, FIXED]}
    assert after == {**before, **new}

    # The students page finds one of them (HTMX swaps the results while typing).
    page.get_by_label("Search").fill("Jens")
    results = page.locator("#student-results")
    expect(results).to_contain_text("1 student found")
    expect(results.get_by_role("link", name="Jens van Leeuwen")).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.locator("tbody tr")).to_contain_text("240102")
    assert_accessible(page, "students-search")
    snap(page, "students-search", docs=True)
