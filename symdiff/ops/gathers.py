"""Gathers by integer index arrays (`np.take`, `np.take_along_axis`, `torch.gather`,
`index_select`), `arange` and copies; subscripts themselves are in `symdiff.indexing`."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example
from ..errors import UnsupportedSyntaxError
from ..indexing import index_array
from ..primitives.gathers import Fresh, Gather, TakeAlong
from ..ir import Value, normalize_axes, array_op


def _axis(graph, axis, ndim: int, what: str = "`axis`") -> int:
    if constant(graph, axis, what) is None:
        raise UnsupportedSyntaxError(f"{what}=None (the flattened array) is not supported", location=graph.location,
                                     hint="Give the axis to index along, e.g. axis=0.")
    return normalize_axes(graph, axis, ndim)[0]


@defop("numpy.take", "method.take")
def take(graph, a, indices, axis=None, out=None, mode=None):
    constant(graph, out, "`out`", allowed=(None,))
    constant(graph, mode, "`mode`", allowed=(None, "raise", "wrap"))
    x = array(graph, a, "the array")
    return Gather.build(x, index_array(graph, indices, "`indices`"), _axis(graph, axis, x.ndim),
                        label=f"take({x.label})", stem="picked")


@defop("torch.index_select", "method.index_select")
def index_select(graph, input, dim, index):
    x = array(graph, input, "`input`")
    index = index_array(graph, index, "`index`")
    if index.ndim != 1:
        raise graph.shape_error(f"index_select takes a 1-D index, not shape {index.shape_text}")
    return Gather.build(x, index, _axis(graph, dim, x.ndim, "`dim`"), label=f"index_select({x.label})", stem="picked")


def take_along(graph, x: Value, index, axis, what: str) -> Value:
    index = index_array(graph, index, "the index")
    if index.ndim != x.ndim:
        raise graph.shape_error(f"{what}: the index `{index.label}` has shape {index.shape_text} but "
                                f"`{x.label}` has shape {x.shape_text}; they need the same rank")
    axis = _axis(graph, axis, x.ndim)
    for i, (a, b) in enumerate(zip(x.shape, index.shape)):
        if i != axis and graph.dims.equal(a, b) is None:
            raise graph.shape_error(f"{what}: the index `{index.label}` has shape {index.shape_text} and "
                                    f"`{x.label}` {x.shape_text}; they must match except along axis {axis}")
    return TakeAlong.build(x, index, axis, label=f"{what}({x.label})", stem="picked")


@defop("numpy.take_along_axis")
def take_along_axis(graph, arr, indices, axis):
    return take_along(graph, array(graph, arr, "the array"), indices, axis, "take_along_axis")


@defop("torch.gather", "method.gather")
def gather(graph, input, dim, index, *, sparse_grad=False, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    return take_along(graph, array(graph, input, "`input`"), index, dim, "gather")


@defop("method.copy", "numpy.copy", "method.clone", "torch.clone")
def copy(graph, a, order=None):
    x = array(graph, a, "the array")
    return array_op(graph, Fresh(x.symbol, sp.Integer(len(graph.nodes))), x.shape, x.label)


EXAMPLES.extend([
    example("w[i] + w[i, :] * 2", w=(5, 3), i=(4,), array_api=False, integers={"i": 5}),
    example("x[:, i] * x[:, i]", x=(3, 4), i=(2, 3), array_api=False, integers={"i": 4}),
    example("x[np.arange(3), i]", x=(3, 4), i=(3,), array_api=False, integers={"i": 4}),
    example("x[torch.arange(3)][:, i]", x=(3, 4), i=(2,), array_api=False, integers={"i": 4}),
    example("x[..., i, 1:]", x=(2, 3, 4), i=(3,), array_api=False, integers={"i": 3}),
    example("np.take(x, i, axis=1) + np.take(x, i, 1) + x.take(i, axis=-1)", x=(3, 4), i=(5,), array_api=False, integers={"i": 4}),
    example("np.take(w, i, axis=0)", w=(4,), i=(6,), array_api=False, integers={"i": 4}),
    example("np.take_along_axis(x, i, axis=1)", x=(3, 4), i=(3, 2), array_api=False, integers={"i": 4}),
    example("np.take_along_axis(x, i, 0)", x=(3, 4, 2), i=(5, 4, 2), array_api=False, integers={"i": 3}),
    example("torch.gather(x, 1, i) + x.gather(1, i)", x=(3, 4), i=(3, 5), array_api=False, integers={"i": 4}),
    example("torch.index_select(x, 0, i) + x.index_select(0, i)", x=(3, 4), i=(6,), array_api=False, integers={"i": 3}),
    example("x.copy() + np.copy(x)", x=(3,)),
    example("torch.clone(x) + x.clone()", x=(3,)),
])

EXAMPLES.extend([  # subscripts (symdiff.indexing)
    example("x[0] * x[-1] + x[1]", x=(3, 4)),
    example("x[:, 0] + x[:, -1] + x[2, 3]", x=(3, 4)),
    example("x[1:] - x[:-1]", x=(5, 2)),
    example("x[::2] * 2 + x[::-1][::2]", x=(5,)),
    example("x[::-1] * x + x[..., None][:, 0]", x=(4,)),
    example("x[..., None] * x[None, :]", x=(3,)),
    example("x[:, :2] + x[:, 1:3] * x[1:, 2:][0].sum()", x=(3, 4)),
    example("x[1:] + y", x=(4, 2), y=(3, 2)),
    example("x[1:3, ::2, None, -1]", x=(4, 3, 2)),
])
