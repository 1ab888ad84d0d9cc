"""A run as a short pipeline: load → build → solve → results → write (atomically)."""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import Scenario
from model.inputs.load import SitingData, load_inputs
from model.milp.build import build_model, structure_key, update_params
from model.milp.model_data import SitingModel
from model.plot.maps import folium_map, self_contained_html, static_map
from model.results.outputs import output_dir
from model.results.rank import near_tie, rank_candidates, runner_ups
from model.workflows.cleanup import clean_solution
from model.workflows.screening import (
    another_round, certify, gap_tolerance, needs_screening, over_time_ranking, restrict, screen, screen_limits, screening_ranking,
)
from model.workflows.tornado import run_tornado, tornado_summary, write_tornado
from model.results.report import run_report_html
from model.results.timeline import TimelineResults, sites_over_time, time_summary, timeline_results, write_timeline
from model.results.tables import (
    RunSummary,
    dispatch_table,
    objective_in_unit,
    sites_flat,
    sites_table,
    summary_dict,
    write_json,
    write_sites_tables,
)
from model.solve.diagnose import check_target_reachable, diagnose
from model.solve.duals import MarginalValue, marginal_values
from model.solve.highs import ProgressFn, solve_model
from model.solve.seed import needs_seed, seed_model

Step = Callable[[str], None]


@dataclass(frozen=True)
class RunOutcome:
    summary: RunSummary  # summary.json (model.results.tables.RunSummary)
    sites: gpd.GeoDataFrame | None
    out_dir: Path | None
    inputs: SitingData | None = None
    dispatch: pd.DataFrame | None = None  # hourly dispatch per zone (energy mode)
    log: str = ""  # the HiGHS log, for run directories written after the solve (compare)
    ranking: gpd.GeoDataFrame | None = None  # every candidate's best campus (model/rank.py)
    marginal: list[MarginalValue] = field(default_factory=list)  # rule duals, integers fixed
    timeline: TimelineResults | None = None  # multi-year runs: the tables over time


def explain(
    sm: SitingModel, sites: gpd.GeoDataFrame, summary: RunSummary, over_time: gpd.GeoDataFrame | None = None,
    candidates: SitingData | None = None,
) -> tuple[gpd.GeoDataFrame, list[MarginalValue]]:
    """Marginal values of the rules (LP with the siting fixed), the ranking of every candidate and
    the near-tie report; ``summary`` gains ``marginal_values``, ``runner_ups`` and ``near_tie``.

    Multi-year runs rank by the objective's economics over time (``over_time``: every candidate,
    computed once before any screening; model/results/campus_time.py), marked with what was built.
    One-period runs rank ``candidates`` (every candidate of a screened run) or the model's own."""
    marginal = marginal_values(sm)
    if sm.horizon.snapshot:
        ranking = rank_candidates(candidates if candidates is not None else sm.data.inputs, sites, marginal)
    else:
        base = over_time if over_time is not None else over_time_ranking(sm.data.inputs)
        ranking = mark_solution(base, sites)
    ups = runner_ups(ranking)
    summary["marginal_values"] = [asdict(v) for v in marginal if v.value_per_unit != 0.0]
    summary["runner_ups"] = ups
    summary["near_tie"] = near_tie(ups, summary["mip_gap"])
    return ranking, marginal


