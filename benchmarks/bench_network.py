"""Steady network solver on synthetic meshed networks: seconds per solve and per node.

Run: python benchmarks/bench_network.py [--max-nodes 100000]
A square grid of pipes (5-20 km, 0.3-0.9 m, Colebrook, GERG-2008 surrogate Z),
pressure-fixed feed points on a 12 × 12 sub-lattice and a demand at every 7th node;
the same seed every run.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from trunkline.gas import Gas
from trunkline.model import Network
from trunkline.solve import solve_steady

GAS = Gas({"methane": 0.95, "ethane": 0.03, "nitrogen": 0.015, "carbon dioxide": 0.005})


def grid(n_nodes: int, seed: int = 1) -> Network:
    side = math.isqrt(n_nodes)
    rng = np.random.default_rng(seed)
    net = Network(f"grid-{side * side}")
    ids = [[f"n{i}_{j}" for j in range(side)] for i in range(side)]
    for row in ids:
        for nid in row:
            net.add_node(nid)
    k = 0
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < side and j + dj < side:
                    net.add_pipe(f"p{k}", ids[i][j], ids[i + di][j + dj],
                                 float(rng.uniform(5e3, 20e3)), float(rng.uniform(0.3, 0.9)),
                                 2e-5)
                    k += 1
    # feed points (pressure-fixed) on a 12 × 12 sub-lattice, as a regional grid is fed
    # from several city-gate stations; a demand of 0.3 kg/s at every 7th node
    for i in range(0, side, 12):
        for j in range(0, side, 12):
            net.set_pressure(ids[i][j], 7.0e6 - 1e3 * ((i + j) % 5))
    for nid in [nid for row in ids for nid in row][3::7]:
        if nid not in net.pressures:
            net.set_demand(nid, 0.3)
    return net


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-nodes", type=int, default=100_000)
    args = ap.parse_args()
    GAS.surrogate()
    print(f"{'nodes':>8s} {'pipes':>8s} {'iter':>5s} {'solve s':>9s} {'us/node':>9s}")
    for n in (1_000, 10_000, 100_000):
        if n > args.max_nodes:
            break
        net = grid(n)
        best = float("inf")
        res = None
        for _ in range(3 if n < 50_000 else 1):
            t0 = time.perf_counter()
            res = solve_steady(net, GAS)
            best = min(best, time.perf_counter() - t0)
        assert res is not None
        print(f"{len(net.nodes):8d} {len(net.edges):8d} {res.iterations:5d} {best:9.3f} "
              f"{best / len(net.nodes) * 1e6:9.1f}")


if __name__ == "__main__":
    main()
