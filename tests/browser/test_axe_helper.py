"""The axe-core check itself: it finds what it must, so a page passing it means something."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import ARTIFACTS, assert_accessible

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body>
<main><h1>Broken</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button></button>
<p style="color:#999;background:#aaa">Hard to read</p>
</main></body></html>"""

FINE = """<!doctype html><html lang="en"><head><title>Fine</title></head><body>
<main><h1>Fine</h1><label for="q">Search</label><input id="q"><button>Go</button></main>
</body></html>"""


@pytest.fixture
def blank(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    yield page
    page.close()


def test_serious_and_critical_violations_fail_with_rule_impact_and_target(blank: Page) -> None:
    blank.set_content(BROKEN)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(blank, "axe-self-test-broken")
    message = str(failure.value)
    assert "image-alt [critical]" in message
    assert "button-name [critical]" in message
    assert "color-contrast [serious]" in message
    assert "at img" in message  # the first target selectors
    recorded = json.loads((ARTIFACTS / "axe" / "axe-self-test-broken.json").read_text())
    assert {v["id"] for v in recorded["violations"]} >= {"image-alt", "button-name"}


def test_a_clean_page_passes(blank: Page) -> None:
    blank.set_content(FINE)
    assert_accessible(blank, "axe-self-test-fine")
