"""Tests of trunkline.physics.flow_equations (Weymouth, Panhandle A/B, AGA)."""

from __future__ import annotations

import math
from collections.abc import Callable

import fluids.compressible
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError
from trunkline.physics import flow_equations as fe
from trunkline.physics.friction import FloatOrArray

# Regression values printed with 10 significant digits: agreement to that rounding.
MENON_REGRESSION_RTOL = 1e-9
# Same equations and constants as fluids (Menon 2005 SI forms converted to base SI):
# only float rounding differs.
FLUIDS_RTOL = 1e-12
# Crane TP-410 publishes flows to 4 significant digits and works in US units with
# hand-rounded intermediates; brief's tolerance 0.2 %.
CRANE_RTOL = 2e-3
# Menon's general-flow constant 5.747e-4 (rounded to 4 digits) vs the exact
# (pi/8) sqrt(R/M_air): 0.037 % apart.
GENERAL_FLOW_RTOL = 5e-4
# Exact scaling laws of the power-law form: float rounding only.
SCALING_RTOL = 1e-12

SETTINGS = settings(derandomize=True, deadline=None, max_examples=200)

# Unit conversions (exact definitions: NIST SP 811, 2008, appendix B).
INCH = 0.0254  # m
MILE = 1609.344  # m
PSI = 6894.757293168361  # Pa (lbf/in²)
FT3 = 0.3048**3  # m³
DAY = 86400.0  # s
MMSCFD = 1e6 * FT3 / DAY  # m³/s at the standard condition


def _rankine_f_to_k(deg_f: float) -> float:
    return (deg_f + 459.67) * 5.0 / 9.0


EQUATIONS: dict[str, Callable[..., FloatOrArray]] = {
    "weymouth": fe.weymouth,
    "panhandle_a": fe.panhandle_a,
    "panhandle_b": fe.panhandle_b,
}


# -- regression values (fluids, Menon constants) ---------------------------------------------

# fluids compressible.py docstring examples (Panhandle_A, Panhandle_B, Weymouth), built on
# Menon, Gas Pipeline Hydraulics (2005): D = 0.340 m, 90 -> 20 bar, 160 km, SG = 0.693,
# Tavg = 277.15 K, Ts = 288.7 K, Ps = 101325 Pa, Z = 1, E = 0.92 (fluids' default).
FLUIDS_CASE = {
    "p1": 90e5, "p2": 20e5, "length": 160e3, "diameter": 0.340, "sg": 0.693,
    "t_avg": 277.15, "z_avg": 1.0, "efficiency": 0.92, "t_base": 288.7, "p_base": 101325.0,
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("panhandle_a", 42.56082051),  # fluids Panhandle_A docstring
        ("panhandle_b", 42.35366178),  # fluids Panhandle_B docstring
        ("weymouth", 32.07729056),  # fluids Weymouth docstring
    ],
)
def test_menon_regression(name: str, expected: float) -> None:
    np.testing.assert_allclose(EQUATIONS[name](**FLUIDS_CASE), expected,
                               rtol=MENON_REGRESSION_RTOL)


_FLUIDS = {
    "weymouth": fluids.compressible.Weymouth,
    "panhandle_a": fluids.compressible.Panhandle_A,
    "panhandle_b": fluids.compressible.Panhandle_B,
}


@pytest.mark.parametrize("name", sorted(_FLUIDS))
def test_matches_fluids(name: str) -> None:
    rng = np.random.default_rng(20240601)
    for _ in range(25):
        p1 = rng.uniform(40e5, 120e5)
        p2 = rng.uniform(10e5, p1)
        case = {
            "p1": p1, "p2": p2, "length": rng.uniform(1e3, 300e3),
            "diameter": rng.uniform(0.2, 1.4), "sg": rng.uniform(0.55, 0.75),
            "t_avg": rng.uniform(260.0, 320.0), "z_avg": rng.uniform(0.8, 1.0),
            "efficiency": rng.uniform(0.85, 1.0), "t_base": rng.uniform(273.15, 293.15),
            "p_base": 101325.0,
        }
        # fluids.compressible.{Weymouth, Panhandle_A, Panhandle_B}, same Menon constants
        theirs = _FLUIDS[name](
            SG=case["sg"], Tavg=case["t_avg"], L=case["length"], D=case["diameter"],
            P1=case["p1"], P2=case["p2"], Ts=case["t_base"], Ps=case["p_base"],
            Zavg=case["z_avg"], E=case["efficiency"],
        )
        np.testing.assert_allclose(EQUATIONS[name](**case), theirs, rtol=FLUIDS_RTOL)


