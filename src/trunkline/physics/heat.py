"""Heat exchange between a buried pipeline and the ground."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError

__all__ = ["buried_pipe_heat_transfer_coefficient"]


def buried_pipe_heat_transfer_coefficient(
    soil_conductivity: npt.ArrayLike,
    axis_depth: npt.ArrayLike,
    outside_diameter: npt.ArrayLike,
    coating_resistance: npt.ArrayLike = 0.0,
) -> float | npt.NDArray[np.float64]:
    r"""Overall heat-transfer coefficient U [W/(m²·K)] of a buried pipe, on its outside area.

    Steady conduction from a horizontal cylinder of diameter D whose axis lies
    at depth z below an isothermal ground surface, through soil of
    conductivity k (conduction shape factor per unit length, Incropera &
    DeWitt, *Fundamentals of Heat and Mass Transfer*, 6th ed., table 4.1 case 2):

    .. math::

        S' = \frac{2\pi}{\cosh^{-1}(2z/D)}, \qquad
        q' = S' k\,(T - T_g) = U \pi D\,(T - T_g)
        \;\Rightarrow\; U_{soil} = \frac{2k}{D\cosh^{-1}(2z/D)}

    A coating (or insulation) resistance R_c [m²·K/W] on the outside area adds in
    series, :math:`1/U = 1/U_{soil} + R_c`. Film resistances inside the pipe are
    negligible for a gas trunkline (turbulent film coefficients ~1e2-1e3 W/(m²·K)).

    Validity: z > D/2 (cover above the pipe), homogeneous soil, steady state;
    T_g is the undisturbed ground temperature at the surface boundary (taken as
    the ground temperature at pipe depth by trunkline's scenarios).

    Args:
        soil_conductivity: k [W/(m·K)], > 0.
        axis_depth: depth of the pipe axis below ground, z [m] (cover + D/2).
        outside_diameter: D [m], > 0.
        coating_resistance: R_c [m²·K/W], >= 0.
    """
    k, z, d, rc = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        soil_conductivity, axis_depth, outside_diameter, coating_resistance)))
    for name, arr, ok in (("soil_conductivity", k, k > 0), ("outside_diameter", d, d > 0),
                          ("axis_depth", z, z > d / 2), ("coating_resistance", rc, rc >= 0)):
        if not np.all(ok):
            raise InputError("out of range", element="buried pipe", field=name,
                             value=float(np.ravel(arr)[np.argmin(np.ravel(ok))]),
                             expected="k > 0, D > 0, axis depth > D/2, R_c >= 0")
    u_soil = 2.0 * k / (d * np.arccosh(2.0 * z / d))
    u = 1.0 / (1.0 / u_soil + rc)
    return float(u) if u.ndim == 0 else u
