"""Nomination validation on GasLib-40, 134 and 582: median seconds per check.

Run: python benchmarks/bench_nomination.py [--repeat 5] [--scales 0.5,0.7,0.85,1.15,1.3]
     python benchmarks/bench_nomination.py --set 8 [--jobs 1,2]
Each instance is read once; check_nomination (relaxed NLP with casadi + IPOPT,
rounding, fixed-mode NLP, verifying steady simulation) is timed ``--repeat`` times
after one warm-up call (which builds the gas surrogate). Target: <= 1 s on GasLib-582.

``--scales``: a robustness sweep instead of the timing: every shipped GasLib instance's
nomination with all its flows scaled by each factor (balanced still), checked once; the
verdict (F feasible, I infeasible), IPOPT iterations and seconds of each. The scaled
nominations are not published cases: a verdict is the heuristic's, and a change of the
search shows here as a changed verdict.

``--set N``: a set of N nominations of GasLib-582 (its nomination with every flow
scaled by factors spread over 0.85–1.15, written as .scn files) checked by
``trunkline.check_nominations`` with each number of worker processes of ``--jobs``:
wall seconds for the set, nominations per minute, and whether the verdicts and IPOPT
iterations are those of one process (they must be: each check is independent). The
wall time includes starting the workers (each imports trunkline and builds its gas
surrogate once).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from trunkline.model.gaslib import gaslib_path, load_gaslib, write_gaslib
from trunkline.optimize import check_nomination
from trunkline.run import check_nominations

INSTANCES = ("GasLib-40", "GasLib-134-v2", "GasLib-582-v2")
SWEEP = ("GasLib-11", "GasLib-24", "GasLib-40", "GasLib-134-v2", "GasLib-135",
         "GasLib-582-v2")


def timing(repeat: int) -> None:
    print(f"{'instance':<16s} {'nodes':>6s} {'edges':>6s} {'feasible':>9s} {'IPOPT it':>9s} "
          f"{'median s':>9s} {'min s':>7s}")
    for name in INSTANCES:
        data = load_gaslib(name)
        res = check_nomination(data)  # warm-up: gas surrogate
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = check_nomination(data)
            times.append(time.perf_counter() - t0)
        net = data.network
        print(f"{name:<16s} {len(net.nodes):6d} {len(net.edges):6d} {res.feasible!s:>9s} "
              f"{res.iterations:9d} {statistics.median(times):9.3f} {min(times):7.3f}")


def _scaled(nomination: dict[str, tuple[float, float]], f: float
            ) -> dict[str, tuple[float, float]]:
    """Every nominated flow (lower, upper) times ``f`` (equal bounds: a fixed flow)."""
    return {node: (lo * f, hi * f) for node, (lo, hi) in nomination.items()}


def sweep(scales: list[float]) -> None:
    print(f"{'instance':<16s} " + " ".join(f"{'x' + format(f, 'g'):>16s}" for f in scales))
    for name in SWEEP:
        data = load_gaslib(name)
        assert data.nomination is not None
        cells = []
        for f in scales:
            t0 = time.perf_counter()
            res = check_nomination(data, _scaled(data.nomination, f))
            seconds = time.perf_counter() - t0
            cell = f"{'F' if res.feasible else 'I'} {res.iterations} {seconds:.2f}s"
            cells.append(f"{cell:>16s}")
        print(f"{name:<16s} " + " ".join(cells))


def nomination_set(n: int, jobs: list[int]) -> None:
    name = "GasLib-582-v2"
    data = load_gaslib(name)
    assert data.nomination is not None
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k in range(n):
            f = 0.85 + 0.3 * k / max(n - 1, 1)
            path = Path(tmp) / f"{name}_{k:03d}.scn"
            write_gaslib(replace(data, nomination=_scaled(data.nomination, f)),
                         Path(tmp) / "copy.net", path)
            files.append(path)
        print(f"{name}: a set of {n} nominations (flows x0.85 ... x1.15)")
        print(f"{'jobs':>4s} {'wall s':>8s} {'per min':>8s} {'feasible':>9s} {'same':>5s}")
        first = None
        for j in jobs:
            t0 = time.perf_counter()
            table = check_nominations(gaslib_path(f"{name}.net"), files, jobs=j)
            wall = time.perf_counter() - t0
            verdicts = list(zip(table["feasible"], table["ipopt_iterations"], strict=True))
            first = first or verdicts
            print(f"{j:4d} {wall:8.2f} {60 * n / wall:8.1f} "
                  f"{int(table['feasible'].sum()):4d} / {n:<3d} {verdicts == first!s:>5s}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scales", type=str, default="",
                    help="comma-separated factors of a robustness sweep, e.g. 0.7,1.15")
    ap.add_argument("--set", type=int, default=0,
                    help="check a set of this many GasLib-582 nominations")
    ap.add_argument("--jobs", type=str, default="1,2",
                    help="comma-separated worker counts for --set")
    args = ap.parse_args()
    if args.set:
        nomination_set(args.set, [int(v) for v in args.jobs.split(",")])
    elif args.scales:
        sweep([float(v) for v in args.scales.split(",")])
    else:
        timing(args.repeat)


if __name__ == "__main__":
    main()
