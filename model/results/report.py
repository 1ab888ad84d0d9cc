"""``report.html``: one self-contained page per run (and per compare) for investors, planners and analysts.

Everything is inline so the file can be mailed or archived and still opens offline: a small stylesheet
with system fonts, charts as ``data:`` PNGs, the interactive folium map inside ``<iframe srcdoc>`` (its
Leaflet and jQuery are already inlined by :func:`model.plot.maps.self_contained_html`). No script, stylesheet,
image or font is fetched from anywhere.

* :func:`run_report_html` / :func:`write_run_report` — one run: headline, sites, map, cost waterfall, supply
  (zonal runs: new generation by type and zone, MW by zone, imports, each site's connection), why these sites
  (ranking), binding rules and their marginal values, runner-ups, diagnosis, provenance.
* :func:`compare_report_html` / :func:`write_compare_report` — several scenarios against the first (base).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from model.plot.maps import folium_map, self_contained_html
from model.solve.duals import MarginalValue

DASH = "—"
# Rows of the ranking shown besides every built site (the built ones are always listed).
RANKING_TOP_N = 15
# Non-zero marginal values listed per rule (per-city latency rows can number in the dozens).
MARGINAL_PER_RULE = 5

_PRECISION = {"fp8": "FP8 dense", "bf16": "BF16 dense"}
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
    "new_generation": ("New generation", "#8C6D31"),
    "energy_opex_pv": ("Energy opex (PV)", "#D55E00"),
    "new_generation_energy": ("New-gen energy (PV)", "#B07AA1"),
}
# Waterfall parts that are energy over the horizon (after the capex subtotal), not capital.
_OPEX_PARTS = ("energy_opex_pv", "new_generation_energy")
# Rows of the zonal supply tables shown (the rest are in generation.csv / zone_imports.csv).
SUPPLY_TOP_N = 20
_GEN_LABELS = {"gas_cc": "gas CC", "gas_ct": "gas CT", "solar": "solar", "onshore_wind": "onshore wind", "battery_4h": "4-h battery"}

_CSS = """
:root { --ink:#1d2430; --muted:#5b6575; --line:#dde2e9; --soft:#f5f7fa; --accent:#0b5cad;
        --ok:#1a7f37; --warn:#9a6700; --bad:#b42318; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.45;
       font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width:1200px; margin:0 auto; padding:24px 28px 48px; }
h1 { font-size:26px; margin:0 0 4px; }
h2 { font-size:19px; margin:36px 0 10px; padding-bottom:6px; border-bottom:2px solid var(--line); }
h3 { font-size:16px; margin:22px 0 8px; }
p.lead, .muted { color:var(--muted); }
p.lead { margin:0 0 16px; }
.badge { display:inline-block; padding:1px 10px; border-radius:999px; font-size:13px; font-weight:600;
         vertical-align:middle; border:1px solid currentColor; margin-left:8px; }
