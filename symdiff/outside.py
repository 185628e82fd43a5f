"""Values a function reads from outside its parameters (module-level and closure names, `self`'s
attributes), read again at each call of the compiled function.

Arrays become extra inputs of the generated code, fetched by the dispatcher on every call and
constants for differentiation; everything read (numbers, strings, functions, containers, objects)
is recorded with its signature, so that a call seeing a different one derives again.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np

from .static import Function, Outside
from .names import identifier, unnamed_dim


def signature_of(value):
    """What a value read from outside the function must keep for a derivation to stay valid: an
    array's rank and dtype, a Python value itself, a container's type and keys, a function's identity."""
    if isinstance(value, np.ndarray):
        return ("array", value.ndim, value.dtype)
    if isinstance(value, (bool, int, float, str, type(None), np.generic)):
        return ("value", type(value), value)
    if isinstance(value, dict):
        return ("dict", type(value), tuple(value))
    if isinstance(value, (list, tuple)):
        return ("sequence", type(value), len(value))
    if inspect.ismethod(value):  # a new object at each attribute read
        return ("method", id(value.__func__))
    if callable(value):
        return ("function", id(value))
    return ("object", type(value))


@dataclass
class Inputs:
    """What a function reads from outside its parameters, to read again at each call: `fetch(call)`
    gives the current value from the call's arguments (by name) or the function's namespace."""

    externals: list = field(default_factory=list)  # (fetch, parameter symbol) of each array read
    guards: list = field(default_factory=list)  # (fetch, signature_of(value)) of everything read
    memo: dict = field(default_factory=dict)
    validated: dict = field(default_factory=dict)  # each function's validation, by its AST

    def read(self, graph, fetch, label: str, live, bound: Outside | None = None):
        """A value read from outside, as the body sees it: arrays become inputs (parameters of the
        graph named `label`), containers hold such values, functions are called, other objects are
        read attribute by attribute (`bound` is the object a method is read from)."""
        outer = getattr(graph, "outer", None)
        if outer is not None:  # a loop body reads it as a value of the enclosing graph
            return graph.imports(self.read(outer, fetch, label, live, bound))
        label = identifier(label)
        key = (label, id(live))
        if key in self.memo:
            return self.memo[key]
        self.guards.append((fetch, signature_of(live)))
        if isinstance(live, (np.ndarray, np.generic)) and live.dtype.kind in "biuf" and not isinstance(live, np.bool_):
            if isinstance(live, np.generic):
                value = live.item()
            else:
                shape = tuple(graph.dims.symbol(unnamed_dim(label, axis), seen=n, flexible=True)
                              for axis, n in enumerate(live.shape))
                value = graph.param(label, shape)
                self.externals.append((fetch, value.symbol))
        elif isinstance(live, (bool, int, float, str, type(None), np.bool_)):
            value = live
        elif isinstance(live, dict):
            value = {k: self.read(graph, lambda call, k=k: fetch(call)[k], f"{label}_{k}", v) for k, v in live.items()}
        elif isinstance(live, (list, tuple)):
            items = [self.read(graph, lambda call, i=i: fetch(call)[i], f"{label}_{i}", v) for i, v in enumerate(live)]
            value = type(live)(*items) if hasattr(live, "_fields") else type(live)(items)
        elif callable(live) and not isinstance(live, type):
            value = Function(live, bound)
        else:
            value = Outside(fetch, label, live)
        self.memo[key] = value
        return value
