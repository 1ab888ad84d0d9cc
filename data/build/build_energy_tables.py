"""Trace data/energy_costs.csv and data/energy_profiles.csv to files in ../shared/data.

Row keys, column names and row order are unchanged (the model reads them).

energy_costs.csv
  * solar, wind, battery and gas capex / O&M / heat rate: NREL ATB 2025 Moderate, online year 2025,
    2023 dollars, in ReEDS input form (../shared/data/atb2025_moderate_{upv,onswind,battery,gas_cc_ct}.csv).
    The gas rows take ATB's ``Gas-CT`` (the ATB's generic combustion turbine): the aeroderivative rows
    the table used before are not in the shared subset.
  * battery FOM share = (fom + 4 h x fom_energy) / (capcost + 4 h x capcost_energy), battery RTE = ``rte``.
  * gas fuel price: no gas price file exists -> ``estimate`` with range and reasoning.
  Rows not listed in ``COST_ROWS`` are left untouched.

energy_profiles.csv
  * grid_clean_share: eGRID2022 state resource mix (../shared/data/egrid2022_state.csv), exact.
  * solar_cf, wind_cf: values kept (EIA-923/860 2023 are not in ../shared/data), marked ``estimate``
    with a range that is +-0.03 widened to include a file-based cross-check: the 2019 fleet capacity
    factor of the state's plants in WRI GPPD v1.3 (EIA generation, plants online by 2018).
  * price_peak_to_offpeak: values kept, ``estimate`` +-0.15 (no wholesale price file exists).

Idempotent: run twice, same bytes.

Usage (from the repo root):
    python data/build/build_energy_tables.py [--shared ../shared/data]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
COSTS = REPO_ROOT / "data" / "energy_costs.csv"
PROFILES = REPO_ROOT / "data" / "energy_profiles.csv"
STATE_FACTS = REPO_ROOT / "data" / "state_facts.csv"
ATB_YEAR = 2025
BATTERY_HOURS = 4
CF_HALF_RANGE = 0.03
PEAK_HALF_RANGE = 0.15
CLEAN_COLS = {"STNCPR": "nuclear", "STHYPR": "hydro", "STBMPR": "biomass", "STWIPR": "wind",
              "STSOPR": "solar", "STGTPR": "geothermal"}


# ----------------------------------------------------------------------------- ATB
def atb_values(shared: Path) -> dict[str, float]:
    upv = pd.read_csv(shared / "atb2025_moderate_upv.csv").set_index("t").loc[ATB_YEAR]
    wind = pd.read_csv(shared / "atb2025_moderate_onswind.csv").set_index("Year").loc[ATB_YEAR]
    bat = pd.read_csv(shared / "atb2025_moderate_battery.csv").set_index("t").loc[ATB_YEAR]
    gas = pd.read_csv(shared / "atb2025_moderate_gas_cc_ct.csv")
    ct = gas[(gas["i"] == "Gas-CT") & (gas["t"] == ATB_YEAR)].iloc[0]
    h = BATTERY_HOURS
    return {
        "upv_capcost": float(upv["capcost"]), "upv_fom": float(upv["fom"]),
        "wind_capcost": float(wind["Overnight Cap Cost $/kW"]), "wind_fom": float(wind["Fixed O&M $/(kW-yr)"]),
        "bat_capcost": float(bat["capcost"]), "bat_capcost_energy": float(bat["capcost_energy"]),
        "bat_fom": float(bat["fom"]), "bat_fom_energy": float(bat["fom_energy"]), "bat_rte": float(bat["rte"]),
        "bat_fom_share": float((bat["fom"] + h * bat["fom_energy"]) / (bat["capcost"] + h * bat["capcost_energy"])),
        "ct_capcost": float(ct["capcost"]), "ct_fom": float(ct["fom"]), "ct_vom": float(ct["vom"]),
        "ct_heatrate": float(ct["heatrate"]),
    }


def _atb(file: str, what: str) -> str:
    return (f"NREL Annual Technology Baseline 2025, Moderate scenario, online year {ATB_YEAR}, 2023 dollars, "
            f"ReEDS input form (../shared/data/{file}): {what}")


def cost_rows(a: dict[str, float]) -> dict[str, tuple[float, str]]:
    h = BATTERY_HOURS
    return {
        "solar_capex_usd_per_kw_ac": (round(a["upv_capcost"], 2), _atb(
            "atb2025_moderate_upv.csv", f"utility-scale PV capcost = {a['upv_capcost']:.2f} $/kW (ReEDS carries UPV "
            f"capacity in AC terms; the file does not restate the basis)")),
        "solar_fom_usd_per_kw_ac_yr": (round(a["upv_fom"], 2), _atb(
            "atb2025_moderate_upv.csv", f"utility-scale PV fom = {a['upv_fom']:.2f} $/kW-yr")),
        "wind_capex_usd_per_kw": (round(a["wind_capcost"], 2), _atb(
            "atb2025_moderate_onswind.csv", f"land-based wind (turbine class 115hh_170rd) Overnight Cap Cost = "
            f"{a['wind_capcost']:.2f} $/kW")),
        "wind_fom_usd_per_kw_yr": (round(a["wind_fom"], 2), _atb(
            "atb2025_moderate_onswind.csv", f"land-based wind Fixed O&M = {a['wind_fom']:.2f} $/kW-yr")),
        "battery_power_capex_usd_per_kw": (round(a["bat_capcost"], 2), _atb(
            "atb2025_moderate_battery.csv", f"Li-ion battery power-related capcost = {a['bat_capcost']:.2f} $/kW")),
        "battery_energy_capex_usd_per_kwh": (round(a["bat_capcost_energy"], 2), _atb(
            "atb2025_moderate_battery.csv", f"Li-ion battery energy-related capcost_energy = "
            f"{a['bat_capcost_energy']:.2f} $/kWh (a {h}-h system = "
            f"{a['bat_capcost'] + h * a['bat_capcost_energy']:,.0f} $/kW)")),
        "battery_fom_share_of_capex_per_yr": (round(a["bat_fom_share"], 4), _atb(
            "atb2025_moderate_battery.csv", f"(fom {a['bat_fom']:.3f} $/kW-yr + {h} h x fom_energy "
            f"{a['bat_fom_energy']:.3f} $/kWh-yr) / (capcost + {h} h x capcost_energy) = {a['bat_fom_share']:.4f} "
            f"of capex per year for a {h}-h system")),
        "battery_round_trip_efficiency": (round(a["bat_rte"], 4), _atb(
            "atb2025_moderate_battery.csv", f"Li-ion battery rte = {a['bat_rte']:.2f} (AC-AC)")),
        "gas_capex_usd_per_kw": (round(a["ct_capcost"], 2), _atb(
            "atb2025_moderate_gas_cc_ct.csv", f"Gas-CT capcost = {a['ct_capcost']:.1f} $/kW; ATB's generic "
            f"combustion turbine (the aeroderivative Gas-CT_aero rows are not in the shared subset; an aero unit "
            f"costs more per kW)")),
        "gas_fom_usd_per_kw_yr": (round(a["ct_fom"], 2), _atb(
            "atb2025_moderate_gas_cc_ct.csv", f"Gas-CT fom = {a['ct_fom']:.1f} $/kW-yr")),
        "gas_vom_usd_per_mwh": (round(a["ct_vom"], 2), _atb(
            "atb2025_moderate_gas_cc_ct.csv", f"Gas-CT vom = {a['ct_vom']:.2f} $/MWh")),
        "gas_heat_rate_mmbtu_per_mwh": (round(a["ct_heatrate"], 3), _atb(
            "atb2025_moderate_gas_cc_ct.csv", f"Gas-CT heatrate = {a['ct_heatrate']:.3f} MMBtu/MWh")),
        "gas_fuel_usd_per_mmbtu": (3.7, (
            "Estimate (range 3.0-5.0 $/MMBtu): delivered gas for a large on-site user = Henry Hub spot plus "
            "pipeline basis and delivery (~1-1.5 $/MMBtu); Henry Hub averaged about 2.2 $/MMBtu in 2024 (US EIA "
            "Natural Gas Monthly), a low year, and was higher in 2022-2023; no gas price file is in "
            "../shared/data, so the value is a judgement; check against US EIA Natural Gas Annual, "
            "industrial and electric-power delivered prices by state")),
    }


def build_costs(costs: pd.DataFrame, shared: Path) -> pd.DataFrame:
    out = costs.copy()
    rows = cost_rows(atb_values(shared))
    missing = set(rows) - set(out["name"])
    if missing:
        raise KeyError(f"energy_costs.csv lacks rows {sorted(missing)}")
    for name, (value, src) in rows.items():
        i = out.index[out["name"] == name][0]
        out.loc[i, "value"] = repr(float(value))
        out.loc[i, "source"] = src
    return out


# ----------------------------------------------------------------------------- profiles
def egrid_clean(shared: Path) -> pd.DataFrame:
    e = pd.read_csv(shared / "egrid2022_state.csv")
    e = e.set_index(e["PSTATABB"].astype(str).str.strip())[list(CLEAN_COLS)].astype(float)
    e["clean"] = e.sum(axis=1)
    return e


def gppd_fleet_cf(shared: Path, fips_to_usps: dict[str, str]) -> pd.DataFrame:
    """2019 fleet CF of Solar / Wind plants online by 2018, by state (point in CERF state polygon)."""
    import geopandas as gpd

    g = pd.read_csv(shared / "wri_gppd_database_USA.csv", low_memory=False,
                    usecols=["gppd_idnr", "capacity_mw", "latitude", "longitude", "primary_fuel",
                             "commissioning_year", "generation_gwh_2019"])
    g = g[(g["latitude"].abs() <= 90) & g["primary_fuel"].isin(["Solar", "Wind"]) & (g["capacity_mw"] > 0)]
    g = g[(g["commissioning_year"] <= 2018) & g["generation_gwh_2019"].notna()]
    pts = gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g["longitude"], g["latitude"]), crs="EPSG:4326")
    st = gpd.read_file(f"zip://{shared / 'cerf_conus_states_albers.zip'}").to_crs("EPSG:4326")
    j = gpd.sjoin(pts, st[["STATE_FIPS", "geometry"]], how="inner", predicate="within")
    j["state"] = j["STATE_FIPS"].astype(str).str.zfill(2).map(fips_to_usps)
    agg = j.groupby(["state", "primary_fuel"]).agg(gwh=("generation_gwh_2019", "sum"),
                                                   mw=("capacity_mw", "sum"), n=("gppd_idnr", "count"))
    agg["cf"] = agg["gwh"] / (agg["mw"] * 8.76)
    return agg


def _cf_source(kind: str, value: float, old: str, xc: pd.Series | None) -> str:
    tech = "utility-scale PV" if kind == "Solar" else "land-based wind"
    if xc is not None:
        lo, hi = min(value - CF_HALF_RANGE, xc["cf"]), max(value + CF_HALF_RANGE, xc["cf"])
        cross = (f"cross-check: WRI Global Power Plant Database v1.3 (EIA data), 2019 generation / nameplate of the "
                 f"state's {kind.lower()} plants online by 2018 = {xc['cf']:.3f} ({xc['mw']:,.0f} MW, {int(xc['n'])} "
                 f"plants; ../shared/data/wri_gppd_database_USA.csv, state by point in cerf_conus_states_albers.zip)")
    else:
        lo, hi = value - CF_HALF_RANGE, value + CF_HALF_RANGE
        cross = f"no {kind.lower()} plant online by 2018 in WRI GPPD v1.3 for a cross-check"
    if "little" in old:
        what = (f"little {'2023 utility-scale PV' if kind == 'Solar' else 'or no 2023 land-based wind'} in state; "
                f"capacity factor of a new {tech} plant in the state's NREL ATB 2024 resource class "
                f"({'by mean GHI, NSRDB' if kind == 'Solar' else 'by best 100-m wind speeds, NREL WIND Toolkit'}), "
                f"entered by hand to 0.01, not read from a file")
    else:
        what = (f"2023 state fleet {'AC ' if kind == 'Solar' else ''}capacity factor of {tech} (US EIA-923 2023 "
                f"net generation / EIA-860 2023 nameplate), entered by hand to 0.01, not read from a file "
                f"(EIA-923/860 2023 are not in ../shared/data)")
    return (f"Estimate (range {max(0.0, lo):.2f}-{hi:.2f}): {what}; {cross}; range = value +-{CF_HALF_RANGE} "
            f"(year-to-year resource variation and fleet mix) widened to include the cross-check"
            f"{', which runs low for PV where older fixed-tilt plants dominate' if kind == 'Solar' else ''}; "
            f"check against EIA-923/860 2023")


def _peak_source(value: float, hub: str) -> str:
    return (f"Estimate (range {value - PEAK_HALF_RANGE:.2f}-{value + PEAK_HALF_RANGE:.2f}): ratio of mean on-peak "
            f"(5x16, HE8-23 weekdays) to mean off-peak wholesale price at the mapped hub ({hub}), 2023, entered by "
            f"hand to 0.05 in the sense of US EIA Wholesale Electricity Market Data (ICE on-peak hub prices) and "
            f"ISO day-ahead LMPs; no wholesale price file is in ../shared/data (the EIA-930 files there are load "
            f"only); +-{PEAK_HALF_RANGE} because the ratio moves from year to year with gas prices and scarcity "
            f"events and the hub is a proxy for the state; check against EIA Wholesale Electricity Market Data 2023")


def _clean_source(row: pd.Series) -> str:
    parts = " + ".join(f"{c} {row[c]:.4f}" for c in CLEAN_COLS)
    return (f"US EPA, eGRID2022 (data year 2022, released Jan 2024), state table ST22 resource mix "
            f"(../shared/data/egrid2022_state.csv): non-fossil share of in-state net generation = {parts} "
            f"(nuclear, hydro, biomass, wind, solar, geothermal) = {row['clean']:.4f}, rounded to 0.001; "
            f"STOPPR (other / unknown / purchased fuel) counted as not clean")


def build_profiles(prof: pd.DataFrame, shared: Path, fips_to_usps: dict[str, str]) -> pd.DataFrame:
    out = prof.copy()
    clean = egrid_clean(shared)
    cf = gppd_fleet_cf(shared, fips_to_usps)
    solar_src, wind_src, price_src, clean_val, clean_src = [], [], [], [], []
    for _, r in out.iterrows():
        s = r["state"]
        xs = cf.loc[(s, "Solar")] if (s, "Solar") in cf.index else None
        xw = cf.loc[(s, "Wind")] if (s, "Wind") in cf.index else None
        solar_src.append(_cf_source("Solar", float(r["solar_cf"]), r["solar_source"], xs))
        wind_src.append(_cf_source("Wind", float(r["wind_cf"]), r["wind_source"], xw))
        price_src.append(_peak_source(float(r["price_peak_to_offpeak"]), r["price_hub"]))
        clean_val.append(round(float(clean.loc[s, "clean"]), 3))
        clean_src.append(_clean_source(clean.loc[s]))
    out["solar_source"] = solar_src
    out["wind_source"] = wind_src
    out["price_source"] = price_src
    out["grid_clean_share"] = [repr(v) for v in clean_val]
    out["grid_clean_source"] = clean_src
    return out


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args(argv)
    sf = pd.read_csv(STATE_FACTS, dtype={"state_fips": str})
    fips_to_usps = dict(zip(sf["state_fips"], sf["state"]))
    write_csv(build_costs(read_csv(COSTS), args.shared), COSTS)
    write_csv(build_profiles(read_csv(PROFILES), args.shared, fips_to_usps), PROFILES)
    print(f"wrote {COSTS} and {PROFILES}")


if __name__ == "__main__":
    main()
