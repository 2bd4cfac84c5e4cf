"""Steady state of a trunkline: march along the route through pipes and stations.

Pipe flow (between stations) integrates the steady one-dimensional balance
equations for the state (p, T) and the linepack along the chainage x
(Schroeder, *A tutorial on pipe flow equations*, PSIG 2010; Osiadacz,
*Simulation and analysis of gas networks*, 1987, ch. 2):

.. math::

    \\frac{dp}{dx} + G^2\\frac{d(1/\\rho)}{dx}
        = -\\frac{\\lambda G |G|}{2 D \\rho} - \\rho g \\frac{dz}{dx}

    c_p\\frac{dT}{dx} - c_p\\mu_{JT}\\frac{dp}{dx} + \\frac{G^2}{\\rho}\\frac{d(1/\\rho)}{dx}
        = -\\frac{U \\pi D_o (T - T_g)}{\\dot m} - g\\frac{dz}{dx}

with G = ṁ/A, ρ(p, T) from the gas' EOS surrogate, λ(Re, ε/D) from the
section's friction law, μ_JT and c_p from the EOS and μ from Lee-Gonzalez-Eakin.
d(1/ρ)/dx is expanded through (∂ρ/∂p)_T and (∂ρ/∂T)_p, so both equations are
solved together for (dp/dx, dT/dx) at every right-hand-side call. The march
uses an adaptive Dormand-Prince 5(4) integrator (:mod:`trunkline.solve.ode`)
whose local error is below ``rtol`` (relative) and ``atol`` (1 Pa, 1e-5 K).

A compressor station takes its fuel from the line at the suction, compresses
the rest along a real-gas polytropic path
(:func:`trunkline.physics.compressor.real_gas_polytropic`) to its discharge
set-point (or as far as its available power allows) and after-cools the gas.
Mass is conserved exactly: entry = delivery + Σ fuel.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import brentq

from trunkline.errors import InfeasibleError, InputError, OutOfRangeError
from trunkline.gas import Gas, GasSurrogate
from trunkline.io import write_json, write_tables
from trunkline.model import GRAVITY, PipeSection, Station, StationTemplate, Trunkline
from trunkline.physics.compressor import gas_turbine_fuel, real_gas_polytropic
from trunkline.physics.fastpath import darcy_friction_scalar
from trunkline.physics.heat import buried_pipe_heat_transfer_coefficient
from trunkline.units import StandardVolumeFlow

_STATION_UNITS = {
    "chainage": "m", "suction_pressure": "Pa", "suction_temperature": "K",
    "discharge_pressure": "Pa", "discharge_temperature": "K", "outlet_temperature": "K",
    "ratio": "-", "head": "J/kg", "shaft_power": "W", "unit_power": "W",
    "power_available": "W", "fuel": "kg/s", "mass_flow_in": "kg/s", "cooler_duty": "W",
}

__all__ = [
    "Fluid",
    "LineResult",
    "MarchOptions",
    "PipeGeometry",
    "PipeResult",
    "StationResult",
    "march_line",
    "steady_pipe",
]

FloatArray = npt.NDArray[np.float64]

#: Pressure tolerance of limit checks [Pa] (event location puts a station's suction
#: within a fraction of a pascal of its minimum).
PRESSURE_TOL: Final = 1.0
#: Lowest pressure the march continues to [Pa]; below it the line has collapsed.
P_COLLAPSE: Final = 0.5e6


@dataclass(frozen=True)
class MarchOptions:
    """Numerical options of the march.

    Attributes:
        rtol: relative local error per step.
        max_step: largest step [m] (limits the spacing of profile points).
        isothermal: hold the gas at the entry temperature (no energy equation).
        polytropic_steps: RK4 steps along the compressor path.
    """

    rtol: float = 1e-8
    max_step: float = 10e3
    isothermal: bool = False
    polytropic_steps: int = 12


@dataclass(frozen=True)
class StationResult:
    """Operating point of one compressor station (SI)."""

    name: str
    chainage: float
    suction_pressure: float
    suction_temperature: float
    discharge_pressure: float
    discharge_temperature: float
    outlet_temperature: float
    ratio: float
    head: float
    shaft_power: float
    units_running: int
    units_installed: int
    unit_power: float
    power_available: float
    fuel: float
    mass_flow_in: float
    cooler_duty: float
    power_limited: bool


#: A march stops as collapsed when the pressure falls below this share of its inlet value.
COLLAPSE_FRACTION: Final = 0.02
#: 1 − v²/c_T² below which the flow is taken as choked (the steady model's singular point).
CHOKE_MARGIN: Final = 0.05


class _Choked(ArithmeticError):
    """The flow reached the (isothermal) speed of sound: no steady subsonic solution."""


class Fluid(Protocol):
    """What the pipe march needs of a gas: a scalar state lookup and a viscosity.

    Implemented by :class:`~trunkline.gas.GasSurrogate` (real gas) and
    :class:`~trunkline.gas.IdealGas` (Z = 1, constant μ, for comparisons).
    """

    molar_mass: float
    gas_constant: float

    def point(self, p: float, t: float) -> tuple[float, float, float, float, float]: ...

    def viscosity_at(self, t: float, density: float) -> float: ...


@dataclass(frozen=True)
class PipeGeometry:
    """One pipe for the march (SI): bore, outside diameter, roughness, slope, ground."""

    inner_diameter: float
    roughness: float
    outside_diameter: float | None = None
    slope: float = 0.0
    heat_transfer_coefficient: float = 0.0
    ground_temperature: float = 288.15
    friction_law: str = "colebrook"

    @property
    def area(self) -> float:
        return math.pi * self.inner_diameter**2 / 4.0


class _PipeRhs:
    """Right-hand side of the steady pipe ODE in (p, T, linepack) along x (scalar path)."""

    def __init__(self, fluid: Fluid, pipe: PipeGeometry, mass_flow: float, isothermal: bool,
                 acceleration: bool = True) -> None:
        self.fluid = fluid
        self.m = mass_flow
        self.d = pipe.inner_diameter
        self.area = pipe.area
        self.g_flux = mass_flow / self.area
        self.rel_rough = pipe.roughness / self.d
        self.law = pipe.friction_law
        self.slope = pipe.slope
        self.ground_t = pipe.ground_temperature
        self.u_perim = pipe.heat_transfer_coefficient * math.pi * (
            pipe.outside_diameter or pipe.inner_diameter)
        self.isothermal = isothermal
        self.acc = 1.0 if acceleration else 0.0
        self.molar_mass = fluid.molar_mass
        self.gas_constant = fluid.gas_constant

    def __call__(self, x: float, y: FloatArray) -> FloatArray:
        p, t = float(y[0]), float(y[1])
        z, zp, zt, cp, jt = self.fluid.point(p, t)
        rho = p * self.molar_mass / (z * self.gas_constant * t)
        rho_p = rho * (1.0 / p - zp / z)
        rho_t = -rho * (1.0 / t + zt / z)
        g2 = self.g_flux * self.g_flux * self.acc
        mu = self.fluid.viscosity_at(t, rho)
        re = abs(self.g_flux) * self.d / mu
        lam = darcy_friction_scalar(re, self.rel_rough, self.law)
        b1 = -lam * self.g_flux * abs(self.g_flux) / (2.0 * self.d * rho) \
            - rho * GRAVITY * self.slope
        a11 = 1.0 - g2 * rho_p / (rho * rho)
        a12 = -g2 * rho_t / (rho * rho)
        if a11 < CHOKE_MARGIN:  # v approaches the isothermal speed of sound
            raise _Choked
        if self.isothermal:
            dp = b1 / a11
            dt = 0.0
        else:
            q = self.u_perim * (t - self.ground_t) / self.m if self.m > 0 else 0.0
            b2 = -q - GRAVITY * self.slope
            a21 = -cp * jt - g2 * rho_p / rho**3
            a22 = cp - g2 * rho_t / rho**3
            det = a11 * a22 - a12 * a21
            dp = (b1 * a22 - a12 * b2) / det
            dt = (a11 * b2 - a21 * b1) / det
        return np.array([dp, dt, rho * self.area])


@dataclass(frozen=True)
class PipeResult:
    """Steady profile of one pipe (SI arrays along x)."""

    x: FloatArray
    pressure: FloatArray
    temperature: FloatArray
    linepack: float
    steps: int

    @property
    def outlet_pressure(self) -> float:
        return float(self.pressure[-1])

    @property
    def outlet_temperature(self) -> float:
        return float(self.temperature[-1])


def steady_pipe(fluid: Fluid, p_in: float, t_in: float, mass_flow: float, length: float,
                pipe: PipeGeometry, *, isothermal: bool = False, acceleration: bool = True,
                rtol: float = 1e-10, max_step: float = float("inf")) -> PipeResult:
    """Steady flow through one pipe, integrated with error control (see module docs).

    Args:
        fluid: a gas surrogate (``gas.surrogate()``) or an :class:`IdealGas`.
        p_in, t_in: inlet pressure [Pa] and temperature [K].
        mass_flow: [kg/s], > 0 (flow from inlet to outlet).
        length: [m]; pipe: geometry, slope dz/dx, ground heat exchange, friction law.
        isothermal: hold T at ``t_in`` (no energy equation).
        acceleration: include the kinetic (acceleration) term of the momentum balance.

    Raises:
        InputError: non-positive inputs; OutOfRangeError: the state leaves the
        fluid's range (e.g. the pressure collapses for too large a flow).
    """
    from trunkline.solve.ode import dopri45

    for name, v in (("p_in", p_in), ("t_in", t_in), ("mass_flow", mass_flow),
                    ("length", length), ("inner_diameter", pipe.inner_diameter)):
        if not v > 0:
            raise InputError("must be positive", element="steady_pipe", field=name, value=v,
                             expected="> 0")
    rhs = _PipeRhs(fluid, pipe, mass_flow, isothermal, acceleration)
    z0 = fluid.point(p_in, t_in)[0]
    pack_scale = p_in * fluid.molar_mass / (z0 * fluid.gas_constant * t_in) * pipe.area * length
    collapsed = OutOfRangeError("pressure collapses inside the pipe", element="steady_pipe",
                                field="mass_flow", value=mass_flow,
                                expected="a flow the pipe can carry from this inlet pressure")
    try:
        res = dopri45(rhs, 0.0, np.array([p_in, t_in, 0.0]), length, rtol=rtol,
                      atol=np.array([rtol * p_in, rtol * t_in, rtol * pack_scale]),
                      h0=min(1e3, length), max_step=max_step,
                      event=lambda y: float(y[0]) - COLLAPSE_FRACTION * p_in)
    except (_Choked, OutOfRangeError):
        raise collapsed from None
    if res.event:
        raise collapsed
    return PipeResult(res.x, res.y[:, 0], res.y[:, 1], float(res.y[-1, 2]), res.steps)


@dataclass(frozen=True)
class LineResult:
    """Immutable steady-state result of a trunkline.

    ``profile`` and ``stations`` are pandas views (new copies on each access);
    all values are SI (column units in :attr:`UNITS`). ``summary`` collects the
    headline figures; ``feasible`` is False when any limit is violated, and
    ``violations`` says which, in words.
    """

    scenario: str
    throughput: StandardVolumeFlow
    mass_flow: float
    delivered_mass_flow: float
    fuel_mass_flow: float
    _profile: dict[str, FloatArray] = field(repr=False)
    _stations: tuple[StationResult, ...] = field(repr=False)
    standard_density: float
    delivery_pressure: float
    delivery_temperature: float
    min_delivery_pressure: float
    linepack_mass: float
    feasible: bool
    violations: tuple[str, ...]
    complete: bool
    month: int | None
    margin: float = 0.0

    UNITS: ClassVar[dict[str, str]] = {
        "chainage": "m", "elevation": "m", "pressure": "Pa", "temperature": "K",
        "density": "kg/m3", "velocity": "m/s", "z": "-", "mass_flow": "kg/s",
        "ground_temperature": "K", "maop": "Pa",
    }

    @property
    def profile(self) -> pd.DataFrame:
        """Along-route profile, one row per march point (SI)."""
        df = pd.DataFrame({k: v.copy() for k, v in self._profile.items() if k != "section"})
        df.insert(1, "section", [str(s) for s in self._profile["section"]])
        return df

    @property
    def stations(self) -> pd.DataFrame:
        """One row per compressor station (SI)."""
        cols = list(StationResult.__dataclass_fields__)
        return pd.DataFrame([[getattr(s, c) for c in cols] for s in self._stations],
                            columns=cols)

    @property
    def station_results(self) -> tuple[StationResult, ...]:
        return self._stations

    @property
    def total_power(self) -> float:
        """Shaft power of all stations [W]."""
        return float(sum(s.shaft_power for s in self._stations))

    @property
    def installed_power(self) -> float:
        """Installed shaft power including spare units [W]."""
        return float(sum(s.units_installed * s.unit_power for s in self._stations))

    @property
    def fuel_share(self) -> float:
        """Fuel as a share of the entry mass flow [-]."""
        return self.fuel_mass_flow / self.mass_flow if self.mass_flow else 0.0

    @property
    def mass_balance_error(self) -> float:
        """|entry − delivery − fuel| / entry [-] (zero to round-off)."""
        return abs(self.mass_flow - self.delivered_mass_flow - self.fuel_mass_flow) / self.mass_flow

    @property
    def delivered(self) -> StandardVolumeFlow:
        """Delivered standard volume flow at the throughput's reference."""
        return StandardVolumeFlow(self.delivered_mass_flow / self.standard_density,
                                  self.throughput.reference)

    @property
    def linepack_volume(self) -> float:
        """Linepack as a standard volume at the throughput's reference [m³]."""
        return self.linepack_mass / self.standard_density

    def write(self, folder: str | Path, formats: tuple[str, ...] = ("csv", "parquet")
              ) -> list[Path]:
        """Write profile, stations (each format) and summary.json atomically; returns paths.

        Column headers carry their SI unit, e.g. ``pressure [Pa]``.
        """
        paths = write_tables({"profile": self.profile, "stations": self.stations}, folder,
                             formats, units={**self.UNITS, **_STATION_UNITS})
        paths.append(write_json(self.summary, Path(folder) / "summary.json"))
        return paths

    @property
    def summary(self) -> dict[str, Any]:
        """Headline figures (SI) as a flat dict (a new dict on each access)."""
        prof = self._profile
        return {
            "scenario": self.scenario,
            "reference": self.throughput.reference.name,
            "throughput_m3_per_s": self.throughput.value,
            "mass_flow": self.mass_flow,
            "delivered_mass_flow": self.delivered_mass_flow,
            "delivered_m3_per_s": self.delivered_mass_flow / self.standard_density,
            "fuel_mass_flow": self.fuel_mass_flow,
            "fuel_share": self.fuel_share,
            "entry_pressure": float(prof["pressure"][0]),
            "delivery_pressure": self.delivery_pressure,
            "delivery_temperature": self.delivery_temperature,
            "min_delivery_pressure": self.min_delivery_pressure,
            "stations": len(self._stations),
            "stations_power_limited": [s.name for s in self._stations if s.power_limited],
            "units_running": int(sum(s.units_running for s in self._stations)),
            "units_installed": int(sum(s.units_installed for s in self._stations)),
            "shaft_power": self.total_power,
            "installed_power": self.installed_power,
            "linepack_mass": self.linepack_mass,
            "linepack_m3": self.linepack_volume,
            "max_velocity": float(np.max(prof["velocity"])),
            "max_pressure": float(np.max(prof["pressure"])),
            "min_pressure": float(np.min(prof["pressure"])),
            "min_temperature": float(np.min(prof["temperature"])),
            "max_temperature": float(np.max(prof["temperature"])),
            "length": float(prof["chainage"][-1]),
            "month": self.month if self.month is not None else "mean",
            "feasible": self.feasible,
            "violations": list(self.violations),
        }


