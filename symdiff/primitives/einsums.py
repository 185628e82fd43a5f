"""einsum, with its derivatives, and the identity factors that keep Jacobians and Hessians structured.

An `Einsum` that has an identity `Eye` among its operands is *structured*: the seed of a Jacobian or
Hessian (`identity_seed`) is one, and the forward rules of matrix products, transposes, sums and
elementwise scaling keep such tangents as einsums instead of arrays, so that identities are
contracted away by renaming indices and the (size of w)^2 identity is never built.
"""
from __future__ import annotations

import string

from sympy.core.symbol import Str

from .. import pyast as A
from ..ir import ArrayOp, Value, array_op
from .axes import Transpose
from .base import full
from .constants import Eye


LETTERS = string.ascii_letters


def parse_subscripts(subscripts: str) -> tuple[list[str], str]:
    """'ij,jk->ik' as (['ij', 'jk'], 'ik')."""
    ins, out = subscripts.split("->")
    return ins.split(","), out


def _join(ins, out) -> str:
    return f"{','.join(ins)}->{out}"


def _fresh(used) -> str:
    return next(c for c in LETTERS if c not in used)


def letter_sizes(dims, ins, shapes) -> dict | None:
    """Each index letter's size (operands of size 1 broadcast); None if sizes disagree."""
    sizes: dict = {}
    for sub, shape in zip(ins, shapes):
        for c, d in zip(sub, shape):
            if c in sizes:
                d = dims.broadcast(sizes[c], d)
                if d is None:
                    return None
            sizes[c] = d
    return sizes


class Einsum(ArrayOp):
    """np.einsum with explicit subscripts (`'ij,jk->ik'`): the operands, then the subscripts."""

    params = ("subscripts",)

    @property
    def arity(self) -> int:
        return self.args[-1].name.count(",") + 1

    @staticmethod
    def shape(dims, *args):
        *shapes, subscripts = args
        ins, out = parse_subscripts(subscripts)
        sizes = letter_sizes(dims, ins, shapes)
        return tuple(sizes[c] for c in out)

    def vjp(self, g, ans, *args, needs):
        *operands, subscripts = args
        ins, out = parse_subscripts(subscripts)
        g = full(g, ans)
        sizes = letter_sizes(g.graph.dims, ins, [v.shape for v in operands])
        return tuple(_einsum_cotangent(g, out, ins, operands, i, sizes) if need else None
                     for i, need in enumerate(needs))

    def jvp(self, dots, ans, *args, nb):
        *operands, subscripts = args
        ins, out = parse_subscripts(subscripts)
        batch = "".join(c for c in LETTERS if c not in subscripts)[:nb]
        terms = []
        for i, dot in enumerate(dots):
            if dot is not None:
                subs = ins[:i] + [batch + ins[i]] + ins[i + 1:]
                terms.append(einsum(_join(subs, batch + out), *operands[:i], dot, *operands[i + 1:]))
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def numpy(self, L, *args):
        *operands, subscripts = args
        kwargs = {"optimize": A.const(True)} if len(operands) > 2 else {}  # the contraction order matters
        return A.call(A.np("einsum"), A.const(subscripts), *operands, **kwargs)

    def _sympystr(self, printer):
        *operands, subscripts = self.args
        return f"einsum('{subscripts.name}', {', '.join(printer.doprint(a) for a in operands)})"


