"""Zonal supply inputs (``[supply] model = "zonal"``, docs/supply_model.md): each candidate's ReEDS zone,
time to power and grid-connection options, and per zone the spare firm MW, the NARIS interface limits
and the new generation an investor may build there.

Everything is computed here with pandas, once; the MILP block (model/milp/components/supply.py) only
reads :class:`SupplyData`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.errors import InputDataError
from model.inputs.datasets import (
    DEFAULT_DATA_DIR,
    load_connection_classes,
    load_construction_years,
    load_county_substations,
    load_county_time_to_power,
    load_county_zone,
    load_new_generation_costs,
    load_zone_supply,
    load_zone_transfers,
)
from model.inputs.timeseries import load_energy_costs, load_energy_profiles

# Energy types whose annual output is capped by the zone's capacity factor (energy_profiles.csv).
CF_COLUMN = {"solar": "solar_cf", "onshore_wind": "wind_cf"}


@dataclass(frozen=True)
class SupplyData:
    """Zonal supply: zones, interfaces, new-generation types and per-site connection options."""

    zones: pd.DataFrame  # index zone: spare_firm_mw, state (for CFs)
    transfers: pd.DataFrame  # from_zone, to_zone, mw (directed limits, NARIS AC + DC ties)
    generation: pd.DataFrame  # index type: capex_usd_per_kw, fom_usd_per_kw_yr, vom_usd_per_mwh, heat_rate_mmbtu_per_mwh, life_years, capacity_credit, construction_years (optional: 0)
    energy_share: pd.DataFrame  # index zone, columns type: max annual energy / (MW x 8760 h)
    connections: pd.DataFrame  # site_id, option, voltage_class, class_kv, km, mw, cost_usd (non-dominated options)
    spare_share: float  # share of spare_firm_mw new campuses may claim
    import_share: float  # share of each interface limit firm imports may use
    gas_fuel_usd_per_mmbtu: float
    gas_co2_kg_per_mmbtu: float


def connection_options(sites: pd.DataFrame, classes: pd.DataFrame, km_by_class: pd.DataFrame) -> pd.DataFrame:
    """Per site and voltage class: spur km, deliverable MW and cost (substation + spur $/km x km).

    ``km_by_class`` is indexed like ``sites`` with one column per class (``km_class_<k>``; NaN: no option).
    Options another option of the same site dominates (at least as many MW for no more money) are dropped:
    they could never be chosen, and fewer binaries help HiGHS.
    """
    rows = []
    for k, c in classes.iterrows():
        col = f"km_class_{k}"
        if col not in km_by_class:
            continue
        km = km_by_class[col].astype(float)
        rows.append(pd.DataFrame({
            "site_id": sites.index.to_numpy(), "option": f"kv{int(c['class_kv'])}", "voltage_class": int(k),
            "class_kv": float(c["class_kv"]), "km": km.to_numpy(), "mw": float(c["deliverable_mw"]),
            "cost_usd": float(c["substation_usd"]) + float(c["spur_usd_per_km"]) * km.to_numpy(),
        }))
    opts = pd.concat(rows, ignore_index=True).dropna(subset=["km"])
    # Dominance within a site: sort by MW descending, cost ascending; keep an option only if it is
    # strictly cheaper than every option with at least its MW.
    opts = opts.sort_values(["site_id", "mw", "cost_usd"], ascending=[True, False, True], kind="stable")
    cheapest_above = opts.groupby("site_id")["cost_usd"].cummin().groupby(opts["site_id"]).shift(1)
    keep = cheapest_above.isna() | (opts["cost_usd"] < cheapest_above - 1e-6)
    return opts.loc[keep].sort_values(["site_id", "voltage_class"]).reset_index(drop=True)


def zone_energy_share(generation: pd.DataFrame, zones: pd.DataFrame, profiles: pd.DataFrame | None) -> pd.DataFrame:
    """Max annual energy per MW as a share of 8,760 h: the table's value, or the zone state's CF."""
    out = pd.DataFrame(index=zones.index)
    for t, row in generation.iterrows():
        if t in CF_COLUMN and profiles is not None:
            out[t] = zones["state"].map(profiles[CF_COLUMN[str(t)]]).fillna(0.0).to_numpy()
        else:
            share = row.get("max_energy_share", 0.0)
            out[t] = 0.0 if pd.isna(share) else float(share)
    return out


def attach_zone_facts(
    sites: pd.DataFrame, county_zone: pd.DataFrame, zones: pd.DataFrame, ttp: pd.DataFrame | None
) -> pd.DataFrame:
    """Add ``zone``, ``spare_firm_mw_zone`` and ``time_to_power_years`` (which replaces ``queue_years``,
    read by the time_to_power policy) from each candidate's county."""
    out = sites.copy()
    fips = out["county_fips"].astype(str)
    out["zone"] = fips.map(county_zone["zone"])
    missing = out["zone"].isna()
    if missing.any():
        raise InputDataError(f"county_zone.csv: no zone for county '{fips[missing].iloc[0]}' (site {out.index[missing][0]})")
    unknown = ~out["zone"].isin(zones.index)
    if unknown.any():
        raise InputDataError(f"zone_supply.csv: no row for zone '{out.loc[unknown, 'zone'].iloc[0]}'")
    out["spare_firm_mw_zone"] = out["zone"].map(zones["spare_firm_mw"]).astype(float)
    if ttp is not None:
        years = fips.map(ttp["median_years"])
        if years.isna().any():
            raise InputDataError(f"county_time_to_power.csv: no row for county '{fips[years.isna()].iloc[0]}'")
        out["time_to_power_years"] = years.astype(float)
    elif "time_to_power_years" not in out:
        out["time_to_power_years"] = out["queue_years"].astype(float)
    out["queue_years"] = out["time_to_power_years"]
    return out


