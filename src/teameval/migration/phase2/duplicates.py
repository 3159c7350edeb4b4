"""Duplicate team scores (issue 12, anomaly ``duplicate_team_scores``): for each (assessment,
team key, criterion) with more than one team-score row (``student_id`` NULL), every row but the
one with the highest id is an excess row. One builder, shared by the audit's count, ``resolve
duplicate-scores`` and the contract's gate.

TODO(helper C): implement ``excess_team_score_rows``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase2.probe import AssessmentSchema
from teameval.migration.runner.batches import KeyRange


def excess_team_score_rows(
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
) -> sa.Select[Any]:
    """A select of the excess rows: columns ``id``, ``assessment_id``, ``team_number`` (the
    key's t), ``criterion_id``, ``kept_id`` (the highest id of its group, the one kept)."""
    raise NotImplementedError
