"""An ideal gas with constant heat capacity and viscosity, for comparisons.

Planning tools and published benchmark cases (STANET, pandapipes, textbook
flow equations) often take Z = 1 and a constant viscosity. :class:`IdealGas`
offers the same scalar interface as :class:`~trunkline.gas.GasSurrogate`
(``point``, ``density``, ``viscosity_at``…) so the same solvers run on it and
the cases can be reproduced exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.gas.eos import R_MOLAR

__all__ = ["IdealGas"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class IdealGas:
    """Ideal gas: p = ρ·R·T/M, constant c_p and μ, no Joule-Thomson effect.

    Attributes:
        molar_mass: [kg/mol]
        cp: isobaric heat capacity [J/(kg·K)]
        viscosity: dynamic viscosity [Pa·s]
        gas_constant: molar gas constant [J/(mol·K)] (CODATA 2018 by default)
    """

    molar_mass: float
    cp: float = 2200.0
    viscosity: float = 1.1e-5
    gas_constant: float = R_MOLAR

    def __post_init__(self) -> None:
        for name in ("molar_mass", "cp", "viscosity", "gas_constant"):
            v = getattr(self, name)
            if not v > 0:
                raise InputError("must be positive", element="IdealGas", field=name, value=v,
                                 expected="a value > 0")

    @classmethod
    def from_density(cls, density: float, pressure: float, temperature: float,
                     **kwargs: float) -> IdealGas:
        """The ideal gas whose density is ``density`` [kg/m³] at (p [Pa], T [K])."""
        gas_constant = kwargs.get("gas_constant", R_MOLAR)
        return cls(molar_mass=density * gas_constant * temperature / pressure, **kwargs)

    def point(self, p: float, t: float) -> tuple[float, float, float, float, float]:
        """Z = 1, ∂Z/∂p = ∂Z/∂T = 0, c_p, μ_JT = 0 (the surrogate's scalar interface)."""
        return 1.0, 0.0, 0.0, self.cp, 0.0

    def viscosity_at(self, t: float, density: float) -> float:
        """Constant viscosity [Pa·s]."""
        return self.viscosity

    def z(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        return np.ones(np.broadcast(np.asarray(p), np.asarray(t)).shape)

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """ρ = p·M/(R·T) [kg/m³]."""
        return np.asarray(p, dtype=float) * self.molar_mass / (
            self.gas_constant * np.asarray(t, dtype=float))
