"""The result of a plan: an immutable object with tabular views and file output.

Every table is SI (m³ at the contract reference, USD, kg, J, s); :attr:`PlanResult.UNITS`
names the unit of each column and :meth:`PlanResult.to_files` writes the unit
into the header (``delivered [m3]``). :attr:`PlanResult.summary` gives the
headline figures in engineering units ($/1,000 m³, bcm, g CO2e/MJ …).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from trunkline.io import write_json, write_tables
from trunkline.plan.capacity import CapacityCurve
from trunkline.plan.scenario import PlanInputs
from trunkline.units import SECONDS_PER_CONTRACT_YEAR

__all__ = ["PlanResult", "headline"]

Columns = Mapping[str, npt.NDArray[Any]]

#: Edge units: 1,000 m³ in m³, 100 km in m, 1 bcm in m³, 1 g/MJ in kg/J.
_KCM = 1e3
_HUNDRED_KM = 1e5
_BCM = 1e9
_G_PER_MJ = 1e-9


def _frozen(columns: Mapping[str, npt.NDArray[Any]]) -> Columns:
    out = {}
    for k, v in columns.items():
        a = np.array(v, copy=True)
        a.flags.writeable = False
        out[k] = a
    return MappingProxyType(out)


@dataclass(frozen=True)
class PlanResult:
    """A 30-year plan: contract day by day, cash flows and emissions year by year.

    Attributes:
        name, title: the plan's identity.
        inputs: the validated inputs (:class:`PlanInputs`).
        curve: the capacity and fuel curve used, at the contract reference.
        npv: net present value [USD] at the valuation year.
        irr: internal rate of return [-], None if it does not exist.
        payback: year (fractional) in which the cumulative cash flow turns positive.
        breakeven_price: flat border price giving NPV = 0 [USD/m³].
        levelised_tariff: levelised pre-tax transport cost [USD/(m³·m)].
        emissions: totals over the term (SI): ``fuel`` [m³], ``fuel_co2``,
            ``methane``, ``co2e`` [kg], ``energy_delivered`` [J], ``intensity`` [kg/J].
    """

    name: str
    title: str
    inputs: PlanInputs = field(repr=False)
    curve: CapacityCurve = field(repr=False)
    npv: float
    irr: float | None
    payback: float | None
    breakeven_price: float | None
    levelised_tariff: float
    emissions: Mapping[str, float]
    _daily: Columns = field(repr=False)
    _yearly: Columns = field(repr=False)
    _tornado: pd.DataFrame = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_daily", _frozen(self._daily))
        object.__setattr__(self, "_yearly", _frozen(self._yearly))
        object.__setattr__(self, "emissions", MappingProxyType(dict(self.emissions)))
        object.__setattr__(self, "_tornado", self._tornado.copy())

    UNITS: ClassVar[dict[str, str]] = {
        "nominated": "m3", "capacity": "m3", "delivered": "m3", "shortfall": "m3",
        "shortfall_excused": "m3", "shortfall_penalised": "m3",
        "cumulative_delivered": "m3", "top_remaining": "m3", "makeup": "m3",
        "makeup_bank": "m3", "acq": "m3", "adjusted_acq": "m3", "top_quantity": "m3",
        "deficiency": "m3", "expired": "m3", "invoiced": "m3", "fuel": "m3",
        "price": "USD/m3", "price_mean": "USD/m3", "revenue_gas": "USD",
        "revenue_top": "USD", "penalty": "USD", "export_duty": "USD", "transit": "USD",
        "supply": "USD", "fuel_cost": "USD", "opex_fixed": "USD", "opex_variable": "USD",
        "capex": "USD", "depreciation": "USD", "property_tax": "USD",
        "taxable_profit": "USD", "profit_tax": "USD", "cash_flow": "USD",
        "discount_factor": "-", "discounted_cash_flow": "USD",
        "cumulative_cash_flow": "USD", "energy_delivered": "J", "fuel_co2": "kg",
        "methane": "kg", "co2e": "kg", "intensity": "kg/J", "npv_low": "USD",
        "npv_high": "USD", "npv_base": "USD", "swing": "USD",
    }

    # -- tables ---------------------------------------------------------------------
    @property
    def daily(self) -> pd.DataFrame:
        """One row a day of the term (a new DataFrame)."""
        return pd.DataFrame({k: np.array(v, copy=True) for k, v in self._daily.items()})

    @property
    def yearly(self) -> pd.DataFrame:
        """One row a year, construction years included (a new DataFrame)."""
        return pd.DataFrame({k: np.array(v, copy=True) for k, v in self._yearly.items()})

    @property
    def tornado(self) -> pd.DataFrame:
        """NPV at the low and high setting of each sensitivity, widest first (a copy)."""
        return self._tornado.copy()

    @property
    def assumptions(self) -> pd.DataFrame:
        """Every input with its source ([S:tag] of docs/sources.md, or assumption)."""
        df = self.inputs.assumptions
        extra = pd.DataFrame([
            ("capacity.curve", self.curve.source, "hydraulics" if self.curve.limits
             else "input", "; ".join(
                 f"month {m}: {c * SECONDS_PER_CONTRACT_YEAR / _BCM:.2f} bcm/yr"
                 for m, c in zip(self.curve.months, self.curve.capacity, strict=True))),
        ], columns=df.columns)
        return pd.concat([df, extra], ignore_index=True)

    # -- headline -------------------------------------------------------------------
    @property
    def summary(self) -> dict[str, Any]:
        """Headline figures in engineering units (a new dict)."""
        y = self._yearly
        c = self.inputs.contract
        econ = self.inputs.economics
        delivered = float(np.sum(y["delivered"]))
        fuel = float(np.sum(y["fuel"]))
        op = y["phase"] == "operation"
        price_mean = (float(np.sum(y["price_mean"][op] * y["delivered"][op]) / delivered)
                      if delivered > 0 else math.nan)
        em = self.emissions
        return {
            "scenario": self.name,
            "title": self.title,
            "reference": c.reference.name,
            "first_gas": c.start.isoformat(),
            "term_years": c.years,
            "acq_bcm_per_yr": c.acq / _BCM,
            "delivered_bcm": delivered / _BCM,
            "plateau_delivered_bcm_per_yr": float(np.max(y["delivered"])) / _BCM,
            "shortfall_bcm": float(np.sum(y["shortfall_excused"] + y["shortfall_penalised"]))
            / _BCM,
            "deficiency_paid_bcm": float(np.sum(y["deficiency"])) / _BCM,
            "makeup_taken_bcm": float(np.sum(y["makeup"])) / _BCM,
            "makeup_expired_bcm": float(np.sum(y["expired"])) / _BCM,
            "capex_bn_usd": econ.total_capex / 1e9,
            "price_case": self.inputs.price_case,
            "mean_price_usd_per_kcm": price_mean * _KCM,
            "discount_rate_percent": 100 * econ.discount_rate,
            "npv_bn_usd": self.npv / 1e9,
            "irr_percent": None if self.irr is None else 100 * self.irr,
            "payback_year": self.payback,
            "breakeven_price_usd_per_kcm": None if self.breakeven_price is None
            else self.breakeven_price * _KCM,
            "levelised_tariff_usd_per_kcm_100km": self.levelised_tariff * _KCM * _HUNDRED_KM,
            "fuel_percent_of_entry": 100 * fuel / (delivered + fuel) if delivered else 0.0,
            "fuel_co2_mt": em["fuel_co2"] / 1e9,
            "methane_kt": em["methane"] / 1e6,
            "co2e_mt": em["co2e"] / 1e9,
            "intensity_g_co2e_per_mj": em["intensity"] / _G_PER_MJ,
            "capacity_source": self.curve.source,
        }

    # -- files ----------------------------------------------------------------------
    def to_files(self, folder: str | Path, formats: tuple[str, ...] = ("csv", "parquet")
                 ) -> list[Path]:
        """Write daily, yearly, tornado, assumptions and capacity tables (each format)
        and summary.json, atomically; returns the paths. Headers carry SI units."""
        tables = {"daily": self.daily, "yearly": self.yearly, "tornado": self.tornado,
                  "assumptions": self.assumptions,
                  "capacity": self.curve.table.rename(columns={"capacity": "capacity_rate"})}
        units = {**self.UNITS, "capacity_rate": "m3/s"}
        paths = write_tables(tables, folder, formats, element="to_files", units=units)
        paths.append(write_json(self.summary, Path(folder) / "summary.json"))
        return paths


def headline(result: PlanResult) -> dict[str, Any]:
    """The few plan figures worth a line each (engineering units): NPV, IRR, payback,
    breakeven price, levelised tariff, delivered volume and emissions intensity."""
    s = result.summary
    keys = ("npv_bn_usd", "irr_percent", "payback_year", "breakeven_price_usd_per_kcm",
            "mean_price_usd_per_kcm", "levelised_tariff_usd_per_kcm_100km", "delivered_bcm",
            "deficiency_paid_bcm", "co2e_mt", "intensity_g_co2e_per_mj", "discount_rate_percent",
            "price_case")
    return {k: s[k] for k in keys}
