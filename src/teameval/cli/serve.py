from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from teameval.cli.common import fail, fail_database
from teameval.config import ConfigurationError
from teameval.errors import SchemaOutOfDate


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only).")] = 1,
) -> None:
    """Run the HTTP API (uvicorn). Refuses a database behind the migrations."""
    import uvicorn

    from teameval.api import create_app

    try:
        create_app()  # fail fast, with the reason, before uvicorn starts
    except (ConfigurationError, SchemaOutOfDate) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail_database(error)  # exit 3: the database does not answer
    uvicorn.run(
        "teameval.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
