r"""Nomination validation: settings of the active elements that make a nomination feasible.

:func:`check_nomination` answers the question of Pfetsch et al. (2015, "Validation
of nominations in gas network optimization", *Optim. Methods Softw.* 30(1)): given
the injections of every entry and exit, are there settings of the compressors,
control valves and valves such that every pressure and flow bound holds? The answer
is *feasible* with an operating point that the steady solver
(:func:`trunkline.solve.solve_steady`) re-simulates within every bound, or
*infeasible* with the bounds that the best point found still violates.

Strategy (relax, round, re-solve, verify):

1. **Continuous model (casadi + IPOPT).** Variables: the pressures (one per group
   of nodes joined by short pipes), the element mass flows and the injections of
   nodes whose nomination is a range. Constraints: the mass balance at every node
   (every nominated node is flow-fixed; no node is pressure-fixed unless the
   network fixes it and the nomination leaves it out; one redundant balance row per
   connected part is dropped), the isothermal pipe law of the steady solver

   .. math::

      p_1^2 - e^{s} p_2^2 = K\,q\sqrt{q^2+\varepsilon^2},\qquad
      K = \frac{\lambda(Re)\,Z_m R_s T\,L_e}{D A^2\,\eta^2}

   with λ and Z_m (and the elevation term s) *frozen* per pass and updated from
   the pass's solution (up to :data:`MAX_PASSES` passes reach the fixed point,
   which is the solver's law up to the ε = 1e-3 kg/s regularisation), resistors
   Δp = ζ q√(q²+ε²)/(2ρ_u A²) with the upstream density frozen alike, node pressure
   bounds (tightened by the pipes' ``p_max`` and by :data:`PRESSURE_MARGIN`) and
   element flow bounds. The first pass starts from the flows of a linear
   (electrical) analogue of the network.
2. **Relaxation of the discrete decisions.** Every mode is a choice of bounds on
   the same constraint rows, so one IPOPT problem serves every stage:

   * a compressor is *relaxed* to its active region: (p_to + loss_out) ≥
     (p_from − loss_in) (ratio ≥ 1), ratio ≤ ``max_ratio``, suction
     (p_from − loss_in) ≥ ``p_in_min``, discharge (p_to + loss_out) ≤
     ``p_out_max``, power ≤ ``max_power`` (ideal-gas polytropic estimate, 3 %
     margin); where its flow bounds allow reverse flow, the complementarity
     max(−q, 0)·Δp = 0 (reverse flow only in bypass) is imposed as
     |max(−q, 0)·Δp| ≤ τ;
   * a control valve is relaxed to 0 ≤ p_from − p_to ≤ ``dp_max``, p_from ≥
     ``p_in_min``, p_to ≤ ``p_out_max`` (bounds on its nodes), with
     −q·Δp ≤ τ where reverse flow is allowed;
   * valves are free: each valve's pressure difference and flow are tied by the
     complementarity |q·Δp| ≤ τ (open or closed). If no point verifies this way,
     a second stage keeps every valve open.

   τ is tightened 1e20 → 1e-3 → 1e-6 (scaled units: MPa times the throughput),
   warm-starting each solve from the last (Scholtes' regularisation of the
   complementarity constraints; a warm solve whose point only starts a further one
   stops at :data:`_LOOSE_TOL`, see :func:`_iterate`); if a tightening fails, or the
   point was solved by the quasi-Newton fallback below only, the last point solved is
   rounded. A solve that fails with IPOPT's exact Hessian is retried cold, then with a
   limited-memory BFGS Hessian (on GasLib-4197 the exact-Hessian solve from the
   cold start stays in IPOPT's restoration phase). Around a loop of
   Δp = 0 ties (open valves, bypassed stations) one tie follows from the others;
   only a spanning forest of them is imposed, so the Jacobian keeps full rank. A
   reverse-flow bound of a control valve or compressor below
   :data:`_REVERSE_MIN` is a numerical zero and taken as 0. The objective is Σ (compressor Δp)² +
   0.1·Σ (control-valve Δp)²: the least pressure manipulation that is feasible,
   which brings unneeded stations to Δp = 0 (bypass) and makes the point unique.
3. **Rounding.** Of each complementarity pair the member smaller in scaled units is
   taken as zero: valve open (Δp ≈ 0) or closed (q ≈ 0). Compressors and control
   valves with |Δp| ≤ :data:`BYPASS_DP`, or reverse flow, → bypass; with no flow
   and a pressure difference → closed; otherwise active with the found outlet
   pressure as set-point (compressor: ``discharge_pressure`` = p_to; control
   valve: ``setpoint`` = p_to). A control valve whose drop lies between 0 and its
   minimum active drop (station losses + ``dp_min``) is rounded to the nearer mode.
   The problem is then re-solved with every mode fixed (the set-points stay free),
   warm-started from the relaxed solve's multipliers: the same rows under tighter
   bounds (GasLib-582: 6 instead of 23 iterations for its first pass).
   Loops of lossless elements (short pipes, open valves, bypassed stations) carry
   any circulation, and the steady solver splits flow over them evenly: along each
   such loop the circulation that brings one valve or station to zero flow within
   every flow bound is added and that element closed, so that the split is unique
   and the simulation meets the same one-directional flow bounds.
4. **Verification.** The network with the decided modes and set-points is solved
   by :func:`~trunkline.solve.solve_steady` (same gas and temperature). Every
   part of the network not given its pressure by an active element or a
   pressure-fixed node gets one pressure-fixed node (its largest entry) at the NLP
   pressure — also a node cut off by closed elements — and that node's injection
   must come out equal to its nomination (:data:`FLOW_TOL`, at least ε). Of
   several active elements whose outlets share one pressure (parallel regulators,
   outlets tied by lossless elements) one keeps its set-point and the others are
   closed: a simulation cannot fix one pressure twice. Active elements on a directed loop
   through the parts they join (a station with a regulator round it) leave the flow
   round the loop open: between outlets tied by lossless elements the one with the
   least flow is closed, otherwise their inlets keep the NLP pressure (their
   injections are checked). The point is feasible when the simulation reports no
   violation and the checks that the solver does not make hold (pipe ``p_max``;
   control valve inlet/outlet bounds and minimum drop with station losses;
   nominated injections). If the simulation misses, the coefficients are refreshed
   and the fixed-mode problem re-solved (twice at most).
5. **Combined decisions.** If the first stage does not verify and the GasLib data
   has ``.cdf`` groups with several allowed decisions, one decision per group is
   chosen (most compressor stations open first: an open station may also run in
   bypass) and the *elastic* problem below is solved with those modes and flow
   directions, from the linear-analogue start: with its pressure and flow bounds
   softened by slacks IPOPT solves it from that start, where its run on the plain
   problem does not leave the restoration phase (GasLib-4197). A point whose slacks
   are all below half the pressure margin is rounded — and, if the modes so fixed
   leave a slack, rounded again with every control valve whose drop lies between
   bypass and its least active drop taken as active — then re-solved with the modes
   fixed and verified as in steps 3-4. Up to :data:`MAX_DECISION_COMBINATIONS`
   combinations are tried, in order of their decisions' ranks, before the "valves
   open" stage.
6. **Infeasible.** If no stage verifies, an *elastic* problem (every pressure and
   flow bound relaxed by a slack, Σ slacks minimised) gives the least-violating
   point; it is rounded and simulated like the others and its violated bounds are
   reported. A nomination that does not balance (beyond :data:`BALANCE_TOL`) is
   infeasible at once.

No mixed-integer solver is used: every discrete decision is taken by relaxation and
rounding and checked by the simulation, so a "feasible" answer is always certified,
while an "infeasible" answer is the best this heuristic found (not a proof).

Combined decisions (``.cdf``): a decision group with a single allowed decision is
an operating rule and fixes its elements' modes and flow directions (GasLib-4197:
407 valves, 27 control valves and one compressor station); groups with several
allowed decisions are relaxed like the other elements in steps 1-4 and decided in
step 5.

Modelling notes: GasLib's "internal bypass required" flag is not enforced (every
control valve and compressor may be put in bypass), nor are its compressor
characteristic maps (a compressor is bounded by its ratio, suction, discharge and
power limits only). GasLib's fixed-loss ("linear")
resistors are short pipes in trunkline's reader and so lossless here. Pipes need a
Darcy friction law (Colebrook, Prandtl-Colebrook, Nikuradse, Hofer, smooth).
"""

from __future__ import annotations

import importlib
import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components

