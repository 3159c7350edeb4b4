"""The browser's session: one signed cookie holding who signed in, the CSRF token, the chosen
language and the one-shot messages ("flash") a redirect carries to the next page.

Signed (itsdangerous, the app's secret key, a salt of its own so an API token can never pass for
a cookie or the reverse) and time-limited; never encrypted, so it holds ids, not secrets.
``HttpOnly`` and ``SameSite=Lax`` always, ``Secure`` when the request came over HTTPS. A
visitor who has not signed in still has a session: the sign-in form needs a CSRF token too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "teameval_session"
SESSION_HOURS = 12
_SALT = "teameval.web.session"


@dataclass
class Visitor:
    """What the cookie says about this browser; ``changed`` means the cookie must be re-sent."""

    csrf_token: str
    user_id: int | None = None
    school_id: int | None = None
    language: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    changed: bool = False

    @classmethod
    def new(cls) -> Visitor:
        return cls(csrf_token=secrets.token_urlsafe(32), changed=True)

    def sign_in(self, user_id: int, school_id: int) -> None:
        """A new CSRF token with every sign-in: a token seen before it proves nothing after."""
        self.user_id, self.school_id = user_id, school_id
        self.csrf_token = secrets.token_urlsafe(32)
        self.changed = True

    def sign_out(self) -> None:
        self.user_id = self.school_id = None
        self.csrf_token = secrets.token_urlsafe(32)
        self.changed = True

    def flash(self, message: str, level: str = "success") -> None:
        self.flashes.append((level, message))
        self.changed = True

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        if taken:
            self.changed = True
        return taken

    def choose_language(self, language: str) -> None:
        self.language = language
        self.changed = True

    def payload(self) -> dict[str, Any]:
        return {
            "c": self.csrf_token,
            "u": self.user_id,
            "s": self.school_id,
            "l": self.language,
            "f": self.flashes,
        }


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def read_visitor(request: Request, secret_key: str) -> Visitor:
    """The visitor of this request's cookie; a missing, forged or expired one is a new visitor."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return Visitor.new()
    try:
        data = _serializer(secret_key).loads(raw, max_age=SESSION_HOURS * 3600)
        visitor = Visitor(
            csrf_token=str(data["c"]),
            user_id=int(data["u"]) if data.get("u") is not None else None,
            school_id=int(data["s"]) if data.get("s") is not None else None,
            language=str(data["l"]) if data.get("l") else None,
            flashes=[(str(level), str(text)) for level, text in data.get("f") or []],
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return Visitor.new()
    return visitor


def write_visitor(response: Response, request: Request, visitor: Visitor, secret_key: str) -> None:
    if not visitor.changed:
        return
    response.set_cookie(
        COOKIE_NAME,
        _serializer(secret_key).dumps(visitor.payload()),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
