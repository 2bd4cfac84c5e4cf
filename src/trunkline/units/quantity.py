"""Quantities at the edge: parse text with units into SI floats, show SI floats in units.

Inside trunkline every number is a plain ``float`` (or a numpy array) in SI units:
Pa, K, m, kg, s, J, W, m³; volumetric flows in m³/s and mass flows in kg/s. Units
exist only at the edge: :func:`parse_quantity` turns ``"9.8 MPa"`` into ``9.8e6``
on the way in and :func:`to_unit` / :func:`format_quantity` turn ``9.8e6`` back
into ``"9.8 MPa"`` on the way out. Both use one shared pint registry,
:func:`get_registry`, which adds the gas-industry units listed below.

Decisions
---------
* **The year is the contract year of 365 days.** ``yr``, ``year`` and ``a`` all
  mean 365 d = 31 536 000 s (pint's default is the Julian year of 365.25 d), so
  ``"50 bcm/yr"`` is 50e9 / (365·86400) m³/s, consistent with daily contract
  quantities ACQ/365. ``month`` follows as 365/12 d. The Julian year is still
  available as ``julian_year`` (365.25 d). ``d`` is the day of 86 400 s.
* **Volume units** ``bcm`` = 1e9 m³ (``bcma`` = bcm per year), ``mcm`` = ``MMcm``
  = ``MMm3`` = 1e6 m³ (European usage; pint would otherwise read ``mcm`` as a
  micrometre), ``tcm`` = 1e12 m³, ``Sm3`` and ``Nm3`` = m³ (the reference
  condition is a separate matter, see :mod:`trunkline.units.reference`),
  ``scf`` = ft³, ``Mscf`` = 1e3 ft³ and ``MMscf`` = 1e6 ft³ (oil-and-gas Roman
  "M" = thousand, not SI mega), ``MMscfd`` = MMscf per day, ``bcf`` = 1e9 ft³,
  ``tcf`` = 1e12 ft³.
* **Gauge pressures** ``barg``, ``mbarg``, ``kPag``, ``MPag`` and ``psig`` (also
  written ``bar(g)``, ``psi(g)``, …) are relative to the *standard atmosphere*
  :data:`P_ATM` = 101 325 Pa, not to a local ambient pressure; this is the
  convention of GasLib and STANET data sets. ``bara`` / ``psia`` and the suffix
  ``(a)`` mean absolute. Gauge units are offset units, like ``degC``: they may
  stand alone (``"70 barg"``) but not inside a compound unit.
* **Temperatures** ``degC`` and ``degF`` are absolute (offset) temperatures:
  ``"-2 degC"`` is 271.15 K. Temperature differences are not supported.
* **Bare numbers** (``9.8e6`` or ``"9.8e6"``) are taken as already in the target
  SI unit. NaN and infinities are rejected.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real
from typing import Any, Final, overload

import numpy as np
import pint
from numpy.typing import NDArray

from trunkline.errors import UnitError

__all__ = [
    "P_ATM",
    "SECONDS_PER_CONTRACT_YEAR",
    "SECONDS_PER_DAY",
    "T_ZERO_C",
    "format_quantity",
    "get_registry",
    "parse_quantity",
    "to_unit",
]

P_ATM: Final[float] = 101325.0
"""Standard atmosphere [Pa]; also the zero of gauge pressures."""

T_ZERO_C: Final[float] = 273.15
"""0 °C in kelvin [K]."""

SECONDS_PER_DAY: Final[float] = 86400.0
"""Seconds in a day [s]."""

SECONDS_PER_CONTRACT_YEAR: Final[float] = 365.0 * SECONDS_PER_DAY
"""Seconds in the 365-day contract year [s] (``yr`` in trunkline)."""

_PSI_IN_PA: Final[float] = 0.45359237 * 9.80665 / 0.0254**2
"""One pound-force per square inch in pascal (exact by definition of lb, g_n, in)."""

# Definitions added to pint's defaults. The year is redefined (see module docstring);
# every other name is new, which _build_registry checks.
_YEAR_DEFINITIONS: Final[tuple[str, ...]] = (
    "year = 365 * day = yr = a = contract_year",
    "julian_year = 365.25 * day",
)
_EXTRA_DEFINITIONS: Final[tuple[str, ...]] = (
    # gas volumes
    "bcm = 1e9 * meter ** 3",
    "bcma = bcm / year",
    "mcm = 1e6 * meter ** 3 = MMcm = MMm3",
    "tcm = 1e12 * meter ** 3",
    "Sm3 = meter ** 3",
    "Nm3 = meter ** 3",
    "scf = foot ** 3",
    "Mscf = 1e3 * foot ** 3",
    "MMscf = 1e6 * foot ** 3",
    "MMscfd = MMscf / day",
    "bcf = 1e9 * foot ** 3",
    "tcf = 1e12 * foot ** 3",
    # pressures: gauge relative to the standard atmosphere, and explicit absolute
    f"barg = 1e5 * pascal; offset: {P_ATM!r}",
    f"mbarg = 1e2 * pascal; offset: {P_ATM!r}",
    f"kPag = 1e3 * pascal; offset: {P_ATM!r}",
    f"MPag = 1e6 * pascal; offset: {P_ATM!r}",
    f"psig = {_PSI_IN_PA!r} * pascal; offset: {P_ATM!r}",
    "bara = bar",
    "psia = psi",
)

_registry: pint.UnitRegistry[Any] | None = None
_registry_lock = threading.Lock()


def _build_registry() -> pint.UnitRegistry[Any]:
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(on_redefinition="raise")
    for definition in _EXTRA_DEFINITIONS:
        ureg.define(definition)
    # The year and the Julian year are the only intended redefinitions.
    ureg._on_redefinition = "ignore"
    for definition in _YEAR_DEFINITIONS:
        ureg.define(definition)
    ureg._on_redefinition = "raise"
    return ureg


def get_registry() -> pint.UnitRegistry[Any]:
    """The trunkline pint registry (created on first use, shared afterwards).

    It is pint's default registry plus the gas-industry units and the 365-day
    year described in :mod:`trunkline.units.quantity`. Use it only at the edge.
    """
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = _build_registry()
    return _registry


# -- parsing -------------------------------------------------------------------------

_NUMBER: Final[str] = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_UNIT_RE: Final[re.Pattern[str]] = re.compile(rf"\s*({_NUMBER})\s*\*?\s*(.*?)\s*")
_GAUGE_SUFFIX_RE: Final[re.Pattern[str]] = re.compile(r"\s*\(\s*g\s*\)")
_ABSOLUTE_SUFFIX_RE: Final[re.Pattern[str]] = re.compile(r"\s*\(\s*a(?:bs)?\s*\)")
_CUBIC_RE: Final[re.Pattern[str]] = re.compile(r"([SN])m(?:³|\^3|\*\*3)")

# pint reports unparseable unit text with any of these
_PINT_PARSE_ERRORS: Final = (pint.PintError, ValueError, TypeError, AttributeError, SyntaxError)

# What a target unit measures, with examples, for error messages.
_EXPECTED_BY_UNIT: Final[dict[str, str]] = {
    "Pa": "a pressure, e.g. '9.8 MPa', '98 bar', '70 barg', '1200 psig'",
    "K": "a temperature, e.g. '-2 degC', '288.15 K', '60 degF'",
    "m": "a length, e.g. '1420 mm', '21.7 mm', '2600 km'",
    "m**2": "an area, e.g. '1.5 m**2'",
    "m**3": "a volume, e.g. '2.5 bcm', '137 mcm', '1e3 m**3'",
    "m**3/s": "a volumetric flow, e.g. '137 mcm/d', '50 bcm/yr', '1.2e3 Sm3/h'",
    "kg": "a mass, e.g. '12 t', '500 kg'",
    "kg/s": "a mass flow, e.g. '400 kg/s', '1500 t/h'",
    "kg/m**3": "a density, e.g. '0.72 kg/m**3'",
    "s": "a time, e.g. '6 h', '30 min', '1 d'",
    "W": "a power, e.g. '25 MW', '32000 hp'",
    "J": "an energy, e.g. '10 GWh', '3.6 MJ'",
    "J/m**3": "a calorific value, e.g. '38.2 MJ/m**3', '10.6 kWh/m**3'",
    "J/kg": "a specific energy, e.g. '50 MJ/kg'",
    "m/s": "a velocity, e.g. '20 m/s'",
    "Pa*s": "a dynamic viscosity, e.g. '11 uPa*s'",
}


def _expected(unit: str) -> str:
    """Describe what a target SI unit measures, with examples."""
    key = unit.replace(" ", "")
    description = _EXPECTED_BY_UNIT.get(key)
    if description is None:
        description = f"a quantity convertible to {unit!r}, e.g. '1 {unit}'"
    else:
        description += f" (converted to {unit})"
    return description


def _normalise_unit_text(text: str) -> str:
    """Rewrite the spellings pint does not know: ``bar(g)``, ``bar(a)``, ``Sm³``."""
    text = _GAUGE_SUFFIX_RE.sub("g", text)
    text = _ABSOLUTE_SUFFIX_RE.sub("", text)
    return _CUBIC_RE.sub(r"\1m3", text)


@dataclass(frozen=True, slots=True)
class _Unit:
    """A parsed unit: the pint unit, its dimensionality and its factor to SI.

    ``factor`` is ``None`` for offset units (degC, barg …), which pint converts.
    """

    unit: pint.Unit
    dimensionality: Any
    factor: float | None


@lru_cache(maxsize=1024)
def _parse_unit(text: str) -> _Unit:
    """Parse a unit string (raises pint's errors); cached, units repeat a lot."""
    ureg = get_registry()
    unit = ureg.parse_units(_normalise_unit_text(text))
    base = ureg.Quantity(1.0, unit).to_base_units().magnitude
    offset = ureg.Quantity(0.0, unit).to_base_units().magnitude
    factor = float(base) if float(offset) == 0.0 else None
    return _Unit(unit, unit.dimensionality, factor)


def _unit_or_error(
    text: str, *, field: str | None, element: str | None, value: object, expected: str
) -> _Unit:
    try:
        return _parse_unit(text)
    except _PINT_PARSE_ERRORS as exc:
        raise UnitError(
            f"unknown unit {text!r}", element=element, field=field, value=value,
            expected=expected,
        ) from exc


def _target_unit(unit: str) -> _Unit:
    return _unit_or_error(
        unit, field="unit", element=None, value=unit,
        expected="a unit pint understands, e.g. 'Pa', 'm**3/s', 'MPa', 'mcm/d'",
    )


def _convert(magnitude: Any, source: _Unit, target: _Unit) -> Any:
    """Convert a magnitude between units of the same dimensionality."""
    if source.factor is not None and target.factor is not None:
        # value·f_src/f_tgt keeps round numbers round (9.8e6 Pa -> 9.8 MPa exactly)
        return magnitude * source.factor / target.factor
    return get_registry().Quantity(magnitude, source.unit).to(target.unit).magnitude


def _check_finite(
    value: float, text: object, field: str | None, element: str | None, expected: str
) -> float:
    if not math.isfinite(value):
        raise UnitError(
            "a quantity must be a finite number", element=element, field=field,
            value=text, expected=expected,
        )
    return value


def parse_quantity(
    text: str | float | int,
    unit: str,
    *,
    field: str | None = None,
    element: str | None = None,
) -> float:
    """Parse a quantity and return its magnitude in the SI unit ``unit``.

    Args:
        text: ``"9.8 MPa"``, ``"1420 mm"``, ``"137 mcm/d"``, ``"-2 degC"``,
            ``"70 barg"`` … A bare number (``9.8e6`` or ``"9.8e6"``) is taken as
            already being in ``unit``.
        unit: the SI unit wanted, e.g. ``"Pa"``, ``"m"``, ``"K"``, ``"m**3/s"``,
            ``"kg/s"``, ``"W"``, ``"J/m**3"``.
        field: name of the input field, for error messages.
        element: name of the element (pipe, station, scenario section …) the
            field belongs to, for error messages.

    Returns:
        The magnitude in ``unit`` as a Python float.

    Raises:
        UnitError: the text cannot be parsed, has the wrong dimension, or is
            not a finite number. The message names ``element``/``field``, the
            bad value and the expected dimension with examples.
    """
    return _parse_quantity(text, unit, field, element, _expected(unit))


def _parse_quantity(
    text: object, unit: str, field: str | None, element: str | None, expected: str
) -> float:
    """:func:`parse_quantity` with the error's *expected* text supplied by the caller."""
    target = _target_unit(unit)
    if isinstance(text, bool) or not isinstance(text, (str, Real)):
        raise UnitError(
            "a quantity must be a number or a string with a unit", element=element,
            field=field, value=text, expected=expected,
        )
    if not isinstance(text, str):
        return _check_finite(float(text), text, field, element, expected)

    match = _NUMBER_UNIT_RE.fullmatch(text.replace("\u2212", "-"))  # U+2212 minus sign
    if match is None:
        raise UnitError(
            "cannot read a number followed by a unit", element=element, field=field,
            value=text, expected=expected,
        )
    number = _check_finite(float(match.group(1)), text, field, element, expected)
    unit_text = match.group(2)
    if not unit_text:
        return number

    source = _unit_or_error(
        unit_text, field=field, element=element, value=text, expected=expected
    )
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"wrong dimension: {unit_text!r} is not convertible to {unit!r}",
            element=element, field=field, value=text, expected=expected,
        )
    try:
        magnitude = _convert(number, source, target)
    except pint.PintError as exc:
        raise UnitError(
            f"cannot convert {unit_text!r} to {unit!r}: {exc}",
            element=element, field=field, value=text, expected=expected,
        ) from exc
    return _check_finite(float(magnitude), text, field, element, expected)


