"""One GasLib instance built identically in trunkline and in pandapipes.

Shared by ``tests/peers/test_pandapipes_crosscheck.py`` and
``benchmarks/bench_vs_pandapipes.py`` (imported by path: test folders have no
``__init__.py``). pandapipes is imported only inside :func:`build_pandapipes` and
:func:`solve_pandapipes`, so this module imports without it.

What is the same in both tools (pandapipes 0.16, read from its source:
``pf/derivative_toolbox.py``, ``pf/derivative_calculation.py``,
``properties/fluids.py``, ``properties/properties_toolbox.py``):

* **Pipe law.** pandapipes' gas branch residual is
  ``p1 − p2 − R_s·Z(p_m)·T·λ·L/(D·A²)·ṁ|ṁ|/(p1 + p2)`` with absolute pressures,
  ``R_s = p_n/(ρ_n·T_n)`` and ``p_m = ⅔(p1³ − p2³)/(p1² − p2²)``; multiplied by
  ``p1 + p2`` it is trunkline's ``p1² − p2² = λ·Z_m·R_s·T·L/(D·A²)·ṁ|ṁ|`` with the
  same mean pressure (``⅔(p1 + p2 − p1·p2/(p1 + p2))`` is the same expression).
  Neither has an acceleration or kinetic-energy term; both include ∂Z/∂p in the
  Jacobian.
* **Gas constant.** pandapipes' ``R_s`` comes from the fluid's normal density at
  ``T_n`` = 273.15 K and ``p_n`` = 1.01325 bar (``pandapipes.constants``). The
  peer fluid built here gets ``ρ_n = p_n/(R_s·T_n)`` with trunkline's ``R_s`` of
  the same gas, so both use one ``R_s`` (ideal gas at normal conditions, as
  pandapipes assumes). pandapipes' library fluids tabulate ρ_n "at 1 bar" while its
  equations use 1.01325 bar (pandapipes issue #654): that 1.3 % error in ``R_s`` is
  avoided, not reproduced.
* **Z.** pandapipes' compressibility is linear, ``Z = 1 + s·p`` with ``p`` the
  absolute pressure in bar (``FluidPropertyLinear``; its H-gas slope is
  −0.0022 1/bar). trunkline gets the same law as a ``z=`` callable with ``s/1e5``
  per Pa and its derivative. Z linear in p is the peer's simplification, not
  trunkline's physics (which is the GERG-2008 surrogate): the option exists for
  this comparison only.
* **Viscosity** constant in both (pandapipes ``FluidPropertyConstant``;
  trunkline ``viscosity=``), Re = |ṁ|·D/(μ·A) in both.
* **Friction.** pandapipes ``"colebrook"`` (divisor 3.71, Newton on λ) is
  trunkline ``"prandtl-colebrook"`` (solved exactly); pandapipes ``"nikuradse"``
  (64/Re + (2 log10(D/k) + 1.14)⁻²) is trunkline ``"nikuradse"``. pandapipes
  stops its Colebrook Newton on λ at an absolute step of 1e-4 (see
  :data:`COLEBROOK_TOLERANCE`); trunkline solves Colebrook exactly. Below
  Re = 4000 trunkline blends to the laminar law and pandapipes does not; that
  changes only pipes that carry (almost) no flow.
* **Temperature** constant: pandapipes in ``mode="hydraulics"`` keeps every
  junction at its ``tfluid_k``; trunkline isothermal at the same T.
* **Pressures.** pandapipes solves gauge pressures against the barometric
  ambient pressure at each junction's height (``p_correction_height_air``);
  they are converted to absolute with that same formula.
* **Elevation** is levelled (all heights 0) unless asked otherwise: pandapipes'
  height term is ``ρ̄·g·Δh`` with an arithmetic-mean density, trunkline's the
  exact isothermal exponential ``e^s`` form. GasLib-40 and GasLib-134 are flat.
* **Boundary conditions.** One pressure-fixed slack: the entry with the largest
  nominated supply, at its ``p_max``, its injection removed; every other nominated
  node a fixed mass flow [kg/s] (GasLib's normal volumes converted with the
  instance's norm density, the same numbers in both tools).
* **Non-pipe elements** (compressor stations, control valves, valves, short pipes,
  resistors) are lossless in both tools. ``lossless="merge"`` contracts them: the
  nodes they join become one node (the pipes-only networks of the cross-check).
  ``lossless="keep"`` keeps every node: a trunkline short pipe and a pandapipes open
  valve with loss coefficient 0 (the benchmark's "fixed controls": stations in
  bypass, control valves and valves open). Resistors are lossless in both modes:
  pandapipes' lumped loss uses the mean density of the two ends, trunkline's the
  upstream density.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from trunkline.gas import Gas
from trunkline.model.gaslib import apply_nomination, load_gaslib
from trunkline.model.network import Network, Pipe
from trunkline.solve import NetworkResult, solve_steady

FloatArray = npt.NDArray[np.float64]

BAR: Final = 1e5
#: pandapipes.constants.NORMAL_PRESSURE (1.01325 bar) and NORMAL_TEMPERATURE.
PP_NORMAL_PRESSURE: Final = 1.01325e5
PP_NORMAL_TEMPERATURE: Final = 273.15
#: pandapipes' H-gas compressibility slope [1/bar] (properties/hgas/compressibility.txt).
HGAS_Z_SLOPE_PER_BAR: Final = -0.0022
#: Absolute Newton tolerance on λ asked of pandapipes' Colebrook solve. pandapipes 0.16
#: documents the options ``tolerance_colebrook`` and ``max_iter_colebrook`` but its
#: hydraulic derivatives (``component_toolbox.get_hydraulic_options``) do not pass them
#: on, so its Colebrook Newton stops at its built-in 1e-4 whatever is asked: λ is then
#: off by up to ~3e-5 relative (seen on GasLib-40), which moves pressures by ~2e-8.
COLEBROOK_TOLERANCE: Final = 1e-12
#: pandapipes' Newton stops when the largest pressure step [bar] and mass-flow step
#: [kg/s] are below these and the largest residual below TOL_RES; Newton converges
#: quadratically, so the last step bounds the error of the previous iterate and the
#: result is far closer. 1e-9 bar is 1e-4 Pa.
PP_TOL_P: Final = 1e-9
PP_TOL_M: Final = 1e-9
PP_TOL_RES: Final = 1e-8
PP_MAX_ITER: Final = 100
#: pandapipes name of each trunkline friction law.
PP_FRICTION: Final = {"prandtl-colebrook": "colebrook", "nikuradse": "nikuradse"}

Friction = Literal["prandtl-colebrook", "nikuradse"]
Lossless = Literal["merge", "keep", "pipe"]
#: A lossless element as a pipe (``lossless="pipe"``): 1 m long, 1 m wide, 0.01 mm rough.
#: At 300 kg/s and 60 bar its pressure drop is ~10 Pa (2e-6 relative), the same in both.
LINK_LENGTH: Final = 1.0
LINK_DIAMETER: Final = 1.0
LINK_ROUGHNESS: Final = 1e-5

#: Packaged GasLib instance of each short name.
INSTANCES: Final = {
    "GasLib-40": "GasLib-40",
    "GasLib-134": "GasLib-134-v2",
    "GasLib-582": "GasLib-582-v2",
    "GasLib-4197": "GasLib-4197",
}


@dataclass(frozen=True)
class PeerPhysics:
    """The physics both tools are given.

    Attributes:
        temperature: isothermal gas temperature [K].
        z_slope: Z = 1 + z_slope·p, p absolute [Pa] (pandapipes' linear law).
        viscosity: constant dynamic viscosity [Pa·s].
        friction: trunkline flow law (see :data:`PP_FRICTION`).
        density_pressure: pressure [Pa] at which the peer fluid's normal density is
            computed. The default, pandapipes' own p_n, makes R_s equal in both
            tools; 1e5 reproduces the library fluids' "ρ_n at 1 bar" (pandapipes
            issue #654), for showing that the comparison detects it.
    """

    temperature: float = 288.15
    z_slope: float = HGAS_Z_SLOPE_PER_BAR / BAR
    viscosity: float = 1.1e-5
    friction: Friction = "prandtl-colebrook"
    density_pressure: float = PP_NORMAL_PRESSURE

    def z(self, p: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Z and ∂Z/∂p of pandapipes' linear compressibility, for ``solve_steady(z=...)``."""
        return 1.0 + self.z_slope * p, np.full_like(p, self.z_slope)


@dataclass(frozen=True)
class PeerCase:
    """A network ready for both tools.

    Attributes:
        name: short instance name, e.g. "GasLib-40".
        network: the trunkline network with its boundary conditions.
        gas: the gas (its molar mass gives R_s to both tools).
        physics: what both tools are given.
        slack: the pressure-fixed node.
        members: every GasLib node id → the node of ``network`` that stands for it
            (itself unless merged).
        dropped: pipes dropped because both ends merged into one node.
    """

    name: str
    network: Network
    gas: Gas
    physics: PeerPhysics
    slack: str
    members: Mapping[str, str]
    dropped: tuple[str, ...] = ()


def gas_of_molar_mass(molar_mass: float) -> Gas:
    """A methane-ethane gas with the given molar mass [kg/mol] (GasLib's mean)."""
    m1 = Gas({"methane": 1.0}).molar_mass
    m2 = Gas({"ethane": 1.0}).molar_mass
    x = min(max((molar_mass - m1) / (m2 - m1), 0.0), 0.5)
    return Gas({"methane": 1.0 - x, "ethane": x})


def _groups(node_ids: list[str], links: list[tuple[str, str]]) -> dict[str, str]:
    """Union-find: node → the smallest id of its group of linked nodes."""
    parent = {n: n for n in node_ids}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in node_ids}


