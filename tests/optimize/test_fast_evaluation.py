"""Fast paths: scalar gas states, polytropic paths, the optimiser's caches by line inputs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from trunkline.errors import OutOfRangeError
from trunkline.gas import Gas
from trunkline.gas.surrogate import PointGas
from trunkline.model import Trunkline, load_scenario
from trunkline.optimize.fuel import canonical_line
from trunkline.optimize.station import march_at_delivery
from trunkline.physics.compressor import real_gas_polytropic
from trunkline.solve.line import MarchOptions
from trunkline.solve.studies import line_inputs_key, placement_march, station_layout

#: Agreement of two evaluations of the same polynomial in another order [-].
ROUND_OFF = 1e-13


@pytest.fixture(scope="module")
def gas() -> PointGas:
    return Gas({"methane": 0.9, "ethane": 0.06, "propane": 0.02, "nitrogen": 0.01,
                "carbon_dioxide": 0.01}).surrogate().point_gas()


def test_scalar_states_equal_the_array_path_to_round_off(gas: PointGas) -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.2e6, 19.9e6, 500)
    t = rng.uniform(225.0, 415.0, 500)
    z, dzp, dzt = gas.sur.z_derivatives(p, t)
    cp, jt = gas.sur.cp(p, t), gas.sur.joule_thomson(p, t)
    for k, (pk, tk) in enumerate(zip(p.tolist(), t.tolist(), strict=True)):
        got = gas.point(pk, tk)
        ref = (z[k], dzp[k], dzt[k], cp[k], jt[k])
        for a, b in zip(got, ref, strict=True):
            assert a == pytest.approx(b, rel=ROUND_OFF, abs=1e-300)
        assert gas.state(pk, tk) == pytest.approx((z[k], cp[k], jt[k]), rel=ROUND_OFF)
    rho, cp2, jt2 = gas.states(p, t)
    np.testing.assert_allclose(rho, gas.sur.density(p, t), rtol=ROUND_OFF)
    np.testing.assert_allclose(cp2, cp, rtol=ROUND_OFF)
    np.testing.assert_allclose(jt2, jt, rtol=ROUND_OFF)
    assert gas.density(5e6, 280.0) == pytest.approx(float(gas.sur.density(5e6, 280.0)),
                                                    rel=ROUND_OFF)


def test_states_outside_the_envelope_raise(gas: PointGas) -> None:
    with pytest.raises(OutOfRangeError):
        gas.point(25e6, 300.0)
    with pytest.raises(OutOfRangeError):
        gas.states(np.array([5e6, 5e6]), np.array([300.0, 500.0]))


def test_fast_polytropic_paths_equal_the_generic_one(gas: PointGas) -> None:
    """Through PointGas real_gas_polytropic takes its fast paths (one lookup for three
    properties; plain floats for one path); through the bare surrogate, the generic one."""
    rng = np.random.default_rng(3)
    p1 = rng.uniform(4e6, 8e6, 20)
    t1 = rng.uniform(270.0, 310.0, 20)
    p2 = p1 * rng.uniform(1.01, 1.7, 20)
    eta = rng.uniform(0.7, 0.9, 20)
    ref = real_gas_polytropic(gas.sur, p1, t1, p2, eta, steps=12)
    fast = real_gas_polytropic(gas, p1, t1, p2, eta, steps=12)
    np.testing.assert_allclose(fast.head, ref.head, rtol=ROUND_OFF)
    np.testing.assert_allclose(fast.work, ref.work, rtol=ROUND_OFF)
    np.testing.assert_allclose(fast.t2, ref.t2, rtol=ROUND_OFF)
    for k in range(3):  # one path: the plain-float branch
        one = real_gas_polytropic(gas, float(p1[k]), float(t1[k]), float(p2[k]),
                                  float(eta[k]), steps=12)
        assert isinstance(one.head, float)
        assert one.head == pytest.approx(float(ref.head[k]), rel=ROUND_OFF)
        assert one.work == pytest.approx(float(ref.work[k]), rel=ROUND_OFF)
        assert one.t2 == pytest.approx(float(ref.t2[k]), rel=ROUND_OFF)


def _line() -> Trunkline:
    line = load_scenario("power_of_siberia_2")
    assert isinstance(line, Trunkline)
    return line


def test_lines_with_equal_inputs_share_a_key_and_any_change_breaks_it() -> None:
    a, b = _line(), _line()
    assert a is not b
    assert line_inputs_key(a) == line_inputs_key(b)
    changes = [
        dataclasses.replace(a, entry_pressure=a.entry_pressure + 1.0),
        dataclasses.replace(a, composition={**a.composition, "methane": 0.5}),
        dataclasses.replace(a, month=7),
        dataclasses.replace(a, station_design=dataclasses.replace(
            a.station_design, min_suction_pressure=a.station_design.min_suction_pressure
            + 1.0)),
        dataclasses.replace(a, sections=(dataclasses.replace(
            a.sections[0], roughness=a.sections[0].roughness * 1.01), *a.sections[1:])),
        dataclasses.replace(a, name="renamed"),
    ]
    for c in changes:
        assert line_inputs_key(c) != line_inputs_key(a)


def test_the_optimiser_reuses_an_equal_line_and_its_placement() -> None:
    a = _line()
    first = canonical_line(a)
    again = canonical_line(_line())
    assert again is first  # its gas surrogate, placement and rating are reused
    changed = dataclasses.replace(a, min_delivery_pressure=a.min_delivery_pressure + 1e5)
    assert canonical_line(changed) is changed
    # the placement cache answers a line loaded afresh, and a change places anew
    layout = station_layout(first)
    assert station_layout(_line()) is layout
    moved = station_layout(dataclasses.replace(
        a, station_design=dataclasses.replace(
            a.station_design, min_suction_pressure=a.station_design.min_suction_pressure
            + 0.2e6)))
    assert moved is not layout
    assert [s.chainage for s in moved] != [s.chainage for s in layout]


def test_stations_are_rated_on_the_march_that_placed_them() -> None:
    line = _line()
    layout = station_layout(line)
    placed = placement_march(line)
    assert placed is not None and placed.complete
    # the rating's own march: the line with these stations at its design throughput
    own, _ = march_at_delivery(line, line.mass_flow(), layout, line.month,
                               MarchOptions(max_step=math.inf, rtol=1e-7), rtol=1e-9)
    assert placed.delivered_mass_flow == pytest.approx(own.delivered_mass_flow, rel=1e-8)
    for a, b in zip(placed.station_results, own.station_results, strict=True):
        assert a.name == b.name
        assert a.suction_pressure == pytest.approx(b.suction_pressure, rel=1e-6)
        assert a.suction_temperature == pytest.approx(b.suction_temperature, rel=1e-6)
        assert a.shaft_power == pytest.approx(b.shaft_power, rel=1e-5)
        assert a.fuel == pytest.approx(b.fuel, rel=1e-5)
