"""Parameter sweeps: a cartesian grid of scenarios, solved with model reuse, optionally on Dask.

A point whose parameters leave the model's structure unchanged (budget, carbon price, state-cap
values: see :func:`model.milp.build.structure_key`) is solved on the already-built model via
:func:`model.milp.build.update_params` and warm-started from the previous point's incumbent; only a
new structure (e.g. another ``costs.max_campus_mw`` or a newly added state cap) triggers a rebuild.

``run_sweep`` splits the points into contiguous chunks, one per Dask worker, so each worker
builds once and re-solves. Every point writes its own run directory atomically, and a point that
raises is reported as a row with status ``failed`` rather than stopping the sweep.

Parameter names (``--param NAME=SPEC``; SPEC is ``start:stop:count`` (inclusive linspace) or
``v1,v2,...``):

* ``budget_usd``: the total budget. Equity only when the scenario has no debt; otherwise equity
  and debt are scaled together so the scenario's debt-to-equity ratio is kept. A scenario
  without a budget (``min_cost``) gains one, which changes its structure.
* ``carbon_price_usd_per_tco2``: the cost override; any ``carbon_price`` policy is set to the
  same value too (a policy's price would otherwise win).
* ``state_cap_mw.<ST>``: that state's cap in the first ``state_mw_cap`` policy, adding the state
  or a new policy if absent (which changes the structure: one rebuild per new structure).
* ``gpu_price_multiplier`` or ``costs.<name>`` for any cost override (e.g.
  ``costs.max_campus_mw``); bare cost names are accepted as well.
* ``<policy type>.<field>`` (or ``.<field>.<key>`` for a table such as ``caps_mw``): a field the
  policy module lists in ``SWEEPABLE``, set in the scenario's first policy of that type (e.g.
  ``carbon_cap.max_tco2_per_year``, ``water_cap.max_m3_per_year``, ``state_mw_cap.caps_mw.VA``).
  A sweep never needs editing when a policy becomes sweepable.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
import warnings
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from model.config import CostOverrides, Scenario, scenario_from_dict
from model.core.errors import ScenarioError
from model.inputs.load import SitingData, check_names_in_default_data, load_inputs
from model.policies import REGISTRY
from model.results.outputs import check_output_dir, check_own_file, mark_dir, open_dir_in_place, output_dir
from model.workflows.engine import Engine, write_run

InputsLoader = Callable[[Scenario], SitingData]
Param = tuple[str, list[float]]

COST_NAMES = tuple(CostOverrides.model_fields)
CARBON = "carbon_price_usd_per_tco2"
STATE_CAP_PREFIX = "state_cap_mw."
# A sweep is a grid someone will read; past this it is a typo (1e9:2e9:1e15 asked for 7 PiB).
MAX_SWEEP_POINTS = 10_000
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss|inproc)://)?\[?[A-Za-z0-9_.:-]+\]?:\d{1,5}$")
RESULT_COLUMNS = (
    "status",
    "objective",
    "compute_pflops",
    "capex_usd",
    "total_cost_usd",
    "facility_mw",
    "sites_built",
    "co2_t_per_year",
    "mip_gap",
    "seconds",
    "reused_model",
    "error",
)
# Built models kept per process; two covers a structural parameter alternating with a value one.
MAX_CACHED_MODELS = 2


# --- parameters --------------------------------------------------------------------------------


def _canonical_name(name: str) -> str:
    """The parameter's canonical name, or ScenarioError naming it if it is not sweepable."""
    if name == "budget_usd":
        return name
    if name.startswith(STATE_CAP_PREFIX):
        state = name[len(STATE_CAP_PREFIX) :].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", state):
            raise ScenarioError(f"--param {name}: state must be a two-letter USPS code, e.g. state_cap_mw.VA")
        return STATE_CAP_PREFIX + state
    cost = name.removeprefix("costs.")
    if cost in COST_NAMES:
        return cost
    kind, _, rest = name.partition(".")
    if kind in REGISTRY and rest:
        field, _, key = rest.partition(".")
        sweepable = getattr(REGISTRY[kind], "SWEEPABLE", ())
        if field not in sweepable:
            raise ScenarioError(
                f"--param {name}: {kind}.{field} is not sweepable (sweepable: {', '.join(sweepable) or 'none'})"
            )
        is_table = REGISTRY[kind].Params.model_fields[field].annotation is not float
        if is_table and not key:
            raise ScenarioError(f"--param {name}: {kind}.{field} is a table; name its key, e.g. {kind}.{field}.VA")
        if field == "caps_mw":
            return STATE_CAP_PREFIX + key.strip().upper() if re.fullmatch(r"[A-Za-z]{2}", key.strip()) else _bad_state(name)
        return f"{kind}.{field}"
    sweepable = [f"{k}.{f}" for k, mod in REGISTRY.items() for f in getattr(mod, "SWEEPABLE", ())]
    known = ["budget_usd", "state_cap_mw.<ST>", *COST_NAMES, *sweepable]
    raise ScenarioError(f"--param {name}: unknown parameter (known: {', '.join(known)}, or costs.<name>)")


