"""The ``siting`` command line. Errors in the user's input print one line and exit with code 2."""

from __future__ import annotations

import json
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Iterator, Mapping, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model.core.errors import ScenarioError, SitingError, one_line

if TYPE_CHECKING:
    import geopandas as gpd

    from model.config import Scenario
    from model.solve.highs import Progress as SolveProgress

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Site AI data centers in the contiguous US.")
# Outside a terminal (pipes, CI logs) rich would wrap tables at 80 columns; give it room instead.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

EXIT_BAD_INPUT = 2
EXIT_NO_SOLUTION = 1
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3
FORCE_HELP = "Write into an existing directory siting did not make, beside its files (never over them)."

NO_SOLUTION_TEXT = {
    "infeasible": "the scenario is infeasible",
    "infeasible_or_unbounded": "the scenario is infeasible or unbounded",
    "unbounded": "the scenario is unbounded (a cost or compute term has no limit)",
    "time_limit_no_solution": "no feasible solution was found within the time limit (raise --time-limit)",
    "interrupted_no_solution": "interrupted before any feasible solution was found",
    "error": "HiGHS reported an error",
}


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    # SIGTERM takes the same path as Ctrl-C: HiGHS stops and keeps its incumbent, or the
    # half-written temporary run directory is removed.
    raise KeyboardInterrupt


class _State:
    debug = False


def _internal(err: Exception) -> None:
    """A bug, not bad input: one line, the way to get the traceback, and a distinct exit code."""
    if _State.debug:
        raise err
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    err_console.print(
        f"[bold red]internal error:[/] {type(err).__name__}: {escape(one_line(first))} (rerun with --debug for the traceback and report it)",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_INTERNAL)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.", metavar="")] = False,
) -> None:
    _State.debug = debug


