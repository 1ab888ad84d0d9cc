"""Sales/use tax on equipment and construction (model/inputs/tax.py) and its tables (data/build/build_tax.py).

Expected rates are hand-derived from the two source files in ../shared/data/tax/ (quoted in each test's
comments) and from the conventions in data/build/build_tax.py; the tests of the committed tables need no
../shared/data, the reproduction test skips without it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from model.core.errors import InputDataError
from model.inputs.tax import (
    construction_materials_tax_rate,
    construction_tax_rate,
    equipment_tax_rate,
    load_tax_tables,
)
from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = REPO.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real datasets not found at {SHARED}")

bt = load_script(REPO / "data" / "build" / "build_tax.py", "build_tax")

YEARS = [2025, 2026, 2027, 2028, 2034, 2035, 2036, 2040]


@pytest.fixture(scope="module")
def tables():
    return load_tax_tables()


def _sites(**rows: tuple[str, str]) -> pd.DataFrame:
    """Sites keyed by name: (state, county_fips)."""
    return pd.DataFrame({"state": [v[0] for v in rows.values()], "county_fips": [v[1] for v in rows.values()]}, index=list(rows))


def _rate(df: pd.DataFrame, site: str, year: int) -> float:
    return float(df.loc[site, year])


# ----------------------------------------------------------------------------- hand-checked rates


def test_full_exemption_with_local_covered_is_zero(tables):
    # IL row of state_datacenter_exemption_2026.csv: has_equipment_exemption=yes, covers_local_tax=yes
    # ("Exempts ROT, Use, SOT, SUT and locally imposed ROTs"), no end date -> 0 in every year.
    rate = equipment_tax_rate(_sites(cook=("IL", "17031")), YEARS, tables=tables)
    assert (rate.loc["cook"] == 0.0).all()


def test_texas_state_share_only_leaves_the_local_rate(tables):
    # TX exemption row: covers_local_tax=no ("Exempts only the 6.25% STATE tax; local ... is due");
    # state_sales_tax_2025.csv TX: state 6.25, avg local 1.95 -> 0.0195.
    rate = equipment_tax_rate(_sites(abilene=("TX", "48441")), YEARS, tables=tables)
    assert rate.loc["abilene"].tolist() == pytest.approx([0.0195] * len(YEARS), abs=1e-12)


def test_ohio_pause_gives_the_full_rate_from_2026(tables):
    # OH exemption row: full (covers_local yes) but "PAUSED: May 27 2026" -> ends 2026;
    # state_sales_tax_2025.csv OH: 5.75 + 1.48 = 7.23 %.
    rate = equipment_tax_rate(_sites(oh=("OH", "39049")), [2025, 2026, 2030], tables=tables)
    assert _rate(rate, "oh", 2025) == 0.0
    assert _rate(rate, "oh", 2026) == pytest.approx(0.0723, abs=1e-12)
    assert _rate(rate, "oh", 2030) == pytest.approx(0.0723, abs=1e-12)


def test_washington_rural_versus_urban_county(tables):
    # WA row: exemption of the state tax (RCW 82.08.020, 6.50 %) in rural counties, new certificates until
    # 1 Jul 2036; counties over 800,000 people until 1 Jul 2028. WA avg local 2.93, combined 9.43.
    # Grant (53025): 36.5 people per sq mi (Census 2019 / 2016 land area) -> rural.
    # Spokane (53063): 296 per sq mi, 523k people -> neither scope. King (53033): 2.25M people.
    sites = _sites(grant=("WA", "53025"), spokane=("WA", "53063"), king=("WA", "53033"))
    rate = equipment_tax_rate(sites, [2027, 2028, 2035, 2036], tables=tables)
    assert rate.loc["grant"].tolist() == pytest.approx([0.0293, 0.0293, 0.0293, 0.0943], abs=1e-12)
    assert rate.loc["spokane"].tolist() == pytest.approx([0.0943] * 4, abs=1e-12)
    assert rate.loc["king"].tolist() == pytest.approx([0.0293, 0.0943, 0.0943, 0.0943], abs=1e-12)


def test_states_without_sales_tax_are_zero_even_when_withdrawn(tables):
    # state_sales_tax_2025.csv: DE, MT, NH, OR combined 0.00.
    sites = _sites(de=("DE", "10001"), mt=("MT", "30013"), nh=("NH", "33001"), orr=("OR", "41001"))
    for mode in ("current", "withdrawn"):
        assert (equipment_tax_rate(sites, [2026, 2040], mode, tables=tables) == 0.0).all().all()
        assert (construction_tax_rate(sites, [2026], mode, tables=tables) == 0.0).all().all()


def test_withdrawn_is_the_combined_rate_everywhere(tables):
    # state_sales_tax_2025.csv: TX 6.25 + 1.95, IL 6.25 + 2.64, WA 6.50 + 2.93, LA 5.00 + 5.12, VA 5.30 + 0.47.
    sites = _sites(tx=("TX", "48441"), il=("IL", "17031"), wa=("WA", "53025"), la=("LA", "22001"), va=("VA", "51107"))
    rate = equipment_tax_rate(sites, [2026, 2030], "withdrawn", tables=tables)
    expected = {"tx": 0.0820, "il": 0.0889, "wa": 0.0943, "la": 0.1012, "va": 0.0577}
    for site, value in expected.items():
        assert rate.loc[site].tolist() == pytest.approx([value, value], abs=1e-12), site
    # and the materials are taxed at the same combined rate (x the materials share per capex dollar)
    mat = construction_materials_tax_rate(sites, [2026], "withdrawn", tables=tables)
    assert mat[2026].to_dict() == pytest.approx(expected, abs=1e-12)


def test_unknown_and_partial_rows_follow_the_conventions(tables):
    # DC: has_equipment_exemption=unknown -> not exempt (convention): 6.00 + 0.00.
    # NV: partial (only the NRS ch. 374 share, not given) -> not exempt: 6.85 + 1.39.
    # OK: partial, "state tax only" -> state_only: local 4.50 remains.
    sites = _sites(dc=("DC", "11001"), nv=("NV", "32003"), ok=("OK", "40109"))
    rate = equipment_tax_rate(sites, [2026], tables=tables)[2026]
    assert rate.to_dict() == pytest.approx({"dc": 0.06, "nv": 0.0824, "ok": 0.045}, abs=1e-12)


def test_investment_threshold(tables):
    # TX min_investment_usd 200,000,000 (151.359: "$200M within 5 yrs"); MO 25,000,000 (full, local covered).
    sites = _sites(tx=("TX", "48441"), mo=("MO", "29095"))
    small = equipment_tax_rate(sites, [2026], investment_usd=150e6, tables=tables)[2026]
    assert small.to_dict() == pytest.approx({"tx": 0.0820, "mo": 0.0}, abs=1e-12)
    per_site = pd.Series({"tx": 250e6, "mo": 10e6})
    rate = equipment_tax_rate(sites, [2026], investment_usd=per_site, tables=tables)[2026]
    # MO below its threshold: 4.225 + 4.19 = 8.415 % (Tax Foundation rounds the combined to 8.41)
    assert rate.to_dict() == pytest.approx({"tx": 0.0195, "mo": 0.08415}, abs=1e-12)


def test_georgia_sunset_and_virginia_sunset(tables):
    # GA: state_only (covers_local unknown), ends 2032 (estimate, "Sunset conflicts: 2031 (Kemp)"): 3.42 local,
    # then 7.42. VA: full, "sunset June 30 2035" -> 0 through 2034, 5.77 from 2035.
    sites = _sites(ga=("GA", "13121"), va=("VA", "51107"))
    rate = equipment_tax_rate(sites, [2031, 2032, 2034, 2035], tables=tables)
    assert rate.loc["ga"].tolist() == pytest.approx([0.0342, 0.0742, 0.0742, 0.0742], abs=1e-12)
    assert rate.loc["va"].tolist() == pytest.approx([0.0, 0.0, 0.0, 0.0577], abs=1e-12)


def test_construction_rate(tables):
    # Materials share 0.45 (data/tax_assumptions.csv, estimate 0.35-0.60).
    # MO: the exemption covers construction materials ("M&E/computers and construction materials") -> 0.
    # TX: the exemption says nothing of construction -> materials pay the combined 8.20 %: 0.45 x 0.082.
    # OH: covers construction materials, paused 2026 -> 0 in 2025, 0.45 x 0.0723 from 2026.
    # IL: equipment exempt but construction not -> 0.45 x 0.0889 while the equipment rate is 0.
    assert tables.materials_share == 0.45
    sites = _sites(mo=("MO", "29095"), tx=("TX", "48441"), oh=("OH", "39049"), il=("IL", "17031"))
    rate = construction_tax_rate(sites, [2025, 2026], tables=tables)
    assert rate.loc["mo"].tolist() == [0.0, 0.0]
    assert rate.loc["tx"].tolist() == pytest.approx([0.45 * 0.082] * 2, abs=1e-12)
    assert rate.loc["oh"].tolist() == pytest.approx([0.0, 0.45 * 0.0723], abs=1e-12)
    assert rate.loc["il"].tolist() == pytest.approx([0.45 * 0.0889] * 2, abs=1e-12)


def test_output_shape_and_bounds(tables):
    states = tables.states.index
    sites = pd.DataFrame({"state": states, "county_fips": ["53025" if s == "WA" else "00000" for s in states]}, index=[f"s{s}" for s in states])
    for fn in (equipment_tax_rate, construction_materials_tax_rate, construction_tax_rate):
        for mode in ("current", "withdrawn"):
            rate = fn(sites, YEARS, mode, tables=tables)
            assert list(rate.index) == list(sites.index) and list(rate.columns) == YEARS
            assert rate.to_numpy().min() >= 0.0 and rate.to_numpy().max() <= 0.2
    current = equipment_tax_rate(sites, YEARS, tables=tables)
    withdrawn = equipment_tax_rate(sites, YEARS, "withdrawn", tables=tables)
    assert (current <= withdrawn + 1e-15).all().all()  # withdrawing exemptions never lowers a rate


def test_bad_inputs_are_one_line_errors(tables):
    with pytest.raises(InputDataError, match="state 'XA'"):
        equipment_tax_rate(_sites(a=("XA", "00001")), [2026], tables=tables)
    with pytest.raises(InputDataError, match="county_fips"):
        equipment_tax_rate(pd.DataFrame({"state": ["WA"]}, index=["w"]), [2026], tables=tables)
    with pytest.raises(InputDataError, match="exemptions"):
        equipment_tax_rate(_sites(a=("TX", "48441")), [2026], "none", tables=tables)  # type: ignore[arg-type]
    with pytest.raises(InputDataError, match="investment_usd"):
        equipment_tax_rate(_sites(a=("TX", "48441")), [2026], investment_usd=pd.Series({"b": 1.0}), tables=tables)


def test_loader_refuses_a_bad_table(tmp_path):
    for name in ("state_tax.csv", "state_tax_counties.csv", "tax_assumptions.csv"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    df = pd.read_csv(tmp_path / "state_tax.csv", dtype=str, keep_default_na=False)
    df.loc[df["state"] == "TX", "equipment_exemption"] = "sometimes"
    df.to_csv(tmp_path / "state_tax.csv", index=False)
    with pytest.raises(InputDataError, match="state_tax.csv: column 'equipment_exemption': unknown kind 'sometimes'"):
        load_tax_tables(tmp_path)


# ----------------------------------------------------------------------------- committed tables


def test_state_table_matches_states_and_sources():
    st = pd.read_csv(DATA / "state_tax.csv", dtype=str, keep_default_na=False)
    facts = pd.read_csv(DATA / "state_facts.csv", dtype=str)
    assert list(st.columns) == bt.STATE_COLUMNS
    assert sorted(st["state"]) == sorted(facts["state"])  # the model's 48 states + DC
    assert st["rate_source"].str.contains("Tax Foundation").all()
    assert st["exemption_source"].str.startswith("../shared/data/tax/state_datacenter_exemption_2026.csv").all()
    assert (st["note"] != "").all()
    # combined = state + local within Tax Foundation's rounding (0.005 pp; README of ../shared/data)
    rates = st[["state_rate_pct", "avg_local_rate_pct", "combined_rate_pct"]].astype(float)
    assert ((rates["state_rate_pct"] + rates["avg_local_rate_pct"] - rates["combined_rate_pct"]).abs() <= 0.0051).all()


def test_state_table_counts():
    # Measured from data/build/build_tax.py on the June-2026 exemption file: 13 full, 16 state share
    # only, WA county-scoped, 15 not exempt (6 unknown, 4 no exemption, 5 partial judged not exempt),
    # 4 without a sales tax.
    st = pd.read_csv(DATA / "state_tax.csv", dtype=str, keep_default_na=False).set_index("state")
    counts = st["equipment_exemption"].value_counts().to_dict()
    assert counts == {"full": 13, "state_only": 16, "county_scope": 1, "none": 15, "no_sales_tax": 4}
    assert set(st.index[st["equipment_exemption"] == "no_sales_tax"]) == {"DE", "MT", "NH", "OR"}
    assert set(st.index[st["construction_exempt"] == "yes"]) == {"FL", "ID", "MO", "OH", "WI"}
    ends = st.loc[st["ends_year"] != "", "ends_year"].astype(int).to_dict()
    assert ends == {"AZ": 2034, "FL": 2037, "GA": 2032, "LA": 2029, "MI": 2030, "OH": 2026, "SC": 2032, "VA": 2035}


def test_washington_counties_follow_the_density_rule():
    wa = pd.read_csv(DATA / "state_tax_counties.csv", dtype={"county_fips": str})
    assert len(wa) == 39 and (wa["state"] == "WA").all()
    rural = (wa["density_per_sq_mi"] < 100) | (wa["land_sq_mi"] < 225)
    assert set(wa.loc[rural, "county_name"]) == bt.WA_RURAL_2023  # the HB 1835 bill report's list of 30
    assert (wa.loc[rural, "scope"] == "rural").all()
    assert set(wa.loc[wa["scope"] == "population_over_800k", "county_name"]) == {"King", "Pierce", "Snohomish"}
    assert wa["source"].str.startswith("estimate").all()


def test_materials_share_is_an_estimate_with_a_range():
    row = pd.read_csv(DATA / "tax_assumptions.csv").set_index("name").loc["construction_materials_share"]
    assert row["low"] <= row["value"] <= row["high"]
    assert row["source"].startswith("estimate (range 0.35-0.60)")


# ----------------------------------------------------------------------------- the build


def _exemption_row(state: str, **cols: str) -> dict[str, str]:
    base = {"state": state, "has_equipment_exemption": "yes", "covers_local_tax": "unknown", "statute_or_program": "",
            "min_investment_usd": "", "other_conditions": "", "electricity_exempt": "unknown",
            "enacted_or_updated_year": "", "source_url": "", "notes": ""}  # fmt: skip
    return base | cols


def test_state_table_conventions_on_a_small_frame():
    rates = pd.DataFrame({"state": ["AA", "BB", "CC", "DD", "EE"], "state_rate_pct": [5.0, 6.0, 4.0, 0.0, 6.0],
                          "avg_local_rate_pct": [1.0, 2.0, 3.0, 0.0, 1.0], "combined_rate_pct": [6.0, 8.0, 7.0, 0.0, 7.0],
                          "year": [2025] * 5, "source_url": ["tf"] * 5})  # fmt: skip
    ex = pd.DataFrame([
        _exemption_row("AA", covers_local_tax="yes", min_investment_usd="1000"),
        _exemption_row("BB"),  # yes + unknown local -> state only
        _exemption_row("CC", has_equipment_exemption="unknown"),
        _exemption_row("DD", has_equipment_exemption="no"),
        _exemption_row("EE", has_equipment_exemption="no"),
    ])  # fmt: skip
    out = bt.state_table(rates, ex).set_index("state")
    assert out["equipment_exemption"].to_dict() == {"AA": "full", "BB": "state_only", "CC": "none", "DD": "no_sales_tax", "EE": "none"}
    assert out["exempt_local"].to_dict() == {"AA": "yes", "BB": "no", "CC": "no", "DD": "no", "EE": "no"}
    assert out.loc["AA", "min_investment_usd"] == 1000 and pd.isna(out.loc["BB", "min_investment_usd"])


def test_build_stops_when_a_rule_loses_its_evidence():
    rates = pd.DataFrame({"state": ["OH"], "state_rate_pct": [5.75], "avg_local_rate_pct": [1.48],
                          "combined_rate_pct": [7.23], "year": [2025], "source_url": ["tf"]})  # fmt: skip
    ex = pd.DataFrame([_exemption_row("OH", covers_local_tax="yes", notes="PAUSED: May 27 2026. covers equipment and construction materials")])
    assert bt.state_table(rates, ex).loc[0, "ends_year"] == 2026
    ex.loc[0, "notes"] = "resumed"
    with pytest.raises(ValueError, match="OH: the rule's evidence 'PAUSED: May 27 2026'"):
        bt.state_table(rates, ex)
    with pytest.raises(ValueError, match="'partial' with no rule"):
        bt.state_table(rates.assign(state="ZZ"), pd.DataFrame([_exemption_row("ZZ", has_equipment_exemption="partial")]))


@needs_shared
def test_build_reproduces_the_committed_tables():
    tables = bt.build(SHARED)
    for name, df in tables.items():
        assert df.to_csv(index=False, lineterminator="\n") == (DATA / name).read_text(encoding="utf-8"), name
