"""Monte Carlo ensembles of a plan: reliability, prices, demand and first-gas delay.

Each scenario ``i`` of an ensemble draws from its own random stream,
``numpy.random.SeedSequence(seed, spawn_key=(i,))`` (the i-th child of
``SeedSequence(seed).spawn``), in a fixed order: ramp-up delay, demand, price path,
pipeline outages, compressor units. A scenario's outcome is therefore a function of
``(seed, i)`` and the inputs only: the same for any chunking and any number of
workers. The work is vectorised over the scenarios of a chunk and the ~11,000 days of
the term (loops run over contract years, months or chain events only), and every
chunk is reduced to per-scenario outcomes, never holding the daily arrays of the
ensemble.

Uncertainties (all **assumptions** unless cited; see :class:`Uncertainty`):

* **Compressor units and pipeline outages**: :mod:`.reliability`; the daily running
  units per station set the daily capacity through the capacity surface
  (:mod:`.surface`): :math:`c_{s,d} = C(\\tau_d)\\,m_d\\,\\phi(u_{s,d})\\,o_{s,d}` with
  the seasonal curve :math:`C`, the planned-maintenance derate :math:`m_d`, the surface
  ratio :math:`\\phi` and the outage factor :math:`o` (``capacity_fraction`` on outage
  days, else 1).
* **Price index**: the deterministic path :math:`P_t` of the plan times a
  mean-one log-normal factor driven by an Ornstein-Uhlenbeck process (the one-factor
  mean-reverting model of Schwartz 1997, J. Finance 52(3), 923-973, in log-price
  deviations), monthly, exact discretisation:

  .. math:: S_t = P_t \\exp\\big(y_t - \\tfrac12 \\mathrm{Var}\\,y_t\\big), \\quad
            y_{t+\\Delta} = e^{-\\kappa\\Delta} y_t
            + \\sigma\\sqrt{\\tfrac{1 - e^{-2\\kappa\\Delta}}{2\\kappa}}\\,\\varepsilon_t,
            \\quad y_0 = 0

  from the start of the valuation year, so :math:`E[S_t] = P_t`. Defaults
  :math:`\\kappa = 0.30`/yr (half-life 2.3 years), :math:`\\sigma = 0.33/\\sqrt{yr}`:
  of the order of Schwartz's one-factor estimates for crude oil (assumption). The
  contract price formula (averaging, lag, reset, S-curve) is applied to each path; a
  fixed-price contract has no price uncertainty.
* **Demand**: the buyer's take of year :math:`y` is
  :math:`t_y \\exp(\\sigma_L \\varepsilon_L + \\sigma_Y \\varepsilon_y
  - (\\sigma_L^2 + \\sigma_Y^2)/2)`, clipped to [0, 2]: a scenario level
  (:math:`\\sigma_L` = 5 %) and year-to-year noise (:math:`\\sigma_Y` = 3 %).
* **Ramp-up delay**: first gas late by 0, 1, 2 or 3 whole years with probabilities
  0.60/0.25/0.10/0.05 (large pipeline projects are often late); the ramp and the
  term move with it, capex does not.

Outcomes per scenario: delivered volume, shortfall (days and volume, penalised or
excused), take-or-pay deficiency and payments, penalties, NPV, availability. The
ensemble table gives P10/P50/P90 with the petroleum convention (**P90 is exceeded
with 90 % probability**: the 10th percentile, so P90 ≤ P50 ≤ P10), the mean and its
standard error :math:`s/\\sqrt n`, and distribution-free standard errors of the
percentiles from the order-statistic confidence interval
(:math:`k_\\pm = np \\pm 1.96\\sqrt{np(1-p)}`, se ≈ (x_{(k+)} − x_{(k−)})/3.92).

With every uncertainty switched off (:data:`NO_UNCERTAINTY`) a scenario reproduces
:func:`trunkline.plan.evaluate` to round-off (tested).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.errors import InputError
from trunkline.plan.capacity import CapacityCurve
from trunkline.plan.contract import ContractTerms, DailyCalendar, daily_calendar
from trunkline.plan.economics import EconomicTerms, discount_factors
from trunkline.plan.planner import plan_curve
from trunkline.plan.prices import (
    FixedPrice,
    IndexedPrice,
    IndexPath,
    month_index,
    unit_price_factor,
)
from trunkline.plan.reliability import (
    ReliabilityModel,
    StationChain,
    outage_days,
    state_days,
    station_excursions,
)
from trunkline.plan.scenario import PlanInputs, load_plan
from trunkline.plan.surface import CapacitySurface, capacity_surface
from trunkline.units import SECONDS_PER_DAY

__all__ = [
    "NO_UNCERTAINTY",
    "ChunkExecutor",
    "MonteCarloModel",
    "MonteCarloResult",
    "Uncertainty",
    "build_model",
    "chunk_bounds",
    "in_process",
    "monte_carlo",
    "simulate_chunk",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Outcomes = dict[str, npt.NDArray[Any]]

#: Default scenarios per chunk (memory: ~10 daily float arrays of chunk × 11,000 days).
DEFAULT_CHUNK: Final = 250
_Z95: Final = 1.959963984540054


@dataclass(frozen=True)
class Uncertainty:
    """What varies between scenarios, and how (see the module docstring)."""

    reliability: ReliabilityModel = field(default_factory=ReliabilityModel)
    price_kappa: float = 0.30
    price_sigma: float = 0.33
    demand_level_sigma: float = 0.05
    demand_year_sigma: float = 0.03
    delay_years: tuple[int, ...] = (0, 1, 2, 3)
    delay_probabilities: tuple[float, ...] = (0.60, 0.25, 0.10, 0.05)
    source: str = ("assumptions: OU log-price (Schwartz 1997 one-factor, kappa 0.30/yr, "
                   "sigma 0.33/sqrt(yr)); demand 5 % level + 3 % yearly; delay 0-3 yr "
                   "0.60/0.25/0.10/0.05")

    def __post_init__(self) -> None:
        p = self.delay_probabilities
        if (len(p) != len(self.delay_years) or any(x < 0 for x in p)
                or not math.isclose(sum(p), 1.0, abs_tol=1e-9)
                or any(d < 0 for d in self.delay_years)):
            raise InputError("delay distribution: one probability >= 0 per delay, sum 1",
                             element="uncertainty", field="delay_probabilities", value=p)
        if not (self.price_kappa > 0 and self.price_sigma >= 0
                and self.demand_level_sigma >= 0 and self.demand_year_sigma >= 0):
            raise InputError("price kappa must be > 0 and every sigma >= 0",
                             element="uncertainty", field="price_kappa",
                             value=(self.price_kappa, self.price_sigma))


#: Every uncertainty off: each scenario is the deterministic plan.
NO_UNCERTAINTY: Final = Uncertainty(ReliabilityModel(enabled=False), 0.30, 0.0, 0.0, 0.0,
                                    (0,), (1.0,))


@dataclass(frozen=True)
class MonteCarloModel:
    """Everything a chunk needs (picklable: no line or gas objects)."""

    name: str
    terms: ContractTerms
    curve: CapacityCurve
    economics: EconomicTerms
    price: IndexedPrice | FixedPrice
    paths: Mapping[str, IndexPath]
    price_factor: float
    surface: CapacitySurface
    units_installed: int
    spare_units: int
    length_km: float
    uncertainty: Uncertainty
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


# ------------------------------------------------------------------ calendars


@dataclass(frozen=True)
class _Calendar:
    terms: ContractTerms
    days: int
    daily: DailyCalendar  # days, year bounds, nomination weights and band
    outside_maintenance: FloatArray  # 1.0 outside planned maintenance, 0.0 inside
    base_capacity: FloatArray
    s_grid: tuple[FloatArray, ...]
    t_grid: tuple[FloatArray, ...]
    day_month: IntArray
    first_month: int
    years: IntArray  # economic timeline
    k0: int
    capex: FloatArray
    depreciation: FloatArray
    property_tax: FloatArray
    discount: FloatArray


#: Scenarios per block of the daily work (reliability, prices, contract): ~3 MB per
#: (rows, days) array of a thread's scratch.
_ROWS: Final = 32

_CALENDARS: dict[tuple[str, int], _Calendar] = {}


def _calendar(model: MonteCarloModel, delay: int) -> _Calendar:
    key = (model.token, delay)
    cal = _CALENDARS.get(key)
    if cal is not None:
        return cal
    t = model.terms.delayed(delay) if delay else model.terms
    dc = daily_calendar(t)
    dates, starts, lengths = dc.dates, dc.starts, dc.lengths
    w, lo, hi = dc.weights, dc.lo, dc.hi
    # T_y(s) = Σ_d clip(s w_d, lo_d, hi_d) is piecewise linear in s with breakpoints
    # lo_d/w_d and hi_d/w_d: tabulated exactly, inverted by linear interpolation.
    s_grid, t_grid = [], []
    for y in range(t.years):
        sl = slice(int(starts[y]), int(starts[y] + lengths[y]))
        wy, ly, hy = w[sl], lo[sl], hi[sl]
        bp = np.unique(np.concatenate(([0.0], ly / wy, hy / wy)))
        tot = np.clip(bp[:, None] * wy[None, :], ly, hy).sum(axis=1)
        s_grid.append(bp)
        t_grid.append(tot)
    maint = dc.maintenance
    base = model.curve.daily(dates) * np.where(maint, t.maintenance_derate, 1.0)
    dm = month_index(dates)
    econ = model.economics
    first = int(t.year_labels[0])
    start = min([first] + [p.start_year for p in econ.capex])
    last = max([int(t.year_labels[-1])] + [p.start_year + len(p.profile) - 1
                                            for p in econ.capex])
    years = np.arange(start, last + 1, dtype=np.int64)
    n = len(years)
    k0 = int(np.searchsorted(years, first))
    capex = sum((p.by_year(years) for p in econ.capex), np.zeros(n))
    dep = np.zeros(n)
    for i in range(n):
        if capex[i] > 0:
            s = k0 if i < k0 else i + 1
            dep[s:min(s + econ.depreciation_years, n)] += capex[i] / econ.depreciation_years
    nbv = np.concatenate(([0.0], np.cumsum(capex - dep)[:-1]))
    vy = int(years[0]) if econ.valuation_year is None else econ.valuation_year
    cal = _Calendar(t, len(dates), dc, np.where(maint, 0.0, 1.0), base,
                    tuple(s_grid), tuple(t_grid), dm, int(dm[0]), years, k0, capex, dep,
                    econ.property_tax * np.maximum(nbv, 0.0),
                    discount_factors(years, econ.discount_rate, vy, econ.mid_year))
    _CALENDARS[key] = cal
    return cal


def _price_grid(model: MonteCarloModel) -> tuple[int, int]:
    """First month and length of the price-path grid (valuation year to the latest end)."""
    t = model.terms
    econ = model.economics
    first_gas = (t.start.year - 1970) * 12 + t.start.month - 1
    back = (model.price.averaging + model.price.lag + model.price.reset
            if isinstance(model.price, IndexedPrice) else 0)
    vy = econ.valuation_year if econ.valuation_year is not None else min(
        [t.start.year] + [p.start_year for p in econ.capex])
    g0 = min(first_gas - back, (vy - 1970) * 12)
    end = first_gas + 12 * (t.years + max(model.uncertainty.delay_years)) + 1
    return g0, end - g0


# ------------------------------------------------------------------ draws


@dataclass
class _Draws:
    delay: int
    take: FloatArray
    price_eps: FloatArray
    outage: tuple[IntArray, IntArray]
    rng: np.random.Generator


def _draw(model: MonteCarloModel, seed: int, i: int, grid_len: int) -> _Draws:
    u = model.uncertainty
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
    cum = np.cumsum(u.delay_probabilities)
    delay = u.delay_years[min(int(np.searchsorted(cum, rng.random(), side="right")),
                              len(cum) - 1)]
    years = model.terms.years
    e_level = rng.standard_normal()
    e_year = rng.standard_normal(years)
    var = u.demand_level_sigma**2 + u.demand_year_sigma**2
    take = model.terms.take_by_year() * np.exp(u.demand_level_sigma * e_level
                                               + u.demand_year_sigma * e_year - var / 2)
    price_eps = rng.standard_normal(grid_len)
    cal = _calendar(model, delay)
    rel = u.reliability
    if rel.enabled:
        out = outage_days(rng, rel.outages, model.length_km, cal.days)
    else:
        out = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    # clipped by minimum/maximum: np.clip enters an error-state context per call
    return _Draws(delay, np.minimum(np.maximum(take, 0.0), 2.0), price_eps, out, rng)


# ------------------------------------------------------------------ pieces


def _price_paths(model: MonteCarloModel, eps: FloatArray, g0: int) -> FloatArray:
    """Index (or fixed price) by month of the grid, per scenario (S, G)."""
    s, g = eps.shape
    months = np.arange(g0, g0 + g, dtype=np.int64)
    u = model.uncertainty
    if isinstance(model.price, FixedPrice):
        return np.broadcast_to(model.price.monthly(months, g0, model.paths), (s, g)).copy()
    base = model.paths[model.price.index].at(months)
    a = math.exp(-u.price_kappa / 12.0)
    b = u.price_sigma * math.sqrt((1 - a * a) / (2 * u.price_kappa))
    y = np.zeros((s, g))
    if b > 0:  # a loop over months on (S,) columns: bit-identical per row for any S
        for k in range(1, g):
            y[:, k] = a * y[:, k - 1] + b * eps[:, k]
    steps = np.arange(g, dtype=np.float64)
    var = u.price_sigma**2 * (1 - a ** (2 * steps)) / (2 * u.price_kappa)
    return np.asarray(base[None, :] * np.exp(y - var[None, :] / 2), dtype=np.float64)


def _daily_price(model: MonteCarloModel, cal: _Calendar, path: FloatArray, g0: int,
                 out: FloatArray) -> FloatArray:
    first = cal.first_month
    last = int(cal.day_month[-1])
    months = np.arange(first, last + 1, dtype=np.int64)
    f = model.price
    if isinstance(f, IndexedPrice):
        reset = months - np.mod(months - first, f.reset)
        span = np.arange(-f.lag - f.averaging, -f.lag)
        idx = np.clip(reset[:, None] + span[None, :] - g0, 0, path.shape[1] - 1)
        x = np.zeros((path.shape[0], len(months)))
        for j in range(idx.shape[1]):  # sequential: independent of the number of rows
            x += path[:, idx[:, j]]
        x /= idx.shape[1]
        if f.s_curve is not None:
            x = f.s_curve.apply(x)
        monthly = (f.constant + f.slope * x) * model.price_factor
    else:
        monthly = path[:, months - g0] * model.price_factor
    # mode="clip" (the indices are in range): "raise" buffers the output
    return np.take(np.asarray(monthly, dtype=np.float64), cal.day_month - first, axis=1,
                   out=out, mode="clip")


def _unit_factor(model: MonteCarloModel, cal: _Calendar, draws: Sequence[_Draws],
                 out: FloatArray) -> tuple[FloatArray, IntArray]:
    """Daily capacity ratio from the compressor units (S, D), written into ``out`` (a
    C-contiguous (S, D) array), and degraded days (S,)."""
    s_n = len(draws)
    surf = model.surface
    n_st = len(surf.stations)
    factor = out
    factor.fill(1.0)
    if not model.uncertainty.reliability.enabled:
        return factor, np.zeros(s_n, dtype=np.int64)
    unit = model.uncertainty.reliability.units
    nu, spare = model.units_installed, model.spare_units
    chain = StationChain(nu, spare, unit)
    hit_r, start, end, down = station_excursions(chain, [d.rng for d in draws], n_st,
                                                 float(cal.days))
    if len(hit_r):
        first, stop = state_days(start, end)
        stop = np.minimum(stop, cal.days)
        n_days = np.maximum(stop - first, 0)
        running = np.minimum(nu - down, nu - spare)
        station = hit_r % n_st
        ratio = surf.table[station, np.clip(running, 0, surf.table.shape[1] - 1)]
        rep = np.repeat(np.arange(len(hit_r)), n_days)
        offs = np.arange(len(rep)) - np.repeat(np.cumsum(n_days) - n_days, n_days)
        day = first[rep] + offs
        flat = (hit_r[rep] // n_st) * cal.days + day
        view = factor.reshape(-1)
        if surf.combine == "min":
            np.minimum.at(view, flat, ratio[rep])
        else:
            np.multiply.at(view, flat, ratio[rep])
        # degraded days: only the touched days can be below 1 (no (S, days) scan)
        touched = np.unique(flat)
        low = touched[view[touched] < 1.0]
        degraded = np.bincount(low // cal.days, minlength=s_n).astype(np.int64)
    else:
        degraded = np.zeros(s_n, dtype=np.int64)
    return factor, degraded


def _settle(top: FloatArray, taken: FloatArray, makeup_years: int
            ) -> tuple[FloatArray, FloatArray]:
    """Take-or-pay deficiency and make-up (S, Y), vectorised over scenarios
    (:func:`trunkline.plan.contract.settle_take_or_pay`)."""
    s_n, n = top.shape
    deficiency = np.maximum(top - taken, 0.0)
    excess = np.maximum(taken - top, 0.0)
    makeup = np.zeros((s_n, n))
    remaining = np.zeros((s_n, n))
    for y in range(n):
        want = excess[:, y].copy()
        for v in range(max(0, y - makeup_years), y):
            take = np.minimum(want, remaining[:, v])
            remaining[:, v] -= take
            makeup[:, y] += take
            want -= take
        remaining[:, y] = deficiency[:, y]
        old = y - makeup_years
        if y == n - 1:
            remaining[:] = 0.0
        elif old >= 0:
            remaining[:, old] = 0.0
    return deficiency, makeup


def _rowsum(a: FloatArray) -> FloatArray:
    """Row sums by a sequential cumulative sum: bit-identical for a row whatever the
    number of rows (numpy's pairwise ``sum`` may block differently by shape)."""
    if a.shape[1] == 0:
        return np.zeros(a.shape[0])
    return np.asarray(np.cumsum(a, axis=1)[:, -1], dtype=np.float64)


class _Work:
    """Scratch (rows, days) arrays of the daily work of up to ``rows`` scenarios.

    Every daily step writes into these (``out=``) instead of allocating temporaries,
    and a thread keeps its scratch between chunks (:func:`_workspace`): MB-sized
    temporaries are costly where the allocator hands them back to the system at once
    (on Dask workers, whose nanny sets ``MALLOC_TRIM_THRESHOLD_``, a chunk cost twice
    the CPU it costs in-process).
    """

    def __init__(self, rows: int, days: int) -> None:
        self.days = days
        self.a, self.b, self.c, self.d, self.factor, self.price = (
            np.empty((rows, days)) for _ in range(6))
        self.mask = np.empty((rows, days), dtype=bool)

    def view(self, rows: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                       npt.NDArray[np.bool_]]:
        return self.a[:rows], self.b[:rows], self.c[:rows], self.d[:rows], self.mask[:rows]


_LOCAL = threading.local()


def _workspace(days: int) -> _Work:
    """This thread's scratch for ``days``-long calendars (~18 MB; at most two lengths,
    a term spanning 7 or 8 leap days, are kept)."""
    cache: dict[int, _Work] | None = getattr(_LOCAL, "work", None)
    if cache is None:
        cache = {}
        _LOCAL.work = cache
    w = cache.get(days)
    if w is None:
        if len(cache) >= 2:
            cache.clear()
        w = cache[days] = _Work(_ROWS, days)
    return w


def _evaluate(model: MonteCarloModel, cal: _Calendar, take: FloatArray, factor: FloatArray,
              price: FloatArray, work: _Work) -> Outcomes:
    """Contract and cash flows of a group of scenarios on one calendar (per scenario)."""
    t = cal.terms
    st = cal.daily.starts
    s_n = take.shape[0]
    target = take * cal.daily.acq[None, :]
    scale = np.empty_like(target)
    for y in range(t.years):
        scale[:, y] = np.interp(target[:, y], cal.t_grid[y], cal.s_grid[y])
    tol = 1e-9 * cal.daily.weights.max()

    def ysum(a: FloatArray) -> FloatArray:
        # segment sums: sequential within a row, so bit-identical for any number of rows
        return np.asarray(np.add.reduceat(a, st, axis=1), dtype=np.float64)

    def count(a: FloatArray) -> IntArray:
        np.greater(a, tol, out=mask)
        return np.asarray(np.add.reduce(mask, axis=1, dtype=np.int64), dtype=np.int64)

    nominated, capacity, delivered, buf, mask = work.view(s_n)
    np.take(scale, cal.daily.year_index, axis=1, out=nominated, mode="clip")  # unbuffered
    nominated *= cal.daily.weights
    np.clip(nominated, cal.daily.lo, cal.daily.hi, out=nominated)
    nominated_y = ysum(nominated)
    np.multiply(factor, cal.base_capacity, out=capacity)
    capacity_y = ysum(capacity)
    np.minimum(nominated, capacity, out=delivered)
    taken = ysum(delivered)
    short = np.subtract(nominated, delivered, out=nominated)  # nominated no longer needed
    short_y = ysum(short)
    shortfall_days = count(short)
    penalised = np.multiply(short, cal.outside_maintenance, out=short)
    penalised_y = ysum(penalised)
    penalised_days = count(penalised)
    pen_y = ysum(np.multiply(penalised, price, out=penalised))
    value_y = ysum(np.multiply(delivered, price, out=capacity))
    delivered /= SECONDS_PER_DAY
    fuel = model.curve.fuel(delivered, out=buf)
    fuel *= SECONDS_PER_DAY
    fuel_y = ysum(fuel)
    econ = model.economics
    duty = econ.export_duty
    fuel_cost_y = (ysum(np.multiply(fuel, price, out=fuel)) * (1.0 - duty)
                   if econ.fuel_value is None else econ.fuel_value * fuel_y)
    price_y = ysum(price)
    price_mean = price_y / cal.daily.lengths[None, :]
    adjusted = np.maximum(cal.daily.acq[None, :] - short_y, 0.0)
    top = t.take_or_pay * adjusted
    deficiency, makeup = _settle(top, taken, t.makeup_years)
    n = len(cal.years)
    op = slice(cal.k0, cal.k0 + t.years)

    def span(values: FloatArray) -> FloatArray:
        out = np.zeros((s_n, n))
        out[:, op] = values
        return out

    delivered_t = span(taken)
    pre_tax = (span(value_y - makeup * price_mean) + span(deficiency * price_mean)
               - t.shortfall_penalty * span(pen_y) - duty * span(value_y)
               - (econ.transit_fee + econ.supply_cost + econ.opex_variable) * delivered_t
               - span(fuel_cost_y) - cal.property_tax[None, :])
    operating = np.zeros(n)
    operating[op] = 1.0
    pre_tax = pre_tax - econ.opex_fixed * econ.total_capex * operating[None, :]
    taxable = pre_tax - cal.depreciation[None, :]
    tax = np.zeros((s_n, n))
    losses = np.zeros(s_n)
    for i in range(n):
        base = taxable[:, i] - losses
        pos = base > 0
        tax[:, i] = np.where(pos, econ.profit_tax * base, 0.0)
        losses = np.where(pos, 0.0, -base)
    cash = pre_tax - cal.capex[None, :] - tax
    return {
        "delivered": _rowsum(taken),
        "nominated": _rowsum(nominated_y),
        "shortfall": _rowsum(short_y),
        "shortfall_penalised": _rowsum(penalised_y),
        "shortfall_days": shortfall_days,
        "penalised_days": penalised_days,
        "deficiency": _rowsum(deficiency),
        "top_payments": _rowsum(deficiency * price_mean),
        "penalty": t.shortfall_penalty * _rowsum(pen_y),
        "fuel": _rowsum(fuel_y),
        "mean_price": _rowsum(price_y) / cal.days,
        "npv": _rowsum(cash * cal.discount[None, :]),
        "capacity_availability": (_rowsum(capacity_y)
                                  / float(np.cumsum(cal.base_capacity)[-1])),
    }


#: Outcome columns: name → (unit, description).
COLUMNS: Final[Mapping[str, tuple[str, str]]] = {
    "delay": ("yr", "first gas late by"),
    "delivered": ("m3", "gas delivered over the term"),
    "nominated": ("m3", "gas nominated over the term"),
    "shortfall": ("m3", "nominated less delivered"),
    "shortfall_penalised": ("m3", "shortfall outside planned maintenance"),
    "shortfall_days": ("d", "days with any shortfall"),
    "penalised_days": ("d", "days with shortfall outside planned maintenance"),
    "degraded_days": ("d", "days with a station short of running units"),
    "outage_days": ("d", "days of pipeline outage"),
    "deficiency": ("m3", "take-or-pay deficiency volume"),
    "top_payments": ("USD", "take-or-pay deficiency payments"),
    "penalty": ("USD", "seller's shortfall penalties"),
    "fuel": ("m3", "compressor fuel"),
    "mean_price": ("USD/m3", "mean daily contract price over the term"),
    "npv": ("USD", "net present value"),
    "capacity_availability": ("-", "capacity after outages / planned capacity"),
}


def simulate_chunk(model: MonteCarloModel, seed: int, start: int, stop: int) -> Outcomes:
    """Per-scenario outcomes of scenarios ``start``..``stop-1`` (pure: a function of the
    arguments only)."""
    g0, g_len = _price_grid(model)
    draws = [_draw(model, seed, i, g_len) for i in range(start, stop)]
    ids = np.arange(start, stop, dtype=np.int64)
    out: dict[str, npt.NDArray[Any]] = {"scenario": ids}
    delays = np.array([d.delay for d in draws], dtype=np.int64)
    cols: dict[str, npt.NDArray[Any]] = {}
    frac = model.uncertainty.reliability.outages.capacity_fraction
    for delay in np.unique(delays):
        pick = np.nonzero(delays == delay)[0]
        cal = _calendar(model, int(delay))
        work = _workspace(cal.days)
        # blocks of scenarios whose (rows, days) arrays stay in the thread's scratch
        # (rows are independent: the same numbers for any blocking)
        for b0 in range(0, len(pick), _ROWS):
            rows = pick[b0:b0 + _ROWS]
            group = [draws[i] for i in rows]
            n = len(group)
            factor, degraded = _unit_factor(model, cal, group, work.factor[:n])
            outage = np.zeros(n, dtype=np.int64)
            for r, d in enumerate(group):
                for a, b in zip(*d.outage, strict=True):
                    factor[r, a:b] = np.minimum(factor[r, a:b], frac)
                if len(d.outage[0]):
                    mask = np.zeros(cal.days, dtype=bool)
                    for a, b in zip(*d.outage, strict=True):
                        mask[a:b] = True
                    outage[r] = int(mask.sum())
            path = _price_paths(model, np.stack([d.price_eps for d in group]), g0)
            price = _daily_price(model, cal, path, g0, work.price[:n])
            res = _evaluate(model, cal, np.stack([d.take for d in group]), factor, price,
                            work)
            res["delay"] = np.full(n, int(delay), dtype=np.int64)
            res["degraded_days"] = degraded
            res["outage_days"] = outage
            for k, v in res.items():
                if k not in cols:
                    cols[k] = np.zeros(len(draws), dtype=v.dtype)
                cols[k][rows] = v
    out.update({k: cols[k] for k in COLUMNS})
    return out


# ------------------------------------------------------------------ execution

ChunkTask = Callable[[int, int], Outcomes]
#: An executor runs ``task(start, stop)`` for each chunk and yields the outcomes as
#: they finish (any order).
ChunkExecutor = Callable[[ChunkTask, Sequence[tuple[int, int]]], Iterable[Outcomes]]


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of ``chunk_size`` scenarios."""
    if n < 1 or chunk_size < 1:
        raise InputError("need n >= 1 scenarios and chunk_size >= 1", element="monte carlo",
                         field="n", value=(n, chunk_size))
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def in_process(task: ChunkTask, chunks: Sequence[tuple[int, int]]) -> Iterator[Outcomes]:
    """The default executor: the chunks one after the other in this process."""
    for a, b in chunks:
        yield task(a, b)


class _Task:
    """A picklable chunk task (model and seed bound)."""

    def __init__(self, model: MonteCarloModel, seed: int) -> None:
        self.model = model
        self.seed = seed

    def __call__(self, start: int, stop: int) -> Outcomes:
        return simulate_chunk(self.model, self.seed, start, stop)


def assemble(parts: Iterable[Outcomes], n: int) -> Outcomes:
    """Concatenate chunk outcomes in scenario order; check each scenario exactly once."""
    plist = list(parts)
    ids = np.concatenate([p["scenario"] for p in plist]) if plist else np.zeros(0, np.int64)
    counts = np.bincount(ids, minlength=n) if len(ids) else np.zeros(n, np.int64)
    if len(counts) != n or not np.all(counts == 1):
        missing = np.nonzero(counts[:n] == 0)[0][:5].tolist()
        dup = np.nonzero(counts > 1)[0][:5].tolist()
        raise InputError("ensemble incomplete or duplicated", element="monte carlo",
                         field="scenario", value={"missing": missing, "duplicated": dup},
                         expected=f"each scenario 0..{n - 1} exactly once")
    order = np.argsort(ids, kind="stable")
    return {k: np.concatenate([p[k] for p in plist])[order] for k in plist[0]}


# ------------------------------------------------------------------ result


def _quantile_se(sorted_x: FloatArray, p: float) -> float:
    n = len(sorted_x)
    if n < 2:
        return math.nan
    half = _Z95 * math.sqrt(n * p * (1 - p))
    lo = int(max(math.floor(n * p - half), 0))
    hi = int(min(math.ceil(n * p + half), n - 1))
    return float(sorted_x[hi] - sorted_x[lo]) / (2 * _Z95)


@dataclass(frozen=True)
class MonteCarloResult:
    """An ensemble: per-scenario outcomes and their percentiles (immutable).

    ``outcomes`` (new DataFrame): one row per scenario, columns of :data:`COLUMNS`
    (SI units, USD). ``percentiles``: one row per outcome: mean, standard deviation,
    standard error of the mean, P90/P50/P10 (P90 exceeded with 90 % probability) and
    their standard errors.
    """

    scenario: str
    n: int
    seed: int
    columns: Mapping[str, npt.NDArray[Any]] = field(repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)
    store_scenarios: bool = True

    store_kind = "montecarlo"

    @property
    def outcomes(self) -> pd.DataFrame:
        return pd.DataFrame({k: np.array(v) for k, v in self.columns.items()})

    @property
    def percentiles(self) -> pd.DataFrame:
        rows = []
        for name, (unit, desc) in COLUMNS.items():
            x = np.sort(np.asarray(self.columns[name], dtype=np.float64))
            sd = float(np.std(x, ddof=1)) if len(x) > 1 else math.nan
            q = {p: float(np.quantile(x, p)) for p in (0.1, 0.5, 0.9)}
            rows.append({"metric": name, "unit": unit, "description": desc,
                         "mean": float(np.mean(x)), "std": sd,
                         "se_mean": sd / math.sqrt(len(x)),
                         "p90": q[0.1], "p50": q[0.5], "p10": q[0.9],
                         "se_p90": _quantile_se(x, 0.1), "se_p50": _quantile_se(x, 0.5),
                         "se_p10": _quantile_se(x, 0.9)})
        return pd.DataFrame(rows)

    def metric(self, name: str) -> dict[str, float]:
        """One row of :attr:`percentiles` as a dict."""
        rows = self.percentiles.to_dict(orient="records")
        row = next(r for r in rows if r["metric"] == name)
        return {str(k): float(v) for k, v in row.items()
                if k not in ("metric", "unit", "description")}

    def store_tables(self) -> dict[str, pd.DataFrame]:
        tables = {"percentiles": self.percentiles}
        if self.store_scenarios:
            tables["scenarios"] = self.outcomes
        return tables

    def store_summary(self) -> dict[str, Any]:
        p = {str(r["metric"]): r for r in self.percentiles.to_dict(orient="records")}
        out: dict[str, Any] = {"scenario": self.scenario, "n": self.n, "seed": self.seed}
        for m in ("delivered", "shortfall_days", "top_payments", "npv"):
            for c in ("p90", "p50", "p10", "mean", "se_mean"):
                out[f"{m}_{c}"] = float(p[m][c])
        out.update({f"setting_{k}": v for k, v in self.settings.items()})
        return out

    def with_store_scenarios(self, keep: bool) -> MonteCarloResult:
        """The same result, storing (or not) the per-scenario table."""
        return replace(self, store_scenarios=keep)


# ------------------------------------------------------------------ entry point


def build_model(inputs: PlanInputs, *, curve: CapacityCurve | None = None,
                surface: CapacitySurface | None = None,
                uncertainty: Uncertainty | None = None) -> MonteCarloModel:
    """The picklable model of a plan (computes the curve and surface when not given)."""
    cv = (curve.in_reference(inputs.line.gas, inputs.contract.reference) if curve is not None
          else plan_curve(inputs))
    line = inputs.line
    design = inputs.capacity.design_throughput
    work = line.with_throughput(design) if design is not None else line
    surf = surface if surface is not None else capacity_surface(work)
    tpl = line.station_design
    n_run = max(surf.running)
    factor = unit_price_factor(inputs.price.unit, inputs.price.currency, inputs.context,
                               field="unit", element="price")
    return MonteCarloModel(inputs.name, inputs.contract, cv, inputs.economics, inputs.price,
                           dict(inputs.paths), factor, surf, n_run + tpl.spare_units,
                           tpl.spare_units, line.length / 1000.0,
                           uncertainty or Uncertainty())


def monte_carlo(scenario: PlanInputs | str | Path = "power_of_siberia_2", n: int = 1000,
                seed: int = 0, *, chunk_size: int = DEFAULT_CHUNK,
                curve: CapacityCurve | None = None, surface: CapacitySurface | None = None,
                uncertainty: Uncertainty | None = None,
                executor: ChunkExecutor | None = None,
                progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    """A Monte Carlo ensemble of a plan (see the module docstring).

    Args:
        scenario: plan name, plan TOML or :class:`PlanInputs`.
        n: scenarios; seed: the ensemble seed.
        chunk_size: scenarios per chunk (does not change the result).
        curve, surface: capacity curve and surface (default: from the hydraulics, cached).
        uncertainty: what varies (default :class:`Uncertainty`).
        executor: runs the chunks (default :func:`in_process`; ``trunkline.run`` has
            Dask executors); does not change the result.
        progress: called with the number of scenarios of each finished chunk.
    """
    inputs = scenario if isinstance(scenario, PlanInputs) else load_plan(scenario)
    model = build_model(inputs, curve=curve, surface=surface, uncertainty=uncertainty)
    chunks = chunk_bounds(n, chunk_size)
    run = executor or in_process

    def parts() -> Iterator[Outcomes]:
        for part in run(_Task(model, seed), chunks):
            if progress is not None:
                progress(len(part["scenario"]))
            yield part

    cols = assemble(parts(), n)
    for v in cols.values():
        v.flags.writeable = False
    u = model.uncertainty
    settings = {"chunk_size": chunk_size, "price_kappa": u.price_kappa,
                "price_sigma": u.price_sigma, "demand_level_sigma": u.demand_level_sigma,
                "demand_year_sigma": u.demand_year_sigma,
                "reliability": u.reliability.enabled,
                "mtbf_h": u.reliability.units.mtbf, "mttr_h": u.reliability.units.mttr,
                "outage_rate": u.reliability.outages.rate,
                "surface": model.surface.source, "curve": model.curve.source}
    return MonteCarloResult(inputs.name, n, seed, cols, settings)
