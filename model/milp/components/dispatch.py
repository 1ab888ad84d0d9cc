"""Hourly energy co-optimisation: grid import, on-site solar/wind/battery/gas, flexible load.

Capacities are decided per site; dispatch is per zone and representative hour: ReEDS zones with
zonal supply (the default), states in legacy mode. A zone's campuses share one price shape, carbon
and weather series, so per-site hourly dispatch would multiply the hourly rows by ~20 (3,108 sites vs
134 zones) for no new information. Each site's grid connection is still its own: a site-level
firm-capacity row, and the zone's hourly import is bounded by the sum of its sites' connections
(legacy: headroom plus upgrade tier; zonal: the chosen substation connection).

With zonal supply the new generation the investor builds in a load zone (model/milp/components/supply.py)
is dispatched here: new solar and wind add to the zone's renewable capacity, new 4-h batteries to its
storage, new gas CC / CT get their own hourly output at their heat rates. The zone firm-capacity row
(``add_zone_firm``) then counts each campus' firm need: its load less the flexible share, less its
on-site gas and battery MW.

Flexible load (after the 2025 Duke study of curtailable large loads): a campus may curtail up to
``flexible_share`` of its load in any hour (at a cost, and at most a set share of annual energy);
in return it may connect ``nonfirm_uplift`` more MW than its firm headroom, usable in every hour
that is not a grid peak, while at peak it must fit its firm supply.

Called by the energy block in hourly mode (``data.energy`` set); the power block then adds no headroom
row, since the firm / non-firm pair here states the grid limit. Zones are ``sets.DISPATCH_ZONES``
(members ``sets.SITES_IN_DISPATCH_ZONE``); ``add_dispatch`` returns each site's firm need.

Provides: ``DISPATCH_ZONES``, ``HOURS``, the on-site capacities ``<asset>_mw`` (and ``battery_mwh``) per site for
the configured assets, ``capex_energy_musd`` per site (in the budget), ``grid_mw`` per site, the
zone-hour flows (``grid_import_mw``, ``curtail_mw``, ``spill_mw``, ``solar_gen_mw``, ``wind_gen_mw``,
``gas_gen_mw``, ``charge_mw``, ``discharge_mw``, ``soc_mwh``; zonal: ``new_gas_gen_mw``), ``zone_load_mw``, ``clean_mw``,
``served_mw``, ``co2_t_per_year_zone`` and ``energy_cost_musd_per_year_zone``. The energy block sums these
into its totals, with the tariff tranche and wheeling of energy at scale (model/milp/components/energy.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW, USD_PER_MUSD, capital_recovery_factor
from model.milp.components import Term

if TYPE_CHECKING:
    from model.config import EnergyConfig
    from model.milp.model_data import ModelData

ASSETS = ("solar", "wind", "battery", "gas")
# New zone generation that joins the hourly balance (data/new_generation_costs.csv types).
NEW_GAS = ("gas_cc", "gas_ct")
NEW_BATTERY_HOURS = 4.0  # ATB 2025 utility-scale battery, 4-hour duration (the type's name says so)

Hour = tuple[int, int]  # (representative day, hour of day)
SiteTerm = Callable[[str], Term]  # site -> a Pyomo term (or 0.0 when the asset is not offered)
ZoneTerm = Callable[[str], Term]
ZoneHourTerm = Callable[[str, int, int], Term]


def _none(*_: object) -> float:
    return 0.0


def annual_costs_musd_per_mw(costs: Mapping[str, float], rate: float) -> dict[str, float]:
    """Annualised capital plus fixed O&M, M$ per MW-year (battery energy: per MWh-year)."""
    crf = lambda life: capital_recovery_factor(rate, costs[life])  # noqa: E731
    kw = KW_PER_MW / USD_PER_MUSD  # $/kW -> M$/MW
    battery_fom = costs["battery_fom_share_of_capex_per_yr"]
    return {
        "solar": kw * (costs["solar_capex_usd_per_kw_ac"] * crf("solar_life_years") + costs["solar_fom_usd_per_kw_ac_yr"]),
        "wind": kw * (costs["wind_capex_usd_per_kw"] * crf("wind_life_years") + costs["wind_fom_usd_per_kw_yr"]),
        "battery": kw * costs["battery_power_capex_usd_per_kw"] * (crf("battery_life_years") + battery_fom),
        "battery_energy": kw * costs["battery_energy_capex_usd_per_kwh"] * (crf("battery_life_years") + battery_fom),
        "gas": kw * (costs["gas_capex_usd_per_kw"] * crf("gas_life_years") + costs["gas_fom_usd_per_kw_yr"]),
    }


@dataclass(frozen=True)
class ZoneRates:
    """Per zone the reference grid rates (its cheapest / cleanest site's), and per site the
    annual premium per MW of facility load above them (only sites with a non-zero premium)."""

    price_ref_usd_per_mwh: dict[str, float]
    co2_ref_t_per_mwh: dict[str, float]
    price_usd_per_mw_year: dict[str, float]
    co2_t_per_mw_year: dict[str, float]


def zone_rate_premiums(
    price_usd_per_mwh: Mapping[str, float],
    co2_t_per_mwh: Mapping[str, float],
    sites_in: Mapping[str, list[str]],
    weights: pd.Series,
    price_factor: pd.DataFrame,
    co2_factor: pd.DataFrame,
    load_factor: float,
) -> ZoneRates:
    """Reference rates and site premiums (see add_dispatch) from each site's grid price (with energy at
    scale the price beyond its utility's tariff) and CO2 rate; also used by the independent checker."""
    price_ref, co2_ref, price_prem, co2_prem = {}, {}, {}, {}
    w = weights.to_numpy(dtype=float)
    for z, members in sites_in.items():
        p = pd.Series({s: float(price_usd_per_mwh[s]) for s in members}, dtype=float)
        c = pd.Series({s: float(co2_t_per_mwh[s]) for s in members}, dtype=float)
        price_ref[z], co2_ref[z] = float(p.min()), float(c.min())
        # MWh per MW of facility load in a year, weighted by the zone's hourly price / CO2 shape.
        pf_mwh = load_factor * float(w @ price_factor[z].reindex(weights.index).to_numpy(dtype=float))
        cf_mwh = load_factor * float(w @ co2_factor[z].reindex(weights.index).to_numpy(dtype=float))
        for s in members:
            if p[s] > price_ref[z]:
                price_prem[s] = (p[s] - price_ref[z]) * pf_mwh
            if c[s] > co2_ref[z]:
                co2_prem[s] = (c[s] - co2_ref[z]) * cf_mwh
    return ZoneRates(price_ref, co2_ref, price_prem, co2_prem)


@dataclass(frozen=True)
class DispatchSettings:
    """The hourly block's settings, taken once from the scenario and the energy data."""

    onsite: frozenset[str]
    flex: float  # share of load that may be curtailed in an hour
    uplift: float  # non-firm MW above firm supply off peak, as a share of the grid connection
    hours: list[Hour]
    weight: dict[Hour, float]  # hours of the year each representative hour stands for
    prev: dict[Hour, Hour]  # previous hour within the same representative day (cyclic)
    peak: dict[tuple[str, Hour], bool]  # (zone, hour) -> a grid-peak hour (firm capacity only)


@dataclass(frozen=True)
class SiteAssets:
    """Per-site on-site capacities (``_none`` for an asset not offered)."""

    solar: SiteTerm
    wind: SiteTerm
    battery: SiteTerm
    battery_mwh: SiteTerm
    gas: SiteTerm


@dataclass(frozen=True)
class HourlyFlows:
    """Zone-hour flows of the optional assets (``_none`` where the asset is not offered)."""

    gas_gen: ZoneHourTerm
    charge: ZoneHourTerm
    discharge: ZoneHourTerm
    new_gas_in: dict[str, list[str]] = field(default_factory=dict)  # zone -> new gas types dispatched there


def flexible_share(cfg: EnergyConfig, costs: Mapping[str, float]) -> float:
    """Share of load a campus may curtail in an hour: the scenario's, else data/energy_costs.csv's."""
    return costs["max_flexible_share"] if cfg.flexible_share is None else cfg.flexible_share


def dispatch_settings(data: ModelData) -> DispatchSettings:
    energy = data.energy
    assert energy is not None
    cfg = data.inputs.scenario.energy
    flex = flexible_share(cfg, energy.costs)
    hours: list[Hour] = list(energy.weights.index)
    by_day: dict[int, list[Hour]] = defaultdict(list)
    for h in hours:
        by_day[h[0]].append(h)
    prev = {day_hours[i]: day_hours[i - 1] for day_hours in by_day.values() for i in range(len(day_hours))}
    # Grid peak: each zone's highest-price hours (by price factor) get firm capacity only.
    peak: dict[tuple[str, Hour], bool] = {}
    for z in data.sets.DISPATCH_ZONES:
        pf = energy.price_factor[z]
        threshold = float(np.quantile(pf.to_numpy(), 1.0 - cfg.peak_hour_share))
        for h in hours:
            peak[z, h] = bool(pf[h] >= threshold)
    return DispatchSettings(
        onsite=frozenset(cfg.onsite),
        flex=flex,
        uplift=cfg.nonfirm_uplift if flex > 0 else 0.0,
        hours=hours,
        weight=energy.weights.to_dict(),
        prev=prev,
        peak=peak,
    )


def add_dispatch(m: pyo.ConcreteModel, data: ModelData) -> SiteTerm:
    """The hourly block; returns each site's firm need (for the zonal firm-capacity row)."""
    st = dispatch_settings(data)
    m.DISPATCH_ZONES = pyo.Set(initialize=data.sets.DISPATCH_ZONES, ordered=True)
    m.HOURS = pyo.Set(initialize=st.hours, dimen=2, ordered=True)
    assets = _add_capacities(m, data, st)
    _add_connections(m, data, st, assets)
    zone_assets = _add_zone_totals(m, data, assets)
    flows = _add_hourly_balance(m, data, st, zone_assets)
    _add_costs_and_emissions(m, data, st, flows)
    return lambda s: (1 - st.flex) * m.facility_mw[s] - assets.gas(s) - assets.battery(s)


def _add_capacities(m: pyo.ConcreteModel, data: ModelData, st: DispatchSettings) -> SiteAssets:
    """On-site solar, wind, battery and gas per site, their land and firm-capacity rows and annualised capex."""
    energy = data.energy
    assert energy is not None
    costs = data.costs
    cfg = data.inputs.scenario.energy

    def capacity(name: str) -> SiteTerm:
        if name not in st.onsite:
            return _none
        var = pyo.Var(m.SITES, within=pyo.NonNegativeReals)
        m.add_component(f"{name}_mw", var)
        return lambda s: var[s]

    solar, wind, battery, gas = (capacity(a) for a in ASSETS)
    battery_mwh: SiteTerm = _none
    if battery is not _none:
        m.battery_mwh = pyo.Var(m.SITES, within=pyo.NonNegativeReals)
        m.battery_duration = pyo.Constraint(
            m.SITES, rule=lambda m, s: m.battery_mwh[s] <= cfg.battery_max_hours * battery(s)
        )
        battery_mwh = lambda s: m.battery_mwh[s]  # noqa: E731

    zone_of = data.sets.DISPATCH_ZONE_OF
    land = data.sites["land_available_acres"].to_dict()
    solar_acres = {s: float(energy.zones.at[zone_of[s], "solar_land_acres_per_mw"]) for s in data.sets.SITES}
    wind_acres = {s: float(energy.zones.at[zone_of[s], "wind_land_acres_per_mw"]) for s in data.sets.SITES}
    if solar is not _none or wind is not _none:
        # Campus, panels and turbines share the site's developable land.
        m.energy_land = pyo.Constraint(
            m.SITES,
            rule=lambda m, s: costs.acres_per_mw * m.facility_mw[s] + solar_acres[s] * solar(s) + wind_acres[s] * wind(s)
            <= land[s] * m.build[s],
        )
    if battery is not _none or gas is not _none:
        m.onsite_firm_if_built = pyo.Constraint(
            m.SITES, rule=lambda m, s: battery(s) + gas(s) <= 2 * costs.max_campus_mw * m.build[s]
        )
    per_mw = annual_costs_musd_per_mw(energy.costs, costs.discount_rate)
    # Their annual cost (capital recovery + FOM): what a multi-year model charges per year they serve.
    m.onsite_annual_musd = pyo.Expression(
        expr=sum(
            per_mw["solar"] * solar(s) + per_mw["wind"] * wind(s) + per_mw["battery"] * battery(s)
            + per_mw["battery_energy"] * battery_mwh(s) + per_mw["gas"] * gas(s)
            for s in data.sets.SITES
        )
    )
    m.capex_energy_musd = pyo.Expression(
        m.SITES,
        rule=lambda m, s: m.annuity_years
        * (
            per_mw["solar"] * solar(s)
            + per_mw["wind"] * wind(s)
            + per_mw["battery"] * battery(s)
            + per_mw["battery_energy"] * battery_mwh(s)
            + per_mw["gas"] * gas(s)
        ),
    )
    return SiteAssets(solar=solar, wind=wind, battery=battery, battery_mwh=battery_mwh, gas=gas)


def _add_connections(m: pyo.ConcreteModel, data: ModelData, st: DispatchSettings, assets: SiteAssets) -> None:
    """Each site's grid connection (legacy: headroom plus its upgrade tier; zonal: its substation
    connection) and the firm / non-firm limits on it."""
    tiers_at = data.sets.TIERS_AT
    if data.supply is not None:
        z, options_at = data.supply, data.sets.CONNECTIONS_AT
        m.grid_mw = pyo.Expression(
            m.SITES, rule=lambda m, s: sum(z.connection_mw[s, c] * m.connect[s, c] for c in options_at[s])
        )
        limited = data.sets.SITES
    else:
        m.grid_mw = pyo.Expression(
            m.SITES,
            rule=lambda m, s: data.headroom_mw[s] * m.build[s] + sum(data.tier_mw[t] * m.upgrade[s, t] for t in tiers_at[s]),
        )
        limited = data.sets.SITES_GRID_LIMITED
    on_site = lambda s: assets.gas(s) + assets.battery(s)  # noqa: E731
    # At peak the campus, curtailed by its flexible share, must fit firm supply.
    m.grid_firm = pyo.Constraint(
        limited, rule=lambda m, s: (1 - st.flex) * m.facility_mw[s] <= m.grid_mw[s] + on_site(s)
    )
    if st.uplift > 0:
        m.grid_nonfirm = pyo.Constraint(
            limited, rule=lambda m, s: m.facility_mw[s] <= (1 + st.uplift) * m.grid_mw[s] + on_site(s)
        )


def _new_gen_at(data: ModelData) -> dict[str, list[str]]:
    """Zonal supply: dispatch zone -> the new-generation types offered there (empty in legacy mode)."""
    out: dict[str, list[str]] = {z: [] for z in data.sets.DISPATCH_ZONES}
    if data.supply is not None:
        for zone, t in data.sets.ZONES_GEN:
            if zone in out:
                out[zone].append(t)
    return out


def _add_zone_totals(m: pyo.ConcreteModel, data: ModelData, assets: SiteAssets) -> SiteAssets:
    """One variable per zone and quantity, defined by one row each; returns the zone totals of the assets
    (on-site plus, with zonal supply, the new solar, wind and 4-h batteries built in the zone).

    Hourly rows then touch a few zone columns instead of every site's GPU blocks (which would
    repeat ~1,000 terms in each of 240 hours).
    """
    sites_in = data.sets.SITES_IN_DISPATCH_ZONE
    load_factor = data.costs.load_factor
    new_at = _new_gen_at(data)
    m.zone_load_mw = pyo.Var(m.DISPATCH_ZONES, within=pyo.NonNegativeReals)
    m.zone_load_def = pyo.Constraint(
        m.DISPATCH_ZONES, rule=lambda m, z: m.zone_load_mw[z] == load_factor * sum(m.facility_mw[s] for s in sites_in[z])
    )
    m.zone_grid_mw = pyo.Var(m.DISPATCH_ZONES, within=pyo.NonNegativeReals)
    m.zone_grid_def = pyo.Constraint(
        m.DISPATCH_ZONES, rule=lambda m, z: m.zone_grid_mw[z] == sum(m.grid_mw[s] for s in sites_in[z])
    )

    def new_term(gen_type: str, per_mw: float = 1.0) -> ZoneTerm:
        if not any(gen_type in types for types in new_at.values()):
            return _none
        return lambda z: per_mw * m.new_gen_mw[z, gen_type] if gen_type in new_at[z] else 0.0

    def zone_total(name: str, at: SiteTerm, new: ZoneTerm = _none) -> ZoneTerm:
        if at is _none and new is _none:
            return _none
        var = pyo.Var(m.DISPATCH_ZONES, within=pyo.NonNegativeReals)
        m.add_component(f"zone_{name}", var)
        m.add_component(
            f"zone_{name}_def",
            pyo.Constraint(m.DISPATCH_ZONES, rule=lambda m, z: var[z] == sum(at(s) for s in sites_in[z]) + new(z)),
        )
        return lambda z: var[z]

    return SiteAssets(
        solar=zone_total("solar_mw", assets.solar, new_term("solar")),
        wind=zone_total("wind_mw", assets.wind, new_term("onshore_wind")),
        battery=zone_total("battery_mw", assets.battery, new_term("battery_4h")),
        battery_mwh=zone_total("battery_mwh", assets.battery_mwh, new_term("battery_4h", NEW_BATTERY_HOURS)),
        gas=zone_total("gas_mw", assets.gas),
    )


def _add_hourly_balance(
    m: pyo.ConcreteModel, data: ModelData, st: DispatchSettings, zone: SiteAssets
) -> HourlyFlows:
    """Zone-hour dispatch: grid import, gas, battery, renewables, curtailment and the energy balance."""
    energy = data.energy
    assert energy is not None
    ec = energy.costs
    ZH = m.DISPATCH_ZONES * m.HOURS
    m.grid_import_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
    m.curtail_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
    m.spill_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
    gas_gen: ZoneHourTerm = _none
    charge: ZoneHourTerm = _none
    discharge: ZoneHourTerm = _none
    if zone.gas is not _none:
        m.gas_gen_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
        m.gas_limit = pyo.Constraint(ZH, rule=lambda m, z, d, t: m.gas_gen_mw[z, d, t] <= zone.gas(z))
        gas_gen = lambda z, d, t: m.gas_gen_mw[z, d, t]  # noqa: E731
    new_gas, new_gas_in = _add_new_gas(m, data, st)
    if zone.battery is not _none:
        eta = float(np.sqrt(ec["battery_round_trip_efficiency"]))
        dt = energy.hours_per_period  # hours per step: the state of charge moves by MW x dt
        m.charge_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
        m.discharge_mw = pyo.Var(ZH, within=pyo.NonNegativeReals)
        m.soc_mwh = pyo.Var(ZH, within=pyo.NonNegativeReals)
        m.charge_limit = pyo.Constraint(ZH, rule=lambda m, z, d, t: m.charge_mw[z, d, t] <= zone.battery(z))
        m.discharge_limit = pyo.Constraint(ZH, rule=lambda m, z, d, t: m.discharge_mw[z, d, t] <= zone.battery(z))
        m.soc_limit = pyo.Constraint(ZH, rule=lambda m, z, d, t: m.soc_mwh[z, d, t] <= zone.battery_mwh(z))
        m.soc_balance = pyo.Constraint(
            ZH,
            rule=lambda m, z, d, t: m.soc_mwh[z, d, t]
            == m.soc_mwh[(z, *st.prev[d, t])] + dt * (eta * m.charge_mw[z, d, t] - m.discharge_mw[z, d, t] / eta),
        )
        charge = lambda z, d, t: m.charge_mw[z, d, t]  # noqa: E731
        discharge = lambda z, d, t: m.discharge_mw[z, d, t]  # noqa: E731
    solar_cf, wind_cf = energy.solar_cf, energy.wind_cf
    solar, wind = zone.solar, zone.wind
    m.solar_gen_mw = pyo.Expression(ZH, rule=lambda m, z, d, t: float(solar_cf.at[(d, t), z]) * solar(z))
    m.wind_gen_mw = pyo.Expression(ZH, rule=lambda m, z, d, t: float(wind_cf.at[(d, t), z]) * wind(z))
    m.energy_balance = pyo.Constraint(
        ZH,
        rule=lambda m, z, d, t: m.solar_gen_mw[z, d, t]
        + m.wind_gen_mw[z, d, t]
        + m.grid_import_mw[z, d, t]
        + gas_gen(z, d, t)
        + new_gas(z, d, t)
        + discharge(z, d, t)
        - charge(z, d, t)
        - m.spill_mw[z, d, t]
        == m.zone_load_mw[z] - m.curtail_mw[z, d, t],
    )
    m.import_limit = pyo.Constraint(
        ZH,
        rule=lambda m, z, d, t: m.grid_import_mw[z, d, t]
        <= (1 + (0.0 if st.peak[z, (d, t)] else st.uplift)) * m.zone_grid_mw[z],
    )
    m.curtail_limit = pyo.Constraint(ZH, rule=lambda m, z, d, t: m.curtail_mw[z, d, t] <= st.flex * m.zone_load_mw[z])
    m.curtail_annual = pyo.Constraint(
        m.DISPATCH_ZONES,
        rule=lambda m, z: sum(st.weight[h] * m.curtail_mw[(z, *h)] for h in st.hours)
        <= ec["max_curtailment_share_of_annual_energy"] * HOURS_PER_YEAR * m.zone_load_mw[z],
    )
    return HourlyFlows(gas_gen=gas_gen, charge=charge, discharge=discharge, new_gas_in=new_gas_in)


def _add_new_gas(
    m: pyo.ConcreteModel, data: ModelData, st: DispatchSettings
) -> tuple[ZoneHourTerm, dict[str, list[str]]]:
    """Zonal supply: hourly output of the new gas CC / CT built in each load zone, within its MW and,
    over the year, within its availability (the type's ``max_energy_share`` x 8,760 h)."""
    z = data.supply
    new_at = _new_gen_at(data)
    keys = [(zone, t) for zone in data.sets.DISPATCH_ZONES for t in new_at[zone] if t in NEW_GAS]
    if z is None or not keys:
        return _none, {}
    m.ZONES_NEW_GAS = pyo.Set(within=m.ZONES_GEN, initialize=keys, ordered=True)
    m.new_gas_gen_mw = pyo.Var(m.ZONES_NEW_GAS * m.HOURS, within=pyo.NonNegativeReals)
    m.new_gas_limit = pyo.Constraint(
        m.ZONES_NEW_GAS * m.HOURS, rule=lambda m, zone, t, d, h: m.new_gas_gen_mw[zone, t, d, h] <= m.new_gen_mw[zone, t]
    )
    m.new_gas_annual = pyo.Constraint(
        m.ZONES_NEW_GAS,
        rule=lambda m, zone, t: sum(st.weight[h] * m.new_gas_gen_mw[(zone, t, *h)] for h in st.hours)
        <= z.gen_energy_max_mwh_per_mw[zone, t] * m.new_gen_mw[zone, t],
    )
    gas_in: dict[str, list[str]] = defaultdict(list)
    for zone, t in keys:
        gas_in[zone].append(t)
    return lambda zone, d, h: sum(m.new_gas_gen_mw[zone, t, d, h] for t in gas_in[zone]), dict(gas_in)


def _add_costs_and_emissions(m: pyo.ConcreteModel, data: ModelData, st: DispatchSettings, flows: HourlyFlows) -> None:
    """Annual energy cost and CO2 per zone and in total, and the hourly clean and served MW.

    Dispatch is per zone, but the sites of a zone may have their own price and CO2 rate (county
    prices, substation candidates; with energy at scale each site's price beyond its utility's tariff,
    ``data.price_usd_per_mwh``, as in annual mode). The zone's grid import is priced at its cheapest site's rate;
    each dearer site pays the difference on its whole annual load at the zone's hourly shape.
    Exact when the grid serves the load (the usual answer), an approximation when on-site supply
    displaces part of it (then the displaced energy is valued at the reference rate).
    """
    energy = data.energy
    assert energy is not None
    ec = energy.costs
    sites_in = data.sets.SITES_IN_DISPATCH_ZONE
    hours, weight, gas_gen = st.hours, st.weight, flows.gas_gen
    ZH = m.DISPATCH_ZONES * m.HOURS
    pf, cf = energy.price_factor, energy.co2_factor
    premium = zone_rate_premiums(data.price_usd_per_mwh, data.co2_t_per_mwh, sites_in, energy.weights, pf, cf, data.costs.load_factor)
    price, co2 = premium.price_ref_usd_per_mwh, premium.co2_ref_t_per_mwh
    m.SITES_PREMIUM = pyo.Set(initialize=sorted(premium.price_usd_per_mw_year | premium.co2_t_per_mw_year), ordered=True)
    m.grid_premium_musd_per_year = pyo.Expression(
        m.SITES_PREMIUM, rule=lambda m, s: premium.price_usd_per_mw_year.get(s, 0.0) * m.facility_mw[s] / USD_PER_MUSD
    )
    m.grid_premium_co2_t_per_year = pyo.Expression(
        m.SITES_PREMIUM, rule=lambda m, s: premium.co2_t_per_mw_year.get(s, 0.0) * m.facility_mw[s]
    )
    premium_sites_in = {z: [s for s in sites_in[z] if s in m.SITES_PREMIUM] for z in data.sets.DISPATCH_ZONES}
    new_gas = _new_gas_rates(m, data, flows.new_gas_in)
    gas_t_per_mwh = ec["gas_heat_rate_mmbtu_per_mwh"] * ec["gas_co2_kg_per_mmbtu"] / KG_PER_T
    gas_usd_per_mwh = ec["gas_heat_rate_mmbtu_per_mwh"] * ec["gas_fuel_usd_per_mmbtu"] + ec["gas_vom_usd_per_mwh"]
    m.co2_t_per_year_zone = pyo.Expression(
        m.DISPATCH_ZONES,
        rule=lambda m, z: sum(
            weight[h]
            * (co2[z] * float(cf.at[h, z]) * m.grid_import_mw[(z, *h)] + gas_t_per_mwh * gas_gen(z, *h) + new_gas.co2(z, *h))
            for h in hours
        )
        + sum(m.grid_premium_co2_t_per_year[s] for s in premium_sites_in[z]),
    )
    m.energy_cost_musd_per_year_zone = pyo.Expression(
        m.DISPATCH_ZONES,
        rule=lambda m, z: sum(
            weight[h]
            * (
                price[z] * float(pf.at[h, z]) * m.grid_import_mw[(z, *h)]
                + gas_usd_per_mwh * gas_gen(z, *h)
                + new_gas.cost(z, *h)
                + ec["curtailment_cost_usd_per_mwh"] * m.curtail_mw[(z, *h)]
            )
            for h in hours
        )
        / USD_PER_MUSD
        + sum(m.grid_premium_musd_per_year[s] for s in premium_sites_in[z])
        + m.carbon_price_usd_per_tco2 * m.co2_t_per_year_zone[z] / USD_PER_MUSD,
    )
    # Hourly clean supply per zone: renewables used, battery net, and the grid's clean fraction
    # (the state's clean share, lower in hours its grid is dirtier).
    clean = energy.zones["grid_clean_share"].to_dict()
    m.clean_mw = pyo.Expression(
        ZH,
        rule=lambda m, z, d, t: m.solar_gen_mw[z, d, t]
        + m.wind_gen_mw[z, d, t]
        - m.spill_mw[z, d, t]
        + flows.discharge(z, d, t)
        - flows.charge(z, d, t)
        + float(np.clip(1 - (1 - clean[z]) * float(cf.at[(d, t), z]), 0, 1)) * m.grid_import_mw[z, d, t],
    )
    m.served_mw = pyo.Expression(ZH, rule=lambda m, z, d, t: m.zone_load_mw[z] - m.curtail_mw[z, d, t])


@dataclass(frozen=True)
class NewGasRates:
    cost: ZoneHourTerm  # $ per hour of new gas output (fuel + VOM) in a zone-hour
    co2: ZoneHourTerm  # t CO2 per hour


def _new_gas_rates(m: pyo.ConcreteModel, data: ModelData, gas_in: dict[str, list[str]]) -> NewGasRates:
    """Fuel + VOM and CO2 of the new gas plants' hourly output (zero terms without any)."""
    z = data.supply
    if z is None or not gas_in:
        return NewGasRates(cost=_none, co2=_none)
    gas_in = defaultdict(list, gas_in)
    return NewGasRates(
        cost=lambda zone, d, h: sum(z.gen_usd_per_mwh[zone, t] * m.new_gas_gen_mw[zone, t, d, h] for t in gas_in[zone]),
        co2=lambda zone, d, h: sum(z.gen_co2_t_per_mwh[t] * m.new_gas_gen_mw[zone, t, d, h] for t in gas_in[zone]),
    )


def provided(data: ModelData) -> frozenset[str]:
    """The components ``add_dispatch`` creates for ``data`` (its contract with the results layer):
    per-site capacities and zone-hour flows exist only for the on-site assets the scenario allows."""
    if data.energy is None:
        return frozenset()
    onsite = set(data.inputs.scenario.energy.onsite)
    names = {"grid_import_mw", "curtail_mw", "spill_mw", "solar_gen_mw", "wind_gen_mw", "clean_mw", "served_mw", "capex_energy_musd"}
    names |= {f"{a}_mw" for a in ASSETS if a in onsite}
    if "gas" in onsite:
        names.add("gas_gen_mw")
    new_types = {t for types in _new_gen_at(data).values() for t in types}
    if "battery" in onsite or "battery_4h" in new_types:
        names |= {"charge_mw", "discharge_mw", "soc_mwh"}
    if "battery" in onsite:
        names.add("battery_mwh")
    if new_types & set(NEW_GAS):
        names.add("new_gas_gen_mw")
    return frozenset(names)
