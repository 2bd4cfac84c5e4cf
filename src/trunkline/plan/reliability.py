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

with every unit up at first gas. Running units are :math:`\\min(N - d, N - n_{spare})`:
the spares cover the first failures, so only the states :math:`d > n_{spare}` reduce
capacity. A day counts as degraded in a state when the day's midpoint (``day + ½``)
lies in it, which is unbiased for the expected number of degraded days.

The chain is sampled exactly but only where it matters (:class:`StationChain`). The
time from entering the "fine" states :math:`F = \\{0, \\dots, n_{spare}\\}` (at 0 at
first gas, at :math:`n_{spare}` after each excursion) to the next entry into
:math:`n_{spare} + 1` is a phase-type random variable with survival function

.. math:: S(t) = \\alpha^\\top e^{T t} \\mathbf{1} = \\sum_i c_i e^{r_i t}

(:math:`T` the generator restricted to :math:`F`, tridiagonal; its symmetrised form
gives real eigenvalues :math:`r_i < 0`), sampled by inverting :math:`S(t) = U`
with a safeguarded Newton iteration in :math:`\\log S` (Neuts, *Matrix-Geometric
Solutions in Stochastic Models*, 1981, ch. 2: phase-type distributions). Each
excursion above the spares is then simulated event by event (Gillespie's method:
holding time :math:`E/((N-d)\\lambda + d\\mu)`, :math:`E \\sim \\mathrm{Exp}(1)`) until
it returns to :math:`n_{spare}`. For the default data (4 units, 1 spare) a station
has ~17 excursions in 30 years, so a scenario needs ~2,000 random numbers instead of
the ~50,000 of an event-by-event simulation of every failure and repair (and the
1.6 million of a daily two-state chain per unit).

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import ConvergenceError, InputError

