"""Siting AI data centers in the contiguous US: a Pyomo MILP solved with HiGHS.

The public entry points are re-exported lazily so that ``import model`` stays cheap
and has no side effects (no data is read and no solver is loaded at import time).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_scenario", "load_inputs", "build_model", "solve_model", "run_scenario", "load_run"]
__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "model.config",
    "load_inputs": "model.inputs.load",
    "build_model": "model.milp.build",
    "solve_model": "model.solve.highs",
    "run_scenario": "model.workflows.engine",
    "load_run": "model.results.load_run",  # reopen a finished run folder (RunResult, statistics())
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
