"""Measure the three ways model.solve hands a Pyomo model to HiGHS, in one process run.

Routes: "highspy" (standard-form compiler + ``Highs.passModel``), "appsi"
(``SolverFactory('appsi_highs')``) and "contrib" (``SolverFactory('highs')``, pyomo.contrib.solver
through its legacy wrapper). Each route gets a freshly built model. ``highspy.Highs.run`` is
wrapped for the duration of the run so that every route reports the same thing: wall seconds
inside HiGHS' ``run()`` (HiGHS' own solve), the options and model size HiGHS actually received,
and its objective and dual bound. Everything else in the ``solve_model`` call — Pyomo → HiGHS
translation, option setting and writing the solution back — is "outside HiGHS".

    /work/venv/bin/python benchmarks/routes.py --states TX,OK --states ALL --repeat 2

``--states`` may be repeated; ``ALL`` means every county (national).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import highspy
from pyomo.version import version as pyomo_version

from model.config import Scenario, SolverConfig, scenario_from_dict
from model.inputs.load import SitingData, load_inputs
from model.milp.build import build_model
from model.solve.highs import solve_model

ROUTES = ("highspy", "appsi", "contrib")
NATIONAL_BUDGET_USD = 100e9
NATIONAL_COUNTIES = 3108


@dataclass
class HighsCall:
    """What one ``Highs.run()`` saw and produced."""

    seconds_wall: float
    seconds_highs: float  # HiGHS' own run clock (getRunTime)
    rows: int
    columns: int
    nonzeros: int
    options: dict[str, Any]
    objective: float
    dual_bound: float


@dataclass
class Measurement:
    route: str
    seconds_build: float
    seconds_total: float
    status: str = "error"
    objective: float | None = None
    highs: HighsCall | None = None
    error: str = ""
    seconds_translate: float = math.nan  # as reported by solve_model (highspy route only)

    @property
    def seconds_highs(self) -> float:
        return self.highs.seconds_wall if self.highs else math.nan

    @property
    def seconds_outside(self) -> float:
        return self.seconds_total - self.seconds_highs


@dataclass
class Case:
    label: str
    states: list[str]
    candidates: int
    budget_usd: float
    runs: dict[str, list[Measurement]] = field(default_factory=dict)


# --- instrumentation ---------------------------------------------------------------------------

_CALLS: list[HighsCall] = []
_ORIGINAL_RUN = highspy.Highs.run
_WATCHED_OPTIONS = ("time_limit", "mip_rel_gap", "threads", "random_seed")


def _timed_run(self: highspy.Highs) -> Any:
    options = {k: self.getOptionValue(k)[1] for k in _WATCHED_OPTIONS}
    t0 = time.perf_counter()
    status = _ORIGINAL_RUN(self)
    wall = time.perf_counter() - t0
    info = self.getInfo()
    _CALLS.append(
        HighsCall(
            seconds_wall=wall,
            seconds_highs=self.getRunTime(),
            rows=self.getNumRow(),
            columns=self.getNumCol(),
            nonzeros=self.getNumNz(),
            options=options,
            objective=float(info.objective_function_value),
            dual_bound=float(info.mip_dual_bound),
        )
    )
    return status


def instrument_highs() -> None:
    highspy.Highs.run = _timed_run


# --- one measurement ---------------------------------------------------------------------------


def scenario_for(states: list[str], budget_usd: float, gap: float, threads: int, time_limit: float) -> Scenario:
    raw: dict[str, Any] = {
        "name": "routes_benchmark",
        "objective": {"sense": "max_compute"},
        "budget": {"equity_usd": budget_usd},
        "candidates": {"states": states},
        "solver": {"mip_gap": gap, "threads": threads, "time_limit_s": time_limit},
    }
    return scenario_from_dict(raw, "benchmarks/routes.py")


def scaled_budget_usd(candidates: int) -> float:
    """$100bn for the 3,108 national counties, pro rata, rounded to whole $bn (at least $1bn)."""
    return max(1.0, round(NATIONAL_BUDGET_USD * candidates / NATIONAL_COUNTIES / 1e9)) * 1e9


def measure(inputs: SitingData, route: str) -> Measurement:
    t0 = time.perf_counter()
    sm = build_model(inputs)
    t_build = time.perf_counter() - t0
    config = inputs.scenario.solver.model_copy(update={"route": route})
    gc.collect()
    n_calls = len(_CALLS)
    t0 = time.perf_counter()
    try:
        result = solve_model(sm.m, config)
    except Exception as err:  # a broken route is a result, not a crash
        out = Measurement(route, t_build, time.perf_counter() - t0, error=f"{type(err).__name__}: {err}")
    else:
        out = Measurement(route, t_build, time.perf_counter() - t0, result.status, result.objective)
        out.seconds_translate = result.seconds_translate if route == "highspy" else math.nan
    out.highs = _CALLS[-1] if len(_CALLS) > n_calls else None
    return out


def warm_up(routes: list[str], args: argparse.Namespace) -> None:
    """One untimed solve per route on a tiny state, so imports and first-call costs are not measured."""
    inputs = load_inputs(scenario_for(["DE"], 1e9, args.gap, args.threads, args.time_limit))
    for route in routes:
        measure(inputs, route)


def run_case(case: Case, inputs: SitingData, routes: list[str], repeat: int) -> None:
    case.runs = {r: [] for r in routes}
    for i in range(repeat):
        order = routes[i % len(routes) :] + routes[: i % len(routes)]  # rotate to spread order effects
        for route in order:
            m = measure(inputs, route)
            case.runs[route].append(m)
            print(
                f"  [{case.label}] {route:8s} rep {i + 1}: {m.status:9s} obj={m.objective} "
                f"total={m.seconds_total:.2f}s highs={m.seconds_highs:.2f}s {m.error}",
                flush=True,
            )


# --- summary -----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def route_medians(runs: list[Measurement]) -> dict[str, float]:
    return {
        "total": median([m.seconds_total for m in runs]),
        "highs": median([m.seconds_highs for m in runs]),
        "outside": median([m.seconds_outside for m in runs]),
    }


def ratio(value: float, best: float) -> str:
    if not (math.isfinite(value) and math.isfinite(best)) or best <= 0:
        return "–"
    return f"{value / best:.2f}×"


def objective_check(case: Case, gap: float, maximize: bool) -> list[str]:
    """Every route's objective within the MIP gap of every other, and none beyond any dual bound."""
    rows: list[tuple[str, float, float]] = []
    for route, runs in case.runs.items():
        for m in runs:
            if m.objective is not None and m.highs is not None:
                rows.append((route, m.objective, m.highs.dual_bound))
    if len(rows) < 2:
        return ["- Objective check: fewer than two solutions, nothing to compare."]
    objs = [o for _, o, _ in rows]
    spread = (max(objs) - min(objs)) / max(abs(o) for o in objs)
    tol = 1e-6 * max(1.0, max(abs(o) for o in objs))
    bound = min(b for _, _, b in rows) if maximize else max(b for _, _, b in rows)
    beyond = [r for r, o, _ in rows if (o > bound + tol if maximize else o < bound - tol)]
    ok = spread <= gap + 1e-9 and not beyond
    lines = [
        f"- Objective check: {'PASS' if ok else 'FAIL'} — {len(rows)} solutions, relative spread "
        f"{spread:.4%} (MIP gap {gap:.0%}); tightest dual bound {bound:,.1f}"
        + (f"; routes beyond it: {sorted(set(beyond))}" if beyond else "; no objective beyond it")
        + "."
    ]
    return lines


