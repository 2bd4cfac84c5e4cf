r"""Compiled pipe law of the steady network solver's Colebrook-family pipes (optional: numba).

One pass over the pipes gives what the solver's numpy pipe law computes in some thirty
array passes: φ = λ·Re and dφ/dRe in every regime — laminar (φ = 64), the critical
zone's blend of the laminar and turbulent laws, turbulent Colebrook-White by Halley's
method from the pipe's last λ moved along its dλ/dRe (see
:func:`trunkline.physics.friction.colebrook_with_derivative`, whose iteration and
stopping rule it repeats element by element). Two more passes give the pipes' mean
pressures and, from φ, the law's residual and derivatives (:func:`_law`). Compiled with
numba when it is installed (the ``fast`` extra; see :mod:`._sparse_lu`); the plain
functions run uncompiled too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from trunkline.physics.friction import (
    COLEBROOK_RE_COEFFICIENT,
    LAMINAR_FRICTION_CONSTANT,
    RE_LAMINAR_MAX,
    RE_TURBULENT_MIN,
)
from trunkline.solve._sparse_lu import AVAILABLE

__all__ = ["AVAILABLE", "colebrook_phi", "mean_pressure", "pipe_law"]

FloatArray = npt.NDArray[np.float64]

_C = 2.0 / math.log(10.0)
# the numpy solver's friction._COLEBROOK_STEP_RTOL, as a literal: numba's cache of the
# compiled kernels is renewed when this file changes, not when another does (a test
# checks that the two agree)
_STEP_RTOL = 5e-6
_MAX_ITERATIONS = 50
_LAM = LAMINAR_FRICTION_CONSTANT
_RE_LAM, _RE_TURB = RE_LAMINAR_MAX, RE_TURBULENT_MIN
_RE_COEF = COLEBROOK_RE_COEFFICIENT


def _phi(q: FloatArray, d_over_a: FloatArray, mu: FloatArray, rel: FloatArray,
         divisor: float, lam_last: FloatArray, dlam_last: FloatArray, re_last: FloatArray,
         phi: FloatArray, dphi: FloatArray, explicit: bool) -> int:
    """φ and dφ/dRe of every pipe at Re = |q|·(D/A)/μ into ``phi``, ``dphi``; the
    turbulent λ, dλ/dRe and Re into the ``*_last`` arrays. Returns −1, or the index of a
    pipe whose Newton solve did not converge. ``explicit``: Swamee & Jain's λ, not solved
    (as ``colebrook_with_derivative(..., iterate=False)``), kept in ``*_last`` as the
    next evaluation's start."""
    for i in range(q.size):
        r = abs(q[i]) * (d_over_a[i] / mu[i])
        if r < 1.0:
            phi[i] = _LAM
            dphi[i] = 0.0
            continue
        if r < _RE_LAM:  # Hagen-Poiseuille as darcy_friction has it
            phi[i] = (_LAM / r) * r
            dphi[i] = 0.0
            continue
        a = rel[i] / divisor
        b = _RE_COEF / r
        cb = _C * b
        start = lam_last[i] + dlam_last[i] * (r - re_last[i])
        # from the last λ, or (none yet, or moved out of range) Swamee & Jain
        if explicit or not start > 0.0:
            x = -2.0 * math.log10(a + 5.74 / r**0.9)
        else:
            x = 1.0 / math.sqrt(start)
        converged = explicit
        for _ in range(0 if explicit else _MAX_ITERATIONS):  # Halley (colebrook_with_derivative)
            arg = a + b * x
            f = x + _C * math.log(arg)
            cu = cb / arg
            fp = 1.0 + cu
            step = f / fp / (1.0 + f * cu * (b / arg) / (2.0 * fp * fp))
            x = x - step
            if not abs(step) > _STEP_RTOL * x:
                converged = True
                break
        if not converged:
            return i
        arg = a + b * x
        dx = (cb * x / (r * arg)) / (1.0 + cb / arg)
        lm = 1.0 / (x * x)
        dlm = -2.0 * lm / x * dx
        lam_last[i], dlam_last[i], re_last[i] = lm, dlm, r
        dp = lm + r * dlm
        if r < _RE_TURB:  # the critical zone's blend
            phi_c = r * lm
            w = (r - _RE_LAM) / (_RE_TURB - _RE_LAM)
            lm = ((1.0 - w) * _LAM + w * phi_c) / r
            dp = (phi_c - _LAM) / (_RE_TURB - _RE_LAM) + w * dp
        phi[i] = lm * r
        dphi[i] = dp
    return -1


