"""Time to power by route (issue 24 item 4): how soon, how many MW and at what cost each candidate can get
power by each of five routes (docs/routes.md; built by data/build/build_power_routes.py).

Routes (``route``; ``variant`` is the voltage, ``kv69`` ... ``kv500``, or ``all``):

* ``existing_substation`` — a spur to the nearest existing HIFLD substation within ``max_spur_km`` and its
  spare firm MW (a share of what a new tap of its voltage class delivers); the fastest grid route, small.
* ``flexible_interim`` — extra NON-firm (curtailable) MW at the same station before network upgrades.
* ``new_substation_line`` — a new substation on the nearest 230 / 345 / 500 kV line (a tap if the line is
  within ``tap_km``, else a new line up to ``max_line_km``): 600 / 1,200 / 2,000 MW.
* ``firm_queue`` — the same large connection on the old basis: not before the county's ISO / zone generator
  queue median (data/time_to_power.csv), kept so a scenario can reproduce it.
* ``onsite_gas`` — packaged turbines / engines up to the air-permit MW, cost per MW.

**How a multi-year model uses them.** Every row is available from ``first year + ceil(first_power_years)``
(the decision to build is taken at the programme start, as for the queue today), and from then on adds up
to ``max_mw`` of facility MW to the site:

* a site may combine routes of different ``group``s; within ``existing_station`` the MW add up
  (``existing_substation`` firm + ``flexible_interim`` non-firm) and the connection (``fixed_cost_usd``,
  the same number on both rows) is paid once, in the first year either serves; within
  ``large_connection`` a site takes at most one row (one voltage, either ``new_substation_line`` or, on the
  conservative basis, ``firm_queue``), paying its ``fixed_cost_usd`` in its first year;
* ``onsite_gas`` costs ``usd_per_mw`` per MW of served capacity (the reserve units are inside it) in the
  year its capacity is built, plus fuel and O&M from data/energy_costs.csv;
* ``grid == 1`` rows draw on the zone's firm balance (firm rows) or the zone's flexible cap (non-firm
  rows), ``grid == 0`` rows (on-site) do not; ``firm == 0`` rows are curtailable and serve only until the
  site's large connection is firm, as the flexible connection does today;
* a campus of size S is fully powered in the first year the routes open by then sum to S
  (:func:`fastest_route` gives that year and the routes, for ``rank.csv``'s ``time_to_power_years`` and
  ``power_route``); ``first_power_years_low`` / ``_high`` are the documented range, for sensitivity runs.

Costs are 2023 $ (connection classes, ATB); durations count from the decision to build (construction
start) to first power.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.core.errors import InputDataError, shown
from model.core.tables import Schema, read_csv
from model.inputs.datasets import DEFAULT_DATA_DIR

ROUTES_FILE = "power_routes.csv"
COUNTY_ROUTES_FILE = "county_routes.csv"
ROUTES = ("existing_substation", "flexible_interim", "new_substation_line", "firm_queue", "onsite_gas")
# route -> (firm: not curtailable, grid: draws on the zone's balance, group: shared physical connection)
ROUTE_KIND: dict[str, tuple[int, int, str]] = {
    "existing_substation": (1, 1, "existing_station"),
    "flexible_interim": (0, 1, "existing_station"),
    "new_substation_line": (1, 1, "large_connection"),
    "firm_queue": (1, 1, "large_connection"),
    "onsite_gas": (1, 0, "onsite"),
}
KINDS = ("cited", "estimate", "derived")

POWER_ROUTES_SCHEMA: Schema = {
    "route": "str", "variant": "str", "quantity": "str", "unit": "str",
    "low": "float", "mid": "float", "high": "float", "kind": "str", "source": "str",
}  # fmt: skip
COUNTY_ROUTES_SCHEMA: Schema = {
    "county_fips": "str", "route": "str", "variant": "str",
    "first_power_years": "float", "first_power_years_low": "float", "first_power_years_high": "float",
    "max_mw": "float", "fixed_cost_usd": "float", "usd_per_mw": "float", "cost_usd": "float", "basis": "str",
}  # fmt: skip
NONNEGATIVE = ("first_power_years", "first_power_years_low", "first_power_years_high", "fixed_cost_usd",
               "usd_per_mw", "cost_usd")  # fmt: skip


def _first_bad(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _check_range(df: pd.DataFrame, lo: str, mid: str, hi: str, path: Path) -> None:
    """low <= mid <= high on every row (the row number is the file's data row, 1-based)."""
    for a, b in ((lo, mid), (mid, hi)):
        bad = (df[a] > df[b] + 1e-9).to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise InputDataError(f"{path}: column '{a}' is above '{b}' (row {i + 1}: {df[a].iloc[i]:g} > {df[b].iloc[i]:g})")


def load_power_routes(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """The route parameters (one row per route, variant and quantity; low / mid / high; kind and source)."""
    path = data_dir / ROUTES_FILE
    df = read_csv(path, POWER_ROUTES_SCHEMA)
    unknown = ~df["route"].isin(ROUTES)
    if unknown.any():
        raise InputDataError(f"{path}: column 'route': unknown route {shown(df.loc[unknown, 'route'].iloc[0])}")
    kind = ~df["kind"].isin(KINDS)
    if kind.any():
        raise InputDataError(f"{path}: column 'kind': {shown(df.loc[kind, 'kind'].iloc[0])} is not one of {', '.join(KINDS)}")
    empty = df["source"].str.strip() == ""
    if empty.any():
        raise InputDataError(f"{path}: column 'source' is empty (row {_first_bad(empty) + 1})")
    for col in ("low", "mid", "high"):
        if (df[col] < 0).any():
            raise InputDataError(f"{path}: column '{col}' has negative values (row {_first_bad(df[col] < 0) + 1})")
    _check_range(df, "low", "mid", "high", path)
    dup = df.duplicated(["route", "variant", "quantity"])
    if dup.any():
        r = df.loc[dup].iloc[0]
        key = f"({r['route']}, {r['variant']}, {r['quantity']})"
        raise InputDataError(f"{path}: columns 'route', 'variant', 'quantity': duplicate row {key}")
    return df


def load_county_routes(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Per county and route: first-power years (mid, low, high), MW, costs and basis, with the route's
    ``firm``, ``grid`` and ``group`` attached (:data:`ROUTE_KIND`)."""
    path = data_dir / COUNTY_ROUTES_FILE
    df = read_csv(path, COUNTY_ROUTES_SCHEMA)
    bad_fips = ~df["county_fips"].str.fullmatch(r"\d{5}")
    if bad_fips.any():
        value = shown(df.loc[bad_fips, "county_fips"].iloc[0])
        raise InputDataError(f"{path}: column 'county_fips': {value} is not a 5-digit FIPS code")
    unknown = ~df["route"].isin(ROUTES)
    if unknown.any():
        raise InputDataError(f"{path}: column 'route': unknown route {shown(df.loc[unknown, 'route'].iloc[0])}")
    for col in NONNEGATIVE:
        if (df[col] < 0).any():
            raise InputDataError(f"{path}: column '{col}' has negative values (row {_first_bad(df[col] < 0) + 1})")
    if (df["max_mw"] <= 0).any():
        raise InputDataError(f"{path}: column 'max_mw' must be positive (row {_first_bad(df['max_mw'] <= 0) + 1})")
    _check_range(df, "first_power_years_low", "first_power_years", "first_power_years_high", path)
    dup = df.duplicated(["county_fips", "route", "variant"])
    if dup.any():
        r = df.loc[dup].iloc[0]
        key = f"({r['county_fips']}, {r['route']}, {r['variant']})"
        raise InputDataError(f"{path}: columns 'county_fips', 'route', 'variant': duplicate row {key}")
    kind = pd.DataFrame.from_dict(ROUTE_KIND, orient="index", columns=["firm", "grid", "group"])
    return df.join(kind, on="route")


def site_routes(
    sites: pd.DataFrame, data_dir: Path = DEFAULT_DATA_DIR, county_routes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The route rows of every candidate (``sites`` indexed by site id with a ``county_fips`` column), with
    a ``site_id`` column, in site order. A candidate whose county has no row is an error naming the file."""
    table = load_county_routes(data_dir) if county_routes is None else county_routes
    if "county_fips" not in sites:
        raise InputDataError("candidate sites: missing column 'county_fips' (needed for county_routes.csv)")
    fips = sites["county_fips"].astype(str).str.zfill(5)
    known = fips.isin(table["county_fips"])
    if not known.all():
        i = _first_bad(~known.to_numpy())
        raise InputDataError(
            f"{data_dir / COUNTY_ROUTES_FILE}: column 'county_fips': no row for county {shown(fips.iloc[i])} "
            f"(site {shown(str(sites.index[i]))})"
        )
    left = pd.DataFrame({"site_id": sites.index.astype(str), "county_fips": fips.to_numpy(), "_order": np.arange(len(sites))})
    out = left.merge(table, on="county_fips", how="left", sort=False)
    return out.sort_values(["_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def fastest_route(routes: pd.DataFrame, campus_mw: float | pd.Series, years_column: str = "first_power_years",
                  firm_only: bool = False) -> pd.DataFrame:
    """Per site: the earliest year offset at which its routes can power ``campus_mw`` (facility MW; a
    number or a Series by site id) and the routes that do it.

    ``routes`` has ``site_id`` (or ``county_fips``), ``route``, ``max_mw``, ``group`` and ``years_column``.
    At each candidate year the MW on offer are: the sum over ``existing_station`` rows open by then, plus
    the largest ``large_connection`` row open by then, plus ``onsite_gas`` if open. ``firm_only`` leaves out
    non-firm rows. Returns index site id: ``time_to_power_years`` (NaN if the routes never reach the size),
    ``mw_available`` at that year (all routes open by then) and ``power_route`` (the routes needed,
    largest MW first, '+'-joined).
    """
    key = "site_id" if "site_id" in routes else "county_fips"
    r = routes.loc[routes["firm"] == 1] if firm_only else routes
    r = r[[key, "route", "max_mw", "group", years_column]].rename(columns={years_column: "t"})
    need = campus_mw if isinstance(campus_mw, pd.Series) else pd.Series(float(campus_mw), index=r[key].unique())
    need = need.astype(float).rename("need")
    # candidate years per site x the rows open by then
    cand = r[[key, "t"]].drop_duplicates().rename(columns={"t": "at"})
    open_ = cand.merge(r, on=key)
    open_ = open_.loc[open_["t"] <= open_["at"] + 1e-9]
    large = open_["group"] == "large_connection"
    best_large = open_.loc[large].sort_values("max_mw", ascending=False, kind="stable").drop_duplicates([key, "at"])
    used = pd.concat([open_.loc[~large], best_large], ignore_index=True)
    mw = used.groupby([key, "at"])["max_mw"].sum().rename("mw_available").reset_index()
    mw = mw.join(need, on=key)
    ok = mw.loc[mw["mw_available"] >= mw["need"] - 1e-9].sort_values([key, "at"]).drop_duplicates(key)
    # the routes needed: largest MW first until the campus is covered (the others stay unused)
    u = used.merge(ok[[key, "at", "need"]], on=[key, "at"])
    u = u.sort_values([key, "max_mw", "route"], ascending=[True, False, True], kind="stable")
    before = u.groupby(key)["max_mw"].cumsum() - u["max_mw"]
    names = u.loc[before < u["need"] - 1e-9].groupby(key, sort=False)["route"].agg("+".join).rename("power_route")
    ok = ok.join(names, on=key)
    out = pd.DataFrame(index=need.index.rename(key))
    out["time_to_power_years"] = ok.set_index(key)["at"]
    out["mw_available"] = ok.set_index(key)["mw_available"]
    out["power_route"] = ok.set_index(key)["power_route"]
    return out
