"""Rubrics and their criteria. Services take a Session and never commit; every write adds its
audit rows in the caller's transaction.

A rubric is edited freely until ``freeze_rubric`` (called by the assessments when one that uses
it leaves ``draft``); after that every edit is a 409 pointing at ``POST /rubrics/{id}/copy``.
Reading a rubric or a page of rubrics costs one statement for the criteria whatever their count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from teameval.access import Principal, RubricAction, visible
from teameval.access.rubrics import RUBRIC
from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics.schemas import (
    CriterionIn,
    CriterionOut,
    CriterionUpdate,
    RubricCreate,
    RubricOut,
    RubricUpdate,
    shape_errors,
)
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, InvalidInput, NotFound
from teameval.kit.normalise import normalise_name
from teameval.models import Rubric, RubricCriterion
from teameval.models.base import utcnow

COPY_SUFFIX = " (copy)"
MAX_TITLE = 200
MAX_FROZEN_REASON = 200
# The fields of a criterion a PATCH compares and sets.
CRITERION_FIELDS = ("name", "weight", "category", "descriptors", "position")


def _invalid(errors: list[dict[str, str]]) -> InvalidInput:
    fields = ", ".join(error["field"] for error in errors)
    return InvalidInput(f"Invalid rubric: {fields}.", errors=errors)


def _clean_title(title: str, field: str = "title") -> str:
    cleaned = normalise_name(title)
    if not cleaned:
        raise _invalid([{"field": field, "message": "must not be empty"}])
    return cleaned


def _clean_text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _clean_descriptors(texts: list[str] | None) -> list[str] | None:
    """Each text stripped; a list of only empty texts is no descriptors (as a CSV reads it)."""
    if texts is None:
        return None
    cleaned = [text.strip() for text in texts]
    return cleaned if any(cleaned) else None


def _criterion_values(criterion: CriterionIn, index: int) -> dict[str, Any]:
    name = normalise_name(criterion.name)
    if not name:
        raise _invalid([{"field": f"criteria.{index}.name", "message": "must not be empty"}])
    return {
        "name": name,
        "weight": criterion.weight,
        "category": _clean_text(criterion.category),
        "descriptors": _clean_descriptors(criterion.descriptors),
        "position": index,
    }


def _audit_criterion(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "weight": decimal_text(values["weight"])}


def create_rubric(session: Session, actor: Actor, body: RubricCreate) -> Rubric:
    """A new rubric made by ``actor`` (a command-line import leaves ``created_by_id`` NULL)."""
    problems = shape_errors(body.scale_min, body.scale_max, body.criteria)
    if problems:
        raise _invalid(problems)
    criteria = [_criterion_values(c, index) for index, c in enumerate(body.criteria)]
    rubric = Rubric(
        school_id=actor.school_id,
        title=_clean_title(body.title),
        description=_clean_text(body.description),
        scope=body.scope,
        scale_min=body.scale_min,
        scale_max=body.scale_max,
        created_by_id=actor.user_id,
    )
    session.add(rubric)
    session.flush()
    _insert_criteria(session, rubric, criteria)
    record(
        session,
        actor,
        "rubric.created",
        "rubric",
        rubric.id,
        {
            "title": rubric.title,
            "scope": rubric.scope,
            "scale_min": rubric.scale_min,
            "scale_max": rubric.scale_max,
            "criteria": [_audit_criterion(values) for values in criteria],
        },
    )
    return rubric


def _insert_criteria(session: Session, rubric: Rubric, rows: list[dict[str, Any]]) -> None:
    session.add_all(
        RubricCriterion(school_id=rubric.school_id, rubric_id=rubric.id, **values)
        for values in rows
    )
    session.flush()


def criteria_of(session: Session, rubric_ids: Sequence[int]) -> dict[int, list[RubricCriterion]]:
    """The criteria of each rubric in order, in one statement."""
    found: dict[int, list[RubricCriterion]] = defaultdict(list)
    if not rubric_ids:
        return found
    rows = session.scalars(
        select(RubricCriterion)
        .where(RubricCriterion.rubric_id.in_(rubric_ids))
        .order_by(RubricCriterion.rubric_id, RubricCriterion.position, RubricCriterion.id)
    )
    for criterion in rows:
        found[criterion.rubric_id].append(criterion)
    return found


def _out(rubric: Rubric, criteria: list[RubricCriterion]) -> RubricOut:
    return RubricOut(
        id=rubric.id,
        title=rubric.title,
        description=rubric.description,
        scope=rubric.scope,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
        frozen=rubric.frozen,
        frozen_at=rubric.frozen_at,
        copied_from_id=rubric.copied_from_id,
        criteria=[CriterionOut.model_validate(criterion) for criterion in criteria],
    )


def rubric_out(session: Session, rubric: Rubric) -> RubricOut:
    return _out(rubric, criteria_of(session, [rubric.id])[rubric.id])


def rubrics_out(session: Session, rubrics: Sequence[Rubric]) -> list[RubricOut]:
    criteria = criteria_of(session, [rubric.id for rubric in rubrics])
    return [_out(rubric, criteria[rubric.id]) for rubric in rubrics]


def rubric_list_query(
    principal: Principal, *, scope: str | None, search: str | None
) -> Select[Rubric]:
    """The rubrics the caller may see, filtered, by title then id."""
    query = visible(principal, RUBRIC, RubricAction.VIEW)
    if scope is not None:
        query = query.where(Rubric.scope == scope)
    if search and search.strip():
        needle = search.strip().lower()
        query = query.where(func.lower(Rubric.title).contains(needle, autoescape=True))
    return query.order_by(Rubric.title, Rubric.id)


def frozen_conflict(rubric: Rubric) -> Conflict:
    return Conflict(
        f"Rubric {rubric.id} is frozen ({rubric.frozen_reason}) and cannot be edited: "
        f"results point at it as it is. Duplicate it with POST /rubrics/{rubric.id}/copy and "
        "edit the copy.",
        rubric_id=rubric.id,
        copy=f"/api/v1/rubrics/{rubric.id}/copy",
    )


def lock_rubric(session: Session, rubric: Rubric) -> None:
    """Re-read the rubric under a row lock (PostgreSQL ``FOR NO KEY UPDATE``): edits, freezes
    and If-Match comparisons of one rubric then run one after another."""
    session.refresh(rubric, with_for_update={"key_share": True})


def update_rubric(session: Session, actor: Actor, rubric: Rubric, body: RubricUpdate) -> Rubric:
    """Change the fields sent; ``criteria`` replaces the list (ids update, no id creates,
    missing ones are removed). The rubric is re-read under a row lock, so an edit and a freeze
    never interleave: whichever comes second sees the other."""
    lock_rubric(session, rubric)
    if rubric.frozen:
        raise frozen_conflict(rubric)
    sent = body.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if "title" in sent:
        if body.title is None:
            raise _invalid([{"field": "title", "message": "cannot be null"}])
        title = _clean_title(body.title)
        if title != rubric.title:
            changes["title"] = [rubric.title, title]
            rubric.title = title
    if "description" in sent:
        description = _clean_text(body.description)
        if description != rubric.description:
            changes["description"] = [rubric.description, description]
            rubric.description = description
    if "criteria" in sent:
        if body.criteria is None:
            raise _invalid([{"field": "criteria", "message": "cannot be null"}])
        criteria_changes = _replace_criteria(session, rubric, body.criteria)
        if criteria_changes:
            changes["criteria"] = criteria_changes
    if changes:
        rubric.updated_at = utcnow()
        session.flush()
        record(session, actor, "rubric.updated", "rubric", rubric.id, changes)
    return rubric


def _replace_criteria(
    session: Session, rubric: Rubric, wanted: list[CriterionUpdate]
) -> dict[str, Any]:
    problems = shape_errors(rubric.scale_min, rubric.scale_max, wanted)
    existing = {c.id: c for c in criteria_of(session, [rubric.id])[rubric.id]}
    seen: set[int] = set()
    for index, criterion in enumerate(wanted):
        if criterion.id is None:
            continue
        if criterion.id not in existing:
            problems.append(
                {
                    "field": f"criteria.{index}.id",
                    "message": f"{criterion.id} is not a criterion of rubric {rubric.id}",
                }
            )
        elif criterion.id in seen:
            problems.append(
                {"field": f"criteria.{index}.id", "message": f"{criterion.id} is listed twice"}
            )
        seen.add(criterion.id)
    if problems:
        raise _invalid(problems)
    values = [_criterion_values(criterion, index) for index, criterion in enumerate(wanted)]
    removed = [existing[id_] for id_ in existing if id_ not in seen]
    if removed:
        session.execute(
            delete(RubricCriterion).where(RubricCriterion.id.in_([c.id for c in removed])),
            execution_options={"synchronize_session": False},
        )
        for gone in removed:
            session.expunge(gone)
    changed: dict[str, Any] = {}
    added: list[dict[str, Any]] = []
    for criterion, new in zip(wanted, values, strict=True):
        if criterion.id is None:
            added.append(new)
            continue
        row = existing[criterion.id]
        diff = {
            field: [getattr(row, field), new[field]]
            for field in CRITERION_FIELDS
            if getattr(row, field) != new[field]
        }
        for field, (_old, value) in diff.items():
            setattr(row, field, value)
        if diff:
            if "weight" in diff:
                diff["weight"] = [decimal_text(weight) for weight in diff["weight"]]
            changed[str(row.id)] = diff
    session.flush()
    _insert_criteria(session, rubric, added)
    result: dict[str, Any] = {}
    if added:
        result["added"] = [_audit_criterion(values) for values in added]
    if removed:
        result["removed"] = [{"id": c.id, "name": c.name} for c in removed]
    if changed:
        result["changed"] = changed
    return result


def copy_title(title: str) -> str:
    return title[: MAX_TITLE - len(COPY_SUFFIX)] + COPY_SUFFIX


def copy_rubric(session: Session, actor: Actor, source: Rubric) -> Rubric:
    """A new, unfrozen rubric with the same scale and criteria, made (and owned) by ``actor``."""
    copy = Rubric(
        school_id=source.school_id,
        title=copy_title(source.title),
        description=source.description,
        scope=source.scope,
        scale_min=source.scale_min,
        scale_max=source.scale_max,
        created_by_id=actor.user_id,
        copied_from_id=source.id,
    )
    session.add(copy)
    session.flush()
    _insert_criteria(
        session,
        copy,
        [
            {field: getattr(criterion, field) for field in CRITERION_FIELDS}
            for criterion in criteria_of(session, [source.id])[source.id]
        ],
    )
    record(
        session,
        actor,
        "rubric.copied",
        "rubric",
        copy.id,
        {"copied_from_id": source.id, "title": copy.title},
    )
    return copy


def freeze_rubric(session: Session, actor: Actor, rubric: Rubric, reason: str) -> bool:
    """Freeze the rubric for good (an assessment using it left ``draft``); whether this call
    froze it. Conditional on ``frozen_at IS NULL``, so of racing freezes one records it."""
    reason = reason.strip()[:MAX_FROZEN_REASON] or "in use"
    frozen = session.execute(
        update(Rubric)
        .where(Rubric.id == rubric.id, Rubric.frozen_at.is_(None))
        .values(frozen_at=utcnow(), frozen_reason=reason, updated_at=utcnow())
        .returning(Rubric.id),
        execution_options={"synchronize_session": False},
    ).first()
    session.refresh(rubric)
    if frozen is None:
        return False
    record(session, actor, "rubric.frozen", "rubric", rubric.id, {"reason": reason})
    return True


def rubric_in_school(session: Session, school_id: int, rubric_id: int) -> Rubric:
    """For the command line (which acts for a whole school): the school's rubric, else 404."""
    rubric = session.scalar(
        select(Rubric).where(Rubric.id == rubric_id, Rubric.school_id == school_id)
    )
    if rubric is None:
        raise NotFound(f"Rubric {rubric_id} does not exist in this school.")
    return rubric
