"""The Python around the math, evaluated while the graph is built: values known when the function is
compiled (numbers, strings, shapes and their SymPy dimensions, lists, tuples and dicts of values),
their truth and comparisons, and the builtins that work on them (`len`, `range`, `zip`, `sum`...).

Arrays are `ir.Value`s; everything else here is a plain Python value, so that loops over them
unroll and branches on them are decided at compile time.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import sympy as sp

from .errors import UnsupportedSyntaxError
from .ir import Value

#: Loops over lists unroll up to this many iterations; loops over sizes that vary between calls,
#: over an array's rows and over long constant ranges become loop nodes (see `loops`).
MAX_UNROLL = 32
LOOPS_HINT = ("symdiff unrolls loops over lists and tuples of up to 32 items; `for t in range(n)` over a size "
              "or a long constant, `for x in X` over an array's rows (with `enumerate` or `zip`) and `while` "
              "loops become loops in the generated code: iterate over one of those.")
BRANCH_HINT = ("`if` statements and conditional expressions on array values are selected elementwise (np.where), "
               "and a `while` loop on them runs until its test fails; elsewhere, use np.where, or pass the "
               "condition as a Python bool parameter with a default (compiled once per value).")


@dataclass(frozen=True)
class Record:
    """A dataclass parameter's fields, as the body reads them (`p.W`)."""

    type: type
    fields: dict

    def get(self, attr: str, graph):
        if attr not in self.fields:
            raise UnsupportedSyntaxError(f"`{self.type.__name__}` has no field `{attr}`", location=graph.location,
                                         hint=f"Its fields are: {', '.join(self.fields)}.")
        return self.fields[attr]


class Outside:
    """An object from outside the function (a module-level instance, `self`): its attributes are
    read when the function is called, as `fetch(call)` does; `label` names it in generated code."""

    def __init__(self, fetch, label: str, live):
        self.fetch, self.label, self.live = fetch, label, live


class Function:
    """A function value (a helper, an op, a bound method) that the body calls: `obj` is the live
    object, resolved when called."""

    def __init__(self, obj, bound=None):
        self.obj, self.bound = obj, bound


class Local:
    """A function defined in the body (`def` or `lambda`, as a `def`): it reads the names of the
    builder that defined it, as they are when it is called."""

    def __init__(self, tree, builder):
        self.tree, self.builder = tree, builder


def is_array(value) -> bool:
    return isinstance(value, Value)


@dataclass(frozen=True)
class Steps:
    """What a loop node steps through (see `loops`): `length` steps, each binding its `streams`:
    "index" (`start` + the step's number) or an array, whose row it takes; in reverse order with
    `reverse`."""

    length: object
    streams: tuple
    start: object = 0
    reverse: bool = False  # `reversed(...)`: the last step first


@dataclass
class Collected:
    """A list a loop node appended to once a step: its items before the loop, then `stacked`."""

    prefix: list
    stacked: Value

    def array(self, builder) -> Value:
        """The list as numpy makes it an array: the items stacked."""
        if not self.prefix:
            return self.stacked
        return builder.apply("numpy.concatenate", [[builder.apply("numpy.stack", [self.prefix]), self.stacked]])


@dataclass
class Written:
    """An array from outside a loop node whose row `t + offset` the body assigns (`outs[t] = v`)."""

    outer: object  # its symbol in the enclosing graph
    offset: int
    value: Value


def steps(value, graph) -> Steps | None:
    """`value` as a loop node's steps, if a `for` over it is not unrolled."""
    if isinstance(value, Steps):
        return value
    if is_array(value):
        if not value.shape:
            refuse(graph, "this loop iterates over a 0-d array", "Iterate over an array with at least one axis.")
        return Steps(dimension(value.shape[0], graph), (value,))
    return None


def refuse(graph, message: str, hint: str | None = None):
    raise UnsupportedSyntaxError(message, location=graph.location, hint=hint)


def dim_decision(expr, graph):
    """A SymPy truth value as a bool; refused when it depends on sizes that vary between calls."""
    if expr in (sp.true, sp.false):
        return bool(expr)
    refuse(graph, f"this condition depends on array sizes that vary between calls ({expr})",
           "symdiff derives one function for every size; compare ranks (`x.ndim`) or literal sizes, "
           "or write one function per case.")


def truth(value, graph) -> bool:
    """`bool(value)` of a value known at compile time; branches on arrays are refused."""
    if is_array(value):
        refuse(graph, "this condition branches on array values", BRANCH_HINT)
    if isinstance(value, sp.Basic):
        if isinstance(value, sp.logic.boolalg.Boolean):
            return dim_decision(value, graph)
        return dim_decision(sp.Ne(value, 0), graph)
    try:
        return bool(value)
    except Exception as exc:
        refuse(graph, f"cannot take the truth of {value!r}: {exc}")


