"""Zone demand by model year (issue 24, item 7): annual energy and peak MW of each ReEDS zone, 2026-2035.

Pure functions on frames; ``build_zones.py`` reads the shared files and writes the results into
``zone_supply.csv`` (base year) and ``zone_supply_by_year.csv``. Method (docs/supply_data.md, "Demand by year"):

1. **Zone share of its state**: the zone's share of its state's 2018 retail sales (EIA-861 2018 split to
   counties by the PNNL utility-county mapping and population, ``build_zones.county_sales_2018``). ReEDS
   zones nest in states; DC's county sits in a Maryland zone and ReEDS' state loads count DC in MD.
2. **Energy in 2022**: share x the state's 2022 load (EIA retail sales as compiled by NREL ReEDS,
   ``load/EIA_loadbystate_reeds.csv``), grossed up for transmission and distribution losses (EIA: about
   5 % of the electricity transmitted and distributed, 2018-2022), since a zone's peak is met at the
   generator side.
3. **Growth**: x the state's AEO2023 Reference multiplier of the model year over that of the basis year
   (``load/demand_AEO_2023_reference_state_multiplier.csv``; no explicit data-center load).
4. **EIA-930 where a held series covers whole zones** (:data:`CALIBRATED`): the basis becomes the series'
   2025 energy (it already includes losses and the 2023-2025 growth that AEO2023 misses), split over its
   zones by their step-2/3 estimates, then grown from 2025 by AEO2023. Where a held series does not match
   whole zones it is only compared (:data:`CHECKS`).
5. **Peak** = energy / 8,760 h / load factor (EIA-930, mean of the local years 2023-2025; a calibrated
   zone takes its own series' load factor).
"""

from __future__ import annotations

import pandas as pd

MODEL_YEARS: tuple[int, ...] = tuple(range(2026, 2036))
BASE_YEAR = 2026  # first model year: zone_supply.csv holds this year
STATE_LOAD_YEAR = 2022  # newest year of load/EIA_loadbystate_reeds.csv
EIA930_YEAR = 2025  # newest full year of the held EIA-930 series
HOURS_PER_YEAR = 8760.0

TD_LOSS_SHARE = 0.05
TD_LOSS_SOURCE = (
    "US EIA, FAQ 'How much electricity is lost in electricity transmission and distribution in the United "
    "States?' (updated 2023-11-07): T&D losses averaged about 5 % of the electricity transmitted and distributed, "
    "2018-2022 (earlier editions 5-6 %, range 0.04-0.06); retail sales / (1 - 0.05) = demand at the generator side"
)
STATE_LOAD_SOURCE = (
    "US EIA retail sales by state 2022 as compiled by NREL ReEDS (shared/data/load/EIA_loadbystate_reeds.csv, "
    "GPL-3.0 file, numbers cited to EIA)"
)
AEO_SOURCE = (
    "US EIA AEO2023 Reference state load-growth multiplier via NREL ReEDS "
    "(shared/data/load/demand_AEO_2023_reference_state_multiplier.csv; no explicit data-center load)"
)
EIA930_SOURCE = "US EIA Form 930 hourly demand, shared/data/eia930_load_*_2023_2025.parquet (cleaned as build_zones.load_factors)"

# EIA-930 series -> the ReEDS zones whose basis energy it replaces, and why the match is whole zones.
CALIBRATED: dict[str, tuple[tuple[str, ...], str]] = {
    "ERCO": (
        ("p60", "p61", "p62", "p63", "p64", "p65", "p67"),
        "the whole ERCOT BA = the 7 ReEDS zones whose NERC region is ERCOT (reeds/z134_hierarchy.csv)",
    ),
    "PJM-CE": (("p80",), "PJM's ComEd zone = p80, PJM's only Illinois ReEDS zone"),
    "PJM-DOM": (
        ("p99",),
        "PJM's Dominion zone = p99 (the Dominion Energy Virginia ReEDS zone: Fairfax, Loudoun, Richmond, "
        "Hampton Roads) plus Dominion's North Carolina customers; p99 gets the series x its share of "
        "(p99 + Virginia Electric & Power Co's 2018 North Carolina sales)",
    ),
}
# Held series that do not cover whole zones: compared only.
CHECKS: dict[str, tuple[tuple[str, ...], str]] = {
    "SOCO": (
        ("p89", "p90", "p94"),
        "Southern Company BA vs the Alabama and Georgia zones (the BA also serves part of Mississippi and the "
        "zones hold TVA-served counties): an approximate footprint, compared only",
    ),
}
# AZPS (Arizona Public Service) serves part of the three APS-labelled zones, which also hold SRP and TEP
# load; no whole-zone footprint, so it is neither used nor compared.
VEPCO_UTILITY_NUMBER = 19876  # Virginia Electric & Power Co (EIA-861 utility number)
NC_STATE_FIPS_X1000 = 37000


