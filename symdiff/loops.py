"""Loops: a scan node whose body is a graph of its own, run once per step.

A `Scan` is one loop: its `Body` graph reads the carried state (the names the body reassigns), the
step index, the step's rows of sequences (`X[t]`, `for x in X`) and values of the enclosing graph
(closed over, as parameters); each step it computes the new carries and the values it collects.
The enclosing graph holds the loop as one `Loop` node whose operands are the carries' initial
values, the sequences, the closed-over values and an array of the loop's dtype, and `LoopResult`
nodes picking its results: each carry's final value, each collected value stacked `(T, ...)`, and
each carry's trajectory `(T + 1, ...)`: the value entering every step, then the final one (rows in
the order of the steps' indices), which reverse mode reads. One derivation serves every length.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy as sp

from . import names
from .errors import Location, UnsupportedSyntaxError
from .ir import ArrayOp, Graph, Value, array_op


class Body(Graph):
    """A loop body's graph: values of the enclosing graph `outer` are read as parameters."""

    def __init__(self, outer: Graph, start=0):
        super().__init__(outer.dims)
        outer.subgraphs.append(self)
        self.outer = outer
        self.start = start  # the index of the first step
        self.index: sp.Symbol | None = None  # the step index, if the body reads it
        self.closures: dict = {}  # outer symbol -> the parameter reading it
        self.rows: dict = {}  # (outer symbol, offset) -> the parameter holding that sequence's row

    def copy(self) -> Body:
        """The same body, to extend with a derivative without changing this one."""
        new = Body(self.outer, self.start)
        new.nodes = {s: dataclasses.replace(n) for s, n in self.nodes.items()}
        new.params = list(self.params)
        new._by_definition = dict(self._by_definition)
        new._names = names.Namer(self._names.taken, reserved=())
        new.subgraphs = list(self.subgraphs)
        new.index_params = set(self.index_params)
        new.index, new.closures, new.rows = self.index, dict(self.closures), dict(self.rows)
        return new

    def imports(self, value, memo: dict | None = None):
        """An outer value as the body reads it: arrays as parameters (one per outer node), lists and
        dicts copied (appending to one is collecting), other containers mapped item by item."""
        memo = {} if memo is None else memo
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, Value) and value.graph is self.outer:
            symbols = self.outer.node_symbols(value.expr)
            out = Value(self, value.expr.xreplace({s: self.closure(s) for s in symbols}), value.shape, value.label)
        elif isinstance(value, list):
            out = memo[id(value)] = []
            out.extend(self.imports(v, memo) for v in value)
        elif isinstance(value, dict):
            out = memo[id(value)] = {}
            out.update((k, self.imports(v, memo)) for k, v in value.items())
        elif isinstance(value, tuple):
            items = [self.imports(v, memo) for v in value]
            out = type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):  # records, collected lists
            out = dataclasses.replace(value, **{f.name: self.imports(getattr(value, f.name), memo)
                                                for f in dataclasses.fields(value) if f.init})
        else:
            out = value
        memo[id(value)] = out
        return out

    def closure(self, outer: sp.Symbol) -> sp.Symbol:
        """The parameter reading the outer node `outer`."""
        if outer not in self.closures:
            node = self.outer[outer]
            self.closures[outer] = self.param(node.name or node.stem, node.shape).symbol
        return self.closures[outer]

    def row(self, outer: sp.Symbol, offset, name: str) -> Value:
        """Row `t + offset` of the outer array `outer` at step `t`."""
        if (outer, offset) not in self.rows:
            self.rows[outer, offset] = self.param(name, self.outer[outer].shape[1:]).symbol
        return self.value(self.rows[outer, offset])

    def step_index(self, name: str) -> Value:
        """The step index `t` (as a number array: `0.9 ** t`, `X[t]`)."""
        if self.index is None:
            self.index = self.param(name, ()).symbol
        return self.value(self.index) + self.start

    def row_of(self, value: Value, parts: tuple):
        """`X[t + k]` of an outer array X (k >= 0) as the step's row parameter and the rest of the
        index; None for any other subscript."""
        found = self.step_row(value, parts)
        return None if found is None else (self.row(*found, f"{self[value.expr].name}_t"), parts[1:])

    def step_row(self, value: Value, parts: tuple):
        """(outer symbol, k) for the row `X[t + k]` of an outer array X (k >= 0); None for a subscript
        that does not read by the step."""
        if self.index is None or not parts or not isinstance(parts[0], Value) or parts[0].shape:
            return None
        step = parts[0].expr
        for _ in range(8):  # through the names the step was bound to (`t = i + 1`)
            step = step.xreplace({s: self[s].definition for s in self.node_symbols(step) if self[s].is_elementwise})
        offset = sp.expand(step - self.index)
        outer = next((o for o, p in self.closures.items() if p == value.expr), None)
        if self.index not in step.free_symbols:
            return None
        if outer is None or not offset.is_Integer or offset < 0:
            raise UnsupportedSyntaxError(
                "this subscript reads an array by the loop's step other than as its row `t + k` (k >= 0)",
                location=self.location, hint="Index an array from outside the loop on its first axis with the step "
                "plus a constant, e.g. `for t in range(1, T): X[t] - X[t - 1]`.")
        return outer, int(offset)

    def as_param(self, symbol: sp.Symbol) -> None:
        """A node whose value the loop supplies (a stored carry) instead of computing it."""
        node = self.nodes[symbol]
        if self._by_definition.get(node.definition) == symbol:
            del self._by_definition[node.definition]
        node.definition = None
        self.params.append(symbol)

    def live(self, outputs) -> set:
        """The nodes (parameters too) that `outputs` read."""
        live, stack = set(), list(outputs)
        while stack:
            s = stack.pop()
            if s not in live:
                live.add(s)
                stack.extend(self.operands(self[s]))
        return live


