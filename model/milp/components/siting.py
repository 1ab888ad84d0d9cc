"""Where to build and what to install: build binaries, GPU blocks, IT and facility MW, campus size.

Where a rule offers dry cooling (``sets.SITES_DRY_OPTION``, e.g. water_cap's stressed counties) part
of the IT load may be dry-cooled: near-zero water, more facility MW per MW of IT (data/cooling.csv).

Provides: ``build``, ``blocks``, ``it_mw``, ``facility_mw`` (with the dry-cooling PUE delta),
``site_pflops``, and ``dry_it_mw`` over ``SITES_DRY_OPTION`` when that set is not empty.
"""

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
    dry_sites = set(data.sets.SITES_DRY_OPTION)
    if dry_sites:
        m.SITES_DRY_OPTION = pyo.Set(within=m.SITES, initialize=data.sets.SITES_DRY_OPTION, ordered=True)
        m.dry_it_mw = pyo.Var(m.SITES_DRY_OPTION, within=pyo.NonNegativeReals)
        m.dry_le_it = pyo.Constraint(m.SITES_DRY_OPTION, rule=lambda m, s: m.dry_it_mw[s] <= m.it_mw[s])
    # Facility power = IT power x the site's climate-driven PUE, plus the PUE delta of dry-cooled IT.
    def facility_mw(m: pyo.ConcreteModel, s: str) -> object:
        evaporative = sum(data.pue[s] * it[g] * m.blocks[s, g] for g in m.GPUS)
        return evaporative + data.dry_pue_delta * m.dry_it_mw[s] if s in dry_sites else evaporative

    m.facility_mw = pyo.Expression(m.SITES, rule=facility_mw)
    m.site_pflops = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(data.block_pflops[g] * m.blocks[s, g] for g in m.GPUS)
    )
    m.campus_max = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.facility_mw[s] <= costs.max_campus_mw * m.build[s]
    )
    if costs.min_campus_mw > 0:
        m.campus_min = pyo.Constraint(
            m.SITES, rule=lambda m, s: m.facility_mw[s] >= costs.min_campus_mw * m.build[s]
        )
