"""Energy at scale (issue 24, item 1): how much of a campus's energy its county's utility sells at the tariff, what
the rest costs, and what a firm import between zones costs.

A county's retail price (``county_price.csv``) is an embedded average: a utility sells it to a new load only up to
a share of its own size. :func:`energy_scale` gives, per candidate site, the serving utility and ``tariff_mw``
(``county_utility_scale.csv``), and per site and model year the price beyond it (``zone_marginal_price.csv`` at the
site's zone: wholesale energy + large-load delivery); plus the take-or-pay share of large-load tariffs and the
wheeling cost of imports (``energy_scale_assumptions.csv``). Tables, rules and sources: docs/supply_data.md
section 8 and data/SOURCES.md; built by data/build/build_energy_scale.py. All prices are 2023 $ (the county
prices' and ATB's dollar year).

How the cost blocks use it (the specification; model/milp/components/energy.py ``add_tariff`` wires it, the tranche in
MW at the flat load, and in hourly mode within the grid MWh each zone buys, ``add_tariff_within_grid``):

* **Split a campus's grid energy in two blocks.** For site ``s`` in year ``y`` with grid draw ``g`` (MW, hourly,
  or MWh a year in annual mode): ``g = g_tariff + g_beyond``, ``0 <= g_tariff <= tariff_mw[s]`` (MW; in annual
  mode ``<= tariff_mw[s] x load_factor x 8,760 h``). ``g_tariff`` pays the county price
  (``county_price.csv``), ``g_beyond`` pays ``beyond_tariff_usd_per_mwh[s, y]`` (= ``energy`` + ``delivery``).
  Several campuses served by one utility share its ``tariff_mw``: sum ``g_tariff`` over the sites with the same
  ``utility_id`` (``utility_id`` 0 = no utility with reported sales: no shared cap) and bound the sum by the
  utility's ``tariff_mw`` (equal on all of its counties).
* **Or supply itself**: new generation of the supply block (``model/inputs/supply.py``) displaces grid energy,
  ``g_beyond`` first wherever ``beyond`` is the dearer block. With the default tables ``beyond`` is *below* the
  county price in 3,062 of 3,108 counties in 2026 (about half the held large-load tariffs' blended rates: the
  marginal-energy + demand-charge build leaves out energy-rate riders and separately bought capacity), so this
  split lowers large campuses' energy cost almost everywhere and raises it only in cheap-hydro counties such as
  Chelan; docs/supply_data.md section 8 gives the comparison and the alternatives (``gas_ct_usd_per_mwh``,
  ``large_load_blended_usd_per_mwh`` of ``zone_marginal_price.csv``). ``texas_tdu`` flags the ERCOT counties of
  the Texas wires utilities, where a campus buys all of its energy at market in fact.
* **Take-or-pay.** Large-load tariffs bill at least ``min_demand_share`` (0.80) of the contracted demand whether
  used or not for ``min_contract_years``: charge the beyond block's delivery on contracted MW, i.e.
  ``delivery_usd_per_mw_year x MW_beyond`` (``delivery_usd_per_mwh x load_factor x 8,760``) with
  ``MW_beyond >= min_demand_share x`` the contracted beyond-tariff MW, instead of per MWh.
* **Imports** from zone ``a`` to zone ``b`` cost the exporting zone's ``zone_energy_usd_per_mwh[a, y]`` plus
  :meth:`EnergyScale.wheeling_usd_per_mwh_between` (0 between zones of one ISO/RTO, one point-to-point charge
  otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.core.errors import InputDataError, shown
from model.core.tables import Schema, indexed_by, read_csv
from model.inputs.datasets import COUNTY_ROWS, DEFAULT_DATA_DIR

SCALE_FILE = "county_utility_scale.csv"
PRICE_FILE = "zone_marginal_price.csv"
ASSUMPTIONS_FILE = "energy_scale_assumptions.csv"
SCALE_SCHEMA: Schema = {
    "county_fips": "str", "zone": "str", "utility_id": "int", "utility_name": "str", "tariff_mw": "float",
    "sales_source": "str", "peak_source": "str", "tariff_source": "str",
}  # fmt: skip
PRICE_SCHEMA: Schema = {
    "zone": "str", "year": "int", "transreg": "str", "energy_usd_per_mwh": "float", "delivery_usd_per_mwh": "float",
    "beyond_tariff_usd_per_mwh": "float", "method": "str", "source": "str",
}  # fmt: skip
ASSUMPTIONS_SCHEMA: Schema = {"name": "str", "value": "float", "low": "float", "high": "float", "unit": "str", "source": "str"}
ASSUMPTION_NAMES = (
    "min_demand_share", "min_contract_years", "wheeling_usd_per_mwh", "wheeling_within_rto_usd_per_mwh",
    "delivery_load_factor",
)  # fmt: skip
# ReEDS transmission regions run by one ISO/RTO: imports between their zones pay no point-to-point charge.
RTO_TRANSREGS = frozenset({"CAISO", "ERCOT", "ISONE", "MISO", "NYISO", "PJM", "SPP"})
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class EnergyScale:
    """Per candidate site: its serving utility and ``tariff_mw``; per site and model year the price beyond it.

    Frames by site are indexed like the ``sites`` given to :func:`energy_scale`, with one column per model year.
    """

    sites: pd.DataFrame  # county_fips, zone, utility_id, utility_name, tariff_mw, texas_tdu
    energy_usd_per_mwh: pd.DataFrame  # wholesale energy beyond the tariff at the site's zone
    delivery_usd_per_mwh: pd.DataFrame  # large-load demand charges at delivery_load_factor, per MWh
    beyond_tariff_usd_per_mwh: pd.DataFrame  # energy + delivery
    zone_energy_usd_per_mwh: pd.DataFrame  # index zone (every zone of the table), columns years: imports' energy
    zone_transreg: pd.Series  # index zone: ReEDS transmission region
    min_demand_share: float  # share of contracted demand billed whether used or not
    min_contract_years: float
    wheeling_usd_per_mwh: float  # one point-to-point charge, per MWh imported
    wheeling_within_rto_usd_per_mwh: float
    delivery_load_factor: float  # the load factor delivery_usd_per_mwh was converted at

    @property
    def tariff_mw(self) -> pd.Series:
        """MW of new load the site's utility serves at its tariff (county) price."""
        return self.sites["tariff_mw"]

    @property
    def utility_id(self) -> pd.Series:
        """EIA utility number of the site's serving utility (0: none with reported sales)."""
        return self.sites["utility_id"]

    def delivery_usd_per_mw_year(self) -> pd.DataFrame:
        """The delivery adder as a charge on contracted MW (take-or-pay form): $/MWh x load factor x 8,760 h."""
        return self.delivery_usd_per_mwh * self.delivery_load_factor * HOURS_PER_YEAR

    def wheeling_usd_per_mwh_between(self, from_zone: pd.Series, to_zone: pd.Series) -> pd.Series:
        """Wheeling per MWh of a firm import from ``from_zone`` to ``to_zone`` (aligned Series of zone names):
        0 within a zone or between two zones of the same ISO/RTO, else one point-to-point charge."""
        a = from_zone.map(self.zone_transreg)
        b = to_zone.map(self.zone_transreg)
        unknown = a.isna() | b.isna()
        if unknown.any():
            z = from_zone[a.isna()].iloc[0] if a.isna().any() else to_zone[b.isna()].iloc[0]
            raise InputDataError(f"{PRICE_FILE}: column 'zone': no row for zone {shown(z)}")
        same_rto = (a == b) & a.isin(RTO_TRANSREGS)
        free = (from_zone.to_numpy() == to_zone.to_numpy()) | same_rto.to_numpy()
        out = np.where(free, self.wheeling_within_rto_usd_per_mwh, self.wheeling_usd_per_mwh)
        return pd.Series(out, index=from_zone.index, dtype=float)


