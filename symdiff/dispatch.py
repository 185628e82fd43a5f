"""The fast path of a transformed function's calls, generated as Python source for one compiled
variant: a call whose arguments are all numpy arrays of that variant's ranks and dtypes goes straight
to its generated code; any other call takes the general path (`Transformed._call`).

For the tutorial's `value_and_grad(loss, wrt=("w", "b"))` after a float64 call:

    def dispatch(*args, **kwargs):  # its __name__ is `loss`
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

Values the function reads from outside (module-level and closure names) are read again and checked
against the signatures they were derived for; the arrays among them are passed after the call's.
"""
from __future__ import annotations

import keyword
import linecache
import re

import numpy as np

from .outside import signature_of

#: The dispatcher's own names and the dtypes' it may bind: a parameter called so gets a trailing `_`.
_OWN = {"args", "kwargs", "exc", "ndarray", "fn", "general", "failed", "signature_of"} | {
    np.dtype(t).name for t in np.sctypeDict.values()}
_NUMBERED = re.compile(r"(outside|fetch|signature)\d+")


def fast_path(name: str, params: list[str], key: tuple, fn, general, failed, guards=(), externals=()):
    """The dispatcher of the variant `fn`, compiled for calls with one numpy array per `params`
    whose `(ndim, dtype)` are `key`. `general(args, kwargs)` serves other calls, `failed(exc, args)`
    a ValueError of `fn`. `guards` are the (fetch, signature) of the values read from outside,
    `externals` the fetches of the arrays among them, passed after the call's."""
    names = [_local(p, i, params) for i, p in enumerate(params)]
    namespace = {"ndarray": np.ndarray, "fn": fn, "general": general, "failed": failed, "signature_of": signature_of}
    checks = []
    for n, (ndim, dtype) in zip(names, key):
        checks.append(f"type({n}) is ndarray and {n}.ndim == {ndim} and {n}.dtype is {dtype.name}")
        namespace[dtype.name] = dtype
    reads, read = [], {}
    for i, (fetch, signature) in enumerate(guards):
        namespace[f"fetch{i}"], read[id(fetch)] = fetch, f"outside{i}"
        reads.append(f"        outside{i} = fetch{i}({{}})")
        if signature[0] == "array":
            checks.append(f"type(outside{i}) is ndarray and outside{i}.ndim == {signature[1]} "
                          f"and outside{i}.dtype is {signature[2].name}")
            namespace[signature[2].name] = signature[2]
        else:
            checks.append(f"signature_of(outside{i}) == signature{i}")
            namespace[f"signature{i}"] = signature
    inputs = names + [read[id(f)] for f in externals]
    lines = ["def dispatch(*args, **kwargs):",
             f"    if kwargs or len(args) != {len(names)}:",
             "        return general(args, kwargs)"]
    if names:
        lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = args")
    if reads:  # a name read from outside that no longer exists: the general path says so
        lines += ["    try:", *reads, "    except Exception:", "        return general(args, kwargs)"]
    if checks:
        joined = " and\n            ".join(checks)
        lines += [f"    if not ({joined}):", "        return general(args, kwargs)"]
    lines += ["    try:",
              f"        return fn({', '.join(inputs)})",
              "    except ValueError as exc:",
              "        return failed(exc, args)"]
    source = "\n".join(lines) + "\n"
    filename = f"<symdiff dispatch of {name} {id(fn):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    dispatch = namespace["dispatch"]
    dispatch.__name__ = dispatch.__qualname__ = name
    return dispatch


def _local(param: str, i: int, params: list[str]) -> str:
    """A parameter's name as a local of the dispatcher (distinct from its own names and the others)."""
    name = param if param.isidentifier() and not keyword.iskeyword(param) else f"arg{i}"
    while name in _OWN or _NUMBERED.fullmatch(name) or name in params[:i] or name in params[i + 1:]:
        name += "_"
    return name