_COMPARE = {
    "Eq": (operator.eq, sp.Eq), "NotEq": (operator.ne, sp.Ne), "Lt": (operator.lt, sp.Lt),
    "LtE": (operator.le, sp.Le), "Gt": (operator.gt, sp.Gt), "GtE": (operator.ge, sp.Ge),
    "Is": (operator.is_, None), "IsNot": (operator.is_not, None),
    "In": (lambda a, b: a in b, None), "NotIn": (lambda a, b: a not in b, None),
}


def compare(op: str, a, b, graph):
    """`a <op> b` of compile-time values: dimensions compare symbolically (equal sizes are equal)."""
    python, symbolic = _COMPARE[op]
    if symbolic is not None and (isinstance(a, sp.Expr) or isinstance(b, sp.Expr)):
        if isinstance(a, (int, float, sp.Expr)) and isinstance(b, (int, float, sp.Expr)):
            decided = symbolic(graph.dims.find(a) if isinstance(a, sp.Symbol) else a,
                               graph.dims.find(b) if isinstance(b, sp.Symbol) else b)
            if op in ("Eq", "NotEq") and decided not in (sp.true, sp.false) and _unified(a, b, graph):
                return op == "Eq"  # `w.size == X.shape[1] + 1` at sizes that agree: required of every call
            return dim_decision(decided, graph)
    if op in ("Eq", "NotEq") and isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        equal = all(compare("Eq", x, y, graph) for x, y in zip(a, b))
        return equal if op == "Eq" else not equal
    try:
        result = python(a, b)
    except Exception as exc:
        refuse(graph, f"cannot compare {a!r} and {b!r}: {exc}")
    return result if isinstance(result, bool) else truth(result, graph)


def _unified(a, b, graph) -> bool:
    """Whether two sizes that agree at the call being derived can be made one (see `Dims.equal`)."""
    seen = graph.dims.seen(a), graph.dims.seen(b)
    return None not in seen and seen[0] == seen[1] and graph.dims.equal(a, b) is not None


def sequence(value, graph, what: str = "this loop") -> list:
    """The items of a compile-time sequence (a list, tuple, range, dict's keys, a string)."""
    if is_array(value):
        refuse(graph, f"{what} iterates over an array",
               "Loop over its rows in a `for` statement or a list comprehension, index it (x[0]), or "
               "unpack it into as many names as it has rows.")
    if isinstance(value, (list, tuple, range, dict, str)):
        return list(value)
    if isinstance(value, (type({}.items()), type({}.keys()), type({}.values()))):
        return list(value)
    refuse(graph, f"{what} iterates over {value!r}, which is not a list, tuple or range")


def static_int(value, graph, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, sp.Integer)):
        if isinstance(value, sp.Expr):
            refuse(graph, f"{what} is the size {value}, which varies between calls", LOOPS_HINT)
        if is_array(value):
            refuse(graph, f"{what} is an array value",
                   "Give a Python int: a constant, `len(params)`, or a parameter with an int default.")
        refuse(graph, f"{what} must be an integer, not {value!r}")
    return int(value)


def unrolled(items: list, graph) -> list:
    if len(items) > MAX_UNROLL:
        refuse(graph, f"a loop of {len(items)} iterations", LOOPS_HINT)
    return items


# -- builtins: each takes the builder (for arithmetic on arrays), the arguments and keywords -------

def _range(builder, *args):
    if any(isinstance(a, sp.Expr) and not a.is_Integer and a.is_integer for a in args):  # a size
        if len(args) == 3 and args[2] != 1:
            refuse(builder.graph, "`range` over a size with a step other than 1", LOOPS_HINT)
        start, stop = (0, args[0]) if len(args) == 1 else args[:2]
        return Steps(sp.sympify(stop) - start, ("index",), start)
    return range(*(static_int(a, builder.graph, "the argument of `range`") for a in args))


def _zip(builder, *iterables):
    found = [steps(i, builder.graph) for i in iterables]
    if not any(found):
        return list(zip(*(sequence(i, builder.graph, "`zip`") for i in iterables)))
    if not all(found) or any(f.streams == ("index",) or builder.graph.dims.equal(f.length, found[0].length) is None
                             for f in found):
        refuse(builder.graph, "`zip` of arrays of different lengths, or of an array and something else",
               "Zip arrays of the same length, or index them with the step: `for t in range(len(X))`.")
    return Steps(found[0].length, sum((f.streams for f in found), ()))


