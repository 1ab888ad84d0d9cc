r"""Links between model years, and the money over time (multi-year horizons, docs/pathway.md).

Each model year is a block built by the same per-year blocks as a snapshot (siting, routes, power, land,
energy and supply, capex, policies). What ties the years together lives here, on the root model, and
is stated once per row family, with the year in every index:

* ``add_links``: sites stay open (:math:`b_{s,y} \ge b_{s,y-1}`); campus capacity grows in phases and
  holds the facility load (:math:`f_{s,y} \le K_{s,y}`, :math:`K_{s,y} \ge K_{s,y-1}`,
  :math:`K_{s,y} \le \bar K_s b_{s,y}`); GPU blocks online are the vintages alive
  (:math:`n_{s,g,y} = \sum_{v \le y < v + L_g} x_{s,g,v}`), so a retired vintage is replaced only by
  a new purchase; a chosen connection stays chosen; new zonal generation comes online
  :math:`\lambda_t` years after it is built (:math:`G_{z,t,y} = \sum_{v + \lambda_t \le y} g_{z,t,v}`);
  bridge turbines once bought stay.
* ``add_cash``: per model year the capex of what is new that year, the opex and revenue per calendar
  year, and the value of every asset at the horizon end on the scenario's basis (``terminal_value``:
  ``market``, ``book`` or ``none``; docs/pathway.md "Horizon value").
* ``add_finance``: equity and debt drawn at the start of each year (caps per year and in total, debt at
  most the year's capex), level-annuity debt service, cash never negative, an optional debt-service
  coverage covenant, the
  levered equity NPV (with and without the horizon value) and the PV of cost.
* ``add_goal``: discounted PFLOPS-years, equity NPV, or least PV cost for an IT-MW trajectory.

The money coefficients a sensitivity varies (GPU cost per block with its tax, site and building cost with
theirs, revenue per block-year, the horizon values per block and per MW, the gas price) are mutable
Params computed by :func:`money_coefficients`; :func:`update_money` re-points a built model at another
scenario whose changes reach only them (model/workflows/tornado.py re-solves one model so).

Provides (root): ``install``, ``cap_mw``, ``gen_build_mw``, ``capex_musd``, ``opex_musd_per_year``,
``revenue_musd_per_year``, ``residual_musd`` (and its parts ``residual_<part>_musd``), ``equity_musd``,
``debt_musd``, ``debt_service_musd``, ``npv_musd``, ``npv_excl_residual_musd``, ``cost_pv_musd``,
``pflops_years_discounted``, ``it_mw_online``, ``objective``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from model.core.errors import ScenarioError
from model.core.rules import register_rule
from model.core.units import HOURS_PER_YEAR, KW_PER_MW, USD_PER_MUSD, annuity_factor, capital_recovery_factor
from model.milp.components import Term
from model.milp.index_sets import frozen_from
from model.milp.model_data import ModelData, SitingModel, YearModel, data_for_year, model_data
from model.milp.time_data import market_value_per_block_musd
from model.policies import component_name, module_for

if TYPE_CHECKING:
    from model.inputs.load import SitingData

EPS = 1e-9


def add_time(sm: SitingModel) -> None:
    """Every multi-year block on the root, in dependency order."""
    add_links(sm)
    add_rules_over_time(sm)
    add_cash(sm)
    add_finance(sm)
    add_goal(sm)


def _pairs(years: list[int]) -> list[tuple[int, int]]:
    return list(zip(years[1:], years[:-1]))


def add_links(sm: SitingModel) -> None:
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    horizon = sm.horizon
    years = horizon.years
    Y = sm.years
    sites = data.sets.SITES
    pairs = _pairs(years)
    # Sites stay open once opened.
    m.open_stays = pyo.Constraint(
        [(s, y) for s in sites for y, _ in pairs], rule=lambda m, s, y: Y[y].m.build[s] >= Y[horizon.before[y]].m.build[s]
    )
    # Campus capacity (facility MW) in phases: it holds the load, grows, and needs the site open.
    phase = t.cfg.phase_mw
    m.SITE_YEARS = pyo.Set(dimen=2, initialize=[(s, y) for s in sites for y in years], ordered=True)
    if phase > 0:
        n_max = {s: int(math.floor(t.max_mw[s] / phase + EPS)) for s in sites}
        m.phases = pyo.Var(m.SITE_YEARS, within=pyo.NonNegativeIntegers, bounds=lambda m, s, y: (0, n_max[s]))
        m.cap_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: phase * m.phases[s, y])
        grow = m.phases
    else:
        m.cap_var_mw = pyo.Var(m.SITE_YEARS, within=pyo.NonNegativeReals, bounds=lambda m, s, y: (0.0, t.max_mw[s]))
        m.cap_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: m.cap_var_mw[s, y])
        grow = m.cap_var_mw
    m.cap_holds = pyo.Constraint(m.SITE_YEARS, rule=lambda m, s, y: Y[y].m.facility_mw[s] <= m.cap_mw[s, y])
    m.cap_grows = pyo.Constraint([(s, y) for s in sites for y, _ in pairs], rule=lambda m, s, y: grow[s, y] >= grow[s, horizon.previous[y]])
    m.cap_if_open = pyo.Constraint(m.SITE_YEARS, rule=lambda m, s, y: m.cap_mw[s, y] <= t.max_mw[s] * Y[y].m.build[s])

    # GPU vintages: blocks bought at the start of v, online while v <= y < v + life.
    installs = [(s, g, v) for s in sites for g, v in t.vintages]
    m.INSTALLS = pyo.Set(dimen=3, initialize=installs, ordered=True)
    domain = pyo.NonNegativeIntegers if t.cfg.integer_blocks else pyo.NonNegativeReals
    blocks_max = data.blocks_max
    m.install = pyo.Var(m.INSTALLS, within=domain, bounds=lambda m, s, g, v: (0, blocks_max[s, g]))
    m.vintages_online = pyo.Constraint(
        [(s, g, y) for s in sites for g in t.gpus for y in years],
        rule=lambda m, s, g, y: Y[y].m.blocks[s, g] == sum(m.install[s, g, v] for v in t.alive[g, y]),
    )

    # The connection (or legacy upgrade tier) is one choice for the whole horizon (the grid request is
    # filed at the start); it is paid in the year the site can first use the grid (TimeData.connection_year).
    sets = data.sets
    if data.supply is not None:
        m.connect_same = pyo.Constraint(
            [(s, c, y) for s, c in sets.SITES_CONNECTIONS for y, _ in pairs],
            rule=lambda m, s, c, y: Y[y].m.connect[s, c] == Y[horizon.before[y]].m.connect[s, c],
        )
    m.upgrade_same = pyo.Constraint(
        [(s, k, y) for s, k in sets.SITES_TIERS for y, _ in pairs],
        rule=lambda m, s, k, y: Y[y].m.upgrade[s, k] == Y[horizon.before[y]].m.upgrade[s, k],
    )

    # New zonal generation: built in v, online from v + construction years.
    if data.supply is not None:
        builds = [(z, g, v) for z, g in sets.ZONES_GEN for v in years if v + t.gen_lag.get(g, 0) <= years[-1]]
        m.GEN_BUILDS = pyo.Set(dimen=3, initialize=builds, ordered=True)
        m.gen_build_mw = pyo.Var(m.GEN_BUILDS, within=pyo.NonNegativeReals)
        online: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        for z, g, v in builds:
            for y in years:
                if y >= v + t.gen_lag.get(g, 0):
                    online[z, g, y].append(v)
        m.gen_online = pyo.Constraint(
            [(z, g, y) for z, g in sets.ZONES_GEN for y in years],
            rule=lambda m, z, g, y: Y[y].m.new_gen_mw[z, g] == sum(m.gen_build_mw[z, g, v] for v in online.get((z, g, y), [])),
        )
    # Bridge turbines once bought stay (their capacity only grows).
    r = t.routes
    if r is not None and r.bridge_year is not None:
        later = [(s, y) for s in sites for y, p in pairs if r.bridge_ok(p, s)]
        m.bridge_stays = pyo.Constraint(
            later, rule=lambda m, s, y: Y[y].m.bridge_cap_mw[s] >= Y[horizon.before[y]].m.bridge_cap_mw[s]
        )


def add_rules_over_time(sm: SitingModel) -> None:
    """Policies that link years: candidates a masking policy closes from a later year take no new site or
    capacity from then on (``frozen``: :math:`b_{s,y} \\le b_{s,y-1}`, :math:`K_{s,y} \\le K_{s,y-1}`), and each
    type's own ``add_over_time`` rows (e.g. a moratorium from a year on)."""
    m, data = sm.m, sm.data
    horizon = sm.horizon
    prev = horizon.before
    Y = sm.years
    frozen = frozen_from(data.sites, data.inputs)
    keys = [(s, y) for s, start in frozen.items() if s in data.sets.SITES for y in horizon.years if y >= start and y in prev]
    if keys:
        m.FROZEN = pyo.Set(dimen=2, initialize=keys, ordered=True)
        m.frozen_open = pyo.Constraint(m.FROZEN, rule=lambda m, s, y: Y[y].m.build[s] <= Y[prev[y]].m.build[s])
        m.frozen_capacity = pyo.Constraint(m.FROZEN, rule=lambda m, s, y: m.cap_mw[s, y] <= m.cap_mw[s, prev[y]])
    for i, policy in enumerate(data.inputs.scenario.policies):
        over_time = getattr(module_for(policy), "add_over_time", None)
        if over_time is not None:
            over_time(m, sm, policy, component_name(policy, i))


