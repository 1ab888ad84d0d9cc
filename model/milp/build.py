"""Assemble the siting MILP from its blocks: a short pipeline, one call per component module."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData
from model.milp.components.budget import add_budget
from model.milp.components.energy import add_energy
from model.milp.components.land import add_land
from model.milp.components.objective import add_objective
from model.milp.components.policy import add_policy
from model.milp.components.power import add_power
from model.milp.components.siting import add_siting
from model.milp.model_data import ModelData, SitingModel, model_data
from model.policies import component_name, module_for, structural_dump


def add_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    s = data.sets
    m.SITES = pyo.Set(initialize=s.SITES, ordered=True)
    m.GPUS = pyo.Set(initialize=s.GPUS, ordered=True)
    m.TIERS = pyo.Set(initialize=s.TIERS, ordered=True)
    # Pairs are built from SITES x GPUS / TIERS in index_sets; a `within` product would re-check each one.
    m.SITES_GPUS = pyo.Set(dimen=2, initialize=s.SITES_GPUS, ordered=True)
    m.SITES_TIERS = pyo.Set(dimen=2, initialize=s.SITES_TIERS, ordered=True)
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
    m.carbon_price_usd_per_tco2.set_value(inputs.costs.carbon_price_usd_per_tco2)
    for i, policy in enumerate(sc.policies):
        update = getattr(module_for(policy), "update", None)
        if update is not None:
            update(m, policy, component_name(policy, i))
    return SitingModel(m=m, data=replace(sm.data, inputs=inputs, costs=inputs.costs))


def build_model(inputs: SitingData) -> SitingModel:
    """Build the MILP for ``inputs`` (a validated scenario and its data)."""
    # The build makes ~10^6 small objects and frees none: Python's cyclic GC would re-scan the growing
    # heap again and again (about half the build time nationally), so it waits until the model is built.
    with PauseGC():
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
