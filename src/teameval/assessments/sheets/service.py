"""Reading and saving one team's score sheet (team scores, overrides, the general comment).

A save replaces the whole sheet in a constant number of statements: lock the assessment (shared)
and the link row, read the criteria, members and current rows, then at most one DELETE, one
UPDATE (executemany) and one INSERT of score rows, the link's new version and the audit rows.
The link row's lock (``SELECT ... FOR UPDATE`` on PostgreSQL) makes concurrent saves of one sheet
run one after another, so an ``If-Match`` is compared with the version it would overwrite, and
the partial unique indexes never see two team scores for one criterion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.assessments.sheets import reads
from teameval.assessments.sheets.preview import preview
from teameval.assessments.sheets.schemas import (
    MemberOut,
    OverrideOut,
    ScoreOut,
    SheetIn,
    SheetOut,
)
from teameval.assessments.sheets.validation import override_errors, score_errors
from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.conditional import require_match
from teameval.errors import Conflict, InvalidInput
from teameval.models import (
    AssessmentStatus,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    User,
)
from teameval.models.base import utcnow

# (criterion_id, student_id or None): one row of a sheet.
RowKey = tuple[int, int | None]


@dataclass(frozen=True)
class Sheet:
    body: SheetOut
    etag: str


def not_open(assessment: ProjectAssessment, what: str = "Scores") -> Conflict:
    return Conflict(
        f"{what} can be written only while the assessment is open; assessment {assessment.id} "
        f"is {assessment.status}.",
        status_now=assessment.status,
        required="open",
    )


def _build(
    session: Session,
    assessment: ProjectAssessment,
    found: reads.SheetTeam,
    view: reads.RubricView,
    members: Sequence[User],
    rows: Sequence[ProjectAssessmentScore],
) -> Sheet:
    complete, grades = preview(session, assessment, found.team.id)
    link, team = found.link, found.team
    team_rows = sorted((row for row in rows if row.student_id is None), key=_position(view))
    overrides = sorted(
        (row for row in rows if row.student_id is not None),
        key=lambda row: (row.student_id or 0, _position(view)(row)),
    )
    body = SheetOut(
        assessment_id=assessment.id,
        assessment_status=assessment.status,
        project_team_id=team.id,
        team_number=team.team_number,
        version=team.version,
        active=link.active,
        rubric_id=view.rubric.id,
        scale_min=view.rubric.scale_min,
        scale_max=view.rubric.scale_max,
        members=[
            MemberOut(id=member.id, name=member.name, student_number=member.student_number)
            for member in members
        ],
        criteria=[CriterionOut.model_validate(criterion) for criterion in view.criteria],
        scores=[
            ScoreOut(criterion_id=row.criterion_id, score=row.score, comment=row.comment)
            for row in team_rows
        ],
        overrides=[
            OverrideOut(
                student_id=row.student_id or 0,
                criterion_id=row.criterion_id,
                score=row.score,
                reason=row.reason or "",
            )
            for row in overrides
        ],
        comment=link.comment,
        sheet_version=link.sheet_version,
        complete=complete,
        preview=grades,
    )
    return Sheet(body, reads.sheet_etag(assessment.id, team.id, link.sheet_version))


def _position(view: reads.RubricView) -> Any:
    order = {criterion.id: index for index, criterion in enumerate(view.criteria)}
    return lambda row: order.get(row.criterion_id, len(order))


def get_sheet(session: Session, assessment: ProjectAssessment, team_id: int) -> Sheet:
    found = reads.linked_team(session, assessment, team_id)
    return _build(
        session,
        assessment,
        found,
        reads.rubric_view(session, assessment.rubric_id),
        reads.members_of(session, found.team.id),
        reads.sheet_rows(session, assessment.id, found.team.id),
    )


def clean_text(text: str | None) -> str | None:
    """Surrounding blanks dropped; a blank text is no text."""
    return (text.strip() or None) if text is not None else None


def _wanted(body: SheetIn) -> dict[RowKey, dict[str, Any]]:
    wanted: dict[RowKey, dict[str, Any]] = {}
    for score in body.scores:
        wanted[(score.criterion_id, None)] = {
            "score": score.score,
            "comment": clean_text(score.comment),
            "reason": None,
        }
    for override in body.overrides:
        wanted[(override.criterion_id, override.student_id)] = {
            "score": override.score,
            "comment": None,
            "reason": override.reason.strip(),
        }
    return wanted


def _values(row: ProjectAssessmentScore) -> dict[str, Any]:
    return {"score": row.score, "comment": row.comment, "reason": row.reason}


def _shown(values: dict[str, Any] | None, student_id: int | None) -> dict[str, Any] | None:
    """What an audit row keeps of a score's values (the comment of a team score, the reason of
    an override)."""
    if values is None:
        return None
    if student_id is None:
        return {"score": values["score"], "comment": values["comment"]}
    return {"score": values["score"], "reason": values["reason"]}


def _audit(
    link: ProjectAssessmentTeam,
    key: RowKey,
    row_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    criterion_id, student_id = key
    kind = "score" if student_id is None else "override"
    change = "created" if before is None else "removed" if after is None else "changed"
    changes: dict[str, Any] = {
        "assessment_id": link.assessment_id,
        "project_team_id": link.project_team_id,
        "criterion_id": criterion_id,
        "before": _shown(before, student_id),
        "after": _shown(after, student_id),
    }
    if student_id is not None:
        changes["student_id"] = student_id
    return AuditEntry(f"assessment.{kind}.{change}", "project_assessment_score", row_id, changes)


def save_sheet(
    session: Session,
    actor: Actor,
    assessment: ProjectAssessment,
    team_id: int,
    body: SheetIn,
    if_match: str | None,
) -> Sheet:
    """Replace the sheet with ``body``: 409 unless the assessment is open and the team version's
    link active, 412 when ``if_match`` names another version, 422 naming every bad field. A body
    equal to the stored sheet writes nothing and keeps the ETag."""
    # Shared lock: a status change (close, publish) waits for saves in flight, and a save
    # waiting behind one sees the new status.
    session.refresh(assessment, with_for_update={"read": True})
    found = reads.linked_team(session, assessment, team_id, lock=True)
    link, team = found.link, found.team
    if assessment.status != AssessmentStatus.OPEN.value:
        raise not_open(assessment)
    if not link.active:
        raise reads.inactive_conflict(session, assessment.id, team)
    require_match(if_match, reads.sheet_etag(assessment.id, team.id, link.sheet_version))

    view = reads.rubric_view(session, assessment.rubric_id)
    members = reads.members_of(session, team.id)
    criteria = [criterion.id for criterion in view.criteria]
    scale = (view.rubric.scale_min, view.rubric.scale_max)
    label = f"team {team.team_number} version {team.version} (id {team.id})"
    errors = score_errors(body.scores, criteria, scale) + override_errors(
        body.overrides, criteria, scale, [member.id for member in members], label
    )
    if errors:
        names = ", ".join(error["field"] for error in errors)
        raise InvalidInput(f"The sheet is not valid: {names}.", errors=errors)

    rows = reads.sheet_rows(session, assessment.id, team.id)
    comment = clean_text(body.comment)
    entries, added = _write_rows(session, assessment, link, rows, _wanted(body))
    if comment != link.comment or entries or added:
        before = {"comment": link.comment, "sheet_version": link.sheet_version}
        link.comment = comment
        link.sheet_version += 1
        link.updated_at = utcnow()
        session.flush()
        rows = reads.sheet_rows(session, assessment.id, team.id, fresh=True)
        # The inserted rows' ids from the read that answers the sheet anyway (RETURNING in
        # parameter order would make SQLite insert one row per statement).
        ids = {(row.criterion_id, row.student_id): row.id for row in rows}
        entries += [_audit(link, key, ids[key], None, values) for key, values in added]
        entries.append(
            AuditEntry(
                "assessment.sheet.saved",
                "project_assessment_team",
                link.id,
                {
                    "assessment_id": assessment.id,
                    "project_team_id": team.id,
                    "before": before,
                    "after": {"comment": link.comment, "sheet_version": link.sheet_version},
                },
            )
        )
        record_many(session, actor, entries)
    return _build(session, assessment, found, view, members, rows)


def _write_rows(
    session: Session,
    assessment: ProjectAssessment,
    link: ProjectAssessmentTeam,
    rows: Sequence[ProjectAssessmentScore],
    wanted: dict[RowKey, dict[str, Any]],
) -> tuple[list[AuditEntry], list[tuple[RowKey, dict[str, Any]]]]:
    """At most one DELETE, one UPDATE and one INSERT (each one statement whatever the number of
    rows); the audit entries of the removed and changed rows, and the rows inserted (their
    entries need the ids). Removals go first, so a key is free again before an insert."""
    stored = {(row.criterion_id, row.student_id): row for row in rows}
    entries: list[AuditEntry] = []
    removed = [row for key, row in stored.items() if key not in wanted]
    changed = [
        (row, wanted[key])
        for key, row in stored.items()
        if key in wanted and wanted[key] != _values(row)
    ]
    added = [(key, values) for key, values in wanted.items() if key not in stored]
    if removed:
        session.execute(
            delete(ProjectAssessmentScore).where(
                ProjectAssessmentScore.id.in_([row.id for row in removed])
            ),
            execution_options={"synchronize_session": False},
        )
        entries += [
            _audit(link, (row.criterion_id, row.student_id), row.id, _values(row), None)
            for row in removed
        ]
    if changed:
        # The entries first: the bulk UPDATE may refresh the rows it changes in the session.
        entries += [
            _audit(link, (row.criterion_id, row.student_id), row.id, _values(row), values)
            for row, values in changed
        ]
        now = utcnow()
        session.execute(
            update(ProjectAssessmentScore),
            [{"id": row.id, **values, "updated_at": now} for row, values in changed],
        )
    if added:
        session.execute(
            insert(ProjectAssessmentScore),
            [
                {
                    "school_id": assessment.school_id,
                    "assessment_id": assessment.id,
                    "rubric_id": assessment.rubric_id,
                    "project_team_id": link.project_team_id,
                    "criterion_id": criterion_id,
                    "student_id": student_id,
                    **values,
                }
                for (criterion_id, student_id), values in added
            ],
        )
    return entries, added
