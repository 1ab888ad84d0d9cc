"""Reopen a finished run folder in Python: ``load_run(path)`` and ``RunResult.statistics()``.

A run folder is what ``siting run`` (or compare / sweep, one folder per scenario) writes: its
``.siting-output.json`` marker says so. :func:`load_run` reads the folder's tables once into a frozen
:class:`RunResult`; nothing is re-solved and nothing is written.

``RunResult.statistics()`` is one tidy table of the run's figures, in the spirit of PyPSA's
``n.statistics()``: one row per figure, a ``value`` (float) and its ``unit``; ``groupby="state"`` (or
``"zone"``, ``"county_fips"``, any column of the sites table, or a list of them) gives one row per figure
and group, and ``groupby="year"`` the by-year series of a multi-year run. Every figure is computed from
the loaded tables with one definition (:data:`FIGURES`, :func:`figure_definitions`):

* **Site figures** (sums over the sites table, so they also exist per state, zone or site):
  ``sites_built`` (rows of sites.gpkg), ``gpus`` and ``gpus_<type>``, ``compute_pflops`` (dense PFLOPS
  at the run's precision), ``it_mw``, ``facility_mw`` (IT x PUE), ``land_acres``, ``capex_usd`` and its
  parts ``capex_{site,shell,land,gpu,interconnect,energy}_usd``, ``energy_mwh_per_year``,
  ``energy_cost_usd_per_year`` (the campuses' energy bill in one year), ``energy_opex_pv_usd`` (its
  present value over the cost horizon), ``co2_sites_t_per_year`` (the campuses' grid-energy CO2),
  ``water_m3_per_year``; and the ratio ``capex_usd_per_pflops`` = capex_usd / compute_pflops of the group.
* **Run figures** (the whole run only; from summary.json, generation.csv and zone_imports.csv):
  ``total_cost_usd`` (what the objective or budget counts: capex + energy PV + new generation's cost and
  net energy cost over the horizon), ``usd_per_pflops`` = total_cost_usd / compute_pflops (compare.csv's
  definition), ``co2_t_per_year`` (the total the carbon rules see: the campuses' grid CO2 plus new
  generation's CO2 less the grid CO2 its energy displaces), ``new_generation_mw`` / ``new_generation_firm_mw``
  / ``new_generation_capex_usd`` (sums over generation.csv; also per zone), ``new_generation_cost_pv_usd``,
  ``new_generation_energy_cost_pv_usd``, ``import_wheeling_pv_usd``, ``new_generation_co2_t_per_year``, ``zone_imports_mw`` (sum of
  the firm imports over all interfaces), ``budget_usd``, ``equity_usd``, ``debt_usd``, ``objective``,
  ``mip_gap``, ``dual_bound``, ``candidates``.
* **Any other number summary.json holds** (figures later versions add, e.g. ``npv_usd``, ``irr``,
  ``dscr_min``): a numeric top-level key becomes a row of that name, a table of numbers (e.g. a pathway's
  ``investor``) rows ``<key>.<name>``, and a ``<name>_by_year`` series rows of ``groupby="year"``
  (with timeline.csv's numeric columns per calendar year).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from model.core.errors import SitingError
from model.core.geo import OUTPUT_CRS
from model.results.outputs import MARKER, WRITTEN_BY

# Output kinds that are one run (a scenario's own folder); compare / sweep / alternatives folders hold runs.
RUN_KINDS = ("run", "pathway")
CAPEX_PARTS = ("site", "shell", "land", "gpu", "interconnect", "energy")


class RunFolderError(SitingError):
    """The path is not a run folder this tool wrote (or one of its files cannot be read)."""


@dataclass(frozen=True)
class FigureSpec:
    """What a figure of :meth:`RunResult.statistics` means: its unit and its one definition."""

    unit: str
    definition: str
    per_site: bool = False  # a sum over the sites table: exists per state / zone / site too


_SITE_SUMS: dict[str, FigureSpec] = {
    "gpus": FigureSpec("GPUs", "GPUs installed, all types (sum of the sites' gpus)", True),
    "compute_pflops": FigureSpec("PFLOPS", "dense PFLOPS at the run's precision (sum of the sites' compute_pflops)", True),
    "it_mw": FigureSpec("MW", "IT power of the GPUs (sum of the sites' it_mw)", True),
    "facility_mw": FigureSpec("MW", "facility power, IT x PUE (sum of the sites' facility_mw)", True),
    "land_acres": FigureSpec("acres", "land the campuses occupy (sum of the sites' land_acres)", True),
    "capex_usd": FigureSpec("USD", "capital cost of the campuses, all parts (sum of the sites' capex_usd)", True),
    **{
        f"capex_{part}_usd": FigureSpec("USD", f"capex part '{part}' (sum of the sites' capex_{part}_usd)", True)
        for part in CAPEX_PARTS
    },
    "energy_mwh_per_year": FigureSpec("MWh/yr", "energy the campuses draw in a year (sum of the sites' energy_mwh_per_year)", True),
    "energy_cost_usd_per_year": FigureSpec("USD/yr", "the campuses' energy bill in one year, carbon price included "
                                           "(sum of the sites' energy_cost_usd_per_year)", True),
    "energy_opex_pv_usd": FigureSpec("USD", "present value of the energy bills over the cost horizon "
                                     "(sum of the sites' energy_opex_pv_usd)", True),
    "co2_sites_t_per_year": FigureSpec("t/yr", "CO2 of the campuses' grid energy (sum of the sites' co2_t_per_year; "
                                       "new generation is in co2_t_per_year)", True),
    "water_m3_per_year": FigureSpec("m3/yr", "cooling water (sum of the sites' water_m3_per_year)", True),
}

FIGURES: dict[str, FigureSpec] = {
    "sites_built": FigureSpec("sites", "campuses built (rows of sites.gpkg)", True),
    **_SITE_SUMS,
    "capex_usd_per_pflops": FigureSpec("USD/PFLOPS", "capex_usd / compute_pflops of the same rows", True),
    "total_cost_usd": FigureSpec("USD", "what the objective or the budget counts: capex + energy PV + new generation's "
                                 "annualised cost and net energy cost over the horizon (summary.json total_cost_usd)"),
    "usd_per_pflops": FigureSpec("USD/PFLOPS", "total_cost_usd / compute_pflops (compare.csv's usd_per_pflops)"),
    "co2_t_per_year": FigureSpec("t/yr", "CO2 the carbon rules see: the campuses' grid CO2 plus new generation's CO2 less "
                                 "the grid CO2 its energy displaces (summary.json co2_t_per_year)"),
    "new_generation_mw": FigureSpec("MW", "nameplate of the new generation built (sum of generation.csv new_mw)"),
    "new_generation_firm_mw": FigureSpec("MW", "accredited (firm) MW of the new generation (sum of generation.csv firm_mw)"),
    "new_generation_capex_usd": FigureSpec("USD", "overnight capex of the new generation (sum of generation.csv capex_usd)"),
    "new_generation_cost_pv_usd": FigureSpec("USD", "new generation's annualised capex and fixed O&M over the horizon, "
                                             "as the budget counts it (summary.json)"),
    "new_generation_energy_cost_pv_usd": FigureSpec("USD", "new generation's energy cost net of the grid energy it "
                                                    "displaces, present value (summary.json; annual energy only: "
                                                    "hourly runs have it inside energy_opex_pv_usd)"),
    "import_wheeling_pv_usd": FigureSpec("USD", "wheeling paid on firm imports between transmission providers, present "
                                         "value (energy at scale; summary.json)"),
    "new_generation_co2_t_per_year": FigureSpec("t/yr", "CO2 of the new generation's own output (summary.json)"),
    "zone_imports_mw": FigureSpec("MW", "firm imports between zones, summed over the interfaces (zone_imports.csv)"),
    "budget_usd": FigureSpec("USD", "the scenario's budget, equity + debt (summary.json)"),
    "equity_usd": FigureSpec("USD", "the scenario's equity (summary.json)"),
    "debt_usd": FigureSpec("USD", "the scenario's debt (summary.json)"),
    "objective": FigureSpec("", "the solver's objective, in summary.json's objective_unit"),
    "dual_bound": FigureSpec("", "the best bound HiGHS proved, in summary.json's objective_unit"),
    "mip_gap": FigureSpec("share", "relative MIP gap at the end of the solve"),
    "candidates": FigureSpec("sites", "candidate sites the model could choose from"),
}
# Summary keys that are bookkeeping, or figures the table already has under another name or per group.
_NOT_FIGURES = frozenset({
    "seconds", "model_size", "solver", "seed", "cleanup", "diagnosis", "marginal_values", "runner_ups", "new_generation",
    "zone_imports", "gpus_by_type", "capex_usd_by_part", "facility_mw_by_state", "facility_mw_by_zone",
    "new_generation_mw_by_type", "years", "first_year", "last_year", "horizon_end", "debt_to_equity",
    "compute_pflops", "gpus", "capex_usd", "energy_opex_pv_usd", "it_mw", "facility_mw", "sites_built",
    "energy_mwh_per_year", "water_m3_per_year",
})
# Units read from the end of a name, longest first (the project's names carry their units).
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_usd_per_pflops", "USD/PFLOPS"), ("_usd_per_mwh", "USD/MWh"), ("_usd_per_year", "USD/yr"),
    ("_mwh_per_year", "MWh/yr"), ("_t_per_year", "t/yr"), ("_m3_per_year", "m3/yr"), ("_pflops_years", "PFLOPS-years"),
    ("_usd", "USD"), ("_mwh", "MWh"), ("_mw", "MW"), ("_pflops", "PFLOPS"), ("_acres", "acres"), ("_years", "years"),
    ("_year", "year"), ("_share", "share"), ("_rate", "share"), ("_t", "t"), ("_online", ""),
)
_NAME_UNITS = {"irr": "share", "dscr_min": "ratio", "dscr": "ratio", "gpus": "GPUs"}


def unit_of(name: str) -> str:
    """The unit a figure's name carries (``npv_usd`` -> ``USD``, ``irr`` -> ``share``; "" if none)."""
    if name in FIGURES:
        return FIGURES[name].unit
    parent, _, leaf = name.rpartition(".")
    # "onsite_mw.solar": the unit is the table's (its name less a "_by_<what>" ending).
    for key in (name, leaf, parent.split("_by_")[0]):
        if key in _NAME_UNITS:
            return _NAME_UNITS[key]
        if key.startswith("gpus_"):
            return "GPUs"
        for suffix, unit in _SUFFIX_UNITS:
            if key.endswith(suffix):
                return unit
    return ""


