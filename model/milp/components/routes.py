r"""How each campus is powered in a model year (multi-year horizons): its grid connection once it can
deliver firm power, on-site gas turbines as a bridge, or a flexible (non-firm) connection before the
firm date (docs/pathway.md). A snapshot has no routes: the grid serves every campus.

.. math::
    f_{s,y} = p^{grid}_{s,y} + p^{bridge}_{s,y} + p^{flex}_{s,y}, \quad
    p^{grid}_{s,y} \le \sum_{c} \bar P_{s,c} \, x_{s,c,y} \, [y \ge Y^{firm}_s], \quad
    (1 + \rho) p^{bridge}_{s,y} \le B_{s,y} \le \bar B, \quad
    p^{flex}_{s,y} \le \phi \sum_c \bar P_{s,c} x_{s,c,y} \, [Y^{flex} \le y < Y^{firm}_s]

The grid row itself is the power block's (``connection_mw`` / ``headroom``), which subtracts the route
terms :func:`route_terms` gives; the zone firm balance counts only the firm grid part.

Provides: ``BRIDGE_SITES``, ``bridge_mw``, ``bridge_cap_mw``, ``FLEX_SITES``, ``flex_mw`` (created
by :func:`add_route_vars` before the power block), the rows ``bridge_spare``, ``flex_share``,
``zone_flexible`` (:func:`add_routes`, after it), and ``route_energy_cost_musd_per_year`` /
``route_co2_t_per_year`` (:func:`add_route_energy`, called by the energy block: what the bridge fuel
and flexible curtailment change in the year's energy).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD
from model.milp.components import Term
from model.milp.components.siting import facility_terms
from model.milp.model_data import Segments, add_linear_rows, members

if TYPE_CHECKING:
    from model.milp.model_data import ModelData
    from model.milp.time_data import RouteData


def routes_of(data: ModelData) -> RouteData | None:
    """The routes of a multi-year model's year (None for a snapshot, and for an hourly year: there the
    dispatch block states each campus' grid, on-site and flexible supply; the firm-year gating and the
    bridge are annual-year features, docs/pathway.md)."""
    if data.time is None or data.energy is not None:
        return None
    return data.time.routes


def add_route_vars(m: pyo.Block, data: ModelData) -> None:
    r = routes_of(data)
    if r is None:
        return
    sites = data.sets.SITES
    y = data.year
    m.BRIDGE_SITES = pyo.Set(initialize=[s for s in sites if r.bridge_ok(y, s)], ordered=True)
    m.FLEX_SITES = pyo.Set(initialize=[s for s in sites if r.flex_ok(s, y)], ordered=True)
    m.bridge_mw = pyo.Var(m.BRIDGE_SITES, within=pyo.NonNegativeReals)
    m.bridge_cap_mw = pyo.Var(m.BRIDGE_SITES, within=pyo.NonNegativeReals, bounds=lambda m, s: (0.0, r.bridge_cap_mw(s)))
    m.flex_mw = pyo.Var(m.FLEX_SITES, within=pyo.NonNegativeReals)


def route_terms(m: pyo.Block, data: ModelData, flex: bool) -> tuple[Segments, np.ndarray, np.ndarray]:
    """``-bridge_mw[s]`` (and ``-flex_mw[s]`` with ``flex``) as (variables, site position, coefficient):
    what a campus' facility MW less its routes leaves for the grid (firm grid, with ``flex``)."""
    if routes_of(data) is None:
        return (), np.zeros(0, dtype=np.int64), np.zeros(0)
    pos = {s: i for i, s in enumerate(data.sets.SITES)}
    names = ["BRIDGE_SITES"] + (["FLEX_SITES"] if flex else [])
    variables = [members(m.bridge_mw)] + ([members(m.flex_mw)] if flex else [])
    site = np.concatenate([np.fromiter((pos[s] for s in m.component(n)), dtype=np.int64, count=len(m.component(n))) for n in names])
    return tuple(variables), site, -np.ones(len(site))