def _increase(var_of: dict[int, Term], y: int, prev: int | None) -> Term:
    return var_of[y] if prev is None else var_of[y] - var_of[prev]


@dataclass(frozen=True)
class MoneyCoefficients:
    """The values of the root's mutable money Params (M$; per block, per MW or per block-year)."""

    gpu_cost: dict[tuple[str, str, int], float]  # (site, gpu, vintage): price x the vintage year's tax factor
    site_cost: dict[tuple[str, int], float]  # (site, year): fixed cost x that year's factor
    build_cost: dict[tuple[str, int], float]  # (site, year): per facility MW added
    revenue: dict[tuple[str, int], float]  # (gpu, year): per block-year online
    gpu_residual: dict[tuple[str, str, int], float]  # (site, gpu, vintage): per block, at the horizon end
    build_residual: dict[tuple[str, int], float]  # (site, year built): per facility MW, at the horizon end
    gas_price_multiplier: float  # on the bridge turbines' and new gas plants' fuel at the data's gas prices


def residual_shares(sm: SitingModel) -> dict[str, dict[Any, float]]:
    """Value shares left at the horizon end of what is bought by year (connections, bridge turbines, new
    plants): straight line over their lives (book), the same as depreciated replacement cost in the model's
    real prices (market); none: 0."""
    t = sm.data.time
    assert t is not None
    if t.cfg.terminal_value == "none":
        return {"connection": dict.fromkeys(t.connection_residual, 0.0), "bridge": dict.fromkeys(t.bridge_residual, 0.0),
                "generation": dict.fromkeys(t.gen_residual, 0.0)}
    return {"connection": t.connection_residual, "bridge": t.bridge_residual, "generation": t.gen_residual}


