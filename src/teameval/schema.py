"""Schema version management: Alembic driven from the installed package, no ini file needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from teameval.errors import SchemaOutOfDate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def drift(database_url: str) -> list[str]:
    """Every difference between the database's schema and the models, in words (see
    ``teameval.schema_compare``: CHECK constraints, partial indexes, defaults, keys, ...)."""
    from teameval.db import make_engine
    from teameval.models import Base
    from teameval.schema_compare import compare

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return compare(connection, Base.metadata)
    finally:
        engine.dispose()


def check(database_url: str) -> None:
    """Raise if the models and the migrated database disagree: first the full comparison
    (``SchemaDrift`` listing every difference), then ``alembic check`` as a second opinion."""
    from teameval.schema_compare import SchemaDrift

    differences = drift(database_url)
    if differences:
        raise SchemaDrift(differences)
    command.check(alembic_config(database_url))


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_up_to_date(engine: Engine) -> str | None:
    """Refuse to serve a database whose schema is behind (or ahead of) this code.

    Returns the head revision, so a server reads Alembic's script directory once, not per check.
    """
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(current=current, head=head)
    return head