def load_county_utility_scale(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """``county_utility_scale.csv`` indexed by county FIPS: zone, utility_id, utility_name, tariff_mw (>= 0)."""
    path = data_dir / SCALE_FILE
    df = read_csv(path, SCALE_SCHEMA, optional={"texas_tdu": "str"}, **COUNTY_ROWS)
    bad = df["tariff_mw"] < 0
    if bad.any():
        raise InputDataError(f"{path}: column 'tariff_mw' is negative (row {int(np.flatnonzero(bad)[0]) + 1})")
    if (df["utility_id"] < 0).any():
        raise InputDataError(f"{path}: column 'utility_id' is negative (row {int(np.flatnonzero(df['utility_id'] < 0)[0]) + 1})")
    df["texas_tdu"] = df["texas_tdu"].astype(str).str.lower().eq("true")
    return indexed_by(df, "county_fips", str(path))


def load_zone_marginal_price(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """``zone_marginal_price.csv`` indexed by (zone, year); prices >= 0 and beyond = energy + delivery."""
    path = data_dir / PRICE_FILE
    df = read_csv(path, PRICE_SCHEMA)
    for col in ("energy_usd_per_mwh", "delivery_usd_per_mwh", "beyond_tariff_usd_per_mwh"):
        bad = df[col] < 0
        if bad.any():
            raise InputDataError(f"{path}: column '{col}' is negative (row {int(np.flatnonzero(bad)[0]) + 1})")
    off = (df["beyond_tariff_usd_per_mwh"] - df["energy_usd_per_mwh"] - df["delivery_usd_per_mwh"]).abs() > 1e-3
    if off.any():
        raise InputDataError(
            f"{path}: column 'beyond_tariff_usd_per_mwh' is not energy + delivery (row {int(np.flatnonzero(off)[0]) + 1})"
        )
    dup = df.duplicated(["zone", "year"])
    if dup.any():
        r = df.loc[dup].iloc[0]
        raise InputDataError(f"{path}: columns 'zone', 'year': duplicate row ({r['zone']}, {r['year']})")
    if (df.groupby("zone")["transreg"].nunique() > 1).any():
        raise InputDataError(f"{path}: column 'transreg': a zone has more than one transmission region")
    return df.set_index(["zone", "year"]).sort_index()


def load_energy_scale_assumptions(data_dir: Path = DEFAULT_DATA_DIR) -> pd.Series:
    """``energy_scale_assumptions.csv``: value by name; every name of ASSUMPTION_NAMES present, values >= 0,
    ``min_demand_share`` at most 1."""
    path = data_dir / ASSUMPTIONS_FILE
    df = indexed_by(read_csv(path, ASSUMPTIONS_SCHEMA), "name", str(path))
    missing = [n for n in ASSUMPTION_NAMES if n not in df.index]
    if missing:
        raise InputDataError(f"{path}: column 'name': no row {shown(missing[0])}")
    values = df["value"]
    if (values.loc[list(ASSUMPTION_NAMES)] < 0).any():
        name = values.loc[list(ASSUMPTION_NAMES)].lt(0).idxmax()
        raise InputDataError(f"{path}: column 'value' is negative for {shown(name)}")
    for name in ("min_demand_share", "delivery_load_factor"):
        if values[name] > 1:
            raise InputDataError(f"{path}: column 'value' of {shown(name)} is more than 1")
    if values["delivery_load_factor"] <= 0:
        raise InputDataError(f"{path}: column 'value' of 'delivery_load_factor' must be positive")
    return values


def energy_scale(sites: pd.DataFrame, years: list[int], data_dir: Path = DEFAULT_DATA_DIR) -> EnergyScale:
    """Per site of ``sites`` (a frame with ``county_fips``; its ``zone`` column, when present, is the site's zone,
    else the county's): the serving utility and ``tariff_mw``, and for each of ``years`` the energy, delivery and
    beyond-tariff prices at the site's zone (2023 $/MWh). Every failure names the file and column."""
    if "county_fips" not in sites:
        raise InputDataError("sites: missing column 'county_fips'")
    scale = load_county_utility_scale(data_dir)
    prices = load_zone_marginal_price(data_dir)
    values = load_energy_scale_assumptions(data_dir)
    fips = sites["county_fips"].astype(str)
    unknown = ~fips.isin(scale.index)
    if unknown.any():
        raise InputDataError(
            f"{data_dir / SCALE_FILE}: column 'county_fips': no row for county {shown(fips[unknown].iloc[0])} "
            f"(site {shown(str(sites.index[unknown][0]))})"
        )
    rows = scale.loc[fips.to_numpy()]
    out = pd.DataFrame(
        {
            "county_fips": fips.to_numpy(),
            "zone": sites["zone"].astype(str).to_numpy() if "zone" in sites else rows["zone"].to_numpy(),
            "utility_id": rows["utility_id"].to_numpy(),
            "utility_name": rows["utility_name"].to_numpy(),
            "tariff_mw": rows["tariff_mw"].to_numpy(dtype=float),
            "texas_tdu": rows["texas_tdu"].to_numpy(dtype=bool),
        },
        index=sites.index,
    )
    year_list = [int(y) for y in years]
    table_zones = prices.index.get_level_values("zone").unique()
    missing_zone = ~out["zone"].isin(table_zones)
    if missing_zone.any():
        zone = out.loc[missing_zone, "zone"].iloc[0]
        raise InputDataError(f"{data_dir / PRICE_FILE}: column 'zone': no row for zone {shown(zone)}")
    wanted = pd.MultiIndex.from_product([table_zones, year_list], names=["zone", "year"])
    absent = wanted.difference(prices.index)
    if len(absent):
        z, y = absent[0]
        raise InputDataError(f"{data_dir / PRICE_FILE}: column 'year': zone {shown(z)} has no row for {y}")

    def by_site(col: str) -> pd.DataFrame:
        zone_year = prices[col].unstack("year").loc[:, year_list]
        frame = zone_year.loc[out["zone"].to_numpy()]
        frame.index = out.index
        frame.columns.name = "year"
        return frame

    zone_energy = prices["energy_usd_per_mwh"].unstack("year").loc[:, year_list]
    zone_energy.columns.name = "year"
    transreg = prices["transreg"].groupby(level="zone").first()
    return EnergyScale(
        sites=out,
        energy_usd_per_mwh=by_site("energy_usd_per_mwh"),
        delivery_usd_per_mwh=by_site("delivery_usd_per_mwh"),
        beyond_tariff_usd_per_mwh=by_site("beyond_tariff_usd_per_mwh"),
        zone_energy_usd_per_mwh=zone_energy,
        zone_transreg=transreg,
        min_demand_share=float(values["min_demand_share"]),
        min_contract_years=float(values["min_contract_years"]),
        wheeling_usd_per_mwh=float(values["wheeling_usd_per_mwh"]),
        wheeling_within_rto_usd_per_mwh=float(values["wheeling_within_rto_usd_per_mwh"]),
        delivery_load_factor=float(values["delivery_load_factor"]),
    )