def money_coefficients(sm: SitingModel) -> MoneyCoefficients:
    """Every mutable money coefficient from the data of ``sm`` (its TimeData and year data)."""
    data = sm.data
    t = data.time
    assert t is not None
    horizon = sm.horizon
    years = horizon.years
    sites = data.sets.SITES
    other = {y: sm.at(y).data.facility_capex_factor for y in years}
    gpu_factor = {y: sm.at(y).data.gpu_price_factor for y in years}
    fixed = data.costs.site_fixed_usd / USD_PER_MUSD
    installs = [(s, g, v) for s in sites for g, v in t.vintages]
    gpu_cost = {(s, g, v): gpu_factor[v][s] * t.price_musd[g, v] for s, g, v in installs}
    build_cost = {(s, y): t.shell_musd_per_mw[s] * other[y][s] + t.build_musd_per_mw[s] - t.shell_musd_per_mw[s] for s in sites for y in years}
    basis = t.cfg.terminal_value
    if basis == "market":
        gpu_residual = dict(zip(installs, market_gpu_values(sm, installs, gpu_cost).tolist()))
        # Buildings at depreciated replacement cost (straight line in real prices), land at cost.
        build_residual = {(s, y): t.shell_residual[y] * (c - t.land_musd_per_mw[s]) + t.land_musd_per_mw[s] for (s, y), c in build_cost.items()}
    elif basis == "book":
        gpu_residual = {(s, g, v): t.gpu_residual[g, v] * c for (s, g, v), c in gpu_cost.items()}
        build_residual = {(s, y): t.shell_residual[y] * c for (s, y), c in build_cost.items()}
    else:
        gpu_residual = dict.fromkeys(installs, 0.0)
        build_residual = dict.fromkeys(build_cost, 0.0)

    return MoneyCoefficients(
        gpu_cost=gpu_cost,
        site_cost={(s, y): other[y][s] * fixed for s in sites for y in years},
        build_cost=build_cost,
        revenue={(g, y): t.revenue_musd_per_year[g, y] for g in t.gpus for y in years},
        gpu_residual=gpu_residual,
        build_residual=build_residual,
        gas_price_multiplier=t.cfg.gas_price_multiplier,
    )


def market_gpu_values(sm: SitingModel, installs: list[tuple[str, str, int]], gpu_cost: dict[tuple[str, str, int], float]) -> np.ndarray:
    """Each block's remaining net earning power at the horizon end (:func:`market_value_per_block_musd`):
    the type's revenue path past the horizon less the block's energy at its site's grid price and carbon
    price (facility MW x load factor x 8,760 h) and its O&M (``om_share_of_capex_per_year`` x its cost)."""
    t = sm.data.time
    assert t is not None
    last = sm.final.data
    costs = last.costs
    hours = costs.load_factor * HOURS_PER_YEAR
    cp = costs.carbon_price_usd_per_tco2
    s_, g_, v_ = (list(x) for x in zip(*installs)) if installs else ([], [], [])
    pue = np.array([last.pue[s] for s in s_])
    rate_mwh = np.array([last.price_usd_per_mwh[s] + cp * last.co2_t_per_mwh[s] for s in s_])
    it_mw = np.array([last.block_it_mw[g] for g in g_])
    energy = it_mw * pue * hours * rate_mwh / USD_PER_MUSD
    om = t.cfg.om_share_of_capex_per_year * np.array([gpu_cost[k] for k in installs])
    return market_value_per_block_musd(
        vintage=np.array(v_, dtype=float), life=np.array([t.life_years[g] for g in g_]),
        revenue_at_end_musd=np.array([t.revenue_at_end_musd_per_year[g] for g in g_]),
        decline=np.array([t.rental_decline[g] for g in g_]), opex_musd_per_year=energy + om,
        horizon_end=float(sm.horizon.horizon_end), rate=sm.horizon.discount_rate,
    )


