"""Nomination validation (trunkline.optimize.check_nomination) on GasLib and small networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trunkline.gas import Gas
from trunkline.model import Network
from trunkline.model.gaslib import GasLibData, load_gaslib
from trunkline.model.network import Compressor, ControlValve
from trunkline.optimize import NominationResult, check_nomination, gas_for_gaslib
from trunkline.optimize.nomination import (
    PRESSURE_TOL,
    _cdf_presets,
    _decision_combinations,
    _Model,
    _Setting,
    _verify,
)
from trunkline.solve import NetworkResult, solve_steady

GAS = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.02})
FAST = ["GasLib-11", "GasLib-24", "GasLib-40", "GasLib-134-v2", "GasLib-135", "GasLib-582-v2"]


def _assert_verified(res: NominationResult, data: GasLibData | None = None) -> None:
    """The operating point re-simulated independently satisfies every bound."""
    assert res.feasible, res.strategy_log
    assert res.simulation is not None and not res.simulation.violations
    assert res.violated == []
    sim = solve_steady(res.network, gas_for_gaslib(data) if data is not None else GAS,
                       temperature=res.simulation.temperature)
    assert not sim.violations
    nodes = sim.nodes
    net = res.network
    for nid, row in nodes.iterrows():
        p = float(row["pressure"])
        if math.isnan(p):
            continue
        node = net.nodes[str(nid)]
        assert node.p_min - PRESSURE_TOL <= p <= node.p_max + PRESSURE_TOL, nid
    flows = sim.flow
    for e in net.edges.values():
        assert e.flow_min - 1e-6 <= flows[e.id] <= e.flow_max + 1e-6, e.id
    # pressure-fixed nodes of the verification supply what was nominated
    if data is not None and data.nomination is not None:
        inj = nodes["injection"]
        for nid in net.pressures:
            lo, hi = data.nomination.get(nid, (0.0, 0.0))
            assert lo - 1e-3 * max(1.0, abs(lo)) <= inj[nid] <= hi + 1e-3 * max(1.0, abs(hi))


@pytest.mark.parametrize("name", FAST)
def test_shipped_nominations_are_feasible(name: str) -> None:
    data = load_gaslib(name)
    res = check_nomination(data)
    _assert_verified(res, data)
    assert set(res.decisions["mode"]) <= {"open", "closed", "active", "bypass"}
    active = res.decisions[res.decisions["mode"] == "active"]
    assert active["setpoint"].notna().all()
    assert res.seconds > 0 and res.iterations > 0
    # found by the relaxed stages: the combined-decision stage is not run
    assert not any(line.startswith("decisions ") for line in res.strategy_log)


def test_gaslib_4197_nomination_is_found_with_its_combined_decisions() -> None:
    # the largest shipped instance (a few minutes): the relaxed stages do not verify
    # (their complementarity does not tighten), the combined-decision stage does
    data = load_gaslib("GasLib-4197")
    res = check_nomination(data)
    _assert_verified(res, data)
    assert any(line.startswith("decisions dG_9_d_1") for line in res.strategy_log)
    # the relaxed point only L-BFGS solved is rounded without tightening τ
    assert "valves free: solved at tau 1e+20 by the quasi-Newton fallback only; " \
        "rounding from that point" in res.strategy_log
    modes = res.decisions.set_index("element")["mode"]
    # dG_10_d_4: compressorStation_1 closed, controlValve_25 closed
    assert modes["compressorStation_1"] == "closed" and modes["controlValve_25"] == "closed"
    active = res.decisions[res.decisions["mode"] == "active"]
    assert active["setpoint"].notna().all()


def test_gas_for_gaslib_matches_molar_mass() -> None:
    data = load_gaslib("GasLib-11")
    gas = gas_for_gaslib(data)
    assert data.molar_mass is not None
    assert gas.molar_mass == pytest.approx(data.molar_mass, rel=1e-4)
    assert set(gas.composition) <= {"methane", "ethane", "nitrogen"}
    assert gas_for_gaslib(data) is gas  # cached


def test_infeasible_nomination_lists_violated_bounds() -> None:
    data = load_gaslib("GasLib-11")
    assert data.nomination is not None
    # five times every entry and exit: balanced, but far beyond the network's capacity
    nomination = {k: 5.0 * lo for k, (lo, hi) in data.nomination.items()}
    res = check_nomination(data, nomination)
    assert not res.feasible
    assert res.violated
    assert any("pressure" in v or "flow" in v or "injection" in v for v in res.violated)


def test_unbalanced_nomination_is_infeasible() -> None:
    data = load_gaslib("GasLib-11")
    assert data.nomination is not None
    nomination: dict[str, float | tuple[float, float]] = {
        k: (5.0 * lo if lo < 0 else lo) for k, (lo, hi) in data.nomination.items()}
    res = check_nomination(data, nomination)
    assert not res.feasible
    assert res.simulation is None
    assert "unbalanced" in res.violated[0]
    # the result's network carries the nomination even so (what --out writes)
    assert res.network.injections == {k: v for k, v in nomination.items() if v != 0.0}
    assert res.gas is not None and res.scenario().temperature == res.temperature


def _station_network() -> Network:
    """Entry → 120 km pipe → compressor → 120 km pipe → exit; the exit needs 50 bar."""
    net = Network("station")
    net.add_node("entry", kind="entry", p_min=40e5, p_max=60e5)
    net.add_node("suction", p_min=20e5, p_max=80e5)
    net.add_node("discharge", p_min=20e5, p_max=80e5)
    net.add_node("exit", kind="exit", p_min=50e5, p_max=80e5)
    net.add_pipe("p1", "entry", "suction", 120e3, 0.6, 2e-5)
    net.add_compressor("cs", "suction", "discharge", mode="bypass", p_in_min=20e5,
                       p_out_max=80e5, max_ratio=2.0, flow_min=0.0, flow_max=500.0)
    net.add_pipe("p2", "discharge", "exit", 120e3, 0.6, 2e-5)
    return net


def test_compressor_must_be_active() -> None:
    net = _station_network()
    nomination: dict[str, float | tuple[float, float]] = {"entry": 60.0, "exit": -60.0}
    # with the station in bypass the exit pressure cannot be met
    bypass = net.copy()
    bypass.set_pressure("entry", 60e5)
    bypass.set_demand("exit", 60.0)
    assert any("exit" in v for v in solve_steady(bypass, GAS).violations)
    res = check_nomination(net, nomination, gas=GAS, temperature=288.15)
    assert res.feasible, res.strategy_log
    row = res.decisions.set_index("element").loc["cs"]
    assert row["mode"] == "active"
    cs = res.network.edges["cs"]
    assert isinstance(cs, Compressor) and cs.discharge_pressure is not None
    assert res.simulation is not None
    ratio = float(res.simulation.compressors.loc["cs", "ratio"])
    assert 1.0 < ratio <= 2.0
    p_exit = res.simulation.pressure["exit"]
    assert p_exit >= 50e5 - PRESSURE_TOL
    assert np.isclose(res.simulation.flow["cs"], 60.0, rtol=1e-6)


def test_valve_closed_when_open_valve_shortcuts_the_station() -> None:
    net = _station_network()
    net.add_valve("bypass_valve", "suction", "discharge")
    nomination: dict[str, float | tuple[float, float]] = {"entry": 60.0, "exit": -60.0}
    res = check_nomination(net, nomination, gas=GAS, temperature=288.15)
    assert res.feasible, res.strategy_log
    modes = res.decisions.set_index("element")["mode"]
    assert modes["bypass_valve"] == "closed" and modes["cs"] == "active"
    off = check_nomination(net, nomination, gas=GAS, temperature=288.15,
                           allow_valve_switching=False)
    assert not off.feasible


def test_nomination_range_and_unknown_node() -> None:
    net = _station_network()
    res = check_nomination(net, {"entry": (50.0, 70.0), "exit": -60.0}, gas=GAS)
    assert res.feasible, res.strategy_log
    assert res.simulation is not None
    assert res.simulation.nodes.loc["entry", "injection"] == pytest.approx(60.0, rel=1e-5)
    with pytest.raises(ValueError, match="not in the network"):
        check_nomination(net, {"nowhere": 1.0}, gas=GAS)


# -- combined decisions, dependent ties, isolated parts ---------------------------------
def test_single_decision_groups_of_the_cdf_fix_modes_and_directions() -> None:
    data = load_gaslib("GasLib-4197")
    modes, directions = _cdf_presets(data, data.network)
    # <decisionGroup id="dG_1"> … <controlValve id="controlValve_90" value="1" mode="active"/>
    assert modes["controlValve_90"] == "active"
    # <decisionGroup id="dG_8"> … <controlValve id="controlValve_50" value="0"/>
    assert modes["controlValve_50"] == "closed"
    # dG_17: controlValve_14 value="1" flowDirection="0" (along the element)
    assert directions["controlValve_14"] == 0 and "controlValve_14" not in modes
    # an element named by the .cdf but absent from the .net is ignored
    assert "valve_22" not in modes
    # elements of groups with several allowed decisions stay free (dG_9)
    assert "valve_415" not in modes and "compressorStation_9" not in modes
    singles = [st for g in data.combined_decisions.values() if len(g) == 1
               for e, st in next(iter(g.values())).items() if e in data.network.edges]
    assert len(modes) + sum(1 for e in directions if e not in modes) >= len(singles) - 2
    assert sum(m == "closed" for m in modes.values()) == sum(st.value == 0 for st in singles)


def test_multi_decision_groups_are_combined_most_stations_open_first() -> None:
    data = load_gaslib("GasLib-4197")
    combos = _decision_combinations(data, data.network, 3)
    assert len(combos) == 3
    names, modes, directions = combos[0]
    # dG_10: d_4 keeps compressorStation_2 and _3 open (d_2, d_3 one, d_1 none);
    # dG_11: d_1 and d_2 keep compressorStation_10 open, d_1 comes first in the file;
    # dG_19: d_4 and d_5 keep three stations open; dG_22, 36, 37: no station, first
    assert names == ["dG_9_d_1", "dG_10_d_4", "dG_11_d_1", "dG_19_d_4", "dG_22_d_1",
                     "dG_36_d_1", "dG_37_d_1"]
    # <decision id="dG_10_d_4"> <controlValve flowDirection="0" id="controlValve_13"
    # value="1" mode="active"/> … <compressorStation id="compressorStation_1" value="0"/>
    assert modes["compressorStation_1"] == "closed"
    assert modes["controlValve_13"] == "active" and directions["controlValve_13"] == 0
    assert "compressorStation_2" not in modes  # open: active or bypass
    # the next combinations change one group each to its second-ranked decision
    for other, _, _ in combos[1:]:
        assert sum(a != b for a, b in zip(other, names, strict=True)) == 1
    assert _decision_combinations(load_gaslib("GasLib-40"), data.network, 3) == []


def _valve_loop_network() -> Network:
    """Entry → pipe → a; open valves a–b, b–c, c–a (a loop of ties); c → pipe → exit."""
    net = Network("valve loop")
    net.add_node("entry", kind="entry", p_min=40e5, p_max=60e5)
    for n in ("a", "b", "c"):
        net.add_node(n, p_min=1e5, p_max=80e5)
    net.add_node("exit", kind="exit", p_min=30e5, p_max=80e5)
    net.add_pipe("p1", "entry", "a", 50e3, 0.6, 2e-5)
    net.add_valve("ab", "a", "b")
    net.add_valve("bc", "b", "c")
    net.add_valve("ca", "c", "a")
    net.add_pipe("p2", "c", "exit", 50e3, 0.6, 2e-5)
    return net


def test_a_loop_of_open_valves_keeps_a_spanning_forest_of_ties() -> None:
    net = _valve_loop_network()
    inj = np.zeros(len(net.nodes))
    inj[list(net.nodes).index("entry")], inj[list(net.nodes).index("exit")] = 40.0, -40.0
    m = _Model(net, GAS, 288.15, inj, [], {}, 40.0)
    _, _, lbg, ubg = m.bounds(["open"] * 3, [], [], 1e20)
    a, b = m.rows["valve"]
    tied = (lbg[a:b] == 0.0) & (ubg[a:b] == 0.0)
    assert tied.sum() == 2  # the third tie follows from the other two
    res = check_nomination(net, {"entry": 40.0, "exit": -40.0}, gas=GAS,
                           temperature=288.15, allow_valve_switching=False)
    _assert_verified(res)


def test_a_part_cut_off_by_a_closed_valve_gets_its_own_pressure() -> None:
    """A dead-end node whose bounds the line's pressure breaks: its valve must close."""
    net = _station_network()
    net.add_node("dead_end", p_min=1e5, p_max=10e5)
    net.add_valve("to_dead_end", "suction", "dead_end")
    res = check_nomination(net, {"entry": 60.0, "exit": -60.0}, gas=GAS, temperature=288.15)
    _assert_verified(res)
    assert res.decisions.set_index("element").loc["to_dead_end", "mode"] == "closed"
    assert res.simulation is not None
    assert 1e5 <= res.simulation.pressure["dead_end"] <= 10e5


