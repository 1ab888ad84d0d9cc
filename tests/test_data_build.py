"""The data build scripts (data/build/*.py) reproduce the committed tables, and the tables are honest.

Tests that need the real datasets skip cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "data"
BUILD = DATA / "build"
SHARED = REPO_ROOT.parent / "shared" / "data"

# Tables maintained by the issue-14 data build (other data/*.csv have their own tests).
OWN_TABLES = ["state_facts.csv", "energy_costs.csv", "energy_profiles.csv", "county_price.csv", "county_water.csv"]

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real datasets not found at {SHARED}")


def _load(name: str):
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))
    spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _csv_text(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def _committed(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- honesty
@pytest.mark.parametrize("name", OWN_TABLES)
def test_no_recollection_or_verify_in_sources(name):
    df = pd.read_csv(DATA / name, dtype=str)
    for col in [c for c in df.columns if c.endswith("source")]:
        bad = df[col].str.contains("recollection|verify", case=False, na=False)
        assert not bad.any(), f"{name}:{col} row {int(bad.idxmax()) + 1}: {df.loc[bad.idxmax(), col][:120]}"


def test_estimates_carry_a_range():
    sf = pd.read_csv(DATA / "state_facts.csv", dtype=str)
    for col in ["land_source", "water_source", "pue_source", "queue_source", "dc_land_source"]:
        assert sf[col].str.startswith("Estimate (range ").all(), col
    prof = pd.read_csv(DATA / "energy_profiles.csv", dtype=str)
    for col in ["solar_source", "wind_source", "price_source"]:
        assert prof[col].str.startswith("Estimate (range ").all(), col


def test_state_facts_shape_and_new_columns():
    sf = pd.read_csv(DATA / "state_facts.csv", dtype={"state_fips": str})
    assert len(sf) == 49 and sf["state"].is_unique
    assert list(sf.columns[-2:]) == ["dc_land_usd_per_acre", "dc_land_source"]
    assert (sf["dc_land_usd_per_acre"] == 244_000).all()  # one national figure, no per-state claim


def test_co2_golden_values():
    # ../shared/data/egrid2022_state.csv, column STCO2RTA (lb/MWh), eGRID2022 state table ST22:
    # VA 587.449, TX 818.537, WV 1958.897; kg/MWh = lb/MWh x 0.4536 (exactly 0.45359237).
    co2 = pd.read_csv(DATA / "state_facts.csv").set_index("state")["co2_kg_per_mwh"]
    for st, lb in {"VA": 587.449, "TX": 818.537, "WV": 1958.897}.items():
        assert co2[st] == pytest.approx(lb * 0.4536, rel=1e-4), st
        assert co2[st] == pytest.approx(round(lb * 0.45359237, 2), abs=1e-9), st


def test_county_price_table():
    cp = pd.read_csv(DATA / "county_price.csv", dtype={"county_fips": str})
    assert list(cp.columns) == ["county_fips", "state", "price_2018_usd_per_mwh", "price_usd_per_mwh",
                                "n_utilities", "state_fallback", "source"]
    assert cp["county_fips"].str.fullmatch(r"\d{5}").all() and cp["county_fips"].is_unique
    assert cp["price_usd_per_mwh"].between(15, 300).all()
    assert ((cp["n_utilities"] == 0) == cp["state_fallback"]).all()
    grid = pd.read_csv(DATA / "county_grid.csv", dtype={"fips": str})
    assert set(cp["county_fips"]) == set(grid["fips"])  # same 3,108 counties as the model's grid table


def test_bpa_fix_washington_puds():
    """Chelan / Douglas / Klickitat no longer take BPA's 10.4 $/MWh (EIA-861 2018 utility 1738:
    43,341.2 k$ / 4,154,734 MWh).

    Issue-14 figures (EIA-861 2018, PUD revenue / sales): Chelan 21.8, Douglas 28.1, Klickitat 56.6.
    Chelan and Klickitat have one non-federal utility with industrial sales in the PNNL mapping, so the
    county equals the PUD (tolerance 0.5 $/MWh, rounding of the issue figures). Douglas County also gets
    a population share (~30 %) of Grant PUD's 3.2 TWh at 37.1 $/MWh, because the mapping lists Grant PUD
    there; the honest result of the documented method is ~34.9, so its tolerance is 28.1 +- 25 %
    (between the two PUDs' prices), not tuned to hit 28.1.
    """
    cp = pd.read_csv(DATA / "county_price.csv", dtype={"county_fips": str}).set_index("county_fips")
    p = cp["price_2018_usd_per_mwh"]
    bpa = 1000 * 43341.2 / 4154734
    for fips in ["53007", "53017", "53039"]:
        assert abs(p[fips] - bpa) > 5, fips
        assert not cp.loc[fips, "state_fallback"]
    assert p["53007"] == pytest.approx(21.8, abs=0.5)
    assert p["53039"] == pytest.approx(56.6, abs=0.5)
    assert p["53017"] == pytest.approx(28.1, rel=0.25)
    assert 28.1 <= p["53017"] <= 37.1  # a mix of Douglas PUD and Grant PUD
    assert p["53025"] == pytest.approx(37.1, rel=0.15)  # Grant PUD plus Big Bend coop and Avista shares


# ----------------------------------------------------------------------------- reproduction
@needs_shared
def test_build_state_facts_reproduces_csv():
    pytest.importorskip("openpyxl")
    mod = _load("build_state_facts")
    table = mod.read_table(DATA / "state_facts.csv")
    assert _csv_text(mod.build(table, SHARED)) == _committed("state_facts.csv")


@needs_shared
def test_state_prices_match_2023_file():
    pytest.importorskip("openpyxl")
    mod = _load("build_state_facts")
    sf = mod.read_table(DATA / "state_facts.csv")
    src = mod.prices_2023(SHARED, sf.set_index("state")["name"])
    p = sf.set_index("state")["industrial_price_usd_per_mwh"]
    have = src.dropna().index
    assert len(have) == 48 and set(p.index) - set(have) == {"WY"}
    pd.testing.assert_series_equal(p[have], src[have], check_names=False, atol=1e-9)
    assert sf.set_index("state").loc["WY", "industrial_price_source"].startswith("Estimate (range ")


@needs_shared
def test_build_county_prices_reproduces_csv():
    pytest.importorskip("openpyxl")
    mod = _load("build_county_prices")
    states = mod.bsf.read_table(DATA / "state_facts.csv")
    assert _csv_text(mod.build(SHARED, states)) == _committed("county_price.csv")


@needs_shared
def test_build_county_water_reproduces_csv():
    mod = _load("build_county_water")
    states = set(pd.read_csv(DATA / "state_facts.csv")["state"])
    assert _csv_text(mod.build(SHARED, states)) == _committed("county_water.csv")


@needs_shared
def test_build_energy_tables_reproduce_csv():
    pytest.importorskip("geopandas")
    mod = _load("build_energy_tables")
    sf = pd.read_csv(DATA / "state_facts.csv", dtype={"state_fips": str})
    f2u = dict(zip(sf["state_fips"], sf["state"]))
    costs = mod.build_costs(mod.read_csv(DATA / "energy_costs.csv"), SHARED)
    assert _csv_text(costs) == _committed("energy_costs.csv")
    prof = mod.build_profiles(mod.read_csv(DATA / "energy_profiles.csv"), SHARED, f2u)
    assert _csv_text(prof) == _committed("energy_profiles.csv")


@needs_shared
def test_energy_costs_equal_atb_2025():
    # ../shared/data/atb2025_moderate_*.csv, year 2025 (2023 $).
    v = pd.read_csv(DATA / "energy_costs.csv").set_index("name")["value"]
    upv = pd.read_csv(SHARED / "atb2025_moderate_upv.csv").set_index("t").loc[2025]
    bat = pd.read_csv(SHARED / "atb2025_moderate_battery.csv").set_index("t").loc[2025]
    gas = pd.read_csv(SHARED / "atb2025_moderate_gas_cc_ct.csv")
    ct = gas[(gas["i"] == "Gas-CT") & (gas["t"] == 2025)].iloc[0]
    assert v["solar_capex_usd_per_kw_ac"] == pytest.approx(upv["capcost"], abs=0.01)
    assert v["battery_energy_capex_usd_per_kwh"] == pytest.approx(bat["capcost_energy"], abs=0.01)
    assert v["gas_capex_usd_per_kw"] == pytest.approx(ct["capcost"], abs=0.01)
    assert v["gas_heat_rate_mmbtu_per_mwh"] == pytest.approx(ct["heatrate"], abs=1e-3)
