"""Buried-pipe heat transfer from the conduction shape factor."""

from __future__ import annotations

import math

import pytest

from trunkline.errors import InputError
from trunkline.physics.heat import buried_pipe_heat_transfer_coefficient as u_buried


def test_shape_factor_textbook_form() -> None:
    # Incropera & DeWitt table 4.1 case 2: S/L = 2π/acosh(2z/D); U = S'k/(πD).
    k, z, d = 1.6, 1.71, 1.42
    s_per_length = 2 * math.pi / math.acosh(2 * z / d)
    assert u_buried(k, z, d) == pytest.approx(s_per_length * k / (math.pi * d), rel=1e-14)


def test_deep_burial_approaches_log_form() -> None:
    # for z >> D, acosh(2z/D) → ln(4z/D) (Incropera table 4.1 approximation, z > 3D/2)
    k, z, d = 1.0, 50.0, 0.5
    approx = 2 * k / (d * math.log(4 * z / d))
    assert u_buried(k, z, d) == pytest.approx(approx, rel=1e-5)


def test_trends_and_series_coating() -> None:
    base = u_buried(1.6, 1.71, 1.42)
    assert 1.0 < base < 2.0  # buried 1,420 mm line in moist soil: ~1-2 W/(m²·K)
    assert u_buried(1.6, 3.0, 1.42) < base  # deeper: better insulated
    assert u_buried(2.4, 1.71, 1.42) > base  # frozen soil conducts better
    coated = u_buried(1.6, 1.71, 1.42, coating_resistance=0.2)
    assert 1 / coated == pytest.approx(1 / base + 0.2, rel=1e-14)


def test_invalid_geometry() -> None:
    with pytest.raises(InputError, match="axis_depth"):
        u_buried(1.6, 0.5, 1.42)  # axis above the pipe's own top
    with pytest.raises(InputError, match="soil_conductivity"):
        u_buried(-1.0, 2.0, 1.42)
