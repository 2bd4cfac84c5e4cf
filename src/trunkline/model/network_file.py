"""Network scenario files (TOML): a gas and a network of nodes and elements.

Same conventions as trunkline scenarios: every quantity is a string with its
unit, validated once by a pydantic schema, errors naming the table, the field
and the bad value. Layout::

    [scenario]
    name = "three nodes"
    [gas]
    eos = "gerg2008"
    composition = { methane = 0.95, ethane = 0.05 }
    [network]
    reference = "normal"            # reference condition of standard volume flows
    temperature = "10 degC"         # isothermal gas temperature
    [[network.nodes]]
    id = "A"
    pressure = "60 bar"             # pressure-fixed (slack)
    [[network.nodes]]
    id = "B"
    demand = "100000 m**3/h @ normal"   # or "25 kg/s"; supply = "..." for entries
    p_min = "40 bar"
    [[network.pipes]]
    id = "AB"
    from = "A"
    to = "B"
    length = "50 km"
    diameter = "600 mm"
    roughness = "0.02 mm"
    [[network.compressors]]
    id = "CS1"; from = "B"; to = "C"; ratio = 1.4      # or discharge_pressure = "70 bar"

Optional fields, each with the default of the builder method of the same name
(:meth:`Network.add_node`, :meth:`Network.add_pipe` …): nodes ``flow_min``/``flow_max``
(mass or standard volume flows), ``gas_temperature``, ``x``, ``y``; every element
``flow_min``/``flow_max``; pipes ``flow_law``, ``efficiency``, ``k``, ``n``,
``p_max``, ``heat_transfer_coefficient`` ("2.5 W/(m**2*K)"), ``ground_temperature``;
control valves ``p_in_min``, ``p_out_max``, ``dp_min``, ``dp_max``,
``pressure_loss_in``, ``pressure_loss_out``; compressors ``mechanical_efficiency``,
``max_ratio``, ``p_in_min``, ``p_out_max``, ``pressure_loss_in``,
``pressure_loss_out``, ``aftercooler_temperature``, and those shown.

:func:`write_network_scenario` writes any :class:`Network` in this form (SI values,
read back bit for bit), e.g. the settings a nomination check decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, Final, Literal

import tomli_w
from pydantic import Field, ValidationError

from trunkline.errors import InputError, ScenarioError, UnitError
from trunkline.gas import Gas, normalise_composition
from trunkline.io import atomic_write
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
from trunkline.model.schema import Qty, ScenarioMeta, StrictModel
from trunkline.units import parse_quantity, parse_standard_volume_flow

__all__ = ["NetworkScenario", "network_from_dict", "network_to_dict", "write_network_scenario"]

#: The SI unit of a pipe's heat-transfer coefficient in the files.
_HTC: Final = "W/(m**2*K)"
_INF: Final = math.inf




class _GasSpec(StrictModel):
    eos: Literal["gerg2008", "detail"] = "gerg2008"
    composition: dict[str, float]


class _NodeSpec(StrictModel):
    id: str
    kind: Literal["entry", "exit", "junction"] = "junction"
    height: Qty = 0.0
    p_min: Qty | None = None
    p_max: Qty | None = None
    flow_min: str | None = None
    flow_max: str | None = None
    pressure: Qty | None = None
    supply: str | None = None
    demand: str | None = None
    temperature: Qty | None = None
    gas_temperature: Qty | None = None
    x: float = 0.0
    y: float = 0.0


class _EdgeBase(StrictModel):
    id: str
    from_: str = Field(alias="from")
    to: str
    flow_min: str | None = None
    flow_max: str | None = None


class _PipeSpec(_EdgeBase):
    length: Qty
    diameter: Qty
    roughness: Qty = "0.01 mm"
    flow_law: str = "colebrook"
    efficiency: float = 1.0
    k: float | None = None
    n: float | None = None
    p_max: Qty | None = None
    heat_transfer_coefficient: Qty | None = None
    ground_temperature: Qty | None = None


class _ResistorSpec(_EdgeBase):
    drag_factor: Annotated[float, Field(gt=0)]
    diameter: Qty


class _ValveSpec(_EdgeBase):
    open: bool = True


class _ControlValveSpec(_EdgeBase):
    mode: Literal["active", "bypass", "closed"] = "active"
    setpoint: Qty | None = None
    p_in_min: Qty | None = None
    p_out_max: Qty | None = None
    dp_min: Qty | None = None
    dp_max: Qty | None = None
    pressure_loss_in: Qty | None = None
    pressure_loss_out: Qty | None = None


class _CompressorSpec(_EdgeBase):
    mode: Literal["active", "bypass", "closed"] = "active"
    ratio: float | None = None
    discharge_pressure: Qty | None = None
    suction_pressure: Qty | None = None
    polytropic_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.82
    mechanical_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.99
    driver_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.35
    max_power: Qty | None = None
    max_ratio: Annotated[float, Field(ge=1)] | None = None
    fuel_from_line: bool = False
    p_in_min: Qty | None = None
    p_out_max: Qty | None = None
    pressure_loss_in: Qty | None = None
    pressure_loss_out: Qty | None = None
    aftercooler_temperature: Qty | None = None


class _NetworkSpec(StrictModel):
    reference: str = "normal"
    temperature: Qty = "15 degC"
    nodes: list[_NodeSpec] = Field(min_length=2)
    pipes: list[_PipeSpec] = Field(default_factory=list)
    short_pipes: list[_EdgeBase] = Field(default_factory=list)
    resistors: list[_ResistorSpec] = Field(default_factory=list)
    valves: list[_ValveSpec] = Field(default_factory=list)
    control_valves: list[_ControlValveSpec] = Field(default_factory=list)
    compressors: list[_CompressorSpec] = Field(default_factory=list)


class NetworkFile(StrictModel):
    """Schema of a network scenario file."""

    scenario: ScenarioMeta
    gas: _GasSpec
    network: _NetworkSpec


@dataclass(frozen=True)
class NetworkScenario:
    """A network with its gas and isothermal temperature, as loaded from a file."""

    name: str
    title: str
    network: Network
    gas: Gas
    temperature: float


def _flow(text: str, gas: Gas, el: str, field: str) -> float:
    """A mass flow ("25 kg/s") or a standard volume flow with reference → kg/s."""
    try:
        return parse_quantity(text, "kg/s", element=el, field=field)
    except UnitError:
        return gas.mass_of(parse_standard_volume_flow(text, element=el, field=field))


def network_from_dict(data: dict[str, Any], origin: str = "<network>") -> NetworkScenario:
    """Validate a network scenario mapping (as read from TOML) and build it."""
    try:
        spec = NetworkFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(err["msg"], element=origin,
                            field=".".join(str(p) for p in err["loc"]),
                            value=err.get("input") if err["type"] != "missing" else None,
                            expected=f"a valid value ({len(exc.errors())} error(s) in all)"
                            ) from None
    try:
        return _build(spec)
    except ScenarioError:
        raise
    except InputError as exc:
        err2 = ScenarioError(str(exc))
        err2.element, err2.field, err2.value, err2.expected = (
            exc.element, exc.field, exc.value, exc.expected)
        raise err2 from None


def _opt(value: Qty | None, unit: str, el: str, field: str, default: float) -> float:
    return default if value is None else parse_quantity(value, unit, element=el, field=field)


def _build(spec: NetworkFile) -> NetworkScenario:
    gas = Gas(normalise_composition(spec.gas.composition), spec.gas.eos)
    ns = spec.network
    net = Network(spec.scenario.name, reference=ns.reference)
    inf = float("inf")
    t_net = parse_quantity(ns.temperature, "K", element="network", field="temperature")
    for i, n in enumerate(ns.nodes):
        el = f"network.nodes[{i}] ({n.id})"
        net.add_node(n.id, kind=n.kind, height=_opt(n.height, "m", el, "height", 0.0),
                     p_min=_opt(n.p_min, "Pa", el, "p_min", 0.0),
                     p_max=_opt(n.p_max, "Pa", el, "p_max", inf),
                     flow_min=-inf if n.flow_min is None else _flow(n.flow_min, gas, el,
                                                                    "flow_min"),
                     flow_max=inf if n.flow_max is None else _flow(n.flow_max, gas, el,
                                                                   "flow_max"),
                     temperature=None if n.gas_temperature is None else parse_quantity(
                         n.gas_temperature, "K", element=el, field="gas_temperature"),
                     x=n.x, y=n.y)
        if n.pressure is not None:
            net.set_pressure(n.id, parse_quantity(n.pressure, "Pa", element=el, field="pressure"))
        if n.supply is not None and n.demand is not None:
            raise ScenarioError("give supply or demand, not both", element=el, field="demand",
                                value=n.demand)
        if n.supply is not None:
            net.set_flow(n.id, _flow(n.supply, gas, el, "supply"))
        if n.demand is not None:
            net.set_demand(n.id, _flow(n.demand, gas, el, "demand"))
        if n.temperature is not None:
            net.set_temperature(n.id, parse_quantity(n.temperature, "K", element=el,
                                                     field="temperature"))

    def bounds(e: _EdgeBase, el: str) -> dict[str, float]:
        return {"flow_min": -inf if e.flow_min is None else _flow(e.flow_min, gas, el,
                                                                   "flow_min"),
                "flow_max": inf if e.flow_max is None else _flow(e.flow_max, gas, el,
                                                                  "flow_max")}

    for i, p in enumerate(ns.pipes):
        el = f"network.pipes[{i}] ({p.id})"
        net.add_pipe(p.id, p.from_, p.to, parse_quantity(p.length, "m", element=el,
                                                         field="length"),
                     parse_quantity(p.diameter, "m", element=el, field="diameter"),
                     parse_quantity(p.roughness, "m", element=el, field="roughness"),
                     p.flow_law, efficiency=p.efficiency, k=p.k, n=p.n,
                     p_max=_opt(p.p_max, "Pa", el, "p_max", inf),
                     heat_transfer_coefficient=_opt(p.heat_transfer_coefficient, _HTC, el,
                                                    "heat_transfer_coefficient", 0.0),
                     ground_temperature=None if p.ground_temperature is None
                     else parse_quantity(p.ground_temperature, "K", element=el,
                                         field="ground_temperature"),
                     **bounds(p, el))
    for i, s in enumerate(ns.short_pipes):
        net.add_short_pipe(s.id, s.from_, s.to, **bounds(s, f"network.short_pipes[{i}]"))
    for i, r in enumerate(ns.resistors):
        el = f"network.resistors[{i}] ({r.id})"
        net.add_resistor(r.id, r.from_, r.to, r.drag_factor,
                         parse_quantity(r.diameter, "m", element=el, field="diameter"),
                         **bounds(r, el))
    for i, v in enumerate(ns.valves):
        net.add_valve(v.id, v.from_, v.to, v.open, **bounds(v, f"network.valves[{i}]"))
    for i, c in enumerate(ns.control_valves):
        el = f"network.control_valves[{i}] ({c.id})"
        net.add_control_valve(c.id, c.from_, c.to,
                              None if c.setpoint is None else parse_quantity(
                                  c.setpoint, "Pa", element=el, field="setpoint"),
                              c.mode, p_in_min=_opt(c.p_in_min, "Pa", el, "p_in_min", 0.0),
                              p_out_max=_opt(c.p_out_max, "Pa", el, "p_out_max", inf),
                              dp_min=_opt(c.dp_min, "Pa", el, "dp_min", 0.0),
                              dp_max=_opt(c.dp_max, "Pa", el, "dp_max", inf),
                              pressure_loss_in=_opt(c.pressure_loss_in, "Pa", el,
                                                    "pressure_loss_in", 0.0),
                              pressure_loss_out=_opt(c.pressure_loss_out, "Pa", el,
                                                     "pressure_loss_out", 0.0),
                              **bounds(c, el))
    for i, k in enumerate(ns.compressors):
        el = f"network.compressors[{i}] ({k.id})"
        net.add_compressor(
            k.id, k.from_, k.to, ratio=k.ratio, mode=k.mode,
            discharge_pressure=None if k.discharge_pressure is None else parse_quantity(
                k.discharge_pressure, "Pa", element=el, field="discharge_pressure"),
            suction_pressure=None if k.suction_pressure is None else parse_quantity(
                k.suction_pressure, "Pa", element=el, field="suction_pressure"),
            polytropic_efficiency=k.polytropic_efficiency,
            mechanical_efficiency=k.mechanical_efficiency,
            driver_efficiency=k.driver_efficiency,
            max_power=_opt(k.max_power, "W", el, "max_power", inf),
            max_ratio=inf if k.max_ratio is None else k.max_ratio,
            fuel_from_line=k.fuel_from_line,
            p_in_min=_opt(k.p_in_min, "Pa", el, "p_in_min", 0.0),
            p_out_max=_opt(k.p_out_max, "Pa", el, "p_out_max", inf),
            pressure_loss_in=_opt(k.pressure_loss_in, "Pa", el, "pressure_loss_in", 0.0),
            pressure_loss_out=_opt(k.pressure_loss_out, "Pa", el, "pressure_loss_out", 0.0),
            aftercooler_temperature=None if k.aftercooler_temperature is None
            else parse_quantity(k.aftercooler_temperature, "K", element=el,
                                field="aftercooler_temperature"),
            **bounds(k, el))
    return NetworkScenario(spec.scenario.name, spec.scenario.title or spec.scenario.name, net,
                           gas, t_net)


# -- writing -----------------------------------------------------------------------------
def _put(out: dict[str, Any], key: str, value: float | None, unit: str | None,
         default: float | None, element: str) -> None:
    """``out[key]`` = ``value`` as the files write it — the exact ``repr`` of the SI
    value with its unit (``unit`` None: a plain number) —, nothing if it is the loader's
    default. An infinite value other than the default has no written form: an error."""
    if value is None or value == default:
        return
    v = float(value)
    if not math.isfinite(v):
        raise InputError("value has no written form", element=element, field=key, value=v,
                         expected=f"a finite value, or the default ({default})")
    out[key] = v if unit is None else f"{v!r} {unit}"


def _edge_entry(e: Edge, el: str) -> dict[str, Any]:
    d: dict[str, Any] = {"id": e.id, "from": e.from_node, "to": e.to_node}
    _put(d, "flow_min", e.flow_min, "kg/s", -_INF, el)
    _put(d, "flow_max", e.flow_max, "kg/s", _INF, el)
    return d


def _pipe(e: Pipe, el: str, d: dict[str, Any]) -> None:
    d["length"], d["diameter"] = f"{e.length!r} m", f"{e.diameter!r} m"
    d["roughness"] = f"{e.roughness!r} m"
    if e.flow_law != "colebrook":
        d["flow_law"] = e.flow_law
    _put(d, "efficiency", e.efficiency, None, 1.0, el)
    _put(d, "k", e.k, None, None, el)
    _put(d, "n", e.n, None, None, el)
    _put(d, "p_max", e.p_max, "Pa", _INF, el)
    _put(d, "heat_transfer_coefficient", e.heat_transfer_coefficient, _HTC, 0.0, el)
    _put(d, "ground_temperature", e.ground_temperature, "K", None, el)


def _resistor(e: Resistor, el: str, d: dict[str, Any]) -> None:
    d["drag_factor"], d["diameter"] = e.drag_factor, f"{e.diameter!r} m"


def _valve(e: Valve, el: str, d: dict[str, Any]) -> None:
    d["open"] = e.open


def _control_valve(e: ControlValve, el: str, d: dict[str, Any]) -> None:
    d["mode"] = e.mode
    _put(d, "setpoint", e.setpoint, "Pa", None, el)
    for key, default in (("p_in_min", 0.0), ("p_out_max", _INF), ("dp_min", 0.0),
                         ("dp_max", _INF), ("pressure_loss_in", 0.0),
                         ("pressure_loss_out", 0.0)):
        _put(d, key, getattr(e, key), "Pa", default, el)


def _compressor(e: Compressor, el: str, d: dict[str, Any]) -> None:
    d["mode"] = e.mode
    _put(d, "ratio", e.ratio, None, None, el)
    _put(d, "discharge_pressure", e.discharge_pressure, "Pa", None, el)
    _put(d, "suction_pressure", e.suction_pressure, "Pa", None, el)
    _put(d, "polytropic_efficiency", e.polytropic_efficiency, None, 0.82, el)
    _put(d, "mechanical_efficiency", e.mechanical_efficiency, None, 0.99, el)
    _put(d, "driver_efficiency", e.driver_efficiency, None, 0.35, el)
    _put(d, "max_power", e.max_power, "W", _INF, el)
    _put(d, "max_ratio", e.max_ratio, None, _INF, el)
    if e.fuel_from_line:
        d["fuel_from_line"] = True
    for key, default in (("p_in_min", 0.0), ("p_out_max", _INF), ("pressure_loss_in", 0.0),
                         ("pressure_loss_out", 0.0)):
        _put(d, key, getattr(e, key), "Pa", default, el)
    _put(d, "aftercooler_temperature", e.aftercooler_temperature, "K", None, el)


#: Each element type's table in the files and what it adds to the common fields.
_EDGE_TABLES: Final[dict[type, tuple[str, Callable[[Any, str, dict[str, Any]], None] | None]]] = {
    Pipe: ("pipes", _pipe), ShortPipe: ("short_pipes", None),
    Resistor: ("resistors", _resistor), Valve: ("valves", _valve),
    ControlValve: ("control_valves", _control_valve), Compressor: ("compressors", _compressor),
}


def network_to_dict(scenario: NetworkScenario) -> dict[str, Any]:
    """The mapping of a network scenario file (TOML), :func:`network_from_dict`'s inverse.

    Every value is written in SI with its unit, as the exact ``repr`` of the float
    (``"6512345.678 Pa"``), so that reading the file back gives the same nodes, elements,
    fixed pressures, injections and temperatures bit for bit; a field at its default is
    left out. Elements are grouped by type (pipes, short pipes, resistors, valves,
    control valves, compressors), each group in the network's order. Flows are written
    as mass flows [kg/s] (the reference condition is not needed to read them back).

    Raises:
        InputError: an element of a type the files do not know, or an infinite value
            where the files have no infinite default (e.g. a node's ``p_min`` of −∞).
    """
    net = scenario.network
    nodes: list[dict[str, Any]] = []
    for nid, n in net.nodes.items():
        el = f"node {nid}"
        d: dict[str, Any] = {"id": nid}
        if n.kind != "junction":
            d["kind"] = n.kind
        _put(d, "height", n.height, "m", 0.0, el)
        _put(d, "p_min", n.p_min, "Pa", 0.0, el)
        _put(d, "p_max", n.p_max, "Pa", _INF, el)
        _put(d, "flow_min", n.flow_min, "kg/s", -_INF, el)
        _put(d, "flow_max", n.flow_max, "kg/s", _INF, el)
        if nid in net.pressures:
            d["pressure"] = f"{net.pressures[nid]!r} Pa"
        if nid in net.injections:
            q = net.injections[nid]
            if q >= 0:
                d["supply"] = f"{q!r} kg/s"
            else:
                d["demand"] = f"{-q!r} kg/s"
        if nid in net.temperatures:
            d["temperature"] = f"{net.temperatures[nid]!r} K"
        _put(d, "gas_temperature", n.temperature, "K", None, el)
        _put(d, "x", n.x, None, 0.0, el)
        _put(d, "y", n.y, None, 0.0, el)
        nodes.append(d)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in _EDGE_TABLES.values()}
    for e in net.edges.values():
        kind = _EDGE_TABLES.get(type(e))
        if kind is None:
            raise InputError("element type has no table in network files",
                             element=f"element {e.id}", field="type",
                             value=type(e).__name__,
                             expected=", ".join(t.__name__ for t in _EDGE_TABLES))
        name, fill = kind
        el = f"{name[:-1].replace('_', ' ')} {e.id}"
        d = _edge_entry(e, el)
        if fill is not None:
            fill(e, el, d)
        tables[name].append(d)
    meta: dict[str, Any] = {"name": scenario.name}
    if scenario.title and scenario.title != scenario.name:
        meta["title"] = scenario.title
    network: dict[str, Any] = {"reference": net.reference,
                               "temperature": f"{scenario.temperature!r} K", "nodes": nodes}
    network.update({name: rows for name, rows in tables.items() if rows})
    return {"scenario": meta,
            "gas": {"eos": scenario.gas.eos, "composition": scenario.gas.composition},
            "network": network}


def write_network_scenario(scenario: NetworkScenario, path: str | Path) -> Path:
    """Write a network scenario file (TOML, see :func:`network_to_dict`), atomically;
    :func:`trunkline.load_scenario` reads it back. Returns the path."""
    text = ("# trunkline network scenario: SI values, each with its unit; "
            "read with trunkline.load_scenario\n" + tomli_w.dumps(network_to_dict(scenario)))

    def write(fh: IO[Any]) -> None:
        fh.write(text)

    return atomic_write(path, write)