def add_cash(sm: SitingModel) -> None:
    """Capex of what is new each model year, opex and revenue per calendar year, horizon values."""
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    horizon = sm.horizon
    years, prev = horizon.years, horizon.previous
    Y = sm.years
    sites, sets = data.sets.SITES, data.sets
    kw = KW_PER_MW / USD_PER_MUSD
    r = t.routes
    bridge_sites = {y: ([s for s in sites if r.bridge_ok(y, s)] if r is not None else []) for y in years}
    coef = money_coefficients(sm)
    # Mutable: a sensitivity re-solves this model with other prices, rates and taxes (update_money).
    m.gpu_cost_musd = pyo.Param(m.INSTALLS, initialize=coef.gpu_cost, mutable=True, within=pyo.Reals)
    m.site_cost_musd = pyo.Param(m.SITE_YEARS, initialize=coef.site_cost, mutable=True, within=pyo.Reals)
    m.build_cost_musd_per_mw = pyo.Param(m.SITE_YEARS, initialize=coef.build_cost, mutable=True, within=pyo.Reals)
    m.GPU_YEARS = pyo.Set(dimen=2, initialize=list(coef.revenue), ordered=True)
    m.revenue_musd_per_block_year = pyo.Param(m.GPU_YEARS, initialize=coef.revenue, mutable=True, within=pyo.Reals)
    m.gpu_residual_musd = pyo.Param(m.INSTALLS, initialize=coef.gpu_residual, mutable=True, within=pyo.Reals)
    m.build_residual_musd_per_mw = pyo.Param(m.SITE_YEARS, initialize=coef.build_residual, mutable=True, within=pyo.Reals)

    def opened(s: str, y: int) -> Term:
        return _increase({k: Y[k].m.build[s] for k in (y, prev[y]) if k is not None}, y, prev[y])

    def added_mw(s: str, y: int) -> Term:
        return m.cap_mw[s, y] - (m.cap_mw[s, prev[y]] if prev[y] is not None else 0.0)

    def bridge_added(s: str, y: int) -> Term:
        p = prev[y]
        if p is not None and s in bridge_sites[p]:
            return Y[y].m.bridge_cap_mw[s] - Y[p].m.bridge_cap_mw[s]
        return Y[y].m.bridge_cap_mw[s]

    last = Y[horizon.last].m
    pay_year = connection_years(sm)
    option_paid = option_years(sm)

    def connection_paid(y: int) -> Term:
        """Cost of the connections (legacy: tiers) paid in year y: by routes each option in its first year,
        else every site's in the first year it can draw from the grid."""
        out: object = 0.0
        if data.supply is not None:
            cost = data.supply.connection_cost_musd
            out = sum(cost[s, c] * last.connect[s, c] for s, c in sets.SITES_CONNECTIONS if option_paid.get((s, c), pay_year[s]) == y)
        return out + sum(data.tier_cost_musd[k] * last.upgrade[s, k] for s, k in sets.SITES_TIERS if pay_year[s] == y)

    bought_in: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for k in m.INSTALLS:
        bought_in[k[2]].append(k)
    m.capex_gpu_musd = pyo.Expression(m.YEARS, rule=lambda m, y: sum(m.gpu_cost_musd[k] * m.install[k] for k in bought_in[y]))
    m.capex_site_musd = pyo.Expression(m.YEARS, rule=lambda m, y: sum(m.site_cost_musd[s, y] * opened(s, y) for s in sites))
    m.capex_build_musd = pyo.Expression(m.YEARS, rule=lambda m, y: sum(m.build_cost_musd_per_mw[s, y] * added_mw(s, y) for s in sites))
    m.capex_connection_musd = pyo.Expression(m.YEARS, rule=lambda m, y: connection_paid(y))
    bridge_capex = {s: r.bridge_capex_usd_per_mw(s) / USD_PER_MUSD for s in sites} if r is not None else {}
    m.capex_bridge_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(bridge_capex[s] * bridge_added(s, y) for s in bridge_sites[y])
    )
    z = data.supply
    gen_keys = list(m.GEN_BUILDS) if z is not None else []
    gen_in: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for k in gen_keys:
        gen_in[k[2]].append(k)
    m.capex_generation_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(z.gen_capex_musd_per_mw[zz, g] * m.gen_build_mw[zz, g, v] for zz, g, v in gen_in[y]) if z is not None else 0.0
    )
    m.capex_musd = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: m.capex_gpu_musd[y] + m.capex_site_musd[y] + m.capex_build_musd[y] + m.capex_connection_musd[y]
        + m.capex_bridge_musd[y] + m.capex_generation_musd[y],
    )
    om = t.cfg.om_share_of_capex_per_year
    bridge_fom = kw * r.bridge.fom_usd_per_kw_yr if r is not None else 0.0
    # O&M on the GPUs online (at their purchase price) and the campus buildings, turbine and plant FOM.
    m.om_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: om * sum(
            sum(m.gpu_cost_musd[s, g, v] * m.install[s, g, v] for g in t.gpus for v in t.alive[g, y])
            + t.build_musd_per_mw[s] * m.cap_mw[s, y]
            for s in sites
        )
        + sum(bridge_fom * Y[y].m.bridge_cap_mw[s] for s in bridge_sites[y])
        + (sum(t.gen_fom_musd_per_mw_year[g] * Y[y].m.new_gen_mw[zz, g] for zz, g in sets.ZONES_GEN) if z is not None else 0.0),
    )
    add_gas_price(sm, coef.gas_price_multiplier)
    # Energy: the year block's total (grid energy at each site's price and carbon, new generation's
    # net energy cost, the routes' bridge fuel and flexible curtailment), at the scenario's gas price.
    # Hourly years: on-site assets at their annual cost (capital recovery + FOM) in the years they serve.
    m.opex_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: Y[y].m.energy_cost_musd_per_year_total + m.om_musd_per_year[y]
        + (Y[y].m.onsite_annual_musd if Y[y].data.energy is not None else 0.0)
        + (m.gas_price_change_musd_per_year[y] if m.component("gas_price_change_musd_per_year") is not None else 0.0),
    )
    m.revenue_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: sum(m.revenue_musd_per_block_year[g, y] * Y[y].m.blocks[s, g] for s in sites for g in t.gpus),
    )
    m.co2_t_per_year = pyo.Expression(m.YEARS, rule=lambda m, y: Y[y].m.co2_t_per_year_total)
    # Value of every asset at the horizon end, by part (terminal_value: market, book or none).
    share = residual_shares(sm)
    m.residual_gpu_musd = pyo.Expression(expr=sum(m.gpu_residual_musd[k] * m.install[k] for k in m.INSTALLS))
    m.residual_build_musd = pyo.Expression(expr=sum(m.build_residual_musd_per_mw[s, y] * added_mw(s, y) for s in sites for y in years))
    m.residual_connection_musd = pyo.Expression(expr=sum(share["connection"][y] * m.capex_connection_musd[y] for y in years))
    m.residual_bridge_musd = pyo.Expression(expr=sum(share["bridge"][y] * m.capex_bridge_musd[y] for y in years))
    m.residual_generation_musd = pyo.Expression(
        expr=sum(share["generation"][g, v] * z.gen_capex_musd_per_mw[zz, g] * m.gen_build_mw[zz, g, v] for zz, g, v in gen_keys) if z is not None else 0.0
    )
    m.residual_musd = pyo.Expression(
        expr=m.residual_gpu_musd + m.residual_build_musd + m.residual_connection_musd + m.residual_bridge_musd + m.residual_generation_musd
    )
    m.it_mw_online = pyo.Expression(m.YEARS, rule=lambda m, y: Y[y].m.it_mw_total)
    m.pflops_online = pyo.Expression(m.YEARS, rule=lambda m, y: Y[y].m.compute_pflops)


