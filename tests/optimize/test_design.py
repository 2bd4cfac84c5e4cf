"""Design study: capital recovery, Barlow walls, LCOT table, trends, the choice."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from trunkline.errors import InfeasibleError, InputError
from trunkline.model import Trunkline
from trunkline.model.scenario import scenario_from_dict
from trunkline.optimize.design import (
    DEFAULT_COSTS,
    DesignCosts,
    DesignStudy,
    capital_recovery_factor,
    design_study,
    wall_thickness,
)
from trunkline.units import SECONDS_PER_CONTRACT_YEAR

#: Arithmetic identities of the cost table [-].
EXACT_RTOL = 1e-12


def line_600km() -> Trunkline:
    """600 km of 1,420 mm pipe, stations placed by the hydraulics at 30 bcm/yr."""
    data = {
        "scenario": {"name": "line_600km"},
        "gas": {"composition": {"methane": 0.98, "ethane": 0.01, "nitrogen": 0.01}},
        "operation": {"throughput": "30 bcm/yr @ RU", "entry_pressure": "7.0 MPa",
                      "entry_temperature": "10 degC", "min_delivery_pressure": "6.0 MPa"},
        "route": {"waypoints": [{"name": "A", "lat": 55.0, "lon": 80.0, "elevation": "100 m"},
                                {"name": "B", "lat": 55.0, "lon": 80.0 + 0.99 * 600 / 63.9,
                                 "elevation": "300 m"}],
                  "sections": [{"name": "main", "from": "A", "to": "B", "length": "600 km",
                                "outside_diameter": "1420 mm", "wall_thickness": "21.7 mm",
                                "roughness": "0.01 mm", "ground_temperature": "4 degC",
                                "heat_transfer_coefficient": "1.5 W/(m^2*K)",
                                "maop": "9.8 MPa"}]},
        "stations": {"placement": "auto", "unit_power": "32 MW", "spare_units": 1,
                     "polytropic_efficiency": 0.84, "driver_efficiency": 0.36,
                     "aftercooler_temperature": "20 degC", "min_suction_pressure": "6.8 MPa"},
    }
    return scenario_from_dict(data, "600 km test line")


@pytest.fixture(scope="module")
def study() -> DesignStudy:
    return design_study(line_600km(), diameters=(1.020, 1.220, 1.420), maops=(9.8e6,),
                        ratios=(1.44,))


def test_capital_recovery_factor() -> None:
    # annuity factor r(1+r)^n/((1+r)^n − 1): 10 %, 30 years, 1.1^30 = 17.449402...
    assert capital_recovery_factor(0.10, 30) == pytest.approx(0.1060792482526339,
                                                              rel=EXACT_RTOL)
    assert capital_recovery_factor(0.0, 25) == pytest.approx(1 / 25, rel=EXACT_RTOL)
    with pytest.raises(InputError):
        capital_recovery_factor(0.1, 0)


def test_barlow_wall_reproduces_the_power_of_siberia_1_pipe() -> None:
    # [S:pos1-pipe]: 1,420 mm × 21.7 mm at 9.8 MPa, the calibration of the design factor
    assert wall_thickness(1.420, 9.8e6) == pytest.approx(0.0217, abs=1e-5)
    # the wall grows in proportion to pressure and diameter
    assert wall_thickness(1.420, 11.8e6) / wall_thickness(1.420, 9.8e6) == pytest.approx(
        11.8 / 9.8, rel=EXACT_RTOL)


def test_bigger_diameter_needs_fewer_stations(study: DesignStudy) -> None:
    t = study.table.set_index("outside_diameter")
    assert bool(t["feasible"].all())
    stations = t["stations"].to_numpy()
    assert np.all(np.diff(stations) < 0)  # 1,020 → 1,220 → 1,420 mm: fewer stations
    assert np.all(np.diff(t["fuel"].to_numpy()) < 0)
    assert np.all(np.diff(t["capex_stations"].to_numpy()) < 0)
    assert np.all(np.diff(t["capex_pipe"].to_numpy()) > 0)


def test_a_design_that_cannot_be_placed_is_reported() -> None:
    # 1,020 mm cannot carry 60 bcm/yr with stations at least 40 km apart
    study = design_study(line_600km(), "60 bcm/yr @ RU", diameters=(1.020,),
                         maops=(9.8e6,), ratios=(1.44,))
    row = study.table.iloc[0]
    assert not bool(row["feasible"])
    assert "apart" in str(row["reason"])
    with pytest.raises(InfeasibleError):
        _ = study.choice


def test_cost_table_identities(study: DesignStudy) -> None:
    c = DEFAULT_COSTS
    crf = capital_recovery_factor(c.discount_rate, c.life)
    ok = study.table[study.table["feasible"]]
    year = SECONDS_PER_CONTRACT_YEAR
    volume = study.throughput.value * year / 1000.0  # thousand m³ a year
    for _, r in ok.iterrows():
        assert r["capex"] == pytest.approx(r["capex_pipe"] + r["capex_stations"],
                                           rel=EXACT_RTOL)
        assert r["annuity"] == pytest.approx(crf * r["capex"], rel=EXACT_RTOL)
        annual = r["annuity"] + r["om"] + r["fuel_cost"]
        assert r["lcot"] == pytest.approx(annual / volume, rel=1e-9)
        steel = np.pi * (r["outside_diameter"] - r["wall"]) * r["wall"] * 7850 * 600e3 / 1e3
        assert r["steel_t"] == pytest.approx(steel, rel=1e-9)
    choice = study.choice
    assert choice["lcot"] == pytest.approx(float(ok["lcot"].min()), rel=EXACT_RTOL)
    assert int(choice["rank"]) == 1
    assert study.summary["choice_outside_diameter_mm"] == pytest.approx(
        choice["outside_diameter"] * 1e3)


def test_costs_can_be_overridden() -> None:
    line = line_600km()
    base = design_study(line, diameters=(1.420,), maops=(9.8e6,), ratios=(1.44,))
    dear = design_study(line, diameters=(1.420,), maops=(9.8e6,), ratios=(1.44,),
                        costs=dataclasses.replace(DEFAULT_COSTS, fuel_price=400.0))
    b, d = base.table.iloc[0], dear.table.iloc[0]
    assert d["fuel_cost"] == pytest.approx(10 * b["fuel_cost"], rel=1e-9)
    assert d["lcot"] > b["lcot"]
    assert d["capex"] == pytest.approx(b["capex"], rel=EXACT_RTOL)
    with pytest.raises(InputError):
        DesignCosts(design_factor=1.5)
    with pytest.raises(InputError):
        design_study(line, ratios=(0.9,))


def test_ratio_is_capped_by_the_delivery_minimum() -> None:
    study = design_study(line_600km(), diameters=(1.420,), maops=(7.4e6,),
                         ratios=(1.30, 1.44))
    t: pd.DataFrame = study.table
    # MAOP 7.4 MPa / minimum delivery 6.0 MPa: ratios above 1.233 give the same design
    assert np.allclose(t["effective_ratio"], 7.4 / 6.0)
    assert t["stations"].nunique(dropna=False) == 1
