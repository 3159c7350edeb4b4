"""CSRF protection for every form post: the session's token, sent back as the ``csrf_token``
form field (every form) or the ``X-CSRF-Token`` header (HTMX requests, set once on ``<body>``).

Declared as a dependency of each state-changing page route (``dependencies=[CsrfChecked]`` or a
router's ``dependencies``); ``tests/web/test_csrf.py`` walks every POST route of the web UI and
checks a post without the token is refused.
"""

from __future__ import annotations

import hmac

from fastapi import Depends, Request

from teameval.errors import Forbidden
from teameval.web.pages import VisitorDep

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfRefused(Forbidden):
    slug = "csrf-refused"
    title = "The form has expired"


async def check_csrf(request: Request, visitor: VisitorDep) -> None:
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            field = (await request.form()).get(FIELD)
            sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent, visitor.csrf_token):
        raise CsrfRefused(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


CsrfChecked = Depends(check_csrf)
