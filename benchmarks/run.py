"""End-to-end benchmark of the siting pipeline, and what the model's one definition costs to build and
translate by each route.

Every row family is defined once, as COO arrays (``model.milp.model_data.add_linear_rows``); the Pyomo
constraints are generated from them and the arrays are registered for the translation. For each size (a
``max_compute`` scenario restricted with ``candidates.states``; budget $100bn × candidates / 3,108; the
default zonal supply model, ``--supply legacy`` for the old one) a fresh subprocess measures, so peak RSS
is per size:

* load / build / translate / solve / explain / write (``run_scenario``'s gpkg + summary + map into a
  temp dir), end to end, the MIP gap and peak RSS, and build + translate as a share of end to end;
* from that one definition (medians of ``--repeat`` after a warm-up, each from a collected heap):
  (a) ``build_model`` (Pyomo objects generated from the arrays), (b) the translation through the
  registered arrays (``to_standard_form``) + ``passModel``, (c) the same built model through Pyomo's own
  standard-form compiler (``pyomo_standard_form``) + ``passModel``; the ratio (a+b)/(a+c) (below 1: the
  arrays are faster than Pyomo alone) and whether (b) and (c) hand HiGHS the same LP, bit for bit;
* for comparison, build + ``set_instance`` through Pyomo's stock persistent HiGHS interfaces (APPSI
  ``appsi_highs`` and ``pyomo.contrib.solver`` 'highs').

``--scenarios shipped`` also runs every shipped national one-year scenario (runs/*.toml,
runs/policies/*.toml) end to end and reports build + translate as a share of it. Multi-year scenarios
are measured by benchmarks/time_horizon.py.

    python benchmarks/run.py [--sizes DE,state:TX,region:TX+OK+LA+NM,national] [--supply zonal|legacy]
        [--scenarios shipped] [--out benchmarks/results.md] [--repeat 1] [--smallest] [--profile]

Goals are reported, not asserted (the machine is shared, so timings are noisy): national end-to-end
≤ 60 s to ≤ 1 % gap; build + translate ≤ 10 % of end-to-end on every shipped national scenario; peak RSS
≤ 2 GB. What *is* asserted: the array translation and Pyomo's compiler give the same LP (counts and every
array handed to HiGHS).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gc
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import highspy
import numpy as np

# Run as a script, this folder (not the repository) is first on sys.path, so `model` would resolve to
# whatever copy is installed; measure the repository this script sits in.
_REPO = str(Path(__file__).resolve().parent.parent)
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from model.config import Scenario, scenario_from_dict
from model.inputs.load import SitingData, load_inputs
from model.milp.build import build_model
from model.milp.model_data import model_data
from model.solve.highs import StandardForm, pyomo_standard_form, to_standard_form
from model.workflows.engine import run_scenario

NATIONAL_BUDGET_USD = 100e9
NATIONAL_COUNTIES = 3108
DEFAULT_SIZES = "DE,state:TX,region:TX+OK+LA+NM,national"
GOAL_E2E_S = 60.0
GOAL_GAP = 0.01
GOAL_SHARE = 0.10  # issue 19: build + translate <= 10 % of end-to-end on every shipped national scenario
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


def benchmark_scenario(states: list[str], budget_usd: float, supply: str = "zonal", include_opex: bool = False) -> Scenario:
    raw: dict[str, Any] = {
        "name": "benchmark",
        "objective": {"sense": "max_compute"},
        "budget": {"equity_usd": budget_usd, "include_opex": include_opex},
        "candidates": {"states": states},
        "supply": {"model": supply},
        "solver": {"mip_gap": GOAL_GAP, "threads": 2, "time_limit_s": 600.0},
    }
    return scenario_from_dict(raw, "benchmarks/run.py")


def sized_inputs(states: list[str], supply: str = "zonal", include_opex: bool = False) -> SitingData:
    """Inputs with the budget scaled to the candidate count (known only after loading)."""
    probe = load_inputs(benchmark_scenario(states, 1e9, supply, include_opex))
    scenario = benchmark_scenario(states, scaled_budget_usd(len(probe.sites)), supply, include_opex)
    return dataclasses.replace(probe, scenario=scenario)


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


def lp_arrays(lp: highspy.HighsLp) -> list[np.ndarray]:
    """Everything HiGHS is handed, as arrays (for exact comparisons)."""
    return [
        np.asarray(lp.a_matrix_.start_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.value_),
        np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
        np.asarray(lp.row_upper_), np.array([int(t == highspy.HighsVarType.kInteger) for t in lp.integrality_]),
        np.array([lp.offset_, float(lp.sense_ == highspy.ObjSense.kMaximize)]),
    ]


def same_lp(a: highspy.HighsLp, b: highspy.HighsLp) -> bool:
    """The two models are identical bit for bit (matrix, costs, bounds, integrality, sense)."""
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(lp_arrays(a), lp_arrays(b)))


@dataclasses.dataclass(frozen=True)
class RouteTimes:
    """Seconds of one build and its two translations (each + passModel), and whether they agree."""

    build: float  # (a) build_model: model_data + the Pyomo objects generated from the arrays
    arrays: float  # (b) to_standard_form (the registered arrays) + passModel
    pyomo: float  # (c) pyomo_standard_form (Pyomo's compiler on the whole model) + passModel
    rows: int
    columns: int
    nonzeros: int
    rows_from_arrays: int
    same: bool  # (b) and (c) give the same LP, bit for bit


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _translate(sc: Scenario, compile_fn: Callable[[], StandardForm]) -> StandardForm:
    form = compile_fn()
    new_highs(sc).passModel(form.lp)
    return form


def time_routes(inputs: SitingData) -> RouteTimes:
    """(a) build_model, (b) the array translation + passModel, (c) Pyomo's compiler + passModel, on one
    built model, each timed from a collected heap; then (untimed) whether (b) and (c) are the same LP."""
    sc = inputs.scenario
    build, sm = _timed(lambda: build_model(inputs))
    arrays, fast = _timed(lambda: _translate(sc, lambda: to_standard_form(sm.m)))
    pyomo, ref = _timed(lambda: _translate(sc, lambda: pyomo_standard_form(sm.m)))
    same = (fast.rows, len(fast.columns), fast.nonzeros) == (ref.rows, len(ref.columns), ref.nonzeros) and same_lp(fast.lp, ref.lp)
    return RouteTimes(
        build=build, arrays=arrays, pyomo=pyomo, rows=fast.rows, columns=len(fast.columns), nonzeros=fast.nonzeros,
        rows_from_arrays=fast.rows_from_arrays, same=same,
    )


# Pyomo's two stock persistent HiGHS interfaces, for comparison: their set_instance is their translation.
STOCK_ROUTES = ("appsi", "contrib")


def time_stock(inputs: SitingData, route: str) -> float:
    """Seconds for build_model + set_instance through a stock interface (a fresh model each call)."""
    gc.collect()
    t0 = time.perf_counter()
    sm = build_model(inputs)
    if route == "appsi":
        from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs

        AppsiHighs().set_instance(sm.m)
    else:
        from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

        ContribHighs().set_instance(sm.m)
    return time.perf_counter() - t0


def median_routes(runs: list[RouteTimes]) -> dict[str, float]:
    a = statistics.median(r.build for r in runs)
    b = statistics.median(r.arrays for r in runs)
    c = statistics.median(r.pyomo for r in runs)
    return {"build": a, "arrays": b, "pyomo": c, "ratio": (a + b) / (a + c)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def load_avg() -> float:
    """1-minute load average (the machine is shared: read timings against it)."""
    return os.getloadavg()[0]


def stage_seconds(summary: Mapping[str, Any], seconds_load: float, wall: float) -> dict[str, float]:
    """Stage seconds of one pipeline run and its end to end (load + the whole run_scenario call)."""
    sec = summary["seconds"]
    out = {f"seconds_{k}": float(sec.get(k, 0.0)) for k in ("build", "translate", "solve", "explain", "seed", "write")}
    out["seconds_load"] = seconds_load
    out["seconds_e2e"] = seconds_load + wall
    out["share_build_translate"] = (out["seconds_build"] + out["seconds_translate"]) / out["seconds_e2e"]
    return out


def measure_size(label: str, repeat: int, supply: str = "zonal") -> dict[str, Any]:
    load_start = load_avg()
    states = parse_size(label)
    t0 = time.perf_counter()
    inputs = sized_inputs(states, supply)
    seconds_load = time.perf_counter() - t0
    sc = inputs.scenario
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        t0 = time.perf_counter()
        outcome = run_scenario(sc, Path(tmp) / "run", inputs=inputs)
        wall = time.perf_counter() - t0
    summary = outcome.summary
    del outcome
    rss_pipeline = peak_rss_mb()
    stages = stage_seconds(summary, seconds_load, wall)

    # Untimed warm-up on 3 sites: first-call costs (Pyomo's compiler set-up, imports) are not what the
    # ratio is about.
    small = dataclasses.replace(inputs, sites=inputs.sites.iloc[:3])
    time_routes(small)
    for route in STOCK_ROUTES:
        time_stock(small, route)
    runs = [time_routes(inputs) for _ in range(repeat)]
    routes = median_routes(runs)
    stock = {route: statistics.median(time_stock(inputs, route) for _ in range(repeat)) for route in STOCK_ROUTES}
    gc.collect()
    seconds_model_data, _ = _timed(lambda: model_data(inputs))

    size = summary["model_size"]
    last = runs[-1]
    counts_equal = (size["rows"], size["columns"], size["nonzeros"]) == (last.rows, last.columns, last.nonzeros)
    a, b, c = routes["build"], routes["arrays"], routes["pyomo"]
    # Pyomo alone in the pipeline: the same run with (c) in place of (b) (an estimate from the medians).
    e2e_pyomo = stages["seconds_e2e"] - (a + b) + (a + c)
    return {
        "label": label,
        "supply": supply,
        "candidates": summary["candidates"],
        "budget_usd": sc.budget.total_usd if sc.budget else None,
        "rows": size["rows"],
        "columns": size["columns"],
        "nonzeros": size["nonzeros"],
        "rows_from_arrays": last.rows_from_arrays,
        "counts_equal": counts_equal,
        "routes_agree": all(r.same for r in runs),
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": summary["objective"],
        **stages,
        "seconds_model_data": seconds_model_data,
        "route_build": a,
        "route_arrays": b,
        "route_pyomo": c,
        "ratio": routes["ratio"],
        "share_pyomo_alone": (a + c) / e2e_pyomo,
        "stock_seconds": stock,
        "stock_ratio": {route: t / (a + b) for route, t in stock.items()},
        "peak_rss_mb": rss_pipeline,
        "peak_rss_all_mb": peak_rss_mb(),
        "repeat": repeat,
        "load_avg": [load_start, load_avg()],
    }


def shipped_scenarios() -> list[Path]:
    """Every shipped national one-year scenario: runs/*.toml and runs/policies/*.toml, without base.toml
    (not a scenario) and multi-year scenarios ([pathway]; benchmarks/time_horizon.py measures those)."""
    from model.config import load_scenario

    out = []
    for path in sorted((HERE.parent / "runs").glob("*.toml")) + sorted((HERE.parent / "runs" / "policies").glob("*.toml")):
        if path.name == "base.toml":
            continue
        sc = load_scenario(path)
        if sc.pathway is None and not sc.candidates.states:
            out.append(path)
    return out


def measure_scenario(path: str) -> dict[str, Any]:
    """One shipped scenario end to end (load + run_scenario), then (a), (b), (c) once on its model and
    whether the array translation and Pyomo's compiler give the same LP."""
    from model.config import load_scenario

    load_start = load_avg()
    sc = load_scenario(path)
    t0 = time.perf_counter()
    inputs = load_inputs(sc)
    seconds_load = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        t0 = time.perf_counter()
        outcome = run_scenario(sc, Path(tmp) / "run", inputs=inputs)
        wall = time.perf_counter() - t0
    summary = outcome.summary
    del outcome
    rss_pipeline = peak_rss_mb()
    stages = stage_seconds(summary, seconds_load, wall)
    time_routes(dataclasses.replace(inputs, sites=inputs.sites.iloc[:3]))  # warm-up
    run = time_routes(inputs)
    routes = median_routes([run])
    size = summary["model_size"]
    return {
        "scenario": str(Path(path).resolve().relative_to(HERE.parent)),
        "supply": sc.supply.model,
        "hourly": sc.energy.enabled,
        "candidates": summary["candidates"],
        "rows": size["rows"],
        "columns": size["columns"],
        "rows_from_arrays": run.rows_from_arrays,
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": summary["objective"],
        "routes_agree": run.same,
        "route_build": routes["build"],
        "route_arrays": routes["arrays"],
        "route_pyomo": routes["pyomo"],
        "ratio": routes["ratio"],
        **stages,
        "peak_rss_mb": rss_pipeline,
        "load_avg": [load_start, load_avg()],
    }


def profile_national(top: int = 25) -> None:
    """cProfile of the national build + array translation (after a warm-up), top functions by own time."""
    inputs = sized_inputs([])
    sc = inputs.scenario
    time_routes(dataclasses.replace(inputs, sites=inputs.sites.iloc[:3]))
    gc.collect()
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    sm = build_model(inputs)
    t1 = time.perf_counter()
    _translate(sc, lambda: to_standard_form(sm.m))
    t2 = time.perf_counter()
    prof.disable()
    print(f"national build {t1 - t0:.2f} s, translate {t2 - t1:.2f} s (under the profiler)")
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


def run_child(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}"


def _load(r: dict[str, Any]) -> str:
    a, b = r["load_avg"]
    return f"{a:.1f}–{b:.1f}"


def render(results: list[dict[str, Any]], scenarios: list[dict[str, Any]], repeat: int) -> str:
    supply = results[0]["supply"] if results else "zonal"
    lines = [
        "# Siting pipeline benchmark",
        "",
        f"Generated by `benchmarks/run.py`. Machine: {machine()}.",
        "Shared 2-core machine (other agents' jobs may overlap; the load column is the 1-minute load average at "
        "the start and end of each size's process): read timings as indicative.",
        "",
        f"Scenario per size: `max_compute`, `[supply] model = \"{supply}\"`, budget $100bn × candidates / "
        f"{NATIONAL_COUNTIES:,} (whole $bn, ≥ $1bn), capex only, all five GPU types, HiGHS mip_rel_gap 1 %, 2 threads, "
        "random_seed 0. Each size runs in a fresh process. Stage seconds are from one `run_scenario` (build = "
        "model_data + build_model; translate = the array translation + passModel; write = gpkg + summary.json + map "
        "into a temp dir); end-to-end is load + the whole `run_scenario` call by the wall clock, and 'share' is "
        "(build + translate) / end-to-end. 'rows from arrays': rows the translation read from the registered arrays "
        "(the rest, if any, compiled by Pyomo). Peak RSS is the process's ru_maxrss after the pipeline run.",
        "",
        "| size | candidates | rows | columns | nonzeros | rows from arrays | load s | build s | translate s | solve s | write s | end-to-end s | MIP gap | objective (PFLOPS) | peak RSS MB | share | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['candidates']:,} | {r['rows']:,} | {r['columns']:,} | {r['nonzeros']:,} | "
            f"{r['rows_from_arrays']:,} | {r['seconds_load']:.2f} | {r['seconds_build']:.2f} | {r['seconds_translate']:.2f} | "
            f"{r['seconds_solve']:.2f} | {r['seconds_write']:.2f} | {r['seconds_e2e']:.2f} | {(r['mip_gap'] or 0.0):.3%} | "
            f"{_num(r['objective'])} | {r['peak_rss_mb']:,.0f} | {r['share_build_translate']:.1%} | {_load(r)} |"
        )
    lines += [
        "",
        "## One definition, two translations",
        "",
        "Each row family is defined once as COO arrays (`model.milp.model_data.add_linear_rows`): the Pyomo "
        "constraints are generated from them and the arrays are registered for the translation. On one built "
        "model: (a) `build_model` (model_data + the Pyomo objects generated from the arrays); (b) "
        "`to_standard_form` (the registered arrays; Pyomo compiles only rows without arrays) + passModel, the "
        "pipeline's route; (c) `pyomo_standard_form` (Pyomo's own standard-form compiler on the whole model) + "
        f"passModel, i.e. Pyomo alone. Medians of {repeat} run(s) after a warm-up on 3 sites, each timed from a "
        "collected heap. Ratio = (a+b)/(a+c): below 1 the arrays are faster than Pyomo alone. 'share, Pyomo alone' "
        "estimates the pipeline's share with (c) in place of (b): (a+c) / (end-to-end − (a+b) + (a+c)). 'same LP': "
        "(b) and (c) hand HiGHS the same matrix, costs, bounds, integrality and sense, bit for bit.",
        "",
        "| size | model_data s | (a) build s | (b) arrays s | (c) Pyomo compiler s | a+b s | a+c s | ratio (a+b)/(a+c) | share | share, Pyomo alone | same LP |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        a, b, c = r["route_build"], r["route_arrays"], r["route_pyomo"]
        lines.append(
            f"| {r['label']} | {r['seconds_model_data']:.3f} | {a:.3f} | {b:.3f} | {c:.3f} | {a + b:.3f} | {a + c:.3f} | "
            f"{r['ratio']:.2f} | {r['share_build_translate']:.1%} | {r['share_pyomo_alone']:.1%} | "
            f"{_yes(r['routes_agree'] and r['counts_equal'])} |"
        )
    lines += [
        "",
        "Pyomo's stock persistent HiGHS interfaces, for comparison: build_model + `set_instance` (their translation) "
        f"on a fresh model, medians of {repeat} run(s); ratios are over the pipeline's a+b.",
        "",
        "| size | a+b s | APPSI s | ratio | contrib s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        st, sr = r["stock_seconds"], r["stock_ratio"]
        lines.append(
            f"| {r['label']} | {r['route_build'] + r['route_arrays']:.3f} | {st['appsi']:.3f} | {sr['appsi']:.1f}× | "
            f"{st['contrib']:.3f} | {sr['contrib']:.1f}× |"
        )
    national = [r for r in results if r["label"] == "national"]
    if national:
        last = national[-1]
        a, b, c = last["route_build"], last["route_arrays"], last["route_pyomo"]
        lines += [
            "",
            f"National (last row): build {a:.2f} s ({last['seconds_model_data']:.2f} s of it model_data), the array "
            f"translation {b:.2f} s, Pyomo's compiler {c:.2f} s: a+b = {a + b:.2f} s against a+c = {a + c:.2f} s "
            f"(ratio {last['ratio']:.2f}); the faster stock interface takes {min(last['stock_seconds'].values()):.2f} s.",
        ]
    if scenarios:
        lines += [
            "",
            "## Shipped national one-year scenarios",
            "",
            "Each in a fresh process: `load_inputs` + `run_scenario` by the wall clock (end-to-end), stage seconds from "
            "its summary.json; 'share' is (build + translate) / end-to-end. Then (a), (b), (c) once on its model (after "
            "a warm-up), the ratio (a+b)/(a+c) and whether (b) and (c) give the same LP. Multi-year scenarios "
            "(`aip-2035`, `stargate-10gw-2029`) are measured on a few states by benchmarks/time_horizon.py "
            "(benchmarks/time_horizon.md).",
            "",
            "| scenario | supply | hourly | candidates | rows | columns | rows from arrays | load s | build s | translate s | solve s | explain s | write s | end-to-end s | share | (a) s | (b) s | (c) s | ratio (a+b)/(a+c) | MIP gap | same LP | peak RSS MB | load avg |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        for r in scenarios:
            lines.append(
                f"| {r['scenario']} | {r['supply']} | {'yes' if r['hourly'] else 'no'} | {r['candidates']:,} | {r['rows']:,} | "
                f"{r['columns']:,} | {r['rows_from_arrays']:,} | {r['seconds_load']:.2f} | {r['seconds_build']:.2f} | "
                f"{r['seconds_translate']:.2f} | {r['seconds_solve']:.2f} | {r['seconds_explain']:.2f} | {r['seconds_write']:.2f} | "
                f"{r['seconds_e2e']:.2f} | {r['share_build_translate']:.1%} | {r['route_build']:.2f} | {r['route_arrays']:.2f} | "
                f"{r['route_pyomo']:.2f} | {r['ratio']:.2f} | {(r['mip_gap'] or 0.0):.2%} | {_yes(r['routes_agree'])} | "
                f"{r['peak_rss_mb']:,.0f} | {_load(r)} |"
            )
    lines += ["", "## Goals (targets reported, not asserted)", ""]
    if national:
        last = national[-1]
        lines += [
            f"- National end-to-end ≤ {GOAL_E2E_S:.0f} s to ≤ 1 % gap: {last['seconds_e2e']:.1f} s at "
            f"{(last['mip_gap'] or 0):.2%} gap — {_goal(last['seconds_e2e'] <= GOAL_E2E_S and (last['mip_gap'] or 0) <= GOAL_GAP)}.",
            f"- Peak RSS ≤ 2 GB: {last['peak_rss_mb']:,.0f} MB — {_goal(last['peak_rss_mb'] <= GOAL_RSS_MB)}.",
        ]
    else:
        lines.append("- National end-to-end and peak RSS: not measured in this run (no national size).")
    if scenarios:
        worst = max(scenarios, key=lambda r: r["share_build_translate"])
        shipped = len(shipped_scenarios())
        measured = "every shipped national scenario" if len(scenarios) >= shipped else f"{len(scenarios)} of the {shipped} shipped national scenarios"
        lines.append(
            f"- Build + translate ≤ {GOAL_SHARE:.0%} of end-to-end on {measured}: worst "
            f"{worst['share_build_translate']:.1%} ({worst['scenario']}) — "
            f"{_goal(all(r['share_build_translate'] <= GOAL_SHARE for r in scenarios))}."
        )
    else:
        lines.append("- Build + translate ≤ 10 % of end-to-end on every shipped national scenario: not measured (run with `--scenarios shipped`).")
    if national and len(national) > 1:
        lines += ["", "The last national row is a repeat run at the end, when the machine had warmed up; goals are judged on it."]
    lines += [
        "",
        "Exactness (asserted by the script): for every size and scenario the array translation (b) and Pyomo's "
        "compiler on the whole model (c) give the same row, column and nonzero counts and the same arrays handed to "
        "HiGHS, bit for bit, and the pipeline's counts equal them.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated sizes [default: {DEFAULT_SIZES}]")
    ap.add_argument("--supply", default="zonal", choices=("zonal", "legacy"), help="supply model of the sized scenarios")
    ap.add_argument("--scenarios", default="", help="'shipped' (every national one-year scenario in runs/) or comma-separated paths")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--repeat", type=int, default=1, help="build/translate repeats per size (median)")
    ap.add_argument("--smallest", action="store_true", help="only the DE size (quick; used by the tests)")
    ap.add_argument("--no-final-repeat", action="store_true", help="do not re-run the largest size at the end")
    ap.add_argument("--profile", action="store_true", help="cProfile the national build + array translation and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-scenario", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure_size(args.child, args.repeat, args.supply)))
        return 0
    if args.child_scenario:
        print(json.dumps(measure_scenario(args.child_scenario)))
        return 0
    if args.profile:
        profile_national()
        return 0
    labels = ["DE"] if args.smallest else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for label in labels:
        parse_size(label)  # fail fast on a typo
    if not args.smallest and not args.no_final_repeat and "national" in labels:
        labels.append("national")  # the noisy shared machine: judge goals on a second national run
    paths = (
        [str(p) for p in shipped_scenarios()]
        if args.scenarios == "shipped"
        else [p.strip() for p in args.scenarios.split(",") if p.strip()]
    )
    results = []
    for label in labels:
        r = run_child(["--child", label, "--repeat", str(args.repeat), "--supply", args.supply])
        results.append(r)
        print(
            f"{label:>24}: {r['candidates']:>5} cands  e2e {r['seconds_e2e']:6.2f}s  solve {r['seconds_solve']:6.2f}s  "
            f"gap {(r['mip_gap'] or 0):.3%}  rss {r['peak_rss_mb']:7.0f}MB  share {r['share_build_translate']:.1%}  "
            f"ratio (a+b)/(a+c) {r['ratio']:.2f}  same LP {_yes(r['routes_agree'] and r['counts_equal'])}  load {_load(r)}",
            flush=True,
        )
    scenarios = []
    for path in paths:
        r = run_child(["--child-scenario", path])
        scenarios.append(r)
        print(
            f"{r['scenario']:>32}: e2e {r['seconds_e2e']:7.2f}s  build {r['seconds_build']:5.2f}s  translate "
            f"{r['seconds_translate']:5.2f}s  share {r['share_build_translate']:.1%}  ratio (a+b)/(a+c) {r['ratio']:.2f}  "
            f"same LP {_yes(r['routes_agree'])}  load {_load(r)}",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, scenarios, args.repeat))
    print(f"wrote {args.out}")
    bad = [r["label"] for r in results if not (r["counts_equal"] and r["routes_agree"])]
    bad += [r["scenario"] for r in scenarios if not r["routes_agree"]]
    assert not bad, f"the array translation and Pyomo's compiler disagree for: {', '.join(bad)} (see {args.out})"
    return 0


if __name__ == "__main__":
    sys.exit(main())
