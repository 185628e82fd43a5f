"""Matrix functions: inverse, solve, determinants, triangles, Cholesky and the symmetric eigenvalue
problem, each with its closed-form derivatives as array code."""
from __future__ import annotations

import sympy as sp

from .. import pyast as A
from ..calculus import align, unbroadcast
from ..ir import ArrayOp, Value
from .base import Constant, full
from .einsums import eye
from .products import matmul, swap_last


def _unary(cls, x: Value, what: str) -> Value:
    return cls.build(x, label=f"{what}({x.label})", stem=what)


def _stack_shape(dims, x):
    """The shape of one number per matrix of a stack (a determinant's)."""
    return x[:-2]


def _bcast(v: Value, extra: int) -> Value:
    """v with `extra` trailing size-1 axes (a stack of scalars against a stack of matrices)."""
    return v.expand_dims(tuple(range(v.ndim, v.ndim + extra)))


def trace_product(a: Value, b: Value) -> Value:
    """sum_ij a_ij b_ij over the last two axes (the trace of a^T b), stacks broadcast."""
    n = max(a.ndim, b.ndim)
    return (a * b).sum(axis=(n - 2, n - 1))


class Inv(ArrayOp):
    """np.linalg.inv: the inverse of each matrix."""

    numpy = "np.linalg.inv({x})"

    @staticmethod
    def shape(dims, x):
        return x

    def vjp(self, g, ans, x, *, needs):  # -A^-T G A^-T
        t = swap_last(ans)
        return (-matmul(t, matmul(full(g, ans), t)),)

    def jvp(self, dots, ans, x, *, nb):  # -A^-1 dA A^-1
        return -matmul(ans, matmul(dots[0], ans))


def inv(x: Value) -> Value:
    return _unary(Inv, x, "inv")


class Solve(ArrayOp):
    """np.linalg.solve(a, b): b a stack of matrices, or one vector (1-D) for one matrix a."""

    arity = 2
    numpy = "np.linalg.solve({a}, {b})"

    @staticmethod
    def shape(dims, a, b):
        return a[:-1] if len(b) == 1 else dims.broadcast_shapes(a[:-2], b[:-2]) + b[-2:]

    def vjp(self, g, ans, a, b, *, needs):  # db = A^-T g, da = -db x^T
        if b.ndim == 1:
            db = solve(swap_last(a), full(g, ans))
            return (-(db.expand_dims((1,)) * ans) if needs[0] else None), db
        db = solve(swap_last(a), full(g, ans))
        da = -matmul(db, swap_last(ans)) if needs[0] else None
        return (None if da is None else unbroadcast(da, a.shape, da.shape),
                unbroadcast(db, b.shape, db.shape) if needs[1] else None)

    def jvp(self, dots, ans, a, b, *, nb):  # dx = A^-1 (db - dA x)
        da, db = dots
        n = ans.ndim
        rhs = None if db is None else align(db, n, nb)
        if da is not None:
            change = matmul(align(da, n, nb), ans)
            rhs = -change if rhs is None else rhs - change
        return solve_vectors(a, rhs) if b.ndim == 1 else solve(a, rhs)


def solve(a: Value, b: Value) -> Value:
    return Solve.build(a, b, label=f"solve({a.label}, {b.label})", stem="sol")


def solve_vectors(a: Value, b: Value) -> Value:
    """The solutions for a stack of right-hand-side vectors b (as columns, unless one vector for one
    matrix, which numpy takes as it is)."""
    if a.ndim == 2 and b.ndim == 1:
        return solve(a, b)
    x = solve(a, b.expand_dims((b.ndim,)))
    return x.squeeze((x.ndim - 1,))


class SlogdetSign(Constant):
    """The sign of each determinant (np.linalg.slogdet's first result): locally constant."""

    numpy = "np.linalg.slogdet({x}).sign"

    shape = staticmethod(_stack_shape)


class LogAbsDet(ArrayOp):
    """log |det A| (np.linalg.slogdet's second result); its gradient is A^-T."""

    numpy = "np.linalg.slogdet({x}).logabsdet"

    shape = staticmethod(_stack_shape)

    def vjp(self, g, ans, x, *, needs):
        return (_bcast(g, 2) * swap_last(inv(x)),)

    def jvp(self, dots, ans, x, *, nb):
        return trace_product(swap_last(inv(x)), dots[0])


