"""No module outside ``teameval.access`` calls an access check by hand: routes declare typed
dependencies (``access.dependencies``), services receive resolved objects."""

from __future__ import annotations

import ast
from pathlib import Path

import teameval

PACKAGE = Path(teameval.__file__).parent
ACCESS = PACKAGE / "access"
# Point checks and resolvers; list filters (``visible``, ``visible_courses``) stay callable.
BY_HAND = frozenset({"course_for", "user_in_school", "may", "resolve"})


def calls_by_hand(source: str) -> list[tuple[int, str]]:
    """(line, name) of each call of an access check, as ``name(...)`` or ``module.name(...)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in BY_HAND:
                found.append((node.lineno, name))
    return found


def test_the_checker_sees_a_call_by_hand() -> None:
    source = (
        "from teameval import access\n"
        "from teameval.access import course_for\n"
        "def route(session, principal, course_id):\n"
        "    course = course_for(session, principal, course_id, 'teach')\n"
        "    return access.user_in_school(session, principal, 1)\n"
    )
    assert calls_by_hand(source) == [(4, "course_for"), (5, "user_in_school")]
    assert calls_by_hand("def route(course: CourseToTeach) -> None: ...\n") == []


def test_no_module_outside_access_calls_an_access_check() -> None:
    modules = [path for path in PACKAGE.rglob("*.py") if ACCESS not in path.parents]
    assert any(path.parts[-3:] == ("roster", "courses", "api.py") for path in modules)
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line} calls {name}"
        for path in modules
        for line, name in calls_by_hand(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "declare an access.dependencies type instead"
