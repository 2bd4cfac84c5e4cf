"""Pipe-flow and compression physics as small, cited, vectorised functions.

* :mod:`~trunkline.physics.friction` - Darcy friction factor: exact Colebrook-White
  (Lambert W), smooth and fully rough limits, Nikuradse (STANET form), Hofer, and
  :func:`darcy_friction`, which adds the laminar and critical-zone treatment to a law
  chosen by name from :data:`FRICTION_LAWS`.
* :mod:`~trunkline.physics.flow_equations` - Weymouth, Panhandle A/B and AGA fully
  turbulent standard-volume flow equations (Menon 2005, in base SI units).
* :mod:`~trunkline.physics.compressor` - ideal-gas isentropic/polytropic relations,
  Schultz polytropic head, real-gas polytropic compression by RK4 along the path,
  shaft power, gas-turbine fuel and driver unit count.

All quantities are in SI units (Pa, K, m, kg/s, J, W); standard volume flows are in
m³/s at a stated base condition. Functions accept floats or numpy arrays and return
a float for scalar input.
"""

from trunkline.physics.compressor import (
    MOLAR_GAS_CONSTANT,
    Compression,
    GasProperties,
    gas_turbine_fuel,
    isentropic_discharge_temperature,
    isentropic_from_polytropic_efficiency,
    isentropic_work_ideal,
    polytropic_exponent_term,
    polytropic_from_isentropic_efficiency,
    polytropic_head_schultz,
    real_gas_polytropic,
    shaft_power,
    units_needed,
)
from trunkline.physics.flow_equations import (
    FLOW_EQUATIONS,
    aga_fully_turbulent,
    panhandle_a,
    panhandle_b,
    weymouth,
)
from trunkline.physics.friction import (
    FRICTION_LAWS,
    FloatOrArray,
    FrictionLaw,
    colebrook,
    darcy_friction,
    hofer,
    nikuradse_stanet,
    smooth_pipe,
    von_karman,
)

__all__ = [
    "FLOW_EQUATIONS",
    "FRICTION_LAWS",
    "MOLAR_GAS_CONSTANT",
    "Compression",
    "FloatOrArray",
    "FrictionLaw",
    "GasProperties",
    "aga_fully_turbulent",
    "colebrook",
    "darcy_friction",
    "gas_turbine_fuel",
    "hofer",
    "isentropic_discharge_temperature",
    "isentropic_from_polytropic_efficiency",
    "isentropic_work_ideal",
    "nikuradse_stanet",
    "panhandle_a",
    "panhandle_b",
    "polytropic_exponent_term",
    "polytropic_from_isentropic_efficiency",
    "polytropic_head_schultz",
    "real_gas_polytropic",
    "shaft_power",
    "smooth_pipe",
    "units_needed",
    "von_karman",
    "weymouth",
]
