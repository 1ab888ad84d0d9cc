"""Candidate sets beyond the default counties (model.inputs.candidates).

File-candidate tests build small files in tmp_path and need only the default dataset; the others read
../shared/data through the ``shared_data`` fixture and skip when it is absent.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from model.check import check_solution
from model.config import scenario_from_dict
from model.core.errors import InputDataError
from model.inputs import candidates as cand
from model.inputs import realdata as rd
from model.inputs.datasets import (
    CANDIDATE_SCHEMA,
    load_cost_assumptions,
    load_counties,
    load_county_grid,
    load_gpu_catalog,
    load_interconnection_tiers,
)
from model.inputs.load import inputs_from_frames
from model.workflows.engine import solve_scenario

PROJECT_EPSG = 5070
COSTS = load_cost_assumptions()
# Loudoun County VA (51107) and Travis County TX (48453); the third point is in the Atlantic.
LONLAT = [(-77.55, 39.05), (-97.75, 30.30), (-60.0, 35.0)]


def _assert_candidates(sites: gpd.GeoDataFrame) -> None:
    assert sites.crs.to_epsg() == PROJECT_EPSG
    assert sites.index.name == "site_id" and sites.index.is_unique
    assert set(CANDIDATE_SCHEMA) <= set(sites.columns)
    assert not sites[list(CANDIDATE_SCHEMA)].isna().any().any()


# --------------------------------------------------------------------------------------------------
# file candidates (default dataset only)


def test_csv_points_get_county_facts_and_default_headroom(tmp_path: Path) -> None:
    path = tmp_path / "pts.csv"
    pd.DataFrame({"lon": [p[0] for p in LONLAT], "lat": [p[1] for p in LONLAT]}).to_csv(path, index=False)
    # The ocean point cannot be used: the file is refused, naming the row and why ...
    with pytest.raises(InputDataError, match=r"pts\.csv: 1 of 3 rows cannot be used: row 3: lon/lat \(-60, 35\) is not in the contiguous US"):
        cand.file_candidates(path, [], COSTS)
    # ... unless the scenario asks to drop such rows: then it is left out, counted and listed.
    sites = cand.file_candidates(path, [], COSTS, drop_invalid_rows=True)
    _assert_candidates(sites)
    assert list(sites.index) == ["row-1", "row-2"]
    assert sites.attrs["dropped_points"] == 1
    assert [r["row"] for r in sites.attrs["invalid_rows"]] == [3]
    assert list(sites["county_fips"]) == ["51107", "48453"]
    assert list(sites["state"]) == ["VA", "TX"]
    grid = load_county_grid()
    assert sites.loc["row-1", "headroom_mw"] == pytest.approx(grid.loc["51107", "headroom_mw"])
    circle_acres = math.pi * (cand.SITE_RADIUS_KM * 1000) ** 2 / 4046.8564224 * COSTS.developable_land_share
    assert sites["land_available_acres"].to_numpy() == pytest.approx([circle_acres] * 2)
    assert list(cand.file_candidates(path, ["tx"], COSTS, drop_invalid_rows=True).index) == ["row-2"]


def test_geopackage_with_ids_headroom_and_land(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "headroom_mw": [300.0, 0.0], "land_available_acres": [500.0, 800.0]},
        geometry=[Point(xy) for xy in LONLAT[:2]],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    path = tmp_path / "pts.gpkg"
    gdf.to_file(path, driver="GPKG")
    sites = cand.file_candidates(path, [], COSTS)
    _assert_candidates(sites)
    assert list(sites.index) == ["a", "b"]
    assert list(sites["headroom_mw"]) == [300.0, 0.0]
    assert list(sites["land_available_acres"]) == [500.0, 800.0]
    assert sites.attrs["dropped_points"] == 0


def test_csv_missing_lon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pts.csv"
    pd.DataFrame({"x": [1.0], "lat": [40.0]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"pts\.csv: missing column 'lon'"):
        cand.file_candidates(path, [], COSTS)


def test_nan_headroom_is_refused_with_row(tmp_path: Path) -> None:
    path = tmp_path / "pts.csv"
    pd.DataFrame({"lon": [-77.5, -97.7], "lat": [39.0, 30.3], "headroom_mw": [100.0, np.nan]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"pts\.csv: 1 of 2 rows cannot be used: row 2: headroom_mw is missing"):
        cand.file_candidates(path, [], COSTS)


def test_geometry_without_crs_is_refused(tmp_path: Path) -> None:
    # GeoJSON always implies WGS84, so a GeoPackage written without a CRS is the case to refuse.
    gpkg = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"v": [1]}, geometry=[Point(-77.5, 39.0)]).to_file(gpkg, driver="GPKG")
    with pytest.raises(InputDataError, match=r"nocrs\.gpkg: geometry has no CRS"):
        cand.file_candidates(gpkg, [], COSTS)


def test_polygons_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "poly.gpkg"
    square = Polygon([(-77.6, 39.0), (-77.5, 39.0), (-77.5, 39.1), (-77.6, 39.1)])
    gpd.GeoDataFrame({"v": [1]}, geometry=[square], crs="EPSG:4326").to_file(path, driver="GPKG")
    with pytest.raises(InputDataError, match=r"poly\.gpkg: geometries must be points \(found Polygon, row 1\)"):
        cand.file_candidates(path, [], COSTS)


# --------------------------------------------------------------------------------------------------
# shared data


@pytest.fixture(scope="module")
def subs230() -> gpd.GeoDataFrame:
    if rd.default_shared_dir() is None:
        pytest.skip("shared data folder is absent")
    return cand.substation_candidates([], COSTS, 230.0)


@pytest.mark.shared_data
def test_substations_ge_230kv_match_hifld_class_counts(shared_data: Path, subs230: gpd.GeoDataFrame) -> None:
    raw = rd.load_substations(shared_data)
    # README class table: 863 -> 170-299 kV (1,814), 1380 -> 300-399 (300), 1458 -> >=400 (104).
    expected = int(raw["rval"].isin([863, 1380, 1458]).sum())
    assert expected == 1_814 + 300 + 104 == 2_218
    # No point is dropped: all 51,338 stations lie in or within 25 km of a Census county.
    assert subs230.attrs["dropped_points"] == 0
    assert len(subs230) == expected
    assert subs230["voltage_class_kv_min"].min() == 170
    assert subs230.index.str.fullmatch(r"sub-\d+").all()
    _assert_candidates(subs230)
    assert (subs230["headroom_mw"] >= 0).all()
    assert (subs230["headroom_mw"] <= cand.SUBSTATION_HEADROOM_CAP_MW).all()
    assert subs230["price_usd_per_mwh"].between(*cand.PRICE_CLIP_USD_PER_MWH).all()
    # The id is the row in the shapefile: its class must agree with the raw file.
    rows = subs230.index.str.removeprefix("sub-").astype(int)
    assert (raw["rval"].to_numpy()[rows] == subs230["rval"].to_numpy()).all()


@pytest.mark.shared_data
def test_all_substations_fast_and_bounded(shared_data: Path) -> None:
    import time

    t = time.perf_counter()
    sites = cand.substation_candidates([], COSTS, 0.0, data_dir=shared_data)
    assert time.perf_counter() - t < 20.0
    assert len(sites) + sites.attrs["dropped_points"] == 51_338
    assert sites["headroom_mw"].between(0, cand.SUBSTATION_HEADROOM_CAP_MW).all()


@pytest.mark.shared_data
def test_real_counties_and_one_county_by_hand(shared_data: Path) -> None:
    sites = cand.real_county_candidates([], COSTS, data_dir=shared_data)
    _assert_candidates(sites)
    assert len(sites) == 3_108
    assert list(sites.index) == list(load_counties().index)
    assert sites["headroom_mw"].between(0, cand.COUNTY_HEADROOM_CAP_MW).all()

    # Autauga County AL (01001), inland, recomputed straight from the raw loaders.
    fips = "01001"
    county = load_counties().loc[[fips]]
    subs = rd.load_substations(shared_data)
    inside = subs.loc[subs.within(county.geometry.iloc[0])]
    loadability_mw = {0: 36, 1: 105, 2: 150, 3: 210, 4: 420, 5: 1170, 6: 2700}  # 3 x SIL per class
    station_mw = float(inside["voltage_class"].map(loadability_mw).sum())
    plants = rd.load_power_plants(shared_data, conus_only=True)
    gen_mw = float(plants.loc[plants.within(county.geometry.iloc[0]), "capacity_mw"].sum())
    pop = rd.load_county_population(shared_data)
    al_pop = pop.loc[pop["county_fips"].str.startswith("01"), "pop_2019"].sum()
    al_sales_mwh = rd.load_sales_ult_cust(shared_data).query("state == 'AL'")["total_sales_mwh"].sum()
    kw_per_person = al_sales_mwh / al_pop / 8760 * 1000 * 1.6
    load_mw = float(pop.set_index("county_fips").loc[fips, "pop_2019"]) * kw_per_person / 1000
    expected = min(3000.0, 0.10 * max(0.0, gen_mw - load_mw) + 0.05 * station_mw)
    row = sites.loc[fips]
    assert row["substations"] == len(inside)
    assert row["gen_mw_total"] == pytest.approx(gen_mw)
    assert row["load_mw"] == pytest.approx(load_mw)
    assert row["headroom_mw"] == pytest.approx(expected)


@pytest.mark.shared_data
def test_existing_datacenters_and_adjustments(shared_data: Path, subs230: gpd.GeoDataFrame) -> None:
    dc = cand.existing_datacenters(shared_data)
    assert len(dc) == 1_165 and dc.crs.to_epsg() == PROJECT_EPSG
    assert (dc["est_mw"] > 0).all()
    by_county = cand.existing_mw_by_county(dc)
    assert by_county.sum() == pytest.approx(dc.dropna(subset=["county_fips"])["est_mw"].sum())
    assert by_county.idxmax() in {"51107", "51153", "51059"}  # Loudoun / Prince William / Fairfax
    cut = cand.subtract_existing_load(subs230, by_county, 0.5)
    assert (cut["headroom_mw"] >= 0).all() and (cut["headroom_mw"] <= subs230["headroom_mw"]).all()
    assert (cut["headroom_mw"] < subs230["headroom_mw"]).any()
    bonus = cand.cluster_bonus(subs230, dc, radius_km=10.0, usd_per_mw=250_000.0)
    assert set(bonus.unique()) <= {0.0, 250_000.0} and (bonus > 0).any() and (bonus == 0).any()


@pytest.mark.shared_data
def test_tiny_solve_on_illinois_substations(shared_data: Path, subs230: gpd.GeoDataFrame) -> None:
    sites = subs230.loc[subs230["state"] == "IL"].sort_index().head(50)
    assert 20 <= len(sites) <= 50
    scenario = scenario_from_dict(
        {
            "name": "il-substations",
            "candidates": {"states": ["IL"]},
            "gpus": {"types": ["H100_SXM", "B200"]},
            "budget": {"equity_usd": 2e9},
            # The default 50 MW minimum campus costs ~$2bn with GPUs, so $2bn alone would build nothing.
            "costs": {"min_campus_mw": 20.0},
            "solver": {"mip_gap": 0.01, "threads": 1, "time_limit_s": 120},
        }
    )
    inputs = inputs_from_frames(sites, load_gpu_catalog(), load_interconnection_tiers(), COSTS, scenario)
    out = solve_scenario(scenario, inputs)
    assert out.summary["status"] == "optimal"
    assert out.sites is not None and len(out.sites) > 0
    assert out.sites.index.str.startswith("sub-").all()
    assert set(out.sites.index) <= set(sites.index)
    assert check_solution(inputs, out.sites, out.summary, out.dispatch) == []
