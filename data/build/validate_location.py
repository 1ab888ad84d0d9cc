"""Validate what issue 24 changed -> the issue-24 sections of docs/validation.md (issue 24, item 10).

Five checks, every number computed here from a run directory written by ``siting run`` (``summary.json``,
``sites.csv``, ``rank.csv``, ``pathway_sites.csv``), a file in ``data/`` or ``../shared/data``:

7. **The national answer before and after issue 24.** The one-period snapshot (``runs/us-snapshot.toml``)
   solved with today's code and each issue-24 switch off together and one at a time (``[tax] sales_tax``,
   ``[supply] firm_power``, ``[supply] energy_at_scale``), today's default, and ``main`` at
   :data:`PRE24_COMMIT` (the tree issue 24 measured, exported with ``git archive``; its
   ``runs/us-default.toml`` was then the snapshot). What each switch does at the winning counties.
8. **The share of value location moves**: the spread of ``usd_per_pflops`` over ``rank.csv`` (all-in cost
   per PFLOPS of the best single campus each county could host) and its parts, location-independent
   (GPUs, shell, site fixed cost, before tax) and location-dependent (tax, land, connection, new generation,
   energy PV), before (``ba1fa05``) and now; and the share of each answer's budget that depends on location.
9. **Each built campus's energy against its serving utility's sales** (``data/county_utility_scale.csv``:
   EIA-861 2018 sales, estimated peak, tariff MW), per campus and per utility, for the snapshot and the
   national multi-year default (``runs/us-default.toml``, 2026-2030).
10. **Time to power by route against evidence**: the route table (``data/county_routes.csv``) per route and
   campus size, the multi-year ranking's fastest route per county, the public campus cases of
   ``data/evidence_time_to_power.csv`` (through ``compare_routes_evidence.py``), and the route and first
   year of each built campus of the multi-year default.
11. **Revealed preference**: where the counties hosting today's data centers (IM3 Open Source Data Center
   Atlas v2026.02.09 in ``../shared/data``, ODbL; facility MW by ``build_committed_load.py``'s documented
   sq ft -> MW factors) fall in both rankings. Reported, never tuned: no input is changed to move a result.

The solves run ``python -m model.cli run`` in a child process each (one at a time, ``--threads`` HiGHS
threads), so every run directory is what a user gets, and wall seconds and peak RSS (``os.wait4``) are
measured per solve; they are kept beside each run directory in ``<name>.measure.json``. Run directories go
to ``out/validation/`` (git-ignored) unless ``--runs`` says otherwise; ``--no-solve`` reuses the ones there.

Usage (from the repo root; ``validate_supply.py`` calls :func:`main` after its own sections):
    python data/build/validate_location.py [--runs out/validation] [--no-solve] [--threads 2]
                                           [--shared ../shared/data] [--doc docs/validation.md]

Without ``../shared/data`` (or ``$SITING_DATA_DIR``) section 11 is skipped and its blocks kept.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "data"
BUILD = REPO_ROOT / "data" / "build"
DEFAULT_SHARED = Path(os.environ.get("SITING_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
DEFAULT_DOC = REPO_ROOT / "docs" / "validation.md"
DEFAULT_RUNS = REPO_ROOT / "out" / "validation"

# main as issue 24 measured it ("Measured on today's main (ba1fa05)"); its runs/us-default.toml was the snapshot.
PRE24_COMMIT = "ba1fa05cbe64e7b11049a1bd98c445e41e71cb6f"
SNAPSHOT_YEAR = 2026  # the year a one-period scenario stands for (model.inputs.load.SNAPSHOT_TAX_YEAR)
HOURS_PER_YEAR = 8760.0
# Flag a campus (or a utility's campuses together) whose energy exceeds this share of the serving utility's
# 2018 sales: twice the high end of the tariff share (data/energy_scale_assumptions.csv: 0.05 of peak, range
# 0.02-0.10), i.e. a load a utility's sales would have to grow by a fifth to carry. A reporting threshold
# only: the model does not use it.
UTILITY_SHARE_FLAG = 0.20
CAMPUS_SIZES_MW = (100.0, 300.0, 1000.0, 2000.0)  # route table: fastest route by campus size


@dataclass(frozen=True)
class RunSpec:
    """One solve: a scenario file of a tree (today's, or ``commit``'s), with TOML overrides."""

    name: str
    label: str
    scenario: str  # path inside the tree
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    commit: str | None = None

    @property
    def sales_tax(self) -> bool:
        """Whether the run's costs include sales tax (no tax existed before issue 24)."""
        return self.commit is None and self.overrides.get("tax", {}).get("sales_tax", True) is not False


SNAPSHOT = "runs/us-snapshot.toml"
OFF: dict[str, dict[str, Any]] = {"tax": {"sales_tax": False}, "supply": {"firm_power": "queue", "energy_at_scale": False}}
RUNS: tuple[RunSpec, ...] = (
    RunSpec("pre24", "main at ba1fa05 (before issue 24)", "runs/us-default.toml", commit=PRE24_COMMIT),
    RunSpec("off", "today, the three switches off", SNAPSHOT, OFF),
    RunSpec("no_tax", "today, sales_tax = false alone", SNAPSHOT, {"tax": {"sales_tax": False}}),
    RunSpec("queue", 'today, firm_power = "queue" alone', SNAPSHOT, {"supply": {"firm_power": "queue"}}),
    RunSpec("no_scale", "today, energy_at_scale = false alone", SNAPSHOT, {"supply": {"energy_at_scale": False}}),
    RunSpec("snapshot", "today's default (us-snapshot)", SNAPSHOT),
    RunSpec("default", "us-default, 2026-2030 (multi-year)", "runs/us-default.toml"),
)
SNAPSHOT_RUNS = ("pre24", "off", "no_tax", "queue", "no_scale", "snapshot")


