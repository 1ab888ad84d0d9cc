"""County industrial electricity price -> data/county_price.csv.

Inputs (all in ../shared/data, read-only):

* ``eia861_Sales_Ult_Cust_2018.xlsx``, sheet ``States`` -- US EIA Form 861, 2018: industrial revenue
  (thousand $) and sales (MWh) per utility, state and Part.
* ``pnnl_electricity_entity_mapping_2018.csv`` -- PNNL IM3 county -> utility mapping (from EIA-861 2018
  service territories).
* ``pnnl_county_populations_2000_to_2019.csv`` -- Census county population estimates (column pop_2018).
* ``eia_avgprice_annual_1990_2018.xlsx`` and ``eia_epa2023_state_price_by_sector.csv`` via
  ``build_state_facts.state_price_table`` -- state 2018 and 2023 industrial prices for the 2023 scaling
  and the fallback.

Method (documented in docs/data_validation.md as well):

1. Utility price. Per (utility, state) in EIA-861: revenue and sales summed over Parts A (bundled),
   C (delivery only) and D (bundled by marketers). A Part C row holds only the delivery charge, so its
   energy is priced at the state's Part B (energy-only retailer) average industrial price
   (sum rev_B / sum sales_B of that state) and that revenue is added. Part B retailers have no service
   territory and are not in the county mapping. ``Utility Number 99999`` (adjustments) is dropped.
2. Excluded entities. Utilities whose EIA ownership is ``Federal`` (Bonneville Power Administration,
   WAPA, TVA, US Bureau of Indian Affairs projects) are dropped: they are wholesale suppliers whose few
   retail industrial sales are legacy direct-service contracts at cost-based federal rates (BPA's
   2018 industrial price is 10.4 $/MWh), not the tariff a new load in a county gets, and the mapping
   lists them on every county they touch (BPA on 86 counties). Only BPA and WAPA appear in the mapping.
3. County share. The mapping repeats each utility's state-wide sales on every county row, so a utility's
   industrial sales are split over the counties it is mapped to in that state by each county's share of
   the 2018 population of those counties (a proxy: industrial load does not follow population exactly).
4. County price (2018 $) = sales-weighted mean of the utility prices, weights = the county's share of
   each utility's industrial sales. ``n_utilities`` counts utilities with industrial sales > 0 that
   contribute. Counties with none fall back to the state's 2018 EIA average (``state_fallback`` = True).
5. 2023 scaling: price_usd_per_mwh = price_2018 x (state 2023 price / state 2018 price), the ratio of
   the two state averages in data/state_facts.csv's sources (Wyoming: the national ratio, an estimate).

Output rows: every county of the 48 contiguous states + DC in the mapping, sorted by FIPS.

Usage (from the repo root):
    python data/build/build_county_prices.py [--shared ../shared/data] [--out data/county_price.csv]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_state_facts as bsf  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = bsf.DEFAULT_SHARED
DEFAULT_OUT = REPO_ROOT / "data" / "county_price.csv"
STATE_FACTS = REPO_ROOT / "data" / "state_facts.csv"

MAPPING_FILE = "pnnl_electricity_entity_mapping_2018.csv"
POP_FILE = "pnnl_county_populations_2000_to_2019.csv"
EXCLUDED_OWNERSHIP = ("Federal",)
# 2018 files use older county codes than the Census 2016 boundaries the model uses (data/county_grid.csv):
# DC is 11000 in the PNNL files (11001 in Census), Shannon County SD (46113) was renamed Oglala Lakota
# (46102) in 2015, and Bedford city VA (51515) merged into Bedford County (51019) in 2013 (its 2018
# population is -9999 in the population file, and 51019's 2018 estimate already includes it).
FIPS_RECODE = {"11000": "11001", "46113": "46102", "51515": "51019"}
COLUMNS = ["county_fips", "state", "price_2018_usd_per_mwh", "price_usd_per_mwh", "n_utilities",
           "state_fallback", "source"]


def utility_prices(shared: Path) -> pd.DataFrame:
    """Industrial revenue (k$), sales (MWh) and price ($/MWh) per (uid, state), with ownership."""
    x = bsf.read_eia861_states(shared)
    b = x[x["part"] == "B"].groupby("state")[["i_rev", "i_sales"]].sum()
    p_energy_only = (b["i_rev"] / b["i_sales"]).where(b["i_sales"] > 0)  # k$/MWh
    y = x[x["part"].isin(["A", "C", "D"])].copy()
    is_c = y["part"] == "C"
    y.loc[is_c, "i_rev"] = y.loc[is_c, "i_rev"] + y.loc[is_c, "i_sales"] * y.loc[is_c, "state"].map(p_energy_only).fillna(0.0)
    own = y.groupby(["uid", "state"])["ownership"].first()
    g = y.groupby(["uid", "state"])[["i_rev", "i_sales"]].sum()
    g["ownership"] = own
    g["utility"] = y.groupby(["uid", "state"])["utility"].first()
    g["price"] = (1000.0 * g["i_rev"] / g["i_sales"]).where(g["i_sales"] > 0)
    return g


def county_shares(shared: Path, fips_to_usps: dict[str, str]) -> pd.DataFrame:
    """Mapping rows (county, uid, state) with each county's population share among the utility's
    counties in that state."""
    m = pd.read_csv(shared / MAPPING_FILE, usecols=["County_FIPS", "State_FIPS", "Utility_Number"])
    m["county_fips"] = m["County_FIPS"].astype(int).map(lambda v: f"{v:05d}").replace(FIPS_RECODE)
    m["state"] = (m["State_FIPS"].astype(int) // 1000).map(lambda v: f"{v:02d}").map(fips_to_usps)
    m = m[m["state"].notna()].copy()
    m["uid"] = m["Utility_Number"].astype(int)
    m = m[["county_fips", "state", "uid"]].drop_duplicates()
    pop = pd.read_csv(shared / POP_FILE, dtype={"county_FIPS": str}, usecols=["county_FIPS", "pop_2018"])
    pop = pop[pop["county_FIPS"].str.zfill(5) != "51515"]
    pop = pop.set_index(pop["county_FIPS"].str.zfill(5).replace(FIPS_RECODE))["pop_2018"].astype(float)
    if (pop <= 0).any():
        raise ValueError(f"non-positive 2018 population for {list(pop[pop <= 0].index[:5])}")
    m["pop"] = m["county_fips"].map(pop)
    if m["pop"].isna().any():
        bad = m.loc[m["pop"].isna(), "county_fips"].unique()[:5]
        raise KeyError(f"no 2018 population for counties {list(bad)}")
    m["share"] = m["pop"] / m.groupby(["uid", "state"])["pop"].transform("sum")
    return m


def build(shared: Path, state_table: pd.DataFrame) -> pd.DataFrame:
    fips_to_usps = dict(zip(state_table["state_fips"], state_table["state"]))
    sp = bsf.state_price_table(shared, state_table)
    util = utility_prices(shared)
    keep = util[~util["ownership"].isin(EXCLUDED_OWNERSHIP) & (util["i_sales"] > 0)]
    m = county_shares(shared, fips_to_usps)
    j = m.join(keep[["i_rev", "i_sales"]], on=["uid", "state"], how="inner")
    j["w_sales"] = j["share"] * j["i_sales"]
    j["w_rev"] = j["share"] * j["i_rev"]
    agg = j.groupby("county_fips").agg(w_sales=("w_sales", "sum"), w_rev=("w_rev", "sum"), n=("uid", "nunique"))
    counties = m[["county_fips", "state"]].drop_duplicates("county_fips").set_index("county_fips").sort_index()
    out = counties.join(agg)
    out["n"] = out["n"].fillna(0).astype(int)
    has = out["w_sales"] > 0
    p18 = pd.Series(np.nan, index=out.index)
    p18[has] = 1000.0 * out.loc[has, "w_rev"] / out.loc[has, "w_sales"]
    fallback = ~has
    p18[fallback] = out.loc[fallback, "state"].map(sp["price_2018"])
    ratio = out["state"].map(sp["ratio"])
    res = pd.DataFrame({
        "county_fips": out.index,
        "state": out["state"].to_numpy(),
        "price_2018_usd_per_mwh": p18.round(2).to_numpy(),
        "price_usd_per_mwh": (p18 * ratio).round(2).to_numpy(),
        "n_utilities": out["n"].to_numpy(),
        "state_fallback": fallback.to_numpy(),
    })
    wy_note = "; Wyoming ratio is the national estimate (see state_facts.csv)"
    src_ok = ("EIA-861 2018 industrial revenue/sales of the county's utilities (PNNL 2018 county mapping, "
              "sales split by county population, federal entities excluded) x state 2023/2018 EIA ratio; "
              "see data/build/build_county_prices.py")
    src_fb = ("State fallback (no non-federal utility with industrial sales mapped): EIA 2018 state industrial "
              "average x state 2023/2018 EIA ratio; see data/build/build_county_prices.py")
    res["source"] = np.where(res["state_fallback"], src_fb, src_ok)
    res.loc[res["state"] == "WY", "source"] += wy_note
    return res[COLUMNS]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--states", type=Path, default=STATE_FACTS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    res = build(args.shared, bsf.read_table(args.states))
    res.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
    print(f"wrote {len(res)} rows to {args.out} ({int(res['state_fallback'].sum())} state fallbacks)")


if __name__ == "__main__":
    main()
