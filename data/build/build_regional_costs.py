"""Regional cost tables for new generation (issue 24, item 3) from ../shared/data.

    python data/build/build_regional_costs.py [--data-dir ../shared/data] [--out data]

writes (deterministically; needs ``data/county_zone.csv`` from build_zones.py):

* ``zone_gas_price.csv``          per ReEDS zone and model year 2026-2035: delivered gas to power plants =
                                  AEO2025 Reference price of the zone's census division + the zone state's
                                  basis (EIA state price to power plants minus the division's, 2023-2024)
* ``county_capex_multiplier.csv`` per county: EIA/ReEDS regional capital-cost multiplier by new-generation type
* ``zone_capex_multiplier.csv``   per zone: the mean over its counties

Method and caveats: docs/supply_data.md ("Regional costs"). The shared files are only read, never copied.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_DATA_DIR = Path(os.environ.get("SITING_DATA_DIR", REPO.parent / "shared" / "data"))
MODEL_YEARS: tuple[int, ...] = tuple(range(2026, 2036))
AEO_CASE = "Reference Case"
BASIS_YEARS = (2023, 2024)  # both in (or deflatable to) 2024 $; 2025 has no CPI here and 13 states without data
MIN_MONTHS = 6  # a state-year needs this many published months to enter the basis

# US BLS CPI-U, U.S. city average, all items, annual averages: 2023 = 304.702 (as in build_supply_costs.py),
# 2024 = 313.689 (BLS, bls.gov/regions/mid-atlantic/data/xg-tables/ro3xg01.htm: annual average 2024, +2.9 %).
CPI_2023 = 304.702
CPI_2024 = 313.689

# new-generation type -> column of reeds/reg_cap_cost_diff_county.csv (multiplier = 1 + value); wind and PV
# are not in the file (multiplier 1, as the file's README row says).
CAPEX_COLUMN = {
    "gas_cc": "COMBINED_CYCLE",
    "gas_ct": "COMBUSTION_TURBINE|CONSUME|LFILL|OGS",
    "battery_4h": "BATTERY|PVB",
}
NO_ADJUSTMENT = ("solar", "onshore_wind")
CAPEX_SOURCE = (
    "NREL ReEDS county regional capital-cost adjustment from the location factors of EIA's capital-cost report for "
    "AEO2025 (shared/data/reeds/reg_cap_cost_diff_county.csv, BSD-3-Clause): multiplier = 1 + value; gas_cc "
    "COMBINED_CYCLE, gas_ct COMBUSTION_TURBINE|..., battery_4h BATTERY|PVB; solar and onshore wind not listed -> 1"
)


def _key(name: str) -> str:
    """Census division spelled any of the three ways (Mid_Atlantic, Middle Atlantic, MiddleAtlantic) -> one key."""
    k = re.sub(r"[^a-z]", "", str(name).lower())
    return k.replace("midatlantic", "middleatlantic")


def division_prices(data_dir: Path) -> pd.DataFrame:
    """AEO2025 Reference delivered-to-power gas price, 2024 $/MMBtu: index division key, columns years."""
    g = pd.read_csv(data_dir / "fuel" / "ng_price_electric_AEO2025_cendiv_3cases_long.csv")
    g = g.loc[(g["case"] == AEO_CASE) & (g["census_division"] != "Total")]
    g = g.assign(key=g["census_division"].map(_key))
    return g.pivot(index="key", columns="year", values="ng_price_2024usd_per_mmbtu")


def state_prices(data_dir: Path) -> pd.DataFrame:
    """EIA N3045 state median monthly price to power plants, 2024 $/MMBtu, for BASIS_YEARS with >= MIN_MONTHS
    published months: state, year, div_key (census division, fuel/st_cendiv.csv), price_2024."""
    s = pd.read_csv(data_dir / "fuel" / "eia_N3045_delivered_gas_electric_power_by_state_annual_2023_2025.csv")
    s = s.loc[s["year"].isin(BASIS_YEARS) & (s["n_months"] >= MIN_MONTHS) & s["median_usd_mmbtu"].notna()].copy()
    s["price_2024"] = s["median_usd_mmbtu"] * s["year"].map({2023: CPI_2024 / CPI_2023, 2024: 1.0})
    sd = pd.read_csv(data_dir / "fuel" / "st_cendiv.csv")
    s = s.merge(sd.assign(div_key=sd["cendiv"].map(_key))[["st", "div_key"]], left_on="state", right_on="st")
    return s[["state", "year", "div_key", "price_2024"]]


def zone_basis(zones: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Per zone (zone, state, div_key = the zone's ReEDS gas division): basis (2024 $/MMBtu) = mean over the
    years of the zone state's median price minus the mean of the medians of the states in that division
    that year (census divisions of fuel/st_cendiv.csv), and the number of years used (0: no basis).

    Comparing medians with medians keeps winter spikes (New England, the West), which a median drops, out of
    the basis; AEO's division price carries the level. The division is the zone's (ReEDS puts 4 zones in a
    neighbouring division: western SD, eastern MT and NM, El Paso), so the basis is measured against it."""
    div_mean = prices.groupby(["div_key", "year"])["price_2024"].mean().rename("div_mean").reset_index()
    z = zones[["zone", "state", "div_key"]].merge(prices[["state", "year", "price_2024"]], on="state", how="left")
    z = z.merge(div_mean, on=["div_key", "year"], how="left")
    z["diff"] = z["price_2024"] - z["div_mean"]
    out = z.groupby("zone").agg(basis_usd2024=("diff", "mean"), basis_years=("diff", "count"))
    return out.fillna({"basis_usd2024": 0.0})


