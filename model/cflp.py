"""A capacitated facility location problem (CFLP) that stands on its own, from plain tables.

Choose which sites to open (each with a fixed cost and a capacity) and how to serve every
customer's demand from the open sites at a per-unit cost, minimising fixed plus serving cost.
A customer's demand may be split across sites. Only allowed (site, customer) pairs get a
variable, so a sparse cost table keeps large instances small.

Entry points: :meth:`CapacitatedFacilityLocation.from_cost_matrix` (Series + a wide or long cost
table), :meth:`CapacitatedFacilityLocation.from_geodataframe` (points; cost from distance) and
:func:`read_cflp_csvs`. The model is built in Pyomo and solved with the project's HiGHS route.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import SolverConfig
from model.core.errors import InputDataError
from model.core.geo import require_same_crs, to_project_crs
from model.core.tables import indexed_by, validate_table
from model.solve.highs import SOLUTION_STATUSES, solve_highspy

LONG_COST_COLUMNS = ("site", "customer", "cost_per_unit")
SITES_SCHEMA = {"site": "str", "capacity": "float", "fixed_cost": "float"}
DEMAND_SCHEMA = {"customer": "str", "demand": "float"}
COSTS_SCHEMA = {"site": "str", "customer": "str", "cost_per_unit": "float"}
_AMOUNT_TOL = 1e-9  # assignments below this (in demand units, relative) are solver noise


@dataclass(frozen=True)
class CFLPResult:
    # Statuses are model.solve.SolveResult's; "infeasible" also covers the checks done before solving.
    status: str
    objective: float | None
    open_sites: list
    assignment: pd.DataFrame  # columns site, customer, amount (demand units), cost (amount x cost_per_unit)
    fixed_cost: float | None
    serving_cost: float | None
    seconds: float
    message: str = ""  # why it is infeasible, when known before solving

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

    def solve(self, options: SolverConfig | None = None) -> CFLPResult:
        """Solve with HiGHS; with no options, an exact solve (gap 0) under the default time limit."""
        t0 = time.perf_counter()
        reason = _obviously_infeasible(self)
        if reason:
            return _empty_result("infeasible", time.perf_counter() - t0, reason)
        m, x_pairs = _build_model(self)
        res = solve_highspy(m, options if options is not None else SolverConfig(mip_gap=0.0))
        status = res.status
        # Every variable is bounded and costs are >= 0, so the model cannot be unbounded.
        if status == "infeasible_or_unbounded":
            status = "infeasible"
        if status not in SOLUTION_STATUSES:
            return _empty_result(status, time.perf_counter() - t0, "")
        return _read_solution(self, m, x_pairs, status, res.objective, time.perf_counter() - t0)


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


def _build_model(p: CapacitatedFacilityLocation) -> tuple[pyo.ConcreteModel, list[tuple[int, int]]]:
    """Pyomo model on integer positions (ids may be any hashable); returns it and its x index."""
    site_pos = {s: i for i, s in enumerate(p.capacity.index)}
    cust_pos = {c: j for j, c in enumerate(p.demand.index)}
    # Customers with zero demand need no service; keeping them would force a site open for nothing.
    served = p.pairs.loc[p.pairs["customer"].map(p.demand) > 0]
    x_pairs = list(zip(served["site"].map(site_pos), served["customer"].map(cust_pos)))
    unit_cost = dict(zip(x_pairs, served["cost_per_unit"].to_numpy(dtype=float)))
    cap = p.capacity.to_numpy(dtype=float)
    fixed = p.fixed_cost.to_numpy(dtype=float)
    dem = p.demand.to_numpy(dtype=float)
    by_site: dict[int, list[int]] = {}
    by_cust: dict[int, list[int]] = {}
    for s, c in x_pairs:
        by_site.setdefault(s, []).append(c)
        by_cust.setdefault(c, []).append(s)

    m = pyo.ConcreteModel(name="cflp")
    # Only sites that may serve someone get an open variable: the others stay closed, even at zero
    # fixed cost. (Not via .fix(0): model.solve.to_standard_form lists fixed variables as columns.)
    m.S = pyo.Set(initialize=sorted(by_site), ordered=True)
    m.P = pyo.Set(initialize=x_pairs, dimen=2, ordered=True)
    m.open = pyo.Var(m.S, domain=pyo.Binary)
    m.x = pyo.Var(m.P, bounds=(0.0, 1.0))  # share of customer c's demand served from s
    m.assign = pyo.Constraint(list(by_cust), rule=lambda m, c: sum(m.x[s, c] for s in by_cust[c]) == 1)
    m.capacity = pyo.Constraint(
        list(by_site), rule=lambda m, s: sum(dem[c] * m.x[s, c] for c in by_site[s]) <= cap[s] * m.open[s]
    )
    # Redundant for integer solutions but tightens the LP relaxation a lot (the "strong" formulation).
    m.link = pyo.Constraint(m.P, rule=lambda m, s, c: m.x[s, c] <= m.open[s])
    m.cost = pyo.Objective(
        expr=sum(fixed[s] * m.open[s] for s in m.S) + sum(unit_cost[s, c] * dem[c] * m.x[s, c] for s, c in x_pairs),
        sense=pyo.minimize,
    )
    return m, x_pairs


def _empty_result(status: str, seconds: float, message: str) -> CFLPResult:
    empty = pd.DataFrame({"site": [], "customer": [], "amount": [], "cost": []})
    return CFLPResult(status, None, [], empty, None, None, seconds, message)


def _read_solution(
    p: CapacitatedFacilityLocation,
    m: pyo.ConcreteModel,
    x_pairs: list[tuple[int, int]],
    status: str,
    objective: float | None,
    seconds: float,
) -> CFLPResult:
    sites = p.capacity.index
    customers = p.demand.index
    is_open = np.zeros(len(sites), dtype=bool)
    for s in m.S:
        is_open[s] = round(pyo.value(m.open[s])) == 1
    share = np.array([pyo.value(m.x[pair]) for pair in x_pairs], dtype=float)
    si = np.array([s for s, _ in x_pairs], dtype=int)
    ci = np.array([c for _, c in x_pairs], dtype=int)
    unit_cost = p.pairs.set_index(["site", "customer"])["cost_per_unit"]
    amount = share * p.demand.to_numpy(dtype=float)[ci] if len(x_pairs) else np.zeros(0)
    keep = amount > _AMOUNT_TOL * max(1.0, float(p.demand.max()) if len(p.demand) else 1.0)
    site_ids = sites.to_numpy()[si[keep]]
    cust_ids = customers.to_numpy()[ci[keep]]
    costs = unit_cost.loc[list(zip(site_ids, cust_ids))].to_numpy(dtype=float) if keep.any() else np.zeros(0)
    assignment = pd.DataFrame({"site": site_ids, "customer": cust_ids, "amount": amount[keep], "cost": amount[keep] * costs})
    fixed_total = float(p.fixed_cost.to_numpy(dtype=float)[is_open].sum())
    return CFLPResult(
        status=status,
        objective=objective,
        open_sites=list(sites[is_open]),
        assignment=assignment,
        fixed_cost=fixed_total,
        serving_cost=float(assignment["cost"].sum()),
        seconds=seconds,
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
        "seconds": round(result.seconds, 3),
        "open_sites": [_plain(s) for s in result.open_sites],
        "assignments": [
            {"site": _plain(r.site), "customer": _plain(r.customer), "amount": float(r.amount), "cost": float(r.cost)}
            for r in result.assignment.itertuples(index=False)
        ],
    }
