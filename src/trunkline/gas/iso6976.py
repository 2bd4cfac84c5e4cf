"""Calorific values, density, relative density and Wobbe index from composition (ISO 6976:2016).

Implements ISO 6976:2016, *Natural gas — Calculation of calorific values,
density, relative density and Wobbe indices from composition*, for the 21
GERG-2008 components of :mod:`trunkline.gas.components`, at the reference
pressure :math:`p_0` = 101.325 kPa.

Method
------
With mole fractions :math:`x_j` (normalised to sum to 1):

.. math::

    M = \\sum_j x_j M_j, \\qquad
    \\tilde H_s(t_1) = \\sum_j x_j \\tilde H_{s,j}(t_1), \\qquad
    \\tilde H_i(t_1) = \\tilde H_s(t_1) - \\tilde L_0(t_1) \\sum_j x_j \\frac{b_j}{2}

.. math::

    Z(t_2) = 1 - \\Big(\\sum_j x_j s_j(t_2)\\Big)^2, \\qquad
    \\tilde H_V(t_1, t_2) = \\tilde H(t_1) \\, \\frac{p_0}{Z(t_2) R T_2}, \\qquad
    \\hat H(t_1) = \\tilde H(t_1) / M

.. math::

    d(t_2) = \\frac{M}{M_\\mathrm{air}} \\frac{Z_\\mathrm{air}(t_2)}{Z(t_2)}, \\qquad
    \\rho(t_2) = \\frac{p_0 M}{Z(t_2) R T_2}, \\qquad
    W(t_1, t_2) = \\frac{\\tilde H_V(t_1, t_2)}{\\sqrt{d(t_2)}}

where :math:`t_1` is the combustion reference temperature, :math:`t_2` the
metering (volume) reference temperature, :math:`b_j` the number of hydrogen
atoms in a molecule of component *j* (so :math:`b_j/2` moles of water form per
mole burnt) and :math:`\\tilde L_0` the standard molar enthalpy of vaporisation
of water. The "ideal" variants set :math:`Z = Z_\\mathrm{air} = 1`; mass-basis
values are the same for the ideal and the real gas.

Validity: ISO 6976 restricts volumetric properties to mixtures with
:math:`Z(t_2) > 0.9`; every pipeline natural gas satisfies this by a wide margin.
Temperatures are in kelvin and must be one of the tabulated reference
temperatures (0, 15, 15.55 = 60 °F, 20 and, for combustion, 25 °C), matched
after rounding to 0.01 K; anything else raises :class:`OutOfRangeError`.

Data sources
------------
All component data are from **ISO 6976:2016** (2nd edition):

* molar masses :math:`M_j` — ISO 6976:2016 table 1;
* summation factors :math:`s_j` at 0, 15, 15.55, 20 °C and 101.325 kPa —
  table 2;
* ideal-gas molar gross calorific values :math:`\\tilde H_{s,j}` at 0, 15, 15.55,
  20, 25 °C — table 3. Water has a non-zero gross value equal to
  :math:`\\tilde L_0` (its enthalpy of condensation), as in the 2016 edition;
  its net value is zero;
* :math:`\\tilde L_0` — table A.5; :math:`R` = 8.3144621 J/(mol·K) — table A.1;
  :math:`M_\\mathrm{air}` = 28.96546 g/mol — table A.3; :math:`Z_\\mathrm{air}` —
  table A.4.

The standard itself could not be consulted; the values were transcribed from
public implementations of the 2016 edition and cross-checked between them.
Table 3 (all 21 components) and table 2 for methane … n-decane, nitrogen and
carbon dioxide agree between independent transcriptions. Table 2 values for
hydrogen, helium (both −0.01, the 2016 convention for gases with :math:`Z > 1`),
oxygen, argon, carbon monoxide, water and hydrogen sulfide come from a single
transcription of the 2016 table. None of the 21 components needed a 1995-edition
fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import OutOfRangeError
from trunkline.gas.components import COMPONENTS, canonical_name, normalise_composition

__all__ = [
    "AIR_COMPRESSION_FACTOR",
    "COMBUSTION_TEMPERATURES",
    "METERING_TEMPERATURES",
    "M_AIR",
    "P_REF",
    "R_ISO6976",
    "WATER_VAPORISATION_ENTHALPY",
    "ComponentData",
    "component_data",
    "compression_factor",
    "default_combustion_temperature",
    "density",
    "ideal_gcv_molar",
    "ideal_ncv_molar",
    "mass_gcv",
    "mass_ncv",
    "molar_mass",
    "relative_density",
    "volumetric_gcv",
    "volumetric_ncv",
    "wobbe_index",
]

FloatArray = npt.NDArray[np.float64]

#: Reference pressure p0 of the summation factors and of every volumetric value [Pa].
P_REF: Final = 101_325.0
#: Molar gas constant used by ISO 6976:2016 (table A.1) [J/(mol·K)].
R_ISO6976: Final = 8.3144621
#: Molar mass of dry air, ISO 6976:2016 table A.3 [kg/mol].
M_AIR: Final = 0.02896546

#: Combustion reference temperatures t1 of table 3 [K]: 0, 15, 15.55 (60 °F), 20, 25 °C.
COMBUSTION_TEMPERATURES: Final = (273.15, 288.15, 288.70, 293.15, 298.15)
#: Metering (volume) reference temperatures t2 of table 2 [K]: 0, 15, 15.55, 20 °C.
METERING_TEMPERATURES: Final = (273.15, 288.15, 288.70, 293.15)

#: Compression factor of dry air at p0, ISO 6976:2016 table A.4, by metering temperature [K].
AIR_COMPRESSION_FACTOR: Final[Mapping[float, float]] = {
    273.15: 0.999419, 288.15: 0.999595, 288.70: 0.999601, 293.15: 0.999645,
}
#: Standard molar enthalpy of vaporisation of water L0, ISO 6976:2016 table A.5,
#: by combustion temperature [K] -> [J/mol].
WATER_VAPORISATION_ENTHALPY: Final[Mapping[float, float]] = {
    273.15: 45_064.0, 288.15: 44_431.0, 288.70: 44_408.0, 293.15: 44_222.0, 298.15: 44_013.0,
}

# Per component: molar mass [g/mol] (table 1); gross CV [kJ/mol] at 0, 15, 15.55, 20,
# 25 °C (table 3); summation factor at 0, 15, 15.55, 20 °C (table 2).
_RAW: Final[dict[str, tuple[float, tuple[float, ...], tuple[float, ...]]]] = {
    "methane": (16.04246, (892.92, 891.51, 891.46, 891.05, 890.58),
                (0.04886, 0.04452, 0.04437, 0.04317)),
    "nitrogen": (28.0134, (0.0, 0.0, 0.0, 0.0, 0.0), (0.0214, 0.0170, 0.0169, 0.0156)),
    "carbon dioxide": (44.0095, (0.0, 0.0, 0.0, 0.0, 0.0), (0.0821, 0.0752, 0.0749, 0.0730)),
    "ethane": (30.06904, (1564.35, 1562.14, 1562.06, 1561.42, 1560.69),
               (0.0997, 0.0919, 0.0916, 0.0895)),
    "propane": (44.09562, (2224.03, 2221.10, 2220.99, 2220.13, 2219.17),
                (0.1465, 0.1344, 0.1340, 0.1308)),
    "isobutane": (58.1222, (2874.21, 2870.58, 2870.45, 2869.39, 2868.20),
                  (0.1885, 0.1722, 0.1717, 0.1673)),
    "n-butane": (58.1222, (2883.35, 2879.76, 2879.63, 2878.58, 2877.40),
                 (0.2022, 0.1840, 0.1834, 0.1785)),
    "isopentane": (72.14878, (3536.01, 3531.68, 3531.52, 3530.25, 3528.83),
                   (0.2458, 0.2251, 0.2244, 0.2189)),
    "n-pentane": (72.14878, (3542.91, 3538.60, 3538.45, 3537.19, 3535.77),
                  (0.2586, 0.2361, 0.2354, 0.2295)),
    "n-hexane": (86.17536, (4203.24, 4198.24, 4198.06, 4196.60, 4194.95),
                 (0.3319, 0.3001, 0.2990, 0.2907)),
    "n-heptane": (100.20194, (4862.88, 4857.18, 4856.98, 4855.31, 4853.43),
                  (0.4076, 0.3668, 0.3654, 0.3547)),
    "n-octane": (114.22852, (5522.41, 5516.01, 5515.78, 5513.90, 5511.80),
                 (0.4845, 0.4346, 0.4329, 0.4198)),
    "n-nonane": (128.25510, (6182.92, 6175.82, 6175.56, 6173.48, 6171.15),
                 (0.5617, 0.5030, 0.5010, 0.4856)),
    "n-decane": (142.28168, (6842.69, 6834.90, 6834.62, 6832.33, 6829.77),
                 (0.6713, 0.5991, 0.5967, 0.5778)),
    # Table 2 gives -0.01 for H2, He and Ne (uncertainty 0.025): a mixing
    # convention for gases whose second virial coefficient is positive.
    "hydrogen": (2.01588, (286.64, 286.15, 286.13, 285.99, 285.83),
                 (-0.01, -0.01, -0.01, -0.01)),
    "oxygen": (31.9988, (0.0, 0.0, 0.0, 0.0, 0.0), (0.0311, 0.0276, 0.0275, 0.0265)),
    "carbon monoxide": (28.0101, (282.80, 282.91, 282.91, 282.95, 282.98),
                        (0.0258, 0.0217, 0.0215, 0.0203)),
    # Water: gross value = L0 (table 3 lists it); net value is zero.
    "water": (18.01528, (45.064, 44.431, 44.408, 44.222, 44.013),
              (0.3093, 0.2562, 0.2546, 0.2419)),
    "hydrogen sulfide": (34.08088, (562.93, 562.38, 562.36, 562.19, 562.01),
                         (0.1006, 0.0923, 0.0920, 0.0898)),
    "helium": (4.002602, (0.0, 0.0, 0.0, 0.0, 0.0), (-0.01, -0.01, -0.01, -0.01)),
    "argon": (39.948, (0.0, 0.0, 0.0, 0.0, 0.0), (0.0307, 0.0273, 0.0272, 0.0262)),
}

_NAMES: Final = tuple(c.name for c in COMPONENTS)
assert set(_RAW) == set(_NAMES), "ISO 6976 table must cover exactly the 21 components"

#: Molar masses in COMPONENTS order [kg/mol].
_M: Final[FloatArray] = np.array([_RAW[n][0] / 1e3 for n in _NAMES])
#: Ideal molar gross CV, rows in COMPONENTS order, columns COMBUSTION_TEMPERATURES [J/mol].
_HS: Final[FloatArray] = np.array([[h * 1e3 for h in _RAW[n][1]] for n in _NAMES])
#: Summation factors, rows in COMPONENTS order, columns METERING_TEMPERATURES [-].
_S: Final[FloatArray] = np.array([_RAW[n][2] for n in _NAMES])
#: Moles of water formed per mole burnt, b_j/2 [-].
_WATER_FORMED: Final[FloatArray] = np.array([c.hydrogen / 2.0 for c in COMPONENTS])

_T1_INDEX: Final = {round(t * 100): i for i, t in enumerate(COMBUSTION_TEMPERATURES)}
_T2_INDEX: Final = {round(t * 100): i for i, t in enumerate(METERING_TEMPERATURES)}


@dataclass(frozen=True, slots=True)
class ComponentData:
    """ISO 6976:2016 data of one component.

    Attributes:
        name: canonical component name.
        molar_mass: molar mass [kg/mol] (table 1).
        gcv: ideal-gas molar gross calorific value [J/mol] by combustion temperature [K]
            (table 3).
        summation_factor: summation factor [-] at 101.325 kPa by metering temperature [K]
            (table 2).
        water_formed: moles of water formed per mole burnt, b_j/2 [-].
    """

    name: str
    molar_mass: float
    gcv: Mapping[float, float]
    summation_factor: Mapping[float, float]
    water_formed: float


def component_data(name: str) -> ComponentData:
    """ISO 6976:2016 data of component ``name`` (canonical name, formula or alias).

    Raises:
        CompositionError: for a name that is not one of the 21 components.
    """
    canonical = canonical_name(name)
    i = _NAMES.index(canonical)
    return ComponentData(
        name=canonical,
        molar_mass=float(_M[i]),
        gcv={t: float(h) for t, h in zip(COMBUSTION_TEMPERATURES, _HS[i], strict=True)},
        summation_factor={t: float(s) for t, s in zip(METERING_TEMPERATURES, _S[i], strict=True)},
        water_formed=float(_WATER_FORMED[i]),
    )


def _fractions(composition: Mapping[str, float]) -> FloatArray:
    """Normalised mole fractions as a vector in COMPONENTS order."""
    fractions = normalise_composition(composition)
    return np.array([fractions.get(n, 0.0) for n in _NAMES])


def _temperature_index(t: float, index: Mapping[int, int], valid: tuple[float, ...],
                       field: str) -> int:
    listed = ", ".join(f"{v:.2f} K ({v - 273.15:g} °C)" for v in valid)
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise OutOfRangeError("reference temperature is not a number", element="iso6976",
                              field=field, value=t, expected=f"one of {listed}") from None
    key = round(value * 100) if math.isfinite(value) else None
    if key is None or key not in index:
        raise OutOfRangeError("reference temperature is not tabulated in ISO 6976:2016",
                              element="iso6976", field=field, value=t,
                              expected=f"one of {listed}")
    return index[key]


def _t1(combustion_t: float) -> int:
    return _temperature_index(combustion_t, _T1_INDEX, COMBUSTION_TEMPERATURES, "combustion_t")


def _t2(metering_t: float) -> int:
    return _temperature_index(metering_t, _T2_INDEX, METERING_TEMPERATURES, "metering_t")


def default_combustion_temperature(metering_t: float) -> float:
    """Combustion reference temperature conventionally paired with a metering one [K].

    ============================  ===================  =====================================
    metering t2                   combustion t1        practice
    ============================  ===================  =====================================
    293.15 K (20 °C)              298.15 K (25 °C)     Russian/CIS commercial accounting
                                                       (GOST 31369, the national adoption of
                                                       ISO 6976, with standard conditions
                                                       20 °C, 101.325 kPa) — *assumption*,
                                                       see below
    288.15 K (15 °C)              288.15 K (15 °C)     ISO 13443 standard conditions, "15/15"
    288.70 K (60 °F)              288.70 K (60 °F)     US/GPA practice, "60 °F/60 °F"
    273.15 K (0 °C)               298.15 K (25 °C)     EN/continental Europe, "25/0"
    ============================  ===================  =====================================

    The 25 °C / 20 °C pairing for Russian practice is the convention trunkline
    assumes; it was not verified against the text of GOST 31369 here. Callers
    that need another pairing pass both temperatures explicitly.

    Raises:
        OutOfRangeError: if ``metering_t`` is not a tabulated metering temperature.
    """
    i = _t2(metering_t)
    return (298.15, 288.15, 288.70, 298.15)[i]


def molar_mass(composition: Mapping[str, float]) -> float:
    """Molar mass of the mixture [kg/mol].

    .. math:: M = \\sum_j x_j M_j

    Source: ISO 6976:2016 eq. for M with table 1 molar masses.
    """
    return float(_fractions(composition) @ _M)


def ideal_gcv_molar(composition: Mapping[str, float], combustion_t: float) -> float:
    """Ideal-gas molar gross calorific value at combustion temperature ``combustion_t`` [J/mol].

    .. math:: \\tilde H_s(t_1) = \\sum_j x_j \\tilde H_{s,j}(t_1)

    Source: ISO 6976:2016, table 3 values.
    """
    return float(_fractions(composition) @ _HS[:, _t1(combustion_t)])


def ideal_ncv_molar(composition: Mapping[str, float], combustion_t: float) -> float:
    """Ideal-gas molar net calorific value [J/mol].

    .. math:: \\tilde H_i(t_1) = \\tilde H_s(t_1) - \\tilde L_0(t_1)\\sum_j x_j b_j / 2

    with :math:`b_j` the hydrogen atoms per molecule and :math:`\\tilde L_0` from
    ISO 6976:2016 table A.5.
    """
    i = _t1(combustion_t)
    x = _fractions(composition)
    l0 = WATER_VAPORISATION_ENTHALPY[COMBUSTION_TEMPERATURES[i]]
    return float(x @ _HS[:, i] - l0 * (x @ _WATER_FORMED))


def compression_factor(composition: Mapping[str, float], metering_t: float) -> float:
    """Compression factor Z at (``metering_t``, 101.325 kPa) [-].

    .. math:: Z(t_2) = 1 - \\Big(\\sum_j x_j s_j(t_2)\\Big)^2

    Source: ISO 6976:2016 eq. (1) at p2 = p0, summation factors of table 2.
    """
    s = float(_fractions(composition) @ _S[:, _t2(metering_t)])
    return 1.0 - s * s


def _volume_factor(x: FloatArray, metering_t: float, real: bool) -> float:
    """Moles per cubic metre at the metering reference, p0/(Z·R·T2) [mol/m³]."""
    i = _t2(metering_t)
    z = 1.0 - float(x @ _S[:, i]) ** 2 if real else 1.0
    return P_REF / (z * R_ISO6976 * METERING_TEMPERATURES[i])


def density(composition: Mapping[str, float], metering_t: float, real: bool = True) -> float:
    """Density at (``metering_t``, 101.325 kPa) [kg/m³].

    .. math:: \\rho = \\frac{p_0 M}{Z(t_2) R T_2}

    With ``real=False`` Z = 1 (ideal gas).
    """
    x = _fractions(composition)
    return float(x @ _M) * _volume_factor(x, metering_t, real)


def volumetric_gcv(composition: Mapping[str, float], combustion_t: float, metering_t: float,
                   real: bool = True) -> float:
    """Volumetric gross calorific value [J/m³] of gas metered at (``metering_t``, 101.325 kPa).

    .. math:: \\tilde H_{s,V}(t_1, t_2) = \\tilde H_s(t_1)\\,\\frac{p_0}{Z(t_2) R T_2}

    With ``real=False`` Z = 1 (ideal-gas value). Valid for Z(t2) > 0.9 (ISO 6976:2016).
    """
    x = _fractions(composition)
    return float(x @ _HS[:, _t1(combustion_t)]) * _volume_factor(x, metering_t, real)


def volumetric_ncv(composition: Mapping[str, float], combustion_t: float, metering_t: float,
                   real: bool = True) -> float:
    """Volumetric net calorific value [J/m³]; see :func:`volumetric_gcv` and
    :func:`ideal_ncv_molar`.

    .. math:: \\tilde H_{i,V}(t_1, t_2) = \\tilde H_i(t_1)\\,\\frac{p_0}{Z(t_2) R T_2}
    """
    x = _fractions(composition)
    return ideal_ncv_molar(composition, combustion_t) * _volume_factor(x, metering_t, real)


def mass_gcv(composition: Mapping[str, float], combustion_t: float) -> float:
    """Mass-basis gross calorific value [J/kg].

    .. math:: \\hat H_s(t_1) = \\tilde H_s(t_1) / M

    Identical for the ideal and the real gas (ISO 6976:2016).
    """
    return ideal_gcv_molar(composition, combustion_t) / molar_mass(composition)


def mass_ncv(composition: Mapping[str, float], combustion_t: float) -> float:
    """Mass-basis net calorific value [J/kg].

    .. math:: \\hat H_i(t_1) = \\tilde H_i(t_1) / M
    """
    return ideal_ncv_molar(composition, combustion_t) / molar_mass(composition)


def relative_density(composition: Mapping[str, float], metering_t: float,
                     real: bool = True) -> float:
    """Relative density (gas density / dry-air density at the same conditions) [-].

    .. math:: d(t_2) = \\frac{M}{M_\\mathrm{air}}\\,\\frac{Z_\\mathrm{air}(t_2)}{Z(t_2)}

    With ``real=False``: :math:`d = M/M_\\mathrm{air}`. Source: ISO 6976:2016, with
    :math:`M_\\mathrm{air}` and :math:`Z_\\mathrm{air}` from tables A.3 and A.4.
    """
    x = _fractions(composition)
    i = _t2(metering_t)  # validated even for the ideal value
    ratio = float(x @ _M) / M_AIR
    if not real:
        return ratio
    z = 1.0 - float(x @ _S[:, i]) ** 2
    return ratio * AIR_COMPRESSION_FACTOR[METERING_TEMPERATURES[i]] / z


def wobbe_index(composition: Mapping[str, float], combustion_t: float, metering_t: float,
                real: bool = True, gross: bool = True) -> float:
    """Wobbe index [J/m³] (gross by default, net with ``gross=False``).

    .. math:: W(t_1, t_2) = \\frac{\\tilde H_V(t_1, t_2)}{\\sqrt{d(t_2)}}

    Calorific value and relative density are both real-gas (``real=True``) or both
    ideal-gas values, at the same metering reference.
    """
    hv = (volumetric_gcv if gross else volumetric_ncv)(composition, combustion_t, metering_t,
                                                       real)
    return hv / math.sqrt(relative_density(composition, metering_t, real))