def _law(p1: FloatArray, p2: FloatArray, q: FloatArray, z: FloatArray, dz: FloatArray,
         tt: FloatArray, r_s: float, geometry: FloatArray, mu: FloatArray,
         d_over_a: FloatArray, le: FloatArray, phi: FloatArray, dphi: FloatArray,
         dpm1: FloatArray, dpm2: FloatArray, es: FloatArray, s: FloatArray, flat: bool,
         scale: float, r: FloatArray, j1: FloatArray, j2: FloatArray, jq: FloatArray
         ) -> None:
    """The pipe law of the network solver from φ (its ``_Physics.pipe_law`` in one pass):
    F = coef·φ·q with coef = Z·R_s·T·(geometry·μ)·L_e/L, r = p1² − e^s p2² − F and its
    derivatives in p1, p2 (through the mean pressure's Z, F ∝ Z, and e^s) and q, each
    times ``scale``, into ``r``, ``j1``, ``j2``, ``jq``; ``le``, ``es``, ``s`` unused if
    ``flat``. The operations in the numpy law's order: the same floats."""
    for i in range(q.size):
        qi = q[i]
        coef = z[i] * r_s * tt[i] * (geometry[i] * mu[i])
        if not flat:
            coef = coef * le[i]
        f = coef * phi[i] * qi
        dfdq = coef * (phi[i] + abs(qi) * dphi[i] * (d_over_a[i] / mu[i]))
        dfdz_dz = f / z[i] * dz[i]
        a, b = p1[i], p2[i]
        if flat:
            r[i] = (a * a - b * b - f) * scale
            j1[i] = (2.0 * a - dfdz_dz * dpm1[i]) * scale
            j2[i] = (-2.0 * b - dfdz_dz * dpm2[i]) * scale
        else:
            e = es[i]
            des = -s[i] * e / z[i] * dz[i] * b * b
            r[i] = (a * a - e * b * b - f) * scale
            j1[i] = (2.0 * a - dfdz_dz * dpm1[i] - des * dpm1[i]) * scale
            j2[i] = (-2.0 * e * b - dfdz_dz * dpm2[i] - des * dpm2[i]) * scale
        jq[i] = -dfdq * scale


def _mean_pressure(p1: FloatArray, p2: FloatArray, pm: FloatArray, dpm1: FloatArray,
                   dpm2: FloatArray) -> None:
    """A pipe's mean pressure pm = 2/3·(p1 + p2 − p1 p2/(p1 + p2)) and ∂pm/∂p1, ∂pm/∂p2."""
    for i in range(p1.size):
        a, b = p1[i], p2[i]
        t = a + b
        pm[i] = 2.0 / 3.0 * (t - a * b / t)
        dpm1[i] = 2.0 / 3.0 * (1.0 - b * b / (t * t))
        dpm2[i] = 2.0 / 3.0 * (1.0 - a * a / (t * t))


_PLAIN: Final = (_phi, _law, _mean_pressure)


@functools.cache
def _compiled() -> tuple[Callable[..., Any], ...]:
    import numba

    jit = numba.njit(cache=True, nogil=True)
    return tuple(jit(f) for f in _PLAIN)


def _kernels(compiled: bool) -> tuple[Callable[..., Any], ...]:
    return _compiled() if compiled and AVAILABLE else _PLAIN


def mean_pressure(p1: FloatArray, p2: FloatArray, compiled: bool = True
                  ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(pm, ∂pm/∂p1, ∂pm/∂p2) of pipes between pressures p1 and p2 (see :func:`_mean_pressure`)."""
    pm, dpm1, dpm2 = np.empty(p1.size), np.empty(p1.size), np.empty(p1.size)
    _kernels(compiled)[2](p1, p2, pm, dpm1, dpm2)
    return pm, dpm1, dpm2


def pipe_law(p1: FloatArray, p2: FloatArray, q: FloatArray, z: FloatArray, dz: FloatArray,
             tt: FloatArray, r_s: float, geometry: FloatArray, mu: FloatArray,
             d_over_a: FloatArray, phi: FloatArray, dphi: FloatArray, dpm1: FloatArray,
             dpm2: FloatArray, le: FloatArray | None, es: FloatArray | None,
             s: FloatArray | None, compiled: bool = True, scale: float = 1.0,
             out_r: FloatArray | None = None
             ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(r, ∂r/∂p1, ∂r/∂p2, ∂r/∂q) of the pipe law from φ, dφ/dRe, each times ``scale``
    (see :func:`_law`; ``le``, ``es``, ``s`` None for level pipes); r into ``out_r``
    if given."""
    n = q.size
    out = (np.empty(n) if out_r is None else out_r, np.empty(n), np.empty(n), np.empty(n))
    flat = le is None or es is None or s is None
    le_, es_, s_ = (q if v is None else v for v in (le, es, s))  # unused when flat
    _kernels(compiled)[1](p1, p2, q, z, dz, tt, float(r_s), geometry, mu, d_over_a, le_,
                          phi, dphi, dpm1, dpm2, es_, s_, flat, float(scale), *out)
    return out


def colebrook_phi(q: FloatArray, d_over_a: FloatArray, mu: FloatArray, rel: FloatArray,
                  divisor: float, lam_last: FloatArray, dlam_last: FloatArray,
                  re_last: FloatArray, compiled: bool = True, explicit: bool = False
                  ) -> tuple[FloatArray, FloatArray, int]:
    """(φ, dφ/dRe, −1 or the first pipe not converged) at Re = |q|·(D/A)/μ, made in the
    pass; updates the ``*_last`` arrays (``explicit``: Swamee & Jain's λ; see :func:`_phi`)."""
    phi = np.empty(q.size)
    dphi = np.empty(q.size)
    bad = int(_kernels(compiled)[0](q, d_over_a, mu, rel, divisor, lam_last, dlam_last,
                                    re_last, phi, dphi, explicit))
    return phi, dphi, bad