def _regulator_network(regulators: tuple[str, ...], flow_min: float) -> Network:
    """Entry (50-70 bar) → 20 km → regulator(s) in parallel → 20 km → exit (10-30 bar)."""
    net = Network("regulator")
    net.add_node("entry", kind="entry", p_min=50e5, p_max=70e5)
    net.add_node("inlet", p_min=1e5, p_max=80e5)
    net.add_node("outlet", p_min=1e5, p_max=30e5)
    net.add_node("exit", kind="exit", p_min=10e5, p_max=30e5)
    net.add_pipe("p1", "entry", "inlet", 20e3, 0.5, 2e-5)
    for cv in regulators:
        net.add_control_valve(cv, "inlet", "outlet", mode="bypass", flow_min=flow_min,
                              flow_max=500.0)
    net.add_pipe("p2", "outlet", "exit", 20e3, 0.5, 2e-5)
    return net


def test_a_negligible_reverse_flow_bound_keeps_a_regulator_forward() -> None:
    net = _regulator_network(("cv",), flow_min=-2e-4)
    m = _Model(net, GAS, 288.15, np.zeros(len(net.nodes)), [], {}, 1.0)
    k = list(net.edges).index("cv")
    assert m.q_lo[k] == 0.0  # -2e-4 kg/s is a numerical zero (below _REVERSE_MIN)
    res = check_nomination(net, {"entry": 30.0, "exit": -30.0}, gas=GAS, temperature=288.15)
    _assert_verified(res)
    assert res.decisions.set_index("element").loc["cv", "mode"] == "active"


