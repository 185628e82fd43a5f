"""The fast path of a transformed function's calls, generated as Python source for one compiled
variant: a call whose arguments are all numpy arrays of that variant's ranks and dtypes goes straight
to its generated code; any other call takes the general path (`Transformed._call`).

For the tutorial's `value_and_grad(loss, wrt=("w", "b"))` after a float64 call:

    def loss(*args, **kwargs):  # (named `dispatch` in its source)
        if kwargs or len(args) != 4:
            return general(args, kwargs)
        x, y, w, b = args
        if not (type(x) is ndarray and x.ndim == 1 and x.dtype is float64
                and type(y) is ndarray and ...):
            return general(args, kwargs)
        try:
            return fn(x, y, w, b)
        except ValueError as exc:  # sizes the code refuses: `failed` decides what that means
            return failed(exc, args)

With arrays read from outside the function, it checks their guards and passes them after the call's.
"""
from __future__ import annotations

import keyword
import linecache

import numpy as np

#: The dispatcher's own names and the dtypes' it may bind: a parameter called so gets a trailing `_`.
_OWN = {"args", "kwargs", "exc", "ndarray", "fn", "general", "failed", "valid", "inputs"} | {
    np.dtype(t).name for t in np.sctypeDict.values()}


def fast_path(name: str, params: list[str], key: tuple, fn, general, failed, valid=None, inputs=None):
    """The dispatcher of the variant `fn`, compiled for calls with one numpy array per `params`
    whose `(ndim, dtype)` are `key`. `general(args, kwargs)` serves other calls, `failed(exc, args)`
    a ValueError of `fn`; `valid()` and `inputs()` check and fetch the arrays read from outside."""
    names = [_local(p, i, params) for i, p in enumerate(params)]
    dtypes = {dtype.name: dtype for _, dtype in key}
    checks = " and\n            ".join(
        f"type({n}) is ndarray and {n}.ndim == {ndim} and {n}.dtype is {dtype.name}"
        for n, (ndim, dtype) in zip(names, key))
    spread = ", ".join(names)
    lines = ["def dispatch(*args, **kwargs):",
             f"    if kwargs or len(args) != {len(names)}:",
             "        return general(args, kwargs)"]
    if names:
        lines += [f"    {spread}{',' if len(names) == 1 else ''} = args",
                  f"    if not ({checks}):",
                  "        return general(args, kwargs)"]
    if valid is not None:
        lines += ["    if not valid():", "        return general(args, kwargs)"]
    lines += ["    try:",
              f"        return fn({spread}{', *inputs()' if valid is not None else ''})",
              "    except ValueError as exc:",
              "        return failed(exc, args)"]
    source = "\n".join(lines) + "\n"
    filename = f"<symdiff dispatch of {name} {id(fn):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"ndarray": np.ndarray, "fn": fn, "general": general, "failed": failed, "valid": valid,
                 "inputs": inputs, **dtypes}
    exec(compile(source, filename, "exec"), namespace)
    dispatch = namespace["dispatch"]
    dispatch.__name__ = dispatch.__qualname__ = name
    return dispatch


def _local(param: str, i: int, params: list[str]) -> str:
    """A parameter's name as a local of the dispatcher (distinct from its own names and the others)."""
    name = param if param.isidentifier() and not keyword.iskeyword(param) else f"arg{i}"
    while name in _OWN or name in params[:i] or name in params[i + 1:]:
        name += "_"
    return name

