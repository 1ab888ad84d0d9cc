"""The shipped national snapshot scenarios reproduce their objectives (a golden table).

Each scenario was solved in full (``model.workflows.engine.solve_scenario`` on runs/<name>.toml, 2 threads,
the scenario's own gap) on 2026-12-07 with the economics of issues 23-24: one model over time (a snapshot
is its one-year horizon), sales and use tax with each state's data-center exemption, regional gas prices and
capital multipliers, spare firm MW with 2026 demand, NERC margins and committed data-center load, new energy
credited at the zone's marginal cost, routes to power per county (data/county_routes.csv), energy at scale
(the county price only on the serving utility's tariff MW, the price beyond it on the rest, wheeling on firm
imports between transmission providers). Its built sites
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
    # full solve: 6,392,603.68 PFLOPS at a 0.11 % gap (Pemiscot MO 1,059 MW, Sherman OR 1,671 MW); with those
    # sites fixed HiGHS proves 6,395,930.76. Oregon has no sales tax; Missouri exempts data-center equipment.
    "us-snapshot": (["29155", "41055"], 6395930.760000001),
    # full solve: 6,557,189.84 PFLOPS at a 0.064 % gap (Douglas OR 1,200 MW, Sherman OR 1,522 MW); its budget
    # counts capex only, so energy at scale leaves it unchanged
    "aip-30bn-equity": (["41019", "41055"], 6557189.840000416),
    # full solve: $213,787.8M at a 0.25 % gap (Buchanan MO 135 MW, Lafayette MO 1,200, McDonald MO 324, Marion
    # MO 1,221, Pemiscot MO 1,295, Phelps MO 85, Douglas OR 58, Sherman OR 1,649); with its 8 sites fixed HiGHS
    # proves $213,537.09M
    "stargate-5gw": (["29021", "29107", "29119", "29127", "29155", "29161", "41019", "41055"], 213537.09126828797),
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
