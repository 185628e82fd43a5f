"""The streaming driver (see `rows`): a gradient whose value is a sum over the rows of a batch runs
the row block function over blocks of rows sized to the cache, and adds the blocks up.

Summation order changes: the value adds one partial sum per block, the gradients of the free
parameters accumulate one block at a time, and the scale (`1/(K*N)` for a mean) multiplies the
sums at the end instead of each element; the results agree with the unblocked code to float
rounding. A batch of at most one block runs the unblocked code.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import sympy as sp

from . import names as naming
from .names import Namer
from .rows import RowSum

#: The size of a block's widest temporary: best of 1-32 MiB on the large linear model (benchmarks C).
BLOCK_BYTES = 8 << 20
#: The fewest rows in a block, however wide its rows (BLAS needs some to run at speed).
MIN_ROWS = 64


@dataclass(frozen=True)
class Rows:
    """A streaming gradient: the row block function, the sum it computes, and the `wrt` parameter
    symbols packed as the gradients are."""

    block: str
    row_sum: RowSum
    wrt: object
    value: bool  # the function returns the value before the gradients


def dims(rows: Rows) -> set:
    """The sizes the driver reads."""
    rs = rows.row_sum
    return {rs.batch} | rs.scale.free_symbols | {s for w in rs.width for s in w.free_symbols}


def driver(rows: Rows, params: list, names: dict, lower) -> list[ast.stmt]:
    """`if N > rows: <the blocks>; return ...`, for the function's `params` (symbols), the `names` of
    its parameters and sizes, and its Lowering. The driver returns before the function's own
    statements run, so its names need only differ from the parameters' and sizes'."""
    rs = rows.row_sum
    fresh = Namer([names[p] for p in params] + [names[d] for d in dims(rows)])
    wrt = list(rows.wrt) if isinstance(rows.wrt, tuple) else [rows.wrt]
    n = ast.unparse(lower.dimension(rs.batch))
    block, start, span = fresh("rows"), fresh("start"), fresh("block")
    total = fresh("total") if rows.value else None
    part = fresh(f"{total}_rows") if rows.value else None
    grads = [fresh(naming.adjoint(names[w])) for w in wrt]
    parts = [fresh(f"{g}_rows") for g in grads]
    streamed = [w in rs.batched for w in wrt]

    def pattern(leaves):
        inner = ", ".join(leaves) + ("," if len(leaves) == 1 else "")
        return leaves[0] if not isinstance(rows.wrt, tuple) else f"({inner})"

    def call(rows_of):
        args = ", ".join(f"{names[p]}[{rows_of}]" if p in rs.batched else names[p] for p in params)
        return f"{rows.block}({args})"

    widths = [ast.unparse(lower.dimension(w)) for w in rs.width]
    width = widths[0] if len(widths) == 1 else f"max({', '.join(widths)})" if widths else "1"
    itemsize = f"{names[next(p for p in params if p in rs.batched)]}.itemsize"
    first = pattern([p if s else g for g, p, s in zip(grads, parts, streamed)])
    src = [f"{block} = max({MIN_ROWS}, {BLOCK_BYTES} // max(1, {width} * {itemsize}))",
           f"if {n} > {block}:",
           f"    {f'{total}, ' if rows.value else ''}{first} = {call(f':{block}')}"]
    for w, g, p, s in zip(wrt, grads, parts, streamed):
        if s:
            src += [f"    {g} = np.empty_like({p}, shape={names[w]}.shape)", f"    {g}[:{block}] = {p}"]
    src += [f"    for {start} in range({block}, {n}, {block}):",
            f"        {span} = slice({start}, {start} + {block})",
            f"        {f'{part}, ' if rows.value else ''}{pattern(parts)} = {call(span)}"]
    src += [f"        {total} += {part}"] if rows.value else []
    src += [f"        {g}[{span}] = {p}" if s else f"        {g} += {p}"
            for g, p, s in zip(grads, parts, streamed)]
    if rs.scale != 1:
        num, den = sp.fraction(rs.scale)
        scale = (f"/= {ast.unparse(lower.dimension(den))}" if num == 1
                 else f"*= {ast.unparse(lower(rs.scale))}")
        src += [f"    {g} {scale}" for g in grads + ([total] if rows.value else [])]
    src.append(f"    return {total}, {pattern(grads)}" if rows.value else f"    return {pattern(grads)}")
    return ast.parse("\n".join(src)).body
