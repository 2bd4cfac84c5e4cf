"""Validating a set of nominations of one network: in this process, in local worker
processes, or on a Dask cluster.

GasLib publishes its nominations as sets of ``.scn`` files per network (thousands for
the larger instances), and a nomination check is independent of every other: the set
is validated one file per task, in any order and on any worker, and the table comes
back in the order of the files. A file that cannot be read gives a row with its error
instead of stopping the run (the other files' verdicts are kept).

    import trunkline as tl
    table = tl.check_nominations("GasLib-582-v2.net", sorted(Path("scn").glob("*.scn")),
                                 jobs=2)
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final

import pandas as pd

from trunkline.errors import InputError, TrunklineError
from trunkline.model.gaslib import GasLibData, read_gaslib, read_gaslib_scenario
from trunkline.model.network_file import write_network_scenario
from trunkline.optimize import NominationResult, check_nomination

__all__ = ["NOMINATION_COLUMNS", "check_nominations", "write_decided_network"]

#: The columns of :func:`check_nominations`' table, in order.
NOMINATION_COLUMNS: Final = ("scenario", "feasible", "seconds", "ipopt_iterations",
                             "solver_status", "violated", "first_violation", "binding",
                             "error", "written")


@dataclass(frozen=True)
class _Job:
    """One nomination file to check (plain strings: sent to other processes as they are)."""

    net: str
    scenario: str
    cs: str | None
    cdf: str | None
    out: str | None


def _stamp(job: _Job) -> tuple[tuple[int, int], ...]:
    """Size and modification time of the network's files (a changed file is read again)."""
    out = []
    for f in (job.net, job.cs, job.cdf):
        if f is not None:
            try:
                st = os.stat(f)
            except OSError:  # read_gaslib reports the missing file
                continue
            out.append((st.st_size, st.st_mtime_ns))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _network(net: str, cs: str | None, cdf: str | None, stamp: tuple[tuple[int, int], ...]
             ) -> GasLibData:
    """The network's files, read once per process for the whole set (``stamp``: see
    :func:`_stamp`); each nomination is applied to a copy (:func:`read_gaslib_scenario`).
    GasLib-582's .net, .cs and .cdf take ~0.1 s to read, a tenth of a check."""
    return read_gaslib(net, None, cs, cdf_path=cdf)


def write_decided_network(result: NominationResult, path: str | Path, title: str,
                          scenario: str | Path) -> Path:
    """Write a check's decided network as a network scenario file named after its
    nomination file ``scenario`` (its title says the verdict); returns the path."""
    verdict = "feasible" if result.feasible else "NOT feasible"
    return write_network_scenario(result.scenario(
        Path(scenario).stem, f"{title}: settings decided for {Path(scenario).name} "
        f"({verdict})"), path)


def _check_file(job: _Job) -> dict[str, Any]:
    """Read and check one nomination; its table row. An input error becomes the row's
    ``error`` (the run goes on); anything else is a fault and is raised."""
    row: dict[str, Any] = dict.fromkeys(NOMINATION_COLUMNS, "")
    row.update(scenario=job.scenario, feasible=False, seconds=math.nan, ipopt_iterations=0,
               violated=0, binding=0)
    t0 = time.perf_counter()
    try:
        data = read_gaslib_scenario(_network(job.net, job.cs, job.cdf, _stamp(job)),
                                    job.scenario)
        res = check_nomination(data)
        if job.out is not None:
            write_decided_network(res, job.out, data.title or Path(job.net).stem,
                                  job.scenario)
            row["written"] = job.out
    except TrunklineError as exc:
        row.update(error=str(exc), seconds=time.perf_counter() - t0)
        return row
    row.update(feasible=bool(res.feasible), seconds=float(res.seconds),
               ipopt_iterations=int(res.iterations), solver_status=str(res.solver_status),
               violated=len(res.violated), first_violation=res.violated[0] if res.violated
               else "", binding=len(res.binding))
    return row


