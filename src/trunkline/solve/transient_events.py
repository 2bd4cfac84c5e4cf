"""Boundary profiles and operational events for transient runs.

A transient run (:func:`trunkline.solve.transient.simulate_transient`) is driven by

* **boundary conditions** at nodes, each a :class:`Boundary`: a pressure held
  [Pa] or an injection [kg/s] (positive into the network, negative for a
  demand), each a :class:`Profile` of time;
* **events** at given times (:class:`Event`): a compressor station trips or
  restarts, a set-point changes, a valve closes or opens, a supply is lost.

Profiles are piecewise linear through their knots (``kind="linear"``) or
piecewise constant (``kind="step"``, the value of the last knot at or before
``t``), held constant before the first and after the last knot. Built-in
shapes: :meth:`Profile.constant`, :meth:`Profile.steps`, :meth:`Profile.ramp`,
:meth:`Profile.daily` (a 24-hour shape repeated, e.g. :data:`WINTER_DAY`) and
:meth:`Profile.from_csv`.

Files: :func:`load_events` reads a TOML file (events, boundaries and options)
or a CSV file of events; the built-in Power of Siberia 2 cases
(:data:`BUILTIN_CASES`) are TOML files in ``trunkline/scenarios``.

Times are seconds from the start of the run; values are SI.
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError, UnitError
from trunkline.units import parse_quantity

__all__ = [
    "BUILTIN_CASES",
    "EVENT_KINDS",
    "WINTER_DAY",
    "Boundary",
    "Event",
    "EventFile",
    "Profile",
    "load_events",
]

FloatArray = npt.NDArray[np.float64]

#: What an event does:
#:
#: * ``trip``: a compressor stops; gas passes its bypass check valve when the suction
#:   is above the discharge (``value="closed"``: the station is isolated instead);
#: * ``restart``: a tripped or closed compressor runs again on its set-point;
#: * ``setpoint``: new discharge pressure [Pa] of a compressor (or outlet set-point of a
#:   control valve);
#: * ``power``: new available shaft power of a compressor [W] (units lost or added);
#: * ``close`` / ``open``: a valve, control valve or compressor is closed / opened
#:   (a compressor opened is in bypass);
#: * ``supply_loss``: a node's supply stops (the node becomes a closed end: zero injection);
#: * ``pressure``: a node is held at ``value`` [Pa] from then on;
#: * ``flow``: a node's injection becomes ``value`` [kg/s] (negative: a demand).
EVENT_KINDS: Final = ("trip", "restart", "setpoint", "power", "close", "open", "supply_loss",
                      "pressure", "flow")

#: Hourly factors of a winter weekday demand, hours 0-23 (mean 1): night trough,
#: morning peak at 08-09 h, evening peak at 18-20 h. Assumption: the shape of
#: heating-dominated city-gate demand (e.g. the standard load profiles of the
#: BDEW/VKU/GEODE guideline for household heating, normalised); PoS2 deliveries
#: into the Chinese grid are flattened by storage, so runs scale it by an amplitude.
WINTER_DAY: Final = (0.86, 0.84, 0.83, 0.83, 0.85, 0.90, 0.99, 1.08, 1.13, 1.12, 1.07,
                     1.03, 1.00, 0.99, 0.99, 1.01, 1.05, 1.10, 1.14, 1.14, 1.10, 1.03,
                     0.96, 0.90)


def _seconds(value: Any, field: str, element: str = "events") -> float:
    """A time: a number of seconds or a quantity string ("6 h", "90 min")."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_quantity(str(value), "s", field=field, element=element)
    except UnitError:
        raise
    except (TypeError, ValueError) as exc:
        raise InputError("not a time", element=element, field=field, value=value,
                         expected="seconds or a quantity such as '6 h'") from exc


