"""Build ``data/county_grid.csv``: per-county grid facts from the TAMU synthetic US grid.

Source
------
The TAMU / Breakthrough Energy synthetic US transmission network ("usa_tamu",
Xu et al. 2020, built on the Texas A&M synthetic grids) as shipped inside the
``powersimdata`` wheel on PyPI (MIT license), under
``powersimdata/network/usa_tamu/data/``: ``sub.csv`` (substations with lat/lon),
``bus.csv`` (baseKV, Pd), ``bus2sub.csv``, ``plant.csv`` (Pmax, fuel type) and
``branch.csv`` (rateA, device type).  The CSVs are read straight out of the wheel
zip; powersimdata itself is never installed.

County polygons are the Census 2016 cartographic boundaries (1:500k) shipped in
the ``plotly-geo`` package (``_plotly_geo/package_data/cb_2016_us_county_500k.shp``,
NAD83 geographic, EPSG:4269).  Alaska, Hawaii and the territories are dropped,
leaving the 3,108 counties of the 48 contiguous states + DC.

County assignment
-----------------
Every substation point is assigned to the county polygon containing it.  Points
that fall just outside every polygon (coastline generalisation of the 1:500k
boundaries) are assigned to the nearest county in the projected CRS EPSG:5070
(CONUS Albers) if it is within ``MAX_SNAP_KM``; farther points are dropped.
Buses follow their substation (``bus2sub``), generators follow their bus, and
branches follow the substations at their two ends.

Columns
-------
* ``substations``: substations located in the county.
* ``substations_ge_230kv`` / ``max_kv``: substations whose highest bus baseKV is
  >= 230 kV, and the highest bus baseKV in the county (0 when no substation).
* ``gen_mw_*``: installed Pmax (MW) of all plants in ``plant.csv`` (regardless
  of the base-case ``status`` flag, which only reflects the snapshot commitment),
  grouped by fuel: gas = ng; coal; nuclear; hydro; wind = wind + wind_offshore;
  solar; other = dfo, geothermal, other.
* ``load_mw``: sum of bus Pd (the synthetic grid's peak-ish demand snapshot).
* ``hv_branch_rating_mw``: sum of rateA (MW) of AC *lines* at >= 230 kV that join
  two different substations and have at least one end in the county; a line
  with both ends in the county counts once, a line crossing a county border
  counts in both counties.  Excluded, by design:
    - transformers and transformer windings: in this dataset every one of them
      has both ends in the same substation; they convert voltage inside a
      substation and add no import capacity into the county (counting them
      would double count the lines they feed);
    - same-substation "lines": zero-impedance bus ties, all with rateA = 0
      (MATPOWER's "unlimited"), not transmission corridors.
  An inter-substation line with rateA = 0 (one 345 kV line in 0.5.5) is given
  the median rateA of rated inter-substation lines at its voltage.

Headroom method
---------------
``headroom_mw`` is a screening estimate of how many MW of new *firm* load the
county's existing grid could take without major upgrades::

    headroom = clip( A_SURPLUS * max(0, gen_mw_total - load_mw)
                     + B_HV_LINE * hv_branch_rating_mw, 0, HEADROOM_CAP_MW )

and 0 for counties with no substation.

* ``A_SURPLUS = 0.10``: only a small part of local surplus nameplate is firm,
  deliverable capacity for new load.  Nameplate includes wind/solar (low
  capacity credit) and units already committed to exporting power; system
  planners hold 15-20 % reserve margins, so on the order of 10 % of the local
  surplus is a defensible share that could be re-dispatched to a new load.
* ``B_HV_LINE = 0.015``: rateA is the thermal rating of each line, but lines are
  operated for N-1 security (the loss of the largest line must be absorbed by
  the others) and carry through-flows; loading of HV lines at peak is typically
  50-70 % of rating and the N-1 margin consumes most of the rest, so only a few
  percent of the aggregate rating touching the county is spare for one point
  load.  1.5 % gives a county with one 345 kV line through it (~2.4 GW counted,
  both directions of one line) ~35 MW, a 500 kV hub with ~12 lines (~30 GW)
  ~450 MW and the largest 765/500 kV metro hubs (100-180 GW) 1.5-2.7 GW, in
  line with the size of single-site interconnections granted without network
  upgrades.  It also puts the national sum at ~300 GW (see docs).
* ``HEADROOM_CAP_MW = 3000``: no single county realistically absorbs more than
  ~3 GW of new firm load without major transmission build-out.

The summary printed at the end of the run is reproduced in ``docs/grid_headroom.md``.

CO2 by eGRID subregion (issue 24, item 9)
-----------------------------------------
The three last columns come from files in ``../shared/data`` (read, never copied) and one small EPA table
held in ``data/egrid_ba_subregion.csv``; nothing in them depends on the synthetic grid:

* ``co2_kg_per_mwh``: the US EPA eGRID2022 CO2 output emission rate (``SRCO2RTA``, lb/MWh x 0.45359237,
  rounded to 0.01) of the eGRID subregion that serves the county, or the county's eGRID2022 STATE rate
  (``STCO2RTA``, the value in ``data/state_facts.csv``) where no subregion is found;
* ``co2_source``: ``subregion:<SUBRGN>`` or ``state_fallback``;
* ``co2_method``: which step below placed the county.

The serving utility is the county's utility with the highest ``Total_Sales_MWh`` in the PNNL IM3 entity
mapping (``pnnl_electricity_entity_mapping_2018.csv``, EIA-861 2018; the repository's own convention;
ties broken by the lower utility number). Its 2018 NERC region, balancing authority (BA) and EIA utility
number go through eGRID's own subregion assignment for plants, in EPA's order (USEPA/egrid,
``scripts/1_production_model/plant_file_create.R``), with the utility as its own T/D system owner:

1. ``nerc``: NERC region TRE -> ERCT, FRCC -> FRCC (EPA's first rule);
2. ``ba``: the BA's subregion in EPA's BA table (``data/egrid_ba_subregion.csv``; blank for the BAs that
   span several subregions: MISO, PJM, SWPP, SPA, NYIS, NEVP, WACM, WALC, WAUW, ...);
3. ``utility_xwalk``: ``egrid/xwalk_subregion_utility.csv`` rows with the utility's NERC region, BA and
   utility ID (any T/D owner), if they name one subregion;
4. ``transmission_xwalk``: ``egrid/xwalk_subregion_transmission.csv`` rows with the utility's NERC region
   and BA and the utility as T/D owner, if they name one subregion;
5. ``transmission_xwalk_ba``: as 4 without the NERC region (the mapping's regions are 2018's, the
   crosswalk's 2023's: SPP became MRO/SERC), if one subregion;
6. ``next_utility``: the county's largest other utility that steps 1-5 place (the serving utility is
   often a cooperative or municipal that is not a T/D owner in the ISO crosswalk);
7. ``state_fallback``: none placed -- the state rate.

County codes follow ``build_county_prices.FIPS_RECODE`` (PNNL 2018 codes -> Census 2016).

Usage::

    python data/build/build_county_grid.py [--wheel powersimdata-0.5.5-py3-none-any.whl] \
        [--out data/county_grid.csv] [--shared ../shared/data]
    python data/build/build_county_grid.py --co2-only   # recompute only the CO2 columns of --out
"""

