"""Users named by id: resolved within the caller's school only (anything else is 404).

There is no role rule here (who may name a user is decided by the route's other dependency:
an admin, or a teacher of the course); this is tenancy (DESIGN.md invariant 1).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.models import Role, User


def user_in_school(
    session: Session, principal: Principal, user_id: int, role: Role | None = None
) -> User:
    """A user of the caller's school (optionally of one role); anything else is 404."""
    noun = role.value if role else "user"
    known_id(user_id, f"No {noun} with id {user_id}.")
    query = select(User).where(User.id == user_id, User.school_id == principal.school_id)
    if role is not None:
        query = query.where(User.role == role.value)
    user = session.scalar(query)
    if user is None:
        raise NotFound(f"No {noun} with id {user_id}.")
    return user
