"""Scalar fast paths of correlations called inside marching loops.

A march along a pipeline evaluates friction once per
right-hand-side call, one state at a time; numpy's per-call overhead (tens of
µs) would then dominate. These functions evaluate the *same* correlations as
their vectorised, validated counterparts with plain ``math`` on floats, without
argument checks (the caller guarantees valid states). ``tests/physics/test_fastpath.py``
checks that each agrees with its counterpart to 1e-12 relative.

* :func:`darcy_friction_scalar` ↔ :func:`trunkline.physics.friction.darcy_friction`
  (laws "colebrook", "prandtl-colebrook", "nikuradse", "hofer"; other laws fall back
  to the vectorised one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from trunkline.physics import friction as _friction

__all__ = ["darcy_friction_scalar"]

_LN10: Final = math.log(10.0)


def _colebrook_divisor(re: float, rel: float, divisor: float) -> float:
    """Colebrook-White, 1/√λ = −2·log10(ε/(divisor·D) + 2.51/(Re·√λ)), Newton on 1/√λ."""
    a = rel / divisor
    b = _friction.COLEBROOK_RE_COEFFICIENT / re
    # start: Swamee & Jain (1976) explicit approximation
    x = -2.0 * math.log10(a + 5.74 / re**0.9)
    for _ in range(50):
        arg = a + b * x
        f = x + 2.0 * math.log10(arg)
        df = 1.0 + 2.0 * b / (arg * _LN10)
        dx = f / df
        x -= dx
        if abs(dx) <= 1e-15 * abs(x):
            break
    return 1.0 / (x * x)


def _colebrook(re: float, rel: float) -> float:
    return _colebrook_divisor(re, rel, _friction.COLEBROOK_ROUGHNESS_DIVISOR)


def _prandtl_colebrook(re: float, rel: float) -> float:
    return _colebrook_divisor(re, rel, _friction.ROUGH_PIPE_ROUGHNESS_DIVISOR)


def _nikuradse(re: float, rel: float) -> float:
    """STANET form λ = 64/Re + (2·log10(D/k) + 1.14)^−2."""
    return (_friction.LAMINAR_FRICTION_CONSTANT / re
            + (2.0 * math.log10(1.0 / rel) + _friction.NIKURADSE_ROUGH_CONSTANT) ** -2)


def _hofer(re: float, rel: float) -> float:
    """Hofer: λ = (2·log10(4.518/Re·log10(Re/7) + k/(3.71·D)))^−2."""
    return (2.0 * math.log10(_friction.HOFER_RE_COEFFICIENT / re
                             * math.log10(re / _friction.HOFER_RE_DIVISOR)
                             + rel / _friction.ROUGH_PIPE_ROUGHNESS_DIVISOR)) ** -2


_TURBULENT: Final[dict[str, Callable[[float, float], float]]] = {
    "colebrook": _colebrook,
    "prandtl-colebrook": _prandtl_colebrook,
    "nikuradse": _nikuradse,
    "hofer": _hofer,
}


def darcy_friction_scalar(re: float, rel_roughness: float, law: str = "colebrook") -> float:
    """Darcy friction factor of one state, with the regimes of ``darcy_friction``.

    Laminar 64/Re below Re 2000, a linear blend to the turbulent law up to 4000.
    """
    turb = _TURBULENT.get(law)
    if turb is None:
        return float(_friction.darcy_friction(re, rel_roughness, law=law))
    lo, hi = _friction.RE_LAMINAR_MAX, _friction.RE_TURBULENT_MIN
    if re >= hi:
        return turb(re, rel_roughness)
    lam = _friction.LAMINAR_FRICTION_CONSTANT / max(re, _friction.RE_FLOOR)
    if re < lo:
        return lam
    w = (re - lo) / (hi - lo)
    return (1.0 - w) * lam + w * turb(re, rel_roughness)
