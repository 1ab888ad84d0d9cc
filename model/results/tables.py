"""Read a solved model back into a sites table and a summary, and write a run directory atomically."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.geo import OUTPUT_CRS
from model.core.units import USD_PER_MUSD
from model.milp.components.dispatch import provided
from model.milp.model_data import YearModel
from model.solve.highs import SolveResult

_MW_DECIMALS = 3
_USD_DECIMALS = 0


def _values(component: Any, index: list) -> np.ndarray:
    return np.array([pyo.value(component[i]) for i in index], dtype=float)


def sites_table(sm: YearModel) -> gpd.GeoDataFrame:
    """One row per built site with its GPUs, power, costs, energy and emissions (EPSG:4326 points)."""
    m, data = sm.m, sm.data
    site_ids = data.sets.SITES
    built = np.array([round(pyo.value(m.build[s])) for s in site_ids], dtype=int) == 1
    ids = [s for s, b in zip(site_ids, built) if b]
    sites = data.sites.loc[ids]
    out = pd.DataFrame(index=pd.Index(ids, name="site_id"))
    out["state"] = sites["state"]
    out["county_fips"] = sites["county_fips"]
    out["county_name"] = sites["county_name"]
    gpus_total = np.zeros(len(ids))
    pflops = np.zeros(len(ids))
    for g in data.sets.GPUS:
        blocks = np.array([round(pyo.value(m.blocks[s, g])) for s in ids], dtype=int)
        out[f"blocks_{g}"] = blocks
        out[f"gpus_{g}"] = blocks * data.block_gpus[g]
        gpus_total += blocks * data.block_gpus[g]
        pflops += blocks * data.block_pflops[g]
    out["gpus"] = gpus_total.astype(int)
    out["compute_pflops"] = pflops.round(3)
    out["it_mw"] = _values(m.it_mw, ids).round(_MW_DECIMALS)
    out["pue"] = sites["pue"]
    out["facility_mw"] = _values(m.facility_mw, ids).round(_MW_DECIMALS)
    out["headroom_mw"] = sites["headroom_mw"]
    tiers_at = {s: t for s, t in data.sets.SITES_TIERS if s in set(ids) and round(pyo.value(m.upgrade[s, t])) == 1}
    out["upgrade_tier"] = [tiers_at.get(s, "") for s in ids]
    out["upgrade_mw"] = [data.tier_mw[tiers_at[s]] if s in tiers_at else 0.0 for s in ids]
    out["land_acres"] = (out["facility_mw"] * data.costs.acres_per_mw).round(1)
    for part in ("site", "shell", "land", "gpu", "interconnect"):
        out[f"capex_{part}_usd"] = (_values(m.find_component(f"capex_{part}_musd"), ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    out["capex_usd"] = (_values(m.capex_musd, ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    # The price beyond the utility's tariff (energy at scale; else the county price), and the tariff tranche.
    out["price_usd_per_mwh"] = [data.price_usd_per_mwh[s] for s in ids]
    tariff = set(m.TARIFF_SITES) if data.tariff_usd_per_mwh else set()
    out["tariff_price_usd_per_mwh"] = [data.tariff_usd_per_mwh.get(s, np.nan) for s in ids]
    out["tariff_mw"] = [round(float(pyo.value(m.tariff_mw[s])), 6) if s in tariff else 0.0 for s in ids]
    out["energy_mwh_per_year"] = _values(m.energy_mwh_per_year, ids).round(0)
    cost_musd, co2_t = _site_energy(sm, ids)
    for source, mwh in _site_energy_mix(sm, ids).items():
        out[f"{source}_mwh_per_year"] = mwh.round(0)
    annuity = float(pyo.value(m.annuity_years))
    out["energy_cost_usd_per_year"] = (cost_musd * USD_PER_MUSD).round(_USD_DECIMALS)
    out["energy_opex_pv_usd"] = (cost_musd * annuity * USD_PER_MUSD).round(_USD_DECIMALS)
    out["co2_t_per_year"] = co2_t.round(0)
    # What the dispatch block created is its declared contract (dispatch.provided), not probed.
    hourly = provided(data)
    for asset in ("solar", "wind", "battery", "gas"):
        name = f"{asset}_mw"
        # + 0.0: a solver's -1e-9 MW rounds to -0.0, which the tables would print as "-0.0"
        out[name] = _values(m.find_component(name), ids).round(_MW_DECIMALS) + 0.0 if name in hourly else 0.0
    out["battery_mwh"] = _values(m.battery_mwh, ids).round(_MW_DECIMALS) + 0.0 if "battery_mwh" in hourly else 0.0
    out["capex_energy_usd"] = (
        (_values(m.capex_energy_musd, ids) * USD_PER_MUSD).round(_USD_DECIMALS) if "capex_energy_musd" in hourly else 0.0
    )
    # Cost of supply: energy bills plus annualised on-site assets, per MWh the campus draws.
    assets_per_year = out["capex_energy_usd"] / annuity if annuity > 0 else 0.0
    mwh = out["energy_mwh_per_year"].replace(0.0, np.nan)
    out["supply_cost_usd_per_mwh"] = ((out["energy_cost_usd_per_year"] + assets_per_year) / mwh).round(2).fillna(0.0)
    out["water_m3_per_year"] = _values(m.water_m3_per_year, ids).round(0)
    dry_sites = set(data.sets.SITES_DRY_OPTION)
    # Six decimals: water and facility MW are recomputed from this column by the checker.
    out["dry_cooled_it_mw"] = [round(pyo.value(m.dry_it_mw[s]), 6) if s in dry_sites else 0.0 for s in ids]
    if data.supply is not None:
        out = _zonal_columns(sm, ids, sites, out)
    points = sites.geometry.representative_point()
    gdf = gpd.GeoDataFrame(out, geometry=points.values, crs=sites.crs)
    return gdf.to_crs(OUTPUT_CRS)


def _zonal_columns(sm: YearModel, ids: list[str], sites: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """Zonal supply: zone, its spare firm MW, time to power and the chosen connection."""
    m, z = sm.m, sm.data.supply
    assert z is not None
    # By routes a site may take an existing station and a large connection (their MW add up).
    chosen: dict[str, list[str]] = {}
    for s, c in sm.data.sets.SITES_CONNECTIONS:
        if s in out.index and round(pyo.value(m.connect[s, c])) == 1:
            chosen.setdefault(s, []).append(c)
    conn = sm.data.inputs.supply.connections.set_index(["site_id", "option"]) if sm.data.inputs.supply is not None else None
    out["zone"] = sites["zone"]
    out["spare_firm_mw_zone"] = sites["spare_firm_mw_zone"].astype(float)

    def pick(s: str, col: str, how: Any) -> float:
        values = [float(conn.at[(s, c), col]) for c in chosen.get(s, []) if conn is not None and col in conn.columns]
        return float(how(values)) if values else 0.0

    by_routes = conn is not None and "first_power_years" in conn.columns
    out["time_to_power_years"] = (
        [pick(s, "first_power_years", min) if s in chosen else np.nan for s in ids] if by_routes
        else sites["time_to_power_years"].astype(float)
    )
    out["connection_option"] = ["+".join(chosen.get(s, [])) for s in ids]
    out["substation_kv"] = [pick(s, "class_kv", max) for s in ids]
    out["substation_km"] = [pick(s, "km", max) for s in ids]
    out["connection_mw"] = [sum(z.connection_mw[s, c] for c in chosen.get(s, [])) for s in ids]
    out["connection_cost_usd"] = out["capex_interconnect_usd"]
    return out


def supply_tables(sm: YearModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zonal supply: new generation per zone and type (non-zero rows) and firm imports per interface."""
    m, z = sm.m, sm.data.supply
    gen_cols = ["zone", "type", "new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd", "co2_t_per_year"]
    if z is None:
        return pd.DataFrame(columns=gen_cols), pd.DataFrame(columns=["from_zone", "to_zone", "mw"])
    rows = []
    energy = new_gen_energy_mwh(sm)
    for zone, t in sm.data.sets.ZONES_GEN:
        mw = float(pyo.value(m.new_gen_mw[zone, t]))
        mwh = energy.get((zone, t), 0.0)
        if mw <= 1e-6 and mwh <= 1e-6:
            continue
        rows.append({
            "zone": zone, "type": t, "new_mw": round(mw, 6), "firm_mw": round(mw * z.gen_credit[t], 6),
            "energy_mwh_per_year": round(mwh, 3), "capex_usd": round(mw * z.gen_capex_musd_per_mw[zone, t] * USD_PER_MUSD, 0),
            "cost_pv_usd": round(mw * z.gen_cost_pv_musd_per_mw[zone, t] * USD_PER_MUSD, 0),
            "co2_t_per_year": round(mwh * z.gen_co2_t_per_mwh[t], 1),
        })
    imports_mw = minimal_imports(sm)
    flows = [{"from_zone": a, "to_zone": b, "mw": round(v, 6)} for (a, b), v in imports_mw.items() if v > 1e-6]
    return pd.DataFrame(rows, columns=gen_cols), pd.DataFrame(flows, columns=["from_zone", "to_zone", "mw"])


