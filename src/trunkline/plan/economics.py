"""Project economics: yearly cash flows, NPV, IRR, payback, levelised tariff, breakeven.

Money is in USD of one basis (real terms by default: every input in USD of the
base year and a real discount rate); volumes in m³ at the contract reference;
prices in USD/m³. Cash flows are signed (inflows positive) and fall in the
middle of each year (``mid_year``) or at its end.

Cash flow of year :math:`y` (contract years are labelled with the calendar year
they start in; construction years precede first gas):

.. math::
    CF_y = R^{gas}_y + R^{top}_y - \\Pi_y - X_y - T^{transit}_y - C^{supply}_y
           - C^{fuel}_y - O_y - K_y - T^{prop}_y - T^{profit}_y

* :math:`R^{gas}_y = \\sum_d q_d p_d - M_y \\bar p_y`: gas invoiced at the daily
  price, less the make-up gas already paid for (valued at the year's mean price
  :math:`\\bar p_y`);
* :math:`R^{top}_y = D_y \\bar p_y`: take-or-pay deficiency payment;
* :math:`\\Pi_y = \\pi \\sum_d s^{pen}_d p_d`: the seller's shortfall penalty;
* :math:`X_y = \\chi \\sum_d q_d p_d`: export duty on the value of the gas that
  crosses the border that year (make-up gas included, deficiency payments not);
* :math:`T^{transit}_y = \\tau Q_y`: transit fee; :math:`C^{supply}_y = c_s Q_y`:
  the gas bought (or produced) at the line's entry;
* :math:`C^{fuel}_y = v_f F_y`: compressor fuel at its opportunity value
  :math:`v_f` (a given value, or the export netback :math:`p(1-\\chi)` day by day);
* :math:`O_y = o_f K + o_v Q_y`: fixed opex as a share of total capex from first
  gas, and variable opex; :math:`K_y`: capex spent;
* :math:`T^{prop}_y = t_p \\cdot NBV_y` (net book value at the start of the year);
* :math:`T^{profit}_y = t \\max(0, \\Pi^{tax}_y - L_{y-1})`, taxable profit after
  straight-line depreciation, losses carried forward without limit.

Measures:

* :math:`NPV = \\sum_y CF_y (1 + r)^{-(y - y_0 + \\delta)}`, :math:`\\delta = ½`
  (mid-year) or 1 (end of year), valued at the start of year :math:`y_0`;
* IRR: the rate where NPV = 0, by Brent's method (:func:`scipy.optimize.brentq`)
  on the first sign change of NPV(r) above r = -99 %;
* payback: the (fractional) year in which the cumulative undiscounted cash flow
  turns non-negative for good, flows spread evenly over the year;
* levelised tariff, pre-tax transport cost per unit of transport work:

  .. math:: LT = \\frac{\\sum_y DF_y\\,(K_y + O_y + C^{fuel}_y + T^{transit}_y)}
                      {\\sum_y DF_y\\, Q_y\\, L}

  [USD/(m³·m)]; reported as $/1,000 m³ per 100 km;
* breakeven price: the flat border price :math:`P^*` that makes NPV = 0 with every
  price-dependent item (duty, take-or-pay, penalties, netback fuel, taxes)
  recomputed, by Brent's method.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import brentq

from trunkline.errors import InputError
from trunkline.plan.contract import ContractResult

__all__ = [
    "CapexPart",
    "CashFlows",
    "EconomicTerms",
    "Sensitivity",
    "breakeven_price",
    "cash_flows",
    "discount_factors",
    "irr",
    "levelised_tariff",
    "npv",
    "payback",
    "tornado",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Bracket and tolerance of the IRR search.
IRR_LOW: Final = -0.99
IRR_HIGH: Final = 10.0
IRR_XTOL: Final = 1e-12
#: Relative tolerance of the breakeven-price search (of the price) [-].
BREAKEVEN_RTOL: Final = 1e-12


@dataclass(frozen=True)
class CapexPart:
    """A part of the investment and how its spending is spread over the years.

    Attributes:
        name: e.g. "Russian pipeline".
        amount: total spend [USD].
        start_year: calendar year of the first spend.
        profile: share of ``amount`` spent in each year from ``start_year`` (sums to 1).
        source: where the figure comes from.
    """

    name: str
    amount: float
    start_year: int
    profile: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.amount) and self.amount >= 0):
            raise InputError("capex must be >= 0", element=f"capex {self.name}",
                             field="amount", value=self.amount)
        if not self.profile or any(p < 0 for p in self.profile) or not math.isclose(
                sum(self.profile), 1.0, abs_tol=1e-9):
            raise InputError("spend profile must be shares summing to 1",
                             element=f"capex {self.name}", field="profile",
                             value=self.profile, expected="e.g. [0.1, 0.2, 0.3, 0.25, 0.15]")

    def by_year(self, years: IntArray) -> FloatArray:
        """Spend in each of ``years`` [USD]."""
        out = np.zeros(len(years))
        for k, share in enumerate(self.profile):
            i = np.searchsorted(years, self.start_year + k)
            if i < len(years) and years[i] == self.start_year + k:
                out[i] += share * self.amount
        return out


@dataclass(frozen=True)
class EconomicTerms:
    """Economic inputs (SI: USD, m³ at the contract reference, m).

    Attributes:
        capex: the investment by part.
        opex_fixed: fixed opex a year as a share of total capex, from first gas [1/yr].
        opex_variable: variable opex [USD/m³ delivered].
        supply_cost: cost of the gas at the line's entry [USD/m³ delivered].
        fuel_value: opportunity value of fuel gas [USD/m³]; None → export netback.
        transit_fee: transit fee [USD/m³ delivered].
        export_duty: export duty as a share of the value of exported gas [-].
        profit_tax: profit tax rate [-].
        depreciation_years: straight-line tax depreciation life [yr].
        property_tax: property tax on the net book value a year [-].
        discount_rate: discount rate [-/yr].
        valuation_year: NPV is valued at the start of this year.
        mid_year: cash flows at mid-year (True) or at the end of the year.
        length: pipeline length for the levelised tariff [m].
    """

    capex: tuple[CapexPart, ...]
    opex_fixed: float = 0.0
    opex_variable: float = 0.0
    supply_cost: float = 0.0
    fuel_value: float | None = None
    transit_fee: float = 0.0
    export_duty: float = 0.0
    profit_tax: float = 0.0
    depreciation_years: int = 25
    property_tax: float = 0.0
    discount_rate: float = 0.1
    valuation_year: int | None = None
    mid_year: bool = True
    length: float = 1.0

    def __post_init__(self) -> None:
        for name in ("export_duty", "profit_tax", "property_tax", "opex_fixed"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0 <= v < 1):
                raise InputError("rate out of range", element="economics", field=name,
                                 value=v, expected="a fraction in [0, 1)")
        if not (math.isfinite(self.discount_rate) and -0.5 < self.discount_rate < 1):
            raise InputError("discount rate out of range", element="economics",
                             field="discount_rate", value=self.discount_rate,
                             expected="a rate in (-0.5, 1), e.g. 0.10")
        if self.depreciation_years < 1:
            raise InputError("depreciation life must be >= 1 year", element="economics",
                             field="depreciation_years", value=self.depreciation_years)
        if not self.length > 0:
            raise InputError("length must be positive", element="economics", field="length",
                             value=self.length)

    @property
    def total_capex(self) -> float:
        return float(sum(p.amount for p in self.capex))


# ------------------------------------------------------------------ measures


def discount_factors(years: npt.ArrayLike, rate: float, valuation_year: int,
                     mid_year: bool = True) -> FloatArray:
    """(1 + r)^-(y − y0 + δ), δ = ½ (mid-year) or 1 (end of year)."""
    t = np.asarray(years, dtype=np.float64) - valuation_year + (0.5 if mid_year else 1.0)
    return np.asarray((1.0 + rate) ** -t, dtype=np.float64)


def npv(cash_flow: npt.ArrayLike, years: npt.ArrayLike, rate: float, valuation_year: int,
        mid_year: bool = True) -> float:
    """Net present value at the start of ``valuation_year`` [USD]."""
    cf = np.asarray(cash_flow, dtype=np.float64)
    return float(np.sum(cf * discount_factors(years, rate, valuation_year, mid_year)))


def irr(cash_flow: npt.ArrayLike, years: npt.ArrayLike | None = None) -> float | None:
    """Internal rate of return, or None when NPV(r) never changes sign on (-99 %, 1000 %).

    The first sign change of NPV(r) scanning up from r = -99 % is refined with
    Brent's method to ``IRR_XTOL``. (The timing convention does not change the IRR.)
    """
    cf = np.asarray(cash_flow, dtype=np.float64)
    t = (np.arange(len(cf), dtype=np.float64) if years is None
         else np.asarray(years, dtype=np.float64) - float(np.min(np.asarray(years))))

    def f(r: float) -> float:
        return float(np.sum(cf * (1.0 + r) ** -t))

    grid = np.concatenate((np.linspace(IRR_LOW, -0.5, 50, endpoint=False),
                           np.linspace(-0.5, 1.0, 300, endpoint=False),
                           np.geomspace(1.0, IRR_HIGH, 50)))
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.array([f(r) for r in grid])
    ok = np.isfinite(values)
    for i in range(len(grid) - 1):
        if ok[i] and ok[i + 1] and values[i] != 0 and np.sign(values[i]) != np.sign(
                values[i + 1]):
            return float(brentq(f, grid[i], grid[i + 1], xtol=IRR_XTOL, rtol=4 * np.finfo(
                float).eps, maxiter=200))
        if ok[i] and values[i] == 0:
            return float(grid[i])
    return None


def payback(cash_flow: npt.ArrayLike, years: npt.ArrayLike) -> float | None:
    """Year (fractional) after which the cumulative cash flow stays >= 0; None if never."""
    cf = np.asarray(cash_flow, dtype=np.float64)
    yr = np.asarray(years, dtype=np.float64)
    cum = np.cumsum(cf)
    if cum[-1] < 0:
        return None
    negative = np.nonzero(cum < 0)[0]
    if len(negative) == 0:
        return float(yr[0])
    k = int(negative[-1]) + 1  # the year in which it turns for good
    if k >= len(cf):
        return None
    return float(yr[k] + (-cum[k - 1]) / cf[k])


# ------------------------------------------------------------------ cash flows


@dataclass(frozen=True)
class CashFlows:
    """Yearly cash flows (signed USD) and the volumes behind them.

    ``table`` returns a new DataFrame; columns are listed in :attr:`COLUMNS`.
    """

    years: IntArray
    columns: Mapping[str, FloatArray] = field(repr=False)
    terms: EconomicTerms = field(repr=False)

    COLUMNS = ("delivered", "invoiced", "deficiency", "makeup", "fuel", "price_mean",
               "revenue_gas", "revenue_top", "penalty", "export_duty", "transit", "supply",
               "fuel_cost", "opex_fixed", "opex_variable", "capex", "depreciation",
               "property_tax", "taxable_profit", "profit_tax", "cash_flow")

    @property
    def cash_flow(self) -> FloatArray:
        return self.columns["cash_flow"].copy()

    @property
    def valuation_year(self) -> int:
        vy = self.terms.valuation_year
        return int(self.years[0]) if vy is None else vy

    @property
    def discount(self) -> FloatArray:
        return discount_factors(self.years, self.terms.discount_rate, self.valuation_year,
                                self.terms.mid_year)

    @property
    def npv(self) -> float:
        return float(np.sum(self.columns["cash_flow"] * self.discount))

    @property
    def irr(self) -> float | None:
        return irr(self.columns["cash_flow"], self.years)

    @property
    def payback(self) -> float | None:
        return payback(self.columns["cash_flow"], self.years)

    @property
    def levelised_tariff(self) -> float:
        return levelised_tariff(self)

    @property
    def table(self) -> pd.DataFrame:
        df = pd.DataFrame({"year": self.years.copy()})
        for c in self.COLUMNS:
            df[c] = self.columns[c].copy()
        df["discount_factor"] = self.discount
        df["discounted_cash_flow"] = df["cash_flow"] * df["discount_factor"]
        df["cumulative_cash_flow"] = df["cash_flow"].cumsum()
        return df


def _timeline(contract: ContractResult, terms: EconomicTerms) -> IntArray:
    first = int(contract.years[0])
    start = min([first] + [p.start_year for p in terms.capex])
    last = max([int(contract.years[-1])] + [p.start_year + len(p.profile) - 1
                                            for p in terms.capex])
    return np.arange(start, last + 1, dtype=np.int64)


def cash_flows(contract: ContractResult, price: npt.ArrayLike, fuel: npt.ArrayLike,
               terms: EconomicTerms, *, capex_factor: float = 1.0) -> CashFlows:
    """Yearly cash flows of the project (see the module docstring for every item).

    Args:
        contract: the day-by-day contract outcome.
        price: contract price on each day [USD/m³].
        fuel: compressor fuel burnt on each day [m³].
        terms: economic inputs.
        capex_factor: multiplies every capex part (sensitivities); fixed opex follows.
    """
    p = np.asarray(price, dtype=np.float64)
    f = np.asarray(fuel, dtype=np.float64)
    years = _timeline(contract, terms)
    n = len(years)
    k0 = int(np.searchsorted(years, contract.years[0]))
    op = slice(k0, k0 + len(contract.years))
    st = contract.settlement
    q = contract.delivered

    def yearly(daily: FloatArray) -> FloatArray:
        out = np.zeros(n)
        out[op] = contract.yearly_sum(daily)
        return out

    def contract_years(values: FloatArray) -> FloatArray:
        out = np.zeros(n)
        out[op] = values
        return out

    delivered = yearly(q)
    value = yearly(q * p)
    price_mean = contract_years(contract.year_mean(p))
    makeup = contract_years(st.makeup)
    deficiency = contract_years(st.deficiency)
    fuel_y = yearly(f)
    penalty_base = yearly(contract.shortfall_penalised * p)
    duty = terms.export_duty
    if terms.fuel_value is None:
        fuel_cost = yearly(f * p * (1.0 - duty))
    else:
        fuel_cost = terms.fuel_value * fuel_y
    capex = capex_factor * sum((part.by_year(years) for part in terms.capex), np.zeros(n))
    total_capex = capex_factor * terms.total_capex
    operating = np.zeros(n)
    operating[op] = 1.0

    c: dict[str, FloatArray] = {
        "delivered": delivered, "invoiced": delivered - makeup, "deficiency": deficiency,
        "makeup": makeup, "fuel": fuel_y, "price_mean": price_mean,
        "revenue_gas": value - makeup * price_mean,
        "revenue_top": deficiency * price_mean,
        "penalty": -contract.terms.shortfall_penalty * penalty_base,
        "export_duty": -duty * value,
        "transit": -terms.transit_fee * delivered,
        "supply": -terms.supply_cost * delivered,
        "fuel_cost": -fuel_cost,
        "opex_fixed": -terms.opex_fixed * total_capex * operating,
        "opex_variable": -terms.opex_variable * delivered,
        "capex": -capex,
    }
    # Straight-line tax depreciation: spend before first gas from first gas, later
    # spend from the year after it.
    depreciation = np.zeros(n)
    life = terms.depreciation_years
    for i in range(n):
        if capex[i] > 0:
            s = k0 if i < k0 else i + 1
            depreciation[s:min(s + life, n)] += capex[i] / life
    nbv_start = np.concatenate(([0.0], np.cumsum(capex - depreciation)[:-1]))
    c["depreciation"] = -depreciation
    c["property_tax"] = -terms.property_tax * np.maximum(nbv_start, 0.0)
    pre_tax = sum((c[k] for k in ("revenue_gas", "revenue_top", "penalty", "export_duty",
                                  "transit", "supply", "fuel_cost", "opex_fixed",
                                  "opex_variable", "property_tax")), np.zeros(n))
    taxable = pre_tax - depreciation
    tax = np.zeros(n)
    losses = 0.0
    for i in range(n):
        base = taxable[i] - losses
        if base > 0:
            tax[i] = terms.profit_tax * base
            losses = 0.0
        else:
            losses = -base
    c["taxable_profit"] = taxable
    c["profit_tax"] = -tax
    c["cash_flow"] = pre_tax + c["capex"] - tax
    for a in c.values():
        a.flags.writeable = False
    return CashFlows(years, c, terms)


def levelised_tariff(flows: CashFlows) -> float:
    """Levelised pre-tax transport cost [USD/(m³·m)] (see the module docstring)."""
    c = flows.columns
    df = flows.discount
    cost = -(c["capex"] + c["opex_fixed"] + c["opex_variable"] + c["fuel_cost"]
             + c["transit"])
    work = c["delivered"] * flows.terms.length
    denominator = float(np.sum(df * work))
    if denominator <= 0:
        return math.nan
    return float(np.sum(df * cost)) / denominator


def breakeven_price(npv_at: Callable[[float], float], guess: float) -> float | None:
    """The flat price P* with ``npv_at(P*) = 0`` (Brent), or None if no root is found.

    ``npv_at`` is increasing in the price; the bracket grows from ``guess`` until
    it holds a sign change.
    """
    scale = max(abs(guess), 1e-9)
    lo, hi = 0.0, scale
    f_lo, f_hi = npv_at(lo), npv_at(hi)
    for _ in range(60):
        if f_lo <= 0 <= f_hi:
            break
        if f_lo > 0:
            hi, f_hi = lo, f_lo
            lo -= scale
            f_lo = npv_at(lo)
        else:
            lo, f_lo = hi, f_hi
            hi *= 2.0
            f_hi = npv_at(hi)
    else:
        return None
    if f_lo == 0:
        return lo
    return float(brentq(npv_at, lo, hi, xtol=BREAKEVEN_RTOL * scale, rtol=BREAKEVEN_RTOL,
                        maxiter=200))


@dataclass(frozen=True)
class Sensitivity:
    """One bar of a tornado: a variable, its low and high settings and labels."""

    name: str
    low_label: str
    high_label: str
    low: Callable[[], float]
    high: Callable[[], float]


def tornado(base_npv: float, sensitivities: Sequence[Sensitivity]) -> pd.DataFrame:
    """NPV at the low and high setting of each variable, widest swing first."""
    rows = []
    for s in sensitivities:
        lo, hi = s.low(), s.high()
        rows.append({"variable": s.name, "low": s.low_label, "high": s.high_label,
                     "npv_low": lo, "npv_high": hi, "npv_base": base_npv,
                     "swing": abs(hi - lo)})
    df = pd.DataFrame(rows, columns=["variable", "low", "high", "npv_low", "npv_high",
                                     "npv_base", "swing"])
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
