"""End-to-end benchmark of the siting pipeline, plus the same MILP built directly in highspy.

For each size (a ``max_compute`` scenario restricted with ``candidates.states``; budget
$100bn × candidates / 3,108) a fresh subprocess measures, so peak RSS is per size:

* load / build (Pyomo) / translate (to_standard_form + passModel) / solve (HiGHS) / write
  (``run_scenario``'s gpkg + summary + map into a temp dir), the MIP gap and peak RSS;
* the Pyomo build + translate again (median of ``--repeat``) against a vectorised numpy/scipy
  build of the same rows and columns handed to ``Highs.passModel`` — both start from
  ``model.milp.model_data.model_data`` so they see identical coefficients — and solves the direct model
  to check that both give the same counts and the same objective within the MIP gap.

    /work/venv/bin/python benchmarks/run.py [--sizes DE,state:TX,region:TX+OK+LA+NM,national]
        [--out benchmarks/results.md] [--repeat 1] [--smallest] [--profile]

Goals are reported, not asserted (the machine is shared, so timings are noisy): national
end-to-end ≤ 60 s to ≤ 1 % gap; Pyomo build + translate ≤ 3× the direct highspy build; peak
RSS ≤ 2 GB. What *is* asserted: equal row/column/nonzero counts and objectives within the gap.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from model.config import Scenario, scenario_from_dict
from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD, annuity_factor
from model.inputs.load import SitingData, load_inputs
from model.milp.build import build_model
from model.milp.model_data import ModelData, model_data
from model.solve.highs import highs_lp, to_standard_form
from model.workflows.engine import run_scenario

NATIONAL_BUDGET_USD = 100e9
NATIONAL_COUNTIES = 3108
DEFAULT_SIZES = "DE,state:TX,region:TX+OK+LA+NM,national"
GOAL_E2E_S = 60.0
GOAL_GAP = 0.01
GOAL_OVERHEAD = 3.0
GOAL_RSS_MB = 2048.0
HERE = Path(__file__).resolve().parent


# --- scenarios ---------------------------------------------------------------------------------


def parse_size(text: str) -> list[str]:
    """``DE`` | ``state:TX`` | ``region:TX+OK`` | ``national`` → the candidate states (empty = all)."""
    kind, _, rest = text.partition(":")
    if text == "national":
        return []
    if kind in ("state", "region") and rest:
        return [s.strip().upper() for s in rest.split("+") if s.strip()]
    if not rest and len(text) == 2:
        return [text.upper()]
    raise SystemExit(f"--sizes: cannot read '{text}' (use DE, state:TX, region:TX+OK or national)")


def scaled_budget_usd(candidates: int) -> float:
    """$100bn for the 3,108 national counties, pro rata, rounded to whole $bn (at least $1bn)."""
    return max(1.0, round(NATIONAL_BUDGET_USD * candidates / NATIONAL_COUNTIES / 1e9)) * 1e9


def benchmark_scenario(states: list[str], budget_usd: float) -> Scenario:
    raw: dict[str, Any] = {
        "name": "benchmark",
        "objective": {"sense": "max_compute"},
        "budget": {"equity_usd": budget_usd},
        "candidates": {"states": states},
        "solver": {"mip_gap": GOAL_GAP, "threads": 2, "time_limit_s": 600.0},
    }
    return scenario_from_dict(raw, "benchmarks/run.py")


def sized_inputs(states: list[str]) -> SitingData:
    """Inputs with the budget scaled to the candidate count (known only after loading)."""
    probe = load_inputs(benchmark_scenario(states, 1e9))
    scenario = benchmark_scenario(states, scaled_budget_usd(len(probe.sites)))
    return dataclasses.replace(probe, scenario=scenario)


# --- the direct highspy build ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DirectModel:
    lp: highspy.HighsLp
    rows: int
    columns: int
    nonzeros: int


def _arr(d: dict[Any, float], keys: list[Any]) -> np.ndarray:
    return np.fromiter((d[k] for k in keys), dtype=float, count=len(keys))


def direct_lp(data: ModelData) -> DirectModel:
    """The siting MILP as a HighsLp, built with numpy/scipy from ``model_data`` (no Pyomo).

    Columns in Pyomo's declaration order: build[s], blocks[s,g] (site-major), upgrade[s,t].
    Rows: campus_max, campus_min, headroom, one_tier, land, budget (the benchmark scenarios have
    no policies, so no state caps).
    """
    sc = data.inputs.scenario
    if sc.policies:
        raise NotImplementedError("the direct build covers scenarios without policies")
    sets, costs = data.sets, data.costs
    sites, gpus = sets.SITES, sets.GPUS
    n_s, n_g = len(sites), len(gpus)
    pos = {s: i for i, s in enumerate(sites)}
    tier_site = np.fromiter((pos[s] for s, _ in sets.SITES_TIERS), dtype=np.int64, count=len(sets.SITES_TIERS))
    tier_mw = np.array([data.tier_mw[t] for _, t in sets.SITES_TIERS], dtype=float)
    tier_cost = np.array([data.tier_cost_musd[t] for _, t in sets.SITES_TIERS], dtype=float)
    n_u = len(tier_site)
    n_cols = n_s + n_s * n_g + n_u
    col_build = np.arange(n_s)
    col_blocks = (n_s + np.arange(n_s * n_g)).reshape(n_s, n_g)
    col_upgrade = n_s + n_s * n_g + np.arange(n_u)

    pue = _arr(data.pue, sites)
    it_mw = _arr(data.block_it_mw, gpus)
    fac_mw = np.outer(pue, it_mw)  # facility MW per block, site × gpu
    max_mw, min_mw = costs.max_campus_mw, costs.min_campus_mw
    headroom = _arr(data.headroom_mw, sites)

    rows_i: list[np.ndarray] = []
    cols_j: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_rows = 0

    def add_rows(site_idx: np.ndarray, block_coef: np.ndarray | None, build_coef: np.ndarray | None, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
        """One row per site in ``site_idx`` over its blocks and build columns; returns the row ids."""
        nonlocal n_rows
        r = n_rows + np.arange(len(site_idx))
        if block_coef is not None:
            rows_i.append(np.repeat(r, n_g))
            cols_j.append(col_blocks[site_idx].ravel())
            vals.append(block_coef.ravel())
        if build_coef is not None:
            rows_i.append(r)
            cols_j.append(col_build[site_idx])
            vals.append(build_coef)
        lower.append(lo)
        upper.append(up)
        n_rows += len(site_idx)
        return r

    all_s = np.arange(n_s)
    inf = np.full(n_s, math.inf)
    zero = np.zeros(n_s)
    add_rows(all_s, fac_mw, np.full(n_s, -max_mw), -inf, zero)  # campus_max
    if min_mw > 0:
        add_rows(all_s, fac_mw, np.full(n_s, -min_mw), zero, inf)  # campus_min
    limited = np.flatnonzero(headroom < max_mw)
    # headroom: facility - headroom·build - Σ tier_mw·upgrade <= 0 (a 0 MW site's 0·build is dropped below)
    limited = np.flatnonzero(headroom < max_mw)
    n_l = len(limited)
    r = add_rows(limited, fac_mw[limited], -headroom[limited], -inf[:n_l], zero[:n_l])
    row_of = dict(zip(limited.tolist(), r.tolist()))
    rows_i.append(np.fromiter((row_of[i] for i in tier_site), dtype=np.int64, count=n_u))
    cols_j.append(col_upgrade)
    vals.append(-tier_mw)
    # one_tier: Σ upgrade - build <= 0 on sites offered tiers
    with_tiers = np.unique(tier_site)
    r = add_rows(with_tiers, None, -np.ones(len(with_tiers)), -inf[: len(with_tiers)], zero[: len(with_tiers)])
    row_of = dict(zip(with_tiers.tolist(), r.tolist()))
    rows_i.append(np.fromiter((row_of[i] for i in tier_site), dtype=np.int64, count=n_u))
    cols_j.append(col_upgrade)
    vals.append(np.ones(n_u))
    # land: acres/MW · facility <= developable acres, only where land can bind
    land_pos = np.fromiter((pos[s] for s in sets.SITES_LAND_LIMITED), dtype=np.int64, count=len(sets.SITES_LAND_LIMITED))
    land_acres = data.sites["land_available_acres"].to_numpy(dtype=float)[land_pos]
    add_rows(land_pos, costs.acres_per_mw * fac_mw[land_pos], None, np.full(len(land_pos), -math.inf), land_acres)

    # budget: one row over every column, coefficients in M$
    factor = _arr(data.facility_capex_factor, sites)
    land_adder = _arr(data.land_cost_musd_per_mw, sites) + _arr(data.capex_adder_musd_per_mw, sites)
    gpu_price = np.outer(_arr(data.gpu_price_factor, sites), _arr(data.block_price_musd, gpus))
    block_cost = (factor * costs.shell_usd_per_mw / USD_PER_MUSD)[:, None] * it_mw[None, :] + land_adder[:, None] * fac_mw + gpu_price
    budget = sc.budget
    assert budget is not None
    if budget.include_opex:
        hours = costs.load_factor * HOURS_PER_YEAR
        usd_per_mwh = _arr(data.price_usd_per_mwh, sites) + costs.carbon_price_usd_per_tco2 * _arr(data.co2_t_per_mwh, sites)
        annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
        block_cost = block_cost + (annuity * hours * usd_per_mwh / USD_PER_MUSD)[:, None] * fac_mw
    rows_i.append(np.full(n_cols, n_rows))
    cols_j.append(np.arange(n_cols))
    vals.append(np.concatenate([factor * costs.site_fixed_usd / USD_PER_MUSD, block_cost.ravel(), tier_cost]))
    lower.append(np.array([-math.inf]))
    upper.append(np.array([budget.total_usd / USD_PER_MUSD]))
    n_rows += 1

    A = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_j))), shape=(n_rows, n_cols)
    )
    A.eliminate_zeros()  # Pyomo's compiler leaves zero coefficients out too
    blocks_max = np.array([data.blocks_max[s, g] for s in sites for g in gpus], dtype=float)
    lp = highs_lp(
        cost=np.concatenate([np.zeros(n_s), np.tile(_arr(data.block_pflops, gpus), n_s), np.zeros(n_u)]),
        col_lower=np.zeros(n_cols),
        col_upper=np.concatenate([np.ones(n_s), blocks_max, np.ones(n_u)]),
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        matrix=A,
        maximize=True,
        integer=np.ones(n_cols, dtype=bool),
    )
    return DirectModel(lp=lp, rows=n_rows, columns=n_cols, nonzeros=int(A.nnz))


def new_highs(sc: Scenario) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(sc.solver.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(sc.solver.mip_gap))
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", int(sc.solver.threads))
    h.setOptionValue("random_seed", 0)
    return h


# --- one size, in its own process ---------------------------------------------------------------


def time_pyomo(inputs: SitingData) -> tuple[float, float]:
    """Seconds for build_model, and for to_standard_form + passModel."""
    t0 = time.perf_counter()
    sm = build_model(inputs)
    t1 = time.perf_counter()
    form = to_standard_form(sm.m)
    new_highs(inputs.scenario).passModel(form.lp)
    return t1 - t0, time.perf_counter() - t1


# "Before" routes for the same build: the standard-form compiler in its own column order (this
# project's first route, before columns followed declaration order) and Pyomo's two stock
# persistent HiGHS interfaces, whose set_instance is their translation to highspy.
BEFORE_ROUTES = ("compiler_order", "appsi", "contrib")


def time_pyomo_before(inputs: SitingData, route: str) -> float:
    """Seconds for build_model + translate through a 'before' route (a fresh model each call)."""
    t0 = time.perf_counter()
    sm = build_model(inputs)
    if route == "compiler_order":
        new_highs(inputs.scenario).passModel(to_standard_form(sm.m, column_order="compiler").lp)
    elif route == "appsi":
        from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs

        AppsiHighs().set_instance(sm.m)
    else:
        from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

        ContribHighs().set_instance(sm.m)
    return time.perf_counter() - t0


def time_direct(inputs: SitingData) -> tuple[float, float, DirectModel]:
    """Seconds for model_data + the numpy build, and for passModel."""
    t0 = time.perf_counter()
    model = direct_lp(model_data(inputs))
    t1 = time.perf_counter()
    new_highs(inputs.scenario).passModel(model.lp)
    return t1 - t0, time.perf_counter() - t1, model


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def measure_size(label: str, repeat: int) -> dict[str, Any]:
    states = parse_size(label)
    t0 = time.perf_counter()
    inputs = sized_inputs(states)
    seconds_load = time.perf_counter() - t0
    sc = inputs.scenario
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        outcome = run_scenario(sc, Path(tmp) / "run", inputs=inputs)
    summary = outcome.summary
    rss_pipeline = peak_rss_mb()
    sec = summary["seconds"]

    # Untimed warm-up of both builders on 3 sites: first-call costs (Pyomo's compiler set-up) are
    # not what the ratio is about.
    small = dataclasses.replace(inputs, sites=inputs.sites.iloc[:3])
    time_pyomo(small)
    time_direct(small)
    for route in BEFORE_ROUTES:
        time_pyomo_before(small, route)
    pyomo_runs = [time_pyomo(inputs) for _ in range(repeat)]
    before = {route: statistics.median(time_pyomo_before(inputs, route) for _ in range(repeat)) for route in BEFORE_ROUTES}
    direct_runs = [time_direct(inputs) for _ in range(repeat)]
    direct = direct_runs[-1][2]
    pyomo_build = statistics.median(b for b, _ in pyomo_runs)
    pyomo_translate = statistics.median(t for _, t in pyomo_runs)
    direct_build = statistics.median(b for b, _, _ in direct_runs)
    direct_pass = statistics.median(p for _, p, _ in direct_runs)
    t0 = time.perf_counter()
    data_only = model_data(inputs)
    seconds_model_data = time.perf_counter() - t0
    del data_only

    h = new_highs(sc)
    h.passModel(direct.lp)
    t0 = time.perf_counter()
    h.run()
    direct_solve = time.perf_counter() - t0
    info = h.getInfo()
    direct_obj = float(info.objective_function_value)
    direct_bound = float(info.mip_dual_bound)

    size = summary["model_size"]
    counts_equal = (size["rows"], size["columns"], size["nonzeros"]) == (direct.rows, direct.columns, direct.nonzeros)
    pyomo_obj = float(summary["objective"])
    gap = sc.solver.mip_gap
    # Both are within ``gap`` of the same optimum, so they may differ by about gap × the bound;
    # neither may beat the other's dual bound (maximisation).
    tol = 1e-6 * max(1.0, abs(pyomo_obj))
    objective_ok = (
        abs(pyomo_obj - direct_obj) <= gap * max(abs(pyomo_obj), abs(direct_obj)) + tol
        and direct_obj <= float(summary["dual_bound"]) + tol
        and pyomo_obj <= direct_bound + tol
    )
    e2e = sec["load"] + sec["build"] + sec["translate"] + sec["solve"] + sec["write"]
    return {
        "label": label,
        "candidates": summary["candidates"],
        "budget_usd": sc.budget.total_usd if sc.budget else None,
        "rows": size["rows"],
        "columns": size["columns"],
        "nonzeros": size["nonzeros"],
        "direct_rows": direct.rows,
        "direct_columns": direct.columns,
        "direct_nonzeros": direct.nonzeros,
        "counts_equal": counts_equal,
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": pyomo_obj,
        "direct_objective": direct_obj,
        "direct_status": h.modelStatusToString(h.getModelStatus()),
        "objective_ok": objective_ok,
        "seconds_load": seconds_load,
        "seconds_build": sec["build"],
        "seconds_translate": sec["translate"],
        "seconds_solve": sec["solve"],
        "seconds_write": sec["write"],
        "seconds_e2e": seconds_load + e2e - sec["load"],
        "seconds_model_data": seconds_model_data,
        "pyomo_build": pyomo_build,
        "pyomo_translate": pyomo_translate,
        "direct_build": direct_build,
        "direct_pass": direct_pass,
        "direct_solve": direct_solve,
        "overhead_ratio": (pyomo_build + pyomo_translate) / (direct_build + direct_pass),
        "before_seconds": before,
        "before_ratio": {route: t / (direct_build + direct_pass) for route, t in before.items()},
        "peak_rss_mb": rss_pipeline,
        "peak_rss_all_mb": peak_rss_mb(),
        "repeat": repeat,
    }


def profile_national(top: int = 25) -> None:
    """cProfile of the national Pyomo build + translate (after a warm-up), top functions by own time."""
    inputs = sized_inputs([])
    time_pyomo(dataclasses.replace(inputs, sites=inputs.sites.iloc[:3]))
    prof = cProfile.Profile()
    prof.enable()
    build, translate = time_pyomo(inputs)
    prof.disable()
    print(f"national build {build:.2f} s, translate {translate:.2f} s (under the profiler)")
    for key in ("tottime", "cumulative"):
        pstats.Stats(prof).sort_stats(key).print_stats(top)


# --- the parent: run sizes in subprocesses, write the table ------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {ram_gib:.0f} GiB RAM; Python {platform.python_version()}, "
        f"pyomo {version('pyomo')}, highspy {version('highspy')}; {dt.date.today().isoformat()}"
    )


def run_child(label: str, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", label, "--repeat", str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"size {label} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(results: list[dict[str, Any]], repeat: int) -> str:
    lines = [
        "# Siting pipeline benchmark",
        "",
        f"Generated by `benchmarks/run.py`. Machine: {machine()}.",
        "Shared 2-core machine (other test runs may overlap): read timings as indicative.",
        "",
        f"Scenario per size: `max_compute`, budget $100bn × candidates / {NATIONAL_COUNTIES:,} (whole $bn, ≥ $1bn), "
        "capex only, all five GPU types, HiGHS mip_rel_gap 1 %, 2 threads, random_seed 0. Each size runs in a fresh "
        "process. Stage seconds are from one `run_scenario` (write = gpkg + summary.json + map.html into a temp dir); "
        f"'Pyomo b+t' (build_model + to_standard_form + passModel) and 'direct b+p' (model_data + numpy/scipy build + "
        f"passModel) are medians of {repeat} run(s) after a warm-up. Ratio = Pyomo b+t / direct b+p. Peak RSS is the "
        "process's ru_maxrss after the pipeline run.",
        "",
        "| size | candidates | rows | columns | nonzeros | load s | build s | translate s | solve s | write s | end-to-end s | MIP gap | peak RSS MB | Pyomo b+t s | direct b+p s | ratio | counts equal | objective (PFLOPS) | direct objective | objectives agree |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['candidates']:,} | {r['rows']:,} | {r['columns']:,} | {r['nonzeros']:,} | "
            f"{r['seconds_load']:.2f} | {r['seconds_build']:.2f} | {r['seconds_translate']:.2f} | {r['seconds_solve']:.2f} | "
            f"{r['seconds_write']:.2f} | {r['seconds_e2e']:.2f} | {(r['mip_gap'] or 0.0):.3%} | {r['peak_rss_mb']:,.0f} | "
            f"{r['pyomo_build'] + r['pyomo_translate']:.3f} | {r['direct_build'] + r['direct_pass']:.3f} | "
            f"{r['overhead_ratio']:.2f}× | {'yes' if r['counts_equal'] else 'NO'} | {r['objective']:,.1f} | "
            f"{r['direct_objective']:,.1f} | {'yes' if r['objective_ok'] else 'NO'} |"
        )
    lines += ["", "Split of the build columns (seconds):", ""]
    lines.append("| size | model_data | Pyomo build_model | Pyomo translate | direct build (incl. model_data) | direct passModel | direct solve |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        lines.append(
            f"| {r['label']} | {r['seconds_model_data']:.3f} | {r['pyomo_build']:.3f} | {r['pyomo_translate']:.3f} | "
            f"{r['direct_build']:.3f} | {r['direct_pass']:.3f} | {r['direct_solve']:.2f} |"
        )
    lines += [
        "",
        "## Before and after: Pyomo build + translate against the direct highspy build",
        "",
        "Same process, same model, same run. 'after' is the route the pipeline uses (standard-form compiler, columns in "
        "declaration order, one passModel). The 'before' routes: the same compiler with its own column order (this "
        "project's first route, before the declaration-order change), and Pyomo's stock persistent interfaces, APPSI "
        "`appsi_highs` and `pyomo.contrib.solver` 'highs', whose `set_instance` is their translation. Seconds are "
        f"build_model + translate (medians of {repeat} run(s)); ratios are over the direct build + passModel.",
        "",
        "| size | direct s | after s | after ratio | compiler order s | ratio | APPSI s | ratio | contrib s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, br = r["before_seconds"], r["before_ratio"]
        lines.append(
            f"| {r['label']} | {r['direct_build'] + r['direct_pass']:.3f} | {r['pyomo_build'] + r['pyomo_translate']:.3f} | "
            f"{r['overhead_ratio']:.1f}× | {b['compiler_order']:.3f} | {br['compiler_order']:.1f}× | {b['appsi']:.3f} | "
            f"{br['appsi']:.1f}× | {b['contrib']:.3f} | {br['contrib']:.1f}× |"
        )
    national = [r for r in results if r["label"] == "national"]
    if national:
        last = national[-1]
        after = last["pyomo_build"] + last["pyomo_translate"]
        stock = min(last["before_seconds"]["appsi"], last["before_seconds"]["contrib"])
        lines += [
            "",
            f"National (last row): the pipeline's route takes {after:.2f} s against {stock:.2f} s for the faster stock "
            f"interface ({1 - after / stock:.0%} less) and {last['before_seconds']['compiler_order']:.2f} s with the compiler's own "
            f"column order. Of its {after:.2f} s, {last['pyomo_build']:.2f} s is Pyomo building its components "
            f"(build_model) and {last['pyomo_translate']:.2f} s the translation: the gap to the direct build "
            f"({last['direct_build'] + last['direct_pass']:.2f} s) is mostly Pyomo's per-component construction.",
        ]
    lines += ["", "## Goals (targets reported, not asserted)", ""]
    if national:
        last = national[-1]
        lines += [
            f"- National end-to-end ≤ {GOAL_E2E_S:.0f} s to ≤ 1 % gap: {last['seconds_e2e']:.1f} s at "
            f"{(last['mip_gap'] or 0):.2%} gap — {_goal(last['seconds_e2e'] <= GOAL_E2E_S and (last['mip_gap'] or 0) <= GOAL_GAP)}.",
            f"- Pyomo build + translate ≤ {GOAL_OVERHEAD:.0f}× a direct highspy build: {last['overhead_ratio']:.2f}× "
            f"({last['pyomo_build'] + last['pyomo_translate']:.2f} s vs {last['direct_build'] + last['direct_pass']:.2f} s) — "
            f"{_goal(last['overhead_ratio'] <= GOAL_OVERHEAD)}.",
            f"- Peak RSS ≤ 2 GB: {last['peak_rss_mb']:,.0f} MB — {_goal(last['peak_rss_mb'] <= GOAL_RSS_MB)}.",
            "",
            "The last national row is a repeat run at the end, when the machine had warmed up; goals are judged on it.",
        ]
    else:
        lines.append("- (no national size in this run)")
    lines += [
        "",
        "Counts: the direct build makes exactly the rows Pyomo makes (campus_max, campus_min, headroom only where headroom "
        "< the campus cap, one_tier, land only where land-limited, budget) and drops zero coefficients as Pyomo's compiler does "
        "(e.g. a 0 MW headroom site's build term), so counts are asserted equal. Objectives are asserted to agree within the "
        "MIP gap, and neither may exceed the other's dual bound.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated sizes [default: {DEFAULT_SIZES}]")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--repeat", type=int, default=1, help="build/translate repeats per size (median)")
    ap.add_argument("--smallest", action="store_true", help="only the DE size (quick; used by the tests)")
    ap.add_argument("--no-final-repeat", action="store_true", help="do not re-run the largest size at the end")
    ap.add_argument("--profile", action="store_true", help="cProfile the national Pyomo build + translate and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure_size(args.child, args.repeat)))
        return 0
    if args.profile:
        profile_national()
        return 0
    labels = ["DE"] if args.smallest else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for label in labels:
        parse_size(label)  # fail fast on a typo
    if not args.smallest and not args.no_final_repeat and "national" in labels:
        labels.append("national")  # the noisy shared machine: judge goals on a second national run
    results = []
    for label in labels:
        r = run_child(label, args.repeat)
        results.append(r)
        print(
            f"{label:>24}: {r['candidates']:>5} cands  e2e {r['seconds_e2e']:6.2f}s  solve {r['seconds_solve']:6.2f}s  "
            f"gap {(r['mip_gap'] or 0):.3%}  rss {r['peak_rss_mb']:7.0f}MB  overhead ratio {r['overhead_ratio']:.2f}x",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, args.repeat))
    print(f"wrote {args.out}")
    bad = [r["label"] for r in results if not (r["counts_equal"] and r["objective_ok"])]
    assert not bad, f"Pyomo and direct highspy models disagree for: {', '.join(bad)} (see {args.out})"
    return 0


if __name__ == "__main__":
    sys.exit(main())
