"""The ``trunkline`` command line: a thin layer over the Python API.

Quantities are parsed from text at this edge ("45 bcm/yr @ RU", "1200 kg/s")
and shown in engineering units; everything underneath is SI.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from trunkline import __version__
from trunkline.cli.common import console
from trunkline.cli.common import fail as _fail
from trunkline.cli.montecarlo import register as register_montecarlo_commands
from trunkline.cli.network import register as register_network_commands
from trunkline.cli.optimize import register as register_optimize_commands
from trunkline.cli.runs import register as register_runs_commands
from trunkline.cli.transient import register as register_transient_commands
from trunkline.cli.web import register as register_web_commands
from trunkline.errors import TrunklineError
from trunkline.model import Trunkline, load_line
from trunkline.solve import LineResult, place_stations, simulate
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, SECONDS_PER_DAY, parse_quantity

if TYPE_CHECKING:
    from trunkline.plan import PlanResult

app = typer.Typer(
    name="trunkline",
    help="Simulate, optimise and plan long-distance gas transmission "
         "(built-in scenario: Power of Siberia 2).",
    no_args_is_help=True,
    add_completion=False,
)

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


#: Months of the capacity curve behind the headline plan figures of ``trunkline run``
#: (January and July bracket the seasonal capacity; ``trunkline plan`` uses the plan's
#: own months and differs by well under 0.1 % in capacity).
HEADLINE_MONTHS = (1, 7)


def _headline_plan(name: str) -> dict[str, Any] | None:
    """Headline plan figures for a built-in scenario that has a plan, else None."""
    from trunkline.plan import BUILTIN_PLANS, headline, plan

    if name not in BUILTIN_PLANS:
        return None
    return headline(plan(name, months=HEADLINE_MONTHS, sensitivities=False))


def _headline_table(h: dict[str, Any]) -> Table:
    t = Table(title="30-year plan — headline (details: trunkline plan)", header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for k, v in (
        ("NPV", f"{h['npv_bn_usd']:.2f} bn USD at {h['discount_rate_percent']:.0f} %"),
        ("IRR", f"{h['irr_percent']:.2f} %"),
        ("payback", f"{h['payback_year']:.1f}"),
        ("breakeven border price", f"{h['breakeven_price_usd_per_kcm']:.0f} USD/1,000 m³ "
                                   f"(mean price {h['mean_price_usd_per_kcm']:.0f})"),
        ("levelised tariff", f"{h['levelised_tariff_usd_per_kcm_100km']:.2f} "
                             "USD/1,000 m³/100 km"),
        ("delivered over the term", f"{h['delivered_bcm']:.0f} bcm"),
        ("take-or-pay deficiency paid", f"{h['deficiency_paid_bcm']:.1f} bcm"),
        ("emissions", f"{h['co2e_mt']:.0f} Mt CO2e, "
                      f"{h['intensity_g_co2e_per_mj']:.2f} g CO2e/MJ delivered"),
        ("price case", str(h["price_case"])),
    ):
        t.add_row(k, v)
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
    store: Annotated[str | None, typer.Option(
        "--store", help="Also save the run in the results store (a path, or 'default').")
    ] = None,
    with_plan: Annotated[bool, typer.Option(
        "--plan/--no-plan", help="Also print the headline 30-year plan figures (built-in "
                                 "scenarios with a plan).")] = True,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Also write a self-contained HTML report to this file.")] = None,
) -> None:
    """Steady state of a trunkline: profile, stations, power, fuel, linepack; and the
    headline figures of its 30-year contract plan."""
    try:
        line = load_line(scenario)
        res = simulate(line, _throughput(throughput), month=month)
        run_id = None
        if store is not None:
            from trunkline.store import Store, save_result

            run_id = save_result(Store(None if store == "default" else store), res, line.name,
                                 {"scenario": scenario, "throughput": throughput,
                                  "month": month})
    except TrunklineError as exc:
        _fail(exc)
        return
    fig = _line_figures(line, res)
    if run_id is not None:
        fig["run_id"] = run_id
    plan_figs = _headline_plan(line.name) if with_plan and throughput is None else None
    if plan_figs is not None:
        fig["plan"] = plan_figs
    if report is not None:
        from trunkline.report.html import line_report

        try:
            line_report(res, report, line=line, inputs={"scenario": scenario,
                                                        "throughput": throughput,
                                                        "month": month})
        except TrunklineError as exc:
            _fail(exc)
            return
        fig["report"] = str(report)
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
    if plan_figs is not None:
        console.print(_headline_table(plan_figs))
    if written:
        console.print(f"[dim]wrote {len(written)} files to {out / line.name}[/]")
    if run_id is not None:
        console.print(f"[dim]saved as run {run_id}[/]")


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


def _months(text: str | None) -> tuple[int, ...] | None:
    """``"all"`` → 1..12; ``"1,4,7,10"`` → those months; None → the plan's."""
    if text is None:
        return None
    if text.strip().lower() == "all":
        return tuple(range(1, 13))
    try:
        months = tuple(sorted({int(m) for m in text.split(",") if m.strip()}))
    except ValueError:
        months = ()
    if not months or not all(1 <= m <= 12 for m in months):
        raise typer.BadParameter("give 'all' or months 1-12 separated by commas, e.g. 1,4,7,10",
                                 param_hint="--months")
    return months


