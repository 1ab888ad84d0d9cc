"""A run directory is complete or absent, whatever stops the run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.pipeline import run_scenario
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
    # SIGTERM a few seconds in (during build or the HiGHS solve): the CLI either writes a complete
    # directory holding the incumbent, or nothing; never a partial directory or temp leftovers.
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(REPO / "runs" / "us-default.toml"), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    time.sleep(6.0)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert leftovers == []
    assert "Traceback" not in stderr
    if out.exists():
        assert {p.name for p in out.iterdir()} >= {"summary.json", "solver.log"}
        summary = json.loads((out / "summary.json").read_text())
        assert summary["status"] in ("interrupted", "optimal")
        if summary["status"] == "interrupted":
            assert proc.returncode == 130 and (out / "sites.gpkg").exists()
    else:
        assert proc.returncode == 130
        assert "nothing written" in stderr
