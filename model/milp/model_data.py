"""The model's data: coefficients keyed by index-set members, computed once with pandas from
:class:`SitingData` (never inside Pyomo rules), and the built model paired with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.units import KW_PER_MW, TFLOPS_PER_PFLOPS, USD_PER_MUSD
from model.inputs.energy_data import EnergyData
from model.inputs.load import SitingData
from model.milp.index_sets import IndexSets, active_sites, build_index_sets, policy_context
from model.policies import module_for
from model.policies.base import PolicyContext


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
