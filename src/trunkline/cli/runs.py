"""``trunkline runs``: list, show, compare, export and delete stored runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from trunkline.cli.common import console
from trunkline.cli.common import fail as _fail
from trunkline.errors import TrunklineError
from trunkline.store import DEFAULT_STORE, Store

runs_app = typer.Typer(help="The results store: runs saved with --store.", no_args_is_help=True)
StoreOpt = Annotated[str, typer.Option("--store", help="Store file (default: the user's data "
                                                      "directory, or $TRUNKLINE_STORE).")]


def _store(path: str) -> Store:
    return Store(None if path == DEFAULT_STORE else path)



@runs_app.command("list")
def list_runs(store: StoreOpt = DEFAULT_STORE,
              kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None) -> None:
    """List stored runs, newest first."""
    try:
        df = _store(store).list(kind)
    except TrunklineError as exc:
        _fail(exc)
        return
    t = Table(title=f"runs ({len(df)})", header_style="bold")
    for col in ("id", "kind", "scenario", "status", "created"):
        t.add_column(col)
    for _, r in df.iterrows():
        t.add_row(str(r["id"]), str(r["kind"]), escape(str(r["scenario"])), str(r["status"]),
                  str(r["created"])[:19])
    console.print(t)


@runs_app.command("show")
def show(run_id: str, store: StoreOpt = DEFAULT_STORE) -> None:
    """A run's record (inputs, summary, versions, tables) as JSON."""
    try:
        rec = _store(store).show(run_id)
    except TrunklineError as exc:
        _fail(exc)
        return
    sys.stdout.write(json.dumps(rec, indent=2, default=str) + "\n")


@runs_app.command("compare")
def compare(run_ids: list[str], store: StoreOpt = DEFAULT_STORE) -> None:
    """Summaries of several runs side by side."""
    try:
        df = _store(store).compare(run_ids)
    except TrunklineError as exc:
        _fail(exc)
        return
    t = Table(header_style="bold")
    t.add_column("quantity")
    for rid in df.columns:
        t.add_column(str(rid), justify="right")
    for key, row in df.iterrows():
        t.add_row(str(key), *[escape(str(v))[:40] for v in row])
    console.print(t)


@runs_app.command("export")
def export(run_id: str, folder: Path, store: StoreOpt = DEFAULT_STORE,
           fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
           ) -> None:
    """Write a run's tables and record to a folder."""
    try:
        paths = _store(store).export(run_id, folder, fmt)
    except TrunklineError as exc:
        _fail(exc)
        return
    console.print(f"wrote {len(paths)} files to {escape(str(folder))}")


@runs_app.command("delete")
def delete(run_id: str, store: StoreOpt = DEFAULT_STORE) -> None:
    """Delete a run and its tables."""
    try:
        _store(store).delete(run_id)
    except TrunklineError as exc:
        _fail(exc)
        return
    console.print(f"deleted {run_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
