"""Runs requested through the dashboard: the request schema and the work it does.

A request names a built-in trunkline scenario and the inputs to change. The changes
are written into the scenario's own mapping (as read from its TOML file) and
validated by :func:`~trunkline.model.scenario.scenario_from_dict`, the same schema
the CLI reads files with; plan changes go through
:func:`~trunkline.plan.plan_from_dict`. Only built-in scenarios can be named: no
value of a request ever reaches the filesystem as a path.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trunkline.errors import InputError
from trunkline.model import Trunkline
from trunkline.model.scenario import BUILTIN_SCENARIOS, scenario_from_dict
from trunkline.plan import BUILTIN_PLANS, PlanInputs, plan_from_dict
from trunkline.report.html import plan_tables, route_table
from trunkline.solve import resolve_throughput, simulate
from trunkline.store import Store, result_tables
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, parse_quantity

__all__ = ["PLAN_MONTHS", "Case", "RunRequest", "line_scenarios", "prepare", "run_case"]

#: Months of the plan's hydraulic capacity curve for dashboard runs (January and July
#: bracket the seasonal capacity, as for the headline plan of ``trunkline run``).
PLAN_MONTHS: Final = (1, 7)
_SHORT = 80


def _scenario_text(name: str) -> str:
    return resources.files("trunkline.scenarios").joinpath(f"{name}.toml").read_text("utf-8")


def _plan_text(name: str) -> str:
    return resources.files("trunkline.scenarios").joinpath(BUILTIN_PLANS[name]).read_text(
        "utf-8")


def line_scenarios() -> list[dict[str, Any]]:
    """The built-in trunkline scenarios (name, title, description, throughput, MAOP)."""
    return copy.deepcopy(_line_scenarios())


@functools.cache
def _line_scenarios() -> list[dict[str, Any]]:
    out = []
    for name in BUILTIN_SCENARIOS:
        data = tomllib.loads(_scenario_text(name))
        if "network" in data or "route" not in data:
            continue
        meta = data.get("scenario", {})
        out.append({"name": name, "title": meta.get("title", name),
                    "description": " ".join(str(meta.get("description", "")).split()),
                    "throughput": data.get("operation", {}).get("throughput"),
                    "maop": [s.get("maop") for s in data["route"]["sections"]],
                    "has_plan": name in BUILTIN_PLANS,
                    "waypoints": len(data["route"]["waypoints"])})
    return out


Text = Annotated[str, Field(max_length=_SHORT)]


class RunRequest(BaseModel):
    """Inputs of a dashboard run; empty fields keep the scenario's values.

    Quantities are text with their unit, as in scenario files: ``throughput`` like
    "45 bcm/yr @ RU" or "1000 kg/s"; ``maop`` like "9.8 MPa" (every section);
    ``price`` a flat border price like "240 USD/1000 m3". ``stations`` replaces the
    layout by that many evenly spaced stations. ``discount_rate`` is a fraction
    (0.10 = 10 %). Any plan input (or ``plan``) also runs the 30-year plan.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scenario: Text = "power_of_siberia_2"
    throughput: Text | None = None
    maop: Text | None = None
    stations: Annotated[int, Field(ge=2, le=80)] | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    plan: bool = False
    price: Text | None = None
    price_case: Literal["low", "base", "high"] | None = None
    discount_rate: Annotated[float, Field(ge=0.0, le=0.5)] | None = None

    @field_validator("throughput", "maop", "price", mode="before")
    @classmethod
    def _blank(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("scenario")
    @classmethod
    def _known(cls, v: str) -> str:
        names = [s["name"] for s in _line_scenarios()]
        key = {"pos2": "power_of_siberia_2"}.get(v.lower(), v)
        if key not in names:
            raise ValueError(f"unknown scenario; choose one of {', '.join(names)}")
        return key

    @property
    def wants_plan(self) -> bool:
        return self.plan or any(v is not None for v in
                                (self.price, self.price_case, self.discount_rate))

    def changed(self) -> dict[str, Any]:
        """The inputs that differ from the scenario (for the store and the pages)."""
        data = self.model_dump(exclude_none=True)
        data["plan"] = self.wants_plan
        return data


@dataclass(frozen=True)
class Case:
    """A validated dashboard run, ready to compute."""

    request: RunRequest
    line: Trunkline
    throughput: str | float | None
    plan: PlanInputs | None


def _throughput(text: str | None) -> str | float | None:
    """A mass flow ("1000 kg/s") in kg/s; a standard volume flow stays text (as the CLI)."""
    if text is None:
        return None
    if "@" not in text and " at " not in text and "kg" in text:
        return parse_quantity(text, "kg/s", field="throughput")
    return text


def prepare(req: RunRequest) -> Case:
    """Validate a request into a :class:`Case` (fast: no hydraulics).

    Raises:
        ScenarioError, InputError, UnitError: an input is invalid (the message says
            which and what would be valid).
    """
    base = tomllib.loads(_scenario_text(req.scenario))
    data = copy.deepcopy(base)
    origin = f"{req.scenario} (dashboard)"
    if req.maop is not None:
        for sec in data["route"]["sections"]:
            sec["maop"] = req.maop
    line = scenario_from_dict(data, origin)
    if req.stations is not None:
        st = data["stations"]
        units = int(st.get("max_units", 6)) + int(st.get("spare_units", 1))
        n = req.stations
        st["placement"] = "fixed"
        st["list"] = [{"name": f"CS-{i + 1}", "chainage": f"{i * line.length / n / 1e3:.3f} km",
                       "units": units} for i in range(n)]
        line = scenario_from_dict(data, origin)
    thr = _throughput(req.throughput)
    resolve_throughput(line, thr)  # validate now: a bad throughput fails before queueing
    inputs: PlanInputs | None = None
    if req.wants_plan:
        if req.scenario not in BUILTIN_PLANS:
            raise InputError("this scenario has no 30-year plan", element="run", field="plan",
                             value=req.scenario,
                             expected=f"a scenario with a plan: {', '.join(BUILTIN_PLANS)}")
        text = _plan_text(req.scenario)
        pdata = tomllib.loads(text)
        p = pdata["plan"]
        if req.discount_rate is not None:
            p.setdefault("money", {})["discount_rate"] = req.discount_rate
        if req.price is not None:
            p["price"] = {"formula": "fixed", "base_price": req.price}
        elif req.price_case is not None:
            p["price"]["path"] = req.price_case
        inputs = plan_from_dict(pdata, f"{req.scenario} plan (dashboard)", text)
        if data != base:  # the plan runs on the changed line
            inputs = replace(inputs, line=line)
        inputs = inputs.with_months(PLAN_MONTHS)
    return Case(req, line, thr, inputs)


def run_case(case: Case, store: Store, progress: Callable[[float, str], None],
             save: Callable[[Callable[[], str]], str] | None = None) -> str:
    """Compute a case (steady line, and the plan when asked) and store it; returns the
    run id. ``save`` wraps the store write (e.g. to hold the app's store lock)."""
    from trunkline.plan import plan as run_plan

    req = case.request
    progress(0.05, "steady state: placing stations and marching the line")
    res = simulate(case.line, case.throughput, month=req.month)
    kind, tables, summary = result_tables(res)
    tables = {**tables, "route": route_table(case.line)}
    summary = dict(summary)
    summary["title"] = case.line.title
    summary["delivered_bcm_per_yr"] = (res.delivered.value * SECONDS_PER_CONTRACT_YEAR / 1e9)
    if case.plan is not None:
        progress(0.4, "30-year plan: hydraulic capacity curve (January, July), contract, "
                      "economics")
        pres = run_plan(case.plan)
        tables.update({f"plan_{k}": v for k, v in plan_tables(pres).items()})
        summary.update({f"plan_{k}": v for k, v in pres.summary.items()})
        kind = "case"
    progress(0.95, "saving the run in the results store")
    inputs = req.changed()

    def write() -> str:
        return store.save(kind, case.line.name, inputs, tables, summary)

    return save(write) if save is not None else write()
