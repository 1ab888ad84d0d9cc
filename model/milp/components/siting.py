"""Where to build and what to install: build binaries, GPU blocks, IT and facility MW, campus size.

Where a rule offers dry cooling (``sets.SITES_DRY_OPTION``, e.g. water_cap's stressed counties) part
of the IT load may be dry-cooled: near-zero water, more facility MW per MW of IT (data/cooling.csv).

Provides: ``build``, ``blocks``, ``it_mw``, ``facility_mw`` (with the dry-cooling PUE delta),
``site_pflops``, and ``dry_it_mw`` over ``SITES_DRY_OPTION`` when that set is not empty. For the rows
of later blocks, :func:`facility_terms` gives each site's facility MW as coefficient arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from model.milp.model_data import Segments, add_linear_rows, linear_sum, members, rule_from

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


@dataclass(frozen=True)
class FacilityTerms:
    """Facility MW per site as arrays: ``sum(coef[i] * variables[col[i]] for i with site[i] == s)``.

    ``variables``: the ``blocks`` members (site-major), then the ``dry_it_mw`` members."""

    variables: Segments
    site: np.ndarray  # row (site position) of each term
    col: np.ndarray  # position in ``variables``
    coef: np.ndarray  # pue x IT MW per block, or the dry-cooling PUE delta

    def plus(self, variables: Segments, site: np.ndarray, coef: np.ndarray) -> FacilityTerms:
        """These terms and more (e.g. a route's ``-bridge_mw[s]``): facility MW less what else serves it."""
        if not len(variables):
            return self
        offset = sum(map(len, self.variables))
        col = offset + np.arange(len(site))
        return FacilityTerms(
            variables=self.variables + tuple(variables),
            site=np.concatenate([self.site, site]),
            col=np.concatenate([self.col, col]),
            coef=np.concatenate([self.coef, coef]),
        )

    def rows(self, row_of_site: np.ndarray, scale: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """COO (row, col, val) of ``scale x facility`` placed in row ``row_of_site[s]`` (sites with -1 left out).

        ``scale`` multiplies the way the standard-form compiler applies a constant factor (``scale * c``)."""
        keep = row_of_site[self.site] >= 0
        vals = self.coef[keep] if scale is None else scale * self.coef[keep]
        return row_of_site[self.site[keep]], self.col[keep], vals


def facility_terms(m: pyo.ConcreteModel, data: ModelData) -> FacilityTerms:
    """Each site's facility MW (``m.facility_mw``) as coefficient arrays over ``m.blocks`` and ``m.dry_it_mw``."""
    sets = data.sets
    n_s, n_g = len(sets.SITES), len(sets.GPUS)
    fac = np.outer(
        np.fromiter((data.pue[s] for s in sets.SITES), dtype=float, count=n_s),
        np.fromiter((data.block_it_mw[g] for g in sets.GPUS), dtype=float, count=n_g),
    )
    blocks = members(m.blocks)
    variables: Segments = (blocks,)
    site = np.repeat(np.arange(n_s), n_g)
    col = np.arange(n_s * n_g)
    coef = fac.ravel()
    dry = sets.SITES_DRY_OPTION
    if dry:
        pos = {s: i for i, s in enumerate(sets.SITES)}
        site = np.concatenate([site, np.fromiter((pos[s] for s in dry), dtype=np.int64, count=len(dry))])
        col = np.concatenate([col, len(blocks) + np.arange(len(dry))])
        coef = np.concatenate([coef, np.full(len(dry), data.dry_pue_delta)])
        variables = (blocks, members(m.dry_it_mw))
    # Row-major by site, as each site's expression lists them (blocks, then the dry term).
    order = np.argsort(site, kind="stable")
    return FacilityTerms(variables=variables, site=site[order], col=col[order], coef=coef[order])


def add_siting(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    sets = data.sets
    sites, gpus = sets.SITES, sets.GPUS
    n_s, n_g = len(sites), len(gpus)
    assert len(sets.SITES_GPUS) == n_s * n_g  # every site x GPU type, site-major
    m.build = pyo.Var(m.SITES, within=pyo.Binary)
    # Whole GPU blocks, or (multi-year, pathway.integer_blocks false) continuous blocks rounded in the outputs.
    m.blocks = pyo.Var(m.SITES_GPUS, within=pyo.NonNegativeIntegers if data.integer_blocks else pyo.NonNegativeReals, bounds=(0, None))
    blocks = members(m.blocks)
    for v, k in zip(blocks, sets.SITES_GPUS):
        v.setub(data.blocks_max[k])  # the largest count the campus cap allows (a tight bound helps presolve)
    grid = [blocks[i * n_g : (i + 1) * n_g] for i in range(n_s)]  # site -> its blocks in GPUS order
    it = [data.block_it_mw[g] for g in gpus]
    m.it_mw = pyo.Expression(m.SITES, rule=rule_from({s: linear_sum(it, row) for s, row in zip(sites, grid)}))
    dry_sites = set(sets.SITES_DRY_OPTION)
    if dry_sites:
        m.SITES_DRY_OPTION = pyo.Set(within=m.SITES, initialize=sets.SITES_DRY_OPTION, ordered=True)
        m.dry_it_mw = pyo.Var(m.SITES_DRY_OPTION, within=pyo.NonNegativeReals)
        m.dry_le_it = pyo.Constraint(m.SITES_DRY_OPTION, rule=lambda m, s: m.dry_it_mw[s] <= m.it_mw[s])

    # Facility power = IT power x the site's climate-driven PUE, plus the PUE delta of dry-cooled IT.
    def facility_mw(s: str, row: list[Any]) -> Any:
        pue = data.pue[s]
        evaporative = linear_sum([pue * c for c in it], row)
        if s not in dry_sites:
            return evaporative
        return evaporative + data.dry_pue_delta * m.dry_it_mw[s]

    m.facility_mw = pyo.Expression(m.SITES, rule=rule_from({s: facility_mw(s, row) for s, row in zip(sites, grid)}))
    pflops = [data.block_pflops[g] for g in gpus]
    m.site_pflops = pyo.Expression(m.SITES, rule=rule_from({s: linear_sum(pflops, row) for s, row in zip(sites, grid)}))

    # campus_max: facility - max x build <= 0; campus_min: min x build - facility <= 0.
    fac = facility_terms(m, data)
    all_rows = np.arange(n_s)
    r, c, v = fac.rows(all_rows)
    n_terms = sum(map(len, fac.variables))
    variables = fac.variables + (members(m.build),)
    build_col = n_terms + all_rows
    add_linear_rows(
        m, "campus_max", m.SITES, sites, variables,
        np.concatenate([r, all_rows]), np.concatenate([c, build_col]),
        np.concatenate([v, np.full(n_s, -costs.max_campus_mw)]), np.zeros(n_s),
    )
    if costs.min_campus_mw > 0:
        add_linear_rows(
            m, "campus_min", m.SITES, sites, variables,
            np.concatenate([all_rows, r]), np.concatenate([build_col, c]),
            np.concatenate([np.full(n_s, float(costs.min_campus_mw)), -v]), np.zeros(n_s),
        )
