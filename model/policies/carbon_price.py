"""carbon_price: a price on the CO2 of the energy bought, counted in energy opex."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pyomo.environ as pyo
from pydantic import Field

from model.schema import StrictModel

if TYPE_CHECKING:
    from model.build import ModelData

MUTABLE = ("usd_per_tco2",)


# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(StrictModel):
    type: Literal["carbon_price"]
    usd_per_tco2: float = Field(ge=0)


def add(m: pyo.ConcreteModel, data: ModelData, params: Params, name: str) -> None:
    update(m, params, name)


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    m.carbon_price_usd_per_tco2.set_value(params.usd_per_tco2)
