"""Compare the route table's first-power years with public 2021-26 campus cases (issue 24 item 4).

    python data/build/compare_routes_evidence.py [--check]

Reads ``data/evidence_time_to_power.csv`` (hand-compiled cases, each with its sources) and
``data/county_routes.csv`` through :mod:`model.inputs.routes_data`, and writes the comparison table into
``docs/routes.md`` between the two ``<!-- evidence-table -->`` markers (``--check``: exit 1 if the doc
differs). The route table is never adjusted to these cases: the comparison only reports differences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from model.inputs.routes_data import fastest_route, load_county_routes  # noqa: E402

EVIDENCE_FILE = "evidence_time_to_power.csv"
DOC = REPO / "docs" / "routes.md"
BEGIN, END = "<!-- evidence-table -->", "<!-- /evidence-table -->"
DAYS_PER_YEAR = 365.25


def load_evidence(data: Path) -> pd.DataFrame:
    e = pd.read_csv(data / EVIDENCE_FILE, dtype={"county_fips": str})
    start = pd.to_datetime(e["start_date"])
    first = pd.to_datetime(e["first_power_date"])
    return e.assign(observed_years=((first - start).dt.days / DAYS_PER_YEAR).round(2))


def route_years(routes: pd.DataFrame, fips: str, route: str, mw: float) -> tuple[float, float, float, float] | None:
    """(mid, low, high) years and MW of ``route`` in the county: the fastest row able to give ``mw`` (or, if
    none can, the row with the most MW); None if the county has no such route."""
    r = routes.loc[(routes["county_fips"] == fips) & (routes["route"] == route)]
    if r.empty:
        return None
    big = r.loc[r["max_mw"] >= mw] if np.isfinite(mw) else r
    row = big.sort_values("first_power_years").iloc[0] if len(big) else r.sort_values("max_mw").iloc[-1]
    return (float(row["first_power_years"]), float(row["first_power_years_low"]), float(row["first_power_years_high"]),
            float(row["max_mw"]))


def compare(data: Path) -> pd.DataFrame:
    ev = load_evidence(data)
    routes = load_county_routes(data)
    ttp = pd.read_csv(data / "county_time_to_power.csv", dtype={"county_fips": str}).set_index("county_fips")
    rows = []
    for _, c in ev.iterrows():
        mw = float(c["first_power_mw"]) if pd.notna(c["first_power_mw"]) else np.nan
        county = routes.loc[routes["county_fips"] == c["county_fips"]]
        fast = {}
        for col in ("first_power_years", "first_power_years_low", "first_power_years_high"):
            if np.isfinite(mw):
                f = fastest_route(county, mw, years_column=col)
                fast[col] = (float(f["time_to_power_years"].iloc[0]), str(f["power_route"].iloc[0]))
        same = route_years(routes, c["county_fips"], c["route_class"], mw) if c["route_class"] != "unknown" else None
        rows.append({
            "case": c["case"], "county": f"{c['county']} {c['state']} {c['county_fips']}", "status": c["status"],
            "mw": mw, "observed_years": float(c["observed_years"]), "route_observed": c["route_class"],
            "same_route_years": same, "fastest": fast.get("first_power_years"),
            "fastest_low": fast.get("first_power_years_low", (np.nan, ""))[0],
            "fastest_high": fast.get("first_power_years_high", (np.nan, ""))[0],
            "queue_years": float(ttp.at[c["county_fips"], "median_years"]),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _y(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.2f}".rstrip("0").rstrip(".")


def markdown(cmp: pd.DataFrame) -> str:
    head = ("| case | county | status | MW at first power | observed years | observed route | table: same route "
            "(low–high), its MW | table: fastest route for that MW (low–high) | old basis: queue median | difference "
            "(fastest − observed) |\n|---|---|---|---:|---:|---|---|---|---:|---:|\n")
    lines = []
    for _, r in cmp.iterrows():
        same = "–" if r["same_route_years"] is None else (
            f"{_y(r['same_route_years'][0])} ({_y(r['same_route_years'][1])}–{_y(r['same_route_years'][2])}), "
            f"{r['same_route_years'][3]:,.1f} MW".replace(".0 MW", " MW"))
        if r["fastest"] is None:
            fast, diff = "– (MW unknown)", "–"
        elif not np.isfinite(r["fastest"][0]):
            fast, diff = "none reaches the MW", "–"
        else:
            fast = f"{_y(r['fastest'][0])} {r['fastest'][1]} ({_y(r['fastest_low'])}–{_y(r['fastest_high'])})"
            diff = f"{r['fastest'][0] - r['observed_years']:+.2f}"
        mw = "?" if not np.isfinite(r["mw"]) else f"{r['mw']:,.0f}"
        lines.append(f"| {r['case']} | {r['county']} | {r['status']} | {mw} | {_y(r['observed_years'])} | "
                     f"{r['route_observed']} | {same} | {fast} | {_y(r['queue_years'])} | {diff} |")
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    table = markdown(compare(args.data))
    doc = DOC.read_text()
    a, b = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    new = doc[:a] + "\n" + table + doc[b:]
    if args.check:
        if new != doc:
            print(f"{DOC}: the evidence table differs from what {Path(__file__).name} computes", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
