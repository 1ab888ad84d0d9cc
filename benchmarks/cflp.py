"""Hard capacitated facility location instances, and how `siting cflp`'s solver does on them.

Instances are generated *in the style of* Cornuéjols, Sridharan and Thizy (1991), "A comparison of
heuristics and relaxations for the capacitated plant location problem", EJOR 50, the recipe behind
the classic "CST" test sets (as described there and in later papers that reuse it):

* sites and customers uniform in the unit square;
* demand d_j ~ U[5, 35];
* raw capacity s_i ~ U[10, 160]; fixed cost f_i = U[0, 90] + U[100, 110] * sqrt(s_i), drawn from the
  *raw* capacity (so the fixed-cost scale is the same for every ratio);
* capacities then scaled by one factor so that sum_i C_i / sum_j d_j = r, r in {3, 5, 7, 10}
  (r = 3 is the tightest: roughly a third of the sites must open);
* cost per unit of demand c_ij = 10 x euclidean distance (so serving j fully from i costs 10 d_j dist).

All draws are continuous (no rounding). The exact distributions of the published sets may differ in
detail (e.g. rounding); the point is the structure, not a reproduction of their numbers.

    python benchmarks/cflp.py                      # 100 sites x 1,000 customers, r in 3,5,7,10, seed 1
    python benchmarks/cflp.py --seeds 1,2 --plain  # two seeds, plus the plain HiGHS solve for comparison

writes benchmarks/cflp.md (the table, then ``--notes``; the notes in the committed file were written
by hand around one such run). Timings are wall seconds on whatever machine runs it, with the 1-minute
load average before and after each solve ("optimal" = proven within the relative gap 1e-4).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from model.cflp import CapacitatedFacilityLocation, CFLPResult
from model.config import SolverConfig

RATIOS = (3.0, 5.0, 7.0, 10.0)
UNIT_COST_PER_DISTANCE = 10.0


def cst_instance(n_sites: int, n_customers: int, ratio: float, seed: int) -> CapacitatedFacilityLocation:
    """One instance in the style of Cornuéjols, Sridharan and Thizy (1991); see the module docstring."""
    rng = np.random.default_rng(seed)
    site_xy = rng.uniform(0.0, 1.0, size=(n_sites, 2))
    customer_xy = rng.uniform(0.0, 1.0, size=(n_customers, 2))
    demand_units = rng.uniform(5.0, 35.0, size=n_customers)
    raw_capacity_units = rng.uniform(10.0, 160.0, size=n_sites)
    fixed_cost = rng.uniform(0.0, 90.0, size=n_sites) + rng.uniform(100.0, 110.0, size=n_sites) * np.sqrt(raw_capacity_units)
    capacity_units = raw_capacity_units * (ratio * demand_units.sum() / raw_capacity_units.sum())
    distance = np.linalg.norm(site_xy[:, None, :] - customer_xy[None, :, :], axis=2)
    sites = [f"s{i}" for i in range(n_sites)]
    customers = [f"c{j}" for j in range(n_customers)]
    return CapacitatedFacilityLocation.from_cost_matrix(
        pd.Series(capacity_units, index=sites),
        pd.Series(fixed_cost, index=sites),
        pd.Series(demand_units, index=customers),
        pd.DataFrame(UNIT_COST_PER_DISTANCE * distance, index=sites, columns=customers),
    )


@dataclass(frozen=True)
class Row:
    name: str
    ratio: float
    rows: int
    cols: int
    result: CFLPResult
    plain: CFLPResult | None
    load: tuple[float, float]  # 1-minute load average before and after the solve (2 cores: 2.0 = busy)


def _fmt_result(res: CFLPResult) -> str:
    if res.status == "optimal" and (res.mip_gap or 0.0) <= 1e-4:
        return f"optimal in {res.seconds:.1f} s"
    gap = "-" if res.mip_gap is None else f"{100 * res.mip_gap:.3f} %"
    return f"{res.status}, gap {gap} at {res.seconds:.0f} s"


def write_table(rows: list[Row], path: Path, time_limit_s: float, threads: int, notes: str) -> None:
    lines = [
        "# CFLP benchmark: 100 sites x 1,000 customers, in the style of Cornuéjols, Sridharan and Thizy (1991)",
        "",
        (
            f"Written by `python benchmarks/cflp.py` on {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} logical cores (shared with other jobs: timings are noisy), highspy {version('highspy')}; "
            f"time limit {time_limit_s:g} s, {threads} threads, gap target 1e-4 (\"optimal\" = gap <= 1e-4). "
            "Generator and formulas: the docstring of benchmarks/cflp.py."
        ),
        "",
        "| instance | ratio r | kernel MIP rows / cols (rounds, sites fixed) | result | objective | dual bound | Lagrangian bound | heuristic start | load before / after | plain formulation (same limit) |",
        "|---|---:|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        res = r.result
        lb = "-" if res.lagrangian_bound is None else f"{res.lagrangian_bound:,.2f}"
        inc = "-" if res.heuristic_objective is None else f"{res.heuristic_objective:,.2f}"
        obj = "-" if res.objective is None else f"{res.objective:,.2f}"
        bound = "-" if res.dual_bound is None else f"{res.dual_bound:,.2f}"
        plain = "not run" if r.plain is None else (
            _fmt_result(r.plain) + ("" if r.plain.objective is None else f", objective {r.plain.objective:,.2f}")
        )
        size = f"{r.rows:,} / {r.cols:,} ({res.mip_rounds}, {res.sites_fixed})"
        lines.append(
            f"| {r.name} | {r.ratio:g} | {size} | {_fmt_result(res)} | {obj} | {bound} | {lb} | {inc} "
            f"| {r.load[0]:.1f} / {r.load[1]:.1f} | {plain} |"
        )
    lines += ["", notes.strip(), ""]
    path.write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--customers", type=int, default=1000)
    ap.add_argument("--ratios", default=",".join(f"{r:g}" for r in RATIOS))
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--plain", action="store_true", help="also solve the plain formulation (HiGHS alone) for comparison")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".md"))
    ap.add_argument("--notes", default="", help="text appended under the table")
    args = ap.parse_args()
    # Gap 1e-4: "proven optimal" for the benchmark's purpose (the CLI itself asks HiGHS for gap 0).
    options = SolverConfig(mip_gap=1e-4, time_limit_s=args.time_limit, threads=args.threads)
    rows: list[Row] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for ratio in (float(r) for r in args.ratios.split(",")):
            name = f"cst-{args.sites}x{args.customers}-r{ratio:g}-s{seed}"
            p = cst_instance(args.sites, args.customers, ratio, seed)
            load_before = os.getloadavg()[0]
            t0 = time.perf_counter()
            res = p.solve(options)
            load_after = os.getloadavg()[0]
            print(f"{name}: {_fmt_result(res)} objective {res.objective} bound {res.dual_bound} "
                  f"lagrangian {res.lagrangian_bound} heuristic {res.heuristic_objective} ({time.perf_counter() - t0:.1f} s)", flush=True)
            plain = None
            if args.plain:
                plain = p.solve(options, method="plain")
                print(f"  plain: {_fmt_result(plain)} objective {plain.objective}", flush=True)
            rows.append(Row(name, ratio, res.rows, res.columns, res, plain, (load_before, load_after)))
            write_table(rows, args.out, args.time_limit, args.threads, args.notes)


if __name__ == "__main__":
    main()
