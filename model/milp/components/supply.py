"""Zonal supply (``[supply] model = "zonal"``, docs/supply_model.md): per ReEDS zone, the firm MW campuses
need must be covered by the zone's spare firm MW (a share of it), net firm imports over NARIS interfaces
(a share of each limit) and the accredited MW of new generation the investor builds in the zone.

New generation costs its annualised capex plus FOM over the horizon (in the budget, like on-site
assets in hourly mode). Its energy: in annual mode (``add_new_energy_annual``) gas, solar and wind
displace grid energy of the zone's campuses at the zone's reference price and CO2 and pay fuel + VOM
instead; in hourly mode the dispatch block dispatches it in the zone's hourly balance.

Called by the energy block: annual mode ``add_supply`` (after the per-site energy and before its
totals, which gain the two yearly terms below); hourly mode ``add_supply_capacity`` before the dispatch
and ``add_zone_firm`` after it, with the dispatch's firm need per site (flexible load and on-site firm
capacity lower it). Annual mode states its rows as coefficient arrays (``add_linear_rows``).

Provides: ``ZONES``, ``INTERFACES``, ``ZONES_GEN``, ``new_gen_mw``, ``import_mw``,
``new_gen_capex_musd``, ``new_gen_cost_pv_musd`` (in the budget's capex), ``zone_firm``; annual mode
also ``new_gen_mwh``, ``new_gen_co2_t_per_year`` and ``new_gen_energy_cost_musd_per_year`` (in the
energy totals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD
from model.milp.components import Term
from model.milp.components.siting import facility_terms
from model.milp.components.routes import route_terms
from model.milp.model_data import add_linear_rows, linear_sum, members

if TYPE_CHECKING:
    from model.milp.model_data import ModelData

SiteTerm = Callable[[str], Term]


def add_supply(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Annual mode: capacity, the firm balance on facility MW, and new generation's annual energy."""
    add_supply_capacity(m, data)
    add_zone_firm(m, data)
    add_new_energy_annual(m, data)


def add_supply_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Zones, interfaces, new MW per zone and type, firm imports, and the new plants' costs."""
    z = data.supply
    assert z is not None
    sets = data.sets
    m.ZONES = pyo.Set(initialize=sets.ZONES, ordered=True)
    m.INTERFACES = pyo.Set(dimen=2, initialize=sets.INTERFACES, ordered=True)
    m.ZONES_GEN = pyo.Set(dimen=2, initialize=sets.ZONES_GEN, ordered=True)
    m.new_gen_mw = pyo.Var(m.ZONES_GEN, within=pyo.NonNegativeReals)
    m.import_mw = pyo.Var(m.INTERFACES, within=pyo.NonNegativeReals, bounds=(0.0, None))
    for v, k in zip(members(m.import_mw), sets.INTERFACES):
        v.setub(z.interface_max_mw[k])
    gen = members(m.new_gen_mw)
    # Wheeling on firm imports (energy at scale): the MWh a firm MW carries at the campuses' load factor.
    hours = data.costs.load_factor * HOURS_PER_YEAR
    wheel = z.wheeling_usd_per_mwh
    m.import_cost_musd_per_year = pyo.Expression(
        expr=linear_sum([hours * wheel.get(k, 0.0) / USD_PER_MUSD for k in sets.INTERFACES], members(m.import_mw))
    )
    m.new_gen_capex_musd = pyo.Expression(expr=linear_sum([z.gen_capex_musd_per_mw[k] for k in sets.ZONES_GEN], gen))
    m.new_gen_cost_pv_musd = pyo.Expression(expr=linear_sum([z.gen_cost_pv_musd_per_mw[k] for k in sets.ZONES_GEN], gen))


def add_zone_firm(m: pyo.ConcreteModel, data: ModelData, campus_firm_mw: SiteTerm | None = None) -> None:
    """Firm balance: campus firm MW + exports - imports - accredited new MW <= spare for new load.

    ``campus_firm_mw`` (hourly mode: the dispatch's firm need per site) defaults to facility MW."""
    z = data.supply
    assert z is not None
    if campus_firm_mw is not None:
        _add_zone_firm_rule(m, data, campus_firm_mw)
        return
    sets = data.sets
    zones = sets.ZONES
    zpos = {k: i for i, k in enumerate(zones)}
    # firm MW of each site (facility less its bridge and flexible MW) in its zone's row, +1 per export,
    # -1 per import, -credit per new MW
    site_row = np.fromiter((zpos[z.zone_of[s]] for s in sets.SITES), dtype=np.int64, count=len(sets.SITES))
    fac = facility_terms(m, data).plus(*route_terms(m, data, flex=True))
    r, c, v = fac.rows(site_row)
    imports, gen = members(m.import_mw), members(m.new_gen_mw)
    n_fac, n_imp = sum(map(len, fac.variables)), len(imports)
    n_int = len(sets.INTERFACES)
    credit = np.fromiter((z.gen_credit[t] for _, t in sets.ZONES_GEN), dtype=float, count=len(gen))
    add_linear_rows(
        m, "zone_firm", m.ZONES, zones, fac.variables + (imports, gen),
        np.concatenate([
            r,
            np.fromiter((zpos[a] for a, _ in sets.INTERFACES), dtype=np.int64, count=n_int),
            np.fromiter((zpos[b] for _, b in sets.INTERFACES), dtype=np.int64, count=n_int),
            np.fromiter((zpos[k] for k, _ in sets.ZONES_GEN), dtype=np.int64, count=len(gen)),
        ]),
        np.concatenate([c, n_fac + np.arange(n_int), n_fac + np.arange(n_int), n_fac + n_imp + np.arange(len(gen))]),
        np.concatenate([v, np.ones(n_int), -np.ones(n_int), -credit]),
        np.fromiter((z.spare_mw[k] for k in zones), dtype=float, count=len(zones)),
    )


