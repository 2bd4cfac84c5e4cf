"""Figures (PNG) of a plan: deliveries against the contract, cash flow, tornado.

Drawn with matplotlib's Agg backend and written atomically. Volumes are shown
in bcm (yearly) and mcm/d (daily) at the contract reference, money in USD bn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from trunkline.io import atomic_path
from trunkline.plan import PlanResult

__all__ = ["plot_cash_flow", "plot_deliveries", "plot_tornado", "write_plan_figures"]

_BCM = 1e9
_MCM = 1e6
_BN = 1e9


def _save(fig: Any, target: str | Path, tight: bool = True) -> Path:
    target = Path(target)
    if tight:
        fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return target


def plot_deliveries(result: PlanResult, target: str | Path, year: int | None = None) -> Path:
    """Yearly deliveries against ACQ and the take-or-pay line, and one year day by day.

    ``year`` is the contract year shown daily (default: the first plateau year).
    """
    y = result.yearly
    y = y[y["phase"] == "operation"]
    d = result.daily
    ref = result.inputs.contract.reference.name
    fig, (ax_y, ax_d) = plt.subplots(2, 1, figsize=(11, 8),
                                     gridspec_kw={"height_ratios": [1.1, 1]})
    years = y["year"].to_numpy()
    ax_y.bar(years, y["delivered"] / _BCM, color="tab:blue", label="delivered")
    ax_y.bar(years, y["deficiency"] / _BCM, bottom=y["delivered"] / _BCM, color="tab:red",
             label="take-or-pay deficiency (paid, not taken)")
    ax_y.bar(years, -(y["shortfall_excused"] + y["shortfall_penalised"]) / _BCM,
             color="tab:orange", label="shortfall (maintenance and capacity)")
    ax_y.step(years, y["acq"] / _BCM, where="mid", color="k", lw=1.4, label="ACQ")
    ax_y.step(years, y["top_quantity"] / _BCM, where="mid", color="tab:red", lw=1.1, ls="--",
              label="take-or-pay quantity")
    mk = y["makeup"].to_numpy()
    if np.any(mk > 0):
        ax_y.scatter(years[mk > 0], (y["delivered"].to_numpy()[mk > 0]) / _BCM, marker="^",
                     color="tab:green", zorder=3, label="make-up gas taken")
    ax_y.axhline(0, color="0.5", lw=0.5)
    top = float(np.max((y["delivered"] + y["deficiency"]).to_numpy(), initial=0.0))
    ax_y.set_ylim(top=1.15 * max(top, float(y["acq"].max())) / _BCM)
    ax_y.set_ylabel(f"bcm/yr @ {ref}")
    ax_y.set_title(f"{result.title}: deliveries against the contract")
    ax_y.legend(fontsize=8, loc="upper left", ncol=2)

    plateau = y.loc[y["acq"] >= y["acq"].max() * (1 - 1e-9), "year"]
    show = year if year is not None else int(plateau.iloc[0] if len(plateau) else years[0])
    day = d[d["contract_year"] == show]
    t = day["date"].to_numpy()
    ax_d.plot(t, day["capacity"] / _MCM, color="0.4", lw=1.0, label="capacity (hydraulics)")
    ax_d.plot(t, day["nominated"] / _MCM, color="tab:purple", lw=1.0, ls="--",
              label="nominated")
    ax_d.plot(t, day["delivered"] / _MCM, color="tab:blue", lw=1.4, label="delivered")
    acq_y = float(y.loc[y["year"] == show, "acq"].iloc[0]) if show in set(years) else 0.0
    dcq = acq_y / max(len(day), 1) / _MCM
    c = result.inputs.contract
    ax_d.axhline(dcq, color="k", lw=0.8, label="DCQ")
    ax_d.axhspan(c.dcq_min * dcq, c.dcq_max * dcq, color="0.9", zorder=0,
                 label="flexibility band")
    maint = day["maintenance"].to_numpy()
    if np.any(maint):
        ax_d.fill_between(t, 0, 1, where=maint, transform=ax_d.get_xaxis_transform(),
                          color="tab:orange", alpha=0.2, label="planned maintenance")
    ax_d.set_ylabel(f"mcm/d @ {ref}")
    ax_d.set_title(f"contract year {show}, day by day")
    ax_d.legend(fontsize=8, loc="lower left", ncol=3)
    return _save(fig, target)


def plot_cash_flow(result: PlanResult, target: str | Path) -> Path:
    """Yearly cash-flow components (stacked), net cash flow and cumulative discounted."""
    y = result.yearly
    years = y["year"].to_numpy()
    inflow = {"gas sales": y["revenue_gas"], "take-or-pay": y["revenue_top"]}
    outflow = {
        "capex": y["capex"], "export duty": y["export_duty"],
        "gas supply and fuel": y["supply"] + y["fuel_cost"],
        "opex": y["opex_fixed"] + y["opex_variable"], "transit fee": y["transit"],
        "taxes and penalties": y["profit_tax"] + y["property_tax"] + y["penalty"],
    }
    fig, ax = plt.subplots(figsize=(11, 5.5))
    base = np.zeros(len(years))
    for name, v in inflow.items():
        vals = v.to_numpy() / _BN
        ax.bar(years, vals, bottom=base, label=name)
        base = base + vals
    base = np.zeros(len(years))
    for name, v in outflow.items():
        vals = v.to_numpy() / _BN
        ax.bar(years, vals, bottom=base, label=name)
        base = base + vals
    up = sum(v.to_numpy() for v in inflow.values()) / _BN
    down = sum(v.to_numpy() for v in outflow.values()) / _BN
    ax.set_ylim(1.1 * min(float(np.min(down)), 0.0), 1.1 * max(float(np.max(up)), 0.0))
    ax.plot(years, y["cash_flow"] / _BN, color="k", marker="o", ms=3, lw=1.2,
            label="net cash flow")
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_ylabel("USD bn a year")
    ax2 = ax.twinx()
    ax2.plot(years, np.cumsum(y["discounted_cash_flow"].to_numpy()) / _BN, color="tab:red",
             ls="--", lw=1.4, label="cumulative discounted")
    ax2.set_ylabel("cumulative discounted USD bn", color="tab:red")
    irr = "n/a" if result.irr is None else f"{100 * result.irr:.1f} %"
    ax.set_title(f"{result.title}\ncash flow: NPV {result.npv / _BN:.1f} bn USD at "
                 f"{100 * result.inputs.economics.discount_rate:.0f} %, IRR {irr}")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    fig.legend(h1 + h2, l1 + l2, fontsize=8, loc="lower center", ncol=6)
    fig.tight_layout(rect=(0.0, 0.08, 1.0, 1.0))
    return _save(fig, target, tight=False)


def plot_tornado(result: PlanResult, target: str | Path) -> Path:
    """NPV sensitivity: one bar a variable from its low to its high setting."""
    t = result.tornado.iloc[::-1].reset_index(drop=True)
    base = result.npv / _BN
    fig, ax = plt.subplots(figsize=(9, 0.6 * max(len(t), 1) + 1.6))
    for i, row in t.iterrows():
        k = int(str(i))
        lo, hi = row["npv_low"] / _BN, row["npv_high"] / _BN
        ax.barh(k, lo - base, left=base, color="tab:red", alpha=0.8,
                label="low setting" if k == 0 else None)
        ax.barh(k, hi - base, left=base, color="tab:blue", alpha=0.8,
                label="high setting" if k == 0 else None)
        ax.text(lo, k, f" {row['low']} ", va="center",
                ha="right" if lo < base else "left", fontsize=8)
        ax.text(hi, k, f" {row['high']} ", va="center",
                ha="left" if hi >= base else "right", fontsize=8)
    ax.set_yticks(range(len(t)), list(t["variable"]))
    ax.axvline(base, color="k", lw=1)
    ax.set_xlabel("NPV [USD bn]")
    ax.set_title(f"{result.title}\nNPV sensitivity (base {base:.1f} bn USD)")
    ax.margins(x=0.2)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, target)


def write_plan_figures(result: PlanResult, folder: str | Path) -> list[Path]:
    """deliveries.png, cash_flow.png and (with a tornado) tornado.png in ``folder``."""
    folder = Path(folder)
    paths = [plot_deliveries(result, folder / "deliveries.png"),
             plot_cash_flow(result, folder / "cash_flow.png")]
    if len(result.tornado):
        paths.append(plot_tornado(result, folder / "tornado.png"))
    return paths
