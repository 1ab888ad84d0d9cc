"""Build time-to-power tables (issue 14, part 4) from the ISO interconnection queues in ../shared/data.

    python data/build/build_time_to_power.py [--data-dir ../shared/data] [--out data]

writes (deterministically):

* ``time_to_power.csv``         years from queue entry to operation: per ISO, per ReEDS zone (>= 20
                                completed projects), a non-ISO default (LBNL Queued Up) and construction
                                years by technology (NREL ReEDS)
* ``county_time_to_power.csv``  every county -> years via its zone row, else its ISO row, else the default

Needs ``data/county_zone.csv`` (from build_zones.py). Methods and caveats: docs/supply_data.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_DATA_DIR = Path(os.environ.get("SITING_DATA_DIR", REPO.parent / "shared" / "data"))
MIN_ZONE_PROJECTS = 20
DAYS_PER_YEAR = 365.25

DEFAULT_ROW = {
    "region": "non-ISO",
    "level": "default",
    "median_years": 5.0,
    "p25_years": np.nan,
    "p75_years": np.nan,
    "n_projects": 0,
    "basis": "interconnection request -> commercial operation, US projects (all regions)",
    "source": (
        "LBNL, Queued Up (Rand et al.), median ~5 years from interconnection request to commercial operation, "
        "as cited in issue 14 (publication figure, not recomputed here; no non-ISO queue is held in shared/data)"
    ),
}

# Construction years: NREL ReEDS construction lead times (reeds/construction_times_default.csv, GPL-3.0 file,
# numbers cited to NREL ReEDS v2024.0.0) for the ReEDS technology of each type, constant over online years
# 2026-2035 for these five. low / high: the earlier estimate ranges below, widened to include the ReEDS value.
CONSTRUCTION_FILE = "reeds/construction_times_default.csv"
CONSTRUCTION_YEARS = tuple(range(2026, 2036))
REEDS_TECH = {"gas_cc": "Gas-CC", "gas_ct": "Gas-CT", "solar": "PV", "onshore_wind": "ONSWIND", "battery_4h": "BATTERY"}
# technology, low, high, reasoning of the earlier estimate (kept as the range around the ReEDS value)
CONSTRUCTION_ROWS = [
    ("gas_cc", 2.5, 4.0,
     "combined cycle = gas turbines + heat-recovery boilers + steam turbine built on site; multi-year EPC schedule "
     "from notice to proceed, upper end for current turbine order backlogs"),
    ("gas_ct", 1.0, 2.5,
     "simple-cycle turbines are packaged units with little on-site steam work; about half a CC's schedule, upper "
     "end when turbines must be ordered new"),
    ("solar", 0.5, 1.5,
     "modular racking and inverters, no fuel or cooling systems; months of civil work per 100 MW"),
    ("onshore_wind", 0.75, 2.0,
     "foundations, crane erection and collector system, seasonal weather windows; longer for large projects with "
     "new substations"),
    ("battery_4h", 0.5, 1.5,
     "containerised modules on a pad with inverters and a substation tie; similar to solar"),
]  # fmt: skip


def construction_rows(data_dir: Path) -> list[dict]:
    """One row per new-generation type: ReEDS construction years (must be one value over 2026-2035) with the
    earlier estimate range widened to include it."""
    ct = pd.read_csv(data_dir / CONSTRUCTION_FILE)
    ct = ct.loc[ct["t_online"].isin(CONSTRUCTION_YEARS)]
    rows = []
    for t, lo, hi, why in CONSTRUCTION_ROWS:
        v = ct.loc[ct["i"] == REEDS_TECH[t], "construction_time"].astype(float)
        if v.empty or v.nunique() != 1:
            raise ValueError(f"{CONSTRUCTION_FILE}: expected one construction_time for {REEDS_TECH[t]} in 2026-2035")
        years = float(v.iloc[0])
        rows.append({
            "region": t, "level": "construction", "median_years": years, "p25_years": min(lo, years),
            "p75_years": max(hi, years), "n_projects": 0,
            "basis": "construction years, ReEDS lead time for online years 2026-2035; p25/p75 columns hold the "
                     "LOW/HIGH of the range (the earlier estimate's range widened to include the ReEDS value)",
            "source": f"NREL ReEDS construction_times_default.csv (shared/data/{CONSTRUCTION_FILE}, GPL-3.0 file, "
                      f"numbers cited to NREL ReEDS v2024.0.0): {REEDS_TECH[t]} {years:g} years (construction only, "
                      f"whole years; no permitting or queue); range reasoning (estimate): {why}",
        })  # fmt: skip
    return rows


def _state_codes() -> pd.DataFrame:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from build_zones import state_codes

    return state_codes()


STATE_NAMES_EXTRA = {"AK": "AR"}  # MISO's one 'AK' row is probably Arkansas (shared/data/README.md)


# ---------------------------------------------------------------------------------------------
# the duration statistics (tested on synthetic frames)


def durations_years(df: pd.DataFrame, start: str, end: str) -> pd.Series:
    """Years from ``start`` to ``end`` (date part only) for rows with both dates; negative spans dropped."""
    s = pd.to_datetime(df[start], errors="coerce", utc=True, format="mixed").dt.tz_localize(None).dt.normalize()
    e = pd.to_datetime(df[end], errors="coerce", utc=True, format="mixed").dt.tz_localize(None).dt.normalize()
    y = (e - s).dt.days / DAYS_PER_YEAR
    return y[y.notna() & (y >= 0)]


def summarize(years: pd.Series) -> dict:
    y = pd.Series(years, dtype=float).dropna()
    if y.empty:
        return {"median_years": np.nan, "p25_years": np.nan, "p75_years": np.nan, "n_projects": 0}
    return {
        "median_years": round(float(y.median()), 3),
        "p25_years": round(float(y.quantile(0.25)), 3),
        "p75_years": round(float(y.quantile(0.75)), 3),
        "n_projects": int(len(y)),
    }


# ---------------------------------------------------------------------------------------------
# queues -> (state, county, start, end) of completed projects


def _norm_county(name: object) -> str:
    s = str(name).lower().strip()
    s = s.split(",")[0].split("/")[0].split(";")[0]
    s = re.sub(r"\b(county|parish|borough)\b", "", s)
    s = s.replace("saint ", "st ").replace("ste.", "ste").replace(".", "").replace("'", "")
    return re.sub(r"[^a-z]", "", s)


def completed_projects(data_dir: Path) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """ISO -> (rows of completed generation projects with 'state','county','start','end', basis, file)."""
    out: dict[str, tuple[pd.DataFrame, str, str]] = {}

    p = pd.read_excel(data_dir / "queue_pjm_planning.xlsx", sheet_name="Data")
    p = p.loc[(p["Project Type"] == "Generation Interconnection") & (p["Status"] == "In Service")]
    out["PJM"] = (
        p.assign(state=p["State"], county=p["County"], start=p["Submitted Date"], end=p["Actual In Service Date"]),
        "Submitted Date -> Actual In Service Date, Status 'In Service', Project Type 'Generation Interconnection'",
        "queue_pjm_planning.xlsx (PJM New Services Queue, serial queue to 2023-07)",
    )
    m = pd.read_csv(data_dir / "queue_miso.csv")
    m = m.loc[m["Post GIA Status"] == "In Service"]
    out["MISO"] = (
        m.assign(state=m["State"], county=m["County"], start=m["Queue Date"], end=m["Negotiated In Service Date"]),
        "Queue Date -> Negotiated In Service Date for Post GIA Status 'In Service' (a PLANNED date: MISO publishes "
        "no actual in-service date)",
        "queue_miso.csv (MISO GI Interactive Queue 2025)",
    )
    e = pd.read_csv(data_dir / "queue_ercot.csv")
    out["ERCOT"] = (
        e.assign(state=e["State"], county=e["County"], start=e["Queue_Date"], end=e["Actual_Completion_Date"]),
        "Queue_Date -> Actual_Completion_Date (= Approved_for_Synchronization), any Status ('Completed' means IA "
        "signed; the report lists open requests only, so durations are biased)",
        "queue_ercot.csv (ERCOT GIS report, ~2025-06)",
    )
    n = pd.read_csv(data_dir / "queue_nyiso.csv", dtype={"Queue_ID": str})
    gen = ~n["Generation_Type"].astype(str).str.contains("Transmission|Load", case=False, na=False)
    n = n.loc[(n["Status"] == "Completed") & gen]
    out["NYISO"] = (
        n.assign(state=n["State"], county=n["County"], start=n["Queue_Date"], end=n["Actual_Completion_Date"]),
        "Queue_Date -> Actual_Completion_Date, Status 'Completed', transmission and load requests excluded",
        "queue_nyiso.csv (NYISO queue, ~2025-07)",
    )
    i = pd.read_csv(data_dir / "queue_isone.csv")
    i = i.loc[i["Status"] == "Completed"]
    out["ISONE"] = (
        i.assign(state=i["State"], county=i["County"], start=i["Queue_Date"], end=i["Op_Date"]),
        "Queue_Date -> Op_Date (commercial operation date, not labelled 'actual'), Status 'Completed'",
        "queue_isone.csv (ISO-NE queue, ~2025-06)",
    )
    c = pd.read_csv(data_dir / "queue_caiso.csv")
    c = c.loc[c["Status"] == "COMPLETED"]
    out["CAISO"] = (
        c.assign(state=c["State"], county=c["County"], start=c["Queue_Date"], end=c["Actual_Completion_Date"]),
        "Queue_Date -> Actual_Completion_Date, Status 'COMPLETED' (queue snapshot ends 2023-03)",
        "queue_caiso.csv (CAISO queue)",
    )
    return out


def county_keys() -> pd.DataFrame:
    """(state, normalised county name) -> FIPS over the 3,108 counties; duplicates keep the lowest FIPS
    (a county before a same-named independent city, e.g. VA Richmond County 51159 before 51760)."""
    from model.inputs.datasets import load_counties

    c = load_counties()
    sf = _state_codes()
    k = pd.DataFrame({"fips": c.index.astype(str), "state_fips": c["state_fips"].to_numpy(), "key": c["county_name"].map(_norm_county).to_numpy()})
    k = k.merge(sf[["state", "state_fips"]], on="state_fips")
    k = k.sort_values("fips").drop_duplicates(["state", "key"], keep="first")
    return k[["state", "key", "fips"]]


def state_abbr(values: pd.Series) -> pd.Series:
    sf = _state_codes()
    by_name = {n.lower(): s for s, n in zip(sf["state"], sf["name"])}
    v = values.astype(str).str.strip()
    ab = v.str.lower().map(by_name).fillna(v.str.upper())
    return ab.replace(STATE_NAMES_EXTRA)


def build(data_dir: Path, county_zone: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    keys = county_keys()
    cz = county_zone.set_index("county_fips")
    rows, zone_rows, stats = [], [], {}
    for iso, (df, basis, fname) in completed_projects(data_dir).items():
        yrs = durations_years(df, "start", "end")
        n_neg = int(((pd.to_datetime(df["end"], errors="coerce", utc=True, format="mixed")
                      - pd.to_datetime(df["start"], errors="coerce", utc=True, format="mixed")).dt.days < 0).sum())  # fmt: skip
        src = f"shared/data/{fname}"
        rows.append({"region": iso, "level": "iso", **summarize(yrs), "basis": basis, "source": src})
        d = df.loc[yrs.index]
        d = d.assign(years=yrs, st=state_abbr(d["state"]), key=d["county"].map(_norm_county))
        d = d.merge(keys, left_on=["st", "key"], right_on=["state", "key"], how="left", suffixes=("", "_k"))
        matched = d["fips"].notna()
        d["zone"] = d["fips"].map(cz["zone"])
        stats[iso] = {"n": int(len(d)), "county_matched": int(matched.sum()), "negative_dropped": n_neg}
        for zone, g in d.loc[matched].groupby("zone"):
            if len(g) >= MIN_ZONE_PROJECTS:
                zone_rows.append(
                    {"region": zone, "level": "zone", **summarize(g["years"]),
                     "basis": f"{iso}: {basis}; project county+state matched to FIPS by name -> ReEDS zone",
                     "source": f"{src}; data/county_zone.csv"}  # fmt: skip
                )
    zkey = lambda s: s.str[1:].astype(int)  # noqa: E731
    zt = pd.DataFrame(zone_rows).sort_values("region", key=zkey) if zone_rows else pd.DataFrame(columns=list(rows[0]))
    cons = construction_rows(data_dir)
    table = pd.concat(
        [pd.DataFrame(rows).sort_values("region"), zt, pd.DataFrame([DEFAULT_ROW]), pd.DataFrame(cons)],
        ignore_index=True,
    )
    cols = ["region", "level", "median_years", "p25_years", "p75_years", "n_projects", "basis", "source"]
    table = table[cols]

    # county table
    iso_of = {"PJM": "PJM", "MISO": "MISO", "ERCOT": "ERCOT", "NYISO": "NYISO", "ISONE": "ISONE", "CAISO": "CAISO"}
    zmed = table.loc[table["level"] == "zone"].set_index("region")["median_years"]
    imed = table.loc[table["level"] == "iso"].set_index("region")["median_years"]
    c = county_zone[["county_fips", "zone", "transreg"]].copy()
    c["iso"] = c["transreg"].map(iso_of)
    c["years"] = c["zone"].map(zmed)
    c["level"] = np.where(c["years"].notna(), "zone", "")
    fill = c["years"].isna() & c["iso"].notna()
    c.loc[fill, "years"] = c.loc[fill, "iso"].map(imed)
    c.loc[fill, "level"] = "iso"
    rest = c["years"].isna()
    c.loc[rest, "years"] = DEFAULT_ROW["median_years"]
    c.loc[rest, "level"] = "default"
    c["region"] = np.select([c["level"] == "zone", c["level"] == "iso"], [c["zone"], c["iso"]], "non-ISO")
    c["source"] = "data/time_to_power.csv row (region, level)"
    county = c[["county_fips", "zone", "region", "level", "years", "source"]].rename(columns={"years": "median_years"})
    return table, county.sort_values("county_fips").reset_index(drop=True), stats


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "data")
    args = ap.parse_args(argv)
    cz = pd.read_csv(args.out / "county_zone.csv", dtype={"county_fips": str})
    table, county, stats = build(args.data_dir, cz)
    table.to_csv(args.out / "time_to_power.csv", index=False, lineterminator="\n")
    county.to_csv(args.out / "county_time_to_power.csv", index=False, lineterminator="\n")
    print(f"wrote time_to_power.csv ({len(table)} rows), county_time_to_power.csv ({len(county)} rows)")
    for iso, s in stats.items():
        print(f"{iso}: {s['n']} projects with both dates, county matched {s['county_matched']} "
              f"({s['county_matched'] / max(s['n'], 1):.1%}), negative spans dropped {s['negative_dropped']}")
    print(table.drop(columns=["basis", "source"]).to_string(index=False))
    print(county["level"].value_counts().to_string())


if __name__ == "__main__":
    main()
