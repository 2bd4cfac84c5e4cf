"""Transient engine: speed on the PoS2 line and the validation tables.

A plain script that prints tables (not a timed test). Sections (run all, or name some):

* ``speed``  — full PoS2 line, 1 km cells, 30 days at 15-minute steps (winter swing),
  and the steady line over the same span; wall and CPU time, × real time;
* ``scaling`` — cost against cells and steps; the explicit (CFL-bound) step count;
* ``order``  — measured order in time (backward Euler, BDF2) and space on a smooth case;
* ``gz``     — Gyrya & Zlotnik (2019) fast transient: errors against grid and step;
* ``chacz``  — Chaczykowski (2009) 24-h cycle: errors against grid and step;
* ``settle`` — step change on the PoS2 line → the steady march at the new flow;
* ``cases``  — the built-in PoS2 cases (winter swing, station trip, supply outage);
* ``survival`` — the supply outage's survival time against the step and the grid.

    python benchmarks/bench_transient.py [section ...]
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

import trunkline as tl
from trunkline.gas import IdealGas
from trunkline.model import Network
from trunkline.solve import MarchOptions
from trunkline.solve.transient import (
    TransientOptions,
    TransientResult,
    simulate_transient,
    survival_time,
)
from trunkline.solve.transient_events import (
    WINTER_DAY,
    Boundary,
    Event,
    Profile,
    load_events,
)

DAY = 86400.0


def _line() -> tl.Trunkline:
    line = tl.load_scenario("power_of_siberia_2")
    assert isinstance(line, tl.Trunkline)
    tl.simulate(line)  # station placement (cached)
    return line


def _swing(line: tl.Trunkline) -> dict[str, Boundary]:
    ef = load_events("winter_swing")
    return dict(ef.boundary)


def _load() -> str:
    return "load average {:.2f} / {:.2f} / {:.2f} (1 / 5 / 15 min)".format(*os.getloadavg())


def speed() -> None:
    line = _line()
    print("\n## PoS2, 1 km cells, 30 days at 15-minute steps")
    print(f"({_load()} at the start; {os.cpu_count()} CPUs)")
    print("| case | cells | steps | setup wall [s] | stepping wall [s] | stepping CPU [s] | "
          "total wall [s] | Newton it./step | × real time (stepping) |")
    print("|---|---|---|---|---|---|---|---|---|")
    swing_95 = {"delivery": Boundary("flow", Profile.daily(0.95, WINTER_DAY, 0.5),
                                     relative=True)}
    notes = []
    for label, bnd in (("steady line", {}), ("winter swing (contract mean)", _swing(line)),
                       ("winter swing (0.95 × contract mean)", swing_95)):
        r = simulate_transient(line, 30 * DAY, 900.0, boundary=bnd,
                               options=TransientOptions(profile_interval=DAY))
        step_wall = r.wall_time - r.setup_time
        print(f"| {label} | {r.cells} | {r.time.size - 1} | {r.setup_time:.1f} | "
              f"{step_wall:.2f} | {r.step_cpu_time:.2f} | {r.wall_time:.2f} | "
              f"{r.summary['newton_iterations_per_step']:.2f} | "
              f"{30 * DAY / step_wall:.2e} |")
        notes.append(f"- {label}: max mass error {r.max_mass_error:.1e}, min delivery "
                     f"{r.pressure['delivery'].min() / 1e6:.3f} MPa")
    print("\n".join(notes))
    print(f"({_load()} at the end; setup = steady march of the start state, discretisation "
          "and discrete steady solve)")


def scaling() -> None:
    line = _line()
    bnd = _swing(line)
    sur = line.gas.surrogate()
    c = float(np.max(sur.speed_of_sound(np.array([9.8e6, 6.0e6]), np.array([293.0, 275.0]))))
    v_max = 15.0
    span = 2 * DAY
    # warm-up: the steady march of the start state and the stations' work-model
    # calibrations are cached across runs, so every row below measures stepping alone
    simulate_transient(line, span, 900.0, boundary=bnd,
                       options=TransientOptions(profile_interval=0))
    print(f"\n## Cost against cells and steps (winter swing, 2 days, after a warm-up run; "
          f"{_load()})")
    print("Explicit CFL-bound step for the same grid: h <= dx/(c + |v|), "
          f"c = {c:.0f} m/s, |v| <= {v_max:g} m/s.")
    print("| dx [km] | cells | dt [min] | steps | stepping wall [s] | stepping CPU [s] | "
          "CPU per step [ms] | CPU per step·cell [µs] | Newton it./step | "
          "CFL step [s] | explicit steps | explicit / implicit steps |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for dx, dt in ((4000.0, 900.0), (2000.0, 900.0), (1000.0, 900.0), (500.0, 900.0),
                   (1000.0, 3600.0), (1000.0, 1800.0), (1000.0, 300.0)):
        r = simulate_transient(line, span, dt, boundary=bnd,
                               options=TransientOptions(dx=dx, profile_interval=0))
        n = r.time.size - 1
        h_cfl = dx / (c + v_max)
        n_exp = span / h_cfl
        rows.append((dx, dt, r.cells, n, r.step_cpu_time))
        print(f"| {dx / 1e3:g} | {r.cells} | {dt / 60:g} | {n} | "
              f"{r.wall_time - r.setup_time:.2f} | {r.step_cpu_time:.2f} | "
              f"{r.step_cpu_time / n * 1e3:.2f} | "
              f"{r.step_cpu_time / n / r.cells * 1e6:.2f} | "
              f"{r.summary['newton_iterations_per_step']:.2f} | {h_cfl:.2f} | {n_exp:.3g} | "
              f"{n_exp / n:.0f} |")
    by_cells = [(cells, cpu / n) for dx, dt, cells, n, cpu in rows if dt == 900.0]
    by_steps = [(n, cpu) for dx, dt, cells, n, cpu in rows if dx == 1000.0]
    k_c = np.polyfit(np.log([x for x, _ in by_cells]), np.log([y for _, y in by_cells]), 1)[0]
    k_s = np.polyfit(np.log([x for x, _ in by_steps]), np.log([y for _, y in by_steps]), 1)[0]
    print(f"\nGrowth (least squares on logs): CPU per step ∝ cells^{k_c:.2f}; "
          f"CPU for the 2 days ∝ steps^{k_s:.2f} (1 km).")
    cpu_step = next(cpu / n for dx, dt, cells, n, cpu in rows if dx == 1000.0 and dt == 900.0)
    h1 = 1000.0 / (c + v_max)
    n30 = 30 * DAY / h1
    print(f"30 days at 1 km: the explicit scheme needs {n30:.3g} steps of <= {h1:.2f} s "
          f"against 2880 implicit steps (ratio {n30 / 2880:.0f}); even at a quarter of an "
          f"implicit step's cost per explicit step ({cpu_step / 4 * 1e3:.2f} ms, about one "
          f"residual evaluation) it would take ~{n30 * cpu_step / 4:.0f} s CPU.")


def _pipe(length: float, diameter: float, p_in: float, demand: float) -> Network:
    net = Network("pipe")
    net.add_node("in")
    net.add_node("out")
    net.add_pipe("pipe", "in", "out", length, diameter, 1e-5)
    net.set_pressure("in", p_in)
    net.set_flow("out", -demand)
    return net


GZ_GAS = IdealGas(molar_mass=0.6 * 0.0289647, viscosity=1.1e-5)


def order() -> None:
    net = _pipe(20e3, 0.9144, 6.5e6, 200.0)
    tk = np.arange(0.0, 3601.0, 1.0)
    prof = Profile(tuple(tk), tuple(200.0 + 200.0 * np.sin(np.pi * tk / 1800.0) ** 2))

    def run(dx: float, dt: float, method: str) -> float:
        o = TransientOptions(dx=dx, friction_factor=0.01, temperature="isothermal",
                             method=method, profile_interval=0, newton_tol=1e-11)  # type: ignore[arg-type]
        r = simulate_transient(net, 3600.0, dt, boundary={"out": Boundary.demand(prof)},
                               options=o, gas=GZ_GAS, temperature=288.15)
        return float(r.pressure["out"].iloc[-1])

    print("\n## Order of accuracy (20 km pipe, λ = 0.01, smooth withdrawal 200-400 kg/s, "
          "outlet pressure at 1 h)")
    print("| method | dx [m] | dt [s] | error [Pa] | order |")
    print("|---|---|---|---|---|")
    ref = run(200.0, 0.5, "bdf2")
    for method in ("euler", "bdf2"):
        prev = None
        for dt in (120.0, 60.0, 30.0, 15.0, 7.5):
            e = abs(run(200.0, dt, method) - ref)
            o = "" if prev is None else f"{math.log2(prev / e):.2f}"
            print(f"| {method} | 200 | {dt:g} | {e:.3e} | {o} |")
            prev = e
    ref = run(31.25, 1.0, "bdf2")
    prev = None
    for dx in (2000.0, 1000.0, 500.0, 250.0, 125.0):
        e = abs(run(dx, 1.0, "bdf2") - ref)
        o = "" if prev is None else f"{math.log2(prev / e):.2f}"
        print(f"| bdf2 (space) | {dx:g} | 1 | {e:.3e} | {o} |")
        prev = e


def _errors(title: str, runs: dict[tuple[float, float], TransientResult],
            ref: TransientResult, node: str) -> None:
    t_ref = np.asarray(ref.time)
    p_ref = np.asarray(ref.pressure[node])
    print(f"\n## {title}: outlet pressure against the fine run "
          f"(dx {ref.options.dx:g} m)")
    print("| dx [m] | dt [s] | max error [kPa] | error at end [kPa] | min outlet [MPa] |")
    print("|---|---|---|---|---|")
    for (dx, dt), r in runs.items():
        p = np.interp(t_ref, np.asarray(r.time), np.asarray(r.pressure[node]))
        err = np.abs(p - p_ref)
        print(f"| {dx:g} | {dt:g} | {err.max() / 1e3:.2f} | {err[-1] / 1e3:.3f} | "
              f"{r.pressure[node].min() / 1e6:.4f} |")


def gz() -> None:
    net = _pipe(20e3, 0.9144, 6.5e6, 0.0)
    prof = Profile((0.0, 599.0, 600.0, 1799.0, 1800.0), (0.0, 0.0, 787.63, 787.63, 78.76))
    bnd = {"out": Boundary.demand(prof)}

    def run(dx: float, dt: float) -> TransientResult:
        o = TransientOptions(dx=dx, friction_factor=0.01, temperature="isothermal",
                             convective=False, profile_interval=0)
        return simulate_transient(net, 3600.0, dt, boundary=bnd, options=o, gas=GZ_GAS,
                                  temperature=288.15)

    ref = run(25.0, 0.25)
    runs = {(dx, dt): run(dx, dt) for dx, dt in ((2000.0, 20.0), (1000.0, 10.0),
                                                  (500.0, 5.0), (250.0, 2.5), (100.0, 1.0),
                                                  (1000.0, 1.0), (100.0, 10.0))}
    _errors("Gyrya & Zlotnik (2019)", runs, ref, "out")


def chacz() -> None:
    area = math.pi * 1.422**2 / 4.0
    gas = IdealGas(molar_mass=tl.gas.R_MOLAR / 530.0, viscosity=1.1e-5)
    g = (463.33, 540.55, 386.11, 463.33)
    prof = Profile.steps((0.0, 6 * 3600.0, 12 * 3600.0, 18 * 3600.0), [x * area for x in g])
    net = _pipe(363e3, 1.422, 84e5, g[0] * area)
    bnd = {"out": Boundary.demand(prof)}

    def run(dx: float, dt: float) -> TransientResult:
        o = TransientOptions(dx=dx, friction_factor=0.002, temperature="isothermal",
                             profile_interval=0)
        return simulate_transient(net, DAY, dt, boundary=bnd, options=o, gas=gas,
                                  temperature=276.25)

    ref = run(500.0, 30.0)
    runs = {(dx, dt): run(dx, dt) for dx, dt in ((10000.0, 900.0), (5000.0, 600.0),
                                                  (2000.0, 300.0), (1000.0, 120.0),
                                                  (2000.0, 60.0), (10000.0, 60.0))}
    _errors("Chaczykowski (2009), λ = 0.002", runs, ref, "out")


def settle() -> None:
    line = _line()
    print("\n## Step change on the PoS2 line (isothermal 283.15 K): transient at 72 h "
          "against the steady march at the new flow")
    print("| dx [km] | delivery: transient [MPa] | march [MPa] | rel. diff | entry flow rel. "
          "diff | fuel rel. diff |")
    print("|---|---|---|---|---|---|")
    base = tl.simulate(line, options=MarchOptions(isothermal=True))
    new = base.delivered_mass_flow * 0.9
    march = tl.simulate(line, new, basis="delivery", options=MarchOptions(isothermal=True))
    for dx in (2000.0, 1000.0, 500.0):
        o = TransientOptions(dx=dx, temperature="isothermal", recalibrate=1e-4, lag_tol=1e-6,
                             profile_interval=0, dt_max=7200.0)
        bnd = {"delivery": Boundary.demand(Profile.steps((0.0, 3600.0),
                                                         (base.delivered_mass_flow, new)))}
        r = simulate_transient(line, 3 * DAY, "auto", boundary=bnd, options=o)
        pd_ = float(r.pressure["delivery"].iloc[-1])
        qin = float(r.injection["entry"].iloc[-1])
        fuel = float(r.station_fuel[-1].sum())
        print(f"| {dx / 1e3:g} | {pd_ / 1e6:.6f} | {march.delivery_pressure / 1e6:.6f} | "
              f"{pd_ / march.delivery_pressure - 1:.1e} | {qin / march.mass_flow - 1:.1e} | "
              f"{fuel / march.fuel_mass_flow - 1:.1e} |")


def cases() -> None:
    line = _line()
    print("\n## Built-in PoS2 cases")
    for case in ("winter_swing", "station_trip", "supply_outage"):
        ef = load_events(case)
        for protect in (True, False):
            if case != "supply_outage" and not protect:
                continue
            o = TransientOptions(suction_protection=protect)
            stop = {"delivery": 6.0e6} if case == "supply_outage" else None
            r = simulate_transient(line, ef.duration or DAY, ef.dt or 900.0,
                                   boundary=ef.boundary, events=ef.events, options=o,
                                   stop_below=stop)
            s = survival_time(r, "delivery", 6.0e6)
            print(f"- {ef.title} (suction protection {'on' if protect else 'off'}): "
                  f"min delivery {r.pressure['delivery'].min() / 1e6:.3f} MPa, "
                  f"linepack {r.linepack[0] / 1e6:.1f} → {r.linepack[-1] / 1e6:.1f} kt, "
                  f"survival {'not reached' if s is None else f'{s / 3600:.2f} h'}, "
                  f"Newton it./step {r.summary['newton_iterations_per_step']:.2f}, "
                  f"wall {r.wall_time:.1f} s (stepping CPU {r.step_cpu_time:.1f} s), "
                  f"mass error {r.max_mass_error:.1e}")


def survival() -> None:
    line = _line()
    ef = load_events("supply_outage")
    limit = 6.0e6

    def run(method: str, dx: float, dt: float) -> float:
        r = simulate_transient(line, ef.duration or 3 * DAY, dt, boundary=ef.boundary,
                               events=ef.events,
                               options=TransientOptions(method=method, dx=dx),  # type: ignore[arg-type]
                               stop_below={"delivery": limit})
        s = survival_time(r, "delivery", limit)
        assert s is not None
        return s / 3600.0

    print(f"\n## Supply outage: survival time against the step ({_load()})")
    print("| method | dx [km] | dt [s] | survival [h] | change [h] | observed order |")
    print("|---|---|---|---|---|---|")
    for method in ("euler", "bdf2"):
        prev: list[float] = []
        for dt in (1800.0, 900.0, 450.0, 225.0, 112.5, 56.25, 28.125):
            s = run(method, 1000.0, dt)
            d = f"{s - prev[-1]:+.4f}" if prev else ""
            o = ""
            if len(prev) >= 2 and s != prev[-1] and prev[-1] != prev[-2]:
                o = f"{math.log2(abs((prev[-1] - prev[-2]) / (s - prev[-1]))):.2f}"
            print(f"| {method} | 1 | {dt:g} | {s:.4f} | {d} | {o} |")
            prev.append(s)
    for dx in (2000.0, 500.0):
        for dt in (225.0, 56.25):
            print(f"| bdf2 | {dx / 1e3:g} | {dt:g} | {run('bdf2', dx, dt):.4f} | | |")


SECTIONS = {"speed": speed, "scaling": scaling, "order": order, "gz": gz, "chacz": chacz,
            "settle": settle, "cases": cases, "survival": survival}

if __name__ == "__main__":
    names = sys.argv[1:] or list(SECTIONS)
    for name in names:
        t0, c0 = time.perf_counter(), time.process_time()
        SECTIONS[name]()
        print(f"({name}: wall {time.perf_counter() - t0:.0f} s, CPU "
              f"{time.process_time() - c0:.0f} s; {_load()})")
    _ = Event  # re-exported for users building their own cases
