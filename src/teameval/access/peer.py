"""Who may do what on a peer evaluation (see ``access.rules`` for how it is used).

A peer evaluation follows its project's course, as an assessment does: admins of the school and
the course's active teachers view and manage it. Students have no rule here, so every
``/peer-evaluations/{id}`` route answers them 403: a student reaches an evaluation only through
``/me/peer-evaluations``, which finds it through their own team version, and sees nobody's
ratings but their own (anonymity is held by the server, issue 13).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, exists

from teameval.access.courses import teaches
from teameval.access.principal import Principal
from teameval.access.rules import ResourceKind, anything, register
from teameval.models import PeerEvaluation, Project, Role


class PeerEvaluationAction(StrEnum):
    VIEW = "view"  # read it, its progress, matrix, factors, preview and export
    MANAGE = "manage"  # change its settings and status, hide comments, publish


def _teaches_evaluation_course(principal: Principal) -> ColumnElement[bool]:
    # Correlated through the evaluation's project: an evaluation has no course of its own.
    return exists().where(
        Project.id == PeerEvaluation.project_id, teaches(principal, Project.course_id)
    )


PEER_EVALUATION = register(
    ResourceKind(
        name="peer_evaluation",
        noun="Peer evaluation",
        model=PeerEvaluation,
        rules={
            (PeerEvaluationAction.VIEW, Role.ADMIN): anything,
            (PeerEvaluationAction.MANAGE, Role.ADMIN): anything,
            (PeerEvaluationAction.VIEW, Role.TEACHER): _teaches_evaluation_course,
            (PeerEvaluationAction.MANAGE, Role.TEACHER): _teaches_evaluation_course,
        },
    )
)
