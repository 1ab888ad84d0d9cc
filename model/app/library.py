"""The served folder as the app sees it: scenario files, finished run folders and their figures.

Run folders are recognised the way ``model.results.outputs`` recognises them (its marker, kind 'run');
only their files are read, and only the files the marker lists are served. ``summary.json`` may grow
new keys at any time: the headline figures are picked by name and every other key is rendered
generically (numbers by the unit their name carries).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Literal

from model.config import load_scenario, resolve_raw
from model.core.errors import SitingError
from model.results.outputs import MARKER, previous_files
from model.app.safety import SCENARIO_DIR, relative_name

# How deep below the served folder scenario files and run folders are looked for (compare and sweep
# folders hold their run folders one level down), and how many of each are listed at most.
MAX_DEPTH = 4
MAX_LISTED = 2000
MAX_SUMMARY_BYTES = 20 << 20
MAX_SITES_ROWS = 500

# The figures an investor or analyst compares first, in this order (summary.json keys).
HEADLINE = [
    "status", "objective", "compute_pflops", "capex_usd", "total_cost_usd", "it_mw", "facility_mw",
    "sites_built", "co2_t_per_year", "water_m3_per_year", "mip_gap",
]
LABELS = {
    "status": "status", "objective": "objective", "compute_pflops": "compute (PFLOPS)", "capex_usd": "capex",
    "total_cost_usd": "total cost (capex + energy PV)", "it_mw": "IT load", "facility_mw": "facility load",
    "sites_built": "sites built", "co2_t_per_year": "CO2", "water_m3_per_year": "water", "mip_gap": "MIP gap",
}
SITE_COLUMNS = [
    "county_name", "state", "zone", "gpus", "compute_pflops", "it_mw", "facility_mw", "capex_usd",
    "price_usd_per_mwh", "co2_t_per_year", "time_to_power_years", "first_year",
]
IMAGES = ["map.png", "timeline.png", "gantt.png", "tornado.png", "compare.png", "pareto.png"]
# What `siting run` writes: a run folder ('pathway' folders were written by earlier versions for [pathway] scenarios).
RunKind = Literal["run", "pathway"]
RUN_KINDS: tuple[RunKind, ...] = ("run", "pathway")
_YEAR = re.compile(r"^(19|20|21)\d\d$")


@dataclass
class ScenarioFile:
    rel: str
    name: str | None
    description: str
    error: str | None  # the loader's one-line message when the file is not a runnable scenario
    made_by_app: bool


@dataclass
class RunFolder:
    rel: str
    path: Path
    kind: RunKind
    summary: dict[str, Any]
    files: list[str]
    modified: datetime
    error: str | None = None  # summary.json unreadable
    images: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario") or self.path.name)

    @property
    def status(self) -> str:
        return str(self.summary.get("status", "unknown"))


def _walk(root: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    """Directories below ``root`` to MAX_DEPTH, hidden ones, .partial ones and symbolic links skipped.
    A caller that empties the yielded ``dirs`` list stops the walk from entering that folder."""
    base_depth = len(root.parts)
    for visited, (current, dirs, files) in enumerate(os.walk(root)):  # followlinks=False: links not entered
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.endswith(".partial") and not (here / d).is_symlink())
        if len(here.parts) - base_depth >= MAX_DEPTH:
            dirs[:] = []
        if visited > 20 * MAX_LISTED:
            return
        yield here, dirs, sorted(files)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def list_scenarios(root: Path) -> list[ScenarioFile]:
    """Every ``*.toml`` below the served folder that is not inside a run folder, checked by the CLI's loader."""
    found: list[ScenarioFile] = []
    for here, dirs, files in _walk(root):
        if (here / MARKER).is_file() and here.name != SCENARIO_DIR:
            dirs[:] = []  # an output folder: its files are outputs, not scenarios
            continue
        for name in files:
            path = here / name
            if not name.endswith(".toml") or name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            rel = relative_name(root, path)
            try:
                sc = load_scenario(path)
                found.append(ScenarioFile(rel, sc.name, sc.description, None, rel.startswith(f"{SCENARIO_DIR}/")))
            except SitingError as err:  # named relative to the served folder, as the list shows it
                message = _one_line(str(err).replace(f"{root.resolve()}{os.sep}", ""))
                found.append(ScenarioFile(rel, None, "", message, rel.startswith(f"{SCENARIO_DIR}/")))
            if len(found) >= MAX_LISTED:
                return found
    return found


