"""NPV sensitivity (a tornado) of a multi-year scenario: each lever at the low and the high end of its
documented range, the model re-solved each time.

One model is built over the scenario's candidates (a screened scenario: the screen plus every campus
the run built) and solved at the base point. A lever whose change reaches only the money coefficients
(rental price path, utilisation, GPU price, gas price, sales-tax exemptions) sets the model's mutable
Params (:func:`model.milp.components.time.update_money`) and re-solves the same built model, warm-started
from the previous solution. Time to power changes which route exists in which year (the firm years are
sets of the model), so that lever builds a new model for each end: the two rows say ``rebuilt``.

Each solve is a full re-optimisation (the plan adapts to the changed assumption: what an investor would
do), to the scenario's gap; NPV differences smaller than ``gap x |NPV|`` are within the solver's
tolerance (tornado.csv reports each solve's gap).

Levers and ranges (each sourced or an estimate with its reasoning):

* rental price path: every type's rental decline per year 0.10 / 0.35 (data/gpu_roadmap.csv
  ``rental_decline_source``: estimate 0.20, range 0.10-0.35);
* utilisation: contract 0.80 / 0.95, on-demand 0.60 / 0.95 (PathwayConfig.utilisation's ranges,
  docs/pathway.md "Revenue");
* contract discount (contract revenue only): 0.20 / 0.45 below the on-demand rate (PathwayConfig.contract_discount's
  range, docs/pathway.md "Revenue");
* GPU price: x0.85 / x1.15 on the catalog's $ per block (estimate: the price sources in
  data/gpu_catalog.csv quote ranges of about +-5-17 % around the values used, plus a 15-20 % networking
  share);
* gas price: x0.81 / x1.35 on the bridge turbines' and new gas plants' delivered gas price (data/energy_costs.csv
  ``gas_fuel_usd_per_mmbtu``: 3.7 $/MMBtu, range 3.0-5.0), by zone and year where data/zone_gas_price.csv has it;
* time to power: x0.57 / x1.57 on every candidate's time to power (data/time_to_power.csv: the
  project-weighted mean over the six ISO rows of p25 / median and p75 / median, the interquartile range
  of completed interconnection requests);
* sales-tax exemptions: withdrawn everywhere / no sales tax on any purchase ([tax] exemptions =
  "withdrawn" / sales_tax = false; docs/tax.md).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import Scenario, scenario_from_dict
from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData
from model.inputs.tax import construction_tax_rate, equipment_tax_rate, load_tax_tables
from model.milp.build import build_model
from model.milp.components.time import update_money
from model.milp.model_data import SitingModel
from model.solve.highs import SolveResult, solve_model
from model.workflows.screening import needs_screening, over_time_ranking, restrict, screen

Step = Callable[[str], None]

# data/time_to_power.csv, level "iso" (CAISO, ERCOT, ISONE, MISO, NYISO, PJM): sum(n x p25 / median) / sum(n)
# and sum(n x p75 / median) / sum(n) = 0.569 and 1.570 (tests/test_finance.py recomputes them from the file).
TIME_TO_POWER_RANGE = (0.57, 1.57)
GPU_PRICE_RANGE = (0.85, 1.15)
# data/energy_costs.csv gas_fuel_usd_per_mmbtu: 3.7 $/MMBtu, range 3.0-5.0, as multipliers on every zone's price.
GAS_PRICE_RANGE = (3.0 / 3.7, 5.0 / 3.7)
RENTAL_DECLINE_RANGE = (0.10, 0.35)
UTILISATION_RANGE = {"contract": (0.80, 0.95), "on_demand": (0.60, 0.95)}
CONTRACT_DISCOUNT_RANGE = (0.20, 0.45)


@dataclass(frozen=True)
class Lever:
    """One assumption of the tornado: what it sets in the scenario at each end of its range."""

    name: str
    unit: str
    low: Any  # the value shown for the low end
    high: Any
    set_low: dict[str, Any]  # dotted scenario key -> value
    set_high: dict[str, Any]
    rebuild: bool  # changes the model's structure: a new model per end
    source: str


def levers(scenario: Scenario) -> list[Lever]:
    """The tornado's levers for ``scenario`` (utilisation and GPU price ranges relative to its own settings)."""
    cfg = scenario.pathway
    assert cfg is not None, "a tornado is for multi-year scenarios"
    u_lo, u_hi = UTILISATION_RANGE[cfg.revenue]
    gpu = scenario.costs.gpu_price_multiplier or 1.0
    return [
        Lever("rental price decline per year", "share", RENTAL_DECLINE_RANGE[0], RENTAL_DECLINE_RANGE[1],
              {"pathway.rental_decline_per_year": RENTAL_DECLINE_RANGE[0]},
              {"pathway.rental_decline_per_year": RENTAL_DECLINE_RANGE[1]}, False,
              "data/gpu_roadmap.csv rental_decline_source: estimate 0.20, range 0.10-0.35"),
        Lever("utilisation", "share", u_lo, u_hi, {"pathway.utilisation": u_lo}, {"pathway.utilisation": u_hi}, False,
              f"PathwayConfig.utilisation ({cfg.revenue}): range {u_lo:g}-{u_hi:g}"),
        *([Lever("contract discount", "share", CONTRACT_DISCOUNT_RANGE[0], CONTRACT_DISCOUNT_RANGE[1],
                 {"pathway.contract_discount": CONTRACT_DISCOUNT_RANGE[0]}, {"pathway.contract_discount": CONTRACT_DISCOUNT_RANGE[1]},
                 False, "PathwayConfig.contract_discount: estimate 0.25, range 0.20-0.45 (docs/pathway.md \"Revenue\")")]
          if cfg.revenue == "contract" else []),
        Lever("GPU price", "x catalog", gpu * GPU_PRICE_RANGE[0], gpu * GPU_PRICE_RANGE[1],
              {"costs.gpu_price_multiplier": gpu * GPU_PRICE_RANGE[0]}, {"costs.gpu_price_multiplier": gpu * GPU_PRICE_RANGE[1]},
              False, "estimate: data/gpu_catalog.csv price sources quote about +-5-17 % around the values used"),
        Lever("gas price", "x data", GAS_PRICE_RANGE[0], GAS_PRICE_RANGE[1],
              {"pathway.gas_price_multiplier": cfg.gas_price_multiplier * GAS_PRICE_RANGE[0]},
              {"pathway.gas_price_multiplier": cfg.gas_price_multiplier * GAS_PRICE_RANGE[1]}, False,
              "data/energy_costs.csv gas_fuel_usd_per_mmbtu: 3.7, range 3.0-5.0 (x0.81-1.35 on every zone's price)"),
        Lever("time to power", "x data", TIME_TO_POWER_RANGE[0], TIME_TO_POWER_RANGE[1],
              {"pathway.time_to_power_multiplier": cfg.time_to_power_multiplier * TIME_TO_POWER_RANGE[0]},
              {"pathway.time_to_power_multiplier": cfg.time_to_power_multiplier * TIME_TO_POWER_RANGE[1]}, True,
              "data/time_to_power.csv ISO rows: p25 / median and p75 / median, project-weighted"),
        Lever("sales-tax exemptions", "", "withdrawn", "no sales tax",
              {"tax.sales_tax": True, "tax.exemptions": "withdrawn"}, {"tax.sales_tax": False}, False,
              "[tax] exemptions = 'withdrawn' / sales_tax = false (docs/tax.md)"),
    ]


