"""The page matrix (tests/web/pages_table.py): who may open each page, another school's ids,
no session; and every page's HTML keeps the accessibility rules of html_checks."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.roster.conftest import RosterWorld
from tests.roster.routes_table import template_names
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems
from tests.web.pages_table import EXEMPT, PAGES, ROLES, Page


def web_get_paths(client: TestClient) -> set[str]:
    return {
        str(route.path)
        for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute)
        and not str(route.path).startswith("/api/")
        and "GET" in (route.methods or ())
    }


def test_the_table_is_complete(client: TestClient) -> None:
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    routes = {shape(path) for path in web_get_paths(client) - EXEMPT}
    tabled = {shape(page.path) for page in PAGES}
    assert sorted(routes - tabled) == [], "pages missing from tests/web/pages_table.py"
    assert sorted(tabled - routes) == [], "table entries that name no page of the app"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_role_gets_the_page_or_403_and_other_schools_ids_are_404(
    page: Page, pages_for: Callable[..., PageClient], worlds: RosterWorld, client: TestClient
) -> None:
    names = template_names(worlds)
    path = page.path.format(**names)
    for role in ROLES:
        response = pages_for(role).get(path)
        expected = 200 if page.allowed[role] else 403
        assert response.status_code == expected, (role, path, response.text[-800:])
        assert response.headers["content-type"].startswith("text/html")
        if expected == 200:
            assert page_problems(response.text) == [], (role, path)
            assert response.headers["cache-control"] == "no-store"
    for template in page.foreign:
        foreign = pages_for("admin").get(template.format(**names))
        assert foreign.status_code == 404, template
        assert "This page does not exist" in foreign.text or "does not exist" in foreign.text
    anonymous = TestClient(client.app).get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


def test_the_checks_see_a_broken_page() -> None:
    broken = (
        "<html><body><h1>a</h1><h1>b</h1><input name='q'><table><tr><td>1</td></tr></table>"
        "<input type=radio name=r id=x><button></button></body></html>"
    )
    problems = page_problems(broken)
    assert "<html> without lang" in problems
    assert "2 h1 elements (one expected)" in problems
    assert "a input without a label (name='q')" in problems
    assert "a table without header cells" in problems
    assert "a radio button outside a fieldset (name='r')" in problems
    assert any(problem.startswith("a button without a name") for problem in problems)
