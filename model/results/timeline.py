"""Results over time of a multi-year run (docs/pathway.md): the timeline per calendar year, each site's
energisation and route to power, the investor's NPV / IRR / payback / peak capital, the plots and the
report section. Everything is read from the one model (the root's money, the year blocks' campuses).

The cash flows in ``timeline.csv`` are what the NPV is made of: per calendar year, at its start debt
drawn less capex (``cash_flow_start_usd``), at its end revenue less opex less debt service
(``cash_flow_end_usd``), and at the horizon end the residual value of the assets less the debt still
owed (the ``horizon end`` row). :func:`investor_figures` reads exactly these columns, so anyone can
recompute the figures from the CSV alone: the NPV and IRR with the horizon value and without it (the
``residual_value_usd`` of the horizon-end row taken out), and the debt-service coverage ``dscr`` of every
calendar year that services debt, (revenue - opex) / debt service.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.geo import OUTPUT_CRS
from model.core.units import USD_PER_MUSD, annuity_factor, capital_recovery_factor
from model.milp.components.routes import routes_of
from model.milp.components.time import RESIDUAL_PARTS, connection_years, debt_terms
from model.milp.model_data import SitingModel
from model.results.html import data_uri_png, render
from model.results.report import card, timeline_context

SOURCES = ("firm", "bridge", "flexible")


def _v(x: Any) -> float:
    value = pyo.value(x, exception=False)
    return 0.0 if value is None else float(value)


def opened_sites(sm: SitingModel) -> list[str]:
    """Sites open at the horizon end (sites stay open once opened)."""
    last = sm.final.m
    return [s for s in sm.data.sets.SITES if round(_v(last.build[s])) == 1]


def site_years_table(sm: SitingModel) -> pd.DataFrame:
    """One row per opened site and model year: capacity, MW online by route, GPUs and PFLOPS online."""
    data, m = sm.data, sm.m
    t = data.time
    assert t is not None
    rows = []
    zone_of = data.supply.zone_of if data.supply is not None else {}
    state = data.sites["state"].astype(str)
    for s in opened_sites(sm):
        for y, ym in sm.years.items():
            b = ym.m
            r = routes_of(ym.data)  # the year's routes (none in an hourly year): what the block created
            on_bridge = r is not None and r.bridge_ok(y, s)
            bridge = _v(b.bridge_mw[s]) if on_bridge else 0.0
            flex = _v(b.flex_mw[s]) if r is not None and r.flex_ok(s, y) else 0.0
            facility = _v(b.facility_mw[s])
            row = {
                "site_id": s, "year": y, "state": state[s], "zone": zone_of.get(s, ""),
                "open": round(_v(b.build[s])), "capacity_mw": _v(m.cap_mw[s, y]), "it_mw": _v(b.it_mw[s]),
                "facility_mw": facility, "firm_mw": max(0.0, facility - bridge - flex), "bridge_mw": bridge,
                "flexible_mw": flex,
                "bridge_capacity_mw": _v(b.bridge_cap_mw[s]) if on_bridge else 0.0,
                "pflops_online": _v(b.site_pflops[s]),
            }
            gpus = 0.0
            for g in data.sets.GPUS:
                n = data.block_gpus[g] * _v(b.blocks[s, g])
                row[f"gpus_{g}"] = n
                gpus += n
            row["gpus_online"] = gpus
            rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        num = out.select_dtypes("number").columns
        out[num] = out[num].where(out[num].abs() > 1e-7, 0.0)
    return out


def installs_table(sm: SitingModel) -> pd.DataFrame:
    """Every GPU vintage installed: site, type, year, blocks (continuous and rounded down), retirement year."""
    data, m = sm.data, sm.m
    t = data.time
    assert t is not None
    life = data.inputs.gpus["life_years"].astype(float)
    rows = []
    for s, g, v in m.INSTALLS:
        blocks = _v(m.install[s, g, v])
        if blocks <= 1e-7:
            continue
        rows.append({
            "site_id": s, "gpu": g, "vintage": v, "blocks": blocks, "blocks_rounded": math.floor(blocks + 1e-6),
            "gpus": blocks * data.block_gpus[g], "retires": int(math.ceil(v + life[g] - 1e-9)),
            "capex_usd": blocks * sm.at(v).data.gpu_price_factor[s] * t.price_musd[g, v] * USD_PER_MUSD,
        })
    return pd.DataFrame(rows, columns=["site_id", "gpu", "vintage", "blocks", "blocks_rounded", "gpus", "retires", "capex_usd"])


def equity_schedule(capex: np.ndarray, debt: np.ndarray, net_end: np.ndarray) -> np.ndarray:
    """The least equity per calendar year that keeps cash non-negative given the debt drawn: inject at a
    year's start only what capex less debt less cash carried leaves unpaid; surplus is carried."""
    cash, out = 0.0, np.zeros(len(capex))
    for i in range(len(capex)):
        cash += debt[i] - capex[i]
        if cash < 0:
            out[i], cash = -cash, 0.0
        cash += net_end[i]
        if cash < 0:  # opex beyond revenue at the end of a year is funded at that year's start
            out[i] -= cash
            cash = 0.0
    return out


