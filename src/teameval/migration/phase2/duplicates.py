"""Duplicate team scores (issue 12, anomaly ``duplicate_team_scores``): for each (assessment,
team key, criterion) with more than one team-score row (``student_id`` NULL), every row but the
one with the highest id is an excess row. One builder, shared by the audit's count, ``resolve
duplicate-scores`` and the contract's gate, so they cannot disagree on what a duplicate is.

The highest id is the row the legacy platform's auto-save wrote last: the one a teacher saw.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase2.probe import AssessmentSchema
from teameval.migration.phase2.statements import assessment_scope, key_number, scores_join
from teameval.migration.runner.batches import KeyRange


def excess_team_score_rows(
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
) -> sa.Select[Any]:
    """A select of the excess rows: columns ``id``, ``assessment_id``, ``team_number`` (the
    key's t), ``criterion_id``, ``kept_id`` (the highest id of its group, the one kept).

    One window over the team-score rows in scope: a single sort by (assessment, t, criterion),
    no self-join. A window partition groups NULLs together on both engines, so the rows of a
    key without a team number form one group, as the definition wants ("NULL t groups like a
    value"); an equality join back from a GROUP BY would have lost them."""
    scores = schema.table("project_assessment_scores")
    t = key_number(schema)
    window = (
        sa.select(
            scores.c.id.label("id"),
            scores.c.assessment_id.label("assessment_id"),
            t.label("team_number"),
            scores.c.criterion_id.label("criterion_id"),
            sa.func.max(scores.c.id)
            .over(partition_by=(scores.c.assessment_id, t, scores.c.criterion_id))
            .label("kept_id"),
        )
        .select_from(scores_join(schema))
        .where(
            scores.c.student_id.is_(None),
            *assessment_scope(
                schema,
                school_id=school_id,
                assessments=assessments,
                # The scores' own column: the range then narrows the scan of the big table.
                column=scores.c.assessment_id,
            ),
        )
        .subquery("team_scores")
    )
    return sa.select(
        window.c.id,
        window.c.assessment_id,
        window.c.team_number,
        window.c.criterion_id,
        window.c.kept_id,
    ).where(window.c.id < window.c.kept_id)
