"""Compressor-unit chains and pipeline outages against their analytic statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trunkline.errors import InputError
from trunkline.plan.reliability import (
    PipelineOutages,
    StationChain,
    UnitReliability,
    outage_days,
    station_excursions,
)

# Fast-failing units so that 200 chains × 3,000 days give tight statistics.
_UNIT = UnitReliability(mtbf=500.0, mttr=50.0)


def _binomial(n: int, q: float) -> np.ndarray:
    return np.array([math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(n + 1)])


def _time_above(chain: StationChain, rows: int, horizon: float, block: int | None = None
                ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    rngs = [np.random.default_rng(np.random.SeedSequence(11, spawn_key=(i,)))
            for i in range(rows)]
    out = station_excursions(chain, rngs, 1, horizon, block=block)
    row, a, b, d = out
    dur = np.clip(np.minimum(b, horizon) - a, 0, None)
    frac = np.array([dur[d == k].sum() for k in range(chain.units + 1)]) / (rows * horizon)
    return frac, row, out


@pytest.mark.parametrize("units,spare", [(4, 1), (4, 0), (5, 2), (2, 1)])
def test_time_above_spares_matches_the_binomial_law(units: int, spare: int) -> None:
    """Independent alike units: long-run P(d down) = C(N,d) q^d (1-q)^(N-d), q = 1 - A."""
    chain = StationChain(units, spare, _UNIT)
    frac, _, _ = _time_above(chain, 300, 3000.0)
    expected = _binomial(units, 1 - _UNIT.availability)
    # the first state above the spares carries most of the time: 5 % (~3 sd of 300
    # chains); the rarer states, a few dozen visits each, only to within 50 %
    assert frac[spare + 1] == pytest.approx(expected[spare + 1], rel=0.05)
    for k in range(spare + 2, units + 1):
        assert frac[k] == pytest.approx(expected[k], rel=0.5), k
    assert np.all(frac[: spare + 1] == 0)


def test_excursion_count_matches_the_crossing_rate() -> None:
    """Entries into spare + 1 per day → π_s (N - s) λ (stationary up-crossing rate)."""
    chain = StationChain(4, 1, _UNIT)
    horizon = 3000.0
    _, _, (r, a, b, _) = _time_above(chain, 300, horizon)
    o = np.lexsort((a, r))
    r, a, b = r[o], a[o], b[o]
    entry = np.concatenate(([True], (r[1:] != r[:-1]) | (a[1:] != b[:-1])))
    per_chain = np.count_nonzero(entry) / 300
    assert per_chain == pytest.approx(chain.crossing_rate() * horizon, rel=0.05)


def test_passage_law_and_inversion() -> None:
    chain = StationChain(4, 1, UnitReliability())
    for start in (0, 1):
        c, r = chain.passage_law(start)
        assert c.sum() == pytest.approx(1.0, abs=1e-12)  # S(0) = 1
        assert np.all(r < 0)
        u = 1.0 - np.random.default_rng(start).random(200_000)
        t = chain.sample_passage(u, start)
        s = np.exp(np.multiply.outer(t, r)) @ c
        assert np.max(np.abs(np.log(s) - np.log(u))) < 1e-11
        assert t.mean() == pytest.approx(chain.passage_mean(start), rel=0.01)
    # one fine state (no spares): Exp(Nλ) exactly
    one = StationChain(3, 0, UnitReliability())
    assert one.passage_mean(0) == pytest.approx(1 / (3 * one.unit.failure_rate), rel=1e-12)
    assert one.sample_passage(np.array([np.exp(-1.0)]), 0)[0] == pytest.approx(
        1 / (3 * one.unit.failure_rate), rel=1e-12)


def test_short_blocks_are_extended_and_every_chain_reaches_the_horizon() -> None:
    chain = StationChain(4, 1, _UNIT)
    horizon = 3000.0
    f_auto, _, (_, a1, _, _) = _time_above(chain, 100, horizon)
    f_small, _, (_, a2, _, _) = _time_above(chain, 100, horizon, block=2)
    assert a1.max() > 0.9 * horizon and a2.max() > 0.9 * horizon
    expected = _binomial(4, 1 - _UNIT.availability)
    assert f_small[2] == pytest.approx(expected[2], rel=0.12)
    assert f_auto[2] == pytest.approx(expected[2], rel=0.12)


def test_scenarios_do_not_depend_on_their_group() -> None:
    chain = StationChain(4, 1, _UNIT)

    def rngs(ids: range) -> list[np.random.Generator]:
        return [np.random.default_rng(np.random.SeedSequence(5, spawn_key=(i,))) for i in ids]

    r_all, a_all, b_all, d_all = station_excursions(chain, rngs(range(6)), 3, 2000.0)
    r_one, a_one, b_one, d_one = station_excursions(chain, rngs(range(4, 5)), 3, 2000.0)
    pick = r_all // 3 == 4
    order_all = np.lexsort((a_all[pick], r_all[pick]))
    order_one = np.lexsort((a_one, r_one))
    assert np.array_equal(a_all[pick][order_all], a_one[order_one])
    assert np.array_equal(b_all[pick][order_all], b_one[order_one])
    assert np.array_equal(d_all[pick][order_all], d_one[order_one])


def test_no_spare_states_when_spares_cover_all_units_and_bad_input() -> None:
    chain = StationChain(2, 2, _UNIT)
    assert not chain.degradable
    row, *_ = station_excursions(chain, [np.random.default_rng(0)], 4, 1000.0)
    assert len(row) == 0
    with pytest.raises(InputError, match="unit"):
        StationChain(0, 0)
    with pytest.raises(InputError, match="spare"):
        StationChain(3, -1)
    with pytest.raises(InputError):
        StationChain(3, 1).sample_passage(np.array([0.0]), 1)


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
