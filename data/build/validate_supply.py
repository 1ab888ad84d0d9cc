"""Validate the zonal supply side against published figures -> docs/validation.md (issue 14, item 7).

Checks, every number computed here from a file in ``data/`` or ``../shared/data`` (or quoted from a
publication named in ``REFERENCES``, as cited in issue 14):

1. national spare firm MW (``data/zone_supply.csv``) against Duke / Norris et al. 2025 (76-126 GW of new
   load *with curtailment*, not firm), and the legacy county headroom (``data/county_grid.csv``);
2. PJM's hosting capacity (PJM zones by ReEDS ``transreg``, spare firm MW plus the import allowance over
   the NARIS interfaces into PJM, and the LP maximum the zonal rules allow) against Shao et al. 2025 (~55 GW);
3. the state industrial price and CO2 tables (``data/state_facts.csv``) against EIA EPA 2023 and eGRID2022
   (max and median absolute error), the eGRID state vs subregion spread, and the Washington PUD county
   prices (``data/county_price.csv``) against EIA-861 2018;
4. time to power by ISO (``data/time_to_power.csv``) against LBNL Queued Up (~5 years);
5. the national default answer with ``supply.model = "legacy"`` and ``"zonal"`` (two solves through the run
   engine, ``model.workflows.engine.build_checked`` + ``solve_built``; nothing written but the doc; one HiGHS
   thread each), what binds at each built campus and zone (:func:`fixed_siting_lp`), and optionally the zonal
   default to a tighter gap (``--gap-check``).

The script writes the generated tables of ``docs/validation.md`` between ``<!-- BEGIN gen:NAME -->`` and
``<!-- END gen:NAME -->`` markers and leaves the hand-written text around them alone. Nothing is tuned:
the model data are read as they are.

Usage (from the repo root):
    python data/build/validate_supply.py [--shared ../shared/data] [--doc docs/validation.md]
                                         [--no-solve] [--threads 1] [--json answers.json]
                                         [--runs out/validation] [--no-location]

Sections 7-11 (issue 24: before and after, location's share, campuses against utilities, routes against
evidence, revealed preference) are ``validate_location.py``'s, called at the end unless ``--no-location``.

Without ``../shared/data`` (or ``$SITING_DATA_DIR``) it prints a message and exits 0 without writing.
``--no-solve`` keeps the doc's national-answer blocks as they are (the two solves take minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "data"
DEFAULT_SHARED = Path(os.environ.get("SITING_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
DEFAULT_DOC = REPO_ROOT / "docs" / "validation.md"
SCENARIO = REPO_ROOT / "runs" / "us-snapshot.toml"

LB_TO_KG = 0.45359237  # exact
# Publication figures as quoted in issue 14 (not re-read from the publications here).
REFERENCES = {
    "duke_low_gw": 76.0,  # Norris et al. 2025, Rethinking Load Growth: new load with 0.25 % curtailment
    "duke_high_gw": 126.0,  # ... with 1 % curtailment
    "shao_pjm_gw": 55.0,  # Shao et al. 2025: hosting capacity of PJM, ~55 GW
    "lbnl_median_years": 5.0,  # LBNL Queued Up: median ~5 years, interconnection request -> operation
}
# EIA-861 2018 industrial price (revenue / sales) of four Washington PUDs, as quoted in issue 14.
PUD_CHECK = {"53007": ("Chelan", "PUD No 1 of Chelan County", 21.8),
             "53017": ("Douglas", "PUD No 1 of Douglas County", 28.1),
             "53025": ("Grant", "PUD No 2 of Grant County", 37.1),
             "53039": ("Klickitat", "PUD No 1 of Klickitat County", 56.6)}
# eGRID subregions outside the contiguous US (Alaska, Hawaii, Puerto Rico).
NON_CONUS_SUBREGIONS = ("AKGD", "AKMS", "HIMS", "HIOA", "PRMS")
ISO_REGIONS = ("CAISO", "ERCOT", "ISONE", "MISO", "NYISO", "PJM")


# ============================================================================ pure functions
def error_stats(model: pd.Series, source: pd.Series) -> dict[str, Any]:
    """Absolute and relative error of ``model`` against ``source`` over the keys both have (non-NaN).

    Returns n, median/max absolute error (in the series' unit), median/max relative error (%), the key
    of the largest absolute error, and the keys of ``model`` missing from ``source``."""
    both = model.dropna().index.intersection(source.dropna().index)
    if len(both) == 0:
        raise ValueError("no common keys to compare")
    d = (model[both].astype(float) - source[both].astype(float)).abs()
    rel = 100.0 * d / source[both].astype(float).abs()
    return {"n": len(both), "median_abs": float(d.median()), "max_abs": float(d.max()),
            "median_pct": float(rel.median()), "max_pct": float(rel.max()), "max_key": str(d.idxmax()),
            "missing": sorted(str(k) for k in model.index.difference(source.dropna().index))}


def spare_summary(zones: pd.DataFrame) -> dict[str, float]:
    """National totals of ``zone_supply.csv``: spare firm MW, zones with spare, accredited, peak, committed
    data-center load and net.

    net = sum(accredited - peak x (1 + reserve_margin) - committed_dc_mw): surpluses and deficits offset
    (``committed_dc_mw`` 0 where the table has no such column)."""
    committed = zones["committed_dc_mw"] if "committed_dc_mw" in zones else pd.Series(0.0, index=zones.index)
    need = zones["peak_mw"] * (1.0 + zones["reserve_margin"]) + committed
    return {"zones": len(zones), "zones_with_spare": int((zones["spare_firm_mw"] > 0).sum()),
            "spare_mw": float(zones["spare_firm_mw"].sum()), "accredited_mw": float(zones["accredited_mw"].sum()),
            "peak_mw": float(zones["peak_mw"].sum()), "committed_mw": float(committed.sum()),
            "net_mw": float((zones["accredited_mw"] - need).sum())}


def region_zones(membership: pd.DataFrame, transreg: str) -> list[str]:
    """ReEDS zones (``ba``) of one transmission region (``transreg``), US rows only, in file order."""
    m = membership.loc[(membership["country"] == "USA") & (membership["transreg"] == transreg)]
    return [str(z) for z in m["ba"]]


def inbound_limit_mw(transfers: pd.DataFrame, region: Iterable[str]) -> float:
    """Sum of directed transfer limits from zones outside ``region`` into zones inside it."""
    inside = set(region)
    into = transfers["to_zone"].isin(inside) & ~transfers["from_zone"].isin(inside)
    return float(transfers.loc[into, "mw"].sum())


def max_hosting_mw(spare: pd.Series, transfers: pd.DataFrame, region: Iterable[str],
                   spare_share: float, import_share: float) -> dict[str, Any]:
    """Most new load the zonal rules let ``region`` host with no new generation: a max-flow LP.

    Variables: load[z] >= 0 for z in region; flow[a, b] in [0, import_share x limit[a, b]] on every
    directed interface. For every zone z (the zonal model's firm balance, docs/supply_model.md):
    load[z] + sum_b flow[z, b] - sum_a flow[a, z] <= spare_share x spare[z]. Maximise sum(load).
    Solved with scipy's HiGHS LP. Returns the total and the load per region zone."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    inside = [z for z in dict.fromkeys(region)]
    zones = list(dict.fromkeys(list(spare.index) + list(transfers["from_zone"]) + list(transfers["to_zone"])))
    zi = {z: i for i, z in enumerate(zones)}
    missing = [z for z in inside if z not in zi]
    if missing:
        raise ValueError(f"region zones without supply data: {missing}")
    t = transfers.groupby(["from_zone", "to_zone"], as_index=False)["mw"].sum()
    n_load, n_flow = len(inside), len(t)
    rows, cols, vals = [], [], []
    for j, z in enumerate(inside):
        rows.append(zi[z]); cols.append(j); vals.append(1.0)
    for k, (a, b) in enumerate(zip(t["from_zone"], t["to_zone"])):
        rows += [zi[a], zi[b]]; cols += [n_load + k, n_load + k]; vals += [1.0, -1.0]
    a_ub = coo_matrix((vals, (rows, cols)), shape=(len(zones), n_load + n_flow)).tocsr()
    b_ub = spare_share * spare.reindex(zones).fillna(0.0).to_numpy(float)
    bounds = [(0, None)] * n_load + [(0, import_share * float(mw)) for mw in t["mw"]]
    c = np.concatenate([-np.ones(n_load), np.zeros(n_flow)])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"hosting LP: {res.message}")
    load = pd.Series(res.x[:n_load], index=inside)
    return {"total_mw": float(load.sum()), "load_mw": load}


def ttp_vs_reference(ttp: pd.DataFrame, reference_years: float) -> pd.DataFrame:
    """ISO rows of ``time_to_power.csv`` with their difference from the reference median (years, %)."""
    iso = ttp.loc[ttp["level"] == "iso", ["region", "median_years", "p25_years", "p75_years", "n_projects"]].copy()
    iso["minus_reference_years"] = iso["median_years"] - reference_years
    iso["minus_reference_pct"] = 100.0 * iso["minus_reference_years"] / reference_years
    iso["reference_in_p25_p75"] = (iso["p25_years"] <= reference_years) & (reference_years <= iso["p75_years"])
    return iso.reset_index(drop=True)


def weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """The value at which the cumulative weight (sorted by value) first reaches half the total."""
    order = values.astype(float).sort_values(kind="stable")
    w = weights.reindex(order.index).astype(float)
    cum = w.cumsum()
    return float(order[cum >= 0.5 * w.sum()].iloc[0])


def rate_spread(rate: pd.Series, generation: pd.Series) -> dict[str, float]:
    """Min, max, median and generation-weighted mean and median of an emission rate across regions."""
    return {"n": int(rate.notna().sum()), "min": float(rate.min()), "max": float(rate.max()),
            "median": float(rate.median()), "weighted_mean": float((rate * generation).sum() / generation.sum()),
            "weighted_median": weighted_median(rate, generation)}


def answer_from(summary: Mapping[str, Any], sites: pd.DataFrame | None, wall_s: float) -> dict[str, Any]:
    """The national answer in the doc's form: PFLOPS, sites (county, state, MW), new generation, gap, seconds."""
    rows = []
    if sites is not None:
        for _, r in sites.sort_values("facility_mw", ascending=False).iterrows():
            row = {"county": str(r["county_name"]), "state": str(r["state"]),
                   "county_fips": str(r["county_fips"]), "facility_mw": round(float(r["facility_mw"]), 1)}
            for c in ("zone", "connection_option", "substation_km", "headroom_mw", "upgrade_tier", "pue",
                      "price_usd_per_mwh", "price_source", "energy_mwh_per_year", "energy_cost_usd_per_year", "energy_opex_pv_usd",
                      "co2_t_per_year", "capex_usd", "capex_interconnect_usd", "time_to_power_years", "land_acres"):
                if c in sites.columns and pd.notna(r[c]):
                    row[c] = r[c] if isinstance(r[c], str) else round(float(r[c]), 3)
            rows.append(row)
    gen = {k: round(float(v), 1) for k, v in (summary.get("new_generation_mw_by_type") or {}).items() if float(v) > 0}
    return {
        "supply_model": summary.get("supply_model"), "status": summary.get("status"),
        "compute_pflops": float(summary.get("compute_pflops") or 0.0), "mip_gap": summary.get("mip_gap"),
        "facility_mw": summary.get("facility_mw"), "sites": rows, "new_generation_mw": gen,
        "new_generation_capex_usd": summary.get("new_generation_capex_usd"),
        "new_generation_cost_pv_usd": summary.get("new_generation_cost_pv_usd"),
        "new_generation_energy_cost_pv_usd": summary.get("new_generation_energy_cost_pv_usd"),
        "new_generation_co2_t_per_year": summary.get("new_generation_co2_t_per_year"),
        "budget_usd": summary.get("budget_usd"), "it_mw": summary.get("it_mw"), "gpus": summary.get("gpus"),
        "data_sha256": summary.get("data_sha256"), "scenario_sha256": summary.get("scenario_sha256"),
        "capex_usd_by_part": summary.get("capex_usd_by_part"), "energy_opex_pv_usd": summary.get("energy_opex_pv_usd"),
        "import_wheeling_pv_usd": summary.get("import_wheeling_pv_usd"),
        "co2_t_per_year": summary.get("co2_t_per_year"), "gpus_by_type": summary.get("gpus_by_type"),
        "seconds": summary.get("seconds"), "wall_seconds": round(wall_s, 1),
        "marginal_values": summary.get("marginal_values") or [], "runner_ups": summary.get("runner_ups") or [],
        "near_tie": summary.get("near_tie"), "facility_mw_by_zone": summary.get("facility_mw_by_zone"),
        "new_generation": summary.get("new_generation") or [], "zone_imports": summary.get("zone_imports") or [],
    }


BLOCK = re.compile(r"(<!-- BEGIN gen:(?P<name>[a-z0-9_]+) -->\n)(.*?)(<!-- END gen:(?P=name) -->)", re.DOTALL)


def replace_blocks(text: str, blocks: Mapping[str, str]) -> str:
    """Replace the content between ``<!-- BEGIN gen:NAME -->`` and ``<!-- END gen:NAME -->`` for each
    NAME in ``blocks``; other blocks and all text outside markers are kept. A NAME without markers in
    ``text`` is an error (the doc would silently go stale)."""
    found = {m.group("name") for m in BLOCK.finditer(text)}
    absent = sorted(set(blocks) - found)
    if absent:
        raise KeyError(f"no markers for block(s) {absent}")

    def sub(m: re.Match) -> str:
        name = m.group("name")
        if name not in blocks:
            return m.group(0)
        return m.group(1) + blocks[name].rstrip("\n") + "\n" + m.group(4)

    return BLOCK.sub(sub, text)


def md_table(df: pd.DataFrame, fmt: Mapping[str, str] | None = None, default: str = "{:,.1f}") -> str:
    fmt = fmt or {}
    cols = list(df.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c])
                                                                   and df[c].dtype != bool else "---" for c in cols) + "|"]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, (bool, np.bool_)):
                cells.append("yes" if v else "no")
            elif isinstance(v, (int, np.integer)):
                cells.append(fmt.get(c, "{:,d}").format(int(v)))
            elif isinstance(v, (float, np.floating)):
                cells.append("" if pd.isna(v) else fmt.get(c, default).format(float(v)))
            else:
                cells.append(str(v))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


