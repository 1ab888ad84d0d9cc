"""Detect a HiGHS regression: solve the same exported model with several highspy versions.

    python benchmarks/highspy_versions.py [--scenario runs/us-default.toml] [--versions 1.15.1,1.16.0]
        [--time-limit 300] [--out benchmarks/highspy_versions.md]

The scenario is exported once (``siting export``, MPS), then each version is installed into its own
virtual environment under ``benchmarks/.venvs/`` (from PyPI) and solves the file with the scenario's
gap and threads, in a fresh process, timed by the wall clock. A version that needs far longer than
the others, or stops at the time limit, is the regression to pin against. Run it on a quiet machine:
timings of concurrent jobs on 2 cores mean little.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLVE = r"""
import json, sys, time, highspy
path, gap, threads, limit = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("mip_rel_gap", gap)
h.setOptionValue("threads", threads)
h.setOptionValue("time_limit", limit)
h.readModel(path)
t = time.perf_counter()
h.run()
info = h.getInfo()
print(json.dumps({"version": highspy.__version__ if hasattr(highspy, "__version__") else "?",
                  "status": h.modelStatusToString(h.getModelStatus()), "seconds": time.perf_counter() - t,
                  "objective": info.objective_function_value, "mip_gap": info.mip_gap}))
"""


def venv_python(version: str) -> Path:
    env = REPO / "benchmarks" / ".venvs" / f"highspy-{version}"
    py = env / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", f"highspy=={version}"], check=True)
    return py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="runs/us-default.toml")
    parser.add_argument("--versions", default="1.15.1,1.16.0")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/highspy_versions.md")
    args = parser.parse_args()
    mps = REPO / "benchmarks" / ".venvs" / "model.mps"
    mps.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["siting", "export", args.scenario, "--format", "mps", "--out", str(mps)], check=True, cwd=REPO)
    rows = []
    for version in args.versions.split(","):
        py = venv_python(version.strip())
        t = time.perf_counter()
        out = subprocess.run(
            [str(py), "-c", SOLVE, str(mps), str(args.gap), str(args.threads), str(args.time_limit)],
            capture_output=True, text=True, timeout=args.time_limit * 3 + 120,
        )
        wall = time.perf_counter() - t
        row = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {"status": f"exit {out.returncode}"}
        row |= {"version": version.strip(), "wall_s": round(wall, 1)}
        rows.append(row)
        print(row)
    lines = [
        f"# highspy versions on `{args.scenario}` (exported MPS, gap {args.gap}, {args.threads} threads, limit {args.time_limit:g} s)",
        "",
        "| highspy | status | solve s | wall s (process) | objective | gap |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['version']} | {r.get('status')} | {r.get('seconds', float('nan')):.1f} | {r['wall_s']:.1f} | "
            f"{r.get('objective', float('nan')):,.1f} | {r.get('mip_gap', float('nan')):.4%} |"
        )
    (REPO / args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
