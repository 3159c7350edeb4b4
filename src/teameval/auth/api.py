from __future__ import annotations

from fastapi import APIRouter, Request

from teameval.auth import service
from teameval.auth.passwords import HashingBusy
from teameval.auth.schemas import DevLoginRequest, LoginRequest, Me, SchoolRef, TokenResponse
from teameval.auth.throttling import Attempt, account_key, client_address
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.deps import PrincipalDep, SessionDep, StateDep
from teameval.errors import NotFound
from teameval.models import School, User

router = APIRouter(prefix="/auth", tags=["auth"])


def _token_for(state: StateDep, user: User) -> TokenResponse:
    token = issue_token(
        TokenClaims(user_id=user.id, school_id=user.school_id),
        state.secret_key,
        state.token_lifetime,
    )
    return TokenResponse(access_token=token, expires_in=int(state.token_lifetime.total_seconds()))


@router.post(
    "/login",
    operation_id="logIn",
    summary="Sign in with school, email and password for a bearer token.",
    response_model=TokenResponse,
    # Problem bodies and media type are filled in by teameval.openapi.
    responses={401: {"description": "Wrong school, email or password."}, 429: {}},
)
def login(
    body: LoginRequest, request: Request, session: SessionDep, state: StateDep
) -> TokenResponse:
    """Throttled per account and per client address (429 with ``Retry-After``)."""
    attempt = Attempt(account_key(body.school, body.email), client_address(request))
    # Counted before the password is checked: a refused attempt costs no hash.
    state.login_throttle.count_attempt(attempt)
    try:
        user = service.authenticate(
            session, body.school, body.email, body.password, state.hashing_gate
        )
    except HashingBusy:
        state.login_throttle.give_back(attempt)  # never judged, so it does not count
        raise
    state.login_throttle.succeeded(session, attempt)
    return _token_for(state, user)


@router.post("/dev-login", response_model=TokenResponse, include_in_schema=False)
def dev_login(body: DevLoginRequest, session: SessionDep, state: StateDep) -> TokenResponse:
    if not state.settings.dev_login:
        raise NotFound("Not found.")
    user = service.authenticate_without_password(session, body.school, body.email)
    return _token_for(state, user)


@router.get(
    "/me", operation_id="getMe", summary="Who the bearer token belongs to.", response_model=Me
)
def me(principal: PrincipalDep, session: SessionDep) -> Me:
    """The signed-in user, their role and their school."""
    school = session.get_one(School, principal.school_id)
    return Me(
        id=principal.user_id,
        email=principal.email,
        name=principal.name,
        role=principal.role.value,
        school=SchoolRef(id=school.id, slug=school.slug, name=school.name),
    )
