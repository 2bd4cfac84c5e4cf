"""Self-contained HTML reports of runs: one file, no network access needed to read it.

A report is built from a stored run (:func:`report_data_from_store`) or from result
objects (:func:`report_data_from_results`) and rendered by :func:`render_html`:

* a schematic route map (inline SVG): the waypoints' latitude and longitude in an
  equirectangular projection (longitude scaled by the cosine of the mean latitude),
  each route section in its own colour, border crossings and compressor stations
  marked. It carries no country outlines (no geographic dataset is bundled), so it
  is a schematic, not a map to measure on;
* interactive charts drawn by plotly.js, inlined in the file (from the ``plotly``
  package) or, for the web dashboard, loaded from a local URL: the elevation,
  pressure and temperature profile; year-by-year deliveries with the ACQ and
  take-or-pay lines, cash flow and the NPV tornado (plan runs); transient traces and
  Monte Carlo fan charts when the run has such tables;
* tables: headline figures, inputs, compressor stations, assumptions with sources.

Table conventions read here (beyond line and plan runs): a table named
``transient…`` with a ``time`` column [s] is drawn as traces over time; a table named
``fan…`` or ``montecarlo…`` with a ``year`` column and percentile columns ``p5``,
``p50``, ``p95`` … is drawn as a fan chart.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from trunkline.errors import TrunklineError
from trunkline.io import atomic_path
from trunkline.units import SECONDS_PER_CONTRACT_YEAR

if TYPE_CHECKING:
    from trunkline.model import Trunkline
    from trunkline.plan import PlanResult
    from trunkline.solve import LineResult
    from trunkline.store import Store

__all__ = [
    "ReportData",
    "html_report",
    "line_report",
    "plan_tables",
    "plotly_js_path",
    "render_body",
    "render_html",
    "report_data_from_results",
    "report_data_from_store",
    "route_table",
    "write_report",
]

_BCM: Final = 1e9
_BN: Final = 1e9
_KCM: Final = 1e3
#: One bcm a year in m³/s.
_BCM_YR: Final = _BCM / SECONDS_PER_CONTRACT_YEAR
#: Colours of the route sections, in order.
_SECTION_COLOURS: Final = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
#: Line-run tables the report knows; the plan's carry a ``plan_`` prefix in combined runs.
PLAN_TABLES: Final = ("yearly", "tornado", "assumptions", "capacity")


@dataclass(frozen=True)
class ReportData:
    """What a report shows: a run's identity, inputs, headline figures and tables."""

    title: str
    kind: str
    scenario: str
    summary: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    created: str | None = None
    versions: Mapping[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- data


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` shipped inside the ``plotly`` package (no CDN)."""
    spec = importlib.util.find_spec("plotly")
    path = (Path(spec.origin).parent / "package_data" / "plotly.min.js"
            if spec is not None and spec.origin else None)
    if path is None or not path.is_file():
        raise TrunklineError("HTML reports need plotly.js from the plotly package: "
                             "pip install 'trunkline[web]'")
    return path


def route_table(line: Trunkline) -> pd.DataFrame:
    """The route of a line: one row per waypoint (name, lat, lon, elevation [m],
    chainage [m], section, border) for the map."""
    ch = line.waypoint_chainage
    section = [""] * len(line.waypoints)
    for sec in line.sections:
        for i in range(sec.start, sec.end + 1):
            if not section[i]:
                section[i] = sec.name
    ends = {sec.end for sec in line.sections[:-1]}
    border = [i in ends or "border" in w.name.lower() for i, w in enumerate(line.waypoints)]
    return pd.DataFrame({
        "name": [w.name for w in line.waypoints],
        "lat": [w.lat for w in line.waypoints],
        "lon": [w.lon for w in line.waypoints],
        "elevation": [w.elevation for w in line.waypoints],
        "chainage": [float(c) for c in ch],
        "section": section,
        "border": border,
    })


def plan_tables(result: PlanResult) -> dict[str, pd.DataFrame]:
    """The plan tables a report draws: yearly, tornado, assumptions, capacity."""
    return {"yearly": result.yearly, "tornado": result.tornado,
            "assumptions": result.assumptions, "capacity": result.curve.table}


def report_data_from_results(line_result: LineResult | None = None, *,
                             line: Trunkline | None = None,
                             plan: PlanResult | None = None, title: str | None = None,
                             inputs: Mapping[str, Any] | None = None) -> ReportData:
    """Report data from result objects (a line result, a plan result, or both).

    ``line`` adds the route map (the waypoints of the line that was solved).
    """
    if line_result is None and plan is None:
        raise ValueError("give a line result, a plan result or both")
    tables: dict[str, pd.DataFrame] = {}
    summary: dict[str, Any] = {}
    scenario = ""
    if line_result is not None:
        tables["profile"] = line_result.profile
        tables["stations"] = line_result.stations
        summary.update(line_result.summary)
        scenario = line_result.scenario
    if line is not None:
        tables["route"] = route_table(line)
    if plan is not None:
        ptables = plan_tables(plan)
        if line_result is None:
            tables.update(ptables)
            summary.update(plan.summary)
        else:
            tables.update({f"plan_{k}": v for k, v in ptables.items()})
            summary.update({f"plan_{k}": v for k, v in plan.summary.items()})
        scenario = scenario or plan.name
    kind = "case" if line_result is not None and plan is not None else (
        "line" if line_result is not None else "plan")
    name = title or (line.title if line is not None else plan.title if plan is not None
                     else scenario)
    return ReportData(name, kind, scenario, summary, tables, dict(inputs or {}),
                      created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def report_data_from_store(store: Store, run_id: str) -> ReportData:
    """Report data of a stored run (every table it has).

    A line run stored without its route gets the route of the built-in scenario of the
    same name, if there is one (never a file named in the run's inputs).
    """
    rec = store.show(run_id)
    tables = {name: store.table(run_id, name) for name in rec["tables"]}
    scenario = str(rec.get("scenario") or "")
    title = scenario
    if "profile" in tables and "route" not in tables:
        line = _builtin_line(scenario)
        if line is not None:
            tables["route"] = route_table(line)
            title = line.title
    elif "route" in tables:
        line = _builtin_line(scenario)
        title = line.title if line is not None else scenario
    summary = rec.get("summary") or {}
    if isinstance(summary, dict) and "title" in summary and "profile" not in tables:
        title = str(summary["title"])
    created = rec.get("created")
    return ReportData(title or run_id, str(rec.get("kind", "")), scenario, summary, tables,
                      rec.get("inputs") or {}, run_id,
                      str(created)[:19] if created is not None else None,
                      rec.get("versions") or {})


def _builtin_line(name: str) -> Trunkline | None:
    from trunkline.errors import TrunklineError
    from trunkline.model import load_line
    from trunkline.model.scenario import BUILTIN_SCENARIOS

    if name not in BUILTIN_SCENARIOS:
        return None
    try:
        return load_line(name)
    except TrunklineError:
        return None


# ----------------------------------------------------------------------------- helpers


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(values: Any, scale: float = 1.0, offset: float = 0.0) -> list[float | None]:
    """A JSON-safe list of floats (NaN and inf become null)."""
    arr = np.asarray(values, dtype=float) / scale + offset
    return [None if not math.isfinite(v) else round(float(v), 6) for v in arr]


def _json_script(obj: Any) -> str:
    """JSON for a ``<script type="application/json">`` element (no ``</`` inside)."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.4g}"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1e3 else f"{value:,.1f}"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else "none"
    return str(value)


#: Headline figures of a line run: summary key → (label, scale, offset, unit, format).
_LINE_FIGURES: Final[tuple[tuple[str, str, float, float, str, str], ...]] = (
    ("delivered_m3_per_s", "delivered", _BCM_YR, 0.0, "bcm/yr", "{:.2f}"),
    ("throughput_m3_per_s", "entry flow (incl. fuel)", _BCM_YR, 0.0, "bcm/yr",
     "{:.2f}"),
    ("mass_flow", "entry mass flow", 1.0, 0.0, "kg/s", "{:.1f}"),
    ("length", "route length", 1e3, 0.0, "km", "{:,.0f}"),
    ("entry_pressure", "entry pressure", 1e6, 0.0, "MPa", "{:.2f}"),
    ("delivery_pressure", "delivery pressure", 1e6, 0.0, "MPa", "{:.2f}"),
    ("min_delivery_pressure", "minimum delivery pressure", 1e6, 0.0, "MPa", "{:.2f}"),
    ("max_pressure", "maximum pressure", 1e6, 0.0, "MPa", "{:.2f}"),
    ("delivery_temperature", "delivery temperature", 1.0, -273.15, "°C", "{:.1f}"),
    ("stations", "compressor stations", 1.0, 0.0, "", "{:.0f}"),
    ("units_running", "units running", 1.0, 0.0, "", "{:.0f}"),
    ("units_installed", "units installed", 1.0, 0.0, "", "{:.0f}"),
    ("shaft_power", "shaft power", 1e6, 0.0, "MW", "{:,.0f}"),
    ("installed_power", "installed power", 1e6, 0.0, "MW", "{:,.0f}"),
    ("fuel_mass_flow", "fuel gas", 1.0, 0.0, "kg/s", "{:.1f}"),
    ("fuel_share", "fuel share of entry flow", 0.01, 0.0, "%", "{:.2f}"),
    ("linepack_m3", "linepack", 1e6, 0.0, "mcm", "{:,.0f}"),
    ("max_velocity", "maximum velocity", 1.0, 0.0, "m/s", "{:.1f}"),
)
#: Headline figures of a plan: summary key → (label, unit, format).
_PLAN_FIGURES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("acq_bcm_per_yr", "ACQ", "bcm/yr", "{:.1f}"),
    ("delivered_bcm", "delivered over the term", "bcm", "{:,.0f}"),
    ("deficiency_paid_bcm", "take-or-pay deficiency paid", "bcm", "{:.2f}"),
    ("shortfall_bcm", "shortfall", "bcm", "{:.2f}"),
    ("mean_price_usd_per_kcm", "mean border price", "USD/1,000 m³", "{:.0f}"),
    ("capex_bn_usd", "capex", "bn USD", "{:.1f}"),
    ("discount_rate_percent", "discount rate", "%", "{:.1f}"),
    ("npv_bn_usd", "NPV", "bn USD", "{:.2f}"),
    ("irr_percent", "IRR", "%", "{:.2f}"),
    ("payback_year", "payback year", "", "{:.1f}"),
    ("breakeven_price_usd_per_kcm", "breakeven border price", "USD/1,000 m³", "{:.0f}"),
    ("levelised_tariff_usd_per_kcm_100km", "levelised tariff", "USD/1,000 m³/100 km",
     "{:.2f}"),
    ("co2e_mt", "emissions over the term", "Mt CO2e", "{:.0f}"),
    ("intensity_g_co2e_per_mj", "emissions intensity", "g CO2e/MJ", "{:.2f}"),
)


def headline_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value with unit) of the known headline figures of a summary."""
    rows: list[tuple[str, str]] = []
    for key, label, scale, offset, unit, pattern in _LINE_FIGURES:
        v = summary.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            rows.append((label, f"{pattern.format(v / scale + offset)} {unit}".strip()))
    if "feasible" in summary:
        rows.append(("all limits hold", "yes" if summary["feasible"] else "NO"))
    for prefix in ("", "plan_"):
        for key, label, unit, pattern in _PLAN_FIGURES:
            v = summary.get(prefix + key)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                rows.append((label, f"{pattern.format(v)} {unit}".strip()))
            elif prefix + key in summary and v is None:
                rows.append((label, "none"))
    return rows


def _table_html(df: pd.DataFrame, columns: Sequence[tuple[str, str, float, float, str]],
                cls: str = "") -> str:
    """An HTML table of selected columns: (column, header, scale, offset, format)."""
    head = "".join(f"<th>{_esc(h)}</th>" for _, h, _, _, _ in columns)
    body = []
    for _, row in df.iterrows():
        cells = []
        for col, _, scale, offset, pattern in columns:
            v = row.get(col)
            if isinstance(v, bool | np.bool_):
                text = "yes" if v else "no"
            elif isinstance(v, int | float | np.integer | np.floating) and pattern:
                fv = float(v)
                text = pattern.format(fv / scale + offset) if math.isfinite(fv) else "—"
            else:
                text = "—" if v is None else str(v)
            cells.append(f"<td>{_esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="tl-table {cls}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


# ----------------------------------------------------------------------------- figures


def route_svg(route: pd.DataFrame, stations: pd.DataFrame | None = None,
              width: int = 920, height: int = 440) -> str:
    """A schematic route map (inline SVG) from the waypoints' latitude and longitude."""
    lat = route["lat"].to_numpy(dtype=float)
    lon = route["lon"].to_numpy(dtype=float)
    k = math.cos(math.radians(float(np.mean(lat))))
    pad = 1.5
    x0, x1 = (float(lon.min()) - pad) * k, (float(lon.max()) + pad) * k
    y0, y1 = float(lat.min()) - pad, float(lat.max()) + pad
    scale = min((width - 40) / (x1 - x0), (height - 40) / (y1 - y0))
    ox = (width - (x1 - x0) * scale) / 2
    oy = (height - (y1 - y0) * scale) / 2

    def px(lo: float, la: float) -> tuple[float, float]:
        return (ox + (lo * k - x0) * scale, height - oy - (la - y0) * scale)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="schematic route map" class="tl-map">',
             f'<rect width="{width}" height="{height}" fill="#f7f9fb"/>']
    # graticule every 5 degrees
    for g in range(math.floor(float(lon.min()) - pad) // 5 * 5, int(lon.max() + pad) + 5, 5):
        if x0 <= g * k <= x1:
            (gx, _), (_, gy1) = px(g, y0), px(g, y1)
            parts.append(f'<line x1="{gx:.1f}" y1="{gy1:.1f}" x2="{gx:.1f}" '
                         f'y2="{height - oy:.1f}" class="grat"/>'
                         f'<text x="{gx + 3:.1f}" y="{height - oy - 4:.1f}" '
                         f'class="gratlab">{g}°E</text>')
    for g in range(math.floor(float(lat.min()) - pad) // 5 * 5, int(lat.max() + pad) + 5, 5):
        if y0 <= g <= y1:
            (gx0, gy), (gx1, _) = px(x0 / k, g), px(x1 / k, g)
            parts.append(f'<line x1="{gx0:.1f}" y1="{gy:.1f}" x2="{gx1:.1f}" y2="{gy:.1f}" '
                         f'class="grat"/><text x="{gx0 + 3:.1f}" y="{gy - 3:.1f}" '
                         f'class="gratlab">{g}°N</text>')
    # sections
    sections = list(dict.fromkeys(str(s) for s in route["section"]))
    legend = []
    for si, name in enumerate(sections):
        colour = _SECTION_COLOURS[si % len(_SECTION_COLOURS)]
        idx = [i for i, s in enumerate(route["section"]) if str(s) == name]
        last = idx[-1] + 1 if idx[-1] + 1 < len(route) else idx[-1]
        pts = [px(lon[i], lat[i]) for i in [*idx, last] if i < len(route)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in dict.fromkeys(pts))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="4" stroke-linejoin="round"><title>{_esc(name)}</title>'
                     "</polyline>")
        legend.append((colour, name))
    # compressor stations, interpolated on the route by chainage
    if stations is not None and len(stations) and "chainage" in stations:
        ch = route["chainage"].to_numpy(dtype=float)
        for _, s in stations.iterrows():
            c = float(s["chainage"])
            sx, sy = px(float(np.interp(c, ch, lon)), float(np.interp(c, ch, lat)))
            tip = f"{s.get('name', '')} — km {c / 1e3:,.0f}"
            if "shaft_power" in s:
                tip += f", {float(s['shaft_power']) / 1e6:.1f} MW"
            parts.append(f'<rect x="{sx - 3.5:.1f}" y="{sy - 3.5:.1f}" width="7" height="7" '
                         f'class="cs"><title>{_esc(tip)}</title></rect>')
    # waypoints and border crossings
    for i, (_, row) in enumerate(route.iterrows()):
        x, y = px(float(row["lon"]), float(row["lat"]))
        name = str(row["name"])
        if bool(row["border"]):
            parts.append(f'<path d="M{x:.1f},{y - 8:.1f} L{x + 8:.1f},{y:.1f} '
                         f'L{x:.1f},{y + 8:.1f} L{x - 8:.1f},{y:.1f} Z" class="border">'
                         f"<title>border crossing: {_esc(name)}</title></path>")
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="wp">'
                         f"<title>{_esc(name)}</title></circle>")
        anchor = "start" if i % 2 == 0 else "end"
        dx = 10 if anchor == "start" else -10
        parts.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                     f'class="wplab">{_esc(name)}</text>')
    first, last_pt = px(lon[0], lat[0]), px(lon[-1], lat[-1])
    parts.append(f'<text x="{first[0]:.1f}" y="{first[1] - 12:.1f}" class="endlab">entry</text>'
                 f'<text x="{last_pt[0]:.1f}" y="{last_pt[1] + 22:.1f}" class="endlab" '
                 'text-anchor="middle">delivery</text>')
    ly = 18
    for colour, name in legend:
        parts.append(f'<line x1="14" y1="{ly}" x2="40" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="4"/><text x="46" y="{ly + 4}" class="leg">'
                     f"{_esc(name)}</text>")
        ly += 18
    parts.append(f'<path d="M27,{ly - 6} L33,{ly} L27,{ly + 6} L21,{ly} Z" class="border"/>'
                 f'<text x="46" y="{ly + 4}" class="leg">border crossing</text>')
    ly += 18
    parts.append(f'<rect x="23.5" y="{ly - 3.5}" width="7" height="7" class="cs"/>'
                 f'<text x="46" y="{ly + 4}" class="leg">compressor station</text>')
    parts.append("</svg>")
    return "".join(parts)


Figure = dict[str, Any]


def profile_figure(profile: pd.DataFrame, stations: pd.DataFrame | None,
                   min_delivery_pressure: float | None) -> Figure:
    """Elevation, pressure (with MAOP) and temperature along the route."""
    km = _num(profile["chainage"], 1e3)
    data: list[dict[str, Any]] = [
        {"x": km, "y": _num(profile["elevation"]), "yaxis": "y2", "name": "elevation [m]",
         "type": "scatter", "mode": "lines", "fill": "tozeroy",
         "line": {"color": "#bbbbbb", "width": 1}, "fillcolor": "rgba(180,180,180,0.35)"},
        {"x": km, "y": _num(profile["pressure"], 1e6), "name": "pressure [MPa]",
         "type": "scatter", "mode": "lines", "line": {"color": "#1f77b4", "width": 2}},
    ]
    if "maop" in profile:
        data.append({"x": km, "y": _num(profile["maop"], 1e6), "name": "MAOP",
                     "type": "scatter", "mode": "lines",
                     "line": {"color": "#d62728", "width": 1, "dash": "dash"}})
    if min_delivery_pressure:
        data.append({"x": [km[0], km[-1]], "y": [min_delivery_pressure / 1e6] * 2,
                     "name": "min. delivery pressure", "type": "scatter", "mode": "lines",
                     "line": {"color": "#ff7f0e", "width": 1, "dash": "dot"}})
    if stations is not None and len(stations):
        data.append({"x": _num(stations["chainage"], 1e3),
                     "y": _num(stations["discharge_pressure"], 1e6),
                     "text": [str(n) for n in stations["name"]], "name": "stations",
                     "type": "scatter", "mode": "markers",
                     "marker": {"symbol": "triangle-up", "size": 8, "color": "#444"},
                     "hovertemplate": "%{text}<br>km %{x:.0f}<br>%{y:.2f} MPa<extra></extra>"})
    data.append({"x": km, "y": _num(profile["temperature"], 1.0, -273.15), "yaxis": "y3",
                 "name": "gas temperature [°C]", "type": "scatter", "mode": "lines",
                 "line": {"color": "#d62728", "width": 1.5}})
    if "ground_temperature" in profile:
        data.append({"x": km, "y": _num(profile["ground_temperature"], 1.0, -273.15),
                     "yaxis": "y3", "name": "ground [°C]", "type": "scatter",
                     "mode": "lines", "line": {"color": "#8c564b", "width": 1, "dash": "dash"}})
    layout = {
        "height": 560, "margin": {"l": 60, "r": 60, "t": 30, "b": 50},
        "hovermode": "x unified", "legend": {"orientation": "h", "y": -0.12},
        "xaxis": {"title": {"text": "chainage [km]"}, "anchor": "y3"},
        "yaxis": {"title": {"text": "pressure [MPa]"}, "domain": [0.42, 1.0]},
        "yaxis2": {"title": {"text": "elevation [m]"}, "overlaying": "y", "side": "right",
                   "showgrid": False, "rangemode": "tozero"},
        "yaxis3": {"title": {"text": "temperature [°C]"}, "domain": [0.0, 0.33]},
    }
    return {"data": data, "layout": layout}


def deliveries_figure(yearly: pd.DataFrame) -> Figure:
    """Delivered volume per contract year with the ACQ and take-or-pay lines."""
    y = yearly[yearly["phase"] == "operation"] if "phase" in yearly else yearly
    years = [int(v) for v in y["year"]]
    data: list[dict[str, Any]] = [
        {"x": years, "y": _num(y["delivered"], _BCM), "name": "delivered", "type": "bar",
         "marker": {"color": "#1f77b4"}},
    ]
    if "deficiency" in y:
        data.append({"x": years, "y": _num(y["deficiency"], _BCM),
                     "name": "take-or-pay deficiency paid", "type": "bar",
                     "marker": {"color": "#d62728"}})
    data.append({"x": years, "y": _num(y["acq"], _BCM), "name": "ACQ", "type": "scatter",
                 "mode": "lines", "line": {"color": "#000", "shape": "hvh", "width": 2}})
    if "top_quantity" in y:
        data.append({"x": years, "y": _num(y["top_quantity"], _BCM),
                     "name": "take-or-pay quantity", "type": "scatter", "mode": "lines",
                     "line": {"color": "#d62728", "shape": "hvh", "dash": "dash"}})
    return {"data": data, "layout": {
        "height": 380, "barmode": "stack", "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "xaxis": {"title": {"text": "year"}}, "yaxis": {"title": {"text": "bcm"}},
        "legend": {"orientation": "h", "y": -0.2}}}


def cash_flow_figure(yearly: pd.DataFrame) -> Figure:
    """Yearly cash flow (bars) and cumulative and discounted cumulative cash flow."""
    years = [int(v) for v in yearly["year"]]
    cf = yearly["cash_flow"].to_numpy(dtype=float)
    data: list[dict[str, Any]] = [
        {"x": years, "y": _num(cf, _BN), "name": "cash flow", "type": "bar",
         "marker": {"color": ["#2ca02c" if v >= 0 else "#d62728" for v in cf]}},
        {"x": years, "y": _num(np.cumsum(cf), _BN), "name": "cumulative",
         "type": "scatter", "mode": "lines", "line": {"color": "#000"}},
    ]
    if "discounted_cash_flow" in yearly:
        data.append({"x": years,
                     "y": _num(np.cumsum(yearly["discounted_cash_flow"].to_numpy(float)), _BN),
                     "name": "cumulative discounted", "type": "scatter", "mode": "lines",
                     "line": {"color": "#d62728", "dash": "dash"}})
    return {"data": data, "layout": {
        "height": 380, "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "xaxis": {"title": {"text": "year"}}, "yaxis": {"title": {"text": "bn USD"}},
        "legend": {"orientation": "h", "y": -0.2}}}


def tornado_figure(tornado: pd.DataFrame, base_npv: float | None) -> Figure:
    """NPV at the low and high setting of each sensitivity, around the base NPV."""
    t = tornado.iloc[::-1]
    base = base_npv if base_npv is not None else float(
        t["npv_base"].iloc[0]) / _BN if "npv_base" in t and len(t) else 0.0
    names = [str(v) for v in t["variable"]]
    lo = t["npv_low"].to_numpy(dtype=float) / _BN - base
    hi = t["npv_high"].to_numpy(dtype=float) / _BN - base
    data = [
        {"y": names, "x": _num(lo), "base": base, "orientation": "h", "type": "bar",
         "name": "low setting", "text": [str(v) for v in t["low"]],
         "marker": {"color": "#1f77b4"},
         "hovertemplate": "%{y}: %{text}<br>NPV %{x:.2f} bn USD from base<extra></extra>"},
        {"y": names, "x": _num(hi), "base": base, "orientation": "h", "type": "bar",
         "name": "high setting", "text": [str(v) for v in t["high"]],
         "marker": {"color": "#ff7f0e"},
         "hovertemplate": "%{y}: %{text}<br>NPV %{x:.2f} bn USD from base<extra></extra>"},
    ]
    return {"data": data, "layout": {
        "height": 60 + 50 * max(len(names), 1), "barmode": "overlay",
        "margin": {"l": 170, "r": 20, "t": 30, "b": 40},
        "xaxis": {"title": {"text": "NPV [bn USD]"}},
        "shapes": [{"type": "line", "x0": base, "x1": base, "yref": "paper", "y0": 0, "y1": 1,
                    "line": {"color": "#000", "width": 1}}],
        "legend": {"orientation": "h", "y": -0.25}}}


_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def fan_figure(table: pd.DataFrame, name: str) -> Figure | None:
    """A Monte Carlo fan chart: bands between symmetric percentiles, the median line."""
    xcol = "year" if "year" in table else "x" if "x" in table else None
    pcts = sorted((float(m.group(1)), c) for c in table.columns
                  if (m := _PERCENTILE.match(str(c))))
    if xcol is None or len(pcts) < 2:
        return None
    x = [float(v) for v in table[xcol]]
    data: list[dict[str, Any]] = []
    n = len(pcts)
    for i in range(n // 2):
        (plo, clo), (phi, chi) = pcts[i], pcts[n - 1 - i]
        alpha = 0.15 + 0.2 * i
        data.append({"x": x, "y": _num(table[clo]), "type": "scatter", "mode": "lines",
                     "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"})
        data.append({"x": x, "y": _num(table[chi]), "type": "scatter", "mode": "lines",
                     "line": {"width": 0}, "fill": "tonexty",
                     "fillcolor": f"rgba(31,119,180,{alpha:.2f})",
                     "name": f"P{plo:g}–P{phi:g}"})
    mid = min(pcts, key=lambda p: abs(p[0] - 50))
    data.append({"x": x, "y": _num(table[mid[1]]), "type": "scatter", "mode": "lines",
                 "line": {"color": "#1f77b4", "width": 2}, "name": f"P{mid[0]:g}"})
    return {"data": data, "layout": {
        "height": 360, "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "title": {"text": name}, "xaxis": {"title": {"text": xcol}},
        "legend": {"orientation": "h", "y": -0.2}}}


def transient_figure(table: pd.DataFrame, name: str) -> Figure | None:
    """Traces of a transient run over time (hours)."""
    if "time" not in table:
        return None
    hours = _num(table["time"], 3600.0)
    cols = [c for c in table.columns if c != "time" and pd.api.types.is_numeric_dtype(table[c])]
    data = [{"x": hours, "y": _num(table[c]), "type": "scatter", "mode": "lines",
             "name": str(c)} for c in cols[:10]]
    if not data:
        return None
    return {"data": data, "layout": {
        "height": 360, "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "title": {"text": name}, "xaxis": {"title": {"text": "time [h]"}},
        "legend": {"orientation": "h", "y": -0.2}}}


# ----------------------------------------------------------------------------- page


_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fff}
main{max-width:1100px;margin:0 auto;padding:0 18px 40px}
h1{font-size:1.5rem;margin:18px 0 4px}h2{font-size:1.15rem;margin:28px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:.9rem}
.tl-table{border-collapse:collapse;font-size:.85rem;margin:6px 0;width:100%}
.tl-table th,.tl-table td{border:1px solid #ddd;padding:3px 7px;text-align:right}
.tl-table th{background:#f2f4f7}.tl-table td:first-child,.tl-table th:first-child{
text-align:left}
.tl-table.wide td{text-align:left;vertical-align:top}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 10px;background:#fafbfc}
.card .k{font-size:.8rem;color:#555}.card .v{font-size:1.1rem;font-weight:600}
.bad{color:#b00020}.ok{color:#1b7f3b}
.tl-fig{width:100%;min-height:300px}
.tl-map{width:100%;height:auto;border:1px solid #ddd}
.tl-map .grat{stroke:#dde3ea;stroke-width:1}.tl-map .gratlab{font-size:10px;fill:#8a96a3}
.tl-map .wp{fill:#fff;stroke:#333;stroke-width:1.2}.tl-map .wplab{font-size:11px;fill:#222}
.tl-map .border{fill:#ffbf00;stroke:#333;stroke-width:1}
.tl-map .cs{fill:#333}.tl-map .leg{font-size:12px}.tl-map .endlab{font-size:12px;
font-weight:600;fill:#555}
figcaption{font-size:.85rem;color:#555;margin-top:4px}
details{margin:8px 0}
"""

_FIG_JS: Final = """
(function(){
  function draw(){
    if(typeof Plotly==="undefined"){return;}
    document.querySelectorAll("div.tl-fig").forEach(function(div){
      var spec=JSON.parse(document.getElementById(div.dataset.spec).textContent);
      Plotly.newPlot(div,spec.data,spec.layout,{responsive:true,displaylogo:false});
    });
  }
  if(document.readyState==="loading"){document.addEventListener("DOMContentLoaded",draw);}
  else{draw();}
})();
"""


class _Page:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0

    def add(self, text: str) -> None:
        self.parts.append(text)

    def figure(self, fig: Figure, caption: str, ident: str) -> None:
        self.n += 1
        spec = f"spec-{ident}"
        self.parts.append(
            f'<figure><div class="tl-fig" id="fig-{ident}" data-spec="{spec}"></div>'
            f'<script type="application/json" id="{spec}">{_json_script(fig)}</script>'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def render_body(data: ReportData) -> str:
    """The report's content (sections, tables, figures) without the page around it."""
    page = _Page()
    t = data.tables
    s = data.summary
    page.add(f"<h1>{_esc(data.title)}</h1>")
    meta = [f"kind: {data.kind}"] if data.kind else []
    if data.run_id:
        meta.append(f"run {data.run_id}")
    if data.created:
        meta.append(f"created {data.created}")
    if data.versions.get("trunkline"):
        meta.append(f"trunkline {data.versions['trunkline']}")
    page.add(f'<p class="meta">{_esc(" · ".join(meta))}</p>')

    rows = headline_rows(s)
    if rows:
        page.add('<h2 id="headline">Headline figures</h2><div class="cards">')
        for label, value in rows:
            cls = " bad" if value == "NO" else ""
            page.add(f'<div class="card"><div class="k">{_esc(label)}</div>'
                     f'<div class="v{cls}">{_esc(value)}</div></div>')
        page.add("</div>")
        viol = s.get("violations")
        if isinstance(viol, list) and viol:
            page.add('<p class="bad">Limits not met: ' + "; ".join(_esc(v) for v in viol)
                     + "</p>")

    if data.inputs:
        page.add('<h2 id="inputs">Inputs</h2>')
        page.add(_table_html(pd.DataFrame({"input": list(data.inputs),
                                           "value": [_fmt(v) for v in data.inputs.values()]}),
                             [("input", "input", 1, 0, ""), ("value", "value", 1, 0, "")],
                             "wide"))

    if "route" in t:
        page.add('<h2 id="map">Route</h2><figure id="route-map">')
        page.add(route_svg(t["route"], t.get("stations")))
        page.add("<figcaption>Schematic route map: waypoints by latitude and longitude "
                 "(equirectangular projection), sections coloured, border crossings as "
                 "diamonds, compressor stations as squares (hover for details). No country "
                 "outlines are drawn.</figcaption></figure>")

    if "profile" in t:
        page.add('<h2 id="profile">Profile along the route</h2>')
        mdp = s.get("min_delivery_pressure")
        page.figure(profile_figure(t["profile"], t.get("stations"),
                                   float(mdp) if isinstance(mdp, int | float) else None),
                    "Pressure, MAOP and elevation (top); gas and ground temperature "
                    "(bottom); triangles: station discharge.", "profile")
    if "stations" in t and len(t["stations"]):
        page.add('<h2 id="stations">Compressor stations</h2>')
        page.add(_table_html(t["stations"], [
            ("name", "station", 1, 0, ""), ("chainage", "km", 1e3, 0, "{:,.0f}"),
            ("suction_pressure", "p suction [MPa]", 1e6, 0, "{:.2f}"),
            ("discharge_pressure", "p discharge [MPa]", 1e6, 0, "{:.2f}"),
            ("ratio", "ratio", 1, 0, "{:.3f}"),
            ("discharge_temperature", "T discharge [°C]", 1, -273.15, "{:.1f}"),
            ("outlet_temperature", "T after cooler [°C]", 1, -273.15, "{:.1f}"),
            ("shaft_power", "shaft power [MW]", 1e6, 0, "{:.1f}"),
            ("units_running", "units running", 1, 0, "{:.0f}"),
            ("units_installed", "installed", 1, 0, "{:.0f}"),
            ("fuel", "fuel [kg/s]", 1, 0, "{:.2f}"),
            ("power_limited", "power-limited", 1, 0, "")]))

    for name in sorted(t):
        if name.startswith("transient"):
            fig = transient_figure(t[name], name)
            if fig is not None:
                page.add(f'<h2 id="{_esc(name)}">Transient: {_esc(name)}</h2>')
                page.figure(fig, "Traces over time.", name)

    pre = "plan_" if "plan_yearly" in t else ""
    yearly = t.get(pre + "yearly")
    if yearly is not None and {"delivered", "acq"} <= set(yearly.columns):
        page.add('<h2 id="deliveries">Deliveries over the term</h2>')
        page.figure(deliveries_figure(yearly), "Delivered volume per contract year "
                    "(bcm at the contract reference) against the annual contract quantity "
                    "and the take-or-pay quantity.", "deliveries")
    if yearly is not None and "cash_flow" in yearly:
        page.add('<h2 id="cashflow">Cash flow</h2>')
        page.figure(cash_flow_figure(yearly), "Yearly cash flow and its cumulative sums.",
                    "cashflow")
    tornado = t.get(pre + "tornado")
    if tornado is not None and len(tornado) and {"npv_low", "npv_high"} <= set(tornado):
        npv = s.get(pre + "npv_bn_usd")
        page.add('<h2 id="tornado">NPV sensitivity</h2>')
        page.figure(tornado_figure(tornado, float(npv) if isinstance(npv, int | float)
                                   else None),
                    "NPV at the low and high setting of each input; the line is the base NPV.",
                    "tornado")

    for name in sorted(t):
        if name.startswith(("fan", "montecarlo", "plan_fan")):
            fig = fan_figure(t[name], name)
            if fig is not None:
                page.add(f'<h2 id="{_esc(name)}">Monte Carlo: {_esc(name)}</h2>')
                page.figure(fig, "Percentile bands of the ensemble; line: median.", name)

    cap = t.get(pre + "capacity")
    if cap is not None and len(cap) and "capacity" in cap:
        page.add('<h2 id="capacity">Hydraulic capacity</h2>')
        page.add(_table_html(cap, [("month", "month", 1, 0, "{:.0f}"),
                                   ("capacity", "capacity [bcm/yr]", _BCM_YR, 0,
                                    "{:.2f}"),
                                   ("limit", "binding limit", 1, 0, "")]))
    assumptions = t.get(pre + "assumptions")
    if assumptions is not None and len(assumptions):
        page.add('<h2 id="assumptions">Assumptions and sources</h2>')
        page.add("<p class=\"meta\">Source tags [S:…] refer to the sections of "
                 "docs/sources.md; “assumption” marks a value chosen with the reasoning "
                 "given in the note.</p>")
        cols = [(c, c, 1.0, 0.0, "") for c in ("field", "value", "source", "note")
                if c in assumptions]
        page.add(_table_html(assumptions, cols, "wide"))

    other = {k: v for k, v in s.items() if not isinstance(v, dict | list) or k == "violations"}
    if other:
        page.add("<details><summary>All summary values</summary>")
        page.add(_table_html(pd.DataFrame({"key": list(other),
                                           "value": [_fmt(v) for v in other.values()]}),
                             [("key", "key", 1, 0, ""), ("value", "value", 1, 0, "")], "wide"))
        page.add("</details>")
    return "".join(page.parts)


def render_html(data: ReportData, *, plotly_url: str | None = None,
                script_url: str | None = None, head: str = "", nav: str = "") -> str:
    """A whole HTML page for the report.

    With ``plotly_url`` None, plotly.js is inlined (a self-contained file of ~5 MB that
    opens offline); otherwise the page loads it from that (local) URL. ``script_url``
    loads the figure-drawing script from a URL instead of inlining it (for pages served
    with a strict content security policy).
    """
    if plotly_url is None:
        js = plotly_js_path().read_text(encoding="utf-8").replace("</script", "<\\/script")
        plotly_tag = f"<script>{js}</script>"
    else:
        plotly_tag = f'<script src="{_esc(plotly_url)}"></script>'
    draw = (f'<script src="{_esc(script_url)}"></script>' if script_url is not None
            else f"<script>{_FIG_JS}</script>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_esc(data.title)} — trunkline report</title>"
        f"<style>{_CSS}</style>{head}{plotly_tag}</head><body>{nav}<main>"
        "<noscript><p class=\"bad\">The charts need JavaScript; the tables and the route "
        "map do not.</p></noscript>"
        f"{render_body(data)}"
        f"<p class=\"meta\">Generated by trunkline.</p></main>"
        f"{draw}</body></html>\n")


def write_report(text: str, target: str | Path) -> Path:
    """Write a report page atomically; returns the path."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def html_report(store: Store, run_id: str) -> str:
    """The self-contained HTML report of a stored run."""
    return render_html(report_data_from_store(store, run_id))


def line_report(result: LineResult, target: str | Path, *, line: Trunkline | None = None,
                plan: PlanResult | None = None, inputs: Mapping[str, Any] | None = None
                ) -> Path:
    """Write the self-contained HTML report of a line result (and its plan) to ``target``."""
    return write_report(render_html(report_data_from_results(result, line=line, plan=plan,
                                                             inputs=inputs)), target)
