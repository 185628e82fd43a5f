"""Derivatives of loops (see `loops`), derived once on a copy of the body for every length.

Reverse mode is a loop running the other way: its carries are the cotangents of the carries and
the gradients of the closed-over values, accumulated over the steps; each step reads the carries
entering and leaving it from the forward loop's stored trajectories (only those its rule reads)
and recomputes the rest of the step from them. Forward mode is a loop carrying the tangents beside
the values.
"""
from __future__ import annotations

import sympy as sp

from . import names
from .errors import UnsupportedSyntaxError
from .indexing import subscript
from .primitives.subscripts import scatter
from .loops import Scan, loop, result
from .primitives import full


def _active_carries(body, scan: Scan, start, known: set, depends_on) -> list[int]:
    """The carries whose values depend on `known` parameters or on active initial values (`start`)."""
    carried = set(start)
    while True:
        reached = depends_on(body, known | {scan.carries[i][0] for i in carried})
        more = {i for i, (_, out) in enumerate(scan.carries) if out in reached} - carried
        if not more:
            return sorted(carried)
        carried |= more


def _exact(body, g, like):
    """A body cotangent or tangent (None: zero) as an array of exactly `like`'s shape."""
    return full(g if g is not None else body.const(0), body.value(like))


class _Operands:
    """The outer symbols a new loop reads as sequences, each once."""

    def __init__(self):
        self.symbols: list = []

    def __call__(self, symbol) -> int:
        if symbol not in self.symbols:
            self.symbols.append(symbol)
        return self.symbols.index(symbol)


def vjp(graph, node, cotangents: dict, active: set, sweep, depends_on):
    """(operand, cotangent) of a loop node's operands, for its results' `cotangents`."""
    op, scan = node.definition, node.definition.scan
    inits, sequences, closures, like = op.parts()
    got = {i: cotangents[s] for i, s in scan.results.items() if s in cotangents}
    if not got:
        return
    body = scan.body.copy()
    known = {p for p, pos, _ in scan.slices if sequences[pos] in active}
    known |= {p for p, o in zip(scan.closures, closures) if o in active}
    carried = _active_carries(body, scan, [i for i, s in enumerate(inits) if s in active], known, depends_on)
    out_row, in_row = (0, 1) if scan.reverse else (1, 0)  # trajectory rows of a step's outgoing and incoming carries
    seqs, slices, seeds = _Operands(), [], {}

    def seed(target, value):
        seeds[target] = value if target not in seeds else seeds[target] + value

    def stream(symbol, name, shape, row, target):
        """A parameter reading row `t + row` of the outer `symbol`, seeding `target`."""
        g = body.param(name, shape)
        slices.append((g.symbol, seqs(symbol), row))
        seed(target, g)

    carries, back_inits = [], []
    for i in carried:
        p, out = scan.carries[i]
        dc = body.param(names.adjoint(body[p].name), body[p].shape)
        seed(out, dc)
        g = got.get(scan.final(i))
        back_inits.append(full(g if g is not None else graph.const(0), graph.value(inits[i])).symbol)
        if scan.trajectory(i) in got:
            stream(full(got[scan.trajectory(i)], graph.value(scan.results[scan.trajectory(i)])).symbol,
                   f"g{body[p].name}", body[p].shape, out_row, out)
        carries.append((dc.symbol, None))
    for j, y in enumerate(scan.collected):
        if scan.stacked(j) in got:
            g = full(got[scan.stacked(j)], graph.value(scan.results[scan.stacked(j)]))
            stream(g.symbol, names.adjoint(body[y].name or "y"), body[y].shape, 0, y)
    cots, _ = sweep(body, seeds, list(known | {scan.carries[i][0] for i in carried}))

    carries = [(dc, _exact(body, cots.get(scan.carries[i][0]), scan.carries[i][0] if scan.carries[i][0] in cots else dc).symbol)
               for (dc, _), i in zip(carries, carried)]  # zeros like the cotangent itself where the body does not read a carry
    accumulated = [(p, o) for p, o in zip(scan.closures, closures) if o in active]
    for p, o in accumulated:
        acc = body.param(names.adjoint(body[p].name), body[p].shape)
        new = acc if cots.get(p) is None else (acc + _exact(body, cots[p], p)).named(names.adjoint(body[p].name))
        carries.append((acc.symbol, new.symbol))
        back_inits.append(full(graph.const(0), graph.value(o)).symbol)
    placed = [(p, pos, off) for p, pos, off in scan.slices if sequences[pos] in active and cots.get(p) is not None]
    collected = [_exact(body, cots[p], p).named(names.adjoint(body[p].name)).symbol for p, _, _ in placed]

    stored, recurrent = {}, scan.body.live([o for _, o in scan.carries] + list(scan.collected))
    for i, (p, out) in enumerate(scan.carries):  # a step's outgoing carries are read from the trajectory
        stored[p] = (i, in_row)
        if not body[out].is_param and p in recurrent:  # (a name's last value is recomputed)
            body.as_param(out)
            stored[out] = (i, out_row)
    live = body.live([o for _, o in carries] + collected)
    slices = [(p, seqs(sequences[pos]), off) for p, pos, off in scan.slices if p in live] + \
        [s for s in slices if s[0] in live]
    for q, (i, row) in stored.items():
        if q in live:
            slices.append((q, seqs(result(graph, node.symbol, scan.trajectory(i)).symbol), row))
    if scan.condition is not None:  # the reverse loop runs as many steps as the `while` took
        seqs(result(graph, node.symbol, scan.steps()).symbol)
    kept = [(p, o) for p, o in zip(scan.closures, closures) if p in live]
    back = Scan(body, carries, slices, [p for p, _ in kept], collected, not scan.reverse, scan.header)
    with graph.context(statement=scan.header, grad_of=scan.header):
        backward = loop(graph, back, op.length, back_inits, seqs.symbols, [o for _, o in kept], like)
        for n, i in enumerate(carried):
            g = result(graph, backward, back.final(n))
            if scan.trajectory(i) in got:  # the initial value is also the trajectory's first row
                rows = full(got[scan.trajectory(i)], graph.value(scan.results[scan.trajectory(i)]))
                g = g + subscript(graph, rows, (op.length if scan.reverse else 0,))
            yield inits[i], g
        for n, (_, o) in enumerate(accumulated):
            yield o, result(graph, backward, back.final(len(carried) + n))
        for n, (_, pos, off) in enumerate(placed):
            g = result(graph, backward, back.stacked(n))
            rows = graph[sequences[pos]].shape[0]
            if off or sp.expand(graph.dims.find(rows) - graph.dims.find(op.length)) != 0:
                g = scatter(graph.value(sequences[pos]), g, ((off, off + op.length, None),))
            yield sequences[pos], g


