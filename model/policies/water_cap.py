"""water_cap: cap on-site cooling water in water-stressed counties; dry cooling becomes a decision.

In counties at or above ``min_water_stress`` (WRI Aqueduct 0-5 score) each campus may cool part
of its IT load with dry coolers (``dry_it_mw``): near-zero water, higher PUE (data/cooling.csv).
So the rule trades water against power: less water means more facility MW per GPU. The dry-cooling
option is part of the siting and energy blocks (via ``dry_cooling_mask`` and ``sets.SITES_DRY_OPTION``);
``add`` only adds the cap row over ``water_m3_per_year``.
Modelled after water-use limits proposed for data centers in Arizona and Texas (2024-25).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from model.core.rules import register_rule
from model.core.schema import upper_codes
from model.policies.base import CheckContext, PolicyData, PolicyParams, REL_TOL

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("max_m3_per_year",)
SWEEPABLE = ("max_m3_per_year",)


class Params(PolicyParams):
    type: Literal["water_cap"]
    max_m3_per_year: float = Field(ge=0)  # total over the stressed counties' campuses
    min_water_stress: float = Field(default=3.0, ge=0, le=5)  # Aqueduct "high" starts at 3
    states: list[str] = []  # where the cap applies; empty means every state

    _states = field_validator("states")(upper_codes)


def stressed_sites(sites: pd.DataFrame, params: Params) -> list[str]:
    """Candidates the cap covers: stressed counties, in the listed states if any."""
    mask = sites["water_stress_score"] >= params.min_water_stress
    if params.states:
        mask &= sites["state"].isin(params.states)
    return sites.index[mask].to_list()


def dry_cooling_mask(sites: pd.DataFrame, params: Params) -> np.ndarray:
    """Candidates offered dry cooling: the ones the cap covers (the siting block adds ``dry_it_mw`` for
    them, the energy block the water it saves)."""
    return sites.index.isin(stressed_sites(sites, params))


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    stressed = stressed_sites(data.sites, params)
    cap = pyo.Param(initialize=params.max_m3_per_year, mutable=True)
    m.add_component(f"{name}_m3", cap)
    m.add_component(name, pyo.Constraint(expr=sum(m.water_m3_per_year[s] for s in stressed) <= cap))
    register_rule(m, name, "water_cap", "m3/yr")


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    m.find_component(f"{name}_m3").set_value(params.max_m3_per_year)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    used = float(ctx.water_m3[stressed_sites(ctx.facts, params)].sum())
    if used > params.max_m3_per_year * (1 + REL_TOL) + 1.0:
        return [f"{tag}: {used:,.0f} m3/yr in stressed counties exceeds cap {params.max_m3_per_year:,.0f}"]
    return []
