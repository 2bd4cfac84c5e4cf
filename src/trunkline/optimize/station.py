r"""Compressor stations in depth: units in parallel, stages in series, maps, drivers.

A station (:class:`StationDesign`) has ``stages`` groups of compressors in series;
each group has ``units`` identical units in parallel, each a centrifugal
compressor (:class:`~trunkline.physics.compressor_map.CompressorMap`) on its own
driver (:class:`~trunkline.physics.drivers.GasTurbine` burning line gas, or
:class:`~trunkline.physics.drivers.ElectricMotor`). ``spare_units`` of each group
are kept in reserve. Gas leaving the last group is after-cooled to
``aftercooler_temperature`` when hotter.

**Operating point** (:func:`operate_stations`) for a station inflow
:math:`\dot m_{in}`, suction :math:`(p_s, T_s)`, discharge set-point :math:`p_d`
and :math:`n` running units per group:

1. fuel :math:`f` is taken from the line at the suction; the rest,
   :math:`\dot m_c = \dot m_{in} - f`, is compressed;
2. the pressure ratio is split equally over the groups,
   :math:`p_{k+1}/p_k = (p_d/p_s)^{1/S}` (no inter-cooling);
3. in each group the gas follows the real-gas polytropic path
   (:func:`~trunkline.physics.compressor.real_gas_polytropic`) with the
   efficiency the map gives at the operating point; each unit takes
   :math:`\dot m_c/n` at the group's inlet density, and the map gives its speed,
   flow/speed ratio, efficiency and any recycle (anti-surge or minimum speed;
   the recycle is cooled back to the group's inlet temperature);
4. shaft power per unit :math:`P_u = (\dot m_c + \dot m_{rec})\,w_k/(n\,\eta_m)`
   with :math:`w_k = H_k/\eta_k`; it must not exceed the driver's available power
   at the ambient temperature; fuel :math:`f = \sum_k n\,\dot m_{fuel}(P_u)` closes
   the loop (fixed point of f and η, converged to round-off).

**Equivalent single path.** The steady line solver
(:func:`trunkline.solve.march_line`) represents a station by one polytropic path
and one driver efficiency. The station's operating point maps onto it exactly:
the equivalent polytropic efficiency :math:`\eta_{eq}` gives the same work per kg
of compressed gas, :math:`w(\eta_{eq}) = \sum_k(\dot m_c + \dot m_{rec,k})w_k/\dot m_c`
(identical to the map efficiency for one group without recycle), and the
equivalent driver efficiency :math:`\eta_{th,eq} = P/(f\,\mathrm{NCV})` gives the
same fuel. The discharge temperature of the equivalent path is the one the
steady solver uses (with recycle it is slightly higher than the physical one).
:func:`solver_station` builds the solver's :class:`~trunkline.model.Station`.

**Units running** (:func:`choose_units`): every count from 1 to the available
units is evaluated and the feasible one with the least fuel (or cost) is kept.

**Rating** (:func:`line_station_designs`): by default each station's compressors
are the built-in generic map scaled so that, at the line's design throughput
with every station discharging at its set-point, the units the station needs run
at their best-efficiency point (the usual matching of impellers to a station's
duty); drivers are gas turbines of the template's unit power whose efficiency at
that duty is the template's ``driver_efficiency`` (:func:`calibrated_gas_turbine`),
so that at the design point the station model and the steady solver's station burn
the same fuel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import ConvergenceError, InputError
from trunkline.gas import Gas, GasSurrogate
from trunkline.model import Station, StationTemplate, Trunkline
from trunkline.physics.compressor import real_gas_polytropic
from trunkline.physics.compressor_map import (
    GENERIC_CHARACTERISTIC,
    STATUS_MESSAGES,
    STATUS_OK,
    Characteristic,
    CompressorMap,
)
from trunkline.physics.drivers import (
    ISO_AMBIENT_TEMPERATURE,
    ElectricMotor,
    GasTurbine,
    combustion_co2_per_kg,
)
from trunkline.solve.line import LineResult, MarchOptions, march_line
from trunkline.solve.studies import placement_march, station_layout

__all__ = [
    "STATUS_POWER",
    "STATUS_TEXT",
    "StationDesign",
    "StationPoint",
    "calibrated_gas_turbine",
    "choose_units",
    "line_ambient_temperature",
    "line_station_designs",
    "march_at_delivery",
    "operate_stations",
    "solver_station",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DriverType = GasTurbine | ElectricMotor

#: Status code: a unit would need more than its driver's available power.
STATUS_POWER: Final = 4
#: Status code: a station asked to compress with no unit running.
STATUS_NO_UNITS: Final = 5
#: Status codes in words (map codes and the station's own).
STATUS_TEXT: Final = {**STATUS_MESSAGES, STATUS_POWER: "driver power exceeded",
                      STATUS_NO_UNITS: "no unit running"}
#: Fixed-point tolerance of the station model: efficiency (absolute) and fuel (relative
#: to the station inflow) [-]; far below the optimiser's match tolerance.
_FIXED_POINT_TOL: Final = 1e-10
_MAX_FIXED_POINT: Final = 60
#: Relative tolerance of the equivalent-efficiency secant iteration [-].
_EQUIVALENT_TOL: Final = 1e-14
#: Relative tolerance of the delivered flow of the rating march [-] (a design choice
#: needs no more).
_RATING_RTOL: Final = 1e-6
#: Relative slack on the driver power limit (round-off) [-].
POWER_RTOL: Final = 1e-9


@dataclass(frozen=True)
class StationDesign:
    """The machines of one compressor station.

    Attributes:
        name: station name.
        compressors: one map per stage group (in series), for one unit of the group.
        driver: one unit's driver.
        units: units installed per group (in parallel).
        spare_units: units per group kept in reserve.
        mechanical_efficiency: shaft/gearbox efficiency [-].
        aftercooler_temperature: outlet temperature of the after-cooler [K]
            (gas is cooled to it when hotter), or None.
        rated_units: units per group running at the rated (design) point, if known.
    """

    name: str
    compressors: tuple[CompressorMap, ...]
    driver: DriverType
    units: int
    spare_units: int = 0
    mechanical_efficiency: float = 0.99
    aftercooler_temperature: float | None = None
    rated_units: int | None = None

    def __post_init__(self) -> None:
        el = f"station {self.name}"
        if not self.compressors:
            raise InputError("a station needs at least one compressor stage", element=el,
                             field="compressors")
        if len({c.characteristic for c in self.compressors}) != 1:
            raise InputError("all stages of a station share one characteristic", element=el,
                             field="compressors")
        if not (isinstance(self.units, int) and self.units >= 1):
            raise InputError("units must be a positive integer", element=el, field="units",
                             value=self.units)
        if not 0 <= self.spare_units < self.units:
            raise InputError("spare units out of range", element=el, field="spare_units",
                             value=self.spare_units, expected=f"0 <= spare < {self.units}")
        if not 0 < self.mechanical_efficiency <= 1:
            raise InputError("efficiency out of range", element=el,
                             field="mechanical_efficiency", value=self.mechanical_efficiency,
                             expected="in (0, 1]")

    @property
    def stages(self) -> int:
        """Number of stage groups in series."""
        return len(self.compressors)

    @property
    def units_available(self) -> int:
        """Units per group that may run (installed less the spares)."""
        return self.units - self.spare_units

    @property
    def characteristic(self) -> Characteristic:
        return self.compressors[0].characteristic


@dataclass(frozen=True)
class StationPoint:
    """Operating points of stations (arrays of one entry per station; SI).

    Per station: ``units`` running per group, ``fuel`` [kg/s], ``electricity`` [W],
    ``co2`` [kg/s], ``shaft_power`` [W] (all units), ``mass_compressed`` [kg/s],
    ``status`` (0 = feasible, else :data:`STATUS_TEXT`), the equivalent single
    path (``eta_equivalent``, ``driver_efficiency_equivalent`` — inf when no fuel
    is burnt —, ``work`` [J/kg of compressed gas], ``t_discharge`` [K],
    ``t_outlet`` [K] after the cooler, ``cooler_duty`` [W]); per station and group
    (shape (n, stages)): ``head`` [J/kg], ``efficiency``, ``speed`` (relative),
    ``flow_ratio`` (x = q/ν), ``recycle`` [kg/s, whole group], ``unit_power`` [W],
    ``load`` (unit power / available power), ``t_stage`` (outlet temperature of
    each group on the physical path [K]); ``available_power`` [W] per unit.
    """

    units: IntArray
    fuel: FloatArray
    electricity: FloatArray
    co2: FloatArray
    shaft_power: FloatArray
    mass_compressed: FloatArray
    status: IntArray
    eta_equivalent: FloatArray
    driver_efficiency_equivalent: FloatArray
    work: FloatArray
    t_discharge: FloatArray
    t_outlet: FloatArray
    cooler_duty: FloatArray
    head: FloatArray
    efficiency: FloatArray
    speed: FloatArray
    flow_ratio: FloatArray
    recycle: FloatArray
    unit_power: FloatArray
    load: FloatArray
    available_power: FloatArray
    t_stage: FloatArray

    @property
    def feasible(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.status == STATUS_OK)

    def take(self, index: npt.ArrayLike) -> StationPoint:
        """The points at ``index`` (a subset or a reordering of the stations)."""
        ix = np.asarray(index)
        return StationPoint(**{k: np.asarray(getattr(self, k))[ix]
                               for k in self.__dataclass_fields__})


def _batch(designs: Sequence[StationDesign]) -> tuple[Characteristic, int, float]:
    first = designs[0]
    for d in designs[1:]:
        if (d.characteristic != first.characteristic or d.stages != first.stages
                or d.mechanical_efficiency != first.mechanical_efficiency):
            raise InputError("stations evaluated together must share the characteristic, "
                             "stage count and mechanical efficiency",
                             element=f"station {d.name}", field="design",
                             expected="operate_stations per group of like stations")
    return first.characteristic, first.stages, first.mechanical_efficiency


def _per_driver(designs: Sequence[StationDesign], fn: Callable[[DriverType, FloatArray],
                                                               FloatArray],
                values: FloatArray) -> FloatArray:
    """Apply a driver law row by row (rows grouped by driver: one call per driver)."""
    out = np.zeros_like(values)
    drivers: dict[DriverType, list[int]] = {}
    for i, d in enumerate(designs):
        drivers.setdefault(d.driver, []).append(i)
    for drv, rows in drivers.items():
        out[rows] = fn(drv, values[rows])
    return out


def _path(sur: GasSurrogate, p1: FloatArray, t1: FloatArray, p2: FloatArray,
          eta: FloatArray, steps: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(head, work, t2) of the real-gas polytropic path, vectorised; zero for p2 <= p1."""
    out_h = np.zeros_like(p1)
    out_w = np.zeros_like(p1)
    out_t = np.array(t1, dtype=float)
    m = p2 > p1
    if np.any(m):
        # the solver's path; through PointGas one path runs in plain floats and several
        # with one cell lookup per state (equal to round-off)
        c = real_gas_polytropic(sur.point_gas(), p1[m], t1[m], p2[m], eta[m], steps)
        out_h[m], out_w[m], out_t[m] = c.head, c.work, c.t2
    return out_h, out_w, out_t