def build_case(name: str, physics: PeerPhysics | None = None, *, lossless: Lossless = "merge",
               level_heights: bool = True) -> PeerCase:
    """The trunkline side of a GasLib instance (``name`` a key of :data:`INSTANCES`)."""
    ph = physics if physics is not None else PeerPhysics()
    data = load_gaslib(INSTANCES[name], flow_law=ph.friction)
    src = apply_nomination(data)
    supply = {n: q for n, q in src.injections.items() if q > 0}
    slack = max(sorted(supply), key=lambda n: supply[n])
    p_slack = src.nodes[slack].p_max
    if not math.isfinite(p_slack):
        raise ValueError(f"{name}: slack {slack} has no finite p_max")
    node_ids = list(src.nodes)
    pipes = [e for e in src.edges.values() if isinstance(e, Pipe)]
    others = [e for e in src.edges.values() if not isinstance(e, Pipe)]
    if lossless == "merge":
        rep = _groups(node_ids, [(e.from_node, e.to_node) for e in others])
        rep_slack = rep[slack]
        # the slack stands for its group, so its id survives
        rep = {n: (slack if r == rep_slack else r) for n, r in rep.items()}
    else:
        rep = {n: n for n in node_ids}
    net = Network(name=name, reference=src.reference)
    for n in node_ids:
        if rep[n] == n:
            node = src.nodes[n]
            net.add_node(n, kind=node.kind, height=0.0 if level_heights else node.height,
                         p_min=node.p_min, p_max=node.p_max)
    dropped: list[str] = []
    for e in pipes:
        a, b = rep[e.from_node], rep[e.to_node]
        if a == b:
            dropped.append(e.id)
            continue
        net.add_pipe(e.id, a, b, e.length, e.diameter, e.roughness, ph.friction)
    for link in others:
        if lossless == "keep":
            net.add_short_pipe(link.id, link.from_node, link.to_node)
        elif lossless == "pipe":
            net.add_pipe(link.id, link.from_node, link.to_node, LINK_LENGTH, LINK_DIAMETER,
                         LINK_ROUGHNESS, ph.friction)
    inj: dict[str, float] = {}
    for n, q in src.injections.items():
        if n != slack:
            inj[rep[n]] = inj.get(rep[n], 0.0) + q
    for n, q in inj.items():
        if n != rep[slack]:
            net.set_flow(n, q)
    net.set_pressure(rep[slack], p_slack)
    gas = gas_of_molar_mass(data.molar_mass if data.molar_mass else 0.0175)
    return PeerCase(name, net, gas, ph, rep[slack], rep, tuple(dropped))


