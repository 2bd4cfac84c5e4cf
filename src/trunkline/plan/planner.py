"""``plan(scenario)``: contract, economics and emissions over the whole term.

The steps, each a module of this package:

1. capacity curve of the line from the hydraulics (:mod:`.capacity`, cached per
   line), or a given one;
2. the contract day by day against it (:mod:`.contract`);
3. prices day by day (:mod:`.prices`), compressor fuel from the fuel curve;
4. yearly cash flows, NPV, IRR, payback, levelised tariff and breakeven price
   (:mod:`.economics`), and the sensitivity tornado;
5. emissions (:mod:`.emissions`).

Steps 2-5 take a few tens of milliseconds for a 30-year term; the tornado and
the breakeven search repeat them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from trunkline.plan.capacity import CapacityCurve, capacity_curve
from trunkline.plan.contract import ContractResult, ContractTerms, run_contract
from trunkline.plan.economics import (
    CashFlows,
    EconomicTerms,
    Sensitivity,
    breakeven_price,
    cash_flows,
    tornado,
)
from trunkline.plan.emissions import gas_carbon
from trunkline.plan.prices import daily_prices
from trunkline.plan.result import PlanResult
from trunkline.plan.scenario import PlanInputs, load_plan
from trunkline.units import SECONDS_PER_DAY

__all__ = ["Evaluation", "evaluate", "plan", "plan_curve"]

FloatArray = npt.NDArray[np.float64]
PlanLike = PlanInputs | str | Path


@dataclass(frozen=True)
class Evaluation:
    """One pass of steps 2-4: the contract, daily prices and fuel, and cash flows."""

    contract: ContractResult
    price: FloatArray
    fuel: FloatArray
    flows: CashFlows


def plan_curve(inputs: PlanInputs) -> CapacityCurve:
    """The capacity curve of a plan (its table, or the line's hydraulics, cached),
    at the contract reference."""
    spec = inputs.capacity
    curve = spec.table if spec.table is not None else capacity_curve(
        inputs.line, spec.months, design_throughput=spec.design_throughput,
        fuel_fractions=spec.fuel_fractions)
    return curve.in_reference(inputs.line.gas, inputs.contract.reference)


def evaluate(inputs: PlanInputs, curve: CapacityCurve, *, terms: ContractTerms | None = None,
             economics: EconomicTerms | None = None, price_factor: float = 1.0,
             capex_factor: float = 1.0, flat_price: float | None = None,
             contract: ContractResult | None = None) -> Evaluation:
    """Contract, prices, fuel and cash flows for the inputs (with optional changes).

    Args:
        terms, economics: replace the inputs' contract terms or economic terms.
        price_factor: multiplies every daily price.
        capex_factor: multiplies every capex part.
        flat_price: a flat price [USD/m³] instead of the formula (breakeven search).
        contract: reuse a contract outcome (when only money changes).
    """
    t = terms or inputs.contract
    econ = economics or inputs.economics
    res = contract if contract is not None else run_contract(t, curve)
    if flat_price is not None:
        price = np.full(len(res.dates), flat_price)
    else:
        price = daily_prices(inputs.price, res.dates, inputs.paths, inputs.context)
        price = price * price_factor
    fuel = curve.fuel(res.delivered / SECONDS_PER_DAY) * SECONDS_PER_DAY
    flows = cash_flows(res, price, fuel, econ, capex_factor=capex_factor)
    return Evaluation(res, price, fuel, flows)


def _pct(x: float) -> str:
    return f"{x * 100:+.0f} %"


def _sensitivities(inputs: PlanInputs, curve: CapacityCurve, base: Evaluation
                   ) -> list[Sensitivity]:
    s = inputs.sensitivity
    econ = inputs.economics
    terms = inputs.contract

    def npv_of(**kw: Any) -> float:
        return evaluate(inputs, curve, **kw).flows.npv

    def with_take(f: float) -> ContractTerms:
        return replace(terms, take=tuple(x * f for x in terms.take))

    def at_rate(r: float) -> float:
        return evaluate(inputs, curve, economics=replace(econ, discount_rate=r),
                        contract=base.contract).flows.npv

    c = base.contract
    return [
        Sensitivity("capex", _pct(-s.capex), _pct(s.capex),
                    lambda: npv_of(capex_factor=1 - s.capex, contract=c),
                    lambda: npv_of(capex_factor=1 + s.capex, contract=c)),
        Sensitivity("price", _pct(-s.price), _pct(s.price),
                    lambda: npv_of(price_factor=1 - s.price, contract=c),
                    lambda: npv_of(price_factor=1 + s.price, contract=c)),
        Sensitivity("volume (buyer's take)", _pct(-s.volume), _pct(s.volume),
                    lambda: npv_of(terms=with_take(1 - s.volume)),
                    lambda: npv_of(terms=with_take(1 + s.volume))),
        Sensitivity("discount rate", f"{(econ.discount_rate - s.discount_rate) * 100:.1f} %",
                    f"{(econ.discount_rate + s.discount_rate) * 100:.1f} %",
                    lambda: at_rate(econ.discount_rate - s.discount_rate),
                    lambda: at_rate(econ.discount_rate + s.discount_rate)),
        Sensitivity("ramp-up delay", f"+{s.ramp_delay} yr", "on time",
                    lambda: npv_of(terms=terms.delayed(s.ramp_delay)),
                    lambda: base.flows.npv),
    ]


def _columns(inputs: PlanInputs, ev: Evaluation) -> tuple[dict[str, Any], dict[str, Any],
                                                          dict[str, float]]:
    """Daily and yearly columns and the emission totals."""
    carbon = gas_carbon(inputs.line.gas, inputs.contract.reference)
    factors = inputs.emissions
    c = ev.contract
    daily_df = c.daily_frame()
    daily: dict[str, Any] = {k: daily_df[k].to_numpy() for k in daily_df.columns}
    co2 = carbon.fuel_co2(ev.fuel)
    ch4 = carbon.methane(c.delivered, factors)
    daily["price"] = ev.price
    daily["fuel"] = ev.fuel
    daily["fuel_co2"] = co2
    daily["methane"] = ch4

    flows = ev.flows.table
    years = flows["year"].to_numpy()
    yearly: dict[str, Any] = {"year": years}
    k0 = int(np.searchsorted(years, c.years[0]))
    op = slice(k0, k0 + len(c.years))
    phase = np.where((years >= c.years[0]) & (years <= c.years[-1]), "operation",
                     "construction")
    yearly["phase"] = phase.astype(object)
    cy = c.yearly_frame()
    for col in cy.columns:
        if col in ("contract_year", "days", "deficiency", "makeup", "delivered", "invoiced"):
            continue
        v = np.zeros(len(years))
        v[op] = cy[col].to_numpy()
        yearly[col] = v
    for col in flows.columns:
        if col != "year":
            yearly[col] = flows[col].to_numpy()
    energy = np.zeros(len(years))
    energy[op] = c.yearly_sum(c.delivered) * carbon.gcv
    yearly["energy_delivered"] = energy
    for name, daily_values in (("fuel_co2", co2), ("methane", ch4)):
        v = np.zeros(len(years))
        v[op] = c.yearly_sum(daily_values)
        yearly[name] = v
    yearly["co2e"] = yearly["fuel_co2"] + factors.gwp_ch4 * yearly["methane"]
    with np.errstate(invalid="ignore", divide="ignore"):
        yearly["intensity"] = np.where(energy > 0, yearly["co2e"] / energy, np.nan)
    e_total = float(np.sum(energy))
    totals = {
        "fuel": float(np.sum(ev.fuel)),
        "fuel_co2": float(np.sum(co2)),
        "methane": float(np.sum(ch4)),
        "co2e": float(np.sum(yearly["co2e"])),
        "energy_delivered": e_total,
        "intensity": float(np.sum(yearly["co2e"])) / e_total if e_total > 0 else float("nan"),
        "gwp_ch4": factors.gwp_ch4,
        "methane_rate": factors.methane_rate,
    }
    return daily, yearly, totals


def plan(scenario: PlanLike = "power_of_siberia_2", *, curve: CapacityCurve | None = None,
         months: Sequence[int] | None = None, price_case: str | None = None,
         sensitivities: bool = True) -> PlanResult:
    """Thirty years of a contract on a line: deliveries, money and emissions.

    Args:
        scenario: a built-in plan name ("power_of_siberia_2", alias "pos2"), a plan
            TOML file, or :class:`PlanInputs`.
        curve: a capacity curve to use instead of the plan's (any reference condition).
        months: months at which to compute the hydraulic capacity curve instead of
            the plan's (e.g. ``range(1, 13)`` for the full curve).
        price_case: "low", "base" or "high" built-in index path instead of the plan's.
        sensitivities: compute the tornado (a dozen further evaluations).

    Returns:
        :class:`PlanResult` with ``daily`` and ``yearly`` tables, ``npv``, ``irr``,
        ``payback``, ``breakeven_price``, ``levelised_tariff``, ``emissions``,
        ``tornado`` and ``assumptions``.
    """
    inputs = scenario if isinstance(scenario, PlanInputs) else load_plan(scenario)
    if price_case is not None:
        inputs = inputs.with_price_case(price_case)
    if months is not None:
        inputs = inputs.with_months(tuple(sorted(set(int(m) for m in months))))
    cv = (curve.in_reference(inputs.line.gas, inputs.contract.reference) if curve is not None
          else plan_curve(inputs))
    base = evaluate(inputs, cv)

    def npv_at(p: float) -> float:
        return evaluate(inputs, cv, flat_price=p, contract=base.contract).flows.npv

    guess = float(np.mean(base.price)) if len(base.price) else 1.0
    breakeven = breakeven_price(npv_at, guess)
    table = tornado(base.flows.npv, _sensitivities(inputs, cv, base) if sensitivities else [])
    daily, yearly, totals = _columns(inputs, base)
    return PlanResult(inputs.name, inputs.title, inputs, cv, base.flows.npv, base.flows.irr,
                      base.flows.payback, breakeven, base.flows.levelised_tariff, totals,
                      daily, yearly, table)
