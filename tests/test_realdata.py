"""Loaders of the real shared datasets (model.inputs.realdata).

Tests marked ``shared_data`` read ../shared/data (or $SITING_DATA_DIR) and skip when it is absent;
the schema tests build small files in tmp_path and always run.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.core.errors import InputDataError
from model.inputs import realdata as rd

PROJECT_EPSG = 5070


@pytest.fixture
def data_dir(request: pytest.FixtureRequest) -> Path:
    """The shared folder: ``$SITING_DATA_DIR`` when set (skip if absent), else the conftest fixture."""
    env = os.environ.get(rd.ENV_VAR)
    if env:
        if not Path(env).is_dir():
            pytest.skip(f"{rd.ENV_VAR}={env} is absent")
        return Path(env)
    return request.getfixturevalue("shared_data")


# --------------------------------------------------------------------------------------------------
# real files


@pytest.mark.shared_data
def test_substations_counts_crs_and_voltage_classes(data_dir: Path) -> None:
    subs = rd.load_substations(data_dir)
    assert len(subs) == 51_338
    assert subs.crs.to_epsg() == PROJECT_EPSG
    counts = subs["voltage_class_kv_min"].value_counts()
    assert counts[400] == 104
    assert counts[300] == 300
    assert counts[0] == 33_639
    assert (subs["voltage_class_kv_min"] >= 400).sum() == 104
    assert subs.loc[subs["rval"] == 1458, "spur_usd_per_km_2015"].eq(1_458_000).all()
    assert np.isinf(subs.loc[subs["voltage_class"] == 6, "voltage_class_kv_max"]).all()
    assert subs.loc[subs["rval"] == 756, "voltage_class_kv_max"].eq(119).all()


@pytest.mark.shared_data
def test_states_and_boundary(data_dir: Path) -> None:
    states = rd.load_states(data_dir)
    assert len(states) == 49
    assert states.crs.to_epsg() == PROJECT_EPSG
    assert {"VA", "TX", "DC"} <= set(states["state"])
    assert states["state_fips"].str.len().eq(2).all()
    boundary = rd.load_conus_boundary(data_dir)
    assert len(boundary) == 1 and boundary.crs.to_epsg() == PROJECT_EPSG
    assert boundary.area.sum() / 1e6 == pytest.approx(7_784_543, rel=1e-3)


@pytest.mark.shared_data
def test_datacenters(data_dir: Path) -> None:
    dcs = rd.load_datacenters(data_dir)
    assert len(dcs) == 1_165
    assert dcs.crs.to_epsg() == PROJECT_EPSG
    assert list(dcs.columns[:6]) == ["state_abb", "county", "operator", "name", "sqft", "type"]
    assert (dcs["state_abb"] == "VA").sum() == 265
    assert dcs["sqft"].notna().sum() == 1_081
    assert dcs["operator"].notna().sum() == 735
    foot = rd.load_datacenters(data_dir, footprints=True)
    assert len(foot) == 1_233 and foot.crs.to_epsg() == PROJECT_EPSG


@pytest.mark.shared_data
def test_power_plants(data_dir: Path) -> None:
    plants = rd.load_power_plants(data_dir)
    assert len(plants) == 11_878
    assert plants.crs.to_epsg() == PROJECT_EPSG
    assert "USA0062262" not in set(plants["gppd_idnr"])
    for col in ["gppd_idnr", "name", "capacity_mw", "primary_fuel", "commissioning_year", "owner", "estimated_generation_gwh", "generation_gwh_2019"]:
        assert col in plants.columns
    assert plants["capacity_mw"].sum() == pytest.approx(1_204_643, abs=1)
    conus = rd.load_power_plants(data_dir, conus_only=True)
    assert len(conus) == 11_568
    assert conus["capacity_mw"].sum() == pytest.approx(1_191_674, abs=1)
    assert conus.geometry.notna().all()


@pytest.mark.shared_data
def test_pnnl_tables(data_dir: Path) -> None:
    mapping = rd.load_entity_mapping(data_dir)
    assert len(mapping) == 11_828
    assert mapping["county_fips"].nunique() == 3_143
    assert mapping["county_fips"].str.fullmatch(r"\d{5}").all()
    assert mapping.loc[mapping["county_fips"] == "01001", "state_fips"].eq("01").all()
    assert mapping["utility_number"].nunique() == 2_922
    sales = rd.load_sales_ult_cust(data_dir)
    assert len(sales) == 3_274
    pop = rd.load_county_population(data_dir)
    assert len(pop) == 3_143
    assert pop["county_fips"].str.fullmatch(r"\d{5}").all()
    assert pop["county_fips"].iloc[0] == "01001"


@pytest.mark.shared_data
def test_eia861_sales_and_prices(data_dir: Path) -> None:
    sales = rd.load_eia861_sales(data_dir)
    assert "industrial_revenue_thousand_usd" in sales.columns and "industrial_sales_mwh" in sales.columns
    assert (sales["utility_number"] != 99999).all()
    assert set(sales["part"]) == {"A", "B", "C", "D"}
    # State averages from EIA-861 (revenue A-D / sales A, B, D, adjustments kept) match EIA's table.
    state = rd.state_industrial_price(data_dir).set_index("state")["price_usd_per_mwh"]
    eia = rd.load_eia_prices(data_dir).set_index("state")["price_usd_per_mwh"]
    assert (state - eia).dropna().abs().max() < 0.5
    util = rd.utility_industrial_price(data_dir)
    assert np.isfinite(util["price_usd_per_mwh"]).all() and (util["price_usd_per_mwh"] > 0).all()
    assert util.set_index(["utility_number", "state"]).index.is_unique
    county = rd.county_industrial_price(data_dir)
    assert len(county) == 3_143 and county["county_fips"].is_unique
    assert county["price_usd_per_mwh"].notna().all()
    assert 50 < county["price_usd_per_mwh"].median() < 90


@pytest.mark.shared_data
def test_eia_prices_and_capacity(data_dir: Path) -> None:
    prices = rd.load_eia_prices(data_dir).set_index("state")["price_usd_per_mwh"]
    assert prices["VA"] == pytest.approx(68.6, abs=0.05)
    assert prices["TX"] == pytest.approx(53.9, abs=0.05)
    assert prices["US"] == pytest.approx(69.2, abs=0.05)
    assert len(prices) == 52
    res = rd.load_eia_prices(data_dir, year=2010, sector="Residential").set_index("state")["price_usd_per_mwh"]
    assert 80 < res["US"] < 140
    cap = rd.load_eia_capacity(data_dir)
    us = cap.loc[(cap["state"] == "US") & (cap["fuel"] == "All Sources")].iloc[0]
    assert us["nameplate_mw"] == pytest.approx(1_196_488, abs=1)
    assert us["summer_mw"] == pytest.approx(1_094_956, abs=1)
    with pytest.raises(InputDataError, match="year 1900"):
        rd.load_eia_capacity(data_dir, year=1900)
    with pytest.raises(InputDataError, match="unknown sector"):
        rd.load_eia_prices(data_dir, sector="Crypto")


@pytest.mark.shared_data
def test_reeds_and_transmission(data_dir: Path) -> None:
    zones = rd.load_reeds_zones(data_dir)
    assert len(zones) == 134 and zones.crs.to_epsg() == PROJECT_EPSG
    assert {"rb", "BA_Code", "st", "nercr", "transreg", "interconnect"} <= set(zones.columns)
    assert zones["st"].nunique() == 48
    assert len(rd.load_reeds_membership(data_dir)) == 134
    ba = rd.load_transmission_limits("ba", data_dir)
    assert len(ba) == 292 and ba["MW_f0"].sum() == pytest.approx(666_975, abs=1)
    assert len(rd.load_transmission_limits("state", data_dir)) == 113
    county = rd.load_transmission_limits("county", data_dir)
    assert len(county) == 7_067
    assert list(county.columns[:3]) == ["interface", "r", "rr"]
    assert county["r"].str.fullmatch(r"\d{5}").all() and county["rr"].str.fullmatch(r"\d{5}").all()
    assert county["interface"].iloc[0] == "01001||01007"
    links = rd.load_nonac_links(data_dir)
    assert len(links) == 11 and set(links["trtype"]) == {"LCC", "B2B"}


@pytest.mark.shared_data
def test_summary_lists_every_loader(data_dir: Path) -> None:
    summary = rd.summarise_shared_data(data_dir)
    assert list(summary.columns) == ["dataset", "file", "rows", "crs", "source"]
    assert summary["file"].map(lambda f: (data_dir / f).is_file()).all()
    rows = summary.set_index("dataset")["rows"]
    assert rows["substations"] == 51_338 and rows["nonac_links"] == 11
    spatial = summary.loc[summary["crs"] != "", "dataset"]
    assert set(spatial) == {"substations", "states", "conus_boundary", "power_plants", "datacenters", "datacenter_footprints", "reeds_zones"}
    assert (summary.loc[summary["crs"] != "", "crs"] == "EPSG:5070").all()


@pytest.mark.shared_data
def test_default_dir_is_used_when_env_points_there(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rd.ENV_VAR, str(data_dir))
    assert rd.default_shared_dir() == data_dir
    assert len(rd.load_nonac_links()) == 11


# --------------------------------------------------------------------------------------------------
# schema checks on small files (always run)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    _write(tmp_path / rd.REEDS_MEMBERSHIP_FILE, "ba,nercr,transreg,transgrp,cendiv,interconnect,country\np1,X,Y,Z,PA,western,USA\n")
    with pytest.raises(InputDataError, match=r"reeds_zone_membership\.csv: missing column 'st'"):
        rd.load_reeds_membership(tmp_path)


def test_missing_key_value_is_refused(tmp_path: Path) -> None:
    header = "state_name,county_name,county_FIPS," + ",".join(f"pop_{y}" for y in range(2000, 2020))
    pops = ",".join(["10"] * 20)
    _write(tmp_path / rd.POPULATION_FILE, f"{header}\nAlabama,Autauga County,01001,{pops}\nAlabama,Baldwin County,,{pops}\n")
    with pytest.raises(InputDataError, match=r"pnnl_county_populations_2000_to_2019\.csv: column 'county_FIPS' has a missing value \(row 2\)"):
        rd.load_county_population(tmp_path)


def test_population_pads_fips(tmp_path: Path) -> None:
    header = "state_name,county_name,county_FIPS," + ",".join(f"pop_{y}" for y in range(2000, 2020))
    _write(tmp_path / rd.POPULATION_FILE, f"{header}\nAlabama,Autauga County,1001,{','.join(['7'] * 20)}\n")
    assert rd.load_county_population(tmp_path)["county_fips"].tolist() == ["01001"]


def test_non_numeric_value_is_refused(tmp_path: Path) -> None:
    _write(tmp_path / rd.NONAC_FILE, "r,rr,trtype,MW,Project(s),Notes\np5,p10,LCC,lots,Pacific DC Intertie,\n")
    with pytest.raises(InputDataError, match=r"transmission_capacity_init_nonAC_ba\.csv: column 'MW' is not numeric"):
        rd.load_nonac_links(tmp_path)


def test_transmission_column_names_are_normalised(tmp_path: Path) -> None:
    _write(
        tmp_path / rd.TRANSMISSION_FILES["county"],
        "Interface,r,rr,MW_f0,MW_r0,MW_f1,MW_r1\np01001||p1003,p01001,p1003,10.5,9,0,0\n",
    )
    df = rd.load_transmission_limits("county", tmp_path)
    assert df.loc[0, ["interface", "r", "rr"]].tolist() == ["01001||01003", "01001", "01003"]
    _write(tmp_path / rd.TRANSMISSION_FILES["state"], "interface,r,rr,MW_f0,MW_r1\nAL||FL,AL,FL,1,0\n")
    with pytest.raises(InputDataError, match=r"AC_state_NARIS2024\.csv: missing column 'MW_r0'"):
        rd.load_transmission_limits("state", tmp_path)


def test_gppd_drops_impossible_latitude(tmp_path: Path) -> None:
    cols = "gppd_idnr,name,capacity_mw,latitude,longitude,primary_fuel,commissioning_year,owner,estimated_generation_gwh,generation_gwh_2019"
    rows = [
        "USA1,Good,10,40.0,-100.0,Gas,2000,Me,,5",
        "USA0062262,Rolling Upland Wind Farm,0,425.2,-75.0,Wind,,You,,",
        "USA3,Alaska,5,61.0,-150.0,Oil,1990,Them,,",
        "USA4,Nowhere,1,,,Solar,,Us,,",
    ]
    _write(tmp_path / rd.GPPD_FILE, cols + "\n" + "\n".join(rows) + "\n")
    plants = rd.load_power_plants(tmp_path)
    assert plants["gppd_idnr"].tolist() == ["USA1", "USA3", "USA4"]
    assert plants.crs.to_epsg() == PROJECT_EPSG and plants.geometry.isna().tolist() == [False, False, True]
    assert rd.load_power_plants(tmp_path, conus_only=True)["gppd_idnr"].tolist() == ["USA1"]


def test_missing_file_mentions_env_var(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="file not found.*SITING_DATA_DIR"):
        rd.load_states(tmp_path)
    with pytest.raises(InputDataError, match=str(tmp_path / rd.EIA_PRICE_FILE).replace("\\", "\\\\") + ": file not found"):
        rd.load_eia_prices(tmp_path)


def test_default_dir_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rd.ENV_VAR, str(tmp_path / "nowhere"))
    assert rd.default_shared_dir() == tmp_path / "nowhere"
    with pytest.raises(InputDataError, match=r"nowhere/reeds_zone_membership\.csv: file not found \(set SITING_DATA_DIR"):
        rd.load_reeds_membership()
    monkeypatch.delenv(rd.ENV_VAR)
    found = rd.default_shared_dir()
    assert found is None or found.name == "data"


def test_substation_classes_from_yaml(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    _write(
        tmp_path / rd.SUBSTATION_COSTS_FILE,
        "0:\n  min_voltage: -99999999999999999\n  max_voltage: 99\n  dollar_per_km: 678000\n"
        "1:\n  min_voltage: 100\n  max_voltage: 99999999999999999\n  dollar_per_km: 756000\n",
    )
    classes = rd.load_substation_classes(tmp_path)
    assert classes["rval"].tolist() == [678, 756]
    assert classes["voltage_class_kv_min"].tolist() == [0.0, 100.0]
    assert classes["voltage_class_kv_max"].iloc[0] == 99 and np.isinf(classes["voltage_class_kv_max"].iloc[1])
    _write(tmp_path / rd.SUBSTATION_COSTS_FILE, "0:\n  min_voltage: 0\n  max_voltage: 99\n")
    with pytest.raises(InputDataError, match="missing column 'dollar_per_km'"):
        rd.load_substation_classes(tmp_path)


def test_misplaced_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="by keyword"):
        rd.load_eia_prices(2018)  # type: ignore[arg-type]


def _eia861_fixture(path: Path, sectors: tuple[str, ...]) -> None:
    """A tiny 'States' sheet: 3 header rows, one row per utility x part, a footnote row at the end."""
    top = ["Utility Characteristics"] * 5 + [s.upper() for s in sectors for _ in range(3)]
    mid = [None] * 5 + ["Revenues", "Sales", "Customers"] * len(sectors)
    low = ["Data Year", "Utility Number", "Utility Name", "Part", "State"] + ["Thousand Dollars", "Megawatthours", "Count"] * len(sectors)
    # (utility, part, industrial revenue k$, industrial MWh); other sectors get ".".
    records = [
        (1, "U1 bundled", "A", 700.0, 10_000),
        (2, "U2 wires", "A", 80.0, 1_000),
        (2, "U2 wires", "C", 100.0, 10_000),  # delivery of the energy sold by U3
        (3, "U3 marketer", "B", 400.0, 10_000),
        (99999, "Adjustment 2018", "B", 0.0, 0),
    ]
    rows = []
    for num, name, part, rev, mwh in records:
        values: list[object] = []
        for sector in sectors:
            values += [rev, mwh, 1] if sector == "industrial" else [".", ".", "."]
        rows.append([2018, num, name, part, "VA", *values])
    rows.append(["To calculate a state or the US total, sum Parts (A,B,C & D) for Revenue ..."] + [None] * (len(low) - 1))
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame([top, mid, low, *rows]).to_excel(xl, sheet_name="States", header=False, index=False)


def test_eia861_parts_and_prices(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    _eia861_fixture(tmp_path / rd.EIA861_FILE, rd.EIA861_SECTORS)
    sales = rd.load_eia861_sales(tmp_path)
    assert sales["utility_number"].tolist() == [1, 2, 2, 3]  # footnote and adjustment rows dropped
    assert sales.loc[0, "industrial_revenue_thousand_usd"] == 700.0 and sales.loc[0, "residential_sales_mwh"] == 0.0
    assert len(rd.load_eia861_sales(tmp_path, include_adjustments=True)) == 5
    state = rd.state_industrial_price(tmp_path).set_index("state").loc["VA"]
    # revenue A-D = 1,280 k$; sales A, B, D = 21,000 MWh (Part C's 10,000 MWh are U3's, counted once)
    assert state["price_usd_per_mwh"] == pytest.approx(1_280_000 / 21_000)
    assert state["energy_only_usd_per_mwh"] == pytest.approx(40.0)
    assert state["delivery_only_usd_per_mwh"] == pytest.approx(10.0)
    util = rd.utility_industrial_price(tmp_path).set_index("utility_number")["price_usd_per_mwh"]
    assert util[1] == pytest.approx(70.0)
    assert util[2] == pytest.approx((80_000 + 100_000 + 40.0 * 10_000) / 11_000)  # bundled + delivery + state energy
    assert util[3] == pytest.approx(40.0 + 10.0)  # energy + state delivery charge


def test_eia861_missing_sector_is_named(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    _eia861_fixture(tmp_path / rd.EIA861_FILE, ("industrial", "total"))
    with pytest.raises(InputDataError, match=r"eia861_Sales_Ult_Cust_2018\.xlsx \[States\]: missing column 'residential_revenue_thousand_usd'"):
        rd.load_eia861_sales(tmp_path)
