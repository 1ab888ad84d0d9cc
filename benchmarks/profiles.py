"""Representative days: the hand-written PAM k-medoids against tsam, on the matrices the hourly model clusters.

    python benchmarks/profiles.py [--ks 1,5,10,20,30] [--repeats 3] [--exact-ks 5,10] [--out benchmarks/profiles.md]

Two feature matrices, both from ``hourly_profiles`` (seed 0, all 49 states + DC):

* **zones**: one column block per ReEDS zone that has counties (``data/county_zone.csv``), holding its
  state's (``zone_state``) solar_cf, wind_cf, price_factor and co2_factor series: 134 zones in 48
  states (DC's county maps to a Maryland zone), so a state weighs as many times as it has zones;
* **states**: the plain per-state matrix, 49 columns per series.

Methods, each turned into the same ``RepresentativeDays`` by ``days_from_selection`` (so the
rescaling to full-year means is identical and only the choice of days differs):

* ``kmedoids``: the project's PAM (BUILD + SWAP) on z-scored daily vectors, each day to its nearest medoid;
* ``tsam hierarchical``: ``tsam.aggregate`` with its default clustering (Ward agglomerative on min-max
  scaled daily vectors, the member nearest the cluster's others as its medoid), tsam's own assignment;
* ``tsam exact k-medoids``: the same call with ``method="kmedoids"`` (a 365 x 365 binary MILP solved
  by HiGHS), only for ``--exact-ks`` because each solve takes minutes.

tsam is not a dependency of the project: the script installs it into ``benchmarks/.venvs/tsam-<v>``
(a venv that sees the project's packages) and re-runs itself there. ``--no-deps``, because tsam 4.1.1
pins ``pandas<=3.0.5`` and the project runs pandas 3.1.1; both methods then run on the same pandas.
Timings on a shared 2-core machine are indicative; the error columns do not depend on load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from model.core.units import DAYS_PER_YEAR, HOURS_PER_DAY
from model.inputs.datasets import load_county_zone, load_state_facts
from model.inputs.timeseries import (
    SERIES,
    RepresentativeDays,
    days_from_selection,
    hourly_profiles,
    kmedoids_days,
)

TSAM_VERSION = "4.1.1"
# tsam's runtime needs beyond the project's own packages, at the versions measured here.
TSAM_EXTRA = ["scikit-learn==1.9.1", "narwhals==2.29.0", "joblib==1.6.0", "threadpoolctl==3.8.0", "tqdm==4.70.1"]
VENV = REPO / "benchmarks" / ".venvs" / f"tsam-{TSAM_VERSION}"

Selector = Callable[[dict[str, pd.DataFrame], int], tuple[np.ndarray, np.ndarray]]


def ensure_tsam() -> None:
    """Re-run this script inside the tsam venv unless tsam is importable here."""
    try:
        import tsam  # noqa: F401

        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", f"tsam=={TSAM_VERSION}", *TSAM_EXTRA], check=True)
    os.execv(str(py), [str(py), str(Path(__file__).resolve()), *sys.argv[1:]])


# ----------------------------------------------------------------------------- matrices
def zone_profiles(state_profiles: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One column per ReEDS zone with counties, holding its state's series (zones nest in states)."""
    zone_state = load_county_zone().drop_duplicates("zone").set_index("zone")["zone_state"]
    zone_state = zone_state.loc[sorted(zone_state.index, key=lambda z: int(z.lstrip("p")))]
    return {
        name: frame[zone_state.to_list()].set_axis(pd.Index(zone_state.index, name="zone"), axis=1)
        for name, frame in state_profiles.items()
    }


# ----------------------------------------------------------------------------- selectors
def tsam_selector(method: str) -> Selector:
    """Medoid days and each day's medoid (both 0-based) as tsam chooses them."""

    def select(profiles: dict[str, pd.DataFrame], n_days: int) -> tuple[np.ndarray, np.ndarray]:
        import tsam

        wide = pd.concat({name: profiles[name] for name in SERIES}, axis=1)
        wide.columns = [f"{series}|{col}" for series, col in wide.columns]
        config = tsam.ClusterConfig(method=method, representation="medoid")
        # preserve_column_means=False: the rescaling is days_from_selection's, the same for every method.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tsam warns about values beyond the input range only when rescaling
            result = tsam.aggregate(wide, n_days, period_duration=HOURS_PER_DAY, cluster=config, preserve_column_means=False)
        centres = np.asarray(result.clustering.cluster_centers, dtype=int)
        labels = centres[np.asarray(result.clustering.cluster_assignments, dtype=int)]
        order = np.argsort(centres)
        return centres[order], labels

    return select