def _add_zone_firm_rule(m: pyo.ConcreteModel, data: ModelData, campus_firm_mw: SiteTerm) -> None:
    """The zone firm balance on a per-site expression (hourly mode's firm need)."""
    z = data.supply
    assert z is not None
    sets = data.sets
    out_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    into: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b in sets.INTERFACES:
        out_of[a].append((a, b))
        into[b].append((a, b))
    types_in: dict[str, list[str]] = defaultdict(list)
    for zone, t in sets.ZONES_GEN:
        types_in[zone].append(t)
    m.zone_firm = pyo.Constraint(
        m.ZONES,
        rule=lambda m, zone: sum(campus_firm_mw(s) for s in z.sites_in.get(zone, []))
        + sum(m.import_mw[k] for k in out_of[zone])
        - sum(m.import_mw[k] for k in into[zone])
        - sum(z.gen_credit[t] * m.new_gen_mw[zone, t] for t in types_in[zone])
        <= z.spare_mw[zone],
    )


def add_new_energy_annual(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Annual mode: the energy new plants make, within their availability and the zone's campus energy."""
    z = data.supply
    assert z is not None
    sets = data.sets
    m.ZONES_GEN_ENERGY = pyo.Set(within=m.ZONES_GEN, initialize=sets.ZONES_GEN_ENERGY, ordered=True)
    m.new_gen_mwh = pyo.Var(m.ZONES_GEN_ENERGY, within=pyo.NonNegativeReals)
    mwh = members(m.new_gen_mwh)
    n_e = len(mwh)
    gen_pos = {k: i for i, k in enumerate(sets.ZONES_GEN)}
    # Energy a new plant can make in a year (mwh - share x 8760 x MW <= 0), and no more than the zone's
    # campuses use (sum of mwh - sum of campus MWh <= 0: no sales).
    emax = np.fromiter((z.gen_energy_max_mwh_per_mw[k] for k in sets.ZONES_GEN_ENERGY), dtype=float, count=n_e)
    rows = np.arange(n_e)
    gen = members(m.new_gen_mw)
    gen_cols = np.fromiter((gen_pos[k] for k in sets.ZONES_GEN_ENERGY), dtype=np.int64, count=n_e)
    add_linear_rows(
        m, "new_gen_energy_max", m.ZONES_GEN_ENERGY, sets.ZONES_GEN_ENERGY, (mwh, gen),
        np.concatenate([rows, rows]), np.concatenate([rows, n_e + gen_cols]),
        np.concatenate([np.ones(n_e), -emax]), np.zeros(n_e),
    )
    energy_zones = sorted({zone for zone, _ in sets.ZONES_GEN_ENERGY}, key=sets.ZONES.index)
    m.ZONES_ENERGY = pyo.Set(within=m.ZONES, initialize=energy_zones, ordered=True)
    row_of_zone = {k: i for i, k in enumerate(energy_zones)}
    site_row = np.fromiter((row_of_zone.get(z.zone_of[s], -1) for s in sets.SITES), dtype=np.int64, count=len(sets.SITES))
    # The campuses' grid energy (multi-year: less what on-site bridge turbines serve): new energy displaces
    # only energy bought from the grid.
    fac = facility_terms(m, data).plus(*route_terms(m, data, flex=False))
    # A campus' MWh is hours x facility: Pyomo's compiler writes -(hours x coefficient) for it on the right.
    hours = data.costs.load_factor * HOURS_PER_YEAR
    r, c, v = fac.rows(site_row, scale=hours)
    add_linear_rows(
        m, "new_gen_energy_use", m.ZONES_ENERGY, energy_zones, (mwh,) + fac.variables,
        np.concatenate([np.fromiter((row_of_zone[k] for k, _ in sets.ZONES_GEN_ENERGY), dtype=np.int64, count=n_e), r]),
        np.concatenate([np.arange(n_e), n_e + c]),
        np.concatenate([np.ones(n_e), -v]), np.zeros(len(energy_zones)),
    )
    cp = m.carbon_price_usd_per_tco2
    m.new_gen_co2_t_per_year = pyo.Expression(
        expr=sum((z.gen_co2_t_per_mwh[t] - z.ref_co2_t_per_mwh[k]) * m.new_gen_mwh[k, t] for k, t in sets.ZONES_GEN_ENERGY)
    )
    # Fuel + VOM (+ carbon) of new energy, less the grid energy (and carbon) it displaces.
    m.new_gen_energy_cost_musd_per_year = pyo.Expression(
        expr=sum(
            (z.gen_usd_per_mwh[k, t] - z.ref_price_usd_per_mwh[k]) * m.new_gen_mwh[k, t] for k, t in sets.ZONES_GEN_ENERGY
        ) / USD_PER_MUSD
        + cp * m.new_gen_co2_t_per_year / USD_PER_MUSD
    )