# ============================================================================ file readers
def read_data() -> dict[str, pd.DataFrame]:
    """The repo tables this script checks."""
    s = {"county_fips": str, "state_fips": str}
    return {
        "zones": pd.read_csv(DATA / "zone_supply.csv"),
        "transfers": pd.read_csv(DATA / "zone_transfer_mw.csv"),
        "county_zone": pd.read_csv(DATA / "county_zone.csv", dtype=s),
        "county_grid": pd.read_csv(DATA / "county_grid.csv", dtype={"fips": str}),
        "state_facts": pd.read_csv(DATA / "state_facts.csv", dtype=s),
        "county_price": pd.read_csv(DATA / "county_price.csv", dtype=s),
        "ttp": pd.read_csv(DATA / "time_to_power.csv"),
        "county_ttp": pd.read_csv(DATA / "county_time_to_power.csv", dtype=s),
    }


def eia_2023_industrial(shared: Path, names: pd.Series) -> pd.Series:
    """EIA EPA 2023 industrial $/MWh (cents/kWh x 10) by USPS code; ``names``: USPS -> full state name."""
    df = pd.read_csv(shared / "eia_epa2023_state_price_by_sector.csv", dtype={"industrial_cents_kwh": str})
    cents = pd.to_numeric(df.set_index(df["state"].str.strip())["industrial_cents_kwh"], errors="coerce")
    return names.map(cents) * 10.0


