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
from model.milp.model_data import add_linear_rows, by_index, le, linear_sum, members, members_by_first, term

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def _pairs_at(pairs: list[tuple[str, str]], sites: list[str]) -> np.ndarray:
    """Site position of each (site, option) pair."""
    pos = {s: i for i, s in enumerate(sites)}
    return np.fromiter((pos[s] for s, _ in pairs), dtype=np.int64, count=len(pairs))


def _choice_rows(
    m: pyo.ConcreteModel, name: str, index: Any, keys: list[str], sites: list[str], pair_site: np.ndarray, options: list[Any]
) -> None:
    """``sum(option) <= build`` per site in ``keys``: ``sum(options) - build <= 0``; a site without options
    gets Pyomo's ``0 <= build`` (a >= row on its build binary alone)."""
    pos = {s: i for i, s in enumerate(sites)}
    key_pos = np.fromiter((pos[s] for s in keys), dtype=np.int64, count=len(keys))
    row_of_site = np.full(len(sites), -1)
    row_of_site[key_pos] = np.arange(len(keys))
    keep = row_of_site[pair_site] >= 0
    has = np.zeros(len(keys), dtype=bool)
    has[row_of_site[pair_site[keep]]] = True
    n_opt = len(options)
    build = members(m.build)
    variables = (options, build)
    # Pyomo's own expression: sum of the options (bare variables) <= build
    grouped: list[list[Any]] = [[] for _ in keys]
    for k, j in zip(row_of_site[pair_site[keep]].tolist(), np.flatnonzero(keep).tolist()):
        grouped[k].append(options[j])
    exprs = [le(linear_sum([1] * len(g), g), build[i]) for g, i in zip(grouped, key_pos.tolist())]
    add_linear_rows(
        m, name, index, keys, variables,
        np.concatenate([row_of_site[pair_site[keep]], np.arange(len(keys))]),
        np.concatenate([np.flatnonzero(keep), n_opt + key_pos]),
        np.concatenate([np.ones(int(keep.sum())), np.where(has, -1.0, 1.0)]),
        np.zeros(len(keys)),
        sense=np.where(has, 1, -1),
        exprs=exprs,
    )


def _plus(a: Any, b: Any) -> Any:
    """``a + b`` where ``b`` may be the 0 an empty ``sum`` gives."""
    return a if isinstance(b, int) and b == 0 else a + b


def add_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    if data.supply is not None:
        add_connections(m, data)
        return
    sets = data.sets
    sites = sets.SITES
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)
    upgrades = members(m.upgrade)
    tier_site = _pairs_at(sets.SITES_TIERS, sites)
    # Where headroom already covers the campus cap the row is redundant with campus_max.
    m.SITES_GRID_LIMITED = pyo.Set(within=m.SITES, initialize=sets.SITES_GRID_LIMITED, ordered=True)
    if data.energy is None:
        # headroom: facility - headroom x build - sum(tier MW x upgrade) <= 0
        limited = sets.SITES_GRID_LIMITED
        pos = {s: i for i, s in enumerate(sites)}
        lim_pos = np.fromiter((pos[s] for s in limited), dtype=np.int64, count=len(limited))
        row_of_site = np.full(len(sites), -1)
        row_of_site[lim_pos] = np.arange(len(limited))
        fac = facility_terms(m, data)
        r, c, v = fac.rows(row_of_site)
        n_fac, n_up = sum(map(len, fac.variables)), len(upgrades)
        keep = row_of_site[tier_site] >= 0
        tier_mw = np.fromiter((data.tier_mw[t] for _, t in sets.SITES_TIERS), dtype=float, count=len(sets.SITES_TIERS))
        headroom = np.fromiter((data.headroom_mw[s] for s in limited), dtype=float, count=len(limited))
        build = members(m.build)
        tiers_at, upgrade_at = sets.TIERS_AT, members_by_first(m.upgrade, sets.SITES_TIERS)
        facility = by_index(m.facility_mw, sites)
        exprs = [
            le(facility[s], _plus(term(h, build[i]), linear_sum([data.tier_mw[t] for t in tiers_at[s]], upgrade_at.get(s, []))))
            for s, h, i in zip(limited, headroom.tolist(), lim_pos.tolist())
        ]
        add_linear_rows(
            m, "headroom", m.SITES_GRID_LIMITED, limited, fac.variables + (upgrades, build),
            np.concatenate([r, np.arange(len(limited)), row_of_site[tier_site[keep]]]),
            np.concatenate([c, n_fac + n_up + lim_pos, n_fac + np.flatnonzero(keep)]),
            np.concatenate([v, -headroom, -tier_mw[keep]]),
            np.zeros(len(limited)),
            exprs=exprs,
        )
    m.SITES_WITH_TIERS = pyo.Set(within=m.SITES, initialize=sets.SITES_WITH_TIERS, ordered=True)
    _choice_rows(m, "one_tier", m.SITES_WITH_TIERS, sets.SITES_WITH_TIERS, sites, tier_site, upgrades)


def add_connections(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Zonal supply: each built site picks at most one connection (substation class, spur km) and its
    facility MW stays within what that connection delivers; firm supply is the zone balance's job
    (model/milp/components/supply.py). No headroom row and no upgrade tiers (SITES_TIERS is empty)."""
    z = data.supply
    assert z is not None
    sets = data.sets
    sites = sets.SITES
    m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)  # empty: kept so readers of m.upgrade work
    m.SITES_CONNECTIONS = pyo.Set(dimen=2, initialize=sets.SITES_CONNECTIONS, ordered=True)
    m.connect = pyo.Var(m.SITES_CONNECTIONS, within=pyo.Binary)
    connects = members(m.connect)
    pair_site = _pairs_at(sets.SITES_CONNECTIONS, sites)
    # connection_mw: facility - sum(option MW x connect) <= 0, every site
    fac = facility_terms(m, data)
    all_rows = np.arange(len(sites))
    r, c, v = fac.rows(all_rows)
    mw = np.fromiter((z.connection_mw[k] for k in sets.SITES_CONNECTIONS), dtype=float, count=len(connects))
    options_at, connect_at = sets.CONNECTIONS_AT, members_by_first(m.connect, sets.SITES_CONNECTIONS)
    exprs = [
        le(f, linear_sum([z.connection_mw[s, c] for c in options_at[s]], connect_at.get(s, [])))
        for s, f in zip(sites, m.facility_mw.values())
    ]
    add_linear_rows(
        m, "connection_mw", m.SITES, sites, fac.variables + (connects,),
        np.concatenate([r, pair_site]), np.concatenate([c, sum(map(len, fac.variables)) + np.arange(len(connects))]),
        np.concatenate([v, -mw]), np.zeros(len(sites)), exprs=exprs,
    )
    _choice_rows(m, "one_connection", m.SITES, sites, sites, pair_site, connects)
