"""Build the cost tables of the zonal supply model (issue 14, integration) from ../shared/data.

    python data/build/build_supply_costs.py [--data-dir ../shared/data] [--out data]

writes (deterministically):

* ``new_generation_costs.csv``  per type the investor may build in a zone (gas CC, gas CT, solar,
                                onshore wind, 4-h battery): ATB 2025 moderate capex, FOM, VOM, heat rate
                                (online year 2025, 2023 $), life, capacity credit, energy availability
* ``connection_classes.csv``    per CERF voltage class: spur $/km (2015 $ and inflated to 2023 $),
                                substation/transformer cost and the MW a connection can deliver (estimates)
* ``county_ehv_line.csv``       per county: straight-line km (EPSG:5070) from the county's representative
                                point to the nearest HIFLD transmission line of at least 230 / 345 / 500 /
                                765 kV (simplified >= 230 kV layer, issue 24 item 6)
* ``county_substation.csv``     per county, columns km_class_0..6: straight-line km from the county's
                                representative point (Census 2016, EPSG:5070) to the nearest HIFLD
                                substation whose CERF class (range of its lowest voltage) is >= k; for the
                                extra-high-voltage classes 4-6 (>= 170 / 300 / 400 kV) the nearer of that
                                substation and the nearest line of at least the class's lowest voltage
                                (a substation's class is its MINIMUM voltage, so it understates EHV access)

Formulation and caveats: docs/supply_model.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from model.inputs import realdata as rd  # noqa: E402
from model.inputs.datasets import load_counties  # noqa: E402

DEFAULT_DATA_DIR = Path(os.environ.get("SITING_DATA_DIR", REPO.parent / "shared" / "data"))
ATB_YEAR = 2025
BATTERY_HOURS = 4.0

# CERF spur costs are 2015 $; ATB costs are 2023 $. US BLS CPI-U, US city average, all items, annual
# averages: 2015 = 237.017, 2023 = 304.702 (series CUUR0000SA0).
CPI_2015 = 237.017
CPI_2023 = 304.702
CPI_SOURCE = "US BLS CPI-U (CUUR0000SA0) annual average 2023 / 2015 = 304.702 / 237.017"

ATB_SOURCE = ("NREL Annual Technology Baseline 2025, Moderate scenario, online year 2025, 2023 dollars, ReEDS input "
              "form (../shared/data/{file})")
CREDIT_SOURCE = ("PJM ELCC class rating as quoted in data/capacity_credit.csv ({what}); PJM values transcribed via "
                 "public repositories, check against PJM's PDFs")
LIFE_SOURCE = "data/energy_costs.csv {key} (NREL ATB 2024 / EIA AEO2024)"
AVAIL_SOURCE = ("estimate {v} (range {lo}-{hi}): share of the year a new {what} can run at full output after planned "
                "and forced outages (EIA/NERC GADS fleet availability of new units is about 0.88-0.93); caps its "
                "annual energy, not its capacity")

# voltage class -> (substation + transformer cost USD 2023, low, high, deliverable MW, low, high). Estimates:
# substation costs after the MISO Transmission Cost Estimation Guide for MTEP24 (2024) unit costs as used in
# data/interconnection_tiers.csv (138 kV station ~$15-25M, 345 kV station with transformers ~$50-80M),
# interpolated for 161/230 kV and extended for 500 kV; MW after utility large-load practice (loads of
# ~100-300 MW served at 115-138 kV, several hundred MW at 230 kV, ~1 GW and more at 345 kV, 500 kV for
# multi-GW campuses, cf. Dominion and AEP large-load interconnection guidelines), for a double-circuit
# (N-1) tap, as ranges.
CLASS_ESTIMATES: dict[int, tuple[float, float, float, float, float, float]] = {
    0: (10e6, 5e6, 15e6, 50.0, 20.0, 80.0),
    1: (18e6, 12e6, 25e6, 150.0, 100.0, 250.0),
    2: (20e6, 15e6, 25e6, 250.0, 150.0, 400.0),
    3: (28e6, 20e6, 35e6, 350.0, 250.0, 500.0),
    4: (40e6, 30e6, 55e6, 600.0, 400.0, 900.0),
    5: (70e6, 50e6, 80e6, 1200.0, 800.0, 1500.0),
    6: (120e6, 90e6, 150e6, 2000.0, 1500.0, 3000.0),
}
CLASS_KV = {0: 69.0, 1: 115.0, 2: 138.0, 3: 161.0, 4: 230.0, 5: 345.0, 6: 500.0}
SUBSTATION_SOURCE = ("estimate ${v:.0f}M (range ${lo:.0f}-{hi:.0f}M, 2023 $): new {kv:.0f} kV switching station, breakers "
                     "and step-down transformers for the campus, after MISO Transmission Cost Estimation Guide for "
                     "MTEP24 (2024) substation unit costs (138 kV ~$15-25M, 345 kV with transformers ~$50-80M; other "
                     "classes interpolated or extended)")
MW_SOURCE = ("estimate {v:.0f} MW (range {lo:.0f}-{hi:.0f}): load one double-circuit {kv:.0f} kV tap can serve and "
             "survive losing one circuit (N-1), after utility large-load practice (Dominion, AEP large-load "
             "interconnection guidelines: ~100-300 MW at 115-138 kV, several hundred MW at 230 kV, ~1 GW+ at "
             "345 kV); not a study of any station's spare capacity")


def generation_costs(shared: Path) -> pd.DataFrame:
    gas = pd.read_csv(shared / "atb2025_moderate_gas_cc_ct.csv")
    cc = gas[(gas["i"] == "Gas-CC") & (gas["t"] == ATB_YEAR)].iloc[0]
    ct = gas[(gas["i"] == "Gas-CT") & (gas["t"] == ATB_YEAR)].iloc[0]
    upv = pd.read_csv(shared / "atb2025_moderate_upv.csv").set_index("t").loc[ATB_YEAR]
    wind = pd.read_csv(shared / "atb2025_moderate_onswind.csv").set_index("Year").loc[ATB_YEAR]
    bat = pd.read_csv(shared / "atb2025_moderate_battery.csv").set_index("t").loc[ATB_YEAR]
    credit = pd.read_csv(REPO / "data" / "capacity_credit.csv").set_index("fuel")["capacity_credit"]
    life = pd.read_csv(REPO / "data" / "energy_costs.csv").set_index("name")["value"]
    bat_capex = bat["capcost"] + BATTERY_HOURS * bat["capcost_energy"]
    bat_fom = bat["fom"] + BATTERY_HOURS * bat["fom_energy"]
    rows = [
        ("gas_cc", cc["capcost"], cc["fom"], cc["vom"], cc["heatrate"], life["gas_life_years"], 0.74,
         ATB_SOURCE.format(file="atb2025_moderate_gas_cc_ct.csv") + ": Gas-CC capcost, fom, vom, heatrate",
         CREDIT_SOURCE.format(what="gas row: Gas Combined Cycle 74 %"), 0.90, (0.85, 0.93), "combined cycle"),
        ("gas_ct", ct["capcost"], ct["fom"], ct["vom"], ct["heatrate"], life["gas_life_years"], 0.60,
         ATB_SOURCE.format(file="atb2025_moderate_gas_cc_ct.csv") + ": Gas-CT capcost, fom, vom, heatrate",
         CREDIT_SOURCE.format(what="gas row: Gas Combustion Turbine 60 %"), 0.90, (0.85, 0.93), "combustion turbine"),
        ("solar", upv["capcost"], upv["fom"], upv["vom"], 0.0, life["solar_life_years"], float(credit["solar"]),
         ATB_SOURCE.format(file="atb2025_moderate_upv.csv") + ": utility PV capcost, fom, vom ($/kW_ac)",
         CREDIT_SOURCE.format(what="solar row"), np.nan, None, ""),
        ("onshore_wind", wind["Overnight Cap Cost $/kW"], wind["Fixed O&M $/(kW-yr)"], wind["Var O&M $/MWh"], 0.0,
         life["wind_life_years"], float(credit["wind"]),
         ATB_SOURCE.format(file="atb2025_moderate_onswind.csv") + ": land-based wind 115hh_170rd",
         CREDIT_SOURCE.format(what="wind row: Onshore Wind 41 %"), np.nan, None, ""),
        ("battery_4h", bat_capex, bat_fom, bat["vom"], 0.0, life["battery_life_years"],
         float(credit["other_incl_storage"]),
         ATB_SOURCE.format(file="atb2025_moderate_battery.csv") + f": Li-ion capcost + {BATTERY_HOURS:g} h x capcost_energy, "
         f"fom + {BATTERY_HOURS:g} h x fom_energy ($/kW of a 4-h system)",
         CREDIT_SOURCE.format(what="other_incl_storage row: 4-hr storage 59 %"), 0.0, None, ""),
    ]
    out = []
    for t, capex, fom, vom, hr, lf, cc_, src, csrc, avail, rng, what in rows:
        if t in ("solar", "onshore_wind"):
            avail_src = "the zone's state capacity factor from data/energy_profiles.csv (solar_cf / wind_cf)"
        elif t == "battery_4h":
            avail_src = "0: a battery shifts energy, it makes none (annual mode counts its capacity only)"
        else:
            avail_src = AVAIL_SOURCE.format(v=avail, lo=rng[0], hi=rng[1], what=what)
        out.append({
            "type": t, "capex_usd_per_kw": round(float(capex), 2), "fom_usd_per_kw_yr": round(float(fom), 3),
            "vom_usd_per_mwh": round(float(vom), 3), "heat_rate_mmbtu_per_mwh": round(float(hr), 3),
            "life_years": float(lf), "capacity_credit": round(cc_, 3), "max_energy_share": avail,
            "cost_source": src, "life_source": LIFE_SOURCE.format(key=f"{t.split('_')[0] if t != 'onshore_wind' else 'wind'}_life_years"),
            "credit_source": csrc, "energy_source": avail_src,
        })
    return pd.DataFrame(out)


def connection_classes(shared: Path) -> pd.DataFrame:
    classes = rd.load_substation_classes(shared)
    rows = []
    for _, c in classes.sort_values("voltage_class").iterrows():
        k = int(c["voltage_class"])
        sub, slo, shi, mw, mlo, mhi = CLASS_ESTIMATES[k]
        kv = CLASS_KV[k]
        rows.append({
            "voltage_class": k, "class_kv": kv,
            "kv_min": float(c["voltage_class_kv_min"]), "kv_max": float(c["voltage_class_kv_max"]),
            "spur_usd_per_km_2015": float(c["spur_usd_per_km_2015"]),
            "spur_usd_per_km": round(float(c["spur_usd_per_km_2015"]) * CPI_2023 / CPI_2015, 0),
            "spur_source": f"CERF, shared/data/cerf_costs_per_kv_substation.yml class {k} (2015 $/km), x {CPI_SOURCE}",
            "substation_usd": sub, "substation_low_usd": slo, "substation_high_usd": shi,
            "substation_source": SUBSTATION_SOURCE.format(v=sub / 1e6, lo=slo / 1e6, hi=shi / 1e6, kv=kv),
            "deliverable_mw": mw, "mw_low": mlo, "mw_high": mhi,
            "mw_source": MW_SOURCE.format(v=mw, lo=mlo, hi=mhi, kv=kv),
        })
    return pd.DataFrame(rows)


LINES_FILE = "grid/hifld_transmission_230kv_plus_simplified.geojson"
EHV_KV = (230, 345, 500, 765)  # county_ehv_line.csv: nearest line of at least each voltage
LINE_CLASSES = (4, 5, 6)  # CERF classes whose distance may come from a line (>= 170, 300, 400 kV)


def load_lines(shared: Path, crs: object) -> gpd.GeoDataFrame:
    """The >= 230 kV lines (``v`` in kV) in ``crs``. Coordinates are rounded to ~1 km in the file and 1,371
    features collapse to a point; a degenerate line still has a position, so every feature is kept."""
    lines = gpd.read_file(shared / LINES_FILE)
    if lines.crs is None:
        lines = lines.set_crs("EPSG:4326")  # GeoJSON without a crs member is WGS84 (RFC 7946)
    if "v" not in lines or lines["v"].isna().any():
        raise ValueError(f"{LINES_FILE}: column 'v' (kV) missing or empty")
    return lines[["v", "geometry"]].to_crs(crs)


def nearest_line_km(points: np.ndarray, lines: gpd.GeoDataFrame, min_kv: float) -> np.ndarray:
    """Planar km from each (x, y) point to the nearest line with ``v >= min_kv`` (shapely STRtree)."""
    geoms = lines.geometry.to_numpy()[lines["v"].to_numpy() >= min_kv]
    pts = shapely.points(points)
    tree = shapely.STRtree(geoms)
    idx = tree.query_nearest(pts, all_matches=False, return_distance=False)
    # query_nearest returns (point index, line index) pairs; one per point with all_matches=False
    dist = np.full(len(pts), np.nan)
    dist[idx[0]] = shapely.distance(pts[idx[0]], geoms[idx[1]])
    return dist / 1000.0


def county_ehv_lines(shared: Path) -> pd.DataFrame:
    """Per county: km to the nearest line of at least 230, 345, 500 and 765 kV."""
    counties = load_counties()
    rep = counties.geometry.representative_point()
    pts = np.column_stack([rep.x.to_numpy(), rep.y.to_numpy()])
    lines = load_lines(shared, counties.crs)
    out = pd.DataFrame({"county_fips": counties.index.to_numpy()})
    for kv in EHV_KV:
        out[f"km_{kv}kv_plus"] = np.round(nearest_line_km(pts, lines, kv), 2)
    out["source"] = "HIFLD lines >= 230 kV (grid/hifld_transmission_230kv_plus_simplified.geojson), km in EPSG:5070"
    return out.sort_values("county_fips").reset_index(drop=True)


def county_substations(shared: Path) -> pd.DataFrame:
    """Nearest station of class >= c for every county and class, from the county's representative point;
    for classes 4-6 the nearer of that station and the nearest line of at least the class's lowest kV."""
    counties = load_counties()
    subs = rd.load_substations(shared).to_crs(counties.crs)
    rep = counties.geometry.representative_point()
    pts = np.column_stack([rep.x.to_numpy(), rep.y.to_numpy()])
    sxy = np.column_stack([subs.geometry.x.to_numpy(), subs.geometry.y.to_numpy()])
    cls = subs["voltage_class"].to_numpy()
    kv_min = rd.load_substation_classes(shared).set_index("voltage_class")["voltage_class_kv_min"]
    lines = load_lines(shared, counties.crs)
    out = pd.DataFrame({"county_fips": counties.index.to_numpy()})
    extra: dict[str, np.ndarray] = {}
    for k in sorted(set(int(c) for c in cls)):
        mask = cls >= k
        dist_m, _ = cKDTree(sxy[mask]).query(pts)
        sub_km = np.round(dist_m / 1000.0, 2)
        if k in LINE_CLASSES:
            line_km = np.round(nearest_line_km(pts, lines, float(kv_min[k])), 2)
            extra[f"substation_km_{k}"] = sub_km
            extra[f"line_km_{k}"] = line_km
            out[f"km_class_{k}"] = np.minimum(sub_km, line_km)
        else:
            out[f"km_class_{k}"] = sub_km
    for name, values in extra.items():  # kept after the km_class_* columns: the loader reads only those
        out[name] = values
    # One short source per row (the full statement is in data/SOURCES.md): keeps the table small.
    out["source"] = "HIFLD substations via CERF, nearest class >= k; classes 4-6 or HIFLD line >= class kV (SOURCES.md)"
    return out.sort_values("county_fips").reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "data")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    generation_costs(args.data_dir).to_csv(args.out / "new_generation_costs.csv", index=False)
    connection_classes(args.data_dir).to_csv(args.out / "connection_classes.csv", index=False)
    county_substations(args.data_dir).to_csv(args.out / "county_substation.csv", index=False)
    county_ehv_lines(args.data_dir).to_csv(args.out / "county_ehv_line.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
