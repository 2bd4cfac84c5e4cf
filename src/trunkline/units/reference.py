"""Reference conditions for gas volumes, standard volumes and volume/mass/energy conversion.

A cubic metre of gas means nothing until it names the temperature and pressure
it is measured at. trunkline therefore never accepts a gas volume without a
reference condition: ``"50 bcm/yr @ RU"``, ``"137 mcm/d @ ISO"``,
``"1.2e3 Sm3/h @ normal"``, or ``"50 bcm/yr at 20 degC"``.

The named reference conditions, all at 101.325 kPa:

* ``RU`` — 20 °C (293.15 K): the Russian / Gazprom standard cubic metre
  (Gazprom glossary: standard cubic metre at 20 °C and 101.325 kPa; GOST 2939-63).
  Aliases ``gazprom``, ``GOST``, ``ru``, ``20C``. It is the default *contract*
  reference, :data:`DEFAULT_CONTRACT_REFERENCE`, but only when a caller passes it
  explicitly; a volume string never silently picks it up.
* ``ISO`` — 15 °C (288.15 K): ISO 13443:1996 *Natural gas — Standard reference
  conditions*. Aliases ``standard``, ``iso``, ``ISO 13443``, ``15C``.
* ``normal`` — 0 °C (273.15 K): the normal cubic metre, Nm³ (DIN 1343).
  Aliases ``N``, ``Nm3``, ``DIN 1343``, ``0C``.

A temperature (and optionally a pressure) also names a reference condition:
``"20 degC"`` is ``RU``; ``"60 degF, 14.696 psia"`` is an unnamed one.

The unit ``Nm3`` itself names the normal reference, so ``"1e3 Nm3/h"`` needs no
``@``; combined with a different reference it is an error. ``Sm3`` ("standard"
cubic metre) is 15 °C in some countries and 20 °C in others, so it names none.

Conversions between volume, mass and energy are pure arithmetic here; the
densities and calorific values come from the gas package. **Densities must be
real-gas densities at the respective reference conditions**
(``gas.standard_density(ref)``), and a calorific value must be per cubic metre
at the same reference as the volume. Then ``convert_reference`` is exact for the
real gas; with ideal-gas densities it reduces to ``V_to = V_from·(T_to/T_from)·
(p_from/p_to)``. Every conversion is vectorised over numpy arrays and works for
volume flows (m³/s → kg/s, W) exactly as for volumes.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, overload

import numpy as np
from numpy.typing import NDArray

from trunkline.errors import UnitError
from trunkline.units.quantity import P_ATM, T_ZERO_C, _parse_quantity

__all__ = [
    "DEFAULT_CONTRACT_REFERENCE",
    "ISO",
    "NORMAL",
    "REFERENCE_CONDITIONS",
    "RU",
    "ReferenceCondition",
    "StandardVolume",
    "StandardVolumeFlow",
    "convert_reference",
    "energy_to_volume",
    "get_reference",
    "mass_to_volume",
    "parse_standard_volume",
    "parse_standard_volume_flow",
    "volume_to_energy",
    "volume_to_mass",
]


@dataclass(frozen=True, slots=True)
class ReferenceCondition:
    """The temperature and pressure a gas volume is measured at.

    Attributes:
        name: short name, e.g. ``"RU"``.
        temperature: reference temperature [K].
        pressure: reference pressure [Pa] (absolute).
        description: what the condition is and where it comes from.
    """

    name: str
    temperature: float
    pressure: float
    description: str = ""

    def __post_init__(self) -> None:
        for field, value in (("temperature", self.temperature), ("pressure", self.pressure)):
            if not (math.isfinite(value) and value > 0.0):
                raise UnitError(
                    "must be a positive finite number", element=f"reference {self.name}",
                    field=field, value=value,
                    expected="K" if field == "temperature" else "Pa (absolute)",
                )

    def __str__(self) -> str:
        return self.name


# Sources: Gazprom glossary — the standard cubic metre is measured at 20 °C and
# 101.325 kPa (also GOST 2939-63); ISO 13443:1996 — standard reference conditions
# 15 °C (288.15 K) and 101.325 kPa; normal conditions 0 °C and 101.325 kPa (DIN 1343).
RU: Final = ReferenceCondition(
    "RU", T_ZERO_C + 20.0, P_ATM,
    "Russian/Gazprom standard cubic metre: 20 °C, 101.325 kPa (Gazprom glossary; GOST 2939-63)",
)
ISO: Final = ReferenceCondition(
    "ISO", T_ZERO_C + 15.0, P_ATM,
    "ISO 13443:1996 standard reference conditions: 15 °C, 101.325 kPa",
)
NORMAL: Final = ReferenceCondition(
    "normal", T_ZERO_C, P_ATM,
    "normal cubic metre (Nm³): 0 °C, 101.325 kPa (DIN 1343)",
)

DEFAULT_CONTRACT_REFERENCE: Final = RU
"""The reference for contract volumes when a caller chooses to default one."""

REFERENCE_CONDITIONS: Final[Mapping[str, ReferenceCondition]] = MappingProxyType(
    {ref.name: ref for ref in (RU, ISO, NORMAL)}
)
"""The named reference conditions by canonical name."""

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "RU": ("gazprom", "GOST", "GOST 2939-63", "ru", "20C"),
    "ISO": ("standard", "ISO 13443", "ISO 13443:1996", "iso", "15C"),
    "normal": ("N", "Nm3", "DIN 1343", "normal", "0C"),
})


@functools.lru_cache(maxsize=256)
def _key(name: str) -> str:
    """Lookup key: case-, space- and punctuation-insensitive ("ISO 13443" -> "iso13443");
    remembered per name (every steady solve looks its reference up)."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


