"""Certified candidate sets: screen, solve, price what was left out, re-admit, repeat.

A national multi-year model over every county is large; most counties are far from the answer. The
screen keeps, by each candidate's single-campus value over the horizon (model/results/campus_time.py,
the objective's own economics), the best ``candidates_per_zone`` of every ReEDS zone (state, legacy) and
the best ``max_candidates`` overall. After the solve every candidate left out is priced against the
solution: its score (value per dollar) against the worst score among the campuses the solution built, the
solution's marginal use of capital. A left-out candidate that beats it could improve the objective, by at
most its excess score times its capex; those that could improve it by more than the scenario's gap is
worth (:func:`gap_tolerance`; the solver is asked for nothing finer) are re-admitted, best first, and the
model is solved again, until none could, ``MAX_ROUNDS`` is reached or the time left is too short for a
larger round (:func:`another_round`). The certificate (rounds, re-admitted,
the left-out candidate with the largest bound, the tolerance, whether it certified) goes into summary.json
as ``candidate_certificate``.

One-period runs over very many candidates (``[candidates] screen_above``, e.g. every HIFLD substation)
are screened the same way, by the snapshot ranking's compute per dollar (the inverse of its all-in $ per
PFLOPS, the one-period objective's own economics); their bound is the compute a left-out campus could add
for its cost, valued at the worst built campus' $ per PFLOPS. (Pricing left-out candidates at the firm
supply the solution left was tried and dropped: a left-out campus can take a built one's spare by replacing
it, so the residual price under-states it; on Ohio + Pennsylvania at $200bn it re-admitted the wrong
counties and ended 1.3 % below the full model.)

The bound is the single-campus one (rank_candidates' approximations: one campus alone in its zone, one
GPU type): a certificate says no left-out site could improve the solution by more than its gap by that
measure, not that the MILP over every county has the same optimum.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from model.config import Scenario
from model.inputs.load import SitingData
from model.milp.index_sets import active_sites
from model.results.campus_time import rank_over_time
from model.results.rank import rank_candidates

MAX_ROUNDS = 8
# Another round starts only while the time left is at least this many times the last round's: a round
# re-admits candidates, so the next is larger, and one stopped by the time limit far from its bound would
# leave a worse gap than the round before it.
NEXT_ROUND_TIME_FACTOR = 2.0


def another_round(round_: int, last_round_s: float, left_s: float) -> bool:
    """Whether a run that is not yet certified re-admits and solves again (see NEXT_ROUND_TIME_FACTOR)."""
    return round_ < MAX_ROUNDS and left_s >= NEXT_ROUND_TIME_FACTOR * last_round_s


@dataclass(frozen=True)
class Certificate:
    candidates: int  # candidates after exclusions
    screened: int  # in the final model
    rounds: int  # solves
    readmitted: int  # candidates added after the first solve
    threshold_score: float | None  # the worst built campus' score in the final solution
    largest_excluded_site: str | None  # the one whose bound is largest (none positive: the best score)
    largest_excluded_name: str | None  # its county (and state), for people: "Alcona, MI"
    largest_excluded_score: float | None  # its score
    largest_excluded_bound_usd: float | None  # (its score - threshold) x its capex (one period: / threshold): what it could add, at most
    tolerance: float  # what the scenario's gap is worth in the bound's unit: bounds below it need no re-solve
    certified: bool  # no left-out candidate could add more than the tolerance
    score_unit: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The one-period screening score: compute per dollar of the ranking's all-in cost (1 / usd_per_pflops).
PFLOPS_PER_USD = "PFLOPS per $ of all-in cost"


@dataclass(frozen=True)
class ScreenLimits:
    above: int  # screen when more active candidates than this
    per_zone: int  # the best of each zone (state in legacy mode) kept
    max_candidates: int  # then at most this many; also the most re-admitted per round


def screen_limits(inputs: SitingData) -> ScreenLimits | None:
    """Multi-year: [pathway]'s limits (screen above ``max_candidates``); one period: [candidates]'
    ``screen_*`` (None when ``screen_above`` is 0, never screened)."""
    sc = inputs.scenario
    if sc.pathway is not None:
        return ScreenLimits(sc.pathway.max_candidates, sc.pathway.candidates_per_zone, sc.pathway.max_candidates)
    c = sc.candidates
    return ScreenLimits(c.screen_above, c.screen_per_zone, c.screen_max) if c.screen_above > 0 else None


def needs_screening(inputs: SitingData) -> bool:
    limits = screen_limits(inputs)
    return limits is not None and len(active_sites(inputs)) > limits.above


def screen(ranking: pd.DataFrame, inputs: SitingData) -> list[str]:
    """The best ``per_zone`` per zone (state in legacy mode), then the best ``max_candidates``."""
    cfg = screen_limits(inputs)
    assert cfg is not None
    sites = active_sites(inputs)
    group_col = "zone" if inputs.supply is not None and "zone" in sites else "state"
    score = ranking["score"].reindex(sites.index).astype(float)
    frame = pd.DataFrame({"score": score.to_numpy(), "group": sites[group_col].astype(str).to_numpy()}, index=sites.index.astype(str))
    frame = frame.loc[np.isfinite(frame["score"])].reset_index(names="site_id")
    frame = frame.sort_values(["score", "site_id"], ascending=[False, True], kind="stable")
    per_zone = frame.groupby("group", sort=False).head(cfg.per_zone)
    keep = set(per_zone.head(cfg.max_candidates)["site_id"])
    return [s for s in sites.index.astype(str) if s in keep]  # the data's order: deterministic


def certify(ranking: pd.DataFrame, kept: list[str], built: list[str], n_candidates: int, rounds: int,
            readmitted: int, tolerance_at: Callable[[float], float] | None = None) -> tuple[Certificate, list[str]]:
    """The certificate of a solution over ``kept`` and the left-out candidates that could improve it by more
    than the tolerance (``tolerance_at(threshold)``: the scenario's gap in the bound's unit, see
    :func:`gap_tolerance`; none: any improvement counts), best score first.

    Each left-out candidate's bound is what it could add by replacing the worst built campus: its score's
    excess over that campus' times its capex (multi-year: score x capex is NPV, so dollars) or, one period,
    times its cost, which is PFLOPS, valued at the worst campus' $ per PFLOPS (1 / threshold)."""
    score = ranking["score"].astype(float)
    basis = ranking["capex_at_online_usd" if "capex_at_online_usd" in ranking else "cost_usd"].astype(float)
    built_scores = score.reindex(built).dropna()
    built_scores = built_scores[np.isfinite(built_scores)]
    threshold = float(built_scores.min()) if len(built_scores) else None
    left = score.drop(index=[s for s in kept if s in score.index])
    left = left[np.isfinite(left)].sort_values(ascending=False, kind="stable")
    tolerance = tolerance_at(threshold) if tolerance_at is not None and threshold is not None else 0.0
    better: list[str] = []
    site: str | None = str(left.index[0]) if len(left) else None
    site_score: float | None = float(left.iloc[0]) if len(left) else None
    bound: float | None = None
    if len(left) and threshold is not None:
        bounds = ((left - threshold) * basis.reindex(left.index)).clip(lower=0.0).fillna(0.0)
        if ranking.attrs.get("score_unit") == PFLOPS_PER_USD and threshold > 0:
            bounds = bounds / threshold
        better = left.index[(left > threshold).to_numpy() & (bounds > tolerance).to_numpy()].astype(str).tolist()
        if float(bounds.max()) > 0:  # the one that could add most (else the best score, adding nothing)
            site = str(bounds.idxmax())
            site_score = float(left[site])
        bound = float(bounds.get(site, 0.0))
    name = None
    if site is not None and "county_name" in ranking and "state" in ranking:
        name = f"{ranking.at[site, 'county_name']}, {ranking.at[site, 'state']}"
    cert = Certificate(
        candidates=n_candidates, screened=len(kept), rounds=rounds, readmitted=readmitted,
        threshold_score=threshold, largest_excluded_score=site_score, largest_excluded_site=site,
        largest_excluded_name=name,
        largest_excluded_bound_usd=bound, tolerance=tolerance, certified=not better,
        score_unit=str(ranking.attrs.get("score_unit", "")),
    )
    return cert, better


