"""Rubric CSV files, row by row: which header is which field, in our CSV and the seed
platform's, and the rows of one rubric turned into a create body with errors naming line and
column. Decoding, delimiters and the formula escape are the kit's (``kit.csv_files``).

Our CSV: ``title, description, scope, scale_min, scale_max, criterion, weight, category,
level1 … levelN``. The seed platform's: ``scope, target_level, rubric_title,
rubric_description, scale_min, scale_max, criterion_name, category, weight, level1 … level5,
learning_objectives``. Both: one row per criterion, several rubrics per file grouped by title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from teameval.assessments.rubrics.schemas import RubricCreate, shape_errors
from teameval.kit.csv_files import unneutralise, unusable

# Our columns, and the seed platform's names for the same fields.
OURS = (
    "title",
    "description",
    "scope",
    "scale_min",
    "scale_max",
    "criterion",
    "weight",
    "category",
)
SEED_NAMES = {
    "rubric_title": "title",
    "rubric_description": "description",
    "criterion_name": "criterion",
}
# Seed columns teameval has no field for: read, reported once as not kept.
SEED_DROPPED = ("target_level", "learning_objectives")
LEVEL = re.compile(r"^level(\d+)$")
RUBRIC_FIELDS = ("description", "scope", "scale_min", "scale_max")


def header_key(header: str) -> str:
    return re.sub(r"[\s\-.]+", "_", header.strip().lstrip("\ufeff").lower())


@dataclass(frozen=True)
class Layout:
    """Which column holds which field: ``fields`` by our names, ``levels`` in level order."""

    kind: str  # "csv" (ours) or "seed-csv"
    fields: dict[str, int]
    levels: list[tuple[str, int]]  # (header as in the file, index)
    dropped: dict[str, int]
    headers: list[str]

    def column(self, name: str) -> str:
        """The file's own header for one of our field names (what an error names)."""
        if name in self.fields:
            return self.headers[self.fields[name]].strip()
        return name


def layout_of(headers: list[str]) -> Layout:
    keys = [header_key(header) for header in headers]
    kind = "seed-csv" if "rubric_title" in keys and "criterion_name" in keys else "csv"
    if kind == "csv" and not ("title" in keys and "criterion" in keys):
        found = ", ".join(repr(h.strip()) for h in headers if h.strip()) or "nothing"
        raise unusable(
            "The header line (line 1) is not a rubric file's: ours has title, scope, scale_min, "
            "scale_max, criterion, weight, category, level1…; the seed platform's has "
            f"rubric_title and criterion_name. Found: {found}.",
            line=1,
        )
    fields: dict[str, int] = {}
    levels: list[tuple[int, str, int]] = []
    dropped: dict[str, int] = {}
    for index, key in enumerate(keys):
        name = SEED_NAMES.get(key, key) if kind == "seed-csv" else key
        level = LEVEL.match(key)
        if level:
            levels.append((int(level.group(1)), headers[index].strip(), index))
        elif kind == "seed-csv" and key in SEED_DROPPED:
            dropped[key] = index
        elif name in OURS:
            if name in fields:
                raise unusable(f"Column {headers[index].strip()!r} appears twice.", line=1)
            fields[name] = index
    numbers = sorted(number for number, _header, _index in levels)
    if numbers != list(range(1, len(numbers) + 1)):
        raise unusable("The level columns must be level1, level2, … without gaps.", line=1)
    ordered = [(header, index) for _number, header, index in sorted(levels)]
    return Layout(kind=kind, fields=fields, levels=ordered, dropped=dropped, headers=headers)


@dataclass(frozen=True)
class Row:
    line: int
    cells: list[str]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return unneutralise(self.cells[index].strip())


@dataclass
class RubricRows:
    """The rows of one rubric (same title), in file order."""

    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def lines(self) -> list[int]:
        return [row.line for row in self.rows]


