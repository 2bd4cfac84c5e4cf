"""GasLib XML: read ``.net`` / ``.scn`` / ``.cs`` / ``.cdf`` files into a :class:`Network`.

GasLib (https://gaslib.zib.de, CC BY 3.0) publishes gas network instances as XML:
a network (``.net``: nodes and elements), nominations (``.scn``: entry and exit
flows, pressure bounds), compressor station details (``.cs``: machines, drives,
characteristic maps) and combined decisions (``.cdf``: allowed switching states).
The instances shipped with trunkline are in :mod:`trunkline.scenarios.gaslib`;
:func:`gaslib_path` and :func:`load_gaslib` find them. Cite Pfetsch et al. (2015),
"Validation of nominations in gas network optimization: models, methods, and
solutions", *Optimization Methods & Software* 30(1):15-53 (ZIB-Report 12-41, 2012),
and Schmidt et al. (2017), "GasLib — A Library of Gas Network Instances",
*Data* 2(4):40, when you use them.

Reading (:func:`read_gaslib`) converts every value to SI explicitly by the
table :data:`GASLIB_UNITS`:

* pressures ``bar`` are **absolute** bar (GasLib's convention), ``barg`` is
  relative to 1.01325 bar (only in ``.scn`` files); a pressure *difference*
  (``pressureLoss…``, ``pressureDifferential…``) must be in a non-gauge unit;
* lengths ``m``/``meter``, ``km``, ``mm``; a ``height`` without a unit is in m
  (several GasLib files omit it); temperatures ``Celsius`` and ``K`` → K;
* flows ``1000m_cube_per_hour`` are *normal* volume flows (0 °C, 1.01325 bar)
  and become mass flows [kg/s] with **one norm density for the whole network**:
  the simple (unweighted) mean of the sources' ``normDensity``. One density keeps
  a volume-balanced nomination balanced in mass, and an unweighted mean does not
  depend on which nomination is loaded. Pass ``norm_density=`` to override it
  (needed for a file without any ``normDensity``);
* ``calorificValue`` MJ/m³ → J/m³ (normal), ``molarMass`` kg/kmol → kg/mol,
  ``heatTransferCoefficient`` W/(m²·K), ``normDensity`` kg/m³.

Mapping of GasLib elements (all flow bounds in kg/s):

* ``source`` → node kind "entry", ``sink`` → "exit", ``innode`` → "junction".
  GasLib's flow bounds of a sink are *withdrawals*; the node's bounds are
  injections, so a sink's ``[flowMin, flowMax]`` becomes ``[-flowMax, -flowMin]``.
  A source's ``gasTemperature`` is the node's ``temperature``.
* ``pipe`` → :class:`Pipe` (``diameter`` is the inner diameter), with the flow law
  ``flow_law`` (default "prandtl-colebrook", the Colebrook–White law of the GasLib
  model descriptions in Koch et al. (eds.), *Evaluating Gas Network Capacities*,
  SIAM 2015; "hofer" and "nikuradse" are the other laws used there).
* ``shortPipe`` → :class:`ShortPipe`; ``valve`` → :class:`Valve`, **open**.
* ``resistor`` with ``dragFactor`` > 0 and ``diameter`` → :class:`Resistor`. A
  resistor with ``dragFactor`` 0 is lossless and becomes a :class:`ShortPipe`; a
  resistor with a fixed ``pressureLoss`` (GasLib's "linear" resistor: a constant
  drop in the direction of flow) has no network element and also becomes a
  :class:`ShortPipe` — its loss is kept in :attr:`GasLibData.edge_info` and
  written back, but **not modelled**. Both are listed in
  :attr:`GasLibData.substituted` and :attr:`GasLibData.notes`.
* ``controlValve`` → :class:`ControlValve` in mode **"bypass"** (a ``.net`` file
  has no set-point; an active valve needs one): bounds ``pressureInMin``,
  ``pressureOutMax``, ``pressureDifferentialMin/Max``, losses
  ``pressureLossIn/Out``. Note that ``internalBypassRequired="0"`` means the
  real station has no bypass: set such a valve "active" or "closed" to be faithful.
* ``compressorStation`` → :class:`Compressor` in mode **"bypass"** (no set-point
  is known), bounds ``pressureInMin``/``pressureOutMax``, losses
  ``pressureLossIn/Out``; ``fuel_from_line`` stays False and ``fuelGasVertex`` is
  recorded in ``edge_info``.
* Values with no network field — a valve's ``pressureDifferentialMax``, the
  ``dragFactorIn/Out`` + ``diameterIn/Out`` station piping resistances of control
  valves and compressor stations (not modelled), the sources' gas properties,
  XML attributes such as ``alias`` and ``geoWGS84Lat`` — go to
  :attr:`GasLibData.node_info` / :attr:`GasLibData.edge_info` (numbers in SI
  under the GasLib field name, attributes as strings) and are written back.

Unknown element tags in a ``.net`` file raise :class:`ScenarioError` (dropping an
element would change the network silently); with ``strict=False`` they are
skipped and listed in :attr:`GasLibData.skipped`. Unknown *fields* of known
elements (and of ``.scn`` entries) are always skipped and listed there.

Every file is parsed with :mod:`defusedxml` and DTDs are refused: a file with a
DTD or entity declarations (an entity-expansion attack) raises
:class:`ScenarioError` naming the file.

:func:`write_gaslib` writes a network (or a :class:`GasLibData`, keeping what
the network has no field for) back as GasLib XML; reading the result gives the
same network up to float rounding. Not written: pipe flow laws and
efficiencies, valve states, control valve and compressor modes and set-points,
flow bounds of junctions — GasLib files have no place for them.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final, NamedTuple
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import numpy.typing as npt

from trunkline.errors import InputError, ScenarioError
from trunkline.gas import Gas
from trunkline.io import atomic_write
from trunkline.model.network import (
    FLOW_LAWS,
    Compressor,
    ControlValve,
    Edge,
    Network,
    Node,
    NodeKind,
    Pipe,
    Resistor,
    ShortPipe,
    Valve,
)
from trunkline.units import P_ATM, T_ZERO_C

__all__ = [
    "CDF_NAMESPACE",
    "CS_NAMESPACE",
    "DEFAULT_FLOW_LAW",
    "FRAMEWORK_NAMESPACE",
    "GASLIB_FILES",
    "GASLIB_NAMESPACE",
    "GASLIB_UNITS",
    "DecisionState",
    "GasLibData",
    "apply_nomination",
    "gaslib_gas",
    "gaslib_path",
    "load_gaslib",
    "read_gaslib",
    "read_gaslib_scenario",
    "write_gaslib",
]

# defusedxml ships without type information: bind it through importlib (typed Any).
_SAFE_ET: Any = importlib.import_module("defusedxml.ElementTree")
_DEFUSED_ERROR: type[Exception] = importlib.import_module("defusedxml.common").DefusedXmlException

GASLIB_NAMESPACE: Final = "http://gaslib.zib.de/Gas"
FRAMEWORK_NAMESPACE: Final = "http://gaslib.zib.de/Framework"
CS_NAMESPACE: Final = "http://gaslib.zib.de/CompressorStations"
CDF_NAMESPACE: Final = "http://gaslib.zib.de/CombinedDecisions"
_G: Final = "{" + GASLIB_NAMESPACE + "}"
_F: Final = "{" + FRAMEWORK_NAMESPACE + "}"
_CS: Final = "{" + CS_NAMESPACE + "}"
_CDF: Final = "{" + CDF_NAMESPACE + "}"

#: Default pipe flow law of GasLib networks (see the module docstring).
DEFAULT_FLOW_LAW: Final = "prandtl-colebrook"
#: Normal volume flow of GasLib's flow unit: 1000 m³/h = 1000/3600 m³/s.
_KM3_PER_H: Final = 1000.0 / 3600.0

#: GasLib unit → (quantity kind, multiplier, divisor, offset): SI = v·mul/div + offset.
#: "bar" is absolute (GasLib convention); "barg" is gauge against 1.01325 bar;
#: "1000m_cube_per_hour" is a *normal* volume flow [m³/s at 0 °C, 1.01325 bar]
#: that the reader turns into kg/s with the network's norm density.
GASLIB_UNITS: Final[Mapping[str, tuple[str, float, float, float]]] = {
    "bar": ("pressure", 1e5, 1.0, 0.0),
    "barg": ("pressure", 1e5, 1.0, P_ATM),
    "Pa": ("pressure", 1.0, 1.0, 0.0),
    "kPa": ("pressure", 1e3, 1.0, 0.0),
    "MPa": ("pressure", 1e6, 1.0, 0.0),
    "m": ("length", 1.0, 1.0, 0.0),
    "meter": ("length", 1.0, 1.0, 0.0),
    "km": ("length", 1e3, 1.0, 0.0),
    "cm": ("length", 1.0, 100.0, 0.0),
    "mm": ("length", 1.0, 1000.0, 0.0),
    "Celsius": ("temperature", 1.0, 1.0, T_ZERO_C),
    "K": ("temperature", 1.0, 1.0, 0.0),
    "1000m_cube_per_hour": ("flow", 1000.0, 3600.0, 0.0),
    "MJ_per_m_cube": ("calorific_value", 1e6, 1.0, 0.0),
    "kJ_per_m_cube": ("calorific_value", 1e3, 1.0, 0.0),
    "kg_per_m_cube": ("density", 1.0, 1.0, 0.0),
    "kg_per_kmol": ("molar_mass", 1.0, 1000.0, 0.0),
    "W_per_m_square_per_K": ("heat_transfer", 1.0, 1.0, 0.0),
}

#: GasLib field → (quantity kind, unit written by write_gaslib). "number" fields have
#: no unit; "pressure_difference" takes pressure units without an offset.
_FIELDS: Final[Mapping[str, tuple[str, str | None]]] = {
    "height": ("length", "m"),
    "pressureMin": ("pressure", "bar"),
    "pressureMax": ("pressure", "bar"),
    "flowMin": ("flow", "1000m_cube_per_hour"),
    "flowMax": ("flow", "1000m_cube_per_hour"),
    "gasTemperature": ("temperature", "K"),
    "calorificValue": ("calorific_value", "MJ_per_m_cube"),
    "normDensity": ("density", "kg_per_m_cube"),
    "coefficient-A-heatCapacity": ("number", None),
    "coefficient-B-heatCapacity": ("number", None),
    "coefficient-C-heatCapacity": ("number", None),
    "molarMass": ("molar_mass", "kg_per_kmol"),
    "pseudocriticalPressure": ("pressure", "bar"),
    "pseudocriticalTemperature": ("temperature", "K"),
    "length": ("length", "km"),
    "diameter": ("length", "mm"),
    "roughness": ("length", "mm"),
    "heatTransferCoefficient": ("heat_transfer", "W_per_m_square_per_K"),
    "pressureDifferentialMin": ("pressure_difference", "bar"),
    "pressureDifferentialMax": ("pressure_difference", "bar"),
    "pressureInMin": ("pressure", "bar"),
    "pressureOutMax": ("pressure", "bar"),
    "pressureLoss": ("pressure_difference", "bar"),
    "pressureLossIn": ("pressure_difference", "bar"),
    "pressureLossOut": ("pressure_difference", "bar"),
    "dragFactor": ("number", None),
    "dragFactorIn": ("number", None),
    "dragFactorOut": ("number", None),
    "diameterIn": ("length", "mm"),
    "diameterOut": ("length", "mm"),
    # .scn fields
    "flow": ("flow", "1000m_cube_per_hour"),
    "pressure": ("pressure", "bar"),
    "contractPressureMax": ("pressure", "bar"),
    "scenarioProbability": ("number", None),
    "scenarioTemperature": ("temperature", "K"),
    "soilTemperature": ("temperature", "K"),
    "ambientTemperature": ("temperature", "K"),
}
#: Unit assumed when a field has none (GasLib files omit it for some heights).
_DEFAULT_UNIT: Final[Mapping[str, str]] = {"height": "m"}

_NODE_KINDS: Final[Mapping[str, NodeKind]] = {
    "source": "entry", "sink": "exit", "innode": "junction"}
_NODE_TAGS: Final[Mapping[NodeKind, str]] = {v: k for k, v in _NODE_KINDS.items()}
_NODE_FIELDS: Final = frozenset(
    {"height", "pressureMin", "pressureMax", "flowMin", "flowMax", "gasTemperature"})
_SOURCE_GAS_FIELDS: Final = (
    "calorificValue", "normDensity", "coefficient-A-heatCapacity", "coefficient-B-heatCapacity",
    "coefficient-C-heatCapacity", "molarMass", "pseudocriticalPressure",
    "pseudocriticalTemperature")
#: Fields each element maps onto its network element (others with a known unit go to
#: ``edge_info``).
_EDGE_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "pipe": frozenset({"flowMin", "flowMax", "length", "diameter", "roughness",
                       "heatTransferCoefficient", "pressureMax"}),
    "shortPipe": frozenset({"flowMin", "flowMax"}),
    "resistor": frozenset({"flowMin", "flowMax"}),  # dragFactor etc. handled in _resistor
    "valve": frozenset({"flowMin", "flowMax"}),
    "controlValve": frozenset({"flowMin", "flowMax", "pressureDifferentialMin",
                               "pressureDifferentialMax", "pressureInMin", "pressureOutMax",
                               "pressureLossIn", "pressureLossOut"}),
    "compressorStation": frozenset({"flowMin", "flowMax", "pressureInMin", "pressureOutMax",
                                    "pressureLossIn", "pressureLossOut"}),
}
_EDGE_TAG: Final[Mapping[type[Edge], str]] = {
    Pipe: "pipe", ShortPipe: "shortPipe", Resistor: "resistor", Valve: "valve",
    ControlValve: "controlValve", Compressor: "compressorStation"}
_SCENARIO_SCALARS: Final = ("scenarioProbability", "scenarioTemperature", "soilTemperature",
                            "ambientTemperature")

#: Instance files shipped in :mod:`trunkline.scenarios.gaslib`.
GASLIB_FILES: Final = (
    "GasLib-11.net", "GasLib-11.scn", "GasLib-11.cs",
    "GasLib-24.net", "GasLib-24.scn", "GasLib-24.cs",
    "GasLib-40.net", "GasLib-40.scn", "GasLib-40.cs",
    "GasLib-134-v2.net", "GasLib-134-v2_2016-02-17.scn",
    "GasLib-135.net", "GasLib-135.scn", "GasLib-135.cs",
    "GasLib-582-v2.net", "GasLib-582-v2_nomination_freezing_1.scn", "GasLib-582-v2.cs",
    "GasLib-582-v2.cdf",
    "GasLib-4197.net", "GasLib-4197_nomination_mild_0006.scn", "GasLib-4197.cs",
    "GasLib-4197.cdf",
)

Info = dict[str, float | str]


class DecisionState(NamedTuple):
    """One element's state in a combined decision of a GasLib ``.cdf``.

    ``value``: 1 open / active, 0 closed; ``flow_direction``: 0 along the element
    (from → to), 1 against it, None free; ``mode``: a control valve's "active" or
    "bypass" (None: not given).
    """

    value: int
    flow_direction: int | None = None
    mode: str | None = None


#: group id → decision id → element id → its state.
Decisions = dict[str, dict[str, dict[str, DecisionState]]]


@dataclass(frozen=True)
class GasLibData:
    """A GasLib instance: the network plus what the network model has no field for.

    Attributes:
        network: the network (no boundary conditions; see :func:`apply_nomination`).
        norm_density: density at normal conditions [kg/m³] that converts GasLib's
            normal volume flows to mass flows: the mean of the sources' values.
        molar_mass: mean molar mass of the sources' gas [kg/mol], or None.
        calorific_value: mean calorific value [J/m³ at normal conditions], or None.
        pseudocritical_pressure: mean pseudocritical pressure [Pa], or None.
        pseudocritical_temperature: mean pseudocritical temperature [K], or None.
        nomination: node id → (lower, upper) injection bounds [kg/s] from the .scn,
            entries positive and exits negative as in :class:`Network`; an infinite
            bound means the .scn gives none. None without a .scn.
        scenario_pressures: node id → (lower, upper) pressure bounds [Pa, absolute]
            from the .scn (-inf / inf where it gives none).
        scenario_info: scenario-level values of the .scn (``id``,
            ``scenarioProbability``, temperatures [K], ``contractDate``).
        scenario_node_info: other node values of the .scn in SI (e.g.
            ``contractPressureMax`` [Pa]).
        scenario_pipe_info: pipe values of the .scn (``soilTemperature`` [K]).
        compressor_data: per station of the .cs: ``compressors`` (id → type, e.g.
            "turboCompressor"), ``drives`` (id → type, e.g. "gasTurbine"),
            ``compressor_drives`` (compressor id → drive id), ``n_compressors``,
            ``n_drives``, ``n_configurations``.
        combined_decisions: the .cdf: group id → decision id → element id →
            :class:`DecisionState` (value, flow direction, control-valve mode).
        node_info, edge_info: per element, GasLib values with no network field
            (numbers in SI under the GasLib field name; XML attributes as strings).
        substituted: element id → GasLib tag, for elements read as another type
            (resistors without a modelled loss read as short pipes).
        notes: approximations made while reading, in words.
        skipped: unknown fields (and, with ``strict=False``, elements) not read.
        title: the instance title.
        source_files: the files read.
    """

    network: Network
    norm_density: float
    molar_mass: float | None = None
    calorific_value: float | None = None
    pseudocritical_pressure: float | None = None
    pseudocritical_temperature: float | None = None
    nomination: dict[str, tuple[float, float]] | None = None
    scenario_pressures: dict[str, tuple[float, float]] = field(default_factory=dict)
    scenario_info: dict[str, float | str] = field(default_factory=dict)
    scenario_node_info: dict[str, dict[str, float]] = field(default_factory=dict)
    scenario_pipe_info: dict[str, dict[str, float]] = field(default_factory=dict)
    compressor_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    combined_decisions: Decisions = field(default_factory=dict)
    node_info: dict[str, Info] = field(default_factory=dict)
    edge_info: dict[str, Info] = field(default_factory=dict)
    substituted: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    title: str = ""
    source_files: tuple[Path, ...] = ()


# -- packaged instances ---------------------------------------------------------
def gaslib_path(name: str) -> Path:
    """Path of a GasLib file shipped with trunkline, e.g. ``gaslib_path("GasLib-40.net")``."""
    res = resources.files("trunkline.scenarios.gaslib").joinpath(name)
    if not res.is_file():
        raise ScenarioError("no such packaged GasLib file", element="gaslib_path",
                            field="name", value=name, expected="one of " + ", ".join(GASLIB_FILES))
    with resources.as_file(res) as path:  # installs are on disk: the path stays valid
        return Path(path)


def load_gaslib(instance: str, *, flow_law: str = DEFAULT_FLOW_LAW,
                strict: bool = True) -> GasLibData:
    """Read a packaged instance with its .scn, .cs and .cdf, e.g. ``load_gaslib("GasLib-40")``."""
    net = f"{instance}.net"
    if net not in GASLIB_FILES:
        names = sorted({f.rsplit(".", 1)[0] for f in GASLIB_FILES if f.endswith(".net")})
        raise ScenarioError("no such packaged GasLib instance", element="load_gaslib",
                            field="instance", value=instance, expected="one of " + ", ".join(names))

    def find(suffix: str) -> Path | None:
        for f in GASLIB_FILES:
            if f.endswith(suffix) and (f == instance + suffix or f.startswith(instance + "_")):
                return gaslib_path(f)
        return None

    return read_gaslib(gaslib_path(net), find(".scn"), find(".cs"), cdf_path=find(".cdf"),
                       flow_law=flow_law, strict=strict)


# -- parsing helpers --------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse(path: Path, what: str) -> Element:
    """Parse an XML file safely (no DTDs, entities or external references)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found", element=f"GasLib {what} file", field="path",
                            value=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file ({exc.strerror})",
                            element=f"GasLib {what} file", field="path", value=str(path)) from None
    try:
        root: Element = _SAFE_ET.fromstring(raw, forbid_dtd=True)
    except _DEFUSED_ERROR as exc:
        raise ScenarioError("DTDs, entity declarations and external references are refused "
                            f"(possible entity-expansion attack: {exc})",
                            element=f"GasLib {what} file {path}") from None
    except ParseError as exc:
        raise ScenarioError(f"not well-formed XML ({exc})",
                            element=f"GasLib {what} file {path}") from None
    return root


