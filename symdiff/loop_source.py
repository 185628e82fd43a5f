"""The front end of loops: a `for` statement that is not unrolled -> a loop node (see `loops`).

The body is evaluated once, symbolically, on a graph of its own: the names it reassigns become the
carried state (a first pass finds them, and the one after builds the body with them as
parameters), lists it appends to once a step become stacked results (`static.Collected`), and
everything else it reads from outside is closed over.
"""
from __future__ import annotations

import ast
import dataclasses

import sympy as sp

from . import indexing
from .ir import Value
from .loops import Body, Scan, loop, result
from .ops import array
from .primitives import Full
from .primitives.subscripts import IndexUpdate
from .errors import SymdiffError
from .static import LOOPS_HINT, MAX_UNROLL, Collected, Steps, Written, refuse
from .static import steps as static_steps

#: Constant ranges of more steps than this become loop nodes; shorter ones unroll.
SCAN_MIN = 8

_STACKS = ("numpy.stack", "torch.stack", "numpy.array", "numpy.asarray")
_CONCATENATIONS = ("numpy.concatenate", "numpy.concat", "torch.cat", "torch.concatenate", "torch.concat")
_JOINS = ("numpy.hstack", "numpy.vstack", "torch.hstack", "torch.vstack", "numpy.column_stack", "torch.column_stack")


def header(builder, stmt: ast.stmt):
    """The location of a loop's first line (its `# grad of:` comment)."""
    location = builder.source.location(stmt)
    return dataclasses.replace(location, snippet=location.snippet.split("\n")[0].rstrip())


def steps(builder, items) -> Steps | None:
    """What a `for` over `items` steps through as a loop node; None where it unrolls."""
    if isinstance(items, Collected):
        items = items.array(builder)
    if isinstance(items, range) and len(items) > SCAN_MIN and items.step == 1:
        return Steps(len(items), ("index",), items.start)
    return static_steps(items, builder.graph)


def run(builder, stmt: ast.For, items, constant: bool):
    """A `for` over `items` as a loop node; the names it reassigns hold the loop's results after it.
    A constant range short enough to unroll is unrolled where its body cannot be a loop node's
    (it indexes a list with the step, say)."""
    if isinstance(items, range) and len(items) <= MAX_UNROLL:
        bodies, env = list(builder.graph.subgraphs), dict(builder.env)
        try:
            return _run(builder, stmt, steps(builder, items), constant)
        except SymdiffError:  # unrolled from the state before: the failed loop node's bodies dropped
            builder.graph.subgraphs[:], builder.env = bodies, env
            return builder.loop(stmt, list(items), constant)
    return _run(builder, stmt, steps(builder, items), constant)


def run_while(builder, stmt: ast.While, constant: bool):
    """A `while` whose test depends on array values, from the state it has reached: a loop node whose
    steps are counted at run time (the reverse loop runs that many)."""
    return _run(builder, stmt, Steps(sp.Dummy("steps", integer=True, nonnegative=True), ()), constant)


def condition(builder, test: ast.expr):
    """A loop's test; `and` and `or` of array conditions combine them elementwise (`&`, `|`)."""
    if not isinstance(test, ast.BoolOp):
        return builder.expr(test)
    parts = [condition(builder, v) for v in test.values]
    if not any(isinstance(p, Value) for p in parts):
        return builder.expr(test)
    combined = parts[0]
    for p in parts[1:]:
        combined = builder.apply("operator.and_" if isinstance(test.op, ast.And) else "operator.or_",
                                 [builder.mask(combined) if isinstance(combined, Value) else combined,
                                  builder.mask(p) if isinstance(p, Value) else p])
    return combined


