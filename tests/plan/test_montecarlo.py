"""Monte Carlo ensembles: deterministic limit, reproducibility, chunking, store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trunkline.plan import evaluate, load_plan, table_curve
from trunkline.plan.montecarlo import (
    NO_UNCERTAINTY,
    MonteCarloResult,
    Uncertainty,
    monte_carlo,
)
from trunkline.plan.reliability import ReliabilityModel, UnitReliability
from trunkline.plan.surface import uniform_surface
from trunkline.store import Store, save_result


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    return load_plan("power_of_siberia_2")


@pytest.fixture(scope="module")
def curve(inputs):  # type: ignore[no-untyped-def]
    return table_curve([1750.0, 1690.0, 1650.0, 1720.0], inputs.contract.reference,
                       months=(1, 4, 7, 10), fuel_points=[(400.0, 8.0), (1600.0, 60.0)])


SURF = uniform_surface(36, 3, (0.97, 0.90, 0.80))


def test_no_uncertainty_reproduces_the_plan(inputs, curve) -> None:  # type: ignore[no-untyped-def]
    res = monte_carlo(inputs, n=2, seed=5, curve=curve, surface=SURF,
                      uncertainty=NO_UNCERTAINTY)
    ev = evaluate(inputs, curve)
    out = res.outcomes
    assert out["npv"].to_numpy() == pytest.approx(ev.flows.npv, rel=1e-10)
    assert out["delivered"].to_numpy() == pytest.approx(float(ev.contract.delivered.sum()),
                                                        rel=1e-12)
    assert out["shortfall"].to_numpy() == pytest.approx(float(ev.contract.shortfall.sum()),
                                                        rel=1e-9)
    top = float(np.sum(ev.flows.columns["revenue_top"]))
    assert out["top_payments"].to_numpy() == pytest.approx(top, rel=1e-9, abs=1e-3)


def test_same_result_for_any_chunking(inputs, curve) -> None:  # type: ignore[no-untyped-def]
    a = monte_carlo(inputs, n=40, seed=11, curve=curve, surface=SURF, chunk_size=40)
    b = monte_carlo(inputs, n=40, seed=11, curve=curve, surface=SURF, chunk_size=7)
    pd_a, pd_b = a.outcomes, b.outcomes
    assert list(pd_a["scenario"]) == list(range(40))
    assert pd_a.equals(pd_b)
    c = monte_carlo(inputs, n=40, seed=12, curve=curve, surface=SURF, chunk_size=40)
    assert not np.array_equal(c.outcomes["npv"], pd_a["npv"])


def test_percentiles_and_uncertainty_effects(inputs, curve) -> None:  # type: ignore[no-untyped-def]
    res = monte_carlo(inputs, n=200, seed=1, curve=curve, surface=SURF)
    p = res.percentiles.set_index("metric")
    for m in ("delivered", "npv", "shortfall_days"):
        assert p.loc[m, "p90"] <= p.loc[m, "p50"] <= p.loc[m, "p10"]
        assert p.loc[m, "se_mean"] > 0
    out = res.outcomes
    assert out["degraded_days"].mean() > 0
    assert set(out["delay"].unique()) <= {0, 1, 2, 3}
    # delayed first gas with capex unchanged costs value
    assert out[out["delay"] == 0]["npv"].mean() > out[out["delay"] >= 2]["npv"].mean()
    # a worse unit: more degraded days, less delivered
    bad = Uncertainty(ReliabilityModel(UnitReliability(mtbf=500.0, mttr=120.0)))
    worse = monte_carlo(inputs, n=200, seed=1, curve=curve, surface=SURF, uncertainty=bad)
    assert worse.outcomes["degraded_days"].mean() > 5 * out["degraded_days"].mean()
    assert worse.outcomes["delivered"].mean() < out["delivered"].mean()


def test_result_is_immutable_and_stores(inputs, curve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = monte_carlo(inputs, n=20, seed=2, curve=curve, surface=SURF)
    assert isinstance(res, MonteCarloResult)
    with pytest.raises(ValueError):
        res.columns["npv"][0] = 0.0
    store = Store(tmp_path / "runs.duckdb")
    rid = save_result(store, res, res.scenario, {"n": 20, "seed": 2})
    back = store.table(rid, "scenarios")
    assert np.allclose(back["npv"].to_numpy(), res.outcomes["npv"].to_numpy())
    assert len(store.table(rid, "percentiles")) == len(res.percentiles)
    rid2 = save_result(store, res.with_store_scenarios(False), res.scenario)
    assert store.show(rid2)["kind"] == "montecarlo"
