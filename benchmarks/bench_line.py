"""Power of Siberia 2 steady studies: wall time of simulate, place_stations, max_throughput.

Run: python benchmarks/bench_line.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import trunkline as tl
from trunkline.solve import MarchOptions


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    t0 = time.perf_counter()
    line = tl.load_scenario("power_of_siberia_2")
    line.gas.surrogate()
    print(f"{'task':52s} {'seconds':>8s}  result")
    print(f"{'load scenario + build gas surrogate':52s} {time.perf_counter() - t0:8.3f}")
    t0 = time.perf_counter()
    first = tl.simulate(line)
    print(f"{'simulate, first call (incl. station placement)':52s} "
          f"{time.perf_counter() - t0:8.3f}  {len(first.station_results)} stations")
    dt, res = timed(lambda: tl.simulate(line))
    print(f"{'simulate 50 bcm/yr delivered (profile <= 10 km)':52s} {dt:8.3f}  "
          f"fuel {100 * res.fuel_share:.2f} %, {len(res.profile)} profile points")
    dt, res = timed(lambda: tl.simulate(line, basis="entry",
                                        options=MarchOptions(max_step=float("inf"))))
    print(f"{'one march at a given entry flow (no step cap)':52s} {dt:8.3f}")
    dt, pl = timed(lambda: tl.place_stations(line, "40 bcm/yr @ RU"), repeat=1)
    print(f"{'place_stations 40 bcm/yr':52s} {dt:8.3f}  {pl.count} stations")
    dt, cap = timed(lambda: tl.max_throughput(line), repeat=1)
    bcm = cap.throughput.value * 365 * 86400 / 1e9
    print(f"{'max_throughput (stations fixed)':52s} {dt:8.3f}  {bcm:.2f} bcm/yr delivered")


if __name__ == "__main__":
    main()
