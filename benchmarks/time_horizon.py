"""How a multi-year scenario scales with its years: the same scenario over its first 1, …, n model years.

One model over time: the root holds one block per model year (``m.year[y]``) built by the same
``add_<block>`` functions, plus the links between years and the money over time, so a one-year horizon
is the same model with one block. This script takes a shipped multi-year scenario (default
``runs/aip-2035.toml``), restricts its candidates to a few states (``--states``, repeatable) and its
``[pathway] years`` to the first N model years (``--years``), and for each combination runs, in a fresh
subprocess (so peak RSS is that run's alone, ``resource.getrusage(RUSAGE_SELF)`` in the child):

* ``run_scenario`` end to end (load, build, translate, solve, explain, write into a temp dir): the
  stage seconds of its summary.json, its wall clock, status, MIP gap, objective, model size (rows,
  columns, nonzeros; integers from HiGHS' log) and the peak RSS of the pipeline run;
* then, on a second build of the same model, (a) ``build_model``, (b) the array translation
  (``to_standard_form``) + passModel, (c) Pyomo's compiler (``pyomo_standard_form``) + passModel, the
  ratio (a+b)/(a+c) and whether (b) and (c) hand HiGHS the same LP (as benchmarks/run.py does for
  one-year models).

``--years`` may also name ``snapshot``: the same scenario as the one-period model ([pathway] removed,
``max_compute`` with the same budget, the GPU types the one-period catalog has). If the pipeline fails
after the solve (a results bug), the error is recorded and load, build, translate and solve are measured
directly instead. Everything else in the scenario is kept as shipped (budget, GPU types, solver gap and
time limit); only the threads are set (``--threads``, default 1: the machine is shared). Goals are not
asserted; the load average is recorded with each run. The measurements are also written as JSON (re-render
the table from it with ``--render``).

    python benchmarks/time_horizon.py [--scenario runs/aip-2035.toml] [--states VA,MD] [--states TX]
        [--years snapshot,1,2,5] [--threads 1] [--out benchmarks/time_horizon.md] [--render FILE.json]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder (not the repository) is first on sys.path, so `model` would resolve to
# whatever copy is installed; measure the repository this script sits in.
_REPO = str(Path(__file__).resolve().parent.parent)
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from run import load_avg, machine, median_routes, time_routes  # benchmarks/run.py (this script's folder)

from model.config import Scenario, resolve_raw, scenario_from_dict
from model.workflows.engine import run_scenario

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_SCENARIO = REPO / "runs" / "aip-2035.toml"
STAGES = ("load", "build", "translate", "solve", "explain", "write")


def horizon_scenario(path: Path, states: list[str], n_years: int, threads: int) -> Scenario:
    """``path``'s scenario with candidates in ``states`` and its first ``n_years`` model years."""
    raw = resolve_raw(path)
    raw.setdefault("name", path.stem)
    pathway = raw.get("pathway")
    if pathway is None or "years" not in pathway:
        raise SystemExit(f"{path}: not a multi-year scenario (no [pathway] years)")
    years = list(pathway["years"])
    if not 1 <= n_years <= len(years):
        raise SystemExit(f"--years: {n_years} is not between 1 and the scenario's {len(years)} model years")
    kept = years[:n_years]
    pathway["years"] = kept
    for key in ("equity_usd_by_year", "debt_usd_by_year"):  # one value per model year
        if pathway.get(key) is not None:
            pathway[key] = pathway[key][:n_years]
    if pathway.get("target_it_mw_by_year"):
        pathway["target_it_mw_by_year"] = {y: v for y, v in pathway["target_it_mw_by_year"].items() if int(y) <= kept[-1]}
    raw.setdefault("candidates", {})["states"] = states
    raw.setdefault("solver", {})["threads"] = threads
    raw["name"] = f"{raw['name']}-{'-'.join(states)}-{n_years}y"
    return scenario_from_dict(raw, f"{path} (states {','.join(states)}, years {kept[0]}-{kept[-1]})")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def snapshot_scenario(path: Path, states: list[str], threads: int) -> Scenario:
    """``path``'s scenario as the one-period (snapshot) model: no ``[pathway]``, ``max_compute`` with its
    budget (``min_cost`` keeps its [objective]), and only GPU types of the one-period catalog (data/gpus.csv;
    roadmap-only types such as Rubin_NVL144 have no one-period data)."""
    from model.inputs.datasets import load_gpu_catalog

    raw = resolve_raw(path)
    raw.setdefault("name", path.stem)
    pathway = raw.pop("pathway", None) or {}
    if pathway.get("objective", "max_compute_years") != "min_cost":
        raw["objective"] = {"sense": "max_compute"}
    catalog = set(load_gpu_catalog().index)
    types = raw.get("gpus", {}).get("types")
    if types:
        raw["gpus"]["types"] = [g for g in types if g in catalog]
    raw.setdefault("candidates", {})["states"] = states
    raw.setdefault("solver", {})["threads"] = threads
    raw["name"] = f"{raw['name']}-{'-'.join(states)}-snapshot"
    return scenario_from_dict(raw, f"{path} (states {','.join(states)}, one-period snapshot)")


