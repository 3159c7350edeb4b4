"""A property-based OpenAPI fuzzer over every operation (issue 7), on PostgreSQL.

Schemathesis generates requests from the served OpenAPI document, valid ones and invalid ones,
and sends them in-process (ASGI) to the app ``create_app`` builds, signed in as an admin, a
teacher (who teaches ``course``) and a student (enrolled in it); the two operations without a
token (health, login) are fuzzed once, without one. Each response must be:

- not a server error (no 5xx at all: the database is up, so a 503 would be a failure too),
- of a status the operation declares, with a declared media type (problem+json for errors),
- valid against the declared schema (``Problem`` for every 4xx/5xx).

Three passes per operation and role: valid requests, invalid ones, and (on a path with ids)
valid ones with real ids of the school, so writes reach the services instead of stopping at 404.
Bounded and reproducible: ``MAX_EXAMPLES`` per operation, role and pass, derandomized (the same
requests every run), no example database, no shrinking. Roles run student → teacher → admin, so
the admin's writes (archiving, unassigning) cannot take the others' access away before their
turn. Tokens come from the real login route before any fuzzing, so fuzzed logins (throttled
per account and address) cannot lock them out. Every failure is collected and reported at
once, with the server's traceback line for a 500.

Run it alone: ``.venv/bin/python -m pytest -q -n 0 -k fuzz``.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.config import Settings
from teameval.roster.legacy.adapter.presence import tables_present
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.factories import make_assessment
from tests.conftest import login
from tests.factories import SchoolWorld, make_group, make_project, make_team

MAX_EXAMPLES = 20
ROLES = ("student", "teacher", "admin")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class _ServerErrors(logging.Handler):
    """The last frames of each unhandled error the app logs (problems.py, 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = traceback.extract_tb(error.__traceback__)
            ours = [f for f in frames if "/teameval/" in f.filename] or frames
            where = ours[-1]
            message = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
            self.lines.append(
                f"{where.filename}:{where.lineno} in {where.name}: "
                f"{type(error).__name__}: {message}"
            )


@pytest.fixture
def fuzz_app(backend: str, settings: Settings) -> Iterator[FastAPI]:
    if backend != "postgresql":
        pytest.skip("the fuzzer runs on PostgreSQL, the production database (issue 7)")
    yield create_app(settings)
    # Schemathesis keeps the app's lifespan running for the process; end it (engine.dispose()).
    shutdown_lifespans()


@pytest.fixture
def tokens(
    fuzz_app: FastAPI, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> dict[str, dict[str, str]]:
    north = two_schools[0]
    with TestClient(fuzz_app) as client:
        return {
            role: login(client, "north", getattr(north, role).email)
            for role in ("admin", "teacher", "student")
        }


@pytest.fixture
def known_ids(
    two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: sessionmaker[Session]
) -> dict[str, int]:
    """Real ids of the caller's school for the path, so a pass reaches past the 404s."""
    north = two_schools[0]
    with session_factory.begin() as session:
        course = session.merge(north.course)
        # A retired database (the suite's retired pass) has no legacy team; its routes are 410.
        group_id = make_group(session, course, 1).id if tables_present(session) else 1
        student = session.merge(north.student)  # enrolled in ``course`` by two_schools
        project = make_project(session, course)
        team = make_team(session, project, 1, student)
        rubric = make_rubric(session, session.merge(north.teacher))
        assessment = make_assessment(session, project, rubric, session.merge(north.teacher))
        return {
            "course_id": north.course.id,
            "student_id": north.student.id,
            "user_id": north.teacher.id,
            "group_id": group_id,
            "project_id": project.id,
            "team_id": team.id,
            "rubric_id": rubric.id,
            "assessment_id": assessment.id,
        }


def _passes(operation: Any, ids: dict[str, int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Valid and invalid requests; then, on a path with ids, valid ones with real ids."""
    for mode in MODES:
        yield mode.value, {"generation_mode": mode}
    names = re.findall(r"{(\w+)}", operation.path)
    # The peer evaluation routes get their real ids in tests/peer/api/test_fuzz.py, whose world
    # has an open evaluation with ratings; here their invalid and random passes are enough.
    if names and all(name in ids for name in names):
        path = {name: ids[name] for name in names}
        yield "known ids", {"generation_mode": GenerationMode.POSITIVE, "path_parameters": path}


def _fuzz(
    operation: Any, strategy: dict[str, Any], headers: dict[str, str], statuses: Counter[int]
) -> None:
    @given(case=operation.as_strategy(**strategy))
    @FUZZ_SETTINGS
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.slow
def test_fuzz_every_operation_as_every_role(
    fuzz_app: FastAPI, tokens: dict[str, dict[str, str]], known_ids: dict[str, int]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    errors = _ServerErrors()
    logging.getLogger("teameval").addHandler(errors)
    failures: list[str] = []
    statuses: dict[str, Counter[int]] = {role: Counter() for role in (*ROLES, "anonymous")}
    started = time.monotonic()
    try:
        for role in ROLES:
            for operation in operations:
                secured = bool(operation.definition.raw.get("security"))
                if not secured and role != ROLES[0]:
                    continue  # no token: one pass is the whole story
                headers = tokens[role] if secured else {}
                who = role if secured else "anonymous"
                for label, strategy in _passes(operation, known_ids):
                    errors.lines.clear()
                    try:
                        _fuzz(operation, strategy, headers, statuses[who])
                    except Unsatisfiable:
                        continue  # no input to make invalid (GET /health in negative mode)
                    # Every failure, not just the first; check failures come as a group.
                    except (Exception, BaseExceptionGroup) as error:
                        trace = "".join(f"\n    server: {line}" for line in errors.lines[:1])
                        failures.append(
                            f"{operation.label} as {who} ({label}): {error}"[:3000] + trace
                        )
    finally:
        logging.getLogger("teameval").removeHandler(errors)
    elapsed = time.monotonic() - started
    # Shown with -s: how long it took and what the server answered, per role.
    print(f"\nfuzzed {len(operations)} operations in {elapsed:.1f} s")
    for who, counts in statuses.items():
        print(f"  {who}: {dict(sorted(counts.items()))}")
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