# ============================================================================ pure functions
def toml_value(v: Any) -> str:
    """A TOML literal for a bool, number or string (the only kinds the overrides use)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string for plain text
    raise TypeError(f"no TOML literal for {type(v).__name__}")


def variant_toml(base: Path, name: str, overrides: Mapping[str, Mapping[str, Any]]) -> str:
    """A scenario file that extends ``base`` (absolute path) and sets ``overrides`` (table -> key -> value)."""
    lines = [f"# written by data/build/validate_location.py: {base.name} with {name}'s switches",
             f"extends = {json.dumps(str(base))}", f"name = {json.dumps(name)}"]
    for table, values in overrides.items():
        lines += ["", f"[{table}]"] + [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def tax_in_capex(capex_gpu_usd: pd.Series, capex_construction_usd: pd.Series, equipment_rate: pd.Series,
                 construction_rate: pd.Series) -> pd.Series:
    """Sales tax inside tax-inclusive capex: GPU capex x r_e / (1 + r_e) + (site + shell) x r_c / (1 + r_c)
    (model.milp.components.budget multiplies the pre-tax prices by 1 + rate)."""
    return (capex_gpu_usd * equipment_rate / (1.0 + equipment_rate)
            + capex_construction_usd * construction_rate / (1.0 + construction_rate))


def site_list(sites: pd.DataFrame) -> str:
    """'County ST 1,234 MW, ...' largest first."""
    if sites is None or sites.empty:
        return "none"
    s = sites.sort_values(["facility_mw", "county_fips"], ascending=[False, True], kind="stable")
    return ", ".join(f"{r.county_name} {r.state} {r.facility_mw:,.0f} MW" for r in s.itertuples())


def answer_row(label: str, summary: Mapping[str, Any], sites: pd.DataFrame, tax_usd: float,
               measure: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the before/after table."""
    pflops = float(summary.get("compute_pflops") or 0.0)
    total = float(summary.get("total_cost_usd") or 0.0)
    gap = summary.get("mip_gap")
    return {
        "run": label, "PFLOPS": pflops, "sites (county, MW)": site_list(sites),
        "$/PFLOPS all-in": total / pflops if pflops else float("nan"),
        "energy PV $bn": float(summary.get("energy_opex_pv_usd") or 0.0) / 1e9,
        "wheeling PV $bn": float(summary.get("import_wheeling_pv_usd") or 0.0) / 1e9,
        "tax paid $bn": tax_usd / 1e9,
        "gap %": 100.0 * float(gap) if gap is not None else float("nan"),
        "solve s": float((summary.get("seconds") or {}).get("solve", float("nan"))),
        "wall s": float(measure.get("wall_s", float("nan"))),
        "peak RSS GB": float(measure.get("peak_rss_kb", float("nan"))) / 1024**2,
    }


def spread_stats(usd_per_pflops: pd.Series) -> dict[str, float]:
    """Best, 10th percentile, quartiles, median, 90th and worst $/PFLOPS over the ranked candidates (finite
    values; percentiles by linear interpolation), and the spreads as shares."""
    v = usd_per_pflops.astype(float)
    v = v[np.isfinite(v)]
    q = v.quantile([0.10, 0.25, 0.50, 0.75, 0.90])
    best, med = float(v.min()), float(q[0.50])
    return {"n": len(v), "best": best, "p10": float(q[0.10]), "p25": float(q[0.25]), "median": med,
            "p75": float(q[0.75]), "p90": float(q[0.90]), "worst": float(v.max()),
            "median_minus_best_pct_of_median": 100.0 * (med - best) / med,
            "median_minus_p10_pct_of_median": 100.0 * (med - float(q[0.10])) / med,
            "p75_minus_p25_pct_of_median": 100.0 * (float(q[0.75]) - float(q[0.25])) / med,
            "worst_minus_best_pct_of_best": 100.0 * (float(v.max()) - best) / best}


# Parts of a ranking row's cost_usd (rank.py: capex + new generation + energy PV when it counts), and
# whether they depend on the county. Site fixed cost is the same $ everywhere but its share per PFLOPS falls
# with campus size, which the county's limits decide: listed apart.
PARTS: tuple[tuple[str, str], ...] = (
    ("GPUs before tax", "no"), ("shell before tax", "no"), ("site fixed before tax", "size"),
    ("sales tax", "yes"), ("land", "yes"), ("connection", "yes"), ("new generation", "yes"), ("energy PV", "yes"),
)


def cost_parts(rank_rows: pd.DataFrame, equipment_rate: pd.Series, construction_rate: pd.Series,
               opex_counts: bool = True) -> pd.DataFrame:
    """Per ranking row: :data:`PARTS` in $ (summing to ``cost_usd``), with tax taken out of the GPU, shell
    and site capex at the given rates (aligned on the rows' index; 0 where a run had no tax)."""
    r = rank_rows
    er = equipment_rate.reindex(r.index).fillna(0.0)
    cr = construction_rate.reindex(r.index).fillna(0.0)
    gpu, shell, site = (r[f"capex_{p}_usd"].astype(float) for p in ("gpu", "shell", "site"))
    newgen = r.get("new_generation_cost_usd", pd.Series(0.0, index=r.index)).fillna(0.0).astype(float)
    energy = r["energy_opex_pv_usd"].astype(float) if opex_counts else pd.Series(0.0, index=r.index)
    if opex_counts and "new_generation_energy_pv_usd" in r:
        newgen = newgen + r["new_generation_energy_pv_usd"].fillna(0.0).astype(float)
    out = pd.DataFrame({
        "GPUs before tax": gpu / (1.0 + er), "shell before tax": shell / (1.0 + cr), "site fixed before tax": site / (1.0 + cr),
        "sales tax": tax_in_capex(gpu, shell + site, er, cr), "land": r["capex_land_usd"].astype(float),
        "connection": r["capex_interconnect_usd"].astype(float), "new generation": newgen, "energy PV": energy,
    }, index=r.index)
    return out