def zone_gas_price(data_dir: Path, years: tuple[int, ...] = MODEL_YEARS) -> pd.DataFrame:
    """zone x year: division price, state basis, delivered price in 2024 $ and 2023 $ (the ATB dollar year)."""
    h = pd.read_csv(data_dir / "reeds" / "z134_hierarchy.csv")
    h = h.loc[h["country"] == "USA", ["ba", "cendiv", "st"]].rename(columns={"ba": "zone", "st": "state"})
    div = division_prices(data_dir)
    h["div_key"] = h["cendiv"].map(_key)
    missing = sorted(set(h["div_key"]) - set(div.index))
    if missing:
        raise ValueError(f"ng_price_electric_AEO2025_cendiv_3cases_long.csv: no division '{missing[0]}'")
    basis = zone_basis(h, state_prices(data_dir))
    rows = h.merge(pd.DataFrame({"year": list(years)}), how="cross")
    rows["division_usd2024_per_mmbtu"] = [float(div.at[k, y]) for k, y in zip(rows["div_key"], rows["year"])]
    rows["basis_usd2024_per_mmbtu"] = rows["zone"].map(basis["basis_usd2024"])
    rows["basis_years"] = rows["zone"].map(basis["basis_years"]).astype(int)
    rows["gas_usd2024_per_mmbtu"] = rows["division_usd2024_per_mmbtu"] + rows["basis_usd2024_per_mmbtu"]
    rows["gas_usd_per_mmbtu"] = rows["gas_usd2024_per_mmbtu"] * CPI_2023 / CPI_2024
    rows["method"] = np.where(
        rows["basis_years"] > 0, "division + state basis", "division only (no published state price 2023-2024)"
    )
    # One short source per row (the full statement is in data/SOURCES.md): keeps the table small.
    rows["source"] = "EIA AEO2025 Reference division price + EIA N3045 state basis 2023-2024 (data/SOURCES.md)"
    for c in ("division_usd2024_per_mmbtu", "basis_usd2024_per_mmbtu", "gas_usd2024_per_mmbtu", "gas_usd_per_mmbtu"):
        rows[c] = rows[c].round(4)
    zkey = lambda s: s.str[1:].astype(int) if s.name == "zone" else s  # noqa: E731
    rows = rows.sort_values(["zone", "year"], key=zkey).reset_index(drop=True)
    return rows[[
        "zone", "year", "state", "cendiv", "division_usd2024_per_mmbtu", "basis_usd2024_per_mmbtu", "basis_years",
        "gas_usd2024_per_mmbtu", "gas_usd_per_mmbtu", "method", "source",
    ]]  # fmt: skip


