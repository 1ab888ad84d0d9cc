"""End-to-end benchmark of the siting pipeline, plus the same MILP built directly in highspy.

For each size (a ``max_compute`` scenario restricted with ``candidates.states``; budget
$100bn × candidates / 3,108; the default zonal supply model, ``--supply legacy`` for the old one) a
fresh subprocess measures, so peak RSS is per size:

* load / build (Pyomo) / translate (to_standard_form + passModel) / solve (HiGHS) / explain / write
  (``run_scenario``'s gpkg + summary + map into a temp dir), end to end, the MIP gap and peak RSS;
* the Pyomo build + translate again (median of ``--repeat``) against a vectorised numpy/scipy
  build of the same rows and columns handed to ``Highs.passModel`` — both start from
  ``model.milp.model_data.model_data`` so they see identical coefficients — and solves the direct model
  to check that both give the same model (bit for bit) and the same objective within the MIP gap.

``--scenarios shipped`` also runs every shipped national one-period scenario (runs/*.toml,
runs/policies/*.toml) end to end and reports build + translate as a share of it.

    python benchmarks/run.py [--sizes DE,state:TX,region:TX+OK+LA+NM,national] [--supply zonal|legacy]
        [--scenarios shipped] [--out benchmarks/results.md] [--repeat 1] [--smallest] [--profile]

Goals are reported, not asserted (the machine is shared, so timings are noisy): national
end-to-end ≤ 60 s to ≤ 1 % gap; Pyomo build + translate ≤ 5× the direct highspy build on the national
annual model and ≤ 10 % of end-to-end on every shipped national scenario; peak RSS ≤ 2 GB. What *is*
asserted: equal row/column/nonzero counts, identical models (direct and Pyomo; the translation's arrays
and Pyomo's compiler), and objectives within the gap.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gc
import json
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from model.config import Scenario, scenario_from_dict
from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD, annuity_factor
from model.inputs.load import SitingData, load_inputs
from model.milp.build import build_model
from model.milp.model_data import ModelData, model_data
from model.solve.highs import highs_lp, pyomo_standard_form, to_standard_form
from model.workflows.engine import run_scenario

NATIONAL_BUDGET_USD = 100e9
NATIONAL_COUNTIES = 3108
DEFAULT_SIZES = "DE,state:TX,region:TX+OK+LA+NM,national"
GOAL_E2E_S = 60.0
GOAL_GAP = 0.01
GOAL_OVERHEAD = 5.0  # issue 19: Pyomo build + translate <= 5x the direct highspy build
GOAL_SHARE = 0.10  # ... and <= 10 % of end-to-end on every shipped national scenario
GOAL_RSS_MB = 2048.0
HERE = Path(__file__).resolve().parent


# --- scenarios ---------------------------------------------------------------------------------


def parse_size(text: str) -> list[str]:
    """``DE`` | ``state:TX`` | ``region:TX+OK`` | ``national`` → the candidate states (empty = all)."""
    kind, _, rest = text.partition(":")
    if text == "national":
        return []
    if kind in ("state", "region") and rest:
        return [s.strip().upper() for s in rest.split("+") if s.strip()]
    if not rest and len(text) == 2:
        return [text.upper()]
    raise SystemExit(f"--sizes: cannot read '{text}' (use DE, state:TX, region:TX+OK or national)")


def scaled_budget_usd(candidates: int) -> float:
    """$100bn for the 3,108 national counties, pro rata, rounded to whole $bn (at least $1bn)."""
    return max(1.0, round(NATIONAL_BUDGET_USD * candidates / NATIONAL_COUNTIES / 1e9)) * 1e9


def benchmark_scenario(states: list[str], budget_usd: float, supply: str = "zonal", include_opex: bool = False) -> Scenario:
    raw: dict[str, Any] = {
        "name": "benchmark",
        "objective": {"sense": "max_compute"},
        "budget": {"equity_usd": budget_usd, "include_opex": include_opex},
        "candidates": {"states": states},
        "supply": {"model": supply},
        "solver": {"mip_gap": GOAL_GAP, "threads": 2, "time_limit_s": 600.0},
    }
    return scenario_from_dict(raw, "benchmarks/run.py")


def sized_inputs(states: list[str], supply: str = "zonal", include_opex: bool = False) -> SitingData:
    """Inputs with the budget scaled to the candidate count (known only after loading)."""
    probe = load_inputs(benchmark_scenario(states, 1e9, supply, include_opex))
    scenario = benchmark_scenario(states, scaled_budget_usd(len(probe.sites)), supply, include_opex)
    return dataclasses.replace(probe, scenario=scenario)


# --- the direct highspy build ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DirectModel:
    lp: highspy.HighsLp
    rows: int
    columns: int
    nonzeros: int


def _arr(d: dict[Any, float], keys: list[Any]) -> np.ndarray:
    return np.fromiter((d[k] for k in keys), dtype=float, count=len(keys))


class _Rows:
    """Row blocks as COO triplets: each ``add`` appends ``n`` rows and returns their ids."""

    def __init__(self) -> None:
        self.i: list[np.ndarray] = []
        self.j: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n = 0

    def add(self, n: int, lower: np.ndarray | float, upper: np.ndarray | float) -> np.ndarray:
        r = self.n + np.arange(n)
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.n += n
        return r

    def terms(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        rows, cols = np.asarray(rows).ravel(), np.asarray(cols).ravel()
        self.i.append(rows)
        self.j.append(cols)
        vals = np.asarray(vals, dtype=float)
        self.v.append(vals.ravel() if vals.ndim else np.full(rows.shape, float(vals)))

    def matrix(self, n_cols: int) -> sp.csc_matrix:
        empty = np.zeros(0)
        A = sp.csc_matrix(
            (np.concatenate(self.v + [empty]), (np.concatenate(self.i + [empty]).astype(np.int64), np.concatenate(self.j + [empty]).astype(np.int64))),
            shape=(self.n, n_cols),
        )
        A.sum_duplicates()
        A.eliminate_zeros()  # Pyomo's compiler leaves zero coefficients out too
        return A


def _finish(rows: _Rows, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray, maximize: bool) -> DirectModel:
    """Drop columns in no row and not in the objective (as Pyomo's compiler does) and make the HighsLp."""
    A = rows.matrix(len(cost))
    keep = (np.diff(A.indptr) > 0) | (cost != 0)
    A = A[:, keep]
    lp = highs_lp(
        cost=cost[keep],
        col_lower=lower[keep],
        col_upper=upper[keep],
        row_lower=np.concatenate(rows.lower),
        row_upper=np.concatenate(rows.upper),
        matrix=A,
        maximize=maximize,
        integer=integer[keep],
    )
    return DirectModel(lp=lp, rows=rows.n, columns=int(keep.sum()), nonzeros=int(A.nnz))


def direct_lp(data: ModelData) -> DirectModel:
    """The siting MILP as a HighsLp, built with numpy/scipy from ``model_data`` (no Pyomo).

    Covers the annual model (zonal or legacy supply) of scenarios without policies, ``max_compute``
    with a budget (the benchmark scenarios).
    """
    sc = data.inputs.scenario
    if sc.policies or data.energy is not None or sc.objective.sense != "max_compute" or sc.budget is None:
        raise NotImplementedError("the direct build covers annual max_compute scenarios with a budget and no policies")
    return _direct_zonal(data) if data.supply is not None else _direct_legacy(data)


def _direct_zonal(data: ModelData) -> DirectModel:
    """Zonal supply (docs/supply_model.md). Columns in Pyomo's declaration order: build[s],
    blocks[s,g] (site-major), connect[s,c], new_gen_mw[z,t], import_mw[a,b], new_gen_mwh[z,t].
    Rows: campus_max, campus_min, connection_mw, one_connection, land, zone_firm,
    new_gen_energy_max, new_gen_energy_use, budget."""
    sets, costs, z = data.sets, data.costs, data.supply
    assert z is not None
    sc = data.inputs.scenario
    sites, gpus, zones = sets.SITES, sets.GPUS, sets.ZONES
    n_s, n_g = len(sites), len(gpus)
    pos = {s: i for i, s in enumerate(sites)}
    zpos = {k: i for i, k in enumerate(zones)}
    zg_pos = {k: i for i, k in enumerate(sets.ZONES_GEN)}
    conn = sets.SITES_CONNECTIONS
    n_c, n_zg, n_i, n_ze = len(conn), len(sets.ZONES_GEN), len(sets.INTERFACES), len(sets.ZONES_GEN_ENERGY)
    offsets = np.cumsum([0, n_s, n_s * n_g, n_c, n_zg, n_i, n_ze])
    col_build = offsets[0] + np.arange(n_s)
    col_blocks = (offsets[1] + np.arange(n_s * n_g)).reshape(n_s, n_g)
    col_connect = offsets[2] + np.arange(n_c)
    col_gen = offsets[3] + np.arange(n_zg)
    col_import = offsets[4] + np.arange(n_i)
    col_mwh = offsets[5] + np.arange(n_ze)
    n_cols = int(offsets[-1])

    it_mw = _arr(data.block_it_mw, gpus)
    fac = np.outer(_arr(data.pue, sites), it_mw)  # facility MW per block, site x gpu
    conn_site = np.fromiter((pos[s] for s, _ in conn), dtype=np.int64, count=n_c)
    site_zone = np.fromiter((zpos[z.zone_of[s]] for s in sites), dtype=np.int64, count=n_s)
    gen_zone = np.fromiter((zpos[k] for k, _ in sets.ZONES_GEN), dtype=np.int64, count=n_zg)
    gen_type = [t for _, t in sets.ZONES_GEN]
    mwh_zone = np.fromiter((zpos[k] for k, _ in sets.ZONES_GEN_ENERGY), dtype=np.int64, count=n_ze)
    mwh_gen = np.fromiter((zg_pos[k] for k in sets.ZONES_GEN_ENERGY), dtype=np.int64, count=n_ze)
    mwh_type = [t for _, t in sets.ZONES_GEN_ENERGY]
    all_s = np.arange(n_s)
    R = _Rows()

    def facility(rows: np.ndarray, site_idx: np.ndarray, scale: float = 1.0) -> None:
        """scale x facility MW of each site in ``site_idx`` into its row of ``rows``."""
        R.terms(np.repeat(rows, n_g), col_blocks[site_idx], scale * fac[site_idx])

    r = R.add(n_s, -math.inf, 0.0)  # campus_max: facility - max·build <= 0
    facility(r, all_s)
    R.terms(r, col_build, -costs.max_campus_mw)
    if costs.min_campus_mw > 0:  # campus_min, as Pyomo writes facility >= min·build: min·build - facility <= 0
        r = R.add(n_s, -math.inf, 0.0)
        facility(r, all_s, -1.0)
        R.terms(r, col_build, costs.min_campus_mw)
    r = R.add(n_s, -math.inf, 0.0)  # connection_mw: facility - Σ mw·connect <= 0
    facility(r, all_s)
    R.terms(r[conn_site], col_connect, -_arr(z.connection_mw, conn))
    r = R.add(n_s, -math.inf, 0.0)  # one_connection: Σ connect - build <= 0
    R.terms(r[conn_site], col_connect, 1.0)
    R.terms(r, col_build, -1.0)
    land = np.fromiter((pos[s] for s in sets.SITES_LAND_LIMITED), dtype=np.int64, count=len(sets.SITES_LAND_LIMITED))
    r = R.add(len(land), -math.inf, data.sites["land_available_acres"].to_numpy(dtype=float)[land])
    facility(r, land, costs.acres_per_mw)
    # zone_firm: Σ facility + exports - imports - Σ credit·new MW <= spare
    r = R.add(len(zones), -math.inf, _arr(z.spare_mw, zones))
    facility(r[site_zone], all_s)
    R.terms(r[[zpos[a] for a, _ in sets.INTERFACES]], col_import, 1.0)
    R.terms(r[[zpos[b] for _, b in sets.INTERFACES]], col_import, -1.0)
    R.terms(r[gen_zone], col_gen, -_arr(z.gen_credit, gen_type))
    r = R.add(n_ze, -math.inf, 0.0)  # new_gen_energy_max: mwh - share·8760·new MW <= 0
    R.terms(r, col_mwh, 1.0)
    R.terms(r, col_gen[mwh_gen], -_arr(z.gen_energy_max_mwh_per_mw, sets.ZONES_GEN_ENERGY))
    # new_gen_energy_use: Σ_t mwh <= the zone's campus energy (zones with energy types, in ZONES order)
    energy_zones = np.unique(mwh_zone)
    hours = costs.load_factor * HOURS_PER_YEAR
    r_of_zone = np.full(len(zones), -1)
    r_of_zone[energy_zones] = R.add(len(energy_zones), -math.inf, 0.0)
    R.terms(r_of_zone[mwh_zone], col_mwh, 1.0)
    in_energy = np.flatnonzero(r_of_zone[site_zone] >= 0)
    facility(r_of_zone[site_zone[in_energy]], in_energy, -hours)

    # budget: capex (+ energy PV) in M$
    budget = sc.budget
    assert budget is not None
    factor = _arr(data.facility_capex_factor, sites)
    land_adder = _arr(data.land_cost_musd_per_mw, sites) + _arr(data.capex_adder_musd_per_mw, sites)
    gpu_price = np.outer(_arr(data.gpu_price_factor, sites), _arr(data.block_price_musd, gpus))
    block_cost = (factor * costs.shell_usd_per_mw / USD_PER_MUSD)[:, None] * it_mw[None, :] + land_adder[:, None] * fac + gpu_price
    mwh_cost = np.zeros(n_ze)
    if budget.include_opex:
        annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
        cp = costs.carbon_price_usd_per_tco2
        usd_per_mwh = _arr(data.price_usd_per_mwh, sites) + cp * _arr(data.co2_t_per_mwh, sites)
        block_cost = block_cost + (annuity * hours * usd_per_mwh / USD_PER_MUSD)[:, None] * fac
        ref_zone = [k for k, _ in sets.ZONES_GEN_ENERGY]
        mwh_cost = annuity * (
            _arr(z.gen_usd_per_mwh, mwh_type) - _arr(z.ref_price_usd_per_mwh, ref_zone)
            + cp * (_arr(z.gen_co2_t_per_mwh, mwh_type) - _arr(z.ref_co2_t_per_mwh, ref_zone))
        ) / USD_PER_MUSD
    r = R.add(1, -math.inf, budget.total_usd / USD_PER_MUSD)
    values = np.concatenate([
        factor * costs.site_fixed_usd / USD_PER_MUSD, block_cost.ravel(), _arr(z.connection_cost_musd, conn),
        _arr(z.gen_cost_pv_musd_per_mw, gen_type), np.zeros(n_i), mwh_cost,
    ])
    R.terms(np.zeros(n_cols, dtype=np.int64) + r[0], np.arange(n_cols), values)

    cost = np.zeros(n_cols)
    cost[col_blocks.ravel()] = np.tile(_arr(data.block_pflops, gpus), n_s)
    blocks_max = np.array([data.blocks_max[s, g] for s in sites for g in gpus], dtype=float)
    lower = np.zeros(n_cols)
    upper = np.concatenate([np.ones(n_s), blocks_max, np.ones(n_c), np.full(n_zg, math.inf), _arr(z.interface_max_mw, sets.INTERFACES), np.full(n_ze, math.inf)])
    integer = np.zeros(n_cols, dtype=bool)
    integer[: offsets[3]] = True  # build, blocks, connect
    return _finish(R, cost, lower, upper, integer, maximize=True)


def _direct_legacy(data: ModelData) -> DirectModel:
    """Legacy supply (``[supply] model = "legacy"``). Columns in Pyomo's declaration order: build[s],
    blocks[s,g] (site-major), upgrade[s,t]. Rows: campus_max, campus_min, headroom, one_tier, land, budget.
    """
    sc = data.inputs.scenario
    sets, costs = data.sets, data.costs
    sites, gpus = sets.SITES, sets.GPUS
    n_s, n_g = len(sites), len(gpus)
    pos = {s: i for i, s in enumerate(sites)}
    tier_site = np.fromiter((pos[s] for s, _ in sets.SITES_TIERS), dtype=np.int64, count=len(sets.SITES_TIERS))
    tier_mw = np.array([data.tier_mw[t] for _, t in sets.SITES_TIERS], dtype=float)
    tier_cost = np.array([data.tier_cost_musd[t] for _, t in sets.SITES_TIERS], dtype=float)
    n_u = len(tier_site)
    n_cols = n_s + n_s * n_g + n_u
    col_build = np.arange(n_s)
    col_blocks = (n_s + np.arange(n_s * n_g)).reshape(n_s, n_g)
    col_upgrade = n_s + n_s * n_g + np.arange(n_u)

    it_mw = _arr(data.block_it_mw, gpus)
    fac = np.outer(_arr(data.pue, sites), it_mw)  # facility MW per block, site × gpu
    max_mw, min_mw = costs.max_campus_mw, costs.min_campus_mw
    headroom = _arr(data.headroom_mw, sites)
    all_s = np.arange(n_s)
    R = _Rows()

    def facility(rows: np.ndarray, site_idx: np.ndarray, scale: float = 1.0) -> None:
        R.terms(np.repeat(rows, n_g), col_blocks[site_idx], scale * fac[site_idx])

    r = R.add(n_s, -math.inf, 0.0)  # campus_max
    facility(r, all_s)
    R.terms(r, col_build, -max_mw)
    if min_mw > 0:
        r = R.add(n_s, -math.inf, 0.0)  # campus_min: min·build - facility <= 0
        facility(r, all_s, -1.0)
        R.terms(r, col_build, min_mw)
    # headroom: facility - headroom·build - Σ tier_mw·upgrade <= 0 where headroom < the campus cap
    limited = np.flatnonzero(headroom < max_mw)
    r = R.add(len(limited), -math.inf, 0.0)
    facility(r, limited)
    R.terms(r, col_build[limited], -headroom[limited])
    row_of = np.full(n_s, -1)
    row_of[limited] = r
    R.terms(row_of[tier_site], col_upgrade, -tier_mw)
    # one_tier: Σ upgrade - build <= 0 on sites offered tiers
    with_tiers = np.unique(tier_site)
    r = R.add(len(with_tiers), -math.inf, 0.0)
    R.terms(r, col_build[with_tiers], -1.0)
    row_of[with_tiers] = r
    R.terms(row_of[tier_site], col_upgrade, 1.0)
    # land: acres/MW · facility <= developable acres, only where land can bind
    land = np.fromiter((pos[s] for s in sets.SITES_LAND_LIMITED), dtype=np.int64, count=len(sets.SITES_LAND_LIMITED))
    r = R.add(len(land), -math.inf, data.sites["land_available_acres"].to_numpy(dtype=float)[land])
    facility(r, land, costs.acres_per_mw)

    # budget: one row over every column, coefficients in M$
    factor = _arr(data.facility_capex_factor, sites)
    land_adder = _arr(data.land_cost_musd_per_mw, sites) + _arr(data.capex_adder_musd_per_mw, sites)
    gpu_price = np.outer(_arr(data.gpu_price_factor, sites), _arr(data.block_price_musd, gpus))
    block_cost = (factor * costs.shell_usd_per_mw / USD_PER_MUSD)[:, None] * it_mw[None, :] + land_adder[:, None] * fac + gpu_price
    budget = sc.budget
    assert budget is not None
    if budget.include_opex:
        hours = costs.load_factor * HOURS_PER_YEAR
        usd_per_mwh = _arr(data.price_usd_per_mwh, sites) + costs.carbon_price_usd_per_tco2 * _arr(data.co2_t_per_mwh, sites)
        annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
        block_cost = block_cost + (annuity * hours * usd_per_mwh / USD_PER_MUSD)[:, None] * fac
    r = R.add(1, -math.inf, budget.total_usd / USD_PER_MUSD)
    R.terms(np.zeros(n_cols, dtype=np.int64) + r[0], np.arange(n_cols), np.concatenate([factor * costs.site_fixed_usd / USD_PER_MUSD, block_cost.ravel(), tier_cost]))

    cost = np.zeros(n_cols)
    cost[col_blocks.ravel()] = np.tile(_arr(data.block_pflops, gpus), n_s)
    blocks_max = np.array([data.blocks_max[s, g] for s in sites for g in gpus], dtype=float)
    upper = np.concatenate([np.ones(n_s), blocks_max, np.ones(n_u)])
    return _finish(R, cost, np.zeros(n_cols), upper, np.ones(n_cols, dtype=bool), maximize=True)


def new_highs(sc: Scenario) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(sc.solver.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(sc.solver.mip_gap))
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", int(sc.solver.threads))
    h.setOptionValue("random_seed", 0)
    return h


# --- one size, in its own process ---------------------------------------------------------------


def lp_arrays(lp: highspy.HighsLp) -> list[np.ndarray]:
    """Everything HiGHS is handed, as arrays (for exact comparisons)."""
    return [
        np.asarray(lp.a_matrix_.start_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.value_),
        np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
        np.asarray(lp.row_upper_), np.array([int(t == highspy.HighsVarType.kInteger) for t in lp.integrality_]),
        np.array([lp.offset_, float(lp.sense_ == highspy.ObjSense.kMaximize)]),
    ]


def same_lp(a: highspy.HighsLp, b: highspy.HighsLp) -> bool:
    """The two models are identical bit for bit (matrix, costs, bounds, integrality, sense)."""
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(lp_arrays(a), lp_arrays(b)))


