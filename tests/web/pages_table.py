"""Every page (GET route) of the web UI with the roles that may see it: the page matrix.

``test_page_matrix.py`` signs in as each role of north and expects 200 where ``allowed`` says
so and 403 elsewhere; each ``foreign`` path (an id of south, another school) must answer 404;
without a session every page redirects to the sign-in page. ``test_the_table_is_complete``
fails when a page of the app is neither here nor in ``EXEMPT``.

Paths are templates formatted with the roster test world (tests/roster/conftest.py):
``N``/``S`` (north/south ``SchoolWorld``), ``NP``/``SP`` (projects), ``NT``/``ST`` (their team
1), ``NR``/``SR`` (rubrics), ``NA``/``SA`` (draft assessments linking team 1), ``NG``/``SG``
(legacy teams). Each area of the UI lists its pages in ``tests/web/tables/<area>.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "teacher", "other_teacher", "student")
EVERYONE = dict.fromkeys(ROLES, True)
ADMIN_ONLY = {"admin": True, "teacher": False, "other_teacher": False, "student": False}
STAFF = {"admin": True, "teacher": True, "other_teacher": True, "student": False}
TEACHES = {"admin": True, "teacher": True, "other_teacher": False, "student": False}
STUDENT_ONLY = {"admin": False, "teacher": False, "other_teacher": False, "student": True}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    allowed: dict[str, bool]
    foreign: tuple[str, ...] = field(default=())


# Pages anyone may open without signing in, and other GET routes that are not pages.
EXEMPT = {"/sign-in", "/legacy-api"}  # /legacy-api: tests/roster/legacy/watch

CORE_PAGES: list[Page] = [
    Page("home", "/", EVERYONE),
    Page("account", "/account", EVERYONE),
]


def all_pages() -> list[Page]:
    from tests.web.tables import (  # the areas' tables import Page from here
        assessments,
        courses,
        migration,
        my,
        peer,
        projects,
        rubrics,
        scoring,
        students,
    )

    areas = (students, courses, migration, projects, rubrics, scoring, assessments, my, peer)
    return CORE_PAGES + [page for area in areas for page in area.PAGES]


PAGES = all_pages()
