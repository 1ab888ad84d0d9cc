"""Independent feasibility check of a run's outputs, in pandas, without the Pyomo model.

It recomputes every quantity from the output sites table and the input data, and re-verifies
each rule: power physics (with dry cooling), grid headroom with upgrades, campus size, land,
budget, every policy type, targets, and that the reported objective equals the recomputed one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.core.units import HOURS_PER_YEAR, annuity_factor
from model.inputs.load import SitingData
from model.milp.components.dispatch import (
    NEW_BATTERY_HOURS,
    annual_costs_musd_per_mw,
    flexible_share,
    zone_rate_premiums,
)
from model.milp.index_sets import active_sites, excluded_mask, policy_context
from model.policies import module_for
from model.policies.base import CheckContext
from model.policies.water_cap import stressed_sites

_REL = 1e-6
_ABS_MW = 2e-3  # outputs are rounded to 1e-3 MW
_ABS_USD = 10.0


def _close(a: float, b: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(abs_tol, _REL * max(abs(a), abs(b)))


def _tax(rates: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """1 + each site's tax rate in the first model year (the table's first column); 1 where untaxed."""
    if rates is None or rates.empty:
        return pd.Series(1.0, index=index)
    return 1.0 + rates[min(rates.columns)].reindex(index).fillna(0.0).astype(float)


def _factors(inputs: SitingData, facts: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """GPU price factor, other-capex factor and per-MW capex adder per site: sales and use tax of the first
    model year (on IT equipment; on construction) times the policies that change costs (each policy
    module's ``capex_factors``)."""
    gpu = _tax(inputs.tax_equipment, facts.index)
    other = _tax(inputs.tax_construction, facts.index)
    adder_usd_per_mw = (
        facts["capex_adjust_usd_per_mw"].astype(float) if "capex_adjust_usd_per_mw" in facts else pd.Series(0.0, index=facts.index)
    )
    for p in inputs.scenario.policies:
        factors = getattr(module_for(p), "capex_factors", None)
        if factors is not None:
            g, o, a = factors(facts, p)
            gpu, other, adder_usd_per_mw = gpu * g, other * o, adder_usd_per_mw + a
    return gpu, other, adder_usd_per_mw


def check_dispatch(dispatch: pd.DataFrame | None) -> list[str]:
    """Hourly energy balance and signs, from the dispatch table alone."""
    if dispatch is None:
        return ["energy mode: no dispatch table"]
    problems: list[str] = []
    supply = (
        dispatch["solar_mw"] + dispatch["wind_mw"] + dispatch["grid_import_mw"] + dispatch["gas_mw"] + dispatch["new_gas_mw"]
        + dispatch["discharge_mw"] - dispatch["charge_mw"] - dispatch["spill_mw"]
    )
    demand = dispatch["load_mw"] - dispatch["curtail_mw"]
    bad = (supply - demand).abs() > 1e-6 * np.maximum(1.0, dispatch["load_mw"])
    for _, row in dispatch.loc[bad].head(5).iterrows():
        problems.append(f"zone {row['zone']} day {row['day']} hour {row['hour']}: supply != load - curtailment")
    flows = ["grid_import_mw", "solar_mw", "wind_mw", "gas_mw", "new_gas_mw", "charge_mw", "discharge_mw", "soc_mwh", "curtail_mw", "spill_mw"]
    if (dispatch[flows] < -1e-6).any().any():
        problems.append("dispatch has negative flows")
    return problems


def _check_energy_mode(
    inputs: SitingData, facts: pd.DataFrame, sites: pd.DataFrame, facility_mw: pd.Series, dispatch: pd.DataFrame | None,
    gen: pd.DataFrame | None = None,
) -> tuple[list[str], float, float]:
    """Problems, annual energy cost (USD, carbon included) and CO2 (t) in hourly mode. With zonal supply
    the zones are ReEDS zones, a site's grid is its connection, and ``gen`` (generation.csv) adds the
    new solar, wind, batteries and gas dispatched in its zone."""
    energy = inputs.energy
    assert energy is not None
    cfg = inputs.scenario.energy
    ec = energy.costs
    problems = check_dispatch(dispatch)
    if dispatch is None:
        return problems, 0.0, 0.0
    flex = flexible_share(cfg, ec)
    uplift = cfg.nonfirm_uplift if flex > 0 else 0.0
    zonal = inputs.supply is not None
    if zonal:
        grid = sites["connection_mw"].astype(float)
        limited = pd.Series(True, index=sites.index)
    else:
        tier_mw = sites["upgrade_tier"].map(lambda t: inputs.tiers["added_mw"].get(t, 0.0) if t else 0.0).astype(float)
        grid = facts["headroom_mw"] + tier_mw
        limited = facts["headroom_mw"] < inputs.costs.max_campus_mw
    firm_onsite = sites["gas_mw"] + sites["battery_mw"]
    for s in sites.index[limited & ((1 - flex) * facility_mw > grid + firm_onsite + _ABS_MW)]:
        problems.append(f"{s}: firm supply {grid[s] + firm_onsite[s]:.1f} MW below the inflexible load")
    for s in sites.index[limited & (facility_mw > (1 + uplift) * grid + firm_onsite + _ABS_MW)]:
        problems.append(f"{s}: facility above grid connection with non-firm uplift")
    zone_of = facts["zone" if zonal else "state"]
    zone_load = (facility_mw * inputs.costs.load_factor).groupby(zone_of).sum()
    zone_grid = grid.groupby(zone_of).sum()
    zone_cap = {a: sites[f"{a}_mw"].groupby(zone_of).sum() for a in ("gas", "battery")}
    zone_mwh = sites["battery_mwh"].groupby(zone_of).sum()
    new = gen if gen is not None and zonal else pd.DataFrame(columns=["zone", "type", "new_mw", "energy_mwh_per_year"])
    new_mw = new.groupby(["zone", "type"])["new_mw"].sum()
    new_of = lambda t: new_mw.xs(t, level="type") if t in new_mw.index.get_level_values("type") else pd.Series(dtype=float)  # noqa: E731
    zone_cap["battery"] = zone_cap["battery"].add(new_of("battery_4h"), fill_value=0.0)
    zone_mwh = zone_mwh.add(NEW_BATTERY_HOURS * new_of("battery_4h"), fill_value=0.0)
    zone_new_gas = new_of("gas_cc").add(new_of("gas_ct"), fill_value=0.0)
    eta = float(np.sqrt(ec["battery_round_trip_efficiency"]))
    for z, rows in dispatch.groupby("zone"):
        if abs(rows["load_mw"].iloc[0] - zone_load.get(z, 0.0)) > _ABS_MW:
            problems.append(f"zone {z}: dispatch load != load factor x facility MW of its campuses")
        if (rows["curtail_mw"] > flex * rows["load_mw"] + _ABS_MW).any():
            problems.append(f"zone {z}: curtailment above the flexible share")
        if (rows["grid_import_mw"] > (1 + uplift) * zone_grid.get(z, 0.0) + _ABS_MW).any():
            problems.append(f"zone {z}: import above its campuses' grid connections")
        if (rows["gas_mw"] > zone_cap["gas"].get(z, 0.0) + _ABS_MW).any():
            problems.append(f"zone {z}: gas output above installed gas MW")
        if (rows["new_gas_mw"] > zone_new_gas.get(z, 0.0) + _ABS_MW).any():
            problems.append(f"zone {z}: new gas output above the new gas MW built in the zone")
        if (rows[["charge_mw", "discharge_mw"]].max(axis=1) > zone_cap["battery"].get(z, 0.0) + _ABS_MW).any():
            problems.append(f"zone {z}: battery power above installed MW")
        if (rows["soc_mwh"] > zone_mwh.get(z, 0.0) + _ABS_MW).any():
            problems.append(f"zone {z}: state of charge above installed MWh")
        for _, day in rows.groupby("day"):
            soc = day["soc_mwh"].to_numpy()
            dt = energy.hours_per_period
            expected = np.roll(soc, 1) + dt * (eta * day["charge_mw"].to_numpy() - day["discharge_mw"].to_numpy() / eta)
            if np.abs(soc - expected).max() > 1e-4 * max(1.0, soc.max()):
                problems.append(f"zone {z}: battery state of charge does not follow charge and discharge")
                break
    w = dispatch["weight_h"]
    gas_t = ec["gas_heat_rate_mmbtu_per_mwh"] * ec["gas_co2_kg_per_mmbtu"] / 1000.0
    gas_usd = ec["gas_heat_rate_mmbtu_per_mwh"] * ec["gas_fuel_usd_per_mmbtu"] + ec["gas_vom_usd_per_mwh"]
    co2 = float((w * (dispatch["grid_import_mw"] * dispatch["co2_kg_per_mwh"] / 1000.0 + dispatch["gas_mw"] * gas_t)).sum())
    cost = float(
        (
            w
            * (
                dispatch["grid_import_mw"] * dispatch["price_usd_per_mwh"]
                + dispatch["gas_mw"] * gas_usd
                + dispatch["curtail_mw"] * ec["curtailment_cost_usd_per_mwh"]
            )
        ).sum()
    )
    if zonal and inputs.supply is not None and len(new):
        # New gas: the generation table splits each zone's dispatched output by type (heat rates differ).
        gas_rows = new.loc[new["type"].isin(["gas_cc", "gas_ct"])]
        dispatched = (dispatch["new_gas_mw"] * w).groupby(dispatch["zone"]).sum()
        for z, mwh in gas_rows.groupby("zone")["energy_mwh_per_year"].sum().items():
            if abs(mwh - dispatched.get(z, 0.0)) > 1e-3 * (1.0 + mwh):
                problems.append(f"zone {z}: new gas energy in generation.csv != dispatched new gas")
        g = inputs.supply.generation
        hr = gas_rows["type"].map(g["heat_rate_mmbtu_per_mwh"])
        mwh = gas_rows["energy_mwh_per_year"]
        co2 += float((mwh * hr * inputs.supply.gas_co2_kg_per_mmbtu / 1000.0).sum())
        fuel = gas_rows["zone"].map(_zone_gas(inputs.supply)).fillna(inputs.supply.gas_fuel_usd_per_mmbtu)
        cost += float((mwh * (hr * fuel + gas_rows["type"].map(g["vom_usd_per_mwh"]))).sum())
    # Sites dearer (or dirtier) than their zone's cheapest candidate pay the difference on their load.

    # Energy at scale: every candidate's grid price is the price beyond its utility's tariff.
    candidates = active_sites(inputs)
    county = candidates["price_usd_per_mwh"].astype(float)
    price = _beyond_tariff(inputs, candidates.index, county) if inputs.energy_scale is not None else county
    members = {z: list(g.index) for z, g in candidates.groupby("zone" if zonal else "state")}
    rates = zone_rate_premiums(
        price.to_dict(), (candidates["co2_kg_per_mwh"].astype(float) / 1000.0).to_dict(), members,
        energy.weights, energy.price_factor, energy.co2_factor, inputs.costs.load_factor,
    )
    cost += float(sum(rates.price_usd_per_mw_year.get(s, 0.0) * facility_mw[s] for s in sites.index))
    co2 += float(sum(rates.co2_t_per_mw_year.get(s, 0.0) * facility_mw[s] for s in sites.index))
    return problems, cost, co2


def _supply_frames(
    summary: dict[str, Any], generation: pd.DataFrame | None, imports: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's generation.csv and zone_imports.csv tables (or the same rows from summary.json)."""
    gen = generation if generation is not None else pd.DataFrame(
        summary.get("new_generation", []), columns=["zone", "type", "new_mw", "energy_mwh_per_year"]
    )
    flows = imports if imports is not None else pd.DataFrame(summary.get("zone_imports", []), columns=["from_zone", "to_zone", "mw"])
    return gen, flows


def _check_zonal(
    inputs: SitingData, facts: pd.DataFrame, sites: pd.DataFrame, facility_mw: pd.Series, energy_mwh: pd.Series,
    gen: pd.DataFrame, flows: pd.DataFrame, carbon_price: float, firm_need_mw: pd.Series | None = None,
) -> tuple[list[str], pd.Series, float, float, float]:
    """Zonal supply: connections, the firm balance per zone, interface limits, new-generation energy.
    ``firm_need_mw`` (hourly mode): each campus' firm need (load less the flexible share and on-site firm
    MW), which the firm balance counts instead of facility MW; new energy is then the dispatch's (checked
    in hourly mode), so no annual energy change is returned.

    Returns problems, the connection cost per site (USD), new generation's budget cost (USD, PV of
    annualised capex + FOM), its annual energy-cost change (USD, carbon included) and CO2 change (t)."""
    supply = inputs.supply
    assert supply is not None
    costs = inputs.costs
    problems: list[str] = []
    # Connection: the option named in the sites table must be one of the site's, and carry its MW.
    options = supply.connections.set_index(["site_id", "option"])
    conn_usd = pd.Series(0.0, index=sites.index)
    for s in sites.index:
        key = (s, sites.at[s, "connection_option"])
        if key not in options.index:
            problems.append(f"{s}: connection option {key[1]!r} is not one of the site's")
            continue
        row = options.loc[key]
        conn_usd[s] = float(row["cost_usd"])
        if firm_need_mw is None and facility_mw[s] > float(row["mw"]) + _ABS_MW:
            problems.append(f"{s}: facility {facility_mw[s]:.1f} MW above its {key[1]} connection ({row['mw']:.0f} MW)")
    # Firm balance: campus MW + exports - imports - credited new MW <= share x spare, every zone.
    gen_types = supply.generation
    unknown = set(gen["type"]) - set(gen_types.index)
    if unknown:
        problems.append(f"generation table: unknown type {sorted(unknown)[0]!r}")
        return problems, conn_usd, 0.0, 0.0, 0.0
    if (gen[["new_mw", "energy_mwh_per_year"]] < -1e-6).any().any() or (flows["mw"] < -1e-6).any():
        problems.append("generation or imports table has negative MW")
    limits = supply.transfers.set_index(["from_zone", "to_zone"])["mw"] * supply.import_share
    for a, b, mw in flows[["from_zone", "to_zone", "mw"]].itertuples(index=False):
        limit = float(limits.get((a, b), 0.0))
        if mw > limit + _ABS_MW:
            problems.append(f"import {a}->{b} {mw:.1f} MW above {supply.import_share:g} x NARIS limit ({limit:.1f} MW)")
    zone_of = facts["zone"]
    firm_new = (gen["new_mw"] * gen["type"].map(gen_types["capacity_credit"])).groupby(gen["zone"]).sum()
    net_import = flows.groupby("to_zone")["mw"].sum().sub(flows.groupby("from_zone")["mw"].sum(), fill_value=0.0)
    load = (facility_mw if firm_need_mw is None else firm_need_mw).groupby(zone_of).sum()
    zones = load.index.union(firm_new.index).union(net_import.index)
    spare = supply.zones["spare_firm_mw"].reindex(zones).fillna(0.0) * supply.spare_share
    short = load.reindex(zones, fill_value=0.0) - net_import.reindex(zones, fill_value=0.0) - firm_new.reindex(zones, fill_value=0.0) - spare
    tol = _ABS_MW * (1 + len(flows) + len(gen))
    for zone in short.index[short > tol]:
        problems.append(f"zone {zone}: campus MW not covered by {supply.spare_share:g} x spare + imports + new generation (short {short[zone]:.1f} MW)")
    # One finance basis: overnight capex in full (the zone's capital-cost multiplier) plus fixed O&M over the horizon.
    rate = costs.discount_rate
    mult = supply.capex_multiplier
    multiplier = np.array([
        float(mult.at[z, t]) if not mult.empty and z in mult.index and t in mult.columns else 1.0
        for z, t in gen[["zone", "type"]].itertuples(index=False)
    ])
    per_kw = gen["type"].map(gen_types["capex_usd_per_kw"]).to_numpy(dtype=float) * multiplier
    fom = gen["type"].map(gen_types["fom_usd_per_kw_yr"]).to_numpy(dtype=float) * annuity_factor(rate, costs.horizon_years)
    cost_pv = float(((per_kw + fom) * 1000.0 * gen["new_mw"].to_numpy(dtype=float)).sum())
    if firm_need_mw is not None:
        return problems, conn_usd, cost_pv, 0.0, 0.0
    # New energy: within the plant's annual maximum and the zone's campus energy.
    share = supply.energy_share
    max_mwh = [
        float(share.at[z, t]) * HOURS_PER_YEAR * mw if z in share.index else 0.0
        for z, t, mw in gen[["zone", "type", "new_mw"]].itertuples(index=False)
    ]
    for i in np.flatnonzero(gen["energy_mwh_per_year"].to_numpy() > np.asarray(max_mwh) + 1e-3 * (1 + np.asarray(max_mwh))):
        problems.append(f"zone {gen['zone'].iloc[i]}: {gen['type'].iloc[i]} energy above its MW x availability x 8,760 h")
    used = gen.groupby("zone")["energy_mwh_per_year"].sum()
    zone_mwh = energy_mwh.groupby(zone_of).sum()
    for zone in used.index[used > zone_mwh.reindex(used.index, fill_value=0.0) + 1.0]:
        problems.append(f"zone {zone}: new generation energy above its campuses' energy")
    # Costs: fuel at the zone's gas price + VOM + carbon, less the marginal energy and CO2 displaced.
    ref_price, ref_co2 = _marginal_energy(supply)
    hr = gen["type"].map(gen_types["heat_rate_mmbtu_per_mwh"])
    co2_rate = hr * supply.gas_co2_kg_per_mmbtu / 1000.0
    usd_rate = hr * gen["zone"].map(_zone_gas(supply)).fillna(supply.gas_fuel_usd_per_mmbtu) + gen["type"].map(gen_types["vom_usd_per_mwh"])
    mwh = gen["energy_mwh_per_year"]
    d_co2 = float((mwh * (co2_rate - gen["zone"].map(ref_co2).fillna(0.0))).sum())
    d_usd = float((mwh * (usd_rate - gen["zone"].map(ref_price).fillna(0.0))).sum()) + carbon_price * d_co2
    return problems, conn_usd, cost_pv, d_usd, d_co2


def _check_energy_at_scale(
    inputs: SitingData, facts: pd.DataFrame, sites: pd.DataFrame, facility_mw: pd.Series, hours: float
) -> tuple[list[str], pd.Series, pd.Series]:
    """Energy at scale in the snapshot: every MWh at the price beyond the utility's tariff, and the tariff
    tranche (``tariff_mw`` of the sites table) only where the county price is the cheaper, within the
    campus' MW and, summed over one utility's campuses, within that utility's tariff MW.

    Returns problems, the per-MWh price of each site and each site's annual tariff saving (USD, <= 0)."""
    scale = inputs.energy_scale
    assert scale is not None
    problems: list[str] = []
    county = facts["price_usd_per_mwh"].astype(float)
    beyond = _beyond_tariff(inputs, sites.index, county)
    info = scale.sites.reindex(sites.index)
    cap = info["tariff_mw"].fillna(0.0).astype(float)
    tariff_mw = sites["tariff_mw"].astype(float) if "tariff_mw" in sites else pd.Series(0.0, index=sites.index)
    offered = (county < beyond - 1e-9) & (cap > 0)
    for s in sites.index[(tariff_mw > _ABS_MW) & ~offered]:
        problems.append(f"{s}: tariff MW where the county price is not below the price beyond the tariff")
    for s in sites.index[tariff_mw > facility_mw + _ABS_MW]:
        problems.append(f"{s}: tariff MW {tariff_mw[s]:.1f} above the campus' {facility_mw[s]:.1f} MW")
    uid = info["utility_id"].fillna(0).astype(int)
    group = pd.Series(np.where(uid > 0, "u" + uid.astype(str), "s" + sites.index.astype(str)), index=sites.index)
    used = tariff_mw.groupby(group).sum()
    limit = cap.groupby(group).max()
    for g in used.index[used > limit + _ABS_MW]:
        problems.append(f"utility {g[1:]}: campuses take {used[g]:.1f} tariff MW, above its {limit[g]:.1f} MW")
    return problems, beyond, tariff_mw * hours * (county - beyond)


def _tariff_within_grid(facts: pd.DataFrame, sites: pd.DataFrame, dispatch: pd.DataFrame, hours: float, zone_col: str) -> list[str]:
    """Hourly mode: a zone's tariff-tranche MWh (tariff MW at the flat load) within the grid MWh its dispatch buys."""
    tariff_mwh = (sites["tariff_mw"].astype(float) * hours).groupby(facts[zone_col]).sum()
    grid_mwh = (dispatch["grid_import_mw"] * dispatch["weight_h"]).groupby(dispatch["zone"]).sum()
    problems = []
    for z, mwh in tariff_mwh.items():
        bought = float(grid_mwh.get(z, 0.0))
        if mwh > bought + 1e-6 * max(1.0, bought) + _ABS_MW * hours:
            problems.append(f"zone {z}: tariff tranche {mwh:,.0f} MWh above the {bought:,.0f} MWh its campuses buy from the grid")
    return problems


def _beyond_tariff(inputs: SitingData, ids: pd.Index, county: pd.Series) -> pd.Series:
    """Each site's price beyond its utility's tariff in the run's first year (its county price where the
    table holds none)."""
    scale = inputs.energy_scale
    assert scale is not None
    year = inputs.scenario.pathway.years[0] if inputs.scenario.pathway is not None else 2026
    return _snapshot_column(scale.beyond_tariff_usd_per_mwh, year).reindex(ids).fillna(county.reindex(ids))


def _snapshot_column(table: pd.DataFrame, year: int) -> pd.Series:
    col = min(table.columns, key=lambda c: (abs(int(c) - year), int(c)))
    return table[col].astype(float)


def _zone_gas(supply: Any) -> pd.Series:
    """Each zone's gas price in the supply's base year (the national price where no table is held)."""
    table = supply.gas_usd_per_mmbtu_by_year
    if table is None or table.empty:
        return pd.Series(dtype=float)
    return _snapshot_column(table, supply.base_year or 2026)


def _marginal_energy(supply: Any) -> tuple[pd.Series, pd.Series]:
    """Per zone, the energy price ($/MWh) and CO2 (t/MWh) new energy displaces: the supply's marginal table,
    else a new gas CC's variable cost and CO2 where the scenario offers gas CC, else nothing."""
    table = supply.marginal_usd_per_mwh_by_year
    if table is not None and not table.empty:
        return _snapshot_column(table, supply.base_year or 2026), supply.marginal_co2_kg_per_mwh.astype(float) / 1000.0
    g = supply.generation
    if "gas_cc" not in g.index:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    zones = supply.zones.index
    gas = _zone_gas(supply).reindex(zones).fillna(supply.gas_fuel_usd_per_mmbtu)
    heat = float(g.at["gas_cc", "heat_rate_mmbtu_per_mwh"])
    return gas * heat + float(g.at["gas_cc", "vom_usd_per_mwh"]), pd.Series(heat * supply.gas_co2_kg_per_mmbtu / 1000.0, index=zones)


def check_solution(
    inputs: SitingData,
    sites: pd.DataFrame,
    summary: dict[str, Any],
    dispatch: pd.DataFrame | None = None,
    generation: pd.DataFrame | None = None,
    imports: pd.DataFrame | None = None,
) -> list[str]:
    """Violations found (empty list: the solution satisfies every rule). Zonal supply reads the run's
    ``generation`` and ``imports`` tables (generation.csv, zone_imports.csv), else summary.json's rows."""
    problems: list[str] = []
    sc = inputs.scenario
    costs = inputs.costs
    gpus = inputs.gpus
    unknown = sites.index.difference(inputs.sites.index)
    if len(unknown):
        return [f"site {unknown[0]} is not a candidate"]
    facts = inputs.sites.loc[sites.index]
    hours = costs.load_factor * HOURS_PER_YEAR
    evap, dry_cool = inputs.cooling.loc["evaporative"], inputs.cooling.loc["dry"]
    water_rules = [p for p in sc.policies if p.type == "water_cap"]

    blocks = pd.DataFrame({g: sites[f"blocks_{g}"] for g in gpus.index})
    if (blocks < 0).any().any() or not np.allclose(blocks, blocks.round()):
        problems.append("GPU blocks must be non-negative integers")
    it_mw = blocks @ (gpus["it_kw_per_block"] / 1000.0)
    dry = sites["dry_cooled_it_mw"].astype(float)
    covered = set().union(*(stressed_sites(facts, p) for p in water_rules))
    may_dry = facts.index.isin(list(covered))
    for s in sites.index[(dry > 1e-6) & ~may_dry]:
        problems.append(f"{s}: dry cooling where no water rule offers it")
    for s in sites.index[dry > it_mw + _ABS_MW]:
        problems.append(f"{s}: dry-cooled IT {dry[s]:.3f} MW exceeds IT {it_mw[s]:.3f} MW")
    facility_mw = it_mw * facts["pue"] + float(dry_cool["pue_delta"]) * dry
    for s in sites.index:
        if not _close(sites.at[s, "it_mw"], it_mw[s], _ABS_MW):
            problems.append(f"{s}: it_mw {sites.at[s, 'it_mw']} != blocks x kW ({it_mw[s]:.3f})")
        if not _close(sites.at[s, "facility_mw"], facility_mw[s], _ABS_MW):
            problems.append(f"{s}: facility_mw {sites.at[s, 'facility_mw']} != PUE x IT + dry-cooling PUE ({facility_mw[s]:.3f})")

    tier_mw = sites["upgrade_tier"].map(lambda t: inputs.tiers["added_mw"].get(t, 0.0) if t else 0.0).astype(float)
    grid_limit = facts["headroom_mw"] + tier_mw
    if inputs.energy is None and inputs.supply is None:  # hourly: firm / non-firm rule; zonal: connections
        for s in sites.index[facility_mw > grid_limit + _ABS_MW]:
            problems.append(f"{s}: facility {facility_mw[s]:.1f} MW exceeds headroom + upgrade {grid_limit[s]:.1f} MW")
    for s in sites.index[facility_mw > costs.max_campus_mw + _ABS_MW]:
        problems.append(f"{s}: facility {facility_mw[s]:.1f} MW above max campus {costs.max_campus_mw} MW")
    for s in sites.index[facility_mw < costs.min_campus_mw - _ABS_MW]:
        problems.append(f"{s}: facility {facility_mw[s]:.1f} MW below min campus {costs.min_campus_mw} MW")
    land_needed = facility_mw * costs.acres_per_mw
    land_used = land_needed.copy()
    if inputs.energy is not None:
        zones = inputs.energy.zones
        dzone = facts["zone" if inputs.supply is not None else "state"]
        land_used += sites["solar_mw"] * dzone.map(zones["solar_land_acres_per_mw"]).fillna(0.0)
        land_used += sites["wind_mw"] * dzone.map(zones["wind_land_acres_per_mw"]).fillna(0.0)
    for s in sites.index[land_used > facts["land_available_acres"] + 1e-3]:
        problems.append(f"{s}: needs {land_needed[s]:.1f} acres, has {facts.at[s, 'land_available_acres']:.1f}")
    problems += [f"{s}: built where a policy excludes it" for s in facts.index[excluded_mask(facts, inputs)]]

    # Energy, emissions, water.
    carbon_price = costs.carbon_price_usd_per_tco2
    for p in sc.policies:
        if p.type == "carbon_price":
            carbon_price = p.usd_per_tco2
    energy_mwh = facility_mw * hours
    co2_t = energy_mwh * facts["co2_kg_per_mwh"] / 1000.0
    water_m3 = float(evap["wue_l_per_kwh_it"]) * hours * it_mw - float(
        evap["wue_l_per_kwh_it"] - dry_cool["wue_l_per_kwh_it"]
    ) * hours * dry
    annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
    price = facts["price_usd_per_mwh"].astype(float)
    tariff_usd = pd.Series(0.0, index=sites.index)
    if inputs.energy_scale is not None:  # both modes: hourly mode adds the same tranche to its zone costs
        scale_problems, price, tariff_usd = _check_energy_at_scale(inputs, facts, sites, facility_mw, hours)
        problems += scale_problems
    opex_pv = (energy_mwh * (price + carbon_price * facts["co2_kg_per_mwh"] / 1000.0) + tariff_usd) * annuity
    total_co2 = float(co2_t.sum())
    asset_usd = pd.Series(0.0, index=sites.index)
    gen, flows = _supply_frames(summary, generation, imports)
    if inputs.energy is not None:
        energy_problems, cost_usd, total_co2 = _check_energy_mode(inputs, facts, sites, facility_mw, dispatch, gen)
        problems += energy_problems
        opex_pv = pd.Series((cost_usd + carbon_price * total_co2) * annuity / max(len(sites), 1), index=sites.index)
        opex_pv = opex_pv + tariff_usd * annuity
        if inputs.energy_scale is not None and dispatch is not None and "tariff_mw" in sites:
            problems += _tariff_within_grid(facts, sites, dispatch, hours, "zone" if inputs.supply is not None else "state")
        per_mw = annual_costs_musd_per_mw(inputs.energy.costs, costs.discount_rate)
        asset_usd = 1e6 * annuity * (
            per_mw["solar"] * sites["solar_mw"] + per_mw["wind"] * sites["wind_mw"] + per_mw["battery"] * sites["battery_mw"]
            + per_mw["battery_energy"] * sites["battery_mwh"] + per_mw["gas"] * sites["gas_mw"]
        )

    gen_cost_usd = 0.0
    if inputs.supply is not None:
        firm_need = None
        if inputs.energy is not None:
            flex = flexible_share(sc.energy, inputs.energy.costs)
            firm_need = (1 - flex) * facility_mw - sites["gas_mw"] - sites["battery_mw"]
        zonal_problems, conn_usd, gen_cost_usd, d_energy_usd, d_co2 = _check_zonal(
            inputs, facts, sites, facility_mw, energy_mwh, gen, flows, carbon_price, firm_need
        )
        problems += zonal_problems
        total_co2 += d_co2
        if inputs.energy_scale is not None and len(flows):  # firm imports pay wheeling on the MWh they carry
            wheel = inputs.energy_scale.wheeling_usd_per_mwh_between(flows["from_zone"].reset_index(drop=True), flows["to_zone"].reset_index(drop=True))
            d_energy_usd += float((flows["mw"].to_numpy(dtype=float) * hours * wheel.to_numpy()).sum())
        # New energy's cost change is a zone total: spread it over the sites only to sum it.
        opex_pv = opex_pv + d_energy_usd * annuity / max(len(sites), 1)

    # Costs.
    gpu_factor, other_factor, adder = _factors(inputs, facts)
    gpu_usd = (blocks @ (gpus["price_usd_per_block"] * costs.gpu_price_multiplier)) * gpu_factor
    tier_usd = sites["upgrade_tier"].map(lambda t: inputs.tiers["cost_usd"].get(t, 0.0) if t else 0.0).astype(float)
    if inputs.supply is not None:
        tier_usd = tier_usd + conn_usd
    capex = (
        other_factor * (costs.site_fixed_usd + costs.shell_usd_per_mw * it_mw)
        + (facts["land_value_usd_per_acre"] * costs.acres_per_mw + adder) * facility_mw
        + gpu_usd
        + tier_usd
        + asset_usd
    )
    for s in sites.index:
        if not _close(sites.at[s, "capex_usd"], capex[s], _ABS_USD):
            problems.append(f"{s}: capex {sites.at[s, 'capex_usd']:.0f} != recomputed {capex[s]:.0f}")
    total_capex = float(capex.sum()) + gen_cost_usd
    total_cost = total_capex + float(opex_pv.sum())
    if sc.budget is not None:
        spend = total_cost if sc.budget.include_opex else total_capex
        if spend > sc.budget.total_usd * (1 + _REL) + _ABS_USD:
            problems.append(f"spend ${spend:,.0f} exceeds budget ${sc.budget.total_usd:,.0f}")

    site_pflops = blocks @ (gpus["gpus_per_block"] * gpus[inputs.precision_col] / 1000.0)
    pflops = float(site_pflops.sum())
    ctx = CheckContext(
        facts=facts, facility_mw=facility_mw, site_pflops=site_pflops, total_co2_t=total_co2, water_m3=water_m3,
        base_dir=policy_context(inputs).base_dir, dispatch=dispatch,
        new_generation=gen if inputs.supply is not None else None,
        construction_years=(
            inputs.supply.generation["construction_years"].astype(float).to_dict()
            if inputs.supply is not None and "construction_years" in inputs.supply.generation
            else {}
        ),
    )
    problems += _check_policies(ctx, inputs)

    n_gpus = float((blocks @ gpus["gpus_per_block"]).sum())
    goal = sc.objective
    if goal.target_pflops is not None and pflops < goal.target_pflops * (1 - _REL):
        problems.append(f"compute {pflops:,.1f} PFLOPS below target {goal.target_pflops:,.1f}")
    if goal.target_gpus is not None and n_gpus < goal.target_gpus:
        problems.append(f"{n_gpus:,.0f} GPUs below target {goal.target_gpus:,}")
    if goal.target_it_mw is not None and float(it_mw.sum()) < goal.target_it_mw - _ABS_MW:
        problems.append(f"IT load {float(it_mw.sum()):,.1f} MW below target {goal.target_it_mw:,.1f}")

    # The summary reports the objective in the unit of the figure it equals: PFLOPS or USD.
    expected = pflops if goal.sense == "max_compute" else total_cost
    reported = summary.get("objective")
    if reported is None or not _close(float(reported), expected, 1e-3 if goal.sense == "max_compute" else _ABS_USD):
        problems.append(f"objective {reported} != recomputed {expected:,.6f}")
    return problems


def _check_policies(ctx: CheckContext, inputs: SitingData) -> list[str]:
    """Every policy re-verifies itself (each module's ``check``), on the same recomputed figures."""
    problems: list[str] = []
    for i, p in enumerate(inputs.scenario.policies):
        problems += module_for(p).check(ctx, p, f"{p.type}[{i}]")
    return problems
