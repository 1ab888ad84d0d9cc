"""Compare scenarios: what each rule costs against a base, and what each binding rule is worth.

Scenarios that differ only in mutable parameters (budget, carbon price, cap values) share one
built model: it is re-pointed with ``update_params`` and warm-started from the previous solution.

A rule's cost is reported two ways. At the same budget, as compute lost (``compute_change_pflops``).
In dollars (``policy_cost_usd``): for a max-compute scenario, the least budget that reaches the base's
compute under the scenario's rules (``budget_to_match_base_usd``: its own built model re-solved with the
budget row and objective switched off, a row ``PFLOPS >= base`` and the least spend *as its budget
counts it* -- capex and new generation, plus energy PV when ``include_opex``), less what the base spent
counted the same way; for a min-cost scenario, its cost difference with a min-cost base.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
import pyomo.environ as pyo

from model.config import Scenario
from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData, load_inputs
from model.milp.model_data import SitingModel
from model.plot.maps import compare_folium_grid, compare_grid, self_contained_html
from model.results.figures import budget_spend_usd
from model.results.outputs import mark_complete, output_dir
from model.results.report import write_compare_report
from model.results.tables import write_json
from model.solve.duals import MarginalValue, as_records
from model.solve.highs import solve_model
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
    "budget_to_match_base_usd",
    "policy_cost_usd",
    "policy_cost_basis",
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
class BudgetMatch:
    """The least budget, as the scenario's budget counts it, that reaches ``target_pflops`` under its rules."""

    target_pflops: float
    # the solve's status (infeasible: no budget reaches the target under the scenario's rules); "own_plan" when
    # the scenario's own plan reaches the target for less than the solve found
    status: str
    budget_usd: float | None
    mip_gap: float | None  # the least budget lies between bound_usd and budget_usd
    bound_usd: float | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"target_pflops": self.target_pflops, "status": self.status, "budget_usd": self.budget_usd,
                "bound_usd": self.bound_usd, "mip_gap": self.mip_gap, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class CompareEntry:
    scenario: Scenario
    outcome: RunOutcome
    marginal: list[MarginalValue]
    reused_model: bool
    match: BudgetMatch | None = None  # max-compute scenarios after the base: the budget to match its compute


def solve_all(
    scenarios: list[Scenario],
    on_step: Callable[[str], None] | None = None,
    inputs_for: Callable[[Scenario], SitingData] = load_inputs,
) -> list[CompareEntry]:
    """Solve scenarios in order on one engine: one built model per distinct structure. Each max-compute
    scenario after the first is then re-solved on its own built model for the least budget that reaches
    the base's compute (:func:`budget_to_reach`)."""
    engine = Engine(max_models=len(scenarios))
    entries = []
    base_pflops: float | None = None
    for i, sc in enumerate(scenarios):
        if on_step:
            on_step(sc.name)
        inputs = inputs_for(sc)
        with tempfile.TemporaryDirectory(prefix="siting-compare-") as tmp:
            # The log is kept in the outcome and written into the scenario's folder with the rest.
            outcome, reused = engine.solve(sc, inputs, Path(tmp) / "solver.log")
        if i == 0:
            base_pflops = _value(dict(outcome.summary), "compute_pflops")
        match = None
        own_pflops = outcome.summary["compute_pflops"]
        if i > 0 and base_pflops and _matchable(sc) and own_pflops is not None:
            sm, _ = engine.prepare(inputs)  # the model just solved (re-pointed: a cheap no-op)
            match = budget_to_reach(sm, base_pflops)
            assert sc.budget is not None
            own = spend_as_counted(dict(outcome.summary), sc.budget.include_opex)
            if own is not None and own_pflops >= base_pflops and (match.budget_usd is None or own < match.budget_usd):
                # Its own plan already reaches the base's compute: the least budget is at most what it spent
                # (a re-solve stopped within the gap may return a dearer plan).
                match = replace(match, budget_usd=own, status="own_plan")
        entries.append(CompareEntry(sc, outcome, outcome.marginal, reused, match))
    return entries


