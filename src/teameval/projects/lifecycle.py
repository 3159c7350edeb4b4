"""A project's status machine: which transitions a PATCH ``{status}`` may make.

``draft → active → completed → archived``, plus ``completed → active`` (reopen) and
``draft → archived`` (a project that never ran is put away without pretending it was done).
``archived`` is final and read-only. Anything else is a 409 naming both ends and what is allowed.
"""

from __future__ import annotations

from teameval.errors import Conflict
from teameval.models import ProjectStatus

DRAFT, ACTIVE, COMPLETED, ARCHIVED = (
    ProjectStatus.DRAFT,
    ProjectStatus.ACTIVE,
    ProjectStatus.COMPLETED,
    ProjectStatus.ARCHIVED,
)

TRANSITIONS: dict[ProjectStatus, tuple[ProjectStatus, ...]] = {
    DRAFT: (ACTIVE, ARCHIVED),
    ACTIVE: (COMPLETED,),
    COMPLETED: (ACTIVE, ARCHIVED),
    ARCHIVED: (),
}


def allowed_targets(current: ProjectStatus) -> list[str]:
    return [target.value for target in TRANSITIONS[current]]


def check_transition(project_id: int, current: ProjectStatus, target: ProjectStatus) -> None:
    """Nothing when ``current → target`` is allowed (the same status is not a transition: the
    caller treats it as a no-op); else a 409 with ``from``, ``to`` and ``allowed``."""
    if target in TRANSITIONS[current]:
        return
    allowed = allowed_targets(current)
    choices = ", ".join(allowed) if allowed else "none (archived projects are read-only)"
    raise Conflict(
        f"Project {project_id} cannot go from {current.value} to {target.value}; "
        f"allowed from {current.value}: {choices}.",
        **{"from": current.value, "to": target.value, "allowed": allowed},
    )


def check_writable(project_id: int, current: ProjectStatus) -> None:
    """An archived project is read-only: every change (its status too) is a 409."""
    if current is ARCHIVED:
        raise Conflict(
            f"Project {project_id} is archived; archived projects are read-only.",
            **{"from": current.value, "allowed": []},
        )
