r"""Transient gas flow in trunklines and networks: an implicit finite-volume engine.

Model
-----
Every pipe carries one-dimensional compressible flow (Osiadacz, *Simulation and
Analysis of Gas Networks*, 1987, ch. 4; Thorley & Tiley, Int. J. Heat Fluid Flow
8(1), 1987), in mass flow q = ρ v A:

.. math::

    A\,\frac{\partial \rho}{\partial t} + \frac{\partial q}{\partial x} = 0, \qquad
    \frac{1}{A}\frac{\partial q}{\partial t}
    + \frac{q^2}{A^2}\frac{\partial (1/\rho)}{\partial x}
    + \frac{\partial p}{\partial x}
    + \frac{\lambda\,q|q|}{2 D A^2 \rho} + \rho g \frac{dz}{dx} = 0

with ρ = p M / (Z(p, T) R T) from the gas' EOS surrogate (GERG-2008 or
AGA8-DETAIL, :class:`~trunkline.gas.GasSurrogate`) or a constant-Z gas, λ(Re)
from the pipe's friction law (Colebrook-White and the other laws of
:mod:`trunkline.physics.friction`, with their laminar and critical-zone
treatment) or a constant λ. The convective term is written with the flow of the
cell face, q² ∂(1/ρ)/∂x, which is exact in the steady limit (where it is the
acceleration term of the steady march, :mod:`trunkline.solve.line`) and drops
only 2(q/ρA)∂q/∂x, of relative size Mach² in transients. The temperature of
every cell is **frozen** at its initial steady value (the non-isothermal steady
march's profile for a trunkline: gas warm after the coolers, relaxing to the
ground) or uniform (``temperature="isothermal"``); the energy equation is not
integrated in time (see "Limits").

Discretisation (vertex-centred staggered grid; Kiuchi, J. Pipeline Eng. 1994;
Osiadacz 1987 sect. 4.4)
------------------------------------------------------------------------------
Each pipe is split into N = round(L/Δx) equal segments. Pressures (and densities)
live at the segment ends ("points"): every interior point owns a control volume
A·Δx, a pipe end A·Δx/2, added to the network node it ends at (nodes without
pipe volume, e.g. between a compressor and a valve, are given a station-yard
volume of ``node_volume_length`` metres of the mean pipe). Mass flows live on
segments and on elements (compressors, valves, control valves, resistors, short
pipes). The discrete equations are

.. math::

    V_i\,\dot\rho_i + \sum_{k\,\text{out of}\,i} q_k - \sum_{k\,\text{into}\,i} q_k
        = s_i - f_i \qquad \text{(every point; } s_i \text{ injection, } f_i \text{ fuel)}

    \frac{\Delta x}{A}\dot q_k + (p_b - p_a) + \frac{q_k^2}{A^2}
        \Big(\frac{1}{\rho_b} - \frac{1}{\rho_a}\Big)
        + \Delta x\,\frac{\lambda q_k|q_k|}{2DA^2\bar\rho} + g\bar\rho\,(z_b - z_a) = 0,
        \qquad \bar\rho = \tfrac12(\rho_a + \rho_b)

(every segment) and an algebraic law per element. With the arithmetic mean ρ̄
the friction term is exact for a horizontal isothermal ideal gas (it integrates
p dp = −K dx exactly); otherwise the scheme is second order in Δx. Continuity is
a finite-volume balance: internal flows cancel in pairs, so the inventory
Σ V_i ρ_i changes only by what crosses the boundaries and what the stations burn.

Time integration: backward Euler (``method="euler"``, first order) or the
variable-step BDF2 (``method="bdf2"``, second order, started by one Euler step
and restarted after every event), both L-stable and free of a CFL limit:
:math:`\dot y_{n+1} \approx (\alpha_0 y_{n+1} + \alpha_1 y_n + \alpha_2 y_{n-1})/h`,
α₀ = (1+2ω)/(1+ω), α₁ = −(1+ω), α₂ = ω²/(1+ω), ω = h_n/h_{n−1}
(Hairer & Wanner, *Solving ODEs II*, sect. III.5). Steps are fixed (``dt``
seconds, shortened to land on events and jumps of step profiles) or
error-controlled (``dt="auto"``): the local error is estimated from the
difference to the quadratic predictor (Milne's device),
:math:`e \approx (y - y^{pred})\,\frac{h/\alpha_0}{h/\alpha_0 + h_n + h_{n-1} + h_{n-2}}`,
and the step accepted when its weighted RMS norm is below 1 (``rtol``).

Newton per step: unknowns are the point pressures and the link flows; the
residual and its Jacobian are assembled from vectorised per-segment and
per-element terms into a **fixed sparsity pattern**. For a trunkline the unknowns
are ordered along the chain (p₀, q₀, p₁, q₁, …), where the Jacobian is
tridiagonal; the segment flows are eliminated by their momentum rows (vectorised),
leaving a tridiagonal system in the point pressures and element flows, stored by one
gather of the groups' values and factorised by LAPACK ``gttrf``/``gttrs`` (O(n));
a network uses SuperLU on the fixed CSC pattern.
The start is the extrapolation of the last two steps. The Jacobian is kept over
the iterations of a step (chord steps) and taken anew when the updates contract
slower than 0.1 or when a station, check valve, control valve or curtailed demand
changes branch (semismooth Newton: the old branch's Jacobian converges slowly or
cycles between two limits).
λ(Re) is updated at every iterate with its exact derivative; the viscosity
(Lee-Gonzalez-Eakin) and the station fuel are evaluated once per step at the
start-of-step state (lagged; both are exact again at any steady state).

Mass conservation: after Newton the densities of the free points are set from
the discrete continuity equation with the converged flows (the one linear
equation Newton satisfies only to its tolerance) and the pressures from the EOS
at that density, so the inventory balance of the scheme holds to round-off at
every step (backward Euler: ΔM = h(in − out − fuel); BDF2: the same with the
BDF2 weights, i.e. the per-step masses in/out are the BDF2 quadrature of the
flows, :attr:`TransientResult.balance`).

Compressor stations are internal boundary conditions with a controller that
takes the most restrictive of its limits: discharge set-point (or ratio, or
suction set-point), available shaft power, maximum ratio, minimum suction
pressure (suction protection: the station throttles rather than draw its suction
below the minimum), and no reverse flow; when even zero compression violates a
limit the gas passes the station bypass (p_d = p_s), forwards only: the bypass
and the compressor outlet have check valves, so a station throttled to zero flow
whose discharge stays above its suction is stopped (q = 0) rather than letting
its discharge side drain back upstream. In complementarity form, with the lift
ℓ = p_d − p_s and the scaled slacks s_k of the limits (≥ 0 when met),
min(ℓ, −min_k s_k, q) = 0, solved by semismooth Newton. Power is
P = q w(p_s, p_d)/η_m with the polytropic work w = C (r^σ − 1), r = p_d/p_s,
σ = (κ − 1)/(κ η_p), C calibrated against the real-gas polytropic path
(:func:`~trunkline.physics.compressor.real_gas_polytropic`) at the initial
state and again whenever a station's ratio or suction moves by more than
``recalibrate`` (relative). Fuel = P/(η_th NCV), taken from the line at the
suction. A tripped station passes gas through its bypass check valve only when
its suction is above its discharge.

Initial state: the steady state *of this discretisation* (the same equations
with the time derivatives removed), solved by damped Newton from the steady
solver's answer (the march :func:`~trunkline.solve.line.march_line` for a
trunkline, :func:`~trunkline.solve.network.solve_steady` for a network), so a
steady state stays steady to round-off.

Decisions
---------
* Lagged terms: the viscosity (Lee-Gonzalez-Eakin on ρ̄) and φ = λ·Re are evaluated
  exactly at the start of a step and refreshed when a segment's ρ̄ or Re has moved by
  more than ``lag_tol`` (1 %); in between they are linearised (error ~1e-5 of the
  friction term). Station fuel is taken at the start-of-step state. All are exact
  again at any steady state, so the steady limit is unaffected.
* Station work model calibrated on a grid of nodes 5 % apart in (ln p_s, ln r) and
  cached for all runs on the same gas (within 1e-4 of the real-gas path);
  ``recalibrate`` < 0.01 calibrates at the exact state (validation runs). The steady
  march a trunkline run starts from is cached per line, flow and month.
* A step that ends on a jump of a step profile uses the value in force during the
  step (the left limit); the next step starts from the new value.
* Nodes without pipe volume get a station-yard volume (100 m of the mean pipe), so
  every pressure is a state variable. A withdrawal is curtailed rather than draw its
  node below ``demand_floor`` (0.5 MPa): the buyer takes what arrives.
* The steady start is solved with suction protection off; each station's minimum
  suction is then min(template minimum, start suction − 1 kPa), because the PoS2
  placement puts every station exactly at its minimum and the 1 km grid moves that
  by ~1e-5.
* A supply-loss event trips a compressor drawing directly on the lost node.

Validation (``tests/solve/test_transient.py``, ``benchmarks/bench_transient.py``)
---------------------------------------------------------------------------------
* A steady PoS2 line stays steady over a day: drift ~1e-11 (test: <= 1e-8).
* Mass: per-step balance error <= 2e-13 of the step's throughput (test: <= 1e-9).
* Step change on a 100 km real-gas pipe settles to the steady march within 3e-7
  (2 km), 4e-8 (1 km), 3e-9 (500 m) (test: 1e-6 at 1 km).
* Order on a smooth case (20 km, λ = 0.01): backward Euler 0.87-0.97, BDF2 2.6-2.85
  in time; 2.01-2.02 in space.
* Gyrya & Zlotnik and Chaczykowski cases: errors against grid and step in the
  benchmark's tables.

Limits
------
The energy equation is not integrated in time: temperatures are frozen per cell
(an isothermal-in-time model, standard for slow transients in buried lines,
Osiadacz & Chaczykowski, Arch. Thermodyn. 2001); station discharge
temperatures follow the after-coolers of the initial state. Friction uses the
quasi-steady λ. Compressors are modelled by their controller limits, not by
maps.
"""

from __future__ import annotations

import itertools
import math
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.linalg import lapack

from trunkline.cache import LruCache
from trunkline.errors import ConvergenceError, InputError, OutOfRangeError
from trunkline.gas import Gas, IdealGas
from trunkline.gas.viscosity import lee_gonzalez_eakin
from trunkline.io import write_json, write_tables
from trunkline.model import (
    GRAVITY,
    Compressor,
    ControlValve,
    Network,
    NetworkScenario,
    Pipe,
    Resistor,
    ShortPipe,
    Station,
    Trunkline,
    Valve,
    load_scenario,
)
from trunkline.physics import friction as _fr
from trunkline.physics.compressor import real_gas_polytropic
from trunkline.solve.line import LineResult, MarchOptions
from trunkline.solve.network import solve_steady
from trunkline.solve.studies import line_inputs_key, resolve_throughput, simulate, station_layout
from trunkline.solve.transient_events import Boundary, Event
from trunkline.units import parse_quantity

