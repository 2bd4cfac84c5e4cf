"""``trunkline serve`` (the web dashboard) and ``trunkline report`` (HTML report of a run)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from trunkline.errors import TrunklineError

console = Console()
err_console = Console(stderr=True)

StoreOpt = Annotated[str, typer.Option(
    "--store", help="Results store file (default: the user's data directory, or "
                    "$TRUNKLINE_STORE).")]


def _fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=2)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def report(
    run_id: Annotated[str, typer.Argument(help="Id of a stored run (trunkline runs list).")],
    store: StoreOpt = "default",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="HTML file to write (default: trunkline-report-RUN_ID.html).")
    ] = None,
) -> None:
    """Write a self-contained HTML report of a stored run (opens offline, no CDN)."""
    from trunkline.store import Store

    try:
        from trunkline.report.html import html_report, write_report

        target = output or Path(f"trunkline-report-{run_id}.html")
        text = html_report(Store(None if store == "default" else store), run_id)
        path = write_report(text, target)
    except TrunklineError as exc:
        _fail(str(exc))
        return
    except RuntimeError as exc:  # plotly missing
        _fail(str(exc))
        return
    console.print(f"wrote {escape(str(path))} ({path.stat().st_size / 1e6:.1f} MB)")


def serve(
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    store: StoreOpt = "default",
    max_jobs: Annotated[int, typer.Option(
        "--max-jobs", min=1, max=16, help="Runs computed at the same time.")] = 2,
) -> None:
    """Start the web dashboard (needs the web extra: pip install 'trunkline\\[web]')."""
    try:
        import uvicorn

        from trunkline.web import create_app
    except ImportError as exc:
        _fail(f"the dashboard needs the web extra ({exc.name} is missing): "
              "pip install 'trunkline[web]'")
        return
    allowed: tuple[str, ...] | None = None
    if _is_loopback(host):
        from trunkline.web.app import LOOPBACK_HOSTS

        allowed = LOOPBACK_HOSTS
    else:
        err_console.print(f"[yellow]warning:[/] serving on {escape(host)}: anyone who can "
                          "reach this address can start runs; the dashboard has no login.")
    try:
        app = create_app(None if store == "default" else store, max_jobs=max_jobs,
                         allowed_hosts=allowed)
    except TrunklineError as exc:
        _fail(str(exc))
        return
    console.print(f"trunkline dashboard on http://{escape(host)}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``trunkline`` command."""
    app.command("serve")(serve)
    app.command("report")(report)
