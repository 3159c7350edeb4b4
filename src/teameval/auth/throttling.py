"""Login throttling per account and per client address, counted in the database.

An attempt is counted *before* its password is checked, by one atomic upsert per scope that
returns the new count, in a short transaction of its own (the request's transaction rolls back
on 401, which would take the count with it). Over a limit, that transaction is rolled back (a
refused attempt counts nowhere, so hammering a blocked account does not lengthen its block or
use up the address's allowance) and the caller gets 429 without any hash being computed.
Counting first, rather than checking first and counting failures afterwards, is what makes the
limit hold under concurrency: 100 parallel guesses at one account get exactly ``max_failures``
password checks, also across server processes, because the upserts serialise on the row.

A success clears the account's count, and gives the address back only its own attempt: someone
with one valid account must not be able to reset their address's count by signing in to it.

Windows are fixed: the first counted attempt opens one; the ``max_failures + 1``-th attempt
inside it is refused until it ends (``Retry-After``). The account key is the school slug plus the
normalised email whether or not that account exists, so a 429 reveals nothing either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Table, case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from teameval.config import Settings
from teameval.errors import TooManyRequests
from teameval.kit.normalise import normalise_email
from teameval.models import LoginThrottle

ACCOUNT = "account"
ADDRESS = "address"
_KEY_LENGTH = 400  # login_throttles.key
_TABLE: Table = LoginThrottle.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Limit:
    scope: str
    max_failures: int
    window: timedelta


@dataclass(frozen=True)
class Attempt:
    """The keys one login attempt was counted under."""

    account: str
    address: str


def account_key(school_slug: str, email: str) -> str:
    # The same normalisation the user lookup uses, so "Admin@X " and "admin@x" share a count.
    return f"{school_slug.strip().lower()}/{normalise_email(email)}"[:_KEY_LENGTH]


def client_address(request: Request) -> str:
    """The peer address uvicorn reports; behind a proxy, uvicorn's ``--forwarded-allow-ips``
    must name the proxy, or every client shares the proxy's address (and its limit)."""
    return request.client.host if request.client else "unknown"


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LoginThrottler:
    def __init__(self, session_factory: sessionmaker[Session], account: Limit, address: Limit):
        self._session_factory = session_factory
        self.account = account
        self.address = address

    @classmethod
    def from_settings(
        cls, session_factory: sessionmaker[Session], settings: Settings
    ) -> LoginThrottler:
        return cls(
            session_factory,
            Limit(
                ACCOUNT,
                settings.login_account_max_failures,
                timedelta(seconds=settings.login_account_window_seconds),
            ),
            Limit(
                ADDRESS,
                settings.login_address_max_failures,
                timedelta(seconds=settings.login_address_window_seconds),
            ),
        )

    def count_attempt(self, attempt: Attempt, now: datetime | None = None) -> None:
        """Count the attempt under both keys, or raise ``TooManyRequests`` counting nothing."""
        now = now or datetime.now(UTC)
        with self._session_factory() as session, session.begin():
            connection = session.connection()
            for limit, key in ((self.account, attempt.account), (self.address, attempt.address)):
                failures, window_started_at = _count(connection, limit, key, now)
                if failures > limit.max_failures:
                    ends = _aware(window_started_at) + limit.window
                    retry_after = max(1, math.ceil((ends - now).total_seconds()))
                    # Raised inside the transaction: it rolls back, so nothing is counted.
                    raise TooManyRequests(
                        "Too many failed sign-in attempts. Try again later.",
                        retry_after=retry_after,
                    )

    def succeeded(self, session: Session, attempt: Attempt, now: datetime | None = None) -> None:
        """Clear the account's count, give the address its attempt back, prune ended windows.

        In the request's own transaction (a success commits it), so a login holds at most one
        connection at a time, and a success whose commit fails is not counted as one."""
        now = now or datetime.now(UTC)
        longest = max(self.account.window, self.address.window)
        session.execute(_forget(ACCOUNT, attempt.account))
        session.execute(_give_back(ADDRESS, attempt.address, now))
        session.execute(delete(_TABLE).where(_TABLE.c.window_started_at <= now - longest))

    def give_back(self, attempt: Attempt, now: datetime | None = None) -> None:
        """Undo ``count_attempt`` for an attempt that was never judged (e.g. hashing busy)."""
        now = now or datetime.now(UTC)
        with self._session_factory() as session, session.begin():
            session.execute(_give_back(ACCOUNT, attempt.account, now))
            session.execute(_give_back(ADDRESS, attempt.address, now))


def _count(connection: Connection, limit: Limit, key: str, now: datetime) -> tuple[int, datetime]:
    """Add one to the key's count (a new window if the old one ended); the count and window start
    after the change. One statement, so concurrent attempts each see their own number."""
    insert: Any = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    moment = literal(now, _TABLE.c.window_started_at.type)
    window_over = _TABLE.c.window_started_at <= literal(
        now - limit.window, _TABLE.c.window_started_at.type
    )
    statement = (
        insert(_TABLE)
        .values(scope=limit.scope, key=key, failures=1, window_started_at=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.scope, _TABLE.c.key],
            set_={
                "failures": case((window_over, 1), else_=_TABLE.c.failures + 1),
                "window_started_at": case((window_over, moment), else_=_TABLE.c.window_started_at),
                "updated_at": moment,
            },
        )
        .returning(_TABLE.c.failures, _TABLE.c.window_started_at)
    )
    failures, window_started_at = connection.execute(statement).one()
    return int(failures), window_started_at


def _forget(scope: str, key: str) -> Any:
    return delete(_TABLE).where(_TABLE.c.scope == scope, _TABLE.c.key == key)


def _give_back(scope: str, key: str, now: datetime) -> Any:
    return (
        update(_TABLE)
        .where(_TABLE.c.scope == scope, _TABLE.c.key == key, _TABLE.c.failures > 0)
        .values(failures=_TABLE.c.failures - 1, updated_at=now)
    )
