"""A capacitated facility location problem (CFLP) that stands on its own, from plain tables.

Choose which sites to open (each with a fixed cost and a capacity) and how to serve every
customer's demand from the open sites at a per-unit cost, minimising fixed plus serving cost.
A customer's demand may be split across sites. Only allowed (site, customer) pairs get a
variable, so a sparse cost table keeps large instances small.

Entry points: :meth:`CapacitatedFacilityLocation.from_cost_matrix` (Series + a wide or long cost
table), :meth:`CapacitatedFacilityLocation.from_geodataframe` (points; cost from distance) and
:func:`read_cflp_csvs`. ``solve`` runs a Lagrangian relaxation (lower bound, site fixing), a
transportation-LP local search (starting incumbent), then HiGHS on the strong (x_ij <= y_i)
formulation restricted to a kernel of likely pairs, the other pairs aggregated into one relaxing
column per customer, so HiGHS' bound stays valid and a point that does not use them is optimal
(see "The MIP" below); ``method="plain"`` keeps the Pyomo + model.solve route for comparison.

"Optimal" means HiGHS (or the Lagrangian bound) closed the gap to ``SolverConfig.mip_gap``:
the CLI asks for 0 (HiGHS' own tolerances then decide, mip_abs_gap 1e-6), benchmarks/cflp.py for 1e-4.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Literal, Protocol, cast

import geopandas as gpd
import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp

from model.config import SolverConfig
from model.core.errors import InputDataError
from model.core.geo import require_same_crs, to_project_crs
from model.core.tables import indexed_by, validate_table
from model.solve.highs import SOLUTION_STATUSES, _status, highs_lp, solve_highspy

LONG_COST_COLUMNS = ("site", "customer", "cost_per_unit")
SITES_SCHEMA = {"site": "str", "capacity": "float", "fixed_cost": "float"}
DEMAND_SCHEMA = {"customer": "str", "demand": "float"}
COSTS_SCHEMA = {"site": "str", "customer": "str", "cost_per_unit": "float"}
_AMOUNT_TOL = 1e-9  # assignments below this (in demand units, relative) are solver noise


@dataclass(frozen=True)
class CFLPResult:
    # Statuses are model.solve.highs.SolveResult's; "infeasible" also covers the checks done before solving.
    status: str
    objective: float | None
    open_sites: list
    assignment: pd.DataFrame  # columns site, customer, amount (demand units), cost (amount x cost_per_unit)
    fixed_cost: float | None
    serving_cost: float | None
    seconds: float
    message: str = ""  # why it is infeasible, when known before solving
    mip_gap: float | None = None  # relative gap (objective - dual_bound) / |objective| at the end
    dual_bound: float | None = None  # proven lower bound on the optimum (HiGHS' or the Lagrangian, the better)
    lagrangian_bound: float | None = None  # lower bound from the Lagrangian relaxation alone
    heuristic_objective: float | None = None  # the starting incumbent handed to HiGHS
    rows: int = 0  # size of the MIP HiGHS solved (0 when the bounds closed the gap before it)
    columns: int = 0
    sites_fixed: int = 0  # sites fixed open or closed by Lagrangian bounds before the MIP
    mip_rounds: int = 0  # kernel MIPs solved (more than one when the kernel had to grow)

    @property
    def has_solution(self) -> bool:
        return self.status in SOLUTION_STATUSES


@dataclass(frozen=True)
class _Labels:
    """How error messages name each input: argument names, or file and column."""

    capacity: str = "capacity"
    fixed_cost: str = "fixed_cost"
    demand: str = "demand"
    cost: str = "cost_per_unit"
    cost_site: str = "cost_per_unit: site"
    cost_customer: str = "cost_per_unit: customer"


@dataclass(frozen=True)
class CapacitatedFacilityLocation:
    """A validated CFLP instance; build it with one of the ``from_*`` constructors."""

    capacity: pd.Series  # index site id; demand units
    fixed_cost: pd.Series  # index site id; cost units
    demand: pd.Series  # index customer id; demand units
    pairs: pd.DataFrame = field(repr=False)  # allowed pairs: site, customer, cost_per_unit (cost per demand unit)

    @classmethod
    def from_cost_matrix(
        cls,
        capacity: pd.Series,
        fixed_cost: pd.Series,
        demand: pd.Series,
        cost_per_unit: pd.DataFrame,
    ) -> "CapacitatedFacilityLocation":
        """Build from Series indexed by site (capacity, fixed_cost) and by customer (demand).

        ``cost_per_unit`` is either wide (index sites, columns customers, every cell given; +inf
        forbids a pair) or long (columns site, customer, cost_per_unit; a missing pair is forbidden).
        """
        return _build(capacity, fixed_cost, demand, cost_per_unit, _Labels())

    @classmethod
    def from_geodataframe(
        cls,
        sites_gdf: gpd.GeoDataFrame,
        demand_gdf: gpd.GeoDataFrame,
        capacity_col: str,
        fixed_cost_col: str,
        demand_col: str,
        cost_per_unit_km: float,
        max_km: float | None = None,
    ) -> "CapacitatedFacilityLocation":
        """Cost per demand unit = straight-line km x ``cost_per_unit_km``; pairs beyond ``max_km`` are forbidden.

        Ids are the frames' indexes. Distances are planar in the project's Albers CRS (EPSG:5070),
        within about 1-2 % of great-circle distance across the contiguous US; polygons use their centroid.
        """
        require_same_crs(sites_gdf, demand_gdf, ("sites_gdf", "demand_gdf"))
        if not np.isfinite(cost_per_unit_km) or cost_per_unit_km < 0:
            raise InputDataError(f"cost_per_unit_km: must be a finite number >= 0, got {cost_per_unit_km}")
        if max_km is not None and not max_km > 0:
            raise InputDataError(f"max_km: must be > 0, got {max_km}")
        sites = to_project_crs(sites_gdf, "sites_gdf")
        customers = to_project_crs(demand_gdf, "demand_gdf")
        for gdf, name, cols in ((sites, "sites_gdf", (capacity_col, fixed_cost_col)), (customers, "demand_gdf", (demand_col,))):
            for col in cols:
                if col not in gdf.columns:
                    raise InputDataError(f"{name}: missing column '{col}'")
            if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
                raise InputDataError(f"{name}: column 'geometry' has a missing or empty geometry")
        site_xy_m = _xy_m(sites)
        customer_xy_m = _xy_m(customers)
        # Broadcast (sites, 1, 2) - (1, customers, 2): every pair's planar distance at once.
        km = np.linalg.norm(site_xy_m[:, None, :] - customer_xy_m[None, :, :], axis=2) / 1000.0
        allowed = np.ones_like(km, dtype=bool) if max_km is None else km <= max_km
        si, ci = np.nonzero(allowed)
        pairs = pd.DataFrame(
            {
                "site": sites.index.to_numpy()[si],
                "customer": customers.index.to_numpy()[ci],
                "cost_per_unit": km[si, ci] * cost_per_unit_km,
            }
        )
        labels = _Labels(
            capacity=f"sites_gdf: column '{capacity_col}'",
            fixed_cost=f"sites_gdf: column '{fixed_cost_col}'",
            demand=f"demand_gdf: column '{demand_col}'",
        )
        return _build(sites[capacity_col], sites[fixed_cost_col], customers[demand_col], pairs, labels)

    def solve(self, options: SolverConfig | None = None, method: Literal["strong", "plain"] = "strong") -> CFLPResult:
        """Solve; with no options, an exact solve (gap 0) under the default time limit.

        "strong": Lagrangian bound and fixings, a heuristic start, then HiGHS on the strong
        formulation built from arrays. "plain": the same formulation through Pyomo and
        model.solve.highs.solve_highspy with no start (kept to measure the difference).
        The time limit covers the whole solve.
        """
        t0 = time.perf_counter()
        reason = _obviously_infeasible(self)
        if reason:
            return _empty_result("infeasible", time.perf_counter() - t0, reason)
        opts = options if options is not None else SolverConfig(mip_gap=0.0)
        return _solve_plain(self, opts, t0) if method == "plain" else _solve_strong(self, opts, t0)


def _xy_m(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Point coordinates in metres (project CRS); a polygon stands for its centroid."""
    geom = gdf.geometry
    points = geom if (geom.geom_type == "Point").all() else geom.centroid
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _numeric(values: pd.Series, label: str, what: str, allow_inf: bool = False) -> pd.Series:
    """Float values, refusing NaN, non-numbers, negatives (and +inf unless allowed)."""
    if values.index.has_duplicates:
        raise InputDataError(f"{label}: duplicate {what} '{values.index[values.index.duplicated()][0]}'")
    out = pd.to_numeric(values, errors="coerce").astype(float)
    bad = out.isna()
    if bad.any():
        key = out.index[bad][0]
        raise InputDataError(f"{label}: missing or non-numeric value for {what} '{key}' ({values.loc[key]!r})")
    bad = out < 0
    if bad.any():
        raise InputDataError(f"{label}: negative value {out[bad].iloc[0]} for {what} '{out.index[bad][0]}'")
    if not allow_inf and np.isinf(out).any():
        raise InputDataError(f"{label}: infinite value for {what} '{out.index[np.isinf(out)][0]}'")
    return out


