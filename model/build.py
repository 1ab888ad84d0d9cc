"""Assemble the siting MILP from its blocks: a short pipeline, one call per component module."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.components.budget import add_budget
from model.components.energy import add_energy
from model.components.land import add_land
from model.components.objective import add_objective
from model.components.policy import add_policy
from model.components.power import add_power
from model.components.siting import add_siting
from model.index_sets import IndexSets, active_sites, build_index_sets, policy_context
from model.energy_data import EnergyData
from model.inputs import SitingData
from model.policies import component_name, module_for, structural_dump
from model.policies.base import PolicyContext
from model.units import KW_PER_MW, TFLOPS_PER_PFLOPS, USD_PER_MUSD


@dataclass(frozen=True)
class ModelData:
    """Coefficients keyed by index-set members, computed once with pandas (never inside rules)."""

    inputs: SitingData
    sites: pd.DataFrame
    sets: IndexSets
    costs: dict[str, float]
    context: PolicyContext
    cooling: pd.DataFrame
    energy: EnergyData | None  # hourly inputs (energy mode) or None (annual energy)
    block_it_mw: dict[str, float]
    block_price_musd: dict[str, float]
    block_pflops: dict[str, float]
    block_gpus: dict[str, int]
    blocks_max: dict[tuple[str, str], int]
    pue: dict[str, float]
    headroom_mw: dict[str, float]
    land_mw_max: dict[str, float]
    land_cost_musd_per_mw: dict[str, float]
    price_usd_per_mwh: dict[str, float]
    co2_t_per_mwh: dict[str, float]
    tier_mw: dict[str, float]
    tier_cost_musd: dict[str, float]
    # Per-site factors that policies adjust (tax incentives, time-to-power penalties).
    gpu_price_factor: dict[str, float]
    facility_capex_factor: dict[str, float]
    capex_adder_musd_per_mw: dict[str, float]


@dataclass(frozen=True)
class SitingModel:
    """A built Pyomo model together with the data it was built from."""

    m: pyo.ConcreteModel
    data: ModelData


def model_data(inputs: SitingData) -> ModelData:
    sites = active_sites(inputs)
    sets = build_index_sets(inputs, sites)
    costs = inputs.costs
    gpus = inputs.gpus
    price_mult = costs.get("gpu_price_multiplier", 1.0)
    block_it_mw = (gpus["it_kw_per_block"] / KW_PER_MW).to_dict()
    pue = sites["pue"].astype(float)
    # Largest block count the campus cap allows: a tight bound helps HiGHS' presolve.
    facility_mw_per_block = np.outer(pue.to_numpy(), gpus["it_kw_per_block"].to_numpy() / KW_PER_MW)
    blocks_max = np.floor(costs["max_campus_mw"] / facility_mw_per_block + 1e-9).astype(int)
    blocks_max_map = {
        (s, g): int(blocks_max[i, j]) for i, s in enumerate(sets.SITES) for j, g in enumerate(sets.GPUS)
    }
    land_cost = sites["land_value_usd_per_acre"] * costs["acres_per_mw"] / USD_PER_MUSD
    data = ModelData(
        inputs=inputs,
        sites=sites,
        sets=sets,
        costs=costs,
        context=policy_context(inputs),
        cooling=inputs.cooling,
        energy=inputs.energy,
        block_it_mw=block_it_mw,
        block_price_musd=(gpus["price_usd_per_block"] * price_mult / USD_PER_MUSD).to_dict(),
        block_pflops=(gpus["gpus_per_block"] * gpus[inputs.precision_col] / TFLOPS_PER_PFLOPS).to_dict(),
        block_gpus=gpus["gpus_per_block"].astype(int).to_dict(),
        blocks_max=blocks_max_map,
        pue=pue.to_dict(),
        headroom_mw=sites["headroom_mw"].astype(float).to_dict(),
        land_mw_max=(sites["land_available_acres"] / costs["acres_per_mw"]).to_dict(),
        land_cost_musd_per_mw=land_cost.to_dict(),
        price_usd_per_mwh=sites["price_usd_per_mwh"].astype(float).to_dict(),
        co2_t_per_mwh=(sites["co2_kg_per_mwh"] / 1000.0).to_dict(),
        tier_mw=inputs.tiers["added_mw"].astype(float).to_dict(),
        tier_cost_musd=(inputs.tiers["cost_usd"] / USD_PER_MUSD).to_dict(),
        gpu_price_factor=dict.fromkeys(sets.SITES, 1.0),
        facility_capex_factor=dict.fromkeys(sets.SITES, 1.0),
        # A per-site $/MW adjustment from the data, e.g. the bonus for clustering near existing campuses.
        capex_adder_musd_per_mw=(
            sites["capex_adjust_usd_per_mw"] / USD_PER_MUSD
            if "capex_adjust_usd_per_mw" in sites
            else pd.Series(0.0, index=sites.index)
        ).to_dict(),
    )
    for policy in inputs.scenario.policies:
        adjust = getattr(module_for(policy), "adjust", None)
        if adjust is not None:
            data = adjust(data, policy)
    return data


def add_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    s = data.sets
    m.SITES = pyo.Set(initialize=s.SITES, ordered=True)
    m.GPUS = pyo.Set(initialize=s.GPUS, ordered=True)
    m.TIERS = pyo.Set(initialize=s.TIERS, ordered=True)
    m.SITES_GPUS = pyo.Set(within=m.SITES * m.GPUS, initialize=s.SITES_GPUS, ordered=True)
    m.SITES_TIERS = pyo.Set(within=m.SITES * m.TIERS, initialize=s.SITES_TIERS, ordered=True)
    m.SITES_LAND_LIMITED = pyo.Set(within=m.SITES, initialize=s.SITES_LAND_LIMITED, ordered=True)


def structure_key(inputs: SitingData) -> str:
    """Hash of everything that shapes the model; equal keys mean ``update_params`` suffices.

    What may differ between two scenarios with one key: the budget total, the carbon price, the
    values of mutable policy fields (state caps, carbon and water caps), names and solver options.
    """
    raw = inputs.scenario.model_dump(mode="json")
    for key in ("solver", "name", "description"):
        raw.pop(key)
    if raw.get("budget"):
        raw["budget"] = {"include_opex": raw["budget"]["include_opex"]}
    raw["costs"].pop("carbon_price_usd_per_tco2", None)
    raw["policies"] = [structural_dump(p) for p in inputs.scenario.policies]
    payload = json.dumps(raw, sort_keys=True) + inputs.data_sha256 + str(len(inputs.sites))
    return hashlib.sha256(payload.encode()).hexdigest()


def update_params(sm: SitingModel, inputs: SitingData) -> SitingModel:
    """Point a built model at ``inputs``' parameter values without rebuilding it.

    Raises ValueError when the scenarios differ in structure (then build a new model).
    """
    if structure_key(sm.data.inputs) != structure_key(inputs):
        raise ValueError("scenarios differ in more than budget, carbon price, mutable policy values or solver options")
    m = sm.m
    sc = inputs.scenario
    if sc.budget is not None:
        m.budget_musd.set_value(sc.budget.total_usd / USD_PER_MUSD)
    m.carbon_price_usd_per_tco2.set_value(inputs.costs["carbon_price_usd_per_tco2"])
    for i, policy in enumerate(sc.policies):
        update = getattr(module_for(policy), "update", None)
        if update is not None:
            update(m, policy, component_name(policy, i))
    return SitingModel(m=m, data=replace(sm.data, inputs=inputs, costs=inputs.costs))


def build_model(inputs: SitingData) -> SitingModel:
    """Build the MILP for ``inputs`` (a validated scenario and its data)."""
    data = model_data(inputs)
    m = pyo.ConcreteModel(name=inputs.scenario.name)
    add_sets(m, data)
    add_siting(m, data)
    add_power(m, data)
    add_land(m, data)
    add_energy(m, data)
    add_budget(m, data)
    add_policy(m, data)
    add_objective(m, data)
    return SitingModel(m=m, data=data)