def _einsum_cotangent(g: Value, out: str, ins: list, operands: list, i: int, sizes: dict) -> Value:
    """The cotangent of operand i: an einsum of `g` with the other operands onto operand i's indices.

    A repeated index (a diagonal) gets a fresh letter tied to it by an identity factor; an index that
    no other term has, or along which the operand broadcast (size 1), is left out of the einsum and
    comes back as a size-1 axis.
    """
    target, x = ins[i], operands[i]
    used = set("".join(ins) + out)
    elsewhere = set(out + "".join(s for j, s in enumerate(ins) if j != i))
    letters, eyes = [], []
    for c in target:
        if c in letters:  # a diagonal: c again, under a fresh name tied to c
            fresh = _fresh(used)
            used.add(fresh)
            eyes.append((c + fresh, sizes[c]))
            elsewhere.update(c + fresh)
            c = fresh
        letters.append(c)
    kept = [axis for axis, c in enumerate(letters)
            if c in elsewhere and not (x.shape[axis] == 1 and sizes.get(c, 1) != 1)]
    subs = [out] + [s for j, s in enumerate(ins) if j != i] + [e for e, _ in eyes]
    values = [g] + [v for j, v in enumerate(operands) if j != i] + [eye(x, n) for _, n in eyes]
    da = einsum(_join(subs, "".join(letters[a] for a in kept)), *values)
    return da.expand_dims(tuple(a for a in range(len(target)) if a not in kept))


def eye(like: Value, n) -> Value:
    """The n x n identity in `like`'s dtype: a factor of structured einsums."""
    return Eye.build(like, n, n, 0, label=f"eye({n})", stem="eye")


def _is_eye(graph, symbol) -> bool:
    node = graph.nodes.get(symbol)
    return node is not None and isinstance(node.definition, Eye) and node.definition.identity


def structured(v: Value) -> bool:
    """Whether `v` is an einsum with an identity factor (kept symbolic in tangents)."""
    node = v.graph.nodes.get(v.expr)
    if node is None:
        return False
    op = node.definition
    return isinstance(op, Einsum) and any(_is_eye(v.graph, s) for s in op.operands)


def _spec(v: Value):
    """(subscripts, operands, output) of a structured value, to fuse into an einsum reading it."""
    *operands, subscripts = v.graph[v.expr].definition.args
    ins, out = parse_subscripts(subscripts.name)
    return ins, [v.graph.value(s) for s in operands], out


def einsum(subscripts: str, *values: Value, label: str | None = None) -> Value:
    """The einsum node (explicit subscripts): structured operands fused in, transposes folded into
    the subscripts, identity factors contracted away by renaming indices."""
    graph = values[0].graph
    values = [v if v.expr in graph else graph.value(v.symbol) for v in values]
    ins, out = parse_subscripts(subscripts)
    used = set(subscripts)
    subs, operands = [], []
    for sub, v in zip(ins, values):
        node = graph.nodes.get(v.expr)
        if structured(v):
            inner, inner_operands, inner_out = _spec(v)
            rename = dict(zip(inner_out, sub))
            for c in sorted(set("".join(inner)) - set(inner_out)):
                rename[c] = _fresh(used)
                used.add(rename[c])
            subs += ["".join(rename[c] for c in s) for s in inner]
            operands += inner_operands
        elif node is not None and isinstance(node.definition, Transpose):
            perm = node.definition.static[0]
            subs.append("".join(sub[perm.index(k)] for k in range(len(perm))))
            operands.append(graph.value(node.definition.args[0]))
        else:
            subs.append(sub)
            operands.append(v)
    subs, operands = _contract_identities(graph, subs, operands, out)
    plain = _without_einsum(graph, subs, operands, out)
    if plain is not None:
        return plain
    sizes = letter_sizes(graph.dims, subs, [v.shape for v in operands])
    if sizes is None:
        raise graph.shape_error(f"einsum '{subscripts}': operand sizes disagree")
    op = Einsum(*(v.symbol for v in operands), Str(_join(subs, out)))
    return array_op(graph, op, tuple(sizes[c] for c in out), label or f"einsum({subscripts})")


