"""Energy: what the campuses' power costs and emits, and the cooling water they use.

Annual mode (default): facility MW x load factor x 8,760 h at the state's price plus a carbon
price, discounted over the horizon; with zonal supply (``data.supply``) the supply block's new
generation displaces part of that grid energy (model/milp/components/supply.py, called from here so
the totals below are defined once, complete). Hourly mode (``[energy] enabled``): representative
hours, grid import, on-site assets, new zone generation and flexible load, in
model/milp/components/dispatch.py, with the zonal firm-capacity row on each campus' firm need; energy at
scale prices both modes alike (the price beyond the tariff, the tariff tranche, wheeling on firm imports).

Provides: ``carbon_price_usd_per_tco2`` (mutable), ``annuity_years``, ``energy_mwh_per_year`` and
``water_m3_per_year`` per site (less what dry cooling saves), and the totals the rest of the model
uses: ``energy_cost_musd_per_year_total``, ``co2_t_per_year_total`` and ``energy_opex_pv_musd_total``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import DivisionExpression, NPV_ProductExpression, NPV_SumExpression, ProductExpression

from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD, annuity_factor
from model.milp.components import Term
from model.milp.components.dispatch import add_dispatch
from model.milp.components.routes import add_route_energy, route_terms, routes_of
from model.milp.components.supply import add_supply, add_supply_capacity, add_zone_firm
from model.milp.components.siting import facility_terms
from model.milp.model_data import add_linear_rows, by_index, members, named_sum, rule_from, scaled

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    hours = costs.load_factor * HOURS_PER_YEAR
    # Mutable so that sweeps over the carbon price re-solve without rebuilding.
    m.carbon_price_usd_per_tco2 = pyo.Param(initialize=costs.carbon_price_usd_per_tco2, mutable=True)
    m.annuity_years = pyo.Param(initialize=annuity_factor(costs.discount_rate, costs.horizon_years))
    sites = data.sets.SITES
    m.energy_mwh_per_year = pyo.Expression(
        m.SITES, rule=rule_from({s: scaled(hours, f) for s, f in zip(sites, m.facility_mw.values())})
    )
    add_water(m, data)
    if data.energy is not None:
        # Zonal: new zone capacity first (the dispatch runs it), the firm row on the campuses' firm need after.
        if data.supply is not None:
            add_supply_capacity(m, data)
        firm_need = add_dispatch(m, data)
        if data.supply is not None:
            add_zone_firm(m, data, firm_need)
        add_hourly_totals(m, data)
    else:
        add_annual_energy(m, data)
    m.energy_opex_pv_musd_total = pyo.Expression(expr=scaled(pyo.value(m.annuity_years), m.energy_cost_musd_per_year_total))


def add_water(m: pyo.ConcreteModel, data: ModelData) -> None:
    """On-site cooling water at the evaporative WUE (L/kWh of IT = m3/MWh), less what dry-cooled IT saves."""
    hours = data.costs.load_factor * HOURS_PER_YEAR
    wue = float(data.cooling.loc["evaporative", "wue_l_per_kwh_it"])
    dry_sites = set(data.sets.SITES_DRY_OPTION)
    saved = data.dry_water_saved_m3_per_mw_year

    def water(s: str, it_mw: Term) -> Term:
        evaporative = scaled(wue * hours, it_mw)
        return evaporative - saved * m.dry_it_mw[s] if s in dry_sites else evaporative

    sites = data.sets.SITES
    m.water_m3_per_year = pyo.Expression(m.SITES, rule=rule_from({s: water(s, e) for s, e in zip(sites, m.it_mw.values())}))


def _grid_rate(price: float, cp: Term, co2: float) -> Term:
    """``price + cp * co2`` as Pyomo's operators give it (an NPV sum over the mutable carbon price)."""
    if co2 == 1 or not price:
        return price + cp * co2
    return NPV_SumExpression([price, NPV_ProductExpression((cp, co2))])


