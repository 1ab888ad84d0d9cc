"""Where to build and what to install: build binaries, GPU blocks, IT and facility MW, campus size."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_siting(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    m.build = pyo.Var(m.SITES, within=pyo.Binary)
    m.blocks = pyo.Var(
        m.SITES_GPUS, within=pyo.NonNegativeIntegers, bounds=lambda m, s, g: (0, data.blocks_max[s, g])
    )
    it = data.block_it_mw
    m.it_mw = pyo.Expression(m.SITES, rule=lambda m, s: sum(it[g] * m.blocks[s, g] for g in m.GPUS))
    # Facility power = IT power x the site's climate-driven PUE.
    m.facility_mw = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(data.pue[s] * it[g] * m.blocks[s, g] for g in m.GPUS)
    )
    m.site_pflops = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(data.block_pflops[g] * m.blocks[s, g] for g in m.GPUS)
    )
    m.campus_max = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.facility_mw[s] <= costs["max_campus_mw"] * m.build[s]
    )
    if costs["min_campus_mw"] > 0:
        m.campus_min = pyo.Constraint(
            m.SITES, rule=lambda m, s: m.facility_mw[s] >= costs["min_campus_mw"] * m.build[s]
        )
