"""Steady network solver on synthetic meshed networks: seconds per solve and per node.

Run: python benchmarks/bench_network.py [--max-nodes 100000] [--topology gaslike|grid|both]

"first" is a solve of a fresh copy of the network (its arrays compiled afresh; µs/node
is of this one), "repeat" a second solve of the same network object (the solver reuses
the compiled arrays of an unchanged network); best of 3 below 50,000 nodes, else one.
"kept MB" is the memory a network holds after its first solve, once the result is
dropped (its compiled arrays, Newton-system plans and column arrays; traced by
tracemalloc in one more first solve, untimed).

Two topologies, pipes of 5-20 km and 0.3-0.9 m (Colebrook, GERG-2008 surrogate Z), a
demand of 0.3 kg/s at every 7th node, the same seed every run:

* ``gaslike`` — shaped like real gas networks: nodes scattered over a square, joined
  by the Euclidean minimum spanning tree of their 6 nearest neighbours (a network grows
  by connecting each new consumer to the nearest pipe), plus loops closing 6 % of the
  nodes' nearest-neighbour links. GasLib-582 has 28 loops on 582 nodes (4.8 %),
  GasLib-4197 270 on 4,197 (6.4 %); mean degree ~2.1. Pressure-fixed feed points: the
  nodes nearest to a square lattice of city gates, one per 250 nodes.
* ``grid`` — a square grid (mean degree 4, a loop per node; the worst case for a direct
  sparse solver: its LU fill grows like n log n and its work like n^1.5), feed points
  on a 12 × 12 sub-lattice.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
import tracemalloc

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


def gaslike(n_nodes: int, seed: int = 1, loop_share: float = 0.06,
            feeds_per_node: float = 1 / 250) -> Network:
    """A tree-like network with loops (see the module docstring)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    side = 12e3 * math.sqrt(n_nodes)  # ~12 km between neighbours
    xy = rng.uniform(0.0, side, (n_nodes, 2))
    dist, nb = cKDTree(xy).query(xy, k=7)
    rows = np.repeat(np.arange(n_nodes), 6)
    knn = coo_matrix((dist[:, 1:].ravel() + 1.0, (rows, nb[:, 1:].ravel())),
                     shape=(n_nodes, n_nodes)).tocsr()
    knn = knn.maximum(knn.T)
    n_comp, label = connected_components(knn, directed=False)
    if n_comp > 1:  # join stray clusters to the first one (rare with 6 neighbours)
        extra = [(int(np.flatnonzero(label == c)[0]), int(np.flatnonzero(label == 0)[0]))
                 for c in range(1, n_comp)]
        add = coo_matrix((np.full(len(extra), side), tuple(zip(*extra, strict=True))),
                         shape=knn.shape)
        knn = knn.maximum(add.tocsr()).maximum(add.T.tocsr())
    tree = minimum_spanning_tree(knn).tocoo()
    pairs = {(int(min(a, b)), int(max(a, b))) for a, b in zip(tree.row, tree.col, strict=True)}
    upper = knn.tocoo()
    cand = [(int(a), int(b)) for a, b in zip(upper.row, upper.col, strict=True)
            if a < b and (int(a), int(b)) not in pairs]
    pick = rng.choice(len(cand), size=min(len(cand), int(loop_share * n_nodes)),
                      replace=False)
    edges = sorted(pairs) + [cand[i] for i in sorted(pick)]
    net = Network(f"gaslike-{n_nodes}")
    for i in range(n_nodes):
        net.add_node(f"n{i}")
    for k, (a, b) in enumerate(edges):
        length = float(np.clip(np.hypot(*(xy[a] - xy[b])), 5e3, 20e3))
        net.add_pipe(f"p{k}", f"n{a}", f"n{b}", length, float(rng.uniform(0.3, 0.9)), 2e-5)
    # feed points: the nodes nearest to a square lattice of city gates
    k = max(1, round(math.sqrt(n_nodes * feeds_per_node)))
    gates = (np.stack(np.meshgrid(np.arange(k), np.arange(k)), -1).reshape(-1, 2) + 0.5) * side / k
    feeds = np.unique(cKDTree(xy).query(gates)[1])
    for i in feeds:
        net.set_pressure(f"n{i}", 7.0e6 - 1e3 * (int(i) % 5))
    for i in range(3, n_nodes, 7):
        if f"n{i}" not in net.pressures:
            net.set_demand(f"n{i}", 0.3)
    return net


def kept_bytes(net: Network) -> int:
    """Memory [bytes] a fresh copy of ``net`` keeps after its first solve (result dropped)."""
    c = net.copy()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        res = solve_steady(c, GAS)
        del res
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-nodes", type=int, default=100_000)
    ap.add_argument("--topology", choices=("gaslike", "grid", "both"), default="both")
    args = ap.parse_args()
    GAS.surrogate()
    kinds = ("gaslike", "grid") if args.topology == "both" else (args.topology,)
    print(f"{'topology':>9s} {'nodes':>8s} {'pipes':>8s} {'loops':>7s} {'iter':>5s} "
          f"{'first s':>9s} {'us/node':>9s} {'repeat s':>9s} {'kept MB':>8s}")
    for kind, n in ((k, n) for k in kinds for n in (1_000, 10_000, 100_000)):
        if n > args.max_nodes:
            continue
        net = gaslike(n) if kind == "gaslike" else grid(n)
        repeat = 3 if n < 50_000 else 1
        copies = [net.copy() for _ in range(repeat)]  # kept alive: distinct objects
        best = float("inf")
        res = None
        for c in copies:
            t0 = time.perf_counter()
            res = solve_steady(c, GAS)
            best = min(best, time.perf_counter() - t0)
        again = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            solve_steady(copies[0], GAS)
            again = min(again, time.perf_counter() - t0)
        assert res is not None
        loops = len(net.edges) - len(net.nodes) + 1
        print(f"{kind:>9s} {len(net.nodes):8d} {len(net.edges):8d} {loops:7d} "
              f"{res.iterations:5d} {best:9.3f} {best / len(net.nodes) * 1e6:9.1f} "
              f"{again:9.3f} {kept_bytes(net) / 1e6:8.2f}")


if __name__ == "__main__":
    main()