def options_check(case: Case, expected: dict[str, Any]) -> list[str]:
    lines = []
    for route, runs in case.runs.items():
        seen = runs[-1].highs.options if runs and runs[-1].highs else None
        if seen is None:
            lines.append(f"- `{route}`: HiGHS never ran.")
            continue
        wrong = {k: v for k, v in seen.items() if k in expected and not math.isclose(float(v), float(expected[k]))}
        if wrong:
            shown = ", ".join(f"{k}={v} (asked {expected[k]})" for k, v in wrong.items())
            lines.append(f"- `{route}`: HiGHS received {shown}.")
    return lines or ["- All routes passed time_limit, mip_rel_gap, threads and random_seed through to HiGHS."]


def fmt(x: float | None, spec: str = ".2f") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def case_table(case: Case) -> list[str]:
    med = {r: route_medians(runs) for r, runs in case.runs.items()}
    best = {k: min((v[k] for v in med.values() if math.isfinite(v[k])), default=math.nan) for k in ("total", "highs", "outside")}
    lines = [
        "| route | status | objective (PFLOPS) | HiGHS rows × cols (nnz) | build s | outside HiGHS s | HiGHS s | total s "
        "| total vs fastest | outside vs fastest | HiGHS vs fastest |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for route, runs in case.runs.items():
        last = runs[-1]
        h = last.highs
        size = f"{h.rows:,} × {h.columns:,} ({h.nonzeros:,})" if h else "–"
        status = last.status if not last.error else f"error: {last.error[:80]}"
        lines.append(
            f"| {route} | {status} | {fmt(last.objective, ',.1f')} | {size} "
            f"| {fmt(median([m.seconds_build for m in runs]))} | {fmt(med[route]['outside'])} "
            f"| {fmt(med[route]['highs'])} | {fmt(med[route]['total'])} "
            f"| {ratio(med[route]['total'], best['total'])} | {ratio(med[route]['outside'], best['outside'])} "
            f"| {ratio(med[route]['highs'], best['highs'])} |"
        )
    return lines


def highspy_split(case: Case) -> list[str]:
    runs = case.runs.get("highspy", [])
    own = median([m.seconds_translate for m in runs])
    if not runs or not math.isfinite(own):
        return []
    outside = route_medians(runs)["outside"]
    return [
        f"- `highspy` route's own split: to_standard_form + passModel {own:.2f} s of its {outside:.2f} s "
        "outside HiGHS (the rest is writing values back onto the Pyomo variables)."
    ]


def machine_line() -> str:
    cpu = "unknown CPU"
    ram_gib = math.nan
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = int(line.split()[1]) / 1024**2
                break
    except OSError:
        pass
    return (
        f"Machine: {cpu}, {os.cpu_count()} logical cores, {ram_gib:.0f} GiB RAM; "
        f"Python {platform.python_version()}, pyomo {pyomo_version}, highspy {version('highspy')}."
    )


def case_section(case: Case, solver: SolverConfig, repeat: int, maximize: bool) -> list[str]:
    expected = {
        "time_limit": solver.time_limit_s,
        "mip_rel_gap": solver.mip_gap,
        "threads": solver.threads,
        "random_seed": 0,
    }
    fastest = min(case.runs, key=lambda r: route_medians(case.runs[r])["total"])
    return [
        f"## {case.label}: {case.candidates:,} candidate counties, budget ${case.budget_usd / 1e9:,.0f}bn",
        "",
        f"Median of {repeat} run(s) per route after one untimed warm-up solve per route (Delaware); "
        "route order rotated between repeats. "
        "Ratios are relative to the fastest route in this run. "
        "'outside HiGHS' = whole `solve_model` call minus HiGHS' `run()` "
        "(translation, option setting, solution write-back).",
        "",
        *case_table(case),
        "",
        f"- Fastest in total: `{fastest}`.",
        *highspy_split(case),
        *objective_check(case, solver.mip_gap, maximize),
        *options_check(case, expected),
        "",
    ]


def write_report(path: Path, cases: list[Case], solver: SolverConfig, repeat: int, maximize: bool) -> None:
    lines = [
        "# Pyomo → HiGHS routes",
        "",
        "Generated by `benchmarks/routes.py`. " + machine_line(),
        f"Solver settings: mip_rel_gap {solver.mip_gap:.0%}, {solver.threads} threads, "
        f"time limit {solver.time_limit_s:g} s, random_seed 0; objective max_compute.",
        "",
    ]
    for case in cases:
        lines += case_section(case, solver, repeat, maximize)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


# --- entry point -------------------------------------------------------------------------------


def parse_states(spec: str) -> list[str]:
    return [] if spec.strip().upper() in ("", "ALL", "US") else [s.strip().upper() for s in spec.split(",") if s.strip()]


def prepare_case(spec: str, args: argparse.Namespace) -> tuple[Case, SitingData]:
    states = parse_states(spec)
    probe = load_inputs(scenario_for(states, 1e9, args.gap, args.threads, args.time_limit))
    n = len(probe.sites)
    budget = args.budget_usd if args.budget_usd else scaled_budget_usd(n)
    scenario = scenario_for(states, budget, args.gap, args.threads, args.time_limit)
    inputs = dataclasses.replace(probe, scenario=scenario)  # only the budget differs
    label = ",".join(states) if states else "national"
    return Case(label=label, states=states, candidates=n, budget_usd=budget), inputs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--states", action="append", help="comma-separated USPS codes, or ALL; repeatable (default TX,OK)")
    p.add_argument("--repeat", type=int, default=1, help="solves per route and case (median reported)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/routes.md"))
    p.add_argument("--routes", default=",".join(ROUTES), help="comma-separated subset of " + ",".join(ROUTES))
    p.add_argument("--gap", type=float, default=0.01)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--time-limit", type=float, default=600.0)
    p.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up solve per route")
    p.add_argument("--budget-usd", type=float, default=None, help="override the scaled budget")
    args = p.parse_args(argv)
    args.states = args.states or ["TX,OK"]
    args.routes = [r.strip() for r in args.routes.split(",") if r.strip()]
    unknown = set(args.routes) - set(ROUTES)
    if unknown:
        p.error(f"unknown routes {sorted(unknown)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    instrument_highs()
    if not args.no_warmup:
        warm_up(args.routes, args)
    cases: list[Case] = []
    solver = SolverConfig(mip_gap=args.gap, threads=args.threads, time_limit_s=args.time_limit)
    for spec in args.states:
        case, inputs = prepare_case(spec, args)
        print(f"{case.label}: {case.candidates} candidates, budget ${case.budget_usd / 1e9:.0f}bn", flush=True)
        run_case(case, inputs, args.routes, args.repeat)
        cases.append(case)
        write_report(args.out, cases, solver, args.repeat, maximize=True)  # keep partial results
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
