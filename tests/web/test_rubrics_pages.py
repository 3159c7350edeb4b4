"""Rubric pages: the list, create with criteria rows (exact weights, Dutch comma, descriptors),
invalid input, edit until frozen, copy; who may do what; Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Rubric, RubricCriterion
from teameval.models.base import utcnow
from tests.assessments.factories import make_rubric
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

Factory = sessionmaker[Session]


def rubric_form(**fields: Any) -> dict[str, Any]:
    base = {
        "title": "Presentatie",
        "description": "",
        "scope": "project",
        "scale_min": "1",
        "scale_max": "4",
        "rows": "3",
        "action": "save",
    }
    base.update(fields)
    return base


def criterion(index: int, name: str, weight: str, *levels: str) -> dict[str, str]:
    found = {f"criterion-{index}-name": name, f"criterion-{index}-weight": weight}
    for level, text in enumerate(levels, start=1):
        found[f"criterion-{index}-level-{level}"] = text
    return found


def rubric_rows(factory: Factory, title: str | int) -> list[tuple[Any, ...]]:
    """The criteria of the rubric with this title (or id), in order."""
    which = Rubric.id == title if isinstance(title, int) else Rubric.title == title
    with factory() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(RubricCriterion.name, RubricCriterion.weight, RubricCriterion.descriptors)
                .join(Rubric, Rubric.id == RubricCriterion.rubric_id)
                .where(which)
                .order_by(RubricCriterion.position)
            )
        ]


def count_rubrics(factory: Factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Rubric)) or 0


class Controls(HTMLParser):
    """The names of the form controls and the texts of error messages of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.names: list[str] = []
        self.errors: list[str] = []
        self._in_error = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in {"input", "textarea", "select"} and found.get("name"):
            self.names.append(str(found["name"]))
        if tag == "p" and "error" in (found.get("class") or "").split():
            self._in_error += 1
            self.errors.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._in_error:
            self._in_error -= 1

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.errors[-1] += data


