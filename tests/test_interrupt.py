"""A run directory is complete or absent, whatever stops the run."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.workflows.engine import run_scenario
from tests.conftest import tiny_inputs, tiny_scenario

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("stage", ["load", "solve", "write"])
def test_interrupt_at_any_stage_leaves_nothing(tmp_path: Path, stage: str) -> None:
    def stop(step: str) -> None:
        if step == stage:
            raise KeyboardInterrupt

    sc = tiny_scenario()
    with pytest.raises(KeyboardInterrupt):
        run_scenario(sc, tmp_path / "out", inputs=tiny_inputs(sc), on_step=stop)
    assert list(tmp_path.iterdir()) == []


def test_interrupt_during_the_seed_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # HiGHS returns "interrupted" instead of raising when Ctrl-C arrives in a solve; in the seed's solves that
    # must stop the run (nothing written), not only the seed. The seed's first solve reports it here.
    import model.solve.seed as seed_module
    from model.solve.highs import SolveResult

    def interrupted(*_: object, **__: object) -> SolveResult:
        return SolveResult(status="interrupted_no_solution", objective=None, mip_gap=None, dual_bound=None,
                           seconds_translate=0.0, seconds_solve=0.0, route="highspy", rows=0, columns=0, nonzeros=0, log="")

    monkeypatch.setattr(seed_module, "ANNUAL_SEED_SITES", 1)
    monkeypatch.setattr(seed_module, "solve_model", interrupted)
    sc = tiny_scenario()
    with pytest.raises(KeyboardInterrupt):
        run_scenario(sc, tmp_path / "out", inputs=tiny_inputs(sc))
    assert list(tmp_path.iterdir()) == []


def test_failed_rerun_keeps_previous_complete_run(tmp_path: Path) -> None:
    sc = tiny_scenario()
    run_scenario(sc, tmp_path / "out", inputs=tiny_inputs(sc))
    before = (tmp_path / "out" / "summary.json").read_text()

    def stop(step: str) -> None:
        if step == "write":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scenario(sc, tmp_path / "out", inputs=tiny_inputs(sc), on_step=stop)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "summary.json").read_text() == before


@pytest.mark.slow
def test_sigterm_during_national_run(tmp_path: Path) -> None:
    # SIGTERM once HiGHS has an incumbent (its log, streaming to <out>.partial/solver.log, shows an
    # improving-solution row) and long before it can prove a gap of 0 nationally: the CLI must stop
    # HiGHS, write the complete directory with that incumbent, and exit 130.
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(REPO / "runs" / "us-snapshot.toml"), "--out", str(out), "--gap", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    log = tmp_path / "out.partial" / "solver.log"
    # An improving-solution row, or the seed's point accepted as HiGHS' first incumbent (model/solve/seed.py).
    improving = re.compile(r"^\s*[A-Za-z]\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+\S+\s+[-\d.e+]+|^MIP start solution is feasible", re.M)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and improving.search(log.read_text(errors="replace")):
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before HiGHS reported an incumbent"
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=180)
    assert "Traceback" not in stderr
    assert proc.returncode == 130, stderr
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial or hidden leftovers
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["mip_gap"] > 0 and (out / "sites.gpkg").exists()
