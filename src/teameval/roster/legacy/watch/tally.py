"""What one request (or command) has seen of the legacy model, kept in memory until it ends.

The watch middleware (or ``counting_command`` for a command) opens a ``Tally`` in a context
variable; code deep down notes into it without knowing about requests:

- ``note_caller``: the caller's school (``access.principal.Principal`` notes it when a request
  builds its caller, so an unauthenticated request has none);
- ``note_read``: a read of legacy data (the legacy adapter's read functions);
- ``note_shadow``: one student course-access decision and its legacy twin (``access.rules``).

Outside a tally (tests calling services, the demo, the migration commands) every note is a
no-op. Sync routes run in worker threads with a *copy* of the context: the copy still points
at the same ``Tally`` object, so what a thread notes is what the middleware writes.

This module imports nothing of teameval: the adapter and the access module import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

# Per (school_id, course_id): [decisions, legacy_only, enrollment_only].
ShadowDeltas = dict[tuple[int, int], list[int]]


@dataclass
class Tally:
    """One request's (or command's) legacy observations."""

    label: str | None = None  # "GET /api/v1/students" or "cli: import students"; None: unrouted
    is_legacy_route: bool = False  # the label is a legacy route: counted as a call, not reads
    shadow_on: bool = False  # evaluate access decisions the legacy way too
    school_id: int | None = None
    reads: int = 0
    shadow: ShadowDeltas = field(default_factory=dict)

    @property
    def has_counts(self) -> bool:
        return bool(self.shadow) or self.counts_usage

    @property
    def counts_usage(self) -> bool:
        """Whether this tally adds a usage row: a legacy call, or other work that read legacy
        data (both need a label and a school)."""
        if self.label is None or self.school_id is None:
            return False
        return self.is_legacy_route or self.reads > 0


_CURRENT: ContextVar[Tally | None] = ContextVar("teameval_legacy_tally", default=None)


def current() -> Tally | None:
    return _CURRENT.get()


@contextmanager
def tallying(tally: Tally) -> Iterator[Tally]:
    """Make ``tally`` the current one for the ``with`` block (and the threads it starts)."""
    token = _CURRENT.set(tally)
    try:
        yield tally
    finally:
        _CURRENT.reset(token)


def note_caller(school_id: int) -> None:
    tally = _CURRENT.get()
    if tally is not None:
        tally.school_id = school_id


def note_read() -> None:
    tally = _CURRENT.get()
    if tally is not None:
        tally.reads += 1


def shadowing() -> bool:
    """Whether access decisions are to be evaluated the legacy way too, now."""
    tally = _CURRENT.get()
    return tally is not None and tally.shadow_on


def note_shadow(school_id: int, course_id: int, enrolled: bool, legacy: bool) -> None:
    tally = _CURRENT.get()
    if tally is None:
        return
    counts = tally.shadow.setdefault((school_id, course_id), [0, 0, 0])
    counts[0] += 1
    if legacy and not enrolled:
        counts[1] += 1
    elif enrolled and not legacy:
        counts[2] += 1
