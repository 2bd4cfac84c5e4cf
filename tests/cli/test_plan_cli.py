"""``trunkline plan``: the built-in PoS2 plan on a capacity table (no hydraulics).

The plan file is the built-in one with its ``[plan.capacity]`` table replaced by
a monthly capacity table, so each run takes a fraction of a second.
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from trunkline.cli.app import app

EXIT_USAGE = 2  # the CLI's exit code for bad input
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ACQ_BCM = 50.0  # [S:acq]
CAPACITY_TABLE = """[plan.capacity]
# Setting: a capacity table instead of the hydraulics (the CLI is the subject here).
source = "table"
table = ["55.1 bcm/yr @ RU", "55.0 bcm/yr @ RU", "55.0 bcm/yr @ RU", "54.9 bcm/yr @ RU",
    "54.9 bcm/yr @ RU", "54.8 bcm/yr @ RU", "54.8 bcm/yr @ RU", "54.8 bcm/yr @ RU",
    "54.9 bcm/yr @ RU", "54.9 bcm/yr @ RU", "55.0 bcm/yr @ RU", "55.1 bcm/yr @ RU"]
fuel_share = 0.08

"""


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


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = resources.files("trunkline.scenarios").joinpath(
        "power_of_siberia_2_plan.toml").read_text("utf-8")
    text, n = re.subn(r"\[plan\.capacity\].*?(?=\n\[plan\.price\])", CAPACITY_TABLE, text,
                      flags=re.DOTALL)
    assert n == 1
    path = tmp_path_factory.mktemp("plan") / "pos2_table.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plan_json(plan_file: Path) -> dict[str, Any]:
    result = _invoke("plan", str(plan_file), "--format", "json", "--no-files")
    assert result.exit_code == 0, (result.output, result.exception)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_headline(plan_json: dict[str, Any]) -> None:
    assert plan_json["acq_bcm_per_yr"] == pytest.approx(ACQ_BCM)
    assert plan_json["reference"] == "RU"
    assert plan_json["files"] == []
    for key in ("npv_bn_usd", "irr_percent", "breakeven_price_usd_per_kcm",
                "levelised_tariff_usd_per_kcm_100km", "intensity_g_co2e_per_mj"):
        assert math.isfinite(plan_json[key]), key
    assert plan_json["capacity_source"] == "capacity table of the plan file"
    assert {r["variable"] for r in plan_json["tornado"]} >= {"capex", "price", "discount rate"}
    fields = {r["field"] for r in plan_json["assumptions"]}
    assert "plan.contract.acq" in fields and "capacity.curve" in fields


def test_files_and_charts(plan_file: Path, tmp_path: Path) -> None:
    result = _invoke("plan", str(plan_file), "-o", str(tmp_path))
    assert result.exit_code == 0, (result.output, result.exception)
    folder = tmp_path / "power_of_siberia_2" / "plan"
    for name in ("daily.csv", "daily.parquet", "yearly.csv", "yearly.parquet", "tornado.csv",
                 "assumptions.csv", "capacity.csv", "summary.json"):
        assert (folder / name).is_file(), name
    for name in ("deliveries.png", "cash_flow.png", "tornado.png"):
        assert (folder / name).read_bytes()[:8] == PNG_MAGIC, name
    daily = pd.read_csv(folder / "daily.csv")
    assert "delivered [m3]" in daily.columns and "price [USD/m3]" in daily.columns
    assert len(daily) == 10958  # 2031-01-01 .. 2060-12-31
    yearly = pd.read_parquet(folder / "yearly.parquet")
    assert "cash_flow [USD]" in yearly.columns
    assert "assumptions and sources" in result.stdout
    assert "NPV" in result.stdout


def test_price_cases(plan_file: Path, plan_json: dict[str, Any]) -> None:
    low = _invoke("plan", str(plan_file), "--format", "json", "--no-files",
                  "--price-case", "low")
    assert low.exit_code == 0, low.output
    assert json.loads(low.stdout)["npv_bn_usd"] < plan_json["npv_bn_usd"]


@pytest.mark.parametrize("args", [["--months", "13"], ["--months", "x"],
                                  ["--price-case", "medium"]])
def test_bad_options(plan_file: Path, args: list[str]) -> None:
    result = _invoke("plan", str(plan_file), "--no-files", *args)
    assert result.exit_code == EXIT_USAGE


def test_unknown_plan_is_an_error() -> None:
    result = _invoke("plan", "no_such_plan.toml", "--no-files")
    assert result.exit_code == EXIT_USAGE
    assert "no such plan" in _stderr(result)