from trunkline.errors import ConvergenceError, InputError
from trunkline.gas import Gas
from trunkline.gas.viscosity import lee_gonzalez_eakin
from trunkline.model.gaslib import DecisionState, GasLibData, apply_nomination, load_gaslib
from trunkline.model.gaslib import gaslib_gas as gas_for_gaslib
from trunkline.model.line import GRAVITY
from trunkline.model.network import (
    Compressor,
    ControlValve,
    Edge,
    Network,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.model.network_file import NetworkScenario
from trunkline.physics.friction import darcy_friction
from trunkline.solve.network import NetworkResult, solve_steady

__all__ = [
    "BALANCE_TOL",
    "BINDING_FLOW",
    "BINDING_PRESSURE",
    "BYPASS_DP",
    "FLOW_TOL",
    "PRESSURE_MARGIN",
    "PRESSURE_TOL",
    "NominationResult",
    "check_nomination",
    "gas_for_gaslib",
]

# casadi ships without type information: bind it through importlib (typed Any).
_CA: Any = importlib.import_module("casadi")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Tolerance [Pa] on pressure bounds in the checks made here (1e-3 bar); the steady
#: solver's own ``violations`` use 1 Pa.
PRESSURE_TOL: Final = 100.0
#: Relative tolerance on flows: flow bounds and nominated injections of the
#: pressure-fixed nodes of the verifying simulation (times max(1 kg/s, |value|)).
FLOW_TOL: Final = 1e-6
#: A nomination whose injections miss balance by at most this fraction of the
#: throughput (half the sum of |injection|) is balanced by spreading the mismatch over
#: the nominated nodes in proportion to |injection| (GasLib files round their flows).
BALANCE_TOL: Final = 1e-5
#: The NLP keeps pressures this far inside their bounds [Pa] (0.005 bar), so that the
#: re-simulated point stays inside them; flows keep FLOW_TOL·max(1, |bound|) inside.
PRESSURE_MARGIN: Final = 500.0
#: A pressure bound is reported as binding when the simulated value is within this
#: distance [Pa] of it (0.01 bar; larger than PRESSURE_MARGIN).
BINDING_PRESSURE: Final = 1000.0
#: A flow bound is binding within this fraction of max(1 kg/s, |bound|).
BINDING_FLOW: Final = 1e-3
#: |p_from − p_to| [Pa] below which a compressor or control valve is put in bypass
#: and a relaxed valve is opened.
BYPASS_DP: Final = 100.0
#: Combinations of decisions of the ``.cdf``'s multi-decision groups tried at most.
MAX_DECISION_COMBINATIONS: Final = 3
#: Outer passes (frozen friction factors and Z updated) per stage.
MAX_PASSES: Final = 4
#: Lowest pressure any node may take in the NLP [Pa] (the gas surrogate's range).
P_FLOOR: Final = 1.0e5
_P_S: Final = 1.0e6  # pressure scale of the NLP [Pa]
#: Largest slack (scaled units: MPa, flow / reference flow) of an elastic point taken
#: as within the bounds: half the pressure margin (the simulation decides).
_SLACK_TOL: Final = 0.5 * PRESSURE_MARGIN / _P_S
_EPS: Final = 1e-3  # regularisation of q|q| as q·√(q² + ε²) [kg/s]
_EPS_C: Final = 1e-6  # regularisation of max(−q, 0) in the compressors' complementarity
#: Relaxation schedule τ of the complementarity constraints |q·Δp| <= τ (scaled units:
#: MPa times the reference flow) of relaxed valves and reverse-flow stations. Three
#: stages (unrelaxed, 1e-3, 1e-6): on the shipped GasLib instances the middle stages of
#: a finer schedule (1e-2, 1e-4) cost IPOPT iterations without changing what is found.
_TAUS: Final = (1e20, 1e-3, 1e-6)
#: Stopping tolerance of IPOPT's loose solves (see _Model.solve): scaled units, MPa and
#: reference flows, so 10 Pa.
_LOOSE_TOL: Final = 1e-5
_REVERSE_MIN: Final = 1e-2  # reverse-flow bounds [kg/s] taken as zero (see _Model)
_RE_FLOOR: Final = 4000.0  # Reynolds number floor of the frozen friction factor
_INF: Final = math.inf
_IPOPT_OK: Final = ("Solve_Succeeded", "Solved_To_Acceptable_Level")
_DARCY: Final = ("colebrook", "prandtl-colebrook", "nikuradse", "hofer", "smooth")
#: Molar masses [kg/mol] and gross calorific values [J/m³, normal] of the components
#: of gas_for_gaslib's mixture are taken from trunkline.gas (ISO 6976).


# -- result ----------------------------------------------------------------------------
@dataclass(frozen=True)
class NominationResult:
    """Outcome of :func:`check_nomination`.

    Attributes:
        feasible: True when the operating point was verified by the steady solver.
        network: a copy of the network with the decided modes and set-points, the
            nominated injections and the pressure-fixed nodes of the verification.
        simulation: the verifying steady state (None if the solver failed).
        decisions: one row per valve, control valve and compressor: ``element``,
            ``type``, ``mode`` ("open"/"closed" for valves, "active"/"bypass"/"closed"
            otherwise), ``setpoint`` [Pa] (outlet pressure of an active element, else
            NaN), ``flow`` [kg/s], ``p_from``, ``p_to`` [Pa].
        binding: bounds within BINDING_PRESSURE / BINDING_FLOW of being active, in words.
        violated: bounds that do not hold at the simulated point, in words (empty
            when feasible).
        solver_status: IPOPT's return status of the last NLP solved.
        iterations: IPOPT iterations over every NLP solved.
        seconds: wall time of the check.
        strategy_log: the stages tried and what each gave, in words.
        gas: the gas of the check (and of its verifying simulation).
        temperature: the isothermal gas temperature of the check [K].
    """

    feasible: bool
    network: Network
    simulation: NetworkResult | None
    decisions: pd.DataFrame
    binding: list[str]
    violated: list[str]
    solver_status: str
    iterations: int
    seconds: float
    strategy_log: list[str] = field(default_factory=list)
    gas: Gas | None = None
    temperature: float = math.nan

    def scenario(self, name: str | None = None, title: str = "") -> NetworkScenario:
        """The decided network with the check's gas and temperature as a network scenario:
        :func:`trunkline.write_network_scenario` writes it, and solving it gives the
        verifying simulation again (``trunkline gaslib check --out``)."""
        if self.gas is None:
            raise InputError("the check ended before it chose a gas", element="nomination",
                             field="gas", expected="a result of check_nomination")
        name = name or self.network.name
        return NetworkScenario(name, title or name, self.network, self.gas, self.temperature)


def _gaslib_temperature(data: GasLibData) -> float:
    """Gas temperature [K] of a GasLib instance: the scenario's, else the sources' mean."""
    for key in ("gasTemperature", "scenarioTemperature"):
        v = data.scenario_info.get(key)
        if isinstance(v, float):
            return v
    temps = [n.temperature for n in data.network.nodes.values()
             if n.kind == "entry" and n.temperature is not None]
    return float(np.mean(temps)) if temps else 288.15


# -- the NLP ---------------------------------------------------------------------------
_VALVE_MODES: Final = ("open", "closed", "relaxed")
_ACTIVE_MODES: Final = ("active", "bypass", "closed", "relaxed")


class _Model:
    """Arrays of the network and the casadi/IPOPT problem over them."""

    def __init__(self, net: Network, gas: Gas, t: float, inj_fixed: FloatArray,
                 free_inj: list[tuple[int, float, float]], p_fixed: dict[int, float],
                 q_ref: float, elastic: bool = False) -> None:
        self.net = net
        self.gas = gas
        self.t = t
        self.node_ids = list(net.nodes)
        self.idx = {n: i for i, n in enumerate(self.node_ids)}
        nn = len(self.node_ids)
        self.edges: list[Edge] = list(net.edges.values())
        ne = len(self.edges)
        self.nn, self.ne = nn, ne
        self.fr = np.array([self.idx[e.from_node] for e in self.edges], dtype=np.intp)
        self.to = np.array([self.idx[e.to_node] for e in self.edges], dtype=np.intp)
        self.inj_fixed = inj_fixed
        self.free_inj = free_inj
        self.nw = len(free_inj)
        self.p_fixed = p_fixed
        self.q_s = q_ref
        self.elastic = elastic

        def of(kind: type[Edge]) -> IntArray:
            return np.array([k for k, e in enumerate(self.edges) if type(e) is kind],
                            dtype=np.intp)

        self.ip, self.ir, self.isp = of(Pipe), of(Resistor), of(ShortPipe)
        self.iv, self.icv, self.ic = of(Valve), of(ControlValve), of(Compressor)
        known = {Pipe, Resistor, ShortPipe, Valve, ControlValve, Compressor}
        for e in self.edges:
            if type(e) not in known:
                raise InputError("element type not supported by check_nomination",
                                 element=e.id, field="type", value=type(e).__name__)
        self.pipes: list[Pipe] = [e for e in self.edges if isinstance(e, Pipe)]
        for pipe in self.pipes:
            if pipe.flow_law not in _DARCY:
                raise InputError("check_nomination needs Darcy friction laws",
                                 element=f"pipe {pipe.id}", field="flow_law",
                                 value=pipe.flow_law, expected=", ".join(_DARCY))
        self.res: list[Resistor] = [e for e in self.edges if isinstance(e, Resistor)]
        self.cvs: list[ControlValve] = [e for e in self.edges if isinstance(e, ControlValve)]
        self.comps: list[Compressor] = [e for e in self.edges if isinstance(e, Compressor)]
        # node pressure bounds (pipes' p_max included)
        lo = np.array([n.p_min for n in net.nodes.values()])
        hi = np.array([n.p_max for n in net.nodes.values()])
        for k, pipe in zip(self.ip, self.pipes, strict=True):
            for i in (self.fr[k], self.to[k]):
                hi[i] = min(hi[i], pipe.p_max)
        self.p_lo, self.p_hi = lo, hi
        # nodes joined by short pipes share one pressure variable (a "cluster")
        parent = np.arange(nn)

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = int(parent[a])
            return a

        for k in self.isp:
            ra, rb = find(int(self.fr[k])), find(int(self.to[k]))
            if ra != rb:
                parent[ra] = rb
        roots = np.array([find(i) for i in range(nn)])
        _, self.cl = np.unique(roots, return_inverse=True)
        self.nc = int(self.cl.max()) + 1 if nn else 0
        self.q_lo = np.array([e.flow_min for e in self.edges])
        self.q_hi = np.array([e.flow_max for e in self.edges])
        # a reverse-flow bound of a control valve or compressor smaller than
        # _REVERSE_MIN is a numerical zero (GasLib-4197's control valves allow
        # -0.0003·1000 m³/h): the NLP keeps such elements forward, which spares it a
        # complementarity row each (a restriction: the point found stays feasible)
        act = np.concatenate([self.icv, self.ic]).astype(np.intp)
        tiny = (self.q_lo[act] < 0) & (self.q_lo[act] > -_REVERSE_MIN)
        self.q_lo[act[tiny]] = 0.0
        # pipe data
        self.length = np.array([p.length for p in self.pipes])
        self.diam = np.array([p.diameter for p in self.pipes])
        self.area = math.pi * self.diam**2 / 4
        self.rel = np.array([p.roughness for p in self.pipes]) / self.diam
        self.eff = np.array([p.efficiency for p in self.pipes])
        self.law = np.array([p.flow_law for p in self.pipes], dtype=object)
        height = np.array([n.height for n in net.nodes.values()])
        self.dh = height[self.to[self.ip]] - height[self.fr[self.ip]]
        self.zeta = np.array([r.drag_factor for r in self.res])
        self.res_area = np.array([math.pi * r.diameter**2 / 4 for r in self.res])
        self.sur = gas.surrogate()
        self.r_s = gas.specific_gas_constant
        self.iterations = 0
        self.quasi_newton_solves = 0  # solves that needed the L-BFGS fallback
        self._build()

    # -- coefficients -------------------------------------------------------------
    def z_at(self, p: FloatArray) -> FloatArray:
        env = self.sur.envelope
        pc = np.clip(p, env.p_min, env.p_max)
        return np.asarray(self.sur.z(pc, np.full_like(pc, self.t)), dtype=float)

    def coefficients(self, p: FloatArray, q: FloatArray) -> FloatArray:
        """Frozen law coefficients (the NLP's parameters) at pressures p [Pa], flows q [kg/s]."""
        k = self.ip
        p1, p2 = p[self.fr[k]], p[self.to[k]]
        pm = 2.0 / 3.0 * (p1 + p2 - p1 * p2 / (p1 + p2))
        z = self.z_at(pm)
        zrt = z * self.r_s * self.t
        s = 2.0 * GRAVITY * self.dh / zrt
        small = np.abs(s) < 1e-9
        le = np.where(small, 1.0 + s / 2, np.expm1(s) / np.where(small, 1.0, s))
        rho_m = pm / zrt
        mu = np.asarray(lee_gonzalez_eakin(np.full(k.size, self.t), rho_m,
                                           self.gas.molar_mass), dtype=float)
        re = np.maximum(np.abs(q[k]) * self.diam / (self.area * mu), _RE_FLOOR)
        lam = np.empty(k.size)
        for law in set(self.law.tolist()):
            m = self.law == law
            lam[m] = np.asarray(darcy_friction(re[m], self.rel[m], law=str(law)))
        kk = zrt * self.length * le / (self.diam * self.area**2 * self.eff**2) * lam
        coef_p = kk * self.q_s**2 / _P_S**2
        # resistors: upstream density
        kr = self.ir
        pu = np.where(q[kr] >= 0, p[self.fr[kr]], p[self.to[kr]])
        rho = pu / (self.z_at(pu) * self.r_s * self.t)
        coef_r = self.zeta / (2 * rho * self.res_area**2) * self.q_s**2 / _P_S
        # compressors: Z and isentropic exponent at the suction
        kc = self.ic
        ps = np.maximum(p[self.fr[kc]], P_FLOOR)
        zc = self.z_at(ps)
        env = self.sur.envelope
        kappa = np.asarray(self.sur.isentropic_exponent(
            np.clip(ps, env.p_min, env.p_max), np.full(kc.size, self.t)), dtype=float)
        return np.concatenate([coef_p, np.exp(s), coef_r, zc, kappa])

    # -- problem ------------------------------------------------------------------
    def _build(self) -> None:
        ca = _CA
        nn, ne, nw, ncl = self.nn, self.ne, self.nw, self.nc
        n_el = 2 * (nn + ne) if self.elastic else 0
        nx = ncl + ne + nw + n_el
        x = ca.SX.sym("x", nx)
        p = x[0:ncl][self.cl.tolist()]
        q = x[ncl:ncl + ne]
        w = x[ncl + ne:ncl + ne + nw]
        npp, nr, nc = self.ip.size, self.ir.size, self.ic.size
        par = ca.SX.sym("par", 2 * npp + nr + 2 * nc)
        k_p = par[0:npp]
        es = par[npp:2 * npp]
        k_r = par[2 * npp:2 * npp + nr]
        z_c = par[2 * npp + nr:2 * npp + nr + nc]
        kap = par[2 * npp + nr + nc:2 * npp + nr + 2 * nc]
        fr, to = self.fr, self.to
        eps = _EPS / self.q_s
        rows: list[Any] = []
        self.rows: dict[str, tuple[int, int]] = {}
        count = 0

        def add(name: str, expr: Any) -> None:
            nonlocal count
            n = int(expr.shape[0]) if expr.shape[1] == 1 else 0
            self.rows[name] = (count, count + n)
            if n:
                rows.append(expr)
            count += n

        inc = sp.coo_matrix((np.concatenate([-np.ones(ne), np.ones(ne)]),
                             (np.concatenate([fr, to]), np.concatenate([np.arange(ne)] * 2))),
                            shape=(nn, ne)).tocsc()
        bal = ca.mtimes(ca.DM(inc), q) + ca.DM(self.inj_fixed / self.q_s)
        if nw:
            b = sp.coo_matrix((np.ones(nw), ([i for i, _, _ in self.free_inj], np.arange(nw))),
                              shape=(nn, nw)).tocsc()
            bal = bal + ca.mtimes(ca.DM(b), w)
        add("balance", bal)

        def sel(v: Any, ix: IntArray) -> Any:
            return v[ix.tolist()] if ix.size else ca.SX(0, 1)

        def reg(qq: Any) -> Any:
            return qq * ca.sqrt(qq**2 + eps**2)

        ip, ir = self.ip, self.ir
        if ip.size:
            add("pipe", sel(p, fr[ip])**2 - es * sel(p, to[ip])**2 - k_p * reg(sel(q, ip)))
        if ir.size:
            add("resistor", sel(p, fr[ir]) - sel(p, to[ir]) - k_r * reg(sel(q, ir)))
        obj = 0
        if self.iv.size:
            dv = sel(p, fr[self.iv]) - sel(p, to[self.iv])
            add("valve", dv)
            add("valve_c", dv * sel(q, self.iv))
        if self.icv.size:
            k = self.icv
            d = sel(p, fr[k]) - sel(p, to[k])
            add("cv_dp", d)
            add("cv_in", sel(p, fr[k]))
            add("cv_out", sel(p, to[k]))
            add("cv_c", -sel(q, k) * d)
            obj = obj + 0.1 * ca.sumsqr(d)
        if self.ic.size:
            k = self.ic
            li = ca.DM([c.pressure_loss_in / _P_S for c in self.comps])
            lo = ca.DM([c.pressure_loss_out / _P_S for c in self.comps])
            mr = ca.DM([c.max_ratio if math.isfinite(c.max_ratio) else 1e3 for c in self.comps])
            suction = sel(p, fr[k]) - li
            discharge = sel(p, to[k]) + lo
            d = sel(p, to[k]) - sel(p, fr[k])
            add("c_lift", discharge - suction)
            add("c_ratio", discharge - mr * suction)
            add("c_in", suction)
            add("c_out", discharge)
            add("c_dp", d)
            qq = sel(q, k)
            # shaft power [MW]: ideal-gas polytropic head with Z and κ at the suction
            eta_p = ca.DM([c.polytropic_efficiency for c in self.comps])
            eta_m = ca.DM([c.mechanical_efficiency for c in self.comps])
            expo = (kap - 1) / (kap * eta_p)
            ratio = discharge / ca.fmax(suction, 1e-3)
            head = z_c * self.r_s * self.t / expo * (ratio**expo - 1)
            power = qq * self.q_s * head / (eta_p * eta_m) / 1e6
            add("c_power", power)
            qneg = (ca.sqrt(qq**2 + _EPS_C**2) - qq) / 2
            add("c_c", qneg * d)
            obj = obj + ca.sumsqr(d)
        lossless = np.concatenate([self.isp, self.iv]).astype(np.intp)
        if lossless.size:
            obj = obj + 1e-8 * ca.sumsqr(sel(q, lossless))
        if self.elastic:
            s = x[ncl + ne + nw:]
            s_plo, s_phi = s[0:nn], s[nn:2 * nn]
            s_qlo, s_qhi = s[2 * nn:2 * nn + ne], s[2 * nn + ne:]
            add("el_plo", p + s_plo)
            add("el_phi", p - s_phi)
            add("el_qlo", q + s_qlo)
            add("el_qhi", q - s_qhi)
            obj = obj * 1e-3 + ca.sum1(s)
        g = ca.vertcat(*rows)
        # each valve's, control valve's and compressor's Δp row (a tie when it is 0)
        self.tie_row = np.full(ne, -1, dtype=np.intp)
        for idx, name in ((self.iv, "valve"), (self.icv, "cv_dp"), (self.ic, "c_dp")):
            if idx.size:
                self.tie_row[idx] = self.rows[name][0] + np.arange(idx.size)
        self.ng = count
        self.nx = nx
        opts = {"ipopt.print_level": 0, "print_time": 0, "ipopt.sb": "yes",
                "ipopt.max_iter": 400, "ipopt.tol": 1e-9, "ipopt.constr_viol_tol": 1e-9,
                "ipopt.acceptable_tol": 1e-7, "ipopt.acceptable_constr_viol_tol": 1e-8,
                # cold starts (far from the solution): the monotone Fiacco-McCormick
                # barrier update; warm starts (below) adapt μ (Nocedal, Wächter & Waltz
                # 2009); on GasLib-582 133 + 94 iterations instead of 220 + 61 + 70
                "ipopt.mu_strategy": "monotone",
                # no gradient of the Lagrangian for the multipliers of the parameters
                # (never read): generating it took, on GasLib-582, 16 of the first
                # solver's 47 ms and 26 of each further solver's 29 ms to build
                "calc_lam_p": False, "no_nlp_grad": True}
        # the problem as one function: the other solvers below reuse the derivative
        # functions this first one generates instead of generating their own
        self._problem = ca.Function("nlp", [x, par], [obj, g], ["x", "p"], ["f", "g"])
        self.solver = ca.nlpsol("nomination", "ipopt", self._problem, opts)
        #: further solvers, made on first use: by (kind, loose), see solve
        self._solvers: dict[tuple[str, bool], Any] = {("cold", False): self.solver}
        self._opts = opts

    def _solver_options(self, exact_hessian: bool = True, **ipopt: Any) -> dict[str, Any]:
        """Options of a further IPOPT solver of this problem: the first solver's
        gradient, Jacobian and (``exact_hessian``) Hessian functions — the same
        functions, so the same numbers, without generating them again (GasLib-582:
        ~70 → ~20 ms to create the warm-start solver) — and ``ipopt``'s options."""
        opts = dict(self._opts)
        opts.update({f"ipopt.{k}": v for k, v in ipopt.items()})
        opts["grad_f"] = self.solver.get_function("nlp_grad_f")
        opts["jac_g"] = self.solver.get_function("nlp_jac_g")
        if exact_hessian:
            opts["hess_lag"] = self.solver.get_function("nlp_hess_l")
        return opts

    def bounds(self, valve_mode: list[str], cv_mode: list[str], comp_mode: list[str],
               tau: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(lbx, ubx, lbg, ubg) for the given modes (scaled), complementarity within τ."""
        nn, ne, nc = self.nn, self.ne, self.nc
        lbx = np.full(self.nx, -_INF)
        ubx = np.full(self.nx, _INF)
        lbg = np.zeros(self.ng)
        ubg = np.zeros(self.ng)
        margin = PRESSURE_MARGIN
        plo = np.maximum(self.p_lo + margin, P_FLOOR)
        phi = self.p_hi - margin
        bad = phi < plo  # bounds closer than twice the margin: no margin
        plo[bad] = np.maximum(self.p_lo[bad], P_FLOOR)
        phi[bad] = self.p_hi[bad]
        for i, pv in self.p_fixed.items():
            plo[i] = phi[i] = pv
        if self.elastic:
            lbx[:nc], ubx[:nc] = P_FLOOR / _P_S, _INF
        else:
            c_lo = np.full(nc, -_INF)
            c_hi = np.full(nc, _INF)
            np.maximum.at(c_lo, self.cl, plo)
            np.minimum.at(c_hi, self.cl, phi)
            lbx[:nc], ubx[:nc] = c_lo / _P_S, c_hi / _P_S
        fin_lo, fin_hi = np.isfinite(self.q_lo), np.isfinite(self.q_hi)
        q_lo0 = np.where(fin_lo, self.q_lo, 0.0)
        q_hi0 = np.where(fin_hi, self.q_hi, 0.0)
        qlo = np.where(fin_lo, q_lo0 + FLOW_TOL * np.maximum(1.0, np.abs(q_lo0)), -_INF)
        qhi = np.where(fin_hi, q_hi0 - FLOW_TOL * np.maximum(1.0, np.abs(q_hi0)), _INF)
        bad = qhi < qlo
        qlo[bad], qhi[bad] = self.q_lo[bad], self.q_hi[bad]
        qlo, qhi = qlo / self.q_s, qhi / self.q_s
        for j, (_, lo_w, hi_w) in enumerate(self.free_inj):
            lbx[nc + ne + j], ubx[nc + ne + j] = lo_w / self.q_s, hi_w / self.q_s
        if self.elastic:
            lbx[nc + ne + self.nw:] = 0.0
        r = self.rows

        def setg(name: str, j: int, lo: float, hi: float) -> None:
            a = r[name][0] + j
            lbg[a], ubg[a] = lo, hi

        q_lb, q_ub = qlo.copy(), qhi.copy()
        for j, k in enumerate(self.iv):
            m = valve_mode[j]
            setg("valve_c", j, -_INF, _INF)
            if m == "open":
                setg("valve", j, 0.0, 0.0)
            else:
                setg("valve", j, -_INF, _INF)
                if m == "closed":
                    q_lb[k] = q_ub[k] = 0.0
                else:
                    setg("valve_c", j, -tau, tau)
        for j, (k, e) in enumerate(zip(self.icv, self.cvs, strict=True)):
            m = cv_mode[j]
            losses = e.pressure_loss_in + e.pressure_loss_out
            dp_hi = e.dp_max - margin if math.isfinite(e.dp_max) else _INF
            for nm in ("cv_in", "cv_out", "cv_c"):
                setg(nm, j, -_INF, _INF)
            if m in ("active", "relaxed"):
                setg("cv_in", j, (e.p_in_min + margin) / _P_S, _INF)
                setg("cv_out", j, -_INF, (e.p_out_max - margin) / _P_S)
            if m == "active":
                setg("cv_dp", j, (max(e.dp_min, 0.0) + losses + margin) / _P_S, dp_hi / _P_S)
                q_lb[k] = max(q_lb[k], 0.0)
            elif m == "relaxed":
                setg("cv_dp", j, 0.0, dp_hi / _P_S)
                if self.q_lo[k] < 0:
                    setg("cv_c", j, -_INF, tau)
            elif m == "bypass":
                setg("cv_dp", j, 0.0, 0.0)
            else:
                setg("cv_dp", j, -_INF, _INF)
                q_lb[k] = q_ub[k] = 0.0
        for j, (k, c) in enumerate(zip(self.ic, self.comps, strict=True)):
            m = comp_mode[j]
            for nm in ("c_lift", "c_ratio", "c_in", "c_out", "c_dp", "c_power", "c_c"):
                setg(nm, j, -_INF, _INF)
            if m in ("active", "relaxed"):
                setg("c_lift", j, 0.0, _INF)
                if math.isfinite(c.max_ratio):
                    setg("c_ratio", j, -_INF, 0.0)
                setg("c_in", j, (c.p_in_min + margin) / _P_S, _INF)
                setg("c_out", j, -_INF, (c.p_out_max - margin) / _P_S)
                if math.isfinite(c.max_power):
                    setg("c_power", j, -_INF, 0.97 * c.max_power / 1e6)
            if m == "active":
                q_lb[k] = max(q_lb[k], 0.0)
            elif m == "relaxed" and self.q_lo[k] < 0:
                setg("c_c", j, -tau, tau)
            elif m == "bypass":
                setg("c_dp", j, 0.0, 0.0)
            elif m == "closed":
                q_lb[k] = q_ub[k] = 0.0
        self._drop_redundant_ties(_ties(self, _Setting(list(valve_mode), list(cv_mode),
                                                       list(comp_mode))), lbg, ubg)
        self._drop_redundant_balances(q_lb, q_ub, lbg, ubg)
        if self.elastic:
            lbx[nc:nc + ne], ubx[nc:nc + ne] = -_INF, _INF
            for nm, lo_v, hi_v in (("el_plo", plo / _P_S, np.full(nn, _INF)),
                                   ("el_phi", np.full(nn, -_INF), phi / _P_S),
                                   ("el_qlo", q_lb, np.full(ne, _INF)),
                                   ("el_qhi", np.full(ne, -_INF), q_ub)):
                a, b = r[nm]
                lbg[a:b], ubg[a:b] = lo_v, hi_v
            # closed elements keep q = 0 as a hard bound
            fixed0 = (q_lb == 0.0) & (q_ub == 0.0)
            lbx[nc:nc + ne][fixed0] = 0.0
            ubx[nc:nc + ne][fixed0] = 0.0
        else:
            lbx[nc:nc + ne], ubx[nc:nc + ne] = q_lb, q_ub
        lbx[lbx == -_INF] = -1e20
        ubx[ubx == _INF] = 1e20
        lbg[lbg == -_INF] = -1e20
        ubg[ubg == _INF] = 1e20
        return lbx, ubx, lbg, ubg

    def _drop_redundant_ties(self, ties: BoolArray, lbg: FloatArray, ubg: FloatArray
                             ) -> None:
        """Free each Δp = 0 row that closes a loop of such rows (or joins one cluster).

        Open valves and bypassed stations tie their nodes' pressures; around a loop
        of ties (GasLib-4197 has many, with its valves opened by its combined
        decisions) one tie follows from the others. The dependent rows make the
        constraint Jacobian rank-deficient: IPOPT's multipliers then grow without
        bound and it stalls near a feasible point. Only a spanning forest of the
        ties is kept, so the feasible set is unchanged.
        """
        parent = list(range(self.nc))
        for k in np.flatnonzero(ties):
            a = _find(parent, int(self.cl[self.fr[k]]))
            b = _find(parent, int(self.cl[self.to[k]]))
            if a == b:
                row = self.tie_row[k]
                lbg[row], ubg[row] = -_INF, _INF
            else:
                parent[a] = b

    def _drop_redundant_balances(self, q_lb: FloatArray, q_ub: FloatArray, lbg: FloatArray,
                                 ubg: FloatArray) -> None:
        """Free one balance row per part of the network joined by elements that may flow.

        In a part with fixed injections only, the balance rows sum to the (zero) total
        injection: one of them is redundant, and a rank-deficient Jacobian slows IPOPT.
        """
        ncomp, comp = self.parts(~((q_lb == 0.0) & (q_ub == 0.0)))
        has_free = np.zeros(ncomp, dtype=bool)
        for i, _, _ in self.free_inj:
            has_free[comp[i]] = True
        first = np.full(ncomp, -1, dtype=np.intp)
        order = np.argsort(-np.abs(self.inj_fixed), kind="stable")
        for i in order[::-1]:
            first[comp[i]] = i  # ends with the node of largest |injection|
        a0 = self.rows["balance"][0]
        for c in np.flatnonzero(~has_free):
            i = first[c]
            members = comp == c
            if abs(float(self.inj_fixed[members].sum())) <= FLOW_TOL * self.q_s:
                lbg[a0 + i], ubg[a0 + i] = -_INF, _INF

    def solve(self, x0: FloatArray, par: FloatArray, bounds: tuple[FloatArray, FloatArray,
              FloatArray, FloatArray], lam: tuple[FloatArray, FloatArray] | None = None,
              quasi_newton: bool = False, loose: bool = False
              ) -> tuple[FloatArray, str, tuple[FloatArray, FloatArray]]:
        """One IPOPT solve: cold, warm (given multipliers ``lam``) or quasi-Newton.

        The quasi-Newton variant (limited-memory BFGS instead of the exact Hessian)
        is the fallback when the exact Hessian fails from a cold start: on
        GasLib-4197 the exact-Hessian solve from the linear-analogue start stays in
        IPOPT's restoration phase for 1,500 iterations, while L-BFGS reaches an
        acceptable point in ~250.

        ``loose`` (exact Hessian only): stop at :data:`_LOOSE_TOL` instead of 1e-9, for
        a point that only starts a further solve (see :func:`_iterate`).
        """
        lbx, ubx, lbg, ubg = bounds
        x0 = np.clip(x0, lbx, ubx)
        args: dict[str, Any] = {"x0": x0, "p": par, "lbx": lbx, "ubx": ubx, "lbg": lbg,
                                "ubg": ubg}
        kind = "qn" if quasi_newton else "warm" if lam is not None else "cold"
        loose = loose and kind != "qn"
        solver = self._solvers.get((kind, loose))
        if solver is None:
            opts: dict[str, Any] = {}
            if kind == "qn":
                opts = {"hessian_approximation": "limited-memory", "max_iter": 1000}
            elif kind == "warm":
                opts = {"mu_strategy": "adaptive", "warm_start_init_point": "yes",
                        "warm_start_bound_push": 1e-9, "warm_start_mult_bound_push": 1e-9,
                        "mu_init": 1e-6}
            if loose:
                opts.update(tol=_LOOSE_TOL, constr_viol_tol=_LOOSE_TOL)
            solver = _CA.nlpsol(f"nomination_{kind}{'_loose' * loose}", "ipopt",
                                self._problem, self._solver_options(kind != "qn", **opts))
            self._solvers[kind, loose] = solver
        if lam is not None and kind == "warm":
            args["lam_x0"], args["lam_g0"] = lam
        sol = solver(**args)
        stats = solver.stats()
        self.iterations += int(stats.get("iter_count", 0))
        x = np.asarray(sol["x"], dtype=float).ravel()
        lam_out = (np.asarray(sol["lam_x"], dtype=float).ravel(),
                   np.asarray(sol["lam_g"], dtype=float).ravel())
        return x, str(stats.get("return_status", "unknown")), lam_out

    def unpack(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(pressures [Pa], flows [kg/s], free injections [kg/s])."""
        nc, ne, nw = self.nc, self.ne, self.nw
        return (x[:nc][self.cl] * _P_S, x[nc:nc + ne] * self.q_s,
                x[nc + ne:nc + ne + nw] * self.q_s)

    def initial_flows(self, inj: FloatArray, closed: BoolArray | None = None) -> FloatArray:
        """Flows [kg/s] of a linear (electrical) analogue: conductance D^2.5/√L per pipe.

        Lossless and active elements get a large conductance, ``closed`` ones none.
        This gives the first pass's friction factors a realistic Reynolds number and
        IPOPT a start.
        """
        ne, nn = self.ne, self.nn
        c = np.zeros(ne)
        cp = self.diam**2.5 / np.sqrt(self.length)
        c[self.ip] = cp
        big = 100.0 * float(cp.max()) if cp.size else 1.0
        other = np.ones(ne, dtype=bool)
        other[self.ip] = False
        c[other] = big
        if closed is not None:
            c[closed] = 0.0
        inc = sp.coo_matrix((np.concatenate([-np.ones(ne), np.ones(ne)]),
                             (np.concatenate([self.fr, self.to]),
                              np.concatenate([np.arange(ne)] * 2))), shape=(nn, ne)).tocsc()
        lap = (inc @ sp.diags(c) @ inc.T).tocsc()
        lap = lap + sp.identity(nn, format="csc") * (1e-9 * big)
        try:
            phi = spla.spsolve(lap, -inj)
        except RuntimeError:
            return np.zeros(ne)
        q = -c * (inc.T @ phi)
        return np.asarray(q, dtype=float)

    def start(self, closed: BoolArray | None = None) -> FloatArray:
        """Initial point: pressures mid-range, linear-analogue flows, free injections mid.

        ``closed`` (per element) marks elements whose mode is already closed: they
        carry no flow and do not tie their nodes' pressures.
        """
        lo = np.maximum(self.p_lo, P_FLOOR)
        hi = self.p_hi
        finite = np.isfinite(hi)
        mids = 0.5 * (lo[finite] + hi[finite]) if finite.any() else np.array([6e6])
        p_mid = float(np.median(mids))
        p0 = np.clip(np.full(self.nn, p_mid), lo, np.where(finite, hi, _INF))
        for i, pv in self.p_fixed.items():
            p0[i] = pv
        x0 = np.zeros(self.nx)
        pc = np.zeros(self.nc)
        pc[self.cl] = p0  # one member's value per cluster
        x0[:self.nc] = pc / _P_S
        inj = self.inj_fixed.copy()
        for j, (i, a, b) in enumerate(self.free_inj):
            lo_w = a if math.isfinite(a) else min(b, 0.0)
            hi_w = b if math.isfinite(b) else max(a, 0.0)
            x0[self.nc + self.ne + j] = 0.5 * (lo_w + hi_w) / self.q_s
            inj[i] += 0.5 * (lo_w + hi_w)
        q0 = self.initial_flows(inj - inj.mean(), closed)
        x0[self.nc:self.nc + self.ne] = q0 / self.q_s
        p_est = self.initial_pressures(p0, q0, closed)
        pc[self.cl] = p_est
        x0[:self.nc] = pc / _P_S
        return x0

    def initial_pressures(self, p0: FloatArray, q0: FloatArray,
                          closed: BoolArray | None = None) -> FloatArray:
        """Pressures [Pa] that fit the pipe laws at flows q0 and sit mid-bounds elsewhere.

        Weighted least squares in π = p²: every pipe's law (frozen at p0, q0) and every
        lossless element's π_from = π_to with a large weight, each node's π near the
        square of its mid-range pressure p0 with a small one; control valves and
        compressors are left out, so each side of them finds its own level. That level
        is then set within the side's pressure bounds (:meth:`_fit_levels`): the weak
        pull towards mid-range leaves a side's pressures outside them where its pipes
        drop more than half its bounds' width (GasLib-582: the linear-analogue start
        violated the bounds of 73 nodes by up to 3.5 MPa, and the pipe laws' residuals
        summed to 694 scaled units; with the levels fitted, 35 nodes, 0.35 MPa and 21;
        IPOPT iterations of a whole check 307 → 229 there, 159 → 87 on GasLib-134,
        146 → 112 on GasLib-135, 71 → 52 on GasLib-40, both changes together).
        """
        nn = self.nn
        coef = self.coefficients(p0, q0)
        npp = self.ip.size
        kk = coef[:npp] * _P_S**2 / self.q_s**2
        es = coef[npp:2 * npp]
        rows_r: list[IntArray] = []
        rows_c: list[IntArray] = []
        vals: list[FloatArray] = []
        rhs: list[FloatArray] = []
        n_rows = 0
        scale = float(np.median(p0)) ** 2
        k = self.ip
        if k.size:
            r = np.arange(k.size) + n_rows
            rows_r += [r, r]
            rows_c += [self.fr[k], self.to[k]]
            vals += [np.ones(k.size), -es]
            rhs.append(kk * q0[k] * np.abs(q0[k]))
            n_rows += k.size
        eq = np.concatenate([self.isp, self.iv, self.ir]).astype(np.intp)
        if closed is not None:
            eq = eq[~closed[eq]]
        if eq.size:
            r = np.arange(eq.size) + n_rows
            rows_r += [r, r]
            rows_c += [self.fr[eq], self.to[eq]]
            vals += [np.ones(eq.size), -np.ones(eq.size)]
            rhs.append(np.zeros(eq.size))
            n_rows += eq.size
        weak = 1e-3
        r = np.arange(nn) + n_rows
        rows_r.append(r)
        rows_c.append(np.arange(nn))
        vals.append(np.full(nn, weak))
        rhs.append(weak * p0**2)
        n_rows += nn
        a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows_r),
                                                  np.concatenate(rows_c))), shape=(n_rows, nn))
        b = np.concatenate(rhs) / scale
        try:
            pi = spla.spsolve((a.T @ a).tocsc(), a.T @ b) * scale
        except RuntimeError:
            return p0
        lo = np.maximum(self.p_lo, P_FLOOR)
        pi = self._fit_levels(np.asarray(pi, dtype=float), lo, np.concatenate([k, eq]))
        p: FloatArray = np.minimum(np.sqrt(np.maximum(pi, lo**2)), self.p_hi)
        return p

    def _fit_levels(self, pi: FloatArray, lo: FloatArray, joined: IntArray) -> FloatArray:
        """π shifted by one constant per part joined by ``joined`` elements, each part's
        shift the middle of the shifts that keep its nodes within their bounds (of those
        that least violate them, if none does); parts with a pressure-fixed node stay."""
        hi = self.p_hi
        ncomp, comp = self.parts(joined)
        low = np.full(ncomp, -_INF)
        np.maximum.at(low, comp, lo**2 - pi)
        high = np.full(ncomp, _INF)
        np.minimum.at(high, comp, np.where(np.isfinite(hi), hi**2, _INF) - pi)
        shift = np.where(np.isfinite(high), 0.5 * (low + high), np.maximum(low, 0.0))
        fixed = np.zeros(ncomp, dtype=bool)
        fixed[comp[list(self.p_fixed)]] = True
        shift[fixed] = 0.0
        out: FloatArray = pi + shift[comp]
        return out

    def parts(self, joined: BoolArray | IntArray) -> tuple[int, IntArray]:
        """The number of parts of the network that the ``joined`` elements (a mask or
        positions) join, and each node's part."""
        fr, to = self.fr[joined], self.to[joined]
        graph = sp.coo_matrix((np.ones(fr.size), (fr, to)), shape=(self.nn, self.nn))
        ncomp, comp = connected_components(graph, directed=False)
        return int(ncomp), comp

    def params(self, x: FloatArray) -> FloatArray:
        p, q, _ = self.unpack(x)
        return self.coefficients(p, q)


