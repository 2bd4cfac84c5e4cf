"""Capacity and fuel curves: interpolation rules on small synthetic curves, and one
coarse curve from the real hydraulics of the built-in PoS2 line (module-scoped).

The hydraulic curve costs about 10 s (station placement, two capacity searches,
four fuel points); it is computed once and checked for plausibility and caching.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from trunkline.errors import InputError
from trunkline.model import Trunkline, load_scenario
from trunkline.plan.capacity import (
    CapacityCurve,
    capacity_curve,
    maintenance_mask,
    table_curve,
    year_fraction,
)
from trunkline.units import ISO, RU, SECONDS_PER_CONTRACT_YEAR

INTERP_RTOL = 1e-12  # interpolation is exact arithmetic up to round-off
DESIGN_BCM = 50.0  # [bcm/yr @ RU] design throughput of the built-in line [S:acq]
CAPACITY_RTOL = 0.02  # stations are placed for the design flow: capacity within 2 %
FUEL_SHARE_MIN, FUEL_SHARE_MAX = 0.03, 0.15  # fuel / delivered at design, 3,563 km line
CACHED_CALL_MAX_S = 0.5  # a cached curve is a dictionary lookup (plus one repr)
MONTHS = (1, 7)  # winter and summer ground temperature [S:ground]


def _bcm(rate: float) -> float:
    return rate * SECONDS_PER_CONTRACT_YEAR / 1e9


# --------------------------------------------------------------------------- synthetic


def test_twelve_month_curve_passes_through_mid_month_values() -> None:
    values = [float(100 + m) for m in range(1, 13)]
    c = table_curve(values, RU)
    mid = (np.arange(1, 13) - 0.5) / 12
    np.testing.assert_allclose(c.at(mid), values, rtol=INTERP_RTOL)
    # Between mid-December and mid-January the curve wraps round the year end.
    assert c.at(0.0) == pytest.approx(0.5 * (values[0] + values[11]), rel=INTERP_RTOL)
    assert c.at(0.999999) == pytest.approx(0.5 * (values[0] + values[11]), rel=1e-5)


def test_coarse_curve_interpolates_periodically_between_its_months() -> None:
    # Months 1, 4, 7, 10 at mid-month τ = 1/24, 7/24, 13/24, 19/24; mid-February
    # (τ = 3/24) lies a third of the way from January to April.
    c = table_curve([10.0, 40.0, 70.0, 40.0], RU, months=(1, 4, 7, 10))
    assert c.at(3 / 24) == pytest.approx(10.0 + (40.0 - 10.0) / 3, rel=INTERP_RTOL)
    # Mid-December (τ = 23/24): two thirds of the way from October back to January.
    assert c.at(23 / 24) == pytest.approx(40.0 + (10.0 - 40.0) * 2 / 3, rel=INTERP_RTOL)


def test_year_fraction_of_dates() -> None:
    d = np.array(["2031-01-01", "2031-12-31", "2032-12-31"], dtype="datetime64[D]")
    np.testing.assert_allclose(year_fraction(d), [0.5 / 365, 364.5 / 365, 365.5 / 366],
                               rtol=INTERP_RTOL)


def test_fuel_power_law_is_reproduced_exactly() -> None:
    # Fuel ∝ q³ sampled at two points: the log-log interpolation is the power law
    # itself, also outside the points; zero flow burns nothing.
    a = 2e-7
    pts = [(300.0, a * 300.0**3), (1500.0, a * 1500.0**3)]
    c = table_curve([1600.0] * 12, RU, fuel_points=pts)
    q = np.array([0.0, 100.0, 300.0, 800.0, 1500.0, 1700.0])
    np.testing.assert_allclose(c.fuel(q), a * q**3, rtol=1e-10)


def test_constant_fuel_share() -> None:
    c = table_curve([1000.0] * 12, RU, fuel_share=0.05)
    np.testing.assert_allclose(c.fuel([0.0, 200.0, 1000.0]), [0.0, 10.0, 50.0], rtol=1e-12)


def test_maintenance_days_every_summer() -> None:
    d = np.arange(np.datetime64("2031-01-01"), np.datetime64("2034-01-01"))
    m = maintenance_mask(d, 10, 7, 15)
    assert int(m.sum()) == 30
    first = d[m][:10]
    assert str(first[0]) == "2031-07-15" and str(first[-1]) == "2031-07-24"
    assert not maintenance_mask(d, 0, 7, 15).any()


def test_reference_conversion_uses_real_gas_densities() -> None:
    gas = load_scenario("power_of_siberia_2").gas
    assert isinstance(gas, object)
    c = table_curve([1000.0] * 12, ISO, fuel_share=0.1)
    ru = c.in_reference(gas, RU)
    k = gas.standard_density(ISO) / gas.standard_density(RU)  # RU m³ in one ISO m³
    assert ru.capacity[0] == pytest.approx(1000.0 * k, rel=1e-14)
    assert ru.fuel(1000.0 * k) == pytest.approx(100.0 * k, rel=1e-12)
    assert ru.reference == RU
    assert c.in_reference(gas, ISO) is c


@pytest.mark.parametrize("kwargs", [
    {"months": (1, 2)},  # 12 values for 2 months
    {"capacity": (-1.0,) * 12},
])
def test_invalid_curves(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = dict(months=tuple(range(1, 13)), capacity=(1.0,) * 12,
                                   reference=RU, fuel_delivered=(1.0,), fuel_rate=(0.1,),
                                   source="t")
    base.update(kwargs)
    with pytest.raises(InputError):
        CapacityCurve(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hydraulics


@pytest.fixture(scope="module")
def line() -> Trunkline:
    ln = load_scenario("power_of_siberia_2")
    assert isinstance(ln, Trunkline)
    return ln


@pytest.fixture(scope="module")
def curve(line: Trunkline) -> CapacityCurve:
    return capacity_curve(line, MONTHS)


def test_hydraulic_capacity_is_near_the_design_flow(curve: CapacityCurve) -> None:
    assert curve.months == MONTHS
    assert curve.reference == RU
    for c in curve.capacity:
        assert _bcm(c) == pytest.approx(DESIGN_BCM, rel=CAPACITY_RTOL)
    assert all(curve.limits)  # each capacity names the limit that binds


def test_colder_ground_carries_more_gas(curve: CapacityCurve) -> None:
    # January ground (about -1.3 °C) against July (+7.3 °C) [S:ground]: colder gas is
    # denser and loses less pressure, so the winter capacity is at least the summer one.
    jan, jul = curve.capacity
    assert jan >= jul


def test_fuel_grows_faster_than_the_flow(curve: CapacityCurve) -> None:
    q = np.asarray(curve.fuel_delivered)
    f = np.asarray(curve.fuel_rate)
    share = f / q
    assert np.all(np.diff(share) > 0)  # convex: pressure losses grow as q²
    assert FUEL_SHARE_MIN < share[-1] < FUEL_SHARE_MAX
    design = DESIGN_BCM * 1e9 / SECONDS_PER_CONTRACT_YEAR
    assert float(curve.fuel(design)) / design == pytest.approx(share[-1], rel=0.01)


def test_curve_is_cached_by_line_content(line: Trunkline, curve: CapacityCurve) -> None:
    t0 = time.perf_counter()
    again = capacity_curve(line, MONTHS)
    fresh = capacity_curve(load_scenario("power_of_siberia_2"), MONTHS)  # type: ignore[arg-type]
    assert time.perf_counter() - t0 < CACHED_CALL_MAX_S
    assert again is curve and fresh is curve