def site_km_by_class(sites: pd.DataFrame, county_km: pd.DataFrame) -> pd.DataFrame:
    """km to a substation of each class per site: a substation candidate connects at its own class with
    no spur (0 km, higher classes not offered); any other candidate uses its county's nearest stations
    (from the county's representative point: an approximation for user points)."""
    classes = [c for c in county_km.columns if str(c).startswith("km_class_")]
    km = county_km[classes].reindex(sites["county_fips"].astype(str).to_numpy())
    km.index = sites.index
    if "voltage_class" in sites:
        cls = sites["voltage_class"].astype(int)
        for col in km.columns:
            k = int(col.removeprefix("km_class_"))
            km[col] = np.where(cls == k, 0.0, np.nan)
    return km


def load_supply(sites: pd.DataFrame, spare_share: float, import_share: float, types: list[str],
                data_dir: Path = DEFAULT_DATA_DIR) -> tuple[pd.DataFrame, SupplyData]:
    """The candidates with their zone columns, and the zonal supply data, from the default tables."""
    zones = load_zone_supply(data_dir)
    sites = attach_zone_facts(sites, load_county_zone(data_dir), zones, load_county_time_to_power(data_dir))
    generation_table = load_new_generation_costs(data_dir)
    unknown = [t for t in types if t not in generation_table.index]
    if unknown:
        raise InputDataError(f"{data_dir / 'new_generation_costs.csv'}: no row for type '{unknown[0]}' (supply.new_generation names it)")
    generation = generation_table.loc[list(dict.fromkeys(types))]
    # Years from notice to proceed to operation: what a time_to_power deadline compares (estimates).
    generation["construction_years"] = generation.index.map(load_construction_years(data_dir)).astype(float)
    if generation["construction_years"].isna().any():
        raise InputDataError(f"time_to_power.csv: no construction row for '{generation.index[generation['construction_years'].isna()][0]}'")
    classes = load_connection_classes(data_dir)
    connections = connection_options(sites, classes, site_km_by_class(sites, load_county_substations(data_dir)))
    no_option = sites.index.difference(pd.Index(connections["site_id"].unique()))
    if len(no_option):
        raise InputDataError(f"county_substation.csv: no connection option for site '{no_option[0]}'")
    energy_costs = load_energy_costs(data_dir)
    supply = SupplyData(
        zones=zones,
        transfers=load_zone_transfers(data_dir),
        generation=generation,
        energy_share=zone_energy_share(generation, zones, load_energy_profiles(data_dir)),
        connections=connections,
        spare_share=spare_share,
        import_share=import_share,
        gas_fuel_usd_per_mmbtu=float(energy_costs["gas_fuel_usd_per_mmbtu"]),
        gas_co2_kg_per_mmbtu=float(energy_costs["gas_co2_kg_per_mmbtu"]),
    )
    return sites, supply
