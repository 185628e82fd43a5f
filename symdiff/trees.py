"""Parameter trees in JAX's convention: lists, tuples, dicts, NamedTuples and dataclasses of arrays,
nested. A tree is flattened into its leaf arrays and a hashable `TreeDef` (the types, keys and
lengths, and the values of static leaves) that rebuilds it, so that gradients come back in the
structure the arguments came in.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .names import identifier

#: Python values compiled in rather than passed as arrays (the static leaves of a tree).
STATIC_TYPES = (bool, int, str, type(None))


@dataclass(frozen=True)
class TreeDef:
    """The structure of a tree. `kind` is "leaf" (an array), "static" (a Python value compiled in:
    `value`), "object" (any other object, read attribute by attribute), or a container: "list",
    "tuple", "dict", "namedtuple" or "dataclass" with `keys` and `children`."""

    kind: str
    type: type | None = None
    keys: tuple = ()
    children: tuple = ()
    value: object = None

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf"

    @property
    def num_leaves(self) -> int:
        return 1 if self.is_leaf else sum(c.num_leaves for c in self.children)

    def paths(self, prefix: tuple = ()) -> list[tuple]:
        """The key path of each leaf, in order."""
        if self.is_leaf:
            return [prefix]
        return [p for k, c in zip(self.keys, self.children) for p in c.paths(prefix + (k,))]


LEAF = TreeDef("leaf")


def is_tree(value) -> bool:
    """Whether `value` is a tree: a dict, NamedTuple or dataclass, or a list or tuple holding arrays
    or trees (nested lists of plain numbers are one array, as numpy makes them)."""
    if isinstance(value, dict) or _is_namedtuple(value) or (
            dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return True
    return isinstance(value, (list, tuple)) and any(is_tree(v) or hasattr(v, "__array__") for v in value)


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def flatten(value, classify) -> tuple[list, TreeDef]:
    """The leaves of `value` and its structure; `classify(leaf)` returns a TreeDef for a non-container
    (`LEAF` for an array, a static or object TreeDef otherwise). Lists and tuples of plain numbers
    are one array leaf, as numpy makes them."""
    if isinstance(value, dict):
        keys = tuple(value)
        items = [value[k] for k in keys]
        kind, type_ = "dict", type(value)
    elif _is_namedtuple(value):
        keys, items, kind, type_ = tuple(type(value)._fields), list(value), "namedtuple", type(value)
    elif isinstance(value, (list, tuple)) and is_tree(value):
        keys, items, kind, type_ = tuple(range(len(value))), list(value), type(value).__name__, type(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        keys = tuple(f.name for f in dataclasses.fields(value))
        items, kind, type_ = [getattr(value, k) for k in keys], "dataclass", type(value)
    else:
        tree = classify(value)
        return ([value] if tree.is_leaf else []), tree
    leaves, children = [], []
    for item in items:
        sub, child = flatten(item, classify)
        leaves += sub
        children.append(child)
    return leaves, TreeDef(kind, type_, keys, tuple(children))


def unflatten(tree: TreeDef, leaves, make_static=lambda tree: tree.value,
              make_dataclass=lambda type_, fields: type_(**fields)):
    """The tree of structure `tree` holding `leaves` (statics and objects from `make_static`,
    dataclasses from `make_dataclass`)."""
    leaves = iter(leaves)

    def build(t: TreeDef):
        if t.is_leaf:
            return next(leaves)
        if not t.children and t.kind in ("static", "object"):
            return make_static(t)
        items = [build(c) for c in t.children]
        if t.kind == "dict":
            return t.type(zip(t.keys, items)) if t.type is not dict else dict(zip(t.keys, items))
        if t.kind == "namedtuple":
            return t.type(*items)
        if t.kind == "dataclass":
            return make_dataclass(t.type, dict(zip(t.keys, items)))
        return t.type(items)

    return build(tree)


def leaf_names(name: str, tree: TreeDef) -> list[str]:
    """Readable identifiers for the leaves of parameter `name`: `params_0_W`."""
    return [identifier("_".join([name, *map(str, path)])) for path in tree.paths()]


def key_text(name: str, path: tuple) -> str:
    """`params[0]["W"]`: a leaf as the user would write it, for messages."""
    return name + "".join(f"[{k!r}]" for k in path)
