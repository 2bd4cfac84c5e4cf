"""Drivers: gas-turbine part load and ambient derating, electric motors, combustion CO2."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from trunkline.errors import InputError
from trunkline.gas import Gas
from trunkline.physics.drivers import (
    ISO_AMBIENT_TEMPERATURE,
    MOLAR_MASS_CO2,
    ElectricMotor,
    GasTurbine,
    combustion_co2_per_kg,
)

#: Closed-form laws evaluated in floating point [-].
EXACT_RTOL = 1e-12
#: Net calorific value used in the examples [J/kg] (about that of methane).
NCV = 50.0e6

GT = GasTurbine(rated_power=32e6, rated_efficiency=0.36)


def test_iso_full_load_is_the_rating() -> None:
    # ISO 3977-2 reference conditions: 15 °C
    assert ISO_AMBIENT_TEMPERATURE == 288.15
    assert GT.available_power() == pytest.approx(32e6, rel=EXACT_RTOL)
    assert GT.efficiency(32e6) == pytest.approx(0.36, rel=EXACT_RTOL)
    assert GT.fuel(32e6, NCV) == pytest.approx(32e6 / (0.36 * NCV), rel=EXACT_RTOL)


def test_part_load_heat_rate_follows_the_willans_line() -> None:
    # HR(L)/HR_fl = (a + (1 − a) L)/L, a = 0.25: 1.25 at half load, 1 at full load
    for load, ratio in ((1.0, 1.0), (0.5, 1.25), (0.25, 1.75)):
        eta = GT.efficiency(load * 32e6)
        assert 0.36 / eta == pytest.approx(ratio, rel=EXACT_RTOL)
    # fuel is affine in power: idle fuel 25 % of full-load fuel
    p = np.array([0.0, 8e6, 16e6, 32e6])
    f = np.asarray(GT.fuel(p, NCV))
    assert f[0] == pytest.approx(0.25 * f[-1], rel=EXACT_RTOL)
    np.testing.assert_allclose(np.diff(f), np.diff(f)[0] * np.diff(p) / np.diff(p)[0],
                               rtol=1e-10)


def test_ambient_derating() -> None:
    # 0.7 %/K less power and 0.15 %/K less efficiency above ISO; capped at +10 % when cold
    hot = ISO_AMBIENT_TEMPERATURE + 15.0
    assert GT.available_power(hot) == pytest.approx(32e6 * (1 - 0.105), rel=EXACT_RTOL)
    assert GT.full_load_efficiency(hot) == pytest.approx(0.36 * (1 - 0.0225), rel=EXACT_RTOL)
    cold = ISO_AMBIENT_TEMPERATURE - 40.0
    assert GT.available_power(cold) == pytest.approx(32e6 * 1.10, rel=EXACT_RTOL)
    assert GT.available_power(hot) < GT.available_power() < GT.available_power(cold)
    with pytest.raises(InputError):
        GT.available_power(400.0)


def test_electric_motor() -> None:
    em = ElectricMotor(rated_power=25e6, rated_efficiency=0.96,
                       grid_emission_factor=0.5 / 3.6e6)
    assert em.efficiency(25e6) == pytest.approx(0.96, rel=EXACT_RTOL)
    assert em.fuel(25e6, NCV) == 0.0
    assert em.available_power(250.0) == em.available_power(310.0) == 25e6
    # no-load losses: 30 % of the rated losses
    assert em.electricity(0.0) == pytest.approx(0.3 * 25e6 * (1 / 0.96 - 1), rel=EXACT_RTOL)
    # CO2: 0.5 kg/kWh of the electricity drawn
    assert em.co2(25e6, NCV, 2.7) == pytest.approx(25e6 / 0.96 * 0.5 / 3.6e6,
                                                   rel=EXACT_RTOL)
    assert GT.electricity(20e6) == 0.0


def test_combustion_co2_of_methane() -> None:
    # stoichiometry: CH4 + 2 O2 → CO2 + 2 H2O; 44.0095 / 16.0425 (ISO 6976 molar masses)
    methane = Gas({"methane": 1.0})
    factor = combustion_co2_per_kg(methane.carbon_per_mole, methane.molar_mass)
    assert factor == pytest.approx(MOLAR_MASS_CO2 / methane.molar_mass, rel=EXACT_RTOL)
    assert factor == pytest.approx(2.743, rel=1e-3)
    assert GT.co2(32e6, NCV, factor) == pytest.approx(GT.fuel(32e6, NCV) * factor,
                                                      rel=EXACT_RTOL)


def test_laws_accept_casadi_symbols() -> None:
    ca: Any = importlib.import_module("casadi")
    p = ca.SX.sym("p")
    f = ca.Function("f", [p], [GT.fuel(p, NCV), ElectricMotor(25e6).electricity(p)])
    fuel, elec = f(16e6)
    assert float(fuel) == pytest.approx(GT.fuel(16e6, NCV), rel=EXACT_RTOL)
    assert float(elec) == pytest.approx(ElectricMotor(25e6).electricity(16e6), rel=EXACT_RTOL)


def test_bad_parameters() -> None:
    with pytest.raises(InputError):
        GasTurbine(rated_power=-1.0, rated_efficiency=0.36)
    with pytest.raises(InputError):
        GasTurbine(rated_power=1e6, rated_efficiency=1.2)
    with pytest.raises(InputError):
        ElectricMotor(rated_power=1e6, no_load_loss_fraction=1.5)