CAPEX_PARTS = ("gpu", "site", "build", "connection", "bridge", "generation")


def timeline_table(sm: SitingModel, site_years: pd.DataFrame) -> pd.DataFrame:
    """Per calendar year (a model year's flows repeat for the calendar years it stands for; capex at its
    first): MW online by state and zone, GPUs online by vintage, capex, opex, revenue, debt and the
    cash flows, then a ``horizon end`` row with the residual value less the debt left."""
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    cfg = t.cfg
    horizon = sm.horizon
    years = horizon.years
    pay, left = debt_terms(sm)
    rows = []
    if len(site_years):
        by_state = site_years.pivot_table(index="year", columns="state", values="facility_mw", aggfunc="sum", fill_value=0.0)
        zoned = site_years.loc[site_years["zone"] != ""]
        by_zone = zoned.pivot_table(index="year", columns="zone", values="facility_mw", aggfunc="sum", fill_value=0.0) if len(zoned) else pd.DataFrame()
    else:
        by_state = by_zone = pd.DataFrame()
    installs = [(s, g, v) for s, g, v in m.INSTALLS if _v(m.install[s, g, v]) > 1e-7]
    vintage_cols = {f"gpus_{g}_{v}": (g, v) for _, g, v in installs}
    debt_draw = {y: _v(m.debt_musd[y]) * USD_PER_MUSD for y in years}
    capex_parts = {"gpu": m.capex_gpu_musd, "site": m.capex_site_musd, "build": m.capex_build_musd,
                   "connection": m.capex_connection_musd, "bridge": m.capex_bridge_musd, "generation": m.capex_generation_musd}
    for c in horizon.calendar:
        y = horizon.period_of[c]
        first = c == y
        here = site_years.loc[site_years["year"] == y] if len(site_years) else site_years
        row: dict[str, Any] = {"year": c, "model_year": y}
        row["it_mw_online"] = _v(m.it_mw_online[y])
        row["facility_mw_online"] = float(here["facility_mw"].sum()) if len(here) else 0.0
        for src, col in zip(SOURCES, ("firm_mw", "bridge_mw", "flexible_mw")):
            row[f"{src}_mw"] = float(here[col].sum()) if len(here) else 0.0
        row["pflops_online"] = _v(m.pflops_online[y])
        row["sites_open"] = int(here["open"].sum()) if len(here) else 0
        for part in CAPEX_PARTS:
            row[f"capex_{part}_usd"] = _v(capex_parts[part][y]) * USD_PER_MUSD if first else 0.0
        row["capex_usd"] = _v(m.capex_musd[y]) * USD_PER_MUSD if first else 0.0
        row["energy_usd"] = _v(sm.at(y).m.energy_cost_musd_per_year_total) * USD_PER_MUSD
        row["om_usd"] = _v(m.om_musd_per_year[y]) * USD_PER_MUSD
        row["opex_usd"] = _v(m.opex_musd_per_year[y]) * USD_PER_MUSD
        row["revenue_usd"] = _v(m.revenue_musd_per_year[y]) * USD_PER_MUSD
        row["debt_drawn_usd"] = debt_draw[y] if first else 0.0
        row["debt_service_usd"] = sum(pay.get((v, c), 0.0) * debt_draw[v] for v in years)
        row["co2_t"] = _v(m.co2_t_per_year[y])
        row["cash_flow_start_usd"] = row["debt_drawn_usd"] - row["capex_usd"]
        row["cash_flow_end_usd"] = row["revenue_usd"] - row["opex_usd"] - row["debt_service_usd"]
        row["cash_flow_usd"] = row["cash_flow_start_usd"] + row["cash_flow_end_usd"]
        row["discount_factor_start"] = horizon.df_start(c)
        row["discount_factor_end"] = horizon.df_end(c)
        for st in by_state.columns:
            row[f"mw_{st}"] = float(by_state.at[y, st]) if y in by_state.index else 0.0
        for zn in by_zone.columns:
            row[f"mw_zone_{zn}"] = float(by_zone.at[y, zn]) if y in by_zone.index else 0.0
        for col, (g, v) in vintage_cols.items():
            alive = v in t.alive[g, y]
            row[col] = sum(data.block_gpus[g] * _v(m.install[s, g, v]) for s, g2, v2 in installs if g2 == g and v2 == v) if alive else 0.0
        rows.append(row)
    out = pd.DataFrame(rows)
    equity = equity_schedule(out["capex_usd"].to_numpy(), out["debt_drawn_usd"].to_numpy(), out["cash_flow_end_usd"].to_numpy())
    out.insert(out.columns.get_loc("debt_drawn_usd"), "equity_drawn_usd", equity)
    residual = _v(m.residual_musd) * USD_PER_MUSD
    debt_left = sum(left[v] * debt_draw[v] for v in years)
    end = {c: 0.0 for c in out.columns if c not in ("year", "model_year")}
    end |= {"year": horizon.horizon_end, "model_year": horizon.horizon_end, "residual_value_usd": residual,
            "debt_repaid_usd": debt_left, "cash_flow_start_usd": residual - debt_left, "cash_flow_usd": residual - debt_left,
            "discount_factor_start": horizon.df_start(horizon.horizon_end), "discount_factor_end": 0.0}
    out["residual_value_usd"] = 0.0
    out["debt_repaid_usd"] = 0.0
    out = pd.concat([out, pd.DataFrame([end])], ignore_index=True)
    out.insert(2, "row", ["year"] * (len(out) - 1) + ["horizon end"])
    # Solver noise (|x| < 1e-3 $ or MW) is shown as 0; discount factors are kept as they are.
    noisy = [c for c in out.select_dtypes("number").columns if not c.startswith("discount_factor")]
    out[noisy] = out[noisy].where(out[noisy].abs() >= 1e-3, 0.0)
    # Debt balance outstanding after each year's payments (amortising at the interest rate).
    crf = capital_recovery_factor(cfg.interest_rate, cfg.debt_tenor_years)
    balance = []
    for c in out["year"]:
        bal = 0.0
        for v in years:
            if v <= c < horizon.horizon_end:
                paid = min(cfg.debt_tenor_years, c - v + 1)
                bal += debt_draw[v] * crf * annuity_factor(cfg.interest_rate, cfg.debt_tenor_years - paid)
        balance.append(bal)
    out["debt_balance_usd"] = balance
    out["dscr"] = dscr(out)
    return out