def time_pyomo(inputs: SitingData) -> tuple[float, float]:
    """Seconds for build_model, and for to_standard_form + passModel (from a collected heap)."""
    gc.collect()
    t0 = time.perf_counter()
    sm = build_model(inputs)
    t1 = time.perf_counter()
    form = to_standard_form(sm.m)
    new_highs(inputs.scenario).passModel(form.lp)
    return t1 - t0, time.perf_counter() - t1


# "Before" routes for the same build: Pyomo's standard-form compiler on the whole model (this project's
# route before blocks stated their rows as arrays), the same compiler in its own column order (the
# project's first route), and Pyomo's two stock persistent HiGHS interfaces, whose set_instance is their
# translation to highspy.
BEFORE_ROUTES = ("pyomo_compiler", "compiler_order", "appsi", "contrib")


def time_pyomo_before(inputs: SitingData, route: str) -> float:
    """Seconds for build_model + translate through a 'before' route (a fresh model each call)."""
    gc.collect()
    t0 = time.perf_counter()
    sm = build_model(inputs)
    if route == "pyomo_compiler":
        new_highs(inputs.scenario).passModel(pyomo_standard_form(sm.m).lp)
    elif route == "compiler_order":
        new_highs(inputs.scenario).passModel(to_standard_form(sm.m, column_order="compiler").lp)
    elif route == "appsi":
        from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs

        AppsiHighs().set_instance(sm.m)
    else:
        from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

        ContribHighs().set_instance(sm.m)
    return time.perf_counter() - t0


