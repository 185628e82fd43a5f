"""Differential testing: random straight-line programs over every supported operator, compiled by
symdiff and compared with finite differences (`check_grad`), with numpy's own forward values, and
with torch's gradients where torch is installed.

The generator is value-aware: it draws the sizes and the input values first and evaluates every
candidate expression while it writes the program, keeping only expressions whose values are finite
and moderate (|v| <= CAP), whose log/sqrt/division arguments are positive, and whose kinks (relu,
abs, maximum, minimum) are at least MARGIN away: finite differences are then accurate to
check_grad's default tolerances, and no operator may overflow or produce an invalid value. Bugs it
found are plain regression tests in tests/test_regressions.py.

Profiles (tests/conftest.py): `ci` by default (300 examples, derandomized), `thorough` with
SYMDIFF_HYPOTHESIS_PROFILE=thorough (5000 examples, random).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pytest
from helpers import load_module, torch
from hypothesis import given
from hypothesis import strategies as st

import symdiff
from symdiff import functional as sf
from symdiff.source import FunctionSource

DIM_NAMES = ("N", "D", "K", "M")
SIZES = (1, 2, 2, 3, 3, 4)
MAX_RANK = 3
CAP = 1e4  # the largest |value| an expression may take
MARGIN = 0.05  # the smallest distance from a kink (relu, abs, maximum, minimum)
FD_NOISE = 1e-9  # per unit of the largest intermediate |value|: check_grad's atol (its default at 1)
POSITIVE = 0.05  # the smallest value used directly as a log/sqrt/division argument
CONSTANTS = (-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
REDUCTIONS = ("mean", "sum", "none")
TORCH_DIFFERENTIABLE = ("input", "target", "probs")  # torch refuses gradients for loss weights

NUMPY_HEADER = "import numpy as np\nfrom symdiff import functional as F\n\n\n"
TORCH_HEADER = "import torch\nimport torch.nn.functional as TF\n\n\n"


@dataclass(eq=False)
class Expr:
    """An expression of the program in both spellings, with its symbolic shape and its value."""

    numpy: str
    torch: str
    shape: tuple  # dimension names and literal 1s
    value: np.ndarray
    fresh: bool = True  # a newly allocated array (not a view of, or the same object as, another)


@dataclass(eq=False)
class Param:
    name: str
    shape: tuple
    role: str  # "input", "target" (in [0, 1]), "probs" (rows summing to 1), "weight" (positive)
    value: np.ndarray


@dataclass(eq=False)
class Program:
    numpy_source: str
    torch_source: str
    params: list[Param]
    sizes: dict
    magnitude: float  # the largest |value| of any expression: the scale of rounding errors
    wrt: tuple = field(init=False)

    def __post_init__(self):
        self.wrt = tuple(p.name for p in self.params)

    @property
    def shapes(self) -> dict:
        return {p.name: p.shape for p in self.params}

    @property
    def args(self) -> list[np.ndarray]:
        return [p.value.copy() for p in self.params]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{p.name}: {p.shape} ({p.role})" for p in self.params)
        return f"\n{self.numpy_source}\n# sizes {self.sizes}; {shapes}\n"


def broadcast(a: tuple, b: tuple) -> tuple | None:
    """numpy broadcasting of symbolic shapes (names equal, or one side 1), or None."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _reduced(shape: tuple, axes, keepdims: bool) -> tuple:
    axes = range(len(shape)) if axes is None else [a % len(shape) for a in (axes if isinstance(axes, tuple) else (axes,))]
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keepdims or i not in axes)


def _distance_to_kink(value, kink) -> float:
    return float(np.min(np.abs(np.asarray(value) - kink))) if np.size(value) else np.inf


