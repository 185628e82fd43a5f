"""The array primitives of the IR. Each class is everything about one operation: its shape rule
(`shape`), its reverse rule (`vjp`), its forward rule (`jvp`), its numpy lowering (`numpy`: a
template or a method) and its math printing.

Rules are written with the IR's numpy-like `Value`s. `vjp(g, ans, *operands, *static, needs)`
returns one cotangent per array operand (None where zero or not needed); cotangents may stay smaller
than their value when they broadcast to it. `jvp(dots, ans, *operands, *static, nb)` returns the
output's tangent from the operands' tangents (None where zero), each with `nb` leading batch axes and
the full shape.

One family a module: `base` (constants, filling, identities), `products`, `axes`, `structure`,
`constants`, `cumulative`, `reductions`, `einsums` (with the identity factors of structured
Jacobians), `linalg`, `subscripts` and `gathers`. The package re-exports what other stages use.
"""
from .base import Constant, Copy, Full, FullLike, Identity, full, same_shape, uniform
from .products import MatMul, matmul, swap_last
from .axes import BroadcastTo, ExpandDims, Squeeze, Transpose
from .constants import Arange, Eye, Linspace
from .structure import Concatenate, Diagonal, Flip, Index, Pad, Reshape, Roll, Slice, base, reshape, squeeze
from .cumulative import CumProd, CumSum, Shift, Unshift
from .reductions import Reduction, ReduceMax, ReduceMin, ReduceNorm, ReduceProd, ReduceSum, kept
from .einsums import structured, structured_sum, structured_transpose