def _fmt(value: float | None, pattern: str, missing: str = "n/a") -> str:
    return missing if value is None else pattern.format(value)


def _plan_tables(result: PlanResult) -> list[Table]:
    """Rich tables of a plan: headline, years, tornado, assumptions."""
    s = result.summary
    head = Table(title=f"{escape(s['title'])}", header_style="bold")
    head.add_column("quantity")
    head.add_column("value", justify="right")
    rows = [
        ("contract", f"ACQ {s['acq_bcm_per_yr']:.1f} bcm/yr @ {s['reference']}, "
                     f"{s['term_years']} years from {s['first_gas']}"),
        ("delivered over the term", f"{s['delivered_bcm']:.0f} bcm "
                                    f"(plateau {s['plateau_delivered_bcm_per_yr']:.2f} bcm/yr)"),
        ("shortfall / ToP paid / make-up / expired",
         f"{s['shortfall_bcm']:.2f} / {s['deficiency_paid_bcm']:.2f} / "
         f"{s['makeup_taken_bcm']:.2f} / {s['makeup_expired_bcm']:.2f} bcm"),
        ("mean border price", f"{s['mean_price_usd_per_kcm']:.0f} $/1,000 m³ "
                              f"({s['price_case']} case)"),
        ("capex", f"{s['capex_bn_usd']:.1f} bn USD"),
        ("NPV", f"{s['npv_bn_usd']:.2f} bn USD at {s['discount_rate_percent']:.1f} %"),
        ("IRR", _fmt(s["irr_percent"], "{:.2f} %")),
        ("payback (cumulative cash flow >= 0)", _fmt(s["payback_year"], "{:.1f}", "never")),
        ("breakeven border price", _fmt(s["breakeven_price_usd_per_kcm"],
                                        "{:.0f} $/1,000 m³")),
        ("levelised tariff", f"{s['levelised_tariff_usd_per_kcm_100km']:.2f} "
                             "$/1,000 m³ per 100 km"),
        ("compressor fuel", f"{s['fuel_percent_of_entry']:.2f} % of the entry flow"),
        ("emissions over the term", f"{s['co2e_mt']:.0f} Mt CO2e (fuel CO2 "
                                    f"{s['fuel_co2_mt']:.0f} Mt, CH4 {s['methane_kt']:.0f} kt)"),
        ("emissions intensity", f"{s['intensity_g_co2e_per_mj']:.2f} g CO2e/MJ delivered"),
        ("capacity curve", escape(s["capacity_source"])),
    ]
    for k, v in rows:
        head.add_row(k, v)

    years = Table(title="year by year (bcm @ contract reference, USD bn)", header_style="bold")
    for col in ("year", "ACQ", "delivered", "ToP qty", "deficiency", "make-up", "shortfall",
                "$/1,000 m³", "cash flow", "Mt CO2e"):
        years.add_column(col, justify="right", no_wrap=True)
    for _, r in result.yearly.iterrows():
        years.add_row(
            f"{r['year']}", f"{r['acq'] / 1e9:.1f}", f"{r['delivered'] / 1e9:.2f}",
            f"{r['top_quantity'] / 1e9:.2f}", f"{r['deficiency'] / 1e9:.2f}",
            f"{r['makeup'] / 1e9:.2f}",
            f"{(r['shortfall_excused'] + r['shortfall_penalised']) / 1e9:.2f}",
            f"{r['price_mean'] * 1e3:.0f}", f"{r['cash_flow'] / 1e9:.2f}",
            f"{r['co2e'] / 1e9:.2f}")

    torn = Table(title="NPV sensitivity (USD bn)", header_style="bold")
    for col in ("variable", "low", "NPV low", "high", "NPV high"):
        torn.add_column(col, justify="right")
    for _, r in result.tornado.iterrows():
        torn.add_row(escape(str(r["variable"])), escape(str(r["low"])),
                     f"{r['npv_low'] / 1e9:.2f}", escape(str(r["high"])),
                     f"{r['npv_high'] / 1e9:.2f}")

    assume = Table(title="assumptions and sources (docs/sources.md)", header_style="bold")
    assume.add_column("input")
    assume.add_column("value")
    assume.add_column("source")
    for _, r in result.assumptions.iterrows():
        assume.add_row(escape(str(r["field"])), escape(str(r["value"])),
                       escape(str(r["source"])))
    return [head, years, torn, assume]


