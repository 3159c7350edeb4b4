"""Normalisation applied on every write path, so the same person is never two rows."""

from __future__ import annotations

import re
from collections.abc import Mapping

_SPACES = re.compile(r"\s+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_name(name: str) -> str:
    return _SPACES.sub(" ", name).strip()


def full_name(first_name: str | None, prefix: str | None, last_name: str | None) -> str:
    """Dutch names: 'Jan' + 'van der' + 'Berg' = 'Jan van der Berg'."""
    return normalise_name(" ".join(part for part in (first_name, prefix, last_name) if part))


def match_course_code(code: str, same_ignoring_case: Mapping[str, int]) -> int | None:
    """The course id a typed ``code`` means, among the stored codes equal to it ignoring case
    (stored code → id): the exact code first, else the only one; ambiguous → None.

    One rule for every place a person types a course code (import, sync, list filters), so a
    filter finds what an import would enroll in.
    """
    if code in same_ignoring_case:
        return same_ignoring_case[code]
    return next(iter(same_ignoring_case.values())) if len(same_ignoring_case) == 1 else None
