"""Signing in and out through the real form, the language switch, and the skip link, in Chromium.

Each role signs in with school, email and password, lands on its own home page, and signs out;
the language chosen in the footer changes the page at once (``lang="nl"``, Dutch text) and is
kept after a reload and at the next sign-in. axe-core checks every page visited.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS, LiveServer
from tests.browser.helpers import (
    assert_accessible,
    assert_focus_visible,
    focused,
    sign_in,
    sign_out,
    snap,
    visit,
)
from tests.browser.world import BrowserWorld


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    visit(page, "/sign-in", "sign-in")
    snap(page, "sign-in", docs=True)
    page.keyboard.press("Tab")
    first = focused(page)
    assert (first["tag"], first["text"]) == ("a", "Skip to content")
    assert_focus_visible(page)
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()  # shown on focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")  # the next stop is inside main: the form's first field
    assert focused(page)["name"] == "school"
    assert_focus_visible(page)


def test_a_wrong_password_is_refused_on_the_form(page: Page, world: BrowserWorld) -> None:
    page.goto("/sign-in")
    page.get_by_label("School code").fill(world.admin.school)
    page.get_by_label("Email address").fill(world.admin.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("School, email address or password is not correct.")
    )
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_label("Email address")).to_have_value(world.admin.email)  # input kept
    assert_accessible(page, "sign-in-refused")


@pytest.mark.parametrize("role", ["admin", "teacher", "student"])
def test_each_role_signs_in_to_its_home_page_and_signs_out(
    page: Page, world: BrowserWorld, role: str
) -> None:
    login = getattr(world, role)
    sign_in(page, login.school, login)
    expect(page).to_have_url(re.compile(r"/$"))
    heading = page.get_by_role("heading", level=1)
    main = page.get_by_role("main")
    if role == "admin":
        expect(heading).to_have_text("Riverside College")
        # Riverside's students: the ten of STUDENT_NAMES and the linguist (CSV imports add more).
        expect(main.get_by_role("link", name=re.compile(r"\d+ students"))).to_be_visible()
        expect(main.get_by_role("link", name="Import students from a CSV file")).to_be_visible()
    elif role == "teacher":
        expect(heading).to_have_text(f"Welcome, {login.name}")
        expect(main.get_by_role("link", name="RD-4A · Research & Design 4A")).to_be_visible()
    else:
        expect(heading).to_have_text(f"Welcome, {login.name}")
        expect(main.get_by_text("RD-4A · Research & Design 4A")).to_be_visible()
        expect(main.get_by_role("link", name="My assessments and grades")).to_be_visible()
    expect(page.get_by_role("link", name=login.name)).to_be_visible()  # the account link
    assert_accessible(page, f"home-{role}")
    snap(page, f"home-{role}", docs=True)

    # The skip link on a signed-in page too: first stop, and Enter puts the focus on main.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    sign_out(page)
    expect(page.locator("#announcer")).to_have_text("You are signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page, f"signed-out-{role}")
    # Signed out means signed out: the home page sends the browser back to the form.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_the_language_switch_changes_the_page_and_is_remembered(
    page: Page, world: BrowserWorld, browser: Browser, live_server: LiveServer
) -> None:
    login = world.linguist
    sign_in(page, login.school, login)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {login.name}")

    page.get_by_label("Language").select_option(label="Nederlands")
    page.get_by_role("button", name="Change").click()
    expect(html).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {login.name}")
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_attached()
    expect(page.get_by_label("Taal")).to_have_value("nl")
    assert_accessible(page, "home-student-nl")
    snap(page, "home-student-nl")

    page.reload()
    expect(html).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {login.name}")

    sign_out(page, "Afmelden")
    expect(page.locator("#announcer")).to_have_text("Je bent afgemeld.")
    assert_accessible(page, "signed-out-nl")

    # Remembered for the user, not only in this browser's cookie: another browser (English by
    # its Accept-Language) signs in and gets Dutch.
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        fresh = other.new_page()
        fresh.set_default_timeout(TIMEOUT_MS)
        sign_in(fresh, login.school, login)
        expect(fresh.locator("html")).to_have_attribute("lang", "nl")
        expect(fresh.get_by_role("heading", level=1)).to_have_text(f"Welkom, {login.name}")
    finally:
        other.close()
