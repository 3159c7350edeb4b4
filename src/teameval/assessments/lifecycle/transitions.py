"""An assessment's status machine: which transitions a PATCH ``{status}`` may make.

``draft → open → closed``; ``closed → open`` reopens for corrections; ``open`` or ``closed →
published`` publishes (and closes scoring); ``published → closed`` withdraws the publication
(kept in history); ``closed → published`` again makes the next revision. Nothing returns to
``draft``. Anything else is a 409 naming both ends and what is allowed.
"""

from __future__ import annotations

from teameval.errors import Conflict
from teameval.models import AssessmentStatus

DRAFT, OPEN, CLOSED, PUBLISHED = (
    AssessmentStatus.DRAFT,
    AssessmentStatus.OPEN,
    AssessmentStatus.CLOSED,
    AssessmentStatus.PUBLISHED,
)

TRANSITIONS: dict[AssessmentStatus, tuple[AssessmentStatus, ...]] = {
    DRAFT: (OPEN,),
    OPEN: (CLOSED, PUBLISHED),
    CLOSED: (OPEN, PUBLISHED),
    PUBLISHED: (CLOSED,),
}


def allowed_targets(current: AssessmentStatus) -> list[str]:
    return [target.value for target in TRANSITIONS[current]]


def check_transition(
    assessment_id: int, current: AssessmentStatus, target: AssessmentStatus
) -> None:
    """Nothing when ``current → target`` is allowed; else a 409 with ``from``, ``to`` and
    ``allowed``. (The same status is not a transition: the caller treats it as a no-op.)"""
    if target in TRANSITIONS[current]:
        return
    allowed = allowed_targets(current)
    raise Conflict(
        f"Assessment {assessment_id} cannot go from {current.value} to {target.value}; "
        f"allowed from {current.value}: {', '.join(allowed)}.",
        **{"from": current.value, "to": target.value, "allowed": allowed},
    )
