"""Front-end fuzzing: random Python sources, and mutations of the project's own examples and of the
functions in its tests, either compile (derive, emit and exec the generated module) or raise a
`symdiff.SymdiffError`: never another exception, never a hang.

Sources are read by symdiff, never imported or run here, so mutations may write anything.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import re
import signal
import textwrap
import tokenize
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symdiff
from symdiff.source import FunctionSource

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 30  # seconds per case: far above any real derivation, so only a hang trips it
HEADER = "import numpy as np\nimport torch\nimport symdiff.functional as F\n\n\n"

class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise `Hang` in the main thread if the block runs longer than `seconds`."""
    def interrupt(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _params(text: str, name: str) -> list[str] | None:
    """The parameters of `name` in `text`, if it parses and defines it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            args = node.args
            return [a.arg for a in args.posonlyargs + args.args]
    return None


def compile_or_refuse(directory: Path, text: str, name: str, shape_kind: str) -> None:
    """Derive `name` in `text` for all its parameters with shapes of `shape_kind`, emit and exec the
    generated module; refusals must be SymdiffErrors."""
    path = directory / "fuzzed.py"
    path.write_text(text, encoding="utf-8")
    params = _params(text, name) or []
    shape = {"scalar": (), "vector": ("N",), "square": ("N", "N")}.get(shape_kind)
    shapes = {p: shape if shape is not None else ("N", "D")[: i % 3] for i, p in enumerate(params)}
    try:
        with time_limit(TIME_LIMIT):
            derivation = symdiff.derive(FunctionSource.from_file(path, name), wrt=tuple(params) or None, shapes=shapes)
            assert callable(derivation.function) and derivation.source
    except symdiff.SymdiffError as exc:
        assert str(exc).strip(), "an error without a message"


# -- seeds: the project's examples and the functions its tests compile -------------------------


def _module_seeds(text: str) -> list[tuple[str, str]]:
    """(module text, function name) for each plain top-level function of a module: its imports, the
    helpers beside it and the function itself."""
    tree = ast.parse(text)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.decorator_list
                 and not n.name.startswith("test_")]
    seeds = []
    for fn in functions:
        if not any(isinstance(n, ast.Return) for n in fn.body):
            continue
        module = ast.Module(imports + [f for f in functions if f is not fn] + [fn], type_ignores=[])
        seeds.append((ast.unparse(module) + "\n", fn.name))
    return seeds


def _string_seeds(text: str) -> list[tuple[str, str]]:
    """Function sources written as strings in a test file (SPELLINGS, REFUSED...)."""
    seeds = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "def " in node.value:
            source = textwrap.dedent(node.value)
            try:
                seeds += _module_seeds(HEADER + source)
            except SyntaxError:
                continue
    return seeds


def _seeds() -> list[tuple[str, str]]:
    seeds = []
    for path in sorted((ROOT / "symdiff" / "examples").glob("*.py")):
        seeds += _module_seeds(path.read_text())
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        text = path.read_text()
        seeds += _module_seeds(text) + _string_seeds(text)
    return seeds


SEEDS = _seeds()


def test_the_seed_corpus_covers_examples_and_tests():
    names = {name for _, name in SEEDS}
    assert {"loss", "mlp"} <= names  # symdiff/examples
    assert len(SEEDS) >= 50, len(SEEDS)


# -- mutations -------------------------------------------------------------------------------

NAMES = ["x", "w", "b", "y", "z", "np", "F", "torch", "undefined", "self", "__builtins__", "True"]
CALLS = ["np.exp", "np.log", "np.matmul", "np.dot", "np.sum", "np.mean", "np.maximum", "np.where", "np.linalg.norm",
         "np.concatenate", "F.relu", "F.softmax", "F.cross_entropy", "F.logsumexp", "F.mse_loss", "torch.mm",
         "torch.nn.functional.relu", "torch.softmax", "len", "print", "getattr", "eval", "x.sum", "x.reshape",
         "x.T.dot", "helper", "np.random.randn", "F.binary_cross_entropy_with_logits"]
CONSTANTS = [0, 1, -1, 2, 0.5, -0.0, 10**309, 1e308, 1e999, -1e-320, 3 + 4j, True, None, "mean", "sum", "none",
             "bogus", b"bytes", ..., (0, 1), (0, 0), (-1,), ()]
KEYWORDS = ["axis", "dim", "keepdims", "keepdim", "reduction", "weight", "pos_weight", "dtype", "out", "label_smoothing",
            "beta", "alpha", "b", "return_sign", "inplace", "size_average"]
CONSTRUCTS = [  # statements to insert, with {x} for a name in scope
    "if {x}:\n    {x} = {x} + 1", "for i in range(3):\n    {x} = {x} @ {x}", "while {x}:\n    pass",
    "with open('f') as h:\n    pass", "try:\n    {x} = 1\nexcept Exception:\n    pass", "assert {x}",
    "del {x}", "global {x}", "nonlocal {x}", "import os", "from os import path", "{x} = lambda v: v", "{x}[0] = 1",
    "{x}.attr = 1", "{x}, y = {x}, {x}", "{x} = [v for v in {x}]", "{x} = {{1: {x}}}", "{x} = f'{{{x}}}'",
    "{x} = ({x} := 2)", "{x} = {x} if {x} else {x}", "{x} = {x}[1:2]", "{x} = {x} < {x} < {x}", "{x} = not {x}",
    "{x} = ~{x}", "{x} = {x} // 2", "{x} = {x} % 2", "{x} = {x} and {x}", "yield {x}", "{x} = await {x}",
    "{x} = *{x},", "raise ValueError({x})", "class C:\n    pass", "def g():\n    return 1", "{x}: int",
    "{x}: float = {x}", "{x} @= {x}", "{x} **= 2", "{x} = {x} = {x}", "return", "return {x}", "{x}.sum()",
    "pass", "print({x})", "{x} = F.softmax({x})", "{x} = np.maximum({x}, {x}.T)", "{x} = {x}.T.T.T",
    "{x} = {x} ** {x}", "{x} = 2 ** {x}", "{x} = {x} / 0", "{x} = np.log(0)", "break", "continue",
]
SIGNATURES = ["(*args)", "(x, *ws)", "(x, **kw)", "(x, *, w)", "(x, /, w)", "(x, w=1)", "(x, w=np.ones(3))",
              "(np, w)", "(x, x)", "()", "(x: 'N D', w: 'D K')", "(x: 'N, 3', w: '(3,)')", "(x: 'N?', w)",
              "(x: 'N D E F G', w: 'D')", "(x: Float[np.ndarray, 'N D'], w: 'D')", "(self, x)"]


class Mutator:
    """One random mutation of a module's function `name`, by AST edits or token edits."""

    def __init__(self, draw, text: str, name: str):
        self.draw, self.text, self.name = draw, text, name

    def choice(self, options):
        return self.draw(st.sampled_from(list(options)))

    def __call__(self) -> str:
        kind = self.choice(["ast", "ast", "ast", "tokens", "signature"])
        text = self.text
        for _ in range(self.draw(st.integers(1, 3))):
            text = getattr(self, kind)(text)
        return text

    # -- token edits: mostly unparsable text, the SourceError path -----------------------------
    def tokens(self, text: str) -> str:
        spans = []
        with contextlib.suppress(tokenize.TokenError, SyntaxError):  # earlier edits may have broken it
            for t in tokenize.generate_tokens(io.StringIO(text).readline):
                if t.string.strip():
                    spans.append((t.start, t.end, t.string))
        if not spans:
            return text
        lines = text.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))

        def at(position):
            return offsets[position[0] - 1] + position[1]

        i = self.draw(st.integers(0, len(spans) - 1))
        j = self.draw(st.integers(0, len(spans) - 1))
        start, end = at(spans[i][0]), at(spans[i][1])
        edit = self.choice(["delete", "duplicate", "swap", "replace", "insert"])
        if edit == "delete":
            return text[:start] + text[end:]
        if edit == "duplicate":
            return text[:end] + " " + spans[i][2] + text[end:]
        if edit == "swap" and i != j:
            (a, b), (c, d) = sorted([(start, end), (at(spans[j][0]), at(spans[j][1]))])
            return text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
        replacement = self.choice(["(", ")", ":", ",", "@", "**", "\t", "\x00", "\\", "'", '"""', "\n", "é", "λ",
                                   "return", "def", "lambda", "1e", "0x", "#", ";", "..."] + NAMES)
        if edit == "insert":
            return text[:start] + replacement + text[start:]
        return text[:start] + replacement + text[end:]

    # -- signature edits ------------------------------------------------------------------------
    def signature(self, text: str) -> str:
        return re.sub(rf"def {self.name}\([^)]*\)", f"def {self.name}{self.choice(SIGNATURES)}", text, count=1)

    # -- AST edits: the validation, shape and emission paths ----------------------------------
    def ast(self, text: str) -> str:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return text
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == self.name)
        edit = self.choice([self.statements, self.expression, self.expression, self.insert])
        edit(fn)
        ast.fix_missing_locations(tree)
        try:
            return ast.unparse(tree) + "\n"
        except ValueError:  # an edit inside an f-string that ast cannot write back
            return text

    def statements(self, fn: ast.FunctionDef) -> None:
        """Delete, duplicate or swap statements."""
        body = fn.body
        i, j = (self.draw(st.integers(0, len(body) - 1)) for _ in range(2))
        edit = self.choice(["delete", "duplicate", "swap", "reverse"])
        if edit == "delete" and len(body) > 1:
            del body[i]
        elif edit == "duplicate":
            body.insert(j, copy.deepcopy(body[i]))
        elif edit == "swap":
            body[i], body[j] = body[j], body[i]
        else:
            body.reverse()

    def insert(self, fn: ast.FunctionDef) -> None:
        """Insert a construct (refused or not) at a random place."""
        names = [a.arg for a in fn.args.args] or ["x"]
        construct = self.choice(CONSTRUCTS).format(x=self.choice(names))
        fn.body.insert(self.draw(st.integers(0, len(fn.body))), *ast.parse(construct).body[:1])

    def expression(self, fn: ast.FunctionDef) -> None:
        """Replace a name, a constant, a call, an operator or a subtree; add or drop a keyword."""
        nodes = [n for n in ast.walk(fn) if isinstance(n, ast.expr)]
        if not nodes:
            return
        node = self.choice(nodes)
        edit = self.choice(["name", "constant", "call", "operator", "subtree", "keyword"])
        replacement = None
        if edit == "name":
            replacement = ast.Name(self.choice(NAMES), ast.Load())
        elif edit == "constant":
            value = self.choice(CONSTANTS)
            replacement = ast.parse(repr(value), mode="eval").body if isinstance(value, (tuple, complex)) \
                or value in (10**309, 1e999) else ast.Constant(value)
        elif edit == "call":
            args = [copy.deepcopy(self.choice(nodes)) for _ in range(self.draw(st.integers(0, 3)))]
            replacement = ast.Call(ast.parse(self.choice(CALLS), mode="eval").body, args, [])
        elif edit == "subtree":
            replacement = copy.deepcopy(self.choice(nodes))
        elif edit == "operator" and isinstance(node, ast.BinOp):
            node.op = self.choice([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.FloorDiv, ast.Mod,
                                   ast.LShift, ast.BitAnd, ast.BitXor])()
        elif edit == "operator" and isinstance(node, ast.UnaryOp):
            node.op = self.choice([ast.USub, ast.UAdd, ast.Invert, ast.Not])()
        elif edit == "keyword" and isinstance(node, ast.Call):
            if node.keywords and self.draw(st.booleans()):
                node.keywords.pop()
            else:
                value = self.choice(CONSTANTS)
                node.keywords.append(ast.keyword(self.choice(KEYWORDS), ast.parse(repr(value), mode="eval").body
                                                 if isinstance(value, (tuple, complex)) or value in (10**309, 1e999)
                                                 else ast.Constant(value)))
        if replacement is not None:
            _Replace(node, replacement).visit(fn)


