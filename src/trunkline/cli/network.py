"""CLI commands for gas networks: ``trunkline solve`` and ``trunkline gaslib check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, overload

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from trunkline.cli.common import console
from trunkline.cli.common import fail as _fail
from trunkline.errors import InputError, TrunklineError
from trunkline.gas import Gas
from trunkline.model import Network, NetworkScenario, load_scenario
from trunkline.model.gaslib import (
    GASLIB_FILES,
    apply_nomination,
    gaslib_gas,
    gaslib_path,
    read_gaslib,
)
from trunkline.solve import NetworkResult, solve_steady

gaslib_app = typer.Typer(help="GasLib benchmark networks: nomination validation.",
                         no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="A GasLib .net file or a network TOML scenario "
                                              "(or the name of a built-in one; a GasLib "
                                              "file's bare name, e.g. GasLib-40.net, "
                                              "names the packaged one if there is no such "
                                              "file here).")]
ScnOpt = Annotated[Path | None, typer.Option("--scenario", "-s",
                                            help="GasLib .scn nomination (with a .net).")]
CsOpt = Annotated[Path | None, typer.Option("--cs", help="GasLib .cs compressor stations.")]
FmtOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


@overload
def _gaslib_file(path: Path) -> Path: ...


@overload
def _gaslib_file(path: None) -> None: ...


def _gaslib_file(path: Path | None) -> Path | None:
    """The file given, or — a bare name with no such file here — the packaged GasLib file
    of that name (GasLib-11, 24, 40, 134, 135, 582 and 4197 ship with trunkline)."""
    if path is None or path.exists() or str(path) != path.name or path.name not in GASLIB_FILES:
        return path
    return gaslib_path(path.name)



def _load(file: Path, scenario: Path | None, cs: Path | None) -> tuple[Network, Gas, float, str]:
    """Network, gas, temperature and a title from a GasLib file set or a TOML scenario."""
    if file.suffix == ".net":
        file = _gaslib_file(file)
        data = read_gaslib(file, _gaslib_file(scenario), _gaslib_file(cs))
        net = apply_nomination(data) if data.nomination is not None else data.network
        if not net.pressures:
            net = net.with_slack()
        return net, gaslib_gas(data), 288.15, data.title or file.stem
    if scenario is not None:
        raise InputError("--scenario goes with a GasLib .net file", element="solve",
                         field="--scenario", value=str(scenario),
                         expected="a .net FILE, or a TOML network scenario alone")
    sc = load_scenario(file if file.exists() else str(file))
    if not isinstance(sc, NetworkScenario):
        raise InputError("not a network scenario", element="solve", field="FILE",
                         value=str(file), expected="a file with a [network] table "
                         "(use 'trunkline run' for trunklines)")
    return sc.network, sc.gas, sc.temperature, sc.title


def _summary(res: NetworkResult, title: str) -> dict[str, Any]:
    nodes = res.nodes
    edges = res.edges
    supply = float(nodes["injection"][nodes["injection"] > 0].sum())
    comp = res.compressors
    return {
        "network": title,
        "converged": res.converged,
        "iterations": res.iterations,
        "residual": res.residual,
        "nodes": len(nodes),
        "elements": {str(k): int(v) for k, v in edges["type"].value_counts().items()},
        "supply_kg_s": supply,
        "min_pressure_bar": float(np.nanmin(nodes["pressure"])) / 1e5,
        "max_pressure_bar": float(np.nanmax(nodes["pressure"])) / 1e5,
        "compressor_power_MW": float(comp["shaft_power"].sum()) / 1e6 if len(comp) else 0.0,
        "feasible": res.feasible,
        "violations": list(res.violations),
    }


def solve(
    file: FileArg,
    scenario: ScnOpt = None,
    cs: CsOpt = None,
    fmt: FmtOpt = "table",
    non_isothermal: Annotated[bool, typer.Option(
        "--non-isothermal", help="Add the energy balance (ground heat, Joule-Thomson).")
    ] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the nodes, edges and compressors tables (CSV, Parquet; "
        "SI units in the headers) and summary.json to this folder.")] = None,
) -> None:
    """Steady state of a gas network (GasLib .net + .scn, or a network TOML scenario).

    Active elements keep their modes: a GasLib file gives no set-points, so control
    valves and compressor stations are bypassed (see 'trunkline gaslib check' to search
    settings that meet every bound). Without a pressure-fixed node the entry with the
    largest nominated supply is held at its maximum pressure.
    """
    try:
        net, gas, t, title = _load(file, scenario, cs)
        res = solve_steady(net, gas, temperature=t, isothermal=not non_isothermal)
        if out is not None:
            res.write(out)
    except TrunklineError as exc:
        _fail(exc)
        return
    summary = _summary(res, title)
    if out is not None:
        summary["written"] = str(out)
    if fmt == "json":
        summary["pressures_bar"] = {k: (None if np.isnan(v) else v / 1e5)
                                    for k, v in res.pressure.items()}
        summary["flows_kg_s"] = res.flow
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    t_ = Table(title=f"{escape(title)} — steady state", header_style="bold")
    t_.add_column("quantity")
    t_.add_column("value", justify="right")
    elements = ", ".join(f"{v} {k}" for k, v in summary["elements"].items())
    for k, v in (("nodes / elements", f"{summary['nodes']} / {elements}"),
                 ("Newton iterations", f"{res.iterations} (residual {res.residual:.1e})"),
                 ("supply", f"{summary['supply_kg_s']:.2f} kg/s"),
                 ("pressure range", f"{summary['min_pressure_bar']:.3f} … "
                                    f"{summary['max_pressure_bar']:.3f} bar"),
                 ("compressor power", f"{summary['compressor_power_MW']:.2f} MW"),
                 ("bounds", "all hold" if res.feasible
                  else f"[red]{len(res.violations)} violated[/]")):
        t_.add_row(k, v)
    for v in res.violations[:10]:
        t_.add_row("  violated", f"[red]{escape(v)}[/]")
    if out is not None:
        t_.add_row("tables written to", escape(str(out)))
    console.print(t_)


@gaslib_app.command("check")
def gaslib_check(
    net_file: Annotated[Path, typer.Argument(help="GasLib .net file (a bare name such as "
                                             "GasLib-40.net: the packaged one).")],
    scn_files: Annotated[list[Path], typer.Argument(
        help="GasLib .scn nomination(s); with several, a table of verdicts.")],
    cs: CsOpt = None,
    cdf: Annotated[Path | None, typer.Option(
        "--cdf", help="GasLib .cdf combined decisions (operating rules of the "
        "valves, regulators and stations; GasLib-4197 needs them).")] = None,
    fmt: FmtOpt = "table",
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the decided network (modes, set-points, nominated "
        "flows, gas, temperature) as a network scenario TOML; 'trunkline solve FILE' "
        "re-simulates it. With several nominations: a folder, one <scn name>.toml "
        "each.")] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", help="Worker processes for several nominations.")] = 1,
) -> None:
    """Validate nominations: search active-element settings that meet every bound."""
    from trunkline.optimize import check_nomination

    if len(scn_files) > 1:
        _check_set(net_file, scn_files, cs, cdf, fmt, out_file, jobs)
        return
    scn_file = scn_files[0]
    try:
        data = read_gaslib(_gaslib_file(net_file), _gaslib_file(scn_file), _gaslib_file(cs),
                           cdf_path=_gaslib_file(cdf))
        result = check_nomination(data)
        title = data.title or net_file.stem
        if out_file is not None:
            from trunkline.run import write_decided_network

            write_decided_network(result, out_file, title, scn_file)
    except TrunklineError as exc:
        _fail(exc)
        return
    out: dict[str, Any] = {
        "network": title,
        "feasible": bool(result.feasible),
        "seconds": float(result.seconds),
        "ipopt_iterations": int(result.iterations),
        "solver_status": str(result.solver_status),
        "violated": list(result.violated),
        "binding": list(result.binding),
        "strategy_log": list(result.strategy_log),
    }
    if out_file is not None:
        out["written"] = str(out_file)
    if fmt == "json":
        out["decisions"] = result.decisions.to_dict(orient="records")
        sys.stdout.write(json.dumps(out, indent=2, default=str) + "\n")
        return
    verdict = "[green]FEASIBLE[/]" if result.feasible else "[red]INFEASIBLE[/]"
    console.print(f"{escape(out['network'])}: nomination {verdict} "
                  f"({out['seconds']:.2f} s, {out['ipopt_iterations']} IPOPT iterations, "
                  f"{escape(out['solver_status'])})")
    tab = Table(title="active elements", header_style="bold")
    for col in ("element", "type", "mode", "set-point", "flow kg/s"):
        tab.add_column(col, justify="right")
    dec = result.decisions
    for _, row in dec.iterrows():
        sp = row.get("setpoint")
        tab.add_row(escape(str(row.get("element", ""))), str(row.get("type", "")),
                    str(row.get("mode", "")),
                    "" if sp is None or (isinstance(sp, float) and np.isnan(sp))
                    else f"{float(sp) / 1e5:.3f} bar",
                    f"{float(row.get('flow', float('nan'))):.3f}")
    console.print(tab)
    for v in out["violated"][:10]:
        console.print(f"[red]violated:[/] {escape(v)}")
    for v in out["binding"][:10]:
        console.print(f"[yellow]binding:[/] {escape(v)}")
    if out_file is not None:
        console.print(f"decided network written to {escape(str(out_file))} "
                      f"(re-simulate: trunkline solve {escape(str(out_file))})")
    if not result.feasible:
        # how the search went: the stages tried and what each gave
        for line in out["strategy_log"]:
            console.print(f"[dim]{escape(line)}[/]")
        raise typer.Exit(code=1)


def _check_set(net_file: Path, scn_files: list[Path], cs: Path | None, cdf: Path | None,
               fmt: str, out_dir: Path | None, jobs: int) -> None:
    """``gaslib check`` of several nominations: one row each, exit code 1 unless every
    one is feasible."""
    from trunkline.run import check_nominations, progress_bar

    bar, advance = progress_bar(len(scn_files), "nominations", fmt != "json")
    try:
        with bar:
            table = check_nominations(_gaslib_file(net_file),
                                      [_gaslib_file(s) for s in scn_files],
                                      cs=_gaslib_file(cs), cdf=_gaslib_file(cdf), jobs=jobs,
                                      out_dir=out_dir, progress=advance)
    except TrunklineError as exc:
        _fail(exc)
        return
    n_ok = int(table["feasible"].sum())
    if fmt == "json":
        sys.stdout.write(json.dumps(table.to_dict(orient="records"), indent=2,
                                    default=str) + "\n")
    else:
        tab = Table(title=f"{escape(net_file.stem)}: {n_ok} of {len(table)} nominations "
                          "feasible", header_style="bold")
        tab.add_column("nomination", overflow="fold")
        for col in ("verdict", "s", "IPOPT it", "violated"):
            tab.add_column(col, justify="right")
        tab.add_column("first violation or error", overflow="fold")
        for row in table.itertuples(index=False):
            verdict = ("[green]feasible[/]" if row.feasible else
                       "[red]error[/]" if row.error else "[red]infeasible[/]")
            tab.add_row(escape(Path(str(row.scenario)).name), verdict, f"{row.seconds:.2f}",
                        str(row.ipopt_iterations), str(row.violated),
                        escape(str(row.error or row.first_violation)))
        console.print(tab)
        if out_dir is not None:
            console.print(f"decided networks written to {escape(str(out_dir))}")
    if n_ok < len(table):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the network commands to the main app."""
    app.command("solve")(solve)
    app.add_typer(gaslib_app, name="gaslib")
