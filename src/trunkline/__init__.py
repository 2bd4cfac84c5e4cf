"""trunkline: simulate, optimise and plan long-distance natural gas transmission.

Import as ``import trunkline as tl``::

    line = tl.load_scenario("power_of_siberia_2")
    result = tl.simulate(line)            # steady state at 50 bcm/yr (RU 20 degC)
    result.profile, result.stations, result.summary
"""

from trunkline import errors
from trunkline.gas import Gas
from trunkline.model import (
    Network,
    NetworkScenario,
    Trunkline,
    load_line,
    load_scenario,
    write_network_scenario,
)
from trunkline.model.gaslib import load_gaslib, read_gaslib, write_gaslib
from trunkline.optimize import (
    DesignCosts,
    NominationResult,
    OptimizeOptions,
    check_nomination,
    design_study,
    optimize_fuel,
    technical_capacity,
)
from trunkline.plan import ContractTerms, PlanResult, capacity_curve, load_plan, plan
from trunkline.plan.montecarlo import MonteCarloResult
from trunkline.run import check_nominations, monte_carlo
from trunkline.solve import (
    LineResult,
    MarchOptions,
    NetworkResult,
    max_throughput,
    place_stations,
    simulate,
    simulate_transient,
    solve_steady,
    survival_time,
)
from trunkline.units import get_reference, parse_quantity, parse_standard_volume_flow

__version__ = "0.1.0"

__all__ = [
    "ContractTerms",
    "DesignCosts",
    "Gas",
    "LineResult",
    "MarchOptions",
    "MonteCarloResult",
    "Network",
    "NetworkResult",
    "NetworkScenario",
    "NominationResult",
    "OptimizeOptions",
    "PlanResult",
    "Trunkline",
    "__version__",
    "capacity_curve",
    "check_nomination",
    "check_nominations",
    "design_study",
    "errors",
    "get_reference",
    "load_gaslib",
    "load_line",
    "load_plan",
    "load_scenario",
    "max_throughput",
    "monte_carlo",
    "optimize_fuel",
    "parse_quantity",
    "parse_standard_volume_flow",
    "place_stations",
    "plan",
    "read_gaslib",
    "simulate",
    "simulate_transient",
    "solve_steady",
    "survival_time",
    "technical_capacity",
    "write_gaslib",
    "write_network_scenario",
]
