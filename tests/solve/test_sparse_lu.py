"""The compiled sparse LU of the steady solver's nodal systems (and its plain kernels)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from trunkline.solve import _sparse_lu


def _nodal_matrix(rng: np.random.Generator, n: int, extra: int) -> sp.csc_matrix:
    """A random connected network's nodal matrix: each element adds g to its from-node's
    column and −g to its to-node's, with different values in the two rows (as the solver's
    p-dependent derivatives give), a few nodes tied to ground (strict dominance)."""
    parent = [int(rng.integers(0, i)) for i in range(1, n)]
    ends = [(p, i) for i, p in zip(range(1, n), parent, strict=True)]
    ends += [tuple(int(v) for v in rng.choice(n, 2, replace=False)) for _ in range(extra)]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for f, t in ends:
        g1, g2 = rng.uniform(0.1, 10.0), rng.uniform(0.1, 10.0)
        rows += [f, t, f, t]
        cols += [f, f, t, t]
        vals += [g1, -g1, -g2, g2]
    for k in rng.choice(n, max(1, n // 20), replace=False):
        rows.append(int(k))
        cols.append(int(k))
        vals.append(rng.uniform(0.1, 10.0))
    perm = rng.permutation(n)
    m = sp.csc_matrix((vals, (perm[rows], perm[cols])), shape=(n, n))
    m.sum_duplicates()
    m.sort_indices()
    return m


#: the two numeric factorisations: up-looking (no pattern is light enough for the list of
#: updates) and from the list of updates (every pattern is)
BY_UPDATES = pytest.mark.parametrize("updates_max_work", [0.0, np.inf],
                                     ids=["up-looking", "by-updates"])


@BY_UPDATES
@pytest.mark.parametrize("seed", range(6))
def test_plain_kernels_solve_nodal_systems(seed: int, updates_max_work: float) -> None:
    rng = np.random.default_rng(seed)
    m = _nodal_matrix(rng, int(rng.integers(2, 60)), int(rng.integers(0, 12)))
    sym = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False,
                                updates_max_work=updates_max_work)
    assert sym.by_updates == (updates_max_work > 0)
    lu = sym.factor(m.data)
    assert lu is not None
    b = rng.normal(size=m.shape[0])
    np.testing.assert_allclose(lu.solve(b), np.linalg.solve(m.toarray(), b), rtol=1e-9,
                               atol=1e-12 * np.abs(np.linalg.solve(m.toarray(), b)).max())


@BY_UPDATES
def test_a_path_is_factorised_without_fill(updates_max_work: float) -> None:
    # a chain (pipes in series) in its natural order: L has one entry per column
    n = 50
    m = sp.diags([np.full(n - 1, -1.0), np.full(n, 2.5), np.full(n - 1, -1.5)], [-1, 0, 1],
                 format="csc")
    sym = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False,
                                updates_max_work=updates_max_work)
    assert sym.nnz_l == n - 1 and sym.work == n - 1 and not sym.heavy
    # by default a chain (work 1 per unknown) is factorised from its list of updates
    assert _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False).by_updates
    assert _sparse_lu.SymbolicLU(m.indptr, m.indices, False, max_work=0.9).heavy
    lu = sym.factor(m.data)
    assert lu is not None
    b = np.arange(n, dtype=float)
    np.testing.assert_allclose(lu.solve(b), np.linalg.solve(m.toarray(), b), rtol=1e-12)


@BY_UPDATES
def test_a_failed_pivot_returns_none(updates_max_work: float) -> None:
    m = sp.csc_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    m.sort_indices()
    for compiled in (False, True):
        sym = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled,
                                    updates_max_work=updates_max_work)
        assert sym.factor(m.data) is None
    nan = sp.csc_matrix(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    sym = _sparse_lu.SymbolicLU(nan.indptr, nan.indices, False,
                                updates_max_work=updates_max_work)
    assert sym.factor(nan.data) is None
    # a pivot that vanishes in the elimination (A's own diagonal entry is not zero)
    gone = sp.csc_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))
    sym = _sparse_lu.SymbolicLU(gone.indptr, gone.indices, False,
                                updates_max_work=updates_max_work)
    assert sym.factor(gone.data) is None


@pytest.mark.skipif(not _sparse_lu.AVAILABLE, reason="needs numba (the fast extra)")
@BY_UPDATES
@pytest.mark.parametrize("seed", range(4))
def test_compiled_kernels_equal_the_plain_ones(seed: int, updates_max_work: float) -> None:
    rng = np.random.default_rng(100 + seed)
    m = _nodal_matrix(rng, 400, 40)
    plain = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False,
                                  updates_max_work=updates_max_work)
    fast = _sparse_lu.SymbolicLU(m.indptr, m.indices, updates_max_work=updates_max_work)
    fields = (("lp", "li", "amap", "targets") if plain.by_updates else
              ("rptr", "lp", "li", "lo_ptr", "lo_col", "lo_pos"))
    for field in fields:
        np.testing.assert_array_equal(getattr(fast, field), getattr(plain, field))
    if not plain.by_updates:
        np.testing.assert_array_equal(fast.reach[: plain.nnz_l], plain.reach[: plain.nnz_l])
    lu_p, lu_f = plain.factor(m.data), fast.factor(m.data)
    assert lu_p is not None and lu_f is not None
    for field in ("lx", "ux", "ud"):
        np.testing.assert_allclose(getattr(lu_f, field), getattr(lu_p, field), rtol=1e-13)
    b = rng.normal(size=400)
    np.testing.assert_allclose(lu_f.solve(b), lu_p.solve(b), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_the_list_of_updates_gives_the_up_looking_factors(seed: int) -> None:
    # the same L and U (summed in another order: to rounding) on a random network's matrix
    rng = np.random.default_rng(300 + seed)
    m = _nodal_matrix(rng, 120, 15)
    up = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False, updates_max_work=0.0)
    by = _sparse_lu.SymbolicLU(m.indptr, m.indices, compiled=False, updates_max_work=np.inf)
    assert not up.by_updates and by.by_updates and by.targets.size == by.work
    lu_up, lu_by = up.factor(m.data), by.factor(m.data)
    assert lu_up is not None and lu_by is not None
    for field in ("lx", "ux", "ud"):
        a, b = getattr(lu_by, field), getattr(lu_up, field)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13 * np.abs(b).max())


def _compiled_flags() -> list[bool]:
    return [False, True] if _sparse_lu.AVAILABLE else [False]


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(4))
def test_a_tree_is_ordered_without_fill(seed: int, compiled: bool) -> None:
    # minimum degree on a tree eliminates leaves first: L has one entry per element
    rng = np.random.default_rng(200 + seed)
    n = 80
    m = _nodal_matrix(rng, n, 0)
    coo = m.tocoo()
    new_pos = _sparse_lu.nodal_analysis(n, coo.row, coo.col, compiled)[0]
    indptr, indices, _ = _sparse_lu.ordered_pattern(n, new_pos, coo.row, coo.col, compiled)
    assert _sparse_lu.SymbolicLU(indptr, indices, compiled).nnz_l == n - 1


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(4))
def test_ordered_pattern_is_the_permuted_matrix(seed: int, compiled: bool) -> None:
    # a meshed network (a core of degree ≥ 3 left for SuperLU's minimum degree); entries
    # given with duplicates, as the solver's element entries are
    rng = np.random.default_rng(300 + seed)
    n = 60
    m = _nodal_matrix(rng, n, 40).tocoo()
    rows = np.concatenate([m.row, m.row[::3]])
    cols = np.concatenate([m.col, m.col[::3]])
    vals = np.concatenate([m.data, m.data[::3]])
    new_pos = _sparse_lu.nodal_analysis(n, rows, cols, compiled)[0]
    np.testing.assert_array_equal(np.sort(new_pos), np.arange(n))
    indptr, indices, slot = _sparse_lu.ordered_pattern(n, new_pos, rows, cols, compiled)
    expected = sp.csc_matrix((vals, (new_pos[rows], new_pos[cols])), shape=(n, n))
    expected.sum_duplicates()
    expected.sort_indices()
    np.testing.assert_array_equal(indptr, expected.indptr)
    np.testing.assert_array_equal(indices, expected.indices)
    np.testing.assert_allclose(np.bincount(slot, vals, indices.size), expected.data,
                               rtol=1e-14)
    # the compiled LU factorises the ordered matrix: the system is solved
    sym = _sparse_lu.SymbolicLU(indptr, indices, compiled)
    lu = sym.factor(np.bincount(slot, vals, indices.size))
    assert lu is not None
    b = rng.normal(size=n)
    x = np.empty(n)
    x[np.argsort(new_pos)] = lu.solve(b[np.argsort(new_pos)])
    full = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    np.testing.assert_allclose(full @ x, b, atol=1e-9 * np.abs(b).max())


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(3))
def test_nodal_system_step_is_the_newton_step(seed: int, compiled: bool) -> None:
    # a meshed network of elements, some ends at fixed nodes (−1); the full Newton system
    # [[0, B/s], [D, diag(dq)]] (balance rows, element rows) solved densely
    rng = np.random.default_rng(400 + seed)
    nf, ne, s = 40, 70, 3.0
    fpos = rng.integers(-1, nf, ne)
    tpos = np.where(rng.random(ne) < 0.1, -1, (fpos + rng.integers(1, nf, ne)) % nf)
    tpos[:nf] = np.arange(nf)  # every free node reached
    fpos[:nf] = np.where(np.arange(nf) % 5 == 0, -1, (np.arange(nf) + 1) % nf)
    d1 = rng.uniform(0.5, 2.0, ne)
    d2 = -rng.uniform(0.5, 2.0, ne)
    dq = -rng.uniform(0.5, 2.0, ne)
    parts = [np.flatnonzero(fpos >= 0), np.flatnonzero((fpos >= 0) & (tpos >= 0))]
    parts += [parts[1], np.flatnonzero(tpos >= 0)]
    rows = np.concatenate([fpos[parts[0]], fpos[parts[1]], tpos[parts[2]], tpos[parts[3]]])
    cols = np.concatenate([fpos[parts[0]], tpos[parts[1]], fpos[parts[2]], tpos[parts[3]]])
    new_pos = _sparse_lu.nodal_analysis(nf, rows, cols, compiled)[0]
    indptr, indices, slot = _sparse_lu.ordered_pattern(nf, new_pos, rows, cols, compiled)
    slots = []
    start = 0
    for part in parts:
        sp_ = -np.ones(ne, dtype=np.int64)
        sp_[part] = slot[start:start + part.size]
        start += part.size
        slots.append(sp_)
    system = _sparse_lu.NodalSystem(_sparse_lu.SymbolicLU(indptr, indices, compiled), fpos,
                                    tpos, new_pos, (slots[0], slots[1], slots[2], slots[3]),
                                    compiled)
    factors = system.factor(d1, d2, dq, s)
    assert factors is not None
    f = rng.normal(size=nf + ne)
    step = system.step(*factors, d1, d2, f, s)
    jac = np.zeros((nf + ne, nf + ne))
    for e in range(ne):
        if fpos[e] >= 0:
            jac[fpos[e], nf + e] -= 1 / s
            jac[nf + e, fpos[e]] = d1[e]
        if tpos[e] >= 0:
            jac[tpos[e], nf + e] += 1 / s
            jac[nf + e, tpos[e]] = d2[e]
        jac[nf + e, nf + e] = dq[e]
    np.testing.assert_allclose(step, -np.linalg.solve(jac, f), rtol=1e-9, atol=1e-12)


def _pattern_of(n: int, edges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The nodal pattern (diagonal and both off-diagonal entries of each edge)."""
    rows = list(range(n)) + [i for i, j in edges] + [j for i, j in edges]
    cols = list(range(n)) + [j for i, j in edges] + [i for i, j in edges]
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize(("n", "edges", "nnz_l"), [
    (1, [], 0),                                                    # one unknown
    (4, [], 0),                                                    # no couplings
    (7, [(0, k) for k in range(1, 7)], 6),                         # a star: leaves first
    (5, [(i, j) for i in range(5) for j in range(i + 1, 5)], 10),  # K5: a core only
    (8, [(i, (i + 1) % 4) for i in range(4)]                       # two rings
     + [(4 + i, 4 + (i + 1) % 4) for i in range(4)], 10),
    (3, [(0, 1), (0, 1), (1, 2), (1, 2)], 2),                      # parallel elements
])
def test_orderings_of_small_patterns(n: int, edges: list[tuple[int, int]], nnz_l: int,
                                     compiled: bool) -> None:
    # a permutation, and minimum degree's fill: none on a star (the hub at the end), a
    # ring of 4 one fill entry, a complete graph full
    rows, cols = _pattern_of(n, edges)
    new_pos = _sparse_lu.nodal_analysis(n, rows, cols, compiled)[0]
    np.testing.assert_array_equal(np.sort(new_pos), np.arange(n))
    indptr, indices, _ = _sparse_lu.ordered_pattern(n, new_pos, rows, cols, compiled)
    assert _sparse_lu.SymbolicLU(indptr, indices, compiled).nnz_l == nnz_l
    if edges and len(edges) == n - 1:
        # the star's hub goes when one leaf is left (then both have one neighbour)
        assert new_pos[0] >= n - 2


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("compiled", _compiled_flags())
def test_cut_off_nodes_are_scipys_unreached_components(seed: int, compiled: bool) -> None:
    """Union-find (compiled, and plain on a small graph) and scipy's connected
    components name the same nodes cut off from the anchors, on random sparse graphs
    with some edges open, several components, isolated nodes and self-loops."""
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    n = 60
    m = int(rng.integers(20, 80))
    fr, to = rng.integers(0, n, m), rng.integers(0, n, m)
    joined = rng.random(m) < 0.7
    anchor = np.zeros(n, dtype=bool)
    anchor[rng.choice(n, int(rng.integers(1, 4)), replace=False)] = True
    graph = sp.coo_matrix((np.ones(int(joined.sum())), (fr[joined], to[joined])),
                          shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    expected = ~np.isin(comp, comp[anchor])
    got = _sparse_lu.cut_off_nodes(fr, to, joined, anchor, compiled=compiled)
    assert got.dtype == bool
    assert np.array_equal(got, expected)
    assert expected.any() and not expected.all()  # both kinds of node present


def _fill_of(n: int, rows: np.ndarray, cols: np.ndarray, compiled: bool) -> int:
    new_pos = _sparse_lu.nodal_analysis(n, rows, cols, compiled)[0]
    np.testing.assert_array_equal(np.sort(new_pos), np.arange(n))
    indptr, indices, _ = _sparse_lu.ordered_pattern(n, new_pos, rows, cols, compiled)
    return int(_sparse_lu.SymbolicLU(indptr, indices, compiled).nnz_l)


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(4))
def test_a_small_core_is_ordered_as_well_as_by_superlu(seed: int, compiled: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # a gas-network-like pattern: a tree with a few loops (a small meshed core after the
    # series reduction). The dense minimum degree of the core (the default for small
    # cores) must fill L about as little as SuperLU's MMD (forced by a zero limit)
    rng = np.random.default_rng(500 + seed)
    n = 400
    m = _nodal_matrix(rng, n, 40).tocoo()
    dense = _fill_of(n, m.row, m.col, compiled)
    monkeypatch.setattr(_sparse_lu, "DENSE_CORE_MAX", 0)
    mmd = _fill_of(n, m.row, m.col, compiled)
    assert dense <= 1.05 * mmd, (dense, mmd)


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(4))
def test_the_orderings_record_is_the_symbolic_factorisation(seed: int, compiled: bool) -> None:
    # whom each node was joined to when the ordering eliminated it is L's pattern: the
    # same as the symbolic analysis of the ordered matrix finds; the factorisation from
    # that pattern alone, with A's entries put straight into their places, solves the
    # system
    rng = np.random.default_rng(600 + seed)
    n = 300
    m = _nodal_matrix(rng, n, int(rng.integers(5, 40))).tocoo()
    new_pos, factors = _sparse_lu.nodal_analysis(n, m.row, m.col, compiled)
    assert factors is not None  # a small core: ordered with its record
    indptr, indices, slot = _sparse_lu.ordered_pattern(n, new_pos, m.row, m.col, compiled)
    made = _sparse_lu.SymbolicLU(indptr, indices, compiled, updates_max_work=np.inf)
    given = _sparse_lu.SymbolicLU.of_factors(*factors, compiled=compiled,
                                             updates_max_work=np.inf)
    assert given is not None and given.ap is None
    assert given.by_updates and given.nnz_l == made.nnz_l and given.work == made.work
    for field in ("lp", "li", "targets"):
        np.testing.assert_array_equal(getattr(given, field), getattr(made, field))
    # A's entries at their places: as the analysis of A's pattern places them
    rows, cols = new_pos[m.row], new_pos[m.col]
    v = np.zeros(given.value_size)
    np.add.at(v, given.places(rows, cols), m.data)
    lu = given.factor_placed(v)
    lu_made = made.factor(np.bincount(slot, m.data, int(indptr[-1])))
    assert lu is not None and lu_made is not None
    for field in ("lx", "ux", "ud"):
        np.testing.assert_allclose(getattr(lu, field), getattr(lu_made, field), rtol=1e-13)
    b = rng.normal(size=n)
    dense = np.zeros((n, n))
    np.add.at(dense, (rows, cols), m.data)
    np.testing.assert_allclose(lu.solve(b), np.linalg.solve(dense, b), rtol=1e-8,
                               atol=1e-10 * np.abs(np.linalg.solve(dense, b)).max())
    # a pattern heavier than the limit is left to the analysis of A's pattern
    assert _sparse_lu.SymbolicLU.of_factors(*factors, updates_max_work=0.0) is None


