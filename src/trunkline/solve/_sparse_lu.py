r"""Compiled sparse LU for the steady network solver's nodal systems (optional: numba).

The steady solver's reduced Newton matrix, when every element flow is eliminated, is a
nodal matrix of structurally symmetric pattern that is column diagonally dominant (but
for the small terms of Z's pressure dependence): each element adds g to its from-node's
column in the from-node's row and −g in the to-node's row (and likewise for the
to-node's column), the columns of nodes next to a pressure-fixed node strictly dominant.
Gaussian elimination without pivoting is then stable (the Schur complements stay column
diagonally dominant; Golub & Van Loan, *Matrix Computations*, 4th ed., 2013, ch. 3).
Its pattern is the same at every Newton step, so the elimination tree and the pattern
of the factors are computed once (:class:`SymbolicLU`) and each step only computes
values. A light pattern (a gas network's: a few updates per unknown) is factorised by
right-looking elimination from a list, made once, of where each update goes
(:func:`_numeric_by_updates`); a heavier one by an up-looking LU (row k of L and column
k of U by sparse triangular solves over the elimination-tree reach of row k; Davis,
*Direct Methods for Sparse Linear Systems*, SIAM 2006, ch. 4, the Cholesky algorithm
with unsymmetric values), which keeps no such list. A pivot that is not finite or is
tiny against its column's diagonal entry returns None: the caller then factorises with
SuperLU, which pivots.

The same module orders such a pattern by minimum degree (:func:`nodal_analysis`: the
trees and chains of a gas network exactly and in linear time, a small meshed core that
remains on its explicit elimination graph — both giving L's pattern as they go — and a
large one by SuperLU's MMD), lays out a nodal matrix's ordered pattern from its
elements' end nodes (:func:`element_pattern`; a general one from its entries,
:func:`ordered_pattern`) where one is needed, assembles, factorises and solves the
solver's whole nodal Newton step (:class:`NodalSystem`) — for a light pattern straight
into the factors' places, with no pattern of A at all — and finds the nodes that no
open element joins to a pressure-fixed node (:func:`cut_off_nodes`).

Compiled with numba when it is installed (the ``fast`` extra); without numba,
:data:`AVAILABLE` is False and the solver uses SuperLU only. The functions below are
plain Python and run uncompiled as well (slowly), which the tests use to check them.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import types
from collections.abc import Callable
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["AVAILABLE", "NodalSystem", "NumericLU", "SymbolicLU", "cut_off_nodes",
           "element_pattern", "ends_and_balance", "nodal_analysis", "ordered_pattern"]

FloatArray = npt.NDArray[np.float64]
#: index arrays: the retained ones (patterns, orderings, factor structure) in
#: :func:`index_dtype`, the kernels' scratch arrays in int64
IntArray = npt.NDArray[np.signedinteger[Any]]

#: a pivot at most this fraction of its column's diagonal entry fails the factorisation
PIVOT_RTOL: Final = 1e-13
#: the largest meshed core (nodes of degree ≥ 3 after the series reduction) ordered by
#: :func:`_core_minimum_degree` on its bit sets (~0.3 MB at most), and the largest share of
#: all nodes it may be; other cores by SuperLU's MMD. Measured fill (entries of L), MMD →
#: dense: GasLib-582 821 → 823, GasLib-4197 7,049 → 7,055, synthetic gas-network-like 1k
#: and 2.5k nodes equal; but a 1k-node square grid (all core) 9,420 → 10,546: a grid's
#: core is left to MMD.
DENSE_CORE_MAX: Final = 1000
DENSE_CORE_SHARE: Final = 0.25
#: the bits used in each 64-bit word of :func:`_core_minimum_degree`'s bit sets (not the
#: sign bit: a word's lowest set bit is x & −x, its index the exact log2 of that)
_BITS: Final = 62
#: the largest factorisation work per unknown (:attr:`SymbolicLU.work` / n) for which the
#: numeric factorisation runs from a list of its updates (:func:`_numeric_by_updates`;
#: one index kept per update). Measured on GasLib-4197 (work 3.5 per unknown): 48
#: instead of 125 µs per factorisation, the list made in ~0.05 ms; on a 1k-node square
#: grid (179 per unknown) both take 0.28 ms but the list takes ~1 ms to make.
UPDATES_MAX_WORK: Final = 16.0


def _symbolic_count(n: int, ap: IntArray, ai: IntArray, parent: IntArray,
                    count: IntArray, lower: IntArray) -> int:
    """Elimination tree of the structurally symmetric pattern (ap, ai) into ``parent``,
    the entry count of every column of the strictly lower factor L into ``count``, the
    pattern's entries below the diagonal into ``lower[0]``; returns the counts' sum."""
    ancestor = np.full(n, -1, np.int64)
    for k in range(n):
        parent[k] = -1
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            while i != -1 and i < k:
                nxt = ancestor[i]
                ancestor[i] = k
                if nxt == -1:
                    parent[i] = k
                i = nxt
    flag = np.full(n, -1, np.int64)
    total = 0
    for k in range(n):
        flag[k] = k
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            if i > k:
                lower[0] += 1
                continue
            while flag[i] != k:
                flag[i] = k
                count[i] += 1
                total += 1
                i = parent[i]
    return total


def _symbolic_fill(n: int, ap: IntArray, ai: IntArray, parent: IntArray, rptr: IntArray,
                   reach: IntArray, lp: IntArray, li: IntArray) -> None:
    """The reach of every row (columns of its L entries, in topological order: each
    after those it depends on) and the column pattern of L (rows ascending)."""
    flag = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    count = np.zeros(n, np.int64)
    top_all = 0
    for k in range(n):
        flag[k] = k
        rptr[k] = top_all
        # cs_ereach: paths up the elimination tree from the entries above the diagonal;
        # each path pushed reversed so that the reach lists descendants first
        top = n
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            if i > k:
                continue
            length = 0
            while flag[i] != k:
                reach[top_all + length] = i  # scratch: the path, leaf first
                length += 1
                flag[i] = k
                i = parent[i]
            while length > 0:
                length -= 1
                top -= 1
                stack[top] = reach[top_all + length]
        m = n - top
        for t in range(m):
            i = stack[top + t]
            reach[top_all + t] = i
            count[i] += 1
        top_all += m
    rptr[n] = top_all
    lp[0] = 0
    for i in range(n):
        lp[i + 1] = lp[i] + count[i]
        count[i] = 0
    for k in range(n):
        for t in range(rptr[k], rptr[k + 1]):
            i = reach[t]
            li[lp[i] + count[i]] = k
            count[i] += 1


def _lower_by_rows(n: int, ap: IntArray, ai: IntArray, lo_ptr: IntArray, lo_col: IntArray,
                   lo_pos: IntArray) -> None:
    """The strictly lower entries of A by row: their columns and positions in A's data
    (what :func:`_numeric` reads row k of A from)."""
    lo_count = np.zeros(n + 1, np.int64)
    for j in range(n):
        for p in range(ap[j], ap[j + 1]):
            if ai[p] > j:
                lo_count[ai[p] + 1] += 1
    for r in range(n):
        lo_ptr[r + 1] = lo_ptr[r] + lo_count[r + 1]
        lo_count[r + 1] = 0
    for j in range(n):
        for p in range(ap[j], ap[j + 1]):
            r = ai[p]
            if r > j:
                q = lo_ptr[r] + lo_count[r + 1]
                lo_col[q] = j
                lo_pos[q] = p
                lo_count[r + 1] += 1


def _numeric(n: int, ap: IntArray, ai: IntArray, ax: FloatArray, lo_ptr: IntArray,
             lo_col: IntArray, lo_pos: IntArray, rptr: IntArray, reach: IntArray,
             lp: IntArray, li: IntArray, lx: FloatArray, ux: FloatArray,
             ud: FloatArray) -> bool:
    """Values of A = L·U (L unit lower in lx, U's strictly upper part by rows in ux on
    the same pattern, its diagonal in ud). False on a failed pivot."""
    x = np.zeros(n)
    y = np.zeros(n)
    fill = np.zeros(n, np.int64)
    for k in range(n):
        akk = 0.0
        for p in range(ap[k], ap[k + 1]):
            i = ai[p]
            if i < k:
                x[i] = ax[p]
            elif i == k:
                akk = ax[p]
        for p in range(lo_ptr[k], lo_ptr[k + 1]):
            y[lo_col[p]] = ax[lo_pos[p]]
        # column k of U: L[:k, :k] u = A[:k, k]
        for t in range(rptr[k], rptr[k + 1]):
            i = reach[t]
            uik = x[i]
            x[i] = 0.0
            ux[lp[i] + fill[i]] = uik
            for p in range(lp[i], lp[i] + fill[i]):
                x[li[p]] -= lx[p] * uik
        # row k of L: l U[:k, :k] = A[k, :k]; then the pivot
        d = akk
        for t in range(rptr[k], rptr[k + 1]):
            j = reach[t]
            lkj = y[j] / ud[j]
            y[j] = 0.0
            lx[lp[j] + fill[j]] = lkj
            for p in range(lp[j], lp[j] + fill[j]):
                y[li[p]] -= lkj * ux[p]
            d -= lkj * ux[lp[j] + fill[j]]
        for t in range(rptr[k], rptr[k + 1]):
            fill[reach[t]] += 1
        if not (abs(d) > PIVOT_RTOL * abs(akk) and abs(d) < np.inf):
            return False
        ud[k] = d
    return True


def _position(lp: IntArray, li: IntArray, lo: int, hi: int) -> int:
    """The position of row ``hi`` in L's column ``lo`` (lo < hi), or −1 if it is not
    there: the entry (hi, lo) of L is at it, and (lo, hi) of U (row lo of U has L
    column lo's pattern). A linear search: the lists are short on a network's factors."""
    for s in range(lp[lo], lp[lo + 1]):
        if li[s] == hi:
            return s
    return -1


def _places(n: int, lp: IntArray, li: IntArray, rows: IntArray, cols: IntArray,
            out: IntArray) -> bool:
    """The place of each entry (rows[t], cols[t]) in the factors' values v (−1 where a
    row or column is −1): L's entry p (strictly lower, by columns: row li[p]) at v[p],
    U's entry p (strictly upper, by rows on the same pattern: row i of U has L column
    i's pattern) at v[nnz_l + p], the diagonal of U at v[2·nnz_l + k]. An entry off the
    diagonal is found in the L column of the smaller of its row and column
    (:func:`_position`). Returns False if one is not in the factors' pattern (A's
    pattern and the fill are)."""
    nnz_l = lp[n]
    for t in range(rows.size):
        r, c = rows[t], cols[t]
        if r < 0 or c < 0:
            out[t] = -1
        elif r == c:
            out[t] = 2 * nnz_l + r
        else:
            s = _position(lp, li, min(r, c), max(r, c))
            if s < 0:
                return False
            out[t] = s if r > c else nnz_l + s
    return True


def _update_targets(n: int, lp: IntArray, li: IntArray, targets: IntArray) -> bool:
    """The place (see :func:`_places`) of every update of the right-looking elimination,
    in the order :func:`_numeric_by_updates` makes them: for each column k, each pair
    (p, q) of L(k)'s entries updates (li[p], li[q]) by −L[li[p], k]·U[k, li[q]] — in
    L(li[q])'s list when li[p] > li[q] (rows of L(k) below one of its rows are in that
    row's column: the fill), in L(li[p])'s when li[p] < li[q], on the diagonal when
    they are equal. An entry (r, c) and its mirror (c, r) are at the same position of
    the same list (as L's and as U's): one search for both. Returns False if one is not
    in the pattern (not L's)."""
    nnz_l = lp[n]
    o = 0
    for k in range(n):
        m = lp[k + 1] - lp[k]
        for i in range(m):
            r = li[lp[k] + i]
            targets[o + i * m + i] = 2 * nnz_l + r
            for j in range(i + 1, m):  # li ascending: r < c, found in L(r)'s list
                s = _position(lp, li, r, li[lp[k] + j])
                if s < 0:
                    return False
                targets[o + i * m + j] = nnz_l + s  # U(r, c)
                targets[o + j * m + i] = s  # L(c, r)
        o += m * m
    return True


def _numeric_by_updates(n: int, lp: IntArray, targets: IntArray, v: FloatArray) -> bool:
    """Values of A = L·U in place: v holds A's values at their places (see
    :func:`_places`; zero elsewhere) and gets L's and U's. Right-looking elimination,
    each step k scaling L's column k by 1/pivot and applying its updates from the list
    of their places (:func:`_update_targets`) — one flat pass with no search and no
    scatter of rows. False on a failed pivot (as :func:`_numeric`, against A's own
    diagonal entry)."""
    nnz_l = lp[n]
    d0 = 2 * nnz_l
    akk = v[d0:].copy()
    o = 0
    for k in range(n):
        d = v[d0 + k]
        if not (abs(d) > PIVOT_RTOL * abs(akk[k]) and abs(d) < np.inf):
            return False
        for p in range(lp[k], lp[k + 1]):
            v[p] /= d
        for p in range(lp[k], lp[k + 1]):
            lrk = v[p]
            for q in range(lp[k], lp[k + 1]):
                v[targets[o]] -= lrk * v[nnz_l + q]
                o += 1
    return True


def _solve(n: int, lp: IntArray, li: IntArray, lx: FloatArray, ux: FloatArray,
           ud: FloatArray, x: FloatArray) -> None:
    """x ← y with L·U·y = x (in place)."""
    for j in range(n):
        xj = x[j]
        if xj != 0.0:
            for p in range(lp[j], lp[j + 1]):
                x[li[p]] -= lx[p] * xj
    for i in range(n - 1, -1, -1):
        s = x[i]
        for p in range(lp[i], lp[i + 1]):
            s -= ux[p] * x[li[p]]
        x[i] = s / ud[i]


def _adjacency(n: int, rows: IntArray, cols: IntArray, ptr: IntArray, adj: IntArray
               ) -> int:
    """The graph of the pattern (rows[t], cols[t]) made symmetric, without its diagonal
    and duplicate entries — or of the elements joining nodes rows[t] and cols[t] (an end
    −1, a fixed node, joins none): CSR in ``ptr`` (n + 1) and ``adj`` (room for
    2·len(rows)); returns its entry count."""
    count = np.zeros(n + 1, np.int64)
    for t in range(rows.size):
        if rows[t] != cols[t] and rows[t] >= 0 and cols[t] >= 0:
            count[rows[t] + 1] += 1
            count[cols[t] + 1] += 1
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        start[i + 1] = start[i] + count[i + 1]
    raw = np.empty(start[n], np.int64)
    fill = start[:n].copy()
    for t in range(rows.size):
        r, c = rows[t], cols[t]
        if r != c and r >= 0 and c >= 0:
            raw[fill[r]] = c
            fill[r] += 1
            raw[fill[c]] = r
            fill[c] += 1
    mark = np.full(n, -1, np.int64)
    nnz = 0
    for i in range(n):
        ptr[i] = nnz
        for p in range(start[i], start[i + 1]):
            j = raw[p]
            if mark[j] != i:
                mark[j] = i
                adj[nnz] = j
                nnz += 1
    ptr[n] = nnz
    return nnz


def _series_reduction(n: int, ptr: IntArray, adj: IntArray, order: IntArray,
                      joins: IntArray) -> int:
    """Eliminate the nodes of degree ≤ 2 as long as there are any (the exact minimum
    degree ordering of a gas network's trees and chains of pipes: a leaf adds no fill,
    a node between two others one entry joining them, or none if they are joined
    already; so no degree ever grows and the graph is edited in place). The order of
    elimination into ``order``, and the neighbours of the t-th eliminated node when it
    was eliminated — its column of L's pattern — into ``joins[2t]``, ``joins[2t + 1]``
    (−1: none); returns how many were eliminated. The others (degree ≥ 3 each, in
    ``adj``'s live entries, the others −1) are left for a general ordering."""
    deg = np.empty(n, np.int64)
    for i in range(n):
        deg[i] = ptr[i + 1] - ptr[i]
    done = np.zeros(n, np.bool_)
    # two stacks: nodes of degree ≤ 1 (taken first, as minimum degree takes them) and of
    # degree 2; n pushes at first, then ≤ 2 per elimination
    low = np.empty(3 * n + 1, np.int64)
    two = np.empty(3 * n + 1, np.int64)
    n_low = 0
    n_two = 0
    for i in range(n - 1, -1, -1):
        if deg[i] <= 1:
            low[n_low] = i
            n_low += 1
        elif deg[i] == 2:
            two[n_two] = i
            n_two += 1
    count = 0
    while n_low + n_two > 0:
        if n_low > 0:
            n_low -= 1
            v = low[n_low]
        else:
            n_two -= 1
            v = two[n_two]
        if done[v] or deg[v] > 2:
            continue
        done[v] = True
        order[count] = v
        u = -1
        w = -1
        for p in range(ptr[v], ptr[v + 1]):
            j = adj[p]
            if j >= 0:
                if u < 0:
                    u = j
                else:
                    w = j
        joins[2 * count] = u
        joins[2 * count + 1] = w
        count += 1
        for side in range(2):
            # in x's list, v becomes y (v's other neighbour; none: v is dropped), or is
            # dropped if x and y are joined already
            x = u if side == 0 else w
            y = w if side == 0 else u
            if x < 0:
                continue
            joined = False
            slot = -1
            for p in range(ptr[x], ptr[x + 1]):
                j = adj[p]
                if j == v:
                    slot = p
                elif j == y and y >= 0:
                    joined = True
            if y < 0 or joined:
                adj[slot] = -1
                deg[x] -= 1
            else:
                adj[slot] = y
            if deg[x] <= 1 and not done[x]:
                low[n_low] = x
                n_low += 1
            elif deg[x] == 2 and not done[x]:
                two[n_two] = x
                n_two += 1
    return count


def _join(g: IntArray, deg: IntArray, a: int, b: int) -> None:
    """Join nodes a and b in :func:`_core_minimum_degree`'s bit sets of neighbours, each
    degree counted up, unless they are joined already."""
    bit = np.int64(1) << (b % _BITS)
    if not g[a, b // _BITS] & bit:
        g[a, b // _BITS] |= bit
        g[b, a // _BITS] |= np.int64(1) << (a % _BITS)
        deg[a] += 1
        deg[b] += 1


def _core_minimum_degree(n: int, ptr: IntArray, adj: IntArray, order: IntArray,
                         count: int, max_core: int, joins_ptr: IntArray, joins: IntArray
                         ) -> int:
    """Order the nodes that :func:`_series_reduction` left (not in ``order[:count]``) by
    minimum degree on their explicit elimination graph, after the eliminated ones in
    ``order``; returns the core's size, or −1 (nothing ordered) if it is above
    ``max_core``. The neighbours of the s-th core node eliminated, when it was — its
    column of L's pattern — into ``joins[joins_ptr[s]:joins_ptr[s + 1]]`` (room for
    m(m − 1)/2 of them, m the core's size).

    The graph is held as one bit set of neighbours per node (words of
    :data:`_BITS` bits), and the live nodes as one bit set per degree, so this is for the
    small meshed core of a gas network (GasLib-4197: 309 of 4,196 nodes; see
    :data:`DENSE_CORE_MAX`); each step eliminates a live node of least degree (the first
    in index order among equals — the lowest bit of the lowest non-empty degree's set:
    deterministic), joins its neighbours pairwise and drops it (Rose 1972; George & Liu,
    *Computer Solution of Large Sparse Positive Definite Systems*, 1981, ch. 5). On gas
    networks its fill is SuperLU's multiple minimum degree's within 0.1 % (the tests
    compare them), and without SuperLU's matrix to build and factorise first, the
    ordering of GasLib-4197 takes 0.7 instead of 1.6 ms; the bit sets (instead of a
    boolean matrix scanned along a row and over the live nodes at each step) make the
    core's part 97 → 30 µs."""
    done = np.zeros(n, np.bool_)
    for k in range(count):
        done[order[k]] = True
    m = n - count
    if m > max_core:
        return -1
    local = np.full(n, -1, np.int64)
    node = np.empty(m, np.int64)
    j = 0
    for i in range(n):
        if not done[i]:
            local[i] = j
            node[j] = i
            j += 1
    words = (m + _BITS - 1) // _BITS
    g = np.zeros((m, words), np.int64)  # node a's neighbours: bit b % _BITS of word b // _BITS
    deg = np.zeros(m, np.int64)
    for a in range(m):
        i = node[a]
        for p in range(ptr[i], ptr[i + 1]):
            v = adj[p]
            if v >= 0 and local[v] >= 0:
                _join(g, deg, a, local[v])
    # the live nodes of each degree
    live = np.zeros((m + 1, words), np.int64)
    for a in range(m):
        live[deg[a], a // _BITS] |= np.int64(1) << (a % _BITS)
    nbr = np.empty(m, np.int64)
    old = np.empty(m, np.int64)
    joins_ptr[0] = 0
    low = 0  # no live node has a lower degree
    for step in range(m):
        v = -1
        while v < 0:
            for w in range(words):
                x = live[low, w]
                if x:
                    v = w * _BITS + int(math.log2(x & -x))  # its lowest bit
                    break
            if v < 0:
                low += 1
        live[low, v // _BITS] &= ~(np.int64(1) << (v % _BITS))
        order[count + step] = node[v]
        k = 0
        vbit = np.int64(1) << (v % _BITS)
        for w in range(words):  # v's neighbours, in index order
            x = g[v, w]
            while x:
                lowbit = x & -x
                x ^= lowbit
                b = w * _BITS + int(math.log2(lowbit))
                nbr[k] = b
                old[k] = deg[b]
                joins[joins_ptr[step] + k] = node[b]
                k += 1
                g[b, v // _BITS] &= ~vbit
                deg[b] -= 1
        joins_ptr[step + 1] = joins_ptr[step] + k
        for x in range(k):  # the neighbours joined pairwise
            for y in range(x + 1, k):
                _join(g, deg, nbr[x], nbr[y])
        for x in range(k):  # each neighbour into the set of its new degree
            a = nbr[x]
            abit = np.int64(1) << (a % _BITS)
            live[old[x], a // _BITS] &= ~abit
            live[deg[a], a // _BITS] |= abit
            if deg[a] < low:
                low = deg[a]
    return m


def _factor_pattern(n: int, count: int, order: IntArray, new_pos: IntArray,
                    series_joins: IntArray, core_ptr: IntArray, core_joins: IntArray,
                    lp: IntArray, li: IntArray) -> None:
    """L's column pattern (``lp``, ``li``: rows ascending) of the ordered matrix from the
    neighbours each node had when it was eliminated (:func:`_series_reduction` for the
    first ``count``, :func:`_core_minimum_degree` for the others): eliminating a node
    joins its neighbours, so they are the rows of its column of L (George & Liu 1981,
    ch. 5) — the symbolic factorisation comes with the ordering."""
    lp[0] = 0
    for j in range(n):
        if j < count:
            c = int(series_joins[2 * j] >= 0) + int(series_joins[2 * j + 1] >= 0)
        else:
            c = core_ptr[j - count + 1] - core_ptr[j - count]
        lp[j + 1] = lp[j] + c
    for j in range(n):
        start = lp[j]
        for t in range(lp[j + 1] - start):
            u = series_joins[2 * j + t] if j < count else core_joins[core_ptr[j - count] + t]
            r = new_pos[u]
            # insertion into the column's rows so far, ascending
            s = start + t
            while s > start and li[s - 1] > r:
                li[s] = li[s - 1]
                s -= 1
            li[s] = r


def _ordered_pattern(n: int, new_pos: IntArray, rows: IntArray, cols: IntArray,
                     indptr: IntArray, indices: IntArray, slot: IntArray) -> int:
    """The compressed-column pattern of the matrix with entries (rows[t], cols[t])
    (duplicates summed) permuted to ``new_pos`` symmetrically: ``indptr`` (n + 1),
    ``indices`` (row indices ascending in each column; room for len(rows)), the slot of
    every entry in ``slot``; returns the pattern's entry count.

    Two stable counting sorts, by row and then by column, leave each column's entries
    in ascending row order, so that duplicates are neighbours and every entry's slot is
    known as it is placed (linear time, no search: half the time of an insertion sort
    per column and a binary search per entry on GasLib-4197)."""
    m = rows.size
    r_new = np.empty(m, np.int64)
    c_new = np.empty(m, np.int64)
    start = np.zeros(n + 1, np.int64)
    for t in range(m):
        r_new[t] = new_pos[rows[t]]
        c_new[t] = new_pos[cols[t]]
        start[r_new[t] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    by_row = np.empty(m, np.int64)  # the entries by row
    for t in range(m):
        r = r_new[t]
        by_row[start[r]] = t
        start[r] += 1
    start[:] = 0
    for t in range(m):
        start[c_new[t] + 1] += 1
    for j in range(n):
        start[j + 1] += start[j]
    fill = start[:n].copy()
    by_col = np.empty(m, np.int64)  # then by column, rows ascending within each
    for s in range(m):
        t = by_row[s]
        c = c_new[t]
        by_col[fill[c]] = t
        fill[c] += 1
    nnz = 0
    for j in range(n):
        indptr[j] = nnz
        last = -1
        for s in range(start[j], start[j + 1]):
            t = by_col[s]
            r = r_new[t]
            if r != last:
                indices[nnz] = r
                nnz += 1
                last = r
            slot[t] = nnz - 1
    indptr[n] = nnz
    return nnz


def _element_pattern(n: int, fpos: IntArray, tpos: IntArray, new_pos: IntArray,
                     ptr: IntArray, adj: IntArray, indptr: IntArray, indices: IntArray,
                     s_ff: IntArray, s_ft: IntArray, s_tf: IntArray, s_tt: IntArray
                     ) -> None:
    """The compressed-column pattern of the nodal matrix of elements joining nodes
    fpos[e] and tpos[e] (−1: a fixed end), ordered by ``new_pos``: each column the
    diagonal and the node's neighbours in the graph (``ptr``, ``adj``, see
    :func:`_adjacency`), rows ascending, into ``indptr`` and ``indices``; and each
    element's slots of its entries (from, from), (from, to), (to, from), (to, to) — the
    first index the row — into ``s_*`` (−1 where an end is fixed)."""
    order = np.empty(n, np.int64)
    diag = np.empty(n, np.int64)
    for i in range(n):
        order[new_pos[i]] = i
    indptr[0] = 0
    for j in range(n):
        v = order[j]
        start = indptr[j]
        m = ptr[v + 1] - ptr[v] + 1
        for t in range(m):
            r = j if t == 0 else new_pos[adj[ptr[v] + t - 1]]
            s = start + t  # insertion into the column's rows so far, ascending
            while s > start and indices[s - 1] > r:
                indices[s] = indices[s - 1]
                s -= 1
            indices[s] = r
        indptr[j + 1] = start + m
        for s in range(start, start + m):
            if indices[s] == j:
                diag[j] = s
    for e in range(fpos.size):
        f, t = fpos[e], tpos[e]
        s_ff[e] = diag[new_pos[f]] if f >= 0 else -1
        s_tt[e] = diag[new_pos[t]] if t >= 0 else -1
        s_ft[e] = -1
        s_tf[e] = -1
        if f >= 0 and t >= 0:
            for side in range(2):  # (from, to) in the to-node's column, then (to, from)
                row = new_pos[f] if side == 0 else new_pos[t]
                col = new_pos[t] if side == 0 else new_pos[f]
                s = indptr[col]
                while indices[s] != row:
                    s += 1
                if side == 0:
                    s_ft[e] = s
                else:
                    s_tf[e] = s


def _nodal_values(fpos: IntArray, tpos: IntArray, d1: FloatArray, d2: FloatArray,
                  dq: FloatArray, scale: float, s_ff: IntArray, s_ft: IntArray,
                  s_tf: IntArray, s_tt: IntArray, inv: FloatArray, data: FloatArray
                  ) -> None:
    """The nodal matrix of elements with rows d1·Δp_from + d2·Δp_to + dq·Δq (every flow
    eliminated): element e adds g1 = d1/(dq·scale) at (from, from), g2 at (from, to), −g1
    at (to, from), −g2 at (to, to), where that end is free (``fpos``/``tpos`` ≥ 0), into
    the slots ``s_*`` of ``data`` (zeroed here); 1/dq into ``inv``."""
    data[:] = 0.0
    for e in range(fpos.size):
        ie = 1.0 / dq[e]
        inv[e] = ie
        g1 = d1[e] * ie / scale
        g2 = d2[e] * ie / scale
        if fpos[e] >= 0:
            data[s_ff[e]] += g1
            if tpos[e] >= 0:
                data[s_ft[e]] += g2
                data[s_tf[e]] -= g1
        if tpos[e] >= 0:
            data[s_tt[e]] -= g2


def _nodal_rhs(nf: int, fpos: IntArray, tpos: IntArray, new_pos: IntArray, f: FloatArray,
               inv: FloatArray, scale: float, b: FloatArray) -> None:
    """The nodal system's right-hand side, in the order ``new_pos``, into ``b``: f holds
    the balance rows (nf) and the element rows; each element's flow change is
    eliminated, Δq_e = −(f_e + d1·Δp_from + d2·Δp_to)/dq_e."""
    for i in range(nf):
        b[new_pos[i]] = -f[i]
    for e in range(fpos.size):
        w = f[nf + e] * inv[e] / scale
        if fpos[e] >= 0:
            b[new_pos[fpos[e]]] -= w
        if tpos[e] >= 0:
            b[new_pos[tpos[e]]] += w


def _nodal_flows(nf: int, fpos: IntArray, tpos: IntArray, new_pos: IntArray, f: FloatArray,
                 d1: FloatArray, d2: FloatArray, inv: FloatArray, dp: FloatArray,
                 out: FloatArray) -> None:
    """The whole Newton step into ``out`` (free pressures, then element flows) from the
    nodal system's solution ``dp`` (in the order ``new_pos``)."""
    for i in range(nf):
        out[i] = dp[new_pos[i]]
    for e in range(fpos.size):
        r = f[nf + e]
        if fpos[e] >= 0:
            r += d1[e] * dp[new_pos[fpos[e]]]
        if tpos[e] >= 0:
            r += d2[e] * dp[new_pos[tpos[e]]]
        out[nf + e] = -r * inv[e]


def _ends_and_balance(x: FloatArray, p_fixed: FloatArray, free_pos: IntArray,
                      free: IntArray, fr: IntArray, to: IntArray, inj: FloatArray,
                      q_ref: float, p1: FloatArray, p2: FloatArray, f: FloatArray) -> None:
    """From the unknowns x (the free nodes' pressures, then the element flows): every
    element's end pressures into p1, p2 (a fixed node's from p_fixed), and the free
    nodes' balances, (injection + inflow − outflow)/q_ref, into f[:nf] — the inflows
    and outflows each summed in element order, as numpy's bincount sums them."""
    nf = free.size
    n = inj.size
    into = np.zeros(n)
    out = np.zeros(n)
    for e in range(fr.size):
        i, j = fr[e], to[e]
        k = free_pos[i]
        p1[e] = x[k] if k >= 0 else p_fixed[i]
        k = free_pos[j]
        p2[e] = x[k] if k >= 0 else p_fixed[j]
        q = x[nf + e]
        into[j] += q
        out[i] += q
    for t in range(nf):
        i = free[t]
        f[t] = (inj[i] + into[i] - out[i]) / q_ref


def _nodal_step(nf: int, fpos: IntArray, tpos: IntArray, new_pos: IntArray, f: FloatArray,
                d1: FloatArray, d2: FloatArray, inv: FloatArray, scale: float, lp: IntArray,
                li: IntArray, lx: FloatArray, ux: FloatArray, ud: FloatArray,
                out: FloatArray) -> None:
    """The whole Newton step into ``out`` from the residual f: the nodal right-hand side
    (:func:`_nodal_rhs`), its solve (:func:`_solve`) and every flow change
    (:func:`_nodal_flows`) in one call (compiled with those kernels compiled: see
    :data:`_CALLERS`)."""
    b = np.empty(nf)
    _nodal_rhs(nf, fpos, tpos, new_pos, f, inv, scale, b)
    _solve(nf, lp, li, lx, ux, ud, b)
    _nodal_flows(nf, fpos, tpos, new_pos, f, d1, d2, inv, b, out)


def _nodal_factor(fpos: IntArray, tpos: IntArray, d1: FloatArray, d2: FloatArray,
                  dq: FloatArray, scale: float, s_ff: IntArray, s_ft: IntArray,
                  s_tf: IntArray, s_tt: IntArray, inv: FloatArray, v: FloatArray, n: int,
                  lp: IntArray, targets: IntArray) -> bool:
    """The nodal matrix assembled at its entries' places in the factors' values
    (:func:`_nodal_values`) and factorised there (:func:`_numeric_by_updates`) in one
    call; False on a failed pivot."""
    _nodal_values(fpos, tpos, d1, d2, dq, scale, s_ff, s_ft, s_tf, s_tt, inv, v)
    return _numeric_by_updates(n, lp, targets, v)


def _cut_off(fr: IntArray, to: IntArray, joined: npt.NDArray[np.bool_],
             anchor: npt.NDArray[np.bool_], out: npt.NDArray[np.bool_]) -> None:
    """out[i]: node i has no path of joined edges (fr[e], to[e]) to an anchor node
    (union-find with path halving, each tree's root its smallest node: shallow trees
    on a network numbered along its lines; Tarjan & van Leeuwen 1984)."""
    n = anchor.size
    parent = np.arange(n)
    for e in range(fr.size):
        if not joined[e]:
            continue
        i = fr[e]
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        j = to[e]
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        if i < j:
            parent[j] = i
        elif j < i:
            parent[i] = j
    reached = np.zeros(n, np.bool_)
    for i in range(n):  # every node points at its root; the anchors' roots are reached
        r = i
        while parent[r] != r:
            r = parent[r]
        parent[i] = r
        if anchor[i]:
            reached[r] = True
    for i in range(n):
        out[i] = not reached[parent[i]]


def index_dtype(largest: int) -> type[np.signedinteger[Any]]:
    """The dtype of index arrays whose values (and sizes) are at most ``largest``: 32-bit
    integers where they fit. The structures a compiled network keeps (its pattern,
    ordering and the factor's pattern) are then half as large as in int64 — for
    GasLib-4197 ~0.7 MB less to allocate, touch and keep per network (fresh memory costs
    a page fault per 4 KB on a first solve) — and their passes read half the bytes."""
    return np.int32 if largest < np.iinfo(np.int32).max else np.int64


_PLAIN: Final = (_symbolic_count, _symbolic_fill, _numeric, _solve, _adjacency,
                 _series_reduction, _ordered_pattern, _nodal_values, _nodal_rhs,
                 _nodal_flows, _cut_off, _core_minimum_degree, _lower_by_rows,
                 _update_targets, _numeric_by_updates, _factor_pattern, _element_pattern,
                 _places, _ends_and_balance, _nodal_step, _nodal_factor)
#: functions only other kernels call (compiled first, not in :data:`_PLAIN`'s positions)
_CALLEES: Final = (_position, _join)
#: the kernels that call other kernels: compiled with those kernels' compiled versions
#: in their globals (numba calls a compiled function from compiled code directly)
_CALLERS: Final = (_places, _update_targets, _core_minimum_degree, _nodal_step,
                   _nodal_factor)
#: whether the compiled kernels are available (numba installed; imported on first use)
AVAILABLE: Final = importlib.util.find_spec("numba") is not None


@functools.cache
def _compiled() -> tuple[Callable[..., Any], ...]:
    """The kernels compiled by numba (imported here, not with the package: it takes a
    few tenths of a second; compiled code is cached on disk)."""
    import numba

    jit = numba.njit(cache=True, nogil=True)
    done: dict[str, Callable[..., Any]] = {}
    for f in (*_CALLEES, *_PLAIN):  # callees before their callers
        if f in _CALLERS:
            scope = {**f.__globals__, **done}
            f = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__,
                                   f.__closure__)
        done[f.__name__] = jit(f)
    return tuple(done[f.__name__] for f in _PLAIN)


def _kernels(compiled: bool) -> tuple[Callable[..., Any], ...]:
    return _compiled() if compiled and AVAILABLE else _PLAIN


def ends_and_balance(x: FloatArray, p_fixed: FloatArray, free_pos: IntArray,
                     free: IntArray, fr: IntArray, to: IntArray, inj: FloatArray,
                     q_ref: float, f: FloatArray, compiled: bool = True
                     ) -> tuple[FloatArray, FloatArray]:
    """Every element's end pressures (p1, p2) from the unknowns x, and the free nodes'
    scaled balances into ``f[:nf]``, in one pass (see :func:`_ends_and_balance`)."""
    p1, p2 = np.empty(fr.size), np.empty(fr.size)
    _kernels(compiled)[18](x, p_fixed, free_pos, free, fr, to, inj, float(q_ref), p1, p2, f)
    return p1, p2


def cut_off_nodes(fr: IntArray, to: IntArray, joined: npt.NDArray[np.bool_],
                  anchor: npt.NDArray[np.bool_], compiled: bool = True
                  ) -> npt.NDArray[np.bool_]:
    """Which nodes have no path of joined edges (``fr[e]``–``to[e]`` where ``joined[e]``)
    to an ``anchor`` node. Compiled union-find; without numba (or ``compiled=False``
    on large graphs) scipy's connected components, which give the same answer."""
    n = anchor.size
    if (compiled and AVAILABLE) or n <= 64:
        out = np.empty(n, dtype=bool)
        _kernels(compiled)[10](np.ascontiguousarray(fr, np.int64),
                               np.ascontiguousarray(to, np.int64),
                               np.ascontiguousarray(joined, np.bool_),
                               np.ascontiguousarray(anchor, np.bool_), out)
        return out
    from scipy.sparse.csgraph import connected_components

    graph = sp.coo_matrix((np.ones(int(joined.sum())), (fr[joined], to[joined])),
                          shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return ~np.isin(comp, comp[anchor])


def nodal_analysis(n: int, rows: IntArray, cols: IntArray, compiled: bool = True
                   ) -> tuple[IntArray, tuple[IntArray, IntArray] | None]:
    """A fill-reducing ordering of a structurally symmetric pattern (entries (rows[t],
    cols[t]), duplicates allowed) — the new position of every index — and, where the
    ordering gives it, the pattern of L in that order (lp, li: see :class:`SymbolicLU`).

    Minimum degree, in two parts. Gas networks are mostly trees and chains of pipes:
    their nodes of degree ≤ 2 are eliminated first, exactly as minimum degree would
    (:func:`_series_reduction`, linear time). What remains — the meshed core, each node
    of degree ≥ 3 — is ordered by minimum degree on its explicit elimination graph
    (:func:`_core_minimum_degree`) if it is small (a gas network's few hundred nodes,
    :data:`DENSE_CORE_MAX`): both parts record whom each node was joined to, which is
    L's pattern (:func:`_factor_pattern`). A larger core (a grid's) is ordered by
    SuperLU's multiple minimum degree on A + Aᵀ (Liu 1985, as
    ``permc_spec="MMD_AT_PLUS_A"``), which needs a factorisation; L's pattern is then
    left to :class:`SymbolicLU`.
    """
    k = _kernels(compiled)
    ptr, adj = _graph(n, rows, cols, k)
    return _minimum_degree(n, ptr, adj, k)


def _graph(n: int, rows: IntArray, cols: IntArray, k: tuple[Callable[..., Any], ...]
           ) -> tuple[IntArray, IntArray]:
    """The graph of entries or elements (see :func:`_adjacency`): ptr and adj."""
    dt = index_dtype(max(n, 2 * rows.size))
    rows = np.ascontiguousarray(rows, dt)
    cols = np.ascontiguousarray(cols, dt)
    ptr = np.empty(n + 1, dt)
    adj = np.empty(2 * rows.size, dt)
    k[4](n, rows, cols, ptr, adj)
    return ptr, adj


def _minimum_degree(n: int, ptr: IntArray, adj: IntArray, k: tuple[Callable[..., Any], ...]
                    ) -> tuple[IntArray, tuple[IntArray, IntArray] | None]:
    """:func:`nodal_analysis` on the graph (ptr, adj), which it edits."""
    dt = ptr.dtype
    order = np.empty(n, dt)
    series_joins = np.empty(2 * n, dt)
    count = int(k[5](n, ptr, adj, order, series_joins))
    new_pos = np.empty(n, dt)
    m = n - count
    dense_max = min(DENSE_CORE_MAX, int(DENSE_CORE_SHARE * n))
    if m <= dense_max:
        core_ptr = np.empty(m + 1, dt)
        # room for every pair of core nodes (pages are touched only where written)
        core_joins = np.empty(m * (m - 1) // 2, dt)
        if m:
            k[11](n, ptr, adj, order, count, dense_max, core_ptr, core_joins)
        else:
            core_ptr[0] = 0
        new_pos[order] = np.arange(n, dtype=dt)
        nnz_l = int(np.count_nonzero(series_joins[:2 * count] >= 0)) + int(core_ptr[m])
        dt_l = index_dtype(max(n, nnz_l))
        lp: IntArray = np.empty(n + 1, dt_l)
        li: IntArray = np.empty(nnz_l, dt_l)
        k[15](n, count, order, new_pos, series_joins, core_ptr, core_joins, lp, li)
        return new_pos, (lp, li)
    new_pos[order[:count]] = np.arange(count)
    eliminated = np.zeros(n, dtype=bool)
    eliminated[order[:count]] = True
    core = np.flatnonzero(~eliminated)
    local = np.full(n, -1, np.int64)
    local[core] = np.arange(core.size)
    # the core's remaining graph (its nodes' live entries join core nodes only) and a
    # matrix on it that SuperLU factorises without trouble (diagonally dominant)
    owner = np.repeat(np.arange(n), np.diff(ptr))
    entries = adj[:ptr[n]]
    live = (entries >= 0) & ~eliminated[owner]
    r, c = local[owner[live]], local[entries[live]]  # r ascending (CSR order)
    deg = np.bincount(r, minlength=m)
    indptr = np.zeros(m + 1, np.int64)
    np.cumsum(deg + 1, out=indptr[1:])
    indices = np.empty(indptr[m], np.int64)
    data = np.full(indptr[m], -1.0)
    indices[indptr[:m]] = np.arange(m)  # each column's diagonal first, then its others
    data[indptr[:m]] = deg + 1.0
    others = np.ones(indptr[m], dtype=bool)
    others[indptr[:m]] = False
    indices[others] = c
    mat = sp.csc_matrix((data, indices, indptr), shape=(m, m))
    lu = spla.splu(mat, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.1, relax=1,
                   panel_size=1, options={"SymmetricMode": True})
    new_pos[core] = count + np.asarray(lu.perm_c, dtype=dt)
    return new_pos, None


def element_pattern(n: int, fpos: IntArray, tpos: IntArray, new_pos: IntArray,
                    compiled: bool = True
                    ) -> tuple[IntArray, IntArray, tuple[IntArray, IntArray, IntArray, IntArray]]:
    """The compressed-column pattern (indptr, indices) of the nodal matrix of elements
    joining nodes ``fpos[e]`` and ``tpos[e]`` (−1: a fixed end), ordered by ``new_pos``,
    and each element's four slots in it (see :func:`_element_pattern`), made from the
    element ends alone."""
    k = _kernels(compiled)
    ptr, adj = _graph(n, fpos, tpos, k)
    graph = adj[:ptr[n]]
    dt = index_dtype(max(n + graph.size, fpos.size))
    indptr = np.empty(n + 1, dt)
    indices = np.empty(n + graph.size, dt)
    slots = tuple(np.empty(fpos.size, dt) for _ in range(4))
    k[16](n, np.ascontiguousarray(fpos, dt), np.ascontiguousarray(tpos, dt),
          np.ascontiguousarray(new_pos, ptr.dtype), ptr, graph, indptr, indices, *slots)
    return indptr, indices, (slots[0], slots[1], slots[2], slots[3])


def ordered_pattern(n: int, new_pos: IntArray, rows: IntArray, cols: IntArray,
                    compiled: bool = True) -> tuple[IntArray, IntArray, IntArray]:
    """The compressed-column pattern (indptr, indices: rows ascending in each column) of
    the n × n matrix with entries (rows[t], cols[t]) — duplicates summed — permuted to
    ``new_pos`` symmetrically, and the slot of every entry in its data."""
    dt = index_dtype(max(n, rows.size))
    rows = np.ascontiguousarray(rows, dt)
    cols = np.ascontiguousarray(cols, dt)
    indptr = np.empty(n + 1, dt)
    indices = np.empty(rows.size, dt)
    slot = np.empty(rows.size, dt)
    nnz = int(_kernels(compiled)[6](n, np.ascontiguousarray(new_pos, dt), rows, cols,
                                    indptr, indices, slot))
    # a copy of the entries' part only: a pattern is kept, its scratch room is not
    return indptr, indices[:nnz].copy(), slot


class SymbolicLU:
    """The elimination tree and factor pattern of a structurally symmetric CSC pattern
    (row indices sorted within each column, diagonal present), or of L's pattern alone
    (:meth:`of_factors`), and how its numeric factorisation runs: for a light pattern
    (work per unknown up to ``updates_max_work``, see :data:`UPDATES_MAX_WORK`) from a
    list of the elimination's updates on the factors' places (:func:`_numeric_by_updates`;
    ``by_updates``), otherwise up-looking (:func:`_numeric`)."""

    #: the CSC pattern of A (None: made from L's pattern alone, see :meth:`of_factors`)
    ap: IntArray | None
    ai: IntArray | None

    def __init__(self, indptr: npt.ArrayLike, indices: npt.ArrayLike,
                 compiled: bool = True, max_work: float = np.inf,
                 updates_max_work: float = UPDATES_MAX_WORK) -> None:
        kernels = self._take_kernels(compiled)
        size = max(np.shape(indices)[0], np.shape(indptr)[0])
        dt_a = index_dtype(size)
        ap = np.ascontiguousarray(indptr, dt_a)
        ai = np.ascontiguousarray(indices, dt_a)
        n = ap.size - 1
        self.n, self.ap, self.ai = n, ap, ai
        parent = np.empty(n, np.int64)
        count = np.zeros(n, np.int64)
        lower = np.zeros(1, np.int64)
        nnz_l = int(kernels[0](n, ap, ai, parent, count, lower))
        self.nnz_l = nnz_l
        #: Σ over the columns of L of their entry count squared: the factorisation's work
        #: (the updates of a right-looking elimination)
        self.work = float(np.dot(count, count))
        #: whether the work is above ``max_work`` per unknown (then the pattern of the
        #: factors is not made and :meth:`factor` is not to be called)
        self.heavy = self.work > max_work * n
        #: whether the factorisation runs from the list of updates (else up-looking)
        self.by_updates = not self.heavy and self.work <= updates_max_work * n
        if self.heavy:
            return
        dt = index_dtype(max(nnz_l, n, size))
        # each row's reach: what the up-looking factorisation follows, and (either way)
        # what L's pattern is made from
        rptr = np.zeros(n + 1, dt)
        reach = np.empty(max(nnz_l, n), dt)
        self.lp = np.zeros(n + 1, dt)
        self.li = np.empty(nnz_l, dt)
        kernels[1](n, ap, ai, parent, rptr, reach, self.lp, self.li)
        if self.by_updates:
            self._list_updates()
            return
        self.rptr, self.reach = rptr, reach
        nnz_lo = int(lower[0])
        self.lo_ptr = np.zeros(n + 1, dt)
        self.lo_col = np.empty(nnz_lo, dt)
        self.lo_pos = np.empty(nnz_lo, dt)
        kernels[12](n, ap, ai, self.lo_ptr, self.lo_col, self.lo_pos)

    def _take_kernels(self, compiled: bool) -> tuple[Callable[..., Any], ...]:
        kernels = _kernels(compiled)
        self._numeric: Callable[..., Any] = kernels[2]
        self._solve: Callable[..., Any] = kernels[3]
        self._numeric_by_updates: Callable[..., Any] = kernels[14]
        self._update_targets: Callable[..., Any] = kernels[13]
        self._places: Callable[..., Any] = kernels[17]
        return kernels

    @classmethod
    def of_factors(cls, lp: IntArray, li: IntArray, compiled: bool = True,
                   updates_max_work: float = UPDATES_MAX_WORK) -> SymbolicLU | None:
        """The analysis from L's pattern alone (lp, li, rows ascending; as
        :func:`nodal_analysis` gives it) for the factorisation from the list of updates,
        whose values are assembled straight into the factors' places (:meth:`places`,
        :meth:`factor_placed`): no pattern of A is needed. None if the work per unknown
        is above ``updates_max_work`` (then analyse A's pattern)."""
        n = lp.size - 1
        count = np.diff(lp)
        work = float(np.dot(count, count))
        if work > updates_max_work * n:
            return None
        self = cls.__new__(cls)
        self._take_kernels(compiled)
        self.n, self.ap, self.ai = n, None, None
        self.nnz_l, self.work, self.heavy, self.by_updates = int(lp[n]), work, False, True
        self.lp, self.li = lp, li
        self._list_updates()
        return self

    def _list_updates(self) -> None:
        """The places of the elimination's updates (see :func:`_update_targets`)."""
        #: the dtype of places in the factors' values
        self.place_dtype = index_dtype(2 * self.nnz_l + self.n)
        self.targets = np.empty(int(self.work), self.place_dtype)
        if not self._update_targets(self.n, self.lp, self.li, self.targets):
            raise RuntimeError("a factor entry outside the symbolic pattern (a pattern "
                               "that is not structurally symmetric or not sorted)")

    @property
    def value_size(self) -> int:
        """The size of the factors' values (L, U's strictly upper part, the diagonal)."""
        return 2 * self.nnz_l + self.n

    def places(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> IntArray:
        """The place of each entry (rows[t], cols[t]) of A in the factors' values, which
        :meth:`factor_placed` factorises (−1 where a row or column is −1)."""
        r = np.ascontiguousarray(rows, self.place_dtype)
        c = np.ascontiguousarray(cols, self.place_dtype)
        out = np.empty(r.size, self.place_dtype)
        if not self._places(self.n, self.lp, self.li, r, c, out):
            raise RuntimeError("an entry outside the factors' pattern")
        return out

    @cached_property
    def amap(self) -> IntArray:
        """The place of each of A's entries (in its CSC order) in the factors' values."""
        assert self.ap is not None and self.ai is not None
        cols = np.repeat(np.arange(self.n), np.diff(self.ap))
        return self.places(self.ai, cols)

    def factor_placed(self, v: FloatArray) -> NumericLU | None:
        """The factorisation of the matrix whose values are in ``v`` at their places
        (:meth:`places`; zero elsewhere; overwritten by the factors), or None if a pivot
        fails (then use a pivoting LU). Only where ``by_updates``."""
        if not self._numeric_by_updates(self.n, self.lp, self.targets, v):
            return None
        return self.placed(v)

    def placed(self, v: FloatArray) -> NumericLU:
        """The factors held in v at their places (see :meth:`factor_placed`)."""
        nnz_l = self.nnz_l
        return NumericLU(self, v[:nnz_l], v[nnz_l:2 * nnz_l], v[2 * nnz_l:])

    def factor(self, data: npt.ArrayLike) -> NumericLU | None:
        """The factorisation of the matrix with these values (on A's pattern's slots), or
        None if a pivot fails (then use a pivoting LU)."""
        ax = np.ascontiguousarray(data, np.float64)
        n, nnz_l = self.n, self.nnz_l
        if self.by_updates:
            v = np.zeros(self.value_size)
            v[self.amap] = ax
            return self.factor_placed(v)
        assert self.ap is not None and self.ai is not None
        lx, ux, ud = np.empty(nnz_l), np.empty(nnz_l), np.empty(n)
        ok = self._numeric(n, self.ap, self.ai, ax, self.lo_ptr, self.lo_col, self.lo_pos,
                           self.rptr, self.reach, self.lp, self.li, lx, ux, ud)
        return NumericLU(self, lx, ux, ud) if ok else None


class NodalSystem:
    """The nodal Newton system of a network whose element flows are all eliminated, on a
    :class:`SymbolicLU` of its ordered pattern: assembles and factorises it from the
    elements' derivatives and solves for whole Newton steps, in compiled passes
    (:func:`_nodal_values`; :func:`_nodal_rhs`, :func:`_solve`, :func:`_nodal_flows`).

    ``fpos``/``tpos``: each element's end nodes among the free nodes (−1: fixed);
    ``new_pos``: the ordering; ``slots``: each element's four entries' slots (−1 where
    an end is fixed, see :func:`_nodal_values`) in the ordered pattern's data, for an
    up-looking factorisation; where the analysis factorises ``by_updates`` the entries
    go straight to their places in the factors' values instead (``slots`` unused).
    """

    def __init__(self, sym: SymbolicLU, fpos: IntArray, tpos: IntArray, new_pos: IntArray,
                 slots: tuple[IntArray, IntArray, IntArray, IntArray] | None = None,
                 compiled: bool = True) -> None:
        k = _kernels(compiled)
        self._values, self._step, self._factor = k[7], k[19], k[20]
        self.sym = sym
        dt = index_dtype(max(fpos.size, sym.n))
        self.fpos = np.ascontiguousarray(fpos, dt)
        self.tpos = np.ascontiguousarray(tpos, dt)
        self.new_pos = np.ascontiguousarray(new_pos, dt)
        if sym.by_updates:
            # each element's four entries' places: (from, from), (from, to), (to, from),
            # (to, to) in the new order (−1 at a fixed end)
            f = np.where(self.fpos >= 0, self.new_pos[self.fpos], -1)
            t = np.where(self.tpos >= 0, self.new_pos[self.tpos], -1)
            self.size = sym.value_size
            nnz_l, d0 = sym.nnz_l, 2 * sym.nnz_l
            ft = sym.places(f, t)
            # (to, from) mirrors (from, to): L's entry p is U's nnz_l + p, and the reverse
            tf = np.where(ft < 0, -1, np.where(ft < nnz_l, ft + nnz_l,
                                               np.where(ft < d0, ft - nnz_l, ft)))
            self.slots: tuple[IntArray, ...] = tuple(
                v.astype(sym.place_dtype, copy=False)
                for v in (np.where(f >= 0, d0 + f, -1), ft, tf, np.where(t >= 0, d0 + t, -1)))
        else:
            assert slots is not None and sym.ap is not None
            self.size = int(sym.ap[-1])
            self.slots = tuple(np.ascontiguousarray(s, index_dtype(max(fpos.size, self.size)))
                               for s in slots)

    def factor(self, d1: FloatArray, d2: FloatArray, dq: FloatArray, scale: float
               ) -> tuple[NumericLU, FloatArray] | None:
        """The factorised matrix (balance rows scaled by 1/``scale``) and 1/dq, or None
        if a pivot fails."""
        data = np.empty(self.size)
        inv = np.empty(self.fpos.size)
        sym = self.sym
        if sym.by_updates:  # assembled at the factors' places and factorised there
            if not self._factor(self.fpos, self.tpos, d1, d2, dq, float(scale), *self.slots,
                                inv, data, sym.n, sym.lp, sym.targets):
                return None
            return sym.placed(data), inv
        self._values(self.fpos, self.tpos, d1, d2, dq, float(scale), *self.slots, inv, data)
        lu = sym.factor(data)
        return None if lu is None else (lu, inv)

    def step(self, lu: NumericLU, inv: FloatArray, d1: FloatArray, d2: FloatArray,
             f: FloatArray, scale: float) -> FloatArray:
        """The Newton step −J⁻¹f (free pressures, then element flows)."""
        s = self.sym
        out = np.empty(f.size)
        self._step(s.n, self.fpos, self.tpos, self.new_pos, f, d1, d2, inv, float(scale),
                   s.lp, s.li, lu.lx, lu.ux, lu.ud, out)
        return out


class NumericLU:
    """L and U of one matrix on a :class:`SymbolicLU` pattern."""

    def __init__(self, sym: SymbolicLU, lx: FloatArray, ux: FloatArray,
                 ud: FloatArray) -> None:
        self.sym, self.lx, self.ux, self.ud = sym, lx, ux, ud

    def solve(self, b: FloatArray) -> FloatArray:
        s = self.sym
        x = np.array(b, dtype=np.float64)  # a copy, solved in place
        s._solve(s.n, s.lp, s.li, self.lx, self.ux, self.ud, x)
        return x
