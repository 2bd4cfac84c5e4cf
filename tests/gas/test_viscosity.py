"""Tests of trunkline.gas.viscosity (Lee, Gonzalez & Eakin 1966)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from trunkline.errors import InputError, OutOfRangeError
from trunkline.gas.viscosity import T_MAX, T_MIN, lee_gonzalez_eakin

M_CH4 = 16.04246e-3  # kg/mol, ISO 6976:2016 table 1

# Reference viscosity of methane: correlation of Quiñones-Cisneros & Deiters,
# J. Phys. Chem. B 110 (2006) 12820, with the density of the Setzmann-Wagner
# (1991) reference EOS, as implemented in CoolProp 8.0 (the same correlations the
# NIST REFPROP / WebBook methane model uses). Columns: T [K], p [MPa],
# rho [kg/m³], mu [µPa·s].
METHANE_REFERENCE = [
    (300.00, 0.101325, 0.653, 11.255),   # dilute gas
    (300.00, 10.0, 75.175, 13.815),
    (330.00, 12.0, 78.318, 14.960),      # inside the published range
    (288.15, 7.5, 58.170, 12.649),
    (273.15, 5.0, 39.976, 11.432),
    (250.00, 7.5, 76.714, 12.154),       # extrapolation below 311 K
    (230.00, 0.101325, 0.854, 8.931),
    (230.00, 5.0, 54.337, 10.413),
]
# Lee et al. report agreement with their natural-gas data within a few per cent
# (standard deviation ~2-3 %). Against methane the correlation is within +2.9 %
# at 300 K / 1 atm (the largest deviation in the table above is +2.9 %), so:
DILUTE_RTOL = 0.04       # 4 % at 1 atm
DENSE_RTOL = 0.05        # 5 % at pipeline pressures, including the 230-250 K extrapolation


@pytest.mark.parametrize(("t", "p_mpa", "rho", "mu_ref"), METHANE_REFERENCE)
def test_methane_against_reference(t: float, p_mpa: float, rho: float, mu_ref: float) -> None:
    rtol = DILUTE_RTOL if p_mpa < 1.0 else DENSE_RTOL
    assert lee_gonzalez_eakin(t, rho, M_CH4) == pytest.approx(mu_ref * 1e-6, rel=rtol)


def test_si_conversion_against_field_unit_formula() -> None:
    """The published formula evaluated in field units (°R, g/cm³, g/mol -> cP)."""
    t_r, rho_gcc, m_g = 600.0, 0.1, 20.0
    k = (9.4 + 0.02 * m_g) * t_r**1.5 / (209 + 19 * m_g + t_r)
    x = 3.5 + 986 / t_r + 0.01 * m_g
    y = 2.4 - 0.2 * x
    mu_cp = 1e-4 * k * math.exp(x * rho_gcc**y)
    assert lee_gonzalez_eakin(t_r / 1.8, rho_gcc * 1e3, m_g * 1e-3) == pytest.approx(
        mu_cp * 1e-3, rel=1e-12)


def test_scalar_in_float_out_and_broadcasting() -> None:
    mu = lee_gonzalez_eakin(288.15, 60.0, 0.0168)
    assert isinstance(mu, float)
    t = np.array([250.0, 280.0, 310.0])
    rho = np.array([[10.0], [50.0], [90.0], [130.0]])
    out = lee_gonzalez_eakin(t, rho, 0.0168)
    assert isinstance(out, np.ndarray)
    assert out.shape == (4, 3)
    assert out[1, 1] == pytest.approx(lee_gonzalez_eakin(280.0, 50.0, 0.0168), rel=1e-15)
    zero_d = lee_gonzalez_eakin(np.float64(288.15), np.float64(60.0), 0.0168)
    assert isinstance(zero_d, float)


@pytest.mark.parametrize("t", [T_MIN - 1.0, T_MAX + 1.0])
def test_temperature_outside_range(t: float) -> None:
    with pytest.raises(OutOfRangeError) as info:
        lee_gonzalez_eakin(np.array([280.0, t]), 50.0, 0.0168)
    assert info.value.field == "t"
    assert info.value.value == t


@pytest.mark.parametrize(("t", "rho", "m", "field"), [
    (280.0, -1.0, 0.0168, "density"),
    (280.0, 50.0, 0.0, "molar_mass"),
    (math.nan, 50.0, 0.0168, "t"),
    (280.0, math.inf, 0.0168, "density"),
])
def test_invalid_input(t: float, rho: float, m: float, field: str) -> None:
    with pytest.raises(InputError) as info:
        lee_gonzalez_eakin(t, rho, m)
    assert info.value.field == field


def test_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(InputError):
        lee_gonzalez_eakin(np.ones(3), np.ones(4), 0.0168)


@settings(max_examples=200, deadline=None)
@given(st.floats(T_MIN, T_MAX), st.floats(0.0, 300.0), st.floats(0.0, 100.0),
       st.floats(0.016, 0.030))
def test_positive_and_increasing_with_density(t: float, rho: float, d_rho: float,
                                              m: float) -> None:
    mu = lee_gonzalez_eakin(t, rho, m)
    assert mu > 0.0
    assert lee_gonzalez_eakin(t, rho + d_rho, m) >= mu


# -- why the extrapolation is acceptable: friction factor sensitivity --------------------

D_1420 = 1.420 - 2 * 0.0277  # m, bore of a 1420 mm x 27.7 mm line pipe
MU_ERROR = 0.10               # ±10 % error in viscosity
# Largest relative change in the friction factor claimed in the viscosity module docstring:
LAMBDA_BOUND_ALL = 0.010      # any roughness 10-50 µm, Re 1e7-1e8
LAMBDA_BOUND_ROUGH = 0.006    # roughness >= 30 µm
LAMBDA_BOUND_RE_1E8 = 0.004   # Re = 1e8


def _colebrook(re: float, rel_roughness: float) -> float:
    """Darcy friction factor from Colebrook-White, solved with brentq."""
    def residual(lam: float) -> float:
        return 1 / math.sqrt(lam) + 2 * math.log10(rel_roughness / 3.7
                                                   + 2.51 / (re * math.sqrt(lam)))
    return float(brentq(residual, 1e-4, 0.1, xtol=1e-15, rtol=1e-14))


@pytest.mark.parametrize("roughness", [10e-6, 20e-6, 30e-6, 50e-6])
@pytest.mark.parametrize("re", [1e7, 3e7, 1e8])
def test_friction_factor_insensitive_to_viscosity(roughness: float, re: float) -> None:
    r = roughness / D_1420
    lam = _colebrook(re, r)
    change = max(abs(_colebrook(re / (1 + s * MU_ERROR), r) / lam - 1) for s in (-1, 1))
    assert change < LAMBDA_BOUND_ALL
    if roughness >= 30e-6:
        assert change < LAMBDA_BOUND_ROUGH
    if re >= 1e8:
        assert change < LAMBDA_BOUND_RE_1E8