def mark_solution(ranking: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The over-time ranking with the solution: ``built``, ``built_facility_mw``, and for the others the gap
    of their score to the worst built campus' (``gap_score``; ``gap_share`` relative to it)."""
    out = ranking.copy()
    built = out.index.astype(str).isin(set(sites.index.astype(str)))
    out["built"] = built
    out["built_facility_mw"] = sites["facility_mw"].reindex(out.index).to_numpy(dtype=float)
    scores = out.loc[built, "score"].astype(float)
    scores = scores[np.isfinite(scores)]
    threshold = float(scores.min()) if len(scores) else np.nan
    gap = (threshold - out["score"].astype(float)).where(~out["built"])
    out["gap_score"] = gap
    out["gap_share"] = gap / abs(threshold) if threshold and np.isfinite(threshold) else np.nan
    out["gap_usd_per_pflops"] = np.nan
    out.attrs.update(ranking.attrs, marginal_score=threshold)
    return out


def _noop(_: str) -> None:
    return None


def solve_built(
    sm: SitingModel,
    seconds: dict[str, float],
    log_path: Path | None = None,
    warm_start: bool = False,
    on_step: Step = _noop,
    progress: ProgressFn | None = None,
    over_time: gpd.GeoDataFrame | None = None,
    explain_solution: bool = True,
) -> RunOutcome:
    """Solve an already built model (fresh or re-pointed with ``update_params``) and read results
    (``explain_solution`` false: no ranking or marginal values, e.g. an intermediate screening round)."""
    inputs = sm.data.inputs
    scenario = inputs.scenario
    options = scenario.solver
    seed = None
    if needs_seed(sm, options) and not warm_start:
        on_step("seed")
        t = time.perf_counter()
        seed = seed_model(sm, options)
        seconds = seconds | {"seed": time.perf_counter() - t}
        # The seed's time comes out of the scenario's limit.
        options = options.model_copy(update={"time_limit_s": max(options.time_limit_s - seconds["seed"], 1.0)})
    on_step("solve")
    result = solve_model(sm.m, options, log_path, warm_start=warm_start or seed is not None, progress=progress, hourly=sm.hourly)
    seconds = {k: round(v, 3) for k, v in seconds.items()} | {
        "translate": result.seconds_translate,
        "solve": result.seconds_solve,
    }
    # Second stage (model/workflows/cleanup.py): remove fragments (stray GPU types, sub-MW plants, campuses
    # within the gap) by re-solving this model without them; kept only within the scenario's gap.
    cleanup = None
    if result.has_solution:
        on_step("cleanup")
        cleanup = clean_solution(sm, result)
        result = cleanup.result
        seconds["cleanup"] = cleanup.record["seconds"]
    sites = sites_table(sm.final) if result.has_solution else None
    hourly = [ym for ym in sm.years.values() if ym.data.energy is not None]
    dispatch = dispatch_table(hourly[-1]) if result.has_solution and hourly else None
    timeline = None
    if sites is not None and not sm.horizon.snapshot:
        timeline = timeline_results(sm)
        sites = sites_over_time(sites, sm, timeline)
    summary = summary_dict(sm.final, result, sites, seconds, scenario.sha256(), inputs.data_sha256, dispatch)
    if timeline is not None:
        summary.update(time_summary(sm, timeline))  # type: ignore[typeddict-item]
    if cleanup is not None:
        # Its wall time is in summary["seconds"]["cleanup"]: the record itself is the same for the same inputs.
        summary["cleanup"] = {k: v for k, v in cleanup.record.items() if k != "seconds"}
    if seed is not None:
        summary["seed"] = {"objective": objective_in_unit(scenario, seed.objective),
                           "annual_model_objective": objective_in_unit(scenario, seed.annual_objective),
                           "sites_built": seed.sites_built, "method": seed.method}
    ranking: gpd.GeoDataFrame | None = None
    marginal: list[MarginalValue] = []
    if sites is not None and explain_solution:
        on_step("explain")
        t = time.perf_counter()
        ranking, marginal = explain(sm, sites, summary, over_time)
        summary["seconds"]["explain"] = round(time.perf_counter() - t, 3)
    if result.status in ("infeasible", "infeasible_or_unbounded"):
        on_step("diagnose")
        summary["diagnosis"] = diagnose(build_model(inputs), scenario.solver)
    return RunOutcome(
        summary=summary, sites=sites, out_dir=None, inputs=inputs, dispatch=dispatch, log=result.log,
        ranking=ranking, marginal=marginal, timeline=timeline,
    )


def build_checked(inputs: SitingData) -> SitingModel:
    """Build, refusing targets no candidate set could host before any solve."""
    sm = build_model(inputs)
    check_target_reachable(sm.data)
    return sm


class Engine:
    """The one run engine: load, build (or re-point a cached model of the same structure), seed,
    solve, explain, diagnose, and write a run directory. ``run``, ``compare``, ``sweep`` and
    ``export`` are loops over it, so every run directory holds the same files.

    Built models are kept per structure (:func:`model.milp.build.structure_key`): a scenario that
    differs only in values (budget, carbon price, cap values) re-uses one and is warm-started from
    the previous incumbent. ``max_models`` bounds the memory (a national model is ~0.5 GB).
    """

    def __init__(self, max_models: int = 2) -> None:
        self.max_models = max_models
        self._models: OrderedDict[str, SitingModel] = OrderedDict()

    def prepare(self, inputs: SitingData) -> tuple[SitingModel, bool]:
        """A model for ``inputs`` and whether it was re-used (re-pointed with ``update_params``)."""
        key = structure_key(inputs)
        cached = self._models.pop(key, None)
        sm = update_params(cached, inputs) if cached is not None else build_checked(inputs)
        self._models[key] = sm
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return sm, cached is not None

    def forget(self, inputs: SitingData) -> None:
        """Drop the cached model of ``inputs``' structure (its state after a failure is unknown)."""
        self._models.pop(structure_key(inputs), None)

    def solve(
        self,
        scenario: Scenario,
        inputs: SitingData | None = None,
        log_path: Path | None = None,
        on_step: Step = _noop,
        progress: ProgressFn | None = None,
    ) -> tuple[RunOutcome, bool]:
        """Solve without writing; returns the outcome and whether a cached model was re-used."""
        t = time.perf_counter()
        on_step("load")
        inputs = inputs if inputs is not None else load_inputs(scenario)
        seconds = {"load": time.perf_counter() - t}
        if needs_screening(inputs):
            return self._solve_screened(inputs, seconds, log_path, on_step, progress), False
        on_step("build")
        t = time.perf_counter()
        sm, reused = self.prepare(inputs)
        seconds["build"] = time.perf_counter() - t
        try:
            return solve_built(sm, seconds, log_path, warm_start=reused, on_step=on_step, progress=progress), reused
        except BaseException:
            self.forget(inputs)
            raise

    def _solve_screened(
        self, inputs: SitingData, seconds: dict[str, float], log_path: Path | None, on_step: Step, progress: ProgressFn | None
    ) -> RunOutcome:
        """A solve over screened candidates, certified (model/workflows/screening.py)."""
        cfg = screen_limits(inputs)
        assert cfg is not None
        on_step("screen")
        t = time.perf_counter()
        ranking = screening_ranking(inputs)
        kept = screen(ranking, inputs)
        n_candidates = len(ranking)
        seconds = seconds | {"screen": time.perf_counter() - t}
        readmitted = 0
        outcome: RunOutcome | None = None
        start: dict[str, float] | None = None  # the previous round's solution, by variable name
        # The scenario's time limit covers every round: each solve gets what is left.
        deadline = time.perf_counter() + inputs.scenario.solver.time_limit_s
        earlier_s = 0.0  # build, solve and cleanup of the rounds before the last (the summary's stages are the last's)
        for round_ in itertools.count(1):  # another_round() ends it (MAX_ROUNDS, or too little time left)
            on_step("build")
            round_start = t = time.perf_counter()
            round_inputs = restrict(inputs, kept)
            left = max(deadline - time.perf_counter(), 1.0)
            solver = round_inputs.scenario.solver.model_copy(update={"time_limit_s": left})
            round_inputs = replace(round_inputs, scenario=round_inputs.scenario.model_copy(update={"solver": solver}))
            round_inputs.scenario._origin = inputs.scenario._origin
            sm = build_checked(round_inputs)
            if start is not None:
                # The previous solution, with nothing at the re-admitted sites, is feasible here: start from it.
                for v in sm.m.component_data_objects(pyo.Var, descend_into=True):
                    v.set_value(start.get(v.name, 0.0), skip_validation=True)
            round_seconds = seconds | {"build": time.perf_counter() - t}
            outcome = solve_built(sm, round_seconds, log_path, warm_start=start is not None, on_step=on_step,
                                  progress=progress, over_time=ranking, explain_solution=False)
            if outcome.sites is None:
                break
            # The tolerance is the gap the scenario asks for, not the one reached: a round stopped by the time
            # limit far from its bound must not certify more easily for it.
            objective, target_gap = outcome.summary["objective"], inputs.scenario.solver.mip_gap
            cert, better = certify(ranking, kept, list(outcome.sites.index.astype(str)), n_candidates, round_, readmitted,
                                   lambda threshold: gap_tolerance(inputs.scenario, objective, target_gap, threshold))
            outcome.summary["candidate_certificate"] = cert.as_dict()
            now = time.perf_counter()
            if cert.certified or not another_round(round_, now - round_start, deadline - now):
                on_step("explain")
                t = time.perf_counter()
                ranking_out, marginal = explain(sm, outcome.sites, outcome.summary, ranking, candidates=inputs)
                outcome.summary["seconds"]["explain"] = round(time.perf_counter() - t, 3)
                outcome = replace(outcome, ranking=ranking_out, marginal=marginal)
                break
            earlier_s += sum(v for k, v in outcome.summary["seconds"].items() if k not in seconds)
            start = {v.name: float(v.value) for v in sm.m.component_data_objects(pyo.Var, descend_into=True) if v.value is not None}
            add = better[: cfg.max_candidates]
            readmitted += len(add)
            keep = set(kept) | set(add)
            kept = [s for s in ranking.index.astype(str) if s in keep]
            del sm
        assert outcome is not None
        if earlier_s:
            outcome.summary["seconds"]["earlier_rounds"] = round(earlier_s, 3)
        outcome.summary["candidates"] = n_candidates
        outcome.summary["candidates_screened"] = len(kept)
        return replace(outcome, inputs=inputs)

    def run(
        self,
        scenario: Scenario,
        out_dir: Path,
        inputs: SitingData | None = None,
        on_step: Step = _noop,
        force: bool = False,
        progress: ProgressFn | None = None,
    ) -> RunOutcome:
        """Solve and write ``out_dir`` all or nothing (see :func:`run_scenario`)."""
        with output_dir(out_dir, "run", force=force) as tmp:
            outcome, _ = self.solve(scenario, inputs, log_path=tmp / "solver.log", on_step=on_step, progress=progress)
            if outcome.summary["status"] == "interrupted_no_solution":
                # Nothing worth keeping: leave no directory rather than one without a solution.
                raise KeyboardInterrupt
            # pathway.tornado: NPV over each lever's range, re-solving one built model (model/workflows/tornado.py).
            tornado = None
            if scenario.pathway is not None and scenario.pathway.tornado and outcome.sites is not None and outcome.inputs is not None:
                on_step("tornado")
                result = run_tornado(outcome.inputs, list(outcome.sites.index.astype(str)), on_step)
                tornado = write_tornado(tmp, result, f"{scenario.name}: NPV sensitivity")
                outcome.summary["tornado"] = tornado_summary(result)
            on_step("write")
            t = time.perf_counter()
            write_run(tmp, outcome, f"{scenario.name}: {outcome.summary['status']}", tornado_png=tornado)
            # summary.json is rewritten with the write time measured over the other files.
            summary = outcome.summary.copy()
            summary["seconds"] = dict(summary["seconds"], write=round(time.perf_counter() - t, 3))
            write_json(tmp / "summary.json", summary)
        return replace(outcome, summary=summary, out_dir=out_dir)


def solve_scenario(
    scenario: Scenario,
    inputs: SitingData | None = None,
    log_path: Path | None = None,
    on_step: Step = _noop,
    progress: ProgressFn | None = None,
) -> RunOutcome:
    """Solve without writing anything (for notebooks and tests); silent unless ``progress`` is given
    (called with HiGHS' incumbent, bound and gap as it reports them)."""
    return Engine().solve(scenario, inputs, log_path, on_step=on_step, progress=progress)[0]


def write_ranking(out_dir: Path, ranking: gpd.GeoDataFrame, gpkg: bool = True) -> None:
    """rank.csv (every candidate, best first, lon/lat) and optionally rank.gpkg."""
    ordered = ranking.sort_values(["rank", "usd_per_pflops"], na_position="last", kind="stable")
    sites_flat(ordered).to_csv(out_dir / "rank.csv", index=False)
    if gpkg:
        ordered.reset_index().to_file(out_dir / "rank.gpkg", layer="rank", driver="GPKG")


def write_run(out_dir: Path, outcome: RunOutcome, title: str, tornado_png: bytes | None = None) -> None:
    """The files of one run directory (the caller makes the directory atomic); ``tornado_png`` goes into the
    report's finance block."""
    page, png = None, None
    inputs = outcome.inputs
    # Point candidates (substations, user files) are not a county layer to shade.
    candidates = inputs.sites if inputs is not None and inputs.scenario.candidates.kind == "counties" else None
    if outcome.sites is not None:
        points = {"Existing data centers": inputs.existing} if inputs is not None and inputs.existing is not None else None
        write_sites_tables(out_dir, outcome.sites)
        # Rendered once: the same offline page is map.html and the report's embedded map.
        generation = outcome.summary.get("new_generation") or None  # zonal: new plants per zone on the maps
        page = self_contained_html(
            folium_map(outcome.sites, title, candidates=candidates, points=points, generation=generation)
        )
        (out_dir / "map.html").write_text(page, encoding="utf-8")
        figure = static_map(outcome.sites, candidates, "headroom_mw", title, generation=generation)
        figure.savefig(out_dir / "map.png", dpi=100)
        plt.close(figure)
        png = (out_dir / "map.png").read_bytes()
    if outcome.dispatch is not None:
        outcome.dispatch.to_parquet(out_dir / "dispatch.parquet", index=False)
    if outcome.sites is not None and outcome.summary.get("supply_model") == "zonal":
        # Zonal supply: new generation per zone and type, and firm imports, for the checker and readers.
        gen_cols = ["zone", "type", "new_mw", "firm_mw", "energy_mwh_per_year", "capex_usd", "cost_pv_usd", "co2_t_per_year"]
        pd.DataFrame(outcome.summary["new_generation"], columns=gen_cols).to_csv(out_dir / "generation.csv", index=False)
        pd.DataFrame(outcome.summary["zone_imports"], columns=["from_zone", "to_zone", "mw"]).to_csv(
            out_dir / "zone_imports.csv", index=False
        )
    if outcome.ranking is not None:
        write_ranking(out_dir, outcome.ranking, gpkg=False)
    if not (out_dir / "solver.log").exists():
        (out_dir / "solver.log").write_text(outcome.log)
    report = run_report_html(
        outcome.summary, outcome.sites, fmap=page, static_png=png,
        ranking=outcome.ranking, marginal=outcome.marginal, candidates=candidates, build_map=False, tornado_png=tornado_png,
    )
    if outcome.timeline is not None:
        report = report.replace("</body>", write_timeline(out_dir, outcome.summary, outcome.timeline) + "</body>", 1)
    (out_dir / "report.html").write_text(report, encoding="utf-8")
    write_json(out_dir / "summary.json", outcome.summary)


def run_scenario(
    scenario: Scenario,
    out_dir: Path,
    inputs: SitingData | None = None,
    on_step: Step = _noop,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> RunOutcome:
    """Solve and write ``out_dir`` (sites, summary, log, maps, ranking, report) all or nothing.

    The path is checked before any work (``model.results.outputs``); the run is written in
    ``<out_dir>.partial/`` (the HiGHS log streams there) and moved into place when complete.
    """
    return Engine().run(scenario, out_dir, inputs, on_step=on_step, force=force, progress=progress)
