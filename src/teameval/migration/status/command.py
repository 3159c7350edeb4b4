"""``teameval migration status`` without Typer: open the database through SQLAlchemy (the
status calls functions that take a SQLAlchemy connection), read the status in one read-only
snapshot, print it, and return the exit code: 0 whatever the report says, 3 when it cannot run.
"""

from __future__ import annotations

from teameval.migration.runner.command import _sqlalchemy_engine, could_not_run
from teameval.migration.runner.database import first_line, read_only_snapshot
from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.runner.report import EXIT_OK


def run(database_url: str | None, school: int | None, json_output: bool, quiet_days: int) -> int:
    import sqlalchemy as sa

    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.config import Settings
    from teameval.migration.runner.sqlalchemy_database import SqlAlchemyConnection
    from teameval.migration.status.service import migration_status

    url = resolve_database_url(database_url)
    settings = Settings()
    engine = _sqlalchemy_engine(url, json_output)
    try:
        with engine.connect() as connection:
            # A report of many statements: one snapshot, and the database enforces "reads only".
            read_only_snapshot(SqlAlchemyConnection(connection))
            status = migration_status(
                connection,
                school_id=school,
                quiet_days=quiet_days,
                settings=settings,
            )
    except CouldNotRun as error:
        could_not_run(str(error), json_output)
    except sa.exc.SQLAlchemyError as error:
        could_not_run(first_line(error), json_output)
    finally:
        engine.dispose()
    if json_output:
        print_json(status.to_json())
    else:
        from teameval.migration.runner.report import display_url
        from teameval.migration.status.report import render_status

        render_status(report_console(), status, database=display_url(url))
    return EXIT_OK