def gap_tolerance(scenario: Scenario, objective: float | None, gap: float | None, threshold: float | None) -> float:
    """What a relative gap (the scenario's ``mip_gap``) is worth in the certificate's bound unit. A left-out
    candidate that could add less cannot improve the objective by more than the gap the user accepts; only
    those that could add more are re-admitted. 0 (every improvement counts) where the units do
    not meet (multi-year min_cost)."""
    if objective is None or gap is None or not np.isfinite(gap) or gap <= 0:
        return 0.0
    worth = gap * abs(objective)
    if scenario.pathway is not None:  # the bound is in the objective's unit ($ of NPV, PFLOPS-years)
        return worth if scenario.pathway.objective in ("max_npv", "max_compute_years") else 0.0
    if scenario.objective.sense == "max_compute":  # PFLOPS, at the worst campus' $ per PFLOPS
        return worth / threshold if threshold and threshold > 0 else 0.0
    return worth  # one-period min_cost: the objective is dollars


def restrict(inputs: SitingData, kept: list[str]) -> SitingData:
    """``inputs`` with only the ``kept`` candidates (every other table as it is)."""
    return replace(inputs, sites=inputs.sites.loc[inputs.sites.index.astype(str).isin(set(kept))])


def over_time_ranking(inputs: SitingData) -> pd.DataFrame:
    return rank_over_time(replace(inputs, sites=active_sites(inputs)))


def screening_ranking(inputs: SitingData) -> pd.DataFrame:
    """Every active candidate's ``score`` by the objective's economics: over time (multi-year) or the
    snapshot ranking's PFLOPS per dollar (one period; NaN where no campus fits)."""
    if inputs.scenario.pathway is not None:
        return over_time_ranking(inputs)
    ranking = rank_candidates(replace(inputs, sites=active_sites(inputs)))
    cost = ranking["cost_usd"].astype(float)
    pflops = ranking["compute_pflops"].astype(float)
    ranking["score"] = (pflops / cost).where((cost > 0) & (pflops > 0))
    ranking.attrs["score_unit"] = PFLOPS_PER_USD
    return ranking