_LOOKUP: Final[Mapping[str, ReferenceCondition]] = MappingProxyType({
    _key(alias): REFERENCE_CONDITIONS[name]
    for name, aliases in _ALIASES.items()
    for alias in (name, *aliases)
})

_VALID_REFERENCES: Final = (
    "one of "
    + ", ".join(
        f"{ref.name} ({ref.temperature - T_ZERO_C:g} °C; also {', '.join(_ALIASES[name][:2])})"
        for name, ref in REFERENCE_CONDITIONS.items()
    )
    + ", or a temperature with an optional pressure, e.g. '20 degC' or '15 degC, 101.325 kPa'"
)

_BARE_NUMBER_RE: Final = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")


def _reference_from_state(text: str, field: str | None, element: str | None) -> ReferenceCondition:
    """Read ``"20 degC"`` or ``"15 degC, 101.325 kPa"``; a named one if it matches."""
    parts = re.split(r"[,;]", text)
    if not 1 <= len(parts) <= 2 or any(_BARE_NUMBER_RE.fullmatch(p) for p in parts):
        raise UnitError("not a temperature/pressure", value=text)  # caught by the caller
    temperature = _parse_quantity(parts[0], "K", field, element, "a temperature")
    pressure = (
        _parse_quantity(parts[1], "Pa", field, element, "a pressure") if len(parts) == 2
        else P_ATM
    )
    for ref in REFERENCE_CONDITIONS.values():
        if abs(ref.temperature - temperature) <= 1e-9 and abs(ref.pressure - pressure) <= 1e-6:
            return ref
    return ReferenceCondition(
        f"{temperature - T_ZERO_C:.6g} degC, {pressure / 1e3:.6g} kPa",
        temperature, pressure, "reference condition given by its temperature and pressure",
    )


def get_reference(
    name_or_obj: str | ReferenceCondition,
    *,
    field: str | None = None,
    element: str | None = None,
) -> ReferenceCondition:
    """Look up a reference condition by name or alias (case-insensitive).

    ``"RU"``, ``"gazprom"``, ``"ISO"``, ``"standard"``, ``"normal"``, ``"Nm3"`` …
    or a temperature with an optional absolute pressure (``"20 degC"`` gives
    ``RU``; ``"60 degF, 14.696 psia"`` gives an unnamed condition). A
    :class:`ReferenceCondition` is returned unchanged.

    Raises:
        UnitError: unknown name; the message lists the valid names.
    """
    if isinstance(name_or_obj, ReferenceCondition):
        return name_or_obj
    if not isinstance(name_or_obj, str):
        raise UnitError(
            "a reference condition must be a name or a ReferenceCondition",
            element=element, field=field, value=name_or_obj, expected=_VALID_REFERENCES,
        )
    found = _LOOKUP.get(_key(name_or_obj))
    if found is not None:
        return found
    try:
        return _reference_from_state(name_or_obj, field, element)
    except UnitError:
        pass
    raise UnitError(
        f"unknown reference condition {name_or_obj!r}", element=element, field=field,
        expected=_VALID_REFERENCES,
    )


# -- standard volumes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StandardVolumeFlow:
    """A gas volume flow at a reference condition.

    Attributes:
        value: volume flow [m³/s] measured at ``reference``.
        reference: the reference condition of the volume.
    """

    value: float
    reference: ReferenceCondition

    def __str__(self) -> str:
        return f"{self.value:.6g} m³/s @ {self.reference.name}"


