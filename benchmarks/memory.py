"""Where a run's memory goes: resident set size (RSS) per stage of one `siting run`, in this process.

Runs a scenario exactly as `siting run` does (``Engine.run``, writing a run directory) with the stages
wrapped so that each one records the RSS it started and ended at and the peak RSS reached while it ran
(Linux: the kernel's high-water mark ``VmHWM``, reset at each stage start through
``/proc/self/clear_refs``). Stages: load, model_data, build (the Pyomo model), translate (the standard
form), passModel, the HiGHS search (joinSolve), cleanup (its re-solves), results (sites and summary), marginal values (the LP with integers
fixed), rank, write. The process' peak is the largest stage peak (resetting VmHWM also resets
``getrusage``'s ``ru_maxrss``, so measure the unwrapped command with ``/usr/bin/time -v`` for that).

    python benchmarks/memory.py SCENARIO.toml --out /tmp/run [--threads 2] [--time-limit S] [--tracemalloc N]

``--tracemalloc N`` also traces Python allocations (slow, ~2-3x) and prints the N largest allocation
sites still alive at the end of each stage (what a stage keeps, by file and line). Wrapping is done
here only, by replacing module attributes for this process: the model code is unchanged.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MB = 1024.0


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


def _where(frame: tracemalloc.Frame) -> str:
    """An allocation site as file:line, relative to site-packages or the repository."""
    name = frame.filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
    return f"{name}:{frame.lineno}"


class Stages:
    """Per-stage RSS records; nested stages are recorded on their own and their peak folds into the outer one."""

    def __init__(self, top: int) -> None:
        self.rows: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.top = top

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            self._enter(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self._leave()

        return inner

    def _enter(self, name: str) -> None:
        if self.stack:  # fold the outer stage's peak so far before the reset
            self.stack[-1]["peak_kb"] = max(self.stack[-1]["peak_kb"], _status_kb("VmHWM"))
        _reset_peak()
        self.stack.append({"stage": name, "start_kb": _status_kb("VmRSS"), "peak_kb": 0, "t": time.perf_counter(),
                           "t_start": time.perf_counter(), "depth": len(self.stack)})

    def _leave(self) -> None:
        row = self.stack.pop()
        row["peak_kb"] = max(row["peak_kb"], _status_kb("VmHWM"))
        row["end_kb"] = _status_kb("VmRSS")
        row["seconds"] = time.perf_counter() - row.pop("t")
        if tracemalloc.is_tracing():
            snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            stats = snap.statistics("lineno")
            row["traced_mb"] = sum(s.size for s in stats) / MB / MB
            row["top"] = [(_where(s.traceback[0]), round(s.size / MB / MB, 1), s.count) for s in stats[: self.top]]
        if self.stack:
            self.stack[-1]["peak_kb"] = max(self.stack[-1]["peak_kb"], row["peak_kb"])
        _reset_peak()
        self.rows.append(row)


ROOT = Path(__file__).resolve().parents[1]


def instrument(stages: Stages) -> None:
    """Replace the stage functions, where their callers look them up, by recorded wrappers."""
    import highspy

    from model.milp import build
    from model.solve import highs
    from model.workflows import engine

    engine.load_inputs = stages.wrap("load", engine.load_inputs)
    build.model_data = stages.wrap("model_data", build.model_data)
    engine.build_model = stages.wrap("build (model_data + Pyomo)", engine.build_model)
    highs.to_standard_form = stages.wrap("translate", highs.to_standard_form)
    highspy.Highs.passModel = stages.wrap("passModel", highspy.Highs.passModel)  # type: ignore[method-assign]
    # joinSolve is where the search is waited for, whether solve() or startSolve/joinSolve started it.
    highspy.Highs.joinSolve = stages.wrap("HiGHS search (joinSolve)", highspy.Highs.joinSolve)  # type: ignore[method-assign]
    engine.solve_model = stages.wrap("solve (translate + HiGHS + values)", engine.solve_model)
    engine.clean_solution = stages.wrap("cleanup (re-solves without fragments)", engine.clean_solution)
    engine.sites_table = stages.wrap("results: sites", engine.sites_table)
    engine.summary_dict = stages.wrap("results: summary", engine.summary_dict)
    engine.marginal_values = stages.wrap("explain: marginal values", engine.marginal_values)
    engine.rank_candidates = stages.wrap("explain: rank", engine.rank_candidates)
    engine.write_run = stages.wrap("write", engine.write_run)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds, as `siting run --time-limit`")
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="N")
    ap.add_argument("--json", type=Path, default=None, help="also write the records here")
    args = ap.parse_args()
    if args.tracemalloc:
        tracemalloc.start(1)
    from model.config import load_scenario
    from model.workflows.engine import Engine

    stages = Stages(args.tracemalloc)
    instrument(stages)
    start_kb = _status_kb("VmRSS")
    sc = load_scenario(args.scenario).with_solver(threads=args.threads, time_limit_s=args.time_limit)
    t0 = time.perf_counter()
    outcome = Engine().run(sc, args.out, force=True)
    wall = time.perf_counter() - t0
    # The resets above also reset what getrusage reports (the same counter): the process' peak is the
    # largest stage peak (every moment of the run is inside some stage or between two, where RSS falls).
    peak_mb = max([r["peak_kb"] for r in stages.rows] + [_status_kb("VmHWM")]) / MB
    s = outcome.summary
    print(f"\n{sc.name}: status {s['status']}, objective {s.get('objective')}, size {s.get('model_size')}; "
          f"{wall:.1f} s; "
          f"RSS after imports {start_kb / MB:.0f} MB, process peak {peak_mb:.0f} MB; load avg {os.getloadavg()[0]:.1f}")
    print(f"{'stage':<40} {'start MB':>9} {'peak MB':>9} {'end MB':>9} {'s':>8}")
    for r in sorted(stages.rows, key=lambda r: r["t_start"]):
        print(f"{'  ' * r['depth'] + r['stage']:<40} {r['start_kb'] / MB:>9.0f} {r['peak_kb'] / MB:>9.0f} "
              f"{r['end_kb'] / MB:>9.0f} {r['seconds']:>8.1f}")
        for where, size_mb, count in r.get("top", []):
            print(f"{'':<6}{size_mb:>8.1f} MB {count:>10,} objs  {where}")
    if args.json:
        args.json.write_text(json.dumps({"scenario": sc.name, "peak_mb": peak_mb, "wall_s": wall, "stages": stages.rows,
                                         "status": s["status"], "objective": s.get("objective")}, indent=1, default=str))


if __name__ == "__main__":
    main()
