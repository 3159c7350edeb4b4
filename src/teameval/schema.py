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


# What ``teameval legacy retire`` removes from teameval's schema (phase 6): a retired database
# lacks exactly these, and ``db check`` expects that of it.
RETIRED_TABLES = frozenset({"groups", "group_members"})
RETIRED_COLUMNS = frozenset({("project_teams", "team_id")})
RETIRED_FOREIGN_KEYS = frozenset({"fk_project_teams_school_id_team_id_groups"})


def is_retired(connection: Connection) -> bool:
    """Whether the database's legacy tables are retired (``legacy_state``, phase 6)."""
    from teameval.migration.phase6.state import legacy_state

    return legacy_state(connection).retired


def _retired_difference(difference: str) -> bool:
    """A difference a retired database must show: a legacy part in the models only."""
    if not difference.endswith("but not in the database") or " is in the models " not in difference:
        return False
    if any(difference.startswith(f"table {table} ") for table in RETIRED_TABLES):
        return True
    column_parts = [f"table {t}: column {c} " for t, c in RETIRED_COLUMNS]
    key_parts = [f": foreign key {name} " for name in RETIRED_FOREIGN_KEYS]
    return any(difference.startswith(part) for part in column_parts) or any(
        part in difference for part in key_parts
    )


def drift(database_url: str) -> list[str]:
    """Every difference between the database's schema and the models, in words (see
    ``teameval.schema_compare``: CHECK constraints, partial indexes, defaults, keys, ...). On a
    retired database the legacy parts it lacks are no difference; any other part is."""
    from teameval.db import make_engine
    from teameval.models import Base
    from teameval.schema_compare import compare

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare(connection, Base.metadata)
            if is_retired(connection):
                differences = [d for d in differences if not _retired_difference(d)]
            return differences
    finally:
        engine.dispose()


def _include_unless_retired(
    item: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    del reflected, compare_to
    if type_ == "table":
        return name not in RETIRED_TABLES
    if type_ == "column":
        table = getattr(getattr(item, "table", None), "name", None)
        return (table, name) not in RETIRED_COLUMNS
    if type_ == "foreign_key_constraint":
        return name not in RETIRED_FOREIGN_KEYS
    return True


def _alembic_check_retired(database_url: str) -> None:
    """``alembic check`` of a retired database: the models without the retired parts."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.util.exc import CommandError

    from teameval.db import make_engine
    from teameval.models import Base

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index")
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": _include_unless_retired,
                    "target_metadata": Base.metadata,
                },
            )
            found = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    if found:
        raise CommandError(f"New upgrade operations detected: {found}")


def check(database_url: str) -> None:
    """Raise if the models and the migrated database disagree: first the full comparison
    (``SchemaDrift`` listing every difference), then ``alembic check`` as a second opinion.
    A retired database (phase 6) must lack exactly the legacy tables and columns."""
    from teameval.db import make_engine
    from teameval.schema_compare import SchemaDrift

    differences = drift(database_url)
    if differences:
        raise SchemaDrift(differences)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            retired = is_retired(connection)
    finally:
        engine.dispose()
    if retired:
        _alembic_check_retired(database_url)
    else:
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
