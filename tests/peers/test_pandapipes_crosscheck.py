"""Cross-check with pandapipes: GasLib-40 and GasLib-134, pipes only, same physics.

Every node pressure of trunkline's steady solve must agree with pandapipes' to
:data:`REL_TOL` on the equivalent basis built by ``_pandapipes_build`` (its module
docstring lists, item by item, what is the same in both tools and what is not):

* the same pipes-only network: compressor stations, control valves, valves and
  short pipes are lossless and contracted (the nodes they join merged) in both
  tools; GasLib-40 and GasLib-134 are flat, so elevation plays no part;
* the same boundary conditions: one slack (the entry with the largest nominated
  supply, at its p_max, its injection removed) and the other nominations as mass
  flows, converted once with the instance's norm density;
* the same pipe law, p1² − p2² = λ·Z(p_m)·R_s·T·L/(D·A²)·ṁ|ṁ| with
  p_m = ⅔(p1³ − p2³)/(p1² − p2²), isothermal at 288.15 K, no kinetic term;
* the same R_s: pandapipes' fluid gets ρ_n = p_n/(R_s·T_n) at its own p_n
  (1.01325 bar) and T_n (273.15 K);
* an equivalent Z model: pandapipes' linear Z = 1 + s·p (p absolute, s = −0.0022 1/bar,
  its H-gas law), given to trunkline as ``solve_steady(z=...)`` with ∂Z/∂p;
* the same constant viscosity and friction law (pandapipes "colebrook" =
  trunkline "prandtl-colebrook", "nikuradse" = "nikuradse");
* pandapipes' gauge pressures converted to absolute with its own barometric formula.

What remains different, and stays below the tolerance: pandapipes' Colebrook
Newton stops at an absolute λ step of 1e-4 (its hydraulic solve ignores the
``tolerance_colebrook`` option), trunkline solves Colebrook exactly; trunkline uses
the laminar law below Re = 2000 and a blend up to 4000, pandapipes Colebrook at every
Re (pipes with almost no flow only).

With ``TRUNKLINE_REQUIRE_PEERS`` set (CI's peer run) a missing pandapipes fails the
run; without it the module is skipped when pandapipes is not installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from trunkline.model.gaslib import load_gaslib
from trunkline.solve import NetworkResult

if os.environ.get("TRUNKLINE_REQUIRE_PEERS", "") not in ("", "0"):
    try:
        import pandapipes  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"TRUNKLINE_REQUIRE_PEERS is set but pandapipes does not import: {exc}; "
                    'install the peers extra: pip install -e ".[test,peers]"', pytrace=False)
else:
    pytest.importorskip("pandapipes")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _pandapipes_build as build

#: The issue's acceptance: node pressures agree to 1e-4 relative.
REL_TOL = 1e-4
#: Pipe mass flows agree to 1e-4 of the largest pipe flow (same source as REL_TOL).
FLOW_TOL = 1e-4
#: Pressures below which a solve is suspect (both tools must stay positive).
P_FLOOR = 1e5

CASES = [(name, friction) for name in ("GasLib-40", "GasLib-134")
         for friction in ("prandtl-colebrook", "nikuradse")]


def _solve_both(case: build.PeerCase) -> tuple[NetworkResult, build.PeerNet]:
    res = build.solve_trunkline(case)
    peer = build.build_pandapipes(case)
    build.solve_pandapipes(case, peer)
    assert peer.net.converged
    return res, peer


@pytest.mark.parametrize(("name", "friction"), CASES)
def test_node_pressures_agree(name: str, friction: build.Friction) -> None:
    case = build.build_case(name, build.PeerPhysics(friction=friction))
    assert not case.dropped
    res, peer = _solve_both(case)
    p_tl = res.pressure
    p_pp = build.pandapipes_pressures(peer)
    assert min(p_tl.values()) > P_FLOOR
    assert min(p_pp.values()) > P_FLOOR
    rel = build.relative_differences(case, p_tl, p_pp)
    # every GasLib node is compared, merged ones through the node that stands for them
    assert len(rel) == len(load_gaslib(build.INSTANCES[name]).network.nodes)
    worst = max(rel, key=rel.__getitem__)
    assert rel[worst] <= REL_TOL, f"{name}: node {worst} differs by {rel[worst]:.3g}"


@pytest.mark.parametrize(("name", "friction"), CASES[::2])
def test_pipe_flows_agree(name: str, friction: build.Friction) -> None:
    case = build.build_case(name, build.PeerPhysics(friction=friction))
    res, peer = _solve_both(case)
    pipes = peer.net.pipe["name"].tolist()
    q_pp = peer.net.res_pipe["mdot_from_kg_per_s"].to_numpy(dtype=float)
    q_tl = np.array([res.flow[p] for p in pipes])
    scale = float(np.abs(q_tl).max())
    assert np.max(np.abs(q_tl - q_pp)) <= FLOW_TOL * scale


def test_lossless_elements_as_pipes_agree_too() -> None:
    """The benchmark's build (every node kept, lossless elements as 1 m pipes)."""
    case = build.build_case("GasLib-40", lossless="pipe")
    assert len(case.network.nodes) == 40
    res, peer = _solve_both(case)
    rel = build.relative_differences(case, res.pressure, build.pandapipes_pressures(peer))
    assert max(rel.values()) <= REL_TOL


@pytest.mark.parametrize("name", ["GasLib-40", "GasLib-134"])
def test_the_comparison_detects_a_one_bar_normal_density(name: str) -> None:
    """pandapipes #654: library fluids give ρ_n at 1 bar, the equations use 1.01325 bar.

    Giving pandapipes ρ_n at 1 bar (R_s 1.3 % too high) must fail the comparison:
    the agreement above is not a tolerance too loose to see a real fault.
    """
    case = build.build_case(name, build.PeerPhysics(density_pressure=1e5))
    res, peer = _solve_both(case)
    rel = build.relative_differences(case, res.pressure, build.pandapipes_pressures(peer))
    assert max(rel.values()) > REL_TOL


def test_the_peer_fluid_is_the_z_law_and_gas_constant_given_to_trunkline() -> None:
    from pandapipes.constants import NORMAL_PRESSURE, NORMAL_TEMPERATURE

    # the constants the conversions rely on (bar, K)
    assert pytest.approx(NORMAL_PRESSURE * build.BAR, rel=1e-15) == build.PP_NORMAL_PRESSURE
    assert pytest.approx(NORMAL_TEMPERATURE, rel=1e-15) == build.PP_NORMAL_TEMPERATURE
    case = build.build_case("GasLib-40")
    fluid = build.peer_fluid(case)
    p = np.linspace(1e5, 100e5, 7)
    z_tl, dz_tl = case.physics.z(p, np.full_like(p, case.physics.temperature))
    z_pp = np.asarray(fluid.get_compressibility(p / build.BAR), dtype=float)
    dz_pp = float(np.asarray(fluid.get_der_compressibility()).ravel()[0]) / build.BAR
    np.testing.assert_allclose(z_pp, z_tl, rtol=1e-15)
    np.testing.assert_allclose(dz_tl, dz_pp, rtol=1e-15)
    rho_n = float(np.asarray(fluid.get_density(NORMAL_TEMPERATURE)).ravel()[0])
    r_s_pp = NORMAL_PRESSURE * build.BAR / (rho_n * NORMAL_TEMPERATURE)
    assert r_s_pp == pytest.approx(case.gas.specific_gas_constant, rel=1e-14)
