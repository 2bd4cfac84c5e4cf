"""The :class:`Gas` object: a composition bound to a reference equation of state."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.gas import iso6976
from trunkline.gas.components import COMPONENTS, normalise_composition
from trunkline.gas.eos import ReferenceEos, StateProperties, evaluate
from trunkline.gas.surrogate import DEFAULT_ENVELOPE, Envelope, GasSurrogate
from trunkline.gas.viscosity import lee_gonzalez_eakin
from trunkline.units import (
    ReferenceCondition,
    StandardVolume,
    StandardVolumeFlow,
    convert_reference,
    get_reference,
    mass_to_volume,
    volume_to_energy,
    volume_to_mass,
)

__all__ = ["Gas"]

FloatArray = npt.NDArray[np.float64]
Value = float | FloatArray


def _out(a: FloatArray) -> Value:
    """Return a Python float for 0-d results, the array otherwise."""
    return float(a) if a.ndim == 0 else a


class Gas:
    """A natural gas of fixed composition with GERG-2008 or AGA8-DETAIL properties.

    Args:
        composition: mole fractions keyed by common name ("methane", "n-butane",
            "carbon dioxide"…), formula ("CH4", "n-C4H10", "CO2"…) or alias
            ("C1", "nC4"…). They must sum to 1 within 1e-4.
        eos: ``"gerg2008"`` (default; ISO 20765-2) or ``"detail"`` (AGA8-DETAIL,
            ISO 12213-2).

    Property methods take floats or numpy arrays of pressure p [Pa] and
    temperature T [K] and evaluate the reference EOS point by point (exact, a
    few µs a state). Solvers use :meth:`surrogate` instead.

    Example:
        >>> gas = Gas({"methane": 0.9, "ethane": 0.1})
        >>> round(gas.z(7e6, 288.15), 4)
        0.8441
    """

    def __init__(self, composition: Mapping[str, float], eos: str = "gerg2008") -> None:
        self._composition = normalise_composition(composition)
        self._eos = ReferenceEos(self._composition, eos)
        self._surrogates: dict[Envelope, GasSurrogate] = {}
        self._standard: dict[tuple[float, float], StateProperties] = {}

    # -- identity -----------------------------------------------------------
    @property
    def composition(self) -> dict[str, float]:
        """Normalised mole fractions keyed by canonical name (a copy)."""
        return dict(self._composition)

    @property
    def eos(self) -> str:
        """Name of the reference equation of state."""
        return self._eos.name

    @property
    def molar_mass(self) -> float:
        """Molar mass [kg/mol] (from the EOS' component table)."""
        return self._eos.molar_mass

    @property
    def specific_gas_constant(self) -> float:
        """R/M [J/(kg·K)] with the EOS' own gas constant."""
        return self._eos.gas_constant / self.molar_mass

    @cached_property
    def relative_density_ideal(self) -> float:
        """Ideal relative density M/M_air, M_air = 28.96546 g/mol (ISO 6976:2016)."""
        return self.molar_mass / iso6976.M_AIR

    @cached_property
    def carbon_per_mole(self) -> float:
        """Mean carbon atoms per molecule (mol C / mol gas), for CO2 from combustion."""
        by_name = {c.name: c for c in COMPONENTS}
        return sum(x * by_name[n].carbon for n, x in self._composition.items())

    def __repr__(self) -> str:
        main = ", ".join(f"{n}: {x:.4f}" for n, x in list(self._composition.items())[:4])
        return f"Gas({{{main}{', …' if len(self._composition) > 4 else ''}}}, eos={self.eos!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # pyaga8 objects do not pickle: rebuild from the composition.
        return (Gas, (self._composition, self.eos))

    # -- reference EOS ------------------------------------------------------
    def properties(self, p: npt.ArrayLike, t: npt.ArrayLike) -> StateProperties:
        """Every property at once from the reference EOS (see :class:`StateProperties`)."""
        return evaluate(self._eos, p, t)

    def z(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Compressibility factor Z = p/(ρ_molar·R·T) [-]."""
        return _out(self.properties(p, t).z)

    def density(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Mass density [kg/m³]."""
        return _out(self.properties(p, t).density)

    def cp(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Isobaric specific heat capacity [J/(kg·K)]."""
        return _out(self.properties(p, t).cp)

    def cv(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Isochoric specific heat capacity [J/(kg·K)]."""
        return _out(self.properties(p, t).cv)

    def speed_of_sound(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Speed of sound [m/s]."""
        return _out(self.properties(p, t).speed_of_sound)

    def joule_thomson(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Joule-Thomson coefficient (∂T/∂p)_h [K/Pa]."""
        return _out(self.properties(p, t).joule_thomson)

    def isentropic_exponent(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Isentropic exponent κ = (ρ/p)·w² [-]."""
        return _out(self.properties(p, t).isentropic_exponent)

    def enthalpy(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Specific enthalpy [J/kg] relative to the EOS reference state."""
        return _out(self.properties(p, t).enthalpy)

    def entropy(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Specific entropy [J/(kg·K)] relative to the EOS reference state."""
        return _out(self.properties(p, t).entropy)

    def viscosity(self, p: npt.ArrayLike, t: npt.ArrayLike) -> Value:
        """Dynamic viscosity [Pa·s], Lee-Gonzalez-Eakin (1966) with the EOS density.

        See :func:`trunkline.gas.viscosity.lee_gonzalez_eakin` for source and range.
        """
        ta = np.asarray(t, dtype=float)
        rho = np.asarray(self.properties(p, ta).density)
        return _out(np.asarray(lee_gonzalez_eakin(ta, rho, self.molar_mass), dtype=float))

    # -- standard conditions and calorific values ---------------------------
    def _at_standard(self, reference: str | ReferenceCondition) -> StateProperties:
        """The reference EOS at a reference condition (evaluated once per condition: a
        gas's composition never changes; solvers ask for it at every solve)."""
        ref = get_reference(reference)
        key = (ref.pressure, ref.temperature)
        state = self._standard.get(key)
        if state is None:
            state = self._standard[key] = self.properties(ref.pressure, ref.temperature)
        return state

    def standard_density(self, reference: str | ReferenceCondition = "RU") -> float:
        """Real-gas density at a named reference condition [kg/m³] (reference EOS)."""
        return float(self._at_standard(reference).density)

    def standard_z(self, reference: str | ReferenceCondition = "RU") -> float:
        """Compressibility factor at a named reference condition (reference EOS)."""
        return float(self._at_standard(reference).z)

    def gcv(self, reference: str | ReferenceCondition = "RU",
            combustion_temperature: float | None = None) -> float:
        """Real-gas volumetric gross calorific value [J/m³] per ISO 6976:2016.

        The metering reference is ``reference``; the combustion reference
        temperature defaults to
        :func:`trunkline.gas.iso6976.default_combustion_temperature` of it.
        """
        ref = get_reference(reference)
        t1 = combustion_temperature or iso6976.default_combustion_temperature(ref.temperature)
        return float(iso6976.volumetric_gcv(self._composition, t1, ref.temperature))

    def ncv(self, reference: str | ReferenceCondition = "RU",
            combustion_temperature: float | None = None) -> float:
        """Real-gas volumetric net calorific value [J/m³] per ISO 6976:2016."""
        ref = get_reference(reference)
        t1 = combustion_temperature or iso6976.default_combustion_temperature(ref.temperature)
        return float(iso6976.volumetric_ncv(self._composition, t1, ref.temperature))

    def gcv_mass(self, combustion_temperature: float = 298.15) -> float:
        """Mass-based gross calorific value [J/kg] per ISO 6976:2016."""
        return float(iso6976.mass_gcv(self._composition, combustion_temperature))

    def ncv_mass(self, combustion_temperature: float = 298.15) -> float:
        """Mass-based net calorific value [J/kg] per ISO 6976:2016 (used for fuel gas)."""
        return float(iso6976.mass_ncv(self._composition, combustion_temperature))

    # -- conversions at reference conditions ---------------------------------
    def mass_of(self, volume: StandardVolume | StandardVolumeFlow) -> float:
        """Mass [kg] (or mass flow [kg/s]) of a standard volume (flow), real-gas density."""
        return float(volume_to_mass(volume.value, self.standard_density(volume.reference)))

    def volume_of(self, mass: float, reference: str | ReferenceCondition = "RU"
                  ) -> StandardVolume:
        """Standard volume [m³ at ``reference``] of a mass [kg] (a flow: kg/s → m³/s)."""
        ref = get_reference(reference)
        return StandardVolume(float(mass_to_volume(mass, self.standard_density(ref))), ref)

    def energy_of(self, volume: StandardVolume | StandardVolumeFlow,
                  basis: str = "gcv") -> float:
        """Energy [J] (or power [W] for a flow) of a standard volume: GCV or NCV basis.

        Uses the real-gas volumetric calorific value at the volume's own reference
        (ISO 6976:2016), so no second reference conversion is involved.
        """
        if basis not in ("gcv", "ncv"):
            raise InputError("unknown calorific basis", element="energy_of", field="basis",
                             value=basis, expected="'gcv' or 'ncv'")
        cv = self.gcv(volume.reference) if basis == "gcv" else self.ncv(volume.reference)
        return float(volume_to_energy(volume.value, cv))

    def convert_volume(self, volume: StandardVolume, reference: str | ReferenceCondition
                       ) -> StandardVolume:
        """The same amount of gas as a volume at another reference (real-gas densities)."""
        ref = get_reference(reference)
        value = convert_reference(volume.value, self.standard_density(volume.reference),
                                  self.standard_density(ref))
        return StandardVolume(float(value), ref)

    # -- surrogate ----------------------------------------------------------
    def surrogate(self, envelope: Envelope = DEFAULT_ENVELOPE) -> GasSurrogate:
        """The fast tabulated surrogate over ``envelope`` (built once, then cached)."""
        sur = self._surrogates.get(envelope)
        if sur is None:
            sur = GasSurrogate(self._eos, envelope)
            self._surrogates[envelope] = sur
        return sur
