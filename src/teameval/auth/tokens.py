"""Signed, short-lived bearer tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from teameval.errors import Unauthenticated

_ALGORITHM = "HS256"
# Allowed beyond the configured lifetime: iat and exp are rounded to whole seconds.
LIFETIME_LEEWAY = timedelta(seconds=5)
_INVALID = "The access token is missing, invalid or expired."


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


def decode_token(token: str, secret: str, max_lifetime: timedelta) -> TokenClaims:
    """The token's claims; any defect (signature, expiry, shape) is the same 401.

    The server's own lifetime also holds: a token whose ``exp`` lies further from its ``iat``
    than ``max_lifetime`` is refused: no token, however it was signed, and even one issued before
    the lifetime setting was shortened, is valid longer than the server allows now. (PyJWT itself
    refuses an ``iat`` in the future and an ``exp`` in the past.)
    """
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "sch", "exp", "iat"]},
        )
        lifetime = int(payload["exp"]) - int(payload["iat"])
        if lifetime > (max_lifetime + LIFETIME_LEEWAY).total_seconds():
            raise Unauthenticated(_INVALID)
        return TokenClaims(user_id=int(payload["sub"]), school_id=int(payload["sch"]))
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as error:
        raise Unauthenticated(_INVALID) from error
