"""The main navigation of each role: one list, so every page of a role shows the same menu."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


NAV_LINKS: dict[str, list[tuple[str, str]]] = {
    "admin": [
        ("/", N_("Home")),
        ("/students", N_("Students")),
        ("/courses", N_("Courses")),
        ("/projects", N_("Projects")),
        ("/assessments", N_("Assessments")),
        ("/peer-evaluations", N_("Peer evaluations")),
        ("/rubrics", N_("Rubrics")),
        ("/migration", N_("Migration")),
    ],
    "teacher": [
        ("/", N_("Home")),
        ("/courses", N_("My courses")),
        ("/projects", N_("Projects")),
        ("/assessments", N_("Assessments")),
        ("/peer-evaluations", N_("Peer evaluations")),
        ("/rubrics", N_("Rubrics")),
    ],
    "student": [
        ("/", N_("Home")),
        ("/my/courses", N_("My courses")),
        ("/my/assessments", N_("My assessments")),
        ("/my/peer-evaluations", N_("My peer evaluations")),
    ],
}


def nav_links(role: str) -> list[tuple[str, str]]:
    return NAV_LINKS.get(role, [("/", N_("Home"))])


ROLE_NAMES = {"admin": N_("Admin"), "teacher": N_("Teacher"), "student": N_("Student")}