def _run(builder, stmt, steps: Steps, constant: bool):
    """The loop node of a `for` or `while` statement, its results bound to the names it assigns."""
    carried: dict = {}  # name (or (name, k): a tuple's item) -> its initial value, an outer array of its shape
    for _ in range(4):
        found = _attempt(builder, stmt, steps, carried, constant)
        if found is not None:
            break
        builder.graph.subgraphs.pop()  # that pass's body
    else:
        refuse(builder.graph, "the values this loop carries keep changing shape", LOOPS_HINT)
    body, params, outputs, collected, test = found
    graph = builder.graph
    names = list(carried)
    outs = [outputs[n].symbol for n in names]
    stacked = [(c.value if isinstance(c, Written) else c).symbol for c in collected.values()]
    test = None if test is None else test.symbol
    live = body.live(outs + stacked + ([test] if test is not None else []))
    if test is not None and not body.live([test]) & {params[n].symbol for n in names}:
        refuse(graph, "this `while` loop's test does not change in the loop: it would never end",
               "Update what the test reads in the body, or loop a fixed number of times.")
    closures = [(o, p) for o, p in body.closures.items() if p in live]
    rows = [(key, p) for key, p in body.rows.items() if p in live]
    sequences = list(dict.fromkeys(outer for (outer, _), _ in rows))
    slices = [(p, sequences.index(outer), offset) for (outer, offset), p in rows]
    inits = [carried[n].symbol for n in names]
    like = next(iter(inits + sequences + [o for o, _ in closures]), graph.params[0])
    scan = Scan(body, [(params[n].symbol, o) for n, o in zip(names, outs)], slices, [p for _, p in closures], stacked,
                reverse=steps.reverse, header=header(builder, stmt), condition=test)
    with graph.context(statement=scan.header):
        node = loop(graph, scan, steps.length, inits, sequences, [o for o, _ in closures], like)
        for i, n in enumerate(names):
            _set(builder.env, n, builder._bind(_label(n, "_"), result(graph, node, scan.final(i)), constant))
        for j, (n, c) in enumerate(collected.items()):
            rows = result(graph, node, scan.stacked(j), n)
            if isinstance(c, Written):
                builder.env[n] = builder._bind(n, _placed(graph, c, rows, steps.length), constant)
            else:  # stored by step index: a reversed loop appended them last step first
                rows = builder.apply("numpy.flip", [rows], {"axis": 0}) if steps.reverse else rows
                builder.env[n] = Collected(list(builder.env[n]), rows)
    return builder.block(stmt.orelse, constant)


def _attempt(builder, stmt, steps: Steps, carried: dict, constant: bool):
    """Evaluate the body once with `carried` as parameters: (body, carry parameters, new values,
    collected values), or None after adding newly found carries (or reshaped ones) to `carried`."""
    graph, outer = builder.graph, builder.env
    body = Body(graph, start=steps.start)
    memo: dict = {}
    env = body.imports(outer, memo)
    params = {key: body.param(_label(key, "_"), init.shape) for key, init in carried.items()}
    for key, param in params.items():
        _set(env, key, param)
    lists = {id(v): len(v) for v in memo.values() if isinstance(v, list)}
    dicts = {id(v): dict(v) for v in memo.values() if isinstance(v, dict) and v is not env}
    builder.graph, builder.env = body, env
    try:
        if isinstance(stmt, ast.While):
            with body.context(location=builder.source.location(stmt.test)):
                test = condition(builder, stmt.test)
                if not isinstance(test, Value):
                    refuse(body, "this `while` loop's test does not depend on array values after its first steps",
                           "Decide the loop's length from sizes and constants, or from array values on every step.")
                if test.shape:
                    refuse(body, f"the test of this `while` loop is an array of shape {test.shape_text}, whose truth "
                           "value is ambiguous", "Reduce it to one value: np.all(...), np.any(...), a norm or a max.")
                test = builder.mask(test)
        else:
            test = None
            targets = _target_names(stmt.target, len(steps.streams))
            items = [body.step_index(n) if s == "index" else body.row(s.symbol, 0, n)
                     for s, n in zip(steps.streams, targets)]
            with body.context(location=builder.source.location(stmt.target)):
                builder.assign(stmt.target, items[0] if len(items) == 1 else tuple(items), constant)
        start = dict(env)
        signal = builder.block(stmt.body, constant)
        after = builder.env
    finally:
        builder.graph, builder.env = graph, outer
    with body.context(location=graph.location):
        if any(d.keys() != dicts[id(d)].keys() or any(d[k] is not dicts[id(d)][k] for k in d)
               for d in memo.values() if id(d) in dicts):
            refuse(graph, "a dict changes in the loop", "Carry arrays by name, or collect them by appending to a list.")
        found = _changes(graph, body, outer, start, after, params, carried, memo, lists, signal)
    return found and (*found, test if isinstance(test, Value) else None)