def eia861_utility_industrial(shared: Path) -> pd.DataFrame:
    """EIA-861 2018 sheet States: industrial revenue (k$), sales (MWh), price ($/MWh) per utility and state."""
    x = pd.read_excel(shared / "eia861_Sales_Ult_Cust_2018.xlsx", sheet_name="States", header=[0, 1, 2])
    cols = list(x.columns)
    # Columns by position, as the sheet's three header rows are merged cells: utility number, name, part,
    # state, ownership at 1, 2, 3, 6, 7; industrial revenue (thousand $), sales (MWh) at 15, 16.
    y = pd.DataFrame({"uid": pd.to_numeric(x[cols[1]], errors="coerce"), "utility": x[cols[2]].astype(str),
                      "part": x[cols[3]].astype(str).str.strip(), "state": x[cols[6]].astype(str).str.strip(),
                      "ownership": x[cols[7]].astype(str).str.strip(),
                      "i_rev": pd.to_numeric(x[cols[15]], errors="coerce"),
                      "i_sales": pd.to_numeric(x[cols[16]], errors="coerce")})
    y = y.loc[y["uid"].notna() & (y["i_sales"] > 0)].copy()
    y["price"] = 1000.0 * y["i_rev"] / y["i_sales"]
    return y


# ============================================================================ sections
def section_spare(d: dict[str, pd.DataFrame], spare_share: float) -> tuple[str, dict]:
    s = spare_summary(d["zones"])
    z = d["zones"]
    base = ", ".join(str(int(y)) for y in sorted(z["base_year"].unique())) if "base_year" in z else "2018"
    rm_lo, rm_hi = float(z["reserve_margin"].min()), float(z["reserve_margin"].max())
    legacy_mw = float(d["county_grid"]["headroom_mw"].sum())
    lo, hi = REFERENCES["duke_low_gw"], REFERENCES["duke_high_gw"]
    rows = pd.DataFrame([
        {"quantity": "Σ spare firm MW over 134 zones (zone_supply.csv)", "GW": s["spare_mw"] / 1e3,
         "what it is": f"firm, no curtailment, {base} demand less committed data-center load, {s['zones_with_spare']} of "
                       f"{s['zones']} zones > 0"},
        {"quantity": f"  x spare_share {spare_share} (what the zonal model lets campuses claim)",
         "GW": spare_share * s["spare_mw"] / 1e3, "what it is": "the model's national firm ceiling before imports "
         "(imports only move spare between zones) and new generation"},
        {"quantity": "Σ (accredited − peak x (1 + reserve margin) − committed), deficits offset", "GW": s["net_mw"] / 1e3,
         "what it is": f"national net firm surplus at the zones' NERC margins ({rm_lo:.0%}-{rm_hi:.0%})"},
        {"quantity": "Σ committed data-center load (zone_supply.csv committed_dc_mw)", "GW": s["committed_mw"] / 1e3,
         "what it is": "existing data centers not in the demand basis (IM3 atlas), deducted from spare"},
        {"quantity": "Σ legacy county headroom (county_grid.csv)", "GW": legacy_mw / 1e3,
         "what it is": "the legacy model's national ceiling (no zone limit)"},
        {"quantity": "Duke / Norris et al. 2025, low (0.25 % curtailment)", "GW": lo,
         "what it is": "new load with curtailment, not firm"},
        {"quantity": "Duke / Norris et al. 2025, high (1 % curtailment)", "GW": hi,
         "what it is": "new load with curtailment, not firm"},
    ])
    by_reg = d["zones"].groupby("transreg").agg(zones=("zone", "size"),
                                                zones_with_spare=("spare_firm_mw", lambda v: int((v > 0).sum())),
                                                spare_GW=("spare_firm_mw", lambda v: v.sum() / 1e3))
    by_reg = by_reg.sort_values("spare_GW", ascending=False).reset_index()
    text = md_table(rows, {"GW": "{:,.1f}"}) + "\n\nBy ReEDS transmission region:\n\n" + md_table(
        by_reg, {"spare_GW": "{:,.1f}"})
    vals = {**s, "legacy_headroom_mw": legacy_mw, "spare_share": spare_share,
            "inside_duke": bool(lo <= s["spare_mw"] / 1e3 <= hi)}
    return text, vals


def section_pjm(d: dict[str, pd.DataFrame], membership: pd.DataFrame, spare_share: float,
                import_share: float) -> tuple[str, dict]:
    pjm = region_zones(membership, "PJM")
    zones = d["zones"].set_index("zone")
    spare = zones["spare_firm_mw"]
    pjm_spare = float(spare.reindex(pjm).sum())
    inbound = inbound_limit_mw(d["transfers"], pjm)
    lp = max_hosting_mw(spare, d["transfers"], pjm, spare_share, import_share)
    lp_full = max_hosting_mw(spare, d["transfers"], pjm, 1.0, 1.0)
    cz = d["county_zone"]
    pjm_counties = cz.loc[cz["zone"].isin(pjm), "county_fips"]
    legacy = float(d["county_grid"].set_index("fips")["headroom_mw"].reindex(pjm_counties).sum())
    ref = REFERENCES["shao_pjm_gw"]
    simple = pjm_spare + import_share * inbound
    rows = pd.DataFrame([
        {"quantity": f"PJM zones ({len(pjm)}, reeds_zone_membership.csv transreg = PJM): Σ spare firm MW",
         "GW": pjm_spare / 1e3},
        {"quantity": "Σ NARIS limits into PJM from outside zones (zone_transfer_mw.csv)", "GW": inbound / 1e3},
        {"quantity": f"spare + import_share {import_share} x inbound limits", "GW": simple / 1e3},
        {"quantity": "spare + 100 % of inbound limits", "GW": (pjm_spare + inbound) / 1e3},
        {"quantity": f"zonal rules' maximum (LP: spare_share {spare_share}, import_share {import_share}, "
                     "imports need spare upstream, no new generation)", "GW": lp["total_mw"] / 1e3},
        {"quantity": "same LP, spare_share 1, import_share 1", "GW": lp_full["total_mw"] / 1e3},
        {"quantity": f"legacy: Σ county headroom of the {len(pjm_counties)} PJM counties", "GW": legacy / 1e3},
        {"quantity": "Shao et al. 2025, PJM hosting capacity", "GW": ref},
    ])
    vals = {"zones": pjm, "spare_mw": pjm_spare, "inbound_mw": inbound, "simple_mw": simple,
            "lp_mw": lp["total_mw"], "lp_full_mw": lp_full["total_mw"], "legacy_mw": legacy,
            "zones_with_spare": int((spare.reindex(pjm) > 0).sum()),
            "lp_zones_loaded": int((lp["load_mw"] > 1e-6).sum())}
    return md_table(rows, {"GW": "{:,.1f}"}), vals


