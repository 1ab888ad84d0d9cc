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
capacity lower it).

Provides: ``ZONES``, ``INTERFACES``, ``ZONES_GEN``, ``new_gen_mw``, ``import_mw``,
``new_gen_capex_musd``, ``new_gen_cost_pv_musd`` (in the budget's capex), ``zone_firm``; annual mode
also ``new_gen_mwh``, ``new_gen_co2_t_per_year`` and ``new_gen_energy_cost_musd_per_year`` (in the
energy totals).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable

import pyomo.environ as pyo

from model.core.units import USD_PER_MUSD

if TYPE_CHECKING:
    from model.milp.model_data import ModelData

SiteTerm = Callable[[str], object]


def add_supply(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Annual mode: capacity, the firm balance on facility MW, and new generation's annual energy."""
    add_supply_capacity(m, data)
    add_zone_firm(m, data, lambda s: m.facility_mw[s])
    add_new_energy_annual(m, data)


def add_supply_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Zones, interfaces, new MW per zone and type, firm imports, and the new plants' costs."""
    z = data.supply
    assert z is not None
    sets = data.sets
    m.ZONES = pyo.Set(initialize=sets.ZONES, ordered=True)
    m.INTERFACES = pyo.Set(within=m.ZONES * m.ZONES, initialize=sets.INTERFACES, ordered=True)
    m.ZONES_GEN = pyo.Set(within=m.ZONES * pyo.Any, initialize=sets.ZONES_GEN, ordered=True)
    m.new_gen_mw = pyo.Var(m.ZONES_GEN, within=pyo.NonNegativeReals)
    m.import_mw = pyo.Var(m.INTERFACES, within=pyo.NonNegativeReals, bounds=lambda m, a, b: (0.0, z.interface_max_mw[a, b]))
    m.new_gen_capex_musd = pyo.Expression(expr=sum(z.gen_capex_musd_per_mw[t] * m.new_gen_mw[k, t] for k, t in sets.ZONES_GEN))
    m.new_gen_cost_pv_musd = pyo.Expression(
        expr=sum(z.gen_cost_pv_musd_per_mw[t] * m.new_gen_mw[k, t] for k, t in sets.ZONES_GEN)
    )


def add_zone_firm(m: pyo.ConcreteModel, data: ModelData, campus_firm_mw: SiteTerm) -> None:
    """Firm balance: campus firm MW + exports - imports - accredited new MW <= spare for new load."""
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
    energy_in: dict[str, list[str]] = defaultdict(list)
    for zone, t in sets.ZONES_GEN_ENERGY:
        energy_in[zone].append(t)
    # Energy a new plant can make in a year, and no more than the zone's campuses use (no sales).
    m.new_gen_energy_max = pyo.Constraint(
        m.ZONES_GEN_ENERGY,
        rule=lambda m, zone, t: m.new_gen_mwh[zone, t] <= z.gen_energy_max_mwh_per_mw[zone, t] * m.new_gen_mw[zone, t],
    )
    energy_zones = sorted(energy_in, key=sets.ZONES.index)
    m.ZONES_ENERGY = pyo.Set(within=m.ZONES, initialize=energy_zones, ordered=True)
    m.new_gen_energy_use = pyo.Constraint(
        m.ZONES_ENERGY,
        rule=lambda m, zone: sum(m.new_gen_mwh[zone, t] for t in energy_in[zone])
        <= sum(m.energy_mwh_per_year[s] for s in z.sites_in.get(zone, [])),
    )
    cp = m.carbon_price_usd_per_tco2
    m.new_gen_co2_t_per_year = pyo.Expression(
        expr=sum((z.gen_co2_t_per_mwh[t] - z.ref_co2_t_per_mwh[k]) * m.new_gen_mwh[k, t] for k, t in sets.ZONES_GEN_ENERGY)
    )
    # Fuel + VOM (+ carbon) of new energy, less the grid energy (and carbon) it displaces.
    m.new_gen_energy_cost_musd_per_year = pyo.Expression(
        expr=sum(
            (z.gen_usd_per_mwh[t] - z.ref_price_usd_per_mwh[k]) * m.new_gen_mwh[k, t] for k, t in sets.ZONES_GEN_ENERGY
        ) / USD_PER_MUSD
        + cp * m.new_gen_co2_t_per_year / USD_PER_MUSD
    )
