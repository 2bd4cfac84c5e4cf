"""Gas properties: composition, reference EOS (GERG-2008 / AGA8-DETAIL via pyaga8),
a fast surrogate for hot loops, viscosity, and ISO 6976 calorific values."""

from trunkline.gas.components import COMPONENTS, Component, canonical_name, normalise_composition
from trunkline.gas.eos import EOS_NAMES, R_MOLAR, StateProperties
from trunkline.gas.gas import Gas
from trunkline.gas.ideal import IdealGas
from trunkline.gas.surrogate import DEFAULT_ENVELOPE, Envelope, GasSurrogate

__all__ = [
    "COMPONENTS",
    "DEFAULT_ENVELOPE",
    "EOS_NAMES",
    "R_MOLAR",
    "Component",
    "Envelope",
    "Gas",
    "GasSurrogate",
    "IdealGas",
    "StateProperties",
    "canonical_name",
    "normalise_composition",
]