def section_price_co2(d: dict[str, pd.DataFrame], shared: Path) -> tuple[dict[str, str], dict[str, Any]]:
    sf = d["state_facts"].set_index("state")
    price = sf["industrial_price_usd_per_mwh"].astype(float)
    src_price = eia_2023_industrial(shared, sf["name"])
    pe = error_stats(price, src_price)
    filled = {s: sf.loc[s, "industrial_price_source"] for s in pe["missing"]}
    eg = pd.read_csv(shared / "egrid2022_state.csv").set_index("PSTATABB")
    co2 = sf["co2_kg_per_mwh"].astype(float)
    src_co2 = eg["STCO2RTA"].astype(float) * LB_TO_KG
    ce = error_stats(co2, src_co2)
    rows = pd.DataFrame([
        {"table (model)": "state_facts industrial_price_usd_per_mwh", "source": "eia_epa2023_state_price_by_sector.csv "
         "industrial x 10", "n": pe["n"], "median abs err": pe["median_abs"], "max abs err": pe["max_abs"],
         "unit": "$/MWh", "max rel err %": pe["max_pct"], "not in source": ", ".join(pe["missing"]) or "-"},
        {"table (model)": "state_facts co2_kg_per_mwh", "source": "egrid2022_state.csv STCO2RTA x 0.45359237",
         "n": ce["n"], "median abs err": ce["median_abs"], "max abs err": ce["max_abs"], "unit": "kg/MWh",
         "max rel err %": ce["max_pct"], "not in source": ", ".join(ce["missing"]) or "-"},
    ])
    # eGRID: state vs subregion (no county or zone -> subregion mapping is held).
    sr = pd.read_csv(shared / "egrid2022_subregion.csv")
    sr_c = sr.loc[~sr["SUBRGN"].isin(NON_CONUS_SUBREGIONS)]
    st_c = eg.loc[eg.index.isin(sf.index)]
    ss = rate_spread(st_c["STCO2RTA"] * LB_TO_KG, st_c["STNGENAN"])
    rs = rate_spread(sr_c.set_index("SUBRGN")["SRCO2RTA"] * LB_TO_KG, sr_c.set_index("SUBRGN")["SRNGENAN"])
    nat_st = float(eg["STCO2AN"].sum() * 2000 / eg["STNGENAN"].sum() * LB_TO_KG)
    nat_sr = float(sr["SRCO2AN"].sum() * 2000 / sr["SRNGENAN"].sum() * LB_TO_KG)
    spread = pd.DataFrame([
        {"regions": "48 contiguous states + DC (the model's CO2 regions)", **ss},
        {"regions": f"{len(sr_c)} contiguous eGRID subregions", **rs},
    ]).rename(columns={"weighted_mean": "gen-weighted mean", "weighted_median": "gen-weighted median"})
    sr_table = (sr_c.copy().assign(kg=sr_c["SRCO2RTA"] * LB_TO_KG)[["SUBRGN", "SRNAME", "kg"]]
                .sort_values("kg").rename(columns={"SUBRGN": "subregion", "SRNAME": "name", "kg": "kg CO2/MWh"}))
    # County prices: the Washington PUDs against EIA-861 2018.
    util = eia861_utility_industrial(shared)
    cp = d["county_price"].set_index("county_fips")
    pud_rows = []
    for fips, (county, pud, fig) in PUD_CHECK.items():
        u = util.loc[(util["state"] == "WA") & (util["utility"].str.strip() == pud)]
        raw = float(1000.0 * u["i_rev"].sum() / u["i_sales"].sum()) if len(u) else float("nan")
        got = float(cp.loc[fips, "price_2018_usd_per_mwh"])
        pud_rows.append({"county": f"{county} ({fips})", "PUD": pud, "issue 2018 $/MWh": fig,
                         "EIA-861 2018 file $/MWh": raw, "county_price.csv 2018 $/MWh": got,
                         "county - issue %": 100.0 * (got - fig) / fig, "utilities": int(cp.loc[fips, "n_utilities"]),
                         "2023-scaled $/MWh": float(cp.loc[fips, "price_usd_per_mwh"])})
    pud = pd.DataFrame(pud_rows)
    text = {
        "price_co2": md_table(rows, {"median abs err": "{:.3f}", "max abs err": "{:.3f}", "max rel err %": "{:.3f}"}),
        "co2_spread": md_table(spread, {c: "{:,.1f}" for c in ["min", "max", "median", "gen-weighted mean",
                                                               "gen-weighted median"]})
        + f"\n\nNational rate, Σ CO2 x 2000 / Σ generation: state table {nat_st:.2f}, subregion table {nat_sr:.2f} "
          "kg/MWh (all rows incl. AK, HI, PR).\n\nSubregions (contiguous), kg CO2/MWh:\n\n"
        + md_table(sr_table, {"kg CO2/MWh": "{:,.1f}"}),
        "pud": md_table(pud, {"issue 2018 $/MWh": "{:.1f}", "EIA-861 2018 file $/MWh": "{:.2f}",
                              "county_price.csv 2018 $/MWh": "{:.2f}", "county - issue %": "{:+.1f}",
                              "2023-scaled $/MWh": "{:.2f}"}),
    }
    wa = float(price["WA"])
    vals = {"price": pe, "co2": ce, "filled": filled, "state_spread": ss, "subregion_spread": rs,
            "national_state": nat_st, "national_subregion": nat_sr, "pud": pud_rows, "wa_state_price": wa}
    return text, vals


def section_ttp(d: dict[str, pd.DataFrame]) -> tuple[str, dict]:
    ref = REFERENCES["lbnl_median_years"]
    t = ttp_vs_reference(d["ttp"], ref)
    n = t["n_projects"].astype(float)
    pooled_mean = float((t["median_years"] * n).sum() / n.sum())
    c = d["county_ttp"]
    lv = c["level"].value_counts()
    ct = pd.DataFrame([{"counties using": k, "n": int(lv.get(k, 0))} for k in ("zone", "iso", "default")])
    text = md_table(t.rename(columns={"minus_reference_years": "minus 5 y", "minus_reference_pct": "minus 5 y %",
                                      "reference_in_p25_p75": "5 y inside p25-p75"}),
                    {"median_years": "{:.2f}", "p25_years": "{:.2f}", "p75_years": "{:.2f}", "minus 5 y": "{:+.2f}",
                     "minus 5 y %": "{:+.0f}"})
    non_default = c.loc[c["level"] != "default", "median_years"].astype(float)
    text += (f"\n\nMedian of the six ISO medians {t['median_years'].median():.2f} y; project-weighted mean of the "
             f"ISO medians {pooled_mean:.2f} y (n = {int(n.sum()):,}). Counties "
             f"({len(c):,}, county_time_to_power.csv): median {c['median_years'].median():.2f} y over all, "
             f"{non_default.median():.2f} y over the {len(non_default):,} not on the default.\n\n" + md_table(ct))
    vals = {"iso": t, "median_of_medians": float(t["median_years"].median()), "weighted": pooled_mean,
            "county_levels": {k: int(v) for k, v in lv.items()}}
    return text, vals


# ============================================================================ national solves
def national_scenario(supply_model: str, threads: int):
    """runs/us-snapshot.toml with ``supply.model`` set explicitly (the default is not relied on) and
    ``threads`` HiGHS threads; every other setting as in the file."""
    from model.config import load_scenario

    sc = load_scenario(SCENARIO)
    return sc.model_copy(update={"supply": sc.supply.model_copy(update={"model": supply_model}),
                                 "solver": sc.solver.model_copy(update={"threads": threads})})


