"""The shipped national scenarios reproduce their objectives (a golden table).

Each scenario was solved in full with ``siting run runs/<name>.toml`` at commit 3c3a791 (data
sha256 f88fba113767..., highspy 1.15.1); its built sites are listed below. Solving the full MILP
again takes 30-70 s a scenario, so the test fixes the build decisions to those sites and solves
the rest (GPU blocks, upgrades) to optimality: the objective must match to 1e-6. Any change to the
model's coefficients, rows or data loading that moves the national answer fails here.
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
    # full solve: 6,298,560 PFLOPS at a 0.016 % gap (San Juan NM, Klickitat and Okanogan WA)
    "us-default": (["35045", "53039", "53047"], 6298742.440046943),
    # full solve: 6,604,334.76 PFLOPS at a 0.021 % gap (Maricopa AZ, Kern CA)
    "aip-30bn-equity": (["04013", "06029"], 6604334.76),
    # full solve: $217,703.8M at a 0.53 % gap; with its 8 sites fixed HiGHS proves $216,600.6M
    "stargate-5gw": (["35045", "53005", "53007", "53017", "53039", "53041", "53047", "53073"], 216600.61103564146),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_scenario_objective(name: str) -> None:
    sites, objective = GOLDEN[name]
    sc = load_scenario(REPO / "runs" / f"{name}.toml").with_solver(mip_gap=0.0, time_limit_s=300.0, threads=2)
    sm = build_model(load_inputs(sc))
    for s in sm.m.SITES:
        sm.m.build[s].fix(1 if s in sites else 0)
    result = solve_model(sm.m, sc.solver)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, rel=1e-6)
