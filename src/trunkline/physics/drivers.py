r"""Compressor drivers: gas turbines burning line gas, and electric motors.

A driver turns fuel or electricity into the shaft power a compressor needs. Two
kinds are modelled, each a small frozen dataclass whose methods take the shaft
power [W] (a float, a numpy array or a casadi symbol: arithmetic only) and the
ambient air temperature [K]:

**Gas turbine** (:class:`GasTurbine`), rated at ISO 3977-2 standard reference
conditions (ISO 3977-2:1997, *Gas turbines — Procurement — Part 2: Standard
reference conditions and ratings*: 15 °C, 101.325 kPa, 60 % relative humidity;
docs/sources.md [S:iso-3977-2]):

* *ambient derating* — the power available falls as the inlet air warms (less
  dense air, less mass flow through the engine) and so does the full-load
  efficiency; linear about ISO, with the power capped on cold days (the engine's
  torque and speed limits):

  .. math::

      P_{av}(T_a) = P_r\,\min\left(r_{max},\; 1 - k_P\,(T_a - T_{ISO})\right),\qquad
      \eta_{fl}(T_a) = \eta_r\,\left(1 - k_\eta\,(T_a - T_{ISO})\right)

* *part load* — the fuel heat input is linear in the shaft power (the Willans
  line), with a no-load share :math:`a` of the full-load heat input:

  .. math::

      \dot Q_{fuel}(P) = \frac{P_{av}}{\eta_{fl}}\left(a + (1 - a)\,\frac{P}{P_{av}}\right),
      \qquad \eta(P) = \frac{P}{\dot Q_{fuel}(P)},\qquad
      \dot m_{fuel} = \frac{\dot Q_{fuel}}{\mathrm{NCV}}

  so the heat rate rises as the load :math:`L = P/P_{av}` falls,
  :math:`HR(L)/HR_{fl} = (a + (1 - a)L)/L`: with the default :math:`a = 0.25`,
  η(50 %) = 0.8 η_fl, a 25 % higher heat rate.

  Defaults (assumptions, typical of published curves of 16-32 MW two-shaft
  industrial and aero-derivative pipeline drivers; use the manufacturer's curves
  when known; [S:gt-part-load]): :math:`k_P = 0.007` /K, :math:`k_\eta = 0.0015` /K,
  :math:`r_{max} = 1.10`, :math:`a = 0.25`.

**Electric motor** (:class:`ElectricMotor`) with its variable-speed drive: no
ambient derating; losses split into a no-load part and a part growing with the
square of the load (copper losses),

.. math::

    P_{el}(P) = P + L_r\left(f_0 + (1 - f_0)\left(\frac{P}{P_r}\right)^2\right),\qquad
    L_r = P_r\left(\frac{1}{\eta_r} - 1\right)

(assumptions [S:electric-drive]: :math:`\eta_r = 0.96` for motor and converter
together, :math:`f_0 = 0.3`). Its CO2 is that of the grid: :math:`\dot m_{CO_2} = e_{grid}
P_{el}`, with the grid's emission factor (default 0.4 kg/kWh: an assumption of
the order of a gas- and coal-fired grid; set the factor of the grid that feeds
the station).

CO2 from burning line gas follows from its carbon content (complete combustion):
:func:`combustion_co2_per_kg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Protocol

from trunkline.errors import InputError

__all__ = [
    "ISO_AMBIENT_TEMPERATURE",
    "MOLAR_MASS_CO2",
    "Driver",
    "ElectricMotor",
    "GasTurbine",
    "combustion_co2_per_kg",
]

#: ISO 3977-2 standard reference ambient temperature [K] (15 °C).
ISO_AMBIENT_TEMPERATURE: Final = 288.15
#: Molar mass of CO2 [kg/mol] (ISO 6976:2016, table 1: 44.0095 g/mol).
MOLAR_MASS_CO2: Final = 0.0440095
_J_PER_KWH: Final = 3.6e6


def _check(element: str, field: str, value: float, ok: bool, expected: str) -> None:
    if not (math.isfinite(value) and ok):
        raise InputError("invalid driver parameter", element=element, field=field,
                         value=value, expected=expected)


class Driver(Protocol):
    """What a compressor station needs of a driver (one unit)."""

    rated_power: float

    def available_power(self, ambient_temperature: float = ...) -> float:
        """Largest shaft power [W] at the ambient temperature [K]."""
        ...

    def fuel(self, power: Any, ncv_mass: float, ambient_temperature: float = ...) -> Any:
        """Line-gas fuel [kg/s] for a shaft power [W] (0 for an electric motor)."""
        ...

    def electricity(self, power: Any, ambient_temperature: float = ...) -> Any:
        """Electric power drawn [W] for a shaft power [W] (0 for a gas turbine)."""
        ...

    def co2(self, power: Any, ncv_mass: float, co2_per_kg_fuel: float,
            ambient_temperature: float = ...) -> Any:
        """CO2 emitted [kg/s] for a shaft power [W]."""
        ...


@dataclass(frozen=True)
class GasTurbine:
    """A gas turbine driver burning line gas (see the module docstring for the laws).

    Attributes:
        rated_power: ISO shaft power [W].
        rated_efficiency: ISO full-load thermal efficiency on NCV [-].
        idle_fuel_fraction: Willans-line no-load heat input / full-load heat input [-].
        power_lapse: relative loss of available power per K above ISO [1/K].
        efficiency_lapse: relative loss of full-load efficiency per K above ISO [1/K].
        max_power_ratio: cap on available power / rated power on cold days [-].
    """

    rated_power: float
    rated_efficiency: float
    idle_fuel_fraction: float = 0.25
    power_lapse: float = 0.007
    efficiency_lapse: float = 0.0015
    max_power_ratio: float = 1.10

    def __post_init__(self) -> None:
        el = "gas turbine"
        _check(el, "rated_power", self.rated_power, self.rated_power > 0, "> 0 W")
        _check(el, "rated_efficiency", self.rated_efficiency,
               0 < self.rated_efficiency <= 1, "in (0, 1]")
        _check(el, "idle_fuel_fraction", self.idle_fuel_fraction,
               0 <= self.idle_fuel_fraction < 1, "in [0, 1)")
        _check(el, "power_lapse", self.power_lapse, 0 <= self.power_lapse < 0.05,
               "in [0, 0.05) 1/K")
        _check(el, "efficiency_lapse", self.efficiency_lapse,
               0 <= self.efficiency_lapse < 0.05, "in [0, 0.05) 1/K")
        _check(el, "max_power_ratio", self.max_power_ratio, self.max_power_ratio >= 1,
               ">= 1")

    def _ambient(self, t: float) -> None:
        _check("gas turbine", "ambient_temperature", t, 200.0 <= t <= 340.0,
               "an air temperature in [200, 340] K")

    def available_power(self, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> float:
        """P_av(T_a) [W]: the ISO rating derated (or, capped, uprated) for the ambient."""
        self._ambient(ambient_temperature)
        ratio = 1.0 - self.power_lapse * (ambient_temperature - ISO_AMBIENT_TEMPERATURE)
        return self.rated_power * min(self.max_power_ratio, ratio)

    def full_load_efficiency(self, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                             ) -> float:
        """η_fl(T_a): thermal efficiency at the available power [-]."""
        self._ambient(ambient_temperature)
        return self.rated_efficiency * (
            1.0 - self.efficiency_lapse * (ambient_temperature - ISO_AMBIENT_TEMPERATURE))

    def heat_input(self, power: Any, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                   ) -> Any:
        """Fuel heat input on NCV [W] at a shaft power [W] (Willans line)."""
        p_av = self.available_power(ambient_temperature)
        full = p_av / self.full_load_efficiency(ambient_temperature)
        a = self.idle_fuel_fraction
        return full * (a + (1.0 - a) * power / p_av)

    def efficiency(self, power: Any, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                   ) -> Any:
        """Part-load thermal efficiency P / Q_fuel [-] (0 at zero power)."""
        return power / self.heat_input(power, ambient_temperature)

    def fuel(self, power: Any, ncv_mass: float,
             ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> Any:
        """Fuel mass flow [kg/s] of one running unit at a shaft power [W]."""
        return self.heat_input(power, ambient_temperature) / ncv_mass

    def electricity(self, power: Any, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                    ) -> Any:
        """A gas turbine draws no electric power: 0 W."""
        return 0.0 * power

    def co2(self, power: Any, ncv_mass: float, co2_per_kg_fuel: float,
            ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> Any:
        """CO2 [kg/s] from burning the fuel of one running unit."""
        return self.fuel(power, ncv_mass, ambient_temperature) * co2_per_kg_fuel


@dataclass(frozen=True)
class ElectricMotor:
    """An electric motor with its variable-speed drive (see the module docstring).

    Attributes:
        rated_power: rated shaft power [W].
        rated_efficiency: shaft power / electric power at rated load [-].
        no_load_loss_fraction: share f0 of the rated losses independent of load [-].
        grid_emission_factor: CO2 per electric energy drawn [kg/J]
            (0.4 kg/kWh = 1.11e-7 kg/J by default, an assumption).
    """

    rated_power: float
    rated_efficiency: float = 0.96
    no_load_loss_fraction: float = 0.3
    grid_emission_factor: float = 0.4 / _J_PER_KWH

    def __post_init__(self) -> None:
        el = "electric motor"
        _check(el, "rated_power", self.rated_power, self.rated_power > 0, "> 0 W")
        _check(el, "rated_efficiency", self.rated_efficiency,
               0 < self.rated_efficiency <= 1, "in (0, 1]")
        _check(el, "no_load_loss_fraction", self.no_load_loss_fraction,
               0 <= self.no_load_loss_fraction <= 1, "in [0, 1]")
        _check(el, "grid_emission_factor", self.grid_emission_factor,
               self.grid_emission_factor >= 0, ">= 0 kg/J")

    def available_power(self, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> float:
        """Rated power [W]: a motor is not derated by the air temperature here."""
        return self.rated_power

    def electricity(self, power: Any, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                    ) -> Any:
        """Electric power drawn [W] at a shaft power [W] (one running unit)."""
        losses = self.rated_power * (1.0 / self.rated_efficiency - 1.0)
        f0 = self.no_load_loss_fraction
        load = power / self.rated_power
        return power + losses * (f0 + (1.0 - f0) * load * load)

    def efficiency(self, power: Any, ambient_temperature: float = ISO_AMBIENT_TEMPERATURE
                   ) -> Any:
        """Shaft power / electric power [-]."""
        return power / self.electricity(power)

    def fuel(self, power: Any, ncv_mass: float,
             ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> Any:
        """An electric motor burns no line gas: 0 kg/s."""
        return 0.0 * power

    def co2(self, power: Any, ncv_mass: float, co2_per_kg_fuel: float,
            ambient_temperature: float = ISO_AMBIENT_TEMPERATURE) -> Any:
        """CO2 [kg/s] of the grid electricity drawn by one running unit."""
        return self.electricity(power) * self.grid_emission_factor


def combustion_co2_per_kg(carbon_per_mole: float, molar_mass: float) -> float:
    r"""CO2 [kg] from the complete combustion of 1 kg of gas.

    .. math:: \frac{m_{CO_2}}{m_{gas}} = \frac{\bar n_C\,M_{CO_2}}{M_{gas}}

    with :math:`\bar n_C` the mean number of carbon atoms per molecule (CO2 in the
    gas counts: it leaves as CO2) — stoichiometry, no correlation. Example: methane
    gives 44.0095/16.0425 = 2.743 kg/kg.

    Args:
        carbon_per_mole: mol C per mol gas (:attr:`trunkline.gas.Gas.carbon_per_mole`).
        molar_mass: molar mass of the gas [kg/mol].
    """
    _check("combustion_co2_per_kg", "carbon_per_mole", carbon_per_mole,
           carbon_per_mole >= 0, ">= 0")
    _check("combustion_co2_per_kg", "molar_mass", molar_mass, molar_mass > 0, "> 0 kg/mol")
    return carbon_per_mole * MOLAR_MASS_CO2 / molar_mass