DSCR_MIN_SERVICE_USD = 100.0


def dscr(timeline: pd.DataFrame) -> pd.Series:
    """Debt-service coverage per calendar year: (revenue - opex) / debt service where a year services debt
    (NaN elsewhere and on the horizon-end row, whose repayment of the balance left is not service)."""
    service = timeline["debt_service_usd"].astype(float)
    # Below $100 a year is solver noise on a debt draw of ~0 (the model works in M$ to ~1e-6), not a loan.
    cover = (timeline["revenue_usd"].astype(float) - timeline["opex_usd"].astype(float)) / service.where(service > DSCR_MIN_SERVICE_USD)
    return cover.where(timeline["row"] == "year") if "row" in timeline else cover


def cash_instants(timeline: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Net cash flow at each instant t (years from the start): a year's start flows plus the previous
    year's end flows; the horizon-end row's at the last instant."""
    years = timeline["year"].to_numpy(dtype=float)
    t0 = years[0]
    start = timeline["cash_flow_start_usd"].to_numpy(dtype=float)
    end = timeline["cash_flow_end_usd"].to_numpy(dtype=float)
    times = years - t0
    flows = start.copy()
    flows[1:] += end[:-1]
    return times, flows


def npv(times: np.ndarray, flows: np.ndarray, rate: float) -> float:
    return float(np.sum(flows * (1.0 + rate) ** -times))


# Rates the IRR is searched over: -99 % to 1,000 %, finer below 100 %.
IRR_GRID = np.concatenate([np.linspace(-0.99, 1.0, 797), np.linspace(1.0, 10.0, 361)[1:]])


def irr(times: np.ndarray, flows: np.ndarray) -> float | None:
    """The rate where the NPV is zero, None unless there is exactly one between -99 % and 1,000 % and the NPV
    falls through it (an investment's return, not a loan's cost).

    Cash flows that change sign more than once (e.g. capex, revenue, then the debt left repaid at the horizon
    end) can have several IRRs, none, or one at which the NPV rises with the rate (then a higher "IRR" would
    mean a worse plan); the NPV is scanned on :data:`IRR_GRID` and only a single falling sign change is
    refined by bisection."""
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.array([npv(times, flows, r) for r in IRR_GRID])
    ok = np.isfinite(values) & (values != 0.0)
    rates, signs = IRR_GRID[ok], np.sign(values[ok])
    changes = np.flatnonzero(signs[1:] != signs[:-1])
    if len(changes) != 1 or signs[changes[0]] < 0:
        return None
    lo, hi = float(rates[changes[0]]), float(rates[changes[0] + 1])
    f_lo = npv(times, flows, lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv(times, flows, mid)
        if f_lo * f_mid <= 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return 0.5 * (lo + hi)


def site_capex_table(sm: SitingModel, sites: list[str]) -> pd.DataFrame:
    """Capex per opened site over the horizon, by part (undiscounted; the parts of sites.gpkg)."""
    m, data = sm.m, sm.data
    t = data.time
    assert t is not None
    horizon = sm.horizon
    prev = horizon.before
    costs = data.costs
    pue = data.sites["pue"].astype(float)
    pay_year = connection_years(sm)
    last = sm.final.m
    rows = []
    for s in sites:
        cap = {y: _v(m.cap_mw[s, y]) for y in horizon.years}
        added = {y: max(0.0, cap[y] - (cap[prev[y]] if y in prev else 0.0)) for y in horizon.years}
        shell_per_mw = costs.shell_usd_per_mw / float(pue[s])
        build_per_mw = t.build_musd_per_mw[s] * USD_PER_MUSD
        # Tax and policy factors of the year each purchase is made in.
        other = {y: sm.at(y).data.facility_capex_factor[s] for y in horizon.years}
        shell = sum(added[y] * shell_per_mw * other[y] for y in horizon.years)
        opened = next((y for y in horizon.years if round(_v(sm.at(y).m.build[s])) == 1), horizon.first)
        gpu = sum(sm.at(v).data.gpu_price_factor[s] * t.price_musd[g, v] * _v(m.install[s, g, v]) for g, v in t.vintages) * USD_PER_MUSD
        conn = 0.0
        if data.supply is not None:
            conn = sum(data.supply.connection_cost_musd[s, c] * _v(last.connect[s, c]) for s2, c in data.sets.SITES_CONNECTIONS if s2 == s)
        conn += sum(data.tier_cost_musd[k] * _v(last.upgrade[s, k]) for s2, k in data.sets.SITES_TIERS if s2 == s)
        bridge = 0.0
        if t.routes is not None and t.routes.bridge_year is not None:
            peak = max((_v(sm.at(y).m.bridge_cap_mw[s]) for y in horizon.years if t.routes.bridge_ok(y, s)), default=0.0)
            bridge = peak * t.routes.bridge_capex_usd_per_mw(s)
        rows.append({
            "site_id": s,
            "capex_site_usd": other[opened] * costs.site_fixed_usd,
            "capex_shell_usd": shell,
            "capex_land_usd": sum(added.values()) * (build_per_mw - shell_per_mw),
            "capex_gpu_usd": gpu,
            "capex_interconnect_usd": conn * USD_PER_MUSD,
            "capex_bridge_usd": bridge,
            "first_year_online": next((y for y in horizon.years if _v(sm.at(y).m.facility_mw[s]) > 1e-6), None),
            "connection_year": pay_year[s],
        })
    out = pd.DataFrame(rows).set_index("site_id") if rows else pd.DataFrame(columns=["site_id"]).set_index("site_id")
    parts = [c for c in out.columns if c.startswith("capex_")]
    out["capex_usd"] = out[parts].sum(axis=1) if len(out) else 0.0
    return out


@dataclass(frozen=True)
class TimelineResults:
    """The tables of a multi-year solution (written as timeline.csv, sites_timeline.csv, pathway_sites.csv,
    installs.csv)."""

    site_years: pd.DataFrame
    timeline: pd.DataFrame
    sites: pd.DataFrame
    installs: pd.DataFrame


def timeline_results(sm: SitingModel) -> TimelineResults:
    site_years = site_years_table(sm)
    timeline = timeline_table(sm, site_years)
    return TimelineResults(site_years=site_years, timeline=timeline, sites=sites_summary(site_years, sm),
                           installs=installs_table(sm))


# summary.json horizon_value_basis: what the value of the assets at the horizon end is (pathway.terminal_value).
HORIZON_VALUE_BASIS = {
    "market": ("market value at the horizon end, discounted to the start: GPUs at their remaining net earning power "
               "(rental path x utilisation less energy and O&M over their remaining life, discounted at the equity rate), "
               "buildings, grid connections, turbines and plants at depreciated replacement cost (straight line in real "
               "prices), land at cost"),
    "book": "straight-line book value of every asset at the horizon end, discounted to the start",
    "none": "none: the assets are worth nothing at the horizon end",
}
REVENUE_BASIS = {
    "contract": "contract: the roadmap's on-demand rental path less {discount:.0%}, {utilisation:.0%} of GPU-hours billed",
    "on_demand": "on-demand: the roadmap's rental path, {utilisation:.0%} of GPU-hours sold",
}


def time_summary(sm: SitingModel, tl: TimelineResults) -> dict[str, Any]:
    """The summary keys of a multi-year run: by-year series, the investor's figures and money totals
    over the horizon (they replace the one-period money keys; physical keys are at the horizon end)."""
    m = sm.m
    horizon = sm.horizon
    timeline = tl.timeline
    body = timeline.loc[timeline["row"] == "year"]
    model_years = body.drop_duplicates("model_year")
    by_year = lambda col: {int(r.model_year): round(float(getattr(r, col)), 6) for r in model_years.itertuples()}  # noqa: E731
    inv = investor_figures(timeline, horizon.discount_rate)
    df_end = horizon.df_start(horizon.horizon_end)
    horizon_value = float(_v(m.residual_musd)) * USD_PER_MUSD * df_end
    by_part = {part: float(_v(m.component(f"residual_{part}_musd"))) * USD_PER_MUSD * df_end for part in RESIDUAL_PARTS}
    cover = dscr(timeline)
    sites = tl.sites
    installs = tl.installs
    t = sm.data.time
    assert t is not None
    capex_parts = {part: float(body[f"capex_{part}_usd"].sum()) for part in CAPEX_PARTS}
    return {
        "kind": "multi_year",
        "years": list(horizon.years),
        "first_year": horizon.first,
        "last_year": horizon.last,
        "horizon_end": horizon.horizon_end,
        "it_mw_online_by_year": by_year("it_mw_online"),
        "facility_mw_online_by_year": by_year("facility_mw_online"),
        "pflops_online_by_year": by_year("pflops_online"),
        "capex_usd_by_year": {int(r.model_year): float(r.capex_usd) for r in model_years.itertuples()},
        "revenue_usd_by_year": by_year("revenue_usd"),
        "opex_usd_by_year": by_year("opex_usd"),
        "co2_t_by_year": by_year("co2_t"),
        "investor": inv,
        "npv_usd": inv["npv_usd"],
        "npv_excl_horizon_value_usd": inv["npv_usd"] - horizon_value,
        "horizon_value_usd": horizon_value,
        "horizon_value_at_end_usd": float(_v(m.residual_musd)) * USD_PER_MUSD,
        "horizon_value_by_part_usd": by_part,
        "horizon_value_basis": HORIZON_VALUE_BASIS[t.cfg.terminal_value],
        "irr": inv["irr"],
        "irr_excl_horizon_value": inv["irr_excl_horizon_value"],
        "dscr_min": inv["dscr_min"],
        "dscr_by_year": {int(y): float(v) for y, v in zip(timeline["year"], cover) if np.isfinite(v)},
        "revenue_basis": REVENUE_BASIS[t.cfg.revenue].format(discount=t.cfg.contract_discount, utilisation=t.cfg.utilisation),
        "npv_model_usd": float(_v(m.npv_musd)) * USD_PER_MUSD,
        "cost_pv_usd": float(_v(m.cost_pv_musd)) * USD_PER_MUSD,
        "pflops_years_discounted": float(_v(m.pflops_years_discounted)),
        "final_it_mw_online": float(model_years["it_mw_online"].iloc[-1]) if len(model_years) else 0.0,
        "sites_by_first_source": sites["first_source"].value_counts().sort_index().to_dict() if len(sites) else {},
        "gpus_installed_by_type": installs.groupby("gpu")["gpus"].sum().round(3).to_dict() if len(installs) else {},
        "capex_usd": float(body["capex_usd"].sum()),
        "capex_usd_by_part": capex_parts,
        "energy_opex_pv_usd": float((body["opex_usd"] * body["discount_factor_end"]).sum()),
        "total_cost_usd": float(_v(m.cost_pv_musd)) * USD_PER_MUSD,  # PV of capex + opex less residual value
        "revenue_usd": float(body["revenue_usd"].sum()),
        "opex_usd": float(body["opex_usd"].sum()),
        "co2_t": float(body["co2_t"].sum()),
        "rounding": rounding_error(installs, sm) if not t.cfg.integer_blocks else {"integer_blocks": True},
    }


def sites_over_time(sites: Any, sm: SitingModel, tl: TimelineResults) -> Any:
    """The horizon-end sites table (sites.gpkg) with each site's capex over the horizon by part, its first
    year online, the year its connection is paid, and its facility MW in every model year."""
    capex = site_capex_table(sm, list(sites.index))
    out = sites.copy()
    for col in capex.columns:
        out[col] = capex[col].reindex(out.index).to_numpy()
    if len(tl.site_years):
        mw = tl.site_years.pivot_table(index="site_id", columns="year", values="facility_mw", aggfunc="sum", fill_value=0.0)
        for y in sm.horizon.years:
            out[f"facility_mw_{y}"] = mw[y].reindex(out.index).fillna(0.0).round(3).to_numpy() if y in mw.columns else 0.0
    if len(tl.sites):
        route = tl.sites.set_index("site_id")["first_source"]
        out["first_route"] = route.reindex(out.index).fillna("").to_numpy()
    return out


def write_timeline(out_dir: Any, summary: Mapping[str, Any], tl: TimelineResults) -> str:
    """timeline.csv, sites_timeline.csv, pathway_sites.csv, installs.csv, timeline.png and gantt.png in
    ``out_dir``; returns the report's timeline section (HTML the tool made, values escaped)."""
    tl.timeline.to_csv(out_dir / "timeline.csv", index=False)
    tl.site_years.to_csv(out_dir / "sites_timeline.csv", index=False)
    tl.sites.to_csv(out_dir / "pathway_sites.csv", index=False)
    tl.installs.to_csv(out_dir / "installs.csv", index=False)
    tl_png = timeline_png(tl.timeline)
    gt_png = gantt_png(tl.sites, tl.site_years)
    (out_dir / "timeline.png").write_bytes(tl_png)
    (out_dir / "gantt.png").write_bytes(gt_png)
    return pathway_section(summary, tl.timeline, tl.sites, tl_png, gt_png)


def investor_figures(timeline: pd.DataFrame, rate: float) -> dict[str, Any]:
    """NPV and IRR with and without the horizon value, payback year, peak capital drawn and the least
    debt-service coverage, from the timeline's columns only."""
    times, flows = cash_instants(timeline)
    end_value = float(timeline["residual_value_usd"].iloc[-1]) if "residual_value_usd" in timeline else 0.0
    flows_excl = flows.copy()
    flows_excl[-1] -= end_value
    cover = dscr(timeline).dropna()
    cumulative = np.cumsum(flows)
    # Payback: the first year-end after which the cumulative cash flow stays non-negative.
    years = timeline["year"].to_numpy()
    payback = None
    if cumulative[-1] >= 0 and (cumulative < 0).any():
        last_negative = int(np.flatnonzero(cumulative < 0)[-1])
        # Instant k+1 is the end of calendar year years[k + 1] - 1.
        payback = int(years[last_negative + 1] - 1) if last_negative + 1 < len(years) else None
    body = timeline.loc[timeline["row"] == "year"]
    capital = np.cumsum(body["equity_drawn_usd"].to_numpy()) + body["debt_balance_usd"].to_numpy()
    return {
        "npv_usd": npv(times, flows, rate),
        "irr": irr(times, flows),
        "npv_excl_horizon_value_usd": npv(times, flows_excl, rate),
        "irr_excl_horizon_value": irr(times, flows_excl),
        "dscr_min": float(cover.min()) if len(cover) else None,
        "payback_year": payback,
        "peak_capital_drawn_usd": float(capital.max()) if len(capital) else 0.0,
        "equity_drawn_usd": float(body["equity_drawn_usd"].sum()),
        "debt_drawn_usd": float(body["debt_drawn_usd"].sum()),
        "discount_rate": rate,
    }


SITE_SUMMARY_COLUMNS = ["site_id", "state", "county_name", "zone", "open_year", "energised_year", "first_source", "sources",
                        "firm_year", "capacity_mw", "max_facility_mw", "max_it_mw", "bridge_capacity_mw", "connection"]


def sites_summary(site_years: pd.DataFrame, sm: SitingModel) -> pd.DataFrame:
    """One row per site that opens: open year, first year with MW online and its route, the firm year,
    the capacity and MW reached, the bridge capacity and the grid connection chosen."""
    data = sm.data
    t = data.time
    assert t is not None
    routes = t.routes
    rows = []
    pts = data.sites.geometry.representative_point().to_crs(OUTPUT_CRS) if hasattr(data.sites, "geometry") else None
    cols = {"firm": "firm_mw", "bridge": "bridge_mw", "flexible": "flexible_mw"}
    if site_years.empty:  # nothing opened: an empty table with the columns readers expect
        return pd.DataFrame(columns=SITE_SUMMARY_COLUMNS)
    for s, g in site_years.groupby("site_id", sort=False):
        if g["open"].max() < 1:
            continue
        on = g.loc[g["facility_mw"] > 1e-6]
        first = on.iloc[0] if len(on) else None
        source = max(SOURCES, key=lambda k: float(first[cols[k]])) if first is not None else ""
        used = [k for k in SOURCES if g[cols[k]].max() > 1e-6]
        row = {
            "site_id": s, "state": g["state"].iloc[0], "county_name": str(data.sites.at[s, "county_name"]),
            "zone": g["zone"].iloc[0], "open_year": int(g.loc[g["open"] >= 1, "year"].min()),
            "energised_year": int(first["year"]) if first is not None else None, "first_source": source,
            "sources": "+".join(used), "firm_year": _firm_year(sm, s),
            "capacity_mw": float(g["capacity_mw"].max()), "max_facility_mw": float(g["facility_mw"].max()),
            "max_it_mw": float(g["it_mw"].max()), "bridge_capacity_mw": float(g["bridge_capacity_mw"].max()),
            "connection": _connection(sm, s),
        }
        if pts is not None:
            row["lon"], row["lat"] = float(pts[s].x), float(pts[s].y)
        rows.append(row)
    return pd.DataFrame(rows)


def _firm_year(sm: SitingModel, s: str) -> int | None:
    """The first year the site's chosen grid connection can deliver firm power (queue basis: its queue year)."""
    t = sm.data.time
    if t is None or t.routes is None:
        return None
    r = t.routes
    if not r.by_routes:
        return r.firm_year[s]
    chosen = [c for s2, c in sm.data.sets.SITES_CONNECTIONS if s2 == s and _v(sm.final.m.connect[s2, c]) > 0.5]
    return min((r.option_year[s, c] for c in chosen), default=None)


def _connection(sm: SitingModel, s: str) -> str:
    last, sets = sm.final.m, sm.data.sets
    if sm.data.supply is not None:
        chosen = [c for s2, c in sets.SITES_CONNECTIONS if s2 == s and _v(last.connect[s2, c]) > 0.5]
        return "+".join(chosen)
    chosen = [k for s2, k in sets.SITES_TIERS if s2 == s and _v(last.upgrade[s2, k]) > 0.5]
    return f"headroom+{chosen[0]}" if chosen else "headroom"


def rounding_error(installs: pd.DataFrame, sm: SitingModel) -> dict[str, float]:
    """Continuous block counts rounded down to whole blocks: what that costs in PFLOPS-years (undiscounted,
    over the vintages' lives inside the horizon) and saves in GPU capex, as shares."""
    if installs.empty:
        return {"blocks": 0.0, "blocks_rounded": 0.0, "pflops_years_share_lost": 0.0, "gpu_capex_share_saved": 0.0}
    calendar = sm.horizon.calendar
    years_alive = installs.apply(lambda r: sum(1 for c in calendar if r["vintage"] <= c < r["retires"]), axis=1)
    pflops = installs["gpu"].map(sm.data.block_pflops)
    full = float((installs["blocks"] * pflops * years_alive).sum())
    rounded = float((installs["blocks_rounded"] * pflops * years_alive).sum())
    capex = float(installs["capex_usd"].sum())
    capex_rounded = float((installs["capex_usd"] * installs["blocks_rounded"] / installs["blocks"]).sum())
    return {
        "blocks": float(installs["blocks"].sum()), "blocks_rounded": float(installs["blocks_rounded"].sum()),
        "pflops_years_share_lost": (full - rounded) / full if full > 0 else 0.0,
        "gpu_capex_share_saved": (capex - capex_rounded) / capex if capex > 0 else 0.0,
    }


# --- plots --------------------------------------------------------------------------------------------

def timeline_png(timeline: pd.DataFrame, dpi: int = 100) -> bytes:
    """Stacked facility MW online by state over the years (model years, states by final MW)."""
    body = timeline.loc[timeline["row"] == "year"].drop_duplicates("model_year")
    cols = [c for c in body.columns if c.startswith("mw_") and not c.startswith("mw_zone_") and body[c].max() > 1e-6]
    cols = sorted(cols, key=lambda c: -float(body[c].max()))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    # Each model year's MW hold until the next one; the horizon end closes the last step.
    x = np.append(body["model_year"].to_numpy(dtype=float), float(timeline["year"].iloc[-1]))
    if cols:
        top, rest = cols[:10], cols[10:]
        stack = [np.append(body[c].to_numpy(), body[c].to_numpy()[-1]) for c in top]
        labels = [c.removeprefix("mw_") for c in top]
        if rest:
            other = body[rest].sum(axis=1).to_numpy()
            stack.append(np.append(other, other[-1]))
            labels.append("other")
        ax.stackplot(x, *stack, labels=labels, step="post")
        ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.set_xticks(x)
    ax.set_xticklabels([str(int(v)) for v in x])
    ax.set_xlabel("year")
    ax.set_ylabel("facility MW online")
    ax.set_title("MW online by state")
    ax.grid(alpha=0.3)
    return _png(fig, dpi)


def gantt_png(sites: pd.DataFrame, site_years: pd.DataFrame, dpi: int = 100) -> bytes:
    """One bar per site: open (grey), then MW online coloured by its main source each year."""
    colours = {"firm": "#2b6cb0", "bridge": "#dd6b20", "flexible": "#38a169"}
    fig, ax = plt.subplots(figsize=(8, max(2.0, 0.3 * len(sites) + 1.0)))
    if site_years.empty:  # nothing built: an empty chart that says so
        ax.text(0.5, 0.5, "no site is built", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _png(fig, dpi)
    order = sites.sort_values(["energised_year", "open_year", "site_id"], na_position="last") if len(sites) else sites
    years = sorted(site_years["year"].unique())
    step = {y: (b - y) for y, b in zip(years, years[1:])} | ({years[-1]: (years[-1] - years[-2]) if len(years) > 1 else 1} if years else {})
    for i, (_, site) in enumerate(order.iterrows()):
        g = site_years.loc[site_years["site_id"] == site["site_id"]]
        for _, r in g.iterrows():
            if r["open"] < 1:
                continue
            mw = {"firm": r["firm_mw"], "bridge": r["bridge_mw"], "flexible": r["flexible_mw"]}
            main = max(mw, key=lambda k: mw[k])
            colour = colours[main] if mw[main] > 1e-6 else "#cbd5e0"
            ax.barh(i, step[r["year"]], left=r["year"], color=colour, edgecolor="white", height=0.7)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([f"{r.county_name}, {r.state}" for r in order.itertuples()], fontsize=7)
    ax.invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in [*colours.values(), "#cbd5e0"]]
    ax.legend(handles, [*colours.keys(), "open, not energised"], fontsize=7, loc="lower right")
    ticks = [*years, years[-1] + step[years[-1]]] if years else []
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(int(t)) for t in ticks])
    ax.set_xlabel("year")
    ax.set_title("sites: when each opens and what powers it")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig, dpi)


