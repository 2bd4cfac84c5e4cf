"""Plan scenario files: the ``[plan]`` tables of a TOML file, validated once, here.

A plan file names the line it runs on (a built-in scenario or a TOML path,
relative to the plan file) and the contract, capacity, price, money, cost,
emission and sensitivity inputs. Every quantity carries its unit and every gas
volume its reference condition ("50 bcm/yr @ RU"); money carries its currency
("22 bn USD", "3400 RUB/1000 m3"). Errors are :class:`~trunkline.errors.ScenarioError`
naming the table, the field and the value.

Each value's source is read from the comment block above it (the rule of the
line scenarios: a comment block covers the value lines that follow it up to the
next blank line or table header; a block directly above a table header covers
that table): ``[S:tag]`` tags of docs/sources.md, or the word *assumption*. The
:attr:`PlanInputs.assumptions` table lists every input with its source.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator

from trunkline.errors import InputError, ScenarioError
from trunkline.model import Trunkline, load_scenario
from trunkline.model.schema import Qty, StrictModel
from trunkline.plan.capacity import DEFAULT_FUEL_FRACTIONS, CapacityCurve, table_curve
from trunkline.plan.contract import PROFILES, ContractTerms, SeasonalProfile, load_profile
from trunkline.plan.economics import CapexPart, EconomicTerms
from trunkline.plan.emissions import GWP100_CH4_FOSSIL, EmissionFactors
from trunkline.plan.prices import (
    BUILTIN_INDEX_PATHS,
    FixedPrice,
    IndexedPrice,
    IndexPath,
    PriceContext,
    PriceFormula,
    SCurve,
    builtin_path,
    load_index_csv,
    parse_money,
    parse_price,
)
from trunkline.units import (
    SECONDS_PER_CONTRACT_YEAR,
    StandardVolumeFlow,
    get_reference,
    parse_quantity,
    parse_standard_volume_flow,
)

__all__ = [
    "BUILTIN_PLANS",
    "CapacitySpec",
    "PlanFile",
    "PlanInputs",
    "SensitivitySpec",
    "load_plan",
    "plan_from_dict",
]

#: Built-in plan files by name (scenario name → file in trunkline/scenarios).
BUILTIN_PLANS = {"power_of_siberia_2": "power_of_siberia_2_plan.toml"}
_ALIASES = {"pos2": "power_of_siberia_2", "power-of-siberia-2": "power_of_siberia_2"}



class ContractSpec(StrictModel):
    acq: str
    reference: str = "RU"
    first_gas: date
    years: Annotated[int, Field(ge=1, le=100)] = 30
    ramp: list[float] = Field(default_factory=list)
    take: list[float] | float = 1.0
    dcq_min: Annotated[float, Field(ge=0, le=1)] = 0.0
    dcq_max: Annotated[float, Field(ge=1)] = 1.1
    profile: str = "flat"
    take_or_pay: Annotated[float, Field(ge=0, le=1)] = 0.85
    makeup_years: Annotated[int, Field(ge=0, le=50)] = 5
    shortfall_penalty: Annotated[float, Field(ge=0)] = 0.0
    maintenance_days: Annotated[int, Field(ge=0, le=120)] = 0
    maintenance_start: str = "07-15"
    maintenance_derate: Annotated[float, Field(ge=0, le=1)] = 0.7

    @field_validator("maintenance_start")
    @classmethod
    def _mmdd(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", v.strip())
        if m is None:
            raise ValueError("must be 'MM-DD', e.g. '07-15'")
        try:
            date(2001, int(m.group(1)), int(m.group(2)))
        except ValueError:
            raise ValueError("not a day of a common year") from None
        return v


class CapacitySpecFile(StrictModel):
    source: Literal["hydraulics", "table"] = "hydraulics"
    design_throughput: str | None = None
    months: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        default_factory=lambda: list(range(1, 13)))
    fuel_fractions: list[Annotated[float, Field(gt=0, le=2)]] = Field(
        default_factory=lambda: list(DEFAULT_FUEL_FRACTIONS))
    table: list[str] = Field(default_factory=list)
    fuel_share: Annotated[float, Field(ge=0, lt=0.5)] = 0.0


class SCurveSpec(StrictModel):
    low: float
    high: float
    flattening: Annotated[float, Field(ge=0, le=1)] = 0.5


class PriceSpec(StrictModel):
    formula: Literal["oil", "hub", "fixed"]
    unit: str = "USD/MMBtu"
    index: str | None = None
    path: str = "base"
    slope: float | None = None
    constant: float = 0.0
    averaging_months: Annotated[int, Field(ge=1)] = 9
    lag_months: Annotated[int, Field(ge=0)] = 0
    reset_months: Annotated[int, Field(ge=1)] = 3
    s_curve: SCurveSpec | None = None
    base_price: str | None = None
    escalation: float = 0.0
    base_year: int = 2025


class MoneySpec(StrictModel):
    discount_rate: Annotated[float, Field(gt=-0.5, lt=1)] = 0.10
    valuation_year: int | None = None
    mid_year: bool = True
    fx: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


class CapexSpec(StrictModel):
    name: str
    amount: Qty
    start_year: int
    profile: list[Annotated[float, Field(ge=0)]]


class CostsSpec(StrictModel):
    opex_fixed: Annotated[float, Field(ge=0, lt=1)] = 0.0
    opex_variable: Qty = 0.0
    supply_cost: Qty = 0.0
    fuel_value: Qty = "supply"
    transit_fee: Qty = 0.0
    transit_length: Qty | None = None
    export_duty: Annotated[float, Field(ge=0, lt=1)] = 0.0
    profit_tax: Annotated[float, Field(ge=0, lt=1)] = 0.0
    depreciation_years: Annotated[int, Field(ge=1)] = 25
    property_tax: Annotated[float, Field(ge=0, lt=1)] = 0.0


class EmissionsSpec(StrictModel):
    methane_rate: Annotated[float, Field(ge=0, lt=0.2)]
    gwp_ch4: Annotated[float, Field(gt=0)] = GWP100_CH4_FOSSIL


class SensitivitySpecFile(StrictModel):
    capex: Annotated[float, Field(ge=0, lt=1)] = 0.2
    price: Annotated[float, Field(ge=0, lt=1)] = 0.2
    volume: Annotated[float, Field(ge=0, lt=1)] = 0.1
    discount_rate: Annotated[float, Field(ge=0, lt=0.5)] = 0.02
    ramp_delay: Annotated[int, Field(ge=0, le=20)] = 2


class PlanSection(StrictModel):
    name: str
    title: str = ""
    line: str
    contract: ContractSpec
    capacity: CapacitySpecFile = Field(default_factory=CapacitySpecFile)
    price: PriceSpec
    money: MoneySpec = Field(default_factory=MoneySpec)
    capex: list[CapexSpec] = Field(min_length=1)
    costs: CostsSpec = Field(default_factory=CostsSpec)
    emissions: EmissionsSpec
    sensitivity: SensitivitySpecFile = Field(default_factory=SensitivitySpecFile)


class PlanFile(StrictModel):
    """Schema of a plan file: one ``[plan]`` table (see the built-in PoS2 plan)."""

    plan: PlanSection


# ------------------------------------------------------------------ built inputs


@dataclass(frozen=True)
class CapacitySpec:
    """How to get the capacity curve: from the hydraulics (months, design) or a table."""

    months: tuple[int, ...]
    design_throughput: StandardVolumeFlow | None
    fuel_fractions: tuple[float, ...]
    table: CapacityCurve | None = None


@dataclass(frozen=True)
class SensitivitySpec:
    """Tornado settings: relative swings (capex, price, volume), discount-rate swing
    (absolute) and ramp-up delay (years)."""

    capex: float = 0.2
    price: float = 0.2
    volume: float = 0.1
    discount_rate: float = 0.02
    ramp_delay: int = 2


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan needs, validated and in SI (USD, m³ at the contract reference)."""

    name: str
    title: str
    line: Trunkline
    contract: ContractTerms
    capacity: CapacitySpec
    price: PriceFormula
    price_case: str
    paths: Mapping[str, IndexPath]
    economics: EconomicTerms
    emissions: EmissionFactors
    sensitivity: SensitivitySpec
    context: PriceContext
    assumption_rows: tuple[tuple[str, str, str, str], ...] = field(default=(), repr=False)

    @property
    def assumptions(self) -> pd.DataFrame:
        """Every input: field, value (as written), source ([S:tag] or assumption), note."""
        return pd.DataFrame(list(self.assumption_rows),
                            columns=["field", "value", "source", "note"])

    def with_price_case(self, case: str) -> PlanInputs:
        """The same plan on another built-in index path case ("low", "base", "high")."""
        if not isinstance(self.price, IndexedPrice):
            return self
        paths = dict(self.paths)
        paths[self.price.index] = builtin_path(self.price.index, case)
        return replace(self, paths=paths, price_case=case)

    def with_months(self, months: tuple[int, ...]) -> PlanInputs:
        """The same plan with the hydraulic capacity curve sampled in other months."""
        return replace(self, capacity=replace(self.capacity, months=months))


