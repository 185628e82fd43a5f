"""Run a corpus case through `symdiff.grad` and classify the outcome.

Outcomes:

- `right`: compiled, and every gradient leaf matches central finite differences in float64;
- `wrong`: compiled, but a gradient disagrees (or has the wrong structure, shape or dtype, or the
  inputs were modified, or `value_and_grad` disagrees with the function's value or with `grad`,
  or the same compiled gradient is wrong on a second call with new values of the same shapes):
  a bug;
- `refused`: a `symdiff.SymdiffError` (the measured coverage);
- `crashed`: any other exception from symdiff: a bug;
- `timeout`: symdiff took longer than the time limit;
- `corpus-error`: the function does not run as plain numpy/torch with its own arguments (a bug
  in the corpus, not in symdiff).
"""
from __future__ import annotations

import contextlib
import copy
import math
import signal
import time
import traceback
from dataclasses import asdict, dataclass, field

import numpy as np

import symdiff

OUTCOMES = ("right", "wrong", "refused", "crashed", "timeout", "corpus-error")
#: Leaves with at most this many elements are checked element by element, larger along directions.
PER_ELEMENT_LIMIT = 64
DIRECTIONS = 6

try:  # the torch-spelled cases' reference values use torch where it is installed
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@dataclass
class Result:
    id: str
    style: str
    outcome: str
    seconds: float = 0.0
    error_class: str = ""
    reason: str = ""           # the refusal's first line, without location
    detail: str = ""           # where it went wrong: the check's message or the traceback's tail
    worst_rel_error: float | None = None
    reference: str = ""        # how the reference value was computed
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise CaseTimeout after `seconds` (main thread, POSIX); no limit when unavailable."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise CaseTimeout(f"took longer than {seconds:g} s")

    try:
        previous = signal.signal(signal.SIGALRM, handler)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- parameter trees -------------------------------------------------------------------------

def leaves(tree, path=()):
    """(path, leaf) pairs of a tree of lists, tuples and dicts; arrays and numbers are leaves."""
    if isinstance(tree, dict):
        for key in tree:
            yield from leaves(tree[key], path + (key,))
    elif isinstance(tree, (list, tuple)):
        for i, item in enumerate(tree):
            yield from leaves(item, path + (i,))
    else:
        yield path, tree