RESIDUAL_PARTS = ("gpu", "build", "connection", "bridge", "generation")


def gas_in_model(sm: SitingModel) -> bool:
    """Whether the model carries the gas-price term: a scenario gas price multiplier or a sensitivity asked for."""
    t = sm.data.time
    assert t is not None
    return t.cfg.gas_price_multiplier != 1.0 or t.cfg.tornado


def gas_fuel_usd_per_mwh(sm: SitingModel, y: int) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """The fuel part of year ``y``'s cost per MWh at the data's gas prices: bridge turbines per site (at its
    zone's delivered gas price that year, zonal supply; else data/energy_costs.csv's) and new plants per
    (zone, type) (heat rate x the zone's gas price)."""
    data = sm.at(y).data
    t = sm.data.time
    assert t is not None
    r = t.routes
    z = data.supply
    bridge: dict[str, float] = {}
    if r is not None:
        b = r.bridge
        for s in data.sets.SITES:
            if z is not None and bool(z.gas_usd_per_mmbtu) and s in z.zone_of:
                bridge[s] = b.heat_rate_mmbtu_per_mwh * z.gas_usd_per_mmbtu[z.zone_of[s]]
            else:
                bridge[s] = b.usd_per_mwh - b.vom_usd_per_mwh
    gen: dict[tuple[str, str], float] = {}
    supply = data.inputs.supply
    if z is not None and supply is not None:
        heat = supply.generation["heat_rate_mmbtu_per_mwh"].astype(float).to_dict()
        base = float(supply.gas_fuel_usd_per_mmbtu)
        gen = {(k, g): heat.get(g, 0.0) * z.gas_usd_per_mmbtu.get(k, base) for k, g in data.sets.ZONES_GEN_ENERGY}
    return bridge, gen


