"""HTTP validators: ``Location`` for a created resource, a strong ``ETag`` and ``If-Match``.

The ETag is a hash of the representation itself (the models keep no row version), so it changes
exactly when what a client sees changes. ``If-Match`` makes a read-modify-write safe: a client
sends the ETag it read, and a change made since answers 412 instead of being overwritten.
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from teameval.errors import PreconditionFailed


def strong_etag(representation: BaseModel) -> str:
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:32]}"'


def require_match(if_match: str | None, current: str) -> None:
    """A missing If-Match is allowed; a present one must name the current ETag (or ``*``).

    Strong comparison (RFC 9110 13.1.1): a weak tag ``W/"..."`` never matches.
    """
    if if_match is None:
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" in tags or current in tags:
        return
    raise PreconditionFailed(
        "The resource changed since it was read: get it again and reapply the change.",
        etag=current,
    )


def set_location(request: Request, response: Response, route_name: str, **params: int) -> None:
    """``Location`` of the resource a 201 created: the URL of its GET route."""
    response.headers["Location"] = str(request.url_for(route_name, **params))