def _enumerate(builder, iterable, start=0):
    found = steps(iterable, builder.graph)
    start = static_int(start, builder.graph, "`start`")
    if found is None:
        return list(enumerate(sequence(iterable, builder.graph, "`enumerate`"), start))
    if "index" in found.streams:
        refuse(builder.graph, "`enumerate` of a range or of an enumerate", "Use the range's index itself.")
    return Steps(found.length, ("index",) + found.streams, start)


def _reversed(builder, iterable):
    found = steps(iterable, builder.graph)
    if found is None:
        return list(reversed(sequence(iterable, builder.graph, "`reversed`")))
    return Steps(found.length, found.streams, found.start, not found.reverse)


def _len(builder, value):
    graph = builder.graph
    if isinstance(value, Collected):
        value = value.array(builder)
    if is_array(value):
        if not value.shape:
            refuse(graph, "len() of a 0-d array")
        return dimension(value.shape[0], graph)
    try:
        return len(value)
    except TypeError:
        refuse(graph, f"len() of {value!r}")


def _sum(builder, iterable, start=0):
    if isinstance(iterable, Collected):
        return builder.apply("operator.add", [builder.apply("numpy.sum", [iterable.array(builder)], {"axis": 0}), start])
    if is_array(iterable):
        return builder.apply("numpy.sum", [iterable], {"axis": 0})
    total = start
    for item in sequence(iterable, builder.graph, "`sum`"):
        total = builder.apply("operator.add", [total, item])
    return total


def _extremum(python, symbolic):
    def impl(builder, *args):
        items = sequence(args[0], builder.graph, "`min`/`max`") if len(args) == 1 else list(args)
        if any(is_array(v) for v in items):
            refuse(builder.graph, "Python's min or max of arrays", "Use np.maximum or np.minimum.")
        if any(isinstance(v, sp.Expr) for v in items):
            if not all(isinstance(v, (int, float, sp.Expr)) and not isinstance(v, bool) for v in items):
                refuse(builder.graph, f"min or max of a size and {next(v for v in items if not isinstance(v, sp.Expr))!r}",
                       "Compare sizes with numbers.")
            return symbolic(*items)
        return python(items)

    return impl


def _number(convert):
    def impl(builder, value=0):
        if is_array(value):
            refuse(builder.graph, f"{convert.__name__}() of an array value", "Use it as an array.")
        return value if isinstance(value, sp.Expr) else convert(value)

    return impl


def _collect(kind):
    def impl(builder, *args):
        return kind(sequence(args[0], builder.graph, f"`{kind.__name__}`")) if args else kind()

    return impl


def _dict(builder, *args, **kwargs):
    return dict(*[dict(a) if isinstance(a, dict) else sequence(a, builder.graph, "`dict`") for a in args], **kwargs)


BUILTINS = {
    "len": _len,
    "range": _range,
    "zip": _zip,
    "enumerate": _enumerate,
    "reversed": _reversed,
    "sum": _sum,
    "min": _extremum(min, sp.Min),
    "max": _extremum(max, sp.Max),
    "list": _collect(list),
    "tuple": _collect(tuple),
    "dict": _dict,
    "float": _number(float),
    "int": _number(int),
    "print": lambda b, *args, **kwargs: None,
}
#: Methods of Python containers the body may call (`hs.append(h)`, `params.items()`).
CONTAINER_METHODS = {
    list: ("append", "extend", "insert", "pop", "index", "count", "copy"),
    dict: ("items", "keys", "values", "get", "copy", "update", "pop"),
    tuple: ("index", "count"),
}
#: Methods called for their effect, so allowed as statements.
MUTATORS = {"append", "extend", "insert", "update", "pop"}


def container_method(receiver, name: str, args: list, kwargs: dict, graph):
    methods = next((m for t, m in CONTAINER_METHODS.items() if isinstance(receiver, t)), ())
    if name not in methods:
        refuse(graph, f"the method `.{name}()` of a {type(receiver).__name__}",
               f"Supported: {', '.join(methods) or 'none'}.")
    try:
        return getattr(receiver, name)(*args, **kwargs)
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        refuse(graph, f"`.{name}()` fails: {exc}")


def dimension(d, graph):
    """An array dimension as a value: a Python int when literal, else its SymPy symbol."""
    d = graph.dims.find(d)
    return int(d) if d.is_Integer else d


def subscript(value, index, graph):
    """`value[index]` of a compile-time container (a list, a tuple, a shape, a dict)."""
    try:
        if isinstance(index, sp.Basic):
            index = static_int(index, graph, "the index")
        return value[index]
    except (IndexError, KeyError, TypeError) as exc:
        refuse(graph, f"cannot index {_describe(value)} with {index!r}: {type(exc).__name__}: {exc}")


def _describe(value) -> str:
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)} items"
    return repr(value)