def time_direct(inputs: SitingData) -> tuple[float, float, DirectModel]:
    """Seconds for model_data + the numpy build, and for passModel (from a collected heap)."""
    gc.collect()
    t0 = time.perf_counter()
    model = direct_lp(model_data(inputs))
    t1 = time.perf_counter()
    new_highs(inputs.scenario).passModel(model.lp)
    return t1 - t0, time.perf_counter() - t1, model


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def load_avg() -> float:
    """1-minute load average (the machine is shared: read timings against it)."""
    return os.getloadavg()[0]


def stage_seconds(summary: dict[str, Any], seconds_load: float, wall: float) -> dict[str, float]:
    """Stage seconds of one pipeline run and its end to end (load + the whole run_scenario call)."""
    sec = summary["seconds"]
    out = {f"seconds_{k}": float(sec.get(k, 0.0)) for k in ("build", "translate", "solve", "explain", "seed", "write")}
    out["seconds_load"] = seconds_load
    out["seconds_e2e"] = seconds_load + wall
    out["share_build_translate"] = (out["seconds_build"] + out["seconds_translate"]) / out["seconds_e2e"]
    return out


def measure_size(label: str, repeat: int, supply: str = "zonal") -> dict[str, Any]:
    load_start = load_avg()
    states = parse_size(label)
    t0 = time.perf_counter()
    inputs = sized_inputs(states, supply)
    seconds_load = time.perf_counter() - t0
    sc = inputs.scenario
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        t0 = time.perf_counter()
        outcome = run_scenario(sc, Path(tmp) / "run", inputs=inputs)
        wall = time.perf_counter() - t0
    summary = outcome.summary
    del outcome
    rss_pipeline = peak_rss_mb()
    stages = stage_seconds(summary, seconds_load, wall)

    # Untimed warm-up of both builders on 3 sites: first-call costs (Pyomo's compiler set-up) are
    # not what the ratio is about.
    small = dataclasses.replace(inputs, sites=inputs.sites.iloc[:3])
    time_pyomo(small)
    time_direct(small)
    for route in BEFORE_ROUTES:
        time_pyomo_before(small, route)
    pyomo_runs = [time_pyomo(inputs) for _ in range(repeat)]
    before = {route: statistics.median(time_pyomo_before(inputs, route) for _ in range(repeat)) for route in BEFORE_ROUTES}
    direct_runs = [time_direct(inputs) for _ in range(repeat)]
    direct = direct_runs[-1][2]
    pyomo_build = statistics.median(b for b, _ in pyomo_runs)
    pyomo_translate = statistics.median(t for _, t in pyomo_runs)
    direct_build = statistics.median(b for b, _, _ in direct_runs)
    direct_pass = statistics.median(p for _, p, _ in direct_runs)
    gc.collect()
    t0 = time.perf_counter()
    data_only = model_data(inputs)
    seconds_model_data = time.perf_counter() - t0
    del data_only

    # Exactness: the pipeline's translation (rows read from the blocks' arrays) against Pyomo's compiler
    # on the whole model, and against the direct build.
    sm = build_model(inputs)
    form = to_standard_form(sm.m)
    arrays_exact = same_lp(form.lp, pyomo_standard_form(sm.m).lp)
    lp_exact = same_lp(form.lp, direct.lp)
    del sm, form

    h = new_highs(sc)
    h.passModel(direct.lp)
    t0 = time.perf_counter()
    h.run()
    direct_solve = time.perf_counter() - t0
    info = h.getInfo()
    direct_obj = float(info.objective_function_value)
    direct_bound = float(info.mip_dual_bound)

    size = summary["model_size"]
    counts_equal = (size["rows"], size["columns"], size["nonzeros"]) == (direct.rows, direct.columns, direct.nonzeros)
    pyomo_obj = float(summary["objective"])
    gap = sc.solver.mip_gap
    # Both are within ``gap`` of the same optimum, so they may differ by about gap × the bound;
    # neither may beat the other's dual bound (maximisation).
    tol = 1e-6 * max(1.0, abs(pyomo_obj))
    objective_ok = (
        abs(pyomo_obj - direct_obj) <= gap * max(abs(pyomo_obj), abs(direct_obj)) + tol
        and direct_obj <= float(summary["dual_bound"]) + tol
        and pyomo_obj <= direct_bound + tol
    )
    return {
        "label": label,
        "supply": supply,
        "candidates": summary["candidates"],
        "budget_usd": sc.budget.total_usd if sc.budget else None,
        "rows": size["rows"],
        "columns": size["columns"],
        "nonzeros": size["nonzeros"],
        "direct_rows": direct.rows,
        "direct_columns": direct.columns,
        "direct_nonzeros": direct.nonzeros,
        "counts_equal": counts_equal,
        "lp_exact": lp_exact,
        "arrays_exact": arrays_exact,
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": pyomo_obj,
        "direct_objective": direct_obj,
        "direct_status": h.modelStatusToString(h.getModelStatus()),
        "objective_ok": objective_ok,
        **stages,
        "seconds_model_data": seconds_model_data,
        "pyomo_build": pyomo_build,
        "pyomo_translate": pyomo_translate,
        "direct_build": direct_build,
        "direct_pass": direct_pass,
        "direct_solve": direct_solve,
        "overhead_ratio": (pyomo_build + pyomo_translate) / (direct_build + direct_pass),
        "before_seconds": before,
        "before_ratio": {route: t / (direct_build + direct_pass) for route, t in before.items()},
        "peak_rss_mb": rss_pipeline,
        "peak_rss_all_mb": peak_rss_mb(),
        "repeat": repeat,
        "load_avg": [load_start, load_avg()],
    }