def _bad_state(name: str) -> str:
    raise ScenarioError(f"--param {name}: state must be a two-letter USPS code, e.g. state_mw_cap.caps_mw.VA")


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"--param {name}: '{text}' is not a number") from None


def parse_param(text: str) -> Param:
    """``budget_usd=50e9:200e9:8`` (start:stop:count, inclusive) or ``carbon_price_usd_per_tco2=0,50,100``."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name or not spec:
        raise ScenarioError(f"--param {text}: expected NAME=start:stop:count or NAME=v1,v2,...")
    name = _canonical_name(name)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise ScenarioError(f"--param {name}: a range is start:stop:count, got '{spec}'")
        start, stop = _number(parts[0], name), _number(parts[1], name)
        count = _number(parts[2], name)
        if not np.isfinite(count) or count < 1 or count != int(count):
            raise ScenarioError(f"--param {name}: count must be a whole number >= 1, got '{parts[2]}'")
        if count > MAX_SWEEP_POINTS:
            raise ScenarioError(f"--param {name}: {count:g} values is more than a sweep takes (at most {MAX_SWEEP_POINTS:,} points)")
        if not (np.isfinite(start) and np.isfinite(stop)):
            raise ScenarioError(f"--param {name}: start and stop must be finite numbers, got '{spec}'")
        return name, [float(v) for v in np.linspace(start, stop, int(count))]
    values = [_number(v.strip(), name) for v in spec.split(",") if v.strip()]
    if not values:
        raise ScenarioError(f"--param {name}: no values in '{spec}'")
    if not all(np.isfinite(values)):
        raise ScenarioError(f"--param {name}: values must be finite numbers, got '{spec}'")
    return name, values


# --- points ------------------------------------------------------------------------------------


def _apply(raw: dict[str, Any], name: str, value: float) -> None:
    """Set one parameter in a scenario's raw (JSON-mode) dump, in place."""
    if name == "budget_usd":
        budget = raw.get("budget")
        if budget is None:
            raw["budget"] = {"equity_usd": value}
        elif budget.get("debt_usd", 0.0) > 0:
            share = budget["equity_usd"] / (budget["equity_usd"] + budget["debt_usd"])
            budget["equity_usd"], budget["debt_usd"] = value * share, value * (1.0 - share)
        else:
            budget["equity_usd"], budget["debt_usd"] = value, 0.0
    elif name.startswith(STATE_CAP_PREFIX):
        state = name[len(STATE_CAP_PREFIX) :]
        caps = next((p for p in raw["policies"] if p["type"] == "state_mw_cap"), None)
        if caps is None:
            raw["policies"].append({"type": "state_mw_cap", "caps_mw": {state: value}})
        else:
            caps["caps_mw"][state] = value
    elif "." in name:  # <policy type>.<field>: the first policy of that type
        kind, field = name.split(".", 1)
        policy = next((p for p in raw["policies"] if p["type"] == kind), None)
        if policy is None:
            raise ScenarioError(f"--param {name}: the scenario has no '{kind}' policy to vary")
        policy[field] = value
    else:
        raw["costs"][name] = value
        if name == CARBON:
            for policy in raw["policies"]:
                if policy["type"] == "carbon_price":
                    policy["usd_per_tco2"] = value