def add_routes(m: pyo.Block, data: ModelData) -> None:
    """The routes' own rows (after the power block: the flexible share reads the connection)."""
    r = routes_of(data)
    if r is None:
        return
    bridge, cap = members(m.bridge_mw), members(m.bridge_cap_mw)
    n_b = len(bridge)
    # routes_within: bridge + flex - facility <= 0 (the grid's firm part, facility less both, is >= 0)
    served = sorted(set(m.BRIDGE_SITES) | set(m.FLEX_SITES), key=data.sets.SITES.index)
    if served:
        pos = {s: i for i, s in enumerate(data.sets.SITES)}
        row_of_site = np.full(len(data.sets.SITES), -1)
        row_of_site[[pos[s] for s in served]] = np.arange(len(served))
        variables, site, coef = route_terms(m, data, flex=True)
        fac = facility_terms(m, data)
        r1, c1, v1 = fac.rows(row_of_site)
        n_fac = sum(map(len, fac.variables))
        m.ROUTED_SITES = pyo.Set(initialize=served, ordered=True)
        add_linear_rows(
            m, "routes_within", m.ROUTED_SITES, served, fac.variables + variables,
            np.concatenate([r1, row_of_site[site]]), np.concatenate([c1, n_fac + np.arange(len(site))]),
            np.concatenate([-v1, -coef]), np.zeros(len(served)),
        )
    if n_b:
        rows = np.arange(n_b)
        add_linear_rows(
            m, "bridge_spare", m.BRIDGE_SITES, list(m.BRIDGE_SITES), (bridge, cap),
            np.concatenate([rows, rows]), np.concatenate([rows, n_b + rows]),
            np.concatenate([np.full(n_b, 1.0 + r.bridge_reserve_share), -np.ones(n_b)]), np.zeros(n_b),
        )
    flex_sites = list(m.FLEX_SITES)
    if not flex_sites:
        return
    flex = members(m.flex_mw)
    row_of = {s: i for i, s in enumerate(flex_sites)}
    if data.supply is not None:
        z = data.supply
        pairs = [(k, s, c) for k, (s, c) in enumerate(data.sets.SITES_CONNECTIONS) if s in row_of]
        if r.by_routes:
            # The flexible service of the existing station: its MW, only with that station's connection.
            pairs = [(k, s, c) for k, s, c in pairs if z.connection_group.get((s, c)) == "existing_station"]
            limit = np.array([r.flex_max_mw_of[s] for _, s, _ in pairs])
        else:
            limit = r.flexible_share * np.array([z.connection_mw[s, c] for _, s, c in pairs])
        add_linear_rows(
            m, "flex_share", m.FLEX_SITES, flex_sites, (flex, members(m.connect)),
            np.concatenate([np.arange(len(flex)), np.array([row_of[s] for _, s, _ in pairs], dtype=np.int64)]),
            np.concatenate([np.arange(len(flex)), len(flex) + np.array([k for k, _, _ in pairs], dtype=np.int64)]),
            np.concatenate([np.ones(len(flex)), -limit]),
            np.zeros(len(flex)),
        )
        # Flexible MW per zone at most a share of the zone's peak (docs/pathway.md).
        zone_of = z.zone_of
        zones = sorted({zone_of[s] for s in flex_sites}, key=lambda k: (len(k), k))
        zrow = {k: i for i, k in enumerate(zones)}
        m.FLEX_ZONES = pyo.Set(initialize=zones, ordered=True)
        add_linear_rows(
            m, "zone_flexible", m.FLEX_ZONES, zones, (flex,),
            np.array([zrow[zone_of[s]] for s in flex_sites], dtype=np.int64), np.arange(len(flex)), np.ones(len(flex)),
            np.array([r.flexible_peak_share * r.zone_peak_mw.get(k, 0.0) for k in zones]),
        )
    else:
        tiers_at = defaultdict(list)
        for k, (s, t) in enumerate(data.sets.SITES_TIERS):
            tiers_at[s].append((k, t))
        build = members(m.build)
        pos = {s: i for i, s in enumerate(data.sets.SITES)}
        rr, cc, vv = [np.arange(len(flex))], [np.arange(len(flex))], [np.ones(len(flex))]
        rr.append(np.array([row_of[s] for s in flex_sites], dtype=np.int64))
        cc.append(len(flex) + np.array([pos[s] for s in flex_sites], dtype=np.int64))
        vv.append(-r.flexible_share * np.array([data.headroom_mw[s] for s in flex_sites]))
        tier = [(row_of[s], k, t) for s in flex_sites for k, t in tiers_at[s]]
        if tier:
            rr.append(np.array([i for i, _, _ in tier], dtype=np.int64))
            cc.append(len(flex) + len(build) + np.array([k for _, k, _ in tier], dtype=np.int64))
            vv.append(-r.flexible_share * np.array([data.tier_mw[t] for _, _, t in tier]))
        add_linear_rows(
            m, "flex_share", m.FLEX_SITES, flex_sites, (flex, build, members(m.upgrade)),
            np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), np.zeros(len(flex)),
        )


def add_route_energy(m: pyo.Block, data: ModelData) -> None:
    """``route_energy_cost_musd_per_year`` and ``route_co2_t_per_year`` (called by the energy block,
    which adds them to the year's totals; the carbon price is its mutable Param)."""
    r = routes_of(data)
    if r is None:
        return
    m.route_energy_cost_musd_per_year = pyo.Expression(expr=_route_cost(m, data, r, m.carbon_price_usd_per_tco2))
    m.route_co2_t_per_year = pyo.Expression(expr=_route_co2(m, data, r))


def _route_cost(m: pyo.Block, data: ModelData, r: RouteData, cp: Term) -> Term:
    """Bridge energy at gas cost instead of the grid's, and flexible energy's curtailment cost (M$/yr)."""
    hours = data.costs.load_factor * HOURS_PER_YEAR
    b = r.bridge
    # Turbine fuel at the site's zone gas price that year (zonal supply), else data/energy_costs.csv's.
    z = data.supply
    fuel = {s: b.usd_per_mwh if z is None or not z.gas_usd_per_mmbtu else b.heat_rate_mmbtu_per_mwh * z.gas_usd_per_mmbtu[z.zone_of[s]] + b.vom_usd_per_mwh
            for s in m.BRIDGE_SITES}
    bridge = sum(
        (fuel[s] + cp * b.co2_t_per_mwh - data.price_usd_per_mwh[s] - cp * data.co2_t_per_mwh[s]) * m.bridge_mw[s]
        for s in m.BRIDGE_SITES
    )
    flex = sum(b.flexible_usd_per_mwh * m.flex_mw[s] for s in m.FLEX_SITES)
    return hours / USD_PER_MUSD * (bridge + flex)


def _route_co2(m: pyo.Block, data: ModelData, r: RouteData) -> Term:
    hours = data.costs.load_factor * HOURS_PER_YEAR
    return hours * sum((r.bridge.co2_t_per_mwh - data.co2_t_per_mwh[s]) * m.bridge_mw[s] for s in m.BRIDGE_SITES)
