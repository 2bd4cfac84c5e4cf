"""Long-term gas sales contract: terms and a vectorised daily engine over the whole term.

Volumes are standard cubic metres at the contract's reference condition (RU,
20 °C, by default); a contract year starts on the anniversary of first gas and
has 365 or 366 calendar days.

Rules, day :math:`d` of contract year :math:`y` with :math:`L_y` days
-------------------------------------------------------------------------

1. **Annual and daily contract quantity.** :math:`ACQ_y = ACQ \\cdot r_y` with the
   ramp-up fraction :math:`r_y` (1 after the ramp), :math:`DCQ_y = ACQ_y / L_y`
   (ACQ/365 in a common year).
2. **Nominations.** The buyer asks for :math:`T_y = t_y\\,ACQ_y` (take level
   :math:`t_y`, 1 by default) shaped by the seasonal profile :math:`w_d` (mean 1
   over the contract year) and held within the daily flexibility band:

   .. math:: n_d = \\min\\big(\\max(s_y\\,w_d\\,DCQ_y,\\; f_{min} DCQ_y),\\;
             f_{max} DCQ_y\\big), \\qquad \\sum_{d\\in y} n_d = T_y

   :math:`s_y = t_y` when no day touches the band; otherwise :math:`s_y` is found
   so the year still sums to :math:`T_y` (the band caps what cannot be met).
3. **Deliveries.** Capacity :math:`c_d` (the hydraulic curve, times the
   maintenance derate on planned-maintenance days); :math:`q_d = \\min(n_d, c_d)`
   and the shortfall :math:`s_d = n_d - q_d`, so that nominated = delivered +
   shortfall on every day. Shortfall on a planned-maintenance day is *excused*;
   on any other day it is the seller's failure and *penalised* (the seller pays
   ``shortfall_penalty`` × price on it, see :mod:`trunkline.plan.economics`).
4. **Take-or-pay.** The ACQ is reduced by the gas the seller did not make
   available (all shortfall, excused or not): :math:`ACQ^{adj}_y = ACQ_y - S_y`.
   The take-or-pay quantity is :math:`TOP_y = p\\,ACQ^{adj}_y`; the deficiency
   :math:`D_y = \\max(0, TOP_y - Q_y)` is paid for at the year's price and
   enters the make-up bank as vintage :math:`y`.
5. **Make-up.** Gas taken in a later year above that year's take-or-pay
   quantity, :math:`E_y = \\max(0, Q_y - TOP_y)`, is credited as make-up gas
   from the bank, oldest vintage first, and is not invoiced again:
   :math:`M_y = \\min(E_y, B_y)`. A vintage may be recovered in the
   ``makeup_years`` contract years after the year it was paid; what is left then
   expires (``makeup_years = 0``: no make-up right). Whatever is left at the end
   of the term expires unrefunded. Make-up gas is credited on the days the
   cumulative deliveries of the year pass :math:`TOP_y` (settled at year end with
   the year's final :math:`TOP_y`).

Only the make-up bank is a loop, over the ~30 contract years; every day-level
quantity is a numpy operation over the ~11,000 days of the term.

The rules follow the usual logic of long-term pipeline-gas contracts (take-or-pay
with make-up rights, the seller's shortfall liability and planned-maintenance
allowance). The PoS2 take-or-pay level is not published; 80-90 % of the ACQ is
usual [S:take-or-pay].
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.errors import InputError
from trunkline.plan.capacity import CapacityCurve, maintenance_mask, year_fraction
from trunkline.units import RU, ReferenceCondition

__all__ = [
    "FLAT",
    "NORTH_CHINA_WINTER",
    "PROFILES",
    "ContractResult",
    "ContractTerms",
    "DailyCalendar",
    "SeasonalProfile",
    "TakeOrPaySettlement",
    "daily_calendar",
    "load_profile",
    "run_contract",
    "settle_take_or_pay",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_BAND_ITERATIONS: Final = 80  # bisection steps for the band scale s_y (2^-80: exact in float)


# ------------------------------------------------------------------ seasonal profile


@dataclass(frozen=True)
class SeasonalProfile:
    """A shape of nominations over the calendar year (its level does not matter).

    ``factors`` are 12 monthly values (placed at mid-month and interpolated
    periodically and linearly, as the capacity curve) or 365 daily values (day
    366 of a leap year repeats day 365). The engine normalises them to mean 1 over
    each contract year.
    """

    name: str
    factors: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.factors) not in (12, 365):
            raise InputError("a profile needs 12 monthly or 365 daily factors",
                             element=f"profile {self.name}", field="factors",
                             value=len(self.factors), expected="12 or 365 values")
        if not all(math.isfinite(f) and f > 0 for f in self.factors):
            raise InputError("profile factors must be positive", element=f"profile {self.name}",
                             field="factors", value=min(self.factors), expected="values > 0")

    def shape(self, dates: npt.NDArray[np.datetime64]) -> FloatArray:
        """The (unnormalised) factor on each date."""
        f = np.asarray(self.factors, dtype=np.float64)
        if len(f) == 12:
            mid = (np.arange(1, 13) - 0.5) / 12.0
            return np.asarray(np.interp(year_fraction(dates), mid, f, period=1.0),
                              dtype=np.float64)
        d = dates.astype("datetime64[D]")
        doy = (d - d.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
        return np.asarray(f[np.minimum(doy, 364)], dtype=np.float64)


#: Flat nominations (a baseload contract).
FLAT: Final = SeasonalProfile("flat", (1.0,) * 12, "flat baseload nominations")

#: Winter-peaking nominations of northern-China heating demand, ±10 % (Jan/Dec peak,
#: July trough). Assumption: northern China's gas demand peaks in the heating season;
#: a pipeline import contract passes on only a mild swing (storage and LNG take the
#: rest), held here within a ±10 % daily band. The factors average exactly 1.
NORTH_CHINA_WINTER: Final = SeasonalProfile(
    "north-china",
    (1.10, 1.08, 1.04, 0.98, 0.94, 0.92, 0.90, 0.92, 0.96, 1.00, 1.06, 1.10),
    "assumption: northern-China heating season, ±10 % swing (no public nomination data)",
)

#: Built-in profiles by name.
PROFILES: Final = {p.name: p for p in (FLAT, NORTH_CHINA_WINTER)}


def load_profile(path: str | Path) -> SeasonalProfile:
    """Read a profile CSV: a header row, then 12 rows ``month,factor`` or 365 ``day,factor``.

    Raises:
        InputError: unreadable file, wrong row count, non-numeric or non-positive factors.
    """
    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except OSError as exc:
        raise InputError(f"cannot read profile: {exc}", element="profile", field="path",
                         value=str(p)) from None
    try:
        values = tuple(float(r[-1]) for r in rows[1:])
    except (ValueError, IndexError):
        raise InputError("profile rows must end in a number", element="profile",
                         field="path", value=str(p),
                         expected="a header, then rows 'month,factor' or 'day,factor'") from None
    return SeasonalProfile(p.stem, values, f"file {p.name}")


# ------------------------------------------------------------------ terms


@dataclass(frozen=True)
class ContractTerms:
    """Terms of a long-term sales contract (volumes at ``reference``; SI).

    Attributes:
        acq: plateau annual contract quantity [m³ per contract year].
        reference: reference condition of every volume.
        start: first gas, also the start of every contract year (its anniversary).
        years: term in contract years.
        ramp: ACQ fraction of contract years 1, 2, … during the ramp-up; 1 after.
        take: the buyer's nominations as a fraction of the year's ACQ, per contract
            year (the last value holds for the rest of the term).
        dcq_min, dcq_max: daily flexibility band as fractions of the DCQ.
        profile: seasonal shape of the nominations.
        take_or_pay: take-or-pay fraction of the adjusted ACQ.
        makeup_years: contract years after payment in which make-up gas may be taken.
        shortfall_penalty: the seller's penalty on undelivered gas (outside planned
            maintenance) as a fraction of the contract price.
        maintenance_days: planned-maintenance days a calendar year.
        maintenance_start: (month, day) on which the maintenance days begin.
        maintenance_derate: capacity on those days as a fraction of the curve's.
    """

    acq: float
    reference: ReferenceCondition = RU
    start: date = date(2031, 1, 1)
    years: int = 30
    ramp: tuple[float, ...] = ()
    take: tuple[float, ...] = (1.0,)
    dcq_min: float = 0.0
    dcq_max: float = 1.1
    profile: SeasonalProfile = field(default=FLAT)
    take_or_pay: float = 0.85
    makeup_years: int = 5
    shortfall_penalty: float = 0.0
    maintenance_days: int = 0
    maintenance_start: tuple[int, int] = (7, 15)
    maintenance_derate: float = 0.7

    def __post_init__(self) -> None:
        def bad(fld: str, value: object, expected: str) -> InputError:
            return InputError("invalid contract term", element="contract", field=fld,
                              value=value, expected=expected)

        if not (math.isfinite(self.acq) and self.acq > 0):
            raise bad("acq", self.acq, "a positive volume per year")
        if not 1 <= self.years <= 100:
            raise bad("years", self.years, "1-100 contract years")
        if self.start.month == 2 and self.start.day == 29:
            raise bad("start", self.start, "a date other than 29 February (anniversaries)")
        if any(not (math.isfinite(r) and 0 <= r <= 1.5) for r in self.ramp):
            raise bad("ramp", self.ramp, "fractions of ACQ in [0, 1.5]")
        if not self.take or any(not (math.isfinite(t) and 0 <= t <= 2) for t in self.take):
            raise bad("take", self.take, "fractions of ACQ in [0, 2]")
        if not 0 <= self.dcq_min <= 1 <= self.dcq_max:
            raise bad("dcq_min/dcq_max", (self.dcq_min, self.dcq_max),
                      "0 <= dcq_min <= 1 <= dcq_max")
        if not 0 <= self.take_or_pay <= 1:
            raise bad("take_or_pay", self.take_or_pay, "a fraction in [0, 1]")
        if not 0 <= self.makeup_years <= 50:
            raise bad("makeup_years", self.makeup_years, "0-50 years")
        if not 0 <= self.shortfall_penalty <= 10:
            raise bad("shortfall_penalty", self.shortfall_penalty, "a fraction of price >= 0")
        if not 0 <= self.maintenance_days <= 120:
            raise bad("maintenance_days", self.maintenance_days, "0-120 days a year")
        if not 0 <= self.maintenance_derate <= 1:
            raise bad("maintenance_derate", self.maintenance_derate, "a fraction in [0, 1]")
        month, day = self.maintenance_start
        try:
            date(2001, month, day)
        except ValueError:
            raise bad("maintenance_start", self.maintenance_start,
                      "(month, day) of a common year") from None

    # -- calendar -------------------------------------------------------------------
    @property
    def year_starts(self) -> npt.NDArray[np.datetime64]:
        """Start date of each contract year, plus the end of the term (years + 1 dates)."""
        s = self.start
        return np.array([np.datetime64(date(s.year + k, s.month, s.day))
                         for k in range(self.years + 1)], dtype="datetime64[D]")

    @property
    def year_labels(self) -> IntArray:
        """Calendar year in which each contract year starts."""
        return np.arange(self.start.year, self.start.year + self.years, dtype=np.int64)

    @property
    def end(self) -> date:
        """The day after the last day of the term."""
        return date(self.start.year + self.years, self.start.month, self.start.day)

    def acq_by_year(self) -> FloatArray:
        """ACQ of each contract year (ramp applied) [m³]."""
        r = np.ones(self.years)
        k = min(len(self.ramp), self.years)
        r[:k] = self.ramp[:k]
        return self.acq * r

    def take_by_year(self) -> FloatArray:
        """Take level of each contract year [-] (the last value held)."""
        t = np.full(self.years, self.take[-1])
        k = min(len(self.take), self.years)
        t[:k] = self.take[:k]
        return t

    def delayed(self, years: int) -> ContractTerms:
        """The same contract with first gas ``years`` later (ramp and term move with it)."""
        s = self.start
        return replace(self, start=date(s.year + years, s.month, s.day))


# ------------------------------------------------------------------ take-or-pay settlement


@dataclass(frozen=True)
class TakeOrPaySettlement:
    """Year-by-year take-or-pay outcome (volumes; see the module rules 4-5).

    ``recovered[v, y]`` is the make-up gas of vintage ``v`` (paid in year ``v``)
    taken in year ``y``.
    """

    deficiency: FloatArray
    makeup: FloatArray
    expired: FloatArray
    bank_start: FloatArray
    bank_end: FloatArray
    recovered: FloatArray


def settle_take_or_pay(top_quantity: npt.ArrayLike, taken: npt.ArrayLike,
                       makeup_years: int) -> TakeOrPaySettlement:
    """Deficiency, make-up and expiry of each contract year.

    .. math::
        D_y = \\max(0, TOP_y - Q_y), \\quad E_y = \\max(0, Q_y - TOP_y), \\quad
        M_y = \\min(E_y, B_y)

    with :math:`B_y` the bank of vintages :math:`y-N \\le v < y` not yet
    recovered, drawn oldest first; a vintage left at the end of year :math:`v+N`
    (or of the term) expires.
    """
    top = np.asarray(top_quantity, dtype=np.float64)
    q = np.asarray(taken, dtype=np.float64)
    n = len(top)
    deficiency = np.maximum(top - q, 0.0)
    excess = np.maximum(q - top, 0.0)
    makeup = np.zeros(n)
    expired = np.zeros(n)
    bank_start = np.zeros(n)
    bank_end = np.zeros(n)
    recovered = np.zeros((n, n))
    remaining = np.zeros(n)  # by vintage
    for y in range(n):
        bank_start[y] = remaining.sum()
        want = excess[y]
        v0 = max(0, y - makeup_years)
        for v in range(v0, y):
            if want <= 0:
                break
            take = min(want, remaining[v])
            if take > 0:
                remaining[v] -= take
                recovered[v, y] = take
                makeup[y] += take
                want -= take
        remaining[y] = deficiency[y]
        old = y - makeup_years
        if y == n - 1:
            expired[y] = remaining.sum()
            remaining[:] = 0.0
        elif old >= 0:
            expired[y] = remaining[old]
            remaining[old] = 0.0
        bank_end[y] = remaining.sum()
    return TakeOrPaySettlement(deficiency, makeup, expired, bank_start, bank_end, recovered)


# ------------------------------------------------------------------ daily engine


_A = TypeVar("_A", bound=npt.NDArray[Any])


def _readonly(a: _A) -> _A:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class ContractResult:
    """Day-by-day and year-by-year outcome of a contract (volumes in m³ at ``reference``).

    Daily arrays (one value a day of the term): ``dates``, ``year_index`` (0-based
    contract year), ``nominated``, ``capacity`` (after maintenance derate),
    ``maintenance``, ``delivered``, ``shortfall_excused``, ``shortfall_penalised``,
    ``makeup`` (make-up gas credited that day).

    Yearly arrays (one value a contract year): ``acq``, ``adjusted_acq``,
    ``top_quantity`` and the :class:`TakeOrPaySettlement`.
    """

    terms: ContractTerms
    dates: npt.NDArray[np.datetime64]
    year_index: IntArray
    starts: IntArray
    nominated: FloatArray
    capacity: FloatArray
    maintenance: BoolArray
    delivered: FloatArray
    shortfall_excused: FloatArray
    shortfall_penalised: FloatArray
    makeup: FloatArray
    acq: FloatArray
    adjusted_acq: FloatArray
    top_quantity: FloatArray
    settlement: TakeOrPaySettlement

    @property
    def shortfall(self) -> FloatArray:
        """Daily shortfall, nominated − delivered [m³]."""
        return self.shortfall_excused + self.shortfall_penalised

    @property
    def years(self) -> IntArray:
        """Calendar year in which each contract year starts."""
        return self.terms.year_labels

    def yearly_sum(self, daily: npt.ArrayLike) -> FloatArray:
        """Sum of a daily array over each contract year."""
        return np.asarray(np.add.reduceat(np.asarray(daily, dtype=np.float64), self.starts),
                          dtype=np.float64)

    def year_mean(self, daily: npt.ArrayLike) -> FloatArray:
        """Mean of a daily array over each contract year."""
        return self.yearly_sum(daily) / np.diff(np.append(self.starts, len(self.dates)))

    def year_to_date(self, daily: npt.ArrayLike) -> FloatArray:
        """Cumulative sum of a daily array since the start of each day's contract year."""
        cum = np.cumsum(np.asarray(daily, dtype=np.float64))
        before = np.concatenate(([0.0], cum))[self.starts][self.year_index]
        return np.asarray(cum - before, dtype=np.float64)

    def daily_frame(self) -> pd.DataFrame:
        """Daily table (new DataFrame): volumes [m³] at the contract reference.

        ``top_remaining`` is the year's take-or-pay quantity still to take and
        ``makeup_bank`` the make-up gas still recoverable (bank at the start of the
        year less the make-up taken so far; the year's own deficiency enters at
        year end).
        """
        delivered = self.delivered
        cum_year = self.year_to_date(delivered)
        top = self.top_quantity[self.year_index]
        bank = self.settlement.bank_start[self.year_index] - self.year_to_date(self.makeup)
        return pd.DataFrame({
            "date": pd.to_datetime(self.dates),
            "contract_year": self.years[self.year_index],
            "nominated": self.nominated.copy(),
            "capacity": self.capacity.copy(),
            "maintenance": self.maintenance.copy(),
            "delivered": delivered.copy(),
            "shortfall": self.shortfall,
            "shortfall_excused": self.shortfall_excused.copy(),
            "shortfall_penalised": self.shortfall_penalised.copy(),
            "cumulative_delivered": cum_year,
            "top_remaining": np.maximum(top - cum_year, 0.0),
            "makeup": self.makeup.copy(),
            "makeup_bank": np.maximum(bank, 0.0),
        })

    def yearly_frame(self) -> pd.DataFrame:
        """Yearly table (new DataFrame) of the contract years [m³]."""
        st = self.settlement
        delivered = self.yearly_sum(self.delivered)
        return pd.DataFrame({
            "contract_year": self.years,
            "days": np.diff(np.append(self.starts, len(self.dates))),
            "acq": self.acq.copy(),
            "nominated": self.yearly_sum(self.nominated),
            "capacity": self.yearly_sum(self.capacity),
            "delivered": delivered,
            "shortfall_excused": self.yearly_sum(self.shortfall_excused),
            "shortfall_penalised": self.yearly_sum(self.shortfall_penalised),
            "adjusted_acq": self.adjusted_acq.copy(),
            "top_quantity": self.top_quantity.copy(),
            "deficiency": st.deficiency.copy(),
            "makeup": st.makeup.copy(),
            "expired": st.expired.copy(),
            "makeup_bank": st.bank_end.copy(),
            "invoiced": delivered - st.makeup,
        })


