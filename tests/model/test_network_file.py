"""Network scenario files: the built-in Osiadacz network, validation errors, and writing
networks (read back bit for bit)."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError, ScenarioError
from trunkline.gas import Gas
from trunkline.model import (
    Network,
    NetworkScenario,
    load_line,
    load_scenario,
    network_from_dict,
    network_to_dict,
    write_network_scenario,
)
from trunkline.model.gaslib import apply_nomination, gaslib_gas, load_gaslib
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
    (("network", "compressors", 0, "pressure_loss_in"), "3 kg", "pressure_loss_in"),
    (("network", "compressors", 0, "max_ratio"), 0.5, "max_ratio"),
    (("network", "nodes", 1, "flow_max"), "5 bar", "flow_max"),
    (("network", "pipes", 0, "heat_transfer_coefficient"), "2 W/m", "heat_transfer"),
])
def test_bad_fields_name_themselves(path: tuple[Any, ...], value: str, match: str) -> None:
    data = _data()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ScenarioError, match=match):
        network_from_dict(data)


# -- writing -----------------------------------------------------------------------------
#: A composition is rescaled to sum to 1 when read: its fractions may move in the last bit.
COMPOSITION_RTOL = 1e-15
#: Every shipped GasLib instance: between them every element type and every optional
#: field the files know (heights, flow bounds, control-valve limits, station losses,
#: ground temperatures…) appears with a value other than its default.
GASLIB_INSTANCES = ("GasLib-11", "GasLib-24", "GasLib-40", "GasLib-134-v2", "GasLib-135",
                    "GasLib-582-v2", "GasLib-4197")


def _gaslib_scenario(name: str) -> NetworkScenario:
    data = load_gaslib(name)
    net = apply_nomination(data).with_slack()
    net.set_temperature(next(iter(net.pressures)), 281.5)
    return NetworkScenario(name, data.title, net, gaslib_gas(data), 283.15)


def _assert_same(back: NetworkScenario, sc: NetworkScenario) -> None:
    net, got = sc.network, back.network
    # frozen dataclasses compare field by field: every value bit for bit
    assert got.nodes == net.nodes
    assert list(got.nodes) == list(net.nodes)
    assert got.edges == net.edges
    for kind in {type(e) for e in net.edges.values()}:  # each type's order is kept
        assert ([k for k, e in got.edges.items() if type(e) is kind]
                == [k for k, e in net.edges.items() if type(e) is kind])
    assert got.pressures == net.pressures
    assert got.injections == net.injections
    assert got.temperatures == net.temperatures
    assert got.reference == net.reference
    assert back.temperature == sc.temperature
    assert back.gas.eos == sc.gas.eos
    assert back.gas.composition == pytest.approx(sc.gas.composition, rel=COMPOSITION_RTOL)


@pytest.mark.parametrize("name", GASLIB_INSTANCES)
def test_written_network_reads_back_bit_for_bit(name: str, tmp_path: Path) -> None:
    sc = _gaslib_scenario(name)
    path = write_network_scenario(sc, tmp_path / f"{name}.toml")
    back = load_scenario(path)
    assert isinstance(back, NetworkScenario)
    assert back.name == name and back.title == sc.title
    _assert_same(back, sc)


def test_written_network_solves_as_the_original(tmp_path: Path) -> None:
    sc = load_scenario("osiadacz_1988")
    assert isinstance(sc, NetworkScenario)
    back = load_scenario(write_network_scenario(sc, tmp_path / "net.toml"))
    assert isinstance(back, NetworkScenario)
    _assert_same(back, sc)
    a = solve_steady(sc.network, sc.gas, temperature=sc.temperature)
    b = solve_steady(back.network, back.gas, temperature=back.temperature)
    # the same inputs to the last bit (the gas up to COMPOSITION_RTOL): the same solve
    assert b.pressure == pytest.approx(a.pressure, rel=1e-12)
    assert b.flow == pytest.approx(a.flow, rel=1e-12, abs=1e-12)


def test_fields_at_their_defaults_are_left_out() -> None:
    net = Network("small")
    net.add_node("A")
    net.add_node("B", p_min=4e6)
    net.add_pipe("AB", "A", "B", 1e3, 0.5)
    net.set_pressure("A", 6e6)
    net.set_demand("B", 10.0)
    data = network_to_dict(NetworkScenario("small", "small", net,
                                           Gas({"methane": 1.0}), 288.15))
    nodes = data["network"]["nodes"]
    assert nodes[0] == {"id": "A", "pressure": "6000000.0 Pa"}
    assert nodes[1] == {"id": "B", "p_min": "4000000.0 Pa", "demand": "10.0 kg/s"}
    assert data["network"]["pipes"] == [{"id": "AB", "from": "A", "to": "B",
                                         "length": "1000.0 m", "diameter": "0.5 m",
                                         "roughness": "1e-05 m"}]
    assert "compressors" not in data["network"]


def test_a_value_without_written_form_is_an_error(tmp_path: Path) -> None:
    net = Network("bad")
    net.add_node("A", p_min=-math.inf)
    net.add_node("B")
    net.add_pipe("AB", "A", "B", 1e3, 0.5)
    net.set_pressure("A", 6e6)
    sc = NetworkScenario("bad", "bad", net, Gas({"methane": 1.0}), 288.15)
    target = tmp_path / "bad.toml"
    with pytest.raises(InputError, match="p_min") as err:
        write_network_scenario(sc, target)
    assert err.value.element == "node A"
    assert not target.exists()  # nothing written, not even in part


_POSITIVE = st.floats(min_value=1e-300, max_value=1e300, allow_nan=False,
                      allow_infinity=False)
_ANY = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(_POSITIVE, min_size=1, max_size=4), height=_ANY,
       p_max=_POSITIVE, demand=_ANY, ratio=st.floats(min_value=1.0, max_value=1e6),
       loss=st.floats(min_value=0.0, max_value=1e300), x=_ANY)
def test_any_finite_values_read_back_bit_for_bit(lengths: list[float], height: float,
                                                 p_max: float, demand: float,
                                                 ratio: float, loss: float, x: float
                                                 ) -> None:
    """Whatever finite floats a network holds — tiny, huge, negative, −0.0 — its file
    gives them back exactly (each is written as its shortest exact repr)."""
    net = Network("random")
    net.add_node("n0", height=height, p_max=p_max, x=x)
    for i, length in enumerate(lengths, start=1):
        net.add_node(f"n{i}", flow_min=-abs(demand), y=-x)
        net.add_pipe(f"p{i}", f"n{i - 1}", f"n{i}", length, length, roughness=loss)
    net.add_node("c")
    net.add_compressor("k", f"n{len(lengths)}", "c", ratio=ratio, pressure_loss_in=loss)
    net.set_pressure("n0", p_max)
    net.set_flow("c", demand)
    sc = NetworkScenario("random", "random", net, Gas({"methane": 1.0}), p_max)
    back = network_from_dict(tomllib.loads(tomli_w.dumps(network_to_dict(sc))))
    _assert_same(back, sc)
