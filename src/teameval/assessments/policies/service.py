"""Stored grade policies and the one resolver every grade goes through.

``effective_policy``: an assessment's override (field by field) over the course's policy, over
the school's default, over the built-in defaults of ``assessments.grading``. A stored policy is
whole: the course's replaces the school's entirely. The assessments freeze the policy they got
into each published result, so changing a stored policy later changes no published grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.assessments.grading import GradePolicy, exact
from teameval.assessments.policies.schemas import GradePolicyIn, GradePolicyOut
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, InvalidInput
from teameval.models import Course, GradePolicyRow, School

OVERRIDABLE = ("pass_level", "pass_grade", "decimals")


def policy_of(row: GradePolicyRow) -> GradePolicy:
    return GradePolicy(
        pass_level=None if row.pass_level is None else exact(row.pass_level),
        pass_grade=row.pass_grade,
        min_grade=row.min_grade,
        max_grade=row.max_grade,
        decimals=row.decimals,
    )


def _policy_of_body(body: GradePolicyIn) -> GradePolicy:
    """The body as a policy: checks min < pass < max (the fields' own checks already ran)."""
    return GradePolicy(
        pass_level=None if body.pass_level is None else exact(body.pass_level),
        pass_grade=body.pass_grade,
        min_grade=body.min_grade,
        max_grade=body.max_grade,
        decimals=body.decimals,
    )


def _school_row(session: Session, school_id: int) -> GradePolicyRow | None:
    return session.scalar(
        select(GradePolicyRow).where(
            GradePolicyRow.school_id == school_id, GradePolicyRow.course_id.is_(None)
        )
    )


def _course_row(session: Session, course: Course) -> GradePolicyRow | None:
    return session.scalar(
        select(GradePolicyRow).where(
            GradePolicyRow.school_id == course.school_id, GradePolicyRow.course_id == course.id
        )
    )


def _stored(session: Session, school_id: int, course_id: int | None) -> list[GradePolicyRow]:
    """The school's default and, when asked, the course's override, in one statement."""
    query = select(GradePolicyRow).where(GradePolicyRow.school_id == school_id)
    if course_id is None:
        query = query.where(GradePolicyRow.course_id.is_(None))
    else:
        query = query.where(
            (GradePolicyRow.course_id.is_(None)) | (GradePolicyRow.course_id == course_id)
        )
    return list(session.scalars(query))


def _layered(
    session: Session, school_id: int, course_id: int | None
) -> tuple[GradePolicy, str, GradePolicyRow | None]:
    rows = _stored(session, school_id, course_id)
    course_row = next((row for row in rows if row.course_id is not None), None)
    school_row = next((row for row in rows if row.course_id is None), None)
    if course_row is not None:
        return policy_of(course_row), "course", course_row
    if school_row is not None:
        return policy_of(school_row), "school", school_row
    return GradePolicy(), "default", None


def effective_policy(
    session: Session,
    school_id: int,
    course_id: int | None,
    assessment_override: Mapping[str, Any] | None = None,
) -> GradePolicy:
    """The policy an assessment of ``course_id`` grades with: its own override (only the keys
    given and not None: pass_level, pass_grade, decimals) > the course's > the school's > the
    built-in defaults. Raises ``InvalidInput`` naming the field when the override is invalid
    (the pass level is checked against a rubric's scale by ``GradePolicy.level``)."""
    policy, _source, _row = _layered(session, school_id, course_id)
    if not assessment_override:
        return policy
    unknown = sorted(set(assessment_override) - set(OVERRIDABLE))
    if unknown:
        raise InvalidInput(
            f"An assessment may override only {', '.join(OVERRIDABLE)}.",
            errors=[{"field": f"grade_policy.{name}", "message": "unknown"} for name in unknown],
        )
    merged = {**policy.to_dict()}
    merged.update({k: v for k, v in assessment_override.items() if v is not None})
    try:
        return GradePolicy.from_dict(merged)
    except InvalidInput as error:
        errors = [
            {**item, "field": f"grade_policy.{item['field']}"}
            for item in error.extensions.get("errors", [])
        ]
        raise InvalidInput(error.detail, errors=errors) from error


def _out(policy: GradePolicy, source: str, course_id: int | None) -> GradePolicyOut:
    return GradePolicyOut(source=source, course_id=course_id, **policy.to_dict())


def school_policy_out(session: Session, school_id: int) -> GradePolicyOut:
    policy, source, _row = _layered(session, school_id, None)
    return _out(policy, source, None)


def course_policy_out(session: Session, course: Course) -> GradePolicyOut:
    """What an assessment of the course would grade with (before its own override)."""
    policy, source, _row = _layered(session, course.school_id, course.id)
    return _out(policy, source, course.id)


def _values(policy: GradePolicy) -> dict[str, Any]:
    return {
        "pass_level": None if policy.pass_level is None else _level_decimal(policy),
        "pass_grade": policy.pass_grade,
        "min_grade": policy.min_grade,
        "max_grade": policy.max_grade,
        "decimals": policy.decimals,
    }


def _level_decimal(policy: GradePolicy) -> Decimal:
    # Stored levels come from bodies with at most 3 decimals, so this division is exact.
    assert policy.pass_level is not None
    return Decimal(policy.pass_level.numerator) / Decimal(policy.pass_level.denominator)


def _save(
    session: Session,
    actor: Actor,
    row: GradePolicyRow | None,
    policy: GradePolicy,
    course_id: int | None,
) -> None:
    """Insert or change the row; audited with the old and new policy when anything changed.

    Callers lock the owner's row first (``_lock``); should two inserts still meet, the partial
    unique index lets one win and the other gets a 409 (its PUT can simply be sent again)."""
    before = None if row is None else policy_of(row).to_dict()
    after = policy.to_dict()
    if before == after:
        return
    try:
        with session.begin_nested():
            if row is None:
                row = GradePolicyRow(school_id=actor.school_id, course_id=course_id)
                session.add(row)
            for name, value in _values(policy).items():
                setattr(row, name, value)
            session.flush()
    except IntegrityError as error:
        raise Conflict("The grade policy was changed at the same time; send it again.") from error
    entity = "course" if course_id is not None else "school"
    record(
        session,
        actor,
        f"grade_policy.{entity}.set",
        "grade_policy",
        row.id,
        {"course_id": course_id, "before": before, "after": after},
    )


def _lock(session: Session, owner: type[School] | type[Course], owner_id: int) -> None:
    """Serialise writes of one school's (or course's) policy on its owner's row, so two first
    PUTs do not both insert: the second waits, then sees the first's row and updates it."""
    session.execute(
        select(owner.id).where(owner.id == owner_id).with_for_update(key_share=True)
    ).all()


def set_school_policy(session: Session, actor: Actor, body: GradePolicyIn) -> GradePolicyOut:
    policy = _policy_of_body(body)
    _lock(session, School, actor.school_id)
    _save(session, actor, _school_row(session, actor.school_id), policy, None)
    return _out(policy, "school", None)


def set_course_policy(
    session: Session, actor: Actor, course: Course, body: GradePolicyIn
) -> GradePolicyOut:
    policy = _policy_of_body(body)
    _lock(session, Course, course.id)
    _save(session, actor, _course_row(session, course), policy, course.id)
    return _out(policy, "course", course.id)


def remove_course_policy(session: Session, actor: Actor, course: Course) -> None:
    """Back to the school's default; a course without an override is left as it is."""
    _lock(session, Course, course.id)
    row = _course_row(session, course)
    if row is None:
        return
    before = policy_of(row).to_dict()
    session.delete(row)
    session.flush()
    record(
        session,
        actor,
        "grade_policy.course.removed",
        "grade_policy",
        row.id,
        {"course_id": course.id, "before": before},
    )
