"""Emission: a `Program` -> a Python `ast` -> source text (astor) -> a compiled function.

Lowering is whitelisted: every SymPy construct has an explicit numpy spelling here, and anything
else is an internal error rather than silently wrong code.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import linecache
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import sympy as sp

from . import array_api as standard, emit_loops, emit_rows, inplace
from .ir import ArrayOp, is_boolean
from .loops import Loop, LoopResult
from .names import Namer
from .ops.elementwise import NUMPY_FUNCTIONS
from .optimize import Program
from .printing import ordered_terms
from .reuse import Facts
from .scalar import equal, half_step, inf_at_zero, mask, maximum, minimum, nonnegative, signum, step

_NP_FUNCTIONS = {
    **NUMPY_FUNCTIONS,
    signum: "sign",
    sp.Abs: "abs",  # SymPy's own, should simplification create them after the graph is built
    sp.sign: "sign",
}
_COMPARE = {
    sp.GreaterThan: ast.GtE,
    sp.StrictGreaterThan: ast.Gt,
    sp.LessThan: ast.LtE,
    sp.StrictLessThan: ast.Lt,
    sp.Equality: ast.Eq,
    sp.Unequality: ast.NotEq,
}
_LOGIC = {sp.And: ast.BitAnd, sp.Or: ast.BitOr}


def _np(attr: str) -> ast.expr:
    return ast.Attribute(ast.Name("np", ast.Load()), attr, ast.Load())


def _function(path: str) -> ast.expr:
    """`np.<path>`, or the dotted `path` itself for a function outside numpy (`scipy.special.erf`)."""
    if "." not in path:
        return _np(path)
    root, *attrs = path.split(".")
    out = ast.Name(root, ast.Load())
    for a in attrs:
        out = _attr(out, a)
    return out


def _call(func: ast.expr, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    return ast.Call(func, list(args), [ast.keyword(k, v) for k, v in kwargs.items()])


def _attr(value: ast.expr, name: str) -> ast.Attribute:
    return ast.Attribute(value, name, ast.Load())


def _const(value) -> ast.expr:
    if isinstance(value, (int, float)) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _tuple(elts) -> ast.Tuple:
    return ast.Tuple(list(elts), ast.Load())


#: numpy's name -> the math module's, for functions of dimensions alone.
_MATH = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
         "arctanh": "atanh", **{n: n for n in ("sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "sin",
                                              "cos", "tan", "sinh", "cosh", "tanh", "erf", "cbrt", "exp2")}}


def _scalar(expr: sp.Expr, call: ast.Call) -> ast.expr:
    """A function of dimensions alone (`sqrt(N)`) as a Python float (`math.sqrt(N)`): numpy's would be
    a float64 scalar, which numpy does not treat as weak (float32 results would become float64)."""
    if not all(s.is_integer for s in expr.free_symbols):
        return call
    name = call.func.attr
    if name in _MATH:
        return _call(ast.Attribute(ast.Name("math", ast.Load()), _MATH[name], ast.Load()), *call.args)
    return _call(ast.Name("float", ast.Load()), call)


class Lowering:
    """SymPy expressions (elementwise, with array operations folded in) -> numpy `ast` expressions."""

    def __init__(self, names: dict):
        self.names = names
        self.arrays = True  # lowering arithmetic on arrays (not on dimensions alone)
        self.conditions: dict = {}  # statements holding a boolean mask: their conditions

    def __call__(self, expr) -> ast.expr:
        """The expression's `ast`, marked with the SymPy expression it comes from (its `origin`)."""
        if not isinstance(expr, sp.Basic):  # a static number of an array operation
            expr = sp.sympify(expr)
        node = self._node(expr)
        node.origin = expr
        return node

    def _node(self, expr: sp.Basic) -> ast.expr:
        if isinstance(expr, sp.Symbol):
            return ast.Name(self.names[expr], ast.Load())
        if isinstance(expr, sp.Integer):
            # 0.0, not 0, beside float arrays: numpy resolves np.maximum(z, 0.0) twice as fast
            return _const(float(expr) if self.arrays else int(expr))
        if isinstance(expr, sp.Rational):
            return _const(float(expr)) if self.arrays else ast.BinOp(_const(int(expr.p)), ast.Div(), _const(int(expr.q)))
        if isinstance(expr, sp.Float) or (expr.is_number and not expr.free_symbols):
            # sqrt(3), log(2), pi: a Python float, which numpy treats as weak (float32 stays float32)
            try:
                return _const(float(expr))
            except TypeError:  # relu(pi): SymPy cannot evaluate symdiff's own functions
                return _call(ast.Name("float", ast.Load()), self.lower(expr))
        return self.lower(expr)

    def lower(self, expr) -> ast.expr:
        """A compound expression, by its head (formulas of dimensions alone in integer arithmetic)."""
        if self.arrays and expr.free_symbols and all(s.is_integer for s in expr.free_symbols):
            self.arrays = False
            try:
                return self.lower(expr)
            finally:
                self.arrays = True
        if isinstance(expr, sp.Add):
            return self.add(expr)
        if isinstance(expr, sp.Mul):
            return self.mul(expr)
        if isinstance(expr, sp.Pow):
            return self.pow(expr)
        if isinstance(expr, (maximum, minimum)):
            return self.extremum(expr)
        if type(expr) in _COMPARE:
            return ast.Compare(self(expr.lhs), [_COMPARE[type(expr)]()], [self(expr.rhs)])
        if isinstance(expr, mask):
            return self.mask(expr)
        if type(expr) in _LOGIC:
            return self._chain(_LOGIC[type(expr)](), sorted(expr.args, key=sp.default_sort_key))
        if isinstance(expr, sp.Not):
            return ast.UnaryOp(ast.Invert(), self(expr.args[0]))
        if isinstance(expr, sp.Piecewise):
            return self.where(expr.args)
        if isinstance(expr, (step, half_step)):  # the derivatives of relu and of maximum
            return _call(_np("heaviside"), self(expr.args[0]), _const(0 if isinstance(expr, step) else 0.5))
        if isinstance(expr, inf_at_zero):
            x = self(expr.args[0])
            return _call(_np("where"), ast.Compare(x, [ast.Eq()], [ast.Constant(0)]), _np("inf"), copy.deepcopy(x))
        if isinstance(expr, equal):  # a mask in a's dtype: float32 stays float32 beside a Python float
            a = self(expr.args[0])
            ties = ast.Compare(a, [ast.Eq()], [self(expr.args[1])])
            return _call(_attr(ties, "astype"), _attr(copy.deepcopy(a), "dtype"))
        if isinstance(expr, nonnegative):
            return ast.Compare(self(expr.args[0]), [ast.GtE()], [ast.Constant(0)])
        if expr.func in _NP_FUNCTIONS:
            return _scalar(expr, _call(_function(_NP_FUNCTIONS[expr.func]), *(self(a) for a in expr.args)))
        if isinstance(expr, ArrayOp):
            return self.array_op(expr)
        if isinstance(expr, (sp.floor, sp.ceiling)) and not self.arrays:
            return self.dimension(expr)
        raise NotImplementedError(f"symdiff cannot emit {type(expr).__name__}: {expr}")

    def add(self, expr: sp.Add) -> ast.expr:
        out = None
        for term, negative in ordered_terms(expr):
            node = self(term)
            if out is None:
                out = ast.UnaryOp(ast.USub(), node) if negative else node
            else:
                out = ast.BinOp(out, ast.Sub() if negative else ast.Add(), node)
        return out

    def mul(self, expr: sp.Mul) -> ast.expr:
        if any(isinstance(f, sp.Add) and f.has(mask) for f in expr.args):
            return self(sp.expand_mul(expr))  # g * (m1 + m2) as g*m1 + g*m2: bool + bool is `or`
        coeff, factors = expr.as_coeff_mul()
        if coeff < 0:
            return ast.UnaryOp(ast.USub(), self(-expr))
        numer, denom = [], []
        if isinstance(coeff, sp.Rational):
            numer += [sp.Integer(coeff.p)] if coeff.p != 1 else []
            denom += [sp.Integer(coeff.q)] if coeff.q != 1 else []
        elif coeff != 1:
            numer.append(coeff)
        for f in factors:
            base, exp = f.as_base_exp()
            if exp.is_number and exp.is_negative:
                denom.append(base ** -exp)
            else:
                numer.append(f)
        top = self._product(numer) if numer else ast.Constant(1)
        return ast.BinOp(top, ast.Div(), self._product(denom)) if denom else top

    def _product(self, factors) -> ast.expr:
        """Masks beside an array factor multiply as booleans (`g * (x > 0)` keeps g's dtype)."""
        if not any(not isinstance(f, mask) and not f.is_number for f in factors):
            return self._chain(ast.Mult(), factors)
        masks = [f for f in factors if isinstance(f, mask)]
        out = self._chain(ast.Mult(), [f for f in factors if not isinstance(f, mask)])
        for m in masks:
            condition = self(m.args[0])
            arrays = sorted(self._read(m.args[0]), key=sp.default_sort_key)
            if arrays:  # the Array API has no bool * float: its rewrite casts to this array's dtype
                condition.mask_dtype = self(arrays[0])
            out = ast.BinOp(out, ast.Mult(), condition)
        return out

    def mask(self, expr: mask) -> ast.expr:
        """A mask on its own: 0 and 1 in the dtype of an array the condition reads."""
        arrays = sorted(self._read(expr.args[0]), key=sp.default_sort_key)
        condition = self(expr.args[0])
        if not arrays:
            return condition
        return _call(_attr(condition, "astype"), _attr(self(arrays[0]), "dtype"))

    def _read(self, condition) -> set:
        """The arrays a condition compares (through statements holding conditions)."""
        out = set()
        for s in condition.free_symbols:
            if s in self.conditions:
                out |= self._read(self.conditions[s])
            elif not s.is_integer:
                out.add(s)
        return out

    def _chain(self, op: ast.operator, operands) -> ast.expr:
        out = self(operands[0])
        for f in operands[1:]:
            out = ast.BinOp(out, op, self(f))
        return out

    def where(self, branches) -> ast.expr:
        """A Piecewise as nested `np.where`s (its last condition is always true)."""
        (value, condition), rest = branches[0], branches[1:]
        if not rest:
            return self(value)
        return _call(_np("where"), self(condition), self(value), self.where(rest))

    def pow(self, expr: sp.Pow) -> ast.expr:
        base, exp = expr.args
        if exp == sp.S.Half:
            return _scalar(expr, _call(_np("sqrt"), self(base)))
        if exp.is_number and exp.is_negative:
            return ast.BinOp(ast.Constant(1), ast.Div(), self(base ** -exp))
        return ast.BinOp(self(base), ast.Pow(), _const(int(exp)) if exp.is_Integer else self(exp))

    def extremum(self, expr) -> ast.expr:
        fn = _np("maximum" if isinstance(expr, maximum) else "minimum")
        args = sorted(expr.args, key=lambda a: a.is_number)  # np.maximum(z, 0)
        out = self(args[0])
        for a in args[1:]:
            out = _call(fn, out, self(a))
        return out

    # -- array operations: each primitive lowers itself -----------------------------------------
    def array_op(self, op: ArrayOp) -> ast.expr:
        operands = [self(a) for a in op.operands]
        if isinstance(op.numpy, str):
            return _fill_template(op, operands, [self.static(v) for v in op.static])
        return op.numpy(self, *operands, *op.static)

    def statements(self, op: ArrayOp, target: str) -> list[ast.stmt]:
        """The statements of an operation that fills its result in place (assigning `target`)."""
        return op.numpy_statements(self, target, *(self(a) for a in op.operands), *op.static)

    def static(self, value) -> ast.expr:
        """A static parameter: numbers and strings as constants, dimensions as integer formulas."""
        if isinstance(value, tuple):
            return _tuple(self.static(v) for v in value)
        if isinstance(value, sp.Basic):
            if value.is_Integer or value.free_symbols and all(s.is_integer for s in value.free_symbols):
                return self.dimension(value)
            return self(value)
        return _const(value)

    def shape(self, shape) -> ast.Tuple:
        return _tuple(self.dimension(d) for d in shape)

    def dimension(self, d) -> ast.expr:
        """A dimension in integer arithmetic: `N * D`, `N * D // 3`, `-(-N // 2)` for ceiling(N/2)."""
        d = sp.sympify(d)
        if d.is_Integer:
            return _const(int(d))
        if isinstance(d, (sp.floor, sp.ceiling)):
            num, den = sp.fraction(sp.together(d.args[0] if isinstance(d, sp.floor) else -d.args[0]))
            quotient = ast.BinOp(self.dimension(num), ast.FloorDiv(), self.dimension(den))
            return quotient if isinstance(d, sp.floor) else ast.UnaryOp(ast.USub(), quotient)
        num, den = sp.fraction(sp.together(d))
        if den != 1:
            return ast.BinOp(self.dimension(num), ast.FloorDiv(), self.dimension(den))
        saved, self.arrays = self.arrays, False
        try:
            return self.lower(num) if not num.is_Symbol else self(num)
        finally:
            self.arrays = saved


