"""Contract prices: money and price units, index paths, and price formulas.

Inside trunkline a price is in **USD per m³** of gas at the contract's reference
condition (SI volume, one currency). At the edge prices are written with their
currency and unit, e.g. ``"240 USD/1000 m3"``, ``"6.9 USD/MMBtu"``,
``"3400 RUB/1000 m3"`` or, for a distance tariff, ``"1.0 USD/1000 m3/100 km"``.

* **Energy prices go through the gross calorific value** (GCV, ISO 6976 at the
  contract reference): :math:`P_{vol} = P_{energy} \\cdot H_s`, with :math:`H_s`
  in J/m³; 1 MMBtu = 10⁶ Btu = 1.055056 GJ (international Btu, ISO 31-4).
* **Volumes** without ``@ REF`` are at the contract reference; a price per m³ at
  another reference is re-expressed with real-gas densities:
  :math:`P_{ref} = P_{other} \\cdot \\rho_{ref}/\\rho_{other}`.
* **Currencies** are converted with constant exchange rates (units per USD).

Price formulas, evaluated month by month and held over each day of the month:

* **oil- or oil-product-indexed** (PoS1 practice [S:pos1-price-formula]), the
  ``A-L-R`` convention (e.g. 9-0-3: 9-month average, no lag, quarterly reset).
  At each reset month :math:`r` (every ``R`` months from first gas)

  .. math:: P_r = c + a \\cdot g\\Big(\\frac{1}{A}\\sum_{k=r-L-A}^{r-L-1} X_k\\Big)

  with the index :math:`X` (e.g. $/bbl), slope :math:`a`, constant :math:`c`, and
  :math:`g` the identity or an **S-curve**: inside :math:`[X_{lo}, X_{hi}]`
  :math:`g(x) = x`; outside, the slope is multiplied by the flattening factor
  :math:`k`: :math:`g(x) = X_{lo} + k(x - X_{lo})` below, :math:`X_{hi} + k(x - X_{hi})`
  above (continuous).
* **hub-indexed**: the same with a gas-hub index ($/MMBtu).
* **fixed with escalation**: :math:`P_y = P_0 (1 + e)^{y - y_0}` in calendar year :math:`y`.

Index paths are monthly: the built-in flat low/base/high cases (assumptions,
below) or a CSV file with a ``date`` column (``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``) and one column per index; a value holds until the next one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.errors import InputError, UnitError
from trunkline.units import ReferenceCondition, get_reference, parse_quantity

__all__ = [
    "BTU",
    "BUILTIN_INDEX_PATHS",
    "FixedPrice",
    "IndexPath",
    "IndexedPrice",
    "PriceContext",
    "PriceFormula",
    "SCurve",
    "builtin_path",
    "daily_prices",
    "load_index_csv",
    "month_index",
    "parse_money",
    "parse_price",
]

FloatArray = npt.NDArray[np.float64]
Months = npt.NDArray[np.datetime64]

#: International (ISO 31-4) British thermal unit [J]; 1 MMBtu = 1e6 Btu.
BTU: Final = 1055.056

#: Built-in index paths: flat in real terms (USD of the base year). **Assumption**:
#: no forecast is published in the reference; the cases bracket recent history
#: (oil in $/bbl, Brent-like; hub in $/MMBtu, an Asian/Chinese gas hub).
BUILTIN_INDEX_PATHS: Final[Mapping[str, Mapping[str, float | str]]] = {
    "oil": {"unit": "USD/bbl", "low": 55.0, "base": 70.0, "high": 90.0},
    "hub": {"unit": "USD/MMBtu", "low": 7.0, "base": 10.0, "high": 13.0},
}

_SCALE: Final = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6,
                 "million": 1e6, "bn": 1e9, "bln": 1e9, "billion": 1e9}
_NUM: Final = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_MONEY_RE: Final = re.compile(
    rf"^\s*({_NUM})\s*({'|'.join(k for k in _SCALE if k)})?\s*([A-Za-z]{{3}})\s*"
    rf"(?:/\s*(.*?))?\s*(?:@\s*(.+?))?\s*$")
_VOLUME_UNIT_RE: Final = re.compile(r"^(?:({_NUM})\s*)?(kcm|mcm|bcm|S?m3|S?m³|S?m\*\*3)$"
                                    .replace("{_NUM}", _NUM))
_VOLUME_WORDS: Final = {"kcm": 1e3, "mcm": 1e6, "bcm": 1e9}
_EXPECTED_PRICE: Final = ("a price with currency and unit, e.g. '240 USD/1000 m3', "
                          "'6.9 USD/MMBtu', '3400 RUB/1000 m3 @ RU'")


# ------------------------------------------------------------------ money and units


@dataclass(frozen=True)
class PriceContext:
    """What converting prices needs: exchange rates, GCV and densities.

    Attributes:
        reference: the contract reference condition (volumes of SI prices).
        gcv: gross calorific value at ``reference`` [J/m³].
        fx: units of each currency per USD (USD itself is 1).
        densities: real-gas standard density by reference name [kg/m³], for
            prices per volume at another reference.
    """

    reference: ReferenceCondition
    gcv: float
    fx: Mapping[str, float] = field(default_factory=dict)
    densities: Mapping[str, float] = field(default_factory=dict)

    def usd(self, amount: float, currency: str, *, field: str = "", element: str = "") -> float:
        """An amount in ``currency`` in USD."""
        cur = currency.upper()
        if cur == "USD":
            return amount
        rate = {k.upper(): v for k, v in self.fx.items()}.get(cur)
        if rate is None or not rate > 0:
            raise InputError("no exchange rate for the currency", element=element or "money",
                             field=field or "currency", value=currency,
                             expected=f"a rate in money.fx (units per USD), e.g. {cur} = 90")
        return amount / rate


def _match(text: str | float, field: str, element: str) -> re.Match[str]:
    m = _MONEY_RE.match(str(text).replace("\u2212", "-"))
    if m is None:
        raise UnitError("cannot read an amount with its currency", element=element,
                        field=field, value=text, expected=_EXPECTED_PRICE)
    return m


def parse_money(text: str | float, ctx: PriceContext, *, field: str = "",
                element: str = "") -> float:
    """An amount of money in USD: ``"22 bn USD"``, ``"1.5e9 USD"``, ``"800 mn CNY"``.

    A bare number is taken as USD.
    """
    if isinstance(text, int | float):
        return float(text)
    m = _match(text, field, element)
    if m.group(4) is not None or m.group(5) is not None:
        raise UnitError("an amount of money takes no unit", element=element, field=field,
                        value=text, expected="e.g. '22 bn USD'")
    amount = float(m.group(1)) * _SCALE[(m.group(2) or "")]
    return ctx.usd(amount, m.group(3), field=field, element=element)


def _volume_factor(unit: str, ref: str | None, ctx: PriceContext, field: str,
                   element: str, text: object) -> float:
    """m³ at the contract reference in one ``unit`` (e.g. "1000 m3" → 1000)."""
    u = unit.strip()
    m = _VOLUME_UNIT_RE.match(u.replace(" ", ""))
    if m is None:
        raise UnitError(f"unknown price unit {unit!r}", element=element, field=field,
                        value=text, expected=_EXPECTED_PRICE)
    size = float(m.group(1)) if m.group(1) else 1.0
    size *= _VOLUME_WORDS.get(m.group(2), 1.0)
    if ref is not None:
        other = get_reference(ref, field=field, element=element)
        if other != ctx.reference:
            try:
                rho_o, rho_c = ctx.densities[other.name], ctx.densities[ctx.reference.name]
            except KeyError:
                raise UnitError("no density for the price's reference condition",
                                element=element, field=field, value=text,
                                expected=f"a price @ {ctx.reference.name}") from None
            # one m³ at the other reference holds rho_o/rho_c m³ at the contract's
            size *= rho_o / rho_c
    return size


def _energy_size(unit: str) -> float | None:
    """Joules in one energy ``unit`` (MMBtu, therm, MWh, GJ, …), None if not an energy."""
    u = unit.strip()
    if u.lower() == "mmbtu":
        return 1e6 * BTU
    if u.lower() == "therm":
        return 1e5 * BTU
    try:
        return parse_quantity(u if u[0].isdigit() else f"1 {u}", "J")
    except UnitError:
        return None


def parse_price(text: str | float, ctx: PriceContext, *, field: str = "", element: str = "",
                distance: bool = False) -> float:
    """A gas price in USD/m³ at the contract reference (USD/(m³·m) with ``distance``).

    ``"240 USD/1000 m3"``, ``"6.9 USD/MMBtu"`` (through the GCV), ``"25 USD/MWh"``,
    ``"3400 RUB/1000 m3 @ RU"``; with ``distance=True`` a tariff per volume and
    distance: ``"1.0 USD/1000 m3/100 km"``. A bare number is USD/m³ (USD/(m³·m)).
    """
    if isinstance(text, int | float):
        return float(text)
    m = _match(text, field, element)
    if m.group(4) is None:
        raise UnitError("a price needs a unit", element=element, field=field, value=text,
                        expected=_EXPECTED_PRICE)
    amount = ctx.usd(float(m.group(1)) * _SCALE[(m.group(2) or "")], m.group(3),
                     field=field, element=element)
    parts = [p.strip() for p in m.group(4).split("/")]
    if distance != (len(parts) == 2) or len(parts) > 2:
        raise UnitError("price unit of the wrong kind", element=element, field=field,
                        value=text, expected="a tariff per volume and distance, e.g. "
                        "'1.0 USD/1000 m3/100 km'" if distance else _EXPECTED_PRICE)
    per = parts[0]
    energy = _energy_size(per)
    if energy is not None:
        if m.group(5) is not None:
            raise UnitError("an energy price names no reference", element=element,
                            field=field, value=text, expected="e.g. '6.9 USD/MMBtu'")
        value = amount * ctx.gcv / energy
    else:
        value = amount / _volume_factor(per, m.group(5), ctx, field, element, text)
    if distance:
        length = parse_quantity(parts[1] if parts[1][0].isdigit() else f"1 {parts[1]}", "m",
                                field=field, element=element)
        value /= length
    return value


def unit_price_factor(unit: str, currency: str, ctx: PriceContext, *, field: str = "",
                      element: str = "") -> float:
    """USD/m³ per one ``currency``/``unit`` (e.g. USD/MMBtu → USD/m³: GCV / 1 MMBtu)."""
    return parse_price(f"1 {currency}/{unit}", ctx, field=field, element=element)


# ------------------------------------------------------------------ index paths


def month_index(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Months since 1970-01 of each date."""
    return np.asarray(dates.astype("datetime64[M]").astype(np.int64), dtype=np.int64)


