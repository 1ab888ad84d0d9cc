"""Tests for data/build/build_county_grid.py and the committed data/county_grid.csv.

No network and no powersimdata wheel needed: (a) runs the pure functions on a tiny
hand-built grid, (b) checks the committed table.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "data" / "build" / "build_county_grid.py"
TABLE = REPO / "data" / "county_grid.csv"




bcg = load_script(SCRIPT, "build_county_grid")


# --------------------------------------------------------------- (a) synthetic fixture


@pytest.fixture()
def fixture_grid() -> dict[str, pd.DataFrame]:
    # Three 1°x1° counties side by side at lat 40-41: C (no substations), A, B.
    counties = gpd.GeoDataFrame(
        {"fips": ["00003", "00001", "00002"], "state": ["ZZ", "ZZ", "ZZ"]},
        geometry=[box(-101, 40, -100, 41), box(-100, 40, -99, 41), box(-99, 40, -98, 41)],
        crs=bcg.GEOGRAPHIC_CRS,
    )
    sub = pd.DataFrame(
        {
            "sub_id": [0, 1, 2, 3],
            # 0 inside A, 1 inside B, 2 ~2.5 km east of B (snapped), 3 ~170 km away (dropped)
            "lon": [-99.5, -98.5, -97.97, -96.0],
            "lat": [40.5, 40.5, 40.5, 40.5],
        }
    ).set_index("sub_id")
    bus = pd.DataFrame(
        {
            "bus_id": [1, 2, 3, 4, 5, 6, 7],
            "baseKV": [345.0, 138.0, 345.0, 138.0, 345.0, 345.0, 345.0],
            "Pd": [100.0, 50.0, 200.0, 0.0, 999.0, 0.0, 0.0],
        }
    )
    bus2sub = pd.DataFrame({"bus_id": [1, 2, 3, 4, 5, 6, 7], "sub_id": [0, 0, 1, 2, 3, 2, 0]})
    plant = pd.DataFrame(
        {
            "bus_id": [1, 2, 4, 5],
            "type": ["ng", "wind", "solar", "coal"],
            "Pmax": [1000.0, 300.0, 100.0, 500.0],
        }
    )
    branch = pd.DataFrame(
        {
            "from_bus_id": [1, 3, 1, 3, 1, 1],
            "to_bus_id": [3, 6, 2, 6, 5, 7],
            "rateA": [1000.0, 500.0, 800.0, 0.0, 2000.0, 0.0],
            "branch_device_type": ["Line", "Line", "Transformer", "Line", "Line", "Line"],
        }
    )
    # br0: A-B line (both counties); br1: B-B line (once); br2: transformer (excluded);
    # br3: unrated B-B line -> median rated 345 kV inter-sub rating = median(1000, 500, 2000) = 1000;
    # br4: A-to-dropped-substation line (A only); br5: same-substation bus tie (excluded).
    return {"counties": counties, "sub": sub, "bus": bus, "bus2sub": bus2sub, "plant": plant, "branch": branch}


def test_assign_points_snaps_and_drops(fixture_grid: dict[str, pd.DataFrame]) -> None:
    fips = bcg.assign_points_to_counties(fixture_grid["sub"], fixture_grid["counties"], max_snap_km=20.0)
    assert fips.to_dict() == {0: "00001", 1: "00002", 2: "00002"}


def test_aggregate_county_grid(fixture_grid: dict[str, pd.DataFrame]) -> None:
    g = fixture_grid
    sub_fips = bcg.assign_points_to_counties(g["sub"], g["counties"])
    df = bcg.aggregate_county_grid(g["counties"], sub_fips, g["bus"], g["bus2sub"], g["plant"], g["branch"])
    assert list(df.columns) == bcg.GRID_COLUMNS
    assert list(df["fips"]) == ["00001", "00002", "00003"]
    r = df.set_index("fips")

    a, b, c = r.loc["00001"], r.loc["00002"], r.loc["00003"]
    assert (a.substations, a.substations_ge_230kv, a.max_kv) == (1, 1, 345.0)
    assert (b.substations, b.substations_ge_230kv, b.max_kv) == (2, 2, 345.0)
    assert (c.substations, c.substations_ge_230kv, c.max_kv) == (0, 0, 0.0)

    assert (a.gen_mw_total, a.gen_mw_gas, a.gen_mw_wind, a.gen_mw_coal) == (1300.0, 1000.0, 300.0, 0.0)
    assert (b.gen_mw_total, b.gen_mw_solar) == (100.0, 100.0)
    assert (a.load_mw, b.load_mw, c.load_mw) == (150.0, 200.0, 0.0)

    # A: br0 1000 + br4 2000; B: br0 1000 + br1 500 + br3 (imputed) 1000
    assert (a.hv_branch_rating_mw, b.hv_branch_rating_mw, c.hv_branch_rating_mw) == (3000.0, 2500.0, 0.0)

    # A: 0.10 * (1300 - 150) + 0.015 * 3000 = 115 + 45 = 160
    # B: 0.10 * 0 + 0.015 * 2500 = 37.5 ; C: no substations -> 0
    assert bcg.A_SURPLUS == 0.10 and bcg.B_HV_LINE == 0.015
    assert a.headroom_mw == pytest.approx(160.0)
    assert b.headroom_mw == pytest.approx(37.5)
    assert c.headroom_mw == 0.0
    assert not df.isna().any().any()


def test_headroom_formula_clip_and_no_substation() -> None:
    h = bcg.headroom_mw(
        gen_mw_total=[0.0, 100_000.0, 5000.0, 10.0],
        load_mw=[500.0, 0.0, 0.0, 0.0],
        hv_branch_rating_mw=[0.0, 0.0, 10_000.0, 0.0],
        substations=[3, 5, 0, 1],
    )
    assert h.tolist() == pytest.approx([0.0, bcg.HEADROOM_CAP_MW, 0.0, 1.0])


# --------------------------------------------------------------- (b) committed table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(TABLE, dtype={"fips": str})


def test_table_shape_and_keys(table: pd.DataFrame) -> None:
    assert list(table.columns) == bcg.OUTPUT_COLUMNS
    assert len(table) == 3108
    assert table["fips"].is_unique
    assert table["fips"].str.fullmatch(r"\d{5}").all()
    assert set(table["state"]) == set(bcg.STATEFP_TO_USPS.values())
    assert (table["fips"].str[:2].map(bcg.STATEFP_TO_USPS) == table["state"]).all()
    assert not table.isna().any().any()
    assert TABLE.stat().st_size < 1_000_000


def test_table_headroom_matches_formula(table: pd.DataFrame) -> None:
    assert (table["headroom_mw"] >= 0).all()
    assert (table["headroom_mw"] <= bcg.HEADROOM_CAP_MW).all()
    assert (table.loc[table["substations"] == 0, "headroom_mw"] == 0).all()
    recomputed = bcg.headroom_mw(
        table["gen_mw_total"], table["load_mw"], table["hv_branch_rating_mw"], table["substations"]
    )
    # columns are rounded to 0.1 MW, so allow a small rounding tolerance
    np.testing.assert_allclose(table["headroom_mw"], recomputed, atol=0.15)


def test_table_totals(table: pd.DataFrame) -> None:
    fuels = [f"gen_mw_{g}" for g in bcg.FUEL_GROUPS]
    np.testing.assert_allclose(table[fuels].sum(axis=1), table["gen_mw_total"], atol=0.5)
    # Measured with powersimdata 0.5.5: gen_mw_total sum = 1,195,437.4 MW (plant.csv has
    # 1,200,279.5 MW; the rest is offshore wind > 20 km from shore), load_mw sum = 812,682 MW,
    # substations = 41,024 of 41,083, headroom_mw sum = 293,101 MW.
    assert 1_190_000 <= table["gen_mw_total"].sum() <= 1_200_000
    assert 810_000 <= table["load_mw"].sum() <= 815_000
    assert 41_000 <= table["substations"].sum() <= 41_083
    assert 100_000 <= table["headroom_mw"].sum() <= 300_000
