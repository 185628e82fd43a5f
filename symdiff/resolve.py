"""What a name in the user's function refers to, without running the function.

A dotted call target (`np.matmul`, `F.binary_cross_entropy_with_logits`, an alias from
`from ... import ... as ...`, `matmul = np.matmul`) resolves, in order, through the live closure
and module namespace, the module's import statements read from its source, and finally the dotted
name as written: so torch-spelled code resolves on a machine without torch. autograd's and JAX's
numpy wrappers mean numpy's functions. Free names are looked up in the live closure cells and
module namespace each time they are read (`lookup`, `fetcher`), so values are current at each call.
"""
from __future__ import annotations

import ast
import difflib
import inspect
import math
import sys
import types

from .ops import OPS, REFUSED, Bound, DType
from .ops.modules import loss_module
from .source import FunctionSource, TransformSpec
from .static import BUILTINS

MODULE_CONSTANTS = {"numpy.pi": math.pi, "numpy.e": math.e, "math.pi": math.pi, "math.e": math.e,
                    "torch.pi": math.pi, "torch.e": math.e, "numpy.inf": math.inf, "math.inf": math.inf,
                    "torch.inf": math.inf, "numpy.newaxis": None,
                    **{f"numpy.{t}": DType(t) for t in ("float16", "float32", "float64", "bool_", "int32", "int64")},
                    **{f"torch.{t}": DType(t) for t in ("float16", "float32", "float64", "float", "double", "bool",
                                                         "int32", "int64", "long")}}
_BUILTIN_DTYPES = ("bool", "float", "int")  # builtins that name dtypes as values: `x.astype(bool)`
CONTEXTS = {"torch.no_grad", "torch.inference_mode"}  # blocks whose values are constants
_LIBRARIES = {"numpy", "torch", "scipy", "symdiff", "jax", "autograd", "math", "builtins"}  # never inlined, but:
_USER_CODE_IN_LIBRARIES = ("symdiff.examples",)

#: Libraries whose functions mean numpy's and scipy's (autograd's and JAX's numpy wrappers).
_SPELLINGS = {"autograd.numpy.": "numpy.", "autograd.scipy.": "scipy.", "jax.numpy.": "numpy.",
              "jax.scipy.": "scipy.", "jax.nn.": "symdiff.functional."}

BINARY_OPERATORS = {
    ast.Add: "operator.add",
    ast.Sub: "operator.sub",
    ast.Mult: "operator.mul",
    ast.Div: "operator.truediv",
    ast.MatMult: "operator.matmul",
    ast.Pow: "operator.pow",
    ast.BitAnd: "operator.and_",
    ast.BitOr: "operator.or_",
}
UNARY_OPERATORS = {ast.USub: "operator.neg", ast.UAdd: "operator.pos", ast.Invert: "operator.invert"}
COMPARE_OPERATORS = {
    ast.Gt: "operator.gt",
    ast.GtE: "operator.ge",
    ast.Lt: "operator.lt",
    ast.LtE: "operator.le",
    ast.Eq: "operator.eq",
    ast.NotEq: "operator.ne",
}
#: Operators on values known at compile time only (`N // 2`).
STATIC_OPERATORS = {ast.FloorDiv: "operator.floordiv", ast.Mod: "operator.mod"}


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _known_objects() -> dict[int, str]:
    """Objects of already-imported modules that have an entry in OPS, by identity."""
    known = {}
    for name in OPS:
        module_name, _, attr = name.rpartition(".")
        module = sys.modules.get(module_name)
        obj = getattr(module, attr, None) if module is not None else None
        if obj is not None:
            known.setdefault(id(obj), name)
    return known


