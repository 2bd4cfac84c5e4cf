"""Capacity surface: the line's capacity as a function of the running units per station.

With :math:`u_k` units able to run at station :math:`k` (of :math:`n_k` at full
availability) the line's capacity is :math:`C(u_1, \\dots, u_K)`. The full surface has
:math:`\\prod_k (n_k + 1)` states (4^36 for PoS2), so it is approximated from
single-station states computed with the hydraulics:

.. math:: r_k(u) = \\frac{C(n_1, \\dots, u, \\dots, n_K)}{C(n_1, \\dots, n_K)}, \\qquad
          \\frac{C(u_1, \\dots, u_K)}{C(n)} \\approx \\min_k r_k(u_k)
          \\quad\\text{(``combine="min"``)}\\;\\text{or}\\; \\prod_k r_k(u_k)

The minimum is the bottleneck view: with discharge set-points at MAOP, a full-power
station downstream of a degraded one restores the pressure, so two degraded stations
far apart each limit only their own section and the worse one binds. Two degraded
*neighbours* interact and the capacity falls below the minimum (the product is then
the closer, conservative bound). A test checks both against direct hydraulics for
multi-outage states. :math:`r_k(u) = 1` for :math:`u \\ge n_k`.

Cost: one capacity search (~8 s for PoS2) per station and state, so by default the
ratios are computed at ``samples`` stations evenly spread along the line and
interpolated linearly in the station index for the others; ``samples=None`` computes
every station. The ratio is taken at one month (January by default) and applied to
the seasonal curve. A station with no running unit cannot be solved (the hydraulics
flag a station without power as a violation at any flow); it takes the one-unit ratio
(its probability is ~1e-7 per station-day with the default unit data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError
from trunkline.model import Station, Trunkline
from trunkline.solve import max_throughput, station_layout
from trunkline.units import StandardVolumeFlow

__all__ = [
    "CapacitySurface",
    "capacity_surface",
    "clear_surface_cache",
    "direct_capacity",
    "uniform_surface",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Combine = Literal["min", "product"]

#: Relative tolerance of the capacity searches of the surface [-].
SURFACE_RTOL: Final = 1e-3
#: The capacity search starts from this fraction of the design flow (a degraded line
#: cannot carry the design flow, and far below it the delivery end exceeds MAOP).
_START_FRACTION: Final = 0.7


@dataclass(frozen=True)
class CapacitySurface:
    """Capacity ratio by station and running units (see the module docstring).

    Attributes:
        stations: station names.
        running: running units of each station at full availability n_k.
        ratios: ``ratios[k][u]``, u = 0..n_k, capacity ratio with u units running at
            station k and the others full (``ratios[k][n_k] = 1``).
        combine: "min" or "product".
        source: how the ratios were obtained.
    """

    stations: tuple[str, ...]
    running: tuple[int, ...]
    ratios: tuple[tuple[float, ...], ...]
    combine: Combine = "min"
    source: str = ""

    def __post_init__(self) -> None:
        if not (len(self.stations) == len(self.running) == len(self.ratios)):
            raise InputError("one running count and ratio row per station",
                             element="capacity surface", field="ratios",
                             value=len(self.ratios), expected=f"{len(self.stations)} rows")
        for name, n, row in zip(self.stations, self.running, self.ratios, strict=True):
            if len(row) != n + 1 or not all(0 <= r <= 1 + 1e-9 for r in row):
                raise InputError("ratios must be n+1 fractions in [0, 1]",
                                 element=f"capacity surface {name}", field="ratios",
                                 value=row, expected=f"{n + 1} values")
        if self.combine not in ("min", "product"):
            raise InputError("unknown combination rule", element="capacity surface",
                             field="combine", value=self.combine,
                             expected="'min' or 'product'")

    @property
    def table(self) -> FloatArray:
        """(stations, max(n)+1) ratio table, padded with 1 above each station's n_k."""
        width = max(self.running) + 1
        out = np.ones((len(self.stations), width))
        for k, row in enumerate(self.ratios):
            out[k, :len(row)] = row
        return out

    def factor(self, running: npt.ArrayLike) -> FloatArray:
        """Capacity ratio of states ``running[..., k]`` (units running at station k)."""
        u = np.asarray(running, dtype=np.int64)
        tab = self.table
        u = np.clip(u, 0, tab.shape[1] - 1)
        r = tab[np.arange(tab.shape[0]), u]
        out = r.min(axis=-1) if self.combine == "min" else r.prod(axis=-1)
        return np.asarray(out, dtype=np.float64)

    def with_combine(self, combine: Combine) -> CapacitySurface:
        return replace(self, combine=combine)