def zone_state_shares(zone_sales: pd.DataFrame) -> pd.DataFrame:
    """zone, zone_state, mwh_2018 -> plus ``share``: the zone's share of its state's 2018 sales."""
    out = zone_sales.copy()
    out["share"] = out["mwh_2018"] / out.groupby("zone_state")["mwh_2018"].transform("sum")
    return out


def growth(mult: pd.DataFrame, states: pd.Series, from_year: int, years: tuple[int, ...]) -> pd.DataFrame:
    """AEO multiplier of each year over that of ``from_year`` for each state in ``states`` (index kept)."""
    wide = mult.pivot(index="st", columns="year", values="multiplier")
    missing = sorted(set(states) - set(wide.index))
    if missing:
        raise ValueError(f"demand_AEO_2023_reference_state_multiplier.csv: no row for state '{missing[0]}'")
    ratio = wide.loc[:, list(years)].div(wide[from_year], axis=0)
    return ratio.reindex(states.to_numpy()).set_axis(states.index)


def eia930_energy(lf: pd.DataFrame, ba: str, year: int) -> float:
    """Annual energy (MWh) of an EIA-930 series: its mean hourly load x 8,760 h (robust to missing hours)."""
    row = lf.loc[(lf["ba"] == ba) & (lf["year"] == year)]
    if len(row) != 1:
        raise ValueError(f"EIA-930 series {ba}: no year {year}")
    return float(row["mean_mw"].iloc[0]) * HOURS_PER_YEAR


def dominion_share_of_dom(zone_sales: pd.DataFrame, utility_sales: pd.DataFrame) -> float:
    """p99's share of PJM-DOM: p99's 2018 sales / (p99's + Virginia Electric & Power's 2018 NC sales)."""
    u = utility_sales.loc[
        (utility_sales["Utility_Number"] == VEPCO_UTILITY_NUMBER) & (utility_sales["State_FIPS"] == NC_STATE_FIPS_X1000)
    ]
    nc_mwh = float(pd.to_numeric(u["Total_Sales_MWh"]).sum())
    p99 = float(zone_sales.loc[zone_sales["zone"] == "p99", "mwh_2018"].sum())
    if nc_mwh <= 0 or p99 <= 0:
        raise ValueError("PJM-DOM share: Virginia Electric & Power NC sales or zone p99 sales missing")
    return p99 / (p99 + nc_mwh)


