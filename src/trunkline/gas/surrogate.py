"""A fast surrogate of the reference equation of state for hot loops.

The reference EOS (GERG-2008 or DETAIL via pyaga8) costs 3-9 µs per state and
is evaluated point by point. Solvers evaluate properties millions of times, so
each :class:`~trunkline.gas.Gas` builds once a table over a (p, T) envelope and
interpolates it:

* a uniform grid of ``n_p × n_T`` nodes over the envelope;
* in every cell a tensor-product cubic Lagrange polynomial through the 4×4
  nearest nodes (windows shifted inwards at the envelope edges), stored as 16
  monomial coefficients in the local cell coordinates (u, v) ∈ [0, 1]²;
* evaluation = one index computation and a Horner scheme of 16 gathers,
  vectorised with numpy (Z and its derivatives of an array of states: one compiled
  pass where numba is installed, the same floats).

Interpolation error is O(h⁴). With the default 100 × 120 grid over
0.1-20 MPa × 220-420 K the largest |ΔZ| against GERG-2008 is ~1e-5 for pipeline
gases, ~4e-5 at 220 K near the critical region of rich gases (test
``tests/gas/test_surrogate.py`` samples the envelope densely and
asserts the contract |ΔZ| <= 1e-4). Throughput is >1e7 Z evaluations per
second on 1e6-element arrays (``benchmarks/bench_gas.py``).

The surrogate interpolates the EOS' single-phase root; like the reference EOS
call it does not check for a liquid phase (dew point).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import OutOfRangeError
from trunkline.gas.eos import ReferenceEos, evaluate
from trunkline.gas.viscosity import lee_gonzalez_eakin_scalar

__all__ = ["DEFAULT_ENVELOPE", "Envelope", "GasSurrogate", "PointGas"]

FloatArray = npt.NDArray[np.float64]

#: Properties tabulated (names of :class:`trunkline.gas.eos.StateProperties` fields).
TABULATED: Final = ("z", "cp", "cv", "speed_of_sound", "joule_thomson",
                    "isentropic_exponent", "enthalpy")

#: Cells whose coefficients the scalar path keeps as Python floats (a solve visits a
#: few thousand of the ~12,000 cells); the table is dropped and rebuilt beyond this.
_MAX_CELLS: Final = 20_000


@dataclass(frozen=True, slots=True)
class Envelope:
    """Rectangle in (p, T) covered by a surrogate and its grid size."""

    p_min: float = 0.1e6
    p_max: float = 20.0e6
    t_min: float = 220.0
    t_max: float = 420.0
    n_p: int = 100
    n_t: int = 120

    def contains(self, p: FloatArray, t: FloatArray) -> bool:
        return bool(
            p.min() >= self.p_min and p.max() <= self.p_max
            and t.min() >= self.t_min and t.max() <= self.t_max
        )


#: Default envelope: 0.1-20 MPa, 220-420 K, covering every pipeline state
#: trunkline meets (MAOP up to 11.8 MPa plus margin, compressor discharge of
#: overloaded stations, cold Siberian ground); wider than the contract of
#: 0.1-15 MPa, 230-350 K.
DEFAULT_ENVELOPE: Final = Envelope()


def _lagrange_to_monomial(shift: int) -> FloatArray:
    """Matrix turning 4 node values at local x = shift..shift+3 into cubic monomial coefficients."""
    nodes = np.arange(4, dtype=float) + shift
    return np.linalg.inv(np.vander(nodes, 4, increasing=True))


def _cell_coefficients(values: FloatArray) -> FloatArray:
    """(16, cells) monomial coefficients of the bicubic Lagrange patch in every cell."""
    n, m = values.shape
    si = np.clip(np.arange(n - 1) - 1, 0, n - 4)  # first node of each cell's 4-node window
    sj = np.clip(np.arange(m - 1) - 1, 0, m - 4)
    rows = np.stack([_lagrange_to_monomial(int(a - i)) for i, a in enumerate(si)])
    cols = np.stack([_lagrange_to_monomial(int(b - j)) for j, b in enumerate(sj)])
    win = values[(si[:, None] + np.arange(4))[:, None, :, None],
                 (sj[:, None] + np.arange(4))[None, :, None, :]]  # (n-1, m-1, 4, 4)
    coef = np.einsum("iab,ijbc,jdc->ijad", rows, win, cols, optimize=True)
    return np.ascontiguousarray(coef.reshape((n - 1) * (m - 1), 16).T)


class GasSurrogate:
    """Tabulated bicubic surrogate of one gas' reference EOS over an :class:`Envelope`.

    Methods take float or numpy arrays of p [Pa] and T [K] (broadcast) and
    raise :class:`~trunkline.errors.OutOfRangeError` for states outside the
    envelope rather than extrapolate.
    """

    def __init__(self, eos: ReferenceEos, envelope: Envelope = DEFAULT_ENVELOPE) -> None:
        env = envelope
        if env.n_p < 4 or env.n_t < 4 or env.p_min <= 0 or env.p_max <= env.p_min \
                or env.t_min <= 0 or env.t_max <= env.t_min:
            raise OutOfRangeError("invalid surrogate envelope", element="surrogate",
                                  field="envelope", value=env,
                                  expected="0 < p_min < p_max, 0 < t_min < t_max, n >= 4")
        self.envelope = env
        self.molar_mass = eos.molar_mass
        self.gas_constant = eos.gas_constant
        self.eos_name = eos.name
        p_nodes = np.linspace(env.p_min, env.p_max, env.n_p)
        t_nodes = np.linspace(env.t_min, env.t_max, env.n_t)
        props = evaluate(eos, p_nodes[:, None], t_nodes[None, :])
        self._dp = float(p_nodes[1] - p_nodes[0])
        self._dt = float(t_nodes[1] - t_nodes[0])
        self._coef: dict[str, FloatArray] = {
            name: _cell_coefficients(getattr(props, name)) for name in TABULATED
        }
        self._mc = env.n_t - 1
        self._nc = env.n_p - 1
        # (cells, 3, 16) block of z, cp, μ_JT coefficients for the scalar path.
        self._point_stack = np.ascontiguousarray(np.stack(
            [self._coef[n].T for n in ("z", "cp", "joule_thomson")], axis=1))
        # the scalar path's cells as Python float lists (filled as cells are visited)
        self._cells: dict[int, list[list[float]]] = {}
        self._point_gas: PointGas | None = None
        #: Z's coefficients cell by cell (cells × 16) for the compiled pass (made on use)
        self._z_cells: FloatArray | None = None

    # -- core -------------------------------------------------------------
    def _locate(self, p: npt.ArrayLike, t: npt.ArrayLike
                ) -> tuple[npt.NDArray[np.intp], FloatArray, FloatArray, tuple[int, ...]]:
        pa = np.asarray(p, dtype=float)
        ta = np.asarray(t, dtype=float)
        if pa.shape != ta.shape:
            pa, ta = np.broadcast_arrays(pa, ta)
        env = self.envelope
        if pa.size and not env.contains(pa, ta):
            bad = ~((pa >= env.p_min) & (pa <= env.p_max) & (ta >= env.t_min) & (ta <= env.t_max))
            k = int(np.flatnonzero(bad.ravel())[0])
            raise OutOfRangeError(
                "state outside the gas surrogate's envelope",
                element=f"surrogate ({self.eos_name})", field="state",
                value=(float(pa.ravel()[k]), float(ta.ravel()[k])),
                expected=(f"{env.p_min:g} <= p <= {env.p_max:g} Pa and "
                          f"{env.t_min:g} <= T <= {env.t_max:g} K"),
            )
        fx = (pa.ravel() - env.p_min) * (1.0 / self._dp)
        fy = (ta.ravel() - env.t_min) * (1.0 / self._dt)
        i = np.minimum(fx.astype(np.intp), self._nc - 1)
        j = np.minimum(fy.astype(np.intp), self._mc - 1)
        u = fx - i
        v = fy - j
        return i * self._mc + j, u, v, pa.shape

    def _horner(self, coef: FloatArray, k: npt.NDArray[np.intp], u: FloatArray,
                v: FloatArray) -> FloatArray:
        result = np.zeros_like(u)
        for a in (3, 2, 1, 0):
            row = coef[4 * a + 3][k]
            for b in (2, 1, 0):
                row *= v
                row += coef[4 * a + b][k]
            result *= u
            result += row
        return result

    def _eval(self, name: str, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        k, u, v, shape = self._locate(p, t)
        return self._horner(self._coef[name], k, u, v).reshape(shape)

    def _cell(self, p: float, t: float) -> tuple[list[list[float]], float, float]:
        """The coefficient lists (z, c_p, μ_JT) of the cell holding (p, t) and the local
        coordinates (u, v); raises the descriptive OutOfRangeError outside the envelope."""
        env = self.envelope
        if not (env.p_min <= p <= env.p_max and env.t_min <= t <= env.t_max):
            self._locate(p, t)  # raises the descriptive OutOfRangeError
        fx = (p - env.p_min) / self._dp
        fy = (t - env.t_min) / self._dt
        i = min(int(fx), self._nc - 1)
        j = min(int(fy), self._mc - 1)
        k = i * self._mc + j
        c = self._cells.get(k)
        if c is None:
            if len(self._cells) >= _MAX_CELLS:
                self._cells.clear()
            c = self._point_stack[k].tolist()
            self._cells[k] = c
        return c, fx - i, fy - j

    def point(self, p: float, t: float) -> tuple[float, float, float, float, float]:
        """Z, (∂Z/∂p)_T [1/Pa], (∂Z/∂T)_p [1/K], c_p [J/(kg·K)] and μ_JT [K/Pa] at one state.

        The scalar path of marching solvers: the cell's 16 coefficients per property
        as Python floats (cached per cell), Horner's scheme in u over rows in v
        (index 4a + b ↔ u^a v^b); equal to the array path to round-off.
        """
        (cz, cc, cj), u, v = self._cell(p, t)
        z = dzu = dzv = cp = jt = 0.0
        for o in (12, 8, 4, 0):  # rows a = 3..0
            row = ((cz[o + 3] * v + cz[o + 2]) * v + cz[o + 1]) * v + cz[o]
            drow = (3.0 * cz[o + 3] * v + 2.0 * cz[o + 2]) * v + cz[o + 1]
            dzu = dzu * u + z
            z = z * u + row
            dzv = dzv * u + drow
            cp = cp * u + (((cc[o + 3] * v + cc[o + 2]) * v + cc[o + 1]) * v + cc[o])
            jt = jt * u + (((cj[o + 3] * v + cj[o + 2]) * v + cj[o + 1]) * v + cj[o])
        return z, dzu / self._dp, dzv / self._dt, cp, jt

    def state(self, p: float, t: float) -> tuple[float, float, float]:
        """Z, c_p [J/(kg·K)] and μ_JT [K/Pa] at one state (:meth:`point` without the
        derivatives)."""
        (cz, cc, cj), u, v = self._cell(p, t)
        z = cp = jt = 0.0
        for o in (12, 8, 4, 0):
            z = z * u + (((cz[o + 3] * v + cz[o + 2]) * v + cz[o + 1]) * v + cz[o])
            cp = cp * u + (((cc[o + 3] * v + cc[o + 2]) * v + cc[o + 1]) * v + cc[o])
            jt = jt * u + (((cj[o + 3] * v + cj[o + 2]) * v + cj[o + 1]) * v + cj[o])
        return z, cp, jt

    def point_gas(self) -> PointGas:
        """This surrogate seen one state at a time (:class:`PointGas`, one per surrogate)."""
        if self._point_gas is None:
            self._point_gas = PointGas(self)
        return self._point_gas

    def viscosity_at(self, t: float, density: float) -> float:
        """Viscosity [Pa·s] of one state, Lee-Gonzalez-Eakin (1966) on the given density."""
        return lee_gonzalez_eakin_scalar(t, density, self.molar_mass)

    # -- properties ---------------------------------------------------------
    def z(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Compressibility factor [-]."""
        return self._eval("z", p, t)

    def z_derivatives(self, p: npt.ArrayLike, t: npt.ArrayLike
                      ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Z and its partial derivatives (∂Z/∂p)_T [1/Pa] and (∂Z/∂T)_p [1/K].

        With numba (the ``fast`` extra) arrays of states are evaluated in one compiled
        pass (:func:`_z_derivatives_pass`: the same operations in the same order, so
        the same floats); else, or with the module's ``COMPILED`` off, by numpy below."""
        if COMPILED and _NUMBA:
            pa = np.asarray(p, dtype=float)
            ta = np.asarray(t, dtype=float)
            if pa.ndim and pa.shape == ta.shape:
                env = self.envelope
                if pa.size and not env.contains(pa, ta):
                    self._locate(pa, ta)  # raises the descriptive OutOfRangeError
                pf = np.ascontiguousarray(pa.ravel())
                tf = np.ascontiguousarray(ta.ravel())
                out = (np.empty(pf.size), np.empty(pf.size), np.empty(pf.size))
                if self._z_cells is None:
                    self._z_cells = np.ascontiguousarray(self._coef["z"].T)
                _compiled_pass()(pf, tf, env.p_min, env.t_min, 1.0 / self._dp,
                                 1.0 / self._dt, self._dp, self._dt, self._nc, self._mc,
                                 self._z_cells, *out)
                return (out[0].reshape(pa.shape), out[1].reshape(pa.shape),
                        out[2].reshape(pa.shape))
        k, u, v, shape = self._locate(p, t)
        c = self._coef["z"]
        z = np.zeros_like(u)
        dz_du = np.zeros_like(u)
        dz_dv = np.zeros_like(u)
        for a in (3, 2, 1, 0):
            row = c[4 * a + 3][k]
            drow = 3.0 * c[4 * a + 3][k]
            for b in (2, 1, 0):
                row *= v
                row += c[4 * a + b][k]
                if b > 0:
                    drow *= v
                    drow += b * c[4 * a + b][k]
            dz_du *= u
            dz_du += z  # derivative of Horner: d/du (z*u + row) = z + u*dz/du
            z *= u
            z += row
            dz_dv *= u
            dz_dv += drow
        return (z.reshape(shape), (dz_du / self._dp).reshape(shape),
                (dz_dv / self._dt).reshape(shape))

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Mass density ρ = p·M/(Z·R·T) [kg/m³]."""
        pa = np.asarray(p, dtype=float)
        ta = np.asarray(t, dtype=float)
        rho: FloatArray = pa * self.molar_mass / (self.z(pa, ta) * self.gas_constant * ta)
        return rho

    def cp(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Isobaric heat capacity [J/(kg·K)]."""
        return self._eval("cp", p, t)

    def cv(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Isochoric heat capacity [J/(kg·K)]."""
        return self._eval("cv", p, t)

    def speed_of_sound(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Speed of sound [m/s]."""
        return self._eval("speed_of_sound", p, t)

    def joule_thomson(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Joule-Thomson coefficient (∂T/∂p)_h [K/Pa]."""
        return self._eval("joule_thomson", p, t)

    def isentropic_exponent(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Isentropic exponent κ [-]."""
        return self._eval("isentropic_exponent", p, t)

    def enthalpy(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """Specific enthalpy [J/kg] (EOS reference state)."""
        return self._eval("enthalpy", p, t)


def _z_derivatives_pass(p: FloatArray, t: FloatArray, p_min: float, t_min: float,
                        inv_dp: float, inv_dt: float, dp: float, dt: float, nc: int,
                        mc: int, cells: FloatArray, z: FloatArray, dz_dp: FloatArray,
                        dz_dt: FloatArray) -> None:
    """:meth:`GasSurrogate.z_derivatives` state by state (compiled with numba): the
    cell and local coordinates as ``_locate`` has them, then Horner's scheme in u over
    rows in v and its derivatives, in the numpy path's order of operations."""
    for i in range(p.size):
        fx = (p[i] - p_min) * inv_dp
        fy = (t[i] - t_min) * inv_dt
        ci = min(int(fx), nc - 1)
        cj = min(int(fy), mc - 1)
        u = fx - ci
        v = fy - cj
        k = ci * mc + cj
        zz = 0.0
        du = 0.0
        dv = 0.0
        for a in range(3, -1, -1):
            o = 4 * a
            row = cells[k, o + 3]
            drow = 3.0 * cells[k, o + 3]
            row = row * v + cells[k, o + 2]
            drow = drow * v + 2 * cells[k, o + 2]
            row = row * v + cells[k, o + 1]
            drow = drow * v + 1 * cells[k, o + 1]
            row = row * v + cells[k, o]
            du = du * u + zz
            zz = zz * u + row
            dv = dv * u + drow
        z[i] = zz
        dz_dp[i] = du / dp
        dz_dt[i] = dv / dt


#: numba installed (the ``fast`` extra): arrays of states take the compiled pass
_NUMBA: Final = importlib.util.find_spec("numba") is not None
#: use the compiled pass where numba is installed (a switch for tests and benchmarks)
COMPILED = True


@functools.cache
def _compiled_pass() -> Callable[..., None]:
    import numba

    kernel: Callable[..., None] = numba.njit(cache=True, nogil=True)(_z_derivatives_pass)
    return kernel


class PointGas:
    """A surrogate seen one state at a time: the marching solvers' fluid (``point``,
    ``viscosity_at``) and the compressor laws' gas (``density``, ``cp``,
    ``joule_thomson``).

    A single state goes through the scalar path (:meth:`GasSurrogate.state`: ρ, c_p
    and μ_JT from one cell evaluation, cached for the next call at the same state);
    arrays go through the vectorised lookups, or :meth:`states` (one cell lookup for
    the three properties).
    """

    def __init__(self, sur: GasSurrogate) -> None:
        self.sur = sur
        self.molar_mass = sur.molar_mass
        self.gas_constant = sur.gas_constant
        self.point = sur.point
        self.state = sur.state
        self.viscosity_at = sur.viscosity_at
        # the last state and its (ρ, c_p, μ_JT), one tuple (replaced whole: thread-safe)
        self._last: tuple[tuple[float, float], tuple[float, float, float]] = (
            (math.nan, math.nan), (0.0, 0.0, 0.0))

    def _at(self, p: npt.ArrayLike, t: npt.ArrayLike) -> tuple[float, float, float]:
        key = (float(np.asarray(p).reshape(-1)[0]), float(np.asarray(t).reshape(-1)[0]))
        last = self._last
        if key == last[0]:
            return last[1]
        z, cp, jt = self.sur.state(*key)
        val = (key[0] * self.molar_mass / (z * self.gas_constant * key[1]), cp, jt)
        self._last = (key, val)
        return val

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Mass density [kg/m³]."""
        if np.size(p) == 1:
            return self._at(p, t)[0]
        return np.asarray(self.sur.density(p, t))

    def cp(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Isobaric heat capacity [J/(kg·K)]."""
        if np.size(p) == 1:
            return self._at(p, t)[1]
        return np.asarray(self.sur.cp(p, t))

    def joule_thomson(self, p: npt.ArrayLike, t: npt.ArrayLike) -> float | FloatArray:
        """Joule-Thomson coefficient (∂T/∂p)_h [K/Pa]."""
        if np.size(p) == 1:
            return self._at(p, t)[2]
        return np.asarray(self.sur.joule_thomson(p, t))

    def states(self, p: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(ρ [kg/m³], c_p [J/(kg·K)], μ_JT [K/Pa]) of 1-d arrays of states, one cell lookup."""
        sur = self.sur
        k, u, v, _ = sur._locate(p, t)  # raises the descriptive OutOfRangeError
        ones = np.ones_like(u)
        uu = np.stack((ones, u, u * u, u * u * u))
        vv = np.stack((ones, v, v * v, v * v * v))
        basis = (uu[:, None, :] * vv[None, :, :]).reshape(16, -1)  # row 4a + b: u^a v^b
        val = np.einsum("nqk,kn->qn", sur._point_stack[k], basis)
        rho = p * self.molar_mass / (val[0] * self.gas_constant * t)
        return rho, val[1], val[2]
