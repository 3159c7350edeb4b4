"""The form parsing the assessment pages share: a typed whole number is the number or None,
never an exception, whatever was typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from teameval.kit.inputs import MAX_DB_INT
from teameval.web.assessments.forms import whole_number


@given(st.integers(min_value=0, max_value=MAX_DB_INT), st.sampled_from(["", " ", "\t"]))
def test_a_number_in_range_reads_as_itself(value: int, blank: str) -> None:
    assert whole_number(f"{blank}{value}{blank}") == value


@given(st.text())
def test_anything_typed_is_a_number_in_range_or_none(text: str) -> None:
    value = whole_number(text)
    assert value is None or 0 <= value <= MAX_DB_INT
    if value is not None:
        assert text.strip().lstrip("0") in (str(value), "")


def test_what_is_not_a_plain_whole_number_is_none() -> None:
    for text in ("", "-1", "1.5", "1e3", "٣", "²", str(MAX_DB_INT + 1), "9" * 40, "0x10"):
        assert whole_number(text) is None, text
