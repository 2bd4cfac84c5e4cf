r"""Technical capacity: the largest throughput within every limit, set-points optimised.

:func:`technical_capacity` answers "how much can the line (or network) carry?"
with the operating decisions free: every station's discharge set-point, its
running units (and, for a network, the modes and set-points of its active
elements) are chosen to carry the most gas while MAOP, the minimum suction and
delivery pressures, the drivers' available power (derated for the ambient air)
and the compressors' surge and stonewall lines all hold. It differs from
:func:`trunkline.max_throughput`, which holds every station at its set-point with
the steady solver's constant-efficiency stations.

Method: the line optimiser of :mod:`trunkline.optimize.fuel` with the objective
"largest flow at the throughput's basis" (the delivered flow for a
delivery-basis scenario, the entry flow otherwise): a continuous NLP on the
fitted reduced model, refined against exact evaluations until the prediction and
the steady solver agree to :data:`~trunkline.optimize.fuel.MATCH_TOL`; running
units relaxed, then chosen per station. The point returned is re-simulated by the
steady solver and satisfies every bound; ``binding`` lists the limits that hold
it back (those within :data:`BINDING_PRESSURE` or :data:`BINDING_RTOL` of their
bound).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from trunkline.errors import ConvergenceError, InfeasibleError
from trunkline.model import Trunkline
from trunkline.model.network import Edge
from trunkline.optimize.fuel import (
    OperatingPoint,
    OptimizeOptions,
    _Exact,
    _line_of,
    _LineModel,
    _model,
    _naive,
    _optimise,
    _resolve,
)
from trunkline.units import SECONDS_PER_CONTRACT_YEAR, StandardVolumeFlow

__all__ = [
    "BINDING_PRESSURE",
    "BINDING_RTOL",
    "NetworkCapacity",
    "TechnicalCapacity",
    "network_capacity",
    "technical_capacity",
]

#: A pressure limit is reported as binding within this distance [Pa].
BINDING_PRESSURE: Final = 100.0
#: A map or power limit is reported as binding within this relative distance [-].
BINDING_RTOL: Final = 1e-5
#: Shares of the design throughput tried as the starting point, in turn.
_START_SHARES: Final = (1.0, 0.85, 0.7, 0.5)


@dataclass(frozen=True)
class TechnicalCapacity:
    """The largest throughput a line carries within its limits (decisions optimised).

    Attributes:
        scenario: the line's name; basis: "delivery" or "entry".
        throughput: the capacity at ``basis`` as a standard volume flow.
        mass_flow: the capacity at ``basis`` [kg/s].
        point: the verified operating point at capacity.
        binding: the limits that hold the throughput back, in words.
        match: prediction vs re-simulation (largest relative difference).
        iterations: outer passes; seconds: wall time; log: what was done.
    """

    scenario: str
    basis: str
    throughput: StandardVolumeFlow
    mass_flow: float
    point: OperatingPoint
    binding: tuple[str, ...]
    match: float
    iterations: int
    seconds: float
    log: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return self.point.feasible

    @property
    def bcm_per_year(self) -> float:
        """Capacity in bcm/yr at the throughput's reference (365-day year)."""
        return self.throughput.value * SECONDS_PER_CONTRACT_YEAR / 1e9

    @property
    def summary(self) -> dict[str, Any]:
        sim = self.point.sim
        return {
            "scenario": self.scenario, "basis": self.basis,
            "reference": self.throughput.reference.name,
            "capacity_m3_s": self.throughput.value, "capacity_bcm_per_yr": self.bcm_per_year,
            "mass_flow": self.mass_flow, "entry_mass_flow": sim.mass_flow,
            "fuel": self.point.fuel, "shaft_power": self.point.shaft_power,
            "units_running": int(self.point.units.sum()),
            "delivery_pressure": sim.delivery_pressure, "binding": list(self.binding),
            "feasible": self.feasible, "violations": list(self.point.violations),
            "match": self.match, "iterations": self.iterations, "seconds": self.seconds,
        }


