"""Assemble the siting MILP from its blocks: a short pipeline, one call per component module.

One model over time: the root holds ``YEARS`` and one block per model year (``m.year[y]``) built by
the same ``add_<block>`` functions from that year's coefficients, so the year is the outermost index
of every per-year component (siting, connection, land, energy and supply, capex, policies). A
one-year horizon is the one-period (snapshot) model: its budget and objective sit on the root over
the only year. Several years add the links between them and the money over time
(model/milp/components/time.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData
from model.milp.components.budget import add_budget, add_capex
from model.milp.components.energy import add_energy
from model.milp.components.land import add_land
from model.milp.components.objective import add_objective, add_year_totals
from model.milp.components.policy import add_policy, policy_now
from model.milp.components.power import add_power
from model.milp.components.routes import add_route_vars, add_routes
from model.milp.components.siting import add_siting
from model.milp.components.time import add_time
from model.milp.model_data import ModelData, SitingModel, YearModel, data_for_year, model_data
from model.policies import component_name, module_for, structural_dump


def add_sets(m: pyo.Block, data: ModelData) -> None:
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
    if sc.budget is not None and m.component("budget_musd") is not None:
        m.budget_musd.set_value(sc.budget.total_usd / USD_PER_MUSD)
    years = {}
    for y, ym in sm.years.items():
        blk = ym.m
        blk.carbon_price_usd_per_tco2.set_value(inputs.costs.carbon_price_usd_per_tco2)
        for i, policy in enumerate(sc.policies):
            update = getattr(module_for(policy), "update", None)
            now = policy_now(policy, ym.data)
            if update is not None and now is not None and blk.component(component_name(policy, i)) is not None:
                update(blk, now, component_name(policy, i))
        years[y] = replace(ym, data=replace(ym.data, inputs=inputs, costs=inputs.costs))
    return SitingModel(m=m, data=replace(sm.data, inputs=inputs, costs=inputs.costs), years=years)


def build_model(inputs: SitingData) -> SitingModel:
    """Build the MILP for ``inputs`` (a validated scenario and its data)."""
    # The build makes ~10^6 small objects and frees none: Python's cyclic GC would re-scan the growing
    # heap again and again (about half the build time nationally), so it waits until the model is built.
    with PauseGC():
        data = model_data(inputs)
        horizon = data.horizon
        assert horizon is not None
        m = pyo.ConcreteModel(name=inputs.scenario.name)
        m.YEARS = pyo.Set(initialize=horizon.years, ordered=True)
        m.year = pyo.Block(m.YEARS)
        years: dict[int, YearModel] = {}
        for y in horizon.years:
            d = data_for_year(data, y)
            blk = m.year[y]
            add_year(blk, d)
            years[y] = YearModel(m=blk, data=d, year=y)
        sm = SitingModel(m=m, data=data, years=years)
        if horizon.snapshot:
            add_budget(m, sm.final)
            add_objective(m, sm.final)
        else:
            add_time(sm)
    return sm


def add_year(m: pyo.Block, data: ModelData) -> None:
    """Every per-year block, in dependency order (each docstring's "Provides:" names what it adds)."""
    add_sets(m, data)
    add_siting(m, data)
    add_route_vars(m, data)
    add_power(m, data)
    add_routes(m, data)
    add_land(m, data)
    add_energy(m, data)
    add_capex(m, data)
    add_year_totals(m, data)
    add_policy(m, data)