def add_tariff(m: pyo.Block, data: ModelData) -> None:
    r"""Energy at scale: every grid MWh of a campus costs the price beyond its utility's tariff (zone marginal
    energy + delivery, ``data.price_usd_per_mwh``); where the county (tariff) price is below it, up to the
    utility's tariff MW (shared by its campuses) may be bought at the tariff instead.

    .. math:: t_s \le f_s - b_s, \quad \sum_{s \in u} t_s \le T_u, \quad
              \text{discount} = h \sum_s (p^{tariff}_s - p^{beyond}_s) t_s \le 0

    Provides: ``TARIFF_SITES``, ``tariff_mw``, ``tariff_discount_musd_per_year`` (M$/yr, <= 0), per site
    ``tariff_discount_musd`` (for the results)."""
    sites = [s for s in data.sets.SITES if s in data.tariff_usd_per_mwh]
    m.TARIFF_SITES = pyo.Set(initialize=sites, ordered=True)
    m.tariff_mw = pyo.Var(m.TARIFF_SITES, within=pyo.NonNegativeReals)
    t = members(m.tariff_mw)
    n = len(sites)
    if n:
        pos = {s: i for i, s in enumerate(data.sets.SITES)}
        row_of_site = np.full(len(data.sets.SITES), -1)
        row_of_site[[pos[s] for s in sites]] = np.arange(n)
        fac = facility_terms(m, data).plus(*route_terms(m, data, flex=False))  # the campus' grid MW
        r, c, v = fac.rows(row_of_site)
        n_fac = sum(map(len, fac.variables))
        add_linear_rows(  # tariff_within: t - (facility - bridge) <= 0
            m, "tariff_within", m.TARIFF_SITES, sites, fac.variables + (t,),
            np.concatenate([np.arange(n), r]), np.concatenate([n_fac + np.arange(n), c]),
            np.concatenate([np.ones(n), -v]), np.zeros(n),
        )
        groups = sorted({data.tariff_group_of[s] for s in sites})
        g_row = {g: i for i, g in enumerate(groups)}
        m.TARIFF_GROUPS = pyo.Set(initialize=groups, ordered=True)
        add_linear_rows(  # utility_tariff: sum of its campuses' t <= the utility's tariff MW
            m, "utility_tariff", m.TARIFF_GROUPS, groups, (t,),
            np.array([g_row[data.tariff_group_of[s]] for s in sites], dtype=np.int64), np.arange(n), np.ones(n),
            np.array([data.tariff_cap_mw[g] for g in groups]),
        )
    hours = data.costs.load_factor * HOURS_PER_YEAR
    gap = {s: hours * (data.tariff_usd_per_mwh[s] - data.price_usd_per_mwh[s]) / USD_PER_MUSD for s in sites}
    m.tariff_discount_musd = pyo.Expression(m.TARIFF_SITES, rule=lambda m, s: gap[s] * m.tariff_mw[s])
    m.tariff_discount_musd_per_year = pyo.Expression(expr=sum(gap[s] * m.tariff_mw[s] for s in sites))


