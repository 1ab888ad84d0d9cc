"""Loaders for the real US datasets in the shared data folder (``../shared/data``).

The folder is read-only and lives outside the repository (see its README.md for sources, licenses and
caveats). Every loader takes ``data_dir`` (``None``: :func:`default_shared_dir`), checks the columns it
relies on with :func:`model.core.tables.check_columns` (CSV files are read by
:func:`model.core.tables.read_table`), and returns a GeoDataFrame in :data:`model.core.geo.PROJECT_CRS`
(spatial data) or a DataFrame. Problems raise :class:`InputDataError` with a one-line message naming
the file and column.

Integrity: when the folder holds ``SHA256SUMS`` (the shared folder does), every file a loader opens
must be listed there and match its digest, else the run stops with one line naming the file; a
shapefile's side files (.shx, .dbf, .prj, .cpg) are checked with it. Only the files a run reads are
hashed, once per process and file version (path, size, mtime). :func:`recording_reads` collects the
digests of the files read, which ``load_inputs`` puts into ``data_sha256``. A folder without
``SHA256SUMS`` (a test fixture, a user's own copy) is read unverified but still recorded by digest;
to use a changed file on purpose, update its line in ``SHA256SUMS`` (``sha256sum FILE``).
"""

from __future__ import annotations

import functools
import hashlib
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterator, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from model.core.errors import InputDataError, shown
from model.core.geo import to_project_crs
from model.core.tables import Schema, check_columns, read_table

ENV_VAR = "SITING_DATA_DIR"
SUMS_FILE = "SHA256SUMS"
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")

SUBSTATIONS_FILE = "hifld_substations_conus_albers.zip"
SUBSTATION_COSTS_FILE = "cerf_costs_per_kv_substation.yml"
STATES_FILE = "cerf_conus_states_albers.zip"
BOUNDARY_FILE = "cerf_conus_boundary_albers.zip"
DC_CENTROIDS_FILE = "im3_datacenter_centroids.geojson"
DC_FOOTPRINTS_FILE = "im3_datacenter_footprints.geojson"
GPPD_FILE = "wri_gppd_database_USA.csv"
ENTITY_MAPPING_FILE = "pnnl_electricity_entity_mapping_2018.csv"
SALES_ULT_CUST_FILE = "pnnl_sales_ult_cust_2018.csv"
POPULATION_FILE = "pnnl_county_populations_2000_to_2019.csv"
EIA861_FILE = "eia861_Sales_Ult_Cust_2018.xlsx"
EIA_PRICE_FILE = "eia_avgprice_annual_1990_2018.xlsx"
EIA_CAPACITY_FILE = "eia_existcapacity_annual_1990_2018.xlsx"
REEDS_ZONES_FILE = "reeds_zones/rb_and_ba_areas.shp"
REEDS_MEMBERSHIP_FILE = "reeds_zone_membership.csv"
TRANSMISSION_FILES = {
    "ba": "transmission_capacity_init_AC_ba_NARIS2024.csv",
    "state": "transmission_capacity_init_AC_state_NARIS2024.csv",
    "county": "transmission_capacity_init_AC_county_NARIS2024.csv",
}
NONAC_FILE = "transmission_capacity_init_nonAC_ba.csv"

# Longitude/latitude box of the contiguous US; 11,568 GPPD rows fall inside it (README).
CONUS_BOX = (-125.0, 24.0, -66.0, 50.0)  # lon_min, lat_min, lon_max, lat_max
BAD_GPPD_IDS = ("USA0062262",)  # latitude 425.2, capacity 0

# State FIPS -> USPS code (50 states, DC, PR): to name states in the CERF layer and the PNNL tables.
STATE_FIPS_TO_USPS: dict[str, str] = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
    "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY", "72": "PR",
}  # fmt: skip


# --------------------------------------------------------------------------------------------------
# helpers


def default_shared_dir() -> Path | None:
    """``$SITING_DATA_DIR`` if set, else ``<repo root>/../shared/data`` if it exists, else ``None``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    candidate = Path(__file__).resolve().parents[3] / "shared" / "data"  # model/inputs/ -> beside the repo
    return candidate if candidate.is_dir() else None


# Process-wide caches, keyed by file version so a changed file is hashed again: the digest of a file
# (path, size, mtime_ns) and the parsed SHA256SUMS of a folder.
_DIGESTS: dict[tuple[str, int, int], str] = {}
_SUMS: dict[tuple[str, int, int], dict[str, str]] = {}
# The digests of the shared files read inside recording_reads() (relative name -> sha256).
_READS: ContextVar[dict[str, str] | None] = ContextVar("shared_reads", default=None)


def _version(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per process and file version."""
    key = _version(path)
    digest = _DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = _DIGESTS[key] = h.hexdigest()
    return digest