def sweep_points(scenario: Scenario, params: Sequence[Param]) -> list[Scenario]:
    """The cartesian product of ``params`` (first parameter varies slowest), named ``<name>-<i:03d>``."""
    names = [_canonical_name(n) for n, _ in params]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ScenarioError(f"--param {dup}: given more than once")
    total = int(np.prod([len(v) for _, v in params], dtype=float))
    if total > MAX_SWEEP_POINTS:
        raise ScenarioError(f"--param: the grid has {total:,} points, more than a sweep takes (at most {MAX_SWEEP_POINTS:,})")
    points: list[Scenario] = []
    for i, values in enumerate(itertools.product(*(list(v) for _, v in params))):
        raw = scenario.model_dump(mode="json")  # a fresh deep copy per point
        for name, value in zip(names, values):
            _apply(raw, name, float(value))
        raw["name"] = f"{scenario.name}-{i:03d}"
        try:
            # Keep the scenario's origin: policy file paths resolve against its folder.
            point = scenario_from_dict(raw, scenario.origin)
        except ScenarioError as err:
            setting = ", ".join(f"{n}={v:g}" for n, v in zip(names, values))
            raise ScenarioError(f"sweep point {i} ({setting}): {err}") from None
        points.append(point)
    return points


def param_value(scenario: Scenario, name: str) -> float | None:
    """The value a point has for a swept parameter (what the sweep set), for the results table."""
    if name == "budget_usd":
        return scenario.budget.total_usd if scenario.budget else None
    if name.startswith(STATE_CAP_PREFIX):
        state = name[len(STATE_CAP_PREFIX) :]
        for policy in scenario.policies:
            if policy.type == "state_mw_cap" and state in policy.caps_mw:
                return float(policy.caps_mw[state])
        return None
    if "." in name:
        kind, field = name.split(".", 1)
        match = next((p for p in scenario.policies if p.type == kind), None)
        return None if match is None else float(getattr(match, field))
    value = getattr(scenario.costs, name)
    return None if value is None else float(value)


# --- solving with model reuse ------------------------------------------------------------------


def _inputs_key(sc: Scenario) -> str:
    """What load_inputs reads from a scenario, bar the carbon price (patched in, see _inputs_for)."""
    costs = sc.costs.model_dump()
    costs.pop(CARBON)
    return repr((sc.candidates.model_dump(), sc.gpus.model_dump(), sorted(costs.items())))


def _inputs_for(sc: Scenario, loader: InputsLoader, cache: dict[str, tuple[SitingData, float | None]]) -> SitingData:
    """``loader(sc)``, reusing the last load when only the scenario's values differ (loads read files)."""
    key = _inputs_key(sc)
    hit = cache.get(key)
    override = sc.costs.carbon_price_usd_per_tco2
    if hit is not None:
        inputs, default_carbon = hit
        carbon = override if override is not None else default_carbon
        if carbon is not None:
            return replace(inputs, scenario=sc, costs=inputs.costs.with_overrides({CARBON: carbon}))
    inputs = loader(sc)
    # The data files' own carbon price is known only from a load without an override.
    cache[key] = (inputs, inputs.costs.carbon_price_usd_per_tco2 if override is None else (hit[1] if hit else None))
    return inputs


