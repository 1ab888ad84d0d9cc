"""Synthetic hourly profiles (model.inputs.timeseries): sourced annual means, determinism, physics of the
solar shape, and representative days that reproduce the year."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from model.inputs.datasets import DEFAULT_DATA_DIR, load_state_facts
from model.inputs.timeseries import (
    HOURS_PER_YEAR,
    SERIES,
    hourly_profiles,
    hours_weights,
    kmedoids_pam,
    load_energy_costs,
    load_energy_profiles,
    local_standard_hours,
    on_peak_mask,
    pairwise_distances,
    representative_days,
    scale_to_mean_clipped,
    state_centroids_lonlat,
)

CHECK_STATES = ["AZ", "TX", "KS", "ME", "VA", "WA", "FL"]


@pytest.fixture(scope="module")
def centroids() -> pd.DataFrame:
    return state_centroids_lonlat()


@pytest.fixture(scope="module")
def sourced() -> pd.DataFrame:
    return load_energy_profiles()


@pytest.fixture(scope="module")
def all_states() -> list[str]:
    return list(load_state_facts().index)


@pytest.fixture(scope="module")
def full_year(all_states, centroids) -> dict[str, pd.DataFrame]:
    return hourly_profiles(all_states, centroids=centroids)


@pytest.fixture(scope="module")
def rep10(full_year):
    return representative_days(full_year, n_days=10)


# ----------------------------------------------------------------------------- data tables
def test_energy_tables_cover_states_and_cite_sources(sourced, all_states):
    raw = pd.read_csv(DEFAULT_DATA_DIR / "energy_profiles.csv")
    assert sorted(raw["state"]) == sorted(all_states)
    for col in [c for c in raw.columns if c.endswith("source")]:
        assert (raw[col].str.len() > 20).all(), col
    assert sourced["solar_cf"].between(0.12, 0.35).all()
    assert sourced["wind_cf"].between(0.15, 0.50).all()
    costs = load_energy_costs()
    for key in ("solar_capex_usd_per_kw_ac", "wind_capex_usd_per_kw", "battery_energy_capex_usd_per_kwh",
                "battery_round_trip_efficiency", "gas_heat_rate_mmbtu_per_mwh", "gas_co2_kg_per_mmbtu",
                "curtailment_cost_usd_per_mwh", "max_flexible_share"):
        assert key in costs
    assert costs["gas_co2_kg_per_mmbtu"] == pytest.approx(53.06)


def test_centroids_are_inside_their_states(centroids):
    assert len(centroids) == 49
    tx = centroids.loc["TX"]
    assert -101 < tx["lon_deg"] < -98 and 30 < tx["lat_deg"] < 33
    me = centroids.loc["ME"]
    assert -71 < me["lon_deg"] < -68 and 44 < me["lat_deg"] < 47


# ----------------------------------------------------------------------------- full year
def test_frames_shape_and_bounds(full_year, all_states):
    assert set(full_year) == set(SERIES)
    for name, frame in full_year.items():
        assert frame.shape == (HOURS_PER_YEAR, len(all_states)), name
        assert str(frame.index.tz) == "UTC"
        assert np.isfinite(frame.to_numpy()).all()
    for name in ("solar_cf", "wind_cf"):
        values = full_year[name].to_numpy()
        assert values.min() >= 0.0 and values.max() <= 1.0
    assert (full_year["price_factor"].to_numpy() > 0).all()


def test_annual_means_equal_sourced_values(full_year, sourced):
    for name in ("solar_cf", "wind_cf"):
        ratio = full_year[name].mean() / sourced.loc[full_year[name].columns, name]
        assert (ratio - 1).abs().max() < 0.005, name
    for name in ("price_factor", "co2_factor"):
        assert np.allclose(full_year[name].mean(), 1.0, rtol=1e-9), name


def test_price_peak_to_offpeak_ratio(full_year, sourced, centroids):
    for st in CHECK_STATES:
        local = local_standard_hours(full_year["price_factor"].index, float(centroids.loc[st, "lon_deg"]))
        on = on_peak_mask(local)
        f = full_year["price_factor"][st].to_numpy()
        assert f[on].mean() / f[~on].mean() == pytest.approx(sourced.loc[st, "price_peak_to_offpeak"], rel=1e-9)


def test_deterministic_and_independent_of_state_subset(full_year, centroids):
    a = hourly_profiles(["TX", "ME"], centroids=centroids)
    b = hourly_profiles(["TX", "ME"], centroids=centroids)
    for name in SERIES:
        pd.testing.assert_frame_equal(a[name], b[name])
        pd.testing.assert_frame_equal(a[name], full_year[name][["TX", "ME"]])
    other_seed = hourly_profiles(["TX"], seed=1, centroids=centroids)
    assert not np.allclose(other_seed["wind_cf"]["TX"], a["wind_cf"]["TX"])


@pytest.mark.parametrize("state", CHECK_STATES)
def test_solar_zero_at_night_and_peaks_near_solar_noon(full_year, centroids, state):
    solar = full_year["solar_cf"][state]
    lon = float(centroids.loc[state, "lon_deg"])
    # local mean solar time at the hour's midpoint
    solar_time_h = (solar.index.hour + 0.5 + lon / 15.0) % 24
    night = (solar_time_h < 3.5) | (solar_time_h > 20.5)  # sun is down at these times in all CONUS seasons
    assert solar[night].max() == 0.0
    mean_by_utc_hour = solar.groupby(solar.index.hour).mean()
    profile = pd.Series(mean_by_utc_hour.to_numpy(), index=(mean_by_utc_hour.index + 0.5 + lon / 15.0) % 24).sort_index()
    # A single-axis tracker gives a flat-topped (slightly two-humped) day, so "peak near noon" is
    # tested as the profile's centre of mass plus the noon hour being near the maximum.
    centre_h = float((profile.index.to_numpy() * profile.to_numpy()).sum() / profile.sum())
    assert abs(centre_h - 12.0) < 0.5
    noon_value = profile.iloc[np.argmin(np.abs(profile.index.to_numpy() - 12.0))]
    assert noon_value >= 0.8 * profile.max()
    assert profile.max() > 3 * profile[(profile.index < 6.5) | (profile.index > 17.5)].max()


# ----------------------------------------------------------------------------- helpers
def test_scale_to_mean_clipped_hits_target_under_cap():
    x = np.linspace(0.0, 2.0, 1001)
    y = scale_to_mean_clipped(x, 0.6)
    assert y.max() <= 1.0 and y.mean() == pytest.approx(0.6, rel=1e-10)
    w = np.arange(1, 1002, dtype=float)
    yw = scale_to_mean_clipped(x, 0.6, weights=w)
    assert np.average(yw, weights=w) == pytest.approx(0.6, rel=1e-10)
    with pytest.raises(ValueError):
        scale_to_mean_clipped(np.array([0.0, 1.0]), 0.7)  # at most half the hours can produce


def test_kmedoids_finds_obvious_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    pts = np.vstack([c + 0.1 * rng.standard_normal((20, 2)) for c in centres])
    medoids = kmedoids_pam(pairwise_distances(pts), 3)
    assert sorted(int(m) // 20 for m in medoids) == [0, 1, 2]


# ----------------------------------------------------------------------------- representative days
@pytest.mark.parametrize("n_days", [8, 12])
def test_n_days_configurable(full_year, n_days):
    rep = representative_days(full_year, n_days=n_days)
    assert len(rep.days) == n_days == len(set(rep.days))
    assert int(rep.weights.sum()) == 365
    assert hours_weights(rep).sum() == pytest.approx(8760.0)
    for frame in rep.hourly.values():
        assert frame.shape[0] == n_days * 24


def test_rep_days_structure(rep10, full_year):
    assert rep10.days == sorted(rep10.days)
    assert int(rep10.weights.sum()) == 365
    assert list(rep10.weights.index) == rep10.days
    assert len(rep10.assignment) == 365 and set(rep10.assignment) == set(rep10.days)
    for day in rep10.days:  # a medoid represents itself
        assert rep10.assignment.loc[day] == day
    w = hours_weights(rep10)
    assert w.sum() == pytest.approx(8760.0)
    for name, frame in rep10.hourly.items():
        assert frame.index.equals(w.index), name
        assert list(frame.columns) == list(full_year[name].columns)


def test_rep_days_reproduce_annual_means(rep10, full_year):
    w = hours_weights(rep10).to_numpy()
    for name in SERIES:
        rep_mean = (rep10.hourly[name].to_numpy() * w[:, None]).sum(axis=0) / w.sum()
        year_mean = full_year[name].mean().to_numpy()
        assert np.abs(rep_mean / year_mean - 1).max() < 0.02, name
    for name in ("solar_cf", "wind_cf"):
        values = rep10.hourly[name][CHECK_STATES].to_numpy()
        assert values.min() >= 0.0 and values.max() <= 1.0


def test_rep_days_deterministic(full_year):
    a = representative_days(full_year, n_days=8)
    b = representative_days(full_year, n_days=8)
    assert a.days == b.days
    pd.testing.assert_series_equal(a.assignment, b.assignment)
    for name in SERIES:
        pd.testing.assert_frame_equal(a.hourly[name], b.hourly[name])


def test_unknown_method_rejected(full_year):
    with pytest.raises(ValueError):
        representative_days(full_year, method="kmeans")


@pytest.mark.slow
def test_runtime_all_states_recorded(all_states, record_property):
    """Measure (not assert) the wall time of the full pipeline, county centroids included."""
    start = time.perf_counter()
    profiles = hourly_profiles(all_states)
    mid = time.perf_counter()
    rep = representative_days(profiles, n_days=10)
    end = time.perf_counter()
    # What the run produced, not only how long it took: a full year for every state, and 10 days
    # whose weights stand for the 365 days of the year.
    for name in SERIES:
        assert profiles[name].shape == (8760, len(all_states)), name
        assert rep.hourly[name].shape == (240, len(all_states)), name
    assert len(rep.days) == 10 and int(rep.weights.sum()) == 365
    record_property("hourly_profiles_s", round(mid - start, 2))
    record_property("representative_days_s", round(end - mid, 2))
    print(f"\nhourly_profiles(49 states): {mid - start:.1f} s; representative_days(10): {end - mid:.2f} s")