def test_parallel_regulators_keep_one_setpoint() -> None:
    """Two regulators between the same nodes: the simulation keeps one set-point."""
    net = _regulator_network(("cv1", "cv2"), flow_min=0.0)
    res = check_nomination(net, {"entry": 30.0, "exit": -30.0}, gas=GAS, temperature=288.15)
    _assert_verified(res)
    modes = res.decisions.set_index("element")["mode"]
    assert sorted(modes[["cv1", "cv2"]]) == ["active", "closed"]


# -- verifying simulation: loops of active elements -------------------------------------
def _point(m: _Model, sim: NetworkResult, flows: dict[str, float] | None = None
           ) -> np.ndarray:
    """The NLP vector of a simulated state (optionally with some flows replaced)."""
    x = np.zeros(m.nx)
    pressures = np.array([sim.pressure[n] for n in m.node_ids])
    x[m.cl] = pressures / 1e6
    q = np.array([(flows or {}).get(e.id, sim.flow[e.id]) for e in m.edges])
    x[m.nc:m.nc + m.ne] = q / m.q_s
    return x


def _station_with_loop() -> Network:
    """entry → pipe → s; compressor s → d; d → pipe → exit; and a loop back round the
    station: d → pipe → a, regulator a → b in bypass, b → pipe → s."""
    net = Network("station loop")
    for n, kind in (("entry", "entry"), ("s", "junction"), ("d", "junction"),
                    ("a", "junction"), ("b", "junction"), ("exit", "exit")):
        net.add_node(n, kind=kind, p_min=1e5, p_max=90e5)
    net.add_pipe("p1", "entry", "s", 60e3, 0.6, 2e-5)
    net.add_compressor("cs", "s", "d", discharge_pressure=60e5, flow_min=0.0)
    net.add_pipe("p2", "d", "exit", 60e3, 0.6, 2e-5)
    net.add_pipe("r1", "d", "a", 2e3, 0.3, 2e-5)
    net.add_control_valve("cv", "a", "b", mode="bypass", flow_min=0.0)
    net.add_pipe("r2", "b", "s", 2e3, 0.3, 2e-5)
    return net


