"""The built-in PoS2 plan file: its sources, its values, and plan-file validation."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from trunkline.errors import ScenarioError
from trunkline.plan.scenario import (
    BUILTIN_PLANS,
    comment_sources,
    load_plan,
    plan_from_dict,
)
from trunkline.units import SECONDS_PER_CONTRACT_YEAR

SOURCES_MD = Path(__file__).parents[2] / "docs" / "sources.md"
TAG = re.compile(r"\[S:([a-z0-9][a-z0-9-]*)\]")
HEADING = re.compile(r"^### \[S:([a-z0-9][a-z0-9-]*)\]\s*$", re.MULTILINE)
ACQ_M3 = 50e9  # [m³/yr @ RU] [S:acq]
RTOL = 1e-12
# Values that are not figures: identifiers and method settings (listed one by one).
NOT_FIGURES = {"plan.name", "plan.title"}


def _text() -> str:
    return resources.files("trunkline.scenarios").joinpath(
        BUILTIN_PLANS["power_of_siberia_2"]).read_text("utf-8")


def _data() -> dict[str, Any]:
    return tomllib.loads(_text())


def test_builtin_plan_loads_by_name_and_alias() -> None:
    for name in ("power_of_siberia_2", "pos2"):
        p = load_plan(name)
        assert p.name == "power_of_siberia_2"
    c = load_plan("pos2").contract
    assert c.acq == pytest.approx(ACQ_M3, rel=RTOL)
    assert c.years == 30 and c.start == date(2031, 1, 1)
    # About half of capacity by 2035 [S:ramp-up].
    assert c.acq_by_year()[2035 - 2031] == pytest.approx(0.5 * ACQ_M3, rel=RTOL)
    assert 0.80 <= c.take_or_pay <= 0.90  # [S:take-or-pay]


def test_every_value_of_the_plan_cites_a_source_or_an_assumption() -> None:
    notes = comment_sources(_text())
    uncovered = [k for k, note in notes.items()
                 if k not in NOT_FIGURES
                 and "[S:" not in note
                 and not any(w in note.lower() for w in ("assumption", "setting"))]
    assert not uncovered, f"values citing no [S:tag], assumption or setting: {uncovered}"


def test_comment_scanner_sees_every_key() -> None:
    def leaves(node: Any, prefix: str) -> list[str]:
        out: list[str] = []
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                out += leaves(v, path)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                for i, item in enumerate(v):
                    out += leaves(item, f"{path}[{i}]")
            else:
                out.append(path)
        return out

    assert sorted(comment_sources(_text())) == sorted(leaves(_data(), ""))


def test_every_tag_of_the_plan_has_a_sources_heading() -> None:
    tags = set(TAG.findall(_text()))
    headings = set(HEADING.findall(SOURCES_MD.read_text("utf-8")))
    assert tags and not sorted(tags - headings)


def test_assumptions_table_labels_every_input() -> None:
    a = load_plan("pos2").assumptions
    assert list(a.columns) == ["field", "value", "source", "note"]
    assert not (a["source"] == "user input").any()
    row = a.set_index("field").loc["plan.costs.export_duty"]
    assert row["source"] == "task default / assumption" and row["value"] == "0.3"
    assert "[S:acq]" in a.set_index("field").loc["plan.contract.acq", "source"]


def test_capex_base_lies_in_the_published_range() -> None:
    total = load_plan("pos2").economics.total_capex
    assert 13.6e9 <= total <= 30e9  # [S:capex]


def test_acq_in_energy_goes_through_the_gcv() -> None:
    data = _data()
    p0 = load_plan("pos2")
    energy = ACQ_M3 * p0.line.gas.gcv("RU") / SECONDS_PER_CONTRACT_YEAR  # [W]
    data["plan"]["contract"]["acq"] = f"{energy} W"
    assert plan_from_dict(data).contract.acq == pytest.approx(ACQ_M3, rel=1e-12)
    data["plan"]["contract"]["acq"] = "50 bcm/yr @ ISO"
    k = p0.line.gas.standard_density("ISO") / p0.line.gas.standard_density("RU")
    assert plan_from_dict(data).contract.acq == pytest.approx(ACQ_M3 * k, rel=1e-12)


def test_price_case_switch() -> None:
    p = load_plan("pos2")
    assert p.with_price_case("low").paths["oil"].values[0] < p.paths["oil"].values[0]


def _broken(path: list[str | int], value: Any) -> dict[str, Any]:
    data = _data()
    node: Any = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "field"), [
    (["plan", "contract", "surprise"], 1, "surprise"),
    (["plan", "contract", "take_or_pay"], 1.5, "take_or_pay"),
    (["plan", "contract", "acq"], "50 bcm/yr", "acq"),
    (["plan", "contract", "maintenance_start"], "13-40", "maintenance_start"),
    (["plan", "contract", "profile"], "tropical", "profile"),
    (["plan", "costs", "supply_cost"], "3400 EUR/1000 m3", "supply_cost"),
    (["plan", "costs", "transit_fee"], "1.0 USD/furlong", "transit_fee"),
    (["plan", "price", "unit"], "MMBtu", "unit"),
    (["plan", "price", "path"], "missing.csv", "path"),
    (["plan", "line"], "no_such_line", "name"),
])
def test_invalid_plans_name_the_field(path: list[str | int], value: Any, field: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        plan_from_dict(_broken(path, value))
    assert field in str(exc.value)


def test_fixed_price_needs_a_base_price() -> None:
    data = _data()
    data["plan"]["price"] = {"formula": "fixed"}
    with pytest.raises(ScenarioError, match="base_price"):
        plan_from_dict(data)
    data["plan"]["price"] = {"formula": "fixed", "base_price": "240 USD/1000 m3",
                             "escalation": 0.01}
    p = plan_from_dict(data)
    assert p.price_case == "fixed"


def test_unknown_plan() -> None:
    with pytest.raises(ScenarioError, match="no such plan"):
        load_plan("atlantis")
