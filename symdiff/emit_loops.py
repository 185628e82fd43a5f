"""Emission of loop nodes (see `loops`): a plain `for` over `range(T)` (`reversed` for reverse mode)
whose body is the scheduled body program, with the carries as variables, the step's rows bound at
the top and the collected values and stored trajectories written into preallocated arrays."""
from __future__ import annotations

import ast
import copy

from . import pyast as A
from .loops import LoopResult


def results(statements) -> dict:
    """Each loop's live results: loop symbol -> {result index: the statement's target}."""
    out: dict = {}
    for stmt in statements:
        if isinstance(stmt.expr, LoopResult):
            out.setdefault(stmt.expr.args[0], {})[int(stmt.expr.static[0])] = stmt.target
    return out


def _assign(target: ast.expr, value: ast.expr) -> ast.Assign:
    return ast.Assign([target], value)


def _store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def _at(array: str, index: ast.expr, context=ast.Store) -> ast.Subscript:
    """`array[index]`, a step's row of an array (`step`: the Array API form names the other axes)."""
    node = ast.Subscript(A.name(array), index, context())
    node.step = True
    return node


def _plus(index: str, offset) -> ast.expr:
    return A.name(index) if not offset else ast.BinOp(A.name(index), ast.Add(), A.const(int(offset)))