# ----------------------------------------------------------------------------- metrics
def evaluate(full: dict[str, pd.DataFrame], rep: RepresentativeDays) -> dict[str, float]:
    """Errors of the representative days against the full year, over all columns (zones or states).

    energy_<s>: |weighted mean of the chosen days' raw values / full-year mean - 1| (before the
    rescaling, which makes every mean exact): how representative the days are.
    cf_<s>: the same in CF points for solar and wind. post_energy: the largest error after rescaling.
    peak_<s>: max of the rescaled series kept / full-year max. dc_<s>: RMSE between the duration
    curve of the rescaled days (each hour repeated by its weight) and the full year's.
    """
    days0 = np.asarray(rep.days) - 1
    w_days = rep.weights.to_numpy(dtype=float)
    hour_w = np.repeat(w_days, HOURS_PER_DAY)
    repeats = np.repeat(rep.weights.to_numpy(dtype=int), HOURS_PER_DAY)
    out: dict[str, float] = {"post_energy": 0.0}
    for name in SERIES:
        year = full[name].to_numpy(dtype=float)
        year_mean = year.mean(axis=0)
        chosen = year.reshape(DAYS_PER_YEAR, HOURS_PER_DAY, -1)[days0]
        raw_mean = np.einsum("d,dhc->c", w_days, chosen) / (w_days.sum() * HOURS_PER_DAY)
        rel = np.abs(raw_mean / year_mean - 1.0)
        out[f"energy_{name}_mean"], out[f"energy_{name}_max"] = float(rel.mean()), float(rel.max())
        if name.endswith("_cf"):
            out[f"cf_{name}_max"] = float(np.abs(raw_mean - year_mean).max())
        rescaled = rep.hourly[name].to_numpy(dtype=float)
        post = np.abs(hour_w @ rescaled / hour_w.sum() / year_mean - 1.0)
        out["post_energy"] = max(out["post_energy"], float(post.max()))
        peak = rescaled.max(axis=0) / year.max(axis=0)
        out[f"peak_{name}_mean"], out[f"peak_{name}_min"] = float(peak.mean()), float(peak.min())
        curve = np.sort(np.repeat(rescaled, repeats, axis=0), axis=0)
        out[f"dc_{name}"] = float(np.sqrt(((curve - np.sort(year, axis=0)) ** 2).mean(axis=0)).mean())
    return out


def run(profiles: dict[str, pd.DataFrame], select: Selector, n_days: int, repeats: int) -> tuple[dict[str, float], bool]:
    """Metrics, median wall seconds of selection + rescaling, and whether repeats gave identical output."""
    seconds, reps = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        medoids, labels = select(profiles, n_days)
        reps.append(days_from_selection(profiles, medoids, labels))
        seconds.append(time.perf_counter() - start)
    first = reps[0]
    same = all(
        r.days == first.days
        and r.assignment.equals(first.assignment)
        and all(r.hourly[s].equals(first.hourly[s]) for s in SERIES)
        for r in reps[1:]
    )
    return evaluate(profiles, first) | {"seconds": float(np.median(seconds)), "n_days": float(len(first.days))}, same


# ----------------------------------------------------------------------------- report
def pct(x: float) -> str:
    return f"{100 * x:.2f}"