def replace_leaf(tree, path, value):
    """A copy of `tree` (containers copied, leaves shared) with the leaf at `path` replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        new = dict(tree)
        new[head] = replace_leaf(tree[head], rest, value)
        return new
    items = list(tree)
    items[head] = replace_leaf(tree[head], rest, value)
    return tuple(items) if isinstance(tree, tuple) else items


def structure(tree):
    """The tree's shape: containers and leaf paths, list and tuple counted alike."""
    if isinstance(tree, dict):
        return {k: structure(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [structure(v) for v in tree]
    return "*"


def to_torch(tree):
    if isinstance(tree, dict):
        return {k: to_torch(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(to_torch(v) for v in tree)
    if isinstance(tree, np.ndarray):
        return torch.from_numpy(tree.copy())
    return tree


def as_float(value) -> float:
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    if value.shape != ():
        raise ValueError(f"the function returns shape {value.shape}, not a scalar")
    return float(value)


def same_tree(a, b) -> bool:
    """Equal structure and bitwise-equal leaves (to detect modified inputs)."""
    if structure(a) != structure(b):
        return False
    for (_, x), (_, y) in zip(leaves(a), leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=True):
            return False
    return True


# -- the check -------------------------------------------------------------------------------

def wrt_indices(fn, wrt) -> tuple[list[int], bool]:
    import inspect

    params = list(inspect.signature(fn).parameters)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    return [params.index(w) if isinstance(w, str) else w % len(params) for w in items], single


def reference_function(case):
    """f(*args) -> float, in float64, run as the user's own code would run."""
    if case.framework == "torch":
        if torch is None:
            return None, "unavailable (torch not installed)"
        def value(args):
            previous = torch.get_default_dtype()
            torch.set_default_dtype(torch.float64)  # torch.zeros(...) inside the function: float64
            try:
                with torch.no_grad():
                    return as_float(case.fn(*to_torch(list(args))))
            finally:
                torch.set_default_dtype(previous)
        return value, "torch"
    return (lambda args: as_float(case.fn(*copy.deepcopy(list(args))))), "numpy"


def finite_difference_check(f, args, indices, grads, rtol, eps, rng):
    """Compare each gradient leaf with central differences; return (worst relative error, message
    of the first disagreement or None)."""
    f0 = abs(f(args))
    all_g = [np.asarray(leaf, dtype=float) for g in grads for _, leaf in leaves(g)]
    gscale = max([float(np.max(np.abs(g))) if g.size else 0.0 for g in all_g] + [0.0])
    worst = 0.0
    for i, g_tree in zip(indices, grads):
        g_leaves = dict(leaves(g_tree))
        for path, x in leaves(args[i]):
            x = np.asarray(x, dtype=np.float64)
            g = np.asarray(g_leaves[path], dtype=np.float64)
            full_path = (i,) + path

            def at(step):
                return f(replace_leaf(list(args), full_path, x + step))

            if x.size <= PER_ELEMENT_LIMIT:
                probes = []
                for index in np.ndindex(x.shape):
                    h = eps * max(1.0, abs(x[index]))
                    step = np.zeros_like(x)
                    step[index] = h
                    probes.append((f"index {index}", step, h, float(g[index])))
            else:
                probes = []
                for k in range(DIRECTIONS):
                    v = rng.standard_normal(x.shape)
                    v /= np.linalg.norm(v)
                    h = eps * max(1.0, float(np.abs(x).max()))
                    probes.append((f"direction {k}", v * h, h, float(np.sum(g * v))))
            for where, step, h, analytic in probes:
                numeric = (at(step) - at(-step)) / (2 * h)
                noise = 64 * np.finfo(np.float64).eps * max(1.0, f0) / h
                floor = max(1e-3 * rtol * gscale, 1e-10) + noise
                error = abs(numeric - analytic)
                scale = max(abs(numeric), abs(analytic))
                rel = error / max(scale, floor / rtol)
                if not (math.isfinite(numeric) and math.isfinite(analytic)) or error > floor + rtol * scale:
                    name = f"argument {i}" + "".join(f"[{p!r}]" for p in path)
                    return rel, (f"d/d {name} at {where}: symdiff {analytic:.10g}, finite differences "
                                 f"{numeric:.10g} (relative error {rel:.3g}, rtol {rtol:g})")
                worst = max(worst, rel)
    return worst, None


def first_line(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__


def tail(error: BaseException, frames: int = 4) -> str:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    tb = traceback.extract_tb(error.__traceback__)[-frames:]
    where = "".join(traceback.format_list(tb))
    return where + lines[-1].rstrip()


def run_case(case, *, timeout: float | None = 60.0, seed: int = 0, values: bool = True,
             again: bool = True) -> Result:
    rng = np.random.default_rng(seed)
    result = Result(case.id, case.style, "right")
    try:
        args = tuple(case.args(rng))
        ref, result.reference = reference_function(case)
        if ref is not None:
            ref(args)
    except Exception as error:
        result.outcome, result.error_class = "corpus-error", type(error).__name__
        result.reason, result.detail = first_line(error), tail(error)
        return result
    indices, single = wrt_indices(case.fn, case.wrt)
    before = copy.deepcopy(args)
    start = time.perf_counter()
    try:
        with time_limit(timeout):
            transformed = symdiff.grad(case.fn, wrt=case.wrt)
            grads = transformed(*args)
    except CaseTimeout as error:
        result.outcome, result.detail = "timeout", str(error)
        return result
    except symdiff.SymdiffError as error:
        result.outcome, result.error_class, result.reason = "refused", type(error).__name__, first_line(error)
        result.detail = error.one_line() if hasattr(error, "one_line") else str(error)
        return result
    except Exception as error:
        result.outcome, result.error_class, result.reason = "crashed", type(error).__name__, first_line(error)
        result.detail = tail(error)
        return result
    finally:
        result.seconds = time.perf_counter() - start
    if ref is None:  # torch-spelled without torch: check against symdiff's own forward
        def ref(a):
            return as_float(symdiff.value_and_grad(case.fn, wrt=case.wrt)(*a)[0])
        result.reference = "symdiff value (torch not installed)"
    problem, result.worst_rel_error = check_gradients(case, ref, args, before, grads, indices, single, rng)
    if problem is None and values:
        problem = check_value_and_grad(case, ref, args, grads, single, timeout)
    if problem is None and again:
        # the same compiled function on new values of the same shapes: derived once, right for all
        rng2 = np.random.default_rng(seed + 1)
        args2 = tuple(case.args(rng2))
        before2 = copy.deepcopy(args2)
        try:
            with time_limit(timeout):
                grads2 = transformed(*args2)
        except CaseTimeout:
            grads2 = None
        except Exception as error:
            problem = (f"the second call (new values, same shapes) raised {type(error).__name__}: "
                       f"{first_line(error)}" + ("" if isinstance(error, symdiff.SymdiffError) else "\n" + tail(error)))
        else:
            problem, _ = check_gradients(case, ref, args2, before2, grads2, indices, single, rng2)
            if problem:
                problem = "on the second call (new values, same shapes): " + problem
    if problem is not None:
        result.outcome, result.detail = "wrong", problem
    return result


def check_gradients(case, ref, args, before, grads, indices, single, rng):
    """(problem or None, worst relative error) of gradients returned for `args`."""
    grads = (grads,) if single else tuple(grads) if isinstance(grads, (tuple, list)) else grads
    if not same_tree(args, before):
        return "symdiff modified its inputs", None
    if not isinstance(grads, tuple) or len(grads) != len(indices):
        return f"expected {len(indices)} gradients, got {type(grads).__name__}", None
    for i, g in zip(indices, grads):
        if structure(g) != structure(args[i]):
            return (f"the gradient for argument {i} has structure {structure(g)}, "
                    f"the argument {structure(args[i])}"), None
        for (path, leaf), (_, x) in zip(leaves(g), leaves(args[i])):
            leaf, x = np.asarray(leaf), np.asarray(x)
            if leaf.shape != x.shape:
                return f"the gradient leaf {(i,) + path} has shape {leaf.shape}, the argument {x.shape}", None
            if leaf.dtype != np.float64:
                return f"the gradient leaf {(i,) + path} has dtype {leaf.dtype} for a float64 argument", None
    try:
        worst, problem = finite_difference_check(ref, list(args), indices, grads, case.rtol, case.eps, rng)
    except Exception as error:  # the reference failed at a perturbed point: report, do not hide
        return f"finite differences failed: {type(error).__name__}: {first_line(error)}", None
    return problem, worst


def check_value_and_grad(case, ref, args, grads, single, timeout):
    """`value_and_grad` of a case `grad` compiled: its value must be the function's and its
    gradients `grad`'s. Returns a problem or None."""
    try:
        with time_limit(timeout):
            value, grads2 = symdiff.value_and_grad(case.fn, wrt=case.wrt)(*args)
    except CaseTimeout:
        return None
    except Exception as error:
        return (f"grad compiled but value_and_grad raised {type(error).__name__}: {first_line(error)}"
                + ("" if isinstance(error, symdiff.SymdiffError) else "\n" + tail(error)))
    expected = ref(args)
    if not np.isclose(as_float(value), expected, rtol=1e-9, atol=1e-12):
        return f"value_and_grad's value {as_float(value)!r} is not the function's {expected!r}"
    grads2 = (grads2,) if single else tuple(grads2)
    grads = (grads,) if single else tuple(grads)
    for g, g2 in zip(grads, grads2):
        if structure(g) != structure(g2):
            return "value_and_grad's gradients have another structure than grad's"
        for (path, a), (_, b) in zip(leaves(g), leaves(g2)):
            if not np.allclose(a, b, rtol=1e-9, atol=1e-12):
                return f"value_and_grad's gradient at {path} differs from grad's"
    return None


def run_all(cases, *, timeout=60.0, progress=None) -> list[Result]:
    results = []
    for case in cases:
        r = run_case(case, timeout=timeout)
        results.append(r)
        if progress:
            progress(r)
    return results
