"""A fast stand-in for the hydraulic run of a dashboard job (API tests)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from trunkline.report.html import route_table
from trunkline.store import Store
from trunkline.web.cases import Case


def fake_runner(case: Case, store: Store, progress: Callable[[float, str], None],
                locked: Callable[[Callable[[], str]], str]) -> str:
    """Store a small synthetic line run for the case (no hydraulics)."""
    progress(0.5, "pretending")
    km = np.linspace(0.0, case.line.length, 20)
    maop = case.line.sections[0].maop
    profile = pd.DataFrame({"chainage": km, "elevation": case.line.elevation_at(km),
                            "pressure": np.full(20, maop * 0.9),
                            "temperature": np.full(20, 285.0), "maop": np.full(20, maop)})
    stations = pd.DataFrame({"name": ["CS-1"], "chainage": [0.0],
                             "discharge_pressure": [maop], "shaft_power": [40e6]})
    summary = {"delivery_pressure": 6.5e6, "min_delivery_pressure": 6.0e6,
               "stations": 1, "feasible": True, "violations": [],
               "throughput_text": str(case.throughput)}
    tables = {"profile": profile, "stations": stations, "route": route_table(case.line)}
    return locked(lambda: store.save("line", case.line.name, case.request.changed(), tables,
                                     summary))
