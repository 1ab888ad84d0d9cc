"""Build the zonal supply tables (issue 14, parts 1-3) from the real datasets in ../shared/data.

    python data/build/build_zones.py [--data-dir ../shared/data] [--out data]

writes (deterministically, the same bytes on every run):

* ``county_zone.csv``         every contiguous-US county -> its NREL ReEDS zone (p1..p134)
* ``zone_transfer_mw.csv``    directed zone-to-zone transfer limits (NARIS 2024 AC + ReEDS DC ties)
* ``capacity_credit.csv``     capacity credit per fuel class, each with its source
* ``zone_supply_by_fuel.csv`` nameplate and accredited MW per zone and fuel class
* ``zone_supply.csv``         per zone, base year 2026: nameplate, accredited, peak demand, regional reserve
                              margin, committed data-center load, spare firm MW
* ``zone_supply_by_year.csv`` per zone and model year 2026-2035: energy, peak, reserve margin, committed
                              load, spare firm MW (demand: build_demand.py)
* ``zone_committed_load.csv`` per zone: existing data centers from the IM3 atlas (ODbL 1.0; build_committed_load.py)

Methods, counts and caveats: docs/supply_data.md. The shared files are only read, never copied.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
BUILD = Path(__file__).resolve().parent
if str(BUILD) not in sys.path:
    sys.path.insert(0, str(BUILD))

import build_committed_load as bcl  # noqa: E402
import build_demand as bd  # noqa: E402

DEFAULT_DATA_DIR = Path(os.environ.get("SITING_DATA_DIR", REPO.parent / "shared" / "data"))
PROJECT_CRS = "EPSG:5070"
PLANT_MAX_SNAP_M = 20_000.0  # GPPD points farther than this from every CONUS county are not CONUS plants
BAD_GPPD_ROWS = ("USA0062262",)  # latitude 425.2, capacity 0 (shared/data/README.md)
EIA_YEAR = 2024
EIA_PRODUCER = "Total Electric Power Industry"
# PNNL 2018 keys that are not 2016 Census county FIPS: DC is keyed by its state code; Shannon County SD
# was renamed Oglala Lakota (46113 -> 46102, 2015); Bedford city VA merged into Bedford County (2013).
PNNL_FIPS_FIX = {11000: 11001, 46113: 46102, 51515: 51019}
# State -> the only transmission region whose counties can hold the state's unmapped (retail-choice) sales:
# Texas retail choice is open only inside ERCOT; SWEPCO, El Paso Electric, Entergy Texas and SPS (Xcel) areas
# are not open to competitive supply (United Power Consultants, 'Texas', unitedpowerconsultants.com/texas;
# Seenra, 'Switching energy supplier in Texas': outside ERCOT electricity remains regulated).
REMAINDER_REGION = {"TX": "ERCOT"}

SRC_ZONES = "NREL ReEDS zones, shared/data/reeds_zones/rb_and_ba_areas.shp (via PyPSA-USA @338af99)"
SRC_MEMBERSHIP = "NREL ReEDS, shared/data/reeds_zone_membership.csv"
SRC_AC = "NREL NARIS 2024 via ReEDS, shared/data/transmission_capacity_init_AC_ba_NARIS2024.csv"
SRC_DC = "NREL ReEDS, shared/data/transmission_capacity_init_nonAC_ba.csv"

# ---------------------------------------------------------------------------------------------
# fuel classes

# EIA-860 "Existing Capacity" Fuel Source -> class used here.
EIA_FUEL_CLASS = {
    "Coal": "coal",
    "Natural Gas": "gas",
    "Petroleum": "oil",
    "Nuclear": "nuclear",
    "Hydroelectric": "hydro",
    "Pumped Storage": "pumped_storage",
    "Wind": "wind",
    "Solar Thermal and Photovoltaic": "solar",
    "Geothermal": "geothermal",
    "Other Biomass": "biomass",
    "Wood and Wood Derived Fuels": "biomass",
    "Other Gases": "other_gases",
    "Other": "other_incl_storage",
}
# GPPD primary_fuel -> the EIA classes whose state totals are spread over those plants.
# GPPD "Hydro" (EIA prime mover WAT) holds conventional and pumped-storage hydro alike, so the EIA
# pumped-storage total is spread over a state's GPPD hydro plants as well.
GPPD_FUEL_CLASSES = {
    "Coal": ("coal",),
    "Gas": ("gas",),
    "Cogeneration": ("gas",),
    "Oil": ("oil",),
    "Petcoke": ("oil",),
    "Nuclear": ("nuclear",),
    "Hydro": ("hydro", "pumped_storage"),
    "Wind": ("wind",),
    "Solar": ("solar",),
    "Geothermal": ("geothermal",),
    "Biomass": ("biomass",),
    "Waste": ("biomass",),
    "Storage": ("other_incl_storage",),
    "Other": ("other_incl_storage",),
}
# "other_gases" has no GPPD counterpart: spread by the state's total GPPD MW (documented fallback).

PJM_2627 = (
    "PJM, 2026/2027 BRA ELCC Class Ratings (pjm.com, planning/res-adeq/elcc/"
    "2026-27-bra-elcc-class-ratings.pdf, Feb 2025), p.1"
)
PJM_2728 = "PJM, 2025 ELCC / Reserve Requirement Study, Table 24 (2027/2028 BRA class ratings)"
PJM_2829 = "PJM, 2028/2029 BRA ELCC Class Ratings (28-29-bra-elcc-class-ratings.pdf)"
VIA = (
    "; values as transcribed from the PJM documents in public GitHub repositories (read in the session "
    "search index, not from the PDF itself): check against the PDF before decision use"
)

# class, credit, low, high, kind, source/reasoning
CAPACITY_CREDIT_ROWS: list[tuple[str, float, float, float, str, str]] = [
    ("nuclear", 0.95, 0.93, 0.96, "cited", f"{PJM_2627}: Nuclear 95 %{VIA}"),
    ("coal", 0.83, 0.79, 0.86, "cited", f"{PJM_2627}: Coal 83 %{VIA}"),
    (
        "gas",
        0.71,
        0.60,
        0.78,
        "estimate",
        f"estimate: mean of {PJM_2627} gas-fired classes Gas Combined Cycle 74 %, Gas Combustion Turbine 60 %, "
        "Gas CT Dual Fuel 78 %, Steam 73 % = 71.25 %, rounded; EIA 'Natural Gas' does not split CC/CT/steam, "
        f"so the range spans the four class ratings{VIA}",
    ),
    (
        "oil",
        0.80,
        0.73,
        0.91,
        "cited",
        f"{PJM_2728}: Oil-Fired Combustion Turbine 80 %; range Steam 73 % to Diesel Utility 91 % "
        f"({PJM_2627}){VIA}",
    ),
    (
        "hydro",
        0.60,
        0.35,
        0.90,
        "estimate",
        "estimate: no PJM rating was found for 'Hydro with non-pumped storage'; reservoir hydro is dispatchable "
        "(upper end near thermal classes, ~0.9) while run-of-river output follows river flow, often low at "
        "summer or winter peaks (lower end); 0.60 is the rough middle, to be replaced by a published rating",
    ),
    (
        "pumped_storage",
        0.78,
        0.59,
        0.95,
        "cited",
        f"{PJM_2829}: 10-hr storage 78 % (pumped storage typically holds 8-12 h); range 4-hr storage 59 % "
        f"to near-thermal{VIA}",
    ),
    ("wind", 0.41, 0.35, 0.41, "cited", f"{PJM_2627}: Onshore Wind 41 %{VIA}"),
    (
        "solar",
        0.106,
        0.08,
        0.14,
        "cited",
        f"{PJM_2627}: Fixed-Tilt Solar 8 %, Tracking Solar 11 %, weighted by PJM's 2026/27 fleet split "
        "(1,189 MW fixed / 8,713 MW tracking, PJM 2025 ELCC/RRS Table 5) = 10.6 %; 2025/26 3IA tracking 14 % "
        f"as the high end{VIA}",
    ),
    (
        "geothermal",
        0.90,
        0.80,
        0.95,
        "estimate",
        "estimate: baseload steam plant with high availability; no PJM class (PJM has no geothermal); "
        "bounded above by the nuclear class 95 % and set just below it, range 0.80-0.95",
    ),
    (
        "biomass",
        0.83,
        0.73,
        0.83,
        "cited",
        f"{PJM_2728}: Waste to Energy Steam 83 %; Steam 73 % ({PJM_2627}) as the low end{VIA}",
    ),
    ("other_gases", 0.73, 0.60, 0.83, "cited", f"{PJM_2627}: Steam 73 % (blast-furnace/process-gas boilers){VIA}"),
    (
        "other_incl_storage",
        0.59,
        0.40,
        0.73,
        "cited",
        f"{PJM_2829}: 4-hr storage 59 %; EIA's 'Other' (2,569 MW in 2018, 28,856 MW in 2024) is assumed to "
        "hold battery storage (shared/data/README.md: the file has no battery category); low end for 2-h "
        f"batteries, high end steam 73 % for the non-battery remainder{VIA}",
    ),
]

PRM_FILE = "reeds/prm_annual_nercr.csv"
PRM_COLUMN = "nerc"
RESERVE_MARGIN_SOURCE = (
    "NERC 2023 Long-Term Reliability Assessment reference margin level of the zone's NERC assessment area "
    "(shared/data/reeds/z134_hierarchy.csv nercr) for the year, as compiled by NREL ReEDS (shared/data/"
    "reeds/prm_annual_nercr.csv, column 'nerc'; GPL-3.0 file, numbers cited to NERC); applied to accredited "
    "(not installed) capacity"
)

# EIA-930 files -> BA label
EIA930_FILES = {
    "PJM-DOM": "eia930_load_pjm_dom_2023_2025.parquet",
    "PJM-CE": "eia930_load_pjm_comed_2023_2025.parquet",
    "SOCO": "eia930_load_soco_2023_2025.parquet",
    "ERCO": "eia930_load_ercot_2023_2025.parquet",
    "AZPS": "eia930_load_azps_2023_2025.parquet",
}


# ---------------------------------------------------------------------------------------------
# helpers


# 2-digit state FIPS, postal code, name of the 48 contiguous states + DC (US Census state codes); kept here
# so these builds do not depend on other tables of the repo.
STATES: tuple[tuple[str, str, str], ...] = (
    ("01", "AL", "Alabama"), ("04", "AZ", "Arizona"), ("05", "AR", "Arkansas"), ("06", "CA", "California"),
    ("08", "CO", "Colorado"), ("09", "CT", "Connecticut"), ("10", "DE", "Delaware"),
    ("11", "DC", "District of Columbia"), ("12", "FL", "Florida"), ("13", "GA", "Georgia"), ("16", "ID", "Idaho"),
    ("17", "IL", "Illinois"), ("18", "IN", "Indiana"), ("19", "IA", "Iowa"), ("20", "KS", "Kansas"),
    ("21", "KY", "Kentucky"), ("22", "LA", "Louisiana"), ("23", "ME", "Maine"), ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"), ("26", "MI", "Michigan"), ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"), ("29", "MO", "Missouri"), ("30", "MT", "Montana"), ("31", "NE", "Nebraska"),
    ("32", "NV", "Nevada"), ("33", "NH", "New Hampshire"), ("34", "NJ", "New Jersey"),
    ("35", "NM", "New Mexico"), ("36", "NY", "New York"), ("37", "NC", "North Carolina"),
    ("38", "ND", "North Dakota"), ("39", "OH", "Ohio"), ("40", "OK", "Oklahoma"), ("41", "OR", "Oregon"),
    ("42", "PA", "Pennsylvania"), ("44", "RI", "Rhode Island"), ("45", "SC", "South Carolina"),
    ("46", "SD", "South Dakota"), ("47", "TN", "Tennessee"), ("48", "TX", "Texas"), ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"), ("51", "VA", "Virginia"), ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"), ("55", "WI", "Wisconsin"), ("56", "WY", "Wyoming"),
)  # fmt: skip


def state_codes() -> pd.DataFrame:
    """2-digit state FIPS -> postal code and name."""
    return pd.DataFrame(STATES, columns=["state_fips", "state", "name"])


def load_zones(data_dir: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    zones = gpd.read_file(data_dir / "reeds_zones" / "rb_and_ba_areas.shp").to_crs(PROJECT_CRS)
    zones = zones.rename(columns={"rb": "zone", "BA_Code": "ba_code"})[["zone", "ba_code", "geometry"]]
    zones = zones.sort_values("zone", key=lambda s: s.str[1:].astype(int)).reset_index(drop=True)
    mem = pd.read_csv(data_dir / "reeds_zone_membership.csv")
    mem = mem.loc[mem["country"] == "USA"].rename(columns={"ba": "zone", "st": "zone_state"})
    mem = mem[["zone", "zone_state", "nercr", "transreg", "interconnect"]]
    return zones, mem


def assign_points(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    """Point-in-polygon, nearest polygon as fallback. Returns index -> key, method, dist_m."""
    hit = gpd.sjoin(points[["geometry"]], polys[[key, "geometry"]], how="left", predicate="within")
    hit = hit.sort_values(key).loc[lambda d: ~d.index.duplicated(keep="first")]  # overlaps: lowest key
    out = pd.DataFrame({key: hit[key]}, index=points.index)
    out["method"] = np.where(out[key].notna(), "polygon", "nearest")
    out["dist_m"] = 0.0
    miss = out.index[out[key].isna()]
    if len(miss):
        near = gpd.sjoin_nearest(points.loc[miss, ["geometry"]], polys[[key, "geometry"]], how="left", distance_col="d")
        near = near.sort_values([key]).loc[lambda d: ~d.index.duplicated(keep="first")]
        out.loc[miss, key] = near[key]
        out.loc[miss, "dist_m"] = near["d"]
    return out


# ---------------------------------------------------------------------------------------------
# 1. county -> zone


def build_county_zone(counties: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, mem: pd.DataFrame) -> pd.DataFrame:
    pts = gpd.GeoDataFrame(geometry=counties.geometry.representative_point(), index=counties.index, crs=counties.crs)
    a = assign_points(pts, zones, "zone")
    sc = state_codes().set_index("state_fips")["state"]
    df = pd.DataFrame(
        {
            "county_fips": counties.index.astype(str),
            "zone": a["zone"].to_numpy(),
            "state": counties["state_fips"].map(sc).to_numpy(),
            "method": a["method"].to_numpy(),
        }
    )
    df = df.merge(zones[["zone", "ba_code"]], on="zone", how="left").merge(mem, on="zone", how="left")
    df["source"] = f"{SRC_ZONES}; {SRC_MEMBERSHIP}; county representative point (Census 2016 counties)"
    cols = ["county_fips", "zone", "ba_code", "state", "zone_state", "nercr", "transreg", "interconnect", "method", "source"]
    return df[cols].sort_values("county_fips").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# 2. transfer limits


def transfer_from_frames(ac: pd.DataFrame, dc: pd.DataFrame, zones: set[str]) -> pd.DataFrame:
    """Directed limits: each AC interface r||rr gives r->rr = MW_f0 and rr->r = MW_r0; each DC tie
    (LCC / B2B) gives its MW in both directions. Only interfaces with both ends among ``zones``.
    Parallel rows of the same pair and kind are summed."""
    fwd = pd.DataFrame({"from_zone": ac["r"], "to_zone": ac["rr"], "mw": ac["MW_f0"], "kind": "AC"})
    rev = pd.DataFrame({"from_zone": ac["rr"], "to_zone": ac["r"], "mw": ac["MW_r0"], "kind": "AC"})
    d1 = pd.DataFrame({"from_zone": dc["r"], "to_zone": dc["rr"], "mw": dc["MW"], "kind": "DC", "dc_type": dc["trtype"]})
    d2 = pd.DataFrame({"from_zone": dc["rr"], "to_zone": dc["r"], "mw": dc["MW"], "kind": "DC", "dc_type": dc["trtype"]})
    ac_rows = pd.concat([fwd, rev], ignore_index=True)
    ac_rows["dc_type"] = ""
    ac_rows["source"] = SRC_AC + " (MW_f0 = r->rr, MW_r0 = rr->r)"
    dc_rows = pd.concat([d1, d2], ignore_index=True)
    dc_rows["source"] = SRC_DC + " (MW, same in both directions); projects: " + pd.concat(
        [dc["Project(s)"], dc["Project(s)"]], ignore_index=True
    ).astype(str)
    t = pd.concat([ac_rows, dc_rows], ignore_index=True)
    t = t.loc[t["from_zone"].isin(zones) & t["to_zone"].isin(zones)]
    t = t.groupby(["from_zone", "to_zone", "kind"], as_index=False).agg(
        mw=("mw", "sum"), dc_type=("dc_type", lambda s: "+".join(sorted(set(x for x in s if x)))), source=("source", "; ".join)
    )
    t["mw"] = t["mw"].astype(float).round(3)
    zkey = lambda s: s.str[1:].astype(int)  # noqa: E731
    t = t.sort_values(["from_zone", "to_zone", "kind"], key=lambda s: zkey(s) if s.name != "kind" else s)
    return t[["from_zone", "to_zone", "mw", "kind", "dc_type", "source"]].reset_index(drop=True)


def build_transfer(data_dir: Path, zones: set[str]) -> pd.DataFrame:
    ac = pd.read_csv(data_dir / "transmission_capacity_init_AC_ba_NARIS2024.csv")
    dc = pd.read_csv(data_dir / "transmission_capacity_init_nonAC_ba.csv")
    return transfer_from_frames(ac, dc, zones)


# ---------------------------------------------------------------------------------------------
# 3. supply


def capacity_credit_table() -> pd.DataFrame:
    return pd.DataFrame(
        CAPACITY_CREDIT_ROWS, columns=["fuel", "capacity_credit", "credit_low", "credit_high", "kind", "source"]
    )


def load_plants(data_dir: Path, counties: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> tuple[pd.DataFrame, dict]:
    g = pd.read_csv(data_dir / "wri_gppd_database_USA.csv", low_memory=False)
    n_raw = len(g)
    g = g.loc[~g["gppd_idnr"].isin(BAD_GPPD_ROWS)].copy()
    g = g.loc[g["capacity_mw"] > 0]
    pts = gpd.GeoDataFrame(
        g[["gppd_idnr", "primary_fuel", "capacity_mw"]],
        geometry=gpd.points_from_xy(g["longitude"], g["latitude"]),
        crs="EPSG:4326",
    ).to_crs(PROJECT_CRS)
    cty = counties[["state_fips", "geometry"]].reset_index()
    c = assign_points(pts, cty, "fips")
    keep = c["dist_m"] <= PLANT_MAX_SNAP_M
    sc = state_codes().set_index("state_fips")["state"]
    fips_state = cty.set_index("fips")["state_fips"].map(sc)
    pts = pts.loc[keep].copy()
    pts["state"] = c.loc[keep, "fips"].map(fips_state)
    z = assign_points(pts, zones, "zone")
    pts["zone"] = z["zone"]
    pts["zone_method"] = z["method"]
    stats = {
        "gppd_rows": n_raw,
        "gppd_dropped_bad_or_zero": n_raw - len(g),
        "gppd_outside_conus": int((~keep).sum()),
        "gppd_outside_conus_mw": float(g.loc[~keep.to_numpy(), "capacity_mw"].sum()),
        "gppd_conus": int(len(pts)),
        "gppd_conus_mw": float(pts["capacity_mw"].sum()),
        "gppd_zone_nearest": int((z["method"] == "nearest").sum()),
    }
    return pd.DataFrame(pts.drop(columns="geometry")), stats


def load_eia_state_capacity(data_dir: Path, states: set[str]) -> pd.DataFrame:
    e = pd.read_excel(data_dir / "eia_existcapacity_annual_1990_2024.xlsx", sheet_name="Existing Capacity", header=1)
    e = e.loc[(e["Year"] == EIA_YEAR) & (e["Producer Type"] == EIA_PRODUCER) & e["State Code"].isin(states)]
    e = e.loc[e["Fuel Source"].isin(EIA_FUEL_CLASS)]
    e = e.assign(fuel=e["Fuel Source"].map(EIA_FUEL_CLASS), mw=pd.to_numeric(e["Nameplate Capacity (Megawatts)"]))
    return e.groupby(["State Code", "fuel"], as_index=False)["mw"].sum().rename(columns={"State Code": "state"})


def scale_to_state_totals(plants: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """Spread each state's EIA MW of a fuel class over zones by the state's GPPD MW of that class per zone;
    where the state has no GPPD plant of the class, by the state's total GPPD MW per zone.
    Returns zone, state, fuel, nameplate_mw, method."""
    rows = []
    for cls_list_fuel, classes in GPPD_FUEL_CLASSES.items():
        sub = plants.loc[plants["primary_fuel"] == cls_list_fuel]
        for cls in classes:
            rows.append(sub.assign(fuel=cls))
    pf = pd.concat(rows, ignore_index=True)
    by_fuel = pf.groupby(["state", "fuel", "zone"])["capacity_mw"].sum()
    by_total = plants.groupby(["state", "zone"])["capacity_mw"].sum()
    out = []
    for r in eia.sort_values(["state", "fuel"]).itertuples(index=False):
        if r.mw <= 0:
            continue
        key = (r.state, r.fuel)
        if key in by_fuel.index.droplevel(2):
            w = by_fuel.loc[key]
            method = "scaled: EIA-860 2024 state MW x GPPD zone share of the fuel in the state"
        elif r.state in by_total.index.get_level_values(0):
            w = by_total.loc[r.state]
            method = "fallback: no GPPD plant of this fuel in the state; EIA MW spread by GPPD total MW share"
        else:
            raise ValueError(f"no GPPD plant at all in {r.state}")
        share = w / w.sum()
        for zone, s in share.items():
            out.append((zone, r.state, r.fuel, float(r.mw * s), method))
    df = pd.DataFrame(out, columns=["zone", "state", "fuel", "nameplate_mw", "method"])
    return df


def load_factors(data_dir: Path) -> pd.DataFrame:
    """Annual load factor (mean / peak) per BA and local calendar year 2023-2025, after dropping
    non-positive hours and one-hour spikes (> 30 % off the median of the two neighbouring hours)."""
    rows = []
    for ba, fn in EIA930_FILES.items():
        d = pd.read_parquet(data_dir / fn).sort_values("timestamp")
        v = d["demand_mw"].astype(float)
        nb = pd.concat([v.shift(1), v.shift(-1)], axis=1).median(axis=1)
        ok = (v > 0) & ~((v - nb).abs() > 0.30 * nb)
        d = d.loc[ok]
        year = d["timestamp"].dt.year
        for y, grp in d.groupby(year):
            if y < 2023:
                continue
            rows.append((ba, int(y), len(grp), float(grp["demand_mw"].mean()), float(grp["demand_mw"].max())))
    lf = pd.DataFrame(rows, columns=["ba", "year", "hours", "mean_mw", "peak_mw"])
    lf["load_factor"] = lf["mean_mw"] / lf["peak_mw"]
    return lf


def zone_load_factor(mem: pd.DataFrame, lf: pd.DataFrame) -> pd.DataFrame:
    """Each zone gets the load factor of the most similar of the five EIA-930 BAs by region, else the mean."""
    per_ba = lf.groupby("ba")["load_factor"].mean()
    mean5 = float(per_ba.mean())

    def pick(r: pd.Series) -> tuple[float, str]:
        if r["transreg"] == "ERCOT":
            return per_ba["ERCO"], "EIA-930 ERCO (ERCOT zone)"
        if r["transreg"] == "PJM":
            return float(per_ba[["PJM-DOM", "PJM-CE"]].mean()), "EIA-930 mean of PJM-DOM and PJM-CE (PJM zone)"
        if r["transreg"] in ("SERTP", "FRCC"):
            return per_ba["SOCO"], "EIA-930 SOCO (Southeast zone)"
        if r["nercr"] == "WECC_SRSG":
            return per_ba["AZPS"], "EIA-930 AZPS (desert Southwest zone)"
        return mean5, "EIA-930 mean of the five BAs (no similar BA held)"

    picked = mem.apply(pick, axis=1, result_type="expand")
    return pd.DataFrame({"zone": mem["zone"], "load_factor": picked[0].astype(float), "lf_basis": picked[1]})


def county_sales_2018(data_dir: Path, county_zone: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Retail sales (MWh, 2018) per county: each utility's state-wide sales split over the counties it
    serves in that state by 2018 population share, then each state scaled to its EIA-861 total."""
    m = pd.read_csv(data_dir / "pnnl_electricity_entity_mapping_2018.csv")
    m["sales"] = pd.to_numeric(m["Total_Sales_MWh"], errors="coerce")
    n_bad = int(m["sales"].isna().sum())
    m = m.dropna(subset=["sales"]).drop_duplicates(["County_FIPS", "Utility_Number", "State_FIPS"])
    m["County_FIPS"] = m["County_FIPS"].replace(PNNL_FIPS_FIX)
    pop = pd.read_csv(data_dir / "pnnl_county_populations_2000_to_2019.csv")[["county_FIPS", "pop_2018"]]
    pop["county_FIPS"] = pop["county_FIPS"].replace(PNNL_FIPS_FIX)
    pop = pop.groupby("county_FIPS", as_index=False)["pop_2018"].sum()
    m = m.merge(pop, left_on="County_FIPS", right_on="county_FIPS", how="left")
    m["pop_2018"] = m["pop_2018"].fillna(0.0)
    grp = m.groupby(["Utility_Number", "State_FIPS"])
    tot = grp["pop_2018"].transform("sum")
    n = grp["pop_2018"].transform("size")
    m["share"] = np.where(tot > 0, m["pop_2018"] / tot.replace(0, np.nan), 1.0 / n)
    m["mwh"] = m["sales"] * m["share"]  # sales is the utility's state total, repeated on each county row
    m["county_fips"] = m["County_FIPS"].astype(int).astype(str).str.zfill(5)
    cs = m.groupby("county_fips", as_index=False)["mwh"].sum()
    cz = county_zone[["county_fips", "state"]].merge(cs, on="county_fips", how="left")
    n_no_sales = int(cz["mwh"].isna().sum())
    cz["mwh"] = cz["mwh"].fillna(0.0)
    # EIA-861 2018 state totals: Parts A, B and D of TOTAL Sales (EIA's note in the sheet)
    e = pd.read_excel(data_dir / "eia861_Sales_Ult_Cust_2018.xlsx", sheet_name="States", header=[0, 1, 2])
    e.columns = ["_".join(map(str, c)) for c in e.columns]
    part = next(c for c in e.columns if c.endswith("_Part"))
    st = next(c for c in e.columns if c.endswith("_State"))
    ts = next(c for c in e.columns if c.startswith("TOTAL_Sales"))
    e = e.loc[e[part].isin(["A", "B", "D"])]
    eia_state = pd.to_numeric(e[ts], errors="coerce").groupby(e[st]).sum()
    mapped_state = cz.groupby("state")["mwh"].sum()
    # The remainder of each state's EIA total (energy-only retailers, e.g. Texas REPs and other Part B
    # sellers, which the county mapping does not place) is spread over the state's counties by population.
    remainder = (eia_state.reindex(mapped_state.index) - mapped_state).clip(lower=0.0)
    if remainder.isna().any():
        raise ValueError(f"state without an EIA-861 total: {list(remainder.index[remainder.isna()])}")
    cpop = cz["county_fips"].astype(int).map(pop.set_index("county_FIPS")["pop_2018"]).fillna(0.0)
    # Texas retail choice (the energy-only REPs the mapping misses) exists only inside ERCOT, so Texas'
    # remainder goes to ERCOT-zone counties only (REMAINDER_REGION); elsewhere to every county of the state.
    region = cz["county_fips"].map(county_zone.set_index("county_fips")["transreg"])
    eligible = pd.Series(True, index=cz.index)
    for st_, reg in REMAINDER_REGION.items():
        eligible &= (cz["state"] != st_) | (region == reg)
    cpop = cpop.where(eligible, 0.0)
    pop_share = cpop / cpop.groupby(cz["state"]).transform("sum")
    cz["mwh_2018"] = cz["mwh"] + cz["state"].map(remainder) * pop_share
    factor = (mapped_state + remainder) / mapped_state
    stats = {
        "pnnl_rows_nonnumeric_sales": n_bad,
        "counties_without_sales_rows": n_no_sales,
        "mapped_sales_twh": float(cz["mwh"].sum() / 1e6),
        "eia861_conus_sales_twh": float(cz["mwh_2018"].sum() / 1e6),
        "state_scale_min": float(factor.min()),
        "state_scale_max": float(factor.max()),
    }
    return cz[["county_fips", "state", "mwh_2018"]], stats


