"""carbon_price: a price on the CO2 of the energy bought, counted in energy opex."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.policies.base import CheckContext, PolicyData, PolicyParams

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("usd_per_tco2",)
SWEEPABLE = ("usd_per_tco2",)


# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["carbon_price"]
    usd_per_tco2: float = Field(ge=0)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    update(m, params, name)


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    m.carbon_price_usd_per_tco2.set_value(params.usd_per_tco2)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    # A price, not a limit: nothing to violate. Its effect is verified where the checker
    # recomputes the energy opex and the objective with this price (model.check).
    return []
