"""Capacity surface: combination rule, and the approximation against direct hydraulics."""

from __future__ import annotations

import numpy as np
import pytest

from trunkline.plan import load_plan
from trunkline.plan.surface import CapacitySurface, direct_capacity, uniform_surface
from trunkline.solve import station_layout


def test_uniform_surface_factor() -> None:
    s = uniform_surface(3, 3, (0.95, 0.8))
    assert s.factor([3, 3, 3]) == 1.0
    assert s.factor([2, 3, 3]) == pytest.approx(0.95)
    assert s.factor([2, 1, 3]) == pytest.approx(0.8)
    assert s.with_combine("product").factor([2, 1, 3]) == pytest.approx(0.95 * 0.8)
    assert s.factor(np.array([[3, 3, 0], [9, 9, 9]])).tolist() == [0.8, 1.0]


@pytest.mark.slow
def test_min_rule_against_direct_hydraulics() -> None:
    """Two degraded stations far apart: the capacity is close to the worse single one
    (min rule); checked with the hydraulics (~40 s)."""
    inp = load_plan("power_of_siberia_2")
    line = inp.line.with_throughput(inp.capacity.design_throughput)
    layout = station_layout(line)
    fixed = line.with_stations(layout)
    n = layout[0].units_available
    full = direct_capacity(fixed, {})
    r5 = direct_capacity(fixed, {5: n - 1}) / full
    r30 = direct_capacity(fixed, {30: n - 1}) / full
    both = direct_capacity(fixed, {5: n - 1, 30: n - 1}) / full
    surf = CapacitySurface(("a", "b"), (n, n), (tuple([r5] * n + [1.0]),
                                                  tuple([r30] * n + [1.0])))
    assert r5 < 1 and r30 < 1
    approx = surf.factor([n - 1, n - 1])
    assert approx == pytest.approx(both, abs=0.01)
    assert both <= approx + 2e-3
