"""The default dataset: the small sourced tables in ``data/`` and the Census counties from plotly-geo.

Each loader checks its table against a schema (:mod:`model.core.tables`); everything geographic is
returned in :data:`model.core.geo.PROJECT_CRS`.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pydantic import ValidationError

from model.config import CostAssumptions
from model.core.errors import InputDataError, ScenarioError, shown
from model.core.geo import to_project_crs
from model.core.schema import CONTIGUOUS_STATES
from model.core.tables import Schema, check_columns, indexed_by, read_csv, require_keys
from model.core.units import acres_from_m2

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"  # model/inputs/ -> the repo root

# Census cartographic boundary counties shipped by the plotly-geo wheel; the shapefile has no
# .prj, and the Census publishes these files in NAD83 geographic coordinates.
COUNTIES_PACKAGE = "_plotly_geo"
COUNTIES_FILE = "package_data/cb_2016_us_county_500k.shp"
COUNTIES_CRS = "EPSG:4269"
NON_CONUS_STATE_FIPS = ("02", "15", "60", "66", "69", "72", "78")

STATE_FACTS_SCHEMA: Schema = {
    "state": "str",
    "state_fips": "str",
    "name": "str",
    "industrial_price_usd_per_mwh": "float",
    "industrial_price_source": "str",
    "co2_kg_per_mwh": "float",
    "co2_source": "str",
    "land_value_usd_per_acre": "float",
    "land_source": "str",
    "water_stress_score": "float",
    "water_source": "str",
    "pue": "float",
    "pue_source": "str",
    "queue_years": "float",
    "queue_source": "str",
    "dc_land_usd_per_acre": "float",
    "dc_land_source": "str",
}
COUNTY_PRICE_SCHEMA: Schema = {"county_fips": "str", "state": "str", "price_usd_per_mwh": "float", "source": "str"}
GPU_SCHEMA: Schema = {
    "gpu": "str",
    "vendor": "str",
    "block": "str",
    "gpus_per_block": "int",
    "it_kw_per_block": "float",
    "price_usd_per_block": "float",
    "bf16_dense_tflops_per_gpu": "float",
    "fp8_dense_tflops_per_gpu": "float",
    "source": "str",
}
COST_SCHEMA: Schema = {"name": "str", "value": "float", "unit": "str", "source": "str"}
TIER_SCHEMA: Schema = {"tier": "str", "added_mw": "float", "cost_usd": "float", "source": "str"}
COOLING_SCHEMA: Schema = {"cooling": "str", "wue_l_per_kwh_it": "float", "pue_delta": "float", "source": "str"}
COUNTY_GRID_SCHEMA: Schema = {
    "fips": "str",
    "state": "str",
    "substations": "int",
    "max_kv": "float",
    "gen_mw_total": "float",
    "load_mw": "float",
    "headroom_mw": "float",
    "source": "str",
    # eGRID2022 CO2 rate of the county's eGRID subregion, or its state's (data/build/build_county_grid.py)
    "co2_kg_per_mwh": "float",
    "co2_source": "str",
}
# Row counts the tables keyed by county, state or zone must have: a table cut short (whole rows lost)
# is refused by name instead of leaving candidates without a price or a zone.
N_COUNTIES = 3108  # contiguous-US counties and DC in the Census 2016 file (load_counties)
COUNTY_ROWS = {"rows": N_COUNTIES, "rows_why": "one per contiguous-US county"}
N_REEDS_ZONES = 134  # ReEDS zones p1..p134 (docs/supply_data.md)
N_VOLTAGE_CLASSES = 7  # CERF voltage classes 0..6 (model.inputs.candidates.CLASS_KV)

# Every cost assumption without a default must be in data/cost_assumptions.csv (one list of names:
# CostAssumptions'; the scenario's CostOverrides use the same names); the GPU price multiplier defaults to 1.
REQUIRED_COSTS = tuple(name for name, f in CostAssumptions.model_fields.items() if f.is_required())


def load_state_facts(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    path = data_dir / "state_facts.csv"
    df = read_csv(path, STATE_FACTS_SCHEMA)
    require_keys(df, "state", CONTIGUOUS_STATES, str(path), "state")
    return indexed_by(df, "state", str(path))


def load_gpu_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = read_csv(data_dir / "gpu_catalog.csv", GPU_SCHEMA)
    bad = df.loc[(df[["gpus_per_block", "it_kw_per_block", "price_usd_per_block"]] <= 0).any(axis=1), "gpu"]
    if len(bad):
        raise InputDataError(f"{data_dir / 'gpu_catalog.csv'}: GPU {shown(bad.iloc[0])} has a non-positive size, power or price")
    return indexed_by(df, "gpu", str(data_dir / "gpu_catalog.csv"))


def load_cost_assumptions(data_dir: Path = DEFAULT_DATA_DIR) -> CostAssumptions:
    """data/cost_assumptions.csv as a validated :class:`CostAssumptions` (no scenario overrides)."""
    path = data_dir / "cost_assumptions.csv"
    df = read_csv(path, COST_SCHEMA)
    costs = dict(zip(df["name"], df["value"].astype(float)))
    for key in REQUIRED_COSTS:
        if key not in costs:
            raise InputDataError(f"{path}: missing row '{key}'")
    try:
        return CostAssumptions.model_validate(costs)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputDataError(f"{path}: {where or 'costs'}: {err['msg']}") from None


def load_interconnection_tiers(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = read_csv(data_dir / "interconnection_tiers.csv", TIER_SCHEMA)
    return indexed_by(df, "tier", str(data_dir / "interconnection_tiers.csv"))


def load_cooling(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    path = data_dir / "cooling.csv"
    df = indexed_by(read_csv(path, COOLING_SCHEMA), "cooling", str(path))
    missing = {"evaporative", "dry"} - set(df.index)
    if missing:
        raise InputDataError(f"{path}: missing row '{sorted(missing)[0]}'")
    return df


def load_county_grid(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = read_csv(data_dir / "county_grid.csv", COUNTY_GRID_SCHEMA, **COUNTY_ROWS)
    df["fips"] = df["fips"].str.zfill(5)
    if (df["headroom_mw"] < 0).any():
        raise InputDataError(f"{data_dir / 'county_grid.csv'}: column 'headroom_mw' has negative values")
    return indexed_by(df, "fips", str(data_dir / "county_grid.csv"))


def load_county_price(data_dir: Path = DEFAULT_DATA_DIR) -> pd.Series:
    """Industrial $/MWh by county FIPS (data/county_price.csv, EIA-861 utilities scaled to 2023)."""
    df = read_csv(data_dir / "county_price.csv", COUNTY_PRICE_SCHEMA, **COUNTY_ROWS)
    df["county_fips"] = df["county_fips"].str.zfill(5)
    return indexed_by(df, "county_fips", str(data_dir / "county_price.csv"))["price_usd_per_mwh"]


def load_counties() -> gpd.GeoDataFrame:
    """The 3,108 contiguous-US counties (48 states + DC), Census 2016, in the project CRS."""
    root = importlib.resources.files(COUNTIES_PACKAGE)
    with importlib.resources.as_file(root / COUNTIES_FILE) as shp:
        # The .dbf holds UTF-8 but ships no .cpg, so GDAL would guess Latin-1 ("DoÃ±a Ana").
        gdf = gpd.read_file(shp, columns=["GEOID", "STATEFP", "NAME", "ALAND"], encoding="utf-8")
    gdf = gdf.set_crs(COUNTIES_CRS, allow_override=True)
    gdf = gdf.loc[~gdf["STATEFP"].isin(NON_CONUS_STATE_FIPS)]
    gdf = gdf.rename(columns={"GEOID": "fips", "STATEFP": "state_fips", "NAME": "county_name", "ALAND": "land_m2"})
    gdf = gdf.sort_values("fips").set_index("fips")
    gdf["land_m2"] = gdf["land_m2"].astype(float)
    return to_project_crs(gdf, "counties")


# State-level facts every candidate carries: state_facts.csv column -> candidate column.
STATE_FACT_COLUMNS = {
    "industrial_price_usd_per_mwh": "price_usd_per_mwh",
    "co2_kg_per_mwh": "co2_kg_per_mwh",
    # The campus pays data-center land prices (Cushman & Wakefield 2025 average, state_facts.csv);
    # farmland value is kept beside it as the floor a rural seller would accept.
    "dc_land_usd_per_acre": "land_value_usd_per_acre",
    "land_value_usd_per_acre": "farmland_usd_per_acre",
    "water_stress_score": "water_stress_score",
    "pue": "pue",
    "queue_years": "queue_years",
}


# price_source of a candidate priced at its state's average (state_facts.csv: EIA Electric Power Annual 2023).
STATE_PRICE_SOURCE = "state (EIA 2023 industrial)"


def attach_state_facts(sites: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Copy the state's price, carbon, land value, water stress, PUE and queue years onto each site."""
    out = sites.copy()
    for src, dst in STATE_FACT_COLUMNS.items():
        out[dst] = out["state"].map(states[src]).astype(float)
    return out


