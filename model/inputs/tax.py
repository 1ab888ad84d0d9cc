"""Sales and use tax a campus pays on its IT equipment and on its construction materials, by site and
purchase year (issue 24, item 8).

Data: ``data/state_tax.csv`` (Tax Foundation 2025 state and average local rates; each state's data-center
exemption as modelled), ``data/state_tax_counties.csv`` (Washington's county scope) and
``data/tax_assumptions.csv`` (the materials share of construction, an estimate), all built by
``data/build/build_tax.py``; conventions and sources in ``docs/tax.md`` and ``data/SOURCES.md``.

Rates are fractions (0.0820 = 8.20 %). For a site in state ``s`` (county ``c``) and purchase year ``y``::

    combined              = (state_rate_pct + avg_local_rate_pct) / 100
    exemption applies     = exemptions == "current"
                            and equipment_exemption in {full, state_only, county_scope}
                            and (county_scope: c is an eligible county of data/state_tax_counties.csv)
                            and investment_usd >= min_investment_usd   (None: thresholds taken as met)
                            and y < ends_year                          (the state's, or the county's)
    exempt share          = state_rate_pct (+ avg_local_rate_pct where exempt_local == "yes")
    equipment rate        = combined - exempt share        if the exemption applies, else combined
    materials rate        = the same, but the exemption counts only where construction_exempt == "yes"
    construction rate     = construction_materials_share x materials rate

``exemptions = "withdrawn"`` removes every exemption (the policy-risk lever for ``siting robust``):
every rate is then the combined state + average local rate.

How the costs should use them (for the lead's cost blocks; nothing here changes a cost by itself):

* GPU / IT equipment capex bought in year ``y`` at site ``i``:
  ``capex_usd x (1 + equipment_tax_rate(...).loc[i, y])`` -- servers, accelerators, network gear.
* Shell and site construction capex (``shell_usd_per_mw`` x MW, ``site_fixed_usd``) spent in year ``y``:
  ``capex_usd x (1 + construction_tax_rate(...).loc[i, y])`` -- the materials share is already inside
  ``construction_tax_rate``; do NOT multiply by it again (``construction_materials_tax_rate`` is the rate
  on the materials alone, for reports).
* Not taxed here: land (no sales tax on real property), labour, energy, grid connection and new
  generation (bought by the utility or a developer; their taxes are in their costs), and electricity
  (several states exempt or tax it; not modelled).
* Property-tax abatements, PILOTs, IRBs and income-tax credits are NOT modelled (docs/tax.md).

Average local rates are state-wide averages, not the rate at a given site. Years before 2026 get the
status of mid-2026 (the exemption file's date); a pause or sunset applies from its year on, to new and
old campuses alike (``ends_year`` is the end of NEW certificates; a campus certified earlier may keep
buying exempt for longer -- conservative for refresh purchases).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from model.core.errors import InputDataError
from model.core.tables import Schema, indexed_by, read_csv
from model.inputs.datasets import DEFAULT_DATA_DIR

Exemptions = Literal["current", "withdrawn"]
EXEMPTION_KINDS = ("full", "state_only", "county_scope", "none", "no_sales_tax")
EXEMPTING_KINDS = ("full", "state_only", "county_scope")

STATE_TAX_SCHEMA: Schema = {
    "state": "str",
    "state_rate_pct": "float",
    "avg_local_rate_pct": "float",
    "combined_rate_pct": "float",
    "equipment_exemption": "str",
    "exempt_local": "str",
    "construction_exempt": "str",
    "rate_source": "str",
    "exemption_source": "str",
    "note": "str",
}
COUNTY_TAX_SCHEMA: Schema = {"county_fips": "str", "state": "str", "scope": "str", "source": "str"}
ASSUMPTION_SCHEMA: Schema = {"name": "str", "value": "float", "low": "float", "high": "float", "unit": "str", "source": "str"}
MATERIALS_SHARE_ROW = "construction_materials_share"


@dataclass(frozen=True)
class TaxTables:
    """The three tax tables, validated."""

    states: pd.DataFrame  # index state: rates (pct), exemption kind, exempt_local, min_investment_usd, ends_year, ...
    counties: pd.DataFrame  # index county_fips: state, eligible (bool), ends_year (float, NaN = none)
    materials_share: float  # of shell and site construction capex


def _optional_numbers(path: Path, column: str, index: pd.Index) -> pd.Series:
    """An optional numeric column (empty = none) as floats with NaN, refusing text and negative values."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)[column]
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad = values.isna() & (raw != "")
    if bad.any():
        raise InputDataError(f"{path}: column '{column}' is not numeric (row {int(np.flatnonzero(bad)[0]) + 1}: {raw[bad].iloc[0]!r})")
    if (values < 0).any():
        raise InputDataError(f"{path}: column '{column}' has negative values")
    return pd.Series(values.to_numpy(dtype=float), index=index)