_OPERAND_NAMES = "abcdefgh"


def _template(op: ArrayOp) -> ast.expr:
    """The parsed template of an op class (`{a} @ {b}`), placeholders as `__name__` identifiers."""
    cls = type(op)
    if "_parsed" not in cls.__dict__:
        text = re.sub(r"\{(\w+)\}", r"__\1__", cls.numpy)
        cls._parsed = ast.parse(text, mode="eval").body
    return cls._parsed


def _fill_template(op: ArrayOp, operands: list, static: list) -> ast.expr:
    names = "x" if len(operands) == 1 else _OPERAND_NAMES
    values = {f"__{n}__": v for n, v in zip(names, operands)}
    values.update({f"__{n}__": v for n, v in zip(op.params, static)})

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            return values[node.id] if node.id in values else node

    return Fill().visit(copy.deepcopy(_template(op)))


def _check_statements(param: str, shape: tuple, lower: Lowering, bound: set, used: set) -> list[ast.stmt]:
    """Check `param`'s shape, naming it in the message, and bind the dimensions first seen in it
    that the code reads (`used`). A dimension first seen inside a formula of one axis (`2*M`) is
    solved for from that axis."""
    ndim = len(shape)
    texts = [ast.unparse(lower.dimension(d)) for d in shape]
    expected = f"({texts[0]},)" if ndim == 1 else f"({', '.join(texts)})"
    sizes = ", ".join(str(int(d)) if d.is_Integer else f"{{{t}}}" for d, t in zip(shape, texts))  # f-string fields
    sizes = f"({sizes},)" if ndim == 1 else f"({sizes})"
    first, solved = {}, {}
    for i, d in enumerate(shape):
        if d.is_Symbol and d not in bound and d not in first:
            first[d] = i
    for i, d in enumerate(shape):
        unknown = [s for s in d.free_symbols if s not in bound and s not in first and s not in solved]
        if not d.is_Symbol and len(unknown) == 1 and sp.degree(d, unknown[0]) == 1:
            solved[unknown[0]] = (i, d)
    constrained = bool(solved) or any(first.get(d) != i for i, d in enumerate(shape))
    binds = list(first) if constrained else [d for d in first if d in used]  # a shape check reads them all
    ndim_check = (f"if {param}.ndim != {ndim}:\n"
                  f"    raise ValueError(f'{param}: expected a {ndim}-D array of shape {expected}, got shape {{{param}.shape}}')")
    shape_check = (f"if {param}.shape != {expected}:\n"
                   f"    raise ValueError(f'{param}: expected shape {expected} = {sizes}, got {{{param}.shape}}')")
    if not binds and not solved:  # comparing the shape tuple checks the rank too
        src = [shape_check if constrained else ndim_check]
    elif not constrained and len(binds) == ndim > 1:
        src = [ndim_check, f"{', '.join(texts)} = {param}.shape"]
    else:
        src = [ndim_check] + [f"{lower.names[d]} = {param}.shape[{first[d]}]" for d in binds]
        for symbol, (i, d) in solved.items():  # d = c*symbol + rest
            c, rest = sp.Poly(d, symbol).all_coeffs()
            rest_text = ast.unparse(lower.dimension(rest))
            src.append(f"{lower.names[symbol]} = ({param}.shape[{i}] - {rest_text}) // {ast.unparse(lower.dimension(c))}")
        src += [shape_check] if constrained else []
    bound.update(first)
    bound.update(solved)
    return ast.parse("\n".join(src)).body


