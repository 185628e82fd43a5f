"""A call's arguments as inputs of the generated code, and its results in the arguments' structure.

Each parameter's argument is one of:

* an array (numpy array, tensor, number, or a nested list of numbers): one input;
* a tree (JAX's convention: lists, tuples, dicts, NamedTuples, dataclasses holding arrays, nested):
  one input per leaf, named `params_0_W`; bools, ints, strings and None inside it are compiled in;
* a static value: the argument of a parameter with a default, when it is a bool, int, float, string,
  None or a function (`training=False`, `act=np.tanh`), and not differentiated: compiled in, one
  derivation per value;
* an object (`self`, a model instance): its attributes are read at each call, as constants.

The structure (a `TreeDef` per parameter, static values included) is part of the cache key.
"""
from __future__ import annotations

import numpy as np

from .derivation import Wrt
from .errors import InputTypeError, WrtError
from .trees import LEAF, STATIC_TYPES, TreeDef, flatten, is_tree, leaf_names, unflatten


def is_object(value) -> bool:
    """An argument that is neither array-like, a number, a string, None nor a tree: read by attribute."""
    return not (isinstance(value, (np.ndarray, np.generic, int, float, complex, str, bytes, type(None)))
                or is_tree(value) or isinstance(value, (list, tuple, dict)) or hasattr(value, "__array__")
                or callable(value)) and hasattr(value, "__dict__")


def _nested(value) -> TreeDef:
    return TreeDef("static", value=value) if isinstance(value, STATIC_TYPES) else LEAF


def structure(value, *, has_default: bool, differentiated: bool, vararg: bool = False) -> tuple[TreeDef, list]:
    """The TreeDef of one parameter's argument and its leaves (not yet converted to arrays)."""
    if vararg:
        parts = [structure(v, has_default=False, differentiated=differentiated) for v in value]
        tree = TreeDef("tuple", tuple, tuple(range(len(parts))), tuple(t for t, _ in parts))
        return tree, [leaf for _, leaves in parts for leaf in leaves]
    if differentiated:
        if is_object(value) or callable(value) and not hasattr(value, "__array__"):
            raise WrtError(f"a differentiated argument is {type(value).__name__} {value!r}, not an array",
                           hint="Differentiate with respect to arrays or trees of arrays.")
        leaves, tree = flatten(value, lambda v: LEAF) if is_tree(value) else ([value], LEAF)
        return tree, leaves
    if has_default and not hasattr(value, "__array__") and (
            isinstance(value, STATIC_TYPES + (float,)) or callable(value)):
        return TreeDef("static", value=value), []
    if is_object(value):
        return TreeDef("object", type(value)), []
    if is_tree(value):
        leaves, tree = flatten(value, _nested)
        return tree, leaves
    return LEAF, [value]


def flat_wrt(wrt: Wrt, layout: dict[str, TreeDef]) -> Wrt:
    """The leaf parameters to differentiate; a tuple of them when a `wrt` parameter is a tree."""
    names = tuple(n for w in wrt.names for n in leaf_names(w, layout[w]))
    trees = any(not layout[w].is_leaf for w in wrt.names)
    if not names:
        raise WrtError(f"wrt={wrt.names!r} names no arrays", hint="Differentiate with respect to arrays.")
    return Wrt(names, wrt.single and not trees)


class Packer:
    """Results per leaf packed back into the structure of the `wrt` arguments (lists stay lists,
    dicts dicts with the same keys, NamedTuples the same type)."""

    def __init__(self, kind: str, wrt: Wrt, layout: dict[str, TreeDef], has_aux: bool):
        self.kind, self.wrt, self.has_aux = kind, wrt, has_aux
        self.trees = [layout[w] for w in wrt.names]

    def grads(self, flat):
        out, i = [], 0
        for tree in self.trees:
            out.append(unflatten(tree, flat[i:i + tree.num_leaves]))
            i += tree.num_leaves
        return out[0] if self.wrt.single else tuple(out)

    def __call__(self, result):
        kind = self.kind
        if kind == "grad":
            return (self.grads(result[0]), result[1]) if self.has_aux else self.grads(result)
        if kind == "value_and_grad":
            return result[0], self.grads(result[1])
        if kind == "hessian":
            return self.grads(tuple(self.grads(row) for row in result))
        if kind in ("vjp", "jacobian", "hvp"):
            return self.grads(result if isinstance(result, tuple) else (result,))
        return result

    def tangents(self, extra: tuple) -> list:
        """One tangent (or vector) per `wrt` argument, flattened like the argument."""
        flat = []
        for name, tree, value in zip(self.wrt.names, self.trees, extra):
            leaves, got = flatten(value, lambda v: LEAF) if not tree.is_leaf else ([value], LEAF)
            if got != tree:
                raise InputTypeError(f"the tangent for `{name}` is not structured like `{name}`",
                                     hint="Pass a tangent of the same structure (lists, dicts, keys) as the argument.")
            flat += leaves
        return flat
