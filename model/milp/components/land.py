"""Land: the campus footprint (acres per facility MW) fits in the county's developable land.

Provides: ``land`` (over ``SITES_LAND_LIMITED``); nothing later blocks read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_land(m: pyo.ConcreteModel, data: ModelData) -> None:
    acres_per_mw = data.costs.acres_per_mw
    land_acres = data.sites["land_available_acres"].to_dict()
    m.land = pyo.Constraint(
        m.SITES_LAND_LIMITED, rule=lambda m, s: acres_per_mw * m.facility_mw[s] <= land_acres[s]
    )
