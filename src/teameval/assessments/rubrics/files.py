"""Rubrics as files, so teachers can share them and a school moving over brings its own:
import (our JSON, our CSV, the seed platform's CSV, told apart by their first bytes and header)
and export (our JSON: the create body; our CSV).

``import_rubrics`` is a preview by default: it reports what would be created and every error
by line and column (JSON: by item and field). With ``commit`` it writes every rubric, or, when
anything has an error, nothing. The API route and ``teameval rubrics import`` both call it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session

from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics import service as rubrics
from teameval.assessments.rubrics.file_rows import (
    SEED_DROPPED,
    Row,
    group_by_title,
    layout_of,
    rubric_body,
)
from teameval.assessments.rubrics.schemas import RubricCreate, shape_errors
from teameval.audit_trail import Actor
from teameval.kit.csv_files import (
    DELIMITER_NAMES,
    decode,
    detect_delimiter,
    records,
    too_large,
    unusable,
    write_csv,
)
from teameval.models import Rubric, RubricCriterion

Mode = Literal["preview", "commit"]
Format = Literal["json", "csv"]


@dataclass
class ImportReport:
    mode: Mode
    format: str  # "json", "csv" (ours) or "seed-csv"
    encoding: str
    delimiter: str | None
    rubrics: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "committed": self.committed,
            "rubrics": self.rubrics,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Parsed:
    body: RubricCreate
    lines: list[int]  # the CSV lines it came from; JSON: empty


def import_rubrics(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    max_bytes: int,
    max_rows: int,
    commit: bool = False,
) -> ImportReport:
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    text, encoding = decode(data)
    if not text.strip():
        raise unusable("The file is empty.")
    mode: Mode = "commit" if commit else "preview"
    if text.lstrip()[:1] in ("{", "["):
        report = ImportReport(mode=mode, format="json", encoding=encoding, delimiter=None)
        parsed = _from_json(text, report, max_rows)
    else:
        delimiter = detect_delimiter(text)
        report = ImportReport(
            mode=mode, format="csv", encoding=encoding, delimiter=DELIMITER_NAMES[delimiter]
        )
        parsed = _from_csv(text, delimiter, report, max_rows)
    report.rubrics = [_summary(item) for item in parsed]
    if commit and not report.errors:
        for item, summary in zip(parsed, report.rubrics, strict=True):
            summary["id"] = rubrics.create_rubric(session, actor, item.body).id
        report.committed = True
    return report


def _summary(item: Parsed) -> dict[str, Any]:
    body = item.body
    return {
        "id": None,
        "title": body.title,
        "scope": body.scope,
        "scale_min": body.scale_min,
        "scale_max": body.scale_max,
        "criteria": [criterion.name for criterion in body.criteria],
        "lines": item.lines,
    }


def _from_json(text: str, report: ImportReport, max_rows: int) -> list[Parsed]:
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise unusable(f"The file is not valid JSON: {error.msg}.", line=error.lineno) from error
    items = document.get("rubrics") if isinstance(document, dict) else document
    if isinstance(document, dict) and items is None:
        items = [document]
    if not isinstance(items, list):
        raise unusable('The JSON must be a rubric, a list of rubrics or {"rubrics": [...]}.')
    if len(items) > max_rows:
        raise unusable(f"The file has more than {max_rows:,} rubrics.", limit_rows=max_rows)
    parsed: list[Parsed] = []
    for index, item in enumerate(items):
        title = item.get("title") if isinstance(item, dict) else None
        try:
            body = RubricCreate.model_validate(item)
        except ValidationError as error:
            report.errors += [
                _json_error(
                    index, ".".join(str(part) for part in problem["loc"]), problem["msg"], title
                )
                for problem in error.errors()
            ]
            continue
        problems = shape_errors(body.scale_min, body.scale_max, body.criteria)
        report.errors += [_json_error(index, p["field"], p["message"], title) for p in problems]
        if not problems:
            parsed.append(Parsed(body, []))
    return parsed


def _json_error(index: int, field_name: str, message: str, title: Any) -> dict[str, Any]:
    return {
        "item": index,
        "field": field_name or None,
        "message": message,
        "rubric": title if isinstance(title, str) else None,
    }


def _from_csv(text: str, delimiter: str, report: ImportReport, max_rows: int) -> list[Parsed]:
    reader = records(text, delimiter)
    try:
        _, headers = next(reader)
        layout = layout_of(headers)
        rows: list[Row] = []
        for line, cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == max_rows:
                raise unusable(
                    f"The file has more than {max_rows:,} rows; the limit is {max_rows:,} "
                    "(TEAMEVAL_IMPORT_MAX_ROWS).",
                    limit_rows=max_rows,
                )
            rows.append(Row(line, cells))
    except csv.Error as error:
        raise unusable(f"The file is not valid CSV: {error}.") from error
    report.format = layout.kind
    dropped = [
        name for name in SEED_DROPPED if any(row.get(layout.dropped.get(name)) for row in rows)
    ]
    if dropped:
        report.warnings.append(
            f"Not kept (teameval rubrics have no such field): {', '.join(dropped)}."
        )
    groups, errors = group_by_title(layout, rows)
    report.errors += errors
    parsed: list[Parsed] = []
    for group in groups:
        body, problems = rubric_body(layout, group)
        report.errors += problems
        if body is not None:
            parsed.append(Parsed(body, group.lines))
    return parsed


# --- export ---------------------------------------------------------------------------------


def _criteria(session: Session, rubric: Rubric) -> list[RubricCriterion]:
    return rubrics.criteria_of(session, [rubric.id])[rubric.id]


def rubric_document(session: Session, rubric: Rubric) -> dict[str, Any]:
    """The rubric as the create body (``POST /rubrics`` takes it back unchanged)."""
    return {
        "title": rubric.title,
        "description": rubric.description,
        "scope": rubric.scope,
        "scale_min": rubric.scale_min,
        "scale_max": rubric.scale_max,
        "criteria": [
            {
                "name": criterion.name,
                "weight": decimal_text(criterion.weight),
                "category": criterion.category,
                "descriptors": criterion.descriptors,
            }
            for criterion in _criteria(session, rubric)
        ],
    }


def export_rubric(session: Session, rubric: Rubric, file_format: Format) -> bytes:
    if file_format == "json":
        document = rubric_document(session, rubric)
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    levels = [f"level{number}" for number in range(1, rubric.levels + 1)]
    header = ["title", "description", "scope", "scale_min", "scale_max"]
    header += ["criterion", "weight", "category", *levels]
    rows = [
        [
            rubric.title,
            rubric.description or "",
            rubric.scope,
            str(rubric.scale_min),
            str(rubric.scale_max),
            criterion.name,
            decimal_text(criterion.weight),
            criterion.category or "",
            *(criterion.descriptors or [""] * rubric.levels),
        ]
        for criterion in _criteria(session, rubric)
    ]
    return write_csv(header, rows)


def export_filename(rubric: Rubric, file_format: Format) -> str:
    return f"rubric-{rubric.id}.{file_format}"
