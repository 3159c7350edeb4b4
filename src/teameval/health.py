"""``GET /health``: one cheap query, for load balancers that ask many times a second."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from teameval.deps import StateDep
from teameval.errors import ServiceUnavailable

router = APIRouter(tags=["health"])

# Alembic's own table: reading it is the round trip that proves the database answers, and it
# says which schema it holds. (Alembic's MigrationContext would first ask whether the table
# exists: more statements for the same answer.)
_CURRENT_REVISIONS = text("SELECT version_num FROM alembic_version")


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None


def expected_revision(request: Request) -> str | None:
    """The head revision ``create_app`` read once at start-up (``app.state.schema_head``)."""
    head: str | None = request.app.state.schema_head
    return head


@router.get(
    "/health",
    operation_id="getHealth",
    summary="Check that the service and its database answer.",
    response_model=Health,
)
def health(request: Request, state: StateDep) -> Health:
    """For load balancers and scripts: 200 when the database answers at the expected schema."""
    try:
        with state.session_factory() as session:
            revisions = session.execute(_CURRENT_REVISIONS).scalars().all()
    except SQLAlchemyError as error:
        raise ServiceUnavailable("The database does not answer.") from error
    revision = revisions[0] if len(revisions) == 1 else ",".join(sorted(revisions)) or None
    head = expected_revision(request)
    if revision != head:
        raise ServiceUnavailable(f"Database schema at {revision}, expected {head}.")
    return Health(status="ok", database="ok", schema_revision=revision)
