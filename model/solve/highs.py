"""Hand a built model to HiGHS and report an honest status.

Default route ("highspy"): Pyomo's standard-form compiler produces the sparse matrix once and
``highspy.Highs.passModel`` loads it in one call; benchmarks/routes.py measures it against
``pyomo.contrib.solver`` 'highs' and APPSI. Solution values are written back onto the Pyomo
variables so results are read through the model's own expressions.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.enums import SortComponents
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from model.config import SolverConfig
from model.milp.model_data import LINEAR_REGISTRY, LinearObjective, LinearRows

_INT_TOL = 1e-6
PRESOLVE_OFF_ABOVE_COLUMNS = 60_000
SOLUTION_STATUSES = ("optimal", "time_limit", "interrupted")


@dataclass(frozen=True)
class SolveResult:
    # optimal | time_limit | interrupted (incumbent kept) | time_limit_no_solution | interrupted_no_solution |
    # infeasible | unbounded | infeasible_or_unbounded | error
    status: str
    objective: float | None
    mip_gap: float | None
    dual_bound: float | None
    seconds_translate: float
    seconds_solve: float
    route: str
    rows: int
    columns: int
    nonzeros: int
    log: str

    @property
    def has_solution(self) -> bool:
        return self.status in SOLUTION_STATUSES


@dataclass(frozen=True)
class Progress:
    """One progress report from a running MIP solve, in the objective's own sense (max stays max).

    ``event``: "improved" (a new incumbent; never throttled), "progress" (periodic, at most one per
    PROGRESS_INTERVAL_S) or "done" (once, after HiGHS returns, from its final info).
    """

    event: Literal["improved", "progress", "done"]
    elapsed_s: float  # HiGHS' own run clock
    incumbent: float | None  # best objective found so far; None before the first feasible point
    dual_bound: float | None  # best proven bound; None while HiGHS has none
    mip_gap: float | None  # relative gap as HiGHS reports it; None while it is infinite
    nodes: int  # branch-and-bound nodes explored

    def describe(self) -> str:
        """Short text for a status line, e.g. "incumbent 560, bound 571.429, gap 2.04%"."""
        parts = [f"incumbent {_fmt(self.incumbent)}", f"bound {_fmt(self.dual_bound)}"]
        parts.append("gap -" if self.mip_gap is None else f"gap {self.mip_gap:.2%}")
        return ", ".join(parts)


ProgressFn = Callable[[Progress], None]
PROGRESS_INTERVAL_S = 0.5


def _fmt(x: float | None) -> str:
    # Dollar objectives (min_cost) run to 1e10: thousands separators read better than 1.2e+10.
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.6g}"


def _finite(x: float) -> float | None:
    # HiGHS reports "none yet" as ±inf (and a gap of inf before the first incumbent).
    x = float(x)
    return x if math.isfinite(x) else None


class _ProgressRelay:
    """Turns HiGHS MIP callback events into throttled ``Progress`` calls.

    Runs on HiGHS' solver thread (HandleKeyboardInterrupt solves in a worker thread). An exception
    escaping a highspy callback aborts the solve with no status, so a failing ``progress`` is
    switched off and reported once the solve is over instead of losing the solve.
    """

    def __init__(
        self, progress: ProgressFn, interval_s: float = PROGRESS_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.progress: ProgressFn | None = progress
        self.interval_s = interval_s
        self.clock = clock
        self.last_call = -math.inf
        self.error: BaseException | None = None

    def _emit(self, event: Literal["improved", "progress"], e: Any) -> None:
        if self.progress is None:
            return
        now = self.clock()
        if event == "progress" and now - self.last_call < self.interval_s:
            return
        self.last_call = now
        d = e.data_out
        report = Progress(
            event=event,
            elapsed_s=float(d.running_time),
            incumbent=_finite(d.mip_primal_bound),
            dual_bound=_finite(d.mip_dual_bound),
            mip_gap=_finite(d.mip_gap),
            nodes=int(d.mip_node_count),
        )
        try:
            self.progress(report)
        except Exception as err:  # noqa: BLE001 - see the class docstring
            self.error, self.progress = err, None

    def on_improving(self, e: Any) -> None:
        self._emit("improved", e)

    def on_tick(self, e: Any) -> None:
        self._emit("progress", e)

    def attach(self, h: highspy.Highs) -> None:
        # highspy's event lists (+=) sit beside its own Ctrl-C handler on cbMipInterrupt; calling
        # h.setCallback directly would replace highspy's dispatcher and disable that handler.
        h.cbMipImprovingSolution += self.on_improving
        h.cbMipInterrupt += self.on_tick  # called often during the search: the periodic tick
        h.cbMipLogging += self.on_tick  # once per HiGHS log line, so the display matches the log

    def finish(self, h: highspy.Highs, objective: float | None, mip_gap: float | None, bound: float | None) -> None:
        if self.progress is not None:
            info = h.getInfo()
            report = Progress(
                event="done",
                elapsed_s=float(h.getRunTime()),
                incumbent=objective,
                dual_bound=None if bound is None else _finite(bound),
                mip_gap=mip_gap,
                nodes=max(int(info.mip_node_count), 0),
            )
            try:
                self.progress(report)
            except Exception as err:  # noqa: BLE001
                self.error = err
        if self.error is not None:
            warnings.warn(f"progress callback failed and was switched off: {self.error!r}", RuntimeWarning, stacklevel=3)


@dataclass(frozen=True)
class StandardForm:
    """The model as HiGHS sees it, plus the Pyomo variables behind each column."""

    lp: highspy.HighsLp
    columns: list
    rows: int
    nonzeros: int
    row_constraints: list  # the Pyomo ConstraintData behind each row, in order
    rows_from_arrays: int = 0  # rows read from the blocks' arrays (the rest compiled by Pyomo)


def highs_lp(
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    matrix: Any,
    maximize: bool,
    integer: np.ndarray,
    offset: float = 0.0,
) -> highspy.HighsLp:
    """A HiGHS model from arrays and a column-wise sparse matrix (scipy csc)."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = cost
    lp.offset_ = offset
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = len(cost)
    lp.a_matrix_.num_row_ = len(row_lower)
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    return lp