def uniform_surface(stations: int, running: int, lost: Sequence[float],
                    combine: Combine = "min") -> CapacitySurface:
    """A synthetic surface: every station alike; ``lost[j]`` is the capacity ratio with
    j + 1 running units fewer (e.g. (0.97, 0.90, 0.75))."""
    row = [1.0] * (running + 1)
    for j in range(running):
        row[running - 1 - j] = float(lost[min(j, len(lost) - 1)]) if lost else 1.0
    return CapacitySurface(tuple(f"CS-{k + 1}" for k in range(stations)), (running,) * stations,
                           (tuple(row),) * stations, combine,
                           f"synthetic: ratios {tuple(lost)} per unit lost")


def _layout(line: Trunkline) -> tuple[Station, ...]:
    return line.stations if line.stations is not None else station_layout(line)


def direct_capacity(line: Trunkline, running: Mapping[int, int], *, month: int = 1,
                    rtol: float = SURFACE_RTOL) -> float:
    """Delivered capacity [m³/s at the line's reference] with ``running[k]`` units able
    to run at station index k (the other stations as laid out), by the hydraulics."""
    layout = list(_layout(line))
    for k, u in running.items():
        st = layout[k]
        layout[k] = replace(st, units_installed=int(u) + st.design.spare_units)
    work = line.with_stations(tuple(layout))
    q = line.throughput
    work = work.with_throughput(StandardVolumeFlow(q.value * _START_FRACTION, q.reference))
    cap = max_throughput(work, month=month, basis="delivery", rtol=rtol)
    return float(cap.throughput.value)


_CACHE: dict[tuple[object, ...], CapacitySurface] = {}


def clear_surface_cache() -> None:
    """Forget every cached capacity surface."""
    _CACHE.clear()


def capacity_surface(line: Trunkline, *, lost: Sequence[int] = (1, 2),
                     samples: int | None = 4, month: int = 1, combine: Combine = "min",
                     rtol: float = SURFACE_RTOL) -> CapacitySurface:
    """The capacity surface of a line from the hydraulics (cached per line content).

    Args:
        line: the line (its stations fixed, or placed at its design throughput).
        lost: states to compute: running units fewer than full (1: one unit fewer).
            Deeper states not computed take the deepest computed ratio.
        samples: stations at which to compute (evenly spread, first and last
            included), the rest interpolated by station index; None → every station.
        month: month of the ground temperature of the searches.
        combine: "min" or "product" (see the module docstring).
    """
    layout = _layout(line)
    fixed = line.with_stations(layout)
    key = (hashlib.sha256(repr(fixed).encode()).hexdigest(), tuple(lost), samples, month,
           combine, rtol)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    n_st = len(layout)
    if n_st == 0:
        raise InputError("the line has no compressor station", element=line.name,
                         field="stations", value=0)
    running = [st.units_available for st in layout]
    idx = (list(range(n_st)) if samples is None or samples >= n_st
           else sorted(set(np.linspace(0, n_st - 1, max(samples, 2)).round().astype(int))))
    full = direct_capacity(fixed, {}, month=month, rtol=rtol)
    depths = sorted(set(int(j) for j in lost if j >= 1))
    sampled = np.ones((len(idx), len(depths)))
    for a, k in enumerate(idx):
        for b, j in enumerate(depths):
            u = running[k] - j
            if u < 1:
                sampled[a, b] = sampled[a, b - 1] if b else 1.0
                continue
            sampled[a, b] = min(direct_capacity(fixed, {k: u}, month=month, rtol=rtol) / full,
                                1.0)
    rows: list[tuple[float, ...]] = []
    for k in range(n_st):
        n = running[k]
        r: list[float | None] = [None] * n + [1.0]
        for b, j in enumerate(depths):
            if j <= n:
                r[n - j] = float(np.interp(k, idx, sampled[:, b]))
        out = [1.0] * (n + 1)
        for u in range(n - 1, -1, -1):  # missing states take the next one up; monotone
            v = r[u]
            out[u] = min(out[u + 1], v) if v is not None else out[u + 1]
        rows.append(tuple(out))
    desc = (f"hydraulics of {line.name}: max_throughput in month {month} with 1..{depths[-1]} "
            f"running units fewer at stations {[i + 1 for i in idx]} (interpolated by "
            f"station index between them); combined by {combine}")
    surf = CapacitySurface(tuple(st.name for st in layout), tuple(running), tuple(rows),
                           combine, desc)
    _CACHE[key] = surf
    return surf