def parts_table(rank: pd.DataFrame, parts: pd.DataFrame, rows: Mapping[str, Any]) -> pd.DataFrame:
    """$/PFLOPS by part for the named ranking rows (``rows``: label -> index), with each row's total and the
    location-dependent share (tax, land, connection, new generation, energy PV over the total)."""
    dep = [p for p, d in PARTS if d == "yes"]
    out = []
    for label, idx in rows.items():
        pf = float(rank.at[idx, "compute_pflops"])
        per = parts.loc[idx] / pf
        row: dict[str, Any] = {"campus": label, "county": f"{rank.at[idx, 'county_name']} {rank.at[idx, 'state']}",
                               "rank": int(rank.at[idx, "rank"]), "facility MW": float(rank.at[idx, "facility_mw"])}
        row.update({p: float(per[p]) for p, _ in PARTS})
        row["total $/PFLOPS"] = float(per.sum())
        row["location-dependent %"] = 100.0 * float(per[dep].sum()) / float(per.sum())
        out.append(row)
    return pd.DataFrame(out)


def quantile_row(values: pd.Series, q: float) -> Any:
    """Index of the row at quantile ``q`` of ``values`` (the ``ceil(q n)``-th smallest finite value)."""
    v = values.astype(float)
    v = v[np.isfinite(v)].sort_values(kind="stable")
    k = min(max(math.ceil(q * len(v)), 1), len(v))
    return v.index[k - 1]


def budget_location_share(summary: Mapping[str, Any], tax_usd: float) -> dict[str, float]:
    """An answer's budget ($bn) split into what costs the same everywhere (GPUs, shell and site fixed cost
    before tax) and what depends on the county (tax, land, connection, energy PV, new generation's budget
    cost and its energy PV net of the grid energy it displaces, import wheeling). The location-dependent
    share is given net (every part) and gross (without new generation's energy saving, which is < 0)."""
    cap = summary.get("capex_usd_by_part") or {}
    b = {k: float(cap.get(k, 0.0) or 0.0) for k in ("gpu", "shell", "site", "land", "interconnect")}
    dep = {"sales tax": tax_usd, "land": b["land"], "connection": b["interconnect"],
           "energy PV": float(summary.get("energy_opex_pv_usd") or 0.0),
           "new generation, budget cost": float(summary.get("new_generation_cost_pv_usd") or 0.0),
           "new generation energy PV, net of displaced grid": float(summary.get("new_generation_energy_cost_pv_usd") or 0.0),
           "import wheeling PV": float(summary.get("import_wheeling_pv_usd") or 0.0)}
    same = b["gpu"] + b["shell"] + b["site"] - tax_usd
    total = same + sum(dep.values())
    gross = sum(v for k, v in dep.items() if k != "new generation energy PV, net of displaced grid")
    return {"same everywhere": same / 1e9, **{k: v / 1e9 for k, v in dep.items()}, "total": total / 1e9,
            "location-dependent % (net)": 100.0 * sum(dep.values()) / total if total else float("nan"),
            "location-dependent % (gross of the new-generation saving)": 100.0 * gross / total if total else float("nan")}


def campus_vs_utility(sites: pd.DataFrame, scale: pd.DataFrame, load_factor: float,
                      flag_share: float = UTILITY_SHARE_FLAG) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each built campus's energy against its serving utility (``scale``: county_utility_scale.csv indexed by
    county_fips), and per utility the campuses together.

    Campus MWh/yr is ``energy_mwh_per_year`` (facility MW x load factor x 8760); at the tariff: ``tariff_mw``
    x load factor x 8760; beyond it the rest. Shares are of the utility's 2018 sales (all its states)."""
    sites = sites.sort_values("facility_mw", ascending=False, kind="stable")
    u = scale.reindex(sites["county_fips"].astype(str).str.zfill(5).to_numpy())
    mwh = sites["energy_mwh_per_year"].astype(float).to_numpy()
    tariff_mw = sites["tariff_mw"] if "tariff_mw" in sites else pd.Series(0.0, index=sites.index)  # no tariff rule before issue 24
    at_tariff = tariff_mw.fillna(0.0).astype(float).to_numpy() * load_factor * HOURS_PER_YEAR
    sales = u["sales_mwh"].astype(float).to_numpy()
    per = pd.DataFrame({
        "campus": [f"{c} {s}" for c, s in zip(sites["county_name"], sites["state"])],
        "facility MW": sites["facility_mw"].astype(float).to_numpy(), "campus GWh/yr": mwh / 1e3,
        "at tariff GWh/yr": at_tariff / 1e3, "beyond GWh/yr": (mwh - at_tariff) / 1e3,
        "utility": u["utility_name"].astype(str).to_numpy(), "utility_id": u["utility_id"].to_numpy(),
        "utility sales GWh/yr (2018)": sales / 1e3, "utility tariff MW": u["tariff_mw"].astype(float).to_numpy(),
        "campus / sales %": 100.0 * mwh / sales,
    })
    per[f"above {100 * flag_share:g} %"] = per["campus / sales %"] > 100.0 * flag_share
    g = per.groupby(["utility_id", "utility"], sort=False)
    by = pd.DataFrame({
        "campuses": g.size(), "facility MW": g["facility MW"].sum(), "campus GWh/yr": g["campus GWh/yr"].sum(),
        "at tariff GWh/yr": g["at tariff GWh/yr"].sum(), "utility sales GWh/yr (2018)": g["utility sales GWh/yr (2018)"].first(),
    }).reset_index()
    by["campuses / sales %"] = 100.0 * by["campus GWh/yr"] / by["utility sales GWh/yr (2018)"]
    by[f"above {100 * flag_share:g} %"] = by["campuses / sales %"] > 100.0 * flag_share
    by = by.sort_values("campuses / sales %", ascending=False, kind="stable").reset_index(drop=True)
    return per.drop(columns="utility_id"), by.drop(columns="utility_id")


