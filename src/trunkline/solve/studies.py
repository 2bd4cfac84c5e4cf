"""User-facing steady studies of a trunkline: simulate, station placement, capacity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trunkline.errors import InfeasibleError, InputError
from trunkline.model import Station, Trunkline, load_scenario
from trunkline.solve.line import LineResult, MarchOptions, march_line
from trunkline.units import StandardVolumeFlow, parse_standard_volume_flow

__all__ = [
    "CapacityResult",
    "PlacementResult",
    "max_throughput",
    "place_stations",
    "resolve_throughput",
    "simulate",
    "station_layout",
]

ScenarioLike = Trunkline | str | Path
ThroughputLike = StandardVolumeFlow | str | float | None

#: Relative tolerance on throughput of the capacity search [-].
CAPACITY_RTOL = 1e-4


def _line(scenario: ScenarioLike) -> Trunkline:
    return scenario if isinstance(scenario, Trunkline) else load_scenario(scenario)


def resolve_throughput(line: Trunkline, throughput: ThroughputLike) -> float:
    """Entry mass flow [kg/s] of a throughput.

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
                         value=throughput, expected="a mass flow > 0 kg/s or e.g. '50 bcm/yr @ RU'")
    return value


_LAYOUTS: dict[tuple[int, float, int | None], tuple[Station, ...]] = {}


def station_layout(line: Trunkline) -> tuple[Station, ...]:
    """The line's stations: fixed ones, or those placed at its design throughput."""
    if line.stations is not None:
        return line.stations
    key = (id(line), line.throughput.value, line.month)
    layout = _LAYOUTS.get(key)
    if layout is None:
        _, layout = march_line(line, line.mass_flow(), None, line.month,
                               MarchOptions(max_step=float("inf")), place=True)
        _LAYOUTS[key] = layout
    return layout


def simulate(scenario: ScenarioLike, throughput: ThroughputLike = None, *,
             month: int | None = None, options: MarchOptions | None = None) -> LineResult:
    """Steady state of a trunkline at a throughput.

    Args:
        scenario: a :class:`Trunkline`, a built-in scenario name or a TOML path.
        throughput: None for the scenario's, else see :func:`resolve_throughput`.
        month: 1-12 for that month's ground temperature; None → the scenario's.
        options: numerical options (:class:`MarchOptions`).

    The station layout is the scenario's (fixed), or placed by the hydraulics
    at the scenario's design throughput ("auto"), then held fixed.

    Returns:
        :class:`LineResult` — check ``feasible`` and ``violations``.
    """
    line = _line(scenario)
    m = resolve_throughput(line, throughput)
    layout = station_layout(line)
    result, _ = march_line(line, m, layout, month if month is not None else line.month,
                           options)
    return result


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
        return [b - a for a, b in zip(ch, ch[1:], strict=False)]


def place_stations(scenario: ScenarioLike, throughput: ThroughputLike = None, *,
                   month: int | None = None) -> PlacementResult:
    """Place compressor stations for a target throughput.

    Marching from the entry, a station stands wherever the pressure falls to
    the minimum suction pressure (plus a head station when the entry pressure
    is below the discharge set-point); each discharges at its set-point (MAOP
    by default) and is given the running units it needs plus the spares.

    Raises:
        InfeasibleError: when stations would have to stand closer than the
            template's ``min_spacing``, need more than ``max_units`` running
            units, or the minimum delivery pressure cannot be met.
    """
    line = _line(scenario)
    m = resolve_throughput(line, throughput)
    mth = month if month is not None else line.month
    _, layout = march_line(line, m, None, mth, MarchOptions(max_step=float("inf")), place=True)
    result, _ = march_line(line, m, layout, mth)
    return PlacementResult(layout, result)


@dataclass(frozen=True)
class CapacityResult:
    """Largest throughput a line carries within its limits."""

    throughput: StandardVolumeFlow
    mass_flow: float
    result: LineResult
    limits: tuple[str, ...]


def max_throughput(scenario: ScenarioLike, *, month: int | None = None,
                   rtol: float = CAPACITY_RTOL) -> CapacityResult:
    """The largest throughput within MAOP, minimum delivery and suction pressures and power.

    The station layout is held fixed (see :func:`simulate`). Bisection on the
    entry mass flow to ``rtol``; ``limits`` are the violations just above the
    capacity (what binds).
    """
    line = _line(scenario)
    layout = station_layout(line)
    mth = month if month is not None else line.month
    fast = MarchOptions(max_step=float("inf"), rtol=1e-7)

    def run(m: float) -> LineResult:
        return march_line(line, m, layout, mth, fast)[0]

    lo, hi = 0.0, line.mass_flow()
    lo_res: LineResult | None = None
    hi_res = run(hi)
    while hi_res.feasible:
        lo, lo_res = hi, hi_res
        hi *= 1.5
        hi_res = run(hi)
        if hi > 1e3 * line.mass_flow():
            raise InfeasibleError("capacity search diverged: no limit binds")
    if lo_res is None:
        lo = hi * 0.01
        lo_res = run(lo)
        if not lo_res.feasible:
            raise InfeasibleError("the line is infeasible even at 1 % of its design flow",
                                  limits=lo_res.violations)
    while hi - lo > rtol * hi:
        mid = 0.5 * (lo + hi)
        res = run(mid)
        if res.feasible:
            lo, lo_res = mid, res
        else:
            hi, hi_res = mid, res
    final, _ = march_line(line, lo, layout, mth)
    return CapacityResult(final.throughput, lo, final, hi_res.violations)
