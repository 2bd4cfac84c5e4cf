r"""Centrifugal compressor characteristic maps: head, flow, speed, efficiency, surge, stonewall.

A map says what one compressor (one stage group of a unit) does at a shaft speed
:math:`N` and an actual inlet volume flow :math:`Q`: the polytropic head :math:`H_p`
it gives the gas and its polytropic efficiency :math:`\eta_p`, between the surge
line (low flow: the flow reverses) and the stonewall (choke) line (high flow: the
flow reaches sonic speed in the impeller), and between its minimum and maximum
continuous speed.

**Similarity form.** Maps are written in the flow and head coefficients of the
fan (affinity) laws, normalised by a rated point :math:`(Q_r, H_r, N_r, \eta_r)`:

.. math::

    \nu = \frac{N}{N_r},\qquad q = \frac{Q}{Q_r},\qquad h = \frac{H_p}{H_r},\qquad
    x = \frac{q}{\nu} \;(\propto \text{flow coefficient } \phi = Q/(N D^3))

    h = \nu^2\,\psi(x),\qquad \psi(x) = a_0 + a_1 x + a_2 x^2,\qquad
    \eta_p = \eta_r\,e(x),\qquad e(x) = \sum_k b_k\,(x - 1)^k

For geometrically similar operating points (same :math:`x`) the head scales with
:math:`N^2` and the flow with :math:`N`, and the efficiency is the same — the fan
laws (R. N. Brown, *Compressors: Selection and Sizing*, 3rd ed., Gulf Professional
Publishing, 2005, ch. 5; S. L. Dixon and C. A. Hall, *Fluid Mechanics and
Thermodynamics of Turbomachinery*, 7th ed., 2014, ch. 1, dimensional analysis). They
neglect the Mach- and Reynolds-number effects that make real speed lines depart
from similarity by a few per cent; a user map fitted in this form reports its fit
residual (:attr:`CompressorMap.fit_rms`). The quadratic head coefficient is the
speed-line form of the GasLib compressor model, where the head is biquadratic in
(Q, N) (M. Schmidt, M. C. Steinbach, B. M. Willert, "High detail stationary
optimization models for gas networks", *Optimization and Engineering* 16(1),
131-164, 2015): with similarity only the :math:`N^2`, :math:`QN` and :math:`Q^2`
terms remain.

**Limits** are lines of constant :math:`x` (similar points): surge at
:math:`x_s`, stonewall at :math:`x_c`, and the anti-surge control line at
:math:`x_{ctl} = (1 + m_s)\,x_s` with a flow margin :math:`m_s`; speed between
:math:`\nu_{min}` and :math:`\nu_{max}`.

**Operating a compressor at a required head** (:meth:`Characteristic.operate`):
the speed follows from :math:`h = \nu^2\psi(q/\nu)`, a quadratic in ν. Left of the
control line the anti-surge valve recycles gas (cooled back to suction conditions)
until the machine runs on the control line at the same head; below minimum speed
the machine runs at :math:`\nu_{min}` and recycles until the head on that speed
line falls to the required head. Right of the stonewall line, above maximum
speed, or when even the minimum-speed line at stonewall gives more head than
required, the point is outside the map (infeasible for that number of running
units).

**The built-in generic map** (:data:`GENERIC_CHARACTERISTIC`, scaled to a rating
by :func:`generic_map`) is a labelled assumption, shaped like published maps of
single-stage pipeline compressors: head coefficient
:math:`\psi(x) = 0.8877 + 0.7245x - 0.6122x^2` (ψ(1) = 1; 10 % head rise from
the rated point to surge at :math:`x_s = 0.65`; the head falls to 0.75 at the
stonewall :math:`x_c = 1.35`; the speed line peaks near surge, as it does on real
maps), efficiency :math:`e(x) = 1 - 0.816(x-1)^2 - 1.166(x-1)^3` (0.95 of peak at
surge, 0.85 at stonewall: efficiency falls faster towards choke), speed
70-105 % (105 % is the maximum continuous speed of API 617, 8th ed., 2014,
"maximum continuous speed"; 70 % is an assumption typical of two-shaft gas-turbine
drives) and a 10 % anti-surge flow margin (assumption, common practice); see
docs/sources.md [S:generic-compressor-map].

**User maps** come from CSV tables of measured points (:func:`read_map_csv`),
fitted in the similarity form by least squares (:func:`fit_map`).

SI units throughout (m³/s, J/kg, rpm for the rated speed only).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError, ScenarioError

__all__ = [
    "GENERIC_CHARACTERISTIC",
    "MAP_CSV_COLUMNS",
    "STATUS_BELOW_MAP",
    "STATUS_MESSAGES",
    "STATUS_OK",
    "STATUS_OVERSPEED",
    "STATUS_STONEWALL",
    "Characteristic",
    "CompressorMap",
    "MapPoint",
    "fit_map",
    "generic_map",
    "read_map_csv",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Operating-point status codes of :meth:`Characteristic.operate`.
STATUS_OK: Final = 0
STATUS_STONEWALL: Final = 1
STATUS_OVERSPEED: Final = 2
STATUS_BELOW_MAP: Final = 3
STATUS_MESSAGES: Final = {
    STATUS_OK: "inside the map",
    STATUS_STONEWALL: "flow beyond the stonewall (choke) line: more units are needed",
    STATUS_OVERSPEED: "head needs more than the maximum continuous speed",
    STATUS_BELOW_MAP: "head below the map (minimum speed at the stonewall line gives more)",
}
#: Columns of a map CSV (:func:`read_map_csv`); units in brackets in the header.
MAP_CSV_COLUMNS: Final = ("speed", "flow", "head", "efficiency")


@dataclass(frozen=True)
class MapPoint:
    """Operating point(s) on a map (floats or arrays, SI).

    Attributes:
        speed: shaft speed relative to rated, ν [-].
        ratio: flow/speed ratio x = q/ν of the machine flow (with recycle) [-].
        efficiency: polytropic efficiency [-].
        machine_flow: actual inlet volume flow through the machine [m³/s] (with recycle).
        recycle_flow: part of ``machine_flow`` that is recycled [m³/s] (>= 0).
        status: :data:`STATUS_OK` or the reason the point is outside the map.
    """

    speed: FloatArray
    ratio: FloatArray
    efficiency: FloatArray
    machine_flow: FloatArray
    recycle_flow: FloatArray
    status: IntArray

    @property
    def feasible(self) -> npt.NDArray[np.bool_]:
        """True where the point is inside the map (with recycle if needed)."""
        return np.asarray(self.status == STATUS_OK)


@dataclass(frozen=True)
class Characteristic:
    r"""Dimensionless characteristic: ψ(x), e(x), the limit lines and the speed range.

    Attributes:
        head_coefficients: (a0, a1, a2) of :math:`\psi(x) = a_0 + a_1 x + a_2 x^2`.
        efficiency_coefficients: (b0, b1, ...) of :math:`e(x) = \sum b_k (x-1)^k`.
        surge_ratio: :math:`x_s`, the surge line.
        stonewall_ratio: :math:`x_c`, the stonewall (choke) line.
        speed_min, speed_max: relative speed range :math:`[\nu_{min}, \nu_{max}]`.
        surge_margin: anti-surge control line :math:`x_{ctl} = (1 + m_s) x_s`.
    """

    head_coefficients: tuple[float, float, float]
    efficiency_coefficients: tuple[float, ...]
    surge_ratio: float
    stonewall_ratio: float
    speed_min: float
    speed_max: float
    surge_margin: float = 0.10

    def __post_init__(self) -> None:
        el = "compressor characteristic"
        a0, a1, a2 = self.head_coefficients
        if not a0 > 0:
            raise InputError("head coefficient a0 must be positive (head rises with speed)",
                             element=el, field="head_coefficients", value=self.head_coefficients)
        if not 0 < self.surge_ratio < self.stonewall_ratio:
            raise InputError("need 0 < surge ratio < stonewall ratio", element=el,
                             field="surge_ratio", value=(self.surge_ratio,
                                                         self.stonewall_ratio))
        if not 0 < self.speed_min < self.speed_max:
            raise InputError("need 0 < speed_min < speed_max", element=el, field="speed_min",
                             value=(self.speed_min, self.speed_max))
        if not 0 <= self.surge_margin < 1:
            raise InputError("surge margin out of range", element=el, field="surge_margin",
                             value=self.surge_margin, expected="in [0, 1)")
        if not self.control_ratio < self.stonewall_ratio:
            raise InputError("control line beyond the stonewall line", element=el,
                             field="surge_margin", value=self.surge_margin)
        x = np.linspace(self.control_ratio, self.stonewall_ratio, 64)
        if np.any(np.asarray(self.psi(x)) <= 0) or np.any(np.diff(np.asarray(self.psi(x))) >= 0):
            raise InputError("head coefficient must be positive and fall with flow between "
                             "the control and stonewall lines", element=el,
                             field="head_coefficients", value=self.head_coefficients)
        if np.any(np.asarray(self.e(x)) <= 0):
            raise InputError("efficiency must be positive inside the map", element=el,
                             field="efficiency_coefficients",
                             value=self.efficiency_coefficients)
        del a1, a2

    @property
    def control_ratio(self) -> float:
        """Flow/speed ratio of the anti-surge control line, (1 + m_s)·x_s."""
        return (1.0 + self.surge_margin) * self.surge_ratio

    # -- curves (numpy arrays or casadi symbols: arithmetic only) -----------------
    def psi(self, x: Any) -> Any:
        """Head coefficient ψ(x) = h/ν²."""
        a0, a1, a2 = self.head_coefficients
        return a0 + x * (a1 + x * a2)

    def e(self, x: Any) -> Any:
        """Efficiency relative to rated, e(x) (Horner in x − 1)."""
        d = x - 1.0
        out: Any = 0.0
        for b in reversed(self.efficiency_coefficients):
            out = out * d + b
        return out

    def head(self, q: Any, nu: Any) -> Any:
        """Relative head h = a0 ν² + a1 q ν + a2 q² at relative flow q and speed ν."""
        a0, a1, a2 = self.head_coefficients
        return a0 * nu * nu + a1 * q * nu + a2 * q * q

    # -- inversions (numpy) -----------------------------------------------------------
    def speed_for(self, q: npt.ArrayLike, h: npt.ArrayLike) -> FloatArray:
        """Relative speed ν with head h at flow q: root of a0ν² + a1qν + a2q² − h = 0."""
        a0, a1, a2 = self.head_coefficients
        qa = np.asarray(q, dtype=float)
        ha = np.asarray(h, dtype=float)
        disc = (a1 * qa) ** 2 - 4.0 * a0 * (a2 * qa * qa - ha)
        return np.asarray((-a1 * qa + np.sqrt(np.maximum(disc, 0.0))) / (2.0 * a0))

    def flow_on_speed_line(self, nu: npt.ArrayLike, h: npt.ArrayLike) -> FloatArray:
        """Relative flow q (right of the head peak) where the speed line ν gives head h."""
        n = np.asarray(nu, dtype=float)
        ha = np.asarray(h, dtype=float)
        # x on the line: psi(x) = h/ν², the root right of the peak of ψ
        target = ha / (n * n)
        return n * self._x_for_psi(target)

    def _x_for_psi(self, target: FloatArray) -> FloatArray:
        a0, a1, a2 = self.head_coefficients
        if a2 == 0.0:
            return np.asarray((target - a0) / a1)
        disc = a1 * a1 - 4.0 * a2 * (a0 - target)
        root = np.sqrt(np.maximum(disc, 0.0))
        # a2 < 0: the larger root is (−a1 − √disc)/(2 a2)
        return np.asarray((-a1 - root) / (2.0 * a2) if a2 < 0 else (-a1 + root) / (2.0 * a2))

    def operate(self, q: npt.ArrayLike, h: npt.ArrayLike) -> MapPoint:
        """Relative operating point for a relative flow q and required relative head h.

        Returns a :class:`MapPoint` in relative units (``machine_flow`` and
        ``recycle_flow`` relative to the rated flow). See the module docstring for
        the recycle rules.
        """
        qa, ha = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(h, dtype=float))
        qa = np.array(qa, dtype=float)
        ha = np.array(ha, dtype=float)
        status = np.zeros(qa.shape, dtype=np.int64)
        nu = self.speed_for(qa, ha)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(nu > 0, qa / nu, np.inf)
        status[x > self.stonewall_ratio * (1 + 1e-12)] = STATUS_STONEWALL
        q1, nu1 = qa.copy(), nu.copy()
        left = x < self.control_ratio
        if np.any(left):
            nu_c = np.sqrt(np.maximum(ha[left], 0.0) / float(self.psi(self.control_ratio)))
            nu1[left] = nu_c
            q1[left] = self.control_ratio * nu_c
        status[(status == STATUS_OK) & (nu1 > self.speed_max * (1 + 1e-12))] = STATUS_OVERSPEED
        slow = (status == STATUS_OK) & (nu1 < self.speed_min)
        if np.any(slow):
            q2 = self.flow_on_speed_line(self.speed_min, ha[slow])
            nu1[slow] = self.speed_min
            q1[slow] = np.maximum(q2, q1[slow])
            bad = q1[slow] / self.speed_min > self.stonewall_ratio * (1 + 1e-12)
            st = status[slow]
            st[bad] = STATUS_BELOW_MAP
            status[slow] = st
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(nu1 > 0, q1 / nu1, np.inf)
        eff = np.asarray(self.e(np.clip(ratio, self.surge_ratio, self.stonewall_ratio)))
        return MapPoint(nu1, ratio, eff, q1, np.maximum(q1 - qa, 0.0), status)

    def envelope(self, points: int = 41) -> dict[str, FloatArray]:
        """Relative (q, h) polylines of the map's boundary, for plots and checks.

        Keys: ``surge`` and ``stonewall`` (q, h along the lines between the speed
        limits), ``speed_min`` and ``speed_max`` (q, h along the speed lines
        between surge and stonewall). Each value is an array of shape (2, points).
        """
        nu = np.linspace(self.speed_min, self.speed_max, points)
        out: dict[str, FloatArray] = {}
        for name, xr in (("surge", self.surge_ratio), ("stonewall", self.stonewall_ratio)):
            out[name] = np.array([xr * nu, nu * nu * float(self.psi(xr))])
        x = np.linspace(self.surge_ratio, self.stonewall_ratio, points)
        for name, n in (("speed_min", self.speed_min), ("speed_max", self.speed_max)):
            out[name] = np.array([x * n, n * n * np.asarray(self.psi(x))])
        return out


#: The built-in generic characteristic (assumption; see the module docstring).
GENERIC_CHARACTERISTIC: Final = Characteristic(
    head_coefficients=(0.8877551020408163, 0.7244897959183675, -0.6122448979591837),
    efficiency_coefficients=(1.0, 0.0, -0.8163265306122449, -1.1661807580174928),
    surge_ratio=0.65,
    stonewall_ratio=1.35,
    speed_min=0.70,
    speed_max=1.05,
    surge_margin=0.10,
)


@dataclass(frozen=True)
class CompressorMap:
    """A characteristic scaled to a rated point: one compressor stage.

    Attributes:
        characteristic: the dimensionless :class:`Characteristic`.
        rated_flow: actual inlet volume flow at the rated point Q_r [m³/s].
        rated_head: polytropic head at the rated point H_r [J/kg].
        rated_efficiency: polytropic efficiency at the rated point η_r [-].
        rated_speed: shaft speed at the rated point N_r [rpm] (informative).
        name: a label; source: where the map comes from.
        fit_rms: relative RMS residuals of a fitted map (``head``, ``efficiency``).
    """

    characteristic: Characteristic
    rated_flow: float
    rated_head: float
    rated_efficiency: float
    rated_speed: float = 5000.0
    name: str = "generic"
    source: str = "built-in generic map (assumption)"
    fit_rms: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        el = f"compressor map {self.name}"
        for f in ("rated_flow", "rated_head", "rated_speed"):
            v = getattr(self, f)
            if not (math.isfinite(v) and v > 0):
                raise InputError("must be positive", element=el, field=f, value=v,
                                 expected="> 0 (SI)")
        if not 0 < self.rated_efficiency <= 1:
            raise InputError("efficiency out of range", element=el, field="rated_efficiency",
                             value=self.rated_efficiency, expected="in (0, 1]")

    def scaled(self, rated_flow: float, rated_head: float) -> CompressorMap:
        """The same characteristic at another rated flow [m³/s] and head [J/kg]."""
        return replace(self, rated_flow=float(rated_flow), rated_head=float(rated_head))

    def head(self, flow: npt.ArrayLike, speed: npt.ArrayLike) -> FloatArray:
        """Polytropic head [J/kg] at inlet volume flow [m³/s] and relative speed ν."""
        q = np.asarray(flow, dtype=float) / self.rated_flow
        return np.asarray(self.rated_head * self.characteristic.head(q, np.asarray(speed)))

    def efficiency(self, flow: npt.ArrayLike, speed: npt.ArrayLike) -> FloatArray:
        """Polytropic efficiency [-] at inlet volume flow [m³/s] and relative speed ν."""
        x = np.asarray(flow, dtype=float) / self.rated_flow / np.asarray(speed, dtype=float)
        return np.asarray(self.rated_efficiency * self.characteristic.e(x))

    def surge_flow(self, speed: npt.ArrayLike) -> FloatArray:
        """Inlet volume flow [m³/s] of the surge line at relative speed ν."""
        return np.asarray(self.characteristic.surge_ratio * np.asarray(speed) * self.rated_flow)

    def stonewall_flow(self, speed: npt.ArrayLike) -> FloatArray:
        """Inlet volume flow [m³/s] of the stonewall line at relative speed ν."""
        return np.asarray(self.characteristic.stonewall_ratio * np.asarray(speed)
                          * self.rated_flow)

    def operate(self, flow: npt.ArrayLike, head: npt.ArrayLike) -> MapPoint:
        """Operating point for an inlet volume flow [m³/s] and a required head [J/kg].

        Flows of the returned point are in m³/s; the efficiency is absolute.
        """
        rel = self.characteristic.operate(np.asarray(flow, dtype=float) / self.rated_flow,
                                          np.asarray(head, dtype=float) / self.rated_head)
        return MapPoint(rel.speed, rel.ratio, self.rated_efficiency * rel.efficiency,
                        rel.machine_flow * self.rated_flow, rel.recycle_flow * self.rated_flow,
                        rel.status)

    def to_csv(self, path: str | Path, speeds: Sequence[float] = (0.7, 0.8, 0.9, 1.0, 1.05),
               points: int = 9) -> Path:
        """Write the map as measured-style speed lines (the CSV format of :func:`read_map_csv`)."""
        c = self.characteristic
        rows = []
        for nu in speeds:
            for x in np.linspace(c.surge_ratio, c.stonewall_ratio, points):
                q = x * nu
                rows.append((nu * self.rated_speed, q * self.rated_flow,
                             float(c.head(q, nu)) * self.rated_head / 1e3,
                             float(c.e(x)) * self.rated_efficiency))
        target = Path(path)
        with target.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["speed [rpm]", "flow [m3/s]", "head [kJ/kg]", "efficiency [-]"])
            w.writerows(rows)
        return target


def generic_map(rated_flow: float, rated_head: float, rated_efficiency: float = 0.84,
                rated_speed: float = 5000.0, name: str = "generic") -> CompressorMap:
    """The built-in generic map scaled to a rated point (flow [m³/s], head [J/kg]).

    At the rated point (ν = 1, x = 1) the machine runs at its best efficiency
    ``rated_efficiency``; see :data:`GENERIC_CHARACTERISTIC` for the shape.
    """
    return CompressorMap(GENERIC_CHARACTERISTIC, float(rated_flow), float(rated_head),
                         float(rated_efficiency), float(rated_speed), name)


# -- user maps ---------------------------------------------------------------------------
_SPEED_UNITS: Final = {"rpm": 1.0, "1/min": 1.0, "/min": 1.0, "per_min": 1.0,
                       "1/s": 60.0, "rps": 60.0, "hz": 60.0}
_FLOW_UNITS: Final = {"m3/s": 1.0, "m^3/s": 1.0, "m³/s": 1.0, "m3/min": 1 / 60,
                      "m³/min": 1 / 60, "m3/h": 1 / 3600, "m³/h": 1 / 3600}
_HEAD_UNITS: Final = {"j/kg": 1.0, "kj/kg": 1e3, "m": 9.80665}
_EFF_UNITS: Final = {"-": 1.0, "": 1.0, "1": 1.0, "%": 0.01}


def read_map_csv(path: str | Path, *, rated_speed: float | None = None,
                 surge_margin: float = 0.10, name: str | None = None) -> CompressorMap:
    """Read a compressor map from a CSV of measured points and fit it (:func:`fit_map`).

    The file has a header row naming the columns with their units in brackets:
    ``speed [rpm]`` (or ``[1/s]``, ``[Hz]``, ``[%]`` of rated), ``flow [m3/s]``
    (actual inlet volume flow; ``[m3/h]``, ``[m3/min]``), ``head [kJ/kg]``
    (polytropic head; ``[J/kg]``, ``[m]``), ``efficiency [-]`` (polytropic;
    ``[%]``), one row per measured point; points of one speed share its value.
    The lowest and highest flow of each speed line are taken as its surge and
    stonewall points.

    Args:
        rated_speed: the rated speed [rpm]; default the highest speed / 1.05 (the
            API 617 maximum continuous speed) — or required when speeds are in %.
        surge_margin: flow margin of the anti-surge control line.

    Raises:
        ScenarioError: unknown columns or units, too few points or speed lines.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError("cannot read the map file", element="read_map_csv",
                            field="path", value=str(p)) from exc
    rows = [r for r in csv.reader(text.splitlines()) if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ScenarioError("no data rows", element=f"map CSV {p}", field="rows")
    header = rows[0]
    tables = {"speed": _SPEED_UNITS, "flow": _FLOW_UNITS, "head": _HEAD_UNITS,
              "efficiency": _EFF_UNITS}
    scale: dict[str, float] = {}
    index: dict[str, int] = {}
    speed_percent = False
    for i, h in enumerate(header):
        name_, _, rest = h.partition("[")
        key = name_.strip().lower()
        unit = rest.rstrip().rstrip("]").strip().lower()
        table = tables.get(key)
        if table is None:
            raise ScenarioError("unknown column", element=f"map CSV {p}", field=h,
                                expected="columns " + ", ".join(MAP_CSV_COLUMNS))
        if key == "speed" and unit == "%":
            speed_percent = True
            factor = 0.01
        elif unit in table:
            factor = table[unit]
        else:
            raise ScenarioError("unknown unit", element=f"map CSV {p}", field=h, value=unit,
                                expected=", ".join(k for k in table if k))
        scale[key] = factor
        index[key] = i
    missing = [c for c in MAP_CSV_COLUMNS if c not in index]
    if missing:
        raise ScenarioError("missing columns", element=f"map CSV {p}", field="header",
                            value=missing, expected="speed, flow, head, efficiency with units")
    data = np.empty((len(rows) - 1, 4))
    for j, r in enumerate(rows[1:]):
        try:
            data[j] = [float(r[index[c]]) * scale[c] for c in MAP_CSV_COLUMNS]
        except (ValueError, IndexError) as exc:
            raise ScenarioError("bad data row", element=f"map CSV {p}", field=f"row {j + 2}",
                                value=r) from exc
    if speed_percent:
        if rated_speed is None:
            raise ScenarioError("speeds in % need rated_speed", element=f"map CSV {p}",
                                field="rated_speed", expected="the rated speed [rpm]")
        data[:, 0] *= rated_speed
    return fit_map(data[:, 0], data[:, 1], data[:, 2], data[:, 3], rated_speed=rated_speed,
                   surge_margin=surge_margin, name=name or p.stem, source=str(p))


def fit_map(speed: npt.ArrayLike, flow: npt.ArrayLike, head: npt.ArrayLike,
            efficiency: npt.ArrayLike, *, rated_speed: float | None = None,
            surge_margin: float = 0.10, name: str = "fitted", source: str = "fitted"
            ) -> CompressorMap:
    r"""Fit measured speed lines in the similarity form (least squares).

    With ν = N/N_r: ψ(x) is fitted to the points (q/ν, h/ν²) and e(x) (cubic in
    x − 1) to the efficiencies, in rated units taken from a first pass; the rated
    point is then moved to the best-efficiency point of the fitted curves at
    ν = 1, so that ψ(1) = 1 and e(1) = 1 there. The surge (stonewall) ratio is the
    largest (smallest) flow/speed ratio of the lowest (highest) flow points of the
    speed lines — the conservative similar line; the speed range is that of the
    data. ``fit_rms`` holds the relative RMS residuals of head and efficiency.

    Args:
        speed: [rpm]; flow: actual inlet volume flow [m³/s]; head: polytropic head
            [J/kg]; efficiency: polytropic efficiency [-] (arrays of equal length).
        rated_speed: default the highest speed / 1.05.

    Raises:
        ScenarioError: fewer than 6 points or 2 speed lines, or a fit that is not a
            usable map (head not falling with flow, efficiency not peaking inside).
    """
    n = np.asarray(speed, dtype=float)
    qd = np.asarray(flow, dtype=float)
    hd = np.asarray(head, dtype=float)
    ed = np.asarray(efficiency, dtype=float)
    el = f"compressor map {name}"
    if not (n.shape == qd.shape == hd.shape == ed.shape) or n.size < 6:
        raise ScenarioError("need at least 6 points of speed, flow, head and efficiency",
                            element=el, field="points", value=n.size)
    if np.any(n <= 0) or np.any(qd <= 0) or np.any(hd <= 0) or np.any((ed <= 0) | (ed > 1)):
        raise ScenarioError("speed, flow and head must be positive, efficiency in (0, 1]",
                            element=el, field="points")
    lines = np.unique(n)
    if lines.size < 2:
        raise ScenarioError("need at least two speed lines", element=el, field="speed",
                            value=lines.tolist())
    n_r = float(rated_speed) if rated_speed is not None else float(lines.max()) / 1.05
    nu = n / n_r
    # first pass in units of the data's own scales
    q0 = float(np.median(qd / nu))
    h0 = float(np.median(hd / nu**2))
    x = qd / nu / q0
    psi = hd / nu**2 / h0
    a2, a1, a0 = np.polyfit(x, psi, 2)
    b = np.polyfit(x - 1.0, ed, 3)[::-1]
    # best-efficiency point: the stationary point of the fitted cubic inside the data
    lo_x, hi_x = float(x.min()), float(x.max())
    cands = [1.0 + float(r.real) for r in np.roots(np.polyder(b[::-1]))
             if abs(r.imag) < 1e-12 and lo_x < 1.0 + r.real < hi_x]
    if not cands:
        raise ScenarioError("the fitted efficiency does not peak inside the data",
                            element=el, field="efficiency")
    x_star = max(cands, key=lambda v: float(np.polyval(b[::-1], v - 1.0)))
    eta_r = float(np.polyval(b[::-1], x_star - 1.0))
    if eta_r <= float(np.polyval(b[::-1], lo_x - 1.0)) or \
            eta_r <= float(np.polyval(b[::-1], hi_x - 1.0)):
        raise ScenarioError("the fitted efficiency does not peak inside the data",
                            element=el, field="efficiency")
    psi_star = float(a0 + a1 * x_star + a2 * x_star**2)
    # rescale: x' = x / x*, ψ' = ψ / ψ(x*), e' = η / η_r
    head_c = (float(a0) / psi_star, float(a1) * x_star / psi_star,
              float(a2) * x_star**2 / psi_star)
    # e'(x') = η(x* x') / η_r as a cubic in (x' − 1): refit on a dense grid (exact)
    xg = np.linspace(float(x.min()), float(x.max()), 64) / x_star
    eg = np.polyval(b[::-1], xg * x_star - 1.0) / eta_r
    eff_c = tuple(float(v) for v in np.polyfit(xg - 1.0, eg, 3)[::-1])
    q_r = q0 * x_star
    h_r = h0 * psi_star
    xr = qd / nu / q_r
    lows = [float(xr[n == s].min()) for s in lines]
    highs = [float(xr[n == s].max()) for s in lines]
    try:
        ch = Characteristic(head_c, eff_c, max(lows), min(highs), float(lines.min()) / n_r,
                            float(lines.max()) / n_r, surge_margin)
    except InputError as exc:
        raise ScenarioError(f"the fitted map is not usable: {exc}", element=el,
                            field="points") from None
    h_fit = np.asarray(ch.head(qd / q_r, nu)) * h_r
    e_fit = np.asarray(ch.e(xr)) * eta_r
    rms = {"head": float(np.sqrt(np.mean(((h_fit - hd) / hd) ** 2))),
           "efficiency": float(np.sqrt(np.mean(((e_fit - ed) / ed) ** 2)))}
    return CompressorMap(ch, q_r, h_r, eta_r, n_r, name, source, rms)
