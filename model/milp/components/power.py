"""Grid connection: facility MW within firm headroom plus at most one purchased upgrade tier.

In hourly mode (``data.energy`` set) the dispatch block states the grid limit itself (a firm row at
peak and a non-firm one off peak), so this block then adds no headroom row.

Provides: ``upgrade`` (over ``SITES_TIERS``; empty in zonal mode), ``SITES_GRID_LIMITED``, and in
zonal mode ``SITES_CONNECTIONS`` and ``connect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from model.milp.components.siting import facility_terms
from model.milp.components.routes import route_terms, routes_of
from model.milp.model_data import add_linear_rows, members

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def _pairs_at(pairs: list[tuple[str, str]], sites: list[str]) -> np.ndarray:
    """Site position of each (site, option) pair."""
    pos = {s: i for i, s in enumerate(sites)}
    return np.fromiter((pos[s] for s, _ in pairs), dtype=np.int64, count=len(pairs))


def _choice_rows(
    m: pyo.Block, name: str, index: Any, keys: list[str], sites: list[str], pair_site: np.ndarray, options: list[Any]
) -> None:
    """``sum(option) - build <= 0`` per site in ``keys``; a site without options gets ``build >= 0``."""
    pos = {s: i for i, s in enumerate(sites)}
    key_pos = np.fromiter((pos[s] for s in keys), dtype=np.int64, count=len(keys))
    row_of_site = np.full(len(sites), -1)
    row_of_site[key_pos] = np.arange(len(keys))
    keep = row_of_site[pair_site] >= 0
    has = np.zeros(len(keys), dtype=bool)
    has[row_of_site[pair_site[keep]]] = True
    n_opt = len(options)
    build = members(m.build)
    add_linear_rows(
        m, name, index, keys, (options, build),
        np.concatenate([row_of_site[pair_site[keep]], np.arange(len(keys))]),
        np.concatenate([np.flatnonzero(keep), n_opt + key_pos]),
        np.concatenate([np.ones(int(keep.sum())), np.where(has, -1.0, 1.0)]),
        np.zeros(len(keys)),
        sense=np.where(has, 1, -1),
    )


def add_power(m: pyo.Block, data: ModelData) -> None:
    if data.supply is not None:
        add_connections(m, data)
        return
    sets = data.sets
    sites = sets.SITES
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)
    upgrades = members(m.upgrade)
    tier_site = _pairs_at(sets.SITES_TIERS, sites)
    # Where headroom already covers the campus cap the row is redundant with campus_max (snapshot); with
    # routes every site has one (before its firm year only the bridge and the flexible connection serve).
    r = routes_of(data)
    limited = sets.SITES_GRID_LIMITED if r is None or data.energy is not None else list(sites)
    m.SITES_GRID_LIMITED = pyo.Set(within=m.SITES, initialize=limited, ordered=True)
    if data.energy is None:
        # headroom: facility - bridge - flex - [firm] (headroom x build + sum(tier MW x upgrade)) <= 0
        pos = {s: i for i, s in enumerate(sites)}
        lim_pos = np.fromiter((pos[s] for s in limited), dtype=np.int64, count=len(limited))
        row_of_site = np.full(len(sites), -1)
        row_of_site[lim_pos] = np.arange(len(limited))
        fac = facility_terms(m, data).plus(*route_terms(m, data, flex=True))
        rr, cc, vv = fac.rows(row_of_site)
        n_fac, n_up = sum(map(len, fac.variables)), len(upgrades)
        firm = np.array([r is None or r.firm_ok(s, data.year) for s in sites], dtype=bool)
        keep = (row_of_site[tier_site] >= 0) & firm[tier_site]
        tier_mw = np.fromiter((data.tier_mw[t] for _, t in sets.SITES_TIERS), dtype=float, count=len(sets.SITES_TIERS))
        head = np.fromiter((data.headroom_mw[s] for s in limited), dtype=float, count=len(limited))
        head_on = firm[lim_pos] & (head > 0)
        add_linear_rows(
            m, "headroom", m.SITES_GRID_LIMITED, limited, fac.variables + (upgrades, members(m.build)),
            np.concatenate([rr, np.arange(len(limited))[head_on], row_of_site[tier_site[keep]]]),
            np.concatenate([cc, n_fac + n_up + lim_pos[head_on], n_fac + np.flatnonzero(keep)]),
            np.concatenate([vv, -head[head_on], -tier_mw[keep]]),
            np.zeros(len(limited)),
        )
    m.SITES_WITH_TIERS = pyo.Set(within=m.SITES, initialize=sets.SITES_WITH_TIERS, ordered=True)
    if r is None or data.horizon is None or data.year == data.horizon.last:
        _choice_rows(m, "one_tier", m.SITES_WITH_TIERS, sets.SITES_WITH_TIERS, sites, tier_site, upgrades)


def add_connections(m: pyo.Block, data: ModelData) -> None:
    """Zonal supply: each built site picks at most one connection (substation class, spur km) and its
    facility MW less its routes (bridge, flexible) stays within what that connection delivers once it
    can deliver firm power; firm supply is the zone balance's job (model/milp/components/supply.py).
    No headroom row and no upgrade tiers (SITES_TIERS is empty)."""
    z = data.supply
    assert z is not None
    sets = data.sets
    sites = sets.SITES
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)  # empty: kept so readers of m.upgrade work
    m.SITES_CONNECTIONS = pyo.Set(dimen=2, initialize=sets.SITES_CONNECTIONS, ordered=True)
    m.connect = pyo.Var(m.SITES_CONNECTIONS, within=pyo.Binary)
    connects = members(m.connect)
    pair_site = _pairs_at(sets.SITES_CONNECTIONS, sites)
    # connection_mw: facility - bridge - flex - sum(option MW x connect, options firm this year) <= 0, every site
    r = routes_of(data)
    fac = facility_terms(m, data).plus(*route_terms(m, data, flex=True))
    all_rows = np.arange(len(sites))
    rr, cc, vv = fac.rows(all_rows)
    keep = np.array([r is None or r.option_ok(s, c, data.year) for s, c in sets.SITES_CONNECTIONS], dtype=bool)
    mw = np.fromiter((z.connection_mw[k] for k in sets.SITES_CONNECTIONS), dtype=float, count=len(connects))
    add_linear_rows(
        m, "connection_mw", m.SITES, sites, fac.variables + (connects,),
        np.concatenate([rr, pair_site[keep]]),
        np.concatenate([cc, sum(map(len, fac.variables)) + np.flatnonzero(keep)]),
        np.concatenate([vv, -mw[keep]]), np.zeros(len(sites)),
    )
    if r is None or data.horizon is None or data.year == data.horizon.last:
        # Multi-year: the choice is one across years (model/milp/components/time.py links them), made
        # for the campus as built at the horizon end. By routes: at most one large connection and at most
        # one existing station per site (their MW add up).
        group = z.connection_group
        if not group:
            _choice_rows(m, "one_connection", m.SITES, sites, sites, pair_site, connects)
            return
        for name, g in (("one_connection", "large_connection"), ("one_station", "existing_station")):
            idx = np.array([group[k] == g for k in sets.SITES_CONNECTIONS], dtype=bool)
            keys = [s for s in sites if any(group.get((s, c)) == g for c in sets.CONNECTIONS_AT[s])]
            if not keys:
                continue
            m.add_component(f"SITES_{name.upper()}", pyo.Set(within=m.SITES, initialize=keys, ordered=True))
            opts = [v for v, i in zip(connects, idx) if i]
            _choice_rows(m, name, m.component(f"SITES_{name.upper()}"), keys, sites, pair_site[idx], opts)