@dataclass(eq=False)
class Scan:
    """A loop: `carries` are (parameter, output) pairs of the body, `slices` (parameter, sequence
    position, offset) bind each step's rows, `closures` the parameters bound to closed-over values
    (in operand order), `collected` the body values stacked over the steps. A `while` loop's
    `condition` decides at run time whether to take another step; its length counts the steps."""

    body: Body
    carries: list
    slices: list
    closures: list
    collected: list
    reverse: bool
    header: Location | None  # the loop's first line, for `# grad of:` comments
    condition: sp.Symbol | None = None  # a `while` loop's test, on the carries entering a step
    results: dict = dataclasses.field(default_factory=dict)  # result index -> its node in the enclosing graph

    def final(self, i: int) -> int:
        return i

    def stacked(self, j: int) -> int:
        return len(self.carries) + j

    def trajectory(self, i: int) -> int:
        return len(self.carries) + len(self.collected) + i

    def steps(self) -> int:
        """The result counting a `while` loop's steps (its reverse loop runs that many)."""
        return 2 * len(self.carries) + len(self.collected)

    def kind(self, index: int) -> tuple[str, int]:
        """('final' | 'stacked' | 'trajectory' | 'steps', position) of a result index."""
        k, p = len(self.carries), len(self.collected)
        if index < k:
            return "final", index
        if index == self.steps():
            return "steps", 0
        return ("stacked", index - k) if index < k + p else ("trajectory", index - k - p)

    def needed(self, live: set) -> tuple[list, list, list]:
        """The carries the live results need computed (each step's outputs read them), the collected
        values and the trajectories to store, as positions."""
        kinds = [self.kind(i) for i in sorted(live)]
        collected = [j for kind, j in kinds if kind == "stacked"]
        stored = [i for kind, i in kinds if kind == "trajectory"]
        carried = {i for kind, i in kinds if kind in ("final", "trajectory")}
        params = {p: i for i, (p, _) in enumerate(self.carries)}
        test = [self.condition] if self.condition is not None else []
        while True:
            reads = self.body.live([self.carries[i][1] for i in carried] + [self.collected[j] for j in collected] + test)
            more = {params[s] for s in reads if s in params} - carried
            if not more:
                return sorted(carried), collected, stored
            carried |= more


class _Ref(sp.Atom):
    """A Python object as a SymPy argument, compared by identity."""

    def __new__(cls, obj):
        atom = super().__new__(cls)
        atom.obj = obj
        return atom

    def _hashable_content(self):
        return (id(self.obj),)

    def _sympystr(self, printer):
        return "body"


class Loop(ArrayOp):
    """A loop (see `Scan`): operands are the carries' initial values, the sequences, the closed-over
    values and an array of the loop's dtype; its results are read through `LoopResult` nodes."""

    arity = None
    params = ("scan", "length")
    numpy_statements = "loop"  # lowered by emit_loops

    @staticmethod
    def shape(dims, *args):
        return ()

    @property
    def scan(self) -> Scan:
        return self.args[-2].obj

    @property
    def length(self):
        return self.args[-1]

    def parts(self) -> tuple[list, list, list, sp.Symbol]:
        """The operands: initial carries, sequences, closed-over values, the dtype's array."""
        ops, scan = list(self.operands), self.scan
        k, n = len(scan.carries), len(scan.closures)
        return ops[:k], ops[k:len(ops) - n - 1], ops[len(ops) - n - 1:-1], ops[-1]

    def _sympystr(self, printer):
        return _loop_name(self.scan)


class LoopResult(ArrayOp):
    """One result of a `Loop` node (see `Scan.kind`)."""

    params = ("index",)
    numpy_statements = "loop"  # assigned by the loop's own statements

    def vjp(self, g, ans, loop, index, *, needs):
        return (None,)  # the loop's rule gathers the cotangents of its results

    def _sympystr(self, printer):
        return printer.doprint(self.args[0])  # the loop's name: its result is named where it is assigned


def _loop_name(scan: Scan) -> str:
    """How math shows a loop: `loop@5` (`reverse_loop@5`), by the line of its `for`."""
    line = scan.header.lineno if scan.header else "?"
    return f"{'reverse_' if scan.reverse else ''}loop@{line}"


def loop(graph: Graph, scan: Scan, length, inits: list, sequences: list, closures: list, like) -> sp.Symbol:
    """The node running `scan` for `length` steps (operands are outer symbols)."""
    op = Loop(*inits, *sequences, *closures, like, _Ref(scan), sp.sympify(length))
    return array_op(graph, op, (), "loop", stem="loop").symbol


def result(graph: Graph, loop_symbol: sp.Symbol, index: int, name: str | None = None) -> Value:
    """The node of one result of a loop (created once), named `name` or by what it holds."""
    op = graph[loop_symbol].definition
    scan = op.scan
    kind, i = scan.kind(index)
    body = scan.body
    if kind == "steps":
        value = array_op(graph, LoopResult(loop_symbol, sp.Integer(index)), (), "steps", stem="steps")
        scan.results[index] = value.symbol
        return value
    if kind == "final":
        shape = body[scan.carries[i][0]].shape
    elif kind == "stacked":
        shape = (op.length,) + body[scan.collected[i]].shape
    else:
        shape = (op.length + 1,) + body[scan.carries[i][0]].shape
    held = body[scan.carries[i][0] if kind != "stacked" else scan.collected[i]].name
    name = name or (f"{held}s" if kind == "trajectory" and held else held)
    value = array_op(graph, LoopResult(loop_symbol, sp.Integer(index)), graph.dims.resolve(shape),
                     name or "loop", stem=name or "t")
    scan.results[index] = value.symbol
    return value