class _Replace(ast.NodeTransformer):
    def __init__(self, old: ast.AST, new: ast.AST):
        self.old, self.new = old, new

    def generic_visit(self, node):
        if node is self.old:
            return self.new
        return super().generic_visit(node)


@st.composite
def mutated_sources(draw) -> tuple[str, str]:
    text, name = draw(st.sampled_from(SEEDS))
    return Mutator(draw, text, name)(), name


# -- random sources ----------------------------------------------------------------------------

def _expressions(names: list[str]):
    leaves = st.one_of(
        st.sampled_from(names + ["np.pi", "np.e", "undefined"]),
        st.sampled_from(CONSTANTS).map(repr),
        st.floats(allow_nan=False).map(repr),
        st.integers(-10**20, 10**20).map(str),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "@", "//", "%", "<", "==", "and", "|"]),
                      inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+", "~", "not "]), inner).map("".join),
            st.tuples(st.sampled_from(CALLS), st.lists(inner, max_size=3),
                      st.lists(st.tuples(st.sampled_from(KEYWORDS), inner), max_size=2, unique_by=lambda kv: kv[0]))
            .map(lambda t: f"{t[0]}({', '.join(t[1] + [f'{k}={v}' for k, v in t[2]])})"),
            st.tuples(inner, st.sampled_from([".T", ".sum()", ".mean(axis=0)", "[0]", "[:, None]", ".shape", ".dot(x)"]))
            .map("".join),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.lists(inner, min_size=2, max_size=3).map(lambda es: f"({', '.join(es)})"),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@st.composite
