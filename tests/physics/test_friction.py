"""Tests of trunkline.physics.friction (Darcy friction factor correlations)."""

from __future__ import annotations

import math

import fluids.friction
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError
from trunkline.physics import friction as fr

# Published regression values printed with 16-17 digits: agreement to float rounding.
FRICTION_RTOL = 1e-12
# Re-evaluation of the same closed formula in the test: only float rounding differs.
FORMULA_RTOL = 1e-13
# fluids.friction.Colebrook solves the same equation by its own explicit Lambert-W
# expression (with a numerical fall-back); observed agreement is about 1e-14.
FLUIDS_COLEBROOK_RTOL = 1e-12
# Colebrook residual 1/sqrt(f) + 2 log10(...) relative to 1/sqrt(f): a few ulp.
RESIDUAL_RTOL = 1e-14
# Moody chart values read from a table with 4 decimals (Engineering ToolBox).
MOODY_ATOL = 5e-4
# Hofer's explicit law approximates Colebrook. Over 4e3 <= Re <= 1e8 the observed
# deviation is at most 1.09 % for eD <= 1e-3 (transmission pipelines) and 2.53 % for
# eD <= 0.05 (at Re = 4e3); the bounds below leave a small margin.
HOFER_COLEBROOK_RTOL_PIPELINE = 1.2e-2
HOFER_COLEBROOK_RTOL_ALL = 2.7e-2

SETTINGS = settings(derandomize=True, deadline=None, max_examples=300)


# -- published reference values ----------------------------------------------------------

def test_colebrook_reference() -> None:
    # fluids tests/test_friction.py (test_Colebrook) / Colebrook docstring example
    np.testing.assert_allclose(fr.colebrook(1e5, 1e-4), 0.018513866077471648,
                               rtol=FRICTION_RTOL)


def test_colebrook_extreme_reference() -> None:
    # fluids tests/test_friction.py (test_Colebrook, high-Re case)
    np.testing.assert_allclose(fr.colebrook(1.048e11, 2.55e-8), 0.0037751087365339906,
                               rtol=FRICTION_RTOL)


def test_smooth_pipe_reference() -> None:
    # fluids tests/test_friction.py (Prandtl_von_Karman_Nikuradse(1e5))
    np.testing.assert_allclose(fr.smooth_pipe(1e5), 0.01798977308427384, rtol=FRICTION_RTOL)


def test_von_karman_reference() -> None:
    # fluids tests/test_friction.py (test_von_Karman, von_Karman(1E-4), divisor 3.71)
    np.testing.assert_allclose(fr.von_karman(1e-4), 0.01197365149564789, rtol=FRICTION_RTOL)


@pytest.mark.parametrize(
    ("re", "expected"),
    [
        # Engineering ToolBox, "Moody Diagram" table, eD = 0.001
        (5e3, 0.0385),
        (1e4, 0.0324),
        (1e5, 0.0222),
        (1e6, 0.0199),
    ],
)
def test_colebrook_moody_table(re: float, expected: float) -> None:
    np.testing.assert_allclose(fr.colebrook(re, 1e-3), expected, rtol=0.0, atol=MOODY_ATOL)


# -- cross-checks ---------------------------------------------------------------------------

# fluids' explicit expression overflows internally for large Re·eD and then falls back
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_colebrook_matches_fluids_on_grid() -> None:
    re = np.logspace(np.log10(4e3), 9.0, 23)
    rel = np.array([0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05])
    ours = fr.colebrook(re[:, None], rel[None, :])
    # fluids.friction.Colebrook: independent implementation of Colebrook (1939)
    theirs = np.array([[fluids.friction.Colebrook(r, e) for e in rel] for r in re])
    np.testing.assert_allclose(ours, theirs, rtol=FLUIDS_COLEBROOK_RTOL)


def test_smooth_pipe_is_colebrook_without_roughness() -> None:
    re = np.logspace(3.6, 10.0, 17)
    np.testing.assert_allclose(fr.smooth_pipe(re), fr.colebrook(re, 0.0), rtol=0.0, atol=0.0)


def test_nikuradse_formula() -> None:
    for re, rel in [(1e4, 1e-3), (3.7e6, 2.5e-5), (1e8, 0.02)]:
        # direct evaluation of lambda = 64/Re + (2 log10(D/k) + 1.14)^-2 (STANET form)
        expected = 64.0 / re + (2.0 * math.log10(1.0 / rel) + 1.14) ** -2
        np.testing.assert_allclose(fr.nikuradse_stanet(re, rel), expected, rtol=FORMULA_RTOL)


