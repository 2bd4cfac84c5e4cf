"""Centrifugal compressor maps: fan laws, limits, recycle rules, CSV user maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trunkline.errors import InputError, ScenarioError
from trunkline.physics.compressor_map import (
    GENERIC_CHARACTERISTIC,
    STATUS_BELOW_MAP,
    STATUS_OK,
    STATUS_OVERSPEED,
    STATUS_STONEWALL,
    Characteristic,
    fit_map,
    generic_map,
    read_map_csv,
)

#: Round-off tolerance of closed-form inversions [-].
EXACT_RTOL = 1e-12
#: A map written to CSV and read back (fit of exact data) [-].
ROUND_TRIP_RTOL = 1e-9
#: Fit of speed lines perturbed by 1 % noise: residual of that order [-].
NOISY_FIT_RMS = 0.02

CHAR = GENERIC_CHARACTERISTIC


def test_generic_rated_point_and_documented_shape() -> None:
    # the documented generic shape: ψ(1) = 1, 10 % head rise to surge, 0.75 at stonewall;
    # efficiency 1 at the rated point, 0.95 at surge, 0.85 at stonewall
    psi = np.asarray(CHAR.psi(np.array([CHAR.surge_ratio, 1.0, CHAR.stonewall_ratio])))
    np.testing.assert_allclose(psi, [1.10, 1.0, 0.75], rtol=EXACT_RTOL)
    e = np.asarray(CHAR.e(np.array([CHAR.surge_ratio, 1.0, CHAR.stonewall_ratio])))
    np.testing.assert_allclose(e, [0.95, 1.0, 0.85], rtol=EXACT_RTOL)
    # the efficiency peaks at the rated point inside the map
    x = np.linspace(CHAR.surge_ratio, CHAR.stonewall_ratio, 701)
    assert x[int(np.argmax(np.asarray(CHAR.e(x))))] == pytest.approx(1.0, abs=2e-3)
    assert CHAR.control_ratio == pytest.approx(1.1 * CHAR.surge_ratio, rel=EXACT_RTOL)


def test_fan_laws() -> None:
    # similar points (same Q/N): head ∝ N², efficiency unchanged (Brown 2005, ch. 5)
    m = generic_map(rated_flow=3.0, rated_head=40e3, rated_efficiency=0.85)
    q, nu = np.array([2.4, 3.0, 3.6]), np.array([0.9, 1.0, 1.02])
    for k in (0.8, 1.05):
        np.testing.assert_allclose(m.head(q * k, nu * k), m.head(q, nu) * k**2,
                                   rtol=EXACT_RTOL)
        np.testing.assert_allclose(m.efficiency(q * k, nu * k), m.efficiency(q, nu),
                                   rtol=EXACT_RTOL)
    assert float(m.head(3.0, 1.0)) == pytest.approx(40e3, rel=EXACT_RTOL)
    assert float(m.efficiency(3.0, 1.0)) == pytest.approx(0.85, rel=EXACT_RTOL)
    # surge and stonewall flows scale with speed
    assert float(m.surge_flow(0.8)) == pytest.approx(0.65 * 0.8 * 3.0, rel=EXACT_RTOL)
    assert float(m.stonewall_flow(1.0)) == pytest.approx(1.35 * 3.0, rel=EXACT_RTOL)


def test_operate_inside_the_map_finds_the_speed() -> None:
    q = np.array([0.8, 1.0, 1.2])
    h = np.array([0.9, 1.0, 0.95])
    pt = CHAR.operate(q, h)
    assert np.all(pt.status == STATUS_OK)
    np.testing.assert_allclose(np.asarray(CHAR.head(q, pt.speed)), h, rtol=EXACT_RTOL)
    np.testing.assert_allclose(pt.recycle_flow, 0.0, atol=0.0)
    np.testing.assert_allclose(pt.ratio, q / pt.speed, rtol=EXACT_RTOL)


def test_surge_recycle_runs_on_the_control_line_at_the_same_head() -> None:
    pt = CHAR.operate(0.5, 1.0)
    assert int(pt.status) == STATUS_OK
    assert float(pt.ratio) == pytest.approx(CHAR.control_ratio, rel=EXACT_RTOL)
    assert float(CHAR.head(pt.machine_flow, pt.speed)) == pytest.approx(1.0, rel=EXACT_RTOL)
    assert float(pt.recycle_flow) == pytest.approx(float(pt.machine_flow) - 0.5,
                                                   rel=EXACT_RTOL)


def test_minimum_speed_recycle_lowers_the_head_along_the_speed_line() -> None:
    # a head too low for the minimum speed at this flow: recycle along ν_min
    pt = CHAR.operate(0.6, 0.4)
    assert int(pt.status) == STATUS_OK
    assert float(pt.speed) == pytest.approx(CHAR.speed_min, rel=EXACT_RTOL)
    assert float(CHAR.head(pt.machine_flow, pt.speed)) == pytest.approx(0.4, rel=1e-10)
    assert float(pt.recycle_flow) > 0.0


def test_points_outside_the_map() -> None:
    # too much flow for the head; head above the top speed; head below the slowest line
    pt = CHAR.operate([1.0, 0.9, 0.3], [0.3, 1.4, 0.2])
    assert pt.status.tolist() == [STATUS_STONEWALL, STATUS_OVERSPEED, STATUS_BELOW_MAP]
    assert not np.any(pt.feasible)


def test_envelope_polylines_close() -> None:
    env = CHAR.envelope(11)
    # the surge line meets the speed lines at their ends
    np.testing.assert_allclose(env["surge"][:, 0], env["speed_min"][:, 0], rtol=EXACT_RTOL)
    np.testing.assert_allclose(env["stonewall"][:, -1], env["speed_max"][:, -1],
                               rtol=EXACT_RTOL)


def test_csv_round_trip(tmp_path: Path) -> None:
    m = generic_map(rated_flow=2.0, rated_head=50e3, rated_efficiency=0.84,
                    rated_speed=6000.0)
    path = m.to_csv(tmp_path / "map.csv")
    back = read_map_csv(path, rated_speed=6000.0)
    assert back.rated_flow == pytest.approx(2.0, rel=ROUND_TRIP_RTOL)
    assert back.rated_head == pytest.approx(50e3, rel=ROUND_TRIP_RTOL)
    assert back.rated_efficiency == pytest.approx(0.84, rel=ROUND_TRIP_RTOL)
    np.testing.assert_allclose(back.characteristic.head_coefficients,
                               CHAR.head_coefficients, rtol=1e-8)
    assert back.characteristic.surge_ratio == pytest.approx(CHAR.surge_ratio, rel=1e-9)
    assert back.fit_rms["head"] < 1e-12
    assert back.fit_rms["efficiency"] < 1e-12


def test_csv_units(tmp_path: Path) -> None:
    # flow in m3/h, head in J/kg, efficiency in %, speed in % of rated
    m = generic_map(rated_flow=1.5, rated_head=30e3, rated_efficiency=0.8, rated_speed=5000.0)
    rows = ["speed [%],flow [m3/h],head [J/kg],efficiency [%]"]
    for nu in (0.8, 0.9, 1.0):
        for x in np.linspace(0.7, 1.3, 7):
            q = x * nu * 1.5
            rows.append(f"{100 * nu},{q * 3600},{float(m.head(q, nu))},"
                        f"{100 * float(m.efficiency(q, nu))}")
    path = tmp_path / "units.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    back = read_map_csv(path, rated_speed=5000.0)
    assert back.rated_flow == pytest.approx(1.5, rel=1e-8)
    assert back.rated_head == pytest.approx(30e3, rel=1e-8)
    assert back.rated_efficiency == pytest.approx(0.8, rel=1e-8)


def test_fit_of_noisy_speed_lines_reports_its_residual() -> None:
    m = generic_map(rated_flow=4.0, rated_head=45e3, rated_efficiency=0.86)
    rng = np.random.default_rng(20240607)
    speed, flow, head, eff = [], [], [], []
    for nu in (0.75, 0.85, 0.95, 1.05):
        for x in np.linspace(0.7, 1.3, 9):
            q = x * nu * 4.0
            speed.append(nu * 5000.0)
            flow.append(q)
            head.append(float(m.head(q, nu)) * (1 + 0.01 * rng.standard_normal()))
            eff.append(float(m.efficiency(q, nu)) * (1 + 0.005 * rng.standard_normal()))
    fitted = fit_map(speed, flow, head, eff, rated_speed=5000.0)
    assert 0 < fitted.fit_rms["head"] < NOISY_FIT_RMS
    assert fitted.rated_head == pytest.approx(45e3, rel=0.03)
    assert fitted.rated_efficiency == pytest.approx(0.86, rel=0.01)


def test_bad_maps_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        Characteristic((0.9, 0.7, -0.6), (1.0,), surge_ratio=1.2, stonewall_ratio=1.1,
                       speed_min=0.7, speed_max=1.05)
    bad = tmp_path / "bad.csv"
    bad.write_text("speed [rpm],flow [m3/s],head [kJ/kg],power [kW]\n1,1,1,1\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown column"):
        read_map_csv(bad)
    bad.write_text("speed [rpm],flow [ft3/s],head [kJ/kg],efficiency [-]\n1,1,1,1\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown unit"):
        read_map_csv(bad)
    with pytest.raises(ScenarioError, match="at least 6 points"):
        fit_map([1, 2], [1, 2], [1, 2], [0.8, 0.8])