def test_station_on_a_loop_with_its_regulator_is_simulated_from_its_inlet_pressure() -> None:
    # the station's outlet fixes d; its inlet s reaches d only through the loop, so
    # with the outlet alone the flow round the loop and the inlet pressure are not
    # both determined (a singular simulation before): the inlet keeps its pressure
    net = _station_with_loop()
    truth_net = net.copy()
    truth_net.set_pressure("entry", 50e5)
    truth_net.set_demand("exit", 80.0)
    truth = solve_steady(truth_net, GAS, temperature=288.15)
    assert truth.flow["cv"] > 1.0  # gas circulates round the station
    nodes = list(net.nodes)
    inj = np.zeros(len(nodes))
    inj[nodes.index("entry")], inj[nodes.index("exit")] = 80.0, -80.0
    m = _Model(net, GAS, 288.15, inj, [], {}, 80.0)
    setting = _Setting([], ["bypass"], ["active"])
    log: list[str] = []
    net_v, sim, violated, _ = _verify(m, _point(m, truth), setting, inj, log, "loop")
    assert violated == [], log
    assert sim is not None and "s" in net_v.pressures
    for n in nodes:
        assert sim.pressure[n] == pytest.approx(truth.pressure[n], rel=1e-9)
    assert sim.flow["cv"] == pytest.approx(truth.flow["cv"], rel=1e-6)