def _nominations(weights: FloatArray, lo: FloatArray, hi: FloatArray, target: FloatArray,
                 year_index: IntArray, starts: IntArray) -> FloatArray:
    """n_d = clip(s_y·w_d, lo_d, hi_d) with Σ_y n_d = T_y (rule 2), per year.

    Years where s_y = T_y / Σ w_d keeps every day inside the band take that exact
    value; the others are solved by bisection on s_y (vectorised over the years),
    then the unclipped days are rescaled so the year sums to T_y to round-off.
    """
    wsum = np.add.reduceat(weights, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        s0 = np.where(wsum > 0, target / wsum, 0.0)
    n = s0[year_index] * weights
    outside = (n < lo) | (n > hi)
    bad_year = np.add.reduceat(outside.astype(np.int64), starts) > 0
    if not np.any(bad_year):
        return n
    lo_sum = np.add.reduceat(lo, starts)
    hi_sum = np.add.reduceat(hi, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(weights > 0, hi / weights, 0.0)
    s_lo = np.zeros(len(starts))
    s_hi = np.maximum(np.maximum.reduceat(ratio, starts), s0) * 2.0 + 1.0
    for _ in range(_BAND_ITERATIONS):
        mid = 0.5 * (s_lo + s_hi)
        total = np.add.reduceat(np.clip(mid[year_index] * weights, lo, hi), starts)
        up = total < target
        s_lo = np.where(up, mid, s_lo)
        s_hi = np.where(up, s_hi, mid)
    s = np.where(bad_year, 0.5 * (s_lo + s_hi), s0)
    n = np.clip(s[year_index] * weights, lo, hi)
    free = (n > lo) & (n < hi)
    free_sum = np.add.reduceat(np.where(free, n, 0.0), starts)
    fixed_sum = np.add.reduceat(np.where(free, 0.0, n), starts)
    goal = np.clip(target, lo_sum, hi_sum)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(bad_year & (free_sum > 0), (goal - fixed_sum) / free_sum, 1.0)
    return np.where(free, n * k[year_index], n)


@dataclass(frozen=True)
class DailyCalendar:
    """The days of a contract term and what the nominations are built from.

    Attributes:
        dates: every day of the term (datetime64[D]).
        starts: index of each contract year's first day; ``lengths`` its days.
        year_index: contract year of each day.
        acq: annual contract quantity of each year [m³].
        weights: the profile's daily nomination at scale 1 (Σ over a year = ACQ_y) [m³].
        lo, hi: the daily flexibility band, DCQ_min·DCQ and DCQ_max·DCQ [m³].
        maintenance: planned-maintenance days.
    """

    dates: npt.NDArray[np.datetime64]
    starts: IntArray
    lengths: IntArray
    year_index: IntArray
    acq: FloatArray
    weights: FloatArray
    lo: FloatArray
    hi: FloatArray
    maintenance: BoolArray


def daily_calendar(terms: ContractTerms) -> DailyCalendar:
    """The :class:`DailyCalendar` of a contract (shared by the contract engine and the
    Monte Carlo)."""
    bounds = terms.year_starts
    dates = np.arange(bounds[0], bounds[-1], dtype="datetime64[D]")
    starts = (bounds[:-1] - bounds[0]).astype(np.int64)
    lengths = np.diff((bounds - bounds[0]).astype(np.int64))
    year_index = np.repeat(np.arange(terms.years, dtype=np.int64), lengths)
    acq = terms.acq_by_year()
    dcq = (acq / lengths)[year_index]
    shape = terms.profile.shape(dates)
    mean_shape = (np.add.reduceat(shape, starts) / lengths)[year_index]
    weights = shape / mean_shape * dcq  # Σ over a year = ACQ_y
    maint = maintenance_mask(dates, terms.maintenance_days, *terms.maintenance_start)
    return DailyCalendar(dates, starts, lengths, year_index, acq, weights,
                         terms.dcq_min * dcq, terms.dcq_max * dcq, maint)


def run_contract(terms: ContractTerms, curve: CapacityCurve) -> ContractResult:
    """Simulate the contract day by day over its whole term against a capacity curve.

    ``curve`` must be at the contract's reference condition (see
    :meth:`CapacityCurve.in_reference`). See the module docstring for the rules.

    Raises:
        InputError: when the curve's reference differs from the contract's.
    """
    if curve.reference != terms.reference:
        raise InputError("capacity curve at another reference than the contract",
                         element="contract", field="reference", value=curve.reference.name,
                         expected=f"a curve @ {terms.reference.name} (curve.in_reference)")
    cal = daily_calendar(terms)
    dates, starts, year_index, acq = cal.dates, cal.starts, cal.year_index, cal.acq
    target = terms.take_by_year() * acq
    nominated = _nominations(cal.weights, cal.lo, cal.hi, target, year_index, starts)

    maint = cal.maintenance
    capacity = curve.daily(dates) * np.where(maint, terms.maintenance_derate, 1.0)
    delivered = np.minimum(nominated, capacity)
    shortfall = nominated - delivered
    excused = np.where(maint, shortfall, 0.0)
    penalised = shortfall - excused

    taken = np.add.reduceat(delivered, starts)
    adjusted = np.maximum(acq - np.add.reduceat(shortfall, starts), 0.0)
    top = terms.take_or_pay * adjusted
    st = settle_take_or_pay(top, taken, terms.makeup_years)

    # Daily make-up credit: the part of the year's cumulative deliveries above TOP_y,
    # up to M_y (rule 5).
    cum = np.cumsum(delivered)
    before = np.concatenate(([0.0], cum))[starts][year_index]
    over = np.clip(cum - before - top[year_index], 0.0, st.makeup[year_index])  # year to date
    over_prev = np.concatenate(([0.0], over[:-1]))
    over_prev[starts] = 0.0
    makeup = over - over_prev

    arrays = (nominated, capacity, delivered, excused, penalised, makeup, acq, adjusted, top)
    for a in arrays:
        _readonly(a)
    return ContractResult(terms, _readonly(dates), _readonly(year_index), _readonly(starts),
                          nominated, capacity, _readonly(maint), delivered, excused, penalised,
                          makeup, acq, adjusted, top, st)