@dataclass(frozen=True)
class IndexPath:
    """A monthly index path: values from given months on, each held to the next.

    Attributes:
        name: index name ("oil", "hub", …).
        unit: unit of the values (e.g. "USD/bbl"), for display.
        months: months since 1970-01 at which a value starts, ascending.
        values: the values.
        source: where the path comes from.
    """

    name: str
    unit: str
    months: tuple[int, ...]
    values: tuple[float, ...]
    source: str = ""

    def at(self, months: npt.ArrayLike) -> FloatArray:
        """Value in each month (months since 1970-01); flat before the first and after."""
        m = np.asarray(months, dtype=np.int64)
        k = np.searchsorted(np.asarray(self.months), m, side="right") - 1
        return np.asarray(self.values, dtype=np.float64)[np.maximum(k, 0)]

    def scaled(self, factor: float) -> IndexPath:
        return IndexPath(self.name, self.unit, self.months,
                         tuple(v * factor for v in self.values), f"{self.source} × {factor:g}")


def builtin_path(index: str, case: str) -> IndexPath:
    """A built-in flat index path: ``index`` "oil" or "hub", ``case`` "low"/"base"/"high"."""
    spec = BUILTIN_INDEX_PATHS.get(index)
    if spec is None or case not in ("low", "base", "high"):
        raise InputError("no built-in index path", element="price", field="path",
                         value=f"{index}/{case}",
                         expected=f"index in {sorted(BUILTIN_INDEX_PATHS)} and case "
                                  "'low', 'base' or 'high' (or a CSV file)")
    return IndexPath(index, str(spec["unit"]), (0,), (float(spec[case]),),
                     f"built-in {case} case (assumption)")


