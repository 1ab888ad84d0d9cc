"""Candidate sets beyond the default counties: HIFLD substations, counties re-estimated from real data,
user point files, and the existing data centers of the PNNL IM3 atlas.

Every candidate builder returns a GeoDataFrame in :data:`model.core.geo.PROJECT_CRS` indexed by a unique
string ``site_id`` and carrying :data:`model.inputs.datasets.CANDIDATE_SCHEMA` (validated). Headroom methods and
their constants are documented in ``docs/real_data.md``; the constants live here, named with units.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from model.config import CostAssumptions
from model.core.errors import InputDataError, shown
from model.core.geo import to_project_crs
from model.core.tables import read_table, validate_table
from model.core.units import HOURS_PER_YEAR, KW_PER_MW, acres_from_m2
from model.inputs import realdata as rd
from model.inputs.datasets import (
    CANDIDATE_SCHEMA,
    STATE_PRICE_SOURCE,
    attach_county_co2,
    attach_state_facts,
    load_counties,
    load_county_grid,
    load_state_facts,
)

# --------------------------------------------------------------------------------------------------
# constants (see docs/real_data.md for the reasoning)

# Points that fall outside every Census county polygon (coastline generalisation) are matched to
# the nearest county within this distance; farther points are dropped (offshore or outside CONUS).
NEAREST_COUNTY_MAX_M = 25_000.0

# County industrial prices (EIA-861 2018, largest utility) include utilities with tiny or odd
# industrial books (2.9 $/MWh in WY, 400 $/MWh in NE); clip to a range real contracts fall in.
PRICE_CLIP_USD_PER_MWH = (30.0, 250.0)

# Circle around a substation or user point whose developable share is the site's land. 10 km is a
# plausible spur-line reach; with the default 1 % share it gives 776 acres (~970 MW at 0.8 acre/MW),
# the scale of the largest announced campuses, so land does not mask the grid limit.
SITE_RADIUS_KM = 10.0

# HIFLD voltage class (CERF code 0..6) -> representative kV of the class (its lowest standard level,
# 500 kV for the open top class that also holds 765 kV).
CLASS_KV: dict[int, float] = {0: 69.0, 1: 115.0, 2: 138.0, 3: 161.0, 4: 230.0, 5: 345.0, 6: 500.0}
# Textbook surge-impedance loading (MW) of a typical overhead line at that voltage.
SIL_MW: dict[float, float] = {69.0: 12.0, 115.0: 35.0, 138.0: 50.0, 161.0: 70.0, 230.0: 140.0, 345.0: 390.0, 500.0: 900.0}
# St. Clair curve: a line up to ~80 km can be loaded to ~3 x SIL (thermal/voltage-drop limit).
LOADABILITY_PER_SIL = 3.0
# Share of one line's loadability a station can give a new load and still survive losing one element
# (N-1): with two comparable circuits each may run at most ~50 % so that one can carry both.
N1_SPARE_SHARE = 0.5

# Local balance radius for substations: GPPD nameplate and estimated peak load within this distance.
SURPLUS_RADIUS_KM = 50.0
# Headroom multiplier = clip(1 + (gen - load) / SURPLUS_SCALE_MW, min, max): 1 where local nameplate
# equals local peak load, 2 with a >= 5 GW surplus within 50 km (a large plant hub: power does not
# have to be imported), 0.25 in load pockets short of >= 3.75 GW (metros that already import).
SURPLUS_SCALE_MW = 5_000.0
SURPLUS_FACTOR_RANGE = (0.25, 2.0)
SUBSTATION_HEADROOM_CAP_MW = 2_000.0  # = max_campus_mw: one substation, one campus

# County method (same form as the TAMU default, docs/grid_headroom.md):
#   headroom = clip(A * max(0, gen - load) + B * sum of station loadability in county, 0, cap)
COUNTY_A_SURPLUS = 0.10  # as the default: ~10 % of surplus nameplate is firm and deliverable
# Stations in one county share lines and upstream transformers, so their spare capacity is not
# additive: count N1_SPARE_SHARE of one line per station, times 1 station in 10 usable at once.
COUNTY_B_STATION = N1_SPARE_SHARE * 0.10
COUNTY_HEADROOM_CAP_MW = 3_000.0  # as the default

# Load estimate: county population x state retail sales per person, as a peak: US coincident peak
# (~0.7 TW) over average retail load (3.8 PWh / 8760 h ~ 0.44 TW) ~ 1.6.
PEAK_TO_AVERAGE = 1.6
POPULATION_YEAR = 2019

# Existing data centers: IT MW from the atlas footprint (sqft, OSM). Buildings: 150 W of IT per sqft
# of footprint (assumption; colocation halls run ~100-200 W/sqft of white space, hyperscale more,
# the atlas mixes both). Campus rows measure the campus *land*: use the model's acres_per_mw instead.
IT_W_PER_SQFT = 150.0
SQFT_PER_ACRE = 43_560.0


# --------------------------------------------------------------------------------------------------
# helpers


def _circle_m2(radius_km: float) -> float:
    return math.pi * (radius_km * 1000.0) ** 2


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def county_of_points(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, max_m: float = NEAREST_COUNTY_MAX_M) -> pd.Series:
    """5-char county FIPS of each point (index aligned): containing county, else nearest within ``max_m``,
    else NaN. Both frames in PROJECT_CRS; ``counties`` indexed by fips."""
    pts = gpd.GeoDataFrame(geometry=points.geometry.values, crs=points.crs)  # positional index 0..n-1
    polys = gpd.GeoDataFrame({"fips": counties.index.to_numpy()}, geometry=counties.geometry.values, crs=counties.crs)
    inside = gpd.sjoin(pts, polys, predicate="within", how="left")
    # A point on a shared border may match two polygons: keep the first (lowest FIPS order).
    fips = inside.loc[~inside.index.duplicated(), "fips"].reindex(pts.index)
    missing = fips.isna().to_numpy()
    if missing.any():
        near = gpd.sjoin_nearest(pts.loc[missing], polys, how="left", max_distance=max_m)
        near = near.loc[~near.index.duplicated(), "fips"]
        fips.loc[near.index] = near
    return pd.Series(fips.to_numpy(), index=points.index, name="county_fips")


def _finish(sites: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Validate the candidate columns, enforce unique string ids named site_id and the project CRS."""
    sites = to_project_crs(sites, name)
    if not sites.index.is_unique:
        dup = sites.index[sites.index.duplicated()][0]
        raise InputDataError(f"{name}: duplicate site_id '{dup}'")
    checked = validate_table(pd.DataFrame(sites.drop(columns="geometry")), CANDIDATE_SCHEMA, name)
    checked.index = pd.Index(sites.index.astype(str), name="site_id")
    out = gpd.GeoDataFrame(checked, geometry=sites.geometry.values, crs=sites.crs)
    out.attrs = dict(sites.attrs)
    return out


