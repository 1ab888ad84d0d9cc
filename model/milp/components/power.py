"""Grid connection: facility MW within firm headroom plus at most one purchased upgrade tier."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    tiers_at: dict[str, list[str]] = defaultdict(list)
    for s, t in data.sets.SITES_TIERS:
        tiers_at[s].append(t)
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)
    max_mw = data.costs["max_campus_mw"]
    # Where headroom already covers the campus cap the row is redundant with campus_max.
    limited = [s for s in data.sets.SITES if data.headroom_mw[s] < max_mw]
    m.SITES_GRID_LIMITED = pyo.Set(within=m.SITES, initialize=limited, ordered=True)
    m.headroom = pyo.Constraint(
        m.SITES_GRID_LIMITED,
        rule=lambda m, s: m.facility_mw[s]
        <= data.headroom_mw[s] * m.build[s] + sum(data.tier_mw[t] * m.upgrade[s, t] for t in tiers_at[s]),
    )
    m.SITES_WITH_TIERS = pyo.Set(within=m.SITES, initialize=sorted(tiers_at, key=data.sets.SITES.index), ordered=True)
    m.one_tier = pyo.Constraint(
        m.SITES_WITH_TIERS, rule=lambda m, s: sum(m.upgrade[s, t] for t in tiers_at[s]) <= m.build[s]
    )
