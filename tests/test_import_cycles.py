"""Every module of the package imports alone, in a fresh interpreter: no import cycles.

A cycle only shows when the import starts at the wrong module: ``import teameval.cli`` worked
while ``import teameval.roster.cli`` failed (it imported ``teameval.cli.common``, whose package
imported ``teameval.roster.cli`` back, half-initialised). So each module gets an interpreter of
its own; one interpreter importing them all in turn would hide that, since the first import
finishes every module the later ones need. Each module is imported in a child forked from one
helper interpreter that has loaded the third-party packages but none of ours, a few at a time.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

import teameval

# ``python -m teameval`` runs the command line; importing it is running it, not a cycle check.
SCRIPTS = {"teameval.__main__"}
PARALLEL = max(2, min(8, os.cpu_count() or 2))  # children importing at once


def package_modules(package: str, path: Sequence[str]) -> list[str]:
    """Every module and sub-package under ``path``, by dotted name (packages included)."""
    found = [package]
    found += [module.name for module in pkgutil.walk_packages(path, prefix=f"{package}.")]
    return sorted(name for name in found if name not in SCRIPTS)


# Runs in a helper interpreter: imports the third-party packages once, then forks a child per
# module (a few at a time); each child imports its one module, so every import of our package
# starts from nothing, as in a fresh interpreter, without paying for SQLAlchemy, FastAPI and
# pydantic again each time. A cycle can only run through our own modules, none preloaded.
_FORK_SERVER = """
import importlib, json, os, sys, traceback
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
assert not any(m == "teameval" or m.startswith("teameval.") for m in sys.modules)
parallel = int(sys.argv[1])
modules = json.loads(sys.stdin.read())
results, running = {}, {}


def reap():
    pid, status = os.wait()
    module, fd = running.pop(pid)
    with os.fdopen(fd, "rb") as pipe:
        text = pipe.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    results[module] = None if code == 0 else (text or f"exit status {code}")


for module in modules:
    while len(running) >= parallel:
        reap()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            importlib.import_module(module)
        except BaseException:
            tail = traceback.format_exc().strip().splitlines()[-4:]
            os.write(write, "\\n".join(tail).encode()[:8000])
            code = 1
        os._exit(code)
    os.close(write)
    running[pid] = (module, read)
while running:
    reap()
print(json.dumps(results))
"""
# What every module's import needs anyway; imported once in the helper, before any fork.
PRELOADED = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "starlette",
    "typer",
    "rich",
    "jinja2",
    "alembic",
    "psycopg",
    "argon2",
    "jwt",
    "babel",
    "email_validator",
    "httpx",
)


def import_failures(modules: Sequence[str], extra_path: str | None = None) -> dict[str, str]:
    """Each module imported alone (see ``_FORK_SERVER``): the end of the traceback of each
    that failed."""
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _FORK_SERVER, str(PARALLEL), *PRELOADED],
        input=json.dumps(list(modules)),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(results) == set(modules)  # every module was tried
    return {module: error for module, error in results.items() if error is not None}


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    modules = package_modules("teameval", teameval.__path__)
    # The walk really found the package (a wrong path would pass vacuously).
    assert "teameval.roster.csv.cli" in modules
    assert "teameval.kit.pagination" in modules
    assert len(modules) > 50

    failures = import_failures(modules)

    assert not failures, "\n\n".join(f"import {name}:\n{error}" for name, error in failures.items())


def test_the_check_sees_a_cycle_that_only_one_entry_point_trips(tmp_path: Path) -> None:
    """The shape of the bug this file guards against, in a package of its own: importing the
    package works, importing the leaf module first fails."""
    root = tmp_path / "cyclic"
    (root / "cli").mkdir(parents=True)
    (root / "domain").mkdir()
    (root / "__init__.py").write_text("")
    (root / "cli" / "__init__.py").write_text("from cyclic.domain.cli import app\n")
    (root / "cli" / "common.py").write_text("HELPER = 1\n")
    (root / "domain" / "__init__.py").write_text("")
    (root / "domain" / "cli.py").write_text(
        textwrap.dedent(
            """
            from cyclic.cli.common import HELPER
            app = HELPER
            """
        )
    )

    modules = ["cyclic", "cyclic.cli", "cyclic.cli.common", "cyclic.domain", "cyclic.domain.cli"]
    failures = import_failures(modules, extra_path=str(tmp_path))

    assert "cyclic.cli" not in failures
    assert set(failures) == {"cyclic.domain.cli"}
    assert "circular import" in failures["cyclic.domain.cli"]