def test_a_large_core_leaves_the_symbolic_factorisation_to_the_analysis(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a core ordered by SuperLU's MMD comes without a record: the analysis makes L's pattern
    monkeypatch.setattr(_sparse_lu, "DENSE_CORE_MAX", 0)
    m = _nodal_matrix(np.random.default_rng(7), 200, 30).tocoo()
    new_pos, factors = _sparse_lu.nodal_analysis(200, m.row, m.col)
    assert factors is None
    np.testing.assert_array_equal(np.sort(new_pos), np.arange(200))


@pytest.mark.parametrize("compiled", _compiled_flags())
@pytest.mark.parametrize("seed", range(4))
def test_a_nodal_pattern_from_element_ends_is_the_entries_pattern(seed: int,
                                                                  compiled: bool) -> None:
    # elements between free nodes, to or from fixed ones (−1), parallel ones and a loop
    # on one node: the pattern laid out from the element ends is that of the four
    # entries of every element (rows, columns as the solver's reduced system has them),
    # and each element's slots point at its entries
    rng = np.random.default_rng(700 + seed)
    n = 150
    parent = [int(rng.integers(0, i)) for i in range(1, n)]
    fpos = np.array(parent + list(rng.integers(0, n, 20)) + [-1, 5, 7, 3], dtype=np.int32)
    tpos = np.array(list(range(1, n)) + list(rng.integers(0, n, 20)) + [4, -1, 7, 9],
                    dtype=np.int32)
    fpos, tpos = np.append(fpos, [3]), np.append(tpos, [9])  # parallel to the last one
    new_pos, factors = _sparse_lu.nodal_analysis(n, fpos, tpos, compiled)
    np.testing.assert_array_equal(np.sort(new_pos), np.arange(n))
    indptr, indices, slots = _sparse_lu.element_pattern(n, fpos, tpos, new_pos, compiled)
    ff, tt = np.flatnonzero(fpos >= 0), np.flatnonzero(tpos >= 0)
    ft = np.flatnonzero((fpos >= 0) & (tpos >= 0))
    rows = np.concatenate([fpos[ff], fpos[ft], tpos[ft], tpos[tt]])
    cols = np.concatenate([fpos[ff], tpos[ft], fpos[ft], tpos[tt]])
    ip, ii, slot = _sparse_lu.ordered_pattern(n, new_pos, rows, cols, compiled)
    np.testing.assert_array_equal(indptr, ip)
    np.testing.assert_array_equal(indices, ii)
    expected = [np.full(fpos.size, -1) for _ in range(4)]
    start = 0
    for s_exp, part in zip(expected, (ff, ft, ft, tt), strict=True):
        s_exp[part] = slot[start:start + part.size]
        start += part.size
    for got, exp in zip(slots, expected, strict=True):
        np.testing.assert_array_equal(got, exp)
    # the nodal system on L's pattern alone puts each element's entries at the places
    # of the same entries of A
    assert factors is not None
    given = _sparse_lu.SymbolicLU.of_factors(*factors, compiled=compiled)
    made = _sparse_lu.SymbolicLU(indptr, indices, compiled)
    assert given is not None and made.by_updates
    np.testing.assert_array_equal(factors[1], made.li)
    nodal = _sparse_lu.NodalSystem(given, fpos, tpos, new_pos, compiled=compiled)
    for places, s_a in zip(nodal.slots, slots, strict=True):
        np.testing.assert_array_equal(places, np.where(s_a >= 0, made.amap[s_a], -1))