def measure(path: Path, states: list[str], horizon: str, threads: int) -> dict[str, Any]:
    """One run end to end in this (fresh) process, then the build and both translations of its model.

    ``horizon``: "snapshot" or a count of model years. If the pipeline fails after the solve (a bug in
    the results), the error is recorded and build, translate and solve are measured directly instead
    (``build_model`` + ``solve_model``), so the model's size and solve time are still reported."""
    from model.inputs.load import load_inputs
    from model.milp.build import build_model
    from model.solve.highs import solve_model

    load_start = load_avg()
    sc = snapshot_scenario(path, states, threads) if horizon == "snapshot" else horizon_scenario(path, states, int(horizon), threads)
    error = None
    with tempfile.TemporaryDirectory(prefix="siting-horizon-") as tmp:
        t0 = time.perf_counter()
        try:
            outcome = run_scenario(sc, Path(tmp) / "run")
        except Exception as err:  # noqa: BLE001 - recorded in the table, measured directly below
            error = f"{type(err).__name__}: {err}"
        wall = time.perf_counter() - t0
        log_file = Path(tmp) / "run" / "solver.log"
        log = log_file.read_text() if log_file.exists() else ""
    if error is None:
        summary: dict[str, Any] = dict(outcome.summary)
        del outcome
        size = summary["model_size"]
        seconds = {k: float(summary["seconds"].get(k, 0.0)) for k in STAGES}
        e2e: float | None = wall
    else:
        t0 = time.perf_counter()
        inputs = load_inputs(sc)
        t1 = time.perf_counter()
        sm = build_model(inputs)
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="siting-horizon-") as tmp:
            result = solve_model(sm.m, sc.solver, log_path=Path(tmp) / "solver.log", hourly=sm.hourly)
        log = result.log
        seconds = {"load": t1 - t0, "build": t2 - t1, "translate": result.seconds_translate, "solve": result.seconds_solve,
                   "explain": 0.0, "write": 0.0}
        size = {"rows": result.rows, "columns": result.columns, "nonzeros": result.nonzeros}
        summary = {"candidates": len(inputs.sites), "status": result.status, "mip_gap": result.mip_gap,
                   "objective": result.objective, "objective_unit": "(model units)"}
        e2e = None
        del sm
    rss = peak_rss_mb()
    ints = re.findall(r"(\d+) integer variables \((\d+) binary\)", log)
    run = time_routes(load_inputs(sc))
    routes = median_routes([run])
    return {
        "scenario": _shown(path),
        "states": states,
        "horizon": horizon,
        "years": list(sc.pathway.years) if sc.pathway else [],
        "threads": threads,
        "candidates": summary["candidates"],
        "rows": size["rows"],
        "columns": size["columns"],
        "nonzeros": size["nonzeros"],
        # HiGHS logs the original model first (then the presolved one): the first match is the model's.
        "integers": int(ints[0][0]) if ints else None,
        "binaries": int(ints[0][1]) if ints else None,
        "rows_from_arrays": run.rows_from_arrays,
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": summary["objective"],
        "objective_unit": summary.get("objective_unit"),
        "sites_built": summary.get("sites_built"),
        "final_it_mw_online": summary.get("final_it_mw_online"),
        "seconds": seconds,
        "seconds_e2e": e2e,
        "error": error,
        "peak_rss_mb": rss,
        "route_build": routes["build"],
        "route_arrays": routes["arrays"],
        "route_pyomo": routes["pyomo"],
        "ratio": routes["ratio"],
        "routes_agree": run.same and (run.rows, run.columns, run.nonzeros) == (size["rows"], size["columns"], size["nonzeros"]),
        "load_avg": [load_start, load_avg()],
    }


def run_child(path: Path, states: list[str], horizon: str, threads: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps([str(path), states, horizon, threads])]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{','.join(states)} {horizon}: failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _gap(x: float | None) -> str:
    return "-" if x is None else f"{x:.2%}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def _factor(x: float | None, base: float | None) -> str:
    return f"{x / base:.1f}×" if x is not None and base else "-"


