"""The pathway workflow (docs/pathway.md): load the scenario's data like a run, screen candidates with
the single-campus ranking, build the multi-year MILP, solve it with HiGHS and write the run folder
(``timeline.csv``, ``sites_timeline.csv``, ``pathway_sites.csv``, ``installs.csv``, ``summary.json``,
``timeline.png``, ``gantt.png``, ``report.html``, ``solver.log``) through the safe output machinery.

Everything the user can get wrong (unknown GPU types, a policy the pathway does not model, a roadmap
with NaN, a target the screened candidates cannot host) is refused before any solve.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import GpuConfig, Scenario
from model.core.errors import ScenarioError
from model.core.units import USD_PER_MUSD
from model.inputs.datasets import DEFAULT_DATA_DIR, load_construction_years, load_gpu_catalog
from model.inputs.load import SitingData, load_inputs
from model.inputs.timeseries import load_energy_costs
from model.milp.index_sets import active_sites
from model.milp.pathway import BridgeCosts, PathwayData, build_pathway, load_gpu_roadmap, pathway_data
from model.results.outputs import output_dir
from model.results.rank import rank_candidates
from model.results.tables import write_json
from model.results.timeline import (
    gantt_png,
    installs_table,
    investor_figures,
    pathway_report_html,
    rounding_error,
    site_years_table,
    sites_summary,
    timeline_png,
    timeline_table,
)
from model.solve.highs import ProgressFn, SolveResult, solve_model

Step = Callable[[str], None]
# Policies the pathway applies: those that only remove candidates. Others are refused, not ignored.
SUPPORTED_POLICIES = {"exclude"}
PATHWAY_FILES = ("timeline.csv", "sites_timeline.csv", "pathway_sites.csv", "installs.csv", "summary.json",
                 "timeline.png", "gantt.png", "report.html", "solver.log")


def _noop(_: str) -> None:
    return None


@dataclass(frozen=True)
class PathwayOutcome:
    summary: dict[str, Any]
    timeline: pd.DataFrame | None
    site_years: pd.DataFrame | None
    sites: pd.DataFrame | None
    installs: pd.DataFrame | None
    data: PathwayData | None = None
    model: pyo.ConcreteModel | None = None
    log: str = ""
    out_dir: Path | None = None


def check_pathway_scenario(scenario: Scenario) -> None:
    """What the pathway cannot model yet is refused with one line, before loading anything heavy."""
    if scenario.pathway is None:
        raise ScenarioError(f"{scenario.origin}: pathway: the scenario has no [pathway] table")
    for i, policy in enumerate(scenario.policies):
        kind = policy.type  # type: ignore[attr-defined]
        if kind not in SUPPORTED_POLICIES:
            raise ScenarioError(
                f"{scenario.origin}: policies.{i} ({kind}): not modelled in pathway runs yet (supported: {', '.join(sorted(SUPPORTED_POLICIES))})"
            )


def roadmap_path(scenario: Scenario) -> Path:
    cfg = scenario.pathway
    assert cfg is not None
    if cfg.roadmap is None:
        return DEFAULT_DATA_DIR / "gpu_roadmap.csv"
    origin = Path(scenario.origin)
    return (origin.parent if origin.is_file() else Path.cwd()) / cfg.roadmap


def load_pathway_inputs(scenario: Scenario) -> SitingData:
    """The run's inputs; GPU specs come from the roadmap, so the catalog is asked only for types it has
    (the roadmap may name newer ones, e.g. Rubin)."""
    catalog = load_gpu_catalog(DEFAULT_DATA_DIR)
    known = [g for g in scenario.gpus.types if g in catalog.index] or [catalog.index[0]]
    loadable = scenario.model_copy(update={"gpus": GpuConfig(types=known, precision=scenario.gpus.precision)})
    loadable._origin = scenario._origin
    inputs = load_inputs(loadable, origin=scenario.origin)
    return replace(inputs, scenario=scenario)


def screen_candidates(inputs: SitingData) -> pd.DataFrame:
    """Keep the best ``candidates_per_zone`` per ReEDS zone (zonal) or state (legacy) by the ranking's
    all-in $ per PFLOPS of a single campus, then the best ``max_candidates`` of those. Zones differ in
    time to power and spare firm MW, so keeping a few per zone keeps the fast-to-power options."""
    cfg = inputs.scenario.pathway
    assert cfg is not None
    sites = active_sites(inputs)
    ranked_inputs = replace(inputs, sites=sites)
    if inputs.supply is not None:
        # The ranking reads county headroom; with zonal supply a site's grid limit is its best connection.
        best = inputs.supply.connections.groupby("site_id")["mw"].max()
        ranked_inputs = replace(ranked_inputs, sites=sites.assign(headroom_mw=best.reindex(sites.index).fillna(0.0).to_numpy()))
    ranking = rank_candidates(ranked_inputs)
    score = pd.Series(ranking["usd_per_pflops"].to_numpy(dtype=float), index=ranking.index.astype(str))
    group_col = "zone" if inputs.supply is not None and "zone" in sites else "state"
    frame = pd.DataFrame({"score": score.reindex(sites.index.astype(str)).to_numpy(), "group": sites[group_col].astype(str).to_numpy()},
                         index=sites.index.astype(str))
    frame = frame.loc[np.isfinite(frame["score"])]
    frame = frame.sort_values(["score"], kind="stable").reset_index(names="site_id")
    frame = frame.sort_values(["group", "score", "site_id"], kind="stable").groupby("group", sort=False).head(cfg.candidates_per_zone)
    keep = frame.sort_values(["score", "site_id"], kind="stable").head(cfg.max_candidates)["site_id"]
    if keep.empty:
        raise ScenarioError(f"{inputs.scenario.origin}: pathway: no candidate can host a campus after screening")
    order = [s for s in sites.index.astype(str) if s in set(keep)]  # the data's order: deterministic
    return sites.loc[order]


def check_targets_reachable(data: PathwayData) -> None:
    """A trajectory larger than every screened candidate's campus cap together is refused before the solve."""
    if not data.targets_it_mw:
        return
    most_mw = sum(data.max_mw[s] / data.pue[s] for s in data.SITES)
    year, need = max(data.targets_it_mw.items(), key=lambda kv: kv[1])
    if need > most_mw + 1e-6:
        raise ScenarioError(
            f"{data.inputs.scenario.origin}: pathway.target_it_mw_by_year: {need:,.0f} MW of IT by {year} is more than the "
            f"{len(data.SITES)} screened candidates can host ({most_mw:,.0f} MW); raise pathway.max_candidates or lower the target"
        )