class _Reader:
    """Unit conversion and error reporting for one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped: list[str] = []

    def fail(self, message: str, owner: str, name: str | None = None, value: object = None,
             expected: str | None = None) -> ScenarioError:
        return ScenarioError(message, element=f"{self.path.name}: {owner}", field=name,
                             value=value, expected=expected)

    def attr(self, el: Element, name: str, owner: str) -> str:
        v = el.get(name)
        if v is None or v == "":
            raise self.fail("missing attribute", owner, name, expected=f'{name}="…"')
        return v

    def number(self, text: str | None, owner: str, name: str) -> float:
        if text is None:
            raise self.fail("missing value", owner, name, expected='value="<number>"')
        try:
            v = float(text)
        except ValueError:
            raise self.fail("not a number", owner, name, text) from None
        if not math.isfinite(v):
            raise self.fail("not a finite number", owner, name, text)
        return v

    def value(self, el: Element, owner: str) -> float:
        """The ``value`` of a field element in SI (flows: normal volume flow [m³/s])."""
        name = _local(el.tag)
        kind = _FIELDS[name][0]
        v = self.number(el.get("value"), owner, name)
        unit = el.get("unit")
        if kind == "number":
            if unit not in (None, "", "1"):
                raise self.fail("a dimensionless field has a unit", owner, name, unit,
                                "no unit")
            return v
        if unit is None:
            unit = _DEFAULT_UNIT.get(name)
        want = "pressure" if kind == "pressure_difference" else kind
        spec = GASLIB_UNITS.get(unit) if unit is not None else None
        if spec is None or spec[0] != want:
            units = "one of " + ", ".join(u for u, sp in GASLIB_UNITS.items() if sp[0] == want)
            if unit is None:
                raise self.fail("missing unit", owner, name, expected=units)
            raise self.fail("unknown unit" if spec is None else f"not a {want} unit", owner,
                            f"{name}.unit", unit, units)
        _, mul, div, offset = spec
        if kind == "pressure_difference" and offset:
            raise self.fail("a pressure difference cannot be in a gauge unit", owner,
                            f"{name}.unit", unit, "an absolute unit such as bar")
        return v * mul / div + offset

    def fields(self, el: Element, owner: str) -> dict[str, Element]:
        """The field elements of an element by local name; unknown ones go to ``skipped``."""
        out: dict[str, Element] = {}
        for child in el:
            name = _local(child.tag)
            if name in _FIELDS and child.tag.startswith(_G):
                out[name] = child
            else:
                self.skipped.append(f"{self.path.name}: {owner}: field {name}")
        return out


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return math.fsum(vals) / len(vals) if vals else None


def _extra_attrs(el: Element, used: Iterable[str]) -> Info:
    skip = set(used)
    return {k: v for k, v in el.attrib.items() if k not in skip}


# -- reading ---------------------------------------------------------------------
def read_gaslib(net_path: str | Path, scn_path: str | Path | None = None,
                cs_path: str | Path | None = None, *, cdf_path: str | Path | None = None,
                flow_law: str = DEFAULT_FLOW_LAW, norm_density: float | None = None,
                strict: bool = True) -> GasLibData:
    """Read a GasLib network, optionally with its nomination, compressor and decision files.

    Args:
        net_path: the ``.net`` file.
        scn_path: a ``.scn`` file (nomination: flows and pressure bounds).
        cs_path: a ``.cs`` file (compressor stations; ids and counts are kept).
        cdf_path: a ``.cdf`` file (combined decisions).
        flow_law: the pipes' flow law (one of :data:`trunkline.model.network.FLOW_LAWS`
            but "empirical"); GasLib does not name one.
        norm_density: density at normal conditions [kg/m³] to convert flows with;
            default the mean of the sources' ``normDensity``.
        strict: raise on an unknown element tag (default) or skip it and list it
            in :attr:`GasLibData.skipped`.

    Returns:
        The :class:`GasLibData`; its network has no boundary conditions set
        (use :func:`apply_nomination`).

    Raises:
        ScenarioError: a missing or malformed file, a DTD or entity declaration,
            an unknown unit, a missing or invalid value, an unknown element
            (``strict``) or node id; the message names the file, element and field.
    """
    if flow_law not in FLOW_LAWS or flow_law == "empirical":
        raise ScenarioError("unknown flow law for GasLib pipes", element="read_gaslib",
                            field="flow_law", value=flow_law,
                            expected="one of " + ", ".join(f for f in FLOW_LAWS
                                                           if f != "empirical"))
    net_path = Path(net_path)
    root = _parse(net_path, "network")
    if root.tag != _G + "network":
        raise ScenarioError("not a GasLib network file", element=f"GasLib network file {net_path}",
                            field="root element", value=root.tag,
                            expected=f"network in namespace {GASLIB_NAMESPACE}")
    net_data = _read_net(net_path, root, flow_law, norm_density, strict)
    files = [net_path]
    extra: dict[str, Any] = {}
    if cs_path is not None:
        cs_path = Path(cs_path)
        files.append(cs_path)
        extra["compressor_data"] = _read_cs(cs_path, net_data.network)
    if cdf_path is not None:
        cdf_path = Path(cdf_path)
        files.append(cdf_path)
        extra["combined_decisions"] = _read_cdf(cdf_path)
    data = replace(net_data, **extra, source_files=tuple(files))
    return data if scn_path is None else read_gaslib_scenario(data, scn_path)


def read_gaslib_scenario(data: GasLibData, scn_path: str | Path) -> GasLibData:
    """A network read before (``read_gaslib`` without a ``.scn``) with the nomination of a
    ``.scn`` file: what ``read_gaslib`` gives with both, without reading the ``.net``
    again — for checking a set of nominations of one network. The result has its own
    copy of the network (a builder, which a caller may edit); ``data`` is not changed.

    Raises:
        ScenarioError: as :func:`read_gaslib` for the ``.scn``; also when ``data``
            already holds a nomination (apply each ``.scn`` to the data read without one,
            so that nothing of another nomination stays).
    """
    scn_path = Path(scn_path)
    if data.nomination is not None:
        raise ScenarioError("the GasLib data holds a nomination already",
                            element=f"GasLib scenario file {scn_path}", field="data",
                            expected="data read without a .scn")
    net = data.network.copy()
    extra = _read_scn(scn_path, net, data.norm_density)
    skipped = data.skipped + tuple(extra.pop("skipped", ()))
    return replace(data, network=net, **extra, skipped=skipped,
                   source_files=(*data.source_files, scn_path))


def _read_net(path: Path, root: Element, flow_law: str, norm_density: float | None,
              strict: bool) -> GasLibData:
    r = _Reader(path)
    title = ""
    nodes_sec: list[Element] = []
    conn_sec: list[Element] = []
    for sec in root:
        if sec.tag == _F + "information":
            t = sec.find(_F + "title")
            title = (t.text or "").strip() if t is not None else ""
        elif sec.tag == _F + "nodes":
            nodes_sec = list(sec)
        elif sec.tag == _F + "connections":
            conn_sec = list(sec)
        else:
            r.skipped.append(f"{path.name}: section {_local(sec.tag)}")

    # Pass 1: the sources' gas properties (the norm density converts every flow).
    gas: dict[str, dict[str, float]] = {}
    for el in nodes_sec:
        if el.tag == _G + "source":
            nid = r.attr(el, "id", "source")
            gas[nid] = {_local(c.tag): r.value(c, f"source {nid}") for c in el
                        if c.tag.startswith(_G) and _local(c.tag) in _SOURCE_GAS_FIELDS}
    mean_rho = _mean(g["normDensity"] for g in gas.values() if "normDensity" in g)
    rho = norm_density if norm_density is not None else mean_rho
    if rho is None or not (math.isfinite(rho) and rho > 0):
        raise ScenarioError("no norm density to convert flows with",
                            element=f"GasLib network file {path}", field="normDensity",
                            value=rho, expected="a source with normDensity > 0 or norm_density=")

    def flow(el: Element, owner: str) -> float:
        return r.value(el, owner) * rho

    net = Network(name=title or path.stem, reference="normal")
    node_info: dict[str, Info] = {}
    edge_info: dict[str, Info] = {}
    substituted: dict[str, str] = {}
    notes: list[str] = []

    for el in nodes_sec:
        tag = _local(el.tag)
        if not el.tag.startswith(_G) or tag not in _NODE_KINDS:
            if strict:
                raise r.fail("unknown node element", f"node {el.get('id')}", "tag", tag,
                             "source, sink or innode")
            r.skipped.append(f"{path.name}: node element {tag} {el.get('id')}")
            continue
        nid = r.attr(el, "id", tag)
        owner = f"{tag} {nid}"
        f = r.fields(el, owner)
        val: dict[str, float] = {}
        info: Info = _extra_attrs(el, ("id", "x", "y"))
        for name, child in f.items():
            if name in ("flowMin", "flowMax"):
                val[name] = flow(child, owner)
            elif name in _NODE_FIELDS:
                val[name] = r.value(child, owner)
            else:
                info[name] = r.value(child, owner)
        q_lo, q_hi = val.get("flowMin", -math.inf), val.get("flowMax", math.inf)
        if tag == "sink":  # GasLib gives withdrawals; the node's bounds are injections
            q_lo, q_hi = -q_hi, -q_lo
        try:
            net.add_node(nid, kind=_NODE_KINDS[tag],
                         height=val.get("height", 0.0), p_min=val.get("pressureMin", 0.0),
                         p_max=val.get("pressureMax", math.inf), flow_min=q_lo, flow_max=q_hi,
                         temperature=val.get("gasTemperature"),
                         x=r.number(el.get("x", "0"), owner, "x"),
                         y=r.number(el.get("y", "0"), owner, "y"))
        except InputError as exc:
            raise ScenarioError(str(exc), element=f"GasLib network file {path}") from None
        if info:
            node_info[nid] = info

    for el in conn_sec:
        tag = _local(el.tag)
        if not el.tag.startswith(_G) or tag not in _EDGE_FIELDS:
            if strict:
                raise r.fail("unknown element", f"connection {el.get('id')}", "tag", tag,
                             ", ".join(_EDGE_FIELDS))
            r.skipped.append(f"{path.name}: element {tag} {el.get('id')}")
            continue
        eid = r.attr(el, "id", tag)
        owner = f"{tag} {eid}"
        frm, to = r.attr(el, "from", owner), r.attr(el, "to", owner)
        f = r.fields(el, owner)
        val = {}
        info = _extra_attrs(el, ("id", "from", "to"))
        for name, child in f.items():
            if name in ("flowMin", "flowMax"):
                val[name] = flow(child, owner)
            elif name in _EDGE_FIELDS[tag]:
                val[name] = r.value(child, owner)
            else:
                info[name] = r.value(child, owner)
        q_lo, q_hi = val.get("flowMin", -math.inf), val.get("flowMax", math.inf)
        try:
            if tag == "pipe":
                for need in ("length", "diameter"):
                    if need not in val:
                        raise r.fail("missing field", owner, need)
                net.add_pipe(eid, frm, to, val["length"], val["diameter"],
                             val.get("roughness", 0.0), flow_law,
                             heat_transfer_coefficient=val.get("heatTransferCoefficient", 0.0),
                             p_max=val.get("pressureMax", math.inf), flow_min=q_lo,
                             flow_max=q_hi)
            elif tag == "shortPipe":
                net.add_short_pipe(eid, frm, to, flow_min=q_lo, flow_max=q_hi)
            elif tag == "resistor":
                note = _resistor(r, net, eid, frm, to, info, q_lo, q_hi)
                if note:
                    substituted[eid] = "resistor"
                    notes.append(note)
            elif tag == "valve":
                net.add_valve(eid, frm, to, True, flow_min=q_lo, flow_max=q_hi)
            elif tag == "controlValve":
                net.add_control_valve(
                    eid, frm, to, None, "bypass",
                    p_in_min=val.get("pressureInMin", 0.0),
                    p_out_max=val.get("pressureOutMax", math.inf),
                    dp_min=val.get("pressureDifferentialMin", 0.0),
                    dp_max=val.get("pressureDifferentialMax", math.inf),
                    pressure_loss_in=val.get("pressureLossIn", 0.0),
                    pressure_loss_out=val.get("pressureLossOut", 0.0), flow_min=q_lo,
                    flow_max=q_hi)
            else:  # compressorStation
                net.add_compressor(
                    eid, frm, to, mode="bypass", p_in_min=val.get("pressureInMin", 0.0),
                    p_out_max=val.get("pressureOutMax", math.inf),
                    pressure_loss_in=val.get("pressureLossIn", 0.0),
                    pressure_loss_out=val.get("pressureLossOut", 0.0), flow_min=q_lo,
                    flow_max=q_hi)
        except ScenarioError:
            raise
        except InputError as exc:
            raise ScenarioError(str(exc), element=f"GasLib network file {path}") from None
        if info:
            edge_info[eid] = info

    def gas_mean(name: str) -> float | None:
        return _mean(g[name] for g in gas.values() if name in g)

    return GasLibData(
        network=net, norm_density=float(rho), molar_mass=gas_mean("molarMass"),
        calorific_value=gas_mean("calorificValue"),
        pseudocritical_pressure=gas_mean("pseudocriticalPressure"),
        pseudocritical_temperature=gas_mean("pseudocriticalTemperature"),
        node_info=node_info, edge_info=edge_info, substituted=substituted,
        notes=tuple(notes), skipped=tuple(r.skipped), title=title)


def _resistor(r: _Reader, net: Network, eid: str, frm: str, to: str, info: Info,
              q_lo: float, q_hi: float) -> str | None:
    """Add a resistor (or its short-pipe substitute); return a note for a substitute."""
    drag, diameter, loss = info.get("dragFactor"), info.get("diameter"), info.get("pressureLoss")
    owner = f"resistor {eid}"
    if isinstance(drag, float) and isinstance(diameter, float):
        if drag > 0:
            net.add_resistor(eid, frm, to, drag, diameter, flow_min=q_lo, flow_max=q_hi)
            del info["dragFactor"], info["diameter"]
            return None
        if drag == 0:
            net.add_short_pipe(eid, frm, to, flow_min=q_lo, flow_max=q_hi)
            return f"{owner}: dragFactor 0 (lossless) read as a short pipe"
        raise r.fail("negative drag factor", owner, "dragFactor", drag, ">= 0")
    if isinstance(loss, float):
        if loss < 0:
            raise r.fail("negative pressure loss", owner, "pressureLoss", loss, ">= 0")
        net.add_short_pipe(eid, frm, to, flow_min=q_lo, flow_max=q_hi)
        return (f"{owner}: fixed pressureLoss {loss:g} Pa read as a short pipe "
                "(no network element has a fixed loss; the loss is not modelled)")
    raise r.fail("a resistor needs dragFactor and diameter, or pressureLoss", owner,
                 "dragFactor")


def _read_scn(path: Path, net: Network, rho: float) -> dict[str, Any]:
    r = _Reader(path)
    root = _parse(path, "scenario")
    if root.tag != _G + "boundaryValue":
        raise ScenarioError("not a GasLib scenario file", element=f"GasLib scenario file {path}",
                            field="root element", value=root.tag,
                            expected=f"boundaryValue in namespace {GASLIB_NAMESPACE}")
    scenarios = [s for s in root if s.tag == _G + "scenario"]
    if len(scenarios) != 1:
        raise ScenarioError("expected exactly one scenario", element=f"GasLib scenario file {path}",
                            field="scenario", value=len(scenarios), expected="1")
    sc = scenarios[0]
    info: dict[str, float | str] = {}
    if sc.get("id") is not None:
        info["id"] = sc.get("id", "")
    nomination: dict[str, tuple[float, float]] = {}
    pressures: dict[str, tuple[float, float]] = {}
    node_info: dict[str, dict[str, float]] = {}
    pipe_info: dict[str, dict[str, float]] = {}
    for el in sc:
        tag = _local(el.tag)
        if el.tag == _G + "node":
            nid = r.attr(el, "id", "node")
            owner = f"node {nid}"
            if nid not in net.nodes:
                raise r.fail("node not in the network", owner, "id", nid)
            kind = r.attr(el, "type", owner)
            if kind not in ("entry", "exit"):
                raise r.fail("unknown node type", owner, "type", kind, "entry or exit")
            b: dict[str, dict[str, float]] = {"flow": {}, "pressure": {}}
            for child in el:
                name = _local(child.tag)
                if name in b and child.tag.startswith(_G):
                    bound = r.attr(child, "bound", f"{owner}: {name}")
                    if bound not in ("lower", "upper", "both"):
                        raise r.fail("unknown bound", f"{owner}: {name}", "bound", bound,
                                     "lower, upper or both")
                    v = r.value(child, owner) * (rho if name == "flow" else 1.0)
                    for side in (("lower", "upper") if bound == "both" else (bound,)):
                        b[name][side] = v
                elif name in _FIELDS and child.tag.startswith(_G):
                    node_info.setdefault(nid, {})[name] = r.value(child, owner)
                else:
                    r.skipped.append(f"{path.name}: {owner}: field {name}")
            lo, hi = b["flow"].get("lower", -math.inf), b["flow"].get("upper", math.inf)
            if kind == "exit":  # withdrawal bounds [lo, hi] → injection bounds [-hi, -lo]
                lo, hi = -hi, -lo
            if b["flow"]:
                nomination[nid] = (lo, hi)
            if b["pressure"]:
                pressures[nid] = (b["pressure"].get("lower", -math.inf),
                                  b["pressure"].get("upper", math.inf))
        elif el.tag == _G + "pipe":
            pid = r.attr(el, "id", "pipe")
            if pid not in net.edges:
                raise r.fail("element not in the network", f"pipe {pid}", "id", pid)
            pipe_info[pid] = {_local(c.tag): r.value(c, f"pipe {pid}")
                              for c in r.fields(el, f"pipe {pid}").values()}
        elif tag in _SCENARIO_SCALARS and el.tag.startswith(_G):
            info[tag] = r.value(el, "scenario")
        elif tag == "contractDate" and el.tag.startswith(_G):
            info[tag] = r.attr(el, "value", "scenario")
        else:
            r.skipped.append(f"{path.name}: scenario: {tag}")
    return {"nomination": nomination, "scenario_pressures": pressures, "scenario_info": info,
            "scenario_node_info": node_info, "scenario_pipe_info": pipe_info,
            "skipped": r.skipped}


def _read_cs(path: Path, net: Network) -> dict[str, dict[str, Any]]:
    root = _parse(path, "compressor station")
    if root.tag != _CS + "compressorStations":
        raise ScenarioError("not a GasLib compressor station file",
                            element=f"GasLib compressor station file {path}",
                            field="root element", value=root.tag,
                            expected=f"compressorStations in namespace {CS_NAMESPACE}")
    r = _Reader(path)
    out: dict[str, dict[str, Any]] = {}
    for st in root.iter(_CS + "compressorStation"):
        sid = r.attr(st, "id", "compressorStation")
        if not isinstance(net.edges.get(sid), Compressor):
            raise r.fail("compressor station not in the network", f"compressorStation {sid}",
                         "id", sid)
        comps: dict[str, str] = {}
        drives_of: dict[str, str] = {}
        drives: dict[str, str] = {}
        for sec in st:
            if sec.tag == _CS + "compressors":
                for c in sec:
                    cid = r.attr(c, "id", f"compressorStation {sid}: {_local(c.tag)}")
                    comps[cid] = _local(c.tag)
                    if c.get("drive"):
                        drives_of[cid] = c.get("drive", "")
            elif sec.tag == _CS + "drives":
                for d in sec:
                    drives[r.attr(d, "id", f"compressorStation {sid}: drive")] = _local(d.tag)
        n_conf = len(st.findall(f"{_CS}configurations/{_CS}configuration"))
        out[sid] = {"compressors": comps, "drives": drives, "compressor_drives": drives_of,
                    "n_compressors": len(comps), "n_drives": len(drives),
                    "n_configurations": n_conf}
    return out


def _read_cdf(path: Path) -> Decisions:
    root = _parse(path, "combined decisions")
    if root.tag != _CDF + "combinedDecisions":
        raise ScenarioError("not a GasLib combined decisions file",
                            element=f"GasLib combined decisions file {path}",
                            field="root element", value=root.tag,
                            expected=f"combinedDecisions in namespace {CDF_NAMESPACE}")
    r = _Reader(path)
    out: Decisions = {}
    for group in root.iter(_CDF + "decisionGroup"):
        gid = r.attr(group, "id", "decisionGroup")
        decisions: dict[str, dict[str, DecisionState]] = {}
        for dec in group.iter(_CDF + "decision"):
            did = r.attr(dec, "id", f"decisionGroup {gid}: decision")
            owner = f"decision {gid}/{did}"
            states: dict[str, DecisionState] = {}
            for el in dec:
                eid = r.attr(el, "id", owner)
                value = int(r.number(r.attr(el, "value", owner), owner, "value"))
                direction = el.get("flowDirection")
                states[eid] = DecisionState(
                    value, None if direction is None
                    else int(r.number(direction, owner, "flowDirection")), el.get("mode"))
            decisions[did] = states
        out[gid] = decisions
    return out


# -- nomination --------------------------------------------------------------------
def apply_nomination(data: GasLibData) -> Network:
    """A copy of the network with the .scn nomination applied.

    * every nominated node gets ``set_flow``: the exact value where lower == upper,
      the midpoint of a finite range otherwise (a node with an infinite bound is
      left free);
    * the .scn pressure bounds replace the nodes' ``p_min`` / ``p_max`` (only the
      bounds the .scn gives);
    * pipes get the .scn soil temperature [K] as ``ground_temperature`` (a pipe's
      own value, else the scenario's).

    Raises:
        ScenarioError: the data has no nomination, or a node's pressure bounds
            cross after replacement.
    """
    if data.nomination is None:
        raise ScenarioError("no nomination: read the network with a .scn file",
                            element="apply_nomination", field="nomination")
    net = data.network.copy()
    for nid, (lo, hi) in data.nomination.items():
        if lo == hi:
            net.set_flow(nid, lo)
        elif math.isfinite(lo) and math.isfinite(hi):
            net.set_flow(nid, 0.5 * (lo + hi))
    for nid, (lo, hi) in data.scenario_pressures.items():
        node = net.nodes[nid]
        p_min = lo if math.isfinite(lo) else node.p_min
        p_max = hi if math.isfinite(hi) else node.p_max
        if p_min > p_max:
            raise ScenarioError("scenario pressure bounds cross", element=f"node {nid}",
                                field="p_min", value=p_min, expected=f"<= p_max ({p_max})")
        net.nodes[nid] = replace(node, p_min=p_min, p_max=p_max)
    soil = data.scenario_info.get("soilTemperature")
    for e in list(net.edges.values()):
        if isinstance(e, Pipe):
            t = data.scenario_pipe_info.get(e.id, {}).get("soilTemperature", soil)
            if isinstance(t, float):
                net.replace_edge(e.id, ground_temperature=t)
    return net


# -- writing -----------------------------------------------------------------------
def _fmt(v: float) -> str:
    return repr(float(v))


def _to_unit(name: str, si: float) -> tuple[str, str | None]:
    """(value text, unit) of an SI value in the unit write_gaslib uses for ``name``."""
    unit = _FIELDS[name][1]
    if unit is None:
        return _fmt(si), None
    _, mul, div, offset = GASLIB_UNITS[unit]
    return _fmt((si - offset) * div / mul), unit


def _field(out: list[str], name: str, si: float, indent: str = "      ",
           bound: str | None = None) -> None:
    text, unit = _to_unit(name, si)
    b = f' bound="{bound}"' if bound else ""
    u = f' unit="{unit}"' if unit else ""
    out.append(f'{indent}<{name}{b} value="{text}"{u}/>')


def _attrs(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in pairs)


_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
_ATTRIBUTION = ("<!-- Derived from the GasLib instance {title} (https://gaslib.zib.de), licensed "
                "under CC BY 3.0. Cite Pfetsch et al. (2015), Optimization Methods & Software "
                "30(1):15-53, and Schmidt et al. (2017), Data 2(4):40. -->\n")


def write_gaslib(source: Network | GasLibData, net_path: str | Path,
                 scn_path: str | Path | None = None, *,
                 norm_density: float | None = None) -> Path:
    """Write a network as a GasLib ``.net`` file (and a ``.scn``), atomically.

    Values are written in bar (absolute), km (pipe lengths), mm (diameters,
    roughness), m (heights), K and 1000 m³/h at normal conditions: mass flows
    [kg/s] are divided by ``norm_density`` [kg/m³].

    Args:
        source: a :class:`Network`, or a :class:`GasLibData` whose ``node_info``,
            ``edge_info``, ``substituted`` elements and gas properties are written too.
        net_path: the ``.net`` file to write.
        scn_path: a ``.scn`` file to write: for a Network its injections (exact
            flows) and fixed pressures; for GasLibData its nomination and scenario
            values.
        norm_density: density at normal conditions [kg/m³]; required for a
            Network, default ``data.norm_density`` for GasLibData. Sources without
            a ``normDensity`` of their own are written with it.

    Returns:
        ``net_path`` as a Path.
    """
    data = source if isinstance(source, GasLibData) else None
    net = source.network if isinstance(source, GasLibData) else source
    rho = norm_density if norm_density is not None else (data.norm_density if data else None)
    if rho is None or not (math.isfinite(rho) and rho > 0):
        raise InputError("a norm density is needed to write flows", element="write_gaslib",
                         field="norm_density", value=rho, expected="> 0 [kg/m³]")
    text = _net_xml(net, data, rho)
    path = atomic_write(net_path, _writer(text))
    if scn_path is not None:
        atomic_write(scn_path, _writer(_scn_xml(net, data, rho)))
    return path


def _writer(text: str) -> Callable[[IO[Any]], None]:
    def write(fh: IO[Any]) -> None:
        fh.write(text)
    return write


def _flow_si(m: float, rho: float) -> float:
    """A mass flow [kg/s] as a normal volume flow [m³/s] (write_gaslib converts it on)."""
    return m / rho


def _net_xml(net: Network, data: GasLibData | None, rho: float) -> str:
    title = data.title if data and data.title else net.name
    node_info = data.node_info if data else {}
    edge_info = data.edge_info if data else {}
    substituted = data.substituted if data else {}
    out = [_HEADER]
    if data is not None:
        out.append(_ATTRIBUTION.format(title=title.replace("--", "-")))
    out.append(f'<network xmlns="{GASLIB_NAMESPACE}" xmlns:framework="{FRAMEWORK_NAMESPACE}">\n'
               "  <framework:information>\n"
               f"    <framework:title>{escape(title)}</framework:title>\n"
               "    <framework:type>gas</framework:type>\n"
               "  </framework:information>\n  <framework:nodes>")
    for node in net.nodes.values():
        _write_node(out, node, node_info.get(node.id, {}), rho)
    out.append("  </framework:nodes>\n  <framework:connections>")
    for edge in net.edges.values():
        _write_edge(out, edge, edge_info.get(edge.id, {}), substituted.get(edge.id), rho)
    out.append("  </framework:connections>\n</network>\n")
    return "\n".join(out)


def _write_node(out: list[str], node: Node, info: Mapping[str, float | str], rho: float) -> None:
    tag = _NODE_TAGS[node.kind]
    attrs = [("id", node.id), ("x", _fmt(node.x)), ("y", _fmt(node.y))]
    attrs += [(k, v) for k, v in info.items() if isinstance(v, str)]
    out.append(f"    <{tag}{_attrs(attrs)}>")
    _field(out, "height", node.height)
    _field(out, "pressureMin", node.p_min)
    if math.isfinite(node.p_max):
        _field(out, "pressureMax", node.p_max)
    if tag != "innode":
        lo, hi = node.flow_min, node.flow_max
        if tag == "sink":
            lo, hi = -hi, -lo
        for name, v in (("flowMin", lo), ("flowMax", hi)):
            if math.isfinite(v):
                _field(out, name, _flow_si(v, rho))
    if node.temperature is not None:
        _field(out, "gasTemperature", node.temperature)
    nums = {k: v for k, v in info.items() if isinstance(v, float)}
    if tag == "source":
        nums.setdefault("normDensity", rho)
        for name in _SOURCE_GAS_FIELDS:
            if name in nums:
                _field(out, name, nums.pop(name))
    for name, v in nums.items():
        _field(out, name, v)
    out.append(f"    </{tag}>")


def _write_edge(out: list[str], e: Edge, info: Mapping[str, float | str], tag: str | None,
                rho: float) -> None:
    tag = tag or _EDGE_TAG[type(e)]
    attrs = [("id", e.id), ("from", e.from_node), ("to", e.to_node)]
    str_attrs = {k: v for k, v in info.items() if isinstance(v, str)}
    if isinstance(e, Compressor):
        str_attrs.setdefault("fuelGasVertex", e.from_node)
    out.append(f"    <{tag}{_attrs(attrs + list(str_attrs.items()))}>")
    for name, v in (("flowMin", e.flow_min), ("flowMax", e.flow_max)):
        if math.isfinite(v):
            _field(out, name, _flow_si(v, rho))
    nums = {k: v for k, v in info.items() if isinstance(v, float)}
    if isinstance(e, Pipe):
        _field(out, "length", e.length)
        _field(out, "diameter", e.diameter)
        _field(out, "roughness", e.roughness)
        if math.isfinite(e.p_max):
            _field(out, "pressureMax", e.p_max)
        _field(out, "heatTransferCoefficient", e.heat_transfer_coefficient)
    elif isinstance(e, Resistor):
        _field(out, "dragFactor", e.drag_factor)
        _field(out, "diameter", e.diameter)
    elif isinstance(e, ControlValve | Compressor):
        if isinstance(e, ControlValve):
            _field(out, "pressureDifferentialMin", e.dp_min)
            if math.isfinite(e.dp_max):
                _field(out, "pressureDifferentialMax", e.dp_max)
        _field(out, "pressureInMin", e.p_in_min)
        if math.isfinite(e.p_out_max):
            _field(out, "pressureOutMax", e.p_out_max)
        if e.pressure_loss_in or e.pressure_loss_out or "dragFactorIn" not in nums:
            _field(out, "pressureLossIn", e.pressure_loss_in)
            _field(out, "pressureLossOut", e.pressure_loss_out)
    for name, v in nums.items():
        _field(out, name, v)
    out.append(f"    </{tag}>")


def _scn_xml(net: Network, data: GasLibData | None, rho: float) -> str:
    out = [_HEADER]
    if data is not None:
        out.append(_ATTRIBUTION.format(title=(data.title or net.name).replace("--", "-")))
    out.append(f'<boundaryValue xmlns="{GASLIB_NAMESPACE}" '
               f'xmlns:framework="{FRAMEWORK_NAMESPACE}">')
    info = data.scenario_info if data else {}
    out.append(f"  <scenario{_attrs([('id', str(info.get('id', net.name)))])}>")
    for name in _SCENARIO_SCALARS:
        v = info.get(name)
        if isinstance(v, float):
            _field(out, name, v, indent="    ")
    if isinstance(info.get("contractDate"), str):
        out.append(f"    <contractDate{_attrs([('value', str(info['contractDate']))])}/>")
    if data is not None:
        flows = dict(data.nomination or {})
        pressures = dict(data.scenario_pressures)
        node_extra = data.scenario_node_info
    else:
        flows = {n: (q, q) for n, q in net.injections.items()}
        pressures = {n: (p, p) for n, p in net.pressures.items()}
        node_extra = {}
    for nid in [n for n in net.nodes if n in flows or n in pressures or n in node_extra]:
        lo, hi = flows.get(nid, (-math.inf, math.inf))
        kind = net.nodes[nid].kind
        exit_ = kind == "exit" or (kind == "junction" and nid in flows and max(lo, hi) <= 0
                                   and min(lo, hi) < 0)
        out.append(f"    <node{_attrs([('type', 'exit' if exit_ else 'entry'), ('id', nid)])}>")
        if nid in pressures:
            p_lo, p_hi = pressures[nid]
            _bounds(out, "pressure", p_lo, p_hi, 1.0)
        for name, v in node_extra.get(nid, {}).items():
            _field(out, name, v)
        if nid in flows:
            if exit_:
                lo, hi = -hi, -lo
            _bounds(out, "flow", lo, hi, rho)
        out.append("    </node>")
    if data is not None:
        for pid, vals in data.scenario_pipe_info.items():
            out.append(f"    <pipe{_attrs([('id', pid)])}>")
            for name, v in vals.items():
                _field(out, name, v)
            out.append("    </pipe>")
    out.append("  </scenario>\n</boundaryValue>\n")
    return "\n".join(out)


def _bounds(out: list[str], name: str, lo: float, hi: float, rho: float) -> None:
    if lo == hi:
        _field(out, name, lo / rho, bound="both")
        return
    for bound, v in (("lower", lo), ("upper", hi)):
        if math.isfinite(v):
            _field(out, name, v / rho, bound=bound)


FloatArray = npt.NDArray[np.float64]
_MIX: Final = ("methane", "ethane", "nitrogen")


# -- gas -------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _cached_gas(composition: tuple[tuple[str, float], ...]) -> Gas:
    return Gas(dict(composition))


def gaslib_gas(data: GasLibData | None = None) -> Gas:
    """A Gas for a GasLib instance: methane/ethane/nitrogen with its molar mass.

    GasLib gives the sources' norm density, molar mass, calorific value and
    pseudocritical data but no composition. The mixture of methane, ethane and
    nitrogen here matches the mean molar mass and, where given, the mean
    calorific value (read as the gross value at normal conditions, ISO 6976); if
    those two cannot be matched with non-negative fractions, or no calorific value
    is given, the ethane fraction is 3 % and nitrogen makes up the molar mass. The
    result is cached per composition (so its GERG-2008 surrogate is built once).
    Without data (or molar mass) a typical H-gas (95 % methane, 3 % ethane, 2 %
    nitrogen) is returned.
    """
    m_target = None if data is None else data.molar_mass
    if m_target is None:
        return _cached_gas((("methane", 0.95), ("ethane", 0.03), ("nitrogen", 0.02)))
    pure = [_cached_gas(((c, 1.0),)) for c in _MIX]
    m = np.array([g.molar_mass for g in pure])
    x: FloatArray | None = None
    h_target = data.calorific_value if data is not None else None
    if h_target is not None:
        h = np.array([g.gcv("normal") for g in pure])
        a = np.array([np.ones(3), m, h])
        try:
            sol = np.linalg.solve(a, np.array([1.0, m_target, h_target]))
        except np.linalg.LinAlgError:
            sol = None
        if sol is not None and np.all(sol >= 0.0):
            x = sol
    if x is None:
        # x_c2 = 0.03; x_c1 + x_n2 = 0.97; M = Σ x M_i
        x_c2 = 0.03
        x_n2 = (m_target - x_c2 * m[1] - (1 - x_c2) * m[0]) / (m[2] - m[0])
        x_n2 = min(max(x_n2, 0.0), 0.5)
        x = np.array([1 - x_c2 - x_n2, x_c2, x_n2])
    comp = tuple((c, round(float(v), 6)) for c, v in zip(_MIX, x, strict=True) if v > 0)
    total = sum(v for _, v in comp)
    comp = tuple((c, v / total) for c, v in comp)
    return _cached_gas(comp)
