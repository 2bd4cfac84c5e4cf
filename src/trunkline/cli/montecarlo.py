"""``trunkline montecarlo``: a Monte Carlo ensemble of a plan, in-process or on Dask."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trunkline.errors import TrunklineError

console = Console()
err_console = Console(stderr=True)

_SCALE = {"delivered": (1e-9, "bcm"), "nominated": (1e-9, "bcm"), "shortfall": (1e-9, "bcm"),
          "shortfall_penalised": (1e-9, "bcm"), "deficiency": (1e-9, "bcm"),
          "fuel": (1e-9, "bcm"), "top_payments": (1e-6, "mn USD"),
          "penalty": (1e-6, "mn USD"), "npv": (1e-9, "bn USD"),
          "mean_price": (1e3, "USD/1000 m3")}


def montecarlo(
    scenario: Annotated[str, typer.Argument(
        help="Built-in plan (power_of_siberia_2, alias pos2) or a plan TOML file.")
    ] = "power_of_siberia_2",
    n: Annotated[int, typer.Option("-n", "--scenarios", min=1, help="Scenarios.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Ensemble seed.")] = 0,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Dask scheduler address tcp://HOST:PORT (default: in-process).")
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1,
                                            help="Scenarios per chunk.")] = 250,
    store: Annotated[str | None, typer.Option(
        "--store", help="Save the run in this results store ('default': the user's).")
    ] = None,
    no_scenarios: Annotated[bool, typer.Option(
        "--no-scenarios", help="Store only the percentiles, not per-scenario outcomes.")
    ] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write percentiles.csv and scenarios.parquet here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")
                       ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")
                           ] = False,
) -> None:
    """Reliability, price, demand and delay uncertainty: P90/P50/P10 of a plan's outcomes."""
    from trunkline.run import monte_carlo

    try:
        if not no_progress and not as_json:
            console.print("[dim]capacity curve and surface from the hydraulics "
                          "(cached per process)...[/]")
        result = monte_carlo(scenario, n, seed, chunk_size=chunk_size, scheduler=scheduler,
                             progress=not (no_progress or as_json))
        result = result.with_store_scenarios(not no_scenarios)
        run_id = None
        if store is not None:
            from trunkline.store import Store, save_result

            run_id = save_result(Store(store), result, result.scenario,
                                 {"scenario": scenario, "n": n, "seed": seed,
                                  "chunk_size": chunk_size})
    except TrunklineError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    pct = result.percentiles
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        pct.to_csv(out / "percentiles.csv", index=False)
        result.outcomes.to_parquet(out / "scenarios.parquet", index=False)
    if as_json:
        data = result.store_summary()
        data["run_id"] = run_id
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    table = Table(title=f"{result.scenario}: {n} scenarios, seed {seed} "
                        "(P90 exceeded with 90 % probability)")
    for col in ("outcome", "unit", "P90", "P50", "P10", "mean ± se"):
        table.add_column(col, justify="left" if col in ("outcome", "unit") else "right")
    for _, row in pct.iterrows():
        k, unit = _SCALE.get(str(row["metric"]), (1.0, str(row["unit"])))
        table.add_row(str(row["metric"]), unit, f"{row['p90'] * k:,.4g}",
                      f"{row['p50'] * k:,.4g}", f"{row['p10'] * k:,.4g}",
                      f"{row['mean'] * k:,.4g} ± {row['se_mean'] * k:.2g}")
    console.print(table)
    if run_id is not None:
        console.print(f"[dim]stored as run {run_id}[/]")


def register(app: typer.Typer) -> None:
    """Add ``trunkline montecarlo`` to the app."""
    app.command("montecarlo")(montecarlo)
