"""Health check, problem details for every kind of error, and the refusal to serve stale schemas."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from teameval import schema
from teameval.api import create_app
from teameval.config import ConfigurationError, Settings
from teameval.errors import SchemaOutOfDate
from tests.statements import recorded_statements


def test_health_reports_database_and_revision(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "schema_revision": schema.head_revision(),
    }


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_wrong_method_is_a_problem_document(client: TestClient) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_malformed_json_names_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"]


def test_service_refuses_a_database_behind_the_migrations(empty_db_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="teameval db upgrade"):
        create_app(Settings(database_url=empty_db_url, secret_key="k" * 40))


def test_postgres_without_a_secret_key_refuses_to_start() -> None:
    settings = Settings(database_url="postgresql://db.internal/teameval", secret_key=None)
    assert settings.database_url.startswith("postgresql+psycopg://")
    with pytest.raises(ConfigurationError, match="TEAMEVAL_SECRET_KEY"):
        create_app(settings)


def test_sqlite_needs_no_configured_key() -> None:
    # Its key is generated per database instead (tests/test_auth_secrets.py).
    settings = Settings(database_url="sqlite:///x.db", secret_key=None)
    assert settings.configured_secret_key() is None


def test_health_is_503_when_the_schema_is_not_at_this_versions_head(
    client: TestClient, engine: sa.Engine
) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'elsewhere'"))
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "elsewhere" in response.json()["detail"]


def _app_engine(client: TestClient) -> sa.Engine:
    bind = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
    assert isinstance(bind, sa.Engine)
    return bind


def test_health_does_not_read_alembics_scripts_per_call(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 8: building the script directory on every call made /health slower than /auth/me.
    reads: list[str] = []
    real = ScriptDirectory

    def counted(*args: object, **kwargs: object) -> object:
        reads.append("ScriptDirectory")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(schema, "ScriptDirectory", counted)
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    assert reads == []


def test_health_is_one_query(client: TestClient) -> None:
    client.get("/api/v1/health")  # the pool's first connection, opened outside the count
    with recorded_statements(_app_engine(client)) as statements:
        assert client.get("/api/v1/health").status_code == 200
    assert statements == ["SELECT version_num FROM alembic_version"]