def _in_process(jobs: Sequence[_Job]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, job in enumerate(jobs):
        yield i, _check_file(job)


def _local_processes(jobs: Sequence[_Job], workers: int
                     ) -> Iterator[tuple[int, dict[str, Any]]]:
    # spawned, not forked: the parent may hold BLAS, numba and IPOPT threads, which a
    # forked child would inherit in an undefined state
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_check_file, job): i for i, job in enumerate(jobs)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def _dask(jobs: Sequence[_Job], scheduler: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("Dask is not installed", element="check_nominations",
                         field="scheduler", value=str(scheduler),
                         expected='pip install "trunkline[distributed]"') from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]
    try:
        futures = {client.submit(_check_file, job, pure=False): i for i, job in enumerate(jobs)}
        for fut in dask_completed(list(futures)):  # type: ignore[no-untyped-call]
            yield futures[fut], fut.result()
    finally:
        if own:
            client.close()


def check_nominations(net: str | Path, scenarios: Sequence[str | Path], *,
                      cs: str | Path | None = None, cdf: str | Path | None = None,
                      jobs: int = 1, scheduler: Any = None,
                      out_dir: str | Path | None = None,
                      progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Check every nomination of a set (GasLib ``.scn`` files of one ``.net``).

    Args:
        net: the GasLib ``.net`` file.
        scenarios: the ``.scn`` files, one nomination each.
        cs, cdf: the network's ``.cs`` and ``.cdf`` files (``cdf``: its combined
            decisions, honoured by every check).
        jobs: worker processes on this machine (1: in this process). Each check is
            :func:`trunkline.check_nomination` on one file; the verdicts do not depend
            on ``jobs``. The workers are spawned (a fresh interpreter each), so a script
            that asks for more than one runs its own code under
            ``if __name__ == "__main__":``, as with any spawned process pool.
        scheduler: a Dask address ``tcp://HOST:PORT`` or a ``distributed.Client`` to
            run the checks on a cluster instead (``jobs`` is then unused).
        out_dir: write each decided network as ``<out_dir>/<scenario stem>.toml``
            (see ``trunkline gaslib check --out``).
        progress: called with 1 after each finished check.

    Returns:
        One row per file, in the order given (:data:`NOMINATION_COLUMNS`): verdict,
        seconds and IPOPT iterations of the check, IPOPT's last status, the counts of
        violated and binding bounds with the first violation in words, the error of
        a file that could not be read or checked (then ``feasible`` is False), and
        the file written.

    Raises:
        InputError: no scenario, ``jobs`` < 1, or two scenario files with the same stem
            while ``out_dir`` is given (their outputs would overwrite each other).
    """
    if not scenarios:
        raise InputError("no nomination to check", element="check_nominations",
                         field="scenarios", expected="one or more .scn files")
    if jobs < 1:
        raise InputError("at least one job", element="check_nominations", field="jobs",
                         value=jobs, expected="an integer >= 1")
    outs: list[str | None] = [None] * len(scenarios)
    if out_dir is not None:
        stems = [Path(s).stem for s in scenarios]
        twice = sorted({s for s in stems if stems.count(s) > 1})
        if twice:
            raise InputError("two nominations would be written to the same file",
                             element="check_nominations", field="out_dir", value=twice[0],
                             expected="scenario files with distinct names")
        outs = [str(Path(out_dir) / f"{s}.toml") for s in stems]
    plan = [_Job(str(net), str(s), None if cs is None else str(cs),
                 None if cdf is None else str(cdf), o) for s, o in zip(scenarios, outs,
                                                                       strict=True)]
    if scheduler is not None:
        runs = _dask(plan, scheduler)
    elif jobs > 1 and len(plan) > 1:
        runs = _local_processes(plan, min(jobs, len(plan)))
    else:
        runs = _in_process(plan)
    rows: dict[int, dict[str, Any]] = {}
    for i, row in runs:
        rows[i] = row
        if progress is not None:
            progress(1)
    return pd.DataFrame([rows[i] for i in range(len(plan))], columns=list(NOMINATION_COLUMNS))
