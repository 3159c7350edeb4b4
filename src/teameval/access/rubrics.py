"""Who may do what on a rubric (see ``access.rules`` for how it is used).

Rubrics are school-wide: every admin and teacher of the school views (and may copy) every
rubric of the school. Admins manage any; a teacher manages the rubrics they created. Students
have no rule, so every rubric route answers them 403: they see a rubric only through their own
published results.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement

from teameval.access.principal import Principal
from teameval.access.rules import ResourceKind, anything, register
from teameval.models import Role, Rubric


class RubricAction(StrEnum):
    VIEW = "view"  # read it, copy it, use it in an assessment
    MANAGE = "manage"  # change its title, description and criteria (until it is frozen)


def _created_it(principal: Principal) -> ColumnElement[bool]:
    return Rubric.created_by_id == principal.user_id


RUBRIC = register(
    ResourceKind(
        name="rubric",
        noun="Rubric",
        model=Rubric,
        rules={
            (RubricAction.VIEW, Role.ADMIN): anything,
            (RubricAction.MANAGE, Role.ADMIN): anything,
            (RubricAction.VIEW, Role.TEACHER): anything,
            (RubricAction.MANAGE, Role.TEACHER): _created_it,
        },
    )
)