def patched(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """``scenario`` with dotted keys set (validated like a scenario file)."""
    raw = scenario.model_dump(mode="json")
    for key, value in changes.items():
        table, field = key.split(".")
        raw[table] = dict(raw.get(table) or {}, **{field: value})
    return scenario_from_dict(raw, scenario.origin)


def lever_inputs(inputs: SitingData, scenario: Scenario) -> SitingData:
    """``inputs`` for ``scenario`` (the same candidates and data; its costs and sales-tax rates)."""
    costs = inputs.costs.with_overrides(scenario.costs)
    tax_e, tax_c = inputs.tax_equipment, inputs.tax_construction
    if scenario.tax != inputs.scenario.tax:
        tax_e = tax_c = None
        if scenario.tax.sales_tax:
            assert scenario.pathway is not None
            tables = load_tax_tables()
            years = list(scenario.pathway.years)
            tax_e = equipment_tax_rate(inputs.sites, years, scenario.tax.exemptions, tables=tables)
            tax_c = construction_tax_rate(inputs.sites, years, scenario.tax.exemptions, tables=tables)
    return replace(inputs, scenario=scenario, costs=costs, tax_equipment=tax_e, tax_construction=tax_c)


@dataclass(frozen=True)
class Point:
    status: str
    npv_usd: float | None
    npv_excl_horizon_value_usd: float | None
    mip_gap: float | None
    seconds: float


@dataclass(frozen=True)
class Tornado:
    table: pd.DataFrame  # tornado.csv
    base: Point
    candidates: int


def _point(sm: SitingModel, result: SolveResult, seconds: float) -> Point:
    if not result.has_solution:
        return Point(result.status, None, None, result.mip_gap, seconds)
    m = sm.m
    return Point(result.status, float(pyo.value(m.npv_musd)) * USD_PER_MUSD,
                 float(pyo.value(m.npv_excl_residual_musd)) * USD_PER_MUSD, result.mip_gap, seconds)


def tornado_candidates(inputs: SitingData, built: list[str] | None) -> SitingData:
    """The candidates of the tornado's model: all, or for a screened scenario the screen plus ``built``."""
    if not needs_screening(inputs):
        return inputs
    keep = set(screen(over_time_ranking(inputs), inputs)) | set(built or [])
    return restrict(inputs, [s for s in inputs.sites.index.astype(str) if s in keep])


def run_tornado(inputs: SitingData, built: list[str] | None = None, on_step: Step = lambda _: None,
                selected: list[str] | None = None) -> Tornado:
    """NPV at the base point and at each lever's two ends (``selected``: only those lever names)."""
    scenario = inputs.scenario
    cfg = scenario.pathway
    assert cfg is not None, "a tornado is for multi-year scenarios"
    if not cfg.tornado:  # the model carries the gas-price term only when asked for
        scenario = patched(scenario, {"pathway.tornado": True})
    base_inputs = tornado_candidates(replace(inputs, scenario=scenario), built)
    options = scenario.solver
    on_step("tornado: build")
    sm = build_model(base_inputs)
    t = time.perf_counter()
    on_step("tornado: base")
    base = _point(sm, solve_model(sm.m, options), time.perf_counter() - t)
    rows = []
    for lever in levers(scenario):
        if selected is not None and lever.name not in selected:
            continue
        ends = {}
        for side, changes in (("low", lever.set_low), ("high", lever.set_high)):
            on_step(f"tornado: {lever.name} {side}")
            changed = lever_inputs(base_inputs, patched(scenario, changes))
            t = time.perf_counter()
            if lever.rebuild:
                model = build_model(changed)
                result = solve_model(model.m, options)
            else:
                model = update_money(sm, changed)
                result = solve_model(model.m, options, warm_start=True)
            ends[side] = _point(model, result, time.perf_counter() - t)
        rows.append({
            "lever": lever.name, "unit": lever.unit, "low_value": lever.low, "high_value": lever.high,
            "npv_low_usd": ends["low"].npv_usd, "npv_high_usd": ends["high"].npv_usd, "npv_base_usd": base.npv_usd,
            "npv_excl_horizon_value_low_usd": ends["low"].npv_excl_horizon_value_usd,
            "npv_excl_horizon_value_high_usd": ends["high"].npv_excl_horizon_value_usd,
            "status_low": ends["low"].status, "status_high": ends["high"].status,
            "gap_low": ends["low"].mip_gap, "gap_high": ends["high"].mip_gap,
            "how": "rebuilt" if lever.rebuild else "re-solved", "source": lever.source,
        })
    update_money(sm, base_inputs)  # the model back at the base point
    return Tornado(table=pd.DataFrame(rows), base=base, candidates=len(base_inputs.sites))


def tornado_png(table: pd.DataFrame, base_npv_usd: float | None, title: str = "NPV sensitivity", dpi: int = 100) -> bytes:
    """Horizontal bars from the base NPV to each end, the widest swing on top (US$ bn)."""
    base = (base_npv_usd or 0.0) / 1e9
    tab = table.copy()
    lo = tab["npv_low_usd"].astype(float).to_numpy() / 1e9
    hi = tab["npv_high_usd"].astype(float).to_numpy() / 1e9
    swing = np.abs(np.nan_to_num(hi - lo))
    order = np.argsort(-swing, kind="stable")
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(tab) + 1.6))
    for i, k in enumerate(order):
        for value, colour, label in ((lo[k], "#c05621", "low end"), (hi[k], "#2b6cb0", "high end")):
            if np.isfinite(value):
                ax.barh(i, value - base, left=base, color=colour, height=0.6, label=label if i == 0 else None)
                if abs(value - base) > 1e-9:
                    ax.annotate(f"{value:,.1f}", (value, i), xytext=(3 if value >= base else -3, 0), textcoords="offset points",
                                ha="left" if value >= base else "right", va="center", fontsize=7)
    labels = [f"{tab['lever'].iloc[k]}\n{_fmt(tab['low_value'].iloc[k])} / {_fmt(tab['high_value'].iloc[k])}" for k in order]
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(base, color="black", linewidth=1)
    ax.set_xlabel(f"equity NPV, US$ bn (base {base:,.2f}; bars from the base to each end of the range)")
    ax.set_title(title)
    ax.margins(x=0.1)
    ax.grid(axis="x", alpha=0.3)
    if len(order):
        ax.legend(fontsize=8, loc="lower right")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) else str(value)


def write_tornado(out_dir: Path, result: Tornado, title: str = "NPV sensitivity") -> bytes:
    """tornado.csv and tornado.png in ``out_dir``; returns the PNG (for the report)."""
    result.table.to_csv(out_dir / "tornado.csv", index=False)
    png = tornado_png(result.table, result.base.npv_usd, title)
    (out_dir / "tornado.png").write_bytes(png)
    return png


def tornado_summary(result: Tornado) -> dict[str, Any]:
    """summary.json's ``tornado``: the base point and each lever's NPV at both ends."""
    return {
        "npv_base_usd": result.base.npv_usd, "candidates": result.candidates, "base_status": result.base.status,
        "levers": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items() if k != "source"}
                   for r in result.table.to_dict("records")],
    }
