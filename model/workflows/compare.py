"""Compare scenarios: what each rule costs against a base, and what each binding rule is worth.

Scenarios that differ only in mutable parameters (budget, carbon price, cap values) share one
built model: it is re-pointed with ``update_params`` and warm-started from the previous solution.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd

from model.config import Scenario
from model.inputs.load import SitingData, load_inputs
from model.plot.maps import compare_folium_grid, compare_grid, self_contained_html
from model.results.outputs import mark_complete, output_dir
from model.results.report import write_compare_report
from model.results.tables import write_json
from model.solve.duals import MarginalValue, as_records
from model.workflows.engine import Engine, RunOutcome, write_run

# Files at the top of a compare directory; a scenario sub-folder may not take one of these names.
RESERVED_NAMES = frozenset({"compare.csv", "compare.json", "compare.png", "compare.html", "report.html", ".siting-output.json"})

COLUMNS = [
    "scenario",
    "status",
    "objective",
    "objective_change_vs_base",
    "compute_pflops",
    "compute_change_pflops",
    "gpus",
    "cost_usd",
    "cost_change_usd",
    "capex_usd",
    "usd_per_pflops",
    "facility_mw",
    "sites_built",
    "co2_t_per_year",
    "water_m3",
    "reused_model",
    "marginal_values",
]


@dataclass(frozen=True)
class CompareEntry:
    scenario: Scenario
    outcome: RunOutcome
    marginal: list[MarginalValue]
    reused_model: bool


def solve_all(
    scenarios: list[Scenario],
    on_step: Callable[[str], None] | None = None,
    inputs_for: Callable[[Scenario], SitingData] = load_inputs,
) -> list[CompareEntry]:
    """Solve scenarios in order on one engine: one built model per distinct structure."""
    engine = Engine(max_models=len(scenarios))
    entries = []
    for sc in scenarios:
        if on_step:
            on_step(sc.name)
        with tempfile.TemporaryDirectory(prefix="siting-compare-") as tmp:
            # The log is kept in the outcome and written into the scenario's folder with the rest.
            outcome, reused = engine.solve(sc, inputs_for(sc), Path(tmp) / "solver.log")
        entries.append(CompareEntry(sc, outcome, outcome.marginal, reused))
    return entries


def summarise_marginal(values: list[MarginalValue], per_rule: int = 3) -> str:
    """Non-zero marginal values, the largest few per rule (indexed rules such as per-city latency
    rows can have dozens), with the count and range of the rest."""
    by_rule: dict[str, list[MarginalValue]] = {}
    for v in values:
        if v.value_per_unit != 0.0:
            by_rule.setdefault(v.rule, []).append(v)
    parts = []
    for rule_values in by_rule.values():
        ranked = sorted(rule_values, key=lambda v: -abs(v.value_per_unit))
        parts += [v.sentence for v in ranked[:per_rule]]
        rest = ranked[per_rule:]
        if rest:
            parts.append(f"(+{len(rest)} more {rest[0].rule} rows with smaller values)")
    return "; ".join(parts)


def _value(summary: dict[str, Any], key: str) -> float | None:
    value = summary.get(key)
    return None if value is None else float(value)


def compare_table(entries: list[CompareEntry]) -> pd.DataFrame:
    """One row per scenario; changes are against the first (base) scenario."""
    base = entries[0].outcome.summary
    rows = []
    states: set[str] = set()
    for e in entries:
        s = e.outcome.summary
        states |= set(s.get("facility_mw_by_state") or {})
    for e in entries:
        s = e.outcome.summary
        compute = _value(s, "compute_pflops")
        cost = _value(s, "total_cost_usd")
        row: dict[str, Any] = {
            "scenario": e.scenario.name,
            "status": s["status"],
            "objective": _value(s, "objective"),
            "objective_change_vs_base": _diff(s, base, "objective"),
            "compute_pflops": compute,
            "compute_change_pflops": _diff(s, base, "compute_pflops"),
            "gpus": s.get("gpus"),
            "cost_usd": cost,
            "cost_change_usd": _diff(s, base, "total_cost_usd"),
            "capex_usd": _value(s, "capex_usd"),
            "usd_per_pflops": cost / compute if cost is not None and compute else None,
            "facility_mw": _value(s, "facility_mw"),
            "sites_built": s.get("sites_built"),
            "co2_t_per_year": _value(s, "co2_t_per_year"),
            "water_m3": _value(s, "water_m3_per_year"),
            "reused_model": e.reused_model,
            "marginal_values": summarise_marginal(e.marginal),
        }
        by_state = s.get("facility_mw_by_state") or {}
        for st in sorted(states):
            row[f"mw_{st}"] = float(by_state.get(st, 0.0))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS + [f"mw_{st}" for st in sorted(states)])


def _diff(summary: dict[str, Any], base: dict[str, Any], key: str) -> float | None:
    a, b = summary.get(key), base.get(key)
    return None if a is None or b is None else float(a) - float(b)


def write_compare(out_dir: Path, entries: list[CompareEntry], table: pd.DataFrame, force: bool = False) -> None:
    """compare.csv, compare.json, the difference maps compare.png / compare.html (each scenario against
    the base) and one sub-directory per scenario, written atomically."""
    with output_dir(out_dir, "compare", force=force) as tmp:
        table.to_csv(tmp / "compare.csv", index=False, float_format="%.6g")
        page = write_compare_maps(tmp, entries)
        write_compare_report(
            tmp / "report.html", [e.outcome.summary for e in entries], table, fmap=page,
            marginal_by_scenario={e.scenario.name: e.marginal for e in entries},
            sites_by_scenario={e.scenario.name: e.outcome.sites for e in entries},
            static_png=(tmp / "compare.png").read_bytes(),
        )
        payload = {
            "base": entries[0].scenario.name,
            "scenarios": [
                {
                    "scenario": e.scenario.name,
                    "summary": e.outcome.summary,
                    "marginal_values": as_records(e.marginal),
                    "reused_model": e.reused_model,
                }
                for e in entries
            ],
        }
        write_json(tmp / "compare.json", json.loads(json.dumps(payload, default=str)))
        for e in entries:
            sub = tmp / e.scenario.name
            sub.mkdir()
            write_run(sub, e.outcome, f"{e.scenario.name}: {e.outcome.summary['status']}")
            mark_complete(sub, "run")  # the same files as a `siting run` directory, marker included


def write_compare_maps(out_dir: Path, entries: list[CompareEntry]) -> str:
    """compare.png (one row per scenario: change map and MW by state) and compare.html (a layer set per
    scenario) against ``entries[0]``; counties are drawn only when the base's candidates are counties."""
    base = entries[0]
    inputs = base.outcome.inputs
    candidates = inputs.sites if inputs is not None and inputs.scenario.candidates.kind == "counties" else None
    others = built_sites(entries[1:])
    figure = compare_grid(base.outcome.sites, others, base.scenario.name, candidates)
    figure.savefig(out_dir / "compare.png", dpi=90)
    plt.close(figure)
    # Rendered once: the same offline page is compare.html and the compare report's map.
    page = self_contained_html(compare_folium_grid(base.outcome.sites, others, base.scenario.name, candidates))
    (out_dir / "compare.html").write_text(page, encoding="utf-8")
    return page


def built_sites(entries: list[CompareEntry]) -> dict[str, gpd.GeoDataFrame | None]:
    return {e.scenario.name: e.outcome.sites for e in entries}
