"""A student's self-assessment of their own team, and the teacher's side-by-side view.

A student reaches an assessment here only through an *active* link of a team version they are a
member of; a draft assessment, another team's, or one of another school is a 404 like an id that
does not exist (invariant 9: nothing of a draft). Writes only while open (409 otherwise), under
the same locks as a sheet save (the assessment shared, the link row exclusive), in a constant
number of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.assessments.self.schemas import (
    SelfAssessmentIn,
    SelfAssessmentOut,
    SideBySideMember,
    SideBySideOut,
    SideBySideScore,
)
from teameval.assessments.sheets import reads
from teameval.assessments.sheets.schemas import ScoreOut
from teameval.assessments.sheets.service import clean_text, not_open
from teameval.assessments.sheets.validation import score_errors
from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import InvalidInput, NotFound
from teameval.kit.inputs import known_id
from teameval.models import (
    AssessmentStatus,
    ProjectAssessment,
    ProjectAssessmentTeam,
    ProjectTeam,
    ProjectTeamMember,
    SelfAssessment,
)
from teameval.models.base import utcnow


@dataclass(frozen=True)
class MyTeam:
    assessment: ProjectAssessment
    link: ProjectAssessmentTeam
    team: ProjectTeam


def no_such_assessment(assessment_id: int) -> NotFound:
    return NotFound(f"Assessment {assessment_id} does not exist.")


def my_team(
    session: Session, principal: Principal, assessment_id: int, *, lock: bool = False
) -> MyTeam:
    """The assessment (not a draft) and the caller's active linked team version in it, in one
    statement; else 404. ``lock``: the link row is locked, like a sheet save."""
    known_id(assessment_id, str(no_such_assessment(assessment_id)))
    query = (
        select(ProjectAssessment, ProjectAssessmentTeam, ProjectTeam)
        .join(ProjectAssessmentTeam, ProjectAssessmentTeam.assessment_id == ProjectAssessment.id)
        .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
        .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
        .where(
            ProjectAssessment.id == assessment_id,
            ProjectAssessment.school_id == principal.school_id,
            ProjectAssessment.status != AssessmentStatus.DRAFT.value,
            ProjectAssessmentTeam.active.is_(True),
            ProjectTeamMember.user_id == principal.user_id,
        )
        .order_by(ProjectAssessmentTeam.id.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update(of=ProjectAssessmentTeam).execution_options(
            populate_existing=True
        )
    row = session.execute(query).first()
    if row is None:
        raise no_such_assessment(assessment_id)
    return MyTeam(*row)


def _self_rows(
    session: Session, assessment_id: int, team_id: int, student_id: int | None = None
) -> Sequence[SelfAssessment]:
    query = select(SelfAssessment).where(
        SelfAssessment.assessment_id == assessment_id,
        SelfAssessment.project_team_id == team_id,
    )
    if student_id is not None:
        query = query.where(SelfAssessment.student_id == student_id)
    return session.scalars(
        query.order_by(SelfAssessment.id).execution_options(populate_existing=True)
    ).all()


def _out(mine: MyTeam, view: reads.RubricView, rows: Sequence[SelfAssessment]) -> SelfAssessmentOut:
    order = {criterion.id: index for index, criterion in enumerate(view.criteria)}
    assessment, team = mine.assessment, mine.team
    return SelfAssessmentOut(
        assessment_id=assessment.id,
        title=assessment.title,
        status=assessment.status,
        editable=assessment.status == AssessmentStatus.OPEN.value,
        project_team_id=team.id,
        team_number=team.team_number,
        version=team.version,
        scale_min=view.rubric.scale_min,
        scale_max=view.rubric.scale_max,
        criteria=[CriterionOut.model_validate(criterion) for criterion in view.criteria],
        scores=[
            ScoreOut(criterion_id=row.criterion_id, score=row.score, comment=row.comment)
            for row in sorted(rows, key=lambda row: order.get(row.criterion_id, len(order)))
        ],
    )


def my_self_assessment(
    session: Session, principal: Principal, assessment_id: int
) -> SelfAssessmentOut:
    mine = my_team(session, principal, assessment_id)
    view = reads.rubric_view(session, mine.assessment.rubric_id)
    rows = _self_rows(session, mine.assessment.id, mine.team.id, principal.user_id)
    return _out(mine, view, rows)


def save_self_assessment(
    session: Session,
    principal: Principal,
    actor: Actor,
    assessment_id: int,
    body: SelfAssessmentIn,
) -> SelfAssessmentOut:
    """Replace the caller's self-assessment: 404 unless they are in an active linked team of a
    non-draft assessment, 409 unless it is open, 422 naming each bad field."""
    mine = my_team(session, principal, assessment_id)
    assessment = mine.assessment
    session.refresh(assessment, with_for_update={"read": True})
    mine = my_team(session, principal, assessment_id, lock=True)
    if assessment.status != AssessmentStatus.OPEN.value:
        raise not_open(assessment, "A self-assessment")
    view = reads.rubric_view(session, assessment.rubric_id)
    scale = (view.rubric.scale_min, view.rubric.scale_max)
    errors = score_errors(body.scores, [criterion.id for criterion in view.criteria], scale)
    if errors:
        names = ", ".join(error["field"] for error in errors)
        raise InvalidInput(f"The self-assessment is not valid: {names}.", errors=errors)
    rows = _self_rows(session, assessment.id, mine.team.id, principal.user_id)
    wanted = {
        score.criterion_id: {"score": score.score, "comment": clean_text(score.comment)}
        for score in body.scores
    }
    entries, added = _write(session, principal, mine, rows, wanted)
    if entries or added:
        rows = _self_rows(session, assessment.id, mine.team.id, principal.user_id)
        ids = {row.criterion_id: row.id for row in rows}
        entries += [_entry(mine, key, ids[key], None, values) for key, values in added]
        record_many(session, actor, entries)
    return _out(mine, view, rows)


def _entry(
    mine: MyTeam,
    criterion_id: int,
    row_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    change = "created" if before is None else "removed" if after is None else "changed"
    return AuditEntry(
        f"assessment.self.{change}",
        "self_assessment",
        row_id,
        {
            "assessment_id": mine.assessment.id,
            "project_team_id": mine.team.id,
            "criterion_id": criterion_id,
            "before": before,
            "after": after,
        },
    )


def _write(
    session: Session,
    principal: Principal,
    mine: MyTeam,
    rows: Sequence[SelfAssessment],
    wanted: dict[int, dict[str, Any]],
) -> tuple[list[AuditEntry], list[tuple[int, dict[str, Any]]]]:
    """At most one DELETE, one UPDATE and one INSERT; the entries of the removed and changed
    rows, and the rows inserted (their entries need the ids, read back by the caller)."""
    stored = {row.criterion_id: row for row in rows}
    removed = [row for key, row in stored.items() if key not in wanted]
    changed = [
        (row, wanted[key])
        for key, row in stored.items()
        if key in wanted and wanted[key] != {"score": row.score, "comment": row.comment}
    ]
    added = [(key, values) for key, values in wanted.items() if key not in stored]
    entries = [
        _entry(mine, row.criterion_id, row.id, {"score": row.score, "comment": row.comment}, None)
        for row in removed
    ] + [
        _entry(mine, row.criterion_id, row.id, {"score": row.score, "comment": row.comment}, values)
        for row, values in changed
    ]
    if removed:
        session.execute(
            delete(SelfAssessment).where(SelfAssessment.id.in_([row.id for row in removed])),
            execution_options={"synchronize_session": False},
        )
    if changed:
        now = utcnow()
        session.execute(
            update(SelfAssessment),
            [{"id": row.id, **values, "updated_at": now} for row, values in changed],
        )
    if added:
        assessment = mine.assessment
        session.execute(
            insert(SelfAssessment),
            [
                {
                    "school_id": assessment.school_id,
                    "assessment_id": assessment.id,
                    "project_team_id": mine.team.id,
                    "student_id": principal.user_id,
                    "rubric_id": assessment.rubric_id,
                    "criterion_id": criterion_id,
                    **values,
                }
                for criterion_id, values in added
            ],
        )
    return entries, added


def side_by_side(session: Session, assessment: ProjectAssessment, team_id: int) -> SideBySideOut:
    """Per member of a linked team version: their self scores beside the sheet's (their
    override, else the team score), in a constant number of statements."""
    found = reads.linked_team(session, assessment, team_id)
    team = found.team
    view = reads.rubric_view(session, assessment.rubric_id)
    members = reads.members_of(session, team.id)
    sheet = reads.sheet_rows(session, assessment.id, team.id)
    own = _self_rows(session, assessment.id, team.id)
    team_scores = {row.criterion_id: row.score for row in sheet if row.student_id is None}
    overrides = {(row.student_id, row.criterion_id): row.score for row in sheet if row.student_id}
    selves = {(row.student_id, row.criterion_id): row for row in own}
    answered = {row.student_id for row in own}
    listed = []
    for member in members:
        scores = []
        for criterion in view.criteria:
            mine = selves.get((member.id, criterion.id))
            override = overrides.get((member.id, criterion.id))
            teacher = override if override is not None else team_scores.get(criterion.id)
            source = (
                "override"
                if override is not None
                else "team"
                if criterion.id in team_scores
                else None
            )
            scores.append(
                SideBySideScore(
                    criterion_id=criterion.id,
                    self_score=None if mine is None else mine.score,
                    self_comment=None if mine is None else mine.comment,
                    teacher_score=teacher,
                    teacher_source=source,
                )
            )
        listed.append(
            SideBySideMember(
                student_id=member.id,
                name=member.name,
                submitted=member.id in answered,
                scores=scores,
            )
        )
    return SideBySideOut(
        assessment_id=assessment.id,
        project_team_id=team.id,
        team_number=team.team_number,
        version=team.version,
        scale_min=view.rubric.scale_min,
        scale_max=view.rubric.scale_max,
        criteria=[CriterionOut.model_validate(criterion) for criterion in view.criteria],
        members=listed,
    )
