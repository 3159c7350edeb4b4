"""What every browser test uses: axe-core on each page, screenshots, signing in through the form.

- ``assert_accessible(page, name)`` runs axe-core in the page and fails on any violation of
  impact "serious" or "critical"; every violation found (of any impact) is also written to
  ``test-artifacts/axe/<name>.json`` so the lesser ones can be read and fixed too.
- ``snap(page, name)`` saves a full-page PNG to ``test-artifacts/screenshots/<name>.png``; with
  ``docs=True`` and ``TEAMEVAL_DOCS_SCREENSHOTS`` set to a directory, also there (the docs'
  images of the main screens are refreshed from it).
- ``sign_in(page, login)`` fills in the real sign-in form (school, email, password).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Protocol

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
DOCS_SCREENSHOTS = "TEAMEVAL_DOCS_SCREENSHOTS"
FAILING_IMPACTS = ("serious", "critical")

_axe = Axe()


class Credentials(Protocol):
    @property
    def email(self) -> str: ...

    @property
    def password(self) -> str: ...


def file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    results = _axe.run(page)
    return list(results.response["violations"])


def describe(violation: dict[str, Any], targets: int = 3) -> str:
    nodes = violation.get("nodes", [])
    selectors = [", ".join(map(str, node.get("target", []))) for node in nodes[:targets]]
    more = f" (+{len(nodes) - targets} more)" if len(nodes) > targets else ""
    return (
        f"{violation['id']} [{violation.get('impact')}]: {violation.get('help')} "
        f"at {'; '.join(selectors)}{more}"
    )


def assert_accessible(page: Page, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation (WCAG 2.1 AA)."""
    violations = axe_violations(page)
    record = ARTIFACTS / "axe" / f"{file_name(name)}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    found = [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v.get("help"),
            "targets": [node.get("target") for node in v.get("nodes", [])],
        }
        for v in violations
    ]
    record.write_text(json.dumps({"url": page.url, "violations": found}, indent=2) + "\n")
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    assert not failing, f"axe-core on {name} ({page.url}):\n" + "\n".join(map(describe, failing))


def snap(page: Page, name: str, *, docs: bool = False) -> Path:
    """A full-page screenshot of a main screen, for people to look at (and for the docs)."""
    path = ARTIFACTS / "screenshots" / f"{file_name(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    docs_dir = os.environ.get(DOCS_SCREENSHOTS)
    if docs and docs_dir:
        target = Path(docs_dir) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return path


def visit(page: Page, path: str, name: str) -> None:
    """Go to ``path`` (relative to the live server), expect a 200 and check it with axe."""
    response = page.goto(path)
    assert response is not None, f"GET {path}: no response"
    assert response.status == 200, f"GET {path}: {response.status}"
    assert_accessible(page, name)


def sign_in(page: Page, school: str, login: Credentials) -> None:
    """Through the real form, in the page's language (English unless chosen otherwise)."""
    page.goto("/sign-in")
    page.get_by_label("School code").fill(school)
    page.get_by_label("Email address").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def sign_out(page: Page, button: str = "Sign out") -> None:
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def focused(page: Page) -> dict[str, Any]:
    """What has the keyboard focus: tag, id, text, name, type and role of document.activeElement."""
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement; return e ? {
                tag: e.tagName.toLowerCase(), id: e.id, text: (e.textContent || '').trim(),
                name: e.getAttribute('name'), type: e.getAttribute('type'),
                value: e.value === undefined ? null : String(e.value),
                label: e.labels && e.labels.length ? e.labels[0].textContent.trim() : null,
                role: e.getAttribute('role') } : {}; }"""
        )
    )


def assert_focus_visible(page: Page) -> None:
    """The focused element shows that it has the focus (WCAG 2.4.7): an outline or a ring."""
    style = page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
            return {visible: e.matches(':focus-visible'), outline: s.outlineStyle,
                    width: s.outlineWidth, shadow: s.boxShadow, tag: e.tagName}; }"""
    )
    shown = (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"
    assert style["visible"], f"the focus is not :focus-visible: {style}"
    assert shown, f"the focused element has no visible focus indicator: {style}"
