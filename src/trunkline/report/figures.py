"""Static figures (PNG) of results, drawn with matplotlib's Agg backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from trunkline.io import atomic_path
from trunkline.solve import LineResult

__all__ = ["plot_line_profile"]


def plot_line_profile(result: LineResult, target: str | Path, title: str = "") -> Path:
    """Elevation, pressure and temperature along the route, stations marked; PNG, atomic."""
    prof = result.profile
    km = prof["chainage"].to_numpy() / 1e3
    fig, (ax_p, ax_t) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True,
                                     gridspec_kw={"height_ratios": [2, 1]})
    ax_e = ax_p.twinx()
    ax_e.fill_between(km, prof["elevation"].to_numpy(), color="0.85", zorder=0, label="elevation")
    ax_e.set_ylabel("elevation [m]")
    ax_e.set_ylim(0, max(1.0, float(prof["elevation"].max())) * 3.0)
    ax_p.set_zorder(ax_e.get_zorder() + 1)
    ax_p.patch.set_visible(False)
    ax_p.plot(km, prof["pressure"].to_numpy() / 1e6, color="tab:blue", lw=1.6, label="pressure")
    ax_p.plot(km, prof["maop"].to_numpy() / 1e6, color="tab:red", lw=0.8, ls="--", label="MAOP")
    ax_p.axhline(result.min_delivery_pressure / 1e6, color="tab:orange", lw=0.8, ls=":",
                 label="min. delivery pressure")
    for s in result.station_results:
        ax_p.axvline(s.chainage / 1e3, color="0.6", lw=0.5)
    ax_p.set_ylabel("pressure [MPa]")
    ax_p.legend(loc="lower left", fontsize=8)
    ax_p.set_title(title or f"{result.scenario}: steady profile, "
                   f"{len(result.station_results)} compressor stations")
    ax_t.plot(km, prof["temperature"].to_numpy() - 273.15, color="tab:red", lw=1.2, label="gas")
    ax_t.plot(km, prof["ground_temperature"].to_numpy() - 273.15, color="tab:brown", lw=0.8,
              ls="--", label="ground")
    ax_t.set_ylabel("temperature [°C]")
    ax_t.set_xlabel("chainage [km]")
    ax_t.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    target = Path(target)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return target
