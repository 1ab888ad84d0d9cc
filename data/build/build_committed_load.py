"""Committed data-center load per ReEDS zone (issue 24, item 5) from the IM3 Open Source Data Center Atlas.

Pure functions plus :func:`build`; ``build_zones.py`` calls :func:`build` and writes
``data/zone_committed_load.csv``, whose ``committed_mw`` lowers ``spare_firm_mw`` in ``zone_supply.csv`` and
``zone_supply_by_year.csv``.

LICENCE: the atlas is derived from OpenStreetMap and is under the Open Database License (ODbL) 1.0. The
per-zone table is a Derivative Database: it is offered under ODbL 1.0 with the attribution in its
``license`` column and in data/SOURCES.md, and this script is the method of making it (ODbL 4.6). No
facility-level row is written to the repository.

Method (docs/supply_data.md, "Committed data-center load"):

* Rows: ``im3_datacenter_atlas_v2026.02.09.csv``; a facility straddling a county line has one row per county
  (same id, same point): one kept. Each point is placed in a Census county (the project's 3,108; nearest
  within 20 km for coastal points), then in that county's zone; points outside CONUS (PR) are dropped.
* A **campus** row's ``sqft`` is its land; a **building** row's is its footprint. Buildings within a
  campus's equivalent-area circle (radius sqrt(area / pi) around the campus point) belong to that campus.
  A campus with mapped buildings counts its buildings; a campus without counts its land.
* IT MW = building footprint x :data:`BUILDING_W_IT_PER_SQFT`, or campus land x :data:`CAMPUS_W_IT_PER_SQFT`
  (IM3's own ratio: 36 MW IT per 1,000,000 sq ft campus), or, for a **point** without sqft, the median
  building footprint x the building factor. Facility MW = IT MW x :data:`FLEET_PUE`.
* **Committed** MW = facility MW x the share of the atlas fleet's load NOT already in the zone's demand basis
  (:func:`not_in_basis_share`): measured loads (state sales 2022, EIA-930 2025) already contain the data
  centers that ran then; only the growth of the fleet since the basis year is added.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

SQM_PER_SQFT = 0.09290304
ATLAS_FILE = "im3_datacenter_atlas_v2026.02.09.csv"
ATLAS_YEAR = 2026.0 + 39.0 / 365.0  # release v2026.02.09: the fleet as mapped in early February 2026
SNAP_MAX_M = 20_000.0

BUILDING_W_IT_PER_SQFT = 75.0
BUILDING_RANGE = (40.0, 180.0)
BUILDING_SOURCE = (
    "estimate 75 W of IT per sq ft of building footprint (range 40-180): design IT density of white space "
    "150-175 W/sq ft for the average provider and 240-300 W/sq ft for hyperscale (datacenterHawk, 'Hyperscale "
    "Data Centers: The Where, How & What's Next', 2021), 10,000 sq ft suites of 1-2 MW and a 148,000 sq ft hall "
    "of 18 MW (Data Center Frontier, 'Megahall data suites get larger'); white space taken as about half of a "
    "single-storey footprint (0.35-0.6, the rest electrical, mechanical and offices; no held source) -> "
    "0.5 x 150 = 75; low 0.35 x 122, high 0.6 x 300"
)
CAMPUS_W_IT_PER_SQFT = 36.0
CAMPUS_RANGE = (20.0, 60.0)
CAMPUS_SOURCE = (
    "PNNL IM3 Projected US Data Center Locations v1 (Mongird et al. 2025, doi:10.57931/2571680, CC BY 4.0; "
    "shared/data/im3_projected_datacenters_2035_*.geojson): every modelled facility has data_center_it_power_mw 36 "
    "on campus_size_square_ft 1,000,000 = 36 W of IT per sq ft of campus land; range 20-60 is an estimate "
    "(campus polygons often hold unbuilt phases, or denser AI halls)"
)
FLEET_PUE = 1.3
PUE_RANGE = (1.1, 1.56)
PUE_SOURCE = (
    "estimate 1.3 (range 1.10-1.56): between hyperscale fleets (Google 2024 Environmental Report 1.10) and the "
    "Uptime Institute Global Data Center Survey 2024 industry average 1.56, as quoted in data/cost_assumptions.csv"
)
# National data-center electricity, LBNL 2024 United States Data Center Energy Usage Report (Shehabi et al.,
# Dec 2024), as reported by RTO Insider (2024-12-22): 76 TWh in 2018, 176 TWh in 2023, 325-580 TWh in 2028.
DC_TWH_2018, DC_TWH_2023, DC_TWH_2028 = 76.0, 176.0, (325.0, 580.0)
FLEET_GROWTH = (DC_TWH_2023 / DC_TWH_2018) ** (1 / 5)  # 1.183 a year, 2018-2023
FLEET_GROWTH_RANGE = tuple((hi / DC_TWH_2023) ** (1 / 5) for hi in DC_TWH_2028)  # 1.131-1.269 a year, 2023-2028
GROWTH_SOURCE = (
    "LBNL, Shehabi et al., 2024 United States Data Center Energy Usage Report (Dec 2024): 76 TWh (2018), 176 TWh "
    "(2023), 325-580 TWh (2028), as reported by RTO Insider 2024-12-22; fleet growth 18.3 %/yr (2018-2023), "
    "range 13.1-26.9 %/yr (2023-2028 scenarios)"
)
ODBL_NOTICE = (
    "ODbL-1.0: contains information from the IM3 Open Source Data Center Atlas v2026.02.09 (Mongird et al. 2025, "
    "doi:10.57931/2550666), derived from OpenStreetMap (c) OpenStreetMap contributors, made available under the "
    "Open Database License 1.0 (opendatacommons.org/licenses/odbl/1-0/); this derived table is offered under the "
    "same licence; method: data/build/build_committed_load.py"
)


def not_in_basis_share(basis_year: int | pd.Series, growth: float = FLEET_GROWTH) -> float | pd.Series:
    """Share of the atlas fleet's load that a demand measured over ``basis_year`` does not contain:
    1 - growth ** -(atlas date - middle of the basis year), the fleet growing at ``growth`` a year."""
    return 1.0 - growth ** -(ATLAS_YEAR - (basis_year + 0.5))


def load_atlas(data_dir: Path) -> pd.DataFrame:
    """The atlas rows, one per facility id (a facility across a county line has one row per county)."""
    a = pd.read_csv(data_dir / ATLAS_FILE, dtype={"id": str, "state_id": str, "county_id": str})
    return a.drop_duplicates("id", keep="first").sort_values("id").reset_index(drop=True)


def facility_it_mw(atlas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per atlas row (projected, metres): ``counted_sqft``, ``basis`` (building / campus_land /
    campus_buildings / in_campus / point) and ``it_mw``. Buildings within a campus's equivalent-area circle
    are counted in that campus, which then counts buildings instead of land."""
    kind = atlas["type"].astype(str)
    sqft = pd.to_numeric(atlas["sqft"], errors="coerce")
    xy = np.column_stack([atlas.geometry.x.to_numpy(), atlas.geometry.y.to_numpy()])
    camp = np.flatnonzero((kind == "campus").to_numpy() & sqft.notna().to_numpy())
    bld = np.flatnonzero((kind == "building").to_numpy() & sqft.notna().to_numpy())
    radius = np.sqrt(sqft.to_numpy()[camp] * SQM_PER_SQFT / np.pi)
    # campus x building distances: 135 x 1,239 at most, one vectorised array
    d = np.hypot(xy[camp, 0][:, None] - xy[bld, 0][None, :], xy[camp, 1][:, None] - xy[bld, 1][None, :])
    inside = d <= radius[:, None]
    bld_in = inside.any(axis=0)
    # A building inside two campus circles belongs to the one whose centre is nearest (relative to radius).
    owner = np.where(inside, d / radius[:, None], np.inf).argmin(axis=0)
    member = np.zeros_like(inside)
    member[owner[bld_in], np.flatnonzero(bld_in)] = True
    bld_sqft_in_campus = member.astype(float) @ sqft.to_numpy()[bld]
    out = pd.DataFrame(index=atlas.index)
    out["basis"] = np.where(kind == "point", "point", np.where(kind == "campus", "campus_land", "building"))
    out["counted_sqft"] = sqft.fillna(0.0).to_numpy()
    out.iloc[bld[bld_in], out.columns.get_loc("basis")] = "in_campus"
    out.iloc[bld[bld_in], out.columns.get_loc("counted_sqft")] = 0.0
    has = member.any(axis=1)
    out.iloc[camp[has], out.columns.get_loc("basis")] = "campus_buildings"
    out.iloc[camp[has], out.columns.get_loc("counted_sqft")] = bld_sqft_in_campus[has]
    median_building = float(np.median(sqft.to_numpy()[bld]))
    is_point = out["basis"] == "point"
    out.loc[is_point, "counted_sqft"] = median_building
    w = np.where(out["basis"] == "campus_land", CAMPUS_W_IT_PER_SQFT, BUILDING_W_IT_PER_SQFT)
    out["it_mw"] = out["counted_sqft"] * w / 1e6
    return out


