"""Assessments: create, change (fields while draft; the status machine), list, read.

Services take a resolved project or assessment (``access.dependencies``), never commit, and add
their audit rows in the caller's transaction: ``assessment.create``, ``assessment.update``
(``{field: [old, new]}``), ``assessment.status`` (``{from, to}``), ``assessment.publish`` and
``assessment.withdraw`` (``results.publish``), and the links' and locks' own rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from teameval.access import ASSESSMENT, AssessmentAction, Principal, visible
from teameval.assessments import links
from teameval.assessments.grading import decimal_text
from teameval.assessments.lifecycle.schemas import AssessmentCreate, AssessmentUpdate
from teameval.assessments.lifecycle.transitions import check_transition
from teameval.assessments.policies.schemas import GradePolicyOverride
from teameval.assessments.policies.service import effective_policy
from teameval.assessments.results import publish as publishing
from teameval.assessments.rubrics.service import freeze_rubric
from teameval.audit_trail import Actor, AuditEntry, record, record_many
from teameval.errors import Conflict, InvalidInput, NotFound
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    Project,
    ProjectAssessment,
    ProjectAssessmentTeam,
    ProjectStatus,
    ProjectTeam,
    Rubric,
    RubricScope,
)
from teameval.models.base import utcnow

DRAFT, OPEN, CLOSED, PUBLISHED = (
    AssessmentStatus.DRAFT,
    AssessmentStatus.OPEN,
    AssessmentStatus.CLOSED,
    AssessmentStatus.PUBLISHED,
)
# Fields a PATCH may leave out but not set to null.
_NOT_NULL = ("title", "kind", "rubric_id", "status")
# Fields that change only while the assessment is a draft.
_DRAFT_FIELDS = ("title", "kind", "grade_policy", "rubric_id")


def _invalid(field: str, message: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"field": field, "message": message}])


def _project_rubric(session: Session, school_id: int, rubric_id: int) -> Rubric:
    """The school's rubric of scope ``project``; anything else is a 422 naming ``rubric_id``
    (another school's rubric reads like one that does not exist)."""
    rubric = session.scalar(
        select(Rubric).where(Rubric.id == rubric_id, Rubric.school_id == school_id)
    )
    if rubric is None:
        raise _invalid(
            "rubric_id", "no such rubric", f"Rubric {rubric_id} does not exist in this school."
        )
    if rubric.scope != RubricScope.PROJECT.value:
        raise _invalid(
            "rubric_id",
            f"has scope {rubric.scope}; an assessment needs a project rubric",
            f"Rubric {rubric_id} is a {rubric.scope} rubric; assess a project with a project "
            "rubric.",
        )
    return rubric


def _override(policy: GradePolicyOverride | None) -> dict[str, Any] | None:
    """The override as stored: exact values as strings, only the keys given."""
    if policy is None:
        return None
    values: dict[str, Any] = {}
    if policy.pass_level is not None:
        values["pass_level"] = decimal_text(policy.pass_level)
    if policy.pass_grade is not None:
        values["pass_grade"] = decimal_text(policy.pass_grade)
    if policy.decimals is not None:
        values["decimals"] = policy.decimals
    return values or None


def _check_policy(
    session: Session, project: Project, rubric: Rubric, override: dict[str, Any] | None
) -> None:
    """The override applied to the course's policy must be a valid policy on the rubric's scale
    (422 naming ``grade_policy.<field>``)."""
    policy = effective_policy(session, project.school_id, project.course_id, override)
    try:
        policy.level(rubric.scale_min, rubric.scale_max)
    except InvalidInput as error:
        errors = [
            {**item, "field": f"grade_policy.{item['field']}"}
            for item in error.extensions.get("errors", [])
        ]
        raise InvalidInput(error.detail, errors=errors) from error


def _project_of(session: Session, assessment: ProjectAssessment) -> Project:
    return session.execute(select(Project).where(Project.id == assessment.project_id)).scalar_one()


def create_assessment(
    session: Session, actor: Actor, project: Project, body: AssessmentCreate
) -> ProjectAssessment:
    """A new ``draft`` assessment of ``project`` linking its current teams (unlocked); an
    archived project is read-only (409)."""
    if project.status == ProjectStatus.ARCHIVED.value:
        raise Conflict(
            f"Project {project.id} is archived; archived projects are read-only.",
            **{"from": project.status, "allowed": []},
        )
    rubric = _project_rubric(session, project.school_id, body.rubric_id)
    override = _override(body.grade_policy)
    _check_policy(session, project, rubric, override)
    assessment = ProjectAssessment(
        school_id=project.school_id,
        project_id=project.id,
        rubric_id=rubric.id,
        created_by_id=actor.user_id,
        title=body.title.strip(),
        kind=body.kind.strip(),
        status=DRAFT.value,
        grade_policy=override,
    )
    session.add(assessment)
    session.flush()
    linked = links.link_current_teams(session, assessment)
    session.refresh(assessment)
    record(
        session,
        actor,
        "assessment.create",
        "assessment",
        assessment.id,
        {
            "project_id": project.id,
            "rubric_id": rubric.id,
            "title": assessment.title,
            "kind": assessment.kind,
            "grade_policy": override,
            "linked_team_ids": linked,
        },
    )
    return assessment


def lock_assessment(session: Session, assessment: ProjectAssessment) -> None:
    """Re-read the assessment under a row lock (PostgreSQL ``FOR NO KEY UPDATE``): status
    changes run one after another, and a sheet save (which takes it ``FOR SHARE``) waits for a
    publish to finish, and the other way round."""
    session.refresh(assessment, with_for_update={"key_share": True})


def update_assessment(
    session: Session, actor: Actor, assessment: ProjectAssessment, body: AssessmentUpdate
) -> ProjectAssessment:
    """Change the fields sent (only while draft: 409 otherwise), then make the status transition
    asked for (409 naming ``from``, ``to`` and ``allowed``). The same status is a no-op."""
    lock_assessment(session, assessment)
    current = AssessmentStatus(assessment.status)
    sent = body.model_dump(exclude_unset=True)
    for field in _NOT_NULL:
        if field in sent and sent[field] is None:
            raise _invalid(field, "null", f"{field} cannot be null.")
    target = AssessmentStatus(sent["status"]) if "status" in sent else current
    if "complete_only" in sent and target is not PUBLISHED:
        raise _invalid(
            "complete_only", "only with status published", "complete_only goes with publishing."
        )
    if "reason" in sent and not (current is PUBLISHED and target is CLOSED):
        raise _invalid(
            "reason",
            "only when withdrawing (status closed from published)",
            "A reason goes with withdrawing a publication.",
        )
    changes = _field_changes(session, assessment, body, sent, current)
    if target is not current:
        check_transition(assessment.id, current, target)
    if changes:
        for field, (_old, new) in changes.items():
            setattr(assessment, field, new)
        session.flush()
        record(session, actor, "assessment.update", "assessment", assessment.id, changes)
    if target is not current:
        _transition(session, actor, assessment, current, target, body)
    elif not changes:
        return assessment
    session.refresh(assessment)
    return assessment


def _field_changes(
    session: Session,
    assessment: ProjectAssessment,
    body: AssessmentUpdate,
    sent: dict[str, Any],
    current: AssessmentStatus,
) -> dict[str, list[Any]]:
    wanted: dict[str, Any] = {}
    if "title" in sent:
        wanted["title"] = sent["title"].strip()
    if "kind" in sent:
        wanted["kind"] = sent["kind"].strip()
    if "grade_policy" in sent:
        wanted["grade_policy"] = _override(body.grade_policy)
    if "rubric_id" in sent:
        wanted["rubric_id"] = sent["rubric_id"]
    changes = {
        field: [getattr(assessment, field), value]
        for field, value in wanted.items()
        if getattr(assessment, field) != value
    }
    if not changes:
        return {}
    if current is not DRAFT:
        named = ", ".join(sorted(changes))
        raise Conflict(
            f"Assessment {assessment.id} is {current.value}; {named} can only change while it "
            "is a draft.",
            fields=sorted(changes),
            assessment_status=current.value,
        )
    if "rubric_id" in changes or "grade_policy" in changes:
        rubric_id = wanted.get("rubric_id", assessment.rubric_id)
        rubric = _project_rubric(session, assessment.school_id, rubric_id)
        policy = wanted.get("grade_policy", assessment.grade_policy)
        _check_policy(session, _project_of(session, assessment), rubric, policy)
    return changes


def _transition(
    session: Session,
    actor: Actor,
    assessment: ProjectAssessment,
    current: AssessmentStatus,
    target: AssessmentStatus,
    body: AssessmentUpdate,
) -> None:
    now = utcnow()
    if target is PUBLISHED:
        publishing.publish(session, actor, assessment, complete_only=bool(body.complete_only))
        return
    if current is PUBLISHED and target is CLOSED:
        publishing.withdraw(session, actor, assessment, body.reason)
        return
    entries = [
        AuditEntry(
            "assessment.status",
            "assessment",
            assessment.id,
            {"from": current.value, "to": target.value},
        )
    ]
    if target is OPEN:
        if current is DRAFT:
            rubric = session.execute(
                select(Rubric).where(Rubric.id == assessment.rubric_id)
            ).scalar_one()
            freeze_rubric(session, actor, rubric, f"assessment {assessment.id} opened")
            locked = links.open_links(session, actor, assessment)
            entries[0].changes["locked_team_ids"] = locked
        assessment.opened_at = now
    if target is CLOSED:
        assessment.closed_at = now
    assessment.status = target.value
    session.flush()
    record_many(session, actor, entries)


def assessment_list_query(principal: Principal, project: Project) -> Select[ProjectAssessment]:
    """The project's assessments the caller may view, newest first."""
    return (
        visible(principal, ASSESSMENT, AssessmentAction.VIEW)
        .where(ProjectAssessment.project_id == project.id)
        .order_by(ProjectAssessment.created_at.desc(), ProjectAssessment.id.desc())
    )


def linked_team_query(assessment: ProjectAssessment) -> Select[int]:
    """The ids of the team versions the assessment assesses now, by team number."""
    return (
        select(ProjectAssessmentTeam.project_team_id)
        .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
        .where(ProjectAssessmentTeam.assessment_id == assessment.id, ProjectAssessmentTeam.active)
        .order_by(ProjectTeam.team_number, ProjectTeam.id)
    )


def publication_query(assessment: ProjectAssessment) -> Select[AssessmentPublication]:
    """Every publication of the assessment, withdrawn ones included, newest first."""
    return (
        select(AssessmentPublication)
        .where(AssessmentPublication.assessment_id == assessment.id)
        .order_by(AssessmentPublication.revision.desc())
    )


def result_counts(session: Session, publication_ids: list[int]) -> dict[int, int]:
    """How many results each publication holds, in one statement."""
    if not publication_ids:
        return {}
    rows = session.execute(
        select(AssessmentResult.publication_id, func.count())
        .where(AssessmentResult.publication_id.in_(publication_ids))
        .group_by(AssessmentResult.publication_id)
    ).all()
    return {publication_id: int(count) for publication_id, count in rows}


# --- for the command line (no signed-in caller: a school) --------------------------------------


def assessment_in_school(session: Session, school_id: int, assessment_id: int) -> ProjectAssessment:
    assessment = session.scalar(
        select(ProjectAssessment).where(
            ProjectAssessment.id == assessment_id, ProjectAssessment.school_id == school_id
        )
    )
    if assessment is None:
        raise NotFound(f"Assessment {assessment_id} does not exist in this school.")
    return assessment


def school_assessments(
    session: Session, school_id: int, project_id: int | None
) -> list[ProjectAssessment]:
    query = select(ProjectAssessment).where(ProjectAssessment.school_id == school_id)
    if project_id is not None:
        query = query.where(ProjectAssessment.project_id == project_id)
    return list(session.scalars(query.order_by(ProjectAssessment.project_id, ProjectAssessment.id)))
