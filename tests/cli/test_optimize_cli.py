"""CLI: trunkline optimize fuel | capacity | design."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from trunkline.cli.optimize import register

#: The issue's contract: the re-simulated optimum matches the optimiser to 1e-6.
SIM_MATCH = 1e-6

runner = CliRunner()
app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """A bare app holding the optimize commands (as the main app does)."""


def _write_line(folder: Path, length_km: float, placement: str) -> Path:
    lon = 80.0 + 0.99 * length_km / 63.9
    stations = ""
    if placement == "fixed":
        stations = "".join(f'[[stations.list]]\nname = "CS-{i + 1}"\nchainage = "{c} km"\n'
                           f"units = 3\n" for i, c in enumerate((0, 120)))
    text = f"""
[scenario]
name = "cli_line"

[gas.composition]
methane = 0.98
ethane = 0.01
nitrogen = 0.01

[operation]
throughput = "40 bcm/yr @ RU"
entry_pressure = "7.0 MPa"
entry_temperature = "10 degC"
min_delivery_pressure = "6.0 MPa"

[[route.waypoints]]
name = "A"
lat = 55.0
lon = 80.0
elevation = "100 m"
[[route.waypoints]]
name = "B"
lat = 55.0
lon = {lon}
elevation = "300 m"

[[route.sections]]
name = "main"
from = "A"
to = "B"
length = "{length_km} km"
outside_diameter = "1420 mm"
wall_thickness = "21.7 mm"
roughness = "0.01 mm"
ground_temperature = "4 degC"
heat_transfer_coefficient = "1.5 W/(m^2*K)"
maop = "9.8 MPa"

[stations]
placement = "{placement}"
unit_power = "32 MW"
spare_units = 1
polytropic_efficiency = 0.84
driver_efficiency = 0.36
aftercooler_temperature = "20 degC"
min_suction_pressure = "6.8 MPa"
{stations}"""
    path = folder / f"line_{placement}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fixed_line(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_line(tmp_path_factory.mktemp("lines"), 240.0, "fixed")


def test_optimize_fuel_json(fixed_line: Path) -> None:
    res = runner.invoke(app, ["optimize", "fuel", str(fixed_line), "-q", "35 bcm/yr @ RU",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["feasible"] and data["match"] <= SIM_MATCH
    assert data["fuel"] <= data["naive_fuel"]
    assert len(data["stations_detail"]) == 2
    assert data["reference"] == "RU"


def test_optimize_fuel_table(fixed_line: Path) -> None:
    res = runner.invoke(app, ["optimize", "fuel", str(fixed_line), "--ambient", "-10 degC"])
    assert res.exit_code == 0, res.output
    assert "every station at MAOP" in res.stdout
    assert "CS-2" in res.stdout


def test_optimize_capacity(fixed_line: Path) -> None:
    res = runner.invoke(app, ["optimize", "capacity", str(fixed_line), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["feasible"] and data["match"] <= SIM_MATCH
    assert data["capacity_bcm_per_yr"] > 40.0
    assert data["binding"]
    res = runner.invoke(app, ["optimize", "capacity", "GasLib-11"])
    assert res.exit_code == 0, res.output
    assert "largest factor" in res.stdout


def test_optimize_design_json(tmp_path: Path) -> None:
    path = _write_line(tmp_path, 600.0, "auto")
    res = runner.invoke(app, ["optimize", "design", str(path), "--diameters", "1220,1420",
                              "--maops", "9.8", "--ratios", "1.44", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["table"]) == 2
    assert data["choice_outside_diameter_mm"] in (1220.0, 1420.0)
    assert data["choice_maop_MPa"] == pytest.approx(9.8)
    res = runner.invoke(app, ["optimize", "design", str(path), "--diameters", "1420",
                              "--maops", "9.8 MPa", "--ratios", "1.44"])
    assert res.exit_code == 0, res.output
    assert "choice" in res.stdout


def test_optimize_network_fuel() -> None:
    res = runner.invoke(app, ["optimize", "fuel", "GasLib-11", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["feasible"] and data["match"] <= SIM_MATCH


def test_bad_input_exits_2() -> None:
    res = runner.invoke(app, ["optimize", "fuel", "no_such_scenario"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["optimize", "fuel", "GasLib-11", "-q", "10 bcm/yr @ RU"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["optimize", "fuel", "--objective", "speed"])
    assert res.exit_code != 0
