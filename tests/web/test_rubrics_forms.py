"""The rubric form's weight parser: exact decimals, Dutch comma or point, nothing else."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from teameval.web.rubrics.forms import parse_weight, weight_text

weights = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("999999.999"), places=3, allow_nan=False
)


@given(weights, st.sampled_from([",", "."]), st.sampled_from(["", " ", "  "]))
def test_a_weight_reads_back_exactly_with_a_comma_or_a_point(
    weight: Decimal, sign: str, blank: str
) -> None:
    typed = blank + weight_text(weight).replace(".", sign) + blank
    parsed = parse_weight(typed)
    assert parsed == weight
    assert isinstance(parsed, Decimal)
    # what the form shows again reads back the same
    assert parse_weight(weight_text(parsed)) == weight


@given(st.text(max_size=20))
def test_any_text_is_a_plain_decimal_or_refused(text: str) -> None:
    parsed = parse_weight(text)
    if parsed is not None:
        assert parsed >= 0
        assert -parsed.as_tuple().exponent <= 3  # type: ignore[operator]
        assert parsed == Decimal(text.strip().replace(",", "."))


def test_examples() -> None:
    assert parse_weight("1,5") == Decimal("1.5")
    assert parse_weight("2") == Decimal(2)
    for refused in ("", "1,2345", "1.000,5", "-1", "1e3", "½", "1,", ",5", "NaN", "1 5"):
        assert parse_weight(refused) is None, refused
