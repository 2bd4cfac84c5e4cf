"""Transient engine: steady limit, conservation, settling, order of accuracy, events, I/O."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import trunkline as tl
from trunkline.errors import InputError
from trunkline.gas import IdealGas
from trunkline.model import Network
from trunkline.solve import PipeGeometry, steady_pipe
from trunkline.solve.transient import (
    TransientOptions,
    TransientResult,
    simulate_transient,
    survival_time,
)
from trunkline.solve.transient_events import (
    BUILTIN_CASES,
    WINTER_DAY,
    Boundary,
    Event,
    Profile,
    load_events,
)

#: Gyrya & Zlotnik's pipe gas: SG 0.6 ideal gas (assumption: 288.15 K).
GZ_GAS = IdealGas(molar_mass=0.6 * 0.0289647, viscosity=1.1e-5)


def _pipe(length: float = 20e3, diameter: float = 0.9144, height: float = 0.0,
          demand: float = 0.0) -> Network:
    net = Network("pipe")
    net.add_node("in")
    net.add_node("out", height=height)
    net.add_pipe("pipe", "in", "out", length, diameter, 1e-5)
    net.set_pressure("in", 6.5e6)
    net.set_flow("out", -demand)
    return net


@pytest.fixture(scope="module")
def pos2_steady() -> TransientResult:
    return simulate_transient(tl.load_scenario("power_of_siberia_2"), "24 h", "15 min")


@pytest.fixture(scope="module")
def pos2_trip() -> TransientResult:
    return simulate_transient(tl.load_scenario("power_of_siberia_2"), "10 h", "15 min",
                              events=[Event(3600.0, "trip", "CS-28")],
                              options=TransientOptions(profile_interval=None))


# -- steady limit and conservation ------------------------------------------------------

def test_pos2_steady_state_stays_steady(pos2_steady: TransientResult) -> None:
    p = pos2_steady.node_pressure
    drift = np.max(np.abs(p / p[0] - 1.0))
    assert drift <= 1e-8
    assert abs(pos2_steady.linepack[-1] / pos2_steady.linepack[0] - 1.0) <= 1e-8
    assert pos2_steady.max_mass_error <= 1e-9
    assert pos2_steady.time[-1] == pytest.approx(86400.0)
    # the discrete steady start reproduces the steady march (1 km cells: ~1e-5)
    march = tl.simulate(tl.load_scenario("power_of_siberia_2"))
    delivery = pos2_steady.pressure["delivery"].iloc[0]
    assert delivery == pytest.approx(march.delivery_pressure, rel=1e-4)
    inflow = pos2_steady.injection["entry"].iloc[0]
    assert inflow == pytest.approx(march.mass_flow, rel=1e-5)
    fuel = pos2_steady.station_fuel[0].sum()
    assert fuel == pytest.approx(march.fuel_mass_flow, rel=1e-4)


def test_pos2_trip_conserves_mass_every_step(pos2_trip: TransientResult) -> None:
    r = pos2_trip
    assert r.max_mass_error <= 1e-9
    dm = np.diff(np.array(r.linepack))
    moved = np.array(r.mass_in - r.mass_out - r.mass_fuel)[1:]
    assert np.allclose(dm, moved, rtol=0, atol=1e-9 * np.max(np.array(r.mass_in)))
    st = r.stations
    cs = st[st["station"] == "CS-28"]
    after = cs[cs["time"] > 3600.0]
    assert set(after["mode"]) == {"tripped"}
    assert (after["shaft_power"] == 0).all() and (after["fuel"] == 0).all()
    # with its discharge above its suction the bypass check valve stays shut at first
    assert after["mass_flow"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    # the delivery pressure falls after the trip; gas backs up before the station
    p = r.pressure
    assert p["delivery"].iloc[-1] < p["delivery"].iloc[0] - 0.3e6
    assert p["CS-28:suction"].iloc[-1] > p["CS-28:suction"].iloc[0] + 0.3e6
    assert r.linepack[-1] > r.linepack[0]  # the entry keeps supplying at its pressure


def test_survival_time_after_trip(pos2_trip: TransientResult) -> None:
    t = survival_time(pos2_trip, "delivery", pressure=6.3e6)
    assert t is not None and 0 < t < 9 * 3600
    p = pos2_trip.pressure["delivery"]
    before = p[p.index <= 3600 + t]
    assert before.min() >= 6.3e6 - 5e3  # interpolated crossing, never before
    assert survival_time(pos2_trip, "delivery", pressure=0.4e6) is None  # curtailed at 0.5
    t_min = survival_time(pos2_trip)  # contract minimum, counted from the trip
    assert t_min is not None and t_min > t


def test_second_run_reuses_caches_with_the_same_result(pos2_trip: TransientResult) -> None:
    # the steady start (march seed) and the stations' work-model calibrations are
    # cached across runs; a second run of the same case must not differ
    again = simulate_transient(tl.load_scenario("power_of_siberia_2"), "10 h", "15 min",
                               events=[Event(3600.0, "trip", "CS-28")],
                               options=TransientOptions(profile_interval=None))
    assert np.array_equal(np.array(again.node_pressure), np.array(pos2_trip.node_pressure))
    assert np.array_equal(np.array(again.linepack), np.array(pos2_trip.linepack))


def test_station_branch_changes_refresh_the_jacobian() -> None:
    # a total supply outage takes stations from their set-points to their suction
    # limits, power limits and bypasses; the semismooth Newton takes a new Jacobian
    # at each change of branch, so every step converges at the nominal step size
    ef = load_events("supply_outage")
    r = simulate_transient(tl.load_scenario("power_of_siberia_2"), "6 h", "15 min",
                           boundary=ef.boundary, events=ef.events)
    assert r.time.size - 1 == 24  # no step was cut
    assert r.max_mass_error <= 1e-9
    # (with the Jacobian of the old branch kept: 8.9 iterations a step, up to 19)
    its = np.array(r.newton_iterations)[1:]
    assert float(np.mean(its)) <= 7.0 and int(np.max(its)) <= 15


def test_running_stations_pass_no_gas_backwards() -> None:
    # after a total supply outage the stations throttle down to zero flow at their
    # suction limits; a station whose discharge stays above its suction then stops
    # (its check valves shut) instead of letting the discharge side drain back
    # through it, and the bypass only ever passes gas forwards
    ef = load_events("supply_outage")
    r = simulate_transient(tl.load_scenario("power_of_siberia_2"), ef.duration or "72 h",
                           ef.dt or "15 min", boundary=ef.boundary, events=ef.events,
                           stop_below={"delivery": 6.0e6})
    st = r.stations
    assert (st["mass_flow"] >= -1e-3).all()
    p = r.pressure
    for cs in st["station"].unique():
        # a stopped station holds its discharge at or above its suction
        lift = np.array(p[f"{cs}:discharge"] - p[f"{cs}:suction"])
        assert lift.min() >= -1e3


# -- settling to the steady solver, and grid convergence ---------------------------------

def test_step_change_settles_to_steady_solver() -> None:
    """A pipe after a demand step settles to the steady march within 1e-6 (1 km cells)."""
    gas = tl.load_scenario("power_of_siberia_2").gas
    net = _pipe(100e3, 1.3776, height=150.0, demand=900.0)
    net.set_pressure("in", 9.8e6)
    bnd = {"out": Boundary.demand(Profile.steps((0.0, 3600.0), (900.0, 1100.0)))}
    opts = TransientOptions(dx=1000.0, temperature="isothermal", lag_tol=1e-6,
                            profile_interval=0)
    res = simulate_transient(net, "48 h", "auto", boundary=bnd, options=opts, gas=gas,
                             temperature=283.15)
    ref = steady_pipe(gas.surrogate(), 9.8e6, 283.15, 1100.0, 100e3,
                      PipeGeometry(1.3776, 1e-5, slope=150.0 / 100e3), isothermal=True)
    assert res.pressure["out"].iloc[-1] == pytest.approx(ref.outlet_pressure, rel=1e-6)
    assert res.injection["in"].iloc[-1] == pytest.approx(1100.0, rel=1e-6)
    assert res.max_mass_error <= 1e-9


def _smooth(dx: float, dt: float, method: str) -> float:
    net = _pipe(demand=200.0)
    tk = np.arange(0.0, 1801.0, 5.0)
    prof = Profile(tuple(tk), tuple(200.0 + 200.0 * np.sin(np.pi * tk / 1800.0) ** 2))
    opts = TransientOptions(dx=dx, friction_factor=0.01, temperature="isothermal",
                            method=method, profile_interval=0, newton_tol=1e-11)  # type: ignore[arg-type]
    res = simulate_transient(net, 1800.0, dt, boundary={"out": Boundary.demand(prof)},
                             options=opts, gas=GZ_GAS, temperature=288.15)
    return float(res.pressure["out"].iloc[-1])


def test_order_of_accuracy_in_time() -> None:
    ref = _smooth(1000.0, 2.5, "bdf2")
    e_be = [abs(_smooth(1000.0, dt, "euler") - ref) for dt in (60.0, 30.0)]
    e_bdf = [abs(_smooth(1000.0, dt, "bdf2") - ref) for dt in (60.0, 30.0)]
    assert 0.8 < math.log2(e_be[0] / e_be[1]) < 1.3
    assert math.log2(e_bdf[0] / e_bdf[1]) > 1.8


def test_order_of_accuracy_in_space() -> None:
    ref = _smooth(250.0, 10.0, "bdf2")
    e = [abs(_smooth(dx, 10.0, "bdf2") - ref) for dx in (4000.0, 2000.0)]
    assert 1.7 < math.log2(e[0] / e[1]) < 2.5


def test_gyrya_zlotnik_fast_transient() -> None:
    """Inlet held at 6.5 MPa, withdrawal 0 → 787.63 → 78.76 kg/s; coarse vs fine grid."""
    prof = Profile((0.0, 599.0, 600.0, 1799.0, 1800.0), (0.0, 0.0, 787.63, 787.63, 78.76))

    def run(dx: float, dt: float) -> TransientResult:
        opts = TransientOptions(dx=dx, friction_factor=0.01, temperature="isothermal",
                                convective=False, profile_interval=0)
        return simulate_transient(_pipe(), 3600.0, dt, boundary={"out": Boundary.demand(prof)},
                                  options=opts, gas=GZ_GAS, temperature=288.15)

    fine, coarse = run(250.0, 2.5), run(1000.0, 10.0)
    p_f, p_c = fine.pressure["out"], coarse.pressure["out"]
    assert 1.1e6 < p_f.min() < 1.4e6       # deep draw-down at the end of the withdrawal
    assert abs(p_c.min() - p_f.min()) < 0.05e6
    assert p_f.iloc[-1] == pytest.approx(p_c.iloc[-1], rel=1e-5)
    assert fine.max_mass_error <= 1e-9


# -- networks ----------------------------------------------------------------------------

def test_network_with_active_elements() -> None:
    gas = tl.Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.02})
    net = Network("demo")
    for n in ("S", "A", "B", "C", "D", "E", "F"):
        net.add_node(n)
    net.add_pipe("p1", "S", "A", 60e3, 0.9, 1e-5)
    net.add_compressor("cs", "A", "B", discharge_pressure=7.0e6, fuel_from_line=True)
    net.add_pipe("p2", "B", "C", 80e3, 0.9, 1e-5)
    net.add_valve("v", "C", "D")
    net.add_pipe("p3", "D", "E", 30e3, 0.7, 1e-5)
    net.add_pipe("p3b", "C", "E", 40e3, 0.7, 1e-5)
    net.add_control_valve("cv", "E", "F", setpoint=3.0e6)
    net.set_pressure("S", 6.0e6)
    net.set_demand("F", 200.0)
    steady = tl.solve_steady(net, gas, temperature=283.15)
    ev = [Event(3600.0, "close", "v"), Event(4 * 3600.0, "trip", "cs")]
    res = simulate_transient(net, "8 h", 600.0, events=ev, gas=gas, temperature=283.15,
                             options=TransientOptions(dx=2000.0, temperature="isothermal"))
    assert res.max_mass_error <= 1e-9
    p0 = res.pressure.iloc[0]
    for node in ("B", "F"):  # set-point nodes agree exactly
        assert p0[node] == pytest.approx(steady.pressure[node], rel=1e-9)
    assert p0["C"] == pytest.approx(steady.pressure["C"], rel=2e-4)
    fl = res.flows
    assert fl["v"].iloc[-1] == 0.0
    assert fl["cv"].iloc[-1] == pytest.approx(200.0, rel=1e-3)
    modes = res.stations.set_index("time")["mode"]
    assert modes.loc[0.0] == "running" and modes.iloc[-1] == "tripped"


# -- events, profiles and files ------------------------------------------------------------

def test_profiles() -> None:
    d = Profile.daily(100.0, WINTER_DAY, amplitude=0.5)
    vals = [d(3600.0 * h) for h in range(24)]
    assert np.mean(vals) == pytest.approx(100.0)
    assert d(3600.0 * 8) == pytest.approx(d(3600.0 * 8 + 86400.0 * 3))
    s = Profile.steps((0.0, 10.0), (1.0, 2.0))
    assert s(9.999) == 1.0 and s(10.0) == 2.0
    assert s.jumps(0.0, 20.0) == [10.0]
    assert Profile.ramp(0.0, 10.0, 0.0, 1.0)(5.0) == pytest.approx(0.5)
    with pytest.raises(InputError):
        Profile((1.0, 0.0), (1.0, 2.0))
    with pytest.raises(InputError):
        Event(0.0, "explode", "CS-1")


def test_event_files(tmp_path: Path) -> None:
    for name in BUILTIN_CASES:
        ef = load_events(name)
        assert ef.duration and ef.dt and ef.survival
    csv = tmp_path / "ev.csv"
    csv.write_text("time,kind,target,value\n2 h,trip,CS-3,\n3600,setpoint,CS-4,9.0 MPa\n")
    ef = load_events(csv)
    assert [e.kind for e in ef.events] == ["setpoint", "trip"]
    assert ef.events[0].value == pytest.approx(9.0e6)
    prof = tmp_path / "demand.csv"
    prof.write_text("time,demand\n0,1000\n1,1100\n2,1000\n")
    toml = tmp_path / "case.toml"
    toml.write_text('duration = "2 h"\n[boundary.delivery]\nkind = "flow"\n'
                    'csv = "demand.csv"\ntime_unit = "h"\nscale = -1\n')
    ef = load_events(toml)
    assert ef.boundary["delivery"].profile(1800.0) == pytest.approx(-1050.0)
    with pytest.raises(InputError):
        load_events(tmp_path / "missing.toml")


def test_unknown_targets_are_errors() -> None:
    with pytest.raises(InputError, match="unknown"):
        simulate_transient(_pipe(), 60.0, 10.0, gas=GZ_GAS, events=[Event(1, "trip", "X")],
                           options=TransientOptions(friction_factor=0.01))
    with pytest.raises(InputError, match="unknown node"):
        simulate_transient(_pipe(), 60.0, 10.0, gas=GZ_GAS,
                           boundary={"nowhere": Boundary.flow(0.0)},
                           options=TransientOptions(friction_factor=0.01))


def test_result_views_and_files(pos2_trip: TransientResult, tmp_path: Path) -> None:
    r = pos2_trip
    assert r.pressure.shape == (r.time.size, len(r.node_names))
    assert "CS-28:suction" in r.pressure.columns and "Ulaanbaatar" in r.pressure.columns
    prof = r.profile(5 * 3600.0)
    assert prof["x"].is_monotonic_increasing and prof.attrs["time"] == pytest.approx(18000.0)
    assert len(r.stations) == r.time.size * len(r.station_ids)
    with pytest.raises(ValueError):
        r.node_pressure[0, 0] = 0.0  # immutable
    paths = r.write(tmp_path / "out")
    assert {p.name for p in paths} >= {"pressure.csv", "balance.csv", "summary.json"}
    assert not list((tmp_path / "out").glob(".*.tmp"))
