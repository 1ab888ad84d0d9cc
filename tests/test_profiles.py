"""Representative days at ReEDS zones: the day-selection / rescaling split of model.inputs.timeseries,
and the metrics and zone matrix of benchmarks/profiles.py (the PAM vs tsam comparison)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from model.inputs.datasets import load_county_zone
from model.inputs.timeseries import (
    DEFAULT_REP_DAYS_METHOD,
    SERIES,
    days_from_selection,
    hour_index,
    hours_weights,
    kmedoids_days,
    representative_days,
)
from tests.conftest import REPO, load_script

# A year of two day types: the first 200 days "A", the last 165 "B"; every hour of a day equal.
N_A, N_B = 200, 165
LEVELS = {  # (A, B) per series
    "solar_cf": (0.2, 0.4),
    "wind_cf": (0.5, 0.3),
    "price_factor": (0.9, 1.12),
    "co2_factor": (1.05, 0.94),
}


def two_type_year(columns: tuple[str, ...] = ("XA", "XB")) -> dict[str, pd.DataFrame]:
    out = {}
    for name, (a, b) in LEVELS.items():
        daily = np.r_[np.full(N_A, a), np.full(N_B, b)]
        hourly = np.repeat(daily, 24)
        # The second column is 10 % lower, so columns differ but cluster the same way.
        values = np.column_stack([hourly * (1.0 - 0.1 * j) for j in range(len(columns))])
        out[name] = pd.DataFrame(values, index=hour_index(2023), columns=list(columns))
    return out


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script(REPO / "benchmarks" / "profiles.py", "benchmarks_profiles")


def test_default_method_is_kmedoids_and_others_are_refused() -> None:
    assert DEFAULT_REP_DAYS_METHOD == "kmedoids"
    with pytest.raises(ValueError, match="benchmarks/profiles.md"):
        representative_days(two_type_year(), n_days=2, method="tsam")  # type: ignore[arg-type]


def test_kmedoids_finds_the_two_day_types() -> None:
    medoids, labels = kmedoids_days(two_type_year(), 2)
    assert len(medoids) == 2 and medoids[0] < N_A <= medoids[1]
    assert (labels[:N_A] == medoids[0]).all() and (labels[N_A:] == medoids[1]).all()
    rep = representative_days(two_type_year(), n_days=2)
    assert rep.weights.to_list() == [N_A, N_B]
    # Each type's own day stands for it, so no rescaling is needed: values are the day types' levels.
    assert rep.hourly["solar_cf"]["XA"].to_numpy() == pytest.approx(np.repeat([0.2, 0.4], 24), rel=1e-12)
    assert rep.hourly["price_factor"]["XB"].to_numpy() == pytest.approx(np.repeat([0.81, 1.008], 24), rel=1e-12)


def test_one_day_is_rescaled_to_the_annual_mean() -> None:
    year = two_type_year()
    rep = representative_days(year, n_days=1)
    assert rep.weights.to_list() == [365] and rep.days[0] <= N_A  # the majority type's day is the medoid
    mean_solar = (N_A * 0.2 + N_B * 0.4) / 365  # 0.290411
    assert rep.hourly["solar_cf"]["XA"].to_numpy() == pytest.approx(np.full(24, mean_solar), rel=1e-9)
    assert rep.hourly["solar_cf"]["XB"].to_numpy() == pytest.approx(np.full(24, 0.9 * mean_solar), rel=1e-9)
    assert hours_weights(rep).sum() == pytest.approx(8760.0)


def test_days_from_selection_all_days_is_the_year_itself() -> None:
    year = two_type_year()
    days = np.arange(365)
    rep = days_from_selection(year, days, days)
    assert rep.days == list(range(1, 366)) and (rep.weights == 1).all()
    for name in SERIES:  # CFs go through the bisection, which stops at a relative 1e-12
        assert rep.hourly[name].to_numpy() == pytest.approx(year[name].to_numpy(), rel=1e-11), name


def test_days_from_selection_refuses_inconsistent_choices() -> None:
    year = two_type_year()
    labels = np.r_[np.zeros(N_A, dtype=int), np.full(N_B, 300)]
    assert days_from_selection(year, np.array([0, 300]), labels).weights.to_list() == [N_A, N_B]
    with pytest.raises(ValueError, match="stand for itself"):
        days_from_selection(year, np.array([0, 300]), np.r_[np.full(N_A, 300), np.zeros(N_B, dtype=int)])
    with pytest.raises(ValueError, match="ascending unique"):
        days_from_selection(year, np.array([300, 0]), labels)
    with pytest.raises(ValueError, match="one medoid per day"):
        days_from_selection(year, np.array([0, 300]), labels[:-1])


def test_duplicated_zone_columns_and_identical_days() -> None:
    # Zone columns repeat their state's series (a state with three zones weighs three times), and this
    # year has only two distinct days, so a third medoid duplicates one: it must still stand for itself
    # (weight >= 1, not a zero-weight day), and repeats must give identical output.
    year = two_type_year(("z1", "z2", "z3"))
    a, b = representative_days(year, n_days=3), representative_days(year, n_days=3)
    assert len(a.days) == 3 and a.weights.min() == 1 and int(a.weights.sum()) == 365
    assert sorted(a.weights.to_list()) == [1, N_B, N_A - 1] or sorted(a.weights.to_list()) == [1, N_B - 1, N_A]
    assert a.days == b.days and a.assignment.equals(b.assignment)
    for name in SERIES:
        assert a.hourly[name].equals(b.hourly[name]), name


def test_zone_matrix_has_one_column_per_reeds_zone(bench: ModuleType) -> None:
    states = ["TX", "MD", "ME"]
    fake = {name: pd.DataFrame(np.arange(3.0)[None, :] + np.zeros((8760, 1)), columns=states) for name in SERIES}
    county_zone = load_county_zone()
    wanted = sorted(county_zone.loc[county_zone["zone_state"].isin(states), "zone"].unique(), key=lambda z: int(z[1:]))
    # The benchmark's zone matrix uses every zone; here only those of three states are checked.
    with pytest.raises(KeyError):
        bench.zone_profiles(fake)  # other states' series are missing
    all_states = sorted(county_zone["zone_state"].unique())
    fake_all = {name: pd.DataFrame(np.tile(np.arange(len(all_states), dtype=float), (8760, 1)), columns=all_states) for name in SERIES}
    zones = bench.zone_profiles(fake_all)["solar_cf"]
    assert zones.shape == (8760, 134) and zones.columns[0] == "p1" and zones.columns[-1] == "p134"
    state_of = county_zone.drop_duplicates("zone").set_index("zone")["zone_state"]
    assert (zones.iloc[0] == [all_states.index(state_of[z]) for z in zones.columns]).all()
    assert (state_of[zones.columns] == "TX").sum() == 11 and "DC" not in set(state_of)  # DC's county is in an MD zone
    assert set(wanted) <= set(zones.columns)


def test_benchmark_metrics_on_the_two_type_year(bench: ModuleType) -> None:
    year = two_type_year()
    exact = bench.evaluate(year, representative_days(year, n_days=2))
    for name in SERIES:
        assert exact[f"energy_{name}_max"] == pytest.approx(0.0, abs=1e-12)
        assert exact[f"peak_{name}_min"] == pytest.approx(1.0, rel=1e-12)
        assert exact[f"dc_{name}"] == pytest.approx(0.0, abs=1e-12)
    one = bench.evaluate(year, representative_days(year, n_days=1))
    mean_solar = (N_A * 0.2 + N_B * 0.4) / 365
    # The one (type A) day holds 0.2 against a 0.2904 year: -31.1 % before rescaling, 0.0904 CF points in XA.
    assert one["energy_solar_cf_max"] == pytest.approx(1 - 0.2 / mean_solar, rel=1e-9)
    assert one["cf_solar_cf_max"] == pytest.approx(mean_solar - 0.2, rel=1e-9)
    assert one["post_energy"] < 1e-9
    # Rescaled flat to the mean, the day keeps 0.2904 / 0.4 = 72.6 % of the peak; the duration curve's
    # RMSE is the two-level year's standard deviation: 0.2 sqrt(p (1 - p)), p = 165/365, in XA (x 0.9 in XB).
    assert one["peak_solar_cf_min"] == pytest.approx(mean_solar / 0.4, rel=1e-9)
    p = N_B / 365
    assert one["dc_solar_cf"] == pytest.approx(0.2 * np.sqrt(p * (1 - p)) * (1 + 0.9) / 2, rel=1e-9)