def place(atlas: pd.DataFrame, counties: gpd.GeoDataFrame, county_zone: pd.DataFrame) -> gpd.GeoDataFrame:
    """Atlas points (EPSG:4326) -> the counties' CRS with ``county_fips`` and ``zone`` (point in county, else
    the nearest county within :data:`SNAP_MAX_M`; farther points, e.g. Puerto Rico, are dropped)."""
    pts = gpd.GeoDataFrame(atlas, geometry=gpd.points_from_xy(atlas["lon"], atlas["lat"]), crs="EPSG:4326")
    pts = pts.to_crs(counties.crs)
    cty = gpd.GeoDataFrame({"county_fips": counties.index.astype(str)}, geometry=counties.geometry.to_numpy(), crs=counties.crs)
    hit = gpd.sjoin(pts[["geometry"]], cty, how="left", predicate="within")
    hit = hit.sort_values("county_fips").loc[lambda df: ~df.index.duplicated(keep="first")]
    fips = hit["county_fips"].reindex(pts.index)
    miss = fips.index[fips.isna()]
    if len(miss):
        near = gpd.sjoin_nearest(pts.loc[miss, ["geometry"]], cty, how="left", distance_col="d", max_distance=SNAP_MAX_M)
        near = near.sort_values("county_fips").loc[lambda df: ~df.index.duplicated(keep="first")]
        fips.loc[miss] = near["county_fips"].reindex(miss)
    pts["county_fips"] = fips
    pts = pts.loc[pts["county_fips"].notna()].copy()
    pts["zone"] = pts["county_fips"].map(county_zone.set_index("county_fips")["zone"])
    return pts