def _fail(err: BaseException) -> None:
    if _State.debug:
        raise err
    # one_line: control characters escaped and the length capped, whatever raised it; escape(): messages
    # quote TOML such as "[energy] enabled = true", which rich would eat as markup.
    err_console.print(f"[bold red]error:[/] {escape(one_line(err))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def _contract(interrupted: str = "interrupted: nothing written") -> Iterator[None]:
    """The exit contract every command keeps: bad input 2, interrupted 130, anything else 3 (one line)."""
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    # A CLI started in the background of a script inherits SIGINT ignored; Ctrl-C and the web app's cancel
    # (SIGINT to the run's process group) must still interrupt it.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    except typer.Exit:
        raise
    except SitingError as err:
        _fail(err)
    except ValidationError as err:  # a pydantic model built from command-line values
        from model.config import one_line

        _fail(SitingError(f"command line: {one_line(err)}"))
    except KeyboardInterrupt:
        err_console.print(interrupted, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    except RecursionError:
        _fail(SitingError("input nested too deeply"))
    except Exception as err:  # noqa: BLE001 - a bug: one line, --debug for the traceback
        _internal(err)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


# Piped progress (not a terminal): a plain line per new step, repeats of a step at most this often.
PIPED_PROGRESS_INTERVAL_S = 5.0
# Lines are held back this long after the command starts, and dropped if it fails meanwhile, so that bad
# input still prints its one line and nothing else.
PIPED_HOLD_S = 3.0
TIME_LIMIT_HELP = "Solver time limit per solve, seconds."
THREADS_HELP = "Solver threads."


class _PipedStatus:
    """Progress as plain lines on stderr, for logs and pipes where a live display shows nothing: every new
    step, updates within a step at most every PIPED_PROGRESS_INTERVAL_S, each stamped with the seconds since
    the command started. Lines of the first PIPED_HOLD_S are held and printed with the next line after it
    (or when the command ends well: :meth:`flush`); a command that fails before then prints only its error."""

    def __init__(self, first: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._step = ""
        self._last = -float("inf")
        self._held: list[tuple[str, str]] = []  # (step, line) not printed yet
        self._live = False
        self.update(first)

    def update(self, text: str, step: str | None = None) -> None:
        now = self._clock()
        step = text if step is None else step
        line = f"[{now - self._start:6.1f} s] {text}"
        repeat = step == self._step and now - self._last < PIPED_PROGRESS_INTERVAL_S
        if repeat and (self._live or not self._held):
            return
        if repeat:
            self._held[-1] = (step, line)  # held back anyway: keep the latest of the step
        else:
            self._step, self._last = step, now
            self._held.append((step, line))
        if self._live or now - self._start >= PIPED_HOLD_S:
            self.flush()

    def flush(self) -> None:
        for _, line in self._held:
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
        self._held.clear()
        self._live = True


@contextmanager
def _status(first: str) -> Iterator[Callable[..., None]]:
    """``update(text, step=None)`` for a long command: a live spinner line on a terminal; plain lines when
    stderr is piped (:class:`_PipedStatus`). ``step`` groups updates (e.g. solver progress within "solve")."""
    if err_console.is_terminal:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console,
                      transient=True) as live:
            task = live.add_task(escape(first))
            yield lambda text, step=None: live.update(task, description=escape(text))
    else:
        piped = _PipedStatus(first)
        yield piped.update
        piped.flush()  # not reached when the command fails: held lines are dropped with it


def _with_solver(sc: "Scenario", time_limit: float | None, threads: int | None) -> "Scenario":
    """The scenario with the command line's --time-limit / --threads (None keeps the file's)."""
    return sc.with_solver(time_limit_s=time_limit, threads=threads)


def _fmt_bn(usd: float | None) -> str:
    return "-" if usd is None else f"${usd / 1e9:,.2f}bn"


def _print_summary(summary: Mapping[str, Any], out_dir: Path | None, sites: "gpd.GeoDataFrame | None" = None) -> None:
    multi = summary.get("kind") == "multi_year"
    title = f"{summary['scenario']}: {summary['status']}"
    if multi:
        title = f"{summary['scenario']}: {summary.get('first_year', '')}-{summary.get('last_year', '')} {summary['status']}"
    table = Table(title=title, show_header=False)
    if multi:
        objective = summary["objective"]
        table.add_row("objective", "-" if objective is None else f"{summary['objective_sense']} = {objective:,.6g} {summary['objective_unit']}")
    elif summary["objective_unit"] == "USD":  # least cost: the objective is the total cost; max compute: it is the compute row
        table.add_row("objective", f"least cost {_fmt_bn(summary['objective'])} (capex + energy PV)")
    table.add_row("MIP gap", f"{summary['mip_gap']:.4%}" if summary["mip_gap"] is not None else "-")
    if summary["compute_pflops"] is not None:
        table.add_row("compute", f"{summary['compute_pflops']:,.0f} PFLOPS ({summary['precision']} dense)")
        table.add_row("GPUs", ", ".join(f"{g} {n:,}" for g, n in summary["gpus_by_type"].items() if n) or "0")
        table.add_row("capex", _fmt_bn(summary["capex_usd"]))
        table.add_row("energy opex (PV)", _fmt_bn(summary["energy_opex_pv_usd"]))
        # The report's figures (one definition each): what the budget counts, all-in $ per PFLOPS.
        from model.results.figures import Figures

        figures = Figures.from_summary(summary)
        if figures.usd_per_pflops is not None:
            table.add_row("$ per PFLOPS", f"{figures.usd_per_pflops:,.0f} all-in (total cost per PFLOPS)")
        if figures.budget_usd is not None:
            table.add_row("budget", f"{figures.budget_counts} {_fmt_bn(figures.budget_spend_usd)} of {_fmt_bn(figures.budget_usd)}")
        table.add_row("IT / facility MW", f"{summary['it_mw']:,.0f} / {summary['facility_mw']:,.0f}")
        table.add_row("sites built", f"{summary['sites_built']} of {summary['candidates']} candidates")
        table.add_row("CO2", f"{summary['co2_t_per_year'] / 1e6:,.2f} Mt/yr")
    inv = summary.get("investor")
    if multi and inv:
        irr = "-" if inv["irr"] is None else f"{inv['irr']:.1%}"
        table.add_row("NPV / IRR", f"{_fmt_bn(summary['npv_usd'])} / {irr} (payback {inv['payback_year'] or '-'})")
        table.add_row("NPV without horizon value", _fmt_bn(summary["npv_excl_horizon_value_usd"]))
        table.add_row("capital drawn", f"equity {_fmt_bn(inv['equity_drawn_usd'])}, debt {_fmt_bn(inv['debt_drawn_usd'])} "
                      f"(peak {_fmt_bn(inv['peak_capital_drawn_usd'])}; capex over the years is also paid from revenue)")
        table.add_row("IT MW online", ", ".join(f"{y} {mw:,.0f}" for y, mw in summary["it_mw_online_by_year"].items()))
    cert = summary.get("candidate_certificate")
    if cert:  # screened runs: multi-year, or one period over very many candidates
        table.add_row("candidates", f"{cert['screened']:,} of {cert['candidates']:,} in the model after {cert['rounds']} round(s); "
                      + ("certified: no left-out candidate could add more than the scenario's gap" if cert["certified"]
                         else f"not certified: {cert.get('largest_excluded_name') or cert['largest_excluded_site']} "
                         f"(left out) could add up to {_fmt_bn(cert['largest_excluded_bound_usd'])}, "
                         f"more than the gap's {_fmt_bn(cert.get('tolerance') or 0.0)}"))
    cleanup = _cleanup_text(summary.get("cleanup"))
    if cleanup:
        table.add_row("cleanup", cleanup)
    s = summary["seconds"]
    table.add_row("seconds", ", ".join(f"{k} {v:.1f}" for k, v in s.items()))
    size = summary["model_size"]
    if size:
        table.add_row("model", f"{size['rows']:,} rows, {size['columns']:,} columns, {size['nonzeros']:,} nonzeros")
    if out_dir is not None:
        table.add_row("written to", str(out_dir))
    console.print(table)
    if sites is not None and len(sites):
        _print_sites(sites)
    ups = summary.get("runner_ups") or []
    if summary.get("near_tie") and multi:
        best = ups[0]
        where = f"{escape(str(best['county_name']))}, {best['state']} (not built)"
        from model.results.figures import near_tie_scores

        scores = near_tie_scores(best)
        if scores is not None:
            # Absolute scores: the worst built campus' may be negative, where a percentage reads as nonsense.
            score, worst = scores
            unit = (summary.get("candidate_certificate") or {}).get("score_unit") or "value per $ of capex"
            text = (f"{where} scores {score:.3f} {unit} as a single campus alone, the worst built campus "
                    f"{worst:.3f}: " + ("what one campus alone leaves out (shared zone supply, the money "
                    "over the years) decides between them" if worst < score else "within the run's gap of it"))
        else:
            text = (f"{where} scores " + (f"{-best['gap_share']:.2%} above" if best["gap_share"] < 0
                                          else f"within {best['gap_share']:.2%} of")
                    + " the worst built campus by the objective's value per dollar over the horizon (a single campus alone)")
        err_console.print(
            f"[bold yellow]near tie:[/] {text} (run gap {summary['mip_gap'] or 0:.2%}); "
            "other sites may serve as well: see rank.csv / report.html",
            highlight=False, soft_wrap=True,
        )
    elif summary.get("near_tie"):
        best = ups[0]
        err_console.print(
            f"[bold yellow]near tie:[/] {escape(str(best['county_name']))}, {best['state']} (not built) is within "
            f"{best['gap_share']:+.2%} of the optimum's marginal $ per PFLOPS (the budget's dual; run gap "
            f"{summary['mip_gap'] or 0:.2%}); "
            "other sites may serve as well: see rank.csv / report.html",
            highlight=False, soft_wrap=True,
        )


def _fragment_text(f: dict) -> str:
    year = f" ({f['year']})" if "year" in f else ""
    where = f.get("name") or f["where"]
    if f["kind"] == "gpu":
        return f"{f['what']} x{f['amount']:,.0f} blocks at {where}{year}"
    if f["kind"] == "plant":
        return f"{f['what']} {f['amount']:,.2f} MW in {where}{year}"
    return f"campus {where} ({f['amount']:,.0f} MW){year}"


def _cleanup_text(c: dict | None) -> str:
    """The second-stage cleanup in one line (model/workflows/cleanup.py): what went and what it cost."""
    if not c or c.get("status") in ("nothing_to_clean", "no_solution"):
        near = (c or {}).get("sites_near_gap") or []
        return f"campuses within the gap, kept: {', '.join(r.get('name') or r['site_id'] for r in near)}" if near else ""
    if c["status"] == "cleaned":
        shown = [_fragment_text(f) for f in c["removed"][:4]]
        more = f" and {len(c['removed']) - 4} more" if len(c["removed"]) > 4 else ""
        cost = c["relative_cost"]
        effect = (f"costs {cost:.4%} of the objective (within the {c['mip_gap_allowed']:.2%} gap)" if cost > 0
                  else f"no cost: the re-solve improved the objective by {-cost:.4%}")
        return f"removed {'; '.join(shown)}{more}; {effect}"
    left = c.get("fragments_left") or []
    if c["status"] == "skipped_interrupted":
        return f"skipped (interrupted); {len(left)} fragment(s) left, see summary.json"
    costs = [a["relative_cost"] for a in c.get("attempts", []) if a.get("relative_cost") is not None]
    why = f"removing them costs {min(costs):.4%}, more than the {c['mip_gap_allowed']:.2%} gap" if costs else "the re-solve found no plan"
    return f"kept {len(left)} fragment(s) ({'; '.join(_fragment_text(f) for f in left[:3])}): {why}"


def _print_sites(sites: "gpd.GeoDataFrame") -> None:
    view = Table(title="sites built")
    for col in ("county", "state", "GPUs", "facility MW", "capex $bn"):
        view.add_column(col, justify="left" if col in ("county", "state") else "right")
    gpu_cols = [c for c in sites.columns if c.startswith("gpus_")]
    for _, row in sites.sort_values("facility_mw", ascending=False).iterrows():
        gpus = ", ".join(f"{c.removeprefix('gpus_')} {int(row[c]):,}" for c in gpu_cols if row[c] > 0) or "0"
        view.add_row(str(row["county_name"]), str(row["state"]), gpus, f"{row['facility_mw']:,.0f}", f"{row['capex_usd'] / 1e9:,.2f}")
    console.print(view)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, e.g. runs/us-default.toml")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: <name>/ beside the scenario file, <name> = its name field]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Solver time limit, seconds.")] = None,
    gap: Annotated[Optional[float], typer.Option("--gap", help="Relative MIP gap, e.g. 0.01.")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help="Solver threads.")] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
    tornado: Annotated[bool, typer.Option("--tornado", help="Multi-year scenarios: also write tornado.csv / tornado.png "
                                                             "(NPV re-solved at each lever's range; as pathway.tornado = true).")] = False,
) -> None:
    """Solve a scenario and write its run directory: sites, summary, ranking, maps and report.html."""
    from model.config import load_scenario
    from model.core.errors import ScenarioError
    from model.results.outputs import check_output_dir, partial_path
    from model.solve.highs import Progress as SolveProgress
    from model.workflows.engine import run_scenario

    with _contract():
        sc = load_scenario(scenario).with_solver(time_limit_s=time_limit, mip_gap=gap, threads=threads)
        if tornado:
            if sc.pathway is None:
                raise ScenarioError(f"{scenario}: --tornado: only for multi-year scenarios (a [pathway] table)")
            origin = sc.origin
            sc = sc.model_copy(update={"pathway": sc.pathway.model_copy(update={"tornado": True})})
            sc._origin = origin
        out_dir = out if out is not None else scenario.parent / sc.name
        check_output_dir(out_dir, "run", force)  # before any solve
    labels = {
        "load": "loading data",
        "screen": "valuing every candidate over the horizon and screening (certified after the solve)",
        "build": "building model",
        "seed": "finding a starting point (a quick annual solve, then the GPU blocks at its sites)",
        "solve": "solving with HiGHS",
        "cleanup": "removing fragments (stray GPU types, sub-MW plants) and re-solving within the gap",
        "diagnose": "infeasible: solving the elastic model to find which rules bind",
        "explain": "ranking every candidate and reading the marginal value of each rule",
        "write": "writing outputs",
        "tornado": "NPV sensitivity: re-solving the model at each lever's low and high end (tornado.csv)",
    }
    with _contract(f"interrupted: nothing written to {out_dir}"):
        with _status("starting") as update:

            def on_step(step: str) -> None:
                text = labels.get(step, step)  # the tornado names its own steps
                if step == "solve":
                    text += f" (log: {partial_path(out_dir) / 'solver.log'})"
                update(text, step=step)

            def on_solve(p: SolveProgress) -> None:
                if p.event != "done":
                    update(f"solving with HiGHS: {p.describe()}", step="solve")

            outcome = run_scenario(sc, out_dir, force=force, on_step=on_step, progress=on_solve)
    summary = outcome.summary
    _print_summary(summary, outcome.out_dir, outcome.sites)
    status = summary["status"]
    if status == "interrupted":
        err_console.print(f"interrupted: the incumbent (gap {summary['mip_gap']:.2%}) is written to {out_dir}")
        raise typer.Exit(EXIT_INTERRUPTED)
    if status not in ("optimal", "time_limit"):
        # str(): the f-string printed a missing status as "None" too.
        err_console.print(f"[bold red]no solution:[/] {NO_SOLUTION_TEXT.get(str(status), str(status))}; see {out_dir / 'solver.log'}")
        if diagnosis := summary.get("diagnosis"):
            err_console.print(f"[bold]to make it feasible:[/] {diagnosis['message']}")
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="BASE.toml followed by the scenarios to compare with it.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: compare-<base>/ beside BASE]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help=THREADS_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
) -> None:
    """Solve a base and other scenarios; write compare.csv/json, maps and report.html with the cost and marginal value of each rule."""
    from model.config import load_scenario
    from model.results.outputs import check_output_dir
    from model.workflows.compare import RESERVED_NAMES, compare_table, solve_all, write_compare

    if len(scenarios) < 2:
        _fail(SitingError("compare needs a base scenario and at least one other"))
    with _contract():
        loaded = [_with_solver(load_scenario(p), time_limit, threads) for p in scenarios]
        names = [sc.name for sc in loaded]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SitingError(f"scenario name '{dup[0]}' appears twice; names label the rows and folders")
        clash = sorted(set(names) & RESERVED_NAMES)
        if clash:
            raise SitingError(f"{scenarios[names.index(clash[0])]}: name: '{clash[0]}' is a file compare writes; rename the scenario")
        out_dir = out if out is not None else scenarios[0].parent / f"compare-{loaded[0].name}"
        check_output_dir(out_dir, "compare", force)  # before any solve
        order = {sc.name: i for i, sc in enumerate(loaded, start=1)}
        with _status(f"solving {len(loaded)} scenarios") as update:
            entries = solve_all(loaded, on_step=lambda name: update(f"solving {name} ({order[name]} of {len(loaded)})"))
        table = compare_table(entries)
        write_compare(out_dir, entries, table, force=force)
    view = Table(title=f"compare against {loaded[0].name}")
    for col in ("scenario", "status", "PFLOPS", "Δ PFLOPS", "cost $bn", "Δ cost $bn", "budget to match $bn", "rule's cost $bn",
                "MW", "sites", "MtCO2/yr"):
        view.add_column(col, justify="right" if col != "scenario" else "left")
    for row in table.itertuples():
        def fmt(x: Any, scale: float = 1.0, digits: int = 0) -> str:  # a table cell
            return "-" if x is None or x != x else f"{float(x) / scale:,.{digits}f}"

        view.add_row(
            row.scenario, row.status, fmt(row.compute_pflops), fmt(row.compute_change_pflops),
            fmt(row.cost_usd, 1e9, 2), fmt(row.cost_change_usd, 1e9, 2), fmt(row.budget_to_match_base_usd, 1e9, 2),
            fmt(row.policy_cost_usd, 1e9, 3), fmt(row.facility_mw),
            fmt(row.sites_built), fmt(row.co2_t_per_year, 1e6, 2),
        )
    console.print(view)
    for row in table.itertuples():
        if row.Index > 0 and row.policy_cost_usd != row.policy_cost_usd or row.policy_cost_usd is None:  # NaN: say why
            console.print(f"[bold]{row.scenario}[/] rule's cost in $: {row.policy_cost_basis}")
        if row.marginal_values:
            console.print(f"[bold]{row.scenario}[/]: {row.marginal_values}")
    console.print(f"written to {out_dir}")


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    param: Annotated[
        list[str],
        typer.Option("--param", help="NAME=start:stop:count or NAME=v1,v2 (repeatable), e.g. budget_usd=50e9:200e9:4"),
    ],
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address [default: a local cluster]")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local Dask worker processes.")] = 2,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: <name>-sweep/ beside the file]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help=THREADS_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
) -> None:
    """Solve a grid of scenario variants on Dask; one run directory per point, sweep.csv and pareto.png."""
    from model.config import load_scenario
    from model.results.outputs import (
        check_output_dir,
        created_folders_removed_on_failure,
        mark_dir,
        remove_partials_after_interrupt,
    )
    from model.workflows.sweep import parse_param, run_sweep

    with _contract():
        sc = _with_solver(load_scenario(scenario), time_limit, threads)
        params = [parse_param(p) for p in param]
        out_dir = out if out is not None else scenario.parent / f"{sc.name}-sweep"
        check_output_dir(out_dir, "sweep", force)  # before any solve
    with _contract(f"interrupted: finished points are in {out_dir}"):
        # A refusal after the folder was opened (an unreachable --scheduler, a point folder siting did
        # not write) leaves no empty sweep folder behind.
        with created_folders_removed_on_failure(out_dir):
            try:
                if err_console.is_terminal:  # the sweep's own progress bar
                    table = run_sweep(sc, params, out_dir, scheduler=scheduler, workers=workers, force=force)
                else:
                    with _status(f"sweep {sc.name}: starting the Dask workers") as update:
                        table = run_sweep(sc, params, out_dir, scheduler=scheduler, workers=workers, force=force, progress=False,
                                          on_points=lambda done, total: update(f"sweep {sc.name}: {done} of {total} points solved", step="points"))
            except KeyboardInterrupt:
                # The points' .partial folders belong to the Dask worker processes, which stop
                # without cleaning up: remove them once those processes have ended.
                remove_partials_after_interrupt(out_dir)
                if out_dir.is_dir():
                    mark_dir(out_dir, "sweep")  # the finished points are this sweep's: a rerun may replace them
                raise
    names = [name for name, _ in params]

    def num(x: Any, scale: float = 1.0, digits: int = 0) -> str:  # a table cell
        return "-" if x is None or x != x else f"{float(x) / scale:,.{digits}f}"

    view = Table(title=f"sweep {sc.name}: {len(table)} points")
    for col in ("point", *names, "status", "PFLOPS", "total cost $bn", "MtCO2/yr"):
        view.add_column(col)
    for row in table.to_dict("records"):
        view.add_row(
            str(row["point"]), *(f"{row[n]:g}" for n in names), row["status"],
            num(row["compute_pflops"]), num(row["total_cost_usd"], 1e9, 2), num(row["co2_t_per_year"], 1e6, 2),
        )
    console.print(view)
    console.print(f"written to {out_dir} (sweep.csv, pareto.png)")
    if (table["status"] == "failed").all():
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def cflp(
    sites: Annotated[Path, typer.Option("--sites", help="CSV: site,capacity,fixed_cost")],
    demand: Annotated[Path, typer.Option("--demand", help="CSV: customer,demand")],
    costs: Annotated[Path, typer.Option("--costs", help="CSV: site,customer,cost_per_unit (a missing pair is not allowed)")],
    out: Annotated[Optional[str], typer.Option("--out", help="Result JSON [default: cflp.json beside --sites]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Solver time limit, seconds.")] = None,
) -> None:
    """Capacitated facility location from three CSV files: minimise fixed + serving cost."""
    from model.cflp import cflp_json, read_cflp_csvs
    from model.config import MAX_TIME_LIMIT_S, SolverConfig
    from model.results.outputs import check_output_file, out_file_arg, output_file

    with _contract():
        target = out_file_arg(out, sites.parent / "cflp.json")
        check_output_file(target)
        if time_limit is not None and not 0 < time_limit <= MAX_TIME_LIMIT_S:
            raise SitingError(f"--time-limit: must be > 0 and at most {MAX_TIME_LIMIT_S:g} seconds, got {time_limit}")
        problem = read_cflp_csvs(sites, demand, costs)
        # Exact by default: CSV instances are small, and a 1 % gap would hide the optimum.
        options = SolverConfig(mip_gap=0.0) if time_limit is None else SolverConfig(mip_gap=0.0, time_limit_s=time_limit)
        result = problem.solve(options)
        payload = {"written_by": "dc-siting cflp"} | cflp_json(result)
        with output_file(target) as tmp:  # atomic: a reader never sees half a file
            tmp.write_text(json.dumps(payload, indent=2, allow_nan=False))
    table = Table(title=f"CFLP: {result.status}")
    for col in ("site", "customers", "amount", "serving cost"):
        table.add_column(col, justify="right" if col != "site" else "left")
    per_site = (
        result.assignment.groupby("site", sort=False)
        .agg(customers=("customer", "nunique"), amount=("amount", "sum"), cost=("cost", "sum"))
        .reindex(result.open_sites, fill_value=0)
    )
    for site, row in zip(per_site.index, per_site.itertuples(index=False)):
        table.add_row(str(site), f"{int(row.customers):,}", f"{row.amount:,.2f}", f"{row.cost:,.2f}")
    console.print(table)
    if result.objective is not None:
        console.print(
            f"objective {result.objective:,.2f} = fixed {result.fixed_cost:,.2f} + serving {result.serving_cost:,.2f}; "
            f"{len(result.open_sites)} of {len(problem.capacity)} sites open"
        )
    console.print(f"wrote {target}")
    if not result.has_solution:
        err_console.print(f"[bold red]no solution:[/] {result.message or NO_SOLUTION_TEXT.get(result.status, result.status)}")
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def export(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    format: Annotated[str, typer.Option("--format", help="mps or lp")] = "mps",
    out: Annotated[Optional[str], typer.Option("--out", help="Output file [default: <name>.<format>]")] = None,
) -> None:
    """Write the exact model that `run` solves, as MPS or LP, for other solvers or inspection."""
    from model.config import load_scenario
    from model.inputs.load import load_inputs
    from model.results.outputs import check_output_file, out_file_arg, write_marked
    from model.solve.highs import write_model
    from model.workflows.engine import Engine

    with _contract():
        if format not in ("mps", "lp"):
            raise SitingError(f"--format: must be 'mps' or 'lp', got '{format}'")
        target = out_file_arg(out, Path(f"{scenario.stem}.{format}"))
        if target.suffix != f".{format}":
            raise SitingError(f"--out: file name must end in .{format} (HiGHS picks the format from it)")
        check_output_file(target)
        sc = load_scenario(scenario)
        sm, _ = Engine().prepare(load_inputs(sc))  # the model `run` would build, targets checked
        size = write_marked(target, lambda path: write_model(sm.m, path))
    console.print(f"wrote {target} ({size.rows:,} rows, {len(size.columns):,} columns, {size.nonzeros:,} nonzeros)")


