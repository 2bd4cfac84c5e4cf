r"""Steady state of a gas network: sparse Newton-Raphson on pressures and flows.

Unknowns are the pressures of the nodes that are not pressure-fixed and the
mass flow of every element. Equations (Osiadacz, *Simulation and Analysis of
Gas Networks*, 1987, ch. 3; Koch et al., *Evaluating Gas Network Capacities*,
SIAM 2015, ch. 2):

* mass balance at every free node: Σ inflows − Σ outflows + injection = 0;
* a pipe, isothermal at the network temperature T, with elevation
  (Schroeder 2010; Menon 2005, eq. 2.22):

  .. math::

      p_1^2 - e^{s} p_2^2 = \frac{\lambda\,Z_m R_s T\,L_e}{D A^2}\,q|q|,\qquad
      s = \frac{2 g \Delta h}{Z_m R_s T},\quad L_e = L\,\frac{e^{s}-1}{s}

  written with φ = λ·Re, λ q|q| = φ(Re)·q·Aμ/D, so that the laminar limit
  (φ = 64) keeps the equation regular at zero flow; Z_m is the EOS (surrogate)
  Z at the mean pressure p_m = ⅔(p_1 + p_2 − p_1 p_2/(p_1 + p_2));
  the classic flow equations (Weymouth, Panhandle A/B) and the empirical law
  p_1² − p_2² = K |Q|^{n−1} Q are regularised near zero flow as
  K (Q² + ε²)^{(n−1)/2} Q;
* short pipes, open valves and elements in bypass: p_1 = p_2; closed elements:
  q = 0; resistors: p_1 − p_2 = ζ q|q| / (2 ρ_1 A²);
* active control valves hold their outlet at the set-point; active compressors
  their ratio (with station pressure losses), discharge or suction pressure.

The Jacobian is assembled in sparse form (scipy.sparse) from vectorised
per-element derivatives, the element flows eliminated into a nodal system, and
solved by SuperLU (the pattern and its fill-reducing ordering are computed once
per network and kept) or, with numba installed (the ``fast`` extra), every element
flow eliminated and a light fill, by a compiled LU on that pattern
(:mod:`._sparse_lu`). The start is a linearised solve (each pipe a linear resistance,
fitted at a nominal flow, then again at the geometric mean of that and its first
flow), then Newton with a backtracking line search on the scaled residual and a
fraction-to-boundary rule that keeps every pressure positive; in the quadratic phase
a step may reuse the last factorisation. A solve that does not converge raises
:class:`~trunkline.errors.ConvergenceError` with its iterations, residual and
worst equations. Compressor power and fuel follow from the real-gas
polytropic path; fuel taken from the line (``fuel_from_line``) is added to the
suction node's demand and the solve repeated until the fuel settles.
"""

from __future__ import annotations

