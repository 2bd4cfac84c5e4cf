"""CLI commands ``trunkline optimize fuel|capacity|design``: thin, over trunkline.optimize."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from trunkline.cli.common import console
from trunkline.cli.common import fail as _fail
from trunkline.errors import InputError, TrunklineError
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, parse_quantity

optimize_app = typer.Typer(help="Optimisation: minimum fuel, technical capacity, line design.",
                           no_args_is_help=True)

DEFAULT_SCENARIO = "power_of_siberia_2"
ScenarioArg = Annotated[str, typer.Argument(
    help="Built-in scenario (power_of_siberia_2, alias pos2), a trunkline TOML — or, for "
         "fuel and capacity, a GasLib instance (e.g. GasLib-582-v2) or .net file.")]
ThroughputOpt = Annotated[str | None, typer.Option(
    "--throughput", "-q", help="Throughput with its reference, e.g. '45 bcm/yr @ RU', or a "
                               "mass flow '1000 kg/s'. Default: the scenario's.")]
MonthOpt = Annotated[int | None, typer.Option(
    "--month", min=1, max=12, help="Month 1-12 for ground temperatures.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
AmbientOpt = Annotated[str | None, typer.Option(
    "--ambient", help="Air temperature at the drivers, e.g. '-10 degC' (default: the "
                      "line's ground temperature; 15 degC for a network).")]



def _throughput(text: str | None) -> str | float | None:
    if text is None:
        return None
    if "@" not in text and " at " not in text and "kg" in text:
        return parse_quantity(text, "kg/s", field="--throughput")
    return text


def _is_network(name: str) -> bool:
    low = name.lower()
    return low.startswith("gaslib") or low.endswith(".net")


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise typer.BadParameter("table or json", param_hint="--format")


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
             for k, v in row.items()} for row in df.to_dict(orient="records")]


@optimize_app.command("fuel")
def fuel(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    throughput: ThroughputOpt = None,
    month: MonthOpt = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="fuel (line gas burnt) or cost (fuel, electricity, CO2).")
    ] = "fuel",
    ambient: AmbientOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Station set-points and running units of least fuel, against every station at MAOP."""
    from trunkline.optimize.fuel import OptimizeOptions, optimize_fuel

    _check_format(fmt)
    if objective not in ("fuel", "cost"):
        raise typer.BadParameter("fuel or cost", param_hint="--objective")
    try:
        t_amb = None if ambient is None else parse_quantity(ambient, "K", field="--ambient")
        opts = OptimizeOptions(objective=objective, ambient_temperature=t_amb)
        if _is_network(scenario):
            if throughput is not None:
                raise InputError("a network is optimised at its nomination",
                                 element="optimize fuel", field="--throughput",
                                 value=throughput)
            res = optimize_fuel(scenario, options=opts)
        else:
            res = optimize_fuel(scenario, _throughput(throughput), month=month, options=opts)
    except TrunklineError as exc:
        _fail(exc)
        return
    summary = dict(res.summary)
    if _is_network(scenario):
        if fmt == "json":
            summary["decisions"] = _records(res.optimum.decisions)
            _emit(summary)
            return
        t = Table(title=f"{escape(str(summary['network']))} — minimum compressor fuel",
                  header_style="bold")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        for k, v in (("fuel (optimum)", f"{summary['fuel']:.4f} kg/s"),
                     ("fuel (nomination check)", f"{summary['baseline_fuel']:.4f} kg/s"),
                     ("savings", f"{100 * summary['savings_share']:.2f} %"),
                     ("shaft power", f"{summary['shaft_power'] / 1e6:.2f} MW"),
                     ("match with the steady solver", f"{summary['match']:.1e}"),
                     ("feasible", "yes" if summary["feasible"] else "[red]NO[/]"),
                     ("time", f"{summary['seconds']:.2f} s")):
            t.add_row(k, v)
        console.print(t)
        return
    if fmt == "json":
        summary["stations_detail"] = _records(res.stations)
        _emit(summary)
        return
    year = SECONDS_PER_CONTRACT_YEAR
    t = Table(title=f"{escape(res.scenario)} — minimum {res.objective}", header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    q = res.throughput.value * year / 1e9
    for k, v in (("throughput", f"{q:.2f} bcm/yr @ {summary['reference']} ({res.basis})"),
                 ("fuel, optimum", f"{res.optimum.fuel:.3f} kg/s = "
                                   f"{summary['fuel_mcm_per_yr']:.0f} mcm/yr"),
                 ("fuel, every station at MAOP", f"{res.naive.fuel:.3f} kg/s = "
                                                 f"{summary['naive_fuel_mcm_per_yr']:.0f} mcm/yr"),
                 ("savings", f"{100 * res.savings_share:.2f} %"),
                 ("stations running", f"{summary['stations_running']} of "
                                      f"{summary['stations']}"),
                 ("units running (optimum / naive)", f"{summary['units_running']} / "
                                                     f"{summary['naive_units_running']}"),
                 ("delivery pressure (optimum / naive)",
                  f"{summary['delivery_pressure'] / 1e6:.3f} / "
                  f"{summary['naive_delivery_pressure'] / 1e6:.3f} MPa"),
                 ("match with the steady solver", f"{res.match:.1e}"),
                 ("feasible", "yes" if res.feasible else "[red]NO[/]"),
                 ("time", f"{res.seconds:.1f} s")):
        t.add_row(k, v)
    for v in res.violations[:8]:
        t.add_row("  limit hit", f"[red]{escape(v)}[/]")
    console.print(t)
    st = Table(title="stations: optimum (naive)", header_style="bold")
    for col in ("station", "km", "units", "p_s MPa", "p_d MPa", "x", "η_p", "load", "MW",
                "fuel kg/s"):
        st.add_column(col, justify="right", no_wrap=True)
    for _, r in res.stations.iterrows():
        st.add_row(escape(str(r["name"])), f"{r['chainage'] / 1e3:.0f}",
                   f"{r['units']} ({r['naive_units']})", f"{r['suction_pressure'] / 1e6:.3f}",
                   f"{r['discharge_pressure'] / 1e6:.3f} "
                   f"({r['naive_discharge_pressure'] / 1e6:.3f})",
                   f"{r['flow_ratio']:.3f}", f"{r['efficiency']:.3f}", f"{r['load']:.2f}",
                   f"{r['shaft_power'] / 1e6:.1f}",
                   f"{r['fuel']:.3f} ({r['naive_fuel']:.3f})")
    console.print(st)


@optimize_app.command("capacity")
def capacity(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    month: MonthOpt = None,
    ambient: AmbientOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The largest throughput within MAOP, minimum pressures, power, surge and stonewall."""
    from trunkline.optimize.capacity import technical_capacity
    from trunkline.optimize.fuel import OptimizeOptions

    _check_format(fmt)
    try:
        t_amb = None if ambient is None else parse_quantity(ambient, "K", field="--ambient")
        opts = OptimizeOptions(ambient_temperature=t_amb)
        res = technical_capacity(scenario, options=opts) if _is_network(scenario) else \
            technical_capacity(scenario, month=month, options=opts)
    except TrunklineError as exc:
        _fail(exc)
        return
    summary = dict(res.summary)
    if fmt == "json":
        _emit(summary)
        return
    t = Table(title="technical capacity", header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    if "factor" in summary:
        t.add_row("network", escape(str(summary["network"])))
        t.add_row("largest factor on the nomination", f"{summary['factor']:.4f}")
    else:
        t.add_row("scenario", escape(str(summary["scenario"])))
        t.add_row("capacity", f"{summary['capacity_bcm_per_yr']:.3f} bcm/yr @ "
                              f"{summary['reference']} ({summary['basis']})")
        t.add_row("mass flow", f"{summary['mass_flow']:.2f} kg/s")
        t.add_row("fuel at capacity", f"{summary['fuel']:.2f} kg/s")
    t.add_row("match with the steady solver", f"{summary['match']:.1e}")
    t.add_row("feasible", "yes" if summary["feasible"] else "[red]NO[/]")
    t.add_row("time", f"{summary['seconds']:.1f} s")
    binding = list(summary["binding"])
    for b in binding[:12]:
        t.add_row("  binding", escape(b))
    if len(binding) > 12:
        t.add_row("  binding", f"… {len(binding) - 12} more")
    console.print(t)


def _floats(text: str | None, default_unit: str, si_unit: str, what: str
            ) -> list[float] | None:
    """Comma-separated values; a bare number is in ``default_unit`` ("1420" → mm)."""
    if text is None:
        return None
    out: list[float] = []
    for item in (v.strip() for v in text.split(",")):
        if not item:
            continue
        try:
            if not si_unit:
                out.append(float(item))
            else:
                bare = item.replace(".", "", 1).replace("-", "", 1).isdigit()
                out.append(parse_quantity(f"{item} {default_unit}" if bare else item,
                                          si_unit, field=what))
        except (TrunklineError, ValueError) as exc:
            raise typer.BadParameter(str(exc), param_hint=what) from None
    return out


@optimize_app.command("design")
def design(
    scenario: Annotated[str, typer.Argument(
        help="Built-in scenario (power_of_siberia_2) or a trunkline TOML.")] = DEFAULT_SCENARIO,
    throughput: ThroughputOpt = None,
    month: MonthOpt = None,
    diameters: Annotated[str | None, typer.Option(
        "--diameters", help="Outside diameters, mm (default 1020,1220,1420).")] = None,
    maops: Annotated[str | None, typer.Option(
        "--maops", help="MAOPs, MPa (default 7.4,9.8,11.8).")] = None,
    ratios: Annotated[str | None, typer.Option(
        "--ratios", help="Station pressure ratios (default 1.25,1.35,1.44).")] = None,
    fuel_price: Annotated[float | None, typer.Option(
        "--fuel-price", help="Fuel gas value, USD per 1,000 m³ (default 40).")] = None,
    discount_rate: Annotated[float | None, typer.Option(
        "--discount-rate", help="Real discount rate, e.g. 0.08 (default 0.10).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Levelised cost of transport over diameters, MAOPs and station spacing; the choice."""
    from dataclasses import replace

    from trunkline.optimize.design import (
        DEFAULT_COSTS,
        STANDARD_DIAMETERS,
        STANDARD_MAOPS,
        STANDARD_RATIOS,
        design_study,
    )

    _check_format(fmt)
    d = _floats(diameters, "mm", "m", "--diameters")
    p = _floats(maops, "MPa", "Pa", "--maops")
    r = _floats(ratios, "", "", "--ratios")
    costs = DEFAULT_COSTS
    if fuel_price is not None:
        costs = replace(costs, fuel_price=fuel_price)
    if discount_rate is not None:
        costs = replace(costs, discount_rate=discount_rate)
    try:
        study = design_study(scenario, _throughput(throughput),
                             diameters=d or STANDARD_DIAMETERS, maops=p or STANDARD_MAOPS,
                             ratios=r or STANDARD_RATIOS, costs=costs, month=month)
        summary = study.summary
    except TrunklineError as exc:
        _fail(exc)
        return
    if fmt == "json":
        summary["table"] = _records(study.table)
        _emit(summary)
        return
    t = Table(title=f"{escape(study.scenario)} — design study at "
                    f"{summary['throughput_bcm_per_yr']:.1f} bcm/yr @ {summary['reference']}",
              header_style="bold")
    for col in ("OD mm", "MAOP MPa", "ratio", "wall mm", "stations", "spacing km", "MW inst.",
                "fuel %", "capex bn$", "LCOT $/kcm", "$/kcm/100km", "rank"):
        t.add_column(col, justify="right", no_wrap=True)
    for _, row in study.table.iterrows():
        if not row["feasible"]:
            t.add_row(f"{row['outside_diameter'] * 1e3:.0f}", f"{row['maop'] / 1e6:.1f}",
                      f"{row['ratio']:.2f}", f"{row['wall'] * 1e3:.1f}", "[dim]—[/]",
                      "", "", "", "", "[dim]infeasible[/]", "", "")
            continue
        t.add_row(f"{row['outside_diameter'] * 1e3:.0f}", f"{row['maop'] / 1e6:.1f}",
                  f"{row['effective_ratio']:.2f}", f"{row['wall'] * 1e3:.1f}",
                  f"{int(row['stations'])}", f"{row['spacing'] / 1e3:.0f}",
                  f"{row['installed_power'] / 1e6:.0f}", f"{100 * row['fuel_share']:.2f}",
                  f"{row['capex'] / 1e9:.1f}", f"{row['lcot']:.2f}",
                  f"{row['lcot_per_100km']:.3f}", f"{int(row['rank'])}")
    console.print(t)
    console.print(f"choice: [bold]{summary['choice_outside_diameter_mm']:.0f} mm, "
                  f"{summary['choice_maop_MPa']:.1f} MPa, ratio {summary['choice_ratio']:.2f}, "
                  f"{summary['choice_stations']} stations[/] — LCOT "
                  f"{summary['choice_lcot_usd_per_kcm']:.2f} USD/1,000 m³ "
                  f"({summary['choice_lcot_usd_per_kcm_100km']:.3f} per 100 km); "
                  f"{summary['feasible']} of {summary['designs']} designs feasible")


def register(app: typer.Typer) -> None:
    """Add ``trunkline optimize …`` to the main app."""
    app.add_typer(optimize_app, name="optimize")