def minimal_imports(sm: YearModel) -> dict[tuple[str, str], float]:
    """The smallest firm imports (total MW) that keep every zone's firm balance with the solution's
    campuses and new generation: imports free of wheeling cost nothing in the model, so the solver's own
    flows may circulate (GW through zones that need none); this LP reports one flow without such loops.
    With wheeling (energy at scale) the flows also pay no more wheeling than the solver's, so the cost the
    summary reports is the flows'. Falls back to the solver's flows if the LP fails."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, csr_matrix, vstack

    m, sets = sm.m, sm.data.sets
    keys = list(sets.INTERFACES)
    solved = {k: float(pyo.value(m.import_mw[k])) for k in keys}
    if not keys:
        return solved
    zones = list(sets.ZONES)
    row = {z: i for i, z in enumerate(zones)}
    out_minus_in = pd.Series(0.0, index=zones)
    for (a, b), v in solved.items():
        out_minus_in[a] += v
        out_minus_in[b] -= v
    # Each zone: campus firm MW - credited new MW + (out - in) <= spare; the room left for net exports:
    room = np.array([float(m.zone_firm[z].upper) - (float(pyo.value(m.zone_firm[z].body)) - out_minus_in[z]) for z in zones])
    rows_i = [row[a] for a, _ in keys] + [row[b] for _, b in keys]
    a_ub = coo_matrix(([1.0] * len(keys) + [-1.0] * len(keys), (rows_i, list(range(len(keys))) * 2)), shape=(len(zones), len(keys)))
    bounds = [(0.0, float(m.import_mw[k].ub)) for k in keys]
    a_ub = a_ub.tocsr()
    b_ub = room + 1e-6
    wheel = np.array([sm.data.supply.wheeling_usd_per_mwh.get(k, 0.0) for k in keys]) if sm.data.supply is not None else np.zeros(len(keys))
    if wheel.any():  # no more wheeling than the solver's flows pay ($/MWh x MW, a common factor of hours dropped)
        paid = float(wheel @ np.array([solved[k] for k in keys]))
        a_ub = vstack([a_ub, csr_matrix(wheel[None, :])]).tocsr()
        b_ub = np.append(b_ub, paid * (1 + 1e-9) + 1e-9)
    res = linprog(np.ones(len(keys)), A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        return solved
    return {k: max(0.0, float(x)) for k, x in zip(keys, res.x)}


def new_gen_energy_mwh(sm: YearModel) -> dict[tuple[str, str], float]:
    """MWh per year of each new plant: annual mode its energy variable; hourly mode the new gas output
    dispatched, and for new solar / wind their output before spill (CF x MW over the weighted hours)."""
    m, data = sm.m, sm.data
    if data.energy is None:
        return {k: float(pyo.value(m.new_gen_mwh[k])) for k in data.sets.ZONES_GEN_ENERGY}
    weights = data.energy.weights
    out: dict[tuple[str, str], float] = {}
    hourly = provided(data)
    for zone, t in data.sets.ZONES_GEN:
        if zone not in data.sets.SITES_IN_DISPATCH_ZONE:
            continue
        if t in ("gas_cc", "gas_ct") and "new_gas_gen_mw" in hourly:
            out[zone, t] = sum(w * float(pyo.value(m.new_gas_gen_mw[zone, t, d, h])) for (d, h), w in weights.items())
        elif t in ("solar", "onshore_wind"):
            cf = (data.energy.solar_cf if t == "solar" else data.energy.wind_cf)[zone]
            out[zone, t] = float(pyo.value(m.new_gen_mw[zone, t])) * float((cf * weights).sum())
    return out


def _new_gen_energy_terms(sm: YearModel) -> tuple[float, float]:
    """New generation's energy cost (M$/yr, carbon included) and CO2 (t/yr): annual mode net of the grid
    energy it displaces (model/milp/components/supply.py); hourly mode the new gas plants' own fuel, VOM
    and CO2 (the grid energy they displace is simply not bought in the dispatch)."""
    m, z = sm.m, sm.data.supply
    assert z is not None
    if sm.data.energy is None:
        return float(pyo.value(m.new_gen_energy_cost_musd_per_year)), float(pyo.value(m.new_gen_co2_t_per_year))
    energy = new_gen_energy_mwh(sm)
    gas = {k: v for k, v in energy.items() if k[1] in ("gas_cc", "gas_ct")}
    co2 = sum(z.gen_co2_t_per_mwh[t] * mwh for (_, t), mwh in gas.items())
    usd = sum(z.gen_usd_per_mwh[k] * mwh for k, mwh in gas.items())
    return (usd + float(pyo.value(m.carbon_price_usd_per_tco2)) * co2) / USD_PER_MUSD, co2


def _supply_summary(sm: YearModel | None, sites: pd.DataFrame | None, has: bool) -> _SupplySummary:
    """Summary keys of the zonal supply (empty or null in legacy mode and without a solution)."""
    if not has or sm is None or sm.data.supply is None or sites is None:
        return {"supply_model": sm.data.inputs.scenario.supply.model if sm else None, "new_generation_mw_by_type": {},
                "new_generation_capex_usd": None, "new_generation_cost_pv_usd": None,
                "new_generation_energy_cost_pv_usd": None, "new_generation_co2_t_per_year": None, "import_wheeling_pv_usd": None,
                "facility_mw_by_zone": {}, "new_generation": [], "zone_imports": []}
    m = sm.m
    gen, flows = supply_tables(sm)
    energy_musd, co2_t = _new_gen_energy_terms(sm)
    return {
        "supply_model": "zonal",
        "new_generation_mw_by_type": gen.groupby("type")["new_mw"].sum().round(_MW_DECIMALS).to_dict(),
        "new_generation_capex_usd": round(float(pyo.value(m.new_gen_capex_musd)) * USD_PER_MUSD, 0),
        # What the budget counts: annualised capex + FOM over the horizon (overnight capex above).
        "new_generation_cost_pv_usd": round(float(pyo.value(m.new_gen_cost_pv_musd)) * USD_PER_MUSD, 0),
        # A part of the total cost in annual mode only: in hourly mode the new plants' fuel is in the zones'
        # dispatch cost, so in energy_opex_pv_usd already (reported again it would be counted twice).
        "new_generation_energy_cost_pv_usd": (
            None if sm.data.energy is not None else round(energy_musd * float(pyo.value(m.annuity_years)) * USD_PER_MUSD, 0)
        ),
        "new_generation_co2_t_per_year": round(co2_t, 0),
        # Energy at scale: wheeling paid on firm imports between transmission providers, over the horizon.
        "import_wheeling_pv_usd": round(float(pyo.value(m.import_cost_musd_per_year)) * float(pyo.value(m.annuity_years)) * USD_PER_MUSD, 0),
        "facility_mw_by_zone": sites.groupby("zone")["facility_mw"].sum().round(_MW_DECIMALS).to_dict(),
        "new_generation": gen.to_dict(orient="records"),
        "zone_imports": flows.to_dict(orient="records"),
    }


def _site_energy(sm: YearModel, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Annual energy cost (M$) and CO2 (t) per built site. In hourly mode these are zone totals,
    shared among the zone's campuses in proportion to the energy each draws."""
    m = sm.m
    if sm.data.energy is None:  # annual energy: per-site cost and CO2 (model/milp/components/energy.py)
        # Energy at scale: the tariff tranche's discount is the site's own.
        return _values(m.energy_cost_musd_per_year, ids) + _tariff_discount(sm, ids), _values(m.co2_t_per_year, ids)
    zone_of = pd.Series(sm.data.sets.DISPATCH_ZONE_OF)
    mwh = pd.Series({s: pyo.value(m.energy_mwh_per_year[s]) for s in sm.data.sets.SITES})
    zone_mwh = mwh.groupby(zone_of.loc[mwh.index]).sum()
    share = np.array([mwh[s] / zone_mwh[zone_of[s]] if zone_mwh[zone_of[s]] > 0 else 0.0 for s in ids])
    zones = [zone_of[s] for s in ids]
    # Premiums of dearer sites (model/components/dispatch.py) are their own; the rest is shared.
    premium = pd.Series({s: pyo.value(m.grid_premium_musd_per_year[s]) for s in m.SITES_PREMIUM}, dtype=float)
    premium_co2 = pd.Series({s: pyo.value(m.grid_premium_co2_t_per_year[s]) for s in m.SITES_PREMIUM}, dtype=float)
    zone_premium = premium.groupby(zone_of.loc[premium.index]).sum() if len(premium) else pd.Series(dtype=float)
    zone_premium_co2 = premium_co2.groupby(zone_of.loc[premium_co2.index]).sum() if len(premium_co2) else pd.Series(dtype=float)
    shared = np.array([pyo.value(m.energy_cost_musd_per_year_zone[z]) - zone_premium.get(z, 0.0) for z in zones])
    shared_co2 = np.array([pyo.value(m.co2_t_per_year_zone[z]) - zone_premium_co2.get(z, 0.0) for z in zones])
    cost = shared * share + premium.reindex(ids).fillna(0.0).to_numpy() + _tariff_discount(sm, ids)
    co2 = shared_co2 * share + premium_co2.reindex(ids).fillna(0.0).to_numpy()
    return cost, co2