def operate_stations(designs: Sequence[StationDesign], gas: Gas, mass_in: npt.ArrayLike,
                     p_suction: npt.ArrayLike, t_suction: npt.ArrayLike,
                     p_discharge: npt.ArrayLike, units: npt.ArrayLike, *,
                     ambient_temperature: float = ISO_AMBIENT_TEMPERATURE,
                     polytropic_steps: int = 12,
                     start: StationPoint | None = None) -> StationPoint:
    """Operating points of stations (vectorised; see the module docstring).

    Args:
        designs: one design per station; they must share characteristic, stage
            count and mechanical efficiency (rated points and drivers may differ).
        gas: the line gas (its surrogate gives the states; its NCV the fuel).
        mass_in: station inflow [kg/s]; p_suction, t_suction: [Pa], [K];
        p_discharge: discharge pressure [Pa] (>= suction);
        units: running units per group (0 = station bypassed: no compression).
        ambient_temperature: air temperature at the drivers [K].
        polytropic_steps: RK4 steps of the path (the steady solver's default is 12).
        start: a previous point of the same stations to start the fixed point from.

    Raises:
        InputError: designs that cannot be batched, or a discharge below suction at
            a running station.
    """
    char, n_st, eta_m = _batch(designs)
    n = len(designs)
    m_in = np.broadcast_to(np.asarray(mass_in, dtype=float), (n,)).copy()
    p_s = np.broadcast_to(np.asarray(p_suction, dtype=float), (n,)).copy()
    t_s = np.broadcast_to(np.asarray(t_suction, dtype=float), (n,)).copy()
    p_d = np.broadcast_to(np.asarray(p_discharge, dtype=float), (n,)).copy()
    u = np.broadcast_to(np.asarray(units, dtype=np.int64), (n,)).copy()
    on = u > 0
    if np.any(on & (p_d < p_s)):
        i = int(np.flatnonzero(on & (p_d < p_s))[0])
        raise InputError("discharge below suction at a running station",
                         element=f"station {designs[i].name}", field="p_discharge",
                         value=float(p_d[i]), expected=f">= suction {p_s[i]:.1f} Pa")
    sur = gas.surrogate()
    ncv = gas.ncv_mass()
    co2_kg = combustion_co2_per_kg(gas.carbon_per_mole, gas.molar_mass)
    q_r = np.array([[c.rated_flow for c in d.compressors] for d in designs])
    h_r = np.array([[c.rated_head for c in d.compressors] for d in designs])
    e_r = np.array([[c.rated_efficiency for c in d.compressors] for d in designs])
    t_a = ambient_temperature
    p_av = np.array([d.driver.available_power(t_a) for d in designs])
    n_run = np.maximum(u, 1).astype(float)
    ratio_stage = np.where(on, p_d / p_s, 1.0) ** (1.0 / n_st)
    p_in = np.array([p_s * ratio_stage**k for k in range(n_st + 1)]).T  # (n, S+1)
    p_in[:, -1] = np.where(on, p_d, p_s)
    eta = e_r.copy()
    fuel = np.zeros(n)
    if start is not None and start.efficiency.shape == eta.shape:
        warm = (start.units == u) & on
        eta[warm] = start.efficiency[warm]
        fuel[warm] = np.minimum(start.fuel[warm], 0.5 * m_in[warm])
    shape = (n, n_st)
    head = np.zeros(shape)
    work = np.zeros(shape)
    rec = np.zeros(shape)
    spd = np.zeros(shape)
    xr = np.zeros(shape)
    unit_p = np.zeros(shape)
    stat = np.zeros(shape, dtype=np.int64)
    t_stage = np.zeros(shape)
    prev: tuple[FloatArray, FloatArray] | None = None
    for _ in range(_MAX_FIXED_POINT):
        m_c = m_in - fuel
        t_in = t_s.copy()
        eta_new = eta.copy()
        for k in range(n_st):
            hk, wk, t_out = _path(sur, p_in[:, k], t_in, p_in[:, k + 1], eta[:, k],
                                  polytropic_steps)
            rho = sur.point_gas().states(p_in[:, k], t_in)[0]
            q_unit = m_c / n_run / rho
            pt = char.operate(q_unit / q_r[:, k], hk / h_r[:, k])
            eta_new[:, k] = np.where(on, e_r[:, k] * pt.efficiency, e_r[:, k])
            head[:, k], work[:, k] = hk, wk
            rec[:, k] = np.where(on, pt.recycle_flow * q_r[:, k] * rho * n_run, 0.0)
            spd[:, k] = np.where(on, pt.speed, 0.0)
            xr[:, k] = np.where(on, pt.ratio, 0.0)
            stat[:, k] = np.where(on, pt.status, STATUS_OK)
            unit_p[:, k] = np.where(on, (m_c + rec[:, k]) * wk / (n_run * eta_m), 0.0)
            t_stage[:, k] = np.where(on, t_out, t_in)
            t_in = t_out
        fuel_new = np.where(on, n_run * np.sum(_per_driver(
            designs, lambda drv, v: np.asarray(drv.fuel(v, ncv, t_a)), unit_p), axis=1), 0.0)
        d_eta = float(np.max(np.abs(eta_new - eta)))
        d_f = float(np.max(np.abs(fuel_new - fuel) / np.maximum(m_in, 1e-300)))
        resid = eta_new - eta
        step = eta_new.copy()
        if prev is not None:  # secant acceleration of the efficiency fixed point
            eta_p, resid_p = prev
            den = resid - resid_p
            ok = np.abs(den) > 1e-15
            step[ok] = eta[ok] - resid[ok] * (eta[ok] - eta_p[ok]) / den[ok]
            step = np.clip(step, 0.01, 1.0)
        prev = (eta, resid)
        eta, fuel = step, fuel_new
        if d_eta <= _FIXED_POINT_TOL and d_f <= _FIXED_POINT_TOL:
            eta = eta_new
            break
    m_c = m_in - fuel
    # power limit
    over = on & np.any(unit_p > p_av[:, None] * (1.0 + POWER_RTOL), axis=1)
    status = np.where(on, np.max(stat, axis=1), STATUS_OK)
    status = np.where((status == STATUS_OK) & over, STATUS_POWER, status)
    shaft = np.where(on, n_run * np.sum(unit_p, axis=1), 0.0)
    elec = np.where(on, n_run * np.sum(_per_driver(
        designs, lambda drv, v: np.asarray(drv.electricity(v, t_a)), unit_p), axis=1), 0.0)
    co2 = np.where(on, n_run * np.sum(_per_driver(
        designs, lambda drv, v: np.asarray(drv.co2(v, ncv, co2_kg, t_a)), unit_p), axis=1),
        0.0)
    # equivalent single path (the steady solver's station)
    w_eq = np.where(on, np.sum((m_c[:, None] + rec) * work, axis=1) / np.maximum(m_c, 1e-300),
                    0.0)
    eta_eq = np.where(on, eta[:, 0], 1.0)
    simple = (n_st == 1) & np.all(rec <= 0.0, axis=1)
    need = on & ~simple
    if np.any(need):
        eta_eq[need] = _equivalent_efficiency(sur, p_s[need], t_s[need], p_d[need],
                                              w_eq[need], eta[need].mean(axis=1),
                                              polytropic_steps)
    # one group without recycle: the last path of the fixed point is the equivalent path
    # (its efficiency differs from the converged one by less than the tolerance)
    t_d = np.where(on, t_stage[:, -1], t_s)
    if np.any(need):
        _, w_path, t_eq = _path(sur, p_s[need], t_s[need], p_d[need], eta_eq[need],
                                polytropic_steps)
        w_eq[need] = w_path
        t_d[need] = t_eq
    w_eq = np.where(on, w_eq, 0.0)
    acs = np.array([np.nan if d.aftercooler_temperature is None else d.aftercooler_temperature
                    for d in designs])
    cool = on & np.isfinite(acs) & (t_d > np.where(np.isfinite(acs), acs, np.inf))
    t_out_eq = np.where(cool, acs, t_d)
    duty = np.zeros(n)
    if np.any(cool):
        h = sur.enthalpy(np.concatenate([p_d[cool], p_d[cool]]),
                         np.concatenate([t_d[cool], t_out_eq[cool]]))
        k = int(np.count_nonzero(cool))
        duty[cool] = m_c[cool] * (h[:k] - h[k:])
    with np.errstate(divide="ignore", invalid="ignore"):
        eta_th = np.where(on & (fuel > 0), shaft / (fuel * ncv), math.inf)
        load = unit_p / p_av[:, None]
    return StationPoint(
        units=np.where(on, u, 0), fuel=fuel, electricity=elec, co2=co2, shaft_power=shaft,
        mass_compressed=m_c, status=status.astype(np.int64), eta_equivalent=eta_eq,
        driver_efficiency_equivalent=eta_th, work=w_eq, t_discharge=np.where(on, t_d, t_s),
        t_outlet=np.where(on, t_out_eq, t_s), cooler_duty=duty, head=head, efficiency=eta,
        speed=spd, flow_ratio=xr, recycle=rec, unit_power=unit_p, load=load,
        available_power=p_av, t_stage=t_stage)


