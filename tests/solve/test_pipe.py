"""Single-pipe steady march: published cases, analytic solutions and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError, OutOfRangeError
from trunkline.gas import Gas, IdealGas
from trunkline.solve import PipeGeometry, steady_pipe

#: STANET comparison tolerance on pressure (pandapipes stanet_comparison, relative).
STANET_P_RTOL = 1e-4
#: Velocity as printed by STANET (4 decimals of m/s, ~1e-4 relative) plus its mean-pressure
#: definition; 1e-3 relative.
STANET_V_RTOL = 1e-3
#: Analytic solutions are reproduced to the integrator's tolerance.
ANALYTIC_RTOL = 1e-8
P_ATM = 101_325.0

# STANET single pipe, pandapipes stanet_comparison one_pipe/pipe_1_PC: L 8.95 km,
# D 0.089 m, k 0.2 mm, inlet 100 bar gauge, 278.15 K, sink 1.866666666666667 kg/s, normal
# density 0.84 kg/m³ at 1.01325 bar and 273.15 K, μ 1.193e-5 Pa·s, ideal gas, isothermal.
STANET_GAS = IdealGas.from_density(0.84, P_ATM, 273.15, viscosity=1.193e-5)
STANET_P1 = 100e5 + P_ATM
STANET_T = 278.15
STANET_M = 1.866666666666667
STANET_L = 8.95e3
STANET_D = 0.089
STANET_K = 0.2e-3


def _stanet(law: str) -> tuple[float, float]:
    res = steady_pipe(STANET_GAS, STANET_P1, STANET_T, STANET_M, STANET_L,
                      PipeGeometry(STANET_D, STANET_K, friction_law=law), isothermal=True)
    p1, p2 = STANET_P1, res.outlet_pressure
    # STANET reports the velocity at the mean pressure p_m = 2/3 (p1³ − p2³)/(p1² − p2²)
    p_mean = 2.0 / 3.0 * (p1**3 - p2**3) / (p1**2 - p2**2)
    rho = float(STANET_GAS.density(p_mean, STANET_T))
    v = STANET_M / (rho * math.pi * STANET_D**2 / 4)
    return p2, v


@pytest.mark.parametrize(("law", "p2_barg", "v"), [
    # STANET results with the Prandtl-Colebrook law (divisor 3.71, as STANET uses it)
    ("prandtl-colebrook", 85.6466, 3.9201),
    # STANET results with Nikuradse, λ = 64/Re + (2·log10(D/k) + 1.14)^-2
    ("nikuradse", 85.6834, 3.9194),
])
def test_stanet_single_pipe(law: str, p2_barg: float, v: float) -> None:
    p2, vel = _stanet(law)
    assert p2 == pytest.approx(p2_barg * 1e5 + P_ATM, rel=STANET_P_RTOL)
    assert vel == pytest.approx(v, rel=STANET_V_RTOL)


def test_isothermal_ideal_gas_analytic() -> None:
    # Level, isothermal, ideal gas, constant λ (Re constant), no acceleration:
    # p1² − p2² = λ·G²·R·T·L / (M·D)   (Osiadacz 1987, eq. 2.43 with Z = 1)
    gas = IdealGas(molar_mass=0.017, viscosity=1.1e-5)
    d, k, m, length, t = 0.6, 2e-5, 120.0, 80e3, 285.0
    res = steady_pipe(gas, 7e6, t, m, length, PipeGeometry(d, k), isothermal=True,
                      acceleration=False)
    from trunkline.physics.friction import colebrook

    g = m / (math.pi * d * d / 4)
    lam = float(colebrook(g * d / gas.viscosity, k / d))
    p2 = math.sqrt(7e6**2 - lam * g * g * gas.gas_constant * t * length / (gas.molar_mass * d))
    assert res.outlet_pressure == pytest.approx(p2, rel=ANALYTIC_RTOL)


def test_ground_heat_exchange_exponential_approach() -> None:
    # Ideal gas (μ_JT = 0), level, no acceleration, constant cp: dT/dx = −UπD(T − Tg)/(ṁ cp)
    # so T(x) = Tg + (T0 − Tg)·exp(−UπD x/(ṁ cp)).
    gas = IdealGas(molar_mass=0.0168, cp=2300.0)
    u, d_o, m = 2.0, 1.42, 900.0
    geom = PipeGeometry(1.3766, 1e-5, outside_diameter=d_o, heat_transfer_coefficient=u,
                        ground_temperature=275.0)
    res = steady_pipe(gas, 9.8e6, 310.0, m, 150e3, geom, acceleration=False)
    expected = 275.0 + 35.0 * np.exp(-u * math.pi * d_o * res.x / (m * gas.cp))
    np.testing.assert_allclose(res.temperature, expected, rtol=ANALYTIC_RTOL)


def test_adiabatic_flow_conserves_enthalpy() -> None:
    # No heat exchange, level: h + v²/2 is constant along the pipe (steady energy equation).
    gas = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.02})
    sur = gas.surrogate()
    m, d = 800.0, 1.2
    res = steady_pipe(sur, 9.5e6, 300.0, m, 120e3, PipeGeometry(d, 1e-5))
    area = math.pi * d * d / 4

    def total(p: float, t: float) -> float:
        v = m / (float(gas.density(p, t)) * area)
        return float(gas.enthalpy(p, t)) + v * v / 2

    h_in = total(res.pressure[0], res.temperature[0])
    h_out = total(res.outlet_pressure, res.outlet_temperature)
    dt = res.temperature[0] - res.outlet_temperature
    assert dt > 1.0  # Joule-Thomson cooling of a few kelvin
    # the surrogate's c_p and μ_JT err by < 0.2 %: enthalpy closes to 1e-3 of cp·ΔT
    assert abs(h_out - h_in) < 1e-3 * float(gas.cp(9e6, 295.0)) * dt


def test_elevation_static_head() -> None:
    # A tiny flow up a slope: dp/dx ≈ −ρ g sinθ.
    gas = IdealGas(molar_mass=0.0168)
    res = steady_pipe(gas, 7e6, 288.15, 1e-6, 1000.0, PipeGeometry(1.0, 1e-5, slope=0.5),
                      isothermal=True)
    # isothermal ideal-gas column: p2 = p1·exp(−M g Δz/(R T))
    dz = 500.0
    expected = 7e6 * math.exp(-gas.molar_mass * 9.80665 * dz / (gas.gas_constant * 288.15))
    assert res.outlet_pressure == pytest.approx(expected, rel=1e-9)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(length=st.floats(5e3, 100e3), flow=st.floats(20.0, 300.0))
def test_doubling_length_doubles_p_squared_drop(length: float, flow: float) -> None:
    gas = IdealGas(molar_mass=0.0172, viscosity=1.15e-5)
    geom = PipeGeometry(1.0, 2e-5)
    p1 = 8e6

    def drop(length_: float) -> float:
        res = steady_pipe(gas, p1, 290.0, flow, length_, geom, isothermal=True,
                          acceleration=False, rtol=1e-9)
        return p1**2 - res.outlet_pressure**2

    assert drop(2 * length) == pytest.approx(2 * drop(length), rel=1e-7)


_LEAN = Gas({"methane": 0.97, "ethane": 0.02, "nitrogen": 0.01})


@settings(max_examples=15, deadline=None, derandomize=True)
@given(flow=st.floats(100.0, 1500.0), t_in=st.floats(270.0, 320.0))
def test_pressure_falls_monotonically_on_a_level_pipe(flow: float, t_in: float) -> None:
    sur = _LEAN.surrogate()
    geom = PipeGeometry(1.3766, 1e-5, outside_diameter=1.42, heat_transfer_coefficient=1.5,
                        ground_temperature=276.0)
    res = steady_pipe(sur, 9.8e6, t_in, flow, 100e3, geom, max_step=5e3, rtol=1e-8)
    assert np.all(np.diff(res.pressure) < 0)
    assert res.linepack > 0


def test_bad_pipe_inputs() -> None:
    gas = IdealGas(molar_mass=0.017)
    with pytest.raises(InputError, match="inner_diameter"):
        steady_pipe(gas, 7e6, 288.0, 10.0, 1e3, PipeGeometry(-1.0, 1e-5))
    with pytest.raises(InputError, match="mass_flow"):
        steady_pipe(gas, 7e6, 288.0, 0.0, 1e3, PipeGeometry(1.0, 1e-5))
    with pytest.raises(OutOfRangeError, match="collapses"):
        steady_pipe(gas, 2e6, 288.0, 5000.0, 100e3, PipeGeometry(0.5, 1e-5), isothermal=True)
