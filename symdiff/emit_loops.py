"""Emission of loop nodes (see `loops`): a plain `for` over `range(T)` (`reversed` for reverse mode)
whose body is the scheduled body program, with the carries as variables, the step's rows bound at
the top and the collected values and stored trajectories written into preallocated arrays."""
from __future__ import annotations

import ast

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


def _at(array: str, index: ast.expr) -> ast.Subscript:
    return ast.Subscript(A.name(array), index, ast.Store())


def _plus(index: str, offset) -> ast.expr:
    return A.name(index) if not offset else ast.BinOp(A.name(index), ast.Add(), A.const(int(offset)))


def loop(stmt, lower, fresh, live: dict, lower_statements) -> list[ast.stmt]:
    """The statements of one loop: `live` maps its live results to their targets (the variables the
    loop assigns), `lower_statements(statements, lowering)` lowers the body's program."""
    op, program = stmt.expr, stmt.body
    scan, body = op.scan, op.scan.body
    inits, sequences, closures, like = op.parts()
    names = dict(lower.names)
    inner = type(lower)(names)
    before: list[ast.stmt] = []

    def bound(expr, hint: str) -> str:
        node = lower(expr)
        if isinstance(node, ast.Name):
            return node.id
        name = fresh(hint)
        before.append(_assign(_store(name), node))
        return name

    returns = list(program.returns)
    reads = {s for st in program.statements for s in st.expr.free_symbols} | set(returns)
    carried, collected, stored = scan.needed(set(live))
    for i in carried:
        p = scan.carries[i][0]
        names[p] = lower.names[live[i]] if i in live else fresh(body[p].name)
        before.append(_assign(_store(names[p]), lower(inits[i])))
    for p, o in zip(scan.closures, closures):
        if p in reads:
            names[p] = bound(o, body[p].name)
    rows = {}
    for p, pos, _ in scan.slices:
        if p in reads and pos not in rows:
            rows[pos] = bound(sequences[pos], f"{body[p].name}s")
    length = lower.dimension(op.length)
    for j in collected:
        target = lower.names[live[scan.stacked(j)]]
        shape = lower.shape((op.length,) + body[scan.collected[j]].shape)
        before.append(_assign(_store(target), A.call(A.np("empty"), shape, dtype=A.attr(lower(like), "dtype"))))
    last = length if scan.reverse else A.const(0)
    for i in stored:
        target, p = lower.names[live[scan.trajectory(i)]], scan.carries[i][0]
        shape = lower.shape((op.length + 1,) + body[p].shape)
        before.append(_assign(_store(target), A.call(A.np("empty"), shape, dtype=A.attr(A.name(names[p]), "dtype"))))
        before.append(_assign(_at(target, last), A.name(names[p])))

    index = names[body.index] = fresh(body[body.index].name) if body.index in reads else fresh("t")
    steps: list[ast.stmt] = []
    for p, pos, off in scan.slices:
        if p in reads:
            names[p] = fresh(body[p].name)
            steps.append(_assign(_store(names[p]), A.subscript(A.name(rows[pos]), [_plus(index, off)])))
    for st in program.statements:
        names[st.target] = fresh(st.name)
    direct = _direct(scan, program, carried, returns)
    for out, p in direct.items():
        names[out] = names[p]
    steps += lower_statements(program.statements, inner)
    for j, y in zip(collected, returns[len(carried):]):
        steps.append(_assign(_at(lower.names[live[scan.stacked(j)]], A.name(index)), inner(y)))
    updates = [(names[scan.carries[i][0]], out) for i, out in zip(carried, returns)
               if out not in direct and out != scan.carries[i][0]]
    if updates:
        targets = [_store(n) for n, _ in updates]
        values = [inner(o) for _, o in updates]
        steps.append(_assign(targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store()),
                             values[0] if len(values) == 1 else A.tuple_(values)))
    for i in stored:
        row = A.name(index) if scan.reverse else _plus(index, 1)
        steps.append(_assign(_at(lower.names[live[scan.trajectory(i)]], row), A.name(names[scan.carries[i][0]])))
    steps = steps or [ast.Pass()]
    span = A.call(A.name("range"), length)
    header = ast.For(_store(index), A.call(A.name("reversed"), span) if scan.reverse else span, steps, [])
    kept = {lower.names[s] for s in live.values()}
    fresh.taken -= {names[s] for s in body.nodes if s in names and s not in lower.names} - kept  # the step's own
    return before + [header]


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
