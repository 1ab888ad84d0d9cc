"""The run's figures as the report shows them: one typed object built once from summary.json's values.

Every number a reader sees in ``report.html``'s headline, cost waterfall and totals is a field of
:class:`Figures` (built by :meth:`Figures.from_summary`), so the report cannot disagree with summary.json or
with itself. One definition of each figure:

* ``capex_usd``: the campuses' capital, summary.json's ``capex_usd`` (the sites table's ``capex_usd`` summed):
  GPUs, shell and fit-out, land, site fixed cost, grid connection and on-site energy assets.
  ``capex_usd_by_part`` splits it and adds up to it (on-site energy assets are the rest).
* ``total_cost_usd``: summary.json's ``total_cost_usd``: capex, plus new generation's cost over the horizon
  (zonal supply: annualised capex + FOM, ``new_generation_cost_pv_usd``), plus the present value of energy
  (``energy_opex_pv_usd`` and, in annual mode, new generation's energy net of the grid energy it displaces;
  hourly runs have the latter inside the former and report it as null), plus wheeling on
  firm imports (energy at scale, ``import_wheeling_pv_usd``).
* ``usd_per_pflops``: all-in $ per PFLOPS, :func:`usd_per_pflops` = total cost / PFLOPS (energy PV
  included). Per site it is the site's capex + energy PV over its PFLOPS (new generation is a zone's cost,
  not a site's, so only the plan's figure carries it).
* ``budget_spend_usd``: what the budget row counts, :func:`budget_spend_usd`: capex + new generation's cost
  (the model's ``total_capex_musd``), or the total cost when the budget includes opex; a multi-year run's
  equity + debt drawn (``investor``), since its capex counts every refresh, partly paid from revenue.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Capital parts of summary.json's capex_usd_by_part, in build order; on-site energy assets are the rest.
CAPEX_PARTS = ("gpu", "shell", "land", "site", "interconnect")
# Costs of a row beyond its capex: the energy PV (sites table and ranking) and, in the ranking, the new
# generation its campus would buy (model.results.rank: cost in the budget, energy net of the grid's).
_ROW_COSTS = ("energy_opex_pv_usd", "new_generation_cost_usd", "new_generation_energy_pv_usd")
# Below this share of capex, "the rest" of capex after its parts is the rounding of the parts, not assets.
_REST_TOLERANCE = 1e-6


def number(x: Any) -> float | None:
    """A finite float, or None for missing, NaN and non-numbers (summaries hold nulls when unknown)."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def usd_per_pflops(total_cost_usd: Any, compute_pflops: Any) -> float | None:
    """All-in $ per PFLOPS: total cost (capex, new generation and energy over the horizon) per PFLOPS.
    None without cost or compute."""
    cost, pflops = number(total_cost_usd), number(compute_pflops)
    return None if cost is None or not pflops else cost / pflops


def site_usd_per_pflops(frame: pd.DataFrame) -> pd.Series:
    """:func:`usd_per_pflops` of each row of a sites table or ranking: its total cost per its PFLOPS (NaN
    without PFLOPS). The total is capex plus whichever of the row's energy PV and, in a ranking, its
    campus' new generation (cost and energy PV) the frame has; a built site's new generation is its zone's,
    not its own, so it is in the plan's figure only."""
    cost = frame["capex_usd"].astype(float)
    for column in _ROW_COSTS:
        if column in frame:
            cost = cost + frame[column].astype(float).fillna(0.0)
    pflops = frame["compute_pflops"].astype(float)
    return cost / pflops.where(pflops > 0)


def near_tie_scores(runner_up: Mapping[str, Any]) -> tuple[float, float] | None:
    """A multi-year runner-up's score (value per $ over the horizon, a single campus alone) and the worst built
    campus' (its score plus ``gap_score``), or None where the record has no scores (one-period rankings)."""
    score, gap_score = number(runner_up.get("score")), number(runner_up.get("gap_score"))
    return None if score is None or gap_score is None else (score, score + gap_score)


def capital_drawn_usd(summary: Mapping[str, Any]) -> float | None:
    """A multi-year run's equity + debt drawn (``investor``), what its budget caps; None for a snapshot."""
    investor = summary.get("investor") or {}
    equity, debt = number(investor.get("equity_drawn_usd")), number(investor.get("debt_drawn_usd"))
    return None if equity is None or debt is None else equity + debt


def budget_spend_usd(summary: Mapping[str, Any]) -> float | None:
    """What the budget row counts: a multi-year run's equity + debt drawn (its capex over the horizon counts
    every GPU refresh, partly paid from revenue, so it may exceed the budget); one period: capex + new
    generation's cost (the model's total capex), or the total cost when the scenario's budget includes opex."""
    drawn = capital_drawn_usd(summary)
    if drawn is not None:
        return drawn
    if summary.get("budget_includes_opex"):
        return number(summary.get("total_cost_usd"))
    capex = number(summary.get("capex_usd"))
    new_gen = number(summary.get("new_generation_cost_pv_usd")) or 0.0
    return None if capex is None else capex + new_gen