def solve_trunkline(case: PeerCase) -> NetworkResult:
    """trunkline's steady solve with the peer physics."""
    ph = case.physics
    return solve_steady(case.network, case.gas, temperature=ph.temperature, z=ph.z,
                        viscosity=ph.viscosity)


# -- pandapipes ----------------------------------------------------------------------
def ambient_pressure(height: FloatArray) -> FloatArray:
    """pandapipes' barometric ambient pressure [Pa] (``p_correction_height_air``)."""
    from pandapipes.component_models.component_toolbox import p_correction_height_air

    return np.asarray(p_correction_height_air(np.asarray(height, dtype=float))) * BAR


def normal_density(gas: Gas, pressure: float = PP_NORMAL_PRESSURE) -> float:
    """ρ_n [kg/m³] of the ideal gas at (``pressure``, T_n): at pandapipes' p_n it gives
    pandapipes trunkline's R_s."""
    return pressure / (gas.specific_gas_constant * PP_NORMAL_TEMPERATURE)


def peer_fluid(case: PeerCase) -> Any:
    """A pandapipes gas with constant ρ_n, μ and the linear Z of ``case.physics``."""
    from pandapipes.properties.fluids import Fluid, FluidPropertyConstant, FluidPropertyLinear

    ph = case.physics
    slope_bar = ph.z_slope * BAR
    return Fluid(
        "trunkline-peer", "gas",
        density=FluidPropertyConstant(normal_density(case.gas, ph.density_pressure)),
        viscosity=FluidPropertyConstant(ph.viscosity),
        heat_capacity=FluidPropertyConstant(2200.0),
        molar_mass=FluidPropertyConstant(case.gas.molar_mass * 1e3),
        compressibility=FluidPropertyLinear(slope_bar, 1.0),
        der_compressibility=FluidPropertyConstant(slope_bar),
    )


