"""Reference equations of state through the maintained ``pyaga8`` package.

Two equations are offered, both evaluated by ``pyaga8`` (Rust port of the NIST
AGA8 code, usnistgov/AGA8); trunkline never re-implements them:

* ``"gerg2008"``: Kunz & Wagner (2012), *The GERG-2008 wide-range equation of
  state for natural gases and other mixtures*, J. Chem. Eng. Data 57:3032-3091;
  also ISO 20765-2. Normal range 90-450 K, up to 35 MPa (uncertainty in
  density 0.1 % for natural gases in the pipeline region).
* ``"detail"``: AGA Report No. 8 Part 1 (2017), DETAIL characterisation
  (= ISO 12213-2 AGA8-DC92). Normal range 250-350 K (Z uncertainty 0.1 %) up to
  12 MPa; extended range 143-673 K up to 280 MPa with larger uncertainty.

:func:`evaluate` returns every property of a set of states in one pass,
converted from pyaga8's units (kPa, mol/l, J/mol) to SI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pyaga8

from trunkline.errors import InputError, OutOfRangeError
from trunkline.gas.components import COMPONENTS

__all__ = [
    "EOS_GAS_CONSTANT", "EOS_NAMES", "EosName", "ReferenceEos", "StateProperties", "evaluate",
]

EosName = Literal["gerg2008", "detail"]
EOS_NAMES: Final[tuple[str, ...]] = ("gerg2008", "detail")

#: Molar gas constant R [J/(mol·K)], CODATA 2018 exact value.
R_MOLAR: Final = 8.314462618

#: Gas constant each equation was fitted with [J/(mol·K)]: GERG-2008 uses
#: 8.314472 (Kunz & Wagner 2012, sect. 4.1); the DETAIL code of pyaga8 (NIST
#: AGA8 port) uses 8.31451 (AGA Report No. 8, 1994). Densities computed from Z
#: must use the same value to stay consistent with the EOS (1e-6 relative).
EOS_GAS_CONSTANT: Final = {"gerg2008": 8.314472, "detail": 8.31451}

_AGA8_BY_NAME: Final = {c.name: c.aga8 for c in COMPONENTS}


@dataclass(frozen=True, slots=True)
class StateProperties:
    """Properties of a set of states, SI, arrays of the broadcast shape of (p, T).

    Attributes:
        z: compressibility factor [-]
        density: mass density [kg/m³]
        cp: isobaric heat capacity [J/(kg·K)]
        cv: isochoric heat capacity [J/(kg·K)]
        speed_of_sound: [m/s]
        joule_thomson: Joule-Thomson coefficient (∂T/∂p)_h [K/Pa]
        isentropic_exponent: κ = -(v/p)(∂p/∂v)_s [-]
        enthalpy: specific enthalpy [J/kg] (EOS reference state)
        entropy: specific entropy [J/(kg·K)] (EOS reference state)
    """

    z: npt.NDArray[np.float64]
    density: npt.NDArray[np.float64]
    cp: npt.NDArray[np.float64]
    cv: npt.NDArray[np.float64]
    speed_of_sound: npt.NDArray[np.float64]
    joule_thomson: npt.NDArray[np.float64]
    isentropic_exponent: npt.NDArray[np.float64]
    enthalpy: npt.NDArray[np.float64]
    entropy: npt.NDArray[np.float64]


class ReferenceEos:
    """A pyaga8 equation-of-state object bound to one composition.

    Not thread-safe (pyaga8 keeps the state on the object); each
    :class:`trunkline.gas.Gas` holds its own.
    """

    def __init__(self, composition: Mapping[str, float], eos: str = "gerg2008") -> None:
        if eos not in EOS_NAMES:
            raise InputError("unknown equation of state", element="gas", field="eos",
                             value=eos, expected=" or ".join(repr(n) for n in EOS_NAMES))
        self.name: EosName = "gerg2008" if eos == "gerg2008" else "detail"
        comp = pyaga8.Composition()
        for name, x in composition.items():
            setattr(comp, _AGA8_BY_NAME[name], float(x))
        self._eos = pyaga8.Gerg2008() if self.name == "gerg2008" else pyaga8.Detail()
        self._eos.set_composition(comp)
        self._eos.temperature = 300.0
        self._eos.pressure = 101.325
        self._eos.calc_molar_mass()
        #: molar mass [kg/mol]
        self.molar_mass: float = float(self._eos.mm) * 1e-3
        #: the gas constant of this equation [J/(mol·K)]
        self.gas_constant: float = EOS_GAS_CONSTANT[self.name]

    def _density(self) -> None:
        if self.name == "gerg2008":
            self._eos.calc_density(0)
        else:
            self._eos.calc_density()

    def state(self, p: float, t: float) -> tuple[float, ...]:
        """One state: (z, ρ, cp, cv, w, μ_JT, κ, h, s) in SI, see :class:`StateProperties`."""
        if not (p > 0.0 and t > 0.0):
            raise OutOfRangeError("pressure and temperature must be positive",
                                  element=f"eos {self.name}", field="state",
                                  value=(p, t), expected="p > 0 Pa and T > 0 K")
        eos = self._eos
        eos.pressure = p * 1e-3
        eos.temperature = t
        try:
            self._density()
            eos.calc_properties()
        except (RuntimeError, ValueError) as exc:
            raise OutOfRangeError(f"{self.name} failed at this state ({exc})",
                                  element=f"eos {self.name}", field="state",
                                  value=(p, t), expected="a single-phase gas state") from None
        m = self.molar_mass
        return (
            float(eos.z),
            float(eos.d) * 1e3 * m,
            float(eos.cp) / m,
            float(eos.cv) / m,
            float(eos.w),
            float(eos.jt) * 1e-3,
            float(eos.kappa),
            float(eos.h) / m,
            float(eos.s) / m,
        )

    def z_only(self, p: float, t: float) -> float:
        """Compressibility factor only (density solve without the other properties)."""
        eos = self._eos
        eos.pressure = p * 1e-3
        eos.temperature = t
        try:
            self._density()
        except (RuntimeError, ValueError) as exc:
            raise OutOfRangeError(f"{self.name} failed at this state ({exc})",
                                  element=f"eos {self.name}", field="state",
                                  value=(p, t), expected="a single-phase gas state") from None
        eos.calc_pressure()
        return float(eos.z)


def evaluate(eos: ReferenceEos, p: npt.ArrayLike, t: npt.ArrayLike) -> StateProperties:
    """Evaluate every property at each (p [Pa], T [K]) by the reference EOS.

    Cost is about 3 µs (DETAIL) to 9 µs (GERG-2008) per state; use
    :class:`trunkline.gas.surrogate.GasSurrogate` in hot loops.
    """
    pb, tb = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(t, dtype=float))
    flat_p, flat_t = pb.ravel(), tb.ravel()
    out = np.empty((9, flat_p.size))
    for i in range(flat_p.size):
        out[:, i] = eos.state(float(flat_p[i]), float(flat_t[i]))
    shape = pb.shape
    return StateProperties(*(row.reshape(shape) for row in out))
