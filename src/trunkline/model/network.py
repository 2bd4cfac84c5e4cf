"""Gas networks: nodes, pipes and active elements, built with a small API (SI values).

A :class:`Network` is built element by element (``add_node``, ``add_pipe``,
``add_compressor`` …) or read from GasLib XML or a TOML scenario. It holds data
only; :func:`trunkline.solve.solve_steady` reads it and never changes it.

Conventions:

* ids are strings, unique over nodes and, separately, over edges (elements);
* an edge goes ``from_node → to_node``; its flow is positive in that direction;
* a node's *injection* is positive into the network (an entry's supply) and
  negative out of it (an exit's demand): ``set_flow(node, mass_flow)``, with
  ``set_demand(node, m)`` as shorthand for ``set_flow(node, -m)``;
* a node with ``set_pressure`` is pressure-fixed (a slack node: its injection
  follows from the balance); several may be fixed.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Any, ClassVar, Final, Literal, Self, TypeVar

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError

__all__ = [
    "COMPRESSOR_MODES",
    "CONTROL_VALVE_MODES",
    "EDGE_TYPES",
    "FLOW_LAWS",
    "Compressor",
    "ControlValve",
    "Edge",
    "EdgeMap",
    "Network",
    "Node",
    "NodeMap",
    "Pipe",
    "Resistor",
    "ShortPipe",
    "Valve",
]

NodeKind = Literal["entry", "exit", "junction"]
#: Pipe flow laws: friction-factor laws of :mod:`trunkline.physics.friction` (Darcy form
#: with real-gas density) and the classic flow equations / empirical law.
FLOW_LAWS: Final = ("colebrook", "prandtl-colebrook", "nikuradse", "hofer", "smooth",
                    "weymouth", "panhandle_a", "panhandle_b", "empirical")
COMPRESSOR_MODES: Final = ("active", "bypass", "closed")
CONTROL_VALVE_MODES: Final = ("active", "bypass", "closed")
_INF = math.inf
_V = TypeVar("_V")


def _positive(element: str, name: str, value: float, allow_zero: bool = False) -> float:
    v = float(value)
    ok = v >= 0 if allow_zero else v > 0
    if not (ok and math.isfinite(v)):
        raise InputError("must be " + ("non-negative" if allow_zero else "positive"),
                         element=element, field=name, value=value,
                         expected=">= 0" if allow_zero else "> 0 (SI units)")
    return v


@dataclass(frozen=True, slots=True)
class Node:
    """A node: height [m], pressure bounds [Pa], injection bounds [kg/s], gas temperature [K].

    ``kind`` is informational ("entry", "exit", "junction"); what a node does in a
    solve is set by the boundary conditions.
    """

    id: str
    kind: NodeKind = "junction"
    height: float = 0.0
    p_min: float = 0.0
    p_max: float = _INF
    flow_min: float = -_INF
    flow_max: float = _INF
    temperature: float | None = None
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True, slots=True)
class Edge:
    """Base of every element between two nodes (flow bounds in kg/s)."""

    id: str
    from_node: str
    to_node: str
    flow_min: float = -_INF
    flow_max: float = _INF


@dataclass(frozen=True, slots=True)
class Pipe(Edge):
    """A pipe: length, inner diameter, roughness [m]; flow law; heat exchange.

    For ``flow_law="empirical"`` the law is p_in² − p_out² = K·|Q|^(n−1)·Q with Q
    the *standard* volume flow [m³/s at the network's reference] and K in
    Pa²/(m³/s)^n (Osiadacz 1988 form).
    """

    length: float = 1.0
    diameter: float = 1.0
    roughness: float = 0.0
    flow_law: str = "colebrook"
    efficiency: float = 1.0
    k: float | None = None
    n: float | None = None
    heat_transfer_coefficient: float = 0.0
    ground_temperature: float | None = None
    p_max: float = _INF

    @property
    def area(self) -> float:
        return math.pi * self.diameter**2 / 4.0


@dataclass(frozen=True, slots=True)
class ShortPipe(Edge):
    """A lossless connection: p_from = p_to."""


@dataclass(frozen=True, slots=True)
class Resistor(Edge):
    """A local loss: Δp = ζ·ρ·v|v|/2 with v at the inlet density, diameter [m]."""

    drag_factor: float = 1.0
    diameter: float = 1.0


@dataclass(frozen=True, slots=True)
class Valve(Edge):
    """An on/off valve: open → p_from = p_to; closed → no flow."""

    open: bool = True


@dataclass(frozen=True, slots=True)
class ControlValve(Edge):
    """A pressure-reducing control valve.

    ``mode``: "active" holds p_to at ``setpoint`` [Pa] (needs p_from >= p_to and
    flow from → to), "bypass" acts as an open valve, "closed" blocks flow.
    Bounds (checked and reported): inlet pressure >= ``p_in_min``, outlet
    pressure <= ``p_out_max``, ``dp_min`` <= p_in − p_out <= ``dp_max`` [Pa].
    ``pressure_loss_in/out`` [Pa] are fixed losses of the station piping
    (GasLib), applied before and after the valve when active.
    """

    mode: str = "active"
    setpoint: float | None = None
    p_in_min: float = 0.0
    p_out_max: float = _INF
    dp_min: float = 0.0
    dp_max: float = _INF
    pressure_loss_in: float = 0.0
    pressure_loss_out: float = 0.0


@dataclass(frozen=True, slots=True)
class Compressor(Edge):
    """A compressor station between two nodes.

    ``mode``: "active" with one set-point — ``ratio`` (p_to/p_from),
    ``discharge_pressure`` (p_to) or ``suction_pressure`` (p_from) —, "bypass"
    (p_to = p_from) or "closed" (no flow). Power and fuel follow from the
    station model (real-gas polytropic path, polytropic efficiency
    ``polytropic_efficiency``; gas-turbine driver of ``driver_efficiency``;
    fuel taken at the suction when ``fuel_from_line``). ``max_power`` [W],
    ``max_ratio``, ``p_in_min`` and ``p_out_max`` [Pa] are checked and reported,
    not enforced. ``pressure_loss_in/out`` [Pa] are fixed station-piping losses
    (GasLib) before and after the machine when active. In non-isothermal
    solves the gas leaves at the polytropic discharge temperature, or at
    ``aftercooler_temperature`` [K] when it is hotter.
    """

    mode: str = "active"
    ratio: float | None = None
    discharge_pressure: float | None = None
    suction_pressure: float | None = None
    polytropic_efficiency: float = 0.82
    mechanical_efficiency: float = 0.99
    driver_efficiency: float = 0.35
    max_power: float = _INF
    max_ratio: float = _INF
    fuel_from_line: bool = False
    p_in_min: float = 0.0
    p_out_max: float = _INF
    pressure_loss_in: float = 0.0
    pressure_loss_out: float = 0.0
    aftercooler_temperature: float | None = None

    @property
    def setpoint_kind(self) -> str:
        """"ratio", "discharge_pressure" or "suction_pressure"."""
        for name in ("ratio", "discharge_pressure", "suction_pressure"):
            if getattr(self, name) is not None:
                return name
        return "none"


class _ColumnMap(dict[str, _V]):
    """A dict of a network's elements by id that also keeps their numeric fields as
    columns (one typed array per field, in the dict's order), updated on every change.

    A solver reads a whole network as arrays from these columns (:meth:`columns`)
    instead of visiting every element object; the columns are made as the network is
    built, as a table-based model (pandapipes' DataFrames) makes its tables. Every
    change — through the ``add_*`` methods or the dict's own methods — updates the
    columns and counts up :attr:`version`, by which a solver knows whether what it
    compiled from the network is still current. Setting an existing id keeps its
    position (as a dict does); removing an id renumbers the rest (the columns are
    remade from the elements, and :attr:`layout` counts up).
    """

    __slots__ = ("_arrays", "_cols", "_pos", "layout", "version")
    #: the element type held, for errors
    _HOLDS: ClassVar[tuple[type, ...]] = ()
    _WHAT: ClassVar[str] = ""
    #: the float fields kept as columns
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, items: Mapping[str, _V] | Iterable[tuple[str, _V]] = ()) -> None:
        super().__init__()
        self.version = 0
        self.layout = 0
        self._clear_columns()
        self.update(items)

    # -- columns ---------------------------------------------------------------
    def _clear_columns(self) -> None:
        self._pos: dict[str, int] = {}
        # numbers in typed arrays (an array is made from one by a copy of its buffer)
        self._cols: list[Any] = [array(code) if code else [] for code in self._codes()]
        self._arrays: tuple[int, Any] | None = None

    def _codes(self) -> tuple[str, ...]:
        """The array type code of every column ("" for a list)."""
        return ("d",) * len(self.FIELDS)

    def _row(self, value: _V) -> tuple[Any, ...]:
        return tuple(map(getattr, repeat(value), self.FIELDS))

    def _changed(self, renumbered: bool = False) -> None:
        self.version += 1
        if renumbered:
            self.layout += 1
            self._clear_columns()
            for k, v in self.items():
                self._put(k, v)

    def _put(self, key: str, value: _V, row: tuple[Any, ...] | None = None) -> None:
        if row is None:
            row = self._row(value)
        pos = self._pos.get(key)
        if pos is None:
            self._pos[key] = len(self._pos)
            for col, x in zip(self._cols, row, strict=True):
                col.append(x)
        else:
            for col, x in zip(self._cols, row, strict=True):
                col[pos] = x

    def _checked_row(self, key: str, value: _V) -> tuple[Any, ...]:
        """The value's column entries, after checking it (nothing is changed before)."""
        self._check(key, value)
        row = self._row(value)
        for name, x in zip(self.FIELDS, row, strict=False):
            if not isinstance(x, float):
                try:
                    float(x)
                except (TypeError, ValueError):
                    raise InputError("not a number", element=f"{self._WHAT} {key}",
                                     field=name, value=x, expected="a float (SI)") from None
        return row

    def _check(self, key: object, value: object) -> None:
        if not isinstance(value, self._HOLDS):
            raise InputError("value of the wrong type", element=f"{self._WHAT} {key}",
                             field="value", value=type(value).__name__,
                             expected=" / ".join(t.__name__ for t in self._HOLDS))
        if getattr(value, "id", None) != key:
            raise InputError(f"{self._WHAT} kept under another id", element=f"{self._WHAT} {key}",
                             field="id", value=getattr(value, "id", None),
                             expected=f"the key {key!r}")

    def column(self, name: str, keep: bool = True) -> npt.NDArray[np.float64]:
        """Float field ``name`` as a read-only array in the map's order: made once per
        version and kept with the map (``keep``), or a copy of its own made now — a column
        read once (a bounds check) then keeps no memory."""
        k = self.FIELDS.index(name)
        if not keep:
            fresh: npt.NDArray[np.float64] = self._column(k, np.float64)
            fresh.flags.writeable = False
            return fresh
        if self._arrays is None or self._arrays[0] != self.version:
            self._arrays = (self.version, {})
        kept: dict[str, npt.NDArray[np.float64]] = self._arrays[1]
        if name not in kept:
            arr: npt.NDArray[np.float64] = self._column(k, np.float64)
            arr.flags.writeable = False
            kept[name] = arr
        return kept[name]

    def _column(self, k: int, dtype: Any) -> npt.NDArray[Any]:
        """Typed column k as a new array (a copy of its buffer)."""
        col = self._cols[k]
        return np.frombuffer(col, dtype=dtype, count=len(col)).copy()

    @property
    def index(self) -> Mapping[str, int]:
        """The position of every id (the map's own: read, never change it)."""
        return self._pos

    def columns(self) -> dict[str, npt.NDArray[np.float64]]:
        """Each of :attr:`FIELDS` as a read-only array in the map's order (kept, see
        :meth:`column`)."""
        return {name: self.column(name) for name in self.FIELDS}

    # -- the dict's changing methods, each keeping the columns ---------------------
    def __setitem__(self, key: str, value: _V) -> None:
        row = self._checked_row(key, value)
        super().__setitem__(key, value)
        self._put(key, value, row)
        self.version += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed(renumbered=True)

    def pop(self, key: str, *default: Any) -> Any:
        missing = key not in self
        value = super().pop(key, *default)
        if not missing:
            self._changed(renumbered=True)
        return value

    def popitem(self) -> tuple[str, _V]:
        item = super().popitem()
        self._changed(renumbered=True)
        return item

    def clear(self) -> None:
        super().clear()
        self._changed(renumbered=True)

    def update(self, *args: Any, **kwargs: _V) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: str, default: _V) -> _V:
        if key not in self:
            self[key] = default
        return self[key]

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self.update(other)
        return self

    def copy(self) -> Self:
        """A copy with its own columns (the elements themselves are immutable: shared)."""
        new = type(self).__new__(type(self))
        dict.update(new, self)
        new.version, new.layout = self.version, self.layout
        new._pos = dict(self._pos)
        new._cols = [c[:] for c in self._cols]
        new._arrays = None
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (dict(self),)


class NodeMap(_ColumnMap[Node]):
    """A network's nodes by id, with their numeric fields as columns (see _ColumnMap)."""

    __slots__ = ()
    _HOLDS = (Node,)
    _WHAT = "node"
    FIELDS = ("height", "p_min", "p_max", "flow_min", "flow_max")


#: positions in an EdgeMap's columns (after the float fields): end-node positions,
#: type code, flow-law code, type
_FR, _TO, _KIND, _LAW, _TYPE = range(-5, 0)


class EdgeMap(_ColumnMap[Edge]):
    """A network's elements by id, with their numeric fields as columns (see
    _ColumnMap): flow bounds, the pipe fields (NaN for other elements), type, flow law
    and end nodes — as node positions in the network's :class:`NodeMap`, once bound
    to it (:meth:`bind`; the network does that)."""

    __slots__ = ("_nodes", "_nodes_layout")
    _HOLDS = (Edge,)
    _WHAT = "element"
    FIELDS = ("flow_min", "flow_max", "length", "diameter", "roughness", "efficiency")
    _PIPE_FIELDS: ClassVar[tuple[str, ...]] = FIELDS[2:]
    _NO_PIPE: ClassVar[tuple[float, ...]] = (math.nan,) * len(_PIPE_FIELDS)

    def __init__(self, items: Mapping[str, Edge] | Iterable[tuple[str, Edge]] = (),
                 nodes: NodeMap | None = None) -> None:
        self._nodes: NodeMap | None = nodes
        self._nodes_layout = -1 if nodes is None else nodes.layout
        super().__init__(items)

    def _codes(self) -> tuple[str, ...]:
        # end-node positions in 64-bit integers; type and flow-law codes in one byte each
        return (*super()._codes(), "q", "q", "b", "b", "")

    def _row(self, value: Edge) -> tuple[Any, ...]:
        pipe = isinstance(value, Pipe)
        nodes = self._nodes
        pos = {} if nodes is None else nodes._pos
        kind = type(value)
        return (value.flow_min, value.flow_max,
                *(map(getattr, repeat(value), self._PIPE_FIELDS) if pipe else self._NO_PIPE),
                pos.get(value.from_node, -1), pos.get(value.to_node, -1),
                _EDGE_TYPE_CODE.get(kind, -1),
                _FLOW_LAW_CODE[value.flow_law] if pipe else -1,  # type: ignore[attr-defined]
                kind)

    def bind(self, nodes: NodeMap) -> None:
        """Take end-node positions from ``nodes`` (renumbering the columns if needed)."""
        if self._nodes is not nodes or self._nodes_layout != nodes.layout:
            self._nodes, self._nodes_layout = nodes, nodes.layout
            self._changed(renumbered=True)

    def copy(self) -> Self:
        new = super().copy()
        new._nodes, new._nodes_layout = self._nodes, self._nodes_layout
        return new

    def ends(self, nodes: NodeMap) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """From- and to-node positions of every element in ``nodes``' order.

        Raises:
            InputError: an element whose end node is not in ``nodes``.
        """
        self.bind(nodes)
        fr, to = self._ends()
        if fr.size and (fr.min() < 0 or to.min() < 0):
            # an element set before its node was: look again (then it is an error)
            self._changed(renumbered=True)
            fr, to = self._ends()
            for k in np.flatnonzero((fr < 0) | (to < 0))[:1].tolist():
                e = list(self.values())[k]
                bad = "from_node" if fr[k] < 0 else "to_node"
                raise InputError("unknown node", element=f"{type(e).__name__.lower()} {e.id}",
                                 field=bad, value=getattr(e, bad),
                                 expected="the id of a node added with add_node")
        return fr, to

    def _ends(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        return tuple(self._column(k, np.int64).astype(np.intp, copy=False)  # type: ignore[return-value]
                     for k in (_FR, _TO))

    def types(self) -> list[type]:
        """The type of every element, in the map's order."""
        return list(self._cols[_TYPE])

    def codes(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        """Every element's type (its position in :data:`EDGE_TYPES`; −1: a type of
        its own) and flow law (its position in :data:`FLOW_LAWS`; −1: not a pipe)."""
        return self._column(_KIND, np.int8), self._column(_LAW, np.int8)


#: the element types, in the order of EdgeMap's type codes
EDGE_TYPES: Final[tuple[type[Edge], ...]] = (Pipe, ShortPipe, Resistor, Valve, ControlValve,
                                             Compressor)
_EDGE_TYPE_CODE: Final = {t: i for i, t in enumerate(EDGE_TYPES)}
_FLOW_LAW_CODE: Final = {law: i for i, law in enumerate(FLOW_LAWS)}


@dataclass
class Network:
    """A gas network (builder); see the module docstring for conventions.

    Args:
        name: a label.
        reference: reference condition of standard volume flows ("normal" is the
            GasLib convention; "RU", "ISO").
    """

    name: str = "network"
    reference: str = "normal"
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    pressures: dict[str, float] = field(default_factory=dict)
    injections: dict[str, float] = field(default_factory=dict)
    temperatures: dict[str, float] = field(default_factory=dict)
    #: what a solver compiled from this network (opaque here; the solver checks that it
    #: is still current, by the maps' versions): kept with the network, as long as it
    #: lives, and never copied, pickled or compared
    _solver_cache: Any = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_solver_cache"] = None
        return state

    def __post_init__(self) -> None:
        # the maps keep their elements' fields as columns (see NodeMap): a plain dict
        # given is taken into one
        if not isinstance(self.nodes, NodeMap):
            self.nodes = NodeMap(self.nodes)
        if not isinstance(self.edges, EdgeMap):
            self.edges = EdgeMap(self.edges, self.nodes)
        else:
            self.edges.bind(self.nodes)

    # -- nodes ----------------------------------------------------------------
    def add_node(self, id: str, *, kind: NodeKind = "junction", height: float = 0.0,
                 p_min: float = 0.0, p_max: float = _INF, flow_min: float = -_INF,
                 flow_max: float = _INF, temperature: float | None = None,
                 x: float = 0.0, y: float = 0.0) -> Node:
        """Add a node (SI: m, Pa, kg/s, K)."""
        if not isinstance(id, str) or not id:
            raise InputError("node id must be a non-empty string", element="network",
                             field="node id", value=id)
        if id in self.nodes:
            raise InputError("node id used twice", element=f"node {id}", field="id", value=id,
                             expected="unique node ids")
        if kind not in ("entry", "exit", "junction"):
            raise InputError("unknown node kind", element=f"node {id}", field="kind",
                             value=kind, expected="'entry', 'exit' or 'junction'")
        if p_min > p_max:
            raise InputError("p_min above p_max", element=f"node {id}", field="p_min",
                             value=p_min, expected=f"<= p_max ({p_max})")
        node = Node(id, kind, float(height), float(p_min), float(p_max), float(flow_min),
                    float(flow_max), temperature, float(x), float(y))
        self.nodes[id] = node
        return node

    def set_pressure(self, node: str, p: float) -> None:
        """Fix the pressure [Pa] of a node (a slack: its injection follows from the balance)."""
        self._node(node, "set_pressure")
        self.pressures[node] = _positive(f"node {node}", "pressure", p)

    def set_flow(self, node: str, mass_flow: float) -> None:
        """Set a node's injection [kg/s]: positive into the network, negative out of it."""
        self._node(node, "set_flow")
        if not math.isfinite(float(mass_flow)):
            raise InputError("injection must be finite", element=f"node {node}",
                             field="mass_flow", value=mass_flow)
        self.injections[node] = float(mass_flow)

    def set_demand(self, node: str, mass_flow: float) -> None:
        """Withdraw ``mass_flow`` [kg/s] at a node (same as ``set_flow(node, -mass_flow)``)."""
        self.set_flow(node, -float(mass_flow))

    def set_temperature(self, node: str, t: float) -> None:
        """Temperature [K] of gas injected at a node (non-isothermal solves)."""
        self._node(node, "set_temperature")
        self.temperatures[node] = _positive(f"node {node}", "temperature", t)

    def _node(self, node: str, what: str) -> Node:
        try:
            return self.nodes[node]
        except KeyError:
            raise InputError("unknown node", element=what, field="node", value=node,
                             expected="the id of a node added with add_node") from None

    # -- edges ----------------------------------------------------------------
    def _add_edge(self, edge: Edge) -> Edge:
        el = f"{type(edge).__name__.lower()} {edge.id}"
        if edge.id in self.edges:
            raise InputError("element id used twice", element=el, field="id", value=edge.id,
                             expected="unique element ids")
        for f in ("from_node", "to_node"):
            nid = getattr(edge, f)
            if nid not in self.nodes:
                raise InputError("unknown node", element=el, field=f, value=nid,
                                 expected="the id of a node added with add_node")
        if edge.from_node == edge.to_node:
            raise InputError("element connects a node to itself", element=el,
                             field="to_node", value=edge.to_node)
        self.edges[edge.id] = edge
        return edge

    def add_pipe(self, id: str, from_node: str, to_node: str, length: float, diameter: float,
                 roughness: float = 1e-5, flow_law: str = "colebrook", *,
                 efficiency: float = 1.0, k: float | None = None, n: float | None = None,
                 heat_transfer_coefficient: float = 0.0,
                 ground_temperature: float | None = None, p_max: float = _INF,
                 flow_min: float = -_INF, flow_max: float = _INF) -> Pipe:
        """Add a pipe: length, inner diameter, roughness [m] and its flow law."""
        el = f"pipe {id}"
        if flow_law not in FLOW_LAWS:
            raise InputError("unknown flow law", element=el, field="flow_law", value=flow_law,
                             expected="one of " + ", ".join(FLOW_LAWS))
        _positive(el, "length", length)
        _positive(el, "diameter", diameter)
        _positive(el, "roughness", roughness, allow_zero=True)
        if flow_law == "empirical":
            if k is None or n is None:
                raise InputError("the empirical law needs k and n", element=el, field="k",
                                 value=k, expected="k > 0 [Pa²/(m³/s)^n] and n in (1, 2]")
            _positive(el, "k", k)
            if not 1.0 < n <= 2.0:
                raise InputError("exponent out of range", element=el, field="n", value=n,
                                 expected="1 < n <= 2")
        if not 0 < efficiency <= 1.2:
            raise InputError("pipeline efficiency out of range", element=el,
                             field="efficiency", value=efficiency, expected="in (0, 1.2]")
        pipe = Pipe(id, from_node, to_node, flow_min, flow_max, float(length), float(diameter),
                    float(roughness), flow_law, float(efficiency), k, n,
                    float(heat_transfer_coefficient), ground_temperature, float(p_max))
        self._add_edge(pipe)
        return pipe

    def add_short_pipe(self, id: str, from_node: str, to_node: str, *,
                       flow_min: float = -_INF, flow_max: float = _INF) -> ShortPipe:
        """Add a lossless connection."""
        sp = ShortPipe(id, from_node, to_node, flow_min, flow_max)
        self._add_edge(sp)
        return sp

    def add_resistor(self, id: str, from_node: str, to_node: str, drag_factor: float,
                     diameter: float, *, flow_min: float = -_INF,
                     flow_max: float = _INF) -> Resistor:
        """Add a local loss Δp = ζ·ρ·v|v|/2 (ζ = ``drag_factor``, diameter [m])."""
        el = f"resistor {id}"
        _positive(el, "drag_factor", drag_factor)
        _positive(el, "diameter", diameter)
        r = Resistor(id, from_node, to_node, flow_min, flow_max, float(drag_factor),
                     float(diameter))
        self._add_edge(r)
        return r

    def add_valve(self, id: str, from_node: str, to_node: str, open: bool = True, *,
                  flow_min: float = -_INF, flow_max: float = _INF) -> Valve:
        """Add an on/off valve."""
        v = Valve(id, from_node, to_node, flow_min, flow_max, bool(open))
        self._add_edge(v)
        return v

    def add_control_valve(self, id: str, from_node: str, to_node: str,
                          setpoint: float | None = None, mode: str = "active", *,
                          p_in_min: float = 0.0, p_out_max: float = _INF,
                          dp_min: float = 0.0, dp_max: float = _INF,
                          pressure_loss_in: float = 0.0, pressure_loss_out: float = 0.0,
                          flow_min: float = -_INF, flow_max: float = _INF) -> ControlValve:
        """Add a pressure-reducing control valve (outlet set-point [Pa] when active)."""
        el = f"control valve {id}"
        if mode not in CONTROL_VALVE_MODES:
            raise InputError("unknown mode", element=el, field="mode", value=mode,
                             expected=" / ".join(CONTROL_VALVE_MODES))
        if mode == "active":
            if setpoint is None:
                raise InputError("an active control valve needs a set-point", element=el,
                                 field="setpoint", expected="outlet pressure [Pa]")
            _positive(el, "setpoint", setpoint)
        cv = ControlValve(id, from_node, to_node, flow_min, flow_max, mode,
                          None if setpoint is None else float(setpoint), float(p_in_min),
                          float(p_out_max), float(dp_min), float(dp_max),
                          _positive(el, "pressure_loss_in", pressure_loss_in, True),
                          _positive(el, "pressure_loss_out", pressure_loss_out, True))
        self._add_edge(cv)
        return cv

    def add_compressor(self, id: str, from_node: str, to_node: str, *,
                       ratio: float | None = None, discharge_pressure: float | None = None,
                       suction_pressure: float | None = None, mode: str = "active",
                       polytropic_efficiency: float = 0.82, mechanical_efficiency: float = 0.99,
                       driver_efficiency: float = 0.35, max_power: float = _INF,
                       max_ratio: float = _INF, fuel_from_line: bool = False,
                       p_in_min: float = 0.0, p_out_max: float = _INF,
                       pressure_loss_in: float = 0.0, pressure_loss_out: float = 0.0,
                       aftercooler_temperature: float | None = None,
                       flow_min: float = -_INF, flow_max: float = _INF) -> Compressor:
        """Add a compressor station with exactly one set-point when active."""
        el = f"compressor {id}"
        if mode not in COMPRESSOR_MODES:
            raise InputError("unknown mode", element=el, field="mode", value=mode,
                             expected=" / ".join(COMPRESSOR_MODES))
        given = [n for n, v in (("ratio", ratio), ("discharge_pressure", discharge_pressure),
                                ("suction_pressure", suction_pressure)) if v is not None]
        if mode == "active" and len(given) > 1:
            raise InputError("an active compressor takes at most one set-point", element=el,
                             field="/".join(given) or "ratio", value=given or None,
                             expected="ratio=, discharge_pressure= or suction_pressure=")
        if ratio is not None and not ratio >= 1.0:
            raise InputError("pressure ratio below 1", element=el, field="ratio", value=ratio,
                             expected=">= 1")
        for name, v in (("discharge_pressure", discharge_pressure),
                        ("suction_pressure", suction_pressure)):
            if v is not None:
                _positive(el, name, v)
        for name, v in (("polytropic_efficiency", polytropic_efficiency),
                        ("mechanical_efficiency", mechanical_efficiency),
                        ("driver_efficiency", driver_efficiency)):
            if not 0 < v <= 1:
                raise InputError("efficiency out of range", element=el, field=name, value=v,
                                 expected="in (0, 1]")
        c = Compressor(id, from_node, to_node, flow_min, flow_max, mode, ratio,
                       discharge_pressure, suction_pressure, float(polytropic_efficiency),
                       float(mechanical_efficiency), float(driver_efficiency), float(max_power),
                       float(max_ratio), bool(fuel_from_line), float(p_in_min),
                       float(p_out_max), _positive(el, "pressure_loss_in", pressure_loss_in, True),
                       _positive(el, "pressure_loss_out", pressure_loss_out, True),
                       None if aftercooler_temperature is None
                       else _positive(el, "aftercooler_temperature", aftercooler_temperature))
        self._add_edge(c)
        return c

    # -- changing settings (returns new elements; used by nomination checks) --
    def replace_edge(self, id: str, **changes: object) -> Edge:
        """Replace an element by a copy with ``changes`` (e.g. a new set-point or mode)."""
        try:
            old = self.edges[id]
        except KeyError:
            raise InputError("unknown element", element="replace_edge", field="id",
                             value=id) from None
        new = replace(old, **changes)  # type: ignore[arg-type]
        self.edges[id] = new
        return new

    def copy(self) -> Network:
        """An independent copy (elements are immutable, so a shallow copy of the maps)."""
        nodes = self.nodes.copy()
        edges = self.edges.copy()
        if isinstance(nodes, NodeMap) and isinstance(edges, EdgeMap) and \
                edges._nodes is self.nodes:
            edges._nodes = nodes  # the same positions, in the copy's own node map
        return Network(self.name, self.reference, nodes, edges, dict(self.pressures),
                       dict(self.injections), dict(self.temperatures))

    def with_slack(self, node: str | None = None, pressure: float | None = None) -> Network:
        """A copy in which one node is pressure-fixed instead of flow-fixed.

        GasLib nominations fix every entry's flow; a steady simulation needs a
        pressure-fixed node. By default the entry with the largest injection
        becomes the slack, held at its maximum pressure (or ``pressure`` [Pa]);
        its nominated injection is dropped (the balance gives it back).
        """
        net = self.copy()
        if node is None:
            supplies = [(q, n) for n, q in net.injections.items() if q > 0]
            if not supplies:
                raise InputError("no node with a positive injection to make the slack",
                                 element=self.name, field="injections",
                                 expected="an entry with net.set_flow(node, q > 0)")
            node = max(supplies)[1]
        n = self._node(node, "with_slack")
        p = pressure if pressure is not None else n.p_max
        if not math.isfinite(p):
            raise InputError("slack node has no finite maximum pressure", element=f"node {node}",
                             field="p_max", value=p, expected="pass pressure= explicitly")
        net.injections.pop(node, None)
        net.set_pressure(node, p)
        return net

    # -- views ---------------------------------------------------------------
    def pipes(self) -> Iterator[Pipe]:
        return (e for e in self.edges.values() if isinstance(e, Pipe))

    def of_type(self, kind: type[Edge]) -> list[Edge]:
        return [e for e in self.edges.values() if type(e) is kind]

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for e in self.edges.values():
            counts[type(e).__name__] = counts.get(type(e).__name__, 0) + 1
        parts = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        return f"Network({self.name!r}: {len(self.nodes)} nodes, {parts})"