.badge.ok { color:var(--ok); } .badge.warn { color:var(--warn); } .badge.bad { color:var(--bad); }
.badge.other { color:var(--muted); }
.banner { padding:10px 14px; border-radius:6px; margin:12px 0; border-left:5px solid; }
.banner.warn { background:#fff8e6; border-color:#d4a72c; }
.banner.bad { background:#fdecea; border-color:var(--bad); }
.cards { display:grid; grid-template-columns:repeat(4, 1fr); gap:12px; margin:16px 0; }
@media (max-width:900px) { .cards { grid-template-columns:repeat(2, 1fr); } }
.card { border:1px solid var(--line); border-radius:8px; padding:12px 14px; background:var(--soft); }
.card .k { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.card .v { font-size:24px; font-weight:650; margin:2px 0; font-variant-numeric:tabular-nums; white-space:nowrap; }
.card .v small { font-size:14px; font-weight:500; color:var(--muted); margin-left:4px; }
.card .s { font-size:13px; color:var(--muted); }
.meter { height:6px; background:#e3e7ee; border-radius:3px; margin-top:6px; overflow:hidden; }
.meter > span { display:block; height:100%; background:var(--accent); }
.tablewrap { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:14px; font-variant-numeric:tabular-nums; }
th, td { padding:5px 9px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; white-space:nowrap; }
td.w { white-space:normal; min-width:9em; }
table.narrow { width:auto; min-width:50%; }
th { background:var(--soft); font-weight:600; font-size:13px; white-space:normal; vertical-align:bottom; }
td.n, th.n { text-align:right; }
tfoot td { font-weight:650; border-top:2px solid var(--ink); }
tr.built td { background:#e8f3ff; }
tr.gap td { color:var(--muted); text-align:center; background:#fff; }
ul.sentences { margin:6px 0; padding-left:20px; } ul.sentences li { margin:3px 0; }
figure { margin:12px 0; } figure img { max-width:100%; height:auto; border:1px solid var(--line); border-radius:6px; }
figcaption { font-size:13px; color:var(--muted); margin-top:4px; }
iframe.map { width:100%; height:620px; border:1px solid var(--line); border-radius:6px; }
.static-map { display:none; }
.static-map.only { display:block; }
dl.prov { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; font-size:13px; }
dl.prov dt { color:var(--muted); } dl.prov dd { margin:0; font-family:ui-monospace, Menlo, Consolas, monospace;
  word-break:break-all; }
nav.toc { font-size:14px; } nav.toc a { color:var(--accent); margin-right:14px; }
.scenario { border-top:4px solid var(--line); margin-top:40px; }
@media print { iframe.map { display:none; } .static-map { display:block; } main { max-width:none; } }
"""


# ------------------------------------------------------------------------------------------------ numbers


def _num(x: Any) -> float | None:
    """A finite float, or None for missing, NaN and non-numbers (summaries hold nulls when unknown)."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt_usd(x: Any, signed: bool = False) -> str:
    """Dollars in the unit a reader expects: "$12.34bn", "$123.4M", "$45,000"."""
    v = _num(x)
    if v is None:
        return DASH
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    return f"{sign}${a:,.0f}"


def fmt_pflops(x: Any, signed: bool = False) -> str:
    """PFLOPS as printed in the report: thousands separators, one decimal below 1,000."""
    v = _num(x)
    if v is None:
        return DASH
    spec = "+," if signed else ","
    return f"{v:{spec}.0f}" if abs(v) >= 1000 else f"{v:{spec}.1f}"


def fmt_mw(x: Any, signed: bool = False) -> str:
    v = _num(x)
    if v is None:
        return DASH
    if v == 0:
        return "0"
    spec = "+," if signed else ","
    return f"{v:{spec}.0f}" if abs(v) >= 100 else f"{v:{spec}.1f}"


def fmt_int(x: Any) -> str:
    v = _num(x)
    return DASH if v is None else f"{round(v):,}"


def fmt_co2_mt(tonnes: Any) -> str:
    """CO2 in Mt/yr with enough decimals that small campuses do not read 0.00."""
    v = _num(tonnes)
    if v is None:
        return DASH
    mt = v / 1e6
    if mt == 0 or abs(mt) >= 10:
        return f"{mt:,.1f}"
    return f"{mt:,.{max(2, 1 - math.floor(math.log10(abs(mt))))}f}"


def fmt_share(x: Any) -> str:
    v = _num(x)
    return DASH if v is None else f"{100 * v:,.1f} %"


def fmt_gap(x: Any) -> str:
    v = _num(x)
    return DASH if v is None else f"{100 * v:.2f} %"


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def _gpu_label(gpu: str) -> str:
    return gpu.replace("_", " ")


def data_uri_png(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ------------------------------------------------------------------------------------------------ pieces


def _kind(kind: bool | str) -> str:
    """Column kind: True (or "n") right-aligned numbers, "w" long text that may wrap, else plain text."""
    return "n" if kind is True else ("" if kind is False else kind)


def _td(text: str, kind: bool | str = False) -> str:
    cls = _kind(kind)
    return f'<td class="{cls}">{_e(text)}</td>' if cls else f"<td>{_e(text)}</td>"


def _table(
    headers: Sequence[tuple[str, bool | str]],
    rows: Iterable[tuple[str, Sequence[str]]],
    foot: Sequence[str] | None = None,
    narrow: bool = False,
) -> str:
    """An HTML table; ``headers`` are (label, kind); each row is (tr class, already formatted cells)."""
    kinds = [_kind(k) for _, k in headers]
    head = "".join(f'<th class="n">{_e(h)}</th>' if k == "n" else f"<th>{_e(h)}</th>" for (h, _), k in zip(headers, kinds))
    body = []
    for cls, cells in rows:
        if cls == "gap":
            body.append(f'<tr class="gap"><td colspan="{len(headers)}">{_e(cells[0])}</td></tr>')
            continue
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(_td(c, k) for c, k in zip(cells, kinds)) + "</tr>")
    tfoot = ""
    if foot is not None:
        tfoot = "<tfoot><tr>" + "".join(_td(c, k) for c, k in zip(foot, kinds)) + "</tr></tfoot>"
    table_cls = ' class="narrow"' if narrow else ""
    return (f'<div class="tablewrap"><table{table_cls}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody>{tfoot}</table></div>')


def _card(key: str, value: str, sub: str = "", extra: str = "", unit: str = "") -> str:
    small = f"<small>{_e(unit)}</small>" if unit else ""
    return (
        f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{_e(value)}{small}</div>'
        f'{f"<div class=s>{sub}</div>" if sub else ""}{extra}</div>'
    )


def _status_badge(status: Any) -> str:
    cls = _STATUS_CLASS.get(str(status), "other")
    return f'<span class="badge {cls}">{_e(status or "unknown")}</span>'


def _zonal(summary: Mapping[str, Any]) -> bool:
    return summary.get("supply_model") == "zonal"


def _spend(summary: Mapping[str, Any]) -> float | None:
    """What the budget row counts: capex (with new generation's PV in zonal runs), plus the energy PV when
    the scenario says so."""
    if summary.get("budget_includes_opex"):
        return _num(summary.get("total_cost_usd"))
    capex = _num(summary.get("capex_usd"))
    new_gen = _num(summary.get("new_generation_cost_pv_usd")) or 0.0
    return None if capex is None else capex + new_gen


def _cards(summary: Mapping[str, Any]) -> str:
    s = summary
    precision = _PRECISION.get(str(s.get("precision")), str(s.get("precision") or ""))
    by_type = {g: n for g, n in (s.get("gpus_by_type") or {}).items() if _num(n)}
    gpu_sub = " · ".join(f"{fmt_int(n)} {_e(_gpu_label(g))}" for g, n in by_type.items())
    cards = [_card("Compute", fmt_pflops(s.get("compute_pflops")), _e(precision), unit="PFLOPS"),
             _card("GPUs", fmt_int(s.get("gpus")), gpu_sub)]
    total = _num(s.get("total_cost_usd"))
    capex, opex = _num(s.get("capex_usd")), _num(s.get("energy_opex_pv_usd"))
    budget, spend = _num(s.get("budget_usd")), _spend(s)
    cost_sub = f"capex {fmt_usd(capex)} · energy PV {fmt_usd(opex)}"
    if _zonal(s):
        cost_sub += f" · new generation PV {fmt_usd(s.get('new_generation_cost_pv_usd'))}"
    meter = ""
    if budget:
        counted = "capex + energy PV" if s.get("budget_includes_opex") else "capex"
        used = spend / budget if spend is not None else None
        cost_sub += f"<br>{100 * used:,.1f} % of {fmt_usd(budget)} budget ({counted})" if used is not None else f"<br>budget {fmt_usd(budget)} ({counted})"
        if used is not None:
            meter = f'<div class="meter"><span style="width:{min(max(used, 0.0), 1.0) * 100:.1f}%"></span></div>'
    cards.append(_card("Total cost", fmt_usd(total), cost_sub, meter))
    it = _num(s.get("it_mw"))
    cards.append(_card("Facility power", fmt_mw(s.get("facility_mw")), f"{fmt_mw(it)} MW of IT" if it is not None else "", unit="MW"))
    cand = s.get("candidates")
    cards.append(_card("Sites built", fmt_int(s.get("sites_built")), f"of {fmt_int(cand)} candidates" if cand is not None else ""))
    co2_sub = "grid energy of the campuses"
    if _zonal(s) and _num(s.get("new_generation_co2_t_per_year")):
        co2_sub += f"; new generation {fmt_co2_mt(s.get('new_generation_co2_t_per_year'))} Mt/yr net of the grid CO₂ it displaces"
    cards.append(_card("CO₂", fmt_co2_mt(s.get("co2_t_per_year")), co2_sub, unit="Mt/yr"))
    seconds = s.get("seconds") or {}
    solve = _num(seconds.get("solve"))
    total_s = sum(v for v in (_num(x) for x in seconds.values()) if v is not None)
    cards.append(_card("MIP gap", fmt_gap(s.get("mip_gap")), f"target {fmt_gap((s.get('solver') or {}).get('mip_gap_target'))}"))
    cards.append(_card("Solve time", f"{solve:,.1f}" if solve is not None else DASH, f"{total_s:,.1f} s end to end" if seconds else "", unit="s" if solve is not None else ""))
    return f'<div class="cards">{"".join(cards)}</div>'


def _near_tie_banner(summary: Mapping[str, Any], anchor: str = "runner-ups") -> str:
    if summary.get("near_tie") is not True:
        return ""
    closest = ""
    runner = [r for r in (summary.get("runner_ups") or []) if isinstance(r, Mapping)]
    if runner:
        r = runner[0]
        where = ", ".join(str(x) for x in (r.get("county_name"), r.get("state")) if x)
        gap = _num(r.get("gap_share"))
        closest = f" Closest: {_e(where or 'a runner-up')}" + (f", gap to enter {fmt_signed_share(gap)}." if gap is not None else ".")
    return (
        '<div class="banner warn" id="near-tie-banner"><b>Near tie.</b> Other sites are almost as good as the chosen '
        "ones, so small changes in prices, grid capacity or costs could swap them; read the choice as a short list, "
        f'not a single answer (see <a href="#{anchor}">runner-ups</a>).{closest}</div>'
    )


def _diagnosis(summary: Mapping[str, Any]) -> str:
    diag = summary.get("diagnosis")
    if not diag:
        return ""
    message = diag.get("message") if isinstance(diag, Mapping) else str(diag)
    return f'<div class="banner bad" id="diagnosis"><b>Infeasible: what to relax.</b> {_e(message)}</div>'


# ------------------------------------------------------------------------------------------------ sites


def _site_energy_price(row: pd.Series) -> float | None:
    """Cost of supply per MWh where the run has it (bills plus on-site assets), else the grid price."""
    supply = _num(row.get("supply_cost_usd_per_mwh"))
    return supply if supply else _num(row.get("price_usd_per_mwh"))


def _sites_section(sites: gpd.GeoDataFrame | pd.DataFrame | None) -> str:
    if sites is None or not len(sites):
        return '<p class="muted">No site is built in this run.</p>'
    frame = sites.sort_values("facility_mw", ascending=False) if "facility_mw" in sites else sites
    gpu_cols = [c for c in frame.columns if c.startswith("gpus_") and frame[c].sum() > 0]
    headers: list[tuple[str, bool]] = [("County", False), ("State", False)]
    headers += [(f"{_gpu_label(c.removeprefix('gpus_'))} GPUs", True) for c in gpu_cols]
    if len(gpu_cols) != 1:
        headers.append(("GPUs", True))
    zonal = "zone" in frame.columns
    # Zonal supply: the site's zone and time to power (connections: the supply section); legacy: headroom + tier.
    grid_headers = [("Zone", False), ("Time to power yr", True)] if zonal else [("Headroom MW", True), ("Upgrade", False)]
    headers += [("Facility MW", True), *grid_headers, ("Capex $M", True), ("$/PFLOPS", True), ("Energy $/MWh", True)]
    rows = []
    for _, r in frame.iterrows():
        cells = [str(r.get("county_name", "")), str(r.get("state", ""))]
        cells += [fmt_int(r[c]) for c in gpu_cols]
        if len(gpu_cols) != 1:
            cells.append(fmt_int(r.get("gpus")))
        tier, added = r.get("upgrade_tier") or "", _num(r.get("upgrade_mw")) or 0.0
        capex, pf = _num(r.get("capex_usd")), _num(r.get("compute_pflops"))
        price = _site_energy_price(r)
        if zonal:
            years = _num(r.get("time_to_power_years"))
            grid_cells = [_text(r.get("zone")), f"{years:,.1f}" if years is not None else DASH]
        else:
            grid_cells = [fmt_mw(r.get("headroom_mw")), f"tier {tier}: +{fmt_mw(added)} MW" if tier else DASH]
        cells += [
            fmt_mw(r.get("facility_mw")),
            *grid_cells,
            f"{capex / 1e6:,.1f}" if capex is not None else DASH,
            f"{capex / pf:,.0f}" if capex is not None and pf else DASH,
            f"{price:,.1f}" if price is not None else DASH,
        ]
        rows.append(("", cells))
    capex_all, pf_all = float(frame["capex_usd"].sum()), float(frame["compute_pflops"].sum())
    foot = [f"Total ({len(frame)} site{'s' if len(frame) != 1 else ''})", ""] + [fmt_int(frame[c].sum()) for c in gpu_cols]
    if len(gpu_cols) != 1:
        foot.append(fmt_int(frame["gpus"].sum()))
    foot += [fmt_mw(frame["facility_mw"].sum()), "", "", f"{capex_all / 1e6:,.1f}",
             f"{capex_all / pf_all:,.0f}" if pf_all else DASH, ""]
    grid = "grid connection (substation and spur)" if zonal else "grid upgrade"
    note = (f'<p class="muted">Capex per site includes GPUs, shell, land, site fixed cost, {grid} and on-site '
            "energy assets; $/PFLOPS is that capex per PFLOPS; energy $/MWh is the cost of supply "
            "(bills, carbon price and on-site assets) where computed, else the grid price."
            + (" New generation is a zone-level cost (see Supply)." if zonal else "") + "</p>")
    return _table(headers, rows, foot) + note


# ------------------------------------------------------------------------------------------------ waterfall


def cost_parts(summary: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(part key, USD) for the waterfall, in build order; missing or zero parts are left out.

    On-site energy assets are the rest of capex after the five siting parts (``capex_usd`` includes them)
    unless the summary names them (``capex_energy_usd``)."""
    by_part = {k: _num(v) for k, v in (summary.get("capex_usd_by_part") or {}).items()}
    parts: list[tuple[str, float]] = []
    for key in ("gpu", "shell", "land", "site", "interconnect"):
        v = by_part.get(key) if key in by_part else _num(summary.get(f"capex_{key}_usd"))
        if v:
            parts.append((key, v))
    assets = _num(summary.get("capex_energy_usd"))
    capex = _num(summary.get("capex_usd"))
    if assets is None and capex is not None and parts:
        rest = capex - sum(v for _, v in parts)
        assets = rest if rest > 1e-6 * max(capex, 1.0) else None  # below that it is rounding of the parts
    if assets:
        parts.append(("energy_assets", assets))
    # Zonal supply: new generation's PV (in the budget's capex) and its energy cost less the grid energy
    # it displaces (may be negative), so the waterfall adds up to total_cost_usd.
    new_gen = _num(summary.get("new_generation_cost_pv_usd"))
    if new_gen:
        parts.append(("new_generation", new_gen))
    opex = _num(summary.get("energy_opex_pv_usd"))
    if opex:
        parts.append(("energy_opex_pv", opex))
    new_gen_energy = _num(summary.get("new_generation_energy_cost_pv_usd"))
    if new_gen_energy:
        parts.append(("new_generation_energy", new_gen_energy))
    return parts


def _axis_usd(top: float) -> tuple[float, str]:
    return (1e9, "$bn") if top >= 1e9 else (1e6, "$M")


def waterfall_png(summary: Mapping[str, Any], dpi: int = 110) -> bytes | None:
    """A cost waterfall (capex parts, energy PV, total) against the budget as PNG bytes; None without costs."""
    parts = cost_parts(summary)
    if not parts:
        return None
    labels, bottoms, heights, colours = [], [], [], []
    run = 0.0
    capex_keys = [k for k, _ in parts if k not in _OPEX_PARTS]
    subtotal_done = False
    for key, v in parts:
        if key in _OPEX_PARTS and capex_keys and not subtotal_done:
            subtotal_done = True
            # A capex subtotal first: budgets often count capex only.
            labels.append("Capex")
            bottoms.append(0.0)
            heights.append(run)
            colours.append("#3b4252")
        label, colour = _PART_LABELS[key]
        labels.append(label)
        bottoms.append(run)
        heights.append(v)
        colours.append(colour)
        run += v
    labels.append("Total" if any(k in _OPEX_PARTS for k, _ in parts) else "Capex")
    bottoms.append(0.0)
    heights.append(run)
    colours.append("#1d2430")
    budget = _num(summary.get("budget_usd"))
    top = max(run, budget or 0.0, max(b + max(h, 0.0) for b, h in zip(bottoms, heights)))
    scale, unit = _axis_usd(top)
    fig = Figure(figsize=(10.5, 4.2), dpi=dpi)
    ax = fig.add_axes((0.075, 0.1, 0.91, 0.78))
    x = range(len(labels))
    ax.bar(x, [h / scale for h in heights], bottom=[b / scale for b in bottoms], color=colours, width=0.62, zorder=2)
    for i, (b, h) in enumerate(zip(bottoms, heights)):
        ax.text(i, (b + h) / scale + top / scale * 0.015, fmt_usd(h).replace("$", r"\$"), ha="center", va="bottom", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85}, zorder=4)  # over the budget line
    for i in range(len(labels) - 1):  # connectors: where the next step starts
        level = (bottoms[i] + heights[i]) / scale
        ax.plot([i + 0.31, i + 0.69], [level, level], color="#8a94a6", lw=0.8, zorder=1)
    if budget:
        counted = "capex + energy PV" if summary.get("budget_includes_opex") else "capex"
        ax.axhline(budget / scale, color="#b42318", ls="--", lw=1.2, zorder=3,
                   label=f"budget {fmt_usd(budget)} ({counted})".replace("$", r"\$"))
        # A legend, not a label on the line: the total bar's own label sits right there.
        ax.legend(loc="upper left", frameon=False, fontsize=9, bbox_to_anchor=(0.0, 1.08), borderaxespad=0.0)
    ax.set_xticks(list(x), labels, fontsize=9.5)
    ax.set_ylim(0, top / scale * 1.12)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if top / scale >= 10 else f"{v:,.1f}"))
    ax.set_ylabel(unit.replace("$", r"\$"))
    ax.grid(axis="y", color="#e3e7ee", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _waterfall_section(summary: Mapping[str, Any]) -> str:
    png = waterfall_png(summary)
    if png is None:
        return '<p class="muted">No cost figures (the run has no solution).</p>'
    alt = "; ".join(f"{_PART_LABELS[k][0]} {fmt_usd(v)}" for k, v in cost_parts(summary))
    return (
        f'<figure><img class="waterfall" alt="Cost waterfall: {_e(alt)}" src="{data_uri_png(png)}">'
        "<figcaption>Capex parts, then the present value of energy bills over the horizon; the dashed line is the "
        "budget and says what it counts.</figcaption></figure>"
    )


# ------------------------------------------------------------------------------------------------ map


_RUN_MAP_NOTE = ("Circles: built sites, area ∝ facility MW, colour = main GPU type; counties shaded by grid headroom. "
                 "Click a site for its numbers; layers switch at the top right.")
_ZONAL_MAP_NOTE = ("Circles: built sites, area ∝ facility MW, colour = main GPU type; ReEDS zones shaded by their spare "
                   "firm capacity (hover a zone for its campus MW and new generation); diamonds, where drawn, are the new "
                   "generation built per zone (area ∝ MW). Click a site for its numbers; layers switch at the top right.")
_COMPARE_MAP_NOTE = ("Each scenario against the base: circles are counties that gained (blue), lost (vermillion) or kept (grey) facility MW, "
                     "area ∝ the change; one layer set per scenario, switched at the top right.")


def _map_section(fmap: folium.Map | str | None, static_png: bytes | None, note: str = _RUN_MAP_NOTE) -> str:
    parts = []
    if fmap is not None:
        page = fmap if isinstance(fmap, str) else self_contained_html(fmap)
        parts.append(f'<iframe class="map" title="Interactive map" srcdoc="{html.escape(page, quote=True)}"></iframe>')
    if static_png is not None:
        # Shown when there is no interactive map, and in print (iframes do not print well).
        cls = "static-map" if fmap is not None else "static-map only"
        parts.append(f'<figure class="{cls}"><img alt="Static map of the built sites" src="{data_uri_png(static_png)}"></figure>')
    if not parts:
        return '<p class="muted">No map (no site built).</p>'
    return "".join(parts) + (f'<p class="muted">{_e(note)}</p>' if fmap is not None else "")


# ------------------------------------------------------------------------------------------------ ranking


def _generic(value: Any) -> str:
    v = _num(value)
    if v is None:
        return _text(value)
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return DASH
    return str(v).replace("_", " ") or DASH


def fmt_signed_share(x: Any) -> str:
    """A gap as a signed percentage: "+3.2 %" behind the margin, "-1.0 %" ahead of it."""
    v = _num(x)
    return DASH if v is None else f"{100 * v:+,.1f} %"


def _usd_per_pflops(v: Any) -> str:
    x = _num(v)
    return DASH if x is None else f"{x:,.0f}"


# Columns of model.results.rank.rank_candidates (and of its runner_ups records) shown, in order:
# key -> (header, kind, formatter). Others (capex parts, gpus_* ...) stay in ranking.csv.
_RANKING_COLUMNS: dict[str, tuple[str, bool | str, Callable[[Any], str]]] = {
    "rank": ("Rank", True, fmt_int),
    "county_name": ("County", False, str),
    "state": ("State", False, str),
    "built": ("Built", False, lambda b: "✓ built" if b is True or b == 1 else ""),
    "gpu": ("GPU", False, lambda g: _gpu_label(str(g)) if g else DASH),
    "zone": ("Zone", False, _text),
    "facility_mw": ("Campus MW", True, fmt_mw),  # the ranked best single campus, not the built MW
    "headroom_mw": ("Headroom MW", True, fmt_mw),
    "upgrade_tier": ("Upgrade", False, lambda t: f"tier {t}" if _text(t) != DASH else DASH),
    # Zonal supply: the connection the campus would use, the firm MW it would need beyond the zone's spare.
    "substation_kv": ("Substation kV", True, lambda v: DASH if _num(v) is None else f"{_num(v):,.0f}"),
    "substation_km": ("Spur km", True, lambda v: DASH if _num(v) is None else f"{_num(v):,.1f}"),
    "new_generation_firm_mw": ("New firm MW", True, fmt_mw),
    "time_to_power_years": ("Time to power yr", True, lambda v: DASH if _num(v) is None else f"{_num(v):,.1f}"),
    "usd_per_pflops": ("$/PFLOPS", True, _usd_per_pflops),
    "gap_usd_per_pflops": ("Gap $/PFLOPS", True, lambda v: DASH if _num(v) is None else f"{_num(v):+,.0f}"),
    "gap_share": ("Gap to enter", True, fmt_signed_share),
    "binding_limit": ("Binding limit", "w", _text),
}

_GAP_NOTE = (
    "<i>Gap to enter</i> compares a site's $/PFLOPS with the optimum's marginal $/PFLOPS (what the last dollar "
    "buys): positive means it is dearer and stays out; negative means it is cheaper but was kept out by a rule "
    "shared between sites (a state cap, the number of sites) or by the MIP gap."
)


def _ranking_section(ranking: pd.DataFrame | None, top_n: int = RANKING_TOP_N) -> str:
    if ranking is None:
        return ""
    if not len(ranking):
        return '<p class="muted">The ranking is empty.</p>'
    # Unranked candidates (no campus fits) last, in a stable order.
    frame = ranking.sort_values("rank", na_position="last", kind="stable") if "rank" in ranking else ranking
    built = frame["built"].fillna(False).astype(bool) if "built" in frame else pd.Series(False, index=frame.index)
    position = pd.Series(range(len(frame)), index=frame.index)
    shown = frame[(position < top_n) | built]
    known = [c for c in _RANKING_COLUMNS if c in frame.columns]
    headers = [(_RANKING_COLUMNS[c][0], _RANKING_COLUMNS[c][1]) for c in known]
    rows: list[tuple[str, Sequence[str]]] = []
    last = -1
    for idx, r in shown.iterrows():
        pos = int(position[idx])
        if pos > last + 1:
            rows.append(("gap", [f"… {pos - last - 1:,} candidates not shown …"]))
        last = pos
        rows.append(("built" if bool(built[idx]) else "", [_RANKING_COLUMNS[c][2](r[c]) for c in known]))
    if last < len(frame) - 1:
        rows.append(("gap", [f"… {len(frame) - last - 1:,} more candidates …"]))
    margin = _num(ranking.attrs.get("marginal_usd_per_pflops"))
    source = ranking.attrs.get("marginal_source")
    margin_text = ""
    if margin is not None:
        via = {"dual": "the budget's marginal value"}.get(str(source), str(source or ""))
        margin_text = f" The optimum's marginal cost is <b>${margin:,.0f} per PFLOPS</b>" + (f" (from {_e(via)})." if via else ".")
    return (
        f"<p>Every candidate's best single campus, ranked by all-in $ per PFLOPS; the top {min(top_n, len(frame))} "
        f"and every built site (highlighted).{margin_text} <i>Binding limit</i> is what stops that campus from "
        f"growing. {_GAP_NOTE}</p>" + _table(headers, rows)
    )


# ------------------------------------------------------------------------------------------------ supply


def _gen_label(t: Any) -> str:
    return _GEN_LABELS.get(str(t), _text(t))


def _records(rows: Any, columns: Sequence[str]) -> pd.DataFrame:
    """summary.json rows (a list of dicts) as a frame with at least ``columns`` (missing ones NaN)."""
    frame = pd.DataFrame([r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else [])
    for c in columns:
        if c not in frame:
            frame[c] = pd.Series(dtype=float)
    return frame


def _more_rows(n_shown: int, n_all: int, where: str) -> list[tuple[str, Sequence[str]]]:
    return [("gap", [f"… {n_all - n_shown:,} more rows in {where} …"])] if n_all > n_shown else []


def _supply_totals(summary: Mapping[str, Any], gen: pd.DataFrame) -> str:
    items = [
        ("New generation", f"{fmt_mw(gen['new_mw'].sum())} MW nameplate · {fmt_mw(gen['firm_mw'].sum())} MW firm (accredited)"),
        ("Overnight capex", fmt_usd(summary.get("new_generation_capex_usd"))),
        ("Counted in the budget", f"{fmt_usd(summary.get('new_generation_cost_pv_usd'))} (annualised capex + FOM over the horizon)"),
        ("Its energy, PV", f"{fmt_usd(summary.get('new_generation_energy_cost_pv_usd'))} (fuel + VOM + carbon, less the grid energy it displaces)"),
        ("Its CO₂", f"{fmt_co2_mt(summary.get('new_generation_co2_t_per_year'))} Mt/yr net of the grid CO₂ it displaces"),
    ]
    return '<dl class="prov">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items) + "</dl>"


def _generation_tables(gen: pd.DataFrame) -> str:
    if not len(gen):
        return ("<p>No new generation: every zone's campuses fit in its spare firm capacity (a share of it) "
                "and firm imports.</p>")
    by_type = gen.groupby("type")[["new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd"]].sum()
    by_type = by_type.sort_values("new_mw", ascending=False)
    type_rows = [("", [_gen_label(t), fmt_mw(r["new_mw"]), fmt_mw(r["firm_mw"]), fmt_int(r["energy_mwh_per_year"]),
                       fmt_usd(r["capex_usd"]), fmt_usd(r["cost_pv_usd"])]) for t, r in by_type.iterrows()]
    foot = ["Total", fmt_mw(by_type["new_mw"].sum()), fmt_mw(by_type["firm_mw"].sum()),
            fmt_int(by_type["energy_mwh_per_year"].sum()), fmt_usd(by_type["capex_usd"].sum()), fmt_usd(by_type["cost_pv_usd"].sum())]
    headers = [("Type", False), ("New MW", True), ("Firm MW", True), ("Energy MWh/yr", True), ("Capex", True),
               ("Cost PV (budget)", True)]
    out = "<h3>New generation by type</h3>" + _table(headers, type_rows, foot, narrow=True)
    ordered = gen.sort_values(["new_mw", "zone", "type"], ascending=[False, True, True])
    shown = ordered.head(SUPPLY_TOP_N)
    rows = [("", [_text(r["zone"]), _gen_label(r["type"]), fmt_mw(r["new_mw"]), fmt_mw(r["firm_mw"]),
                  fmt_int(r["energy_mwh_per_year"]), fmt_usd(r["capex_usd"])]) for _, r in shown.iterrows()]
    rows += _more_rows(len(shown), len(ordered), "generation.csv")
    headers = [("Zone", False), ("Type", False), ("New MW", True), ("Firm MW", True), ("Energy MWh/yr", True), ("Capex", True)]
    return out + "<h3>New generation by zone and type</h3>" + _table(headers, rows, narrow=True)


def _zone_rows(summary: Mapping[str, Any], sites: pd.DataFrame | None, gen: pd.DataFrame, flows: pd.DataFrame) -> str:
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
        return ""
    rows = [("", [str(z), fmt_int(count.get(z, 0)), fmt_mw(campus.get(z, 0.0)), fmt_mw(spare.get(z)),
                  fmt_mw(imports.get(z, 0.0)), fmt_mw(exports.get(z, 0.0)), fmt_mw(new_firm.get(z, 0.0))])
            for z in zones[:SUPPLY_TOP_N]]
    rows += _more_rows(min(len(zones), SUPPLY_TOP_N), len(zones), "summary.json (facility_mw_by_zone)")
    headers = [("Zone", False), ("Sites", True), ("Campus MW", True), ("Spare firm MW", True), ("Imports MW", True),
               ("Exports MW", True), ("New firm MW", True)]
    return ("<h3>MW by zone</h3>" + _table(headers, rows, narrow=True)
            + '<p class="muted">Per zone: campus MW + exports − imports − new firm MW stays within a share of the '
            "zone's spare firm capacity (<code>[supply] spare_share</code>).</p>")


def _imports_table(flows: pd.DataFrame) -> str:
    if not len(flows):
        return "<h3>Firm imports</h3><p>No firm imports between zones.</p>"
    ordered = flows.sort_values(["mw", "from_zone", "to_zone"], ascending=[False, True, True])
    shown = ordered.head(SUPPLY_TOP_N)
    rows = [("", [_text(r["from_zone"]), _text(r["to_zone"]), fmt_mw(r["mw"])]) for _, r in shown.iterrows()]
    rows += _more_rows(len(shown), len(ordered), "zone_imports.csv")
    return (
        f"<h3>Firm imports</h3><p>{len(flows):,} interface{'s' * (len(flows) != 1)} carry {fmt_mw(flows['mw'].sum())} MW "
        "of firm imports for new load.</p>" + _table([("From", False), ("To", False), ("MW", True)], rows, narrow=True)
        + '<p class="muted">Imports cost nothing in the model, so these flows are one optimal pattern among many; only '
        "that they fit the interface limits is meaningful.</p>"
    )


def _connections_table(sites: pd.DataFrame | None) -> str:
    if sites is None or not len(sites) or "zone" not in sites:
        return ""
    frame = sites.sort_values("facility_mw", ascending=False) if "facility_mw" in sites else sites
    rows = []
    for _, r in frame.iterrows():
        cost, years = _num(r.get("connection_cost_usd")), _num(r.get("time_to_power_years"))
        kv, km = _num(r.get("substation_kv")), _num(r.get("substation_km"))
        rows.append(("", [
            str(r.get("county_name", "")), str(r.get("state", "")), _text(r.get("zone")), fmt_mw(r.get("facility_mw")),
            f"{kv:,.0f}" if kv else DASH, f"{km:,.1f}" if km is not None and kv else DASH,
            fmt_mw(r.get("connection_mw")), f"{cost / 1e6:,.1f}" if cost is not None else DASH,
            f"{years:,.1f}" if years is not None else DASH,
        ]))
    headers = [("County", False), ("State", False), ("Zone", False), ("Facility MW", True), ("Substation kV", True),
               ("Spur km", True), ("Connection MW", True), ("Connection $M", True), ("Time to power yr", True)]
    return (
        "<h3>Each site's connection</h3>" + _table(headers, rows)
        + '<p class="muted">Connection: a new substation of the class (its deliverable MW) and a straight spur line to '
        "the nearest existing station of that voltage; cost = substation + spur $/km × km. Time to power: the "
        "zone's (else the ISO's) median interconnection time.</p>"
    )


def supply_section(summary: Mapping[str, Any], sites: pd.DataFrame | None) -> str:
    """Zonal supply runs: where the firm MW came from (new generation by type and zone, capex, MW by zone,
    imports) and each built site's zone, connection and time to power. Empty for legacy runs."""
    if not _zonal(summary):
        return ""
    gen = _records(summary.get("new_generation"), ("zone", "type", "new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd"))
    flows = _records(summary.get("zone_imports"), ("from_zone", "to_zone", "mw"))
    if summary.get("new_generation_capex_usd") is None and not len(gen):
        return '<p class="muted">No supply figures (the run has no solution).</p>'
    lead = ("<p>Zonal supply: each ReEDS zone's campuses draw on its spare firm capacity, firm imports over NARIS "
            "interfaces and new generation the investor builds there (accredited at its capacity credit).</p>")
    return (lead + _supply_totals(summary, gen) + _generation_tables(gen) + _zone_rows(summary, sites, gen, flows)
            + _imports_table(flows) + _connections_table(sites))


# ------------------------------------------------------------------------------------------------ rules


def _marginal_section(marginal: Sequence[MarginalValue] | None) -> str:
    if marginal is None:
        return '<p class="muted">Marginal values were not computed for this run.</p>'
    by_rule: dict[str, list[MarginalValue]] = {}
    for v in marginal:
        if v.value_per_unit != 0.0:
            by_rule.setdefault(v.rule, []).append(v)
    slack = sum(1 for v in marginal if v.value_per_unit == 0.0)
    if not by_rule:
        return '<p class="muted">No rule binds: none of the budget, target or policy rows would change the optimum if moved a little.</p>'
    items = []
    for values in by_rule.values():
        ranked = sorted(values, key=lambda v: -abs(v.value_per_unit))
        items += [f"<li>{_e(v.sentence)}</li>" for v in ranked[:MARGINAL_PER_RULE]]
        if len(ranked) > MARGINAL_PER_RULE:
            items.append(f'<li class="muted">+{len(ranked) - MARGINAL_PER_RULE} more {_e(ranked[0].rule)} rows with smaller values</li>')
    note = f" {slack} other rule row{'s' * (slack != 1)} do{'es' * (slack == 1)} not bind." if slack else ""
    return (
        f'<ul class="sentences">{"".join(items)}</ul><p class="muted">Local values with the chosen sites held fixed: '
        f"they hold for small changes that do not alter which sites are built.{note}</p>"
    )


def _marginal_from_summary(summary: Mapping[str, Any]) -> list[MarginalValue] | None:
    """summary.json's ``marginal_values`` (the non-zero ones, as records) back as MarginalValue."""
    records = summary.get("marginal_values")
    if not isinstance(records, list):
        return None
    fields = MarginalValue.__dataclass_fields__
    try:
        return [MarginalValue(**{k: r.get(k) for k in fields}) for r in records if isinstance(r, Mapping)]
    except TypeError:
        return None


def _runner_ups_section(summary: Mapping[str, Any]) -> str:
    runners = [r for r in (summary.get("runner_ups") or []) if isinstance(r, Mapping)]
    tie = summary.get("near_tie")
    lead = ""
    if tie is True:
        lead = "<p><b>Near tie:</b> at least one runner-up is within the MIP gap (or 0.5 %) of entering.</p>"
    elif tie is False:
        lead = "<p>No near tie: every runner-up is clearly dearer than the optimum's margin.</p>"
    if not runners:
        return lead + '<p class="muted">No runner-up list in this run.</p>'
    keys = [k for k in _RANKING_COLUMNS if k != "built" and any(k in r for r in runners)]
    headers = [(_RANKING_COLUMNS[k][0], _RANKING_COLUMNS[k][1]) for k in keys]
    rows = [("", [_RANKING_COLUMNS[k][2](r.get(k)) for k in keys]) for r in runners]
    note = f'<p class="muted">{_GAP_NOTE}</p>' if "gap_share" in keys else ""
    return lead + _table(headers, rows, narrow=True) + note


def _provenance(summary: Mapping[str, Any]) -> str:
    s = summary
    size = s.get("model_size") or {}
    solver = s.get("solver") or {}
    seconds = s.get("seconds") or {}
    items = [
        ("scenario_sha256", s.get("scenario_sha256") or DASH),
        ("data_sha256", s.get("data_sha256") or DASH),
        ("solver", " · ".join(str(x) for x in (solver.get("name"), solver.get("route")) if x) or DASH),
        ("model size", f"{fmt_int(size.get('rows'))} rows · {fmt_int(size.get('columns'))} columns · "
                       f"{fmt_int(size.get('nonzeros'))} nonzeros" if size else DASH),
        ("seconds", " · ".join(f"{k} {float(v):,.2f}" for k, v in seconds.items() if _num(v) is not None) or DASH),
        ("objective", (f"{s.get('objective_sense') or DASH}: {_generic(s.get('objective'))} {s.get('objective_unit') or ''}"
                       f" (dual bound {_generic(s.get('dual_bound'))})")),
    ]
    return '<dl class="prov">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items) + "</dl>"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>\n"
    )


def _lead(summary: Mapping[str, Any]) -> str:
    sense = summary.get("objective_sense")
    what = {"max_compute": "most compute for the budget", "min_cost": "least cost for the target"}.get(str(sense), str(sense or ""))
    return f'<p class="lead">Objective: {_e(what)}.</p>' if what else ""


# ------------------------------------------------------------------------------------------------ run report


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
) -> str:
    """The standalone ``report.html`` page of one run.

    ``fmap`` is a folium map (or its already rendered :func:`self_contained_html` page, to avoid rendering it
    twice); without one and with sites, ``folium_map(sites, title, candidates=candidates)`` is drawn unless
    ``build_map`` is False. ``static_png`` (``map.png`` bytes) is the print fallback. ``ranking`` (one row per
    candidate) feeds "why these sites"; ``marginal`` the binding rules (None: not computed)."""
    name = summary.get("scenario") or "run"
    status = summary.get("status")
    title = title or f"{name}: {status}"
    if marginal is None:
        marginal = _marginal_from_summary(summary)
    if fmap is None and build_map and sites is not None and len(sites):
        fmap = folium_map(sites, title, candidates=candidates, generation=summary.get("new_generation") or None)
    body = [f"<h1>{_e(name)}{_status_badge(status)}</h1>", _lead(summary), _near_tie_banner(summary), _diagnosis(summary)]
    body.append(_cards(summary))
    body.append('<h2 id="sites">Sites</h2>' + _sites_section(sites))
    body.append('<h2 id="map">Map</h2>' + _map_section(fmap, static_png, _ZONAL_MAP_NOTE if _zonal(summary) else _RUN_MAP_NOTE))
    body.append('<h2 id="costs">Cost waterfall</h2>' + _waterfall_section(summary))
    if _zonal(summary):
        body.append('<h2 id="supply">Supply</h2>' + supply_section(summary, sites))
    if ranking is not None:
        body.append('<h2 id="why">Why these sites</h2>' + _ranking_section(ranking))
    body.append('<h2 id="rules">Binding rules and what they are worth</h2>' + _marginal_section(marginal))
    body.append('<h2 id="runner-ups">Runner-ups and near ties</h2>' + _runner_ups_section(summary))
    body.append('<h2 id="provenance">Data provenance</h2>' + _provenance(summary))
    return _page(f"{title} · siting report", "".join(body))


def write_run_report(path: str | os.PathLike[str], summary: Mapping[str, Any], sites: gpd.GeoDataFrame | None, **kwargs: Any) -> Path:
    """Write :func:`run_report_html` (same keyword arguments) to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(run_report_html(summary, sites, **kwargs), encoding="utf-8")
    return out


# ------------------------------------------------------------------------------------------------ compare


def _anchor(name: str) -> str:
    return "sc-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def _compare_table(table: pd.DataFrame, marginal_by_scenario: Mapping[str, Sequence[MarginalValue]] | None) -> str:
    headers = [("Scenario", False), ("Status", False), ("PFLOPS", True), ("Δ PFLOPS vs base", True), ("Total cost", True),
               ("Δ cost vs base", True), ("$/PFLOPS", True), ("Facility MW", True), ("Sites", True), ("CO₂ Mt/yr", True),
               ("Marginal values", "w")]
    rows = []
    for i, r in enumerate(table.to_dict("records")):
        name = str(r.get("scenario"))
        if marginal_by_scenario is not None and name in marginal_by_scenario:
            values = [v for v in marginal_by_scenario[name] if v.value_per_unit != 0.0]
            mv = "; ".join(v.sentence for v in sorted(values, key=lambda v: -abs(v.value_per_unit))[:3]) or "none bind"
        else:
            mv = str(r.get("marginal_values") or "") or DASH
        base = i == 0
        upf = _num(r.get("usd_per_pflops"))
        rows.append(("built" if base else "", [
            name + (" (base)" if base and name != "base" else ""),
            str(r.get("status")),
            fmt_pflops(r.get("compute_pflops")),
            DASH if base else fmt_pflops(r.get("compute_change_pflops"), signed=True),
            fmt_usd(r.get("cost_usd")),
            DASH if base else fmt_usd(r.get("cost_change_usd"), signed=True),
            DASH if upf is None else f"{upf:,.0f}",
            fmt_mw(r.get("facility_mw")),
            fmt_int(r.get("sites_built")),
            fmt_co2_mt(r.get("co2_t_per_year")),
            mv,
        ]))
    return _table(headers, rows)


def compare_report_html(
    entries_summaries: Sequence[Mapping[str, Any]],
    table: pd.DataFrame,
    *,
    fmap: folium.Map | str | None = None,
    marginal_by_scenario: Mapping[str, Sequence[MarginalValue]] | None = None,
    sites_by_scenario: Mapping[str, gpd.GeoDataFrame | None] | None = None,
    static_png: bytes | None = None,
) -> str:
    """The standalone ``report.html`` of a compare: a headline table of every scenario against the first
    (``table`` is :func:`model.workflows.compare.compare_table`), the difference map (``fmap``:
    :func:`model.plot.maps.compare_folium_grid`, or its rendered page; ``static_png``: ``compare.png`` bytes), then
    one section per scenario (headline, costs, sites if ``sites_by_scenario`` has them, rules, runner-ups)."""
    names = [str(s.get("scenario") or f"scenario {i + 1}") for i, s in enumerate(entries_summaries)]
    base = names[0] if names else "base"
    toc = " ".join(f'<a href="#{_anchor(n)}">{_e(n)}</a>' for n in names)
    body = [
        f"<h1>Scenario comparison <span class=\"muted\" style=\"font-size:18px\">against {_e(base)}</span></h1>",
        f'<p class="lead">{len(names)} scenarios; every change (Δ) is against the first, {_e(base)}.</p>',
        f'<nav class="toc">Scenarios: {toc}</nav>',
        '<h2 id="headline">Headline</h2>' + _compare_table(table, marginal_by_scenario),
        ('<p class="muted">Total cost is capex plus the present value of energy; $/PFLOPS is that total per PFLOPS; '
         "marginal values are the largest few per scenario.</p>"),
    ]
    if fmap is not None or static_png is not None:
        body.append('<h2 id="map">What moves where</h2>' + _map_section(fmap, static_png, _COMPARE_MAP_NOTE))
    for name, s in zip(names, entries_summaries):
        section = [f'<section class="scenario" id="{_anchor(name)}"><h2>{_e(name)}{_status_badge(s.get("status"))}</h2>',
                   _lead(s), _near_tie_banner(s, f"{_anchor(name)}-runner-ups"), _diagnosis(s), _cards(s)]
        sites = (sites_by_scenario or {}).get(name)
        if sites_by_scenario is not None:
            section.append("<h3>Sites</h3>" + _sites_section(sites))
        section.append("<h3>Cost waterfall</h3>" + _waterfall_section(s))
        if _zonal(s):
            section.append("<h3>Supply</h3>" + supply_section(s, sites))
        marginal = None if marginal_by_scenario is None else marginal_by_scenario.get(name)
        marginal = marginal if marginal is not None else _marginal_from_summary(s)
        section.append("<h3>Binding rules and what they are worth</h3>" + _marginal_section(marginal))
        if s.get("runner_ups") or s.get("near_tie") is not None:
            section.append(f'<h3 id="{_anchor(name)}-runner-ups">Runner-ups and near ties</h3>' + _runner_ups_section(s))
        section.append("<h3>Data provenance</h3>" + _provenance(s) + "</section>")
        body.append("".join(section))
    return _page(f"Scenario comparison against {base} · siting report", "".join(body))


def write_compare_report(path: str | os.PathLike[str], entries_summaries: Sequence[Mapping[str, Any]], table: pd.DataFrame, **kwargs: Any) -> Path:
    """Write :func:`compare_report_html` (same keyword arguments) to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(compare_report_html(entries_summaries, table, **kwargs), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------- alternatives, robust


def alternatives_report_html(summary: Mapping[str, Any], table: pd.DataFrame, frequency_png: bytes | None, title: str) -> str:
    """report.html of `siting alternatives`: the plans within the slack, must-haves, interchangeable
    groups, MW range by state and the frequency map (self-contained)."""
    names = summary.get("site_names", {})
    unit = "PFLOPS" if summary.get("sense") == "max" else "USD"
    fmt_obj = fmt_pflops if unit == "PFLOPS" else fmt_usd
    rows = [
        ("", [str(r.alternative), str(r.status), fmt_obj(r.objective),
              fmt_share(summary.get("objective_share_of_optimum", {}).get(r.alternative)),
              "; ".join(names.get(s, s) for s in str(r.sites).split(";") if s and s != "nan")])
        for r in table.itertuples()
    ]
    plans = _table([("Plan", False), ("Status", False), ("Objective", True), ("Share of optimum", True), ("Sites", "w")], rows)
    must = "; ".join(names.get(s, s) for s in summary.get("must_have_sites", [])) or "none: every site can be done without within the slack"
    groups = "".join(f"<li>{_e('; '.join(names.get(s, s) for s in g))}</li>" for g in summary.get("interchangeable_groups", []))
    ranges = _table(
        [("State", False), ("Min MW", True), ("Max MW", True)],
        [("", [st, fmt_mw(r["min_mw"]), fmt_mw(r["max_mw"])]) for st, r in summary.get("mw_by_state_range", {}).items()],
        narrow=True,
    )
    picture = f'<img alt="how often each site is built" src="{data_uri_png(frequency_png)}" style="max-width:100%">' if frequency_png else ""
    body = (
        f"<h1>{_e(title)}</h1>"
        f"<p>{len(table)} plans within {fmt_share(summary.get('slack'))} of the optimum, each pushed somewhere else "
        "(avoid the optimum's sites; random directions over MW by state). Read the answer as the set, not one plan.</p>"
        f"<section><h2>Must-have sites</h2><p>{_e(must)}</p>"
        f"<h2>Interchangeable sites</h2><ul>{groups or '<li>none found</li>'}</ul></section>"
        f"<section><h2>Plans</h2>{plans}</section>"
        f"<section><h2>How often each site is built</h2>{picture}</section>"
        f"<section><h2>MW by state across the plans</h2>{ranges}</section>"
    )
    return _page(title, body)


def robust_report_html(section_html: str, title: str) -> str:
    """report.html of `siting robust`: the robust section as a self-contained page."""
    return _page(title, f"<h1>{_e(title)}</h1>{section_html}")
