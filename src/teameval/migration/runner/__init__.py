"""The generic migration runner every phase plugs into (docs/migration.md, "Runner").

A phase brings its schema probe (which tables and columns it needs, ``probe``), pure statement
builders, its result types and reports; the runner brings the rest: key-range batches, each
its own transaction and safe to kill and rerun (``batches``), the ``migration_runs`` record and
its audit row (``bookkeeping``), JSON output and exit codes (``report``) and the command-line
options and database handling every command shares (``cli``). Nothing here imports the ORM
models, FastAPI or (unless drawing on a terminal) Rich: these commands start lean.
"""
