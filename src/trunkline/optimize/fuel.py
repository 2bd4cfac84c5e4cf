r"""Minimum fuel (or cost) of a throughput: station set-points and running units.

:func:`optimize_fuel` finds, for a trunkline (or a gas network, see
:func:`optimize_network_fuel`) at a given throughput, the discharge pressure of
every compressor station, the units it runs and the stations that can be shut
down (bypassed), such that the fuel burnt — or the cost of fuel, electricity and
CO2 — is least and every limit holds: MAOP (along the pipe too), minimum suction
and delivery pressures, driver power (derated for the ambient air), surge and
stonewall. It reports the savings against the naive policy "every station
discharges at its set-point (MAOP)" that :func:`trunkline.simulate` applies, with
the fewest units that can run each station, evaluated with the same station model.

Stations are modelled in depth (:mod:`trunkline.optimize.station`): compressor
maps, recycle, part-load heat rate and ambient derating of gas turbines, or
electric motors.

**Exact evaluation.** A line with given set-points and units is evaluated station
by station: each pipe segment is marched with the steady line solver's equations
(:func:`~trunkline.solve.steady_pipe` over the same pieces between waypoints, a
tighter tolerance than the re-simulation), each station is operated by the
station model at its actual inputs (a Gauss-Seidel sweep, exact in one pass); the
entry flow is found by a Newton-secant iteration for a delivery basis.

**Verification.** Every operating point reported — the optimum and the naive one
— is re-simulated by the steady line solver (:func:`trunkline.solve.march_line`),
each station represented by the solver's station with the equivalent polytropic
and driver efficiencies of its operating point and its set-point
(:func:`~trunkline.optimize.station.solver_station`); the optimiser's prediction
matches the re-simulation to :data:`MATCH_TOL` (pressures, flows, fuel and power;
achieved ~1e-8-1e-7), and the point satisfies every bound, or the result says
which bound it breaks.

**Method.** A continuous NLP (casadi, IPOPT) on a reduced model, refined by an
outer loop on the exact evaluation:

* between stations, the steady pipe relation

  .. math:: p_{s,i+1}^2 = \alpha_i\,p_{d,i}^2 - K_i\,\dot m_i^2

  with :math:`\alpha_i = (p_{out}/p_{in})\,\partial p_{out}/\partial p_{in}` from a
  finite difference of the exact march (before one is available, the slope of the
  real-gas relation :math:`\int p/(ZT)\,dp = C\dot m^2`,
  :math:`\alpha_i = Z_{out}T_{out}/(Z_{in}T_{in})`), and :math:`K_i` fitted to the
  exact march at the current point (friction, elevation, heat exchange and
  acceleration all go into the fitted value), so that the model matches the march
  in value and in its pressure derivative;
* at a station: the polytropic head per group
  :math:`H = c\,Z_sR\,T_s\,(r^{\sigma/S} - 1)/\sigma`, with the exponent σ from the
  exact path's end states and c fitted to the exact head; the suction state
  linearised about the fitted point — :math:`T_s` in the inlet pressure of the
  segment upstream (:math:`\partial T_{out}/\partial p_{in}` from the same finite
  difference as α), :math:`Z_s` in :math:`p_s` and :math:`T_s` (the surrogate's
  derivatives) — so that head and suction density follow the pressures to first
  order; the map relations of
  :mod:`trunkline.physics.compressor_map` (head equation in speed ν and flow q,
  control and stonewall lines as linear constraints, efficiency e(q/ν)); recycle
  as a variable; power, driver limit and fuel from
  :mod:`trunkline.physics.drivers` (Willans line, exact);
* mass balance :math:`\dot m_{i+1} = \dot m_i - f_i`, the throughput at its basis
  (delivered flow, or entry flow), MAOP on the discharge less the highest rise of
  pressure along the following segment (descents raise it).

The NLP is solved, its point evaluated exactly, the coefficients refitted there,
and so on until the prediction and the evaluation agree to
:data:`CONVERGENCE_TOL` (typically 3-5 passes). At that fixed point the model
matches the exact evaluation in value and in its pressure derivatives, so the point
is the optimum of the exact problem up to the neglected sensitivities (to flow
beyond K·ṁ², and to a station's outlet temperature when it is not after-cooled).

**Discrete decisions** (no MINLP solver: relax, round, verify): the running units
are relaxed to a continuous count in the first pass (fuel is linear in the count
through the idle fuel of the Willans line, the map sees the flow per unit); after
each pass every station's count is chosen exactly by
:func:`~trunkline.optimize.station.choose_units` at the NLP's point and fixed for
the next pass (frozen after :data:`_FREEZE_UNITS` passes; not chosen again while
the point stays within :data:`_UNITS_MOVE` of the one they were chosen at and the
exact evaluation finds every station within its limits). Shut-downs are tried
greedily, smallest fuel first, on the reduced model (a quick screen discards those
the pipe cannot bridge), kept when the NLP objective falls by more than
:data:`SHUTDOWN_GAIN`, and the outer loop is then run again to the fixed point;
the final point is verified like every other. The optimum is local (IPOPT), the
shut-downs greedy.
"""

from __future__ import annotations