# ------------------------------------------------------------------ comments → sources

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_VALUE = re.compile(r'^\s*("[^"]+"|[A-Za-z0-9_-]+)\s*=')
_TAG = re.compile(r"\[S:([a-z0-9][a-z0-9-]*)\]")
_IDENTIFIERS = ("plan.name", "plan.title")


def comment_sources(text: str) -> dict[str, str]:
    """Map each value's dotted path (``plan.capex[1].amount``) to its covering comment.

    A comment block covers the value lines after it up to the next blank line or
    header; a block directly above a header covers that table's first lines.
    """
    out: dict[str, str] = {}
    table = ""
    count: dict[str, int] = {}
    block: list[str] = []
    pending: list[str] = []  # comment block just above a header
    covering: list[str] = []
    in_string = False
    for raw in text.splitlines():
        s = raw.strip()
        if in_string:
            in_string = s.count('"""') % 2 == 0
            continue
        if not s:
            block, covering = [], []
            continue
        if s.startswith("#"):
            block.append(s.lstrip("#").strip())
            covering = []
            continue
        if m := _HEADER.match(raw):
            name = m.group(2)
            if m.group(1) == "[[":
                count[name] = count.get(name, -1) + 1
                table = f"{name}[{count[name]}]"
            else:
                table = name
            pending, block = block, []
            covering = pending
            continue
        if m := _VALUE.match(raw):
            if block:
                covering, block = block, []
            key = m.group(1).strip('"')
            out[f"{table}.{key}" if table else key] = " ".join(covering)
            in_string = s.count('"""') % 2 == 1
    return out