__all__ = [
    "HOURS_PER_DAY",
    "PipelineOutages",
    "ReliabilityModel",
    "StationChain",
    "UnitReliability",
    "outage_days",
    "state_days",
    "station_excursions",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

HOURS_PER_DAY: Final = 24.0


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


_PASSAGE_SIGMAS: Final = 4.0  # passages per block: mean + 4 sd (+4); rarely extended
_NEWTON_TOL: Final = 1e-12  # |log S(t) - log U| at the sampled passage time
_NEWTON_MAX: Final = 100


@dataclass(frozen=True)
class StationChain:
    """The units-down chain of a station of ``units`` alike units, ``spare`` of them
    spares (see the module docstring). Time in days.

    Attributes:
        units: installed units N (>= 1).
        spare: spare units (>= 0); states ``d > spare`` reduce capacity.
        unit: failure and repair data of a unit.
    """

    units: int
    spare: int
    unit: UnitReliability = UnitReliability()

    def __post_init__(self) -> None:
        if self.units < 1:
            raise InputError("a station needs at least one unit", element="reliability",
                             field="units", value=self.units, expected="an integer >= 1")
        if self.spare < 0:
            raise InputError("spare units must be >= 0", element="reliability",
                             field="spare", value=self.spare,
                             expected=f"an integer in 0..{self.units}")

    @property
    def degradable(self) -> bool:
        """Whether a state above the spares exists (spare < units)."""
        return self.spare < self.units

    def up_rate(self, down: npt.ArrayLike) -> FloatArray:
        """Rate of the next failure (N - d)λ [1/d] in state(s) ``down``."""
        return np.asarray((self.units - np.asarray(down)) * self.unit.failure_rate,
                          dtype=np.float64)

    def down_rate(self, down: npt.ArrayLike) -> FloatArray:
        """Rate of the next repair dμ [1/d] in state(s) ``down``."""
        return np.asarray(np.asarray(down) * self.unit.repair_rate, dtype=np.float64)

    def stationary(self) -> FloatArray:
        """Long-run probability of d units down: Binomial(N, 1 - A) (independent units)."""
        q = 1.0 - self.unit.availability
        n = self.units
        return np.array([math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(n + 1)])

    def crossing_rate(self) -> float:
        """Long-run entries into ``spare + 1`` per day: π_s (N - s) λ."""
        if not self.degradable:
            return 0.0
        return float(self.stationary()[self.spare] * self.up_rate(self.spare))

    def passage_law(self, start: int) -> tuple[FloatArray, FloatArray]:
        """(c, r) of the survival S(t) = Σ c_i exp(r_i t) of the time from state
        ``start`` (in 0..spare) to the first entry into ``spare + 1``.

        T is the generator restricted to {0..spare}: diagonal -(N-d)λ - dμ, upper
        (N-d)λ, lower dμ. With D = diag(h), h_0 = 1, h_{k+1} = h_k·sqrt(T[k,k+1]/T[k+1,k]),
        D T D⁻¹ is symmetric = Q diag(r) Qᵀ, so S(t) = e_startᵀ D⁻¹ Q e^{rt} Qᵀ D 1.
        """
        s = self.spare
        if not (0 <= start <= s < self.units):
            raise InputError("passage start must be a state in 0..spare", element="reliability",
                             field="start", value=start, expected=f"0..{s}")
        k = np.arange(s + 1)
        up, dn = self.up_rate(k), self.down_rate(k)
        h = np.ones(s + 1)
        for i in range(s):
            h[i + 1] = h[i] * math.sqrt(up[i] / dn[i + 1])
        sym = np.diag(-(up + dn))
        off = np.sqrt(up[:-1] * dn[1:])
        sym[k[:-1], k[1:]] = off
        sym[k[1:], k[:-1]] = off
        r, q = np.linalg.eigh(sym)
        c = (q[start, :] / h[start]) * (q.T @ h)
        return np.asarray(c, dtype=np.float64), np.asarray(r, dtype=np.float64)

    def passage_mean(self, start: int) -> float:
        """Mean passage time [d] from ``start`` to ``spare + 1``: Σ c_i / (-r_i)."""
        c, r = self.passage_law(start)
        return float(np.sum(c / -r))

    def sample_passage(self, u: npt.ArrayLike, start: int) -> FloatArray:
        """Passage times [d] by inversion, S(t) = u for u in (0, 1].

        Newton's method on log S(t) - log u (exactly linear for one phase), from the
        slowest phase's solution, kept inside a bracket (bisection when a step leaves
        it). Raises ConvergenceError if it fails to meet the tolerance.
        """
        c, r = self.passage_law(start)
        uu = np.asarray(u, dtype=np.float64)
        if uu.size and not (np.all(uu > 0) and np.all(uu <= 1)):
            raise InputError("passage uniforms must lie in (0, 1]", element="reliability",
                             field="u", value=float(np.min(uu)), expected="(0, 1]")
        lu = np.log(uu).reshape(-1)
        j = int(np.argmax(r))  # slowest phase (r closest to 0)
        t = np.maximum((lu - math.log(max(c[j], 1e-300))) / r[j], 0.0)
        # Beyond t_fast the other phases are below 1e-17 of the slowest one, so the
        # one-phase solution t0 is exact to rounding wherever the root lies beyond
        # t_fast; the root is within ``shift`` of t0 (S/(c_j e^{r_j t}) - 1 is at most
        # Σ|c_i|/c_j for t >= 0). Most passages last months: few points iterate.
        others = [i for i in range(len(r)) if i != j and c[i] != 0.0]
        t_fast = max([math.log(abs(c[i]) / (c[j] * 1e-17)) / (r[j] - r[i]) for i in others],
                     default=0.0)
        shift = math.log1p(sum(abs(c[i]) for i in others) / c[j]) / -r[j]
        cr = c * r
        act = np.flatnonzero(t < t_fast + shift)  # the points still iterating
        lo = np.zeros(len(t))
        hi = np.full(len(t), np.inf)
        worst = 0.0
        for _ in range(_NEWTON_MAX):
            ta = t[act]
            e = np.exp(np.multiply.outer(ta, r))
            surv = e @ c
            g = np.log(surv) - lu[act]
            done = np.abs(g) < _NEWTON_TOL
            if done.all():
                return np.asarray(t.reshape(uu.shape), dtype=np.float64)
            act, ta, g, e, surv = act[~done], ta[~done], g[~done], e[~done], surv[~done]
            worst = float(np.max(np.abs(g)))
            above = g > 0  # S(t) > u: the root lies later
            lo[act] = np.where(above, ta, lo[act])
            hi[act] = np.where(above, hi[act], ta)
            la, ha = lo[act], hi[act]
            nxt = ta - g * surv / (e @ cr)
            out = ~((nxt >= la) & (nxt <= ha))
            t[act] = np.where(out, np.where(np.isfinite(ha), 0.5 * (la + ha), 2.0 * la + 1.0),
                              nxt)
        raise ConvergenceError("passage-time inversion did not converge",
                               iterations=_NEWTON_MAX, residual=worst)

    def block_size(self, horizon_days: float) -> int:
        """Passages per block: mean entries over the horizon + 4 sd + 4 (a chain
        still short of the horizon draws another block)."""
        mean = self.crossing_rate() * horizon_days
        return int(mean + _PASSAGE_SIGMAS * math.sqrt(mean) + 4)


def _excursions(chain: StationChain, rngs: Sequence[np.random.Generator], per: int
                ) -> tuple[IntArray, FloatArray, FloatArray, IntArray, FloatArray]:
    """Simulate ``per`` excursions above the spares for each generator, event by event
    from ``spare + 1`` back to ``spare``.

    Returns (index, start, end, down, duration): for each state interval, the
    excursion's flat index (generator-major), its start and end relative to the
    excursion's start and the units down; and each excursion's duration. Each
    generator draws (Exp(1), U(0,1)) for its own still-active excursions, in index
    order, round after round: the draws of one generator do not depend on the others.
    """
    s = chain.spare
    n = len(rngs) * per
    act = np.arange(n, dtype=np.int64)
    d = np.full(n, s + 1, dtype=np.int64)
    t = np.zeros(n)
    parts: list[tuple[IntArray, FloatArray, FloatArray, IntArray]] = []
    while len(act):
        counts = np.bincount(act // per, minlength=len(rngs))
        e = np.empty(len(act))
        v = np.empty(len(act))
        pos = 0
        for g in np.nonzero(counts)[0].tolist():
            k = int(counts[g])
            e[pos:pos + k] = rngs[g].standard_exponential(k)
            v[pos:pos + k] = rngs[g].random(k)
            pos += k
        up = chain.up_rate(d)
        q = up + chain.down_rate(d)
        t0 = t[act]
        t1 = t0 + e / q
        parts.append((act, t0, t1, d))
        t[act] = t1
        d = d + np.where(v * q < up, 1, -1)
        keep = d > s
        act, d = act[keep], d[keep]
    idx, a, b, dd = (np.concatenate(x) for x in zip(*parts, strict=True))
    return idx, a, b, dd, t


def station_excursions(chain: StationChain, rngs: Sequence[np.random.Generator],
                       stations: int, horizon_days: float, block: int | None = None
                       ) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """The states above the spares of ``stations`` station chains per generator (one
    generator per scenario), from first gas (all units up) to ``horizon_days``.

    Returns (row, start, end, down) per state interval, ``row = scenario × stations +
    station``; intervals starting at or after the horizon are dropped (the last may run
    past it). Each scenario draws, from its own generator, blocks of passage uniforms
    (stations × block) followed by its excursions; a scenario with a station short of
    the horizon draws another block. The result of a scenario is therefore the same in
    any group of scenarios (chunk-independent).
    """
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0)
    if not chain.degradable or not rngs or stations < 1:
        return empty_i, empty_f, empty_f, empty_i
    m = block if block is not None else chain.block_size(horizon_days)
    if m < 1:
        raise InputError("block must be >= 1", element="reliability", field="block",
                         value=m, expected="a positive integer")
    per = stations * m
    clock = np.zeros((len(rngs), stations))  # time each chain last re-entered the spares
    pending = np.arange(len(rngs))
    first = True
    out: list[tuple[IntArray, FloatArray, FloatArray, IntArray]] = []
    while len(pending):
        sub = [rngs[int(g)] for g in pending]
        u = np.stack([1.0 - r.random((stations, m)) for r in sub])
        p = np.empty_like(u)
        if first:
            p[..., 0] = chain.sample_passage(u[..., 0], 0)
            p[..., 1:] = chain.sample_passage(u[..., 1:], chain.spare)
        else:
            p = chain.sample_passage(u, chain.spare)
        idx, a, b, dd, dur = _excursions(chain, sub, per)
        dur = dur.reshape(u.shape)
        back = clock[pending][..., None] + np.cumsum(p + dur, axis=-1)
        begin = (back - dur).reshape(-1)[idx]
        a, b = begin + a, begin + b
        g = idx // per
        row = pending[g] * stations + (idx // m) % stations
        keep = a < horizon_days
        out.append((row[keep], a[keep], b[keep], dd[keep]))
        clock[pending] = back[..., -1]
        pending = pending[np.any(back[..., -1] < horizon_days, axis=1)]
        first = False
    row, a, b, dd = (np.concatenate(x) for x in zip(*out, strict=True))
    return row, a, b, dd

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