def shipped_scenarios() -> list[Path]:
    """Every shipped national one-period scenario: runs/*.toml and runs/policies/*.toml, without
    base.toml (not a scenario) and [pathway] scenarios (their own model, model/milp/pathway.py)."""
    from model.config import load_scenario

    out = []
    for path in sorted((HERE.parent / "runs").glob("*.toml")) + sorted((HERE.parent / "runs" / "policies").glob("*.toml")):
        if path.name == "base.toml":
            continue
        sc = load_scenario(path)
        if sc.pathway is None and not sc.candidates.states:
            out.append(path)
    return out


def measure_scenario(path: str) -> dict[str, Any]:
    """One shipped scenario end to end (load + run_scenario), and whether the translation's arrays
    give Pyomo's compiler's matrix exactly."""
    from model.config import load_scenario

    load_start = load_avg()
    sc = load_scenario(path)
    t0 = time.perf_counter()
    inputs = load_inputs(sc)
    seconds_load = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        t0 = time.perf_counter()
        outcome = run_scenario(sc, Path(tmp) / "run", inputs=inputs)
        wall = time.perf_counter() - t0
    summary = outcome.summary
    del outcome
    stages = stage_seconds(summary, seconds_load, wall)
    sm = build_model(inputs)
    arrays_exact = same_lp(to_standard_form(sm.m).lp, pyomo_standard_form(sm.m).lp)
    size = summary["model_size"]
    return {
        "scenario": str(Path(path).resolve().relative_to(HERE.parent)),
        "supply": sc.supply.model,
        "hourly": sc.energy.enabled,
        "candidates": summary["candidates"],
        "rows": size["rows"],
        "columns": size["columns"],
        "status": summary["status"],
        "mip_gap": summary["mip_gap"],
        "objective": summary["objective"],
        "arrays_exact": arrays_exact,
        **stages,
        "load_avg": [load_start, load_avg()],
    }


