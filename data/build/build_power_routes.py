"""Build the time-to-power route tables (issue 24 item 4) from tables already in ``data/``.

    python data/build/build_power_routes.py [--data data] [--check]

writes (deterministically; ``--check`` compares with the files instead of writing):

* ``power_routes.csv``   one row per (route, variant, quantity): low / mid / high value, unit, ``kind``
                         (``cited``: a number a source states; ``estimate``: a judgement with its range and
                         reasoning; ``derived``: computed from another table in ``data/``, named in ``source``)
                         and ``source``. Routes: ``existing_substation``, ``flexible_interim``,
                         ``new_substation_line``, ``onsite_gas``, ``firm_queue`` (docs/routes.md).
* ``county_routes.csv``  per county and route (and voltage variant): the earliest first-power year offset
                         (low / mid / high), the MW the route can add, its fixed and per-MW cost, and how it
                         combines with the others (``group``, ``firm``, ``grid``).

Inputs (all in ``data/``, nothing from ``../shared/data``): ``connection_classes.csv`` (spur $/km by
voltage class: CERF; new-station cost and deliverable MW: estimates), ``county_substation.csv`` (km to the
nearest HIFLD substation of each class), ``county_ehv_line.csv`` (km to the nearest 230 / 345 / 500 kV
line), ``county_time_to_power.csv`` and ``time_to_power.csv`` (ISO / zone queue medians),
``county_capex_multiplier.csv`` (gas CT regional capital-cost multiplier) and ``energy_costs.csv`` (ATB
Gas-CT $/kW). The hand-entered constants below carry their sources; every duration is from the decision
to build (construction start) to first power.

How campus size enters: a route adds at most its ``max_mw``. An existing substation spares a fraction of
what a new tap of its voltage class delivers (138 kV: 62.5 MW, 230 kV: 150 MW, 345 kV: 300 MW); beyond
that a campus needs a new substation on an extra-high-voltage line (600 / 1,200 / 2,000 MW at 230 / 345 /
500 kV), on-site gas (up to the air-permit size, 500 MW), or non-firm service. Routes of different groups
add up; within ``large_connection`` a site takes one row.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]

ROUTES_FILE = "power_routes.csv"
COUNTY_FILE = "county_routes.csv"
ROUTE_COLUMNS = ["route", "variant", "quantity", "unit", "low", "mid", "high", "kind", "source"]
COUNTY_COLUMNS = [
    "county_fips", "route", "variant", "first_power_years", "first_power_years_low", "first_power_years_high",
    "max_mw", "fixed_cost_usd", "usd_per_mw", "cost_usd", "basis",
]  # fmt: skip
# How the routes combine (the loader attaches these per route; docs/routes.md): ``firm`` = not curtailable
# by the grid operator, ``grid`` = draws on the zone's firm balance, ``group`` = routes of one group share a
# physical connection (existing_station: additive MW, connection paid once; large_connection: one row per site).
ROUTE_KIND = {
    "existing_substation": (1, 1, "existing_station"),
    "flexible_interim": (0, 1, "existing_station"),
    "new_substation_line": (1, 1, "large_connection"),
    "firm_queue": (1, 1, "large_connection"),
    "onsite_gas": (1, 0, "onsite"),
}

# Sources (stored public web pages, found with the session's search tool; what each says is quoted in
# docs/routes.md). Numbers are never taken from the evidence cases of docs/routes.md.
SRC_ATK = ("ATK Energy Group, 'Grid interconnection for data centers' (atkenergygroup.com/blog/grid-interconnection-"
           "data-centers): depending on the region and the headroom on the local grid, interconnection of 100 MW to "
           "1 GW loads takes twelve months to more than three years")
SRC_BUILD_TX = ("Build Team, 'Substation Procurement for Data Centers' (build.inc, 30 Apr 2026): utility-grade "
                "transformers 60-120 weeks from order to delivery in early 2026, switchgear 40-65 weeks")
SRC_WOODMAC = ("Wood Mackenzie as quoted by bixbitusa.io and zerohedge/newsanalysis.ai (2025): power transformer lead "
               "times average 128 weeks, generator step-up 144 weeks")
SRC_PWC = ("pv-magazine-usa.com, 11 May 2026, citing Reuters Events and PwC: lead times for high-capacity transformers "
           "as long as four years")
SRC_DCHUB = ("DC Hub, 'ERCOT 427 GW queue' (dchub.cloud, 2026-07-01): factor 24-36+ months from site acquisition to "
             "power delivery in ERCOT, not 12-18")
SRC_READY = ("PowerReadySites, 'Land near substations' (powerreadysites.com, 29 Jun 2026): new transmission lines, "
             "substations and interconnections take 5-10 years; preferred substation distance < 5 miles")
SRC_JLL = ("Build Team, 'Data Center Substation Development' (build.inc, 27 May 2026), citing JLL's 2026 Global Data "
           "Center Outlook: average grid connection waits in primary markets now exceed four years")
SRC_MISO_ROUTE = ("RTO Insider, 'MISO Releases Transmission Cost Estimates Guide': MISO first estimates a line's length "
                  "as the straight line plus 30 %")
SRC_RECIP = ("Source Rock Energy Partners, 'Gas engine backlog' (sourcerockep.com, 2026): reciprocating gas engines "
             "(Jenbacher, Wärtsilä, Caterpillar) 12-18 month deployment vs 5-7 years for large-frame turbines; GE "
             "Vernova 80 GW backlog into 2029")
SRC_MOBILE = ("Business Insider (via africa.businessinsider.com, Jan 2025) on the TCEQ permit filings for turbines in "
              "Abilene: GE says some of its models can be up and running in as little as two weeks")
SRC_WARTSILA = ("idcnova.com, 3 Feb 2026: Wärtsilä order signed Q1 2026 for 429 MW of 50SG engines for a utility plant "
                "serving a data center, commercial operation late 2028 to early 2029")
SRC_PERMIT = ("IEA Power, 'Environmental permits' (ieapower.com): typical air-permit timeframes PSD or Title V 3-9 "
              "months, synthetic minor 2-3 months, registrations < 1 month")
SRC_ATB_CT = "data/energy_costs.csv gas_capex_usd_per_kw (NREL ATB 2025 Moderate Gas-CT, 2023 $)"
SRC_BNEF = ("BloombergNEF as reported by TechCrunch / pulse.bot (27 Apr 2026): combined-cycle plant cost rose 66 % to "
            "$2,157/kW in 2025 from under $1,500 in 2023; gas turbine prices up 195 % on 2019")
SRC_FLEX_ARXIV = ("arXiv 2605.14714, 'Flexibility-aware framework for efficient planner-initiated siting of data "
                  "centers' (Texas A&M / Harvard, 2026): pre-certified flexibility envelopes enable first energisation "
                  "in 12-18 months vs 5-8 years for the conventional process")
SRC_FLEX_ZERO = ("Bloomberg via energyconnects.com, Dec 2025, on the Princeton ZERO Lab / Camus Energy / encoord study: "
                 "flexible data centers with on-site supply can connect up to five years sooner where hookups take up "
                 "to seven years")
SRC_SPP = ("RTO Insider, 'FERC approves SPP large load process' (Jan 2026): a 90-day study and provisional approval for "
           "high-impact large loads; energyreader.io 2026-06-05: FERC approved SPP's conditional (curtailable) "
           "high-impact large load service (CHILLS)")
SRC_PATHWAY = "docs/pathway.md default (an estimate with this range, set before this table)"

EXISTING_YEARS = (0.5, 1.0, 2.5, "estimate", (
    "low 0.5 estimate (a spare bay and transformer in place: breaker, relays and metering only); mid 1.0 = "
    "ATK's twelve months where headroom exists; high 2.5 = a new transformer at the existing station, "
    "120 weeks (Build) plus installation. Sources: " + SRC_ATK + "; " + SRC_BUILD_TX))
MAX_SPUR_KM = (5.0, 8.0, 16.0, "cited", (
    "8 km = the 5 miles of " + SRC_READY + "; range 5-16 km (estimate: a radial line within one easement "
    "negotiation)"))
SPARE_SHARE = (0.10, 0.25, 0.50, "estimate", (
    "share of a new double-circuit tap's deliverable MW (connection_classes.csv) that an EXISTING station of the "
    "class can spare for a new load without new transformers: what is left on its transformers after existing "
    "load under N-1. No station loading data is held (HIFLD has no capacity field; ../shared/data README: "
    "headroom must be estimated)"))
BAY_SHARE = (0.15, 0.25, 0.40, "estimate", (
    "cost of a line terminal (breaker bay, relays, metering) at an existing station as a share of a new "
    "station of the class (connection_classes.csv substation_usd): a bay instead of a whole switching "
    "station"))
ROUTE_FACTOR = (1.2, 1.3, 1.5, "cited", (
    "line length = straight line x 1.3: " + SRC_MISO_ROUTE + "; range 1.2-1.5 estimate"))
FLEX_YEARS = (1.0, 2.0, 3.0, "estimate", (
    "non-firm service skips the deliverability studies and network upgrades of firm service: low 1.0 = " +
    SRC_FLEX_ARXIV + "; mid 2.0 = " + SRC_PATHWAY + " flexible_lead_years; high 3.0 estimate; cf. " +
    SRC_FLEX_ZERO + "; " + SRC_SPP + ". Never earlier than the existing_substation route (same station)"))
NONFIRM_SHARE = (0.10, 0.25, 0.50, "estimate", (
    "extra MW an existing station can serve NON-firm (curtailable) beyond its firm spare, as a share of a new "
    "tap's deliverable MW: a station planned to N-1 holds about one transformer's worth for contingencies, idle "
    "outside outages and peaks; set equal to the firm spare share (no loading data held)"))
SUBSTATION_YEARS = (1.5, 2.5, 4.0, "cited", (
    "new EHV substation tapping an adjacent line: mid 2.5 = the 128-week average power-transformer lead "
    "time (" + SRC_WOODMAC + "); low 1.5 = 60 weeks plus installation (" + SRC_BUILD_TX + "); high 4.0 (" +
    SRC_PWC + "); cf. " + SRC_DCHUB))
LINE_YEARS = (3.0, 5.0, 10.0, "cited", (
    "new line beyond the tap distance (right of way, siting approval, construction): 5-10 years (" + SRC_READY +
    "); low 3.0 estimate, cf. " + SRC_JLL))
TAP_KM = (5.0, 8.0, 16.0, "estimate", (
    "a line within this straight-line distance is tapped by a loop-in or short radial within the substation "
    "schedule; beyond it a new line with its own right of way is needed; same 5 miles as " + SRC_READY))
MAX_LINE_KM = (50.0, 80.0, 160.0, "estimate", (
    "longest customer-funded radial line offered as a route: beyond about 50 miles a new EHV line is a regional "
    "transmission project (multi-state siting, 5-10+ years: " + SRC_READY + "), not a load connection; such "
    "variants are left out"))
ONSITE_YEARS = (0.25, 1.5, 3.0, "cited", (
    "low 0.25 = mobile / trailer-mounted units (" + SRC_MOBILE + "); mid 1.5 = reciprocating engines 12-18 "
    "months (" + SRC_RECIP + "); high 3.0 = engines ordered new at today's backlog (" + SRC_WARTSILA + "). Air "
    "permits run in parallel (" + SRC_PERMIT + ")"))
ONSITE_PERMIT_YEARS = (0.1, 0.5, 0.75, "cited", (
    "informational (inside the onsite years): " + SRC_PERMIT))
ONSITE_MW = (100.0, 500.0, 1000.0, "estimate", (
    "air-permit size of on-site generation at one campus: " + SRC_PATHWAY + " bridge_permit_mw (100-1,000)"))
ONSITE_CAPEX = (1105.8, 1105.8, 2157.0, "cited", (
    "mid and low " + SRC_ATB_CT + "; high: " + SRC_BNEF + " (a combined-cycle figure, the upper bound of "
    "current gas plant costs)"))
ONSITE_RESERVE = (0.10, 0.20, 0.35, "estimate", (
    SRC_PATHWAY + " bridge_reserve_share: N+1 redundancy on 5-10 units per campus"))

EXISTING_CLASSES = (0, 1, 2, 3, 4, 5, 6)
# new_substation_line variants: county_ehv_line.csv column -> CERF class whose costs and MW apply
# (class 6 is >= 400 kV: a 500 or 765 kV line; km_500kv_plus holds the nearer of the two).
EHV_VARIANTS = {"kv230": ("km_230kv_plus", 4), "kv345": ("km_345kv_plus", 5), "kv500": ("km_500kv_plus", 6)}


def _row(route: str, variant: str, quantity: str, unit: str, v: tuple, source: str | None = None) -> dict:
    lo, mid, hi, kind, src = v
    return {"route": route, "variant": variant, "quantity": quantity, "unit": unit, "low": lo, "mid": mid,
            "high": hi, "kind": kind, "source": source or src}  # fmt: skip


def route_table(data: Path) -> pd.DataFrame:
    """The route parameters: hand-entered constants above plus rows derived from connection_classes.csv
    (per voltage class) and time_to_power.csv (queue medians)."""
    cls = pd.read_csv(data / "connection_classes.csv").set_index("voltage_class")
    rows = [
        _row("existing_substation", "all", "years", "years", EXISTING_YEARS),
        _row("existing_substation", "all", "max_spur_km", "km", MAX_SPUR_KM),
        _row("existing_substation", "all", "spare_share", "fraction of deliverable_mw", SPARE_SHARE),
        _row("existing_substation", "all", "bay_share", "fraction of substation_usd", BAY_SHARE),
        _row("existing_substation", "all", "route_factor", "line km per straight-line km", ROUTE_FACTOR),
    ]
    cc = "data/connection_classes.csv class {k} ({kv:.0f} kV): {what}"
    for k in EXISTING_CLASSES:
        c = cls.loc[k]
        v = f"kv{int(c['class_kv'])}"
        mw = float(c["deliverable_mw"])
        sub = float(c["substation_usd"])
        rows += [
            _row("existing_substation", v, "spare_mw", "MW", (
                SPARE_SHARE[0] * mw, SPARE_SHARE[1] * mw, SPARE_SHARE[2] * mw, "derived",
                cc.format(k=k, kv=c["class_kv"], what=f"deliverable_mw {mw:g} x spare_share")), None),
            _row("existing_substation", v, "bay_usd", "USD 2023", (
                BAY_SHARE[0] * sub, BAY_SHARE[1] * sub, BAY_SHARE[2] * sub, "derived",
                cc.format(k=k, kv=c["class_kv"], what=f"substation_usd {sub:g} x bay_share")), None),
            _row("existing_substation", v, "spur_usd_per_km", "USD 2023 per km", (
                float(c["spur_usd_per_km"]),) * 3 + ("derived", cc.format(k=k, kv=c["class_kv"], what=(
                    "spur_usd_per_km (CERF 2015 $/km x CPI-U 2023/2015)"))), None),
            _row("flexible_interim", v, "nonfirm_mw", "MW", (
                NONFIRM_SHARE[0] * mw, NONFIRM_SHARE[1] * mw, NONFIRM_SHARE[2] * mw, "derived",
                cc.format(k=k, kv=c["class_kv"], what=f"deliverable_mw {mw:g} x nonfirm_share")), None),
        ]
    rows += [
        _row("flexible_interim", "all", "years", "years", FLEX_YEARS),
        _row("flexible_interim", "all", "nonfirm_share", "fraction of deliverable_mw", NONFIRM_SHARE),
        _row("new_substation_line", "all", "substation_years", "years", SUBSTATION_YEARS),
        _row("new_substation_line", "all", "line_years", "years", LINE_YEARS),
        _row("new_substation_line", "all", "tap_km", "km", TAP_KM),
        _row("new_substation_line", "all", "max_line_km", "km", MAX_LINE_KM),
    ]
    for v, (_, k) in EHV_VARIANTS.items():
        c = cls.loc[k]
        rows += [
            _row("new_substation_line", v, "deliverable_mw", "MW", (
                float(c["mw_low"]), float(c["deliverable_mw"]), float(c["mw_high"]), "derived",
                cc.format(k=k, kv=c["class_kv"], what="deliverable_mw, mw_low, mw_high (estimates)")), None),
            _row("new_substation_line", v, "substation_usd", "USD 2023", (
                float(c["substation_low_usd"]), float(c["substation_usd"]), float(c["substation_high_usd"]),
                "derived", cc.format(k=k, kv=c["class_kv"], what="substation_usd and its range (estimates)")), None),
            _row("new_substation_line", v, "line_usd_per_km", "USD 2023 per km", (
                float(c["spur_usd_per_km"]),) * 3 + ("derived", cc.format(k=k, kv=c["class_kv"], what=(
                    "spur_usd_per_km (CERF 2015 $/km x CPI-U 2023/2015)"))), None),
        ]
    rows += [
        _row("onsite_gas", "all", "years", "years", ONSITE_YEARS),
        _row("onsite_gas", "all", "permit_years", "years", ONSITE_PERMIT_YEARS),
        _row("onsite_gas", "all", "max_mw", "MW", ONSITE_MW),
        _row("onsite_gas", "all", "capex_usd_per_kw", "USD 2023 per kW", ONSITE_CAPEX),
        _row("onsite_gas", "all", "reserve_share", "fraction of served MW", ONSITE_RESERVE),
    ]
    ttp = pd.read_csv(data / "time_to_power.csv")
    ttp = ttp.loc[ttp["level"].isin(["iso", "zone", "default"])]
    for _, t in ttp.iterrows():
        med = float(t["median_years"])
        lo = med if pd.isna(t["p25_years"]) else float(t["p25_years"])
        hi = med if pd.isna(t["p75_years"]) else float(t["p75_years"])
        rng = "p25 / median / p75" if not pd.isna(t["p25_years"]) else "median only (no range held: low = high = median)"
        rows.append(_row("firm_queue", str(t["region"]), "years", "years", (
            lo, med, hi, "derived", f"data/time_to_power.csv {t['level']} row {t['region']}: {rng} of generator "
            "queue-to-operation years (a proxy: generators, not loads)"), None))
    out = pd.DataFrame(rows, columns=ROUTE_COLUMNS)
    for c in ("low", "mid", "high"):
        out[c] = out[c].astype(float).round(4)
    return out


def _param(routes: pd.DataFrame, route: str, quantity: str, variant: str = "all") -> np.ndarray:
    """(low, mid, high) of one row of the route table."""
    r = routes.loc[(routes["route"] == route) & (routes["variant"] == variant) & (routes["quantity"] == quantity)]
    if len(r) != 1:
        raise KeyError(f"{ROUTES_FILE}: no single row ({route}, {variant}, {quantity})")
    return r[["low", "mid", "high"]].to_numpy(dtype=float)[0]


def _by_variant(routes: pd.DataFrame, route: str, quantity: str) -> pd.DataFrame:
    r = routes.loc[(routes["route"] == route) & (routes["quantity"] == quantity) & (routes["variant"] != "all")]
    return r.set_index("variant")[["low", "mid", "high"]]


def _frame(fips: pd.Series, route: str, variant: pd.Series | str, years: np.ndarray, mw: np.ndarray,
           fixed: np.ndarray, per_mw: np.ndarray, basis: pd.Series) -> pd.DataFrame:
    """Rows of county_routes.csv; ``years`` is (n, 3): low, mid, high."""
    return pd.DataFrame({
        "county_fips": fips.to_numpy(), "route": route,
        "variant": variant if isinstance(variant, str) else variant.to_numpy(),
        "first_power_years": years[:, 1], "first_power_years_low": years[:, 0], "first_power_years_high": years[:, 2],
        "max_mw": mw, "fixed_cost_usd": fixed, "usd_per_mw": per_mw, "cost_usd": fixed + per_mw * mw,
        "basis": basis.to_numpy(),
    })  # fmt: skip


def county_routes(data: Path, routes: pd.DataFrame) -> pd.DataFrame:
    """Per county, the routes and their first-power years, MW and costs (vectorised over counties)."""
    sub = pd.read_csv(data / "county_substation.csv", dtype={"county_fips": str})
    ehv = pd.read_csv(data / "county_ehv_line.csv", dtype={"county_fips": str}).set_index("county_fips")
    ttp = pd.read_csv(data / "county_time_to_power.csv", dtype={"county_fips": str}).set_index("county_fips")
    mult = pd.read_csv(data / "county_capex_multiplier.csv", dtype={"county_fips": str}).set_index("county_fips")
    fips = sub["county_fips"]
    n = len(fips)
    ones = np.ones((n, 1))
    factor = _param(routes, "existing_substation", "route_factor")[1]
    parts = []

    # existing_substation: the highest class whose nearest SUBSTATION (not line: classes 4-6 use the
    # substation_km_* columns) is within max_spur_km of the county's representative point.
    max_km = _param(routes, "existing_substation", "max_spur_km")[1]
    km = np.column_stack([
        sub[f"substation_km_{k}" if f"substation_km_{k}" in sub else f"km_class_{k}"].to_numpy(float)
        for k in EXISTING_CLASSES
    ])  # fmt: skip
    within = km <= max_km
    has = within.any(axis=1)
    best = np.where(has, len(EXISTING_CLASSES) - 1 - np.argmax(within[:, ::-1], axis=1), -1)
    idx = np.flatnonzero(has)
    k_best = best[idx]
    km_best = km[idx, k_best]
    spare = _by_variant(routes, "existing_substation", "spare_mw")
    bay = _by_variant(routes, "existing_substation", "bay_usd")
    spur = _by_variant(routes, "existing_substation", "spur_usd_per_km")
    nonfirm = _by_variant(routes, "flexible_interim", "nonfirm_mw")
    kv = {k: v for k, v in zip(EXISTING_CLASSES, spare.index)}
    variant = pd.Series([kv[k] for k in k_best])
    conn_usd = bay.loc[variant, "mid"].to_numpy() + spur.loc[variant, "mid"].to_numpy() * km_best * factor
    ex_years = _param(routes, "existing_substation", "years")
    basis = pd.Series([f"substation class {k} at {d:.1f} km" for k, d in zip(k_best, km_best)])
    f = fips.iloc[idx].reset_index(drop=True)
    parts.append(_frame(f, "existing_substation", variant, ones[idx] * ex_years, spare.loc[variant, "mid"].to_numpy(),
                        conn_usd, np.zeros(len(idx)), basis))
    fl_years = np.maximum(_param(routes, "flexible_interim", "years"), ex_years)
    parts.append(_frame(f, "flexible_interim", variant, ones[idx] * fl_years, nonfirm.loc[variant, "mid"].to_numpy(),
                        conn_usd, np.zeros(len(idx)), basis))

    # new_substation_line and firm_queue: one row per EHV voltage variant that another variant does not
    # dominate (at least as many MW, no later, no dearer).
    sub_y = _param(routes, "new_substation_line", "substation_years")
    line_y = _param(routes, "new_substation_line", "line_years")
    tap = _param(routes, "new_substation_line", "tap_km")[1]
    max_line = _param(routes, "new_substation_line", "max_line_km")[1]
    dmw = _by_variant(routes, "new_substation_line", "deliverable_mw")
    dsub = _by_variant(routes, "new_substation_line", "substation_usd")
    dline = _by_variant(routes, "new_substation_line", "line_usd_per_km")
    q_lo = (routes.loc[(routes["route"] == "firm_queue")].set_index("variant"))
    region = ttp.loc[fips, "region"].to_numpy()
    q = q_lo.loc[region, ["low", "mid", "high"]].to_numpy(float)
    big = []
    for v, (col, _) in EHV_VARIANTS.items():
        d = ehv.loc[fips, col].to_numpy(float)
        long_line = (d > tap)[:, None]
        years = np.where(long_line, line_y[None, :], sub_y[None, :])
        cost = float(dsub.loc[v, "mid"]) + float(dline.loc[v, "mid"]) * d * factor
        big.append(pd.DataFrame({"i": np.arange(n), "variant": v, "km": d, "mw": float(dmw.loc[v, "mid"]),
                                 "cost": cost, "y_lo": years[:, 0], "y": years[:, 1], "y_hi": years[:, 2]}))
    b = pd.concat(big, ignore_index=True)
    b = b.loc[b["km"] <= max_line].reset_index(drop=True)
    # dominated: another variant of the same county with mw >= and cost <= and years <= (one strictly better)
    m = b.merge(b, on="i", suffixes=("", "_o"))
    m = m.loc[m["variant"] != m["variant_o"]]
    dom = (m["mw_o"] >= m["mw"]) & (m["cost_o"] <= m["cost"]) & (m["y_o"] <= m["y"]) & (
        (m["mw_o"] > m["mw"]) | (m["cost_o"] < m["cost"]) | (m["y_o"] < m["y"]))
    dominated = set(zip(m.loc[dom, "i"], m.loc[dom, "variant"]))
    keep = ~pd.Series([(i, v) in dominated for i, v in zip(b["i"], b["variant"])])
    b = b.loc[keep.to_numpy()].sort_values(["i", "variant"], key=lambda s: s.map({"kv230": 0, "kv345": 1, "kv500": 2})
                                          if s.name == "variant" else s).reset_index(drop=True)
    bf = fips.iloc[b["i"]].reset_index(drop=True)
    yrs = b[["y_lo", "y", "y_hi"]].to_numpy(float)
    kind = np.where(b["km"].to_numpy() > tap, "new line", "tap")
    nb = pd.Series([f"line at {d:.1f} km ({k})" for d, k in zip(b["km"], kind)])
    parts.append(_frame(bf, "new_substation_line", b["variant"], yrs, b["mw"].to_numpy(), b["cost"].to_numpy(),
                        np.zeros(len(b)), nb))
    qi = q[b["i"].to_numpy()]
    reg = pd.Series(region[b["i"].to_numpy()])
    parts.append(_frame(bf, "firm_queue", b["variant"], np.maximum(qi, yrs), b["mw"].to_numpy(), b["cost"].to_numpy(),
                        np.zeros(len(b)), "queue " + reg + "; " + nb))

    # onsite_gas: per MW at the county's gas CT capital-cost multiplier, with the reserve units.
    capex = _param(routes, "onsite_gas", "capex_usd_per_kw")[1]
    reserve = _param(routes, "onsite_gas", "reserve_share")[1]
    gmw = _param(routes, "onsite_gas", "max_mw")[1]
    gm = mult.loc[fips, "gas_ct"].to_numpy(float)
    per_mw = capex * 1000.0 * (1.0 + reserve) * gm
    parts.append(_frame(fips.reset_index(drop=True), "onsite_gas", "all", ones * _param(routes, "onsite_gas", "years"),
                        np.full(n, gmw), np.zeros(n), per_mw, pd.Series([f"gas CT x{g:.3f}" for g in gm])))

    out = pd.concat(parts, ignore_index=True)
    order = {r: i for i, r in enumerate(["existing_substation", "flexible_interim", "new_substation_line", "firm_queue",
                                         "onsite_gas"])}
    vorder = {v: i for i, v in enumerate(["all"] + list(spare.index) + list(EHV_VARIANTS))}
    out = out.assign(_r=out["route"].map(order), _v=out["variant"].map(vorder))
    out = out.sort_values(["county_fips", "_r", "_v"], kind="stable").drop(columns=["_r", "_v"]).reset_index(drop=True)
    for c in ("first_power_years", "first_power_years_low", "first_power_years_high", "max_mw"):
        out[c] = out[c].astype(float).round(3)
    for c in ("fixed_cost_usd", "usd_per_mw", "cost_usd"):
        out[c] = out[c].astype(float).round(0).astype("int64")
    return out[COUNTY_COLUMNS]


def build(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    routes = route_table(data)
    return routes, county_routes(data, routes)


def _text(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = ap.parse_args(argv)
    routes, county = build(args.data)
    files = {ROUTES_FILE: _text(routes), COUNTY_FILE: _text(county)}
    if args.check:
        bad = [name for name, text in files.items() if (args.data / name).read_text() != text]
        for name in bad:
            print(f"{args.data / name}: differs from what {Path(__file__).name} builds", file=sys.stderr)
        return 1 if bad else 0
    for name, text in files.items():
        (args.data / name).write_text(text)
    print(f"wrote {ROUTES_FILE} ({len(routes)} rows), {COUNTY_FILE} ({len(county)} rows, "
          f"{county['county_fips'].nunique()} counties)")
    print(county.groupby("route")[["first_power_years", "max_mw", "cost_usd"]].median().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
