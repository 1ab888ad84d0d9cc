"""Physical sanity at default assumptions, determinism, and properties on random small instances."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.check import check_solution
from model.config import scenario_from_dict
from model.inputs.load import load_inputs
from model.workflows.engine import solve_scenario
from tests.conftest import solve_tiny, tiny_scenario, tiny_sites


def test_100k_h100_need_120_to_200_mw() -> None:
    # Least cost to place 100,000 H100 SXM GPUs (12,500 DGX servers x 10.2 kW = 127.5 MW IT) in Texas,
    # at default PUE and costs: facility power must land in the 120-200 MW band.
    sc = scenario_from_dict(
        {
            "name": "h100k",
            "candidates": {"states": ["TX"]},
            "gpus": {"types": ["H100_SXM"]},
            "objective": {"sense": "min_cost", "target_gpus": 100_000},
            "solver": {"mip_gap": 0.001, "threads": 1},
        }
    )
    inputs = load_inputs(sc)
    out = solve_scenario(sc, inputs)
    assert out.summary["status"] == "optimal"
    assert check_solution(inputs, out.sites, out.summary) == []
    assert out.summary["gpus"] == 100_000
    assert out.summary["it_mw"] == pytest.approx(127.5)
    assert 120.0 <= out.summary["facility_mw"] <= 200.0


def test_same_inputs_same_outputs() -> None:
    sc = scenario_from_dict(
        {"name": "det", "candidates": {"states": ["OH", "PA"]}, "budget": {"equity_usd": 20e9}, "solver": {"threads": 2}}
    )
    inputs = load_inputs(sc)
    first = solve_scenario(sc, inputs)
    second = solve_scenario(sc, inputs)
    a = {k: v for k, v in first.summary.items() if k != "seconds"}
    b = {k: v for k, v in second.summary.items() if k != "seconds"}
    assert a == b
    pd.testing.assert_frame_equal(first.sites, second.sites)
    assert check_solution(inputs, first.sites, first.summary) == []


budgets_musd = st.integers(min_value=0, max_value=400)
headrooms = st.lists(st.sampled_from([0.0, 1.0, 2.5, 4.0, 6.0, 12.0]), min_size=3, max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(b1=budgets_musd, extra=budgets_musd, heads=headrooms)
def test_more_budget_never_less_compute(b1: int, extra: int, heads: list[float]) -> None:
    sites = tiny_sites(headroom_mw=heads)
    low = solve_tiny(tiny_scenario(budget={"equity_usd": b1 * 1e6 + 1}), sites).summary
    high = solve_tiny(tiny_scenario(budget={"equity_usd": (b1 + extra) * 1e6 + 1}), sites).summary
    assert high["objective"] >= low["objective"] - 1e-6
    # The objective equals the compute recomputed from the sites table, and capex fits the budget.
    for s, b in ((low, b1), (high, b1 + extra)):
        assert s["objective"] == pytest.approx(s["compute_pflops"], abs=1e-6)
        assert (s["capex_usd"] or 0.0) <= b * 1e6 + 1 + 1e-3
