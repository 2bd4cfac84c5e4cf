"""Prices: units and currencies at the edge, index paths, and the price formulas.

Formula checks are hand computations on step index paths (values below).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trunkline.errors import InputError, UnitError
from trunkline.plan.prices import (
    BTU,
    FixedPrice,
    IndexedPrice,
    IndexPath,
    PriceContext,
    SCurve,
    builtin_path,
    daily_prices,
    load_index_csv,
    month_index,
    parse_money,
    parse_price,
)
from trunkline.units import RU

GCV = 37.19e6  # [J/m³] of the PoS2 proxy gas at RU [S:gcv-proxy] (round figure for tests)
RHO = {"RU": 0.6808, "ISO": 0.6926, "normal": 0.7431}  # [kg/m³] round figures for tests
CTX = PriceContext(RU, GCV, {"RUB": 85.0, "CNY": 7.2}, RHO)
RTOL = 1e-12


def _m(text: str) -> int:
    return int(month_index(np.array([text], dtype="datetime64[D]"))[0])


def test_money() -> None:
    assert parse_money("22 bn USD", CTX) == 22e9
    assert parse_money("850 mn RUB", CTX) == pytest.approx(10e6, rel=RTOL)
    assert parse_money(1.5e9, CTX) == 1.5e9
    with pytest.raises(InputError, match="exchange rate"):
        parse_money("1 bn EUR", CTX)
    with pytest.raises(UnitError):
        parse_money("22 bn USD/MMBtu", CTX)


def test_volume_and_energy_prices() -> None:
    assert parse_price("240 USD/1000 m3", CTX) == pytest.approx(0.24, rel=RTOL)
    assert parse_price("240 USD/kcm", CTX) == pytest.approx(0.24, rel=RTOL)
    assert parse_price("3400 RUB/1000 m3", CTX) == pytest.approx(3.4 / 85, rel=RTOL)
    # Energy prices through the GCV: 1 MMBtu = 1e6 international Btu (1055.056 J).
    assert BTU == 1055.056
    assert parse_price("6.9 USD/MMBtu", CTX) == pytest.approx(6.9 * GCV / 1.055056e9, rel=RTOL)
    assert parse_price("25 USD/MWh", CTX) == pytest.approx(25 * GCV / 3.6e9, rel=RTOL)
    # Per m³ at ISO: one ISO m³ holds ρ_ISO/ρ_RU RU m³.
    assert parse_price("240 USD/1000 m3 @ ISO", CTX) == pytest.approx(
        0.24 * RHO["RU"] / RHO["ISO"], rel=RTOL)


def test_distance_tariff() -> None:
    # $1.0 per 1,000 m³ per 100 km → USD/(m³·m)
    assert parse_price("1.0 USD/1000 m3/100 km", CTX, distance=True) == pytest.approx(
        1e-3 / 1e5, rel=RTOL)
    with pytest.raises(UnitError):
        parse_price("1.0 USD/1000 m3", CTX, distance=True)
    with pytest.raises(UnitError):
        parse_price("1.0 USD/1000 m3/100 km", CTX)


@pytest.mark.parametrize("text", ["240", "240 USD", "240 USD/furlong", "abc USD/MMBtu",
                                  "6.9 USD/MMBtu @ ISO"])
def test_bad_prices(text: str) -> None:
    with pytest.raises(UnitError):
        parse_price(text, CTX)


def _step_path() -> IndexPath:
    # 60 until December 2029, 80 from January 2030.
    return IndexPath("oil", "USD/bbl", (0, _m("2030-01-01")), (60.0, 80.0))


def test_9_0_3_formula_on_a_step() -> None:
    # Quarterly resets from January 2030, each on the 9 months before the reset:
    # Q1 on Apr-Dec 2029 = 60; Q2 on Jul 2029-Mar 2030 = (6·60 + 3·80)/9;
    # Q3 on Oct 2029-Jun 2030 = (3·60 + 6·80)/9; Q4 on Jan-Sep 2030 = 80.
    f = IndexedPrice("oil", "oil", slope=0.1, constant=1.0, unit="MMBtu")
    months = np.arange(_m("2030-01-01"), _m("2031-01-01"))
    p = f.monthly(months, _m("2030-01-01"), {"oil": _step_path()})
    x = np.repeat([60.0, (6 * 60 + 3 * 80) / 9, (3 * 60 + 6 * 80) / 9, 80.0], 3)
    np.testing.assert_allclose(p, 1.0 + 0.1 * x, rtol=RTOL)


def test_lag_shifts_the_window() -> None:
    # 6-3-1: monthly reset on the 6 months before, lagged 3 months: March 2030 averages
    # Jun-Nov 2029 = 60; July 2030 averages Oct 2029-Mar 2030 = (3·60 + 3·80)/6 = 70.
    f = IndexedPrice("oil", "oil", 1.0, 0.0, "MMBtu", averaging=6, lag=3, reset=1)
    months = np.array([_m("2030-03-01"), _m("2030-07-01")])
    p = f.monthly(months, _m("2030-01-01"), {"oil": _step_path()})
    np.testing.assert_allclose(p, [60.0, 70.0], rtol=RTOL)


def test_s_curve_flattens_outside_its_band() -> None:
    s = SCurve(50.0, 100.0, 0.5)
    np.testing.assert_allclose(s.apply(np.array([40.0, 70.0, 120.0])), [45.0, 70.0, 110.0])
    with pytest.raises(InputError):
        SCurve(100.0, 50.0)


def test_fixed_price_with_escalation() -> None:
    f = FixedPrice(0.24, "m3", escalation=0.02, base_year=2025)
    months = np.array([_m("2025-06-01"), _m("2035-01-01")])
    np.testing.assert_allclose(f.monthly(months, months[0], {}), [0.24, 0.24 * 1.02**10],
                               rtol=RTOL)


def test_daily_prices_convert_through_the_gcv() -> None:
    f = IndexedPrice("oil", "oil", 0.099, 0.0, "MMBtu")
    dates = np.arange(np.datetime64("2031-01-01"), np.datetime64("2032-01-01"))
    p = daily_prices(f, dates, {"oil": builtin_path("oil", "base")}, CTX)
    assert p.shape == dates.shape
    np.testing.assert_allclose(p, 0.099 * 70.0 * GCV / 1.055056e9, rtol=RTOL)


def test_builtin_paths() -> None:
    assert builtin_path("oil", "low").at([0])[0] < builtin_path("oil", "high").at([0])[0]
    with pytest.raises(InputError):
        builtin_path("coal", "base")


def test_index_csv(tmp_path: Path) -> None:
    p = tmp_path / "paths.csv"
    p.write_text("date,oil [USD/bbl],hub\n2030,70,9\n2031-06,80,10\n", encoding="utf-8")
    paths = load_index_csv(p)
    assert paths["oil"].unit == "USD/bbl"
    v = paths["oil"].at([_m("2029-01-01"), _m("2031-05-01"), _m("2031-06-01"),
                         _m("2040-01-01")])
    np.testing.assert_allclose(v, [70.0, 70.0, 80.0, 80.0])
    bad = tmp_path / "bad.csv"
    bad.write_text("when,oil\n2030,70\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_index_csv(bad)
