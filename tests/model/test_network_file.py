"""Network scenario files: the built-in Osiadacz network and validation errors."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from trunkline.errors import ScenarioError
from trunkline.model import NetworkScenario, load_line, load_scenario, network_from_dict
from trunkline.solve import solve_steady

#: Osiadacz (1988) example 2(a): five significant figures → 0.05 % (issue tolerance).
OSIADACZ_RTOL = 5e-4


def _data() -> dict[str, Any]:
    text = resources.files("trunkline.scenarios").joinpath("osiadacz_1988.toml").read_text()
    return tomllib.loads(text)


def test_builtin_network_scenario_solves_to_published_pressures() -> None:
    sc = load_scenario("osiadacz_1988")
    assert isinstance(sc, NetworkScenario)
    res = solve_steady(sc.network, sc.gas, temperature=sc.temperature)
    published = [50, 48.079, 48.742, 42.244, 76.040, 48.482, 67.875, 71.023, 67.545, 69.105]
    got = [res.pressure[str(i)] / 1e5 for i in range(1, 11)]
    assert got == pytest.approx(published, rel=OSIADACZ_RTOL)


def test_load_line_refuses_a_network() -> None:
    with pytest.raises(ScenarioError, match="network scenario"):
        load_line("osiadacz_1988")


def test_flows_as_mass_or_standard_volume() -> None:
    data = _data()
    data["network"]["nodes"][1]["demand"] = "5.5 kg/s"
    sc = network_from_dict(data)
    assert sc.network.injections["2"] == pytest.approx(-5.5)


@pytest.mark.parametrize(("path", "value", "match"), [
    (("network", "pipes", 0, "length"), "70 bar", "length"),
    (("network", "pipes", 0, "from"), "99", "unknown node"),
    (("network", "nodes", 1, "demand"), "20000 m**3/h", "reference"),
    (("network", "compressors", 0, "mode"), "turbo", "mode"),
])
def test_bad_fields_name_themselves(path: tuple[Any, ...], value: str, match: str) -> None:
    data = _data()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ScenarioError, match=match):
        network_from_dict(data)
