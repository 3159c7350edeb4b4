"""Renders every error as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from teameval.db_errors import as_app_error, first_line
from teameval.errors import AppError, InvalidInput, NotFound, problem_document
from teameval.web.errors import error_page, is_page

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("teameval")


def problem_response(error: AppError, request: Request) -> Response:
    """Problem details for the API; the same error as an HTML page for a web page."""
    if is_page(request):
        return error_page(request, error)
    headers = error.headers()
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        error.to_problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        # ("body", "email") → "email"; keep "query.page" style for non-body parameters.
        field = ".".join(location[1:]) if location[:1] == ["body"] else ".".join(location)
        fields.append({"field": field or "body", "message": item.get("msg", "invalid")})
    return fields


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, error: AppError) -> Response:
        return problem_response(error, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        fields = _field_errors(error)
        if is_page(request) and any(item["field"].startswith("path.") for item in fields):
            return error_page(request, NotFound("No such page."))  # /students/abc
        names = ", ".join(item["field"] for item in fields)
        return problem_response(InvalidInput(f"Invalid input in: {names}.", errors=fields), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        detail = str(error.detail)
        if is_page(request):
            page_error = AppError(detail)
            page_error.status = error.status_code  # type: ignore[misc]
            return error_page(request, page_error)
        body = problem_document(
            f"/problems/http-{error.status_code}",
            detail,
            error.status_code,
            detail,
            request.url.path,
        )
        return JSONResponse(
            body, status_code=error.status_code, media_type=PROBLEM_JSON, headers=error.headers
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, error: SQLAlchemyError) -> Response:
        # Unreachable or busy → 503 + Retry-After; a constraint or value the database refused
        # that no service check caught → 409 / 422. Logged: each one is worth a look.
        problem = as_app_error(error)
        if problem is None:
            return await _unexpected(request, error)
        logger.warning(
            "Database error on %s %s → %s: %s",
            request.method,
            request.url.path,
            problem.status,
            first_line(error),
        )
        return problem_response(problem, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        logger.exception("Unhandled error on %s %s", request.method, request.url.path)
        if is_page(request):
            page_error = AppError("Something went wrong on our side; nothing was saved.")
            page_error.status = 500  # type: ignore[misc]
            return error_page(request, page_error)
        body = problem_document(
            "/problems/internal-error",
            "Internal server error",
            500,
            "Something went wrong on our side; nothing was saved. It has been logged.",
            request.url.path,
        )
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
