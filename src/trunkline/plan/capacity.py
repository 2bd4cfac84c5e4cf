"""The line's deliverable capacity over the year and its fuel use, from the hydraulics.

The contract engine needs, for every day of a 30-year term, how much gas the line
can deliver and how much fuel the compressor stations burn. Both come from the
steady hydraulics (:mod:`trunkline.solve`), computed once per line and cached:

* **capacity**: :func:`trunkline.solve.max_throughput` at the ground temperature
  of each sampled month (the stations held at their layout), measured at the
  delivery point. Between the samples the curve is interpolated periodically and
  linearly in the year fraction :math:`\\tau = (d - \\tfrac12)/N` of day
  :math:`d` (1-based) of an :math:`N`-day calendar year, the sample of month
  :math:`m` standing at mid-month :math:`\\tau_m = (m - \\tfrac12)/12`:

  .. math:: C(\\tau) = C_{m} + (C_{m'} - C_{m})\\,
            \\frac{\\tau - \\tau_m}{\\tau_{m'} - \\tau_m} \\quad (\\text{modulo } 1)

  The ground temperature of the scenario is a smooth seasonal cycle, so four
  samples (January, April, July, October) reproduce the twelve-month curve closely
  at a third of the cost (about 2-4 s of hydraulics per month).

* **fuel**: :func:`trunkline.solve.simulate` at a few fractions of the design
  throughput (annual-mean ground temperature), interpolated as a power law between
  neighbouring points (linear in log-log), through the origin:

  .. math:: F(q) = F_i \\left(\\frac{q}{q_i}\\right)^{b_i}, \\qquad
            b_i = \\frac{\\ln(F_{i+1}/F_i)}{\\ln(q_{i+1}/q_i)}

  Compressor fuel of a line with a fixed station layout grows much faster than
  the flow (pressure losses grow as :math:`q^2`, so power as about :math:`q^3`),
  so a linear fuel share would be badly wrong during the ramp-up years.

Planned maintenance is a derate of the capacity on given days; see
:func:`maintenance_mask`.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.errors import ConvergenceError, InfeasibleError, InputError
from trunkline.gas import Gas
from trunkline.model import Trunkline
from trunkline.solve import max_throughput, simulate
from trunkline.units import (
    SECONDS_PER_CONTRACT_YEAR,
    SECONDS_PER_DAY,
    ReferenceCondition,
    StandardVolumeFlow,
    convert_reference,
)

__all__ = [
    "ALL_MONTHS",
    "COARSE_MONTHS",
    "DEFAULT_FUEL_FRACTIONS",
    "CapacityCurve",
    "capacity_curve",
    "clear_capacity_cache",
    "maintenance_mask",
    "table_curve",
    "year_fraction",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Every month: the full seasonal curve (12 capacity searches).
ALL_MONTHS: Final = tuple(range(1, 13))
#: One month a season: the cheap curve (4 capacity searches).
COARSE_MONTHS: Final = (1, 4, 7, 10)
#: Fractions of the design throughput at which the fuel curve is sampled [-].
DEFAULT_FUEL_FRACTIONS: Final = (0.25, 0.5, 0.75, 1.0)


def year_fraction(dates: npt.NDArray[np.datetime64]) -> FloatArray:
    """Year fraction τ = (d − ½)/N of each date: d its day of year (1-based), N = 365 or 366."""
    days = dates.astype("datetime64[D]")
    year_start = days.astype("datetime64[Y]").astype("datetime64[D]")
    next_start = (days.astype("datetime64[Y]") + 1).astype("datetime64[D]")
    doy = (days - year_start).astype(np.int64) + 1
    length = (next_start - year_start).astype(np.int64)
    return np.asarray((doy - 0.5) / length, dtype=np.float64)


@dataclass(frozen=True)
class CapacityCurve:
    """Seasonal deliverable capacity and fuel curve of a line.

    Attributes:
        months: the months (1-12) at which the capacity was computed.
        capacity: delivered capacity in each of ``months`` [m³/s at ``reference``].
        reference: reference condition of every volume of the curve.
        fuel_delivered: delivered flows of the fuel curve, ascending [m³/s].
        fuel_rate: fuel burnt at those flows [m³/s at ``reference``].
        source: where the curve comes from, in words.
        limits: the limit binding at capacity in each month (empty for a table).
    """

    months: tuple[int, ...]
    capacity: tuple[float, ...]
    reference: ReferenceCondition
    fuel_delivered: tuple[float, ...]
    fuel_rate: tuple[float, ...]
    source: str
    limits: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.months or len(self.months) != len(self.capacity):
            raise InputError("need one capacity per month", element="capacity curve",
                             field="capacity", value=len(self.capacity),
                             expected=f"{len(self.months)} values")
        if sorted(set(self.months)) != list(self.months) or not all(
                1 <= m <= 12 for m in self.months):
            raise InputError("months must be distinct, ascending and in 1-12",
                             element="capacity curve", field="months", value=self.months)
        if not all(math.isfinite(c) and c > 0 for c in self.capacity):
            raise InputError("capacities must be positive", element="capacity curve",
                             field="capacity", value=self.capacity,
                             expected="flows > 0 m³/s")
        q, f = self.fuel_delivered, self.fuel_rate
        if len(q) != len(f) or not q:
            raise InputError("need at least one fuel point", element="capacity curve",
                             field="fuel_rate", value=len(f), expected=f"{len(q)} values")
        if any(b <= a for a, b in itertools.pairwise(q)) or q[0] <= 0:
            raise InputError("fuel curve flows must be positive and ascending",
                             element="capacity curve", field="fuel_delivered", value=q)
        if not all(math.isfinite(x) and x >= 0 for x in f):
            raise InputError("fuel rates must be >= 0", element="capacity curve",
                             field="fuel_rate", value=f)

    # -- evaluation -------------------------------------------------------------
    def at(self, tau: npt.ArrayLike) -> FloatArray:
        """Capacity [m³/s] at year fractions τ ∈ [0, 1): periodic linear interpolation."""
        t = np.asarray(tau, dtype=np.float64)
        if len(self.months) == 1:
            return np.full(t.shape, self.capacity[0])
        mid = (np.asarray(self.months, dtype=np.float64) - 0.5) / 12.0
        return np.asarray(np.interp(t, mid, np.asarray(self.capacity), period=1.0),
                          dtype=np.float64)

    def daily(self, dates: npt.NDArray[np.datetime64]) -> FloatArray:
        """Capacity on each date [m³ per day at ``reference``], no maintenance."""
        return self.at(year_fraction(dates)) * SECONDS_PER_DAY

    def fuel(self, delivered: npt.ArrayLike, out: FloatArray | None = None) -> FloatArray:
        """Fuel rate [m³/s] at delivered flows [m³/s] (power law between the fuel points).

        Zero flow burns no fuel; below the first point and above the last the
        neighbouring segment's exponent is extended (a single point: fuel share held).
        ``out``: an array of the flows' shape to write into (no temporaries on the
        common path of non-negative flows and one rising segment).
        """
        q = np.asarray(delivered, dtype=np.float64)
        res = np.empty(q.shape) if out is None else out
        qs = np.asarray(self.fuel_delivered)
        fs = np.asarray(self.fuel_rate)
        if q.size == 0 or not np.any(fs > 0):
            res[...] = 0.0
            return res
        if len(qs) == 1:
            np.multiply(np.maximum(q, 0.0), fs[0] / qs[0], out=res)
            return res
        # Points with zero fuel cannot be taken to a log: replace by a tiny share.
        fs = np.maximum(fs, 1e-12 * qs)
        lq, lf = np.log(qs), np.log(fs)
        slope = np.diff(lf) / np.diff(lq)
        if len(qs) == 2 and slope[0] > 0 and float(np.min(q)) >= 0.0:
            # f0·(q/q0)^b in place; q = 0 → log = -inf → exp = 0 exactly
            with np.errstate(divide="ignore"):
                np.log(q, out=res)
            res -= lq[0]
            res *= slope[0]
            res += lf[0]
            np.exp(res, out=res)
            return res
        pos = q > 0
        x = np.log(np.where(pos, q, qs[0]))
        y = np.interp(x, lq, lf)
        lo, hi = x < lq[0], x > lq[-1]
        if np.any(lo):
            y = np.where(lo, lf[0] + slope[0] * (x - lq[0]), y)
        if np.any(hi):
            y = np.where(hi, lf[-1] + slope[-1] * (x - lq[-1]), y)
        res[...] = np.where(pos, np.exp(y), 0.0)
        return res

    # -- conversions ------------------------------------------------------------
    def in_reference(self, gas: Gas, reference: ReferenceCondition) -> CapacityCurve:
        """The same curve with volumes at another reference (real-gas densities)."""
        if reference == self.reference:
            return self
        k = float(convert_reference(1.0, gas.standard_density(self.reference),
                                    gas.standard_density(reference)))
        return replace(self, capacity=tuple(c * k for c in self.capacity),
                       fuel_delivered=tuple(q * k for q in self.fuel_delivered),
                       fuel_rate=tuple(f * k for f in self.fuel_rate), reference=reference)

    def scaled(self, factor: float) -> CapacityCurve:
        """The curve with every capacity multiplied by ``factor`` (fuel curve unchanged)."""
        return replace(self, capacity=tuple(c * factor for c in self.capacity),
                       source=f"{self.source} × {factor:g}")

    @property
    def table(self) -> pd.DataFrame:
        """The sampled months: month, capacity [m³/s], binding limit."""
        limits = list(self.limits) if self.limits else [""] * len(self.months)
        return pd.DataFrame({"month": list(self.months), "capacity": list(self.capacity),
                             "limit": limits})


def table_curve(capacity: Sequence[StandardVolumeFlow] | Sequence[float],
                reference: ReferenceCondition, *, months: Sequence[int] | None = None,
                fuel_share: float = 0.0,
                fuel_points: Sequence[tuple[float, float]] | None = None,
                source: str = "table") -> CapacityCurve:
    """A capacity curve from given monthly capacities (no hydraulics).

    Args:
        capacity: capacities [m³/s at ``reference``] or :class:`StandardVolumeFlow`.
        reference: reference condition of the curve.
        months: the months of ``capacity``; default 1..12 (or 1..n for fewer values).
        fuel_share: constant fuel/delivered ratio when ``fuel_points`` is None [-].
        fuel_points: (delivered, fuel) pairs [m³/s] for a power-law fuel curve.
    """
    values: list[float] = []
    for c in capacity:
        if isinstance(c, StandardVolumeFlow):
            if c.reference != reference:
                raise InputError("capacity at another reference than the curve",
                                 element="capacity curve", field="capacity", value=str(c),
                                 expected=f"flows @ {reference.name}")
            values.append(c.value)
        else:
            values.append(float(c))
    mths = tuple(months) if months is not None else tuple(range(1, len(values) + 1))
    if fuel_points is None:
        if not fuel_share >= 0:
            raise InputError("fuel share must be >= 0", element="capacity curve",
                             field="fuel_share", value=fuel_share)
        q0 = max(values)
        pts: Sequence[tuple[float, float]] = [(q0, fuel_share * q0)]
    else:
        pts = sorted(fuel_points)
    return CapacityCurve(mths, tuple(values), reference, tuple(p[0] for p in pts),
                         tuple(p[1] for p in pts), source)


_CACHE: dict[tuple[str, tuple[int, ...], tuple[float, ...], float | None, str],
             CapacityCurve] = {}


def _line_key(line: Trunkline) -> str:
    """A content key of a line: equal for two loads of the same scenario."""
    return hashlib.sha256(repr(line).encode("utf-8")).hexdigest()


def clear_capacity_cache() -> None:
    """Forget every cached hydraulic capacity curve."""
    _CACHE.clear()


def capacity_curve(line: Trunkline, months: Sequence[int] = ALL_MONTHS, *,
                   design_throughput: StandardVolumeFlow | None = None,
                   fuel_fractions: Sequence[float] = DEFAULT_FUEL_FRACTIONS) -> CapacityCurve:
    """The line's seasonal delivered capacity and fuel curve from the hydraulics (cached).

    Args:
        line: the trunkline; its stations are fixed or placed at its design throughput.
        months: months (1-12) at which to run the capacity search, e.g.
            :data:`ALL_MONTHS` (12 searches) or :data:`COARSE_MONTHS` (4).
        design_throughput: the throughput the stations are placed for; None → the
            line's own. A contract with a daily flexibility band needs a line sized
            for its peak day, not its average.
        fuel_fractions: fractions of the design throughput at which to sample fuel.

    The curve is cached by the line's content (two loads of one scenario share it),
    months, fractions and design: a second call costs nothing. Volumes are at the
    line's reference condition.

    Raises:
        InfeasibleError: when the line cannot carry even a small flow.
    """
    mths = tuple(sorted(set(int(m) for m in months)))
    if not mths or not all(1 <= m <= 12 for m in mths):
        raise InputError("months must be in 1-12", element="capacity curve", field="months",
                         value=tuple(months), expected="e.g. (1, 4, 7, 10)")
    fracs = tuple(sorted(set(float(f) for f in fuel_fractions)))
    if not fracs or fracs[0] <= 0:
        raise InputError("fuel fractions must be positive", element="capacity curve",
                         field="fuel_fractions", value=tuple(fuel_fractions))
    design_key = None if design_throughput is None else design_throughput.value
    ref_key = "" if design_throughput is None else design_throughput.reference.name
    key = (_line_key(line), mths, fracs, design_key, ref_key)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    work = line if design_throughput is None else line.with_throughput(design_throughput)
    capacities: list[float] = []
    limits: list[str] = []
    for m in mths:
        cap = max_throughput(work, month=m, basis="delivery")
        q = cap.throughput
        if q.reference != work.reference:
            q = StandardVolumeFlow(float(convert_reference(
                q.value, work.gas.standard_density(q.reference),
                work.gas.standard_density(work.reference))), work.reference)
        capacities.append(q.value)
        limits.append(cap.limits[0] if cap.limits else "")
    design = work.throughput
    rho = work.gas.standard_density(design.reference)
    points: list[tuple[float, float]] = []
    for f in fracs:
        flow = StandardVolumeFlow(design.value * f, design.reference)
        try:
            res = simulate(work, flow, basis="delivery")
        except (InfeasibleError, ConvergenceError):
            continue
        if res.complete:
            points.append((res.delivered_mass_flow / rho, res.fuel_mass_flow / rho))
    if not points:
        raise InfeasibleError(f"{line.name}: no fuel point could be computed",
                              limits=("simulate failed at every fuel fraction",))
    design_bcm = design.value * SECONDS_PER_CONTRACT_YEAR / 1e9
    desc = (f"hydraulics of {line.name}: max_throughput in months "
            f"{', '.join(str(m) for m in mths)}; fuel at "
            f"{', '.join(f'{f:g}' for f in fracs)} × {design_bcm:.4g} "
            f"bcm/yr @ {design.reference.name}")
    curve = CapacityCurve(mths, tuple(capacities), design.reference,
                          tuple(p[0] for p in points), tuple(p[1] for p in points), desc,
                          tuple(limits))
    _CACHE[key] = curve
    return curve


def maintenance_mask(dates: npt.NDArray[np.datetime64], days: int, start_month: int,
                     start_day: int) -> BoolArray:
    """True on the planned-maintenance days: ``days`` consecutive days a calendar year
    from ``start_month``/``start_day`` (e.g. 15 July), every year of the term."""
    if days <= 0:
        return np.zeros(dates.shape, dtype=bool)
    d = dates.astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    starts = np.array([np.datetime64(f"{y:04d}-{start_month:02d}-{start_day:02d}")
                       for y in range(int(years.min()), int(years.max()) + 1)])
    first = starts[years - int(years.min())]
    offset = (d - first).astype(np.int64)
    return np.asarray((offset >= 0) & (offset < days), dtype=bool)