def test_hofer_formula() -> None:
    for re, rel in [(1e4, 0.0), (3.7e6, 2.5e-5), (1e8, 0.02)]:
        # direct evaluation of Hofer's law (Koch et al. 2015, ch. 2)
        arg = 4.518 / re * math.log10(re / 7.0) + rel / 3.71
        expected = (2.0 * math.log10(arg)) ** -2
        np.testing.assert_allclose(fr.hofer(re, rel), expected, rtol=FORMULA_RTOL)


@pytest.mark.parametrize(
    ("max_rel", "rtol"),
    [(1e-3, HOFER_COLEBROOK_RTOL_PIPELINE), (0.05, HOFER_COLEBROOK_RTOL_ALL)],
)
def test_hofer_approximates_colebrook(max_rel: float, rtol: float) -> None:
    re = np.logspace(np.log10(4e3), 8.0, 60)[:, None]
    rel = np.concatenate([[0.0], np.logspace(-7.0, np.log10(max_rel), 25)])[None, :]
    np.testing.assert_allclose(fr.hofer(re, rel), fr.colebrook(re, rel), rtol=rtol)


def test_colebrook_fully_rough_limit() -> None:
    # Re -> infinity: Colebrook tends to -2 log10(eD/3.7) (its own rough limit, 3.7)
    rel = np.array([1e-4, 1e-3, 0.05])
    expected = (2.0 * np.log10(3.7 / rel)) ** -2
    np.testing.assert_allclose(fr.colebrook(1e15, rel), expected, rtol=1e-6)


# -- properties -----------------------------------------------------------------------------

def _colebrook_residual(re: float, rel: float, lam: float) -> float:
    x = 1.0 / math.sqrt(lam)
    return (x + 2.0 * math.log10(rel / 3.7 + 2.51 / (re * math.sqrt(lam)))) / x


@SETTINGS
@given(
    log_re=st.floats(min_value=np.log10(4e3), max_value=14.0),
    rel=st.one_of(st.just(0.0), st.floats(min_value=1e-8, max_value=0.05)),
)
def test_colebrook_residual_is_zero(log_re: float, rel: float) -> None:
    re = 10.0**log_re
    lam = fr.colebrook(re, rel)
    assert isinstance(lam, float)
    assert abs(_colebrook_residual(re, rel, lam)) <= RESIDUAL_RTOL


@SETTINGS
@given(
    log_re=st.floats(min_value=np.log10(4e3), max_value=12.0),
    rel=st.floats(min_value=0.0, max_value=0.05),
)
def test_colebrook_monotonic(log_re: float, rel: float) -> None:
    re = 10.0**log_re
    lam = fr.colebrook(re, rel)
    assert fr.colebrook(re * 1.01, rel) <= lam
    assert fr.colebrook(re, rel * 1.01 + 1e-9) >= lam


# -- darcy_friction ------------------------------------------------------------------------

def test_registry_keys() -> None:
    assert set(fr.FRICTION_LAWS) == {"colebrook", "prandtl-colebrook", "nikuradse", "hofer",
                                     "smooth", "rough"}


def test_prandtl_colebrook_is_colebrook_with_371() -> None:
    # Same equation with divisor 3.71 (DVGW GW 303-1 / STANET form): check its residual.
    re = np.array([4e3, 1e5, 2.24e6, 1e8])
    rel = np.array([0.0, 1e-4, 2.25e-3, 1e-5])
    lam = np.asarray(fr.prandtl_colebrook(re, rel))
    residual = 1 / np.sqrt(lam) + 2 * np.log10(rel / 3.71 + 2.51 / (re * np.sqrt(lam)))
    np.testing.assert_allclose(residual, 0.0, atol=1e-12)
    # slightly below the 3.7 form in rough flow, equal for a smooth pipe
    assert np.all(lam[1:] < np.asarray(fr.colebrook(re[1:], rel[1:])))
    assert lam[0] == pytest.approx(fr.colebrook(re[0], rel[0]), rel=1e-14)


