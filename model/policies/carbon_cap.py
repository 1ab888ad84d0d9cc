"""carbon_cap: total CO2 from the campuses' grid energy at most ``max_tco2_per_year``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.core.rules import register_rule
from model.policies.base import CheckContext, PolicyData, PolicyParams, REL_TOL

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("max_tco2_per_year",)
SWEEPABLE = ("max_tco2_per_year",)


# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["carbon_cap"]
    max_tco2_per_year: float = Field(ge=0)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    cap = pyo.Param(initialize=params.max_tco2_per_year, mutable=True)
    m.add_component(f"{name}_tco2", cap)
    m.add_component(name, pyo.Constraint(expr=m.co2_t_per_year_total <= cap))
    register_rule(m, name, "carbon_cap", "tCO2/yr")


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    m.find_component(f"{name}_tco2").set_value(params.max_tco2_per_year)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    if ctx.total_co2_t > params.max_tco2_per_year * (1 + REL_TOL) + 1.0:
        return [f"{tag}: {ctx.total_co2_t:,.0f} tCO2/yr exceeds cap {params.max_tco2_per_year:,.0f}"]
    return []
