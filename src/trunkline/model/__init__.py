"""The data model: trunklines (route, pipe sections, compressor stations) and scenario files."""

from trunkline.model.line import (
    GRAVITY,
    PipeSection,
    Station,
    StationTemplate,
    Trunkline,
    Waypoint,
)
from trunkline.model.scenario import (
    BUILTIN_SCENARIOS,
    ScenarioFile,
    load_line,
    load_scenario,
    scenario_from_dict,
)

__all__ = [
    "BUILTIN_SCENARIOS",
    "GRAVITY",
    "PipeSection",
    "ScenarioFile",
    "Station",
    "StationTemplate",
    "Trunkline",
    "Waypoint",
    "load_line",
    "load_scenario",
    "scenario_from_dict",
]

from trunkline.model.network import (
    Compressor,
    ControlValve,
    Edge,
    Network,
    Node,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)

__all__ += [
    "Compressor",
    "ControlValve",
    "Edge",
    "Network",
    "Node",
    "Pipe",
    "Resistor",
    "ShortPipe",
    "Valve",
]

from trunkline.model.network_file import NetworkScenario, network_from_dict

__all__ += ["NetworkScenario", "network_from_dict"]