def _state_filter(sites: gpd.GeoDataFrame, states: list[str]) -> gpd.GeoDataFrame:
    wanted = [s.strip().upper() for s in states]
    return sites.loc[sites["state"].isin(wanted)] if wanted else sites


def county_price_series(data_dir: Path | None = None) -> pd.Series:
    """EIA-861 2018 industrial $/MWh by 5-char county FIPS (largest utility, else state average)."""
    prices = rd.county_industrial_price(data_dir)
    return prices.set_index("county_fips")["price_usd_per_mwh"].dropna()


# --------------------------------------------------------------------------------------------------
# 1. site facts for arbitrary points


def apply_county_price(sites: gpd.GeoDataFrame, county_price: pd.Series | None) -> gpd.GeoDataFrame:
    """Replace the state price by the county's (clipped to 30-250 $/MWh) where known; set price_source."""
    out = sites.copy()
    out["price_source"] = STATE_PRICE_SOURCE
    if county_price is None:
        return out
    local = out["county_fips"].map(county_price)
    has = local.notna()
    lo, hi = PRICE_CLIP_USD_PER_MWH
    out.loc[has, "price_usd_per_mwh"] = local[has].clip(lo, hi)
    out.loc[has, "price_source"] = np.where(
        local[has].between(lo, hi), "county utility (EIA-861 2018)", f"county utility (EIA-861 2018), clipped to {lo:.0f}-{hi:.0f}"
    )
    return out