import collections
import copy
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from trunkline.errors import ConvergenceError, InputError
from trunkline.gas import Gas
from trunkline.gas.viscosity import lee_gonzalez_eakin
from trunkline.io import write_json, write_tables
from trunkline.model.line import GRAVITY
from trunkline.model.network import (
    EDGE_TYPES,
    FLOW_LAWS,
    Compressor,
    ControlValve,
    Edge,
    EdgeMap,
    Network,
    NodeMap,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.physics.compressor import real_gas_polytropic
from trunkline.physics.flow_equations import (
    PANHANDLE_A_COEFFICIENTS,
    PANHANDLE_B_COEFFICIENTS,
    WEYMOUTH_COEFFICIENTS,
    PowerLawCoefficients,
)
from trunkline.physics.friction import (
    COLEBROOK_ROUGHNESS_DIVISOR,
    LAMINAR_FRICTION_CONSTANT,
    RE_FLOOR,
    RE_LAMINAR_MAX,
    RE_TURBULENT_MIN,
    ROUGH_PIPE_ROUGHNESS_DIVISOR,
    colebrook_with_derivative,
    darcy_friction,
)
from trunkline.solve import _colebrook, _sparse_lu
from trunkline.units import get_reference

__all__ = ["NetworkResult", "solve_steady"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ZModel = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

#: Default convergence tolerance on the scaled residual (balance / q_ref, pressure
#: equations / p_ref or p_ref²).
TOL: Final = 1e-10
MAX_ITER: Final = 60
#: Lossless elements (short pipes, open valves, bypassed stations) get a tiny linear
#: resistance, p_from − p_to = ε·p_ref·q/q_ref with ε = 1e-9, so that loops of them have
#: determined flows (a pure p_from = p_to loop leaves its circulation undefined) and
#: every element flow can be eliminated into the nodal system. At the reference flow
#: the pressure difference is 1e-9 of the reference pressure (~0.01 Pa).
EQUAL_RESISTANCE: Final = 1e-9
#: Air molar mass [kg/mol] for specific gravity (ISO 6976:2016).
_M_AIR: Final = 0.02896546
_CLASSIC: Final[dict[str, PowerLawCoefficients]] = {
    "weymouth": WEYMOUTH_COEFFICIENTS,
    "panhandle_a": PANHANDLE_A_COEFFICIENTS,
    "panhandle_b": PANHANDLE_B_COEFFICIENTS,
}

_DARCY_LAWS: Final = ["colebrook", "prandtl-colebrook", "nikuradse", "hofer", "smooth"]

_COLEBROOK_DIVISORS: Final = {"colebrook": COLEBROOK_ROUGHNESS_DIVISOR,
                               "prandtl-colebrook": ROUGH_PIPE_ROUGHNESS_DIVISOR}

# element kinds (integer codes for vectorised assembly)
PIPE, EQUAL, CLOSED, RESISTOR, SET_TO, RATIO, SET_FROM = range(7)
_KIND_NAMES: Final = ("pipe", "equal", "closed", "resistor", "outlet set-point",
                      "ratio", "inlet set-point")
#: the type codes of the types classified in bulk (the others one by one)
_PIPE_CODE: Final = EDGE_TYPES.index(Pipe)
_SHORT_PIPE_CODE: Final = EDGE_TYPES.index(ShortPipe)
#: the edge table's columns that depend on the network only (kept with its arrays)
_EDGE_LABELS: Final = ("type", "from_node", "to_node")
#: the element map's fields that the solver keeps (a pipe's; NaN for other elements)
_PIPE_FIELDS: Final = ("length", "diameter", "roughness", "efficiency")


class _Labels:
    """The labels of a compiled network's result tables: node ids, element ids, types and
    end nodes (made on first use; shared by the arrays' boundary copies and the results)."""

    def __init__(self, node_ids: npt.NDArray[np.object_], edge_ids: npt.NDArray[np.object_],
                 types: list[type] | None, type_code: npt.NDArray[np.integer[Any]],
                 fr: IntArray, to: IntArray) -> None:
        self._node_ids, self._edge_ids, self._types = node_ids, edge_ids, types
        self._type_code, self._fr, self._to = type_code, fr, to

    @staticmethod
    def _text(values: list[str] | npt.NDArray[np.object_]) -> Any:
        """Text values as pandas holds them: an object array (pandas 2), or a string
        array (pandas 3) that an index or a frame takes without converting it again."""
        # an object array is taken as it is (the arrays' own: never changed)
        arr = (values if isinstance(values, np.ndarray) and values.dtype == object
               else np.array(values, dtype=object))
        dtype = _text_dtype()
        return arr if dtype == np.dtype(object) else pd.array(arr, dtype=dtype)

    @staticmethod
    def _index(text: Any) -> pd.Index:
        """An index of ``_text`` values (the dtype given for an object array, so that
        pandas does not scan it to infer one; a string array is taken as it is). Made by
        pandas' constructor of an index from values it holds as they are, where this
        pandas has it (see :func:`_frame`): the public one takes ~0.15 ms more on a first
        read after a solve (GasLib-4197's 4,197 ids)."""
        make = _SIMPLE_INDEX
        if make is not None:
            try:
                made = make(text, name="id")
                if isinstance(made, pd.Index) and len(made) == len(text):
                    return made
            except (TypeError, ValueError, AssertionError):
                pass
        index: pd.Index = pd.Index(text, name="id",
                                   dtype=object if isinstance(text, np.ndarray) else None)
        return index

    @cached_property
    def _node_text(self) -> Any:
        return self._text(self._node_ids)

    @cached_property
    def node_index(self) -> pd.Index:
        """The node ids, as the node table's index."""
        return self._index(self._node_text)

    @cached_property
    def edge_index(self) -> pd.Index:
        """The element ids, as the edge table's index."""
        return self._index(self._text(self._edge_ids))

    @cached_property
    def edge_columns(self) -> dict[str, Any]:
        """Type, from_node and to_node of every element, in the text dtype: the end
        nodes taken from the node ids by position and the types from their few names,
        so that only the ids are converted to a string array (pandas 3: ~0.5 ms per
        4,000 strings), not every column."""
        codes = self._type_code
        names = [t.__name__ for t in EDGE_TYPES]
        if codes.size and codes.min() < 0:  # a type of its own: the names one by one
            assert self._types is not None
            names = sorted({t.__name__ for t in self._types})
            codes = _per_type(self._types, lambda t: names.index(t.__name__), np.intp)
        ids = self._node_text
        return dict(zip(_EDGE_LABELS, (self._text(names).take(codes), ids.take(self._fr),
                                       ids.take(self._to)), strict=True))


def _per_type(types: list[type], value: Callable[[type], Any], dtype: Any) -> npt.NDArray[Any]:
    """``value`` of every element's type, as an array: one call per distinct type, and
    no per-element lookup when there is one type (a network of pipes)."""
    kinds = set(types)
    if len(kinds) == 1:
        return np.full(len(types), value(kinds.pop()), dtype=dtype)
    of = {t: value(t) for t in kinds}
    return np.fromiter(map(of.__getitem__, types), dtype, len(types))


#: pandas' constructors of an index and a frame from values taken as they are (None
#: where this pandas has none: the public ones are used); see :func:`_frame`
_SIMPLE_INDEX: Callable[..., pd.Index] | None = getattr(pd.Index, "_simple_new", None)
_FRAME_FROM_ARRAYS: Callable[..., pd.DataFrame] | None = getattr(pd.DataFrame, "_from_arrays",
                                                                 None)


@functools.cache
def _copy_on_write() -> bool:
    """Whether this pandas copies on write (always from pandas 3; an option in 2.x)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True


def _frame(columns: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """A DataFrame of these columns that shares no memory with them (without
    copy-on-write: with it pandas copies what a user changes).

    Made by pandas' constructor from a list of arrays without checking them again
    (``DataFrame._from_arrays(..., verify_integrity=False)``, in pandas since 0.23), which
    puts the columns of one dtype into one new block: a column alone of its dtype is
    copied first. On a first read after a solve it takes 0.2–0.3 ms less than the
    constructor from a dict (pandas 2.3, GasLib-4197's nodes and edges; ~1 ms less with
    pandas 3). A pandas without it gets the public constructor and copies."""
    values = list(columns.values())
    make = _FRAME_FROM_ARRAYS
    if make is None:
        return pd.DataFrame({k: np.array(v, copy=True) if isinstance(v, np.ndarray) else
                             v.copy() for k, v in columns.items()}, index=index, copy=False)
    count = collections.Counter(v.dtype for v in values)
    cow = _copy_on_write()

    def own(v: Any) -> Any:
        if isinstance(v, np.ndarray):  # several of a dtype are stacked into a new block
            return v.copy() if count[v.dtype] == 1 else v
        return v if cow else v.copy()  # an extension array keeps a block of its own

    frame: pd.DataFrame = make([own(v) for v in values], columns=pd.Index(list(columns)),
                               index=index, verify_integrity=False)
    return frame


@functools.cache
def _text_dtype() -> Any:
    """The dtype this pandas gives a column of text: object (pandas 2), or its string
    dtype (pandas 3). Label columns are made in it once, so that a table built from them
    neither infers nor converts them again."""
    return pd.Series(["text"]).dtype


@dataclass(frozen=True)
class NetworkResult:
    """Immutable steady state of a network (SI; tables as new DataFrames on access).

    ``violations`` lists every bound that does not hold (node pressure and
    injection bounds, element flow bounds, compressor limits), in words.
    """

    network: str
    converged: bool
    iterations: int
    residual: float
    temperature: float
    _nodes: dict[str, Any] = field(repr=False)
    _edges: dict[str, Any] = field(repr=False)
    _compressors: dict[str, Any] = field(repr=False)
    #: the node ids as an index, and the element ids with their type and end nodes (made
    #: when a table is first read; shared by the results of one compiled network, never
    #: handed out uncopied)
    _labels: _Labels = field(repr=False, compare=False)
    #: the violations' messages and whether there are any (both made on first read)
    _violation_messages: Callable[[], tuple[str, ...]] = field(repr=False, compare=False)
    _violated: Callable[[], bool] = field(repr=False, compare=False)
    #: the reference condition of the edges' ``standard_flow`` ("normal", "ISO", "RU")
    reference: str = "normal"

    #: SI unit of each table column (``standard_flow``: m³/s at :attr:`reference`)
    UNITS: ClassVar[dict[str, str]] = {
        "pressure": "Pa", "temperature": "K", "injection": "kg/s", "p_min": "Pa",
        "p_max": "Pa", "height": "m", "mass_flow": "kg/s", "p_from": "Pa", "p_to": "Pa",
        "velocity_from": "m/s", "velocity_to": "m/s", "fuel": "kg/s",
        "suction_pressure": "Pa", "discharge_pressure": "Pa", "ratio": "-", "head": "J/kg",
        "shaft_power": "W", "discharge_temperature": "K",
    }

    def write(self, folder: str | Path, formats: tuple[str, ...] = ("csv", "parquet")
              ) -> list[Path]:
        """Write the nodes, edges and compressors tables (each format) and summary.json
        atomically; returns the paths. Each table's first column is ``id``; the other
        headers carry their SI unit, e.g. ``pressure [Pa]``,
        ``standard_flow [m3/s @ normal]``."""
        tables = {"nodes": self.nodes.reset_index(), "edges": self.edges.reset_index(),
                  "compressors": self.compressors.reset_index()}
        paths = write_tables(tables, folder, formats, element="NetworkResult.write",
                             units={**self.UNITS, "standard_flow": f"m3/s @ {self.reference}"})
        summary = {"network": self.network, "converged": self.converged,
                   "iterations": self.iterations, "residual": self.residual,
                   "temperature_K": self.temperature, "reference": self.reference,
                   "feasible": self.feasible, "violations": list(self.violations)}
        paths.append(write_json(summary, Path(folder) / "summary.json"))
        return paths

    @cached_property
    def violations(self) -> tuple[str, ...]:
        """Every bound that does not hold, in words (formatted on first read)."""
        return self._violation_messages()

    @property
    def nodes(self) -> pd.DataFrame:
        """Per node: pressure [Pa], injection [kg/s], bounds, height [m]."""
        # a dict of arrays is copied into the frame, and a copy of an index has a name of
        # its own (its values are immutable, shared): the frame is the caller's own
        return _frame({k: v for k, v in self._nodes.items() if k != "id"},
                      self._labels.node_index.copy())

    @property
    def edges(self) -> pd.DataFrame:
        """Per element: type, mass flow [kg/s], standard volume flow [m³/s], pressures."""
        cols = dict(self._labels.edge_columns)
        cols.update((k, v) for k, v in self._edges.items() if k != "id")
        # a dict's arrays are copied into the frame (or, under copy-on-write, on write)
        return _frame(cols, self._labels.edge_index.copy())

    @property
    def pipes(self) -> pd.DataFrame:
        """Edges that are pipes, with velocities [m/s]."""
        df = self.edges
        return df[df["type"] == "Pipe"]

    @property
    def compressors(self) -> pd.DataFrame:
        """Per compressor: ratio, head [J/kg], shaft power [W], fuel [kg/s], discharge T."""
        # no compressor: the same columns, no rows
        return pd.DataFrame({k: np.array(v).copy() for k, v in self._compressors.items()}
                            ).set_index("id")

    @property
    def pressure(self) -> dict[str, float]:
        """Node pressures [Pa] by id."""
        return dict(zip(self._nodes["id"], map(float, self._nodes["pressure"]), strict=True))

    @property
    def flow(self) -> dict[str, float]:
        """Element mass flows [kg/s] by id."""
        return dict(zip(self._edges["id"], map(float, self._edges["mass_flow"]), strict=True))

    @cached_property
    def feasible(self) -> bool:
        """Converged, and every bound holds (checked on first read)."""
        return self.converged and not self._violated()


class _Arrays:
    """The network as integer-indexed arrays.

    Built in one pass per attribute (elements grouped by type) and kept by
    :func:`_compile` for as long as the network's content is unchanged; the solver
    treats it as read-only (per-solve state lives elsewhere).
    """

    def __init__(self, net: Network) -> None:
        if not net.nodes:
            raise InputError("network has no nodes", element=net.name, field="nodes")
        if not net.pressures:
            raise InputError("no pressure-fixed node", element=net.name, field="set_pressure",
                             expected="at least one node with net.set_pressure(node, p)")
        # the maps' columns (kept by the network as it is built: no element visited here)
        nodes_map, edges_map = _maps(net)
        # the ids as object arrays: read once here, and the result tables' labels are
        # made from these very arrays (pandas 2 takes them as they are)
        nn = len(nodes_map)
        self.node_ids: npt.NDArray[np.object_] = np.fromiter(nodes_map, object, nn)
        self.idx = nodes_map.index
        self.height = nodes_map.column("height")
        fix_at = self._boundary(net)
        self.fixed = np.zeros(nn, dtype=bool)
        self.fixed[fix_at] = True
        self.edge_ids: npt.NDArray[np.object_] = np.fromiter(edges_map, object, len(edges_map))
        self.node_ids.flags.writeable = self.edge_ids.flags.writeable = False
        # the element objects are read where they are needed: the few that are not
        # pipes or short pipes here, all of them only on first use (see edges)
        self.ne = ne = len(edges_map)
        element = self.element
        self.fr, self.to = edges_map.ends(nodes_map)
        #: the maps the arrays were built from and their versions (see _compile), once
        #: the element map is bound to the node map (binding to a new one renumbers it)
        self.source = (nodes_map, edges_map, nodes_map.version, edges_map.version)
        # the pipes' fields (the flow bounds are read by each solve's bounds check, see
        # flow_bounds: not kept)
        self.edge_cols = {f: edges_map.column(f) for f in _PIPE_FIELDS}
        # the bulk (pipes, short pipes) by their type codes; the few others one by one
        type_code, law_code = edges_map.codes()
        # the element types themselves only where one is not among EDGE_TYPES (a type of
        # its own: code −1); else their codes say it all
        types = edges_map.types() if type_code.size and type_code.min() < 0 else None
        #: the result tables' labels (made on first use, shared by boundary copies)
        self.labels = _Labels(self.node_ids, self.edge_ids, types, type_code, self.fr, self.to)
        self.types, self.type_code = types, type_code
        is_pipe = type_code == _PIPE_CODE
        # the _KIND_NAMES codes (one byte each)
        kind = np.where(is_pipe, np.int8(PIPE), np.int8(EQUAL))
        # the elements that are neither pipes nor short pipes (few), each read once
        bulk = is_pipe | (type_code == _SHORT_PIPE_CODE)
        others = ({} if bulk.all() else
                  {k: element(k) for k in np.flatnonzero(~bulk).tolist()})
        # set-points and pressure losses, read only at set-point elements: none to keep in
        # a network of pipes and short pipes
        n_set = ne if others else 0
        setp, loss_in, loss_out = np.zeros(n_set), np.zeros(n_set), np.zeros(n_set)
        for k, e in others.items():
            kind[k], setp[k], loss_in[k], loss_out[k] = self._classify(e)
        # Nodes cut off from every pressure-fixed node by closed elements have no defined
        # pressure: they are held at a dummy pressure, their elements carry no flow, and
        # the result reports NaN. Demand on such a node cannot be met: an error.
        self.isolated = _sparse_lu.cut_off_nodes(self.fr, self.to, kind != CLOSED, self.fixed,
                                                 compiled=COMPILED_LU)
        self._hold_isolated(fix_at)
        if np.any(self.isolated):
            self.fixed[self.isolated] = True
            kind[self.isolated[self.fr] | self.isolated[self.to]] = CLOSED
        self.free = np.flatnonzero(~self.fixed)
        self.free_pos = np.full(nn, -1, dtype=np.intp)
        self.free_pos[self.free] = np.arange(self.free.size)
        self.kind, self.setpoint, self.loss_in, self.loss_out = kind, setp, loss_in, loss_out
        # the elements of each kind (a kind that is absent, or every element's, without
        # a search)
        count = np.bincount(kind, minlength=len(_KIND_NAMES))
        empty = np.zeros(0, dtype=np.intp)
        (self.pipe_idx, self.equal_idx, self.closed_idx, self.res_idx, self.set_to_idx,
         self.ratio_idx, self.set_from_idx) = (
            empty if not c else np.arange(ne) if c == ne else np.flatnonzero(kind == code)
            for code, c in enumerate(count.tolist()))
        npipe = self.pipe_idx.size
        cols = self.edge_cols
        every = npipe == ne
        self.length, self.diam, self.rough, self.eff = (
            cols[f] if every else cols[f][self.pipe_idx]
            for f in ("length", "diameter", "roughness", "efficiency"))
        self.area = (math.pi / 4) * self.diam**2  # π·D²/4 (the same float: /4 is exact)
        if not every:
            law_code = law_code[self.pipe_idx]
        #: every pipe's height difference (to − from) [m]; none kept for a level network
        self.dh = (np.zeros(0) if not self.height.any() else
                   self.height[self.to[self.pipe_idx]] - self.height[self.fr[self.pipe_idx]])
        self.flat = not np.any(self.dh)
        # pipes grouped by friction law (positions among the Darcy-law pipes), the
        # Darcy-law and power-law pipes, and which laws scale with Z
        present = {FLOW_LAWS[c] for c in
                   np.flatnonzero(np.bincount(law_code, minlength=len(FLOW_LAWS))).tolist()}
        of_law = {law: law_code == FLOW_LAWS.index(law) for law in present}
        is_darcy = np.zeros(npipe, dtype=bool)
        for law in present.intersection(_DARCY_LAWS):
            is_darcy |= of_law[law]
        # every pipe of one Darcy law in a network of pipes (the common case): the
        # indices over the elements, the pipes and that law's pipes are one array, shared
        all_darcy = bool(np.all(is_darcy))
        self.darcy = self.pipe_idx if every and all_darcy else np.flatnonzero(is_darcy)
        self.power = np.flatnonzero(~is_darcy)
        self.law_groups = [(law, self.darcy if all_darcy and len(present) == 1
                            else np.flatnonzero(of_law[law][is_darcy]))
                           for law in _DARCY_LAWS if law in present]
        self.z_scaled = ~of_law.get("empirical", np.zeros(npipe, dtype=bool))
        res = [others[k] for k in self.res_idx.tolist()]
        self.zeta = np.array([r.drag_factor for r in res])  # type: ignore[attr-defined]
        self.res_area = np.array([math.pi * r.diameter**2 / 4 for r in res])  # type: ignore[attr-defined]
        self.comp_idx = [k for k, e in others.items() if isinstance(e, Compressor)]
        self.cv_idx = [k for k in self.set_to_idx.tolist() if isinstance(others[k], ControlValve)]
        #: plans (pattern, ordering) of the reduced Newton systems, by eliminated set
        self.plans: dict[bytes, _Plan] = {}

    def type_name(self, k: int) -> str:
        """The type name of element k."""
        code = int(self.type_code[k])
        if code >= 0:
            return EDGE_TYPES[code].__name__
        assert self.types is not None
        return self.types[k].__name__

    def _edges_map(self) -> EdgeMap:
        """The element map the arrays were made from, unchanged since (a changed map is
        compiled afresh before a solve: a change now is one made during the solve)."""
        edges_map = self.source[1]
        if edges_map.version != self.source[3]:
            raise InputError("network changed while it was being solved", element="network",
                             field="edges", expected="no change to a network during its solve")
        return edges_map

    def _nodes_map(self) -> NodeMap:
        """The node map the arrays were made from, unchanged since (see _edges_map)."""
        nodes_map = self.source[0]
        if nodes_map.version != self.source[2]:
            raise InputError("network changed while it was being solved", element="network",
                             field="nodes", expected="no change to a network during its solve")
        return nodes_map

    def element(self, k: int) -> Edge:
        """Element k (read from the map)."""
        return self._edges_map()[self.edge_ids[k]]

    @cached_property
    def edges(self) -> list[Edge]:
        """Every element object, in the arrays' order (read on first use)."""
        return list(self._edges_map().values())

    @cached_property
    def pipes(self) -> list[Pipe]:
        """The pipe objects, in the order of ``pipe_idx``."""
        edges = self.edges
        out = (edges if self.pipe_idx.size == self.ne
               else list(map(edges.__getitem__, self.pipe_idx.tolist())))
        return out  # type: ignore[return-value]

    def _boundary(self, net: Network) -> IntArray:
        """Take the network's fixed pressures and injections (what the arrays were
        built from, see _compile, and their arrays); returns the fixed nodes."""
        idx, nn = self.idx, len(self.node_ids)
        self.pressures = dict(net.pressures)
        self.injections = dict(net.injections)
        fix_at = np.fromiter(map(idx.__getitem__, net.pressures), np.intp, len(net.pressures))
        self.p_fixed = np.zeros(nn)
        self.p_fixed[fix_at] = np.fromiter(net.pressures.values(), float, fix_at.size)
        self.inj = np.zeros(nn)
        inj_at = np.fromiter(map(idx.__getitem__, net.injections), np.intp,
                             len(net.injections))
        self.inj[inj_at] = np.fromiter(net.injections.values(), float, inj_at.size)
        return fix_at

    def _hold_isolated(self, fix_at: IntArray) -> None:
        """Hold the nodes cut off from every pressure-fixed node at the mean fixed
        pressure; demand on such a node cannot be met (an error)."""
        if not np.any(self.isolated):
            return
        cut = self.isolated & (self.inj != 0.0)
        if np.any(cut):
            i = int(np.flatnonzero(cut)[0])
            raise InputError("node with a demand or supply is cut off from every "
                             "pressure-fixed node", element=f"node {self.node_ids[i]}",
                             field="injection", value=float(self.inj[i]),
                             expected="a path of open elements to a set_pressure node")
        self.p_fixed[self.isolated] = float(np.mean(self.p_fixed[fix_at]))

    def with_boundary(self, net: Network) -> _Arrays:
        """These arrays with the network's fixed-pressure and injection values.

        For a network whose nodes, elements and set of pressure-fixed nodes are those
        the arrays were built from (a sweep of demands or supply pressures): everything
        else — the pattern, the orderings and plans of the Newton systems, the result
        labels — is shared, not rebuilt.
        """
        b = copy.copy(self)
        b._hold_isolated(b._boundary(net))
        return b

    # result-only data: computed on first use, then kept with the arrays
    @cached_property
    def pressure_bounds(self) -> tuple[FloatArray, FloatArray]:
        """p_min, p_max of every node (the network's own read-only columns, also the node
        table's)."""
        nodes_map = self._nodes_map()
        return nodes_map.column("p_min"), nodes_map.column("p_max")

    def flow_bounds(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """flow_min, flow_max of every node (they apply at the pressure-fixed nodes, whose
        injection is a result) and of every element: copies made now for one bounds
        check, not kept — a compiled network keeps ~0.14 MB less for GasLib-4197 (fresh
        memory costs a page fault per 4 KB on a first solve)."""
        nodes_map, edges_map = self._nodes_map(), self._edges_map()
        return (nodes_map.column("flow_min", keep=False),
                nodes_map.column("flow_max", keep=False),
                edges_map.column("flow_min", keep=False), edges_map.column("flow_max", keep=False))

    @staticmethod
    def _classify(e: object) -> tuple[int, float, float, float]:
        if isinstance(e, Pipe):
            return PIPE, 0.0, 0.0, 0.0
        if isinstance(e, ShortPipe):
            return EQUAL, 0.0, 0.0, 0.0
        if isinstance(e, Valve):
            return (EQUAL if e.open else CLOSED), 0.0, 0.0, 0.0
        if isinstance(e, Resistor):
            return RESISTOR, 0.0, 0.0, 0.0
        if isinstance(e, ControlValve):
            if e.mode == "closed":
                return CLOSED, 0.0, 0.0, 0.0
            if e.mode == "bypass":
                return EQUAL, 0.0, 0.0, 0.0
            assert e.setpoint is not None
            return SET_TO, e.setpoint, e.pressure_loss_in, e.pressure_loss_out
        if isinstance(e, Compressor):
            if e.mode == "closed":
                return CLOSED, 0.0, 0.0, 0.0
            if e.mode == "bypass":
                return EQUAL, 0.0, 0.0, 0.0
            kind = e.setpoint_kind
            if kind == "ratio":
                assert e.ratio is not None
                return RATIO, e.ratio, e.pressure_loss_in, e.pressure_loss_out
            if kind == "discharge_pressure":
                assert e.discharge_pressure is not None
                return SET_TO, e.discharge_pressure, e.pressure_loss_in, e.pressure_loss_out
            if kind == "suction_pressure":
                assert e.suction_pressure is not None
                return SET_FROM, e.suction_pressure, e.pressure_loss_in, e.pressure_loss_out
            raise InputError("active compressor without a set-point", element=f"compressor {e.id}",
                             field="ratio", expected="ratio=, discharge_pressure= or "
                             "suction_pressure= (or mode='bypass'/'closed')")
        raise InputError("unknown element type", element=str(getattr(e, "id", e)),
                         field="type", value=type(e).__name__)


class _Physics:
    """Vectorised pipe and resistor laws with their derivatives."""

    def __init__(self, a: _Arrays, gas: Gas, t: float, reference: str,
                 z_model: ZModel | None, viscosity: float | None) -> None:
        self.a = a
        self.t = t
        #: gas temperature of every pipe [K] (isothermal: all t; updated by the energy pass)
        self.t_pipe = np.full(a.pipe_idx.size, t)
        #: gas temperature at every resistor's inlet [K]
        self.t_res = np.full(a.res_idx.size, t)
        self.r_s = gas.specific_gas_constant
        self.molar_mass = gas.molar_mass
        ref = get_reference(reference)
        self.rho_ref = gas.standard_density(ref)
        self.ref = ref
        self.viscosity = viscosity
        if z_model is None:
            sur = gas.surrogate()
            env = sur.envelope

            def z_of(p: FloatArray, tt: FloatArray) -> tuple[FloatArray, FloatArray]:
                pc = np.clip(p, env.p_min, env.p_max)
                z, dzdp, _ = sur.z_derivatives(pc, tt)
                return z, np.where(p == pc, dzdp, 0.0)

            self.z_of: ZModel = z_of
        else:
            self.z_of = z_model
        self.sg = self.molar_mass / _M_AIR
        self.law_groups = a.law_groups
        self.z_scaled = a.z_scaled
        self.rel_rough = a.rough / a.diam
        self.darcy = a.darcy
        self.power = a.power
        # per Darcy-law pipe: D/A (Re = |q|·D/(A μ)), ε/D and L/(D A²)·(A/D)/η²
        d = a.darcy
        self.all_darcy = d.size == a.pipe_idx.size
        self.all_z_scaled = bool(np.all(a.z_scaled))

        def darcy(v: FloatArray) -> FloatArray:  # the Darcy-law pipes' values (all: as is)
            return v if self.all_darcy else v[d]

        area, diam = darcy(a.area), darcy(a.diam)
        self.d_over_a = diam / area
        self.rel_rough_d = darcy(self.rel_rough)
        self.geometry_d = darcy(a.length) / (diam * area**2) * (area / diam) / darcy(a.eff) ** 2
        #: turbulent-law λ of every Darcy-law pipe at the last evaluation (Newton's start
        #: for the Colebrook family; NaN: none yet)
        self.lam_last = np.full(d.size, np.nan)
        self.dlam_last = np.zeros(d.size)
        self.re_last = np.zeros(d.size)
        self._mu_const: FloatArray | None = None

    def pipe_law(self, p1: FloatArray, p2: FloatArray, q: FloatArray, explicit: bool = False,
                 scale: float = 1.0, out: FloatArray | None = None
                 ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Residual r = p1² − e^s p2² − F(q) and its derivatives (∂p1, ∂p2, ∂q), each times
        ``scale``; r into ``out`` if given (the residual vector's rows: no copy).

        ``explicit``: Colebrook-family friction by Swamee & Jain's explicit formula, not
        solved: for the linearised start. Its λ is remembered as the next evaluation's
        start all the same (Halley's method then needs no Swamee & Jain of its own: on
        GasLib-4197 the first Newton pass's friction in 0.24 instead of 0.34 ms)."""
        a = self.a
        compiled = COMPILED_PIPE_LAW
        if compiled:
            pm, dpm1, dpm2 = _colebrook.mean_pressure(p1, p2)
        else:
            psum = p1 + p2
            pm = 2.0 / 3.0 * (psum - p1 * p2 / psum)
            dpm1 = 2.0 / 3.0 * (1.0 - p2**2 / psum**2)
            dpm2 = 2.0 / 3.0 * (1.0 - p1**2 / psum**2)
        tt = self.t_pipe
        z, dz = self.z_of(pm, tt)
        every = self.all_darcy
        d = self.darcy
        law0 = self.law_groups[0][0] if len(self.law_groups) == 1 else ""
        if compiled and every and law0 in _COLEBROOK_DIVISORS and d.size:
            # every pipe of one Colebrook-family law: friction and law in two compiled
            # passes (the same equations and floats as below; a Z model may give scalars)
            zz, dzz = (v if (isinstance(v, np.ndarray) and v.shape == q.shape
                             and v.dtype == np.float64 and v.flags.c_contiguous)
                       else np.ascontiguousarray(np.broadcast_to(v, q.shape), dtype=float)
                       for v in (z, dz))
            zrt = None if a.flat and self.viscosity is not None else zz * self.r_s * tt
            s = es = le_factor = None
            if zrt is not None and not a.flat:
                s, es, le_factor = self._elevation(zrt)
            mu_all = self._viscosity(tt, pm, zrt)
            phi, dphi, bad = _colebrook.colebrook_phi(
                q, self.d_over_a, mu_all, self.rel_rough_d, _COLEBROOK_DIVISORS[law0],
                self.lam_last, self.dlam_last, self.re_last, explicit=explicit)
            if bad >= 0:
                raise ConvergenceError("Colebrook Newton", iterations=50,
                                       residual=float(abs(q[bad]) * self.d_over_a[bad]
                                                      / mu_all[bad]))
            return _colebrook.pipe_law(p1, p2, q, zz, dzz, tt, self.r_s, self.geometry_d,
                                       mu_all, self.d_over_a, phi, dphi, dpm1, dpm2,
                                       le_factor, es, s, scale=scale, out_r=out)
        zrt = z * self.r_s * tt
        if a.flat:  # s = 0: e^s = 1, L_e = L
            s = es = le_factor = None
        else:
            s, es, le_factor = self._elevation(zrt)
        # F and dF/dq, made below
        f: FloatArray | None = None
        dfdq: FloatArray | None = None
        # Darcy laws: F = zrt·Le/(D A²)·(Aμ/D)·φ(Re)·q
        if d.size:
            zrt_d = zrt if every else zrt[d]
            q_d = q if every else q[d]
            mu_all = self._viscosity(tt, pm, zrt)
            mu = mu_all if every else mu_all[d]
            dre_dq = self.d_over_a / mu
            rel = self.rel_rough_d
            if compiled and law0 in _COLEBROOK_DIVISORS:
                # one Colebrook-family law: the compiled pass (the same φ as _darcy_phi)
                phi, dphi, bad = _colebrook.colebrook_phi(
                    q_d, self.d_over_a, mu, rel, _COLEBROOK_DIVISORS[law0], self.lam_last,
                    self.dlam_last, self.re_last, explicit=explicit)
                if bad >= 0:
                    raise ConvergenceError("Colebrook Newton", iterations=50,
                                           residual=float(abs(q_d[bad]) * dre_dq[bad]))
            else:
                phi, dphi = self._darcy_phi(np.abs(q_d) * dre_dq, rel, explicit)
            coef = zrt_d * (self.geometry_d * mu)
            if le_factor is not None:
                coef = coef * (le_factor if every else le_factor[d])
            f_d = coef * phi * q_d
            dfdq_d = coef * (phi + np.abs(q_d) * dphi * dre_dq)
            if every:
                f, dfdq = f_d, dfdq_d
            else:
                f, dfdq = np.zeros_like(q), np.zeros_like(q)
                f[d], dfdq[d] = f_d, dfdq_d
            # Z enters through zrt (∂F/∂Z = F/Z)
        if f is None or dfdq is None:  # no Darcy-law pipe
            f, dfdq = np.zeros_like(q), np.zeros_like(q)
        # power laws (classic equations, empirical) on standard volume flow
        pw = self.power
        if pw.size:
            kq, n = self._power_coefficients(pw, z)
            le_pw = 1.0 if le_factor is None else le_factor[pw]
            qs = q[pw] / self.rho_ref
            eps = 1e-6 * np.maximum(1.0, np.abs(qs).max(initial=0.0))
            g = (qs**2 + eps**2) ** ((n - 1) / 2)
            f[pw] = kq * le_pw * g * qs
            dg = (n - 1) * qs**2 * (qs**2 + eps**2) ** ((n - 3) / 2)
            dfdq[pw] = kq * le_pw * (g + dg) / self.rho_ref
        dfdz = f / z if self.all_z_scaled else np.where(a.z_scaled, f / z, 0.0)
        dfdz_dz = dfdz * dz
        if es is None:
            r = p1**2 - p2**2 - f
            dr1, dr2 = 2 * p1 - dfdz_dz * dpm1, -2 * p2 - dfdz_dz * dpm2
        else:
            assert s is not None
            r = p1**2 - es * p2**2 - f
            # s depends on Z as well: ∂(e^s)/∂Z = −s e^s / Z (small; included)
            des_dz = -s * es / z
            dr1 = 2 * p1 - (dfdz_dz * dpm1) - des_dz * dz * dpm1 * p2**2
            dr2 = -2 * es * p2 - (dfdz_dz * dpm2) - des_dz * dz * dpm2 * p2**2
        jq = -dfdq
        if scale != 1.0:
            r, dr1, dr2, jq = r * scale, dr1 * scale, dr2 * scale, jq * scale
        if out is not None:
            out[:] = r
            r = out
        return r, dr1, dr2, jq

    def _elevation(self, zrt: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """s = 2gΔh/(ZRT), e^s and the effective-length factor L_e/L = (e^s − 1)/s of
        every pipe (1 + s/2 where |s| < 1e-9)."""
        s = 2.0 * GRAVITY * self.a.dh / zrt
        small = np.abs(s) < 1e-9
        es = np.exp(s)
        le_factor = np.where(small, 1.0 + s / 2, np.expm1(s) / np.where(small, 1.0, s))
        return s, es, le_factor

    def _viscosity(self, tt: FloatArray, pm: FloatArray, zrt: FloatArray | None
                   ) -> FloatArray:
        """μ of every pipe: the given constant, or Lee-Gonzalez-Eakin at the mean state
        (density pm/zrt)."""
        if self.viscosity is not None:
            if self._mu_const is None:
                self._mu_const = np.full(self.a.pipe_idx.size, float(self.viscosity))
            return self._mu_const
        assert zrt is not None
        return np.asarray(lee_gonzalez_eakin(tt, pm / zrt, self.molar_mass), dtype=float)

    def _darcy_phi(self, re: FloatArray, rel: FloatArray, explicit: bool = False
                   ) -> tuple[FloatArray, FloatArray]:
        """φ = λ·Re and dφ/dRe of the Darcy-law pipes at Reynolds numbers ``re`` (numpy;
        :mod:`._colebrook` is the compiled pass for one Colebrook-family law);
        ``explicit``: see :meth:`pipe_law`."""
        lam = np.empty(re.size)
        dphi = np.empty(re.size)
        for law, m in self.law_groups:
            divisor = _COLEBROOK_DIVISORS.get(law)
            if divisor is not None:
                # Colebrook family: the law by Newton (from the last call's λ) with its
                # analytic dλ/dRe, for turbulent and critical-zone pipes; the latter
                # blended with the laminar law as darcy_friction has it,
                # φ = λ·Re = (1 − w)·64 + w·Re·λ_t, w = (Re − 2000)/2000
                turb = re[m] >= RE_LAMINAR_MAX
                mt = m[turb]
                re_t = re[mt]
                # start: the last λ moved along its dλ/dRe to this Re
                start = self.lam_last[mt] + self.dlam_last[mt] * (re_t - self.re_last[mt])
                lm, dlm = colebrook_with_derivative(re_t, rel[mt], divisor,
                                                    np.where(start > 0, start, np.nan),
                                                    iterate=not explicit)
                self.lam_last[mt], self.dlam_last[mt], self.re_last[mt] = lm, dlm, re_t
                dphi_t = lm + re_t * dlm
                crit = re_t < RE_TURBULENT_MIN
                if crit.any():
                    rc, phi_c = re_t[crit], re_t[crit] * lm[crit]
                    w = (rc - RE_LAMINAR_MAX) / (RE_TURBULENT_MIN - RE_LAMINAR_MAX)
                    lm[crit] = ((1 - w) * LAMINAR_FRICTION_CONSTANT + w * phi_c) / rc
                    dphi_t[crit] = ((phi_c - LAMINAR_FRICTION_CONSTANT)
                                    / (RE_TURBULENT_MIN - RE_LAMINAR_MAX)
                                    + w * dphi_t[crit])
                lam[mt] = lm
                dphi[mt] = dphi_t
                m = m[~turb]
                if not m.size:
                    continue
            # laminar (Hagen-Poiseuille, as darcy_friction has it): φ = 64, flat
            lami = re[m] < RE_LAMINAR_MAX
            ml = m[lami]
            lam[ml] = LAMINAR_FRICTION_CONSTANT / np.maximum(re[ml], RE_FLOOR)
            dphi[ml] = 0.0
            m = m[~lami]
            if not m.size:
                continue
            both = np.concatenate([re[m], re[m] * (1 + 1e-6) + 1e-3])
            lam2 = np.asarray(darcy_friction(both, np.concatenate([rel[m], rel[m]]),
                                             law=law))
            lam[m], lam_h = lam2[:m.size], lam2[m.size:]
            h = re[m] * 1e-6 + 1e-3
            dphi[m] = ((re[m] + h) * lam_h - re[m] * lam[m]) / h
        laminar = re < 1.0
        phi = np.where(laminar, 64.0, lam * np.maximum(re, 1.0))
        dphi = np.where(laminar, 0.0, dphi)  # φ = 64 is constant there
        return phi, dphi

    def _power_coefficients(self, idx: IntArray, z: FloatArray
                            ) -> tuple[FloatArray, FloatArray]:
        """K [Pa²/(m³/s)^n] and n of the power-law pipes (standard volume flow)."""
        a = self.a
        kq = np.empty(idx.size)
        n = np.empty(idx.size)
        tb, pb = self.ref.temperature, self.ref.pressure
        for j, k in enumerate(idx):
            pipe = a.pipes[k]
            if pipe.flow_law == "empirical":
                assert pipe.k is not None and pipe.n is not None
                kq[j], n[j] = pipe.k, pipe.n
                continue
            c = _CLASSIC[pipe.flow_law]
            m = c.flow_exponent
            denom = c.si_constant * pipe.efficiency * (tb / pb) ** c.base_exponent \
                * pipe.diameter**c.diameter_exponent
            kq[j] = self.sg**c.sg_exponent * self.t_pipe[k] * pipe.length * z[k] \
                / denom ** (1 / m)
            n[j] = 1 / m
        return kq, n

    def resistor_law(self, p1: FloatArray, p2: FloatArray, q: FloatArray
                     ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """r = p1 − p2 − ζ q|q|/(2 ρ A²), ρ at the upstream pressure (regularised at 0)."""
        a = self.a
        pu = np.where(q >= 0, p1, p2)
        z, _ = self.z_of(pu, self.t_res)
        rho = pu / (z * self.r_s * self.t_res)
        c = a.zeta / (2 * rho * a.res_area**2)
        eps = 1e-6
        g = np.sqrt(q**2 + eps**2)
        r = p1 - p2 - c * q * g
        dq = -c * (g + q**2 / g)
        return r, np.ones_like(p1), -np.ones_like(p2), dq


class _Plan:
    """The reduced Newton system of one set of eliminated elements: pattern and ordering.

    Elements whose equation depends on their own flow (dq ≠ 0: pipes, resistors,
    lossless and closed elements) are eliminated, dq_e = −(f_e + d1·dp_from + d2·dp_to)/dq_e.
    What remains is a nodal system in the free pressures plus the flows of the other
    elements (set-point elements), much smaller and sparser than the full one. Its
    sparsity pattern is the same at every step: the fill-reducing ordering (minimum
    degree on A + Aᵀ, most of SuperLU's time on large networks) is computed once, and
    each step's values are summed straight into their places: in the factors' values
    for a light nodal system (the compiled LU from L's pattern alone, see
    :class:`~._sparse_lu.NodalSystem`), else in the ordered matrix's compressed columns
    (laid out from the element ends when first needed, see :attr:`_pattern`).
    """

    def __init__(self, a: _Arrays, elim: npt.NDArray[np.bool_]) -> None:
        nf = a.free.size
        # each element's end nodes among the free nodes (−1: a fixed end), in the index
        # dtype of the compiled passes (int32: half the memory a plan keeps)
        dt = _sparse_lu.index_dtype(max(a.ne, nf))
        self.pos1 = a.free_pos[a.fr].astype(dt)
        self.pos2 = a.free_pos[a.to].astype(dt)
        self.elim = elim
        self.k0 = np.flatnonzero(~elim)
        self.nf = nf
        self.size = nf + self.k0.size
        self.new_pos: IntArray | None = None
        #: the compiled LU's pattern analysis, made on first use (see :meth:`compiled_lu`)
        self.symbolic: _sparse_lu.SymbolicLU | None = None
        self._nodal: _sparse_lu.NodalSystem | None = None
        #: L's pattern from the ordering, until the compiled LU's analysis takes it
        self._factors: tuple[IntArray, IntArray] | None = None

    def _parts(self) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
        """The entries' element lists: (from, from), (from, to), (to, from), (to, to) of
        the eliminated elements with those ends free; the kept elements with a free from
        node, and with a free to node (each their balance entry and their own row's)."""
        m1, m2 = self.pos1 >= 0, self.pos2 >= 0
        elim, keep = self.elim, ~self.elim
        ft = np.flatnonzero(elim & m1 & m2)
        return (np.flatnonzero(elim & m1), ft, ft, np.flatnonzero(elim & m2),
                np.flatnonzero(keep & m1), np.flatnonzero(keep & m2))

    def _entries(self, parts: tuple[IntArray, ...]) -> tuple[IntArray, IntArray]:
        """Row and column of every entry, in the order of ``parts`` (made when needed,
        not kept: the ordered pattern's slots stand for them).

        Entries: (from, from) +g1, (from, to) +g2, (to, from) −g1, (to, to) −g2 over the
        eliminated elements, g = d/(dq·q_ref); the kept elements' flows in the balance
        rows (∓1/q_ref); the kept elements' own rows (d1, d2)."""
        ff, ft, _, tt, kf, kt = parts
        pos1, pos2 = self.pos1, self.pos2
        col0 = np.full(self.elim.size, -1, dtype=pos1.dtype)
        col0[self.k0] = self.nf + np.arange(self.k0.size)
        p1_ff, p1_ft, p2_ft, p2_tt = pos1[ff], pos1[ft], pos2[ft], pos2[tt]
        p1_kf, p2_kt, c_kf, c_kt = pos1[kf], pos2[kt], col0[kf], col0[kt]
        rows = np.concatenate([p1_ff, p1_ft, p2_ft, p2_tt, p1_kf, p2_kt, c_kf, c_kt])
        cols = np.concatenate([p1_ff, p2_ft, p1_ft, p2_tt, c_kf, c_kt, p1_kf, p2_kt])
        return rows, cols

    @cached_property
    def general(self) -> _General:
        """What the general (SuperLU) path assembles and solves with (made on first use:
        a plan of the compiled nodal system does not keep it)."""
        return _General(self._parts(), self.pos1, self.pos2, self.elim)

    def nodal_ordering(self) -> bool:
        """Whether the system is ordered on its pattern alone (:meth:`order`): a nodal
        matrix (see :meth:`compiled_lu`) with the compiled kernels in use."""
        return bool(COMPILED_LU and self.k0.size == 0 and self.size)

    def order(self, vals: FloatArray | None) -> Any:
        """Choose the ordering from this first matrix (its values unused for a nodal
        ordering); set up the ordered pattern; return the first factorisation (None: the
        matrix is for the compiled LU, which factorises it on the ordered pattern)."""
        size = self.size
        lu = None
        if self.nodal_ordering():
            # a nodal matrix (see compiled_lu): ordered on the element ends alone, without
            # a first factorisation by SuperLU; L's pattern, when the ordering gives it,
            # waits for the compiled LU's analysis, and A's ordered pattern is laid out
            # only where needed (see _pattern)
            new_pos, self._factors = _sparse_lu.nodal_analysis(size, self.pos1, self.pos2)
        else:
            assert vals is not None
            rows, cols = self._entries(self._parts())
            jm = sp.csc_matrix((vals, (rows, cols)), shape=(size, size))
            lu = spla.splu(jm, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.1, relax=1,
                           panel_size=1, options={"SymmetricMode": True})
            new_pos = np.asarray(lu.perm_c, dtype=np.intp)  # position of each index
            if COMPILED_LU:
                indptr, indices, slot = _sparse_lu.ordered_pattern(size, new_pos, rows, cols)
            else:
                r, c = new_pos[rows], new_pos[cols]
                uniq, slot = np.unique(c.astype(np.int64) * size + r, return_inverse=True)
                indices = uniq % size
                indptr = np.concatenate([[0], np.cumsum(np.bincount(uniq // size,
                                                                    minlength=size))])
            self._pattern = (indptr, indices, slot, None)
        # every attribute set whole (a concurrent solve that orders the plan again
        # replaces each with an equal one, never shows a half-made one); last: a plan
        # shared by concurrent solves counts as ordered once new_pos is set
        self.new_pos = new_pos
        return lu

    @cached_property
    def old_idx(self) -> IntArray:
        """The inverse of the ordering: the unknown at each new position (for SuperLU's
        solves in the new order; the compiled nodal system needs none)."""
        assert self.new_pos is not None
        old_idx = np.empty(self.size, dtype=np.intp)
        old_idx[self.new_pos] = np.arange(self.size)
        return old_idx

    @cached_property
    def _pattern(self) -> tuple[IntArray, IntArray, IntArray,
                                tuple[IntArray, IntArray, IntArray, IntArray] | None]:
        """The ordered matrix's compressed-column pattern (indptr, indices), the slot of
        every entry (in the order of :meth:`_entries`) in its data and, for a nodal plan,
        each element's slots of its four entries. A general plan sets it as it is
        ordered; a nodal plan lays it out from its element ends when first needed — for
        an up-looking compiled LU, or SuperLU after a pivot the compiled LU could not
        take — not for the factorisation from the list of updates (a gas network's)."""
        assert self.new_pos is not None and self.nodal_ordering()
        indptr, indices, slots = _sparse_lu.element_pattern(self.size, self.pos1, self.pos2,
                                                            self.new_pos)
        parts = self._parts()
        slot = np.concatenate([s[part] for s, part in zip(slots, parts[:4], strict=True)])
        return indptr, indices, slot, slots

    @property
    def indptr(self) -> IntArray:
        return self._pattern[0]

    @property
    def indices(self) -> IntArray:
        return self._pattern[1]

    @property
    def slot(self) -> IntArray:
        return self._pattern[2]

    @property
    def nnz(self) -> int:
        return int(self._pattern[0][-1])

    def compiled_lu(self) -> _sparse_lu.SymbolicLU | None:
        """The compiled LU's analysis of the ordered pattern, where it applies: every
        element eliminated (a nodal matrix, structurally symmetric and column diagonally
        dominant: no pivoting needed), the compiled kernels in use and a fill light
        enough (:data:`COMPILED_LU_MAX_WORK`)."""
        if not (COMPILED_LU and self.k0.size == 0 and self.size):
            return None
        if self.symbolic is None:  # concurrent solves may both make it: the same result
            # from L's pattern as the ordering found it, where light enough; else from
            # the ordered pattern of A
            factors, limit = self._factors, min(_sparse_lu.UPDATES_MAX_WORK,
                                                COMPILED_LU_MAX_WORK)
            sym = (None if factors is None else
                   _sparse_lu.SymbolicLU.of_factors(*factors, updates_max_work=limit))
            if sym is None:
                sym = _sparse_lu.SymbolicLU(self.indptr, self.indices,
                                            max_work=COMPILED_LU_MAX_WORK)
            self.symbolic = sym
            self._factors = None  # not kept: the analysis holds what it needs
        return None if self.symbolic.heavy else self.symbolic

    def nodal(self) -> _sparse_lu.NodalSystem | None:
        """The compiled nodal system (once ordered, where the compiled LU applies)."""
        if self.new_pos is None or not self.nodal_ordering():
            return None
        sym = self.compiled_lu()
        if sym is None:
            return None
        if self._nodal is None:
            slots = None if sym.by_updates else self._pattern[3]
            self._nodal = _sparse_lu.NodalSystem(sym, self.pos1, self.pos2, self.new_pos,
                                                 slots)
        return self._nodal

    def matrix(self, vals: FloatArray) -> Any:
        """The ordered matrix of these entry values."""
        data = np.bincount(self.slot, vals, self.nnz)
        return sp.csc_matrix((data, self.indices, self.indptr), shape=(self.size, self.size))

    def unordered_matrix(self, vals: FloatArray) -> Any:
        """The matrix of these entry values in the unknowns' own order."""
        rows, cols = self._entries(self.general.parts)
        return sp.csc_matrix((vals, (rows, cols)), shape=(self.size, self.size))


class _General:
    """A plan's element lists for the general path: which elements make which entries
    (see :meth:`_Plan._parts`), the eliminated ones and their balance rows' positions."""

    def __init__(self, parts: tuple[IntArray, IntArray, IntArray, IntArray, IntArray,
                                    IntArray], pos1: IntArray, pos2: IntArray,
                 elim: npt.NDArray[np.bool_]) -> None:
        self.parts = parts
        self.elim_idx = np.flatnonzero(elim)
        # the eliminated elements' rows of the balance (from: −1/q_ref, to: +1/q_ref)
        self.e1, self.e2 = parts[0], parts[3]
        self.e1_pos, self.e2_pos = pos1[self.e1], pos2[self.e2]


class _Step:
    """A factorised reduced Newton matrix and what turns a residual into a step with it."""

    def __init__(self, a: _Arrays, plan: _Plan, d1: FloatArray, d2: FloatArray,
                 dq: FloatArray, q_ref: float, strict: bool = False) -> None:
        self.a, self.plan, self.q_ref = a, plan, q_ref
        self.d1, self.d2 = d1, d2
        self.lu: Any = None
        self.dense: Any = None
        self.nodal: _sparse_lu.NodalSystem | None = None
        if plan.new_pos is None and plan.nodal_ordering():
            plan.order(None)
        nodal = plan.nodal()
        if nodal is not None:  # the compiled nodal system: assembled, factorised in one go
            factors = nodal.factor(d1, d2, dq, q_ref)
            if factors is not None:
                self.nodal, (self.lu, self.inv) = nodal, factors
                return
        gen = plan.general
        e = gen.elim_idx
        if e.size == dq.size:
            inv = 1.0 / dq
        else:
            inv = np.zeros(dq.size)
            inv[e] = 1.0 / dq[e]
        self.inv = inv
        g1 = d1 * inv / q_ref
        g2 = d2 * inv / q_ref
        ff, ft, tf, tt, kf, kt = gen.parts
        vals = np.concatenate([g1[ff], g2[ft], -g1[tf], -g2[tt], np.full(kf.size, -1 / q_ref),
                               np.full(kt.size, 1 / q_ref), d1[kf], d2[kt]])
        if plan.size == 0:
            return
        try:
            if plan.new_pos is None:
                self.lu = plan.order(vals)
            self.ordered = self.lu is None
            if self.ordered:  # no compiled LU, or (nodal) a pivot it could not take
                # no supernode relaxation: the networks' factors have tiny supernodes
                self.lu = spla.splu(plan.matrix(vals), permc_spec="NATURAL",
                                    diag_pivot_thresh=0.1, relax=1, panel_size=1,
                                    options={"SymmetricMode": True})
        except RuntimeError:  # singular: regularise slightly
            if strict:
                raise
            jm = plan.unordered_matrix(vals)
            self.dense = spla.factorized(jm + sp.identity(plan.size, format="csc") * 1e-12)

    def solve(self, f: FloatArray) -> FloatArray:
        """The Newton step −J⁻¹f (J the matrix this step was factorised from)."""
        if self.nodal is not None:
            return self.nodal.step(self.lu, self.inv, self.d1, self.d2, f, self.q_ref)
        a, plan = self.a, self.plan
        nf = plan.nf
        f_e = f[nf:]
        inv = self.inv
        w = f_e * inv / self.q_ref
        rhs = np.empty(plan.size)
        gen = plan.general
        rhs[:nf] = (np.bincount(gen.e2_pos, w[gen.e2], nf)
                    - np.bincount(gen.e1_pos, w[gen.e1], nf) - f[:nf])
        rhs[nf:] = -f_e[plan.k0]
        if plan.size == 0:
            sol = rhs
        elif self.dense is not None:
            sol = np.asarray(self.dense(rhs))
        elif self.ordered:
            sol = np.empty(plan.size)
            sol[plan.old_idx] = self.lu.solve(rhs[plan.old_idx])
        else:
            sol = self.lu.solve(rhs)
        dp = np.zeros(len(a.node_ids))
        dp[a.free] = sol[:nf]
        dqv = np.zeros(f_e.size)
        dqv[plan.k0] = sol[nf:]
        e = gen.elim_idx
        if e.size == dqv.size:  # every element eliminated
            dqv = -(f_e + self.d1 * dp[a.fr] + self.d2 * dp[a.to]) * inv
        else:
            dqv[e] = -(f_e[e] + self.d1[e] * dp[a.fr[e]] + self.d2[e] * dp[a.to[e]]) * inv[e]
        return np.concatenate([sol[:nf], dqv])


#: Factorise nodal Newton matrices with the compiled LU (:mod:`._sparse_lu`, needs numba:
#: the ``fast`` extra) instead of SuperLU; a switch for tests and benchmarks.
COMPILED_LU = _sparse_lu.AVAILABLE
#: The compiled LU is used up to this work per unknown (Σ over the columns of L of their
#: entry count squared, / n); above it SuperLU's supernodes are faster. Measured: gas
#: networks ~2 (GasLib-4197, synthetic gas-network-like ones up to 100k nodes: the
#: compiled LU 5× faster); square grids 185 at 1k nodes (2× faster), 357 at 2.5k (1.3×),
#: ~1,000 at 10k nodes and 2,500 at 40k (SuperLU 1.1-1.3× faster).
COMPILED_LU_MAX_WORK: Final = 500.0
#: Evaluate the friction of a single Colebrook-family law in one compiled pass
#: (:mod:`._colebrook`, needs numba) instead of numpy; a switch for tests and benchmarks.
COMPILED_PIPE_LAW = _colebrook.AVAILABLE


def _plan(a: _Arrays, dq: FloatArray) -> _Plan:
    """The reduced-system plan for the elements with dq ≠ 0 (kept with the arrays)."""
    elim = dq != 0.0
    key = elim.tobytes()
    plan = a.plans.get(key)
    if plan is None:
        plan = _Plan(a, elim)
        a.plans[key] = plan
    return plan


#: After a full Newton step that cut the residual by CHORD_TRY or more (the quadratic
#: phase), the next step reuses its factorised Jacobian (a chord step: one residual and
#: two triangular solves instead of a factorisation) and is kept if it cuts the residual
#: by CHORD_RATE; otherwise a Newton step follows from where the chord step started.
CHORD_TRY: Final = 1e-2
CHORD_RATE: Final = 0.1


def _solve_once(a: _Arrays, ph: _Physics, inj: FloatArray, x0: FloatArray | None,
                tol: float, max_iter: int) -> tuple[FloatArray, int, float]:
    nf, ne = a.free.size, a.ne
    p_ref = float(a.p_fixed[a.fixed].max())
    q_ref = max(float(np.abs(inj).sum()) / 2, 1.0)
    fr, to = a.fr, a.to
    nn = len(a.node_ids)
    free = a.free
    k_pipe, k_res = a.pipe_idx, a.res_idx
    k_eq, k_cl = a.equal_idx, a.closed_idx
    k_to, k_from, k_ratio = a.set_to_idx, a.set_from_idx, a.ratio_idx
    setp, loss_in, loss_out = a.setpoint, a.loss_in, a.loss_out
    only_pipes = k_pipe.size == ne
    # derivatives that do not change (lossless, closed and set-point elements; none in a
    # network of pipes)
    d1c, d2c, dqc = (np.zeros(0 if only_pipes else ne) for _ in range(3))
    if not only_pipes:
        d1c[k_eq], d2c[k_eq], dqc[k_eq] = 1 / p_ref, -1 / p_ref, -EQUAL_RESISTANCE / q_ref
        dqc[k_cl] = 1 / q_ref
        d2c[k_to] = 1 / p_ref
        d1c[k_from] = 1 / p_ref
        d1c[k_ratio], d2c[k_ratio] = -setp[k_ratio] / p_ref, 1 / p_ref

    def residual(x: FloatArray) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
        q = x[nf:]
        f_new = np.empty(nf + ne)  # balance rows, then element rows
        f_e = f_new[nf:]
        if COMPILED_LU:  # the element end pressures and the balance rows in one pass
            p1, p2 = _sparse_lu.ends_and_balance(x, a.p_fixed, a.free_pos, free, fr, to, inj,
                                                 q_ref, f_new)
        else:
            p = a.p_fixed.copy()
            p[free] = x[:nf]
            bal = inj + np.bincount(to, q, nn) - np.bincount(fr, q, nn)
            f_new[:nf] = bal[free] / q_ref
            p1, p2 = p[fr], p[to]
        sc = 1.0 / p_ref**2
        if only_pipes:  # the scaled law straight into the residual's element rows
            _, j1, j2, jq = ph.pipe_law(p1, p2, q, scale=sc, out=f_e)
            return f_new, (j1, j2, jq)
        d1, d2, dq = d1c.copy(), d2c.copy(), dqc.copy()
        k = k_pipe
        if k.size:
            r, j1, j2, jq = ph.pipe_law(p1[k], p2[k], q[k])
            f_e[k], d1[k], d2[k], dq[k] = r * sc, j1 * sc, j2 * sc, jq * sc
        k = k_res
        if k.size:
            r, j1, j2, jq = ph.resistor_law(p1[k], p2[k], q[k])
            f_e[k], d1[k], d2[k], dq[k] = r / p_ref, j1 / p_ref, j2 / p_ref, jq / p_ref
        k = k_eq
        f_e[k] = (p1[k] - p2[k]) / p_ref - EQUAL_RESISTANCE * q[k] / q_ref
        f_e[k_cl] = q[k_cl] / q_ref
        f_e[k_to] = (p2[k_to] - setp[k_to]) / p_ref
        f_e[k_from] = (p1[k_from] - setp[k_from]) / p_ref
        k = k_ratio
        f_e[k] = (p2[k] + loss_out[k] - setp[k] * (p1[k] - loss_in[k])) / p_ref
        return f_new, (d1, d2, dq)

    x = x0.copy() if x0 is not None else _linear_start(a, ph, inj, p_ref, q_ref)
    f, jac = residual(x)
    norm = float(np.max(np.abs(f), initial=0.0))
    it = 0
    last: _Step | None = None  # the previous step's factorisation, when worth reusing
    while norm > tol and it < max_iter:
        it += 1
        if last is not None:
            # Newton is in its quadratic phase: a step with the last factorised Jacobian
            # (a chord step) cuts the residual nearly as much, at a fraction of the cost
            x_new = x + last.solve(f)
            last = None
            if np.all(np.isfinite(x_new)) and np.all(x_new[:nf] > 0):
                f_new, jac_new = residual(x_new)
                norm_new = float(np.max(np.abs(f_new), initial=0.0))
                if norm_new <= CHORD_RATE * norm:
                    x, f, jac, norm = x_new, f_new, jac_new, norm_new
                    continue
        step = _Step(a, _plan(a, jac[2]), *jac, q_ref)
        dx = step.solve(f)
        if not np.all(np.isfinite(dx)):
            break
        # fraction to the boundary: keep pressures positive
        alpha = 1.0
        pf = x[:nf]
        neg = dx[:nf] < 0
        if np.any(neg):
            alpha = min(1.0, float(np.min(0.9 * pf[neg] / -dx[:nf][neg])))
        f2n = 0.5 * float(f @ f)
        while True:
            x_new = x + alpha * dx
            f_new, jac_new = residual(x_new)
            if 0.5 * float(f_new @ f_new) <= (1 - 1e-4 * alpha) * f2n or alpha < 1e-6:
                break
            alpha *= 0.5
        norm_new = float(np.max(np.abs(f_new), initial=0.0))
        if alpha == 1.0 and norm_new <= CHORD_TRY * norm:
            last = step
        x, f, jac, norm = x_new, f_new, jac_new, norm_new
    if not norm <= tol:
        worst_idx = np.argsort(-np.abs(f))[:5]
        names = [f"balance {a.node_ids[a.free[i]]}" if i < nf else
                 f"{_KIND_NAMES[a.kind[i - nf]]} {a.edge_ids[i - nf]}" for i in worst_idx]
        raise ConvergenceError("steady network solve" + _capacity_hint(a, ph, x[nf:], p_ref),
                               iterations=it, residual=norm,
                               worst={n: float(f[i]) for n, i in zip(names, worst_idx,
                                                                      strict=True)})
    return x, it, norm


def _capacity_hint(a: _Arrays, ph: _Physics, q: FloatArray, p_max: float) -> str:
    """Why a solve may have failed, when a pipe's flow cannot pass at all: its law with
    the inlet at the highest fixed pressure ``p_max`` and the outlet at zero still
    leaves p_in² < F(q) (F the friction term; the outlet at zero is the most a pipe can
    be given). The flows are those of the last iterate: on a pipe that no loop bypasses
    they are the balances' and the hint is a proof; otherwise it says "likely"."""
    k = a.pipe_idx
    if not k.size:
        return ""
    with np.errstate(all="ignore"):
        r = ph.pipe_law(np.full(k.size, p_max), np.zeros(k.size), q[k])[0]
    worst = int(np.argmin(r))
    if not r[worst] < 0:
        return ""
    e = int(k[worst])
    need = math.sqrt(p_max**2 - float(r[worst]))
    return (f" (pipe {a.edge_ids[e]} cannot pass {abs(float(q[e])):.4g} kg/s: even into "
            f"zero pressure it would need ~{need / 1e5:.4g} bar at its inlet, above the "
            f"highest fixed pressure {p_max / 1e5:.4g} bar — the demands likely exceed what "
            "the network can carry)")


def _linear_start(a: _Arrays, ph: _Physics, inj: FloatArray, p_ref: float,
                  q_ref: float) -> FloatArray:
    """Start point: pipes and resistors as linear resistances.

    Each pipe's law F(q) is replaced by a linear resistance R·q at the mean fixed
    pressure; the resulting linear system (in p for pressures and q for flows) is
    solved in the reduced form of the Newton steps. A first solve takes the tangent
    R = F'(q_nom) at a nominal flow q_nom for every pipe: q_ref/√(element count), scaled
    for pipes by (D/D̄)^2.5 (D̄ the pipes' geometric mean diameter) — the flows of pipes
    under one pressure gradient with one friction factor (Darcy: Δp/L ∝ λ q²/D⁵), so
    that each pipe's resistance is taken near a flow of its own size. A second one, when
    there are pipes, takes the secant R = F(q_lin)/q_lin at each pipe's geometric mean
    q_lin of q_nom and its first flow: the linear law is then exact at q_lin, as in the
    linear theory method of network analysis (Wood & Charles 1972, who linearise at the
    mean of the last two flows). A flow-law pipe's resistance grows with its flow, so
    the first solve sends too much flow through the pipes whose nominal resistance is
    too low and too little through the others; the mean halves that error on a log
    scale, where Newton's iterations from the first solve's flows would halve a
    too-large flow only once per step. Measured (Newton iterations / factorisations,
    the two of the start included), tangent → secant in the second solve: GasLib-582
    with its lossless elements as 1 m pipes 4/5 → 4/5, as loaded 5/6 → 4/4; GasLib-4197
    5/6 → 4/5 and 6/8 → 5/6; synthetic gas-network-like 1k nodes 3/4 → 4/5, 10k 5/5 →
    4/5; square grids 1k 5/6 → 5/7, 10k 6/8 → 6/8 (45 factorisations against 48 over
    the eight). The first solve takes Colebrook-family friction factors from Swamee &
    Jain's explicit formula (within 3 % of the law), not the law solved by Halley's
    method: the same Newton iterations and factorisations on the eight networks (the 1k
    grid one factorisation fewer), ~0.2 ms less on GasLib-4197's first solve. The second
    does not evaluate the law again: it takes F(q_lin) from each pipe's local power law
    at q_nom, F(q) = F(q_nom)·(q/q_nom)^m with m = q_nom·F'(q_nom)/F(q_nom) (exact for
    the classic and empirical power laws and in laminar flow; m ≈ 1.8–2 in turbulent
    flow): the same iterations and factorisations on the eight networks, ~0.3 ms less
    on GasLib-4197. F is the friction term alone, without the elevation term of the
    law (which the linear rows leave out, as the first solve does): on GasLib-40, 134,
    582 and 4197 with their heights, as 1 m pipes and as loaded, 33 Newton iterations
    and 40 factorisations in all, against 55 and 64 when the secant took the law's
    residual at p1 = p2, elevation term included (GasLib-4197 as 1 m pipes: 4 Newton
    iterations instead of 13). The diameter
    scaling, measured before: GasLib-582 and GasLib-4197 as 1 m pipes 5 → 4 and 6 → 5
    Newton iterations, as loaded 5 and 6 either way;
    synthetic gas-network-like 1k 4 → 3, 10k 5; square grids 1k 4 → 5, 10k 7 → 6.
    """
    nf, ne = a.free.size, a.ne
    p0 = float(np.mean(a.p_fixed[a.fixed]))
    q_nom = np.full(ne, q_ref / max(1.0, math.sqrt(ne)))
    if a.pipe_idx.size:
        log_d = np.log(a.diam)
        q_nom[a.pipe_idx] *= np.exp(2.5 * (log_d - log_d.mean()))
    # each element row c1·p1 + c2·p2 + cq·q + c0 = 0, linearised at (p0, p0, q_nom)
    c1 = np.zeros(ne)
    c2 = np.zeros(ne)
    cq = np.zeros(ne)
    c0 = np.zeros(ne)
    k = a.pipe_idx
    if k.size:
        p_pipes = np.full(k.size, p0)
        r_nom, _, _, jq_nom = ph.pipe_law(p_pipes, p_pipes, q_nom[k], explicit=True)
        c1[k], c2[k], cq[k] = 2 * p0 / p_ref**2, -2 * p0 / p_ref**2, jq_nom / p_ref**2
    k = a.res_idx
    if k.size:
        pp = np.full(k.size, p0)
        _, _, _, jq = ph.resistor_law(pp, pp, q_nom[k])
        c1[k], c2[k], cq[k] = 1 / p_ref, -1 / p_ref, jq / p_ref
    if a.pipe_idx.size < ne:  # lossless, closed and set-point elements
        k = a.equal_idx
        c1[k], c2[k], cq[k] = 1 / p_ref, -1 / p_ref, -EQUAL_RESISTANCE / q_ref
        cq[a.closed_idx] = 1 / q_ref
        k = a.set_to_idx
        c2[k], c0[k] = 1 / p_ref, -a.setpoint[k] / p_ref
        k = a.set_from_idx
        c1[k], c0[k] = 1 / p_ref, -a.setpoint[k] / p_ref
        k = a.ratio_idx
        c1[k], c2[k] = -a.setpoint[k] / p_ref, 1 / p_ref
        c0[k] = (a.loss_out[k] + a.setpoint[k] * a.loss_in[k]) / p_ref
    # one Newton step of the linear system from zero free pressures and flows
    p = np.where(a.fixed, a.p_fixed, 0.0)
    f = np.concatenate([inj[a.free] / q_ref, c0 + c1 * p[a.fr] + c2 * p[a.to]])

    def solve_linear() -> FloatArray:
        try:
            step = _Step(a, _plan(a, cq), c1, c2, cq, q_ref, strict=True)
        except RuntimeError as exc:
            raise ConvergenceError(f"linearised start (singular system: {exc}; is every "
                                   "node connected to a pressure-fixed node?)", iterations=0,
                                   residual=math.inf) from None
        return step.solve(f)

    sol = solve_linear()
    k = a.pipe_idx
    if k.size:
        q_n = q_nom[k]
        q_lin = np.sqrt(np.maximum(np.abs(sol[nf:][k]), 1e-3 * q_n) * q_n)
        # the secant F(q_lin)/q_lin: the linear law exact at q_lin, F from the local power
        # law at q_nom, F(q) = F(q_nom)·(q/q_nom)^m with m = q_nom·F'(q_nom)/F(q_nom)
        f_nom = -r_nom  # r = p1² − e^s p2² − F at p1 = p2 = p0
        if not a.flat:
            z0 = np.broadcast_to(ph.z_of(p_pipes, ph.t_pipe)[0], p_pipes.shape)
            f_nom = f_nom + p0**2 * (1.0 - ph._elevation(z0 * ph.r_s * ph.t_pipe)[1])
        m = -jq_nom * q_n / f_nom
        f_lin = f_nom * np.exp(m * np.log(q_lin / q_n))
        # (a law with no friction at q_nom, if any: the tangent)
        cq[k] = np.where(f_nom > 0, -f_lin / q_lin, jq_nom) / p_ref**2
        sol = solve_linear()
    sol[:nf] = np.maximum(sol[:nf], 0.05 * p0)
    return sol


def _maps(net: Network) -> tuple[NodeMap, EdgeMap]:
    """The network's node and element maps with their columns (maps that a caller put
    in place of them as plain dicts are read into new ones: every element visited)."""
    nodes = net.nodes if isinstance(net.nodes, NodeMap) else NodeMap(net.nodes)
    edges = net.edges if isinstance(net.edges, EdgeMap) else EdgeMap(net.edges, nodes)
    return nodes, edges


def _compile(net: Network) -> _Arrays:
    """The network's solver arrays, reused while its content is unchanged.

    The arrays are kept with the network object (``Network._solver_cache``: they live
    as long as it does, as pandapipes keeps its internal arrays in its net) and reused
    while its node and element maps are the same objects at the same
    :attr:`~trunkline.model.network.NodeMap.version` (every change to a map counts its
    version up) and its pressure-fixed nodes are the same; with new values if only the
    fixed pressures or injections changed. Anything else compiles afresh.
    """
    a = getattr(net, "_solver_cache", None)
    if not isinstance(a, _Arrays):
        a = None
    if (a is not None and a.source[0] is net.nodes and a.source[1] is net.edges
            and a.source[2:] == (net.nodes.version, net.edges.version)
            and a.pressures.keys() == net.pressures.keys()):
        if a.pressures == net.pressures and a.injections == net.injections:
            return a
        a = a.with_boundary(net)
    else:
        a = _Arrays(net)
    net._solver_cache = a
    return a


def solve_steady(net: Network, gas: Gas, *, temperature: float | None = None,
                 isothermal: bool = True, z: float | ZModel | None = None,
                 viscosity: float | None = None, tol: float = TOL, max_iter: int = MAX_ITER,
                 fuel_tol: float = 1e-9, temperature_tol: float = 1e-6,
                 start: NetworkResult | None = None) -> NetworkResult:
    """Steady state of a gas network with its active elements at their settings.

    Args:
        net: the network with boundary conditions (``set_pressure``, ``set_flow``).
        gas: the gas (real-gas Z from its GERG-2008/DETAIL surrogate).
        temperature: isothermal gas temperature [K] (and the default temperature of
            injected gas); default: the mean of the node temperatures set with
            ``set_temperature`` or 288.15 K.
        isothermal: False adds the energy balance: pipes exchange heat with the ground
            (``heat_transfer_coefficient``, ``ground_temperature``), gas cools by
            Joule-Thomson across pipes and control valves, compressors heat it, nodes
            mix streams; hydraulics and temperatures are iterated to
            ``temperature_tol`` [K].
        z: override the Z model — a constant, or a callable ``(p, T) -> (Z, ∂Z/∂p)``
            (for comparisons with tools using simplified Z laws).
        viscosity: constant dynamic viscosity [Pa·s] instead of Lee-Gonzalez-Eakin.
        tol: convergence tolerance on the scaled residual (∞-norm).
        start: a previous result of this network (the same node and element ids; other
            demands, supply pressures or settings) whose pressures and flows Newton
            starts from instead of the linearised start: a sweep or a time series of
            nearby states converges in a few iterations. If Newton does not converge
            from it, the solve begins again from the linearised start, so a start
            changes the iterations, never the answer beyond the tolerance.

    Raises:
        ConvergenceError: not converged (iterations, residual, worst equations).
        InputError: a network that cannot be solved as given (no pressure-fixed node,
            an active compressor without set-point…).
    """
    a = _compile(net)
    t = float(temperature if temperature is not None else
              (np.mean(list(net.temperatures.values())) if net.temperatures else 288.15))
    z_model: ZModel | None
    if z is None:
        z_model = None
    elif callable(z):
        z_model = z
    else:
        zc = float(z)

        def z_model(p: FloatArray, tt: FloatArray) -> tuple[FloatArray, FloatArray]:
            return np.full_like(p, zc), np.zeros_like(p)

    ph = _Physics(a, gas, t, net.reference, z_model, viscosity)
    inj = a.inj.copy()
    fuel = np.zeros(a.ne)
    fuel_comps = [k for k in a.comp_idx if a.element(k).fuel_from_line  # type: ignore[attr-defined]
                  and a.kind[k] in (RATIO, SET_TO, SET_FROM)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x0 = None if start is None else _start_point(a, start)
        try:
            x, it_total, norm = _solve_once(a, ph, inj, x0, tol, max_iter)
        except ConvergenceError:
            if x0 is None:
                raise
            x, it_total, norm = _solve_once(a, ph, inj, None, tol, max_iter)
        t_node = np.full(len(a.node_ids), t)
        if not isothermal:
            for _ in range(50):
                p = a.p_fixed.copy()
                p[a.free] = x[:a.free.size]
                t_before = t_node
                t_node, t_pipe, t_res = _energy_pass(a, ph, gas, net, p, x[a.free.size:], t)
                change = max(float(np.max(np.abs(t_pipe - ph.t_pipe), initial=0.0)),
                             float(np.max(np.abs(t_node - t_before), initial=0.0)))
                ph.t_pipe, ph.t_res = t_pipe, t_res
                if change <= temperature_tol:
                    break
                x, it, norm = _solve_once(a, ph, inj, x, tol, max_iter)
                it_total += it
            else:
                raise ConvergenceError("non-isothermal steady solve (temperature loop)",
                                       iterations=50, residual=change)
    ncv = gas.ncv_mass() if fuel_comps else 0.0
    for _ in range(30):
        if not fuel_comps:
            break
        p = a.p_fixed.copy()
        p[a.free] = x[:a.free.size]
        q = x[a.free.size:]
        new_fuel = _station_fuel(a, gas, t, p, q, fuel_comps, ncv)
        if np.max(np.abs(new_fuel - fuel)) <= fuel_tol * max(1.0, float(np.abs(q).max())):
            break
        inj = a.inj.copy()
        np.add.at(inj, a.fr[fuel_comps], -new_fuel[fuel_comps])
        fuel = new_fuel
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            x, it, norm = _solve_once(a, ph, inj, x, tol, max_iter)
        it_total += it
    return _result(net, a, gas, t, x, inj, fuel, it_total, norm, t_node, ph)


def _start_point(a: _Arrays, start: NetworkResult) -> FloatArray:
    """Free-node pressures and element flows of a previous result, in the arrays' order."""

    def ordered(values: FloatArray, ids: Sequence[str] | npt.NDArray[np.object_],
                want: Sequence[str] | npt.NDArray[np.object_], what: str) -> FloatArray:
        if ids is want or (len(ids) == len(want) and all(map(operator.eq, ids, want))):
            return values
        at = dict(zip(ids, range(len(ids)), strict=True))
        missing = [i for i in want if i not in at]
        if missing:
            raise InputError("start is a result of another network", element=start.network,
                             field="start", value=f"no {what} {missing[0]}",
                             expected="a result with every node and element of the network")
        return values[np.fromiter(map(at.__getitem__, want), np.intp, len(want))]

    p = ordered(np.asarray(start._nodes["pressure"], dtype=float), start._nodes["id"],
                a.node_ids, "node")
    q = ordered(np.asarray(start._edges["mass_flow"], dtype=float), start._edges["id"],
                a.edge_ids, "element")
    pf = p[a.free]
    # a node cut off in the previous state has no pressure: the mean fixed pressure
    pf = np.where(np.isfinite(pf) & (pf > 0), pf, float(np.mean(a.p_fixed[a.fixed])))
    return np.concatenate([pf, np.nan_to_num(q)])


def _energy_pass(a: _Arrays, ph: _Physics, gas: Gas, net: Network, p: FloatArray,
                 q: FloatArray, t_default: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Node temperatures for given pressures and flows; per-pipe mean and resistor inlet T.

    Every element maps its upstream temperature to its outlet, T_out = a + b·T_in:

    * pipe, steady energy balance with ground exchange and Joule-Thomson cooling
      (exact for constant c_p, μ_JT and pressure gradient; Osiadacz & Chaczykowski 1998,
      Menon 2005 sect. 5): with βL = U π D L/(ṁ c_p), E = e^{−βL},
      T_out = T_g (1 − E) + E·T_in + μ_JT (p_out − p_in)(1 − E)/(βL);
    * control valves, resistors, valves, short pipes: isenthalpic throttling,
      h(p_out, T_out) = h(p_in, T_in) on the EOS surrogate's enthalpy;
    * active compressors: the real-gas polytropic discharge temperature (scaled with the
      inlet temperature), or the after-cooler set-point when the gas is hotter.

    Nodes mix incoming streams by mass (equal c_p); injected gas enters at the node's
    temperature (``set_temperature``) or the network temperature. The node
    temperatures then follow from one sparse linear system.
    """
    sur = gas.surrogate()
    env = sur.envelope
    nn, ne = len(a.node_ids), a.ne
    t_prev = np.full(nn, t_default) if not hasattr(ph, "t_node") else ph.t_node
    active = (a.kind != CLOSED) & (np.abs(q) > 1e-12)
    up = np.where(q >= 0, a.fr, a.to)
    dn = np.where(q >= 0, a.to, a.fr)
    m = np.abs(q)
    pu = np.clip(p[up], env.p_min, env.p_max)
    tu = np.clip(t_prev[up], env.t_min, env.t_max)
    cp = sur.cp(pu, tu)
    mu_jt = sur.joule_thomson(pu, tu)
    dp = p[dn] - p[up]
    coef_a = mu_jt * dp
    coef_b = np.ones(ne)
    k = a.pipe_idx
    # isenthalpic throttling (control valves, resistors, valves, short pipes): solve
    # h(p_out, T_out) = h(p_in, T_in) by Newton on the surrogate's enthalpy; linearised
    # in T_in with ∂T_out/∂T_in = c_p,in / c_p,out.
    thr = np.flatnonzero(active & (a.kind != PIPE) & ~np.isin(a.kind, [RATIO, SET_FROM])
                         & np.array([not isinstance(e, Compressor) for e in a.edges]))
    if thr.size:
        pd_t = np.clip(p[dn[thr]], env.p_min, env.p_max)
        h_in = sur.enthalpy(pu[thr], tu[thr])
        t_out = tu[thr] + mu_jt[thr] * dp[thr]
        for _ in range(8):
            t_out = np.clip(t_out, env.t_min, env.t_max)
            t_out = t_out - (sur.enthalpy(pd_t, t_out) - h_in) / sur.cp(pd_t, t_out)
        b_thr = cp[thr] / sur.cp(pd_t, np.clip(t_out, env.t_min, env.t_max))
        coef_b[thr] = b_thr
        coef_a[thr] = t_out - b_thr * tu[thr]
    if k.size:
        # c_p and μ_JT at the pipe's mean state of the previous pass
        pm = np.clip(0.5 * (p[up[k]] + p[dn[k]]), env.p_min, env.p_max)
        tm = np.clip(ph.t_pipe, env.t_min, env.t_max)
        cp_k = sur.cp(pm, tm)
        mu_k = sur.joule_thomson(pm, tm)
        pipes = a.pipes
        u = np.array([pp.heat_transfer_coefficient for pp in pipes])
        tg = np.array([pp.ground_temperature if pp.ground_temperature is not None
                       else t_default for pp in pipes])
        mk = np.maximum(m[k], 1e-12)
        beta_l = u * math.pi * a.diam * a.length / (mk * cp_k)
        e = np.exp(-beta_l)
        frac = np.where(beta_l > 1e-12, -np.expm1(-beta_l) / np.maximum(beta_l, 1e-300), 1.0)
        coef_a[k] = tg * (1 - e) + mu_k * dp[k] * frac
        coef_b[k] = e
    for kk, el in enumerate(a.edges):
        if isinstance(el, Compressor) and a.kind[kk] in (RATIO, SET_TO, SET_FROM) \
                and active[kk] and q[kk] > 0:
            ps = p[a.fr[kk]] - el.pressure_loss_in
            pd_ = p[a.to[kk]] + el.pressure_loss_out
            _, _, t2 = _compressor_power(gas, float(t_prev[a.fr[kk]]), ps, pd_, q[kk], el)
            if el.aftercooler_temperature is not None and t2 > el.aftercooler_temperature:
                coef_a[kk], coef_b[kk] = el.aftercooler_temperature, 0.0
            else:
                coef_a[kk], coef_b[kk] = 0.0, t2 / float(t_prev[a.fr[kk]])
    # linear system: M_i T_i − Σ_in m_e b_e T_up(e) = Σ_in m_e a_e + S_i T_src,i
    src = np.maximum(np.where(a.fixed, 0.0, a.inj), 0.0)
    t_src = np.array([net.temperatures.get(n, t_default) for n in a.node_ids])
    ea = np.flatnonzero(active)
    inflow = np.zeros(nn)
    np.add.at(inflow, dn[ea], m[ea])
    # pressure-fixed nodes supply what flows out of them beyond what flows in
    outflow = np.zeros(nn)
    np.add.at(outflow, up[ea], m[ea])
    slack_supply = np.where(a.fixed, np.maximum(outflow - inflow, 0.0), 0.0)
    src = src + slack_supply
    diag = inflow + src
    rows = np.concatenate([np.arange(nn), dn[ea]])
    cols = np.concatenate([np.arange(nn), up[ea]])
    no_in = diag <= 1e-12
    vals = np.concatenate([np.where(no_in, 1.0, diag), -m[ea] * coef_b[ea]])
    vals[nn:][no_in[dn[ea]]] = 0.0
    rhs = np.zeros(nn)
    np.add.at(rhs, dn[ea], m[ea] * coef_a[ea])
    rhs += src * t_src
    rhs[no_in] = t_default
    mat = sp.csc_matrix((vals, (rows, cols)), shape=(nn, nn))
    t_node = np.asarray(spla.spsolve(mat, rhs))
    ph.t_node = t_node  # type: ignore[attr-defined]
    t_pipe = np.full(k.size, t_default)
    if k.size:
        # mean gas temperature of the exponential profile (ground part) plus half the
        # Joule-Thomson change: T_m = T_g + (T_in − T_g)(1 − E)/(βL) + μ_JT Δp / 2
        t_in = t_node[up[k]]
        t_pipe = tg + (t_in - tg) * frac + 0.5 * mu_k * dp[k]
    t_res = t_node[up[a.res_idx]] if a.res_idx.size else np.zeros(0)
    return t_node, t_pipe, t_res


def _station_fuel(a: _Arrays, gas: Gas, t: float, p: FloatArray, q: FloatArray,
                  comps: list[int], ncv: float) -> FloatArray:
    fuel = np.zeros(a.ne)
    for k in comps:
        c = a.element(k)
        assert isinstance(c, Compressor)
        power = _compressor_power(gas, t, p[a.fr[k]] - c.pressure_loss_in,
                                  p[a.to[k]] + c.pressure_loss_out, max(q[k], 0.0), c)[0]
        fuel[k] = power / (c.driver_efficiency * ncv)
    return fuel


def _compressor_power(gas: Gas, t: float, p_s: float, p_d: float, q: float, c: Compressor
                      ) -> tuple[float, float, float]:
    """(shaft power [W], polytropic head [J/kg], discharge temperature [K])."""
    if q <= 0 or p_d <= p_s:
        return 0.0, 0.0, t
    comp = real_gas_polytropic(gas.surrogate().point_gas(), p_s, t, p_d,
                               c.polytropic_efficiency, steps=12)
    power = q * float(comp.work) / c.mechanical_efficiency
    return power, float(comp.head), float(comp.t2)


def _result(net: Network, a: _Arrays, gas: Gas, t: float, x: FloatArray, inj: FloatArray,
            fuel: FloatArray, iterations: int, norm: float, t_node: FloatArray,
            ph: _Physics) -> NetworkResult:
    nf = a.free.size
    p = a.p_fixed.copy()
    p[a.free] = x[:nf]
    q = x[nf:]
    nn = len(a.node_ids)
    bal = np.bincount(a.to, q, nn) - np.bincount(a.fr, q, nn)
    injection = inj.copy()
    injection[a.fixed] = -bal[a.fixed]  # slack nodes supply what the balance needs
    p[a.isolated] = np.nan
    injection[a.isolated] = 0.0
    ptol = 1.0
    p_min, p_max = a.pressure_bounds
    f_min, f_max, e_min, e_max = a.flow_bounds()
    # bounds checked on arrays; messages only for the elements that break them, formatted
    # when the violations are first read
    low, high = p < p_min - ptol, p > p_max + ptol
    off = a.fixed & ~((f_min - 1e-9 <= injection) & (injection <= f_max + 1e-9))
    bad_nodes = np.flatnonzero(low | high | off)
    bad_edges = np.flatnonzero(~((e_min - 1e-9 <= q) & (q <= e_max + 1e-9)))

    def bound_messages() -> list[str]:
        """The node and edge bound violations, in words."""
        out: list[str] = []
        b = bad_nodes
        # formatted from Python floats (numpy scalars format far slower)
        for i, lo, hi, of, pi, pl, ph_, inj_i, fl, fh in zip(
                b.tolist(), low[b].tolist(), high[b].tolist(), off[b].tolist(),
                p[b].tolist(), p_min[b].tolist(), p_max[b].tolist(),
                injection[b].tolist(), f_min[b].tolist(), f_max[b].tolist(), strict=True):
            nid = a.node_ids[i]
            if lo:
                out.append(f"node {nid}: pressure {pi / 1e5:.3f} bar below "
                           f"minimum {pl / 1e5:.3f} bar")
            if hi:
                out.append(f"node {nid}: pressure {pi / 1e5:.3f} bar above "
                           f"maximum {ph_ / 1e5:.3f} bar")
            if of:
                out.append(f"node {nid}: injection {inj_i:.3f} kg/s outside "
                           f"[{fl:.3f}, {fh:.3f}] kg/s")
        b = bad_edges
        for ek, qe, lo_e, hi_e in zip(b.tolist(), q[b].tolist(), e_min[b].tolist(),
                                      e_max[b].tolist(), strict=True):
            out.append(f"{a.type_name(ek)} {a.edge_ids[ek]}: flow {qe:.3f} kg/s outside "
                       f"[{lo_e:.3f}, {hi_e:.3f}] kg/s")
        return out

    violations: list[str] = []  # the active elements' (few), formatted now
    k = a.pipe_idx
    every = 0 < k.size == q.size  # a network of pipes: no element lists to pick through
    p_from, p_to = p[a.fr], p[a.to]
    if not every:  # NaN where an element is no pipe
        vel_in, vel_out = np.full(q.size, np.nan), np.full(q.size, np.nan)
    if k.size:  # gas velocity at both ends, ρ = p/(Z R T) with the solve's Z model
        pk = np.concatenate([p_from, p_to] if every else [p_from[k], p_to[k]])
        tk = np.concatenate([t_node[a.fr], t_node[a.to]] if every else
                            [t_node[a.fr[k]], t_node[a.to[k]]])
        rho = pk / (ph.z_of(pk, tk)[0] * ph.r_s * tk)
        q_k = q if every else q[k]
        v_in, v_out = q_k / (rho[:k.size] * a.area), q_k / (rho[k.size:] * a.area)
        if every:
            vel_in, vel_out = v_in, v_out
        else:
            vel_in[k], vel_out[k] = v_in, v_out
    comp = {key: [] for key in ("id", "mode", "suction_pressure", "discharge_pressure", "ratio",
                                "mass_flow", "head", "shaft_power", "fuel",
                                "discharge_temperature")}  # type: dict[str, list[Any]]
    for kk in a.comp_idx:
        e = a.element(kk)
        assert isinstance(e, Compressor)
        ps = p[a.fr[kk]] - e.pressure_loss_in
        pd_ = p[a.to[kk]] + e.pressure_loss_out
        active = a.kind[kk] in (RATIO, SET_TO, SET_FROM)
        power, head, t2 = _compressor_power(gas, t, ps, pd_, q[kk], e) if active \
            else (0.0, 0.0, t)
        f_k = power / (e.driver_efficiency * gas.ncv_mass()) if power > 0 else 0.0
        ratio = pd_ / ps if active and ps > 0 else 1.0
        for key, val in (("id", e.id), ("mode", e.mode), ("suction_pressure", ps),
                         ("discharge_pressure", pd_), ("ratio", ratio), ("mass_flow", q[kk]),
                         ("head", head), ("shaft_power", power), ("fuel", f_k),
                         ("discharge_temperature", t2)):
            comp[key].append(val)
        if active and q[kk] < -1e-9:
            violations.append(f"compressor {e.id}: reverse flow {q[kk]:.3f} kg/s")
        if active and ratio < 1 - 1e-12:
            violations.append(f"compressor {e.id}: ratio {ratio:.4f} < 1 (would expand)")
        if ratio > e.max_ratio + 1e-12:
            violations.append(f"compressor {e.id}: ratio {ratio:.4f} above {e.max_ratio:g}")
        if power > e.max_power * (1 + 1e-9):
            violations.append(f"compressor {e.id}: power {power / 1e6:.2f} MW above "
                              f"{e.max_power / 1e6:.2f} MW")
        if active and ps < e.p_in_min - 1.0:
            violations.append(f"compressor {e.id}: suction {ps / 1e5:.3f} bar below "
                              f"{e.p_in_min / 1e5:.3f} bar")
        if active and pd_ > e.p_out_max + 1.0:
            violations.append(f"compressor {e.id}: discharge {pd_ / 1e5:.3f} bar above "
                              f"{e.p_out_max / 1e5:.3f} bar")
    for kk in a.cv_idx:
        e = a.element(kk)
        assert isinstance(e, ControlValve)
        dp = p[a.fr[kk]] - p[a.to[kk]]
        if q[kk] < -1e-9:
            violations.append(f"control valve {e.id}: reverse flow {q[kk]:.3f} kg/s")
        if dp < e.dp_min - 1.0 or dp > e.dp_max + 1.0:
            violations.append(f"control valve {e.id}: pressure drop {dp / 1e5:.3f} bar "
                              f"outside [{e.dp_min / 1e5:.3f}, {e.dp_max / 1e5:.3f}] bar")
    nodes_tab = {
        "id": a.node_ids, "pressure": p, "temperature": t_node, "injection": injection,
        "fixed_pressure": a.fixed,
        "p_min": p_min, "p_max": p_max,
        "height": a.height,
    }
    edges_tab = {
        "id": a.edge_ids, "mass_flow": q,
        "standard_flow": q / ph.rho_ref, "p_from": p_from, "p_to": p_to,
        "velocity_from": vel_in, "velocity_to": vel_out, "fuel": fuel,
    }
    late = tuple(violations)
    return NetworkResult(net.name, True, iterations, norm, t, nodes_tab, edges_tab, comp,
                         a.labels,
                         lambda: (*bound_messages(), *late),
                         lambda: bool(bad_nodes.size or late or bad_edges.size),
                         net.reference)
