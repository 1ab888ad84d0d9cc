"""The run queue: one ``siting run`` at a time, in a subprocess, with live solver progress and cancel.

Each job is ``python -m model.cli run <scenario> --out <served folder>/<name>``, started in its own
process group so that cancelling sends SIGINT to the CLI and everything it started, exactly as
Ctrl-C would: HiGHS stops and keeps its incumbent (the run folder then says ``interrupted``) or
nothing is written, and the CLI removes its ``.partial`` folder. Output paths are checked by the CLI
itself (``model.results.outputs``) when the job starts, and by the app when it is submitted.

Submissions from several browser tabs go through one lock: a job whose output folder is already
queued or running is refused, so two runs never write the same folder, and the single worker thread
starts the next job only after the previous process has exited.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Literal

from model.core.errors import SitingError
from model.results.outputs import partial_path

State = Literal["queued", "running", "cancelling", "done", "no solution", "failed", "cancelled"]
ACTIVE: tuple[State, ...] = ("queued", "running", "cancelling")
# Exit codes of the CLI (model/cli.py): 0 solved, 1 no solution, 2 bad input, 130 interrupted, 3 a bug.
EXIT_STATES: dict[int, State] = {0: "done", 1: "no solution", 2: "failed", 130: "cancelled", 3: "failed"}
LOG_TAIL_BYTES = 64 << 10
OUTPUT_TAIL_BYTES = 16 << 10
# After SIGINT the CLI writes the incumbent and exits; give it this long before SIGTERM, then SIGKILL.
CANCEL_GRACE_S = 120.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
# One row of HiGHS' branch-and-bound table: an optional source letter, then nodes, queue, leaves,
# explored %, best bound, best solution, gap, cuts, in-LP, conflicts, LP iterations and time.
_ROW = re.compile(
    r"^\s*(?P<src>[A-Za-z])?\s+(?P<nodes>\d+)\s+(?P<queue>\d+)\s+(?P<leaves>\d+)\s+(?P<explored>[\d.]+%)\s+"
    r"(?P<bound>\S+)\s+(?P<incumbent>\S+)\s+(?P<gap>\S+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(?P<time>[\d.]+)s\s*$"
)


def _float(text: str) -> float | None:
    try:
        x = float(text.rstrip("%"))
    except ValueError:
        return None
    return x if x == x and abs(x) != float("inf") else None


@dataclass(frozen=True)
class SolverProgress:
    """The latest row of HiGHS' log: what the progress line of ``siting run`` shows."""

    phase: str  # "preparing" (loading, building), "solving", "writing outputs"
    incumbent: float | None = None
    dual_bound: float | None = None
    mip_gap: float | None = None  # a share (0.0123), not a percentage
    nodes: int | None = None
    solver_s: float | None = None


def read_progress(log: Path) -> SolverProgress:
    """Parse the end of a HiGHS log (``<out>.partial/solver.log``) into the latest progress."""
    try:
        with log.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - LOG_TAIL_BYTES))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return SolverProgress("preparing")
    phase = "writing outputs" if "Solving report" in text else "solving"
    for line in reversed(text.splitlines()):
        row = _ROW.match(line)
        if row:
            gap = _float(row["gap"])
            return SolverProgress(
                phase, _float(row["incumbent"]), _float(row["bound"]), None if gap is None else gap / 100,
                int(row["nodes"]), _float(row["time"]),
            )
    return SolverProgress(phase)


