"""Types for values taken from a request, bounded to what the database can hold.

Every integer column is a 32-bit ``INTEGER`` on PostgreSQL, so a larger number sent by a client
would reach the driver and fail there (a 500); every text column refuses NUL on PostgreSQL. The
types here turn such input into a 422 naming the field (pydantic errors are rendered by
``problems.py``), and ``known_id`` turns an id no row can have into the ordinary 404.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from teameval.errors import NotFound

MAX_DB_INT = 2**31 - 1  # PostgreSQL INTEGER, the type of every id and number column

# C0 controls, DEL and C1 controls. Multi-line text may keep tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(value: str, *, multi_line: bool = False) -> str | None:
    """A description of the first control character in ``value`` that is not allowed, if any."""
    found = (_CONTROL_BUT_WHITESPACE if multi_line else _CONTROL).search(value)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} at position {found.start() + 1}"


def _single_line(value: str) -> str:
    problem = control_character(value)
    if problem:
        raise ValueError(f"must not contain control characters (found {problem})")
    return value


def _multi_line(value: str) -> str:
    problem = control_character(value, multi_line=True)
    if problem:
        raise ValueError(
            f"must not contain control characters other than tab and line breaks (found {problem})"
        )
    return value


# Text on one line (names, codes, emails, search terms): no control characters at all.
SingleLine = Annotated[str, AfterValidator(_single_line)]
# Free text (comments): tab, LF and CR allowed, other control characters refused.
MultiLine = Annotated[str, AfterValidator(_multi_line)]

# An id sent in a body (``student_id``, ``user_id``): ids start at 1; a 422 naming the field
# when out of range.
BodyId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]

# List caps (docs/api.md): generous for a real school, small enough that one request stays cheap.
MAX_COURSES_PER_REQUEST = 100
MAX_TEAMS_PER_REQUEST = 100


def id_in_range(value: int) -> bool:
    """Whether ``value`` could be a row id at all (1 to 2**31 - 1)."""
    return 1 <= value <= MAX_DB_INT


def known_id(value: int, detail: str) -> int:
    """``value``, or the same 404 an unknown id gets when no row can have it, so a path id out of
    range never reaches the database (where PostgreSQL would refuse the parameter)."""
    if not id_in_range(value):
        raise NotFound(detail)
    return value


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are refused, so a typo in a field name is a 422
    naming it instead of a silently ignored value."""

    model_config = ConfigDict(extra="forbid")
