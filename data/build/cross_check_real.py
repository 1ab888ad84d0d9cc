"""Cross-check the default dataset against the real shared data, state by state.

Default (in this repo): ``data/county_grid.csv`` (substations and generation capacity per county from
the TAMU synthetic grid) and ``data/state_facts.csv`` (industrial price).
Real (``../shared/data`` or ``$SITING_DATA_DIR``, read through :mod:`model.inputs.realdata`):

* substations: HIFLD (CERF copy, ~2020-21), counted per state by point-in-polygon join to the CERF
  states layer, nearest state for the points just off its generalised coastline;
* generation: WRI GPPD (EIA 2019 capacity) plants in the CONUS box, joined to states the same way;
  EIA-860 2018 nameplate (Total Electric Power Industry) as a second reference;
* price: EIA 2018 average industrial price (Total Electric Industry).

Writes the table and a short discussion to ``docs/real_vs_default.md``.

Usage (from the repo root):
    python data/build/cross_check_real.py [--data-dir ../shared/data] [--out docs/real_vs_default.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from model.inputs import realdata as rd
from model.inputs.datasets import DEFAULT_DATA_DIR, load_county_grid, load_state_facts

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "docs" / "real_vs_default.md"


def points_per_state(points: gpd.GeoDataFrame, states: gpd.GeoDataFrame) -> tuple[pd.Series, int]:
    """USPS state of every point: containing state, else the nearest one. Returns (states, n_nearest)."""
    pts = points[["geometry"]].copy()
    inside = gpd.sjoin(pts, states[["state", "geometry"]], how="left", predicate="within")
    inside = inside[~inside.index.duplicated()]
    state = inside["state"]
    outside = state.isna()
    if outside.any():
        near = gpd.sjoin_nearest(pts.loc[outside], states[["state", "geometry"]], how="left")
        near = near[~near.index.duplicated()]
        state = state.copy()
        state.loc[outside] = near["state"]
    return state, int(outside.sum())


def ratio(real: pd.Series, default: pd.Series) -> pd.Series:
    return (real / default.where(default > 0)).round(2)


def build_table(data_dir: Path | None) -> tuple[pd.DataFrame, dict[str, object]]:
    grid = load_county_grid(DEFAULT_DATA_DIR)
    facts = load_state_facts(DEFAULT_DATA_DIR)
    default = grid.groupby("state")[["substations", "gen_mw_total"]].sum()

    states = rd.load_states(data_dir)
    subs = rd.load_substations(data_dir)
    subs_state, subs_nearest = points_per_state(subs, states)
    plants = rd.load_power_plants(data_dir, conus_only=True)
    plants_state, plants_nearest = points_per_state(plants, states)
    gen_real = plants.assign(state=plants_state.to_numpy()).groupby("state")["capacity_mw"].sum()
    cap = rd.load_eia_capacity(data_dir, year=2018)
    eia_cap = cap.loc[cap["fuel"] == "All Sources"].set_index("state")["nameplate_mw"]
    price = rd.load_eia_prices(data_dir, year=2018, sector="Industrial").set_index("state")["price_usd_per_mwh"]

    table = pd.DataFrame(index=sorted(states["state"]))
    table.index.name = "state"
    table["subs_default"] = default["substations"].reindex(table.index).fillna(0).astype(int)
    table["subs_real"] = subs_state.value_counts().reindex(table.index).fillna(0).astype(int)
    table["subs_ratio"] = ratio(table["subs_real"], table["subs_default"])
    table["gen_mw_default"] = default["gen_mw_total"].reindex(table.index).fillna(0).round(0)
    table["gen_mw_gppd"] = gen_real.reindex(table.index).fillna(0).round(0)
    table["gen_ratio"] = ratio(table["gen_mw_gppd"], table["gen_mw_default"])
    table["gen_mw_eia860"] = eia_cap.reindex(table.index).round(0)
    table["price_default"] = facts["industrial_price_usd_per_mwh"].reindex(table.index)
    table["price_eia"] = price.reindex(table.index)
    table["price_diff"] = (table["price_default"] - table["price_eia"]).round(2)
    meta = {
        "subs_total_hifld": len(subs),
        "subs_lt100": int((subs["voltage_class_kv_min"] < 100).sum()),
        "subs_ge100": int((subs["voltage_class_kv_min"] >= 100).sum()),
        "subs_nearest": subs_nearest,
        "plants_conus": len(plants),
        "plants_nearest": plants_nearest,
        "eia_us_nameplate": float(eia_cap.get("US", np.nan)),
    }
    return table, meta


def _fmt_int(x: float) -> str:
    return "" if pd.isna(x) else f"{x:,.0f}"


def _fmt(x: float, digits: int = 2) -> str:
    return "" if pd.isna(x) else f"{x:.{digits}f}"


def to_markdown(table: pd.DataFrame) -> str:
    head = "| state | substations default | substations HIFLD | ratio | gen MW default | gen MW GPPD | ratio | EIA-860 2018 MW | price default $/MWh | price EIA 2018 $/MWh |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for st, r in table.iterrows():
        lines.append(
            f"| {st} | {_fmt_int(r.subs_default)} | {_fmt_int(r.subs_real)} | {_fmt(r.subs_ratio)} | "
            f"{_fmt_int(r.gen_mw_default)} | {_fmt_int(r.gen_mw_gppd)} | {_fmt(r.gen_ratio)} | {_fmt_int(r.gen_mw_eia860)} | "
            f"{_fmt(r.price_default, 1)} | {_fmt(r.price_eia, 1)} |"
        )
    return "\n".join(lines)


def _extremes(table: pd.DataFrame, col: str, n: int = 4) -> tuple[str, str]:
    s = table[col].dropna().sort_values()
    lo = ", ".join(f"{k} {v:.2f}" for k, v in s.head(n).items())
    hi = ", ".join(f"{k} {v:.2f}" for k, v in s.tail(n)[::-1].items())
    return lo, hi


def _largest_abs(table: pd.DataFrame, real: str, default: str, n: int = 4) -> str:
    d = (table[real] - table[default]).sort_values(key=np.abs, ascending=False).head(n)
    return ", ".join(f"{k} {v:+,.0f}" for k, v in d.items())


def render(table: pd.DataFrame, meta: dict[str, object]) -> str:
    tot = table[["subs_default", "subs_real", "gen_mw_default", "gen_mw_gppd", "gen_mw_eia860"]].sum()
    conus_eia = tot["gen_mw_eia860"]
    subs_lo, subs_hi = _extremes(table, "subs_ratio")
    gen_lo, gen_hi = _extremes(table, "gen_ratio")
    price_max = table["price_diff"].abs().max()
    corr_subs = table[["subs_default", "subs_real"]].corr().iloc[0, 1]
    corr_gen = table[["gen_mw_default", "gen_mw_gppd"]].corr().iloc[0, 1]
    return f"""# Default dataset vs real data, by state

