"""Grid connection: facility MW within firm headroom plus at most one purchased upgrade tier."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    if data.supply is not None:
        add_connections(m, data)
        return
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


def add_connections(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Zonal supply: each built site picks at most one connection (substation class, spur km) and its
    facility MW stays within what that connection delivers; firm supply is the zone balance's job
    (model/milp/components/supply.py). No headroom row and no upgrade tiers (SITES_TIERS is empty)."""
    z = data.supply
    assert z is not None
    options_at: dict[str, list[str]] = defaultdict(list)
    for s, c in data.sets.SITES_CONNECTIONS:
        options_at[s].append(c)
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)  # empty: kept so readers of m.upgrade work
    m.SITES_CONNECTIONS = pyo.Set(within=m.SITES * pyo.Any, initialize=data.sets.SITES_CONNECTIONS, ordered=True)
    m.connect = pyo.Var(m.SITES_CONNECTIONS, within=pyo.Binary)
    m.connection_mw = pyo.Constraint(
        m.SITES,
        rule=lambda m, s: m.facility_mw[s] <= sum(z.connection_mw[s, c] * m.connect[s, c] for c in options_at[s]),
    )
    m.one_connection = pyo.Constraint(
        m.SITES, rule=lambda m, s: sum(m.connect[s, c] for c in options_at[s]) <= m.build[s]
    )