def loop(stmt, lower, fresh, live: dict, lower_statements) -> list[ast.stmt]:
    """The statements of one loop: `live` maps its live results to their targets (the variables the
    loop assigns), `lower_statements(statements, lowering)` lowers the body's program."""
    op, program = stmt.expr, stmt.body
    scan, body = op.scan, op.scan.body
    mine: list[str] = []  # the names only the loop uses: free again after it

    def local(hint: str) -> str:
        mine.append(fresh(hint))
        return mine[-1]

    inits, sequences, closures, like = op.parts()
    counted = scan.condition is not None  # a `while`: its steps are counted, its results kept in lists
    if counted:  # the count, which the reverse loop reads as its length
        lower.names[op.length] = lower.names[live[scan.steps()]] if scan.steps() in live else fresh("steps")
    names = dict(lower.names)
    inner = type(lower)(names)
    before: list[ast.stmt] = []

    def bound(expr, hint: str) -> str:
        node = lower(expr)
        if isinstance(node, ast.Name):
            return node.id
        name = local(hint)
        before.append(_assign(_store(name), node))
        return name

    returns = list(program.returns)
    reads = {s for st in program.statements for s in st.expr.free_symbols} | set(returns)
    carried, collected, stored = scan.needed(set(live))
    for i in carried:
        p = scan.carries[i][0]
        names[p] = lower.names[live[i]] if i in live else local(body[p].name)
        before.append(_assign(_store(names[p]), lower(inits[i])))
    for p, o in zip(scan.closures, closures):
        if p in reads:
            names[p] = bound(o, body[p].name)
    rows = {}
    for p, pos, _ in scan.slices:
        if p in reads and pos not in rows:
            rows[pos] = bound(sequences[pos], f"{body[p].name}s")
    length = lower.dimension(op.length)
    after: list[ast.stmt] = []
    for j in collected:
        target = lower.names[live[scan.stacked(j)]]
        shape = lower.shape((op.length,) + body[scan.collected[j]].shape)
        dtype = A.attr(lower(like), "dtype")
        if counted:  # a list while the loop runs, then an array
            before.append(_assign(_store(target), ast.List([], ast.Load())))
            empty = A.call(A.np("empty"), shape, dtype=dtype)
            after.append(_assign(_store(target), ast.IfExp(A.name(target), A.call(A.np("stack"), A.name(target)), empty)))
        else:
            before.append(_assign(_store(target), A.call(A.np("empty"), shape, dtype=dtype)))
    last = length if scan.reverse else A.const(0)
    for i in stored:
        target, p = lower.names[live[scan.trajectory(i)]], scan.carries[i][0]
        if counted:
            before.append(_assign(_store(target), ast.List([A.name(names[p])], ast.Load())))
            after.append(_assign(_store(target), A.call(A.np("stack"), A.name(target))))
            continue
        shape = lower.shape((op.length + 1,) + body[p].shape)
        before.append(_assign(_store(target), A.call(A.np("empty"), shape, dtype=A.attr(A.name(names[p]), "dtype"))))
        before.append(_assign(_at(target, last), A.name(names[p])))

    named = body[body.index].name if body.index is not None else "_"
    read = body.index in reads or stored or collected or any(p in reads for p, _, _ in scan.slices)
    index = names[body.index] = local(named if named != "_" or not read else "i")
    steps: list[ast.stmt] = []
    for p, pos, off in scan.slices:
        if p in reads:
            names[p] = local(body[p].name)
            steps.append(_assign(_store(names[p]), _at(rows[pos], _plus(index, off), ast.Load)))
    for st in program.statements:
        names[st.target] = local(st.name)
    direct = _direct(scan, program, carried, returns)
    for out, p in direct.items():
        names[out] = names[p]
    steps += lower_statements(program.statements, inner)
    for j, y in zip(collected, returns[len(carried):]):
        target = lower.names[live[scan.stacked(j)]]
        steps.append(_append(target, inner(y)) if counted else _assign(_at(target, A.name(index)), inner(y)))
    updates = [(names[scan.carries[i][0]], out) for i, out in zip(carried, returns)
               if direct.get(out) != scan.carries[i][0] and out != scan.carries[i][0]]
    if updates:
        targets = [_store(n) for n, _ in updates]
        values = [inner(o) for _, o in updates]
        steps.append(_assign(targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store()),
                             values[0] if len(values) == 1 else A.tuple_(values)))
    for i in stored:
        target, value = lower.names[live[scan.trajectory(i)]], A.name(names[scan.carries[i][0]])
        row = A.name(index) if scan.reverse else _plus(index, 1)
        steps.append(_append(target, value) if counted else _assign(_at(target, row), value))
    if counted:
        before.append(_assign(_store(lower.names[op.length]), A.const(0)))
        steps.append(ast.AugAssign(_store(lower.names[op.length]), ast.Add(), A.const(1)))
        test = _test(stmt.test, scan.condition, names, local, inner, lower_statements)
        before += test[0]
        steps += copy.deepcopy(test[0])
        header = ast.While(test[1], steps, [])
    else:
        span = A.call(A.name("range"), length)
        header = ast.For(_store(index), A.call(A.name("reversed"), span) if scan.reverse else span, steps or [ast.Pass()], [])
    fresh.taken -= set(mine)
    return before + [header] + after


def _append(target: str, value: ast.expr) -> ast.Expr:
    return ast.Expr(A.method(A.name(target), "append", value))


def _test(program, condition, names, fresh, inner, lower_statements) -> tuple[list, ast.expr]:
    """A `while` loop's test: the statements computing it (run before the loop and after each
    step), and the expression the `while` reads (the test itself when it is one statement)."""
    for st in program.statements:
        names[st.target] = fresh(st.name)
    if len(program.statements) == 1 and program.statements[0].target == condition:
        return [], inner(program.statements[0].expr)
    return lower_statements(program.statements, inner), inner(condition)


def _direct(scan, program, carried, returns) -> dict:
    """Carry outputs that can be computed straight into the carry's variable: the carry's old value
    is not read after them (nor stored or copied to another carry)."""
    position = {st.target: n for n, st in enumerate(program.statements)}
    direct = {}
    for i, out in zip(carried, returns):
        p = scan.carries[i][0]
        if out not in position or out in direct or p in returns:
            continue
        later = program.statements[position[out] + 1:]
        if not any(p in st.expr.free_symbols for st in later):
            direct[out] = p
    return direct
