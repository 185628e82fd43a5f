"""Finding a function's source without running it: its `def`, its file, and what its names mean."""
from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import linecache
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location, SourceError, UnsupportedSyntaxError


@dataclass
class FunctionSource:
    """A function's `def` (absolute positions) and the module context its names resolve in."""

    name: str
    filename: str
    text: str  # the whole module's source
    tree: ast.FunctionDef
    globals: dict | None = None  # the live module namespace, when there is one
    imports: dict[str, str] = field(default_factory=dict)  # alias -> dotted name, read statically
    constants: dict[str, object] = field(default_factory=dict)  # module-level number and string literals
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)  # module-level defs
    closure: dict | None = None  # the live function's free variables: name -> cell, read at each call
    within: str = ""  # the call a helper is being inlined for

    @classmethod
    def from_function(cls, fn, helper: bool = False) -> FunctionSource:
        """The source of a live function; a `lambda` is accepted as a `helper` (a function called)."""
        fn = inspect.unwrap(fn)
        if not inspect.isfunction(fn):
            raise SourceError(
                f"{fn!r} is not a Python function",
                hint="symdiff compiles functions written with `def` in a file or notebook cell.",
            )
        code = fn.__code__
        filename = code.co_filename
        text = "".join(linecache.getlines(filename, fn.__globals__))
        if not text:
            raise SourceError(
                f"the source of `{fn.__qualname__}` is not available ({filename})",
                hint="Define the function in a file or a notebook cell; functions typed at the "
                "interactive prompt keep no source.",
            )
        module = _parse_module(text, filename)
        if helper and fn.__name__ == "<lambda>":
            tree = _find_lambda(module, code, filename, text)
        else:
            tree = _find_def(module, fn.__name__, code.co_firstlineno, filename, text)
        source = cls._make(tree.name, filename, text, module, tree, fn.__globals__)
        source.closure = dict(zip(code.co_freevars, fn.__closure__ or ()))
        return source

    @classmethod
    def from_file(cls, path, name: str) -> FunctionSource:
        filename = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SourceError(f"cannot read {filename}: {exc.strerror}") from None
        module = _parse_module(text, filename)
        tree = _find_def(module, name, None, filename, text)
        return cls._make(name, filename, text, module, tree, None)

    @classmethod
    def from_module(cls, module_name: str, name: str) -> FunctionSource:
        """The function `name` of an importable module, read from its file without importing it."""
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            raise SourceError(f"no Python module named `{module_name}` was found")
        return cls.from_file(spec.origin, name)

    @classmethod
    def _make(cls, name, filename, text, module, tree, globals_) -> FunctionSource:
        imports, constants, functions = _module_context(module)
        return cls(name, filename, text, tree, globals_, imports, constants, functions)

    @property
    def params(self) -> list[str]:
        """The parameter names of the `def`, in order: positional ones, `*args`, keyword-only ones."""
        args = self.tree.args
        return [a.arg for a in args.posonlyargs + args.args + ([args.vararg] if args.vararg else []) + args.kwonlyargs]

    @property
    def vararg(self) -> str | None:
        return self.tree.args.vararg.arg if self.tree.args.vararg else None

    def defaults(self) -> dict[str, ast.expr]:
        """Each parameter with a default, and the default's expression."""
        args = self.tree.args
        positional = args.posonlyargs + args.args
        found = {a.arg: d for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults)}
        found.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        return found

    def location(self, node: ast.AST) -> Location:
        return Location(self.filename, node.lineno, node.col_offset, self.segment(node), self.within)

    def segment(self, node: ast.AST) -> str:
        """The source text of a node (`ast.get_source_segment`, without splitting the whole module
        again for every node)."""
        lines = _encoded_lines(self.text)
        if getattr(node, "end_lineno", None) is None:
            return ""
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return lines[first][node.col_offset:node.end_col_offset].decode()
        parts = [lines[first][node.col_offset:], *lines[first + 1:last], lines[last][:node.end_col_offset]]
        return b"".join(parts).decode()

    def helper(self, name: str) -> FunctionSource:
        """The module-level function `name`, in the same module context."""
        return FunctionSource(
            name, self.filename, self.text, self.functions[name], self.globals,
            self.imports, self.constants, self.functions, None,
        )