@pytest.mark.parametrize("law", sorted(fr.FRICTION_LAWS))
def test_darcy_friction_dispatches(law: str) -> None:
    re = np.array([4e3, 1e5, 1e7])
    rel = 1e-4
    np.testing.assert_allclose(fr.darcy_friction(re, rel, law),
                               fr.FRICTION_LAWS[law](re, rel), rtol=0.0, atol=0.0)


def test_darcy_friction_laws_direct() -> None:
    np.testing.assert_allclose(fr.darcy_friction(1e6, 1e-4, "smooth"), fr.smooth_pipe(1e6),
                               rtol=0.0)
    np.testing.assert_allclose(fr.darcy_friction(1e6, 1e-4, "rough"), fr.von_karman(1e-4),
                               rtol=0.0)
    np.testing.assert_allclose(fr.darcy_friction(1e6, 1e-4, "nikuradse"),
                               fr.nikuradse_stanet(1e6, 1e-4), rtol=0.0)


def test_darcy_friction_laminar() -> None:
    # Hagen-Poiseuille: lambda = 64/Re
    re = np.array([1.0, 10.0, 500.0, 1999.0])
    np.testing.assert_allclose(fr.darcy_friction(re, 1e-3), 64.0 / re, rtol=FORMULA_RTOL)


def test_darcy_friction_zero_flow_is_finite() -> None:
    lam = fr.darcy_friction(np.array([0.0, 0.5, 1.0]), 1e-4)
    assert np.all(np.isfinite(lam))
    np.testing.assert_allclose(lam, 64.0, rtol=0.0)
    assert fr.darcy_friction(0.0, 0.0) == 64.0


@pytest.mark.parametrize("law", sorted(fr.FRICTION_LAWS))
def test_darcy_friction_continuous(law: str) -> None:
    rel = 1e-3
    for boundary in (fr.RE_LAMINAR_MAX, fr.RE_TURBULENT_MIN):
        below = fr.darcy_friction(boundary * (1 - 1e-9), rel, law)
        above = fr.darcy_friction(boundary * (1 + 1e-9), rel, law)
        np.testing.assert_allclose(below, above, rtol=1e-7)
    # blend end points
    np.testing.assert_allclose(fr.darcy_friction(2000.0, rel, law), 64.0 / 2000.0, rtol=0.0)
    np.testing.assert_allclose(fr.darcy_friction(4000.0, rel, law),
                               fr.FRICTION_LAWS[law](4000.0, rel), rtol=0.0)


def test_darcy_friction_blend_midpoint() -> None:
    # half-way through the critical zone: mean of laminar and turbulent law at Re = 3000
    expected = 0.5 * (64.0 / 3000.0) + 0.5 * fr.colebrook(3000.0, 1e-4)
    np.testing.assert_allclose(fr.darcy_friction(3000.0, 1e-4), expected, rtol=FORMULA_RTOL)


def test_darcy_friction_broadcasts() -> None:
    re = np.array([[0.0], [1e3], [3e3], [1e6]])
    rel = np.array([0.0, 1e-4, 1e-2])
    lam = fr.darcy_friction(re, rel, "hofer")
    assert isinstance(lam, np.ndarray)
    assert lam.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(lam[i, j], fr.darcy_friction(re[i, 0], rel[j], "hofer"),
                                       rtol=0.0)


def test_unknown_law() -> None:
    with pytest.raises(InputError) as info:
        fr.darcy_friction(1e5, 1e-4, law="blasius")
    message = str(info.value)
    assert "blasius" in message
    for name in fr.FRICTION_LAWS:
        assert name in message
    assert info.value.field == "law"


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: fr.colebrook(0.0, 1e-4), "re"),
        (lambda: fr.colebrook(-1e5, 1e-4), "re"),
        (lambda: fr.colebrook(float("nan"), 1e-4), "re"),
        (lambda: fr.colebrook(1e5, -1e-4), "rel_roughness"),
        (lambda: fr.von_karman(0.0), "rel_roughness"),
        (lambda: fr.nikuradse_stanet(1e5, 0.0), "rel_roughness"),
        (lambda: fr.hofer(5.0, 0.0), "re"),
        (lambda: fr.darcy_friction(-1.0, 1e-4), "re"),
        (lambda: fr.darcy_friction(1e5, [1e-4, -1e-4]), "rel_roughness"),
    ],
)
def test_bad_input(call: object, field: str) -> None:
    assert callable(call)
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field