def _binding(model: _LineModel, ex: _Exact) -> tuple[str, ...]:
    """The limits within reach of their bound at an exact point, in words."""
    out: list[str] = []
    pts = ex.points
    ch = model.char
    for i, st in enumerate(model.layout):
        name = st.name
        if ex.p_s[i] - model.min_suction[i] <= BINDING_PRESSURE and not (
                i == 0 and model.head_station):
            out.append(f"{name}: suction at its minimum {model.min_suction[i] / 1e6:.3f} MPa")
        if ex.units[i] == 0:
            continue
        if model.maop[i] - ex.p_d[i] <= BINDING_PRESSURE:
            out.append(f"{name}: discharge at MAOP {model.maop[i] / 1e6:.3f} MPa")
        if float(np.max(pts.load[i])) >= 1.0 - BINDING_RTOL:
            out.append(f"{name}: driver power ({pts.units[i]} units at "
                       f"{pts.available_power[i] / 1e6:.1f} MW each)")
        x = float(np.max(pts.flow_ratio[i]))
        if x >= ch.stonewall_ratio * (1.0 - BINDING_RTOL):
            out.append(f"{name}: stonewall")
        if float(np.min(pts.flow_ratio[i])) <= ch.control_ratio * (1.0 + BINDING_RTOL):
            out.append(f"{name}: surge control line")
        if float(np.max(pts.speed[i])) >= ch.speed_max * (1.0 - BINDING_RTOL):
            out.append(f"{name}: maximum speed")
    if ex.p_del - model.line.min_delivery_pressure <= BINDING_PRESSURE:
        out.append(f"delivery pressure at its minimum "
                   f"{model.line.min_delivery_pressure / 1e6:.3f} MPa")
    maop_hit = ex.excess >= -BINDING_PRESSURE
    for j in np.flatnonzero(maop_hit):
        if model.maop[j] - ex.p_d[j] > BINDING_PRESSURE:
            out.append(f"MAOP along the pipe after {model.layout[int(j)].name}")
    return tuple(out)


def technical_capacity(scenario_or_network: Trunkline | str | Path | Any, *,
                       month: int | None = None, basis: str | None = None,
                       options: OptimizeOptions | None = None, **network_kwargs: Any) -> Any:
    """The largest throughput within MAOP, minimum suction/delivery pressure, power, maps.

    Args:
        scenario_or_network: a :class:`Trunkline`, a built-in scenario name or TOML
            path, or a network (a :class:`~trunkline.model.Network`, GasLib data or
            a packaged GasLib instance name; see
            :func:`trunkline.optimize.network.network_capacity`).
        month: 1-12 for that month's ground temperature (None → the scenario's).
        basis: "delivery" or "entry" (None → the scenario's).
        options: :class:`~trunkline.optimize.fuel.OptimizeOptions` (ambient, maps,
            drivers); shut-downs are not tried.

    Returns:
        a :class:`TechnicalCapacity` (a network result for a network).

    Raises:
        InfeasibleError: no feasible starting point (the line cannot carry even half
            its design throughput).
        ConvergenceError: the capacity point does not match its re-simulation.
    """
    opts = replace(options or OptimizeOptions(), allow_shutdown=False)
    scenario_or_network = _resolve(scenario_or_network)
    if not isinstance(scenario_or_network, Trunkline):
        return network_capacity(scenario_or_network, options=opts, **network_kwargs)
    t0 = time.perf_counter()
    line = _line_of(scenario_or_network)
    log: list[str] = []
    design = line.mass_flow()
    last: Exception | None = None
    for share in _START_SHARES:
        model = _model(line, design * share, month, basis, opts, mode="capacity")
        try:
            start = _naive(model, log)
        except (InfeasibleError, ConvergenceError) as exc:
            last = exc
            log.append(f"start at {share:.0%} of the design throughput failed: {exc}")
            continue
        if not start.violations:
            break
        log.append(f"start at {share:.0%} of the design throughput breaks limits; lower")
        last = InfeasibleError("start point breaks limits", limits=list(start.violations))
    else:
        raise InfeasibleError("no feasible starting point for the capacity search",
                              limits=[str(last)] if last else [])
    out = _optimise(model, start, log, None)
    res, stations, match = model.verify(out.ex, out.pred)
    log.append(f"verification by the steady solver: match {match:.1e}")
    if not math.isfinite(match) or match > opts.match_tol:
        raise ConvergenceError("capacity point does not match its re-simulation",
                               iterations=out.passes, residual=match)
    point = model.point("capacity", out.ex, res, stations)
    mass = res.delivered_mass_flow if model.basis == "delivery" else res.mass_flow
    rho = line.gas.standard_density(line.reference)
    return TechnicalCapacity(
        scenario=line.name, basis=model.basis,
        throughput=StandardVolumeFlow(mass / rho, line.reference), mass_flow=mass,
        point=point, binding=_binding(model, out.ex), match=match, iterations=out.passes,
        seconds=time.perf_counter() - t0, log=tuple(log))


