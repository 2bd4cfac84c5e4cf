"""Steady network solver: published example, analytic cases and robustness."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trunkline.errors import ConvergenceError, InputError
from trunkline.gas import Gas, IdealGas
from trunkline.model import Network
from trunkline.solve import PipeGeometry, solve_steady, steady_pipe
from trunkline.solve import network as nw

#: Osiadacz (1988) pressures are printed to five significant figures; the issue asks 0.05 %.
OSIADACZ_RTOL = 5e-4
#: Mass balance at every node after convergence [kg/s].
BALANCE_ATOL = 1e-8

GAS = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.015, "carbon dioxide": 0.005})
METHANE = Gas({"methane": 1.0})


def osiadacz_network() -> Network:
    """Osiadacz (1988), Int. J. Systems Sci. 19(11):2395-2405, example 2, case (a).

    Panhandle A as the paper writes it, P1² − P2² = K·Q^1.854 with
    K = 18.43·L/(E²·D^4.854) (L m, D mm, P bar, Q m³/h, E = 0.9).
    """
    net = Network("osiadacz-2a", reference="normal")
    for i in range(1, 11):
        net.add_node(str(i))
    n = 1.854
    for a, b, d, l_km in [(1, 2, 700, 70), (1, 3, 700, 60), (2, 3, 700, 90), (2, 4, 600, 50),
                          (3, 6, 600, 45), (5, 8, 600, 70), (7, 9, 600, 80), (8, 9, 500, 70),
                          (8, 10, 500, 45), (9, 10, 500, 75)]:
        k_paper = 18.43 * l_km * 1e3 / (0.9**2 * d**4.854)  # bar², (m³/h)^n
        k_si = k_paper * 1e10 * 3600**n  # Pa², (m³/s)^n
        net.add_pipe(f"{a}-{b}", str(a), str(b), l_km * 1e3, d / 1e3, flow_law="empirical",
                     k=k_si, n=n)
    net.add_compressor("c4-5", "4", "5", ratio=1.8)
    net.add_compressor("c6-7", "6", "7", ratio=1.4)
    net.set_pressure("1", 50e5)
    rho = METHANE.standard_density("normal")
    for node, q_m3h in {2: 20_000, 3: 20_000, 8: 15_000, 9: 300_000, 10: 45_000}.items():
        net.set_demand(str(node), q_m3h / 3600 * rho)
    return net


def test_osiadacz_1988_example_2a() -> None:
    res = solve_steady(osiadacz_network(), METHANE)
    published = [50, 48.079, 48.742, 42.244, 76.040, 48.482, 67.875, 71.023, 67.545, 69.105]
    for i, p_bar in enumerate(published, start=1):
        assert res.pressure[str(i)] / 1e5 == pytest.approx(p_bar, rel=OSIADACZ_RTOL), i
    assert res.converged and res.iterations < 15


def _balance(res: object, net: Network) -> np.ndarray:
    nodes = res.nodes  # type: ignore[attr-defined]
    edges = res.edges  # type: ignore[attr-defined]
    bal = nodes["injection"].copy()
    for _, e in edges.iterrows():
        bal[e["from_node"]] -= e["mass_flow"]
        bal[e["to_node"]] += e["mass_flow"]
    return bal.to_numpy()


def test_mass_balance_at_every_node() -> None:
    net = osiadacz_network()
    res = solve_steady(net, METHANE)
    assert np.max(np.abs(_balance(res, net))) < BALANCE_ATOL
    # the slack supplies exactly the total demand
    total = -sum(v for v in net.injections.values())
    assert res.nodes.loc["1", "injection"] == pytest.approx(total, rel=1e-10)


def test_network_pipe_matches_single_pipe_march() -> None:
    # Constant Z and viscosity, level, isothermal: the network's integrated pipe law and the
    # marching ODE (acceleration off) solve the same equation.
    ideal = IdealGas(molar_mass=METHANE.molar_mass, viscosity=1.1e-5,
                     gas_constant=8.314472)  # GERG-2008's R, as the network uses
    net = Network("one pipe")
    net.add_node("in")
    net.add_node("out")
    net.add_pipe("p", "in", "out", 60e3, 0.6, 2e-5)
    net.set_pressure("in", 7e6)
    net.set_demand("out", 150.0)
    res = solve_steady(net, METHANE, z=1.0, viscosity=1.1e-5)
    march = steady_pipe(ideal, 7e6, 288.15, 150.0, 60e3, PipeGeometry(0.6, 2e-5),
                        isothermal=True, acceleration=False)
    assert res.pressure["out"] == pytest.approx(march.outlet_pressure, rel=1e-9)


def test_loop_with_two_pressure_fixed_entries_and_reverse_flow() -> None:
    net = Network("loop")
    for n in "ABCD":
        net.add_node(n)
    net.add_pipe("AB", "A", "B", 40e3, 0.5, 2e-5)
    net.add_pipe("BC", "B", "C", 30e3, 0.5, 2e-5)
    net.add_pipe("CD", "C", "D", 40e3, 0.5, 2e-5)
    net.add_pipe("DA", "D", "A", 30e3, 0.5, 2e-5)
    net.add_pipe("BD", "B", "D", 50e3, 0.4, 2e-5)
    net.set_pressure("A", 6.0e6)
    net.set_pressure("C", 5.8e6)  # a second slack
    net.set_demand("B", 20.0)
    net.set_demand("D", 35.0)
    res = solve_steady(net, GAS)
    assert np.max(np.abs(_balance(res, net))) < BALANCE_ATOL
    # DA is defined D → A but carries gas from A to D: a reversed flow
    assert res.flow["DA"] < 0
    # the two slacks together supply the total demand
    slack = res.nodes.loc["A", "injection"] + res.nodes.loc["C", "injection"]
    assert slack == pytest.approx(55.0, rel=1e-10)
    # raising C's pressure turns it into a supplier
    net.set_pressure("C", 6.1e6)
    res2 = solve_steady(net, GAS)
    assert res2.nodes.loc["C", "injection"] > 0 > res.nodes.loc["C", "injection"] - 1e3


def test_zero_flow_pipes_do_not_make_the_jacobian_singular() -> None:
    net = Network("dead end")
    for n in "ABC":
        net.add_node(n)
    net.add_pipe("AB", "A", "B", 10e3, 0.5)
    net.add_pipe("BC", "B", "C", 10e3, 0.5)  # C has no demand: zero flow
    net.set_pressure("A", 5e6)
    net.set_demand("B", 10.0)
    res = solve_steady(net, GAS)
    assert abs(res.flow["BC"]) < 1e-8
    assert res.pressure["C"] == pytest.approx(res.pressure["B"], rel=1e-12)
    # and with no demand at all
    net.set_demand("B", 0.0)
    res0 = solve_steady(net, GAS)
    assert res0.pressure["C"] == pytest.approx(5e6, rel=1e-12)


def test_active_elements_hold_their_setpoints() -> None:
    net = Network("stations")
    for n in ("src", "s", "d", "m", "cv_out", "sink", "v"):
        net.add_node(n)
    net.add_pipe("p1", "src", "s", 80e3, 0.8, 2e-5)
    net.add_compressor("cs", "s", "d", discharge_pressure=8.0e6, polytropic_efficiency=0.84,
                       driver_efficiency=0.35, fuel_from_line=True)
    net.add_pipe("p2", "d", "m", 100e3, 0.8, 2e-5)
    net.add_control_valve("cv", "m", "cv_out", setpoint=4.0e6)
    net.add_resistor("r", "cv_out", "sink", drag_factor=5.0, diameter=0.5)
    net.add_valve("closed", "m", "v", open=False)
    net.set_pressure("src", 6.0e6)
    net.set_demand("sink", 200.0)
    res = solve_steady(net, GAS)
    assert res.pressure["d"] == pytest.approx(8.0e6, rel=1e-12)
    assert res.pressure["cv_out"] == pytest.approx(4.0e6, rel=1e-12)
    assert abs(res.flow["closed"]) < 1e-10
    assert math.isnan(res.pressure["v"])  # cut off by the closed valve: no pressure
    comp = res.compressors.loc["cs"]
    assert comp["shaft_power"] > 0
    # fuel from the line: the source supplies demand + fuel
    assert res.nodes.loc["src", "injection"] == pytest.approx(200.0 + comp["fuel"], rel=1e-8)
    # fuel = shaft power / (driver efficiency · NCV)
    assert comp["fuel"] * 0.35 * GAS.ncv_mass() == pytest.approx(comp["shaft_power"], rel=1e-8)
    # resistor: Δp = ζ ρ v²/2 at the inlet density
    rho = float(GAS.density(4.0e6, res.temperature))
    v = 200.0 / (rho * math.pi * 0.25**2)
    dp = res.pressure["cv_out"] - res.pressure["sink"]
    assert dp == pytest.approx(5.0 * rho * v**2 / 2, rel=1e-6)


def test_ratio_and_suction_setpoints() -> None:
    net = Network("ratio")
    for n in ("a", "b", "c"):
        net.add_node(n)
    net.add_pipe("ab", "a", "b", 50e3, 0.6)
    net.add_compressor("k", "b", "c", ratio=1.4, pressure_loss_in=0.5e5,
                       pressure_loss_out=0.2e5)
    net.set_pressure("a", 5e6)
    net.set_demand("c", 80.0)
    res = solve_steady(net, GAS)
    ps = res.pressure["b"] - 0.5e5
    assert res.pressure["c"] + 0.2e5 == pytest.approx(1.4 * ps, rel=1e-12)
    assert res.compressors.loc["k", "ratio"] == pytest.approx(1.4, rel=1e-12)


def test_an_element_type_of_its_own_is_named_in_tables_and_violations() -> None:
    """A subclass of an element type (a type of its own, no code among the built-in
    ones) is solved as its base type and named by its own name."""
    from dataclasses import dataclass

    from trunkline.model.network import Pipe

    @dataclass(frozen=True)
    class SurveyedPipe(Pipe):
        pass

    net = Network("own type")
    net.add_node("a")
    net.add_node("b")
    net.add_node("c")
    pipe = net.add_pipe("ab", "a", "b", 100e3, 0.3, flow_max=5.0)
    net.add_pipe("bc", "b", "c", 50e3, 0.3)
    fields = {f: getattr(pipe, f) for f in pipe.__dataclass_fields__}
    net.edges["ab"] = SurveyedPipe(**fields)
    net.set_pressure("a", 5e6)
    net.set_demand("c", 10.0)
    res = solve_steady(net, GAS)
    assert list(res.edges["type"]) == ["SurveyedPipe", "Pipe"]
    assert res.violations == ("SurveyedPipe ab: flow 10.000 kg/s outside [-inf, 5.000] kg/s",)


def test_bounds_are_reported() -> None:
    net = Network("bounds")
    net.add_node("a")
    net.add_node("b", p_min=4.9e6)
    net.add_pipe("ab", "a", "b", 100e3, 0.3, flow_max=5.0)
    net.set_pressure("a", 5e6)
    net.set_demand("b", 10.0)
    res = solve_steady(net, GAS)
    assert not res.feasible
    text = " ".join(res.violations)
    assert "node b" in text and "Pipe ab" in text
    # nodes, then elements; the same tuple on every read
    assert res.violations[0].startswith("node b: pressure")
    assert res.violations[1].startswith("Pipe ab: flow 10.000 kg/s outside")
    assert len(res.violations) == 2 and res.violations is res.violations
    # an active element's limits after the bounds; none at all: feasible
    net.add_node("c")
    net.add_compressor("bc", "b", "c", ratio=1.2, max_ratio=1.1)
    res = solve_steady(net, GAS)
    assert not res.feasible and res.violations[-1].startswith("compressor bc: ratio")
    ok = Network("within bounds")
    ok.add_node("a")
    ok.add_node("b", p_min=3.0e6)
    ok.add_pipe("ab", "a", "b", 100e3, 0.3, flow_max=20.0)
    ok.set_pressure("a", 5e6)
    ok.set_demand("b", 10.0)
    res = solve_steady(ok, GAS)
    assert res.feasible and res.violations == ()
    # an element's flow bound alone (checked when feasibility is first read)
    ok.edges["ab"] = replace(ok.edges["ab"], flow_max=5.0)
    res = solve_steady(ok, GAS)
    assert not res.feasible
    assert len(res.violations) == 1 and res.violations[0].startswith("Pipe ab: flow")


def test_elevation_changes_pressure_without_flow() -> None:
    net = Network("hill")
    net.add_node("low", height=0.0)
    net.add_node("high", height=500.0)
    net.add_pipe("up", "low", "high", 5e3, 0.5)
    net.set_pressure("low", 7e6)
    res = solve_steady(net, METHANE, z=1.0)
    # isothermal column, ideal gas: p2 = p1·exp(−g Δh/(R_s T))
    expected = 7e6 * math.exp(-9.80665 * 500 / (METHANE.specific_gas_constant * 288.15))
    assert res.pressure["high"] == pytest.approx(expected, rel=1e-10)


def test_unsolvable_input_is_a_clear_error() -> None:
    net = Network("no slack")
    net.add_node("a")
    net.add_node("b")
    net.add_pipe("ab", "a", "b", 1e3, 0.5)
    with pytest.raises(InputError, match="pressure-fixed"):
        solve_steady(net, GAS)
    net.set_pressure("a", 5e6)
    net.set_demand("b", 5000.0)  # far more than a 0.5 m pipe can carry over 1 km at 50 bar
    with pytest.raises(ConvergenceError, match="not converged") as err:
        solve_steady(net, GAS)
    # and says why: the pipe's friction alone needs more than the supply pressure
    hint = re.search(r"pipe ab cannot pass 5000 kg/s: .* would need ~([\d.]+) bar", str(err.value))
    assert hint is not None and float(hint.group(1)) > 50.0
    # a solve stopped early on a demand the pipe can carry makes no such claim
    net.set_demand("b", 50.0)
    with pytest.raises(ConvergenceError) as early:
        solve_steady(net, GAS, max_iter=1)
    assert "cannot pass" not in str(early.value)


def test_builder_rejects_bad_elements() -> None:
    net = Network()
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(InputError, match="unknown node"):
        net.add_pipe("p", "a", "zz", 1e3, 0.5)
    with pytest.raises(InputError, match="diameter"):
        net.add_pipe("p", "a", "b", 1e3, -0.5)
    with pytest.raises(InputError, match="flow law"):
        net.add_pipe("p", "a", "b", 1e3, 0.5, flow_law="magic")
    with pytest.raises(InputError, match="set-point"):
        net.add_compressor("c", "a", "b", ratio=1.2, discharge_pressure=7e6)
    with pytest.raises(InputError, match="twice"):
        net.add_node("a")


def test_non_isothermal_pipe_matches_the_march() -> None:
    # One level pipe with ground heat exchange: the network's exponential outlet temperature
    # (constant c_p, μ_JT) and pressure against the adaptive march of the full ODE.
    net = Network("warm pipe")
    net.add_node("in")
    net.add_node("out")
    net.add_pipe("p", "in", "out", 120e3, 1.0, 1e-5, heat_transfer_coefficient=2.0,
                 ground_temperature=278.15)
    net.set_pressure("in", 8e6)
    net.set_temperature("in", 313.15)
    net.set_demand("out", 300.0)
    res = solve_steady(net, GAS, isothermal=False, temperature=313.15)
    march = steady_pipe(GAS.surrogate(), 8e6, 313.15, 300.0, 120e3,
                        PipeGeometry(1.0, 1e-5, outside_diameter=1.0,
                                     heat_transfer_coefficient=2.0,
                                     ground_temperature=278.15),
                        acceleration=False)
    t_out = res.nodes.loc["out", "temperature"]
    # the closed form holds c_p and μ_JT at the pipe's mean state: within 0.1 K of the ODE
    assert t_out == pytest.approx(march.outlet_temperature, abs=0.1)
    # each network pipe is isothermal at its mean temperature: for a long pipe cooling by
    # ~25 K this is within 0.15 % of the exact march (split long pipes for more)
    assert res.pressure["out"] == pytest.approx(march.outlet_pressure, rel=1.5e-3)
    assert 278.15 < t_out < 313.15


def test_mixing_and_joule_thomson_across_a_control_valve() -> None:
    net = Network("mix")
    for n in ("hot", "cold", "mix", "low"):
        net.add_node(n)
    net.add_short_pipe("h", "hot", "mix")
    net.add_short_pipe("c", "cold", "mix")
    net.add_control_valve("cv", "mix", "low", setpoint=3e6)
    net.set_pressure("hot", 7e6)
    net.set_temperature("hot", 320.0)
    net.set_flow("cold", 30.0)
    net.set_temperature("cold", 280.0)
    net.set_demand("low", 40.0)
    res = solve_steady(net, GAS, isothermal=False, temperature=300.0)
    nodes = res.nodes
    # the slack supplies 10 kg/s at 320 K; mixing by mass: (10·320 + 30·280)/40 = 290 K
    assert nodes.loc["mix", "temperature"] == pytest.approx(290.0, abs=1e-6)
    # isenthalpic throttling 7 → 3 MPa: h(3 MPa, T_low) = h(7 MPa, 290 K) on the reference
    # EOS (GERG-2008), solved here independently by Newton
    h_in = float(GAS.enthalpy(7e6, 290.0))
    t_exact = 275.0
    for _ in range(20):
        t_exact -= (float(GAS.enthalpy(3e6, t_exact)) - h_in) / float(GAS.cp(3e6, t_exact))
    assert nodes.loc["low", "temperature"] == pytest.approx(t_exact, abs=0.02)
    assert 10.0 < 290.0 - t_exact < 25.0


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], rel=1e-9) for k in a)


def test_repeated_solve_reuses_nothing_stale_after_a_change() -> None:
    """A network solved again after any change (builder calls, replace_edge, direct edits
    of its maps) gives what a fresh copy of it gives; unchanged, the same as before."""
    net = osiadacz_network()
    first = solve_steady(net, METHANE)
    again = solve_steady(net, METHANE)
    assert _same(again.pressure, first.pressure) and _same(again.flow, first.flow)
    changes = [
        lambda n: n.set_demand("9", 70.0),                                  # builder call
        lambda n: n.replace_edge("c4-5", ratio=1.6),                        # element replaced
        lambda n: n.pressures.__setitem__("1", 52e5),                       # map edited
        lambda n: n.injections.pop("10"),
        lambda n: n.add_pipe("2-10", "2", "10", 40e3, 0.5, flow_law="empirical",
                             k=1e7, n=1.854),
    ]
    previous = first
    for change in changes:
        change(net)
        res = solve_steady(net, METHANE)
        fresh = solve_steady(net.copy(), METHANE)
        assert _same(res.pressure, fresh.pressure) and _same(res.flow, fresh.flow)
        assert not _same(res.pressure, previous.pressure)
        previous = res


def test_new_demands_and_supply_pressures_reuse_the_compiled_network() -> None:
    """A sweep of boundary values on the same network object keeps its compiled arrays
    (pattern, Newton-system plans, result labels) and gives what a fresh copy gives."""
    net = osiadacz_network()
    solve_steady(net, METHANE)
    compiled = nw._compile(net)
    plans = compiled.plans
    assert plans  # the Newton systems' plans of the first solve
    for demand, p_supply in ((70.0, 50e5), (55.0, 52e5), (40.0, 48e5)):
        net.set_demand("9", demand)
        net.pressures["1"] = p_supply
        res = solve_steady(net, METHANE)
        fresh = solve_steady(net.copy(), METHANE)
        assert _same(res.pressure, fresh.pressure) and _same(res.flow, fresh.flow)
        assert res.nodes.loc["1", "pressure"] == p_supply
        again = nw._compile(net)
        assert again is not compiled and again.plans is plans  # shared, not rebuilt
        assert again.labels is compiled.labels
    # another node fixed: compiled afresh
    other = next(n for n in net.nodes if n not in net.pressures)
    net.pressures[other] = 45e5
    assert nw._compile(net).plans is not plans


@pytest.mark.skipif(not nw._sparse_lu.AVAILABLE, reason="needs numba (the fast extra)")
def test_a_compiled_network_keeps_its_patterns_in_32_bit_indices() -> None:
    """What a solved network keeps for its next solves is lean: the nodal system's
    ordering, factor structure and places in 32-bit indices (64-bit only past 2³¹
    entries), the entries' rows and columns not kept, the general path's element lists
    not made for a compiled nodal system — nor, where it factorises from its list of
    updates, the ordered pattern of A."""
    net = Network("loops")  # a line of 25 nodes fed at one end, with two loops
    for i in range(25):
        net.add_node(f"n{i}")
        if i:
            net.add_pipe(f"p{i}", f"n{i - 1}", f"n{i}", 5e3, 0.5, roughness=2e-5)
            net.set_demand(f"n{i}", 0.5)
    for i, j in ((3, 10), (12, 20)):
        net.add_pipe(f"p{i}-{j}", f"n{i}", f"n{j}", 5e3, 0.5, roughness=2e-5)
    net.set_pressure("n0", 60e5)
    solve_steady(net, METHANE)
    plans = list(nw._compile(net).plans.values())
    nodal = [p for p in plans if p.nodal() is not None]
    assert nodal
    for plan in nodal:
        sym = plan.symbolic
        assert sym is not None and sym.by_updates  # a gas network's pattern is light
        assert "_pattern" not in vars(plan) and sym.ap is None
        kept = (plan.pos1, plan.pos2, plan.new_pos, *plan.nodal().slots, sym.lp, sym.li,
                sym.targets)
        assert all(arr.dtype == np.int32 for arr in kept)
        assert not hasattr(plan, "rows") and "general" not in vars(plan)
        # the pattern of A, made when asked for (SuperLU's fallback), in 32 bits too
        assert all(arr.dtype == np.int32 for arr in (plan.indptr, plan.indices, plan.slot))
    assert nw._sparse_lu.index_dtype(2**31 - 2) is np.int32
    assert nw._sparse_lu.index_dtype(2**31) is np.int64


def test_a_plans_unordered_matrix_is_its_ordered_one_permuted_back() -> None:
    """The matrix the singular-step fallback regularises (entries in the unknowns' own
    order, made from the element lists when needed) is the ordered matrix the steps
    factorise, permuted back: ordered[new_pos[i], new_pos[j]] = unordered[i, j]."""
    net = osiadacz_network()  # compressors with set-points: the general path
    solve_steady(net, METHANE)
    plans = [p for p in nw._compile(net).plans.values() if p.k0.size]
    assert plans
    rng = np.random.default_rng(3)
    for plan in plans:
        n_entries = plan.slot.size
        vals = rng.normal(size=n_entries)
        unordered = plan.unordered_matrix(vals).toarray()
        ordered = plan.matrix(vals).toarray()
        pos = plan.new_pos
        # (duplicates summed in another order: equal to rounding)
        np.testing.assert_allclose(ordered[np.ix_(pos, pos)], unordered, rtol=1e-14,
                                   atol=1e-14 * np.abs(unordered).max())


def test_new_demand_on_a_cut_off_node_is_an_error_on_a_compiled_network() -> None:
    net = Network("cut off")
    net.add_node("a")
    net.add_node("b")
    net.add_node("c")
    net.add_pipe("ab", "a", "b", 10e3, 0.5)
    net.add_valve("bc", "b", "c", open=False)
    net.set_pressure("a", 50e5)
    net.set_demand("b", 10.0)
    first = solve_steady(net, METHANE)
    assert math.isnan(first.pressure["c"])
    net.set_demand("c", 1.0)
    with pytest.raises(InputError, match="cut off") as err:
        solve_steady(net, METHANE)
    assert "node c" in str(err.value)
    net.set_demand("c", 0.0)
    net.pressures["a"] = 40e5
    res = solve_steady(net, METHANE)
    assert math.isnan(res.pressure["c"]) and res.pressure["a"] == 40e5


def test_concurrent_solves_of_one_network_agree() -> None:
    """Threads solving the same network share its compiled arrays and Newton-system
    plans (as the dashboard's workers may): every solve gives the single-thread result.
    Each round's network is new, so that its first solves race to order the shared
    plans (a plan's inverse permutation was once seen half made by another thread:
    an IndexError in about one round of 25)."""
    from concurrent.futures import ThreadPoolExecutor

    expected = solve_steady(osiadacz_network(), METHANE)
    with ThreadPoolExecutor(4) as pool:
        for _ in range(60):
            net = osiadacz_network()
            results = list(pool.map(solve_steady, [net] * 8, [METHANE] * 8))
            for res in results:
                assert _same(res.pressure, expected.pressure)
                assert _same(res.flow, expected.flow)


@pytest.mark.parametrize("fast", [True, False], ids=["from-arrays", "public"])
def test_tables_are_new_frames_on_every_access(fast: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The node and edge tables share their ids, types and end nodes with the other
    results of the same compiled network: a caller's edits of one frame reach neither
    the next frame nor another result — built by pandas' constructors from arrays, or by
    the public ones (a pandas without the others)."""
    if not fast:
        monkeypatch.setattr(nw, "_SIMPLE_INDEX", None)
        monkeypatch.setattr(nw, "_FRAME_FROM_ARRAYS", None)
    net = osiadacz_network()
    res = solve_steady(net, METHANE)
    other = solve_steady(net, METHANE)
    nodes, edges = res.nodes, res.edges
    assert nodes.index.name == "id" and edges.index.name == "id"
    assert list(nodes.columns) == ["pressure", "temperature", "injection", "fixed_pressure",
                                   "p_min", "p_max", "height"]
    assert list(edges.columns) == ["type", "from_node", "to_node", "mass_flow",
                                   "standard_flow", "p_from", "p_to", "velocity_from",
                                   "velocity_to", "fuel"]
    assert edges.loc["c4-5", "type"] == "Compressor" and edges.loc["1-2", "to_node"] == "2"
    assert edges.loc["1-2", "mass_flow"] == res.flow["1-2"]
    expected = {id(r): (r.nodes, r.edges) for r in (res, other)}
    nodes.loc["2", "pressure"] = 0.0
    nodes.loc["2", "fixed_pressure"] = not nodes.loc["2", "fixed_pressure"]
    nodes["height"] = 1.0
    nodes.index.name = "edited"
    edges.loc["1-2", "type"] = "edited"
    edges.loc["1-2", "from_node"] = "edited"
    edges.loc["1-2", "mass_flow"] = -1.0
    edges.index.name = "edited"
    for r in (res, other):
        assert r.nodes.equals(expected[id(r)][0]) and r.edges.equals(expected[id(r)][1])
        assert r.nodes.index.name == "id" and r.edges.index.name == "id"


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("law", ["colebrook", "prandtl-colebrook"])
def test_pipe_law_in_every_flow_regime(law: str, compiled: bool,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The network's pipe law uses darcy_friction's λ in every regime (laminar, the
    critical-zone blend, turbulent) and its exact ∂/∂q (central differences), from a
    cold start and from the previous evaluation's friction factors; numpy or, with
    numba, the compiled pass."""
    from trunkline.physics.friction import darcy_friction
    from trunkline.solve.network import _compile, _Physics

    if compiled and not nw._colebrook.AVAILABLE:
        pytest.skip("needs numba (the fast extra)")
    monkeypatch.setattr(nw, "COMPILED_PIPE_LAW", compiled)

    mu, t, z = 1.1e-5, 288.15, 0.9

    def z_const(p: np.ndarray, tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full_like(p, z), np.zeros_like(p)

    d, rough, length = 0.2, 2e-5, 5e3
    area = math.pi * d**2 / 4
    # Re from 0 to 1e7 (q = Re·A·μ/D), both directions, 2000 and 4000 included
    re = np.array([0.0, 0.5, 1.0, 500.0, 1999.0, 2000.0, 2500.0, 3000.0, 3999.0, 4000.0,
                   4001.0, 2e4, 1e6, 1e7])
    q = np.concatenate([re, -re[::-1]]) * area * mu / d
    net = Network("regimes")
    net.add_node("s")
    for i in range(q.size):
        net.add_node(f"n{i}")
        net.add_pipe(f"p{i}", "s", f"n{i}", length, d, roughness=rough, flow_law=law)
    net.set_pressure("s", 50e5)
    a = _compile(net)
    ph = _Physics(a, METHANE, t, net.reference, z_const, mu)
    p1, p2 = np.full(q.size, 50e5), np.full(q.size, 48e5)
    for _ in range(2):  # cold, then warm
        r, _, _, _ = ph.pipe_law(p1, p2, q)
        dq = ph.pipe_law(p1, p1, q)[3]
        re_q = np.abs(q) * d / (area * mu)
        # φ = λ·Re; below Re = 1 the laminar limit φ = 64 (darcy_friction floors Re at 1)
        phi = np.where(re_q < 1, 64.0,
                       np.asarray(darcy_friction(re_q, rough / d, law=law)) * re_q)
        f = z * METHANE.specific_gas_constant * t * length * phi * mu * q / (d**2 * area)
        expected = p1**2 - p2**2 - f
        np.testing.assert_allclose(r, expected, rtol=1e-12, atol=1e-12 * 50e5**2)
        h = np.maximum(np.abs(q) * 1e-6, 1e-9)
        # equal end pressures: r = −F, no cancellation against p1² − p2²
        fd = (ph.pipe_law(p1, p1, q + h)[0] - ph.pipe_law(p1, p1, q - h)[0]) / (2 * h)
        kink = np.isin(np.abs(q) * d / (area * mu), [2000.0, 4000.0])  # one-sided there
        np.testing.assert_allclose(dq[~kink], fd[~kink], rtol=1e-7)


def _gaslib_582() -> Network:
    return _gaslib("GasLib-582-v2")


def _gaslib(name: str) -> Network:
    """A shipped GasLib network with its nomination, controls in bypass (every element
    flow eliminated), the largest supply at its p_max as the slack."""
    from trunkline.model.gaslib import apply_nomination, load_gaslib

    net = apply_nomination(load_gaslib(name))
    supply = {n: q for n, q in net.injections.items() if q > 0}
    slack = max(sorted(supply), key=lambda n: supply[n])
    net.injections.pop(slack)
    net.set_pressure(slack, net.nodes[slack].p_max)
    return net


def test_the_linearised_start_leaves_elevation_to_newton() -> None:
    """GasLib-4197 with its heights (506 m apart) and real-gas Z: the linearised start's
    second solve takes each pipe's friction term alone, as its linear rows leave the
    elevation term out (see _linear_start). Newton then converges in 6 iterations; a
    secant of the law's residual, elevation term included, left it 14."""
    res = solve_steady(_gaslib("GasLib-4197"), METHANE)
    assert res.converged and res.iterations <= 8


def _loop_network() -> Network:
    net = Network("loop with a dead end")
    for n in "ABCDE":
        net.add_node(n)
    net.add_pipe("AB", "A", "B", 40e3, 0.5, 2e-5)
    net.add_pipe("BC", "B", "C", 30e3, 0.5, 2e-5)
    net.add_pipe("CD", "C", "D", 40e3, 0.5, 2e-5)
    net.add_pipe("DA", "D", "A", 30e3, 0.5, 2e-5)
    net.add_short_pipe("BD", "B", "D")
    net.add_valve("DE", "D", "E")
    net.set_pressure("A", 6.0e6)
    net.set_pressure("C", 5.8e6)
    net.set_demand("B", 20.0)
    net.set_demand("D", 35.0)
    return net


def test_compiled_friction_pass_equals_the_numpy_one() -> None:
    """The compiled Colebrook-family pass (run uncompiled here, and compiled with numba)
    gives the numpy pipe law's φ, dφ/dRe and Newton starts, cold and warm."""
    from trunkline.solve import _colebrook

    rng = np.random.default_rng(7)
    re = np.concatenate([[0.0, 0.5, 1.0, 1999.0, 2000.0, 3999.0, 4000.0],
                         10 ** rng.uniform(0, 8, 300)])
    net = Network("friction")
    net.add_node("s")
    for i in range(re.size):
        net.add_node(f"n{i}")
        net.add_pipe(f"p{i}", "s", f"n{i}", 1e3, 0.5, roughness=float(rng.uniform(0, 1e-3)),
                     flow_law="prandtl-colebrook")
    net.set_pressure("s", 50e5)
    ph = nw._Physics(nw._compile(net), METHANE, 288.15, net.reference, None, 1.1e-5)
    states = [np.full(re.size, np.nan), np.zeros(re.size), np.zeros(re.size)]
    for step in (1.0, 1.03, 0.5):  # cold, then warm starts from moved Reynolds numbers
        r = re * step
        ph.lam_last, ph.dlam_last, ph.re_last = (x.copy() for x in states)
        phi, dphi = ph._darcy_phi(r, ph.rel_rough_d)
        expected = (phi, dphi, ph.lam_last, ph.dlam_last, ph.re_last)
        for compiled in (False, True) if _colebrook.AVAILABLE else (False,):
            last = [x.copy() for x in states]
            ones = np.ones(r.size)  # Re = |q|·(D/A)/μ with q = Re
            got_phi, got_dphi, bad = _colebrook.colebrook_phi(r, ones, ones, ph.rel_rough_d,
                                                              3.71, *last, compiled=compiled)
            assert bad == -1
            for got, want in zip((got_phi, got_dphi, *last), expected, strict=True):
                np.testing.assert_allclose(got, want, rtol=1e-14, atol=0.0)
        states = [x.copy() for x in expected[2:]]


@pytest.mark.skipif(not nw._sparse_lu.AVAILABLE, reason="needs numba (the fast extra)")
@pytest.mark.parametrize("build", [_gaslib_582, _loop_network])
def test_compiled_lu_and_superlu_give_the_same_state(build: Callable[[], Network],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodal Newton systems are factorised by the compiled LU (numba) or by SuperLU, the
    friction computed compiled or by numpy: the same iterations and state either way, and
    SuperLU takes over a pivot the compiled LU cannot take."""
    net = build()
    monkeypatch.setattr(nw, "COMPILED_LU", True)
    fast = solve_steady(net, METHANE)
    plans = list(nw._compile(net).plans.values())
    assert plans and all(p.symbolic is not None for p in plans)  # the compiled LU ran
    results = [fast]
    monkeypatch.setattr(nw, "COMPILED_LU", False)
    results.append(solve_steady(net.copy(), METHANE))
    monkeypatch.setattr(nw, "COMPILED_PIPE_LAW", False)  # numpy alone
    results.append(solve_steady(net.copy(), METHANE))
    monkeypatch.setattr(nw, "COMPILED_PIPE_LAW", True)
    monkeypatch.setattr(nw, "COMPILED_LU", True)
    monkeypatch.setattr(nw._sparse_lu.SymbolicLU, "factor", lambda self, data: None)
    results.append(solve_steady(net.copy(), METHANE))
    # a fill too heavy for the compiled LU: SuperLU (a new copy: compiled afresh, under
    # this switch)
    monkeypatch.undo()
    monkeypatch.setattr(nw, "COMPILED_LU_MAX_WORK", 0.0)
    heavy = net.copy()
    results.append(solve_steady(heavy, METHANE))
    plans = list(nw._compile(heavy).plans.values())
    assert plans and all(p.symbolic is not None and p.compiled_lu() is None for p in plans)
    for res in results[1:]:
        assert res.iterations == fast.iterations
        assert _same(res.pressure, fast.pressure)
        # flows to what the tolerance fixes: the balances to 1e-10 of the reference flow
        # (q_ref ~ 300 kg/s here), the circulation in loops of lossless elements no better
        off = {k: (res.flow[k], v) for k, v in fast.flow.items()
               if res.flow[k] != pytest.approx(v, rel=1e-7, abs=1e-7)}
        assert not off


def test_compiled_colebrook_stops_where_the_numpy_one_does() -> None:
    from trunkline.physics import friction

    assert nw._colebrook._STEP_RTOL == friction._COLEBROOK_STEP_RTOL


@pytest.mark.skipif(not nw._colebrook.AVAILABLE, reason="needs numba (the fast extra)")
@pytest.mark.parametrize("heights", [False, True])
def test_compiled_pipe_law_equals_numpy(heights: bool, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """The compiled pipe law (mean pressure, friction, residual and derivatives in compiled
    passes) gives the numpy law's values, with and without height differences, in every
    flow direction and regime, with the gas's own Z and viscosity."""
    rng = np.random.default_rng(7)
    net = Network("law")
    n = 200
    for i in range(n + 1):
        net.add_node(f"n{i}", height=float(rng.uniform(0, 800)) if heights else 0.0)
    for i in range(n):
        net.add_pipe(f"p{i}", f"n{i}", f"n{i + 1}", float(rng.uniform(1, 5e4)),
                     float(rng.uniform(0.1, 1.4)), roughness=float(rng.uniform(0, 5e-5)))
    net.set_pressure("n0", 60e5)
    a = nw._compile(net)
    p1 = rng.uniform(20e5, 80e5, n)
    p2 = p1 * rng.uniform(0.9, 1.1, n)
    q = rng.choice([-1.0, 1.0], n) * 10 ** rng.uniform(-8, 3, n)
    got = {}
    for compiled in (False, True):
        monkeypatch.setattr(nw, "COMPILED_PIPE_LAW", compiled)
        ph = nw._Physics(a, METHANE, 288.15, net.reference, None, None)
        # the linearised start's explicit friction (Swamee & Jain) first: its λ is left
        # as the exact law's start, which solves from it what a fresh start solves
        got[compiled, True] = ph.pipe_law(p1, p2, q, explicit=True)
        started = np.isfinite(ph.lam_last)
        assert started.any()
        lam_sj = ph.lam_last.copy()
        got[compiled, False] = ph.pipe_law(p1, p2, q)
        assert not np.allclose(ph.lam_last[started], lam_sj[started], rtol=1e-6)
        fresh = nw._Physics(a, METHANE, 288.15, net.reference, None, None).pipe_law(p1, p2, q)
        for v, w in zip(got[compiled, False], fresh, strict=True):
            np.testing.assert_allclose(v, w, rtol=1e-12, atol=1e-9 * np.abs(w).max())
        # scaled, the residual written into a given array (the solver's residual rows)
        rows = np.empty(n)
        scaled = ph.pipe_law(p1, p2, q, scale=1 / 60e5**2, out=rows)
        assert scaled[0] is rows
        for v, w in zip(scaled, got[compiled, False], strict=True):  # (Halley from λ now)
            np.testing.assert_allclose(v, w / 60e5**2, rtol=1e-13,
                                       atol=1e-15 * np.abs(w / 60e5**2).max())
    for explicit in (True, False):
        for c, n_ in zip(got[True, explicit], got[False, explicit], strict=True):
            np.testing.assert_allclose(c, n_, rtol=1e-12, atol=1e-9 * np.abs(n_).max())
    # Swamee & Jain's friction is within 3 % of Colebrook's: so is the friction term
    f_sj, f_cb = p1**2 - p2**2 - got[True, True][0], p1**2 - p2**2 - got[True, False][0]
    turbulent = np.abs(q) > 1.0
    np.testing.assert_allclose(f_sj[turbulent], f_cb[turbulent], rtol=0.03)


def test_a_start_from_a_previous_result_converges_sooner_to_the_same_state() -> None:
    """A demand sweep on GasLib-582 started from the previous state: the state a cold
    solve gives (pressures; pipe flows — the circulation round loops of lossless valves
    and short pipes is not fixed by the physics, only by where Newton starts), in fewer
    Newton iterations; a start from a copy of the network (the same ids) is taken too."""
    from trunkline.model import Pipe

    net = _gaslib_582()
    base = dict(net.injections)
    previous = solve_steady(net, METHANE)
    for scale in (1.02, 1.05, 0.9):
        net.injections.update({k: v * scale for k, v in base.items()})
        warm = solve_steady(net, METHANE, start=previous)
        cold = solve_steady(net.copy(), METHANE)
        assert _same(warm.pressure, cold.pressure)
        assert all(warm.flow[k] == pytest.approx(v, rel=1e-7, abs=1e-7)
                   for k, v in cold.flow.items() if isinstance(net.edges[k], Pipe))
        assert warm.iterations < cold.iterations
        previous = warm
    again = solve_steady(net.copy(), METHANE, start=previous)
    assert _same(again.pressure, previous.pressure)


def test_a_start_newton_cannot_use_falls_back_to_the_linearised_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    net = osiadacz_network()
    cold = solve_steady(net.copy(), METHANE)
    original = nw._solve_once
    starts: list[bool] = []

    def failing_from_a_start(a, ph, inj, x0, tol, max_iter):  # type: ignore[no-untyped-def]
        starts.append(x0 is not None)
        if x0 is not None:
            raise ConvergenceError("steady network solve", iterations=max_iter, residual=1.0)
        return original(a, ph, inj, x0, tol, max_iter)

    monkeypatch.setattr(nw, "_solve_once", failing_from_a_start)
    res = solve_steady(net, METHANE, start=cold)
    assert starts == [True, False]
    assert _same(res.pressure, cold.pressure)


def test_a_start_from_another_network_is_an_error() -> None:
    other = solve_steady(_loop_network(), METHANE)
    with pytest.raises(InputError, match="start is a result of another network"):
        solve_steady(osiadacz_network(), METHANE, start=other)


def test_result_tables_written_with_units_and_ids(tmp_path: Path) -> None:
    net = Network("two", reference="ISO")
    net.add_node("a")
    net.add_node("b")
    net.add_pipe("ab", "a", "b", 10e3, 0.5)
    net.set_pressure("a", 5e6)
    net.set_demand("b", 10.0)
    res = solve_steady(net, GAS)
    paths = res.write(tmp_path, formats=("csv",))
    assert sorted(p.name for p in paths) == ["compressors.csv", "edges.csv", "nodes.csv",
                                             "summary.json"]
    nodes = pd.read_csv(tmp_path / "nodes.csv", index_col="id")
    assert nodes.loc["b", "pressure [Pa]"] == pytest.approx(res.pressure["b"], rel=1e-15)
    edges = pd.read_csv(tmp_path / "edges.csv", index_col="id")
    # the standard volume flow names its reference condition
    assert edges.loc["ab", "standard_flow [m3/s @ ISO]"] == pytest.approx(
        res.edges.loc["ab", "standard_flow"], rel=1e-15)
    # no compressor: the table's columns, no rows
    comp = pd.read_csv(tmp_path / "compressors.csv")
    assert len(comp) == 0 and "shaft_power [W]" in comp.columns
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] and summary["reference"] == "ISO"
    with pytest.raises(InputError, match="format"):
        res.write(tmp_path / "x", formats=("xlsx",))