def profile_national(top: int = 25) -> None:
    """cProfile of the national Pyomo build + translate (after a warm-up), top functions by own time."""
    inputs = sized_inputs([])
    time_pyomo(dataclasses.replace(inputs, sites=inputs.sites.iloc[:3]))
    prof = cProfile.Profile()
    prof.enable()
    build, translate = time_pyomo(inputs)
    prof.disable()
    print(f"national build {build:.2f} s, translate {translate:.2f} s (under the profiler)")
    for key in ("tottime", "cumulative"):
        pstats.Stats(prof).sort_stats(key).print_stats(top)


# --- the parent: run sizes in subprocesses, write the table ------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {ram_gib:.0f} GiB RAM; Python {platform.python_version()}, "
        f"pyomo {version('pyomo')}, highspy {version('highspy')}; {dt.date.today().isoformat()}"
    )


def run_child(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _load(r: dict[str, Any]) -> str:
    a, b = r["load_avg"]
    return f"{a:.1f}–{b:.1f}"


def render(results: list[dict[str, Any]], scenarios: list[dict[str, Any]], repeat: int) -> str:
    supply = results[0]["supply"] if results else "zonal"
    lines = [
        "# Siting pipeline benchmark",
        "",
        f"Generated by `benchmarks/run.py`. Machine: {machine()}.",
        "Shared 2-core machine (other agents' jobs may overlap; the load column is the 1-minute load average at "
        "the start and end of each size's process): read timings as indicative.",
        "",
        f"Scenario per size: `max_compute`, `[supply] model = \"{supply}\"`, budget $100bn × candidates / "
        f"{NATIONAL_COUNTIES:,} (whole $bn, ≥ $1bn), capex only, all five GPU types, HiGHS mip_rel_gap 1 %, 2 threads, "
        "random_seed 0. Each size runs in a fresh process. Stage seconds are from one `run_scenario` (write = gpkg + "
        "summary.json + map into a temp dir); end-to-end is load + the whole `run_scenario` call (build, translate, "
        "solve, explain, write) by the wall clock, and 'share' is (build + translate) / end-to-end. "
        "'Pyomo b+t' (build_model + to_standard_form + passModel) and 'direct b+p' (model_data + numpy/scipy build + "
        f"passModel) are medians of {repeat} run(s) after a warm-up, each from a collected heap. Ratio = Pyomo b+t / "
        "direct b+p. Peak RSS is the process's ru_maxrss after the pipeline run.",
        "",
        "| size | candidates | rows | columns | nonzeros | load s | build s | translate s | solve s | write s | end-to-end s | MIP gap | peak RSS MB | Pyomo b+t s | direct b+p s | ratio | counts equal | objective (PFLOPS) | direct objective | objectives agree | share | same LP as direct | arrays = Pyomo compiler | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---|---|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['candidates']:,} | {r['rows']:,} | {r['columns']:,} | {r['nonzeros']:,} | "
            f"{r['seconds_load']:.2f} | {r['seconds_build']:.2f} | {r['seconds_translate']:.2f} | {r['seconds_solve']:.2f} | "
            f"{r['seconds_write']:.2f} | {r['seconds_e2e']:.2f} | {(r['mip_gap'] or 0.0):.3%} | {r['peak_rss_mb']:,.0f} | "
            f"{r['pyomo_build'] + r['pyomo_translate']:.3f} | {r['direct_build'] + r['direct_pass']:.3f} | "
            f"{r['overhead_ratio']:.2f}× | {_yes(r['counts_equal'])} | {r['objective']:,.1f} | "
            f"{r['direct_objective']:,.1f} | {_yes(r['objective_ok'])} | {r['share_build_translate']:.1%} | "
            f"{_yes(r['lp_exact'])} | {_yes(r['arrays_exact'])} | {_load(r)} |"
        )
    lines += ["", "Split of the build columns (seconds):", ""]
    lines.append("| size | model_data | Pyomo build_model | Pyomo translate | direct build (incl. model_data) | direct passModel | direct solve |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        lines.append(
            f"| {r['label']} | {r['seconds_model_data']:.3f} | {r['pyomo_build']:.3f} | {r['pyomo_translate']:.3f} | "
            f"{r['direct_build']:.3f} | {r['direct_pass']:.3f} | {r['direct_solve']:.2f} |"
        )
    lines += [
        "",
        "## Before and after: Pyomo build + translate against the direct highspy build",
        "",
        "Same process, same model, same run. 'after' is the route the pipeline uses: rows the blocks state as arrays "
        "(`model.milp.model_data.LinearRows`) are read from them, the rest (policies' rows, the hourly dispatch) is "
        "compiled by Pyomo's standard-form compiler, columns in declaration order, one passModel. 'Pyomo compiler' "
        "is the same build compiled wholly by Pyomo's standard-form compiler (this project's route before the arrays; "
        "the matrix is identical bit for bit, column 'arrays = Pyomo compiler' above), 'compiler order' that compiler "
        "in its own column order (the project's first route), and APPSI `appsi_highs` and `pyomo.contrib.solver` "
        "'highs' are Pyomo's stock persistent interfaces, whose `set_instance` is their translation. Seconds are "
        f"build_model + translate (medians of {repeat} run(s)); ratios are over the direct build + passModel.",
        "",
        "| size | direct s | after s | after ratio | Pyomo compiler s | ratio | compiler order s | ratio | APPSI s | ratio | contrib s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, br = r["before_seconds"], r["before_ratio"]
        lines.append(
            f"| {r['label']} | {r['direct_build'] + r['direct_pass']:.3f} | {r['pyomo_build'] + r['pyomo_translate']:.3f} | "
            f"{r['overhead_ratio']:.1f}× | {b['pyomo_compiler']:.3f} | {br['pyomo_compiler']:.1f}× | "
            f"{b['compiler_order']:.3f} | {br['compiler_order']:.1f}× | {b['appsi']:.3f} | "
            f"{br['appsi']:.1f}× | {b['contrib']:.3f} | {br['contrib']:.1f}× |"
        )
    national = [r for r in results if r["label"] == "national"]
    if national:
        last = national[-1]
        after = last["pyomo_build"] + last["pyomo_translate"]
        stock = min(last["before_seconds"]["appsi"], last["before_seconds"]["contrib"])
        lines += [
            "",
            f"National (last row): the pipeline's route takes {after:.2f} s against {stock:.2f} s for the faster stock "
            f"interface and {last['before_seconds']['pyomo_compiler']:.2f} s with Pyomo's compiler on the whole model. Of "
            f"its {after:.2f} s, {last['pyomo_build']:.2f} s is build_model ({last['seconds_model_data']:.2f} s of it "
            f"model_data, shared with the direct build) and {last['pyomo_translate']:.2f} s the translation; the direct "
            f"build takes {last['direct_build'] + last['direct_pass']:.2f} s.",
        ]
    if scenarios:
        lines += [
            "",
            "## Shipped national scenarios",
            "",
            "Each in a fresh process: `load_inputs` + `run_scenario` by the wall clock (end-to-end), stage seconds from "
            "its summary.json; 'share' is (build + translate) / end-to-end. 'arrays = Pyomo compiler': the translation "
            "gives exactly the matrix Pyomo's standard-form compiler gives for the whole model. [pathway] scenarios "
            "(`aip-2030`, `stargate-10gw-2029`) build their own model (model/milp/pathway.py) and are not listed.",
            "",
            "| scenario | supply | hourly | candidates | rows | columns | load s | build s | translate s | solve s | explain s | write s | end-to-end s | share | MIP gap | arrays = Pyomo compiler | load avg |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        for r in scenarios:
            lines.append(
                f"| {r['scenario']} | {r['supply']} | {'yes' if r['hourly'] else 'no'} | {r['candidates']:,} | {r['rows']:,} | "
                f"{r['columns']:,} | {r['seconds_load']:.2f} | {r['seconds_build']:.2f} | {r['seconds_translate']:.2f} | "
                f"{r['seconds_solve']:.2f} | {r['seconds_explain']:.2f} | {r['seconds_write']:.2f} | {r['seconds_e2e']:.2f} | "
                f"{r['share_build_translate']:.1%} | {(r['mip_gap'] or 0.0):.2%} | {_yes(r['arrays_exact'])} | {_load(r)} |"
            )
    lines += ["", "## Goals (targets reported, not asserted)", ""]
    if national:
        last = national[-1]
        lines += [
            f"- National end-to-end ≤ {GOAL_E2E_S:.0f} s to ≤ 1 % gap: {last['seconds_e2e']:.1f} s at "
            f"{(last['mip_gap'] or 0):.2%} gap — {_goal(last['seconds_e2e'] <= GOAL_E2E_S and (last['mip_gap'] or 0) <= GOAL_GAP)}.",
            f"- Pyomo build + translate ≤ {GOAL_OVERHEAD:.0f}× a direct highspy build (national annual model): "
            f"{last['overhead_ratio']:.2f}× ({last['pyomo_build'] + last['pyomo_translate']:.2f} s vs "
            f"{last['direct_build'] + last['direct_pass']:.2f} s) — {_goal(last['overhead_ratio'] <= GOAL_OVERHEAD)}.",
            f"- Peak RSS ≤ 2 GB: {last['peak_rss_mb']:,.0f} MB — {_goal(last['peak_rss_mb'] <= GOAL_RSS_MB)}.",
        ]
    else:
        lines.append("- (no national size in this run)")
    if scenarios:
        worst = max(scenarios, key=lambda r: r["share_build_translate"])
        lines.append(
            f"- Build + translate ≤ {GOAL_SHARE:.0%} of end-to-end on every shipped national scenario: worst "
            f"{worst['share_build_translate']:.1%} ({worst['scenario']}) — "
            f"{_goal(all(r['share_build_translate'] <= GOAL_SHARE for r in scenarios))}."
        )
    else:
        lines.append("- Build + translate ≤ 10 % of end-to-end on every shipped national scenario: not measured (run with `--scenarios shipped`).")
    if national:
        lines += ["", "The last national row is a repeat run at the end, when the machine had warmed up; goals are judged on it."]
    lines += [
        "",
        "Counts and exactness: the direct build makes exactly the rows Pyomo makes (zonal: campus_max, campus_min, "
        "connection_mw, one_connection, land where land-limited, zone_firm, new_gen_energy_max, new_gen_energy_use, "
        "budget; legacy: headroom where headroom < the campus cap and one_tier instead of the connection rows and the "
        "zone rows) and drops zero coefficients and unused columns as Pyomo's compiler does, so counts are asserted "
        "equal; 'same LP as direct' compares every array handed to HiGHS bit for bit. Objectives are asserted to agree "
        "within the MIP gap, and neither may exceed the other's dual bound.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated sizes [default: {DEFAULT_SIZES}]")
    ap.add_argument("--supply", default="zonal", choices=("zonal", "legacy"), help="supply model of the sized scenarios")
    ap.add_argument("--scenarios", default="", help="'shipped' (every national one-period scenario in runs/) or comma-separated paths")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--repeat", type=int, default=1, help="build/translate repeats per size (median)")
    ap.add_argument("--smallest", action="store_true", help="only the DE size (quick; used by the tests)")
    ap.add_argument("--no-final-repeat", action="store_true", help="do not re-run the largest size at the end")
    ap.add_argument("--profile", action="store_true", help="cProfile the national Pyomo build + translate and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-scenario", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure_size(args.child, args.repeat, args.supply)))
        return 0
    if args.child_scenario:
        print(json.dumps(measure_scenario(args.child_scenario)))
        return 0
    if args.profile:
        profile_national()
        return 0
    labels = ["DE"] if args.smallest else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for label in labels:
        parse_size(label)  # fail fast on a typo
    if not args.smallest and not args.no_final_repeat and "national" in labels:
        labels.append("national")  # the noisy shared machine: judge goals on a second national run
    paths = (
        [str(p) for p in shipped_scenarios()]
        if args.scenarios == "shipped"
        else [p.strip() for p in args.scenarios.split(",") if p.strip()]
    )
    results = []
    for label in labels:
        r = run_child(["--child", label, "--repeat", str(args.repeat), "--supply", args.supply])
        results.append(r)
        print(
            f"{label:>24}: {r['candidates']:>5} cands  e2e {r['seconds_e2e']:6.2f}s  solve {r['seconds_solve']:6.2f}s  "
            f"gap {(r['mip_gap'] or 0):.3%}  rss {r['peak_rss_mb']:7.0f}MB  overhead ratio {r['overhead_ratio']:.2f}x  "
            f"share {r['share_build_translate']:.1%}  load {_load(r)}",
            flush=True,
        )
    scenarios = []
    for path in paths:
        r = run_child(["--child-scenario", path])
        scenarios.append(r)
        print(
            f"{r['scenario']:>32}: e2e {r['seconds_e2e']:7.2f}s  build {r['seconds_build']:5.2f}s  translate "
            f"{r['seconds_translate']:5.2f}s  share {r['share_build_translate']:.1%}  load {_load(r)}",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, scenarios, args.repeat))
    print(f"wrote {args.out}")
    bad = [r["label"] for r in results if not (r["counts_equal"] and r["objective_ok"] and r["lp_exact"] and r["arrays_exact"])]
    bad += [r["scenario"] for r in scenarios if not r["arrays_exact"]]
    assert not bad, f"Pyomo and direct highspy models disagree for: {', '.join(bad)} (see {args.out})"
    return 0


if __name__ == "__main__":
    sys.exit(main())
