"""The rubric form: reading what was posted (kept exactly as typed, to show it again), turning it
into the service's body, and placing every problem next to the field it is about.

Field names: ``title``, ``description``, ``scope``, ``scale_min``, ``scale_max``, ``rows`` (how
many criterion rows the form has) and per row ``i``: ``criterion-i-id`` (editing),
``criterion-i-name``, ``criterion-i-weight`` and ``criterion-i-level-L`` for each level ``L`` of
the scale. A row with neither a name nor a descriptor is blank and left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics.schemas import (
    CriterionIn,
    CriterionUpdate,
    RubricCreate,
    RubricUpdate,
)
from teameval.models import Rubric, RubricCriterion
from teameval.models.rubric import MAX_CRITERIA, MAX_LEVELS


def N_(message: str) -> str:
    return message


BLANK_ROWS = 3  # the empty rows a form offers below the filled ones, and "Add more rows" adds
DEFAULT_SCALE = (1, 5)
MAX_ROWS = MAX_CRITERIA + BLANK_ROWS
# Digits, then a decimal comma (Dutch) or point and at most three decimals; no thousands sign.
_WEIGHT = re.compile(r"(\d{1,6})(?:[.,](\d{1,3}))?", re.ASCII)
_SCALE_NUMBER = re.compile(r"\d{1,4}", re.ASCII)

WEIGHT_FORMAT = N_("Write the weight as a number, for example 1 or 1,5 (at most 3 decimals).")
WEIGHT_ZERO = N_("The weight must be more than 0.")
NAME_MISSING = N_("Give this criterion a name, or clear its descriptions.")
TITLE_MISSING = N_("Fill in a title.")
SCALE_FORMAT = N_("Write a whole number.")
NO_CRITERIA = N_("Add at least one criterion.")
SCOPE_UNKNOWN = N_("Choose what the rubric is for.")
SCALE_ORDER = N_("The highest level must be above the lowest.")
SCALE_TOO_LONG = N_("A scale has at most 10 levels.")


def parse_weight(text: str) -> Decimal | None:
    """The exact weight ``text`` writes ("1,5" and "1.5" are both 1.5), or None when it is not
    a plain decimal number."""
    found = _WEIGHT.fullmatch(text.strip())
    if found is None:
        return None
    whole, decimals = found.groups()
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def exact(weight: Decimal) -> Decimal:
    """A stored weight without the column's trailing zeros (1.500 → 1.5), to show as written."""
    return Decimal(decimal_text(weight))


def weight_text(weight: Decimal) -> str:
    """How a stored weight is shown back in an input: its digits, nothing more ("1.5")."""
    return decimal_text(weight)


