"""Linear algebra: stacked matrix products, einsum, inverse, solve, determinants, Cholesky, the
symmetric eigenvalue problem and triangles (numpy, torch and scipy.linalg spellings)."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value
from ..primitives import matmul, swap_last
from ..primitives import einsums as E, linalg as L

# -- products --------------------------------------------------------------------------------


@defop("numpy.dot", "method.dot")
def dot(graph, a, b, out=None):
    """np.dot: matmul's result for 1-D and 2-D arrays; its N-D semantics (a sum over the last axis of
    a and the second-to-last of b, stacks not broadcast) are refused."""
    constant(graph, out, "`out`", allowed=(None,))
    a, b = array(graph, a, "the first operand"), array(graph, b, "the second operand")
    if a.ndim > 2 or b.ndim > 2:
        raise graph.shape_error(
            f"np.dot of arrays of shape {a.shape_text} and {b.shape_text}: np.dot of N-D arrays is not "
            "a stacked matrix product",
            hint="Use `a @ b` (np.matmul) for stacks of matrices, or np.einsum to say which axes to sum.",
        )
    return matmul(a, b)


@defop("torch.bmm", "method.bmm")
def bmm(graph, input, mat2):
    a, b = array(graph, input, "`input`"), array(graph, mat2, "`mat2`")
    if a.ndim != 3 or b.ndim != 3:
        raise graph.shape_error(
            f"`torch.bmm` takes two 3-D arrays; got shapes {a.shape_text} and {b.shape_text}",
            hint="Use `torch.matmul` (or `@`) for other ranks.",
        )
    if graph.dims.equal(a.shape[0], b.shape[0]) is None:
        raise graph.shape_error(f"`torch.bmm`: batch sizes differ ({a.shape_text} and {b.shape_text})",
                                hint="bmm does not broadcast; use `torch.matmul` to broadcast stacks.")
    return matmul(a, b)


# -- einsum ------------------------------------------------------------------------------------


def _einsum_error(graph, subscripts, message):
    return UnsupportedSyntaxError(f"einsum '{subscripts}': {message}", location=graph.location,
                                  hint="Give one letter per axis of each operand, e.g. 'ij,jk->ik' or "
                                       "'...ij,...jk->...ik'.")


def explicit_subscripts(graph, subscripts: str, operands: list[Value]) -> str:
    """The subscripts with `...` written out as letters and the output made explicit (numpy's rule:
    the letters used once, alphabetically, after the broadcast axes)."""
    text = subscripts.replace(" ", "")
    ins, arrow, out = text.partition("->")
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise _einsum_error(graph, subscripts, f"{len(ins)} operand subscripts for {len(operands)} operands")
    named = [s.replace("...", "") for s in ins] + ([out.replace("...", "")] if arrow else [])
    if not all(c.isalpha() and c in E.LETTERS for c in "".join(named)):
        raise _einsum_error(graph, subscripts, "subscripts are letters, `...`, `,` and `->`")
    used = set("".join(named))
    spare = [c for c in E.LETTERS if c not in used]
    widths = []
    for s, v in zip(ins, operands):
        width = v.ndim - len(s.replace("...", ""))
        if width < 0 or (width and "..." not in s):
            raise _einsum_error(graph, subscripts, f"`{s}` does not fit `{v.label}` of shape {v.shape_text}")
        widths.append(width)
    rank = max(widths, default=0)
    batch = "".join(spare[:rank])
    ins = [s.replace("...", batch[rank - w:]) for s, w in zip(ins, widths)]
    if not arrow:
        counts = "".join(s.replace("...", "") for s in text.split("->")[0].split(","))
        out = batch + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    elif "..." in out or rank == 0:
        out = out.replace("...", batch)
    else:
        raise _einsum_error(graph, subscripts, "the output must keep the axes `...` stands for (write `...` in it)")
    if len(set(out)) != len(out) or not set(out) <= set("".join(ins)):
        raise _einsum_error(graph, subscripts, "each output letter must appear once, and in an operand")
    return f"{','.join(ins)}->{out}"


def einsum_op(graph, subscripts, *operands):
    subscripts = constant(graph, subscripts, "the subscripts")
    if not isinstance(subscripts, str):
        raise UnsupportedSyntaxError("the first argument of einsum must be the subscripts string",
                                     location=graph.location, hint="e.g. np.einsum('ij,jk->ik', a, b).")
    values = [array(graph, v, "an einsum operand") for v in operands]
    if not values:
        raise _einsum_error(graph, subscripts, "no operands")
    explicit = explicit_subscripts(graph, subscripts, values)
    ins, _ = E.parse_subscripts(explicit)
    if E.letter_sizes(graph.dims, ins, [v.shape for v in values]) is None:
        shapes = ", ".join(v.shape_text for v in values)
        raise graph.shape_error(f"einsum '{subscripts}': operands of shapes {shapes} disagree on an axis size",
                                hint="Axes with the same letter must have the same size (or size 1).")
    return E.einsum(explicit, *values, label=f"einsum({subscripts!r})")


def _np_einsum_signature(subscripts, *operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    """numpy.einsum."""


@defop("numpy.einsum", like=_np_einsum_signature)
def np_einsum(graph, subscripts, operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    constant(graph, out, "`out`", allowed=(None,))
    constant(graph, dtype, "`dtype`", allowed=(None,))
    return einsum_op(graph, subscripts, *operands)


def _torch_einsum_signature(equation, *operands):
    """torch.einsum."""


@defop("torch.einsum", like=_torch_einsum_signature)
def torch_einsum(graph, equation, operands):
    return einsum_op(graph, equation, *operands)


def tensordot(graph, a, b, axes) -> Value:
    """numpy.tensordot: the last `axes` axes of `a` contracted with the first of `b` (an int), or the
    axes listed in a pair of sequences, as an einsum."""
    x, y = array(graph, a, "the first array"), array(graph, b, "the second array")
    axes = constant(graph, axes, "`axes`")
    if isinstance(axes, int) and not isinstance(axes, bool) and 0 <= axes <= min(x.ndim, y.ndim):
        pairs = (list(range(x.ndim - axes, x.ndim)), list(range(axes)))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        pairs = [[p] if isinstance(p, int) else list(p) for p in axes]
    else:
        raise UnsupportedSyntaxError(f"tensordot: `axes` {axes!r} is neither a count nor a pair of axis lists",
                                     location=graph.location, hint="e.g. axes=2 or axes=([1, 0], [0, 1]).")
    try:
        first, second = ([p % n for p in ps] for ps, n in zip(pairs, (x.ndim, y.ndim)))
    except TypeError:
        first = second = None
    if first is None or len(first) != len(second) or len(set(first)) != len(first) or len(set(second)) != len(second):
        raise UnsupportedSyntaxError(f"tensordot: `axes` {axes!r} must pair as many distinct axes of each array",
                                     location=graph.location, hint="e.g. axes=([1, 0], [0, 1]).")
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    left = [next(letters) for _ in range(x.ndim)]
    right = [next(letters) for _ in range(y.ndim)]
    for i, j in zip(first, second):
        right[j] = left[i]
    out = [c for i, c in enumerate(left) if i not in first] + [c for j, c in enumerate(right) if j not in second]
    return einsum_op(graph, f"{''.join(left)},{''.join(right)}->{''.join(out)}", x, y)


@defop("numpy.tensordot")
def np_tensordot(graph, a, b, axes=2):
    return tensordot(graph, a, b, axes)


@defop("torch.tensordot")
def torch_tensordot(graph, a, b, dims=2, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return tensordot(graph, a, b, dims)


@defop("torch.nn.functional.linear")
def linear(graph, input, weight, bias=None):
    """torch's x @ W.T + b."""
    y = matmul(array(graph, input, "`input`"), swap_last(array(graph, weight, "`weight`")))
    return y if bias is None else y + array(graph, bias, "`bias`")


