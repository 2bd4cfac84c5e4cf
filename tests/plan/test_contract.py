"""The contract engine: hand-computed take-or-pay and make-up cases, and properties.

The hand cases use a 1,460 m³/yr contract (DCQ 4 m³/d in a 365-day year) and
capacities that are exact binary fractions, so every volume below is exactly
representable and the engine must reproduce it exactly (``==``), not within a
tolerance. Take-or-pay rules: module docstring of :mod:`trunkline.plan.contract`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError
from trunkline.plan.capacity import table_curve
from trunkline.plan.contract import (
    FLAT,
    NORTH_CHINA_WINTER,
    ContractResult,
    ContractTerms,
    SeasonalProfile,
    load_profile,
    run_contract,
    settle_take_or_pay,
)
from trunkline.units import ISO, RU

ACQ = 1460.0  # [m³/yr] → DCQ 4 m³/d in a common year
AMPLE = 2.0**-14  # [m³/s] → 5.2734375 m³/d, above any nomination of the hand cases
TIGHT = 2.0**-15  # [m³/s] → 2.63671875 m³/d, below the DCQ
START = date(2029, 1, 1)  # 2029, 2030, 2031: common years
SUM_RTOL = 1e-12  # sums of ~11,000 daily values, round-off only
PROPERTY_ATOL = 1e-9  # [m³] for volumes of order 1e3-1e5 in the property tests


def _terms(**kw: object) -> ContractTerms:
    base: dict[str, object] = dict(acq=ACQ, reference=RU, start=START, years=3, take=(1.0,),
                                   dcq_min=0.0, dcq_max=2.0, profile=FLAT, take_or_pay=0.875,
                                   makeup_years=2)
    base.update(kw)
    return ContractTerms(**base)  # type: ignore[arg-type]


def _run(terms: ContractTerms, rate: float = AMPLE) -> ContractResult:
    return run_contract(terms, table_curve([rate] * 12, RU))


# --------------------------------------------------------------------------- hand cases


def test_deficiency_then_makeup_hand_case() -> None:
    # Year 1 takes 75 %: 3 m³/d × 365 = 1095 m³ < TOP = 0.875 × 1460 = 1277.5 m³,
    # deficiency 182.5 m³ paid. Year 2 takes 1460 m³, 182.5 m³ above TOP: all of it
    # is credited as make-up (bank 182.5 m³). Year 3: nothing to settle.
    res = _run(_terms(take=(0.75, 1.0, 1.0)))
    st_ = res.settlement
    assert list(res.yearly_sum(res.delivered)) == [1095.0, 1460.0, 1460.0]
    assert list(res.top_quantity) == [1277.5, 1277.5, 1277.5]
    assert list(st_.deficiency) == [182.5, 0.0, 0.0]
    assert list(st_.makeup) == [0.0, 182.5, 0.0]
    assert list(st_.expired) == [0.0, 0.0, 0.0]
    assert list(st_.bank_end) == [182.5, 0.0, 0.0]
    assert st_.recovered[0, 1] == 182.5
    # Daily: the make-up gas is credited once year 2's cumulative deliveries pass
    # TOP: 1277.5 / 4 = day 319.375, so 2.5 m³ on day 320 and 4 m³ a day after.
    mk = res.makeup[365:730]
    assert mk[:319].sum() == 0.0
    assert mk[319] == 2.5
    assert np.all(mk[320:] == 4.0)
    assert mk.sum() == 182.5
    assert list(res.yearly_frame()["invoiced"]) == [1095.0, 1277.5, 1460.0]


def test_makeup_expires_after_its_window() -> None:
    # makeup_years = 1: year 1's 182.5 m³ may be recovered in year 2 only. Year 2 takes
    # 75 % again (a second deficiency of 182.5 m³), so vintage 1 expires at the end of
    # year 2; year 3 takes 100 % and recovers vintage 2 (182.5 m³ above TOP).
    res = _run(_terms(take=(0.75, 0.75, 1.0), makeup_years=1))
    st_ = res.settlement
    assert list(st_.deficiency) == [182.5, 182.5, 0.0]
    assert list(st_.expired) == [0.0, 182.5, 0.0]
    assert list(st_.makeup) == [0.0, 0.0, 182.5]
    assert st_.recovered[1, 2] == 182.5
    assert st_.recovered[0, 2] == 0.0


def test_makeup_draws_the_oldest_vintage_first_and_the_rest_expires_at_term_end() -> None:
    # Takes 75 %, 81.25 %, 93.75 %: deficiencies 182.5 and 1277.5 − 1186.25 = 91.25 m³;
    # year 3 takes 1368.75 m³, 91.25 m³ above TOP, drawn from vintage 1 (the oldest).
    # The 182.5 m³ left (91.25 of each vintage) expire at the end of the term.
    res = _run(_terms(take=(0.75, 0.8125, 0.9375), makeup_years=5))
    st_ = res.settlement
    assert list(st_.deficiency) == [182.5, 91.25, 0.0]
    assert list(st_.makeup) == [0.0, 0.0, 91.25]
    assert st_.recovered[0, 2] == 91.25
    assert st_.recovered[1, 2] == 0.0
    assert list(st_.expired) == [0.0, 0.0, 182.5]


def test_no_makeup_right() -> None:
    res = _run(_terms(take=(0.75, 1.0, 1.0), makeup_years=0))
    assert list(res.settlement.makeup) == [0.0, 0.0, 0.0]
    assert list(res.settlement.expired) == [182.5, 0.0, 0.0]


def test_seller_shortfall_reduces_the_take_or_pay_base() -> None:
    # Capacity 2.63671875 m³/d against nominations of 4 m³/d: the seller fails to
    # deliver 1.36328125 m³ a day (penalised: no maintenance). The ACQ is reduced by
    # what was not made available, so the buyer owes no deficiency.
    res = _run(_terms(take=(1.0,)), rate=TIGHT)
    delivered = 2.63671875 * 365
    assert list(res.yearly_sum(res.delivered)) == [delivered] * 3
    assert list(res.yearly_sum(res.shortfall_penalised)) == [1.36328125 * 365] * 3
    assert list(res.yearly_sum(res.shortfall_excused)) == [0.0] * 3
    assert list(res.adjusted_acq) == [ACQ - 1.36328125 * 365] * 3
    assert list(res.top_quantity) == [0.875 * (ACQ - 1.36328125 * 365)] * 3
    assert list(res.settlement.deficiency) == [0.0] * 3


def test_maintenance_shortfall_is_excused() -> None:
    # 10 maintenance days from 15 July at 50 %: capacity 2.63671875 m³/d < 4 m³/d.
    res = _run(_terms(maintenance_days=10, maintenance_start=(7, 15), maintenance_derate=0.5))
    maint = res.maintenance
    assert int(maint[:365].sum()) == 10
    assert str(res.dates[np.argmax(maint)]) == "2029-07-15"
    assert list(res.yearly_sum(res.shortfall_excused)) == [13.6328125] * 3
    assert list(res.yearly_sum(res.shortfall_penalised)) == [0.0] * 3
    assert list(res.adjusted_acq) == [ACQ - 13.6328125] * 3


def test_ramp_scales_the_acq() -> None:
    res = _run(_terms(ramp=(0.25, 0.5)))
    assert list(res.acq) == [365.0, 730.0, 1460.0]
    assert list(res.yearly_sum(res.nominated)) == [365.0, 730.0, 1460.0]


def test_leap_contract_year_has_366_days_and_dcq_acq_over_366() -> None:
    res = _run(_terms(start=date(2031, 7, 1), years=2, take=(1.0,)))
    days = res.yearly_frame()["days"].tolist()
    assert days == [366, 365]  # 2031-07-01 .. 2032-06-30 holds 29 February 2032
    assert res.nominated[0] == pytest.approx(ACQ / 366, rel=SUM_RTOL)
    assert res.yearly_sum(res.nominated)[0] == pytest.approx(ACQ, rel=SUM_RTOL)


def test_delayed_contract_moves_first_gas() -> None:
    t = _terms().delayed(2)
    assert t.start == date(2031, 1, 1)
    assert t.end == date(2034, 1, 1)


# --------------------------------------------------------------------------- nominations


def test_seasonal_nominations_sum_to_the_target_within_the_band() -> None:
    # The north-China profile (±10 %) in a ±5 % band: the band clips, the year's sum
    # still equals take × ACQ, and no day leaves the band.
    t = _terms(acq=50e9, years=4, profile=NORTH_CHINA_WINTER, dcq_min=0.95, dcq_max=1.05,
               take=(1.0, 0.97, 1.02, 1.0))
    res = run_contract(t, table_curve([1e6] * 12, RU))
    days = res.yearly_frame()["days"].to_numpy()
    dcq = (50e9 / days)[res.year_index]  # 2032 is a leap year: ACQ/366
    n = res.nominated
    year_sum = res.yearly_sum(n)
    np.testing.assert_allclose(year_sum, 50e9 * np.array([1.0, 0.97, 1.02, 1.0]), rtol=SUM_RTOL)
    assert np.all(n >= 0.95 * dcq * (1 - SUM_RTOL))
    assert np.all(n <= 1.05 * dcq * (1 + SUM_RTOL))
    assert np.any(np.isclose(n, 1.05 * dcq))  # the band binds in winter
    # Winter above summer.
    jan, jul = n[10], n[190]
    assert jan > jul


def test_unreachable_target_is_capped_by_the_band() -> None:
    t = _terms(take=(1.5,), dcq_max=1.2)
    res = _run(t)
    assert np.all(res.nominated == 4.0 * 1.2)


def test_profile_from_csv(tmp_path: Path) -> None:
    p = tmp_path / "prof.csv"
    p.write_text("month,factor\n" + "".join(f"{m},{1 + (m == 1)}\n" for m in range(1, 13)),
                 encoding="utf-8")
    prof = load_profile(p)
    assert prof.factors[0] == 2.0 and len(prof.factors) == 12
    (tmp := tmp_path / "bad.csv").write_text("month,factor\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_profile(tmp)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("change", [
    {"acq": -1.0}, {"years": 0}, {"start": date(2032, 2, 29)}, {"take_or_pay": 1.5},
    {"dcq_min": 1.2}, {"dcq_max": 0.9}, {"maintenance_start": (2, 30)}, {"ramp": (2.0,)},
])
def test_invalid_terms_are_rejected(change: dict[str, object]) -> None:
    with pytest.raises(InputError):
        _terms(**change)


def test_curve_at_another_reference_is_refused() -> None:
    with pytest.raises(InputError, match="reference"):
        run_contract(_terms(), table_curve([AMPLE] * 12, ISO))


def test_profile_needs_12_or_365_factors() -> None:
    with pytest.raises(InputError):
        SeasonalProfile("x", (1.0,) * 11)


def test_results_are_read_only() -> None:
    res = _run(_terms())
    with pytest.raises(ValueError):
        res.delivered[0] = 1.0
    df = res.daily_frame()
    df.loc[0, "delivered"] = -1.0  # a copy
    assert res.delivered[0] == 4.0


# --------------------------------------------------------------------------- properties

_VOLUMES = st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=1, max_size=12)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(top=_VOLUMES, taken=_VOLUMES, n=st.integers(0, 6))
def test_settlement_properties(top: list[float], taken: list[float], n: int) -> None:
    k = min(len(top), len(taken))
    t, q = np.array(top[:k]), np.array(taken[:k])
    s = settle_take_or_pay(t, q, n)
    assert np.all(s.deficiency >= 0) and np.all(s.makeup >= 0) and np.all(s.expired >= 0)
    assert not np.any((s.deficiency > 0) & (s.makeup > 0))
    # Make-up only from gas taken above the year's TOP quantity.
    assert np.all(s.makeup <= np.maximum(q - t, 0.0) + PROPERTY_ATOL)
    # Never more make-up than deficiency paid before, vintage by vintage, within N years.
    assert np.all(s.recovered.sum(axis=1) <= s.deficiency + PROPERTY_ATOL)
    v, y = np.nonzero(s.recovered)
    assert np.all((y > v) & (y <= v + n))
    paid_before = np.concatenate(([0.0], np.cumsum(s.deficiency)[:-1]))
    assert np.all(np.cumsum(s.makeup) <= paid_before + PROPERTY_ATOL)
    # Every unit paid is either taken as make-up or expires (nothing is left at the end).
    assert s.deficiency.sum() == pytest.approx(s.makeup.sum() + s.expired.sum(),
                                               abs=PROPERTY_ATOL)
    assert s.bank_end[-1] == 0.0


@settings(derandomize=True, max_examples=60, deadline=None)
@given(take=st.lists(st.floats(0.3, 1.3), min_size=1, max_size=5),
       cap=st.floats(0.5, 1.5), dmin=st.floats(0.0, 0.9), dmax=st.floats(1.0, 1.4),
       top=st.floats(0.0, 1.0), days=st.integers(0, 30), derate=st.floats(0.0, 1.0))
def test_engine_properties(take: list[float], cap: float, dmin: float, dmax: float,
                           top: float, days: int, derate: float) -> None:
    t = ContractTerms(acq=50e9, start=date(2030, 10, 1), years=5, take=tuple(take),
                      dcq_min=dmin, dcq_max=dmax, profile=NORTH_CHINA_WINTER, take_or_pay=top,
                      makeup_years=2, maintenance_days=days, maintenance_derate=derate)
    curve = table_curve([cap * 50e9 / 31_536_000 * (1 + 0.01 * np.cos(m)) for m in range(12)],
                        RU)
    res = run_contract(t, curve)
    n, q = res.nominated, res.delivered
    # Every day: nominated = delivered + shortfall (to round-off: the sum of two floats is
    # exact only when their difference is), delivered within capacity.
    np.testing.assert_allclose(q + res.shortfall, n, rtol=4 * np.finfo(float).eps, atol=0)
    assert np.all(q <= res.capacity) and np.all(q <= n) and np.all(q >= 0)
    assert np.all(res.shortfall_excused[~res.maintenance] == 0)
    # The daily make-up credit adds up to the year's.
    np.testing.assert_allclose(res.yearly_sum(res.makeup), res.settlement.makeup,
                               rtol=SUM_RTOL, atol=1.0)
    assert np.all(res.settlement.makeup <= np.maximum(
        res.yearly_sum(q) - res.top_quantity, 0) + 1.0)