def _check_order(params, shapes: dict) -> list:
    """The parameters in the order their shapes are checked: in order, but one with an axis that is a
    formula of two sizes not yet known (`D*N/6`) after those that give them."""
    order, known, pending = [], set(), list(params)

    def ready(p):
        plain = {d for d in shapes[p] if d.is_Symbol}
        return all(len(d.free_symbols - known - plain) <= 1 for d in shapes[p] if not d.is_Symbol)

    while pending:
        p = next((p for p in pending if ready(p)), pending[0])
        order.append(p)
        pending.remove(p)
        known |= {s for d in shapes[p] for s in d.free_symbols}
    return order


def _used_dims(program: Program) -> set:
    """Dimensions the code reads: in formulas, or checked in more than one place."""
    seen = Counter(s for shape in program.shapes.values() for d in shape for s in d.free_symbols)
    used = {d for d, n in seen.items() if n > 1}
    for stmt in program.statements:
        used |= {d for d in stmt.expr.free_symbols if d.is_integer}
        if stmt.body is not None:  # a loop's: its stored arrays' shapes too
            used |= _used_dims(stmt.body) | {s for shape in stmt.body.shapes.values() for d in shape
                                             for s in sp.sympify(d).free_symbols}
    return used


def function_ast(program: Program, *, doc: str | None = None, in_place: bool = True,
                 rows: emit_rows.Rows | None = None) -> ast.FunctionDef:
    """The `def` computing `program`; with `in_place`, elementwise chains run in place where shapes
    and dtypes allow it (see `inplace`), into dead temporaries' buffers where `reuse` gave them. With
    `rows`, a batch of more than one block streams through the row block function (see `emit_rows`)."""
    params = [str(p) for p in program.params]
    fresh = Namer(params)
    names: dict = {p: str(p) for p in program.params}
    dims = sorted({s for shape in program.shapes.values() for d in shape for s in d.free_symbols},
                  key=sp.default_sort_key)
    for d in dims:
        names[d] = fresh(str(d))
    for stmt in program.statements:
        names[stmt.target] = fresh(stmt.name)

    body: list[ast.stmt] = []
    if doc:
        body.append(ast.Expr(ast.Constant(_indented(doc))))
    bound: set = set()
    used = _used_dims(program) | (emit_rows.dims(rows) if rows else set())
    lower = Lowering(names)
    for p in _check_order(program.params, program.shapes):
        body += _check_statements(names[p], program.shapes[p], lower, bound, used)
    for p, dtype in program.casts.items():
        body.append(ast.parse(f"{names[p]} = {names[p]}.astype(np.{dtype})").body[0])

    typing = inplace.Typing(Facts(program)) if in_place else None

    def statements(stmts, lowering, typing=None) -> list[ast.stmt]:
        """Statements lowered with `lowering` (loop bodies have their own and no in-place code, see
        `emit_loops`)."""
        out, grad_of, loops = [], None, emit_loops.results(stmts)
        for stmt in stmts:
            if stmt.grad_of is not None and stmt.grad_of != grad_of:
                out.append(ast.Expr(_call(ast.Name("__comment__", ast.Load()),
                                          ast.Constant(f"grad of: {stmt.grad_of.statement}"))))
            grad_of = stmt.grad_of
            if is_boolean(stmt.expr):
                lowering.conditions[stmt.target] = stmt.expr
            target = lowering.names.get(stmt.target)
            if isinstance(stmt.expr, Loop):
                out += emit_loops.loop(stmt, lowering, fresh, loops.get(stmt.target, {}), statements)
            elif isinstance(stmt.expr, LoopResult):
                continue  # the loop assigns it
            elif isinstance(stmt.expr, ArrayOp) and stmt.expr.numpy_statements is not None:
                out += lowering.statements(stmt.expr, target)
            elif typing is not None:
                out += inplace.assign(target, lowering(stmt.expr), lowering.names.get(stmt.out), typing)
            else:
                out.append(ast.Assign([ast.Name(target, ast.Store())], lowering(stmt.expr)))
        return out

    if rows:
        body += emit_rows.driver(rows, program.params, names, lower)
    body += statements(program.statements, lower, typing)
    body.append(ast.Return(_returns(program.returns, lower)))
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[], kw_defaults=[], defaults=[])
    return ast.FunctionDef(program.name, args, body, [], None, type_params=[]) if _HAS_TYPE_PARAMS \
        else ast.FunctionDef(program.name, args, body, [], None)