def attach_site_facts(
    points: gpd.GeoDataFrame,
    costs: CostAssumptions,
    county_price: pd.Series | None = None,
    counties: gpd.GeoDataFrame | None = None,
    fips: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Add county (fips, name, state), state facts (pue, price, land value, water, queue) and the county's
    CO2 rate (its eGRID subregion's, data/county_grid.csv) to points.

    Points outside every county polygon take the nearest county within 25 km; the rest are dropped and
    counted in ``attrs["dropped_points"]`` (``fips``, index-aligned, skips the lookup when the caller
    has done it). ``county_price`` ($/MWh by county FIPS, e.g. EIA-861 county
    industrial prices) replaces the state price where present, clipped to 30-250 $/MWh
    (``price_source`` says which). ``costs`` is accepted for a uniform signature (facts need no costs).
    """
    del costs  # facts do not depend on cost assumptions; kept so every builder takes the same inputs
    points = to_project_crs(points, "points")
    counties = load_counties() if counties is None else counties
    facts = load_state_facts()
    fips = county_of_points(points, counties) if fips is None else fips
    keep = fips.notna().to_numpy()
    out = points.loc[keep].copy()
    out["county_fips"] = fips[keep].astype(str)
    out["county_name"] = out["county_fips"].map(counties["county_name"])
    state_of_fips = facts.reset_index().set_index("state_fips")["state"]
    out["state"] = out["county_fips"].str[:2].map(state_of_fips)
    out = attach_state_facts(out, facts)
    out = attach_county_co2(out, load_county_grid())
    out = apply_county_price(out, county_price)
    out.attrs["dropped_points"] = int((~keep).sum())
    return out


# --------------------------------------------------------------------------------------------------
# headroom building blocks


def class_loadability_mw(voltage_class: np.ndarray | pd.Series) -> np.ndarray:
    """Loadability (MW) of one typical line at the class's representative voltage: 3 x SIL."""
    sil = np.array([SIL_MW[CLASS_KV[c]] for c in range(len(CLASS_KV))])
    return LOADABILITY_PER_SIL * sil[np.asarray(voltage_class, dtype=int)]


def substation_base_mw(voltage_class: np.ndarray | pd.Series) -> np.ndarray:
    """N-1 spare MW of one station of the class before the local balance: loadability x 0.5."""
    return N1_SPARE_SHARE * class_loadability_mw(voltage_class)


def surplus_factor(gen_mw: np.ndarray, load_mw: np.ndarray) -> np.ndarray:
    """Multiplier of the base headroom from the local nameplate surplus (see SURPLUS_SCALE_MW)."""
    lo, hi = SURPLUS_FACTOR_RANGE
    return np.clip(1.0 + (np.asarray(gen_mw) - np.asarray(load_mw)) / SURPLUS_SCALE_MW, lo, hi)


def state_peak_kw_per_person(data_dir: Path | None = None) -> pd.Series:
    """Peak kW per resident by state: 2018 retail sales (EIA-861 via PNNL) / 2019 population / 8760 h x 1.6."""
    sales = rd.load_sales_ult_cust(data_dir).groupby("state")["total_sales_mwh"].sum()
    pop = rd.load_county_population(data_dir)
    pop_by_state = pop.groupby(pop["county_fips"].str[:2].map(rd.STATE_FIPS_TO_USPS))[f"pop_{POPULATION_YEAR}"].sum()
    avg_kw = sales * KW_PER_MW / HOURS_PER_YEAR / pop_by_state.reindex(sales.index)  # MWh/yr -> kW avg
    return (avg_kw * PEAK_TO_AVERAGE).dropna().rename("peak_kw_per_person")


def county_load_mw(data_dir: Path | None = None) -> pd.Series:
    """Estimated peak load (MW) per county FIPS: population x state peak kW per person."""
    pop = rd.load_county_population(data_dir)
    per_person_kw = pop["county_fips"].str[:2].map(rd.STATE_FIPS_TO_USPS).map(state_peak_kw_per_person(data_dir))
    load = pop[f"pop_{POPULATION_YEAR}"] * per_person_kw / KW_PER_MW
    return pd.Series(load.to_numpy(), index=pop["county_fips"].to_numpy(), name="load_mw").dropna()


def _sum_within(targets_xy: np.ndarray, sources_xy: np.ndarray, weights: np.ndarray, radius_m: float) -> np.ndarray:
    """For each target, the sum of source weights within ``radius_m`` (sparse pair matrix, no loops)."""
    if len(targets_xy) == 0 or len(sources_xy) == 0:
        return np.zeros(len(targets_xy))
    pairs = cKDTree(targets_xy).sparse_distance_matrix(cKDTree(sources_xy), radius_m, output_type="ndarray")
    return np.bincount(pairs["i"], weights=weights[pairs["j"]], minlength=len(targets_xy))


# --------------------------------------------------------------------------------------------------
# 2. substations


def substation_candidates(
    states: list[str],
    costs: CostAssumptions,
    min_voltage_kv: float = 230.0,
    data_dir: Path | None = None,
    dataset: str = "real",
    site_radius_km: float = SITE_RADIUS_KM,
) -> gpd.GeoDataFrame:
    """HIFLD substations whose voltage class reaches ``min_voltage_kv`` (class upper bound >= it).

    The class (CERF ``_rval_``) is the range of the station's *lowest* voltage, so 230 kV selects the
    classes 170-299, 300-399 and >= 400 kV: 2,218 stations whose lowest voltage is >= 170 kV.
    Headroom = clip(base(class) x surplus factor(gen - load within 50 km), 0, 2,000 MW); land =
    developable share x a ``site_radius_km`` circle. ``dataset="real"`` prices from county EIA-861
    industrial prices, ``"default"`` from state_facts.csv. Site id ``sub-<row in the shapefile>``.
    """
    if dataset not in ("real", "default"):
        raise InputDataError(f"substation candidates: unknown dataset {dataset!r} (use 'real' or 'default')")
    subs = rd.load_substations(data_dir)
    subs.index = pd.Index([f"sub-{i}" for i in range(len(subs))], name="site_id")
    counties = load_counties()
    price = county_price_series(data_dir) if dataset == "real" else None
    # County of every station (all classes): needed to place county load where the stations are.
    fips_all = county_of_points(subs, counties)

    # Local balance within 50 km: GPPD nameplate, and county load placed at the mean position of the
    # county's stations (stations follow load better than polygon centroids in large western counties).
    plants = rd.load_power_plants(data_dir, conus_only=True)
    load = county_load_mw(data_dir)
    xy_all = _xy(subs)
    load_xy = pd.DataFrame(xy_all, columns=["x", "y"]).groupby(fips_all.to_numpy()).mean()
    no_station = counties.index.difference(load_xy.index)
    rep = counties.loc[no_station].geometry.representative_point()
    load_xy = pd.concat([load_xy, pd.DataFrame({"x": rep.x.to_numpy(), "y": rep.y.to_numpy()}, index=no_station)])
    load_pts = load_xy.join(load.rename("load_mw"), how="inner")

    selected = (subs["voltage_class_kv_max"] >= min_voltage_kv).to_numpy()
    sel = subs.loc[selected].copy()
    radius_m = SURPLUS_RADIUS_KM * 1000.0
    sel_xy = xy_all[selected]
    sel["gen_mw_50km"] = _sum_within(sel_xy, _xy(plants), plants["capacity_mw"].to_numpy(float), radius_m)
    sel["load_mw_50km"] = _sum_within(sel_xy, load_pts[["x", "y"]].to_numpy(), load_pts["load_mw"].to_numpy(float), radius_m)
    sel["base_headroom_mw"] = substation_base_mw(sel["voltage_class"])
    sel["surplus_factor"] = surplus_factor(sel["gen_mw_50km"].to_numpy(), sel["load_mw_50km"].to_numpy())
    sel["headroom_mw"] = np.clip(sel["base_headroom_mw"] * sel["surplus_factor"], 0.0, SUBSTATION_HEADROOM_CAP_MW)
    sel["headroom_source"] = "HIFLD class base x GPPD/load balance within 50 km (docs/real_data.md)"
    sel["land_m2"] = _circle_m2(site_radius_km)
    sel["land_available_acres"] = acres_from_m2(sel["land_m2"]) * costs.developable_land_share

    sites = attach_site_facts(sel, costs, price, counties=counties)
    if dataset == "default":
        grid = load_county_grid()
        sites["county_default_headroom_mw"] = sites["county_fips"].map(grid["headroom_mw"])
    sites = _state_filter(sites, states)
    return _finish(sites, "substation candidates")


# --------------------------------------------------------------------------------------------------
# 3. counties from real data


def real_county_grid(data_dir: Path | None = None, counties: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Per county: HIFLD stations by class, station loadability, GPPD nameplate, estimated peak load, headroom."""
    counties = load_counties() if counties is None else counties
    subs = rd.load_substations(data_dir)
    plants = rd.load_power_plants(data_dir, conus_only=True)
    sub_fips = county_of_points(subs, counties)
    plant_fips = county_of_points(plants, counties)
    grid = pd.DataFrame(index=counties.index)
    grid["substations"] = sub_fips.value_counts().reindex(grid.index, fill_value=0)
    grid["substations_ge_170kv"] = sub_fips[(subs["voltage_class"] >= 4).to_numpy()].value_counts().reindex(grid.index, fill_value=0)
    grid["max_class_kv_min"] = subs["voltage_class_kv_min"].groupby(sub_fips.to_numpy()).max().reindex(grid.index).fillna(0.0)
    grid["station_loadability_mw"] = (
        pd.Series(class_loadability_mw(subs["voltage_class"]), index=subs.index).groupby(sub_fips.to_numpy()).sum().reindex(grid.index).fillna(0.0)
    )
    grid["gen_mw_total"] = plants["capacity_mw"].groupby(plant_fips.to_numpy()).sum().reindex(grid.index).fillna(0.0)
    grid["load_mw"] = county_load_mw(data_dir).reindex(grid.index).fillna(0.0)
    grid["headroom_mw"] = county_headroom_mw(grid["gen_mw_total"], grid["load_mw"], grid["station_loadability_mw"])
    return grid


def county_headroom_mw(gen_mw: pd.Series, load_mw: pd.Series, station_loadability_mw: pd.Series) -> pd.Series:
    """clip(0.10 x max(0, gen - load) + 0.05 x station loadability, 0, 3,000); 0 without a station."""
    raw = COUNTY_A_SURPLUS * (gen_mw - load_mw).clip(lower=0.0) + COUNTY_B_STATION * station_loadability_mw
    return raw.where(station_loadability_mw > 0, 0.0).clip(0.0, COUNTY_HEADROOM_CAP_MW)


def real_county_candidates(states: list[str], costs: CostAssumptions, data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The 3,108 default counties (ids = 5-digit FIPS) with headroom from HIFLD + GPPD + population and
    county industrial prices (EIA-861 2018 via the PNNL entity mapping, clipped to 30-250 $/MWh)."""
    counties = load_counties()
    facts = load_state_facts()
    grid = real_county_grid(data_dir, counties)
    sites = counties.join(grid)
    sites["state"] = sites["state_fips"].map(facts.reset_index().set_index("state_fips")["state"])
    sites = attach_state_facts(sites, facts)
    sites["county_fips"] = sites.index
    sites = attach_county_co2(sites, load_county_grid())
    sites = apply_county_price(sites, county_price_series(data_dir))
    sites["land_available_acres"] = acres_from_m2(sites["land_m2"]) * costs.developable_land_share
    sites["headroom_source"] = "HIFLD stations + GPPD - population load (docs/real_data.md)"
    sites.index.name = "site_id"
    return _finish(_state_filter(sites, states), "real county candidates")


# --------------------------------------------------------------------------------------------------
# 4. user files

_VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".zip"}
# Limits checked before a candidate file is parsed (a larger file used to end in a MemoryError after
# minutes). 60,000 rows: above the 51,338 HIFLD substations, the largest candidate set the model is
# run on (docs/real_data.md); 256 MB holds 60,000 rows of any reasonable width many times over.
MAX_CANDIDATE_ROWS = 60_000
MAX_CANDIDATE_FILE_BYTES = 256 * 1024 * 1024
# Rows named in the one-line message when a file has unusable rows (all of them are counted).
SHOWN_INVALID_ROWS = 3
# A point this far outside the declared CRS's area of use (degrees) cannot be in that CRS.
AREA_OF_USE_MARGIN_DEG = 1.0
DROP_HINT = "set [candidates] drop_invalid_rows = true to leave them out"


def check_candidate_file_size(path: Path) -> None:
    """Refuse, before reading it, a candidate file above :data:`MAX_CANDIDATE_FILE_BYTES` or
    :data:`MAX_CANDIDATE_ROWS` rows (counted from the file's metadata or its line breaks)."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"{path}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise InputDataError(f"{path}: the file is empty")
    if size > MAX_CANDIDATE_FILE_BYTES:
        raise InputDataError(
            f"{path}: {size / 2**20:,.0f} MB is more than a candidate file may be ({MAX_CANDIDATE_FILE_BYTES / 2**20:,.0f} MB)"
        )
    rows = _count_rows(path)
    if rows is not None and rows > MAX_CANDIDATE_ROWS:
        raise InputDataError(
            f"{path}: {rows:,} rows is more than a candidate file may hold ({MAX_CANDIDATE_ROWS:,}); "
            "split the file or pre-select the sites"
        )


def _count_rows(path: Path) -> int | None:
    """Rows of a candidate file without parsing it (None if the format does not say)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open("rb") as fh:
                lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
            return max(lines - 1, 0)  # the header
        if suffix in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            return int(pq.read_metadata(path).num_rows)
        if suffix in _VECTOR_SUFFIXES:
            import pyogrio  # type: ignore[import-untyped]

            features = int(pyogrio.read_info(path)["features"])
            return features if features >= 0 else None
    except Exception:  # unreadable: _read_points names the file and the problem
        return None
    return None


RawLonLat = tuple[np.ndarray, np.ndarray] | None  # a CSV's lon and lat cells as written (None: a vector file)


def _read_points(path: Path) -> tuple[gpd.GeoDataFrame, RawLonLat]:
    """A user point file as a GeoDataFrame with a CRS (CSV lon/lat in EPSG:4326), one row per file row
    in file order (a CSV row without usable lon/lat gets an empty point; :func:`invalid_rows` says why),
    and for a CSV its lon/lat cells as written."""
    check_candidate_file_size(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = read_table(path, {}, dtype={"site_id": str})
        for col in ("lon", "lat"):
            if col not in df.columns:
                raise InputDataError(f"{path}: missing column '{col}'")
        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        return gdf.reset_index(drop=True), (df["lon"].to_numpy(), df["lat"].to_numpy())
    if suffix not in _VECTOR_SUFFIXES:
        raise InputDataError(f"{path}: unsupported file type {shown(suffix)} (use .csv, .gpkg, .geojson or .parquet)")
    try:
        gdf = gpd.read_parquet(path) if suffix in (".parquet", ".geoparquet") else gpd.read_file(path, engine="pyogrio")
    except Exception as err:  # pyogrio / pyarrow errors
        detail = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise InputDataError(f"{path}: cannot read ({type(err).__name__}: {shown(detail, 160)})") from err
    if len(gdf) == 0:
        raise InputDataError(f"{path}: the file has no features (no candidate sites)")
    if len(gdf) > MAX_CANDIDATE_ROWS:
        raise InputDataError(f"{path}: {len(gdf):,} rows is more than a candidate file may hold ({MAX_CANDIDATE_ROWS:,})")
    if gdf.crs is None:
        raise InputDataError(f"{path}: geometry has no CRS")
    present = gdf.geometry.notna() & ~gdf.geometry.is_empty
    kinds = set(gdf.geom_type[present.to_numpy()])
    if kinds - {"Point"}:
        other = sorted(kinds - {"Point"})[0]
        row = int(np.flatnonzero((gdf.geom_type == other).to_numpy())[0])
        raise InputDataError(
            f"{path}: geometries must be points (found {other}, row {row + 1}); use centroids or one point per site"
        )
    return gdf.reset_index(drop=True), None


def _reason(mask: np.ndarray, reasons: np.ndarray, text: str | np.ndarray) -> None:
    """Give ``text`` to the rows of ``mask`` that have no reason yet (the first problem of a row wins)."""
    take = mask & (reasons == "")
    if take.any():
        reasons[take] = text[take] if isinstance(text, np.ndarray) else text


def _fmt_xy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([f"({a:.6g}, {b:.6g})" for a, b in zip(x, y)], dtype=object)


def _in_conus_box(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon0, lat0, lon1, lat1 = rd.CONUS_BOX
    with np.errstate(invalid="ignore"):
        return (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)


def invalid_rows(gdf: gpd.GeoDataFrame, raw: RawLonLat = None) -> tuple[np.ndarray, np.ndarray]:
    """Why each row of a user point file cannot be used ("" if it can), before any county lookup,
    and each row's lon/lat (NaN where unknown). ``raw``: a CSV's lon/lat cells, to say which is
    missing or not a number."""
    n = len(gdf)
    reasons = np.full(n, "", dtype=object)
    geom = gdf.geometry
    empty = (geom.isna() | geom.is_empty).to_numpy()
    if raw is not None:  # CSV: say which coordinate is missing or not a number
        for col, values in zip(("lon", "lat"), raw):
            text = pd.Series(values, dtype=object)
            missing = text.isna().to_numpy() | (text.astype(str).str.strip() == "").to_numpy()
            _reason(missing, reasons, f"{col} is missing")
            bad = ~missing & pd.to_numeric(text, errors="coerce").isna().to_numpy()
            if bad.any():
                _reason(bad, reasons, np.array([f"{col} is not a number ({shown(str(v), 30)})" for v in values], dtype=object))
    _reason(empty, reasons, "no geometry")
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    ok = ~empty
    x[ok] = geom[ok].x.to_numpy()
    y[ok] = geom[ok].y.to_numpy()
    finite = np.isfinite(x) & np.isfinite(y)
    _reason(ok & ~finite, reasons, "coordinates are not finite numbers")
    crs = gdf.crs
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if crs.is_geographic:
        in_range = finite & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        if (finite & ~in_range).any():
            swapped = _in_conus_box(y, x)
            text = np.where(
                swapped,
                "lon/lat " + _fmt_xy(x, y) + " are outside -180..180 / -90..90; are lon and lat swapped?",
                "lon/lat " + _fmt_xy(x, y) + " are outside -180..180 / -90..90; is the CRS wrong?",
            )
            _reason(finite & ~in_range, reasons, text)
        lon[in_range], lat[in_range] = x[in_range], y[in_range]
    elif finite.any():
        lonlat = gpd.GeoSeries(geom[finite].values, crs=crs).to_crs("EPSG:4326")
        lon[finite], lat[finite] = lonlat.x.to_numpy(), lonlat.y.to_numpy()
        unprojectable = finite & ~(np.isfinite(lon) & np.isfinite(lat))
        _reason(unprojectable, reasons, "coordinates " + _fmt_xy(x, y) + f" are not valid in {crs.to_string()}")
    area = crs.area_of_use
    if area is not None:
        west, south, east, north = area.bounds
        m = AREA_OF_USE_MARGIN_DEG
        # An area of use that crosses the antimeridian (EPSG:4269: 167.65 .. -40.73) is split in two.
        with np.errstate(invalid="ignore"):
            in_lon = (lon >= west - m) & (lon <= east + m) if west <= east else (lon >= west - m) | (lon <= east + m)
            outside = np.isfinite(lon) & ~(in_lon & (lat >= south - m) & (lat <= north + m))
        if outside.any():
            degrees_hint = "" if crs.is_geographic else np.where(
                (np.abs(x) <= 180) & (np.abs(y) <= 90), "; degrees in a file that declares a projected CRS?", ""
            )
            text = (
                "coordinates " + _fmt_xy(x, y) + f" are outside the area of use of {crs.to_string()} "
                f"(lon {west:g}..{east:g}, lat {south:g}..{north:g})" + degrees_hint
            )
            _reason(outside, reasons, np.asarray(text, dtype=object) if isinstance(text, np.ndarray) else text)
    return reasons, np.column_stack([lon, lat])


def _numeric_column(gdf: gpd.GeoDataFrame, col: str, reasons: np.ndarray) -> pd.Series:
    """An optional numeric column (headroom_mw, land_available_acres): every value a finite number >= 0."""
    text = gdf[col]
    values = pd.to_numeric(text, errors="coerce")
    arr = values.to_numpy(dtype=float)
    missing = text.isna().to_numpy()
    _reason(missing, reasons, f"{col} is missing")
    if (~missing & np.isnan(arr)).any():
        _reason(~missing & np.isnan(arr), reasons, np.array([f"{col} is not a number ({shown(str(v), 30)})" for v in text], dtype=object))
    with np.errstate(invalid="ignore"):
        if np.isinf(arr).any():
            _reason(np.isinf(arr), reasons, np.array([f"{col} is not finite ({v:g})" for v in arr], dtype=object))
        negative = np.isfinite(arr) & (arr < 0)
    if negative.any():
        _reason(negative, reasons, np.array([f"{col} is negative ({v:g})" for v in arr], dtype=object))
    return values


def _site_ids(gdf: gpd.GeoDataFrame, reasons: np.ndarray) -> pd.Series:
    """``site_id`` column (stripped; empty ones are bad rows), else ``row-<n>``; duplicates are bad rows."""
    if "site_id" not in gdf.columns:
        return pd.Series([f"row-{i + 1}" for i in range(len(gdf))])
    raw = gdf["site_id"]
    ids = raw.astype(str).str.strip().where(raw.notna(), "")
    _reason((ids == "").to_numpy(), reasons, "site_id is empty")
    dup = (ids.duplicated(keep="first") & (ids != "")).to_numpy()
    if dup.any():
        first_row = pd.Series(np.arange(len(ids)), index=ids.index).groupby(ids.to_numpy()).transform("min").to_numpy()
        _reason(dup, reasons, np.array([f"duplicate site_id {shown(i, 40)} (first on row {r + 1})" for i, r in zip(ids, first_row)], dtype=object))
    return ids.reset_index(drop=True)


def _refuse_or_drop(path: Path, reasons: np.ndarray, ids: pd.Series, drop: bool) -> np.ndarray:
    """Boolean mask of usable rows; without ``drop`` any unusable row refuses the file (one line
    naming the count and the first rows, with their ids and reasons)."""
    bad = reasons != ""
    if not bad.any():
        return ~bad
    rows = np.flatnonzero(bad)
    shown_rows = []
    for r in rows[:SHOWN_INVALID_ROWS]:
        who = f"row {r + 1}" + ("" if ids.iloc[r] in ("", f"row-{r + 1}") else f" (site_id {shown(ids.iloc[r], 40)})")
        shown_rows.append(f"{who}: {reasons[r]}")
    more = f"; and {len(rows) - SHOWN_INVALID_ROWS:,} more" if len(rows) > SHOWN_INVALID_ROWS else ""
    head = f"{path}: {len(rows):,} of {len(reasons):,} rows cannot be used: " + "; ".join(shown_rows) + more
    if bad.all():
        raise InputDataError(f"{head} (no usable row left)")
    if not drop:
        raise InputDataError(f"{head} (fix them, or {DROP_HINT})")
    return ~bad


def file_candidates(
    path: Path,
    states: list[str],
    costs: CostAssumptions,
    site_radius_km: float = SITE_RADIUS_KM,
    drop_invalid_rows: bool = False,
) -> gpd.GeoDataFrame:
    """User candidate points. Optional columns: ``site_id`` (else ``row-<n>``, 1-based), ``headroom_mw``
    (else the containing county's default headroom from data/county_grid.csv: every point in a county
    gets the whole county figure), ``land_available_acres`` (else developable share x a 10 km circle).
    Needs only the default dataset.

    Every row that cannot be used (no or non-numeric coordinates, lon/lat out of range or swapped,
    outside the declared CRS's area of use, more than 25 km from any contiguous-US county, a missing,
    negative or non-finite headroom or land value, an empty or repeated site_id) is reported with its
    row number, id and reason, and the file is refused, unless ``drop_invalid_rows`` (the scenario's
    ``[candidates] drop_invalid_rows``): then those rows are left out, counted in
    ``attrs["dropped_points"]`` and listed in ``attrs["invalid_rows"]`` (row, site_id, reason).
    Files above :data:`MAX_CANDIDATE_ROWS` rows or :data:`MAX_CANDIDATE_FILE_BYTES` are refused before
    they are read."""
    path = Path(path)
    gdf, raw = _read_points(path)
    reasons, lonlat = invalid_rows(gdf, raw)
    values = {col: _numeric_column(gdf, col, reasons) for col in ("headroom_mw", "land_available_acres") if col in gdf.columns}
    ids = _site_ids(gdf, reasons)
    # County of every row whose point is usable: rows > 25 km from any county are not in the contiguous US.
    counties = load_counties()
    usable = reasons == ""
    fips = pd.Series(np.nan, index=gdf.index, dtype=object)
    if usable.any():
        points = to_project_crs(gpd.GeoDataFrame(geometry=gdf.geometry[usable].values, crs=gdf.crs), str(path))
        fips.iloc[np.flatnonzero(usable)] = county_of_points(points, counties).to_numpy()
    no_county = usable & fips.isna().to_numpy()
    if no_county.any():
        lon, lat = lonlat[:, 0], lonlat[:, 1]
        swapped = _in_conus_box(lat, lon)
        text = np.where(
            swapped,
            "lon/lat " + _fmt_xy(lon, lat) + " is not in the contiguous US; are lon and lat swapped?",
            "lon/lat " + _fmt_xy(lon, lat) + f" is not in the contiguous US (more than {NEAREST_COUNTY_MAX_M / 1000:g} km from any county)",
        )
        _reason(no_county, reasons, text)
    keep = _refuse_or_drop(path, reasons, ids, drop_invalid_rows)
    dropped = [
        {"row": int(r) + 1, "site_id": str(ids.iloc[r]), "reason": str(reasons[r])} for r in np.flatnonzero(~keep)
    ]
    out = gdf.loc[keep].drop(columns=[c for c in ("site_id", "state", "county_fips", "county_name") if c in gdf.columns])
    for col, series in values.items():
        out[col] = series[keep].astype(float)
    out.index = pd.Index(ids[keep].to_numpy(), name="site_id")
    sites = attach_site_facts(to_project_crs(out, str(path)), costs, counties=counties, fips=pd.Series(fips[keep].to_numpy(), index=out.index))
    if "headroom_mw" not in sites.columns:
        sites["headroom_mw"] = sites["county_fips"].map(load_county_grid()["headroom_mw"])
        sites["headroom_source"] = "county default (data/county_grid.csv, whole county per point)"
    else:
        sites["headroom_source"] = "file"
    if "land_available_acres" not in sites.columns:
        sites["land_m2"] = _circle_m2(site_radius_km)
        sites["land_available_acres"] = acres_from_m2(sites["land_m2"]) * costs.developable_land_share
    result = _finish(_state_filter(sites, states), str(path))
    result.attrs["dropped_points"] = len(dropped)
    result.attrs["invalid_rows"] = dropped
    return result


# --------------------------------------------------------------------------------------------------
# 5. existing data centers


def existing_datacenters(data_dir: Path | None = None, acres_per_mw: float = 0.8) -> gpd.GeoDataFrame:
    """Atlas centroids (PROJECT_CRS) with operator, name, sqft, type, county_fips and ``est_mw`` (IT MW).

    est_mw: buildings 150 W/sqft of footprint; campuses (sqft = campus land) land / ``acres_per_mw``;
    no sqft: the median building estimate. ``est_mw_basis`` says which. PR and points > 25 km from
    any CONUS county get county_fips NaN (they stay on maps; they count nowhere).
    """
    dc = rd.load_datacenters(data_dir)
    dc.index = pd.Index([f"dc-{i}" for i in range(len(dc))], name="dc_id")
    building_mw = dc["sqft"] * IT_W_PER_SQFT / 1e6
    campus_mw = dc["sqft"] / SQFT_PER_ACRE / acres_per_mw
    est = np.where(dc["type"] == "campus", campus_mw, building_mw)
    median_mw = float(np.nanmedian(building_mw[dc["type"] == "building"]))
    basis = np.where(dc["type"] == "campus", "campus land / acres_per_mw", f"{IT_W_PER_SQFT:.0f} W/sqft of footprint")
    no_sqft = dc["sqft"].isna().to_numpy()
    dc["est_mw"] = np.where(no_sqft, median_mw, est)
    dc["est_mw_basis"] = np.where(no_sqft, "median building (no sqft)", basis)
    dc["county_fips"] = county_of_points(dc, load_counties())
    return dc


def existing_mw_by_county(existing: gpd.GeoDataFrame | None = None, data_dir: Path | None = None) -> pd.Series:
    """Sum of ``est_mw`` per 5-char county FIPS (points outside CONUS left out)."""
    existing = existing_datacenters(data_dir) if existing is None else existing
    return existing.dropna(subset=["county_fips"]).groupby("county_fips")["est_mw"].sum().rename("existing_mw")


def subtract_existing_load(candidates: gpd.GeoDataFrame, existing_mw_by_county: pd.Series, share: float) -> gpd.GeoDataFrame:
    """Headroom minus ``share`` x existing data-center MW of the candidate's county, clipped at 0.

    Every candidate in a county loses the full county amount (existing load sits on the same local
    grid; for one-per-county candidates this is exact, for substations conservative).
    """
    if not 0.0 <= share <= 1.0:
        raise InputDataError(f"existing data centers: share must be in 0..1, got {share}")
    out = candidates.copy()
    existing = out["county_fips"].map(existing_mw_by_county).fillna(0.0)
    out["existing_dc_mw"] = existing
    out["headroom_mw"] = (out["headroom_mw"] - share * existing).clip(lower=0.0)
    return out


def cluster_bonus(candidates: gpd.GeoDataFrame, existing: gpd.GeoDataFrame, radius_km: float, usd_per_mw: float) -> pd.Series:
    """Capex reduction $/MW for candidates within ``radius_km`` of an existing data center (else 0).

    Assumption: fibre, skilled labour and supply chain already there; not from a published source.
    """
    cand = to_project_crs(candidates, "candidates")
    ex = to_project_crs(existing, "existing data centers")
    bonus = pd.Series(0.0, index=candidates.index, name="cluster_bonus_usd_per_mw")
    if len(ex) == 0 or len(cand) == 0:
        return bonus
    dist_m, _ = cKDTree(_xy(ex)).query(_xy(cand), k=1, distance_upper_bound=radius_km * 1000.0)
    bonus[np.isfinite(dist_m)] = usd_per_mw
    return bonus


__all__ = [
    "apply_county_price",
    "attach_site_facts",
    "substation_candidates",
    "real_county_candidates",
    "real_county_grid",
    "file_candidates",
    "existing_datacenters",
    "existing_mw_by_county",
    "subtract_existing_load",
    "cluster_bonus",
]
