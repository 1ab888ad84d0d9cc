"""The shipped national snapshot scenarios reproduce their objectives (a golden table).

Each scenario was solved in full (``model.workflows.engine.solve_scenario`` on runs/<name>.toml, 2 threads,
the scenario's own gap) on 2026-12-07 with the economics of issues 23-24: one model over time (a snapshot
is its one-year horizon), sales and use tax with each state's data-center exemption, regional gas prices and
capital multipliers, spare firm MW with 2026 demand, NERC margins and committed data-center load, new energy
credited at the zone's marginal cost, routes to power per county (data/county_routes.csv). Its built sites
are listed below. Solving the full MILP again takes 20-120 s a scenario, so the test fixes the build
decisions to those sites and solves the rest (GPU blocks, connections, new generation, imports) to
optimality: the objective must match to 1e-6. Any change to the model's coefficients, rows or data loading
that moves the national answer fails here.
"""

from __future__ import annotations

import pytest

from model.config import load_scenario
from model.inputs.load import load_inputs
from model.milp.build import build_model
from model.solve.highs import solve_model
from tests.conftest import REPO

# name -> (built sites of the full solve, objective with those sites fixed, solved at gap 0; PFLOPS or M$)
GOLDEN = {
    # full solve: 6,264,005.84 PFLOPS at a 0.017 % gap (Morrow OR 2,000 MW, Union OR 600 MW; 11.5 MW of new
    # gas CT); with those sites fixed HiGHS proves 6,264,005.84. Oregon has no sales tax.
    "us-snapshot": (["41049", "41061"], 6264005.84),
    # full solve: 6,557,189.84 PFLOPS at a 0.064 % gap (Douglas OR 1,200 MW, Sherman OR 1,522 MW)
    "aip-30bn-equity": (["41019", "41055"], 6557189.840000416),
    # full solve: $217,818.6M at a 0.022 % gap (Custer ID 600 MW, Hancock KY 509, Morrow OR 2,000, Umatilla OR
    # 2,000, Union OR 600); with its 5 sites fixed HiGHS proves $217,817.75M
    "stargate-5gw": (["16037", "21091", "41049", "41059", "41061"], 217817.75478501638),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_scenario_objective(name: str) -> None:
    sites, objective = GOLDEN[name]
    sc = load_scenario(REPO / "runs" / f"{name}.toml").with_solver(mip_gap=0.0, time_limit_s=300.0, threads=2)
    sm = build_model(load_inputs(sc))
    for s in sm.final.m.SITES:
        sm.final.m.build[s].fix(1 if s in sites else 0)
    result = solve_model(sm.m, sc.solver)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, rel=1e-6)