def test_the_list_shows_each_rubric_with_its_criteria_owner_and_use(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        frozen = make_rubric(session, worlds.north.admin, "Oud", weights=("1", "1", "1"))
        frozen.frozen_at, frozen.frozen_reason = utcnow(), "assessment 9 opened"
        make_rubric(session, worlds.south.teacher, "Zuid geheim")
    page = pages_for("other_teacher").get("/rubrics")
    assert page.status_code == 200
    text = page.text
    rows = re.findall(
        r"<tr>\s*<td><a href=\"/rubrics/(\d+)\">([^<]+)</a></td>(.*?)</tr>", text, re.S
    )
    assert [title for _, title, _ in rows] == ["Oud", "Projectrubric"]
    oud, project = rows[0][2], rows[1][2]
    assert ">3<" in oud
    assert "Frozen" in oud
    assert ">2<" in project
    assert worlds.north.teacher.name in project
    assert "1 assessment" in project
    assert "Zuid geheim" not in text
    searched = pages_for("admin").get("/rubrics?q=oud").text
    assert "Oud" in searched
    assert "Projectrubric" not in searched


def test_the_new_form_has_blank_criterion_rows_and_more_rows_without_javascript(
    pages_for: Callable[..., PageClient], session_factory: Factory
) -> None:
    teacher = pages_for("teacher")
    names = Controls(teacher.get("/rubrics/new").text).names
    assert [n for n in names if n.endswith("-name")] == [f"criterion-{i}-name" for i in range(3)]
    # the default scale 1..5: one descriptor field per level
    assert [n for n in names if n.startswith("criterion-0-level-")] == [
        f"criterion-0-level-{level}" for level in range(1, 6)
    ]
    more = teacher.post(
        "/rubrics", rubric_form(action="more", **criterion(0, "Inhoud", "2", "a", "b"))
    )
    assert more.status_code == 200
    controls = Controls(more.text)
    assert [n for n in controls.names if n.endswith("-name")] == [
        f"criterion-{i}-name" for i in range(6)
    ]
    # the scale typed (1..4) decides the levels; what was typed is kept
    assert "criterion-0-level-5" not in controls.names
    assert 'value="Inhoud"' in more.text
    assert count_rubrics(session_factory) == 2


def test_htmx_add_criterion_answers_one_row_and_the_new_count(
    pages_for: Callable[..., PageClient],
) -> None:
    fragment = pages_for("teacher").post(
        "/rubrics/criterion-row",
        rubric_form(rows="4", scale_min="0", scale_max="2"),
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    names = Controls(fragment.text).names
    assert "criterion-4-name" in names
    assert "criterion-4-weight" in names
    assert [n for n in names if "-level-" in n] == [f"criterion-4-level-{i}" for i in range(3)]
    assert 'name="rows" value="5" hx-swap-oob="true"' in fragment.text
    assert "data-announce=" in fragment.text


def test_create_stores_exact_weights_with_a_dutch_comma_and_the_descriptors(
    pages_for: Callable[..., PageClient], session_factory: Factory
) -> None:
    posted = rubric_form(
        **criterion(0, "Inhoud", "1,5", "zwak", "matig", "goed", "sterk"),
        **criterion(1, "  Samenwerking ", "2.25"),
        # row 2 left blank: left out
    )
    teacher = pages_for("teacher")
    response = teacher.post("/rubrics", posted)
    assert response.status_code == 303
    assert re.fullmatch(r"/rubrics/\d+", response.headers["location"])
    rows = rubric_rows(session_factory, "Presentatie")
    assert rows == [
        ("Inhoud", Decimal("1.5"), ["zwak", "matig", "goed", "sterk"]),
        ("Samenwerking", Decimal("2.25"), None),
    ]
    assert isinstance(rows[0][1], Decimal)
    shown = teacher.get(response.headers["location"])
    assert "Rubric created." in shown.text
    assert ">1.5<" in shown.text
    assert ">2.25<" in shown.text
    assert "matig" in shown.text


def test_an_invalid_rubric_is_422_with_each_message_at_its_field_and_nothing_created(
    pages_for: Callable[..., PageClient], session_factory: Factory
) -> None:
    before = count_rubrics(session_factory)
    posted = rubric_form(
        title=" ",
        **criterion(0, "Inhoud", "1,5000"),
        **criterion(1, "", "1", "alleen een tekst"),
        **criterion(2, "Nul", "0"),
    )
    response = pages_for("teacher").post("/rubrics", posted)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    controls = Controls(response.text)
    assert any("Fill in a title" in error for error in controls.errors)
    assert any("at most 3 decimals" in error for error in controls.errors)
    assert any("Give this criterion a name" in error for error in controls.errors)
    assert any("more than 0" in error for error in controls.errors)
    assert 'id="field-criterion-0-weight" name="criterion-0-weight" value="1,5000"' in (
        response.text
    )
    assert 'aria-invalid="true"' in response.text
    # the form's own check of the scale, and the body's rule (at most 1000) on its field
    too_high = pages_for("teacher").post(
        "/rubrics", rubric_form(scale_min="995", scale_max="1001", **criterion(0, "A", "1"))
    )
    assert too_high.status_code == 422
    assert re.search(r'id="field-scale_max-error">.*less than or equal to 1000', too_high.text)
    wrong_scale = pages_for("teacher").post(
        "/rubrics", rubric_form(scale_min="5", scale_max="3", **criterion(0, "A", "1"))
    )
    assert wrong_scale.status_code == 422
    assert "The highest level must be above the lowest." in wrong_scale.text
    no_criteria = pages_for("teacher").post("/rubrics", rubric_form())
    assert no_criteria.status_code == 422
    assert "Add at least one criterion" in no_criteria.text
    assert count_rubrics(session_factory) == before


def test_edit_changes_the_criteria_and_a_frozen_rubric_says_why_and_offers_a_copy(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    teacher = pages_for("teacher")
    rubric_id = worlds.north_rubric.id
    form = teacher.get(f"/rubrics/{rubric_id}/edit")
    assert form.status_code == 200
    with session_factory() as session:
        ids = session.scalars(
            select(RubricCriterion.id)
            .where(RubricCriterion.rubric_id == rubric_id)
            .order_by(RubricCriterion.position)
        ).all()
    posted = {
        "title": "Projectrubric v2",
        "rows": "3",
        "criterion-0-id": str(ids[1]),
        **criterion(0, "Criterion 2", "3,5"),
        **criterion(2, "Nieuw", "1"),
        "action": "save",
    }
    saved = teacher.post(f"/rubrics/{rubric_id}", posted)
    assert saved.status_code == 303, saved.text[-2000:]
    assert rubric_rows(session_factory, "Projectrubric v2") == [
        ("Criterion 2", Decimal("3.5"), None),
        ("Nieuw", Decimal("1"), None),
    ]
    with session_factory() as session:
        assert (
            session.scalar(select(RubricCriterion.id).where(RubricCriterion.id == ids[0])) is None
        )
    # the other teacher may view but not change it
    other = pages_for("other_teacher")
    assert other.post(f"/rubrics/{rubric_id}", posted | {"title": "Gekaapt"}).status_code == 403
    assert "Edit rubric" not in other.get(f"/rubrics/{rubric_id}").text
    with session_factory.begin() as session:
        rubric = session.get_one(Rubric, rubric_id)
        rubric.frozen_at, rubric.frozen_reason = utcnow(), "assessment opened"
    frozen = teacher.post(f"/rubrics/{rubric_id}", posted | {"title": "Te laat"})
    assert frozen.status_code == 409
    assert "can no longer be changed" in frozen.text
    assert "Make a copy" in frozen.text
    assert rubric_rows(session_factory, "Te laat") == []
    page = teacher.get(f"/rubrics/{rubric_id}")
    assert "can no longer be changed" in page.text
    assert "Edit rubric" not in page.text


def test_copy_makes_an_editable_rubric_and_opens_its_page(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    other = pages_for("other_teacher")
    response = other.post(f"/rubrics/{worlds.north_rubric.id}/copy")
    assert response.status_code == 303
    copy_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_factory() as session:
        copy = session.get_one(Rubric, copy_id)
        assert copy.title == "Projectrubric (copy)"
        assert copy.created_by_id == worlds.north.other_teacher.id
        assert copy.copied_from_id == worlds.north_rubric.id
    page = other.get(f"/rubrics/{copy_id}")
    assert "Edit rubric" in page.text
    copied = rubric_rows(session_factory, copy_id)
    assert copied == rubric_rows(session_factory, worlds.north_rubric.id)
    assert [name for name, _, _ in copied] == ["Criterion 1", "Criterion 2"]


def test_students_are_refused_and_another_school_s_rubric_does_not_exist(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    before = count_rubrics(session_factory)
    student = pages_for("student")
    assert student.post("/rubrics", rubric_form(**criterion(0, "A", "1"))).status_code == 403
    assert student.post(f"/rubrics/{worlds.north_rubric.id}/copy").status_code == 403
    admin = pages_for("admin")
    assert admin.post(f"/rubrics/{worlds.south_rubric.id}/copy").status_code == 404
    foreign = admin.post(
        f"/rubrics/{worlds.south_rubric.id}", rubric_form(**criterion(0, "A", "1"))
    )
    assert foreign.status_code == 404
    assert count_rubrics(session_factory) == before


def test_the_rubric_page_in_dutch_writes_weights_with_a_comma(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        make_rubric(session, worlds.north.teacher, "Komma", weights=("1.5", "0.25"))
    dutch = pages_for("teacher", language="nl")
    listing = dutch.get("/rubrics").text
    assert "Nieuwe rubric" in listing
    found = re.search(r'href="/rubrics/(\d+)">Komma<', listing)
    assert found
    page = dutch.get(f"/rubrics/{found.group(1)}").text
    assert 'lang="nl"' in page
    assert ">1,5<" in page
    assert ">0,25<" in page
    assert "Gewicht" in page
    assert "Weight" not in page


def test_the_list_sends_the_same_statements_for_few_and_many_rubrics(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    admin = pages_for("admin")
    _, few = admin.statements("/rubrics")
    with session_factory.begin() as session:
        for number in range(12):
            owner = worlds.north.teacher if number % 2 else worlds.north.other_teacher
            make_rubric(session, owner, f"R{number:02}", weights=("1",) * (number % 5 + 1))
    page, many = admin.statements("/rubrics")
    assert "R11" in page.text
    assert len(few) == len(many)
    _, one = admin.statements(f"/rubrics/{worlds.north_rubric.id}")
    with session_factory.begin() as session:
        big = make_rubric(session, worlds.north.teacher, "Groot", weights=("1",) * 20)
    _, twenty = admin.statements(f"/rubrics/{big.id}")
    assert len(one) == len(twenty)