def raw_scenario(path: Path) -> dict[str, Any]:
    """The scenario file's TOML with its ``extends`` chain merged (the CLI's own reader)."""
    raw = resolve_raw(path)
    raw.setdefault("name", path.stem)
    return raw


def read_summary(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_SUMMARY_BYTES:
        raise ValueError(f"summary.json is larger than {MAX_SUMMARY_BYTES >> 20} MB")
    payload = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("summary.json is not a JSON object")
    return payload


def run_files(path: Path) -> tuple[RunKind, set[str]] | None:
    """The kind of a run folder ('run', or an earlier version's 'pathway') and the files the tool wrote
    in it, from its marker (or an earlier version's run files); None for anything else."""
    if not path.is_dir():
        return None
    for kind in RUN_KINDS:
        files = previous_files(path, kind)
        if files is not None:
            return kind, files
    return None


def open_run(root: Path, path: Path) -> RunFolder | None:
    """A run folder below the served folder, or None."""
    found = run_files(path)
    if found is None:
        return None
    kind, files = found
    listed = sorted(f for f in files if (path / f).is_file())
    summary: dict[str, Any] = {}
    error = None
    try:
        summary = read_summary(path / "summary.json")
    except (OSError, ValueError) as err:
        error = f"summary.json: {_one_line(str(err), 120)}"
    stamp = max(((path / f).stat().st_mtime for f in listed), default=path.stat().st_mtime)
    images = [name for name in IMAGES if name in listed]
    return RunFolder(relative_name(root, path), path, kind, summary, listed, datetime.fromtimestamp(stamp), error, images)


def list_runs(root: Path) -> list[RunFolder]:
    """Every run folder below the served folder, newest first."""
    runs = []
    for here, dirs, _files in _walk(root):
        if not (here / MARKER).is_file() and not (here / "summary.json").is_file():
            continue
        run = open_run(root, here)
        if run is not None:
            runs.append(run)
            dirs[:] = []
        if len(runs) >= MAX_LISTED:
            break
    return sorted(runs, key=lambda r: (r.modified, r.rel), reverse=True)


def read_sites(run: RunFolder) -> tuple[list[str], list[dict[str, str]]]:
    """The built sites (sites.csv), the columns worth a glance first, at most MAX_SITES_ROWS rows."""
    if "sites.csv" not in run.files:
        return [], []
    with (run.path / "sites.csv").open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.DictReader(fh)
        columns = [c for c in SITE_COLUMNS if c in (reader.fieldnames or [])]
        rows = [row for _, row in zip(range(MAX_SITES_ROWS), reader)]
    return columns, rows


# --- figures -------------------------------------------------------------------------------------

def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _is_ratio(key: str) -> bool:
    """Figures that are shares (shown in %, and not compared as a relative change)."""
    key = key.lower()
    return key in ("mip_gap", "irr", "gap_share") or key.endswith(("_share", "_rate", "_gap"))


def fmt_cell(text: str, column: str) -> str:
    """A sites.csv cell in the unit its column names; text columns as they are."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    if column in ("gpus", "sites_built") or column.startswith("gpus_"):
        return f"{value:,.0f}"
    return fmt_value(value, column) if math.isfinite(value) else text


def fmt_value(value: Any, key: str = "", unit: str = "") -> str:
    """A summary.json value as text, in the unit its key names (``_usd``, ``_mw``, ``_pflops``, ...)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    x = _number(value)
    if x is None:
        if isinstance(value, (int, float)):
            return str(value)  # nan, inf
        if isinstance(value, (list, dict)):
            return f"{len(value)} entries"
        return str(value)
    key = key.lower()
    if key.endswith("_usd") or unit == "USD":
        for scale, suffix in ((1e9, "bn"), (1e6, "m")):
            if abs(x) >= scale:
                return f"${x / scale:,.2f}{suffix}"
        return f"${x:,.0f}"
    if _is_ratio(key):
        return f"{x:.2%}"
    text = f"{x:,.0f}" if abs(x) >= 1000 or x == int(x) else f"{x:.4g}"
    for suffix, name in (("_pflops", "PFLOPS"), ("_mwh_per_year", "MWh/yr"), ("_mw", "MW"), ("_t_per_year", "t/yr"),
                         ("_m3_per_year", "m³/yr"), ("_years", "years"), ("_usd_per_mwh", "$/MWh")):
        if key.endswith(suffix):
            return f"{text} {name}"
    return f"{text} {unit}".strip()


def flatten(summary: dict[str, Any], max_entries: int = 60) -> dict[str, Any]:
    """Scalar figures of a summary, one level of nested tables spelt 'table.key' (lists left out)."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            if len(value) <= max_entries:
                for sub, inner in value.items():
                    if not isinstance(inner, (dict, list)):
                        out[f"{key}.{sub}"] = inner
        elif not isinstance(value, list):
            out[key] = value
    return out


def by_year_series(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every table of figures keyed by year (``..._by_year``, top level or one level down)."""
    found: dict[str, dict[str, Any]] = {}

    def visit(prefix: str, table: dict[str, Any], depth: int) -> None:
        for key, value in table.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and value and all(_YEAR.match(str(k)) for k in value):
                found[name] = {str(k): v for k, v in value.items() if not isinstance(v, (dict, list))}
            elif isinstance(value, dict) and depth == 0:
                visit(f"{name}.", value, 1)

    visit("", summary, 0)
    return found


_UNIT_WORDS = ("usd", "mw", "mwh", "pflops", "years", "share", "rate", "gap")


def unit_key(key: str) -> str:
    """The name whose ending gives the unit of a flattened or by-year figure: 'investor.npv_usd' ->
    'npv_usd', 'it_mw_online_by_year' -> 'it_mw' (cut after its last unit word)."""
    name = key.rsplit(".", 1)[-1].removesuffix("_by_year")
    words = name.split("_")
    if "per" in words:  # '..._usd_per_mwh', '..._t_per_year': the whole ending is the unit
        return name
    last = max((i for i, w in enumerate(words) if w in _UNIT_WORDS), default=None)
    return "_".join(words[: last + 1]) if last is not None else name


@dataclass
class CompareRow:
    key: str
    label: str
    cells: list[str]
    changes: list[str]  # relative change against the first run ('' where not a number)


def _change(first: Any, value: Any, key: str = "") -> str:
    a, b = _number(first), _number(value)
    if a is None or b is None or a == 0 or _is_ratio(key):
        return ""
    return f"{(b - a) / abs(a):+.1%}"


def compare_rows(runs: list[RunFolder]) -> tuple[list[CompareRow], list[CompareRow], list[CompareRow]]:
    """Three tables across runs: the headline figures, every by-year series (one row per series and
    year), and every other scalar figure any of the summaries holds."""

    def row(key: str, label: str, values: list[Any], unit_of: str) -> CompareRow:
        units = [str(r.summary.get("objective_unit", "")) if key == "objective" else "" for r in runs]
        cells = [fmt_value(v, unit_of, u) for v, u in zip(values, units)]
        changes = [""] + [_change(values[0], v, unit_of) for v in values[1:]]
        return CompareRow(key, label, cells, changes)

    headline = [row(k, LABELS.get(k, k), [r.summary.get(k) for r in runs], k) for k in HEADLINE]
    series: list[CompareRow] = []
    tables = [by_year_series(r.summary) for r in runs]
    for name in sorted({n for t in tables for n in t}):
        years = sorted({y for t in tables for y in t.get(name, {})})
        for year in years:
            values = [t.get(name, {}).get(year) for t in tables]
            series.append(row(f"{name}.{year}", f"{name} {year}", values, unit_key(name)))
    flat = [flatten(r.summary) for r in runs]
    in_series = {n for t in tables for n in t}
    other_keys = sorted(
        {k for f in flat for k in f}
        - set(HEADLINE)
        - {k for k in {k for f in flat for k in f} if k.split(".", 1)[0] in in_series or k in in_series}
    )
    others = [row(k, k, [f.get(k) for f in flat], unit_key(k)) for k in other_keys]
    return headline, series, others