def _compress(gas_sur: GasSurrogate, ncv_mass: float, design: StationTemplate, name: str,
              chainage: float, units_installed: int, power_available: float, m_in: float,
              p_s: float, t_s: float, p_set: float, opts: MarchOptions) -> StationResult:
    """Operate one station: fuel off-take, polytropic compression, power limit, cooler."""
    eta_m = design.mechanical_efficiency
    eta_th = design.driver_efficiency
    if p_s >= p_set:  # nothing to do: bypass
        return StationResult(name, chainage, p_s, t_s, p_s, t_s, t_s, 1.0, 0.0, 0.0, 0,
                             units_installed, design.unit_power, power_available, 0.0, m_in,
                             0.0, False)

    point_gas = gas_sur.point_gas()

    def work(p_d: float) -> tuple[float, float, float]:
        c = real_gas_polytropic(point_gas, p_s, t_s, p_d, design.polytropic_efficiency,
                                steps=opts.polytropic_steps)
        return float(c.work), float(c.head), float(c.t2)

    w, head, t_d = work(p_set)
    # fuel f from the line at suction: f = (m_in − f)·w/(η_m·η_th·NCV), exact
    k = w / (eta_m * eta_th * ncv_mass)
    fuel = m_in * k / (1.0 + k)
    shaft = (m_in - fuel) * w / eta_m
    p_d = p_set
    limited = False
    if shaft > power_available * (1 + 1e-12):
        limited = True
        shaft = power_available
        fuel = float(gas_turbine_fuel(shaft, eta_th, ncv_mass))
        m_c = m_in - fuel
        target = shaft * eta_m / m_c if m_c > 0 else 0.0
        if target <= 0.0:
            p_d = p_s
            w, head, t_d = 0.0, 0.0, t_s
        else:
            p_d = float(brentq(lambda pd: work(pd)[0] - target, p_s * (1 + 1e-12), p_set,
                               xtol=1e-3, rtol=1e-12))
            w, head, t_d = work(p_d)
    running = math.ceil(shaft / design.unit_power - 1e-9) if shaft > 0 else 0
    m_c = m_in - fuel
    t_out = min(t_d, design.aftercooler_temperature) if t_d > design.aftercooler_temperature \
        else t_d
    duty = 0.0
    if t_out < t_d:
        h = gas_sur.enthalpy(np.array([p_d, p_d]), np.array([t_d, t_out]))
        duty = float(m_c * (h[0] - h[1]))
    return StationResult(name, chainage, p_s, t_s, p_d, t_d, t_out, p_d / p_s, head, shaft,
                         running, units_installed, design.unit_power, power_available, fuel,
                         m_in, duty, limited)