def _parse_month(text: str) -> int:
    s = str(text).strip()
    if re.fullmatch(r"\d{4}", s):
        return (int(s) - 1970) * 12
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", s)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(s)
    return (int(m.group(1)) - 1970) * 12 + int(m.group(2)) - 1


def load_index_csv(path: str | Path) -> dict[str, IndexPath]:
    """Index paths from a CSV: a ``date`` column (YYYY, YYYY-MM, YYYY-MM-DD), then one
    column per index (the header names it, optionally with its unit in brackets:
    ``oil [USD/bbl]``).

    Raises:
        InputError: unreadable file, no date column, bad dates or values.
    """
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype=str)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read index paths: {exc}", element="price", field="path",
                         value=str(p)) from None
    if "date" not in df.columns or len(df.columns) < 2:
        raise InputError("index CSV needs a 'date' column and one column per index",
                         element="price", field="path", value=str(p))
    try:
        months = [_parse_month(d) for d in df["date"]]
    except ValueError as exc:
        raise InputError("bad date in index CSV", element="price", field="path",
                         value=str(exc), expected="YYYY, YYYY-MM or YYYY-MM-DD") from None
    order = np.argsort(months, kind="stable")
    out: dict[str, IndexPath] = {}
    for col in df.columns:
        if col == "date":
            continue
        m = re.fullmatch(r"\s*(.+?)\s*(?:\[(.*)\])?\s*", col)
        name, unit = (m.group(1), m.group(2) or "") if m else (col, "")
        try:
            vals = [float(df[col].iloc[i]) for i in order]
        except ValueError:
            raise InputError("non-numeric index value", element="price", field=col,
                             value=str(p)) from None
        if not all(math.isfinite(v) for v in vals):
            raise InputError("index values must be finite", element="price", field=col,
                             value=str(p))
        out[name] = IndexPath(name, unit, tuple(int(months[i]) for i in order), tuple(vals),
                              f"file {p.name}")
    return out


