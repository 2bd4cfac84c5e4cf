"""The self-contained HTML report: content, offline use, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trunkline.model import load_line
from trunkline.report.html import (
    ReportData,
    html_report,
    render_html,
    report_data_from_store,
    route_svg,
    route_table,
    write_report,
)
from trunkline.store import Store


def _line_tables() -> dict[str, pd.DataFrame]:
    line = load_line("power_of_siberia_2")
    route = route_table(line)
    km = np.linspace(0.0, line.length, 50)
    profile = pd.DataFrame({
        "chainage": km, "section": ["Russia"] * 50, "elevation": line.elevation_at(km),
        "pressure": 9.8e6 - (km % 120e3) * 20.0, "temperature": 290.0 - km / 1e6,
        "ground_temperature": np.full(50, 276.0), "maop": np.full(50, 9.8e6)})
    stations = pd.DataFrame({
        "name": ["CS-1", "<script>alert(1)</script>"], "chainage": [0.0, 1.2e6],
        "suction_pressure": [7.0e6, 7.5e6], "discharge_pressure": [9.8e6, 9.8e6],
        "discharge_temperature": [312.0, 303.0], "outlet_temperature": [293.0, 293.0],
        "ratio": [1.4, 1.3], "shaft_power": [55e6, 40e6], "units_running": [2, 2],
        "units_installed": [3, 4], "fuel": [3.1, 2.3], "power_limited": [False, False]})
    return {"route": route, "profile": profile, "stations": stations}


def _plan_tables() -> dict[str, pd.DataFrame]:
    years = np.arange(2026, 2061)
    op = years >= 2031
    yearly = pd.DataFrame({
        "year": years, "phase": np.where(op, "operation", "construction"),
        "acq": np.where(op, 50e9, 0.0), "delivered": np.where(op, 49e9, 0.0),
        "deficiency": np.where(op, 0.5e9, 0.0), "top_quantity": np.where(op, 42.5e9, 0.0),
        "cash_flow": np.where(op, 2e9, -4e9),
        "discounted_cash_flow": np.where(op, 1e9, -3.5e9)})
    tornado = pd.DataFrame({"variable": ["price", "capex"], "low": ["-20 %", "-20 %"],
                            "high": ["+20 %", "+20 %"], "npv_low": [-3e9, 5e9],
                            "npv_high": [7e9, -1e9], "npv_base": [1.6e9, 1.6e9]})
    assumptions = pd.DataFrame({"field": ["plan.contract.acq", "plan.money.discount_rate"],
                                "value": ["50 bcm/yr @ RU", "0.1"],
                                "source": ["[S:acq]", "assumption"],
                                "note": ["Up to 50 bcm/yr", "real rate"]})
    fan = pd.DataFrame({"year": years, "p5": years * 0.0 - 1, "p50": years * 0.0,
                        "p95": years * 0.0 + 1})
    transient = pd.DataFrame({"time": np.arange(0, 86400, 3600.0),
                              "delivery_pressure": np.linspace(6.5e6, 6.2e6, 24)})
    return {"plan_yearly": yearly, "plan_tornado": tornado, "plan_assumptions": assumptions,
            "montecarlo_npv": fan, "transient_trip": transient}


@pytest.fixture()
def report_text() -> str:
    data = ReportData("PoS2 test", "case", "power_of_siberia_2",
                      {"delivery_pressure": 6.5e6, "min_delivery_pressure": 6e6,
                       "feasible": True, "violations": [], "plan_npv_bn_usd": 1.6},
                      {**_line_tables(), **_plan_tables()}, {"throughput": "45 bcm/yr @ RU"})
    return render_html(data)


def test_report_is_self_contained(report_text: str) -> None:
    assert "Plotly" in report_text and len(report_text) > 1_000_000  # plotly.js inlined
    # nothing is fetched: no external scripts, stylesheets, images or frames
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", report_text)
    assert "cdn." not in report_text.split("<script>")[0]


def test_report_sections(report_text: str) -> None:
    for ident in ("fig-profile", "fig-deliveries", "fig-cashflow", "fig-tornado",
                  "fig-montecarlo_npv", "fig-transient_trip", 'id="route-map"',
                  'id="stations"', 'id="assumptions"'):
        assert ident in report_text, ident
    svg = report_text.split('id="route-map">')[1].split("</svg>")[0]
    assert svg.count('class="border"') == 3  # Naushki, Erenhot + the legend symbol
    assert "border crossing: Naushki (border)" in svg
    assert svg.count('class="cs"') == 3  # two stations + the legend symbol
    assert "Russia" in svg and "Mongolia (Soyuz Vostok)" in svg
    assert "[S:acq]" in report_text and "take-or-pay quantity" in report_text


def test_report_escapes_text(report_text: str) -> None:
    assert "<script>alert(1)</script>" not in report_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report_text


def test_route_svg_projects_all_waypoints() -> None:
    route = route_table(load_line("power_of_siberia_2"))
    svg = route_svg(route)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="wp"') + svg.count("<title>border crossing") == len(route)
    assert route["border"].sum() == 2


def test_report_from_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.duckdb")
    tables = _line_tables()
    del tables["route"]  # a CLI run: the route comes from the built-in scenario
    rid = store.save("line", "power_of_siberia_2", {"throughput": None}, tables,
                     {"delivery_pressure": 6.5e6, "feasible": False,
                      "violations": ["CS-2: suction below minimum"]})
    data = report_data_from_store(store, rid)
    assert "route" in data.tables and data.title.startswith("Power of Siberia 2")
    target = write_report(html_report(store, rid), tmp_path / "r.html")
    text = target.read_text(encoding="utf-8")
    assert rid in text and "Limits not met" in text and "CS-2: suction below minimum" in text