@dataclass
class _State:
    x: float
    p: float
    t: float
    m: float
    pack: float = 0.0
    rows: dict[str, list[Any]] = field(default_factory=lambda: {
        k: [] for k in ("chainage", "section", "elevation", "pressure", "temperature",
                        "density", "velocity", "z", "mass_flow", "ground_temperature",
                        "maop")})
    collapsed: bool = False


def _record(st: _State, line: Trunkline, sur: GasSurrogate, sec: PipeSection, month: int | None,
            xs: FloatArray, ps: FloatArray, ts: FloatArray) -> None:
    z = sur.z(ps, ts)
    rho = ps * sur.molar_mass / (z * sur.gas_constant * ts)
    r = st.rows
    r["chainage"].extend(xs.tolist())
    r["section"].extend([sec.name] * len(xs))
    r["elevation"].extend(line.elevation_at(xs).tolist())
    r["pressure"].extend(ps.tolist())
    r["temperature"].extend(ts.tolist())
    r["density"].extend(rho.tolist())
    r["velocity"].extend((st.m / (rho * sec.area)).tolist())
    r["z"].extend(z.tolist())
    r["mass_flow"].extend([st.m] * len(xs))
    r["ground_temperature"].extend([sec.ground_temperature_at(month)] * len(xs))
    r["maop"].extend([sec.maop] * len(xs))