@dataclass(frozen=True, slots=True)
class StandardVolume:
    """A gas volume at a reference condition.

    Attributes:
        value: volume [m³] measured at ``reference``.
        reference: the reference condition of the volume.
    """

    value: float
    reference: ReferenceCondition

    def __str__(self) -> str:
        return f"{self.value:.6g} m³ @ {self.reference.name}"


_SEPARATOR_RE: Final = re.compile(r"\s*@\s*|\s+at\s+")
_NM3_RE: Final = re.compile(r"Nm(?:3|³|\^3|\*\*3)")
_MISSING_REFERENCE: Final = (
    "a gas volume must name its reference condition, e.g. '50 bcm/yr @ RU'"
)


def _parse_standard(
    text: object,
    unit: str,
    examples: str,
    default_reference: str | ReferenceCondition | None,
    field: str | None,
    element: str | None,
) -> tuple[float, ReferenceCondition]:
    """Split ``"<quantity> @ <reference>"`` and parse both halves."""
    expected = examples
    reference: ReferenceCondition | None = None
    quantity: object = text
    if isinstance(text, str):
        quantity_text, *rest = _SEPARATOR_RE.split(text, maxsplit=1)
        quantity = quantity_text
        implied = NORMAL if _NM3_RE.search(quantity_text) else None
        if rest:
            if not rest[0].strip():
                raise UnitError(
                    "missing reference condition after '@'", element=element, field=field,
                    value=text, expected=_VALID_REFERENCES,
                )
            reference = get_reference(rest[0].strip(), field=field, element=element)
            if implied is not None and reference != implied:
                raise UnitError(
                    f"'Nm3' is a normal cubic metre (0 °C) but the reference is "
                    f"{reference.name}", element=element, field=field, value=text,
                    expected="'Sm3' or 'm**3' with an explicit reference, or 'Nm3' alone",
                )
        else:
            reference = implied
    value = _parse_quantity(quantity, unit, field, element, expected)
    if reference is None:
        if default_reference is None:
            raise UnitError(
                _MISSING_REFERENCE, element=element, field=field, value=text,
                expected=f"a reference condition, {_VALID_REFERENCES}",
            )
        reference = get_reference(default_reference, field=field, element=element)
    return value, reference


def parse_standard_volume_flow(
    text: str | float | int | StandardVolumeFlow,
    *,
    default_reference: str | ReferenceCondition | None = None,
    field: str | None = None,
    element: str | None = None,
) -> StandardVolumeFlow:
    """Parse a gas volume flow with its reference condition.

    ``"50 bcm/yr @ RU"``, ``"50 bcm/yr at 20 degC"``, ``"137 mcm/d @ ISO"``,
    ``"1.2e3 Sm3/h @ normal"`` or ``"1e3 Nm3/h"``. The year is the 365-day
    contract year. A volume that names no reference is an error unless the
    caller passes ``default_reference`` explicitly; a bare number is then taken
    as m³/s at that reference. A :class:`StandardVolumeFlow` is returned unchanged.

    Raises:
        UnitError: unparseable text, wrong dimension, unknown or missing reference.
    """
    if isinstance(text, StandardVolumeFlow):
        return text
    value, reference = _parse_standard(
        text, "m**3/s",
        "a gas volume flow with its reference, e.g. '50 bcm/yr @ RU', '137 mcm/d @ ISO'",
        default_reference, field, element,
    )
    return StandardVolumeFlow(value, reference)


def parse_standard_volume(
    text: str | float | int | StandardVolume,
    *,
    default_reference: str | ReferenceCondition | None = None,
    field: str | None = None,
    element: str | None = None,
) -> StandardVolume:
    """Parse a gas volume with its reference condition, e.g. ``"4.5 bcm @ RU"``.

    Same rules as :func:`parse_standard_volume_flow`; the value is in m³.

    Raises:
        UnitError: unparseable text, wrong dimension, unknown or missing reference.
    """
    if isinstance(text, StandardVolume):
        return text
    value, reference = _parse_standard(
        text, "m**3",
        "a gas volume with its reference, e.g. '4.5 bcm @ RU', '300 mcm @ ISO'",
        default_reference, field, element,
    )
    return StandardVolume(value, reference)


# -- conversions ----------------------------------------------------------------------

FloatArray = NDArray[np.float64]


def _positive(value: float | NDArray[Any], name: str) -> None:
    array = np.asarray(value, dtype=np.float64)
    good = np.isfinite(array) & (array > 0.0)
    if not np.all(good):
        bad = array if array.ndim == 0 else array[~good][0]
        raise UnitError(
            "must be positive and finite", field=name, value=float(bad),
            expected="a value at the reference condition of the volume, in SI units",
        )


def _result(value: Any) -> float | FloatArray:
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=np.float64)


