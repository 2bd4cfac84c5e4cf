"""Scalar fast paths agree with their vectorised, validated counterparts."""

from __future__ import annotations

import numpy as np
import pytest

from trunkline.gas.viscosity import lee_gonzalez_eakin, lee_gonzalez_eakin_scalar
from trunkline.physics.fastpath import darcy_friction_scalar
from trunkline.physics.friction import FRICTION_LAWS, darcy_friction

#: Same equation evaluated two ways: agreement to round-off.
SAME_RTOL = 1e-12

RE = [0.0, 500.0, 1999.0, 2500.0, 3999.0, 4000.0, 1e5, 2.24e6, 8e7, 1e9]
REL = [1e-6, 7e-6, 2.25e-3, 0.02]


@pytest.mark.parametrize("law", sorted(FRICTION_LAWS))
def test_friction_scalar_matches_vectorised(law: str) -> None:
    rels = [r for r in REL if r > 0]
    for re in RE:
        for rel in rels:
            expected = float(darcy_friction(re, rel, law=law))
            assert darcy_friction_scalar(re, rel, law) == pytest.approx(expected, rel=SAME_RTOL)


def test_viscosity_scalar_matches_vectorised() -> None:
    rng = np.random.default_rng(11)
    for t, rho, m in zip(rng.uniform(225, 440, 50), rng.uniform(0.5, 250, 50),
                         rng.uniform(0.016, 0.025, 50), strict=True):
        assert lee_gonzalez_eakin_scalar(t, rho, m) == pytest.approx(
            float(lee_gonzalez_eakin(t, rho, m)), rel=SAME_RTOL)