# -- matrix functions ----------------------------------------------------------------------------


def square(graph, value, what: str) -> Value:
    """`value` as a stack of square matrices."""
    a = array(graph, value, what)
    if a.ndim < 2 or graph.dims.equal(a.shape[-1], a.shape[-2]) is None:
        raise graph.shape_error(f"{what} must be a square matrix (or a stack of them), not of shape {a.shape_text}",
                                hint="The last two axes are the rows and columns of each matrix.")
    return a


@defop("numpy.linalg.inv", "torch.linalg.inv", "torch.inverse", "method.inverse")
def inv(graph, a, *, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return L.inv(square(graph, a, "the matrix"))


@defop("scipy.linalg.inv")
def scipy_inv(graph, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    constant(graph, assume_a, "`assume_a`", allowed=(None,))
    return L.inv(square(graph, a, "the matrix"))


def _solve(graph, a, b, vector: bool) -> Value:
    a = square(graph, a, "the matrix")
    b = array(graph, b, "the right-hand side")
    rhs = b.expand_dims((b.ndim,)) if vector else b
    if rhs.ndim < 2 or graph.dims.equal(rhs.shape[-2], a.shape[-1]) is None \
            or graph.dims.broadcast_shapes(a.shape[:-2], rhs.shape[:-2]) is None:
        raise graph.shape_error(
            f"solve: a matrix of shape {a.shape_text} and a right-hand side of shape {b.shape_text} do not fit",
            hint="The right-hand side is a vector of the matrix's size (1-D) or a stack of matrices with as "
                 "many rows.")
    return L.solve_vectors(a, b) if vector else L.solve(a, b)


@defop("numpy.linalg.solve")
def np_solve(graph, a, b):
    """numpy 2: `b` is a vector exactly when it is 1-D."""
    return _solve(graph, a, b, array(graph, b, "the right-hand side").ndim == 1)


@defop("torch.linalg.solve")
def torch_solve(graph, A, B, *, left=True, out=None):
    """torch: `B` is a (stack of) vectors when it has one axis fewer than `A`."""
    constant(graph, left, "`left`", allowed=(True,))
    constant(graph, out, "`out`", allowed=(None,))
    a, b = array(graph, A, "`A`"), array(graph, B, "`B`")
    return _solve(graph, a, b, b.ndim == 1 or b.ndim == a.ndim - 1)


@defop("scipy.linalg.solve")
def scipy_solve(graph, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    constant(graph, assume_a, "`assume_a`", allowed=(None, "gen", "general"))
    constant(graph, transposed, "`transposed`", allowed=(False,))
    return _solve(graph, a, b, array(graph, b, "the right-hand side").ndim == 1)


@defop("numpy.linalg.det", "torch.det", "torch.linalg.det", "method.det")
def det(graph, a, *, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return L.Det.build(square(graph, a, "the matrix"), label="det", stem="det")


@defop("scipy.linalg.det")
def scipy_det(graph, a, overwrite_a=False, check_finite=True):
    return det(graph, a)


@defop("numpy.linalg.slogdet", "torch.linalg.slogdet", "torch.slogdet", "method.slogdet")
def slogdet(graph, a, *, out=None):
    """(sign, log|det|): the sign has no derivative; the log's is A^-T."""
    constant(graph, out, "`out`", allowed=(None,))
    a = square(graph, a, "the matrix")
    return (L.SlogdetSign.build(a, label="sign", stem="sign"),
            L.LogAbsDet.build(a, label="logabsdet", stem="logdet"))


@defop("torch.logdet", "method.logdet")
def logdet(graph, input):
    """log(det A) (nan where the determinant is negative, as torch)."""
    return det(graph, input).apply(sp.log)


def _cholesky(graph, a, upper: bool) -> Value:
    lower = L.Cholesky.build(square(graph, a, "the matrix"), label="cholesky", stem="chol")
    return swap_last(lower) if upper else lower


@defop("numpy.linalg.cholesky")
def np_cholesky(graph, a, *, upper=False):
    return _cholesky(graph, a, bool(constant(graph, upper, "`upper`", allowed=(False, True))))


@defop("torch.linalg.cholesky", "torch.cholesky", "method.cholesky")
def torch_cholesky(graph, input, upper=False, *, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return _cholesky(graph, input, bool(constant(graph, upper, "`upper`", allowed=(False, True))))


@defop("scipy.linalg.cholesky")
def scipy_cholesky(graph, a, lower=False, overwrite_a=False, check_finite=True):
    """scipy's default is the upper factor."""
    return _cholesky(graph, a, not constant(graph, lower, "`lower`", allowed=(False, True)))


def _symmetric(graph, a, uplo) -> Value:
    """The matrix whose lower triangle eigh reads (the transpose when UPLO='U')."""
    x = square(graph, a, "the matrix")
    return swap_last(x) if constant(graph, uplo, "`UPLO`", allowed=("L", "U")) == "U" else x


@defop("numpy.linalg.eigvalsh", "torch.linalg.eigvalsh")
def eigvalsh(graph, a, UPLO="L", *, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return L.Eigvalsh.build(_symmetric(graph, a, UPLO), label="eigvalsh", stem="eigvals")


@defop("numpy.linalg.eigh", "torch.linalg.eigh")
def eigh(graph, a, UPLO="L", *, out=None):
    """(eigenvalues, eigenvectors)."""
    constant(graph, out, "`out`", allowed=(None,))
    x = _symmetric(graph, a, UPLO)
    return L.Eigvalsh.build(x, label="eigvalsh", stem="eigvals"), L.eigh_vectors(x)


def _triangle(lower: bool):
    def numpy_style(graph, m, k=0):
        return L.triangle(array(graph, m, "the matrix"), constant(graph, k, "`k`"), lower)

    def torch_style(graph, input, diagonal=0, *, out=None):
        constant(graph, out, "`out`", allowed=(None,))
        return L.triangle(array(graph, input, "`input`"), constant(graph, diagonal, "`diagonal`"), lower)

    return numpy_style, torch_style


for _lower, _word in ((True, "tril"), (False, "triu")):
    _np_style, _torch_style = _triangle(_lower)
    register(_np_style, f"numpy.{_word}")
    register(_torch_style, f"torch.{_word}", f"method.{_word}")


_SYM = "0.5 * (a + a.T)"  # numpy and torch read one triangle: examples symmetrize, as the derivative does
_SYM3 = "0.5 * (a + np.transpose(a, (0, 2, 1)))"
EXAMPLES.extend([
    example("a @ b + np.matmul(a, b)", a=(2, 3, 4), b=(2, 4, 5)),
    example("a @ b", a=(2, 1, 3, 4), b=(3, 4, 2)),
    example("a @ b", a=(3, 4), b=(2, 4, 5), second_order=True),
    example("a @ b", a=(2, 3, 4), b=(4,)),
    example("a @ b", a=(4,), b=(2, 4, 3)),
    example("np.dot(a, b) + a.dot(b)", a=(2, 3), b=(3, 4)),
    example("np.dot(a, b)", a=(3,), b=(3, 4)),
    example("torch.matmul(a, b) + torch.bmm(a, b) + a.bmm(b)", a=(2, 3, 4), b=(2, 4, 5)),
    example("np.einsum('ij,jk->ik', a, b)", a=(2, 3), b=(3, 4), array_api=False),
    example("np.einsum('ij,jk', a, b) + np.einsum('ij,jk->ki', a, b).T", a=(2, 3), b=(3, 4), array_api=False),
    example("np.einsum('ii->', a) + np.einsum('ii', a) + np.einsum('ij->', a)", a=(3, 3), array_api=False),
    example("np.einsum('ii->i', a) * np.einsum('ij->i', a)", a=(3, 3), second_order=True, array_api=False),
    example("np.einsum('...ij,...jk->...ik', a, b)", a=(2, 3, 4), b=(4, 2), array_api=False),
    example("np.einsum('...i,...i', a, b)", a=(2, 1, 3), b=(4, 3), array_api=False),
    example("np.einsum('bij,bjk,k->bi', a, b, c)", a=(2, 3, 4), b=(2, 4, 5), c=(5,), array_api=False),
    example("np.einsum('iij->j', a)", a=(3, 3, 2), array_api=False),
    example("np.einsum('ij,ij->ij', a, b)", a=(3, 1), b=(3, 4)),
    example("np.tensordot(a, b) + np.tensordot(a, b.T, axes=([1, 0], [0, 1])) + np.tensordot(a, c, axes=1).sum()"
            " + np.tensordot(a, b.T, axes=(1, 0)).sum() + np.tensordot(c, c, 0).sum()", a=(3, 4), b=(3, 4), c=(4,),
            array_api=False),
    example("torch.tensordot(a, b, dims=2) + torch.tensordot(a, b.transpose(0, 1), dims=([1], [0])).sum()",
            a=(3, 4), b=(3, 4), array_api=False),
    example("F.linear(x, w, b) + F.linear(x, w)", x=(5, 3), w=(4, 3), b=(4,)),
    example("F.linear(x, w)", x=(3,), w=(4, 3)),
    example("torch.einsum('bij,bjk->bik', a, b) + torch.einsum('b i j, b j k', a, b)", a=(2, 3, 4), b=(2, 4, 5),
            array_api=False),
    example("np.linalg.inv(a) + scipy.linalg.inv(a)", a=(3, 3), domain="spd", second_order=True),
    example("np.linalg.inv(a)", a=(2, 3, 3), domain="spd"),
    example("torch.linalg.inv(a) + torch.inverse(a) + a.inverse()", a=(2, 3, 3), domain="spd"),
    example("np.linalg.solve(a, b) + scipy.linalg.solve(a, b)", a=(3, 3), b=(3,), domain="spd", second_order=True),
    example("np.linalg.solve(a, b)", a=(3, 3), b=(3, 2), domain="spd"),
    example("np.linalg.solve(a, b)", a=(2, 3, 3), b=(3, 2), domain="spd"),
    example("torch.linalg.solve(a, b)", a=(2, 3, 3), b=(2, 3), domain="spd"),
    example("torch.linalg.solve(a, b)", a=(3, 3), b=(2, 3, 4), domain="spd"),
    example("np.linalg.det(a) + scipy.linalg.det(a)", a=(3, 3), domain="spd", second_order=True),
    example("np.linalg.det(a)", a=(2, 3, 3), domain="spd"),
    example("torch.det(a) + torch.linalg.det(a) + a.det() + torch.logdet(a) + a.logdet()", a=(2, 3, 3),
            domain="spd"),
    example("np.linalg.slogdet(a)[1] * np.linalg.slogdet(a)[0]", a=(3, 3), domain="spd", second_order=True),
    example("torch.linalg.slogdet(a)[1] + torch.slogdet(a)[1] + a.slogdet()[1]", a=(2, 3, 3), domain="spd"),
    example(f"np.linalg.cholesky({_SYM}) + scipy.linalg.cholesky({_SYM}, lower=True)", a=(3, 3), domain="spd",
            second_order=True),
    example(f"np.linalg.cholesky({_SYM3}, upper=True)", a=(2, 3, 3), domain="spd"),
    example(f"scipy.linalg.cholesky({_SYM})", a=(3, 3), domain="spd"),
    example(f"torch.linalg.cholesky({_SYM}) + torch.cholesky({_SYM}, upper=True) + ({_SYM}).cholesky()",
            a=(3, 3), domain="spd"),
    example(f"np.linalg.eigvalsh({_SYM}) + np.linalg.eigh({_SYM})[0] + np.linalg.eigvalsh({_SYM}, UPLO='U')",
            a=(3, 3), domain="spd", second_order=True),
    example(f"np.linalg.eigvalsh({_SYM3})", a=(2, 3, 3), domain="spd"),
    example(f"np.linalg.eigh({_SYM})[1] * np.linalg.eigh({_SYM})[0]", a=(3, 3), domain="spd"),
    example(f"np.linalg.eigh({_SYM3})[1]", a=(2, 3, 3), domain="spd"),
    example(f"torch.linalg.eigvalsh({_SYM}) + torch.linalg.eigh({_SYM})[0]", a=(3, 3), domain="spd"),
    example("np.tril(a) + np.tril(a, -1) + np.triu(a, 1) + np.triu(a)", a=(3, 4)),
    example("torch.tril(a) + torch.triu(a, diagonal=1) + a.tril(-1) + a.triu()", a=(2, 3, 3)),
])
