"""Sorting: np.sort, torch.sort and torch.topk as gathers in the order np.argsort gives (stable), so
each sorted element's gradient goes back to the element it came from."""
from __future__ import annotations

from typing import NamedTuple

from . import EXAMPLES, Unavailable, array, constant, defop, example, one_axis
from ..indexing import subscript
from ..primitives.gathers import Argsort, TakeAlong
from ..ir import Value
from .reshaping import flatten


def sort(graph, x: Value, axis: int, descending: bool = False) -> tuple[Value, Value]:
    """The sorted values along `axis` and the order (indices) that gives them."""
    order = Argsort.build(-x if descending else x, axis, label=f"argsort({x.label})")
    return TakeAlong.build(x, order, axis, label=f"sorted({x.label})"), order


class ValuesIndices(NamedTuple):
    """What torch.sort and torch.topk return: `.values` (or `[0]`) and `.indices`."""

    values: Value
    indices: Unavailable


def _indices(word: str) -> Unavailable:
    return Unavailable(f"the indices of `torch.{word}`, which symdiff does not pass on (they have no gradient)",
                       "Compute them outside the function (`x.argsort(dim)`) and pass them in.")


@defop("numpy.sort")
def np_sort(graph, a, axis=-1, kind=None, order=None, *, stable=None):
    constant(graph, order, "`order`", allowed=(None,))
    x = array(graph, a, "the array")
    if axis is None:
        x, axis = flatten(x), 0
    return sort(graph, x, one_axis(graph, axis, x.ndim))[0]


@defop("torch.sort", "method.sort")
def torch_sort(graph, input, dim=-1, descending=False, stable=False, *, out=None):
    """torch's x.sort(dim) (numpy's x.sort() sorts in place and returns None: refused as torch's)."""
    constant(graph, out, "`out`", allowed=(None,))
    x = array(graph, input, "`input`")
    values, _ = sort(graph, x, one_axis(graph, dim, x.ndim), bool(constant(graph, descending, "`descending`")))
    return ValuesIndices(values, _indices("sort"))


@defop("torch.topk", "method.topk")
def torch_topk(graph, input, k, dim=-1, largest=True, sorted=True, *, out=None):
    x = array(graph, input, "`input`")
    axis = one_axis(graph, dim, x.ndim)
    k = constant(graph, k, "`k`")
    values, _ = sort(graph, x, axis, descending=bool(constant(graph, largest, "`largest`")))
    return ValuesIndices(subscript(graph, values, (slice(None),) * axis + (slice(0, k),)), _indices("topk"))


EXAMPLES.extend([
    example("np.sort(a) * b + np.sort(a, axis=0) + np.sort(a, axis=None)[:4]", a=(3, 4), b=(4,),
            array_api=False),
    example("torch.sort(a).values + torch.sort(a, dim=0, descending=True)[0] + a.sort(1).values"
            " + torch.topk(a, 2).values.sum() + a.topk(2, dim=0, largest=False)[0].sum()", a=(3, 4), array_api=False),
])
