"""``/assessments/{id}/results``: grades per student with how each came about, incomplete teams
marked, totals; publish, withdraw, and the grades CSV (the API's and the CLI's file).

Before publication the grades are a preview computed now (``compute``, the one computation the
results service, publishing and the API use); once published the page shows the publication's
stored rows (``results_of``), which never change, with who published them and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access import ASSESSMENT, AssessmentAction
from teameval.access.pages import PageAssessmentToManage, PageAssessmentToView, allows
from teameval.assessments.lifecycle import service as assessments
from teameval.assessments.lifecycle.schemas import REASON_MAX, AssessmentUpdate
from teameval.assessments.results.compute import Computation, compute, four_places
from teameval.assessments.results.grades_csv import grades_csv
from teameval.assessments.results.reads import results_of
from teameval.deps import SessionDep
from teameval.errors import AppError
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    ProjectAssessment,
    ScoreSource,
    User,
)
from teameval.web.assessments.forms import FieldErrors, body_or_errors
from teameval.web.assessments.overview import context_of
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage

router = APIRouter(include_in_schema=False)


@dataclass
class Row:
    """One student's line: the grade as the results service gives it, and how it came about."""

    team_number: int
    team_name: str
    name: str
    student_number: str | None
    weighted_score: Decimal | None
    grade: Decimal | None
    complete: bool
    missing: list[str] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TeamRows:
    number: int
    name: str
    complete: bool
    rows: list[Row]


def _preview(computation: Computation) -> list[TeamRows]:
    names = {criterion.id: criterion.name for criterion in computation.criteria}
    return [
        TeamRows(
            number=team.team_number,
            name=team.name,
            complete=computation.team_complete(team),
            rows=[
                Row(
                    team_number=team.team_number,
                    team_name=team.name,
                    name=student.name,
                    student_number=student.student_number,
                    weighted_score=None
                    if student.weighted_score is None
                    else four_places(student.weighted_score),
                    grade=student.grade,
                    complete=student.complete,
                    missing=[names[criterion_id] for criterion_id in student.missing],
                    overrides=[
                        {
                            "criterion": item.criterion.name,
                            "score": item.score,
                            "reason": item.reason,
                        }
                        for item in student.scores
                        if item.source is ScoreSource.OVERRIDE
                    ],
                )
                for student in team.members
            ],
        )
        for team in computation.teams
    ]


def _published(
    session: Session, assessment: ProjectAssessment, publication_id: int
) -> list[TeamRows]:
    """The stored rows exactly as the results service answers them, with the overrides each
    froze (one more statement)."""
    results = results_of(session, assessment)
    overrides: dict[int, list[dict[str, Any]]] = {}
    for student_id, scores in session.execute(
        select(AssessmentResult.student_id, AssessmentResult.scores).where(
            AssessmentResult.publication_id == publication_id
        )
    ):
        overrides[student_id] = [
            {"criterion": step["name"], "score": step["score"], "reason": step.get("reason")}
            for step in scores
            if step.get("source") == ScoreSource.OVERRIDE.value
        ]
    teams: dict[int, TeamRows] = {}
    for item in results.items:
        team = teams.setdefault(item.project_team_id, TeamRows(item.team_number, "", True, []))
        team.rows.append(
            Row(
                team_number=item.team_number,
                team_name="",
                name=item.name,
                student_number=item.student_number,
                weighted_score=None
                if item.weighted_score is None
                else Decimal(item.weighted_score),
                grade=None if item.grade is None else Decimal(item.grade),
                complete=item.complete,
                overrides=overrides.get(item.student_id, []),
            )
        )
    return list(teams.values())


