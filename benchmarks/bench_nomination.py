"""Nomination validation on GasLib-40, 134 and 582: median seconds per check.

Run: python benchmarks/bench_nomination.py [--repeat 5]
Each instance is read once; check_nomination (relaxed NLP with casadi + IPOPT,
rounding, fixed-mode NLP, verifying steady simulation) is timed ``--repeat`` times
after one warm-up call (which builds the gas surrogate). Target: <= 1 s on GasLib-582.
"""

from __future__ import annotations

import argparse
import statistics
import time

from trunkline.model.gaslib import load_gaslib
from trunkline.optimize import check_nomination

INSTANCES = ("GasLib-40", "GasLib-134-v2", "GasLib-582-v2")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'instance':<16s} {'nodes':>6s} {'edges':>6s} {'feasible':>9s} {'IPOPT it':>9s} "
          f"{'median s':>9s} {'min s':>7s}")
    for name in INSTANCES:
        data = load_gaslib(name)
        res = check_nomination(data)  # warm-up: gas surrogate
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = check_nomination(data)
            times.append(time.perf_counter() - t0)
        net = data.network
        print(f"{name:<16s} {len(net.nodes):6d} {len(net.edges):6d} {res.feasible!s:>9s} "
              f"{res.iterations:9d} {statistics.median(times):9.3f} {min(times):7.3f}")


if __name__ == "__main__":
    main()
