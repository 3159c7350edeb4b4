"""Dutch and English: every message the UI marks is translated, every translation is still
used, placeholders survive translation, and pages speak the chosen language."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import School, User
from teameval.web import catalog, i18n
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def test_every_marked_message_has_a_dutch_translation() -> None:
    missing = [f"{m.where}: {m.message!r}" for m in catalog.missing("nl")]
    assert missing == [], "run `python -m teameval.web.catalog nl` for the list"


def test_every_dutch_translation_is_still_used_and_keeps_its_placeholders() -> None:
    marked = {m.message for m in catalog.marked_messages()}
    translated = catalog.catalog_messages("nl")
    unused = sorted(
        f"{path.name}: {message!r}"
        for message, (_, path) in translated.items()
        if message not in marked
    )
    assert unused == []
    for message, (translation, _path) in translated.items():
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(translation)), (
            message
        )


def test_the_checker_sees_a_missing_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "catalog_messages", lambda language: {})
    assert any(m.message == "Sign in" for m in catalog.missing("nl"))


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (Decimal("7.5"), "nl", "7,5"),
        (Decimal("7.5"), "en", "7.5"),
        (Decimal("6.05"), "nl", "6,05"),
        (Decimal("10"), "nl", "10"),
        (Decimal("5.50"), "nl", "5,50"),  # the digits stored are the digits shown
        (None, "nl", i18n.NO_VALUE),
    ],
)
def test_grades_are_written_the_locale_s_way(
    value: Decimal | None, language: str, shown: str
) -> None:
    assert i18n.grade_text(value, language) == shown


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,nl;q=0.5,en;q=0.4", "nl"),
        ("fr", None),
        ("en;q=0.1,nl;q=0.9", "nl"),
        ("nl;q=0", None),
        ("", None),
    ],
)
def test_the_browser_s_languages_are_read_by_preference(header: str, language: str | None) -> None:
    assert i18n.from_accept_language(header) == language


def test_a_school_that_says_dutch_gets_dutch_and_a_user_s_choice_wins(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    teacher = pages_for("teacher")
    english = teacher.get("/")
    assert 'lang="en"' in english.text
    assert "My courses" in english.text
    with session_factory.begin() as session:
        session.get_one(School, worlds.north.school.id).locale = "nl"
    dutch = teacher.get("/")
    assert 'lang="nl"' in dutch.text
    assert "Mijn vakken" in dutch.text
    assert "My courses" not in dutch.text
    chosen = teacher.post("/language", {"language": "en", "next": "/account"})
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/account"
    with session_factory() as session:
        assert session.get_one(User, worlds.north.teacher.id).locale == "en"
    # Remembered for the user, not only this browser: a new browser gets English too.
    assert 'lang="en"' in pages_for("teacher").get("/").text
    # An unknown language changes nothing.
    teacher.post("/language", {"language": "xx"})
    assert 'lang="en"' in teacher.get("/").text


def test_an_anonymous_visitor_gets_the_browser_s_language(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/sign-in", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert 'lang="nl"' in page.text
    assert "Aanmelden" in page.text


def test_an_error_page_speaks_the_language_of_the_pages_before_it(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        session.get_one(School, worlds.north.school.id).locale = "nl"
    student = pages_for("student")
    assert 'lang="nl"' in student.get("/").text
    refused = student.get("/no-such-page")
    assert 'lang="nl"' in refused.text
    assert "Deze pagina bestaat niet" in refused.text


def test_the_language_switch_comes_back_to_a_page_that_answers_a_get(
    pages_for: Callable[..., PageClient],
) -> None:
    admin = pages_for("admin")
    page = admin.get("/account?tab=1")
    assert 'name="next" value="/account?tab=1"' in page.text
    # A page that answered a POST (a form with errors, a preview) returns to the page the
    # form was on, never to the POST-only path.
    answered = admin.post("/sign-in", {"school": "", "email": "", "password": ""})
    assert 'name="next" value="/"' in answered.text or answered.status_code == 303


def test_the_teacher_s_home_lists_active_projects_and_open_assessments_only_of_their_courses(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    from teameval.models import ProjectAssessment

    with session_factory.begin() as session:
        session.get_one(ProjectAssessment, worlds.north_assessment.id).status = "open"
        session.get_one(ProjectAssessment, worlds.south_assessment.id).status = "open"
    home = pages_for("teacher").get("/").text
    assert f'href="/assessments/{worlds.north_assessment.id}"' in home
    assert f'href="/projects/{worlds.north_project.id}/teams"' in home
    assert f'href="/assessments/{worlds.south_assessment.id}"' not in home  # another school
    other = pages_for("other_teacher").get("/").text  # teaches another course of north
    assert f'href="/assessments/{worlds.north_assessment.id}"' not in other
    assert "No assessment is open for scoring." in other
