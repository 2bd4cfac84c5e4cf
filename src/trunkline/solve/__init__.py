"""Solvers: steady state of a trunkline (march through pipes and stations), station
placement and capacity studies, and the steady state of any gas network."""

from trunkline.solve.line import (
    Fluid,
    LineResult,
    MarchOptions,
    PipeGeometry,
    PipeResult,
    StationResult,
    march_line,
    steady_pipe,
)
from trunkline.solve.network import NetworkResult, solve_steady
from trunkline.solve.studies import (
    CapacityResult,
    PlacementResult,
    max_throughput,
    place_stations,
    resolve_throughput,
    simulate,
    station_layout,
)
from trunkline.solve.transient import (
    TransientOptions,
    TransientResult,
    simulate_transient,
    survival_time,
)
from trunkline.solve.transient_events import Boundary, Event, Profile

__all__ = [
    "Boundary",
    "CapacityResult",
    "Event",
    "Fluid",
    "LineResult",
    "MarchOptions",
    "NetworkResult",
    "PipeGeometry",
    "PipeResult",
    "PlacementResult",
    "Profile",
    "StationResult",
    "TransientOptions",
    "TransientResult",
    "march_line",
    "max_throughput",
    "place_stations",
    "resolve_throughput",
    "simulate",
    "simulate_transient",
    "solve_steady",
    "station_layout",
    "steady_pipe",
    "survival_time",
]