def test_scalar_in_float_out_array_in_array_out() -> None:
    assert isinstance(fr.colebrook(1e5, 1e-4), float)
    assert isinstance(fr.darcy_friction(1e5, 1e-4), float)
    out = fr.colebrook([1e5, 1e6], 1e-4)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64


def test_colebrook_with_derivative_matches_the_exact_solution() -> None:
    # Same Colebrook equation solved by Halley's method, with the analytic dλ/dRe of the implicit
    # function; checked against the Lambert-W solution and a central difference.
    re = np.array([4e3, 1e5, 2.24e6, 8e7])
    rel = np.array([1e-6, 1e-4, 2.25e-3, 7e-6])
    for divisor, exact in ((3.7, fr.colebrook), (3.71, fr.prandtl_colebrook)):
        lam, dlam = fr.colebrook_with_derivative(re, rel, divisor)
        np.testing.assert_allclose(lam, np.asarray(exact(re, rel)), rtol=1e-13)
        h = re * 1e-5
        fd = (np.asarray(exact(re + h, rel)) - np.asarray(exact(re - h, rel))) / (2 * h)
        np.testing.assert_allclose(dlam, fd, rtol=1e-6)


def test_colebrook_with_derivative_stops_at_machine_precision() -> None:
    # the stopping rule (a step of at most 5e-6·x is the last: the error left is below
    # 1e-16, third-order convergence) over the turbulent range and relative roughness
    # 0 to 0.05, from the explicit start and from starts 0.1 % and 30 % off
    rng = np.random.default_rng(11)
    re = 10 ** rng.uniform(np.log10(4e3), 8, 2000)
    rel = np.where(rng.random(2000) < 0.1, 0.0, 10 ** rng.uniform(-7, np.log10(0.05), 2000))
    exact = np.asarray(fr.colebrook(re, rel))
    for start in (None, exact * 1.001, exact * 1.3, exact * 0.7):
        lam, _ = fr.colebrook_with_derivative(re, rel, 3.7,
                                              None if start is None else start.copy())
        np.testing.assert_allclose(lam, exact, rtol=1e-14)


def test_colebrook_with_derivative_explicit_is_swamee_jain() -> None:
    # iterate=False: Swamee & Jain (1976), λ = 0.25 / log10(ε/(3.7 D) + 5.74 / Re^0.9)²,
    # within 3 % of Colebrook over the formula's range (5e3 <= Re <= 1e8,
    # 1e-6 <= ε/D <= 1e-2); its dλ/dRe is the implicit function's at that λ (close to
    # Colebrook's own); ``start`` is not used
    rng = np.random.default_rng(5)
    re = 10 ** rng.uniform(np.log10(5e3), 8, 500)
    rel = 10 ** rng.uniform(-6, -2, 500)
    lam, dlam = fr.colebrook_with_derivative(re, rel, 3.7, np.full(500, 0.02), iterate=False)
    np.testing.assert_allclose(lam, 0.25 / np.log10(rel / 3.7 + 5.74 / re**0.9) ** 2,
                               rtol=1e-14)
    exact, dexact = fr.colebrook_with_derivative(re, rel, 3.7)
    assert np.max(np.abs(lam / exact - 1)) < 0.03
    np.testing.assert_allclose(dlam, dexact, rtol=0.05, atol=1e-3 * np.abs(dexact).max())


def test_colebrook_with_derivative_from_a_previous_solution() -> None:
    # Halley started from the friction factors of a nearby state (a solver's last
    # iterate; NaN: no previous value) reaches the same solution as the explicit start.
    re = np.array([2e3, 4e3, 1e5, 2.24e6, 8e7, 3e5])
    rel = np.array([1e-4, 1e-6, 1e-4, 2.25e-3, 7e-6, 1e-5])
    for divisor, exact in ((3.7, fr.colebrook), (3.71, fr.prandtl_colebrook)):
        cold, dcold = fr.colebrook_with_derivative(re, rel, divisor)
        np.testing.assert_allclose(cold, np.asarray(exact(re, rel)), rtol=1e-14)
        for start in (cold, cold * 1.3, np.where(re > 1e5, cold * 0.7, np.nan)):
            lam, dlam = fr.colebrook_with_derivative(re, rel, divisor, start.copy())
            np.testing.assert_allclose(lam, cold, rtol=1e-14)
            np.testing.assert_allclose(dlam, dcold, rtol=1e-12)
