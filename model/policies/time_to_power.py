"""time_to_power: sites whose interconnection queue exceeds a deadline are excluded or penalised.

Queue years come from state_facts.csv (LBNL Queued Up 2024, by region). The penalty stands for
revenue lost while a campus waits for power, per facility MW and year beyond the deadline.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from model.core.schema import StrictModel
from model.core.units import USD_PER_MUSD
from model.policies.base import CheckContext, PolicyContext, PolicyData

# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(StrictModel):
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
    return [f"{tag}: {s} built with a {ctx.facts.at[s, 'queue_years']:g}-year queue, over {params.max_years:g}" for s in late]
