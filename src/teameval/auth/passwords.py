"""Password hashing with argon2id (the argon2-cffi defaults follow RFC 9106), bounded.

Each hash takes 64 MiB and a core for a while; a burst of logins hashing all at once once took a
server from 235 MiB to 1.2 GiB. A ``HashingGate`` lets only a few hash at the same time; the rest
wait their turn, and after a bound they get 503 with ``Retry-After`` instead of piling up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from teameval.errors import ServiceUnavailable

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


class HashingBusy(ServiceUnavailable):
    """No turn to hash within the wait bound; ``Retry-After`` comes from ``ServiceUnavailable``."""

    slug = "hashing-busy"
    title = "Too many sign-ins at once"


class HashingGate:
    """At most ``concurrency`` hashes at once; a caller waits at most ``wait_seconds``."""

    def __init__(self, concurrency: int, wait_seconds: float) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(concurrency)

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise HashingBusy("The server is busy checking other sign-ins; try again shortly.")
        try:
            yield
        finally:
            self._slots.release()


# For callers outside a running app (CLI, demo, imports in one process): same bound, default size.
DEFAULT_GATE = HashingGate(concurrency=2, wait_seconds=60.0)


_dummy_lock = threading.Lock()


@cache
def _make_dummy_hash() -> str:
    return _hasher.hash("teameval-timing-equaliser")


def _dummy_hash() -> str:
    """Verified against when the user does not exist, so a wrong email costs as long as a wrong
    password and timing does not reveal which accounts exist. Made on first use, not at import:
    hashing is deliberately slow and most commands never log anyone in. The lock keeps a cold
    burst of unknown emails from making it many times over at once (``cache`` does not lock)."""
    with _dummy_lock:
        return _make_dummy_hash()


def hash_password(password: str, gate: HashingGate = DEFAULT_GATE) -> str:
    with gate.turn():
        return _hasher.hash(password)


def verify_password(
    password_hash: str | None, password: str, gate: HashingGate = DEFAULT_GATE
) -> bool:
    against = password_hash or _dummy_hash()  # made outside the turn: the gate is not reentrant
    with gate.turn():
        try:
            return _hasher.verify(against, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
