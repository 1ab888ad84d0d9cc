"""``report.html``: one self-contained page per run (and per compare) for investors, planners and analysts.

Everything is inline so the file can be mailed or archived and still opens offline: a small stylesheet
with system fonts, charts as ``data:`` PNGs, the interactive folium map inside ``<iframe srcdoc>`` (its
Leaflet and jQuery are already inlined by :func:`model.plot.maps.self_contained_html`). No script, stylesheet,
image or font is fetched from anywhere.

Each page is a jinja2 template in ``model/templates`` rendered by :func:`model.results.html.render`
(autoescaped) from a context dict that a pure function builds here; the contexts hold numbers, the
templates format them. Every headline figure, the waterfall and the totals come from one
:class:`model.results.figures.Figures` per run, read once from its summary.

* :func:`run_context` / :func:`run_report_html` / :func:`write_run_report` — one run: headline, finance (when
  the summary has it), sites, map, cost waterfall, timeline (multi-year runs), supply (zonal runs: new
  generation by type and zone, MW by zone, imports, each site's connection), why these sites (ranking),
  binding rules and their marginal values, runner-ups, diagnosis, provenance.
* :func:`compare_context` / :func:`compare_report_html` / :func:`write_compare_report` — several scenarios
  against the first (base).
* :func:`alternatives_context` / :func:`alternatives_report_html` — `siting alternatives`.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from model.plot.maps import folium_map, self_contained_html
from model.results.figures import Figures, near_tie_scores, number, site_usd_per_pflops
from model.results.html import (
    DASH,
    data_uri_png,
    fmt_co2_mt,
    fmt_gap,
    fmt_generic,
    fmt_int,
    fmt_mw,
    fmt_pflops,
    fmt_usd,
    gpu_label,
    precision_label,
    render,
)
from model.solve.duals import MarginalValue

__all__ = [
    "alternatives_context", "alternatives_report_html", "card", "compare_context", "compare_report_html", "cost_parts",
    "fmt_pflops", "fmt_usd", "run_context", "run_report_html", "timeline_context", "waterfall_png", "waterfall_steps",
    "write_compare_report", "write_run_report",
]

# Rows of the ranking shown besides every built site (the built ones are always listed).
RANKING_TOP_N = 15
# Non-zero marginal values listed per rule (per-city latency rows can number in the dozens).
MARGINAL_PER_RULE = 5
# Rows of the zonal supply tables shown (the rest are in generation.csv / zone_imports.csv).
SUPPLY_TOP_N = 20

_STATUS_CLASS = {
    "optimal": "ok",
    "time_limit": "warn",
    "interrupted": "warn",
    "infeasible": "bad",
    "unbounded": "bad",
    "infeasible_or_unbounded": "bad",
    "time_limit_no_solution": "bad",
    "interrupted_no_solution": "bad",
}
# Waterfall steps: (label, colour). Colours are Okabe-Ito like the maps.
_PART_LABELS = {
    "gpu": ("GPUs", "#0072B2"),
    "shell": ("Shell & fit-out", "#56B4E9"),
    "land": ("Land", "#E69F00"),
    "site": ("Site fixed", "#999999"),
    "interconnect": ("Grid connection", "#CC79A7"),
    "energy_assets": ("On-site energy assets", "#009E73"),
    "new_generation": ("New generation (PV)", "#8C6D31"),
    "energy_opex_pv": ("Energy opex (PV)", "#D55E00"),
    "new_generation_energy": ("New-gen energy (PV)", "#B07AA1"),
    "import_wheeling": ("Wheeling on imports (PV)", "#9C755F"),
}
_SUBTOTAL_COLOUR, _TOTAL_COLOUR = "#3b4252", "#1d2430"

_RUN_MAP_NOTE = ("Circles: built sites, area ∝ facility MW, colour = main GPU type; counties shaded by grid headroom. "
                 "Click a site for its numbers; layers switch at the top right.")
_ZONAL_MAP_NOTE = ("Circles: built sites, area ∝ facility MW, colour = main GPU type; ReEDS zones shaded by their spare "
                   "firm capacity (hover a zone for its campus MW and new generation); diamonds, where drawn, are the new "
                   "generation built per zone (area ∝ MW). Click a site for its numbers; layers switch at the top right.")
_COMPARE_MAP_NOTE = ("Each scenario against the base: circles are counties that gained (blue), lost (vermillion) or kept (grey) facility MW, "
                     "area ∝ the change; one layer set per scenario, switched at the top right.")

Table = dict[str, Any]  # {columns, rows, foot, narrow}: see report_macros.html.j2's table()


# ------------------------------------------------------------------------------------------------ pieces


def _col(key: str, header: str, fmt: str = "str", kind: str = "") -> dict[str, str]:
    """A table column: ``kind`` "n" (right-aligned number), "w" (text that wraps) or "" (text)."""
    return {"key": key, "header": header, "kind": kind, "fmt": fmt}


def _num_col(key: str, header: str, fmt: str) -> dict[str, str]:
    return _col(key, header, fmt, "n")


def _table(columns: list[dict[str, str]], rows: list[dict[str, Any]], foot: Mapping[str, Any] | None = None,
           narrow: bool = False) -> Table:
    return {"columns": columns, "rows": rows, "foot": foot, "narrow": narrow}


def _row(cells: Mapping[str, Any], cls: str = "") -> dict[str, Any]:
    return {"cls": cls, "cells": dict(cells)}


def _gap_row(text: str) -> dict[str, Any]:
    return {"cls": "gap", "text": text}


def _more_rows(n_shown: int, n_all: int, where: str) -> list[dict[str, Any]]:
    return [_gap_row(f"… {n_all - n_shown:,} more rows in {where} …")] if n_all > n_shown else []


def card(key: str, value: Any, fmt: str, unit: str = "", sub: Sequence[str] = (), meter: float | None = None) -> dict[str, Any]:
    """A headline card: ``value`` printed in format ``fmt`` (model.results.html.FORMATS), sub-lines below."""
    return {"key": key, "value": value, "fmt": fmt, "unit": unit, "sub": [s for s in sub if s], "meter": meter}


def _zonal(summary: Mapping[str, Any]) -> bool:
    return summary.get("supply_model") == "zonal"


def _counted_words(zonal: bool, counts_opex: bool) -> str | None:
    """What the objective weighs against compute (model.results.rank's counted cost), in words; None when it
    is the total cost (min cost, or a budget that counts the energy), so counted and all-in $/PFLOPS agree."""
    if counts_opex:
        return None
    return "capex and new generation" if zonal else "capex"


def _summary_counts_opex(summary: Mapping[str, Any]) -> bool:
    """model.results.rank.counts_opex from a summary: min cost weighs the total cost, a budget with opex too."""
    return summary.get("objective_sense") == "min_cost" or bool(summary.get("budget_includes_opex"))


# ------------------------------------------------------------------------------------------------ headline


def headline_cards(f: Figures) -> list[dict[str, Any]]:
    """The headline cards, every number a field of ``f``."""
    by_type = " · ".join(f"{fmt_int(n)} {gpu_label(g)}" for g, n in f.gpus_by_type.items())
    upf = f"${f.usd_per_pflops:,.0f} per PFLOPS all-in" if f.usd_per_pflops is not None else ""
    cost = f"capex {fmt_usd(f.capex_usd)} · energy PV {fmt_usd(f.energy_opex_pv_usd)}"
    if f.zonal:
        cost += f" · new generation PV {fmt_usd(f.new_generation_cost_pv_usd)}"
    budget_line, used = "", f.budget_used_share
    if f.budget_usd:
        budget_line = (f"{100 * used:,.1f} % of {fmt_usd(f.budget_usd)} budget ({f.budget_counts})" if used is not None
                       else f"budget {fmt_usd(f.budget_usd)} ({f.budget_counts})")
    meter = None if used is None else min(max(used, 0.0), 1.0)
    co2 = ["grid energy of the campuses"]
    if f.zonal and f.new_generation_co2_t_per_year:
        co2[0] += f"; new generation {fmt_co2_mt(f.new_generation_co2_t_per_year)} Mt/yr net of the grid CO₂ it displaces"
    return [
        card("Compute", f.compute_pflops, "pflops", "PFLOPS", [" · ".join(x for x in (precision_label(f.precision), upf) if x)]),
        card("GPUs", f.gpus, "int", sub=[by_type]),
        card("Total cost", f.total_cost_usd, "usd", sub=[cost, budget_line], meter=meter),
        card("Facility power", f.facility_mw, "mw", "MW", [f"{fmt_mw(f.it_mw)} MW of IT" if f.it_mw is not None else ""]),
        card("Sites built", f.sites_built, "int", sub=[f"of {fmt_int(f.candidates)} candidates" if f.candidates is not None else ""]),
        card("CO₂", f.co2_t_per_year, "co2_mt", "Mt/yr", co2),
        card("MIP gap", f.mip_gap, "gap", sub=[f"target {fmt_gap(f.mip_gap_target)}"]),
        card("Solve time", f.solve_seconds, "dec1", "s" if f.solve_seconds is not None else "",
              [f"{f.seconds_total:,.1f} s end to end" if f.seconds_total is not None else ""]),
    ]


def _near_tie(summary: Mapping[str, Any], anchor: str) -> dict[str, Any] | None:
    if summary.get("near_tie") is not True:
        return None
    runner = [r for r in (summary.get("runner_ups") or []) if isinstance(r, Mapping)]
    closest, gap, score, worst = None, None, None, None
    if runner:
        r = runner[0]
        closest = ", ".join(str(x) for x in (r.get("county_name"), r.get("state")) if x) or "a runner-up"
        scores = near_tie_scores(r)
        if scores is not None:  # multi-year: absolute scores (the worst built campus' may be negative, where a share misleads)
            score, worst = scores
        else:
            gap = number(r.get("gap_share"))
    return {"anchor": anchor, "closest": closest, "gap_share": gap, "score": score, "worst_score": worst}


def _diagnosis(summary: Mapping[str, Any]) -> str | None:
    diag = summary.get("diagnosis")
    if not diag:
        return None
    return str(diag.get("message") if isinstance(diag, Mapping) else diag)


def _objective_text(summary: Mapping[str, Any]) -> str:
    sense = summary.get("objective_sense")
    return {"max_compute": "most compute for the budget", "min_cost": "least cost for the target"}.get(str(sense), str(sense or ""))


# ------------------------------------------------------------------------------------------------ sites


def _site_energy_price(row: Mapping[str, Any]) -> float | None:
    """Cost of supply per MWh where the run has it (bills plus on-site assets), else the grid price."""
    supply = number(row.get("supply_cost_usd_per_mwh"))
    return supply if supply else number(row.get("price_usd_per_mwh"))


def sites_table(sites: pd.DataFrame | None, f: Figures) -> Table | None:
    """The built sites, largest first; the total row is the run's figures (capex, energy PV, all-in $/PFLOPS)."""
    if sites is None or not len(sites):
        return None
    frame = sites.sort_values("facility_mw", ascending=False) if "facility_mw" in sites else sites
    gpu_cols = [c for c in frame.columns if c.startswith("gpus_") and frame[c].sum() > 0]
    zonal = "zone" in frame.columns
    columns = [_col("county_name", "County"), _col("state", "State")]
    columns += [_num_col(c, f"{gpu_label(c.removeprefix('gpus_'))} GPUs", "int") for c in gpu_cols]
    if len(gpu_cols) != 1:
        columns.append(_num_col("gpus", "GPUs", "int"))
    columns.append(_num_col("facility_mw", "Facility MW", "mw"))
    # Zonal supply: the site's zone and time to power (connections: the supply section); legacy: headroom + tier.
    if zonal:
        columns += [_col("zone", "Zone", "text"), _num_col("time_to_power_years", "Time to power yr", "dec1")]
    else:
        columns += [_num_col("headroom_mw", "Headroom MW", "mw"), _col("upgrade", "Upgrade")]
    columns += [_num_col("capex_usd", "Capex $M", "musd"), _num_col("energy_opex_pv_usd", "Energy PV $M", "musd"),
                _num_col("usd_per_pflops", "$/PFLOPS", "usd_per_pflops"), _num_col("energy_usd_per_mwh", "Energy $/MWh", "dec1")]
    per_pflops = site_usd_per_pflops(frame)
    rows = []
    for idx, r in frame.iterrows():
        cells = {c["key"]: r.get(c["key"]) for c in columns}
        cells["county_name"], cells["state"] = str(r.get("county_name", "")), str(r.get("state", ""))
        if not zonal:
            tier = r.get("upgrade_tier") or ""
            cells["upgrade"] = f"tier {tier}: +{fmt_mw(number(r.get('upgrade_mw')) or 0.0)} MW" if tier else DASH
        cells["usd_per_pflops"] = number(per_pflops[idx])
        cells["energy_usd_per_mwh"] = _site_energy_price(r)
        rows.append(_row(cells))
    foot: dict[str, Any] = {"county_name": f"Total ({len(frame)} site{'s' if len(frame) != 1 else ''})"}
    foot |= {c: f.gpus_by_type.get(c.removeprefix("gpus_"), 0) for c in gpu_cols}
    foot |= {"gpus": f.gpus, "facility_mw": f.facility_mw, "capex_usd": f.capex_usd,
             "energy_opex_pv_usd": f.energy_opex_pv_usd, "usd_per_pflops": f.usd_per_pflops}
    return _table(columns, rows, foot)


# ------------------------------------------------------------------------------------------------ waterfall


@dataclass(frozen=True)
class Step:
    """One bar of the cost waterfall: a part (floating from ``bottom_usd``), the capex subtotal or the total."""

    key: str  # a part of Figures.cost_parts, "capex" or "total"
    label: str
    usd: float
    bottom_usd: float
    colour: str


def cost_parts(summary: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(part key, USD) for the waterfall, in build order; missing or zero parts are left out
    (:meth:`Figures.cost_parts`: the capex parts sum to capex_usd, all of them to total_cost_usd)."""
    return Figures.from_summary(summary).cost_parts()


def _part_label(key: str) -> tuple[str, str]:
    """A waterfall part's label and colour; parts a summary names beyond the known ones in grey."""
    return _PART_LABELS.get(key, (key.replace("_", " ").capitalize(), "#7f7f7f"))


def waterfall_steps(f: Figures) -> list[Step]:
    """The capex parts, a capex subtotal (= ``f.capex_usd``) when costs follow it, new generation and the
    energy PV, then the total (= ``f.total_cost_usd``); [] without costs."""
    parts = f.cost_parts()
    if not parts:
        return []
    capex_parts = [(k, v) for k, v in parts if k in f.capex_usd_by_part]
    later = [(k, v) for k, v in parts if k not in f.capex_usd_by_part]
    steps: list[Step] = []
    run = 0.0
    for key, v in capex_parts:
        label, colour = _part_label(key)
        steps.append(Step(key, label, v, run, colour))
        run += v
    # The capex bar is summary.json's capex_usd (its parts add up to it).
    capex = f.capex_usd if f.capex_usd is not None else run
    if not later:
        return [*steps, Step("capex", "Capex", capex, 0.0, _TOTAL_COLOUR)]
    if capex_parts:
        steps.append(Step("capex", "Capex", capex, 0.0, _SUBTOTAL_COLOUR))
        run = capex
    for key, v in later:
        label, colour = _part_label(key)
        steps.append(Step(key, label, v, run, colour))
        run += v
    total = f.total_cost_usd if f.total_cost_usd is not None else run
    return [*steps, Step("total", "Total", total, 0.0, _TOTAL_COLOUR)]


def _axis_usd(top: float) -> tuple[float, str]:
    return (1e9, "$bn") if top >= 1e9 else (1e6, "$M")


def _tex(text: str) -> str:
    return text.replace("$", r"\$")  # matplotlib reads $...$ as math


def _waterfall_figure(f: Figures, steps: Sequence[Step], dpi: int) -> Figure:
    budget = f.budget_usd
    tops = [s.bottom_usd + max(s.usd, 0.0) for s in steps]
    top = max(max(tops), budget or 0.0)
    scale, unit = _axis_usd(top)
    n = len(steps)
    # Wide enough that each bar's value and two-line name fit its slot (about 0.95 in per bar).
    fig = Figure(figsize=(max(10.5, 0.95 * n + 1.0), 4.6), dpi=dpi)
    ax = fig.add_axes((0.07, 0.17, 0.915, 0.72))
    x = list(range(n))
    ax.bar(x, [s.usd / scale for s in steps], bottom=[s.bottom_usd / scale for s in steps],
           color=[s.colour for s in steps], width=0.62, zorder=2)
    pad = top / scale * 0.015
    for i, s in enumerate(steps):
        # The value sits above the bar's upper end (a negative part's upper end is where it starts).
        y = max(s.bottom_usd, s.bottom_usd + s.usd) / scale + pad
        ax.text(i, y, _tex(fmt_usd(s.usd)), ha="center", va="bottom", fontsize=8.5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85}, zorder=4)  # over the budget line
    for i in range(n - 1):  # connectors: where the next step starts
        s = steps[i]
        level = (s.usd if s.key in ("capex", "total") else s.bottom_usd + s.usd) / scale
        ax.plot([i + 0.31, i + 0.69], [level, level], color="#8a94a6", lw=0.8, zorder=1)
    if budget:
        ax.axhline(budget / scale, color="#b42318", ls="--", lw=1.2, zorder=3,
                   label=_tex(f"budget {fmt_usd(budget)} (counts {f.budget_counts})"))
        # A legend, not a label on the line: the total bar's own label sits right there.
        ax.legend(loc="upper left", frameon=False, fontsize=9, bbox_to_anchor=(0.0, 1.1), borderaxespad=0.0)
    # Names wrapped to the width of a bar, so neighbours do not run into each other.
    ax.set_xticks(x, [textwrap.fill(s.label, 11, break_on_hyphens=False) for s in steps], fontsize=9)
    ax.set_ylim(min(0.0, min(s.bottom_usd + s.usd for s in steps) / scale), top / scale * 1.12)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if top / scale >= 10 else f"{v:,.1f}"))
    ax.set_ylabel(_tex(unit))
    ax.grid(axis="y", color="#e3e7ee", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def waterfall_png(summary: Mapping[str, Any], dpi: int = 110) -> bytes | None:
    """The cost waterfall (capex parts, capex, new generation and energy PV, total) against the budget as
    PNG bytes; None without costs."""
    f = Figures.from_summary(summary)
    steps = waterfall_steps(f)
    if not steps:
        return None
    buf = io.BytesIO()
    _waterfall_figure(f, steps, dpi).savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def waterfall_context(summary: Mapping[str, Any], f: Figures) -> dict[str, Any] | None:
    steps = waterfall_steps(f)
    png = waterfall_png(summary)
    if not steps or png is None:
        return None
    return {
        "png_uri": data_uri_png(png),
        "alt": "; ".join(f"{s.label} {fmt_usd(s.usd)}" for s in steps),
        "steps": [{"key": s.key, "label": s.label, "usd": s.usd} for s in steps],
    }


# ------------------------------------------------------------------------------------------------ ranking


# Columns of model.results.rank.rank_candidates (and of its runner_ups records) shown, in order:
# (key in the context, key in the ranking, header, kind, format). Others (capex parts, gpus_* ...) stay in rank.csv.
# The ranking's own "usd_per_pflops" is the counted cost (what the objective weighs) per PFLOPS; the
# report's usd_per_pflops is all-in (model.results.figures), computed from the ranking's cost columns.
_RANKING_COLUMNS: list[tuple[str, str, str, str, str]] = [
    ("rank", "rank", "Rank", "n", "int"),
    ("county_name", "county_name", "County", "", "str"),
    ("state", "state", "State", "", "str"),
    ("built", "built", "Built", "", "built"),
    ("gpu", "gpu", "GPU", "", "gpu"),
    ("zone", "zone", "Zone", "", "text"),
    ("facility_mw", "facility_mw", "Campus MW", "n", "mw"),  # the ranked best single campus, not the built MW
    ("headroom_mw", "headroom_mw", "Headroom MW", "n", "mw"),
    ("upgrade_tier", "upgrade_tier", "Upgrade", "", "tier"),
    # Zonal supply: the connection the campus would use, the firm MW it would need beyond the zone's spare.
    ("substation_kv", "substation_kv", "Substation kV", "n", "dec0"),
    ("substation_km", "substation_km", "Spur km", "n", "dec1"),
    ("new_generation_firm_mw", "new_generation_firm_mw", "New firm MW", "n", "mw"),
    ("time_to_power_years", "time_to_power_years", "Time to power yr", "n", "dec1"),
    ("counted_usd_per_pflops", "usd_per_pflops", "Counted $/PFLOPS", "n", "usd_per_pflops"),
    ("usd_per_pflops", "usd_per_pflops_all_in", "$/PFLOPS", "n", "usd_per_pflops"),
    ("gap_usd_per_pflops", "gap_usd_per_pflops", "Gap counted $/PFLOPS", "n", "usd_per_pflops_signed"),
    ("gap_share", "gap_share", "Gap to enter", "n", "signed_share"),
    ("binding_limit", "binding_limit", "Binding limit", "w", "text"),
]


def _ranking_columns(present: Iterable[str], counted: str | None, skip: Iterable[str] = ()) -> list[tuple[str, str, dict[str, str]]]:
    """(context key, source key, column) for the ranking columns whose source is present. With ``counted``
    None the ranking's own $/PFLOPS is all-in: one $/PFLOPS column (the computed one where the frame has
    its costs) and the gap without "counted"."""
    have, skipped = set(present), set(skip)
    out = []
    for key, source, header, kind, fmt in _RANKING_COLUMNS:
        if counted is None:
            if key == "counted_usd_per_pflops":
                continue
            if key == "usd_per_pflops" and source not in have:
                source = "usd_per_pflops"  # the ranking's own: all-in when the objective counts the total cost
            header = header.replace("counted ", "")
        if source in have and key not in skipped:
            out.append((key, source, _col(key, header, fmt, kind)))
    return out


def ranking_context(ranking: pd.DataFrame, counted: str | None, top_n: int = RANKING_TOP_N) -> dict[str, Any]:
    """Why these sites: the top ``top_n`` candidates and every built one (highlighted), gaps between them marked."""
    if not len(ranking):
        return {"empty": True}
    # Unranked candidates (no campus fits) last, in a stable order.
    frame = ranking.sort_values("rank", na_position="last", kind="stable") if "rank" in ranking else ranking
    if {"capex_usd", "compute_pflops"} <= set(frame.columns):
        frame = frame.assign(usd_per_pflops_all_in=site_usd_per_pflops(frame))
    built = frame["built"].fillna(False).astype(bool) if "built" in frame else pd.Series(False, index=frame.index)
    position = pd.Series(range(len(frame)), index=frame.index)
    shown = frame[(position < top_n) | built]
    cols = _ranking_columns(frame.columns, counted)
    rows: list[dict[str, Any]] = []
    last = -1
    for idx, r in shown.iterrows():
        pos = int(position[idx])
        if pos > last + 1:
            rows.append(_gap_row(f"… {pos - last - 1:,} candidates not shown …"))
        last = pos
        rows.append(_row({k: r[s] for k, s, _ in cols}, "built" if bool(built[idx]) else ""))
    if last < len(frame) - 1:
        rows.append(_gap_row(f"… {len(frame) - last - 1:,} more candidates …"))
    source = ranking.attrs.get("marginal_source")
    return {
        "empty": False,
        "top_n": min(top_n, len(frame)),
        "counted": counted,
        "marginal_usd_per_pflops": number(ranking.attrs.get("marginal_usd_per_pflops")),
        "marginal_via": {"dual": "the budget's marginal value"}.get(str(source), str(source or "")) if source else "",
        "table": _table([c for _, _, c in cols], rows),
    }


def runner_ups_context(summary: Mapping[str, Any], counted: str | None) -> dict[str, Any]:
    runners = [r for r in (summary.get("runner_ups") or []) if isinstance(r, Mapping)]
    tie = summary.get("near_tie")
    context: dict[str, Any] = {"near_tie": tie if isinstance(tie, bool) else None, "table": None, "counted": counted,
                               "has_gap": False}
    if not runners:
        return context
    present = {k for r in runners for k in r}
    cols = _ranking_columns(present, counted, skip=("built",))
    context["table"] = _table([c for _, _, c in cols], [_row({k: r.get(s) for k, s, _ in cols}) for r in runners], narrow=True)
    context["has_gap"] = "gap_share" in present
    return context


# ------------------------------------------------------------------------------------------------ supply


def _records(rows: Any, columns: Sequence[str]) -> pd.DataFrame:
    """summary.json rows (a list of dicts) as a frame with at least ``columns`` (missing ones NaN)."""
    frame = pd.DataFrame([r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else [])
    for c in columns:
        if c not in frame:
            frame[c] = pd.Series(dtype=float)
    return frame


def _generation_tables(gen: pd.DataFrame) -> tuple[Table, Table]:
    by_type = gen.groupby("type")[["new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd"]].sum()
    by_type = by_type.sort_values("new_mw", ascending=False)
    columns = [_col("type", "Type", "gen"), _num_col("new_mw", "New MW", "mw"), _num_col("firm_mw", "Firm MW", "mw"),
               _num_col("energy_mwh_per_year", "Energy MWh/yr", "int"), _num_col("capex_usd", "Capex", "usd"),
               _num_col("cost_pv_usd", "Cost PV (budget)", "usd")]
    type_rows = [_row({"type": t, **r.to_dict()}) for t, r in by_type.iterrows()]
    foot = {"type": "Total", **by_type.sum().to_dict()}
    ordered = gen.sort_values(["new_mw", "zone", "type"], ascending=[False, True, True])
    shown = ordered.head(SUPPLY_TOP_N)
    zone_cols = [_col("zone", "Zone", "text"), *columns[:5]]
    zone_rows = [_row(r) for r in shown[["zone", "type", "new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd"]].to_dict("records")]
    zone_rows += _more_rows(len(shown), len(ordered), "generation.csv")
    # foot's "type" is printed with the "gen" format: "Total" is not a type and stays as it is.
    return _table(columns, type_rows, foot, narrow=True), _table(zone_cols, zone_rows, narrow=True)


def _zone_table(summary: Mapping[str, Any], sites: pd.DataFrame | None, gen: pd.DataFrame, flows: pd.DataFrame) -> Table | None:
    """Per zone with campuses or new generation: campus MW, spare firm MW, imports, exports, new firm MW."""
    campus = pd.Series(summary.get("facility_mw_by_zone") or {}, dtype=float)
    new_firm = gen.groupby("zone")["firm_mw"].sum() if len(gen) else pd.Series(dtype=float)
    imports = flows.groupby("to_zone")["mw"].sum() if len(flows) else pd.Series(dtype=float)
    exports = flows.groupby("from_zone")["mw"].sum() if len(flows) else pd.Series(dtype=float)
    spare = pd.Series(dtype=float)
    count = pd.Series(dtype=float)
    if sites is not None and len(sites) and "zone" in sites:
        spare = sites.groupby(sites["zone"].astype(str))["spare_firm_mw_zone"].first() if "spare_firm_mw_zone" in sites else spare
        count = sites.groupby(sites["zone"].astype(str)).size()
    zones = sorted(set(campus.index) | set(new_firm.index), key=lambda z: (-campus.get(z, 0.0), str(z)))
    if not zones:
        return None
    rows = [_row({"zone": str(z), "sites": count.get(z, 0), "campus_mw": campus.get(z, 0.0), "spare_mw": spare.get(z),
                  "imports_mw": imports.get(z, 0.0), "exports_mw": exports.get(z, 0.0), "new_firm_mw": new_firm.get(z, 0.0)})
            for z in zones[:SUPPLY_TOP_N]]
    rows += _more_rows(min(len(zones), SUPPLY_TOP_N), len(zones), "summary.json (facility_mw_by_zone)")
    columns = [_col("zone", "Zone"), _num_col("sites", "Sites", "int"), _num_col("campus_mw", "Campus MW", "mw"),
               _num_col("spare_mw", "Spare firm MW", "mw"), _num_col("imports_mw", "Imports MW", "mw"),
               _num_col("exports_mw", "Exports MW", "mw"), _num_col("new_firm_mw", "New firm MW", "mw")]
    return _table(columns, rows, narrow=True)


def _connections_table(sites: pd.DataFrame | None) -> Table | None:
    if sites is None or not len(sites) or "zone" not in sites:
        return None
    frame = sites.sort_values("facility_mw", ascending=False) if "facility_mw" in sites else sites
    rows = []
    for _, r in frame.iterrows():
        kv = number(r.get("substation_kv"))
        rows.append(_row({
            "county_name": str(r.get("county_name", "")), "state": str(r.get("state", "")), "zone": r.get("zone"),
            "facility_mw": r.get("facility_mw"), "substation_kv": kv or None,
            "substation_km": number(r.get("substation_km")) if kv else None,  # no substation, no spur
            "connection_mw": r.get("connection_mw"), "connection_cost_usd": r.get("connection_cost_usd"),
            "time_to_power_years": r.get("time_to_power_years"),
        }))
    columns = [_col("county_name", "County"), _col("state", "State"), _col("zone", "Zone", "text"),
               _num_col("facility_mw", "Facility MW", "mw"), _num_col("substation_kv", "Substation kV", "dec0"),
               _num_col("substation_km", "Spur km", "dec1"), _num_col("connection_mw", "Connection MW", "mw"),
               _num_col("connection_cost_usd", "Connection $M", "musd"),
               _num_col("time_to_power_years", "Time to power yr", "dec1")]
    return _table(columns, rows)


def supply_context(summary: Mapping[str, Any], sites: pd.DataFrame | None) -> dict[str, Any] | None:
    """Zonal supply runs: where the firm MW came from (new generation by type and zone, capex, MW by zone,
    imports) and each built site's zone, connection and time to power. None for legacy runs."""
    if not _zonal(summary):
        return None
    gen = _records(summary.get("new_generation"), ("zone", "type", "new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd"))
    flows = _records(summary.get("zone_imports"), ("from_zone", "to_zone", "mw"))
    if summary.get("new_generation_capex_usd") is None and not len(gen):
        return {"no_solution": True}
    totals = [
        ("New generation", f"{fmt_mw(gen['new_mw'].sum())} MW nameplate · {fmt_mw(gen['firm_mw'].sum())} MW firm (accredited)"),
        ("Overnight capex", fmt_usd(summary.get("new_generation_capex_usd"))),
        ("Counted in the budget", f"{fmt_usd(summary.get('new_generation_cost_pv_usd'))} (annualised capex + FOM over the horizon)"),
        ("Its energy, PV", f"{fmt_usd(summary.get('new_generation_energy_cost_pv_usd'))} (fuel + VOM + carbon, less the grid energy it displaces)"
         if summary.get("new_generation_energy_cost_pv_usd") is not None
         else "in the energy PV (hourly dispatch: the plants' fuel is in the zones' energy cost)"),
        ("Its CO₂", f"{fmt_co2_mt(summary.get('new_generation_co2_t_per_year'))} Mt/yr net of the grid CO₂ it displaces"),
    ]
    if summary.get("import_wheeling_pv_usd"):
        totals.append(("Wheeling on firm imports, PV", fmt_usd(summary.get("import_wheeling_pv_usd"))))
    by_type, by_zone_type = _generation_tables(gen) if len(gen) else (None, None)
    imports = None
    if len(flows):
        ordered = flows.sort_values(["mw", "from_zone", "to_zone"], ascending=[False, True, True])
        shown = ordered.head(SUPPLY_TOP_N)
        rows = [_row(r) for r in shown[["from_zone", "to_zone", "mw"]].to_dict("records")]
        rows += _more_rows(len(shown), len(ordered), "zone_imports.csv")
        imports = _table([_col("from_zone", "From", "text"), _col("to_zone", "To", "text"), _num_col("mw", "MW", "mw")], rows, narrow=True)
    return {
        "no_solution": False,
        "totals": totals,
        "by_type": by_type,
        "by_zone_type": by_zone_type,
        "zones": _zone_table(summary, sites, gen, flows),
        "imports": imports,
        "imports_count": len(flows),
        "imports_mw": float(flows["mw"].sum()) if len(flows) else 0.0,
        "connections": _connections_table(sites),
    }


# ------------------------------------------------------------------------------------------------ rules


def marginal_context(marginal: Sequence[MarginalValue] | None) -> dict[str, Any] | None:
    """The non-zero marginal values, the largest few per rule; None when they were not computed."""
    if marginal is None:
        return None
    by_rule: dict[str, list[MarginalValue]] = {}
    for v in marginal:
        if v.value_per_unit != 0.0:
            by_rule.setdefault(v.rule, []).append(v)
    items: list[dict[str, Any]] = []
    for values in by_rule.values():
        ranked = sorted(values, key=lambda v: -abs(v.value_per_unit))
        items += [{"text": v.sentence, "more": False} for v in ranked[:MARGINAL_PER_RULE]]
        if len(ranked) > MARGINAL_PER_RULE:
            items.append({"text": f"+{len(ranked) - MARGINAL_PER_RULE} more {ranked[0].rule} rows with smaller values", "more": True})
    return {"items": items, "slack": sum(1 for v in marginal if v.value_per_unit == 0.0)}


def _marginal_from_summary(summary: Mapping[str, Any]) -> list[MarginalValue] | None:
    """summary.json's ``marginal_values`` (the non-zero ones, as records) back as MarginalValue."""
    records = summary.get("marginal_values")
    if not isinstance(records, list):
        return None
    fields = MarginalValue.__dataclass_fields__
    rows: list[dict[str, Any]] = [{k: r.get(k) for k in fields} for r in records if isinstance(r, Mapping)]
    try:
        return [MarginalValue(**row) for row in rows]
    except TypeError:
        return None


def _provenance(summary: Mapping[str, Any], f: Figures) -> list[tuple[str, str]]:
    s = summary
    size = s.get("model_size") or {}
    solver = s.get("solver") or {}
    return [
        ("scenario_sha256", str(s.get("scenario_sha256") or DASH)),
        ("data_sha256", str(s.get("data_sha256") or DASH)),
        ("solver", " · ".join(str(x) for x in (solver.get("name"), solver.get("route")) if x) or DASH),
        ("model size", f"{fmt_int(size.get('rows'))} rows · {fmt_int(size.get('columns'))} columns · "
                       f"{fmt_int(size.get('nonzeros'))} nonzeros" if size else DASH),
        ("seconds", " · ".join(f"{k} {v:,.2f}" for k, v in f.seconds.items()) or DASH),
        ("objective", (f"{s.get('objective_sense') or DASH}: {fmt_generic(s.get('objective'))} {s.get('objective_unit') or ''}"
                       f" (dual bound {fmt_generic(s.get('dual_bound'))})")),
    ]


# ------------------------------------------------------------------------------------------------ timeline, finance

# Timeline columns (key, header, format), shown when some row has a value: the multi-year model's
# per-year series (IT MW online, capex, revenue, cash flow, NPV) and the pathway's sources of power.
TIMELINE_COLUMNS: list[tuple[str, str, str]] = [
    ("year", "Year", "str"),
    ("it_mw_online", "IT MW online", "mw"),
    ("firm_mw", "Firm MW", "mw"),
    ("bridge_mw", "Bridge MW", "mw"),
    ("flexible_mw", "Flexible MW", "mw"),
    ("capex_usd", "Capex", "usd"),
    ("opex_usd", "Opex", "usd"),
    ("revenue_usd", "Revenue", "usd"),
    ("cash_flow_usd", "Cash flow", "usd"),
    ("npv_usd", "NPV to date", "usd"),
]


def timeline_context(rows: pd.DataFrame | Sequence[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    """The timeline block: one row per year with any of :data:`TIMELINE_COLUMNS` (``npv_usd``: the NPV of the
    cash flows up to that year); None (no block) without rows."""
    if rows is None:
        return None
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    if not records:
        return None
    present = {k for r in records for k, v in r.items() if v is not None and not (isinstance(v, float) and pd.isna(v))}
    columns = [_col(k, h, fmt, "" if k == "year" else "n") for k, h, fmt in TIMELINE_COLUMNS if k in present]
    keys = [c["key"] for c in columns]
    table_rows = [_row({k: (str(int(r[k])) if k == "year" and number(r.get(k)) is not None else r.get(k)) for k in keys})
                  for r in records]
    return {"table": _table(columns, table_rows), "has_npv": "npv_usd" in present}


# summary.json's investor figures (issue "finance that holds up"): key -> (card, format, note).
FINANCE_KEYS: dict[str, tuple[str, str, str]] = {
    "npv_usd": ("NPV", "usd", "levered equity, horizon value included"),
    "npv_excl_horizon_value_usd": ("NPV without horizon value", "usd", "what the plan earns within the horizon"),
    "horizon_value_usd": ("Horizon value", "usd", "discounted value at the horizon end"),
    "irr": ("IRR", "share", "equity"),
    "dscr_min": ("DSCR min", "dec2", "lowest debt-service coverage of any year"),
}


def finance_context(summary: Mapping[str, Any], tornado_png: bytes | None = None) -> dict[str, Any] | None:
    """The finance block from summary.json's ``npv_usd``, ``npv_excl_horizon_value_usd``, ``horizon_value_usd``,
    ``irr`` and ``dscr_min`` (those present) and the NPV tornado; None when the run has none of them."""
    cards = [card(label, summary[k], fmt, sub=[note]) for k, (label, fmt, note) in FINANCE_KEYS.items() if k in summary]
    if not cards and tornado_png is None:
        return None
    return {"cards": cards, "tornado_uri": data_uri_png(tornado_png) if tornado_png is not None else None}


# ------------------------------------------------------------------------------------------------ run report


def run_context(
    summary: Mapping[str, Any],
    sites: pd.DataFrame | None,
    *,
    map_page: str | None = None,
    static_png: bytes | None = None,
    ranking: pd.DataFrame | None = None,
    marginal: Sequence[MarginalValue] | None = None,
    timeline: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    tornado_png: bytes | None = None,
    anchor: str = "",
) -> dict[str, Any]:
    """Everything one run's report shows, as numbers and rows (the template formats them).

    ``map_page`` is the rendered offline map page (:func:`self_contained_html`), ``static_png`` ``map.png``;
    ``ranking`` (one row per candidate) feeds "why these sites"; ``marginal`` the binding rules (None: the
    summary's ``marginal_values``, else not computed); ``timeline`` one row per year (multi-year runs);
    ``tornado_png`` the NPV sensitivity. ``anchor`` prefixes the runner-ups' id (several runs on a page)."""
    f = Figures.from_summary(summary)
    status = summary.get("status")
    if marginal is None:
        marginal = _marginal_from_summary(summary)
    runner_anchor = f"{anchor}-runner-ups" if anchor else "runner-ups"
    counted = _counted_words(f.zonal, bool(ranking.attrs.get("counts_opex")) if ranking is not None and "counts_opex" in ranking.attrs
                             else _summary_counts_opex(summary))
    return {
        "name": str(summary.get("scenario") or "run"),
        "status": status,
        "status_class": _STATUS_CLASS.get(str(status), "other"),
        "objective_text": _objective_text(summary),
        "near_tie": _near_tie(summary, runner_anchor),
        "near_tie_anchor": runner_anchor,
        "diagnosis": _diagnosis(summary),
        "figures": f,
        "cards": headline_cards(f),
        "finance": finance_context(summary, tornado_png),
        "sites": sites_table(sites, f),
        "map": {"page": map_page, "png_uri": data_uri_png(static_png) if static_png is not None else None,
                "note": _ZONAL_MAP_NOTE if f.zonal else _RUN_MAP_NOTE},
        "waterfall": waterfall_context(summary, f),
        "timeline": timeline_context(timeline),
        "supply": supply_context(summary, sites),
        "ranking": ranking_context(ranking, counted) if ranking is not None else None,
        "marginal": marginal_context(marginal),
        "runner_ups": runner_ups_context(summary, counted),
        "provenance": _provenance(summary, f),
    }


def _map_page(fmap: folium.Map | str | None) -> str | None:
    return fmap if isinstance(fmap, str) or fmap is None else self_contained_html(fmap)


def run_report_html(
    summary: Mapping[str, Any],
    sites: gpd.GeoDataFrame | None,
    *,
    fmap: folium.Map | str | None = None,
    static_png: bytes | None = None,
    ranking: pd.DataFrame | None = None,
    marginal: Sequence[MarginalValue] | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    build_map: bool = True,
    title: str | None = None,
    timeline: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    tornado_png: bytes | None = None,
) -> str:
    """The standalone ``report.html`` page of one run (``run_report.html.j2`` with :func:`run_context`).

    ``fmap`` is a folium map (or its already rendered :func:`self_contained_html` page, to avoid rendering it
    twice); without one and with sites, ``folium_map(sites, title, candidates=candidates)`` is drawn unless
    ``build_map`` is False. The other arguments are :func:`run_context`'s."""
    title = title or f"{summary.get('scenario') or 'run'}: {summary.get('status')}"
    if fmap is None and build_map and sites is not None and len(sites):
        fmap = folium_map(sites, title, candidates=candidates, generation=summary.get("new_generation") or None)
    run = run_context(summary, sites, map_page=_map_page(fmap), static_png=static_png, ranking=ranking, marginal=marginal,
                      timeline=timeline, tornado_png=tornado_png)
    return render("run_report.html.j2", {"title": f"{title} · siting report", "run": run})


def write_run_report(path: str | os.PathLike[str], summary: Mapping[str, Any], sites: gpd.GeoDataFrame | None, **kwargs: Any) -> Path:
    """Write :func:`run_report_html` (same keyword arguments) to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(run_report_html(summary, sites, **kwargs), encoding="utf-8")
    return out


# ------------------------------------------------------------------------------------------------ compare


def _anchor(name: str) -> str:
    return "sc-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def compare_headline(figures: Sequence[Figures], names: Sequence[str], statuses: Sequence[Any],
                     marginal_text: Sequence[str], policy: Sequence[Mapping[str, Any]] | None = None) -> Table:
    """One row per scenario from its Figures; changes are against the first (base). ``policy``: per scenario
    the rule's cost in dollars from compare.csv (``budget_to_match_base_usd``, ``policy_cost_usd``)."""
    columns = [_col("scenario", "Scenario"), _col("status", "Status"), _num_col("compute_pflops", "PFLOPS", "pflops"),
               _num_col("compute_change_pflops", "Δ PFLOPS vs base", "pflops_signed"),
               _num_col("total_cost_usd", "Total cost", "usd"), _num_col("cost_change_usd", "Δ cost vs base", "usd_signed"),
               _num_col("budget_to_match_base_usd", "Budget to match base PFLOPS", "usd"),
               _num_col("policy_cost_usd", "Rule's cost in $", "usd_signed"), _col("policy_cost_basis", "Rule's cost: basis", "str", "w"),
               _num_col("usd_per_pflops", "$/PFLOPS", "usd_per_pflops"), _num_col("facility_mw", "Facility MW", "mw"),
               _num_col("sites_built", "Sites", "int"), _num_col("co2_t_per_year", "CO₂ Mt/yr", "co2_mt"),
               _col("marginal_values", "Marginal values", "str", "w")]
    base = figures[0] if figures else None
    rows = []
    dollars = list(policy) if policy is not None and len(policy) == len(names) else [{} for _ in names]
    for i, (f, name, status, mv) in enumerate(zip(figures, names, statuses, marginal_text)):
        first = i == 0
        rows.append(_row({
            "budget_to_match_base_usd": number(dollars[i].get("budget_to_match_base_usd")),
            "policy_cost_usd": number(dollars[i].get("policy_cost_usd")),
            "policy_cost_basis": str(dollars[i].get("policy_cost_basis") or DASH),
            "scenario": name + (" (base)" if first and name != "base" else ""), "status": str(status),
            "compute_pflops": f.compute_pflops,
            "compute_change_pflops": None if first or base is None else _delta(f.compute_pflops, base.compute_pflops),
            "total_cost_usd": f.total_cost_usd,
            "cost_change_usd": None if first or base is None else _delta(f.total_cost_usd, base.total_cost_usd),
            "usd_per_pflops": f.usd_per_pflops, "facility_mw": f.facility_mw, "sites_built": f.sites_built,
            "co2_t_per_year": f.co2_t_per_year, "marginal_values": mv,
        }, "built" if first else ""))
    return _table(columns, rows)


def compare_context(
    entries_summaries: Sequence[Mapping[str, Any]],
    table: pd.DataFrame,
    *,
    map_page: str | None = None,
    marginal_by_scenario: Mapping[str, Sequence[MarginalValue]] | None = None,
    sites_by_scenario: Mapping[str, gpd.GeoDataFrame | None] | None = None,
    static_png: bytes | None = None,
) -> dict[str, Any]:
    """The compare page: a headline row per scenario (numbers from each one's Figures; ``table``, from
    :func:`model.workflows.compare.compare_table`, gives the marginal-value summary when none are passed),
    the difference map and one :func:`run_context` per scenario."""
    names = [str(s.get("scenario") or f"scenario {i + 1}") for i, s in enumerate(entries_summaries)]
    base = names[0] if names else "base"
    records = table.to_dict("records") if len(table) == len(names) else [{} for _ in names]
    runs, marginal_text = [], []
    for name, s, record in zip(names, entries_summaries, records):
        marginal = None if marginal_by_scenario is None else marginal_by_scenario.get(name)
        if marginal is not None:
            values = [v for v in marginal if v.value_per_unit != 0.0]
            marginal_text.append("; ".join(v.sentence for v in sorted(values, key=lambda v: -abs(v.value_per_unit))[:3]) or "none bind")
        else:
            marginal_text.append(str(record.get("marginal_values") or "") or DASH)
        sites = (sites_by_scenario or {}).get(name)
        run = run_context(s, sites, marginal=marginal, anchor=_anchor(name))
        run |= {"anchor": _anchor(name), "show_sites": sites_by_scenario is not None}
        runs.append(run)
    has_map = map_page is not None or static_png is not None
    return {
        "title": f"Scenario comparison against {base} · siting report",
        "base": base,
        "headline": compare_headline([r["figures"] for r in runs], names, [s.get("status") for s in entries_summaries], marginal_text,
                                     records),
        "map": {"page": map_page, "png_uri": data_uri_png(static_png) if static_png is not None else None,
                "note": _COMPARE_MAP_NOTE} if has_map else None,
        "runs": runs,
    }


def compare_report_html(
    entries_summaries: Sequence[Mapping[str, Any]],
    table: pd.DataFrame,
    *,
    fmap: folium.Map | str | None = None,
    marginal_by_scenario: Mapping[str, Sequence[MarginalValue]] | None = None,
    sites_by_scenario: Mapping[str, gpd.GeoDataFrame | None] | None = None,
    static_png: bytes | None = None,
) -> str:
    """The standalone ``report.html`` of a compare (``compare_report.html.j2`` with :func:`compare_context`):
    a headline table of every scenario against the first, the difference map (``fmap``:
    :func:`model.plot.maps.compare_folium_grid`, or its rendered page; ``static_png``: ``compare.png`` bytes), then
    one section per scenario (headline, costs, sites if ``sites_by_scenario`` has them, rules, runner-ups)."""
    context = compare_context(entries_summaries, table, map_page=_map_page(fmap), marginal_by_scenario=marginal_by_scenario,
                              sites_by_scenario=sites_by_scenario, static_png=static_png)
    return render("compare_report.html.j2", context)


def write_compare_report(path: str | os.PathLike[str], entries_summaries: Sequence[Mapping[str, Any]], table: pd.DataFrame, **kwargs: Any) -> Path:
    """Write :func:`compare_report_html` (same keyword arguments) to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(compare_report_html(entries_summaries, table, **kwargs), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------- alternatives


def alternatives_context(summary: Mapping[str, Any], table: pd.DataFrame, frequency_png: bytes | None, title: str) -> dict[str, Any]:
    """`siting alternatives`: the plans within the slack, must-haves, interchangeable groups, MW range by state
    and the frequency map."""
    names = summary.get("site_names", {})
    fmt_obj = "pflops" if summary.get("sense") == "max" else "usd"
    shares = summary.get("objective_share_of_optimum", {})
    rows = [
        _row({"alternative": str(r.alternative), "status": str(r.status), "objective": r.objective,
              "share": shares.get(r.alternative),
              "sites": "; ".join(names.get(s, s) for s in str(r.sites).split(";") if s and s != "nan")})
        for r in table.itertuples()
    ]
    plans = _table([_col("alternative", "Plan"), _col("status", "Status"), _num_col("objective", "Objective", fmt_obj),
                    _num_col("share", "Share of optimum", "share"), _col("sites", "Sites", "str", "w")], rows)
    ranges = _table([_col("state", "State"), _num_col("min_mw", "Min MW", "mw"), _num_col("max_mw", "Max MW", "mw")],
                    [_row({"state": st, "min_mw": r["min_mw"], "max_mw": r["max_mw"]})
                     for st, r in summary.get("mw_by_state_range", {}).items()], narrow=True)
    return {
        "title": title,
        "plans_count": len(table),
        "slack": summary.get("slack"),
        "must_have": "; ".join(names.get(s, s) for s in summary.get("must_have_sites", [])),
        "groups": ["; ".join(names.get(s, s) for s in g) for g in summary.get("interchangeable_groups", [])],
        "plans": plans,
        "ranges": ranges,
        "frequency_uri": data_uri_png(frequency_png) if frequency_png else None,
    }


def alternatives_report_html(summary: Mapping[str, Any], table: pd.DataFrame, frequency_png: bytes | None, title: str) -> str:
    """report.html of `siting alternatives` (``alternatives_report.html.j2`` with :func:`alternatives_context`)."""
    return render("alternatives_report.html.j2", alternatives_context(summary, table, frequency_png, title))

