"""A small adaptive Runge-Kutta integrator for marching along a pipeline.

Dormand & Prince (1980), "A family of embedded Runge-Kutta formulae",
J. Comput. Appl. Math. 6(1):19-26: the 5(4) pair with FSAL, local
extrapolation, and the standard step-size controller (Hairer, Nørsett & Wanner,
*Solving ODEs I*, 2nd ed., section II.4, eqs. 4.10-4.13). The local error of
each accepted step satisfies ``|err_i| <= atol_i + rtol·|y_i|``.

A terminal event ``g(y) = 0`` (e.g. pressure reaching a station's minimum
suction pressure) is located to ``event_tol`` by the secant/bisection
(Illinois) method on the step length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trunkline.errors import ConvergenceError

__all__ = ["March", "dopri45"]

FloatArray = npt.NDArray[np.float64]
Rhs = Callable[[float, FloatArray], FloatArray]

# Dormand-Prince 5(4) tableau.
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_E = _B - np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200,
                    187 / 2100, 1 / 40])


@dataclass(frozen=True)
class March:
    """Result of :func:`dopri45`: accepted points and whether an event stopped it."""

    x: FloatArray
    y: FloatArray  # shape (n_points, n_state)
    event: bool
    steps: int
    rejected: int


#: The tableau's A as a lower-triangular matrix (row i: the weights of stages 0..i-1).
_A_MAT = np.zeros((7, 7))
for _i, _row in enumerate(_A):
    _A_MAT[_i, :len(_row)] = _row


def _step(f: Rhs, x: float, y: FloatArray, h: float, k0: FloatArray
          ) -> tuple[FloatArray, FloatArray, FloatArray]:
    ks = np.empty((7, y.size))
    ks[0] = k0
    for i in range(1, 7):  # each stage's combination as one small product
        ks[i] = f(x + _C[i] * h, y + h * (_A_MAT[i, :i] @ ks[:i]))
    y_new = y + h * (_B @ ks)
    err = h * (_E @ ks)
    return y_new, err, ks[6]


def dopri45(
    f: Rhs,
    x0: float,
    y0: FloatArray,
    x1: float,
    *,
    rtol: float,
    atol: FloatArray,
    h0: float,
    max_step: float = np.inf,
    event: Callable[[FloatArray], float] | None = None,
    event_tol: float = 1e-3,
    max_steps: int = 100_000,
) -> March:
    """Integrate y' = f(x, y) from x0 to x1 (> x0) with error control.

    Stops early, at the event's root, when ``event(y)`` changes sign from
    positive to non-positive. Raises :class:`ConvergenceError` when the step
    size underflows or ``max_steps`` is exceeded (never a silent result).
    """
    xs = [x0]
    ys = [np.array(y0, dtype=float)]
    x, y = x0, ys[0]
    k0 = f(x, y)
    h = min(h0, max_step, x1 - x0)
    steps = rejected = 0
    g_prev = event(y) if event is not None else 1.0
    while x < x1:
        if steps + rejected > max_steps or h < 1e-9 * max(1.0, abs(x1)):
            raise ConvergenceError("pipeline march (Dormand-Prince 5(4))",
                                   iterations=steps + rejected,
                                   residual=float(h), worst={"chainage": x})
        h = min(h, x1 - x)
        y_new, err, k_last = _step(f, x, y, h, k0)
        scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
        en = float(np.sqrt(np.mean((err / scale) ** 2)))
        if not np.isfinite(en) or en > 1.0:
            rejected += 1
            fac = 0.2 if not np.isfinite(en) else max(0.2, 0.9 * en ** -0.2)
            h *= fac
            continue
        if event is not None:
            g_new = event(y_new)
            if g_prev > 0.0 >= g_new:
                xe, ye = _locate_event(f, event, x, y, k0, h, g_prev, g_new, event_tol)
                xs.append(xe)
                ys.append(ye)
                return March(np.array(xs), np.array(ys), True, steps + 1, rejected)
            g_prev = g_new
        steps += 1
        x = x + h if x + h < x1 else x1
        y, k0 = y_new, k_last
        xs.append(x)
        ys.append(y)
        fac = 5.0 if en == 0.0 else min(5.0, max(0.2, 0.9 * en ** -0.2))
        h = min(h * fac, max_step)
    return March(np.array(xs), np.array(ys), False, steps, rejected)


def _locate_event(f: Rhs, event: Callable[[FloatArray], float], x: float, y: FloatArray,
                  k0: FloatArray, h: float, g0: float, g1: float, tol: float
                  ) -> tuple[float, FloatArray]:
    """Find the step length where the event crosses zero (Illinois false position)."""
    a, b, ga, gb = 0.0, h, g0, g1
    side = 0
    yb = y
    for _ in range(60):
        s = b - gb * (b - a) / (gb - ga) if gb != ga else 0.5 * (a + b)
        if not a < s < b:
            s = 0.5 * (a + b)
        ys, _, _ = _step(f, x, y, s, k0)
        gs = event(ys)
        if gs > 0.0:
            a, ga = s, gs
            if side == -1:
                gb *= 0.5
            side = -1
        else:
            b, gb, yb = s, gs, ys
            if side == 1:
                ga *= 0.5
            side = 1
        if b - a <= tol:
            break
    if b == h:
        yb, _, _ = _step(f, x, y, b, k0)
    return x + b, yb
