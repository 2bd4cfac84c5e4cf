"""Technical capacity of a line and of a network, decisions optimised and verified."""

from __future__ import annotations

import pytest

from trunkline.errors import InfeasibleError
from trunkline.gas import Gas
from trunkline.model import Network, Trunkline
from trunkline.model.scenario import scenario_from_dict
from trunkline.optimize.capacity import TechnicalCapacity, technical_capacity
from trunkline.optimize.fuel import optimize_fuel

#: Re-simulation against the optimiser (the issue's contract) [-].
SIM_MATCH = 1e-6
#: Steps beyond and below the capacity that must fail and succeed [-].
ABOVE = 1.003
BELOW = 0.995


def short_line() -> Trunkline:
    """360 km of 1,420 mm pipe, stations at 0, 120 and 240 km (three 32 MW units each)."""
    data = {
        "scenario": {"name": "short_line"},
        "gas": {"composition": {"methane": 0.98, "ethane": 0.01, "nitrogen": 0.01}},
        "operation": {"throughput": "45 bcm/yr @ RU", "entry_pressure": "7.0 MPa",
                      "entry_temperature": "10 degC", "min_delivery_pressure": "6.0 MPa"},
        "route": {"waypoints": [{"name": "A", "lat": 55.0, "lon": 80.0, "elevation": "100 m"},
                                {"name": "B", "lat": 55.0, "lon": 80.0 + 0.99 * 360 / 63.9,
                                 "elevation": "300 m"}],
                  "sections": [{"name": "main", "from": "A", "to": "B", "length": "360 km",
                                "outside_diameter": "1420 mm", "wall_thickness": "21.7 mm",
                                "roughness": "0.01 mm", "ground_temperature": "4 degC",
                                "heat_transfer_coefficient": "1.5 W/(m^2*K)",
                                "maop": "9.8 MPa"}]},
        "stations": {"placement": "fixed", "unit_power": "32 MW", "spare_units": 1,
                     "polytropic_efficiency": 0.84, "driver_efficiency": 0.36,
                     "aftercooler_temperature": "20 degC", "min_suction_pressure": "6.8 MPa",
                     "list": [{"name": f"CS-{i + 1}", "chainage": f"{c} km", "units": 3}
                              for i, c in enumerate((0, 120, 240))]},
    }
    return scenario_from_dict(data, "short test line")


@pytest.fixture(scope="module")
def line() -> Trunkline:
    return short_line()


@pytest.fixture(scope="module")
def capacity(line: Trunkline) -> TechnicalCapacity:
    return technical_capacity(line)


def test_capacity_point_is_verified_and_bounded(line: Trunkline,
                                                capacity: TechnicalCapacity) -> None:
    assert capacity.match <= SIM_MATCH
    assert capacity.feasible, capacity.point.violations
    assert capacity.basis == "delivery"
    sim = capacity.point.sim
    assert sim.delivered_mass_flow == pytest.approx(capacity.mass_flow, rel=1e-12)
    assert capacity.bcm_per_year > 45.0  # the line was built for 45 bcm/yr with margin
    # something binds: a limit holds the throughput back
    assert capacity.binding
    assert any("delivery pressure" in b or "suction" in b or "power" in b
               or "stonewall" in b or "speed" in b for b in capacity.binding)


def test_just_above_capacity_is_infeasible_just_below_is_not(
        line: Trunkline, capacity: TechnicalCapacity) -> None:
    with pytest.raises(InfeasibleError):
        optimize_fuel(line, capacity.mass_flow * ABOVE)
    below = optimize_fuel(line, capacity.mass_flow * BELOW)
    assert below.feasible and below.match <= SIM_MATCH


def test_network_capacity_scales_the_nomination() -> None:
    gas = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.02})
    net = Network("two pipes and a compressor")
    net.add_node("src", kind="entry", p_min=40e5, p_max=55e5)
    net.add_node("a")
    net.add_node("b")
    net.add_node("snk", kind="exit", p_min=45e5, p_max=70e5)
    net.add_pipe("p1", "src", "a", 60e3, 0.6, 2e-5, "prandtl-colebrook")
    net.add_compressor("cs", "a", "b", mode="bypass", p_out_max=70e5, p_in_min=30e5,
                       flow_min=0.0)
    net.add_pipe("p2", "b", "snk", 90e3, 0.6, 2e-5, "prandtl-colebrook")
    net.set_flow("src", 60.0)
    net.set_demand("snk", 60.0)
    cap = technical_capacity(net, gas=gas, temperature=283.15)
    assert cap.match <= SIM_MATCH and cap.feasible
    assert cap.factor > 1.0
    # the compressor's suction limit and its discharge limit (or the sink's) bind
    assert cap.binding
    sim = cap.point.simulation
    assert sim.nodes.loc["snk", "injection"] == pytest.approx(-60.0 * cap.factor, rel=1e-9)