def _indented(doc: str) -> str:
    """A docstring laid out for a function body."""
    first, *rest = doc.strip("\n").split("\n")
    return "\n".join([first] + [f"    {line}" if line else "" for line in rest] + ["    "])


_HAS_TYPE_PARAMS = "type_params" in ast.FunctionDef._fields


def _returns(returns, lower) -> ast.expr:
    if isinstance(returns, tuple):
        return _tuple(_returns(r, lower) for r in returns)
    return lower(returns)


_COMMENT = re.compile(r"^(\s*)__comment__\((.*)\)$", re.MULTILINE)


#: astor 0.8 reads AST classes that Python 3.12 deprecates (ast.Num: a DeprecationWarning when astor
#: is imported on 3.12 and 3.13) and 3.14 removes; there the standard library's printer takes over.
#: Both print symdiff's modules as the same text (tests/test_emit.py checks it).
ASTOR_SUPPORTED = sys.version_info < (3, 12)
_TOP_LEVEL = re.compile(r"\n+(?=def |__all__)")


_RETURNED_TUPLE = re.compile(r"^( *)return \((.*)\)$", re.MULTILINE)


def _bare_tuple(match) -> str:
    """`return (a, b)` as astor writes it, `return a, b` (when the parentheses only make the tuple)."""
    bare = f"return {match.group(2)}"
    same = ast.dump(ast.parse(bare)) == ast.dump(ast.parse(match.group(0).strip()))
    return match.group(1) + bare if same else match.group(0)


