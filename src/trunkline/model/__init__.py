"""The data model: trunklines (route, pipe sections, compressor stations), gas networks
(nodes, pipes and active elements), and the scenario files that describe them."""

from trunkline.model.line import (
    GRAVITY,
    PipeSection,
    Station,
    StationTemplate,
    Trunkline,
    Waypoint,
)
from trunkline.model.network import (
    Compressor,
    ControlValve,
    Edge,
    EdgeMap,
    Network,
    Node,
    NodeMap,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.model.network_file import (
    NetworkScenario,
    network_from_dict,
    network_to_dict,
    write_network_scenario,
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
    "Compressor",
    "ControlValve",
    "Edge",
    "EdgeMap",
    "Network",
    "NetworkScenario",
    "Node",
    "NodeMap",
    "Pipe",
    "PipeSection",
    "Resistor",
    "ScenarioFile",
    "ShortPipe",
    "Station",
    "StationTemplate",
    "Trunkline",
    "Valve",
    "Waypoint",
    "load_line",
    "load_scenario",
    "network_from_dict",
    "network_to_dict",
    "scenario_from_dict",
    "write_network_scenario",
]

from trunkline.model.gaslib import GasLibData, read_gaslib

__all__ += ["GasLibData", "read_gaslib"]
