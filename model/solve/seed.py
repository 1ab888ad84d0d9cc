"""A starting point for hourly energy models and for large one-period annual ones.

On the national hourly model HiGHS bounds the optimum within its root LP, but its own heuristics took
minutes to find a point within 1 % of that bound. The annual-energy model (the same sites, GPUs, budget
and policies, with each site's energy at its annual price and carbon) is ~9x smaller and solves in
seconds, and where it builds is a good guess of where the hourly model builds (both price energy on one
basis: with energy at scale the price beyond the tariff, the tariff tranche and wheeling). So:

1. solve the annual model to the seed's gap, without HiGHS' root reduced-cost sub-MIP (on the national
   model it spent 30 of 34 s finding a 0.11 % point where 8 s reach 0.45 %; only the sites are kept);
2. fix the hourly model's sites and connections (legacy: upgrade tiers) to its answer and solve the rest
   with the GPU blocks relaxed (an LP: presolve drops every unbuilt site), then round the blocks down and solve the LP again
   (fewer GPUs spend less, so the rounded point is feasible unless a campus minimum, a min-cost target or
   an hourly-only rule binds);
3. if that finds no point, solve the MIP with only those fixed.

The point is handed to HiGHS as its first incumbent. The full solve still proves its own gap from its
own bound; the seed only saves time (benchmarks/energy.md has the measured steps). A one-period annual model
with many candidates (``ANNUAL_SEED_SITES``) is seeded by the same steps on itself: step 1 is then a quick
solve of the model, steps 2-3 polish its GPU blocks at its sites, and the full solve starts from that point.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException

from model.config import SolverConfig
from model.milp.build import build_model
from model.milp.model_data import SitingModel, YearModel
from model.policies import REGISTRY
from model.solve.highs import SolveResult, solve_model

# Policies that exist only with hourly energy; the annual model leaves them out (the fixed solve
# then enforces them, or finds no point and nothing is seeded).
HOURLY_ONLY_POLICIES = frozenset(k for k, mod in REGISTRY.items() if getattr(mod, "NEEDS_ENERGY", False))
# The seed (every step, the annual build included) gets at most this share of the scenario's time limit.
SEED_TIME_SHARE = 0.2
# The seed need not be better than 1 % (nor than the scenario's own gap, if looser).
SEED_GAP = 0.01
# The annual solve's HiGHS options: only its sites are kept, so a quick point within the gap will do.
ANNUAL_HIGHS_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}
# One-period annual models are seeded from this many candidate sites on: on the national model (3,108 counties)
# HiGHS spent 29 of its 33 s in the root reduced-cost sub-MIP (benchmarks/energy.md); small models solve in a
# second or two either way, so they are left to HiGHS alone.
ANNUAL_SEED_SITES = 1000
INTEGRAL_TOL = 1e-6  # a block count within this of a whole number counts as that number when rounding down


@dataclass(frozen=True)
class Seed:
    """What the seed solves found; the point itself is left on the model's variables."""

    objective: float
    annual_objective: float
    sites_built: int
    method: str  # "rounded" (LP, blocks rounded down) or "fixed_sites" (the MIP at the annual sites)


def needs_seed(sm: SitingModel, options: SolverConfig) -> bool:
    """Whether the engine seeds ``sm``: a one-period model, hourly, or annual with at least
    ``ANNUAL_SEED_SITES`` candidates (``[solver] seed_incumbent`` on)."""
    if not (options.seed_incumbent and sm.horizon.snapshot):
        return False
    return sm.hourly or len(sm.data.sets.SITES) >= ANNUAL_SEED_SITES