def to_standard_form(m: pyo.ConcreteModel, column_order: str = "declaration") -> StandardForm:
    """Compile ``m``; columns follow variable declaration order unless ``column_order="compiler"``.

    Rows a block registered as arrays (``model.milp.model_data.LinearRows``: same numbers as their
    Pyomo expressions) are read from the arrays and only the rest is compiled by Pyomo, giving the
    same matrix, bit for bit, as compiling everything (``pyomo_standard_form``)."""
    if column_order == "declaration":
        with PauseGC():
            columns, fixed = _declared_columns(m)
            # Fixed variables: Pyomo substitutes them itself (the arrays do not), so it compiles all.
            form = None if fixed else _registered_form(m, columns)
        if form is not None:
            return form
    return pyomo_standard_form(m, column_order)


def pyomo_standard_form(m: pyo.ConcreteModel, column_order: str = "declaration") -> StandardForm:
    """Compile all of ``m`` with Pyomo's standard-form compiler (the reference for the fast route)."""
    options = {}
    if column_order == "declaration":
        # Fixed variables are substituted out by the compiler; listing them would duplicate columns.
        options["column_order"] = [
            v for v in m.component_data_objects(pyo.Var, active=True, descend_into=True) if not v.fixed
        ]
    repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None, **options)
    columns = list(repn.columns)
    n_cols = len(columns)
    n_rows = len(repn.rows)
    senses = np.fromiter((r[1] for r in repn.rows), dtype=np.int8, count=n_rows)
    rhs = np.asarray(repn.rhs, dtype=float)
    lower, upper, integer = _column_bounds(columns)
    A = repn.A.tocsc()
    sense = repn.objectives[0].sense if repn.objectives else pyo.minimize
    lp = highs_lp(
        cost=repn.c.toarray()[0] if repn.c.shape[0] else np.zeros(n_cols),
        col_lower=lower,
        col_upper=upper,
        # Mixed form keeps each row's own sense: 1 is <=, -1 is >=, 0 is ==.
        row_lower=np.where(senses <= 0, rhs, -math.inf),
        row_upper=np.where(senses >= 0, rhs, math.inf),
        matrix=A,
        maximize=sense == pyo.maximize,
        integer=integer,
        offset=float(repn.c_offset[0]) if len(repn.c_offset) else 0.0,
    )
    return StandardForm(
        lp=lp, columns=columns, rows=n_rows, nonzeros=int(A.nnz), row_constraints=[r[0] for r in repn.rows]
    )


