"""Energy at scale (issue 24, item 1): how much new load a county's utility serves at its tariff, what a campus
pays beyond that, and what a firm import between zones costs.

    python data/build/build_energy_scale.py [--data-dir ../shared/data] [--repo-data data] [--out data]

writes (deterministically) from ../shared/data and the repository's own tables:

* ``county_utility_scale.csv``      per candidate county (3,108): the serving utility (the county price's largest
                                    utility), its 2018 sales, estimated peak and ``tariff_mw``, the MW of new large
                                    load it serves at its tariff price (a share of its peak)
* ``zone_marginal_price.csv``       per ReEDS zone (134) and model year 2026-2035: the energy price beyond the tariff
                                    (a wholesale hub where held, else a gas combined cycle's variable cost) and the
                                    delivery adder (large-load tariff demand charges at the campus load factor)
* ``energy_scale_assumptions.csv``  the rule's share of peak, the minimum-demand (take-or-pay) share of the large-load
                                    tariffs, and the wheeling cost of firm imports between transmission providers

All dollars are 2023 dollars (the county prices' and ATB's year). Method, numbers and caveats:
docs/supply_data.md section 8; sources: data/SOURCES.md. The shared files are only read, never copied.

Rules (each number's source is in the constants below and in the tables' source columns):

1. Serving utility: among the county's utilities in the PNNL 2018 mapping with EIA-861 2018 sales (Parts A, C, D:
   bundled, delivery-only and bundled-by-marketer rows, the rows the county price uses) and not federally owned
   (BPA, WAPA: excluded as in the county price), the one with the highest estimated sales IN the county (its in-state
   sales x the county's share of the 2018 population of the utility's counties in the state, the split the county
   price uses); ties: the lower utility number. 10 counties have none: their ``tariff_mw`` is their zone's median.
2. Sales = the serving utility's EIA-861 2018 Parts A + C + D sales summed over every state it serves (its system);
   peak = sales / (8,760 h x the load factor of data/zone_supply.csv, from EIA-930, of the utility's home zone: the
   zone holding most of its estimated sales); range from the lowest and highest of those load factors.
3. tariff_mw = TARIFF_SHARE x peak (estimate 0.05, range 0.02-0.10, reasoning in TARIFF_SHARE_SOURCE).
4. Energy beyond the tariff, zone z, year y (2023 $/MWh): where a hub stands for z (HUB_ZONES),
   hub mean 2024 x CPI 2023/2024 + HR_cc x (gas_z,y - gas_z,2024); elsewhere HR_cc x gas_z,y + VOM_cc (ATB 2025 gas
   CC, data/new_generation_costs.csv; gas from data/zone_gas_price.csv). The gas CC and CT variable costs are kept in
   every row for comparison.
5. Delivery: the median peak demand charge ($/kW-month) of the held large-load tariffs of the zone's state (national
   median where the state has none), x CPI 2023 / 2025H1, x 12 months / (8,760 h x the campus load factor of
   data/cost_assumptions.csv) -> $/MWh.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(HERE), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)
import build_county_prices as bcp
import build_regional_costs as brc
import build_state_facts as bsf

DEFAULT_DATA_DIR = Path(os.environ.get("SITING_DATA_DIR", REPO.parent / "shared" / "data"))
MODEL_YEARS: tuple[int, ...] = tuple(range(2026, 2036))
HOURS_PER_YEAR = 8760.0

MAPPING_FILE = "pnnl_electricity_entity_mapping_2018.csv"
HUB_FILE = "prices/wholesale_hourly_4hubs_2020_2024.parquet"
TARIFF_FILE = "tariffs/large_load_tariffs_community-energy.csv"
AEO_FILE = "fuel/ng_price_electric_AEO2025_cendiv_3cases_long.csv"

# US BLS CPI-U, U.S. city average, all items: annual averages 2023 = 304.702 and 2024 = 313.689 (as in
# build_regional_costs.py); first half of 2025 = 320.229 (BLS, "Mountain-Plains - Consumer Prices", CPI-U U.S. city
# average table, column "1st half 2025", bls.gov/regions/mountain-plains/cpi-summary/ro7xg01a.htm). The tariffs are
# 2025 rates (74 of 86 rows effective in 2025), so 2025H1 is their price level.
CPI_2023 = brc.CPI_2023
CPI_2024 = brc.CPI_2024
CPI_2025H1 = 320.229

# Rule 1: entities the county price excludes (build_county_prices.EXCLUDED_OWNERSHIP).
SALES_PARTS = ("A", "C", "D")
# Texas transmission-and-distribution utilities in retail choice (ERCOT): the PNNL mapping lists them with sales -9999
# and EIA-861 2018 has no sales row for them; energy in their areas is sold by competitive retailers, so a campus there
# buys at market at any size (flag only; the rule is applied as elsewhere). Utility numbers as in the mapping.
TEXAS_TDU = {44372: "Oncor Electric Delivery", 3278: "AEP Texas Central", 20404: "AEP Texas North",
             40051: "Texas-New Mexico Power", 8901: "CenterPoint Energy"}  # fmt: skip

# Rule 3.
TARIFF_SHARE = 0.05
TARIFF_SHARE_LOW = 0.02
TARIFF_SHARE_HIGH = 0.10
TARIFF_SHARE_SOURCE = (
    "estimate 0.05 of the serving utility's estimated peak (range 0.02-0.10). Central: Grant County PUD (WA) moves a "
    "class of business that could use more than 5 percent of the PUD's total load to its higher-cost Rate Schedule 17 "
    "(concentration risk; Columbia Basin Herald, 'Grant PUD discusses criteria for new rate class', 2018-07-05). Low: "
    "Chelan County PUD's high-density-load Rate 35 applies up to 5 average MW at a single meter (Chelan PUD news, "
    "2016-06-07): 5 aMW at a 0.8 load factor = 6.25 MW = 1.9 percent of Chelan PUD's estimated peak; larger loads get "
    "wholesale-market energy under its large-load framework (American Public Power Association, 2024-07; Chelan PUD, "
    "2025-06-17: Microsoft's Malaga campus gets third-party energy, up to 18 MW of surplus hydro at market-based "
    "prices). High: a new firm load of 10 percent of peak uses most of a utility's planning reserve (NERC 2023 LTRA "
    "reference margins 11-21 percent, shared/data/reeds/prm_annual_nercr.csv), beyond which new capacity is priced "
    "at the margin. Context: BPA's New Large Single Load rule denies its cost-based rate to a new load of 10 aMW or "
    "more at one facility (16 U.S.C. 839a(13)); large-load tariffs of large IOUs (Evergy > 75 MW, Consumers > 100 MW) "
    "keep tariff pricing with protections (Kansas order: 7-10 percent above industrial rates, as reported in 2025)"
)

# Rule 4: which hub stands for which ReEDS zones (docs/supply_data.md section 8 gives the serving utilities).
HUB_ZONES: dict[str, tuple[str, ...]] = {
    # ERCOT's hub average (North, Houston, South, West hubs): the seven ERCOT zones (nercr ERCOT).
    "HB_HUBAVG": ("p60", "p61", "p62", "p63", "p64", "p65", "p67"),
    # NP15 = PG&E's area in CAISO: p9 (PG&E 48.2 of its 59.2 TWh of 2018 county sales; SMUD most of the rest).
    # p10/p11 (SCE, San Diego) are SP15: no hub held, gas method.
    "TH_NP15_GEN-APND": ("p9",),
    # PJM's Dominion zone: p99 and p100, whose largest serving utility is Virginia Electric & Power.
    "DOM zone": ("p99", "p100"),
    # NYISO zone F (Capital) for p127, New York outside Long Island (zones A-J; New York City's zone J prices higher).
    "CAPITL": ("p127",),
}
HUB_YEAR = 2024
HUB_SOURCE = {
    "HB_HUBAVG": "ERCOT day-ahead settlement point price, hub average HB_HUBAVG",
    "TH_NP15_GEN-APND": "CAISO OASIS day-ahead LMP, NP15 trading hub TH_NP15_GEN-APND",
    "DOM zone": "PJM real-time hourly zonal LMP, Dominion zone",
    "CAPITL": "NYISO day-ahead zonal LBMP, Capital zone (F)",
}
HUB_COMMON_SOURCE = (
    "2024 (UTC calendar year) mean of hourly prices, time-weighted as a flat campus load draws, shared/data/"
    "prices/wholesale_hourly_4hubs_2020_2024.parquet (HewlettPackard/green-dcc, MIT; ISO data public), nominal -> 2023 $ "
    "x CPI-U 304.702/313.689; 2024 rather than 2022-2024 because 2022's gas price (AEO2025 US electric-sector 7.52 "
    "2024$/MMBtu) is 1.7-2.5 times AEO's 2026-2035 path (3.02-4.52) while 2024's (2.72) is near its start"
)

HUB_TEXT = (
    HUB_COMMON_SOURCE + "; hubs -> ReEDS zones: " + "; ".join(f"{HUB_SOURCE[h]} -> {', '.join(z)}" for h, z in HUB_ZONES.items())
)


# Minimum demand / take-or-pay (energy_scale_assumptions.csv).
MIN_DEMAND_SOURCE = (
    "median prot_minimum_demand_pct of the 17 take-or-pay large-load tariffs and of the 19 data-center-specific ones "
    "(both 80 %), shared/data/tariffs/large_load_tariffs_community-energy.csv (community-energy, MIT; screening-grade, "
    "hand-compiled; its minimum-demand % equals its ratchet % in every row); range: the lowest (60 %: TVA, Alabama "
    "Power, Mississippi Power) and highest (95 %: Georgia Power) positive value; 47 of the 86 tariffs state none"
)

# Item 3: wheeling of firm imports.
OATT_USD_PER_KW_YEAR_2024 = 31.55
WHEELING_SOURCE = (
    "estimate from one FERC OATT rate: Idaho Power's Open Access Transmission Tariff rate 31.55 $/kW-year for the "
    "year from 1 Oct 2024 (IDACORP 10-K 2024, XBRL 'Open Access Transmission Tariff Rates', sec.gov/Archives/edgar/"
    "data/1057877/000105787725000014/R74.htm; 30.74 in 2023, 31.42 in 2022), x CPI-U 304.702/313.689 -> 2023 $, "
    "billed on the reserved kW whether used or not (take or pay: BPA, 'Point-to-Point Transmission Service', bpa.gov) "
    "and spread over the energy of a reservation used at the campus load factor. Range: the same rate used 8,760 h "
    "(low) to two providers' rates pancaked at the campus load factor (high). No other provider's OATT rate was found "
    "in the reachable sources; losses (a few percent of the energy in most OATTs) are not included"
)
WITHIN_RTO_SOURCE = (
    "estimate 0: inside one ISO/RTO (ReEDS transreg CAISO, ERCOT, ISONE, MISO, NYISO, PJM, SPP) transmission is one "
    "regional tariff charged to load where it is served (the campus's delivery adder) with no pancaked point-to-point "
    "charge; congestion and losses are in the zones' price differences (zone_marginal_price.csv)"
)
RTO_TRANSREGS = ("CAISO", "ERCOT", "ISONE", "MISO", "NYISO", "PJM", "SPP")

UTILITY_COLUMNS = [
    "county_fips", "state", "zone", "utility_id", "utility_name", "ownership", "n_utilities", "county_sales_share",
    "sales_mwh", "sales_state_mwh", "load_factor", "peak_mw", "peak_low_mw", "peak_high_mw", "tariff_share",
    "tariff_mw", "tariff_low_mw", "tariff_high_mw", "texas_tdu", "method", "sales_source", "peak_source", "tariff_source",
]  # fmt: skip
PRICE_COLUMNS = [
    "zone", "year", "state", "transreg", "hub", "hub_2024_usd_per_mwh", "gas_usd_per_mmbtu", "gas_2024_usd_per_mmbtu",
    "gas_cc_usd_per_mwh", "gas_ct_usd_per_mwh", "energy_usd_per_mwh", "demand_charge_usd_per_kw_month", "n_tariffs",
    "delivery_usd_per_mwh", "delivery_low_usd_per_mwh", "delivery_high_usd_per_mwh", "beyond_tariff_usd_per_mwh",
    "large_load_blended_usd_per_mwh", "method", "source",
]  # fmt: skip


def _zone_order(s: pd.Series) -> pd.Series:
    return s.str[1:].astype(int) if s.name == "zone" else s


# ------------------------------------------------------------------------------------------------ county utilities


def utility_sales(shared: Path) -> pd.DataFrame:
    """EIA-861 2018 per (uid, state): total sales of Parts A, C, D (MWh), ownership and name."""
    x = bsf.read_eia861_states(shared)
    x["tot_sales"] = pd.to_numeric(x["tot_sales"], errors="coerce").fillna(0.0).astype(float)
    y = x.loc[x["part"].isin(SALES_PARTS)]
    g = y.groupby(["uid", "state"]).agg(
        sales_state_mwh=("tot_sales", "sum"), ownership=("ownership", "first"), utility_name=("utility", "first")
    )
    g["sales_mwh"] = g.groupby(level="uid")["sales_state_mwh"].transform("sum")
    return g


def serving_utilities(shared: Path, state_table: pd.DataFrame, county_zone: pd.Series) -> tuple[pd.DataFrame, set[str]]:
    """Per county of the PNNL mapping with one: the serving utility (rule 1), its sales, its share of the county's
    estimated sales, the number of utilities counted and the utility's home zone (the zone holding most of its
    estimated sales, so that its peak and tariff_mw are one number wherever it serves), index county_fips; and the
    counties the mapping gives a Texas TDU (TEXAS_TDU)."""
    fips_to_usps = dict(zip(state_table["state_fips"], state_table["state"]))
    m = bcp.county_shares(shared, fips_to_usps)
    sales = utility_sales(shared)
    keep = sales.loc[~sales["ownership"].isin(bcp.EXCLUDED_OWNERSHIP) & (sales["sales_state_mwh"] > 0)]
    j = m.join(keep, on=["uid", "state"], how="inner")
    j["county_mwh"] = j["share"] * j["sales_state_mwh"]
    j["zone"] = j["county_fips"].map(county_zone)
    by_zone = j.dropna(subset=["zone"]).groupby(["uid", "zone"], as_index=False)["county_mwh"].sum()
    by_zone = by_zone.sort_values(["uid", "county_mwh", "zone"], ascending=[True, False, True], kind="stable")
    home = by_zone.drop_duplicates("uid").set_index("uid")["zone"]
    j = j.sort_values(["county_fips", "county_mwh", "uid"], ascending=[True, False, True], kind="stable")
    serving = j.drop_duplicates("county_fips").set_index("county_fips")
    total = j.groupby("county_fips")["county_mwh"].sum()
    out = serving[["uid", "utility_name", "ownership", "sales_mwh", "sales_state_mwh"]].copy()
    out["home_zone"] = out["uid"].map(home)
    out["n_utilities"] = j.groupby("county_fips")["uid"].nunique()
    out["county_sales_share"] = serving["county_mwh"] / total
    tdu = set(m.loc[m["uid"].isin(list(TEXAS_TDU)), "county_fips"])
    return out, tdu


def county_utility_scale(shared: Path, repo_data: Path) -> pd.DataFrame:
    """The county_utility_scale.csv table (module docstring, rules 1-3), one row per county of county_price.csv."""
    state_table = bsf.read_table(repo_data / "state_facts.csv")
    counties = pd.read_csv(repo_data / "county_price.csv", dtype={"county_fips": str})[["county_fips", "state"]]
    cz = pd.read_csv(repo_data / "county_zone.csv", dtype={"county_fips": str}).set_index("county_fips")
    zs = pd.read_csv(repo_data / "zone_supply.csv").set_index("zone")
    serv, tdu = serving_utilities(shared, state_table, cz["zone"])
    out = counties.join(serv, on="county_fips")
    out["zone"] = out["county_fips"].map(cz["zone"])
    if out["zone"].isna().any():
        raise KeyError(f"county_zone.csv: no zone for county {out.loc[out['zone'].isna(), 'county_fips'].iloc[0]}")
    out["load_factor"] = out["home_zone"].fillna(out["zone"]).map(zs["load_factor"]).astype(float)
    lf_low, lf_high = float(zs["load_factor"].min()), float(zs["load_factor"].max())
    has = out["uid"].notna()
    out["peak_mw"] = out["sales_mwh"] / HOURS_PER_YEAR / out["load_factor"]
    out["peak_low_mw"] = out["sales_mwh"] / HOURS_PER_YEAR / lf_high
    out["peak_high_mw"] = out["sales_mwh"] / HOURS_PER_YEAR / lf_low
    out["tariff_share"] = TARIFF_SHARE
    out["tariff_mw"] = TARIFF_SHARE * out["peak_mw"]
    out["tariff_low_mw"] = TARIFF_SHARE_LOW * out["peak_low_mw"]
    out["tariff_high_mw"] = TARIFF_SHARE_HIGH * out["peak_high_mw"]
    # Rule 1's fallback: no utility with reported sales -> the zone's median of the other counties.
    med = out.loc[has].groupby("zone")[["peak_mw", "peak_low_mw", "peak_high_mw", "tariff_mw", "tariff_low_mw",
                                        "tariff_high_mw"]].median()  # fmt: skip
    for col in med.columns:
        out.loc[~has, col] = out.loc[~has, "zone"].map(med[col])
    out["texas_tdu"] = out["county_fips"].isin(tdu)
    out["utility_id"] = out["uid"].fillna(0).astype(int)
    out["utility_name"] = out["utility_name"].where(has, "none with reported 2018 sales")
    out["ownership"] = out["ownership"].where(has, "")
    out["n_utilities"] = out["n_utilities"].fillna(0).astype(int)
    for c in ("sales_mwh", "sales_state_mwh", "county_sales_share"):
        out[c] = out[c].where(has, 0.0)
    out["method"] = np.where(
        has,
        "largest estimated 2018 sales in the county",
        "zone median: no non-federal utility with EIA-861 2018 sales in the county",
    )
    # One short source per row (the full statements are in data/SOURCES.md and energy_scale_assumptions.csv).
    out["sales_source"] = "EIA-861 2018 Parts A+C+D, all states; PNNL 2018 county mapping (data/SOURCES.md)"
    out["peak_source"] = f"sales / 8760 h / EIA-930 load factor of the home zone (zone_supply.csv); range at {lf_low}-{lf_high}"
    out["tariff_source"] = (
        f"estimate {TARIFF_SHARE} x peak ({TARIFF_SHARE_LOW}-{TARIFF_SHARE_HIGH}), energy_scale_assumptions.csv"
    )
    for c in ("peak_mw", "peak_low_mw", "peak_high_mw", "tariff_mw", "tariff_low_mw", "tariff_high_mw"):
        out[c] = out[c].astype(float).round(3)
    out["county_sales_share"] = out["county_sales_share"].astype(float).round(4)
    out["sales_mwh"] = out["sales_mwh"].astype(float).round(1)
    out["sales_state_mwh"] = out["sales_state_mwh"].astype(float).round(1)
    return out[UTILITY_COLUMNS].sort_values("county_fips").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ zone prices


def hub_means(shared: Path) -> pd.DataFrame:
    """Mean hourly price per hub node and UTC calendar year (nominal $/MWh): index node, columns years."""
    p = pd.read_parquet(shared / HUB_FILE, columns=["node", "datetime_utc", "price_usd_mwh"])
    p["year"] = p["datetime_utc"].dt.year
    return p.groupby(["node", "year"])["price_usd_mwh"].mean().astype(float).unstack("year")


def zone_gas_2024(shared: Path, gas: pd.DataFrame) -> pd.Series:
    """Per zone: 2024 delivered gas, 2023 $/MMBtu = (AEO2025 Reference 2024 division price + the zone's state
    basis, as data/zone_gas_price.csv builds later years) x CPI 2023/2024."""
    div = brc.division_prices(shared)
    z = gas.drop_duplicates("zone").set_index("zone")
    key = z["cendiv"].map(brc._key)
    price = key.map(div[HUB_YEAR]) + z["basis_usd2024_per_mmbtu"]
    return price * CPI_2023 / CPI_2024


def read_tariffs(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / TARIFF_FILE)


def state_blended_rates(tariffs: pd.DataFrame) -> tuple[pd.Series, float]:
    """Per state: the median all-in blended rate ($/kWh, 2025 $) of the held large-load tariffs naming it (the
    compiler's figure for 600 MW at 80 % load factor), and the national median; for comparison only."""
    t = tariffs[["state", "blendedRatePerKWh"]].assign(st=tariffs["state"].str.split("/")).explode("st")
    return t.groupby(t["st"].str.strip())["blendedRatePerKWh"].median(), float(tariffs["blendedRatePerKWh"].median())


def state_demand_charges(tariffs: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per state: median, min and max peak demand charge (nominal 2025 $/kW-month) over the tariffs that list the
    state (multi-state rows count in each), and the count; plus the national median over all tariffs. Rows with no
    demand charge are left out: the one such row, Black Hills SD's interruptible blockchain service, prices all in
    energy."""
    t = tariffs.loc[tariffs["peak_demand_charge"] > 0, ["state", "peak_demand_charge"]].copy()
    t["st"] = t["state"].str.split("/")
    t = t.explode("st")
    t["st"] = t["st"].str.strip()
    by = t.groupby("st")["peak_demand_charge"].agg(["median", "min", "max", "count"])
    national = float(tariffs.loc[tariffs["peak_demand_charge"] > 0, "peak_demand_charge"].median())
    return by, national


def demand_charge_to_usd_per_mwh(usd_per_kw_month_2025: pd.Series | float, load_factor: float) -> pd.Series | float:
    """$/kW-month (2025 $) of billed demand -> 2023 $/MWh of energy drawn at ``load_factor``: x 1,000 kW/MW x 12
    months / (8,760 h x load factor), x CPI 2023/2025H1."""
    return usd_per_kw_month_2025 * CPI_2023 / CPI_2025H1 * 12_000.0 / (HOURS_PER_YEAR * load_factor)


def zone_marginal_price(shared: Path, repo_data: Path) -> pd.DataFrame:
    """The zone_marginal_price.csv table (module docstring, rules 4-5)."""
    gas = pd.read_csv(repo_data / "zone_gas_price.csv")
    gen = pd.read_csv(repo_data / "new_generation_costs.csv").set_index("type")
    costs = pd.read_csv(repo_data / "cost_assumptions.csv").set_index("name")["value"]
    campus_lf = float(costs["load_factor"])
    hr_cc, vom_cc = float(gen.at["gas_cc", "heat_rate_mmbtu_per_mwh"]), float(gen.at["gas_cc", "vom_usd_per_mwh"])
    hr_ct, vom_ct = float(gen.at["gas_ct", "heat_rate_mmbtu_per_mwh"]), float(gen.at["gas_ct", "vom_usd_per_mwh"])
    rows = gas.loc[gas["year"].isin(MODEL_YEARS), ["zone", "year", "state", "gas_usd_per_mmbtu"]].copy()
    # The zone's ReEDS transmission region: imports between zones of one ISO/RTO carry no wheeling charge.
    rows["transreg"] = rows["zone"].map(pd.read_csv(repo_data / "zone_supply.csv").set_index("zone")["transreg"])
    rows["gas_2024_usd_per_mmbtu"] = rows["zone"].map(zone_gas_2024(shared, gas))
    rows["gas_cc_usd_per_mwh"] = hr_cc * rows["gas_usd_per_mmbtu"] + vom_cc
    rows["gas_ct_usd_per_mwh"] = hr_ct * rows["gas_usd_per_mmbtu"] + vom_ct
    hubs = hub_means(shared)
    zone_hub = {z: h for h, zones in HUB_ZONES.items() for z in zones}
    rows["hub"] = rows["zone"].map(zone_hub).fillna("")
    hub_2024 = rows["hub"].map(hubs[HUB_YEAR] * CPI_2023 / CPI_2024)
    rows["hub_2024_usd_per_mwh"] = hub_2024
    at_hub = rows["hub"] != ""
    rows["energy_usd_per_mwh"] = np.where(
        at_hub, hub_2024 + hr_cc * (rows["gas_usd_per_mmbtu"] - rows["gas_2024_usd_per_mmbtu"]), rows["gas_cc_usd_per_mwh"]
    )
    tariffs = read_tariffs(shared)
    by_state, national = state_demand_charges(tariffs)
    blended, blended_national = state_blended_rates(tariffs)
    st = rows["state"]
    rows["n_tariffs"] = st.map(by_state["count"]).fillna(0).astype(int)
    found = rows["n_tariffs"] > 0
    dc = st.map(by_state["median"]).where(found, national)
    dc_low = st.map(by_state["min"]).where(found, national)
    dc_high = st.map(by_state["max"]).where(found, national)
    rows["demand_charge_usd_per_kw_month"] = dc * CPI_2023 / CPI_2025H1
    rows["delivery_usd_per_mwh"] = demand_charge_to_usd_per_mwh(dc, campus_lf)
    rows["delivery_low_usd_per_mwh"] = demand_charge_to_usd_per_mwh(dc_low, campus_lf)
    rows["delivery_high_usd_per_mwh"] = demand_charge_to_usd_per_mwh(dc_high, campus_lf)
    rows["beyond_tariff_usd_per_mwh"] = rows["energy_usd_per_mwh"] + rows["delivery_usd_per_mwh"]
    # For comparison only (docs/supply_data.md section 8): what the held large-load tariffs charge all in.
    rows["large_load_blended_usd_per_mwh"] = st.map(blended).fillna(blended_national) * 1000.0 * CPI_2023 / CPI_2025H1
    energy_method = np.where(
        at_hub,
        "energy: hub 2024 mean + gas CC heat rate x (zone gas - zone gas 2024)",
        "energy: gas combined-cycle variable cost (heat rate x zone gas + VOM)",
    )
    delivery_method = np.where(
        found,
        "delivery: state median large-load demand charge",
        "delivery: national median large-load demand charge (no tariff held for the state)",
    )
    rows["method"] = pd.Series(energy_method, index=rows.index) + "; " + delivery_method
    # One short source per row; the full statement is in data/SOURCES.md.
    hub_src = rows["hub"].map(HUB_SOURCE).fillna("")
    gas_src = "ATB 2025 gas CC/CT (new_generation_costs.csv) x zone_gas_price.csv"
    delivery_src = "delivery: community-energy large-load tariffs' demand charges, CPI-U, campus load factor"
    hub_part = np.where(at_hub, hub_src + " 2024 mean (shared/data/prices), CPI-U; ", "")
    rows["source"] = hub_part + gas_src + "; " + delivery_src + " (data/SOURCES.md)"
    for c in ("hub_2024_usd_per_mwh", "gas_usd_per_mmbtu", "gas_2024_usd_per_mmbtu", "gas_cc_usd_per_mwh",
              "gas_ct_usd_per_mwh", "energy_usd_per_mwh", "demand_charge_usd_per_kw_month", "delivery_usd_per_mwh",
              "delivery_low_usd_per_mwh", "delivery_high_usd_per_mwh", "beyond_tariff_usd_per_mwh",
              "large_load_blended_usd_per_mwh"):  # fmt: skip
        rows[c] = rows[c].astype(float).round(4)
    rows = rows.sort_values(["zone", "year"], key=_zone_order).reset_index(drop=True)
    return rows[PRICE_COLUMNS]


# ------------------------------------------------------------------------------------------------ assumptions


def assumptions(shared: Path, repo_data: Path) -> pd.DataFrame:
    """energy_scale_assumptions.csv: name, value, low, high, unit, source."""
    t = read_tariffs(shared)
    top = t.loc[t["prot_take_or_pay"].astype(bool), "prot_minimum_demand_pct"]
    dc = t.loc[t["data_center_specific"].astype(bool), "prot_minimum_demand_pct"]
    positive = t.loc[t["prot_minimum_demand_pct"] > 0, "prot_minimum_demand_pct"]
    if float(top.median()) != float(dc.median()):
        raise ValueError(
            "tariffs: the take-or-pay and data-center tariffs' median minimum demand differ: revisit MIN_DEMAND_SOURCE"
        )
    costs = pd.read_csv(repo_data / "cost_assumptions.csv").set_index("name")["value"]
    lf = float(costs["load_factor"])
    oatt_2023 = OATT_USD_PER_KW_YEAR_2024 * CPI_2023 / CPI_2024
    per_mwh = oatt_2023 * 1000.0 / (HOURS_PER_YEAR * lf)
    rows = [
        (
            "tariff_share_of_peak",
            TARIFF_SHARE,
            TARIFF_SHARE_LOW,
            TARIFF_SHARE_HIGH,
            "fraction of the serving utility's peak",
            TARIFF_SHARE_SOURCE,
        ),
        (
            "min_demand_share",
            float(top.median()) / 100.0,
            float(positive.min()) / 100.0,
            float(positive.max()) / 100.0,
            "fraction of contracted demand billed whether used or not",
            MIN_DEMAND_SOURCE,
        ),
        (
            "min_contract_years",
            float(t.loc[t["prot_take_or_pay"].astype(bool), "initial_term_years"].median()),
            float(t.loc[t["prot_take_or_pay"].astype(bool), "initial_term_years"].min()),
            float(t.loc[t["prot_take_or_pay"].astype(bool), "initial_term_years"].max()),
            "years",
            "median (min, max) initial_term_years of the 17 take-or-pay tariffs, same file as min_demand_share",
        ),
        (
            "wheeling_usd_per_mwh",
            per_mwh,
            oatt_2023 * 1000.0 / HOURS_PER_YEAR,
            2.0 * per_mwh,
            f"2023 USD per MWh imported across a transmission provider's border (campus load factor {lf})",
            WHEELING_SOURCE,
        ),
        (
            "wheeling_within_rto_usd_per_mwh",
            0.0,
            0.0,
            0.0,
            "2023 USD per MWh imported between zones of one ISO/RTO",
            WITHIN_RTO_SOURCE,
        ),
        ("hub_year", float(HUB_YEAR), float(HUB_YEAR), float(HUB_YEAR), "year of the wholesale hub prices", HUB_TEXT),
        (
            "delivery_load_factor",
            lf,
            lf,
            lf,
            "campus average draw / contracted MW",
            (
                "data/cost_assumptions.csv load_factor: the load factor zone_marginal_price.csv's delivery adder and the "
                "wheeling rows were converted at"
            ),
        ),
    ]
    df = pd.DataFrame(rows, columns=["name", "value", "low", "high", "unit", "source"])
    for c in ("value", "low", "high"):
        df[c] = df[c].astype(float).round(4)
    return df


# ------------------------------------------------------------------------------------------------ report


def comparison(shared: Path, repo_data: Path, prices: pd.DataFrame) -> pd.DataFrame:
    """Hub zones: the hub's 2022, 2023, 2024 and 2022-2024 means (2023 $) against the gas CC and CT variable cost
    at the zone's 2024 gas price (the method used elsewhere); reported in docs/supply_data.md, never tuned."""
    hubs = hub_means(shared)
    gen = pd.read_csv(repo_data / "new_generation_costs.csv").set_index("type")
    first = prices.loc[prices["hub"] != ""].drop_duplicates("zone")
    out = []
    for _, r in first.iterrows():
        g = float(r["gas_2024_usd_per_mmbtu"])
        cc = float(gen.at["gas_cc", "heat_rate_mmbtu_per_mwh"]) * g + float(gen.at["gas_cc", "vom_usd_per_mwh"])
        ct = float(gen.at["gas_ct", "heat_rate_mmbtu_per_mwh"]) * g + float(gen.at["gas_ct", "vom_usd_per_mwh"])
        h = hubs.loc[r["hub"]]
        out.append({"zone": r["zone"], "hub": r["hub"], "hub_2022": h[2022], "hub_2023": h[2023], "hub_2024": h[2024],
                    "hub_2022_2024": h[[2022, 2023, 2024]].mean(), "gas_2024": g, "cc_2024": cc, "ct_2024": ct,
                    "hub_2024_2023usd": h[2024] * CPI_2023 / CPI_2024})  # fmt: skip
    df = pd.DataFrame(out)
    df["hub_over_cc"] = df["hub_2024_2023usd"] / df["cc_2024"]
    df["hub_over_ct"] = df["hub_2024_2023usd"] / df["ct_2024"]
    return df


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="../shared/data")
    ap.add_argument("--repo-data", type=Path, default=REPO / "data", help="the repository's data/ (inputs)")
    ap.add_argument("--out", type=Path, default=REPO / "data")
    ap.add_argument("--report", action="store_true", help="print the hub comparison and the checks in the docs")
    args = ap.parse_args(argv)
    scale = county_utility_scale(args.data_dir, args.repo_data)
    prices = zone_marginal_price(args.data_dir, args.repo_data)
    extra = assumptions(args.data_dir, args.repo_data)
    scale.to_csv(args.out / "county_utility_scale.csv", index=False, lineterminator="\n")
    prices.to_csv(args.out / "zone_marginal_price.csv", index=False, lineterminator="\n")
    extra.to_csv(args.out / "energy_scale_assumptions.csv", index=False, lineterminator="\n")
    print(
        f"wrote county_utility_scale.csv ({len(scale)} rows), zone_marginal_price.csv ({len(prices)}), "
        f"energy_scale_assumptions.csv ({len(extra)})"
    )
    if args.report:
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(comparison(args.data_dir, args.repo_data, prices).round(2).to_string(index=False))
            print(report(scale, prices, args.repo_data).to_string())


def report(scale: pd.DataFrame, prices: pd.DataFrame, repo_data: Path) -> pd.Series:
    """The national figures quoted in docs/supply_data.md section 8."""
    county_price = pd.read_csv(repo_data / "county_price.csv", dtype={"county_fips": str}).set_index("county_fips")
    p26 = prices.loc[prices["year"] == 2026].set_index("zone")
    beyond = scale["zone"].map(p26["beyond_tariff_usd_per_mwh"])
    ct_beyond = scale["zone"].map(p26["gas_ct_usd_per_mwh"] + p26["delivery_usd_per_mwh"])
    cprice = scale["county_fips"].map(county_price["price_usd_per_mwh"])
    return pd.Series({
        "counties": len(scale),
        "tariff_mw p10": scale["tariff_mw"].quantile(0.1), "tariff_mw median": scale["tariff_mw"].median(),
        "tariff_mw p90": scale["tariff_mw"].quantile(0.9), "tariff_mw max": scale["tariff_mw"].max(),
        "counties tariff_mw >= 100": int((scale["tariff_mw"] >= 100).sum()),
        "counties tariff_mw >= 500": int((scale["tariff_mw"] >= 500).sum()),
        "counties tariff_mw >= 1000": int((scale["tariff_mw"] >= 1000).sum()),
        "county price median 2023$": cprice.median(), "beyond 2026 median (county-weighted)": beyond.median(),
        "counties beyond 2026 < county price": int((beyond < cprice).sum()),
        "counties gas-CT beyond 2026 < county price": int((ct_beyond < cprice).sum()),
        "zones beyond/blended median 2026": (p26["beyond_tariff_usd_per_mwh"] / p26["large_load_blended_usd_per_mwh"]).median(),
        "texas_tdu counties": int(scale["texas_tdu"].sum()),
        "fallback counties": int((scale["utility_id"] == 0).sum()),
    }).round(3)  # fmt: skip


if __name__ == "__main__":
    main()