def zone_table(fac: pd.DataFrame, zones: list[str], basis_year: pd.Series) -> pd.DataFrame:
    """Per zone (all of ``zones``): counts, counted sq ft, IT and facility MW, the not-in-basis share of its
    demand basis year and the committed MW."""
    g = fac.groupby("zone")
    t = pd.DataFrame(index=pd.Index(zones, name="zone"))
    t["n_facilities"] = g.size().reindex(zones).fillna(0).astype(int)
    for b in ("building", "campus_buildings", "in_campus", "campus_land", "point"):
        t[f"n_{b}"] = fac.loc[fac["basis"] == b].groupby("zone").size().reindex(zones).fillna(0).astype(int)
    # IT MW = building_sqft x the building factor + campus_land_sqft x the campus factor (points: median building)
    dense = fac["basis"] != "campus_land"
    t["building_sqft"] = fac.loc[dense].groupby("zone")["counted_sqft"].sum().reindex(zones).fillna(0.0)
    t["campus_land_sqft"] = fac.loc[~dense].groupby("zone")["counted_sqft"].sum().reindex(zones).fillna(0.0)
    t["it_mw"] = g["it_mw"].sum().reindex(zones).fillna(0.0)
    t["facility_mw"] = t["it_mw"] * FLEET_PUE
    t["basis_year"] = basis_year.reindex(zones).astype(int)
    t["not_in_basis_share"] = not_in_basis_share(t["basis_year"])
    t["committed_mw"] = t["facility_mw"] * t["not_in_basis_share"]
    lo = t["it_mw"] * PUE_RANGE[0] * not_in_basis_share(t["basis_year"], FLEET_GROWTH_RANGE[0])
    hi = t["it_mw"] * PUE_RANGE[1] * not_in_basis_share(t["basis_year"], FLEET_GROWTH_RANGE[1])
    # the density range scales building and campus MW alike (low/high ends of both)
    t["committed_low_mw"] = lo * min(BUILDING_RANGE[0] / BUILDING_W_IT_PER_SQFT, CAMPUS_RANGE[0] / CAMPUS_W_IT_PER_SQFT)
    t["committed_high_mw"] = hi * max(BUILDING_RANGE[1] / BUILDING_W_IT_PER_SQFT, CAMPUS_RANGE[1] / CAMPUS_W_IT_PER_SQFT)
    t["source"] = (
        "IM3 Open Source Data Center Atlas v2026.02.09 (shared/data/" + ATLAS_FILE + "): per-facility sq ft -> IT MW "
        f"(building {BUILDING_W_IT_PER_SQFT:g} W/sq ft estimate; campus land {CAMPUS_W_IT_PER_SQFT:g} W/sq ft, IM3) x PUE "
        f"{FLEET_PUE:g} (estimate) x share not in the demand basis (LBNL fleet growth); see data/SOURCES.md"
    )
    t["license"] = ODBL_NOTICE
    for c in ("building_sqft", "campus_land_sqft"):
        t[c] = t[c].round(1)
    for c in ("it_mw", "facility_mw", "committed_mw", "committed_low_mw", "committed_high_mw"):
        t[c] = t[c].round(3)
    t["not_in_basis_share"] = t["not_in_basis_share"].round(4)
    return t.reset_index()


