"""Scaling study: end-to-end time and peak RSS against candidates, representative days and pathway years.

Every point is one ``siting run`` (or ``siting sweep``) in a fresh subprocess under ``/usr/bin/time -v``
(falling back to ``resource.getrusage(RUSAGE_CHILDREN)`` in a one-shot wrapper process), so the peak
RSS is that run's own. Each point has a wall-clock timeout; HiGHS gets a time limit a little below it so
a slow point still reports its size and incumbent (status ``time_limit``) instead of being killed. The
1-minute load average is sampled before and every few seconds during each point. Results go to a JSON
Lines file (one line per point, so a study can be resumed or re-rendered), then to
``benchmarks/scaling.md`` and ``benchmarks/scaling.png``.

    python benchmarks/scaling.py [--dims candidates,days,years,dask] [--work /tmp/siting-scaling]
        [--threads 1] [--skip "LABEL;..."] [--only "LABEL;..."] [--resume] [--render-only] [--remote-demo]

Scenario TOMLs are written to the work folder and ``extends`` the shipped files in ``runs/`` by
absolute path; run directories go there too (never into ``runs/``). Substation candidates need the
real data (``$SITING_DATA_DIR`` or ``../shared/data``).

The fitted exponent of a dimension is the least-squares slope of log(seconds) (or log(peak RSS)) on
log(size) over the points that finished (status optimal); a point stopped by its time limit is shown
but left out of the fit.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNS = REPO / "runs"
NATIONAL_COUNTIES = 3108
NATIONAL_BUDGET_USD = 100e9
SAMPLE_S = 5.0
# The demo's stand-alone scheduler port (Dask's default is 8786; another port avoids other users' clusters).
REMOTE_PORT = 18786
KILL_GRACE_S = 45.0

DIMENSIONS = {
    "candidates": "candidates",
    "days": "representative days",
    "years": "pathway years",
    "dask": "Dask sweep",
}
SIZE_UNIT = {"candidates": "candidates", "days": "days", "years": "years", "dask": "points"}


# --- pure functions (tested) ---------------------------------------------------------------------


def fit_exponent(x: Sequence[float], y: Sequence[float]) -> tuple[float, float, float]:
    """Least-squares fit of log y = log c + k log x: returns (k, c, r²). Needs ≥ 2 distinct positive x."""
    pts = [(math.log(a), math.log(b)) for a, b in zip(x, y) if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)]
    if len({p[0] for p in pts}) < 2:
        raise ValueError("an exponent needs at least two distinct positive sizes")
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    k = sxy / sxx
    b = my - k * mx
    ss_res = sum((p[1] - (b + k * p[0])) ** 2 for p in pts)
    ss_tot = sum((p[1] - my) ** 2 for p in pts)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return k, math.exp(b), r2


def parse_time_v(text: str) -> dict[str, float]:
    """Wall seconds and peak RSS (MB) from GNU ``/usr/bin/time -v`` output."""
    out: dict[str, float] = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        secs = 0.0
        for p in parts:
            secs = secs * 60 + p
        out["wall_s"] = secs
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_mb"] = int(m.group(1)) / 1024.0
    return out


def _num(v: Any, fmt: str = ",.0f") -> str:
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, fmt)


def _load(r: dict[str, Any]) -> str:
    before, during = r.get("load_before"), r.get("load_during_mean")
    if before is None:
        return "–"
    return f"{before:.1f} / {during:.1f}" if during is not None else f"{before:.1f}"


def _status(r: dict[str, Any]) -> str:
    status = r.get("status") or "–"
    if r.get("timed_out"):
        status = "killed at timeout"
    gap = r.get("mip_gap")
    if gap is not None and math.isfinite(gap):
        return f"{status}, {gap:.2%}"
    return f"{status}, no incumbent" if status == "time_limit" else status


def table_markdown(rows: Iterable[dict[str, Any]]) -> str:
    """The results table: one row per point (dimension, size, model size, seconds, RSS, load, status)."""
    lines = [
        "| dimension | point | size | rows | columns | nonzeros | end-to-end s | seed s | solve s | peak RSS MB | load 1-min before / mean during | status, gap |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ms = r.get("model_size") or {}
        lines.append(
            f"| {DIMENSIONS.get(r['dimension'], r['dimension'])} | {r['label']} | {_num(r['size'])} | {_num(ms.get('rows'))} | "
            f"{_num(ms.get('columns'))} | {_num(ms.get('nonzeros'))} | {_num(r.get('wall_s'), ',.1f')} | "
            f"{_num((r.get('seconds') or {}).get('seed'), ',.1f')} | {_num(r.get('solve_s'), ',.1f')} | {_num(r.get('peak_rss_mb'))} | {_load(r)} | {_status(r)} |"
        )
    return "\n".join(lines)


def finished(r: dict[str, Any]) -> bool:
    return r.get("status") == "optimal" and not r.get("timed_out") and r.get("wall_s") is not None


def exponents(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per fit group (a dimension, or a subset of one): time and RSS exponents over finished points."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["dimension"] == "dask" or not finished(r):
            continue
        groups.setdefault(r["dimension"], []).append(r)
        if r.get("group"):
            groups.setdefault(f"{r['dimension']}:{r['group']}", []).append(r)
    out: dict[str, dict[str, Any]] = {}
    for name, rs in groups.items():
        sizes = [float(r["size"]) for r in rs]
        if len(set(sizes)) < 2:
            continue
        entry: dict[str, Any] = {"n": len(rs), "sizes": sizes}
        entry["time"] = fit_exponent(sizes, [r["wall_s"] for r in rs])
        entry["rss"] = fit_exponent(sizes, [r["peak_rss_mb"] for r in rs])
        solve = [float(r.get("solve_s") or 0) for r in rs]
        if all(v > 0 for v in solve):
            entry["solve"] = fit_exponent(sizes, solve)
        nnz = [float((r.get("model_size") or {}).get("nonzeros") or 0) for r in rs]
        if all(v > 0 for v in nnz) and len(set(nnz)) > 1:
            entry["nnz"] = fit_exponent(sizes, nnz)
        out[name] = entry
    return out


def exponents_markdown(fits: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| fit | points | sizes | end-to-end time exponent (r²) | solve-only exponent (r²) | peak RSS exponent (r²) | nonzeros exponent |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, e in fits.items():
        dim, _, group = name.partition(":")
        label = DIMENSIONS.get(dim, dim) + (f" ({group} only)" if group else "")
        sizes = ", ".join(_num(s) for s in e["sizes"])
        nnz = f"{e['nnz'][0]:.2f}" if "nnz" in e else "–"
        solve = f"{e['solve'][0]:.2f} ({e['solve'][2]:.2f})" if "solve" in e else "–"
        lines.append(
            f"| {label} | {e['n']} | {sizes} | {e['time'][0]:.2f} ({e['time'][2]:.2f}) | {solve} | "
            f"{e['rss'][0]:.2f} ({e['rss'][2]:.2f}) | {nnz} |"
        )
    return "\n".join(lines)


# --- points --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Point:
    dimension: str
    label: str
    size: float
    toml: str  # scenario text (extends a runs/ file by absolute path)
    timeout_s: float
    group: str = ""
    command: str = "run"  # "run" or "sweep"
    extra: tuple[str, ...] = ()


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def scenario_toml(base: str, name: str, tables: dict[str, dict[str, Any]]) -> str:
    lines = [f"extends = {json.dumps(str(RUNS / base))}", f"name = {json.dumps(name)}", ""]
    for table, values in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def _solver(threads: int, timeout_s: float) -> dict[str, Any]:
    # HiGHS stops itself before the wall-clock timeout (load, build, seed and writing take the rest).
    return {"threads": threads, "time_limit_s": float(max(30.0, timeout_s * 0.85 - 30.0))}


def scaled_budget(counties: int) -> float:
    """$100bn for the 3,108 counties, pro rata, in whole $bn (as benchmarks/run.py)."""
    return max(1.0, round(NATIONAL_BUDGET_USD * counties / NATIONAL_COUNTIES / 1e9)) * 1e9


REGION_4 = ["TX", "OK", "LA", "NM"]  # 428 counties
REGION_7 = ["TX", "OK", "LA", "NM", "AR", "KS", "MO"]  # 723 counties


def candidate_points(threads: int) -> list[Point]:
    pts = []
    for label, states, n in (("TX counties", ["TX"], 254), ("7 states' counties", REGION_7, 723)):
        to = 300.0
        tables = {"candidates": {"states": states}, "budget": {"equity_usd": scaled_budget(n)}, "solver": _solver(threads, to)}
        pts.append(Point("candidates", label, n, scenario_toml("us-default.toml", f"cand-{n}", tables), to, "counties"))
    to = 600.0
    pts.append(Point("candidates", "3,108 counties (us-default)", 3108,
                     scenario_toml("us-default.toml", "cand-3108", {"solver": _solver(threads, to)}), to, "counties"))
    # min_voltage_kv selects stations whose class upper bound reaches it (model/inputs/candidates.py):
    # 230 → classes ≥ 170 kV (2,218), 100 → ≥ 100 kV (17,699), 0 → all 51,338 HIFLD stations.
    for kv, n, to in ((230, 2218, 600.0), (100, 17699, 900.0), (0, 51338, 900.0)):
        tables = {"candidates": {"kind": "substations", "min_voltage_kv": kv}, "solver": _solver(threads, to)}
        pts.append(Point("candidates", f"substations ≥ {kv} kV class", n,
                         scenario_toml("us-substations.toml", f"cand-sub-{n}", tables), to, "substations"))
    return pts


def day_points(threads: int, days: Sequence[int] = (1, 2, 5, 10, 20, 30)) -> list[Point]:
    pts = []
    for d in days:
        to = 600.0
        tables = {
            "candidates": {"states": REGION_4},
            "budget": {"equity_usd": scaled_budget(428)},
            "energy": {"rep_days": d, "hours_per_period": 1},
            "solver": _solver(threads, to),
        }
        pts.append(Point("days", f"{d} × 24 h", d, scenario_toml("us-energy.toml", f"days-{d}", tables), to))
    return pts


def year_points(threads: int, counts: Sequence[int] = (1, 2, 3, 5, 10)) -> list[Point]:
    pts = []
    for n in counts:
        to = 480.0
        years = list(range(2026, 2026 + n))
        tables = {"pathway": {"years": years}, "solver": _solver(threads, to)}
        # One year is a degenerate pathway (no power source is online in the first year: the MILP is
        # trivial), so the years ≥ 2 get a fit of their own too.
        pts.append(Point("years", f"{years[0]}–{years[-1]}" if n > 1 else f"{years[0]}", n,
                         scenario_toml("aip-2035.toml", f"years-{n}", tables), to, "2+ years" if n > 1 else ""))
    return pts


def dask_points(threads: int, remote: str | None = None) -> list[Point]:
    to = 900.0
    toml = scenario_toml("us-default.toml", "dask", {"solver": _solver(threads, to)})
    param = ("--param", "budget_usd=50e9,100e9")
    pts = [
        Point("dask", "serial: --workers 1", 2, toml, to, "serial", "sweep", (*param, "--workers", "1")),
        Point("dask", "LocalCluster: --workers 2", 2, toml, to, "local2", "sweep", (*param, "--workers", "2")),
    ]
    if remote:
        pts.append(Point("dask", f"--scheduler {remote} (2 workers)", 2, toml, to, "remote", "sweep", (*param, "--scheduler", remote)))
    return pts


# --- measuring one point -------------------------------------------------------------------------


def siting_command() -> list[str]:
    exe = shutil.which("siting")
    return [exe] if exe else [sys.executable, "-c", "from model.cli import app; app()"]


def _kill(proc: subprocess.Popen) -> None:
    """SIGTERM the point's process group (siting stops HiGHS cleanly), SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def measure(point: Point, work: Path) -> dict[str, Any]:
    """Run one point in a fresh process group; wall time, peak RSS, load, and the run's summary."""
    tag = re.sub(r"[^A-Za-z0-9]+", "-", f"{point.dimension}-{point.label}").strip("-").lower()
    scen = work / f"{tag}.toml"
    out_dir = work / "out" / tag
    scen.write_text(point.toml)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    args = [*siting_command(), point.command, str(scen), "--out", str(out_dir), *point.extra]
    timer = Path("/usr/bin/time")
    if timer.exists():
        cmd = [str(timer), "-v", *args]
    else:  # a fresh wrapper whose only child is the run: RUSAGE_CHILDREN is that run's peak
        cmd = [sys.executable, str(Path(__file__).resolve()), "--rusage", "--", *args]
    log_out, log_err = work / f"{tag}.stdout", work / f"{tag}.stderr"
    row: dict[str, Any] = {
        "dimension": point.dimension, "label": point.label, "size": point.size, "group": point.group,
        "command": " ".join(["siting", point.command, f"<{scen.name}>", *point.extra]),
        "timeout_s": point.timeout_s, "started": dt.datetime.now().isoformat(timespec="seconds"),
        "load_before": os.getloadavg()[0], "timed_out": False,
    }
    loads: list[float] = []
    t0 = time.perf_counter()
    with log_out.open("w") as fo, log_err.open("w") as fe:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=work, start_new_session=True)
        try:
            while True:
                try:
                    proc.wait(timeout=SAMPLE_S)
                    break
                except subprocess.TimeoutExpired:
                    loads.append(os.getloadavg()[0])
                    if time.perf_counter() - t0 > point.timeout_s:
                        row["timed_out"] = True
                        _kill(proc)
                        break
        except BaseException:  # the study itself interrupted: take the point's process group with it
            _kill(proc)
            raise
    row["parent_wall_s"] = time.perf_counter() - t0
    row["returncode"] = proc.returncode
    row["load_during_mean"] = sum(loads) / len(loads) if loads else None
    row["load_after"] = os.getloadavg()[0]
    err = log_err.read_text(errors="replace")
    row.update(parse_time_v(err))
    m = re.search(r"RUSAGE_MAXRSS_KB=(\d+)", err)
    if m:
        row["peak_rss_mb"] = int(m.group(1)) / 1024.0
    row.setdefault("wall_s", row["parent_wall_s"])
    if point.command == "run":
        row.update(_read_summary(out_dir / "summary.json"))
    else:
        row.update(_read_sweep(out_dir / "sweep.csv"))
    if proc.returncode not in (0, None) and not row.get("status"):
        row["status"] = f"exit {proc.returncode}"
        row["error"] = err.strip().splitlines()[-1][:300] if err.strip() else ""
    return row


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    s = json.loads(path.read_text())
    sec = s.get("seconds") or {}
    return {
        "status": s.get("status"), "mip_gap": s.get("mip_gap"), "model_size": s.get("model_size"),
        "seconds": sec, "solve_s": sec.get("solve"), "candidates": s.get("candidates"),
        "candidates_screened": s.get("candidates_screened"), "objective": s.get("objective"),
        "sites_built": s.get("sites_built"),
    }


