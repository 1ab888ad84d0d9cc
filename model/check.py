"""Independent feasibility check of a run's outputs, in pandas, without the Pyomo model.

It recomputes every quantity from the output sites table and the input data, and re-verifies
each rule: power physics, grid headroom with upgrades, campus size, land, budget, state caps,
exclusions, targets, and that the reported objective equals the recomputed one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.config import ExcludePolicy
from model.index_sets import state_caps_mw
from model.inputs import SitingData
from model.units import HOURS_PER_YEAR, annuity_factor

# Relative tolerance for sums of rounded outputs (MW to 1e-3, $ to 1).
_REL = 1e-6
_ABS_MW = 2e-3
_ABS_USD = 10.0


def _close(a: float, b: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(abs_tol, _REL * max(abs(a), abs(b)))


def check_solution(inputs: SitingData, sites: pd.DataFrame, summary: dict[str, Any]) -> list[str]:
    """Violations found (empty list: the solution satisfies every rule)."""
    problems: list[str] = []
    sc = inputs.scenario
    costs = inputs.costs
    gpus = inputs.gpus
    cand = inputs.sites
    unknown = sites.index.difference(cand.index)
    if len(unknown):
        return [f"site {unknown[0]} is not a candidate"]
    facts = cand.loc[sites.index]

    blocks = pd.DataFrame({g: sites[f"blocks_{g}"] for g in gpus.index})
    if (blocks < 0).any().any() or not np.allclose(blocks, blocks.round()):
        problems.append("GPU blocks must be non-negative integers")
    it_mw = blocks @ (gpus["it_kw_per_block"] / 1000.0)
    facility_mw = it_mw * facts["pue"]
    for s in sites.index:
        if not _close(sites.at[s, "it_mw"], it_mw[s], _ABS_MW):
            problems.append(f"{s}: it_mw {sites.at[s, 'it_mw']} != blocks x kW ({it_mw[s]:.3f})")
        if not _close(sites.at[s, "facility_mw"], facility_mw[s], _ABS_MW):
            problems.append(f"{s}: facility_mw {sites.at[s, 'facility_mw']} != PUE x IT ({facility_mw[s]:.3f})")

    tier_mw = sites["upgrade_tier"].map(lambda t: inputs.tiers["added_mw"].get(t, 0.0) if t else 0.0).astype(float)
    grid_limit = facts["headroom_mw"] + tier_mw
    for s in sites.index[facility_mw > grid_limit + _ABS_MW]:
        problems.append(f"{s}: facility {facility_mw[s]:.1f} MW exceeds headroom + upgrade {grid_limit[s]:.1f} MW")
    for s in sites.index[facility_mw > costs["max_campus_mw"] + _ABS_MW]:
        problems.append(f"{s}: facility {facility_mw[s]:.1f} MW above max campus {costs['max_campus_mw']} MW")
    for s in sites.index[facility_mw < costs["min_campus_mw"] - _ABS_MW]:
        problems.append(f"{s}: facility {facility_mw[s]:.1f} MW below min campus {costs['min_campus_mw']} MW")
    land_needed = facility_mw * costs["acres_per_mw"]
    for s in sites.index[land_needed > facts["land_available_acres"] + 1e-3]:
        problems.append(f"{s}: needs {land_needed[s]:.1f} acres, has {facts.at[s, 'land_available_acres']:.1f}")

    for policy in sc.policies:
        if isinstance(policy, ExcludePolicy):
            bad = facts.index[facts["state"].isin(policy.states) | facts["county_fips"].isin(policy.counties)]
            problems += [f"{s}: built in an excluded area" for s in bad]
    by_state = facility_mw.groupby(facts["state"]).sum()
    for state, cap in state_caps_mw(inputs).items():
        if by_state.get(state, 0.0) > cap + _ABS_MW:
            problems.append(f"state {state}: {by_state[state]:.1f} MW exceeds cap {cap} MW")

    # Costs, recomputed from the inputs.
    gpu_usd = blocks @ (gpus["price_usd_per_block"] * costs.get("gpu_price_multiplier", 1.0))
    tier_usd = sites["upgrade_tier"].map(lambda t: inputs.tiers["cost_usd"].get(t, 0.0) if t else 0.0).astype(float)
    capex = (
        costs["site_fixed_usd"]
        + costs["shell_usd_per_mw"] * it_mw
        + facts["land_value_usd_per_acre"] * land_needed
        + gpu_usd
        + tier_usd
    )
    for s in sites.index:
        if not _close(sites.at[s, "capex_usd"], capex[s], _ABS_USD):
            problems.append(f"{s}: capex {sites.at[s, 'capex_usd']:.0f} != recomputed {capex[s]:.0f}")
    energy_mwh = facility_mw * costs["load_factor"] * HOURS_PER_YEAR
    unit_cost = facts["price_usd_per_mwh"] + costs["carbon_price_usd_per_tco2"] * facts["co2_kg_per_mwh"] / 1000.0
    opex_pv = energy_mwh * unit_cost * annuity_factor(costs["discount_rate"], costs["horizon_years"])
    total_capex = float(capex.sum())
    total_cost = total_capex + float(opex_pv.sum())
    if sc.budget is not None:
        spend = total_cost if sc.budget.include_opex else total_capex
        if spend > sc.budget.total_usd * (1 + _REL) + _ABS_USD:
            problems.append(f"spend ${spend:,.0f} exceeds budget ${sc.budget.total_usd:,.0f}")

    pflops = float((blocks @ (gpus["gpus_per_block"] * gpus[inputs.precision_col] / 1000.0)).sum())
    n_gpus = float((blocks @ gpus["gpus_per_block"]).sum())
    goal = sc.objective
    if goal.target_pflops is not None and pflops < goal.target_pflops * (1 - _REL):
        problems.append(f"compute {pflops:,.1f} PFLOPS below target {goal.target_pflops:,.1f}")
    if goal.target_gpus is not None and n_gpus < goal.target_gpus:
        problems.append(f"{n_gpus:,.0f} GPUs below target {goal.target_gpus:,}")
    if goal.target_it_mw is not None and float(it_mw.sum()) < goal.target_it_mw - _ABS_MW:
        problems.append(f"IT load {float(it_mw.sum()):,.1f} MW below target {goal.target_it_mw:,.1f}")

    expected = pflops if goal.sense == "max_compute" else total_cost / 1e6
    reported = summary.get("objective")
    if reported is None or not _close(float(reported), expected, 1e-3):
        problems.append(f"objective {reported} != recomputed {expected:,.6f}")
    return problems