def add_hourly_totals(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Hourly mode's totals: the zones' dispatch cost and CO2, and, with energy at scale, the same two terms
    annual mode adds: the tariff tranche's discount and wheeling on firm imports.

    .. math:: C = \sum_z C_z + \text{discount} + h \sum_{(a,b)} w_{ab}\, i_{ab}, \qquad E = \sum_z E_z

    The tranche's MW earn the discount at the flat load (``h`` = load factor x 8,760 h), and their MWh must be
    MWh the zone's campuses buy from the grid (``add_tariff_within_grid``): on-site supply or curtailment
    that displaces grid energy shrinks the tranche instead of earning a discount on energy never bought."""
    zones = list(m.DISPATCH_ZONES)
    grid_cost: list[Term] = [m.energy_cost_musd_per_year_zone[z] for z in zones]
    if data.tariff_usd_per_mwh:
        add_tariff(m, data)
        add_tariff_within_grid(m, data)
        grid_cost.append(m.tariff_discount_musd_per_year)
    if data.supply is not None and data.supply.wheeling_usd_per_mwh:
        grid_cost.append(m.import_cost_musd_per_year)
    m.energy_cost_musd_per_year_total = pyo.Expression(expr=sum(grid_cost))
    m.co2_t_per_year_total = pyo.Expression(expr=sum(m.co2_t_per_year_zone[z] for z in zones))


def add_tariff_within_grid(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Hourly mode: a zone's tariff-tranche MWh within the grid MWh its dispatch buys.

    .. math:: h \sum_{s \in z} t_s \le \sum_{(d,k)} w_{dk}\, g_{z,d,k} \quad \forall z

    Provides ``TARIFF_ZONES`` and ``tariff_within_grid``."""
    energy = data.energy
    assert energy is not None
    hours = data.costs.load_factor * HOURS_PER_YEAR
    zone_of = data.sets.DISPATCH_ZONE_OF
    sites_in: dict[str, list[str]] = {}
    for s in m.TARIFF_SITES:
        sites_in.setdefault(zone_of[s], []).append(s)
    weight = [(h, float(w)) for h, w in energy.weights.items()]
    m.TARIFF_ZONES = pyo.Set(initialize=sorted(sites_in), ordered=True)
    m.tariff_within_grid = pyo.Constraint(
        m.TARIFF_ZONES,
        rule=lambda m, z: hours * sum(m.tariff_mw[s] for s in sites_in[z])
        <= sum(w * m.grid_import_mw[z, d, k] for (d, k), w in weight),
    )


def add_annual_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Each site's grid energy at its own price and CO2 rate, and the totals (with new generation's)."""
    sites = data.sets.SITES
    cp = m.carbon_price_usd_per_tco2
    mwh = by_index(m.energy_mwh_per_year, sites)
    # energy_mwh x (price + carbon price x CO2) / 1e6, built as the operators would build it
    m.energy_cost_musd_per_year = pyo.Expression(
        m.SITES,
        rule=rule_from({
            s: DivisionExpression((ProductExpression((mwh[s], _grid_rate(data.price_usd_per_mwh[s], cp, data.co2_t_per_mwh[s]))), USD_PER_MUSD))
            for s in sites
        }),
    )
    m.co2_t_per_year = pyo.Expression(m.SITES, rule=rule_from({s: scaled(data.co2_t_per_mwh[s], mwh[s]) for s in sites}))
    annuity = pyo.value(m.annuity_years)
    cost = by_index(m.energy_cost_musd_per_year, sites)
    m.energy_opex_pv_musd = pyo.Expression(m.SITES, rule=rule_from({s: scaled(annuity, cost[s]) for s in sites}))
    grid_cost = list(cost.values())
    grid_co2 = list(m.co2_t_per_year.values())
    if data.tariff_usd_per_mwh:  # energy at scale: the cheaper county tariff on up to the utility's tariff MW
        add_tariff(m, data)
        grid_cost.append(m.tariff_discount_musd_per_year)
    if data.supply is not None:
        add_supply(m, data)
        grid_cost.append(m.new_gen_energy_cost_musd_per_year)
        grid_co2.append(m.new_gen_co2_t_per_year)
        if data.supply.wheeling_usd_per_mwh:  # firm imports pay wheeling between transmission providers
            grid_cost.append(m.import_cost_musd_per_year)
    if routes_of(data) is not None:  # multi-year: bridge fuel instead of grid energy, flexible curtailment
        add_route_energy(m, data)
        grid_cost.append(m.route_energy_cost_musd_per_year)
        grid_co2.append(m.route_co2_t_per_year)
    m.energy_cost_musd_per_year_total = pyo.Expression(expr=named_sum(grid_cost))
    m.co2_t_per_year_total = pyo.Expression(expr=named_sum(grid_co2))