def _png(fig: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# --- report: model/templates/pathway_section.html.j2 (autoescaped) ------------------------------------------


def pathway_context(summary: Mapping[str, Any], timeline: pd.DataFrame, sites: pd.DataFrame,
                    timeline_png_bytes: bytes | None, gantt_png_bytes: bytes | None) -> dict[str, Any]:
    """The pathway section: headline cards, the two plots, sites and the yearly timeline (numbers, not text)."""
    inv = summary.get("investor", {})
    last = summary.get("last_year")
    cards = [
        card("NPV", inv.get("npv_usd"), "usd", sub=[f"at {100 * float(inv.get('discount_rate', 0)):.1f} % (equity, levered)"]),
        card("IRR", inv.get("irr"), "share"),
        card("Payback", inv.get("payback_year"), "text", sub=["year-end cumulative cash turns positive"]),
        card("Peak capital", inv.get("peak_capital_drawn_usd"), "usd", sub=["equity drawn + debt outstanding"]),
        card("MW online", float(summary.get("final_it_mw_online") or 0), "dec0", sub=[f"IT MW in {last}"]),
        card("Sites", summary.get("sites_built", 0), "int", sub=[f"of {summary.get('candidates_screened', 0)} screened candidates"]),
    ]
    images = [{"title": t, "uri": data_uri_png(png)} for t, png in (("MW online by state", timeline_png_bytes),
                                                                    ("Sites over time", gantt_png_bytes)) if png]
    site_table = None
    if len(sites):
        columns = [{"key": k, "header": h, "kind": kind, "fmt": f} for k, h, kind, f in (
            ("site", "site", "", "str"), ("zone", "zone", "", "str"), ("open_year", "opens", "n", "str"),
            ("energised_year", "energised", "n", "text"), ("first_source", "first power", "", "str"),
            ("sources", "sources", "", "str"), ("firm_year", "firm grid from", "n", "str"),
            ("max_facility_mw", "max facility MW", "n", "dec0"), ("bridge_capacity_mw", "bridge MW", "n", "dec0"))]
        rows = [{"cls": "", "cells": {"site": f"{r.county_name}, {r.state}", "zone": str(r.zone), "open_year": str(r.open_year),
                                      "energised_year": r.energised_year or None, "first_source": str(r.first_source),
                                      "sources": str(r.sources), "firm_year": str(r.firm_year),
                                      "max_facility_mw": r.max_facility_mw, "bridge_capacity_mw": r.bridge_capacity_mw}}
                for r in sites.itertuples()]
        site_table = {"columns": columns, "rows": rows, "foot": None, "narrow": False}
    years = timeline.loc[timeline["row"] == "year", ["year", "it_mw_online", "firm_mw", "bridge_mw", "flexible_mw", "capex_usd",
                                                      "opex_usd", "revenue_usd", "cash_flow_usd"]]
    return {
        "first_year": summary.get("first_year"),
        "last_year": last,
        "cards": cards,
        "images": images,
        "sites": site_table,
        "timeline": timeline_context(years),
    }


def pathway_section(summary: Mapping[str, Any], timeline: pd.DataFrame, sites: pd.DataFrame,
                    timeline_png_bytes: bytes | None, gantt_png_bytes: bytes | None) -> str:
    """The pathway section of a report (``pathway_section.html.j2`` with :func:`pathway_context`, autoescaped)."""
    return render("pathway_section.html.j2", pathway_context(summary, timeline, sites, timeline_png_bytes, gantt_png_bytes))


def year_list(values: Sequence[int]) -> str:
    return ", ".join(str(v) for v in values)