# Per-site rows whose duals tell which limit stops a built campus growing (rows of model/milp/components).
SITE_ROWS = ("campus_max", "campus_min", "headroom", "connection_mw", "land")


def fixed_siting_lp(sm, budget_per_usd: float | None) -> dict[str, Any]:
    """Which rule binds where: the LP the engine's marginal values come from (model.solve.duals: binaries
    fixed at the solution loaded in ``sm.m``, GPU blocks continuous), read further than the engine does.

    Per built site: its LP facility MW and the value of relaxing each per-site row by one unit, and of the
    GPU-block upper bounds (column bounds such as the campus cap divided by MW per block; their reduced
    costs, converted to per MW of facility). Per zone with a campus or new generation: the zone firm
    balance (activity, bound, dual), and the new-generation energy rows. Values are PFLOPS per unit of
    relaxation (all rows are in ``<=`` form in the standard form, so positive = relaxing helps), and $ per
    unit when ``budget_per_usd`` (the budget's marginal value, PFLOPS per $) is given."""
    import highspy
    import pyomo.environ as pyo

    from model.solve.duals import solve_fixed_siting_lp

    root, m, data = sm.m, sm.final.m, sm.data
    form, h = solve_fixed_siting_lp(root)
    lp = form.lp
    up = np.asarray(lp.col_upper_, float)  # the bounds the LP solved with (binaries fixed)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return {"status": str(h.getModelStatus())}
    sol = h.getSolution()
    x, rc = np.asarray(sol.col_value), np.asarray(sol.col_dual)
    dual, act = np.asarray(sol.row_dual), np.asarray(sol.row_value)
    row_up = np.asarray(lp.row_upper_, float)
    row_of = {id(c): i for i, c in enumerate(form.row_constraints)}
    col_of = {id(v): j for j, v in enumerate(form.columns)}
    usd = (lambda v: v / budget_per_usd) if budget_per_usd else (lambda v: float("nan"))

    def rows_of(name: str, keys: Iterable, block: Any = m) -> list[dict[str, Any]]:
        comp = block.find_component(name)
        out: list[dict[str, Any]] = []
        if comp is None:
            return out
        for k in keys:
            if k in comp and id(comp[k]) in row_of:
                i = row_of[id(comp[k])]
                out.append({"row": name, "index": k if isinstance(k, str) else str(k), "activity": float(act[i]),
                            "bound": float(row_up[i]), "pflops_per_unit": float(dual[i]), "usd_per_unit": usd(float(dual[i]))})
        return out

    built = [s for s in m.SITES if round(pyo.value(m.build[s])) == 1]
    sites = []
    for s in built:
        mw, limits = 0.0, []
        for g in data.sets.GPUS:
            if (s, g) not in m.blocks:
                continue
            j = col_of[id(m.blocks[s, g])]
            mw_per_block = data.block_it_mw[g] * data.pue[s]
            mw += x[j] * mw_per_block
            if abs(rc[j]) > 1e-9 and x[j] > 1e-9:
                limits.append({"row": f"blocks[{g}] upper bound", "index": s, "activity": float(x[j]), "bound": float(up[j]),
                               "pflops_per_unit": float(rc[j]) / mw_per_block, "usd_per_unit": usd(float(rc[j]) / mw_per_block)})
        limits += [r for name in SITE_ROWS for r in rows_of(name, [s]) if abs(r["pflops_per_unit"]) > 1e-9]
        sites.append({"site": s, "lp_facility_mw": mw, "limits": limits})
    zones: list[dict[str, Any]] = []
    if data.supply is not None:
        # Rows at 0 <= 0 (a zone without campus, a type not built) are degenerate: their duals are not
        # unique, so only the zones with a campus and the (zone, type) pairs actually built are read.
        with_campus = {data.sites.loc[s, "zone"] for s in built}
        gen_built = [k for k in m.new_gen_mw if pyo.value(m.new_gen_mw[k]) > 1e-6]
        keep = [z for z in m.ZONES if z in with_campus | {k[0] for k in gen_built}]
        zones = rows_of("zone_firm", keep) + rows_of("new_gen_energy_use", [z for z in keep if z in with_campus])
        zones += rows_of("new_gen_energy_max", [k for k in gen_built if k in m.ZONES_GEN_ENERGY and k[0] in with_campus])
    scalar = rows_of("budget", [None], root) if root.find_component("budget") is not None and not root.budget.is_indexed() else []
    return {"status": "optimal", "lp_objective": float(h.getInfo().objective_function_value), "sites": sites,
            "zones": zones, "budget_row": scalar}


def solve_national(supply_model: str, threads: int = 1, mip_gap: float | None = None) -> dict[str, Any]:
    """Solve the national default in memory through the run engine (``model.workflows.engine``: the same
    ``build_checked`` and ``solve_built`` that ``Engine.solve`` / ``solve_scenario`` run; no run directory
    is written), then read the fixed-siting LP (:func:`fixed_siting_lp`)."""
    from model.inputs.load import load_inputs

    sc = national_scenario(supply_model, threads)
    if mip_gap is not None:
        sc = sc.model_copy(update={"solver": sc.solver.model_copy(update={"mip_gap": mip_gap})})
    t = time.perf_counter()
    inputs = load_inputs(sc)
    return solve_with_diagnostics(sc, inputs, load_s=time.perf_counter() - t)


def solve_with_diagnostics(sc, inputs, load_s: float = 0.0) -> dict[str, Any]:
    """``solve_built`` on a freshly built model of ``inputs``, the answer (:func:`answer_from`) and the
    fixed-siting LP of the solution."""
    from model.workflows.engine import build_checked, solve_built

    t0 = time.perf_counter()
    sm = build_checked(inputs)
    outcome = solve_built(sm, {"load": load_s, "build": time.perf_counter() - t0})
    ans = answer_from(outcome.summary, outcome.sites, load_s + time.perf_counter() - t0)
    budget = next((v["value_per_unit"] for v in ans["marginal_values"] if v["rule"] == "budget"), None)
    ans["lp"] = fixed_siting_lp(sm, budget) if outcome.sites is not None else {}
    if "price_source" in inputs.sites:
        src = dict(zip(inputs.sites["county_fips"].astype(str), inputs.sites["price_source"].astype(str)))
        for row in ans["sites"]:
            row["price_source"] = src.get(row["county_fips"], "")
    names = dict(zip(sm.data.sites.index.astype(str), sm.data.sites["county_name"].astype(str)))
    for s in ans["lp"].get("sites", []):
        s["county"] = names.get(str(s["site"]), str(s["site"]))
    ans["threads"] = sc.solver.threads
    ans["cpus"] = os.cpu_count()
    ans["mip_gap_target"] = sc.solver.mip_gap
    ans["time_limit_s"] = sc.solver.time_limit_s
    ans["annuity_years"] = _annuity(outcome.sites)
    if inputs.supply is not None:
        ans["spare_share"] = inputs.supply.spare_share
        ans["import_share"] = inputs.supply.import_share
        ans["gas_fuel_usd_per_mmbtu"] = inputs.supply.gas_fuel_usd_per_mmbtu
    return ans


def _annuity(sites: pd.DataFrame | None) -> float | None:
    """Years of energy the budget counts per year of bills (energy_opex_pv / energy_cost per year)."""
    if sites is None or "energy_cost_usd_per_year" not in sites:
        return None
    x = sites.loc[sites["energy_cost_usd_per_year"] > 0]
    return float((x["energy_opex_pv_usd"] / x["energy_cost_usd_per_year"]).median()) if len(x) else None