def _equivalent_efficiency(sur: GasSurrogate, p_s: FloatArray, t_s: FloatArray,
                           p_d: FloatArray, target: FloatArray, eta0: FloatArray,
                           steps: int) -> FloatArray:
    """η with path work w(η) = target, by the secant method (vectorised)."""
    def f(eta: FloatArray) -> FloatArray:
        return _path(sur, p_s, t_s, p_d, eta, steps)[1] - target

    # w ∝ 1/η nearly: start from η0 and η0·w(η0)/target
    x0 = np.clip(eta0, 0.05, 1.0)
    f0 = f(x0)
    x1 = np.clip(x0 * (f0 + target) / target, 0.02, 1.0)
    f1 = f(x1)
    for _ in range(40):
        done = np.abs(f1) <= _EQUIVALENT_TOL * target
        if np.all(done):
            break
        den = np.where(f1 != f0, f1 - f0, 1.0)
        x2 = np.where(done | (f1 == f0), x1, x1 - f1 * (x1 - x0) / den)
        x2 = np.clip(x2, 0.01, 1.0)
        x0, f0 = x1, f1
        x1, f1 = x2, f(x2)
    return x1


def choose_units(designs: Sequence[StationDesign], gas: Gas, mass_in: npt.ArrayLike,
                 p_suction: npt.ArrayLike, t_suction: npt.ArrayLike,
                 p_discharge: npt.ArrayLike, *, objective: str = "fuel",
                 fuel_price: float = 0.0, electricity_price: float = 0.0,
                 co2_price: float = 0.0, rule: str = "best",
                 ambient_temperature: float = ISO_AMBIENT_TEMPERATURE,
                 polytropic_steps: int = 12) -> StationPoint:
    """Running units per station: every count evaluated, the best feasible kept.

    Args:
        objective: "fuel" (line gas burnt) or "cost" (fuel·price + electricity·price
            + CO2·price; prices in USD/kg, USD/J, USD/kg).
        rule: "best" (least objective) or "fewest" (the fewest units that can run
            the point — the operator's simple rule).

    Stations with p_discharge <= p_suction are bypassed (0 units). A station
    where no count is feasible gets the count with the mildest violation (most
    units) and keeps its status, for the caller to report.
    """
    n = len(designs)
    p_s = np.broadcast_to(np.asarray(p_suction, dtype=float), (n,))
    p_d = np.broadcast_to(np.asarray(p_discharge, dtype=float), (n,))
    avail = np.array([d.units_available for d in designs])
    top = int(avail.max())
    idx = np.repeat(np.arange(n), top)
    cand = np.tile(np.arange(1, top + 1), n)
    keep = cand <= avail[idx]
    idx, cand = idx[keep], cand[keep]
    comp = p_d[idx] > p_s[idx]
    cand = np.where(comp, cand, 0)
    pts = operate_stations([designs[int(i)] for i in idx], gas,
                           np.broadcast_to(np.asarray(mass_in, dtype=float), (n,))[idx],
                           p_s[idx],
                           np.broadcast_to(np.asarray(t_suction, dtype=float), (n,))[idx],
                           np.where(comp, p_d[idx], p_s[idx]), cand,
                           ambient_temperature=ambient_temperature,
                           polytropic_steps=polytropic_steps)
    if objective == "fuel":
        score = pts.fuel.copy()
    elif objective == "cost":
        score = pts.fuel * fuel_price + pts.electricity * electricity_price \
            + pts.co2 * co2_price
    else:
        raise InputError("unknown objective", element="choose_units", field="objective",
                         value=objective, expected="'fuel' or 'cost'")
    if rule == "fewest":
        score = cand.astype(float)
    elif rule != "best":
        raise InputError("unknown rule", element="choose_units", field="rule", value=rule,
                         expected="'best' or 'fewest'")
    best = np.zeros(n, dtype=np.int64)
    for i in range(n):
        rows = np.flatnonzero(idx == i)
        ok = rows[pts.feasible[rows]]
        if ok.size:
            best[i] = ok[int(np.argmin(score[ok]))]
        else:  # mildest violation: the most units
            best[i] = rows[-1]
    return pts.take(best)


