"""The OpenAPI document tells the truth about errors: every 4xx/5xx is a ``Problem`` sent as
``application/problem+json`` (``problems.py``), declared on each operation that can answer it.

Which problems an operation declares is derived from what the route is made of, so a new route
is described correctly without anyone keeping a list:

- every operation: 422 (its input fails validation) and 503 (the database does not answer);
- it takes a body: 400 (FastAPI cannot parse it: not JSON, broken form data);
- it depends on the signed-in caller (``deps.get_principal``): 401;
- it depends on an admin (``deps.get_admin``): 403;
- it resolves an id through a typed access dependency (``access.dependencies.RESOLVES``): 404
  outside the caller's school, and 403 where the dependency also checks the caller's role (a
  course); any other path ``*_id``: 404;
- an authenticated write (POST/PUT/PATCH/DELETE): 409 (a taken code or email, an archived
  teacher, a concurrent writer);
- it depends on legacy teams being on (``groups_api.legacy_groups_on``): 410;
- it takes a multipart upload: 413;
- it takes an ``If-Match`` header: 412 (and its 200, like the GET of the same path, an ``ETag``).

An operation that depends on legacy teams being on is a legacy route: ``deprecated: true``,
and every response declares the ``Deprecation``, ``Sunset`` and ``Link`` headers it is sent with
(``roster.legacy.watch.deprecation``).

A 201 whose new resource has a GET route (``POST /x`` next to ``GET /x/{id}``) declares the
``Location`` header the route sends (``conditional.set_location``).

Anything else a route can answer (401 and 429 on login) it declares itself with ``responses=``;
whatever a route declares, every 4xx/5xx ends up with the Problem schema and media type here.
FastAPI's own 422 schema (``HTTPValidationError``) is replaced, since the server never sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from teameval.access.dependencies import RESOLVES
from teameval.deps import get_admin, get_principal
from teameval.problems import PROBLEM_JSON
from teameval.roster.legacy.api import legacy_groups_on


class FieldProblem(BaseModel):
    """One offending field (``field``) or CSV line (``line``) of a 422."""

    model_config = ConfigDict(extra="allow")

    field: str | None = Field(default=None, description="The field, e.g. `email` or `query.page`.")
    message: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details. Extension members vary by ``type`` (see docs/api.md)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="A stable relative URI per kind of problem.")
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="On 422: each offending field or line."
    )


DESCRIPTIONS = {
    400: "The body could not be parsed (not JSON, not form data, not UTF-8 where it must be).",
    401: "The access token is missing, invalid or expired (or, on login, wrong credentials).",
    403: "The caller's role does not allow this.",
    404: "No such resource in the caller's school.",
    409: "Conflicts with the current state (a taken code or email, an archived user).",
    412: "`If-Match` names an ETag the resource no longer has; `etag` is the current one.",
    410: "Legacy teams are switched off; `replacement` names what replaces this route.",
    413: "The upload is larger than the configured limit.",
    422: "The request is not valid; `errors` names each offending field or line.",
    429: "Too many attempts; retry after `Retry-After` seconds.",
    503: "The database does not answer, or its schema is not at this version's migrations.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`."}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}
LOCATION = {
    "Location": {
        "schema": {"type": "string", "format": "uri"},
        "description": "The URL of the created resource (its GET).",
    }
}
ETAG = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "Strong validator of this representation; send it back as `If-Match`.",
    }
}
DEPRECATION_HEADERS = {
    "Deprecation": {
        "schema": {"type": "string"},
        "description": "RFC 9745: `@` and the Unix time the route was deprecated.",
    },
    "Sunset": {
        "schema": {"type": "string"},
        "description": "RFC 8594: the HTTP date after which the route stops answering.",
    },
    "Link": {
        "schema": {"type": "string"},
        "description": 'The replacing route (`rel="successor-version"`) and the deprecation '
        'notice (`rel="deprecation"`).',
    },
}
EVERYWHERE = frozenset({422, 503})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BY_DEPENDENCY: dict[Callable[..., Any], frozenset[int]] = {
    get_principal: frozenset({401}),
    get_admin: frozenset({403}),
    legacy_groups_on: frozenset({410}),
    **RESOLVES,
}
# One wording per path id wherever it appears; a route that says more declares its own.
PATH_ID_DESCRIPTIONS = {
    "course_id": "A course of the caller's school.",
    "student_id": "A student of the caller's school.",
    "user_id": "A user (here: a teacher) of the caller's school.",
    "group_id": "A legacy team of the course in the path.",
    "project_id": "A project of the caller's school.",
    "team_id": "A version of a team of the project in the path.",
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_422_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    """The route's dependant and, depth first, every dependency of it."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _tree(sub)


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    """Each API route as the OpenAPI generator sees it: with its router's prefix, dependencies
    and responses. FastAPI >= 0.16x keeps included routers lazily, behind route contexts."""
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts else routes:
        if isinstance(getattr(route, "original_route", route), APIRoute):
            yield route


