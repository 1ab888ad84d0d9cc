"""Zonal supply inputs (``[supply] model = "zonal"``, docs/supply_model.md): each candidate's ReEDS zone,
time to power and grid-connection options, and per zone the spare firm MW, the NARIS interface limits
and the new generation an investor may build there; per zone and model year (2026-2035) the peak,
reserve margin, committed data-center load and spare firm MW, the delivered gas price, and per zone and
type the regional capital-cost multiplier of new generation (docs/supply_data.md).

Everything is computed here with pandas, once; the MILP block (model/milp/components/supply.py) only
reads :class:`SupplyData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.errors import InputDataError
from model.core.tables import Schema, indexed_by, read_csv
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
from model.inputs.routes_data import load_power_routes, site_routes
from model.inputs.timeseries import load_energy_costs, load_energy_profiles

# Energy types whose annual output is capped by the zone's capacity factor (energy_profiles.csv).
CF_COLUMN = {"solar": "solar_cf", "onshore_wind": "wind_cf"}

ZONE_YEAR_FILE = "zone_supply_by_year.csv"
GAS_PRICE_FILE = "zone_gas_price.csv"
CAPEX_MULTIPLIER_FILE = "zone_capex_multiplier.csv"
ZONE_YEAR_COLUMNS = ("energy_mwh", "peak_mw", "reserve_margin", "accredited_mw", "committed_dc_mw", "spare_firm_mw")
ZONE_YEAR_SCHEMA: Schema = {"zone": "str", "year": "int", **dict.fromkeys(ZONE_YEAR_COLUMNS, "float"), "source": "str"}
GAS_PRICE_SCHEMA: Schema = {
    "zone": "str", "year": "int", "gas_usd_per_mmbtu": "float", "gas_usd2024_per_mmbtu": "float", "source": "str",
}  # fmt: skip


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
    # Per zone and model year (empty when built by hand, e.g. in tests). Index (zone, year): energy_mwh,
    # peak_mw, reserve_margin, accredited_mw, committed_dc_mw, spare_firm_mw (zone_supply_by_year.csv).
    zone_years: pd.DataFrame = field(default_factory=pd.DataFrame)
    spare_firm_mw_by_year: pd.DataFrame = field(default_factory=pd.DataFrame)  # index zone, columns year (int)
    gas_usd_per_mmbtu_by_year: pd.DataFrame = field(default_factory=pd.DataFrame)  # index zone, columns year; 2023 $
    capex_multiplier: pd.DataFrame = field(default_factory=pd.DataFrame)  # index zone, columns type (x capex_usd_per_kw)
    base_year: int | None = None  # the model year zones["spare_firm_mw"] is for (zone_supply.csv base_year)
    # The marginal energy cost and CO2 the campuses' new generation displaces, per zone (and year): the
    # variable cost of a gas combined cycle at the zone's gas price (docs/supply_model.md). Empty: the
    # model falls back to the scenario's gas_cc type if it has one, else no energy credit.
    marginal_usd_per_mwh_by_year: pd.DataFrame = field(default_factory=pd.DataFrame)  # index zone, columns year
    marginal_co2_kg_per_mwh: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # index zone
    # Routes to power (county candidates, data/county_routes.csv): ``connections`` then carries ``group``
    # (existing_station | large_connection: at most one of each per site) and ``first_power_years``; the
    # flexible (non-firm) service at the existing station and the on-site gas route, per site. Empty: every
    # connection is one choice available at once (user points, hand-made data).
    flexible: pd.DataFrame = field(default_factory=pd.DataFrame)  # index site_id: mw, first_power_years
    onsite: pd.DataFrame = field(default_factory=pd.DataFrame)  # index site_id: mw, first_power_years, usd_per_mw


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


KV_CLASS = {69: 1, 115: 2, 138: 3, 161: 4, 230: 5, 345: 6, 500: 7}  # the voltage classes' order, for reports


def route_connections(routes: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Connection options from the candidates' route rows (model.inputs.routes_data.site_routes): each existing
    substation (group existing_station) and each large connection (group large_connection: a new substation
    on a 230/345/500 kV line, or on the queue basis the same with the queue's date), with MW, cost and first-
    power years. A large option another one dominates (no fewer MW, no more cost, no later) is dropped."""
    large = "new_substation_line" if basis == "routes" else "firm_queue"
    rows = routes.loc[routes["route"].isin(["existing_substation", large])].copy()
    prefix = rows["route"].map({"existing_substation": "station", large: "new" if basis == "routes" else "queue"})
    kv = rows["variant"].str.removeprefix("kv").astype(int)
    km = rows["basis"].str.extract(r"at ([0-9.]+) km", expand=False).astype(float)
    out = pd.DataFrame({
        "site_id": rows["site_id"].astype(str).to_numpy(), "option": (prefix + "_" + rows["variant"]).to_numpy(),
        "voltage_class": kv.map(KV_CLASS).fillna(0).astype(int).to_numpy(), "class_kv": kv.astype(float).to_numpy(),
        "km": km.to_numpy(), "mw": rows["max_mw"].astype(float).to_numpy(), "cost_usd": rows["cost_usd"].astype(float).to_numpy(),
        "group": rows["group"].to_numpy(), "route": rows["route"].to_numpy(),
        "first_power_years": rows["first_power_years"].astype(float).to_numpy(),
    })
    big = out["group"] == "large_connection"
    opts = out.loc[big].sort_values(["site_id", "mw", "cost_usd", "first_power_years"], ascending=[True, False, True, True], kind="stable")
    keep = []
    for _, g in opts.groupby("site_id", sort=False):
        kept: list[tuple[float, float, float]] = []
        for i, r in g.iterrows():
            if any(mw >= r["mw"] and cost <= r["cost_usd"] + 1e-6 and yrs <= r["first_power_years"] + 1e-9 for mw, cost, yrs in kept):
                continue
            kept.append((r["mw"], r["cost_usd"], r["first_power_years"]))
            keep.append(i)
    out = pd.concat([out.loc[~big], out.loc[keep]])
    return out.sort_values(["site_id", "group", "class_kv"], kind="stable").reset_index(drop=True)


