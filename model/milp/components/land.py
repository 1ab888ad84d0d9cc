"""Land: the campus footprint (acres per facility MW) fits in the county's developable land.

Provides: ``land`` (over ``SITES_LAND_LIMITED``); nothing later blocks read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from model.milp.components.siting import facility_terms
from model.milp.model_data import add_linear_rows

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_land(m: pyo.ConcreteModel, data: ModelData) -> None:
    """acres/MW x facility <= developable acres, only where land (not the campus cap) can bind."""
    sites, limited = data.sets.SITES, data.sets.SITES_LAND_LIMITED
    pos = {s: i for i, s in enumerate(sites)}
    lim_pos = np.fromiter((pos[s] for s in limited), dtype=np.int64, count=len(limited))
    row_of_site = np.full(len(sites), -1)
    row_of_site[lim_pos] = np.arange(len(limited))
    fac = facility_terms(m, data)
    r, c, v = fac.rows(row_of_site, scale=data.costs.acres_per_mw)
    acres = data.sites["land_available_acres"].to_numpy(dtype=float)[lim_pos]
    add_linear_rows(m, "land", m.SITES_LAND_LIMITED, limited, fac.variables, r, c, v, acres)