def tail_text(path: Path, limit: int = OUTPUT_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a text file, terminal escapes and other control characters removed."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - limit))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    text = _ANSI.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


@dataclass
class Job:
    id: int
    name: str  # the scenario's name = the run folder's name
    scenario: Path  # the scenario file, below the served folder
    out_dir: Path
    objective_unit: str = ""  # "PFLOPS" or "USD": how progress figures read
    state: State = "queued"
    submitted: datetime = field(default_factory=datetime.now)
    started: datetime | None = None
    ended: datetime | None = None
    returncode: int | None = None
    output: str = ""  # the CLI's printout (its summary table, or its one-line error)
    started_ns: int | None = None  # monotonic clock, to order jobs
    ended_ns: int | None = None
    pid: int | None = None
    _cancel: bool = False

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def log(self) -> Path:
        return partial_path(self.out_dir) / "solver.log"

    def progress(self) -> SolverProgress:
        if self.state in ("running", "cancelling"):
            if partial_path(self.out_dir).is_dir():
                return read_progress(self.log)
            final = self.out_dir / "solver.log"
            if self.started is not None and final.is_file() and final.stat().st_mtime >= self.started.timestamp():
                return replace(read_progress(final), phase="finishing")  # moved into place; the CLI is printing
            return SolverProgress("preparing")
        final = self.out_dir / "solver.log"
        if self.state in ("done", "no solution", "cancelled") and final.is_file():
            return read_progress(final)
        return SolverProgress(self.state)


def cli_command(scenario: Path, out_dir: Path) -> list[str]:
    return [sys.executable, "-m", "model.cli", "run", str(scenario), "--out", str(out_dir)]


def _child_env() -> dict[str, str]:
    """This interpreter's environment, with the folder this ``model`` package came from first on the path
    (the subprocess runs the same code as the app, installed or not) and a plain, wide, colourless console."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "140", "PYTHONUNBUFFERED": "1"})
    return env


class RunQueue:
    """Jobs in submission order and one worker thread that runs them one at a time."""

    def __init__(self, command: Callable[[Path, Path], list[str]] = cli_command) -> None:
        self._command = command
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stop = False
        self._thread: threading.Thread | None = None
        self._next_id = 1

    # --- submitting (any thread) -----------------------------------------------------------------

    @property
    def lock(self) -> threading.Lock:
        """Held while a submission checks and writes: two tabs never interleave."""
        return self._lock

    def active_for(self, out_dir: Path) -> Job | None:
        """The queued or running job writing ``out_dir``, if any (call with the lock held)."""
        target = out_dir.resolve()
        return next((j for j in self._jobs.values() if j.active and j.out_dir.resolve() == target), None)

    def add_locked(self, name: str, scenario: Path, out_dir: Path, objective_unit: str = "") -> Job:
        """Queue a job (call with the lock held, after the checks); refused if its folder is busy."""
        busy = self.active_for(out_dir)
        if busy is not None:
            raise SitingError(f"name: a run named '{name}' is already {busy.state} (job {busy.id}); wait for it or choose another name")
        job = Job(self._next_id, name, scenario, out_dir, objective_unit)
        self._next_id += 1
        self._jobs[job.id] = job
        self._wake.notify_all()
        return job

    def jobs(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: int) -> Job | None:
        """Drop a queued job; send SIGINT to a running one's process group (the CLI cleans up)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return job
            if job.state == "queued":
                job.state, job.ended = "cancelled", datetime.now()
                return job
            job._cancel = True
            job.state = "cancelling"
            if job.pid is not None:
                _signal_group(job.pid, signal.SIGINT)
            return job

    # --- the worker ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="siting-run-queue", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = CANCEL_GRACE_S) -> None:
        """Cancel what runs, drop what waits, and wait for the worker (the app is shutting down)."""
        with self._lock:
            self._stop = True
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state, job.ended = "cancelled", datetime.now()
            running = [j.id for j in self._jobs.values() if j.state == "running"]
            self._wake.notify_all()
        for job_id in running:
            self.cancel(job_id)
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _next(self) -> Job | None:
        with self._lock:
            while not self._stop:
                queued = [j for j in self._jobs.values() if j.state == "queued"]
                if queued:
                    job = min(queued, key=lambda j: j.id)
                    job.state, job.started, job.started_ns = "running", datetime.now(), time.monotonic_ns()
                    return job
                self._wake.wait()
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            self._run(job)

    def _run(self, job: Job) -> None:
        with tempfile.TemporaryFile() as out:
            try:
                proc = subprocess.Popen(
                    self._command(job.scenario, job.out_dir), stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, cwd=job.scenario.parent, env=_child_env(), start_new_session=True,
                )
            except OSError as err:
                self._finish(job, None, f"could not start the run: {err}")
                return
            with self._lock:
                job.pid = proc.pid
                cancel_now = job._cancel
            if cancel_now:  # cancelled between the worker taking it and the process starting
                _signal_group(proc.pid, signal.SIGINT)
            returncode = _wait(proc, job)
            out.seek(0, os.SEEK_END)
            out.seek(max(0, out.tell() - OUTPUT_TAIL_BYTES))
            text = _ANSI.sub("", out.read().decode("utf-8", errors="replace"))
            self._finish(job, returncode, "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()))

    def _finish(self, job: Job, returncode: int | None, output: str) -> None:
        with self._lock:
            job.returncode, job.output = returncode, output
            job.ended, job.ended_ns = datetime.now(), time.monotonic_ns()
            if returncode is None:
                job.state = "failed"
            elif job._cancel and returncode != 0:
                job.state = "cancelled"
            else:
                job.state = EXIT_STATES.get(returncode, "failed")
            job.pid = None


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the job's own process group (start_new_session): the CLI and its children
    except (ProcessLookupError, PermissionError):
        pass


def _wait(proc: subprocess.Popen[bytes], job: Job) -> int:
    """Wait for the run; after a cancel, escalate to SIGTERM and SIGKILL if the CLI does not stop."""
    cancelled_at: float | None = None
    while True:
        try:
            return proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        if job._cancel:
            cancelled_at = cancelled_at or time.monotonic()
            waited = time.monotonic() - cancelled_at
            if waited > 2 * CANCEL_GRACE_S:
                _signal_group(proc.pid, signal.SIGKILL)
            elif waited > CANCEL_GRACE_S:
                _signal_group(proc.pid, signal.SIGTERM)
