"""The ``trunkline`` command line: a thin layer over the Python API.

Quantities are parsed from text at this edge ("45 bcm/yr @ RU", "1200 kg/s")
and shown in engineering units; everything underneath is SI.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trunkline import __version__
from trunkline.errors import TrunklineError
from trunkline.model import Trunkline, load_line
from trunkline.solve import LineResult, place_stations, simulate
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, SECONDS_PER_DAY, parse_quantity

app = typer.Typer(
    name="trunkline",
    help="Simulate, optimise and plan long-distance gas transmission "
         "(built-in scenario: Power of Siberia 2).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

DEFAULT_SCENARIO = "power_of_siberia_2"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


ScenarioArg = Annotated[str, typer.Argument(
    help="Built-in scenario name (power_of_siberia_2, alias pos2) or a TOML file.")]
ThroughputOpt = Annotated[str | None, typer.Option(
    "--throughput", "-q",
    help="Throughput with its reference, e.g. '45 bcm/yr @ RU', '130 mcm/d @ ISO', "
         "or a mass flow '1000 kg/s'. Default: the scenario's.")]
MonthOpt = Annotated[int | None, typer.Option(
    "--month", min=1, max=12, help="Month 1-12 for ground temperatures (default: scenario's).")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")]


def _throughput(text: str | None) -> str | float | None:
    """A mass flow ("1000 kg/s") becomes kg/s; a standard volume flow stays text."""
    if text is None:
        return None
    if "@" not in text and " at " not in text and "kg" in text:
        return parse_quantity(text, "kg/s", field="--throughput")
    return text


def _fail(exc: TrunklineError) -> None:
    # The message is printed as it is: escaped (it may contain "[...]", which rich
    # would take for markup) and not wrapped (a path or value must stay whole).
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(code=2)


def _line_figures(line: Trunkline, res: LineResult) -> dict[str, Any]:
    """Headline figures in engineering units (for the table and JSON)."""
    s = res.summary
    rho = res.standard_density
    ref = res.throughput.reference.name
    q = res.throughput.value
    return {
        "scenario": line.title,
        "reference": f"{ref} ({res.throughput.reference.temperature - 273.15:g} °C, "
                     f"{res.throughput.reference.pressure / 1e3:g} kPa)",
        "throughput_bcm_per_yr": q * SECONDS_PER_CONTRACT_YEAR / 1e9,
        "throughput_mcm_per_d": q * SECONDS_PER_DAY / 1e6,
        "mass_flow_kg_s": res.mass_flow,
        "delivered_bcm_per_yr": res.delivered_mass_flow / rho * SECONDS_PER_CONTRACT_YEAR / 1e9,
        "delivered_mcm_per_d": res.delivered_mass_flow / rho * SECONDS_PER_DAY / 1e6,
        "length_km": s["length"] / 1e3,
        "entry_pressure_MPa": s["entry_pressure"] / 1e6,
        "delivery_pressure_MPa": s["delivery_pressure"] / 1e6,
        "min_delivery_pressure_MPa": s["min_delivery_pressure"] / 1e6,
        "delivery_temperature_C": s["delivery_temperature"] - 273.15,
        "stations": s["stations"],
        "units_running": s["units_running"],
        "units_installed": s["units_installed"],
        "installed_power_MW": s["installed_power"] / 1e6,
        "shaft_power_MW": s["shaft_power"] / 1e6,
        "fuel_kg_s": s["fuel_mass_flow"],
        "fuel_percent": 100.0 * s["fuel_share"],
        "linepack_mcm": s["linepack_m3"] / 1e6,
        "linepack_kt": s["linepack_mass"] / 1e6,
        "max_velocity_m_s": s["max_velocity"],
        "max_pressure_MPa": s["max_pressure"] / 1e6,
        "min_temperature_C": s["min_temperature"] - 273.15,
        "max_temperature_C": s["max_temperature"] - 273.15,
        "month": s["month"],
        "feasible": s["feasible"],
        "violations": s["violations"],
    }


def _summary_table(fig: dict[str, Any]) -> Table:
    t = Table(title=f"{fig['scenario']} — steady state", show_header=True, header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    rows = [
        ("delivered", f"{fig['delivered_bcm_per_yr']:.2f} bcm/yr = "
                      f"{fig['delivered_mcm_per_d']:.1f} mcm/d"),
        ("reference condition", fig["reference"]),
        ("entry flow (incl. fuel)", f"{fig['throughput_bcm_per_yr']:.2f} bcm/yr = "
                                    f"{fig['mass_flow_kg_s']:.1f} kg/s"),
        ("route length", f"{fig['length_km']:.0f} km"),
        ("entry / delivery pressure", f"{fig['entry_pressure_MPa']:.2f} / "
                                      f"{fig['delivery_pressure_MPa']:.2f} MPa "
                                      f"(min {fig['min_delivery_pressure_MPa']:.2f})"),
        ("compressor stations", f"{fig['stations']}"),
        ("units running / installed", f"{fig['units_running']} / {fig['units_installed']}"),
        ("shaft power used / installed", f"{fig['shaft_power_MW']:.0f} / "
                                         f"{fig['installed_power_MW']:.0f} MW"),
        ("fuel gas", f"{fig['fuel_kg_s']:.1f} kg/s = {fig['fuel_percent']:.2f} % of entry flow"),
        ("linepack", f"{fig['linepack_mcm']:.0f} mcm ({fig['linepack_kt']:.0f} kt)"),
        ("max velocity", f"{fig['max_velocity_m_s']:.1f} m/s"),
        ("max pressure", f"{fig['max_pressure_MPa']:.2f} MPa"),
        ("gas temperature range", f"{fig['min_temperature_C']:.1f} … "
                                  f"{fig['max_temperature_C']:.1f} °C"),
        ("ground temperatures", "annual mean" if fig["month"] == "mean"
                                else f"month {fig['month']}"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    ok = fig["feasible"]
    t.add_row("feasible", "[green]yes[/]" if ok else "[red]NO[/]")
    for v in fig["violations"][:8]:
        t.add_row("  limit hit", f"[red]{escape(v)}[/]")
    return t


def _stations_table(res: LineResult) -> Table:
    t = Table(title="compressor stations", header_style="bold")
    for col in ("station", "km", "p_s MPa", "p_d MPa", "ratio", "T_d °C", "T_out °C", "MW",
                "units", "fuel kg/s"):
        t.add_column(col, justify="right", no_wrap=True)
    for s in res.station_results:
        t.add_row(escape(s.name), f"{s.chainage / 1e3:.0f}", f"{s.suction_pressure / 1e6:.2f}",
                  f"{s.discharge_pressure / 1e6:.2f}", f"{s.ratio:.3f}",
                  f"{s.discharge_temperature - 273.15:.1f}",
                  f"{s.outlet_temperature - 273.15:.1f}",
                  f"{s.shaft_power / 1e6:.1f}", f"{s.units_running}/{s.units_installed}",
                  f"{s.fuel:.2f}")
    return t


@app.command()
def run(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    throughput: ThroughputOpt = None,
    month: MonthOpt = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output folder for tables (CSV, Parquet) and the profile PNG.")
    ] = Path("trunkline-out"),
    fmt: FormatOpt = OutputFormat.table,
    no_files: Annotated[bool, typer.Option("--no-files", help="Write no output files.")] = False,
) -> None:
    """Steady state of a trunkline: profile, stations, power, fuel, linepack."""
    try:
        line = load_line(scenario)
        res = simulate(line, _throughput(throughput), month=month)
    except TrunklineError as exc:
        _fail(exc)
        return
    fig = _line_figures(line, res)
    written: list[str] = []
    if not no_files:
        from trunkline.report.figures import plot_line_profile

        folder = out / line.name
        written = [str(p) for p in res.write(folder)]
        written.append(str(plot_line_profile(res, folder / "profile.png", title=line.title)))
    if fmt is OutputFormat.json:
        fig["files"] = written
        fig["stations_detail"] = res.stations.to_dict(orient="records")
        sys.stdout.write(json.dumps(fig, indent=2, default=str) + "\n")
        return
    console.print(_summary_table(fig))
    console.print(_stations_table(res))
    if written:
        console.print(f"[dim]wrote {len(written)} files to {out / line.name}[/]")


@app.command()
def stations(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    throughput: ThroughputOpt = None,
    month: MonthOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Where compressor stations must stand, and how many, for a throughput."""
    try:
        line = load_line(scenario)
        placement = place_stations(line, _throughput(throughput), month=month)
    except TrunklineError as exc:
        _fail(exc)
        return
    res = placement.result
    spacing = placement.spacing
    per_section = {sec.name: sum(1 for s in placement.stations
                                 if line.section_at(s.chainage).name == sec.name)
                   for sec in line.sections}
    out: dict[str, Any] = {
        "stations": placement.count,
        "delivered_bcm_per_yr": res.delivered.value * SECONDS_PER_CONTRACT_YEAR / 1e9,
        "entry_bcm_per_yr": res.throughput.value * SECONDS_PER_CONTRACT_YEAR / 1e9,
        "reference": res.throughput.reference.name,
        "min_spacing_km": min(spacing) / 1e3 if spacing else None,
        "max_spacing_km": max(spacing) / 1e3 if spacing else None,
        "mean_spacing_km": sum(spacing) / len(spacing) / 1e3 if spacing else None,
        "chainages_km": [s.chainage / 1e3 for s in placement.stations],
        "units_installed": [s.units_installed for s in placement.stations],
        "sections": per_section,
        "fuel_percent": 100 * res.fuel_share,
        "shaft_power_MW": res.total_power / 1e6,
        "delivery_pressure_MPa": res.delivery_pressure / 1e6,
        "feasible": res.feasible,
    }
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    console.print(f"[bold]{line.title}[/]: {placement.count} compressor stations for "
                  f"{out['delivered_bcm_per_yr']:.2f} bcm/yr delivered @ {out['reference']}")
    if spacing:
        console.print(f"spacing {out['min_spacing_km']:.0f}-{out['max_spacing_km']:.0f} km "
                      f"(mean {out['mean_spacing_km']:.0f} km); per section: "
                      + ", ".join(f"{k} {v}" for k, v in per_section.items()))
    console.print(_stations_table(res))


@app.command()
def version() -> None:
    """Print the trunkline version."""
    console.print(__version__)


def main() -> None:
    """Console-script entry point."""
    app()
