"""Emissions: combustion stoichiometry, methane losses, intensity, and the plan's totals."""

from __future__ import annotations

import numpy as np
import pytest

from trunkline.errors import InputError
from trunkline.gas import Gas
from trunkline.model import Trunkline, load_scenario
from trunkline.plan.capacity import table_curve
from trunkline.plan.emissions import GWP100_CH4_FOSSIL, EmissionFactors, gas_carbon
from trunkline.plan.planner import plan
from trunkline.units import RU, SECONDS_PER_CONTRACT_YEAR

# Molar masses [g/mol], ISO 6976:2016 table 1.
M_CH4, M_C2H6, M_CO2 = 16.04246, 30.06904, 44.0095
RTOL = 1e-12
# IPCC 2006 Guidelines, vol. 2, ch. 1, table 1.4: natural gas 56,100 kg CO2/TJ on the
# net calorific value. Our figure comes from the composition; a dry, 98 % methane gas
# sits within a few per cent of the default (the default covers all natural gases).
IPCC_NG_KG_PER_TJ_NCV = 56_100.0
IPCC_RTOL = 0.03


@pytest.fixture(scope="module")
def line() -> Trunkline:
    ln = load_scenario("power_of_siberia_2")
    assert isinstance(ln, Trunkline)
    return ln


def test_methane_burns_to_one_co2_per_molecule() -> None:
    gas = Gas({"methane": 1.0})
    c = gas_carbon(gas, RU)
    rho = gas.standard_density(RU)
    # One mole of CH4 gives one mole of CO2: mass ratio 44.0095 / 16.04246.
    assert c.co2_per_m3 == pytest.approx(rho * M_CO2 / M_CH4, rel=RTOL)
    assert c.ch4_per_m3 == pytest.approx(rho, rel=RTOL)


def test_ethane_burns_to_two() -> None:
    gas = Gas({"ethane": 1.0})
    c = gas_carbon(gas, RU)
    assert c.co2_per_m3 == pytest.approx(gas.standard_density(RU) * 2 * M_CO2 / M_C2H6,
                                         rel=RTOL)
    assert c.ch4_per_m3 == 0.0


def test_pos2_gas_against_the_ipcc_default(line: Trunkline) -> None:
    c = gas_carbon(line.gas, RU)
    per_tj_ncv = c.co2_per_m3 / line.gas.ncv(RU) * 1e12
    assert per_tj_ncv == pytest.approx(IPCC_NG_KG_PER_TJ_NCV, rel=IPCC_RTOL)


def test_co2e_and_intensity_by_hand() -> None:
    gas = Gas({"methane": 1.0})
    c = gas_carbon(gas, RU)
    f = EmissionFactors(methane_rate=0.003)
    assert f.gwp_ch4 == GWP100_CH4_FOSSIL == 29.8  # IPCC AR6 WG1 table 7.15 [S:gwp-ar6]
    fuel, delivered = np.array([8.0]), np.array([100.0])
    expected = 8.0 * c.co2_per_m3 + 29.8 * 0.003 * 100.0 * c.ch4_per_m3
    assert float(c.co2e(fuel, delivered, f)[0]) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("kw", [{"methane_rate": -0.1}, {"methane_rate": 0.3},
                                {"methane_rate": 0.01, "gwp_ch4": 0.0}])
def test_invalid_factors(kw: dict[str, float]) -> None:
    with pytest.raises(InputError):
        EmissionFactors(**kw)


def test_plan_emission_totals_add_up(line: Trunkline) -> None:
    q = 55e9 / SECONDS_PER_CONTRACT_YEAR
    curve = table_curve([q] * 12, RU, fuel_share=0.08)  # 8 % of the delivered flow
    res = plan("power_of_siberia_2", curve=curve, sensitivities=False)
    e = res.emissions
    d, y = res.daily, res.yearly
    c = gas_carbon(line.gas, RU)
    delivered = float(d["delivered"].sum())
    assert e["fuel"] == pytest.approx(0.08 * delivered, rel=1e-9)
    assert e["fuel_co2"] == pytest.approx(0.08 * delivered * c.co2_per_m3, rel=1e-9)
    assert e["methane"] == pytest.approx(0.003 * delivered * c.ch4_per_m3, rel=1e-9)
    assert e["co2e"] == pytest.approx(e["fuel_co2"] + 29.8 * e["methane"], rel=1e-12)
    assert e["energy_delivered"] == pytest.approx(delivered * line.gas.gcv(RU), rel=1e-12)
    assert e["intensity"] == pytest.approx(e["co2e"] / e["energy_delivered"], rel=1e-12)
    assert float(y["co2e"].sum()) == pytest.approx(e["co2e"], rel=1e-12)
    # g CO2e/MJ: about 50 g/MJ × 8 % of fuel plus 0.3 % methane × 29.8 × 19 g/MJ.
    g_per_mj = e["intensity"] * 1e9
    assert g_per_mj == pytest.approx(res.summary["intensity_g_co2e_per_mj"], rel=RTOL)
    assert 4.0 < g_per_mj < 7.0
