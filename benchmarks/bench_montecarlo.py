"""Monte Carlo at scale: 10,000 scenarios × 30 years daily, 1 vs 2 Dask workers, and
results-store write/read throughput. A plain script that prints a table.

    python benchmarks/bench_montecarlo.py            # full: 10,000 scenarios
    python benchmarks/bench_montecarlo.py --n 2000   # quicker

The capacity curve and surface are synthetic here (the hydraulics are benchmarked in
bench_line.py); everything else is the PoS2 plan with the default uncertainties.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from trunkline.plan import load_plan, table_curve
from trunkline.plan.montecarlo import monte_carlo
from trunkline.plan.surface import uniform_surface
from trunkline.run import monte_carlo as run_monte_carlo
from trunkline.store import Store, save_result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=250)
    args = ap.parse_args()
    inp = load_plan("power_of_siberia_2")
    curve = table_curve([1750.0, 1690.0, 1650.0, 1720.0], inp.contract.reference,
                        months=(1, 4, 7, 10), fuel_points=[(400.0, 8.0), (1600.0, 60.0)])
    surf = uniform_surface(36, 3, (0.97, 0.90, 0.80))
    kw = {"curve": curve, "surface": surf, "chunk_size": args.chunk}
    rows: list[tuple[str, float, str]] = []

    t = time.perf_counter()
    local = monte_carlo(inp, n=args.n, seed=1, **kw)  # type: ignore[arg-type]
    rows.append(("in-process, 1 core", time.perf_counter() - t, f"{args.n} scenarios"))

    times = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            # warm-up: every worker imports trunkline and builds the calendars of each
            # first-gas delay once (a process-level cache), as a long-lived cluster has
            run_monte_carlo(inp, n=2 * workers * args.chunk, seed=0, scheduler=client, **kw)
            t = time.perf_counter()
            res = run_monte_carlo(inp, n=args.n, seed=1, scheduler=client, **kw)
            times[workers] = time.perf_counter() - t
            assert res.outcomes.equals(local.outcomes)
            rows.append((f"Dask LocalCluster, {workers} worker(s)", times[workers],
                         "identical to in-process"))
    rows.append(("speed-up 2 vs 1 worker", times[1] / times[2], "ratio (target >= 1.8)"))

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "runs.duckdb")
        t = time.perf_counter()
        rid = save_result(store, local, local.scenario, {"n": args.n})
        w = time.perf_counter() - t
        t = time.perf_counter()
        back = store.table(rid, "scenarios")
        r = time.perf_counter() - t
        rows.append(("store write (percentiles + scenarios)", w,
                     f"{args.n / w:,.0f} scenario rows/s"))
        rows.append(("store read (scenarios)", r, f"{len(back) / r:,.0f} rows/s"))

    print(f"{'case':42s} {'seconds / ratio':>16s}  note")
    for name, v, note in rows:
        print(f"{name:42s} {v:16.2f}  {note}")


if __name__ == "__main__":
    main()
