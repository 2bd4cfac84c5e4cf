"""GasLib XML: reading the shipped instances, units, nominations, round trips and safety."""

from __future__ import annotations

import dataclasses
import math
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import trunkline.model
from trunkline.errors import InputError, ScenarioError
from trunkline.model import (
    Compressor,
    ControlValve,
    Edge,
    Network,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.model.gaslib import (
    GASLIB_FILES,
    DecisionState,
    GasLibData,
    apply_nomination,
    gaslib_path,
    load_gaslib,
    read_gaslib,
    read_gaslib_scenario,
    write_gaslib,
)
from trunkline.units import P_ATM

INSTANCES = ("GasLib-11", "GasLib-24", "GasLib-40", "GasLib-134-v2", "GasLib-135",
             "GasLib-582-v2", "GasLib-4197")
NODE_TAGS = {"source": "entry", "sink": "exit", "innode": "junction"}
EDGE_TAGS: dict[str, type[Edge]] = {
    "pipe": Pipe, "shortPipe": ShortPipe, "resistor": Resistor, "valve": Valve,
    "controlValve": ControlValve, "compressorStation": Compressor}
KM3H = 1000.0 / 3600.0  # 1000 m³/h in m³/s
RTOL = 1e-9  # round trip: float rounding of the unit conversions only
# Exact nominations balance to float rounding except GasLib-134 (v2), whose
# published exit flows are rounded: 7.7e-4 kg/s (3.7 m³/h) of 84.24 kg/s, 9.2e-6.
BALANCE_RTOL = {"GasLib-134-v2": 2e-5}


@pytest.fixture(scope="module")
def loaded() -> dict[str, GasLibData]:
    return {name: load_gaslib(name) for name in INSTANCES}


def _xml_text(path: Path) -> str:
    """The file without XML comments (GasLib-24 has an element commented out)."""
    return re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)


