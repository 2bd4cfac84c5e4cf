r"""Design of the line: diameter, MAOP and station spacing by levelised cost of transport.

:func:`design_study` evaluates a grid of designs of a trunkline for a throughput —
the standard outside diameters of Russian trunk pipe (1,020, 1,220 and 1,420 mm),
maximum operating pressures of 7.4, 9.8 and 11.8 MPa and the station pressure
ratio, which sets the station spacing and count — and ranks them by the
levelised cost of transport (LCOT):

.. math::

    \mathrm{LCOT} = \frac{\mathrm{CRF}(r, n)\,K + O + C_f}{Q_{yr}},\qquad
    \mathrm{CRF}(r, n) = \frac{r(1+r)^n}{(1+r)^n - 1}

with :math:`K` the capital cost (pipe and compressor stations), :math:`O` the
yearly operation and maintenance (shares of each part's capital cost),
:math:`C_f` the yearly fuel cost and :math:`Q_{yr}` the gas delivered in a year
(the capital recovery factor turns capex into an equal yearly annuity over the
life n at the real discount rate r; e.g. R. A. Brealey, S. C. Myers, F. Allen,
*Principles of Corporate Finance*, ch. 2, annuities). Results are in USD per
1,000 m³ delivered (at the throughput's reference) and per 1,000 m³ and 100 km.

**Each design.** The wall follows Barlow's formula with a design factor,
:math:`t = p\,D/(2\,F\,\sigma_y)` (ASME B31.8-2020, para. 841.1.1 form, with
F calibrated to the Power of Siberia 1 pipe: see :class:`DesignCosts` and
docs/sources.md [S:barlow-design-factor]); every
section of the route gets the pipe; the stations discharge at MAOP and are
placed by the hydraulics (:func:`trunkline.solve.march_line` with ``place=True``)
where the pressure falls to MAOP / ratio (the ratio capped at MAOP / minimum
delivery pressure), so a lower ratio means more, closer stations; a head station
at the entry takes the gas at the entry pressure, whatever the ratio (its own
ratio may be higher, as head stations' are); the throughput is met on the
scenario's basis (the entry flow carries the fuel). A design the hydraulics cannot
place — stations closer than the template's minimum spacing, more running units
than it allows, a delivery pressure below the minimum — is reported as infeasible with the reason.

**Fuel** is the steady solver's at the design point (stations at MAOP, placed at
their minimum suction pressure: there every station's suction and discharge
bound is active, and the set-points are optimal to within the last station's
trim; ``optimise=True`` runs :func:`~trunkline.optimize.optimize_fuel` on each
feasible design instead, with the station model in depth — much slower).

The unit costs of :class:`DesignCosts` are documented defaults (sourced or
labelled assumptions) that a user overrides field by field.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from trunkline.errors import ConvergenceError, InfeasibleError, InputError, OutOfRangeError
from trunkline.model import Station, Trunkline, load_line
from trunkline.optimize.station import march_at_delivery
from trunkline.solve.line import LineResult, MarchOptions, march_line
from trunkline.solve.studies import resolve_throughput
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, StandardVolumeFlow

__all__ = [
    "DEFAULT_COSTS",
    "STANDARD_DIAMETERS",
    "STANDARD_MAOPS",
    "STANDARD_RATIOS",
    "DesignCosts",
    "DesignStudy",
    "capital_recovery_factor",
    "design_study",
    "wall_thickness",
]

#: Standard outside diameters of Russian trunk gas pipe [m] (GOST 20295 / Gazprom
#: large-diameter pipe: 1,020, 1,220 and 1,420 mm).
STANDARD_DIAMETERS: Final = (1.020, 1.220, 1.420)
#: MAOP classes of Russian trunk gas lines [Pa]: 7.4 MPa (older lines), 9.8 MPa
#: (Ukhta-Torzhok, Power of Siberia 1) and 11.8 MPa (Bovanenkovo-Ukhta)
#: ([S:ukhta-torzhok], [S:pos1-pipe], [S:bovanenkovo-ukhta]).
STANDARD_MAOPS: Final = (7.4e6, 9.8e6, 11.8e6)
#: Station pressure ratios tried (MAOP / minimum suction); 1.44 is the rated ratio of
#: the Russian pipeline compressors of the scenario's template (assumption in the
#: scenario file); lower ratios mean closer stations.
STANDARD_RATIOS: Final = (1.25, 1.35, 1.44)
_M3_PER_KCM: Final = 1000.0
_STEEL_DENSITY: Final = 7850.0  # kg/m³, carbon steel
_PLACE_OPTS: Final = MarchOptions(max_step=math.inf)
_DELIVERY_RTOL: Final = 1e-6


@dataclass(frozen=True)
class DesignCosts:
    """Unit costs and financial terms of :func:`design_study` (real USD of 2025).

    Defaults and where they come from (docs/sources.md [S:design-unit-costs]):

    * ``steel_price`` 1,500 USD/t of coated large-diameter line pipe delivered:
      assumption (K60/X70 longitudinal-seam pipe, 1,200-2,000 USD/t).
    * ``construction`` 62,800 USD per inch of diameter and km: derived so that the
      Power of Siberia 1 pipe (1,420 × 21.7 mm, 748 t/km of steel) costs the
      built-in plan's 4.63 M USD/km (its 16.5 bn USD for the pipe of 3,563 km, an
      assumption taken from the mid-range 22 bn USD of [S:capex]).
    * ``station_fixed`` 40 M USD per compressor station (site, piping, utilities,
      buildings): assumption; ``power_cost`` 1,360 USD per kW of installed driver
      power: derived so that the scenario's 29 stations with 3,200 MW installed
      cost the plan's 5.5 bn USD (25 % of [S:capex] mid-range, an assumption).
    * ``om_pipe`` 1 %/yr of pipe capex (the plan's fixed opex share, assumption);
      ``om_station`` 2.5 %/yr of station capex (assumption: compressor stations
      need more maintenance, 2-4 %/yr is usual).
    * ``fuel_price`` 40 USD per 1,000 m³ (at the throughput's reference): the
      plan's supply cost of gas at the line's entry (assumption); the export
      netback (about 170 USD, [S:pos1-price] less 30 % duty) is the upper bound
      of the fuel's value.
    * ``discount_rate`` 10 %/yr real (the plan's, assumption); ``life`` 30 years,
      the contract term [S:acq].
    * ``smys`` 485 MPa (K60 / X70 steel, assumption) and ``design_factor`` 0.6612,
      derived: the factor that gives the Power of Siberia 1 wall, 21.7 mm at
      9.8 MPa and 1,420 mm [S:pos1-pipe].
    * ``load_factor`` 1.0: the throughput is a yearly mean.
    """

    steel_price: float = 1500.0
    construction: float = 62800.0
    station_fixed: float = 40e6
    power_cost: float = 1360.0
    om_pipe: float = 0.01
    om_station: float = 0.025
    fuel_price: float = 40.0
    discount_rate: float = 0.10
    life: int = 30
    smys: float = 485e6
    design_factor: float = 0.6612
    load_factor: float = 1.0

    def __post_init__(self) -> None:
        for name in ("steel_price", "construction", "station_fixed", "power_cost", "om_pipe",
                     "om_station", "fuel_price", "smys"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError("must be >= 0", element="DesignCosts", field=name, value=v)
        if not 0 < self.design_factor <= 1:
            raise InputError("design factor out of range", element="DesignCosts",
                             field="design_factor", value=self.design_factor,
                             expected="in (0, 1]")
        if not (isinstance(self.life, int) and self.life >= 1):
            raise InputError("life must be a positive integer", element="DesignCosts",
                             field="life", value=self.life)
        if not -0.5 < self.discount_rate < 1:
            raise InputError("discount rate out of range", element="DesignCosts",
                             field="discount_rate", value=self.discount_rate)
        if not 0 < self.load_factor <= 1:
            raise InputError("load factor out of range", element="DesignCosts",
                             field="load_factor", value=self.load_factor,
                             expected="in (0, 1]")


#: The default costs (see :class:`DesignCosts`).
DEFAULT_COSTS: Final = DesignCosts()


def capital_recovery_factor(rate: float, years: int) -> float:
    r"""CRF(r, n) = r(1+r)^n / ((1+r)^n − 1); 1/n at r = 0 [1/yr]."""
    if years < 1:
        raise InputError("years must be >= 1", element="capital_recovery_factor",
                         field="years", value=years)
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


def wall_thickness(outside_diameter: float, maop: float, costs: DesignCosts = DEFAULT_COSTS
                   ) -> float:
    r"""Wall [m] by Barlow's formula, :math:`t = p D / (2 F \sigma_y)`."""
    return maop * outside_diameter / (2.0 * costs.design_factor * costs.smys)


@dataclass(frozen=True)
class DesignStudy:
    """The trade-off table of :func:`design_study` and the design it chooses.

    ``table`` has one row per design (SI and USD): ``outside_diameter``, ``maop``,
    ``ratio`` (asked), ``effective_ratio`` (capped so that the minimum suction is not
    below the minimum delivery pressure), ``wall``, ``feasible``, ``reason``,
    ``stations``, ``spacing`` (mean, m), ``installed_power`` and ``shaft_power`` [W],
    ``fuel`` [kg/s], ``fuel_share``, ``capex_pipe``, ``capex_stations``, ``capex``, ``annuity``,
    ``om``, ``fuel_cost`` [USD/yr], ``lcot`` [USD per 1,000 m³],
    ``lcot_per_100km`` and ``rank``; ``choice`` is the feasible row of least LCOT.
    """

    scenario: str
    throughput: StandardVolumeFlow
    basis: str
    costs: DesignCosts
    table: pd.DataFrame
    seconds: float
    log: tuple[str, ...] = field(default=())

    @property
    def choice(self) -> pd.Series:
        ok = self.table[self.table["feasible"]]
        if ok.empty:
            raise InfeasibleError("no design of the grid carries the throughput",
                                  limits=sorted(set(self.table["reason"].astype(str))))
        best: pd.Series = ok.iloc[int(np.argmin(ok["lcot"].to_numpy(dtype=float)))]
        return best

    @property
    def summary(self) -> dict[str, Any]:
        c = self.choice
        return {
            "scenario": self.scenario, "basis": self.basis,
            "throughput_bcm_per_yr": self.throughput.value * SECONDS_PER_CONTRACT_YEAR / 1e9,
            "reference": self.throughput.reference.name,
            "choice_outside_diameter_mm": float(c["outside_diameter"]) * 1e3,
            "choice_maop_MPa": float(c["maop"]) / 1e6, "choice_ratio": float(c["ratio"]),
            "choice_stations": int(c["stations"]),
            "choice_lcot_usd_per_kcm": float(c["lcot"]),
            "choice_lcot_usd_per_kcm_100km": float(c["lcot_per_100km"]),
            "designs": len(self.table), "feasible": int(self.table["feasible"].sum()),
            "seconds": self.seconds,
        }


def _effective_ratio(line: Trunkline, maop: float, ratio: float) -> float:
    """The station ratio, limited so that the minimum suction is not below the delivery
    minimum (the last station must deliver above it)."""
    return min(ratio, maop / line.min_delivery_pressure)


def _design_line(line: Trunkline, diameter: float, maop: float, ratio: float,
                 costs: DesignCosts) -> Trunkline:
    wall = wall_thickness(diameter, maop, costs)
    sections = tuple(replace(s, outside_diameter=diameter, wall_thickness=wall, maop=maop)
                     for s in line.sections)
    tpl = replace(line.station_design, discharge_pressure=None,
                  min_suction_pressure=maop / ratio)
    return replace(line, sections=sections, station_design=tpl, stations=None)


def _violations(res: LineResult, layout: Sequence[Station]) -> list[str]:
    """The solver's violations less the head station's suction (the entry pressure)."""
    out = list(res.violations)
    if layout and layout[0].chainage <= 0.0:
        head = f"{layout[0].name}: suction"
        out = [v for v in out if not v.startswith(head)]
    return out


def _place(line: Trunkline, target: float, basis: str, month: int | None
           ) -> tuple[LineResult, tuple[Station, ...]]:
    """Stations placed for the throughput on its basis (secant on the entry flow)."""
    if basis != "delivery":
        return march_line(line, target, None, month, _PLACE_OPTS, place=True)
    return march_at_delivery(line, target, None, month, _PLACE_OPTS, place=True,
                             rtol=_DELIVERY_RTOL)


def design_study(scenario: Trunkline | str | Path,
                 throughput: StandardVolumeFlow | str | float | None = None, *,
                 diameters: Sequence[float] = STANDARD_DIAMETERS,
                 maops: Sequence[float] = STANDARD_MAOPS,
                 ratios: Sequence[float] = STANDARD_RATIOS,
                 costs: DesignCosts | None = None, month: int | None = None,
                 basis: str | None = None, optimise: bool = False) -> DesignStudy:
    """Levelised cost of transport over diameters, MAOPs and station ratios (see module).

    Args:
        scenario: a :class:`Trunkline`, a built-in scenario name or a TOML path; its
            route, gas, entry and delivery conditions and station template are kept.
        throughput: None → the scenario's; "50 bcm/yr @ RU"; a float in kg/s.
        diameters: outside diameters [m]; maops: [Pa]; ratios: MAOP / minimum suction.
        costs: :class:`DesignCosts` (defaults documented there).
        month: ground temperatures of that month (None → the scenario's).
        basis: "delivery" or "entry" (None → the scenario's).
        optimise: run :func:`~trunkline.optimize.optimize_fuel` on every feasible
            design for its fuel (slow) instead of the design-point fuel.

    Returns:
        a :class:`DesignStudy` (``table``, ``choice``).
    """
    t0 = time.perf_counter()
    line = scenario if isinstance(scenario, Trunkline) else load_line(scenario)
    c = costs or DEFAULT_COSTS
    b = basis or line.throughput_basis
    if b not in ("delivery", "entry"):
        raise InputError("unknown throughput basis", element=line.name, field="basis",
                         value=b, expected="'delivery' or 'entry'")
    target = resolve_throughput(line, throughput)
    for name, values in (("diameters", diameters), ("maops", maops), ("ratios", ratios)):
        if not values or any(not (math.isfinite(v) and v > 0) for v in values):
            raise InputError("need positive values", element="design_study", field=name,
                             value=list(values))
    if any(r <= 1.0 for r in ratios):
        raise InputError("station ratios must exceed 1", element="design_study",
                         field="ratios", value=list(ratios))
    mth = month if month is not None else line.month
    rho = line.gas.standard_density(line.reference)
    year = SECONDS_PER_CONTRACT_YEAR * c.load_factor
    delivered_m3 = target / rho * year if b == "delivery" else math.nan
    crf = capital_recovery_factor(c.discount_rate, c.life)
    unit_power = line.station_design.unit_power
    length = line.length
    rows: list[dict[str, Any]] = []
    log: list[str] = []
    for d in diameters:
        for p in maops:
            infeasible_at: float | None = None
            done: dict[float, dict[str, Any]] = {}
            for r_asked in sorted(ratios, reverse=True):
                r = _effective_ratio(line, p, r_asked)
                wall = wall_thickness(d, p, c)
                row: dict[str, Any] = {"outside_diameter": d, "maop": p, "ratio": r_asked,
                                       "effective_ratio": r, "wall": wall,
                                       "feasible": False, "reason": ""}
                if r in done:  # the delivery minimum caps the ratio: the same design
                    rows.append({**done[r], "ratio": r_asked,
                                 "reason": (done[r]["reason"] + "; " if done[r]["reason"]
                                            else "") + f"ratio capped at {r:.3f} by the "
                                 "minimum delivery pressure"})
                    continue
                if infeasible_at is not None:  # a lower ratio needs even closer stations
                    row["reason"] = f"as ratio {infeasible_at:g}: stations too close"
                    rows.append(row)
                    continue
                design = _design_line(line, d, p, r, c)
                try:
                    res, layout = _place(design, target, b, mth)
                except (InfeasibleError, ConvergenceError, OutOfRangeError) as exc:
                    row["reason"] = str(exc)
                    if "apart" in str(exc) or "collapses" in str(exc):
                        infeasible_at = r
                    rows.append(row)
                    done[r] = row
                    continue
                fuel = res.fuel_mass_flow
                shaft = res.total_power
                if optimise and layout:
                    from trunkline.optimize.fuel import optimize_fuel

                    try:
                        opt = optimize_fuel(design.with_stations(layout), target, month=mth,
                                            basis=b)
                        fuel, shaft = opt.fuel, opt.optimum.shaft_power
                    except (InfeasibleError, ConvergenceError) as exc:
                        log.append(f"{d * 1e3:.0f} mm, {p / 1e6:.1f} MPa, ratio {r:g}: "
                                   f"optimisation failed ({exc}); design-point fuel used")
                installed = float(sum(s.units_installed for s in layout)) * unit_power
                steel_t = math.pi * (d - wall) * wall * _STEEL_DENSITY * length / 1e3
                capex_pipe = steel_t * c.steel_price + c.construction * (d / 0.0254) \
                    * length / 1e3
                capex_st = len(layout) * c.station_fixed + installed / 1e3 * c.power_cost
                capex = capex_pipe + capex_st
                om = c.om_pipe * capex_pipe + c.om_station * capex_st
                fuel_cost = fuel / rho * year / _M3_PER_KCM * c.fuel_price
                vol = delivered_m3 if b == "delivery" else \
                    (res.delivered_mass_flow / rho * year)
                annual = crf * capex + om + fuel_cost
                lcot = annual / (vol / _M3_PER_KCM)
                ch = [s.chainage for s in layout]
                viol = _violations(res, layout)
                row.update({
                    "feasible": not viol and res.complete, "reason": "; ".join(viol),
                    "stations": len(layout),
                    "spacing": float(np.mean(np.diff(ch))) if len(ch) > 1 else math.nan,
                    "installed_power": installed, "shaft_power": shaft, "fuel": fuel,
                    "fuel_share": fuel / res.mass_flow, "steel_t": steel_t,
                    "capex_pipe": capex_pipe, "capex_stations": capex_st, "capex": capex,
                    "annuity": crf * capex, "om": om, "fuel_cost": fuel_cost,
                    "lcot": lcot, "lcot_per_100km": lcot / (length / 1e5),
                    "delivery_pressure": res.delivery_pressure,
                })
                rows.append(row)
                done[r] = row
    cols = ["outside_diameter", "maop", "ratio", "effective_ratio", "wall", "feasible",
            "reason", "stations",
            "spacing", "installed_power", "shaft_power", "fuel", "fuel_share", "steel_t",
            "capex_pipe", "capex_stations", "capex", "annuity", "om", "fuel_cost", "lcot",
            "lcot_per_100km", "delivery_pressure"]
    table = pd.DataFrame(rows).reindex(columns=cols)
    table["feasible"] = table["feasible"].astype(bool)
    table["rank"] = table["lcot"].where(table["feasible"]).rank(method="min")
    table = table.sort_values(["outside_diameter", "maop", "ratio"]).reset_index(drop=True)
    q = StandardVolumeFlow(target / rho, line.reference)
    return DesignStudy(line.name, q, b, c, table, time.perf_counter() - t0, tuple(log))
