"""Publishing an assessment's results, and withdrawing a publication.

``publish`` computes the results once (``compute``), refuses while a linked team or student is
incomplete (409 listing each with the criteria missing) unless ``complete_only``, and writes in
the caller's transaction one ``assessment_publications`` row (revision n + 1, the policy and
rubric as used) and one ``assessment_results`` row per graded student. Those rows are never
updated or deleted: ``withdraw`` marks the publication (``withdrawn_at``) and the assessment goes
back to ``closed``; publishing again writes revision n + 2 beside it.

The caller holds the assessment's row lock (``lock_assessment``), which the sheet saves take
``FOR SHARE``: no score changes between the computation and the write.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from teameval.assessments.results.compute import Computation, compute, exact_text, four_places
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    ProjectAssessment,
)
from teameval.models.base import utcnow

RESULTS = cast(Table, AssessmentResult.__table__)
# At most this many incomplete teams and students are listed in a refusal (the counts are whole).
MAX_LISTED = 200


def incomplete(computation: Computation) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The incomplete teams (criteria without a team score) and students (criteria without any
    score), in team-number order."""
    criteria = computation.criteria
    teams = [
        {
            "project_team_id": team.project_team_id,
            "team_number": team.team_number,
            "members": len(team.members),
            "missing": team.missing_team_scores(criteria),
        }
        for team in computation.teams
        if not computation.team_complete(team)
    ]
    students = [
        {
            "student_id": student.student_id,
            "name": student.name,
            "project_team_id": student.project_team_id,
            "team_number": student.team_number,
            "missing": student.missing,
        }
        for student in computation.students
        if not student.complete
    ]
    return teams, students


def publish(
    session: Session, actor: Actor, assessment: ProjectAssessment, *, complete_only: bool
) -> AssessmentPublication:
    """Write the next revision's publication and results; the assessment becomes ``published``.
    The caller has checked the transition and holds the assessment's row lock."""
    computation = compute(session, assessment)
    teams, students = incomplete(computation)
    if (teams or students) and not complete_only:
        raise Conflict(
            f"Assessment {assessment.id} has {len(teams)} incomplete team(s) and "
            f"{len(students)} incomplete student(s); score them, or publish with "
            '"complete_only": true to publish the complete students only.',
            incomplete_teams=teams[:MAX_LISTED],
            incomplete_students=students[:MAX_LISTED],
            incomplete_team_count=len(teams),
            incomplete_student_count=len(students),
        )
    graded = [student for student in computation.students if student.complete]
    if not graded:
        raise Conflict(
            f"Assessment {assessment.id} has no student with a complete score yet; there is "
            "nothing to publish.",
            incomplete_team_count=len(teams),
            incomplete_student_count=len(students),
        )
    now = utcnow()
    revision = assessment.revision + 1
    publication = AssessmentPublication(
        school_id=assessment.school_id,
        assessment_id=assessment.id,
        revision=revision,
        published_at=now,
        published_by_id=actor.user_id,
        complete_only=complete_only,
        policy=computation.policy_snapshot(),
        rubric=computation.rubric_snapshot(),
    )
    session.add(publication)
    session.flush()
    rows = []
    for student in graded:
        assert student.weighted_score is not None
        assert student.grade is not None
        rows.append(
            {
                "school_id": assessment.school_id,
                "assessment_id": assessment.id,
                "publication_id": publication.id,
                "revision": revision,
                "student_id": student.student_id,
                "project_team_id": student.project_team_id,
                "team_number": student.team_number,
                "team_version": student.team_version,
                "weighted_score": exact_text(student.weighted_score),
                "weighted_score_decimal": four_places(student.weighted_score),
                "grade": student.grade,
                "scores": [item.to_json() for item in student.scores],
                "comment": student.comment,
                "created_at": now,
            }
        )
    session.execute(insert(RESULTS), rows)
    previous = assessment.status
    assessment.status = AssessmentStatus.PUBLISHED.value
    assessment.revision = revision
    assessment.published_at = now
    assessment.closed_at = now
    session.flush()
    record(
        session,
        actor,
        "assessment.publish",
        "assessment",
        assessment.id,
        {
            "from": previous,
            "revision": revision,
            "complete_only": complete_only,
            "results": len(rows),
            "left_out": len(students),
            "policy": publication.policy,
        },
    )
    return publication


def withdraw(
    session: Session, actor: Actor, assessment: ProjectAssessment, reason: str | None
) -> AssessmentPublication:
    """Mark the latest publication withdrawn; the assessment goes back to ``closed``. Its
    results stay as they were, in history."""
    publication = session.execute(
        select(AssessmentPublication).where(
            AssessmentPublication.assessment_id == assessment.id,
            AssessmentPublication.revision == assessment.revision,
        )
    ).scalar_one()
    now = utcnow()
    cleaned = (reason or "").strip() or None
    session.execute(
        update(AssessmentPublication)
        .where(AssessmentPublication.id == publication.id)
        .values(withdrawn_at=now, withdrawn_by_id=actor.user_id, withdraw_reason=cleaned),
        execution_options={"synchronize_session": False},
    )
    session.refresh(publication)
    assessment.status = AssessmentStatus.CLOSED.value
    assessment.closed_at = now
    session.flush()
    record(
        session,
        actor,
        "assessment.withdraw",
        "assessment",
        assessment.id,
        {"revision": publication.revision, "reason": cleaned},
    )
    return publication
