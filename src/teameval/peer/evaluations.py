"""Peer evaluations: create, change (the correction setting until publication, the other
settings while draft; the status machine, whose steps are in ``teameval.peer.transitions``),
list, read.

``draft → open → closed → published``, and ``closed → open`` to reopen before publication.
Opening freezes the rubric, links the project's current team versions and locks them
(``LockReason.PEER_EVALUATION``, the evaluation's id as reference): a team change afterwards
makes a new version, which this evaluation does not link, so every rating stays with the
version its rater was given it in. Reopening links nothing new. Publishing needs ``closed``
and, with a linked assessment, that assessment ``published`` (so G is the grade the students
were given, not a sheet still changing); it writes one ``peer_results`` row per student.
``published`` is final: results are never updated.

Services never commit; every write adds its audit rows: ``peer_evaluation.create``,
``.update`` (``{field: [old, new]}``), ``.status`` (``{from, to}``; publishing adds
``results``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from teameval.access import PEER_EVALUATION, PeerEvaluationAction, Principal, visible
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, InvalidInput
from teameval.models import (
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerStatus,
    Project,
    ProjectAssessment,
    ProjectStatus,
    Rubric,
    RubricScope,
)
from teameval.peer import compute
from teameval.peer.schemas import PeerEvaluationCreate, PeerEvaluationUpdate, ThresholdsIn
from teameval.peer.transitions import DRAFT, PUBLISHED, TRANSITIONS, transition

# Settings: what changes only while the evaluation is a draft.
SETTINGS = (
    "title",
    "rubric_id",
    "include_self",
    "opens_at",
    "closes_at",
    "model",
    "weighting",
    "non_submitter",
    "penalty",
    "assessment_id",
    "thresholds",
)
# What may change until publication (the other settings only while a draft): the correction
# setting, which the teacher chooses with the fairness preview in front of them, and the closing
# time, so a teacher who reopens an evaluation can give the students more time.
CORRECTION = ("model", "weighting", "non_submitter", "penalty", "assessment_id", "thresholds")
UNTIL_PUBLISHED = (*CORRECTION, "closes_at")
# A PATCH may leave these out but not set them to null.
_NOT_NULL: tuple[str, ...] = ("title", "rubric_id", "include_self", "model", "weighting")
_NOT_NULL += ("non_submitter", "penalty", "status")


def _invalid(field: str, message: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"field": field, "message": message}])


def _peer_rubric(session: Session, school_id: int, rubric_id: int) -> Rubric:
    """The school's ``peer`` rubric; otherwise a 422 naming ``rubric_id`` (another school's
    rubric reads like one that does not exist)."""
    rubric = session.scalar(
        select(Rubric).where(Rubric.id == rubric_id, Rubric.school_id == school_id)
    )
    if rubric is None:
        raise _invalid(
            "rubric_id", "no such rubric", f"Rubric {rubric_id} does not exist in this school."
        )
    if rubric.scope != RubricScope.PEER.value:
        raise _invalid(
            "rubric_id",
            f"has scope {rubric.scope}; a peer evaluation needs a peer rubric",
            f"Rubric {rubric_id} is a {rubric.scope} rubric; students rate each other on a "
            "peer rubric.",
        )
    return rubric


def _check_assessment(session: Session, project_id: int, assessment_id: int | None) -> None:
    """``assessment_id`` must be an assessment of this project (422 naming it otherwise)."""
    if assessment_id is None:
        return
    found = session.scalar(
        select(ProjectAssessment.id).where(
            ProjectAssessment.id == assessment_id, ProjectAssessment.project_id == project_id
        )
    )
    if found is None:
        raise _invalid(
            "assessment_id",
            "not an assessment of this project",
            f"Assessment {assessment_id} is not an assessment of project {project_id}.",
        )


def _check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise _invalid(
            "closes_at", "must be after opens_at", "The window must close after it opens."
        )


def _thresholds(body: ThresholdsIn | None) -> dict[str, Any] | None:
    """The thresholds as stored (exact strings), checked against each other (422)."""
    if body is None:
        return None
    stored = compute.stored_thresholds(body.model_dump(exclude_none=True))
    try:
        compute.thresholds_of(stored)
    except ValueError as error:
        raise _invalid("thresholds", str(error), f"Flag thresholds: {error}.") from error
    return stored or None


def create_evaluation(
    session: Session, actor: Actor, project: Project, body: PeerEvaluationCreate
) -> PeerEvaluation:
    """A new ``draft`` evaluation of ``project``; an archived project is read-only (409)."""
    if project.status == ProjectStatus.ARCHIVED.value:
        raise Conflict(f"Project {project.id} is archived; archived projects are read-only.")
    rubric = _peer_rubric(session, project.school_id, body.rubric_id)
    _check_assessment(session, project.id, body.assessment_id)
    _check_window(body.opens_at, body.closes_at)
    evaluation = PeerEvaluation(
        school_id=project.school_id,
        project_id=project.id,
        rubric_id=rubric.id,
        assessment_id=body.assessment_id,
        created_by_id=actor.user_id,
        title=body.title.strip(),
        include_self=body.include_self,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        status=DRAFT.value,
        model=body.model.value,
        weighting=body.weighting,
        non_submitter=body.non_submitter.value,
        penalty=body.penalty,
        thresholds=_thresholds(body.thresholds),
    )
    session.add(evaluation)
    session.flush()
    session.refresh(evaluation)
    record(
        session,
        actor,
        "peer_evaluation.create",
        "peer_evaluation",
        evaluation.id,
        {field: _audit_value(getattr(evaluation, field)) for field in SETTINGS},
    )
    return evaluation


def _audit_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if value is not None and not isinstance(value, bool | int | str | dict | list):
        return str(value)
    return value


def lock_evaluation(session: Session, evaluation: PeerEvaluation) -> None:
    """Re-read under a row lock (PostgreSQL): status changes run one after another, and a
    rating save (which reads it ``FOR SHARE``) waits for a close or publish to finish."""
    session.refresh(evaluation, with_for_update={"key_share": True})


def update_evaluation(
    session: Session, actor: Actor, evaluation: PeerEvaluation, body: PeerEvaluationUpdate
) -> PeerEvaluation:
    """Change the settings sent (the correction setting until publication, the others only while
    draft: 409 naming the fields and the status), then make the status
    transition asked for (409 naming ``from``, ``to``, ``allowed``). The same status: no-op."""
    lock_evaluation(session, evaluation)
    current = PeerStatus(evaluation.status)
    sent = body.model_dump(exclude_unset=True)
    for field in _NOT_NULL:
        if field in sent and sent[field] is None:
            raise _invalid(field, "null", f"{field} cannot be null.")
    target = PeerStatus(sent["status"]) if "status" in sent else current
    changes = _setting_changes(session, evaluation, body, sent, current)
    if target is not current and target not in TRANSITIONS[current]:
        allowed = [status.value for status in TRANSITIONS[current]]
        raise Conflict(
            f"Peer evaluation {evaluation.id} cannot go from {current.value} to "
            f"{target.value}; allowed from {current.value}: {', '.join(allowed) or 'nothing'}.",
            **{"from": current.value, "to": target.value, "allowed": allowed},
        )
    if changes:
        for field, (_old, new) in changes.items():
            setattr(evaluation, field, new)
        session.flush()
        audited = {
            field: [_audit_value(old), _audit_value(new)] for field, (old, new) in changes.items()
        }
        record(session, actor, "peer_evaluation.update", "peer_evaluation", evaluation.id, audited)
    if target is not current:
        transition(session, actor, evaluation, current, target)
    elif not changes:
        return evaluation
    session.refresh(evaluation)
    return evaluation


def _setting_changes(
    session: Session,
    evaluation: PeerEvaluation,
    body: PeerEvaluationUpdate,
    sent: dict[str, Any],
    current: PeerStatus,
) -> dict[str, tuple[Any, Any]]:
    wanted: dict[str, Any] = {}
    for field in SETTINGS:
        if field not in sent:
            continue
        value = getattr(body, field)
        if field == "title":
            value = value.strip()
        elif field == "thresholds":
            value = _thresholds(body.thresholds)
        elif hasattr(value, "value"):
            value = value.value
        wanted[field] = value
    changes = {
        field: (getattr(evaluation, field), value)
        for field, value in wanted.items()
        if getattr(evaluation, field) != value
    }
    if not changes:
        return {}
    fixed = sorted(
        field
        for field in changes
        if current is PUBLISHED or (current is not DRAFT and field not in UNTIL_PUBLISHED)
    )
    if fixed:
        when = (
            "nothing changes once it is published"
            if current is PUBLISHED
            else "they can only change while it is a draft (the correction setting and the "
            "closing time until it is published)"
        )
        raise Conflict(
            f"Peer evaluation {evaluation.id} is {current.value}; {', '.join(fixed)}: {when}.",
            fields=fixed,
            evaluation_status=current.value,
        )
    if "rubric_id" in changes:
        _peer_rubric(session, evaluation.school_id, wanted["rubric_id"])
    if "assessment_id" in changes:
        _check_assessment(session, evaluation.project_id, wanted["assessment_id"])
    _check_window(
        wanted.get("opens_at", evaluation.opens_at), wanted.get("closes_at", evaluation.closes_at)
    )
    return changes


def evaluation_list_query(principal: Principal, project: Project) -> Select[PeerEvaluation]:
    """The project's evaluations the caller may view, newest first."""
    return (
        visible(principal, PEER_EVALUATION, PeerEvaluationAction.VIEW)
        .where(PeerEvaluation.project_id == project.id)
        .order_by(PeerEvaluation.created_at.desc(), PeerEvaluation.id.desc())
    )


def linked_team_ids(session: Session, evaluation_ids: list[int]) -> dict[int, list[int]]:
    """The linked team versions of each evaluation, in one statement."""
    if not evaluation_ids:
        return {}
    found: dict[int, list[int]] = {evaluation_id: [] for evaluation_id in evaluation_ids}
    for evaluation_id, team_id in session.execute(
        select(PeerEvaluationTeam.evaluation_id, PeerEvaluationTeam.project_team_id)
        .where(PeerEvaluationTeam.evaluation_id.in_(evaluation_ids))
        .order_by(PeerEvaluationTeam.project_team_id)
    ):
        found[evaluation_id].append(team_id)
    return found
