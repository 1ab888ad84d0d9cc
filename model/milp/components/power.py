"""Grid connection: facility MW within firm headroom plus at most one purchased upgrade tier.

In hourly mode (``data.energy`` set) the dispatch block states the grid limit itself (a firm row at
peak and a non-firm one off peak), so this block then adds no headroom row.

Provides: ``upgrade`` (over ``SITES_TIERS``; empty in zonal mode), ``SITES_GRID_LIMITED``, and in
zonal mode ``SITES_CONNECTIONS`` and ``connect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    if data.supply is not None:
        add_connections(m, data)
        return
    sets = data.sets
    tiers_at = sets.TIERS_AT
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)
    # Where headroom already covers the campus cap the row is redundant with campus_max.
    m.SITES_GRID_LIMITED = pyo.Set(within=m.SITES, initialize=sets.SITES_GRID_LIMITED, ordered=True)
    if data.energy is None:
        m.headroom = pyo.Constraint(
            m.SITES_GRID_LIMITED,
            rule=lambda m, s: m.facility_mw[s]
            <= data.headroom_mw[s] * m.build[s] + sum(data.tier_mw[t] * m.upgrade[s, t] for t in tiers_at[s]),
        )
    m.SITES_WITH_TIERS = pyo.Set(within=m.SITES, initialize=sets.SITES_WITH_TIERS, ordered=True)
    m.one_tier = pyo.Constraint(
        m.SITES_WITH_TIERS, rule=lambda m, s: sum(m.upgrade[s, t] for t in tiers_at[s]) <= m.build[s]
    )


def add_connections(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Zonal supply: each built site picks at most one connection (substation class, spur km) and its
    facility MW stays within what that connection delivers; firm supply is the zone balance's job
    (model/milp/components/supply.py). No headroom row and no upgrade tiers (SITES_TIERS is empty)."""
    z = data.supply
    assert z is not None
    options_at = data.sets.CONNECTIONS_AT
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