def add_gas_price(sm: SitingModel, multiplier: float) -> None:
    """The scenario's gas prices x ``gas_price_multiplier``: the year blocks price bridge fuel and new gas
    plants' fuel at the data's gas prices; this adds (multiplier - 1) x that fuel cost per model year, so
    the gas price is a mutable Param of one built model (annual years only; electricity prices, themselves
    partly set by gas, are not changed)."""
    if not gas_in_model(sm):
        return
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    hourly = [y for y, ym in sm.years.items() if ym.data.energy is not None]
    if hourly:
        raise ScenarioError(f"{data.inputs.scenario.origin}: pathway.gas_price_multiplier (and tornado): "
                            f"not with hourly model years ({hourly[0]}); leave [energy] off or the multiplier at 1")
    m.gas_price_multiplier = pyo.Param(initialize=multiplier, mutable=True, within=pyo.NonNegativeReals)
    r = t.routes
    hours = data.costs.load_factor * HOURS_PER_YEAR
    Y = sm.years

    def change(m: Any, y: int) -> Any:
        b = Y[y].m
        bridge, gen = gas_fuel_usd_per_mwh(sm, y)
        fuel: Any = 0.0
        if r is not None and b.component("BRIDGE_SITES") is not None:
            fuel = hours * sum(bridge[s] * b.bridge_mw[s] for s in b.BRIDGE_SITES if bridge.get(s, 0.0) > 0)
        if b.component("new_gen_mwh") is not None:
            fuel = fuel + sum(v * b.new_gen_mwh[k] for k, v in gen.items() if v > 0)
        return (m.gas_price_multiplier - 1.0) * fuel / USD_PER_MUSD

    m.gas_price_change_musd_per_year = pyo.Expression(m.YEARS, rule=change)


def update_money(sm: SitingModel, inputs: SitingData) -> SitingModel:
    """Point a built multi-year model at ``inputs`` (the same candidates, another scenario) by setting its
    mutable money Params; returns the model paired with the new data.

    Raises ValueError when the change reaches more than those Params (another structure: rebuild): the
    sets, vintages, routes, targets and every year block's own coefficients must be unchanged."""
    new = model_data(inputs)
    t_old, t_new = sm.data.time, new.time
    if t_old is None or t_new is None:
        raise ValueError("update_money is for multi-year models")
    if not _same_structure(sm, new):
        raise ValueError("the scenarios differ in more than the money coefficients; build a new model")
    years = {y: YearModel(m=ym.m, data=data_for_year(new, y), year=y) for y, ym in sm.years.items()}
    out = SitingModel(m=sm.m, data=new, years=years)
    coef = money_coefficients(out)
    m = sm.m
    for name, values in (("gpu_cost_musd", coef.gpu_cost), ("site_cost_musd", coef.site_cost),
                         ("build_cost_musd_per_mw", coef.build_cost), ("revenue_musd_per_block_year", coef.revenue),
                         ("gpu_residual_musd", coef.gpu_residual), ("build_residual_musd_per_mw", coef.build_residual)):
        param = m.component(name)
        for k, v in values.items():
            param[k] = v
    if m.component("gas_price_multiplier") is not None:
        m.gas_price_multiplier.set_value(coef.gas_price_multiplier)
    elif coef.gas_price_multiplier != 1.0:
        raise ValueError("the model was built without the gas-price term; build a new model")
    return out


# PathwayConfig fields whose changes reach only the mutable money Params (update_money).
MONEY_FIELDS = ("utilisation", "revenue", "contract_discount", "rental_decline_per_year", "terminal_value",
                "gas_price_multiplier", "tornado")


def _same_structure(sm: SitingModel, new: ModelData) -> bool:
    old = sm.data
    a, b = old.inputs.scenario, new.inputs.scenario
    pa = a.pathway.model_dump(exclude=set(MONEY_FIELDS)) if a.pathway is not None else None
    pb = b.pathway.model_dump(exclude=set(MONEY_FIELDS)) if b.pathway is not None else None
    rest = lambda sc: sc.model_dump(exclude={"pathway", "costs", "tax", "solver", "name", "description"})  # noqa: E731
    costs = lambda c: c.model_dump(exclude={"gpu_price_multiplier"})  # noqa: E731
    if pa != pb or rest(a) != rest(b) or costs(old.costs) != costs(new.costs):
        return False
    if old.sets.SITES != new.sets.SITES or set(old.sets.SITES_GPUS) != set(new.sets.SITES_GPUS):
        return False
    t_old, t_new = old.time, new.time
    assert t_old is not None and t_new is not None
    if t_old.vintages != t_new.vintages or t_old.routes != t_new.routes or t_old.targets_it_mw != t_new.targets_it_mw:
        return False
    # Each year block's constraints must be the same: its bounds on blocks and the sites' energy data.
    for y in sm.years:
        d_old, d_new = sm.at(y).data, data_for_year(new, y)
        if d_old.blocks_max != d_new.blocks_max or d_old.price_usd_per_mwh != d_new.price_usd_per_mwh:
            return False
    return True