def section_heat_transfer_coefficient(sec: PipeSection) -> float:
    """U [W/(m²·K)] of a section: given, or from soil conductivity and burial depth."""
    if sec.heat_transfer_coefficient is not None:
        return sec.heat_transfer_coefficient
    if sec.soil_conductivity is None:
        return 0.0
    axis = sec.burial_depth + sec.outside_diameter / 2.0
    return float(buried_pipe_heat_transfer_coefficient(sec.soil_conductivity, axis,
                                                       sec.outside_diameter))


def _breakpoints(line: Trunkline, a: float, b: float) -> list[float]:
    ch = line.waypoint_chainage
    inner = [float(c) for c in ch if a < c < b]
    return [a, *inner, b]


def _pipe(line: Trunkline, sur: GasSurrogate, st: _State, x_end: float, month: int | None,
          opts: MarchOptions, event_p: float | None = None) -> bool:
    """March the state from st.x to x_end; True if stopped by the pressure event."""
    from trunkline.solve.ode import dopri45

    pts = _breakpoints(line, st.x, x_end)
    ch = line.waypoint_chainage
    el = line.waypoint_elevation
    atol = np.array([PRESSURE_TOL, 1e-5, 1.0])
    for a, b in itertools.pairwise(pts):
        if b - a <= 0:
            continue
        sec = line.section_at(0.5 * (a + b))
        k = min(max(int(np.searchsorted(ch, 0.5 * (a + b))) - 1, 0), len(ch) - 2)
        slope = float((el[k + 1] - el[k]) / (ch[k + 1] - ch[k]))
        geom = PipeGeometry(sec.inner_diameter, sec.roughness, sec.outside_diameter, slope,
                            section_heat_transfer_coefficient(sec),
                            sec.ground_temperature_at(month), sec.friction_law)
        rhs = _PipeRhs(sur, geom, st.m, opts.isothermal)
        floor = P_COLLAPSE if event_p is None else max(event_p, P_COLLAPSE)

        def event(y: FloatArray, floor: float = floor) -> float:
            return float(y[0]) - floor

        try:
            res = dopri45(rhs, a, np.array([st.p, st.t, st.pack]), b, rtol=opts.rtol,
                          atol=atol, h0=min(2e3, b - a), max_step=opts.max_step, event=event)
        except (OutOfRangeError, _Choked):
            st.collapsed = True
            return False
        xs, ys = res.x, res.y
        first = 1 if st.rows["chainage"] and st.rows["chainage"][-1] == xs[0] else 0
        _record(st, line, sur, sec, month, xs[first:], ys[first:, 0], ys[first:, 1])
        st.x, st.p, st.t, st.pack = float(xs[-1]), float(ys[-1, 0]), float(ys[-1, 1]), \
            float(ys[-1, 2])
        if res.event:
            if event_p is None:  # stopped by the collapse floor
                st.collapsed = True
                return False
            return True
    return False