def new_gas_economics(answer: Mapping[str, Any], gen_costs: pd.DataFrame) -> pd.DataFrame:
    """Per zone and type of new generation in a zonal answer: what it costs the budget and the energy it
    displaces. ``gen_costs`` is new_generation_costs.csv indexed by type.

    energy $/MWh = fuel x heat rate + VOM (no carbon price in the default); saving PV = energy MWh x (the
    zone's campus grid price - energy $/MWh) x the answer's annuity years (the cheapest campus of the zone
    sets the reference price, as in docs/supply_model.md); net = saving PV - cost PV (what the budget
    counts). Campus MWh = facility MW x load factor x 8760 as in the sites table."""
    sites = pd.DataFrame(answer["sites"])
    gen = pd.DataFrame(answer["new_generation"])
    if gen.empty or sites.empty:
        return pd.DataFrame()
    gen = gen.loc[gen["new_mw"] > 1e-6]
    fuel, years = float(answer["gas_fuel_usd_per_mmbtu"]), float(answer["annuity_years"])
    rows = []
    for _, g in gen.iterrows():
        c = gen_costs.loc[g["type"]]
        hr = 0.0 if pd.isna(c["heat_rate_mmbtu_per_mwh"]) else float(c["heat_rate_mmbtu_per_mwh"])
        e_cost = fuel * hr + float(c["vom_usd_per_mwh"])
        zs = sites.loc[sites["zone"] == g["zone"]]
        ref = float(zs["price_usd_per_mwh"].min()) if len(zs) else float("nan")
        campus_mwh = float(zs["energy_mwh_per_year"].sum()) if len(zs) else 0.0
        saving = float(g["energy_mwh_per_year"]) * (ref - e_cost) * years
        share = float(c["max_energy_share"]) if pd.notna(c.get("max_energy_share")) else float("nan")
        # Budget $ per MWh/yr of energy capacity, and the grid price above which energy-sized plant pays.
        cap_usd = float(g["cost_pv_usd"]) / (float(g["new_mw"]) * share * 8760.0) if share > 0 else float("nan")
        rows.append({"zone": g["zone"], "type": g["type"], "new MW": float(g["new_mw"]), "firm MW": float(g["firm_mw"]),
                     "campus MW": float(zs["facility_mw"].sum()) if len(zs) else 0.0,
                     "energy share of campus": float(g["energy_mwh_per_year"]) / campus_mwh if campus_mwh else float("nan"),
                     "grid $/MWh": ref, "new energy $/MWh": e_cost,
                     "cost PV $M (budget)": float(g["cost_pv_usd"]) / 1e6, "saving PV $M": saving / 1e6,
                     "net $M": (saving - float(g["cost_pv_usd"])) / 1e6,
                     "budget $ per MWh/yr": cap_usd, "break-even grid $/MWh": e_cost + cap_usd / years})
    return pd.DataFrame(rows)


