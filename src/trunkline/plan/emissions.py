"""Greenhouse-gas emissions of transmission: compressor fuel CO2 and methane losses.

Per day, for delivered gas :math:`Q` and compressor fuel :math:`F` (standard m³ at
the contract reference, real-gas molar density :math:`\\rho_n/M`):

* **CO2 from fuel**, complete combustion, carbon from the composition (the CO2 of
  the fuel gas passes through and is counted too):

  .. math:: m_{CO_2} = F \\, \\frac{\\rho_n}{M} \\, \\bar n_C \\, M_{CO_2}

  :math:`\\bar n_C` mean carbon atoms per molecule, :math:`M_{CO_2}` = 44.0095 g/mol
  (ISO 6976:2016 table 1).
* **Methane** lost to the atmosphere (leaks, venting, blowdowns) as a fraction
  :math:`\\lambda` of the gas delivered:

  .. math:: m_{CH_4} = \\lambda \\, Q \\, \\frac{\\rho_n}{M} \\, x_{CH_4} \\, M_{CH_4}

  with :math:`M_{CH_4}` = 16.04246 g/mol (ISO 6976:2016 table 1).
* **CO2-equivalent** :math:`m_{CO_2e} = m_{CO_2} + GWP_{CH_4}\\, m_{CH_4}`, with the
  100-year GWP of fossil methane, 29.8 (IPCC AR6 WG1, table 7.15) [S:gwp-ar6].
* **Intensity** per energy delivered (gross calorific value :math:`H_s`):
  :math:`I = m_{CO_2e} / (Q H_s)` [kg/J]; 1 g/MJ = 1e-9 kg/J.

Only the transmission line is counted (not production, the West-Siberian grid,
or the burning of the delivered gas).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.gas import Gas
from trunkline.gas.iso6976 import component_data
from trunkline.units import ReferenceCondition

__all__ = [
    "GWP100_CH4_FOSSIL",
    "EmissionFactors",
    "GasCarbon",
    "gas_carbon",
]

FloatArray = npt.NDArray[np.float64]

#: 100-year global warming potential of fossil methane [-] (IPCC AR6 WG1 table 7.15)
#: [S:gwp-ar6].
GWP100_CH4_FOSSIL: Final = 29.8
_M_CO2: Final = component_data("carbon dioxide").molar_mass  # 44.0095 g/mol, ISO 6976
_M_CH4: Final = component_data("methane").molar_mass  # 16.04246 g/mol, ISO 6976


@dataclass(frozen=True)
class EmissionFactors:
    """Emission settings.

    Attributes:
        methane_rate: methane-bearing gas lost as a fraction of the gas delivered [-].
        gwp_ch4: global warming potential of methane [-] (100-year fossil: 29.8).
    """

    methane_rate: float
    gwp_ch4: float = GWP100_CH4_FOSSIL

    def __post_init__(self) -> None:
        if not (math.isfinite(self.methane_rate) and 0 <= self.methane_rate < 0.2):
            raise InputError("methane rate out of range", element="emissions",
                             field="methane_rate", value=self.methane_rate,
                             expected="a fraction of delivered gas in [0, 0.2)")
        if not (math.isfinite(self.gwp_ch4) and self.gwp_ch4 > 0):
            raise InputError("GWP must be positive", element="emissions", field="gwp_ch4",
                             value=self.gwp_ch4)


@dataclass(frozen=True)
class GasCarbon:
    """Per-m³ emission constants of a gas at a reference condition.

    Attributes:
        co2_per_m3: CO2 from burning one m³ [kg/m³].
        ch4_per_m3: methane in one m³ [kg/m³].
        gcv: gross calorific value [J/m³].
    """

    co2_per_m3: float
    ch4_per_m3: float
    gcv: float

    def fuel_co2(self, fuel: npt.ArrayLike) -> FloatArray:
        """CO2 [kg] from burning ``fuel`` [m³]."""
        return np.asarray(fuel, dtype=np.float64) * self.co2_per_m3

    def methane(self, delivered: npt.ArrayLike, factors: EmissionFactors) -> FloatArray:
        """Methane lost [kg] while delivering ``delivered`` [m³]."""
        return np.asarray(delivered, dtype=np.float64) * factors.methane_rate * self.ch4_per_m3

    def co2e(self, fuel: npt.ArrayLike, delivered: npt.ArrayLike,
             factors: EmissionFactors) -> FloatArray:
        """CO2-equivalent [kg] of fuel CO2 plus methane losses."""
        return self.fuel_co2(fuel) + factors.gwp_ch4 * self.methane(delivered, factors)


def gas_carbon(gas: Gas, reference: ReferenceCondition) -> GasCarbon:
    """Emission constants of ``gas`` per m³ at ``reference`` (real-gas density)."""
    molar = gas.standard_density(reference) / gas.molar_mass  # mol/m³
    x_ch4 = gas.composition.get("methane", 0.0)
    return GasCarbon(co2_per_m3=molar * gas.carbon_per_mole * _M_CO2,
                     ch4_per_m3=molar * x_ch4 * _M_CH4, gcv=gas.gcv(reference))