# -- Crane TP-410 example 7-18 ---------------------------------------------------------------

# Molar masses [g/mol]: ISO 6976:2016 table 1; air: Lemmon et al., J. Phys. Chem. Ref.
# Data 29, 331 (2000).
M_CH4, M_C2H6, M_C3H8, M_AIR = 16.04246, 30.06904, 44.09562, 28.9586
CRANE_SG = (0.75 * M_CH4 + 0.21 * M_C2H6 + 0.04 * M_C3H8) / M_AIR
CRANE_CASE = {
    "p1": 1300.0 * PSI,
    "p2": 300.0 * PSI,
    "length": 100.0 * MILE,
    "diameter": 13.376 * INCH,  # NPS 14 schedule 20: OD 14.000 in, wall 0.312 in
    "sg": CRANE_SG,
    "t_avg": _rankine_f_to_k(40.0),
    "z_avg": 1.0,  # Crane omits Z
    "t_base": _rankine_f_to_k(60.0),  # Crane standard conditions 60 °F, 14.696 psia
    "p_base": 14.696 * PSI,
}


@pytest.mark.parametrize(
    ("name", "efficiency", "published_mmscfd"),
    [
        ("weymouth", 1.0, 105.1),  # Crane TP-410 (2009), example 7-18, Weymouth
        ("panhandle_a", 0.92, 128.2),  # Crane TP-410 (2009), example 7-18, Panhandle A
    ],
)
def test_crane_example_7_18(name: str, efficiency: float, published_mmscfd: float) -> None:
    q = EQUATIONS[name](**CRANE_CASE, efficiency=efficiency)
    np.testing.assert_allclose(q / MMSCFD, published_mmscfd, rtol=CRANE_RTOL)


# -- AGA fully turbulent -----------------------------------------------------------------------

def test_aga_matches_isothermal_general_flow_equation() -> None:
    # First principles: isothermal horizontal flow, kinetic energy neglected,
    # p1² - p2² = 16 lambda L Z R T m² / (pi² D^5 M) (Menon 2005, ch. 2, general flow
    # equation), with the fully rough Colebrook limit 1/sqrt(lambda) = 2 log10(3.7 D/eps)
    # and m = rho_b Q_b, rho_b = p_b M / (R T_b).
    r_gas, m_air = 8.31446261815324, M_AIR * 1e-3  # J/(mol K) (SI 2019), kg/mol
    p1, p2, length, d, sg, t, z, rel = 70e5, 45e5, 120e3, 1.0, 0.6, 285.0, 0.88, 2e-5
    tb, pb = 288.15, 101325.0
    m = sg * m_air
    lam = (2.0 * math.log10(3.7 / rel)) ** -2
    mass_flow = math.sqrt((p1**2 - p2**2) * math.pi**2 * d**5 * m
                          / (16.0 * lam * length * z * r_gas * t))
    q_exact = mass_flow * r_gas * tb / (pb * m)
    q = fe.aga_fully_turbulent(p1, p2, length, d, sg, t, z, t_base=tb, p_base=pb,
                               rel_roughness=rel)
    np.testing.assert_allclose(q, q_exact, rtol=GENERAL_FLOW_RTOL)


def test_si_constants() -> None:
    # Menon's SI-form constants converted by hand:
    # C_SI = C_M / 86400 * 1000^(a - m + d)
    for coeff in (fe.WEYMOUTH_COEFFICIENTS, fe.PANHANDLE_A_COEFFICIENTS,
                  fe.PANHANDLE_B_COEFFICIENTS, fe.AGA_FULLY_TURBULENT_COEFFICIENTS):
        expected = coeff.menon_constant / 86400.0 * 1000.0 ** (
            coeff.base_exponent - coeff.flow_exponent + coeff.diameter_exponent)
        np.testing.assert_allclose(coeff.si_constant, expected, rtol=SCALING_RTOL)


# -- properties --------------------------------------------------------------------------------

ALL = {**EQUATIONS, "aga_fully_turbulent": fe.aga_fully_turbulent}