def solver_station(station: Station, design: StationDesign, point: StationPoint, i: int,
                   p_discharge: float) -> Station:
    """The steady solver's :class:`Station` reproducing the operating point ``i``.

    Its template carries the equivalent polytropic and driver efficiencies, the
    discharge set-point (1 Pa for a bypassed station, so that the solver bypasses
    it), the driver's available power per unit and the station's installed units.
    """
    on = int(point.units[i]) > 0
    tpl: StationTemplate = station.design
    stages = design.stages
    eta_th = float(point.driver_efficiency_equivalent[i])
    new = replace(
        tpl,
        unit_power=float(point.available_power[i]),
        spare_units=design.spare_units * stages,
        polytropic_efficiency=float(point.eta_equivalent[i]) if on else
        tpl.polytropic_efficiency,
        mechanical_efficiency=design.mechanical_efficiency,
        driver_efficiency=eta_th if on else tpl.driver_efficiency,
        aftercooler_temperature=(design.aftercooler_temperature
                                 if design.aftercooler_temperature is not None else math.inf),
        discharge_pressure=float(p_discharge) if on else 1.0,
        max_units=max(tpl.max_units, design.units * stages),
    )
    return Station(station.name, station.chainage, design.units * stages, new)


# -- rating of a line's stations ---------------------------------------------------
_DESIGN_FLOWS: dict[int, tuple[Trunkline, float, float]] = {}
_DESIGNS: dict[tuple[int, tuple[tuple[str, float, int], ...], int | None, int, int],
               tuple[Trunkline, tuple[StationDesign, ...]]] = {}


