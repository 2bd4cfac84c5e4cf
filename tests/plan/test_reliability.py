"""Compressor-unit chains and pipeline outages against their analytic statistics."""

from __future__ import annotations

import math

import numpy as np

from trunkline.plan.reliability import (
    PipelineOutages,
    UnitReliability,
    draw_unit_events,
    event_block,
    outage_days,
    simulate_station_states,
)


def _time_in_state(times: np.ndarray, down: np.ndarray, horizon: float, units: int
                   ) -> np.ndarray:
    start = np.concatenate((np.zeros((len(times), 1)), times), axis=1)
    state = np.concatenate((np.zeros((len(times), 1), dtype=np.int64), down), axis=1)
    end = np.minimum(np.concatenate((times, np.full((len(times), 1), np.inf)), axis=1),
                     horizon)
    dur = np.clip(end - np.minimum(start, horizon), 0, None)
    return np.array([dur[state == k].sum() for k in range(units + 1)]) / (len(times) * horizon)


def test_station_chain_matches_binomial_stationary_law() -> None:
    unit = UnitReliability(mtbf=500.0, mttr=50.0)
    rng = np.random.default_rng(7)
    horizon = 3000.0
    block = event_block(4, horizon, unit)
    draws = np.concatenate([draw_unit_events(rng, 1, block) for _ in range(200)])
    times, down = simulate_station_states(draws, 4, unit)
    assert np.all(times[:, -1] > horizon)
    frac = _time_in_state(times, down, horizon, 4)
    q = 1 - unit.availability
    expected = np.array([math.comb(4, k) * q**k * (1 - q) ** (4 - k) for k in range(5)])
    assert abs(frac[0] - expected[0]) < 0.01
    assert abs(frac[1] - expected[1]) < 0.01
    assert abs(frac[2] - expected[2]) < 0.005
    assert np.all((down >= 0) & (down <= 4))


def test_availability_default() -> None:
    u = UnitReliability()
    assert 0.97 < u.availability < 0.99
    assert u.failure_rate == 24.0 / u.mtbf


def test_outage_count_is_poisson_mean() -> None:
    o = PipelineOutages(rate=0.5, mean_repair_days=5.0)
    rng = np.random.default_rng(3)
    counts = [len(outage_days(rng, o, 2000.0, 3650)[0]) for _ in range(2000)]
    assert abs(np.mean(counts) - 0.5 * 2 * 10) < 0.3
    first, stop = outage_days(np.random.default_rng(1), o, 2000.0, 3650)
    assert np.all(stop <= 3650) and np.all(first >= 0)