def _without_einsum(graph, subs: list, operands: list, out: str) -> Value | None:
    """The einsum as a sum, a transpose or a broadcast product, where it is one: no identity factor,
    no index twice in an operand, nothing summed across operands. None otherwise."""
    if any(_is_eye(graph, v.expr) or len(set(s)) != len(s) for s, v in zip(subs, operands)):
        return None
    if len(operands) == 1:
        sub, v = subs[0], operands[0]
        kept = [c for c in sub if c in out]
        v = v.sum(axis=tuple(i for i, c in enumerate(sub) if c not in out))
        return v.transpose(tuple(kept.index(c) for c in out))
    if set("".join(subs)) != set(out):
        return None
    product = None
    for sub, v in zip(subs, operands):
        order = sorted(sub, key=out.index)
        v = v.transpose(tuple(sub.index(c) for c in order))
        first = out.index(order[0]) if order else len(out)
        v = v.expand_dims(tuple(i - first for i in range(first, len(out)) if out[i] not in order))
        product = v if product is None else product * v
    return product


def _contract_identities(graph, subs: list, operands: list, out: str):
    """Drop each identity factor `pq` whose index p (or q) is summed, writing q for p elsewhere."""
    changed = True
    while changed:
        changed = False
        for k, (sub, v) in enumerate(zip(subs, operands)):
            if not _is_eye(graph, v.expr) or len(set(sub)) != 2:
                continue
            others = "".join(s for j, s in enumerate(subs) if j != k) + out
            p, q = sub
            if p in out and q in out or p not in others and q not in others:
                continue
            gone, stays = (q, p) if p in out else (p, q)
            subs = [s.replace(gone, stays) for j, s in enumerate(subs) if j != k]
            operands = operands[:k] + operands[k + 1:]
            changed = True
            break
    return subs, operands


def identity_seed(w: Value) -> Value:
    """The tangent seed w.shape + w.shape of a whole Jacobian: a product of identities, one per axis."""
    n = w.ndim
    rows, cols = LETTERS[:n], LETTERS[n:2 * n]
    return einsum(_join([r + c for r, c in zip(rows, cols)], rows + cols), *(eye(w, d) for d in w.shape),
                  label=f"eye({w.label})")


def structured_matmul(a: Value, b: Value) -> Value | None:
    """a @ b as an einsum when an operand is structured (None otherwise)."""
    if not (structured(a) or structured(b)):
        return None
    stack = max(a.ndim, b.ndim, 2) - 2
    letters = LETTERS[:stack]
    m, n, k = LETTERS[stack:stack + 3]
    sa = n if a.ndim == 1 else letters[stack - (a.ndim - 2):] + m + n
    sb = n if b.ndim == 1 else letters[stack - (b.ndim - 2):] + n + k
    out = letters + (m if a.ndim > 1 else "") + (k if b.ndim > 1 else "")
    return einsum(_join([sa, sb], out), a, b, label=f"{a.label} @ {b.label}")


def structured_transpose(v: Value, perm) -> Value:
    sub = LETTERS[:v.ndim]
    return einsum(f"{sub}->{''.join(sub[p] for p in perm)}", v, label=v.label)


def structured_sum(v: Value, axes) -> Value:
    sub = LETTERS[:v.ndim]
    return einsum(f"{sub}->{''.join(c for i, c in enumerate(sub) if i not in axes)}", v, label=v.label)


def structured_scale(partial: Value, dot: Value, ndim: int, nb: int) -> Value | None:
    """partial * dot, for a structured tangent `dot` of a value of rank `ndim` (None where the
    product would add axes the tangent lacks)."""
    if dot.ndim - nb != ndim or partial.ndim > ndim:
        return None
    sub = LETTERS[:dot.ndim]
    if partial.graph.node_symbols(partial.expr):
        return einsum(f"{sub[dot.ndim - partial.ndim:]},{sub}->{sub}", partial, dot, label=dot.label)
    ins, operands, out = _spec(dot)
    k = max(range(len(operands)), key=lambda j: not _is_eye(dot.graph, operands[j].expr))
    operands = operands[:k] + [operands[k] * partial] + operands[k + 1:]
    return einsum(_join(ins, out), *operands, label=dot.label)