def _call(name: str, **kwargs: float) -> float:
    if name == "aga_fully_turbulent":
        kwargs["rel_roughness"] = 1e-5
    return float(ALL[name](**kwargs))


@pytest.mark.parametrize("name", sorted(ALL))
def test_flow_reverses_with_pressures(name: str) -> None:
    base = {"length": 50e3, "diameter": 0.8, "sg": 0.6, "t_avg": 283.15}
    forward = _call(name, p1=60e5, p2=50e5, **base)
    backward = _call(name, p1=50e5, p2=60e5, **base)
    assert forward > 0.0
    np.testing.assert_allclose(backward, -forward, rtol=SCALING_RTOL)
    assert _call(name, p1=55e5, p2=55e5, **base) == 0.0


_EXPONENTS = {
    "weymouth": fe.WEYMOUTH_COEFFICIENTS,
    "panhandle_a": fe.PANHANDLE_A_COEFFICIENTS,
    "panhandle_b": fe.PANHANDLE_B_COEFFICIENTS,
    "aga_fully_turbulent": fe.AGA_FULLY_TURBULENT_COEFFICIENTS,
}


@SETTINGS
@given(
    name=st.sampled_from(sorted(ALL)),
    p1=st.floats(min_value=20e5, max_value=120e5),
    drop=st.floats(min_value=0.01, max_value=0.9),
    length=st.floats(min_value=1e3, max_value=500e3),
    factor=st.floats(min_value=0.1, max_value=10.0),
)
def test_length_and_efficiency_scaling(
    name: str, p1: float, drop: float, length: float, factor: float
) -> None:
    coeff = _EXPONENTS[name]
    base = {"p1": p1, "p2": p1 * (1.0 - drop), "diameter": 1.0, "sg": 0.6, "t_avg": 283.15}
    q = _call(name, length=length, **base)
    q_scaled = _call(name, length=length * factor, **base)
    np.testing.assert_allclose(q_scaled, q * factor ** -coeff.flow_exponent, rtol=SCALING_RTOL)
    q_eff = _call(name, length=length, efficiency=0.9, **base)
    np.testing.assert_allclose(q_eff, 0.9 * q, rtol=SCALING_RTOL)


def test_vectorised_matches_scalar() -> None:
    p1 = np.array([90e5, 70e5, 50e5])
    p2 = np.array([20e5, 60e5, 55e5])
    diameter = np.array([0.34, 1.0, 1.4])
    for name, func in EQUATIONS.items():
        q = func(p1, p2, 100e3, diameter, 0.6, 280.0)
        assert isinstance(q, np.ndarray)
        assert q.shape == (3,)
        for i in range(3):
            np.testing.assert_allclose(q[i], func(p1[i], p2[i], 100e3, diameter[i], 0.6, 280.0),
                                       rtol=SCALING_RTOL, err_msg=name)
    assert isinstance(fe.weymouth(90e5, 20e5, 100e3, 0.34, 0.6, 280.0), float)


def test_registry() -> None:
    assert set(fe.FLOW_EQUATIONS) == {"weymouth", "panhandle_a", "panhandle_b",
                                      "aga_fully_turbulent"}
    assert fe.FLOW_EQUATIONS["weymouth"] is fe.weymouth


# -- bad input ---------------------------------------------------------------------------------

GOOD = {"p1": 60e5, "p2": 50e5, "length": 50e3, "diameter": 0.8, "sg": 0.6, "t_avg": 283.15}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("diameter", -0.8),
        ("diameter", 0.0),
        ("p1", 0.0),
        ("p2", -1.0),
        ("length", 0.0),
        ("sg", 0.0),
        ("t_avg", -5.0),
        ("z_avg", 0.0),
        ("efficiency", 0.0),
        ("efficiency", 1.2),
        ("p_base", 0.0),
    ],
)
@pytest.mark.parametrize("name", sorted(EQUATIONS))
def test_bad_input(name: str, field: str, value: float) -> None:
    with pytest.raises(InputError) as info:
        EQUATIONS[name](**{**GOOD, field: value})
    assert info.value.field == field
    assert info.value.element == name


def test_aga_needs_positive_roughness() -> None:
    with pytest.raises(InputError) as info:
        fe.aga_fully_turbulent(**GOOD, rel_roughness=0.0)
    assert info.value.field == "rel_roughness"