def route_distribution(routes: pd.DataFrame) -> pd.DataFrame:
    """Per route of county_routes.csv (its fastest variant in each county): counties, first-power years
    (mid: p10, median, p90; medians of the low and high ends) and the median MW."""
    fastest = routes.sort_values(["county_fips", "route", "first_power_years", "max_mw"],
                                 ascending=[True, True, True, False], kind="stable").drop_duplicates(["county_fips", "route"])
    g = fastest.groupby("route", sort=False)
    out = pd.DataFrame({
        "counties": g.size(), "p10 y": g["first_power_years"].quantile(0.10), "median y": g["first_power_years"].median(),
        "p90 y": g["first_power_years"].quantile(0.90), "median low y": g["first_power_years_low"].median(),
        "median high y": g["first_power_years_high"].median(), "median MW": g["max_mw"].median(),
    })
    order = [r for r in ("existing_substation", "flexible_interim", "new_substation_line", "firm_queue", "onsite_gas") if r in out.index]
    return out.loc[order].reset_index()


def fastest_by_size(fastest: Mapping[float, pd.DataFrame], n_counties: int) -> pd.DataFrame:
    """Per campus size (``fastest``: MW -> model.inputs.routes_data.fastest_route's frame over counties):
    counties that can reach it, first-power years (p10, median, p90) and the two commonest route sets."""
    rows = []
    for mw, f in fastest.items():
        ok = f.loc[f["time_to_power_years"].notna()]
        top = ok["power_route"].value_counts()
        rows.append({"campus MW": mw, "counties reaching it": len(ok), "of": n_counties,
                     "p10 y": ok["time_to_power_years"].quantile(0.10), "median y": ok["time_to_power_years"].median(),
                     "p90 y": ok["time_to_power_years"].quantile(0.90),
                     "commonest routes (counties)": "; ".join(f"{k} ({v:,})" for k, v in top.head(2).items())})
    return pd.DataFrame(rows)


def ranking_routes(rank: pd.DataFrame) -> pd.DataFrame:
    """The multi-year ranking's ``power_route`` per county: counties, median campus MW and the distribution
    of ``time_to_power_years`` (the fastest credible route for the campus ranked)."""
    r = rank.loc[rank["power_route"].notna() & (rank["power_route"].astype(str) != "")]
    g = r.groupby("power_route")
    out = pd.DataFrame({"counties": g.size(), "median campus MW": g["facility_mw"].median(),
                        "min y": g["time_to_power_years"].min(), "median y": g["time_to_power_years"].median(),
                        "max y": g["time_to_power_years"].max()})
    return out.sort_values("counties", ascending=False, kind="stable").reset_index()


def evidence_rows(cmp: pd.DataFrame) -> pd.DataFrame:
    """compare_routes_evidence.compare's frame in this page's form: observed years and route, the table's
    same-route years (low-high) and whether the observation lies inside, the fastest route for the MW,
    and the whole years a multi-year model waits (``ceil`` of the table's years, model.inputs.routes_data)."""
    rows = []
    for _, c in cmp.iterrows():
        same = c["same_route_years"]
        fast = c["fastest"]
        has_same = isinstance(same, tuple)
        inside = bool(same[1] <= c["observed_years"] <= same[2]) if has_same else None
        rows.append({
            "case": c["case"], "status": c["status"], "MW": c["mw"], "observed route": c["route_observed"],
            "observed y": c["observed_years"],
            "table, same route y (low-high)": f"{same[0]:g} ({same[1]:g}-{same[2]:g})" if has_same else "-",
            "observed inside low-high": "-" if inside is None else ("yes" if inside else "no"),
            "model waits y (same route)": float(math.ceil(same[0] - 1e-9)) if has_same else float("nan"),
            "table, fastest for MW": f"{fast[0]:g} {fast[1]}" if isinstance(fast, tuple) else "- (MW unknown)",
            "old queue y": c["queue_years"],
        })
    return pd.DataFrame(rows)


