"""In-place evaluation of one statement: the ufunc chain of its value run in one buffer.

`target = np.exp(-np.abs(z))` becomes `target = -np.abs(z)` then `np.exp(target, out=target)`; with a
dead temporary's buffer (`Statement.out`, from `reuse`), every step writes into it:
`dz = np.subtract(sig, y, out=sig)` then `dz /= K * N`. A step runs in place only on a temporary of
the result's exact shape and dtype (`reuse.Facts` decides from the shape expressions and the known
dtypes); Python operators on temporaries are left to numpy, which reuses those itself, unless the
chain writes into a dead buffer.
"""
from __future__ import annotations

import ast

import numpy as np

from .reuse import Facts, _broadcast, combine, is_number

_OPERATORS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide", ast.Pow: "power"}
_COMMUTATIVE = (ast.Add, ast.Mult)
_WEAK = "weak"  # a Python number


def _ufunc(node) -> str | None:
    """The numpy ufunc an expression applies (`a + b`, `-a`, `np.exp(a)`), or None."""
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "negative"
    if isinstance(node, ast.Call) and not node.keywords and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "np" \
            and isinstance(getattr(np, node.func.attr, None), np.ufunc):
        return node.func.attr
    return None


def _operands(node) -> list:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return list(node.args)


def _call(ufunc: str, args: list, out: str) -> ast.Call:
    if ufunc == "power" and isinstance(args[1], ast.Constant) and args[1].value == 2:
        ufunc, args = "square", args[:1]  # what numpy computes for a ** 2
    func = ast.Attribute(ast.Name("np", ast.Load()), ufunc, ast.Load())
    return ast.Call(func, args, [ast.keyword("out", ast.Name(out, ast.Load()))])


class Typing:
    """The shape and dtype of lowered expressions (the lowering marks each with its SymPy `origin`)."""

    def __init__(self, facts: Facts):
        self.facts = facts

    def __call__(self, node):
        """(shape, dtype), `_WEAK` for a Python number, or None when unknown."""
        origin = getattr(node, "origin", None)
        if origin is not None:
            if is_number(origin):
                return _WEAK
            shape, dtype = self.facts.shape(origin), self.facts.dtype(origin)
            return None if shape is None or dtype is None else (shape, dtype)
        if isinstance(node, ast.Constant):
            return _WEAK
        if _ufunc(node) is None:
            return None
        kinds = [self(o) for o in _operands(node)]
        arrays = [k for k in kinds if k != _WEAK]
        if None in arrays:
            return None
        if not arrays:
            return _WEAK
        shape = _broadcast(k[0] for k in arrays)
        return None if shape is None else (shape, combine([k[1] for k in arrays]))


def _chain(node, kind, typing: Typing, through_operators: bool) -> list:
    """[(node, index of its operand computed in the same buffer)...] from the top down: each operand a
    ufunc temporary of the result's shape and dtype (through calls only, unless `through_operators`)."""
    chain = []
    while _ufunc(node) is not None and (through_operators or isinstance(node, ast.Call)):
        index = next((i for i, o in enumerate(_operands(node)) if _ufunc(o) is not None and typing(o) == kind), None)
        if index is None:
            break
        chain.append((node, index))
        node = _operands(node)[index]
    return chain


def _step(node, index: int, target: str) -> ast.stmt:
    """`node` computed in place, its operand `index` being already in `target`."""
    operands = _operands(node)
    operands[index] = ast.Name(target, ast.Load())
    if isinstance(node, ast.BinOp) and (index == 0 or isinstance(node.op, _COMMUTATIVE)):
        other = operands[1 - index]  # a + b is b + a, bit for bit
        return ast.AugAssign(ast.Name(target, ast.Store()), type(node.op)(), other)
    return ast.Expr(_call(_ufunc(node), operands, target))


def _names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def assign(target: str, value: ast.expr, out: str | None, typing: Typing) -> list[ast.stmt]:
    """The statements computing `target = value`, in place where that saves an array (into the
    buffer `out` when given)."""
    kind = typing(value)
    if kind is None or kind == _WEAK or not kind[0] or (out is not None and _ufunc(value) is None):  # () is a scalar
        return [ast.Assign([ast.Name(target, ast.Store())], value)]
    chain = _chain(value, kind, typing, through_operators=out is not None)
    if out is not None and any(out in _names(o) for node, i in chain for j, o in enumerate(_operands(node)) if j != i):
        chain = []  # a later step reads the buffer: only the last operation writes into it
    base = _operands(chain[-1][0])[chain[-1][1]] if chain else value
    first = _call(_ufunc(base), _operands(base), out) if out is not None else base
    return [ast.Assign([ast.Name(target, ast.Store())], first)] + [_step(n, i, target) for n, i in reversed(chain)]