def build(
    data_dir: Path, counties: gpd.GeoDataFrame, county_zone: pd.DataFrame, basis_year: pd.Series
) -> tuple[pd.DataFrame, dict]:
    """zone_committed_load.csv (one row per zone of ``basis_year``'s index) and facts for the docs."""
    atlas = load_atlas(data_dir)
    pts = place(atlas, counties, county_zone)
    fac = pd.concat([pts[["zone", "type", "operator"]], facility_it_mw(pts)], axis=1)
    zones = list(basis_year.index)
    table = zone_table(fac, zones, basis_year)
    bld = pd.to_numeric(pts.loc[pts["type"] == "building", "sqft"], errors="coerce").dropna()
    stats = {
        "atlas_rows": int(len(pd.read_csv(data_dir / ATLAS_FILE, usecols=["id"]))),
        "atlas_facilities": int(len(atlas)),
        "facilities_placed": int(len(pts)),
        "dropped_outside_conus": int(len(atlas) - len(pts)),
        "buildings_in_campus": int((fac["basis"] == "in_campus").sum()),
        "campuses_with_buildings": int((fac["basis"] == "campus_buildings").sum()),
        "campuses_land_only": int((fac["basis"] == "campus_land").sum()),
        "points_without_sqft": int((fac["basis"] == "point").sum()),
        "median_building_sqft": float(np.median(bld)),
        "it_gw": float(fac["it_mw"].sum() / 1e3),
        "facility_gw": float(fac["it_mw"].sum() * FLEET_PUE / 1e3),
        "committed_gw": float(table["committed_mw"].sum() / 1e3),
        "lbnl_2023_average_gw": DC_TWH_2023 * 1e3 / 8760.0,
    }
    return table, stats
