"""Derive state industrial electricity prices for data/state_facts.csv.

Source: US EIA, "Average Price by State by Provider" (from Form EIA-861),
file avgprice_annual.xlsx (copy at ../shared/data/eia_avgprice_annual_1990_2018.xlsx).
Rule: sheet "Price", header row 1, Year == 2018, Industry Sector Category ==
"Total Electric Industry", column "Industrial" (nominal cents/kWh) x 10 -> $/MWh.

Only the columns ``industrial_price_usd_per_mwh`` and ``industrial_price_source``
of the state table are rewritten; every other column is left untouched.

Usage (from the repo root):
    python data/build/build_state_prices.py [--xlsx PATH] [--out data/state_facts.csv]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_XLSX = REPO_ROOT.parent / "shared" / "data" / "eia_avgprice_annual_1990_2018.xlsx"
DEFAULT_OUT = REPO_ROOT / "data" / "state_facts.csv"

YEAR = 2018
PRICE_COL = "industrial_price_usd_per_mwh"
SOURCE_COL = "industrial_price_source"
SOURCE_TEXT = (
    "US EIA, Average Price by State by Provider (EIA-861), avgprice_annual.xlsx, sheet Price, "
    f"{YEAR} Total Electric Industry industrial, nominal cents/kWh x 10"
)


def compute_prices(xlsx: Path | str, year: int = YEAR) -> pd.Series:
    """Return industrial price in $/MWh indexed by USPS state code."""
    df = pd.read_excel(xlsx, sheet_name="Price", header=1)
    sel = df[(df["Year"] == year) & (df["Industry Sector Category"] == "Total Electric Industry")]
    prices = sel.set_index(sel["State"].astype(str).str.strip())["Industrial"].astype(float) * 10.0
    prices = prices.round(2)
    prices.name = PRICE_COL
    if prices.index.duplicated().any():
        raise ValueError("duplicate state rows in EIA price sheet")
    return prices


def update_table(table: pd.DataFrame, prices: pd.Series) -> pd.DataFrame:
    """Set the two price columns of the state table from ``prices``."""
    out = table.copy()
    missing = sorted(set(out["state"]) - set(prices.index))
    if missing:
        raise KeyError(f"no EIA {YEAR} industrial price for: {missing}")
    out[PRICE_COL] = out["state"].map(prices).astype(float)
    out[SOURCE_COL] = SOURCE_TEXT
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xlsx", type=Path, default=DEFAULT_XLSX, help="EIA avgprice_annual.xlsx")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="state_facts.csv to update in place (must already hold the other columns)")
    args = ap.parse_args(argv)

    table = pd.read_csv(args.out, dtype={"state_fips": str}, keep_default_na=False, na_values=[""])
    updated = update_table(table, compute_prices(args.xlsx))
    updated.to_csv(args.out, index=False, encoding="utf-8")
    print(f"wrote {len(updated)} rows to {args.out}")


if __name__ == "__main__":
    main()
