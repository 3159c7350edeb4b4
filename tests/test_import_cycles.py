"""Every module of the package imports alone, in a fresh interpreter: no import cycles.

A cycle only shows when the import starts at the wrong module: ``import teameval.cli`` worked
while ``import teameval.roster.cli`` failed (it imported ``teameval.cli.common``, whose package
imported ``teameval.roster.cli`` back, half-initialised). So each module gets an interpreter of
its own; one interpreter importing them all in turn would hide that, since the first import
finishes every module the later ones need. The interpreters run a few at a time in parallel.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import teameval

# ``python -m teameval`` runs the command line; importing it is running it, not a cycle check.
SCRIPTS = {"teameval.__main__"}
PARALLEL = max(2, min(8, os.cpu_count() or 2))


def package_modules(package: str, path: Sequence[str]) -> list[str]:
    """Every module and sub-package under ``path``, by dotted name (packages included)."""
    found = [package]
    found += [module.name for module in pkgutil.walk_packages(path, prefix=f"{package}.")]
    return sorted(name for name in found if name not in SCRIPTS)


def import_alone(module: str, extra_path: str | None = None) -> str | None:
    """``None`` when ``python -c "import <module>"`` succeeds, else the end of its traceback."""
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode == 0:
        return None
    return "\n".join(done.stderr.strip().splitlines()[-4:])


def import_failures(modules: Sequence[str], extra_path: str | None = None) -> dict[str, str]:
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = pool.map(lambda module: import_alone(module, extra_path), modules)
        return {
            module: error
            for module, error in zip(modules, outcomes, strict=True)
            if error is not None
        }


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
