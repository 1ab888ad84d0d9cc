"""(Re)derive the columns of data/state_facts.csv from files in ../shared/data.

Same rows (49: 48 contiguous states + DC, same order) and the same columns as before, plus two
new ones (``dc_land_usd_per_acre``, ``dc_land_source``) appended at the end.

Column by column:

* ``industrial_price_usd_per_mwh`` -- US EIA, Electric Power Annual 2023, average revenue per kWh,
  industrial sector (``../shared/data/eia_epa2023_state_price_by_sector.csv``, cents/kWh x 10).
  Wyoming is missing from that transcription; it is filled with Wyoming's 2018 EIA value
  (``eia_avgprice_annual_1990_2018.xlsx``) x the national 2018->2023 industrial price change,
  estimated as the 2018-sales-weighted ratio over the other 48 rows (``national_ratio``), and
  marked ``estimate`` with a range (10th-90th percentile of the state ratios).
* ``co2_kg_per_mwh`` -- US EPA eGRID2022 state table, ``STCO2RTA`` (lb/MWh) x 0.45359237
  (``../shared/data/egrid2022_state.csv``), rounded to 0.01 kg/MWh.
* ``land_value_usd_per_acre`` (farmland), ``water_stress_score``, ``pue``, ``queue_years`` --
  values kept as they are in the current CSV (no file in ../shared/data holds them); only the
  source text is rewritten to say ``estimate`` with a range and the reasoning.
* ``dc_land_usd_per_acre`` -- one national figure for every state (no per-state file exists),
  Cushman & Wakefield 2025, marked as an estimate with a range.

The script is idempotent: it reads the current CSV for the kept values (and for the CDD and
region already written in their source cells) and writes the same bytes when run again.

Usage (from the repo root):
    python data/build/build_state_facts.py [--shared ../shared/data] [--out data/state_facts.csv]
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "data" / "state_facts.csv"

LB_TO_KG = 0.45359237  # exact, by definition of the avoirdupois pound
YEAR_OLD, YEAR_NEW = 2018, 2023

PRICE_2023_FILE = "eia_epa2023_state_price_by_sector.csv"
PRICE_2018_FILE = "eia_avgprice_annual_1990_2018.xlsx"
EGRID_FILE = "egrid2022_state.csv"
EIA861_FILE = "eia861_Sales_Ult_Cust_2018.xlsx"

DC_LAND_USD_PER_ACRE = 244_000.0
DC_LAND_RANGE = (60_000.0, 1_000_000.0)

EXTRA_COLS = ["dc_land_usd_per_acre", "dc_land_source"]


# ----------------------------------------------------------------------------- prices
def prices_2018(shared: Path) -> pd.Series:
    """EIA avgprice_annual.xlsx, 2018, Total Electric Industry, industrial, $/MWh by USPS code."""
    df = pd.read_excel(shared / PRICE_2018_FILE, sheet_name="Price", header=1)
    sel = df[(df["Year"] == YEAR_OLD) & (df["Industry Sector Category"] == "Total Electric Industry")]
    s = sel.set_index(sel["State"].astype(str).str.strip())["Industrial"].astype(float) * 10.0
    return s.round(2)


def prices_2023(shared: Path, names: pd.Series) -> pd.Series:
    """EIA EPA 2023 industrial $/MWh by USPS code; ``names`` maps USPS code -> full state name.

    States missing from the file (Wyoming) are absent from the result (NaN after reindex)."""
    df = pd.read_csv(shared / PRICE_2023_FILE, dtype={"industrial_cents_kwh": str})
    by_name = df.set_index(df["state"].str.strip())["industrial_cents_kwh"]
    cents = pd.to_numeric(names.map(by_name), errors="coerce")
    return (cents * 10.0).round(2)


def industrial_sales_2018(shared: Path) -> pd.Series:
    """EIA-861 2018 state industrial sales (MWh) = Parts A, B, D (EIA's rule), by USPS code."""
    x = read_eia861_states(shared)
    x = x[x["part"].isin(["A", "B", "D"])]
    return x.groupby("state")["i_sales"].sum()


def read_eia861_states(shared: Path) -> pd.DataFrame:
    """Sheet ``States`` of Sales_Ult_Cust_2018.xlsx with short column names, footnote and
    ``Utility Number 99999`` adjustment rows dropped, '.' read as 0."""
    x = pd.read_excel(shared / EIA861_FILE, sheet_name="States", header=[0, 1, 2])
    x.columns = [
        "year", "uid", "utility", "part", "service_type", "data_type", "state", "ownership", "ba",
        "r_rev", "r_sales", "r_cust", "c_rev", "c_sales", "c_cust", "i_rev", "i_sales", "i_cust",
        "t_rev", "t_sales", "t_cust", "tot_rev", "tot_sales", "tot_cust",
    ]
    x = x[pd.to_numeric(x["uid"], errors="coerce").notna()].copy()
    x["uid"] = x["uid"].astype(float).astype(int)
    x = x[x["uid"] != 99999]
    for c in ["i_rev", "i_sales"]:
        x[c] = pd.to_numeric(x[c], errors="coerce").fillna(0.0).astype(float)
    x["state"] = x["state"].astype(str).str.strip()
    x["part"] = x["part"].astype(str).str.strip()
    x["ownership"] = x["ownership"].astype(str).str.strip()
    return x.reset_index(drop=True)


def national_ratio(p18: pd.Series, p23: pd.Series, q18: pd.Series) -> tuple[float, float, float, float]:
    """2018-sales-weighted national 2023/2018 industrial price ratio over states having both years.

    ratio = sum(p23_s q18_s) / sum(p18_s q18_s) (a fixed-quantity index: the US 2023 row is missing
    from the 2023 file, so the national change is rebuilt from the states). Also returns the 10th
    and 90th percentile and the median of the state ratios p23_s / p18_s."""
    both = p23.dropna().index.intersection(p18.index).intersection(q18.index)
    r = float((p23[both] * q18[both]).sum() / (p18[both] * q18[both]).sum())
    ratios = p23[both] / p18[both]
    return r, float(ratios.quantile(0.10)), float(ratios.quantile(0.90)), float(ratios.median())


def state_price_table(shared: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Per state: price_2018, price_2023 (filled), ratio_2023_2018, filled (bool), source text."""
    names = table.set_index("state")["name"]
    p18 = prices_2018(shared)
    p23 = prices_2023(shared, names)
    q18 = industrial_sales_2018(shared)
    r_nat, r_lo, r_hi, r_med = national_ratio(p18, p23, q18)
    rows = []
    for st in table["state"]:
        if st not in p18.index:
            raise KeyError(f"no EIA {YEAR_OLD} industrial price for {st}")
        v18 = float(p18[st])
        v23 = p23.get(st, np.nan)
        if pd.notna(v23):
            src = (
                f"US EIA, Electric Power Annual 2023 (Oct 2024), average revenue per kWh by state, industrial, "
                f"{v23 / 10:.2f} cents/kWh x 10 (../shared/data/{PRICE_2023_FILE}); nominal 2023 $"
            )
            rows.append((st, v18, float(v23), float(v23) / v18, False, src))
        else:
            val = round(v18 * r_nat, 1)
            src = (
                f"Estimate (range {v18 * r_lo:.1f}-{v18 * r_hi:.1f}): {names[st]} is missing from "
                f"../shared/data/{PRICE_2023_FILE}; filled with its {YEAR_OLD} EIA value {v18:.1f} $/MWh "
                f"(avgprice_annual.xlsx, sheet Price, Total Electric Industry, industrial, ../shared/data/"
                f"{PRICE_2018_FILE}) x {r_nat:.4f}, the national {YEAR_OLD}->{YEAR_NEW} industrial price change "
                f"(2018-EIA-861-sales-weighted ratio over the other 48 rows, as the US row is also missing); "
                f"range = 10th-90th percentile of the state ratios ({r_lo:.3f}-{r_hi:.3f}); "
                f"check against EIA Electric Power Annual 2023 Table 2.10; nominal 2023 $"
            )
            rows.append((st, v18, val, val / v18, True, src))
    out = pd.DataFrame(rows, columns=["state", "price_2018", "price_2023", "ratio", "filled", "source"])
    out.attrs.update(national_ratio=r_nat, ratio_p10=r_lo, ratio_p90=r_hi, ratio_median=r_med)
    return out.set_index("state")


# ----------------------------------------------------------------------------- CO2
def co2_table(shared: Path) -> pd.DataFrame:
    """eGRID2022 state STCO2RTA (lb/MWh) and kg/MWh, by USPS code."""
    e = pd.read_csv(shared / EGRID_FILE)
    e = e.set_index(e["PSTATABB"].astype(str).str.strip())
    lb = e["STCO2RTA"].astype(float)
    return pd.DataFrame({"lb": lb, "kg": (lb * LB_TO_KG).round(2)})


def co2_source(lb: float) -> str:
    return (
        f"US EPA, eGRID2022 (data year 2022, released Jan 2024), state table ST22, annual CO2 total output "
        f"emission rate STCO2RTA = {lb:.3f} lb/MWh (../shared/data/{EGRID_FILE}) x 0.45359237 kg/lb, "
        f"rounded to 0.01"
    )


# ----------------------------------------------------------------------------- kept values
def land_source(value: float, old: str) -> str:
    lo, hi = value * 0.7, value * 1.3
    if "New England" in old:
        scope = ("NASS publishes New England (CT, ME, MA, NH, RI, VT) as one region, so the region "
                 "figure is used for each of these states, which adds within-region error; ")
    elif "Maryland" in old:
        scope = "DC has no farmland figure in NASS; Maryland's value is used as a proxy; "
    else:
        scope = ""
    return (
        f"Estimate (range {lo:,.0f}-{hi:,.0f} $/acre, +-30%): farm real estate average value per acre, "
        f"2024, as entered by hand from USDA NASS, Land Values 2024 Summary (Aug 2024); {scope}"
        f"no NASS file is in ../shared/data, so the value is not read from a file here and must be "
        f"checked against that publication; +-30% because a hand-entered state figure may be off by "
        f"a year or more of price growth (~5-10%/yr) plus entry error, and farmland is only a lower "
        f"bound for data-center land (see dc_land_usd_per_acre)"
    )


def water_source(value: float) -> str:
    lo, hi = max(0.0, value - 0.5), min(5.0, value + 0.5)
    return (
        f"Estimate (range {lo:.1f}-{hi:.1f}, +-0.5 on the 0-5 scale): state-level baseline water stress "
        f"(bws_score) in the sense of WRI Aqueduct 4.0 (2023, CC BY 4.0), entered by hand from the "
        f"general pattern of the Aqueduct maps (arid West high, humid East low), not read from a file: "
        f"Aqueduct is not in ../shared/data; +-0.5 because a state aggregate depends on the weighting "
        f"(area vs withdrawals) of its basins, which alone moves scores by about that much; check "
        f"against Aqueduct 4.0 province (state) scores. County withdrawals (USGS 2015) are in "
        f"data/county_water.csv"
    )


def _pue(cdd: float) -> float:
    return float(np.clip(1.10 + 0.08 * cdd / 1000.0, 1.10, 1.45))


def pue_source(old: str) -> str:
    m = re.search(r"CDD = (\d+)", old)
    if not m:
        raise ValueError(f"no 'CDD = n' in pue source: {old!r}")
    cdd = int(m.group(1))
    lo, hi = _pue(cdd * 0.75), _pue(cdd * 1.25)
    return (
        f"Estimate (range {lo:.3f}-{hi:.3f}): derived, pue = clip(1.10 + 0.08 x CDD/1000, 1.10, 1.45) "
        f"with CDD = {cdd} (annual cooling degree days base 65F, a population-weighted state "
        f"approximation in the sense of NOAA NCEI U.S. Climate Normals 1991-2020, entered by hand, not "
        f"read from a NOAA file: none is in ../shared/data); range from CDD +-25%; the 0.08 per 1000 CDD "
        f"slope and the 1.10 floor are modelling assumptions for the design annual PUE of a modern "
        f"hyperscale facility"
    )


def queue_source(value: float, old: str) -> str:
    m = re.search(r"region (.+?) \(state mapped", old) or re.search(r"region: (.+?);", old)
    if not m:
        raise ValueError(f"no region in queue source: {old!r}")
    region = m.group(1)
    return (
        f"Estimate (range {max(0.5, value - 1.0):.1f}-{value + 1.0:.1f} yr): median years from interconnection "
        f"request to commercial operation for projects built 2018-2023, region: {region}; (state mapped to "
        f"its dominant ISO/region), as shown in the regional chart of LBNL, Queued Up: 2024 Edition "
        f"(Rand et al., Apr 2024), entered by hand to 0.5 yr, not read from a file here; +-1 yr because "
        f"chart reading is to 0.5 yr and a state's projects differ from its region's median; generator "
        f"queue used as proxy for large-load timing; to be replaced by values derived from the ISO "
        f"queue files in ../shared/data"
    )


def dc_land_source() -> str:
    lo, hi = DC_LAND_RANGE
    return (
        f"Estimate (range {lo:,.0f}-{hi:,.0f} $/acre): one national figure used for every state, "
        f"~244,000 $/acre = average data-center land price 2024 in Cushman & Wakefield, Data Center "
        f"Development Cost Guide 2025 (figure as quoted in issue 14; the guide is not in ../shared/data, "
        f"check against it); no per-state data-center land file exists, so no state differences are "
        f"claimed; range 0.25x-4x the average because sites in rural markets trade far below the "
        f"average and land-constrained hubs (e.g. Northern Virginia, Silicon Valley) far above it "
        f"(a judgement, not a published range)"
    )


# ----------------------------------------------------------------------------- table
def build(table: pd.DataFrame, shared: Path) -> pd.DataFrame:
    out = table.copy()
    prices = state_price_table(shared, out)
    co2 = co2_table(shared)
    missing = sorted(set(out["state"]) - set(co2.index))
    if missing:
        raise KeyError(f"no eGRID2022 CO2 rate for {missing}")
    st = out["state"]
    out["industrial_price_usd_per_mwh"] = st.map(prices["price_2023"]).astype(float)
    out["industrial_price_source"] = st.map(prices["source"])
    out["co2_kg_per_mwh"] = st.map(co2["kg"]).astype(float)
    out["co2_source"] = [co2_source(float(co2.loc[s, "lb"])) for s in st]
    out["land_source"] = [land_source(float(v), o) for v, o in zip(out["land_value_usd_per_acre"], out["land_source"])]
    out["water_source"] = [water_source(float(v)) for v in out["water_stress_score"]]
    out["pue_source"] = [pue_source(o) for o in out["pue_source"]]
    out["queue_source"] = [queue_source(float(v), o) for v, o in zip(out["queue_years"], out["queue_source"])]
    out["dc_land_usd_per_acre"] = DC_LAND_USD_PER_ACRE
    out["dc_land_source"] = dc_land_source()
    return out


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"state_fips": str}, keep_default_na=False, na_values=[""])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder with the real datasets")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="state_facts.csv to update in place")
    args = ap.parse_args(argv)
    table = read_table(args.out)
    out = build(table, args.shared)
    out.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
    print(f"wrote {len(out)} rows to {args.out}")


if __name__ == "__main__":
    main()
