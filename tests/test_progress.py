"""Progress during a solve: the HiGHS log streams to its file, and a ``progress`` callback sees the incumbent."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pyomo.environ as pyo
import pytest

import model.solve.highs as solve_mod
from model.config import SolverConfig
from model.milp.build import build_model
from model.solve.highs import Progress, _ProgressRelay, solve_model
from tests.conftest import tiny_inputs, tiny_scenario


def _tiny_model() -> tuple[pyo.ConcreteModel, SolverConfig]:
    # The tiny siting instance: a maximisation whose optimum is 560 PFLOPS (test_tiny_optimum.py).
    sc = tiny_scenario()
    return build_model(tiny_inputs(sc)).m, sc.solver


def test_progress_reports_incumbent_and_log_streams(tmp_path: Path) -> None:
    m, options = _tiny_model()
    log = tmp_path / "solver.log"
    seen: list[Progress] = []
    log_sizes: list[int] = []

    def on_progress(p: Progress) -> None:
        seen.append(p)
        if p.event != "done":
            # Read while HiGHS is still running: the log must already be on disk.
            log_sizes.append(len(log.read_text()) if log.exists() else 0)

    result = solve_model(m, options, log, progress=on_progress)
    assert result.status == "optimal" and result.objective == pytest.approx(560.0)
    improved = [p for p in seen if p.event == "improved"]
    assert improved, "no improving-solution report"
    # Reported in the objective's own (maximise) sense, ending at the final objective.
    assert improved[-1].incumbent == pytest.approx(result.objective, rel=1e-6)
    assert all(p.mip_gap is None or p.mip_gap >= 0 for p in seen)
    assert all(p.incumbent is None or p.dual_bound is None or p.dual_bound >= p.incumbent - 1e-6 for p in seen)
    assert seen[-1].event == "done" and seen[-1].incumbent == pytest.approx(result.objective)
    assert seen[-1].mip_gap is not None and seen[-1].mip_gap >= 0
    assert "incumbent 560" in seen[-1].describe()
    # Log written during the solve, not at the end.
    assert log_sizes and log_sizes[0] > 0
    text = log.read_text()
    assert "Running HiGHS" in text and "Solving MIP model" in text
    assert result.log == text


def test_no_progress_installs_no_callback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m, options = _tiny_model()

    def forbidden(*_: object, **__: object) -> None:
        raise AssertionError("a progress relay was created with progress=None")

    monkeypatch.setattr(solve_mod, "_ProgressRelay", forbidden)
    log = tmp_path / "solver.log"
    log.write_text("stale log of an earlier solve\n")
    result = solve_model(m, options, log)
    assert result.status == "optimal" and result.objective == pytest.approx(560.0)
    # HiGHS would append; the file holds this solve's log only.
    assert log.read_text().count("Running HiGHS") == 1 and "stale" not in log.read_text()


def test_minimisation_with_offset_reported_in_own_sense() -> None:
    # min 100 - (value packed): the incumbent includes the constant and is a minimum, not its negation.
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(8)
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    w = {i: 3 + (i * 7) % 5 for i in m.I}
    v = {i: 4 + (i * 5) % 7 for i in m.I}
    m.cap = pyo.Constraint(expr=sum(w[i] * m.x[i] for i in m.I) <= 15)
    m.obj = pyo.Objective(expr=100 - sum(v[i] * m.x[i] for i in m.I), sense=pyo.minimize)
    seen: list[Progress] = []
    result = solve_model(m, SolverConfig(mip_gap=0.0, threads=1, presolve="off"), progress=seen.append)
    improved = [p for p in seen if p.event == "improved"]
    assert result.status == "optimal" and improved
    assert improved[-1].incumbent == pytest.approx(result.objective, rel=1e-6)
    assert all(p.incumbent is None or p.incumbent <= 100 + 1e-9 for p in improved)


def test_failing_progress_does_not_abort_the_solve() -> None:
    # An exception escaping a highspy callback would abort HiGHS with no status; it must not.
    m, options = _tiny_model()
    calls: list[str] = []

    def broken(p: Progress) -> None:
        calls.append(p.event)
        raise RuntimeError("display broke")

    with pytest.warns(RuntimeWarning, match="display broke"):
        result = solve_model(m, options, progress=broken)
    assert result.status == "optimal" and result.objective == pytest.approx(560.0)
    assert len(calls) == 1  # switched off after the first failure


def test_periodic_reports_are_throttled_but_incumbents_are_not() -> None:
    clock = iter([0.0, 0.1, 0.2, 0.3, 0.7, 0.8])
    seen: list[Progress] = []
    relay = _ProgressRelay(seen.append, interval_s=0.5, clock=lambda: next(clock))
    e = SimpleNamespace(
        data_out=SimpleNamespace(running_time=1.0, mip_primal_bound=5.0, mip_dual_bound=float("inf"), mip_gap=float("inf"), mip_node_count=3)
    )
    for handler in (relay.on_tick, relay.on_tick, relay.on_improving, relay.on_tick, relay.on_tick, relay.on_tick):
        handler(e)
    assert [p.event for p in seen] == ["progress", "improved", "progress"]
    assert seen[0].dual_bound is None and seen[0].mip_gap is None and seen[0].incumbent == 5.0
