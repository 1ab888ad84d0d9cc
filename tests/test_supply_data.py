"""Zonal supply tables (data/county_zone.csv, zone_transfer_mw.csv, zone_supply*.csv, zone_committed_load.csv,
capacity_credit.csv, time_to_power.csv, county_time_to_power.csv) and their build scripts (data/build/build_zones.py,
data/build/build_time_to_power.py). Method: docs/supply_data.md.

Tests that read ../shared/data skip when it is absent; the function tests on synthetic frames always run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
BUILD = DATA / "build"


bz = load_script(BUILD / "build_zones.py", "build_zones")
bt = load_script(BUILD / "build_time_to_power.py", "build_time_to_power")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"county_fips": str})


# --------------------------------------------------------------------------------------------------
# committed tables


def test_every_county_has_exactly_one_zone_among_the_134() -> None:
    cz = _csv("county_zone.csv")
    assert len(cz) == 3108 and cz["county_fips"].is_unique
    assert cz["zone"].notna().all()
    assert set(cz["zone"]) <= {f"p{i}" for i in range(1, 135)}
    assert set(cz["method"]) <= {"polygon", "nearest"}
    assert (cz["method"] == "nearest").sum() <= 10
    assert cz["source"].notna().all()


def test_tables_have_sources_and_zones_in_the_134() -> None:
    zones = {f"p{i}" for i in range(1, 135)}
    zs = _csv("zone_supply.csv")
    assert len(zs) == 134 and set(zs["zone"]) == zones
    tr = _csv("zone_transfer_mw.csv")
    assert set(tr["from_zone"]) | set(tr["to_zone"]) <= zones
    assert set(tr["kind"]) == {"AC", "DC"} and (tr["mw"] >= 0).all()
    for name in ("zone_transfer_mw.csv", "capacity_credit.csv", "zone_supply_by_fuel.csv", "time_to_power.csv"):
        df = _csv(name)
        assert df["source"].notna().all() and (df["source"].str.len() > 10).all(), name
    cc = _csv("capacity_credit.csv")
    assert ((cc["credit_low"] <= cc["capacity_credit"]) & (cc["capacity_credit"] <= cc["credit_high"])).all()
    est = cc["kind"] == "estimate"
    assert cc.loc[est, "source"].str.startswith("estimate").all()


def test_spare_firm_is_max_of_zero_and_accredited_minus_peak_with_margin_and_committed_row_by_row() -> None:
    zs = _csv("zone_supply.csv")
    expect = np.maximum(0.0, zs["accredited_mw"] - zs["peak_mw"] * (1.0 + zs["reserve_margin"]) - zs["committed_dc_mw"])
    assert (zs["spare_firm_mw"] >= 0).all()
    np.testing.assert_allclose(zs["spare_firm_mw"], expect, atol=0.01)
    # the same identity in every model year
    by = _csv("zone_supply_by_year.csv")
    expect = np.maximum(0.0, by["accredited_mw"] - by["peak_mw"] * (1.0 + by["reserve_margin"]) - by["committed_dc_mw"])
    np.testing.assert_allclose(by["spare_firm_mw"], expect, atol=0.01)
    # accredited = sum over fuels of nameplate x credit
    zf = _csv("zone_supply_by_fuel.csv")
    np.testing.assert_allclose(zf["accredited_mw"], zf["nameplate_mw"] * zf["capacity_credit"], atol=0.01)
    agg = zf.groupby("zone")[["nameplate_mw", "accredited_mw"]].sum().reindex(zs["zone"]).fillna(0)
    np.testing.assert_allclose(zs["accredited_mw"], agg["accredited_mw"].to_numpy(), atol=0.5)
    np.testing.assert_allclose(zs["nameplate_mw"], agg["nameplate_mw"].to_numpy(), atol=0.5)


def test_spare_firm_function() -> None:
    got = bz.spare_firm(pd.Series([100.0, 100.0]), pd.Series([50.0, 100.0]), 0.15)
    assert list(got) == [pytest.approx(42.5), 0.0]
    # committed load takes firm MW one for one: 100 - 50 x 1.15 - 20 = 22.5; never below zero
    got = bz.spare_firm(pd.Series([100.0, 100.0]), pd.Series([50.0, 50.0]), 0.15, pd.Series([20.0, 60.0]))
    assert list(got) == [pytest.approx(22.5), 0.0]


def test_transfer_direction_handling_on_synthetic_frames() -> None:
    ac = pd.DataFrame({"interface": ["a||b"], "r": ["p1"], "rr": ["p2"], "MW_f0": [10.0], "MW_r0": [3.0]})
    dc = pd.DataFrame({"r": ["p2", "p1"], "rr": ["p999", "p2"], "trtype": ["LCC", "B2B"], "MW": [7.0, 5.0],
                       "Project(s)": ["x", "y"]})  # fmt: skip
    t = bz.transfer_from_frames(ac, dc, {"p1", "p2"})
    got = {(r.from_zone, r.to_zone, r.kind): r.mw for r in t.itertuples()}
    assert got == {("p1", "p2", "AC"): 10.0, ("p2", "p1", "AC"): 3.0, ("p1", "p2", "DC"): 5.0, ("p2", "p1", "DC"): 5.0}


def test_time_to_power_rows() -> None:
    tp = _csv("time_to_power.csv")
    assert set(tp.loc[tp["level"] == "iso", "region"]) == {"PJM", "MISO", "ERCOT", "NYISO", "ISONE", "CAISO"}
    zone = tp.loc[tp["level"] == "zone"]
    assert (zone["n_projects"] >= 20).all() and zone["region"].is_unique
    assert {"gas_cc", "gas_ct", "solar", "onshore_wind", "battery_4h"} <= set(tp.loc[tp["level"] == "construction", "region"])
    assert (tp["level"] == "default").sum() == 1
    ok = tp["level"].isin(["iso", "zone"])
    assert ((tp.loc[ok, "p25_years"] <= tp.loc[ok, "median_years"]) & (tp.loc[ok, "median_years"] <= tp.loc[ok, "p75_years"])).all()
    ct = _csv("county_time_to_power.csv")
    assert len(ct) == 3108 and ct["median_years"].notna().all()


# --------------------------------------------------------------------------------------------------
# time-to-power functions on a hand-computed synthetic queue


def test_time_to_power_median_from_synthetic_queue() -> None:
    # spans: 365.25 d = 1 y, 730.5 -> 2 y (2001-01-01 -> 2003-01-01 is 730 d), 4 y, one negative, one missing
    q = pd.DataFrame(
        {
            "start": ["2000-01-01", "2001-01-01", "2010-01-01T05:00:00+00:00", "2020-06-01", "2020-01-01"],
            "end": ["2000-12-31", "2003-01-01", "2014-01-01", "2019-01-01", None],
        }
    )
    y = bt.durations_years(q, "start", "end")
    # 2000-01-01 -> 2000-12-31 = 365 d; 2001-01-01 -> 2003-01-01 = 730 d; 2010-01-01 -> 2014-01-01 = 1461 d
    assert list(y.round(6)) == [round(365 / 365.25, 6), round(730 / 365.25, 6), round(1461 / 365.25, 6)]
    s = bt.summarize(y)
    assert s["n_projects"] == 3
    assert s["median_years"] == pytest.approx(730 / 365.25, abs=1e-3)  # middle of three = 1.999 y
    # linear quantiles: p25 halfway between 0.999 and 1.999, p75 halfway between 1.999 and 4.0
    assert s["p25_years"] == pytest.approx((365 + 730) / 2 / 365.25, abs=1e-3)
    assert s["p75_years"] == pytest.approx((730 + 1461) / 2 / 365.25, abs=1e-3)
    assert bt.summarize(pd.Series([], dtype=float))["n_projects"] == 0


def test_county_name_normalisation() -> None:
    assert bt._norm_county("ST. LOUIS COUNTY") == bt._norm_county("St. Louis")
    assert bt._norm_county("Saint Lucie") == bt._norm_county("St. Lucie")
    assert bt._norm_county("KERN, SAN BERNARDINO") == "kern"
    assert bt._norm_county("Prince George's") == "princegeorges"


# --------------------------------------------------------------------------------------------------
# against the shared data


@pytest.mark.shared_data
def test_transfer_golden_value_from_naris(shared_data: Path) -> None:
    # transmission_capacity_init_AC_ba_NARIS2024.csv row "p1||p2": r=p1, rr=p2, MW_f0=8287.031, MW_r0=9392.247
    # -> p1->p2 carries the forward limit, p2->p1 the reverse one (no DC tie between p1 and p2).
    raw = pd.read_csv(shared_data / "transmission_capacity_init_AC_ba_NARIS2024.csv")
    row = raw.loc[raw["interface"] == "p1||p2"].iloc[0]
    assert (row["MW_f0"], row["MW_r0"]) == (8287.031, 9392.247)
    tr = _csv("zone_transfer_mw.csv")
    ac = tr.loc[tr["kind"] == "AC"].set_index(["from_zone", "to_zone"])["mw"]
    assert ac[("p1", "p2")] == 8287.031 and ac[("p2", "p1")] == 9392.247
    # every NARIS interface appears once per direction
    assert len(ac) == 2 * len(raw)
    # Pacific DC Intertie p5 <-> p10, 2,780 MW both ways
    dc = tr.loc[tr["kind"] == "DC"].set_index(["from_zone", "to_zone"])["mw"]
    assert dc[("p5", "p10")] == 2780.0 and dc[("p10", "p5")] == 2780.0


@pytest.mark.shared_data
@pytest.mark.slow
def test_build_scripts_reproduce_committed_csvs(shared_data: Path, tmp_path: Path) -> None:
    bz.main(["--data-dir", str(shared_data), "--out", str(tmp_path)])
    bt.main(["--data-dir", str(shared_data), "--out", str(tmp_path)])
    for name in (
        "county_zone.csv", "zone_transfer_mw.csv", "capacity_credit.csv", "zone_supply_by_fuel.csv",
        "zone_supply.csv", "zone_supply_by_year.csv", "zone_committed_load.csv", "time_to_power.csv",
        "county_time_to_power.csv",
    ):  # fmt: skip
        got = pd.read_csv(tmp_path / name, dtype={"county_fips": str})
        want = _csv(name)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)
