"""Results of a pathway run (docs/pathway.md): the timeline per calendar year, each site's energisation
and source of power, the investor's NPV / IRR / payback / peak capital, the plots and the report page.

The cash flows in ``timeline.csv`` are what the NPV is made of: per calendar year, at its start debt
drawn less capex (``cash_flow_start_usd``), at its end revenue less opex less debt service
(``cash_flow_end_usd``), and at the horizon end the book value of the assets less the debt still
owed (the ``horizon end`` row). :func:`npv_irr` reads exactly these columns, so anyone can recompute
the figures from the CSV alone.
"""

from __future__ import annotations

import io
import math
from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.geo import OUTPUT_CRS
from model.core.units import USD_PER_MUSD, annuity_factor, capital_recovery_factor
from model.milp.pathway import PathwayData, debt_terms
from model.results.html import data_uri_png, render
from model.results.report import card, timeline_context

SOURCES = ("firm", "bridge", "flexible")


def _v(x: Any) -> float:
    value = pyo.value(x, exception=False)
    return 0.0 if value is None else float(value)


def site_years_table(m: pyo.ConcreteModel, data: PathwayData) -> pd.DataFrame:
    """One row per site and model year: capacity, MW online by source, GPUs and PFLOPS online."""
    firm, flex, bridge = set(data.FIRM), set(data.FLEX), set(data.BRIDGE)
    rows = []
    zone_of = data.zonal.zone_of if data.zonal is not None else {}
    for s, y in data.SITE_YEARS:
        blocks = {(g, v): _v(m.install[s, g, v]) for g, v in data.ALIVE[s, y]}
        row = {
            "site_id": s, "year": y, "state": str(data.sites.at[s, "state"]), "zone": zone_of.get(s, ""),
            "open": round(_v(m.open[s, y])), "capacity_mw": _v(m.cap_mw[s, y]), "it_mw": _v(m.it_mw[s, y]),
            "facility_mw": _v(m.facility_mw[s, y]),
            "firm_mw": _v(m.firm_mw[s, y]) if (s, y) in firm else 0.0,
            "bridge_mw": _v(m.bridge_mw[s, y]) if (s, y) in bridge else 0.0,
            "flexible_mw": _v(m.flex_mw[s, y]) if (s, y) in flex else 0.0,
            "bridge_capacity_mw": _v(m.bridge_cap_mw[s, y]) if (s, y) in bridge else 0.0,
            "pflops_online": _v(m.pflops_online[s, y]),
            "gpus_online": sum(data.block_gpus[g] * b for (g, _), b in blocks.items()),
        }
        for g in data.GPUS:
            row[f"gpus_{g}"] = sum(data.block_gpus[g] * b for (g2, _), b in blocks.items() if g2 == g)
        rows.append(row)
    out = pd.DataFrame(rows)
    num = out.select_dtypes("number").columns
    out[num] = out[num].where(out[num].abs() > 1e-7, 0.0)
    return out


