"""Solvers: steady state of a trunkline (march through pipes and stations) and studies."""

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
from trunkline.solve.studies import (
    CapacityResult,
    PlacementResult,
    max_throughput,
    place_stations,
    resolve_throughput,
    simulate,
    station_layout,
)

__all__ = [
    "CapacityResult",
    "Fluid",
    "LineResult",
    "MarchOptions",
    "PipeGeometry",
    "PipeResult",
    "PlacementResult",
    "StationResult",
    "march_line",
    "max_throughput",
    "place_stations",
    "resolve_throughput",
    "simulate",
    "station_layout",
    "steady_pipe",
]

from trunkline.solve.network import NetworkResult, solve_steady  # noqa: E402

__all__ += ["NetworkResult", "solve_steady"]
