"""Phase 3's shadow comparison: each student course-access point decision, evaluated the legacy
way too, in the same SELECT (docs/migration.md, "Phase 3: shadow comparison").

While legacy groups are on, the watch middleware marks the request's tally ``shadow_on``. Then
``access.rules.resolve`` and ``may``, deciding on a resource kind whose student rule rests on
an active enrollment (``ResourceKind.student_course``: a course, a project), select three more
columns beside the row and its rule: the course id, the enrollment decision
(``access.courses.enrolled``) and the legacy one (an active group membership in that course,
built by the legacy adapter, the only code that may read the legacy tables). The answer stays
the rule's; the two decisions go to the tally and, after the response, to
``access_shadow_counts`` (``roster.legacy.watch``).

Only point decisions are shadowed: a list filter (``visible``) cannot count the rows it leaves
out without changing the list's query, so it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement

from teameval.access.courses import enrolled
from teameval.access.principal import Principal
from teameval.roster.legacy.adapter.reads import legacy_member_of_course
from teameval.roster.legacy.watch.tally import note_shadow, shadowing


def decision_columns(principal: Principal, course: Any) -> list[ColumnElement[Any]]:
    """The course id, the enrollment decision and the legacy decision, labelled; none when
    the request is not shadowed."""
    if not shadowing():
        return []
    return [
        course.label("shadow_course_id"),
        enrolled(principal, course).label("shadow_enrolled"),
        legacy_member_of_course(principal.user_id, principal.school_id, course).label(
            "shadow_legacy"
        ),
    ]


def note_decision(principal: Principal, values: Sequence[Any]) -> None:
    """Count one decision from the columns ``decision_columns`` added."""
    course_id, by_enrollment, by_legacy = values
    note_shadow(principal.school_id, int(course_id), bool(by_enrollment), bool(by_legacy))