def _long_costs(cost_per_unit: pd.DataFrame, labels: _Labels) -> pd.DataFrame:
    """Wide or long cost table -> long table of allowed pairs (site, customer, cost_per_unit)."""
    if all(c in cost_per_unit.columns for c in LONG_COST_COLUMNS):
        long = cost_per_unit.loc[:, list(LONG_COST_COLUMNS)].reset_index(drop=True)
        for col, label in (("site", labels.cost_site), ("customer", labels.cost_customer)):
            if long[col].isna().any():
                raise InputDataError(f"{label}: missing id (row {int(np.flatnonzero(long[col].isna())[0]) + 1})")
        dup = long.duplicated(["site", "customer"])
        if dup.any():
            row = long.loc[dup].iloc[0]
            raise InputDataError(f"{labels.cost}: pair ('{row['site']}', '{row['customer']}') is given twice")
        keys = pd.Index(list(zip(long["site"], long["customer"])))
        values = _numeric(pd.Series(long["cost_per_unit"].to_numpy(), index=keys), labels.cost, "pair", allow_inf=True)
        long["cost_per_unit"] = values.to_numpy()
    else:
        # Wide: every cell must be given so a forgotten cell is not read as "forbidden".
        stacked = cost_per_unit.stack(future_stack=True)
        values = _numeric(stacked, labels.cost, "pair", allow_inf=True)
        long = pd.DataFrame(
            {
                "site": stacked.index.get_level_values(0),
                "customer": stacked.index.get_level_values(1),
                "cost_per_unit": values.to_numpy(),
            }
        )
    return long.loc[np.isfinite(long["cost_per_unit"])].reset_index(drop=True)


def _build(
    capacity: pd.Series,
    fixed_cost: pd.Series,
    demand: pd.Series,
    cost_per_unit: pd.DataFrame,
    labels: _Labels,
) -> CapacitatedFacilityLocation:
    cap = _numeric(capacity, labels.capacity, "site")
    fixed = _numeric(fixed_cost, labels.fixed_cost, "site")
    dem = _numeric(demand, labels.demand, "customer")
    missing = cap.index.difference(fixed.index, sort=False).union(fixed.index.difference(cap.index, sort=False), sort=False)
    if len(missing):
        where = labels.fixed_cost if missing[0] in cap.index else labels.capacity
        raise InputDataError(f"{where}: no value for site '{missing[0]}'")
    fixed = fixed.reindex(cap.index)
    wide = not all(c in cost_per_unit.columns for c in LONG_COST_COLUMNS)
    if wide:
        # A wide matrix must list every site and customer; a long one may leave pairs out.
        for ids, have, what, label in (
            (cap.index, cost_per_unit.index, "row for site", labels.cost),
            (dem.index, cost_per_unit.columns, "column for customer", labels.cost),
        ):
            absent = ids.difference(have, sort=False)
            if len(absent):
                raise InputDataError(f"{label}: no {what} '{absent[0]}'")
    pairs = _long_costs(cost_per_unit, labels)
    for col, ids, label, what in (
        ("site", cap.index, labels.cost_site if not wide else labels.cost, "site"),
        ("customer", dem.index, labels.cost_customer if not wide else labels.cost, "customer"),
    ):
        unknown = ~pairs[col].isin(ids)
        if unknown.any():
            raise InputDataError(f"{label}: unknown {what} '{pairs.loc[unknown, col].iloc[0]}'")
    return CapacitatedFacilityLocation(capacity=cap, fixed_cost=fixed, demand=dem, pairs=pairs)


def _obviously_infeasible(p: CapacitatedFacilityLocation) -> str:
    """Reasons found without a solver (and that Pyomo could not even write as a constraint)."""
    need = p.demand[p.demand > 0]
    if need.sum() > p.capacity.sum():
        return f"total demand {need.sum():g} exceeds total capacity {p.capacity.sum():g}"
    orphans = need.index.difference(pd.Index(p.pairs["customer"].unique()), sort=False)
    if len(orphans):
        return f"customer '{orphans[0]}' has no allowed site"
    return ""