# -- driver ----------------------------------------------------------------------------
@dataclass
class _Setting:
    valve: list[str]
    cv: list[str]
    comp: list[str]

    def copy(self) -> _Setting:
        return _Setting(list(self.valve), list(self.cv), list(self.comp))


def _in_modes(m: _Model, s: _Setting, valve: str, cv: str, comp: str) -> BoolArray:
    """Valves in mode ``valve``, control valves in ``cv``, compressors in ``comp``."""
    out = np.zeros(m.ne, dtype=bool)
    for idx, modes, want in ((m.iv, s.valve, valve), (m.icv, s.cv, cv), (m.ic, s.comp, comp)):
        out[idx] = np.array([md == want for md in modes], dtype=bool)
    return out


def _closed(m: _Model, s: _Setting) -> BoolArray:
    """Elements whose mode in ``s`` is closed (a mask over ``m.edges``)."""
    return _in_modes(m, s, "closed", "closed", "closed")


def _ties(m: _Model, s: _Setting) -> BoolArray:
    """Elements whose mode ties their nodes' pressures: open valves, bypassed stations."""
    return _in_modes(m, s, "open", "bypass", "bypass")


def _round(m: _Model, x: FloatArray, s: _Setting, gap_active: bool = False) -> _Setting:
    """Modes of the relaxed elements from a relaxed point.

    Of a complementarity pair (flow, pressure difference) the member that is smaller in
    scaled units (flow / reference flow against Δp / 1 MPa) is taken as zero. A
    control valve whose drop lies between bypass and its least active drop goes to
    the nearer mode, or (``gap_active``) to active.
    """
    p, q, _ = m.unpack(x)
    out = s.copy()
    qs = q / m.q_s
    q_zero = 1e-7  # scaled flow taken as no flow

    def small_dp(d: float) -> bool:
        return abs(d) <= BYPASS_DP

    for j, k in enumerate(m.iv):
        if s.valve[j] != "relaxed":
            continue
        d = p[m.fr[k]] - p[m.to[k]]
        is_open = small_dp(d) or abs(d) / _P_S <= abs(qs[k])
        out.valve[j] = "open" if is_open else "closed"
    for j, (k, e) in enumerate(zip(m.icv, m.cvs, strict=True)):
        if s.cv[j] != "relaxed":
            continue
        d = p[m.fr[k]] - p[m.to[k]]
        # the least drop of the active mode in the NLP (with its margin)
        d_act = max(e.dp_min, 0.0) + e.pressure_loss_in + e.pressure_loss_out + PRESSURE_MARGIN
        if small_dp(d) or (qs[k] < 0 and abs(d) / _P_S <= abs(qs[k])):
            out.cv[j] = "bypass"
        elif abs(qs[k]) <= q_zero or qs[k] < 0:
            out.cv[j] = "closed"
        elif d >= d_act:
            out.cv[j] = "active"
        else:
            out.cv[j] = "bypass" if d < d_act / 2 and not gap_active else "active"
    for j, k in enumerate(m.ic):
        if s.comp[j] != "relaxed":
            continue
        d = p[m.to[k]] - p[m.fr[k]]
        if small_dp(d) or (qs[k] < 0 and abs(d) / _P_S <= abs(qs[k])):
            out.comp[j] = "bypass"
        elif abs(qs[k]) <= q_zero or qs[k] < 0:
            out.comp[j] = "closed"
        else:
            out.comp[j] = "active"
    return out