def _tariff_discount(sm: YearModel, ids: list[str]) -> np.ndarray:
    """Energy at scale: each site's own tariff-tranche discount (M$ a year, <= 0; zeros without one)."""
    if not sm.data.tariff_usd_per_mwh:
        return np.zeros(len(ids))
    tariff = set(sm.m.TARIFF_SITES)
    return np.array([float(pyo.value(sm.m.tariff_discount_musd[s])) if s in tariff else 0.0 for s in ids])


# Energy sources of the hourly model: output column stem -> dispatch variable or expression.
MIX_SOURCES = {
    "grid": "grid_import_mw",
    "solar": "solar_gen_mw",
    "wind": "wind_gen_mw",
    "gas": "gas_gen_mw",
    "battery_discharge": "discharge_mw",
    "curtailed": "curtail_mw",
}


def _site_energy_mix(sm: YearModel, ids: list[str]) -> dict[str, np.ndarray]:
    """Annual MWh by source per built site: the whole load from the grid in annual mode; in hourly
    mode the zone's supply, shared in proportion to each campus' energy (dispatch is per zone)."""
    m = sm.m
    if sm.data.energy is None:
        return {"grid": _values(m.energy_mwh_per_year, ids)}
    zone_of = pd.Series(sm.data.sets.DISPATCH_ZONE_OF)
    weights = sm.data.energy.weights.to_dict()
    all_mwh = pd.Series({s: pyo.value(m.energy_mwh_per_year[s]) for s in sm.data.sets.SITES})
    mwh = all_mwh.loc[ids].to_numpy()
    zone_mwh = all_mwh.groupby(zone_of.loc[all_mwh.index]).sum()
    share = np.array([mwh[i] / zone_mwh[zone_of[s]] if zone_mwh[zone_of[s]] > 0 else 0.0 for i, s in enumerate(ids)])
    mix = {}
    hourly = provided(sm.data)
    for source, name in MIX_SOURCES.items():
        component = m.find_component(name) if name in hourly else None
        totals = {
            z: sum(w * pyo.value(component[(z, *h)]) for h, w in weights.items()) if component is not None else 0.0
            for z in {zone_of[s] for s in ids}
        }
        mix[source] = np.array([totals[zone_of[s]] for s in ids]) * share
    if "new_gas_gen_mw" in hourly:  # zonal supply: the zone's new gas plants, shared the same way
        gas_new = {z: 0.0 for z in {zone_of[s] for s in ids}}
        for zone, t, d, h in m.new_gas_gen_mw:
            if zone in gas_new:
                gas_new[zone] += weights[d, h] * float(pyo.value(m.new_gas_gen_mw[zone, t, d, h]))
        mix["new_gas"] = np.array([gas_new[zone_of[s]] for s in ids]) * share
    return mix