def _latest_publication(
    session: Session, assessment: ProjectAssessment
) -> tuple[AssessmentPublication, str | None, str | None] | None:
    """The latest publication (withdrawn or not) with the names of who published and who
    withdrew it, in one statement."""
    if assessment.revision == 0:
        return None
    publisher, withdrawer = User.__table__.alias("publisher"), User.__table__.alias("withdrawer")
    row = session.execute(
        select(AssessmentPublication, publisher.c.name, withdrawer.c.name)
        .outerjoin(publisher, publisher.c.id == AssessmentPublication.published_by_id)
        .outerjoin(withdrawer, withdrawer.c.id == AssessmentPublication.withdrawn_by_id)
        .where(
            AssessmentPublication.assessment_id == assessment.id,
            AssessmentPublication.revision == assessment.revision,
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _render(
    page: Page,
    session: Session,
    assessment: ProjectAssessment,
    errors: FieldErrors | None = None,
    status_code: int = 200,
    reason: str = "",
) -> HTMLResponse:
    published = assessment.status == AssessmentStatus.PUBLISHED.value
    latest = _latest_publication(session, assessment)
    computation = None
    if published and latest is not None:
        teams = _published(session, assessment, latest[0].id)
        policy = latest[0].policy
    else:
        computation = compute(session, assessment)
        teams = _preview(computation)
        policy = computation.policy_snapshot()
    rows = [row for team in teams for row in team.rows]
    manage = allows(session, page, ASSESSMENT, AssessmentAction.MANAGE, assessment.id)
    return page.render(
        "assessments/results.html",
        {
            "assessment": assessment,
            **context_of(session, assessment),
            "published": published,
            "latest": latest,
            "teams": teams,
            "policy": {key: _exact(value) for key, value in policy.items()},
            "scale": None
            if computation is None
            else (computation.rubric.scale_min, computation.rubric.scale_max),
            "totals": {
                "teams": len(teams),
                "incomplete_teams": sum(1 for team in teams if not team.complete),
                "students": len(rows),
                "graded": sum(1 for row in rows if row.grade is not None),
            },
            "can_publish": manage
            and assessment.status in (AssessmentStatus.OPEN.value, AssessmentStatus.CLOSED.value),
            "can_withdraw": manage and published,
            "errors": errors or [],
            "reason": reason,
            "reason_error": next(
                (item["message"] for item in errors or [] if item["field"] == "reason"), None
            ),
        },
        status_code=status_code,
    )


def _exact(value: Any) -> Any:
    """A policy value as a decimal for ``|grade`` when it is one (``"5.5"``), else as stored
    (a fraction ``"10/3"``, the number of decimals)."""
    if isinstance(value, str) and "/" not in value:
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


@router.get("/assessments/{assessment_id}/results")
def assessment_results(
    page: StaffPage, assessment: PageAssessmentToView, session: SessionDep
) -> HTMLResponse:
    return _render(page, session, assessment)


@router.post("/assessments/{assessment_id}/publish", dependencies=[CsrfChecked])
def publish(
    page: StaffPage,
    assessment: PageAssessmentToManage,
    session: SessionDep,
    complete_only: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    body = AssessmentUpdate(status=AssessmentStatus.PUBLISHED, complete_only=bool(complete_only))
    if assessment.status == AssessmentStatus.PUBLISHED.value:
        message = page.gettext("These grades are already published.")
        return _render(page, session, assessment, [{"field": "", "message": message}], 409)
    try:
        assessments.update_assessment(session, page.principal.actor, assessment, body)
    except AppError as refused:
        errors = [{"field": "", "message": refused.detail}]
        return _render(page, session, assessment, errors, refused.status)
    message = page.gettext("The grades are published (revision %(revision)s).") % {
        "revision": assessment.revision
    }
    return page.redirect(f"/assessments/{assessment.id}/results", flash=message)


@router.post("/assessments/{assessment_id}/withdraw", dependencies=[CsrfChecked])
def withdraw(
    page: StaffPage,
    assessment: PageAssessmentToManage,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    if assessment.status != AssessmentStatus.PUBLISHED.value:
        message = page.gettext("Only published grades can be withdrawn.")
        return _render(page, session, assessment, [{"field": "", "message": message}], 409)
    fields: dict[str, Any] = {"status": AssessmentStatus.CLOSED.value}
    if reason.strip():
        fields["reason"] = reason
    body, errors = body_or_errors(AssessmentUpdate, fields)
    if body is None:
        message = page.gettext(
            "Write the reason in at most %(count)s characters, as plain text."
        ) % {"count": REASON_MAX}
        errors = [{"field": "reason", "message": message}]
        return _render(page, session, assessment, errors, 422, reason)
    try:
        assessments.update_assessment(session, page.principal.actor, assessment, body)
    except AppError as refused:
        errors = [{"field": "", "message": refused.detail}]
        return _render(page, session, assessment, errors, refused.status, reason)
    return page.redirect(
        f"/assessments/{assessment.id}/results",
        flash=page.gettext("The grades are withdrawn; students no longer see them."),
    )


@router.get("/assessments/{assessment_id}/grades.csv")
def grades_file(page: StaffPage, assessment: PageAssessmentToView, session: SessionDep) -> Response:
    export = grades_csv(session, assessment)
    response = Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
    page.finish(response)
    return response