def _complementarity(m: _Model, x: FloatArray, s: _Setting) -> float:
    """Largest violation of the relaxed complementarity rows (scaled units)."""
    p, q, _ = m.unpack(x)
    qs = q / m.q_s
    d = (p[m.fr] - p[m.to]) / _P_S
    worst = 0.0
    for j, k in enumerate(m.iv):
        if s.valve[j] == "relaxed":
            worst = max(worst, abs(qs[k] * d[k]))
    for j, k in enumerate(m.icv):
        if s.cv[j] == "relaxed" and m.q_lo[k] < 0:
            worst = max(worst, -qs[k] * d[k])
    for j, k in enumerate(m.ic):
        if s.comp[j] == "relaxed" and m.q_lo[k] < 0:
            worst = max(worst, max(-qs[k], 0.0) * abs(d[k]))
    return worst


def _find(parent: list[int], a: int) -> int:
    """Union-find root with path halving."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def _cycle(m: _Model, k: int, depth: dict[int, int], up_edge: dict[int, int]
           ) -> list[tuple[int, float]]:
    """Edges of element k's fundamental loop in a rooted forest, with their direction
    along the loop (+1 from → to), k taken forwards."""
    a, b = int(m.to[k]), int(m.fr[k])  # walk from a to b through the tree
    left: list[tuple[int, float]] = []
    right: list[tuple[int, float]] = []
    while a != b:
        if depth[a] >= depth[b]:
            e = up_edge[a]
            left.append((e, 1.0 if int(m.fr[e]) == a else -1.0))
            a = int(m.to[e]) if int(m.fr[e]) == a else int(m.fr[e])
        else:
            e = up_edge[b]
            right.append((e, 1.0 if int(m.to[e]) == b else -1.0))
            b = int(m.to[e]) if int(m.fr[e]) == b else int(m.fr[e])
    return [(k, 1.0), *left, *reversed(right)]


def _untangle(m: _Model, x: FloatArray, s: _Setting) -> tuple[FloatArray, _Setting, int]:
    """Close switchable lossless elements on loops so that their flow split is unique.

    A loop of lossless elements (short pipes, open valves, bypassed stations) carries
    any circulation at the same pressures, and the steady solver splits the flow
    evenly where the NLP may have split it otherwise (say, to respect a valve that
    allows one flow direction only). Along each such loop that contains a valve,
    control valve or compressor, the circulation that brings one of them to zero flow
    while keeping every flow of the loop within its bounds is added, and that element
    is closed. The pressures do not change. Returns the new point, the new setting and
    the number of elements closed.
    """
    q = m.unpack(x)[1].copy()
    out = s.copy()
    ne = m.ne
    lossless = np.zeros(ne, dtype=bool)
    switch = np.zeros(ne, dtype=bool)
    lossless[m.isp] = True
    where: dict[int, tuple[str, int]] = {}
    for j, k in enumerate(m.iv):
        lossless[k] = s.valve[j] == "open"
        switch[k] = True
        where[int(k)] = ("valve", j)
    for j, k in enumerate(m.icv):
        lossless[k] = s.cv[j] == "bypass"
        switch[k] = True
        where[int(k)] = ("cv", j)
    for j, k in enumerate(m.ic):
        lossless[k] = s.comp[j] == "bypass"
        switch[k] = True
        where[int(k)] = ("comp", j)
    tol = FLOW_TOL * np.maximum(1.0, np.maximum(np.abs(m.q_lo), np.abs(m.q_hi)))
    closed = 0
    # the graph walks below on Python lists (numpy scalar indexing costs ~10x more)
    fr, to, is_switch = m.fr.tolist(), m.to.tolist(), switch.tolist()
    for _ in range(int((lossless & switch).sum())):
        edges = np.flatnonzero(lossless)
        size = np.abs(q).tolist()
        order = sorted(edges.tolist(), key=lambda k: (is_switch[k], -size[k]))
        parent = list(range(m.nn))
        tree: list[int] = []
        non_tree: list[int] = []
        for k in order:
            a, b = _find(parent, fr[k]), _find(parent, to[k])
            if a == b:
                non_tree.append(k)
            else:
                parent[a] = b
                tree.append(k)
        if not non_tree:
            break
        # rooted forest of the tree edges: parent edge and depth per node
        adj: dict[int, list[int]] = {}
        for k in tree:
            adj.setdefault(fr[k], []).append(k)
            adj.setdefault(to[k], []).append(k)
        up_edge: dict[int, int] = {}
        depth: dict[int, int] = {}
        for root in list(adj):
            if root in depth:
                continue
            depth[root] = 0
            stack = [root]
            while stack:
                u = stack.pop()
                for k in adj[u]:
                    v = to[k] if fr[k] == u else fr[k]
                    if v not in depth:
                        depth[v] = depth[u] + 1
                        up_edge[v] = k
                        stack.append(v)

        done = False
        non_tree.sort(key=lambda k: (not is_switch[k], size[k]))
        for k in non_tree:
            loop = _cycle(m, k, depth, up_edge)
            cands = sorted((e for e, _ in loop if switch[e]), key=lambda e: abs(q[e]))
            for c in cands:
                o_c = next(o for e, o in loop if e == c)
                delta = -q[c] * o_c
                new = [(e, q[e] + delta * o) for e, o in loop]
                if all(m.q_lo[e] - tol[e] <= v <= m.q_hi[e] + tol[e] for e, v in new):
                    for e, v in new:
                        q[e] = v
                    q[c] = 0.0
                    lossless[c] = False
                    kind, j = where[c]
                    getattr(out, kind)[j] = "closed"
                    closed += 1
                    done = True
                    break
            if done:
                break
        if not done:
            break
    x2 = x.copy()
    x2[m.nc:m.nc + m.ne] = q / m.q_s
    return x2, out, closed


def _iterate(m: _Model, s: _Setting, x0: FloatArray, tau: float, log: list[str],
             label: str, passes: int = MAX_PASSES,
             lam: tuple[FloatArray, FloatArray] | None = None, final: bool = True
             ) -> tuple[FloatArray, str, bool, tuple[FloatArray, FloatArray] | None]:
    """NLP passes with the frozen coefficients updated in between.

    A warm-started pass whose point only starts a further solve is solved loosely
    (to :data:`_LOOSE_TOL`): every pass but the last of a stage (its point only gives
    the next pass its coefficients and start; once the coefficients settle, one
    tight pass ends the loop) and every pass of a complementarity stage that is
    tightened next (``final=False``). Near such a degenerate optimum (free valve
    flows, complementarity pairs at zero) IPOPT spends the last tens of iterations of
    a tight solve moving along directions that leave the objective unchanged in its
    first eight digits. Cold solves stay tight: a loose tolerance also changes the
    restoration phase, and on GasLib-134 a cold loose solve failed after 358
    iterations where the tight one proves the problem locally infeasible in 62.
    """
    bounds = m.bounds(s.valve, s.cv, s.comp, tau)
    x = x0
    status = "not run"
    par = m.params(x)
    settled = False
    for k in range(passes):
        loose = lam is not None and (not final or (k < passes - 1 and not settled))
        x_new, status, lam_new = m.solve(x, par, bounds, lam, loose=loose)
        if status not in _IPOPT_OK:
            # a cold retry, then one with a quasi-Newton Hessian (unless IPOPT found
            # the problem locally infeasible), before giving up
            if lam is not None:
                x_new, status, lam_new = m.solve(x, par, bounds, None)
            if status not in _IPOPT_OK and status != "Infeasible_Problem_Detected":
                x_new, status, lam_new = m.solve(x, par, bounds, None, quasi_newton=True)
                if status in _IPOPT_OK:
                    m.quasi_newton_solves += 1
                    log.append(f"{label}: pass {k + 1}: exact Hessian failed, "
                               "quasi-Newton (L-BFGS) Hessian solved")
            if status not in _IPOPT_OK:
                log.append(f"{label}: pass {k + 1}: IPOPT {status}")
                return x_new, status, False, None
        x, lam = x_new, lam_new
        new_par = m.params(x)
        change = float(np.max(np.abs(new_par - par) / np.maximum(np.abs(par), 1e-12),
                              initial=0.0))
        par = new_par
        if change < 1e-6:
            if not loose or not final:
                break
            settled = True
    log.append(f"{label}: IPOPT {status} after {k + 1} pass(es)")
    return x, status, True, lam


def _simulation_network(m: _Model, x: FloatArray, s: _Setting, inj_nom: FloatArray
                        ) -> tuple[Network, list[str]]:
    """The network with the decided settings and pressure-fixed nodes where needed."""
    p, q, w = m.unpack(x)
    net = m.net.copy()
    inj = inj_nom.copy()
    for (i, _, _), wv in zip(m.free_inj, w, strict=True):
        inj[i] = wv
    net.injections = {}
    net.pressures = {}
    for i, nid in enumerate(m.node_ids):
        if inj[i] != 0.0 and i not in m.p_fixed:
            net.injections[nid] = float(inj[i])
    for j, k in enumerate(m.iv):
        net.replace_edge(m.edges[k].id, open=s.valve[j] == "open")
    setpoint_edges = _in_modes(m, s, "", "active", "active")
    closed = _closed(m, s)
    for j, k in enumerate(m.icv):
        mode = s.cv[j]
        net.replace_edge(m.edges[k].id, mode=mode,
                         setpoint=float(p[m.to[k]]) if mode == "active" else None)
    for j, k in enumerate(m.ic):
        mode = s.comp[j]
        net.replace_edge(m.edges[k].id, mode=mode, ratio=None, suction_pressure=None,
                         discharge_pressure=float(p[m.to[k]]) if mode == "active" else None)
    _one_setpoint_per_tie(m, net, q, setpoint_edges, closed, s)
    ncomp, comp = m.parts(~(setpoint_edges | closed))
    anchored = np.zeros(m.nn, dtype=bool)
    anchored[m.to[setpoint_edges]] = True
    for i in m.p_fixed:
        anchored[i] = True
        net.pressures[m.node_ids[i]] = float(m.p_fixed[i])
    slacks: list[str] = []
    # active elements on a directed loop through the parts they join (a station with a
    # regulator on a loop round it, GasLib-4197): the outlet pressures fix no flow round
    # the loop, which pipes inside the parts carry at any inlet pressure. Their inlets
    # keep the NLP pressure (their injections are checked like any pressure-fixed
    # node's); that fixes the flow round the loop through the pipes' laws
    for k in _on_loops(comp[m.fr], comp[m.to], setpoint_edges, ncomp):
        i = int(m.fr[k])
        if not anchored[i]:
            anchored[i] = True
            nid = m.node_ids[i]
            net.pressures[nid] = float(p[i])
            net.injections.pop(nid, None)
            slacks.append(nid)
    has_anchor = np.zeros(ncomp, dtype=bool)
    has_anchor[comp[anchored]] = True
    for c in np.flatnonzero(~has_anchor):
        # every part gets one, also a lone node cut off by closed elements: it keeps
        # the NLP's pressure (within its bounds) like any other part, where the solver
        # alone would report it NaN
        members = np.flatnonzero(comp == c)
        best = members[int(np.argmax(inj[members]))]
        if inj[best] <= 0.0:
            best = members[int(np.argmax(np.abs(inj[members])))]
        nid = m.node_ids[best]
        net.pressures[nid] = float(p[best])
        net.injections.pop(nid, None)
        slacks.append(nid)
    return net, slacks


def _one_setpoint_per_tie(m: _Model, net: Network, q: FloatArray, setpoint_edges: BoolArray,
                          closed: BoolArray, s: _Setting) -> None:
    """Close all but one of the active elements whose outlets share one pressure.

    Parallel regulators (GasLib-4197's regulator stations) may all be active at the
    same outlet pressure; a simulation cannot fix one pressure twice (its system is
    singular) nor split the flow between them. Outlets tied by lossless elements
    (short pipes, open valves, bypassed stations) share one pressure: of the active
    elements feeding one such group, the one with the largest flow keeps its
    set-point and the others are closed (their flow passes the one kept).
    Updates ``net``, ``setpoint_edges`` and ``closed`` in place.
    """
    tie = _ties(m, s)
    tie[m.isp] = True
    n_groups, group = m.parts(tie)

    def close(k: int) -> None:
        e = m.edges[k]
        if isinstance(e, Compressor):
            net.replace_edge(e.id, mode="closed", ratio=None, suction_pressure=None,
                             discharge_pressure=None)
        else:
            net.replace_edge(e.id, mode="closed", setpoint=None)
        setpoint_edges[k] = False
        closed[k] = True

    kept: dict[int, int] = {}
    for k in sorted(np.flatnonzero(setpoint_edges), key=lambda k: -q[k]):
        g = int(group[m.to[k]])
        if g in kept:
            close(int(k))
        else:
            kept[g] = int(k)
    # a directed loop of active elements from group to group (a compressor with a
    # regulator feeding back round it): every pressure on it is fixed and the flow
    # round it is not; the element with the least flow on the loop is closed
    while (loop := _on_loops(group[m.fr], group[m.to], setpoint_edges, n_groups)).size:
        close(int(min(loop, key=lambda k: abs(q[k]))))


def _on_loops(g_from: IntArray, g_to: IntArray, active: BoolArray, n: int) -> IntArray:
    """The ``active`` elements on a directed loop through the groups they join (both
    ends in one strongly connected component of the n groups)."""
    k = np.flatnonzero(active)
    graph = sp.coo_matrix((np.ones(k.size), (g_from[k], g_to[k])), shape=(n, n))
    _, strong = connected_components(graph, directed=True, connection="strong")
    on: IntArray = k[strong[g_from[k]] == strong[g_to[k]]]
    return on


def _checks(m: _Model, sim: NetworkResult, net: Network, slacks: list[str],
            inj_nom: FloatArray, x: FloatArray) -> tuple[list[str], list[str]]:
    """(violated, binding) bounds at the simulated point beyond the solver's own list."""
    violated: list[str] = list(sim.violations)
    binding: list[str] = []
    nodes = sim.nodes
    pres = nodes["pressure"].to_numpy(dtype=float)
    injs = nodes["injection"].to_numpy(dtype=float)
    _, _, w = m.unpack(x)
    free_set = {i for i, _, _ in m.free_inj}
    for nid in slacks:
        i = m.idx[nid]
        if i in free_set:
            j = [a for a, _, _ in m.free_inj].index(i)
            lo, hi = m.free_inj[j][1], m.free_inj[j][2]
            tol = max(FLOW_TOL * max(1.0, abs(float(w[j]))), _EPS)
            if not lo - tol <= injs[i] <= hi + tol:
                violated.append(f"node {nid}: injection {injs[i]:.6f} kg/s outside the "
                                f"nominated [{lo:.6f}, {hi:.6f}] kg/s")
        else:
            # the NLP's q·√(q²+ε²) differs from the solver's law by up to ~ε where
            # flows are small (flow round a loop fixed by a slack): ε is the floor
            tol = max(FLOW_TOL * max(1.0, abs(float(inj_nom[i]))), _EPS)
            if abs(injs[i] - inj_nom[i]) > tol:
                violated.append(f"node {nid}: injection {injs[i]:.6f} kg/s differs from the "
                                f"nomination {inj_nom[i]:.6f} kg/s")
    for i, nid in enumerate(m.node_ids):
        pv = pres[i]
        if not math.isfinite(pv):
            continue
        node = m.net.nodes[nid]
        if pv - node.p_min <= BINDING_PRESSURE and node.p_min > 0:
            binding.append(f"node {nid}: pressure {pv / 1e5:.3f} bar at minimum "
                           f"{node.p_min / 1e5:.3f} bar")
        if node.p_max - pv <= BINDING_PRESSURE:
            binding.append(f"node {nid}: pressure {pv / 1e5:.3f} bar at maximum "
                           f"{node.p_max / 1e5:.3f} bar")
    edges = sim.edges
    flows = edges["mass_flow"].to_numpy(dtype=float)
    p_from = edges["p_from"].to_numpy(dtype=float)
    p_to = edges["p_to"].to_numpy(dtype=float)
    for k, e in enumerate(m.edges):
        qv = flows[k]
        for bound, word in ((e.flow_min, "minimum"), (e.flow_max, "maximum")):
            if math.isfinite(bound) and abs(qv - bound) <= BINDING_FLOW * max(1.0, abs(bound)):
                binding.append(f"{type(e).__name__} {e.id}: flow {qv:.3f} kg/s at {word} "
                               f"{bound:.3f} kg/s")
        if isinstance(e, Pipe) and math.isfinite(e.p_max):
            pm = max(p_from[k], p_to[k])
            if pm > e.p_max + PRESSURE_TOL:
                violated.append(f"Pipe {e.id}: pressure {pm / 1e5:.3f} bar above its "
                                f"maximum {e.p_max / 1e5:.3f} bar")
        edge = net.edges[e.id]
        if isinstance(edge, ControlValve) and edge.mode == "active":
            p_in, p_out = p_from[k], p_to[k]
            losses = edge.pressure_loss_in + edge.pressure_loss_out
            if p_in < edge.p_in_min - PRESSURE_TOL:
                violated.append(f"control valve {e.id}: inlet {p_in / 1e5:.3f} bar below "
                                f"{edge.p_in_min / 1e5:.3f} bar")
            if p_out > edge.p_out_max + PRESSURE_TOL:
                violated.append(f"control valve {e.id}: outlet {p_out / 1e5:.3f} bar above "
                                f"{edge.p_out_max / 1e5:.3f} bar")
            if p_in - p_out - losses < edge.dp_min - PRESSURE_TOL:
                violated.append(f"control valve {e.id}: drop {(p_in - p_out) / 1e5:.3f} bar "
                                f"below {edge.dp_min / 1e5:.3f} bar + station losses "
                                f"{losses / 1e5:.3f} bar")
            if p_out - edge.p_out_max > -BINDING_PRESSURE:
                binding.append(f"control valve {e.id}: outlet at {edge.p_out_max / 1e5:.3f} "
                               "bar")
        if isinstance(edge, Compressor) and edge.mode == "active":
            ps = p_from[k] - edge.pressure_loss_in
            pd_ = p_to[k] + edge.pressure_loss_out
            if ps - edge.p_in_min <= BINDING_PRESSURE:
                binding.append(f"compressor {e.id}: suction at {edge.p_in_min / 1e5:.3f} bar")
            if edge.p_out_max - pd_ <= BINDING_PRESSURE:
                binding.append(f"compressor {e.id}: discharge at "
                               f"{edge.p_out_max / 1e5:.3f} bar")
    return violated, binding


def _decisions(m: _Model, net: Network, sim: NetworkResult | None, x: FloatArray
               ) -> pd.DataFrame:
    p, q, _ = m.unpack(x)
    flows = sim.flow if sim is not None else {}
    pres = sim.pressure if sim is not None else {}
    rows: list[dict[str, Any]] = []
    for k, e0 in enumerate(m.edges):
        e = net.edges[e0.id]
        if isinstance(e, Valve):
            mode, setp = ("open" if e.open else "closed"), math.nan
        elif isinstance(e, ControlValve):
            mode, setp = e.mode, (e.setpoint if e.mode == "active" and e.setpoint else math.nan)
        elif isinstance(e, Compressor):
            mode = e.mode
            setp = (e.discharge_pressure if e.mode == "active" and e.discharge_pressure
                    else math.nan)
        else:
            continue
        rows.append({"element": e.id, "type": type(e).__name__, "mode": mode,
                     "setpoint": float(setp), "flow": float(flows.get(e.id, q[k])),
                     "p_from": float(pres.get(e.from_node, p[m.fr[k]])),
                     "p_to": float(pres.get(e.to_node, p[m.to[k]]))})
    cols = ["element", "type", "mode", "setpoint", "flow", "p_from", "p_to"]
    return pd.DataFrame(rows, columns=cols)


def _verify(m: _Model, x: FloatArray, s: _Setting, inj_nom: FloatArray, log: list[str],
            label: str) -> tuple[Network, NetworkResult | None, list[str], list[str]]:
    net, slacks = _simulation_network(m, x, s, inj_nom)
    try:
        sim = solve_steady(net, m.gas, temperature=m.t)
    except (ConvergenceError, InputError) as exc:
        log.append(f"{label}: verifying simulation failed: {exc}")
        return net, None, [f"verifying simulation failed: {exc}"], []
    violated, binding = _checks(m, sim, net, slacks, inj_nom, x)
    log.append(f"{label}: simulated with pressure-fixed {', '.join(slacks) or 'none'}: "
               f"{len(violated)} violation(s)" + "".join(f"; {v}" for v in violated[:3]))
    return net, sim, violated, binding


def _nomination_arrays(net: Network, nomination: Mapping[str, float | tuple[float, float]]
                       ) -> tuple[FloatArray, list[tuple[int, float, float]], dict[int, float]]:
    idx = {n: i for i, n in enumerate(net.nodes)}
    inj = np.zeros(len(idx))
    free: list[tuple[int, float, float]] = []
    for nid, v in nomination.items():
        if nid not in idx:
            raise InputError("nominated node not in the network", element="nomination",
                             field=str(nid), value=v)
        if isinstance(v, tuple):
            lo, hi = float(v[0]), float(v[1])
            if lo > hi:
                raise InputError("nomination range crosses", element=f"node {nid}",
                                 field="nomination", value=v, expected="lower <= upper")
            if lo == hi:
                inj[idx[nid]] = lo
            else:
                node = net.nodes[nid]
                free.append((idx[nid], max(lo, node.flow_min), min(hi, node.flow_max)))
        else:
            inj[idx[nid]] = float(v)
    p_fixed = {idx[n]: pv for n, pv in net.pressures.items() if n not in nomination}
    for n in net.pressures:
        if n not in nomination:
            node = net.nodes[n]
            free.append((idx[n], node.flow_min, node.flow_max))
    return inj, free, p_fixed


def check_nomination(net_or_data: Network | GasLibData | str,
                     nomination: Mapping[str, float | tuple[float, float]] | None = None,
                     *, gas: Gas | None = None, temperature: float | None = None,
                     allow_valve_switching: bool = True,
                     combined_decisions: bool = True) -> NominationResult:
    """Validate a nomination: find settings of the active elements that meet every bound.

    Args:
        net_or_data: a :class:`Network`, a :class:`GasLibData` (its network with the
            scenario's pressure bounds) or the name of a packaged GasLib instance
            (e.g. ``"GasLib-582-v2"``).
        nomination: node id → injection [kg/s] (positive into the network) or
            (lower, upper) range. Default: the GasLib data's nomination, or the
            network's ``injections``. Nodes not named inject nothing; a
            pressure-fixed node of the network that is not named keeps its
            pressure and supplies what the balance needs within its flow bounds.
        gas: the gas; default :func:`gas_for_gaslib` of the data (a typical H-gas
            for a plain network).
        temperature: isothermal gas temperature [K]; default the GasLib scenario's
            (or the sources' mean), else the mean of the network's
            ``temperatures``, else 288.15 K.
        allow_valve_switching: try closing valves when the nomination is infeasible
            with every valve open.
        combined_decisions: honour the GasLib data's combined decisions (``.cdf``):
            a decision group with a single allowed decision fixes its elements'
            modes (value 0 → closed; a valve with value 1 → open; a control valve
            with value 1 → its given mode, active or bypass) and flow directions.

    Returns:
        a :class:`NominationResult`; ``feasible`` only when the steady solver
        re-simulated the operating point within every bound.

    Raises:
        InputError: a nominated node that is not in the network, or a network the
            method does not support (non-Darcy pipe laws).
    """
    t0 = time.perf_counter()
    log: list[str] = []
    data: GasLibData | None = None
    if isinstance(net_or_data, str):
        net_or_data = load_gaslib(net_or_data)
    if isinstance(net_or_data, GasLibData):
        data = net_or_data
        net = apply_nomination(data) if data.nomination is not None else data.network.copy()
        net.injections = {}
        if nomination is None:
            if data.nomination is None:
                raise InputError("no nomination given and the GasLib data has none",
                                 element="check_nomination", field="nomination")
            nomination = {k: (lo if lo == hi else (lo, hi))
                          for k, (lo, hi) in data.nomination.items()}
    else:
        net = net_or_data.copy()
        if nomination is None:
            nomination = dict(net.injections)
    if gas is None:
        gas = gas_for_gaslib(data)
    if temperature is None:
        if data is not None:
            temperature = _gaslib_temperature(data)
        elif net.temperatures:
            temperature = float(np.mean(list(net.temperatures.values())))
        else:
            temperature = 288.15
    inj_nom, free_inj, p_fixed = _nomination_arrays(net, nomination)
    # balance: only possible if the free injections can close it
    total = float(inj_nom.sum())
    lo_free = sum(a for _, a, _ in free_inj)
    hi_free = sum(b for _, _, b in free_inj)
    q_ref = max(1.0, 0.5 * float(np.abs(inj_nom).sum()))
    if not free_inj and 0.0 < abs(total) <= BALANCE_TOL * q_ref:
        inj_nom = inj_nom - total * np.abs(inj_nom) / float(np.abs(inj_nom).sum())
        log.append(f"nomination balanced: mismatch {total:.6g} kg/s spread over the nodes")
        total = float(inj_nom.sum())
    if not (lo_free - FLOW_TOL * q_ref <= -total <= hi_free + FLOW_TOL * q_ref):
        msg = (f"nomination unbalanced: injections sum to {total:.6f} kg/s and the free "
               f"nodes can take [{-hi_free:.6f}, {-lo_free:.6f}] kg/s")
        log.append(msg)
        # the network as documented: with the nominated injections (the fixed ones)
        net.injections = {n: float(q) for n, q in zip(net.nodes, inj_nom, strict=True)
                          if q != 0.0}
        return NominationResult(False, net, None, pd.DataFrame(
            columns=["element", "type", "mode", "setpoint", "flow", "p_from", "p_to"]),
            [], [msg], "not run", 0, time.perf_counter() - t0, log, gas, float(temperature))
    m = _Model(net, gas, float(temperature), inj_nom, free_inj, p_fixed, q_ref)
    nv = m.iv.size
    last_status = "not run"
    result: NominationResult | None = None

    elastic: list[_Model] = []  # the elastic problem, built when first needed

    def elastic_model() -> _Model:
        if not elastic:
            me = _Model(net, gas, float(temperature), inj_nom, free_inj, p_fixed, q_ref,
                        elastic=True)
            me.q_lo[:], me.q_hi[:] = m.q_lo, m.q_hi  # with the prescribed directions
            elastic.append(me)
        return elastic[0]

    def relaxed(s: _Setting, x_start: FloatArray, label: str
                ) -> tuple[bool, FloatArray, tuple[FloatArray, FloatArray] | None]:
        """The relaxed problem, tightening the complementarity τ: whether a point was
        found, the point, and its multipliers (None for a point rounded as it is)."""
        nonlocal last_status
        needs_tau = ("relaxed" in s.valve
                     or bool(np.any(m.q_lo[m.icv] < 0)) or bool(np.any(m.q_lo[m.ic] < 0)))
        taus = _TAUS if needs_tau else _TAUS[-1:]
        xs = x_start
        lam: tuple[FloatArray, FloatArray] | None = None
        for tau in taus:
            last = tau == taus[-1]
            x_prev = xs
            qn_before = m.quasi_newton_solves
            xs, last_status, ok, lam = _iterate(m, s, xs, tau, log, f"{label}, tau {tau:g}",
                                                passes=MAX_PASSES if last else 1, lam=lam,
                                                final=last)
            if not ok and tau != taus[0]:
                # tightening failed (GasLib-4197 at τ = 1e-3): round from the last
                # point solved; the fixed-mode solve and the simulation decide
                log.append(f"{label}: complementarity not tightened below "
                           f"{taus[taus.index(tau) - 1]:g}; rounding from that point")
                return True, x_prev, None
            if not ok:
                return False, xs, None
            if not last and m.quasi_newton_solves > qn_before:
                # only L-BFGS solved this point: IPOPT did not tighten from such a
                # point (GasLib-4197: τ = 1e-3 failed after 95 s); round it as it is,
                # the fixed-mode solve and the simulation decide
                log.append(f"{label}: solved at tau {tau:g} by the quasi-Newton fallback "
                           "only; rounding from that point")
                return True, xs, None
            if not last and _complementarity(m, xs, s) <= _TAUS[-1]:
                # already complementary: one last solve at the final τ
                xs, last_status, ok, lam = _iterate(m, s, xs, _TAUS[-1], log,
                                                    f"{label}, tau {_TAUS[-1]:g}", lam=lam)
                return ok, xs, lam
        return True, xs, lam

    def fixed_and_verified(mm: _Model, fixed: _Setting, xr: FloatArray, label: str,
                           lam: tuple[FloatArray, FloatArray] | None = None
                           ) -> tuple[bool, FloatArray]:
        """Fixed-mode solve from a relaxed point (warm with the relaxed solve's
        multipliers ``lam`` when given) → untangling → verification."""
        nonlocal last_status, result
        # re-solve with the modes fixed (bypassed elements join the lossless flow split)
        xf, last_status, ok, _ = _iterate(mm, fixed, xr, _TAUS[-1], log,
                                          label + " (modes fixed)", lam=lam)
        if not ok:
            return False, xr
        if mm.elastic:
            worst = float(np.max(xf[m.nx:], initial=0.0))
            if worst > _SLACK_TOL:  # these modes leave some bound violated
                log.append(f"{label}: modes fixed, no point within the bounds "
                           f"(largest slack {worst:.3g})")
                return False, xf
        xf, fixed, n_closed = _untangle(mm, xf, fixed)
        if n_closed:
            log.append(f"{label}: {n_closed} element(s) on lossless loops closed")
        for attempt_no in range(3):
            net_v, sim, violated, binding = _verify(mm, xf, fixed, inj_nom, log, label)
            if not violated:
                result = NominationResult(True, net_v, sim, _decisions(mm, net_v, sim, xf),
                                          sorted(set(binding)), [], last_status,
                                          m.iterations + sum(e.iterations for e in elastic),
                                          0.0, log)
                return True, xf
            if attempt_no == 2:
                break
            # refresh the frozen coefficients and re-solve with the modes fixed
            xf2, last_status, ok, _ = _iterate(mm, fixed, xf, _TAUS[-1], log,
                                               label + " (re-solve)", passes=2)
            if not ok:
                break
            xf = xf2
        return False, xf

    def attempt(s: _Setting, x_start: FloatArray, label: str) -> tuple[bool, FloatArray]:
        """Relaxed solve → rounding → fixed-mode solve → verification."""
        ok, xr, lam = relaxed(s, x_start, label)
        if not ok:
            return False, xr
        return fixed_and_verified(m, _round(m, xr, s), xr, label, lam)

    def decided(s: _Setting, label: str) -> bool:
        """The elastic problem with a choice of combined decisions → rounding (both ways
        for control valves between their modes) → fixed-mode solve → verification."""
        nonlocal last_status
        me = elastic_model()
        xe0 = np.zeros(me.nx)
        xe0[:m.nx] = m.start(_closed(m, s))
        xe, last_status, ok, _ = _iterate(me, s, xe0, _TAUS[-1], log, label)
        worst = float(np.max(xe[m.nx:], initial=0.0))
        if not ok or worst > _SLACK_TOL:
            log.append(f"{label}: no point within the bounds (largest slack {worst:.3g})")
            return False
        tried: list[_Setting] = []
        for gap_active in (False, True):
            fixed = _round(me, xe, s, gap_active)
            if fixed in tried:
                continue
            tried.append(fixed)
            if fixed_and_verified(me, fixed, xe, label + (", regulators between modes "
                                                          "active" if gap_active else ""))[0]:
                return True
        return False

    preset: dict[str, str] = {}
    if data is not None and combined_decisions:
        preset, directions = _cdf_presets(data, net)
        _direct(m, m.q_lo, m.q_hi, directions)
        if preset:
            log.append(f"combined decisions (.cdf): {len(preset)} element mode(s) and "
                       f"{len(directions)} flow direction(s) fixed by single-decision groups")

    ids = [e.id for e in m.edges]

    def preset_setting(valve_default: str, modes: Mapping[str, str] | None = None
                       ) -> _Setting:
        chosen = {**preset, **modes} if modes else preset
        return _Setting([chosen.get(ids[k], valve_default) for k in m.iv],
                        [chosen.get(ids[k], "relaxed") for k in m.icv],
                        [chosen.get(ids[k], "relaxed") for k in m.ic])

    def decision_stage() -> None:
        """One choice per multi-decision .cdf group (most stations open first), each
        solved through the elastic problem, until one verifies."""
        assert data is not None
        me = elastic_model()
        q_bounds = me.q_lo.copy(), me.q_hi.copy()
        for names, modes, directions in _decision_combinations(data, net,
                                                               MAX_DECISION_COMBINATIONS):
            me.q_lo[:], me.q_hi[:] = q_bounds
            _direct(m, me.q_lo, me.q_hi, directions)
            if decided(preset_setting("open", modes), "decisions " + ", ".join(names)):
                break
        me.q_lo[:], me.q_hi[:] = q_bounds

    multi = (data is not None and combined_decisions
             and any(len(g) > 1 for g in data.combined_decisions.values()))
    valves_free = preset_setting("relaxed")
    valves_open = preset_setting("open")
    x = m.start(_closed(m, valves_free))
    stages = ([("valves free", valves_free), ("valves open", valves_open)]
              if allow_valve_switching and nv else [("valves open", valves_open)])
    x1 = x
    decisions_tried = not multi
    for label, setting in stages:
        ok, x1 = attempt(setting, x, label)
        if ok:
            break
        if not decisions_tried:
            # after the first stage: on GasLib-4197 the relaxed stages cannot verify
            # (the valves-open stage costs as long as the decisions); GasLib-582's
            # first choices of decisions are infeasible and its first stage verifies
            decisions_tried = True
            decision_stage()
            if result is not None:
                break
    if result is None and not decisions_tried:
        decision_stage()
    if result is not None:
        return _finish(result, t0, gas, temperature)
    # infeasible: least-violating point of the elastic problem
    me = elastic_model()
    se = valves_open
    xe0 = np.zeros(me.nx)
    xe0[:m.nx] = x1 if (x1.size == m.nx and np.all(np.isfinite(x1))) else m.start()
    xe, status, ok, _ = _iterate(me, se, xe0, _TAUS[-1], log, "elastic problem")
    last_status = status
    fixed = _round(me, xe, se)
    xe, fixed, _ = _untangle(me, xe, fixed)
    net_v, sim, violated, binding = _verify(me, xe, fixed, inj_nom, log, "elastic point")
    if not violated:  # the elastic point verified after all
        res = NominationResult(True, net_v, sim, _decisions(me, net_v, sim, xe),
                               sorted(set(binding)), [], last_status,
                               m.iterations + me.iterations, 0.0, log)
        return _finish(res, t0, gas, temperature)
    if sim is None:
        violated = violated + _elastic_violations(me, xe)
    res = NominationResult(False, net_v, sim, _decisions(me, net_v, sim, xe),
                           sorted(set(binding)), violated, last_status,
                           m.iterations + me.iterations, 0.0, log)
    return _finish(res, t0, gas, temperature)


def _direct(m: _Model, q_lo: FloatArray, q_hi: FloatArray, directions: Mapping[str, int]
            ) -> None:
    """Narrow the flow bounds to the directions a decision prescribes (0: along the
    element, 1: against it)."""
    for k, e in enumerate(m.edges):
        if e.id in directions:
            if directions[e.id] == 0:
                q_lo[k] = max(q_lo[k], 0.0)
            else:
                q_hi[k] = min(q_hi[k], 0.0)


def _decision_presets(states: Mapping[str, DecisionState], net: Network,
                      modes: dict[str, str], directions: dict[str, int]) -> None:
    """Add one ``.cdf`` decision's element modes and flow directions to the dicts.

    Value 0 → closed; a valve with value 1 → open; a control valve with value 1 and a
    mode → that mode (active or bypass); a compressor station with value 1 stays
    relaxed (active or bypass). Elements the network lacks are ignored.
    """
    for eid, st in states.items():
        e = net.edges.get(eid)
        if e is None:
            continue
        if st.value == 0:
            modes[eid] = "closed"
            continue
        if isinstance(e, Valve):
            modes[eid] = "open"
        elif isinstance(e, ControlValve) and st.mode in ("active", "bypass"):
            modes[eid] = st.mode
        if st.flow_direction is not None:
            directions[eid] = st.flow_direction


def _cdf_presets(data: GasLibData, net: Network) -> tuple[dict[str, str], dict[str, int]]:
    """Modes and flow directions fixed by the ``.cdf``'s single-decision groups.

    Returns (element id → mode, element id → flow direction: 0 along the element, 1
    against it). A group with one allowed decision is an operating rule of the
    network (e.g. the bypass valve of a regulator station kept closed).
    """
    modes: dict[str, str] = {}
    directions: dict[str, int] = {}
    for decisions in data.combined_decisions.values():
        if len(decisions) == 1:
            (states,) = decisions.values()
            _decision_presets(states, net, modes, directions)
    return modes, directions


def _decision_combinations(data: GasLibData, net: Network, limit: int
                           ) -> list[tuple[list[str], dict[str, str], dict[str, int]]]:
    """Up to ``limit`` choices of one decision per multi-decision ``.cdf`` group.

    Each group's decisions are ranked by the number of compressor stations they keep
    open (most first: an open station may still pass gas in bypass, so it is the
    more flexible choice), then by their order in the file; combinations come in
    order of the sum of their ranks. Returns (decision ids, modes, directions) each.
    """
    groups = []
    for decisions in data.combined_decisions.values():
        if len(decisions) < 2:
            continue

        def stations(item: tuple[str, dict[str, DecisionState]]) -> int:
            return -sum(1 for eid, st in item[1].items()
                        if st.value == 1 and isinstance(net.edges.get(eid), Compressor))

        groups.append(sorted(decisions.items(), key=stations))  # stable: file order
    if not groups:
        return []
    ranked = sorted(itertools.product(*(range(len(g)) for g in groups)),
                    key=lambda r: (sum(r), r))
    out = []
    for ranks in ranked[:limit]:
        modes: dict[str, str] = {}
        directions: dict[str, int] = {}
        for g, r in zip(groups, ranks, strict=True):
            _decision_presets(g[r][1], net, modes, directions)
        out.append(([g[r][0] for g, r in zip(groups, ranks, strict=True)], modes,
                    directions))
    return out


def _elastic_violations(m: _Model, x: FloatArray) -> list[str]:
    """Bounds relaxed by the elastic problem's slacks, in words."""
    p, q, _ = m.unpack(x)
    out: list[str] = []
    for i, nid in enumerate(m.node_ids):
        if p[i] < m.p_lo[i] - PRESSURE_TOL:
            out.append(f"node {nid}: pressure {p[i] / 1e5:.3f} bar below minimum "
                       f"{m.p_lo[i] / 1e5:.3f} bar")
        if p[i] > m.p_hi[i] + PRESSURE_TOL:
            out.append(f"node {nid}: pressure {p[i] / 1e5:.3f} bar above maximum "
                       f"{m.p_hi[i] / 1e5:.3f} bar")
    for k, e in enumerate(m.edges):
        if not e.flow_min - 1e-6 <= q[k] <= e.flow_max + 1e-6:
            out.append(f"{type(e).__name__} {e.id}: flow {q[k]:.3f} kg/s outside "
                       f"[{e.flow_min:.3f}, {e.flow_max:.3f}] kg/s")
    return out


def _finish(res: NominationResult, t0: float, gas: Gas, temperature: float
            ) -> NominationResult:
    return replace(res, seconds=time.perf_counter() - t0, gas=gas,
                   temperature=float(temperature))
