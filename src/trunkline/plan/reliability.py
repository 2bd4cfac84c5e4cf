"""Reliability of the line: compressor-unit failures and repairs, and pipeline outages.

Compressor units
----------------
Every unit is a two-state (up/down) Markov process in continuous time with failure
rate :math:`\\lambda = 1/MTBF` and repair rate :math:`\\mu = 1/MTTR`; its long-run
availability is :math:`A = MTBF/(MTBF + MTTR)`. The units of a station are
independent and alike, so the number of units down at a station, :math:`d`, is a
birth-death Markov chain on :math:`\\{0, \\dots, N\\}` (the superposition of the
unit chains, exactly):

.. math:: d \\to d + 1 \\text{ at rate } (N - d)\\lambda, \\qquad
          d \\to d - 1 \\text{ at rate } d\\mu

simulated event by event (Gillespie's method: holding time
:math:`E/((N-d)\\lambda + d\\mu)` with :math:`E \\sim \\mathrm{Exp}(1)`), vectorised
over scenarios × stations, with every unit up at first gas. Running units are
:math:`\\min(N - d, N - n_{spare})`: a spare covers the first failure. A day counts
as degraded in a state when the day's midpoint (``day + ½``) lies in it, which is
unbiased for the expected number of degraded days. (A daily discrete two-state chain
per unit needs one random draw per unit and day, ~1.6 million per 30-year scenario
for 144 units; the event form needs ~700 per station.)

Default unit data (**assumption**, typical of industrial gas-turbine-driven
compressor sets of 16-32 MW; no PoS2 figure is published): MTBF 3,000 h, MTTR 48 h,
i.e. availability 98.4 %. Published ranges: gas-turbine availability of 95-99 % and
reliability of 97-99.5 % for industrial/aero-derivative units (e.g. the ORAP
survey figures quoted by turbine vendors; Boyce, *Gas Turbine Engineering
Handbook*, 4th ed., 2012, ch. 1: availability/reliability definitions and typical
values); a forced outage of a unit (trip, repair or swap of a module) takes a day
to a few days.

Pipeline outages
----------------
Outages that stop the line (a rupture or a large hole) arrive as a Poisson process
of rate :math:`r L` per year (:math:`L` in thousands of km); each lasts an
exponentially distributed repair time, during which the line carries
``capacity_fraction`` of its capacity. Default rate 0.02 per 1,000 km·yr
(**assumption**): EGIG's 11th report (2020) gives an overall incident frequency of
about 0.13 per 1,000 km·yr in 2010-2019 for European onshore gas transmission
pipelines, falling steeply with diameter and wall thickness, and ruptures/holes
are a minority of incidents; a new 1,420 mm line with 21.7 mm wall sits at the low
end. Repair 7 days on average (**assumption**: section isolated, a pipe length cut
out and replaced, re-pressurised).

Planned maintenance is the contract's planned-maintenance window
(:class:`~trunkline.plan.contract.ContractTerms`: days, start and capacity derate;
its shortfall is excused), applied by the contract engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError

__all__ = [
    "HOURS_PER_DAY",
    "PipelineOutages",
    "ReliabilityModel",
    "UnitReliability",
    "continue_station_states",
    "draw_unit_events",
    "event_block",
    "outage_days",
    "simulate_station_states",
    "state_days",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

HOURS_PER_DAY: Final = 24.0
_SIGMAS: Final = 10.0  # event block size: mean + 10 sd (rarely extended)


@dataclass(frozen=True)
class UnitReliability:
    """Failure and repair of one compressor unit (see the module docstring).

    Attributes:
        mtbf: mean time between failures [h].
        mttr: mean time to repair [h].
        source: where the figures come from.
    """

    mtbf: float = 3000.0
    mttr: float = 48.0
    source: str = ("assumption: typical industrial gas-turbine compressor set, "
                   "availability ~98 % (Boyce 2012; vendor ORAP figures 95-99 %)")

    def __post_init__(self) -> None:
        for name in ("mtbf", "mttr"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError("must be a positive time in hours", element="reliability",
                                 field=name, value=v, expected="e.g. 3000 (MTBF), 48 (MTTR)")

    @property
    def availability(self) -> float:
        """Long-run availability MTBF/(MTBF + MTTR) [-]."""
        return self.mtbf / (self.mtbf + self.mttr)

    @property
    def failure_rate(self) -> float:
        """λ [1/day]."""
        return HOURS_PER_DAY / self.mtbf

    @property
    def repair_rate(self) -> float:
        """μ [1/day]."""
        return HOURS_PER_DAY / self.mttr


@dataclass(frozen=True)
class PipelineOutages:
    """Line-stopping pipeline outages (see the module docstring).

    Attributes:
        rate: outages per 1,000 km and year [1/(1000 km·yr)].
        mean_repair_days: mean outage duration [d] (exponential).
        capacity_fraction: capacity during an outage as a fraction of normal [-].
        source: where the figures come from.
    """

    rate: float = 0.02
    mean_repair_days: float = 7.0
    capacity_fraction: float = 0.0
    source: str = ("assumption: below the EGIG 11th report overall incident frequency "
                   "(~0.13 per 1,000 km·yr, 2010-2019); ruptures/holes on a 1,420 mm line")

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise InputError("outage rate must be >= 0", element="reliability", field="rate",
                             value=self.rate, expected="outages per 1,000 km·yr, e.g. 0.02")
        if not (math.isfinite(self.mean_repair_days) and self.mean_repair_days > 0):
            raise InputError("repair time must be positive", element="reliability",
                             field="mean_repair_days", value=self.mean_repair_days)
        if not 0 <= self.capacity_fraction <= 1:
            raise InputError("capacity fraction out of range", element="reliability",
                             field="capacity_fraction", value=self.capacity_fraction,
                             expected="a fraction in [0, 1]")


@dataclass(frozen=True)
class ReliabilityModel:
    """Unit and pipeline reliability of a line; ``enabled=False`` → always available."""

    units: UnitReliability = UnitReliability()
    outages: PipelineOutages = PipelineOutages()
    enabled: bool = True


def event_block(units: int, horizon_days: float, unit: UnitReliability) -> int:
    """Events per block of the station chain: mean transitions over the horizon + 10 sd."""
    cycles = units * horizon_days / ((unit.mtbf + unit.mttr) / HOURS_PER_DAY)
    mean = 2.0 * cycles
    return int(mean + _SIGMAS * math.sqrt(mean + 1.0) + 20)


def draw_unit_events(rng: np.random.Generator, stations: int, block: int) -> FloatArray:
    """One block of random numbers for the station chains of one scenario:
    ``[..., 0]`` Exp(1) holding-time draws, ``[..., 1]`` uniforms for the event kind;
    shape (stations, block, 2)."""
    out = np.empty((stations, block, 2))
    out[..., 0] = rng.standard_exponential((stations, block))
    out[..., 1] = rng.random((stations, block))
    return out


def simulate_station_states(draws: FloatArray, units: int, unit: UnitReliability
                            ) -> tuple[FloatArray, IntArray]:
    """Event times and units-down counts of the station chains.

    Args:
        draws: (rows, block, 2) random numbers (:func:`draw_unit_events`, one block per
            row: scenarios × stations stacked).
        units: installed units per station N.
        unit: failure and repair data.

    Returns:
        (times, down): ``times[r, j]`` the time [d] of the j-th event of row ``r`` and
        ``down[r, j]`` the units down from then until ``times[r, j + 1]`` (state 0 at
        t = 0). Rows reaching the horizon early keep their last state (times beyond the
        horizon are harmless). The caller checks ``times[:, -1] >= horizon`` and
        extends short rows with :func:`continue_station_states`.
    """
    d_all = np.asarray(draws, dtype=np.float64)
    rows, block, _ = d_all.shape
    lam, mu = unit.failure_rate, unit.repair_rate
    t = np.zeros(rows)
    d = np.zeros(rows, dtype=np.int64)
    times = np.empty((rows, block))
    down = np.empty((rows, block), dtype=np.int64)
    n = float(units)
    for j in range(block):
        rf = (n - d) * lam
        tot = rf + d * mu
        t = t + d_all[:, j, 0] / tot
        d = d + np.where(d_all[:, j, 1] * tot < rf, 1, -1)
        times[:, j] = t
        down[:, j] = d
    return times, down


def continue_station_states(times: FloatArray, down: FloatArray | IntArray,
                            draws: FloatArray, units: int, unit: UnitReliability
                            ) -> tuple[FloatArray, IntArray]:
    """Extend chains (rows of ``times``/``down``) by another block of draws."""
    rows, block, _ = draws.shape
    lam, mu = unit.failure_rate, unit.repair_rate
    t = times[:, -1].copy()
    d = np.asarray(down[:, -1], dtype=np.int64).copy()
    t_new = np.empty((rows, block))
    d_new = np.empty((rows, block), dtype=np.int64)
    n = float(units)
    for j in range(block):
        rf = (n - d) * lam
        tot = rf + d * mu
        t = t + draws[:, j, 0] / tot
        d = d + np.where(draws[:, j, 1] * tot < rf, 1, -1)
        t_new[:, j] = t
        d_new[:, j] = d
    return (np.concatenate((times, t_new), axis=1),
            np.concatenate((np.asarray(down, dtype=np.int64), d_new), axis=1))


def state_days(start: FloatArray, end: FloatArray) -> tuple[IntArray, IntArray]:
    """First and one-past-last day whose midpoint d + ½ lies in [start, end)."""
    first = np.ceil(start - 0.5).astype(np.int64)
    stop = np.ceil(end - 0.5).astype(np.int64)
    return np.maximum(first, 0), stop


def outage_days(rng: np.random.Generator, outages: PipelineOutages, length_km: float,
                horizon_days: int) -> tuple[IntArray, IntArray]:
    """Draw the pipeline outages of one scenario: (first day, one-past-last day) arrays.

    Count ~ Poisson(rate·L/1000·T/365), start times uniform over the term, durations
    ~ Exp(mean_repair_days); days by the midpoint rule.
    """
    mean = outages.rate * length_km / 1000.0 * horizon_days / 365.0
    k = int(rng.poisson(mean))
    start = rng.random(k) * horizon_days
    dur = rng.standard_exponential(k) * outages.mean_repair_days
    first, stop = state_days(start, start + dur)
    return first, np.minimum(stop, horizon_days)