@dataclass(frozen=True)
class TransformSpec:
    """What a symdiff-transformed function computes, so that a function calling it can be compiled
    too (the gradient of a function that uses a gradient)."""

    kind: str
    source: FunctionSource
    wrt: tuple[str, ...]
    single: bool
    has_aux: bool


@functools.lru_cache(maxsize=64)
def _encoded_lines(text: str) -> list[bytes]:
    """A module's lines as UTF-8 (ast's column offsets count bytes), line ends kept."""
    return [line.encode() for line in text.splitlines(keepends=True)]


def _parse_module(text: str, filename: str) -> ast.Module:
    try:
        return ast.parse(text, filename)
    except SyntaxError as exc:
        location = Location(filename, exc.lineno or 0, (exc.offset or 1) - 1, exc.text or "")
        raise SourceError(f"the file does not parse: {exc.msg}", location=location) from None


def _find_def(module: ast.Module, name: str, firstlineno: int | None, filename: str, text: str):
    candidates = [
        node for node in ast.walk(module)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        and getattr(node, "name", "<lambda>") == name
    ]
    if firstlineno is not None:
        candidates = [n for n in candidates if firstlineno in _def_lines(n)] or candidates
    else:
        candidates = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not candidates:
        raise SourceError(f"no function `{name}` is defined in {filename}")
    tree = candidates[0]
    if not isinstance(tree, ast.FunctionDef):
        kind = "a lambda" if isinstance(tree, ast.Lambda) else "an async function"
        raise UnsupportedSyntaxError(
            f"`{name}` is {kind}",
            location=Location(filename, tree.lineno, tree.col_offset, ast.get_source_segment(text, tree) or ""),
            hint="Write it as a plain `def` with a `return` statement.",
        )
    return tree


def _find_lambda(module: ast.Module, code, filename: str, text: str) -> ast.FunctionDef:
    """The `lambda` of a code object, as the `def` it stands for."""
    params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    candidates = [
        node for node in ast.walk(module)
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno
        and [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs] == params
    ]
    if not candidates:
        raise SourceError(f"the source of a lambda on line {code.co_firstlineno} of {filename} was not found")
    return lambda_def(candidates[0])


def lambda_def(node: ast.Lambda) -> ast.FunctionDef:
    """A `lambda` as the `def` it stands for (`def <lambda at line 3>(x): return body`)."""
    body = [ast.copy_location(ast.Return(node.body), node.body)]
    tree = ast.FunctionDef(name=f"<lambda at line {node.lineno}>", args=node.args, body=body, decorator_list=[])
    return ast.copy_location(tree, node)


def _def_lines(node) -> set[int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return set(range(first, node.lineno + 1))


def _module_context(module: ast.Module):
    """Import aliases, literal constants and function definitions at the module's top level."""
    imports: dict[str, str] = {}
    constants: dict[str, object] = {}
    functions: dict[str, ast.FunctionDef] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    imports[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            value = _literal(node.value)
            if value is not None:
                constants[node.targets[0].id] = value
    return imports, constants, functions


def _literal(node: ast.expr):
    """The value of a number or string literal (`-1.5`, `"sum"`), else None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if type(value) in (int, float, str) else None


_DIM_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|[0-9]+")


def annotated_shapes(source: FunctionSource) -> dict[str, tuple]:
    """Shapes from string annotations in the jaxtyping convention: `x: "N D"`, `Float[np.ndarray, "N D"]`."""
    shapes = {}
    for arg in source.tree.args.posonlyargs + source.tree.args.args:
        ann = arg.annotation
        if isinstance(ann, ast.Subscript):
            ann = ann.slice
            if isinstance(ann, ast.Tuple) and ann.elts:
                ann = ann.elts[-1]
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            shapes[arg.arg] = parse_shape(ann.value, source.location(arg.annotation))
    return shapes


def parse_shape(text: str, location: Location | None = None) -> tuple:
    """`"N D"` or `"N,D"` -> ("N", "D"); digits become ints; `""` is a scalar."""
    parts = [p for p in re.split(r"[\s,]+", text.strip().strip("()")) if p]
    dims = []
    for part in parts:
        if not _DIM_NAME.fullmatch(part):
            raise UnsupportedSyntaxError(
                f"cannot read the dimension {part!r} in the shape {text!r}",
                location=location,
                hint='Write shapes as dimension names and sizes separated by spaces, e.g. "N D" or "K 1".',
            )
        dims.append(int(part) if part.isdigit() else part)
    return tuple(dims)