__all__ = [
    "TransientOptions",
    "TransientResult",
    "simulate_transient",
    "survival_time",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Lossless links (short pipes, open valves, bypasses) carry a tiny linear
#: resistance p_a − p_b = ε·p_ref·q/q_ref (ε = 1e-9), as in the steady network solver,
#: so that loops of them have determined flows.
EQUAL_RESISTANCE: Final = 1e-9
#: Lowest suction a running compressor may draw when suction protection is off [Pa].
SUCTION_FLOOR: Final = 1.0e6
#: Changes of the active set within one Newton solve that trigger a new Jacobian.
_MAX_SWITCHES: Final = 4
#: Contraction rate of the chord iteration above which the Jacobian is refreshed: a
#: factorisation costs less than half a residual evaluation with its solve, so a slow
#: chord (θ > 0.1: one more digit per iteration at best) is not worth keeping.
_REFRESH_THETA: Final = 0.1

#: Fields of a compressor's work-model calibration.
_CAL_FIELDS: Final = ("c_work", "sigma", "beta", "cal_ps", "cal_r")
#: Work-model calibrations on the (ln p_s, ln r) grid, per (gas model, suction
#: temperature, η_p, grid spacing, node), shared by all runs; the gas models are kept
#: alive in ``_CAL_OWNERS`` so that their ids stay unique.
_CAL_SHARED: dict[tuple[int, float, float, float, int, int], tuple[float, ...]] = {}
_CAL_OWNERS: dict[int, object] = {}

# link kinds
SEG, EQUAL, CLOSED, RESISTOR, CONTROL, ACTIVE, CHECK = range(7)
KIND_NAMES: Final = ("pipe", "open", "closed", "resistor", "control", "running", "tripped")
# compressor set-point kinds
SP_DISCHARGE, SP_RATIO, SP_SUCTION = range(3)
# friction law codes
_LAW_CONST, _LAW_COLEBROOK, _LAW_PC, _LAW_OTHER = range(4)


@dataclass(frozen=True)
class TransientOptions:
    """Numerical and modelling options of :func:`simulate_transient`.

    Attributes:
        dx: target segment length [m] (each pipe gets round(L/dx) >= 1 segments).
        method: ``"bdf2"`` (second order) or ``"euler"`` (backward Euler, first order).
        rtol: local error tolerance of the adaptive step (``dt="auto"``).
        dt_min, dt_max: bounds of the adaptive step [s]; dt_restart: first step after
            an event in adaptive mode [s].
        newton_tol: Newton tolerance on the scaled residual (∞-norm; flows / q_ref,
            pressures / p_ref).
        max_newton: Newton iterations per step before the step fails.
        temperature: ``"frozen"`` (each cell keeps its initial steady temperature) or
            ``"isothermal"`` (one temperature everywhere).
        convective: include the convective term q²∂(1/ρ)/∂x.
        inertia: include ∂q/∂t (without it the model is the parabolic "friction
            dominated" one).
        friction_factor: a constant Darcy λ for every pipe (None: each pipe's law).
        viscosity: a constant dynamic viscosity [Pa·s] (None: the gas' own).
        z: a constant compressibility factor (None: the gas' EOS).
        suction_protection: stations throttle to keep their suction at or above the
            template's minimum suction pressure (trunklines); off: only
            :data:`SUCTION_FLOOR` holds.
        enforce_limits: network compressors also obey their ``max_power``,
            ``max_ratio`` and ``p_in_min`` (the steady solver only reports them).
        node_volume_length: nodes without pipe volume get this length [m] of the
            mean pipe as volume (station yard piping).
        profile_interval: record full profiles every this many seconds (None: every
            step; 0: initial and final only).
        recalibrate: relative change of a station's ratio or suction that triggers a
            new calibration of its work model against the real-gas path (0.05: work
            within 1e-4; use 1e-3 to compare steady states with the march to 1e-6).
        demand_floor: a withdrawal is curtailed rather than draw its node below this
            pressure [Pa] (what reaches the node is taken, the node is held there).
        lag_tol: relative change of a segment's density or Reynolds number that triggers
            a new exact evaluation of its viscosity and of its friction factor (in between
            both are linearised; error ~1e-5 of the friction term at 0.01, use 1e-4 for
            validation runs).
    """

    dx: float = 1000.0
    method: Literal["bdf2", "euler"] = "bdf2"
    rtol: float = 1e-4
    dt_min: float = 1.0
    dt_max: float = 3600.0
    dt_restart: float = 60.0
    newton_tol: float = 1e-9
    max_newton: int = 25
    temperature: Literal["frozen", "isothermal"] = "frozen"
    convective: bool = True
    inertia: bool = True
    friction_factor: float | None = None
    viscosity: float | None = None
    z: float | None = None
    suction_protection: bool = True
    enforce_limits: bool = False
    node_volume_length: float = 100.0
    profile_interval: float | None = 3600.0
    recalibrate: float = 0.05
    lag_tol: float = 0.01
    demand_floor: float = 0.5e6

    def __post_init__(self) -> None:
        checks: list[tuple[str, bool, str]] = [
            ("dx", self.dx > 0, "> 0 m"),
            ("method", self.method in ("bdf2", "euler"), "'bdf2' or 'euler'"),
            ("rtol", self.rtol > 0, "> 0"),
            ("dt_min", 0 < self.dt_min <= self.dt_max, "0 < dt_min <= dt_max"),
            ("newton_tol", self.newton_tol > 0, "> 0"),
            ("max_newton", self.max_newton >= 1, ">= 1"),
            ("temperature", self.temperature in ("frozen", "isothermal"),
             "'frozen' or 'isothermal'"),
            ("friction_factor", self.friction_factor is None or self.friction_factor > 0,
             "None or > 0"),
            ("viscosity", self.viscosity is None or self.viscosity > 0, "None or > 0"),
            ("z", self.z is None or self.z > 0, "None or > 0"),
            ("node_volume_length", self.node_volume_length > 0, "> 0 m"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError("invalid option", element="TransientOptions", field=name,
                                 value=getattr(self, name), expected=expected)


# ---------------------------------------------------------------------------------------
# gas models on the points' frozen temperatures
# ---------------------------------------------------------------------------------------

class _ZConst:
    """ρ = p / (Z R_s T) with a constant Z (ideal gas: Z = 1)."""

    def __init__(self, zrt: FloatArray) -> None:
        self.zrt = zrt

    def rho(self, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        inv = 1.0 / self.zrt
        return p * inv, inv

    def rho_only(self, p: FloatArray) -> FloatArray:
        out: FloatArray = p / self.zrt
        return out

    def pressure(self, rho: FloatArray, p0: FloatArray) -> FloatArray:
        return rho * self.zrt

    def in_range(self, p: FloatArray) -> bool:
        return bool(np.all(p > 0))


class _ZTable:
    """Z(p) along each point's frozen temperature: the surrogate restricted to T = T_i.

    The bicubic surrogate is a cubic polynomial in p on every cell of its p grid at
    fixed T; the four coefficients per (temperature, cell) are recovered exactly (to
    round-off) from four samples inside the cell, so Z, ∂Z/∂p and ρ agree with
    :meth:`GasSurrogate.z_derivatives` while costing one row gather and a Horner
    scheme per point.
    """

    def __init__(self, gas: Gas, t_points: FloatArray) -> None:
        sur = gas.surrogate()
        env = sur.envelope
        self.p_min, self.p_max = env.p_min, env.p_max
        self.nc = env.n_p - 1
        self.dp = (env.p_max - env.p_min) / self.nc
        self.r_s = sur.gas_constant / sur.molar_mass
        t_unique, self.t_index = np.unique(t_points, return_inverse=True)
        self.t = t_points
        u = np.array([0.125, 0.375, 0.625, 0.875])
        vinv = np.linalg.inv(np.vander(u, 4, increasing=True))
        pc = env.p_min + (np.arange(self.nc)[:, None] + u[None, :]) * self.dp  # (nc, 4)
        zs = sur.z(np.broadcast_to(pc[None], (t_unique.size, self.nc, 4)),
                   np.broadcast_to(t_unique[:, None, None], (t_unique.size, self.nc, 4)))
        coef = (zs @ vinv.T).reshape(-1, 4)  # rows: t*nc + cell
        # per row: c0, c1, c2, c3 and the derivative's 2 c2, 3 c3
        self.coef = np.ascontiguousarray(np.column_stack([coef, 2.0 * coef[:, 2],
                                                          3.0 * coef[:, 3]]))
        self.base = self.t_index * self.nc
        self.rt = self.r_s * t_points
        self.inv_dp = 1.0 / self.dp
        n = t_points.size
        self.cell = np.full(n, -1.0)   # each point's p cell (integral values)
        self.cc = np.zeros((6, n))   # every point's cubic (rows as ``coef``'s columns)
        self.c0, self.c1, self.c2, self.c3, self.c2x2, self.c3x3 = self.cc

    def _local(self, p: FloatArray) -> FloatArray:
        """Position u in [0, 1] of every point in its p cell; refreshes the cached cubics."""
        fx = np.maximum(p, self.p_min)
        np.minimum(fx, self.p_max, out=fx)
        fx -= self.p_min
        fx *= self.inv_dp
        cell = np.floor(fx)         # (as a float: no conversions on the whole array)
        np.minimum(cell, self.nc - 1, out=cell)
        moved = cell != self.cell
        if moved.any():  # refresh the cached cubic of points that changed cell
            k = np.flatnonzero(moved)
            ck = cell[k]
            self.cell[k] = ck
            self.cc[:, k] = self.coef[self.base[k] + ck.astype(np.intp)].T
        fx -= cell
        return fx

    def _horner(self, u: FloatArray) -> FloatArray:
        z = self.c3 * u
        z += self.c2
        z *= u
        z += self.c1
        z *= u
        z += self.c0
        return z

    def z(self, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Z and ∂Z/∂p at every point (pressures clipped to the envelope)."""
        u = self._local(p)
        z = self._horner(u)
        dz = self.c3x3 * u
        dz += self.c2x2
        dz *= u
        dz += self.c1
        dz *= self.inv_dp
        return z, dz

    def rho(self, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        z, dz = self.z(p)
        zrt = z * self.rt
        rho = p / zrt
        # ρ (1/p − Z_p/Z) = (Z − p Z_p) / (Z · Z R T)
        drho = p * dz
        np.subtract(z, drho, out=drho)
        drho /= z
        drho /= zrt
        return rho, drho

    def rho_only(self, p: FloatArray) -> FloatArray:
        rho = self._horner(self._local(p))
        rho *= self.rt
        np.divide(p, rho, out=rho)
        return rho

    def pressure(self, rho: FloatArray, p0: FloatArray) -> FloatArray:
        """Invert ρ(p) at the frozen temperatures (Newton from ``p0``)."""
        p = p0.copy()
        for _ in range(8):
            z, dz = self.z(p)
            g = p - rho * self.rt * z
            dp = g / (1.0 - rho * self.rt * dz)
            p -= dp
            if float(np.max(np.abs(dp) / p)) < 1e-8:  # quadratic: next change < 1e-16
                break
        return p

    def in_range(self, p: FloatArray) -> bool:
        return bool(p.min() >= self.p_min and p.max() <= self.p_max)


# ---------------------------------------------------------------------------------------
# friction: φ(Re) = λ·Re, regular at zero flow (laminar φ = 64)
# ---------------------------------------------------------------------------------------

class _Friction:
    """λ·Re and its derivative for every segment, laws as :func:`darcy_friction`."""

    def __init__(self, law: npt.NDArray[np.str_], rel: FloatArray, constant: float | None
                 ) -> None:
        n = rel.size
        self.rel = rel
        self.constant = constant
        self.code = np.full(n, _LAW_OTHER, dtype=np.intp)
        if constant is not None:
            self.code[:] = _LAW_CONST
        else:
            self.code[law == "colebrook"] = _LAW_COLEBROOK
            self.code[law == "prandtl-colebrook"] = _LAW_PC
        self.law = law
        self.cb = np.flatnonzero((self.code == _LAW_COLEBROOK) | (self.code == _LAW_PC))
        div = np.where(self.code[self.cb] == _LAW_PC, _fr.ROUGH_PIPE_ROUGHNESS_DIVISOR,
                       _fr.COLEBROOK_ROUGHNESS_DIVISOR)
        self.cb_a = rel[self.cb] / div
        self.x = np.full(self.cb.size, 10.0)  # 1/√λ, warm start
        self.other = [(str(lw), np.flatnonzero((self.code == _LAW_OTHER) & (law == lw)))
                      for lw in np.unique(law[self.code == _LAW_OTHER])]

    def _colebrook(self, re: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Turbulent λ and dλ/dRe by Newton on x = 1/√λ (warm-started).

        g(x) = x + 2 log10(a + b x) has |g''/(2g')| <= 1/(x² ln 10) <= 0.05 (λ <= 0.1),
        so after an update Δx the remaining error is below 0.05 Δx²: the iteration
        stops when |Δx| <= 1e-7 (error < 1e-15).
        """
        a = self.cb_a
        b = _fr.COLEBROOK_RE_COEFFICIENT / re
        c2 = 2.0 / math.log(10.0)   # 2 log10(y) = c2 ln(y)
        b2 = c2 * b
        x = self.x.copy()
        for _ in range(30):
            arg = b * x
            arg += a
            f = np.log(arg)
            f *= c2
            f += x
            fx = b2 / arg
            fx += 1.0
            f /= fx             # the update Δx
            x -= f
            if float(np.abs(f).max()) <= 1e-7:
                break
        self.x = x
        arg = b * x
        arg += a
        fx = b2 / arg
        fx += 1.0
        # dx/dRe = −g_Re/g_x with g_Re = −c2 b x/(Re arg); dλ/dRe = −2 (dx/dRe)/x³
        dx_dre = b2 * x
        dx_dre /= arg
        dx_dre /= fx
        dx_dre /= re
        lam = 1.0 / (x * x)
        dlam = lam / x
        dlam *= -2.0
        dlam *= dx_dre
        return lam, dlam

    def phi(self, re: FloatArray) -> tuple[FloatArray, FloatArray]:
        """φ = λ·Re and dφ/dRe for Reynolds numbers ``re`` (>= 0)."""
        if self.constant is not None:
            return self.constant * re, np.full_like(re, self.constant)
        phi = np.full_like(re, _fr.LAMINAR_FRICTION_CONSTANT)
        dphi = np.zeros_like(re)
        lo, hi = _fr.RE_LAMINAR_MAX, _fr.RE_TURBULENT_MIN
        lam_t = np.zeros_like(re)
        dlam_t = np.zeros_like(re)
        if self.cb.size == re.size:   # every segment on Colebrook's law
            lam_t, dlam_t = self._colebrook(np.maximum(re, lo))
        elif self.cb.size:
            re_c = np.maximum(re[self.cb], lo)
            lam_t[self.cb], dlam_t[self.cb] = self._colebrook(re_c)
        for law, idx in self.other:
            r = np.maximum(re[idx], lo)
            h = r * 1e-6
            l0 = np.asarray(_fr.darcy_friction(r, self.rel[idx], law=law))
            l1 = np.asarray(_fr.darcy_friction(r + h, self.rel[idx], law=law))
            lam_t[idx], dlam_t[idx] = l0, (l1 - l0) / h
        if float(np.min(re, initial=hi)) >= hi:
            return lam_t * re, lam_t + re * dlam_t
        turb = re >= hi
        phi[turb] = lam_t[turb] * re[turb]
        dphi[turb] = lam_t[turb] + re[turb] * dlam_t[turb]
        crit = (re >= lo) & ~turb
        if np.any(crit):
            r = re[crit]
            w = (r - lo) / (hi - lo)
            lt, dlt = lam_t[crit], dlam_t[crit]
            phi[crit] = (1.0 - w) * _fr.LAMINAR_FRICTION_CONSTANT + w * lt * r
            dphi[crit] = (-_fr.LAMINAR_FRICTION_CONSTANT + lt * r) / (hi - lo) \
                + w * (lt + r * dlt)
        return phi, dphi


# ---------------------------------------------------------------------------------------
# the discretised system: points (pressure, volume) and links (segments, elements)
# ---------------------------------------------------------------------------------------

@dataclass
class _Grid:
    """Points and links of a discretised line or network (built once per run)."""

    # points
    x: FloatArray                 # chainage (line) or position along its pipe [m]
    z: FloatArray                 # elevation [m]
    t: FloatArray                 # frozen temperature [K]
    vol: FloatArray               # control volume [m³]
    point_pipe: list[str]         # owning pipe id ("" for network nodes)
    # segments
    sa: IntArray
    sb: IntArray
    sdx: FloatArray
    sarea: FloatArray
    sdiam: FloatArray
    srel: FloatArray
    slaw: npt.NDArray[np.str_]
    seff: FloatArray
    seg_pipe: list[str]
    # elements
    ea: IntArray
    eb: IntArray
    ekind: IntArray
    eid: list[str]
    etype: list[str]              # "station", "Compressor", "Valve", ...
    eparam: dict[str, FloatArray]  # per-element parameters (see _element_params)
    # named points and the pipes' point ranges
    names: dict[str, int]
    watch: list[str]              # named points reported as time series
    pipes: dict[str, tuple[int, ...]]  # pipe id -> its points in order
    pipe_segs: dict[str, tuple[int, ...]]  # pipe id -> its segments in order
    is_line: bool
    # initial guess
    p0: FloatArray
    q0: FloatArray                # links: segments then elements
    # default boundaries
    boundary: dict[str, Boundary]

    @property
    def n_pt(self) -> int:
        return self.x.size

    @property
    def n_seg(self) -> int:
        return self.sa.size

    @property
    def n_el(self) -> int:
        return self.ea.size


def _element_params(n: int) -> dict[str, FloatArray]:
    keys = ("sp_kind", "sp", "p_suc_min", "r_max", "p_max", "eta_p", "eta_m", "eta_th",
            "ncv", "fuel_line", "loss_in", "loss_out", "zeta", "area", "c_work", "sigma",
            "cal_ps", "cal_r", "beta", "mode0")
    out = {k: np.zeros(n) for k in keys}
    out["r_max"][:] = np.inf
    out["p_max"][:] = np.inf
    out["ncv"][:] = np.inf
    out["eta_p"][:] = 1.0
    out["eta_m"][:] = 1.0
    out["eta_th"][:] = 1.0
    out["area"][:] = 1.0
    return out


class _Builder:
    """Collects points, segments and elements."""

    def __init__(self) -> None:
        self.px: list[float] = []
        self.pz: list[float] = []
        self.pt: list[float] = []
        self.pv: list[float] = []
        self.pp: list[float] = []
        self.ppipe: list[str] = []
        self.seg: list[tuple[int, int, float, float, float, float, str, float, str, float]] = []
        self.el: list[tuple[int, int, int, str, str, dict[str, float], float]] = []
        self.names: dict[str, int] = {}
        self.pipes: dict[str, tuple[int, ...]] = {}
        self.pipe_segs: dict[str, tuple[int, ...]] = {}

    def point(self, x: float, z: float, t: float, p: float, pipe: str = "") -> int:
        self.px.append(x)
        self.pz.append(z)
        self.pt.append(t)
        self.pv.append(0.0)
        self.pp.append(p)
        self.ppipe.append(pipe)
        return len(self.px) - 1

    def pipe(self, pid: str, a: int, b: int, length: float, n: int, diam: float,
             rough: float, law: str, eff: float, xs: FloatArray, zs: FloatArray,
             ts: FloatArray, ps: FloatArray, q: float) -> None:
        """A pipe from point a to point b with n segments; xs, zs, ts, ps at its n+1 points."""
        pts = [a]
        for k in range(1, n):
            pts.append(self.point(float(xs[k]), float(zs[k]), float(ts[k]), float(ps[k]), pid))
        pts.append(b)
        area = math.pi * diam**2 / 4.0
        dx = length / n
        segs = []
        for k in range(n):
            self.seg.append((pts[k], pts[k + 1], dx, area, diam, rough / diam, law, eff, pid, q))
            self.pv[pts[k]] += 0.5 * area * dx
            self.pv[pts[k + 1]] += 0.5 * area * dx
            segs.append(len(self.seg) - 1)
        self.pipes[pid] = tuple(pts)
        self.pipe_segs[pid] = tuple(segs)

    def element(self, a: int, b: int, kind: int, eid: str, etype: str,
                params: dict[str, float], q: float) -> int:
        self.el.append((a, b, kind, eid, etype, params, q))
        return len(self.el) - 1

    def build(self, watch: list[str], is_line: bool, boundary: dict[str, Boundary],
              node_volume_length: float) -> _Grid:
        vol = np.array(self.pv)
        segs = self.seg
        area = np.array([s[3] for s in segs]) if segs else np.ones(1)
        yard = float(np.mean(area)) * node_volume_length
        vol = np.where(vol > 0, vol, yard)
        ne = len(self.el)
        par = _element_params(ne)
        for k, el in enumerate(self.el):
            for key, v in el[5].items():
                par[key][k] = v
        return _Grid(
            x=np.array(self.px), z=np.array(self.pz), t=np.array(self.pt), vol=vol,
            point_pipe=self.ppipe,
            sa=np.array([s[0] for s in segs], dtype=np.intp),
            sb=np.array([s[1] for s in segs], dtype=np.intp),
            sdx=np.array([s[2] for s in segs]), sarea=np.array([s[3] for s in segs]),
            sdiam=np.array([s[4] for s in segs]), srel=np.array([s[5] for s in segs]),
            slaw=np.array([s[6] for s in segs], dtype=str),
            seff=np.array([s[7] for s in segs]), seg_pipe=[s[8] for s in segs],
            ea=np.array([e[0] for e in self.el], dtype=np.intp),
            eb=np.array([e[1] for e in self.el], dtype=np.intp),
            ekind=np.array([e[2] for e in self.el], dtype=np.intp),
            eid=[e[3] for e in self.el], etype=[e[4] for e in self.el], eparam=par,
            names=dict(self.names), watch=watch, pipes=dict(self.pipes),
            pipe_segs=dict(self.pipe_segs), is_line=is_line, p0=np.array(self.pp),
            q0=np.array([s[9] for s in segs] + [e[6] for e in self.el]),
            boundary=boundary,
        )


def _n_segments(length: float, dx: float) -> int:
    return max(1, round(length / dx))


def _line_grid(line: Trunkline, layout: tuple[Station, ...], seed: LineResult, dx: float,
               opts: TransientOptions, ncv: float) -> _Grid:
    """Discretise a trunkline: pipes between stations and section ends, stations as links."""
    prof = seed._profile
    xs_all = np.asarray(prof["chainage"], dtype=float)
    p_all = np.asarray(prof["pressure"], dtype=float)
    t_all = np.asarray(prof["temperature"], dtype=float)
    # runs of the march between station records (a station repeats its chainage)
    cut = [0, *[k for k in range(1, xs_all.size) if xs_all[k] == xs_all[k - 1]], xs_all.size]
    runs = [(xs_all[a:b], p_all[a:b], t_all[a:b]) for a, b in itertools.pairwise(cut) if b > a]
    stations = sorted(layout, key=lambda s: s.chainage)
    results = {r.name: r for r in seed.station_results}
    bounds = [(a, b) for a, b, _ in line.section_bounds()]
    section_ends = sorted({b for _, b in bounds[:-1]})
    t_iso = line.entry_temperature
    total = line.length
    b = _Builder()
    flow = seed.mass_flow

    def interp(run: int, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        rx, rp, rt = runs[min(run, len(runs) - 1)]
        tt = np.interp(x, rx, rt) if opts.temperature == "frozen" else np.full(x.size, t_iso)
        return np.interp(x, rx, rp), tt

    run = 0
    x0 = 0.0
    p_e, t_e = interp(0, np.array([0.0]))
    cur = b.point(0.0, float(line.elevation_at(0.0)), float(t_e[0]), float(p_e[0]))
    b.names["entry"] = cur
    watch = ["entry"]
    st_iter = iter(stations)
    nxt = next(st_iter, None)
    pipe_no = 0
    while True:
        x_end = nxt.chainage if nxt is not None else total
        # pipes from x0 to x_end, split at section ends
        cuts = [x0, *[c for c in section_ends if x0 < c < x_end], x_end]
        for xa, xb in itertools.pairwise(cuts):
            if xb - xa <= 1e-6:
                continue
            sec = line.section_at(0.5 * (xa + xb))
            n = _n_segments(xb - xa, dx)
            xp = np.linspace(xa, xb, n + 1)
            pp, tp = interp(run, xp)
            zp = line.elevation_at(xp)
            end = b.point(xb, float(zp[-1]), float(tp[-1]), float(pp[-1]))
            pipe_no += 1
            b.pipe(f"P{pipe_no}", cur, end, xb - xa, n, sec.inner_diameter, sec.roughness,
                   sec.friction_law, 1.0, xp, zp, tp, pp, flow)
            cur = end
        if nxt is None:
            break
        res = results.get(nxt.name)
        if res is None:
            raise InputError("station missing from the steady solution", element=nxt.name,
                             field="stations")
        design = nxt.design
        maop = line.section_at(nxt.chainage).maop
        p_set = min(design.discharge_pressure or maop, maop)
        b.names[f"{nxt.name}:suction"] = cur
        run += 1
        pd_, td = interp(run, np.array([nxt.chainage]))
        t_out = float(td[0]) if opts.temperature == "frozen" else t_iso
        d = b.point(nxt.chainage, float(line.elevation_at(nxt.chainage)), t_out, float(pd_[0]))
        b.names[f"{nxt.name}:discharge"] = d
        q_c = res.mass_flow_in - res.fuel
        b.element(cur, d, ACTIVE, nxt.name, "station", {
            "sp_kind": SP_DISCHARGE, "sp": p_set, "mode0": ACTIVE,
            "p_suc_min": design.min_suction_pressure if opts.suction_protection
            else SUCTION_FLOOR,
            "p_max": nxt.power_available, "eta_p": design.polytropic_efficiency,
            "eta_m": design.mechanical_efficiency, "eta_th": design.driver_efficiency,
            "ncv": ncv, "fuel_line": 1.0}, q_c)
        watch += [f"{nxt.name}:suction", f"{nxt.name}:discharge"]
        flow = q_c
        cur = d
        x0 = nxt.chainage
        nxt = next(st_iter, None)
    b.names["delivery"] = cur
    watch.append("delivery")
    # waypoints as named points (nearest point on the line)
    ch = line.waypoint_chainage
    xs = np.array(b.px)
    for w, c in zip(line.waypoints, ch, strict=True):
        if w.name not in b.names:
            b.names[w.name] = int(np.argmin(np.abs(xs - c)))
            watch.append(w.name)
    boundary = {"entry": Boundary.pressure(line.entry_pressure),
                "delivery": Boundary.flow(-seed.delivered_mass_flow)}
    return b.build(watch, True, boundary, opts.node_volume_length)


def _network_grid(net: Network, dx: float, opts: TransientOptions, temperature: float,
                  seed_p: Mapping[str, float] | None, seed_q: Mapping[str, float] | None,
                  ncv: float) -> _Grid:
    """Discretise a network: each pipe into segments, elements as links."""
    b = _Builder()
    p_fixed = list(net.pressures.values())
    p_guess = float(np.mean(p_fixed)) if p_fixed else 5e6
    for nid, node in net.nodes.items():
        p = seed_p[nid] if seed_p is not None and math.isfinite(seed_p[nid]) else p_guess
        b.names[nid] = b.point(0.0, node.height, temperature, p)
    for eid, e in net.edges.items():
        a, c = b.names[e.from_node], b.names[e.to_node]
        q = seed_q[eid] if seed_q is not None else 0.0
        if isinstance(e, Pipe):
            if e.flow_law not in ("colebrook", "prandtl-colebrook", "nikuradse", "hofer",
                                  "smooth") and opts.friction_factor is None:
                raise InputError("the transient engine needs a friction-factor law",
                                 element=f"pipe {eid}", field="flow_law", value=e.flow_law,
                                 expected="colebrook, prandtl-colebrook, nikuradse, hofer, "
                                 "smooth, or options.friction_factor")
            n = _n_segments(e.length, dx)
            s = np.linspace(0.0, 1.0, n + 1)
            pa, pb = b.pp[a], b.pp[c]
            pp = np.sqrt(np.maximum(pa**2 + (pb**2 - pa**2) * s, 1.0))
            zp = b.pz[a] + (b.pz[c] - b.pz[a]) * s
            b.pipe(eid, a, c, e.length, n, e.diameter, e.roughness,
                   e.flow_law if e.flow_law != "smooth" else "smooth", e.efficiency,
                   s * e.length, zp, np.full(n + 1, temperature), pp, q)
            continue
        if isinstance(e, ShortPipe):
            b.element(a, c, EQUAL, eid, "ShortPipe", {"mode0": EQUAL}, q)
        elif isinstance(e, Valve):
            k = EQUAL if e.open else CLOSED
            b.element(a, c, k, eid, "Valve", {"mode0": k}, q)
        elif isinstance(e, Resistor):
            b.element(a, c, RESISTOR, eid, "Resistor", {
                "mode0": RESISTOR, "zeta": e.drag_factor,
                "area": math.pi * e.diameter**2 / 4.0}, q)
        elif isinstance(e, ControlValve):
            k = {"active": CONTROL, "bypass": EQUAL, "closed": CLOSED}[e.mode]
            b.element(a, c, k, eid, "ControlValve", {
                "mode0": k, "sp": e.setpoint or 0.0, "loss_in": e.pressure_loss_in,
                "loss_out": e.pressure_loss_out}, q)
        elif isinstance(e, Compressor):
            k = {"active": ACTIVE, "bypass": EQUAL, "closed": CLOSED}[e.mode]
            kind = {"ratio": SP_RATIO, "discharge_pressure": SP_DISCHARGE,
                    "suction_pressure": SP_SUCTION}.get(e.setpoint_kind, SP_DISCHARGE)
            sp_val = {SP_RATIO: e.ratio, SP_DISCHARGE: e.discharge_pressure,
                      SP_SUCTION: e.suction_pressure}[kind]
            lim = opts.enforce_limits
            b.element(a, c, k, eid, "Compressor", {
                "mode0": k, "sp_kind": kind, "sp": float(sp_val or 0.0),
                "p_suc_min": max(e.p_in_min, SUCTION_FLOOR) if lim else SUCTION_FLOOR,
                "r_max": e.max_ratio if lim else np.inf,
                "p_max": e.max_power if lim else np.inf,
                "eta_p": e.polytropic_efficiency, "eta_m": e.mechanical_efficiency,
                "eta_th": e.driver_efficiency, "ncv": ncv,
                "fuel_line": 1.0 if e.fuel_from_line else 0.0,
                "loss_in": e.pressure_loss_in, "loss_out": e.pressure_loss_out}, q)
        else:
            raise InputError("unknown element type", element=eid, field="type",
                             value=type(e).__name__)
    boundary: dict[str, Boundary] = {n: Boundary.pressure(pv)
                                     for n, pv in net.pressures.items()}
    for nid, qv in net.injections.items():
        if nid not in boundary:
            boundary[nid] = Boundary.flow(qv)
    return b.build(list(net.nodes), False, boundary, opts.node_volume_length)


# ---------------------------------------------------------------------------------------
# the engine: residual, Jacobian on a fixed pattern, Newton, steady state
# ---------------------------------------------------------------------------------------

class _Pattern:
    """Fixed sparsity pattern of the Jacobian and its solver (tridiagonal or SuperLU)."""

    def __init__(self, g: _Grid) -> None:
        n_pt, n_lk = g.n_pt, g.n_seg + g.n_el
        la = np.concatenate([g.sa, g.ea])
        lb = np.concatenate([g.sb, g.eb])
        self.la, self.lb = la, lb
        n = n_pt + n_lk
        self.n = n
        lk = n_pt + np.arange(n_lk)
        groups = [(np.arange(n_pt), np.arange(n_pt)), (la, lk), (lb, lk), (lk, la), (lk, lb),
                  (lk, lk)]
        self.perm = self._chain_order(g, la, lb)
        self.tridiag = self.perm is not None
        if self.perm is None:
            self.perm = np.arange(n)
        perm = self.perm
        if self.tridiag:
            self.pos = [self._tri_pos(perm[r], perm[c], n) for r, c in groups]
            self.size = 3 * n - 2
            # in a chain every stored entry comes from exactly one group entry: the
            # storage is a gather of the groups' values, and the right-hand side a gather
            allpos = np.concatenate(self.pos)
            assert allpos.size == self.size and np.unique(allpos).size == self.size
            self.src = np.empty(self.size, dtype=np.intp)
            self.src[allpos] = np.arange(self.size)
            self.iperm = np.empty(n, dtype=np.intp)
            self.iperm[perm] = np.arange(n)
            self._reduce_setup(g, perm)
        else:
            rows = np.concatenate([perm[r] for r, _ in groups])
            cols = np.concatenate([perm[c] for _, c in groups])
            key = cols.astype(np.int64) * n + rows
            uniq, inv = np.unique(key, return_inverse=True)
            self.indices = (uniq % n).astype(np.int32)
            col_of = (uniq // n).astype(np.intp)
            self.indptr = np.searchsorted(col_of, np.arange(n + 1)).astype(np.int32)
            sizes = [r.size for r, _ in groups]
            splits = np.cumsum(sizes)[:-1]
            self.pos = list(np.split(inv, splits))
            self.size = uniq.size

    def _reduce_setup(self, g: _Grid, perm: IntArray) -> None:
        """The chain with the segment flows eliminated: points and element flows only.

        A segment's momentum row gives its flow from its end pressures,
        q_k = (r_k − J_ka p_a − J_kb p_b)/J_kk, so the balances become a tridiagonal
        system in the points' pressures (and the element flows, whose laws may not
        depend on q): half the unknowns of the full chain for LAPACK's sequential
        recurrences, the elimination itself vectorised.
        """
        n_pt, n_seg, n_el = g.n_pt, g.n_seg, g.n_el
        self.n_pt, self.n_seg = n_pt, n_seg
        m = n_pt + n_el
        self.m = m
        keep = np.concatenate([np.arange(n_pt), n_pt + n_seg + np.arange(n_el)])
        rank = np.empty(m, dtype=np.intp)   # chain position of each kept unknown
        rank[np.argsort(perm[keep])] = np.arange(m)
        pts, el = np.arange(n_pt), n_pt + np.arange(n_el)
        groups = [(pts, pts), (g.sa, g.sb), (g.sb, g.sa), (g.ea, el), (g.eb, el), (el, g.ea),
                  (el, g.eb), (el, el)]
        assert all(np.all(np.abs(rank[r] - rank[c]) <= 1) for r, c in groups)
        allpos = np.concatenate([self._tri_pos(rank[r], rank[c], m) for r, c in groups])
        size = 3 * m - 2
        assert allpos.size == size and np.unique(allpos).size == size
        self.r_src = np.empty(size, dtype=np.intp)
        self.r_src[allpos] = np.arange(size)
        self.r_rank_pt, self.r_rank_el = rank[:n_pt], rank[n_pt:]
        self.sa, self.sb = g.sa, g.sb
        # per point, the segment that starts (ends) there, or n_seg (a zero slot): a sum
        # over a point's segments is two gathers from [per-segment values, 0]
        self.r_at_a = np.full(n_pt, n_seg, dtype=np.intp)
        self.r_at_b = np.full(n_pt, n_seg, dtype=np.intp)
        self.r_at_a[g.sa] = np.arange(n_seg)
        self.r_at_b[g.sb] = np.arange(n_seg)
        self.r_unique = bool(np.unique(g.sa).size == n_seg and np.unique(g.sb).size == n_seg)

    @staticmethod
    def _tri_pos(pr: IntArray, pc: IntArray, n: int) -> IntArray:
        """Positions of entries (pr, pc) in the storage [d (n), du (n−1), dl (n−1)]."""
        d = pc - pr
        out: IntArray = np.where(d == 0, pr, np.where(d == 1, n + pr, 2 * n - 1 + pc))
        return out

    @staticmethod
    def _chain_order(g: _Grid, la: IntArray, lb: IntArray) -> IntArray | None:
        """Positions of the unknowns along the chain p, q, p, q, … (None: not a chain)."""
        n_pt, n_lk = g.n_pt, la.size
        if n_lk != n_pt - 1:
            return None
        deg = np.bincount(np.concatenate([la, lb]), minlength=n_pt)
        if np.any(deg > 2) or (np.any(deg == 0) and n_pt > 1):
            return None
        adj: list[list[int]] = [[] for _ in range(n_pt)]
        for k in range(n_lk):
            adj[int(la[k])].append(k)
            adj[int(lb[k])].append(k)
        ends = np.flatnonzero(deg == 1)
        start = int(ends[0]) if ends.size else 0
        perm = np.empty(n_pt + n_lk, dtype=np.intp)
        pos, pt, prev = 0, start, -1
        seen = 0
        while True:
            perm[pt] = pos
            pos += 1
            seen += 1
            nxt = [k for k in adj[pt] if k != prev]
            if not nxt:
                break
            k = nxt[0]
            perm[n_pt + k] = pos
            pos += 1
            pt = int(lb[k]) if int(la[k]) == pt else int(la[k])
            prev = k
        return perm if seen == n_pt else None

    def _factor_reduced(self, vals: Sequence[FloatArray]
                        ) -> Callable[[FloatArray], FloatArray] | None:
        """Factor the chain with the segment flows eliminated (None: a segment's momentum
        row does not depend on its flow, J_kk = 0, or two segments start or end at one
        point: use the full chain)."""
        d_pp, g_a, g_b, l_a, l_b, l_q = vals
        n, m, n_pt, ns = self.n, self.m, self.n_pt, self.n_seg
        lq = l_q[:ns]
        if not self.r_unique or not lq.all():
            return None
        la_s, lb_s = l_a[:ns], l_b[:ns]
        at_a, at_b = self.r_at_a, self.r_at_b
        sa, sb = self.sa, self.sb
        w_a = g_a[:ns] / lq      # ∂(balance at a)/∂q_k / J_kk
        w_b = g_b[:ns] / lq
        buf_a, buf_b = np.zeros(ns + 1), np.zeros(ns + 1)
        data = np.empty(3 * m - 2)  # the groups' values, gathered into the storage
        diag, off_ab, off_ba = data[:n_pt], data[n_pt:n_pt + ns], data[n_pt + ns:n_pt + 2 * ns]
        np.multiply(w_a, la_s, out=buf_a[:ns])
        np.multiply(w_b, lb_s, out=buf_b[:ns])
        np.subtract(d_pp, buf_a.take(at_a), out=diag)
        diag -= buf_b.take(at_b)
        np.multiply(w_a, lb_s, out=off_ab)
        np.negative(off_ab, out=off_ab)
        np.multiply(w_b, la_s, out=off_ba)
        np.negative(off_ba, out=off_ba)
        k = n_pt + 2 * ns
        for v in (g_a, g_b, l_a, l_b, l_q):
            data[k:k + v.size - ns] = v[ns:]
            k += v.size - ns
        data = data.take(self.r_src)
        du, d, dl = data[m:2 * m - 1], data[:m], data[2 * m - 1:]
        dl_, d_, du_, du2, ipiv, info = lapack.dgttrf(dl, d, du, overwrite_dl=1,
                                                      overwrite_d=1, overwrite_du=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"singular Jacobian (gttrf info {info})")
        rank_pt, rank_el = self.r_rank_pt, self.r_rank_el
        neg_lq = -lq

        def solve_red(f: FloatArray) -> FloatArray:
            f_s = f[n_pt:n_pt + ns]
            ba, bb = np.empty(ns + 1), np.empty(ns + 1)
            ba[ns] = bb[ns] = 0.0
            np.multiply(w_a, f_s, out=ba[:ns])
            np.multiply(w_b, f_s, out=bb[:ns])
            rp = ba.take(at_a)
            rp += bb.take(at_b)
            rp -= f[:n_pt]
            b = np.empty(m)
            b[rank_pt] = rp
            b[rank_el] = -f[n_pt + ns:]
            x, inf = lapack.dgttrs(dl_, d_, du_, du2, ipiv, b, overwrite_b=1)
            if inf != 0:
                raise np.linalg.LinAlgError(f"gttrs info {inf}")
            out = np.empty(n)
            dp = out[:n_pt]
            dp[:] = x.take(rank_pt)
            out[n_pt + ns:] = x.take(rank_el)
            dq = out[n_pt:n_pt + ns]
            np.multiply(la_s, dp.take(sa), out=dq)
            dq += lb_s * dp.take(sb)
            dq += f_s
            dq /= neg_lq
            return out

        return solve_red

    def factor(self, vals: Sequence[FloatArray]) -> Callable[[FloatArray], FloatArray]:
        """Factor J (given by the groups' values); returns the Newton step: f ↦ dx with
        J dx = −f."""
        n = self.n
        perm = self.perm
        if self.tridiag:
            solve = self._factor_reduced(vals)
            if solve is not None:
                return solve
            data = np.concatenate(vals)[self.src]
            du, d, dl = data[n:2 * n - 1], data[:n], data[2 * n - 1:]
            dl_, d_, du_, du2, ipiv, info = lapack.dgttrf(dl, d, du, overwrite_dl=1,
                                                          overwrite_d=1, overwrite_du=1)
            if info != 0:
                raise np.linalg.LinAlgError(f"singular Jacobian (gttrf info {info})")
            iperm = self.iperm

            def solve_tri(f: FloatArray) -> FloatArray:
                b = f[iperm]
                np.negative(b, out=b)
                x, inf = lapack.dgttrs(dl_, d_, du_, du2, ipiv, b, overwrite_b=1)
                if inf != 0:
                    raise np.linalg.LinAlgError(f"gttrs info {inf}")
                out: FloatArray = x[perm]
                return out

            return solve_tri
        data = np.zeros(self.size)
        for pos, v in zip(self.pos, vals, strict=True):
            data += np.bincount(pos, weights=v, minlength=self.size)
        mat = sp.csc_matrix((data, self.indices, self.indptr), shape=(n, n))
        try:
            lu = spla.splu(mat, permc_spec="COLAMD")
        except RuntimeError as exc:
            raise np.linalg.LinAlgError(str(exc)) from None

        def solve_lu(f: FloatArray) -> FloatArray:
            b = np.empty(n)
            b[perm] = f
            np.negative(b, out=b)
            out: FloatArray = lu.solve(b)[perm]
            return out

        return solve_lu


@dataclass
class _Ctx:
    """What one step (or the steady solve) holds fixed: time terms and boundary values."""

    c0: float                  # α0/h (0: steady)
    rho_hist: FloatArray       # (α1 ρ_n + α2 ρ_{n-1})/h per point
    q_hist: FloatArray         # same for segment flows
    fixed: BoolArray           # pressure-held points
    p_set: FloatArray
    inj: FloatArray            # injections [kg/s] (+ into the network)
    fuel: FloatArray           # station fuel off-take per point [kg/s]
    mu: FloatArray             # viscosity per segment [Pa·s]
    re0: FloatArray            # Reynolds number where φ = λ·Re is linearised
    phi0: FloatArray
    dphi0: FloatArray
    floor: BoolArray | None = None  # withdrawal points curtailed at ``demand_floor``
    pre: _Pre | None = None    # iterate-independent terms (filled by the engine)
    fixed_idx: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.fixed_idx = np.flatnonzero(self.fixed)


@dataclass
class _Pre:
    """Iterate-independent terms of a step's residual (scaled as the equations)."""

    vol_c0: FloatArray         # V α0/(h q_ref)
    cont0: FloatArray          # (V ρ_hist − s + f)/q_ref
    a_re: FloatArray           # φ₀' Re per |q|
    phi_c: FloatArray          # φ₀ − φ₀' Re₀
    kf0: FloatArray            # Δx μ/(2 D² A e² p_ref)
    seg0: FloatArray           # inertia history / p_ref
    inert_c0: FloatArray       # (Δx/A) α0/(h p_ref)
    floor_idx: IntArray        # withdrawal points that may be curtailed


def _max_abs(a: FloatArray) -> float:
    """max |a| by two reductions (no temporary)."""
    return max(float(a.max()), -float(a.min()))


class _Engine:
    def __init__(self, g: _Grid, gas: Gas | IdealGas, opts: TransientOptions) -> None:
        self.g = g
        self.gas = gas
        self.o = opts
        self.molar_mass = gas.molar_mass
        self.r_s = (gas.gas_constant / gas.molar_mass if isinstance(gas, IdealGas)
                    else gas.specific_gas_constant)
        if opts.z is not None:
            self.eos: _ZConst | _ZTable = _ZConst(opts.z * self.r_s * g.t)
        elif isinstance(gas, IdealGas):
            self.eos = _ZConst(self.r_s * g.t)
        else:
            self.eos = _ZTable(gas, g.t)
        self.fric = _Friction(g.slaw, g.srel, opts.friction_factor)
        self.pat = _Pattern(g)
        self.n_pt, self.n_seg, self.n_el = g.n_pt, g.n_seg, g.n_el
        self.n_lk = self.n_seg + self.n_el
        self.t_seg = 0.5 * (g.t[g.sa] + g.t[g.sb])
        self.dz = g.z[g.sb] - g.z[g.sa]
        self.area2 = g.sarea**2
        # friction term coefficient: Δx·μ/(2 D² A e²)·φ·q/ρ̄ (μ per step)
        self.fcoef = g.sdx / (2.0 * g.sdiam**2 * g.sarea * g.seff**2)
        self.re_coef = g.sdiam / g.sarea   # Re = |q| D/(A μ)
        self.inert = (g.sdx / g.sarea) if opts.inertia else np.zeros(self.n_seg)
        self.conv = 1.0 if opts.convective else 0.0
        self.ekind = g.ekind.copy()
        self.par = {k: v.copy() for k, v in g.eparam.items()}
        self.p_ref = 1e6
        self.q_ref = 1.0
        self._mu_rho: FloatArray | None = None
        self._mu0: FloatArray | None = None
        self._dmu: FloatArray | None = None
        self._lge: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None
        self._phi_lin: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None
        self._ctab: tuple[Any, ...] | None = None
        self._wc: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._cal_owner: object = gas.surrogate() if isinstance(gas, Gas) else gas
        #: active branch of every element's law at the last residual (semismooth Newton)
        self.branch = np.zeros(self.n_el, dtype=np.intp)
        self.held_now: IntArray = np.zeros(0, dtype=np.intp)
        self._refresh_kinds()
        self._scaled()

    # -- bookkeeping -----------------------------------------------------------------
    def _refresh_kinds(self) -> None:
        """Index sets per link kind; call after any change of kinds or parameters."""
        self._ctab = None
        k = self.ekind
        self.idx = {kind: np.flatnonzero(k == kind) for kind in range(7)}
        self.comp = np.flatnonzero(np.isin(np.array(self.g.etype), ["station", "Compressor"]))

    def set_scales(self, p: FloatArray, q: FloatArray) -> None:
        self.p_ref = max(float(np.max(p)), 1e5)
        self.q_ref = max(float(np.max(np.abs(q), initial=0.0)), 1.0)
        self._scaled()

    def _scaled(self) -> None:
        """Coefficients of the momentum equation divided by p_ref."""
        self.inv_area2 = self.conv / (self.area2 * self.p_ref)
        self.gdz = GRAVITY * self.dz / self.p_ref
        self._ctab = None
        self._gab: dict[bytes, tuple[FloatArray, FloatArray]] = {}
        self._c0_terms: tuple[float, FloatArray, FloatArray] | None = None
        self.inert_pr = self.inert / self.p_ref
        self.sab = np.concatenate([self.g.sa, self.g.sb])

    def viscosity(self, rho: FloatArray, exact: bool = False) -> FloatArray:
        """Viscosity per segment at the mean density (Lee-Gonzalez-Eakin, or constant).

        Outside the steady solve it is linearised in ρ̄ about the last exact evaluation,
        which is refreshed when some ρ̄ has moved by more than ``lag_tol`` (relative).
        The exact evaluation is the correlation of
        :func:`~trunkline.gas.viscosity.lee_gonzalez_eakin` (Lee, Gonzalez & Eakin, JPT
        1966; 311-444 K, 0.7-55 MPa) on the segments' frozen temperatures,
        μ = 10⁻⁷ K exp(X (ρ/1000)^Y) [Pa·s] with K, X, Y of T and M computed once
        (:meth:`_lge_constants`), and its derivative is the analytic
        dμ/dρ = μ X Y (ρ/1000)^(Y−1)/1000.
        """
        g = self.g
        if self.o.viscosity is not None:
            return np.full(self.n_seg, self.o.viscosity)
        if isinstance(self.gas, IdealGas):
            return np.full(self.n_seg, self.gas.viscosity)
        rbar = 0.5 * (rho[g.sa] + rho[g.sb])
        ratio = None if exact or self._mu_rho is None else rbar / self._mu_rho
        if ratio is None or max(float(ratio.max()) - 1.0,
                                1.0 - float(ratio.min())) > self.o.lag_tol:
            if self._lge is None:
                self._lge = self._lge_constants(rbar)
            k, x, y, xy = self._lge
            rg = rbar * 1e-3
            ry = np.log(rg)
            ry *= y
            np.exp(ry, out=ry)      # (ρ/1000)^Y
            mu = x * ry
            np.exp(mu, out=mu)
            mu *= k
            dmu = mu * ry
            dmu *= xy
            dmu /= rg
            self._mu_rho, self._mu0, self._dmu = rbar, mu, dmu
            return mu
        assert self._mu_rho is not None and self._mu0 is not None and self._dmu is not None
        return self._mu0 + self._dmu * (rbar - self._mu_rho)

    def _lge_constants(self, rbar: FloatArray
                       ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """K·10⁻⁷ [Pa·s], X, Y and X·Y/1000 of Lee-Gonzalez-Eakin per segment (T in °R, M
        in g/mol).

        Checked once against :func:`lee_gonzalez_eakin`, which also validates the range
        (temperature, density) and raises its errors.
        """
        t_r = self.t_seg * 1.8
        m_g = self.molar_mass * 1e3
        k = 1e-7 * (9.4 + 0.02 * m_g) * t_r**1.5 / (209.0 + 19.0 * m_g + t_r)
        x = 3.5 + 986.0 / t_r + 0.01 * m_g
        y = 2.4 - 0.2 * x
        ref = np.asarray(lee_gonzalez_eakin(self.t_seg, rbar, self.molar_mass), dtype=float)
        mine = k * np.exp(x * (rbar * 1e-3) ** y)
        assert np.allclose(mine, ref, rtol=1e-12, atol=0.0)
        return k, x, y, x * y * 1e-3

    def lagged(self, rho: FloatArray, q: FloatArray, exact: bool = False
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """μ, and the point (Re₀, φ₀, φ₀') where φ = λ·Re is linearised for the step.

        φ is re-evaluated exactly (with its derivative) when some segment's Reynolds
        number has moved by more than ``lag_tol`` since; in between, φ₀ + φ₀'(Re − Re₀)
        is used, whose error O(ΔRe²) is ~2e-6 of the friction term at lag_tol = 0.01.
        """
        mu = self.viscosity(rho, exact)
        re = np.abs(q[:self.n_seg]) * self.re_coef / mu
        lin = self._phi_lin
        if not exact and lin is not None:
            dev = re - lin[0]
            dev /= lin[3]
            exact = _max_abs(dev) > self.o.lag_tol
        if exact or lin is None:
            phi0, dphi0 = self.fric.phi(re)
            lin = self._phi_lin = (re, phi0, dphi0, np.maximum(re, 1.0))
        return mu, lin[0], lin[1], lin[2]

    # -- station work model -------------------------------------------------------------
    def work(self, e: IntArray | slice, ps: FloatArray, pd: FloatArray, derivs: bool = True
             ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Specific work w [J/kg] and ∂w/∂p_s, ∂w/∂p_d of compressors ``e`` (without
        ``derivs`` the derivatives are not computed: w is returned in their places).

        w = C (1 + β (p_s/p_s,cal − 1)) (r^σ − 1): the polytropic form with the real-gas
        Z(p_s) variation linearised (β = p_s Z_p / Z at calibration). Against the
        real-gas path it is exact at the calibration point and within 1e-5 for a 1 %,
        3e-4 for a 5 % change of the ratio (PoS2 stations, r = 1.2-1.44).
        """
        if self._wc is None:  # per calibration: w = (C (1 − β) + C β/p_s,cal · p_s)(r^σ − 1)
            par = self.par
            c, beta, ps0 = par["c_work"], par["beta"], par["cal_ps"]
            cb_all = np.divide(c * beta, ps0, out=np.zeros_like(ps0), where=ps0 != 0)
            self._wc = (c * (1.0 - beta), cb_all, par["sigma"].copy())
        ca_all, cb_all, s_all = self._wc
        ca, cb, s = ca_all[e], cb_all[e], s_all[e]
        cz = cb * ps
        cz += ca
        r = pd / ps
        up = r > 1.0
        np.maximum(r, 1.0, out=r)
        rs = np.power(r, s, out=r)
        rs1 = rs - 1.0          # 0 when r <= 1
        w = cz * rs1
        if not derivs:
            return w, w, w
        t = cz * s
        t *= rs
        t *= up
        dwd = t / pd
        dws = cb * rs1
        t /= ps
        dws -= t
        return w, dws, dwd

    def calibrate(self, p: FloatArray, force: bool = False) -> None:
        """Fit C, σ, β of the work model to the real-gas polytropic path where needed.

        ``force``: at the present state of every compressor (the steady start). Else a
        station keeps its calibration while its suction pressure and ratio stay within
        ``recalibrate`` (relative) of the calibration point; when it leaves, it takes
        the calibration of the nearest node of a grid of spacing ``recalibrate`` in
        (ln p_s, ln r), computed once per node and cached (so a daily cycle calibrates
        in its first day only). With ``recalibrate`` < 0.01 it is recalibrated at its
        exact state instead.
        """
        e = self.comp
        if e.size == 0:
            return
        g, par = self.g, self.par
        ps = p[g.ea[e]] - par["loss_in"][e]
        pd = p[g.eb[e]] + par["loss_out"][e]
        r = np.maximum(pd / ps, 1.0)
        h = self.o.recalibrate
        if force:
            self._calibrate_at(e, ps, r)
            return
        stale = (np.abs(np.log(r / np.maximum(par["cal_r"][e], 1.0))) > h) | (
            np.abs(np.log(ps / par["cal_ps"][e])) > h)
        sel = np.flatnonzero(stale)
        if sel.size == 0:
            return
        if h < 0.01:
            self._calibrate_at(e[sel], ps[sel], r[sel])
            return
        ni = np.round(np.log(ps[sel]) / h).astype(np.int64)
        nj = np.round(np.log(r[sel]) / h).astype(np.int64)
        # a node's calibration depends only on the gas, the suction temperature, η_p and
        # the node: shared by every run on the same gas (a daily cycle, or a second run,
        # finds its nodes calibrated)
        owner = id(self._cal_owner)
        if owner not in _CAL_OWNERS:
            if len(_CAL_OWNERS) >= 8:  # bounded: a study over many gases keeps the last
                _CAL_OWNERS.clear()
                _CAL_SHARED.clear()
            _CAL_OWNERS[owner] = self._cal_owner
        ts, eta = g.t[g.ea], par["eta_p"]
        keys = [(owner, float(ts[k]), float(eta[k]), h, int(i), int(j))
                for k, i, j in zip(e[sel], ni, nj, strict=True)]
        todo = [m for m, key in enumerate(keys) if key not in _CAL_SHARED]
        if todo:
            if len(_CAL_SHARED) > 50_000:
                _CAL_SHARED.clear()
            idx = np.array(todo)
            self._calibrate_at(e[sel][idx], np.exp(ni[idx] * h), np.exp(nj[idx] * h))
            for m in todo:
                k = int(e[sel][m])
                _CAL_SHARED[keys[m]] = tuple(float(par[f][k]) for f in _CAL_FIELDS)
        for m, key in enumerate(keys):
            k = int(e[sel][m])
            for f, v in zip(_CAL_FIELDS, _CAL_SHARED[key], strict=True):
                par[f][k] = v
        self._wc = None

    def _calibrate_at(self, es: IntArray, ps_s: FloatArray, r_s: FloatArray) -> None:
        """Calibrate compressors ``es`` at suction ps_s and ratio r_s (their frozen T_s)."""
        g, par = self.g, self.par
        ts_s = g.t[g.ea[es]]
        eta_s = par["eta_p"][es]
        beta = np.zeros(es.size)
        if isinstance(self.gas, IdealGas):
            kappa = np.full(es.size, self.gas.cp / (self.gas.cp - self.r_s))
            sigma = (kappa - 1.0) / (kappa * eta_s)
            c = self.r_s * ts_s / (sigma * eta_s)
        else:
            sur = self.gas.surrogate()
            env = sur.envelope
            psc = np.clip(ps_s, env.p_min, env.p_max)
            kappa = np.asarray(sur.isentropic_exponent(psc, ts_s))
            sigma = (kappa - 1.0) / (kappa * eta_s)
            z, zp, _ = sur.z_derivatives(psc, ts_s)
            beta = psc * zp / z
            c = z * self.r_s * ts_s / (sigma * eta_s)   # r → 1 limit
            big = r_s > 1.0 + 1e-6
            if np.any(big):
                pdc = np.clip(psc[big] * r_s[big], psc[big], env.p_max)
                try:
                    comp = real_gas_polytropic(sur.point_gas(), psc[big], ts_s[big], pdc,
                                               eta_s[big], steps=12)
                    w = np.asarray(comp.work, dtype=float)
                    c[big] = w / np.expm1(sigma[big] * np.log(pdc / psc[big]))
                except OutOfRangeError:
                    # the path leaves the surrogate (discharge above 420 K at extreme
                    # ratios): keep the ideal-gas form with the suction Z
                    pass
        par["c_work"][es] = c
        par["sigma"][es] = sigma
        par["beta"][es] = beta
        par["cal_ps"][es] = ps_s
        par["cal_r"][es] = r_s
        self._wc = None

    def station_state(self, p: FloatArray, q: FloatArray
                      ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Shaft power [W], fuel [kg/s] (all compressors) and fuel off-take per point."""
        e = self.comp
        g, par = self.g, self.par
        power = np.zeros(e.size)
        fuel = np.zeros(e.size)
        take = np.zeros(self.n_pt)
        if e.size == 0:
            return power, fuel, take
        ps = p[g.ea[e]] - par["loss_in"][e]
        pd = p[g.eb[e]] + par["loss_out"][e]
        qe = q[self.n_seg + e]
        w, _, _ = self.work(e, ps, pd, derivs=False)
        running = (self.ekind[e] == ACTIVE) & (qe > 0)
        power = np.where(running, qe * w / par["eta_m"][e], 0.0)
        fuel = power / (par["eta_th"][e] * par["ncv"][e])
        take = np.bincount(g.ea[e], weights=fuel * par["fuel_line"][e],
                           minlength=self.n_pt).astype(float, copy=False)
        return power, fuel, take

    # -- residual and Jacobian ----------------------------------------------------------
    def _prepare(self, c: _Ctx) -> _Pre:
        """Terms of the step's equations that do not depend on the iterate (once per step)."""
        pr, qr = self.p_ref, self.q_ref
        g = self.g
        inv_pr = 1.0 / pr
        floor_idx = np.flatnonzero(c.floor) if c.floor is not None else np.zeros(0, np.intp)
        if self._c0_terms is None or self._c0_terms[0] != c.c0:
            self._c0_terms = (c.c0, g.vol * (c.c0 / qr), self.inert * (c.c0 * inv_pr))
        _, vol_c0, inert_c0 = self._c0_terms
        cont0 = g.vol * c.rho_hist
        cont0 -= c.inj
        cont0 += c.fuel
        cont0 *= 1.0 / qr
        pre = _Pre(
            vol_c0=vol_c0,
            cont0=cont0,
            a_re=c.dphi0 * self.re_coef / c.mu,
            phi_c=c.phi0 - c.dphi0 * c.re0,
            kf0=self.fcoef * inv_pr * c.mu,
            seg0=self.inert_pr * c.q_hist,
            inert_c0=inert_c0,
            floor_idx=floor_idx,
        )
        c.pre = pre
        return pre

    def residual(self, p: FloatArray, q: FloatArray, c: _Ctx, jac: bool
                 ) -> tuple[FloatArray, list[FloatArray] | None]:
        """Scaled residual F(p, q) of the step (balances / q_ref, momentum / p_ref, element
        laws) and, with ``jac``, the Jacobian's values on the fixed pattern's groups."""
        pr, qr = self.p_ref, self.q_ref
        inv_pr = 1.0 / pr
        pre = c.pre if c.pre is not None else self._prepare(c)
        if jac or self.idx[RESISTOR].size:
            rho, drho = self.eos.rho(p)
        else:   # ∂ρ/∂p only for the Jacobian and the resistors' law
            rho, drho = self.eos.rho_only(p), None
        la, lb = self.pat.la, self.pat.lb
        n_pt, n_seg = self.n_pt, self.n_seg
        f = np.empty(self.pat.n)
        # continuity (free points) / held pressure (fixed points)
        net = np.bincount(la, weights=q, minlength=n_pt).astype(float, copy=False)
        net -= np.bincount(lb, weights=q, minlength=n_pt)
        cont = f[:n_pt]
        np.multiply(pre.vol_c0, rho, out=cont)
        cont += pre.cont0
        net *= 1.0 / qr
        cont += net
        fixed, p_set = self.held(p, cont, c, pre.floor_idx)
        fx = np.flatnonzero(fixed) if fixed is not c.fixed else c.fixed_idx
        self.held_now = fx
        f[fx] = (p[fx] - p_set[fx]) * inv_pr
        # segments (momentum / p_ref); both ends gathered at once (sab = [sa, sb])
        sab = self.sab
        qs = q[:n_seg]
        r2 = rho[sab]
        ra, rb = r2[:n_seg], r2[n_seg:]
        rbar = ra + rb
        rbar *= 0.5
        aq = np.abs(qs)
        aq *= pre.a_re          # φ₀'·Re
        phi = aq + pre.phi_c
        kf = pre.kf0 / rbar
        fr = kf * phi
        fr *= qs
        q2 = qs * qs
        q2 *= self.inv_area2
        i2 = 1.0 / r2
        dir_ = i2[n_seg:] - i2[:n_seg]
        p2 = p[sab]
        fs = f[n_pt:n_pt + n_seg]
        np.subtract(p2[n_seg:], p2[:n_seg], out=fs)
        fs *= inv_pr
        fs += pre.inert_c0 * qs
        fs += pre.seg0
        fs += q2 * dir_
        fs += fr
        fs += rbar * self.gdz
        # elements (their Jacobian values go straight into the link arrays)
        n_lk = self.n_lk
        l_a, l_b, l_q = np.empty(n_lk), np.empty(n_lk), np.empty(n_lk)
        f_el = f[n_pt + n_seg:]
        if self.n_el:
            self._elements(p, q, rho, drho, f_el, l_a[n_seg:], l_b[n_seg:], l_q[n_seg:], jac)
        if not jac:
            return f, None
        assert drho is not None
        d_pp = pre.vol_c0 * drho
        d_pp[fx] = inv_pr
        g_a, g_b = self._ga_gb(fx)
        d2 = drho[sab]
        # ∂/∂ρ̄ of friction (−fr/ρ̄) and gravity, each through ∂ρ̄/∂p = ½ ∂ρ/∂p
        half = fr / rbar
        np.subtract(self.gdz, half, out=half)
        half *= 0.5
        i2 *= i2
        i2 *= d2
        i2[:n_seg] *= q2
        i2[n_seg:] *= q2
        s_a = l_a[:n_seg]
        np.multiply(half, d2[:n_seg], out=s_a)
        s_a += i2[:n_seg]
        s_a -= inv_pr
        s_b = l_b[:n_seg]
        np.multiply(half, d2[n_seg:], out=s_b)
        s_b -= i2[n_seg:]
        s_b += inv_pr
        s_q = l_q[:n_seg]
        np.multiply(qs, dir_, out=s_q)
        s_q *= 2.0 * self.inv_area2
        s_q += pre.inert_c0
        aq += phi
        aq *= kf
        s_q += aq
        return f, [d_pp, g_a, g_b, l_a, l_b, l_q]

    def _ga_gb(self, fx: IntArray) -> tuple[FloatArray, FloatArray]:
        """∂(balance)/∂q at the links' ends (0 at held points), cached per held set."""
        key = fx.tobytes()
        hit = self._gab.get(key)
        if hit is None:
            free = np.ones(self.n_pt, dtype=bool)
            free[fx] = False
            qr = self.q_ref
            hit = (np.where(free[self.pat.la], 1.0 / qr, 0.0),
                   np.where(free[self.pat.lb], -1.0 / qr, 0.0))
            if len(self._gab) > 16:
                self._gab.clear()
            self._gab[key] = hit
        return hit

    def held(self, p: FloatArray, cont: FloatArray, c: _Ctx,
             floor_idx: IntArray | None = None) -> tuple[BoolArray, FloatArray]:
        """Pressure-held points: boundaries, and withdrawals curtailed at the floor.

        A withdrawal point obeys min(balance, (p − p_floor)/p_ref) = 0: it takes its
        demand while its pressure is above ``demand_floor``, else it is held there and
        takes what reaches it (the balance is then positive: less is withdrawn).
        Returns ``c.fixed`` itself when no withdrawal is curtailed.
        """
        if c.floor is None:
            return c.fixed, c.p_set
        i = np.flatnonzero(c.floor) if floor_idx is None else floor_idx
        pf = self.o.demand_floor
        cut = (p[i] - pf) / self.p_ref < cont[i]
        if not cut.any():
            return c.fixed, c.p_set
        fixed, p_set = c.fixed.copy(), c.p_set.copy()
        fixed[i[cut]] = True
        p_set[i[cut]] = pf
        return fixed, p_set

    def _elements(self, p: FloatArray, q: FloatArray, rho: FloatArray,
                  drho: FloatArray | None, f: FloatArray, da: FloatArray, db: FloatArray,
                  dq: FloatArray, jac: bool = True) -> None:
        g, par, idx = self.g, self.par, self.idx
        pr, qr = self.p_ref, self.q_ref
        eps = EQUAL_RESISTANCE
        qe = q[self.n_seg:]
        pa, pb = p[g.ea], p[g.eb]
        e = idx[ACTIVE]
        if e.size == self.n_el:  # only running compressors (a trunkline)
            self._compressors(slice(None), pa, pb, qe, f, da, db, dq, jac)
            return
        f[:] = 0.0
        da[:] = 0.0
        db[:] = 0.0
        dq[:] = 0.0
        e = idx[EQUAL]
        if e.size:
            f[e] = (pa[e] - pb[e]) / pr - eps * qe[e] / qr
            da[e], db[e], dq[e] = 1.0 / pr, -1.0 / pr, -eps / qr
        e = idx[CLOSED]
        if e.size:
            f[e], dq[e] = qe[e] / qr, 1.0 / qr
        e = idx[RESISTOR]
        if e.size:
            fwd = qe[e] >= 0
            up = np.where(fwd, g.ea[e], g.eb[e])
            assert drho is not None
            ru, dru = rho[up], drho[up]
            cc = par["zeta"][e] / (2.0 * ru * par["area"][e] ** 2)
            reg = np.sqrt(qe[e] ** 2 + (1e-6 * qr) ** 2)
            loss = cc * qe[e] * reg
            f[e] = (pa[e] - pb[e] - loss) / pr
            dloss_du = -loss / ru * dru
            da[e] = (1.0 - np.where(fwd, dloss_du, 0.0)) / pr
            db[e] = (-1.0 - np.where(fwd, 0.0, dloss_du)) / pr
            dq[e] = -cc * (reg + qe[e] ** 2 / reg) / pr
        e = idx[CHECK]
        if e.size:
            lift = (pb[e] - pa[e]) / pr + eps * qe[e] / qr
            use_q = qe[e] / qr <= lift
            self.branch[e] = use_q
            f[e] = np.where(use_q, qe[e] / qr, lift)
            da[e] = np.where(use_q, 0.0, -1.0 / pr)
            db[e] = np.where(use_q, 0.0, 1.0 / pr)
            dq[e] = np.where(use_q, 1.0 / qr, eps / qr)
        e = idx[CONTROL]
        if e.size:
            # min(q, max(p_b − set, p_b − p_a + εq))
            s1 = (pb[e] - par["sp"][e]) / pr
            s2 = (pb[e] - pa[e]) / pr + eps * qe[e] / qr
            use1 = s1 >= s2
            m = np.maximum(s1, s2)
            use_q = qe[e] / qr <= m
            self.branch[e] = 2 * use_q + use1
            f[e] = np.where(use_q, qe[e] / qr, m)
            da[e] = np.where(use_q | use1, 0.0, -1.0 / pr)
            db[e] = np.where(use_q, 0.0, 1.0 / pr)
            dq[e] = np.where(use_q, 1.0 / qr, np.where(use1, 0.0, eps / qr))
        e = idx[ACTIVE]
        if e.size:
            self._compressors(e, pa[e], pb[e], qe[e], f, da, db, dq, jac)

    def _compressor_tables(self) -> None:
        """Linear limit slacks a_s·p_s + a_d·p_d + a_0 of the running compressors (per set)."""
        e = self.idx[ACTIVE]
        par = self.par
        n = e.size
        kind, spv = par["sp_kind"][e], par["sp"][e]
        lin, lout = par["loss_in"][e], par["loss_out"][e]
        a_s = [np.where(kind == SP_DISCHARGE, 0.0, np.where(kind == SP_RATIO, spv, 1.0))]
        a_d = [np.where(kind == SP_SUCTION, 0.0, -1.0)]
        a_0 = [np.where(kind == SP_DISCHARGE, spv,
                        np.where(kind == SP_RATIO, -spv * lin - lout, -spv))]
        rmax = par["r_max"][e]
        if np.any(np.isfinite(rmax)):
            fin = np.isfinite(rmax)
            a_s.append(np.where(fin, rmax, 0.0))
            a_d.append(np.where(fin, -1.0, 0.0))
            a_0.append(np.where(fin, -np.where(fin, rmax, 0.0) * lin - lout, np.inf))
        a_s.append(np.ones(n))
        a_d.append(np.zeros(n))
        a_0.append(-par["p_suc_min"][e])
        inv_pr = 1.0 / self.p_ref
        p_fin = np.isfinite(par["p_max"][e])
        # the candidate violations −s_k (rows: linear limits, power, flow) and their
        # derivatives by p_s, p_d, q, scaled by 1/p_ref; the rows of the linear limits'
        # derivatives and of the flow are constant, the others are written at every
        # evaluation, and one argmax picks each station's active row (the first of equal
        # slacks)
        nlin = len(a_s)
        s_tab = np.zeros((nlin + 2, n))
        ds_tab, dd_tab, dq_tab = np.zeros((nlin + 2, n)), np.zeros((nlin + 2, n)), \
            np.zeros((nlin + 2, n))
        ds_tab[:nlin] = np.array(a_s) * -inv_pr
        dd_tab[:nlin] = np.array(a_d) * -inv_pr
        dq_tab[nlin + 1] = -1.0 / self.q_ref
        s_tab[nlin] = -np.inf   # no power limit
        # flags that let the station law skip what a trunkline does not have (losses,
        # unlimited power)
        self._ctab = (e, ds_tab[:nlin], dd_tab[:nlin], np.array(a_0) * -inv_pr,
                      bool(p_fin.any()), nlin, np.arange(n),
                      1.0 / par["eta_m"][e], par["p_max"][e].copy(), np.flatnonzero(~p_fin),
                      bool(np.any(par["loss_in"][e] != 0) or np.any(par["loss_out"][e] != 0)),
                      s_tab, ds_tab, dd_tab, dq_tab)

    def _compressors(self, e: IntArray | slice, ps: FloatArray, pd: FloatArray, qe: FloatArray,
                     f: FloatArray, da: FloatArray, db: FloatArray, dq: FloatArray,
                     jac: bool = True) -> None:
        """min(lift, −min_k s_k, q) = 0: a station at its most restrictive limit, bypassed
        (forward flow only), or stopped (no flow, discharge at or above suction).

        Slacks s_k (>= 0 when the limit holds), in pressure / p_ref: set-point, maximum
        ratio, minimum suction (linear in p_s, p_d); power (P_max − P)/(∂P/∂p_d); flow q.
        The first of equal slacks in this order is the active one. Without ``jac`` the
        derivatives (da, db, dq) are not written.
        """
        par = self.par
        pr, qr = self.p_ref, self.q_ref
        if self._ctab is None:
            self._compressor_tables()
        assert self._ctab is not None
        _, a_s, a_d, a_0, has_power, nlin, cols, inv_em, pmax, p_inf, losses, s_tab, ds_tab, \
            dd_tab, dq_tab = self._ctab
        lin = s_tab[:nlin]     # (the derivative tables' rows: −a/p_ref)
        np.multiply(a_s, ps, out=lin)
        lin += a_d * pd
        lin += a_0
        if has_power:
            if losses:
                w, dws, dwd = self.work(e, ps - par["loss_in"][e], pd + par["loss_out"][e])
            else:
                w, dws, dwd = self.work(e, ps, pd)
            qem = qe * inv_em
            scale = qem * dwd
            np.maximum(scale, 1e-12, out=scale)
            scale *= pr
            np.divide(1.0, scale, out=scale)
            sp = s_tab[nlin]
            np.multiply(qem, w, out=sp)
            sp -= pmax
            sp *= scale
            if p_inf.size:
                sp[p_inf] = -np.inf
            if jac:
                qem *= scale
                np.multiply(qem, dws, out=ds_tab[nlin])
                np.multiply(qem, dwd, out=dd_tab[nlin])
                np.multiply(w, inv_em, out=dq_tab[nlin])
                dq_tab[nlin] *= scale
        np.divide(qe, -qr, out=s_tab[nlin + 1])
        branch = s_tab.argmax(axis=0)
        flat = branch * cols.size
        flat += cols
        vmax = s_tab.take(flat)     # −min_k s_k
        lift = pd - ps
        lift *= 1.0 / pr
        lift += (EQUAL_RESISTANCE / qr) * qe
        use_lift = lift <= vmax
        # the bypass and the compressor's outlet have check valves: no reverse flow
        # (min(lift, −min_k s_k, q) = 0; q = 0 with the discharge above the suction is a
        # stopped station, e.g. throttled to zero flow with its suction still falling)
        qs = qe * (1.0 / qr)
        stop = qs < np.where(use_lift, lift, vmax)
        if not use_lift.any() and not stop.any():  # every station on one of its limits
            self.branch[e] = branch
            f[e] = vmax
            if jac:
                da[e] = ds_tab.take(flat)
                db[e] = dd_tab.take(flat)
                dq[e] = dq_tab.take(flat)
            return
        self.branch[e] = np.where(stop, -2, np.where(use_lift, -1, branch))
        f[e] = np.where(stop, qs, np.where(use_lift, lift, vmax))
        if not jac:
            return
        ds = ds_tab.take(flat)
        dd = dd_tab.take(flat)
        dqq = dq_tab.take(flat)
        da[e] = np.where(stop, 0.0, np.where(use_lift, -1.0 / pr, ds))
        db[e] = np.where(stop, 0.0, np.where(use_lift, 1.0 / pr, dd))
        dq[e] = np.where(stop, 1.0 / qr, np.where(use_lift, EQUAL_RESISTANCE / qr, dqq))

    # -- Newton ---------------------------------------------------------------------------
    def newton(self, p: FloatArray, q: FloatArray, c: _Ctx, t: float, damped: bool = False,
               tol: float | None = None) -> tuple[FloatArray, FloatArray, int, float]:
        """Solve the step (or steady) equations from (p, q); returns p, q, iterations, |F|.

        Time steps use Newton with the Jacobian of the first iterate reused (chord
        steps, refreshed when the contraction rate θ of the updates exceeds
        :data:`_REFRESH_THETA`, and when an element's law changes branch: semismooth
        Newton, whose chord on the old branch's Jacobian converges slowly or cycles
        between two limits), stopped when the scaled residual is below ``tol``
        or when the predicted remaining error of the update, θ/(1−θ)·|Δx| (first
        update: 10|Δx|²/... , i.e. |Δx| <= 0.1·√tol with a fresh Jacobian), is below
        ``tol`` (Hairer & Wanner, *Solving ODEs II*, sect. IV.8). The steady solve
        (``damped``) uses full Newton with a backtracking line search.
        """
        tol = self.o.newton_tol if tol is None else tol
        nmax = self.o.max_newton
        n_pt = self.n_pt
        f, vals = self.residual(p, q, c, True)
        norm = _max_abs(f)
        it = 0
        solve: Callable[[FloatArray], FloatArray] | None = None
        eta_prev: float | None = None
        sig = self._signature()     # active set the Jacobian belongs to
        switches = 0
        # a small residual can still hide a solution error ~N·tol along a long chain: a
        # time step iterates at least once (its update measures the error) unless the
        # residual is at round-off
        floor = tol if damped else 1e-3 * tol
        while (norm > floor if it == 0 else norm > tol) and it < nmax and math.isfinite(norm):
            it += 1
            try:
                if solve is None:
                    if vals is None:
                        _, vals = self.residual(p, q, c, True)
                    assert vals is not None
                    solve = self.pat.factor(vals)
                    sig = self._signature()
                    eta_prev = None
                dx = solve(f)
            except np.linalg.LinAlgError:
                break
            dp, dq = dx[:n_pt], dx[n_pt:]
            alpha = 1.0
            dp_min, dp_max = float(dp.min()), float(dp.max())
            if dp_min < -0.5 * float(p.min()):  # (else no pressure can halve)
                neg = dp < -0.5 * p
                if neg.any():
                    alpha = min(1.0, float(np.min(-0.5 * p[neg] / dp[neg])))
            eta = max(max(dp_max, -dp_min) / self.p_ref, _max_abs(dq) / self.q_ref) * alpha
            if not damped and alpha == 1.0:
                p, q = p + dp, q + dq
                if eta_prev is None:
                    if eta <= 0.1 * math.sqrt(tol):
                        return p, q, it, norm
                    theta = 0.0
                else:
                    theta = eta / eta_prev
                    if theta < 1.0 and theta / (1.0 - theta) * eta <= tol:
                        return p, q, it, norm
                refresh = theta > _REFRESH_THETA
                f, vals = self.residual(p, q, c, refresh)
                norm = _max_abs(f)
                if not refresh and switches < _MAX_SWITCHES and norm > tol \
                        and self._signature() != sig:
                    # a station (or check valve, control valve, curtailed demand) has
                    # changed branch: the kept Jacobian is that of the other branch, on
                    # which the chord steps converge slowly or cycle between the limits;
                    # take the Jacobian of the new branch (at most _MAX_SWITCHES times
                    # a step, after which the contraction test alone decides)
                    switches += 1
                    refresh = True
                    _, vals = self.residual(p, q, c, True)
                if refresh:
                    solve = None
                else:
                    eta_prev = eta
                continue
            while True:  # damped step (steady solve, or to keep pressures positive)
                p1, q1 = p + alpha * dp, q + alpha * dq
                f1, vals1 = self.residual(p1, q1, c, True)
                n1 = float(np.abs(f1).max())
                if not damped or n1 <= (1.0 - 1e-4 * alpha) * norm or alpha < 1e-4:
                    break
                alpha *= 0.5
            p, q, f, norm, vals, solve = p1, q1, f1, n1, vals1, None
        if not norm <= tol:
            k = int(np.argmax(np.abs(f))) if np.all(np.isfinite(f)) else 0
            raise ConvergenceError(f"transient Newton at t = {t:.1f} s", iterations=it,
                                   residual=norm, worst={self.describe(k): float(f[k])})
        return p, q, it, norm

    def _signature(self) -> bytes:
        """Active set of the last residual: element branches and held points."""
        return self.branch.tobytes() + b"|" + self.held_now.tobytes()

    def describe(self, k: int) -> str:
        """Name of equation k (for error messages)."""
        g = self.g
        if k < self.n_pt:
            names = {v: n for n, v in g.names.items()}
            return f"balance at {names.get(k, f'point {k} ({g.point_pipe[k]} x={g.x[k]:.0f} m)')}"
        k -= self.n_pt
        if k < self.n_seg:
            return f"momentum {g.seg_pipe[k]} segment {k}"
        return f"{KIND_NAMES[int(self.ekind[k - self.n_seg])]} {g.eid[k - self.n_seg]}"


# ---------------------------------------------------------------------------------------
# stepping
# ---------------------------------------------------------------------------------------

@dataclass
class _State:
    t: float
    p: FloatArray
    q: FloatArray
    rho: FloatArray


class _Runner:
    """Boundaries, events, time stepping and recording of one run."""

    def __init__(self, eng: _Engine, boundary: Mapping[str, Boundary], events: Sequence[Event],
                 watch: Sequence[str]) -> None:
        self.eng = eng
        g = eng.g
        self.bnd: dict[int, Boundary] = {}
        for name, b in {**g.boundary, **boundary}.items():
            if b.relative:
                base = g.boundary.get(name)
                if base is None or base.kind != b.kind:
                    raise InputError("a relative boundary needs the model's own boundary of "
                                     "the same kind at that node", element=f"node {name}",
                                     field="relative", expected="an absolute profile")
                b = Boundary(b.kind, b.profile.scaled(base.profile(0.0)))
            self.bnd[self._point(name, "boundary")] = b
        self.events = sorted(events, key=lambda e: e.time)
        for ev in self.events:
            self._check_event(ev)
        self.watch = list(dict.fromkeys([*g.watch, *watch]))
        self.watch_idx = np.array([self._point(w, "watch") for w in self.watch], dtype=np.intp)
        self.applied: list[str] = []

    def _point(self, name: str, what: str) -> int:
        try:
            return self.eng.g.names[name]
        except KeyError:
            names = list(self.eng.g.names)
            raise InputError("unknown node", element=what, field="node", value=name,
                             expected="one of " + ", ".join(names[:12])
                             + (" …" if len(names) > 12 else "")) from None

    def _element(self, name: str) -> int:
        try:
            return self.eng.g.eid.index(name)
        except ValueError:
            raise InputError("unknown station or element", element="event", field="target",
                             value=name, expected="one of " + ", ".join(self.eng.g.eid[:12])
                             + (" …" if len(self.eng.g.eid) > 12 else "")) from None

    def _check_event(self, ev: Event) -> None:
        if ev.kind in ("supply_loss", "pressure", "flow"):
            self._point(ev.target, f"event {ev.kind}")
        else:
            k = self._element(ev.target)
            et = self.eng.g.etype[k]
            ok = {"trip": ("station", "Compressor"), "restart": ("station", "Compressor"),
                  "power": ("station", "Compressor"),
                  "setpoint": ("station", "Compressor", "ControlValve"),
                  "close": ("Valve", "ControlValve", "Compressor", "station"),
                  "open": ("Valve", "ControlValve", "Compressor", "station")}[ev.kind]
            if et not in ok:
                raise InputError(f"a {ev.kind} event does not apply to a {et}",
                                 element=f"event at t={ev.time:g} s", field="target",
                                 value=ev.target, expected="an element of type "
                                 + " / ".join(ok))

    def apply(self, ev: Event) -> None:
        eng = self.eng
        par = eng.par
        if ev.kind == "supply_loss":
            i = self._point(ev.target, "")
            self.bnd[i] = Boundary.flow(0.0)
            # a compressor drawing directly on the lost supply trips (low suction)
            for kk in np.flatnonzero((eng.g.ea == i) & (eng.ekind == ACTIVE)).tolist():
                if eng.g.etype[kk] in ("station", "Compressor"):
                    eng.ekind[kk] = CHECK
        elif ev.kind == "pressure":
            assert isinstance(ev.value, int | float)
            self.bnd[self._point(ev.target, "")] = Boundary.pressure(float(ev.value))
        elif ev.kind == "flow":
            assert isinstance(ev.value, int | float)
            self.bnd[self._point(ev.target, "")] = Boundary.flow(float(ev.value))
        else:
            k = self._element(ev.target)
            if ev.kind == "trip":
                eng.ekind[k] = CLOSED if ev.value == "closed" else CHECK
            elif ev.kind == "restart":
                eng.ekind[k] = ACTIVE
            elif ev.kind == "setpoint":
                assert isinstance(ev.value, int | float)
                par["sp"][k] = float(ev.value)
                if eng.g.etype[k] != "ControlValve":
                    par["sp_kind"][k] = SP_DISCHARGE
            elif ev.kind == "power":
                assert isinstance(ev.value, int | float)
                par["p_max"][k] = float(ev.value)
            elif ev.kind == "close":
                eng.ekind[k] = CLOSED
            elif ev.kind == "open":
                et = eng.g.etype[k]
                eng.ekind[k] = CONTROL if et == "ControlValve" else EQUAL
        eng._refresh_kinds()
        self.applied.append(ev.describe())

    def boundary_at(self, t: float) -> tuple[BoolArray, FloatArray, FloatArray]:
        n = self.eng.n_pt
        fixed = np.zeros(n, dtype=bool)
        p_set = np.zeros(n)
        inj = np.zeros(n)
        for i, b in self.bnd.items():
            v = b.profile(t)
            if b.kind == "pressure":
                fixed[i], p_set[i] = True, v
            else:
                inj[i] = v
        return fixed, p_set, inj

    def jumps(self, t0: float, t1: float) -> list[float]:
        out: list[float] = []
        for b in self.bnd.values():
            out += b.profile.jumps(t0, t1)
        return out


def _frozen(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class TransientResult:
    """Immutable result of :func:`simulate_transient` (SI: s, Pa, kg/s, kg, W).

    Arrays are read-only; the properties return new pandas objects. Time series
    are recorded at every accepted step, full profiles (every point's pressure and
    every segment's flow) at ``options.profile_interval``.

    Mass accounting per step (``balance``): ``mass_in``, ``mass_out`` and
    ``mass_fuel`` are the masses that crossed the boundaries and were burnt during
    the step, integrated with the time scheme's own weights (backward Euler: h·flow;
    BDF2: its quadrature), so that linepack[n] − linepack[n−1] = in − out − fuel
    exactly; ``mass_error`` is the residual relative to the step's throughput (or to
    1e-6 of the linepack when less flows).
    """

    name: str
    method: str
    time: FloatArray
    node_names: tuple[str, ...]
    node_pressure: FloatArray
    node_injection: FloatArray
    element_ids: tuple[str, ...]
    element_types: tuple[str, ...]
    element_flow: FloatArray
    element_mode: npt.NDArray[np.int64]
    pipe_ids: tuple[str, ...]
    pipe_inflow: FloatArray
    pipe_outflow: FloatArray
    station_ids: tuple[str, ...]
    station_power: FloatArray
    station_fuel: FloatArray
    linepack: FloatArray
    mass_in: FloatArray
    mass_out: FloatArray
    mass_fuel: FloatArray
    mass_error: FloatArray
    newton_iterations: npt.NDArray[np.int64]
    profile_time: FloatArray
    point_x: FloatArray
    point_z: FloatArray
    point_temperature: FloatArray
    point_pipe: tuple[str, ...]
    profile_pressure: FloatArray
    segment_x: FloatArray
    segment_pipe: tuple[str, ...]
    profile_flow: FloatArray
    events: tuple[str, ...]
    event_times: tuple[float, ...]
    is_line: bool
    min_delivery_pressure: float | None
    cells: int
    wall_time: float
    setup_time: float
    step_cpu_time: float
    options: TransientOptions = field(repr=False)

    UNITS: ClassVar[dict[str, str]] = {
        "time": "s", "pressure": "Pa", "injection": "kg/s", "mass_flow": "kg/s",
        "shaft_power": "W", "fuel": "kg/s", "linepack": "kg", "mass_in": "kg",
        "mass_out": "kg", "mass_fuel": "kg", "chainage": "m", "elevation": "m",
        "temperature": "K", "x": "m",
    }

    # -- views ----------------------------------------------------------------------
    def _frame(self, data: FloatArray, cols: Sequence[str]) -> pd.DataFrame:
        df = pd.DataFrame(np.array(data), columns=list(cols))
        df.index = pd.Index(np.array(self.time), name="time")
        return df

    @property
    def pressure(self) -> pd.DataFrame:
        """Pressure [Pa] at the watched nodes (columns), one row per step (index: time [s])."""
        return self._frame(self.node_pressure, self.node_names)

    @property
    def injection(self) -> pd.DataFrame:
        """Injection [kg/s] at the watched nodes (+ into the network, − withdrawn)."""
        return self._frame(self.node_injection, self.node_names)

    @property
    def flows(self) -> pd.DataFrame:
        """Mass flow [kg/s] of every element and at both ends of every pipe."""
        cols = [*self.element_ids, *(f"{p}:in" for p in self.pipe_ids),
                *(f"{p}:out" for p in self.pipe_ids)]
        return self._frame(np.hstack([self.element_flow, self.pipe_inflow,
                                      self.pipe_outflow]), cols)

    @property
    def stations(self) -> pd.DataFrame:
        """Long table: time, station, mode, suction/discharge pressure, flow, power, fuel."""
        rows = []
        idx = {e: k for k, e in enumerate(self.element_ids)}
        for j, s in enumerate(self.station_ids):
            k = idx[s]
            suc = self.node_names.index(f"{s}:suction") if f"{s}:suction" in self.node_names \
                else None
            dis = self.node_names.index(f"{s}:discharge") \
                if f"{s}:discharge" in self.node_names else None
            rows.append(pd.DataFrame({
                "time": np.array(self.time), "station": s,
                "mode": [KIND_NAMES[int(m)] for m in self.element_mode[:, k]],
                "suction_pressure": np.array(self.node_pressure[:, suc]) if suc is not None
                else np.nan,
                "discharge_pressure": np.array(self.node_pressure[:, dis])
                if dis is not None else np.nan,
                "mass_flow": np.array(self.element_flow[:, k]),
                "shaft_power": np.array(self.station_power[:, j]),
                "fuel": np.array(self.station_fuel[:, j])}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

    @property
    def balance(self) -> pd.DataFrame:
        """Linepack [kg] and the per-step masses in, out and burnt [kg], with the error."""
        df = pd.DataFrame({"linepack": np.array(self.linepack),
                           "mass_in": np.array(self.mass_in),
                           "mass_out": np.array(self.mass_out),
                           "mass_fuel": np.array(self.mass_fuel),
                           "mass_error": np.array(self.mass_error),
                           "total_power": np.array(self.station_power.sum(axis=1)),
                           "total_fuel": np.array(self.station_fuel.sum(axis=1))},
                          index=pd.Index(np.array(self.time), name="time"))
        return df

    def profile(self, time: float | None = None) -> pd.DataFrame:
        """Every point's pressure at the recorded profile time nearest ``time`` (default last).

        Columns: pipe, x (chainage for a trunkline, position along the pipe for a
        network) [m], elevation [m], temperature [K], pressure [Pa], and the mass flow
        [kg/s] of the segment that starts at the point (NaN at pipe ends).
        """
        k = len(self.profile_time) - 1 if time is None else int(
            np.argmin(np.abs(np.array(self.profile_time) - time)))
        flow = np.full(self.point_x.size, np.nan)
        df = pd.DataFrame({"pipe": list(self.point_pipe), "x": np.array(self.point_x),
                           "elevation": np.array(self.point_z),
                           "temperature": np.array(self.point_temperature),
                           "pressure": np.array(self.profile_pressure[k]), "mass_flow": flow})
        df.attrs["time"] = float(self.profile_time[k])
        if self.is_line:
            df = df.sort_values("x", kind="stable").reset_index(drop=True)
        return df

    def to_xarray(self) -> Any:
        """An ``xarray.Dataset`` of the time series and profiles (needs xarray installed)."""
        try:
            import xarray as xr  # type: ignore[import-not-found]
        except ImportError as exc:
            raise InputError("xarray is not installed", element="TransientResult",
                             field="to_xarray", expected="pip install xarray") from exc
        return xr.Dataset(
            {"pressure": (("time", "node"), np.array(self.node_pressure)),
             "injection": (("time", "node"), np.array(self.node_injection)),
             "element_flow": (("time", "element"), np.array(self.element_flow)),
             "linepack": (("time",), np.array(self.linepack)),
             "profile_pressure": (("profile_time", "point"), np.array(self.profile_pressure)),
             "profile_flow": (("profile_time", "segment"), np.array(self.profile_flow))},
            coords={"time": np.array(self.time), "node": list(self.node_names),
                    "element": list(self.element_ids),
                    "profile_time": np.array(self.profile_time),
                    "x": ("point", np.array(self.point_x)),
                    "segment_x": ("segment", np.array(self.segment_x))},
            attrs={"name": self.name, "units": str(self.UNITS)})

    @property
    def duration(self) -> float:
        return float(self.time[-1] - self.time[0])

    @property
    def max_mass_error(self) -> float:
        """Largest per-step mass balance error, relative to the step's throughput."""
        return float(np.max(np.abs(self.mass_error), initial=0.0))

    @property
    def summary(self) -> dict[str, Any]:
        """Headline figures (SI) as a flat dict."""
        steps = max(self.time.size - 1, 1)
        return {
            "name": self.name, "method": self.method, "duration": self.duration,
            "steps": self.time.size - 1, "cells": self.cells,
            "newton_iterations_per_step": float(np.sum(self.newton_iterations)) / steps,
            "linepack_start": float(self.linepack[0]), "linepack_end": float(self.linepack[-1]),
            "linepack_min": float(np.min(self.linepack)),
            "linepack_max": float(np.max(self.linepack)),
            "mass_in": float(np.sum(self.mass_in)), "mass_out": float(np.sum(self.mass_out)),
            "mass_fuel": float(np.sum(self.mass_fuel)),
            "max_mass_error": self.max_mass_error,
            "min_pressure": {n: float(np.min(self.node_pressure[:, k]))
                             for k, n in enumerate(self.node_names)},
            "events": list(self.events), "wall_time": self.wall_time,
            "setup_time": self.setup_time, "step_cpu_time": self.step_cpu_time,
        }

    def write(self, folder: str | Path, formats: tuple[str, ...] = ("csv",)) -> list[Path]:
        """Write the time series, station table, balance and summary atomically."""
        tables = {"pressure": self.pressure, "injection": self.injection, "flows": self.flows,
                  "stations": self.stations, "balance": self.balance,
                  "profile_final": self.profile()}
        paths = write_tables({name: df.reset_index() if df.index.name == "time" else df
                              for name, df in tables.items()}, folder, formats)
        paths.append(write_json(self.summary, Path(folder) / "summary.json"))
        return paths


def survival_time(result: TransientResult, node: str = "delivery",
                  pressure: float | None = None, after: float | None = None) -> float | None:
    """Seconds from ``after`` until the pressure at ``node`` first falls below ``pressure``.

    Args:
        result: a transient result.
        node: a watched node (``"delivery"`` for a trunkline's delivery point).
        pressure: the limit [Pa]; default: the trunkline's minimum delivery pressure.
        after: start of the count [s]; default: the first event's time (or 0).

    Returns:
        The time [s] (linear interpolation between steps), or None when the pressure
        stays above the limit until the end of the run.
    """
    if node not in result.node_names:
        raise InputError("not a watched node", element="survival_time", field="node",
                         value=node, expected="one of " + ", ".join(result.node_names[:12]))
    limit = pressure if pressure is not None else result.min_delivery_pressure
    if limit is None:
        raise InputError("no pressure limit", element="survival_time", field="pressure",
                         expected="a pressure [Pa] (networks have no default)")
    t0 = after
    if t0 is None:
        t0 = result.event_times[0] if result.event_times else 0.0
    t = np.array(result.time)
    p = np.array(result.node_pressure[:, result.node_names.index(node)])
    sel = np.flatnonzero((t >= t0) & (p < limit))
    if sel.size == 0:
        return None
    k = int(sel[0])
    if k == 0 or t[k - 1] < t0:
        return float(t[k] - t0)
    frac = (p[k - 1] - limit) / (p[k - 1] - p[k])
    return float(t[k - 1] + frac * (t[k] - t[k - 1]) - t0)



# ---------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------

ModelLike = Trunkline | Network | NetworkScenario | str | Path


def _seconds(value: float | str, field: str) -> float:
    if isinstance(value, str):
        return parse_quantity(value, "s", field=field, element="simulate_transient")
    return float(value)


def _network_at(net: Network, boundary: Mapping[str, Boundary], t: float) -> Network:
    """A copy of the network with the boundary overrides' values at time t."""
    out = net.copy()
    for node, b in boundary.items():
        if node not in out.nodes:
            continue
        v = b.profile(t)
        if b.kind == "pressure":
            out.injections.pop(node, None)
            out.set_pressure(node, v)
        else:
            out.pressures.pop(node, None)
            out.set_flow(node, v)
    return out


#: Steady marches the runs started from, per (line inputs, delivered flow, month,
#: isothermal): a second run from the same state reuses its seed.
_SEEDS: LruCache[LineResult] = LruCache(16)


def _seed(line: Trunkline, delivered: float, month: int | None, isothermal: bool
          ) -> LineResult:
    """The steady march (delivery basis) a trunkline run starts from, cached."""
    inputs = line_inputs_key(line)
    key = None if inputs is None else (inputs, delivered, month, isothermal)
    hit = _SEEDS.get(key) if key is not None else None
    if hit is not None:
        return hit
    seed = simulate(line, delivered, month=month, basis="delivery",
                    options=MarchOptions(isothermal=isothermal))
    if key is not None:
        _SEEDS.put(key, seed)
    return seed


def _build(model: ModelLike, opts: TransientOptions, boundary: Mapping[str, Boundary],
           gas: Gas | IdealGas | None, temperature: float | None, throughput: Any,
           month: int | None) -> tuple[_Grid, Gas | IdealGas, str, float | None]:
    if isinstance(model, str | Path):
        loaded = load_scenario(model)
        model = loaded
    if isinstance(model, Trunkline):
        line = model
        gas_l = line.gas
        b_entry = boundary.get("entry")
        if b_entry is not None and b_entry.kind == "pressure":
            line = replace(line, entry_pressure=b_entry.profile(0.0))
        b_del = boundary.get("delivery")
        if throughput is None and b_del is not None and b_del.kind == "flow" \
                and not b_del.relative:
            throughput = -b_del.profile(0.0)
        elif b_del is not None and b_del.relative:  # factors of the contract delivery
            # the delivered flow of the march at the contract is the contract flow itself
            # (to the march's delivery tolerance, 1e-10)
            throughput = resolve_throughput(line, throughput) * b_del.profile(0.0)
        seed = _seed(line, resolve_throughput(line, throughput), month,
                     opts.temperature == "isothermal")
        if not seed.complete:
            raise InputError("the steady state the run starts from is not complete: "
                             + "; ".join(seed.violations), element=line.name,
                             field="throughput", value=throughput)
        layout = station_layout(line)
        grid = _line_grid(line, layout, seed, opts.dx, opts, gas_l.ncv_mass())
        grid.boundary["delivery"] = Boundary.flow(-seed.delivered_mass_flow
                                                  / (b_del.profile(0.0) if b_del is not None
                                                     and b_del.relative else 1.0))
        return grid, gas_l, line.name, line.min_delivery_pressure
    if isinstance(model, NetworkScenario):
        gas = gas or model.gas
        temperature = temperature if temperature is not None else model.temperature
        model = model.network
    if not isinstance(model, Network):
        raise InputError("not a trunkline or network", element="simulate_transient",
                         field="model", value=type(model).__name__,
                         expected="a Trunkline, Network, NetworkScenario or scenario name")
    if gas is None:
        raise InputError("a network needs its gas", element="simulate_transient", field="gas",
                         expected="gas=tl.Gas({...}) or an IdealGas")
    t_net = float(temperature if temperature is not None else (
        np.mean(list(model.temperatures.values())) if model.temperatures else 288.15))
    seed_p = seed_q = None
    if isinstance(gas, Gas):
        res = solve_steady(_network_at(model, boundary, 0.0), gas, temperature=t_net,
                           z=opts.z, viscosity=opts.viscosity)
        seed_p, seed_q = res.pressure, res.flow
    ncv = gas.ncv_mass() if isinstance(gas, Gas) else math.inf
    grid = _network_grid(model, opts.dx, opts, t_net, seed_p, seed_q, ncv)
    return grid, gas, model.name, None


def _steady(eng: _Engine, run: _Runner, p: FloatArray, q: FloatArray) -> tuple[
        FloatArray, FloatArray]:
    """The discrete steady state at t = 0 (time derivatives dropped), lagged terms iterated."""
    fixed, p_set, inj = run.boundary_at(0.0)
    p = np.where(fixed, p_set, p)
    eng.set_scales(p, np.concatenate([q, inj]))
    zero_pt = np.zeros(eng.n_pt)
    zero_seg = np.zeros(eng.n_seg)
    take_prev = np.full(eng.n_pt, np.nan)
    phi_prev = np.full(eng.n_seg, np.nan)
    for _ in range(40):
        eng.calibrate(p, force=True)
        rho, _ = eng.eos.rho(p)
        mu, re0, phi0, dphi0 = eng.lagged(rho, q, exact=True)
        _, _, take = eng.station_state(p, q)
        ctx = _Ctx(0.0, zero_pt, zero_seg, fixed, p_set, inj, take, mu, re0, phi0, dphi0)
        if (np.allclose(take, take_prev, rtol=1e-13, atol=1e-12 * eng.q_ref)
                and np.allclose(phi0, phi_prev, rtol=1e-13, atol=1e-300)):
            return _polish(eng, p, q, ctx)
        p, q, _, _ = eng.newton(p, q, ctx, 0.0, damped=True, tol=min(eng.o.newton_tol, 1e-12))
        take_prev, phi_prev = take, phi0
    raise ConvergenceError("discrete steady initial state (fuel / viscosity loop)",
                           iterations=40, residual=float(np.max(np.abs(take - take_prev))))


def _polish(eng: _Engine, p: FloatArray, q: FloatArray, ctx: _Ctx
            ) -> tuple[FloatArray, FloatArray]:
    """Two more full Newton steps on the steady equations, kept while they reduce the
    residual: the balances (linear in q) then hold to round-off, so that no residual
    imbalance is integrated into the state once time runs."""
    f, vals = eng.residual(p, q, ctx, True)
    norm = float(np.max(np.abs(f)))
    for _ in range(2):
        assert vals is not None
        try:
            dx = eng.pat.factor(vals)(f)
        except np.linalg.LinAlgError:
            break
        p1, q1 = p + dx[:eng.n_pt], q + dx[eng.n_pt:]
        f1, vals1 = eng.residual(p1, q1, ctx, True)
        n1 = float(np.max(np.abs(f1)))
        if not n1 < norm:
            break
        p, q, f, vals, norm = p1, q1, f1, vals1, n1
    return p, q


def simulate_transient(
    model: ModelLike,
    duration: float | str,
    dt: float | str = 900.0,
    *,
    boundary: Mapping[str, Boundary] | None = None,
    events: Sequence[Event] = (),
    options: TransientOptions | None = None,
    gas: Gas | IdealGas | None = None,
    temperature: float | None = None,
    throughput: Any = None,
    month: int | None = None,
    watch: Sequence[str] = (),
    progress: Callable[[float, float], None] | None = None,
    stop_below: Mapping[str, float] | None = None,
) -> TransientResult:
    """Simulate transient flow in a trunkline or a network from its steady state.

    Args:
        model: a :class:`Trunkline`, a :class:`Network` (with ``gas``), a
            :class:`NetworkScenario`, or a scenario name / TOML path.
        duration: simulated time [s] or a quantity ("30 d", "24 h").
        dt: time step [s] or a quantity ("15 min"); ``"auto"`` for error-controlled
            steps (``options.rtol``).
        boundary: node → :class:`Boundary` overrides (pressure or injection profiles).
            A trunkline's nodes are ``entry`` (default: its entry pressure held),
            ``delivery`` (default: the contract delivery withdrawn), ``<station>:suction``,
            ``<station>:discharge`` and the waypoint names; a network's are its node ids
            (default: its ``set_pressure`` / ``set_flow`` values).
        events: :class:`Event` list (station trips, set-points, valves, supply loss).
        options: :class:`TransientOptions` (grid, method, tolerances, model switches).
        gas: the gas of a network (:class:`Gas`, or an :class:`IdealGas`).
        temperature: gas temperature of a network [K] (default as ``solve_steady``).
        throughput: a trunkline's initial delivered throughput (default: the
            scenario's, or the delivery boundary's value at t = 0).
        month: a trunkline's month for ground temperatures.
        watch: extra named nodes to record as time series.
        progress: called as ``progress(t, duration)`` after every step.
        stop_below: node → pressure [Pa]: end the run after the first step at which a
            node's pressure is below its value (e.g. a survival study).

    Returns:
        :class:`TransientResult`.

    Raises:
        ConvergenceError: a step's Newton iteration failed even at ``dt_min`` (the
            message names the time, iterations, residual and worst equation).
        InputError: unknown nodes, elements or event kinds; invalid options.
    """
    wall0 = _time.perf_counter()
    opts = options or TransientOptions()
    t_end = _seconds(duration, "duration")
    if not t_end > 0:
        raise InputError("duration must be positive", element="simulate_transient",
                         field="duration", value=duration)
    adaptive = isinstance(dt, str) and dt.strip().lower() == "auto"
    h_fixed = opts.dt_restart if adaptive else _seconds(dt, "dt")
    if not h_fixed > 0:
        raise InputError("time step must be positive", element="simulate_transient",
                         field="dt", value=dt, expected="> 0 s or 'auto'")
    boundary = dict(boundary or {})
    grid, fluid, name, p_min_delivery = _build(model, opts, boundary, gas, temperature,
                                               throughput, month)
    eng = _Engine(grid, fluid, opts)
    stops = dict(stop_below or {})
    run = _Runner(eng, boundary, events, [*watch, *stops])
    # steady start with suction protection off, then protect at the start's suction
    suc = eng.par["p_suc_min"].copy()
    eng.par["p_suc_min"][:] = np.minimum(suc, SUCTION_FLOOR)
    eng._refresh_kinds()
    p, q = _steady(eng, run, grid.p0.copy(), grid.q0.copy())
    ps0 = p[grid.ea] if grid.n_el else np.zeros(0)
    eng.par["p_suc_min"][:] = np.where(suc > SUCTION_FLOOR, np.minimum(suc, ps0 - 1e3),
                                       np.minimum(suc, 0.5 * ps0))
    eng._refresh_kinds()
    rho, _ = eng.eos.rho(p)
    stop_idx = [(grid.names[n], v) for n, v in stops.items()]
    return _integrate(eng, run, _State(0.0, p, q, rho), t_end, h_fixed, adaptive, progress,
                      name, p_min_delivery, wall0, _time.perf_counter() - wall0, stop_idx)


def _integrate(eng: _Engine, run: _Runner, st: _State, t_end: float, h_fixed: float,
               adaptive: bool, progress: Callable[[float, float], None] | None, name: str,
               p_min_delivery: float | None, wall0: float, setup: float,
               stop_idx: Sequence[tuple[int, float]] = ()) -> TransientResult:
    cpu0 = _time.process_time()
    o, g = eng.o, eng.g
    n_pt, n_seg = eng.n_pt, eng.n_seg
    la, lb = eng.pat.la, eng.pat.lb
    vol = g.vol
    pipes = list(g.pipe_segs)
    first = np.array([g.pipe_segs[pp][0] for pp in pipes], dtype=np.intp)
    last = np.array([g.pipe_segs[pp][-1] for pp in pipes], dtype=np.intp)
    comp = eng.comp
    widx = run.watch_idx
    # records
    r_t: list[float] = []
    r_p: list[FloatArray] = []
    r_inj: list[FloatArray] = []
    r_qe: list[FloatArray] = []
    r_mode: list[IntArray] = []
    r_qin: list[FloatArray] = []
    r_qout: list[FloatArray] = []
    r_pow: list[FloatArray] = []
    r_fuel: list[FloatArray] = []
    r_m: list[float] = []
    r_min: list[float] = []
    r_mout: list[float] = []
    r_mfuel: list[float] = []
    r_err: list[float] = []
    r_it: list[int] = []
    pf_t: list[float] = []
    pf_p: list[FloatArray] = []
    pf_q: list[FloatArray] = []
    next_profile = 0.0
    ev_times: list[float] = []

    def record(s: _State, ext: FloatArray, dm: tuple[float, float, float], err: float,
               it: int, mass: float, force_profile: bool = False) -> FloatArray:
        nonlocal next_profile
        eng.calibrate(s.p)
        power, fuel, take = eng.station_state(s.p, s.q)
        r_t.append(s.t)
        r_p.append(s.p[widx])
        r_inj.append(ext[widx])
        r_qe.append(s.q[n_seg:].copy())
        r_mode.append(eng.ekind.copy())
        r_qin.append(s.q[first])
        r_qout.append(s.q[last])
        r_pow.append(power)
        r_fuel.append(fuel)
        r_m.append(mass)
        r_min.append(dm[0])
        r_mout.append(dm[1])
        r_mfuel.append(dm[2])
        r_err.append(err)
        r_it.append(it)
        interval = o.profile_interval
        if force_profile or interval is None or (interval > 0 and s.t >= next_profile - 1e-9):
            pf_t.append(s.t)
            pf_p.append(s.p.copy())
            pf_q.append(s.q[:n_seg].copy())
            if interval:
                while next_profile <= s.t + 1e-9:
                    next_profile += interval
        return take

    # initial record: the steady state's boundary flows
    fixed, p_set, inj = run.boundary_at(0.0)
    _, _, take0 = eng.station_state(st.p, st.q)
    net0 = np.bincount(la, weights=st.q, minlength=n_pt) - np.bincount(lb, weights=st.q,
                                                                       minlength=n_pt)
    m_prev = float(vol @ st.rho)
    take_next = record(st, net0 + take0, (0.0, 0.0, 0.0), 0.0, 0, m_prev, force_profile=True)

    hist: list[_State] = [st]
    steps: list[float] = []
    dm_prev = (0.0, 0.0, 0.0)
    events = run.events
    ev_i = 0
    h = h_fixed
    restart = True
    n_fail = 0
    while st.t < t_end - 1e-9 * max(1.0, t_end):
        while ev_i < len(events) and events[ev_i].time <= st.t + 1e-9:
            run.apply(events[ev_i])
            ev_times.append(events[ev_i].time)
            ev_i += 1
            restart = True
        if restart:
            hist, steps, dm_prev = [st], [], (0.0, 0.0, 0.0)
            eng.calibrate(st.p)
            _, _, take_next = eng.station_state(st.p, st.q)
            if adaptive:
                h = o.dt_restart
            restart = False
        target = t_end
        if ev_i < len(events):
            target = min(target, events[ev_i].time)
        jumps = run.jumps(st.t + 1e-9, target)
        if jumps:
            target = min(target, jumps[0])
        hs = min(h, target - st.t)
        if target - (st.t + hs) < 1e-3 * hs:
            hs = target - st.t
        t_new = st.t + hs
        bdf2 = o.method == "bdf2" and len(hist) >= 2 and n_fail == 0
        if bdf2:
            w = hs / steps[-1]
            a0, a1, a2 = (1 + 2 * w) / (1 + w), -(1 + w), w * w / (1 + w)
            rho_hist = st.rho * (a1 / hs)
            rho_hist += hist[-2].rho * (a2 / hs)
            q_hist = st.q[:n_seg] * (a1 / hs)
            q_hist += hist[-2].q[:n_seg] * (a2 / hs)
        else:
            a0, a2 = 1.0, 0.0
            rho_hist = -st.rho / hs
            q_hist = -st.q[:n_seg] / hs
        # lagged terms (start of step) and boundary values at the new time
        mu, re0, phi0, dphi0 = eng.lagged(st.rho, st.q)
        take = take_next
        # a step that ends on a jump of a step profile integrates the value in force
        # during the step (the left limit); the next step starts with the new value
        on_jump = bool(jumps) and abs(t_new - jumps[0]) < 1e-9
        fixed, p_set, inj = run.boundary_at(t_new - 1e-6 * hs if on_jump else t_new)
        ctx = _Ctx(a0 / hs, rho_hist, q_hist, fixed, p_set, inj, take, mu, re0, phi0, dphi0,
                   (inj < 0) & ~fixed)
        # predictor
        if len(hist) >= 2:
            r = hs / steps[-1]
            p0 = st.p + r * (st.p - hist[-2].p)
            q0 = st.q + r * (st.q - hist[-2].q)
            p0 = np.maximum(p0, 0.5 * st.p)
        else:
            p0, q0 = st.p.copy(), st.q.copy()
        fi = ctx.fixed_idx
        p0[fi] = p_set[fi]
        try:
            p1, q1, it, _ = eng.newton(p0, q0, ctx, t_new)
        except ConvergenceError:
            if hs <= o.dt_min * 1.0000001:
                raise
            h = max(hs / 4.0, o.dt_min)
            n_fail += 1
            continue
        # conservative projection: densities from the discrete continuity, p from the EOS
        net = np.bincount(la, weights=q1, minlength=n_pt)
        net -= np.bincount(lb, weights=q1, minlength=n_pt)
        src = net - inj
        src += take
        rho_c = src / vol
        rho_c += rho_hist
        rho_c *= -1.0 / ctx.c0
        rho_f, drho_f = eng.eos.rho(p1)
        pre = ctx.pre if ctx.pre is not None else eng._prepare(ctx)
        fl = pre.floor_idx          # the balance is needed only where a withdrawal may be
        cont = np.empty(n_pt)       # curtailed
        cont[fl] = pre.vol_c0[fl] * rho_f[fl] + pre.cont0[fl] + net[fl] * (1.0 / eng.q_ref)
        fixed, p_set = eng.held(p1, cont, ctx, fl)
        fx = ctx.fixed_idx if fixed is ctx.fixed else np.flatnonzero(fixed)
        # one Newton step of the EOS inversion: |Δρ| is at the Newton tolerance, so the
        # pressure matches ρ to O(Δρ²), far below round-off
        dp1 = rho_c - rho_f
        dp1 /= drho_f
        p1 = p1 + dp1
        p1[fx] = p_set[fx]
        rho1 = rho_c
        rho1[fx] = rho_f[fx]
        if not eng.eos.in_range(p1):
            bad = int(np.argmin(p1))
            raise OutOfRangeError(
                f"pressure leaves the gas model's range at t = {t_new / 3600:.3f} h",
                element=eng.describe(bad), field="pressure", value=float(p1[bad]),
                expected="a state inside the EOS surrogate's envelope (the line has "
                "collapsed: shorten the run or check the events)")
        new = _State(t_new, p1, q1, rho1)
        # error control
        if adaptive and bdf2 and len(hist) >= 3:
            ta, tb, tc = hist[-3].t, hist[-2].t, st.t
            la_ = (t_new - tb) * (t_new - tc) / ((ta - tb) * (ta - tc))
            lb_ = (t_new - ta) * (t_new - tc) / ((tb - ta) * (tb - tc))
            lc_ = (t_new - ta) * (t_new - tb) / ((tc - ta) * (tc - tb))
            pp = la_ * hist[-3].p + lb_ * hist[-2].p + lc_ * st.p
            qp = la_ * hist[-3].q + lb_ * hist[-2].q + lc_ * st.q
            fac = (hs / a0) / (hs / a0 + hs + steps[-1] + steps[-2])
            ep = fac * (p1 - pp) / (o.rtol * np.maximum(p1, 1e5))
            eq = fac * (q1 - qp) / (o.rtol * eng.q_ref)
            err = math.sqrt(float(np.mean(np.concatenate([ep * ep, eq * eq]))))
            if err > 1.0 and hs > o.dt_min:
                h = max(hs * max(0.2, 0.9 * err ** (-1.0 / 3.0)), o.dt_min)
                continue
            h = min(hs * min(2.0, max(0.2, 0.9 * err ** (-1.0 / 3.0) if err > 0 else 2.0)),
                    o.dt_max)
        elif adaptive:
            h = min(2.0 * hs, o.dt_max)
        else:
            h = h_fixed if n_fail == 0 else min(2.0 * hs, h_fixed)
        n_fail = max(n_fail - 1, 0) if n_fail else 0
        # mass accounting with the scheme's own weights
        ext = ctx.c0 * rho1
        ext += rho_hist
        ext *= vol
        ext += net
        ext += take
        f_in = float(np.maximum(ext, 0.0).sum())
        f_out = f_in - float(ext.sum())
        f_fuel = float(take.sum())
        dm = tuple((hs * f + a2 * d) / a0 for f, d in zip((f_in, f_out, f_fuel), dm_prev,
                                                         strict=True))
        m_new = float(vol @ rho1)
        dmass = m_new - m_prev
        m_prev = m_new
        moved = dm[0] + dm[1] + dm[2]
        err_m = (dmass - (dm[0] - dm[1] - dm[2])) / max(moved, 1e-6 * m_new)
        dm_prev = (dm[0], dm[1], dm[2])
        hist.append(new)
        steps.append(hs)
        if len(hist) > 3:
            hist.pop(0)
            steps.pop(0)
        st = new
        take_next = record(st, ext, dm_prev, err_m, it, m_new,
                           force_profile=st.t >= t_end - 1e-9 * max(1.0, t_end))
        if progress is not None:
            progress(st.t, t_end)
        if any(st.p[i] < v for i, v in stop_idx):
            break
        if jumps and abs(st.t - jumps[0]) < 1e-9:
            restart = True

    st_ids = [g.eid[k] for k in comp]
    return TransientResult(
        name=name, method=o.method + (" adaptive" if adaptive else ""),
        time=_frozen(np.array(r_t)),
        node_names=tuple(run.watch), node_pressure=_frozen(np.array(r_p)),
        node_injection=_frozen(np.array(r_inj)),
        element_ids=tuple(g.eid), element_types=tuple(g.etype),
        element_flow=_frozen(np.array(r_qe).reshape(len(r_t), g.n_el)),
        element_mode=_frozen(np.array(r_mode, dtype=np.int64).reshape(len(r_t), g.n_el)),
        pipe_ids=tuple(pipes), pipe_inflow=_frozen(np.array(r_qin)),
        pipe_outflow=_frozen(np.array(r_qout)),
        station_ids=tuple(st_ids),
        station_power=_frozen(np.array(r_pow).reshape(len(r_t), comp.size)),
        station_fuel=_frozen(np.array(r_fuel).reshape(len(r_t), comp.size)),
        linepack=_frozen(np.array(r_m)), mass_in=_frozen(np.array(r_min)),
        mass_out=_frozen(np.array(r_mout)), mass_fuel=_frozen(np.array(r_mfuel)),
        mass_error=_frozen(np.array(r_err)),
        newton_iterations=_frozen(np.array(r_it, dtype=np.int64)),
        profile_time=_frozen(np.array(pf_t)), point_x=_frozen(g.x.copy()),
        point_z=_frozen(g.z.copy()), point_temperature=_frozen(g.t.copy()),
        point_pipe=tuple(g.point_pipe), profile_pressure=_frozen(np.array(pf_p)),
        segment_x=_frozen(0.5 * (g.x[g.sa] + g.x[g.sb])), segment_pipe=tuple(g.seg_pipe),
        profile_flow=_frozen(np.array(pf_q)), events=tuple(run.applied),
        event_times=tuple(ev_times), is_line=g.is_line,
        min_delivery_pressure=p_min_delivery, cells=n_seg,
        wall_time=_time.perf_counter() - wall0, setup_time=setup,
        step_cpu_time=_time.process_time() - cpu0, options=o)
