"""Tests of trunkline.units.quantity: parsing at the edge, SI inside, display at the edge."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trunkline.errors import UnitError
from trunkline.units import (
    P_ATM,
    SECONDS_PER_CONTRACT_YEAR,
    SECONDS_PER_DAY,
    T_ZERO_C,
    format_quantity,
    get_registry,
    parse_quantity,
    to_unit,
)

# Unit conversions are products/quotients of exact factors: agreement to a few ulp.
REL_EXACT = 1e-12
# Absolute slack for offset units (degC, barg) whose zero is far from the SI zero.
ABS_TEMPERATURE = 1e-9  # K
ABS_PRESSURE = 1e-6  # Pa

# Exact definitions (NIST SP 811, appendix B): 1 ft = 0.3048 m; 1 in = 0.0254 m;
# 1 lb = 0.45359237 kg; standard gravity g_n = 9.80665 m/s², so 1 psi = lbf/in².
FT3 = 0.3048**3
PSI = 0.45359237 * 9.80665 / 0.0254**2


def close(actual: float, expected: float, abs_tol: float = 0.0) -> bool:
    return math.isclose(actual, expected, rel_tol=REL_EXACT, abs_tol=abs_tol)


# -- registry and constants -------------------------------------------------------------


def test_registry_is_shared() -> None:
    assert get_registry() is get_registry()


def test_constants() -> None:
    assert P_ATM == 101325.0
    assert T_ZERO_C == 273.15
    assert SECONDS_PER_DAY == 86400.0
    assert SECONDS_PER_CONTRACT_YEAR == 365 * 86400


@pytest.mark.parametrize("text", ["1 yr", "1 year", "1 a", "1 contract_year"])
def test_year_is_the_365_day_contract_year(text: str) -> None:
    assert parse_quantity(text, "s") == SECONDS_PER_CONTRACT_YEAR


def test_julian_year_stays_available() -> None:
    assert parse_quantity("1 julian_year", "s") == 365.25 * 86400


def test_day() -> None:
    assert parse_quantity("1 d", "s") == SECONDS_PER_DAY


# -- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("9.8 MPa", "Pa", 9.8e6),
        ("9.8MPa", "Pa", 9.8e6),
        ("98 bar", "Pa", 9.8e6),
        ("1420 mm", "m", 1.42),
        ("21.7 mm", "m", 0.0217),
        ("2600 km", "m", 2.6e6),
        ("137 mcm/d", "m**3/s", 137e6 / 86400),
        ("1 mcm", "m**3", 1e6),  # million m³, not pint's micro-centimetre reading
        ("1 MMcm", "m**3", 1e6),
        ("1 MMm3", "m**3", 1e6),
        ("2.5 bcm", "m**3", 2.5e9),
        ("1 tcm", "m**3", 1e12),
        ("50 bcm/yr", "m**3/s", 50e9 / 31536000),
        ("50 bcm/a", "m**3/s", 50e9 / 31536000),
        ("55 bcma", "m**3/s", 55e9 / 31536000),
        ("1.2e3 Sm3/h", "m**3/s", 1200 / 3600),
        ("1.2e3 Sm³/h", "m**3/s", 1200 / 3600),
        ("1.2e3 Nm3/h", "m**3/s", 1200 / 3600),
        ("1 kSm3/h", "m**3/s", 1000 / 3600),
        ("1 scf", "m**3", FT3),
        ("1 Mscf", "m**3", 1e3 * FT3),  # oil-and-gas M = thousand
        ("1 MMscf", "m**3", 1e6 * FT3),
        ("1 MMscfd", "m**3/s", 1e6 * FT3 / 86400),
        ("1 bcf", "m**3", 1e9 * FT3),
        ("-2 degC", "K", 271.15),
        ("\u22122 degC", "K", 271.15),
        ("-2 °C", "K", 271.15),
        ("32 degF", "K", 273.15),
        ("212 degF", "K", 373.15),
        ("288.15 K", "K", 288.15),
        ("400 kg/s", "kg/s", 400.0),
        ("1500 t/h", "kg/s", 1500e3 / 3600),
        ("25 MW", "W", 25e6),
        ("38.2 MJ/m**3", "J/m**3", 38.2e6),
        ("10 GWh", "J", 3.6e13),
        ("6 h", "s", 21600.0),
    ],
)
def test_examples_parse_to_si(text: str, unit: str, expected: float) -> None:
    assert close(parse_quantity(text, unit), expected, abs_tol=ABS_TEMPERATURE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100 barg", 100e5 + P_ATM),
        ("100 bar(g)", 100e5 + P_ATM),
        ("100 bar (g)", 100e5 + P_ATM),
        ("-0.5 barg", -0.5e5 + P_ATM),
        ("0 barg", P_ATM),
        ("20 mbarg", 2000.0 + P_ATM),
        ("500 kPag", 5e5 + P_ATM),
        ("5 MPa(g)", 5e6 + P_ATM),
        ("0 psig", P_ATM),
        ("1000 psig", 1000 * PSI + P_ATM),
        ("1000 psi(g)", 1000 * PSI + P_ATM),
        ("70 bara", 7e6),
        ("70 bar(a)", 7e6),
        ("9.8 MPa(a)", 9.8e6),
        ("1000 psia", 1000 * PSI),
    ],
)
def test_gauge_pressures_are_relative_to_the_standard_atmosphere(
    text: str, expected: float
) -> None:
    assert close(parse_quantity(text, "Pa"), expected, abs_tol=ABS_PRESSURE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(9.8e6, 9.8e6), ("9.8e6", 9.8e6), (" 9.8e6 ", 9.8e6), (5, 5.0), (np.float64(2.5), 2.5)],
)
def test_bare_numbers_are_already_si(value: float | int | str, expected: float) -> None:
    result = parse_quantity(value, "Pa")
    assert result == expected
    assert type(result) is float


def test_wrong_dimension_names_field_element_value_and_expectation() -> None:
    with pytest.raises(UnitError) as info:
        parse_quantity("9.8 km", "Pa", field="max_pressure", element="pipe P1")
    err = info.value
    assert err.field == "max_pressure"
    assert err.element == "pipe P1"
    assert err.value == "9.8 km"
    assert err.expected is not None and "pressure" in err.expected
    text = str(err)
    assert "pipe P1.max_pressure" in text
    assert "9.8 km" in text
    assert "MPa" in text  # an example of what would be valid
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, "nan", "nan Pa", "inf MPa", "1e999 Pa"],
)
def test_non_finite_is_rejected(value: float | str) -> None:
    with pytest.raises(UnitError, match="pressure"):
        parse_quantity(value, "Pa", field="pressure")


@pytest.mark.parametrize(
    "value", ["", "MPa", "abc", "9.8 MPx", "9,8 MPa", "9.8 MPa 5", "9.8 bar g", True, None, [1.0]]
)
def test_unparseable_is_rejected_with_field(value: object) -> None:
    with pytest.raises(UnitError) as info:
        parse_quantity(value, "Pa", field="pressure", element="node N3")  # type: ignore[arg-type]
    assert "node N3.pressure" in str(info.value)


def test_unknown_target_unit_is_an_error() -> None:
    with pytest.raises(UnitError, match="unknown unit"):
        parse_quantity("1 m", "furlongs_per_fortnightx")


def test_temperature_wrong_dimension() -> None:
    with pytest.raises(UnitError, match="temperature"):
        parse_quantity("15 bar", "K", field="ambient_temperature")


# -- output -----------------------------------------------------------------------------


def test_to_unit_scalars() -> None:
    assert to_unit(9.8e6, "MPa", "Pa") == 9.8
    assert type(to_unit(9.8e6, "MPa", "Pa")) is float
    assert close(to_unit(271.15, "degC", "K"), -2.0, abs_tol=ABS_TEMPERATURE)
    assert to_unit(P_ATM, "barg", "Pa") == pytest.approx(0.0, abs=1e-12)
    assert close(to_unit(50e9 / 31536000, "bcm/yr", "m**3/s"), 50.0)
    assert close(to_unit(1.42, "mm", "m"), 1420.0)


def test_to_unit_arrays_keep_shape() -> None:
    values = np.array([[271.15, 273.15], [288.15, 293.15]])
    result = to_unit(values, "degC", "K")
    assert result.shape == values.shape
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [[-2.0, 0.0], [15.0, 20.0]], atol=ABS_TEMPERATURE)
    pressures = to_unit(np.array([9.8e6, 7.4e6]), "MPa", "Pa")
    np.testing.assert_allclose(pressures, [9.8, 7.4], rtol=REL_EXACT)


def test_to_unit_wrong_dimension() -> None:
    with pytest.raises(UnitError, match="different dimensions"):
        to_unit(1.0, "MPa", "m")


@pytest.mark.parametrize(
    ("value", "unit", "from_unit", "digits", "expected"),
    [
        (9.8e6, "MPa", "Pa", 4, "9.8 MPa"),
        (1.42, "mm", "m", 4, "1420 mm"),
        (50e9 / 31536000, "bcm/yr", "m**3/s", 4, "50 bcm/yr"),
        (271.15, "degC", "K", 4, "-2 degC"),
        (P_ATM, "barg", "Pa", 4, "0 barg"),
        (12345.678, "m", "m", 4, "12350 m"),
        (12345.678, "m", "m", 2, "12000 m"),
        (1.5e10, "m", "m", 4, "1.5e+10 m"),
        (1.234e-6, "m", "m", 3, "1.23e-06 m"),
    ],
)
def test_format_quantity(
    value: float, unit: str, from_unit: str, digits: int, expected: str
) -> None:
    assert format_quantity(value, unit, from_unit, digits=digits) == expected


def test_format_quantity_rejects_zero_digits() -> None:
    with pytest.raises(UnitError):
        format_quantity(1.0, "m", "m", digits=0)


# Display units with a plausible SI range and the absolute slack their zero needs.
ROUND_TRIP_UNITS = [
    ("MPa", "Pa", (1e3, 3e7), 0.0),
    ("bar", "Pa", (1e3, 3e7), 0.0),
    ("barg", "Pa", (1e3, 3e7), ABS_PRESSURE),
    ("psig", "Pa", (1e3, 3e7), ABS_PRESSURE),
    ("degC", "K", (200.0, 400.0), ABS_TEMPERATURE),
    ("degF", "K", (200.0, 400.0), ABS_TEMPERATURE),
    ("mcm/d", "m**3/s", (1e-3, 1e4), 0.0),
    ("bcm/yr", "m**3/s", (1e-3, 1e4), 0.0),
    ("MMscfd", "m**3/s", (1e-3, 1e4), 0.0),
    ("km", "m", (1e-3, 1e7), 0.0),
    ("mm", "m", (1e-4, 2.0), 0.0),
]


@given(case=st.sampled_from(ROUND_TRIP_UNITS), fraction=st.floats(0.0, 1.0))
def test_to_unit_and_parse_round_trip(
    case: tuple[str, str, tuple[float, float], float], fraction: float
) -> None:
    unit, si_unit, (low, high), abs_tol = case
    value_si = low + fraction * (high - low)
    shown = to_unit(value_si, unit, si_unit)
    assert close(to_unit(shown, si_unit, unit), value_si, abs_tol=abs_tol)
    assert close(parse_quantity(f"{shown!r} {unit}", si_unit), value_si, abs_tol=abs_tol)