@dataclass
class CriterionRow:
    index: int
    id: str = ""
    name: str = ""
    weight: str = "1"
    descriptors: dict[int, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not self.name.strip() and not any(t.strip() for t in self.descriptors.values())

    def key(self, part: str) -> str:
        return f"criterion-{self.index}-{part}"


@dataclass
class RubricForm:
    title: str = ""
    description: str = ""
    scope: str = "project"
    scale_min: str = str(DEFAULT_SCALE[0])
    scale_max: str = str(DEFAULT_SCALE[1])
    rows: list[CriterionRow] = field(default_factory=list)
    # control name → message (English source; translated when shown)
    errors: dict[str, str] = field(default_factory=dict)
    # problems no single control owns (the services' own messages)
    general: list[str] = field(default_factory=list)

    @property
    def levels(self) -> list[int]:
        """The levels the descriptor fields are shown for: the scale typed, when it is one."""
        low, high = _int(self.scale_min), _int(self.scale_max)
        if low is None or high is None or not 0 <= low < high or high - low >= MAX_LEVELS:
            low, high = DEFAULT_SCALE
        return list(range(low, high + 1))

    def add_rows(self, count: int) -> None:
        start = len(self.rows)
        room = max(0, MAX_ROWS - start)
        self.rows += [CriterionRow(index) for index in range(start, start + min(count, room))]

    def without_blank_rows_then(self, blank: int) -> None:
        """The filled rows renumbered, then ``blank`` empty ones (how a form is offered)."""
        filled = [row for row in self.rows if not row.blank]
        self.rows = [
            CriterionRow(index, row.id, row.name, row.weight, row.descriptors)
            for index, row in enumerate(filled)
        ]
        self.add_rows(blank)


def _int(text: str) -> int | None:
    return int(text) if _SCALE_NUMBER.fullmatch(text.strip()) else None


def _text(form: Mapping[str, Any], name: str, limit: int = 20_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def blank_form() -> RubricForm:
    form = RubricForm()
    form.add_rows(BLANK_ROWS)
    return form


def form_of_rubric(rubric: Rubric, criteria: Sequence[RubricCriterion]) -> RubricForm:
    form = RubricForm(
        title=rubric.title,
        description=rubric.description or "",
        scope=rubric.scope,
        scale_min=str(rubric.scale_min),
        scale_max=str(rubric.scale_max),
    )
    for index, criterion in enumerate(criteria):
        texts = list(criterion.descriptors or [])
        form.rows.append(
            CriterionRow(
                index,
                str(criterion.id),
                criterion.name,
                weight_text(criterion.weight),
                {
                    level: str(texts[position]) if position < len(texts) else ""
                    for position, level in enumerate(range(rubric.scale_min, rubric.scale_max + 1))
                },
            )
        )
    form.add_rows(BLANK_ROWS)
    return form


def read_form(posted: Mapping[str, Any], rubric: Rubric | None = None) -> RubricForm:
    """What was posted, as typed. Editing (``rubric``): its scale and scope, which do not
    change."""
    form = RubricForm(
        title=_text(posted, "title", 1000),
        description=_text(posted, "description"),
        scope=rubric.scope if rubric else _text(posted, "scope", 20),
        scale_min=str(rubric.scale_min) if rubric else _text(posted, "scale_min", 20),
        scale_max=str(rubric.scale_max) if rubric else _text(posted, "scale_max", 20),
    )
    count = _int(_text(posted, "rows", 10)) or 0
    levels = form.levels
    for index in range(min(count, MAX_ROWS)):
        row = CriterionRow(index)
        row.id = _text(posted, row.key("id"), 20)
        row.name = _text(posted, row.key("name"), 1000)
        row.weight = _text(posted, row.key("weight"), 100)
        row.descriptors = {level: _text(posted, row.key(f"level-{level}")) for level in levels}
        form.rows.append(row)
    return form


@dataclass
class Parsed:
    """The body for the service, and which form row each of its criteria came from."""

    criteria: list[dict[str, Any]]
    rows: list[CriterionRow]


def _check(form: RubricForm, editing: bool) -> Parsed:
    """The form's own checks (each message next to its control); the rest is the service's."""
    if not form.title.strip():
        form.errors["title"] = TITLE_MISSING
    if not editing:
        if form.scope not in ("project", "peer"):
            form.errors["scope"] = SCOPE_UNKNOWN
        for name in ("scale_min", "scale_max"):
            if _int(getattr(form, name)) is None:
                form.errors[name] = SCALE_FORMAT
        low, high = _int(form.scale_min), _int(form.scale_max)
        if low is not None and high is not None:
            if high <= low:
                form.errors["scale_max"] = SCALE_ORDER
            elif high - low >= MAX_LEVELS:
                form.errors["scale_max"] = SCALE_TOO_LONG
    criteria, rows = [], []
    levels = form.levels
    for row in form.rows:
        if row.blank:
            continue
        if not row.name.strip():
            form.errors[row.key("name")] = NAME_MISSING
        weight = parse_weight(row.weight)
        if weight is None:
            form.errors[row.key("weight")] = WEIGHT_FORMAT
        elif weight <= 0:
            form.errors[row.key("weight")] = WEIGHT_ZERO
        texts = [row.descriptors.get(level, "") for level in levels]
        values: dict[str, Any] = {
            "name": row.name,
            "weight": weight if weight is not None and weight > 0 else Decimal(1),
            "descriptors": texts if any(text.strip() for text in texts) else None,
        }
        if editing and row.id:
            values["id"] = _int(row.id) or 0
        criteria.append(values)
        rows.append(row)
    if not criteria and form.rows:
        form.errors[form.rows[0].key("name")] = NO_CRITERIA
    return Parsed(criteria, rows)


def _place(form: RubricForm, parsed: Parsed, where: Sequence[Any], message: str) -> None:
    """Put a problem the body's ``where`` (``("criteria", 2, "name")``) names on its control."""
    parts = [str(part) for part in where]
    if parts and parts[0] in ("title", "scale_min", "scale_max", "scope", "description"):
        form.errors.setdefault(parts[0], message)
        return
    if len(parts) >= 3 and parts[0] == "criteria" and parts[1].isdigit():
        position = int(parts[1])
        if position < len(parsed.rows):
            row = parsed.rows[position]
            part = parts[2] if parts[2] in ("name", "weight") else "descriptors"
            form.errors.setdefault(row.key(part), message)
            return
    form.general.append(f"{'.'.join(parts)}: {message}" if parts else message)


def place_service_errors(form: RubricForm, parsed: Parsed, errors: Sequence[Any]) -> None:
    """The service's ``InvalidInput.errors`` (``{field, message}``) placed on the form."""
    for error in errors:
        where = str(error.get("field") or "").split(".") if isinstance(error, dict) else []
        message = str(error.get("message") if isinstance(error, dict) else error)
        _place(form, parsed, [part for part in where if part], message)


def _body(form: RubricForm, parsed: Parsed, model: Any, values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        for problem in invalid.errors():
            _place(form, parsed, problem["loc"], problem["msg"])
        return None


def create_body(form: RubricForm) -> tuple[RubricCreate | None, Parsed]:
    """The create body, or None when the form has problems (then on ``form.errors``)."""
    parsed = _check(form, editing=False)
    if form.errors or not _valid_criteria(form, parsed, CriterionIn):
        return None, parsed
    values = {
        "title": form.title,
        "description": form.description or None,
        "scope": form.scope,
        "scale_min": int(form.scale_min.strip()),
        "scale_max": int(form.scale_max.strip()),
        "criteria": parsed.criteria,
    }
    return _body(form, parsed, RubricCreate, values), parsed


def update_body(form: RubricForm) -> tuple[RubricUpdate | None, Parsed]:
    parsed = _check(form, editing=True)
    if form.errors or not _valid_criteria(form, parsed, CriterionUpdate):
        return None, parsed
    values = {
        "title": form.title,
        "description": form.description or None,
        "criteria": parsed.criteria,
    }
    return _body(form, parsed, RubricUpdate, values), parsed


def _valid_criteria(form: RubricForm, parsed: Parsed, model: Any) -> bool:
    """Each criterion checked on its own first, so a problem names its row."""
    fine = True
    for position, values in enumerate(parsed.criteria):
        try:
            model.model_validate(values)
        except ValidationError as invalid:
            fine = False
            for problem in invalid.errors():
                _place(form, parsed, ("criteria", position, *problem["loc"]), problem["msg"])
    return fine
