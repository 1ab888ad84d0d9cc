"""County CO2 by eGRID subregion (data/build/build_county_grid.py, data/county_grid.csv, issue 24 item 9).

(a) the placement steps on small hand-built frames, (b) the committed table, (c) the model's candidates,
(d) with ../shared/data: the build reproduces the committed CO2 columns and golden eGRID values.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.inputs.datasets import attach_county_co2, load_county_grid
from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = REPO.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real datasets not found at {SHARED}")

bcg = load_script(REPO / "data" / "build" / "build_county_grid.py", "build_county_grid")


# ----------------------------------------------------------------------------- (a) pure functions


@pytest.fixture()
def lookups() -> dict[str, object]:
    ba = pd.Series({"BPAT": "NWPP", "SOCO": "SRSO"})  # EPA's BA table, multi-subregion BAs left out
    xw_utility = pd.DataFrame(
        {"nerc": ["RFC", "RFC"], "ba": ["PJM", "PJM"], "owner_id": [-9999, 7], "utility_id": [5, 5], "subregion": ["RFCE", "RFCE"]}
    )
    xw_transmission = pd.DataFrame(
        {
            "nerc": ["RFC", "RFC", "MRO", "SERC", "RFC"],
            "ba": ["PJM", "PJM", "SWPP", "PJM", "PJM"],
            "owner_id": [6, 8, 9, 8, 10],
            "subregion": ["RFCW", "RFCW", "SPNO", "SRVC", "RFCE"],
        }
    )
    return {"ba": ba, "xu": xw_utility, "xt": xw_transmission}


def test_place_utilities_follows_epa_order(lookups) -> None:
    utilities = pd.DataFrame(
        {
            "utility_id": [1, 2, 3, 5, 6, 8, 9, 11, 10],
            "nerc": ["TRE", "WECC", "SERC", "RFC", "RFC", "RFC", "SPP", "RFC", "TRE"],
            "ba": ["ERCO", "BPAT", "SOCO", "PJM", "PJM", "PJM", "SWPP", "PJM", "PJM"],
        }
    )
    placed = bcg.place_utilities(utilities, lookups["ba"], lookups["xu"], lookups["xt"]).set_index("utility_id")
    expected = {
        1: ("ERCT", "nerc"),  # NERC TRE -> ERCT, EPA's first rule
        2: ("NWPP", "ba"),  # BPAT in the BA table
        3: ("SRSO", "ba"),
        5: ("RFCE", "utility_xwalk"),  # (RFC, PJM, utility 5), two rows, one subregion
        6: ("RFCW", "transmission_xwalk"),  # (RFC, PJM, owner 6)
        8: ("RFCW", "transmission_xwalk"),  # the (SERC, PJM, 8) row has another NERC region
        9: ("SPNO", "transmission_xwalk_ba"),  # 2018 NERC 'SPP' vs the crosswalk's 'MRO': matched on BA + owner
        10: ("ERCT", "nerc"),  # the earlier step wins over the crosswalk's RFCE
    }
    for uid, (sub, method) in expected.items():
        assert (placed.loc[uid, "subregion"], placed.loc[uid, "method"]) == (sub, method), uid
    assert pd.isna(placed.loc[11, "subregion"]) and pd.isna(placed.loc[11, "method"])  # in no table


def test_ambiguous_crosswalk_rows_place_nothing(lookups) -> None:
    # owner 8 in PJM names RFCW (RFC) and SRVC (SERC): without a NERC match, BA + owner is ambiguous
    utilities = pd.DataFrame({"utility_id": [8], "nerc": ["NPCC"], "ba": ["PJM"]})
    placed = bcg.place_utilities(utilities, lookups["ba"], lookups["xu"], lookups["xt"])
    assert placed["subregion"].isna().all()


def test_county_co2_serving_utility_next_utility_and_fallback() -> None:
    counties = pd.DataFrame({"fips": ["00001", "00002", "00003", "00004"], "state": ["AA", "AA", "BB", "BB"]})
    mapping = pd.DataFrame(
        {
            "fips": ["00001", "00001", "00002", "00002", "00003", "00004", "00004"],
            "utility_id": [1, 2, 3, 2, 4, 5, 6],
            "utility_name": ["one", "two", "three", "two", "four", "five", "six"],
            "sales_mwh": [100.0, 50.0, 500.0, 50.0, np.nan, 10.0, 10.0],
            "nerc": ["X"] * 7,
            "ba": ["X"] * 7,
        }
    )
    placed = pd.DataFrame(
        {
            "utility_id": [1, 2, 3, 4, 5, 6],
            "nerc": ["X"] * 6,
            "ba": ["X"] * 6,
            "subregion": ["S1", "S2", np.nan, np.nan, "S2", "S1"],
            "method": ["ba", "ba", np.nan, np.nan, "ba", "ba"],
        }
    )
    sub_kg = pd.Series({"S1": 100.0, "S2": 200.0})
    state_kg = pd.Series({"AA": 300.0, "BB": 400.0})
    out = bcg.county_co2(counties, mapping, placed, sub_kg, state_kg).set_index("fips")
    # 00001: utility 1 (100 > 50 MWh) -> S1. 00002: utility 3 (500) is not placed -> the next, utility 2 -> S2.
    # 00003: its only utility is not placed -> state BB. 00004: a sales tie -> the lower utility number (5) -> S2.
    assert out["co2_kg_per_mwh"].to_dict() == {"00001": 100.0, "00002": 200.0, "00003": 400.0, "00004": 200.0}
    assert out["co2_source"].to_dict() == {
        "00001": "subregion:S1", "00002": "subregion:S2", "00003": "state_fallback", "00004": "subregion:S2"
    }  # fmt: skip
    assert out["co2_method"].to_dict() == {"00001": "ba", "00002": "next_utility", "00003": "state_fallback", "00004": "ba"}


def test_attach_county_co2_keeps_the_state_rate_for_unknown_counties() -> None:
    grid = pd.DataFrame({"co2_kg_per_mwh": [273.1], "co2_source": ["subregion:NWPP"]}, index=["53007"])
    sites = pd.DataFrame({"county_fips": ["53007", "99999"], "co2_kg_per_mwh": [83.8, 500.0]}, index=["a", "b"])
    out = attach_county_co2(sites, grid)
    assert out["co2_kg_per_mwh"].tolist() == [273.1, 500.0]
    assert out["co2_source"].tolist() == ["subregion:NWPP", "state"]


# ----------------------------------------------------------------------------- (b) the committed table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(DATA / "county_grid.csv", dtype={"fips": str})


def test_grid_columns_unchanged_by_the_co2_rebuild(table: pd.DataFrame) -> None:
    # sha256 of data/county_grid.csv on main at ba1fa05 (before the CO2 columns): the grid part of the
    # rebuilt table, written the same way, must be the same bytes.
    grid_text = table[bcg.GRID_COLUMNS].to_csv(index=False)
    assert hashlib.sha256(grid_text.encode()).hexdigest() == "5de66b9a33cd5c5614984ef19b56b6249696d761e9860337c0b711294be285b3"


def test_co2_columns_are_consistent(table: pd.DataFrame) -> None:
    assert list(table.columns[-3:]) == bcg.CO2_COLUMNS
    assert table["co2_source"].str.fullmatch(r"subregion:[A-Z]{4}|state_fallback").all()
    assert set(table["co2_method"]) <= set(bcg.CO2_METHODS)
    assert ((table["co2_source"] == "state_fallback") == (table["co2_method"] == "state_fallback")).all()
    # one rate per subregion
    sub = table.loc[table["co2_source"] != "state_fallback"]
    assert (sub.groupby("co2_source")["co2_kg_per_mwh"].nunique() == 1).all()
    # a fallback county carries its state's eGRID2022 rate, the value in data/state_facts.csv
    facts = pd.read_csv(DATA / "state_facts.csv").set_index("state")["co2_kg_per_mwh"]
    fb = table.loc[table["co2_source"] == "state_fallback"]
    assert (fb["co2_kg_per_mwh"].to_numpy() == fb["state"].map(facts).to_numpy()).all()


def test_co2_counts_and_washington(table: pd.DataFrame) -> None:
    # Measured from the build on the held files: 3,073 counties placed in a subregion, 35 on the state
    # rate (SD 12, NE 8, MT 4, KY/NV/OK 2 each, AZ/CO/MN/VA/WY 1 each).
    assert int((table["co2_source"] != "state_fallback").sum()) == 3073
    assert int((table["co2_source"] == "state_fallback").sum()) == 35
    # Issue 24: WA 83.8 kg/MWh (state) against its subregion's 273.1 -- every WA county is NWPP now.
    wa = table.loc[table["state"] == "WA"]
    assert len(wa) == 39 and (wa["co2_source"] == "subregion:NWPP").all()
    assert (wa["co2_kg_per_mwh"] == 273.1).all()


# ----------------------------------------------------------------------------- (c) the model's candidates


def test_default_candidates_take_the_county_rate() -> None:
    from model.inputs.datasets import county_candidates, load_cost_assumptions, load_counties, load_state_facts

    grid = load_county_grid()
    sites = county_candidates(load_counties(), grid, load_state_facts(), load_cost_assumptions())
    assert sites.loc["53007", "co2_kg_per_mwh"] == 273.1  # Chelan WA: NWPP, not the state's 83.8
    assert sites.loc["53007", "co2_source"] == "subregion:NWPP"
    assert (sites["co2_kg_per_mwh"] == grid.loc[sites.index, "co2_kg_per_mwh"]).all()


# ----------------------------------------------------------------------------- (d) with ../shared/data


@needs_shared
def test_build_reproduces_the_committed_co2_columns(table: pd.DataFrame) -> None:
    co2 = bcg.build_co2(table[["fips", "state"]], SHARED)
    rebuilt = bcg.with_co2(table[bcg.GRID_COLUMNS], co2)
    assert rebuilt.to_csv(index=False) == (DATA / "county_grid.csv").read_text(encoding="utf-8")


@needs_shared
def test_golden_subregion_rates(table: pd.DataFrame) -> None:
    # ../shared/data/egrid2022_subregion.csv SRCO2RTA (lb/MWh) x 0.45359237, rounded to 0.01:
    # NWPP -> 273.10 (WA; the figure), SRVC (Loudoun VA, Dominion), RFCW (Cook IL, ComEd),
    # ERCT (Taylor TX, Abilene).
    sub = pd.read_csv(SHARED / "egrid2022_subregion.csv").set_index("SUBRGN")["SRCO2RTA"]
    t = table.set_index("fips")
    for fips, code in {"53033": "NWPP", "51107": "SRVC", "17031": "RFCW", "48441": "ERCT"}.items():
        assert t.loc[fips, "co2_source"] == f"subregion:{code}", fips
        assert t.loc[fips, "co2_kg_per_mwh"] == round(sub[code] * 0.45359237, 2), fips
    assert round(sub["NWPP"] * 0.45359237, 2) == 273.1
