"""The trunkline data model: plain, immutable, SI.

A :class:`Trunkline` is a route of waypoints split into route sections (each
with its pipe), compressor stations at chainages (or a template from which the
hydraulics place them), boundary conditions and a gas. It holds data only;
solvers in :mod:`trunkline.solve` read it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

from trunkline.gas import Gas
from trunkline.units import ReferenceCondition, StandardVolumeFlow

__all__ = [
    "GRAVITY",
    "PipeSection",
    "Station",
    "StationTemplate",
    "Trunkline",
    "Waypoint",
]

#: Standard acceleration of gravity [m/s²] (CGPM 1901, exact).
GRAVITY: Final = 9.80665

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point of the route: name, latitude/longitude [deg], elevation [m]."""

    name: str
    lat: float
    lon: float
    elevation: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class PipeSection:
    """A route section between two waypoints with one pipe design.

    Attributes:
        name: section name (e.g. "Russia").
        start, end: indices of the first and last waypoint of the section.
        length: pipeline length [m] (geodesic length × tortuosity).
        geodesic_length: sum of WGS-84 geodesic distances between its waypoints [m].
        outside_diameter, wall_thickness, roughness: [m].
        burial_depth: depth of cover to the pipe top [m].
        ground_temperature: 12 monthly ground temperatures at pipe depth [K], Jan..Dec.
        heat_transfer_coefficient: overall pipe-to-ground U [W/(m²·K)], on the outside
            area; None → computed by the solver from ``soil_conductivity`` and the
            burial depth (conduction shape factor of a buried cylinder).
        maop: maximum allowable operating pressure [Pa].
        soil_conductivity: soil thermal conductivity [W/(m·K)] (used when U is None).
    """

    name: str
    start: int
    end: int
    length: float
    geodesic_length: float
    outside_diameter: float
    wall_thickness: float
    roughness: float
    burial_depth: float
    ground_temperature: tuple[float, ...]
    heat_transfer_coefficient: float | None
    maop: float
    friction_law: str = "colebrook"
    soil_conductivity: float | None = None

    @property
    def inner_diameter(self) -> float:
        """Inner diameter D_o − 2·t [m]."""
        return self.outside_diameter - 2.0 * self.wall_thickness

    @property
    def area(self) -> float:
        """Flow area π·D_i²/4 [m²]."""
        return float(np.pi * self.inner_diameter**2 / 4.0)

    @property
    def tortuosity(self) -> float:
        """Pipeline length / geodesic length [-]."""
        return self.length / self.geodesic_length

    def ground_temperature_at(self, month: int | None) -> float:
        """Ground temperature [K] in ``month`` (1-12) or the annual mean (None)."""
        if month is None:
            return float(np.mean(self.ground_temperature))
        return self.ground_temperature[month - 1]


@dataclass(frozen=True, slots=True)
class StationTemplate:
    """Design of one compressor station: units, efficiencies, set-points.

    Attributes:
        unit_power: ISO shaft power of one unit [W].
        spare_units: stand-by units installed beyond those needed at design flow.
        polytropic_efficiency: compressor polytropic efficiency [-].
        mechanical_efficiency: shaft/gearbox efficiency from driver to gas [-].
        driver_efficiency: gas-turbine thermal efficiency (shaft power / fuel NCV) [-].
        aftercooler_temperature: gas is cooled to this outlet temperature [K]
            when discharged hotter (air coolers); never heated.
        discharge_pressure: discharge set-point [Pa]; None → the section's MAOP.
        min_suction_pressure: lowest allowed suction pressure [Pa]; the station
            placement puts a station where the line falls to it.
        min_spacing: closest allowed spacing of two stations [m] (placement fails below).
        max_units: largest number of running units in one station.
    """

    unit_power: float
    spare_units: int
    polytropic_efficiency: float
    mechanical_efficiency: float
    driver_efficiency: float
    aftercooler_temperature: float
    discharge_pressure: float | None
    min_suction_pressure: float
    min_spacing: float
    max_units: int