def random_sources(draw) -> tuple[str, str]:
    params = draw(st.lists(st.sampled_from(["x", "w", "b", "y"]), min_size=1, max_size=3, unique=True))
    names = params + ["h"]
    expressions = _expressions(names)
    statements = draw(st.lists(st.one_of(
        st.tuples(st.sampled_from(names), st.sampled_from(["=", "+=", "*=", "@="]), expressions)
        .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(CONSTRUCTS), st.sampled_from(names)).map(lambda t: t[0].format(x=t[1])),
    ), max_size=4))
    ending = f"return {draw(expressions)}" if draw(st.sampled_from([True, True, True, False])) else ""
    body = textwrap.indent("\n".join(statements + [ending]).strip() or "pass", "    ")
    return HEADER + f"def f({', '.join(params)}):\n{body}\n", "f"


SHAPE_KINDS = st.sampled_from(["scalar", "vector", "square", "mixed"])


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@given(source=mutated_sources(), shape_kind=SHAPE_KINDS)
def test_mutated_sources_compile_or_raise_symdiff_errors(source, shape_kind, fuzz_dir):
    compile_or_refuse(fuzz_dir, *source, shape_kind)


@given(source=random_sources(), shape_kind=SHAPE_KINDS)
def test_random_sources_compile_or_raise_symdiff_errors(source, shape_kind, fuzz_dir):
    compile_or_refuse(fuzz_dir, *source, shape_kind)


@pytest.mark.parametrize("text, name", SEEDS, ids=[f"{i}-{name}" for i, (_, name) in enumerate(SEEDS)])
def test_unmutated_seeds_compile_or_raise_symdiff_errors(fuzz_dir, text, name):
    compile_or_refuse(fuzz_dir, text, name, "square")
