"""time_to_power: sites whose time to power exceeds a deadline are excluded or penalised.

A candidate's years (``queue_years``): with zonal supply its county's queue-to-operation median from
the ISO queues (data/county_time_to_power.csv: zone, else ISO, else the LBNL non-ISO 5 years); legacy:
the state's LBNL region. With zonal supply, new generation must also be built in time: in exclude
mode a type whose construction years (data/time_to_power.csv, level ``construction``) exceed the
deadline cannot be built. The penalty stands for revenue lost while a campus waits for power, per
facility MW and year beyond the deadline (new generation is not penalised).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model.core.units import USD_PER_MUSD
from model.policies.base import ABS_MW, CheckContext, PolicyContext, PolicyData, PolicyParams

# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["time_to_power"]
    max_years: float = Field(gt=0)
    mode: Literal["exclude", "penalty"] = "exclude"
    penalty_usd_per_mw_year: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _penalty_needs_value(self) -> "Params":
        if self.mode == "penalty" and self.penalty_usd_per_mw_year == 0:
            raise ValueError("mode 'penalty' needs penalty_usd_per_mw_year > 0")
        return self


def candidate_mask(sites: pd.DataFrame, params: Params, ctx: PolicyContext) -> np.ndarray:
    if params.mode != "exclude":
        return np.zeros(len(sites), dtype=bool)
    return (sites["queue_years"] > params.max_years).to_numpy()


def adjust(data: PolicyData, params: Params) -> PolicyData:
    if params.mode != "penalty":
        return data
    late_years = (data.sites["queue_years"] - params.max_years).clip(lower=0.0)
    adder = {
        s: data.capex_adder_musd_per_mw[s] + late_years[s] * params.penalty_usd_per_mw_year / USD_PER_MUSD
        for s in data.sets.SITES
    }
    return replace(data, capex_adder_musd_per_mw=adder)


def late_generation_types(construction_years: dict[str, float], params: Params) -> list[str]:
    """New-generation types that cannot be online by the deadline (exclude mode only)."""
    if params.mode != "exclude":
        return []
    return sorted(t for t, years in construction_years.items() if years > params.max_years)


def add(m: Any, data: PolicyData, params: Params, name: str) -> None:
    """Zonal supply, exclude mode: no new plant of a type that takes longer to build than the deadline."""
    import pyomo.environ as pyo  # heavy: loaded only when used

    supply = data.supply
    if supply is None:
        return
    late = set(late_generation_types(supply.gen_construction_years, params))
    keys = [(z, t) for z, t in data.sets.ZONES_GEN if t in late]
    if keys:
        m.add_component(name, pyo.Constraint(keys, rule=lambda m, z, t: m.new_gen_mw[z, t] <= 0.0))


def capex_factors(facts: pd.DataFrame, params: Params) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Penalty mode: a $/MW adder for each year a built site waits beyond the deadline."""
    one = pd.Series(1.0, index=facts.index)
    if params.mode != "penalty":
        return one, one, pd.Series(0.0, index=facts.index)
    late = (facts["queue_years"] - params.max_years).clip(lower=0.0)
    return one, one, late * params.penalty_usd_per_mw_year


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    if params.mode != "exclude":
        return []  # penalty: verified through capex_factors in the capex recomputation
    late = ctx.facts.index[ctx.facts["queue_years"] > params.max_years]
    problems = [f"{tag}: {s} built with a {ctx.facts.at[s, 'queue_years']:g}-year queue, over {params.max_years:g}" for s in late]
    slow = set(late_generation_types(ctx.construction_years, params))
    gen = ctx.new_generation
    if gen is not None and len(gen):
        for t in sorted(set(gen.loc[gen["new_mw"] > ABS_MW, "type"]) & slow):
            problems.append(f"{tag}: new {t} takes {ctx.construction_years[t]:g} years to build, over {params.max_years:g}")
    return problems
