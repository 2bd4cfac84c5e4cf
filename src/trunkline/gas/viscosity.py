"""Dynamic viscosity of natural gas: the Lee, Gonzalez & Eakin (1966) correlation.

Source: A. L. Lee, M. H. Gonzalez, B. E. Eakin, "The Viscosity of Natural
Gases", J. Petrol. Technol. 18(8):997-1000, 1966 (SPE-1340-PA).

In the original field units — μ in cP, ρ in g/cm³, T in °R, M in g/mol:

.. math::

    \\mu = 10^{-4} K \\exp\\left(X \\rho^{Y}\\right), \\qquad
    K = \\frac{(9.4 + 0.02 M)\\,T^{1.5}}{209 + 19 M + T}, \\qquad
    X = 3.5 + \\frac{986}{T} + 0.01 M, \\qquad
    Y = 2.4 - 0.2 X

:func:`lee_gonzalez_eakin` takes and returns SI units and converts internally.
The density is the real-gas density from the equation of state (GERG-2008 in
trunkline), so the correlation needs no pseudo-critical properties.

Validity
--------
As published, the correlation was fitted to viscosity measurements on natural
gases at 100-8000 psia (0.7-55 MPa) and 100-340 °F (311-444 K), with CO2 below
3.2 mol %; the authors report agreement with their data within a few per cent
(a standard deviation of about 2-3 % is usually quoted; not re-checked here).

trunkline uses it below 311 K, down to 230 K (onshore and subsea trunklines run
at about 260-310 K, and Joule-Thomson cooling across pressure reductions reaches
~240 K), which is an extrapolation. It is acceptable because:

* against the reference viscosity of methane (Quiñones-Cisneros & Deiters 2006,
  J. Phys. Chem. B 110:12820, with the Setzmann-Wagner EOS density) the
  correlation stays within 4.3 % over 230-330 K and 0.1-12 MPa (within 5.6 %
  at 220 K up to 10 MPa); see ``tests/gas/test_viscosity.py``;
* pressure drop depends on μ only through the Reynolds number, and large
  trunklines (1.2-1.4 m bore) run at Re ≈ 1e7-1e8, close to fully rough flow.
  For a 1420 mm pipe with roughness 10-50 μm, a ±10 % error in μ changes the
  Colebrook friction factor (hence the pressure drop) by at most about 1 %
  (coated pipe, ε = 10 μm, Re = 1e7), by under 0.6 % for ε ≥ 30 μm and by under
  0.4 % at Re = 1e8; verified in ``tests/gas/test_viscosity.py``.

The function accepts temperatures in [:data:`T_MIN`, :data:`T_MAX`] = [220, 450] K
(the lower bound is a margin below 230 K for the surrogate's envelope) and raises
:class:`~trunkline.errors.OutOfRangeError` outside it.
"""

from __future__ import annotations

import math
from typing import Final, overload

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError, OutOfRangeError

__all__ = ["T_MAX", "T_MIN", "lee_gonzalez_eakin", "lee_gonzalez_eakin_scalar"]

FloatArray = npt.NDArray[np.float64]

#: Lowest temperature accepted [K] (extrapolation; published range starts at 311 K).
T_MIN: Final = 220.0
#: Highest temperature accepted [K] (published range ends at 444 K).
T_MAX: Final = 450.0

_RANKINE_PER_KELVIN: Final = 1.8
_PA_S_PER_CP: Final = 1e-3


@overload
def lee_gonzalez_eakin(t: float, density: float, molar_mass: float) -> float: ...
@overload
def lee_gonzalez_eakin(t: npt.ArrayLike, density: npt.ArrayLike,
                       molar_mass: npt.ArrayLike) -> float | FloatArray: ...