def _discharge_setpoint(line: Trunkline, x: float, design: StationTemplate) -> float:
    maop = line.section_at(x).maop
    return min(design.discharge_pressure or maop, maop)


def march_line(line: Trunkline, mass_flow: float, stations: tuple[Station, ...] | None,
               month: int | None = None, opts: MarchOptions | None = None,
               place: bool = False) -> tuple[LineResult, tuple[Station, ...]]:
    """March from entry to delivery with a fixed station layout, or placing stations.

    With ``place=True`` stations are put where the pressure falls to the
    template's minimum suction pressure (a head station at the entry when the
    entry pressure is below the discharge set-point) and sized to the power
    they need plus the spare units; raises :class:`InfeasibleError` when no
    practical layout exists.
    """
    opts = opts or MarchOptions()
    if not mass_flow > 0:
        raise InputError("mass flow must be positive", element=line.name, field="throughput",
                         value=mass_flow, expected="> 0")
    gas: Gas = line.gas
    sur = gas.surrogate()
    ncv = gas.ncv_mass()
    design = line.station_design
    total = line.length
    st = _State(0.0, line.entry_pressure, line.entry_temperature, mass_flow)
    results: list[StationResult] = []
    placed: list[Station] = []
    fixed = list(stations or ())
    violations: list[str] = []
    margins: list[float] = []  # normalised slack of every limit (negative = violated)

    def operate(name: str, station: Station | None) -> None:
        design = station.design if station is not None else line.station_design
        p_set = _discharge_setpoint(line, st.x, design)
        if station is None:  # placing: size to need
            res = _compress(sur, ncv, design, name, st.x, 10**6, math.inf, st.m, st.p, st.t,
                            p_set, opts)
            need = res.units_running
            if need > design.max_units:
                raise InfeasibleError(
                    f"station {name} at km {st.x / 1e3:.1f} would need {need} running units",
                    limits=[f"max_units = {design.max_units}"])
            units = need + design.spare_units
            power = (units - design.spare_units) * design.unit_power
            res = StationResult(**{**res.__dict__, "units_installed": units,
                                   "power_available": power})
            placed.append(Station(name, st.x, units, design))
        else:
            try:
                res = _compress(sur, ncv, design, name, st.x, station.units_installed,
                                station.power_available, st.m, st.p, st.t, p_set, opts)
            except OutOfRangeError as exc:
                violations.append(f"{name}: compression leaves the gas property range ({exc})")
                st.collapsed = True
                return
        margins.append((res.suction_pressure - design.min_suction_pressure)
                       / design.min_suction_pressure)
        if res.suction_pressure < design.min_suction_pressure - PRESSURE_TOL:
            violations.append(f"{name}: suction {res.suction_pressure / 1e6:.4f} MPa below "
                              f"minimum {design.min_suction_pressure / 1e6:.4f} MPa")
        # A power-limited station (too few units for its set-point) is a state, not a
        # violated limit: it discharges what its available power allows, and what that
        # does to the suction of the next station or to the delivery is checked there.
        results.append(res)
        st.m -= res.fuel
        st.p = res.discharge_pressure
        st.t = res.outlet_temperature if not opts.isothermal else st.t
        # record the discharge point (a jump in the profile at the station)
        sec = line.section_at(st.x)
        _record(st, line, sur, sec, month, np.array([st.x]), np.array([st.p]),
                np.array([st.t]))

    if place:
        if line.entry_pressure < _discharge_setpoint(line, 0.0, design) - PRESSURE_TOL:
            sec = line.section_at(0.0)
            _record(st, line, sur, sec, month, np.array([0.0]), np.array([st.p]),
                    np.array([st.t]))
            operate("CS-1", None)
        while st.x < total and not st.collapsed:
            hit = _pipe(line, sur, st, total, month, opts, event_p=design.min_suction_pressure)
            if st.collapsed:
                break
            if not hit:
                break
            # No station needed if the rest of the line still delivers at the contract minimum.
            trial = _State(st.x, st.p, st.t, st.m, st.pack,
                           {k: list(v) for k, v in st.rows.items()})
            if (not _pipe(line, sur, trial, total, month, opts,
                          event_p=line.min_delivery_pressure)
                    and not trial.collapsed
                    and trial.p >= line.min_delivery_pressure - PRESSURE_TOL):
                st = trial
                break
            last = placed[-1].chainage if placed else -math.inf
            if st.x - last < design.min_spacing:
                raise InfeasibleError(
                    f"{mass_flow:.1f} kg/s needs stations {(st.x - last) / 1e3:.1f} km apart",
                    limits=[f"min_spacing = {design.min_spacing / 1e3:.0f} km"])
            operate(f"CS-{len(placed) + 1}", None)
        if not st.collapsed and st.p < line.min_delivery_pressure - PRESSURE_TOL:
            raise InfeasibleError(
                f"delivery pressure {st.p / 1e6:.3f} MPa below the minimum with stations placed "
                "at the minimum suction pressure",
                limits=[f"min_delivery_pressure = {line.min_delivery_pressure / 1e6:.2f} MPa"])
        if st.collapsed:
            raise InfeasibleError(f"{mass_flow:.1f} kg/s: pressure collapses before the next "
                                  "station can be placed", limits=["pressure > 0"])
        layout = tuple(placed)
    else:
        layout = tuple(fixed)
        for s in fixed:
            if st.x == 0.0 and not st.rows["chainage"]:
                _record(st, line, sur, line.section_at(0.0), month, np.array([0.0]),
                        np.array([st.p]), np.array([st.t]))
            if s.chainage > st.x:
                _pipe(line, sur, st, s.chainage, month, opts)
                if st.collapsed:
                    break
            operate(s.name, s)
            if st.collapsed:
                break
        if not st.collapsed and st.x < total:
            if not st.rows["chainage"]:
                _record(st, line, sur, line.section_at(0.0), month, np.array([0.0]),
                        np.array([st.p]), np.array([st.t]))
            _pipe(line, sur, st, total, month, opts)

    if st.collapsed and not any("property range" in v for v in violations):
        violations.append(f"pressure collapses near km {st.x / 1e3:.0f}: the line cannot carry "
                          "this flow with these stations")
    elif st.p < line.min_delivery_pressure - PRESSURE_TOL:
        violations.append(f"delivery pressure {st.p / 1e6:.3f} MPa below the minimum "
                          f"{line.min_delivery_pressure / 1e6:.3f} MPa")
    prof = {k: np.array(v) if k != "section" else np.array(v, dtype=object)
            for k, v in st.rows.items()}
    over = prof["pressure"] > prof["maop"] + PRESSURE_TOL
    if np.any(over):
        i = int(np.argmax(prof["pressure"] - prof["maop"]))
        violations.append(f"pressure {prof['pressure'][i] / 1e6:.3f} MPa above MAOP at km "
                          f"{prof['chainage'][i] / 1e3:.1f}")
    if st.collapsed:
        margins.append(-1.0)
    else:
        margins.append((st.p - line.min_delivery_pressure) / line.min_delivery_pressure)
        # stations discharge at MAOP by design: MAOP counts only when exceeded
        maop_slack = float(np.min((prof["maop"] - prof["pressure"]) / prof["maop"]))
        if maop_slack < 0:
            margins.append(maop_slack)
    rho_std = gas.standard_density(line.reference)
    fuel = float(sum(r.fuel for r in results))
    result = LineResult(
        scenario=line.name,
        throughput=StandardVolumeFlow(mass_flow / rho_std, line.reference),
        mass_flow=mass_flow,
        delivered_mass_flow=st.m,
        fuel_mass_flow=fuel,
        _profile=prof,
        _stations=tuple(results),
        standard_density=rho_std,
        delivery_pressure=st.p if not st.collapsed else 0.0,
        delivery_temperature=st.t,
        min_delivery_pressure=line.min_delivery_pressure,
        linepack_mass=st.pack,
        feasible=not violations,
        violations=tuple(violations),
        complete=not st.collapsed,
        month=month,
        margin=min(margins),
    )
    return result, layout