def group_by_title(
    layout: Layout, rows: list[Row]
) -> tuple[list[RubricRows], list[dict[str, Any]]]:
    groups: dict[str, RubricRows] = {}
    errors: list[dict[str, Any]] = []
    for row in rows:
        title = row.get(layout.fields.get("title"))
        if not title:
            errors.append(_error(row.line, layout.column("title"), "is empty", None))
            continue
        groups.setdefault(title, RubricRows(title)).rows.append(row)
    return list(groups.values()), errors


def _error(line: int | None, column: str | None, message: str, title: str | None) -> dict[str, Any]:
    return {"line": line, "column": column, "message": message, "rubric": title}


def _integer(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?\d{1,6}", text) else None


def _weight(text: str) -> Decimal | str | None:
    """A weight cell: empty is the default (1); a Dutch decimal comma is read as a point."""
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # the body's check names it


def rubric_body(
    layout: Layout, group: RubricRows
) -> tuple[RubricCreate | None, list[dict[str, Any]]]:
    """The create body of one rubric's rows, or the errors, each naming line and column."""
    errors: list[dict[str, Any]] = []
    first = group.rows[0]

    def fail(line: int, name: str, message: str) -> None:
        errors.append(_error(line, layout.column(name), message, group.title))

    values: dict[str, str] = {name: first.get(layout.fields.get(name)) for name in RUBRIC_FIELDS}
    for row in group.rows[1:]:
        for name in RUBRIC_FIELDS:
            cell = row.get(layout.fields.get(name))
            if cell and cell != values[name]:
                fail(row.line, name, f"is {cell!r} but line {first.line} says {values[name]!r}")
    scale: dict[str, int] = {}
    for name in ("scale_min", "scale_max"):
        number = _integer(values[name])
        if number is None:
            fail(first.line, name, f"must be a whole number (found {values[name]!r})")
        else:
            scale[name] = number
    criteria = [_criterion(layout, row, scale, fail) for row in group.rows]
    if errors:
        return None, errors
    body: dict[str, Any] = {
        "title": group.title,
        "description": values["description"] or None,
        "scope": values["scope"].lower(),
        **scale,
        "criteria": criteria,
    }
    try:
        parsed = RubricCreate.model_validate(body)
    except ValidationError as error:
        for item in error.errors():
            line, name = _where(item["loc"], group, first)
            fail(line, name, item["msg"])
        return None, errors
    for problem in shape_errors(parsed.scale_min, parsed.scale_max, parsed.criteria):
        line, name = _where(tuple(problem["field"].split(".")), group, first)
        fail(line, name, problem["message"])
    return (None, errors) if errors else (parsed, [])


def _criterion(
    layout: Layout, row: Row, scale: dict[str, int], fail: Callable[[int, str, str], None]
) -> dict[str, Any]:
    texts = [row.get(index) for _header, index in layout.levels]
    levels = scale["scale_max"] - scale["scale_min"] + 1 if len(scale) == 2 else len(texts)
    for position, (header, _index) in enumerate(layout.levels):
        if position >= levels and texts[position]:
            fail(row.line, header, f"the scale has only {levels} levels")
    used = texts[:levels]
    criterion: dict[str, Any] = {
        "name": row.get(layout.fields.get("criterion")),
        "category": row.get(layout.fields.get("category")) or None,
        "descriptors": used if any(used) else None,
    }
    weight = _weight(row.get(layout.fields.get("weight")))
    if weight is not None:
        criterion["weight"] = weight
    return criterion


# Body fields in a validation error's location → the file's column.
_FIELD_COLUMN = {"name": "criterion", "title": "title"}


def _where(loc: tuple[Any, ...], group: RubricRows, first: Row) -> tuple[int, str]:
    if len(loc) >= 2 and loc[0] == "criteria" and str(loc[1]).isdigit():
        index = int(loc[1])
        row = group.rows[index] if index < len(group.rows) else first
        name = str(loc[2]) if len(loc) > 2 else "criterion"
        if name == "descriptors":
            name = "level1"
        return row.line, _FIELD_COLUMN.get(name, name)
    name = str(loc[0]) if loc else "title"
    if name == "criteria":
        name = "criterion"
    return first.line, _FIELD_COLUMN.get(name, name)