def _matchable(sc: Scenario) -> bool:
    """One-period max-compute scenarios (a multi-year budget is drawn over years: not one number)."""
    return sc.pathway is None and sc.objective.sense == "max_compute" and sc.budget is not None


def budget_to_reach(sm: SitingModel, pflops: float) -> BudgetMatch:
    """The least spend, as the scenario's budget counts it, for at least ``pflops`` on the built one-period
    model ``sm``: its budget row and objective are switched off for one solve (the scenario's solver
    options) and everything is put back as built afterwards."""
    sc = sm.data.inputs.scenario
    assert sc.budget is not None and sm.horizon.snapshot
    root, year = sm.m, sm.final.m
    spend = year.total_cost_musd if sc.budget.include_opex else year.total_capex_musd
    root.objective.deactivate()
    root.budget.deactivate()
    root.compare_match_target = pyo.Constraint(expr=year.compute_pflops >= pflops)
    root.compare_match_spend = pyo.Objective(expr=spend, sense=pyo.minimize)
    try:
        # From the scenario's own plan (loaded in the model): HiGHS keeps it if it already reaches the target.
        result = solve_model(root, sc.solver, None, warm_start=True, hourly=sm.hourly)
    finally:
        root.del_component("compare_match_target")
        root.del_component("compare_match_spend")
        root.objective.activate()
        root.budget.activate()
    found = result.has_solution and result.objective is not None
    usd = result.objective * USD_PER_MUSD if found and result.objective is not None else None
    bound = result.dual_bound * USD_PER_MUSD if found and result.dual_bound is not None else None
    return BudgetMatch(target_pflops=pflops, status=result.status, budget_usd=usd, mip_gap=result.mip_gap, bound_usd=bound,
                       seconds=result.seconds_translate + result.seconds_solve)


def spend_as_counted(summary: dict[str, Any], include_opex: bool) -> float | None:
    """What a plan spent as a budget with ``include_opex`` counts it (the one definition,
    :func:`model.results.figures.budget_spend_usd`, whatever the plan's own budget counted)."""
    return budget_spend_usd({**summary, "budget_includes_opex": include_opex})


def policy_cost(entry: CompareEntry, base: CompareEntry) -> tuple[float | None, float | None, str]:
    """(budget_to_match_base_usd, policy_cost_usd, policy_cost_basis) of ``entry`` against ``base``."""
    s, b = dict(entry.outcome.summary), dict(base.outcome.summary)
    sc = entry.scenario
    if entry is base:
        spend = spend_as_counted(b, sc.budget.include_opex) if sc.budget is not None and _matchable(sc) else None
        return spend, 0.0, "base"
    if entry.match is not None:
        assert sc.budget is not None
        if entry.match.budget_usd is None:
            reason = "unreachable: no budget reaches the base's compute under this scenario's rules"
            infeasible = entry.match.status in ("infeasible", "infeasible_or_unbounded")
            return None, None, reason if infeasible else f"not found ({entry.match.status})"
        spent = spend_as_counted(b, sc.budget.include_opex)
        cost = None if spent is None else entry.match.budget_usd - spent
        return entry.match.budget_usd, cost, "budget to reach the base's compute, less the base's spend"
    if sc.pathway is None and sc.objective.sense == "min_cost":
        if base.scenario.pathway is None and base.scenario.objective.sense == "min_cost":
            return None, _diff(s, b, "total_cost_usd"), "cost difference against the min-cost base"
        return None, None, "not computed: min-cost scenario against a max-compute base"
    return None, None, "not computed: multi-year scenario" if sc.pathway is not None else "not computed"


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


def _value(summary: Mapping[str, Any], key: str) -> float | None:
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
        to_match, dollars, basis = policy_cost(e, entries[0])
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
            "budget_to_match_base_usd": to_match,
            "policy_cost_usd": dollars,
            "policy_cost_basis": basis,
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


def _diff(summary: Mapping[str, Any], base: Mapping[str, Any], key: str) -> float | None:
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
                    "budget_to_match_base": e.match.as_dict() if e.match is not None else None,
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