def installs_table(m: pyo.ConcreteModel, data: PathwayData) -> pd.DataFrame:
    """Every GPU vintage installed: site, type, year, blocks (continuous and rounded down), retirement year."""
    rows = []
    for s, g, v in data.INSTALLS:
        blocks = _v(m.install[s, g, v])
        if blocks <= 1e-7:
            continue
        life = float(data.gpus.at[g, "life_years"])
        rows.append({
            "site_id": s, "gpu": g, "vintage": v, "blocks": blocks, "blocks_rounded": math.floor(blocks + 1e-6),
            "gpus": blocks * data.block_gpus[g], "retires": int(math.ceil(v + life - 1e-9)),
            "capex_usd": blocks * data.block_price_musd[g, v] * USD_PER_MUSD,
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


def timeline_table(m: pyo.ConcreteModel, data: PathwayData, site_years: pd.DataFrame) -> pd.DataFrame:
    """Per calendar year (a model year's flows repeat for the calendar years it stands for; capex at its
    first): MW online by state and zone, GPUs online by vintage, capex, opex, revenue, debt and the
    cash flows, then a ``horizon end`` row with the terminal value less the debt left."""
    rows = []
    cfg = data.cfg
    pay, left = debt_terms(data)
    y0 = data.years[0]
    by_state = site_years.pivot_table(index="year", columns="state", values="facility_mw", aggfunc="sum", fill_value=0.0)
    by_zone = (site_years.loc[site_years["zone"] != ""]
               .pivot_table(index="year", columns="zone", values="facility_mw", aggfunc="sum", fill_value=0.0))
    vintage_cols = {}
    for s, g, v in data.INSTALLS:
        vintage_cols.setdefault(f"gpus_{g}_{v}", (g, v))
    debt_draw = {y: _v(m.debt_musd[y]) * USD_PER_MUSD for y in data.years}
    for c in data.calendar:
        y = data.period_of[c]
        first = c == y
        row: dict[str, Any] = {"year": c, "model_year": y}
        row["it_mw_online"] = _v(m.it_mw_online[y])
        row["facility_mw_online"] = float(site_years.loc[site_years["year"] == y, "facility_mw"].sum())
        for src, col in zip(SOURCES, ("firm_mw", "bridge_mw", "flexible_mw")):
            row[f"{src}_mw"] = float(site_years.loc[site_years["year"] == y, col].sum())
        row["pflops_online"] = _v(m.pflops_online_total[y])
        row["sites_open"] = int(site_years.loc[site_years["year"] == y, "open"].sum())
        for part in ("gpu", "site", "build", "grid", "bridge", "gen"):
            row[f"capex_{part}_usd"] = _v(getattr(m, f"capex_{part}_musd")[y]) * USD_PER_MUSD if first else 0.0
        row["capex_usd"] = _v(m.capex_musd[y]) * USD_PER_MUSD if first else 0.0
        row["energy_usd"] = _v(m.energy_musd_per_year[y]) * USD_PER_MUSD
        row["om_usd"] = _v(m.om_musd_per_year[y]) * USD_PER_MUSD
        row["new_generation_opex_usd"] = _v(m.opex_gen_musd[y]) * USD_PER_MUSD
        row["opex_usd"] = _v(m.opex_musd_per_year[y]) * USD_PER_MUSD
        row["revenue_usd"] = _v(m.revenue_musd_per_year[y]) * USD_PER_MUSD
        row["debt_drawn_usd"] = debt_draw[y] if first else 0.0
        row["debt_service_usd"] = sum(pay.get((v, c), 0.0) * debt_draw[v] for v in data.years)
        row["co2_t"] = _v(m.co2_t_per_year[y])
        row["cash_flow_start_usd"] = row["debt_drawn_usd"] - row["capex_usd"]
        row["cash_flow_end_usd"] = row["revenue_usd"] - row["opex_usd"] - row["debt_service_usd"]
        row["cash_flow_usd"] = row["cash_flow_start_usd"] + row["cash_flow_end_usd"]
        row["discount_factor_start"] = data.df_start[c]
        row["discount_factor_end"] = data.df_end[c]
        for st in by_state.columns:
            row[f"mw_{st}"] = float(by_state.at[y, st]) if y in by_state.index else 0.0
        for zn in by_zone.columns:
            row[f"mw_zone_{zn}"] = float(by_zone.at[y, zn]) if y in by_zone.index else 0.0
        alive = {(g, v) for s in data.SITES for g, v in data.ALIVE[s, y]}
        for col, (g, v) in vintage_cols.items():
            row[col] = (sum(data.block_gpus[g] * _v(m.install[s, g, v]) for s in data.SITES) if (g, v) in alive else 0.0)
        rows.append(row)
    out = pd.DataFrame(rows)
    equity = equity_schedule(out["capex_usd"].to_numpy(), out["debt_drawn_usd"].to_numpy(), out["cash_flow_end_usd"].to_numpy())
    out.insert(out.columns.get_loc("debt_drawn_usd"), "equity_drawn_usd", equity)
    terminal = _v(m.terminal_musd) * USD_PER_MUSD
    debt_left = sum(left[v] * debt_draw[v] for v in data.years)
    end = {c: 0.0 for c in out.columns if c not in ("year", "model_year")}
    end |= {"year": data.horizon_end, "model_year": data.horizon_end, "terminal_value_usd": terminal, "debt_repaid_usd": debt_left,
            "cash_flow_start_usd": terminal - debt_left, "cash_flow_usd": terminal - debt_left,
            "discount_factor_start": (1.0 + data.discount_rate) ** -(data.horizon_end - y0), "discount_factor_end": 0.0}
    out["terminal_value_usd"] = 0.0
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
        for v in data.years:
            if v <= c < data.horizon_end:
                paid = min(cfg.debt_tenor_years, c - v + 1)
                bal += debt_draw[v] * crf * annuity_factor(cfg.interest_rate, cfg.debt_tenor_years - paid)
        balance.append(bal)
    out["debt_balance_usd"] = balance
    return out


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


def irr(times: np.ndarray, flows: np.ndarray) -> float | None:
    """The rate where the NPV is zero (bisection between -99 % and 1,000 %), None if it never changes sign."""
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv(times, flows, lo), npv(times, flows, hi)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0:
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv(times, flows, mid)
        if f_lo * f_mid <= 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return 0.5 * (lo + hi)


def investor_figures(timeline: pd.DataFrame, rate: float) -> dict[str, Any]:
    """NPV, IRR, payback year and peak capital drawn, from the timeline's columns only."""
    times, flows = cash_instants(timeline)
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
        "payback_year": payback,
        "peak_capital_drawn_usd": float(capital.max()) if len(capital) else 0.0,
        "equity_drawn_usd": float(body["equity_drawn_usd"].sum()),
        "debt_drawn_usd": float(body["debt_drawn_usd"].sum()),
        "discount_rate": rate,
    }


def sites_summary(site_years: pd.DataFrame, data: PathwayData, m: pyo.ConcreteModel) -> pd.DataFrame:
    """One row per site that opens: open year, first year with MW online and its source, the firm year,
    the capacity and MW reached, the bridge capacity and the grid connection chosen."""
    rows = []
    pts = data.sites.geometry.representative_point().to_crs(OUTPUT_CRS) if hasattr(data.sites, "geometry") else None
    for s, g in site_years.groupby("site_id", sort=False):
        if g["open"].max() < 1:
            continue
        on = g.loc[g["facility_mw"] > 1e-6]
        first = on.iloc[0] if len(on) else None
        source = ""
        if first is not None:
            source = max(SOURCES, key=lambda k: float(first[{"firm": "firm_mw", "bridge": "bridge_mw", "flexible": "flexible_mw"}[k]]))
        used = [k for k, col in zip(SOURCES, ("firm_mw", "bridge_mw", "flexible_mw")) if g[col].max() > 1e-6]
        row = {
            "site_id": s, "state": g["state"].iloc[0], "county_name": str(data.sites.at[s, "county_name"]),
            "zone": g["zone"].iloc[0], "open_year": int(g.loc[g["open"] >= 1, "year"].min()),
            "energised_year": int(first["year"]) if first is not None else None, "first_source": source,
            "sources": "+".join(used), "firm_year": data.firm_year[s],
            "capacity_mw": float(g["capacity_mw"].max()), "max_facility_mw": float(g["facility_mw"].max()),
            "max_it_mw": float(g["it_mw"].max()), "bridge_capacity_mw": float(g["bridge_capacity_mw"].max()),
            "connection": _connection(m, data, s),
        }
        if pts is not None:
            row["lon"], row["lat"] = float(pts[s].x), float(pts[s].y)
        rows.append(row)
    return pd.DataFrame(rows)


def _connection(m: pyo.ConcreteModel, data: PathwayData, s: str) -> str:
    if data.zonal is not None and hasattr(m, "connect"):
        chosen = [c for s2, c in m.SITES_CONNECTIONS if s2 == s and _v(m.connect[s2, c]) > 0.5]
        return chosen[0] if chosen else ""
    if hasattr(m, "upgrade"):
        chosen = [t for s2, t in m.SITES_TIERS if s2 == s and _v(m.upgrade[s2, t]) > 0.5]
        return f"headroom+{chosen[0]}" if chosen else "headroom"
    return ""


def rounding_error(installs: pd.DataFrame, data: PathwayData) -> dict[str, float]:
    """Continuous block counts rounded down to whole blocks: what that costs in PFLOPS-years (undiscounted,
    over the vintages' lives inside the horizon) and saves in GPU capex, as shares."""
    if installs.empty:
        return {"blocks": 0.0, "blocks_rounded": 0.0, "pflops_years_share_lost": 0.0, "gpu_capex_share_saved": 0.0}
    years_alive = installs.apply(lambda r: sum(1 for c in data.calendar if r["vintage"] <= c < r["retires"]), axis=1)
    pflops = installs["gpu"].map(data.block_pflops)
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
    order = sites.sort_values(["energised_year", "open_year", "site_id"], na_position="last") if len(sites) else sites
    years = sorted(site_years["year"].unique())
    step = {y: (b - y) for y, b in zip(years, years[1:])} | ({years[-1]: (years[-1] - years[-2]) if len(years) > 1 else 1} if years else {})
    for i, (_, site) in enumerate(order.iterrows()):
        g = site_years.loc[site_years["site_id"] == site["site_id"]]
        for _, r in g.iterrows():
            if r["open"] < 1:
                continue
            mw = {"firm": r["firm_mw"], "bridge": r["bridge_mw"], "flexible": r["flexible_mw"]}
            main = max(mw, key=mw.get)
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


# --- report: model/templates/pathway_report.html.j2 (autoescaped) ------------------------------------------


def pathway_context(summary: Mapping[str, Any], timeline: pd.DataFrame, sites: pd.DataFrame,
                    timeline_png_bytes: bytes | None, gantt_png_bytes: bytes | None) -> dict[str, Any]:
    """The pathway page: headline cards, the two plots, sites and the yearly timeline (numbers, not text)."""
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
        "title": f"{summary.get('scenario')}: pathway ({summary.get('status')})",
        "objective_sense": str(summary.get("objective_sense")),
        "mip_gap": float(summary.get("mip_gap") or 0),
        "first_year": summary.get("first_year"),
        "last_year": last,
        "cards": cards,
        "images": images,
        "sites": site_table,
        "timeline": timeline_context(years),
    }


def pathway_report_html(summary: Mapping[str, Any], timeline: pd.DataFrame, sites: pd.DataFrame,
                        timeline_png_bytes: bytes | None, gantt_png_bytes: bytes | None) -> str:
    return render("pathway_report.html.j2", pathway_context(summary, timeline, sites, timeline_png_bytes, gantt_png_bytes))


def year_list(values: Sequence[int]) -> str:
    return ", ".join(str(v) for v in values)