@app.command("plan")
def plan_command(
    scenario: Annotated[str, typer.Argument(
        help="Built-in plan (power_of_siberia_2, alias pos2) or a plan TOML file.")
    ] = DEFAULT_SCENARIO,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output folder: tables (CSV, Parquet), summary.json, PNG charts.")
    ] = Path("trunkline-out"),
    fmt: FormatOpt = OutputFormat.table,
    no_files: Annotated[bool, typer.Option("--no-files", help="Write no output files.")] = False,
    months: Annotated[str | None, typer.Option(
        "--months", help="Months of the hydraulic capacity curve: 'all' or e.g. '1,4,7,10' "
                         "(default: the plan's).")] = None,
    price_case: Annotated[str | None, typer.Option(
        "--price-case", help="Built-in index path: low, base or high (default: the plan's).")
    ] = None,
) -> None:
    """Thirty years of a contract on the line: deliveries, economics, emissions."""
    from trunkline.plan import plan as run_plan

    if price_case is not None and price_case not in ("low", "base", "high"):
        raise typer.BadParameter("low, base or high", param_hint="--price-case")
    wanted = _months(months)
    try:
        result = run_plan(scenario, months=wanted, price_case=price_case)
    except TrunklineError as exc:
        _fail(exc)
        return
    written: list[str] = []
    folder = out / result.name / "plan"
    if not no_files:
        from trunkline.report.plan_figures import write_plan_figures

        written = [str(p) for p in result.to_files(folder)]
        written += [str(p) for p in write_plan_figures(result, folder)]
    if fmt is OutputFormat.json:
        data: dict[str, Any] = dict(result.summary)
        data["files"] = written
        data["tornado"] = result.tornado.to_dict(orient="records")
        data["assumptions"] = result.assumptions.to_dict(orient="records")
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    for table in _plan_tables(result):
        console.print(table)
    if written:
        console.print(f"[dim]wrote {len(written)} files to {folder}[/]")


@app.command()
def version() -> None:
    """Print the trunkline version."""
    console.print(__version__)


register_network_commands(app)
register_optimize_commands(app)
register_transient_commands(app)
register_montecarlo_commands(app)
register_runs_commands(app)
register_web_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()
