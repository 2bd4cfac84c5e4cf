"""Steady solve with fixed controls: trunkline vs pandapipes on GasLib-582 and GasLib-4197.

Run (needs the peers extra: pip install -e ".[peers]"; numba comes with it, so
trunkline's compiled kernels of the fast extra are in use unless --trunkline-numpy):
    python benchmarks/bench_vs_pandapipes.py [--repeat 5] [--heights] [--no-numba]
        [--trunkline-numpy]

Both tools get the same network and physics, built by tests/peers/_pandapipes_build.py
(its docstring says what is equivalent): every GasLib node kept; compressor stations
in bypass, control valves and valves open, short pipes and resistors lossless — each
such element a 1 m long, 1 m wide pipe in both tools (pandapipes cannot solve loops of
lossless valves: its Jacobian is singular there); one slack at its p_max, the
nominated flows elsewhere; isothermal 288.15 K, pandapipes' linear H-gas Z, constant
viscosity, Colebrook with the 3.71 divisor; heights levelled unless --heights (then
each tool's own elevation term: pandapipes' linear ρ̄·g·Δh, trunkline's exponential).

Each solve is timed whole (pandapipes' pipeflow with its set-up and its res_junction /
res_pipe tables; trunkline's solve_steady with its set-up, then reading its node and
edge tables — ``result.nodes`` and ``result.edges``, the pandas frames of pressures and
flows that a user reads), best of --repeat after one warm-up
(numba compiles its kernels and trunkline's on first use). trunkline keeps the compiled
array form of the networks it solved recently and reuses it while a network's nodes
and elements are unchanged (new demands or supply pressures only update its values),
so it is timed twice: "first" solves a fresh copy of the network each time (everything
compiled afresh), "repeat" solves the same network object again with every nominated
flow changed (scaled by 1 + 1e-4·i in the i-th solve: a sweep of demands). The
table gives both times, the ratio pandapipes / trunkline for each and the largest
relative difference of the node pressures. The targets (GasLib-4197: trunkline >= 20x
faster than pandapipes and <= 0.2 s) are checked and printed for both, not enforced.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "peers"))
import _pandapipes_build as build

from trunkline.solve import network
from trunkline.solve.network import NetworkResult

NETWORKS: Final = ("GasLib-582", "GasLib-4197")
#: The issue's targets on GasLib-4197.
TARGET_RATIO: Final = 20.0
TARGET_SECONDS: Final = 0.2
#: pandapipes' mass-flow step tolerance [kg/s] here: on GasLib-4197 the flow around a
#: stagnant loop of lossless elements flips sign (±4e-6 kg/s) from one Newton step to
#: the next (Colebrook has no laminar branch, so the loop's resistance vanishes at zero
#: flow), so a tighter tolerance never stops. Pressures are converged to 1e-14 bar.
BENCH_TOL_M: Final = 1e-4


def solve_and_read(case: build.PeerCase) -> NetworkResult:
    """trunkline's solve and the node and edge tables a user reads (timed together)."""
    res = build.solve_trunkline(case)
    # built on access: timed, as pandapipes' pipeflow builds its res tables
    tables = res.nodes, res.edges
    assert all(len(t) for t in tables)
    return res


def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: numba compilation, gas tables
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def best_first(case: build.PeerCase, repeat: int) -> float:
    """Best time of trunkline on fresh copies of the network (nothing reused)."""
    copies = [replace(case, network=case.network.copy()) for _ in range(repeat + 1)]
    solve_and_read(copies[0])  # warm-up: gas tables
    best = float("inf")
    for c in copies[1:]:  # all kept alive: each is a distinct network object
        t0 = time.perf_counter()
        solve_and_read(c)
        best = min(best, time.perf_counter() - t0)
    return best


def best_sweep(case: build.PeerCase, repeat: int) -> float:
    """Best time of trunkline on the same network object with new demands each solve."""
    net = case.network
    base = dict(net.injections)
    best = float("inf")
    try:
        for i in range(repeat + 1):  # the first: warm-up
            net.injections.update({k: v * (1.0 + 1e-4 * i) for k, v in base.items()})
            t0 = time.perf_counter()
            solve_and_read(case)
            if i:
                best = min(best, time.perf_counter() - t0)
    finally:
        net.injections.update(base)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--heights", action="store_true",
                    help="keep GasLib heights (each tool's own elevation term)")
    ap.add_argument("--no-numba", action="store_true", help="pandapipes without numba")
    ap.add_argument("--trunkline-numpy", action="store_true",
                    help="trunkline without its compiled kernels (numpy and SuperLU only)")
    args = ap.parse_args()
    numba = not args.no_numba
    if args.trunkline_numpy:
        network.COMPILED_LU = network.COMPILED_PIPE_LAW = False
    kernels = "compiled" if network.COMPILED_LU or network.COMPILED_PIPE_LAW else "numpy"
    print(f"trunkline {version('trunkline')} ({kernels} kernels), pandapipes "
          f"{version('pandapipes')} (use_numba={numba}), best of {args.repeat}, heights "
          f"{'kept' if args.heights else 'levelled'}")
    print(f"{'network':12s} {'nodes':>6s} {'edges':>6s} {'tl first s':>11s} "
          f"{'tl repeat s':>12s} {'pandapipes s':>13s} {'ratio first':>12s} "
          f"{'ratio repeat':>13s} {'max |dp|/p':>11s}")
    rows = []
    for name in NETWORKS:
        case = build.build_case(name, lossless="pipe", level_heights=not args.heights)
        peer = build.build_pandapipes(case)
        t_first = best_first(case, args.repeat)
        t_tl = best_sweep(case, args.repeat)
        t_pp = best_of(partial(build.solve_pandapipes, case, peer, use_numba=numba,
                               tol_m=BENCH_TOL_M), args.repeat)
        res = build.solve_trunkline(case)
        rel = build.relative_differences(case, res.pressure, build.pandapipes_pressures(peer))
        rows.append((name, t_first, t_tl, t_pp))
        print(f"{name:12s} {len(case.network.nodes):6d} {len(case.network.edges):6d} "
              f"{t_first:11.4f} {t_tl:12.4f} {t_pp:13.4f} {t_pp / t_first:12.1f} "
              f"{t_pp / t_tl:13.1f} {max(rel.values()):11.2e}")
    # trunkline on the instance as loaded (short pipes, bypassed stations: its own
    # lossless elements rather than 1 m pipes); no pandapipes equivalent
    for name in NETWORKS:
        case = build.build_case(name, lossless="keep", level_heights=not args.heights)
        t_first = best_first(case, args.repeat)
        t = best_sweep(case, args.repeat)
        print(f"{name}: trunkline on its own lossless elements {t_first:.4f} s first, "
              f"{t:.4f} s repeat")
    name, t_first, t_tl, t_pp = rows[-1]
    for label, t in (("first", t_first), ("repeat", t_tl)):
        ratio = t_pp / t
        print(f"{name} targets, {label} solve: ratio {ratio:.1f} (target >= {TARGET_RATIO:g}: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}), trunkline {t:.3f} s "
              f"(target <= {TARGET_SECONDS:g} s: "
              f"{'met' if t <= TARGET_SECONDS else 'NOT met'})")


if __name__ == "__main__":
    main()
