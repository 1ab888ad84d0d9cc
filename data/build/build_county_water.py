"""County freshwater withdrawals -> data/county_water.csv.

Source: USGS, Dieter, C.A. et al. (2018), Estimated use of water in the United States, county-level
data for 2015 (ver. 2.0, June 2018), doi:10.5066/F7TB15V5 -- copy at
../shared/data/usgs_water_use_county_2015.csv (first line is a citation; ``header=1``, ``--`` = n/a).

Columns (one row per county of the 48 contiguous states + DC, 5-digit FIPS, sorted):

* ``population_2015`` -- ``TP-TotPop`` (thousands) x 1000.
* ``fresh_withdrawal_mgal_per_day`` -- ``TO-WFrTo``, total freshwater withdrawals, Mgal/d.
* ``fresh_withdrawal_ex_thermo_mgal_per_day`` -- ``TO-WFrTo`` - ``PT-WFrTo`` (thermoelectric power
  fresh withdrawals removed: once-through cooling dominates the total in counties with a power plant).
* ``total_withdrawal_mgal_per_day`` -- ``TO-Wtotl`` (fresh + saline).
* ``fresh_withdrawal_gal_per_capita_day`` -- fresh withdrawals x 1e6 / population.

These are withdrawals (use), not water stress (use relative to renewable supply, as in WRI Aqueduct):
a county indicator of how much water is already drawn, to be read together with the state
``water_stress_score`` estimate.

Usage (from the repo root):
    python data/build/build_county_water.py [--shared ../shared/data] [--out data/county_water.csv]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "data" / "county_water.csv"
STATE_FACTS = REPO_ROOT / "data" / "state_facts.csv"
USGS_FILE = "usgs_water_use_county_2015.csv"
SOURCE = ("USGS, Dieter et al. (2018), Estimated use of water in the United States, county-level data for "
          "2015 (ver. 2.0), doi:10.5066/F7TB15V5 (../shared/data/usgs_water_use_county_2015.csv): TO-WFrTo, "
          "PT-WFrTo, TO-Wtotl (Mgal/d), TP-TotPop (thousands); built by data/build/build_county_water.py")


def build(shared: Path, states: set[str]) -> pd.DataFrame:
    u = pd.read_csv(shared / USGS_FILE, header=1, na_values="--",
                    usecols=["FIPS", "STATE", "TP-TotPop", "TO-WFrTo", "PT-WFrTo", "TO-Wtotl"])
    u = u[u["STATE"].isin(states)].copy()
    pop = u["TP-TotPop"].astype(float) * 1000.0
    fresh = u["TO-WFrTo"].astype(float)
    out = pd.DataFrame({
        "county_fips": u["FIPS"].astype(int).map(lambda v: f"{v:05d}"),
        "state": u["STATE"],
        "population_2015": pop.round(0).astype(int),
        "fresh_withdrawal_mgal_per_day": fresh.round(2),
        "fresh_withdrawal_ex_thermo_mgal_per_day": (fresh - u["PT-WFrTo"].astype(float)).clip(lower=0).round(2),
        "total_withdrawal_mgal_per_day": u["TO-Wtotl"].astype(float).round(2),
        "fresh_withdrawal_gal_per_capita_day": (fresh * 1e6 / pop).round(1),
        "source": SOURCE,
    })
    if out.drop(columns="source").isna().any().any():
        raise ValueError("missing values in USGS columns")
    return out.sort_values("county_fips").reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    states = set(pd.read_csv(STATE_FACTS, usecols=["state"])["state"])
    out = build(args.shared, states)
    out.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
    print(f"wrote {len(out)} rows to {args.out}")


if __name__ == "__main__":
    main()
