"""Units at the edge, SI inside: parsing, display and gas reference conditions.

The lowest layer of trunkline; it depends only on pint and numpy. See
:mod:`trunkline.units.quantity` for the unit decisions (365-day contract year,
gauge pressures relative to 101 325 Pa, gas-industry volume units) and
:mod:`trunkline.units.reference` for reference conditions (RU 20 °C, ISO 15 °C,
normal 0 °C) and volume/mass/energy conversions.
"""

from trunkline.units.quantity import (
    P_ATM,
    SECONDS_PER_CONTRACT_YEAR,
    SECONDS_PER_DAY,
    T_ZERO_C,
    format_quantity,
    get_registry,
    parse_quantity,
    to_unit,
)
from trunkline.units.reference import (
    DEFAULT_CONTRACT_REFERENCE,
    ISO,
    NORMAL,
    REFERENCE_CONDITIONS,
    RU,
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

__all__ = [
    "DEFAULT_CONTRACT_REFERENCE",
    "ISO",
    "NORMAL",
    "P_ATM",
    "REFERENCE_CONDITIONS",
    "RU",
    "SECONDS_PER_CONTRACT_YEAR",
    "SECONDS_PER_DAY",
    "T_ZERO_C",
    "ReferenceCondition",
    "StandardVolume",
    "StandardVolumeFlow",
    "convert_reference",
    "energy_to_volume",
    "format_quantity",
    "get_reference",
    "get_registry",
    "mass_to_volume",
    "parse_quantity",
    "parse_standard_volume",
    "parse_standard_volume_flow",
    "to_unit",
    "volume_to_energy",
    "volume_to_mass",
]
