"""Steady state of the whole trunkline: PoS2 march, stations, capacity and placement."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from trunkline.errors import InfeasibleError, InputError
from trunkline.model import Station, Trunkline, load_scenario
from trunkline.solve import LineResult, max_throughput, place_stations, simulate
from trunkline.units import SECONDS_PER_CONTRACT_YEAR

#: Mass balance entry = delivery + fuel (issue contract: 1e-9 relative).
MASS_BALANCE_RTOL = 1e-9
#: Delivered volume against the contract target when the basis is "delivery".
DELIVERY_RTOL = 1e-9
#: Physical pressure tolerance of limit checks [Pa] (as the solver's PRESSURE_TOL).
P_TOL = 1.0


@pytest.fixture(scope="module")
def line() -> Trunkline:
    return load_scenario("power_of_siberia_2")


@pytest.fixture(scope="module")
def result(line: Trunkline) -> LineResult:
    return simulate(line)


def test_pos2_delivers_50_bcm_feasibly(result: LineResult) -> None:
    # 50 bcm/yr @ RU (20 °C), 365-day contract year, measured at the delivery point
    assert result.delivered.reference.name == "RU"
    bcm = result.delivered.value * SECONDS_PER_CONTRACT_YEAR / 1e9
    assert bcm == pytest.approx(50.0, rel=DELIVERY_RTOL)
    assert result.feasible, result.violations
    assert result.delivery_pressure >= result.min_delivery_pressure - P_TOL


def test_mass_balance_exact(result: LineResult) -> None:
    fuel = sum(s.fuel for s in result.station_results)
    assert fuel == pytest.approx(result.fuel_mass_flow, rel=1e-14)
    assert result.mass_balance_error <= MASS_BALANCE_RTOL
    # the flow after every station is the flow before it minus its fuel
    flows = [result.mass_flow] + [s.mass_flow_in - s.fuel for s in result.station_results]
    ins = [s.mass_flow_in for s in result.station_results] + [result.delivered_mass_flow]
    np.testing.assert_allclose(flows, ins, rtol=1e-14)


def test_profile_respects_limits(line: Trunkline, result: LineResult) -> None:
    prof = result.profile
    assert np.all(np.diff(prof["chainage"].to_numpy()) >= 0)
    assert prof["chainage"].iloc[-1] == pytest.approx(line.length, rel=1e-12)
    assert np.all(prof["pressure"] <= prof["maop"] + P_TOL)
    assert prof["velocity"].max() < 20.0  # erosion-free large-diameter line
    design = line.station_design
    for s in result.station_results:
        assert s.suction_pressure >= design.min_suction_pressure - P_TOL
        assert s.discharge_pressure == pytest.approx(line.section_at(s.chainage).maop, abs=P_TOL)
        # after-cooler never heats, and cools to its set-point when the gas is hotter
        assert s.outlet_temperature == pytest.approx(
            min(s.discharge_temperature, design.aftercooler_temperature), abs=1e-9)
        assert s.units_running <= s.units_installed - design.spare_units


def test_station_fuel_is_driver_power_over_efficiency(line: Trunkline,
                                                      result: LineResult) -> None:
    ncv = line.gas.ncv_mass()
    eta = line.station_design.driver_efficiency
    for s in result.station_results:
        assert s.fuel * eta * ncv == pytest.approx(s.shaft_power, rel=1e-12)


def test_station_power_is_mass_times_polytropic_work(line: Trunkline,
                                                     result: LineResult) -> None:
    design = line.station_design
    for s in result.station_results[:3]:
        gas_power = (s.mass_flow_in - s.fuel) * s.head / design.polytropic_efficiency
        assert s.shaft_power * design.mechanical_efficiency == pytest.approx(gas_power,
                                                                             rel=1e-9)


def test_headline_figures_plausible(result: LineResult) -> None:
    s = result.summary
    # Reference: station spacing expected ~120-200 km for PoS2 practice (assumption row);
    # count over ~3,560 km therefore in 15-40; fuel a few per cent over ~3,500 km.
    assert 15 <= s["stations"] <= 40
    assert 0.02 < s["fuel_share"] < 0.15
    # linepack of a 1,420 mm line of ~3,560 km at 7-9.8 MPa: ~0.4-0.7 bcm
    assert 3e8 < s["linepack_m3"] < 8e8
    assert s["min_temperature"] > 260.0


def test_finer_steps_do_not_change_the_answer(line: Trunkline, result: LineResult) -> None:
    from trunkline.solve import MarchOptions

    fine = simulate(line, options=MarchOptions(rtol=1e-10, max_step=2e3))
    assert fine.delivery_pressure == pytest.approx(result.delivery_pressure, rel=1e-6)
    assert fine.fuel_mass_flow == pytest.approx(result.fuel_mass_flow, rel=1e-6)


def test_more_flow_needs_more_fuel(line: Trunkline) -> None:
    low = place_stations(line, "30 bcm/yr @ RU")
    mid = place_stations(line, "40 bcm/yr @ RU")
    base = simulate(line)
    assert low.count < mid.count < len(base.station_results)
    assert low.result.fuel_share < mid.result.fuel_share < base.fuel_share


def test_capacity_at_least_the_design_flow(line: Trunkline) -> None:
    cap = max_throughput(line)
    design = line.throughput.value
    assert cap.throughput.value >= design * (1 - 2e-4)
    assert cap.result.feasible
    assert cap.limits  # something binds just above capacity
    above = simulate(line, cap.result.mass_flow * 1.01, basis="entry")
    assert not above.feasible


def test_infeasible_throughput_is_a_clear_error(line: Trunkline) -> None:
    with pytest.raises(InfeasibleError, match=r"min_spacing|units|collapses"):
        place_stations(line, "90 bcm/yr @ RU")


def test_too_few_stations_reported_not_hidden(line: Trunkline) -> None:
    design = line.station_design
    sparse = line.with_stations((Station("head", 0.0, 4, design),
                                 Station("mid", 1.7e6, 4, design)))
    res = simulate(sparse)
    assert not res.feasible
    assert any("collapses" in v or "below" in v for v in res.violations)


def test_power_limit_caps_discharge(line: Trunkline) -> None:
    design = dataclasses.replace(line.station_design, spare_units=0)
    # a single 1-unit station must be power-limited at 50 bcm/yr
    lean = line.with_stations((Station("head", 0.0, 1, design),))
    res = simulate(lean, basis="entry")
    head = res.station_results[0]
    assert head.power_limited
    assert head.shaft_power == pytest.approx(design.unit_power, rel=1e-9)
    assert head.discharge_pressure < line.sections[0].maop


def test_bad_throughput(line: Trunkline) -> None:
    with pytest.raises(InputError):
        simulate(line, -5.0)
    with pytest.raises(InputError, match="reference"):
        simulate(line, "50 bcm/yr")


def test_writes_tables_atomically(result: LineResult, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "out"
    paths = result.write(folder)
    names = sorted(p.name for p in paths)
    assert names == ["profile.csv", "profile.parquet", "stations.csv", "stations.parquet",
                     "summary.json"]
    assert not list(folder.glob(".*.tmp"))  # no temporary files left behind
    header = (folder / "profile.csv").read_text().splitlines()[0]
    assert "pressure [Pa]" in header