def to_source(tree: ast.Module) -> str:
    """Source text for a module AST: astor where it supports this Python, else `ast.unparse`;
    top-level statements two blank lines apart, `__comment__(...)` markers turned into comments."""
    ast.fix_missing_locations(tree)
    if ASTOR_SUPPORTED:
        import astor

        source = astor.to_source(tree, pretty_source="".join)
    else:
        source = _RETURNED_TUPLE.sub(_bare_tuple, ast.unparse(tree) + "\n")
    source = _TOP_LEVEL.sub("\n\n\n", source)
    return _COMMENT.sub(lambda m: f"{m.group(1)}# {ast.literal_eval(m.group(2))}", source)


def module_source(functions: list[ast.FunctionDef], doc: str | None = None, trailer: list | None = None,
                  array_api: bool = False) -> str:
    """A module: docstring, `import numpy as np` (and `import scipy.special` where the code calls
    it: erf, which numpy lacks), the functions, then `trailer` statements. With `array_api`, the
    functions are written against the Array API standard and the module imports `array_api_compat`
    instead (and `math` where it needs it)."""
    body: list[ast.stmt] = []
    if doc:
        body.append(ast.Expr(ast.Constant(doc)))
    if array_api:
        functions = [standard.function(f) for f in functions]
    if any(isinstance(n, ast.Name) and n.id == "math" for f in functions for n in ast.walk(f)):
        body.append(ast.Import([ast.alias("math")]))
    body.append(ast.Import([ast.alias("array_api_compat")] if array_api else [ast.alias("numpy", "np")]))
    if any(isinstance(n, ast.Name) and n.id == "scipy" for f in functions for n in ast.walk(f)):
        body.append(ast.Import([ast.alias("scipy.special")]))  # erf, which numpy lacks
    body += functions
    body += trailer or []
    return to_source(ast.Module(body, type_ignores=[]))


def _cache_dir() -> Path:
    root = os.environ.get("SYMDIFF_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "symdiff"
    )
    return Path(root)


def compile_module(source: str, stem: str) -> dict:
    """Execute generated source as a module saved under a real file name, so that tracebacks and
    `inspect.getsource` show the generated lines."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    path = _cache_dir() / f"{stem}_{digest}.py"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(source)
            os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: linecache still serves the source
    filename = str(path)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": f"symdiff_generated_{stem}", "__file__": filename}
    exec(compile(source, filename, "exec"), namespace)
    return namespace