def zone_demand(
    zone_sales: pd.DataFrame,
    state_load: pd.DataFrame,
    mult: pd.DataFrame,
    zone_lf: pd.DataFrame,
    lf: pd.DataFrame,
    dom_share: float,
    years: tuple[int, ...] = MODEL_YEARS,
    calibrated: dict[str, tuple[tuple[str, ...], str]] | None = None,
) -> pd.DataFrame:
    """Energy and peak per zone and year (``calibrated``: EIA-930 series -> zones, default :data:`CALIBRATED`).

    zone_sales: zone, zone_state, mwh_2018; state_load: year, st, GWh; mult: st, year, multiplier;
    zone_lf: zone, load_factor, lf_basis; lf: ba, year, mean_mw, peak_mw, load_factor (EIA-930, per year).
    Returns zone, year, energy_mwh, load_factor, peak_mw, basis_year, demand_basis (long, zone-major).
    """
    z = zone_state_shares(zone_sales).set_index("zone")
    load = state_load.loc[state_load["year"] == STATE_LOAD_YEAR].set_index("st")["GWh"] * 1000.0
    missing = sorted(set(z["zone_state"]) - set(load.index))
    if missing:
        raise ValueError(f"EIA_loadbystate_reeds.csv: no {STATE_LOAD_YEAR} load for state '{missing[0]}'")
    e_basis = z["share"] * z["zone_state"].map(load) / (1.0 - TD_LOSS_SHARE)
    energy = growth(mult, z["zone_state"], STATE_LOAD_YEAR, years).mul(e_basis, axis=0)
    basis_year = pd.Series(STATE_LOAD_YEAR, index=z.index)
    basis = pd.Series(
        f"{STATE_LOAD_YEAR} state load x zone share of 2018 state sales / (1 - T&D losses {TD_LOSS_SHARE:g}), "
        f"x AEO2023 growth from {STATE_LOAD_YEAR}",
        index=z.index,
    )
    lf_zone = zone_lf.set_index("zone")[["load_factor", "lf_basis"]].reindex(z.index)
    per_ba = lf.groupby("ba")["load_factor"].mean()
    # The same step-2/3 estimate for the series' own year splits its measured energy over its zones.
    est_930 = growth(mult, z["zone_state"], STATE_LOAD_YEAR, (EIA930_YEAR,))[EIA930_YEAR] * e_basis
    for ba, (zones, why) in (CALIBRATED if calibrated is None else calibrated).items():
        zs = list(zones)
        measured = eia930_energy(lf, ba, EIA930_YEAR) * (dom_share if ba == "PJM-DOM" else 1.0)
        split = est_930[zs] / est_930[zs].sum()
        e25 = split * measured
        energy.loc[zs] = growth(mult, z.loc[zs, "zone_state"], EIA930_YEAR, years).mul(e25, axis=0)
        basis_year[zs] = EIA930_YEAR
        share_note = f" x p99 share {dom_share:.4f}" if ba == "PJM-DOM" else ""
        basis[zs] = (
            f"EIA-930 {ba} {EIA930_YEAR} energy{share_note} ({why}), split by the zones' state-share estimates, "
            f"x AEO2023 growth from {EIA930_YEAR}"
        )
        lf_zone.loc[zs, "load_factor"] = float(per_ba[ba])
        lf_zone.loc[zs, "lf_basis"] = f"EIA-930 {ba} (own series)"
    long = energy.rename_axis("zone").reset_index().melt(id_vars="zone", var_name="year", value_name="energy_mwh")
    long["year"] = long["year"].astype(int)
    long = long.merge(lf_zone.reset_index(names="zone"), on="zone")
    long["peak_mw"] = long["energy_mwh"] / HOURS_PER_YEAR / long["load_factor"]
    long["basis_year"] = long["zone"].map(basis_year).astype(int)
    long["demand_basis"] = long["zone"].map(basis)
    return long[["zone", "year", "energy_mwh", "load_factor", "lf_basis", "peak_mw", "basis_year", "demand_basis"]]


def eia930_checks(
    zone_sales: pd.DataFrame, state_load: pd.DataFrame, mult: pd.DataFrame, lf: pd.DataFrame, dom_share: float
) -> pd.DataFrame:
    """The state-share method (steps 1-3) against every held EIA-930 footprint, 2023-2025: energy in TWh
    and their ratio. Before calibration; reported in docs/supply_data.md, never used to tune."""
    z = zone_state_shares(zone_sales).set_index("zone")
    load = state_load.loc[state_load["year"] == STATE_LOAD_YEAR].set_index("st")["GWh"] * 1000.0
    e_basis = z["share"] * z["zone_state"].map(load) / (1.0 - TD_LOSS_SHARE)
    years = (2023, 2024, 2025)
    est = growth(mult, z["zone_state"], STATE_LOAD_YEAR, years).mul(e_basis, axis=0)
    rows = []
    for ba, (zones, _why) in {**CALIBRATED, **CHECKS}.items():
        share = dom_share if ba == "PJM-DOM" else 1.0
        for y in years:
            measured = eia930_energy(lf, ba, y) * share
            model = float(est.loc[list(zones), y].sum())
            rows.append({"ba": ba, "zones": " ".join(zones), "year": y, "use": "calibrate" if ba in CALIBRATED else "check",
                         "eia930_twh": measured / 1e6, "state_share_twh": model / 1e6, "ratio": measured / model})  # fmt: skip
    return pd.DataFrame(rows)