@app.command()
def rank(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: <name>-rank/ beside the file]")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="Rows to print.")] = 20,
    no_solve: Annotated[bool, typer.Option("--no-solve", help="Rank without solving (no built sites, no gap).", metavar="")] = False,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help=THREADS_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
) -> None:
    """Rank every candidate by the best single campus it could host ($ per PFLOPS, binding limit); write rank.csv / rank.gpkg."""
    import pandas as pd

    from model.config import load_scenario
    from model.inputs.load import load_inputs
    from model.results.outputs import check_output_dir, output_dir
    from model.results.rank import rank_candidates
    from model.workflows.engine import solve_scenario, write_ranking

    with _contract():
        sc = _with_solver(load_scenario(scenario), time_limit, threads)
        out_dir = out if out is not None else scenario.parent / f"{sc.name}-rank"
        check_output_dir(out_dir, "rank", force)  # before any solve
        inputs = load_inputs(sc, origin=str(scenario))
        ranking = None
        if not no_solve:
            with _status("solving, to mark the built sites and the gap to entering") as update:

                def on_solve(p: "SolveProgress") -> None:
                    if p.event != "done":
                        update(f"solving with HiGHS: {p.describe()}", step="solve")

                outcome = solve_scenario(sc, inputs, progress=on_solve)
            ranking = outcome.ranking
        if ranking is None:  # --no-solve, or no solution
            ranking = rank_candidates(inputs)
        with output_dir(out_dir, "rank", force) as tmp:
            write_ranking(tmp, ranking, gpkg=True)
    view = Table(title=f"{sc.name}: {len(ranking):,} candidates ranked by all-in $ per PFLOPS")
    for col in ("rank", "county", "state", "built", "GPU", "facility MW", "$/PFLOPS", "gap", "limit"):
        view.add_column(col, justify="left" if col in ("county", "state", "GPU", "limit") else "right")
    ordered = ranking.sort_values(["rank", "usd_per_pflops"], na_position="last", kind="stable").head(top)
    for _, row in ordered.iterrows():
        def num(x: Any, fmt: str) -> str:  # a table cell
            return "-" if x is None or x != x or x is pd.NA else format(float(x), fmt)

        view.add_row(
            num(row["rank"], ",.0f"), str(row["county_name"]), str(row["state"]), "yes" if row["built"] else "",
            str(row["gpu"]) if row["gpu"] == row["gpu"] else "-", num(row["facility_mw"], ",.0f"),
            num(row["usd_per_pflops"], ",.0f"), "" if row["built"] else num(row["gap_share"], ".2%"), str(row["binding_limit"]),
        )
    console.print(view)
    console.print(f"written to {out_dir} (rank.csv, rank.gpkg)")


