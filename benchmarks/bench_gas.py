"""Gas properties: surrogate vs direct pyaga8 (GERG-2008 / DETAIL) — speed and accuracy.

Run: python benchmarks/bench_gas.py
Prints evaluations per second of Z for arrays of several sizes and the largest
|ΔZ| of the surrogate against the reference EOS on a dense sample of the envelope.
"""

from __future__ import annotations

import time

import numpy as np

from trunkline.gas import Gas

GAS = {"methane": 0.98156, "ethane": 0.00728, "propane": 0.00212, "isobutane": 0.00039,
       "n-butane": 0.00035, "n-pentane": 0.00013, "n-hexane": 0.00001, "nitrogen": 0.00786,
       "carbon dioxide": 0.0003}


def rate(fn, n: int, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    p = rng.uniform(0.2e6, 15e6, n)
    t = rng.uniform(230.0, 350.0, n)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(p, t)
        best = min(best, time.perf_counter() - t0)
    return n / best


def main() -> None:
    print(f"{'eos':10s} {'method':22s} {'n':>9s} {'evals/s':>12s}")
    for eos in ("gerg2008", "detail"):
        gas = Gas(GAS, eos=eos)
        t0 = time.perf_counter()
        sur = gas.surrogate()
        build = time.perf_counter() - t0
        n_direct = 5_000
        print(f"{eos:10s} {'pyaga8 direct (loop)':22s} {n_direct:9d} "
              f"{rate(gas.z, n_direct, repeat=2):12.3e}")
        for n in (1_000, 100_000, 1_000_000):
            print(f"{eos:10s} {'surrogate z (numpy)':22s} {n:9d} {rate(sur.z, n):12.3e}")
        p, t = 8.3e6, 281.7
        t0 = time.perf_counter()
        for _ in range(20_000):
            sur.point(p, t)
        print(f"{eos:10s} {'surrogate point scalar':22s} {1:9d} "
              f"{20_000 / (time.perf_counter() - t0):12.3e}")
        env = sur.envelope
        pg = np.linspace(env.p_min, env.p_max, 157)
        tg = np.linspace(env.t_min, env.t_max, 131)
        pp, tt = (a.ravel() for a in np.meshgrid(pg, tg, indexing="ij"))
        z_ref = np.array([gas._eos.z_only(a, b) for a, b in zip(pp, tt, strict=True)])
        err = np.abs(sur.z(pp, tt) - z_ref)
        contract = (pp <= 15e6) & (tt >= 230.0) & (tt <= 350.0)
        print(f"{eos:10s} build {build:.3f} s; max |dZ| {err.max():.2e} over "
              f"{env.p_min / 1e6:g}-{env.p_max / 1e6:g} MPa x {env.t_min:g}-{env.t_max:g} K, "
              f"{err[contract].max():.2e} over 0.1-15 MPa x 230-350 K ({pp.size} points)")


if __name__ == "__main__":
    main()
