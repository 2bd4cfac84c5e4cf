r"""One gas state at a time, fast: the surrogate's bicubic patch evaluated in plain floats.

The optimiser's exact evaluations march pipes and integrate polytropic paths one
state at a time: some 10⁵ lookups per optimisation. :meth:`GasSurrogate.point`
evaluates the cell's bicubic patch with small numpy arrays (~20 µs a state, most of
it array set-up); :class:`ScalarGas` evaluates the same patch — the same 16
monomial coefficients per property, the same cell, the same (u, v) — by Horner's
scheme in Python floats (~5 µs). The values agree with
:meth:`GasSurrogate.point` to round-off (a few 1e-16 relative: only the order of
the additions differs), so a point evaluated with it and re-simulated by the steady
solver (which uses :meth:`GasSurrogate.point`) agrees to the integration tolerance.

It implements the pipe march's fluid protocol (:class:`trunkline.solve.line.Fluid`:
``point``, ``viscosity_at``) and the compressor laws' gas protocol
(:class:`trunkline.physics.compressor.GasProperties`: ``density``, ``cp``,
``joule_thomson``; a single state through the scalar path, cached for the next call
at the same state, arrays through the surrogate's vectorised lookups).

Bicubic patch in cell (i, j) with local coordinates u, v ∈ [0, 1]:

.. math:: f(u, v) = \sum_{a=0}^{3}\sum_{b=0}^{3} c_{4a+b}\,u^a v^b, \qquad
   \frac{\partial f}{\partial p} = \frac{1}{\Delta p}\frac{\partial f}{\partial u},\quad
   \frac{\partial f}{\partial T} = \frac{1}{\Delta T}\frac{\partial f}{\partial v}

Source: the surrogate's construction (:mod:`trunkline.gas.surrogate`); validity: its
envelope (states outside raise :class:`~trunkline.errors.OutOfRangeError`).
"""

from __future__ import annotations

import math
import weakref
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.gas.surrogate import GasSurrogate

__all__ = ["ScalarGas", "polytropic_path", "scalar_gas"]

FloatArray = npt.NDArray[np.float64]

#: Cells whose coefficients are kept as Python floats (an optimisation visits a few
#: thousand of the ~12,000 cells); the table is dropped and rebuilt beyond this.
_MAX_CELLS: Final = 20_000