def dispatch_table(sm: YearModel) -> pd.DataFrame | None:
    """Hourly dispatch per zone and representative hour (hourly mode only), in MW."""
    m = sm.m
    energy = sm.data.energy
    if energy is None:
        return None
    rows = []
    hourly = provided(sm.data)
    get = lambda name, key: float(pyo.value(m.find_component(name)[key])) if name in hourly else 0.0  # noqa: E731
    # The zone's reference rates (its cheapest / cleanest candidate's); dearer sites' premiums are
    # in their own energy cost in the sites table (model/components/dispatch.py).
    active = sm.data.sites.loc[list(sm.data.sets.SITES)]
    zone_of = pd.Series(sm.data.sets.DISPATCH_ZONE_OF).loc[active.index]
    # The sites' grid price as the model has it (energy at scale: beyond the utility's tariff).
    price = pd.Series(sm.data.price_usd_per_mwh, dtype=float).loc[active.index].groupby(zone_of).min()
    co2 = active.groupby(zone_of)["co2_kg_per_mwh"].min()
    new_gas: dict[tuple[str, int, int], float] = defaultdict(float)
    if "new_gas_gen_mw" in hourly:
        for zone, t, d, h in m.new_gas_gen_mw:
            new_gas[zone, d, h] += float(pyo.value(m.new_gas_gen_mw[zone, t, d, h]))
    for z in m.DISPATCH_ZONES:
        load = float(pyo.value(m.zone_load_mw[z]))
        if load <= 1e-9:  # zones without campuses have nothing to dispatch
            continue
        for d, t in m.HOURS:
            key = (z, d, t)
            rows.append(
                {
                    "zone": z,
                    "day": d,
                    "hour": t,
                    "weight_h": float(energy.weights[(d, t)]),
                    "load_mw": load,
                    "grid_import_mw": get("grid_import_mw", key),
                    "solar_mw": get("solar_gen_mw", key),
                    "wind_mw": get("wind_gen_mw", key),
                    "gas_mw": get("gas_gen_mw", key),
                    "new_gas_mw": new_gas.get(key, 0.0),
                    "charge_mw": get("charge_mw", key),
                    "discharge_mw": get("discharge_mw", key),
                    "soc_mwh": get("soc_mwh", key),
                    "curtail_mw": get("curtail_mw", key),
                    "spill_mw": get("spill_mw", key),
                    "clean_mw": get("clean_mw", key),
                    "price_usd_per_mwh": float(price[z] * energy.price_factor.at[(d, t), z]),
                    "co2_kg_per_mwh": float(co2[z] * energy.co2_factor.at[(d, t), z]),
                }
            )
    return pd.DataFrame(rows, columns=DISPATCH_COLUMNS)


