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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from trunkline.errors import InputError, ScenarioError, UnitError
from trunkline.gas import Gas, normalise_composition
from trunkline.model.network import Network
from trunkline.model.schema import Qty, ScenarioMeta, StrictModel
from trunkline.units import parse_quantity, parse_standard_volume_flow

__all__ = ["NetworkScenario", "network_from_dict"]




class _GasSpec(StrictModel):
    eos: Literal["gerg2008", "detail"] = "gerg2008"
    composition: dict[str, float]


class _NodeSpec(StrictModel):
    id: str
    kind: Literal["entry", "exit", "junction"] = "junction"
    height: Qty = 0.0
    p_min: Qty | None = None
    p_max: Qty | None = None
    pressure: Qty | None = None
    supply: str | None = None
    demand: str | None = None
    temperature: Qty | None = None


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


class _ResistorSpec(_EdgeBase):
    drag_factor: Annotated[float, Field(gt=0)]
    diameter: Qty


class _ValveSpec(_EdgeBase):
    open: bool = True


class _ControlValveSpec(_EdgeBase):
    mode: Literal["active", "bypass", "closed"] = "active"
    setpoint: Qty | None = None


class _CompressorSpec(_EdgeBase):
    mode: Literal["active", "bypass", "closed"] = "active"
    ratio: float | None = None
    discharge_pressure: Qty | None = None
    suction_pressure: Qty | None = None
    polytropic_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.82
    driver_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.35
    max_power: Qty | None = None
    fuel_from_line: bool = False


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
                     p_max=_opt(n.p_max, "Pa", el, "p_max", inf))
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
                     p_max=_opt(p.p_max, "Pa", el, "p_max", inf), **bounds(p, el))
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
                              c.mode, **bounds(c, el))
    for i, k in enumerate(ns.compressors):
        el = f"network.compressors[{i}] ({k.id})"
        net.add_compressor(
            k.id, k.from_, k.to, ratio=k.ratio, mode=k.mode,
            discharge_pressure=None if k.discharge_pressure is None else parse_quantity(
                k.discharge_pressure, "Pa", element=el, field="discharge_pressure"),
            suction_pressure=None if k.suction_pressure is None else parse_quantity(
                k.suction_pressure, "Pa", element=el, field="suction_pressure"),
            polytropic_efficiency=k.polytropic_efficiency,
            driver_efficiency=k.driver_efficiency,
            max_power=_opt(k.max_power, "W", el, "max_power", inf),
            fuel_from_line=k.fuel_from_line, **bounds(k, el))
    return NetworkScenario(spec.scenario.name, spec.scenario.title or spec.scenario.name, net,
                           gas, t_net)