import importlib
import itertools
import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.cache import LruCache
from trunkline.errors import ConvergenceError, InfeasibleError, InputError, OutOfRangeError
from trunkline.model import (
    GRAVITY,
    Network,
    NetworkScenario,
    Station,
    Trunkline,
    load_line,
    load_scenario,
)
from trunkline.model.network import (
    Compressor,
    ControlValve,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.optimize.station import (
    STATUS_TEXT,
    StationDesign,
    StationPoint,
    choose_units,
    design_entry_flow,
    line_ambient_temperature,
    line_station_designs,
    operate_stations,
    solver_station,
)
from trunkline.physics.compressor_map import GENERIC_CHARACTERISTIC, Characteristic
from trunkline.physics.drivers import ElectricMotor, GasTurbine
from trunkline.solve.line import (
    PRESSURE_TOL,
    LineResult,
    MarchOptions,
    PipeGeometry,
    march_line,
    section_heat_transfer_coefficient,
    steady_pipe,
)
from trunkline.solve.studies import line_inputs_key, resolve_throughput, station_layout
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, StandardVolumeFlow

__all__ = [
    "CONVERGENCE_TOL",
    "DEFAULT_PRICES",
    "MATCH_TOL",
    "NETWORK_PRESSURE_MARGIN",
    "FuelResult",
    "NetworkFuelResult",
    "NetworkOperatingPoint",
    "OperatingPoint",
    "OptimizeOptions",
    "Prices",
    "evaluate_operation",
    "optimize_fuel",
    "optimize_network_fuel",
]

# casadi ships without type information: bind it through importlib (typed Any).
_CA: Any = importlib.import_module("casadi")

FloatArray = npt.NDArray[np.float64]

#: Largest relative difference allowed between the optimiser's prediction and the
#: re-simulation by the steady solver (pressures, flows, fuel, power) [-]. Achieved
#: values are ~1e-8-1e-7: the outer loop converges to CONVERGENCE_TOL against the exact
#: evaluation, which agrees with the solver to its integration tolerance (rtol 1e-8,
#: amplified about threefold in a station's fuel through the head's ln(p_d/p_s)).
MATCH_TOL: Final = 1e-6
#: Convergence of the outer loop: NLP prediction vs exact evaluation [-].
CONVERGENCE_TOL: Final = 1e-7
#: The NLP may take a pressure this far beyond its bound [Pa]: half the tolerance of
#: the steady solver's limit checks (PRESSURE_TOL, 1 Pa), so that a station placed at
#: exactly its minimum suction pressure (the event location of the placement lies
#: within a fraction of a pascal of it) remains feasible, and the re-simulated point
#: (within MATCH_TOL, ~0.1 Pa) passes the solver's checks.
PRESSURE_MARGIN: Final = 0.5 * PRESSURE_TOL
#: Relative margin of the NLP on the map's stonewall line and the driver power [-], so
#: that the re-simulated point lies inside them. The control (surge) line needs none:
#: the station model recycles to stay on it, as the NLP does.
LIMIT_MARGIN: Final = 1e-6
#: A shut-down is kept when the NLP objective falls by more than this share [-].
SHUTDOWN_GAIN: Final = 1e-4
_MAX_OUTER: Final = 25
#: Running units are chosen again only when the point moved by more than this [-].
_UNITS_MOVE: Final = 1e-3
#: The outer loop also stops when the match no longer falls by this factor in a pass
#: and is below this share of the match tolerance [-].
_STALL_GAIN: Final = 0.5
_STALL_SHARE: Final = 0.5
_FREEZE_UNITS: Final = 6
_P: Final = 1e6  # pressure scale of the NLP [Pa]
_IPOPT_OK: Final = ("Solve_Succeeded", "Solved_To_Acceptable_Level")
#: Weight of fuel and recycle in the capacity objective (a tie-break among equal flows).
_CAPACITY_FUEL_WEIGHT: Final = 1e-3
_SIGMA_DEFAULT: Final = 0.27  # polytropic exponent term used where no path exists
#: A pass re-computes the segment slopes when a discharge moved by more than this [-].
_SLOPE_REFRESH: Final = 1e-4
#: Relative step of the finite-difference slope of a pipe segment [-].
_FD_STEP: Final = 1e-5
#: The exact evaluation marches pipes with this share of the re-simulation's tolerance.
_EVAL_RTOL_FACTOR: Final = 0.1


@dataclass(frozen=True)
class Prices:
    """Prices of a cost objective (USD, SI denominators).

    Attributes:
        fuel: line gas burnt [USD/kg].
        electricity: electric energy [USD/J].
        co2: CO2 emitted [USD/kg].
    """

    fuel: float = 40.0 / (1000.0 * 0.6808)
    electricity: float = 0.06 / 3.6e6
    co2: float = 0.0


#: Default prices (assumptions): fuel gas at USD 40 per 1,000 m³ (RU), the supply
#: cost of the built-in plan (3,400 RUB at 85 RUB/USD; 0.6808 kg/m³ at 20 °C, the PoS2
#: proxy gas), electricity USD 0.06/kWh, no CO2 price ([S:design-unit-costs]).
DEFAULT_PRICES: Final = Prices()


@dataclass(frozen=True)
class OptimizeOptions:
    """Settings of :func:`optimize_fuel` and :func:`~trunkline.optimize.technical_capacity`.

    Attributes:
        objective: "fuel" (kg/s of line gas burnt) or "cost" (USD/s at ``prices``).
        prices: prices of the cost objective.
        ambient_temperature: air temperature at the drivers [K]; None → a line's
            ground temperature of the month
            (:func:`~trunkline.optimize.station.line_ambient_temperature`), ISO
            15 °C for a network.
        allow_shutdown: stations may be bypassed.
        characteristic: compressor characteristic of every station (generic map).
        driver: the unit driver; None → gas turbines of the template's rating.
        stages: compressor groups in series per station.
        designs: station designs to use instead of the rated generic ones.
        march: numerical options of the re-simulations.
        match_tol: see :data:`MATCH_TOL`.
        convergence_tol: see :data:`CONVERGENCE_TOL`.
        max_outer: largest number of outer passes.
    """

    objective: str = "fuel"
    prices: Prices = DEFAULT_PRICES
    ambient_temperature: float | None = None
    allow_shutdown: bool = True
    characteristic: Characteristic = GENERIC_CHARACTERISTIC
    driver: GasTurbine | ElectricMotor | None = None
    stages: int = 1
    designs: tuple[StationDesign, ...] | None = None
    march: MarchOptions = field(default_factory=lambda: MarchOptions(max_step=math.inf))
    match_tol: float = MATCH_TOL
    convergence_tol: float = CONVERGENCE_TOL
    max_outer: int = _MAX_OUTER

    def __post_init__(self) -> None:
        if self.objective not in ("fuel", "cost"):
            raise InputError("unknown objective", element="optimize", field="objective",
                             value=self.objective, expected="'fuel' or 'cost'")


@dataclass(frozen=True)
class OperatingPoint:
    """A verified operating point of a line: decisions, station points, simulation.

    Attributes:
        name: "optimum" or "naive".
        discharge: discharge set-point of each station [Pa] (suction if bypassed).
        units: running units per group of each station (0 = bypassed).
        points: the station model at the simulated inputs.
        simulation: the steady solver's re-simulation (None if not re-simulated).
        stations: the solver's stations (equivalent efficiencies, set-points).
        fuel: line gas burnt [kg/s]; electricity [W]; co2 [kg/s]; cost [USD/s].
        feasible: every bound holds (solver limits, map, driver power).
        violations: the bounds that do not hold, in words.
    """

    name: str
    discharge: FloatArray
    units: npt.NDArray[np.int64]
    points: StationPoint
    simulation: LineResult | None
    stations: tuple[Station, ...]
    fuel: float
    electricity: float
    co2: float
    cost: float
    feasible: bool
    violations: tuple[str, ...]

    @property
    def sim(self) -> LineResult:
        """The re-simulation (raises when the point was not re-simulated)."""
        if self.simulation is None:
            raise InputError("this operating point was not re-simulated", element=self.name,
                             field="simulation")
        return self.simulation

    @property
    def entry_mass_flow(self) -> float:
        return self.sim.mass_flow

    @property
    def shaft_power(self) -> float:
        return float(np.sum(self.points.shaft_power))


@dataclass(frozen=True)
class FuelResult:
    """Minimum-fuel operating point of a line, with the naive policy for comparison.

    ``optimum`` and ``naive`` are :class:`OperatingPoint`; ``match`` is the largest
    relative difference between the optimiser's prediction and the re-simulation;
    ``line`` is the scenario with the optimum's stations (its set-points and
    equivalent efficiencies), so ``trunkline.simulate(result.line, ...)``
    reproduces the point.
    """

    scenario: str
    basis: str
    throughput: StandardVolumeFlow
    objective: str
    optimum: OperatingPoint
    naive: OperatingPoint
    line: Trunkline
    match: float
    iterations: int
    nlp_solves: int
    seconds: float
    log: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return self.optimum.feasible

    @property
    def violations(self) -> tuple[str, ...]:
        return self.optimum.violations

    @property
    def fuel(self) -> float:
        """Fuel of the optimum [kg/s]."""
        return self.optimum.fuel

    @property
    def savings(self) -> float:
        """Fuel saved against the naive policy [kg/s] (cost for a cost objective: USD/s)."""
        if self.objective == "cost":
            return self.naive.cost - self.optimum.cost
        return self.naive.fuel - self.optimum.fuel

    @property
    def savings_share(self) -> float:
        """Savings as a share of the naive policy's fuel (or cost) [-]."""
        base = self.naive.cost if self.objective == "cost" else self.naive.fuel
        return self.savings / base if base > 0 else 0.0

    @property
    def stations(self) -> pd.DataFrame:
        """One row per station: the optimum beside the naive policy (SI)."""
        rows = []
        o, n = self.optimum, self.naive
        for i, st in enumerate(o.sim.station_results):
            rows.append({
                "name": st.name, "chainage": st.chainage,
                "running": bool(o.units[i] > 0), "units": int(o.units[i]),
                "suction_pressure": st.suction_pressure,
                "discharge_pressure": st.discharge_pressure, "ratio": st.ratio,
                "speed": float(o.points.speed[i, 0]),
                "flow_ratio": float(o.points.flow_ratio[i, 0]),
                "efficiency": float(o.points.efficiency[i, 0]),
                "recycle": float(np.sum(o.points.recycle[i])),
                "shaft_power": float(o.points.shaft_power[i]),
                "load": float(np.max(o.points.load[i])) if o.units[i] else 0.0,
                "fuel": float(o.points.fuel[i]),
                "naive_units": int(n.units[i]),
                "naive_discharge_pressure":
                    n.sim.station_results[i].discharge_pressure,
                "naive_shaft_power": float(n.points.shaft_power[i]),
                "naive_fuel": float(n.points.fuel[i]),
            })
        return pd.DataFrame(rows)

    @property
    def summary(self) -> dict[str, Any]:
        """Headline figures (SI; fuel also in mcm/yr at the throughput's reference)."""
        rho = self.optimum.sim.standard_density
        year = SECONDS_PER_CONTRACT_YEAR
        return {
            "scenario": self.scenario, "basis": self.basis, "objective": self.objective,
            "throughput_m3_s": self.throughput.value,
            "reference": self.throughput.reference.name,
            "fuel": self.optimum.fuel, "naive_fuel": self.naive.fuel,
            "fuel_mcm_per_yr": self.optimum.fuel / rho * year / 1e6,
            "naive_fuel_mcm_per_yr": self.naive.fuel / rho * year / 1e6,
            "savings": self.savings, "savings_share": self.savings_share,
            "cost_usd_per_s": self.optimum.cost, "naive_cost_usd_per_s": self.naive.cost,
            "shaft_power": self.optimum.shaft_power,
            "naive_shaft_power": self.naive.shaft_power,
            "units_running": int(self.optimum.units.sum()),
            "naive_units_running": int(self.naive.units.sum()),
            "stations_running": int(np.count_nonzero(self.optimum.units)),
            "stations": int(self.optimum.units.size),
            "delivery_pressure": self.optimum.sim.delivery_pressure,
            "naive_delivery_pressure": self.naive.sim.delivery_pressure,
            "match": self.match, "feasible": self.feasible,
            "naive_feasible": self.naive.feasible, "violations": list(self.violations),
            "iterations": self.iterations, "nlp_solves": self.nlp_solves,
            "seconds": self.seconds,
        }


# -- the reduced model -------------------------------------------------------------------
@dataclass
class _Params:
    """Coefficients of the reduced model, fitted at an exact point."""

    z_s: FloatArray
    t_s: FloatArray
    c: FloatArray
    sigma: FloatArray
    alpha: FloatArray
    k: FloatArray
    offset: FloatArray  # MAOP: highest pressure above MAOP along a segment, re its discharge
    dr: FloatArray  # (N, S) stage-inlet density / suction density
    hr: FloatArray  # (N, S) stage head / first-stage head
    p_s0: FloatArray  # suction pressure at the fit [Pa]
    dz_p: FloatArray  # (∂Z/∂p)_T at the suction [1/Pa]
    dz_t: FloatArray  # (∂Z/∂T)_p at the suction [1/K]
    tau: FloatArray  # ∂T_s/∂p_d of the segment upstream [K/Pa] (0: none or not computed)
    p_u0: FloatArray  # inlet pressure of the segment upstream at the fit [Pa]
    alpha_e: float = 1.0
    k_e: float = 0.0


@dataclass
class _Decision:
    on: npt.NDArray[np.bool_]
    units: FloatArray  # fixed running units (NaN = relaxed)


@dataclass
class _Exact:
    """An exact point of the line (sequential evaluation: pipes, then each station)."""

    m_e: float
    p_set: FloatArray  # discharge set-points asked for
    units: npt.NDArray[np.int64]  # running units asked for (0 = bypass)
    m_in: FloatArray
    p_s: FloatArray
    t_s: FloatArray
    p_d: FloatArray  # actual discharge (suction when bypassed)
    t_out: FloatArray  # station outlet temperature
    points: StationPoint
    p_del: float
    t_del: float
    delivered: float
    excess: FloatArray  # per segment: max over its points of (p − MAOP) [Pa]
    violations: tuple[str, ...]
    slope: FloatArray  # per segment: ∂p_out/∂p_in (finite difference; NaN if not computed)
    tslope: FloatArray  # per segment: ∂T_out/∂p_in [K/Pa] (the same finite difference)

    @property
    def fuel(self) -> float:
        return float(np.sum(self.points.fuel))


#: Built NLPs of line models, by what they are built from.
_NLPS: LruCache[tuple[Any, Any, Any, list[tuple[str, int]], int, int]] = LruCache(16)


class _LineModel:
    """A line with fixed stations: the NLP, its fitting and the exact evaluations."""

    def __init__(self, line: Trunkline, layout: tuple[Station, ...],
                 designs: tuple[StationDesign, ...], month: int | None, target: float,
                 basis: str, opts: OptimizeOptions, mode: str = "fuel") -> None:
        self.line = line
        self.layout = layout
        self.designs = designs
        self.month = month
        self.target = target
        self.basis = basis
        self.opts = opts
        self.mode = mode  # "fuel" (minimum objective) or "capacity" (maximum throughput)
        self.gas = line.gas
        self.sur = line.gas.surrogate()
        self.fast = self.sur.point_gas()
        self.r_s = line.gas.specific_gas_constant
        self.ncv = line.gas.ncv_mass()
        self.n = len(layout)
        self.s = designs[0].stages
        self.char = designs[0].characteristic
        self.t_amb = (opts.ambient_temperature if opts.ambient_temperature is not None
                      else line_ambient_temperature(line, month))
        self.drivers = [d.driver for d in designs]
        self.p_av = np.array([d.available_power(self.t_amb) for d in self.drivers])
        self.head_station = layout[0].chainage <= 0.0
        self.maop_sec = np.array([line.section_at(s.chainage).maop for s in layout])
        self.maop = np.array([min(s.design.discharge_pressure or m, m)
                              for s, m in zip(layout, self.maop_sec, strict=True)])
        self.min_suction = np.array([s.design.min_suction_pressure for s in layout])
        self.avail = np.array([d.units_available for d in designs], dtype=float)
        self.q_r = np.array([[c.rated_flow for c in d.compressors] for d in designs])
        self.h_r = np.array([[c.rated_head for c in d.compressors] for d in designs])
        self.e_r = np.array([[c.rated_efficiency for c in d.compressors] for d in designs])
        self.eta_m = designs[0].mechanical_efficiency
        self.m_ref = max(target, 1.0)
        self.nlp_solves = 0
        self.evaluations = 0
        self.marches = 0
        self._geoms: dict[tuple[float, float], tuple[PipeGeometry, float]] = {}
        self._built = False
        # the NLP (built, or taken from _NLPS, on first use)
        self.solver: Any = None
        self.g_fun: Any = None
        self.obj_fun: Any = None
        self.names: list[tuple[str, int]] = []
        self.nx = 0
        self.npar_st = 0

    def _nlp_key(self) -> Hashable:
        """Everything the NLP's expressions are built from (see :meth:`_build`)."""
        return (self.n, self.s, self.char, self.m_ref, self.r_s, self.line.entry_pressure,
                self.head_station, tuple(self.drivers), self.p_av.tobytes(),
                self.q_r.tobytes(), self.h_r.tobytes(), self.e_r.tobytes(), self.eta_m,
                self.ncv, self.t_amb, self._co2_kg(), self.opts.prices, self.opts.objective,
                self.basis, self.mode, self.target)

    def _ensure_built(self) -> None:
        """Build the casadi NLP on first use (exact evaluations need none).

        A built NLP is reused by a later model with the same key (:meth:`_nlp_key`):
        building it (symbolic expressions, derivatives, IPOPT set-up) costs more than
        a pass of the outer loop.
        """
        if not self._built:
            key = self._nlp_key()
            hit = _NLPS.get(key)
            if hit is None:
                self._build()
                _NLPS.put(key, (self.solver, self.g_fun, self.obj_fun, self.names, self.nx,
                                self.npar_st))
            else:
                (self.solver, self.g_fun, self.obj_fun, self.names, self.nx,
                 self.npar_st) = hit
            self._built = True

    # -- layout of x and p ----------------------------------------------------------
    def _ix(self, i: int) -> int:
        return 1 + i * (4 + 2 * self.s)

    def _build(self) -> None:
        ca = _CA
        n, s = self.n, self.s
        per = 4 + 2 * s
        nx = 1 + n * per + 1
        x = ca.SX.sym("x", nx)
        npar_st = 12 + 2 * s
        par = ca.SX.sym("p", n * npar_st + 2)
        a0, a1, a2 = self.char.head_coefficients
        x_ctl = self.char.control_ratio
        x_sw = self.char.stonewall_ratio * (1.0 - LIMIT_MARGIN)
        m_ref = self.m_ref
        r_s = self.r_s
        g: list[Any] = []
        names: list[tuple[str, int]] = []

        def add(name: str, i: int, expr: Any) -> None:
            g.append(expr)
            names.append((name, i))

        m_e = x[0] * m_ref
        m_in = m_e
        obj: Any = 0
        fuel_total: Any = 0
        rec_total: Any = 0
        p_entry = self.line.entry_pressure / _P
        if not self.head_station:
            alpha_e, k_e = par[n * npar_st], par[n * npar_st + 1]
            ps0 = x[self._ix(0)]
            add("entry", 0, ps0**2 - (alpha_e * p_entry**2 - k_e * (m_e / m_ref) ** 2))
        for i in range(n):
            b = self._ix(i)
            ps, pd, f, nu_n = x[b], x[b + 1], x[b + 2], x[b + 3]
            q0 = i * npar_st
            z_s, t_s, c, sig, on = par[q0], par[q0 + 1], par[q0 + 2], par[q0 + 3], par[q0 + 4]
            alpha, kk = par[q0 + 5], par[q0 + 6]
            dr = [par[q0 + 7 + k] for k in range(s)]
            hr = [par[q0 + 7 + s + k] for k in range(s)]
            ps0, dz_p, dz_t, tau, pu0 = (par[q0 + 7 + 2 * s + k] for k in range(5))
            m_c = m_in - f
            # suction state linearised about the fit: T_s with the upstream segment's
            # inlet pressure, Z_s with p_s and T_s (exact in value and slope there)
            t_eff = t_s + (tau * (x[self._ix(i - 1) + 1] - pu0) if i > 0 else 0.0)
            z_eff = z_s + dz_p * (ps - ps0) + dz_t * (t_eff - t_s)
            zrt = z_eff * r_s * t_eff
            ratio = pd / ps
            h1 = c * zrt * (ca.exp(sig / s * ca.log(ratio)) - 1.0) / sig
            rho_s = ps * _P / zrt
            add("ratio", i, pd - ps)
            fuel_i: Any = 0
            elec_i: Any = 0
            co2_i: Any = 0
            drv = self.drivers[i]
            p_av = float(self.p_av[i]) * (1.0 - LIMIT_MARGIN)
            for k in range(s):
                nu = x[b + 4 + k]
                rec = x[b + 4 + s + k] * m_ref
                rec_total = rec_total + rec
                hk = h1 * hr[k]
                q = (m_c + rec) / (nu_n * rho_s * dr[k] * float(self.q_r[i, k]))
                h = hk / float(self.h_r[i, k])
                add("head", i, a0 * nu * nu + a1 * q * nu + a2 * q * q - h)
                add("surge", i, q - x_ctl * nu)
                add("stonewall", i, x_sw * nu - q)
                eta = float(self.e_r[i, k]) * self.char.e(q / nu)
                unit_p = (m_c + rec) * hk / (eta * self.eta_m) / nu_n
                add("power", i, unit_p / p_av)
                fuel_i = fuel_i + nu_n * drv.fuel(unit_p, self.ncv, self.t_amb)
                elec_i = elec_i + nu_n * drv.electricity(unit_p, self.t_amb)
                co2_i = co2_i + nu_n * drv.co2(unit_p, self.ncv, self._co2_kg(), self.t_amb)
            add("fuel", i, f - on * fuel_i)
            pr = self.opts.prices
            obj = obj + f * pr.fuel + on * (elec_i * pr.electricity + co2_i * pr.co2)
            fuel_total = fuel_total + f
            m_out = m_c
            p_next = x[self._ix(i + 1)] if i + 1 < n else x[nx - 1]
            add("pipe", i, p_next**2 - (alpha * pd**2 - kk * (m_out / m_ref) ** 2))
            m_in = m_out
        if self.basis == "delivery" and self.mode == "fuel":
            add("delivered", 0, m_in / m_ref - self.target / m_ref)
        if self.mode == "capacity":
            # the most gas at the basis' point; among points of equal flow the one with
            # the least fuel and recycle (burning fuel ahead of a bottleneck, by recycling,
            # is otherwise free for a delivery basis; the station model recycles no more
            # than it must)
            f_obj = -(m_in if self.basis == "delivery" else m_e) / m_ref \
                + _CAPACITY_FUEL_WEIGHT * (fuel_total + rec_total) / m_ref
        elif self.opts.objective == "fuel":
            f_obj = fuel_total / m_ref * 100.0
        else:
            f_obj = obj / (m_ref * self.opts.prices.fuel) * 100.0
        self.names = names
        self.nx = nx
        self.npar_st = npar_st
        gv = ca.vertcat(*g)
        opts = {"ipopt.print_level": 0, "print_time": 0, "ipopt.sb": "yes",
                "ipopt.max_iter": 600, "ipopt.tol": 1e-12, "ipopt.constr_viol_tol": 1e-12,
                "ipopt.acceptable_tol": 1e-9, "ipopt.acceptable_constr_viol_tol": 1e-11,
                "ipopt.mu_strategy": "adaptive", "ipopt.bound_relax_factor": 0.0,
                # only the primal point is read: no gradient of the Lagrangian for the
                # parameters' multipliers (its generation is a third of the set-up of a
                # solver of GasLib-582's nomination problem)
                "calc_lam_p": False, "no_nlp_grad": True}
        self.solver = ca.nlpsol("line_fuel", "ipopt", {"x": x, "p": par, "f": f_obj, "g": gv},
                                opts)
        self.g_fun = ca.Function("g", [x, par], [gv])
        self.obj_fun = ca.Function("obj", [x, par], [obj, fuel_total])

    def _co2_kg(self) -> float:
        from trunkline.physics.drivers import combustion_co2_per_kg

        return combustion_co2_per_kg(self.gas.carbon_per_mole, self.gas.molar_mass)

    # -- parameters and bounds -----------------------------------------------------
    def pack(self, prm: _Params, dec: _Decision) -> FloatArray:
        self._ensure_built()
        n, s, k = self.n, self.s, self.npar_st
        p = np.zeros(n * k + 2)
        for i in range(n):
            q = i * k
            p[q:q + 7] = (prm.z_s[i], prm.t_s[i], prm.c[i], prm.sigma[i],
                          1.0 if dec.on[i] else 0.0, prm.alpha[i],
                          prm.k[i] * self.m_ref**2 / _P**2)
            p[q + 7:q + 7 + s] = prm.dr[i]
            p[q + 7 + s:q + 7 + 2 * s] = prm.hr[i]
            p[q + 7 + 2 * s:q + 12 + 2 * s] = (prm.p_s0[i] / _P, prm.dz_p[i] * _P,
                                               prm.dz_t[i], prm.tau[i] * _P,
                                               prm.p_u0[i] / _P)
        p[n * k] = prm.alpha_e
        p[n * k + 1] = prm.k_e * self.m_ref**2 / _P**2
        return p

    def bounds(self, prm: _Params, dec: _Decision, m_fixed: float | None
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        n, s = self.n, self.s
        inf = 1e20
        lbx = np.full(self.nx, -inf)
        ubx = np.full(self.nx, inf)
        if m_fixed is not None:
            lbx[0] = ubx[0] = m_fixed / self.m_ref
        else:
            lbx[0], ubx[0] = 0.05, 20.0
        for i in range(n):
            b = self._ix(i)
            lo = (self.min_suction[i] - PRESSURE_MARGIN) / _P
            if i == 0 and self.head_station:
                lbx[b] = ubx[b] = self.line.entry_pressure / _P
            else:
                lbx[b], ubx[b] = lo, 1e3
            # the set-point itself is capped at MAOP by the solver: no margin above it
            hi_d = (self.maop[i] - prm.offset[i]) / _P
            lbx[b + 1], ubx[b + 1] = 0.05, max(hi_d, 0.06)
            lbx[b + 2], ubx[b + 2] = 0.0, 0.5 * self.m_ref
            if dec.on[i]:
                if math.isnan(dec.units[i]):
                    lbx[b + 3], ubx[b + 3] = 1.0, max(self.avail[i], 1.0)
                else:
                    lbx[b + 3] = ubx[b + 3] = dec.units[i]
                lbx[b + 4:b + 4 + s] = self.char.speed_min
                ubx[b + 4:b + 4 + s] = self.char.speed_max * (1.0 - LIMIT_MARGIN)
                lbx[b + 4 + s:b + 4 + 2 * s] = 0.0
                ubx[b + 4 + s:b + 4 + 2 * s] = 10.0
            else:
                lbx[b + 3] = ubx[b + 3] = 1.0
                lbx[b + 4:b + 4 + s] = ubx[b + 4:b + 4 + s] = 1.0
                lbx[b + 4 + s:b + 4 + 2 * s] = ubx[b + 4 + s:b + 4 + 2 * s] = 0.0
        lbx[-1] = (self.line.min_delivery_pressure - PRESSURE_MARGIN) / _P
        ubx[-1] = 1e3
        lbg = np.zeros(len(self.names))
        ubg = np.zeros(len(self.names))
        for j, (nm, i) in enumerate(self.names):
            on = bool(dec.on[i]) if nm not in ("entry", "delivered") else True
            if nm == "ratio":
                lbg[j], ubg[j] = (0.0, inf) if on else (0.0, 0.0)
            elif nm in ("surge", "stonewall"):
                lbg[j], ubg[j] = (0.0, inf) if on else (-inf, inf)
            elif nm == "power":
                lbg[j], ubg[j] = (-inf, 1.0) if on else (-inf, inf)
            elif nm == "head":
                lbg[j], ubg[j] = (0.0, 0.0) if on else (-inf, inf)
        return lbx, ubx, lbg, ubg

    def solve(self, x0: FloatArray, prm: _Params, dec: _Decision, m_fixed: float | None
              ) -> tuple[FloatArray, bool, str]:
        self._ensure_built()
        lbx, ubx, lbg, ubg = self.bounds(prm, dec, m_fixed)
        sol = self.solver(x0=np.clip(x0, lbx, ubx), p=self.pack(prm, dec), lbx=lbx, ubx=ubx,
                          lbg=lbg, ubg=ubg)
        st = self.solver.stats()
        self.nlp_solves += 1
        status = str(st.get("return_status", "unknown"))
        return np.asarray(sol["x"], dtype=float).ravel(), status in _IPOPT_OK, status

    def objective(self, x: FloatArray, prm: _Params, dec: _Decision) -> tuple[float, float]:
        """(cost [USD/s at the prices], fuel [kg/s]) of an NLP point."""
        self._ensure_built()
        o, f = self.obj_fun(x, self.pack(prm, dec))
        return float(o), float(f)

    def value(self, x: FloatArray, prm: _Params, dec: _Decision) -> float:
        """The quantity minimised: fuel [kg/s], cost [USD/s] or −entry flow (capacity)."""
        if self.mode == "capacity":
            pred = self.unpack(x)
            m_e = float(pred["m_e"][0])
            return -(m_e - float(np.sum(pred["fuel"])) if self.basis == "delivery" else m_e)
        cost, fuel = self.objective(x, prm, dec)
        return fuel if self.opts.objective == "fuel" else cost

    def suction_temperature(self, pred: dict[str, FloatArray], prm: _Params) -> FloatArray:
        """The NLP's suction temperatures at its point (linearised about the fit)."""
        p_up = np.concatenate([[0.0], pred["p_d"][:-1]])
        return np.asarray(prm.t_s + prm.tau * (p_up - prm.p_u0), dtype=float)

    # -- unpacking ----------------------------------------------------------------
    def unpack(self, x: FloatArray) -> dict[str, FloatArray]:
        n, s = self.n, self.s
        ix = np.array([self._ix(i) for i in range(n)])
        fuel = x[ix + 2]
        m_e = x[0] * self.m_ref
        m_in = m_e - np.concatenate([[0.0], np.cumsum(fuel)[:-1]])
        return {"m_e": np.array([m_e]), "p_s": x[ix] * _P, "p_d": x[ix + 1] * _P,
                "fuel": fuel, "units": x[ix + 3], "m_in": m_in,
                "speed": np.array([x[ix + 4 + k] for k in range(s)]).T,
                "recycle": np.array([x[ix + 4 + s + k] for k in range(s)]).T * self.m_ref,
                "p_del": np.array([x[-1] * _P])}

    def start(self, ex: _Exact, dec: _Decision) -> FloatArray:
        """An NLP start point from an exact point."""
        self._ensure_built()
        x = np.zeros(self.nx)
        x[0] = ex.m_e / self.m_ref
        pts = ex.points
        for i in range(self.n):
            b = self._ix(i)
            x[b] = ex.p_s[i] / _P
            x[b + 1] = (ex.p_d[i] if dec.on[i] else ex.p_s[i]) / _P
            x[b + 2] = pts.fuel[i] if dec.on[i] else 0.0
            u = pts.units[i] if pts.units[i] > 0 else (self.avail[i] if dec.on[i] else 1)
            x[b + 3] = u if math.isnan(dec.units[i]) else dec.units[i]
            for k in range(self.s):
                x[b + 4 + k] = pts.speed[i, k] if pts.units[i] > 0 else 1.0
                x[b + 4 + self.s + k] = pts.recycle[i, k] / self.m_ref
        x[-1] = ex.p_del / _P
        return x

    # -- fitting ------------------------------------------------------------------
    def fit(self, ex: _Exact) -> _Params:
        n, s = self.n, self.s
        sur = self.sur
        p_s, t_s = ex.p_s, ex.t_s
        z_s = np.asarray(sur.z(p_s, t_s))
        p_in, t_in = ex.p_d, ex.t_out
        m_out = ex.m_in - ex.points.fuel
        p_out = np.append(p_s[1:], ex.p_del)
        t_out = np.append(t_s[1:], ex.t_del)
        zt_in = np.asarray(sur.z(p_in, t_in)) * t_in
        zt_out = np.asarray(sur.z(p_out, t_out)) * t_out
        alpha = zt_out / zt_in
        # the exact slope where it was computed: α = (p_out/p_in)·∂p_out/∂p_in
        fd = np.isfinite(ex.slope)
        alpha[fd] = p_out[fd] / p_in[fd] * ex.slope[fd]
        k = (alpha * p_in**2 - p_out**2) / m_out**2
        pts = ex.points
        on = pts.units > 0
        r_stage = np.where(on, p_in / p_s, 1.0) ** (1.0 / s)
        sigma = np.full(n, _SIGMA_DEFAULT)
        c = np.ones(n)
        dr = np.ones((n, s))
        hr = np.ones((n, s))
        for i in np.flatnonzero(on & (r_stage > 1.0 + 1e-9)):
            t1 = float(pts.t_stage[i, 0])
            p1 = float(p_s[i] * r_stage[i])
            z1 = float(sur.z(p1, t1))
            sg = math.log(z1 * t1 / (z_s[i] * t_s[i])) / math.log(float(r_stage[i]))
            sigma[i] = sg if sg > 0.02 else _SIGMA_DEFAULT
            base = z_s[i] * self.r_s * t_s[i] * math.expm1(sigma[i] * math.log(r_stage[i])) \
                / sigma[i]
            h1 = float(pts.head[i, 0])
            c[i] = h1 / base if base > 0 else 1.0
            rho_s = float(sur.density(p_s[i], t_s[i]))
            tk = float(t_s[i])
            for kk in range(s):
                pk = float(p_s[i] * r_stage[i] ** kk)
                dr[i, kk] = float(sur.density(pk, tk)) / rho_s
                hr[i, kk] = float(pts.head[i, kk]) / h1 if h1 > 0 else 1.0
                tk = float(pts.t_stage[i, kk])
        offset = np.maximum(0.0, ex.excess - (ex.p_d - self.maop_sec))
        _, dz_p, dz_t = sur.z_derivatives(p_s, t_s)
        tau = np.zeros(n)
        p_u0 = np.zeros(n)
        if n > 1 and not self.opts.march.isothermal:
            tau[1:] = np.where(np.isfinite(ex.tslope[:-1]), ex.tslope[:-1], 0.0)
            p_u0[1:] = ex.p_d[:-1]
        prm = _Params(z_s, t_s.copy(), c, sigma, alpha, k, offset, dr, hr, p_s.copy(),
                      np.asarray(dz_p, dtype=float), np.asarray(dz_t, dtype=float), tau, p_u0)
        if not self.head_station:
            pe, te = self.line.entry_pressure, self.line.entry_temperature
            a_e = float(sur.z(p_s[0], t_s[0])) * t_s[0] / (float(sur.z(pe, te)) * te)
            prm.alpha_e = a_e
            prm.k_e = (a_e * pe**2 - p_s[0] ** 2) / ex.m_e**2
        return prm

    # -- exact evaluations --------------------------------------------------------
    def _geometry(self, a: float, b: float) -> tuple[PipeGeometry, float]:
        """Pipe of the piece [a, b] between breakpoints, as the line solver builds it."""
        key = (a, b)
        hit = self._geoms.get(key)
        if hit is None:
            line = self.line
            ch, el = line.waypoint_chainage, line.waypoint_elevation
            mid = 0.5 * (a + b)
            sec = line.section_at(mid)
            # (clamped: the last waypoint's chainage may round below the line's length)
            k = min(max(int(np.searchsorted(ch, mid)) - 1, 0), len(ch) - 2)
            slope = float((el[k + 1] - el[k]) / (ch[k + 1] - ch[k]))
            geom = PipeGeometry(sec.inner_diameter, sec.roughness, sec.outside_diameter, slope,
                                section_heat_transfer_coefficient(sec),
                                sec.ground_temperature_at(self.month), sec.friction_law)
            hit = (geom, sec.maop)
            self._geoms[key] = hit
        return hit

    def _pipe(self, a: float, b: float, p: float, t: float, m: float
              ) -> tuple[float, float, float]:
        """March [a, b]: (outlet p, outlet T, max of p − MAOP at the march points)."""
        ch = self.line.waypoint_chainage
        pts = [a, *[float(c) for c in ch if a < c < b], b]
        excess = -math.inf
        iso = self.opts.march.isothermal
        rtol = min(self.opts.march.rtol * _EVAL_RTOL_FACTOR, 1e-9)
        for u, v in itertools.pairwise(pts):
            if v - u <= 0:
                continue
            geom, maop = self._geometry(u, v)
            excess = max(excess, p - maop)
            try:
                r = steady_pipe(self.fast, p, t, m, v - u, geom, isothermal=iso, rtol=rtol,
                                max_step=self.opts.march.max_step)
            except OutOfRangeError:
                raise InfeasibleError(f"{m:.2f} kg/s: the pressure collapses between km "
                                      f"{u / 1e3:.0f} and {v / 1e3:.0f}",
                                      limits=["pressure > 0"]) from None
            excess = max(excess, float(np.max(r.pressure)) - maop)
            p = r.outlet_pressure
            t = t if iso else r.outlet_temperature
        return p, t, excess

    def evaluate(self, m_e: float, p_set: FloatArray, units: npt.NDArray[np.int64],
                 start: _Exact | StationPoint | None = None, sensitivities: bool = False
                 ) -> _Exact:
        """The line at entry flow m_e with these set-points and units, station by station.

        Pipes are marched with the line solver's equations (:func:`steady_pipe`, tighter
        tolerance than the re-simulation); each station is operated by the station
        model at its actual inputs — a Gauss-Seidel pass, exact in one sweep. A
        station whose suction reaches its set-point is bypassed, as in the solver.
        With ``sensitivities`` every segment is marched a second time from a slightly
        higher inlet pressure (the slope ∂p_out/∂p_in for the reduced model).
        """
        self.evaluations += 1
        line = self.line
        n = self.n
        p, t, m = line.entry_pressure, line.entry_temperature, m_e
        x = 0.0
        m_in, p_s, t_s = np.zeros(n), np.zeros(n), np.zeros(n)
        p_d, t_out = np.zeros(n), np.zeros(n)
        excess = np.full(n, -math.inf)
        rows: list[StationPoint] = []
        run = np.zeros(n, dtype=np.int64)
        viol: list[str] = []
        slope = np.full(n, math.nan)
        tslope = np.full(n, math.nan)

        def segment(a: float, b: float, p0: float, t0: float, m0: float, i_seg: int
                    ) -> tuple[float, float, float]:
            out = self._pipe(a, b, p0, t0, m0)
            if i_seg >= 0 and sensitivities:
                dp = _FD_STEP * p0
                hi = self._pipe(a, b, p0 + dp, t0, m0)
                slope[i_seg] = (hi[0] - out[0]) / dp
                tslope[i_seg] = (hi[1] - out[1]) / dp
            return out

        for i, station in enumerate(self.layout):
            if station.chainage > x:
                p, t, ex_seg = segment(x, station.chainage, p, t, m, i - 1)
                if i > 0:
                    excess[i - 1] = max(excess[i - 1], ex_seg)
                x = station.chainage
            m_in[i], p_s[i], t_s[i] = m, p, t
            on = units[i] > 0 and p < p_set[i]
            run[i] = units[i] if on else 0
            warm = (start.points if isinstance(start, _Exact) else start).take([i]) \
                if start is not None else None
            pt = operate_stations([self.designs[i]], self.gas, m, p, t,
                                  p_set[i] if on else p, run[i],
                                  ambient_temperature=self.t_amb,
                                  polytropic_steps=self.opts.march.polytropic_steps,
                                  start=warm)
            rows.append(pt)
            if on:
                p = float(p_set[i])
                if not self.opts.march.isothermal:
                    t = float(pt.t_outlet[0])
                m -= float(pt.fuel[0])
            p_d[i], t_out[i] = p, t
            excess[i] = p - self.maop_sec[i]
            if p_s[i] < self.min_suction[i] - PRESSURE_TOL:
                viol.append(f"{station.name}: suction {p_s[i] / 1e6:.4f} MPa below minimum "
                            f"{self.min_suction[i] / 1e6:.4f} MPa")
            if on and not bool(pt.feasible[0]):
                viol.append(f"{station.name}: {STATUS_TEXT[int(pt.status[0])]}")
        if x < line.length:
            p, t, ex_seg = segment(x, line.length, p, t, m, n - 1)
            excess[n - 1] = max(excess[n - 1], ex_seg)
        if p < line.min_delivery_pressure - PRESSURE_TOL:
            viol.append(f"delivery pressure {p / 1e6:.3f} MPa below the minimum "
                        f"{line.min_delivery_pressure / 1e6:.3f} MPa")
        if np.max(excess) > PRESSURE_TOL:
            viol.append(f"pressure {np.max(excess) / 1e6:.6f} MPa above MAOP after station "
                        f"{self.layout[int(np.argmax(excess))].name}")
        pts = StationPoint(**{k: np.concatenate([np.asarray(getattr(r, k)) for r in rows])
                              for k in StationPoint.__dataclass_fields__})
        return _Exact(m_e, np.asarray(p_set, dtype=float).copy(), run, m_in, p_s, t_s, p_d,
                      t_out, pts, p, t, m, excess, tuple(viol), slope, tslope)

    def with_slopes(self, ex: _Exact) -> _Exact:
        """The exact point with the finite-difference slope of every segment."""
        if np.all(np.isfinite(ex.slope)):
            return ex
        slope = np.full(self.n, math.nan)
        tslope = np.full(self.n, math.nan)
        m_out = ex.m_in - ex.points.fuel
        ends = [st.chainage for st in self.layout[1:]] + [self.line.length]
        for i, st in enumerate(self.layout):
            a, b = st.chainage, ends[i]
            if b <= a:
                continue
            p0, t0 = float(ex.p_d[i]), float(ex.t_out[i])
            dp = _FD_STEP * p0
            hi = self._pipe(a, b, p0 + dp, t0, float(m_out[i]))
            p_out = ex.p_s[i + 1] if i + 1 < self.n else ex.p_del
            t_out = ex.t_s[i + 1] if i + 1 < self.n else ex.t_del
            slope[i] = (hi[0] - p_out) / dp
            tslope[i] = (hi[1] - t_out) / dp
        return replace(ex, slope=slope, tslope=tslope)

    def at_delivery(self, p_set: FloatArray, units: npt.NDArray[np.int64], m0: float,
                    start: _Exact | StationPoint | None = None, first: _Exact | None = None
                    ) -> _Exact:
        """Exact point whose delivered flow is the target (secant on the entry flow).

        ``first`` is an evaluation already made at m0 with these set-points and units.
        """
        ex = first if first is not None else self.evaluate(m0, p_set, units, start)
        if self.basis != "delivery":
            return ex
        tol = self.opts.convergence_tol * self.target
        prev: tuple[float, float] | None = None
        m_e = m0
        for _ in range(30):
            g = ex.delivered - self.target
            if abs(g) <= tol:
                return ex
            slope = 1.0 - 2.5 * ex.fuel / m_e
            if prev is not None and prev[0] != m_e and prev[1] != g:
                slope = (g - prev[1]) / (m_e - prev[0])
            prev = (m_e, g)
            m_e = m_e - g / slope
            ex = self.evaluate(m_e, p_set, units, ex)
        raise ConvergenceError("entry flow for the delivered throughput", iterations=30,
                               residual=abs(ex.delivered - self.target) / self.target)

    def verify(self, ex: _Exact, pred: dict[str, FloatArray] | None = None
               ) -> tuple[LineResult, tuple[Station, ...], float]:
        """Re-simulate an exact point with the steady solver: (result, stations, match).

        ``match`` is the largest relative difference between the point (or the
        NLP prediction ``pred``) and the solver: suction, discharge and delivery
        pressures, station inflows, delivered flow, fuel and shaft power.
        """
        stations = tuple(solver_station(st, d, ex.points, i, float(ex.p_set[i])
                                        if ex.units[i] > 0 else float(ex.p_s[i]))
                         for i, (st, d) in enumerate(zip(self.layout, self.designs,
                                                         strict=True)))
        res, _ = march_line(self.line, ex.m_e, stations, self.month, self.opts.march)
        self.marches += 1
        if not res.complete or len(res.station_results) != self.n:
            return res, stations, math.inf
        sr = res.station_results
        ps = np.array([r.suction_pressure for r in sr])
        pd_ = np.array([r.discharge_pressure for r in sr])
        mi = np.array([r.mass_flow_in for r in sr])
        f = np.array([r.fuel for r in sr])
        pw = np.array([r.shaft_power for r in sr])
        src = pred if pred is not None else {
            "p_s": ex.p_s, "p_d": ex.p_d, "m_in": ex.m_in, "fuel": ex.points.fuel,
            "p_del": np.array([ex.p_del])}
        p_d_pred = np.where(ex.units > 0, src["p_d"], src["p_s"])
        d = [float(np.max(np.abs(src["p_s"] - ps) / ps)),
             float(np.max(np.abs(p_d_pred - pd_) / pd_)),
             float(np.max(np.abs(src["m_in"] - mi) / mi)),
             abs(float(src["p_del"][0]) - res.delivery_pressure) / res.delivery_pressure,
             float(np.max(np.abs(src["fuel"] - f))) / max(float(np.max(f)), 1e-12),
             float(np.max(np.abs(ex.points.shaft_power - pw))) / max(float(np.max(pw)), 1.0)]
        if self.basis == "delivery" and self.mode == "fuel":
            d.append(abs(res.delivered_mass_flow - self.target) / self.target)
        return res, stations, float(max(d))

    def mismatch(self, pred: dict[str, FloatArray], ex: _Exact) -> float:
        """Largest relative difference between an NLP prediction and an exact point."""
        on = ex.units > 0
        d = [float(np.max(np.abs(pred["p_s"] - ex.p_s) / ex.p_s)),
             float(np.max(np.abs(np.where(on, pred["p_d"], pred["p_s"]) - ex.p_d) / ex.p_d)),
             abs(float(pred["p_del"][0]) - ex.p_del) / ex.p_del,
             float(np.max(np.abs(pred["m_in"] - ex.m_in) / ex.m_in)),
             float(np.max(np.abs(pred["fuel"] - ex.points.fuel)))
             / max(float(np.max(ex.points.fuel)), 1e-12)]
        if self.basis == "delivery" and self.mode == "fuel":
            d.append(abs(ex.delivered - self.target) / self.target)
        return float(max(d))

    def point(self, name: str, ex: _Exact, res: LineResult, stations: tuple[Station, ...]
              ) -> OperatingPoint:
        pts = ex.points
        pr = self.opts.prices
        fuel = float(np.sum(pts.fuel))
        elec = float(np.sum(pts.electricity))
        co2 = float(np.sum(pts.co2))
        viol = list(res.violations)
        for i in np.flatnonzero(~pts.feasible):
            viol.append(f"{self.layout[i].name}: {STATUS_TEXT[int(pts.status[i])]}")
        return OperatingPoint(name, ex.p_d.copy(), pts.units.copy(), pts, res, stations,
                              fuel, elec, co2, fuel * pr.fuel + elec * pr.electricity
                              + co2 * pr.co2, not viol, tuple(viol))


# -- policies ----------------------------------------------------------------------------
def _naive(model: _LineModel, log: list[str]) -> _Exact:
    """Every station at its set-point, the fewest units that run it; throughput at its basis.

    A first evaluation (units of the rated point) gives the stations' inputs; the
    fewest feasible units at those inputs are then held, and the entry flow follows
    from the delivered target (Newton-secant).
    """
    p_set = model.maop.copy()
    start = np.array([d.rated_units or d.units_available for d in model.designs],
                     dtype=np.int64)
    m0 = model.target
    if model.basis == "delivery":
        m0 = design_entry_flow(model.line, model.target) or model.target
    ex = model.evaluate(m0, p_set, start)
    comp = ex.p_s < p_set
    pick = choose_units(model.designs, model.gas, ex.m_in, ex.p_s, ex.t_s,
                        np.where(comp, p_set, ex.p_s), rule="fewest",
                        ambient_temperature=model.t_amb)
    units = np.where(comp, np.maximum(pick.units, 1), 0).astype(np.int64)
    same = bool(np.array_equal(units, ex.units))
    ex = model.at_delivery(p_set, units, m0, ex, first=ex if same else None)
    log.append(f"naive policy: {model.evaluations} evaluations, fuel {ex.fuel:.4f} kg/s")
    return ex


def _screen_shutdown(model: _LineModel, prm: _Params, dec: _Decision, i: int,
                     m_out: FloatArray, m_entry: float) -> bool:
    """Can the pipe bridge station i when it is bypassed (reduced model, upstream at MAOP)?"""
    up = [j for j in range(i) if dec.on[j]]
    if up:
        j = up[-1]
        p = float(min(model.maop[j], model.maop_sec[j] - prm.offset[j]))
    else:
        p = model.line.entry_pressure
        if not model.head_station:
            p2 = prm.alpha_e * p**2 - prm.k_e * m_entry**2
            if p2 <= 0 or math.sqrt(p2) < model.min_suction[0]:
                return False
            p = math.sqrt(p2)
        j = 0
    while True:
        p2 = prm.alpha[j] * p**2 - prm.k[j] * m_out[j] ** 2
        if p2 <= 0:
            return False
        p = math.sqrt(p2)
        if j + 1 == model.n:
            return p >= model.line.min_delivery_pressure
        if p < model.min_suction[j + 1]:
            return False
        if j + 1 > i and dec.on[j + 1]:
            return True
        j += 1


@dataclass
class _Outcome:
    ex: _Exact
    pred: dict[str, FloatArray]
    match: float
    passes: int


def _optimise(model: _LineModel, start: _Exact, log: list[str], m_fixed: float | None
              ) -> _Outcome:
    """The outer loop (NLP on the fitted model ↔ exact evaluation) from an exact point."""
    dec = _Decision(start.units > 0, np.full(model.n, math.nan))
    ex = model.with_slopes(start)
    prm = model.fit(ex)
    x = model.start(ex, dec)
    pred = model.unpack(x)
    match = math.inf
    frozen = False
    since_change = 0
    chosen_at: FloatArray | None = None  # (p_s, p_d, m_in) where the units were chosen
    shut_tried = not model.opts.allow_shutdown
    it = 0
    for it in range(1, model.opts.max_outer + 1):
        changed = False
        x_new, ok, status = model.solve(x, prm, dec, m_fixed)
        if not ok:
            if it == 1 or not np.all(np.isfinite(x_new)):
                raise InfeasibleError(f"the optimisation found no feasible point ({status})",
                                      limits=list(ex.violations))
            log.append(f"pass {it}: IPOPT {status}; keeping the last point")
            break
        x = x_new
        pred = model.unpack(x)
        here = np.concatenate([pred["p_s"], np.where(dec.on, pred["p_d"], pred["p_s"]),
                               pred["m_in"]])
        settled = (chosen_at is not None and not np.any(np.isnan(dec.units[dec.on]))
                   and not ex.violations and bool(np.all(ex.points.feasible))
                   and float(np.max(np.abs(here - chosen_at) / chosen_at)) <= _UNITS_MOVE)
        if not frozen and not settled:
            chosen_at = here
            pick = choose_units(model.designs, model.gas, pred["m_in"], pred["p_s"],
                                model.suction_temperature(pred, prm),
                                np.where(dec.on, pred["p_d"], pred["p_s"]),
                                objective=model.opts.objective,
                                fuel_price=model.opts.prices.fuel,
                                electricity_price=model.opts.prices.electricity,
                                co2_price=model.opts.prices.co2,
                                ambient_temperature=model.t_amb)
            relaxed = np.maximum(np.rint(pred["units"]), 1.0)
            new = np.where(dec.on, np.where(pick.units > 0, pick.units, relaxed), math.nan)
            changed = bool(np.any(np.isnan(dec.units[dec.on]))
                           or np.any(new[dec.on] != dec.units[dec.on]))
            dec.units = new
            if changed:  # re-solve with the counts fixed before evaluating
                x_new, ok, status = model.solve(x, prm, dec, m_fixed)
                if not ok:
                    log.append(f"pass {it}: fixed units infeasible ({status}); relaxed again")
                    dec.units = np.full(model.n, math.nan)
                    continue
                x = x_new
                pred = model.unpack(x)
            since_change = 0 if changed else since_change + 1
            if it >= _FREEZE_UNITS:
                frozen = True
        units = np.where(dec.on, np.nan_to_num(dec.units, nan=1.0), 0).astype(np.int64)
        # segment slopes again only after a real move (or a change of the stations
        # running); near the fixed point the last ones are exact enough
        on_now = units > 0
        moved = float(np.max(np.abs(np.where(on_now, pred["p_d"], pred["p_s"]) - ex.p_d)
                             / ex.p_d))
        fresh = (moved > _SLOPE_REFRESH or not np.array_equal(on_now, ex.units > 0)
                 or not np.all(np.isfinite(ex.slope)))
        try:
            old_slope, old_tslope = ex.slope, ex.tslope
            ex = model.evaluate(float(pred["m_e"][0]), pred["p_d"], units, ex,
                                sensitivities=fresh)
            if not fresh:
                ex = replace(ex, slope=old_slope, tslope=old_tslope)
        except InfeasibleError as exc:
            log.append(f"pass {it}: evaluation failed ({exc}); stopping")
            break
        prev_match, match = match, model.mismatch(pred, ex)
        log.append(f"pass {it}: {model.opts.objective if model.mode == 'fuel' else 'flow'} "
                   f"{model.value(x, prm, dec):.8g}, exact fuel {ex.fuel:.6f} kg/s, "
                   f"match {match:.1e}")
        prm = model.fit(ex)
        # converged; or stalled well within the match tolerance (a unit recycling on
        # its control line keeps the NLP's LIMIT_MARGIN of flow: ~1e-6 of its fuel)
        stalled = (match <= _STALL_SHARE * model.opts.match_tol
                   and match > _STALL_GAIN * prev_match)
        if (match <= model.opts.convergence_tol or stalled) and not changed:
            if stalled and match > model.opts.convergence_tol:
                log.append(f"pass {it}: the match stalls at {match:.1e} (within the match "
                           "tolerance): converged")
            if shut_tried:
                break
            shut_tried = True
            dec2, x2 = _try_shutdowns(model, prm, dec, x, m_fixed, log)
            if dec2 is None:
                break
            dec, x = dec2, x2
            frozen = False
            chosen_at = None
    return _Outcome(ex, pred, match, it)


def _try_shutdowns(model: _LineModel, prm: _Params, dec: _Decision, x: FloatArray,
                   m_fixed: float | None, log: list[str]
                   ) -> tuple[_Decision | None, FloatArray]:
    """Greedy shut-downs on the reduced model; None when none pays."""
    pred = model.unpack(x)
    relaxed = _Decision(dec.on.copy(), np.full(model.n, math.nan))
    x0, ok, status = model.solve(x, prm, relaxed, m_fixed)
    if not ok:  # IPOPT lost its way from the fixed-unit optimum: keep the units fixed
        log.append(f"shut-downs: relaxed units failed ({status}); units kept")
        relaxed = _Decision(dec.on.copy(), dec.units.copy())
        x0, ok, status = model.solve(x, prm, relaxed, m_fixed)
        if not ok:
            log.append(f"shut-downs: not tried ({status})")
            return None, x
    base = model.value(x0, prm, relaxed)
    m_out = pred["m_in"] - pred["fuel"]
    order = np.argsort(pred["fuel"] + 1e-9 * np.arange(model.n))
    cur, best_x = relaxed, x0
    accepted = 0
    for i in order:
        if not cur.on[i]:
            continue
        if not _screen_shutdown(model, prm, cur, int(i), m_out, float(pred["m_e"][0])):
            continue
        trial = _Decision(cur.on.copy(), cur.units.copy())
        trial.on[i] = False
        xt, ok, _ = model.solve(best_x, prm, trial, m_fixed)
        if not ok:
            continue
        val = model.value(xt, prm, trial)
        if val < base - SHUTDOWN_GAIN * abs(base):
            cur, best_x, base = trial, xt, val
            accepted += 1
    if not accepted:
        log.append("shut-downs: none pays")
        return None, x
    log.append(f"shut-downs: {accepted} station(s) bypassed on the reduced model")
    return cur, best_x


# -- public ------------------------------------------------------------------------------
#: Lines seen by the optimiser, by their inputs (most recent last): a line loaded again
#: with the same inputs is replaced by the one seen before, whose gas surrogate, station
#: layout and station rating are then reused. Any change of an input is a new line.
#: Four lines are kept (each holds its gas surrogate, ~15 MB).
_LINES: LruCache[Trunkline] = LruCache(4)


def canonical_line(line: Trunkline) -> Trunkline:
    """The line seen before with exactly the same inputs, else ``line`` (then remembered).

    Keyed by :func:`~trunkline.solve.studies.line_inputs_key` (every field of the
    line, compared exactly): what is reused — the gas surrogate, the placed stations
    and the stations' rating — is a function of those inputs alone.
    """
    key = line_inputs_key(line)
    if key is None:
        return line
    hit = _LINES.get(key)
    if hit is not None and line_inputs_key(hit) == key:  # (unless a dict was edited in place)
        return hit
    _LINES.put(key, line)
    return line


def _line_of(scenario: Trunkline | str | Path) -> Trunkline:
    return canonical_line(scenario if isinstance(scenario, Trunkline) else load_line(scenario))


def _resolve(obj: Any) -> Any:
    """A scenario name or path loaded (a trunkline or a network scenario); else as is."""
    if isinstance(obj, str | Path) and not _gaslib_name(str(obj)):
        return load_scenario(obj)
    return obj


def _model(line: Trunkline, throughput: Any, month: int | None, basis: str | None,
           opts: OptimizeOptions, mode: str = "fuel") -> _LineModel:
    line = canonical_line(line)
    layout = station_layout(line)
    if not layout:
        raise InputError("the line has no compressor stations to optimise", element=line.name,
                         field="stations")
    mth = month if month is not None else line.month
    designs = opts.designs or line_station_designs(
        line, layout, characteristic=opts.characteristic, driver=opts.driver,
        stages=opts.stages, month=mth, ambient_temperature=opts.ambient_temperature)
    if len(designs) != len(layout):
        raise InputError("one station design per station is needed", element=line.name,
                         field="designs", value=len(designs), expected=str(len(layout)))
    b = basis or line.throughput_basis
    if b not in ("delivery", "entry"):
        raise InputError("unknown throughput basis", element=line.name, field="basis",
                         value=b, expected="'delivery' or 'entry'")
    target = resolve_throughput(line, throughput)
    return _LineModel(line, tuple(layout), tuple(designs), mth, target, b, opts, mode)


def evaluate_operation(scenario: Trunkline | str | Path,
                       throughput: StandardVolumeFlow | str | float | None,
                       discharge: Sequence[float], units: Sequence[int], *,
                       month: int | None = None, basis: str | None = None,
                       options: OptimizeOptions | None = None, verify: bool = True,
                       start: OperatingPoint | None = None) -> OperatingPoint:
    """A line operated at given set-points and running units, stations in depth.

    The exact evaluation the optimiser uses (pipes marched station to station, each
    station operated by :func:`~trunkline.optimize.station.operate_stations` at its
    actual inputs; a station whose suction reaches its set-point, or with 0 units,
    is bypassed), at the throughput on its basis; with ``verify`` the point is
    re-simulated by :func:`~trunkline.solve.march_line` (``simulation``), else
    ``simulation`` is None.

    Args:
        discharge: discharge set-point of each station [Pa].
        units: running units per group of each station (0 = bypassed).
        start: a point of the same line to start the station models from (faster).
    """
    opts = options or OptimizeOptions()
    model = _model(_line_of(scenario), throughput, month, basis, opts)
    if len(discharge) != model.n or len(units) != model.n:
        raise InputError("one set-point and one unit count per station", element="stations",
                         field="discharge", value=(len(discharge), len(units)),
                         expected=str(model.n))
    p_set = np.minimum(np.asarray(discharge, dtype=float), model.maop)
    u = np.asarray(units, dtype=np.int64)
    ex = model.at_delivery(p_set, u, model.target, start.points if start else None)
    if not verify:
        pts = ex.points
        pr = opts.prices
        fuel, elec, co2 = (float(np.sum(pts.fuel)), float(np.sum(pts.electricity)),
                           float(np.sum(pts.co2)))
        return OperatingPoint("evaluated", ex.p_d.copy(), pts.units.copy(), pts, None,
                              (), fuel, elec, co2, fuel * pr.fuel + elec * pr.electricity
                              + co2 * pr.co2, not ex.violations, ex.violations)
    res, stations, _ = model.verify(ex)
    return model.point("evaluated", ex, res, stations)


def _gaslib_name(text: str) -> bool:
    """A packaged GasLib instance name or a GasLib .net file."""
    low = text.lower()
    return low.startswith("gaslib") or low.endswith(".net")


def optimize_fuel(scenario_or_network: Trunkline | str | Path | Network | Any,
                  throughput: StandardVolumeFlow | str | float | None = None, *,
                  month: int | None = None, basis: str | None = None,
                  options: OptimizeOptions | None = None, **network_kwargs: Any) -> Any:
    """Station set-points and running units that minimise fuel (or cost) for a throughput.

    Args:
        scenario_or_network: a :class:`Trunkline`, a built-in scenario name or TOML
            path — or a gas network: a :class:`~trunkline.model.Network`, a
            :class:`~trunkline.model.GasLibData` or a packaged GasLib instance name
            such as ``"GasLib-582-v2"`` (see
            :func:`trunkline.optimize.network.optimize_network_fuel`).
        throughput: for a line, its throughput (None → the scenario's;
            "45 bcm/yr @ RU"; a float in kg/s) at ``basis``; for a network, a factor
            on the nomination (None → 1).
        month: 1-12 for that month's ground temperature (None → the scenario's).
        basis: "delivery" or "entry" (None → the scenario's).
        options: :class:`OptimizeOptions` (objective, prices, ambient, maps, drivers).

    Returns:
        a :class:`FuelResult` for a line (a
        :class:`~trunkline.optimize.network.NetworkFuelResult` for a network).

    Raises:
        InfeasibleError: no operating point meets the limits at this throughput.
        ConvergenceError: the optimum does not match its re-simulation.
        InputError: bad arguments.
    """
    opts = options or OptimizeOptions()
    scenario_or_network = _resolve(scenario_or_network)
    if not isinstance(scenario_or_network, Trunkline):
        return optimize_network_fuel(scenario_or_network, throughput, options=opts,
                                     **network_kwargs)
    t0 = time.perf_counter()
    line = _line_of(scenario_or_network)
    model = _model(line, throughput, month, basis, opts)
    log: list[str] = []
    naive_ex = _naive(model, log)
    res_n, st_n, match_n = model.verify(naive_ex)
    naive = model.point("naive", naive_ex, res_n, st_n)
    m_fixed = model.target if model.basis == "entry" else None
    out = _optimise(model, naive_ex, log, m_fixed)
    res, stations, match = model.verify(out.ex, out.pred)
    log.append(f"verification by the steady solver: match {match:.1e}")
    opt = model.point("optimum", out.ex, res, stations)
    better = (opt.cost < naive.cost) if opts.objective == "cost" else (opt.fuel < naive.fuel)
    if match > opts.match_tol or not opt.feasible or not better:
        if naive.feasible and match_n <= opts.match_tol:
            log.append("the optimiser did not improve on the naive policy within the limits: "
                       "the naive point is returned as the optimum")
            opt, match = replace(naive, name="optimum"), match_n
        elif match > opts.match_tol:
            raise ConvergenceError("optimised point does not match its re-simulation",
                                   iterations=out.passes, residual=match)
    rho = line.gas.standard_density(line.reference)
    mass = model.target
    return FuelResult(
        scenario=line.name, basis=model.basis,
        throughput=StandardVolumeFlow(mass / rho, line.reference),
        objective=opts.objective, optimum=opt, naive=naive,
        line=line.with_stations(opt.stations), match=match, iterations=out.passes,
        nlp_solves=model.nlp_solves, seconds=time.perf_counter() - t0, log=tuple(log))


# -- networks ----------------------------------------------------------------------------
#: Network NLP: pressure scale [Pa], regularisation of q|q| (scaled flow units) and the
#: weight of the least-squares term that spreads flow over loops of lossless elements as
#: the steady solver's tiny equal resistances do (Thomson's principle).
_NET_P: Final = 1e6
_NET_EPS: Final = 1e-5
_LOSSLESS_WEIGHT: Final = 1e-8
#: Weight of the proximal term Σ(p − p_prev)² [1/MPa²] of the network NLP.
_PROXIMAL_WEIGHT: Final = 1e-6
#: The network NLP keeps pressures this far inside their bounds [Pa] (the solver's own
#: checks allow 1 Pa; the nomination checks here allow 100 Pa).
NETWORK_PRESSURE_MARGIN: Final = 10.0
_MAX_DAMPING: Final = 6
#: Relative margin of the network NLP inside finite flow bounds [-].
_FLOW_MARGIN: Final = 1e-7
_DARCY_LAWS: Final = ("colebrook", "prandtl-colebrook", "nikuradse", "hofer", "smooth")


@dataclass(frozen=True)
class NetworkOperatingPoint:
    """A verified operating point of a network.

    Attributes:
        name: "optimum", "nomination check" (the baseline) or "capacity".
        network: the network with the modes and set-points of the point, its
            injections and the pressure-fixed nodes of the re-simulation.
        simulation: the steady solver's re-simulation.
        decisions: one row per active element (mode, set-point, flow, pressures).
        fuel: compressor fuel [kg/s] (power / (driver efficiency · NCV));
        shaft_power: [W].
        feasible / violations: every bound holds / the ones that do not.
    """

    name: str
    network: Network
    simulation: Any
    decisions: pd.DataFrame
    fuel: float
    shaft_power: float
    feasible: bool
    violations: tuple[str, ...]


@dataclass(frozen=True)
class NetworkFuelResult:
    """Minimum-fuel operating point of a network against the nomination check's point.

    ``baseline`` is the operating point of
    :func:`trunkline.optimize.check_nomination` (the least pressure manipulation
    that is feasible); ``match`` compares the NLP's pressures and flows with the
    steady solver's re-simulation (pressures relative; flows relative to the
    largest flow).
    """

    network: str
    factor: float
    optimum: NetworkOperatingPoint
    baseline: NetworkOperatingPoint
    match: float
    iterations: int
    nlp_solves: int
    seconds: float
    log: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return self.optimum.feasible

    @property
    def fuel(self) -> float:
        return self.optimum.fuel

    @property
    def savings(self) -> float:
        """Fuel saved against the baseline [kg/s]."""
        return self.baseline.fuel - self.optimum.fuel

    @property
    def savings_share(self) -> float:
        return self.savings / self.baseline.fuel if self.baseline.fuel > 0 else 0.0

    @property
    def summary(self) -> dict[str, Any]:
        return {
            "network": self.network, "factor": self.factor, "fuel": self.optimum.fuel,
            "baseline_fuel": self.baseline.fuel, "savings": self.savings,
            "savings_share": self.savings_share, "shaft_power": self.optimum.shaft_power,
            "baseline_shaft_power": self.baseline.shaft_power, "match": self.match,
            "feasible": self.feasible, "violations": list(self.optimum.violations),
            "iterations": self.iterations, "nlp_solves": self.nlp_solves,
            "seconds": self.seconds,
        }


class _NetworkModel:
    """A network with fixed modes: the NLP over pressures and flows, its fitting, checks."""

    def __init__(self, net: Network, gas: Any, t: float, inj: FloatArray,
                 modes: dict[str, str], mode: str = "fuel") -> None:
        self.net, self.gas, self.t, self.mode = net, gas, t, mode
        self.node_ids = list(net.nodes)
        self.idx = {n: i for i, n in enumerate(self.node_ids)}
        self.edges = list(net.edges.values())
        self.nn, self.ne = len(self.node_ids), len(self.edges)
        self.fr = np.array([self.idx[e.from_node] for e in self.edges], dtype=np.intp)
        self.to = np.array([self.idx[e.to_node] for e in self.edges], dtype=np.intp)
        self.inj = inj
        self.q_ref = max(1.0, 0.5 * float(np.abs(inj).sum()))
        self.modes = dict(modes)
        kinds = []
        for e in self.edges:
            if isinstance(e, Pipe):
                if e.flow_law not in _DARCY_LAWS:
                    raise InputError("network optimisation needs Darcy friction laws",
                                     element=f"pipe {e.id}", field="flow_law",
                                     value=e.flow_law, expected=", ".join(_DARCY_LAWS))
                kinds.append("pipe")
            elif isinstance(e, Resistor):
                kinds.append("resistor")
            elif isinstance(e, ShortPipe):
                kinds.append("equal")
            elif isinstance(e, Valve):
                kinds.append("equal" if self.modes.get(e.id, "open") == "open" else "closed")
            elif isinstance(e, ControlValve | Compressor):
                m = self.modes.get(e.id, e.mode)
                base = "cv" if isinstance(e, ControlValve) else "comp"
                kinds.append({"active": base, "bypass": "equal", "closed": "closed"}[m])
            else:
                raise InputError("element type not supported", element=e.id, field="type",
                                 value=type(e).__name__)
        self.kind = np.array(kinds, dtype=object)
        self.ip = np.flatnonzero(self.kind == "pipe")
        self.ir = np.flatnonzero(self.kind == "resistor")
        self.ieq = np.flatnonzero(self.kind == "equal")
        self.icv = np.flatnonzero(self.kind == "cv")
        self.ic = np.flatnonzero(self.kind == "comp")
        self.icl = np.flatnonzero(self.kind == "closed")
        self.pipes: list[Pipe] = [e for e in (self.edges[k] for k in self.ip)
                                  if isinstance(e, Pipe)]
        self.res: list[Resistor] = [e for e in (self.edges[k] for k in self.ir)
                                    if isinstance(e, Resistor)]
        self.cvs: list[ControlValve] = [e for e in (self.edges[k] for k in self.icv)
                                        if isinstance(e, ControlValve)]
        self.comps: list[Compressor] = [e for e in (self.edges[k] for k in self.ic)
                                        if isinstance(e, Compressor)]
        self.sur = gas.surrogate()
        self.r_s = gas.specific_gas_constant
        self.ncv = gas.ncv_mass()
        lo = np.array([n.p_min for n in net.nodes.values()])
        hi = np.array([n.p_max for n in net.nodes.values()])
        for k, pipe in zip(self.ip, self.pipes, strict=True):
            hi[self.fr[k]] = min(hi[self.fr[k]], pipe.p_max)
            hi[self.to[k]] = min(hi[self.to[k]], pipe.p_max)
        self.p_lo, self.p_hi = lo, hi
        height = np.array([n.height for n in net.nodes.values()])
        self.dh = height[self.to[self.ip]] - height[self.fr[self.ip]]
        self.nlp_solves = 0
        self._build()

    def _build(self) -> None:
        ca = _CA
        nn, ne = self.nn, self.ne
        nlam = 1 if self.mode == "capacity" else 0
        x = ca.SX.sym("x", nn + ne + nlam)
        p, q = x[:nn], x[nn:nn + ne]
        lam = x[nn + ne] if nlam else 1.0
        npp, nr, nc = self.ip.size, self.ir.size, self.ic.size
        par = ca.SX.sym("par", 3 * npp + nr + 2 * nc + nn)
        kp, es, ep = par[:npp], par[npp:2 * npp], par[2 * npp:3 * npp]
        kr = par[3 * npp:3 * npp + nr]
        cc = par[3 * npp + nr:3 * npp + nr + nc]
        sg = par[3 * npp + nr + nc:3 * npp + nr + 2 * nc]
        p_prev = par[3 * npp + nr + 2 * nc:]
        import scipy.sparse as sp

        inc = sp.coo_matrix((np.concatenate([-np.ones(ne), np.ones(ne)]),
                             (np.concatenate([self.fr, self.to]),
                              np.concatenate([np.arange(ne)] * 2))), shape=(nn, ne)).tocsc()
        rows: list[Any] = []
        self.rows: dict[str, tuple[int, int]] = {}
        count = 0

        def add(name: str, expr: Any) -> None:
            nonlocal count
            size = int(expr.shape[0])
            self.rows[name] = (count, count + size)
            rows.append(expr)
            count += size

        def sel(v: Any, ix: npt.NDArray[np.intp]) -> Any:
            return v[ix.tolist()]

        def reg(v: Any) -> Any:
            return v * ca.sqrt(v**2 + _NET_EPS**2)

        # one balance per connected part (over open elements) is implied by the others:
        # drop it, or IPOPT meets a rank-deficient Jacobian
        from scipy.sparse.csgraph import connected_components

        open_e = self.kind != "closed"
        graph = sp.coo_matrix((np.ones(int(open_e.sum())), (self.fr[open_e], self.to[open_e])),
                              shape=(nn, nn))
        _, part = connected_components(graph, directed=False)
        _, first = np.unique(part, return_index=True)
        keep = np.setdiff1d(np.arange(nn), first)
        bal = ca.mtimes(ca.DM(inc), q) + lam * ca.DM(self.inj / self.q_ref)
        if keep.size:
            add("balance", bal[keep.tolist()])
        if npp:
            qp = sel(q, self.ip)
            add("pipe", sel(p, self.fr[self.ip])**2 - es * sel(p, self.to[self.ip])**2
                - kp * qp * ca.sqrt(qp**2 + ep**2))
        if nr:
            add("resistor", sel(p, self.fr[self.ir]) - sel(p, self.to[self.ir])
                - kr * reg(sel(q, self.ir)))
        if self.ieq.size:
            add("equal", sel(p, self.fr[self.ieq]) - sel(p, self.to[self.ieq]))
        if self.icv.size:
            k = self.icv
            add("cv_dp", sel(p, self.fr[k]) - sel(p, self.to[k]))
            add("cv_in", sel(p, self.fr[k]))
            add("cv_out", sel(p, self.to[k]))
        fuel: Any = 0
        if nc:
            k = self.ic
            comps = self.comps
            li = ca.DM([c.pressure_loss_in / _NET_P for c in comps])
            lo = ca.DM([c.pressure_loss_out / _NET_P for c in comps])
            suction = sel(p, self.fr[k]) - li
            discharge = sel(p, self.to[k]) + lo
            add("c_lift", discharge - suction)
            mr = ca.DM([c.max_ratio if math.isfinite(c.max_ratio) else 1e3 for c in comps])
            add("c_ratio", discharge - mr * suction)
            add("c_in", suction)
            add("c_out", discharge)
            qq = sel(q, k) * self.q_ref
            ratio = discharge / ca.fmax(suction, 1e-3)
            head = cc * (ca.exp(sg * ca.log(ratio)) - 1.0) / sg
            eta = ca.DM([c.polytropic_efficiency * c.mechanical_efficiency for c in comps])
            power = qq * head / eta
            add("c_power", power / 1e6)
            drv = ca.DM([c.driver_efficiency for c in comps])
            fuel = ca.sum1(power / (drv * self.ncv))
        g = ca.vertcat(*rows)
        lossless = self.ieq
        reg_obj = _LOSSLESS_WEIGHT * ca.sumsqr(sel(q, lossless)) if lossless.size else 0
        # proximal term: pins pressures the objective leaves free (it vanishes at the
        # fixed point of the passes, p = p_prev, so the optimum is unchanged)
        reg_obj = reg_obj + _PROXIMAL_WEIGHT * ca.sumsqr(p - p_prev)
        if self.mode == "capacity":
            f = -lam + _CAPACITY_FUEL_WEIGHT * fuel / self.q_ref + reg_obj
        else:
            f = fuel / self.q_ref * 100.0 + reg_obj
        self.nx, self.ng = nn + ne + nlam, count
        opts = {"ipopt.print_level": 0, "print_time": 0, "ipopt.sb": "yes",
                "ipopt.max_iter": 500, "ipopt.tol": 1e-10, "ipopt.constr_viol_tol": 1e-10,
                "ipopt.acceptable_tol": 1e-8, "ipopt.acceptable_constr_viol_tol": 1e-9,
                "ipopt.mu_strategy": "adaptive", "calc_lam_p": False, "no_nlp_grad": True}
        self.solver = ca.nlpsol("network_fuel", "ipopt", {"x": x, "p": par, "f": f, "g": g},
                                opts)
        self.fuel_fun = ca.Function("fuel", [x, par], [fuel])
        self.g_fun = ca.Function("g", [x, par], [g])

    # -- coefficients from an exact point (the solver's laws, frozen) ------------------
    def params(self, p: FloatArray, q: FloatArray) -> FloatArray:
        from trunkline.gas.viscosity import lee_gonzalez_eakin
        from trunkline.physics.friction import darcy_friction

        sur, env = self.sur, self.sur.envelope
        t = self.t
        k = self.ip
        p1, p2 = p[self.fr[k]], p[self.to[k]]
        pm = 2.0 / 3.0 * (p1 + p2 - p1 * p2 / (p1 + p2))
        z = np.asarray(sur.z(np.clip(pm, env.p_min, env.p_max), np.full(k.size, t)))
        zrt = z * self.r_s * t
        s = 2.0 * GRAVITY * self.dh / zrt
        small = np.abs(s) < 1e-9
        le = np.where(small, 1.0 + s / 2, np.expm1(s) / np.where(small, 1.0, s))
        diam = np.array([e.diameter for e in self.pipes])
        area = math.pi * diam**2 / 4
        length = np.array([e.length for e in self.pipes])
        eff = np.array([e.efficiency for e in self.pipes])
        rel = np.array([e.roughness for e in self.pipes]) / diam
        laws = [e.flow_law for e in self.pipes]
        mu = np.asarray(lee_gonzalez_eakin(np.full(k.size, t), pm / zrt, self.gas.molar_mass))
        qa = np.maximum(np.abs(q[k]), 1e-9)
        re = qa * diam / (area * mu)
        lam = np.empty(k.size)
        for law in set(laws):
            m = np.array([w == law for w in laws], dtype=bool)
            lam[m] = np.asarray(darcy_friction(re[m], rel[m], law=law))
        phi = np.where(re < 1.0, 64.0, lam * np.maximum(re, 1.0))
        coef = zrt * length * le / (diam * area**2) * (area * mu / diam) / eff**2
        # the solver's law F = coef·φ(Re)·q written F = K q √(q² + e²): e is the flow at
        # the laminar limit Re = 2000 (F linear below it, quadratic above), K makes F
        # exact at the current flow
        e_lam = 2000.0 * area * mu / diam
        f_now = coef * phi * qa
        kk = f_now / (qa * np.sqrt(qa**2 + e_lam**2))
        kp = kk * self.q_ref**2 / _NET_P**2
        ep = e_lam / self.q_ref
        kr_ = self.ir
        res = self.res
        pu = np.where(q[kr_] >= 0, p[self.fr[kr_]], p[self.to[kr_]])
        rho = np.asarray(sur.density(np.clip(pu, env.p_min, env.p_max), np.full(kr_.size, t)))
        zeta = np.array([r.drag_factor for r in res])
        ar = np.array([math.pi * r.diameter**2 / 4 for r in res])
        kr = zeta / (2 * rho * ar**2) * self.q_ref**2 / _NET_P
        # compressors: head = c (r^σ − 1)/σ fitted to the real-gas path at the point
        kc = self.ic
        comps = self.comps
        cc, sg = np.ones(kc.size), np.full(kc.size, _SIGMA_DEFAULT)
        for j, (kk_, c) in enumerate(zip(kc, comps, strict=True)):
            ps = float(p[self.fr[kk_]] - c.pressure_loss_in)
            pd_ = float(p[self.to[kk_]] + c.pressure_loss_out)
            zs = float(sur.z(ps, t))
            base_c = zs * self.r_s * t
            if pd_ > ps * (1 + 1e-9):
                from trunkline.physics.compressor import real_gas_polytropic

                comp = real_gas_polytropic(sur.point_gas(), ps, t, pd_,
                                           c.polytropic_efficiency, steps=12)
                t2 = float(comp.t2)
                z2 = float(sur.z(pd_, t2))
                sig = math.log(z2 * t2 / (zs * t)) / math.log(pd_ / ps)
                sg[j] = sig if sig > 0.02 else _SIGMA_DEFAULT
                form = base_c * math.expm1(sg[j] * math.log(pd_ / ps)) / sg[j]
                cc[j] = float(comp.head) / form * base_c
            else:
                cc[j] = base_c
        return np.concatenate([kp, np.exp(s), ep, kr, cc, sg, p / _NET_P])

    def bounds(self, lam_fixed: float | None) -> tuple[FloatArray, FloatArray, FloatArray,
                                                       FloatArray]:
        inf = 1e20
        nn, ne = self.nn, self.ne
        margin = NETWORK_PRESSURE_MARGIN
        lbx = np.full(self.nx, -inf)
        ubx = np.full(self.nx, inf)
        plo = np.maximum(self.p_lo + margin, 1e5)
        phi = np.where(np.isfinite(self.p_hi), self.p_hi - margin, inf * _NET_P)
        bad = phi < plo
        plo[bad], phi[bad] = self.p_lo[bad], self.p_hi[bad]
        lbx[:nn], ubx[:nn] = plo / _NET_P, phi / _NET_P
        qlo = np.array([e.flow_min for e in self.edges])
        qhi = np.array([e.flow_max for e in self.edges])
        # flows keep a relative margin inside finite bounds (the solver's check is exact)
        fin_lo, fin_hi = np.isfinite(qlo), np.isfinite(qhi)
        qlo = np.where(fin_lo, qlo, 0.0) + _FLOW_MARGIN * np.maximum(1.0, np.abs(
            np.where(fin_lo, qlo, 0.0)))
        qhi = np.where(fin_hi, qhi, 0.0) - _FLOW_MARGIN * np.maximum(1.0, np.abs(
            np.where(fin_hi, qhi, 0.0)))
        qlo = np.where(fin_lo, qlo, -inf * self.q_ref) / self.q_ref
        qhi = np.where(fin_hi, qhi, inf * self.q_ref) / self.q_ref
        qlo = np.minimum(qlo, qhi)
        qlo[self.icv] = np.maximum(qlo[self.icv], 0.0)
        qlo[self.ic] = np.maximum(qlo[self.ic], 0.0)
        qlo[self.icl] = qhi[self.icl] = 0.0
        lbx[nn:nn + ne], ubx[nn:nn + ne] = qlo, qhi
        if self.mode == "capacity":
            lbx[-1], ubx[-1] = (0.0, 10.0) if lam_fixed is None else (lam_fixed, lam_fixed)
        lbg = np.zeros(self.ng)
        ubg = np.zeros(self.ng)

        def setg(name: str, lo: FloatArray | float, hi: FloatArray | float) -> None:
            a, b = self.rows[name]
            lbg[a:b], ubg[a:b] = lo, hi

        if self.icv.size:
            cvs = self.cvs
            setg("cv_dp", np.array([(max(c.dp_min, 0.0) + c.pressure_loss_in
                                     + c.pressure_loss_out + margin) / _NET_P for c in cvs]),
                 np.array([(c.dp_max - margin) / _NET_P if math.isfinite(c.dp_max) else inf
                           for c in cvs]))
            setg("cv_in", np.array([(c.p_in_min + margin) / _NET_P for c in cvs]), inf)
            setg("cv_out", -inf, np.array([(c.p_out_max - margin) / _NET_P
                                           if math.isfinite(c.p_out_max) else inf
                                           for c in cvs]))
        if self.ic.size:
            comps = self.comps
            setg("c_lift", margin / _NET_P, inf)
            setg("c_ratio", -inf, 0.0)
            setg("c_in", np.array([(c.p_in_min + margin) / _NET_P for c in comps]), inf)
            setg("c_out", -inf, np.array([(c.p_out_max - margin) / _NET_P
                                          if math.isfinite(c.p_out_max) else inf
                                          for c in comps]))
            setg("c_power", -inf, np.array([c.max_power / 1e6 * (1 - 1e-6)
                                            if math.isfinite(c.max_power) else inf
                                            for c in comps]))
        return lbx, ubx, lbg, ubg

    def solve(self, x0: FloatArray, par: FloatArray, lam_fixed: float | None,
              locked: dict[int, float] | None = None) -> tuple[FloatArray, bool, str]:
        """Solve the NLP; ``locked`` pressures [Pa] by node index are held fixed."""
        lbx, ubx, lbg, ubg = self.bounds(lam_fixed)
        for i, pv in (locked or {}).items():  # a 1 mPa window, not an equality
            lbx[i], ubx[i] = (pv - 1e-3) / _NET_P, (pv + 1e-3) / _NET_P
        sol = self.solver(x0=np.clip(x0, lbx, ubx), p=par, lbx=lbx, ubx=ubx, lbg=lbg, ubg=ubg)
        self.nlp_solves += 1
        st = str(self.solver.stats().get("return_status", "unknown"))
        return np.asarray(sol["x"], dtype=float).ravel(), st in _IPOPT_OK, st

    def pack_x(self, p: FloatArray, q: FloatArray, lam: float = 1.0) -> FloatArray:
        x = np.concatenate([p / _NET_P, q / self.q_ref])
        return np.append(x, lam) if self.mode == "capacity" else x

    def unpack(self, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        nn, ne = self.nn, self.ne
        lam = float(x[-1]) if self.mode == "capacity" else 1.0
        return x[:nn] * _NET_P, x[nn:nn + ne] * self.q_ref, lam

    # -- the re-simulation ----------------------------------------------------------
    def simulation_network(self, p: FloatArray, lam: float) -> tuple[Network, list[str]]:
        """The network with modes and set-points, and a pressure-fixed node where needed."""
        import scipy.sparse as sp
        from scipy.sparse.csgraph import connected_components

        net = self.net.copy()
        net.pressures = {}
        inj = self.inj * lam
        net.injections = {nid: float(inj[i]) for i, nid in enumerate(self.node_ids)
                          if inj[i] != 0.0}
        anchored = np.zeros(self.nn, dtype=bool)
        cut = np.zeros(self.ne, dtype=bool)
        for k, e in enumerate(self.edges):
            kind = self.kind[k]
            mode = self.modes.get(e.id)
            if type(e).__name__ == "Valve":
                net.replace_edge(e.id, open=kind != "closed")
            elif kind == "cv":
                net.replace_edge(e.id, mode="active", setpoint=float(p[self.to[k]]))
                anchored[self.to[k]] = True
            elif kind == "comp":
                net.replace_edge(e.id, mode="active", ratio=None, suction_pressure=None,
                                 discharge_pressure=float(p[self.to[k]]))
                anchored[self.to[k]] = True
            elif mode in ("bypass", "closed") and type(e).__name__ in ("ControlValve",
                                                                       "Compressor"):
                kwargs: dict[str, Any] = {"mode": mode}
                if type(e).__name__ == "ControlValve":
                    kwargs["setpoint"] = None
                else:
                    kwargs.update(ratio=None, suction_pressure=None, discharge_pressure=None)
                net.replace_edge(e.id, **kwargs)
            cut[k] = kind in ("cv", "comp", "closed")
        keep = ~cut
        graph = sp.coo_matrix((np.ones(int(keep.sum())), (self.fr[keep], self.to[keep])),
                              shape=(self.nn, self.nn))
        ncomp, comp = connected_components(graph, directed=False)
        has = np.zeros(ncomp, dtype=bool)
        has[comp[anchored]] = True
        slacks: list[str] = []
        for c in np.flatnonzero(~has):
            members = np.flatnonzero(comp == c)
            touching = np.isin(self.fr, members) | np.isin(self.to, members)
            if not touching[~cut].any() and np.all(inj[members] == 0.0):
                continue
            best = members[int(np.argmax(inj[members]))]
            nid = self.node_ids[best]
            net.pressures[nid] = float(p[best])
            net.injections.pop(nid, None)
            slacks.append(nid)
        return net, slacks

    def simulate(self, p: FloatArray, lam: float) -> tuple[Network, Any, list[str]]:
        from trunkline.solve.network import solve_steady

        net, slacks = self.simulation_network(p, lam)
        sim = solve_steady(net, self.gas, temperature=self.t)
        viol = list(sim.violations)
        pres = sim.nodes["pressure"].to_numpy(dtype=float)
        injs = sim.nodes["injection"].to_numpy(dtype=float)
        for nid in slacks:
            i = self.idx[nid]
            want = float(self.inj[i] * lam)
            if abs(injs[i] - want) > 1e-6 * max(1.0, abs(want)):
                viol.append(f"node {nid}: injection {injs[i]:.6f} kg/s differs from the "
                            f"nomination {want:.6f} kg/s")
        pe = sim.edges
        pf, pt_ = pe["p_from"].to_numpy(dtype=float), pe["p_to"].to_numpy(dtype=float)
        for k, pipe in zip(self.ip, self.pipes, strict=True):
            if math.isfinite(pipe.p_max) and max(pf[k], pt_[k]) > pipe.p_max + 1.0:
                viol.append(f"pipe {pipe.id}: pressure above its maximum")
        for k, cv in zip(self.icv, self.cvs, strict=True):
            losses = cv.pressure_loss_in + cv.pressure_loss_out
            if pf[k] < cv.p_in_min - 1.0:
                viol.append(f"control valve {cv.id}: inlet below its minimum")
            if pt_[k] > cv.p_out_max + 1.0:
                viol.append(f"control valve {cv.id}: outlet above its maximum")
            if pf[k] - pt_[k] - losses < cv.dp_min - 1.0:
                viol.append(f"control valve {cv.id}: drop below its minimum")
        del pres
        return net, sim, viol

    def match(self, p: FloatArray, q: FloatArray, sim: Any) -> float:
        ps = sim.nodes["pressure"].to_numpy(dtype=float)
        qs = sim.edges["mass_flow"].to_numpy(dtype=float)
        ok = np.isfinite(ps)
        dp = float(np.max(np.abs(p[ok] - ps[ok]) / ps[ok]))
        scale = max(1.0, float(np.max(np.abs(qs))))
        loops = np.zeros(self.ne, dtype=bool)
        loops[self.ieq] = True  # lossless flows: compared too (the same least-squares rule)
        dq = float(np.max(np.abs(q - qs))) / scale
        return max(dp, dq)

    def point(self, name: str, net: Network, sim: Any, viol: list[str]) -> NetworkOperatingPoint:
        comp = sim.compressors
        fuel = float(comp["fuel"].sum()) if len(comp) else 0.0
        power = float(comp["shaft_power"].sum()) if len(comp) else 0.0
        rows = []
        flows, pres = sim.flow, sim.pressure
        for e in net.edges.values():
            setp: float | None
            if isinstance(e, Valve):
                mode, setp = ("open" if e.open else "closed"), math.nan
            elif isinstance(e, ControlValve):
                mode = e.mode
                setp = e.setpoint if mode == "active" else math.nan
            elif isinstance(e, Compressor):
                mode = e.mode
                setp = e.discharge_pressure if mode == "active" else math.nan
            else:
                continue
            rows.append({"element": e.id, "type": type(e).__name__, "mode": mode,
                         "setpoint": float(setp) if setp is not None else math.nan,
                         "flow": float(flows.get(e.id, math.nan)),
                         "p_from": float(pres.get(e.from_node, math.nan)),
                         "p_to": float(pres.get(e.to_node, math.nan))})
        dec = pd.DataFrame(rows, columns=["element", "type", "mode", "setpoint", "flow",
                                          "p_from", "p_to"])
        return NetworkOperatingPoint(name, net, sim, dec, fuel, power, not viol, tuple(viol))


def _network_inputs(obj: Any, gas: Any, temperature: float | None
                    ) -> tuple[Any, Network, dict[str, float], Any, str]:
    """(nomination check result, network, nomination, GasLib data or None, title)."""
    from trunkline.model.gaslib import GasLibData, apply_nomination, load_gaslib, read_gaslib
    from trunkline.optimize.nomination import check_nomination

    data: GasLibData | None = None
    if isinstance(obj, NetworkScenario):
        gas = gas if gas is not None else obj.gas
        temperature = temperature if temperature is not None else obj.temperature
        obj = obj.network
    if isinstance(obj, str | Path):
        text = str(obj)
        if text.lower().endswith(".net"):
            path = Path(text)
            scn = sorted(path.parent.glob(path.stem + "*.scn"))
            data = read_gaslib(path, scn[0] if scn else None)
        else:
            data = load_gaslib(text)
        obj = data
    if isinstance(obj, GasLibData):
        data = obj
        chk = check_nomination(data, gas=gas, temperature=temperature)
        net = apply_nomination(data)
        title = data.title or "network"
    elif isinstance(obj, Network):
        chk = check_nomination(obj, gas=gas, temperature=temperature)
        net = obj.copy()
        title = obj.name
    else:
        raise InputError("not a line or a network", element="optimize", field="scenario",
                         value=type(obj).__name__,
                         expected="a Trunkline, a scenario name, a Network or GasLib data")
    return chk, net, {}, data, title


def _modes_of(decisions: pd.DataFrame) -> dict[str, str]:
    return {str(r["element"]): str(r["mode"]) for _, r in decisions.iterrows()}


def _network_iterate(model: _NetworkModel, p: FloatArray, q: FloatArray, lam: float,
                     lam_fixed: float | None, log: list[str], passes: int = 6
                     ) -> tuple[FloatArray, FloatArray, float, Network, Any, list[str], float,
                                int]:
    """Optimise with frozen laws, then lock the set-points and converge on the solver.

    Optimisation passes (frozen laws → NLP → re-simulation → laws refitted) until the
    objective settles; then the pressures the re-simulation fixes — the outlets of
    active elements (their set-points) and the pressure-fixed nodes — are locked, and
    the NLP (now a simulation with frozen laws) and the solver are iterated to
    :data:`CONVERGENCE_TOL`.
    """
    x = model.pack_x(p, q, lam)
    par = model.params(p, q)
    match = math.inf
    net_s: Network | None = None
    sim: Any = None
    viol: list[str] = []
    it = 0
    last_obj = math.inf
    locked: dict[int, float] | None = None
    lam_lock = lam_fixed
    for it in range(1, passes + 8):
        x_new, ok, status = model.solve(x, par, lam_lock, locked)
        if not ok:
            log.append(f"pass {it}: IPOPT {status}")
            if it == 1:
                raise InfeasibleError(f"the network optimisation found no feasible point "
                                      f"({status})")
            break
        x_prev = x
        x = x_new
        p_n, q_n, lam_n = model.unpack(x)
        for _ in range(_MAX_DAMPING):
            try:
                net_s, sim, viol = model.simulate(p_n, lam_n)
                break
            except ConvergenceError:  # the solver fails far from the last point: halve
                x = 0.5 * (x_prev + x)
                p_n, q_n, lam_n = model.unpack(x)
                log.append(f"pass {it}: re-simulation failed; step halved")
        else:
            raise ConvergenceError("re-simulation of the network's optimised point",
                                   iterations=it, residual=math.inf)
        match = model.match(p_n, q_n, sim)
        obj = float(model.fuel_fun(x, par)) if model.mode == "fuel" else -lam_n
        log.append(f"pass {it}{' (set-points locked)' if locked else ''}: fuel "
                   f"{float(model.fuel_fun(x, par)):.6f} kg/s, factor {lam_n:.6f}, "
                   f"match {match:.1e}, {len(viol)} violation(s)")
        ps = sim.nodes["pressure"].to_numpy(dtype=float)
        qs = sim.edges["mass_flow"].to_numpy(dtype=float)
        par = model.params(np.where(np.isfinite(ps), ps, p_n), qs)
        if locked is not None and match <= CONVERGENCE_TOL:
            break
        settled = abs(obj - last_obj) <= 1e-7 * max(abs(obj), 1e-9)
        if locked is None and (settled or it >= passes):
            locked = {model.idx[nid]: float(pv) for nid, pv in net_s.pressures.items()}
            for k in np.concatenate([model.icv, model.ic]).astype(np.intp):
                locked[int(model.to[k])] = float(p_n[model.to[k]])
            lam_lock = lam_n if model.mode == "capacity" else lam_fixed
        last_obj = obj
    assert net_s is not None
    p_n, q_n, lam_n = model.unpack(x)
    return p_n, q_n, lam_n, net_s, sim, viol, match, it


def optimize_network_fuel(network: Any, throughput: Any = None, *,
                          options: OptimizeOptions | None = None, gas: Any = None,
                          temperature: float | None = None, try_bypass: bool = True
                          ) -> NetworkFuelResult:
    """Minimum compressor fuel of a network for its nomination (modes from the check).

    The nomination is validated first (:func:`trunkline.optimize.check_nomination`);
    its modes — valves open or closed, control valves and compressors active,
    bypassed or closed — are kept, and the set-points (every pressure) are
    re-optimised for the least fuel: a casadi/IPOPT NLP with the steady solver's
    laws frozen per pass (pipe friction factor and Z, resistor density, the
    compressors' real-gas head fitted as c(r^σ − 1)/σ), re-simulated by
    :func:`~trunkline.solve.solve_steady` after each pass until the NLP and the
    solver agree. Then each active compressor is tried in bypass (kept when the
    fuel falls and the point stays feasible). Fuel is power / (driver efficiency ·
    NCV) of every active compressor, as the solver reports it.

    Args:
        network: a :class:`~trunkline.model.Network` with its injections, GasLib
            data, a packaged GasLib instance name or a ``.net`` path.
        throughput: a factor on the nomination (None → 1; only 1 is supported: use
            :func:`~trunkline.optimize.technical_capacity` for the largest factor).
        gas, temperature: as :func:`~trunkline.optimize.check_nomination`.
    """
    del options
    t0 = time.perf_counter()
    if throughput not in (None, 1, 1.0):
        raise InputError("a network is optimised at its nomination", element="optimize_fuel",
                         field="throughput", value=throughput, expected="None (factor 1)")
    log: list[str] = []
    chk, net, _, data, title = _network_inputs(network, gas, temperature)
    if not chk.feasible or chk.simulation is None:
        raise InfeasibleError("the nomination is infeasible: no operating point to optimise",
                              limits=list(chk.violated))
    sim0 = chk.simulation
    gas_ = gas if gas is not None else (network.gas if isinstance(network, NetworkScenario)
                                        else None)
    if gas_ is None:
        from trunkline.optimize.nomination import gas_for_gaslib

        gas_ = gas_for_gaslib(data)
    t = float(sim0.temperature)
    idx = {n: i for i, n in enumerate(net.nodes)}
    inj = np.zeros(len(idx))
    nom = sim0.nodes["injection"]
    for nid, v in nom.items():
        inj[idx[str(nid)]] = float(v)
    modes = _modes_of(chk.decisions)
    base_net = chk.network
    log.append(f"nomination check: feasible, {chk.seconds:.2f} s")
    model = _NetworkModel(base_net, gas_, t, inj, modes)
    baseline = model.point("nomination check", chk.network, sim0, [])
    p0 = sim0.nodes["pressure"].reindex(model.node_ids).to_numpy(dtype=float)
    p0 = np.where(np.isfinite(p0), p0, float(np.nanmean(p0)))
    q0 = sim0.edges["mass_flow"].reindex([e.id for e in model.edges]).to_numpy(dtype=float)
    p, q, _, net_s, sim, viol, match, it = _network_iterate(model, p0, q0, 1.0, None, log)
    best = model.point("optimum", net_s, sim, viol)
    best_match = match
    if try_bypass:
        for k in model.ic.copy():
            e = model.edges[k]
            if best.fuel <= 0:
                break
            trial_modes = dict(model.modes)
            trial_modes[e.id] = "bypass"
            try:
                mt = _NetworkModel(base_net, gas_, t, inj, trial_modes)
                pt, qt, _, nt, st, vt, mtch, _ = _network_iterate(mt, p, q, 1.0, None, log,
                                                                  passes=6)
            except (InfeasibleError, ConvergenceError) as exc:
                log.append(f"{e.id} in bypass: {exc}")
                continue
            cand = mt.point("optimum", nt, st, vt)
            if cand.feasible and mtch <= MATCH_TOL and cand.fuel < best.fuel:
                log.append(f"{e.id} in bypass: fuel {cand.fuel:.4f} kg/s (kept)")
                best, best_match, model, p, q = cand, mtch, mt, pt, qt
            else:
                log.append(f"{e.id} in bypass: not kept")
    if best_match > MATCH_TOL:
        raise ConvergenceError("network optimum does not match its re-simulation",
                               iterations=it, residual=best_match)
    if not best.feasible or best.fuel > baseline.fuel:
        log.append("the nomination check's point is at least as good")
        best, best_match = replace(baseline, name="optimum"), 0.0
    return NetworkFuelResult(title, 1.0, best, baseline, best_match, it, model.nlp_solves,
                             time.perf_counter() - t0, tuple(log))
