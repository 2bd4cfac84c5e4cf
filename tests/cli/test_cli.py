"""The ``trunkline`` command line on the built-in Power of Siberia 2 scenario.

Each run of the built-in scenario places its stations and marches the whole line
(seconds), so the runs are shared through module-scoped fixtures.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from trunkline.cli.app import app

# Contract quantity: 50 bcm/yr [S:acq], delivered (the scenario's throughput basis).
DESIGN_BCM_PER_YR = 50.0
DELIVERED_RTOL = 1e-3
FUEL_PERCENT_MIN, FUEL_PERCENT_MAX = 1.0, 20.0  # plausible fuel share of a 3,500 km line
MASS_FLOW_KG_S = 1000.0
MASS_FLOW_RTOL = 1e-3
EXIT_USAGE = 2  # the CLI's exit code for bad input
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCENARIO_DIR = "power_of_siberia_2"  # run -o writes into <out>/<scenario name>/


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into output unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def _stderr(result: Result) -> str:
    try:
        return result.stderr
    except ValueError:  # stderr not captured separately
        return result.output


def _invoke(*args: str) -> Result:
    return _runner().invoke(app, list(args))


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, (result.output, result.exception)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def run_json() -> dict[str, Any]:
    return _json(_invoke("run", "--format", "json", "--no-files"))


@pytest.fixture(scope="module")
def run_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("run")
    return _invoke("run", "pos2", "-o", str(out), "--no-plan"), out / SCENARIO_DIR


def test_run_json(run_json: dict[str, Any]) -> None:
    assert run_json["feasible"] is True
    assert run_json["violations"] == []
    assert run_json["delivered_bcm_per_yr"] == pytest.approx(DESIGN_BCM_PER_YR,
                                                              rel=DELIVERED_RTOL)
    # Delivery basis: the entry flow carries the stations' fuel on top.
    assert run_json["throughput_bcm_per_yr"] > run_json["delivered_bcm_per_yr"]
    assert run_json["stations"] > 0
    assert len(run_json["stations_detail"]) == run_json["stations"]
    assert FUEL_PERCENT_MIN < run_json["fuel_percent"] < FUEL_PERCENT_MAX
    assert run_json["delivery_pressure_MPa"] >= run_json["min_delivery_pressure_MPa"]
    assert run_json["files"] == []


def test_run_prints_the_headline_plan(run_json: dict[str, Any]) -> None:
    # `trunkline run` also gives the 30-year plan's headline figures (issue: plan)
    plan = run_json["plan"]
    assert plan["delivered_bcm"] > 1000  # ~30 years at up to 50 bcm/yr with a ramp-up
    assert 0 < plan["irr_percent"] < 30
    assert plan["intensity_g_co2e_per_mj"] > 0


def test_run_writes_tables_and_figure(run_files: tuple[Result, Path]) -> None:
    result, folder = run_files
    assert result.exit_code == 0, (result.output, result.exception)
    for name in ("profile.csv", "profile.parquet", "stations.csv", "stations.parquet",
                 "summary.json", "profile.png"):
        path = folder / name
        assert path.is_file(), name
        assert path.stat().st_size > 0, name
    assert (folder / "profile.png").read_bytes()[: len(PNG_MAGIC)] == PNG_MAGIC
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["feasible"] is True
    for table in ("profile", "stations"):
        csv = pd.read_csv(folder / f"{table}.csv")
        parquet = pd.read_parquet(folder / f"{table}.parquet")
        assert list(csv.columns) == list(parquet.columns)
        assert len(csv) == len(parquet) > 0
    profile_columns = list(pd.read_csv(folder / "profile.csv", nrows=0).columns)
    assert "pressure [Pa]" in profile_columns
    assert "chainage [m]" in profile_columns
    station_columns = list(pd.read_csv(folder / "stations.csv", nrows=0).columns)
    assert "suction_pressure [Pa]" in station_columns
    assert "shaft_power [W]" in station_columns


def test_stations_fewer_at_lower_throughput(run_json: dict[str, Any]) -> None:
    low = _json(_invoke("stations", "--throughput", "30 bcm/yr @ RU", "--format", "json"))
    assert low["reference"] == "RU"
    assert low["feasible"] is True
    assert 0 < low["stations"] == len(low["chainages_km"])
    # `run` places the stations at the scenario's design throughput, 50 bcm/yr.
    assert low["stations"] < run_json["stations"]


def test_run_mass_flow_throughput() -> None:
    data = _json(_invoke("run", "--throughput", f"{MASS_FLOW_KG_S:g} kg/s", "--format", "json",
                         "--no-files"))
    # Delivery basis: 1000 kg/s delivered, entry = delivered + fuel.
    delivered = data["mass_flow_kg_s"] - data["fuel_kg_s"]
    assert delivered == pytest.approx(MASS_FLOW_KG_S, rel=MASS_FLOW_RTOL)
    assert data["delivered_bcm_per_yr"] < DESIGN_BCM_PER_YR


def test_bad_scenario_path(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "missing-scenario.toml"
    result = _invoke("run", str(path), "--no-files")
    assert result.exit_code == EXIT_USAGE
    err = _stderr(result)
    assert "no such scenario" in err
    assert str(path) in err  # the whole path, not broken across lines


def test_throughput_without_reference() -> None:
    result = _invoke("run", "--throughput", "50 bcm/yr", "--no-files")
    assert result.exit_code == EXIT_USAGE
    err = _stderr(result)
    assert "reference condition" in err
    assert "50 bcm/yr" in err


def test_error_message_is_printed_verbatim(tmp_path: Path) -> None:
    # Error texts contain square brackets ("[[stations.list]]"); they must not be
    # taken for console markup.
    text = resources.files("trunkline.scenarios").joinpath("power_of_siberia_2.toml") \
        .read_text("utf-8").replace('placement = "auto"', 'placement = "fixed"')
    path = tmp_path / "fixed-without-list.toml"
    path.write_text(text, encoding="utf-8")
    result = _invoke("stations", str(path))
    assert result.exit_code == EXIT_USAGE
    assert "[[stations.list]]" in _stderr(result)


def test_version() -> None:
    result = _invoke("version")
    assert result.exit_code == 0
    assert result.stdout.strip()
