"""Solvers: steady state of a trunkline (march through pipes and stations) and studies."""

from trunkline.solve.line import LineResult, MarchOptions, StationResult, march_line
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
    "LineResult",
    "MarchOptions",
    "PlacementResult",
    "StationResult",
    "march_line",
    "max_throughput",
    "place_stations",
    "resolve_throughput",
    "simulate",
    "station_layout",
]