def jvp(graph, node, dots: list, nb: int, forward, depends_on) -> dict:
    """The tangents of a loop node's results (by result index), for its operands' tangents `dots`."""
    op, scan = node.definition, node.definition.scan
    if nb:
        raise UnsupportedSyntaxError(
            "a Jacobian or Hessian through a loop is not derived", location=scan.header,
            hint="Use symdiff.grad, vjp, jvp or hvp (a Hessian times vectors): they run through loops.")
    inits, sequences, closures, like = op.parts()
    k, m = len(inits), len(sequences)
    body = scan.body.copy()
    seeds, seqs = {}, _Operands()
    for s in sequences:
        seqs(s)
    slices, tangent_closures = list(scan.slices), []
    for p, pos, off in scan.slices:
        if dots[k + pos] is not None:
            seeds[p] = body.param(names.tangent(body[p].name), body[p].shape)
            slices.append((seeds[p].symbol, seqs(dots[k + pos].symbol), off))
    for p, d in zip(scan.closures, dots[k + m:]):
        if d is not None:
            seeds[p] = body.param(names.tangent(body[p].name), body[p].shape)
            tangent_closures.append((seeds[p].symbol, d.symbol))
    carried = _active_carries(body, scan, [i for i in range(k) if dots[i] is not None], set(seeds), depends_on)
    for i in carried:
        p = scan.carries[i][0]
        seeds[p] = body.param(names.tangent(body[p].name), body[p].shape)
    targets = [scan.carries[i][1] for i in carried] + list(scan.collected)
    tangents = forward(body, seeds, targets)
    carries = list(scan.carries) + [(seeds[scan.carries[i][0]].symbol, _exact(body, tangents[scan.carries[i][1]],
                                     scan.carries[i][1]).symbol) for i in carried]
    moving = [j for j, y in enumerate(scan.collected) if tangents[y] is not None]
    collected = list(scan.collected) + [_exact(body, tangents[scan.collected[j]], scan.collected[j]).symbol
                                        for j in moving]
    new_inits = list(inits) + [(dots[i] if dots[i] is not None else full(graph.const(0), graph.value(inits[i]))).symbol
                               for i in carried]
    tangent = Scan(body, carries, slices, list(scan.closures) + [p for p, _ in tangent_closures], collected,
                   scan.reverse, scan.header, scan.condition)
    with graph.context(statement=scan.header, grad_of=scan.header):
        symbol = loop(graph, tangent, op.length, new_inits, seqs.symbols, list(closures) + [d for _, d in tangent_closures],
                      like)
        out = {}
        for n, i in enumerate(carried):
            out[scan.final(i)] = result(graph, symbol, tangent.final(k + n))
            out[scan.trajectory(i)] = result(graph, symbol, tangent.trajectory(k + n))
        for n, j in enumerate(moving):
            out[scan.stacked(j)] = result(graph, symbol, tangent.stacked(len(scan.collected) + n))
    return out