from __future__ import annotations

import argparse
import importlib.resources
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

POWERSIMDATA_VERSION = "0.5.5"
WHEEL_DATA_DIR = "powersimdata/network/usa_tamu/data/"
TABLES = ("sub", "bus", "bus2sub", "plant", "branch")

SOURCE = (
    f"TAMU/Breakthrough Energy synthetic US grid via powersimdata {POWERSIMDATA_VERSION} "
    "(MIT); derived by data/build/build_county_grid.py"
)

GEOGRAPHIC_CRS = "EPSG:4269"  # NAD83, CRS of the Census cartographic boundary file
PROJECTED_CRS = "EPSG:5070"  # NAD83 / CONUS Albers equal area (metres)
MAX_SNAP_KM = 20.0
HV_KV = 230.0

# Headroom constants (justified in the module docstring and docs/grid_headroom.md).
A_SURPLUS = 0.10
B_HV_LINE = 0.015
HEADROOM_CAP_MW = 3000.0

NON_CONUS_STATEFP = frozenset({"02", "15", "60", "66", "69", "72", "78"})

STATEFP_TO_USPS: dict[str, str] = {
    "01": "AL", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME",
    "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO",
    "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR",
    "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX",
    "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI",
    "56": "WY",
}  # fmt: skip

FUEL_GROUP: dict[str, str] = {
    "ng": "gas",
    "coal": "coal",
    "nuclear": "nuclear",
    "hydro": "hydro",
    "wind": "wind",
    "wind_offshore": "wind",
    "solar": "solar",
    "dfo": "other",
    "geothermal": "other",
    "other": "other",
}
FUEL_GROUPS = ("gas", "coal", "nuclear", "hydro", "wind", "solar", "other")