def built_routes(pathway_sites: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Each built campus of a multi-year run: route (connection) chosen, first power source, years online
    and energised, final MW and time to power (``pathway_sites.csv`` and ``sites.csv``)."""
    p = pathway_sites.set_index(pathway_sites["site_id"].astype(str).rename(None))
    s = sites.set_index(sites["site_id"].astype(str).rename(None))
    years = sorted(int(c.removeprefix("facility_mw_")) for c in s.columns if c.startswith("facility_mw_"))
    rows = []
    for sid in s.sort_values(["facility_mw", "site_id"], ascending=[False, True]).index:
        mw = {y: float(s.at[sid, f"facility_mw_{y}"]) for y in years}
        rows.append({"campus": f"{s.at[sid, 'county_name']} {s.at[sid, 'state']}", "final MW": float(s.at[sid, "facility_mw"]),
                     "connection": str(p.at[sid, "connection"]), "sources": str(p.at[sid, "sources"]),
                     "first source": str(p.at[sid, "first_source"]),
                     "time to power y": float(s.at[sid, "time_to_power_years"]),
                     "first year online": str(int(s.at[sid, "first_year_online"])), "firm year": str(int(p.at[sid, "firm_year"])),
                     "MW by year": ", ".join(f"{y} {v:,.0f}" for y, v in mw.items())})
    return pd.DataFrame(rows)


def rank_percentiles(rank: pd.Series) -> pd.Series:
    """Percentile of each ranked candidate (rank 1 = best -> 100 x 1 / n; NaN for the unranked)."""
    r = rank.astype(float)
    return 100.0 * r / float(r.notna().sum())


def revealed_preference(hosted_mw: pd.Series, percentile: pd.Series) -> dict[str, float]:
    """Where counties with existing data centers (``hosted_mw`` by county, > 0) fall among the ranked counties
    (``percentile`` by county, 0-100, best low): counts, share of hosting counties and of hosted MW in the
    top decile / quarter / half, median percentile unweighted and MW-weighted. All counties alike would give
    10 / 25 / 50 % and a median of 50."""
    h = hosted_mw.loc[hosted_mw > 0].astype(float)
    p = percentile.reindex(h.index)
    ranked = p.notna()
    hr, pr = h[ranked], p[ranked]
    out = {"hosting counties": len(h), "hosting counties ranked": int(ranked.sum()),
           "hosting counties not ranked": int((~ranked).sum()),
           "hosted MW": float(h.sum()), "hosted MW ranked": float(hr.sum())}
    for name, cut in (("top decile", 10.0), ("top quarter", 25.0), ("top half", 50.0)):
        out[f"counties in {name} %"] = 100.0 * float((pr <= cut).mean()) if len(pr) else float("nan")
        out[f"MW in {name} %"] = 100.0 * float(hr[pr <= cut].sum() / hr.sum()) if hr.sum() > 0 else float("nan")
    out["median percentile"] = float(pr.median()) if len(pr) else float("nan")
    order = pr.sort_values(kind="stable")
    cum = hr.reindex(order.index).cumsum()
    out["MW-weighted median percentile"] = float(order[cum >= 0.5 * hr.sum()].iloc[0]) if len(order) else float("nan")
    return out


# ============================================================================ runs
def export_tree(commit: str, dest: Path) -> Path:
    """The repository at ``commit`` (``git archive``) in ``dest``; reused if already there."""
    if (dest / "pyproject.toml").is_file():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest.parent / f".{dest.name}.tar"
    subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", "-o", str(archive), commit], check=True)
    with tarfile.open(archive) as t:
        t.extractall(dest, filter="data")
    archive.unlink()
    return dest


def solve(spec: RunSpec, runs: Path, threads: int, shared: Path) -> dict[str, Any]:
    """``python -m model.cli run`` for ``spec`` in a child process writing ``runs/<name>/``; returns and keeps
    (``runs/<name>.measure.json``) its wall seconds, peak RSS (``os.wait4``) and command."""
    tree = export_tree(spec.commit, runs / f"src-{spec.commit[:7]}") if spec.commit else REPO_ROOT
    scenario = tree / spec.scenario
    if spec.overrides:
        scenario = runs / f"{spec.name}.toml"
        scenario.write_text(variant_toml((tree / spec.scenario).resolve(), spec.name, spec.overrides), encoding="utf-8")
    cmd = [sys.executable, "-m", "model.cli", "run", str(scenario), "--out", str(runs / spec.name), "--threads", str(threads)]
    env = dict(os.environ, PYTHONPATH=str(tree), SITING_DATA_DIR=str(shared))
    log = runs / f"{spec.name}.log"
    t = time.perf_counter()
    with log.open("w") as fh:
        p = subprocess.Popen(cmd, cwd=tree, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"{spec.name}: siting run exited {p.returncode}: {tail[0]} (log {log})")
    measure = {"name": spec.name, "label": spec.label, "command": " ".join(cmd[1:]), "commit": spec.commit,
               "threads": threads, "wall_s": round(wall, 1), "peak_rss_kb": int(usage.ru_maxrss), "cpus": os.cpu_count()}
    (runs / f"{spec.name}.measure.json").write_text(json.dumps(measure, indent=1), encoding="utf-8")
    return measure


@dataclass
class Run:
    spec: RunSpec
    summary: dict[str, Any]
    sites: pd.DataFrame
    rank: pd.DataFrame
    measure: dict[str, Any]
    pathway_sites: pd.DataFrame | None = None


def read_run(spec: RunSpec, runs: Path) -> Run | None:
    """A run directory written by :func:`solve` (None if absent)."""
    d = runs / spec.name
    if not (d / "summary.json").is_file():
        return None
    fips = {"county_fips": str, "site_id": str}
    sites = pd.read_csv(d / "sites.csv", dtype=fips) if (d / "sites.csv").is_file() else pd.DataFrame()
    rank = pd.read_csv(d / "rank.csv", dtype=fips)
    for f in (sites, rank):
        if "county_fips" in f:
            f["county_fips"] = f["county_fips"].str.zfill(5)
    m = runs / f"{spec.name}.measure.json"
    ps = d / "pathway_sites.csv"
    rank.index = pd.Index(rank["site_id"].astype(str).to_numpy())
    return Run(spec, json.loads((d / "summary.json").read_text()), sites, rank,
               json.loads(m.read_text()) if m.is_file() else {},
               pd.read_csv(ps, dtype={"site_id": str}) if ps.is_file() else None)


def tax_rates(frame: pd.DataFrame, year: int = SNAPSHOT_YEAR) -> tuple[pd.Series, pd.Series]:
    """Equipment and construction sales-tax rates (fractions) of ``year`` for rows with ``state`` and
    ``county_fips`` (today's data/state_tax*.csv, current exemptions, thresholds met: model.inputs.tax)."""
    from model.inputs.tax import construction_tax_rate, equipment_tax_rate, load_tax_tables

    t = load_tax_tables(DATA)
    f = frame[["state", "county_fips"]].astype(str)
    return equipment_tax_rate(f, [year], tables=t)[year], construction_tax_rate(f, [year], tables=t)[year]


def run_tax_usd(run: Run) -> tuple[float, pd.Series]:
    """Sales tax a snapshot run's campuses pay (0 where the run has no tax), total and per site."""
    s = run.sites
    if s.empty or not run.spec.sales_tax:
        return 0.0, pd.Series(0.0, index=s.index)
    er, cr = tax_rates(s)
    per = tax_in_capex(s["capex_gpu_usd"].astype(float), s["capex_site_usd"].astype(float) + s["capex_shell_usd"].astype(float),
                       er, cr)
    return float(per.sum()), per


def load_build_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ============================================================================ sections
def supply_script() -> ModuleType:
    """validate_supply.py (its markdown table and block writer), loaded once."""
    return sys.modules.get("validate_supply") or load_build_script("validate_supply")


def md(df: pd.DataFrame, fmt: Mapping[str, str] | None = None, default: str = "{:,.1f}") -> str:
    return str(supply_script().md_table(df, fmt, default))


def section_answers(runs: Mapping[str, Run]) -> tuple[dict[str, str], dict[str, Any]]:
    """Section 7: the before/after table and what each switch does at the winning counties."""
    rows: list[dict[str, Any]] = []
    vals: dict[str, Any] = {}
    for name in SNAPSHOT_RUNS:
        if name not in runs:
            continue
        r = runs[name]
        tax, _ = run_tax_usd(r)
        rows.append(answer_row(r.spec.label, r.summary, r.sites, tax, r.measure))
        vals[name] = rows[-1]
    frame = pd.DataFrame(rows)
    if "pre24" in vals:  # the change in compute against main before issue 24
        frame.insert(2, "vs ba1fa05 %", 100.0 * (frame["PFLOPS"] / vals["pre24"]["PFLOPS"] - 1.0))
    table = md(frame, {"PFLOPS": "{:,.0f}", "vs ba1fa05 %": "{:+.2f}", "$/PFLOPS all-in": "{:,.0f}", "energy PV $bn": "{:,.2f}",
                                    "wheeling PV $bn": "{:,.2f}", "tax paid $bn": "{:,.2f}", "gap %": "{:.3f}",
                                    "solve s": "{:,.1f}", "wall s": "{:,.1f}", "peak RSS GB": "{:.2f}"})
    # The winning counties of every snapshot run, with what each switch changes there.
    scale = pd.read_csv(DATA / "county_utility_scale.csv", dtype={"county_fips": str}).set_index("county_fips")
    price = pd.read_csv(DATA / "county_price.csv", dtype={"county_fips": str}).set_index("county_fips")
    zmp = pd.read_csv(DATA / "zone_marginal_price.csv")
    zmp = zmp.loc[zmp["year"] == SNAPSHOT_YEAR].drop_duplicates("zone").set_index("zone")
    cz = pd.read_csv(DATA / "county_zone.csv", dtype={"county_fips": str}).set_index("county_fips")
    ttp = pd.read_csv(DATA / "county_time_to_power.csv", dtype={"county_fips": str}).set_index("county_fips")
    where: dict[str, list[str]] = {}
    names: dict[str, tuple[str, str]] = {}
    for name in SNAPSHOT_RUNS:
        if name in runs:
            for s in runs[name].sites.itertuples():
                where.setdefault(s.county_fips, []).append(f"{name} {s.facility_mw:,.0f}")
                names[s.county_fips] = (s.county_name, s.state)
    fr = pd.DataFrame({"county_fips": list(where), "state": [names[f][1] for f in where]}).set_index("county_fips", drop=False)
    er, cr = tax_rates(fr)
    site_rows = []
    for f, built in where.items():
        z = cz.at[f, "zone"]
        site_rows.append({
            "county": f"{names[f][0]} {names[f][1]}", "built in (MW)": "; ".join(built), "zone": z,
            "county price $/MWh": float(price.at[f, "price_usd_per_mwh"]),
            "beyond-tariff $/MWh": float(zmp.at[z, "beyond_tariff_usd_per_mwh"]),
            "large-load tariffs' blended $/MWh": float(zmp.at[z, "large_load_blended_usd_per_mwh"]),
            "utility": str(scale.at[f, "utility_name"]), "tariff MW": float(scale.at[f, "tariff_mw"]),
            "equipment tax %": 100.0 * float(er[f]), "construction tax %": 100.0 * float(cr[f]),
            "queue median y": float(ttp.at[f, "median_years"]),
        })
    sites_md = md(pd.DataFrame(site_rows), {"county price $/MWh": "{:.1f}", "beyond-tariff $/MWh": "{:.1f}",
                                            "large-load tariffs' blended $/MWh": "{:.1f}", "tariff MW": "{:,.1f}",
                                            "equipment tax %": "{:.2f}", "construction tax %": "{:.2f}",
                                            "queue median y": "{:.2f}"})
    # Nationally: where the beyond-tariff price undercuts the county price (energy at scale lowers the price).
    cp = price["price_usd_per_mwh"].astype(float)
    beyond = cz["zone"].map(zmp["beyond_tariff_usd_per_mwh"]).reindex(cp.index).astype(float)
    cheaper = int((beyond < cp).sum())
    nat = (f"Counties (county_price.csv, {len(cp):,}) whose {SNAPSHOT_YEAR} beyond-tariff price (zone_marginal_price.csv) "
           f"is below their county price: {cheaper:,}; median county price {cp.median():.1f} $/MWh, median beyond-tariff "
           f"price {beyond.median():.1f} $/MWh, median large-load tariffs' blended rate "
           f"{cz['zone'].map(zmp['large_load_blended_usd_per_mwh']).reindex(cp.index).astype(float).median():.1f} $/MWh.")
    vals["cheaper_beyond"] = cheaper
    return {"i24_answers": table, "i24_sites": sites_md + "\n\n" + nat}, vals


def section_location(runs: Mapping[str, Run]) -> tuple[dict[str, str], dict[str, Any]]:
    """Section 8: the spread of $/PFLOPS over the ranking, its parts, and the budget's location share."""
    spread_rows, blocks, vals = [], {}, {}
    for name in ("pre24", "snapshot"):
        if name not in runs:
            continue
        st = spread_stats(runs[name].rank["usd_per_pflops"])
        vals[name] = st
        spread_rows.append({"ranking": runs[name].spec.label, **st})
    sp = pd.DataFrame(spread_rows).rename(columns={
        "median_minus_best_pct_of_median": "(median − best) / median %", "median_minus_p10_pct_of_median": "(median − p10) / median %",
        "p75_minus_p25_pct_of_median": "(p75 − p25) / median %", "worst_minus_best_pct_of_best": "(worst − best) / best %"})
    blocks["i24_spread"] = md(sp, {"best": "{:,.0f}", "p10": "{:,.0f}", "p25": "{:,.0f}", "median": "{:,.0f}",
                                   "p75": "{:,.0f}", "p90": "{:,.0f}", "worst": "{:,.0f}"}, default="{:.2f}")
    part_blocks = []
    for name in ("pre24", "snapshot"):
        if name not in runs:
            continue
        rank = runs[name].rank
        ranked = rank.loc[rank["usd_per_pflops"].notna()]
        if runs[name].spec.sales_tax:
            er, cr = tax_rates(ranked)
        else:
            er = cr = pd.Series(0.0, index=ranked.index)
        parts = cost_parts(ranked, er, cr)
        resid = (parts.sum(axis=1) - ranked["cost_usd"].astype(float)).abs().max()
        if resid > 1.0:  # the parts must rebuild rank.py's cost_usd
            raise RuntimeError(f"{name}: cost parts differ from rank.csv cost_usd by up to ${resid:,.0f}")
        rows: dict[str, Any] = {}
        for idx in ranked.index[ranked["built"].astype(bool)]:
            rows[f"built: {ranked.at[idx, 'county_name']}"] = idx
        rows["best (rank 1)"] = quantile_row(ranked["usd_per_pflops"], 0.0)
        rows["10th percentile"] = quantile_row(ranked["usd_per_pflops"], 0.10)
        rows["median"] = quantile_row(ranked["usd_per_pflops"], 0.50)
        t = parts_table(ranked, parts, rows)
        vals[f"parts_{name}"] = t
        part_blocks.append(f"{runs[name].spec.label} (rank.csv, $ per PFLOPS):\n\n"
                           + md(t, {"facility MW": "{:,.0f}", "location-dependent %": "{:.2f}"}, default="{:,.0f}"))
    blocks["i24_parts"] = "\n\n".join(part_blocks)
    brows = {}
    for name in ("pre24", "off", "snapshot"):
        if name in runs:
            tax, _ = run_tax_usd(runs[name])
            brows[runs[name].spec.label] = budget_location_share(runs[name].summary, tax)
    b = pd.DataFrame(brows)
    vals["budget"] = b
    blocks["i24_budget"] = md(b.rename_axis("$bn").reset_index(), default="{:,.2f}")
    return blocks, vals


def section_utility(runs: Mapping[str, Run]) -> tuple[dict[str, str], dict[str, Any]]:
    """Section 9: each built campus's energy against its utility's sales, per campus and per utility."""
    scale = pd.read_csv(DATA / "county_utility_scale.csv", dtype={"county_fips": str}).set_index("county_fips")
    lf = float(pd.read_csv(DATA / "cost_assumptions.csv").set_index("name").at["load_factor", "value"])
    fmt = {"facility MW": "{:,.0f}", "campus / sales %": "{:,.1f}", "campuses / sales %": "{:,.1f}",
           "utility tariff MW": "{:,.1f}"}
    parts, vals = [], {}
    for name in ("pre24", "snapshot", "default"):
        if name not in runs or runs[name].sites.empty:
            continue
        per, by = campus_vs_utility(runs[name].sites, scale, lf)
        if "tariff_mw" not in runs[name].sites:
            per = per.drop(columns=["at tariff GWh/yr", "beyond GWh/yr"])
            by = by.drop(columns=["at tariff GWh/yr"])
        vals[name] = (per, by)
        parts.append(f"{runs[name].spec.label}, per campus:\n\n" + md(per, fmt, default="{:,.0f}")
                     + "\n\nPer serving utility (its campuses together):\n\n" + md(by, fmt, default="{:,.0f}"))
    text = "\n\n".join(parts) + (f"\n\nLoad factor {lf:g} (cost_assumptions.csv); flag: energy above "
                                 f"{100 * UTILITY_SHARE_FLAG:g} % of the utility's 2018 sales.")
    return {"i24_utility": text}, vals


def section_routes(runs: Mapping[str, Run]) -> tuple[dict[str, str], dict[str, Any]]:
    """Section 10: the route table per route and campus size, the ranking's routes, the evidence cases and
    the multi-year default's built campuses."""
    from model.inputs.routes_data import fastest_route, load_county_routes

    routes = load_county_routes(DATA)
    dist = route_distribution(routes)
    n = routes["county_fips"].nunique()
    fastest = {mw: fastest_route(routes, mw) for mw in CAMPUS_SIZES_MW}
    by_size = fastest_by_size(fastest, n)
    blocks = {"i24_routes": md(dist, {"counties": "{:,d}", "median MW": "{:,.1f}"}, default="{:.2f}") + "\n\n"
              + f"Fastest route by campus size (model.inputs.routes_data.fastest_route over the {n:,} counties, mid durations):\n\n"
              + md(by_size, {"campus MW": "{:,.0f}"}, default="{:.2f}")}
    vals: dict[str, Any] = {"dist": dist, "by_size": by_size}
    if "default" in runs and "power_route" in runs["default"].rank:
        rr = ranking_routes(runs["default"].rank)
        vals["ranking"] = rr
        blocks["i24_routes"] += ("\n\nThe multi-year default's rank.csv (`power_route`, `time_to_power_years`: the fastest "
                                 "credible route for the campus ranked in each county):\n\n"
                                 + md(rr, {"median campus MW": "{:,.1f}"}, default="{:.2f}"))
    cre = load_build_script("compare_routes_evidence")
    ev = evidence_rows(cre.compare(DATA))
    vals["evidence"] = ev
    blocks["i24_evidence"] = md(ev, {"MW": "{:,.0f}", "observed y": "{:.2f}", "old queue y": "{:.2f}", "model waits y (same route)": "{:.0f}"})
    if "default" in runs and runs["default"].pathway_sites is not None:
        br = built_routes(runs["default"].pathway_sites, runs["default"].sites)
        vals["built"] = br
        blocks["i24_built_routes"] = md(br, {"final MW": "{:,.0f}", "time to power y": "{:.2f}"})
    return blocks, vals


def hosted_mw_by_county(shared: Path) -> tuple[pd.Series, pd.Series, dict[str, Any]]:
    """Existing data centers per county from the IM3 atlas: facility MW (build_committed_load's sq ft -> IT MW
    factors x its fleet PUE) and facility counts, by the same placement as the committed-load build."""
    from model.inputs.datasets import load_counties

    bcl = load_build_script("build_committed_load")
    atlas = bcl.load_atlas(shared)
    cz = pd.read_csv(DATA / "county_zone.csv", dtype={"county_fips": str})
    pts = bcl.place(atlas, load_counties(), cz)
    fac = bcl.facility_it_mw(pts)
    mw = (fac["it_mw"] * bcl.FLEET_PUE).groupby(pts["county_fips"]).sum()
    n = pts.groupby("county_fips").size()
    facts = {"facilities": len(atlas), "placed": len(pts), "mw": float(mw.sum()), "pue": bcl.FLEET_PUE,
             "building_w": bcl.BUILDING_W_IT_PER_SQFT, "campus_w": bcl.CAMPUS_W_IT_PER_SQFT, "licence": bcl.ODBL_NOTICE}
    return mw, n, facts


def section_revealed(runs: Mapping[str, Run], shared: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """Section 11: hosting counties' percentiles in the snapshot and multi-year rankings."""
    mw, n, facts = hosted_mw_by_county(shared)
    rows: list[dict[str, Any]] = []
    tops: list[pd.DataFrame] = []
    vals: dict[str, Any] = {"facts": facts}
    for name, what in (("pre24", "usd_per_pflops"), ("snapshot", "usd_per_pflops"), ("default", "score: NPV per $ of capex")):
        if name not in runs:
            continue
        rank = runs[name].rank
        rank = rank.set_axis(pd.Index(rank["county_fips"].to_numpy()), axis=0)
        pct = rank_percentiles(rank["rank"])
        rp = revealed_preference(mw, pct)
        vals[name] = rp
        rows.append({"ranking": f"{runs[name].spec.label}: {what}", "ranked counties": int(pct.notna().sum()), **rp})
        top = mw.sort_values(ascending=False).head(10)
        tops.append(pd.DataFrame({"county": [f"{rank.at[f, 'county_name']} {rank.at[f, 'state']}" if f in rank.index else f for f in top.index],
                                  "facilities": [int(n.get(f, 0)) for f in top.index], "hosted MW": top.to_numpy(),
                                  f"{name} rank": [rank.at[f, "rank"] if f in rank.index else pd.NA for f in top.index],
                                  f"{name} percentile": [float(pct.get(f, np.nan)) for f in top.index]}))
    t = pd.DataFrame(rows).T.reset_index()
    t.columns = ["", *[str(r["ranking"]).split(":")[0] for r in rows]]
    top_t = tops[0]
    for extra in tops[1:]:
        top_t = top_t.merge(extra[["county", *extra.columns[-2:]]], on="county", how="left")
    if "snapshot" in runs:  # what the snapshot ranking offers there: campus size and energy price
        snap = runs["snapshot"].rank
        snap = snap.set_axis(pd.Index(snap["county_fips"].to_numpy()), axis=0)
        fips = [f for f in mw.sort_values(ascending=False).head(10).index]
        top_t["snapshot campus MW"] = [float(snap.at[f, "facility_mw"]) if f in snap.index else np.nan for f in fips]
        top_t["snapshot $/MWh"] = [float(snap.at[f, "energy_price_usd_per_mwh"]) if f in snap.index else np.nan for f in fips]
    for c in top_t.columns:
        if c.endswith(" rank"):
            top_t[c] = top_t[c].map(lambda v: "-" if pd.isna(v) else f"{int(v):,}")
    blocks = {
        "i24_revealed": md(t.iloc[1:].reset_index(drop=True).astype({c: object for c in t.columns[1:]}), default="{:,.1f}"),
        "i24_revealed_top": md(top_t, {"hosted MW": "{:,.0f}", "snapshot campus MW": "{:,.0f}"})
        + f"\n\nAtlas facilities {facts['facilities']:,}, placed in a contiguous-US county {facts['placed']:,}; facility MW "
          f"{facts['mw']:,.0f} (building {facts['building_w']:g} W IT/sq ft, campus land {facts['campus_w']:g} W/sq ft, PUE "
          f"{facts['pue']:g}: data/build/build_committed_load.py). {facts['licence']}",
    }
    return blocks, vals


# ============================================================================ main
def compute(runs: Mapping[str, Run], shared: Path | None) -> tuple[dict[str, str], dict[str, Any]]:
    blocks: dict[str, str] = {}
    vals: dict[str, Any] = {}
    for name, fn in (("answers", section_answers), ("location", section_location), ("utility", section_utility),
                     ("routes", section_routes)):
        b, v = fn(runs)
        blocks.update(b)
        vals[name] = v
    if shared is not None and (shared / "README.md").is_file():
        b, v = section_revealed(runs, shared)
        blocks.update(b)
        vals["revealed"] = v
    return blocks, vals


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, default=DEFAULT_RUNS, help="run directories (default out/validation)")
    ap.add_argument("--no-solve", action="store_true", help="read the run directories already in --runs")
    ap.add_argument("--only", nargs="*", help="solve only these runs (names of RUNS); the others are read")
    ap.add_argument("--threads", type=int, default=2, help="HiGHS threads per solve (default 2)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--doc", type=Path, default=DEFAULT_DOC)
    args = ap.parse_args(argv)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    args.runs.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Run] = {}
    for spec in RUNS:
        if not args.no_solve and (args.only is None or spec.name in args.only):
            print(f"solving {spec.name}: {spec.label} ({args.threads} threads) ...", flush=True)
            m = solve(spec, args.runs, args.threads, args.shared)
            print(f"  {m['wall_s']:.1f} s wall, peak RSS {m['peak_rss_kb'] / 1024**2:.2f} GB", flush=True)
        r = read_run(spec, args.runs)
        if r is None:
            print(f"{spec.name}: no run directory in {args.runs}: its rows are left out")
        else:
            runs[spec.name] = r
    if not runs:
        print(f"validate_location: no run directory in {args.runs}: nothing written")
        return 0
    shared = args.shared if (args.shared / "README.md").is_file() else None
    if shared is None:
        print(f"validate_location: {args.shared} not found: section 11 (revealed preference) kept as it is")
    blocks, _ = compute(runs, shared)
    for name, text in blocks.items():
        print(f"\n## {name}\n{text}")
    if args.doc.is_file():
        text = supply_script().replace_blocks(args.doc.read_text(encoding="utf-8"), blocks)
        args.doc.write_text(text, encoding="utf-8")
        print(f"\nwrote the issue-24 blocks of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