@dataclass(frozen=True)
class _Arrays:
    """The instance as flat arrays on integer positions; only pairs serving a positive demand."""

    capacity: np.ndarray  # per site, demand units
    fixed_cost: np.ndarray  # per site
    demand: np.ndarray  # per customer, demand units (0 for customers that need nothing)
    site: np.ndarray  # per pair: site position, pairs sorted by site then customer
    customer: np.ndarray  # per pair: customer position
    serve_cost: np.ndarray  # per pair: cost of serving the customer's whole demand (unit cost x demand)
    served: np.ndarray  # positions of customers with positive demand

    @property
    def total_demand(self) -> float:
        return float(self.demand.sum())


def _arrays(p: CapacitatedFacilityLocation) -> _Arrays:
    # Vectorised: positions by index lookup, no Python loop over pairs.
    si = p.capacity.index.get_indexer(p.pairs["site"])
    cj = p.demand.index.get_indexer(p.pairs["customer"])
    dem = p.demand.to_numpy(dtype=float)
    unit = p.pairs["cost_per_unit"].to_numpy(dtype=float)
    keep = dem[cj] > 0  # zero-demand customers need no service; keeping them could force a site open
    order = np.lexsort((cj[keep], si[keep]))
    si, cj, unit = si[keep][order], cj[keep][order], unit[keep][order]
    return _Arrays(
        capacity=p.capacity.to_numpy(dtype=float),
        fixed_cost=p.fixed_cost.to_numpy(dtype=float),
        demand=dem,
        site=si,
        customer=cj,
        serve_cost=unit * dem[cj],
        served=np.flatnonzero(dem > 0),
    )


# ---------------------------------------------------------------------------------------------
# Lagrangian relaxation of the demand rows
#
# With multipliers lam_j >= 0 on sum_i x_ij >= 1 (>= is a relaxation of ==, so any lam >= 0 gives a
# valid bound), the problem splits by site: site i, if open, solves a continuous knapsack
#     v_i = f_i + min sum_j (c_ij d_j - lam_j) x_ij  s.t.  sum_j d_j x_ij <= C_i, 0 <= x_ij <= 1
# (take the negative items by reduced cost per demand unit until full), and the open set solves
#     min sum_i v_i y_i  s.t.  sum_i C_i y_i >= D
# relaxed to its LP (greedy by v_i / C_i). L(lam) = sum_j lam_j + that minimum <= the optimum; its
# maximum over lam equals the strong formulation's LP bound (with the total-capacity row).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LagrangianResult:
    bound: float  # best L(lam) found: a lower bound on the optimum
    multipliers: np.ndarray  # lam at the best bound, per customer (0 for unserved ones)
    site_value: np.ndarray  # v_i at the best bound
    open_sets: list[np.ndarray]  # distinct integral open sets seen (boolean per site), for the primal heuristic
    iterations: int


