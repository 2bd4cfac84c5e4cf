"""Economics: NPV, IRR, payback and the cash-flow items against hand computations, and
the PoS2 plan (on a synthetic capacity curve) against an independent NPV/IRR.

The hand contract is the 3-year case of test_contract.py (ACQ 1,460 m³, takes 75 %,
100 %, 100 %, take-or-pay 87.5 %: deficiency 182.5 m³ in year 1, made up in year 2)
with a flat price of 0.25 USD/m³; every figure is an exact binary fraction.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy.optimize import brentq

from trunkline.plan.capacity import CapacityCurve, table_curve
from trunkline.plan.contract import FLAT, ContractResult, ContractTerms, run_contract
from trunkline.plan.economics import (
    CapexPart,
    EconomicTerms,
    Sensitivity,
    breakeven_price,
    cash_flows,
    discount_factors,
    irr,
    npv,
    payback,
    tornado,
)
from trunkline.plan.planner import evaluate, plan
from trunkline.plan.scenario import load_plan
from trunkline.units import RU, SECONDS_PER_CONTRACT_YEAR

EXACT = 0.0
RTOL = 1e-12
IRR_TOL = 1e-9  # [-] two root finders on the same function
NPV_ATOL = 1.0  # [USD] on NPVs of order 1e9-1e10
PRICE = 0.25  # [USD/m³]


@pytest.fixture(scope="module")
def hand() -> ContractResult:
    t = ContractTerms(acq=1460.0, reference=RU, start=date(2029, 1, 1), years=3,
                      take=(0.75, 1.0, 1.0), dcq_min=0.0, dcq_max=2.0, profile=FLAT,
                      take_or_pay=0.875, makeup_years=2)
    return run_contract(t, table_curve([2.0**-14] * 12, RU))


def _flows(hand: ContractResult, **kw: object) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    base: dict[str, object] = dict(
        capex=(CapexPart("pipe", 1000.0, 2028, (1.0,)),), export_duty=0.25,
        transit_fee=0.125, supply_cost=0.0625, fuel_value=0.0, discount_rate=0.1,
        valuation_year=2028, mid_year=False, length=1e5)
    base.update(kw)
    terms = EconomicTerms(**base)  # type: ignore[arg-type]
    n = len(hand.dates)
    cf = cash_flows(hand, np.full(n, PRICE), np.zeros(n), terms)
    return cf.years, dict(cf.columns)


# --------------------------------------------------------------------------- measures


def test_npv_hand_example() -> None:
    # -100 now, +60 at the end of each of the next two years at 10 %.
    cf, years = [-100.0, 60.0, 60.0], [2020, 2021, 2022]
    expected = -100 / 1.1 + 60 / 1.1**2 + 60 / 1.1**3  # end-of-year from the start of 2020
    assert npv(cf, years, 0.1, 2020, mid_year=False) == pytest.approx(expected, rel=RTOL)
    assert npv(cf, years, 0.1, 2020) == pytest.approx(expected * 1.1**0.5, rel=RTOL)
    np.testing.assert_allclose(discount_factors(years, 0.1, 2020), 1.1 ** -np.array(
        [0.5, 1.5, 2.5]), rtol=RTOL)


def test_irr_closed_form() -> None:
    # -100 + 60x + 60x² = 0 with x = 1/(1+r): x = (-60 + sqrt(60² + 4·60·100)) / 120.
    x = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    assert irr([-100.0, 60.0, 60.0]) == pytest.approx(1 / x - 1, abs=IRR_TOL)
    assert irr([-100.0, 60.0, 60.0], [2030, 2031, 2032]) == pytest.approx(1 / x - 1,
                                                                          abs=IRR_TOL)


def test_irr_does_not_exist_without_a_sign_change() -> None:
    assert irr([10.0, 20.0]) is None
    assert irr([-10.0, -20.0]) is None


def test_payback_hand_example() -> None:
    # Cumulative -100, -70, -40, -10, +20: it turns in year 4 after 10/30 of the year.
    assert payback([-100.0, 30, 30, 30, 30], [0, 1, 2, 3, 4]) == pytest.approx(4 + 1 / 3)
    assert payback([-100.0, 30], [0, 1]) is None


# --------------------------------------------------------------------------- cash flows


def test_cash_flow_items_hand_case(hand: ContractResult) -> None:
    years, c = _flows(hand)
    assert list(years) == [2028, 2029, 2030, 2031]
    # 2029: 1,095 m³ invoiced at 0.25 = 273.75; deficiency 182.5 m³ paid at 0.25 =
    # 45.625; duty 25 % of the exported value 273.75; transit 0.125 and supply 0.0625
    # USD a m³ of 1,095 m³.
    # 2030: 1,460 m³ delivered of which 182.5 m³ make-up, invoiced (1460 − 182.5)·0.25
    # = 319.375; duty on all 1,460 m³ exported = 91.25.
    assert list(c["revenue_gas"]) == [0.0, 273.75, 319.375, 365.0]
    assert list(c["revenue_top"]) == [0.0, 45.625, 0.0, 0.0]
    assert list(c["export_duty"]) == [0.0, -68.4375, -91.25, -91.25]
    assert list(c["transit"]) == [0.0, -136.875, -182.5, -182.5]
    assert list(c["supply"]) == [0.0, -68.4375, -91.25, -91.25]
    assert list(c["capex"]) == [-1000.0, 0.0, 0.0, 0.0]
    assert list(c["cash_flow"]) == [-1000.0, 45.625, -45.625, 0.0]
    parts = ("revenue_gas", "revenue_top", "penalty", "export_duty", "transit", "supply",
             "fuel_cost", "opex_fixed", "opex_variable", "capex", "property_tax", "profit_tax")
    np.testing.assert_allclose(sum(c[k] for k in parts), c["cash_flow"], rtol=1e-12, atol=1e-3)


def test_profit_tax_with_loss_carried_forward(hand: ContractResult) -> None:
    # No transit; capex 300 depreciated over 2 years from first gas (150 a year), tax 50 %.
    # Pre-tax 2029: 273.75 + 45.625 − 68.4375 − 68.4375 = 182.5 → taxable 32.5, tax 16.25.
    # 2030: 319.375 − 91.25 − 91.25 = 136.875 → taxable −13.125, carried forward.
    # 2031: 365 − 91.25 − 91.25 = 182.5, less the 13.125 loss → tax 84.6875.
    _, c = _flows(hand, transit_fee=0.0, capex=(CapexPart("pipe", 300.0, 2028, (1.0,)),),
                  profit_tax=0.5, depreciation_years=2)
    assert list(c["depreciation"]) == [0.0, -150.0, -150.0, 0.0]
    assert list(c["taxable_profit"]) == [0.0, 32.5, -13.125, 182.5]
    assert list(c["profit_tax"]) == [0.0, -16.25, 0.0, -84.6875]


def test_shortfall_penalty_and_netback_fuel(hand: ContractResult) -> None:
    t = replace(hand.terms, shortfall_penalty=0.5, take=(1.0,))
    res = run_contract(t, table_curve([2.0**-15] * 12, RU))  # 2.63671875 of 4 m³/d
    n = len(res.dates)
    fuel = np.full(n, 0.5)
    terms = EconomicTerms(capex=(), export_duty=0.25, fuel_value=None, valuation_year=2029)
    c = cash_flows(res, np.full(n, PRICE), fuel, terms).columns
    short = 1.36328125 * 365
    assert list(c["penalty"]) == [-0.5 * PRICE * short] * 3
    # Netback fuel: the export value of the fuel, price × (1 − duty).
    assert list(c["fuel_cost"]) == [-0.5 * 365 * PRICE * 0.75] * 3


def test_levelised_tariff_hand_case(hand: ContractResult) -> None:
    terms = EconomicTerms(capex=(CapexPart("pipe", 1000.0, 2028, (1.0,)),), transit_fee=0.125,
                          discount_rate=0.1, valuation_year=2028, mid_year=False, length=1e5)
    n = len(hand.dates)
    flows = cash_flows(hand, np.full(n, PRICE), np.zeros(n), terms)
    q = np.array([0.0, 1095.0, 1460.0, 1460.0])
    df = 1.1 ** -np.arange(1, 5)
    expected = (1000 * df[0] + np.sum(0.125 * q * df)) / np.sum(q * 1e5 * df)
    assert flows.levelised_tariff == pytest.approx(expected, rel=RTOL)


def test_breakeven_of_a_linear_npv(hand: ContractResult) -> None:
    terms = EconomicTerms(capex=(CapexPart("pipe", 1000.0, 2028, (1.0,)),), export_duty=0.25,
                          transit_fee=0.125, valuation_year=2028)
    n = len(hand.dates)

    def npv_at(p: float) -> float:
        return cash_flows(hand, np.full(n, p), np.zeros(n), terms).npv

    # Without profit tax the NPV is linear in the price: P* = −NPV(0) / slope.
    slope = npv_at(1.0) - npv_at(0.0)
    expected = -npv_at(0.0) / slope
    assert breakeven_price(npv_at, 0.25) == pytest.approx(expected, rel=1e-10)


def test_tornado_is_sorted_by_swing() -> None:
    t = tornado(0.0, [Sensitivity("a", "lo", "hi", lambda: -1.0, lambda: 1.0),
                      Sensitivity("b", "lo", "hi", lambda: -5.0, lambda: 2.0)])
    assert list(t["variable"]) == ["b", "a"]
    assert list(t["swing"]) == [7.0, 2.0]


# --------------------------------------------------------------------------- PoS2 plan


@pytest.fixture(scope="module")
def synthetic() -> CapacityCurve:
    # The hydraulics are not the subject here: 55 bcm/yr all year, fuel 1.7 % of the
    # delivered flow at 25 % load and 8.1 % at 91 % (of the order of the PoS2 line).
    q = 55e9 / SECONDS_PER_CONTRACT_YEAR
    return table_curve([q] * 12, RU,
                       fuel_points=[(0.25 * q, 0.017 * 0.25 * q), (0.91 * q, 0.081 * 0.91 * q)])


def test_plan_npv_and_irr_against_an_independent_computation(synthetic: CapacityCurve
                                                             ) -> None:
    res = plan("power_of_siberia_2", curve=synthetic)
    y = res.yearly
    cf = y["cash_flow"].to_numpy()
    t = y["year"].to_numpy() - 2026 + 0.5  # valuation at the start of 2026, mid-year flows
    r = res.inputs.economics.discount_rate

    def f(rate: float) -> float:
        return float(np.sum(cf / (1 + rate) ** t))

    assert res.npv == pytest.approx(f(r), abs=NPV_ATOL)
    independent_irr = brentq(f, 0.0, 1.0, xtol=1e-14)
    assert res.irr is not None
    assert res.irr == pytest.approx(independent_irr, abs=IRR_TOL)
    assert (res.npv > 0) == (res.irr > r)


def test_plan_breakeven_gives_zero_npv(synthetic: CapacityCurve) -> None:
    inputs = load_plan("power_of_siberia_2")
    res = plan(inputs, curve=synthetic, sensitivities=False)
    assert res.breakeven_price is not None
    ev = evaluate(inputs, res.curve, flat_price=res.breakeven_price)
    assert abs(ev.flows.npv) < NPV_ATOL * 1e3
    assert len(res.tornado) == 0


def test_plan_tornado_moves_the_npv_the_right_way(synthetic: CapacityCurve) -> None:
    res = plan("power_of_siberia_2", curve=synthetic)
    t = res.tornado.set_index("variable")
    assert t.loc["capex", "npv_low"] > res.npv > t.loc["capex", "npv_high"]
    assert t.loc["price", "npv_low"] < res.npv < t.loc["price", "npv_high"]
    assert t.loc["discount rate", "npv_low"] > res.npv > t.loc["discount rate", "npv_high"]
    assert t.loc["ramp-up delay", "npv_low"] < res.npv
    assert t.loc["volume (buyer's take)", "npv_low"] < res.npv
    assert list(t["npv_base"].unique()) == [res.npv]