class Det(ArrayOp):
    """np.linalg.det; its gradient is det(A) A^-T."""

    numpy = "np.linalg.det({x})"

    shape = staticmethod(_stack_shape)

    def vjp(self, g, ans, x, *, needs):
        return (_bcast(g * ans, 2) * swap_last(inv(x)),)

    def jvp(self, dots, ans, x, *, nb):
        return ans * trace_product(swap_last(inv(x)), dots[0])


class Triangle(ArrayOp):
    """np.tril(x, k) (`lower`) or np.triu(x, k) of each matrix."""

    params = ("k", "lower")

    @staticmethod
    def shape(dims, x, k, lower):
        return x

    def vjp(self, g, ans, x, k, lower, *, needs):
        return (triangle(full(g, ans), k, lower),)

    def jvp(self, dots, ans, x, k, lower, *, nb):
        return triangle(dots[0], k, lower)

    def numpy(self, L, x, k, lower):
        kwargs = {} if k == 0 else {"k": A.const(k)}
        return A.call(A.np("tril" if lower else "triu"), x, **kwargs)


def triangle(x: Value, k: int, lower: bool) -> Value:
    return Triangle.build(x, k, lower, label=f"{'tril' if lower else 'triu'}({x.label})", stem="tri")


def _phi(x: Value) -> Value:
    """The lower triangle with the diagonal halved."""
    return (triangle(x, 0, True) + triangle(x, -1, True)) * sp.Rational(1, 2)


class Cholesky(ArrayOp):
    """np.linalg.cholesky: the lower factor L with A = L L^T (only A's lower triangle is read)."""

    numpy = "np.linalg.cholesky({x})"

    @staticmethod
    def shape(dims, x):
        return x

    def vjp(self, g, ans, x, *, needs):
        """L^-T S L^-1 with P = tril(L^T G) and S = (P + tril(P, -1)^T)/2 (Murray 2016, as torch)."""
        p = triangle(matmul(swap_last(ans), full(g, ans)), 0, True)
        s = (p + swap_last(triangle(p, -1, True))) * sp.Rational(1, 2)
        li = inv(ans)
        return (matmul(swap_last(li), matmul(s, li)),)

    def jvp(self, dots, ans, x, *, nb):
        """L phi(L^-1 dA L^-T)."""
        li = inv(ans)
        return matmul(ans, _phi(matmul(li, matmul(dots[0], swap_last(li)))))


class Eigvalsh(ArrayOp):
    """np.linalg.eigvalsh: the eigenvalues of each symmetric matrix (its lower triangle), ascending."""

    numpy = "np.linalg.eigvalsh({x})"

    @staticmethod
    def shape(dims, x):
        return x[:-1]

    def vjp(self, g, ans, x, *, needs):  # V diag(g) V^T
        v = eigh_vectors(x)
        return (matmul(v * (g.expand_dims((g.ndim - 1,)) if g.ndim else g), swap_last(v)),)

    def jvp(self, dots, ans, x, *, nb):  # diag(V^T dA V)_i = sum_j (dA V)_ji V_ji
        v = eigh_vectors(x)
        columns = matmul(dots[0], v)
        return (columns * v).sum(axis=(columns.ndim - 2,))


class EighVectors(ArrayOp):
    """The eigenvectors of np.linalg.eigh (columns, in the order of the eigenvalues). Their
    derivative divides by eigenvalue gaps: infinite where eigenvalues repeat (as in torch)."""

    numpy = "np.linalg.eigh({x}).eigenvectors"

    @staticmethod
    def shape(dims, x):
        return x

    def vjp(self, g, ans, x, *, needs):  # V (F * V^T gV) V^T
        return (matmul(ans, matmul(_gap_inverses(x) * matmul(swap_last(ans), full(g, ans)), swap_last(ans))),)

    def jvp(self, dots, ans, x, *, nb):  # V (F * V^T dA V)
        return matmul(ans, _gap_inverses(x) * matmul(swap_last(ans), matmul(dots[0], ans)))


def _gap_inverses(x: Value) -> Value:
    """F with F_ij = 1/(w_j - w_i) off the diagonal and 0 on it, for the eigenvalues w of x."""
    w = Eigvalsh.build(x, label="eigvalsh", stem="eigvals")
    n = x.shape[-1]
    i = eye(x, n)
    gaps = w.expand_dims((w.ndim - 1,)) - w.expand_dims((w.ndim,))
    return (1 - i) / (gaps + i)


def eigh_vectors(x: Value) -> Value:
    return _unary(EighVectors, x, "eigvecs")