def _count(text: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}[\s/>]", text))


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isinf(a) or math.isinf(b):
            return a == b
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _diff_elements(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Ids whose element differs in type or any field (floats within RTOL)."""
    assert list(a) == list(b)
    bad = []
    for k, x in a.items():
        y = b[k]
        if type(x) is not type(y) or not all(
                _close(getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x)):
            bad.append(k)
    return bad


def _assert_same_data(d1: GasLibData, d2: GasLibData) -> None:
    assert _diff_elements(d1.network.nodes, d2.network.nodes) == []
    assert _diff_elements(d1.network.edges, d2.network.edges) == []
    for name in ("norm_density", "molar_mass", "calorific_value", "pseudocritical_pressure",
                 "pseudocritical_temperature", "nomination", "scenario_pressures",
                 "scenario_info", "scenario_node_info", "scenario_pipe_info", "node_info",
                 "edge_info", "substituted", "title"):
        assert _close(getattr(d1, name), getattr(d2, name)), name


# -- the shipped files -------------------------------------------------------------
def test_every_listed_file_is_packaged() -> None:
    folder = resources.files("trunkline.scenarios.gaslib")
    shipped = {p.name for p in folder.iterdir()
               if p.name.endswith((".net", ".scn", ".cs", ".cdf"))}
    assert shipped == set(GASLIB_FILES)
    assert (Path(str(folder)) / "README.md").read_text(encoding="utf-8").count("CC BY 3.0")
    for name in GASLIB_FILES:
        assert gaslib_path(name).is_file()


def test_gaslib_path_rejects_an_unknown_name() -> None:
    with pytest.raises(ScenarioError, match=r"GasLib-99\.net"):
        gaslib_path("GasLib-99.net")
    with pytest.raises(ScenarioError, match="GasLib-99"):
        load_gaslib("GasLib-99")


def test_read_gaslib_is_exported() -> None:
    assert trunkline.model.read_gaslib is read_gaslib
    assert trunkline.model.GasLibData is GasLibData


@pytest.mark.parametrize("name", INSTANCES)
def test_counts_match_the_xml(name: str, loaded: dict[str, GasLibData]) -> None:
    data = loaded[name]
    net = data.network
    text = _xml_text(gaslib_path(f"{name}.net"))
    for tag, kind in NODE_TAGS.items():
        assert sum(n.kind == kind for n in net.nodes.values()) == _count(text, tag), tag
    subs = data.substituted
    for tag, cls in EDGE_TAGS.items():
        got = sum(type(e) is cls and e.id not in subs for e in net.edges.values())
        assert got + sum(t == tag for t in subs.values()) == _count(text, tag), tag
    assert all(isinstance(net.edges[i], ShortPipe) for i in subs)
    assert len(net.edges) == sum(_count(text, t) for t in EDGE_TAGS)
    assert data.skipped == ()


def test_compressor_and_decision_files_are_summarised(loaded: dict[str, GasLibData]) -> None:
    for name in ("GasLib-11", "GasLib-24", "GasLib-40", "GasLib-135", "GasLib-582-v2",
                 "GasLib-4197"):
        cs = loaded[name].compressor_data
        text = _xml_text(gaslib_path(f"{name}.cs"))
        assert len(cs) == _count(text, "compressorStation")
        machines = _count(text, "turboCompressor") + _count(text, "pistonCompressor")
        assert sum(s["n_compressors"] for s in cs.values()) == machines
        assert all(isinstance(loaded[name].network.edges[i], Compressor) for i in cs)
    cs5 = loaded["GasLib-582-v2"].compressor_data["compressorStation_5"]
    assert sorted(cs5["compressors"].values()) == ["pistonCompressor", "turboCompressor"]
    assert sorted(cs5["drives"].values()) == ["gasDrivenMotor", "gasTurbine"]
    for name in ("GasLib-582-v2", "GasLib-4197"):
        text = _xml_text(gaslib_path(f"{name}.cdf"))
        cdf = loaded[name].combined_decisions
        assert len(cdf) == _count(text, "decisionGroup")
        assert sum(len(g) for g in cdf.values()) == _count(text, "decision")
    d1 = loaded["GasLib-582-v2"].combined_decisions["dG_1"]["d1"]
    assert d1["valve_11"] == (0, None, None) and d1["valve_7"] == (1, 0, None)
    # control-valve modes: <controlValve id="controlValve_90" value="1" mode="active"/>
    cdf = loaded["GasLib-4197"].combined_decisions
    assert cdf["dG_1"]["dG_1_d_1"]["controlValve_90"] == DecisionState(1, None, "active")
    modes = [st.mode for g in cdf.values() for d in g.values() for st in d.values()]
    text = _xml_text(gaslib_path("GasLib-4197.cdf"))
    assert modes.count("active") == text.count('mode="active"')
    assert modes.count("bypass") == text.count('mode="bypass"')


# -- units -------------------------------------------------------------------------
def test_units_are_converted_to_si(loaded: dict[str, GasLibData]) -> None:
    data = loaded["GasLib-11"]
    rho = 0.785  # normDensity of every GasLib-11 source [kg/m³]
    assert data.norm_density == pytest.approx(rho)
    pipe = data.network.edges["pipe01_entry01_entry03"]
    assert isinstance(pipe, Pipe)
    assert pipe.length == pytest.approx(55e3, rel=1e-15)
    assert pipe.diameter == pytest.approx(0.5, rel=1e-15)
    assert pipe.roughness == pytest.approx(1e-4, rel=1e-15)
    assert pipe.p_max == pytest.approx(200e5)
    assert pipe.heat_transfer_coefficient == 2.0
    assert pipe.flow_law == "prandtl-colebrook"
    assert pipe.flow_max == pytest.approx(1100 * KM3H * rho)
    entry = data.network.nodes["entry01"]
    assert entry.kind == "entry"
    assert entry.p_max == pytest.approx(7e6) and entry.p_min == pytest.approx(4e6)
    assert entry.flow_min == pytest.approx(50 * KM3H * rho)
    assert entry.flow_max == pytest.approx(750 * KM3H * rho)
    assert entry.temperature == pytest.approx(283.15)  # 10 °C
    info = data.node_info["entry01"]
    assert info["calorificValue"] == pytest.approx(36.4543670654e6)  # J/m³
    assert info["molarMass"] == pytest.approx(18.5674e-3)  # kg/mol
    assert data.calorific_value == pytest.approx(36.4543670654e6)
    assert data.molar_mass == pytest.approx(18.5674e-3)
    assert data.pseudocritical_pressure == pytest.approx(45.9293457336e5)
    assert data.pseudocritical_temperature == pytest.approx(188.549758911)
    # A sink's GasLib bounds are withdrawals: 50 … 1250 (1000 m³/h) out of the network.
    exit01 = data.network.nodes["exit01"]
    assert exit01.kind == "exit"
    assert exit01.flow_min == pytest.approx(-1250 * KM3H * rho)
    assert exit01.flow_max == pytest.approx(-50 * KM3H * rho)
    assert data.network.nodes["N01"].kind == "junction"


def test_other_units_and_defaults(loaded: dict[str, GasLibData]) -> None:
    g24 = loaded["GasLib-24"].network
    l04 = g24.edges["L04"]  # "10 m" (its 50 km length is commented out)
    assert isinstance(l04, Pipe) and l04.length == pytest.approx(10.0)
    assert isinstance(g24.edges["L01"], Pipe) and g24.edges["L01"].diameter == pytest.approx(1.1)
    g134 = loaded["GasLib-134-v2"]
    assert g134.network.nodes["node_1"].temperature == pytest.approx(289.15)  # unit K
    assert g134.norm_density == pytest.approx(0.7433)
    # GasLib-135's .scn gives gauge bounds 0 … 80 barg.
    assert loaded["GasLib-135"].scenario_pressures["source_1"] == pytest.approx(
        (P_ATM, 80e5 + P_ATM))
    # GasLib-4197: per-source norm densities differ; flows use their plain mean.
    g4197 = loaded["GasLib-4197"]
    rhos = [float(i["normDensity"]) for i in g4197.node_info.values() if "normDensity" in i]
    assert len(set(rhos)) > 1
    assert g4197.norm_density == pytest.approx(sum(rhos) / len(rhos))
    assert g4197.scenario_info["soilTemperature"] == pytest.approx(282.65)  # 9.5 °C


def test_active_elements_default_to_bypass(loaded: dict[str, GasLibData]) -> None:
    net = loaded["GasLib-582-v2"].network
    cvs = [e for e in net.edges.values() if isinstance(e, ControlValve)]
    css = [e for e in net.edges.values() if isinstance(e, Compressor)]
    assert cvs and css
    assert all(e.mode == "bypass" and e.setpoint is None for e in cvs)
    assert all(e.mode == "bypass" and e.setpoint_kind == "none" for e in css)
    assert all(e.open for e in net.edges.values() if isinstance(e, Valve))
    cv1 = net.edges["controlValve_1"]
    assert isinstance(cv1, ControlValve)
    assert cv1.pressure_loss_in == pytest.approx(0.75e5)
    assert cv1.p_out_max == pytest.approx(86.01325e5)
    assert cv1.dp_max == pytest.approx(120e5)
    info = loaded["GasLib-582-v2"].edge_info
    assert info["controlValve_1"]["internalBypassRequired"] == "0"
    cs = next(iter(css))
    assert "fuelGasVertex" in info[cs.id]


def test_resistors_without_a_modelled_loss_become_short_pipes(
        loaded: dict[str, GasLibData]) -> None:
    data = loaded["GasLib-4197"]
    assert data.substituted["resistor_1"] == "resistor"
    assert isinstance(data.network.edges["resistor_1"], ShortPipe)
    assert data.edge_info["resistor_1"]["pressureLoss"] == pytest.approx(0.5e5)
    assert data.edge_info["resistor_3"]["dragFactor"] == 0.0  # lossless
    assert len(data.notes) == len(data.substituted) == 7
    r14 = data.network.edges["resistor_14"]
    assert isinstance(r14, Resistor)
    assert (r14.drag_factor, r14.diameter) == pytest.approx((5.41, 0.9))


def test_flow_law_and_norm_density_can_be_overridden() -> None:
    path = gaslib_path("GasLib-11.net")
    data = read_gaslib(path, flow_law="hofer", norm_density=0.8)
    assert {p.flow_law for p in data.network.pipes()} == {"hofer"}
    assert data.norm_density == 0.8
    assert data.network.nodes["entry01"].flow_max == pytest.approx(750 * KM3H * 0.8)
    with pytest.raises(ScenarioError, match="flow_law"):
        read_gaslib(path, flow_law="empirical")


# -- nominations -------------------------------------------------------------------
@pytest.mark.parametrize("name", INSTANCES)
def test_exact_nominations_balance(name: str, loaded: dict[str, GasLibData]) -> None:
    nom = loaded[name].nomination
    assert nom
    exact = [lo for lo, hi in nom.values() if lo == hi]
    assert len(exact) == len(nom)  # every shipped .scn nominates exact flows
    supply = sum(q for q in exact if q > 0)
    assert supply > 0
    assert abs(math.fsum(exact)) <= BALANCE_RTOL.get(name, 1e-11) * supply


def test_nomination_signs_follow_the_network(loaded: dict[str, GasLibData]) -> None:
    data = loaded["GasLib-11"]
    assert data.nomination is not None
    rho = data.norm_density
    assert data.nomination["entry01"] == pytest.approx((160 * KM3H * rho,) * 2)
    assert data.nomination["exit02"] == pytest.approx((-120 * KM3H * rho,) * 2)


def test_apply_nomination(loaded: dict[str, GasLibData]) -> None:
    data = loaded["GasLib-11"]
    net = apply_nomination(data)
    assert net is not data.network and data.network.injections == {}
    assert net.injections == pytest.approx({k: v[0] for k, v in (data.nomination or {}).items()})
    # Pressure bounds of the .scn replace the node's; soil temperatures go to the pipes.
    g135 = apply_nomination(loaded["GasLib-135"])
    assert g135.nodes["source_1"].p_max == pytest.approx(80e5 + P_ATM)
    g24 = apply_nomination(loaded["GasLib-24"])
    l101, l01 = g24.edges["L101"], g24.edges["L01"]
    assert isinstance(l101, Pipe) and l101.ground_temperature == pytest.approx(311.0)
    assert isinstance(l01, Pipe) and l01.ground_temperature is None
    g4197 = apply_nomination(loaded["GasLib-4197"])
    assert all(p.ground_temperature == pytest.approx(282.65) for p in g4197.pipes())
    with pytest.raises(ScenarioError, match="nomination"):
        apply_nomination(read_gaslib(gaslib_path("GasLib-11.net")))


def test_nomination_ranges_use_the_midpoint(tmp_path: Path) -> None:
    net = gaslib_path("GasLib-11.net")
    scn = tmp_path / "range.scn"
    scn.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<boundaryValue xmlns="http://gaslib.zib.de/Gas"><scenario id="r">'
        '<node type="exit" id="exit01">'
        '<flow bound="lower" value="100" unit="1000m_cube_per_hour"/>'
        '<flow bound="upper" value="200" unit="1000m_cube_per_hour"/>'
        '<pressure bound="lower" value="45" unit="bar"/></node>'
        '<node type="entry" id="entry01">'
        '<flow bound="lower" value="10" unit="1000m_cube_per_hour"/></node>'
        '<futureThing value="1"/>'
        "</scenario></boundaryValue>", encoding="utf-8")
    data = read_gaslib(net, scn)
    rho = data.norm_density
    assert data.nomination is not None
    assert data.nomination["exit01"] == pytest.approx((-200 * KM3H * rho, -100 * KM3H * rho))
    assert data.nomination["entry01"] == (pytest.approx(10 * KM3H * rho), math.inf)
    assert data.scenario_pressures["exit01"] == (pytest.approx(45e5), math.inf)
    assert any("futureThing" in s for s in data.skipped)
    applied = apply_nomination(data)
    assert applied.injections == {"exit01": pytest.approx(-150 * KM3H * rho)}  # entry01 free
    node = applied.nodes["exit01"]
    assert node.p_min == pytest.approx(45e5)
    assert node.p_max == data.network.nodes["exit01"].p_max  # the .scn gives no upper bound


# -- round trip --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["GasLib-11", "GasLib-24", "GasLib-40", "GasLib-582-v2",
                                  "GasLib-4197"])
def test_round_trip(name: str, loaded: dict[str, GasLibData], tmp_path: Path) -> None:
    data = loaded[name]
    out = write_gaslib(data, tmp_path / "x.net", tmp_path / "x.scn")
    again = read_gaslib(out, tmp_path / "x.scn")
    _assert_same_data(data, again)
    assert again.source_files == (out, tmp_path / "x.scn")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.net", "x.scn"]  # no temp files


def test_round_trip_of_a_plain_network(loaded: dict[str, GasLibData], tmp_path: Path) -> None:
    net = apply_nomination(loaded["GasLib-40"])
    net.set_pressure("source_1", 60e5)
    rho = 0.8
    write_gaslib(net, tmp_path / "n.net", tmp_path / "n.scn", norm_density=rho)
    data = read_gaslib(tmp_path / "n.net", tmp_path / "n.scn")
    assert data.norm_density == pytest.approx(rho)
    assert _diff_elements(net.nodes, data.network.nodes) == []
    assert _diff_elements(net.edges, data.network.edges) == []
    again = apply_nomination(data)
    assert again.injections == pytest.approx(net.injections, rel=RTOL)
    assert data.scenario_pressures["source_1"] == pytest.approx((60e5, 60e5))
    with pytest.raises(InputError, match="norm_density"):
        write_gaslib(net, tmp_path / "m.net")


def test_a_small_built_network_round_trips(tmp_path: Path) -> None:
    net = Network("tiny")
    net.add_node("s", kind="entry", p_max=70e5, flow_min=0.0, flow_max=50.0)
    net.add_node("j", height=12.5)
    net.add_node("d", kind="exit", p_min=30e5, flow_min=-40.0, flow_max=0.0)
    net.add_pipe("p", "s", "j", 10e3, 0.6, 2e-5)
    net.add_compressor("c", "j", "d", mode="bypass", p_out_max=80e5)
    net.set_flow("s", 20.0)
    net.set_demand("d", 20.0)
    write_gaslib(net, tmp_path / "t.net", tmp_path / "t.scn", norm_density=0.75)
    data = read_gaslib(tmp_path / "t.net", tmp_path / "t.scn", flow_law="colebrook")
    assert _diff_elements(net.nodes, data.network.nodes) == []
    assert _diff_elements(net.edges, data.network.edges) == []
    assert apply_nomination(data).injections == pytest.approx({"s": 20.0, "d": -20.0})


# -- errors and safety ---------------------------------------------------------------
def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.net"
    bomb.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE network [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<network xmlns="http://gaslib.zib.de/Gas" '
        'xmlns:framework="http://gaslib.zib.de/Framework">'
        "<framework:information><framework:title>&b;</framework:title>"
        "</framework:information></network>", encoding="utf-8")
    with pytest.raises(ScenarioError, match="refused") as err:
        read_gaslib(bomb)
    assert str(bomb) in str(err.value)
    scn = tmp_path / "bomb.scn"
    scn.write_text(bomb.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bomb\.scn"):
        read_gaslib(gaslib_path("GasLib-11.net"), scn)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.net"
    with pytest.raises(ScenarioError, match=re.escape(str(missing))):
        read_gaslib(missing)
    with pytest.raises(ScenarioError, match=r"nope\.scn"):
        read_gaslib(gaslib_path("GasLib-11.net"), tmp_path / "nope.scn")
    bad = tmp_path / "bad.net"
    bad.write_text("<network", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not well-formed"):
        read_gaslib(bad)
    with pytest.raises(ScenarioError, match="not a GasLib network file"):
        read_gaslib(gaslib_path("GasLib-11.scn"))


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = gaslib_path("GasLib-11.net").read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "edited.net"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_unknown_element_raises_or_is_skipped(tmp_path: Path) -> None:
    path = _edit(tmp_path, "<valve ", "<heater ")
    path.write_text(path.read_text(encoding="utf-8").replace("</valve>", "</heater>", 1),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="heater"):
        read_gaslib(path)
    data = read_gaslib(path, strict=False)
    assert "V01_N01_N03" not in data.network.edges
    assert data.skipped == ("edited.net: element heater V01_N01_N03",)


def test_unknown_field_is_skipped(tmp_path: Path) -> None:
    path = _edit(tmp_path, '<length unit="km" value="55"/>',
                 '<length unit="km" value="55"/><coating value="3"/>')
    data = read_gaslib(path)
    assert data.skipped == ("edited.net: pipe pipe01_entry01_entry03: field coating",)


@pytest.mark.parametrize(("old", "new", "match"), [
    ('<length unit="km" value="55"/>', '<length unit="furlong" value="55"/>',
     r"pipe pipe01_entry01_entry03\.length\.unit: unknown unit \(got 'furlong'\)"),
    ('<length unit="km" value="55"/>', '<length unit="bar" value="55"/>', "not a length unit"),
    ('<length unit="km" value="55"/>', '<length unit="km" value="long"/>', "not a number"),
    ('<length unit="km" value="55"/>', '<length value="55"/>', "missing unit"),
    ('<length unit="km" value="55"/>', '<length unit="km" value="0"/>', "must be positive"),
    ('<pressureLossIn unit="bar" value="0.0"/>', '<pressureLossIn unit="barg" value="0.0"/>',
     "gauge"),
    ('from="N01" to="N03"', 'from="N01" to="N99"', "N99"),
])
def test_bad_values_name_file_element_and_field(tmp_path: Path, old: str, new: str,
                                                match: str) -> None:
    path = _edit(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=match) as err:
        read_gaslib(path)
    assert "edited.net" in str(err.value)


def test_scenario_for_an_unknown_node_is_refused(tmp_path: Path) -> None:
    scn = tmp_path / "x.scn"
    scn.write_text(gaslib_path("GasLib-11.scn").read_text(encoding="utf-8")
                   .replace('id="exit03"', 'id="exit99"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match="exit99"):
        read_gaslib(gaslib_path("GasLib-11.net"), scn)


def test_reading_the_largest_instance_is_fast() -> None:
    start = time.perf_counter()
    data = read_gaslib(gaslib_path("GasLib-4197.net"))
    elapsed = time.perf_counter() - start
    assert len(data.network.nodes) == 4197
    assert elapsed < 2.0, f"reading GasLib-4197 took {elapsed:.2f} s"


def test_nominations_applied_to_a_network_read_once(tmp_path: Path) -> None:
    net, cs = gaslib_path("GasLib-40.net"), gaslib_path("GasLib-40.cs")
    base = read_gaslib(net, None, cs)
    before = base.network.copy()
    scn = gaslib_path("GasLib-40.scn")
    # a second nomination: the first with another entry pressure range and flows
    other = tmp_path / "other.scn"
    data = read_gaslib(net, scn, cs)
    assert data.nomination is not None
    write_gaslib(dataclasses.replace(data, nomination={k: (0.9 * lo, 0.9 * hi) for k, (lo, hi)
                                           in data.nomination.items()}),
                 tmp_path / "copy.net", other)
    for path in (scn, other):
        fresh = read_gaslib(net, path, cs)
        applied = read_gaslib_scenario(base, path)
        assert applied.network.nodes == fresh.network.nodes
        assert applied.network.edges == fresh.network.edges
        assert applied.nomination == fresh.nomination
        assert applied.scenario_pressures == fresh.scenario_pressures
        assert applied.scenario_info == fresh.scenario_info
        assert applied.source_files == (net, cs, path)
    # the data read once is unchanged, and takes no second nomination on top of one
    assert base.nomination is None and base.network.nodes == before.nodes
    assert base.network.edges == before.edges
    with pytest.raises(ScenarioError, match="nomination already"):
        read_gaslib_scenario(read_gaslib_scenario(base, scn), other)
