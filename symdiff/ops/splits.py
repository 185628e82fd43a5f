"""An array cut into pieces along an axis: np.split and np.array_split's even case, torch.split and
torch.chunk. The pieces are slices, so their gradients are the slices' (zeros around the piece)."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example, one_axis
from ..indexing import subscript
from ..ir import Value


def pieces(graph, x: Value, axis: int, bounds: list) -> list:
    """The slices of `x` along `axis` between consecutive `bounds` (sizes)."""
    lead = (slice(None),) * axis
    return [subscript(graph, x, lead + (slice(start, stop),)) for start, stop in zip(bounds, bounds[1:])]


def equal_pieces(graph, x: Value, axis: int, count, what: str) -> list:
    """`x` cut into `count` pieces of the same size along `axis`."""
    count = constant(graph, count, what)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise graph.shape_error(f"{what} must be a positive integer, not {count!r}", hint="e.g. 3.")
    size = graph.dims.divide(x.shape[axis], count)
    if size is None:
        raise graph.shape_error(
            f"`{x.label}` of shape {x.shape_text} does not split into {count} equal parts along axis {axis}",
            hint="Give sizes that divide the axis, or the split points as a list.")
    return pieces(graph, x, axis, [i * size for i in range(count + 1)])


@defop("numpy.split", "numpy.array_split")
def np_split(graph, ary, indices_or_sections, axis=0):
    """np.split(x, 3, axis=1) in equal parts, or np.split(x, [2, 5]) at the points listed."""
    x = array(graph, ary, "the array")
    axis = one_axis(graph, axis, x.ndim)
    given = constant(graph, indices_or_sections, "the sections")
    if isinstance(given, (list, tuple)):
        return pieces(graph, x, axis, [0, *given, x.shape[axis]])
    return equal_pieces(graph, x, axis, given, "the number of sections")


@defop("torch.split", "method.split")
def torch_split(graph, tensor, split_size_or_sections, dim=0):
    """torch.split(x, 2, dim=1) in pieces of 2 (the last one smaller), or torch.split(x, [2, 3])."""
    x = array(graph, tensor, "the tensor")
    axis = one_axis(graph, dim, x.ndim)
    given = constant(graph, split_size_or_sections, "the split size")
    if isinstance(given, (list, tuple)):
        bounds = [0]
        for size in given:
            bounds.append(bounds[-1] + size)
        if graph.dims.equal(bounds[-1], x.shape[axis]) is None:
            raise graph.shape_error(f"the sizes {list(given)} do not add up to axis {axis} of `{x.label}` of shape "
                                    f"{x.shape_text}", hint="Give sizes that add up to the axis.")
        return pieces(graph, x, axis, bounds)
    count = graph.dims.seen(x.shape[axis])
    if not isinstance(given, int) or count is None or graph.dims.equal(x.shape[axis], count) is None:
        raise graph.shape_error(f"torch.split in pieces of {given!r} needs a known length of axis {axis}",
                                hint="Give the sizes as a list, or use torch.chunk for equal parts.")
    return pieces(graph, x, axis, list(range(0, count, given)) + [count])


@defop("torch.chunk", "method.chunk")
def torch_chunk(graph, input, chunks, dim=0):
    x = array(graph, input, "`input`")
    return equal_pieces(graph, x, one_axis(graph, dim, x.ndim), chunks, "the number of chunks")


EXAMPLES.extend([
    example("np.split(a, 2)[0] * np.split(a, 2)[1] + np.split(a, [1, 3], axis=1)[1].sum()"
            " + np.array_split(a, 2, axis=0)[1]", a=(4, 5)),
    example("torch.split(a, 2)[0] * torch.split(a, [3, 1])[1] + torch.chunk(a, 2)[1]", a=(4, 4)),
    example("a.split(2, dim=1)[1] + a.chunk(2, dim=1)[0] + torch.split(a, 3, 1)[1].sum()", a=(4, 4)),
])
