"""Tests of trunkline.units.reference: reference conditions, standard volumes, conversions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from trunkline.errors import UnitError
from trunkline.units import (
    DEFAULT_CONTRACT_REFERENCE,
    ISO,
    NORMAL,
    P_ATM,
    REFERENCE_CONDITIONS,
    RU,
    SECONDS_PER_CONTRACT_YEAR,
    ReferenceCondition,
    StandardVolume,
    StandardVolumeFlow,
    convert_reference,
    energy_to_volume,
    get_reference,
    mass_to_volume,
    parse_standard_volume,
    parse_standard_volume_flow,
    volume_to_energy,
    volume_to_mass,
)

# Unit conversions and single products/quotients: agreement to a few ulp.
REL_EXACT = 1e-12
# Published ratios rounded to 5 decimals: half a unit in the last place.
ABS_5_DECIMALS = 5e-6

R_MOLAR = 8.314462618  # J/(mol·K), CODATA 2018 (N_A·k, truncated); cancels in ratios
M_METHANE = 0.01604246  # kg/mol, methane (GERG-2008 table A5)

densities = st.floats(0.05, 200.0)  # kg/m³: from light gas at 1 atm to dense phase
calorific_values = st.floats(1e6, 1e8)  # J/m³
volumes = st.floats(-1e12, 1e12)  # m³ or m³/s; negative = reverse flow


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=REL_EXACT, abs_tol=1e-300)


# -- reference conditions -----------------------------------------------------------------


def test_named_references() -> None:
    # Gazprom glossary: standard cubic metre at 20 °C, 101.325 kPa (also GOST 2939-63).
    assert (RU.name, RU.temperature, RU.pressure) == ("RU", 293.15, 101325.0)
    # ISO 13443:1996: standard reference conditions 15 °C (288.15 K), 101.325 kPa.
    assert (ISO.name, ISO.temperature, ISO.pressure) == ("ISO", 288.15, 101325.0)
    # Normal conditions: 0 °C, 101.325 kPa (DIN 1343).
    assert (NORMAL.name, NORMAL.temperature, NORMAL.pressure) == ("normal", 273.15, 101325.0)
    assert DEFAULT_CONTRACT_REFERENCE is RU
    assert dict(REFERENCE_CONDITIONS) == {"RU": RU, "ISO": ISO, "normal": NORMAL}
    assert all(ref.description for ref in REFERENCE_CONDITIONS.values())


def test_reference_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RU.temperature = 300.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("temperature", "pressure"), [(0.0, P_ATM), (-1.0, P_ATM), (293.15, 0.0), (math.nan, P_ATM)]
)
def test_reference_validates(temperature: float, pressure: float) -> None:
    with pytest.raises(UnitError):
        ReferenceCondition("bad", temperature, pressure, "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RU", RU), ("ru", RU), ("Gazprom", RU), ("GOST", RU), ("gost 2939-63", RU),
        ("20C", RU), ("20 °C", RU),
        ("ISO", ISO), ("iso", ISO), ("standard", ISO), ("ISO 13443", ISO), ("15C", ISO),
        ("normal", NORMAL), ("NORMAL", NORMAL), ("N", NORMAL), ("n", NORMAL),
        ("Nm3", NORMAL), ("DIN 1343", NORMAL), ("0C", NORMAL),
        ("20 degC", RU), ("293.15 K", RU), ("15 degC, 101.325 kPa", ISO),
        ("273.15 K; 1.01325 bar", NORMAL),
    ],
)
def test_get_reference_names_and_aliases(name: str, expected: ReferenceCondition) -> None:
    assert get_reference(name) is expected


def test_get_reference_passes_objects_through() -> None:
    custom = ReferenceCondition("lab", 298.15, 1e5, "25 °C, 1 bar")
    assert get_reference(custom) is custom
    assert get_reference(RU) is RU


def test_get_reference_by_temperature_and_pressure() -> None:
    ref = get_reference("60 degF, 14.696 psia")
    assert ref not in REFERENCE_CONDITIONS.values()
    assert math.isclose(ref.temperature, 288.15 + 5 / 9, rel_tol=REL_EXACT)
    # 14.696 psi in Pa; 1 psi = 6894.757... Pa exactly (NIST SP 811, appendix B).
    assert math.isclose(ref.pressure, 14.696 * 0.45359237 * 9.80665 / 0.0254**2, rel_tol=REL_EXACT)


@pytest.mark.parametrize("name", ["XYZ", "", "20", "20 bar", "standard conditions please"])
def test_unknown_reference_lists_valid_names(name: str) -> None:
    with pytest.raises(UnitError) as info:
        get_reference(name, field="reference", element="contract C1")
    text = str(info.value)
    assert "contract C1.reference" in text
    for valid in ("RU", "ISO", "normal"):
        assert valid in text


def test_reference_of_wrong_type() -> None:
    with pytest.raises(UnitError):
        get_reference(20)  # type: ignore[arg-type]


# -- standard volume flows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "reference"),
    [
        ("50 bcm/yr @ RU", 50e9 / 31536000, RU),
        ("50 bcm/yr@RU", 50e9 / 31536000, RU),
        ("50 bcm/yr at 20 degC", 50e9 / 31536000, RU),
        ("55 bcma @ gazprom", 55e9 / 31536000, RU),
        ("137 mcm/d @ ISO", 137e6 / 86400, ISO),
        ("5 MSm3/d @ ISO 13443", 5e6 / 86400, ISO),
        ("1.2e3 Sm3/h @ normal", 1200 / 3600, NORMAL),
        ("1e3 Nm3/h", 1000 / 3600, NORMAL),
        ("1e3 Nm³/h @ N", 1000 / 3600, NORMAL),
        ("50 bcm/yr at 15 degC, 101.325 kPa", 50e9 / 31536000, ISO),
    ],
)
def test_parse_standard_volume_flow(text: str, value: float, reference: ReferenceCondition) -> None:
    flow = parse_standard_volume_flow(text)
    assert close(flow.value, value)
    assert flow.reference is reference


def test_fifty_bcm_per_year_uses_the_365_day_year() -> None:
    flow = parse_standard_volume_flow("50 bcm/yr @ RU")
    assert close(flow.value, 50e9 / SECONDS_PER_CONTRACT_YEAR)
    assert close(flow.value, 50e9 / 31536000)
    assert flow == StandardVolumeFlow(flow.value, RU)
    assert str(flow) == "1585.49 m³/s @ RU"


def test_missing_reference_is_an_error() -> None:
    with pytest.raises(UnitError) as info:
        parse_standard_volume_flow("50 bcm/yr", field="acq", element="contract C1")
    text = str(info.value)
    assert "a gas volume must name its reference condition, e.g. '50 bcm/yr @ RU'" in text
    assert "contract C1.acq" in text


def test_bare_number_needs_a_reference() -> None:
    with pytest.raises(UnitError, match="must name its reference"):
        parse_standard_volume_flow(50.0)


def test_explicit_default_reference() -> None:
    flow = parse_standard_volume_flow("50 bcm/yr", default_reference=DEFAULT_CONTRACT_REFERENCE)
    assert flow.reference is RU
    assert parse_standard_volume_flow("50 bcm/yr", default_reference="iso").reference is ISO
    # an explicit reference wins over the default
    assert parse_standard_volume_flow("50 bcm/yr @ RU", default_reference=ISO).reference is RU
    bare = parse_standard_volume_flow(580.0, default_reference="RU")
    assert bare == StandardVolumeFlow(580.0, RU)


def test_flow_object_passes_through() -> None:
    flow = StandardVolumeFlow(1.0, ISO)
    assert parse_standard_volume_flow(flow) is flow


def test_unknown_reference_in_flow() -> None:
    with pytest.raises(UnitError, match="unknown reference condition 'XYZ'") as info:
        parse_standard_volume_flow("50 bcm/yr @ XYZ", field="acq")
    assert "RU" in str(info.value) and "ISO" in str(info.value)


def test_empty_reference_after_at() -> None:
    with pytest.raises(UnitError, match="missing reference"):
        parse_standard_volume_flow("50 bcm/yr @ ")


def test_nm3_conflicts_with_another_reference() -> None:
    with pytest.raises(UnitError, match="normal cubic metre"):
        parse_standard_volume_flow("1e3 Nm3/h @ RU")


@pytest.mark.parametrize("text", ["400 kg/s @ RU", "9.8 MPa @ RU", "50 bcm @ RU"])
def test_flow_of_wrong_dimension(text: str) -> None:
    with pytest.raises(UnitError, match="wrong dimension") as info:
        parse_standard_volume_flow(text, field="acq", element="contract C1")
    assert "contract C1.acq" in str(info.value)


# -- standard volumes ---------------------------------------------------------------------


def test_parse_standard_volume() -> None:
    volume = parse_standard_volume("4.5 bcm @ RU")
    assert volume == StandardVolume(4.5e9, RU)
    assert str(volume) == "4.5e+09 m³ @ RU"
    assert parse_standard_volume("300 mcm at 15 degC").reference is ISO
    assert parse_standard_volume("1 MMscf @ 60 degF, 14.696 psia").value == pytest.approx(
        1e6 * 0.3048**3, rel=REL_EXACT
    )
    assert parse_standard_volume(7.0, default_reference="normal") == StandardVolume(7.0, NORMAL)
    volume_object = StandardVolume(1.0, RU)
    assert parse_standard_volume(volume_object) is volume_object


def test_standard_volume_errors() -> None:
    with pytest.raises(UnitError, match="must name its reference"):
        parse_standard_volume("4.5 bcm")
    with pytest.raises(UnitError, match="wrong dimension"):
        parse_standard_volume("4.5 bcm/yr @ RU")


# -- conversions --------------------------------------------------------------------------


def test_conversions_by_hand() -> None:
    assert volume_to_mass(2.0, 0.7) == pytest.approx(1.4, rel=REL_EXACT)
    assert mass_to_volume(1.4, 0.7) == pytest.approx(2.0, rel=REL_EXACT)
    assert volume_to_energy(2.0, 38e6) == pytest.approx(76e6, rel=REL_EXACT)
    assert energy_to_volume(76e6, 38e6) == pytest.approx(2.0, rel=REL_EXACT)
    assert convert_reference(1.0, 0.8, 0.7) == pytest.approx(0.8 / 0.7, rel=REL_EXACT)
    assert type(volume_to_mass(2.0, 0.7)) is float


def test_conversions_are_vectorised() -> None:
    v = np.array([1.0, 2.0, 3.0])
    rho = np.array([0.7, 0.8, 0.9])
    np.testing.assert_allclose(volume_to_mass(v, 0.7), v * 0.7, rtol=REL_EXACT)
    np.testing.assert_allclose(volume_to_mass(v, rho), v * rho, rtol=REL_EXACT)
    np.testing.assert_allclose(volume_to_mass(2.0, rho), 2.0 * rho, rtol=REL_EXACT)
    np.testing.assert_allclose(mass_to_volume(v, rho), v / rho, rtol=REL_EXACT)
    np.testing.assert_allclose(volume_to_energy(v, 38e6), v * 38e6, rtol=REL_EXACT)
    np.testing.assert_allclose(energy_to_volume(v, 38e6), v / 38e6, rtol=REL_EXACT)
    np.testing.assert_allclose(convert_reference(v, rho, 0.7), v * rho / 0.7, rtol=REL_EXACT)
    np.testing.assert_allclose(convert_reference(1.0, 0.7, rho), 0.7 / rho, rtol=REL_EXACT)
    assert convert_reference(v.reshape(3, 1), rho, rho).shape == (3, 3)


@pytest.mark.parametrize("bad", [0.0, -0.7, math.nan, math.inf, np.array([0.7, 0.0])])
def test_conversions_reject_bad_densities(bad: float | NDArray[np.float64]) -> None:
    with pytest.raises(UnitError, match="standard_density"):
        volume_to_mass(1.0, bad)
    with pytest.raises(UnitError, match="calorific_value"):
        volume_to_energy(1.0, bad)
    with pytest.raises(UnitError, match="density_to"):
        convert_reference(1.0, 0.7, bad)


@given(volume=volumes, density=densities)
def test_mass_round_trip(volume: float, density: float) -> None:
    assert close(mass_to_volume(volume_to_mass(volume, density), density), volume)


@given(volume=volumes, calorific_value=calorific_values)
def test_energy_round_trip(volume: float, calorific_value: float) -> None:
    energy = volume_to_energy(volume, calorific_value)
    assert close(energy_to_volume(energy, calorific_value), volume)


@given(volume=volumes, density_from=densities, density_to=densities)
def test_convert_reference_round_trip_and_mass_conservation(
    volume: float, density_from: float, density_to: float
) -> None:
    there = convert_reference(volume, density_from, density_to)
    assert close(convert_reference(there, density_to, density_from), volume)
    assert close(volume_to_mass(there, density_to), volume_to_mass(volume, density_from))


def ideal_density(reference: ReferenceCondition) -> float:
    """Ideal-gas methane density at a reference condition, ρ = pM/(RT) [kg/m³]."""
    return reference.pressure * M_METHANE / (R_MOLAR * reference.temperature)


def test_ideal_gas_ratio_between_references() -> None:
    # Ideal gas at equal pressure: V ∝ T, so
    # 1 m³ at 20 °C = 0.98294 m³ at 15 °C = 0.93178 Nm³ at 0 °C.
    ru, iso, normal = (ideal_density(ref) for ref in (RU, ISO, NORMAL))
    to_iso = convert_reference(1.0, ru, iso)
    to_normal = convert_reference(1.0, ru, normal)
    assert math.isclose(to_iso, 288.15 / 293.15, rel_tol=REL_EXACT)
    assert math.isclose(to_normal, 273.15 / 293.15, rel_tol=REL_EXACT)
    assert to_iso == pytest.approx(0.98294, abs=ABS_5_DECIMALS)
    assert to_normal == pytest.approx(0.93178, abs=ABS_5_DECIMALS)


def test_contract_flow_to_mass_flow() -> None:
    flow = parse_standard_volume_flow("50 bcm/yr @ RU")
    rho = ideal_density(flow.reference)
    mass_flow = volume_to_mass(flow.value, rho)
    assert close(mass_flow, 50e9 / 31536000 * rho)