def spare_firm(
    accredited: pd.Series, peak: pd.Series, margin: pd.Series | float, committed: pd.Series | float = 0.0
) -> pd.Series:
    """spare_firm_mw = max(0, accredited - peak x (1 + margin) - committed). Committed data-center load
    takes firm MW one for one, as a new campus does in the model's zone row (no reserve on top)."""
    return np.maximum(0.0, accredited - peak * (1.0 + margin) - committed)


def load_hierarchy(data_dir: Path) -> pd.DataFrame:
    """ReEDS 134-zone hierarchy: zone -> nercr (the NERC assessment area keying the PRM file), cendiv, st."""
    h = pd.read_csv(data_dir / "reeds" / "z134_hierarchy.csv")
    h = h.loc[h["country"] == "USA"].rename(columns={"ba": "zone"})
    return h[["zone", "nercr", "cendiv", "st"]]


def reserve_margins(data_dir: Path, hierarchy: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    """zone, year, nercr, reserve_margin: the NERC reference margin of the zone's assessment area."""
    p = pd.read_csv(data_dir / PRM_FILE).rename(columns={"*nercr": "nercr", "t": "year", PRM_COLUMN: "reserve_margin"})
    p = p.loc[p["year"].isin(years), ["nercr", "year", "reserve_margin"]]
    grid = hierarchy[["zone", "nercr"]].merge(pd.DataFrame({"year": list(years)}), how="cross")
    out = grid.merge(p, on=["nercr", "year"], how="left")
    if out["reserve_margin"].isna().any():
        bad = out.loc[out["reserve_margin"].isna()].iloc[0]
        raise ValueError(f"{PRM_FILE}: no margin for {bad['nercr']} {bad['year']}")
    return out


def build_supply(
    data_dir: Path, counties: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, mem: pd.DataFrame, county_zone: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    cc = capacity_credit_table()
    plants, stats = load_plants(data_dir, counties, zones)
    states = set(county_zone["state"])
    eia = load_eia_state_capacity(data_dir, states)
    zf = scale_to_state_totals(plants, eia)
    zf = zf.groupby(["zone", "fuel"], as_index=False).agg(
        nameplate_mw=("nameplate_mw", "sum"), method=("method", lambda s: " | ".join(sorted(set(s))))
    )
    zf = zf.merge(cc[["fuel", "capacity_credit"]], on="fuel", how="left")
    zf["accredited_mw"] = zf["nameplate_mw"] * zf["capacity_credit"]
    zf["source"] = (
        "EIA-860 2024 state nameplate (shared/data/eia_existcapacity_annual_1990_2024.xlsx, Existing Capacity, "
        "Total Electric Power Industry) spread over zones by WRI GPPD v1.3.0 2019 plants "
        "(shared/data/wri_gppd_database_USA.csv); credit from data/capacity_credit.csv"
    )
    for c in ("nameplate_mw", "accredited_mw"):
        zf[c] = zf[c].round(3)
    zkey = lambda s: s.str[1:].astype(int) if s.name == "zone" else s  # noqa: E731
    zf = zf.sort_values(["zone", "fuel"], key=zkey).reset_index(drop=True)
    zf = zf[["zone", "fuel", "nameplate_mw", "capacity_credit", "accredited_mw", "method", "source"]]

    # demand by model year (build_demand.py): zone share of 2018 state sales x 2022 state load, EIA-930 where
    # it covers whole zones, AEO2023 growth; peak = energy / 8760 / load factor
    cs, dstats = county_sales_2018(data_dir, county_zone)
    stats.update(dstats)
    cs = cs.merge(county_zone[["county_fips", "zone", "zone_state"]], on="county_fips")
    zsales = cs.groupby(["zone", "zone_state"], as_index=False)["mwh_2018"].sum()
    lf = load_factors(data_dir)
    zlf = zone_load_factor(mem, lf)
    state_load = pd.read_csv(data_dir / "load" / "EIA_loadbystate_reeds.csv")
    mult = pd.read_csv(data_dir / "load" / "demand_AEO_2023_reference_state_multiplier.csv")
    dom_share = bd.dominion_share_of_dom(zsales, pd.read_csv(data_dir / "pnnl_sales_ult_cust_2018.csv"))
    dem = bd.zone_demand(zsales, state_load, mult, zlf, lf, dom_share)
    stats["eia930_checks"] = bd.eia930_checks(zsales, state_load, mult, lf, dom_share)
    stats["dom_share_p99"] = dom_share

    # regional reserve margins and committed data-center load (ODbL table, build_committed_load.py)
    hier = load_hierarchy(data_dir)
    prm = reserve_margins(data_dir, hier, bd.MODEL_YEARS)
    basis_year = dem.groupby("zone")["basis_year"].first()
    committed, cstats = bcl.build(data_dir, counties, county_zone, basis_year.reindex(mem["zone"]))
    stats.update({f"dc_{k}": v for k, v in cstats.items()})

    agg = zf.groupby("zone")[["nameplate_mw", "accredited_mw"]].sum()
    by = dem.merge(prm, on=["zone", "year"]).merge(mem[["zone", "zone_state"]].rename(columns={"zone_state": "state"}), on="zone")
    by = by.merge(agg["accredited_mw"], left_on="zone", right_index=True, how="left")
    by["accredited_mw"] = by["accredited_mw"].fillna(0.0).round(3)
    by = by.merge(committed[["zone", "committed_mw"]].rename(columns={"committed_mw": "committed_dc_mw"}), on="zone")
    by["energy_mwh"] = by["energy_mwh"].round(1)
    by["peak_mw"] = by["peak_mw"].round(3)
    by["load_factor"] = by["load_factor"].round(4)
    by["spare_firm_mw"] = spare_firm(by["accredited_mw"], by["peak_mw"], by["reserve_margin"], by["committed_dc_mw"]).round(3)
    by["demand_basis"] = np.where(
        by["basis_year"] == bd.EIA930_YEAR, "EIA-930 " + by["lf_basis"].str.extract(r"EIA-930 (\S+)")[0] + " 2025",
        "state load 2022",
    ) + " x AEO2023 growth"
    by["source"] = "data/SOURCES.md, 'Zone supply by year'; zone_supply.csv source columns"
    zkey = lambda s: s.str[1:].astype(int) if s.name == "zone" else s  # noqa: E731
    by = by.sort_values(["zone", "year"], key=zkey).reset_index(drop=True)
    by = by[[
        "zone", "year", "state", "nercr", "energy_mwh", "load_factor", "peak_mw", "reserve_margin", "accredited_mw",
        "committed_dc_mw", "spare_firm_mw", "basis_year", "demand_basis", "source",
    ]]  # fmt: skip

    # zone_supply.csv: the base year, with the columns the loaders read
    base = by.loc[by["year"] == bd.BASE_YEAR].set_index("zone")
    z = mem[["zone", "zone_state", "transreg", "interconnect"]].rename(columns={"zone_state": "state"})
    z = z.merge(agg, left_on="zone", right_index=True, how="left").merge(zsales[["zone", "mwh_2018"]], on="zone", how="left")
    z[["nameplate_mw", "accredited_mw", "mwh_2018"]] = z[["nameplate_mw", "accredited_mw", "mwh_2018"]].fillna(0.0)
    z["nercr"] = z["zone"].map(base["nercr"])
    z["base_year"] = bd.BASE_YEAR
    z["annual_mwh_2018"] = z["mwh_2018"].round(1)
    z["annual_mwh"] = z["zone"].map(base["energy_mwh"])
    z["load_factor"] = z["zone"].map(base["load_factor"])
    z["lf_basis"] = z["zone"].map(dem.groupby("zone")["lf_basis"].first())
    z["peak_mw"] = z["zone"].map(base["peak_mw"])
    z["reserve_margin"] = z["zone"].map(base["reserve_margin"])
    z["committed_dc_mw"] = z["zone"].map(base["committed_dc_mw"])
    z["nameplate_mw"] = z["nameplate_mw"].round(3)
    z["accredited_mw"] = z["accredited_mw"].round(3)
    z["spare_firm_mw"] = z["zone"].map(base["spare_firm_mw"])
    z["supply_source"] = (
        "EIA-860 2024 state nameplate by fuel spread by GPPD 2019 plant locations; accredited = sum of fuel MW x "
        "data/capacity_credit.csv (see zone_supply_by_fuel.csv); held constant over the model years"
    )
    z["demand_source"] = z["zone"].map(dem.groupby("zone")["demand_basis"].first()) + (
        f"; {bd.TD_LOSS_SOURCE}; peak = MWh / 8760 / load factor (see build_demand.py)"
    )
    z["reserve_margin_source"] = RESERVE_MARGIN_SOURCE
    z["committed_source"] = (
        "data/zone_committed_load.csv committed_mw (IM3 atlas, ODbL 1.0: contains information from OpenStreetMap "
        "(c) OpenStreetMap contributors; see data/SOURCES.md)"
    )
    zkey2 = lambda s: s.str[1:].astype(int)  # noqa: E731
    z = z.sort_values("zone", key=zkey2).reset_index(drop=True)
    cols = [
        "zone", "state", "transreg", "interconnect", "nercr", "base_year", "nameplate_mw", "accredited_mw",
        "annual_mwh_2018", "annual_mwh", "load_factor", "lf_basis", "peak_mw", "reserve_margin", "committed_dc_mw",
        "spare_firm_mw", "supply_source", "demand_source", "reserve_margin_source", "committed_source",
    ]  # fmt: skip
    stats["load_factors"] = lf
    return z[cols], zf, cc, by, committed, stats


# ---------------------------------------------------------------------------------------------


def build_all(data_dir: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    from model.inputs.datasets import load_counties

    counties = load_counties()
    zones, mem = load_zones(data_dir)
    cz = build_county_zone(counties, zones, mem)
    tr = build_transfer(data_dir, set(mem["zone"]))
    zs, zf, cc, by, committed, stats = build_supply(data_dir, counties, zones, mem, cz)
    stats["counties_nearest_zone"] = int((cz["method"] == "nearest").sum())
    tables = {
        "county_zone.csv": cz,
        "zone_transfer_mw.csv": tr,
        "capacity_credit.csv": cc,
        "zone_supply_by_fuel.csv": zf,
        "zone_supply.csv": zs,
        "zone_supply_by_year.csv": by,
        "zone_committed_load.csv": committed,
    }
    return tables, stats


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "data")
    args = ap.parse_args(argv)
    tables, stats = build_all(args.data_dir)
    for name, df in tables.items():
        df.to_csv(args.out / name, index=False, lineterminator="\n")
        print(f"wrote {args.out / name} ({len(df):,} rows)")
    lf = stats.pop("load_factors")
    checks = stats.pop("eia930_checks")
    for k, v in stats.items():
        print(f"{k}: {v:,.3f}" if isinstance(v, float) else f"{k}: {v:,}")
    print(lf.round(4).to_string(index=False))
    zs = tables["zone_supply.csv"]
    print(f"zones: {len(zs)}; nameplate {zs.nameplate_mw.sum():,.0f} MW; accredited {zs.accredited_mw.sum():,.0f} MW;"
          f" peak (sum of zones) {zs.peak_mw.sum():,.0f} MW")
    print(f"national spare firm ({bd.BASE_YEAR}): {zs.spare_firm_mw.sum():,.0f} MW; net (accredited - peak x (1 + margin)"
          f" - committed): {(zs.accredited_mw - zs.peak_mw * (1 + zs.reserve_margin) - zs.committed_dc_mw).sum():,.0f} MW")
    print(zs.groupby("transreg")[["accredited_mw", "peak_mw", "committed_dc_mw", "spare_firm_mw"]].sum().round(0).to_string())
    print("EIA-930 against the state-share method (before calibration):")
    print(checks.round(3).to_string(index=False))
    by = tables["zone_supply_by_year.csv"]
    print(by.groupby("year")[["energy_mwh", "peak_mw", "committed_dc_mw", "spare_firm_mw"]].sum().div(
        [1e6, 1e3, 1e3, 1e3]).round(1).rename(columns=lambda c: c.replace("_mwh", "_twh").replace("_mw", "_gw")).to_string())
    ercot = by.loc[by["nercr"] == "ERCOT"].groupby("year")["peak_mw"].sum()
    print(f"ERCOT zones, sum of peaks: {ercot.round(0).to_dict()}")


if __name__ == "__main__":
    main()
