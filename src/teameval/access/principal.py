"""The signed-in caller, and the one role gate that needs no resource (admin-only routes)."""

from __future__ import annotations

from dataclasses import dataclass

from teameval.audit_trail import Actor
from teameval.errors import Forbidden
from teameval.models import Role
from teameval.roster.legacy.watch.tally import note_caller


@dataclass(frozen=True)
class Principal:
    """The signed-in caller."""

    user_id: int
    school_id: int
    role: Role
    email: str
    name: str

    def __post_init__(self) -> None:
        # The request's caller: every authenticated API route and page builds one, so the legacy
        # watch learns the school its usage counts belong to (roster.legacy.watch.tally).
        note_caller(self.school_id)

    @property
    def actor(self) -> Actor:
        return Actor(school_id=self.school_id, user_id=self.user_id, label=f"user:{self.user_id}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise Forbidden(f"This action needs the {allowed} role.")