class ProgramBuilder:
    """Writes one random program with hypothesis's `draw`, evaluating every expression it writes."""

    def __init__(self, draw):
        self.draw = draw
        self.sizes = {name: draw(st.sampled_from(SIZES)) for name in DIM_NAMES[: draw(st.integers(2, 4))]}
        self.rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        self.scale = draw(st.sampled_from((1.0, 3.0, 10.0)))  # inputs are uniform in [-scale, scale]
        self.params: list[Param] = []
        self.env: dict[str, np.ndarray] = {}  # name -> its current value
        self.pool: dict[str, Expr] = {}  # the names readable now
        self.subexprs: list[Expr] = []  # inline expressions already written, to repeat verbatim
        self.lines: list[tuple[str, str]] = []
        self.shared: set[str] = set()  # names whose arrays other names may share (no in-place update)
        self.last = ""  # the name assigned last
        self.magnitude = 1.0
        self.next_var = 0

    # -- drawing -----------------------------------------------------------------------------
    def choice(self, options):
        return self.draw(st.sampled_from(list(options)))

    def flip(self) -> bool:
        return self.draw(st.booleans())

    def concrete(self, shape: tuple) -> tuple:
        return tuple(self.sizes.get(d, d) for d in shape)

    def random_shape(self, max_rank=MAX_RANK) -> tuple:
        rank = self.choice([r for r in (0, 1, 1, 2, 2, 2, 3) if r <= max_rank])
        return tuple(self.choice(list(self.sizes) + [1]) for _ in range(rank))

    def partner_shape(self, shape: tuple) -> tuple:
        """A shape that broadcasts with `shape`: the same, a suffix, some axes 1, 1s filled in, one
        more leading axis ((M, 1) against (K,)), or a scalar."""
        kind = self.choice(["same", "same", "suffix", "ones", "fill", "outer", "scalar"])
        if kind == "suffix":
            return shape[self.draw(st.integers(0, len(shape))):]
        if kind == "ones":
            return tuple(1 if self.flip() else d for d in shape)
        if kind == "fill":
            return tuple(self.choice(list(self.sizes)) if d == 1 else d for d in shape)
        if kind == "outer" and len(shape) < MAX_RANK:
            return (self.choice(list(self.sizes)),) + tuple(1 if self.flip() else d for d in shape)
        if kind == "scalar":
            return ()
        return shape

    # -- leaves --------------------------------------------------------------------------------
    def param(self, shape: tuple, role: str = "input") -> Expr:
        name = f"p{len(self.params)}"
        value = self.draw_value(self.concrete(shape), role)
        expr = Expr(name, name, shape, value, fresh=False)
        self.params.append(Param(name, shape, role, value))
        self.bind(name, expr)
        self.pool[name] = expr
        return expr

    def draw_value(self, size: tuple, role: str) -> np.ndarray:
        if role == "input":
            return self.rng.uniform(-self.scale, self.scale, size)
        if role == "target":
            return self.rng.uniform(0, 1, size)
        if role == "probs":
            value = self.rng.uniform(0.1, 1, size)
            return value / value.sum(axis=-1, keepdims=True)
        return self.rng.uniform(0.1, 2, size)

    def bind(self, name: str, e: Expr) -> None:
        self.env[name] = e.value
        self.pool[name] = Expr(name, name, e.shape, e.value, e.fresh)

    def operand(self, like: tuple | None = None) -> Expr:
        """An existing name or expression (broadcasting with `like`, if given), or a new parameter."""
        candidates = [e for e in [*self.pool.values(), *self.subexprs]
                      if like is None or (lambda s: s is not None and len(s) <= MAX_RANK)(broadcast(like, e.shape))]
        if candidates and self.choice([True, True, False]):
            return replace(self.choice(candidates), fresh=False)
        return self.param(self.random_shape() if like is None else self.partner_shape(like))

    def constant(self, nonzero=False) -> float:
        return self.choice([c for c in CONSTANTS if c or not nonzero])

    # -- building and checking expressions -----------------------------------------------------
    def make(self, numpy: str, torch_: str, shape: tuple, fresh=True, limit=CAP) -> Expr | None:
        """The expression if its value is finite, at most `limit` and of the expected shape, else None."""
        try:
            with np.errstate(all="raise"):
                value = np.asarray(eval(numpy, {"np": np, "F": sf}, dict(self.env)), dtype=np.float64)
        except FloatingPointError:
            return None
        assert value.shape == self.concrete(shape), (numpy, value.shape, shape)  # the generator's own shapes
        if not np.all(np.isfinite(value)) or np.max(np.abs(value), initial=0) > limit:
            return None
        self.magnitude = max(self.magnitude, float(np.max(np.abs(value), initial=0)))
        return Expr(numpy, torch_, shape, value, fresh)

    def positive(self, e: Expr) -> Expr | None:
        """`e` if it is safely positive, else `e` wrapped in something positive."""
        if e.value.size == 0 or np.min(e.value) >= POSITIVE:
            return e
        wrappers = [
            ("np.exp({})", "torch.exp({})"),
            ("({0} * {0} + 1)", "({0} * {0} + 1)"),
            ("({} ** 2 + 0.5)", "({} ** 2 + 0.5)"),
            ("F.sigmoid({})", "torch.sigmoid({})"),
            ("F.softplus({})", "TF.softplus({})"),
        ]
        n, t = self.choice(wrappers)
        wrapped = self.make(n.format(e.numpy), t.format(e.torch), e.shape)
        return wrapped if wrapped is not None and np.min(wrapped.value) >= 1e-3 else None

    def expr(self, depth: int) -> Expr:
        """A random expression; depth 0 is an operand."""
        if depth > 0:
            for _ in range(4):
                e = self.choice([self.unary, self.unary, self.binary, self.binary, self.matmul,
                                 self.reduction, self.softmax_family, self.loss])(depth - 1)
                if e is not None:
                    if depth > 1 and self.flip():
                        self.subexprs.append(e)
                    return e
        return self.operand()

    def unary(self, depth) -> Expr | None:
        x = self.expr(depth)
        n, t, s = x.numpy, x.torch, x.shape
        op = self.choice(["neg", "pos", "exp", "log", "log1p", "sqrt", "tanh", "abs", "sigmoid", "relu",
                          "softplus", "logsigmoid", "clip", "power", "positive_power", "transpose", "transpose"])
        if op == "neg":
            return self.make(self.choice([f"(-{n})", f"np.negative({n})"]), f"(-{t})", s)
        if op == "pos":
            return self.make(f"(+{n})", f"(+{t})", s)
        if op == "exp":
            return self.make(f"np.exp({n})", f"torch.exp({t})", s) if np.max(x.value, initial=0) <= 9 else None
        if op in ("log", "log1p", "sqrt"):
            p = self.positive(x)
            return None if p is None else self.make(f"np.{op}({p.numpy})", f"torch.{op}({p.torch})", s)
        if op == "tanh":
            return self.make(f"np.tanh({n})", f"torch.tanh({t})", s)
        if op in ("abs", "relu") and _distance_to_kink(x.value, 0) < MARGIN:
            return None
        if op == "abs":
            return self.make(self.choice([f"np.abs({n})", f"abs({n})", f"np.absolute({n})"]), f"torch.abs({t})", s)
        if op in ("sigmoid", "relu"):
            return self.make(f"F.{op}({n})", f"torch.{op}({t})", s)
        if op in ("softplus", "logsigmoid"):
            return self.make(f"F.{op}({n})", f"TF.{op}({t})", s)
        if op == "clip":
            c = self.constant()
            if _distance_to_kink(x.value, c) < MARGIN:
                return None
            fn, bound = self.choice([("maximum", "min"), ("minimum", "max")])
            call = self.choice([f"np.{fn}({n}, {c})", f"np.{fn}({c}, {n})"])
            return self.make(call, f"torch.clamp({t}, {bound}={c})", s)
        if op == "power":
            k = self.choice([2, 3])
            return self.make(self.choice([f"({n} ** {k})", f"np.power({n}, {k})"]), f"({t} ** {k})", s)
        if op == "positive_power":
            p = self.positive(x)
            k = self.choice([0.5, 1.5, -1, -0.5])
            return None if p is None else self.make(f"({p.numpy} ** {k})", f"({p.torch} ** {k})", s)
        if not s:  # transpose of a scalar
            return None
        torch_t = {1: t, 2: f"{t}.T", 3: f"{t}.permute(2, 1, 0)"}[len(s)]
        return self.make(self.choice([f"{n}.T", f"np.transpose({n})", f"{n}.transpose()"]), torch_t,
                         tuple(reversed(s)), fresh=False)

    def binary(self, depth) -> Expr | None:
        x = self.expr(depth)
        op = self.choice(["+", "-", "*", "/", "constant", "divide_by", "extremum"])
        if op == "constant":
            c = self.constant(nonzero=True)
            sym = self.choice(["+", "-", "*", "/"])
            if sym == "/" or self.flip():
                return self.make(f"({x.numpy} {sym} {c})", f"({x.torch} {sym} {c})", x.shape)
            return self.make(f"({c} {sym} {x.numpy})", f"({c} {sym} {x.torch})", x.shape)
        y = self.operand(like=x.shape)
        shape = broadcast(x.shape, y.shape)
        if op in "+-*":
            spelled = {"+": "np.add", "-": "np.subtract", "*": "np.multiply"}[op]
            numpy = self.choice([f"({x.numpy} {op} {y.numpy})", f"{spelled}({x.numpy}, {y.numpy})"])
            return self.make(numpy, f"({x.torch} {op} {y.torch})", shape)
        if op == "/":
            p = self.positive(y)
            return None if p is None else self.make(f"({x.numpy} / {p.numpy})", f"({x.torch} / {p.torch})", shape)
        if op == "divide_by":
            p = self.positive(x)
            c = self.constant(nonzero=True)
            return None if p is None else self.make(f"({c} / {p.numpy})", f"({c} / {p.torch})", x.shape)
        if _distance_to_kink(x.value - y.value, 0) < MARGIN:
            return None
        fn = self.choice(["maximum", "minimum"])
        return self.make(f"np.{fn}({x.numpy}, {y.numpy})", f"torch.{fn}({x.torch}, {y.torch})", shape)

    def matmul(self, depth) -> Expr | None:
        """x @ y in every 1-D/2-D combination, spelled @, np.matmul, np.dot or .dot; sometimes a chain."""
        x = self.expr(depth)
        if len(x.shape) not in (1, 2):
            return None
        left = self.flip()  # x @ y, or y @ x
        inner = x.shape[-1] if left else x.shape[0]
        fits = [e for e in self.pool.values() if len(e.shape) in (1, 2) and (e.shape[0] if left else e.shape[-1]) == inner]
        if fits and self.flip():
            y = replace(self.choice(fits), fresh=False)
        else:
            outer = self.choice(list(self.sizes) + [1])
            y = self.param(self.choice([(inner,), (inner, outer) if left else (outer, inner)]))
        a, b = (x, y) if left else (y, x)
        shape = a.shape[:-1] + b.shape[1:]
        numpy = self.choice([f"({a.numpy} @ {b.numpy})", f"np.matmul({a.numpy}, {b.numpy})",
                             f"np.dot({a.numpy}, {b.numpy})", f"{a.numpy}.dot({b.numpy})"])
        torch_ = f"({a.torch} @ {b.torch})"
        if len(shape) in (1, 2) and self.flip():  # a chain: (a @ b) @ c with a new c
            c = self.param((shape[-1], self.choice(list(self.sizes) + [1])))
            numpy, torch_, shape = f"({numpy} @ {c.numpy})", f"({torch_} @ {c.torch})", shape[:-1] + c.shape[1:]
        return self.make(numpy, torch_, shape)

    def _axes(self, rank: int):
        """None, an axis (maybe negative), or a tuple of axes."""
        if rank == 0:
            return None
        kind = self.choice(["none", "one", "one", "tuple"])
        if kind == "one":
            return self.draw(st.integers(-rank, rank - 1))
        if kind == "tuple" and rank >= 2:
            return tuple(sorted(self.draw(st.sets(st.integers(0, rank - 1), min_size=2, max_size=rank))))
        return None

    def reduction(self, depth) -> Expr | None:
        x = self.expr(depth)
        n, t, rank = x.numpy, x.torch, len(x.shape)
        fn = self.choice(["sum", "mean"])
        axes = self._axes(rank)
        keepdims = rank > 0 and self.flip()
        kwargs = "".join([f", axis={axes}" if axes is not None else "", ", keepdims=True" if keepdims else ""])
        numpy = self.choice([f"np.{fn}({n}{kwargs})", f"{n}.{fn}({kwargs[2:]})"])
        if axes is None and not keepdims:
            torch_ = f"torch.{fn}({t})"
        else:
            dims = tuple(range(rank)) if axes is None else axes
            torch_ = f"torch.{fn}({t}, dim={dims}{', keepdim=True' if keepdims else ''})"
        return self.make(numpy, torch_, _reduced(x.shape, axes, keepdims))

    def softmax_family(self, depth) -> Expr | None:
        x = self.expr(depth)
        rank = len(x.shape)
        if rank == 0:
            return None
        op = self.choice(["softmax", "log_softmax", "logsumexp"])
        if op != "logsumexp":
            axis = self.draw(st.integers(-rank, rank - 1))
            numpy = self.choice([f"F.{op}({x.numpy}, axis={axis})"] + ([f"F.{op}({x.numpy})"] if axis == -1 else []))
            return self.make(numpy, f"torch.{op}({x.torch}, dim={axis})", x.shape)
        axes = self._axes(rank)
        keepdims = self.flip()
        dims = tuple(range(rank)) if axes is None else axes
        numpy = f"F.logsumexp({x.numpy}{f', axis={axes}' if axes is not None else ''}{', keepdims=True' if keepdims else ''})"
        return self.make(numpy, f"torch.logsumexp({x.torch}, dim={dims}, keepdim={keepdims})",
                         _reduced(x.shape, axes, keepdims))

    def loss(self, depth) -> Expr | None:
        """A loss with a random reduction: BCE (with weight / pos_weight), MSE, cross-entropy."""
        z = self.expr(depth)
        kind = self.choice(["bce", "mse", "cross_entropy"])
        reduction = self.choice(REDUCTIONS)
        kwargs = "" if reduction == "mean" and self.flip() else f", reduction={reduction!r}"
        shape = z.shape if reduction == "none" else ()
        if not z.shape or (kind == "cross_entropy" and len(z.shape) > 2):
            return None
        if kind == "mse":
            same = [e for e in self.pool.values() if e.shape == z.shape]
            y = self.choice(same) if same and self.flip() else self.param(z.shape)
            if self.make(f"({z.numpy} - {y.numpy})", "", z.shape) is None:  # the difference it squares
                return None
            return self.make(f"F.mse_loss({z.numpy}, {y.numpy}{kwargs})", f"TF.mse_loss({z.torch}, {y.torch}{kwargs})", shape)
        if kind == "bce":
            y = self.param(z.shape, "target")
            if self.flip():  # any shape that broadcasts to the input's
                shape_w = self.choice([z.shape, z.shape[-1:], tuple(1 if self.flip() else d for d in z.shape)])
                kwargs += f", weight={self.param(shape_w, 'weight').numpy}"
            if self.flip():
                kwargs += f", pos_weight={self.param(z.shape[-1:], 'weight').numpy}"
            return self.make(f"F.binary_cross_entropy_with_logits({z.numpy}, {y.numpy}{kwargs})",
                             f"TF.binary_cross_entropy_with_logits({z.torch}, {y.torch}{kwargs})", shape)
        y = self.param(z.shape, "probs")
        if self.flip():
            kwargs += f", weight={self.param(z.shape[-1:], 'weight').numpy}"
        if self.flip():
            kwargs += ", label_smoothing=0.1"
        shape = z.shape[:-1] if reduction == "none" else ()
        return self.make(f"F.cross_entropy({z.numpy}, {y.numpy}{kwargs})",
                         f"TF.cross_entropy({z.torch}, {y.torch}{kwargs})", shape)

    # -- statements ----------------------------------------------------------------------------
    def assign(self, e: Expr) -> None:
        """`name = e` to a new or a rebound name (parameters included), or `name op= e` in place
        where numpy's in-place update changes no other name's array."""
        in_place = [name for name, v in self.pool.items() if v.fresh and name not in self.shared
                    and broadcast(v.shape, e.shape) == v.shape]
        if in_place and self.choice([False, False, True]):
            name = self.choice(in_place)
            op = self.choice(["+", "-", "*"])
            old = self.pool[name]
            value = self.make(f"({name} {op} {e.numpy})", "", old.shape, fresh=True)
            if value is not None:
                self.write(f"{name} {op}= {e.numpy}", f"{name} = {name} {op} {e.torch}", name, value)  # no in-place autograd
                return
        if self.pool and self.choice([False, False, False, True]):
            name = self.choice(list(self.pool))
        else:
            name, self.next_var = f"v{self.next_var}", self.next_var + 1
        self.write(f"{name} = {e.numpy}", f"{name} = {e.torch}", name, e)

    def write(self, numpy_line: str, torch_line: str, name: str, e: Expr) -> None:
        self.lines.append((numpy_line, torch_line))
        self.bind(name, e)
        self.last = name
        if e.fresh:
            self.shared.discard(name)
        else:  # `name` may be (a view of) another name's array
            self.shared.update(re.findall(r"\b[pv]\d+\b", e.numpy) + [name])
        word = re.compile(rf"\b{name}\b")
        self.subexprs = [x for x in self.subexprs if not word.search(x.numpy)]

    def scalar(self, e: Expr) -> Expr | None:
        """`e` reduced to a scalar: a sum, a mean or a logsumexp; the mean where a sum would be too large."""
        if not e.shape:
            return e
        n, t = e.numpy, e.torch
        form = self.choice(["sum", "np.sum", "mean", "np.mean", "logsumexp"])
        if form == "logsumexp":
            reduced = self.make(f"F.logsumexp({n})", f"torch.logsumexp({t}, dim={tuple(range(len(e.shape)))})", ())
        elif form.startswith("np."):
            reduced = self.make(f"{form}({n})", f"torch.{form[3:]}({t})", ())
        else:
            reduced = self.make(f"{n}.{form}()", f"{t}.{form}()", ())
        return reduced or self.make(f"np.mean({n})", f"torch.mean({t})", ()) or \
            self.make(f"F.logsumexp({n})", f"torch.logsumexp({t}, dim={tuple(range(len(e.shape)))})", ())

    def build(self) -> Program:
        for _ in range(self.draw(st.integers(1, 5))):
            self.assign(self.expr(self.draw(st.integers(1, 3))))
        # the newest name, else any (a sum may be constant: softmax), else a new scalar parameter
        names = [self.last] + [n for n in self.pool if n != self.last]
        result = next((r for r in map(self.scalar, [self.pool[n] for n in names]) if r is not None), None) \
            or self.param(())
        for _ in range(self.draw(st.integers(0, 2))):  # more terms, from anywhere
            term = self.scalar(self.choice(list(self.pool.values())))
            op = self.choice(["+", "-", "*"])
            combined = term and self.make(f"({result.numpy} {op} {term.numpy})",
                                          f"({result.torch} {op} {term.torch})", (), limit=np.inf)
            result = combined or result
        params = ", ".join(p.name for p in self.params)
        numpy_body = "".join(f"    {line}\n" for line, _ in self.lines)
        torch_body = "".join(f"    {line}\n" for _, line in self.lines)
        return Program(
            f"{NUMPY_HEADER}def f({params}):\n{numpy_body}    return {result.numpy}\n",
            f"{TORCH_HEADER}def f({params}):\n{torch_body}    return {result.torch}\n",
            self.params, self.sizes, self.magnitude,
        )


