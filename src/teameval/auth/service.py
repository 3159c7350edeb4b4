"""Login: users are looked up by school *and* email; every failure looks the same."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.auth.passwords import DEFAULT_GATE, HashingGate, verify_password
from teameval.errors import Unauthenticated
from teameval.kit.normalise import normalise_email
from teameval.models import School, User

_WRONG_CREDENTIALS = "School, email or password is not correct."


def find_login_user(session: Session, school_slug: str, email: str) -> User | None:
    return session.scalar(
        select(User)
        .join(School, School.id == User.school_id)
        .where(School.slug == school_slug.strip().lower(), User.email == normalise_email(email))
    )


def authenticate(
    session: Session,
    school_slug: str,
    email: str,
    password: str,
    gate: HashingGate = DEFAULT_GATE,
) -> User:
    user = find_login_user(session, school_slug, email)
    # Verify even when the user is missing, so response time does not reveal accounts.
    password_ok = verify_password(user.password_hash if user else None, password, gate)
    if user is None or not password_ok or user.archived:
        raise Unauthenticated(_WRONG_CREDENTIALS)
    return user


def authenticate_without_password(session: Session, school_slug: str, email: str) -> User:
    """Demo-only login (``TEAMEVAL_DEV_LOGIN``); archived users are still refused."""
    user = find_login_user(session, school_slug, email)
    if user is None or user.archived:
        raise Unauthenticated(_WRONG_CREDENTIALS)
    return user