@app.command()
def alternatives(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    slack: Annotated[float, typer.Option("--slack", help="Share of the optimum an alternative may give up, e.g. 0.02.")] = 0.02,
    n: Annotated[int, typer.Option("--n", help="Alternatives to generate.")] = 10,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Dask worker processes (1: in this process).")] = 1,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address [default: local]")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random directions.")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: <name>-alternatives/ beside the file]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help=THREADS_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
) -> None:
    """Near-optimal alternatives within --slack of the optimum: must-have sites, interchangeable ones, MW range by state."""
    from model.config import load_scenario
    from model.results.outputs import check_output_dir
    from model.workflows.alternatives import find_alternatives, write_alternatives

    with _contract():
        sc = _with_solver(load_scenario(scenario), time_limit, threads)
        out_dir = out if out is not None else scenario.parent / f"{sc.name}-alternatives"
        check_output_dir(out_dir, "alternatives", force)  # before any solve
        with _status(f"solving the optimum, then {n} alternatives within {slack:.1%}") as update:
            best, found = find_alternatives(sc, slack=slack, n=n, workers=workers, scheduler=scheduler, seed=seed,
                                            on_step=lambda text: update(text))
        summary = write_alternatives(out_dir, best, found, slack, force=force)
    view = Table(title=f"{sc.name}: {len(found)} plans within {slack:.1%} of the optimum")
    for col in ("plan", "status", "objective", "% of optimum", "sites"):
        view.add_column(col, justify="left" if col in ("plan", "status", "sites") else "right")
    for alt in found:
        share = summary["objective_share_of_optimum"].get(alt.name)
        names = sorted(summary["site_names"].get(s, s) for s, mw in alt.mw_by_site.items() if mw > 1.0)
        view.add_row(alt.name, alt.status, "-" if alt.objective is None else f"{alt.objective:,.0f}",
                     "-" if share is None else f"{share:.2%}", ", ".join(names[:6]) + (" ..." if len(names) > 6 else ""))
    console.print(view)
    label = summary["site_names"]
    console.print(f"must-have sites: {'; '.join(label[s] for s in summary['must_have_sites']) or 'none'}")
    for group in summary["interchangeable_groups"]:
        console.print(f"interchangeable: {'; '.join(label[s] for s in group)}")
    console.print(f"written to {out_dir} (alternatives.csv, alternatives.json, alternatives.png, alternatives.html)")