@overload
def volume_to_mass(volume: float, standard_density: float) -> float: ...
@overload
def volume_to_mass(volume: NDArray[Any], standard_density: float | NDArray[Any]) -> FloatArray: ...
@overload
def volume_to_mass(volume: float | NDArray[Any], standard_density: NDArray[Any]) -> FloatArray: ...
def volume_to_mass(
    volume: float | NDArray[Any], standard_density: float | NDArray[Any]
) -> float | FloatArray:
    """Mass [kg] (or mass flow [kg/s]) of a volume [m³] (or flow [m³/s]): m = V·ρ.

    ``standard_density`` [kg/m³] must be the real-gas density at the volume's
    reference condition (``gas.standard_density(ref)``).
    """
    _positive(standard_density, "standard_density")
    return _result(np.multiply(volume, standard_density))


@overload
def mass_to_volume(mass: float, standard_density: float) -> float: ...
@overload
def mass_to_volume(mass: NDArray[Any], standard_density: float | NDArray[Any]) -> FloatArray: ...
@overload
def mass_to_volume(mass: float | NDArray[Any], standard_density: NDArray[Any]) -> FloatArray: ...
def mass_to_volume(
    mass: float | NDArray[Any], standard_density: float | NDArray[Any]
) -> float | FloatArray:
    """Volume [m³] (or flow [m³/s]) at a reference of a mass [kg] (or [kg/s]): V = m/ρ.

    ``standard_density`` [kg/m³] must be the real-gas density at the wanted
    reference condition (``gas.standard_density(ref)``).
    """
    _positive(standard_density, "standard_density")
    return _result(np.divide(mass, standard_density))


@overload
def volume_to_energy(volume: float, calorific_value: float) -> float: ...
@overload
def volume_to_energy(
    volume: NDArray[Any], calorific_value: float | NDArray[Any]
) -> FloatArray: ...
@overload
def volume_to_energy(
    volume: float | NDArray[Any], calorific_value: NDArray[Any]
) -> FloatArray: ...
def volume_to_energy(
    volume: float | NDArray[Any], calorific_value: float | NDArray[Any]
) -> float | FloatArray:
    """Energy [J] (or power [W]) of a volume [m³] (or flow [m³/s]): E = V·H.

    ``calorific_value`` [J/m³] must be per cubic metre at the same reference
    condition as the volume (``gas.gcv(ref)`` or ``gas.ncv(ref)``).
    """
    _positive(calorific_value, "calorific_value")
    return _result(np.multiply(volume, calorific_value))


@overload
def energy_to_volume(energy: float, calorific_value: float) -> float: ...
@overload
def energy_to_volume(
    energy: NDArray[Any], calorific_value: float | NDArray[Any]
) -> FloatArray: ...
@overload
def energy_to_volume(
    energy: float | NDArray[Any], calorific_value: NDArray[Any]
) -> FloatArray: ...
def energy_to_volume(
    energy: float | NDArray[Any], calorific_value: float | NDArray[Any]
) -> float | FloatArray:
    """Volume [m³] (or flow [m³/s]) of an energy [J] (or power [W]): V = E/H.

    ``calorific_value`` [J/m³] must be per cubic metre at the reference
    condition wanted for the volume.
    """
    _positive(calorific_value, "calorific_value")
    return _result(np.divide(energy, calorific_value))


@overload
def convert_reference(volume: float, density_from: float, density_to: float) -> float: ...
@overload
def convert_reference(
    volume: NDArray[Any], density_from: float | NDArray[Any], density_to: float | NDArray[Any]
) -> FloatArray: ...
@overload
def convert_reference(
    volume: float | NDArray[Any], density_from: NDArray[Any], density_to: float | NDArray[Any]
) -> FloatArray: ...
@overload
def convert_reference(
    volume: float | NDArray[Any], density_from: float | NDArray[Any], density_to: NDArray[Any]
) -> FloatArray: ...
def convert_reference(
    volume: float | NDArray[Any],
    density_from: float | NDArray[Any],
    density_to: float | NDArray[Any],
) -> float | FloatArray:
    """Re-express a volume (or flow) at another reference: V_to = V_from·ρ_from/ρ_to.

    The mass is conserved, so this is exact for the real gas when the densities
    are real-gas densities at the respective reference conditions
    (``gas.standard_density(ref)``). With ideal-gas densities (ρ ∝ p/T) it is the
    ideal-gas ratio, e.g. 1 m³ at 20 °C = 0.98294 m³ at 15 °C = 0.93178 Nm³.
    """
    _positive(density_from, "density_from")
    _positive(density_to, "density_to")
    return _result(np.multiply(volume, np.divide(density_from, density_to)))
