"""Request-scoped dependencies: the transaction and the signed-in caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import Principal, require_role
from teameval.auth.passwords import HashingGate
from teameval.auth.throttling import LoginThrottler
from teameval.auth.tokens import decode_token
from teameval.config import Settings
from teameval.errors import Unauthenticated
from teameval.models import Role, User


@dataclass(frozen=True)
class AppState:
    settings: Settings
    session_factory: sessionmaker[Session]
    secret_key: str
    # Built with the state (not lazily): two threads racing to build the gate would get two
    # semaphores, and twice the hashing the bound allows. One app per server process.
    hashing_gate: HashingGate = field(init=False)
    login_throttle: LoginThrottler = field(init=False)

    def __post_init__(self) -> None:
        gate = HashingGate(
            self.settings.password_hashing_concurrency,
            self.settings.password_hashing_wait_seconds,
        )
        object.__setattr__(self, "hashing_gate", gate)
        throttle = LoginThrottler.from_settings(self.session_factory, self.settings)
        object.__setattr__(self, "login_throttle", throttle)

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.settings.token_lifetime_minutes)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.teameval
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    ``scope="function"`` (below) makes the commit happen before the response is sent, so a
    failed commit is an error response and never a false success.
    """
    with state.session_factory() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


def get_principal(
    state: StateDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated("The access token is missing, invalid or expired.")
    claims = decode_token(credentials.credentials, state.secret_key, state.token_lifetime)
    user = session.scalar(
        select(User).where(User.id == claims.user_id, User.school_id == claims.school_id)
    )
    if user is None or user.archived:
        raise Unauthenticated("The access token is missing, invalid or expired.")
    return Principal(
        user_id=user.id,
        school_id=user.school_id,
        role=Role(user.role),
        email=user.email,
        name=user.name,
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_admin(principal: PrincipalDep) -> Principal:
    require_role(principal, Role.ADMIN)
    return principal


AdminDep = Annotated[Principal, Depends(get_admin)]
