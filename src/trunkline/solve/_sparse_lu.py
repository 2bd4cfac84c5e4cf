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
values: an up-looking LU (row k of L and column k of U by sparse triangular solves over
the elimination-tree reach of row k; Davis, *Direct Methods for Sparse Linear Systems*,
SIAM 2006, ch. 4, the Cholesky algorithm with unsymmetric values). A pivot that is not
finite or is tiny against its column's diagonal entry returns None: the caller then
factorises with SuperLU, which pivots.

Compiled with numba when it is installed (the ``fast`` extra); without numba,
:data:`AVAILABLE` is False and the solver uses SuperLU only. The functions below are
plain Python and run uncompiled as well (slowly), which the tests use to check them.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["AVAILABLE", "NumericLU", "SymbolicLU"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: a pivot at most this fraction of its column's diagonal entry fails the factorisation
PIVOT_RTOL: Final = 1e-13


def _symbolic_count(n: int, ap: IntArray, ai: IntArray, parent: IntArray,
                    count: IntArray) -> int:
    """Elimination tree of the structurally symmetric pattern (ap, ai) into ``parent``,
    the entry count of every column of the strictly lower factor L into ``count``;
    returns their sum."""
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
                continue
            while flag[i] != k:
                flag[i] = k
                count[i] += 1
                total += 1
                i = parent[i]
    return total


def _symbolic_fill(n: int, ap: IntArray, ai: IntArray, parent: IntArray, rptr: IntArray,
                   reach: IntArray, lp: IntArray, li: IntArray, lo_ptr: IntArray,
                   lo_col: IntArray, lo_pos: IntArray) -> None:
    """The reach of every row (columns of its L entries, in topological order: each
    after those it depends on), the column pattern of L (rows ascending) and the
    strictly lower entries of A by row (their columns and positions in A's data)."""
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
    # strictly lower entries of A, by row
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


def _solve(n: int, lp: IntArray, li: IntArray, lx: FloatArray, ux: FloatArray,
           ud: FloatArray, b: FloatArray) -> FloatArray:
    """x with L·U·x = b."""
    x = b.copy()
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
    return x


_PLAIN: Final = (_symbolic_count, _symbolic_fill, _numeric, _solve)
#: whether the compiled kernels are available (numba installed; imported on first use)
AVAILABLE: Final = importlib.util.find_spec("numba") is not None


@functools.cache
def _compiled() -> tuple[Callable[..., Any], ...]:
    """The kernels compiled by numba (imported here, not with the package: it takes a
    few tenths of a second; compiled code is cached on disk)."""
    import numba

    jit = numba.njit(cache=True, nogil=True)
    return tuple(jit(f) for f in _PLAIN)


class SymbolicLU:
    """The elimination tree and factor pattern of a structurally symmetric CSC pattern
    (row indices sorted within each column, diagonal present)."""

    def __init__(self, indptr: npt.ArrayLike, indices: npt.ArrayLike,
                 compiled: bool = True, max_work: float = np.inf) -> None:
        kernels = _compiled() if compiled and AVAILABLE else _PLAIN
        self._count: Callable[..., Any] = kernels[0]
        self._fill: Callable[..., Any] = kernels[1]
        self._numeric: Callable[..., Any] = kernels[2]
        self._solve: Callable[..., Any] = kernels[3]
        ap = np.asarray(indptr, dtype=np.int64)
        ai = np.asarray(indices, dtype=np.int64)
        n = ap.size - 1
        self.n, self.ap, self.ai = n, ap, ai
        parent = np.empty(n, np.int64)
        count = np.zeros(n, np.int64)
        nnz_l = int(self._count(n, ap, ai, parent, count))
        self.nnz_l = nnz_l
        #: Σ over the columns of L of their entry count squared: the factorisation's work
        self.work = float(np.sum(count.astype(np.float64) ** 2))
        #: whether the work is above ``max_work`` per unknown (then the pattern of the
        #: factors is not made and :meth:`factor` is not to be called)
        self.heavy = self.work > max_work * n
        if self.heavy:
            return
        self.rptr = np.zeros(n + 1, np.int64)
        self.reach = np.empty(max(nnz_l, n), np.int64)
        self.lp = np.zeros(n + 1, np.int64)
        self.li = np.empty(nnz_l, np.int64)
        nnz_lo = int(np.count_nonzero(ai > np.repeat(np.arange(n), np.diff(ap))))
        self.lo_ptr = np.zeros(n + 1, np.int64)
        self.lo_col = np.empty(nnz_lo, np.int64)
        self.lo_pos = np.empty(nnz_lo, np.int64)
        self._fill(n, ap, ai, parent, self.rptr, self.reach, self.lp, self.li, self.lo_ptr,
                   self.lo_col, self.lo_pos)

    def factor(self, data: npt.ArrayLike) -> NumericLU | None:
        """The factorisation of the matrix with these values (on the pattern's slots), or
        None if a pivot fails (then use a pivoting LU)."""
        lx = np.empty(self.nnz_l)
        ux = np.empty(self.nnz_l)
        ud = np.empty(self.n)
        ok = self._numeric(self.n, self.ap, self.ai, np.ascontiguousarray(data, np.float64),
                           self.lo_ptr, self.lo_col, self.lo_pos, self.rptr, self.reach,
                           self.lp, self.li, lx, ux, ud)
        return NumericLU(self, lx, ux, ud) if ok else None


class NumericLU:
    """L and U of one matrix on a :class:`SymbolicLU` pattern."""

    def __init__(self, sym: SymbolicLU, lx: FloatArray, ux: FloatArray,
                 ud: FloatArray) -> None:
        self.sym, self.lx, self.ux, self.ud = sym, lx, ux, ud

    def solve(self, b: FloatArray) -> FloatArray:
        s = self.sym
        return np.asarray(s._solve(s.n, s.lp, s.li, self.lx, self.ux, self.ud,
                                   np.ascontiguousarray(b, np.float64)))