def expected_digests(base: Path) -> dict[str, str] | None:
    """``base/SHA256SUMS`` as {relative path: sha256}, or None if the folder has no such file."""
    sums = base / SUMS_FILE
    if not sums.is_file():
        return None
    key = _version(sums)
    cached = _SUMS.get(key)
    if cached is not None:
        return cached
    out: dict[str, str] = {}
    for number, line in enumerate(sums.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition(" ")
        name = name.strip().removeprefix("*")  # "*name": sha256sum's binary mode
        if not sep or len(digest) != 64 or not name or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise InputDataError(f"{sums}: line {number} is not '<sha256>  <file>': {shown(line)}")
        out[name] = digest.lower()
    _SUMS[key] = out
    return out


def verify_shared_file(path: Path, base: Path) -> str:
    """Check ``path`` (and a shapefile's side files) against ``base/SHA256SUMS``; record and return its digest."""
    files = [path] + ([p for p in (path.with_suffix(s) for s in SHAPEFILE_SIDECARS) if p.is_file()] if path.suffix == ".shp" else [])
    expected = expected_digests(base)
    reads = _READS.get()
    digest = ""
    for file in files:
        try:
            rel = file.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            rel = file.name
        digest_f = file_sha256(file)
        if expected is not None:
            want = expected.get(rel)
            if want is None:
                raise InputDataError(f"{file}: not listed in {base / SUMS_FILE}; add its line (sha256sum) to use it")
            if want != digest_f:
                raise InputDataError(
                    f"{file}: does not match {base / SUMS_FILE} (sha256 {digest_f[:12]}..., expected {want[:12]}...): "
                    "the file is damaged or was changed; restore it, or update its line if the change is intended"
                )
        if reads is not None:
            reads[rel] = digest_f
        digest = digest or digest_f
    return digest


@contextmanager
def recording_reads() -> Iterator[dict[str, str]]:
    """Collect {relative path: sha256} of every shared file the loaders open inside the block."""
    reads: dict[str, str] = {}
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def _path(data_dir: Path | str | None, filename: str) -> Path:
    """The file's path in ``data_dir`` (or the default folder), verified (see the module doc);
    refuse a missing or damaged file clearly."""
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a path, not {type(data_dir).__name__} (pass other options by keyword)")
    base = Path(data_dir) if data_dir is not None else default_shared_dir()
    path = base / filename if base is not None else Path(filename)
    if base is None or not path.is_file():
        raise InputDataError(f"{path}: file not found (set {ENV_VAR} or pass data_dir)")
    verify_shared_file(path, base)
    return path


_check = check_columns  # the loaders below: key columns typed, optional ones numeric where numeric


def _geo(gdf: gpd.GeoDataFrame, frame: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    """Re-attach ``gdf``'s geometry to a validated attribute frame and reproject to the project CRS."""
    out = gpd.GeoDataFrame(frame.drop(columns="geometry", errors="ignore"), geometry=gdf.geometry.values, crs=gdf.crs)
    return to_project_crs(out, name)


def _read_vector(path: Path, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    target = "zip://" + str(path) if path.suffix == ".zip" else str(path)
    try:
        return gpd.read_file(target, engine="pyogrio", columns=columns)
    except Exception as err:  # pyogrio raises DataSourceError, FieldError, ...
        raise InputDataError(f"{path}: cannot read ({type(err).__name__}: {str(err).splitlines()[0]})") from err


def _read_csv(path: Path, **kwargs: object) -> pd.DataFrame:
    """The file read and checked as text by the one CSV reader (columns are checked by the caller)."""
    return read_table(path, {}, **kwargs)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=8)
def _read_excel_cached(path: str, mtime: float, sheet: str, header: int | tuple[int, ...]) -> pd.DataFrame:
    hdr: int | list[int] = list(header) if isinstance(header, tuple) else header
    return pd.read_excel(path, sheet_name=sheet, header=hdr, na_values=[".", " "])


def _read_excel(path: Path, sheet: str, header: int | tuple[int, ...]) -> pd.DataFrame:
    """Read one sheet (cached per file version: the 2 MB capacity workbook takes ~3 s to parse)."""
    try:
        frame = _read_excel_cached(str(path), path.stat().st_mtime, sheet, header)
    except ValueError as err:  # unknown sheet
        raise InputDataError(f"{path}: {str(err).splitlines()[0]}") from err
    except Exception as err:  # zipfile.BadZipFile, openpyxl errors
        raise InputDataError(f"{path}: cannot read as xlsx ({type(err).__name__})") from err
    return frame.copy()


def _fips(values: pd.Series, width: int) -> pd.Series:
    return values.astype("int64").astype(str).str.zfill(width)


# --------------------------------------------------------------------------------------------------
# CERF / HIFLD layers


def load_substation_classes(data_dir: Path | None = None) -> pd.DataFrame:
    """The CERF voltage classes: ``rval`` (thousand $2015/km), kV range and $/km of a spur line."""
    import yaml  # pyyaml; imported here so the rest of the module works without it

    path = _path(data_dir, SUBSTATION_COSTS_FILE)
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise InputDataError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from err
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise InputDataError(f"{path}: expected a mapping of class -> {{min_voltage, max_voltage, dollar_per_km}}")
    df = pd.DataFrame([{"voltage_class": k, **v} for k, v in raw.items()])
    df = _check(df, {"min_voltage": "float", "max_voltage": "float", "dollar_per_km": "float"}, str(path))
    classes = pd.DataFrame(
        {
            "voltage_class": df["voltage_class"].astype(int),
            "rval": (df["dollar_per_km"] / 1000.0).round().astype("int64"),
            # CERF uses +/-1e17 as open bounds: below 100 kV the lower bound is 0, the top class has none.
            "voltage_class_kv_min": df["min_voltage"].clip(lower=0.0),
            "voltage_class_kv_max": df["max_voltage"].where(df["max_voltage"] < 1e6, np.inf),
            "spur_usd_per_km_2015": df["dollar_per_km"],
        }
    )
    if classes["rval"].duplicated().any():
        raise InputDataError(f"{path}: two classes share dollar_per_km {classes.loc[classes['rval'].duplicated(), 'spur_usd_per_km_2015'].iloc[0]}")
    return classes.sort_values("voltage_class").reset_index(drop=True)


def load_substations(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """HIFLD CONUS substations (CERF copy) with voltage class decoded from ``_rval_``."""
    path = _path(data_dir, SUBSTATIONS_FILE)
    classes = load_substation_classes(data_dir).set_index("rval")
    gdf = _read_vector(path)
    df = _check(pd.DataFrame(gdf.drop(columns="geometry")), {"_rval_": "int"}, str(path))
    unknown = ~df["_rval_"].isin(classes.index)
    if unknown.any():
        raise InputDataError(f"{path}: column '_rval_' has value {df.loc[unknown, '_rval_'].iloc[0]} not in {SUBSTATION_COSTS_FILE}")
    cls = classes.loc[df["_rval_"]]
    out = pd.DataFrame(
        {
            "rval": df["_rval_"].to_numpy(),
            "voltage_class": cls["voltage_class"].to_numpy(),
            "voltage_class_kv_min": cls["voltage_class_kv_min"].to_numpy(),
            "voltage_class_kv_max": cls["voltage_class_kv_max"].to_numpy(),
            "spur_usd_per_km_2015": cls["spur_usd_per_km_2015"].to_numpy(),
        }
    )
    return _geo(gdf, out, str(path))


def load_states(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """CERF generalised CONUS states (48 + DC): ``state_fips`` (2-char), ``state`` (USPS)."""
    path = _path(data_dir, STATES_FILE)
    gdf = _read_vector(path)
    df = _check(pd.DataFrame(gdf.drop(columns="geometry")), {"STATE_FIPS": "str"}, str(path))
    fips = df["STATE_FIPS"].str.zfill(2)
    out = pd.DataFrame({"state_fips": fips.to_numpy(), "state": fips.map(STATE_FIPS_TO_USPS).to_numpy()})
    if out["state"].isna().any():
        raise InputDataError(f"{path}: column 'STATE_FIPS' has unknown code '{fips[out['state'].isna().to_numpy()].iloc[0]}'")
    return _geo(gdf, out, str(path))


def load_conus_boundary(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """CERF CONUS outline, one multipolygon."""
    path = _path(data_dir, BOUNDARY_FILE)
    gdf = _read_vector(path)
    if len(gdf) == 0:
        raise InputDataError(f"{path}: no features")
    return _geo(gdf, pd.DataFrame(index=range(len(gdf))), str(path))


# --------------------------------------------------------------------------------------------------
# points: power plants and data centers

GPPD_SCHEMA: Schema = {"gppd_idnr": "str", "name": "str", "capacity_mw": "float"}
GPPD_OPTIONAL: Schema = {
    "latitude": "float",
    "longitude": "float",
    "primary_fuel": "str",
    "commissioning_year": "float",
    "owner": "str",
    "estimated_generation_gwh": "float",
    "generation_gwh_2019": "float",
}


def load_power_plants(data_dir: Path | None = None, *, conus_only: bool = False) -> gpd.GeoDataFrame:
    """WRI GPPD US plants as points (EIA 2019 capacity), without the row with an impossible latitude.

    32 plants have no coordinates; they keep an empty geometry unless ``conus_only`` (lon/lat box
    -125..-66, 24..50, which drops AK, HI, PR, Guam and the plants without coordinates).
    """
    path = _path(data_dir, GPPD_FILE)
    raw = _read_csv(path, dtype={"gppd_idnr": str, "name": str, "primary_fuel": str, "owner": str}, low_memory=False)
    df = _check(raw, GPPD_SCHEMA, str(path), GPPD_OPTIONAL)
    bad = df["gppd_idnr"].isin(BAD_GPPD_IDS) | (df["latitude"].abs() > 90) | (df["longitude"].abs() > 180)
    df = df.loc[~bad]
    if conus_only:
        lon0, lat0, lon1, lat1 = CONUS_BOX
        df = df.loc[df["longitude"].between(lon0, lon1) & df["latitude"].between(lat0, lat1)]
    keep = ["gppd_idnr", "name", "capacity_mw", "primary_fuel", "commissioning_year", "owner", "estimated_generation_gwh", "generation_gwh_2019"]
    has_xy = df["longitude"].notna() & df["latitude"].notna()
    geometry = gpd.points_from_xy(df["longitude"].fillna(0.0), df["latitude"].fillna(0.0))
    geometry[~has_xy.to_numpy()] = None
    gdf = gpd.GeoDataFrame(df[keep].reset_index(drop=True), geometry=geometry, crs="EPSG:4326")
    return to_project_crs(gdf, str(path))


DATACENTER_SCHEMA: Schema = {"state_abb": "str", "county": "str", "type": "str"}
DATACENTER_OPTIONAL: Schema = {"operator": "str", "name": "str", "sqft": "float"}


def load_datacenters(data_dir: Path | None = None, *, footprints: bool = False) -> gpd.GeoDataFrame:
    """IM3 data center atlas (OSM-derived, 2025; ODbL): centroids, or footprints (several per site)."""
    path = _path(data_dir, DC_FOOTPRINTS_FILE if footprints else DC_CENTROIDS_FILE)
    gdf = _read_vector(path)
    df = _check(pd.DataFrame(gdf.drop(columns="geometry")), DATACENTER_SCHEMA, str(path), DATACENTER_OPTIONAL)
    # Keep missing names/operators as missing rather than the string "nan".
    for col in ("operator", "name"):
        df[col] = df[col].astype("object").where(df[col].notna(), None)
    cols = ["state_abb", "county", "operator", "name", "sqft", "type"]
    return _geo(gdf, df[cols], str(path))


# --------------------------------------------------------------------------------------------------
# PNNL entity mapping, utility sales, population

ENTITY_SCHEMA: Schema = {
    "County_FIPS": "int",
    "County_Name": "str",
    "State_FIPS": "int",
    "State_Name": "str",
    "Utility_Number": "int",
    "Utility_Name": "str",
    "Total_Sales_MWh": "float",
    "NERC_Region_Short_Name": "str",
    "BA_Code": "int",
    "BA_Number": "int",
    "BA_Long_Name": "str",
}


def _state_fips_from_thousands(values: pd.Series, path: Path) -> pd.Series:
    if (values % 1000 != 0).any():
        raise InputDataError(f"{path}: column 'State_FIPS' should be the state FIPS x 1000 (got {values[values % 1000 != 0].iloc[0]})")
    return _fips(values // 1000, 2)


def _sales_dots_to_zero(df: pd.DataFrame) -> pd.DataFrame:
    """EIA writes "." for sales not reported (3 utilities in 2018); count them as 0 MWh."""
    if "Total_Sales_MWh" in df.columns and df["Total_Sales_MWh"].dtype != float:
        df = df.copy()
        dots = df["Total_Sales_MWh"].astype(str).str.strip() == "."
        df["Total_Sales_MWh"] = df["Total_Sales_MWh"].astype(object).mask(dots, "0")
    return df


def load_entity_mapping(data_dir: Path | None = None) -> pd.DataFrame:
    """County x utility rows (EIA-861 2018 via PNNL): county_fips, state_fips, state, utility, BA, NERC."""
    path = _path(data_dir, ENTITY_MAPPING_FILE)
    df = _check(_sales_dots_to_zero(_read_csv(path)), ENTITY_SCHEMA, str(path), {"BA_Short_Name": "str"})
    state_fips = _state_fips_from_thousands(df["State_FIPS"], path)
    return pd.DataFrame(
        {
            "county_fips": _fips(df["County_FIPS"], 5),
            "county_name": df["County_Name"],
            "state_fips": state_fips,
            "state": state_fips.map(STATE_FIPS_TO_USPS),
            "state_name": df["State_Name"],
            "utility_number": df["Utility_Number"],
            "utility_name": df["Utility_Name"],
            "total_sales_mwh": df["Total_Sales_MWh"],
            "nerc_region": df["NERC_Region_Short_Name"],
            "ba_code": df["BA_Code"],
            "ba_number": df["BA_Number"],
            "ba_short_name": df["BA_Short_Name"],
            "ba_long_name": df["BA_Long_Name"],
        }
    ).reset_index(drop=True)


SALES_SCHEMA: Schema = {
    "Utility_Number": "int",
    "Utility_Name": "str",
    "State_FIPS": "int",
    "State_Name": "str",
    "Total_Sales_MWh": "float",
    "BA_Code": "int",
    "BA_Number": "int",
    "BA_Long_Name": "str",
}


def load_sales_ult_cust(data_dir: Path | None = None) -> pd.DataFrame:
    """Utility x state total 2018 sales (MWh) and balancing authority (PNNL from EIA-861)."""
    path = _path(data_dir, SALES_ULT_CUST_FILE)
    df = _check(_sales_dots_to_zero(_read_csv(path)), SALES_SCHEMA, str(path), {"BA_Short_Name": "str"})
    state_fips = _state_fips_from_thousands(df["State_FIPS"], path)
    return pd.DataFrame(
        {
            "utility_number": df["Utility_Number"],
            "utility_name": df["Utility_Name"],
            "state_fips": state_fips,
            "state": state_fips.map(STATE_FIPS_TO_USPS),
            "state_name": df["State_Name"],
            "total_sales_mwh": df["Total_Sales_MWh"],
            "ba_code": df["BA_Code"],
            "ba_number": df["BA_Number"],
            "ba_short_name": df["BA_Short_Name"],
            "ba_long_name": df["BA_Long_Name"],
        }
    ).reset_index(drop=True)


def load_county_population(data_dir: Path | None = None) -> pd.DataFrame:
    """Census county population estimates 2000-2019 (all US counties): county_fips, pop_2000..pop_2019."""
    path = _path(data_dir, POPULATION_FILE)
    raw = _read_csv(path, dtype={"county_FIPS": str})
    pop_cols = [f"pop_{y}" for y in range(2000, 2020)]
    schema: Schema = {"county_FIPS": "str", "state_name": "str", "county_name": "str"} | {c: "int" for c in pop_cols}
    df = _check(raw, schema, str(path))
    if not df["county_FIPS"].str.fullmatch(r"\d{1,5}").all():
        bad = df.loc[~df["county_FIPS"].str.fullmatch(r"\d{1,5}"), "county_FIPS"].iloc[0]
        raise InputDataError(f"{path}: column 'county_FIPS' has a non-FIPS value {bad!r}")
    out = df[["state_name", "county_name", *pop_cols]].copy()
    out.insert(0, "county_fips", df["county_FIPS"].str.zfill(5))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# EIA workbooks

EIA861_SECTORS = ("residential", "commercial", "industrial", "transportation", "total")
_EIA861_MEASURES = {"Revenues": "revenue_thousand_usd", "Sales": "sales_mwh", "Customers": "customers"}
# Parts of EIA-861 "Sales to Ultimate Customers": A full-service (bundled), B energy-only,
# C delivery-only, D bundled service by restructured retail providers. Part C sales duplicate Part B's
# (the energy is delivered by one utility and sold by another), so state totals sum revenue over A-D
# but sales and customers over A, B and D only (EIA's note on the sheet).
REVENUE_PARTS = ("A", "B", "C", "D")
ADJUSTMENT_UTILITY = 99999
SALES_PARTS = ("A", "B", "D")


def _snake(text: str) -> str:
    head = str(text).split("\n")[0].strip().lower()
    return "_".join("".join(ch if ch.isalnum() else " " for ch in head).split())


def load_eia861_sales(data_dir: Path | None = None, *, include_adjustments: bool = False) -> pd.DataFrame:
    """EIA-861 2018 sales to ultimate customers, sheet ``States``: one row per utility x state x part.

    Columns: data_year, utility_number, utility_name, part, service_type, data_type, state, ownership,
    ba_code, then ``<sector>_revenue_thousand_usd``, ``<sector>_sales_mwh``, ``<sector>_customers``
    for residential, commercial, industrial, transportation and total ("." in the sheet -> 0).
    The footnote row is dropped, and so are the ``99999`` "Adjustment" rows (EIA's imputation for
    small energy-only sellers, not a utility) unless ``include_adjustments``: keep them for state
    totals, which then match EIA's published state averages. Sum revenue over all parts but sales and
    customers only over :data:`SALES_PARTS` (Part C sales duplicate Part B's).
    """
    path = _path(data_dir, EIA861_FILE)
    raw = _read_excel(path, "States", (0, 1, 2))
    if raw.columns.nlevels != 3:
        raise InputDataError(f"{path}: sheet 'States' should have 3 header rows")
    names: list[str] = []
    for top, mid, low in raw.columns:
        sector = str(top).strip().lower()
        if sector in EIA861_SECTORS and str(mid).strip() in _EIA861_MEASURES:
            names.append(f"{sector}_{_EIA861_MEASURES[str(mid).strip()]}")
        else:
            names.append(_snake(low))
    raw.columns = names
    raw = raw.loc[raw["utility_number"].notna()] if "utility_number" in raw.columns else raw  # footnote row
    value_cols = [f"{s}_{m}" for s in EIA861_SECTORS for m in _EIA861_MEASURES.values()]
    schema: Schema = {"data_year": "int", "utility_number": "int", "utility_name": "str", "part": "str", "state": "str"}
    for col in value_cols:
        if col in raw.columns:
            raw[col] = raw[col].fillna(0)
    df = _check(raw, {**schema, **{c: "float" for c in value_cols}}, f"{path} [States]")
    if not include_adjustments:
        df = df.loc[df["utility_number"] != ADJUSTMENT_UTILITY]
    bad_part = ~df["part"].isin(REVENUE_PARTS)
    if bad_part.any():
        raise InputDataError(f"{path} [States]: column 'Part' has unknown value {df.loc[bad_part, 'part'].iloc[0]!r}")
    front = ["data_year", "utility_number", "utility_name", "part", "service_type", "data_type", "state", "ownership", "ba_code"]
    front = [c for c in front if c in df.columns]
    return df[front + value_cols].reset_index(drop=True)


def _sector_sums(df: pd.DataFrame, keys: list[str], sector: str) -> pd.DataFrame:
    rev, sales = f"{sector}_revenue_thousand_usd", f"{sector}_sales_mwh"
    parts = {
        p: df.loc[df["part"] == p].groupby(keys)[[rev, sales]].sum() for p in REVENUE_PARTS
    }
    out = pd.concat({p: t for p, t in parts.items()}, axis=1).fillna(0.0)
    out.columns = [f"{c}_{p}" for p, c in out.columns]
    for p in REVENUE_PARTS:
        for c in (rev, sales):
            if f"{c}_{p}" not in out.columns:
                out[f"{c}_{p}"] = 0.0
    return out


def state_industrial_price(data_dir: Path | None = None, *, sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """State 2018 industrial price from EIA-861 (revenue over parts A-D / sales over A, B, D), $/MWh.

    Includes EIA's "Adjustment" rows, so the result matches EIA's avgprice_annual state averages
    (within $0.3/MWh in 2018). Also gives the state's energy-only (Part B) and delivery-only (Part C)
    average charges, used to complete the price of utilities that only deliver or only sell energy.
    """
    sales = load_eia861_sales(data_dir, include_adjustments=True) if sales is None else sales
    s = _sector_sums(sales, ["state"], "industrial")
    rev = sum(s[f"industrial_revenue_thousand_usd_{p}"] for p in REVENUE_PARTS)
    mwh = sum(s[f"industrial_sales_mwh_{p}"] for p in SALES_PARTS)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "industrial_revenue_thousand_usd": rev,
                "industrial_sales_mwh": mwh,
                "price_usd_per_mwh": 1000.0 * rev / mwh.where(mwh > 0),
                "energy_only_usd_per_mwh": 1000.0 * s["industrial_revenue_thousand_usd_B"] / s["industrial_sales_mwh_B"].where(s["industrial_sales_mwh_B"] > 0),
                "delivery_only_usd_per_mwh": 1000.0 * s["industrial_revenue_thousand_usd_C"] / s["industrial_sales_mwh_C"].where(s["industrial_sales_mwh_C"] > 0),
            }
        )
    return out.reset_index()


def utility_industrial_price(data_dir: Path | None = None, *, sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """Average 2018 industrial price of each utility in each state, $/MWh (nominal).

    Revenue is summed over parts A-D and sales over A, B and D, as for EIA's state totals. Where a
    utility also delivers energy sold by others (Part C) its Part C revenue covers only delivery: those
    MWh are priced at the utility's delivery charge plus the state's average energy-only price, so the
    result is the all-in average paid by industrial customers in its territory. Energy-only sellers
    (Part B alone) get the state's average delivery charge added where the state has one.
    ``price_basis`` says which case applies. Utilities with no industrial sales are left out.
    """
    sales = load_eia861_sales(data_dir, include_adjustments=True) if sales is None else sales
    state = state_industrial_price(sales=sales).set_index("state")
    sales = sales.loc[sales["utility_number"] != ADJUSTMENT_UTILITY]
    s = _sector_sums(sales, ["utility_number", "state"], "industrial").reset_index()
    rev = {p: s[f"industrial_revenue_thousand_usd_{p}"] for p in REVENUE_PARTS}
    mwh = {p: s[f"industrial_sales_mwh_{p}"] for p in REVENUE_PARTS}
    energy = s["state"].map(state["energy_only_usd_per_mwh"]).fillna(0.0)
    delivery = s["state"].map(state["delivery_only_usd_per_mwh"]).fillna(0.0)
    full_rev = 1000.0 * (rev["A"] + rev["D"] + rev["C"]) + energy * mwh["C"]
    full_mwh = mwh["A"] + mwh["D"] + mwh["C"]
    own_b = 1000.0 * rev["B"] + delivery * mwh["B"]
    with np.errstate(divide="ignore", invalid="ignore"):
        price = (full_rev + own_b) / (full_mwh + mwh["B"])
    basis = np.select(
        [mwh["C"] > 0, (mwh["B"] > 0) & (full_mwh > 0), mwh["B"] > 0],
        ["bundled + delivery with state energy price", "bundled + energy with state delivery charge", "energy-only + state delivery charge"],
        "bundled",
    )
    names = sales.drop_duplicates(["utility_number", "state"]).set_index(["utility_number", "state"])["utility_name"]
    out = pd.DataFrame(
        {
            "utility_number": s["utility_number"].astype("int64"),
            "state": s["state"],
            "utility_name": names.reindex(pd.MultiIndex.from_frame(s[["utility_number", "state"]])).to_numpy(),
            "industrial_revenue_thousand_usd": sum(rev[p] for p in REVENUE_PARTS),
            "industrial_sales_mwh": sum(mwh[p] for p in SALES_PARTS),
            "price_usd_per_mwh": price,
            "price_basis": basis,
        }
    )
    out = out.loc[np.isfinite(out["price_usd_per_mwh"]) & ((full_mwh + mwh["B"]) > 0)]
    return out.sort_values(["state", "utility_number"]).reset_index(drop=True)


def county_industrial_price(data_dir: Path | None = None) -> pd.DataFrame:
    """2018 industrial price per county: the price of the county's highest-sales utility (PNNL entity
    mapping, as the mapping repo assigns counties), else the EIA-861 state average.

    Columns: county_fips, state_fips, state, utility_number, utility_name, price_usd_per_mwh,
    price_source ("utility" or "state average").
    """
    mapping = load_entity_mapping(data_dir)
    sales = load_eia861_sales(data_dir, include_adjustments=True)
    utility = utility_industrial_price(sales=sales).set_index(["utility_number", "state"])["price_usd_per_mwh"]
    state = state_industrial_price(sales=sales).set_index("state")["price_usd_per_mwh"]
    top = mapping.sort_values(["county_fips", "total_sales_mwh", "utility_number"], ascending=[True, False, True])
    top = top.drop_duplicates("county_fips")
    key = pd.MultiIndex.from_frame(top[["utility_number", "state"]])
    price = pd.Series(utility.reindex(key).to_numpy(), index=top.index)
    source = np.where(price.notna(), "utility", "state average")
    price = price.fillna(top["state"].map(state))
    out = pd.DataFrame(
        {
            "county_fips": top["county_fips"],
            "state_fips": top["state_fips"],
            "state": top["state"],
            "utility_number": top["utility_number"],
            "utility_name": top["utility_name"],
            "price_usd_per_mwh": price,
            "price_source": np.where(price.isna(), "missing", source),
        }
    )
    return out.reset_index(drop=True)


EIA_PRICE_SECTORS = ("Residential", "Commercial", "Industrial", "Transportation", "Other", "Total")


def load_eia_prices(data_dir: Path | None = None, *, year: int = 2018, sector: str = "Industrial") -> pd.DataFrame:
    """EIA average retail price by state (Total Electric Industry), nominal $/MWh; includes ``US``."""
    if sector not in EIA_PRICE_SECTORS:
        raise InputDataError(f"{EIA_PRICE_FILE}: unknown sector {sector!r} (use one of {', '.join(EIA_PRICE_SECTORS)})")
    path = _path(data_dir, EIA_PRICE_FILE)
    raw = _read_excel(path, "Price", 1)
    name = f"{path} [Price]"
    df = _check(raw, {"Year": "int", "State": "str", "Industry Sector Category": "str"}, name, {sector: "float"})
    sel = df.loc[(df["Year"] == year) & (df["Industry Sector Category"].str.strip() == "Total Electric Industry")]
    if sel.empty:
        raise InputDataError(f"{name}: no 'Total Electric Industry' rows for year {year}")
    sel = _check(sel, {sector: "float"}, name)
    out = pd.DataFrame({"state": sel["State"].str.strip(), "price_usd_per_mwh": (sel[sector] * 10.0).round(3)})
    if out["state"].duplicated().any():
        raise InputDataError(f"{name}: duplicate state {out.loc[out['state'].duplicated(), 'state'].iloc[0]!r} in {year}")
    return out.sort_values("state").reset_index(drop=True)


def load_eia_capacity(data_dir: Path | None = None, *, year: int = 2018) -> pd.DataFrame:
    """EIA-860 existing capacity, Total Electric Power Industry: state x fuel (incl. "All Sources")."""
    path = _path(data_dir, EIA_CAPACITY_FILE)
    raw = _read_excel(path, "Existing Capacity", 1)
    name = f"{path} [Existing Capacity]"
    schema: Schema = {"Year": "int", "State Code": "str", "Producer Type": "str", "Nameplate Capacity (Megawatts)": "float"}
    optional: Schema = {"Fuel Source": "str", "Generators": "float", "Facilities": "float", "Summer Capacity (Megawatts)": "float"}
    df = _check(raw, schema, name, optional)
    sel = df.loc[(df["Year"] == year) & (df["Producer Type"].str.strip() == "Total Electric Power Industry") & df["Fuel Source"].notna()]
    if sel.empty:
        raise InputDataError(f"{name}: no 'Total Electric Power Industry' rows for year {year}")
    out = pd.DataFrame(
        {
            "state": sel["State Code"].str.strip(),
            "fuel": sel["Fuel Source"].str.strip(),
            "generators": sel["Generators"],
            "facilities": sel["Facilities"],
            "nameplate_mw": sel["Nameplate Capacity (Megawatts)"],
            "summer_mw": sel["Summer Capacity (Megawatts)"],
        }
    )
    return out.sort_values(["state", "fuel"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# ReEDS zones and NARIS transfer limits

MEMBERSHIP_SCHEMA: Schema = {
    "ba": "str",
    "nercr": "str",
    "transreg": "str",
    "transgrp": "str",
    "cendiv": "str",
    "st": "str",
    "interconnect": "str",
    "country": "str",
}


def load_reeds_membership(data_dir: Path | None = None) -> pd.DataFrame:
    """ReEDS zone -> NERC region, transmission region/group, census division, state, interconnect (USA)."""
    path = _path(data_dir, REEDS_MEMBERSHIP_FILE)
    df = _check(_read_csv(path), MEMBERSHIP_SCHEMA, str(path))
    df = df.loc[df["country"].str.upper() == "USA"]
    return df[list(MEMBERSHIP_SCHEMA)].reset_index(drop=True)


def load_reeds_zones(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The 134 ReEDS zones (``rb`` = p1..p134, ``BA_Code``) with their membership, in the project CRS."""
    path = _path(data_dir, REEDS_ZONES_FILE)
    gdf = _read_vector(path)
    df = _check(pd.DataFrame(gdf.drop(columns="geometry")), {"rb": "str", "BA_Code": "str"}, str(path))
    membership = load_reeds_membership(data_dir).set_index("ba")
    missing = ~df["rb"].isin(membership.index)
    if missing.any():
        raise InputDataError(f"{path}: zone '{df.loc[missing, 'rb'].iloc[0]}' has no row in {REEDS_MEMBERSHIP_FILE}")
    joined = df[["rb", "BA_Code"]].join(membership[["st", "nercr", "transreg", "transgrp", "cendiv", "interconnect"]], on="rb")
    return _geo(gdf, joined, str(path))


TRANSMISSION_SCHEMA: Schema = {"interface": "str", "r": "str", "rr": "str", "MW_f0": "float", "MW_r0": "float"}


def load_transmission_limits(level: Literal["ba", "state", "county"], data_dir: Path | None = None) -> pd.DataFrame:
    """NARIS 2024 initial AC transfer limits (MW) between ReEDS zones, states or counties.

    Columns interface, r, rr, MW_f0 (r->rr), MW_r0 (rr->r), MW_f1, MW_r1. At county level ``r``/``rr``
    are 5-char county FIPS (the file's ``p`` prefix removed) and ``interface`` is ``"r||rr"``.
    """
    if level not in TRANSMISSION_FILES:
        raise InputDataError(f"transmission limits: unknown level {level!r} (use ba, state or county)")
    path = _path(data_dir, TRANSMISSION_FILES[level])
    raw = _read_csv(path, dtype={"r": str, "rr": str})
    raw = raw.rename(columns={c: "interface" for c in raw.columns if c.strip().lower() == "interface"})
    df = _check(raw, TRANSMISSION_SCHEMA, str(path), {"MW_f1": "float", "MW_r1": "float"})
    if level == "county":
        for col in ("r", "rr"):
            ok = df[col].str.fullmatch(r"p\d{4,5}")
            if not ok.all():
                raise InputDataError(f"{path}: column '{col}' has {df.loc[~ok, col].iloc[0]!r}, expected 'p' + county FIPS")
            df[col] = df[col].str[1:].str.zfill(5)
        df["interface"] = df["r"] + "||" + df["rr"]
    return df[["interface", "r", "rr", "MW_f0", "MW_r0", "MW_f1", "MW_r1"]].reset_index(drop=True)


def load_nonac_links(data_dir: Path | None = None) -> pd.DataFrame:
    """Existing DC lines (LCC) and back-to-back ties (B2B) between ReEDS zones: r, rr, trtype, MW, project."""
    path = _path(data_dir, NONAC_FILE)
    df = _check(_read_csv(path), {"r": "str", "rr": "str", "trtype": "str", "MW": "float"}, str(path), {"Project(s)": "str", "Notes": "str"})
    out = df.rename(columns={"Project(s)": "project", "Notes": "notes"})
    return out[["r", "rr", "trtype", "MW", "project", "notes"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# listing

_SOURCES: dict[str, tuple[str, str]] = {
    "substations": (SUBSTATIONS_FILE, "HIFLD substations via PNNL CERF (~2020-21); BSD-2-Clause / HIFLD Open"),
    "states": (STATES_FILE, "PNNL CERF generalised states; BSD-2-Clause"),
    "conus_boundary": (BOUNDARY_FILE, "PNNL CERF CONUS outline; BSD-2-Clause"),
    "power_plants": (GPPD_FILE, "WRI Global Power Plant Database v1.3 (EIA 2019); CC BY 4.0"),
    "datacenters": (DC_CENTROIDS_FILE, "PNNL IM3 Data Center Atlas 2025 (OSM); ODbL"),
    "datacenter_footprints": (DC_FOOTPRINTS_FILE, "PNNL IM3 Data Center Atlas 2025 (OSM); ODbL"),
    "entity_mapping": (ENTITY_MAPPING_FILE, "PNNL IM3 from EIA-861 2018; BSD-2-Clause / public domain"),
    "sales_ult_cust": (SALES_ULT_CUST_FILE, "PNNL IM3 from EIA-861 2018; BSD-2-Clause / public domain"),
    "county_population": (POPULATION_FILE, "US Census estimates 2000-2019 via PNNL; public domain"),
    "eia861_sales": (EIA861_FILE, "US EIA Form 861 (2018); public domain"),
    "eia_prices": (EIA_PRICE_FILE, "US EIA avgprice_annual (2018 rows); public domain"),
    "eia_capacity": (EIA_CAPACITY_FILE, "US EIA-860 existcapacity_annual (2018 rows); public domain"),
    "reeds_zones": (REEDS_ZONES_FILE, "NREL ReEDS via PyPSA-USA; MIT / NREL terms"),
    "reeds_membership": (REEDS_MEMBERSHIP_FILE, "NREL ReEDS via PyPSA-USA; MIT / NREL terms"),
    "transmission_ba": (TRANSMISSION_FILES["ba"], "NREL NARIS 2024 via ReEDS/PyPSA-USA; MIT / NREL terms"),
    "transmission_state": (TRANSMISSION_FILES["state"], "NREL NARIS 2024 via ReEDS/PyPSA-USA; MIT / NREL terms"),
    "transmission_county": (TRANSMISSION_FILES["county"], "NREL NARIS 2024 via ReEDS/PyPSA-USA; MIT / NREL terms"),
    "nonac_links": (NONAC_FILE, "NREL ReEDS via PyPSA-USA; MIT / NREL terms"),
}


def _loaders() -> dict[str, Callable[[Path | None], pd.DataFrame]]:
    return {
        "substations": load_substations,
        "states": load_states,
        "conus_boundary": load_conus_boundary,
        "power_plants": load_power_plants,
        "datacenters": load_datacenters,
        "datacenter_footprints": lambda d: load_datacenters(d, footprints=True),
        "entity_mapping": load_entity_mapping,
        "sales_ult_cust": load_sales_ult_cust,
        "county_population": load_county_population,
        "eia861_sales": load_eia861_sales,
        "eia_prices": load_eia_prices,
        "eia_capacity": load_eia_capacity,
        "reeds_zones": load_reeds_zones,
        "reeds_membership": load_reeds_membership,
        "transmission_ba": lambda d: load_transmission_limits("ba", d),
        "transmission_state": lambda d: load_transmission_limits("state", d),
        "transmission_county": lambda d: load_transmission_limits("county", d),
        "nonac_links": load_nonac_links,
    }


def summarise_shared_data(data_dir: Path | None = None) -> pd.DataFrame:
    """One row per loader: dataset, file, rows, crs ("" for tables), source/license (short)."""
    rows: list[dict[str, object]] = []
    for dataset, loader in _loaders().items():
        frame = loader(data_dir)
        crs = frame.crs.to_string() if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None else ""
        file, source = _SOURCES[dataset]
        rows.append({"dataset": dataset, "file": file, "rows": len(frame), "crs": crs, "source": source})
    return pd.DataFrame(rows)
