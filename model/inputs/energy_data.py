"""Hourly inputs of the energy block: representative hours with weights, per-zone profiles, asset costs.

Dispatch zones are states (legacy supply) or ReEDS zones (zonal supply, the default). The synthetic
weather, price and grid-carbon shapes are state-level data; ReEDS zones nest within states (DC sits in
a Maryland zone), so a ReEDS zone takes its state's series (``at_zones``). Capacities stay per site
(model/milp/components/dispatch.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.core.units import HOURS_PER_DAY, HOURS_PER_YEAR
from model.inputs.datasets import DEFAULT_DATA_DIR
from model.inputs.timeseries import hourly_profiles, hours_weights, load_energy_costs, load_energy_profiles, representative_days


@dataclass(frozen=True)
class EnergyData:
    weights: pd.Series  # index (day, hour): hours of the year each representative hour stands for
    solar_cf: pd.DataFrame  # index (day, hour), columns zone
    wind_cf: pd.DataFrame
    price_factor: pd.DataFrame  # x the zone's annual price
    co2_factor: pd.DataFrame  # x the zone's annual CO2 rate
    zones: pd.DataFrame  # index zone: grid_clean_share, solar_land_acres_per_mw, wind_land_acres_per_mw
    costs: dict[str, float]  # data/energy_costs.csv
    # Hours each step of a representative day lasts (1: hourly; k: the day in 24 / k blocks of k hours,
    # each the mean of its hours). The battery's state of charge moves by power x this many hours.
    hours_per_period: float = 1.0

    def __post_init__(self) -> None:
        total = float(self.weights.sum())
        if abs(total - HOURS_PER_YEAR) > 1e-6 * HOURS_PER_YEAR:
            raise ValueError(f"representative hour weights sum to {total}, not {HOURS_PER_YEAR}")

    def at_zones(self, zone_state: dict[str, str]) -> "EnergyData":
        """The same series keyed by dispatch zone: each zone takes its state's columns and facts."""
        zones = sorted(zone_state, key=lambda z: (len(z), z))
        states = [zone_state[z] for z in zones]

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            out = frame[states].copy()
            out.columns = pd.Index(zones)
            return out

        facts = self.zones.loc[states].copy()
        facts.index = pd.Index(zones, name=self.zones.index.name)
        return EnergyData(
            weights=self.weights,
            solar_cf=pick(self.solar_cf),
            wind_cf=pick(self.wind_cf),
            price_factor=pick(self.price_factor),
            co2_factor=pick(self.co2_factor),
            zones=facts,
            costs=self.costs,
            hours_per_period=self.hours_per_period,
        )


def load_energy_data(
    states: list[str], rep_days: int, seed: int = 0, data_dir: Path = DEFAULT_DATA_DIR, hours_per_period: int = 1
) -> EnergyData:
    """Profiles for ``states`` reduced to ``rep_days`` representative days (model.inputs.timeseries),
    optionally in blocks of ``hours_per_period`` hours (:func:`in_blocks`)."""

    profiles = hourly_profiles(states, seed=seed, data_dir=data_dir)
    rep = representative_days(profiles, n_days=rep_days)
    facts = load_energy_profiles(data_dir).loc[states]
    weights = hours_weights(rep)
    series = {name: rep.hourly[name][states] for name in ("solar_cf", "wind_cf", "price_factor", "co2_factor")}
    if hours_per_period > 1:
        weights, series = in_blocks(weights, series, hours_per_period)
    return EnergyData(
        weights=weights,
        **series,
        zones=facts[["grid_clean_share", "solar_land_acres_per_mw", "wind_land_acres_per_mw"]],
        costs=load_energy_costs(data_dir),
        hours_per_period=float(hours_per_period),
    )


def in_blocks(
    weights: pd.Series, series: dict[str, pd.DataFrame], hours: int
) -> tuple[pd.Series, dict[str, pd.DataFrame]]:
    """Each representative day in 24 / ``hours`` consecutive blocks: a block's value is the mean of its
    hours (annual energy, capacity factors and mean prices are kept exactly; within-block peaks are
    averaged away) and its weight the sum of theirs. Index (day, block), block = hour // hours."""
    if HOURS_PER_DAY % hours:
        raise ValueError(f"hours_per_period {hours} does not divide a day")

    def key(index: pd.MultiIndex) -> list[pd.Index]:
        return [index.get_level_values("day"), pd.Index(index.get_level_values("hour") // hours, name="hour")]

    blocks_w = weights.groupby(key(weights.index)).sum()
    blocks = {name: frame.groupby(key(frame.index)).mean() for name, frame in series.items()}
    return blocks_w, blocks
