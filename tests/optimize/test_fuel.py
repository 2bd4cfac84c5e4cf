"""Minimum fuel: verified optimum, brute force, trends, station model in depth, networks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from trunkline.errors import InfeasibleError, InputError
from trunkline.gas import Gas
from trunkline.model import Network, Trunkline
from trunkline.model.scenario import scenario_from_dict
from trunkline.optimize.fuel import (
    MATCH_TOL,
    FuelResult,
    OptimizeOptions,
    evaluate_operation,
    optimize_fuel,
)
from trunkline.optimize.station import (
    STATUS_POWER,
    choose_units,
    line_station_designs,
    operate_stations,
)
from trunkline.physics.compressor_map import (
    STATUS_OK,
    STATUS_STONEWALL,
    Characteristic,
    generic_map,
    read_map_csv,
)
from trunkline.physics.drivers import ElectricMotor
from trunkline.solve import simulate, solve_steady, station_layout

#: The issue's contract: the re-simulated optimum matches the optimiser to 1e-6.
SIM_MATCH = 1e-6
#: Tolerance of the steady solver's limit checks [Pa] (solve.line.PRESSURE_TOL).
P_TOL = 1.0
#: Relative slack on the map lines and driver power at a verified point [-].
LIMIT_RTOL = 1e-6
#: The optimiser against the finest level of a three-level grid search: never worse
#: than the grid (beyond round-off), and within the grid's resolution of it [-].
GRID_NOT_WORSE = 1e-7
GRID_RESOLUTION = 5e-3


def short_line(stations: tuple[float, ...] = (0.0, 120.0, 240.0), length_km: float = 360.0,
               throughput: str = "45 bcm/yr @ RU", units: int = 3, basis: str = "delivery",
               unit_power: str = "32 MW") -> Trunkline:
    """A 1,420 mm line with fixed stations (km), built for the tests."""
    data = {
        "scenario": {"name": "short_line"},
        "gas": {"composition": {"methane": 0.98, "ethane": 0.01, "nitrogen": 0.01}},
        "operation": {"throughput": throughput, "throughput_basis": basis,
                      "entry_pressure": "7.0 MPa", "entry_temperature": "10 degC",
                      "min_delivery_pressure": "6.0 MPa"},
        "route": {"waypoints": [{"name": "A", "lat": 55.0, "lon": 80.0, "elevation": "100 m"},
                                {"name": "B", "lat": 55.0,
                                 "lon": 80.0 + 0.99 * length_km / 63.9,
                                 "elevation": "300 m"}],
                  "sections": [{"name": "main", "from": "A", "to": "B",
                                "length": f"{length_km} km", "outside_diameter": "1420 mm",
                                "wall_thickness": "21.7 mm", "roughness": "0.01 mm",
                                "ground_temperature": "4 degC",
                                "heat_transfer_coefficient": "1.5 W/(m^2*K)",
                                "maop": "9.8 MPa"}]},
        "stations": {"placement": "fixed", "unit_power": unit_power, "spare_units": 1,
                     "polytropic_efficiency": 0.84, "driver_efficiency": 0.36,
                     "aftercooler_temperature": "20 degC", "min_suction_pressure": "6.8 MPa",
                     "list": [{"name": f"CS-{i + 1}", "chainage": f"{c} km", "units": units}
                              for i, c in enumerate(stations)]},
    }
    return scenario_from_dict(data, "short test line")


@pytest.fixture(scope="module")
def line() -> Trunkline:
    return short_line()


@pytest.fixture(scope="module")
def result(line: Trunkline) -> FuelResult:
    return optimize_fuel(line, "40 bcm/yr @ RU")


def _assert_within_limits(res: FuelResult, line: Trunkline) -> None:
    point = res.optimum
    sim = point.sim
    assert point.feasible, point.violations
    assert not sim.violations
    tpl = line.station_design
    char = _characteristic(line)
    for i, s in enumerate(sim.station_results):
        assert s.suction_pressure >= tpl.min_suction_pressure - P_TOL
        assert s.discharge_pressure <= line.section_at(s.chainage).maop + P_TOL
        if point.units[i]:
            assert np.all(point.points.load[i] <= 1.0 + LIMIT_RTOL)
            x = point.points.flow_ratio[i]
            assert np.all(x >= char.control_ratio * (1 - LIMIT_RTOL))
            assert np.all(x <= char.stonewall_ratio * (1 + LIMIT_RTOL))
            # the driver power of the running units covers the station's shaft power
            assert s.shaft_power <= point.units[i] * s.unit_power * (1 + LIMIT_RTOL)
    assert sim.delivery_pressure >= line.min_delivery_pressure - P_TOL
    prof = sim.profile
    assert np.all(prof["pressure"] <= prof["maop"] + P_TOL)


def _characteristic(line: Trunkline) -> Characteristic:
    return line_station_designs(line, station_layout(line))[0].characteristic


def test_optimum_is_re_simulated_within_every_limit(line: Trunkline,
                                                    result: FuelResult) -> None:
    assert result.match <= SIM_MATCH
    _assert_within_limits(result, line)
    # delivered flow on the line's basis: the target, to the solver's accuracy
    sim = result.optimum.sim
    assert sim.delivered_mass_flow == pytest.approx(line.mass_flow(result.throughput),
                                                    rel=SIM_MATCH)
    # never worse than every station at MAOP (the naive policy), itself verified
    assert result.naive.feasible
    assert result.fuel <= result.naive.fuel
    assert result.savings == pytest.approx(result.naive.fuel - result.fuel, rel=1e-12)
    assert result.savings_share > 0.05  # this short line has room to trim pressures


def test_the_public_steady_study_reproduces_the_optimum(line: Trunkline,
                                                        result: FuelResult) -> None:
    # trunkline.simulate on the returned line (its stations carry the set-points and the
    # equivalent efficiencies) lands on the same operating point
    res = simulate(result.line, result.throughput)
    opt = result.optimum.sim
    assert res.feasible, res.violations
    ps = np.array([s.suction_pressure for s in res.station_results])
    ps_opt = np.array([s.suction_pressure for s in opt.station_results])
    np.testing.assert_allclose(ps, ps_opt, rtol=SIM_MATCH)
    assert res.fuel_mass_flow == pytest.approx(result.fuel, rel=SIM_MATCH)
    assert res.delivery_pressure == pytest.approx(opt.delivery_pressure, rel=SIM_MATCH)


def test_fuel_rises_steeply_with_throughput(line: Trunkline, result: FuelResult) -> None:
    low = optimize_fuel(line, "30 bcm/yr @ RU")
    high = optimize_fuel(line, "45 bcm/yr @ RU")
    q = np.array([30.0, 40.0, 45.0])
    f = np.array([low.fuel, result.fuel, high.fuel])
    assert np.all(np.diff(f) > 0)
    # faster than the flow, and faster and faster (convex in throughput)
    assert f[1] / f[0] > (q[1] / q[0]) ** 2
    slopes = np.diff(f) / np.diff(q)
    assert slopes[1] > slopes[0]
    # at low throughput stations are shut down
    assert int(np.count_nonzero(low.optimum.units)) < len(low.optimum.units)
    for r in (low, high):
        assert r.match <= SIM_MATCH and r.feasible


def _two_stations() -> Trunkline:
    """Two stations, one 64 MW unit each (no unit choice): a continuous 2-D problem."""
    base = short_line(stations=(0.0, 150.0), length_km=300.0, throughput="40 bcm/yr @ RU",
                      units=2, basis="entry", unit_power="64 MW")
    return base


@pytest.mark.slow
def test_optimum_agrees_with_a_brute_force_grid_search() -> None:
    line = _two_stations()
    res = optimize_fuel(line, options=OptimizeOptions(allow_shutdown=True))
    assert res.match <= SIM_MATCH and res.feasible
    last: list[Any] = [None]

    def grid(a_values: np.ndarray, b_values: np.ndarray) -> tuple[float, tuple[float, float]]:
        best = (np.inf, (np.nan, np.nan))
        for a in a_values:
            for b in b_values:
                pt = evaluate_operation(line, None, [a, b], [1, 1], verify=False,
                                        start=last[0])
                last[0] = pt
                if pt.feasible and pt.fuel < best[0]:
                    best = (pt.fuel, (float(a), float(b)))
        return best

    maop = 9.8e6
    best = grid(np.linspace(9.2e6, maop, 7), np.linspace(7.8e6, maop, 9))
    for half_a, half_b in ((0.1e6, 0.25e6), (0.033e6, 0.083e6)):
        a0, b0 = best[1]
        best = grid(np.linspace(a0 - half_a, min(a0 + half_a, maop), 7),
                    np.linspace(b0 - half_b, min(b0 + half_b, maop), 7))
    assert res.fuel <= best[0] * (1 + GRID_NOT_WORSE)
    assert res.fuel >= best[0] * (1 - GRID_RESOLUTION)
    # the same set-points, within the finest grid's spacing
    assert res.optimum.discharge[0] == pytest.approx(best[1][0], abs=0.033e6)
    assert res.optimum.discharge[1] == pytest.approx(best[1][1], abs=0.083e6)


def test_units_are_chosen_per_operating_point(line: Trunkline) -> None:
    designs = line_station_designs(line, station_layout(line))
    gas = line.gas
    d = [designs[1]]
    # a light duty: the fewest units is one; the best count may differ
    fewest = choose_units(d, gas, 500.0, 8.0e6, 280.0, 9.0e6, rule="fewest")
    best = choose_units(d, gas, 500.0, 8.0e6, 280.0, 9.0e6)
    assert int(fewest.units[0]) == 1
    assert best.feasible[0] and best.fuel[0] <= fewest.fuel[0]
    # a heavy duty at the rated head: one unit is beyond its stonewall (and its power);
    # more units are chosen
    heavy = operate_stations(d, gas, 1400.0, 7.6e6, 280.0, 9.8e6, 1)
    assert int(heavy.status[0]) in (STATUS_POWER, STATUS_STONEWALL)
    pick = choose_units(d, gas, 1400.0, 7.6e6, 280.0, 9.8e6)
    assert pick.feasible[0] and int(pick.units[0]) >= 2
    # a head above the map at any count (overspeed): reported, not hidden
    steep = choose_units(d, gas, 950.0, 6.9e6, 280.0, 9.8e6)
    assert not steep.feasible[0]


def test_recycle_keeps_a_lightly_loaded_unit_off_surge(line: Trunkline) -> None:
    designs = line_station_designs(line, station_layout(line))
    pt = operate_stations([designs[1]], line.gas, 150.0, 7.5e6, 280.0, 9.5e6, 1)
    char = designs[1].characteristic
    assert int(pt.status[0]) == STATUS_OK
    assert pt.recycle[0, 0] > 0
    assert pt.flow_ratio[0, 0] == pytest.approx(char.control_ratio, rel=1e-9)
    # recycling costs work: the equivalent single path is less efficient than the map
    assert pt.eta_equivalent[0] < pt.efficiency[0, 0]
    # the fuel closes its own loop: driver fuel at the shaft power, from the line
    drv = designs[1].driver
    unit_fuel = drv.fuel(pt.unit_power[0, 0], line.gas.ncv_mass(), 288.15)
    assert pt.fuel[0] == pytest.approx(float(unit_fuel), rel=1e-9)


def test_electric_drives_and_a_cost_objective(line: Trunkline) -> None:
    opts = OptimizeOptions(objective="cost", driver=ElectricMotor(32e6),
                           allow_shutdown=False)
    res = optimize_fuel(line, "40 bcm/yr @ RU", options=opts)
    assert res.match <= SIM_MATCH and res.feasible
    assert res.fuel == 0.0 and res.naive.fuel == 0.0
    assert res.optimum.electricity > 0
    assert res.optimum.cost <= res.naive.cost
    assert res.savings == pytest.approx(res.naive.cost - res.optimum.cost, rel=1e-12)


def test_a_throughput_beyond_the_line_is_infeasible(line: Trunkline) -> None:
    with pytest.raises(InfeasibleError):
        optimize_fuel(line, "80 bcm/yr @ RU")
    with pytest.raises(InputError):
        OptimizeOptions(objective="speed")


def _network() -> tuple[Network, Gas]:
    """source → 60 km → compressor → 90 km → sink, the sink needing compression."""
    gas = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.02})
    net = Network("two pipes and a compressor")
    net.add_node("src", kind="entry", p_min=40e5, p_max=55e5)
    net.add_node("a")
    net.add_node("b")
    net.add_node("snk", kind="exit", p_min=45e5, p_max=70e5)
    net.add_pipe("p1", "src", "a", 60e3, 0.6, 2e-5, "prandtl-colebrook")
    net.add_compressor("cs", "a", "b", mode="bypass", p_out_max=70e5, flow_min=0.0)
    net.add_pipe("p2", "b", "snk", 90e3, 0.6, 2e-5, "prandtl-colebrook")
    net.set_flow("src", 60.0)
    net.set_demand("snk", 60.0)
    return net, gas


def test_network_minimum_fuel_compresses_just_enough() -> None:
    net, gas = _network()
    res = optimize_fuel(net, gas=gas, temperature=283.15)
    assert res.match <= SIM_MATCH and res.feasible
    sim = res.optimum.simulation
    p = sim.pressure
    # the least fuel: the source at its highest pressure, the sink at its lowest
    assert p["src"] == pytest.approx(55e5, abs=100.0)
    assert p["snk"] == pytest.approx(45e5, abs=100.0)
    assert res.fuel > 0 and res.fuel <= res.baseline.fuel * (1 + 1e-9)
    # an independent re-simulation of the returned network agrees
    again = solve_steady(res.optimum.network, gas, temperature=283.15)
    assert not again.violations
    assert again.pressure["snk"] == pytest.approx(p["snk"], rel=SIM_MATCH)
    assert MATCH_TOL == SIM_MATCH


def test_stages_in_series_with_a_user_map(tmp_path: Any) -> None:
    # a user map from CSV (here the generic one written out), two groups in series
    path = generic_map(2.0, 40e3).to_csv(tmp_path / "map.csv", speeds=(0.7, 0.8, 0.9, 1.0))
    char = read_map_csv(path, rated_speed=5000.0).characteristic
    line = short_line(stations=(0.0, 120.0), length_km=240.0, units=5)
    res = optimize_fuel(line, "40 bcm/yr @ RU",
                        options=OptimizeOptions(stages=2, characteristic=char))
    assert res.match <= SIM_MATCH and res.feasible
    pts = res.optimum.points
    assert pts.head.shape == (2, 2)
    running = res.optimum.units > 0
    # each group takes its share of the ratio: the heads are close, the second group's
    # inlet is denser (smaller volume flow, another point on its own map)
    assert np.all(pts.head[running, 1] == pytest.approx(pts.head[running, 0], rel=0.1))
    assert res.fuel <= res.naive.fuel