def _changes(graph, body, outer, start, after, params, carried, memo, lists, signal):
    """What one pass of the body changed: see `_attempt`."""
    if signal is not None:
        refuse(graph, f"`{signal.name if hasattr(signal, 'name') else 'return'}` in a loop that runs as a loop",
               "Such a loop runs every step: keep going and select values with np.where, or return after it.")
    collected, grown = {}, {id(v) for v in memo.values() if isinstance(v, list) and len(v) != lists[id(v)]}
    for name, old in start.items():
        if isinstance(old, list) and id(old) in grown and name in outer and after.get(name) is old:
            if len(old) != lists[id(old)] + 1:
                refuse(graph, f"the list `{name}` gets {len(old) - lists[id(old)]} items a step",
                       "Append one array a step (a tuple of them: one list each).")
            collected[name] = array(body, old[-1], f"each item appended to `{name}`")
            grown.discard(id(old))
    if grown:
        refuse(graph, "a list changes in the loop other than by appending to a name", LOOPS_HINT)
    outputs, complete = {}, True
    for name, old in start.items():
        new = after.get(name, old)
        if isinstance(new, Written) and name in outer:
            collected[name] = new
            continue
        if name not in outer or new is old or name in collected:
            continue
        if _is_tuple(new) and _is_tuple(old) and len(new) == len(old):  # a tuple of carried values
            changes = [((name, k), o, n, outer[name][k]) for k, (o, n) in enumerate(zip(old, new)) if n is not o]
        else:
            changes = [(name, old, new, outer[name])]
        for key, o, n, before in changes:
            complete &= _carry(graph, body, key, o, n, before, carried, outputs)
    for name in after.keys() - start.keys():  # first assigned in the body: its last value (zeros for no step)
        if isinstance(after[name], Value) and not after[name].is_mask:
            complete &= _carry(graph, body, name, 0, after[name], 0, carried, outputs)
    if not complete:
        return None
    for key in carried:
        outputs.setdefault(key, array(body, _get(after, key, params[key]), f"`{_label(key)}`"))
    return body, params, outputs, collected


def _carry(graph, body, key, old, new, before, carried: dict, outputs: dict) -> bool:
    """Record the new value of a carried name (or tuple item, `key`): False where its initial value
    had to be added or reshaped (the body is built again)."""
    if not _numeric(new) or not (_numeric(old) or key in carried):
        refuse(graph, f"`{_label(key)}` becomes {_describe(new)} in the loop, where it was {_describe(old)}",
               "A loop carries arrays and numbers (or tuples of them) from step to step.")
    new = outputs[key] = array(body, new, f"`{_label(key)}`")
    init = carried.get(key)
    shape = graph.dims.broadcast_shapes(new.shape, init.shape if init is not None else _shape(old))
    if shape is None:
        refuse(graph, f"`{_label(key)}` changes shape in the loop", "A carried value keeps its shape from step to step.")
    if init is not None and tuple(init.shape) == tuple(shape):
        return True
    carried[key] = _initial(graph, before, shape, _label(key, "_"))
    return False


def _is_tuple(value) -> bool:
    return isinstance(value, tuple) and not hasattr(value, "_fields")


def _label(key, sep: str = "") -> str:
    """A carried name, or a tuple item's (`state[0]`, or `state_0` with `sep`)."""
    return key if isinstance(key, str) else f"{key[0]}{sep}{key[1]}" if sep else f"{key[0]}[{key[1]}]"


def _get(env: dict, key, default):
    """The value of a carried name or tuple item in `env`."""
    if isinstance(key, str):
        return env.get(key, default)
    items = env.get(key[0])
    return items[key[1]] if _is_tuple(items) and key[1] < len(items) else default


def _set(env: dict, key, value) -> None:
    if isinstance(key, str):
        env[key] = value
    else:
        items = list(env[key[0]])
        items[key[1]] = value
        env[key[0]] = tuple(items)


def written(builder, name: str, container: Value, parts: tuple, value) -> Written:
    """`outs[t] = v` in a loop body: row `t + k` of an array from outside written at every step."""
    body = builder.graph
    outer, offset = body.step_row(container, parts)
    if len(parts) > 1 or name in builder.source.params or not indexing.owns(body.outer.value(outer)):
        refuse(body, f"this assigns into `{name}` other than a whole row `{name}[t]` of an array of its own",
               f"Preallocate it in the function (`{name} = np.zeros(...)`) and assign whole rows, or append to a list.")
    value = array(body, value, f"the row of `{name}`")
    slot = body.outer[outer].shape[1:]
    if not body.node_symbols(value.expr) or body.dims.broadcast_shapes(value.shape, slot) != body.dims.resolve(slot):
        refuse(body, f"the row assigned to `{name}[t]` is not an array that broadcasts to its shape",
               "Assign an array of the row's shape.")
    return Written(outer, offset, value.broadcast_to(slot))