def prepare_pathway(
    scenario: Scenario,
    inputs: SitingData | None = None,
    roadmap: pd.DataFrame | None = None,
    bridge: BridgeCosts | None = None,
    screen: bool = True,
) -> PathwayData:
    """Checked inputs, screened candidates and the pathway's coefficients (no Pyomo model yet)."""
    check_pathway_scenario(scenario)
    inputs = inputs if inputs is not None else load_pathway_inputs(scenario)
    roadmap = roadmap if roadmap is not None else load_gpu_roadmap(roadmap_path(scenario))
    bridge = bridge if bridge is not None else BridgeCosts.from_energy_costs(load_energy_costs(DEFAULT_DATA_DIR))
    sites = screen_candidates(inputs) if screen else active_sites(inputs)
    data = pathway_data(inputs, sites, roadmap, bridge, load_construction_years().to_dict())
    check_targets_reachable(data)
    return data


def _status(result: SolveResult) -> str:
    return result.status


def solve_pathway(
    scenario: Scenario,
    inputs: SitingData | None = None,
    roadmap: pd.DataFrame | None = None,
    bridge: BridgeCosts | None = None,
    screen: bool = True,
    log_path: Path | None = None,
    on_step: Step = _noop,
    progress: ProgressFn | None = None,
) -> PathwayOutcome:
    """Screen, build, solve and read the pathway; writes nothing but the log (if given)."""
    t = time.perf_counter()
    on_step("load")
    data = prepare_pathway(scenario, inputs, roadmap, bridge, screen)
    seconds = {"load": time.perf_counter() - t}
    on_step("build")
    t = time.perf_counter()
    m = build_pathway(data)
    seconds["build"] = time.perf_counter() - t
    on_step("solve")
    result = solve_model(m, scenario.solver, log_path, progress=progress)
    seconds |= {"translate": result.seconds_translate, "solve": result.seconds_solve}
    summary = base_summary(data, result, seconds)
    if not result.has_solution:
        return PathwayOutcome(summary=summary, timeline=None, site_years=None, sites=None, installs=None, data=data, model=m, log=result.log)
    t = time.perf_counter()
    site_years = site_years_table(m, data)
    timeline = timeline_table(m, data, site_years)
    sites = sites_summary(site_years, data, m)
    installs = installs_table(m, data)
    summary |= solution_summary(m, data, timeline, sites, installs)
    summary["seconds"]["results"] = round(time.perf_counter() - t, 3)
    return PathwayOutcome(summary=summary, timeline=timeline, site_years=site_years, sites=sites, installs=installs,
                          data=data, model=m, log=result.log)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def base_summary(data: PathwayData, result: SolveResult, seconds: dict[str, float]) -> dict[str, Any]:
    sc = data.inputs.scenario
    cfg = data.cfg
    unit = {"max_compute_years": "PFLOPS-years (discounted)", "max_npv": "USD", "min_cost": "USD"}[cfg.objective]
    scale = 1.0 if cfg.objective == "max_compute_years" else USD_PER_MUSD
    return {
        "scenario": sc.name, "kind": "pathway", "status": _status(result), "objective_sense": cfg.objective,
        "objective": None if result.objective is None else result.objective * scale, "objective_unit": unit,
        "mip_gap": result.mip_gap, "dual_bound": None if result.dual_bound is None else result.dual_bound * scale,
        "first_year": data.years[0], "last_year": data.years[-1], "years": data.years,
        "horizon_end": data.horizon_end, "precision": sc.gpus.precision, "supply_model": sc.supply.model,
        "candidates": len(data.inputs.sites), "candidates_screened": len(data.SITES),
        "model_size": {"rows": result.rows, "columns": result.columns, "nonzeros": result.nonzeros},
        "solver": {"route": result.route, "time_limit_s": sc.solver.time_limit_s, "mip_gap_target": sc.solver.mip_gap,
                   "threads": sc.solver.threads},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "scenario_sha256": sc.sha256(), "data_sha256": data.inputs.data_sha256,
        "roadmap_sha256": hashlib.sha256(data.gpus.to_csv().encode()).hexdigest(),
    }


