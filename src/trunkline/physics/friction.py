r"""Darcy friction factor :math:`\lambda` for pipe flow.

Every correlation is a small pure function of the Reynolds number
:math:`Re = \rho v D / \mu` [-] and the relative roughness :math:`\varepsilon/D` [-]
(roughness height over inner diameter). Inputs may be floats or numpy arrays
(broadcast together); a float is returned for scalar input, a ``float64`` array
otherwise.

The single-law functions (:func:`colebrook`, :func:`smooth_pipe`, :func:`von_karman`,
:func:`nikuradse_stanet`, :func:`hofer`) evaluate the turbulent correlation as
published. :func:`darcy_friction` is what a network model calls: it selects a law
from :data:`FRICTION_LAWS` by name and adds the laminar and critical-zone treatment
(see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.special import lambertw

from trunkline.errors import ConvergenceError, InputError

__all__ = [
    "COLEBROOK_RE_COEFFICIENT",
    "COLEBROOK_ROUGHNESS_DIVISOR",
    "FRICTION_LAWS",
    "HOFER_RE_COEFFICIENT",
    "HOFER_RE_DIVISOR",
    "LAMINAR_FRICTION_CONSTANT",
    "NIKURADSE_ROUGH_CONSTANT",
    "RE_FLOOR",
    "RE_LAMINAR_MAX",
    "RE_TURBULENT_MIN",
    "ROUGH_PIPE_ROUGHNESS_DIVISOR",
    "FloatOrArray",
    "FrictionLaw",
    "colebrook",
    "darcy_friction",
    "hofer",
    "nikuradse_stanet",
    "prandtl_colebrook",
    "smooth_pipe",
    "von_karman",
]

FloatOrArray: TypeAlias = float | npt.NDArray[np.float64]
"""A float for scalar input, a ``float64`` array otherwise."""

FrictionLaw: TypeAlias = Callable[[npt.ArrayLike, npt.ArrayLike], FloatOrArray]
"""Signature of a turbulent friction law: ``law(re, rel_roughness) -> lambda``."""

# --- constants ---------------------------------------------------------------------------

COLEBROOK_ROUGHNESS_DIVISOR: Final = 3.7
"""Divisor of :math:`\\varepsilon/D` in the Colebrook-White equation (Colebrook 1939)."""

COLEBROOK_RE_COEFFICIENT: Final = 2.51
"""Coefficient of :math:`1/(Re\\sqrt{\\lambda})` in the Colebrook-White equation
(Colebrook 1939)."""

ROUGH_PIPE_ROUGHNESS_DIVISOR: Final = 3.71
"""Divisor in the fully rough (von Kármán-Nikuradse) law
:math:`1/\\sqrt{\\lambda} = -2\\log_{10}(\\varepsilon/(3.71 D))`, the form of Rennels &
Hudson, *Pipe Flow* (Wiley, 2012), as used by the ``fluids`` library."""

NIKURADSE_ROUGH_CONSTANT: Final = 1.14
"""Additive constant of Nikuradse's rough-pipe law
:math:`1/\\sqrt{\\lambda} = 2\\log_{10}(D/k) + 1.14` (Nikuradse 1933, VDI-Forschungsheft
361; the form used by STANET and by pandapipes in gas mode)."""

HOFER_RE_COEFFICIENT: Final = 4.518
"""Coefficient of the Reynolds term in Hofer's explicit law (Hofer 1973; as quoted by
Koch et al. 2015, *Evaluating Gas Network Capacities*, SIAM, ch. 2)."""

HOFER_RE_DIVISOR: Final = 7.0
"""Divisor of :math:`Re` inside the inner logarithm of Hofer's explicit law (Hofer 1973;
Koch et al. 2015, ch. 2)."""

LAMINAR_FRICTION_CONSTANT: Final = 64.0
"""Hagen-Poiseuille law for fully developed laminar pipe flow, :math:`\\lambda = 64/Re`
(e.g. White, *Fluid Mechanics*, 7th ed., McGraw-Hill 2011, sect. 6.4)."""

RE_LAMINAR_MAX: Final = 2000.0
"""Upper end of the laminar region; start of the "critical zone" of Moody's chart
(Moody 1944, *Friction factors for pipe flow*, Trans. ASME 66, 671-684, Fig. 1)."""

RE_TURBULENT_MIN: Final = 4000.0
"""End of Moody's "critical zone", lower validity limit of the turbulent laws
(Moody 1944, Fig. 1)."""

RE_FLOOR: Final = 1.0
"""Numerical guard, not a physical constant: :func:`darcy_friction` evaluates the
laminar law at ``max(Re, RE_FLOOR)`` so that zero flow gives the finite value
:math:`\\lambda = 64` instead of infinity."""

_TWO_OVER_LN10: Final = 2.0 / np.log(10.0)
"""Turns :math:`2\\log_{10}x` into :math:`(2/\\ln 10)\\ln x` (definition of log10)."""

_LN_FLOAT_MAX: Final = float(np.log(np.finfo(np.float64).max))
"""Largest :math:`\\ln z` for which :math:`z` is representable; beyond it Lambert W is
evaluated in log space."""

_MAX_ITERATIONS: Final = 50
"""Cap on the (quadratically convergent) polishing iterations; 3-4 suffice in practice."""

_ITERATION_RTOL: Final = 4.0 * float(np.finfo(np.float64).eps)
"""Relative step size at which the polishing iterations stop (a few ulp)."""

_COLEBROOK_STEP_RTOL: Final = 5e-6
"""Relative Halley step after which :func:`colebrook_with_derivative` stops: the error
left, at most (c/3 + c²/4)·h³ for a step h·x (c = 2/ln 10, x = 1/√λ ≥ 1), is then
below 1e-16 (see the function's docstring)."""


# --- helpers -----------------------------------------------------------------------------


def _array(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def _out(x: npt.NDArray[np.float64]) -> FloatOrArray:
    return float(x) if x.ndim == 0 else x


def _check(
    ok: npt.NDArray[np.bool_], element: str, field: str, value: object, expected: str
) -> None:
    """Raise :class:`InputError` unless every element of ``ok`` holds (NaN fails)."""
    if not bool(np.all(ok)):
        raise InputError("invalid argument", element=element, field=field, value=value,
                         expected=expected)


def _check_re(re: npt.NDArray[np.float64], element: str) -> None:
    _check(re > 0.0, element, "re", re, "Reynolds number > 0")


def _check_roughness(rel: npt.NDArray[np.float64], element: str, *, strict: bool) -> None:
    if strict:
        _check(rel > 0.0, element, "rel_roughness", rel, "relative roughness > 0")
    else:
        _check(rel >= 0.0, element, "rel_roughness", rel, "relative roughness >= 0")


def _solve_w_plus_ln_w(ln_z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Principal Lambert W of :math:`z = e^{L}` for huge :math:`L` (solves w + ln w = L)."""
    w = ln_z - np.log(ln_z)  # leading terms of the asymptotic series of W(e^L)
    for _ in range(_MAX_ITERATIONS):
        step = (w + np.log(w) - ln_z) / (1.0 + 1.0 / w)
        w = w - step
        if bool(np.all(np.abs(step) <= _ITERATION_RTOL * np.abs(w))):
            return w
    raise ConvergenceError("Lambert W in log space", iterations=_MAX_ITERATIONS,
                           residual=float(np.max(np.abs(w + np.log(w) - ln_z))))


# --- turbulent laws ----------------------------------------------------------------------


def _colebrook_solve(re: npt.ArrayLike, rel_roughness: npt.ArrayLike, divisor: float,
                     element: str) -> FloatOrArray:
    """Solve 1/√λ = −2·log10(ε/(divisor·D) + 2.51/(Re·√λ)) exactly (see :func:`colebrook`)."""
    re_a, rel_a = np.broadcast_arrays(_array(re), _array(rel_roughness))
    _check_re(re_a, element)
    _check_roughness(rel_a, element, strict=False)

    c = _TWO_OVER_LN10
    a = rel_a / divisor
    b = COLEBROOK_RE_COEFFICIENT / re_a
    ln_z = a / (b * c) - np.log(b * c)

    w = np.empty_like(ln_z)
    direct = ln_z < _LN_FLOAT_MAX
    w[direct] = lambertw(np.exp(ln_z[direct])).real
    w[~direct] = _solve_w_plus_ln_w(ln_z[~direct])
    x = c * w - a / b

    for _ in range(_MAX_ITERATIONS):
        inner = a + b * x
        step = (x + c * np.log(inner)) / (1.0 + c * b / inner)
        x = x - step
        if bool(np.all(np.abs(step) <= _ITERATION_RTOL * np.abs(x))):
            break
    else:
        raise ConvergenceError("Colebrook polishing", iterations=_MAX_ITERATIONS,
                               residual=float(np.max(np.abs(step))))
    return _out(1.0 / (x * x))


def colebrook(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    r"""Darcy friction factor from the Colebrook-White equation, solved exactly.

    .. math::
        \frac{1}{\sqrt{\lambda}} = -2\log_{10}\left(\frac{\varepsilon/D}{3.7}
        + \frac{2.51}{Re\sqrt{\lambda}}\right)

    With :math:`x = 1/\sqrt{\lambda}`, :math:`a = (\varepsilon/D)/3.7`,
    :math:`b = 2.51/Re` and :math:`c = 2/\ln 10` the equation reads
    :math:`x = -c\ln(a + bx)`, whose explicit solution is

    .. math::
        x = c\,W_0(z) - \frac{a}{b}, \qquad
        z = \frac{1}{bc}\exp\left(\frac{a}{bc}\right)

    with :math:`W_0` the principal branch of the Lambert W function
    (``scipy.special.lambertw``). Where :math:`z` would overflow (very large
    :math:`Re\,\varepsilon/D`) :math:`W_0` is found from :math:`w + \ln w = \ln z` by
    Newton's method. Because :math:`cW_0 - a/b` cancels digits in the fully rough
    region, the result is polished by Newton iteration on the Colebrook residual
    until the step is a few ulp, so the equation holds to machine precision.

    Source: C. F. Colebrook, "Turbulent flow in pipes, with particular reference to
    the transition region between the smooth and rough pipe laws", *J. Inst. Civil
    Eng.* 11(4), 133-156 (1939). Lambert-W solution: D. Clamond, "Efficient
    resolution of the Colebrook equation", *Ind. Eng. Chem. Res.* 48, 3665-3671
    (2009), and references therein.

    Validity: turbulent flow, :math:`4000 \le Re \le 10^8` and
    :math:`0 \le \varepsilon/D \le 0.05` (range of Moody's chart). The function solves
    the equation for any :math:`Re > 0`; use :func:`darcy_friction` for laminar and
    critical-zone flow.

    Parameters
    ----------
    re : array_like
        Reynolds number [-], > 0.
    rel_roughness : array_like
        Relative roughness :math:`\varepsilon/D` [-], >= 0.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    return _colebrook_solve(re, rel_roughness, COLEBROOK_ROUGHNESS_DIVISOR, "colebrook")


def prandtl_colebrook(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    r"""Colebrook-White in the form with 3.71 (Prandtl-Colebrook), solved exactly.

    .. math::
        \frac{1}{\sqrt{\lambda}} = -2\log_{10}\left(\frac{\varepsilon/D}{3.71}
        + \frac{2.51}{Re\sqrt{\lambda}}\right)

    The form of the German gas codes (DVGW worksheet GW 303-1) used by STANET
    and by pandapipes (``colebrook`` in pandapipes' friction model, checked
    against STANET); it differs from :func:`colebrook` only in the roughness
    divisor (3.71 instead of 3.7), lowering λ by up to ~0.1 % in rough flow.
    Solved as :func:`colebrook`; same validity.
    """
    return _colebrook_solve(re, rel_roughness, ROUGH_PIPE_ROUGHNESS_DIVISOR,
                            "prandtl_colebrook")


def smooth_pipe(re: npt.ArrayLike) -> FloatOrArray:
    r"""Darcy friction factor of a hydraulically smooth pipe (Prandtl-von Kármán).

    .. math::
        \frac{1}{\sqrt{\lambda}} = -2\log_{10}\left(\frac{2.51}{Re\sqrt{\lambda}}\right)

    This is :func:`colebrook` with :math:`\varepsilon/D = 0`; its exact solution is
    :math:`1/\sqrt{\lambda} = c\,W_0(1/(bc))` with :math:`b = 2.51/Re`,
    :math:`c = 2/\ln 10`.

    Source: L. Prandtl (1935) / Th. von Kármán (1930) smooth-pipe law in the
    coefficients of Colebrook (1939), *J. Inst. Civil Eng.* 11(4), 133-156.

    Validity: turbulent flow in smooth pipes, :math:`4000 \le Re \le 10^8`.

    Parameters
    ----------
    re : array_like
        Reynolds number [-], > 0.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    return colebrook(re, 0.0)


def von_karman(rel_roughness: npt.ArrayLike) -> FloatOrArray:
    r"""Darcy friction factor of a fully rough pipe (von Kármán-Nikuradse).

    .. math::
        \frac{1}{\sqrt{\lambda}} = -2\log_{10}\left(\frac{\varepsilon/D}{3.71}\right)

    Independent of :math:`Re`: the limit reached in the "complete turbulence" region
    of Moody's chart. Note the divisor 3.71 (Rennels & Hudson), which is
    :math:`2\log_{10}3.71 \approx 1.14`, Nikuradse's constant; the
    :math:`Re\to\infty` limit of :func:`colebrook` uses 3.7 and is 0.05 % higher.

    Source: D. C. Rennels, H. M. Hudson, *Pipe Flow: A Practical and Comprehensive
    Guide*, Wiley (2012); J. Nikuradse, "Strömungsgesetze in rauhen Rohren",
    VDI-Forschungsheft 361 (1933).

    Validity: the "complete turbulence" region of Moody's chart, right of its dashed
    boundary :math:`Re\,(\varepsilon/D)\sqrt{\lambda} \approx 200` (Moody 1944,
    Fig. 1); :math:`0 < \varepsilon/D \le 0.05`.

    Parameters
    ----------
    rel_roughness : array_like
        Relative roughness :math:`\varepsilon/D` [-], > 0.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    rel_a = _array(rel_roughness)
    _check_roughness(rel_a, "von_karman", strict=True)
    x = 2.0 * np.log10(ROUGH_PIPE_ROUGHNESS_DIVISOR / rel_a)
    return _out(1.0 / (x * x))


def nikuradse_stanet(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    r"""Laminar term plus Nikuradse rough-pipe law, as used by STANET and pandapipes.

    .. math::
        \lambda = \frac{64}{Re} + \left(2\log_{10}\frac{D}{k} + 1.14\right)^{-2}

    The sum is a pragmatic single expression for all regimes used in gas network
    software; it is not a fit of measured data in the transition region.

    Source: J. Nikuradse, "Strömungsgesetze in rauhen Rohren", VDI-Forschungsheft 361
    (1933) for the rough law; the sum with the Hagen-Poiseuille term is the form of
    the STANET network software as implemented in pandapipes
    (``pandapipes.pf.derivative_toolbox``, gas mode) and checked against STANET in
    pandapipes' STANET comparison tests.

    Validity: rough turbulent flow; :math:`0 < k/D \le 0.05`.

    Parameters
    ----------
    re : array_like
        Reynolds number [-], > 0.
    rel_roughness : array_like
        Relative roughness :math:`k/D` [-], > 0.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    re_a, rel_a = np.broadcast_arrays(_array(re), _array(rel_roughness))
    _check_re(re_a, "nikuradse_stanet")
    _check_roughness(rel_a, "nikuradse_stanet", strict=True)
    rough = 2.0 * np.log10(1.0 / rel_a) + NIKURADSE_ROUGH_CONSTANT
    return _out(LAMINAR_FRICTION_CONSTANT / re_a + 1.0 / (rough * rough))


def hofer(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    r"""Hofer's explicit approximation of the Colebrook-White equation.

    .. math::
        \lambda = \left(2\log_{10}\left(\frac{4.518}{Re}\log_{10}\frac{Re}{7}
        + \frac{k}{3.71\,D}\right)\right)^{-2}

    Source: P. Hofer (1973), *GWF Gas/Erdgas*, as quoted and used for the GasLib
    instances in T. Koch, B. Hiller, M. E. Pfetsch, L. Schewe (eds.), *Evaluating Gas
    Network Capacities*, SIAM (2015), ch. 2.

    Validity: turbulent flow, :math:`Re \ge 4000`, :math:`0 \le k/D \le 0.05`.
    The logarithm's argument must be positive (always the case for
    :math:`Re > 7`).

    Parameters
    ----------
    re : array_like
        Reynolds number [-], > 0.
    rel_roughness : array_like
        Relative roughness :math:`k/D` [-], >= 0.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    re_a, rel_a = np.broadcast_arrays(_array(re), _array(rel_roughness))
    _check_re(re_a, "hofer")
    _check_roughness(rel_a, "hofer", strict=False)
    arg = (HOFER_RE_COEFFICIENT / re_a * np.log10(re_a / HOFER_RE_DIVISOR)
           + rel_a / ROUGH_PIPE_ROUGHNESS_DIVISOR)
    _check(arg > 0.0, "hofer", "re", re_a, "Reynolds number in the turbulent range (> 7)")
    x = 2.0 * np.log10(arg)
    return _out(1.0 / (x * x))


def _smooth_law(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    """:func:`smooth_pipe` with the registry signature (roughness only broadcast)."""
    re_a, _ = np.broadcast_arrays(_array(re), _array(rel_roughness))
    return smooth_pipe(re_a)


def _rough_law(re: npt.ArrayLike, rel_roughness: npt.ArrayLike) -> FloatOrArray:
    """:func:`von_karman` with the registry signature (Reynolds number only broadcast)."""
    _, rel_a = np.broadcast_arrays(_array(re), _array(rel_roughness))
    return von_karman(rel_a)


FRICTION_LAWS: Final[Mapping[str, FrictionLaw]] = MappingProxyType(
    {
        "colebrook": colebrook,
        "prandtl-colebrook": prandtl_colebrook,
        "nikuradse": nikuradse_stanet,
        "hofer": hofer,
        "smooth": _smooth_law,
        "rough": _rough_law,
    }
)
"""Turbulent friction laws by name, each called as ``law(re, rel_roughness)``."""


def darcy_friction(
    re: npt.ArrayLike, rel_roughness: npt.ArrayLike, law: str = "colebrook"
) -> FloatOrArray:
    r"""Darcy friction factor for any flow regime, with a named turbulent law.

    .. math::
        \lambda = \begin{cases}
            64/\max(Re, 1) & Re < 2000 \\
            (1-w)\,64/Re + w\,\lambda_\mathrm{law}(Re, \varepsilon/D),\;
            w = \dfrac{Re - 2000}{4000 - 2000} & 2000 \le Re < 4000 \\
            \lambda_\mathrm{law}(Re, \varepsilon/D) & Re \ge 4000
        \end{cases}

    Decisions:

    * Laminar flow (:math:`Re < 2000`, the laminar region of Moody's chart) uses the
      Hagen-Poiseuille law :math:`64/Re` whatever ``law`` is.
    * Moody's "critical zone" :math:`2000 \le Re < 4000`, where no correlation is
      reliable, is bridged by a blend linear in :math:`Re` between the laminar and the
      turbulent law, so :math:`\lambda` is continuous in :math:`Re` (needed by
      Newton-type network solvers).
    * :math:`Re = 0` (no flow) is allowed: the laminar law is evaluated at
      :math:`\max(Re, 1)` (:data:`RE_FLOOR`), so the result is always finite
      (:math:`\lambda \le 64`). A caller that needs the exact zero-flow limit of the
      pressure drop should use :math:`\lambda\,Re = 64` directly.

    Sources: Moody, "Friction factors for pipe flow", *Trans. ASME* 66, 671-684
    (1944), Fig. 1 (regime limits); the turbulent laws as documented in
    :data:`FRICTION_LAWS`.

    Parameters
    ----------
    re : array_like
        Reynolds number [-], >= 0 (the magnitude; flow direction is the caller's).
    rel_roughness : array_like
        Relative roughness :math:`\varepsilon/D` [-], >= 0 (> 0 for the laws
        ``"nikuradse"`` and ``"rough"``).
    law : str
        Key of :data:`FRICTION_LAWS`: ``"colebrook"``, ``"nikuradse"``, ``"hofer"``,
        ``"smooth"`` or ``"rough"``.

    Returns
    -------
    float or ndarray
        Darcy friction factor :math:`\lambda` [-].
    """
    try:
        turbulent_law = FRICTION_LAWS[law]
    except KeyError:
        raise InputError("unknown friction law", element="darcy_friction", field="law",
                         value=law, expected="one of " + ", ".join(sorted(FRICTION_LAWS))
                         ) from None
    re_a, rel_a = np.broadcast_arrays(_array(re), _array(rel_roughness))
    _check(re_a >= 0.0, "darcy_friction", "re", re_a, "Reynolds number >= 0")
    _check_roughness(rel_a, "darcy_friction", strict=False)

    result = np.array(LAMINAR_FRICTION_CONSTANT / np.maximum(re_a, RE_FLOOR), dtype=np.float64)
    not_laminar = re_a >= RE_LAMINAR_MAX
    if bool(np.any(not_laminar)):
        re_t = re_a[not_laminar]
        lam_t = _array(turbulent_law(re_t, rel_a[not_laminar]))
        weight = np.clip((re_t - RE_LAMINAR_MAX) / (RE_TURBULENT_MIN - RE_LAMINAR_MAX),
                         0.0, 1.0)
        result[not_laminar] = (1.0 - weight) * result[not_laminar] + weight * lam_t
    return _out(result)


def _colebrook_halley(x: npt.NDArray[np.float64], a: npt.NDArray[np.float64],
                      b: npt.NDArray[np.float64], cb: npt.NDArray[np.float64]
                      ) -> npt.NDArray[np.float64]:
    """Halley's iteration of :func:`colebrook_with_derivative` from ``x`` = 1/√λ, on the
    entries not yet converged only (from a good start most converge in one step, a few
    far-moved ones take more)."""
    c = _TWO_OVER_LN10
    xa, aa, ba, cba = x, a, b, cb
    at: npt.NDArray[np.intp] | None = None
    for _ in range(_MAX_ITERATIONS):
        arg = aa + ba * xa
        f = xa + c * np.log(arg)
        cu = cba / arg
        fp = 1.0 + cu
        step = f / fp / (1.0 + f * cu * (ba / arg) / (2.0 * fp * fp))
        xa = xa - step
        going = np.abs(step) > _COLEBROOK_STEP_RTOL * xa
        if at is None:
            x = xa
        else:
            x[at] = xa
        if not going.any():
            return x
        at = np.flatnonzero(going) if at is None else at[going]
        xa, aa, ba, cba = xa[going], a[at], b[at], cb[at]
    raise ConvergenceError("Colebrook Halley", iterations=_MAX_ITERATIONS,
                           residual=float(np.max(np.abs(step))))


def colebrook_with_derivative(
    re: npt.NDArray[np.float64], rel_roughness: npt.NDArray[np.float64],
    divisor: float = COLEBROOK_ROUGHNESS_DIVISOR,
    start: npt.NDArray[np.float64] | None = None, iterate: bool = True,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    r"""Colebrook-White λ and dλ/dRe on arrays, by Halley's method (for solvers' Jacobians).

    With :math:`x = 1/\sqrt{\lambda}`, :math:`a = (\varepsilon/D)/d`,
    :math:`b = 2.51/Re` (d = 3.7, or 3.71 for the Prandtl-Colebrook form) and
    :math:`c = 2/\ln 10`:

    .. math::
        F(x) = x + c\ln(a + b x) = 0, \qquad
        \frac{dx}{dRe} = \frac{c\,x b / (Re\,(a + b x))}{1 + c\,b/(a + b x)},
        \qquad \frac{d\lambda}{dRe} = -\frac{2}{x^3}\frac{dx}{dRe}

    Halley's iteration (third order; Householder 1970), with :math:`u = b/(a + bx)`,
    :math:`F' = 1 + cu`, :math:`F'' = -cu^2`:
    :math:`x \leftarrow x - \frac{F/F'}{1 - F F''/(2F'^2)}`, starts from ``start``
    (friction factors of a nearby state, e.g. a solver's previous iterate; NaN entries
    and ``start=None`` from the Swamee & Jain (1976) explicit formula). It stops after
    the step that is at most :data:`_COLEBROOK_STEP_RTOL` (h = 5e-6) of x: the error
    left after a step e is :math:`K e^3` to leading order with
    :math:`K = |F'''/(6F') - (F''/(2F'))^2| \le c u^3/3 + c^2 u^4/4` and
    :math:`u \le 1/x`, so at most :math:`(c/3 + c^2/4)\,h^3 < 10^{-16}` for
    x ≥ 1 — machine precision without a further confirming step. From a nearby
    state that is one step (one logarithm) a pipe; from Swamee & Jain two. Same
    equation and validity as
    :func:`colebrook` (turbulent flow, Re >= 4000; it converges for any Re > 0); no
    argument checks (solver use).

    ``iterate=False`` skips Halley's steps (``start`` unused): Swamee & Jain's λ, within
    3 % of Colebrook's for 5·10³ ≤ Re ≤ 10⁸ and 10⁻⁶ ≤ ε/D ≤ 10⁻² (Swamee, P. K. & Jain,
    A. K., "Explicit equations for pipe-flow problems", J. Hydraulics Division ASCE
    102(5), 1976, 657–664; 2.7 % at most in the tests, near the low end of Re),
    with the implicit function's dλ/dRe at it — for a solver's start, which needs a
    resistance of the right size, not the exact law.
    """
    c = _TWO_OVER_LN10
    a = rel_roughness / divisor
    b = COLEBROOK_RE_COEFFICIENT / re
    cb = c * b
    if start is None or not iterate:
        x = -2.0 * np.log10(a + 5.74 / re**0.9)
    else:
        x = 1.0 / np.sqrt(start)
        cold = np.isnan(x)
        if bool(cold.any()):
            x[cold] = -2.0 * np.log10(a[cold] + 5.74 / re[cold] ** 0.9)
    if iterate:
        x = _colebrook_halley(x, a, b, cb)
    arg = a + b * x
    dx = (cb * x / (re * arg)) / (1.0 + cb / arg)
    lam = 1.0 / (x * x)
    return lam, -2.0 * lam / x * dx