def _source_of(note: str, path: str = "") -> str:
    if path in _IDENTIFIERS:
        return "identifier"
    tags = sorted(set(_TAG.findall(note)), key=note.index)
    label = ", ".join(f"[S:{t}]" for t in tags)
    low = note.lower()
    if "task default" in low:
        label = (label + "; " if label else "") + "task default / assumption"
    elif "assumption" in low:
        label = (label + "; " if label else "") + "assumption"
    elif "derived" in low and label:
        label += "; derived"
    elif "setting" in low and not label:
        label = "setting"
    return label or "user input"


def _flatten(data: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for k, v in data.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        out = []
        for i, v in enumerate(data):
            out += _flatten(v, f"{prefix}[{i}]")
        return out
    return [(prefix, data)]


def _assumption_rows(data: dict[str, Any], text: str,
                     spec: PlanFile) -> tuple[tuple[str, str, str, str], ...]:
    notes = comment_sources(text)
    given = dict(_flatten(data, ""))
    rows: list[tuple[str, str, str, str]] = []
    for path, value in given.items():
        note = _note(notes, path)
        rows.append((path, _show(value), _source_of(note, path), note))
    # Inputs the file leaves to the schema's defaults (those that matter for it).
    effective = dict(_flatten(spec.model_dump(mode="json", exclude_none=True), ""))
    unused = _unused_fields(spec)
    for path, value in effective.items():
        if path not in given and path not in unused:
            rows.append((path, _show(value), "default",
                         "schema default (not set in the file); see the plan schema"))
    return tuple(rows)


def _unused_fields(spec: PlanFile) -> set[str]:
    """Fields the chosen price formula or capacity source ignores."""
    p = spec.plan
    indexed = ("index", "path", "slope", "constant", "averaging_months", "lag_months",
               "reset_months", "unit")
    fixed = ("base_price", "escalation", "base_year")
    skip = {f"plan.price.{k}" for k in (indexed if p.price.formula == "fixed" else fixed)}
    cap = (("table", "fuel_share") if p.capacity.source == "hydraulics"
           else ("design_throughput", "fuel_fractions"))
    skip |= {f"plan.capacity.{k}" for k in cap}
    return skip


def _note(notes: Mapping[str, str], path: str) -> str:
    """The comment covering ``path``, or that of the nearest enclosing key (inline tables)."""
    p = path
    while p:
        if p in notes:
            return notes[p]
        p = p.rpartition(".")[0]
    return ""


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


# ------------------------------------------------------------------ building


def _fail(exc: InputError, element: str | None = None) -> ScenarioError:
    err = ScenarioError(str(exc))
    err.element, err.field, err.value, err.expected = (
        element or exc.element, exc.field, exc.value, exc.expected)
    return err


def _validate(data: dict[str, Any], origin: str) -> PlanFile:
    try:
        return PlanFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(
            err["msg"], element=origin, field=".".join(str(p) for p in err["loc"]),
            value=err.get("input") if err["type"] != "missing" else None,
            expected=(f"a key of the plan schema ({len(exc.errors())} error(s) in all)"
                      if err["type"] == "extra_forbidden"
                      else f"a valid value ({len(exc.errors())} error(s) in all)"),
        ) from None


def _resolve_path(text: str, base: Path | None) -> Path:
    p = Path(text)
    if not p.is_absolute() and base is not None:
        p = base / p
    return p


def _acq(text: str, line: Trunkline, reference: str) -> float:
    """ACQ [m³/yr at the contract reference] from a volume flow or an energy flow."""
    ref = get_reference(reference, field="reference", element="plan.contract")
    try:
        flow = parse_standard_volume_flow(text, field="acq", element="plan.contract")
    except InputError:
        power = parse_quantity(text, "W", field="acq", element="plan.contract")
        return power / line.gas.gcv(ref) * SECONDS_PER_CONTRACT_YEAR
    value = flow.value
    if flow.reference != ref:
        value *= line.gas.standard_density(flow.reference) / line.gas.standard_density(ref)
    return value * SECONDS_PER_CONTRACT_YEAR


def _profile(name: str, base: Path | None) -> SeasonalProfile:
    if name in PROFILES:
        return PROFILES[name]
    if name.lower().endswith(".csv"):
        return load_profile(_resolve_path(name, base))
    raise ScenarioError("unknown profile", element="plan.contract", field="profile",
                        value=name, expected=f"one of {sorted(PROFILES)} or a CSV file")


def _split_unit(unit: str) -> tuple[str, str]:
    cur, _, per = unit.partition("/")
    if not re.fullmatch(r"[A-Za-z]{3}", cur.strip()) or not per.strip():
        raise ScenarioError("price unit must be CURRENCY/UNIT", element="plan.price",
                            field="unit", value=unit, expected="e.g. 'USD/MMBtu'")
    return cur.strip().upper(), per.strip()


def _price(spec: PriceSpec, base: Path | None, ctx: PriceContext
           ) -> tuple[PriceFormula, dict[str, IndexPath], str]:
    if spec.formula == "fixed":
        if spec.base_price is None:
            raise ScenarioError("a fixed price needs base_price", element="plan.price",
                                field="base_price", expected="e.g. '240 USD/1000 m3'")
        value = parse_price(spec.base_price, ctx, field="base_price", element="plan.price")
        formula = FixedPrice(value, "m3", "USD", spec.escalation, spec.base_year)
        return formula, {}, "fixed"
    index = spec.index or spec.formula
    if spec.slope is None:
        raise ScenarioError("an indexed price needs a slope", element="plan.price",
                            field="slope", expected="e.g. slope = 0.099")
    currency, unit = _split_unit(spec.unit)
    s_curve = None if spec.s_curve is None else SCurve(spec.s_curve.low, spec.s_curve.high,
                                                       spec.s_curve.flattening)
    formula_ip = IndexedPrice(spec.formula, index, spec.slope, spec.constant, unit, currency,
                              spec.averaging_months, spec.lag_months, spec.reset_months,
                              s_curve)
    if spec.path in ("low", "base", "high"):
        if index not in BUILTIN_INDEX_PATHS:
            raise ScenarioError("no built-in path for this index", element="plan.price",
                                field="index", value=index,
                                expected=f"one of {sorted(BUILTIN_INDEX_PATHS)} or a CSV path")
        return formula_ip, {index: builtin_path(index, spec.path)}, spec.path
    paths = load_index_csv(_resolve_path(spec.path, base))
    if index not in paths:
        raise ScenarioError("the CSV has no column for the index", element="plan.price",
                            field="index", value=index, expected=f"one of {sorted(paths)}")
    return formula_ip, paths, Path(spec.path).name


def _build(spec: PlanFile, base: Path | None) -> PlanInputs:
    p = spec.plan
    line_ref = p.line
    # A path relative to the plan file, else a built-in name (or a path from here).
    near = None if base is None else base / line_ref
    loaded = load_scenario(near if near is not None and near.is_file() else line_ref)
    if not isinstance(loaded, Trunkline):
        raise ScenarioError("a plan runs on a trunkline scenario", element="plan",
                            field="line", value=line_ref,
                            expected="a trunkline scenario (no [network] table)")
    line = loaded
    gas = line.gas
    c = p.contract
    ref = get_reference(c.reference, field="reference", element="plan.contract")
    densities = {r: gas.standard_density(r) for r in ("RU", "ISO", "normal")}
    ctx = PriceContext(ref, gas.gcv(ref), dict(p.money.fx), densities)
    mm, dd = (int(x) for x in c.maintenance_start.split("-"))
    take = c.take if isinstance(c.take, list) else [c.take]
    contract = ContractTerms(
        acq=_acq(c.acq, line, c.reference), reference=ref, start=c.first_gas, years=c.years,
        ramp=tuple(c.ramp), take=tuple(take), dcq_min=c.dcq_min, dcq_max=c.dcq_max,
        profile=_profile(c.profile, base), take_or_pay=c.take_or_pay,
        makeup_years=c.makeup_years, shortfall_penalty=c.shortfall_penalty,
        maintenance_days=c.maintenance_days, maintenance_start=(mm, dd),
        maintenance_derate=c.maintenance_derate)

    cap = p.capacity
    table: CapacityCurve | None = None
    if cap.source == "table":
        if not cap.table:
            raise ScenarioError("a table capacity needs capacities", element="plan.capacity",
                                field="table", expected="e.g. 12 values '55 bcm/yr @ RU'")
        flows = [parse_standard_volume_flow(t, field="table", element="plan.capacity")
                 for t in cap.table]
        values = [f.value * gas.standard_density(f.reference) / gas.standard_density(ref)
                  for f in flows]
        months = cap.months if len(cap.months) == len(values) else list(
            range(1, len(values) + 1))
        table = table_curve(values, ref, months=months, fuel_share=cap.fuel_share,
                            source="capacity table of the plan file")
    design = None if cap.design_throughput is None else parse_standard_volume_flow(
        cap.design_throughput, field="design_throughput", element="plan.capacity")
    capacity = CapacitySpec(tuple(sorted(set(cap.months))), design,
                            tuple(cap.fuel_fractions), table)

    formula, paths, case = _price(p.price, base, ctx)

    money = p.money
    parts = []
    for i, part in enumerate(p.capex):
        amount = parse_money(part.amount, ctx, field="amount", element=f"plan.capex[{i}]")
        parts.append(CapexPart(part.name, amount, part.start_year, tuple(part.profile)))
    k = p.costs
    el = "plan.costs"
    supply = parse_price(k.supply_cost, ctx, field="supply_cost", element=el)
    fuel_value: float | None
    if k.fuel_value == "supply":
        fuel_value = supply
    elif k.fuel_value == "netback":
        fuel_value = None
    else:
        fuel_value = parse_price(k.fuel_value, ctx, field="fuel_value", element=el)
    if isinstance(k.transit_fee, str) and k.transit_fee.count("/") >= 2:
        if k.transit_length is None:
            raise ScenarioError("a distance tariff needs transit_length", element=el,
                                field="transit_length", expected="e.g. '962.9 km'")
        transit = parse_price(k.transit_fee, ctx, field="transit_fee", element=el,
                              distance=True) * parse_quantity(
            k.transit_length, "m", field="transit_length", element=el)
    else:
        transit = parse_price(k.transit_fee, ctx, field="transit_fee", element=el)
    economics = EconomicTerms(
        capex=tuple(parts), opex_fixed=k.opex_fixed,
        opex_variable=parse_price(k.opex_variable, ctx, field="opex_variable", element=el),
        supply_cost=supply, fuel_value=fuel_value, transit_fee=transit,
        export_duty=k.export_duty, profit_tax=k.profit_tax,
        depreciation_years=k.depreciation_years, property_tax=k.property_tax,
        discount_rate=money.discount_rate, valuation_year=money.valuation_year,
        mid_year=money.mid_year, length=line.length)
    emissions = EmissionFactors(p.emissions.methane_rate, p.emissions.gwp_ch4)
    s = p.sensitivity
    sens = SensitivitySpec(s.capex, s.price, s.volume, s.discount_rate, s.ramp_delay)
    return PlanInputs(p.name, p.title or p.name, line, contract, capacity, formula, case, paths,
                      economics, emissions, sens, ctx)


def plan_from_dict(data: dict[str, Any], origin: str = "<plan>", text: str = "",
                   base: Path | None = None) -> PlanInputs:
    """Validate a plan mapping (as read from TOML) and build the :class:`PlanInputs`.

    ``text`` is the TOML source (for the comment-based sources of the assumptions
    table); ``base`` the folder relative paths are taken from.
    """
    spec = _validate(data, origin)
    try:
        inputs = _build(spec, base)
    except ScenarioError:
        raise
    except InputError as exc:
        raise _fail(exc) from None
    rows = _assumption_rows(data, text, spec)
    return replace(inputs, assumption_rows=rows)


def load_plan(name_or_path: str | Path = "power_of_siberia_2") -> PlanInputs:
    """Load a built-in plan ("power_of_siberia_2", alias "pos2") or a plan TOML file.

    Raises:
        ScenarioError: unknown name, unreadable file, invalid TOML or any invalid field.
    """
    origin = str(name_or_path)
    key = _ALIASES.get(origin.lower(), origin)
    base: Path | None
    if key in BUILTIN_PLANS:
        text = resources.files("trunkline.scenarios").joinpath(BUILTIN_PLANS[key]).read_text(
            "utf-8")
        base = None
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError("no such plan", element="plan", field="name", value=origin,
                                expected=f"a plan TOML file or one of "
                                         f"{', '.join(BUILTIN_PLANS)}")
        text = path.read_text("utf-8")
        base = path.parent
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid TOML: {exc}", element=origin) from None
    return plan_from_dict(data, origin, text, base)