GRID_COLUMNS = [
    "fips", "state", "substations", "substations_ge_230kv", "max_kv",
    "gen_mw_total", *[f"gen_mw_{g}" for g in FUEL_GROUPS],
    "load_mw", "hv_branch_rating_mw", "headroom_mw", "source",
]  # fmt: skip
# Appended after the grid columns so that the grid part of the table is unchanged byte for byte.
CO2_COLUMNS = ["co2_kg_per_mwh", "co2_source", "co2_method"]
OUTPUT_COLUMNS = GRID_COLUMNS + CO2_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
BA_TABLE = REPO_ROOT / "data" / "egrid_ba_subregion.csv"
LB_TO_KG = 0.45359237  # exact, by definition of the avoirdupois pound
# PNNL 2018 county codes -> Census 2016 (as data/build/build_county_prices.py, which explains each).
FIPS_RECODE = {"11000": "11001", "46113": "46102", "51515": "51019"}
CO2_METHODS = (
    "nerc", "ba", "utility_xwalk", "transmission_xwalk", "transmission_xwalk_ba", "next_utility", "state_fallback",
)  # fmt: skip
NERC_SUBREGION = {"TRE": "ERCT", "FRCC": "FRCC"}  # EPA's first rule (plant_file_create.R)


# --------------------------------------------------------------------------- inputs


def download_wheel(version: str, dest: Path) -> Path:
    """Download the powersimdata wheel (no dependencies) into ``dest`` with pip."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", str(dest), f"powersimdata=={version}"],
        check=True,
    )  # fmt: skip
    wheels = sorted(dest.glob(f"powersimdata-{version}-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"no powersimdata {version} wheel in {dest}")
    return wheels[0]


def read_wheel_tables(wheel: Path, tables: tuple[str, ...] = TABLES) -> dict[str, pd.DataFrame]:
    """Read the usa_tamu network CSVs straight out of the wheel zip."""
    out: dict[str, pd.DataFrame] = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in tables:
            with zf.open(f"{WHEEL_DATA_DIR}{name}.csv") as fh:
                out[name] = pd.read_csv(io.BytesIO(fh.read()))
    return out


def county_shapefile_path() -> Path:
    """Path of the Census 2016 county boundary shapefile shipped in plotly-geo."""
    res = importlib.resources.files("_plotly_geo") / "package_data" / "cb_2016_us_county_500k.shp"
    return Path(str(res))


def conus_counties(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Contiguous-US counties (48 states + DC) with ``fips``, ``state``, geometry."""
    gdf = raw[~raw["STATEFP"].isin(NON_CONUS_STATEFP)].copy()
    if gdf.crs is None:
        gdf = gdf.set_crs(GEOGRAPHIC_CRS)
    gdf["fips"] = gdf["GEOID"].astype(str).str.zfill(5)
    gdf["state"] = gdf["STATEFP"].map(STATEFP_TO_USPS)
    if gdf["state"].isna().any():
        raise ValueError("unknown STATEFP in county file")
    return gdf[["fips", "state", "geometry"]].sort_values("fips").reset_index(drop=True)


def load_counties(path: Path | None = None) -> gpd.GeoDataFrame:
    """Read and filter the county polygons."""
    return conus_counties(gpd.read_file(path or county_shapefile_path()))


