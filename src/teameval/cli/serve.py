from __future__ import annotations

import socket
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from teameval.cli.common import fail, fail_database
from teameval.config import ConfigurationError, Settings
from teameval.errors import SchemaOutOfDate

APP = "teameval.api:create_app"


class HttpProtocol(StrEnum):
    auto = "auto"  # httptools when installed (uvicorn[standard]), else h11
    h11 = "h11"
    httptools = "httptools"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Worker processes sharing the port (more than 1: PostgreSQL only)."
        ),
    ] = 1,
    http: Annotated[HttpProtocol, typer.Option(help="HTTP/1.1 parser.")] = HttpProtocol.auto,
) -> None:
    """Run the HTTP API (uvicorn). Refuses a database behind the migrations."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from teameval.api import create_app

    try:
        settings = Settings()
        if workers > 1 and settings.is_sqlite:
            # One SQLite file has one writer at a time: a second process only adds lock waits
            # (and "database is locked" once busy_timeout runs out), never throughput.
            fail("--workers above 1 needs PostgreSQL; SQLite serves from one process.")
        # Fail fast, with the reason, before uvicorn starts; the workers build their own app,
        # so this one's connections are closed at once instead of idling until exit.
        create_app(settings).state.engine.dispose()
    except (ConfigurationError, SchemaOutOfDate) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail_database(error)  # exit 3: the database does not answer
    config = uvicorn.Config(
        APP, factory=True, host=host, port=port, workers=workers, http=http.value, log_level="info"
    )
    # One listening socket for every worker, bound here (as uvicorn.run would) but made so that
    # each accepted connection gets TCP_NODELAY: see listening_socket.
    sock = listening_socket(config.bind_socket())
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if workers == 1 and not server.started:
        raise typer.Exit(3)  # as uvicorn.run: the app did not start (its log says why)


def listening_socket(bound: socket.socket) -> socket.socket:
    """``bound`` as a TCP socket whose accepted connections send small writes at once.

    uvicorn binds ``socket.socket(family)``, whose ``proto`` is 0, and asyncio only sets
    TCP_NODELAY on a connection whose socket says ``IPPROTO_TCP``. Without it Nagle's algorithm
    holds a response's body (written after its headers) until the client ACKs the headers, and
    the client delays that ACK by ≈40 ms: every request after the first on a kept-open
    connection took ≈48 ms with ``--workers 2``. Re-wrapping the descriptor reads the real
    protocol back (asyncio then sets TCP_NODELAY per connection); the option on the listener
    itself is inherited by accepted connections on Linux, for loops that do not set it.
    """
    if bound.family not in (socket.AF_INET, socket.AF_INET6):
        return bound
    tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    tcp.set_inheritable(True)  # the worker processes receive it
    return tcp