def test_station_and_regulator_back_to_back_close_the_one_with_less_flow() -> None:
    # a station s → d and a regulator d → s, both active: every pressure on the loop is
    # fixed and the flow round it is not (a singular simulation before); the regulator,
    # which carries less, is closed and the station carries the throughput
    net = _station_network()
    net.add_control_valve("back", "discharge", "suction", mode="closed", flow_min=0.0)
    truth_net = net.copy()
    truth_net.replace_edge("cs", mode="active", discharge_pressure=70e5)
    truth_net.replace_edge("back", mode="closed")
    truth_net.set_pressure("entry", 60e5)
    truth_net.set_demand("exit", 60.0)
    truth = solve_steady(truth_net, GAS, temperature=288.15)
    nodes = list(net.nodes)
    inj = np.zeros(len(nodes))
    inj[nodes.index("entry")], inj[nodes.index("exit")] = 60.0, -60.0
    m = _Model(net, GAS, 288.15, inj, [], {}, 60.0)
    x = _point(m, truth, {"cs": 75.0, "back": 15.0})  # 15 kg/s round the loop
    log: list[str] = []
    net_v, sim, violated, _ = _verify(m, x, _Setting([], ["active"], ["active"]), inj, log,
                                      "back to back")
    assert violated == [], log
    back = net_v.edges["back"]
    assert isinstance(back, ControlValve) and back.mode == "closed"
    assert sim is not None
    assert sim.flow["cs"] == pytest.approx(60.0, rel=1e-9)
    assert sim.pressure["exit"] == pytest.approx(truth.pressure["exit"], rel=1e-9)


def test_start_levels_each_part_within_its_bounds() -> None:
    """_fit_levels shifts π = p² by one constant per part joined by pipes: the drops
    along a part are kept, its pressures land mid-way in the room its bounds leave, a
    part whose drop exceeds its bounds' width violates both ends equally, and a part
    with a pressure-fixed node is not moved."""
    net = _station_network()  # bounds 40-60 / 20-80 bar before the station, 20-80 / 50-80 after
    ids = list(net.nodes)
    inj = np.zeros(len(ids))
    m = _Model(net, GAS, 288.15, inj, [], {}, 40.0)
    lo = np.maximum(m.p_lo, 1e5)
    # π in bar² (1 bar² = 1e10 Pa²). Before the station 30 and 28, far below the
    # bounds; after it 7,000 and 1,000: a drop of 6,000, wider than the 80² − 50² = 3,900
    # that the discharge's upper and the exit's lower bound leave, so no shift fits it
    pi = np.array([30.0, 28.0, 7000.0, 1000.0]) * 1e10
    out = m._fit_levels(pi, lo, m.ip)
    p = np.sqrt(out)
    first = [ids.index("entry"), ids.index("suction")]
    second = [ids.index("discharge"), ids.index("exit")]
    assert np.allclose(np.diff(out[first]), np.diff(pi[first]))
    assert np.allclose(np.diff(out[second]), np.diff(pi[second]))
    assert np.all(lo[first] <= p[first]) and np.all(p[first] <= m.p_hi[first])
    low = np.max(lo[first] ** 2 - pi[first])
    high = np.min(m.p_hi[first] ** 2 - pi[first])
    assert out[first[0]] - pi[first[0]] == pytest.approx(0.5 * (low + high))
    below = lo[second[1]] ** 2 - out[second[1]]
    above = out[second[0]] - m.p_hi[second[0]] ** 2
    assert below > 0 and above > 0 and below == pytest.approx(above)
    # the part with a pressure-fixed node keeps its level
    fixed = _Model(net, GAS, 288.15, inj, [], {ids.index("entry"): 50e5}, 40.0)
    kept = fixed._fit_levels(pi, lo, fixed.ip)
    assert np.array_equal(kept[first], pi[first])
    assert not np.array_equal(kept[second], pi[second])


def test_loose_intermediate_solves_change_the_path_not_the_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm solves whose point only starts a further solve stop at _LOOSE_TOL; with
    every solve tight the same modes and set-points are found (GasLib-40)."""
    from trunkline.optimize import nomination

    data = load_gaslib("GasLib-40")
    loose = check_nomination(data)
    monkeypatch.setattr(nomination, "_LOOSE_TOL", 1e-9)
    tight = check_nomination(data)
    _assert_verified(loose, data)
    assert loose.iterations < tight.iterations
    a = loose.decisions.set_index("element")
    b = tight.decisions.set_index("element")
    assert (a["mode"] == b["mode"]).all()
    active = a["mode"] == "active"
    assert np.allclose(a.loc[active, "setpoint"], b.loc[active, "setpoint"], rtol=0,
                       atol=1e3)
