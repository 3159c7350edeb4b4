"""Role rules as data: one SQL predicate per (resource kind, action, role).

A rule is written once, as a SQLAlchemy boolean expression over the resource's table, and both
questions access answers are derived from it, so they cannot disagree:

- the point check, ``may``: ``SELECT EXISTS (... WHERE id = :id AND rule)``;
- the list filter, ``visible``: ``query.where(rule)``;
- ``resolve`` (what the typed route dependencies call): the row and its rule in one query, so
  an id outside the caller's school is 404 exactly like a missing one, and 403 is only for a
  row of their school they may not act on (DESIGN.md invariants 1 and 4).

Every rule is ANDed with "the row is in the caller's school"; a (action, role) pair with no rule
is denied. Adding a resource kind (projects, project teams, assessments, peer evaluations, in
the issues that add their tables) happens in this package only::

    class ProjectAction(StrEnum):
        VIEW = "view"
        MANAGE = "manage"

    PROJECT = register(
        ResourceKind(
            name="project",
            noun="Project",
            model=Project,
            rules={
                (ProjectAction.VIEW, Role.ADMIN): anything,
                (ProjectAction.MANAGE, Role.ADMIN): anything,
                # a teacher of the project's course: reuse the course rule, correlated
                (ProjectAction.VIEW, Role.TEACHER): lambda p: teaches(p, Project.course_id),
                ...
            },
        )
    )

then one ``Annotated[Project, Depends(resource_dependency(PROJECT, ProjectAction.VIEW))]`` in
``access.dependencies`` per action routes need. Routes never call ``may``/``resolve``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, select, true
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.errors import Forbidden, NotFound
from teameval.kit.inputs import known_id
from teameval.models import Role

M = TypeVar("M")
Predicate = Callable[[Principal], ColumnElement[bool]]


def anything(_principal: Principal) -> ColumnElement[bool]:
    """The rule of a role that may act on every row of its school (the school is ANDed in)."""
    return true()


@dataclass(frozen=True)
class ResourceKind(Generic[M]):
    """A kind of resource routes name by id, and who may do what on it."""

    name: str  # registry key, e.g. "course"
    noun: str  # for problem details, e.g. "Course"
    model: type[M]
    rules: Mapping[tuple[StrEnum, Role], Predicate]
    # The course whose active enrollment a student's rule rests on (``Course.id``,
    # ``Project.course_id``), or None: the kinds whose point decisions phase 3 shadows.
    student_course: Any = None

    @property
    def id_column(self) -> Any:
        return self.model.id  # type: ignore[attr-defined]

    @property
    def school_column(self) -> Any:
        return self.model.school_id  # type: ignore[attr-defined]

    def rule(self, principal: Principal, action: StrEnum) -> ColumnElement[bool]:
        """The one predicate: the row is in the caller's school and their role's rule holds."""
        predicate = self.rules.get((action, principal.role))
        allowed = predicate(principal) if predicate is not None else false()
        return and_(self.school_column == principal.school_id, allowed)


REGISTRY: dict[str, ResourceKind[Any]] = {}


def register(kind: ResourceKind[M]) -> ResourceKind[M]:
    if kind.name in REGISTRY:
        raise ValueError(f"resource kind {kind.name!r} is registered twice")
    REGISTRY[kind.name] = kind
    return kind


def may(
    session: Session, principal: Principal, kind: ResourceKind[Any], action: StrEnum, id_: int
) -> bool:
    """Point check: whether the caller may do ``action`` on the row ``id_`` (False if absent)."""
    if not known_id_ok(id_):
        return False
    shadow = shadow_columns(principal, kind)
    if shadow:
        # The rule beside the shadow's columns, one row (none when absent): same answer.
        found = session.execute(
            select(kind.rule(principal, action), *shadow).where(
                kind.id_column == id_, kind.school_column == principal.school_id
            )
        ).first()
        if found is None:
            return False
        note_shadow_row(principal, found[1:])
        return bool(found[0])
    return bool(
        session.scalar(select(exists().where(kind.id_column == id_, kind.rule(principal, action))))
    )


def visible(
    principal: Principal,
    kind: ResourceKind[M],
    action: StrEnum,
    query: Select[M] | None = None,
) -> Select[M]:
    """List filter: ``query`` (default: every row) narrowed to rows the caller may ``action``."""
    base = select(kind.model) if query is None else query
    return base.where(kind.rule(principal, action))


def resolve(
    session: Session, principal: Principal, kind: ResourceKind[M], action: StrEnum, id_: int
) -> M:
    """The row, if it is in the caller's school (else 404) and they may ``action`` it (else 403).

    One query: the row (scoped to the school) with the rule evaluated beside it (and, while
    phase 3's shadow comparison runs, the legacy decision too: ``access.shadow``)."""
    missing = f"{kind.noun} {id_} does not exist."
    known_id(id_, missing)
    allowed = kind.rule(principal, action).label("allowed")
    shadow = shadow_columns(principal, kind)
    found = session.execute(
        select(kind.model, allowed, *shadow).where(
            kind.id_column == id_, kind.school_column == principal.school_id
        )
    ).first()
    if found is None:
        raise NotFound(missing)
    row: M = found[0]
    ok = found[1]
    if shadow:
        note_shadow_row(principal, found[2:])
    if not ok:
        raise Forbidden(f"You may not {action.value} {kind.name} {id_}.")
    return row


def shadow_columns(principal: Principal, kind: ResourceKind[Any]) -> list[ColumnElement[Any]]:
    """The shadow comparison's extra columns for this decision, or none (``access.shadow``;
    imported here because it builds on ``access.courses``, which imports this module)."""
    if kind.student_course is None or principal.role is not Role.STUDENT:
        return []
    from teameval.access.shadow import decision_columns

    return decision_columns(principal, kind.student_course)


def note_shadow_row(principal: Principal, values: Sequence[Any]) -> None:
    from teameval.access.shadow import note_decision

    note_decision(principal, values)


def known_id_ok(id_: int) -> bool:
    try:
        known_id(id_, "")
    except NotFound:
        return False
    return True
