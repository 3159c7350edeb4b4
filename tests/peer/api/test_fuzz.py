"""The OpenAPI fuzzer (tests/test_fuzz_openapi.py, its checks and settings) over the peer
evaluation operations only, on PostgreSQL, as admin, teacher and a student of a linked team,
with a real open evaluation, team version and rating in the path: no 5xx, only declared statuses
and media types, bodies valid against their schemas."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from teameval.api import create_app
from teameval.config import Settings
from tests.peer.api.conftest import (
    PeerWorld,
    create,
    evaluation_url,
    full_ratings,
    move,
    put_ratings,
)

ROLES = ("student", "teacher", "admin")
# The suite's fuzzer's checks and bounds (tests/test_fuzz_openapi.py), kept in step by hand.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class _ServerErrors(logging.Handler):
    """The last of our frames of each unhandled error the app logs (a 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = traceback.extract_tb(error.__traceback__)
            where = ([f for f in frames if "/teameval/" in f.filename] or frames)[-1]
            self.lines.append(f"{where.filename}:{where.lineno}: {type(error).__name__}: {error}")


@pytest.fixture
def fuzz_app(backend: str, settings: Settings) -> Iterator[FastAPI]:
    if backend != "postgresql":
        pytest.skip("the fuzzer runs on PostgreSQL, the production database (issue 7)")
    yield create_app(settings)
    shutdown_lifespans()


def _ids(client: TestClient, peer: PeerWorld) -> dict[str, int]:
    north = peer.north
    evaluation_id = create(
        client, north, include_self=True, assessment_id=north.assessment_id
    ).json()["id"]
    move(client, north, evaluation_id, "open")
    ratings = full_ratings(north, ["student", "ann", "bob", "cas"])
    ratings[0]["comment"] = "fine"
    assert put_ratings(client, north, evaluation_id, "ann", ratings).status_code == 200
    matrix = client.get(
        evaluation_url(evaluation_id, "/matrix"),
        params={"team_id": north.team1},
        headers=north.headers("teacher"),
    ).json()
    return {
        "evaluation_id": evaluation_id,
        "project_id": north.project_id,
        "rating_id": matrix["ratings"][0]["id"],
    }


def _fuzz(operation: Any, strategy: dict[str, Any], headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(**strategy))
    @FUZZ_SETTINGS
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.slow
def test_fuzz_the_peer_operations(fuzz_app: FastAPI, peer: PeerWorld) -> None:
    with TestClient(fuzz_app) as client:
        ids = _ids(client, peer)
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    every = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    operations = [operation for operation in every if "peer-evaluations" in operation.path]
    assert len(operations) == 14
    errors = _ServerErrors()
    logging.getLogger("teameval").addHandler(errors)
    failures: list[str] = []
    try:
        for role in ROLES:
            headers = peer.north.headers(role)
            for operation in operations:
                names = re.findall(r"{(\w+)}", operation.path)
                strategies: list[dict[str, Any]] = [
                    {"generation_mode": GenerationMode.POSITIVE},
                    {"generation_mode": GenerationMode.NEGATIVE},
                    {
                        "generation_mode": GenerationMode.POSITIVE,
                        "path_parameters": {name: ids[name] for name in names},
                    },
                ]
                for strategy in strategies:
                    errors.lines.clear()
                    try:
                        _fuzz(operation, strategy, headers)
                    except Unsatisfiable:
                        continue
                    except (Exception, BaseExceptionGroup) as error:
                        trace = "".join(f"\n    server: {line}" for line in errors.lines[:1])
                        failures.append(f"{operation.label} as {role}: {error}"[:3000] + trace)
    finally:
        logging.getLogger("teameval").removeHandler(errors)
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