def seed_model(sm: SitingModel, options: SolverConfig) -> Seed | None:
    """Leave a feasible point of ``sm`` on its variables, or return None (and leave no point).

    Hourly: the annual-energy model gives the sites. Annual: ``sm`` itself, solved quickly (steps 1-3 of
    the module docstring on the same model; the full solve then starts from the polished point)."""
    # One deadline for every step (the annual build included): the main solve gets the rest of the limit.
    deadline = time.perf_counter() + options.time_limit_s * SEED_TIME_SHARE
    quick = options.model_copy(update={"mip_gap": max(options.mip_gap, SEED_GAP)})
    if sm.hourly:
        inputs = sm.data.inputs
        scenario = inputs.scenario
        kept = [p for p in scenario.policies if p.type not in HOURLY_ONLY_POLICIES]
        annual = build_model(replace(inputs, energy=None, scenario=scenario.model_copy(update={"policies": kept})))
    else:
        annual = sm
    first = _solve_by(annual, quick, deadline, ANNUAL_HIGHS_OPTIONS)
    if first is None or first.objective is None:
        return None
    answer = [{k: int(round(pyo.value(v))) for k, v in var.items()} for var in site_decisions(annual.final)]
    sites_built = sum(answer[0].values())
    del annual  # only its integer answer is needed; free it (hourly) before the larger solves
    fixed = [(var[k], value) for var, values in zip(site_decisions(sm.final), answer) for k, value in values.items()]
    # Presolve is what makes these solves small (it drops the unbuilt sites and idle zones).
    at_sites = quick.model_copy(update={"presolve": "on"})
    try:
        for v, value in fixed:
            v.fix(value)
        found, method = _rounded_point(sm, at_sites, deadline), "rounded"
        if found is None:
            found, method = _solve_by(sm, at_sites, deadline), "fixed_sites"
    finally:
        for v, _ in fixed:
            v.unfix()
    if found is None or found.objective is None:
        return None
    return Seed(objective=found.objective, annual_objective=first.objective, sites_built=sites_built, method=method)


def site_decisions(ym: YearModel) -> list[pyo.Var]:
    """The integer decisions the seed takes from the annual answer, sites first: ``build`` (the siting
    block), ``upgrade`` (the power block's tiers; empty with zonal supply) and, with zonal supply, ``connect``."""
    m = ym.m
    return [m.build, m.upgrade] + ([m.connect] if ym.data.supply is not None else [])


def _solve_by(sm: SitingModel, options: SolverConfig, deadline: float,
              highs_options: Mapping[str, bool | int | float | str] | None = None) -> SolveResult | None:
    """``sm`` (some variables fixed, perhaps) solved within what is left until ``deadline``, or None without
    a point: no time left, no point found, or a row whose every variable is fixed and which it breaks
    (Pyomo's compiler reports that before HiGHS sees it)."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return None
    try:
        result = _stop_if_interrupted(solve_model(sm.m, options.model_copy(update={"time_limit_s": left}),
                                                  hourly=sm.hourly, highs_options=highs_options))
    except InfeasibleConstraintException:
        return None
    return result if result.has_solution else None


def _stop_if_interrupted(result: SolveResult) -> SolveResult:
    """HiGHS turns Ctrl-C (and the CLI's SIGTERM) into a status and returns; during the seed that must stop
    the run, not only the seed's solve (the run then writes nothing, as when stopped while loading)."""
    if result.status.startswith("interrupted"):
        raise KeyboardInterrupt
    return result


def _rounded_point(sm: SitingModel, options: SolverConfig, deadline: float) -> SolveResult | None:
    """The model at its fixed sites with GPU blocks relaxed, then with the blocks rounded down and fixed;
    None when either finds no point. Either way the blocks are integer and free again afterwards."""
    free = [v for v in sm.final.m.blocks.values() if not v.fixed]
    domains = [v.domain for v in free]
    try:
        for v in free:
            v.domain = pyo.NonNegativeReals
        if _solve_by(sm, options, deadline) is None:
            return None
        for v in free:
            v.fix(math.floor(max(pyo.value(v), 0.0) + INTEGRAL_TOL))
        return _solve_by(sm, options, deadline)
    finally:
        for v, dom in zip(free, domains):
            v.unfix()  # a point found stays on the variables; the full solve may move them
            v.domain = dom