DISPATCH_COLUMNS = [
    "zone", "day", "hour", "weight_h", "load_mw", "grid_import_mw", "solar_mw", "wind_mw", "gas_mw", "new_gas_mw",
    "charge_mw", "discharge_mw", "soc_mwh", "curtail_mw", "spill_mw", "clean_mw", "price_usd_per_mwh", "co2_kg_per_mwh",
]


def energy_by_source(dispatch: pd.DataFrame | None, sites: pd.DataFrame) -> dict[str, float]:
    """Annual MWh by source; annual mode buys everything from the grid."""
    if dispatch is None:
        return {"grid_import": float(sites["energy_mwh_per_year"].sum())}
    w = dispatch["weight_h"]
    cols = {
        "grid_import": "grid_import_mw",
        "solar": "solar_mw",
        "wind": "wind_mw",
        "gas": "gas_mw",
        "new_gas": "new_gas_mw",
        "battery_discharge": "discharge_mw",
        "battery_charge": "charge_mw",
        "curtailed": "curtail_mw",
        "spilled": "spill_mw",
    }
    return {k: round(float((dispatch[c] * w).sum()), 1) for k, c in cols.items()}


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


class _SupplySummary(TypedDict):
    """The zonal-supply keys of summary.json (:func:`_supply_summary`; part of :class:`_SummaryCore`)."""

    supply_model: str | None  # legacy | zonal
    new_generation_mw_by_type: dict[str, float]
    new_generation_capex_usd: float | None  # overnight
    new_generation_cost_pv_usd: float | None  # what the budget counts over the horizon
    new_generation_energy_cost_pv_usd: float | None
    new_generation_co2_t_per_year: float | None
    import_wheeling_pv_usd: float | None  # energy at scale: wheeling on firm imports over the horizon
    facility_mw_by_zone: dict[str, float]
    new_generation: list[dict[str, Any]]
    zone_imports: list[dict[str, Any]]


