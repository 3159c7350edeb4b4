from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from teameval import schema
from teameval.deps import StateDep
from teameval.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None


@router.get("/health", response_model=Health)
def health(state: StateDep) -> Health:
    """For load balancers and scripts: 200 when the database answers at the expected schema."""
    try:
        # Reading the revision is the round trip that proves the database answers.
        with state.session_factory() as session:
            revision = schema.current_revision(session.connection())
    except SQLAlchemyError as error:
        raise ServiceUnavailable("The database does not answer.") from error
    if revision != schema.head_revision():
        raise ServiceUnavailable(
            f"Database schema at {revision}, expected {schema.head_revision()}."
        )
    return Health(status="ok", database="ok", schema_revision=revision)