class Resolver:
    """Resolves the names a function's body uses, in its module's context."""

    def __init__(self, source: FunctionSource):
        self.source = source

    def candidates(self, path: str) -> list[str]:
        """Canonical dotted names `path` may stand for, most trusted first."""
        root, _, rest = path.partition(".")
        suffix = f".{rest}" if rest else ""
        found = []
        found_root, obj = self.lookup(root)
        if found_root:
            if isinstance(obj, types.ModuleType):
                found.append(obj.__name__ + suffix)
            else:
                name = _known_objects().get(id(obj))
                if name is not None:
                    found.append(name + suffix)
        if root in self.source.imports:
            found.append(self.source.imports[root] + suffix)
        found.append(path)
        return found + [alias + name[len(prefix):] for name in found for prefix, alias in _SPELLINGS.items()
                        if name.startswith(prefix)]

    def call(self, path: str) -> str | None:
        """The OPS entry a call to `path` means, or None."""
        for name in self.candidates(path):
            if name in OPS:
                return name
        if "." not in path and f"builtins.{path}" in OPS and not self._defined(path):
            return f"builtins.{path}"
        return None

    def _defined(self, name: str) -> bool:
        return self.lookup(name)[0] or name in self.source.imports or name in self.source.functions

    def lookup(self, name: str) -> tuple[bool, object]:
        """(found, value) of a free name in the live closure, then the live module namespace."""
        cells = self.source.closure or {}
        if name in cells:
            try:
                return True, cells[name].cell_contents
            except ValueError:  # an empty cell: the name is assigned after the function is defined
                return False, None
        namespace = self.source.globals
        if namespace is not None and name in namespace:
            return True, namespace[name]
        return False, None

    def fetcher(self, name: str):
        """A function reading the free name's current value (at each call of the compiled function)."""
        cells = self.source.closure or {}
        if name in cells:
            cell = cells[name]
            return lambda call: cell.cell_contents
        namespace = self.source.globals
        return lambda call: namespace[name]

    def builtin(self, path: str) -> str | None:
        """The Python builtin a call to `path` means (`len`, `range`...), unless the name is taken."""
        return path if path in BUILTINS and not self._defined(path) else None

    def function(self, obj) -> str | FunctionSource | TransformSpec | Bound | None:
        """What calling the live object `obj` means: an OPS entry, a helper to inline, a transform, a
        loss module's functional loss."""
        name = _known_objects().get(id(obj))
        if name is not None:
            return name
        loss = loss_module(obj)
        if loss is not None:
            return loss
        if isinstance(getattr(obj, "spec", None), TransformSpec):
            return obj.spec
        module = obj.__module__ if inspect.isfunction(obj) else ""
        if module and (module.split(".")[0] not in _LIBRARIES or module.startswith(_USER_CODE_IN_LIBRARIES)):
            return FunctionSource.from_function(obj, helper=True)
        return None

    def context(self, path: str) -> str | None:
        """The context manager a `with` names, if it is one symdiff understands."""
        return next((name for name in self.candidates(path) if name in CONTEXTS), None)

    def helper(self, path: str) -> FunctionSource | TransformSpec | None:
        """The source of a plain Python function the call should be inlined from (or what a
        symdiff-transformed function computes), or None."""
        found, obj = self.lookup(path.split(".")[0])
        if found:
            for attr in path.split(".")[1:]:
                obj = getattr(obj, attr, None)
            target = self.function(obj)
            if target is not None and not isinstance(target, str):
                return target
            if obj is not None:
                return None
        if path in self.source.functions:
            return self.source.helper(path)
        return None

    def _object(self, path: str):
        """The live object `path` names in the module namespace, or None."""
        obj = (self.source.globals or {}).get(path.split(".")[0])
        for attr in path.split(".")[1:]:
            obj = getattr(obj, attr, None)
        return obj

    def foreign(self, path: str) -> tuple[str, str] | None:
        """What `path` is and what to do, when it names another autodiff library's function."""
        return foreign_function(self._object(path))

    def describe(self, path: str) -> str:
        """The fullest name `path` is known by, for messages."""
        return self.candidates(path)[0]

    def suggest(self, path: str) -> str | None:
        """A known function `path` may be a misspelling of (`np.softmx` -> `numpy.softmax`), or the
        same function under another library's name; never one that merely looks alike (`max` is
        not `mean`), nor one symdiff refuses."""
        module, _, tail = self.describe(path).rpartition(".")
        siblings = [n.rpartition(".")[2] for n in OPS if n.rpartition(".")[0] == module and n not in REFUSED]
        close = difflib.get_close_matches(tail, siblings, n=1, cutoff=0.75)
        if close:
            return f"{module}.{close[0]}"
        same = [n for n in OPS if n.rpartition(".")[2] == tail and not n.startswith(("operator.", "method."))]
        return same[0] if same else None

    def constant(self, path: str):
        """The value of a number or string the function reads from its closure or its module
        (`SCALE`, `np.pi`), or of a dtype (`np.float32`, `bool`), else `NOT_CONSTANT`."""
        if "." in path:
            for name in self.candidates(path):
                if name in MODULE_CONSTANTS:
                    return MODULE_CONSTANTS[name]
            return NOT_CONSTANT
        found, value = self.lookup(path)
        if found:
            return value if type(value) in (int, float, str) else NOT_CONSTANT
        if path in _BUILTIN_DTYPES and not self._defined(path):
            return DType(path)
        return self.source.constants.get(path, NOT_CONSTANT)

    def is_module(self, root: str) -> bool:
        """Whether a dotted path's root names a module (`np`), so `np.pi` is read statically."""
        found, obj = self.lookup(root)
        return isinstance(obj, types.ModuleType) if found else root in self.source.imports


def foreign_function(obj) -> tuple[str, str] | None:
    """What `obj` is and what to do, when it is another autodiff library's differentiable function
    (a custom torch.autograd.Function, a HIPS autograd primitive), else None."""
    if getattr(obj, "_is_autograd_primitive", False):
        return ("a HIPS autograd primitive (@primitive): symdiff derives gradients from source and does not "
                "use the gradient registered with defvjp",
                "Call a plain `def` helper holding its computation: symdiff inlines it and derives its gradient.")
    if any(c.__name__ == "Module" and c.__module__ == "torch.nn.modules.module" for c in type(obj).__mro__):
        return (f"a torch.nn.Module ({type(obj).__name__}), which holds its parameters inside: symdiff compiles "
                "functions of arrays", "Write its forward computation as a function of its weights (`F.linear(x, "
                "W, b)` for nn.Linear) and pass them in as parameters; of the modules, symdiff calls loss modules.")
    cls = getattr(obj, "__self__", obj)  # `Function.apply` is bound to its class
    if inspect.isclass(cls) and any(c.__name__ == "Function" and c.__module__.startswith("torch.autograd")
                                    for c in cls.__mro__):
        return ("a custom torch.autograd.Function: symdiff derives gradients from source and does not run its "
                "hand-written forward and backward",
                "Write its forward computation in the function or a plain `def` helper: symdiff derives the "
                "backward itself.")
    return None


NOT_CONSTANT = object()