def solution_summary(m: pyo.ConcreteModel, data: PathwayData, timeline: pd.DataFrame, sites: pd.DataFrame,
                     installs: pd.DataFrame) -> dict[str, Any]:
    body = timeline.loc[timeline["row"] == "year"].drop_duplicates("model_year")
    by_type = installs.groupby("gpu")["gpus"].sum().round(3).to_dict() if len(installs) else {}
    value = pyo.value
    out: dict[str, Any] = {
        "investor": investor_figures(timeline, data.discount_rate),
        "npv_model_usd": float(value(m.npv_musd)) * USD_PER_MUSD,
        "cost_pv_usd": float(value(m.cost_pv_musd)) * USD_PER_MUSD,
        "pflops_years_discounted": float(value(m.pflops_years_discounted)),
        "it_mw_online_by_year": {int(r.model_year): round(float(r.it_mw_online), 6) for r in body.itertuples()},
        "pflops_online_by_year": {int(r.model_year): round(float(r.pflops_online), 6) for r in body.itertuples()},
        "final_it_mw_online": float(body["it_mw_online"].iloc[-1]),
        "sites_built": len(sites),
        "sites_by_first_source": sites["first_source"].value_counts().sort_index().to_dict() if len(sites) else {},
        "gpus_installed_by_type": by_type,
        "capex_usd": float(body["capex_usd"].sum()),
        "revenue_usd": float(timeline["revenue_usd"].sum()),
        "opex_usd": float(timeline["opex_usd"].sum()),
        "terminal_value_usd": float(timeline["terminal_value_usd"].sum()),
        "co2_t": float(timeline["co2_t"].sum()),
        "rounding": rounding_error(installs, data) if not data.cfg.integer_blocks else {"integer_blocks": True},
    }
    return out


def write_pathway(out_dir: Path, outcome: PathwayOutcome) -> None:
    """The files of a pathway folder (the caller makes it atomic)."""
    summary = outcome.summary
    if outcome.timeline is not None and outcome.sites is not None and outcome.site_years is not None:
        outcome.timeline.to_csv(out_dir / "timeline.csv", index=False)
        outcome.site_years.to_csv(out_dir / "sites_timeline.csv", index=False)
        outcome.sites.to_csv(out_dir / "pathway_sites.csv", index=False)
        if outcome.installs is not None:
            outcome.installs.to_csv(out_dir / "installs.csv", index=False)
        tl_png = timeline_png(outcome.timeline)
        gt_png = gantt_png(outcome.sites, outcome.site_years)
        (out_dir / "timeline.png").write_bytes(tl_png)
        (out_dir / "gantt.png").write_bytes(gt_png)
        (out_dir / "report.html").write_text(
            pathway_report_html(summary, outcome.timeline, outcome.sites, tl_png, gt_png), encoding="utf-8"
        )
    if not (out_dir / "solver.log").exists():
        (out_dir / "solver.log").write_text(outcome.log)
    write_json(out_dir / "summary.json", summary)


def run_pathway(
    scenario: Scenario,
    out_dir: Path,
    inputs: SitingData | None = None,
    roadmap: pd.DataFrame | None = None,
    bridge: BridgeCosts | None = None,
    screen: bool = True,
    force: bool = False,
    on_step: Step = _noop,
    progress: ProgressFn | None = None,
) -> PathwayOutcome:
    """Solve and write ``out_dir`` all or nothing; the path and the inputs are checked before any solve."""
    check_pathway_scenario(scenario)
    with output_dir(out_dir, "pathway", force=force) as tmp:
        outcome = solve_pathway(scenario, inputs, roadmap, bridge, screen, log_path=tmp / "solver.log",
                                on_step=on_step, progress=progress)
        if outcome.summary["status"] == "interrupted_no_solution":
            raise KeyboardInterrupt
        on_step("write")
        t = time.perf_counter()
        write_pathway(tmp, outcome)
        summary = dict(outcome.summary)
        summary["seconds"] = dict(summary["seconds"], write=round(time.perf_counter() - t, 3))
        write_json(tmp / "summary.json", summary)
    return replace(outcome, summary=summary, out_dir=out_dir)


def summary_text(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=1, default=str)
