"""Scenario files (TOML): schema, validation and loading into a :class:`Trunkline`.

Every quantity in a scenario file is a string with its unit ("9.8 MPa",
"1420 mm", "-2 degC"); a gas volume names its reference condition
("50 bcm/yr @ RU"). The schema is declared with pydantic and checked once, here;
any error is raised as :class:`~trunkline.errors.ScenarioError` naming the
section, the field and the bad value.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pyproj import Geod

from trunkline.errors import InputError, ScenarioError, UnitError
from trunkline.gas import Gas, normalise_composition
from trunkline.gas.eos import EOS_NAMES
from trunkline.model.line import PipeSection, Station, StationTemplate, Trunkline, Waypoint
from trunkline.model.network_file import NetworkScenario
from trunkline.model.schema import Qty, ScenarioMeta, StrictModel
from trunkline.units import RU, StandardVolumeFlow, parse_quantity, parse_standard_volume_flow

__all__ = ["BUILTIN_SCENARIOS", "ScenarioFile", "load_line", "load_scenario",
           "scenario_from_dict"]

#: Names of the scenarios shipped with trunkline.
BUILTIN_SCENARIOS = ("power_of_siberia_2", "osiadacz_1988")
_ALIASES = {"pos2": "power_of_siberia_2", "power-of-siberia-2": "power_of_siberia_2"}




class GasSpec(StrictModel):
    eos: str = "gerg2008"
    composition: dict[str, float]

    @field_validator("eos")
    @classmethod
    def _eos(cls, v: str) -> str:
        if v not in EOS_NAMES:
            raise ValueError(f"must be one of {EOS_NAMES}")
        return v


class Operation(StrictModel):
    throughput: str
    throughput_basis: Literal["delivery", "entry"] = "delivery"
    entry_pressure: Qty
    entry_temperature: Qty
    min_delivery_pressure: Qty
    month: int | Literal["mean"] = "mean"

    @field_validator("month")
    @classmethod
    def _month(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 1 <= v <= 12:
            raise ValueError("must be 1-12 or 'mean'")
        return v


class WaypointSpec(StrictModel):
    name: str
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    elevation: Qty = 0.0
    source: str = ""


class SectionSpec(StrictModel):
    name: str
    from_: str = Field(alias="from")
    to: str
    length: Qty | None = None
    tortuosity: Annotated[float, Field(ge=1.0, le=3.0)] | None = None
    outside_diameter: Qty
    wall_thickness: Qty
    roughness: Qty
    burial_depth: Qty = 1.0
    ground_temperature: list[Qty] | Qty
    heat_transfer_coefficient: Qty | None = None
    soil_conductivity: Qty | None = None
    maop: Qty
    friction_law: str = "colebrook"


class RouteSpec(StrictModel):
    waypoints: list[WaypointSpec] = Field(min_length=2)
    sections: list[SectionSpec] = Field(min_length=1)


class StationListItem(StrictModel):
    name: str
    chainage: Qty
    units: Annotated[int, Field(ge=1)]


class StationsSpec(StrictModel):
    placement: Literal["auto", "fixed"] = "auto"
    unit_power: Qty
    spare_units: Annotated[int, Field(ge=0)] = 1
    polytropic_efficiency: Annotated[float, Field(gt=0, le=1)]
    mechanical_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.99
    driver_efficiency: Annotated[float, Field(gt=0, lt=1)]
    aftercooler_temperature: Qty
    discharge_pressure: Qty | None = None
    min_suction_pressure: Qty
    min_spacing: Qty = "40 km"
    max_units: Annotated[int, Field(ge=1)] = 6
    items: list[StationListItem] = Field(default_factory=list, alias="list")


class ScenarioFile(StrictModel):
    """Schema of a trunkline scenario file (see the built-in PoS2 file for an example)."""

    scenario: ScenarioMeta
    gas: GasSpec
    operation: Operation
    route: RouteSpec
    stations: StationsSpec


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _validate(data: dict[str, Any], origin: str) -> ScenarioFile:
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(
            err["msg"], element=origin, field=_loc(err["loc"]),
            value=err.get("input") if err["type"] != "missing" else None,
            expected=(f"a key of the scenario schema ({len(exc.errors())} error(s) in all)"
                      if err["type"] == "extra_forbidden"
                      else f"a valid value ({len(exc.errors())} error(s) in all)"),
        ) from None


def _q(value: Qty, unit: str, element: str, field: str) -> float:
    return parse_quantity(value, unit, element=element, field=field)


def _positive(value: float, element: str, field: str, raw: Qty) -> float:
    if not value > 0:
        raise ScenarioError("must be positive", element=element, field=field, value=raw,
                            expected="a value > 0")
    return value


def scenario_from_dict(data: dict[str, Any], origin: str = "<scenario>") -> Trunkline:
    """Validate a scenario mapping (as read from TOML) and build the :class:`Trunkline`."""
    spec = _validate(data, origin)
    try:
        return _build(spec)
    except ScenarioError:
        raise
    except InputError as exc:  # unit and composition errors: re-raise as scenario errors
        err = ScenarioError(str(exc))
        err.element, err.field, err.value, err.expected = (
            exc.element, exc.field, exc.value, exc.expected)
        raise err from None


def _build(spec: ScenarioFile) -> Trunkline:
    composition = normalise_composition(spec.gas.composition)
    waypoints: list[Waypoint] = []
    names: dict[str, int] = {}
    for i, w in enumerate(spec.route.waypoints):
        el = f"route.waypoints[{i}]"
        if w.name in names:
            raise ScenarioError("waypoint name used twice", element=el, field="name",
                                value=w.name, expected="unique waypoint names")
        names[w.name] = i
        waypoints.append(Waypoint(w.name, w.lat, w.lon,
                                  _q(w.elevation, "m", el, "elevation"), w.source))
    geod = Geod(ellps="WGS84")
    sections: list[PipeSection] = []
    expected_start = 0
    for k, s in enumerate(spec.route.sections):
        el = f"route.sections[{k}] ({s.name})"
        for field, wp in (("from", s.from_), ("to", s.to)):
            if wp not in names:
                raise ScenarioError("unknown waypoint", element=el, field=field, value=wp,
                                    expected="one of the route.waypoints names")
        a, b = names[s.from_], names[s.to]
        if a != expected_start or b <= a:
            raise ScenarioError(
                "sections must follow the waypoints in order without gaps", element=el,
                field="from", value=s.from_,
                expected=f"from '{waypoints[expected_start].name}' to a later waypoint")
        expected_start = b
        geodesic = 0.0
        for i in range(a, b):
            _, _, d = geod.inv(waypoints[i].lon, waypoints[i].lat,
                               waypoints[i + 1].lon, waypoints[i + 1].lat)
            geodesic += d
        if geodesic <= 0:
            raise ScenarioError("section has zero length", element=el, field="to", value=s.to,
                                expected="waypoints at distinct places")
        if s.length is not None and s.tortuosity is not None:
            raise ScenarioError("give length or tortuosity, not both", element=el,
                                field="length", value=s.length)
        if s.length is not None:
            length = _positive(_q(s.length, "m", el, "length"), el, "length", s.length)
            if length < geodesic * 0.999:
                raise ScenarioError(
                    f"shorter than the geodesic distance of its waypoints ({geodesic/1e3:.1f} km)",
                    element=el, field="length", value=s.length,
                    expected=f">= {geodesic/1e3:.1f} km")
        else:
            length = geodesic * (s.tortuosity or 1.0)
        od = _positive(_q(s.outside_diameter, "m", el, "outside_diameter"), el,
                       "outside_diameter", s.outside_diameter)
        wt = _positive(_q(s.wall_thickness, "m", el, "wall_thickness"), el,
                       "wall_thickness", s.wall_thickness)
        if wt >= od / 2:
            raise ScenarioError("wall thicker than the pipe radius", element=el,
                                field="wall_thickness", value=s.wall_thickness,
                                expected=f"< {od / 2 * 1e3:.1f} mm (half the outside diameter)")
        rough = _q(s.roughness, "m", el, "roughness")
        if not 0 <= rough < (od - 2 * wt) / 10:
            raise ScenarioError("roughness out of range", element=el, field="roughness",
                                value=s.roughness, expected=">= 0 and well below the bore")
        gt_raw = s.ground_temperature if isinstance(s.ground_temperature, list) \
            else [s.ground_temperature] * 12
        if len(gt_raw) != 12:
            raise ScenarioError("need 12 monthly values (Jan..Dec) or one value", element=el,
                                field="ground_temperature", value=len(gt_raw))
        ground = tuple(_q(v, "K", el, "ground_temperature") for v in gt_raw)
        if (s.heat_transfer_coefficient is None) == (s.soil_conductivity is None):
            raise ScenarioError(
                "give exactly one of heat_transfer_coefficient and soil_conductivity",
                element=el, field="heat_transfer_coefficient",
                value=s.heat_transfer_coefficient,
                expected="e.g. heat_transfer_coefficient = \"1.5 W/(m**2*K)\" or "
                         "soil_conductivity = \"1.6 W/(m*K)\"")
        u_value = None if s.heat_transfer_coefficient is None else _q(
            s.heat_transfer_coefficient, "W/(m**2*K)", el, "heat_transfer_coefficient")
        k_soil = None if s.soil_conductivity is None else _positive(
            _q(s.soil_conductivity, "W/(m*K)", el, "soil_conductivity"), el,
            "soil_conductivity", s.soil_conductivity)
        sections.append(PipeSection(
            name=s.name, start=a, end=b, length=length, geodesic_length=geodesic,
            outside_diameter=od, wall_thickness=wt, roughness=rough,
            burial_depth=_q(s.burial_depth, "m", el, "burial_depth"),
            ground_temperature=ground,
            heat_transfer_coefficient=u_value,
            maop=_positive(_q(s.maop, "Pa", el, "maop"), el, "maop", s.maop),
            friction_law=s.friction_law,
            soil_conductivity=k_soil,
        ))
    if expected_start != len(waypoints) - 1:
        raise ScenarioError("sections must cover the route to its last waypoint",
                            element="route.sections", field="to",
                            value=waypoints[expected_start].name,
                            expected=f"a last section ending at '{waypoints[-1].name}'")
    st = spec.stations
    el = "stations"
    design = StationTemplate(
        unit_power=_positive(_q(st.unit_power, "W", el, "unit_power"), el, "unit_power",
                             st.unit_power),
        spare_units=st.spare_units,
        polytropic_efficiency=st.polytropic_efficiency,
        mechanical_efficiency=st.mechanical_efficiency,
        driver_efficiency=st.driver_efficiency,
        aftercooler_temperature=_q(st.aftercooler_temperature, "K", el,
                                   "aftercooler_temperature"),
        discharge_pressure=None if st.discharge_pressure is None
        else _q(st.discharge_pressure, "Pa", el, "discharge_pressure"),
        min_suction_pressure=_q(st.min_suction_pressure, "Pa", el, "min_suction_pressure"),
        min_spacing=_q(st.min_spacing, "m", el, "min_spacing"),
        max_units=st.max_units,
    )
    total = sum(s.length for s in sections)
    stations: tuple[Station, ...] | None = None
    if st.placement == "fixed":
        if not st.items:
            raise ScenarioError("fixed placement needs a station list", element=el,
                                field="list", expected="[[stations.list]] entries")
        items = []
        for i, item in enumerate(st.items):
            ch = _q(item.chainage, "m", f"stations.list[{i}]", "chainage")
            if not 0 <= ch < total:
                raise ScenarioError("chainage outside the line", element=f"stations.list[{i}]",
                                    field="chainage", value=item.chainage,
                                    expected=f"0 <= chainage < {total / 1e3:.1f} km")
            items.append(Station(item.name, ch, item.units + design.spare_units, design))
        stations = tuple(sorted(items, key=lambda x: x.chainage))
    op = spec.operation
    el = "operation"
    throughput = _throughput(op.throughput, composition, spec.gas.eos)
    if not throughput.value > 0:
        raise ScenarioError("must be positive", element=el, field="throughput",
                            value=op.throughput)
    return Trunkline(
        name=spec.scenario.name,
        title=spec.scenario.title or spec.scenario.name,
        description=spec.scenario.description,
        composition=composition,
        eos=spec.gas.eos,
        waypoints=tuple(waypoints),
        sections=tuple(sections),
        station_design=design,
        stations=stations,
        entry_pressure=_positive(_q(op.entry_pressure, "Pa", el, "entry_pressure"), el,
                                 "entry_pressure", op.entry_pressure),
        entry_temperature=_q(op.entry_temperature, "K", el, "entry_temperature"),
        min_delivery_pressure=_q(op.min_delivery_pressure, "Pa", el, "min_delivery_pressure"),
        throughput=throughput,
        throughput_basis=op.throughput_basis,
        month=None if op.month == "mean" else int(op.month),
    )


def _throughput(text: str, composition: dict[str, float], eos: str) -> StandardVolumeFlow:
    """A standard volume flow with its reference, or a mass flow ("1100 kg/s") turned into
    the equivalent flow at RU with the gas' real-gas standard density."""
    try:
        mass = parse_quantity(text, "kg/s", element="operation", field="throughput")
    except UnitError:
        return parse_standard_volume_flow(text, element="operation", field="throughput")
    return StandardVolumeFlow(mass / Gas(composition, eos).standard_density(RU), RU)


