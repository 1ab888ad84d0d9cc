"""Issue 24 item 1, energy at scale: data/county_utility_scale.csv, zone_marginal_price.csv,
energy_scale_assumptions.csv, their builder (data/build/build_energy_scale.py) and the loader
(model/inputs/energy_scale.py).

Tests that read ../shared/data skip when it is absent; the table and loader tests always run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.core.errors import InputDataError
from model.inputs import energy_scale as es
from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
bes = load_script(DATA / "build" / "build_energy_scale.py", "build_energy_scale")

MODEL_YEARS = list(range(2026, 2036))
# The counties built in today's national answers (issue 24 item 1).
BUILT = ["53007", "53037", "53017", "53025", "38057", "56005"]
FILES = ("county_utility_scale.csv", "zone_marginal_price.csv", "energy_scale_assumptions.csv")
CPI_2023, CPI_2024, CPI_2025H1 = 304.702, 313.689, 320.229  # BLS CPI-U (build_energy_scale.py)


def _scale() -> pd.DataFrame:
    return pd.read_csv(DATA / "county_utility_scale.csv", dtype={"county_fips": str})


def _prices() -> pd.DataFrame:
    return pd.read_csv(DATA / "zone_marginal_price.csv", keep_default_na=False, na_values=[""])


def _copy_data(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


# --------------------------------------------------------------------------------------------------
# committed tables: keys, identities, hand-checked values


def test_county_table_covers_the_candidate_counties_and_applies_the_rule() -> None:
    s = _scale()
    price = pd.read_csv(DATA / "county_price.csv", dtype={"county_fips": str})
    cz = pd.read_csv(DATA / "county_zone.csv", dtype={"county_fips": str}).set_index("county_fips")
    assert s["county_fips"].tolist() == sorted(price["county_fips"]) and len(s) == 3108
    assert (s["zone"] == s["county_fips"].map(cz["zone"])).all()
    has = s["utility_id"] > 0
    # peak = sales / 8760 / load factor; tariff_mw = 0.05 x peak; the range ends at 0.02 / 0.10 x the peak range
    np.testing.assert_allclose(s.loc[has, "peak_mw"], s.loc[has, "sales_mwh"] / 8760 / s.loc[has, "load_factor"], atol=6e-4)
    np.testing.assert_allclose(s["tariff_mw"], 0.05 * s["peak_mw"], atol=1.5e-3)
    assert (s["tariff_low_mw"] <= s["tariff_mw"]).all() and (s["tariff_mw"] <= s["tariff_high_mw"]).all()
    # one utility, one tariff_mw wherever it serves (its home zone's load factor), so campuses can share its cap
    assert (s.loc[has].groupby("utility_id")["tariff_mw"].nunique() == 1).all()
    # 10 counties have no non-federal utility with reported sales: their zone's median, utility_id 0
    assert (~has).sum() == 10
    assert s.loc[~has, "method"].str.startswith("zone median").all()
    for col in ("sales_source", "peak_source", "tariff_source", "method"):
        assert s[col].str.len().gt(20).all(), col


def test_chelan_pud_sales_and_tariff_mw_by_the_rule() -> None:
    s = _scale().set_index("county_fips")
    r = s.loc["53007"]
    # Chelan County's only non-federal utility in the PNNL mapping (BPA is excluded, as in the county price) is
    # PUD No 1 of Chelan County, EIA utility 3413, with 1,635,017 MWh of 2018 sales (mapping row and EIA-861 Part A).
    assert r["utility_id"] == 3413 and r["utility_name"] == "PUD No 1 of Chelan County"
    assert r["sales_mwh"] == 1_635_017
    # zone p1's load factor 0.561 (data/zone_supply.csv: the mean of the five EIA-930 series)
    # peak = 1,635,017 / 8,760 / 0.561 = 332.70 MW; tariff_mw = 0.05 x 332.70 = 16.635 MW
    assert r["load_factor"] == pytest.approx(0.561)
    assert r["peak_mw"] == pytest.approx(1_635_017 / 8760 / 0.561, abs=1e-3)
    assert r["tariff_mw"] == pytest.approx(16.635, abs=1e-3)
    # range: 0.02 x sales / 8760 / 0.6269 (ERCOT's load factor, the highest) to 0.10 x sales / 8760 / 0.4937 (AZPS)
    assert r["tariff_low_mw"] == pytest.approx(0.02 * 1_635_017 / 8760 / 0.6269, rel=1e-3)
    assert r["tariff_high_mw"] == pytest.approx(0.10 * 1_635_017 / 8760 / 0.4937, rel=1e-3)
    # A 2 GW campus is 120 times Chelan PUD's tariff_mw.
    assert 2000 / r["tariff_mw"] > 100


def test_zone_prices_cover_every_zone_and_year_and_add_up() -> None:
    z = _prices()
    assert len(z) == 134 * 10 and not z.duplicated(["zone", "year"]).any()
    assert sorted(z["year"].unique()) == MODEL_YEARS
    np.testing.assert_allclose(z["beyond_tariff_usd_per_mwh"], z["energy_usd_per_mwh"] + z["delivery_usd_per_mwh"], atol=2e-4)
    gen = pd.read_csv(DATA / "new_generation_costs.csv").set_index("type")
    cc = gen.at["gas_cc", "heat_rate_mmbtu_per_mwh"] * z["gas_usd_per_mmbtu"] + gen.at["gas_cc", "vom_usd_per_mwh"]
    np.testing.assert_allclose(z["gas_cc_usd_per_mwh"], cc, atol=2e-4)
    no_hub = z["hub"].isna()
    np.testing.assert_allclose(z.loc[no_hub, "energy_usd_per_mwh"], z.loc[no_hub, "gas_cc_usd_per_mwh"], atol=1e-9)
    hubs = z.loc[~no_hub].groupby("hub")["zone"].unique().map(sorted).to_dict()
    assert hubs == {k: sorted(v) for k, v in bes.HUB_ZONES.items()}
    # hub zones: energy = hub 2024 (2023 $) + CC heat rate x (gas - gas 2024)
    h = z.loc[~no_hub]
    expect = h["hub_2024_usd_per_mwh"] + 6.349 * (h["gas_usd_per_mmbtu"] - h["gas_2024_usd_per_mmbtu"])
    np.testing.assert_allclose(h["energy_usd_per_mwh"], expect, atol=7e-4)  # inputs rounded to 1e-4
    # 30 rows (the zones of ME, NH, VT x 10 years: no tariff held) take the national median, 9.65 $/kW-month over
    # the 85 tariffs with a demand charge (2025 $) = 9.182 2023 $
    national = z["n_tariffs"] == 0
    assert national.sum() == 30 and set(z.loc[national, "state"]) == {"ME", "NH", "VT"}
    national_2023 = round(9.65 * CPI_2023 / CPI_2025H1, 4)
    assert z.loc[national, "demand_charge_usd_per_kw_month"].round(4).unique().tolist() == [national_2023]


def test_virginia_delivery_adder_by_hand() -> None:
    z = _prices().set_index(["zone", "year"])
    # The held tariffs naming VA: Dominion GS-4 8.77, NOVEC 12.50, AEP Appalachian Power (VA/WV) 13.50 $/kW-month
    # (shared/data/tariffs/large_load_tariffs_community-energy.csv); median 12.50 (2025 $) x 304.702 / 320.229 =
    # 11.894 2023 $; x 12 months x 1,000 kW/MW / (8,760 h x 0.8) = 20.366 $/MWh.
    expected = 12.50 * CPI_2023 / CPI_2025H1 * 12_000 / (8760 * 0.8)
    assert expected == pytest.approx(20.366, abs=1e-3)
    assert z.loc[("p99", 2030), "delivery_usd_per_mwh"] == pytest.approx(expected, abs=1e-3)
    assert z.loc[("p99", 2030), "n_tariffs"] == 3
    low = 8.77 * CPI_2023 / CPI_2025H1 * 12_000 / 7008  # Dominion GS-4, the lowest of the three
    assert z.loc[("p99", 2030), "delivery_low_usd_per_mwh"] == pytest.approx(low, abs=1e-3)


def test_assumptions_table() -> None:
    a = pd.read_csv(DATA / "energy_scale_assumptions.csv").set_index("name")
    assert a.loc["tariff_share_of_peak", ["value", "low", "high"]].tolist() == [0.05, 0.02, 0.10]
    assert a.loc["min_demand_share", ["value", "low", "high"]].tolist() == [0.80, 0.60, 0.95]
    # Idaho Power OATT 31.55 $/kW-year (Oct 2024) x 304.702/313.689 = 30.646 2023 $/kW-year; per MWh of a
    # reservation used at the campus load factor 0.8: 30.646 x 1000 / 7008 = 4.373 $/MWh.
    assert a.at["wheeling_usd_per_mwh", "value"] == pytest.approx(31.55 * CPI_2023 / CPI_2024 * 1000 / 7008, abs=1e-3)
    assert a.at["wheeling_usd_per_mwh", "value"] == pytest.approx(4.373, abs=1e-3)
    assert a.at["wheeling_within_rto_usd_per_mwh", "value"] == 0.0
    assert a.at["delivery_load_factor", "value"] == 0.8
    assert a["source"].str.len().gt(40).all()


def test_tables_are_documented() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    doc = (REPO / "docs" / "supply_data.md").read_text(encoding="utf-8")
    for name in FILES:
        assert f"`{name}`" in sources and f"`data/{name}`" in doc, name
    assert "build_energy_scale.py" in sources and "## 8. Energy at scale" in doc


# --------------------------------------------------------------------------------------------------
# against ../shared/data


@pytest.mark.shared_data
def test_ercot_energy_from_the_raw_hub_file(shared_data: Path) -> None:
    raw = pd.read_csv(shared_data / "prices" / "hourly_green-dcc" / "US-TEX-ERCO_electricity_prices_2024.csv")
    assert len(raw) == 8784
    hub_2024 = raw["Price (USD/MWh)"].mean()  # 28.082 nominal $/MWh (the shared README's 2024 mean)
    assert hub_2024 == pytest.approx(28.082, abs=1e-3)
    aeo = pd.read_csv(shared_data / "fuel" / "ng_price_electric_AEO2025_cendiv_3cases_long.csv")
    wsc_2024 = aeo.loc[(aeo["case"] == "Reference Case") & (aeo["census_division"] == "West South Central")
                       & (aeo["year"] == 2024), "ng_price_2024usd_per_mmbtu"].item()  # fmt: skip
    assert wsc_2024 == pytest.approx(2.19948, abs=1e-5)
    gas = pd.read_csv(DATA / "zone_gas_price.csv").set_index(["zone", "year"])
    basis = gas.loc[("p63", 2026), "basis_usd2024_per_mmbtu"]  # Texas basis -0.217 2024 $/MMBtu
    gas_2024 = (wsc_2024 + basis) * CPI_2023 / CPI_2024  # 1.9257 2023 $/MMBtu
    gas_2026 = gas.loc[("p63", 2026), "gas_usd_per_mmbtu"]  # 2.3172
    # Dallas's zone p63, 2026: 28.082 x 304.702/313.689 = 27.278, + 6.349 x (2.3172 - 1.9257) = 29.763 $/MWh
    expected = hub_2024 * CPI_2023 / CPI_2024 + 6.349 * (gas_2026 - gas_2024)
    z = _prices().set_index(["zone", "year"])
    assert z.loc[("p63", 2026), "energy_usd_per_mwh"] == pytest.approx(expected, abs=1e-3)
    assert z.loc[("p63", 2026), "energy_usd_per_mwh"] == pytest.approx(29.763, abs=1e-3)


@pytest.mark.shared_data
def test_chelan_pud_sales_in_the_raw_files(shared_data: Path) -> None:
    m = pd.read_csv(shared_data / "pnnl_electricity_entity_mapping_2018.csv")
    chelan = m.loc[m["County_FIPS"] == 53007, ["Utility_Number", "Total_Sales_MWh"]]
    # two rows: BPA (1738, federal, excluded) and Chelan PUD (3413) with 1,635,017 MWh
    assert sorted(chelan["Utility_Number"]) == [1738, 3413]
    assert pd.to_numeric(chelan.set_index("Utility_Number")["Total_Sales_MWh"]).at[3413] == 1_635_017
    sales = bes.utility_sales(shared_data)
    assert sales.loc[(3413, "WA"), "sales_mwh"] == 1_635_017  # EIA-861 2018: Part A only, WA only
    assert sales.loc[(1738, "WA"), "ownership"] == "Federal"


@pytest.mark.shared_data
def test_virginia_tariffs_in_the_raw_file(shared_data: Path) -> None:
    by_state, national = bes.state_demand_charges(bes.read_tariffs(shared_data))
    assert by_state.loc["VA", "count"] == 3 and by_state.loc["VA", "median"] == 12.50
    assert national == pytest.approx(9.65)  # 85 tariffs with a demand charge (9.605 with Black Hills SD's 0)


@pytest.mark.shared_data
@pytest.mark.slow
def test_builder_reproduces_committed_tables(shared_data: Path, tmp_path: Path) -> None:
    bes.main(["--data-dir", str(shared_data), "--out", str(tmp_path)])
    for name in FILES:
        got = pd.read_csv(tmp_path / name, dtype={"county_fips": str})
        want = pd.read_csv(DATA / name, dtype={"county_fips": str})
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)


# --------------------------------------------------------------------------------------------------
# the loader


def _sites(fips: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"county_fips": fips}, index=pd.Index([f"s{i}" for i in range(len(fips))], name="site_id"))


def test_loader_gives_tariff_mw_and_beyond_price_per_site_and_year() -> None:
    e = es.energy_scale(_sites(BUILT), [2026, 2030])
    s = _scale().set_index("county_fips")
    z = _prices().set_index(["zone", "year"])
    np.testing.assert_allclose(e.tariff_mw.to_numpy(), s.loc[BUILT, "tariff_mw"].to_numpy())
    assert e.utility_id.tolist() == s.loc[BUILT, "utility_id"].tolist()
    assert list(e.beyond_tariff_usd_per_mwh.columns) == [2026, 2030]
    for site, fips in zip(e.sites.index, BUILT):
        zone = s.at[fips, "zone"]
        for y in (2026, 2030):
            assert e.beyond_tariff_usd_per_mwh.at[site, y] == z.loc[(zone, y), "beyond_tariff_usd_per_mwh"]
            assert e.energy_usd_per_mwh.at[site, y] + e.delivery_usd_per_mwh.at[site, y] == pytest.approx(
                e.beyond_tariff_usd_per_mwh.at[site, y], abs=2e-4
            )
    # Chelan (p1) 2026: WA gas 3.4205 $/MMBtu x 6.349 + 2.31 = 24.027 energy + 12.220 delivery = 36.247 $/MWh
    assert e.beyond_tariff_usd_per_mwh.at["s0", 2026] == pytest.approx(6.349 * 3.4205 + 2.31 + 12.2198, abs=1e-3)
    # take-or-pay form: 12.2198 $/MWh x 0.8 x 8760 = 85,636 $/MW-year
    assert e.delivery_usd_per_mw_year().at["s0", 2026] == pytest.approx(12.2198 * 0.8 * 8760, rel=1e-6)
    assert e.min_demand_share == 0.8


def test_loader_uses_the_sites_zone_when_given() -> None:
    sites = _sites(["53007"]).assign(zone=["p99"])
    e = es.energy_scale(sites, [2026])
    z = _prices().set_index(["zone", "year"])
    assert e.beyond_tariff_usd_per_mwh.iat[0, 0] == z.loc[("p99", 2026), "beyond_tariff_usd_per_mwh"]
    assert e.tariff_mw.iat[0] == pytest.approx(16.635, abs=1e-3)  # the county's utility, whatever the zone


def test_wheeling_between_zones() -> None:
    e = es.energy_scale(_sites(["53007"]), [2026])
    frm = pd.Series(["p1", "p60", "p99", "p1", "p99"])
    to = pd.Series(["p4", "p63", "p99", "p1", "p80"])
    # p1 -> p4: NorthernGrid (no RTO): one point-to-point charge 4.373; ERCOT -> ERCOT and PJM -> PJM: 0; same zone: 0
    assert e.wheeling_usd_per_mwh_between(frm, to).tolist() == [pytest.approx(4.373, abs=1e-3), 0.0, 0.0, 0.0, 0.0]
    assert e.wheeling_usd_per_mwh_between(pd.Series(["p36"]), pd.Series(["p35"])).iat[0] == 0.0  # SPP -> SPP
    assert e.wheeling_usd_per_mwh_between(pd.Series(["p36"]), pd.Series(["p1"])).iat[0] == pytest.approx(4.373, abs=1e-3)
    with pytest.raises(InputDataError, match="zone_marginal_price.csv: column 'zone'"):
        e.wheeling_usd_per_mwh_between(pd.Series(["p999"]), pd.Series(["p1"]))


def test_loader_errors_name_the_file_and_column(tmp_path: Path) -> None:
    d = _copy_data(tmp_path)
    with pytest.raises(InputDataError, match="county_utility_scale.csv: column 'county_fips': no row for county '99999'"):
        es.energy_scale(_sites(["99999"]), [2026], d)
    with pytest.raises(InputDataError, match="zone_marginal_price.csv: column 'year': zone 'p1' has no row for 2040"):
        es.energy_scale(_sites(["53007"]), [2040], d)
    with pytest.raises(InputDataError, match="sites: missing column 'county_fips'"):
        es.energy_scale(pd.DataFrame({"fips": ["53007"]}), [2026], d)


@pytest.mark.parametrize(
    ("name", "column", "value", "message"),
    [
        ("county_utility_scale.csv", "tariff_mw", "lots", "county_utility_scale.csv: column 'tariff_mw' is not numeric"),
        ("county_utility_scale.csv", "tariff_mw", "-1", "county_utility_scale.csv: column 'tariff_mw' is negative"),
        ("county_utility_scale.csv", "utility_id", "1.5", "county_utility_scale.csv: column 'utility_id' must hold whole"),
        (
            "zone_marginal_price.csv",
            "energy_usd_per_mwh",
            "",
            "zone_marginal_price.csv: column 'energy_usd_per_mwh' has a missing",
        ),
        (
            "zone_marginal_price.csv",
            "delivery_usd_per_mwh",
            "99",
            "zone_marginal_price.csv: column 'beyond_tariff_usd_per_mwh' is not energy",
        ),
        (
            "energy_scale_assumptions.csv",
            "value",
            "2",
            "energy_scale_assumptions.csv: column 'value' of 'min_demand_share' is more than 1",
        ),
    ],
)
def test_damaged_tables_are_named(tmp_path: Path, name: str, column: str, value: str, message: str) -> None:
    d = _copy_data(tmp_path)
    df = pd.read_csv(d / name, dtype=str, keep_default_na=False)
    row = 1 if name == "energy_scale_assumptions.csv" else 0  # min_demand_share is the second row
    df.loc[row, column] = value
    df.to_csv(d / name, index=False, lineterminator="\n")
    with pytest.raises(InputDataError, match=message.replace("(", r"\(")):
        es.energy_scale(_sites(["53007"]), [2026], d)


def test_a_table_cut_short_is_refused(tmp_path: Path) -> None:
    d = _copy_data(tmp_path)
    raw = (d / "county_utility_scale.csv").read_bytes()
    (d / "county_utility_scale.csv").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputDataError, match="county_utility_scale.csv"):
        es.energy_scale(_sites(["53007"]), [2026], d)
    shutil.copy(DATA / "energy_scale_assumptions.csv", d / "energy_scale_assumptions.csv")
    a = pd.read_csv(d / "energy_scale_assumptions.csv")
    a.loc[a["name"] != "wheeling_usd_per_mwh"].to_csv(d / "energy_scale_assumptions.csv", index=False, lineterminator="\n")
    shutil.copy(DATA / "county_utility_scale.csv", d / "county_utility_scale.csv")
    with pytest.raises(InputDataError, match="energy_scale_assumptions.csv: column 'name': no row 'wheeling_usd_per_mwh'"):
        es.energy_scale(_sites(["53007"]), [2026], d)