def march_at_delivery(line: Trunkline, target: float, layout: tuple[Station, ...] | None,
                      month: int | None, opts: MarchOptions, *, place: bool = False,
                      rtol: float = 1e-6, max_iter: int = 20
                      ) -> tuple[LineResult, tuple[Station, ...]]:
    """:func:`~trunkline.solve.march_line` at the entry flow that delivers ``target``.

    Secant iteration on the entry flow from m = target and m·target/delivered (the
    fuel is nearly proportional to the flow: 3-5 marches); stops early when the line
    collapses (the result says so).
    """
    res, placed = march_line(line, target, layout, month, opts, place=place)
    if not res.complete:
        return res, placed
    m0, g0 = target, res.delivered_mass_flow - target
    m1 = target * target / res.delivered_mass_flow
    for _ in range(max_iter):
        res, placed = march_line(line, m1, layout, month, opts, place=place)
        g1 = res.delivered_mass_flow - target
        if not res.complete or abs(g1) <= rtol * target or g1 == g0:
            return res, placed
        m0, g0, m1 = m1, g1, m1 - g1 * (m1 - m0) / (g1 - g0)
    raise ConvergenceError("entry flow for the delivered throughput", iterations=max_iter,
                           residual=abs(g1) / target)


def _design_march(line: Trunkline, layout: tuple[Station, ...], month: int | None
                  ) -> LineResult:
    """The line at its design throughput (on its basis) with the given layout.

    For placed stations in the scenario's month this is the march that placed them
    (:func:`~trunkline.solve.studies.placement_march`: the same line, stations and
    flow, to a tighter tolerance), else a march of its own.
    """
    if line.stations is None and month == line.month and layout == station_layout(line):
        placed = placement_march(line)
        if placed is not None and placed.complete:
            return placed
    opts = MarchOptions(max_step=math.inf, rtol=1e-7)
    if line.throughput_basis != "delivery":
        return march_line(line, line.mass_flow(), layout, month, opts)[0]
    return march_at_delivery(line, line.mass_flow(), layout, month, opts,
                             rtol=_RATING_RTOL, max_iter=8)[0]