@dataclass(frozen=True, slots=True)
class Station:
    """A compressor station at a chainage with its installed units."""

    name: str
    chainage: float
    units_installed: int
    design: StationTemplate

    @property
    def units_available(self) -> int:
        """Units that may run (installed less the spares kept in reserve)."""
        return max(self.units_installed - self.design.spare_units, 0)

    @property
    def power_available(self) -> float:
        """Shaft power of the units that may run [W]."""
        return self.units_available * self.design.unit_power


@dataclass(frozen=True)
class Trunkline:
    """A long-distance pipeline with compressor stations.

    ``stations`` is None when the layout is to be placed by the hydraulics
    (:func:`trunkline.solve.place_stations`) at the design ``throughput``.
    ``throughput_basis`` says where the throughput is measured: ``"delivery"``
    (at the exit, as a sales contract counts it; the entry flow then includes
    the stations' fuel) or ``"entry"``.
    """

    name: str
    title: str
    composition: dict[str, float]
    eos: str
    waypoints: tuple[Waypoint, ...]
    sections: tuple[PipeSection, ...]
    station_design: StationTemplate
    stations: tuple[Station, ...] | None
    entry_pressure: float
    entry_temperature: float
    min_delivery_pressure: float
    throughput: StandardVolumeFlow
    throughput_basis: str = "delivery"
    month: int | None = None
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, str] = field(default_factory=dict)

    @cached_property
    def gas(self) -> Gas:
        """The line's gas (built once per model)."""
        return Gas(self.composition, self.eos)

    @property
    def reference(self) -> ReferenceCondition:
        """Reference condition of the contract throughput."""
        return self.throughput.reference

    @property
    def length(self) -> float:
        """Total pipeline length [m]."""
        return float(sum(s.length for s in self.sections))

    @cached_property
    def waypoint_chainage(self) -> FloatArray:
        """Chainage [m] of every waypoint along the pipeline (tortuosity applied)."""
        from pyproj import Geod

        geod = Geod(ellps="WGS84")
        ch = np.zeros(len(self.waypoints))
        for sec in self.sections:
            for i in range(sec.start, sec.end):
                a, b = self.waypoints[i], self.waypoints[i + 1]
                _, _, d = geod.inv(a.lon, a.lat, b.lon, b.lat)
                ch[i + 1] = ch[i] + d * sec.tortuosity
        return ch

    @property
    def waypoint_elevation(self) -> FloatArray:
        return np.array([w.elevation for w in self.waypoints])

    def elevation_at(self, chainage: npt.ArrayLike) -> FloatArray:
        """Elevation [m] at chainage, linear between waypoints."""
        x = np.asarray(chainage, dtype=float)
        return np.asarray(np.interp(x, self.waypoint_chainage, self.waypoint_elevation))

    def section_bounds(self) -> list[tuple[float, float, PipeSection]]:
        """(start chainage, end chainage, section) for each section."""
        ch = self.waypoint_chainage
        return [(float(ch[s.start]), float(ch[s.end]), s) for s in self.sections]

    def section_at(self, chainage: float) -> PipeSection:
        """The pipe section containing ``chainage`` (the later one at a boundary)."""
        for a, b, sec in self.section_bounds():
            if a <= chainage < b:
                return sec
        return self.sections[-1]

    def mass_flow(self, throughput: StandardVolumeFlow | None = None) -> float:
        """Entry mass flow [kg/s] of a standard volume flow (default: the model's throughput)."""
        q = throughput or self.throughput
        return q.value * self.gas.standard_density(q.reference)

    def with_stations(self, stations: tuple[Station, ...]) -> Trunkline:
        """A copy with a fixed station layout."""
        return replace(self, stations=stations)

    def with_throughput(self, throughput: StandardVolumeFlow) -> Trunkline:
        """A copy with another contract throughput."""
        return replace(self, throughput=throughput)