Generated by `python data/build/cross_check_real.py` (reads `../shared/data` through `model.inputs.realdata`;
do not edit by hand). 48 contiguous states + DC.

* **Default**: `data/county_grid.csv` summed by state (substations and installed generation `gen_mw_total`
  of the TAMU / Breakthrough Energy *synthetic* US grid, see `docs/grid_headroom.md`) and
  `data/state_facts.csv` (`industrial_price_usd_per_mwh`).
* **Real**: HIFLD electric substations (CERF's CONUS copy, ~2020-21) counted per state by
  point-in-polygon join to CERF's generalised state polygons, nearest state for the
  {meta['subs_nearest']:,} points just outside them; WRI GPPD v1.3 plants (EIA capacity as of 2019) in the
  CONUS box, joined the same way ({meta['plants_nearest']:,} by nearest state); EIA-860 2018 nameplate
  capacity (Total Electric Power Industry, all sources) as a second generation reference; EIA 2018
  average industrial price (Total Electric Industry, nominal).

## National totals (CONUS, 48 states + DC)

| quantity | default | real | real / default |
|---|---:|---:|---:|
| substations | {tot['subs_default']:,.0f} (TAMU synthetic) | {tot['subs_real']:,.0f} (HIFLD) | {tot['subs_real'] / tot['subs_default']:.2f} |
| substations, HIFLD minimum-voltage class ≥ 100 kV | | {meta['subs_ge100']:,} | {meta['subs_ge100'] / tot['subs_default']:.2f} |
| generation capacity, MW | {tot['gen_mw_default']:,.0f} (TAMU Pmax) | {tot['gen_mw_gppd']:,.0f} (GPPD 2019) | {tot['gen_mw_gppd'] / tot['gen_mw_default']:.2f} |
| generation capacity, MW (EIA-860 2018 nameplate) | | {conus_eia:,.0f} (US incl. AK/HI: {meta['eia_us_nameplate']:,.0f}) | {conus_eia / tot['gen_mw_default']:.2f} |
| industrial price | identical to EIA 2018 in every state (largest difference {price_max:.2f} $/MWh) | | |

## What differs and why

* **Substations: HIFLD has {tot['subs_real'] / tot['subs_default']:.2f}x as many.** The synthetic grid models
  the transmission network only: its {tot['subs_default']:,.0f} substations are synthesised locations
  that carry the aggregated load and generation, not real stations.
  HIFLD lists every substation it knows of, including distribution substations, taps on radial lines,
  industrial/customer substations and small stations: {meta['subs_lt100']:,} of its
  {meta['subs_total_hifld']:,} points are in the < 100 kV minimum-voltage class (CERF's `_rval_` encodes
  the *lowest* voltage at the station, so a 345/69 kV station counts there too). The ratio is highest in
  the sparsely populated West ({subs_hi}), where long radial lines feed many small taps and the
  synthetic grid, whose substations largely follow population, has few; it is below 1
  in the dense Northeast ({subs_lo}), where the synthetic grid puts many substations and HIFLD
  likely misses or merges small urban stations. The state pattern still agrees (correlation of the state counts
  {corr_subs:.2f}). HIFLD has no capacity or headroom field, so headroom stays an estimate either way.
* **Generation: totals agree within {abs(tot['gen_mw_gppd'] / tot['gen_mw_default'] - 1) * 100:.1f} %; states differ more.** The TAMU grid reproduces the
  2016-ish EIA-860 fleet, but places and sizes plants synthetically, while GPPD is the EIA 2019 fleet
  (newer wind and solar, retired coal). Largest absolute differences (GPPD −
  default, MW): {_largest_abs(table, 'gen_mw_gppd', 'gen_mw_default')}. Ratios range from {gen_lo} to
  {gen_hi}. State correlation {corr_gen:.3f}. Plants near state borders can also fall on the other
  side in the synthetic grid (plants follow their synthetic substation).
* **Price: the same numbers.** `state_facts.csv` was built from the same EIA file
  (the 2018 EIA state averages this table held before `data/build/build_state_facts.py` moved it to EIA 2023), so the check only
  confirms the build. `model.inputs.realdata.county_industrial_price()` gives a county-level alternative
  (the county's largest utility in the PNNL 2018 entity mapping, EIA-861 revenue / sales).
* **Vintages**: TAMU synthetic grid ≈ 2016 fleet; HIFLD ≈ 2020-21; GPPD capacity 2019; EIA-860 and
  prices 2018 (nominal $). CERF's state polygons are generalised, so a few coastal points are assigned
  by nearest state.

## By state

{to_markdown(table)}
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="shared data folder (default: $SITING_DATA_DIR or ../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    table, meta = build_table(args.data_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(table, meta))
    tot = table[["subs_default", "subs_real", "gen_mw_default", "gen_mw_gppd", "gen_mw_eia860"]].sum()
    print(f"wrote {args.out}")
    print(tot.round(0).to_string())


if __name__ == "__main__":
    main()