def lee_gonzalez_eakin(t: npt.ArrayLike, density: npt.ArrayLike,
                       molar_mass: npt.ArrayLike) -> float | FloatArray:
    """Dynamic viscosity of a natural gas [Pa·s] (Lee, Gonzalez & Eakin 1966).

    .. math::

        \\mu\\,[\\mathrm{cP}] = 10^{-4} K \\exp(X \\rho^Y), \\quad
        K = \\frac{(9.4 + 0.02 M) T^{1.5}}{209 + 19 M + T}, \\quad
        X = 3.5 + 986/T + 0.01 M, \\quad Y = 2.4 - 0.2 X

    with ρ in g/cm³, T in °R and M in g/mol (converted internally from SI).

    Args:
        t: temperature [K], in [:data:`T_MIN`, :data:`T_MAX`].
        density: real-gas mass density [kg/m³], ≥ 0.
        molar_mass: molar mass [kg/mol], > 0.

    Arguments broadcast against each other (numpy rules).

    Returns:
        μ [Pa·s]: a float when every argument is a scalar, else an array of the
        broadcast shape.

    Raises:
        InputError: non-finite values, negative density or non-positive molar mass.
        OutOfRangeError: temperature outside [:data:`T_MIN`, :data:`T_MAX`].

    Source and validity: see the module docstring (published for 311-444 K,
    0.7-55 MPa, CO2 < 3.2 mol %; used by trunkline down to 230 K).
    """
    scalar = all(np.ndim(a) == 0 for a in (t, density, molar_mass))
    try:
        ta, rho, m = np.broadcast_arrays(np.asarray(t, dtype=np.float64),
                                         np.asarray(density, dtype=np.float64),
                                         np.asarray(molar_mass, dtype=np.float64))
    except ValueError as exc:
        raise InputError(f"arguments do not broadcast: {exc}", element="viscosity",
                         expected="t, density and molar_mass of compatible shapes") from None
    for name, arr in (("t", ta), ("density", rho), ("molar_mass", m)):
        if not np.all(np.isfinite(arr)):
            raise InputError("non-finite value", element="viscosity", field=name,
                             value=_first(arr, ~np.isfinite(arr)), expected="finite numbers")
    if np.any(rho < 0.0):
        raise InputError("negative density", element="viscosity", field="density",
                         value=_first(rho, rho < 0.0), expected="density >= 0 kg/m3")
    if np.any(m <= 0.0):
        raise InputError("non-positive molar mass", element="viscosity", field="molar_mass",
                         value=_first(m, m <= 0.0), expected="molar mass > 0 kg/mol")
    outside = (ta < T_MIN) | (ta > T_MAX)
    if np.any(outside):
        raise OutOfRangeError("temperature outside the range of the Lee-Gonzalez-Eakin "
                              "viscosity correlation", element="viscosity", field="t",
                              value=_first(ta, outside), expected=f"{T_MIN:g}-{T_MAX:g} K")

    t_r = ta * _RANKINE_PER_KELVIN          # °R
    m_g = m * 1e3                           # g/mol
    rho_g = rho * 1e-3                      # g/cm³
    k = (9.4 + 0.02 * m_g) * t_r**1.5 / (209.0 + 19.0 * m_g + t_r)
    x = 3.5 + 986.0 / t_r + 0.01 * m_g
    y = 2.4 - 0.2 * x
    mu: FloatArray = 1e-4 * k * np.exp(x * rho_g**y) * _PA_S_PER_CP
    return float(mu) if scalar else mu


def _first(arr: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    """First element of ``arr`` where ``mask`` holds, for error messages."""
    return float(arr[mask].flat[0])


def lee_gonzalez_eakin_scalar(t: float, density: float, molar_mass: float) -> float:
    """The same correlation as :func:`lee_gonzalez_eakin` for one state, on plain floats.

    For marching loops (no argument checks; the caller guarantees a valid
    state). T [K], ρ [kg/m³], M [kg/mol] → μ [Pa·s].
    """
    tr = t * _RANKINE_PER_KELVIN
    m = molar_mass * 1e3
    k = (9.4 + 0.02 * m) * tr**1.5 / (209.0 + 19.0 * m + tr)
    x = 3.5 + 986.0 / tr + 0.01 * m
    y = 2.4 - 0.2 * x
    return float(1e-4 * k * math.exp(x * (density * 1e-3) ** y) * _PA_S_PER_CP)
