"""What every CLI command shares: the consoles and how an error is reported."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from trunkline.errors import TrunklineError

__all__ = ["console", "err_console", "fail"]

console = Console()
err_console = Console(stderr=True)


def fail(exc: TrunklineError | str) -> NoReturn:
    """Print an error on stderr and leave with exit code 2.

    The message is printed as it is: escaped (it may contain "[...]", which rich would
    take for markup) and not wrapped (a path or value must stay whole).
    """
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(code=2)
