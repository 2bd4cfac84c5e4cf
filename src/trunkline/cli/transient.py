"""CLI command ``trunkline transient``: a transient run of a trunkline or network scenario."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trunkline.cli.common import console, err_console
from trunkline.cli.common import fail as _fail
from trunkline.errors import InputError, TrunklineError
from trunkline.solve.transient import (
    TransientOptions,
    TransientResult,
    simulate_transient,
    survival_time,
)
from trunkline.solve.transient_events import BUILTIN_CASES, EventFile, load_events
from trunkline.units import parse_quantity

ScenarioArg = Annotated[str, typer.Argument(
    help="Built-in scenario (power_of_siberia_2, alias pos2), a trunkline or a network TOML.")]



def _options(ef: EventFile, dx: float | None, method: str | None) -> TransientOptions:
    fields = set(TransientOptions.__dataclass_fields__)
    bad = set(ef.options) - fields
    if bad:
        raise InputError("unknown option in the events file", element=ef.title,
                         field=sorted(bad)[0], expected="one of " + ", ".join(sorted(fields)))
    kw: dict[str, Any] = dict(ef.options)
    if dx is not None:
        kw["dx"] = dx
    if method is not None:
        kw["method"] = method
    return TransientOptions(**kw)


def _figures(res: TransientResult, ef: EventFile, survival: float | None
             ) -> dict[str, Any]:
    s = res.summary
    out: dict[str, Any] = {
        "case": ef.title or res.name, "method": res.method,
        "duration_h": s["duration"] / 3600.0, "steps": s["steps"], "cells": s["cells"],
        "newton_iterations_per_step": s["newton_iterations_per_step"],
        "wall_time_s": s["wall_time"], "setup_time_s": s["setup_time"],
        "linepack_start_kt": s["linepack_start"] / 1e6,
        "linepack_end_kt": s["linepack_end"] / 1e6,
        "linepack_min_kt": s["linepack_min"] / 1e6,
        "mass_in_kt": s["mass_in"] / 1e6, "mass_out_kt": s["mass_out"] / 1e6,
        "fuel_kt": s["mass_fuel"] / 1e6, "max_mass_error": s["max_mass_error"],
        "events": s["events"],
        "min_pressure_MPa": {k: v / 1e6 for k, v in s["min_pressure"].items()
                             if ":" not in k},
    }
    if ef.survival is not None or res.min_delivery_pressure is not None:
        out["survival_h"] = None if survival is None else survival / 3600.0
    return out


def _table(fig: dict[str, Any]) -> Table:
    t = Table(title=f"{fig['case']} — transient", header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    rows = [
        ("simulated", f"{fig['duration_h']:.2f} h, {fig['steps']} steps ({fig['method']}), "
                      f"{fig['cells']} cells"),
        ("Newton iterations / step", f"{fig['newton_iterations_per_step']:.2f}"),
        ("wall time", f"{fig['wall_time_s']:.1f} s (setup {fig['setup_time_s']:.1f} s)"),
        ("linepack start → end", f"{fig['linepack_start_kt']:.2f} → "
                                 f"{fig['linepack_end_kt']:.2f} kt "
                                 f"(min {fig['linepack_min_kt']:.2f})"),
        ("mass in / out / fuel", f"{fig['mass_in_kt']:.2f} / {fig['mass_out_kt']:.2f} / "
                                 f"{fig['fuel_kt']:.3f} kt"),
        ("max. mass balance error", f"{fig['max_mass_error']:.1e} (per step, relative)"),
    ]
    for node in ("entry", "delivery"):
        if node in fig["min_pressure_MPa"]:
            rows.append((f"min. pressure {node}", f"{fig['min_pressure_MPa'][node]:.3f} MPa"))
    if "survival_h" in fig:
        v = fig["survival_h"]
        rows.append(("survival time", "not reached in the run" if v is None
                     else f"{v:.2f} h after the first event"))
    for ev in fig["events"]:
        rows.append(("event", ev))
    for r in rows:
        t.add_row(*r)
    return t


def transient(
    scenario: ScenarioArg = "power_of_siberia_2",
    hours: Annotated[float | None, typer.Option(
        "--hours", "-H", help="Simulated hours (default: the events file's, else 24).")] = None,
    events: Annotated[str | None, typer.Option(
        "--events", "-e", help="Events file (TOML or CSV) or a built-in case: "
        + ", ".join(BUILTIN_CASES) + ".")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder (default trunkline-out/<scenario>/transient).")
    ] = None,
    dt: Annotated[str | None, typer.Option(
        "--dt", help="Time step, e.g. '15 min', or 'auto' (error control). "
        "Default: the events file's, else 15 min.")] = None,
    dx: Annotated[float | None, typer.Option("--dx", help="Cell length [m] (default 1000).")
                  ] = None,
    method: Annotated[str | None, typer.Option("--method", help="bdf2 or euler.")] = None,
    throughput: Annotated[str | None, typer.Option(
        "--throughput", "-q", help="Initial throughput, e.g. '45 bcm/yr @ RU'.")] = None,
    month: Annotated[int | None, typer.Option("--month", min=1, max=12)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    no_files: Annotated[bool, typer.Option("--no-files", help="Write nothing.")] = False,
) -> None:
    """Transient run: demand swings, station trips, supply outages; linepack and survival."""
    try:
        ef = load_events(events) if events is not None else EventFile()
        duration = hours * 3600.0 if hours is not None else (ef.duration or 86400.0)
        step: float | str = "auto" if dt == "auto" else (
            parse_quantity(dt, "s", field="--dt") if dt is not None else (ef.dt or 900.0))
        opts = _options(ef, dx, method)
        surv = ef.survival or {}
        stop = {}
        p_lim = parse_quantity(surv["pressure"], "Pa", field="survival.pressure") \
            if "pressure" in surv else None
        if surv.get("stop") and p_lim is not None:
            stop[str(surv.get("node", "delivery"))] = p_lim
        quiet = fmt == "json" or not sys.stderr.isatty()
        with Progress(TextColumn("[bold]transient"), BarColumn(),
                      TextColumn("{task.fields[t]:.1f} / {task.total:.1f} h"),
                      TimeElapsedColumn(), console=err_console, disable=quiet) as bar:
            task = bar.add_task("run", total=duration / 3600.0, t=0.0)

            def progress(t: float, total: float) -> None:
                bar.update(task, completed=t / 3600.0, t=t / 3600.0)

            res = simulate_transient(scenario, duration, step, boundary=ef.boundary,
                                     events=ef.events, options=opts,
                                     throughput=throughput or ef.throughput,
                                     month=month or ef.month, watch=ef.watch,
                                     progress=progress, stop_below=stop or None)
        node = str(surv.get("node", "delivery"))
        survival = survival_time(res, node, p_lim) if (
            node in res.node_names and (p_lim is not None
                                        or res.min_delivery_pressure is not None)) else None
        fig = _figures(res, ef, survival)
        if fmt == "json":
            typer.echo(json.dumps(fig, indent=2, default=str))
        else:
            console.print(_table(fig))
        if not no_files:
            from trunkline.report.transient_figures import write_transient_figures

            folder = out or Path("trunkline-out") / res.name / "transient"
            paths = res.write(folder)
            paths += write_transient_figures(res, folder, title=ef.title)
            if fmt != "json":
                console.print(f"wrote {len(paths)} files to {folder}")
    except TrunklineError as exc:
        _fail(exc)


def register(app: typer.Typer) -> None:
    """Add ``trunkline transient`` to the CLI."""
    app.command("transient")(transient)
