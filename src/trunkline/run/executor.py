"""Executing ensembles in chunks: in this process (default) or on a Dask cluster.

A chunk task ``task(start, stop)`` is pure: its outcome depends on its arguments
only (each scenario draws from its own seeded stream), so Dask may run it on any
worker, and run it again when a worker dies mid-run (Dask reschedules the lost
tasks; ``retries`` covers tasks that raise). The assembled ensemble is checked to
hold every scenario exactly once (:func:`trunkline.plan.montecarlo.assemble`).

``scheduler`` is an address such as ``"tcp://10.0.0.5:8786"`` (a client is opened
and closed around the run) or a ``distributed.Client``. Dask is the
``[distributed]`` extra: ``pip install "trunkline[distributed]"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from trunkline.errors import InputError
from trunkline.plan.montecarlo import (
    DEFAULT_CHUNK,
    ChunkExecutor,
    ChunkTask,
    MonteCarloResult,
    Outcomes,
)
from trunkline.plan.montecarlo import (
    monte_carlo as _plan_monte_carlo,
)
from trunkline.plan.scenario import PlanInputs

__all__ = ["dask_executor", "monte_carlo", "progress_bar"]

#: Times Dask retries a chunk whose task raised (a lost worker is rescheduled anyway).
RETRIES = 3


def dask_executor(scheduler: Any, retries: int = RETRIES) -> ChunkExecutor:
    """An executor that submits each chunk to a Dask cluster and yields chunks as they
    finish. ``scheduler``: an address ``tcp://HOST:PORT`` or a ``distributed.Client``."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("Dask is not installed", element="run", field="scheduler",
                         value=str(scheduler),
                         expected='pip install "trunkline[distributed]"') from None

    def run(task: ChunkTask, chunks: Sequence[tuple[int, int]]) -> Iterator[Outcomes]:
        own = not isinstance(scheduler, Client)
        client = Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]
        try:
            token = uuid.uuid4().hex[:12]
            futures = [client.submit(task, a, b, key=f"trunkline-chunk-{token}-{a:09d}",
                                     pure=False, retries=retries) for a, b in chunks]
            for fut in as_completed(futures):  # type: ignore[no-untyped-call]
                part: Outcomes = fut.result()
                fut.release()
                yield part
        finally:
            if own:
                client.close()

    return run


def progress_bar(total: int, description: str = "scenarios",
                 enabled: bool = True) -> tuple[AbstractContextManager[Any],
                                                Callable[[int], None] | None]:
    """A Rich progress bar (context manager, advance callback) over ``total`` scenarios."""
    if not enabled:
        return nullcontext(), None
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
    task_id = bar.add_task(description, total=total)

    def advance(k: int) -> None:
        bar.advance(task_id, k)

    return bar, advance


def monte_carlo(scenario: PlanInputs | str | Path = "power_of_siberia_2", n: int = 1000,
                seed: int = 0, *, chunk_size: int = DEFAULT_CHUNK, scheduler: Any = None,
                progress: bool = False, **kwargs: Any) -> MonteCarloResult:
    """:func:`trunkline.plan.montecarlo.monte_carlo` on a chosen engine.

    Args:
        scheduler: None (in this process), a Dask address ``tcp://HOST:PORT`` or a
            ``distributed.Client``. The result does not depend on it.
        progress: show a Rich progress bar.
        kwargs: ``curve``, ``surface``, ``uncertainty`` (see the plan function).
    """
    executor = None if scheduler is None else dask_executor(scheduler)
    bar, advance = progress_bar(n, "Monte Carlo", progress)
    with bar:
        return _plan_monte_carlo(scenario, n, seed, chunk_size=chunk_size, executor=executor,
                                 progress=advance, **kwargs)
