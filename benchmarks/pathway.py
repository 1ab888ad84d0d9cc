"""Benchmark of the pathway workflow (docs/pathway.md): ``siting run`` on a pathway scenario in a fresh
subprocess, measured from outside (wall time, peak RSS of the child via ``resource.getrusage``) and
from its ``summary.json`` (rows, columns, nonzeros, integers, seconds per stage, MIP gap).

    python benchmarks/pathway.py [--scenario runs/aip-2035.toml] [--threads 1] [--out benchmarks/pathway.md]

The machine is shared, so the load average before the run is recorded with the figures; goals are
reported, not asserted (national aip-2035 <= 1 % gap, goal <= 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(scenario: Path, threads: int) -> dict[str, object]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "model.cli", "run", str(scenario), "--out", str(out), "--threads", str(threads)],
            capture_output=True, text=True, cwd=REPO,
        )
        wall = time.perf_counter() - t
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        if proc.returncode not in (0, 1):
            raise SystemExit(f"run failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
        summary = json.loads((out / "summary.json").read_text())
        log = (out / "solver.log").read_text()
    ints = re.search(r"(\d+) integer variables \((\d+) binary\)", log)
    return {
        "scenario": scenario.name, "threads": threads, "wall_s": round(wall, 1), "peak_rss_mb": round(rss_mb),
        "load_avg_before": [round(x, 2) for x in load_before], "status": summary["status"],
        "mip_gap": summary["mip_gap"], "objective": summary["objective"], "objective_unit": summary["objective_unit"],
        "model_size": summary["model_size"], "integers": int(ints.group(1)) if ints else None,
        "binaries": int(ints.group(2)) if ints else None, "seconds": summary["seconds"],
        "candidates": summary["candidates"], "screened": summary["candidates_screened"], "sites_built": summary.get("sites_built"),
        "investor": summary.get("investor"),
    }


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}).",
        "",
        "| scenario | threads | status | gap | rows | columns | nonzeros | integers (binary) | screened / candidates | solve s | wall s | peak RSS MB | load avg before |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size = r["model_size"]
        lines.append(
            f"| {r['scenario']} | {r['threads']} | {r['status']} | {100 * (r['mip_gap'] or 0):.3f} % | {size['rows']:,} | "
            f"{size['columns']:,} | {size['nonzeros']:,} | {r['integers']:,} ({r['binaries']:,}) | {r['screened']} / {r['candidates']} | "
            f"{r['seconds']['solve']:.1f} | {r['wall_s']:.1f} | {r['peak_rss_mb']:,} | {', '.join(map(str, r['load_avg_before']))} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", action="append", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    scenarios = [Path(s) for s in (args.scenario or ["runs/aip-2035.toml"])]
    rows = [measure(REPO / s if not s.is_absolute() else s, args.threads) for s in scenarios]
    text = markdown(rows)
    print(text)
    print(json.dumps(rows, indent=1))
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