class _SummaryCore(_SupplySummary):
    """summary.json: one name and one unit per figure (units in the names; money in USD, power in MW,
    energy in MWh, CO2 in t). Every key is present whatever the status (null or empty when unknown).
    The engine adds the ``explain`` keys (marginal_values, runner_ups, near_tie) and ``seed``."""

    scenario: str | None
    kind: str | None  # snapshot (one period) | multi_year ([pathway] years: the by-year keys below are present)
    status: str | None  # optimal, time_limit, time_limit_no_solution, interrupted, infeasible, ...
    objective_sense: str | None  # max_compute | min_cost
    objective: float | None  # in objective_unit: equals compute_pflops or total_cost_usd
    objective_unit: str | None  # PFLOPS | USD
    mip_gap: float | None
    dual_bound: float | None  # in objective_unit
    precision: str | None  # fp8 | bf16 (dense)
    compute_pflops: float | None
    gpus: int | None
    gpus_by_type: dict[str, int]
    capex_usd: float | None
    capex_usd_by_part: dict[str, float]  # site, shell, land, gpu, interconnect
    energy_opex_pv_usd: float | None
    total_cost_usd: float | None  # capex + energy PV (+ new generation in zonal mode)
    budget_usd: float | None
    equity_usd: float | None
    debt_usd: float | None
    budget_includes_opex: bool | None
    debt_to_equity: float | None
    it_mw: float | None
    facility_mw: float | None
    facility_mw_by_state: dict[str, float]
    sites_built: int
    energy_mwh_per_year: float | None
    co2_t_per_year: float | None  # the campuses' grid energy (new generation: new_generation_co2_t_per_year)
    water_m3_per_year: float | None
    energy_mwh_by_source: dict[str, float]
    onsite_mw: dict[str, float]  # solar, wind, battery, gas
    candidates: int | None
    model_size: dict[str, int]  # rows, columns, nonzeros
    solver: dict[str, Any]
    seconds: dict[str, float]  # load, build, seed, translate, solve, explain, write
    scenario_sha256: str
    data_sha256: str
    diagnosis: dict[str, Any] | None  # infeasible runs: relaxations and message


