"""Nomination validation (trunkline.optimize.check_nomination) on GasLib and small networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trunkline.gas import Gas
from trunkline.model import Network
from trunkline.model.gaslib import GasLibData, load_gaslib
from trunkline.model.network import Compressor
from trunkline.optimize import NominationResult, check_nomination, gas_for_gaslib
from trunkline.optimize.nomination import PRESSURE_TOL
from trunkline.solve import solve_steady

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


# GasLib-4197 is not yet found feasible: the relaxed NLP (8,313 variables) does not
# converge within IPOPT's iteration limit from the cold start used here (≈4 min). It is
# left out of the suite rather than kept as an expected failure that could never fail.


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