def load_scenario(name_or_path: str | Path = "power_of_siberia_2"
                  ) -> Trunkline | NetworkScenario:
    """Load a built-in scenario by name ("power_of_siberia_2", alias "pos2") or a TOML file.

    A file with a ``[network]`` table is a network scenario and gives a
    :class:`~trunkline.model.network_file.NetworkScenario`; otherwise a
    :class:`Trunkline`. Use :func:`load_line` where only a trunkline will do.

    Raises:
        ScenarioError: unknown name, unreadable file, invalid TOML or any invalid
            field (the message names the section, the field and the value).
    """
    text: str
    origin = str(name_or_path)
    key = _ALIASES.get(str(name_or_path).lower(), str(name_or_path))
    if key in BUILTIN_SCENARIOS:
        text = resources.files("trunkline.scenarios").joinpath(f"{key}.toml").read_text("utf-8")
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError("no such scenario", element="scenario", field="name",
                                value=origin,
                                expected=f"a TOML file or one of {', '.join(BUILTIN_SCENARIOS)}")
        text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid TOML: {exc}", element=origin) from None
    if "network" in data:
        from trunkline.model.network_file import network_from_dict

        return network_from_dict(data, origin)
    return scenario_from_dict(data, origin)


def load_line(name_or_path: str | Path = "power_of_siberia_2") -> Trunkline:
    """Load a trunkline scenario (raises :class:`ScenarioError` for a network scenario)."""
    loaded = load_scenario(name_or_path)
    if not isinstance(loaded, Trunkline):
        raise ScenarioError("this is a network scenario, not a trunkline", element="scenario",
                            field="name", value=str(name_or_path),
                            expected="a trunkline scenario (use solve_steady for networks)")
    return loaded
