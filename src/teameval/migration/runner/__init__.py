"""The generic migration runner every phase plugs into (docs/migration.md, "Runner").

A phase brings its schema probe (which tables and columns it needs, ``probe``), pure statement
builders wrapped as ``query.Query`` objects, its result types and reports; the runner brings the
rest: one database interface over SQLAlchemy or, on PostgreSQL, psycopg alone with the compiled
SQL kept between runs (``database``, ``statement_cache``), key-range batches, each its own
transaction and safe to kill and rerun (``batches``), the ``migration_runs`` record and its
audit row (``bookkeeping``), JSON output and exit codes (``report``), and what every command
does around its phase (``command``; the Typer options in ``cli``). Nothing here imports the ORM
models, FastAPI or (unless drawing on a terminal) Rich; a warm run on PostgreSQL not even
SQLAlchemy or Typer: these commands start lean.
"""