def problem_statuses(route: Any, method: str, request_body: dict[str, Any] | None) -> set[int]:
    """The problem statuses ``method`` on ``route`` can answer, from its dependencies, path and
    documented request body (which a route that reads its own body declares itself)."""
    statuses = set(EVERYWHERE)
    tree = list(_tree(route.dependant))
    calls = {dependant.call for dependant in tree[1:]}
    for dependency, implied in BY_DEPENDENCY.items():
        if dependency in calls:
            statuses |= implied
    for param in {param.name for dependant in tree for param in dependant.path_params}:
        if param.endswith("_id"):
            statuses.add(404)
    if method in WRITES and get_principal in calls:
        statuses.add(409)
    if takes_if_match(route):
        statuses.add(412)
    if request_body:
        statuses.add(400)
        if "multipart/form-data" in request_body.get("content", {}):
            statuses.add(413)
    statuses |= {int(code) for code in route.responses if str(code).isdigit() and int(code) >= 400}
    return statuses


def depends_on(route: Any, dependency: Callable[..., Any]) -> bool:
    """Whether ``dependency`` is anywhere in the route's dependency tree."""
    return any(dependant.call is dependency for dependant in _tree(route.dependant))


def _mark_deprecated(operation: dict[str, Any]) -> None:
    operation["deprecated"] = True
    for response in operation["responses"].values():
        response["headers"] = {**response.get("headers", {}), **DEPRECATION_HEADERS}


def takes_if_match(route: Any) -> bool:
    return any(
        param.alias.lower() == "if-match"
        for dependant in _tree(route.dependant)
        for param in dependant.header_params
    )


def _single_get_of(paths: dict[str, Any], prefix: str) -> bool:
    """Whether ``prefix/{id}`` (one more segment, a path parameter) has a GET."""
    depth = prefix.count("/") + 1
    return any(
        path.startswith(prefix + "/{") and path.count("/") == depth and "get" in operations
        for path, operations in paths.items()
    )


def _has_single_get(paths: dict[str, Any], collection: str) -> bool:
    """Whether what a POST to ``collection`` creates has a GET, so its 201 sends ``Location``:
    ``collection/{id}`` (``/courses`` → ``/courses/{course_id}``), the top-level resource of a
    nested collection (``/courses/{course_id}/projects`` → ``/projects/{project_id}``), or the
    original of a copy (``/rubrics/{rubric_id}/copy`` makes a rubric: ``/rubrics/{rubric_id}``)."""
    noun = collection.rsplit("/", 1)[-1]
    candidates = [collection, f"{_api_prefix(collection)}/{noun}"]
    if noun == "copy":
        candidates.append(collection.rsplit("/", 2)[0])
    return any(_single_get_of(paths, candidate) for candidate in candidates)


def _api_prefix(path: str) -> str:
    """``/api/v1`` of ``/api/v1/courses/...``: the first two segments."""
    return "/".join(path.split("/")[:3])


def _declare_success_headers(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """``Location`` on a 201 whose resource has a GET; ``ETag`` where ``If-Match`` is taken."""
    paths: dict[str, Any] = document["paths"]
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is not None and _has_single_get(paths, path):
            created.setdefault("headers", {}).update(LOCATION)
    for route in api_routes(routes):
        if route.include_in_schema and takes_if_match(route):
            for method in {"get", *(method.lower() for method in route.methods)}:
                answers = paths.get(route.path_format, {}).get(method, {}).get("responses", {})
                if "200" in answers:
                    answers["200"].setdefault("headers", {}).update(ETAG)


def _problem_response(status: int, declared: dict[str, Any] | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": (declared or {}).get("description") or DESCRIPTIONS.get(status, "Problem"),
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _type_other_successes(responses: dict[str, Any], main: str) -> None:
    """A second success status a route declares by description only (200 "already enrolled"
    next to 201) sends the same response model: give it the main status's content."""
    content = responses.get(main, {}).get("content")
    for code, response in responses.items():
        if code.startswith("2") and code != "204" and "content" not in response and content:
            response["content"] = content


def _describe_path_ids(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and not parameter.get("description"):
            description = PATH_ID_DESCRIPTIONS.get(parameter["name"])
            if description:  # an unknown one stays bare, and test_openapi_contract says so
                parameter["description"] = description


def _component_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {**definitions, "Problem": schema}


def describe_problems(document: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Declare the problem responses of every operation of ``routes`` in ``document``."""
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods):
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            _describe_path_ids(operation)
            responses: dict[str, Any] = operation["responses"]
            _type_other_successes(responses, str(route.status_code or 200))
            body = operation.get("requestBody")
            for status in sorted(problem_statuses(route, method, body)):
                responses[str(status)] = _problem_response(status, responses.get(str(status)))
            if depends_on(route, legacy_groups_on):
                _mark_deprecated(operation)
    _declare_success_headers(document, routes)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_422_SCHEMAS:
        components.pop(name, None)
    components.update(_component_schemas())
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return the document with problems declared."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_problems(generate(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