class RunSummary(_SummaryCore, total=False):
    """:class:`_SummaryCore` plus what the engine adds: the explanation (runs with a solution) and
    the hourly seed."""

    marginal_values: list[dict[str, Any]]
    runner_ups: list[dict[str, Any]]
    near_tie: bool
    seed: dict[str, Any]
    # The second-stage cleanup (model/workflows/cleanup.py): rule, status, removed fragments, objective before
    # and after, relative_cost, sites_near_gap (campuses whose share of the plan is below the MIP gap).
    cleanup: dict[str, Any]
    # Multi-year runs (model.results.timeline.time_summary): physical keys above are at the horizon end,
    # money keys (capex_usd, capex_usd_by_part, energy_opex_pv_usd, total_cost_usd) over the horizon.
    years: list[int]
    first_year: int
    last_year: int
    horizon_end: float
    it_mw_online_by_year: dict[int, float]
    facility_mw_online_by_year: dict[int, float]
    pflops_online_by_year: dict[int, float]
    capex_usd_by_year: dict[int, float]
    revenue_usd_by_year: dict[int, float]
    opex_usd_by_year: dict[int, float]
    co2_t_by_year: dict[int, float]
    investor: dict[str, Any]
    npv_usd: float | None  # levered equity NPV incl. the discounted horizon value
    npv_excl_horizon_value_usd: float | None
    horizon_value_usd: float | None  # residual value less nothing, discounted to the start
    horizon_value_basis: str
    irr: float | None
    npv_model_usd: float | None
    cost_pv_usd: float | None
    pflops_years_discounted: float | None
    final_it_mw_online: float | None
    sites_by_first_source: dict[str, int]
    gpus_installed_by_type: dict[str, float]
    revenue_usd: float | None
    opex_usd: float | None
    co2_t: float | None
    rounding: dict[str, Any]
    candidates_screened: int  # multi-year runs over screened candidates (model/workflows/screening.py)
    candidate_certificate: dict[str, Any]
    # pathway.tornado = true (model/workflows/tornado.py): NPV at each lever's low and high end.
    tornado: dict[str, Any]


# The summary reports the objective in the unit of the figure it equals (the model works in M$).
OBJECTIVE_UNIT = {"max_compute": "PFLOPS", "min_cost": "USD", "max_npv": "USD",
                  "max_compute_years": "PFLOPS-years (discounted)"}


def objective_sense(scenario: Any) -> str:
    """The objective the model optimises: ``[pathway] objective`` over several years, else ``[objective] sense``."""
    return scenario.pathway.objective if scenario.pathway is not None else scenario.objective.sense


def objective_in_unit(scenario: Any, model_value: float | None) -> float | None:
    """A value of the model's objective (PFLOPS or PFLOPS-years, or M$) in the summary's unit (the same, or USD)."""
    if model_value is None:
        return None
    unit = OBJECTIVE_UNIT[objective_sense(scenario)]
    return model_value * USD_PER_MUSD if unit == "USD" else model_value


