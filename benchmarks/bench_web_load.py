"""Bounded load test of the dashboard API on loopback.

Starts the dashboard (uvicorn, 127.0.0.1, a free port, a temporary results store with
a few synthetic runs), then sends ``--requests`` requests (default 200) all at once with
httpx/asyncio, spread over the read endpoints of the JSON API, and prints the error
count and the latency percentiles. Bounded: a fixed number of requests, each with a
timeout, and a whole-test deadline; loopback only (``--url`` must be a loopback URL).

    python benchmarks/bench_web_load.py                 # 200 concurrent requests
    python benchmarks/bench_web_load.py --requests 500 --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pandas as pd

MAX_REQUESTS = 5000
DEADLINE_S = 120.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(store_path: Path, runs: int = 3) -> list[str]:
    from trunkline.model import load_line
    from trunkline.report.html import route_table
    from trunkline.store import Store

    store = Store(store_path)
    line = load_line("power_of_siberia_2")
    ids = []
    for i in range(runs):
        km = np.linspace(0, line.length, 400)
        tables = {"profile": pd.DataFrame({"chainage": km, "pressure": 9e6 - km,
                                           "temperature": np.full(400, 285.0)}),
                  "route": route_table(line)}
        ids.append(store.save("line", line.name, {"throughput": f"{40 + i} bcm/yr @ RU"},
                              tables, {"stations": 29, "feasible": True}))
    return ids


@contextmanager
def _server(store_path: Path) -> Iterator[str]:
    import uvicorn

    from trunkline.web import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store_path), host="127.0.0.1", port=port,
                                        log_level="warning", backlog=1024))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


async def _load(base: str, paths: list[str], n: int) -> tuple[list[float], list[str]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    latencies: list[float] = []
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        start = asyncio.Event()

        async def one(i: int) -> None:
            await start.wait()
            t0 = time.perf_counter()
            try:
                r = await client.get(paths[i % len(paths)])
                if r.status_code != 200:
                    errors.append(f"{paths[i % len(paths)]}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{paths[i % len(paths)]}: {type(exc).__name__}")
            latencies.append(time.perf_counter() - t0)

        tasks = [asyncio.create_task(one(i)) for i in range(n)]
        await asyncio.sleep(0)
        start.set()
        await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE_S)
    return latencies, errors


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--url", help="a running dashboard on loopback (default: start one)")
    args = ap.parse_args(argv)
    n = min(max(args.requests, 1), MAX_REQUESTS)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "runs.duckdb"
        ids = _seed(store)
        if args.url:
            host = urlsplit(args.url).hostname or ""
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                ap.error("--url must be a loopback address")
            base = args.url.rstrip("/")
            ids_remote = httpx.get(base + "/api/runs", timeout=10).json()
            ids = [r["id"] for r in ids_remote][:3] or ids
            paths = ["/api/scenarios", "/api/runs", "/api/health",
                     *[f"/api/runs/{i}" for i in ids]]
            t0 = time.perf_counter()
            lat, errors = asyncio.run(_load(base, paths, n))
            wall = time.perf_counter() - t0
        else:
            with _server(store) as base:
                paths = ["/api/scenarios", "/api/runs", "/api/health",
                         *[f"/api/runs/{i}" for i in ids],
                         f"/api/compare?ids={ids[0]}&ids={ids[1]}"]
                t0 = time.perf_counter()
                lat, errors = asyncio.run(_load(base, paths, n))
                wall = time.perf_counter() - t0
    print(f"{n} concurrent GET requests over {len(paths)} API endpoints on loopback")
    print(f"errors: {len(errors)}  wall time: {wall:.2f} s  throughput: {n / wall:.0f} req/s")
    print("| p50 ms | p90 ms | p95 ms | p99 ms | max ms | mean ms |")
    print("|---|---|---|---|---|---|")
    print(f"| {_pct(lat, 50):.0f} | {_pct(lat, 90):.0f} | {_pct(lat, 95):.0f} | "
          f"{_pct(lat, 99):.0f} | {max(lat) * 1e3:.0f} | {statistics.mean(lat) * 1e3:.0f} |")
    for e in errors[:10]:
        print("  error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
