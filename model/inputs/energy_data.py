"""Hourly inputs of the energy block: representative hours with weights, per-zone profiles, asset costs.

Zones are states: profiles, prices and grid carbon are state-level data, and one state's campuses
share its hourly series. Capacities stay per site (see model/components/dispatch.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.core.units import HOURS_PER_YEAR
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

    def __post_init__(self) -> None:
        total = float(self.weights.sum())
        if abs(total - HOURS_PER_YEAR) > 1e-6 * HOURS_PER_YEAR:
            raise ValueError(f"representative hour weights sum to {total}, not {HOURS_PER_YEAR}")


def load_energy_data(states: list[str], rep_days: int, seed: int = 0, data_dir: Path = DEFAULT_DATA_DIR) -> EnergyData:
    """Profiles for ``states`` reduced to ``rep_days`` representative days (model.inputs.timeseries)."""

    profiles = hourly_profiles(states, seed=seed, data_dir=data_dir)
    rep = representative_days(profiles, n_days=rep_days)
    facts = load_energy_profiles(data_dir).loc[states]
    return EnergyData(
        weights=hours_weights(rep),
        solar_cf=rep.hourly["solar_cf"][states],
        wind_cf=rep.hourly["wind_cf"][states],
        price_factor=rep.hourly["price_factor"][states],
        co2_factor=rep.hourly["co2_factor"][states],
        zones=facts[["grid_clean_share", "solar_land_acres_per_mw", "wind_land_acres_per_mw"]],
        costs=load_energy_costs(data_dir),
    )
