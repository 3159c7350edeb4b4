"""What a database failure means to a caller: one mapping for the API and the command line.

A database that cannot be reached, a connection that broke, a pool that had no connection in
time, a lock or statement timeout: the request did not happen and may be retried (503). A
constraint the database enforced that the service did not check first: a conflicting change
(409), and so is a transaction the database rolled back to break a deadlock or a serialization
conflict (SQLSTATE class 40): it lost a race against a simultaneous change of the same rows.
A value the database refused: invalid input (422). Anything else is a bug (500).
"""

from __future__ import annotations

from sqlalchemy import exc

from teameval.errors import AppError, Conflict, InvalidInput, ServiceUnavailable

# Pool exhaustion (sqlalchemy.exc.TimeoutError), a refused or broken connection, a lock or
# statement timeout (psycopg reports those as OperationalError), SQLite's "database is locked".
UNAVAILABLE = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
)


def first_line(error: BaseException) -> str:
    """The driver's own message, on one line (no SQL, no parameters, no traceback)."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def lost_a_race(error: exc.SQLAlchemyError) -> bool:
    """Deadlock victim or serialization failure (PostgreSQL SQLSTATE 40001, 40P01)."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None) or ""
    return sqlstate.startswith("40")


def as_app_error(error: exc.SQLAlchemyError) -> AppError | None:
    """The problem a database error stands for, or None for a bug."""
    if lost_a_race(error):
        return Conflict("Conflicting simultaneous change; nothing saved. Reload and try again.")
    if isinstance(error, UNAVAILABLE):
        return ServiceUnavailable(
            "The database is unavailable or busy; nothing was saved. Try again shortly."
        )
    if isinstance(error, exc.IntegrityError):
        return Conflict("Conflicting change; nothing saved. Reload and try again.")
    if isinstance(error, exc.DataError):
        return InvalidInput("A value was refused by the database; nothing saved.")
    return None