# ------------------------------------------------------------------ formulas


@dataclass(frozen=True)
class SCurve:
    """S-curve on the index: slope × ``flattening`` below ``low`` and above ``high``."""

    low: float
    high: float
    flattening: float = 0.5

    def __post_init__(self) -> None:
        if not (self.low < self.high and 0 <= self.flattening <= 1):
            raise InputError("invalid S-curve", element="price", field="s_curve",
                             value=(self.low, self.high, self.flattening),
                             expected="low < high and 0 <= flattening <= 1")

    def apply(self, x: FloatArray) -> FloatArray:
        k = self.flattening
        return np.where(x < self.low, self.low + k * (x - self.low),
                        np.where(x > self.high, self.high + k * (x - self.high), x))


@dataclass(frozen=True)
class IndexedPrice:
    """P = constant + slope · g(lagged average of an index), in ``currency``/``unit``.

    ``kind`` is "oil" (oil or oil products) or "hub" (a gas hub); the arithmetic is
    the same. ``averaging``-``lag``-``reset`` in months (9-0-3 for PoS1 practice).
    """

    kind: Literal["oil", "hub"]
    index: str
    slope: float
    constant: float
    unit: str
    currency: str = "USD"
    averaging: int = 9
    lag: int = 0
    reset: int = 3
    s_curve: SCurve | None = None

    def __post_init__(self) -> None:
        if self.averaging < 1 or self.lag < 0 or self.reset < 1:
            raise InputError("invalid averaging/lag/reset", element="price",
                             field="averaging", value=(self.averaging, self.lag, self.reset),
                             expected="averaging >= 1, lag >= 0, reset >= 1 months")

    def monthly(self, months: npt.NDArray[np.int64], first: int,
                paths: Mapping[str, IndexPath]) -> FloatArray:
        """Price in ``currency``/``unit`` in each month (months since 1970-01); resets
        every ``reset`` months counted from month ``first`` (first gas)."""
        path = paths.get(self.index)
        if path is None:
            raise InputError("no path for the price index", element="price", field="index",
                             value=self.index, expected=f"one of {sorted(paths)}")
        reset_month = months - np.mod(months - first, self.reset)
        span = np.arange(-self.lag - self.averaging, -self.lag)
        window = path.at(reset_month[:, None] + span[None, :])
        x = window.mean(axis=1)
        if self.s_curve is not None:
            x = self.s_curve.apply(x)
        return np.asarray(self.constant + self.slope * x, dtype=np.float64)


@dataclass(frozen=True)
class FixedPrice:
    """P = base · (1 + escalation)^(year − base_year), in ``currency``/``unit``."""

    base: float
    unit: str
    currency: str = "USD"
    escalation: float = 0.0
    base_year: int = 2025

    def monthly(self, months: npt.NDArray[np.int64], first: int,
                paths: Mapping[str, IndexPath]) -> FloatArray:
        year = months // 12 + 1970
        return np.asarray(self.base * (1.0 + self.escalation) ** (year - self.base_year),
                          dtype=np.float64)


PriceFormula = IndexedPrice | FixedPrice


def daily_prices(formula: PriceFormula, dates: npt.NDArray[np.datetime64],
                 paths: Mapping[str, IndexPath], ctx: PriceContext) -> FloatArray:
    """Contract price on each date [USD/m³ at the contract reference]."""
    m = month_index(dates)
    first, last = int(m[0]), int(m[-1])
    months = np.arange(first, last + 1, dtype=np.int64)
    factor = unit_price_factor(formula.unit, formula.currency, ctx, field="unit",
                               element="price")
    monthly = formula.monthly(months, first, paths) * factor
    return np.asarray(monthly[m - first], dtype=np.float64)
