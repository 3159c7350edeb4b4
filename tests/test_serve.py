"""``teameval serve``: the listening socket's connections skip Nagle, and ``--workers`` scales on
PostgreSQL and is refused on SQLite (one writer per file)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import uvicorn

from teameval.cli.serve import listening_socket
from tests.cli_helpers import run_teameval


def _nodelay_of_served_connection(sock: socket.socket) -> int:
    """TCP_NODELAY of a connection that asyncio (as uvicorn runs it) accepted on ``sock``."""

    async def scenario() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted = transport.get_extra_info("socket")
                seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            value = await asyncio.wait_for(seen, timeout=10)
            writer.close()
            return value

    return asyncio.run(scenario())


def _bound_like_uvicorn() -> socket.socket:
    return uvicorn.Config("teameval.api:create_app", host="127.0.0.1", port=0).bind_socket()


def test_uvicorns_own_socket_leaves_nagle_on() -> None:
    # The failure listening_socket fixes (≈48 ms per kept-open request with --workers 2): if
    # uvicorn ever sets the option itself, this test says so and the wrapper can go.
    assert _nodelay_of_served_connection(_bound_like_uvicorn()) == 0


def test_served_connections_get_tcp_nodelay() -> None:
    sock = listening_socket(_bound_like_uvicorn())
    assert sock.proto == socket.IPPROTO_TCP
    assert sock.get_inheritable()
    assert _nodelay_of_served_connection(sock) != 0


def test_more_than_one_worker_is_refused_on_sqlite(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's answer")
    result = run_teameval("serve", "--workers", "2", env={"TEAMEVAL_DATABASE_URL": db_url})
    assert result.returncode == 1
    assert "--workers above 1 needs PostgreSQL" in result.stderr


def test_two_workers_serve_kept_open_connections_on_postgres(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("--workers needs PostgreSQL")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "TEAMEVAL_DATABASE_URL": db_url, "TEAMEVAL_SECRET_KEY": "k" * 40}
    server = subprocess.Popen(
        [sys.executable, "-m", "teameval", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(200):  # bounded: at most ~40 s for both workers to come up
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("server did not come up")
        with httpx.Client(base_url=base, timeout=10) as client:  # one kept-open connection
            answers = [client.get("/health") for _ in range(5)]
            unauthenticated = client.get("/auth/me")
        assert [answer.status_code for answer in answers] == [200] * 5
        assert unauthenticated.status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
