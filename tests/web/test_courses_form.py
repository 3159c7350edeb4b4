"""The course form's checking (web/courses/forms.py), for any text typed: either a body the
service accepts or an error on each field at fault, never an error without a message, never
a message left in English on a Dutch page."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from teameval.web import i18n
from teameval.web.courses.forms import FIELDS, CourseForm, validation_errors


class DutchPage:
    """What the form's messages need of a page: its translations."""

    def gettext(self, message: str) -> str:
        return i18n.translations("nl").gettext(message)


class EnglishPage:
    def gettext(self, message: str) -> str:
        return message


typed = st.text(st.characters(codec="utf-8"), max_size=70)


@given(
    code=typed, name=st.text(st.characters(codec="utf-8"), max_size=210), period=typed, level=typed
)
def test_any_input_gives_a_body_or_errors_on_its_fields(
    code: str, name: str, period: str, level: str
) -> None:
    form = CourseForm(code.strip(), name.strip(), period.strip(), level.strip())
    try:
        body = form.create_body()
    except ValidationError as invalid:
        dutch = validation_errors(DutchPage(), invalid)  # type: ignore[arg-type]
        english = validation_errors(EnglishPage(), invalid)  # type: ignore[arg-type]
        assert dutch.fields
        assert set(dutch.fields) <= set(FIELDS)
        assert set(dutch.fields) == set(english.fields)
        for field, message in dutch.fields.items():
            assert message
            assert message != english.fields[field], "an error message without Dutch"
        assert len(dutch.summary(DutchPage())) == len(dutch.fields)  # type: ignore[arg-type]
        return
    assert (body.code, body.name) == (form.code, form.name)
    assert 1 <= len(body.code) <= 50
    assert len(body.name) <= 200
    assert body.period == (form.period or None)
    assert body.level == (form.level or None)
    # The form keeps exactly what was typed, for the page shown again after an error.
    assert form.values() == {
        "code": form.code,
        "name": form.name,
        "period": form.period,
        "level": form.level,
    }


def test_the_known_mistakes_say_what_to_do() -> None:
    page = EnglishPage()
    for form, field, message in (
        (CourseForm("", "Name"), "code", "Fill in the course code."),
        (CourseForm("C", ""), "name", "Fill in the course name."),
        (CourseForm("C" * 51, "Name"), "code", "Use at most 50 characters."),
        (CourseForm("C\x07", "Name"), "code", "Use letters, digits and punctuation only."),
    ):
        with pytest.raises(ValidationError) as invalid:
            form.create_body()
        assert validation_errors(page, invalid.value).fields == {field: message}  # type: ignore[arg-type]