def _summary_row(index: int, sc: Scenario, names: Sequence[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"point": index, "name": sc.name}
    row.update({n: param_value(sc, n) for n in names})
    row.update(dict.fromkeys(RESULT_COLUMNS))
    return row


def solve_chunk(
    items: Sequence[tuple[int, Scenario]],
    names: Sequence[str] = (),
    out_dir: Path | None = None,
    inputs_loader: InputsLoader = load_inputs,
) -> list[dict[str, Any]]:
    """Solve ``(index, scenario)`` items in order, building once per structure and re-solving after.

    With ``out_dir`` each point writes ``out_dir/<point name>/`` atomically. A point that raises
    gives a ``failed`` row with the error text; the next point builds afresh.
    """
    # One engine per chunk (per worker): points of the same structure re-use its built model, whose
    # variables still hold the last incumbent, which seeds HiGHS.
    engine = Engine(max_models=MAX_CACHED_MODELS)
    loads: dict[str, tuple[SitingData, float | None]] = {}
    rows: list[dict[str, Any]] = []
    for index, sc in items:
        row = _summary_row(index, sc, names)
        t0 = time.perf_counter()
        try:
            inputs = _inputs_for(sc, inputs_loader, loads)
            if out_dir is not None:
                with output_dir(Path(out_dir) / sc.name, "run") as tmp:
                    outcome, reused = engine.solve(sc, inputs, tmp / "solver.log")
                    write_run(tmp, outcome, f"{sc.name}: {outcome.summary['status']}")
            else:
                outcome, reused = engine.solve(sc, inputs)
            summary: Mapping[str, Any] = outcome.summary  # read by column name
            row.update({c: summary[c] for c in RESULT_COLUMNS if c in summary and c != "seconds"})
            row["reused_model"] = reused
        except Exception as err:  # one bad point must not sink the sweep (the engine dropped its model)
            row["status"] = "failed"
            row["error"] = f"{type(err).__name__}: {err}".splitlines()[0]
        row["seconds"] = round(time.perf_counter() - t0, 3)
        rows.append(row)
    return rows


def solve_points(
    points: Sequence[Scenario],
    inputs_loader: InputsLoader = load_inputs,
    names: Sequence[str] = (),
    out_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """Solve the points serially in this process, in order, with model reuse; one row per point.

    ``names`` are the swept parameters to report as columns (their values read off each point).
    """
    return solve_chunk(list(enumerate(points)), names, out_dir, inputs_loader)


# --- Dask ----------------------------------------------------------------------------------------


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client on ``scheduler``, or on a private LocalCluster of single-threaded worker processes."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        if not _ADDRESS.match(scheduler):
            raise ScenarioError(f"--scheduler: '{scheduler}' is not a scheduler address (e.g. tcp://10.0.0.5:8786)")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as err:
            raise ScenarioError(f"--scheduler: cannot reach {scheduler} ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from None
        with client:
            yield client
        return
    # One thread per worker: HiGHS and Pyomo are not thread-safe across models in one process.
    # The scheduler's HTTP health server warns when 8787 is taken and moves on; not worth a warning.
    warnings.filterwarnings("ignore", message="Port 8787 is already in use", category=UserWarning)
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        yield client


def contiguous_chunks(n_points: int, n_chunks: int) -> list[list[int]]:
    """Split 0..n-1 into at most ``n_chunks`` contiguous, near-equal runs (neighbours share structure)."""
    n_chunks = max(1, min(n_chunks, n_points))
    return [c.tolist() for c in np.array_split(np.arange(n_points), n_chunks) if len(c)]


def run_sweep(
    scenario: Scenario,
    params: Sequence[Param],
    out_dir: Path,
    scheduler: str | None = None,
    workers: int = 2,
    progress: bool = True,
    inputs_loader: InputsLoader = load_inputs,
    force: bool = False,
    on_points: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Solve every point on Dask, write ``out_dir/<point>/``, ``sweep.csv`` and ``pareto.png``;
    ``on_points(done, total)`` is told each time a worker's chunk of points finishes.

    With ``scheduler`` (an address such as ``tcp://host:8786``) the workers must see ``out_dir``
    (a shared filesystem) and have this package installed.
    """
    from dask.distributed import as_completed
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    points = sweep_points(scenario, params)
    names = [_canonical_name(n) for n, _ in params]
    out_dir = Path(out_dir)
    for point in {id(p): p for p in (points[0], points[-1])}.values():
        check_names_in_default_data(point)  # e.g. state_cap_mw.XX: refused before any solve
    open_dir_in_place(out_dir, "sweep", force)  # checked before any solve
    for sc in points:
        check_output_dir(out_dir / sc.name, "run")
    rows: list[dict[str, Any]] = []
    with dask_client(scheduler, workers) as client:
        n_workers = len(client.scheduler_info()["workers"]) or workers
        chunks = contiguous_chunks(len(points), n_workers)
        futures = {
            client.submit(solve_chunk, [(i, points[i]) for i in c], names, out_dir, inputs_loader, pure=False): c
            for c in chunks
        }
        with Progress(
            TextColumn(f"sweep {scenario.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not progress,
            transient=True,
        ) as bar:
            task = bar.add_task("points", total=len(points))
            for future in as_completed(futures):
                chunk = futures[future]
                try:
                    rows.extend(future.result())
                except Exception as err:  # a lost worker or unpicklable result: its points fail
                    for i in chunk:
                        row = _summary_row(i, points[i], names)
                        row.update(status="failed", error=f"{type(err).__name__}: {err}".splitlines()[0])
                        rows.append(row)
                bar.advance(task, len(chunk))
                if on_points is not None:
                    on_points(len(rows), len(points))
    table = pd.DataFrame(rows).sort_values("point").reset_index(drop=True)
    for name in ("sweep.csv", "pareto.png"):
        check_own_file(out_dir, name, "sweep")
    table.to_csv(out_dir / "sweep.csv", index=False)
    pareto_figure(table, out_dir / "pareto.png", scenario.name)
    mark_dir(out_dir, "sweep")
    return table


# --- plot ----------------------------------------------------------------------------------------


def pareto_front(x: np.ndarray, y: np.ndarray, maximise_y: bool) -> np.ndarray:
    """Indices of the points not dominated in (lower x, higher/lower y), ordered by x."""
    order = np.lexsort((-y if maximise_y else y, x))
    front: list[int] = []
    best = -np.inf if maximise_y else np.inf
    for i in order:
        if (y[i] > best) if maximise_y else (y[i] < best):
            front.append(int(i))
            best = y[i]
    return np.asarray(front, dtype=int)


def pareto_figure(table: pd.DataFrame, path: Path, title: str) -> None:
    """Two panels: compute vs total cost, and total cost vs CO2; non-dominated points joined."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    ok = table.loc[table["compute_pflops"].notna() & table["total_cost_usd"].notna()]
    cost_bn = ok["total_cost_usd"].to_numpy(dtype=float) / 1e9
    compute = ok["compute_pflops"].to_numpy(dtype=float)
    co2_mt = ok["co2_t_per_year"].to_numpy(dtype=float) / 1e6
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    panels = (
        (left, cost_bn, compute, True, "total cost (capex + energy PV), $bn", "compute, PFLOPS (dense)"),
        (right, co2_mt, cost_bn, False, "CO2 emissions, Mt per year", "total cost (capex + energy PV), $bn"),
    )
    for ax, x, y, maximise, xlabel, ylabel in panels:
        ax.scatter(x, y, s=24, color="tab:blue", label="sweep point")
        if len(x):
            front = pareto_front(x, y, maximise)
            ax.plot(x[front], y[front], color="tab:orange", lw=1.2, label="non-dominated")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    n_failed = int((table["status"] == "failed").sum())
    fig.suptitle(f"{title}: {len(ok)} solved point(s)" + (f", {n_failed} failed" if n_failed else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