def _placed(graph, write: Written, rows: Value, length) -> Value:
    """The array a loop wrote the rows `t + k` of: its rows replaced by the loop's."""
    before = graph.value(write.outer)
    if write.offset == 0 and sp.expand(graph.dims.find(before.shape[0]) - graph.dims.find(length)) == 0:
        return rows
    return IndexUpdate.build(before, rows, ((write.offset, write.offset + length, None),), None,
                                      label=before.label)


def _numeric(value) -> bool:
    return isinstance(value, (Value, int, float, sp.Expr)) and not isinstance(value, bool)


def _shape(value) -> tuple:
    return value.shape if isinstance(value, Value) else ()


def _describe(value) -> str:
    return "an array" if isinstance(value, Value) else f"{type(value).__name__} {value!r}"


def _initial(graph, value, shape, name: str) -> Value:
    """A carry's initial value as an array of the carried shape (a number in the loop's dtype)."""
    value = array(graph, value, "the initial value")
    if graph.node_symbols(value.expr):
        return value if tuple(value.shape) == tuple(shape) else value.broadcast_to(shape)
    like = next(p for p in graph.params if p not in graph.index_params)
    number = sp.Integer(int(value.expr)) if value.expr.is_Float and float(value.expr).is_integer() else value.expr
    return Full.build(graph.value(like), tuple(shape), number, label=name, stem=name)


class Item(ast.stmt):
    """A comprehension's item, appended to the list named `name` (see `comprehension`)."""

    _fields = ("name", "value")


def comprehension(builder, node: ast.expr, generators: list, items, name: str):
    """A list comprehension (or generator) whose first `for` runs as a loop node: the loop of a
    `for` statement appending each item to the list `name` (its other `for`s and `if`s nested in
    it), whose result is that list, collected."""
    gen, inner = generators[0], generators[1:]
    body: ast.stmt = ast.copy_location(Item(name=name, value=node.elt), node.elt)
    for g in reversed(inner):
        for test in reversed(g.ifs):
            body = ast.copy_location(ast.If(test=test, body=[body], orelse=[]), test)
        body = ast.copy_location(ast.For(target=g.target, iter=g.iter, body=[body], orelse=[]), node)
    for test in reversed(gen.ifs):
        body = ast.copy_location(ast.If(test=test, body=[body], orelse=[]), test)
    stmt = ast.copy_location(ast.For(target=gen.target, iter=gen.iter, body=[body], orelse=[]), node)
    builder.env[name] = []
    run(builder, stmt, items, constant=False)
    return builder.env[name]


def _target_names(target: ast.expr, n: int) -> list[str]:
    """Names for the parameters a `for` target binds: the target's own where it names them."""
    if n == 1 and isinstance(target, ast.Name):
        return [target.id]
    elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else []
    return [e.id if isinstance(e, ast.Name) else "row" for e in elts] if len(elts) == n else ["t"] + ["row"] * (n - 1)


def collected_call(builder, name: str, args: list, kwargs: dict):
    """An op applied to a collected list: stacking it is the stacked result (numpy converts a list
    argument to an array the same way), concatenating it that result with two axes merged; other
    joins are refused."""
    stacked = args[0].array(builder)
    if name in _CONCATENATIONS and stacked.ndim > 1:  # the steps' arrays one after another along `axis`
        axis = _axis(builder, kwargs, args, stacked.ndim - 1)
        order = list(range(1, stacked.ndim))
        order.insert(axis, 0)
        moved = stacked.transpose(tuple(order))
        shape = moved.shape[:axis] + (moved.shape[axis] * moved.shape[axis + 1],) + moved.shape[axis + 2:]
        return builder.apply("numpy.reshape", [moved, tuple(shape)])
    if name in _JOINS:
        refuse(builder.graph, "joining the arrays a loop collected other than by stacking or concatenating them",
               "Stack them (np.stack) and reshape the result.")
    if name not in _STACKS:
        return builder.apply(name, [stacked, *args[1:]], kwargs)
    order = list(range(1, stacked.ndim))
    order.insert(_axis(builder, kwargs, args if name.endswith("stack") else args[:1], stacked.ndim), 0)
    return stacked.transpose(tuple(order))


def _axis(builder, kwargs: dict, args: list, ndim: int) -> int:
    """The constant `axis` (`dim`) of a call, as a non-negative int below `ndim`."""
    axis = kwargs.get("axis", kwargs.get("dim", args[1] if len(args) > 1 else 0))
    if not isinstance(axis, int) or isinstance(axis, bool) or not -ndim <= axis < ndim:
        refuse(builder.graph, f"joining along the axis {axis!r}", "Give a constant axis within the arrays' dimensions.")
    return axis % ndim