def line_ambient_temperature(line: Trunkline, month: int | None = None) -> float:
    """Default air temperature at a line's drivers [K]: its ground temperature.

    The scenario gives no air temperature; the length-weighted ground temperature
    of the month (annual mean for None) stands in for it (assumption: on an annual
    mean the two differ by a few kelvin; pass ``ambient_temperature`` for a site
    value).
    """
    lengths = np.array([s.length for s in line.sections])
    temps = np.array([s.ground_temperature_at(month) for s in line.sections])
    return float(np.sum(lengths * temps) / np.sum(lengths))


def calibrated_gas_turbine(unit_power: float, efficiency: float, load: float,
                           ambient_temperature: float) -> GasTurbine:
    """A gas turbine whose efficiency at ``load`` and the ambient equals ``efficiency``.

    Reads a constant driver efficiency (the steady solver's ``driver_efficiency``)
    as the efficiency at the design duty: the ISO full-load rating then follows
    from the Willans line and the ambient lapse of :class:`GasTurbine`,
    :math:`\\eta_r = \\eta_d\\,(a + (1-a)L_d)/L_d / (1 - k_\\eta (T_a - T_{ISO}))`.
    """
    base = GasTurbine(unit_power, efficiency)
    a = base.idle_fuel_fraction
    lapse = 1.0 - base.efficiency_lapse * (ambient_temperature - ISO_AMBIENT_TEMPERATURE)
    eta_r = efficiency * (a + (1.0 - a) * load) / load / lapse
    return replace(base, rated_efficiency=min(eta_r, 1.0))