def county_capex_multiplier(data_dir: Path, counties: gpd.GeoDataFrame, county_zone: pd.DataFrame) -> pd.DataFrame:
    """Per county of ``county_zone``: 1 + the ReEDS county value per type. Counties without a row: the mean of
    their same-state neighbours (touching polygons), else of the other counties of their zone, else of the
    state's rows (Connecticut: the file uses the 2022 planning regions 09110-09190, not the counties)."""
    r = pd.read_csv(data_dir / "reeds" / "reg_cap_cost_diff_county.csv")
    r["county_fips"] = r["r"].str[1:]
    vals = r.set_index("county_fips")[list(CAPEX_COLUMN.values())].astype(float) + 1.0
    vals.columns = list(CAPEX_COLUMN)
    cz = county_zone[["county_fips", "zone", "state"]].copy()
    out = cz.join(vals, on="county_fips")
    out["method"] = np.where(out["gas_cc"].notna(), "county row", "")
    miss = out.index[out["gas_cc"].isna()]
    if len(miss):
        geo = gpd.GeoDataFrame(
            {"county_fips": counties.index.astype(str)}, geometry=counties.geometry.to_numpy(), crs=counties.crs
        )
        geo = geo.merge(out[["county_fips", "state", *CAPEX_COLUMN]], on="county_fips")
        m = geo.loc[geo["county_fips"].isin(out.loc[miss, "county_fips"])]
        pairs = gpd.sjoin(m[["county_fips", "state", "geometry"]], geo, predicate="touches", lsuffix="m", rsuffix="n")
        pairs = pairs.loc[(pairs["state_m"] == pairs["state_n"]) & pairs["gas_cc"].notna()]
        neigh = pairs.groupby("county_fips_m")[list(CAPEX_COLUMN)].mean()
        state_fips = r["county_fips"].str[:2]
        fips2st = cz.assign(sf=cz["county_fips"].str[:2]).drop_duplicates("sf").set_index("sf")["state"]
        state_mean = vals.groupby(state_fips.map(fips2st).to_numpy()).mean()
        zone_mean = out.loc[out["gas_cc"].notna()].groupby("zone")[list(CAPEX_COLUMN)].mean()
        for i in miss:
            f, st, z = out.at[i, "county_fips"], out.at[i, "state"], out.at[i, "zone"]
            if f in neigh.index:
                out.loc[i, list(CAPEX_COLUMN)] = neigh.loc[f].to_numpy()
                out.at[i, "method"] = "mean of same-state neighbours (no county row)"
            elif z in zone_mean.index:
                out.loc[i, list(CAPEX_COLUMN)] = zone_mean.loc[z].to_numpy()
                out.at[i, "method"] = "mean of the zone's counties with a row (no county row, no same-state neighbour)"
            else:
                out.loc[i, list(CAPEX_COLUMN)] = state_mean.loc[st].to_numpy()
                out.at[i, "method"] = "state mean (no county row, no same-state neighbour, no zone county with one)"
    for t in NO_ADJUSTMENT:
        out[t] = 1.0
    cols = ["gas_cc", "gas_ct", "solar", "onshore_wind", "battery_4h"]
    out[cols] = out[cols].astype(float).round(4)
    out["source"] = "ReEDS reg_cap_cost_diff_county.csv (EIA AEO2025 location factors), 1 + value (data/SOURCES.md)"
    return out[["county_fips", "zone", *cols, "method", "source"]].sort_values("county_fips").reset_index(drop=True)


def zone_capex_multiplier(county: pd.DataFrame) -> pd.DataFrame:
    """Per zone: the unweighted mean of its counties' multipliers (where in the zone a plant goes is not modelled)."""
    cols = ["gas_cc", "gas_ct", "solar", "onshore_wind", "battery_4h"]
    z = county.groupby("zone")[cols].mean().round(4)
    z["n_counties"] = county.groupby("zone").size()
    z["source"] = "mean over the zone's counties of data/county_capex_multiplier.csv; " + CAPEX_SOURCE
    z = z.reset_index()
    return z.sort_values("zone", key=lambda s: s.str[1:].astype(int)).reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    from model.inputs.datasets import load_counties

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "data")
    args = ap.parse_args(argv)
    cz = pd.read_csv(args.out / "county_zone.csv", dtype={"county_fips": str})
    gas = zone_gas_price(args.data_dir)
    county = county_capex_multiplier(args.data_dir, load_counties(), cz)
    zone = zone_capex_multiplier(county)
    gas.to_csv(args.out / "zone_gas_price.csv", index=False, lineterminator="\n")
    county.to_csv(args.out / "county_capex_multiplier.csv", index=False, lineterminator="\n")
    zone.to_csv(args.out / "zone_capex_multiplier.csv", index=False, lineterminator="\n")
    print(f"wrote zone_gas_price.csv ({len(gas)} rows), county_capex_multiplier.csv ({len(county)}), "
          f"zone_capex_multiplier.csv ({len(zone)})")
    g = gas.pivot(index="zone", columns="year", values="gas_usd_per_mmbtu")
    print("gas 2023 $/MMBtu over zones:", g[[2026, 2030, 2035]].describe().round(2).to_string())
    print(county["method"].value_counts().to_string())
    print(zone[["gas_cc", "gas_ct", "battery_4h"]].describe().round(4).to_string())


if __name__ == "__main__":
    main()