# ------------------------------------------------------------------ spatial join


def assign_points_to_counties(
    points: pd.DataFrame,
    counties: gpd.GeoDataFrame,
    max_snap_km: float = MAX_SNAP_KM,
) -> pd.Series:
    """Map point ids (``points.index``, with ``lon``/``lat`` columns) to county fips.

    Points inside a polygon get that county; the others get the nearest county
    within ``max_snap_km`` (measured in EPSG:5070); farther points are dropped.
    """
    pts = gpd.GeoDataFrame(
        index=points.index,
        geometry=gpd.points_from_xy(points["lon"], points["lat"]),
        crs=GEOGRAPHIC_CRS,
    )
    polys = counties[["fips", "geometry"]].to_crs(GEOGRAPHIC_CRS)
    inside = gpd.sjoin(pts, polys, how="inner", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]["fips"]
    rest = pts.loc[~pts.index.isin(inside.index)]
    if len(rest):
        near = gpd.sjoin_nearest(
            rest.to_crs(PROJECTED_CRS),
            polys.to_crs(PROJECTED_CRS),
            how="inner",
            max_distance=max_snap_km * 1000.0,
        )
        near = near[~near.index.duplicated(keep="first")]["fips"]
        inside = pd.concat([inside, near])
    return inside.rename("fips").sort_index()


# ------------------------------------------------------------------ aggregation


def bus_table(bus: pd.DataFrame, bus2sub: pd.DataFrame, sub_fips: pd.Series) -> pd.DataFrame:
    """Buses with ``sub_id``, ``fips``, ``baseKV``, ``Pd`` (fips NaN if unassigned)."""
    b = bus[["bus_id", "baseKV", "Pd"]].merge(bus2sub[["bus_id", "sub_id"]], on="bus_id", how="left")
    b["fips"] = b["sub_id"].map(sub_fips)
    return b.set_index("bus_id")


def substation_stats(buses: pd.DataFrame, sub_fips: pd.Series) -> pd.DataFrame:
    """Per-county substation count, count with max kV >= 230, and max kV."""
    sub_kv = buses.groupby("sub_id")["baseKV"].max()
    subs = pd.DataFrame({"fips": sub_fips})
    subs["kv"] = sub_kv.reindex(subs.index).fillna(0.0)
    g = subs.groupby("fips")
    return pd.DataFrame(
        {
            "substations": g.size(),
            "substations_ge_230kv": g["kv"].apply(lambda s: int((s >= HV_KV).sum())),
            "max_kv": g["kv"].max(),
        }
    )


def generation_stats(plant: pd.DataFrame, buses: pd.DataFrame) -> pd.DataFrame:
    """Per-county installed Pmax by fuel group (``gen_mw_<group>``) and total."""
    p = plant[["bus_id", "type", "Pmax"]].copy()
    p["fips"] = p["bus_id"].map(buses["fips"])
    p["group"] = p["type"].map(FUEL_GROUP).fillna("other")
    p = p.dropna(subset=["fips"])
    wide = p.pivot_table(index="fips", columns="group", values="Pmax", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=list(FUEL_GROUPS), fill_value=0.0)
    wide.columns = [f"gen_mw_{c}" for c in wide.columns]
    wide.insert(0, "gen_mw_total", wide.sum(axis=1))
    return wide


def hv_lines(branch: pd.DataFrame, buses: pd.DataFrame, min_kv: float = HV_KV) -> pd.DataFrame:
    """Inter-substation AC lines at >= ``min_kv`` with from/to county and rating.

    Transformers and same-substation bus ties are excluded (see module docstring).
    Unrated (rateA == 0) inter-substation lines get the median rating of rated
    lines at the same voltage.
    """
    br = branch[["from_bus_id", "to_bus_id", "rateA", "branch_device_type"]].copy()
    br = br[br["branch_device_type"] == "Line"]
    for end in ("from", "to"):
        ids = br[f"{end}_bus_id"]
        br[f"{end}_sub"] = ids.map(buses["sub_id"])
        br[f"{end}_fips"] = ids.map(buses["fips"])
        br[f"{end}_kv"] = ids.map(buses["baseKV"])
    br["kv"] = br[["from_kv", "to_kv"]].min(axis=1)
    br = br[(br["kv"] >= min_kv) & (br["from_sub"] != br["to_sub"])].copy()
    rated = br[br["rateA"] > 0].groupby("kv")["rateA"].median()
    unrated = br["rateA"] <= 0
    br.loc[unrated, "rateA"] = br.loc[unrated, "kv"].map(rated).fillna(0.0)
    return br[["from_fips", "to_fips", "kv", "rateA"]].reset_index(drop=True)