def line_station_designs(line: Trunkline, layout: Sequence[Station], *,
                         characteristic: Characteristic = GENERIC_CHARACTERISTIC,
                         driver: DriverType | None = None, stages: int = 1,
                         month: int | None = None,
                         ambient_temperature: float | None = None
                         ) -> tuple[StationDesign, ...]:
    """Station designs of a line, rated at its design throughput (see the module docs).

    The line is marched at its design throughput (``line.throughput`` on the
    line's basis: the entry flow is found by secant iteration for a delivery
    basis) with every station at its set-point. Each station's compressors are
    the characteristic scaled so that the units it then needs
    (``ceil(P / P_av)`` with the driver's available power at the ambient
    temperature — default :func:`line_ambient_temperature` —, at least one) run at
    the rated point (ν = 1, x = 1), with the template's polytropic efficiency as
    the rated efficiency. A station idle at design is rated like its neighbour
    upstream.

    Drivers default to gas turbines of the template's unit power whose
    efficiency at the station's design duty is the template's
    ``driver_efficiency`` (:func:`calibrated_gas_turbine`): at the design point
    the station model then burns what the steady solver's station burns, and the
    part-load and ambient laws act off design. (Read as an ISO full-load rating
    instead, a constant 0.36 puts every part-loaded station's fuel up by a few
    tenths of a per cent, and a line whose stations were placed at exactly its
    minimum suction pressure with the constant value no longer carries its design
    throughput.) A ``driver`` given is used as it is for every station.
    Results are cached per line object and layout.
    """
    if stages < 1:
        raise InputError("stages must be >= 1", element=line.name, field="stages",
                         value=stages)
    t_amb = line_ambient_temperature(line, month) if ambient_temperature is None \
        else ambient_temperature
    key = (id(line), tuple((s.name, s.chainage, s.units_installed) for s in layout), month,
           hash((characteristic, driver, t_amb)), stages)
    hit = _DESIGNS.get(key)
    if hit is not None and hit[0] is line:
        return hit[1]
    res = _design_march(line, tuple(layout), month)
    sur = line.gas.surrogate()
    rated: list[tuple[CompressorMap, ...] | None] = []
    drivers: list[DriverType | None] = []
    needs: list[int | None] = []
    by_name = {r.name: r for r in res.station_results}
    for s in layout:
        tpl = s.design
        r = by_name.get(s.name)
        maps: tuple[CompressorMap, ...] | None = None
        drv: DriverType | None = driver
        n_need: int | None = None
        if r is not None and r.shaft_power > 0 and r.discharge_pressure > r.suction_pressure:
            p_av = (driver.available_power(t_amb) if driver is not None else
                    GasTurbine(tpl.unit_power, tpl.driver_efficiency).available_power(t_amb))
            # units of one group (in series, each group takes 1/stages of the power)
            group_units = max(s.units_installed // stages, 1)
            group_avail = max(group_units - min(tpl.spare_units, group_units - 1), 1)
            n_need = max(1, math.ceil(r.shaft_power / stages / p_av - 1e-9))
            n_need = min(n_need, group_avail)
            if driver is None:
                load = min(r.shaft_power / stages / (n_need * p_av), 1.0)
                drv = calibrated_gas_turbine(tpl.unit_power, tpl.driver_efficiency, load,
                                             t_amb)
            m_c = r.mass_flow_in - r.fuel
            ratio = (r.discharge_pressure / r.suction_pressure) ** (1.0 / stages)
            p_k, t_k = r.suction_pressure, r.suction_temperature
            built = []
            for k in range(stages):
                c = real_gas_polytropic(sur.point_gas(), p_k, t_k, p_k * ratio,
                                        tpl.polytropic_efficiency, steps=12)
                rho = float(sur.density(p_k, t_k))
                built.append(CompressorMap(characteristic, m_c / n_need / rho, float(c.head),
                                           tpl.polytropic_efficiency, name=f"{s.name} stage "
                                           f"{k + 1}", source="generic map rated at the "
                                           "station's design duty"))
                p_k, t_k = p_k * ratio, float(c.t2)
            maps = tuple(built)
        rated.append(maps)
        drivers.append(drv)
        needs.append(n_need)
    known = [i for i, m in enumerate(rated) if m is not None]
    if not known:
        raise InputError("no station compresses at the design throughput: cannot rate "
                         "the compressors", element=line.name, field="stations")
    out: list[StationDesign] = []
    src = known[0]
    for i, s in enumerate(layout):  # an idle station is rated like its neighbour upstream
        if rated[i] is not None:
            src = i
        maps_i = rated[src]
        drv_i = drivers[src]
        assert maps_i is not None and drv_i is not None
        tpl = s.design
        units = max(s.units_installed // stages, 1)
        spare = max(min(tpl.spare_units, units - 1), 0)
        out.append(StationDesign(s.name, maps_i, drv_i, units, spare,
                                 tpl.mechanical_efficiency, tpl.aftercooler_temperature,
                                 needs[i]))
    designs = tuple(out)
    _DESIGNS[key] = (line, designs)
    _DESIGN_FLOWS[id(line)] = (line, res.mass_flow, res.delivered_mass_flow)
    return designs


def design_entry_flow(line: Trunkline, delivered: float) -> float | None:
    """Entry flow [kg/s] for a delivered flow, scaled from the rating march (if cached).

    The fuel share at the design point, scaled with (flow ratio)² (fuel grows about
    with the cube of flow at fixed set-points, so its share with the square): a start
    for the entry-flow search, not a result.
    """
    hit = _DESIGN_FLOWS.get(id(line))
    if hit is None or hit[0] is not line or hit[2] <= 0:
        return None
    share = hit[1] / hit[2] - 1.0
    return delivered * (1.0 + share * (delivered / hit[2]) ** 2)