# -- output --------------------------------------------------------------------------


@overload
def to_unit(value_si: float, unit: str, from_unit: str) -> float: ...
@overload
def to_unit(value_si: NDArray[Any], unit: str, from_unit: str) -> NDArray[np.float64]: ...
def to_unit(
    value_si: float | NDArray[Any], unit: str, from_unit: str
) -> float | NDArray[np.float64]:
    """Convert a value (or array) from ``from_unit`` (normally SI) to ``unit``.

    ``to_unit(9.8e6, "MPa", "Pa")`` is ``9.8``; ``to_unit(271.15, "degC", "K")``
    is ``-2.0``; ``to_unit(101325.0, "barg", "Pa")`` is ``0.0``. A scalar gives a
    Python float, an array gives a float array of the same shape.

    Raises:
        UnitError: either unit is unknown or the dimensions differ.
    """
    source = _target_unit(from_unit)
    target = _target_unit(unit)
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"cannot convert {from_unit!r} to {unit!r}: different dimensions",
            field="unit", value=unit, expected=_expected(from_unit),
        )
    scalar = np.ndim(value_si) == 0
    magnitude = float(value_si) if scalar else np.asarray(value_si, dtype=np.float64)
    try:
        converted = _convert(magnitude, source, target)
    except pint.PintError as exc:
        raise UnitError(
            f"cannot convert {from_unit!r} to {unit!r}: {exc}",
            field="unit", value=unit, expected=_expected(from_unit),
        ) from exc
    if scalar:
        return float(converted)
    return np.asarray(converted, dtype=np.float64)


def format_quantity(value_si: float, unit: str, from_unit: str, digits: int = 4) -> str:
    """Show a value in ``unit`` with ``digits`` significant digits, e.g. ``"9.8 MPa"``.

    Numbers between 1e-3 and 1e9 are written without an exponent (``"1420 mm"``,
    ``"1585 m**3/s"``), others in scientific notation. The unit is shown as given.
    """
    if digits < 1:
        raise UnitError("digits must be at least 1", field="digits", value=digits)
    value = to_unit(float(value_si), unit, from_unit)
    if math.isfinite(value) and (value == 0.0 or 1e-3 <= abs(value) < 1e9):
        text = np.format_float_positional(
            value, precision=digits, unique=False, fractional=False, trim="-"
        )
    else:
        text = f"{value:.{digits}g}"
    if text == "-0":
        text = "0"
    return f"{text} {unit}"