# co2_source of a site whose county has no row in data/county_grid.csv (its state's eGRID2022 rate).
STATE_CO2_SOURCE = "state"


def attach_county_co2(sites: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """The CO2 rate of each site's county (``county_fips``; data/county_grid.csv: the eGRID2022 rate of
    the subregion that serves the county, or its state's), with ``co2_source`` saying which
    (``subregion:<code>``, ``state_fallback``, or ``state`` for a county the table does not hold)."""
    out = sites.copy()
    fips = out["county_fips"].astype(str)
    rate = fips.map(grid["co2_kg_per_mwh"])
    has = rate.notna()
    out.loc[has, "co2_kg_per_mwh"] = rate[has].astype(float)
    out["co2_source"] = fips.map(grid["co2_source"]).where(has, STATE_CO2_SOURCE)
    return out


def county_candidates(
    counties: gpd.GeoDataFrame,
    grid: pd.DataFrame,
    states: pd.DataFrame,
    costs: CostAssumptions,
    county_price: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """One candidate per county with its grid, price, carbon, land, water and climate facts; the
    county's own industrial price (``county_price``, data/county_price.csv) where given, else the state's;
    the CO2 rate of the county's eGRID subregion (data/county_grid.csv) where found, else the state's."""
    fips_to_state = states.reset_index().set_index("state_fips")["state"]
    sites = counties.copy()
    sites["state"] = sites["state_fips"].map(fips_to_state)
    unknown = sites["state"].isna()
    if unknown.any():
        raise InputDataError(f"state_facts.csv: no row for state FIPS '{sites.loc[unknown, 'state_fips'].iloc[0]}'")
    grid_cols = ["substations", "max_kv", "gen_mw_total", "load_mw", "headroom_mw"]
    sites = sites.join(grid[grid_cols], how="left")
    no_grid = sites["headroom_mw"].isna()
    if no_grid.any():
        raise InputDataError(f"county_grid.csv: no row for county '{sites.index[no_grid][0]}'")
    sites = attach_state_facts(sites, states)
    sites["price_source"] = STATE_PRICE_SOURCE
    if county_price is not None:
        local = sites.index.to_series().map(county_price)
        has = local.notna()
        sites.loc[has, "price_usd_per_mwh"] = local[has].astype(float)
        sites.loc[has, "price_source"] = "county utilities (EIA-861 2018 x state 2023/2018)"
    sites["county_fips"] = sites.index
    sites = attach_county_co2(sites, grid)
    sites["land_available_acres"] = acres_from_m2(sites["land_m2"]) * costs.developable_land_share
    sites.index.name = "site_id"
    return sites


def select_gpus(catalog: pd.DataFrame, types: list[str], origin: str, catalog_name: str = "the GPU catalog") -> pd.DataFrame:
    unknown = [t for t in types if t not in catalog.index]
    if unknown:
        known = ", ".join(catalog.index)
        raise ScenarioError(f"{origin}: gpus.types: unknown GPU {shown(unknown[0])} (known in {catalog_name}: {shown(known, 200)})")
    return catalog.loc[list(dict.fromkeys(types))]


CANDIDATE_SCHEMA: Schema = {
    "state": "str",
    "county_fips": "str",
    "county_name": "str",
    "headroom_mw": "float",
    "land_available_acres": "float",
    "pue": "float",
    "price_usd_per_mwh": "float",
    "co2_kg_per_mwh": "float",
    "land_value_usd_per_acre": "float",
    "water_stress_score": "float",
    "queue_years": "float",
}


# --------------------------------------------------------------------------------------------------
# zonal supply tables (docs/supply_data.md, docs/supply_model.md)

COUNTY_ZONE_SCHEMA: Schema = {"county_fips": "str", "zone": "str", "zone_state": "str", "method": "str"}
ZONE_SUPPLY_SCHEMA: Schema = {"zone": "str", "state": "str", "accredited_mw": "float", "peak_mw": "float", "spare_firm_mw": "float"}
ZONE_TRANSFER_SCHEMA: Schema = {"from_zone": "str", "to_zone": "str", "mw": "float", "kind": "str"}
NEW_GENERATION_SCHEMA: Schema = {
    "type": "str",
    "capex_usd_per_kw": "float",
    "fom_usd_per_kw_yr": "float",
    "vom_usd_per_mwh": "float",
    "heat_rate_mmbtu_per_mwh": "float",
    "life_years": "float",
    "capacity_credit": "float",
    "cost_source": "str",
    "credit_source": "str",
}
CONNECTION_CLASS_SCHEMA: Schema = {
    "voltage_class": "int",
    "class_kv": "float",
    "spur_usd_per_km": "float",
    "substation_usd": "float",
    "deliverable_mw": "float",
    "spur_source": "str",
    "substation_source": "str",
    "mw_source": "str",
}
COUNTY_TIME_TO_POWER_SCHEMA: Schema = {"county_fips": "str", "zone": "str", "median_years": "float", "source": "str"}


def _nonnegative(df: pd.DataFrame, cols: list[str], path: Path) -> pd.DataFrame:
    for col in cols:
        if (df[col] < 0).any():
            raise InputDataError(f"{path}: column '{col}' has negative values")
    return df


def load_county_zone(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """County FIPS -> ReEDS zone (p1..p134) and the zone's state."""
    path = data_dir / "county_zone.csv"
    return indexed_by(read_csv(path, COUNTY_ZONE_SCHEMA, **COUNTY_ROWS), "county_fips", str(path))


def load_zone_supply(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per ReEDS zone: accredited and peak MW and spare firm MW."""
    path = data_dir / "zone_supply.csv"
    df = indexed_by(read_csv(path, ZONE_SUPPLY_SCHEMA, rows=N_REEDS_ZONES, rows_why="one per ReEDS zone"), "zone", str(path))
    return _nonnegative(df, ["accredited_mw", "peak_mw", "spare_firm_mw"], path)


def load_zone_transfers(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Directed inter-zone limits (NARIS AC and DC ties), summed per (from_zone, to_zone)."""
    path = data_dir / "zone_transfer_mw.csv"
    df = _nonnegative(read_csv(path, ZONE_TRANSFER_SCHEMA), ["mw"], path)
    return df.groupby(["from_zone", "to_zone"], as_index=False, sort=True)["mw"].sum()


def load_new_generation_costs(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per new-generation type: ATB 2025 costs, life, capacity credit, energy availability (NaN: zone CF)."""
    path = data_dir / "new_generation_costs.csv"
    # max_energy_share may be empty (NaN: the zone's capacity factor caps the energy instead).
    df = read_csv(path, NEW_GENERATION_SCHEMA, optional={"max_energy_share": "float"})
    df = _nonnegative(df, ["capex_usd_per_kw", "fom_usd_per_kw_yr", "vom_usd_per_mwh", "life_years"], path)
    if not df["capacity_credit"].between(0.0, 1.0).all():
        raise InputDataError(f"{path}: column 'capacity_credit' must lie in [0, 1]")
    return indexed_by(df, "type", str(path))


def load_connection_classes(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per CERF voltage class: spur $/km (2023 $), substation cost and deliverable MW."""
    path = data_dir / "connection_classes.csv"
    df = read_csv(path, CONNECTION_CLASS_SCHEMA, rows=N_VOLTAGE_CLASSES, rows_why="one per CERF voltage class 0..6")
    df = _nonnegative(df, ["spur_usd_per_km", "substation_usd", "deliverable_mw"], path)
    return indexed_by(df, "voltage_class", str(path))


def load_county_substations(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per county: km to the nearest HIFLD substation of class >= k (columns ``km_class_<k>``)."""
    path = data_dir / "county_substation.csv"
    df = read_csv(path, {"county_fips": "str"}, **COUNTY_ROWS)
    km_cols = [f"km_class_{k}" for k in range(N_VOLTAGE_CLASSES)]
    df = check_columns(df, {c: "float" for c in km_cols}, str(path))
    return indexed_by(_nonnegative(df, km_cols, path), "county_fips", str(path))


def load_county_time_to_power(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per county: median years from queue entry to operation (zone, ISO or non-ISO default)."""
    path = data_dir / "county_time_to_power.csv"
    df = _nonnegative(read_csv(path, COUNTY_TIME_TO_POWER_SCHEMA, **COUNTY_ROWS), ["median_years"], path)
    return indexed_by(df, "county_fips", str(path))


TIME_TO_POWER_SCHEMA: Schema = {"region": "str", "level": "str", "median_years": "float", "source": "str"}


def load_construction_years(data_dir: Path = DEFAULT_DATA_DIR) -> pd.Series:
    """Construction years of new generation by type (data/time_to_power.csv rows of level 'construction')."""
    path = data_dir / "time_to_power.csv"
    df = _nonnegative(read_csv(path, TIME_TO_POWER_SCHEMA), ["median_years"], path)
    rows = df.loc[df["level"] == "construction"]
    return indexed_by(rows, "region", str(path))["median_years"].rename("construction_years")

