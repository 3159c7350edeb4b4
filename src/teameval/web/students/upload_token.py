"""The uploaded CSV, carried from the preview to the commit inside the page itself.

The preview signs the file's bytes together with the school, the admin and a digest of the plan
it showed (itsdangerous, the app's secret key, salt ``students-import``, compressed). The commit
accepts only its own signature, for the same school and admin, within the hour, so it imports
the very bytes that were previewed; and it re-plans them first and refuses when the plan is no
longer the one the admin saw (someone changed a student in between). No server-side storage:
any app process behind the load balancer can take the commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from teameval.roster.csv.importer import ImportReport

SALT = "students-import"
MAX_AGE_SECONDS = 3600
# Starlette reads a form field of at most 1 MiB: the signed file must fit in one hidden field.
MAX_TOKEN_CHARS = 1024 * 1024 - 4096


class UploadRefused(Exception):
    """A forged, altered, expired or someone else's token."""


@dataclass(frozen=True)
class PreviewedUpload:
    data: bytes
    plan: str


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def plan_digest(report: ImportReport) -> str:
    """What the preview promised, row by row: the action and every change (from → to)."""
    rows = [
        [row.line, row.email, row.action, row.changes, row.message, row.student_id]
        for row in report.rows
    ]
    text = json.dumps(rows, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign_upload(secret_key: str, school_id: int, user_id: int, data: bytes, plan: str) -> str:
    # latin-1 maps every byte to one character: the bytes come back exactly, and CSV text
    # (mostly ASCII) stays compressible, unlike base64.
    payload = {"s": school_id, "u": user_id, "p": plan, "d": data.decode("latin-1")}
    return _serializer(secret_key).dumps(payload)


def read_upload_token(secret_key: str, token: str, school_id: int, user_id: int) -> PreviewedUpload:
    try:
        payload: Any = _serializer(secret_key).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature as error:  # SignatureExpired is a BadSignature too
        raise UploadRefused(str(error)) from error
    if (
        not isinstance(payload, dict)
        or payload.get("s") != school_id
        or payload.get("u") != user_id
    ):
        raise UploadRefused("signed for another school or user")
    data, plan = payload.get("d"), payload.get("p")
    if not isinstance(data, str) or not isinstance(plan, str):
        raise UploadRefused("incomplete")
    return PreviewedUpload(data=data.encode("latin-1"), plan=plan)