def _declared_columns(m: pyo.ConcreteModel) -> tuple[list[Any], list[Any]]:
    """Unfixed variables in declaration order (the columns), and the fixed ones."""
    columns: list[Any] = []  # Pyomo VarData (Pyomo has no type stubs)
    fixed: list[Any] = []
    # The order of component_data_objects(Var, active=True), component by component (~5x faster).
    for comp in m.component_objects(pyo.Var, active=True, descend_into=True):
        for v in comp.values():
            (fixed if v.fixed else columns).append(v)
    return columns, fixed


def _column_bounds(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds (±inf for none) and integrality of each column, as VarData.lb / .ub /
    .is_integer() give them; the domain's bounds and integrality are looked up once per domain."""
    try:
        return _column_bounds_fast(columns)
    except AttributeError:  # a Pyomo whose VarData keeps its bounds elsewhere: the public properties
        lower = np.array([-math.inf if v.lb is None else v.lb for v in columns], dtype=float)
        upper = np.array([math.inf if v.ub is None else v.ub for v in columns], dtype=float)
        return lower, upper, np.array([v.is_integer() for v in columns], dtype=bool)


def _column_bounds_fast(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lower, upper, integer = [], [], []
    domains: dict[int, tuple[Any, Any, bool]] = {}
    native = (int, float)
    inf = math.inf
    for v in columns:
        dom = v.domain
        info = domains.get(id(dom))
        if info is None:
            info = domains[id(dom)] = (*dom.bounds(), v.is_integer())
        dlb, dub, is_int = info
        lb, ub = v._lb, v._ub  # the bounds as set; resolved below exactly as VarData.lb / .ub do
        if lb is None:
            lb = dlb
        elif lb.__class__ in native and -inf < lb < inf:
            lb = lb if dlb is None else max(lb, dlb)
        else:
            lb = v.lb
        if ub is None:
            ub = dub
        elif ub.__class__ in native and -inf < ub < inf:
            ub = ub if dub is None else min(ub, dub)
        else:
            ub = v.ub
        lower.append(-inf if lb is None else lb)
        upper.append(inf if ub is None else ub)
        integer.append(is_int)
    return np.array(lower, dtype=float), np.array(upper, dtype=float), np.array(integer, dtype=bool)


def _registry(m: pyo.ConcreteModel) -> list:
    """Every LinearRows / LinearObjective registered on an active block of ``m``."""
    items: list = []
    for b in m.block_data_objects(active=True, descend_into=True):
        items.extend(b.__dict__.get(LINEAR_REGISTRY, ()))
    return items


def _registered_form(m: pyo.ConcreteModel, columns: list) -> StandardForm | None:
    """The standard form with registered rows read from their arrays; None when nothing is registered
    or something the arrays cannot represent was changed (then Pyomo compiles everything)."""
    items = _registry(m)
    if not items:
        return None
    col_of = {id(v): j for j, v in enumerate(columns)}
    index_cache: dict[int, np.ndarray] = {}

    def col_index(segments: tuple) -> np.ndarray:
        """Column of each registered variable (-1: not a column), one lookup per distinct list."""
        parts = []
        for seg in segments:
            idx = index_cache.get(id(seg))
            if idx is None:
                idx = index_cache[id(seg)] = np.fromiter((col_of.get(id(v), -1) for v in seg), dtype=np.int64, count=len(seg))
            parts.append(idx)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    objectives = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    rows_of: dict[int, tuple[LinearRows, np.ndarray]] = {}
    objective: tuple[LinearObjective, np.ndarray] | None = None
    for item in items:
        if isinstance(item, LinearRows):
            con = item.constraint
            if not (con.active and len(con) == len(item.members)):
                continue
            if not all(d.active and d.expr is e for d, e in zip(item.members, item.exprs)):
                continue
            cols = col_index(item.variables)[item.cols]
            if len(cols) and cols.min() < 0:
                continue
            rows_of[id(con)] = (item, cols)
        else:
            obj = item.objective
            if len(objectives) == 1 and objectives[0] is obj and obj.expr is item.expr and obj.sense == item.sense:
                cols = col_index(item.variables)[item.cols]
                if not len(cols) or cols.min() >= 0:
                    objective = (item, cols)
    if not rows_of and objective is None:
        return None

    # Pyomo compiles what is left (policies' rows, hourly dispatch, changed rows) with the registered
    # components switched off for the call.
    sorter = SortComponents.ORDERED_INDICES
    components = list(m.component_objects(pyo.Constraint, active=True, descend_into=True, sort=sorter))
    rest_left = objective is None or any(id(c) not in rows_of for c in components)
    repn = None
    if rest_left:
        switched = [item.constraint for item, _ in rows_of.values()]
        if objective is not None:
            switched.append(objective[0].objective)
        for comp in switched:
            comp.deactivate()
        try:
            repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None, column_order=[])
        finally:
            for comp in switched:
                comp.activate()

    n_cols = len(columns)
    row_cons: list = []
    senses: list[np.ndarray] = []
    rhs: list[np.ndarray] = []
    coo_r: list[np.ndarray] = []
    coo_c: list[np.ndarray] = []
    coo_v: list[np.ndarray] = []
    n_rows = n_arrays = 0
    stock_rows = list(repn.rows) if repn is not None else []
    stock_A = None
    stock_cols = np.zeros(0, dtype=np.int64)
    if repn is not None:
        stock_cols = np.fromiter((col_of.get(id(v), -1) for v in repn.columns), dtype=np.int64, count=len(repn.columns))
        if len(stock_cols) and stock_cols.min() < 0:
            return None  # a variable outside the declared columns: let Pyomo order it as it would
        stock_A = repn.A.tocsr()
        stock_rhs = np.asarray(repn.rhs, dtype=float)
    pos = 0
    for comp in components:
        registered = rows_of.get(id(comp))
        if registered is not None:
            item, cols = registered
            vals, item_rhs = item.refresh() if item.refresh is not None else (item.vals, item.rhs)
            k = len(item.members)
            row_cons.extend(item.members)
            senses.append(item.senses)
            rhs.append(np.asarray(item_rhs, dtype=float))
            coo_r.append(n_rows + item.rows)
            coo_c.append(cols)
            coo_v.append(np.asarray(vals, dtype=float))
            n_rows += k
            n_arrays += k
            continue
        start = pos
        while pos < len(stock_rows) and stock_rows[pos][0].parent_component() is comp:
            pos += 1
        if pos > start:
            assert stock_A is not None
            block = stock_A[start:pos].tocoo()
            row_cons.extend(r[0] for r in stock_rows[start:pos])
            senses.append(np.fromiter((r[1] for r in stock_rows[start:pos]), dtype=np.int8, count=pos - start))
            rhs.append(stock_rhs[start:pos])
            coo_r.append(n_rows + block.row.astype(np.int64))
            coo_c.append(stock_cols[block.col])
            coo_v.append(block.data)
            n_rows += pos - start
    if pos != len(stock_rows):
        return None  # rows in an order this merge does not reproduce

    cost = np.zeros(n_cols)
    offset = 0.0
    if objective is not None:
        item, cols = objective
        cost[cols] = item.refresh() if item.refresh is not None else item.vals
        maximize = item.sense == pyo.maximize
    elif repn is not None and repn.objectives:
        c = repn.c.tocsr()[0].tocoo()
        cost[stock_cols[c.col]] = c.data
        offset = float(repn.c_offset[0])
        maximize = repn.objectives[0].sense == pyo.maximize
    else:
        maximize = False
    A = sp.csr_matrix(
        (np.concatenate(coo_v) if coo_v else np.zeros(0),
         (np.concatenate(coo_r) if coo_r else np.zeros(0, dtype=np.int64),
          np.concatenate(coo_c) if coo_c else np.zeros(0, dtype=np.int64))),
        shape=(n_rows, n_cols),
    ).tocsc()
    A.sum_duplicates()
    A.eliminate_zeros()
    if n_rows and (np.diff(A.tocsr().indptr) == 0).any():
        return None  # an empty row: Pyomo drops or rejects those itself
    # As the compiler does: columns in no row and without an objective coefficient are left out.
    keep = (np.diff(A.indptr) > 0) | (cost != 0)
    if not keep.all():
        A = A[:, keep]
        cost = cost[keep]
        columns = [v for v, k in zip(columns, keep.tolist()) if k]
    sense_arr = np.concatenate(senses) if senses else np.zeros(0, dtype=np.int8)
    rhs_arr = np.concatenate(rhs) if rhs else np.zeros(0)
    lower, upper, integer = _column_bounds(columns)
    lp = highs_lp(
        cost=cost,
        col_lower=lower,
        col_upper=upper,
        row_lower=np.where(sense_arr <= 0, rhs_arr, -math.inf),
        row_upper=np.where(sense_arr >= 0, rhs_arr, math.inf),
        matrix=A,
        maximize=maximize,
        integer=integer,
        offset=offset,
    )
    return StandardForm(
        lp=lp, columns=columns, rows=n_rows, nonzeros=int(A.nnz), row_constraints=row_cons, rows_from_arrays=n_arrays
    )


def write_model(m: pyo.ConcreteModel, path: Path) -> StandardForm:
    """Write the model HiGHS would solve to ``path`` (.mps or .lp, chosen by its suffix), atomically."""
    form = to_standard_form(m)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(form.lp)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    h.writeModel(str(tmp))
    tmp.replace(path)
    return form


def presolve_setting(options: SolverConfig, n_columns: int) -> str:
    """HiGHS' presolve option for this model (see SolverConfig.presolve)."""
    if options.presolve == "auto":
        return "off" if n_columns > PRESOLVE_OFF_ABOVE_COLUMNS else "on"
    return options.presolve


def lp_solver_setting(options: SolverConfig, hourly: bool) -> str:
    """HiGHS' mip_lp_solver for a model with (``hourly``) or without hourly dispatch (see SolverConfig.lp_solver)."""
    if options.lp_solver == "auto":
        return "ipm" if hourly else "choose"
    return options.lp_solver


def _status(h: highspy.Highs) -> str:
    ms = h.getModelStatus()
    S = highspy.HighsModelStatus
    has_point = h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if ms == S.kOptimal:
        return "optimal"
    if ms == S.kInterrupt:
        return "interrupted" if has_point else "interrupted_no_solution"
    if ms in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit):
        return "time_limit" if has_point else "time_limit_no_solution"
    if ms == S.kInfeasible:
        return "infeasible"
    if ms == S.kUnbounded:
        return "unbounded"
    if ms == S.kUnboundedOrInfeasible:
        return "infeasible_or_unbounded"
    return "error"