@dataclass(frozen=True)
class Profile:
    """A function of time [s]: piecewise linear or piecewise constant through knots.

    Attributes:
        times: knot times [s], strictly increasing.
        values: values at the knots (SI).
        kind: ``"linear"`` (interpolate) or ``"step"`` (hold the last knot's value).
        period: if set [s], the profile repeats with this period (knots in [0, period)).
    """

    times: tuple[float, ...]
    values: tuple[float, ...]
    kind: Literal["linear", "step"] = "linear"
    period: float | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.times, dtype=float)
        v = np.asarray(self.values, dtype=float)
        if t.size == 0 or t.size != v.size:
            raise InputError("a profile needs as many values as times (at least one)",
                             element="profile", field="values", value=(t.size, v.size))
        if np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)) or not np.all(np.isfinite(v)):
            raise InputError("profile times must be finite and strictly increasing",
                             element="profile", field="times", value=list(self.times))
        if self.kind not in ("linear", "step"):
            raise InputError("unknown profile kind", element="profile", field="kind",
                             value=self.kind, expected="'linear' or 'step'")
        if self.period is not None and not self.period > 0:
            raise InputError("period must be positive", element="profile", field="period",
                             value=self.period)

    # -- constructors ------------------------------------------------------------
    @classmethod
    def constant(cls, value: float) -> Profile:
        """The same value at all times."""
        return cls((0.0,), (float(value),))

    @classmethod
    def steps(cls, times: Sequence[float], values: Sequence[float]) -> Profile:
        """Piecewise constant: ``values[k]`` from ``times[k]`` on."""
        return cls(tuple(map(float, times)), tuple(map(float, values)), "step")

    @classmethod
    def ramp(cls, t0: float, t1: float, v0: float, v1: float) -> Profile:
        """``v0`` until ``t0``, linear to ``v1`` at ``t1``, then ``v1``."""
        return cls((float(t0), float(t1)), (float(v0), float(v1)))

    @classmethod
    def daily(cls, mean: float, shape: Sequence[float] = WINTER_DAY, amplitude: float = 1.0,
              kind: Literal["linear", "step"] = "linear") -> Profile:
        """A 24-hour shape repeated every day: ``mean·(1 + amplitude·(f_h − 1))``.

        ``shape`` holds equally spaced factors over the day (24 for hourly); it is
        normalised to mean 1, so ``mean`` is the daily mean of the profile (for the
        piecewise-linear kind, the mean of the knots). ``amplitude`` scales the swing
        (1 keeps the shape, 0.5 halves it).
        """
        f = np.asarray(shape, dtype=float)
        if f.size < 2 or np.any(f <= 0):
            raise InputError("a daily shape needs at least two positive factors",
                             element="profile", field="shape", value=list(shape))
        f = f / f.mean()
        step = 86400.0 / f.size
        vals = mean * (1.0 + amplitude * (f - 1.0))
        return cls(tuple(float(k * step) for k in range(f.size)), tuple(map(float, vals)),
                   kind, period=86400.0)

    @classmethod
    def from_csv(cls, path: str | Path, column: str | None = None, *,
                 time_column: str = "time", time_unit: str = "s", scale: float = 1.0,
                 kind: Literal["linear", "step"] = "linear") -> Profile:
        """Read a profile from a CSV file with a header.

        ``time_column`` holds times in ``time_unit`` ("s", "min", "h", "d");
        ``column`` the values (default: the first other column), multiplied by
        ``scale`` (e.g. -1 to turn a demand into an injection).
        """
        p = Path(path)
        try:
            with p.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise InputError(f"cannot read the profile file ({exc.strerror})",
                             element="profile", field="path", value=str(p)) from None
        if not rows:
            raise InputError("empty profile file", element="profile", field="path",
                             value=str(p))
        cols = list(rows[0])
        if time_column not in cols:
            raise InputError("no time column", element=str(p), field="time_column",
                             value=time_column, expected=f"one of {cols}")
        col = column or next((c for c in cols if c != time_column), None)
        if col is None or col not in cols:
            raise InputError("no value column", element=str(p), field="column", value=col,
                             expected=f"one of {cols}")
        factor = parse_quantity(f"1 {time_unit}", "s", field="time_unit", element=str(p))
        try:
            t = [float(r[time_column]) * factor for r in rows]
            v = [float(r[col]) * scale for r in rows]
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a number ({exc})", element=str(p), field=col) from None
        return cls(tuple(t), tuple(v), kind)

    # -- evaluation --------------------------------------------------------------
    @cached_property
    def _knots(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Knot times and values as arrays (a periodic linear profile wraps: the first
        knot again one period on)."""
        times, values = self.times, self.values
        if self.period is not None and self.kind == "linear":
            times, values = (*times, times[0] + self.period), (*values, values[0])
        return np.array(times, dtype=float), np.array(values, dtype=float)

    def __call__(self, t: float) -> float:
        if len(self.values) == 1:
            return float(self.values[0])
        if self.period is not None:
            t = math.fmod(t, self.period)
            if t < 0:
                t += self.period
        tt, vv = self._knots
        if self.kind == "step":
            k = int(np.searchsorted(tt, t, side="right")) - 1
            return float(vv[max(k, 0)])
        return float(np.interp(t, tt, vv))

    def jumps(self, t0: float, t1: float) -> list[float]:
        """Times in (t0, t1) where a step profile jumps (a stepper lands on them)."""
        if self.kind != "step" or len(self.times) < 2:
            return []
        knots = np.asarray(self.times[1:])
        if self.period is None:
            return [float(k) for k in knots if t0 < k < t1]
        out: list[float] = []
        start = math.floor(t0 / self.period) * self.period
        while start < t1:
            out += [float(start + k) for k in self.times if t0 < start + k < t1]
            start += self.period
        return sorted(out)

    def scaled(self, factor: float) -> Profile:
        """The profile times ``factor``."""
        return Profile(self.times, tuple(v * factor for v in self.values), self.kind,
                       self.period)


@dataclass(frozen=True)
class Boundary:
    """What is held at a node: its pressure [Pa] or its injection [kg/s] (a :class:`Profile`).

    ``relative``: the profile holds factors of the model's own boundary value at that
    node (e.g. 1.1 = 10 % above a trunkline's contract delivery).
    """

    kind: Literal["pressure", "flow"]
    profile: Profile
    relative: bool = False

    @classmethod
    def pressure(cls, value: float | Profile) -> Boundary:
        """Hold the node's pressure [Pa] (a constant or a profile)."""
        return cls("pressure", value if isinstance(value, Profile) else Profile.constant(value))

    @classmethod
    def flow(cls, value: float | Profile) -> Boundary:
        """Inject [kg/s] at the node (negative: withdraw)."""
        return cls("flow", value if isinstance(value, Profile) else Profile.constant(value))

    @classmethod
    def demand(cls, value: float | Profile) -> Boundary:
        """Withdraw [kg/s] at the node (a positive demand)."""
        prof = value if isinstance(value, Profile) else Profile.constant(value)
        return cls("flow", prof.scaled(-1.0))


@dataclass(frozen=True)
class Event:
    """An operational event at ``time`` [s] on ``target`` (a station, element or node id).

    See :data:`EVENT_KINDS` for ``kind`` and what ``value`` means for each.
    """

    time: float
    kind: str
    target: str
    value: float | str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InputError("unknown event kind", element=f"event at t={self.time:g} s",
                             field="kind", value=self.kind, expected=" / ".join(EVENT_KINDS))
        if not (math.isfinite(self.time) and self.time >= 0):
            raise InputError("event time must be finite and >= 0", element="event",
                             field="time", value=self.time)
        needs = {"setpoint": "Pa", "power": "W", "pressure": "Pa", "flow": "kg/s"}
        if self.kind in needs and not isinstance(self.value, int | float):
            raise InputError("this event needs a numeric value", element=f"event {self.kind}",
                             field="value", value=self.value,
                             expected=f"a value in {needs[self.kind]}")

    def describe(self) -> str:
        """The event in words (for logs and reports)."""
        v = "" if self.value is None else f" = {self.value:g}" if isinstance(
            self.value, float | int) else f" ({self.value})"
        return f"t = {self.time / 3600:.2f} h: {self.kind} {self.target}{v}"


@dataclass(frozen=True)
class EventFile:
    """Contents of an events file: events, boundary overrides and run settings."""

    title: str = ""
    events: tuple[Event, ...] = ()
    boundary: Mapping[str, Boundary] = field(default_factory=dict)
    duration: float | None = None
    dt: float | None = None
    throughput: str | None = None
    month: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    watch: tuple[str, ...] = ()
    survival: Mapping[str, Any] | None = None


#: Built-in cases (TOML files in ``trunkline/scenarios``) for Power of Siberia 2.
BUILTIN_CASES: Final = {
    "winter_swing": "pos2_events_winter_swing.toml",
    "station_trip": "pos2_events_station_trip.toml",
    "supply_outage": "pos2_events_supply_outage.toml",
}

_QUANTITY_KINDS: Final = {"setpoint": "Pa", "power": "W", "pressure": "Pa", "flow": "kg/s"}


def _value(kind: str, raw: Any, where: str) -> float | str | None:
    if raw is None or raw == "":
        return None
    unit = _QUANTITY_KINDS.get(kind)
    if unit is None:
        return str(raw)
    return parse_quantity(raw if isinstance(raw, str) else float(raw), unit, field="value",
                          element=where)


def _events_from_rows(rows: Iterable[Mapping[str, Any]], origin: str) -> list[Event]:
    out: list[Event] = []
    for k, row in enumerate(rows):
        where = f"{origin} event {k + 1}"
        missing = [c for c in ("time", "kind", "target") if row.get(c) in (None, "")]
        if missing:
            raise InputError("event without " + ", ".join(missing), element=where,
                             field=missing[0], expected="time, kind and target")
        kind = str(row["kind"]).strip()
        out.append(Event(_seconds(row["time"], "time", where), kind, str(row["target"]).strip(),
                         _value(kind, row.get("value"), where)))
    return sorted(out, key=lambda e: e.time)


def _number(value: Any, unit: str, field: str, where: str) -> float:
    if unit == "":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InputError("not a number", element=where, field=field, value=value,
                             expected="a factor (relative = true)") from None
    return parse_quantity(value, unit, field=field, element=where)


def _profile_from_spec(spec: Mapping[str, Any], unit: str, where: str,
                       base: Path | None) -> Profile:
    kind = spec.get("interpolation", "linear")
    if "csv" in spec:
        path = Path(str(spec["csv"]))
        if base is not None and not path.is_absolute():
            path = base / path
        return Profile.from_csv(path, spec.get("column"), time_unit=spec.get("time_unit", "s"),
                                scale=float(spec.get("scale", 1.0)), kind=kind)
    if "shape" in spec:
        shape = spec["shape"]
        factors = WINTER_DAY if shape == "winter" else tuple(float(x) for x in shape)
        mean = _number(spec.get("mean", 1.0), unit, "mean", where)
        return Profile.daily(mean, factors, float(spec.get("amplitude", 1.0)), kind)
    if "value" in spec:
        return Profile.constant(_number(spec["value"], unit, "value", where))
    times = [_seconds(t, "times", where) for t in spec.get("times", [])]
    values = [_number(v, unit, "values", where) for v in spec.get("values", [])]
    return Profile(tuple(times), tuple(values), kind)


def load_events(path_or_name: str | Path) -> EventFile:
    """Read an events file: a built-in case name, a TOML file or a CSV file.

    CSV: one event per row with the columns ``time`` (seconds, or a quantity such
    as "6 h"), ``kind``, ``target`` and ``value`` (optional; a quantity such as
    "9.0 MPa" or a number in SI).

    TOML::

        title = "Trip of CS-15"
        duration = "48 h"            # optional run settings
        dt = "15 min"
        [[events]]
        time = "6 h"
        kind = "trip"
        target = "CS-15"
        [boundary.delivery]          # a node's boundary: pressure or flow (injection)
        kind = "flow"
        shape = "winter"             # a daily shape, or times/values, value, csv
        mean = "-1080 kg/s"          # (relative = true: factors of the model's value)
        amplitude = 0.5
        interpolation = "linear"     # or "step"
        [options]                    # TransientOptions fields
        dx = 1000.0
        [survival]                   # survival time to report
        node = "delivery"
        pressure = "6.0 MPa"

    Raises:
        InputError: unreadable file, unknown keys or event kinds, bad quantities.
    """
    key = str(path_or_name)
    if key in BUILTIN_CASES:
        text = resources.files("trunkline.scenarios").joinpath(BUILTIN_CASES[key]) \
            .read_text("utf-8")
        return _event_file(tomllib.loads(text), key, None)
    path = Path(path_or_name)
    if not path.is_file():
        raise InputError("no such events file", element="events", field="path", value=key,
                         expected="a .toml or .csv file or one of "
                         + ", ".join(BUILTIN_CASES))
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return EventFile(title=path.stem,
                             events=tuple(_events_from_rows(csv.DictReader(fh), path.name)))
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", element=str(path)) from None
    return _event_file(data, path.name, path.parent)


_TOP_KEYS: Final = {"title", "events", "boundary", "duration", "dt", "throughput", "month",
                    "options", "watch", "survival"}


def _event_file(data: dict[str, Any], origin: str, base: Path | None) -> EventFile:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError("unknown key in events file", element=origin, field=sorted(unknown)[0],
                         expected="one of " + ", ".join(sorted(_TOP_KEYS)))
    events = _events_from_rows(data.get("events", []), origin)
    boundary: dict[str, Boundary] = {}
    for node, spec in data.get("boundary", {}).items():
        where = f"{origin} boundary {node}"
        kind = spec.get("kind")
        if kind not in ("pressure", "flow"):
            raise InputError("boundary kind must be 'pressure' or 'flow'", element=where,
                             field="kind", value=kind)
        rel = bool(spec.get("relative", False))
        unit = "" if rel else "Pa" if kind == "pressure" else "kg/s"
        boundary[node] = Boundary(kind, _profile_from_spec(spec, unit, where, base), rel)
    surv = data.get("survival")
    return EventFile(
        title=str(data.get("title", origin)),
        events=tuple(events),
        boundary=boundary,
        duration=_seconds(data["duration"], "duration", origin) if "duration" in data else None,
        dt=_seconds(data["dt"], "dt", origin) if "dt" in data else None,
        throughput=str(data["throughput"]) if "throughput" in data else None,
        month=int(data["month"]) if "month" in data else None,
        options=dict(data.get("options", {})),
        watch=tuple(str(w) for w in data.get("watch", [])),
        survival=dict(surv) if surv is not None else None,
    )