def connection_years(sm: SitingModel) -> dict[str, int]:
    """Model year in which each site's connection is paid: the first year it can draw from the grid
    (flexible or firm), within the horizon."""
    t = sm.data.time
    assert t is not None and t.routes is not None
    r = t.routes
    years = sm.horizon.years
    out = {}
    for s in sm.data.sets.SITES:
        first = next((y for y in years if r.flex_ok(s, y) or any(r.option_ok(s, c, y) for c in sm.data.sets.CONNECTIONS_AT.get(s, [])) or (not r.by_routes and r.firm_ok(s, y))), years[-1])
        out[s] = first
    return out


def option_years(sm: SitingModel) -> dict[tuple[str, str], int]:
    """By routes: the model year each connection option is paid in, its first year (the last model year if
    later: an option chosen for after the horizon is paid at its end)."""
    t = sm.data.time
    if t is None or t.routes is None or not t.routes.by_routes:
        return {}
    years = sm.horizon.years
    return {k: next((y for y in years if y >= v), years[-1]) for k, v in t.routes.option_year.items()}


def debt_terms(sm: SitingModel) -> tuple[dict[tuple[int, int], float], dict[int, float]]:
    """Per M$ of debt drawn at the start of model year v: its payment in each calendar year (level
    annuity at the interest rate over the tenor) and the balance left at the horizon end."""
    t = sm.data.time
    assert t is not None
    cfg, horizon = t.cfg, sm.horizon
    crf = capital_recovery_factor(cfg.interest_rate, cfg.debt_tenor_years)
    pay = {(v, c): crf for v in horizon.years for c in horizon.calendar if v <= c < v + cfg.debt_tenor_years}
    left = {
        v: crf * annuity_factor(cfg.interest_rate, max(0.0, cfg.debt_tenor_years - (horizon.horizon_end - v))) for v in horizon.years
    }
    return pay, left