@app.command()
def robust(
    scenario: Annotated[Path, typer.Argument(help="Base scenario TOML file.")],
    risks: Annotated[Path, typer.Option("--risks", help="Risk file (TOML): weighted scenarios, e.g. runs/risks/policy-risk.toml")],
    objective: Annotated[str, typer.Option("--objective", help="expected or minmax_regret")] = "expected",
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory [default: <name>-robust/ beside the scenario]")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help=THREADS_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP, metavar="")] = False,
) -> None:
    """Two-stage stochastic siting under policy risk: sites chosen once, GPUs and energy per scenario; VSS, EVPI, regret."""
    from model.config import load_scenario
    from model.results.outputs import check_output_dir
    from model.workflows.robust import load_risks, run_robust

    with _contract():
        sc = _with_solver(load_scenario(scenario), time_limit, threads)
        load_risks(risks)  # validated before anything is solved
        out_dir = out if out is not None else scenario.parent / f"{sc.name}-robust"
        check_output_dir(out_dir, "robust", force)
        with _status("solving each scenario, the mean-value plan and the extensive form") as update:
            result = run_robust(sc, risks, out_dir, objective=objective, force=force, on_step=lambda text: update(text))
    view = Table(title=f"{sc.name} under {risks.name}: {objective}")
    view.add_column("figure")
    view.add_column("value", justify="right")
    unit = result.get("objective_unit", "")
    for key, what in (("RP", "stochastic solution, expected"), ("EEV", "mean-value plan, expected"), ("VSS", "value of the stochastic solution"),
                      ("WS", "perfect information, expected"), ("EVPI", "expected value of perfect information")):
        value = result.get(key)
        view.add_row(f"{key} ({what})", "-" if value is None else f"{value:,.1f} {unit}")
    console.print(view)
    console.print(f"written to {out_dir} (robust.json, robust.png, first_stage.csv, sites/)")


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")]) -> None:
    """Check a scenario file and the data it refers to, without solving."""
    from model.config import load_scenario
    from model.inputs.load import load_inputs
    from model.milp.index_sets import active_sites

    with _contract():
        sc = load_scenario(scenario)
        inputs = load_inputs(sc, origin=str(scenario))
        n = len(active_sites(inputs))
    if sc.pathway is not None:
        years = sc.pathway.years
        console.print(f"{scenario}: ok ({years[0]}-{years[-1]}, {sc.pathway.objective}, {n:,} candidate sites, GPUs: {', '.join(sc.gpus.types)})")
        return
    console.print(f"{scenario}: ok ({sc.objective.sense}, {n:,} candidate sites, GPUs: {', '.join(sc.gpus.types)})")


