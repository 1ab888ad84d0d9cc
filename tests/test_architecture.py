"""The package's layers: each module imports only from its own layer or below, and no import cycle
exists at all (imports inside functions and under ``TYPE_CHECKING`` included). docs/architecture.md
draws the same picture."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

MODEL = REPO / "model"
# Lowest first. A module belongs to the longest prefix that matches its dotted name.
LAYERS = [
    ("model.core", 0),
    ("model.policies", 1),
    ("model.config", 2),
    ("model.inputs", 3),
    ("model.plot", 4),
    ("model.milp", 5),
    ("model.solve", 6),
    ("model.results", 7),
    ("model.workflows", 8),
    ("model.check", 9),
    ("model.cflp", 9),
    ("model.cli", 10),
    ("model.app", 10),  # the web app (siting serve), beside the CLI
    ("model", 0),  # the package's own __init__: lazy names only
]


def _module_of(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_of(p): p for p in MODEL.rglob("*.py")}


def _layer(module: str) -> int:
    best = max((prefix for prefix, _ in LAYERS if module == prefix or module.startswith(prefix + ".")), key=len)
    return dict(LAYERS)[best]


def _imports(path: Path) -> set[str]:
    """Every model module this file imports, wherever the import statement stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("model")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("model"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES}


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    assert {"model.core.errors", "model.inputs.load", "model.milp.build", "model.workflows.engine"} <= MODULES.keys()
    for module in MODULES:
        _layer(module)


def test_no_module_imports_from_a_layer_above() -> None:
    upward = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if _layer(t) > _layer(m)
    ]
    assert upward == []


def test_no_import_cycle() -> None:
    # Depth-first search for a back edge; report the cycle if one exists.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(GRAPH[m]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert cycles == []


def test_scenario_schema_imports_no_solver_or_geometry() -> None:
    # Validating a scenario must not load Pyomo, geopandas or scipy (they take seconds to import).
    code = "import sys, model.config; print(sorted(m for m in ('pyomo', 'geopandas', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"