def add_finance(sm: SitingModel) -> None:
    """Equity and debt at the start of each model year, debt service, cash carried and never negative,
    surplus distributed; the levered equity NPV and the PV of cost.

    .. math:: C^{s}_y = C^{e}_{y-1} + E_y + D_y - \\mathrm{capex}_y, \\quad
              C^{e}_y = C^{s}_y + L_y (R_y - O_y) - \\sum_{c \\in y} DS_c - X_y, \\quad C \\ge 0
    """
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    cfg, horizon = t.cfg, sm.horizon
    years, prev = horizon.years, horizon.previous
    budget = data.inputs.scenario.budget
    m.CALENDAR = pyo.Set(initialize=horizon.calendar, ordered=True)
    eq_cap: Sequence[float | None] = cfg.equity_usd_by_year or [None] * len(years)
    debt_cap: Sequence[float | None] = cfg.debt_usd_by_year or [None] * len(years)
    has_debt = budget is not None and budget.debt_usd > 0
    eq_bound = {y: (None if c is None else c / USD_PER_MUSD) for y, c in zip(years, eq_cap)}
    debt_bound = {y: (0.0 if not has_debt else (None if c is None else c / USD_PER_MUSD)) for y, c in zip(years, debt_cap)}
    m.equity_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals, bounds=lambda m, y: (0.0, eq_bound[y]))
    m.debt_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals, bounds=lambda m, y: (0.0, debt_bound[y]))
    m.distributed_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    m.cash_start_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    m.cash_end_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    pay, left = debt_terms(sm)
    pays_in: dict[int, list[int]] = defaultdict(list)
    for v, c in pay:
        pays_in[c].append(v)
    m.debt_service_musd = pyo.Expression(m.CALENDAR, rule=lambda m, c: sum(pay[v, c] * m.debt_musd[v] for v in pays_in[c]))
    m.debt_left_musd = pyo.Expression(expr=sum(left[v] * m.debt_musd[v] for v in years))
    in_period: dict[int, list[int]] = defaultdict(list)
    for c, y in horizon.period_of.items():
        in_period[y].append(c)
    # Debt funds capex: a year draws no more than it invests (borrowing below the equity discount rate only to
    # hand the cash back would be an NPV made of nothing).
    m.debt_funds_capex = pyo.Constraint(m.YEARS, rule=lambda m, y: m.debt_musd[y] <= m.capex_musd[y])
    m.cash_start_row = pyo.Constraint(
        m.YEARS,
        rule=lambda m, y: m.cash_start_musd[y]
        == (m.cash_end_musd[prev[y]] if prev[y] is not None else 0.0) + m.equity_musd[y] + m.debt_musd[y] - m.capex_musd[y],
    )
    length = horizon.length_years
    m.cash_end_row = pyo.Constraint(
        m.YEARS,
        rule=lambda m, y: m.cash_end_musd[y]
        == m.cash_start_musd[y] + length[y] * (m.revenue_musd_per_year[y] - m.opex_musd_per_year[y])
        - sum(m.debt_service_musd[c] for c in in_period[y]) - m.distributed_musd[y],
    )
    if budget is not None:
        m.equity_total = pyo.Constraint(expr=sum(m.equity_musd[y] for y in years) <= budget.equity_usd / USD_PER_MUSD)
        register_rule(m, "equity_total", "equity", "USD", USD_PER_MUSD)
        if has_debt:
            m.debt_total = pyo.Constraint(expr=sum(m.debt_musd[y] for y in years) <= budget.debt_usd / USD_PER_MUSD)
            register_rule(m, "debt_total", "debt", "USD", USD_PER_MUSD)
    period_of = horizon.period_of
    if cfg.min_dscr is not None and has_debt:
        # Debt-service coverage covenant, one linear row per calendar year that services debt:
        # revenue - opex >= min_dscr x debt service (the balance repaid at the horizon end is not service).
        m.DSCR_YEARS = pyo.Set(initialize=[c for c in horizon.calendar if pays_in[c]], ordered=True)
        m.min_dscr = pyo.Constraint(
            m.DSCR_YEARS,
            rule=lambda m, c: m.revenue_musd_per_year[period_of[c]] - m.opex_musd_per_year[period_of[c]]
            >= cfg.min_dscr * m.debt_service_musd[c],
        )
        register_rule(m, "min_dscr", "min_dscr", "USD", USD_PER_MUSD)
    first = {c: c == y for c, y in period_of.items()}
    # Levered cash flow to equity per calendar year: at its start debt in less capex (first calendar year
    # of a model year), at its end revenue less opex less debt service.
    m.cash_flow_start_musd = pyo.Expression(m.CALENDAR, rule=lambda m, c: (m.debt_musd[c] - m.capex_musd[c]) if first[c] else 0.0)
    m.cash_flow_end_musd = pyo.Expression(
        m.CALENDAR,
        rule=lambda m, c: m.revenue_musd_per_year[period_of[c]] - m.opex_musd_per_year[period_of[c]] - m.debt_service_musd[c],
    )
    df_end_horizon = horizon.df_start(horizon.horizon_end)
    m.npv_excl_residual_musd = pyo.Expression(
        expr=sum(horizon.df_start(c) * m.cash_flow_start_musd[c] + horizon.df_end(c) * m.cash_flow_end_musd[c] for c in horizon.calendar)
        - df_end_horizon * m.debt_left_musd
    )
    m.npv_musd = pyo.Expression(expr=m.npv_excl_residual_musd + df_end_horizon * m.residual_musd)
    # PV of what the programme costs (least cost): capex at the start, opex at the end of each year,
    # less the value of the assets left at the horizon end.
    m.cost_pv_musd = pyo.Expression(
        expr=sum(horizon.df_start(y) * m.capex_musd[y] for y in years)
        + sum(horizon.df_end(c) * m.opex_musd_per_year[period_of[c]] for c in horizon.calendar)
        - df_end_horizon * m.residual_musd
    )


def add_goal(sm: SitingModel) -> None:
    """Objective: discounted PFLOPS-years, the equity NPV, or the least PV cost for an IT-MW trajectory."""
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    horizon = sm.horizon
    in_period: dict[int, list[int]] = defaultdict(list)
    for c, y in horizon.period_of.items():
        in_period[y].append(c)
    weight = {y: sum(horizon.df_end(c) for c in in_period[y]) for y in horizon.years}
    m.pflops_years_discounted = pyo.Expression(expr=sum(weight[y] * m.pflops_online[y] for y in horizon.years))
    targets = t.targets_it_mw
    if targets:
        m.TARGET_YEARS = pyo.Set(initialize=sorted(targets), ordered=True)
        m.target = pyo.Constraint(m.TARGET_YEARS, rule=lambda m, y: m.it_mw_online[y] >= targets[y])
        register_rule(m, "target", "target", "MW of IT")
    goal = t.cfg.objective
    if goal == "max_compute_years":
        m.objective = pyo.Objective(expr=m.pflops_years_discounted, sense=pyo.maximize)
    elif goal == "max_npv":
        m.objective = pyo.Objective(expr=m.npv_musd, sense=pyo.maximize)
    else:
        m.objective = pyo.Objective(expr=m.cost_pv_musd, sense=pyo.minimize)


def year_models(sm: SitingModel) -> list[YearModel]:
    return [sm.years[y] for y in sm.horizon.years]
