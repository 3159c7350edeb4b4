"""Signed, short-lived bearer tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from teameval.errors import Unauthenticated

_ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    school_id: int


def issue_token(claims: TokenClaims, secret: str, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "sch": claims.school_id,
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


def decode_token(token: str, secret: str) -> TokenClaims:
    """The token's claims; any defect (signature, expiry, shape) is the same 401."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["sub", "sch", "exp"]}
        )
        return TokenClaims(user_id=int(payload["sub"]), school_id=int(payload["sch"]))
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise Unauthenticated("The access token is missing, invalid or expired.") from error
