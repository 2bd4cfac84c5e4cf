"""User-facing steady studies of a trunkline: simulate, station placement, capacity.

Throughputs are measured where the scenario says (``throughput_basis``): at the
delivery point by default (a sales contract counts what reaches the buyer; the
entry flow then also carries the stations' fuel), or at the entry. For a
delivery basis the entry flow is found by fixed-point iteration on
m_entry ← m_entry · target / delivered, which converges in a few marches
because fuel is nearly proportional to flow.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast

from scipy.optimize import brentq

from trunkline.cache import LruCache
from trunkline.errors import ConvergenceError, InfeasibleError, InputError
from trunkline.model import Station, Trunkline, load_line
from trunkline.solve.line import LineResult, MarchOptions, march_line
from trunkline.units import StandardVolumeFlow, parse_standard_volume_flow

__all__ = [
    "CapacityResult",
    "PlacementResult",
    "line_inputs_key",
    "max_throughput",
    "place_stations",
    "placement_march",
    "resolve_throughput",
    "simulate",
    "station_layout",
]

ScenarioLike = Trunkline | str | Path
ThroughputLike = StandardVolumeFlow | str | float | None
Basis = Literal["delivery", "entry"]

#: Relative tolerance on throughput of the capacity search [-].
CAPACITY_RTOL: Final = 1e-4
#: Relative tolerance of the delivered flow when the basis is "delivery" [-].
DELIVERY_RTOL: Final = 1e-10
_MAX_BASIS_ITERATIONS: Final = 40
_PLACE_OPTS: Final = MarchOptions(max_step=float("inf"))


def _line(scenario: ScenarioLike) -> Trunkline:
    return scenario if isinstance(scenario, Trunkline) else load_line(scenario)


def _basis(line: Trunkline, basis: str | None) -> Basis:
    b = basis or line.throughput_basis
    if b not in ("delivery", "entry"):
        raise InputError("unknown throughput basis", element=line.name, field="basis", value=b,
                         expected="'delivery' or 'entry'")
    return "delivery" if b == "delivery" else "entry"


def resolve_throughput(line: Trunkline, throughput: ThroughputLike) -> float:
    """Mass flow [kg/s] of a throughput (at whichever point its basis names).

    ``throughput`` is None (the scenario's), a :class:`StandardVolumeFlow`, a
    string with its reference condition ("45 bcm/yr @ RU"), or a float taken
    as a mass flow in kg/s.
    """
    if throughput is None:
        return line.mass_flow()
    if isinstance(throughput, StandardVolumeFlow):
        return line.mass_flow(throughput)
    if isinstance(throughput, str):
        return line.mass_flow(parse_standard_volume_flow(throughput, field="throughput",
                                                         element=line.name))
    value = float(throughput)
    if not value > 0:
        raise InputError("throughput must be positive", element=line.name, field="throughput",
                         value=throughput,
                         expected="a mass flow > 0 kg/s or e.g. '50 bcm/yr @ RU'")
    return value


R = TypeVar("R")


def _entry_for_delivery(target: float, run: Callable[[float], tuple[LineResult, R]],
                        what: str) -> tuple[LineResult, R]:
    """Entry flow whose delivered flow is ``target`` [kg/s].

    Secant iteration on g(m) = delivered(m) − target, started from m = target
    and the fuel-corrected m·target/delivered; it converges in 3-5 marches.
    """
    m0 = target
    r0 = run(m0)
    if not r0[0].complete:
        return r0
    g0 = r0[0].delivered_mass_flow - target
    m1 = m0 * target / r0[0].delivered_mass_flow
    for _ in range(_MAX_BASIS_ITERATIONS):
        r1 = run(m1)
        if not r1[0].complete:
            return r1
        g1 = r1[0].delivered_mass_flow - target
        if abs(g1) <= DELIVERY_RTOL * target:
            return r1
        m_next = m1 - g1 * (m1 - m0) / (g1 - g0) if g1 != g0 else m1 * target / (g1 + target)
        m0, g0, m1 = m1, g1, m_next
    raise ConvergenceError(f"entry flow for the delivered throughput ({what})",
                           iterations=_MAX_BASIS_ITERATIONS, residual=abs(g1) / target)


def _frozen(value: Any) -> Hashable:
    """A hashable image of an input value (dicts and lists as sorted/ordered tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    hash(value)  # TypeError for anything else unhashable
    return cast(Hashable, value)


def line_inputs_key(line: Trunkline) -> Hashable | None:
    """A key equal for two lines exactly when every input field is equal.

    Built from all the dataclass fields of the :class:`Trunkline` (route, pipe,
    gas, stations, operation, names), compared exactly; None when a field cannot be
    hashed (the caller then caches nothing). Caches keyed on it are reused by a line
    loaded afresh with the same inputs and missed after any change.
    """
    try:
        return tuple((f.name, _frozen(getattr(line, f.name))) for f in fields(line))
    except TypeError:
        return None


#: Station layouts placed by :func:`station_layout`, with the march that placed them,
#: by line inputs.
_LAYOUTS: LruCache[tuple[tuple[Station, ...], LineResult]] = LruCache(32)


def _place(line: Trunkline, m_target: float, basis: Basis, month: int | None
           ) -> tuple[LineResult, tuple[Station, ...]]:
    """Station layout for a flow at the given basis (iterating fuel for a delivery basis),
    with the final march."""
    def run(m: float) -> tuple[LineResult, tuple[Station, ...]]:
        return march_line(line, m, None, month, _PLACE_OPTS, place=True)

    if basis == "entry":
        return run(m_target)
    return _entry_for_delivery(m_target, run, f"{line.name} placement")


def _placed(line: Trunkline) -> tuple[tuple[Station, ...], LineResult]:
    key = line_inputs_key(line)
    hit = _LAYOUTS.get(key) if key is not None else None
    if hit is None:
        res, layout = _place(line, line.mass_flow(), _basis(line, None), line.month)
        hit = (layout, res)
        if key is not None:
            _LAYOUTS.put(key, hit)
    return hit


def placement_march(line: Trunkline) -> LineResult | None:
    """The march that placed the line's stations at its design throughput (None: fixed).

    The line with the stations of :func:`station_layout`, at the entry flow that
    carries the scenario's throughput on its basis, in the scenario's month.
    """
    if line.stations is not None:
        return None
    return _placed(line)[1]


def station_layout(line: Trunkline) -> tuple[Station, ...]:
    """The line's stations: fixed ones, or those placed at its design throughput.

    Placements are cached by the line's inputs (:func:`line_inputs_key`): a line
    loaded again with the same inputs reuses its layout; any change places anew.
    """
    if line.stations is not None:
        return line.stations
    return _placed(line)[0]


def _operate(line: Trunkline, m: float, basis: Basis, layout: tuple[Station, ...],
             month: int | None, options: MarchOptions | None) -> LineResult:
    def run(mass: float) -> tuple[LineResult, None]:
        return march_line(line, mass, layout, month, options)[0], None

    if basis == "entry":
        return run(m)[0]
    return _entry_for_delivery(m, run, line.name)[0]


def simulate(scenario: ScenarioLike, throughput: ThroughputLike = None, *,
             month: int | None = None, basis: str | None = None,
             options: MarchOptions | None = None) -> LineResult:
    """Steady state of a trunkline at a throughput.

    Args:
        scenario: a :class:`Trunkline`, a built-in scenario name or a TOML path.
        throughput: None for the scenario's, else see :func:`resolve_throughput`.
        month: 1-12 for that month's ground temperature; None → the scenario's.
        basis: "delivery" or "entry"; None → the scenario's ``throughput_basis``.
        options: numerical options (:class:`MarchOptions`).

    The station layout is the scenario's (fixed), or placed by the hydraulics
    at the scenario's design throughput ("auto"), then held fixed.

    Returns:
        :class:`LineResult` — check ``feasible`` and ``violations``.
    """
    line = _line(scenario)
    m = resolve_throughput(line, throughput)
    mth = month if month is not None else line.month
    return _operate(line, m, _basis(line, basis), station_layout(line), mth, options)


@dataclass(frozen=True)
class PlacementResult:
    """Where stations must stand for a throughput, and the line that results."""

    stations: tuple[Station, ...]
    result: LineResult

    @property
    def count(self) -> int:
        return len(self.stations)

    @property
    def spacing(self) -> list[float]:
        """Distances between consecutive stations [m]."""
        ch = [s.chainage for s in self.stations]
        return [b - a for a, b in itertools.pairwise(ch)]


def place_stations(scenario: ScenarioLike, throughput: ThroughputLike = None, *,
                   month: int | None = None, basis: str | None = None) -> PlacementResult:
    """Place compressor stations for a target throughput.

    Marching from the entry, a station stands wherever the pressure falls to
    the minimum suction pressure (plus a head station when the entry pressure
    is below the discharge set-point), unless the rest of the line reaches the
    delivery point at its minimum pressure without it; each discharges at its
    set-point (MAOP by default) and is given the running units it needs plus
    the spares.

    Raises:
        InfeasibleError: when stations would have to stand closer than the
            template's ``min_spacing``, need more than ``max_units`` running
            units, or the minimum delivery pressure cannot be met.
    """
    line = _line(scenario)
    m = resolve_throughput(line, throughput)
    mth = month if month is not None else line.month
    b = _basis(line, basis)
    layout = _place(line, m, b, mth)[1]
    return PlacementResult(layout, _operate(line, m, b, layout, mth, None))


@dataclass(frozen=True)
class CapacityResult:
    """Largest throughput a line carries within its limits.

    ``throughput`` is measured at ``basis`` (delivery or entry); ``result`` is
    the steady state at the capacity; ``limits`` are the violations just above
    it (what binds).
    """

    throughput: StandardVolumeFlow
    basis: str
    result: LineResult
    limits: tuple[str, ...]


def max_throughput(scenario: ScenarioLike, *, month: int | None = None,
                   basis: str | None = None, rtol: float = CAPACITY_RTOL) -> CapacityResult:
    """The largest throughput within MAOP, minimum delivery and suction pressures and power.

    The station layout is held fixed (see :func:`simulate`). The entry mass flow is
    bracketed, then found to ``rtol`` by Brent's method on the smallest normalised
    limit slack (:attr:`LineResult.margin`); the capacity is reported at the basis
    asked for (delivered flow, by default for a delivery-basis scenario).
    """
    line = _line(scenario)
    layout = station_layout(line)
    mth = month if month is not None else line.month
    fast = MarchOptions(max_step=float("inf"), rtol=1e-7)

    def run(m: float) -> LineResult:
        return march_line(line, m, layout, mth, fast)[0]

    lo, hi = 0.0, line.mass_flow() * 1.05
    lo_res: LineResult | None = None
    hi_res = run(hi)
    while hi_res.feasible:
        lo, lo_res = hi, hi_res
        hi *= 1.5
        if hi > 1e3 * line.mass_flow():
            raise InfeasibleError("capacity search diverged: no limit binds")
        hi_res = run(hi)
    if lo_res is None:  # the design flow itself is infeasible: step down to a feasible one
        lo = hi
        for _ in range(12):
            lo *= 0.7
            res = run(lo)
            if res.feasible:
                lo_res = res
                break
            hi, hi_res = lo, res
        if lo_res is None:
            raise InfeasibleError(f"no feasible flow down to {100 * 0.7**12:.1f} % of the "
                                  "design flow", limits=hi_res.violations)
    # Brent's method on the smallest normalised limit slack (continuous in the flow, zero at
    # the capacity), then step back until the point is feasible: ~6-8 marches instead of
    # ~15 for bisection.
    def margin(m: float) -> float:
        return run(m).margin

    if hi - lo > rtol * hi:
        # a collapsed line has margin −1 (a plateau): bisect until the infeasible end
        # still has a continuous margin, then let Brent's interpolation work
        while hi_res.margin <= -1.0 and hi - lo > rtol * hi:
            mid = 0.5 * (lo + hi)
            res = run(mid)
            if res.feasible:
                lo, lo_res = mid, res
            else:
                hi, hi_res = mid, res
        root = float(brentq(margin, lo, hi, xtol=rtol * hi / 4, rtol=1e-12,
                            maxiter=60)) if hi - lo > rtol * hi else lo
        cand = root
        for _ in range(8):
            res = run(cand)
            if res.feasible:
                lo, lo_res = cand, res
                break
            hi, hi_res = cand, res
            cand -= rtol * root / 4
    if hi_res.feasible:  # the step-back found the bound from below: describe what binds
        hi_res = run(lo * (1 + rtol))
    final = march_line(line, lo, layout, mth)[0]
    b = _basis(line, basis)
    q = final.delivered if b == "delivery" else final.throughput
    return CapacityResult(q, b, final, hi_res.violations)