# -- networks ----------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkCapacity:
    """The largest factor on a network's nomination within every bound.

    Every entry and exit of the nomination is scaled by ``factor``; the modes of
    the active elements are those the nomination check found at factor 1, their
    set-points are free. ``point`` is verified by the steady solver.
    """

    network: str
    factor: float
    point: Any
    binding: tuple[str, ...]
    match: float
    iterations: int
    seconds: float
    log: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return bool(self.point.feasible)

    @property
    def summary(self) -> dict[str, Any]:
        return {"network": self.network, "factor": self.factor, "fuel": self.point.fuel,
                "shaft_power": self.point.shaft_power, "binding": list(self.binding),
                "feasible": self.feasible, "violations": list(self.point.violations),
                "match": self.match, "iterations": self.iterations, "seconds": self.seconds}


def network_capacity(network: Any, *, options: OptimizeOptions | None = None,
                     gas: Any = None, temperature: float | None = None) -> NetworkCapacity:
    """Largest factor λ on the nomination (every injection × λ) that the network carries.

    The nomination is validated at λ = 1 (:func:`trunkline.optimize.check_nomination`);
    with its modes fixed, λ and every pressure and flow are free in the NLP of
    :mod:`trunkline.optimize.fuel` (objective −λ, a small fuel tie-break), refined
    against the steady solver until they agree.
    """
    from trunkline.optimize.fuel import (
        MATCH_TOL,
        _modes_of,
        _network_inputs,
        _network_iterate,
        _NetworkModel,
    )

    del options
    t0 = time.perf_counter()
    log: list[str] = []
    chk, net, _, data, title = _network_inputs(network, gas, temperature)
    if not chk.feasible or chk.simulation is None:
        raise InfeasibleError("the nomination is infeasible at factor 1",
                              limits=list(chk.violated))
    sim0 = chk.simulation
    gas_ = gas if gas is not None else getattr(network, "gas", None)
    if gas_ is None:
        from trunkline.optimize.nomination import gas_for_gaslib

        gas_ = gas_for_gaslib(data)
    idx = {n: i for i, n in enumerate(net.nodes)}
    inj = np.zeros(len(idx))
    for nid, v in sim0.nodes["injection"].items():
        inj[idx[str(nid)]] = float(v)
    model = _NetworkModel(chk.network, gas_, float(sim0.temperature), inj,
                          _modes_of(chk.decisions), mode="capacity")
    p0 = sim0.nodes["pressure"].reindex(model.node_ids).to_numpy(dtype=float)
    p0 = np.where(np.isfinite(p0), p0, float(np.nanmean(p0)))
    q0 = sim0.edges["mass_flow"].reindex([e.id for e in model.edges]).to_numpy(dtype=float)
    _, _, lam, net_s, sim, viol, match, it = _network_iterate(model, p0, q0, 1.0, None, log)
    if match > MATCH_TOL:
        raise ConvergenceError("network capacity point does not match its re-simulation",
                               iterations=it, residual=match)
    point = model.point("capacity", net_s, sim, viol)
    binding = _network_binding(sim, model.edges)
    return NetworkCapacity(title, lam, point, binding, match, it, time.perf_counter() - t0,
                           tuple(log))


def _network_binding(sim: Any, edges: Sequence[Edge]) -> tuple[str, ...]:
    """Node pressure and element flow bounds near their limits at a simulated point."""
    out: list[str] = []
    nodes = sim.nodes
    for nid, row in nodes.iterrows():
        p = float(row["pressure"])
        if not math.isfinite(p):
            continue
        if float(row["p_min"]) > 0 and p - float(row["p_min"]) <= BINDING_PRESSURE:
            out.append(f"node {nid}: pressure at its minimum {row['p_min'] / 1e5:.3f} bar")
        if p >= float(row["p_max"]) - BINDING_PRESSURE:
            out.append(f"node {nid}: pressure at its maximum {row['p_max'] / 1e5:.3f} bar")
    flows = sim.flow
    for e in edges:
        q = flows.get(e.id, math.nan)
        for bound, word in ((e.flow_min, "minimum"), (e.flow_max, "maximum")):
            if math.isfinite(bound) and bound != 0.0 and \
                    abs(q - bound) <= BINDING_RTOL * 100 * max(1.0, abs(bound)):
                out.append(f"{type(e).__name__} {e.id}: flow at its {word} {bound:.3f} kg/s")
    return tuple(out)
