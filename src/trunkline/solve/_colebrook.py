r"""Compiled friction of the steady network solver's Colebrook-family pipes (optional: numba).

One pass over the pipes gives what the solver's numpy pipe law computes in some thirty
array passes: φ = λ·Re and dφ/dRe in every regime — laminar (φ = 64), the critical
zone's blend of the laminar and turbulent laws, turbulent Colebrook-White by Newton
from the pipe's last λ moved along its dλ/dRe (see
:func:`trunkline.physics.friction.colebrook_with_derivative`, whose iteration and
stopping rule it repeats element by element). Compiled with numba when it is installed
(the ``fast`` extra; see :mod:`._sparse_lu`); the plain function runs uncompiled too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from trunkline.physics.friction import (
    COLEBROOK_RE_COEFFICIENT,
    LAMINAR_FRICTION_CONSTANT,
    RE_LAMINAR_MAX,
    RE_TURBULENT_MIN,
)
from trunkline.solve._sparse_lu import AVAILABLE

__all__ = ["AVAILABLE", "colebrook_phi"]

FloatArray = npt.NDArray[np.float64]

_C = 2.0 / math.log(10.0)
_STEP_RTOL = 1e-8  # as the numpy solver's (friction._COLEBROOK_STEP_RTOL)
_MAX_ITERATIONS = 50
_LAM = LAMINAR_FRICTION_CONSTANT
_RE_LAM, _RE_TURB = RE_LAMINAR_MAX, RE_TURBULENT_MIN
_RE_COEF = COLEBROOK_RE_COEFFICIENT


def _phi(re: FloatArray, rel: FloatArray, divisor: float, lam_last: FloatArray,
         dlam_last: FloatArray, re_last: FloatArray, phi: FloatArray,
         dphi: FloatArray) -> int:
    """φ and dφ/dRe of every pipe into ``phi``, ``dphi``; the turbulent λ, dλ/dRe and Re
    into the ``*_last`` arrays. Returns −1, or the index of a pipe whose Newton solve
    did not converge."""
    for i in range(re.size):
        r = re[i]
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
        x = 1.0 / math.sqrt(start) if start > 0.0 else -2.0 * math.log10(a + 5.74 / r**0.9)
        converged = False
        for _ in range(_MAX_ITERATIONS):
            arg = a + b * x
            step = (x + _C * math.log(arg)) / (1.0 + cb / arg)
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


@functools.cache
def _compiled() -> Callable[..., Any]:
    import numba

    compiled: Callable[..., Any] = numba.njit(cache=True, nogil=True)(_phi)
    return compiled


def colebrook_phi(re: FloatArray, rel: FloatArray, divisor: float, lam_last: FloatArray,
                  dlam_last: FloatArray, re_last: FloatArray, compiled: bool = True
                  ) -> tuple[FloatArray, FloatArray, int]:
    """(φ, dφ/dRe, −1 or the first pipe not converged); updates the ``*_last`` arrays."""
    kernel: Callable[..., Any] = _compiled() if compiled and AVAILABLE else _phi
    phi = np.empty(re.size)
    dphi = np.empty(re.size)
    bad = int(kernel(re, rel, divisor, lam_last, dlam_last, re_last, phi, dphi))
    return phi, dphi, bad