def figure_definitions() -> pd.DataFrame:
    """The figures :meth:`RunResult.statistics` computes: ``unit``, ``definition`` and ``per_site``
    (whether it exists per group too), indexed by ``figure``."""
    rows = {name: {"unit": f.unit, "definition": f.definition, "per_site": f.per_site} for name, f in FIGURES.items()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "figure"
    return out


def _number(x: Any) -> float | None:
    """A finite number as float; None for text, bools, null, NaN or inf."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(float(x)) else None


def _year(key: Any) -> int | None:
    try:
        year = int(str(key))
    except ValueError:
        return None
    return year if 1900 <= year <= 2200 else None


@dataclass(frozen=True, eq=False)
class RunResult:
    """One finished run folder, read back (:func:`load_run`).

    ``sites`` is sites.gpkg (one row per built site, index ``site_id``, EPSG:4326; empty when the run
    built nothing or has no solution); ``summary`` is summary.json; ``rank`` (rank.csv, index ``site_id``),
    ``dispatch`` (dispatch.parquet, hourly runs), ``generation`` (generation.csv) and ``imports``
    (zone_imports.csv, zonal runs) and ``timeline`` (timeline.csv, multi-year runs) are None when the
    run did not write them. ``kind`` is the marker's (``run`` or ``pathway``), ``files`` the files it lists.
    """

    path: Path
    kind: str
    summary: dict[str, Any]
    sites: gpd.GeoDataFrame
    rank: pd.DataFrame | None
    dispatch: pd.DataFrame | None
    generation: pd.DataFrame | None
    imports: pd.DataFrame | None
    timeline: pd.DataFrame | None
    files: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario") or self.path.name)

    @property
    def has_sites_table(self) -> bool:
        """Whether the run wrote sites.gpkg (runs with a solution do; ``sites`` is empty otherwise)."""
        return "sites.gpkg" in self.files

    @property
    def status(self) -> str | None:
        status = self.summary.get("status")
        return None if status is None else str(status)

    def __repr__(self) -> str:
        return f"RunResult({str(self.path)!r}, kind={self.kind!r}, status={self.status!r}, sites={len(self.sites)})"

    def statistics(self, groupby: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The run's figures as a tidy table: ``value`` (float) and ``unit`` per figure (module docstring,
        :func:`figure_definitions`).

        ``groupby=None``: index ``figure``, every figure of the run. ``groupby`` a column of the sites table
        (``"state"``, ``"zone"``, ``"county_fips"``, ``"site_id"``) or a list of them: index (``figure``,
        *groupby*), the per-site figures of each group (and, by ``"zone"``, the new generation built there).
        ``groupby="year"``: index (``figure``, ``year``), summary.json's ``<name>_by_year`` series and
        timeline.csv's numeric columns per calendar year.
        """
        objective_unit = str(self.summary.get("objective_unit") or "")
        units = {"objective": objective_unit, "dual_bound": objective_unit}
        if groupby is None:
            return _frame(self._totals(), None, units)
        keys = [groupby] if isinstance(groupby, str) else list(groupby)
        if keys == ["year"]:
            return _frame(self._by_year(), ["year"], units)
        if "year" in keys:
            raise SitingError(f"statistics: groupby 'year' cannot be combined with other columns (got {keys})")
        return _frame(self._by_group(keys), keys, units)

    # ---------------------------------------------------------------------------------------- totals

    def _site_sums(self, frame: pd.DataFrame) -> dict[str, float]:
        """The per-site figures of ``frame`` (some rows of the sites table)."""
        out: dict[str, float] = {"sites_built": float(len(frame))}
        gpu_types = [c for c in frame.columns if c.startswith("gpus_")]
        for name in ["gpus", *gpu_types, *_SITE_SUMS]:
            column = "co2_t_per_year" if name == "co2_sites_t_per_year" else name
            if column in frame.columns and name not in out:
                out[name] = float(pd.to_numeric(frame[column], errors="coerce").fillna(0.0).sum())
        if out.get("compute_pflops"):
            out["capex_usd_per_pflops"] = out.get("capex_usd", math.nan) / out["compute_pflops"]
        return out

    def _totals(self) -> dict[str, float]:
        s = self.summary
        if self.has_sites_table:
            out = self._site_sums(self.sites)
        else:  # no sites.gpkg (no solution, or a folder kind that does not write one): the summary's own figures
            out = {k: v for k in ("sites_built", *_SITE_SUMS) if (v := _number(s.get(k))) is not None}
        for key in ("total_cost_usd", "co2_t_per_year", "new_generation_cost_pv_usd", "new_generation_energy_cost_pv_usd", "import_wheeling_pv_usd",
                    "new_generation_co2_t_per_year", "budget_usd", "equity_usd", "debt_usd", "objective", "dual_bound",
                    "mip_gap", "candidates"):
            value = _number(s.get(key))
            if value is not None:
                out[key] = value
        if out.get("compute_pflops") and "total_cost_usd" in out:
            out["usd_per_pflops"] = out["total_cost_usd"] / out["compute_pflops"]
        gen = self.generation
        if gen is not None:
            for name, column in (("new_generation_mw", "new_mw"), ("new_generation_firm_mw", "firm_mw"),
                                 ("new_generation_capex_usd", "capex_usd")):
                if column in gen.columns:
                    out[name] = float(gen[column].sum())
        if self.imports is not None and "mw" in self.imports.columns:
            out["zone_imports_mw"] = float(self.imports["mw"].sum())
        out.update({k: v for k, v in _extra_figures(s).items() if k not in out})
        return out

    # ---------------------------------------------------------------------------------------- groups

    def _by_group(self, keys: list[str]) -> dict[tuple[str, tuple[Any, ...]], float]:
        sites = self.sites.reset_index() if "site_id" in keys else self.sites
        missing = [k for k in keys if k not in sites.columns]
        if missing and not self.has_sites_table:
            raise SitingError(f"statistics: groupby '{missing[0]}' needs the sites table, and {self.path} has no sites.gpkg "
                              f"(status {self.status}); groupby 'year' reads the timeline")
        if missing:
            known = ", ".join(c for c in sites.columns if c != "geometry")
            raise SitingError(f"statistics: groupby '{missing[0]}' is not a column of {self.path / 'sites.gpkg'} "
                              f"nor 'year' (columns: {known})")
        out: dict[tuple[str, tuple[Any, ...]], float] = {}
        frame = pd.DataFrame(sites.drop(columns=sites.geometry.name))
        for group, rows in frame.groupby(keys, sort=True, dropna=False):
            label = group if isinstance(group, tuple) else (group,)
            for name, value in self._site_sums(rows).items():
                out[name, label] = value
        gen = self.generation
        if keys == ["zone"] and gen is not None and len(gen):
            by_zone = gen.groupby(gen["zone"].astype(str))[["new_mw", "firm_mw", "capex_usd"]].sum()
            for zone, row in by_zone.iterrows():
                out["new_generation_mw", (zone,)] = float(row["new_mw"])
                out["new_generation_firm_mw", (zone,)] = float(row["firm_mw"])
                out["new_generation_capex_usd", (zone,)] = float(row["capex_usd"])
        return out

    def _by_year(self) -> dict[tuple[str, tuple[Any, ...]], float]:
        out: dict[tuple[str, tuple[Any, ...]], float] = {}
        tl = self.timeline
        if tl is not None and "year" in tl.columns:
            body = tl.loc[tl["row"] == "year"] if "row" in tl.columns else tl
            numeric = body.select_dtypes("number").drop(columns=["year", "model_year"], errors="ignore")
            for year, row in numeric.groupby(body["year"]).sum().iterrows():
                y = _year(year)
                if y is None:
                    continue
                for name, value in row.items():
                    if math.isfinite(float(value)):
                        out[str(name), (y,)] = float(value)
        for key, series in self.summary.items():
            if not (key.endswith("_by_year") and isinstance(series, Mapping)):
                continue
            name = key.removesuffix("_by_year")
            if any(f == name for f, _ in out):
                continue  # timeline.csv has it per calendar year already
            for year_key, value in series.items():
                y, v = _year(year_key), _number(value)
                if y is not None and v is not None:
                    out[name, (y,)] = v
        return out


def _extra_figures(summary: Mapping[str, Any]) -> dict[str, float]:
    """Numbers summary.json holds that :data:`FIGURES` does not name: top-level numbers as themselves,
    tables of numbers as ``<key>.<name>``; by-year series are left to ``groupby="year"``."""
    out: dict[str, float] = {}
    for key, value in summary.items():
        if key in _NOT_FIGURES or key in FIGURES or key.endswith("_by_year") or key.endswith("_sha256"):
            continue
        number = _number(value)
        if number is not None:
            out[key] = number
        elif isinstance(value, Mapping) and value and all(_year(k) is None for k in value):
            for sub, v in value.items():
                sub_number = _number(v)
                if sub_number is not None:
                    out[f"{key}.{sub}"] = sub_number
    return out


def _frame(values: Mapping[Any, float], levels: list[str] | None, units: Mapping[str, str]) -> pd.DataFrame:
    """``{figure: value}`` or ``{(figure, group): value}`` as the tidy ``value`` / ``unit`` table (``units``
    overrides the unit a name carries); figures in :data:`FIGURES` order, then the others in the order met;
    groups sorted."""
    order = {name: i for i, name in enumerate(FIGURES)}

    def rank(name: str) -> tuple[int, str]:
        if name.startswith("gpus_"):  # GPU types right after the total
            return order["gpus"], name
        return order.get(name, len(order)), ""

    if levels is None:
        names = sorted(values, key=lambda n: rank(str(n)))  # stable: extras keep their order
        index = pd.Index(names, name="figure")
        return pd.DataFrame({"value": [values[n] for n in names], "unit": [units.get(str(n), unit_of(str(n))) for n in names]}, index=index)
    keys = sorted(values, key=lambda k: (rank(k[0]), tuple(str(g) for g in k[1])))
    index = pd.MultiIndex.from_tuples([(k[0], *k[1]) for k in keys], names=["figure", *levels])
    if not keys:
        index = pd.MultiIndex.from_tuples([], names=["figure", *levels])
    return pd.DataFrame({"value": [values[k] for k in keys], "unit": [units.get(k[0], unit_of(k[0])) for k in keys]}, index=index)


# ----------------------------------------------------------------------------------------------- load


def _marker(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise RunFolderError(f"{path}: no such folder")
    if not path.is_dir():
        raise RunFolderError(f"{path}: not a folder (give the run folder that holds summary.json)")
    marker = path / MARKER
    if not marker.is_file():
        raise RunFolderError(f"{path}: not a run folder (no {MARKER} marker: siting did not write it)")
    try:
        payload = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RunFolderError(f"{marker}: unreadable marker ({err})") from None
    if not isinstance(payload, dict) or payload.get("written_by") != WRITTEN_BY:
        raise RunFolderError(f"{path}: not a run folder ({MARKER} was not written by siting)")
    if payload.get("partial"):
        raise RunFolderError(f"{path}: an unfinished run (still being written, or its process was killed)")
    kind = str(payload.get("kind"))
    if kind not in RUN_KINDS:
        inner = sorted(p.name for p in path.iterdir() if (p / MARKER).is_file())
        hint = f"; its run folders: {', '.join(inner[:8])}" + (" ..." if len(inner) > 8 else "") if inner else ""
        raise RunFolderError(f"{path}: a '{kind}' output, not a run folder{hint}")
    return payload


def _read(path: Path, reader: Any) -> Any:
    if not path.is_file():
        return None
    try:
        return reader(path)
    except Exception as err:  # noqa: BLE001 - any reader's failure is a damaged file, named in one line
        raise RunFolderError(f"{path}: cannot be read ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from None


# Identifiers stay text (FIPS codes keep their leading zeros).
_TEXT_COLUMNS = {c: str for c in ("site_id", "county_fips", "zone", "from_zone", "to_zone", "state", "type", "gpu")}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=_TEXT_COLUMNS, keep_default_na=True)  # type: ignore[arg-type]


def _sites(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path, layer="sites", engine="pyogrio")
    if "site_id" in gdf.columns:
        gdf["site_id"] = gdf["site_id"].astype(str)
        gdf = gdf.set_index("site_id")
    for col in ("county_fips", "state", "zone"):
        if col in gdf.columns:
            gdf[col] = gdf[col].astype(str)
    return gdf.to_crs(OUTPUT_CRS) if gdf.crs is not None else gdf.set_crs(OUTPUT_CRS)


def _empty_sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(index=pd.Index([], name="site_id", dtype=object), geometry=gpd.GeoSeries([], crs=OUTPUT_CRS), crs=OUTPUT_CRS)


def load_run(path: str | Path) -> RunResult:
    """Read a finished run folder (``siting run``'s output, or one scenario's folder of compare / sweep)
    into a :class:`RunResult`; a path that is not one raises :class:`RunFolderError` (one line naming it)."""
    folder = Path(path)
    marker = _marker(folder)
    summary = _read(folder / "summary.json", lambda p: json.loads(p.read_text(encoding="utf-8")))
    if not isinstance(summary, dict):
        raise RunFolderError(f"{folder / 'summary.json'}: missing or not a JSON object")
    sites = _read(folder / "sites.gpkg", _sites)
    rank = _read(folder / "rank.csv", _csv)
    if rank is not None and "site_id" in rank.columns:
        rank = rank.set_index("site_id")
    return RunResult(
        path=folder,
        kind=str(marker["kind"]),
        summary=summary,
        sites=sites if sites is not None else _empty_sites(),
        rank=rank,
        dispatch=_read(folder / "dispatch.parquet", pd.read_parquet),
        generation=_read(folder / "generation.csv", _csv),
        imports=_read(folder / "zone_imports.csv", _csv),
        timeline=_read(folder / "timeline.csv", _csv),
        files=tuple(str(f) for f in marker.get("files") or ()),
    )
