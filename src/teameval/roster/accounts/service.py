"""Schools and user accounts, created by operators on the command line (``teameval schools|users
create``). The API and the CSV import create students through ``students.sync`` instead."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, record
from teameval.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from teameval.errors import Conflict, InvalidInput, NotFound
from teameval.kit.inputs import control_character
from teameval.kit.normalise import normalise_email, normalise_name
from teameval.kit.validation import check_email
from teameval.models import Role, School, User

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def create_school(session: Session, slug: str, name: str) -> School:
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise InvalidInput(
            f"School slug {slug!r} must be 1-64 lower-case letters, digits and inner hyphens.",
            errors=[{"field": "slug", "message": "invalid slug"}],
        )
    name = normalise_name(name)
    if not name:
        raise InvalidInput("School name is empty.", errors=[{"field": "name", "message": "empty"}])
    if session.scalar(select(School.id).where(School.slug == slug)) is not None:
        raise Conflict(f"A school with slug {slug!r} already exists.")
    school = School(slug=slug, name=name)
    session.add(school)
    session.flush()
    record(
        session,
        Actor.command_line(school.id, "schools create"),
        "school.created",
        "school",
        school.id,
        {"slug": slug, "name": school.name},
    )
    return school


def school_by_slug(session: Session, slug: str) -> School:
    school = session.scalar(select(School).where(School.slug == slug.strip().lower()))
    if school is None:
        raise NotFound(f"No school with slug {slug!r}.")
    return school


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
            errors=[{"field": "password", "message": "too short"}],
        )
    # The login body refuses control characters (inputs.SingleLine): a password holding one
    # could be set but never used to sign in.
    problem = control_character(password)
    if problem:
        raise InvalidInput(
            f"The password must not contain control characters (found {problem}).",
            errors=[{"field": "password", "message": f"contains a {problem}"}],
        )


def create_user(
    session: Session,
    actor: Actor,
    *,
    role: Role,
    email: str,
    name: str,
    password: str | None = None,
) -> User:
    """A user of the actor's school; email normalised and unique within the school."""
    email = normalise_email(email)
    check_email(email)
    name = normalise_name(name)
    if not name:
        raise InvalidInput("Name is empty.", errors=[{"field": "name", "message": "empty"}])
    if password is not None:
        check_password(password)
    taken = session.scalar(
        select(User.id).where(User.school_id == actor.school_id, User.email == email)
    )
    if taken is not None:
        raise Conflict(f"A user with email {email} already exists in this school.")
    user = User(
        school_id=actor.school_id,
        role=role.value,
        email=email,
        name=name,
        password_hash=hash_password(password) if password is not None else None,
        archived=False,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.created", "user", user.id, {"role": role.value, "email": email})
    return user
