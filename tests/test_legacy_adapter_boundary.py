"""Only the legacy adapter touches the legacy models or reads the mode (issue 8).

An AST walk over ``src/teameval``: a module outside the adapter that imports ``Group`` /
``GroupMember`` (or the module defining them), names them as an attribute (``models.Group``), or
reads ``.legacy_groups`` fails the test, which names the module and line. ``models/`` (where they
are defined), ``migration/`` (the phase-1 toolkit with its own SQL, for legacy-shaped databases)
and ``demo.py`` (fixtures) are outside the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import teameval

SOURCE = Path(teameval.__file__).parent
ADAPTER = SOURCE / "roster" / "legacy" / "adapter"  # a package: mode, writes, reads
EXEMPT_DIRS = (SOURCE / "models", SOURCE / "migration", ADAPTER)
EXEMPT_FILES = (SOURCE / "demo.py",)
LEGACY_NAMES = frozenset({"Group", "GroupMember"})
LEGACY_MODULE = "teameval.models.legacy_group"


def _imports_legacy_model(node: ast.ImportFrom) -> bool:
    module = node.module or ""
    if module == LEGACY_MODULE or module.endswith("legacy_group"):
        return True
    from_models = module == "teameval.models" or module.split(".")[-1] == "models"
    return from_models and any(alias.name in LEGACY_NAMES for alias in node.names)


def violations(source: str, label: str) -> list[str]:
    """Each place in ``source`` that crosses the boundary, as "label:line: what"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and _imports_legacy_model(node):
            names = ", ".join(alias.name for alias in node.names)
            found.append(f"{label}:{node.lineno}: imports {names} from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == LEGACY_MODULE:
                    found.append(f"{label}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.Attribute):
            if node.attr in LEGACY_NAMES:
                found.append(f"{label}:{node.lineno}: uses .{node.attr}")
            elif node.attr == "legacy_groups":
                found.append(f"{label}:{node.lineno}: reads .legacy_groups")
        elif isinstance(node, ast.Constant) and node.value == "legacy_groups":
            found.append(f"{label}:{node.lineno}: names 'legacy_groups' (getattr?)")
    return found


def _checked_modules() -> list[Path]:
    return [
        path
        for path in sorted(SOURCE.rglob("*.py"))
        if path not in EXEMPT_FILES and not any(path.is_relative_to(d) for d in EXEMPT_DIRS)
    ]


def test_only_the_adapter_touches_legacy_models_or_the_mode() -> None:
    modules = _checked_modules()
    assert len(modules) > 50  # the walk really covers the package
    found = [
        hit
        for path in modules
        for hit in violations(path.read_text(encoding="utf-8"), str(path.relative_to(SOURCE)))
    ]
    assert not found, "Legacy tables or mode touched outside roster/legacy/adapter/:\n" + (
        "\n".join(found)
    )


def test_the_adapter_itself_is_where_they_are() -> None:
    """The rule is not vacuous: the adapter does what every other module may not (its writes
    and reads use the legacy models, its mode module reads the setting)."""
    for part in ("mode", "writes", "reads"):
        assert violations((ADAPTER / f"{part}.py").read_text(encoding="utf-8"), part), part


def test_the_walk_sees_each_way_across_the_boundary() -> None:
    crossings = {
        "from teameval.models import Course, Group": "imports Course, Group",
        "from teameval.models.legacy_group import GroupMember": "from teameval.models.legacy_group",
        "from ..models import GroupMember": "imports GroupMember from models",
        "import teameval.models.legacy_group": "imports teameval.models.legacy_group",
        "from teameval import models\nmodels.GroupMember.active": "uses .GroupMember",
        "def f(s):\n    return s.legacy_groups": "reads .legacy_groups",
        "def f(s):\n    return getattr(s, 'legacy_groups')": "names 'legacy_groups'",
    }
    for source, expected in crossings.items():
        hits = violations(source, "m")
        assert len(hits) == 1, (source, hits)
        assert expected in hits[0], (source, hits)
    # What the rest of the code base legitimately does passes.
    allowed = (
        "from teameval.models import Course, User\n"
        "from teameval.roster.legacy import adapter\n"
        "from teameval.roster.legacy.schemas import GroupMemberAdd\n"
        "def f(s):\n    return adapter.is_on(s)\n"
    )
    assert violations(allowed, "m") == []