def tables(rows: list[dict]) -> list[str]:
    lines: list[str] = []
    for matrix in dict.fromkeys(r["matrix"] for r in rows):
        sub = [r for r in rows if r["matrix"] == matrix]
        lines += [
            f"### {matrix}",
            "",
            ("Annual-energy error of the chosen days **before** rescaling, |mean / full-year mean − 1| in %, mean / max "
            "over the columns; CF error in CF points (max)."),
            "",
            "| k | method | solar % | wind % | price factor % | CO2 factor % | solar CF pts | wind CF pts |",
            "|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in sub:
            m = r["m"]
            cells = [f"{pct(m[f'energy_{s}_mean'])} / {pct(m[f'energy_{s}_max'])}" for s in SERIES]
            lines.append(
                f"| {r['k']} | {r['method']} | " + " | ".join(cells)
                + f" | {pct(m['cf_solar_cf_max'])} | {pct(m['cf_wind_cf_max'])} |"
            )
        lines += [
            "",
            ("After rescaling (what the MILP sees): peak kept = max of the rescaled days / full-year max, % (mean / min over "
            "columns); duration-curve RMSE (mean over columns; CF or factor units); largest annual-mean error left after "
            "rescaling; wall seconds of selection + rescaling (median of the repeats); identical output on every repeat."),
            "",
            ("| k | method | peak price % | peak CO2 % | peak wind % | DC RMSE solar | DC RMSE wind | DC RMSE price | "
            "max error after rescaling | s | deterministic |"),
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in sub:
            m = r["m"]
            lines.append(
                f"| {r['k']} | {r['method']} | {pct(m['peak_price_factor_mean'])} / {pct(m['peak_price_factor_min'])} | "
                f"{pct(m['peak_co2_factor_mean'])} / {pct(m['peak_co2_factor_min'])} | "
                f"{pct(m['peak_wind_cf_mean'])} / {pct(m['peak_wind_cf_min'])} | "
                f"{m['dc_solar_cf']:.4f} | {m['dc_wind_cf']:.4f} | {m['dc_price_factor']:.4f} | "
                f"{m['post_energy']:.1e} | {m['seconds']:.2f} | {DETERMINISM[r['same']]} |"
            )
        lines += ["", *wins(sub), ""]
    return lines


DETERMINISM = {True: "yes", False: "**no**", None: "— (one run)"}
# The metrics compared head to head, and whether larger is better.
SCORED = [(f"energy_{s}_{agg}", False) for s in SERIES for agg in ("mean", "max")] + [
    (f"peak_{s}_{agg}", True) for s in ("price_factor", "co2_factor", "wind_cf") for agg in ("mean", "min")
] + [(f"dc_{s}", False) for s in ("solar_cf", "wind_cf", "price_factor")]


def wins(rows: list[dict], a: str = "kmedoids", b: str = "tsam hierarchical") -> list[str]:
    """Per k, on how many of the SCORED metrics each of the two fast methods is better (ties: neither)."""
    out = [f"Head to head, {a} vs {b}: metrics (of {len(SCORED)}: 8 energy, 6 peak, 3 duration-curve) where each is better.", ""]
    out += ["| k | " + a + " better | " + b + " better |", "|---:|---:|---:|"]
    for k in dict.fromkeys(r["k"] for r in rows):
        ma = next(r["m"] for r in rows if r["k"] == k and r["method"] == a)
        mb = next(r["m"] for r in rows if r["k"] == k and r["method"] == b)
        better_a = sum((ma[key] > mb[key]) if up else (ma[key] < mb[key]) for key, up in SCORED if abs(ma[key] - mb[key]) > 1e-12)
        better_b = sum((mb[key] > ma[key]) if up else (mb[key] < ma[key]) for key, up in SCORED if abs(ma[key] - mb[key]) > 1e-12)
        out.append(f"| {k} | {better_a} | {better_b} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default="1,5,10,20,30")
    parser.add_argument("--exact-ks", default="10", help="k values for tsam's exact MILP k-medoids ('' for none)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/profiles.md")
    args = parser.parse_args()
    ensure_tsam()
    import tsam

    ks = [int(k) for k in args.ks.split(",")]
    exact_ks = {int(k) for k in args.exact_ks.split(",") if k.strip()}
    states = list(load_state_facts().index)
    start = time.perf_counter()
    by_state = hourly_profiles(states, seed=0)
    profile_s = time.perf_counter() - start
    matrices = {"zones (134 ReEDS zones, 48 states)": zone_profiles(by_state), f"states ({len(states)})": by_state}
    methods: dict[str, Selector] = {
        "kmedoids": kmedoids_days,
        "tsam hierarchical": tsam_selector("hierarchical"),
        "tsam exact k-medoids": tsam_selector("kmedoids"),
    }
    rows: list[dict] = []
    for matrix, profiles in matrices.items():
        for k in ks:
            for method, select in methods.items():
                if method == "tsam exact k-medoids" and k not in exact_ks:
                    continue
                reps = 1 if method == "tsam exact k-medoids" else args.repeats
                metrics, same = run(profiles, select, k, reps)
                rows.append({"matrix": matrix, "k": k, "method": method, "m": metrics, "same": same if reps > 1 else None})
                print(f"{matrix} k={k} {method}: {metrics['seconds']:.2f} s, "
                      f"solar {pct(metrics['energy_solar_cf_max'])} % wind {pct(metrics['energy_wind_cf_max'])} %", flush=True)
    import sklearn

    header = [
        "# Representative days: hand-written PAM k-medoids vs tsam",
        "",
        (f"Written by `benchmarks/profiles.py` ({time.strftime('%Y-%m-%d')}; tsam {tsam.__version__}, scikit-learn "
        f"{sklearn.__version__}, pandas {pd.__version__}, numpy {np.__version__}; shared 2-core machine). "
        f"Profiles: `hourly_profiles`, seed 0, all {len(states)} states ({profile_s:.1f} s). Every method's days go "
        "through the same `days_from_selection`, so only the choice of days differs. "
        "'deterministic': identical days, assignment and values on every repeat. The decision drawn from these "
        "tables (PAM kept) and why: docs/energy_profiles.md, 'PAM k-medoids vs tsam'."),
        "",
    ]
    (REPO / args.out).write_text("\n".join(header + tables(rows)))


if __name__ == "__main__":
    main()
