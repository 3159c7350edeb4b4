"""The one error type. Services raise these; the API renders them as RFC 9457 problem details.

``type`` is a stable relative URI per kind of problem, documented in ``docs/api.md``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        self.detail = detail or self.title
        self.extensions = extensions
        super().__init__(self.detail)

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"

    def headers(self) -> dict[str, str]:
        """HTTP headers the response must carry (e.g. ``Retry-After``); none by default."""
        return {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem_document(
            self.type, self.title, self.status, self.detail, instance, **self.extensions
        )


def problem_document(
    problem_type: str,
    title: str,
    status: int,
    detail: str,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """An RFC 9457 problem details body; the one shape every error response has."""
    body: dict[str, Any] = {
        "type": problem_type,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return body


class InvalidInput(AppError):
    """Input that fails validation; ``errors`` lists each offending field or line."""

    status = 422
    slug = "validation-error"
    title = "The request is not valid"


class Unauthenticated(AppError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Gone(AppError):
    status = 410
    slug = "gone"
    title = "Gone"


class PreconditionFailed(AppError):
    """An ``If-Match`` that names an ETag the resource no longer has; ``etag`` is the current."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class TooManyRequests(AppError):
    """Too many attempts; ``retry_after`` (seconds) goes out as ``Retry-After`` and in the body."""

    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail, retry_after=self.retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(AppError):
    """The service cannot answer right now (database unreachable or busy); retry later."""

    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"
    retry_after: ClassVar[int] = 5  # seconds, sent as Retry-After

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class SchemaOutOfDate(ServiceUnavailable):
    slug = "schema-out-of-date"
    title = "Database schema is not at this version's migrations"

    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(
            f"The database is at migration {current or '(none)'} but this version of teameval "
            f"needs {head}. Run `teameval db upgrade` (after a backup) and start again.",
            current=current,
            head=head,
        )