def _capex_by_part(summary: Mapping[str, Any], capex: float | None) -> dict[str, float]:
    """capex_usd_by_part (non-zero parts in build order) plus ``energy_assets``, the rest of capex after
    the parts (or summary's ``capex_energy_usd`` when it names them)."""
    by_part = {k: number(v) for k, v in (summary.get("capex_usd_by_part") or {}).items()}
    parts: dict[str, float] = {}
    for key in CAPEX_PARTS:
        v = by_part.get(key) if key in by_part else number(summary.get(f"capex_{key}_usd"))
        if v:
            parts[key] = v
    for key, v in by_part.items():  # parts a summary names beyond the five (e.g. a multi-year run's)
        if key not in parts and key not in CAPEX_PARTS and v:
            parts[key] = v
    assets = number(summary.get("capex_energy_usd"))
    if assets is None and capex is not None and parts:
        rest = capex - sum(parts.values())
        assets = rest if rest > _REST_TOLERANCE * max(capex, 1.0) else None
    if assets:
        parts["energy_assets"] = assets
    return parts


@dataclass(frozen=True)
class Figures:
    """A run's headline figures, each read from summary.json once (see the module docstring for each
    definition). Missing or unknown figures are None."""

    zonal: bool
    precision: str | None
    compute_pflops: float | None
    gpus: int | None
    gpus_by_type: dict[str, int]  # types with GPUs only
    capex_usd: float | None
    capex_usd_by_part: dict[str, float]  # gpu, shell, land, site, interconnect, energy_assets: sums to capex_usd
    new_generation_cost_pv_usd: float | None
    energy_opex_pv_usd: float | None
    new_generation_energy_cost_pv_usd: float | None
    import_wheeling_pv_usd: float | None
    total_cost_usd: float | None
    usd_per_pflops: float | None
    budget_usd: float | None
    budget_includes_opex: bool | None
    budget_spend_usd: float | None
    it_mw: float | None
    capital_drawn: bool  # multi-year: the budget caps equity + debt drawn (budget_spend_usd is that)
    facility_mw: float | None
    sites_built: int | None
    candidates: int | None
    co2_t_per_year: float | None
    new_generation_co2_t_per_year: float | None
    mip_gap: float | None
    mip_gap_target: float | None
    solve_seconds: float | None
    seconds_total: float | None
    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> Figures:
        s = summary
        capex = number(s.get("capex_usd"))
        seconds = {str(k): v for k, v in ((k, number(x)) for k, x in (s.get("seconds") or {}).items()) if v is not None}
        gpus = number(s.get("gpus"))
        sites_built = number(s.get("sites_built"))
        candidates = number(s.get("candidates"))
        return cls(
            zonal=s.get("supply_model") == "zonal",
            precision=None if s.get("precision") is None else str(s.get("precision")),
            compute_pflops=number(s.get("compute_pflops")),
            gpus=None if gpus is None else round(gpus),
            gpus_by_type={str(g): round(n) for g, n in ((g, number(x)) for g, x in (s.get("gpus_by_type") or {}).items()) if n},
            capex_usd=capex,
            capex_usd_by_part=_capex_by_part(s, capex),
            new_generation_cost_pv_usd=number(s.get("new_generation_cost_pv_usd")),
            energy_opex_pv_usd=number(s.get("energy_opex_pv_usd")),
            new_generation_energy_cost_pv_usd=number(s.get("new_generation_energy_cost_pv_usd")),
            import_wheeling_pv_usd=number(s.get("import_wheeling_pv_usd")),
            total_cost_usd=number(s.get("total_cost_usd")),
            usd_per_pflops=usd_per_pflops(s.get("total_cost_usd"), s.get("compute_pflops")),
            budget_usd=number(s.get("budget_usd")),
            budget_includes_opex=None if s.get("budget_includes_opex") is None else bool(s.get("budget_includes_opex")),
            budget_spend_usd=budget_spend_usd(s),
            it_mw=number(s.get("it_mw")),
            capital_drawn=capital_drawn_usd(s) is not None,
            facility_mw=number(s.get("facility_mw")),
            sites_built=None if sites_built is None else round(sites_built),
            candidates=None if candidates is None else round(candidates),
            co2_t_per_year=number(s.get("co2_t_per_year")),
            new_generation_co2_t_per_year=number(s.get("new_generation_co2_t_per_year")),
            mip_gap=number(s.get("mip_gap")),
            mip_gap_target=number((s.get("solver") or {}).get("mip_gap_target")),
            solve_seconds=seconds.get("solve"),
            seconds_total=sum(seconds.values()) if seconds else None,
            seconds=seconds,
        )

    @property
    def budget_used_share(self) -> float | None:
        """The budget's spend as a share of it."""
        if not self.budget_usd or self.budget_spend_usd is None:
            return None
        return self.budget_spend_usd / self.budget_usd

    @property
    def budget_counts(self) -> str:
        """What the budget row counts, in words."""
        if self.capital_drawn:
            return "equity + debt drawn"
        if self.budget_includes_opex:
            return "capex + new generation + energy PV" if self.zonal else "capex + energy PV"
        return "capex + new generation" if self.zonal else "capex"

    def cost_parts(self) -> list[tuple[str, float]]:
        """(part, USD) in the waterfall's order: the capex parts (summing to ``capex_usd``), then new
        generation's cost and the energy PV (summing, with capex, to ``total_cost_usd``); zero parts left out."""
        parts = list(self.capex_usd_by_part.items())
        for key, value in (("new_generation", self.new_generation_cost_pv_usd), ("energy_opex_pv", self.energy_opex_pv_usd),
                           ("new_generation_energy", self.new_generation_energy_cost_pv_usd),
                           ("import_wheeling", self.import_wheeling_pv_usd)):
            if value:
                parts.append((key, value))
        return parts