def _site_knapsacks(a: _Arrays, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """v_i per site and the knapsack share x per pair (for y_i = 1), for multipliers ``lam``."""
    reduced = a.serve_cost - lam[a.customer]
    neg = np.flatnonzero(reduced < 0)
    share = np.zeros(len(reduced))
    value = a.fixed_cost.copy()
    if len(neg):
        dem = a.demand[a.customer[neg]]
        # Within each site, cheapest reduced cost per demand unit first.
        order = neg[np.lexsort((reduced[neg] / dem, a.site[neg]))]
        s = a.site[order]
        d = a.demand[a.customer[order]]
        cum = np.cumsum(d)
        first = np.r_[True, s[1:] != s[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
        before = cum - d - (cum[start] - d[start])  # demand taken by this site's earlier items
        share[order] = np.clip((a.capacity[s] - before) / d, 0.0, 1.0)
        value += np.bincount(a.site[neg], reduced[neg] * share[neg], minlength=len(value))
    return value, share


def _cover(value: np.ndarray, capacity: np.ndarray, need: float) -> tuple[float, np.ndarray]:
    """LP of min value.y s.t. capacity.y >= need, 0 <= y <= 1: (minimum, y); +inf if impossible."""
    y = (value < 0).astype(float)
    rest = need - float(capacity @ y)
    if rest > 0:
        cand = np.flatnonzero((value >= 0) & (capacity > 0))
        cand = cand[np.argsort(value[cand] / capacity[cand], kind="stable")]
        room = np.cumsum(capacity[cand])
        if not len(cand) or room[-1] < rest * (1 - 1e-12):
            return math.inf, y
        k = int(np.searchsorted(room, rest))
        y[cand[:k]] = 1.0
        if k < len(cand):
            y[cand[k]] = min(1.0, (rest - (room[k - 1] if k else 0.0)) / capacity[cand[k]])
    return float(value @ y), y


def _cover_exact(value: np.ndarray, capacity: np.ndarray, need: float, resolution: int = 20_000) -> tuple[float, np.ndarray]:
    """A lower bound on the 0-1 cover min value.y s.t. capacity.y >= need, and its integral y.

    As a knapsack of sites to close (z = 1 - y, gain value_i > 0, room sum capacity - need), by
    dynamic programming on weights rounded *down* to ``resolution`` steps of the room: rounding down
    only admits more closed sets, so the result is a relaxation and its minimum a valid bound
    (at least the LP cover's, usually above it). +inf if the sites cannot cover ``need``.
    """
    room = float(capacity.sum()) - need
    if room < -1e-9 * max(1.0, need):
        return math.inf, np.ones(len(value))
    y = np.ones(len(value))
    items = np.flatnonzero(value > 0)  # closing a site of value <= 0 never lowers the sum
    if not len(items) or room <= 0:
        return float(value.sum()), y
    unit = room / resolution
    weight = np.floor(capacity[items] / unit).astype(np.int64)
    cap_steps = int(resolution)
    best = np.zeros(cap_steps + 1)  # best gain with total weight <= w
    take = np.zeros((len(items), cap_steps + 1), dtype=bool)
    for k, (w, g) in enumerate(zip(weight, value[items])):
        if w > cap_steps:
            continue
        cand = np.full(cap_steps + 1, -np.inf)
        cand[w:] = best[: cap_steps + 1 - w] + g
        take[k] = cand > best
        best = np.where(take[k], cand, best)
    w = cap_steps
    for k in range(len(items) - 1, -1, -1):  # walk back the choices
        if take[k, w]:
            y[items[k]] = 0.0
            w -= int(weight[k])
    return float(value.sum() - best[cap_steps]), y


def lagrangian_bound(
    a: _Arrays, upper_bound: float, max_iterations: int = 300, time_limit_s: float = 10.0
) -> LagrangianResult:
    """Subgradient ascent on L(lam) (Polyak steps towards ``upper_bound``)."""
    t0 = time.perf_counter()
    n_cust = len(a.demand)
    # Start from each customer's cheapest full-service cost: the smallest sensible price.
    lam = np.full(n_cust, np.inf)
    np.minimum.at(lam, a.customer, a.serve_cost)
    lam[~np.isfinite(lam)] = 0.0
    best = -math.inf
    best_lam, best_value = lam.copy(), a.fixed_cost.copy()
    theta, stall = 2.0, 0
    seen: dict[bytes, np.ndarray] = {}
    it = 0
    for it in range(1, max_iterations + 1):
        value, share = _site_knapsacks(a, lam)
        cover_value, y = _cover(value, a.capacity, a.total_demand)
        bound = float(lam.sum()) + cover_value
        if best == -math.inf or bound > best + 1e-9 * max(1.0, abs(best)):
            best, best_lam, best_value, stall = bound, lam.copy(), value, 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        is_open = y > 0  # round the fractional site up: a cover, so a candidate open set
        seen.setdefault(is_open.tobytes(), is_open)
        if upper_bound - best <= 1e-7 * max(1.0, abs(upper_bound)) or theta < 1e-3:
            break
        if time.perf_counter() - t0 > time_limit_s:
            break
        # Subgradient of sum_j lam_j (1 - sum_i y_i x_ij); projected onto lam >= 0.
        g = np.ones(n_cust)
        g -= np.bincount(a.customer, share * y[a.site], minlength=n_cust)
        g[a.demand <= 0] = 0.0
        g[(lam <= 0) & (g < 0)] = 0.0
        norm2 = float(g @ g)
        if norm2 < 1e-12:
            break  # lam is optimal for the relaxation
        step = theta * (upper_bound - bound) / norm2 if math.isfinite(upper_bound) else theta * abs(bound) / n_cust / norm2
        lam = np.maximum(lam + step * g, 0.0)
    # The 0-1 cover at the best multipliers is a valid bound too, and usually a better one. (Ascending
    # on it directly zig-zags: its subgradients jump with the integral open set.)
    exact, y = _cover_exact(best_value, a.capacity, a.total_demand)
    seen.setdefault((y > 0).tobytes(), y > 0)
    best = max(best, float(best_lam.sum()) + exact)
    return LagrangianResult(best, best_lam, best_value, list(seen.values()), it)


def lagrangian_fixings(a: _Arrays, lr: LagrangianResult, upper_bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Sites that every solution cheaper than ``upper_bound`` must close / must open.

    Forcing site i open (closed) and re-solving the cover at the best multipliers gives a lower bound
    of every solution with i open (closed); above ``upper_bound`` (with a safety margin) that case
    cannot beat the incumbent, so i is fixed the other way. The incumbent stays optimal-or-better.
    """
    base = float(lr.multipliers.sum())
    margin = 1e-6 * max(1.0, abs(upper_bound))
    n = len(a.capacity)
    closed = np.zeros(n, dtype=bool)
    opened = np.zeros(n, dtype=bool)
    for i in range(n):
        others = np.ones(n, dtype=bool)
        others[i] = False
        v, c = lr.site_value[others], a.capacity[others]
        with_i = base + lr.site_value[i] + _cover_exact(v, c, a.total_demand - a.capacity[i])[0]
        without_i = base + _cover_exact(v, c, a.total_demand)[0]
        closed[i] = with_i > upper_bound + margin
        opened[i] = without_i > upper_bound + margin
    return closed, opened & ~closed


# ---------------------------------------------------------------------------------------------
# Primal side: transportation LP for an open set, and a drop/add/swap local search on open sets
# ---------------------------------------------------------------------------------------------


class _RowsBounds(Protocol):
    """``Highs.changeRowsBounds``: in highspy's binding, missing from its type stubs (highspy 1.15)."""

    def changeRowsBounds(self, num_set_entries: int, indices: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Any: ...


def _highs(threads: int) -> highspy.Highs:
    """A silent HiGHS instance. Every instance of one solve must ask for the same thread count:
    HiGHS keeps one thread pool per process and refuses to run with a different count."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    return h


class _Transport:
    """Min serving cost for a given open set, as one HiGHS LP re-solved with warm starts.

    Columns: share x per pair; rows: each served customer's shares sum to 1, each site's load
    sum_j d_j x_ij <= C_i. Closing a site sets its load row's upper bound to 0, so switching the open
    set changes only row bounds and the dual simplex restarts from the previous basis.
    """

    def __init__(self, a: _Arrays, threads: int = 1) -> None:
        self.a = a
        self.threads = threads
        n_sites, n_cust = len(a.capacity), len(a.demand)
        n_pairs = len(a.site)
        rows = np.concatenate([a.customer, n_cust + a.site])
        cols = np.concatenate([np.arange(n_pairs), np.arange(n_pairs)])
        vals = np.concatenate([np.ones(n_pairs), a.demand[a.customer]])
        matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n_cust + n_sites, n_pairs))
        assign_lo = np.where(a.demand > 0, 1.0, 0.0)
        lp = highs_lp(
            cost=a.serve_cost,
            col_lower=np.zeros(n_pairs),
            col_upper=np.ones(n_pairs),
            row_lower=np.r_[assign_lo, np.full(n_sites, -np.inf)],
            row_upper=np.r_[assign_lo, a.capacity],
            matrix=matrix,
            maximize=False,
            integer=np.zeros(n_pairs, dtype=bool),
        )
        self.h = _highs(threads)
        self.h.setOptionValue("presolve", "off")  # keep the basis across re-solves
        self.h.passModel(lp)
        self.n_cust = n_cust
        self.cache: dict[bytes, tuple[float, np.ndarray | None]] = {}  # costs of quick() and infeasible sets
        self.last_key = b""
        self.last: tuple[float, np.ndarray | None] = (math.inf, None)

    def quick(self, is_open: np.ndarray, nearest: int = 8) -> float:
        """An upper bound on ``solve(is_open)``'s cost, several times faster: each customer may use
        only its ``nearest`` cheapest open sites (a smaller LP, built afresh). inf if that fails."""
        key = b"q" + is_open.tobytes()
        if key in self.cache:
            return self.cache[key][0]
        a = self.a
        if float(a.capacity[is_open].sum()) < a.total_demand * (1 - 1e-9):
            return math.inf
        use = np.flatnonzero(is_open[a.site])
        # Rank each customer's open pairs by cost; keep the first ``nearest``.
        order = use[np.lexsort((a.serve_cost[use], a.customer[use]))]
        c = a.customer[order]
        first = np.r_[True, c[1:] != c[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(c)), 0))
        pick = order[np.arange(len(c)) - start < nearest]
        n_sites, n_cust = len(a.capacity), len(a.demand)
        rows = np.concatenate([a.customer[pick], n_cust + a.site[pick]])
        cols = np.r_[np.arange(len(pick)), np.arange(len(pick))]
        vals = np.concatenate([np.ones(len(pick)), a.demand[a.customer[pick]]])
        assign = np.where(a.demand > 0, 1.0, 0.0)
        lp = highs_lp(
            cost=a.serve_cost[pick],
            col_lower=np.zeros(len(pick)),
            col_upper=np.ones(len(pick)),
            row_lower=np.r_[assign, np.full(n_sites, -np.inf)],
            row_upper=np.r_[assign, a.capacity],
            matrix=sp.csc_matrix((vals, (rows, cols)), shape=(n_cust + n_sites, len(pick))),
            maximize=False,
            integer=np.zeros(len(pick), dtype=bool),
        )
        h = _highs(self.threads)
        h.passModel(lp)
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        cost = float(a.fixed_cost[is_open].sum()) + float(h.getInfo().objective_function_value) if ok else math.inf
        self.cache[key] = (cost, None)
        return cost

    def solve(self, is_open: np.ndarray) -> tuple[float, np.ndarray | None]:
        """(fixed + serving cost, shares per pair) for the open set; (inf, None) if it cannot serve."""
        key = is_open.tobytes()
        if key == self.last_key:
            return self.last
        if key in self.cache and self.cache[key][0] == math.inf:
            return self.cache[key]
        a = self.a
        if float(a.capacity[is_open].sum()) < a.total_demand * (1 - 1e-9):
            self.cache[key] = (math.inf, None)
            return self.cache[key]
        n_sites = len(a.capacity)
        idx = np.arange(self.n_cust, self.n_cust + n_sites, dtype=np.int32)
        upper = np.where(is_open, a.capacity, 0.0)
        cast(_RowsBounds, self.h).changeRowsBounds(n_sites, idx, np.full(n_sites, -np.inf), upper)
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.cache[key] = (math.inf, None)
            return self.cache[key]
        share = np.clip(np.asarray(self.h.getSolution().col_value), 0.0, 1.0)
        # Only the last point is kept (a share vector per pair is large); earlier ones are re-solved.
        self.last_key = key
        self.last = (float(a.fixed_cost[is_open].sum()) + float(self.h.getInfo().objective_function_value), share)
        return self.last


def local_search(
    a: _Arrays, transport: _Transport, is_open: np.ndarray, site_value: np.ndarray, deadline: float, max_tries: int = 15
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """First-improvement drop / add / swap on the open set, moves priced by ``_Transport.quick``.

    Moves are tried in the order the Lagrangian site values ``v_i`` suggest (close the least
    attractive open sites, open the most attractive closed ones): every single drop and add, and
    swaps among the first ``max_tries`` of each, until no move improves or ``deadline`` (perf_counter) passes. The final set is priced
    exactly.
    """
    best_open = is_open.copy()
    best_quick = transport.quick(best_open)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        opens = np.flatnonzero(best_open)
        closeds = np.flatnonzero(~best_open & (site_value < np.inf))
        drop = opens[np.argsort(-site_value[opens], kind="stable")]
        add = closeds[np.argsort(site_value[closeds], kind="stable")]
        moves: list[tuple[int, ...]] = [(i,) for i in drop] + [(j,) for j in add]
        moves += [(i, j) for i in drop[:max_tries] for j in add[:max_tries]]
        for move in moves:
            if time.perf_counter() >= deadline:
                break
            trial = best_open.copy()
            trial[list(move)] = ~trial[list(move)]
            cost = transport.quick(trial)
            if cost < best_quick - 1e-9 * max(1.0, abs(best_quick)):
                best_open, best_quick, improved = trial, cost, True
                break
    cost, share = transport.solve(best_open)
    return cost, best_open, share


# ---------------------------------------------------------------------------------------------
# The MIP, built directly from arrays for HiGHS: a kernel of likely pairs, the rest aggregated
#
# Only a few of a customer's ~100 pairs can be worth using (at the LP optimum of the benchmark
# instances every used pair is among the customer's 17 cheapest), yet every column slows each
# simplex iteration. So the MIP gets x_ij (with its x_ij <= y_i row) only for a *kernel* of pairs,
# and per customer one column z_j for "served outside the kernel", costed at the cheapest pair
# left out and drawing on no site's own capacity row, only on the total-capacity row. Any full
# solution maps onto this model at no greater cost (its outside flow moves to z_j), so the MIP is
# a relaxation: its dual bound is valid for the full problem, and a solution with z = 0 is
# feasible for it, hence optimal when the relaxation is solved. When z > 0 survives, the kernel
# grows by those customers' pairs and the MIP is solved again.
#
# Measured on the r = 5 benchmark instance: the kernel (each customer's 3 cheapest pairs, plus those
# within 1.3 x its Lagrangian price: 14,369 of 100,000 pairs) keeps the LP bound exactly (37,923.15,
# as with every pair and every x_ij <= y_i row); its LP solved in 16 s, against 43 s for the same
# x_ij <= y_i rows with all 100,000 x columns (dual simplex, machine load ~7 on 2 cores).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mip:
    lp: highspy.HighsLp
    site_cols: np.ndarray  # site position of each y column (columns 0..n_y-1)
    pair_index: np.ndarray  # which of a's pairs each x column is (the next block)
    far_customers: np.ndarray  # customer position of each z column (the last block)
    rows: int
    nonzeros: int

    def start(self, a: _Arrays, is_open: np.ndarray, share: np.ndarray) -> list[float]:
        """A full solution as a point of this model (flow outside the kernel moved to z)."""
        inside = np.zeros(len(a.site), dtype=bool)
        inside[self.pair_index] = True
        outside = np.bincount(a.customer[~inside], share[~inside], minlength=len(a.demand))
        return np.r_[is_open[self.site_cols].astype(float), share[self.pair_index], outside[self.far_customers]].tolist()

    def split(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(y, x, z) blocks of a column vector."""
        n_y, n_x = len(self.site_cols), len(self.pair_index)
        return values[:n_y], values[n_y : n_y + n_x], values[n_y + n_x :]


def _pair_rank(a: _Arrays) -> np.ndarray:
    """Per pair: its position in the customer's pairs ordered by cost (0 = cheapest)."""
    order = np.lexsort((a.serve_cost, a.customer))
    c = a.customer[order]
    first = np.r_[True, c[1:] != c[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(c)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    return rank


def kernel_pairs(a: _Arrays, multipliers: np.ndarray, share: np.ndarray, margin: float = 0.3, nearest: int = 3) -> np.ndarray:
    """Pairs the MIP models one by one: each customer's ``nearest`` cheapest, every pair costing at
    most (1 + ``margin``) x the customer's Lagrangian price (near-optimal LP duals; a pair dearer
    than u_j cannot carry flow at the LP optimum, so the aggregated rest leaves the LP bound
    intact when every z costs more than u_j), and the incumbent's pairs (so it is a start)."""
    return (
        (_pair_rank(a) < nearest)
        | (a.serve_cost <= (1.0 + margin) * multipliers[a.customer])
        | (share > _AMOUNT_TOL)
    )


def _kernel_mip(a: _Arrays, closed: np.ndarray, opened: np.ndarray, kernel: np.ndarray) -> _Mip:
    """The strong formulation on the kernel, sites fixed closed left out, and one z_j per customer.

    Columns: y_i (binary; fixed to 1 when ``opened``), x_ij share in [0, 1] per kernel pair, z_j in
    [0, 1]. Rows: sum_i x_ij + z_j = 1 per served customer; sum_j d_j x_ij - C_i y_i <= 0 per site;
    x_ij - y_i <= 0 per kernel pair of a site not fixed open; sum_i C_i y_i >= D (every open set
    of a full solution holds all demand, z's included).
    """
    has_pair = np.bincount(a.site, minlength=len(a.capacity)) > 0
    sites = np.flatnonzero(has_pair & ~closed)
    site_col = np.full(len(a.capacity), -1)
    site_col[sites] = np.arange(len(sites))
    usable = site_col[a.site] >= 0
    pair_index = np.flatnonzero(usable & kernel)
    rest = np.flatnonzero(usable & ~kernel)
    far_cost = np.full(len(a.demand), np.inf)
    np.minimum.at(far_cost, a.customer[rest], a.serve_cost[rest])
    far_customers = np.flatnonzero(np.isfinite(far_cost))
    n_y, n_x, n_z = len(sites), len(pair_index), len(far_customers)
    ps, pc = a.site[pair_index], a.customer[pair_index]
    x_col = n_y + np.arange(n_x)
    z_col = n_y + n_x + np.arange(n_z)
    cust_row = np.full(len(a.demand), -1)
    cust_row[a.served] = np.arange(len(a.served))
    r_cap = len(a.served)
    r_total = r_cap + n_y
    linked = np.flatnonzero(~opened[ps])  # pairs whose site is free: x <= y is a real cut there
    r_link = r_total + 1 + np.arange(len(linked))
    rows = np.concatenate(
        [cust_row[pc], cust_row[far_customers], r_cap + site_col[ps], r_cap + np.arange(n_y), np.full(n_y, r_total), r_link, r_link]
    )
    cols = np.concatenate([x_col, z_col, x_col, np.arange(n_y), np.arange(n_y), x_col[linked], site_col[ps[linked]]])
    vals = np.concatenate(
        [np.ones(n_x + n_z), a.demand[pc], -a.capacity[sites], a.capacity[sites], np.ones(len(linked)), -np.ones(len(linked))]
    )
    n_rows = r_total + 1 + len(linked)
    n_cols = n_y + n_x + n_z
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))
    lp = highs_lp(
        cost=np.r_[a.fixed_cost[sites], a.serve_cost[pair_index], far_cost[far_customers]],
        col_lower=np.r_[opened[sites].astype(float), np.zeros(n_x + n_z)],
        col_upper=np.ones(n_cols),
        row_lower=np.r_[np.ones(len(a.served)), np.full(n_y, -np.inf), a.total_demand, np.full(len(linked), -np.inf)],
        row_upper=np.r_[np.ones(len(a.served)), np.zeros(n_y), np.inf, np.zeros(len(linked))],
        matrix=matrix,
        maximize=False,
        integer=np.r_[np.ones(n_y, dtype=bool), np.zeros(n_x + n_z, dtype=bool)],
    )
    return _Mip(lp=lp, site_cols=sites, pair_index=pair_index, far_customers=far_customers, rows=n_rows, nonzeros=int(matrix.nnz))


# Extra HiGHS settings for this structure (see benchmarks/cflp.md for what was measured).
_HIGHS_OPTIONS: dict[str, Any] = {}
_Z_TOL = 1e-7  # a z share above this means the relaxation's answer used pairs outside the kernel


def _run_kernel_mip(
    a: _Arrays, mip: _Mip, is_open: np.ndarray, share: np.ndarray, options: SolverConfig, time_limit_s: float
) -> tuple[str, float, np.ndarray | None]:
    """(status, dual bound, column values or None) of HiGHS on ``mip``, started from a full solution."""
    h = _highs(options.threads)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("time_limit", max(0.5, time_limit_s))
    h.setOptionValue("presolve", "on" if options.presolve == "auto" else options.presolve)
    for key, value in _HIGHS_OPTIONS.items():
        h.setOptionValue(key, value)
    h.passModel(mip.lp)
    start = highspy.HighsSolution()
    start.col_value = mip.start(a, is_open, share)
    start.value_valid = True
    h.setSolution(start)
    h.HandleKeyboardInterrupt = True  # Ctrl-C stops HiGHS and keeps the incumbent
    h.solve()
    status = _status(h)
    info = h.getInfo()
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else -math.inf
    values = np.asarray(h.getSolution().col_value) if status in SOLUTION_STATUSES else None
    return status, bound, values


def _solve_strong(p: CapacitatedFacilityLocation, options: SolverConfig, t0: float) -> CFLPResult:
    a = _arrays(p)
    limit = float(options.time_limit_s)
    deadline = t0 + limit
    n_sites = len(a.capacity)
    if not len(a.served):  # nothing to serve: open nothing
        return _result(p, a, np.zeros(n_sites, dtype=bool), np.zeros(len(a.site)), "optimal", 0.0, 0.0, 0.0, t0)
    highspy.Highs.resetGlobalScheduler(True)  # see model.solve.highs.solve_highspy: one pool per process
    transport = _Transport(a, options.threads)
    has_pair = np.bincount(a.site, minlength=n_sites) > 0
    # Every usable site open: if even that cannot serve everyone, nothing can.
    ub, share_all = transport.solve(has_pair)
    if share_all is None:
        return _empty_result("infeasible", time.perf_counter() - t0, "demand cannot be met even with every site open")
    best_open, best_share = has_pair.copy(), share_all
    # The ascent and the pricing of its open sets stop on counts (their time caps, shares of the
    # limit, only guard huge instances: at 100 x 1,000 the 300 iterations take 1-2 s), so they take
    # one path per instance. The local search stops at its local optimum or at 30 % of the limit;
    # on the r = 5 benchmark under load it reaches the cap, so there the path can depend on speed.
    lr = lagrangian_bound(a, ub, time_limit_s=0.1 * limit)
    # Primal heuristic: price the open sets the ascent proposed last (near the best multipliers)
    # with the quick transport LP, then improve the best by local search.
    quick_best, quick_open = math.inf, best_open
    for is_open in lr.open_sets[::-1][:40]:
        if time.perf_counter() > t0 + 0.15 * limit:
            break
        cost = transport.quick(is_open & has_pair)
        if cost < quick_best:
            quick_best, quick_open = cost, is_open & has_pair
    cost, open_ls, share_ls = local_search(a, transport, quick_open, lr.site_value, deadline=t0 + 0.3 * limit)
    if share_ls is not None and cost < ub:
        ub, best_open, best_share = cost, open_ls, share_ls
    if ub < math.inf:
        # A better incumbent sharpens the Polyak steps: a second, shorter ascent from scratch is cheap.
        lr2 = lagrangian_bound(a, ub, time_limit_s=0.05 * limit)
        if lr2.bound > lr.bound:
            lr = lr2
    heuristic = ub
    lb = min(lr.bound, ub)
    closed, opened = lagrangian_fixings(a, lr, ub)
    closed &= ~best_open  # the incumbent satisfies every fixing (see lagrangian_fixings); keep it exactly so
    opened &= best_open
    kernel = kernel_pairs(a, lr.multipliers, best_share)
    k = solve_on_kernel(a, transport, kernel, closed, opened, ub, lb, best_open, best_share, options, deadline)
    if k.status == "error":
        return _empty_result("error", time.perf_counter() - t0, "HiGHS failed on the CFLP model")
    return _result(
        p, a, k.is_open, k.share, k.status, k.objective, k.gap, k.bound, t0, lr.bound, heuristic,
        k.rows, k.columns, int(closed.sum() + opened.sum()), k.rounds,
    )


@dataclass(frozen=True)
class KernelSolve:
    status: str
    objective: float  # cost of (is_open, share), a full solution
    bound: float  # valid lower bound on the full optimum
    is_open: np.ndarray
    share: np.ndarray  # per pair of _Arrays
    rounds: int  # kernel MIPs solved (more than one when z > 0 made the kernel grow)
    rows: int  # size of the last kernel MIP
    columns: int

    @property
    def gap(self) -> float:
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1e-12))


def solve_on_kernel(
    a: _Arrays,
    transport: _Transport,
    kernel: np.ndarray,
    closed: np.ndarray,
    opened: np.ndarray,
    ub: float,
    lb: float,
    best_open: np.ndarray,
    best_share: np.ndarray,
    options: SolverConfig,
    deadline: float,
) -> KernelSolve:
    """HiGHS on the kernel MIP, from the incumbent (ub, best_open, best_share) and bound ``lb``,
    growing the kernel until the relaxation's answer needs no z, the gap closes or ``deadline``
    (perf_counter) passes. Sites ``closed`` / ``opened`` are fixed (they must keep the incumbent)."""
    status, rows, columns, proven, rounds = "optimal", 0, 0, False, 0
    while not _closed_gap(ub, lb, options.mip_gap):
        left = deadline - time.perf_counter()
        if left <= 0.5:
            status = "time_limit"
            break
        mip = _kernel_mip(a, closed, opened, kernel)
        rows, columns, rounds = mip.rows, len(mip.lp.col_cost_), rounds + 1
        mip_status, bound, values = _run_kernel_mip(a, mip, best_open, best_share, options, left)
        if mip_status == "error":
            return KernelSolve("error", ub, lb, best_open, best_share, rounds, rows, columns)
        if values is None:  # out of time before HiGHS had a point (it was given one; cannot really happen)
            status = "interrupted" if mip_status.startswith("interrupted") else "time_limit"
            break
        lb = max(lb, min(bound, ub))  # a bound of the relaxation bounds the full problem
        y, _, z = mip.split(values)
        is_open = np.zeros(len(a.capacity), dtype=bool)
        is_open[mip.site_cols] = np.round(y) == 1
        # Price HiGHS' open set on every pair: never dearer than its point, z or not.
        cost, share = transport.solve(is_open)
        if share is not None and cost < ub:
            ub, best_open, best_share = cost, is_open, share
        used = mip.far_customers[z > _Z_TOL]
        if mip_status != "optimal" or not len(used):
            # HiGHS' "optimal" on a point with z = 0: that point is a full solution within the gap
            # (HiGHS' own tolerances decide ties at gap 0; ub is at most that point's cost).
            status, proven = mip_status, mip_status == "optimal"
            break
        # Solved, but through pairs outside the kernel: give those customers every pair, again.
        kernel = kernel | np.isin(a.customer, used) | (best_share > _AMOUNT_TOL)
    if proven or _closed_gap(ub, lb, options.mip_gap):
        status = "optimal"
    elif status == "optimal":
        status = "time_limit"
    return KernelSolve(status, ub, min(lb, ub), best_open, best_share, rounds, rows, columns)


def _closed_gap(ub: float, lb: float, mip_gap: float) -> bool:
    """The incumbent is within the relative gap asked for (plus float noise) of the bound."""
    return ub - lb <= mip_gap * abs(ub) + 1e-9 * max(1.0, abs(ub))


def _build_model(p: CapacitatedFacilityLocation) -> tuple[pyo.ConcreteModel, list[tuple[int, int]]]:
    """The plain route, kept for comparison (benchmarks/cflp.py --plain): a Pyomo model of the
    strong formulation handed to model.solve.highs.solve_highspy with no start and HiGHS' defaults."""
    a = _arrays(p)
    x_pairs = list(zip(a.site.tolist(), a.customer.tolist()))
    serve = dict(zip(x_pairs, a.serve_cost.tolist()))
    by_site: dict[int, list[int]] = {}
    by_cust: dict[int, list[int]] = {}
    for s, c in x_pairs:
        by_site.setdefault(s, []).append(c)
        by_cust.setdefault(c, []).append(s)
    cap, fixed, dem = a.capacity, a.fixed_cost, a.demand
    m = pyo.ConcreteModel(name="cflp")
    m.S = pyo.Set(initialize=sorted(by_site), ordered=True)
    m.P = pyo.Set(initialize=x_pairs, dimen=2, ordered=True)
    m.open = pyo.Var(m.S, domain=pyo.Binary)
    m.x = pyo.Var(m.P, bounds=(0.0, 1.0))  # share of customer c's demand served from s
    m.assign = pyo.Constraint(list(by_cust), rule=lambda m, c: sum(m.x[s, c] for s in by_cust[c]) == 1)
    m.capacity = pyo.Constraint(
        list(by_site), rule=lambda m, s: sum(dem[c] * m.x[s, c] for c in by_site[s]) <= cap[s] * m.open[s]
    )
    m.link = pyo.Constraint(m.P, rule=lambda m, s, c: m.x[s, c] <= m.open[s])
    m.cost = pyo.Objective(
        expr=sum(fixed[s] * m.open[s] for s in m.S) + sum(serve[s, c] * m.x[s, c] for s, c in x_pairs), sense=pyo.minimize
    )
    return m, x_pairs


def _solve_plain(p: CapacitatedFacilityLocation, options: SolverConfig, t0: float) -> CFLPResult:
    a = _arrays(p)
    if not len(a.served):
        return _result(p, a, np.zeros(len(a.capacity), dtype=bool), np.zeros(len(a.site)), "optimal", 0.0, 0.0, 0.0, t0)
    m, x_pairs = _build_model(p)
    res = solve_highspy(m, options)
    status = "infeasible" if res.status == "infeasible_or_unbounded" else res.status
    if status not in SOLUTION_STATUSES:
        return _empty_result(status, time.perf_counter() - t0, "")
    is_open = np.zeros(len(a.capacity), dtype=bool)
    for s in m.S:
        is_open[s] = round(pyo.value(m.open[s])) == 1
    share = np.array([pyo.value(m.x[pair]) for pair in x_pairs], dtype=float)
    return _result(p, a, is_open, share, status, res.objective, res.mip_gap, res.dual_bound, t0, rows=res.rows, columns=res.columns)


def _empty_result(status: str, seconds: float, message: str) -> CFLPResult:
    empty = pd.DataFrame({"site": [], "customer": [], "amount": [], "cost": []})
    return CFLPResult(status, None, [], empty, None, None, seconds, message)


def _result(
    p: CapacitatedFacilityLocation,
    a: _Arrays,
    is_open: np.ndarray,
    share: np.ndarray,
    status: str,
    objective: float | None,
    mip_gap: float | None,
    dual_bound: float | None,
    t0: float,
    lagrangian: float | None = None,
    heuristic: float | None = None,
    rows: int = 0,
    columns: int = 0,
    sites_fixed: int = 0,
    mip_rounds: int = 0,
) -> CFLPResult:
    amount = np.clip(share, 0.0, 1.0) * a.demand[a.customer]
    keep = amount > _AMOUNT_TOL * max(1.0, float(a.demand.max()) if len(a.demand) else 1.0)
    unit = a.serve_cost[keep] / a.demand[a.customer[keep]]
    assignment = pd.DataFrame(
        {
            "site": p.capacity.index.to_numpy()[a.site[keep]],
            "customer": p.demand.index.to_numpy()[a.customer[keep]],
            "amount": amount[keep],
            "cost": amount[keep] * unit,
        }
    )
    return CFLPResult(
        status=status,
        objective=objective,
        open_sites=list(p.capacity.index[is_open]),
        assignment=assignment,
        fixed_cost=float(a.fixed_cost[is_open].sum()),
        serving_cost=float(assignment["cost"].sum()),
        seconds=time.perf_counter() - t0,
        mip_gap=mip_gap,
        dual_bound=dual_bound,
        lagrangian_bound=lagrangian,
        heuristic_objective=heuristic,
        rows=rows,
        columns=columns,
        sites_fixed=sites_fixed,
        mip_rounds=mip_rounds,
    )


def _read_table(path: Path, schema: dict[str, str], key: str | None) -> pd.DataFrame:
    if not path.is_file():
        raise InputDataError(f"{path}: file not found")
    str_cols = {c: str for c, k in schema.items() if k == "str"}
    try:
        df = pd.read_csv(path, dtype=str_cols, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputDataError(f"{path}: not a readable CSV ({str(err).splitlines()[0]})") from None
    df = validate_table(df, schema, str(path))
    if df.empty:  # a header alone is a mistake, not an instance with an optimum of 0
        raise InputDataError(f"{path}: no rows (only a header)")
    for col, kind in schema.items():
        if kind != "str" and (df[col] < 0).any():
            row = int(np.flatnonzero((df[col] < 0).to_numpy())[0])
            raise InputDataError(f"{path}: column '{col}' has a negative value (row {row + 1})")
    return indexed_by(df, key, str(path)) if key else df


def read_cflp_csvs(sites_csv: Path | str, demand_csv: Path | str, costs_csv: Path | str) -> CapacitatedFacilityLocation:
    """Read ``site,capacity,fixed_cost`` / ``customer,demand`` / ``site,customer,cost_per_unit`` CSVs.

    A (site, customer) pair absent from the costs file may not be used.
    """
    sites_csv, demand_csv, costs_csv = Path(sites_csv), Path(demand_csv), Path(costs_csv)
    sites = _read_table(sites_csv, SITES_SCHEMA, "site")
    demand = _read_table(demand_csv, DEMAND_SCHEMA, "customer")
    costs = _read_table(costs_csv, COSTS_SCHEMA, None)
    labels = _Labels(
        capacity=f"{sites_csv}: column 'capacity'",
        fixed_cost=f"{sites_csv}: column 'fixed_cost'",
        demand=f"{demand_csv}: column 'demand'",
        cost=f"{costs_csv}: column 'cost_per_unit'",
        cost_site=f"{costs_csv}: column 'site'",
        cost_customer=f"{costs_csv}: column 'customer'",
    )
    return _build(sites["capacity"], sites["fixed_cost"], demand["demand"], costs, labels)


def _plain(value: Any) -> Hashable:
    """numpy scalars -> Python scalars, so ids and numbers serialise as JSON."""
    return value.item() if isinstance(value, np.generic) else value


def cflp_json(result: CFLPResult) -> dict[str, Any]:
    """A JSON-ready summary: status, costs, open sites and every positive assignment."""
    return {
        "status": result.status,
        "message": result.message,
        "objective": result.objective,
        "fixed_cost": result.fixed_cost,
        "serving_cost": result.serving_cost,
        "mip_gap": result.mip_gap,
        "dual_bound": result.dual_bound,
        "lagrangian_bound": result.lagrangian_bound,
        "heuristic_objective": result.heuristic_objective,
        "seconds": round(result.seconds, 3),
        "open_sites": [_plain(s) for s in result.open_sites],
        "assignments": [
            {"site": _plain(r.site), "customer": _plain(r.customer), "amount": float(r.amount), "cost": float(r.cost)}
            for r in result.assignment.itertuples(index=False)
        ],
    }
