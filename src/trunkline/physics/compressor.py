r"""Compressor thermodynamics and gas-turbine drivers.

Small pure functions for the compression of natural gas in pipeline compressor
stations:

* ideal-gas isentropic work and discharge temperature, and the conversion between
  isentropic and polytropic efficiency;
* the polytropic head with an average compressibility factor (Schultz-simplified);
* a real-gas polytropic compression integrated along the polytropic path for any
  gas model that provides density, isobaric heat capacity and Joule-Thomson
  coefficient (:class:`GasProperties`);
* shaft power, gas-turbine fuel flow and the number of driver units.

SI units throughout: Pa, K, J/kg or J/mol, W, kg/s. All functions accept floats or
numpy arrays (broadcast together) and return floats for scalar input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.physics.friction import FloatOrArray

__all__ = [
    "AVOGADRO_CONSTANT",
    "BOLTZMANN_CONSTANT",
    "MOLAR_GAS_CONSTANT",
    "UNITS_ROUNDING_RTOL",
    "Compression",
    "GasProperties",
    "gas_turbine_fuel",
    "isentropic_discharge_temperature",
    "isentropic_from_polytropic_efficiency",
    "isentropic_work_ideal",
    "polytropic_exponent_term",
    "polytropic_from_isentropic_efficiency",
    "polytropic_head_schultz",
    "real_gas_polytropic",
    "shaft_power",
    "units_needed",
]

AVOGADRO_CONSTANT: Final = 6.02214076e23
"""Avogadro constant [1/mol], exact (BIPM, *The International System of Units*, 9th ed.,
2019, defining constants)."""

BOLTZMANN_CONSTANT: Final = 1.380649e-23
"""Boltzmann constant [J/K], exact (BIPM SI Brochure, 9th ed., 2019, defining constants)."""

MOLAR_GAS_CONSTANT: Final = AVOGADRO_CONSTANT * BOLTZMANN_CONSTANT
"""Molar gas constant :math:`R = N_A k` = 8.314 462 618... J/(mol·K), exact (SI 2019)."""

UNITS_ROUNDING_RTOL: Final = 1.0e-9
"""Relative tolerance in :func:`units_needed`: a demand that exceeds a whole number of
units by less than this fraction (floating-point round-off) does not add a unit. A
choice of this module, not a physical constant."""


# --- helpers -----------------------------------------------------------------------------


def _array(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def _out(x: npt.NDArray[np.float64]) -> FloatOrArray:
    return float(x) if x.ndim == 0 else x


def _require(ok: npt.NDArray[np.bool_], element: str, field: str, value: object,
             expected: str) -> None:
    """Raise :class:`InputError` unless every element of ``ok`` holds (NaN fails)."""
    if not bool(np.all(ok)):
        raise InputError("invalid argument", element=element, field=field, value=value,
                         expected=expected)


def _positive(element: str, field: str, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = _array(x)
    _require(a > 0.0, element, field, a, "a value > 0")
    return a


def _non_negative(element: str, field: str, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = _array(x)
    _require(a >= 0.0, element, field, a, "a value >= 0")
    return a


def _efficiency(element: str, field: str, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = _array(x)
    _require((a > 0.0) & (a <= 1.0), element, field, a, "an efficiency in (0, 1]")
    return a


def _kappa(element: str, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = _array(x)
    _require(a > 1.0, element, "kappa", a, "an isentropic exponent > 1")
    return a


def _ratio(element: str, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = _array(x)
    _require(a >= 1.0, element, "ratio", a, "a compression ratio >= 1")
    return a


def _pressure_ratio(element: str, p1: npt.ArrayLike, p2: npt.ArrayLike
                    ) -> npt.NDArray[np.float64]:
    p1_a = _positive(element, "p1", p1)
    p2_a = _positive(element, "p2", p2)
    _require(p2_a >= p1_a, element, "p2", p2_a, "p2 >= p1 (a compression)")
    ratio: npt.NDArray[np.float64] = p2_a / p1_a
    return ratio


# --- ideal gas ---------------------------------------------------------------------------


def isentropic_work_ideal(
    t1: npt.ArrayLike,
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    kappa: npt.ArrayLike,
    eta_s: npt.ArrayLike = 1.0,
) -> FloatOrArray:
    r"""Molar work of an ideal-gas compression with isentropic efficiency.

    .. math::
        w = \frac{\kappa}{\kappa - 1}\,\frac{R\,T_1}{\eta_s}
        \left[\left(\frac{p_2}{p_1}\right)^{(\kappa-1)/\kappa} - 1\right]

    Source: GPSA Engineering Data Book, 13th ed. (2012), sect. 13 (isentropic head);
    J. R. Couper, W. R. Penney, J. R. Fair, S. M. Walas, *Chemical Process
    Equipment*, 2nd ed., Elsevier (2005), ch. 7.

    Validity: ideal gas with constant :math:`\kappa = c_p/c_v`; for natural gas at
    pipeline pressures use :func:`real_gas_polytropic` or an average-Z form.

    Parameters
    ----------
    t1 : array_like
        Suction temperature [K], > 0.
    p1 : array_like
        Suction pressure [Pa], > 0.
    p2 : array_like
        Discharge pressure [Pa], >= ``p1``.
    kappa : array_like
        Isentropic exponent :math:`c_p/c_v` [-], > 1.
    eta_s : array_like
        Isentropic efficiency [-], in (0, 1].

    Returns
    -------
    float or ndarray
        Work done on the gas [J/mol].
    """
    element = "isentropic_work_ideal"
    t1_a = _positive(element, "t1", t1)
    ratio = _pressure_ratio(element, p1, p2)
    k = _kappa(element, kappa)
    eta = _efficiency(element, "eta_s", eta_s)
    sigma = (k - 1.0) / k
    return _out(MOLAR_GAS_CONSTANT * t1_a / sigma * np.expm1(sigma * np.log(ratio)) / eta)


def isentropic_discharge_temperature(
    t1: npt.ArrayLike,
    p1: npt.ArrayLike,
    p2: npt.ArrayLike,
    kappa: npt.ArrayLike,
    eta_s: npt.ArrayLike = 1.0,
) -> FloatOrArray:
    r"""Discharge temperature of an ideal-gas compression with isentropic efficiency.

    .. math::
        T_2 = T_1\left[1 + \frac{(p_2/p_1)^{(\kappa-1)/\kappa} - 1}{\eta_s}\right]

    Source: GPSA Engineering Data Book, 13th ed. (2012), sect. 13; Couper et al.,
    *Chemical Process Equipment*, 2nd ed. (2005), ch. 7.

    Validity: ideal gas with constant :math:`\kappa`.

    Parameters
    ----------
    t1 : array_like
        Suction temperature [K], > 0.
    p1 : array_like
        Suction pressure [Pa], > 0.
    p2 : array_like
        Discharge pressure [Pa], >= ``p1``.
    kappa : array_like
        Isentropic exponent :math:`c_p/c_v` [-], > 1.
    eta_s : array_like
        Isentropic efficiency [-], in (0, 1].

    Returns
    -------
    float or ndarray
        Discharge temperature [K].
    """
    element = "isentropic_discharge_temperature"
    t1_a = _positive(element, "t1", t1)
    ratio = _pressure_ratio(element, p1, p2)
    k = _kappa(element, kappa)
    eta = _efficiency(element, "eta_s", eta_s)
    sigma = (k - 1.0) / k
    return _out(t1_a * (1.0 + np.expm1(sigma * np.log(ratio)) / eta))


def polytropic_exponent_term(kappa: npt.ArrayLike, eta_p: npt.ArrayLike) -> FloatOrArray:
    r"""Polytropic exponent term :math:`(n-1)/n` of an ideal gas.

    .. math::
        \frac{n-1}{n} = \frac{\kappa - 1}{\kappa\,\eta_p}

    Source: GPSA Engineering Data Book, 13th ed. (2012), sect. 13; S. L. Dixon,
    C. A. Hall, *Fluid Mechanics and Thermodynamics of Turbomachinery*, 7th ed.,
    Butterworth-Heinemann (2014), ch. 2 ("polytropic efficiency").

    Validity: ideal gas with constant :math:`\kappa`.

    Parameters
    ----------
    kappa : array_like
        Isentropic exponent :math:`c_p/c_v` [-], > 1.
    eta_p : array_like
        Polytropic efficiency [-], in (0, 1].

    Returns
    -------
    float or ndarray
        :math:`(n-1)/n` [-].
    """
    element = "polytropic_exponent_term"
    k = _kappa(element, kappa)
    eta = _efficiency(element, "eta_p", eta_p)
    return _out((k - 1.0) / (k * eta))


def isentropic_from_polytropic_efficiency(
    eta_p: npt.ArrayLike, ratio: npt.ArrayLike, kappa: npt.ArrayLike
) -> FloatOrArray:
    r"""Isentropic efficiency equivalent to a polytropic efficiency.

    .. math::
        \eta_s = \frac{r^{(\kappa-1)/\kappa} - 1}{r^{(\kappa-1)/(\kappa\eta_p)} - 1}

    At :math:`r = 1` the limit :math:`\eta_s = \eta_p` is returned.

    Source: Dixon & Hall, *Fluid Mechanics and Thermodynamics of Turbomachinery*,
    7th ed. (2014), ch. 2; GPSA Engineering Data Book, 13th ed. (2012), sect. 13.

    Validity: ideal gas with constant :math:`\kappa`.

    Parameters
    ----------
    eta_p : array_like
        Polytropic efficiency [-], in (0, 1].
    ratio : array_like
        Pressure ratio :math:`r = p_2/p_1` [-], >= 1.
    kappa : array_like
        Isentropic exponent [-], > 1.

    Returns
    -------
    float or ndarray
        Isentropic efficiency [-].
    """
    element = "isentropic_from_polytropic_efficiency"
    eta = _efficiency(element, "eta_p", eta_p)
    r = _ratio(element, ratio)
    k = _kappa(element, kappa)
    x = (k - 1.0) / k * np.log(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta_s = np.where(r == 1.0, eta, np.expm1(x) / np.expm1(x / eta))
    return _out(_array(eta_s))


def polytropic_from_isentropic_efficiency(
    eta_s: npt.ArrayLike, ratio: npt.ArrayLike, kappa: npt.ArrayLike
) -> FloatOrArray:
    r"""Polytropic efficiency equivalent to an isentropic efficiency.

    .. math::
        \eta_p = \frac{\frac{\kappa-1}{\kappa}\ln r}
        {\ln\left(1 + \frac{r^{(\kappa-1)/\kappa} - 1}{\eta_s}\right)}

    (the inverse of :func:`isentropic_from_polytropic_efficiency`). At :math:`r = 1`
    the limit :math:`\eta_p = \eta_s` is returned.

    Source: Dixon & Hall, *Fluid Mechanics and Thermodynamics of Turbomachinery*,
    7th ed. (2014), ch. 2; GPSA Engineering Data Book, 13th ed. (2012), sect. 13.

    Validity: ideal gas with constant :math:`\kappa`.

    Parameters
    ----------
    eta_s : array_like
        Isentropic efficiency [-], in (0, 1].
    ratio : array_like
        Pressure ratio :math:`r = p_2/p_1` [-], >= 1.
    kappa : array_like
        Isentropic exponent [-], > 1.

    Returns
    -------
    float or ndarray
        Polytropic efficiency [-].
    """
    element = "polytropic_from_isentropic_efficiency"
    eta = _efficiency(element, "eta_s", eta_s)
    r = _ratio(element, ratio)
    k = _kappa(element, kappa)
    x = (k - 1.0) / k * np.log(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta_p = np.where(r == 1.0, eta, x / np.log1p(np.expm1(x) / eta))
    return _out(_array(eta_p))


def polytropic_head_schultz(
    z1: npt.ArrayLike,
    z2: npt.ArrayLike,
    t1: npt.ArrayLike,
    molar_mass: npt.ArrayLike,
    ratio: npt.ArrayLike,
    kappa: npt.ArrayLike,
    eta_p: npt.ArrayLike,
) -> FloatOrArray:
    r"""Polytropic head with an average compressibility factor.

    .. math::
        H_p = Z_\mathrm{avg}\,\frac{R\,T_1}{M}\,
        \frac{r^{(n-1)/n} - 1}{(n-1)/n},
        \qquad \frac{n-1}{n} = \frac{\kappa-1}{\kappa\,\eta_p},
        \qquad Z_\mathrm{avg} = \frac{Z_1 + Z_2}{2}

    This is Schultz's polytropic head with his correction factor :math:`f` set to 1
    and the arithmetic mean of suction and discharge compressibility factors, the
    form of the GPSA data book.

    Source: GPSA Engineering Data Book, 13th ed. (2012), sect. 13 (polytropic head);
    J. M. Schultz, "The polytropic analysis of centrifugal compressors", *J. Eng.
    Power* 84(1), 69-82 (1962).

    Validity: moderate departures from ideal gas (:math:`Z` between about 0.8 and
    1.05, moderate :math:`r`); :math:`\kappa` should be a path-average value. Use
    :func:`real_gas_polytropic` for dense gas.

    Parameters
    ----------
    z1 : array_like
        Compressibility factor at suction [-], > 0.
    z2 : array_like
        Compressibility factor at discharge [-], > 0.
    t1 : array_like
        Suction temperature [K], > 0.
    molar_mass : array_like
        Molar mass of the gas [kg/mol], > 0.
    ratio : array_like
        Pressure ratio :math:`r = p_2/p_1` [-], >= 1.
    kappa : array_like
        Isentropic exponent [-], > 1.
    eta_p : array_like
        Polytropic efficiency [-], in (0, 1].

    Returns
    -------
    float or ndarray
        Polytropic head [J/kg].
    """
    element = "polytropic_head_schultz"
    z_avg = 0.5 * (_positive(element, "z1", z1) + _positive(element, "z2", z2))
    t1_a = _positive(element, "t1", t1)
    m = _positive(element, "molar_mass", molar_mass)
    r = _ratio(element, ratio)
    sigma = _array(polytropic_exponent_term(kappa, eta_p))
    return _out(z_avg * MOLAR_GAS_CONSTANT * t1_a / m * np.expm1(sigma * np.log(r)) / sigma)


# --- real gas ----------------------------------------------------------------------------


class GasProperties(Protocol):
    """What :func:`real_gas_polytropic` needs from a gas model.

    Each method takes pressure [Pa] and temperature [K] as floats or broadcastable
    arrays and returns values of the broadcast shape.
    """

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatOrArray:
        """Mass density [kg/m³]."""
        ...

    def cp(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatOrArray:
        """Isobaric specific heat capacity [J/(kg·K)]."""
        ...

    def joule_thomson(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatOrArray:
        """Joule-Thomson coefficient :math:`(\\partial T/\\partial p)_h` [K/Pa]."""
        ...


@dataclass(frozen=True)
class Compression:
    """Result of :func:`real_gas_polytropic` (floats, or arrays for array input).

    Attributes
    ----------
    t2 : float or ndarray
        Discharge temperature [K].
    head : float or ndarray
        Polytropic head :math:`\\int v\\,dp` along the polytropic path [J/kg].
    work : float or ndarray
        Specific work done on the gas, ``head / eta_p`` = enthalpy rise [J/kg].
    """

    t2: FloatOrArray
    head: FloatOrArray
    work: FloatOrArray


@runtime_checkable
class PointProperties(GasProperties, Protocol):
    """A gas that also evaluates one state in plain floats and several states with one
    table lookup (:class:`trunkline.gas.surrogate.PointGas`); :func:`real_gas_polytropic`
    then takes its fast paths (same steps, equal to round-off)."""

    molar_mass: float
    gas_constant: float

    def state(self, p: float, t: float) -> tuple[float, float, float]:
        """Z, c_p [J/(kg·K)] and μ_JT [K/Pa] at one state."""
        ...

    def states(self, p: npt.NDArray[np.float64], t: npt.NDArray[np.float64]
               ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                          npt.NDArray[np.float64]]:
        """(ρ [kg/m³], c_p, μ_JT) of 1-d arrays of states."""
        ...


def _path_scalar(gas: PointProperties, p1: float, t1: float, ratio: float, eta: float,
                 steps: int) -> tuple[float, float]:
    """(head [J/kg], t2 [K]) of one polytropic path in plain floats: the RK4 steps of
    :func:`real_gas_polytropic`."""
    m_over_r = gas.molar_mass / gas.gas_constant
    state = gas.state
    exp = math.exp

    def slopes(ln_p: float, t: float) -> tuple[float, float]:
        p = exp(ln_p)
        z, cp, jt = state(p, t)
        rho = p * m_over_r / (z * t)
        return p * (1.0 / (eta * rho * cp) + jt), p / rho

    head, t2 = _rk4_path(slopes, math.log(p1), t1, 0.0, math.log(ratio) / steps, steps)
    return float(head), float(t2)


def _rk4_path(slopes: Callable[[Any, Any], tuple[Any, Any]], ln_p0: Any, t: Any, head: Any,
              h: Any, steps: int) -> tuple[Any, Any]:
    """The classical RK4 steps in ln p of dT/d ln p and dH_p/d ln p, for floats or
    arrays alike: (head, temperature) at the end of the path."""
    for i in range(steps):
        x = ln_p0 + i * h
        kt1, kh1 = slopes(x, t)
        kt2, kh2 = slopes(x + 0.5 * h, t + 0.5 * h * kt1)
        kt3, kh3 = slopes(x + 0.5 * h, t + 0.5 * h * kt2)
        kt4, kh4 = slopes(x + h, t + h * kt3)
        t = t + h / 6.0 * (kt1 + 2.0 * kt2 + 2.0 * kt3 + kt4)
        head = head + h / 6.0 * (kh1 + 2.0 * kh2 + 2.0 * kh3 + kh4)
    return head, t


def real_gas_polytropic(
    gas: GasProperties,
    p1: npt.ArrayLike,
    t1: npt.ArrayLike,
    p2: npt.ArrayLike,
    eta_p: npt.ArrayLike,
    steps: int = 24,
) -> Compression:
    r"""Real-gas polytropic compression integrated along the polytropic path.

    On the polytropic path every small step has the same efficiency,
    :math:`dh = v\,dp/\eta_p`. With :math:`dh = c_p\,dT - c_p\mu_{JT}\,dp` this gives

    .. math::
        \frac{dT}{dp} = \frac{1}{\eta_p\,\rho\,c_p} + \mu_{JT}, \qquad
        H_p = \int_{p_1}^{p_2} \frac{dp}{\rho}, \qquad
        w = \frac{H_p}{\eta_p} = h_2 - h_1

    The two equations are integrated in :math:`\ln p` (:math:`dp = p\,d\ln p`) with
    the classical fourth-order Runge-Kutta method over ``steps`` equal steps, so the
    global error falls as ``steps**-4``.

    Source: R. A. Huntington, "Evaluation of polytropic calculation methods for
    turbomachinery performance", *J. Eng. Gas Turbines Power* 107(4), 872-876 (1985)
    (multi-step polytropic path); ASME PTC 10-1997, *Performance Test Code on
    Compressors and Exhausters* (polytropic head definition).

    Validity: single-phase gas within the validity range of ``gas``; constant
    polytropic efficiency along the path; adiabatic machine.

    Parameters
    ----------
    gas : GasProperties
        Gas model providing ``density``, ``cp`` and ``joule_thomson``.
    p1 : array_like
        Suction pressure [Pa], > 0.
    t1 : array_like
        Suction temperature [K], > 0.
    p2 : array_like
        Discharge pressure [Pa], >= ``p1``.
    eta_p : array_like
        Polytropic efficiency [-], in (0, 1].
    steps : int
        Number of RK4 steps in :math:`\ln p`, >= 1.

    Returns
    -------
    Compression
        Discharge temperature [K], polytropic head [J/kg] and work [J/kg].
    """
    element = "real_gas_polytropic"
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise InputError("invalid number of steps", element=element, field="steps",
                         value=steps, expected="an integer >= 1")
    ratio = _pressure_ratio(element, p1, p2)
    p1_a, t1_a, eta, ratio = np.broadcast_arrays(
        _array(p1), _positive(element, "t1", t1), _efficiency(element, "eta_p", eta_p), ratio
    )
    if p1_a.size == 1 and isinstance(gas, PointProperties):
        # one path in plain floats: the same steps, ~10x faster than 0-d arrays
        hd, t2 = _path_scalar(gas, float(p1_a.reshape(-1)[0]), float(t1_a.reshape(-1)[0]),
                              float(ratio.reshape(-1)[0]), float(eta.reshape(-1)[0]), steps)
        e = float(eta.reshape(-1)[0])
        return Compression(t2=_out(np.full(p1_a.shape, t2)), head=_out(np.full(p1_a.shape, hd)),
                           work=_out(np.full(p1_a.shape, hd / e)))
    h = np.log(ratio) / steps
    point = gas if isinstance(gas, PointProperties) else None

    def slopes(
        ln_p: npt.NDArray[np.float64], t: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        p = np.exp(ln_p)
        if point is not None:  # the three properties from one table lookup
            rho, cp, mu_jt = (x.reshape(p.shape) for x in point.states(p.ravel(), t.ravel()))
        else:
            rho = _array(gas.density(p, t))
            cp = _array(gas.cp(p, t))
            mu_jt = _array(gas.joule_thomson(p, t))
        return p * (1.0 / (eta * rho * cp) + mu_jt), p / rho

    t0 = np.array(t1_a, dtype=np.float64)
    head, t = _rk4_path(slopes, np.log(p1_a), t0, np.zeros_like(t0), h, steps)
    return Compression(t2=_out(t), head=_out(head), work=_out(head / eta))


# --- drivers -----------------------------------------------------------------------------


def shaft_power(
    mass_flow: npt.ArrayLike, work: npt.ArrayLike, mechanical_efficiency: npt.ArrayLike = 1.0
) -> FloatOrArray:
    r"""Shaft power needed to give a mass flow a specific work.

    .. math::
        P = \frac{\dot m\,w}{\eta_m}

    Source: GPSA Engineering Data Book, 13th ed. (2012), sect. 13 (gas and shaft
    horsepower); :math:`\eta_m` covers bearing, seal and gear losses.

    Validity: steady flow.

    Parameters
    ----------
    mass_flow : array_like
        Mass flow through the compressor [kg/s], >= 0.
    work : array_like
        Specific work done on the gas [J/kg], >= 0.
    mechanical_efficiency : array_like
        Mechanical efficiency [-], in (0, 1].

    Returns
    -------
    float or ndarray
        Shaft power [W].
    """
    element = "shaft_power"
    m = _non_negative(element, "mass_flow", mass_flow)
    w = _non_negative(element, "work", work)
    eta = _efficiency(element, "mechanical_efficiency", mechanical_efficiency)
    return _out(_array(m * w / eta))


def gas_turbine_fuel(
    shaft_power: npt.ArrayLike, thermal_efficiency: npt.ArrayLike, ncv_mass: npt.ArrayLike
) -> FloatOrArray:
    r"""Fuel mass flow of a gas turbine delivering a shaft power.

    .. math::
        \dot m_\mathrm{fuel} = \frac{P}{\eta_\mathrm{th}\,\mathrm{NCV}}

    :math:`\eta_\mathrm{th}` is the shaft (thermal) efficiency referred to the net
    calorific value. Typical values (assumption, for guidance only; use the
    manufacturer's rating and part-load curve) for the 16-32 MW industrial and
    aero-derivative gas turbines that drive pipeline compressors are 0.30-0.38 at
    ISO conditions and full load, e.g. about 0.36 for the GE LM2500 class and
    0.31-0.36 for the Russian GPA-16/GPA-25 units; efficiency drops at part load and
    at high ambient temperature.

    Source: definition of thermal efficiency, e.g. H. I. H. Saravanamuttoo et al.,
    *Gas Turbine Theory*, 7th ed., Pearson (2017), ch. 2.

    Validity: steady operation at the stated efficiency.

    Parameters
    ----------
    shaft_power : array_like
        Shaft power delivered [W], >= 0.
    thermal_efficiency : array_like
        Thermal efficiency on net calorific value [-], in (0, 1].
    ncv_mass : array_like
        Net (lower) calorific value of the fuel per mass [J/kg], > 0.

    Returns
    -------
    float or ndarray
        Fuel mass flow [kg/s].
    """
    element = "gas_turbine_fuel"
    power = _non_negative(element, "shaft_power", shaft_power)
    eta = _efficiency(element, "thermal_efficiency", thermal_efficiency)
    ncv = _positive(element, "ncv_mass", ncv_mass)
    return _out(_array(power / (eta * ncv)))


def units_needed(
    power: npt.ArrayLike, unit_power: npt.ArrayLike
) -> int | npt.NDArray[np.int64]:
    r"""Number of identical driver units needed to deliver a power.

    .. math::
        n = \left\lceil \frac{P}{P_\mathrm{unit}}\,(1 - 10^{-9}) \right\rceil

    Zero power needs zero units. The factor :math:`1 - 10^{-9}`
    (:data:`UNITS_ROUNDING_RTOL`) keeps floating-point round-off (e.g.
    ``3 / 0.1 = 30.000000000000004``) from adding a unit. Stand-by units are the
    caller's business.

    Source: counting; no correlation.

    Parameters
    ----------
    power : array_like
        Power demand [W], >= 0.
    unit_power : array_like
        Rated power of one unit [W], > 0.

    Returns
    -------
    int or ndarray of int64
        Number of units [-].
    """
    element = "units_needed"
    p = _non_negative(element, "power", power)
    unit = _positive(element, "unit_power", unit_power)
    ratio = p / unit
    count = np.ceil(ratio * (1.0 - UNITS_ROUNDING_RTOL)).astype(np.int64)
    return int(count) if count.ndim == 0 else count
