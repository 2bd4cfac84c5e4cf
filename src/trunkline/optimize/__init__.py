"""Optimisation: nomination validation, minimum fuel, technical capacity, line design."""

from trunkline.optimize.capacity import NetworkCapacity, TechnicalCapacity, technical_capacity
from trunkline.optimize.design import DEFAULT_COSTS, DesignCosts, DesignStudy, design_study
from trunkline.optimize.fuel import (
    FuelResult,
    NetworkFuelResult,
    OperatingPoint,
    OptimizeOptions,
    Prices,
    evaluate_operation,
    optimize_fuel,
)
from trunkline.optimize.nomination import NominationResult, check_nomination, gas_for_gaslib
from trunkline.optimize.station import (
    StationDesign,
    StationPoint,
    choose_units,
    line_station_designs,
    operate_stations,
)

__all__ = [
    "DEFAULT_COSTS",
    "DesignCosts",
    "DesignStudy",
    "FuelResult",
    "NetworkCapacity",
    "NetworkFuelResult",
    "NominationResult",
    "OperatingPoint",
    "OptimizeOptions",
    "Prices",
    "StationDesign",
    "StationPoint",
    "TechnicalCapacity",
    "check_nomination",
    "choose_units",
    "design_study",
    "evaluate_operation",
    "gas_for_gaslib",
    "line_station_designs",
    "operate_stations",
    "optimize_fuel",
    "technical_capacity",
]
