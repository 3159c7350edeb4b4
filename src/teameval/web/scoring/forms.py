"""The scoring form of one team: what it shows (the stored sheet, or what was posted), turning a
post into the sheet service's body, and placing each problem on its control.

Controls: ``revision`` (the sheet version the page was rendered with), per criterion ``c``
``score-c`` (a level; empty: not scored) and ``note-c`` (a comment on that score), ``comment``
(on the team), and per member ``s`` and criterion ``c`` ``override-s-c`` (a level; empty: the
team's score) with ``reason-s-c``. Controls of criteria or members the sheet does not have are
ignored: the sheet service saves whole sheets of this team version only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from teameval.assessments.sheets.schemas import MAX_SCORE, SheetIn, SheetOut


def N_(message: str) -> str:
    return message


LEVEL_UNKNOWN = N_("Choose one of the levels.")
REASON_MISSING = N_("Give a reason for this override.")
LEVEL_MISSING = N_("Choose the level of this override, or clear the reason.")
_NUMBER = re.compile(r"\d{1,4}", re.ASCII)

Pair = tuple[int, int]  # (student id, criterion id)


@dataclass
class ScoreForm:
    revision: str = ""
    scores: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    comment: str = ""
    overrides: dict[Pair, str] = field(default_factory=dict)
    reasons: dict[Pair, str] = field(default_factory=dict)
    # control name → message (the form's own are English sources, translated when shown;
    # the service's are its English texts)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def has_overrides(self) -> bool:
        return any(self.overrides.values()) or any(v.strip() for v in self.reasons.values())


def score_control(criterion_id: int) -> str:
    return f"score-{criterion_id}"


def override_control(student_id: int, criterion_id: int) -> str:
    return f"override-{student_id}-{criterion_id}"


def reason_control(student_id: int, criterion_id: int) -> str:
    return f"reason-{student_id}-{criterion_id}"


def form_of_sheet(sheet: SheetOut) -> ScoreForm:
    return ScoreForm(
        revision=str(sheet.sheet_version),
        scores={row.criterion_id: str(row.score) for row in sheet.scores},
        notes={row.criterion_id: row.comment or "" for row in sheet.scores},
        comment=sheet.comment or "",
        overrides={(o.student_id, o.criterion_id): str(o.score) for o in sheet.overrides},
        reasons={(o.student_id, o.criterion_id): o.reason for o in sheet.overrides},
    )


def _text(posted: Mapping[str, Any], name: str, limit: int = 20_000) -> str:
    value = posted.get(name)
    return value[:limit] if isinstance(value, str) else ""


def read_form(
    posted: Mapping[str, Any], criteria: Sequence[int], members: Sequence[int]
) -> ScoreForm:
    form = ScoreForm(
        revision=_text(posted, "revision", 20).strip(), comment=_text(posted, "comment")
    )
    for criterion_id in criteria:
        form.scores[criterion_id] = _text(posted, score_control(criterion_id), 20).strip()
        form.notes[criterion_id] = _text(posted, f"note-{criterion_id}")
        for student_id in members:
            pair = (student_id, criterion_id)
            form.overrides[pair] = _text(posted, override_control(*pair), 20).strip()
            form.reasons[pair] = _text(posted, reason_control(*pair))
    return form


def revision_of(form: ScoreForm) -> int | None:
    return int(form.revision) if _NUMBER.fullmatch(form.revision) else None


def _level(text: str) -> int | None:
    return int(text) if _NUMBER.fullmatch(text) and int(text) <= MAX_SCORE else None


@dataclass
class Built:
    """The body, and the control each of its rows came from (to place the service's errors)."""

    body: SheetIn | None
    score_controls: list[str]
    override_controls: list[Pair]


def sheet_body(form: ScoreForm, scale: tuple[int, int]) -> Built:
    """The whole sheet as the form says it; None (and ``form.errors``) when it cannot be one.
    A level outside ``scale`` is refused here, in the page's language (the service would say
    the same in English)."""
    low, high = scale
    scores, score_controls = [], []
    for criterion_id, typed in form.scores.items():
        if not typed:
            continue
        level = _level(typed)
        if level is None or not low <= level <= high:
            form.errors[score_control(criterion_id)] = LEVEL_UNKNOWN
            continue
        note = form.notes.get(criterion_id, "")
        scores.append({"criterion_id": criterion_id, "score": level, "comment": note or None})
        score_controls.append(score_control(criterion_id))
    overrides, pairs = [], []
    for pair, typed in form.overrides.items():
        reason = form.reasons.get(pair, "")
        if not typed:
            if reason.strip():
                form.errors[override_control(*pair)] = LEVEL_MISSING
            continue
        level = _level(typed)
        if level is None or not low <= level <= high:
            form.errors[override_control(*pair)] = LEVEL_UNKNOWN
        elif not reason.strip():
            form.errors[reason_control(*pair)] = REASON_MISSING
        else:
            student_id, criterion_id = pair
            overrides.append(
                {
                    "student_id": student_id,
                    "criterion_id": criterion_id,
                    "score": level,
                    "reason": reason,
                }
            )
            pairs.append(pair)
    built = Built(None, score_controls, pairs)
    if form.errors:
        return built
    try:
        built.body = SheetIn.model_validate(
            {"scores": scores, "overrides": overrides, "comment": form.comment or None}
        )
    except ValidationError as invalid:
        for problem in invalid.errors():
            place(form, built, ".".join(str(part) for part in problem["loc"]), problem["msg"])
    return built


def place(form: ScoreForm, built: Built, where: str, message: str) -> None:
    """A problem the body's field ``where`` (``scores.1.score``) names, on its control."""
    parts = where.split(".")
    if parts[0] == "comment":
        form.errors.setdefault("comment", message)
        return
    if len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        if parts[0] == "scores" and index < len(built.score_controls):
            control = built.score_controls[index]
            if len(parts) > 2 and parts[2] == "comment":
                control = control.replace("score-", "note-", 1)
            form.errors.setdefault(control, message)
            return
        if parts[0] == "overrides" and index < len(built.override_controls):
            pair = built.override_controls[index]
            reason = len(parts) > 2 and parts[2] == "reason"
            form.errors.setdefault(
                reason_control(*pair) if reason else override_control(*pair), message
            )
            return
    form.general.append(f"{where}: {message}")


def place_service_errors(form: ScoreForm, built: Built, errors: Sequence[Any]) -> None:
    for error in errors:
        if isinstance(error, dict):
            place(form, built, str(error.get("field") or ""), str(error.get("message")))
