"""water_cap: cap on-site cooling water in water-stressed counties; dry cooling becomes a decision.

In counties at or above ``min_water_stress`` (WRI Aqueduct 0-5 score) each campus may cool part
of its IT load with dry coolers (``dry_it_mw``): near-zero water, higher PUE (data/cooling.csv).
So the rule trades water against power: less water means more facility MW per GPU.
Modelled after water-use limits proposed for data centers in Arizona and Texas (2024-25).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import Field, field_validator

from model.core.rules import register_rule
from model.core.schema import StrictModel, upper_codes
from model.core.units import HOURS_PER_YEAR
from model.policies.base import REL_TOL, CheckContext, PolicyData

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("max_m3_per_year",)
SWEEPABLE = ("max_m3_per_year",)


class Params(StrictModel):
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


def _ensure_dry_cooling(m: pyo.ConcreteModel, data: PolicyData) -> None:
    """Dry cooling variables for every site any water rule touches; created once."""
    import pyomo.environ as pyo  # heavy: loaded only when used
    if hasattr(m, "dry_it_mw"):
        return
    rules = [p for p in data.inputs.scenario.policies if p.type == "water_cap"]
    covered = set().union(*(stressed_sites(data.sites, p) for p in rules))
    stressed = [s for s in data.sites.index if s in covered]
    evap, dry = data.cooling.loc["evaporative"], data.cooling.loc["dry"]
    hours = data.costs["load_factor"] * HOURS_PER_YEAR
    m.SITES_DRY_OPTION = pyo.Set(within=m.SITES, initialize=stressed, ordered=True)
    m.dry_it_mw = pyo.Var(m.SITES_DRY_OPTION, within=pyo.NonNegativeReals)
    m.dry_le_it = pyo.Constraint(m.SITES_DRY_OPTION, rule=lambda m, s: m.dry_it_mw[s] <= m.it_mw[s])
    for s in stressed:
        # L/kWh equals m3/MWh, so water = WUE x IT MWh.
        m.facility_mw[s].set_value(m.facility_mw[s].expr + float(dry["pue_delta"]) * m.dry_it_mw[s])
        saved = float(evap["wue_l_per_kwh_it"] - dry["wue_l_per_kwh_it"]) * hours
        m.water_m3_per_year[s].set_value(m.water_m3_per_year[s].expr - saved * m.dry_it_mw[s])


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    _ensure_dry_cooling(m, data)
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
