"""Schema and sanity tests for the small typed input tables in data/ (no network)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "data"

STATE_COLS = [
    "state", "state_fips", "name",
    "industrial_price_usd_per_mwh", "industrial_price_source",
    "co2_kg_per_mwh", "co2_source",
    "land_value_usd_per_acre", "land_source",
    "water_stress_score", "water_source",
    "pue", "pue_source",
    "queue_years", "queue_source",
    "dc_land_usd_per_acre", "dc_land_source",
]
GPU_COLS = [
    "gpu", "vendor", "block", "gpus_per_block", "it_kw_per_block", "price_usd_per_block",
    "bf16_dense_tflops_per_gpu", "fp8_dense_tflops_per_gpu", "hbm_gb_per_gpu", "source",
]
COST_NAMES = {
    "shell_usd_per_mw", "site_fixed_usd", "acres_per_mw", "developable_land_share",
    "discount_rate", "horizon_years", "load_factor", "min_campus_mw", "max_campus_mw",
    "default_pue", "carbon_price_usd_per_tco2",
}
CONUS_PLUS_DC = set(
    "AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


def _read(name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(DATA / name, encoding="utf-8", **kw)


@pytest.fixture(scope="module")
def states() -> pd.DataFrame:
    return _read("state_facts.csv", dtype={"state_fips": str})


@pytest.fixture(scope="module")
def gpus() -> pd.DataFrame:
    return _read("gpu_catalog.csv")


@pytest.fixture(scope="module")
def costs() -> pd.Series:
    df = _read("cost_assumptions.csv")
    assert list(df.columns) == ["name", "value", "unit", "source"]
    return df


def _no_empty_sources(df: pd.DataFrame) -> None:
    assert not df.isna().any().any(), df.columns[df.isna().any()].tolist()
    for col in [c for c in df.columns if c.endswith("source")]:
        assert (df[col].astype(str).str.strip().str.len() > 10).all(), col


# ---------------------------------------------------------------- state_facts
def test_state_schema(states):
    assert list(states.columns) == STATE_COLS
    assert len(states) == 49
    assert set(states["state"]) == CONUS_PLUS_DC
    assert states["state"].is_unique
    assert states["state_fips"].str.fullmatch(r"\d{2}").all()
    assert states["state_fips"].is_unique
    assert states.set_index("state").loc["DC", "state_fips"] == "11"
    assert states.set_index("state").loc["VA", "state_fips"] == "51"
    _no_empty_sources(states)


def test_state_ranges(states):
    assert states["industrial_price_usd_per_mwh"].between(30, 250).all()
    assert states["co2_kg_per_mwh"].between(0, 1100).all()
    assert states["pue"].between(1.05, 1.6).all()
    assert states["water_stress_score"].between(0, 5).all()
    assert states["queue_years"].between(1, 8).all()
    assert (states["land_value_usd_per_acre"] > 0).all()


def test_state_reference_prices(states):
    p = states.set_index("state")["industrial_price_usd_per_mwh"]
    # EIA Electric Power Annual 2023, industrial average revenue (eia_epa2023_state_price_by_sector.csv):
    # VA 8.92 and TX 6.60 cents/kWh (the 2018 values were 6.86 and 5.39).
    assert p["VA"] == pytest.approx(89.2, abs=0.05)
    assert p["TX"] == pytest.approx(66.0, abs=0.05)


def test_pue_climate_ordering(states):
    pue = states.set_index("state")["pue"]
    for hot in ["TX", "FL", "LA", "AZ"]:
        assert 1.28 <= pue[hot] <= 1.45, hot
    for cool in ["WA", "OR", "MN", "ND", "ME"]:
        assert 1.10 <= pue[cool] <= 1.18, cool


# ---------------------------------------------------------------- gpu_catalog
def test_gpu_schema(gpus):
    assert list(gpus.columns) == GPU_COLS
    assert {"H100_SXM", "H200", "B200", "GB200_NVL72", "MI300X"} <= set(gpus["gpu"])
    assert gpus["gpu"].is_unique
    _no_empty_sources(gpus)
    assert pd.api.types.is_integer_dtype(gpus["gpus_per_block"])
    for col in GPU_COLS[3:9]:
        assert (gpus[col] > 0).all(), col
    # dense FP8 is twice dense BF16 for all listed parts
    ratio = gpus["fp8_dense_tflops_per_gpu"] / gpus["bf16_dense_tflops_per_gpu"]
    assert ratio.between(1.9, 2.1).all()


def test_gpu_dense_reference_values(gpus):
    g = gpus.set_index("gpu")
    assert g.loc["H100_SXM", "bf16_dense_tflops_per_gpu"] == 989
    assert g.loc["H100_SXM", "fp8_dense_tflops_per_gpu"] == 1979
    assert g.loc["B200", "fp8_dense_tflops_per_gpu"] == 4500
    assert g.loc["MI300X", "bf16_dense_tflops_per_gpu"] == 1307
    kw_per_gpu = g["it_kw_per_block"] / g["gpus_per_block"]
    assert kw_per_gpu.between(0.8, 2.5).all()


def test_100k_h100_facility_power(gpus, states):
    h100 = gpus.set_index("gpu").loc["H100_SXM"]
    it_mw = 100_000 * h100["it_kw_per_block"] / h100["gpus_per_block"] / 1000
    assert it_mw == pytest.approx(127.5, abs=0.1)
    facility_mw = it_mw * states["pue"].median()
    assert 120 <= facility_mw <= 200


# ---------------------------------------------------------------- cost_assumptions
def test_cost_assumptions(costs):
    assert COST_NAMES <= set(costs["name"])
    assert costs["name"].is_unique
    _no_empty_sources(costs)
    v = costs.set_index("name")["value"].astype(float)
    assert 5e6 <= v["shell_usd_per_mw"] <= 20e6
    assert 1e6 <= v["site_fixed_usd"] <= 200e6
    assert 0.2 <= v["acres_per_mw"] <= 3
    assert 0 < v["developable_land_share"] <= 0.1
    assert 0 < v["discount_rate"] < 0.2
    assert 1 <= v["horizon_years"] <= 15
    assert 0 < v["load_factor"] <= 1
    assert 0 < v["min_campus_mw"] < v["max_campus_mw"]
    assert 1.05 <= v["default_pue"] <= 1.6
    assert v["carbon_price_usd_per_tco2"] >= 0


# ---------------------------------------------------------------- interconnection tiers
def test_interconnection_tiers():
    t = _read("interconnection_tiers.csv")
    assert list(t.columns) == ["tier", "added_mw", "cost_usd", "description", "source"]
    assert len(t) >= 1
    assert t["tier"].is_unique
    _no_empty_sources(t)
    assert (t["description"].str.len() > 10).all()
    t = t.sort_values("added_mw")
    assert (t["added_mw"] > 0).all() and (t["cost_usd"] > 0).all()
    assert t["cost_usd"].is_monotonic_increasing


def test_sources_md_exists():
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in ["state_facts.csv", "gpu_catalog.csv", "cost_assumptions.csv", "interconnection_tiers.csv"]:
        assert name in text


def test_cooling_table() -> None:
    df = pd.read_csv(REPO_ROOT / "data" / "cooling.csv")
    assert list(df.columns) == ["cooling", "wue_l_per_kwh_it", "pue_delta", "source"]
    rows = df.set_index("cooling")
    # Dry cooling trades water for power: less water, higher PUE.
    assert rows.loc["dry", "wue_l_per_kwh_it"] < rows.loc["evaporative", "wue_l_per_kwh_it"]
    assert rows.loc["dry", "pue_delta"] > rows.loc["evaporative", "pue_delta"] == 0
    assert df["source"].str.len().min() > 20


def test_grid_clean_share_column() -> None:
    df = pd.read_csv(REPO_ROOT / "data" / "energy_profiles.csv", dtype={"state": str}).set_index("state")
    assert len(df) == 49 and df["grid_clean_share"].between(0, 1).all()
    assert df["grid_clean_source"].str.contains("eGRID").all()
    # Hydro- and nuclear-heavy states are the cleanest, coal-heavy ones the dirtiest.
    assert df.loc["WA", "grid_clean_share"] > 0.8 and df.loc["VT", "grid_clean_share"] > 0.9
    assert df.loc["WV", "grid_clean_share"] < 0.1