def summary_dict(
    sm: YearModel | None,
    result: SolveResult | None,
    sites: gpd.GeoDataFrame | None,
    seconds: dict[str, float],
    scenario_sha256: str,
    data_sha256: str,
    dispatch: pd.DataFrame | None = None,
) -> RunSummary:
    """The run's headline numbers (:class:`RunSummary`); every key is present whatever the status."""
    sc = sm.data.inputs.scenario if sm is not None else None
    has = result is not None and result.has_solution and sites is not None
    m = sm.m if sm is not None else None
    gpus_by_type: dict[str, int] = {}
    if has:
        assert sm is not None and sites is not None  # a solution comes from a built model; ``has`` checks sites
        gpus_by_type = {g: int(sites[f"gpus_{g}"].sum()) for g in sm.data.sets.GPUS}
    summary: RunSummary = {  # type: ignore[typeddict-item]  # the supply keys are added below
        "scenario": sc.name if sc else None,
        "kind": ("snapshot" if sm.data.horizon is None or sm.data.horizon.snapshot else "multi_year") if sm else None,
        "status": result.status if result else None,
        "objective_sense": objective_sense(sc) if sc else None,
        # In the unit of the figure the objective equals: compute_pflops (PFLOPS) or total_cost_usd (USD).
        "objective": objective_in_unit(sc, _finite(result.objective)) if result and sc else None,
        "objective_unit": OBJECTIVE_UNIT[objective_sense(sc)] if sc else None,
        "mip_gap": _finite(result.mip_gap) if result else None,
        "dual_bound": objective_in_unit(sc, _finite(result.dual_bound)) if result and sc else None,
        "precision": sc.gpus.precision if sc else None,
        "compute_pflops": round(float(sites["compute_pflops"].sum()), 3) if has else None,
        "gpus": int(sites["gpus"].sum()) if has else None,
        "gpus_by_type": gpus_by_type,
        "capex_usd": float(sites["capex_usd"].sum()) if has else None,
        "capex_usd_by_part": {
            part: float(sites[f"capex_{part}_usd"].sum()) for part in ("site", "shell", "land", "gpu", "interconnect")
        }
        if has
        else {},
        "energy_opex_pv_usd": float(sites["energy_opex_pv_usd"].sum()) if has else None,
        "total_cost_usd": round(pyo.value(m.total_cost_musd) * USD_PER_MUSD, 0) if has else None,
        "budget_usd": sc.budget.total_usd if sc and sc.budget else None,
        "equity_usd": sc.budget.equity_usd if sc and sc.budget else None,
        "debt_usd": sc.budget.debt_usd if sc and sc.budget else None,
        "budget_includes_opex": sc.budget.include_opex if sc and sc.budget else None,
        "debt_to_equity": (sc.budget.debt_usd / sc.budget.equity_usd) if sc and sc.budget else None,
        "it_mw": round(float(sites["it_mw"].sum()), _MW_DECIMALS) if has else None,
        "facility_mw": round(float(sites["facility_mw"].sum()), _MW_DECIMALS) if has else None,
        "facility_mw_by_state": sites.groupby("state")["facility_mw"].sum().round(_MW_DECIMALS).to_dict() if has else {},
        "sites_built": int(len(sites)) if has else 0,
        "energy_mwh_per_year": float(sites["energy_mwh_per_year"].sum()) if has else None,
        # The total the carbon rules see: with zonal supply it includes new generation's CO2 less the grid
        # CO2 its energy displaces (the sites table's per-site CO2 is their grid energy's).
        "co2_t_per_year": round(float(pyo.value(m.co2_t_per_year_total)), 0) if has else None,
        "water_m3_per_year": float(sites["water_m3_per_year"].sum()) if has else None,
        "energy_mwh_by_source": energy_by_source(dispatch, sites) if has else {},
        "onsite_mw": {a: float(sites[f"{a}_mw"].sum()) for a in ("solar", "wind", "battery", "gas")} if has else {},
        "candidates": len(sm.data.sets.SITES) if sm else None,
        "model_size": {"rows": result.rows, "columns": result.columns, "nonzeros": result.nonzeros} if result else {},
        "solver": {
            "name": "HiGHS",
            "route": result.route if result else None,
            "time_limit_s": sc.solver.time_limit_s if sc else None,
            "mip_gap_target": sc.solver.mip_gap if sc else None,
            "threads": sc.solver.threads if sc else None,
        },
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "scenario_sha256": scenario_sha256,
        "data_sha256": data_sha256,
        "diagnosis": None,
    }
    summary.update(_supply_summary(sm, sites, has))
    return summary


def sites_flat(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """The sites table for spreadsheets: every column of sites.gpkg but the geometry, plus lon/lat."""
    lonlat = sites.geometry.to_crs("EPSG:4326")
    flat = pd.DataFrame(sites.drop(columns="geometry")).reset_index()
    flat.insert(1, "lon", lonlat.x.round(6).to_numpy())
    flat.insert(2, "lat", lonlat.y.round(6).to_numpy())
    return flat


def write_sites_tables(out_dir: Path, sites: gpd.GeoDataFrame) -> None:
    """sites.gpkg, sites.csv and sites.xlsx: one row per built site, the same columns in each."""
    sites.reset_index().to_file(out_dir / "sites.gpkg", layer="sites", driver="GPKG")
    flat = sites_flat(sites)
    flat.to_csv(out_dir / "sites.csv", index=False)
    # Excel cannot hold lists or dicts in a cell; every column here is a number or text.
    flat.to_excel(out_dir / "sites.xlsx", index=False, sheet_name="sites")


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, allow_nan=False) + "\n")