@dataclass
class PeerNet:
    """A pandapipes net and the trunkline node id of each junction index."""

    net: Any
    junction: dict[str, int]
    heights: FloatArray


def build_pandapipes(case: PeerCase) -> PeerNet:
    """The same network in pandapipes: junctions, pipes, open valves, sources, sinks."""
    import pandapipes as pp

    tl = case.network
    ph = case.physics
    ids = list(tl.nodes)
    idx = {n: i for i, n in enumerate(ids)}
    heights = np.array([tl.nodes[n].height for n in ids])
    p_slack = tl.pressures[case.slack]
    pamb = ambient_pressure(heights)
    net = pp.create_empty_network(case.name, fluid=peer_fluid(case), add_stdtypes=False)
    pp.create_junctions(net, len(ids), pn_bar=(p_slack - pamb[idx[case.slack]]) / BAR,
                        tfluid_k=ph.temperature, height_m=heights, name=ids,
                        index=np.arange(len(ids)))
    pipes = [e for e in tl.edges.values() if isinstance(e, Pipe)]
    if pipes:
        pp.create_pipes_from_parameters(
            net, [idx[e.from_node] for e in pipes], [idx[e.to_node] for e in pipes],
            length_km=np.array([e.length for e in pipes]) / 1e3,
            inner_diameter_mm=np.array([e.diameter for e in pipes]) * 1e3,
            k_mm=np.array([e.roughness for e in pipes]) * 1e3, sections=1,
            name=[e.id for e in pipes])
    links = [e for e in tl.edges.values() if not isinstance(e, Pipe)]
    if links:
        # lossless: loss coefficient 0 (the diameter only sets pandapipes' start flow)
        pp.create_valves(net, [idx[e.from_node] for e in links], [idx[e.to_node] for e in links],
                         et="ju", inner_diameter_mm=1000.0, opened=True, loss_coefficient=0.0,
                         name=[e.id for e in links])
    sources = [(n, q) for n, q in tl.injections.items() if q > 0 and n not in tl.pressures]
    sinks = [(n, -q) for n, q in tl.injections.items() if q < 0 and n not in tl.pressures]
    if sources:
        pp.create_sources(net, [idx[n] for n, _ in sources], [q for _, q in sources],
                          name=[n for n, _ in sources])
    if sinks:
        pp.create_sinks(net, [idx[n] for n, _ in sinks], [q for _, q in sinks],
                        name=[n for n, _ in sinks])
    for n, p in tl.pressures.items():
        pp.create_ext_grid(net, idx[n], p_bar=(p - pamb[idx[n]]) / BAR, t_k=ph.temperature,
                           name=n)
    return PeerNet(net, idx, heights)


def pipeflow_options(case: PeerCase, *, use_numba: bool = True,
                     tol_m: float = PP_TOL_M) -> dict[str, Any]:
    """pandapipes pipeflow options for the comparison (hydraulics, tight tolerances)."""
    return {
        "mode": "hydraulics", "friction_model": PP_FRICTION[case.physics.friction],
        "tol_p": PP_TOL_P, "tol_m": tol_m, "tol_res": PP_TOL_RES,
        "max_iter_hyd": PP_MAX_ITER, "max_iter_colebrook": 100,
        "tolerance_colebrook": COLEBROOK_TOLERANCE, "use_numba": use_numba,
    }


def solve_pandapipes(case: PeerCase, peer: PeerNet, *, use_numba: bool = True,
                     tol_m: float = PP_TOL_M) -> None:
    """Run pandapipes' pipeflow on ``peer.net`` (results in its ``res_*`` tables)."""
    import pandapipes as pp

    pp.pipeflow(peer.net, **pipeflow_options(case, use_numba=use_numba, tol_m=tol_m))


def pandapipes_pressures(peer: PeerNet) -> dict[str, float]:
    """Absolute junction pressures [Pa] by trunkline node id."""
    gauge = peer.net.res_junction["p_bar"].to_numpy(dtype=float) * BAR
    p = gauge + ambient_pressure(peer.heights)
    return {n: float(p[i]) for n, i in peer.junction.items()}


def relative_differences(case: PeerCase, tl: Mapping[str, float],
                         pp: Mapping[str, float]) -> dict[str, float]:
    """|p_trunkline − p_pandapipes|/p_trunkline for every GasLib node."""
    return {n: abs(tl[r] - pp[r]) / tl[r] for n, r in case.members.items()}