def hv_branch_rating(lines: pd.DataFrame) -> pd.Series:
    """Sum of rateA per county over lines with >= 1 end there (once if both ends)."""
    ends = pd.concat(
        [
            lines[["from_fips", "rateA"]].rename(columns={"from_fips": "fips"}).reset_index(),
            lines[["to_fips", "rateA"]].rename(columns={"to_fips": "fips"}).reset_index(),
        ]
    ).dropna(subset=["fips"])
    ends = ends.drop_duplicates(subset=["index", "fips"])
    return ends.groupby("fips")["rateA"].sum().rename("hv_branch_rating_mw")


def headroom_mw(
    gen_mw_total: np.ndarray | pd.Series,
    load_mw: np.ndarray | pd.Series,
    hv_branch_rating_mw: np.ndarray | pd.Series,
    substations: np.ndarray | pd.Series,
) -> np.ndarray:
    """Headroom formula: clip(A·max(0, gen − load) + B·hv_rating, 0, cap); 0 without substations."""
    gen = np.asarray(gen_mw_total, dtype=float)
    load = np.asarray(load_mw, dtype=float)
    hv = np.asarray(hv_branch_rating_mw, dtype=float)
    raw = A_SURPLUS * np.maximum(0.0, gen - load) + B_HV_LINE * hv
    out = np.clip(raw, 0.0, HEADROOM_CAP_MW)
    return np.where(np.asarray(substations) > 0, out, 0.0)


def aggregate_county_grid(
    counties: pd.DataFrame,
    sub_fips: pd.Series,
    bus: pd.DataFrame,
    bus2sub: pd.DataFrame,
    plant: pd.DataFrame,
    branch: pd.DataFrame,
    source: str = SOURCE,
) -> pd.DataFrame:
    """One row per county in ``counties`` (``fips``, ``state``) with all output columns."""
    buses = bus_table(bus, bus2sub, sub_fips)
    out = counties[["fips", "state"]].drop_duplicates("fips").set_index("fips")
    out = out.join(substation_stats(buses, sub_fips))
    out = out.join(generation_stats(plant, buses))
    out = out.join(buses.dropna(subset=["fips"]).groupby("fips")["Pd"].sum().rename("load_mw"))
    out = out.join(hv_branch_rating(hv_lines(branch, buses)))
    num = [c for c in GRID_COLUMNS if c not in ("fips", "state", "source")]
    for c in num:
        if c not in out.columns:
            out[c] = 0.0
    out[num] = out[num].fillna(0.0)
    out["substations"] = out["substations"].astype(int)
    out["substations_ge_230kv"] = out["substations_ge_230kv"].astype(int)
    mw = [c for c in num if c.endswith("_mw") or c.startswith("gen_mw_")]
    out[mw] = out[mw].astype(float).round(1)
    out["headroom_mw"] = np.round(
        headroom_mw(out["gen_mw_total"], out["load_mw"], out["hv_branch_rating_mw"], out["substations"]),
        1,
    )
    out["max_kv"] = out["max_kv"].astype(float)
    out["source"] = source
    return out.reset_index()[GRID_COLUMNS].sort_values("fips").reset_index(drop=True)


# ------------------------------------------------------------ CO2 by eGRID subregion