@st.composite
def programs(draw) -> Program:
    return ProgramBuilder(draw).build()


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("programs")


def torch_value_and_grads(program: Program, args: list[np.ndarray], module) -> tuple[float, dict]:
    """The torch spelling's value and gradients in float64 (zeros for parameters it does not use)."""
    tensors = {p.name: torch.tensor(a, requires_grad=p.role in TORCH_DIFFERENTIABLE) for p, a in zip(program.params, args)}
    value = module.f(*tensors.values())
    wanted = [name for name, t in tensors.items() if t.requires_grad]
    if not value.requires_grad:  # no differentiable parameter is used
        return value.item(), {n: np.zeros_like(tensors[n].detach().numpy()) for n in wanted}
    grads = torch.autograd.grad(value, [tensors[n] for n in wanted], allow_unused=True)
    return value.item(), {n: np.zeros_like(tensors[n].detach().numpy()) if g is None else g.numpy()
                          for n, g in zip(wanted, grads)}


def check_program(program: Program, directory) -> None:
    """symdiff's value and gradients of `program`: against numpy's value, finite differences, the
    float32 path and torch; no floating-point error anywhere; the inputs unchanged."""
    module = load_module(directory, program.numpy_source)
    args = program.args
    args32 = [a.astype(np.float32) for a in args]
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        derivation = symdiff.derive(FunctionSource.from_file(module.__file__, "f"), wrt=program.wrt,
                                    shapes=program.shapes)
        value = derivation.compiled("value")(*args)
        grads = derivation.function(*args)
        expected = module.f(*args)
        # finite differences of f carry the rounding noise of its largest intermediate values
        symdiff.check_grad(module.f, args, wrt=program.wrt, grad=derivation.function,
                           atol=FD_NOISE * program.magnitude)
        # the decorator, with shapes read off the call, in float32
        transformed = symdiff.value_and_grad(module.f, wrt=program.wrt)
        value32, grads32 = transformed(*args32)
        grads_at32 = derivation.function(*[a.astype(np.float64) for a in args32])

    rounding = FD_NOISE * program.magnitude
    np.testing.assert_allclose(value, expected, rtol=1e-9, atol=rounding)
    for p, a in zip(program.params, args):
        np.testing.assert_array_equal(a, p.value, err_msg=f"{p.name} was modified")

    assert np.asarray(value32).dtype == np.float32
    for p, g32, g64 in zip(program.params, grads32, grads_at32):
        assert g32.dtype == np.float32, p.name
        scale = max(1.0, float(np.max(np.abs(g64), initial=0)))
        np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-3 * scale, err_msg=f"float32 gradient of {p.name}")

    if torch is not None and len(program.numpy_source) % 3 == 0:  # a sample, on torch CPU tensors (Array API code)
        value_t, grads_t = transformed(*(torch.from_numpy(a) for a in args))
        np.testing.assert_allclose(value_t.numpy(), value, rtol=1e-12, atol=rounding)
        for p, g_t, g in zip(program.params, grads_t, grads):
            assert isinstance(g_t, torch.Tensor), p.name
            np.testing.assert_allclose(g_t.numpy(), g, rtol=1e-10, atol=1e-12 * max(1.0, float(np.max(np.abs(g), initial=0))),
                                       err_msg=f"d/d{p.name} on torch tensors")

    if torch is not None:
        torch_value, torch_grads = torch_value_and_grads(program, args, load_module(directory, program.torch_source))
        np.testing.assert_allclose(value, torch_value, rtol=1e-9, atol=rounding)
        for name, g in zip(program.wrt, grads):
            if name in torch_grads:
                expected_g = torch_grads[name]
                scale = max(1.0, float(np.max(np.abs(expected_g), initial=0)))
                np.testing.assert_allclose(g, expected_g, rtol=1e-7, atol=1e-9 * scale, err_msg=f"d/d{name} vs torch")


@given(program=programs())
def test_random_program(program, program_dir):
    check_program(program, program_dir)
