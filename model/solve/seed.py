"""A starting point for hourly energy models.

On the national hourly model HiGHS bounds the optimum within seconds of finishing its root LP, but
its own heuristics took minutes to find a point within 1 % of that bound. The annual-energy model
(the same sites, GPUs, budget and policies, with each site's energy at its state's annual price and
carbon) is ~5x smaller and solves in seconds, and where it builds is a good guess of where the
hourly model builds. So: solve it, fix the hourly model's build decisions to its sites, solve the
rest (presolve removes every unbuilt site and idle zone, leaving a small MIP), and hand that point
to HiGHS as its first incumbent. The full solve still proves its own gap; the seed only saves time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyomo.environ as pyo

from model.config import SolverConfig
from model.milp.build import build_model
from model.milp.model_data import SitingModel
from model.policies import REGISTRY
from model.solve.highs import solve_model

# Policies that exist only with hourly energy; the annual model leaves them out (the fixed solve
# then enforces them, or finds no point and nothing is seeded).
HOURLY_ONLY_POLICIES = frozenset(k for k, mod in REGISTRY.items() if getattr(mod, "NEEDS_ENERGY", False))
# Each of the two seed solves gets at most this share of the scenario's time limit.
SEED_TIME_SHARE = 0.2
# The seed need not be better than 1 % (nor than the scenario's own gap, if looser).
SEED_GAP = 0.01


@dataclass(frozen=True)
class Seed:
    """What the seed solves found; the point itself is left on the hourly model's variables."""

    objective: float
    annual_objective: float
    sites_built: int


def seed_hourly_model(sm: SitingModel, options: SolverConfig) -> Seed | None:
    """Leave a feasible point of ``sm`` on its variables, or return None (and leave no point)."""
    inputs = sm.data.inputs
    scenario = inputs.scenario
    kept = [p for p in scenario.policies if p.type not in HOURLY_ONLY_POLICIES]
    annual_inputs = replace(inputs, energy=None, scenario=scenario.model_copy(update={"policies": kept}))
    annual = build_model(annual_inputs)
    quick = options.model_copy(
        update={"mip_gap": max(options.mip_gap, SEED_GAP), "time_limit_s": options.time_limit_s * SEED_TIME_SHARE}
    )
    first = solve_model(annual.m, quick)
    if not first.has_solution or first.objective is None:
        return None
    annual_build = annual.final.m.build
    built = {s: int(round(pyo.value(annual_build[s]))) for s in annual_build}
    del annual  # only its sites are needed; free it before the larger solve
    build = sm.final.m.build
    for s, value in built.items():
        build[s].fix(value)
    try:
        # Presolve is what makes this solve small (it drops the unbuilt sites and idle zones).
        second = solve_model(sm.m, quick.model_copy(update={"presolve": "on"}), hourly=sm.hourly)
    finally:
        for s in built:
            build[s].unfix()
    if not second.has_solution or second.objective is None:
        return None
    return Seed(
        objective=second.objective,
        annual_objective=first.objective,
        sites_built=sum(built.values()),
    )