@app.command()
def data() -> None:
    """Every table a run reads, one line each (file, rows, source, licence), and whether ../shared/data was found."""
    from model.inputs.catalog import CatalogRow, data_tables, other_data_files, packaged_files, shared_files, shared_status
    from model.inputs.datasets import DEFAULT_DATA_DIR

    def line(row: CatalogRow) -> None:
        rows = "missing" if row.rows is None else f"{row.rows:,} rows"
        console.print(f"  {row.file:<48} {rows:>12}  {row.source} | licence: {row.licence}", markup=False, highlight=False,
                      soft_wrap=True)

    with _contract():
        status = shared_status()
        where = f"$SITING_DATA_DIR = {status.looked_at}" if status.from_env else str(status.looked_at)
        if status.path is not None:
            console.print(f"../shared/data: found at {status.path}" + (" ($SITING_DATA_DIR)" if status.from_env else ""),
                          markup=False, highlight=False, soft_wrap=True)
        else:
            console.print(f"../shared/data: not found (looked for {where}); runs use data/ alone, maps show no existing "
                          "data centers, and dataset = \"real\" or substation candidates are refused", markup=False,
                          highlight=False, soft_wrap=True)
        tables = data_tables(DEFAULT_DATA_DIR)
        console.print(f"data/ ({DEFAULT_DATA_DIR}): the tables every run of the default dataset reads", markup=False, highlight=False,
                      soft_wrap=True)
        for row in tables:
            if row.read_by == "default":
                line(row)
        console.print("data/: read by [pathway] runs only", markup=False, highlight=False)
        for row in tables:
            if row.read_by != "default":
                line(row)
        console.print("inside PyPI packages (no download at run time)", markup=False, highlight=False)
        for row in packaged_files():
            line(row)
        if status.path is not None:
            console.print(f"../shared/data ({status.path}): read with [data] dataset = \"real\", substation candidates, "
                          "existing_datacenters; the maps' existing data centers always", markup=False, highlight=False, soft_wrap=True)
            for row in shared_files(status.path):
                line(row)
        unread = other_data_files(DEFAULT_DATA_DIR)
        if unread:
            console.print(f"also in data/, read by no run (inputs and checks of data/build/): {', '.join(unread)}", markup=False,
                          highlight=False, soft_wrap=True)


@app.command()
def serve(
    folder: Annotated[Path, typer.Argument(help="Folder of scenario files and run folders to serve.")] = Path("runs"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback unless --allow-remote).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback --host (there is no login).", metavar="")] = False,
) -> None:
    """A local web app: scenario form, run queue with live progress, library of runs, compare (docs/app.md)."""
    with _contract():
        from model.app import prepare_server

        server, warning = prepare_server(folder, host, port, allow_remote)
    if warning:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    console.print(f"serving {escape(str(folder))} at http://{escape(host)}:{port}/ (Ctrl-C stops)", highlight=False, soft_wrap=True)
    server.run()


if __name__ == "__main__":
    sys.exit(app())