def _read_sweep(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    import csv

    with path.open() as f:
        pts = list(csv.DictReader(f))
    statuses = {p["status"] for p in pts}
    return {
        "status": "optimal" if statuses == {"optimal"} else ",".join(sorted(statuses)),
        "points": [{k: p.get(k) for k in ("point", "budget_usd", "status", "objective", "mip_gap", "seconds", "reused_model")} for p in pts],
        "mip_gap": max(float(p["mip_gap"]) for p in pts) if all(p.get("mip_gap") for p in pts) else None,
    }


def rusage_wrapper(cmd: list[str]) -> int:
    rc = subprocess.call(cmd)
    print(f"RUSAGE_MAXRSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
    return rc


# --- remote-scheduler demo -----------------------------------------------------------------------


def start_remote_cluster(work: Path, port: int = 18786, workers: int = 2) -> list[subprocess.Popen]:
    """A stand-alone ``dask scheduler`` and ``dask worker`` processes on this machine, as on a cluster."""
    dask = shutil.which("dask")
    if dask is None:
        raise SystemExit("--remote-demo needs the 'dask' command (dask[distributed])")
    address = f"tcp://127.0.0.1:{port}"
    logs = work / "remote"
    logs.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen([dask, "scheduler", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=(logs / "scheduler.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True)]
    time.sleep(5)
    for i in range(workers):
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                                      stdout=(logs / f"worker{i}.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True))
    time.sleep(10)
    return procs


def stop_remote_cluster(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --- figure and report ---------------------------------------------------------------------------


def figure(rows: Sequence[dict[str, Any]], fits: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = [d for d in ("candidates", "days", "years") if any(r["dimension"] == d for r in rows)]
    fig, axes = plt.subplots(2, len(dims), figsize=(4.6 * len(dims), 7.6), squeeze=False)
    markers = {"": "o", "counties": "o", "substations": "s"}
    for j, dim in enumerate(dims):
        rs = [r for r in rows if r["dimension"] == dim and r.get("wall_s")]
        for i, (key, ylabel) in enumerate((("wall_s", "end-to-end seconds"), ("peak_rss_mb", "peak RSS, MB"))):
            ax = axes[i][j]
            for group in sorted({r.get("group", "") for r in rs}):
                g = [r for r in rs if r.get("group", "") == group and r.get(key)]
                done = [r for r in g if finished(r)]
                stopped = [r for r in g if not finished(r)]
                ax.scatter([r["size"] for r in done], [r[key] for r in done], marker=markers.get(group, "o"),
                           color={"substations": "tab:green"}.get(group, "tab:gray" if dim == "years" and not group else "tab:blue"), zorder=3,
                           label=(group or ("1 year (degenerate)" if dim == "years" else "finished")))
                if stopped:
                    ax.scatter([r["size"] for r in stopped], [r[key] for r in stopped], marker="^", facecolors="none",
                               edgecolors="tab:red", zorder=3, label="time limit / killed (≥)")
            for name, fit in fits.items():
                if name != dim and not name.startswith(dim + ":"):
                    continue
                k, c, r2 = fit["time" if key == "wall_s" else "rss"]
                lo, hi = min(fit["sizes"]), max(fit["sizes"])
                xs = [lo * (hi / lo) ** (t / 50) for t in range(51)]
                sub = name.partition(":")[2]
                ax.plot(xs, [c * x**k for x in xs], color="tab:orange" if not sub else "tab:gray", lw=1.3,
                        ls="-" if not sub else "--", label=f"fit{' (' + sub + ')' if sub else ''}: exponent {k:.2f} (r² {r2:.2f})")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="both")
            ax.set_xlabel(SIZE_UNIT[dim])
            ax.set_ylabel(ylabel)
            if i == 0:
                ax.set_title(DIMENSIONS[dim])
            ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("siting: end-to-end time and peak RSS (log–log; one HiGHS thread, shared 2-core machine)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def machine() -> str:
    from importlib.metadata import version

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} logical cores, {ram:.0f} GiB RAM; Python {platform.python_version()}, "
            f"pyomo {version('pyomo')}, highspy {version('highspy')}, dask {version('dask')}")


def render(rows: list[dict[str, Any]], threads: int, notes: str = "") -> str:
    fits = exponents(rows)
    main = [r for r in rows if r["dimension"] != "dask"]
    dask = [r for r in rows if r["dimension"] == "dask"]
    dates = sorted(r["started"][:10] for r in rows) or [dt.date.today().isoformat()]
    lines = [
        "# Scaling study (issue 19, item 4)",
        "",
        f"Generated by `benchmarks/scaling.py` on {dates[0]}"
        + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") + f". Machine: {machine()}.",
        (f"HiGHS with **{threads} thread{'s' * (threads > 1)}** at every point, MIP gap target 1 %. The machine's 2 cores "
        "were shared with other agents' jobs throughout: the load column is the 1-minute load average before each "
        "point and its mean during the point (sampled every 5 s); a load of 4 on 2 cores means this run had about "
        "half a core's share, so read the seconds as upper bounds of what an idle machine gives, and the exponents "
        "as indicative."),
        "",
        ("Each point is one `siting run` in a fresh process under `/usr/bin/time -v`: end-to-end seconds are its "
        "wall clock (Python start-up, imports, loading, building, seeding, solving, ranking and writing every "
        "output); peak RSS is that process's maximum resident set. Seed and solve seconds are the run's own stage "
        "timings (`summary.json`; the seed is the hourly model's starting point: the annual-energy model, then the "
        "hourly model at its sites). Points ran one at a time. A point stopped by its time limit is marked and left "
        "out of the fits."),
        "",
        "## Results",
        "",
        table_markdown(main),
        "",
        "## Fitted exponents",
        "",
        ("Least-squares slope of log(end-to-end seconds), and of log(peak RSS), on log(size), over the points that "
        "finished. Over a fixed overhead (Python, imports and the national data load: about 5-10 s and 0.4-0.6 GB "
        "at the smallest points) the end-to-end slope understates the growth of the solve itself; the solve-only "
        "column (HiGHS seconds from summary.json, without the hourly seed) shows that part."),
        "",
        exponents_markdown(fits),
        "",
        "![scaling](scaling.png)",
        "",
    ]
    if dask:
        lines += [
            "## Past one machine: Dask",
            "",
            ("`siting sweep runs/us-default.toml --param budget_usd=50e9,100e9` (two national points; the scenario "
            "file the harness passes extends runs/us-default.toml with `[solver] threads = 1`), measured with the same "
            "harness. Peak RSS is the largest single process `/usr/bin/time` saw (the client, or a LocalCluster worker "
            "it spawned and reaped), not the sum over workers; a stand-alone scheduler's workers are not its children, "
            "so the remote row's figure is the client alone."),
            "",
            "| run | command | end-to-end s | peak RSS MB (largest process) | load before / during | status, worst gap | per point (s, reused model) |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        order = {"serial": 0, "local2": 1, "remote": 2}
        for r in sorted(dask, key=lambda r: order.get(r.get("group", ""), 9)):
            command = re.sub(r"<[^>]+>", "runs/us-default.toml", r["command"])
            per = "; ".join(
                f"${float(p['budget_usd']) / 1e9:.0f}bn: {float(p['seconds']):.1f} s"
                + (", reused" if str(p.get("reused_model")) == "True" else "")
                for p in r.get("points", [])
            )
            lines.append(f"| {r['label']} | `{command}` | {_num(r.get('wall_s'), ',.1f')} | {_num(r.get('peak_rss_mb'))} | "
                         f"{_load(r)} | {_status(r)} | {per} |")
        lines.append("")
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--rusage"]:
        return rusage_wrapper(argv[2:] if argv[1:2] == ["--"] else argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", default="candidates,days,years,dask")
    ap.add_argument("--work", type=Path, default=Path("/tmp/siting-scaling"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip", default="", help="';'-separated point labels to leave out")
    ap.add_argument("--only", default="", help="';'-separated point labels to run (default: all)")
    ap.add_argument("--timeout", default="", help="'LABEL=SECONDS;...': re-run a point with another timeout as a new row")
    ap.add_argument("--resume", action="store_true", help="keep points already in the results file")
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--remote-demo", action="store_true", help="also run the sweep against a local stand-alone scheduler")
    ap.add_argument("--notes", type=Path, help="markdown appended to the report (discussion)")
    ap.add_argument("--md", type=Path, default=HERE / "scaling.md")
    ap.add_argument("--png", type=Path, default=HERE / "scaling.png")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a terminated study cleans up its children
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results.jsonl"
    rows = read_rows(results) if (args.resume or args.render_only) else []
    if not args.render_only:
        if not args.resume:
            results.write_text("")
        dims = [d.strip() for d in args.dims.split(",") if d.strip()]
        remote = f"tcp://127.0.0.1:{REMOTE_PORT}" if args.remote_demo else None
        points: list[Point] = []
        for d in dims:
            points += {"candidates": candidate_points, "days": day_points, "years": year_points}.get(d, lambda t: [])(args.threads)
            if d == "dask":
                points += dask_points(args.threads, remote)
        for spec in (x for x in args.timeout.split(";") if x.strip()):
            label, _, secs = spec.rpartition("=")
            base = next((p for p in points if p.label == label.strip()), None)
            if base is None:
                raise SystemExit(f"--timeout: no point labelled '{label.strip()}'")
            to = float(secs)
            toml = re.sub(r"time_limit_s = [0-9.e+]+", f"time_limit_s = {max(30.0, to * 0.85 - 30.0)!r}", base.toml)
            points.append(dataclasses.replace(base, label=f"{base.label} (timeout {to:.0f} s)", timeout_s=to, toml=toml))
        skip = {s.strip() for s in args.skip.split(";") if s.strip()}
        only = {s.strip() for s in args.only.split(";") if s.strip()}
        done = {(r["dimension"], r["label"]) for r in rows}
        for p in points:
            if p.label in skip or (only and p.label not in only) or (p.dimension, p.label) in done:
                continue
            print(f"[{dt.datetime.now():%H:%M:%S}] {p.dimension}: {p.label} (timeout {p.timeout_s:.0f} s, load {os.getloadavg()[0]:.2f})", flush=True)
            # The stand-alone scheduler and workers run only for their own point (idle, they would
            # still take memory and heartbeats from the other points).
            procs = start_remote_cluster(args.work.resolve(), REMOTE_PORT) if p.group == "remote" else []
            try:
                row = measure(p, work)
            finally:
                stop_remote_cluster(procs)
            rows = [r for r in rows if (r["dimension"], r["label"]) != (p.dimension, p.label)] + [row]
            with results.open("a") as f:
                f.write(json.dumps(row) + "\n")
            ms = row.get("model_size") or {}
            print(f"    {row.get('status')} gap {row.get('mip_gap')} wall {row.get('wall_s', 0):.1f} s "
                  f"rss {row.get('peak_rss_mb', 0):.0f} MB rows {ms.get('rows')} cols {ms.get('columns')}", flush=True)
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    rows.sort(key=lambda r: (order.get(r["dimension"], 9), r.get("group") == "substations", r["size"], r["label"]))
    notes = args.notes.read_text() if args.notes else ""
    args.md.write_text(render(rows, args.threads, notes))
    main_rows = [r for r in rows if r["dimension"] != "dask"]
    if main_rows:
        figure(main_rows, exponents(rows), args.png)
    print(f"wrote {args.md} and {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