def _yes_no(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    bad = ~df[column].isin(["yes", "no"])
    if bad.any():
        raise InputDataError(f"{path}: column '{column}' must be yes or no (got {df.loc[bad, column].iloc[0]!r})")
    return df[column] == "yes"


def load_tax_tables(data_dir: Path = DEFAULT_DATA_DIR) -> TaxTables:
    """data/state_tax.csv, data/state_tax_counties.csv and data/tax_assumptions.csv, checked."""
    path = data_dir / "state_tax.csv"
    raw = read_csv(path, STATE_TAX_SCHEMA)
    states = indexed_by(raw, "state", str(path))
    for col in ("state_rate_pct", "combined_rate_pct"):
        if not states[col].between(0.0, 20.0).all():
            raise InputDataError(f"{path}: column '{col}' must lie in [0, 20] %")
    # Tax Foundation publishes NJ's average local rate as -0.02 %: small negatives are real data.
    if not states["avg_local_rate_pct"].between(-1.0, 20.0).all():
        raise InputDataError(f"{path}: column 'avg_local_rate_pct' must lie in [-1, 20] %")
    unknown = ~states["equipment_exemption"].isin(EXEMPTION_KINDS)
    if unknown.any():
        raise InputDataError(
            f"{path}: column 'equipment_exemption': unknown kind {states.loc[unknown, 'equipment_exemption'].iloc[0]!r} "
            f"(known: {', '.join(EXEMPTION_KINDS)})"
        )
    states["exempt_local"] = _yes_no(states, "exempt_local", path)
    states["construction_exempt"] = _yes_no(states, "construction_exempt", path)
    states["min_investment_usd"] = _optional_numbers(path, "min_investment_usd", states.index)
    states["ends_year"] = _optional_numbers(path, "ends_year", states.index)

    cpath = data_dir / "state_tax_counties.csv"
    craw = read_csv(cpath, COUNTY_TAX_SCHEMA)
    counties = indexed_by(craw, "county_fips", str(cpath))
    if not counties.index.str.fullmatch(r"\d{5}").all():
        raise InputDataError(f"{cpath}: column 'county_fips' must hold 5-digit county FIPS codes")
    counties["eligible"] = counties["scope"] != "none"
    counties["ends_year"] = _optional_numbers(cpath, "ends_year", counties.index)
    scoped = set(states.index[states["equipment_exemption"] == "county_scope"])
    if not set(counties["state"]) <= scoped:
        stray = sorted(set(counties["state"]) - scoped)[0]
        raise InputDataError(f"{cpath}: county rows for state '{stray}', whose exemption is not county_scope in {path}")

    apath = data_dir / "tax_assumptions.csv"
    assumptions = indexed_by(read_csv(apath, ASSUMPTION_SCHEMA), "name", str(apath))
    if MATERIALS_SHARE_ROW not in assumptions.index:
        raise InputDataError(f"{apath}: missing row '{MATERIALS_SHARE_ROW}'")
    share = float(assumptions.loc[MATERIALS_SHARE_ROW, "value"])
    if not 0.0 <= share <= 1.0:
        raise InputDataError(f"{apath}: row '{MATERIALS_SHARE_ROW}': value must lie in [0, 1]")
    return TaxTables(states=states, counties=counties, materials_share=share)


def _site_facts(sites: pd.DataFrame, tables: TaxTables) -> pd.DataFrame:
    """Each site's state row (and, for county-scoped states, its county's eligibility and end year)."""
    if "state" not in sites:
        raise InputDataError("sites: missing column 'state'")
    states = sites["state"].astype(str)
    unknown = ~states.isin(tables.states.index)
    if unknown.any():
        raise InputDataError(f"sites: state '{states[unknown].iloc[0]}' has no row in data/state_tax.csv")
    facts = tables.states.reindex(states.to_numpy()).set_index(sites.index)
    scoped = (facts["equipment_exemption"] == "county_scope").to_numpy()
    eligible = np.ones(len(sites), dtype=bool)
    ends = facts["ends_year"].to_numpy(dtype=float).copy()
    if scoped.any():
        if "county_fips" not in sites:
            raise InputDataError("sites: missing column 'county_fips' (needed for county-scoped exemptions)")
        fips = sites["county_fips"].astype(str)
        county_ok = fips.map(tables.counties["eligible"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
        county_ends = fips.map(tables.counties["ends_year"]).to_numpy(dtype=float)
        eligible = np.where(scoped, county_ok, True)
        ends = np.where(scoped, county_ends, ends)
    facts["county_eligible"] = eligible
    facts["exemption_ends_year"] = ends
    return facts


def _thresholds_met(facts: pd.DataFrame, investment_usd: float | pd.Series | None) -> np.ndarray:
    """``investment_usd`` (one figure, or one per site) clears each state's minimum; None: always."""
    if investment_usd is None:
        return np.ones(len(facts), dtype=bool)
    if isinstance(investment_usd, pd.Series):
        inv = investment_usd.reindex(facts.index)
        if inv.isna().any():
            raise InputDataError(f"investment_usd: no value for site '{inv.index[inv.isna()][0]}'")
        amount = inv.to_numpy(dtype=float)
    else:
        amount = np.full(len(facts), float(investment_usd))
    floor = facts["min_investment_usd"].to_numpy(dtype=float)
    return np.isnan(floor) | (amount >= floor)


def _rates(
    sites: pd.DataFrame,
    years: list[int],
    exemptions: Exemptions,
    investment_usd: float | pd.Series | None,
    tables: TaxTables | None,
    construction: bool,
) -> pd.DataFrame:
    if exemptions not in ("current", "withdrawn"):
        raise InputDataError(f"exemptions: must be 'current' or 'withdrawn', got {exemptions!r}")
    tables = tables if tables is not None else load_tax_tables()
    facts = _site_facts(sites, tables)
    state = facts["state_rate_pct"].to_numpy(dtype=float) / 100.0
    local = facts["avg_local_rate_pct"].to_numpy(dtype=float) / 100.0
    combined = state + local
    year_arr = np.asarray(years, dtype=float)
    out = np.repeat(combined[:, None], len(year_arr), axis=1)
    if exemptions == "current":
        kind_ok = facts["equipment_exemption"].isin(EXEMPTING_KINDS).to_numpy()
        if construction:
            kind_ok = kind_ok & facts["construction_exempt"].to_numpy(dtype=bool)
        applies_site = kind_ok & facts["county_eligible"].to_numpy(dtype=bool) & _thresholds_met(facts, investment_usd)
        ends = facts["exemption_ends_year"].to_numpy(dtype=float)
        open_year = np.isnan(ends)[:, None] | (year_arr[None, :] < ends[:, None])
        exempt_share = state + np.where(facts["exempt_local"].to_numpy(dtype=bool), local, 0.0)
        out = out - (applies_site[:, None] & open_year) * exempt_share[:, None]
    # Subtracting the exempt share can leave -1e-17 where state + local = state; the rates are >= 0.
    out = np.clip(out, 0.0, None)
    return pd.DataFrame(out, index=sites.index, columns=list(years))


def equipment_tax_rate(
    sites: pd.DataFrame,
    years: list[int],
    exemptions: Exemptions = "current",
    investment_usd: float | pd.Series | None = None,
    tables: TaxTables | None = None,
) -> pd.DataFrame:
    """Sales/use-tax rate (fraction) on IT equipment bought at each site (rows: ``sites.index``) in each
    year (columns: ``years``). ``sites`` needs ``state`` and, in county-scoped states (WA),
    ``county_fips``. ``investment_usd``: the campus investment the state thresholds are checked against
    (one figure or one per site; None = every threshold met). ``tables``: defaults to data/."""
    return _rates(sites, years, exemptions, investment_usd, tables, construction=False)


def construction_materials_tax_rate(
    sites: pd.DataFrame,
    years: list[int],
    exemptions: Exemptions = "current",
    investment_usd: float | pd.Series | None = None,
    tables: TaxTables | None = None,
) -> pd.DataFrame:
    """Sales/use-tax rate (fraction) on construction MATERIALS bought at each site in each year: the
    combined rate, less the exemption only where it covers construction materials."""
    return _rates(sites, years, exemptions, investment_usd, tables, construction=True)


def construction_tax_rate(
    sites: pd.DataFrame,
    years: list[int],
    exemptions: Exemptions = "current",
    investment_usd: float | pd.Series | None = None,
    tables: TaxTables | None = None,
) -> pd.DataFrame:
    """Sales/use tax per dollar of shell and site construction capex (fraction): the materials share
    (data/tax_assumptions.csv) x :func:`construction_materials_tax_rate`. Apply as
    ``capex x (1 + rate)``; the materials share is already in it."""
    tables = tables if tables is not None else load_tax_tables()
    return construction_materials_tax_rate(sites, years, exemptions, investment_usd, tables) * tables.materials_share
