"""Dask execution on a real LocalCluster: same result as in-process, survives a killed
worker with every scenario exactly once."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import numpy as np
import pytest
from distributed import Client, LocalCluster
from distributed.comm.core import CommClosedError

from trunkline.plan import load_plan, table_curve
from trunkline.plan.montecarlo import assemble, chunk_bounds, monte_carlo
from trunkline.plan.surface import uniform_surface
from trunkline.run import dask_executor
from trunkline.run import monte_carlo as run_monte_carlo

SURF = uniform_surface(36, 3, (0.97, 0.90, 0.80))


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    inp = load_plan("power_of_siberia_2")
    curve = table_curve([1750.0, 1690.0, 1650.0, 1720.0], inp.contract.reference,
                        months=(1, 4, 7, 10), fuel_points=[(400.0, 8.0), (1600.0, 60.0)])
    return inp, curve


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def test_assemble_checks_exactly_once() -> None:
    part = {"scenario": np.array([0, 1]), "x": np.array([1.0, 2.0])}
    with pytest.raises(Exception, match="exactly once"):
        assemble([part, part], 2)
    with pytest.raises(Exception, match="exactly once"):
        assemble([part], 3)
    assert chunk_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]


def test_dask_equals_in_process(setup, client) -> None:  # type: ignore[no-untyped-def]
    inp, curve = setup
    local = monte_carlo(inp, n=60, seed=3, curve=curve, surface=SURF, chunk_size=60)
    dist = run_monte_carlo(inp, n=60, seed=3, curve=curve, surface=SURF, chunk_size=8,
                           scheduler=client)
    assert dist.outcomes.equals(local.outcomes)
    addr = client.scheduler.address
    by_addr = run_monte_carlo(inp, n=20, seed=3, curve=curve, surface=SURF, chunk_size=5,
                              scheduler=addr)
    assert by_addr.outcomes.equals(local.outcomes.iloc[:20].reset_index(drop=True))


def test_killed_worker_still_gives_complete_ensemble(setup, client) -> None:  # type: ignore[no-untyped-def]
    inp, curve = setup
    n = 120
    local = monte_carlo(inp, n=n, seed=9, curve=curve, surface=SURF, chunk_size=n)
    workers = list(client.scheduler_info()["workers"])
    assert len(workers) == 2
    victim = workers[0]
    done: list[int] = []

    def kill_when_running() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = client.processing(workers=[victim]).get(victim, ())
            if busy and done:
                # the worker exits mid-call: its connection closing is the call's only
                # answer (expected; anything else is raised)
                with contextlib.suppress(CommClosedError):
                    client.run(os._exit, 1, workers=[victim])
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_running, daemon=True)
    killer.start()
    res = run_monte_carlo(inp, n=n, seed=9, curve=curve, surface=SURF, chunk_size=6,
                          scheduler=dask_executor_client(client, done))
    killer.join(timeout=5)
    assert len(done) > 0
    assert list(res.outcomes["scenario"]) == list(range(n))
    assert res.outcomes.equals(local.outcomes)
    client.wait_for_workers(1, timeout=30)


def dask_executor_client(client: Client, done: list[int]) -> Client:
    """The client, noting chunks completed (so the kill happens mid-run)."""
    original = client.submit

    def submit(*args, **kwargs):  # type: ignore[no-untyped-def]
        fut = original(*args, **kwargs)
        fut.add_done_callback(lambda f: done.append(1))
        return fut

    client.submit = submit  # type: ignore[method-assign]
    return client


_ = dask_executor
