"""The tabulated surrogate against the reference EOS, sampled densely over its envelope."""

from __future__ import annotations

import numpy as np
import pytest

from trunkline.errors import OutOfRangeError
from trunkline.gas import Envelope, Gas

#: Contract of the surrogate: max |ΔZ| against the reference EOS over the envelope.
Z_ATOL = 1e-4
#: Relative error allowed on the other tabulated properties (used for march slopes).
PROP_RTOL = 2e-3

# Pipeline gases: a lean Russian proxy (scenario gas) and ISO 12213-2 gas 3 (rich).
LEAN = {"methane": 0.98156, "ethane": 0.00728, "propane": 0.00212, "isobutane": 0.00039,
        "n-butane": 0.00035, "n-pentane": 0.00013, "n-hexane": 0.00001, "nitrogen": 0.00786,
        "carbon dioxide": 0.0003}
RICH = {"CO2": 0.015, "N2": 0.010, "CH4": 0.859, "C2H6": 0.085, "C3H8": 0.023,
        "i-C4H10": 0.0035, "n-C4H10": 0.0035, "i-C5H12": 0.0005, "n-C5H12": 0.0005}


def _dense_points(env: Envelope, n_p: int, n_t: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid offset from the table nodes (cell midpoints are where interpolation errs most),
    plus a seeded random scatter."""
    p = np.linspace(env.p_min, env.p_max, n_p)
    t = np.linspace(env.t_min, env.t_max, n_t)
    pp, tt = np.meshgrid(p, t, indexing="ij")
    rng = np.random.default_rng(20261201)
    pr = rng.uniform(env.p_min, env.p_max, 2000)
    tr = rng.uniform(env.t_min, env.t_max, 2000)
    return np.concatenate([pp.ravel(), pr]), np.concatenate([tt.ravel(), tr])


@pytest.mark.parametrize("composition", [LEAN, RICH], ids=["lean", "rich"])
def test_z_within_contract_over_whole_envelope(composition: dict[str, float]) -> None:
    gas = Gas(composition)
    sur = gas.surrogate()
    env = sur.envelope
    # 157 × 131 points: not aligned with the 80 × 80 nodes, covering every cell
    p, t = _dense_points(env, 157, 131)
    z_ref = np.array([gas._eos.z_only(a, b) for a, b in zip(p, t, strict=True)])
    err = np.abs(sur.z(p, t) - z_ref)
    assert err.max() <= Z_ATOL, f"max |dZ| {err.max():.2e} at p={p[err.argmax()]:.4g} " \
                                f"T={t[err.argmax()]:.4g}"


def test_contract_envelope_is_covered() -> None:
    env = Gas(LEAN).surrogate().envelope
    assert env.p_min <= 0.1e6 and env.p_max >= 15e6
    assert env.t_min <= 230.0 and env.t_max >= 350.0


def test_other_properties_close_to_reference() -> None:
    gas = Gas(LEAN)
    sur = gas.surrogate()
    rng = np.random.default_rng(7)
    p = rng.uniform(1e6, 15e6, 300)
    t = rng.uniform(240.0, 350.0, 300)
    ref = gas.properties(p, t)
    for name in ("cp", "cv", "speed_of_sound", "joule_thomson", "isentropic_exponent"):
        np.testing.assert_allclose(getattr(sur, name)(p, t), getattr(ref, name),
                                   rtol=PROP_RTOL, err_msg=name)
    np.testing.assert_allclose(sur.density(p, t), ref.density, rtol=Z_ATOL / 0.6)


def test_point_matches_vectorised_and_finite_differences() -> None:
    sur = Gas(LEAN).surrogate()
    p, t = 8.3e6, 281.7
    z, dzdp, dzdt, cp, jt = sur.point(p, t)
    assert z == pytest.approx(float(sur.z(p, t)), rel=1e-13)
    assert cp == pytest.approx(float(sur.cp(p, t)), rel=1e-13)
    assert jt == pytest.approx(float(sur.joule_thomson(p, t)), rel=1e-13)
    _zz, zp, zt = sur.z_derivatives(p, t)
    assert dzdp == pytest.approx(float(zp), rel=1e-12)
    assert dzdt == pytest.approx(float(zt), rel=1e-12)
    hp, ht = 100.0, 1e-3
    fd_p = (float(sur.z(p + hp, t)) - float(sur.z(p - hp, t))) / (2 * hp)
    fd_t = (float(sur.z(p, t + ht)) - float(sur.z(p, t - ht))) / (2 * ht)
    assert dzdp == pytest.approx(fd_p, rel=1e-6)
    assert dzdt == pytest.approx(fd_t, rel=1e-6)


def test_outside_envelope_is_an_error_not_extrapolation() -> None:
    sur = Gas(LEAN).surrogate()
    with pytest.raises(OutOfRangeError, match="envelope"):
        sur.z(np.array([5e6, 25e6]), np.array([280.0, 280.0]))
    with pytest.raises(OutOfRangeError):
        sur.point(5e6, 100.0)


def test_surrogate_is_cached_per_envelope() -> None:
    gas = Gas(LEAN)
    assert gas.surrogate() is gas.surrogate()
    small = Envelope(p_min=1e6, p_max=10e6, t_min=250.0, t_max=320.0, n_p=20, n_t=20)
    assert gas.surrogate(small) is not gas.surrogate()
    with pytest.raises(OutOfRangeError):
        gas.surrogate(Envelope(p_min=2e6, p_max=1e6))


def test_compiled_z_derivatives_are_the_numpy_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrays of states take a compiled pass where numba is installed: the same floats as
    the numpy pass (the same operations in the same order), at the envelope's corners
    too, and the same error outside it."""
    from trunkline.gas import surrogate

    sur = Gas({"methane": 0.9, "ethane": 0.07, "nitrogen": 0.03}).surrogate()
    env = sur.envelope
    rng = np.random.default_rng(11)
    p = np.concatenate([[env.p_min, env.p_max, env.p_min, env.p_max],
                        rng.uniform(env.p_min, env.p_max, 5000)]).reshape(-1, 4)
    t = np.concatenate([[env.t_min, env.t_max, env.t_max, env.t_min],
                        rng.uniform(env.t_min, env.t_max, 5000)]).reshape(-1, 4)
    monkeypatch.setattr(surrogate, "COMPILED", True)
    fast = sur.z_derivatives(p, t)
    with pytest.raises(OutOfRangeError, match="envelope"):
        sur.z_derivatives(np.array([1e9, 5e6]), np.array([300.0, 300.0]))
    monkeypatch.setattr(surrogate, "COMPILED", False)
    slow = sur.z_derivatives(p, t)
    for a, b in zip(fast, slow, strict=True):
        assert a.shape == p.shape
        np.testing.assert_array_equal(a, b)
