"""The Dormand-Prince 5(4) march integrator: accuracy, error control and events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trunkline.errors import ConvergenceError
from trunkline.solve.ode import dopri45


def _decay(x: float, y: np.ndarray) -> np.ndarray:
    return -y


@pytest.mark.parametrize("rtol", [1e-6, 1e-9, 1e-12])
def test_exponential_decay_within_tolerance(rtol: float) -> None:
    res = dopri45(_decay, 0.0, np.array([1.0]), 5.0, rtol=rtol, atol=np.array([1e-14]), h0=0.1)
    err = abs(res.y[-1, 0] - math.exp(-5.0))
    # local error per step <= rtol·|y|: global error a small multiple of rtol·y over the range
    assert err <= 50 * rtol * math.exp(-5.0)
    assert res.x[-1] == 5.0
    assert not res.event


def test_tighter_tolerance_takes_more_steps() -> None:
    loose = dopri45(_decay, 0.0, np.array([1.0]), 5.0, rtol=1e-5, atol=np.array([0.0]), h0=0.1)
    tight = dopri45(_decay, 0.0, np.array([1.0]), 5.0, rtol=1e-11, atol=np.array([0.0]), h0=0.1)
    assert tight.steps > loose.steps


def test_fifth_order_convergence_with_fixed_steps() -> None:
    # With error control off (huge tolerance) and max_step fixing h, error ~ h^5.
    def err(h: float) -> float:
        res = dopri45(lambda x, y: np.array([math.cos(x)]), 0.0, np.array([0.0]), 2.0,
                      rtol=1e3, atol=np.array([1e3]), h0=h, max_step=h)
        return abs(res.y[-1, 0] - math.sin(2.0))

    order = math.log(err(0.2) / err(0.1)) / math.log(2.0)
    assert 4.5 < order < 6.5


def test_event_located() -> None:
    res = dopri45(_decay, 0.0, np.array([1.0]), 5.0, rtol=1e-10, atol=np.array([1e-14]),
                  h0=0.5, event=lambda y: float(y[0]) - 0.5, event_tol=1e-9)
    assert res.event
    assert res.x[-1] == pytest.approx(math.log(2.0), abs=1e-8)
    assert res.y[-1, 0] <= 0.5


def test_max_step_respected() -> None:
    res = dopri45(_decay, 0.0, np.array([1.0]), 10.0, rtol=1e-3, atol=np.array([1e-3]),
                  h0=1.0, max_step=0.5)
    assert np.max(np.diff(res.x)) <= 0.5 + 1e-12


def test_blow_up_is_reported_not_hidden() -> None:
    # y' = y², y(0) = 1 blows up at x = 1: the step underflows → ConvergenceError.
    with pytest.raises(ConvergenceError, match="not converged"):
        dopri45(lambda x, y: y * y, 0.0, np.array([1.0]), 2.0, rtol=1e-8,
                atol=np.array([1e-8]), h0=0.1)