def route_extras(routes: pd.DataFrame, reserve_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per site, the flexible (non-firm) service at the existing station and the on-site gas route (MW served,
    years, $ per MW served with ``reserve_share`` spare units inside, data/power_routes.csv)."""
    flex = routes.loc[routes["route"] == "flexible_interim"].drop_duplicates("site_id").set_index("site_id")
    gas = routes.loc[routes["route"] == "onsite_gas"].drop_duplicates("site_id").set_index("site_id")
    onsite = gas[["max_mw", "first_power_years", "usd_per_mw"]].rename(columns={"max_mw": "mw"}).astype(float)
    return flex[["max_mw", "first_power_years"]].rename(columns={"max_mw": "mw"}).astype(float), onsite.assign(reserve_share=reserve_share)


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


def _zone_year_frame(path: Path, df: pd.DataFrame, zones: pd.Index) -> pd.DataFrame:
    """Index (zone, year); every zone of ``zones`` has a row for every year of the table and no other zone."""
    dup = df.duplicated(["zone", "year"])
    if dup.any():
        r = df.loc[dup].iloc[0]
        raise InputDataError(f"{path}: columns 'zone', 'year': duplicate row ({r['zone']}, {r['year']})")
    unknown = ~df["zone"].isin(zones)
    if unknown.any():
        raise InputDataError(f"{path}: column 'zone': '{df.loc[unknown, 'zone'].iloc[0]}' is not a zone of zone_supply.csv")
    years = sorted(df["year"].unique())
    full = pd.MultiIndex.from_product([zones, years], names=["zone", "year"])
    out = df.set_index(["zone", "year"])
    missing = full.difference(out.index)
    if len(missing):
        z, y = missing[0]
        raise InputDataError(f"{path}: column 'year': zone '{z}' has no row for {y}")
    return out.reindex(full)


def by_year(values: pd.Series, zones: pd.Index) -> pd.DataFrame:
    """A (zone, year) series as a frame with index zone (in the order of ``zones``) and one column per year."""
    return values.unstack("year").reindex(zones)


def load_zone_years(zones: pd.Index, data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per zone and model year: energy, peak, reserve margin, accredited and committed MW, spare firm MW
    (``zone_supply_by_year.csv``), index (zone, year)."""
    path = data_dir / ZONE_YEAR_FILE
    df = read_csv(path, ZONE_YEAR_SCHEMA)
    for col in ZONE_YEAR_COLUMNS:
        if (df[col] < 0).any():
            raise InputDataError(f"{path}: column '{col}' has negative values")
    return _zone_year_frame(path, df, zones)[list(ZONE_YEAR_COLUMNS)]


def load_gas_prices(zones: pd.Index, data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Delivered gas to power plants, 2023 $/MMBtu, index zone, columns model years (``zone_gas_price.csv``)."""
    path = data_dir / GAS_PRICE_FILE
    df = read_csv(path, GAS_PRICE_SCHEMA)
    if (df["gas_usd_per_mmbtu"] <= 0).any():
        raise InputDataError(f"{path}: column 'gas_usd_per_mmbtu' must be positive")
    return by_year(_zone_year_frame(path, df, zones)["gas_usd_per_mmbtu"], zones)


def load_capex_multipliers(zones: pd.Index, types: list[str], data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Regional capital-cost multiplier of new generation, index zone, one column per type in ``types``
    (``zone_capex_multiplier.csv``); every zone of ``zones`` must have a row."""
    path = data_dir / CAPEX_MULTIPLIER_FILE
    schema: Schema = {"zone": "str", **dict.fromkeys(types, "float"), "source": "str"}
    df = read_csv(path, schema)
    for t in types:
        if (df[t] <= 0).any():
            raise InputDataError(f"{path}: column '{t}' must be positive")
    out = indexed_by(df, "zone", str(path))
    missing = zones.difference(out.index)
    if len(missing):
        raise InputDataError(f"{path}: column 'zone': no row for zone '{missing[0]}'")
    return out.loc[zones, list(types)]


def load_supply(sites: pd.DataFrame, spare_share: float, import_share: float, types: list[str],
                data_dir: Path = DEFAULT_DATA_DIR, firm_power: str | None = None) -> tuple[pd.DataFrame, SupplyData]:
    """The candidates with their zone columns, and the zonal supply data, from the default tables.

    ``firm_power`` ("routes" or "queue"): county candidates connect by their routes to power
    (data/county_routes.csv, :func:`route_connections`); None: by the substation classes (user points,
    substation candidates)."""
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
        missing = generation.index[generation["construction_years"].isna()][0]
        raise InputDataError(f"time_to_power.csv: no construction row for '{missing}'")
    flexible, onsite = pd.DataFrame(), pd.DataFrame()
    if firm_power is not None:
        routes = site_routes(sites, data_dir)
        connections = route_connections(routes, firm_power)
        table = load_power_routes(data_dir)
        reserve = table.loc[(table["route"] == "onsite_gas") & (table["quantity"] == "reserve_share"), "mid"]
        flexible, onsite = route_extras(routes, float(reserve.iloc[0]) if len(reserve) else 0.0)
        source = "county_routes.csv"
    else:
        classes = load_connection_classes(data_dir)
        connections = connection_options(sites, classes, site_km_by_class(sites, load_county_substations(data_dir)))
        source = "county_substation.csv"
    no_option = sites.index.difference(pd.Index(connections["site_id"].unique()))
    if len(no_option) and firm_power is None:
        raise InputDataError(f"{source}: no connection option for site '{no_option[0]}'")
    # By routes, a county with neither a station within reach nor a 230 kV+ line within 80 km has no grid
    # option: only on-site power can serve a campus there (docs/routes.md).
    energy_costs = load_energy_costs(data_dir)
    gas_prices: pd.DataFrame  # set inside the call below (the walrus keeps the files' read order)
    zone_years = load_zone_years(zones.index, data_dir)
    base_year = _base_year(zones, zone_years, data_dir)
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
        zone_years=zone_years,
        spare_firm_mw_by_year=by_year(zone_years["spare_firm_mw"], zones.index),
        gas_usd_per_mmbtu_by_year=(gas_prices := load_gas_prices(zones.index, data_dir)),
        capex_multiplier=load_capex_multipliers(zones.index, list(generation.index), data_dir),
        base_year=base_year,
        **marginal_energy(generation_table, gas_prices, float(energy_costs["gas_co2_kg_per_mmbtu"])),
        flexible=flexible,
        onsite=onsite,
    )
    return sites, supply


MARGINAL_TYPE = "gas_cc"


def marginal_energy(generation_table: pd.DataFrame, gas: pd.DataFrame, co2_kg_per_mmbtu: float) -> dict[str, object]:
    """Per zone and year, the variable cost of a new gas combined cycle at the zone's gas price (heat rate x gas
    + VOM, data/new_generation_costs.csv), and its CO2: the energy a zone's new generation displaces at the
    margin. Whether or not the scenario lets the investor build gas CC, it prices the zone's marginal energy."""
    if MARGINAL_TYPE not in generation_table.index or gas.empty:
        return {}
    row = generation_table.loc[MARGINAL_TYPE]
    heat, vom = float(row["heat_rate_mmbtu_per_mwh"]), float(row["vom_usd_per_mwh"])
    return {
        "marginal_usd_per_mwh_by_year": gas * heat + vom,
        "marginal_co2_kg_per_mwh": pd.Series(heat * co2_kg_per_mmbtu, index=gas.index),
    }


def _base_year(zones: pd.DataFrame, zone_years: pd.DataFrame, data_dir: Path) -> int:
    """zone_supply.csv's base year; its spare_firm_mw must equal that year's in zone_supply_by_year.csv."""
    path = data_dir / "zone_supply.csv"
    if "base_year" not in zones:
        raise InputDataError(f"{path}: missing column 'base_year'")
    years = pd.to_numeric(zones["base_year"], errors="coerce")
    if years.isna().any() or years.nunique() != 1:
        raise InputDataError(f"{path}: column 'base_year' must hold one year for every zone")
    year = int(years.iloc[0])
    if year not in zone_years.index.get_level_values("year"):
        raise InputDataError(f"{data_dir / ZONE_YEAR_FILE}: column 'year': no rows for the base year {year}")
    by_year = zone_years.xs(year, level="year")["spare_firm_mw"].reindex(zones.index)
    off = (by_year - zones["spare_firm_mw"]).abs() > 1e-3
    if off.any():
        raise InputDataError(
            f"{path}: column 'spare_firm_mw' of zone '{zones.index[off][0]}' differs from {ZONE_YEAR_FILE}'s {year} value"
        )
    return year
