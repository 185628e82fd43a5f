"""Casts: `x.astype(bool)`, `.float()`, `.to(torch.float64)`. Arrays compute in the parameters'
float dtype whatever float the source names (float32 stays float32, and float64 data cast to
float32 keeps float64's precision), so a cast to a float is the array itself (a mask becomes 0 and
1), and a cast to bool is `x != 0`; casts to integers are refused."""
from __future__ import annotations

from . import EXAMPLES, OPS, DType, array, defop, example
from ..errors import UnsupportedSyntaxError


def cast(graph, x, dtype):
    if not isinstance(dtype, DType):
        raise UnsupportedSyntaxError(f"cannot cast to {dtype!r}", location=graph.location,
                                     hint="Name a dtype: bool, float, np.float32, torch.float64, x.dtype.")
    if dtype.kind == "int":
        raise UnsupportedSyntaxError(f"a cast to {dtype.name}: integers have no gradient", location=graph.location,
                                     hint="Use np.trunc or np.floor (gradient 0), or cast outside the function.")
    value = array(graph, x, "the array")
    return OPS["operator.ne"](graph, [value, 0], {}) if dtype.kind == "bool" else value


@defop("method.astype")
def astype(graph, self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return cast(graph, self, dtype)


@defop("method.to", "method.type")
def to(graph, self, dtype, non_blocking=False, copy=False):
    """torch's x.to(torch.float64) and x.type(torch.float64)."""
    return cast(graph, self, dtype)


for _method, _dtype in (("float", "float32"), ("double", "float64"), ("bool", "bool")):
    OPS.pop(f"method.{_method}", None)
    defop(f"method.{_method}")(lambda graph, self, _d=DType(_dtype): cast(graph, self, _d))


@defop("attribute.dtype")
def dtype(graph, input):
    return DType("same")


EXAMPLES.extend([
    example("np.where((a > 0).astype(bool), a, 0.0) + (a > 0).astype(float) * a + a.astype(np.float64)"
            " + a.astype(a.dtype)", a=(3, 4)),
    example("(a > 0).float() * a + a.double() + torch.where(a.bool(), a, a * a) + a.to(torch.float64)"
            " + a.type(torch.float64)", a=(3, 4)),
])
