r"""Classic steady-state gas pipeline flow equations (standard volume flow).

Each equation gives the standard volume flow :math:`Q_b` [m³/s at ``t_base``,
``p_base``] of a horizontal pipe of length :math:`L` [m] and inner diameter
:math:`D` [m] between inlet and outlet pressures :math:`p_1, p_2` [Pa], for a gas of
specific gravity :math:`G` (relative to air) at mean temperature :math:`T` [K] and
mean compressibility factor :math:`Z` [-]. All share the power-law form

.. math::
    Q_b = C\,E \left(\frac{T_b}{p_b}\right)^{a}
    \left(\frac{p_1^2 - p_2^2}{G^{s}\,T\,L\,Z}\right)^{m} D^{d}

with the pipeline efficiency :math:`E` [-]. The coefficients are those of the SI
forms (flow in m³/day, pressures in kPa, length in km, diameter in mm) in
E. S. Menon, *Gas Pipeline Hydraulics*, CRC Press (2005), ch. 2, converted here to
base SI units exactly (see :class:`PowerLawCoefficients`).

Elevation is not corrected for (horizontal pipe). The flow is signed: it is negative
when :math:`p_2 > p_1` (flow from outlet to inlet), so the equations can be used in a
network model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.physics.friction import FloatOrArray

__all__ = [
    "AGA_FULLY_TURBULENT_COEFFICIENTS",
    "FLOW_EQUATIONS",
    "PANHANDLE_A_COEFFICIENTS",
    "PANHANDLE_B_COEFFICIENTS",
    "P_BASE_DEFAULT",
    "T_BASE_DEFAULT",
    "WEYMOUTH_COEFFICIENTS",
    "PowerLawCoefficients",
    "aga_fully_turbulent",
    "panhandle_a",
    "panhandle_b",
    "weymouth",
]

T_BASE_DEFAULT: Final = 288.15
"""Default base temperature [K]: 15 °C, ISO 13443:1996 standard reference conditions."""

P_BASE_DEFAULT: Final = 101325.0
"""Default base pressure [Pa]: 101.325 kPa, ISO 13443:1996 standard reference conditions."""

# Unit factors between Menon's SI-form units and base SI (definitions of the SI prefixes
# and of the day; BIPM, *The International System of Units*, 9th ed., 2019).
_SECONDS_PER_DAY: Final = 86400.0
_PA_PER_KPA: Final = 1.0e3
_M_PER_KM: Final = 1.0e3
_MM_PER_M: Final = 1.0e3

_AGA_ROUGHNESS_FACTOR: Final = 3.7
"""Factor in the AGA fully turbulent transmission factor :math:`F = 4\\log_{10}(3.7D/\\varepsilon)`
(Menon 2005, ch. 2, "AGA Equations"; the fully rough limit of Colebrook 1939)."""

_AGA_TRANSMISSION_COEFFICIENT: Final = 4.0
"""Leading factor of the AGA fully turbulent transmission factor (Menon 2005, ch. 2)."""


@dataclass(frozen=True)
class PowerLawCoefficients:
    r"""Coefficients of a power-law gas flow equation in Menon's SI form.

    Menon's SI form is
    :math:`Q[\mathrm{m^3/d}] = C_M E (T_b/p_b[\mathrm{kPa}])^{a}
    ((p_1^2-p_2^2)[\mathrm{kPa^2}]/(G^s T L[\mathrm{km}] Z))^{m} D[\mathrm{mm}]^{d}`.
    Substituting base SI units gives the constant

    .. math::
        C_{SI} = \frac{C_M}{86400}\,1000^{a}\,\left(\frac{1000}{1000^2}\right)^{m}1000^{d}

    Attributes
    ----------
    menon_constant : float
        Leading constant :math:`C_M` of Menon's SI form [mixed units].
    base_exponent : float
        Exponent :math:`a` of :math:`T_b/p_b` [-].
    sg_exponent : float
        Exponent :math:`s` of the specific gravity inside the bracket [-].
    flow_exponent : float
        Exponent :math:`m` of the bracket [-].
    diameter_exponent : float
        Exponent :math:`d` of the diameter [-].
    """

    menon_constant: float
    base_exponent: float
    sg_exponent: float
    flow_exponent: float
    diameter_exponent: float

    @property
    def si_constant(self) -> float:
        """Leading constant for base SI units (Q in m³/s, Pa, m) [mixed units]."""
        return float(
            self.menon_constant
            / _SECONDS_PER_DAY
            * _PA_PER_KPA**self.base_exponent
            * (_M_PER_KM / _PA_PER_KPA**2) ** self.flow_exponent
            * _MM_PER_M**self.diameter_exponent
        )


WEYMOUTH_COEFFICIENTS: Final = PowerLawCoefficients(
    menon_constant=3.7435e-3, base_exponent=1.0, sg_exponent=1.0, flow_exponent=0.5,
    diameter_exponent=2.667,
)
"""Weymouth equation, SI form (Menon 2005, ch. 2, "Weymouth Equation")."""

PANHANDLE_A_COEFFICIENTS: Final = PowerLawCoefficients(
    menon_constant=4.5965e-3, base_exponent=1.0788, sg_exponent=0.8539, flow_exponent=0.5394,
    diameter_exponent=2.6182,
)
"""Panhandle A equation, SI form (Menon 2005, ch. 2, "Panhandle A Equation")."""

PANHANDLE_B_COEFFICIENTS: Final = PowerLawCoefficients(
    menon_constant=1.002e-2, base_exponent=1.02, sg_exponent=0.961, flow_exponent=0.51,
    diameter_exponent=2.53,
)
"""Panhandle B equation, SI form (Menon 2005, ch. 2, "Panhandle B Equation")."""

AGA_FULLY_TURBULENT_COEFFICIENTS: Final = PowerLawCoefficients(
    menon_constant=5.747e-4, base_exponent=1.0, sg_exponent=1.0, flow_exponent=0.5,
    diameter_exponent=2.5,
)
"""General flow equation in transmission-factor form, SI (Menon 2005, ch. 2, "General
Flow Equation"), multiplied by the AGA transmission factor :math:`F`."""


def _array(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def _out(x: npt.NDArray[np.float64]) -> FloatOrArray:
    return float(x) if x.ndim == 0 else x


def _check_positive(element: str, **values: npt.NDArray[np.float64]) -> None:
    for field, value in values.items():
        if not bool(np.all(value > 0.0)):
            raise InputError("must be positive", element=element, field=field, value=value,
                             expected="a value > 0")


def _power_law_flow(
    element: str,
    coefficients: PowerLawCoefficients,
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    length: npt.ArrayLike,
    diameter: npt.ArrayLike,
    sg: npt.ArrayLike,
    t_avg: npt.ArrayLike,
    z_avg: npt.ArrayLike,
    efficiency: npt.ArrayLike,
    t_base: npt.ArrayLike,
    p_base: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Validate the arguments and evaluate the common power-law form (signed)."""
    p1_a, p2_a, l_a, d_a = _array(p1), _array(p2), _array(length), _array(diameter)
    g_a, t_a, z_a, e_a = _array(sg), _array(t_avg), _array(z_avg), _array(efficiency)
    tb_a, pb_a = _array(t_base), _array(p_base)
    _check_positive(element, p1=p1_a, p2=p2_a, length=l_a, diameter=d_a, sg=g_a, t_avg=t_a,
                    z_avg=z_a, efficiency=e_a, t_base=tb_a, p_base=pb_a)
    if not bool(np.all(e_a <= 1.0)):
        raise InputError("pipeline efficiency above 1", element=element, field="efficiency",
                         value=e_a, expected="0 < efficiency <= 1")
    c = coefficients
    delta = p1_a * p1_a - p2_a * p2_a
    bracket = np.abs(delta) / (g_a**c.sg_exponent * t_a * l_a * z_a)
    result: npt.NDArray[np.float64] = (
        np.sign(delta)
        * c.si_constant
        * e_a
        * (tb_a / pb_a) ** c.base_exponent
        * bracket**c.flow_exponent
        * d_a**c.diameter_exponent
    )
    return result


def weymouth(
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    length: npt.ArrayLike,
    diameter: npt.ArrayLike,
    sg: npt.ArrayLike,
    t_avg: npt.ArrayLike,
    z_avg: npt.ArrayLike = 1.0,
    efficiency: npt.ArrayLike = 1.0,
    t_base: npt.ArrayLike = T_BASE_DEFAULT,
    p_base: npt.ArrayLike = P_BASE_DEFAULT,
) -> FloatOrArray:
    r"""Standard volume flow from the Weymouth equation.

    .. math::
        Q_b = 137.33\,E\,\frac{T_b}{p_b}
        \left(\frac{p_1^2 - p_2^2}{G\,T\,L\,Z}\right)^{0.5} D^{2.667}

    (base SI units; the constant is Menon's :math:`3.7435\times10^{-3}` converted,
    see :data:`WEYMOUTH_COEFFICIENTS`). Equivalent to a Darcy friction factor
    :math:`\lambda \propto D^{-1/3}`.

    Source: E. S. Menon, *Gas Pipeline Hydraulics*, CRC Press (2005), ch. 2,
    "Weymouth Equation" (SI form); T. R. Weymouth, *Trans. ASME* 34 (1912); same
    form in Crane TP-410 (2009), ch. 1, and GPSA Engineering Data Book, sect. 17.

    Validity: high-pressure, high-flow, fully turbulent flow in large-diameter
    transmission lines; conservative (low flow) for most modern lines (Menon 2005).
    Horizontal pipe; isothermal at :math:`T`; kinetic energy change neglected.

    Parameters
    ----------
    p1 : array_like
        Inlet pressure [Pa], > 0.
    p2 : array_like
        Outlet pressure [Pa], > 0.
    length : array_like
        Pipe length [m], > 0.
    diameter : array_like
        Inner diameter [m], > 0.
    sg : array_like
        Specific gravity of the gas relative to air [-], > 0.
    t_avg : array_like
        Mean gas temperature [K], > 0.
    z_avg : array_like
        Mean compressibility factor [-], > 0.
    efficiency : array_like
        Pipeline efficiency :math:`E` [-], in (0, 1].
    t_base : array_like
        Base temperature of the standard volume [K].
    p_base : array_like
        Base pressure of the standard volume [Pa].

    Returns
    -------
    float or ndarray
        Standard volume flow [m³/s at ``t_base``, ``p_base``]; negative if
        :math:`p_2 > p_1`.
    """
    return _out(_power_law_flow("weymouth", WEYMOUTH_COEFFICIENTS, p1, p2, length, diameter,
                                sg, t_avg, z_avg, efficiency, t_base, p_base))


def panhandle_a(
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    length: npt.ArrayLike,
    diameter: npt.ArrayLike,
    sg: npt.ArrayLike,
    t_avg: npt.ArrayLike,
    z_avg: npt.ArrayLike = 1.0,
    efficiency: npt.ArrayLike = 1.0,
    t_base: npt.ArrayLike = T_BASE_DEFAULT,
    p_base: npt.ArrayLike = P_BASE_DEFAULT,
) -> FloatOrArray:
    r"""Standard volume flow from the Panhandle A equation.

    .. math::
        Q_b = 158.02\,E\left(\frac{T_b}{p_b}\right)^{1.0788}
        \left(\frac{p_1^2 - p_2^2}{G^{0.8539}\,T\,L\,Z}\right)^{0.5394} D^{2.6182}

    (base SI units; the constant is Menon's :math:`4.5965\times10^{-3}` converted,
    see :data:`PANHANDLE_A_COEFFICIENTS`).

    Source: E. S. Menon, *Gas Pipeline Hydraulics*, CRC Press (2005), ch. 2,
    "Panhandle A Equation" (SI form); same form in Crane TP-410 (2009), ch. 1, and
    GPSA Engineering Data Book, sect. 17.

    Validity: partially turbulent flow in large-diameter lines, Reynolds numbers of
    about 5e6 to 11e6 (Menon 2005). Horizontal pipe; isothermal at :math:`T`.

    Parameters
    ----------
    p1, p2, length, diameter, sg, t_avg, z_avg, efficiency, t_base, p_base
        As for :func:`weymouth`.

    Returns
    -------
    float or ndarray
        Standard volume flow [m³/s at ``t_base``, ``p_base``]; negative if
        :math:`p_2 > p_1`.
    """
    return _out(_power_law_flow("panhandle_a", PANHANDLE_A_COEFFICIENTS, p1, p2, length,
                                diameter, sg, t_avg, z_avg, efficiency, t_base, p_base))


def panhandle_b(
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    length: npt.ArrayLike,
    diameter: npt.ArrayLike,
    sg: npt.ArrayLike,
    t_avg: npt.ArrayLike,
    z_avg: npt.ArrayLike = 1.0,
    efficiency: npt.ArrayLike = 1.0,
    t_base: npt.ArrayLike = T_BASE_DEFAULT,
    p_base: npt.ArrayLike = P_BASE_DEFAULT,
) -> FloatOrArray:
    r"""Standard volume flow from the Panhandle B (revised Panhandle) equation.

    .. math::
        Q_b = 152.88\,E\left(\frac{T_b}{p_b}\right)^{1.02}
        \left(\frac{p_1^2 - p_2^2}{G^{0.961}\,T\,L\,Z}\right)^{0.51} D^{2.53}

    (base SI units; the constant is Menon's :math:`1.002\times10^{-2}` converted,
    see :data:`PANHANDLE_B_COEFFICIENTS`).

    Source: E. S. Menon, *Gas Pipeline Hydraulics*, CRC Press (2005), ch. 2,
    "Panhandle B Equation" (SI form); same form in Crane TP-410 (2009), ch. 1, and
    GPSA Engineering Data Book, sect. 17.

    Validity: fully turbulent flow in large-diameter, high-pressure transmission
    lines, Reynolds numbers of about 4e6 to 40e6 (Menon 2005). Horizontal pipe;
    isothermal at :math:`T`.

    Parameters
    ----------
    p1, p2, length, diameter, sg, t_avg, z_avg, efficiency, t_base, p_base
        As for :func:`weymouth`.

    Returns
    -------
    float or ndarray
        Standard volume flow [m³/s at ``t_base``, ``p_base``]; negative if
        :math:`p_2 > p_1`.
    """
    return _out(_power_law_flow("panhandle_b", PANHANDLE_B_COEFFICIENTS, p1, p2, length,
                                diameter, sg, t_avg, z_avg, efficiency, t_base, p_base))


def aga_fully_turbulent(
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    length: npt.ArrayLike,
    diameter: npt.ArrayLike,
    sg: npt.ArrayLike,
    t_avg: npt.ArrayLike,
    z_avg: npt.ArrayLike = 1.0,
    efficiency: npt.ArrayLike = 1.0,
    t_base: npt.ArrayLike = T_BASE_DEFAULT,
    p_base: npt.ArrayLike = P_BASE_DEFAULT,
    *,
    rel_roughness: npt.ArrayLike,
) -> FloatOrArray:
    r"""Standard volume flow from the AGA fully turbulent equation.

    .. math::
        Q_b = 6.652\,E\,F\,\frac{T_b}{p_b}
        \left(\frac{p_1^2 - p_2^2}{G\,T\,L\,Z}\right)^{0.5} D^{2.5},
        \qquad F = 4\log_{10}\frac{3.7\,D}{\varepsilon}

    (base SI units; the constant is Menon's general-flow-equation constant
    :math:`5.747\times10^{-4}` converted, see
    :data:`AGA_FULLY_TURBULENT_COEFFICIENTS`). The transmission factor
    :math:`F = 2/\sqrt{\lambda}` is the fully rough limit of the Colebrook equation;
    the constant agrees to 0.04 % with the exact
    :math:`(\pi/8)\sqrt{R/M_\mathrm{air}}` of the isothermal general flow equation.

    Source: E. S. Menon, *Gas Pipeline Hydraulics*, CRC Press (2005), ch. 2,
    "General Flow Equation" and "AGA Equations" (fully turbulent zone).

    Validity: fully turbulent (rough-pipe) flow, i.e. beyond the transition
    Reynolds number of the AGA method; horizontal pipe; isothermal at :math:`T`.

    Parameters
    ----------
    p1, p2, length, diameter, sg, t_avg, z_avg, efficiency, t_base, p_base
        As for :func:`weymouth` (:math:`E` is not part of the AGA method; default 1).
    rel_roughness : array_like
        Relative roughness :math:`\varepsilon/D` [-], > 0 (keyword only).

    Returns
    -------
    float or ndarray
        Standard volume flow [m³/s at ``t_base``, ``p_base``]; negative if
        :math:`p_2 > p_1`.
    """
    rel_a = _array(rel_roughness)
    _check_positive("aga_fully_turbulent", rel_roughness=rel_a)
    transmission = _AGA_TRANSMISSION_COEFFICIENT * np.log10(_AGA_ROUGHNESS_FACTOR / rel_a)
    base = _power_law_flow("aga_fully_turbulent", AGA_FULLY_TURBULENT_COEFFICIENTS, p1, p2,
                           length, diameter, sg, t_avg, z_avg, efficiency, t_base, p_base)
    return _out(transmission * base)


FLOW_EQUATIONS: Final[Mapping[str, Callable[..., FloatOrArray]]] = MappingProxyType(
    {
        "weymouth": weymouth,
        "panhandle_a": panhandle_a,
        "panhandle_b": panhandle_b,
        "aga_fully_turbulent": aga_fully_turbulent,
    }
)
"""Flow equations by name; all take ``(p1, p2, length, diameter, sg, t_avg, z_avg=...,
efficiency=..., t_base=..., p_base=...)``, the AGA equation also ``rel_roughness=``."""
