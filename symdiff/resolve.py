"""What a name in the user's function refers to, without running the function.

A dotted call target (`np.matmul`, `F.binary_cross_entropy_with_logits`, an alias from
`from ... import ... as ...`) resolves, in order, through the live module namespace, the module's
import statements read from its source, and finally the dotted name as written: so torch-spelled
code resolves on a machine without torch.
"""
from __future__ import annotations

import ast
import difflib
import inspect
import math
import sys
import types

from .ops import OPS
from .source import FunctionSource, TransformSpec

MODULE_CONSTANTS = {"numpy.pi": math.pi, "numpy.e": math.e, "math.pi": math.pi, "math.e": math.e,
                    "torch.pi": math.pi, "torch.e": math.e}
CONTEXTS = {"torch.no_grad", "torch.inference_mode"}  # blocks whose values are constants
_LIBRARIES = {"numpy", "torch", "scipy", "symdiff", "jax", "autograd", "math", "builtins"}  # never inlined, but:
_USER_CODE_IN_LIBRARIES = ("symdiff.examples",)

BINARY_OPERATORS = {
    ast.Add: "operator.add",
    ast.Sub: "operator.sub",
    ast.Mult: "operator.mul",
    ast.Div: "operator.truediv",
    ast.MatMult: "operator.matmul",
    ast.Pow: "operator.pow",
}
UNARY_OPERATORS = {ast.USub: "operator.neg", ast.UAdd: "operator.pos"}


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
        namespace = self.source.globals
        if namespace is not None and root in namespace:
            obj = namespace[root]
            if isinstance(obj, types.ModuleType):
                found.append(obj.__name__ + suffix)
            else:
                name = _known_objects().get(id(obj))
                if name is not None:
                    found.append(name + suffix)
        if root in self.source.imports:
            found.append(self.source.imports[root] + suffix)
        found.append(path)
        return found

    def call(self, path: str) -> str | None:
        """The OPS entry a call to `path` means, or None."""
        for name in self.candidates(path):
            if name in OPS:
                return name
        if "." not in path and f"builtins.{path}" in OPS and not self._defined(path):
            return f"builtins.{path}"
        return None

    def _defined(self, name: str) -> bool:
        namespace = self.source.globals
        return (namespace is not None and name in namespace) or name in self.source.imports \
            or name in self.source.functions

    def context(self, path: str) -> str | None:
        """The context manager a `with` names, if it is one symdiff understands."""
        return next((name for name in self.candidates(path) if name in CONTEXTS), None)

    def helper(self, path: str) -> FunctionSource | TransformSpec | None:
        """The source of a plain Python function the call should be inlined from (or what a
        symdiff-transformed function computes), or None."""
        namespace = self.source.globals
        if namespace is not None:
            obj = self._object(path)
            if isinstance(getattr(obj, "spec", None), TransformSpec):
                return obj.spec
            module = obj.__module__ if inspect.isfunction(obj) else ""
            if module and (module.split(".")[0] not in _LIBRARIES or module.startswith(_USER_CODE_IN_LIBRARIES)):
                return FunctionSource.from_function(obj)
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
        """What `path` is and what to do, when it is another autodiff library's differentiable
        function (a custom torch.autograd.Function, a HIPS autograd primitive), else None."""
        obj = self._object(path)
        if getattr(obj, "_is_autograd_primitive", False):
            return ("a HIPS autograd primitive (@primitive): symdiff derives gradients from source and does not "
                    "use the gradient registered with defvjp",
                    "Call a plain `def` helper holding its computation: symdiff inlines it and derives its gradient.")
        cls = getattr(obj, "__self__", obj)  # `Function.apply` is bound to its class
        if inspect.isclass(cls) and any(c.__name__ == "Function" and c.__module__.startswith("torch.autograd")
                                        for c in cls.__mro__):
            return ("a custom torch.autograd.Function: symdiff derives gradients from source and does not run its "
                    "hand-written forward and backward",
                    "Write its forward computation in the function or a plain `def` helper: symdiff derives the "
                    "backward itself.")
        return None

    def describe(self, path: str) -> str:
        """The fullest name `path` is known by, for messages."""
        return self.candidates(path)[0]

    def suggest(self, path: str) -> str | None:
        """A known function `path` may be a misspelling of (`np.softmx` -> `numpy.softmax`), or the
        same function under another library's name; never one that merely looks alike (`max` is
        not `mean`)."""
        module, _, tail = self.describe(path).rpartition(".")
        siblings = [n.rpartition(".")[2] for n in OPS if n.rpartition(".")[0] == module]
        close = difflib.get_close_matches(tail, siblings, n=1, cutoff=0.75)
        if close:
            return f"{module}.{close[0]}"
        same = [n for n in OPS if n.rpartition(".")[2] == tail and not n.startswith(("operator.", "method."))]
        return same[0] if same else None

    def constant(self, path: str):
        """The value of a number or string the function reads from its closure or its module
        (`SCALE`, `np.pi`), else `NOT_CONSTANT`."""
        if "." in path:
            for name in self.candidates(path):
                if name in MODULE_CONSTANTS:
                    return MODULE_CONSTANTS[name]
            return NOT_CONSTANT
        for namespace in (self.source.closure, self.source.globals):
            if namespace is not None and path in namespace:
                value = namespace[path]
                return value if type(value) in (int, float, str) else NOT_CONSTANT
        return self.source.constants.get(path, NOT_CONSTANT)


NOT_CONSTANT = object()