def _load_values(m: pyo.ConcreteModel, columns: list, values: np.ndarray) -> None:
    for var, val in zip(columns, values):
        if var.is_integer():
            val = round(val) if abs(val - round(val)) < _INT_TOL * max(1.0, abs(val)) else val
        var.set_value(float(val), skip_validation=True)
    # Variables in no row and not in the objective did not reach HiGHS; they sit at zero.
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        if var.value is None:
            var.set_value(0.0 if (var.lb is None or var.lb <= 0) else var.lb, skip_validation=True)


def _current_values(columns: list) -> np.ndarray | None:
    """The variables' present values (a previous solve's incumbent), or None if any is unset."""
    values = [v.value for v in columns]
    if any(x is None for x in values):
        return None
    return np.asarray(values, dtype=float)


def solve_highspy(
    m: pyo.ConcreteModel,
    options: SolverConfig,
    log_path: Path | None = None,
    warm_start: bool = False,
    progress: ProgressFn | None = None,
    hourly: bool = False,
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> SolveResult:
    """Solve ``m``; with ``warm_start`` the variables' current values seed HiGHS' MIP search.
    ``hourly``: the model has an hourly dispatch block (the build says so: ``SitingModel.hourly``).
    ``highs_options``: HiGHS options set after the scenario's (the seed's quick solves use them).

    ``log_path``: HiGHS writes its log there itself as it runs (one flushed line at a time), so the
    file can be tailed during the solve. ``progress``: called with a ``Progress`` on each new
    incumbent and at most every PROGRESS_INTERVAL_S otherwise, from HiGHS' solver thread; then once
    with event "done". No callback is installed when it is None.
    """
    t0 = time.perf_counter()
    form = to_standard_form(m)
    h = highspy.Highs()
    h.setOptionValue("output_flag", log_path is not None)
    h.setOptionValue("log_to_console", False)
    if log_path is not None:
        # HiGHS appends to an existing file; start it empty so the file (and SolveResult.log) hold
        # this solve only. HiGHS then writes and flushes each log line as it goes, so the file can
        # be tailed during the solve.
        log_path.write_text("")
        h.setOptionValue("log_file", str(log_path))
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    # HiGHS keeps one thread pool per process, sized by the first run; a later run asking for a
    # different count fails unless the pool is reset first.
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("presolve", presolve_setting(options, len(form.columns)))
    h.setOptionValue("mip_lp_solver", lp_solver_setting(options, hourly))
    for name, value in (highs_options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(form.lp)
    start = _current_values(form.columns) if warm_start else None
    if start is not None:
        # HiGHS checks the point and ignores it if it is infeasible under the new parameters.
        seed = highspy.HighsSolution()
        seed.col_value = start.tolist()
        seed.value_valid = True
        h.setSolution(seed)
    # Ctrl-C (and SIGTERM, which the CLI turns into KeyboardInterrupt) stops HiGHS cleanly and
    # keeps its incumbent instead of killing the process mid-solve.
    h.HandleKeyboardInterrupt = True
    relay = _ProgressRelay(progress) if progress is not None else None
    if relay is not None:
        relay.attach(h)
    t1 = time.perf_counter()
    h.solve()
    t2 = time.perf_counter()
    status = _status(h)
    info = h.getInfo()
    objective = mip_gap = bound = None
    if status in SOLUTION_STATUSES:
        _load_values(m, form.columns, np.asarray(h.getSolution().col_value))
        objective = float(info.objective_function_value)
        is_mip = bool(info.mip_node_count >= 0) and any(v.is_integer() for v in form.columns)
        mip_gap = float(info.mip_gap) if is_mip else 0.0
        bound = float(info.mip_dual_bound) if is_mip else objective
        if mip_gap is not None and not math.isfinite(mip_gap):
            mip_gap = None
    if relay is not None:
        relay.finish(h, objective, mip_gap, bound)
    log = log_path.read_text() if log_path is not None and log_path.exists() else ""
    return SolveResult(
        status=status,
        objective=objective,
        mip_gap=mip_gap,
        dual_bound=bound,
        seconds_translate=t1 - t0,
        seconds_solve=t2 - t1,
        route="highspy",
        rows=form.rows,
        columns=len(form.columns),
        nonzeros=form.nonzeros,
        log=log,
    )


def _pyomo_route(m: pyo.ConcreteModel, options: SolverConfig, route: str) -> SolveResult:
    """The Pyomo-native HiGHS interfaces; kept for measurement (benchmarks/routes.py)."""
    from pyomo.opt import TerminationCondition as TC

    t0 = time.perf_counter()
    if route == "appsi":
        solver = pyo.SolverFactory("appsi_highs")
        solver.config.mip_gap = options.mip_gap
        solver.highs_options = {"threads": options.threads, "random_seed": 0}
        # APPSI overwrites config.time_limit with the call's own argument, so pass it there.
        res = solver.solve(m, load_solutions=False, timelimit=options.time_limit_s)
    else:
        solver = pyo.SolverFactory("highs")  # pyomo.contrib.solver 'highs' via its legacy wrapper
        res = solver.solve(
            m,
            load_solutions=False,
            timelimit=options.time_limit_s,
            options={"mip_rel_gap": options.mip_gap, "threads": options.threads, "random_seed": 0},
        )
    t1 = time.perf_counter()
    tc = res.solver.termination_condition
    has_point = len(res.solution) > 0 if hasattr(res, "solution") else False
    if tc == TC.optimal:
        status = "optimal"
    elif tc in (TC.maxTimeLimit, TC.maxIterations):
        status = "time_limit" if has_point else "time_limit_no_solution"
    elif tc == TC.infeasible:
        status = "infeasible"
    elif tc == TC.unbounded:
        status = "unbounded"
    elif tc == TC.infeasibleOrUnbounded:
        status = "infeasible_or_unbounded"
    else:
        status = "error"
    objective = None
    if status in SOLUTION_STATUSES:
        m.solutions.load_from(res)
        objective = float(pyo.value(next(m.component_data_objects(pyo.Objective, active=True))))
    return SolveResult(
        status=status,
        objective=objective,
        mip_gap=None,
        dual_bound=None,
        seconds_translate=0.0,
        seconds_solve=t1 - t0,
        route=route,
        rows=0,
        columns=0,
        nonzeros=0,
        log="",
    )


def solve_model(
    m: pyo.ConcreteModel,
    options: SolverConfig,
    log_path: Path | None = None,
    warm_start: bool = False,
    progress: ProgressFn | None = None,
    hourly: bool = False,
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> SolveResult:
    """Solve ``m`` by ``options.route``; ``progress`` and ``highs_options`` apply on the highspy route only."""
    if options.route == "highspy":
        return solve_highspy(m, options, log_path, warm_start, progress=progress, hourly=hourly, highs_options=highs_options)
    return _pyomo_route(m, options, options.route)