def co2_use(answers: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """CO2 of each answer (Mt/yr): the sites' grid energy at their grid rates (summary ``co2_t_per_year``),
    new generation net of the grid CO2 it displaces (``new_generation_co2_t_per_year``), and the total."""
    out = {}
    for name, a in answers.items():
        grid = float(a.get("co2_t_per_year") or 0.0) / 1e6
        new = float(a.get("new_generation_co2_t_per_year") or 0.0) / 1e6
        out[name] = {"grid energy of the sites": grid, "new generation, net of displaced grid": new, "total": grid + new}
    df = pd.DataFrame(out)
    if len(answers) == 2:
        first, second = list(answers)
        df[f"{second} − {first}"] = df[second] - df[first]
    return df.rename_axis("MtCO2/yr").reset_index()


def connection_costs(fips: Iterable[str], county_km: pd.DataFrame, classes: pd.DataFrame,
                     kv: Iterable[float] = (345.0, 500.0)) -> pd.DataFrame:
    """Per county (FIPS): km to the nearest station of each class in ``kv`` and the connection cost the zonal
    model charges, substation_usd + spur_usd_per_km x km (county_substation.csv, connection_classes.csv)."""
    km = county_km.set_index("county_fips")
    cls = classes.set_index("class_kv")
    rows = []
    for f in fips:
        row: dict[str, Any] = {"county_fips": f}
        for v in kv:
            c = cls.loc[v]
            d = float(km.loc[f, f"km_class_{int(c['voltage_class'])}"])
            row[f"km to {v:.0f} kV"] = d
            row[f"{v:.0f} kV cost $M ({c['deliverable_mw']:,.0f} MW)"] = (float(c["substation_usd"]) + float(c["spur_usd_per_km"]) * d) / 1e6
        rows.append(row)
    return pd.DataFrame(rows)


def budget_use(answers: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Where each answer's budget goes ($bn): capex parts, grid energy PV (the sites' bills), new generation
    (what the budget counts) and its energy PV net of the grid energy it displaces (negative: a saving), and
    wheeling on firm imports (energy at scale)."""
    parts = [("GPUs", "gpu"), ("shell", "shell"), ("site fixed", "site"), ("land", "land"), ("interconnect", "interconnect")]
    out = {}
    for name, a in answers.items():
        cap = a.get("capex_usd_by_part") or {}
        col = {label: float(cap.get(k, 0.0) or 0.0) / 1e9 for label, k in parts}
        col["grid energy PV (site bills)"] = float(a.get("energy_opex_pv_usd") or 0.0) / 1e9
        col["new generation, budget cost"] = float(a.get("new_generation_cost_pv_usd") or 0.0) / 1e9
        col["new generation energy PV, net of displaced grid"] = float(a.get("new_generation_energy_cost_pv_usd") or 0.0) / 1e9
        col["import wheeling PV"] = float(a.get("import_wheeling_pv_usd") or 0.0) / 1e9
        col["total"] = sum(col.values())
        out[name] = col
    df = pd.DataFrame(out)
    if len(answers) == 2:
        first, second = list(answers)
        df[f"{second} − {first}"] = df[second] - df[first]
    return df.rename_axis("$bn").reset_index()


def answer_block(a: Mapping[str, Any]) -> str:
    sites = pd.DataFrame(a["sites"])
    if "capex_interconnect_usd" in sites:
        sites["interconnect $M"] = sites["capex_interconnect_usd"] / 1e6
    keep = [c for c in ("county", "state", "county_fips", "facility_mw", "zone", "connection_option", "substation_km",
                        "interconnect $M", "headroom_mw", "upgrade_tier", "pue", "price_usd_per_mwh", "price_source",
                        "time_to_power_years") if c in sites.columns]
    gen = ", ".join(f"{k} {v:,.1f} MW" for k, v in a["new_generation_mw"].items()) or "none"
    sec = a.get("seconds") or {}
    lines = [
        (f"- status `{a['status']}`, **{a['compute_pflops']:,.0f} PFLOPS** (FP8), facility {a['facility_mw']:,.1f} MW, "
        f"gap {100 * (a['mip_gap'] or 0):.3f} % (target {100 * a['mip_gap_target']:g} %), {a['threads']} HiGHS thread"),
        f"- inputs: data_sha256 `{str(a.get('data_sha256'))[:12]}`, scenario_sha256 `{str(a.get('scenario_sha256'))[:12]}`",
        f"- new generation: {gen}" + (f"; overnight capex ${a['new_generation_capex_usd'] / 1e9:,.2f}bn, of which the "
                                      f"budget counts ${a['new_generation_cost_pv_usd'] / 1e9:,.2f}bn"
                                      if a.get("new_generation_capex_usd") else ""),
        (f"- seconds: solve {sec.get('solve', float('nan')):.1f}, load {sec.get('load', float('nan')):.1f}, "
        f"build {sec.get('build', float('nan')):.1f}, wall {a['wall_seconds']:.1f} ({a.get('cpus', '?')} cores shared "
        "with other jobs; not a benchmark)"),
        "",
        md_table(sites[keep], {"facility_mw": "{:,.1f}", "headroom_mw": "{:,.1f}", "price_usd_per_mwh": "{:.1f}",
                               "time_to_power_years": "{:.2f}", "pue": "{:.3f}", "substation_km": "{:.2f}",
                               "interconnect $M": "{:,.1f}"}),
    ]
    if a["marginal_values"]:
        lines += ["", "Marginal values (summary `marginal_values`, LP with the siting fixed):", ""]
        lines += [f"- {m['sentence']}" for m in a["marginal_values"]]
    lpd = a.get("lp") or {}
    if lpd.get("sites"):
        lines += ["", (f"What stops each built campus growing (fixed-siting LP, objective {lpd['lp_objective']:,.0f} PFLOPS; "
                  "value of relaxing the limit by 1 unit, PFLOPS and $ of budget; block bounds per MW of facility):"), ""]
        rows = []
        for st in lpd["sites"]:
            lim = st["limits"] or [{"row": "none (the marginal site: budget)", "pflops_per_unit": 0.0, "usd_per_unit": 0.0,
                                    "activity": float("nan"), "bound": float("nan")}]
            for r in lim:
                rows.append({"site": st["county"], "LP facility MW": st["lp_facility_mw"], "limit": r["row"],
                             "PFLOPS per unit": r["pflops_per_unit"], "$ per unit": r["usd_per_unit"]})
        lines.append(md_table(pd.DataFrame(rows), {"LP facility MW": "{:,.1f}", "PFLOPS per unit": "{:,.4f}",
                                                   "$ per unit": "{:,.0f}"}))
    if lpd.get("zones"):
        lines += ["", ("Zone rows of the zones with a campus or new generation (same LP; slack = bound − activity of the "
                  "row in `<=` form, MW or MWh/yr):"), ""]
        z = pd.DataFrame(lpd["zones"])
        z["slack"] = z["bound"] - z["activity"]
        z = z[["row", "index", "slack", "pflops_per_unit", "usd_per_unit"]]
        lines.append(md_table(z.rename(columns={"pflops_per_unit": "PFLOPS per unit", "usd_per_unit": "$ per unit"}),
                              {"slack": "{:,.1f}", "PFLOPS per unit": "{:,.4f}", "$ per unit": "{:,.1f}"}))
    if a["runner_ups"]:
        ups = pd.DataFrame(a["runner_ups"])[["county_name", "state", "facility_mw", "binding_limit", "gap_share"]]
        ups["gap_share"] = 100 * ups["gap_share"].astype(float)
        lines += ["", "Runner-ups (summary `runner_ups`; gap to entering, % of the marginal $/PFLOPS):", "",
                  md_table(ups.rename(columns={"gap_share": "gap %"}), {"facility_mw": "{:,.1f}", "gap %": "{:.3f}"})]
    return "\n".join(lines)


def zone_block(a: Mapping[str, Any], zones: pd.DataFrame) -> str:
    """Per zone the zonal answer uses: campus MW, spare x share, imports in/out, new firm MW (balance)."""
    z = zones.set_index("zone")
    share = a.get("spare_share", float("nan"))
    load = pd.Series(a.get("facility_mw_by_zone") or {}, dtype=float)
    imp = pd.DataFrame(a.get("zone_imports") or [], columns=["from_zone", "to_zone", "mw"])
    gen = pd.DataFrame(a.get("new_generation") or [], columns=["zone", "type", "new_mw", "firm_mw"])
    used = list(dict.fromkeys(list(load.index) + list(gen.loc[gen["new_mw"] > 1e-6, "zone"])))
    rows = []
    for zn in used:
        rows.append({"zone": zn, "state": z.loc[zn, "state"], "transreg": z.loc[zn, "transreg"],
                     "campus MW": float(load.get(zn, 0.0)), "spare x share MW": share * float(z.loc[zn, "spare_firm_mw"]),
                     "imports in MW": float(imp.loc[imp["to_zone"] == zn, "mw"].sum()),
                     "exports MW": float(imp.loc[imp["from_zone"] == zn, "mw"].sum()),
                     "new firm MW": float(gen.loc[gen["zone"] == zn, "firm_mw"].sum()),
                     "new nameplate MW": float(gen.loc[gen["zone"] == zn, "new_mw"].sum())})
    return md_table(pd.DataFrame(rows)) if rows else "(no zone rows)"


# ============================================================================ main
def summary_rows(v: Mapping[str, Any]) -> pd.DataFrame:
    """The headline validation table."""
    sp, pj, pc, tt = v["spare"], v["pjm"], v["price_co2"], v["ttp"]
    r = REFERENCES
    return pd.DataFrame([
        {"check": "national spare firm (GW)", "model": f"{sp['spare_mw'] / 1e3:,.1f}",
         "reference": f"{r['duke_low_gw']:.0f}-{r['duke_high_gw']:.0f} (Duke 2025, curtailable, not firm)",
         "note": f"net {sp['net_mw'] / 1e3:+,.1f}; legacy headroom {sp['legacy_headroom_mw'] / 1e3:,.1f}"},
        {"check": "PJM hosting (GW)", "model": f"{pj['spare_mw'] / 1e3:,.1f} spare; {pj['simple_mw'] / 1e3:,.1f} "
         f"with imports; {pj['lp_mw'] / 1e3:,.1f} model max", "reference": f"~{r['shao_pjm_gw']:.0f} (Shao 2025)",
         "note": f"legacy county headroom {pj['legacy_mw'] / 1e3:,.1f}"},
        {"check": "state industrial price ($/MWh)", "model": f"median {pc['price']['median_abs']:.3f}, max "
         f"{pc['price']['max_abs']:.3f} abs err (n={pc['price']['n']})", "reference": "EIA EPA 2023",
         "note": f"not in source: {', '.join(pc['price']['missing'])} (filled, estimate)"},
        {"check": "state CO2 (kg/MWh)", "model": f"median {pc['co2']['median_abs']:.4f}, max {pc['co2']['max_abs']:.4f} "
         f"abs err (n={pc['co2']['n']})", "reference": "eGRID2022 state", "note": "rounding to 0.01 only"},
        {"check": "WA PUD county price 2018 ($/MWh)", "model": ", ".join(
            f"{p['county'].split(' ')[0]} {p['county_price.csv 2018 $/MWh']:.1f}" for p in pc["pud"]),
         "reference": ", ".join(f"{p['issue 2018 $/MWh']:.1f}" for p in pc["pud"]) + " (EIA-861 2018)",
         "note": "Douglas, Grant mix several utilities"},
        {"check": "time to power, ISO medians (y)", "model": ", ".join(
            f"{row.region} {row.median_years:.1f}" for row in tt["iso"].itertuples()),
         "reference": f"~{r['lbnl_median_years']:.0f} (LBNL Queued Up)",
         "note": f"median of ISOs {tt['median_of_medians']:.2f}, project-weighted {tt['weighted']:.2f}"},
    ])


def compute(shared: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """Every generated block except the national answers, and the values behind them."""
    d = read_data()
    mem = pd.read_csv(shared / "reeds_zone_membership.csv")
    cfg = national_scenario("zonal", 1).supply  # the shares the national zonal run uses
    blocks: dict[str, str] = {}
    vals: dict[str, Any] = {}
    blocks["spare"], vals["spare"] = section_spare(d, cfg.spare_share)
    blocks["pjm"], vals["pjm"] = section_pjm(d, mem, cfg.spare_share, cfg.import_share)
    pc_text, vals["price_co2"] = section_price_co2(d, shared)
    blocks.update(pc_text)
    blocks["ttp"], vals["ttp"] = section_ttp(d)
    blocks["summary"] = md_table(summary_rows(vals))
    return blocks, vals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--doc", type=Path, default=DEFAULT_DOC)
    ap.add_argument("--no-solve", action="store_true", help="skip the two national solves (keep their blocks)")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads per national solve (default 1)")
    ap.add_argument("--json", type=Path, help="also write the national answers as JSON here")
    ap.add_argument("--answers", type=Path, help="read the national answers from this JSON instead of solving")
    ap.add_argument("--gap-check", type=float, metavar="GAP",
                    help="also solve the zonal default to this MIP gap (e.g. 1e-4): is the answer an artefact of the 1 %% target?")
    ap.add_argument("--runs", type=Path, help="run directories of the issue-24 sections (validate_location.py; default out/validation)")
    ap.add_argument("--no-location", action="store_true", help="skip the issue-24 sections (validate_location.py)")
    args = ap.parse_args(argv)
    if not (args.shared / "README.md").is_file():
        print(f"validate_supply: {args.shared} not found (set SITING_DATA_DIR or --shared); nothing checked")
        return 0
    sys.path.insert(0, str(REPO_ROOT))
    blocks, _vals = compute(args.shared)
    for name in ("summary", "spare", "pjm", "price_co2", "pud", "ttp"):
        print(f"\n## {name}\n{blocks[name]}")
    answers = None
    if args.answers:
        answers = json.loads(args.answers.read_text())
    elif not args.no_solve:
        answers = {}
        for mode in ("legacy", "zonal"):  # one at a time, one thread each
            print(f"\nsolving the national default with supply.model = {mode!r} ({args.threads} thread) ...", flush=True)
            answers[mode] = solve_national(mode, args.threads)
            print(answer_block(answers[mode]), flush=True)
        if args.gap_check is not None:
            print(f"\nsolving the zonal default to a {args.gap_check:g} gap ...", flush=True)
            answers["zonal_gap_check"] = solve_national("zonal", args.threads, mip_gap=args.gap_check)
            print(answer_block(answers["zonal_gap_check"]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(answers, indent=1, default=str))
    if answers is not None:
        zones = read_data()["zones"]
        for mode in ("legacy", "zonal", "zonal_gap_check"):
            if mode in answers:
                blocks[f"answer_{mode}"] = answer_block(answers[mode])
        blocks["zonal_zones"] = zone_block(answers["zonal"], zones)
        gc = pd.read_csv(DATA / "new_generation_costs.csv").set_index("type")
        eco = new_gas_economics(answers["zonal"], gc)
        blocks["zonal_gas"] = md_table(eco, {"energy share of campus": "{:.3f}", "grid $/MWh": "{:.1f}",
                                             "new energy $/MWh": "{:.2f}", "break-even grid $/MWh": "{:.1f}"}
                                       ) if not eco.empty else "(no new generation)"
        if not eco.empty and (eco["type"] == "gas_cc").any():
            be = float(eco.loc[eco["type"] == "gas_cc", "break-even grid $/MWh"].iloc[0])
            sp = read_data()["state_facts"].set_index("state")["industrial_price_usd_per_mwh"].astype(float)
            blocks["zonal_gas"] += (f"\n\nStates (state_facts.csv, 48 + DC) whose industrial price is above the gas CC "
                                    f"break-even of {be:.1f} $/MWh: {int((sp > be).sum())} of {len(sp)}; below: "
                                    + (", ".join(f"{k} {v:.1f}" for k, v in sp[sp <= be].sort_values().items()) or "none") + ".")
            cp = read_data()["county_price"].set_index("county_fips")["price_usd_per_mwh"].astype(float)
            blocks["zonal_gas"] += (f" Counties (county_price.csv, 2023-scaled) at or below it: {int((cp <= be).sum()):,} "
                                    f"of {len(cp):,}, in {cp[cp <= be].index.str[:2].nunique()} state(s).")
        cs = pd.read_csv(DATA / "county_substation.csv", dtype={"county_fips": str})
        cc = pd.read_csv(DATA / "connection_classes.csv")
        sf = read_data()["state_facts"].set_index("state")
        ids = []
        for mode in ("zonal", "legacy"):
            for st in answers[mode]["sites"]:
                ids.append((st["county_fips"], st["county"], st["state"], mode))
        for r in answers["zonal"]["runner_ups"]:
            ids.append((r["county_fips"], r["county_name"], r["state"], "zonal runner-up"))
        ids = list({i[0]: i for i in ids}.values())
        ct = connection_costs([i[0] for i in ids], cs, cc)
        ct.insert(1, "county", [f"{i[1]} {i[2]}" for i in ids])
        ct.insert(2, "in", [i[3] for i in ids])
        ct.insert(3, "state PUE", [float(sf.loc[i[2], "pue"]) for i in ids])
        blocks["connections"] = md_table(ct, {"state PUE": "{:.3f}"}, default="{:,.2f}")
        blocks["budget_use"] = md_table(budget_use({"legacy": answers["legacy"], "zonal": answers["zonal"]}),
                                        default="{:,.3f}")
        blocks["co2_use"] = md_table(co2_use({"legacy": answers["legacy"], "zonal": answers["zonal"]}), default="{:,.3f}")
        extra = []
        for mode in ("legacy", "zonal", "zonal_gap_check"):
            if mode not in answers:
                continue
            a = answers[mode]
            sites = ", ".join(f"{x['county']} {x['state']} {x['facility_mw']:,.0f} MW" for x in a["sites"])
            extra.append({"run": f"supply.model = {a['supply_model']}, gap target {100 * a['mip_gap_target']:g} %",
                          "PFLOPS": f"{a['compute_pflops']:,.0f}", "sites": sites,
                          "final gap %": f"{100 * (a['mip_gap'] or 0):.3f}", "status": a["status"]})
        blocks["summary_answers"] = md_table(pd.DataFrame(extra))
        dl = answers["zonal"]["compute_pflops"] - answers["legacy"]["compute_pflops"]
        blocks["answer_delta"] = (f"zonal − legacy: {dl:+,.0f} PFLOPS "
                                  f"({100 * dl / answers['legacy']['compute_pflops']:+.2f} %); facility MW "
                                  f"{answers['legacy']['facility_mw']:,.1f} → {answers['zonal']['facility_mw']:,.1f}.")
    if args.doc.is_file():
        text = replace_blocks(args.doc.read_text(encoding="utf-8"), blocks)
        args.doc.write_text(text, encoding="utf-8")
        print(f"\nwrote the generated blocks of {args.doc}")
    else:
        print(f"\n{args.doc} not found: printed only")
    if not args.no_location:  # sections 7-11 (issue 24): their own solves, one child process each
        loc = [*(["--runs", str(args.runs)] if args.runs else []), "--threads", str(args.threads), "--shared", str(args.shared),
               "--doc", str(args.doc), *(["--no-solve"] if args.no_solve or args.answers else [])]
        return int(_location_script().main(loc))
    return 0


def _location_script() -> Any:
    """data/build/validate_location.py, beside this script."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("validate_location", Path(__file__).with_name("validate_location.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate_location"] = module
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    sys.exit(main())
