"""Power of Siberia 2 plan: wall time of the contract engine and of a whole plan.

Run: python benchmarks/bench_plan.py             (synthetic capacity curve only)
     python benchmarks/bench_plan.py --hydraulics (also the hydraulic curves)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import trunkline.plan as tp
from trunkline.units import SECONDS_PER_CONTRACT_YEAR


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def row(task: str, seconds: float, result: str = "") -> None:
    print(f"{task:58s} {seconds:8.4f}  {result}")


def main() -> None:
    inputs = tp.load_plan("power_of_siberia_2")
    contract = inputs.contract
    q = 55e9 / SECONDS_PER_CONTRACT_YEAR
    curve = tp.table_curve([q * (1 + 0.002 * ((m % 12) - 6) / 6) for m in range(12)],
                           contract.reference,
                           fuel_points=[(0.25 * q, 0.017 * 0.25 * q), (q, 0.12 * q)])
    print(f"{'task':58s} {'seconds':>8s}  result")
    dt, res = timed(lambda: tp.run_contract(contract, curve))
    row(f"contract engine, {len(res.dates)} days ({contract.years} years)", dt,
        f"{res.delivered.sum() / 1e9:.1f} bcm delivered")
    dt, ev = timed(lambda: tp.evaluate(inputs, curve))
    row("engine + prices + fuel + cash flows (one evaluation)", dt,
        f"NPV {ev.flows.npv / 1e9:.2f} bn USD")
    dt, pl = timed(lambda: tp.plan(inputs, curve=curve, sensitivities=False), repeat=3)
    row("plan without tornado (with breakeven search)", dt,
        f"breakeven {pl.breakeven_price * 1e3:.0f} $/1,000 m3")
    dt, pl = timed(lambda: tp.plan(inputs, curve=curve), repeat=3)
    row("whole plan with a given curve (tornado, breakeven)", dt,
        f"IRR {100 * pl.irr:.2f} %")
    if "--hydraulics" in sys.argv:
        for months in (tp.COARSE_MONTHS, tp.ALL_MONTHS):
            t0 = time.perf_counter()
            c = tp.capacity_curve(inputs.line, months,
                                  design_throughput=inputs.capacity.design_throughput,
                                  fuel_fractions=inputs.capacity.fuel_fractions)
            caps = [x * SECONDS_PER_CONTRACT_YEAR / 1e9 for x in c.capacity]
            row(f"hydraulic capacity curve, {len(months)} months + fuel points",
                time.perf_counter() - t0, f"{min(caps):.2f}-{max(caps):.2f} bcm/yr")
        dt, pl = timed(lambda: tp.plan(inputs), repeat=3)
        row("whole plan, hydraulic curve cached", dt, f"NPV {pl.npv / 1e9:.2f} bn USD")


if __name__ == "__main__":
    main()
