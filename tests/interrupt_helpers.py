"""Helpers for interrupt tests that run in other processes (a CLI driven by a script, Dask workers).

Kept out of test modules so a worker process can import them without pytest.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from model.config import Scenario
from model.inputs.load import SitingData, load_inputs

# How long a blocked solve waits before giving up: only a guard so a broken test cannot hang forever.
BLOCK_GUARD_S = 600.0
BLOCKED_SUFFIX = "-001"  # the second point of a sweep blocks; the first finishes


def blocking_loader(sc: Scenario) -> SitingData:
    """``load_inputs``, after making this process's solve of the point named ``*-001`` block (inside
    its run directory's ``.partial``): the test then stops the sweep with point 000 finished and
    point 001 caught mid-write."""
    import model.workflows.sweep as sweep

    original = sweep.Engine.solve
    if getattr(original, "blocking", False):
        return load_inputs(sc)

    def solve(self: Any, scenario: Scenario, inputs: Any = None, log_path: Path | None = None, **kwargs: Any) -> Any:
        if not scenario.name.endswith(BLOCKED_SUFFIX):
            return original(self, scenario, inputs, log_path, **kwargs)
        deadline = time.monotonic() + BLOCK_GUARD_S
        while time.monotonic() < deadline:
            time.sleep(0.1)
        raise RuntimeError("blocked solve was never interrupted")

    solve.blocking = True  # type: ignore[attr-defined]
    sweep.Engine.solve = solve  # type: ignore[method-assign]
    return load_inputs(sc)


def drive_sweep(scenario: str, out: str) -> int:
    """Run ``siting sweep`` (two budget points, one worker) with :func:`blocking_loader`."""
    import functools

    import model.workflows.sweep as sweep
    from model.cli import app

    sweep.run_sweep = functools.partial(sweep.run_sweep, inputs_loader=blocking_loader)  # type: ignore[assignment]
    try:
        app(["sweep", scenario, "--param", "budget_usd=1e9,2e9", "--workers", "1", "--out", out])
    except SystemExit as done:
        return int(done.code or 0)
    return 0
