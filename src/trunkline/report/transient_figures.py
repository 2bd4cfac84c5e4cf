"""Figures (PNG) of transient runs: pressure at key points and linepack against time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from trunkline.io import atomic_path
from trunkline.solve.transient import TransientResult

__all__ = ["key_points", "plot_linepack", "plot_pressures", "write_transient_figures"]


def key_points(result: TransientResult, limit: int = 8) -> list[str]:
    """Nodes worth plotting: entry, delivery, the stations hit by events, a few others."""
    names = list(result.node_names)
    picks: list[str] = [n for n in ("entry", "delivery") if n in names]
    for ev in result.events:
        for n in names:
            station = n.split(":")[0]
            if f" {station}" in ev and n not in picks and ":suction" in n:
                picks.append(n)
    if result.is_line:
        way = [n for n in names if ":" not in n and n not in picks]
        picks += way[1:-1:max(1, len(way) // 4)][:3]
    else:
        picks += [n for n in names if n not in picks][: max(0, limit - len(picks))]
    return picks[:limit]


def _save(fig: Any, target: Path) -> Path:
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return target


def plot_pressures(result: TransientResult, target: str | Path,
                   nodes: Sequence[str] | None = None, title: str = "") -> Path:
    """Pressure [MPa] at ``nodes`` (default :func:`key_points`) against time [h]."""
    nodes = list(nodes) if nodes else key_points(result)
    hours = np.asarray(result.time) / 3600.0
    fig, ax = plt.subplots(figsize=(10, 5))
    for n in nodes:
        k = result.node_names.index(n)
        ax.plot(hours, np.asarray(result.node_pressure[:, k]) / 1e6, lw=1.4, label=n)
    if result.min_delivery_pressure is not None:
        ax.axhline(result.min_delivery_pressure / 1e6, color="tab:red", ls=":", lw=1.0,
                   label="min. delivery pressure")
    for t in result.event_times:
        ax.axvline(t / 3600.0, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel("time [h]")
    ax.set_ylabel("pressure [MPa]")
    ax.set_title(title or f"{result.name}: pressure at key points")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return _save(fig, Path(target))


def plot_linepack(result: TransientResult, target: str | Path, title: str = "") -> Path:
    """Linepack [kt] and the boundary flows [kg/s] against time [h]."""
    hours = np.asarray(result.time) / 3600.0
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 2]})
    ax.plot(hours, np.asarray(result.linepack) / 1e6, color="tab:blue", lw=1.6)
    ax.set_ylabel("linepack [kt]")
    ax.set_title(title or f"{result.name}: linepack")
    ax.grid(alpha=0.3)
    inj = np.asarray(result.node_injection)
    supply = np.where(inj > 0, inj, 0.0).sum(axis=1)
    demand = np.where(inj < 0, -inj, 0.0).sum(axis=1)
    fuel = np.asarray(result.station_fuel).sum(axis=1)
    ax2.plot(hours, supply, label="supply", color="tab:green")
    ax2.plot(hours, demand, label="withdrawal", color="tab:orange")
    if fuel.any():
        ax2.plot(hours, fuel, label="station fuel", color="tab:red")
    for t in result.event_times:
        for a in (ax, ax2):
            a.axvline(t / 3600.0, color="0.5", ls="--", lw=0.8)
    ax2.set_ylabel("mass flow [kg/s]")
    ax2.set_xlabel("time [h]")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    return _save(fig, Path(target))


def write_transient_figures(result: TransientResult, folder: str | Path,
                            title: str = "") -> list[Path]:
    """``pressure.png`` and ``linepack.png`` in ``folder`` (atomic writes)."""
    folder = Path(folder)
    return [plot_pressures(result, folder / "pressure.png", title=title),
            plot_linepack(result, folder / "linepack.png", title=title)]
