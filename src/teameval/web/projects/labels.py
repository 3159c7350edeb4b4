"""Words shown for the values of the projects area (statuses, lock reasons, change actions),
marked here and translated when shown (``_(label)`` in templates, ``page.gettext`` in code)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


STATUS_NAMES = {
    "draft": N_("Draft"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "archived": N_("Archived"),
}

# The button that makes each transition (lifecycle.TRANSITIONS), by its target status.
TRANSITION_BUTTONS = {
    "active": N_("Start the project (active)"),
    "completed": N_("Mark as completed"),
    "archived": N_("Archive the project"),
}
REOPEN_BUTTON = N_("Reopen the project (active)")

STATUS_BADGES = {
    "draft": "badge-muted",
    "active": "badge-ok",
    "completed": "badge-warn",
    "archived": "badge-muted",
}

LOCK_REASONS = {
    "teacher": N_("locked by a teacher"),
    "assessment": N_("locked by an assessment"),
    "peer_evaluation": N_("locked by a peer evaluation"),
}

CHANGE_ACTIONS = {
    "create": N_("new team"),
    "update": N_("changed"),
    "new_version": N_("new version (the team is locked)"),
    "archive": N_("removed"),
    "unchanged": N_("unchanged"),
}

SKIP_REASONS = {
    "not a student": N_("not a student"),
    "archived": N_("archived"),
    "not actively enrolled in the course": N_("not actively enrolled in the course"),
}