def read_entity_mapping(shared: Path) -> pd.DataFrame:
    """PNNL county x utility rows: ``fips`` (Census 2016 code), ``utility_id``, ``utility_name``,
    ``sales_mwh`` (the utility's total 2018 sales, repeated on each of its counties), ``nerc``, ``ba``."""
    raw = pd.read_csv(shared / "pnnl_electricity_entity_mapping_2018.csv", dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "fips": raw["County_FIPS"].str.zfill(5).replace(FIPS_RECODE),
            "utility_id": pd.to_numeric(raw["Utility_Number"]).astype(int),
            "utility_name": raw["Utility_Name"],
            # '.' (not reported) in 3 rows: ranked below every reported utility
            "sales_mwh": pd.to_numeric(raw["Total_Sales_MWh"], errors="coerce"),
            "nerc": raw["NERC_Region_Short_Name"],
            "ba": raw["BA_Short_Name"],
        }
    )
    return out.loc[out["utility_id"] > 0].reset_index(drop=True)  # -9999 = no utility (2 rows)


def read_subregion_crosswalks(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EPA's per-utility and per-T/D-owner subregion lookups, deduplicated, with short column names.

    Read with ``keep_default_na=False``: ``NA`` is a balancing-authority code in these files."""
    names = {
        "NERC Region": "nerc",
        "Balancing Authority Code": "ba",
        "Transmission or Distribution System Owner ID": "owner_id",
        "Utility ID": "utility_id",
        "SUBRGN": "subregion",
    }
    tables = []
    for name in ("xwalk_subregion_utility.csv", "xwalk_subregion_transmission.csv"):
        df = pd.read_csv(shared / "egrid" / name, dtype=str, keep_default_na=False).rename(columns=names)
        for col in ("owner_id", "utility_id"):
            if col in df:
                df[col] = pd.to_numeric(df[col]).astype(int)
        tables.append(df.drop_duplicates().reset_index(drop=True))
    return tables[0], tables[1]


def read_ba_subregions(path: Path = BA_TABLE) -> pd.Series:
    """BA code -> eGRID subregion from EPA's BA table; BAs spanning several subregions are left out."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.loc[df["subregion"] != ""]
    return df.set_index("ba_code")["subregion"]


def _unique_match(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> pd.Series:
    """Per row of ``keys``: the one subregion of the ``table`` rows that share the ``on`` columns (NaN if
    there are none, or more than one subregion)."""
    hits = keys[on].reset_index().merge(table[[*on, "subregion"]], on=on, how="inner")
    subs = hits.groupby("index")["subregion"].agg(["nunique", "first"])
    one = subs.loc[subs["nunique"] == 1, "first"]
    return one.reindex(keys.index)


def place_utilities(
    utilities: pd.DataFrame, ba_subregion: pd.Series, xw_utility: pd.DataFrame, xw_transmission: pd.DataFrame
) -> pd.DataFrame:
    """eGRID subregion and the step that found it (module docstring, steps 1-5) for each distinct
    (``utility_id``, ``nerc``, ``ba``) in ``utilities``; ``subregion`` NaN where no step applies."""
    u = utilities[["utility_id", "nerc", "ba"]].drop_duplicates().reset_index(drop=True)
    owner = u.rename(columns={"utility_id": "owner_id"})
    steps = [
        ("nerc", u["nerc"].map(NERC_SUBREGION)),
        ("ba", u["ba"].map(ba_subregion)),
        ("utility_xwalk", _unique_match(u, xw_utility, ["nerc", "ba", "utility_id"])),
        ("transmission_xwalk", _unique_match(owner, xw_transmission, ["nerc", "ba", "owner_id"])),
        ("transmission_xwalk_ba", _unique_match(owner, xw_transmission, ["ba", "owner_id"])),
    ]
    u["subregion"] = pd.Series(np.nan, index=u.index, dtype=object)
    u["method"] = pd.Series(np.nan, index=u.index, dtype=object)
    for method, found in steps:  # earlier steps win, as EPA's rows_patch chain
        take = u["subregion"].isna() & found.notna()
        u.loc[take, "subregion"] = found[take]
        u.loc[take, "method"] = method
    return u


def read_co2_rates(shared: Path) -> tuple[pd.Series, pd.Series]:
    """eGRID2022 CO2 output emission rates in kg/MWh (rounded to 0.01): by subregion and by state."""
    sub = pd.read_csv(shared / "egrid2022_subregion.csv").set_index("SUBRGN")["SRCO2RTA"].astype(float)
    st = pd.read_csv(shared / "egrid2022_state.csv").set_index("PSTATABB")["STCO2RTA"].astype(float)
    return (sub * LB_TO_KG).round(2), (st * LB_TO_KG).round(2)


def county_co2(
    counties: pd.DataFrame,
    mapping: pd.DataFrame,
    placed: pd.DataFrame,
    subregion_kg: pd.Series,
    state_kg: pd.Series,
) -> pd.DataFrame:
    """Per county (``fips``, ``state``): ``co2_kg_per_mwh``, ``co2_source``, ``co2_method``, plus the
    serving utility and its subregion for the report (``serving_utility``, ``subregion``)."""
    m = mapping.merge(placed, on=["utility_id", "nerc", "ba"], how="left")
    m = m.sort_values(["fips", "sales_mwh", "utility_id"], ascending=[True, False, True], na_position="last")
    serving = m.drop_duplicates("fips").set_index("fips")
    next_placed = m.dropna(subset=["subregion"]).drop_duplicates("fips").set_index("fips")["subregion"]
    out = counties[["fips", "state"]].drop_duplicates("fips").set_index("fips")
    out["serving_utility"] = serving["utility_name"].reindex(out.index)
    out["subregion"] = serving["subregion"].reindex(out.index)
    out["co2_method"] = serving["method"].reindex(out.index)
    nxt = out["subregion"].isna() & next_placed.reindex(out.index).notna()
    out.loc[nxt, "subregion"] = next_placed.reindex(out.index)[nxt]
    out.loc[nxt, "co2_method"] = "next_utility"
    unknown = sorted(set(out["subregion"].dropna()) - set(subregion_kg.index))
    if unknown:
        raise ValueError(f"egrid2022_subregion.csv: no row for subregion {unknown[0]}")
    has = out["subregion"].notna()
    out["co2_kg_per_mwh"] = out["subregion"].map(subregion_kg).where(has, out["state"].map(state_kg))
    if out["co2_kg_per_mwh"].isna().any():
        raise ValueError(f"egrid2022_state.csv: no row for state {out.loc[out['co2_kg_per_mwh'].isna(), 'state'].iloc[0]}")
    out["co2_source"] = ("subregion:" + out["subregion"].astype(str)).where(has, "state_fallback")
    out["co2_method"] = out["co2_method"].where(has, "state_fallback")
    return out.reset_index()


def build_co2(counties: pd.DataFrame, shared: Path, ba_table: Path = BA_TABLE) -> pd.DataFrame:
    """:func:`county_co2` from the files in ``shared`` and ``ba_table``."""
    mapping = read_entity_mapping(shared)
    xw_utility, xw_transmission = read_subregion_crosswalks(shared)
    placed = place_utilities(mapping, read_ba_subregions(ba_table), xw_utility, xw_transmission)
    subregion_kg, state_kg = read_co2_rates(shared)
    return county_co2(counties, mapping, placed, subregion_kg, state_kg)


def with_co2(grid: pd.DataFrame, co2: pd.DataFrame) -> pd.DataFrame:
    """The grid columns unchanged, then the CO2 columns (one row per county, same order)."""
    out = grid[GRID_COLUMNS].merge(co2[["fips", *CO2_COLUMNS]], on="fips", how="left", validate="one_to_one")
    if out[CO2_COLUMNS].isna().any().any():
        raise ValueError(f"no CO2 rate for county {out.loc[out[CO2_COLUMNS].isna().any(axis=1), 'fips'].iloc[0]}")
    return out[OUTPUT_COLUMNS]


def summarize_co2(co2: pd.DataFrame, state_kg: pd.Series, top: int = 12) -> str:
    """Counts by method and source, and the largest changes from the state rate."""
    d = co2.assign(state_kg=co2["state"].map(state_kg))
    d["change_kg"] = (d["co2_kg_per_mwh"] - d["state_kg"]).round(2)
    lines = [f"CO2: {len(d):,} counties; subregion {int((d['co2_source'] != 'state_fallback').sum()):,}, "
             f"state_fallback {int((d['co2_source'] == 'state_fallback').sum()):,}"]  # fmt: skip
    lines.append("by method: " + ", ".join(f"{k}={v:,}" for k, v in d["co2_method"].value_counts().items()))
    by_state = d.groupby("state")["change_kg"].agg(["size", "min", "mean", "max"]).round(1)
    lines.append("change from the state rate (kg/MWh) by state:")
    lines.append(by_state.to_string())
    cols = ["fips", "state", "serving_utility", "co2_source", "co2_method", "state_kg", "co2_kg_per_mwh", "change_kg"]
    order = d["change_kg"].abs().sort_values(ascending=False, kind="mergesort").index[:top]
    lines.append(f"largest {top} |changes|:")
    lines.append(d.loc[order, cols].to_string(index=False))
    return "\n".join(lines)


# ------------------------------------------------------------------ reporting


def summarize(df: pd.DataFrame, tables: dict[str, pd.DataFrame] | None = None, dropped_subs: int = 0) -> str:
    """Human-readable summary (counts, quantiles, national sums, top 10 headroom)."""
    lines: list[str] = []
    if tables is not None:
        lines.append("Input tables (rows): " + ", ".join(f"{k}={len(v):,}" for k, v in tables.items()))
    lines.append(f"Substations dropped (> {MAX_SNAP_KM:g} km from any CONUS county): {dropped_subs:,}")
    lines.append(f"Counties: {len(df):,}; with >=1 substation: {(df['substations'] > 0).sum():,}; "
                 f"with a >=230 kV substation: {(df['substations_ge_230kv'] > 0).sum():,}; "
                 f"headroom > 0: {(df['headroom_mw'] > 0).sum():,}")  # fmt: skip
    lines.append("National sums (MW): " + ", ".join(
        f"{c}={df[c].sum():,.0f}" for c in ("gen_mw_total", "load_mw", "hv_branch_rating_mw", "headroom_mw")
    ) + f"; substations={df['substations'].sum():,}")  # fmt: skip
    q = df["headroom_mw"].quantile([0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0])
    lines.append("headroom_mw quantiles: " + ", ".join(f"p{int(k * 100)}={v:,.0f}" for k, v in q.items()))
    n_cap = int((df["headroom_mw"] >= HEADROOM_CAP_MW).sum())
    lines.append(f"Counties at the {HEADROOM_CAP_MW:,.0f} MW cap: {n_cap}; >= 500 MW: {(df['headroom_mw'] >= 500).sum()}")
    top = df.nlargest(10, "headroom_mw")[
        ["fips", "state", "substations", "max_kv", "gen_mw_total", "load_mw", "hv_branch_rating_mw", "headroom_mw"]
    ]
    lines.append("Top 10 counties by headroom_mw:")
    lines.append(top.to_string(index=False))
    return "\n".join(lines)


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, default=None, help="downloaded powersimdata .whl")
    ap.add_argument("--out", type=Path, default=Path("data/county_grid.csv"))
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the real datasets (for the CO2 columns)")
    ap.add_argument("--co2-only", action="store_true", help="keep --out's grid columns, recompute the CO2 columns")
    args = ap.parse_args(argv)

    if args.co2_only:
        df = pd.read_csv(args.out, dtype={"fips": str})[GRID_COLUMNS]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = args.wheel or download_wheel(POWERSIMDATA_VERSION, Path(tmp))
            tables = read_wheel_tables(wheel)
        counties = load_counties()
        subs = tables["sub"].set_index("sub_id")[["lon", "lat"]]
        sub_fips = assign_points_to_counties(subs, counties)
        df = aggregate_county_grid(
            counties, sub_fips, tables["bus"], tables["bus2sub"], tables["plant"], tables["branch"]
        )
    co2 = build_co2(df[["fips", "state"]], args.shared)
    out = with_co2(df, co2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"wrote {args.out} ({len(out):,} rows)")
    if not args.co2_only:
        print(summarize(out, tables, dropped_subs=len(subs) - len(sub_fips)))
    print(summarize_co2(co2, read_co2_rates(args.shared)[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
