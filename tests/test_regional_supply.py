"""Issue 24 items 3, 5, 6, 7: regional costs, committed data-center load, extra-high-voltage access and demand
by model year (data/zone_supply_by_year.csv, zone_committed_load.csv, zone_gas_price.csv,
zone_capex_multiplier.csv, county_capex_multiplier.csv, county_ehv_line.csv, county_substation.csv), their
build scripts and the loaders in model/inputs/supply.py.

Tests that read ../shared/data skip when it is absent; the function and loader tests always run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from model.core.errors import InputDataError
from model.inputs import supply as sup
from model.inputs.datasets import load_counties, load_zone_supply
from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
BUILD = DATA / "build"

bz = load_script(BUILD / "build_zones.py", "build_zones")
bd = load_script(BUILD / "build_demand.py", "build_demand")
bcl = load_script(BUILD / "build_committed_load.py", "build_committed_load")
brc = load_script(BUILD / "build_regional_costs.py", "build_regional_costs")
bsc = load_script(BUILD / "build_supply_costs.py", "build_supply_costs")

MODEL_YEARS = list(range(2026, 2036))
ERCOT_ZONES = ["p60", "p61", "p62", "p63", "p64", "p65", "p67"]


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"county_fips": str})


# --------------------------------------------------------------------------------------------------
# committed tables: shape, identities, sources


def test_zone_year_tables_cover_every_zone_and_year_and_match_the_base_year() -> None:
    by = _csv("zone_supply_by_year.csv")
    assert len(by) == 134 * 10 and not by.duplicated(["zone", "year"]).any()
    assert sorted(by["year"].unique()) == MODEL_YEARS
    zs = _csv("zone_supply.csv").set_index("zone")
    assert (zs["base_year"] == 2026).all()
    base = by.loc[by["year"] == 2026].set_index("zone").reindex(zs.index)
    for col in ("peak_mw", "reserve_margin", "committed_dc_mw", "spare_firm_mw", "accredited_mw"):
        np.testing.assert_allclose(base[col], zs[col], atol=1e-6, err_msg=col)
    np.testing.assert_allclose(base["energy_mwh"], zs["annual_mwh"], atol=1e-6)
    # peak = energy / 8760 / load factor, row by row (rounded columns)
    np.testing.assert_allclose(by["peak_mw"], by["energy_mwh"] / 8760.0 / by["load_factor"], rtol=2e-4)
    # accredited capacity is the 2024 fleet in every year; committed load is the existing fleet in every year
    assert (by.groupby("zone")["accredited_mw"].nunique() == 1).all()
    assert (by.groupby("zone")["committed_dc_mw"].nunique() == 1).all()
    gas = _csv("zone_gas_price.csv")
    assert len(gas) == 134 * 10 and (gas["gas_usd_per_mmbtu"] > 0).all()
    cap = _csv("zone_capex_multiplier.csv")
    assert len(cap) == 134 and (cap[["solar", "onshore_wind"]] == 1.0).all().all()
    assert cap[["gas_cc", "gas_ct", "battery_4h"]].gt(0.8).all().all() and cap[["gas_cc", "gas_ct"]].lt(1.4).all().all()


def test_committed_load_table_arithmetic_and_odbl_notice() -> None:
    c = _csv("zone_committed_load.csv")
    assert len(c) == 134
    # IT MW = building sq ft x 75 W + campus land sq ft x 36 W, per zone
    np.testing.assert_allclose(c["it_mw"], (c["building_sqft"] * 75.0 + c["campus_land_sqft"] * 36.0) / 1e6, atol=2e-3)
    np.testing.assert_allclose(c["facility_mw"], c["it_mw"] * 1.3, atol=2e-3)
    # the share is rounded to 4 digits in the table
    np.testing.assert_allclose(c["committed_mw"], c["facility_mw"] * c["not_in_basis_share"], rtol=2e-4, atol=2e-3)
    assert ((c["committed_low_mw"] <= c["committed_mw"]) & (c["committed_mw"] <= c["committed_high_mw"])).all()
    counts = c[["n_building", "n_campus_buildings", "n_in_campus", "n_campus_land", "n_point"]].sum(axis=1)
    assert (counts == c["n_facilities"]).all()
    assert c["license"].str.startswith("ODbL-1.0").all() and c["license"].str.contains("OpenStreetMap contributors").all()
    # Share of the fleet not in a demand measured over 2022: 1 - g^-(2026.107 - 2022.5) with g = (176/76)^(1/5)
    # = 1.18286 (LBNL 76 TWh 2018, 176 TWh 2023): 1 - exp(-3.6068 x 0.16794) = 0.4543; over 2025: 1 - g^-0.6068
    # = 0.0969.
    assert set(c.loc[c["basis_year"] == 2022, "not_in_basis_share"]) == {0.4543}
    assert set(c.loc[c["basis_year"] == 2025, "not_in_basis_share"]) == {0.0969}
    assert set(c.loc[c["basis_year"] == 2025, "zone"]) == set(ERCOT_ZONES) | {"p80", "p99"}


def test_ehv_columns_are_the_nearer_of_substation_and_line() -> None:
    cs = _csv("county_substation.csv").set_index("county_fips")
    assert len(cs) == 3108
    for k in (4, 5, 6):
        np.testing.assert_array_equal(cs[f"km_class_{k}"], np.minimum(cs[f"substation_km_{k}"], cs[f"line_km_{k}"]))
    # classes 0-3 are substations only (unchanged method)
    assert list(c for c in cs.columns if c.startswith("km_class_")) == [f"km_class_{k}" for k in range(7)]
    e = _csv("county_ehv_line.csv").set_index("county_fips")
    # every line is >= 230 kV, so class 4 (>= 170 kV) is the 230 kV distance; nearest distances grow with kV
    np.testing.assert_array_equal(cs["line_km_4"], e["km_230kv_plus"])
    assert (e["km_230kv_plus"] <= e["km_345kv_plus"]).all() and (e["km_345kv_plus"] <= e["km_500kv_plus"]).all()
    assert (e["km_500kv_plus"] <= e["km_765kv_plus"]).all()
    # Abilene (Taylor 48441) and Milam TX (48331): the substation route said 133.47 / 163.58 km to >= 300 kV
    # (class 5, the substations' minimum-voltage class); a 345 kV line passes 8 / 16 km away.
    assert cs.at["48441", "substation_km_5"] == 133.47 and cs.at["48331", "substation_km_5"] == 163.58
    assert cs.at["48441", "km_class_5"] < 10.0 and cs.at["48331", "km_class_5"] < 20.0


def test_construction_years_are_reeds_values() -> None:
    # ReEDS construction_times_default.csv, online years 2026-2035: Gas-CC 3, Gas-CT 3, PV 2, ONSWIND 3, BATTERY 1
    tp = _csv("time_to_power.csv")
    cons = tp.loc[tp["level"] == "construction"].set_index("region")
    assert cons["median_years"].to_dict() == {"gas_cc": 3.0, "gas_ct": 3.0, "solar": 2.0, "onshore_wind": 3.0, "battery_4h": 1.0}
    assert ((cons["p25_years"] <= cons["median_years"]) & (cons["median_years"] <= cons["p75_years"])).all()
    assert cons["source"].str.startswith("NREL ReEDS").all()


# --------------------------------------------------------------------------------------------------
# build functions on synthetic frames (hand-derived)


def test_zone_demand_splits_state_load_grows_it_and_calibrates_to_eia930() -> None:
    # State XX (zones a: 30, b: 10 MWh in 2018 -> shares 0.75 / 0.25) loads 1,000 GWh in 2022; AEO multiplier
    # 1.0 (2022), 1.1 (2025), 1.21 (2026). Zone a: 0.75 x 1e6 MWh / 0.95 x 1.21 = 955,263.16 MWh in 2026;
    # peak at load factor 0.5: / 8760 / 0.5 = 218.097 MW.
    sales = pd.DataFrame({"zone": ["a", "b"], "zone_state": ["XX", "XX"], "mwh_2018": [30.0, 10.0]})
    load = pd.DataFrame({"year": [2022], "st": ["XX"], "GWh": [1000.0]})
    mult = pd.DataFrame({"st": ["XX"] * 3, "year": [2022, 2025, 2026], "multiplier": [1.0, 1.1, 1.21]})
    zlf = pd.DataFrame({"zone": ["a", "b"], "load_factor": [0.5, 0.5], "lf_basis": ["x", "x"]})
    lf = pd.DataFrame({"ba": ["Q"], "year": [2025], "mean_mw": [100.0], "peak_mw": [160.0], "load_factor": [0.625]})
    got = bd.zone_demand(sales, load, mult, zlf, lf, 1.0, years=(2026,), calibrated={}).set_index("zone")
    assert got.at["a", "energy_mwh"] == pytest.approx(0.75e6 / 0.95 * 1.21)
    assert got.at["a", "peak_mw"] == pytest.approx(0.75e6 / 0.95 * 1.21 / 8760 / 0.5)
    assert got.at["b", "basis_year"] == 2022
    # Calibrated: series Q covers zone b alone -> 100 MW x 8760 h = 876,000 MWh in 2025, x 1.21 / 1.1 in 2026,
    # at Q's own load factor 0.625.
    got = bd.zone_demand(sales, load, mult, zlf, lf, 1.0, years=(2026,), calibrated={"Q": (("b",), "t")}).set_index("zone")
    assert got.at["b", "energy_mwh"] == pytest.approx(876_000.0 * 1.21 / 1.1)
    assert got.at["b", "load_factor"] == 0.625 and got.at["b", "basis_year"] == 2025
    assert got.at["a", "energy_mwh"] == pytest.approx(0.75e6 / 0.95 * 1.21)  # untouched


def test_campus_counts_its_buildings_and_points_take_the_median_building() -> None:
    # A 1,000,000 sq ft campus at (0, 0): equivalent circle radius sqrt(92,903 m2 / pi) = 171.96 m.
    # Building B1 (100,000 sq ft) at 100 m is inside; B2 (50,000 sq ft) at 500 m is outside; a second campus C2
    # (200,000 sq ft) at 10 km has no building; point P has no sq ft.
    pts = gpd.GeoDataFrame(
        {"type": ["campus", "building", "building", "campus", "point"],
         "sqft": [1e6, 1e5, 5e4, 2e5, np.nan]},
        geometry=[Point(0, 0), Point(100, 0), Point(500, 0), Point(10_000, 0), Point(20_000, 0)], crs="EPSG:5070",
    )  # fmt: skip
    f = bcl.facility_it_mw(pts)
    assert list(f["basis"]) == ["campus_buildings", "in_campus", "building", "campus_land", "point"]
    # campus 1 counts B1: 100,000 x 75 W = 7.5 MW; B2 3.75 MW; C2 land 200,000 x 36 W = 7.2 MW; P the median
    # building (75,000 sq ft, median of 100,000 and 50,000) x 75 W = 5.625 MW.
    assert list(f["it_mw"].round(6)) == [7.5, 0.0, 3.75, 7.2, 5.625]


def test_not_in_basis_share_by_hand() -> None:
    g = (176.0 / 76.0) ** 0.2  # 1.18286
    assert bcl.not_in_basis_share(2022) == pytest.approx(1 - g ** -(2026 + 39 / 365 - 2022.5))
    assert bcl.not_in_basis_share(2022) == pytest.approx(0.4543, abs=1e-4)
    assert bcl.not_in_basis_share(2025) == pytest.approx(0.0969, abs=1e-4)


def test_zone_gas_basis_against_the_division_mean_of_state_medians() -> None:
    # Division D has states S1 (price 3.0, 2.0 in 2023 / 2024 $) and S2 (1.0, 2.0): means 2.0 and 2.0; S1's
    # basis = mean(+1.0, 0.0) = 0.5, S2's -0.5; a zone of state S3 (no price) gets 0 from 0 years.
    prices = pd.DataFrame({"state": ["S1", "S1", "S2", "S2"], "year": [2023, 2024, 2023, 2024],
                           "div_key": ["d"] * 4, "price_2024": [3.0, 2.0, 1.0, 2.0]})  # fmt: skip
    zones = pd.DataFrame({"zone": ["z1", "z2", "z3"], "state": ["S1", "S2", "S3"], "div_key": ["d", "d", "d"]})
    got = brc.zone_basis(zones, prices)
    assert got["basis_usd2024"].to_dict() == {"z1": 0.5, "z2": -0.5, "z3": 0.0}
    assert got["basis_years"].to_dict() == {"z1": 2, "z2": 2, "z3": 0}


def test_nearest_line_km_planar() -> None:
    # A line from (3 km, 4 km) to (3 km, 10 km): the nearest point to the origin is its end (3, 4) -> 5 km.
    # A 500 kV line 1 km away is ignored when asking for >= 765 kV.
    geoms = [LineString([(3000, 4000), (3000, 10000)]), LineString([(-1000, -5000), (-1000, 5000)])]
    lines = gpd.GeoDataFrame({"v": [765, 500]}, geometry=geoms, crs="EPSG:5070")
    assert bsc.nearest_line_km(np.array([[0.0, 0.0]]), lines, 765)[0] == pytest.approx(5.0)
    assert bsc.nearest_line_km(np.array([[0.0, 0.0]]), lines, 500)[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------------
# loaders (model/inputs/supply.py)


def test_loaders_expose_zone_years_gas_and_capex_on_the_default_tables() -> None:
    zones = load_zone_supply().index
    zy = sup.load_zone_years(zones)
    assert zy.shape == (1340, 6) and zy.index.names == ["zone", "year"]
    gas = sup.load_gas_prices(zones)
    assert gas.shape == (134, 10) and list(gas.columns) == MODEL_YEARS
    cap = sup.load_capex_multipliers(zones, ["gas_cc", "solar"])
    assert list(cap.columns) == ["gas_cc", "solar"] and (cap["solar"] == 1.0).all()
    # Loudoun VA (51107) is in p99; its county value is 1 + 0.0275 (reeds/reg_cap_cost_diff_county.csv row
    # p51107, COMBINED_CYCLE), and the zone's multiplier is the mean over its counties
    cc = _csv("county_capex_multiplier.csv").set_index("county_fips")
    assert cc.at["51107", "gas_cc"] == 1.0275
    assert cap.at["p99", "gas_cc"] == pytest.approx(cc.loc[cc["zone"] == "p99", "gas_cc"].mean(), abs=1e-4)


def test_load_supply_fills_the_new_fields() -> None:
    sites = pd.DataFrame(
        {"county_fips": ["51107", "48441"], "queue_years": [3.0, 3.0]}, index=pd.Index(["S1", "S2"], name="site_id")
    )
    sites, supply = sup.load_supply(sites, 0.5, 0.25, ["gas_cc", "gas_ct"])
    assert supply.base_year == 2026
    assert supply.spare_firm_mw_by_year.shape == (134, 10)
    pd.testing.assert_series_equal(supply.spare_firm_mw_by_year[2026], supply.zones["spare_firm_mw"], check_names=False)
    assert supply.gas_usd_per_mmbtu_by_year.loc["p63", 2030] == pytest.approx(2.8626, abs=1e-4)
    assert list(supply.capex_multiplier.columns) == ["gas_cc", "gas_ct"]
    assert list(sites["zone"]) == ["p99", "p61"]  # data/county_zone.csv rows 51107, 48441


def _copy(tmp_path: Path, *names: str) -> Path:
    for n in names:
        shutil.copy(DATA / n, tmp_path / n)
    return tmp_path


def test_loader_errors_name_the_file_and_column(tmp_path: Path) -> None:
    zones = load_zone_supply().index
    d = _copy(tmp_path, "zone_supply_by_year.csv", "zone_gas_price.csv", "zone_capex_multiplier.csv")
    by = pd.read_csv(d / "zone_supply_by_year.csv")
    by.loc[5, "peak_mw"] = -1.0
    by.to_csv(d / "zone_supply_by_year.csv", index=False)
    with pytest.raises(InputDataError, match=r"zone_supply_by_year\.csv: column 'peak_mw' has negative values"):
        sup.load_zone_years(zones, d)
    by = by.drop(index=7)  # p1 2033
    by.loc[5, "peak_mw"] = 1.0
    by.to_csv(d / "zone_supply_by_year.csv", index=False)
    with pytest.raises(InputDataError, match=r"zone_supply_by_year\.csv: column 'year': zone 'p1' has no row for 2033"):
        sup.load_zone_years(zones, d)
    gas = pd.read_csv(d / "zone_gas_price.csv", dtype=str)
    gas.loc[3, "gas_usd_per_mmbtu"] = "cheap"
    gas.to_csv(d / "zone_gas_price.csv", index=False)
    with pytest.raises(InputDataError, match=r"zone_gas_price\.csv: column 'gas_usd_per_mmbtu' is not numeric"):
        sup.load_gas_prices(zones, d)
    cap = pd.read_csv(d / "zone_capex_multiplier.csv").drop(columns="gas_ct")
    cap.to_csv(d / "zone_capex_multiplier.csv", index=False)
    with pytest.raises(InputDataError, match=r"zone_capex_multiplier\.csv: missing column 'gas_ct'"):
        sup.load_capex_multipliers(zones, ["gas_cc", "gas_ct"], d)


# --------------------------------------------------------------------------------------------------
# against the shared data


@pytest.mark.shared_data
def test_reserve_margin_is_the_nerc_value_of_the_zones_region(shared_data: Path) -> None:
    # reeds/prm_annual_nercr.csv rows "PJM,2026,0,0.12,0.147,0.152", "MISO,2030,0,0.12,0.201,0.174" and
    # "ERCOT,2026,0,0.12,0.1375,0.142": column 'nerc' (the 5th). p99 (Loudoun) is PJM, p81 MISO, p63 ERCOT
    # (reeds/z134_hierarchy.csv).
    prm = pd.read_csv(shared_data / "reeds" / "prm_annual_nercr.csv").set_index(["*nercr", "t"])["nerc"]
    assert (prm[("PJM", 2026)], prm[("MISO", 2030)], prm[("ERCOT", 2026)]) == (0.147, 0.201, 0.1375)
    by = _csv("zone_supply_by_year.csv").set_index(["zone", "year"])
    assert by.at[("p99", 2026), "reserve_margin"] == 0.147 and by.at[("p99", 2026), "nercr"] == "PJM"
    assert by.at[("p81", 2030), "reserve_margin"] == 0.201
    assert by.at[("p63", 2026), "reserve_margin"] == 0.1375


@pytest.mark.shared_data
def test_state_share_zone_energy_by_hand(shared_data: Path) -> None:
    # p1 (WA, not calibrated): 2026 energy = its share of WA's 2018 sales x WA 2022 load 90,677,020.52 MWh
    # (load/EIA_loadbystate_reeds.csv) / (1 - 0.05) x AEO multiplier 1.036638768 / 1.003189075 (2026 / 2022).
    zs = _csv("zone_supply.csv")
    wa = zs.loc[zs["state"] == "WA"]
    share = float(wa.loc[wa["zone"] == "p1", "annual_mwh_2018"].iloc[0] / wa["annual_mwh_2018"].sum())
    expect = share * 90_677_020.52 / 0.95 * 1.036638768 / 1.003189075
    by = _csv("zone_supply_by_year.csv").set_index(["zone", "year"])
    assert by.at[("p1", 2026), "energy_mwh"] == pytest.approx(expect, rel=1e-6)


@pytest.mark.shared_data
def test_ercot_zones_follow_eia930_2025_and_aeo_growth(shared_data: Path) -> None:
    # Independent of the build's cleaning: the raw ERCOT series' mean over local 2025 x 8,760 h, grown by the
    # AEO2023 Texas multiplier 1.285956474 / 1.274073221 (2026 / 2025). The build drops 6 one-hour spikes
    # of 8,760, so the two agree within 0.2 %.
    d = pd.read_parquet(shared_data / "eia930_load_ercot_2023_2025.parquet")
    raw = d.loc[d["timestamp"].dt.year == 2025, "demand_mw"].astype(float).mean() * 8760.0
    by = _csv("zone_supply_by_year.csv").set_index(["zone", "year"])
    ercot_2026 = sum(by.at[(z, 2026), "energy_mwh"] for z in ERCOT_ZONES)
    assert ercot_2026 == pytest.approx(raw * 1.285956474 / 1.274073221, rel=2e-3)
    # The sum of ERCOT zone peaks in 2026 lies above the measured 2023-2025 peaks (85,432 / 85,544 / 83,597 MW,
    # shared/data/README.md): the 3-year mean load factor is below 2025's. It was 64,457 MW (2018 sales).
    peak = sum(by.at[(z, 2026), "peak_mw"] for z in ERCOT_ZONES)
    assert 85_544 < peak < 95_000


@pytest.mark.shared_data
def test_gas_price_of_one_zone_by_hand(shared_data: Path) -> None:
    # p63 (Dallas, TX, West South Central), 2030. AEO2025 Reference WSC 2030 = 3.163967 (2024 $). TX basis:
    # 2023: TX median 2.587 vs WSC states (AR 2.577, LA 2.765, OK 2.717, TX 2.587) mean 2.6615 -> -0.0745 in
    # 2023 $, x CPI 313.689 / 304.702 = -0.076698; 2024: 1.945 vs mean(2.394, 2.428, 2.442, 1.945) = 2.30225
    # -> -0.35725. Mean -0.216974. Price 2.946993 (2024 $) x 304.702 / 313.689 = 2.862562 (2023 $).
    aeo = pd.read_csv(shared_data / "fuel" / "ng_price_electric_AEO2025_cendiv_3cases_long.csv")
    wsc = aeo.loc[(aeo["case"] == "Reference Case") & (aeo["census_division"] == "West South Central") & (aeo["year"] == 2030)]
    assert float(wsc["ng_price_2024usd_per_mmbtu"].iloc[0]) == pytest.approx(3.163967)
    b23 = (2.587 - (2.577 + 2.765 + 2.717 + 2.587) / 4) * 313.689 / 304.702
    b24 = 1.945 - (2.394 + 2.428 + 2.442 + 1.945) / 4
    basis = (b23 + b24) / 2
    g = _csv("zone_gas_price.csv").set_index(["zone", "year"])
    assert g.at[("p63", 2030), "basis_usd2024_per_mmbtu"] == pytest.approx(basis, abs=1e-4)
    assert g.at[("p63", 2030), "gas_usd_per_mmbtu"] == pytest.approx((3.163967 + basis) * 304.702 / 313.689, abs=1e-4)


@pytest.mark.shared_data
def test_atlas_total_equals_sqft_times_factors(shared_data: Path) -> None:
    # From the raw atlas: one row per id, Puerto Rico dropped (2 rows). Every building's footprint counts once
    # (alone or inside its campus) at 75 W/sq ft, each of the 104 points at the median building footprint.
    a = pd.read_csv(shared_data / "im3_datacenter_atlas_v2026.02.09.csv", dtype={"id": str})
    a = a.drop_duplicates("id").loc[lambda df: df["state_abb"] != "PR"]
    bld = a.loc[a["type"] == "building", "sqft"]
    n_point = int((a["type"] == "point").sum())
    c = _csv("zone_committed_load.csv")
    assert n_point == 104 and c["n_point"].sum() == n_point and c["n_facilities"].sum() == len(a)
    assert c["building_sqft"].sum() == pytest.approx(bld.sum() + n_point * bld.median(), rel=1e-9)
    # campuses counted by land: at most the atlas' campus land
    assert c["campus_land_sqft"].sum() <= a.loc[a["type"] == "campus", "sqft"].sum()
    total_it = (c["building_sqft"].sum() * 75.0 + c["campus_land_sqft"].sum() * 36.0) / 1e6
    assert c["it_mw"].sum() == pytest.approx(total_it, abs=0.2)


@pytest.mark.shared_data
def test_abilene_nearest_345kv_line_against_a_geodesic_computation(shared_data: Path) -> None:
    # Another way: lines in an azimuthal equidistant projection centred on the county's representative point
    # (distances from the centre are true ellipsoidal distances) against the EPSG:5070 table value: within 1 %.
    lines = gpd.read_file(shared_data / "grid" / "hifld_transmission_230kv_plus_simplified.geojson")
    counties = load_counties()
    e = _csv("county_ehv_line.csv").set_index("county_fips")
    for fips in ("48441", "48331"):
        rp = gpd.GeoSeries([counties.loc[fips].geometry.representative_point()], crs=counties.crs).to_crs(4326).iloc[0]
        aeqd = f"+proj=aeqd +lat_0={rp.y} +lon_0={rp.x} +datum=WGS84 +units=m"
        km = lines.loc[lines["v"] >= 345].to_crs(aeqd).distance(Point(0, 0)).min() / 1000.0
        assert e.at[fips, "km_345kv_plus"] == pytest.approx(km, rel=0.01), fips
    # Taylor: 8.01 km geodesic (7.98 in the table), Milam 15.68 (15.64)
    assert e.at["48441", "km_345kv_plus"] == pytest.approx(8.0, abs=0.1)
    assert e.at["48331", "km_345kv_plus"] == pytest.approx(15.7, abs=0.1)


@pytest.mark.shared_data
@pytest.mark.slow
def test_cost_builders_reproduce_committed_csvs(shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(DATA / "county_zone.csv", tmp_path / "county_zone.csv")
    brc.main(["--data-dir", str(shared_data), "--out", str(tmp_path)])
    bsc.main(["--data-dir", str(shared_data), "--out", str(tmp_path)])
    for name in (
        "zone_gas_price.csv", "county_capex_multiplier.csv", "zone_capex_multiplier.csv", "county_substation.csv",
        "county_ehv_line.csv", "new_generation_costs.csv", "connection_classes.csv",
    ):  # fmt: skip
        got = pd.read_csv(tmp_path / name, dtype={"county_fips": str})
        pd.testing.assert_frame_equal(got, _csv(name), check_exact=True, obj=name)