def _shown(path: Path) -> str:
    p = path.resolve()
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(path)


def _years(r: dict[str, Any]) -> str:
    y = r["years"]
    if not y:
        return "snapshot (one-period)"
    return f"{y[0]} (1)" if len(y) == 1 else f"{y[0]}–{y[-1]} ({len(y)})"


def render(rows: list[dict[str, Any]], scenario: str, threads: int) -> str:
    lines = [
        "# Multi-year scaling: the same scenario over 1 … n model years",
        "",
        f"Generated by `benchmarks/time_horizon.py`. Machine: {machine()}.",
        "Shared 2-core machine (other agents' jobs overlap; 'load avg' is the 1-minute load average at the start and "
        "end of each run's process, about 1 per busy core): read timings as indicative, and compare rows measured "
        "under similar load.",
        "",
        f"Scenario: `{scenario}` as shipped (budget, GPU types, phases, routes, HiGHS mip_rel_gap and time limit), with "
        f"`candidates.states` restricted as listed, `[pathway] years` cut to its first N model years, and {threads} "
        "HiGHS thread(s). No candidate screening (every county of the states enters). 'snapshot' is the same "
        "scenario as the one-period model ([pathway] removed, `max_compute` with the same budget, the GPU types of "
        "the one-period catalog). Each row is one fresh process: `run_scenario` end to end (stage seconds from its "
        "summary.json, end-to-end by the wall clock, written into a temp dir), peak RSS = the process's ru_maxrss "
        "after that run. Integers are HiGHS' count before presolve (from its log). A run whose pipeline failed "
        "after the solve is marked † with the error; its load, build, translate and solve are then measured "
        "directly (`load_inputs`, `build_model`, `solve_model`) and it has no end-to-end time.",
        "",
        "| states | years | candidates | rows | columns | nonzeros | integers (binary) | load s | build s | translate s | "
        "solve s | explain s | write s | end-to-end s | status | MIP gap | objective | sites built | IT MW online at end | "
        "peak RSS MB | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    errors = []
    for r in rows:
        s = r["seconds"]
        ints = "-" if r["integers"] is None else f"{r['integers']:,} ({r['binaries']:,})"
        unit = r.get("objective_unit") or ""
        status = r["status"]
        if r.get("error"):
            errors.append(r)
            status += f" †{len(errors)}"
        lines.append(
            f"| {','.join(r['states'])} | {_years(r)} | {r['candidates']:,} | {r['rows']:,} | {r['columns']:,} | "
            f"{r['nonzeros']:,} | {ints} | {s['load']:.2f} | {s['build']:.2f} | {s['translate']:.2f} | {s['solve']:.2f} | "
            f"{s['explain']:.2f} | {s['write']:.2f} | {_num(r['seconds_e2e'], '.2f')} | {status} | {_gap(r['mip_gap'])} | "
            f"{_num(r['objective'], ',.4g')} {unit} | {_num(r['sites_built'])} | {_num(r['final_it_mw_online'], ',.0f')} | "
            f"{r['peak_rss_mb']:,.0f} | {r['load_avg'][0]:.1f}–{r['load_avg'][1]:.1f} |"
        )
    if errors:
        lines.append("")
        lines += [f"†{i}: `run_scenario` raised `{r['error'][:300]}`." for i, r in enumerate(errors, 1)]
    lines += [
        "",
        "## Growth with the number of model years",
        "",
        "Sizes per model year, and each figure over the same states' one-year horizon (`[pathway] years` = the "
        "first year; N× = N times its figure; a model linear in its years reads N× for rows, columns and nonzeros). "
        "Solve time is not compared with the one-year horizon: nothing can be powered in a scenario's first year "
        "(the bridge comes after `bridge_lead_years`, flexible connections after `flexible_lead_years`, firm power "
        "after each site's time to power, all counted from the first year), so HiGHS settles it in presolve.",
        "",
        "| states | years | rows per year | columns per year | nonzeros per year | rows | columns | nonzeros | build s | translate s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if not r["years"]:
            continue
        n = len(r["years"])
        base = next((b for b in rows if b["states"] == r["states"] and len(b["years"]) == 1), None)
        s, bs = r["seconds"], (base["seconds"] if base is not None else None)
        rel = (
            [_factor(r["rows"], base["rows"]), _factor(r["columns"], base["columns"]), _factor(r["nonzeros"], base["nonzeros"]),
             _factor(s["build"], bs["build"]), _factor(s["translate"], bs["translate"]),
             _factor(r["peak_rss_mb"], base["peak_rss_mb"])]
            if base is not None and bs is not None else ["-"] * 6
        )
        lines.append(
            f"| {','.join(r['states'])} | {n} | {r['rows'] / n:,.0f} | {r['columns'] / n:,.0f} | {r['nonzeros'] / n:,.0f} | "
            + " | ".join(rel) + " |"
        )
    lines += [
        "",
        "## Build and translation of the multi-year model",
        "",
        "On a second build of each model (after the run, same process): (a) `build_model`, (b) the array "
        "translation `to_standard_form` + passModel (the pipeline's route), (c) Pyomo's standard-form compiler on the "
        "whole model + passModel; one run each. 'rows from arrays': rows (b) read from registered arrays (the rest "
        "compiled by Pyomo). 'same LP': (b) and (c) hand HiGHS the same arrays, bit for bit, with the run's counts.",
        "",
        "| states | years | rows | rows from arrays | (a) build s | (b) arrays s | (c) Pyomo compiler s | ratio (a+b)/(a+c) | same LP |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {','.join(r['states'])} | {_years(r)} | {r['rows']:,} | {r['rows_from_arrays']:,} | "
            f"{r['route_build']:.3f} | {r['route_arrays']:.3f} | {r['route_pyomo']:.3f} | {r['ratio']:.2f} | "
            f"{'yes' if r['routes_agree'] else 'NO'} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO, help="a multi-year scenario [default: runs/aip-2035.toml]")
    ap.add_argument("--states", action="append", help="comma-separated states of one group (repeatable) [default: VA,MD]")
    ap.add_argument("--years", default="snapshot,1,2,5",
                    help="comma-separated horizons: 'snapshot' (the one-period model) or a count of model years from the first "
                    "[default: snapshot,1,2,5]")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads [default: 1]")
    ap.add_argument("--out", type=Path, default=HERE / "time_horizon.md")
    ap.add_argument("--json", type=Path, help="also write the measurements as JSON [default: --out with .json]")
    ap.add_argument("--render", type=Path, help="only re-render --out from a JSON file of an earlier run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        path, states, horizon, threads = json.loads(args.child)
        print(json.dumps(measure(Path(path), states, str(horizon), threads)))
        return 0
    if args.render:
        saved = json.loads(args.render.read_text())
        args.out.write_text(render(saved["rows"], saved["scenario"], saved["threads"]))
        print(f"wrote {args.out}")
        return 0
    json_path = args.json or args.out.with_suffix(".json")
    groups = [[s.strip().upper() for s in g.split(",") if s.strip()] for g in (args.states or ["VA,MD"])]
    horizons = [h.strip() for h in args.years.split(",") if h.strip()]
    for h in horizons:  # fail fast on a bad horizon or scenario
        if h == "snapshot":
            snapshot_scenario(args.scenario, groups[0], args.threads)
        elif h.isdigit():
            horizon_scenario(args.scenario, groups[0], int(h), args.threads)
        else:
            raise SystemExit(f"--years: cannot read '{h}' (use 'snapshot' or a count of model years)")
    rows = []
    for states in groups:
        for h in horizons:
            r = run_child(args.scenario, states, h, args.threads)
            rows.append(r)
            print(
                f"{','.join(states):>10} {h:>8}: {r['candidates']:>4} cands  rows {r['rows']:>7,}  cols {r['columns']:>7,}  "
                f"e2e {_num(r['seconds_e2e'], '7.1f')}s  solve {r['seconds']['solve']:7.1f}s  {r['status']}  gap {_gap(r['mip_gap'])}  "
                f"rss {r['peak_rss_mb']:6.0f}MB  ratio (a+b)/(a+c) {r['ratio']:.2f}  same LP {'yes' if r['routes_agree'] else 'NO'}  "
                f"load {r['load_avg'][0]:.1f}–{r['load_avg'][1]:.1f}" + (f"  ERROR {r['error'][:120]}" if r.get("error") else ""),
                flush=True,
            )
            # Written as it goes (runs are long): the table and the raw measurements.
            args.out.write_text(render(rows, _shown(args.scenario), args.threads))
            json_path.write_text(json.dumps({"scenario": _shown(args.scenario), "threads": args.threads, "rows": rows}, indent=1))
    print(f"wrote {args.out} and {json_path}")
    bad = [f"{','.join(r['states'])} {r['horizon']}" for r in rows if not r["routes_agree"]]
    assert not bad, f"the array translation and Pyomo's compiler disagree for: {', '.join(bad)} (see {args.out})"
    return 0


if __name__ == "__main__":
    sys.exit(main())