class ScalarGas:
    """A :class:`GasSurrogate` evaluated one state at a time in plain floats."""

    def __init__(self, sur: GasSurrogate) -> None:
        env = sur.envelope
        self.sur = sur
        self.molar_mass = sur.molar_mass
        self.gas_constant = sur.gas_constant
        self._p_min, self._p_max = env.p_min, env.p_max
        self._t_min, self._t_max = env.t_min, env.t_max
        self._dp, self._dt = sur._dp, sur._dt
        self._nc, self._mc = sur._nc, sur._mc
        self._stack = sur._point_stack  # (cells, 3, 16): z, c_p, μ_JT
        self._cells: dict[int, list[list[float]]] = {}
        self._key = (math.nan, math.nan)
        self._val = (0.0, 0.0, 0.0)

    def point(self, p: float, t: float) -> tuple[float, float, float, float, float]:
        """Z, (∂Z/∂p)_T [1/Pa], (∂Z/∂T)_p [1/K], c_p [J/(kg·K)] and μ_JT [K/Pa]."""
        if not (self._p_min <= p <= self._p_max and self._t_min <= t <= self._t_max):
            return self.sur.point(p, t)  # raises the descriptive OutOfRangeError
        fx = (p - self._p_min) / self._dp
        fy = (t - self._t_min) / self._dt
        i = min(int(fx), self._nc - 1)
        j = min(int(fy), self._mc - 1)
        u, v = fx - i, fy - j
        k = i * self._mc + j
        c = self._cells.get(k)
        if c is None:
            if len(self._cells) >= _MAX_CELLS:
                self._cells.clear()
            c = self._stack[k].tolist()
            self._cells[k] = c
        cz, cc, cj = c
        z = dzu = dzv = cp = jt = 0.0
        for o in (12, 8, 4, 0):  # Horner in u over the rows a = 3..0 (index 4a + b)
            row = ((cz[o + 3] * v + cz[o + 2]) * v + cz[o + 1]) * v + cz[o]
            drow = (3.0 * cz[o + 3] * v + 2.0 * cz[o + 2]) * v + cz[o + 1]
            dzu = dzu * u + z
            z = z * u + row
            dzv = dzv * u + drow
            cp = cp * u + (((cc[o + 3] * v + cc[o + 2]) * v + cc[o + 1]) * v + cc[o])
            jt = jt * u + (((cj[o + 3] * v + cj[o + 2]) * v + cj[o + 1]) * v + cj[o])
        return z, dzu / self._dp, dzv / self._dt, cp, jt

    def state(self, p: float, t: float) -> tuple[float, float, float]:
        """Z, c_p [J/(kg·K)] and μ_JT [K/Pa] (:meth:`point` without the derivatives)."""
        if not (self._p_min <= p <= self._p_max and self._t_min <= t <= self._t_max):
            z, _, _, cp, jt = self.sur.point(p, t)  # raises the descriptive OutOfRangeError
            return z, cp, jt
        fx = (p - self._p_min) / self._dp
        fy = (t - self._t_min) / self._dt
        i = min(int(fx), self._nc - 1)
        j = min(int(fy), self._mc - 1)
        u, v = fx - i, fy - j
        k = i * self._mc + j
        c = self._cells.get(k)
        if c is None:
            if len(self._cells) >= _MAX_CELLS:
                self._cells.clear()
            c = self._stack[k].tolist()
            self._cells[k] = c
        cz, cc, cj = c
        z = cp = jt = 0.0
        for o in (12, 8, 4, 0):
            z = z * u + (((cz[o + 3] * v + cz[o + 2]) * v + cz[o + 1]) * v + cz[o])
            cp = cp * u + (((cc[o + 3] * v + cc[o + 2]) * v + cc[o + 1]) * v + cc[o])
            jt = jt * u + (((cj[o + 3] * v + cj[o + 2]) * v + cj[o + 1]) * v + cj[o])
        return z, cp, jt

    def viscosity_at(self, t: float, density: float) -> float:
        """Viscosity [Pa·s], Lee-Gonzalez-Eakin on the given density (the surrogate's)."""
        return self.sur.viscosity_at(t, density)

    # -- the compressor laws' gas protocol ------------------------------------------
    def _at(self, p: npt.ArrayLike, t: npt.ArrayLike) -> tuple[float, float, float]:
        key = (float(p), float(t))  # type: ignore[arg-type]
        if key != self._key:
            z, _, _, cp, jt = self.point(*key)
            rho = key[0] * self.molar_mass / (z * self.gas_constant * key[1])
            self._key, self._val = key, (rho, cp, jt)
        return self._val

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Mass density [kg/m³]."""
        if np.ndim(p) == 0 and np.ndim(t) == 0:
            return self._at(p, t)[0]
        return np.asarray(self.sur.density(p, t))

    def cp(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Isobaric heat capacity [J/(kg·K)]."""
        if np.ndim(p) == 0 and np.ndim(t) == 0:
            return self._at(p, t)[1]
        return np.asarray(self.sur.cp(p, t))

    def joule_thomson(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Joule-Thomson coefficient (∂T/∂p)_h [K/Pa]."""
        if np.ndim(p) == 0 and np.ndim(t) == 0:
            return self._at(p, t)[2]
        return np.asarray(self.sur.joule_thomson(p, t))


    def states(self, p: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(ρ [kg/m³], c_p [J/(kg·K)], μ_JT [K/Pa]) of 1-d arrays of states, one cell lookup."""
        if p.size and not (p.min() >= self._p_min and p.max() <= self._p_max
                           and t.min() >= self._t_min and t.max() <= self._t_max):
            self.sur.density(p, t)  # raises the descriptive OutOfRangeError
        fx = (p - self._p_min) * (1.0 / self._dp)
        fy = (t - self._t_min) * (1.0 / self._dt)
        i = np.minimum(fx.astype(np.intp), self._nc - 1)
        j = np.minimum(fy.astype(np.intp), self._mc - 1)
        u = fx - i
        v = fy - j
        ones = np.ones_like(u)
        uu = np.stack((ones, u, u * u, u * u * u))
        vv = np.stack((ones, v, v * v, v * v * v))
        basis = (uu[:, None, :] * vv[None, :, :]).reshape(16, -1)  # row 4a + b: u^a v^b
        val = np.einsum("nqk,kn->qn", self._stack[i * self._mc + j], basis)
        rho = p * self.molar_mass / (val[0] * self.gas_constant * t)
        return rho, val[1], val[2]


def polytropic_path(gas: ScalarGas, p1: FloatArray, t1: FloatArray, p2: FloatArray,
                    eta: FloatArray, steps: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""(head [J/kg], work [J/kg], discharge temperature [K]) of real-gas polytropic paths.

    The method of :func:`trunkline.physics.compressor.real_gas_polytropic`, step for
    step (the steady solver's station): along the polytropic path
    :math:`dT/d\ln p = p\,(1/(\eta_p\rho c_p) + \mu_{JT})`,
    :math:`dH_p/d\ln p = p/\rho`, integrated by the classical RK4 method over
    ``steps`` equal steps in :math:`\ln p`; :math:`w = H_p/\eta_p`. One path in plain
    floats (:meth:`ScalarGas.point`), several vectorised with one cell lookup per state
    (:meth:`ScalarGas.states`); the results equal ``real_gas_polytropic``'s to round-off.

    Source: R. A. Huntington, *J. Eng. Gas Turbines Power* 107(4), 872-876 (1985);
    ASME PTC 10-1997. Validity: single-phase gas in the surrogate's envelope, constant
    polytropic efficiency along the path, adiabatic machine, ``p2 >= p1 > 0``.
    """
    if p1.size == 1:
        h1, t2 = _path_scalar(gas, float(p1[0]), float(t1[0]), float(p2[0]),
                              float(eta[0]), steps)
        return np.array([h1]), np.array([h1 / float(eta[0])]), np.array([t2])
    h = np.log(p2 / p1) / steps
    ln_p0 = np.log(p1)
    t = np.array(t1, dtype=float)
    head = np.zeros_like(t)

    def slopes(ln_p: FloatArray, tt: FloatArray) -> tuple[FloatArray, FloatArray]:
        p = np.exp(ln_p)
        rho, cp, jt = gas.states(p, tt)
        return p * (1.0 / (eta * rho * cp) + jt), p / rho

    for i in range(steps):
        x = ln_p0 + i * h
        kt1, kh1 = slopes(x, t)
        kt2, kh2 = slopes(x + 0.5 * h, t + 0.5 * h * kt1)
        kt3, kh3 = slopes(x + 0.5 * h, t + 0.5 * h * kt2)
        kt4, kh4 = slopes(x + h, t + h * kt3)
        t = t + h / 6.0 * (kt1 + 2.0 * kt2 + 2.0 * kt3 + kt4)
        head = head + h / 6.0 * (kh1 + 2.0 * kh2 + 2.0 * kh3 + kh4)
    return head, head / eta, t


def _path_scalar(gas: ScalarGas, p1: float, t1: float, p2: float, eta: float, steps: int
                 ) -> tuple[float, float]:
    """(head, t2) of one polytropic path in plain floats (see :func:`polytropic_path`)."""
    m_over_r = gas.molar_mass / gas.gas_constant
    state = gas.state
    exp = math.exp

    def slopes(ln_p: float, t: float) -> tuple[float, float]:
        p = exp(ln_p)
        z, cp, jt = state(p, t)
        rho = p * m_over_r / (z * t)
        return p * (1.0 / (eta * rho * cp) + jt), p / rho

    h = math.log(p2 / p1) / steps
    ln_p0 = math.log(p1)
    t = t1
    head = 0.0
    for i in range(steps):
        x = ln_p0 + i * h
        kt1, kh1 = slopes(x, t)
        kt2, kh2 = slopes(x + 0.5 * h, t + 0.5 * h * kt1)
        kt3, kh3 = slopes(x + 0.5 * h, t + 0.5 * h * kt2)
        kt4, kh4 = slopes(x + h, t + h * kt3)
        t = t + h / 6.0 * (kt1 + 2.0 * kt2 + 2.0 * kt3 + kt4)
        head = head + h / 6.0 * (kh1 + 2.0 * kh2 + 2.0 * kh3 + kh4)
    return head, t


_BY_SURROGATE: weakref.WeakKeyDictionary[GasSurrogate, ScalarGas] = weakref.WeakKeyDictionary()


def scalar_gas(sur: GasSurrogate) -> ScalarGas:
    """The :class:`ScalarGas` of a surrogate (one per surrogate, kept while it lives)."""
    hit = _BY_SURROGATE.get(sur)
    if hit is None:
        hit = ScalarGas(sur)
        _BY_SURROGATE[sur] = hit
    return hit
