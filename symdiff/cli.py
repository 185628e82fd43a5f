"""The `symdiff` command: `symdiff show [TARGET] [--wrt w,b] [--shape x=N,D ...]`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from .api import derive
from .check import check_grad
from .errors import SymdiffError
from .examples import TUTORIAL
from .source import FunctionSource, parse_shape


def load_target(target: str | None) -> FunctionSource:
    """`FILE.py:FUNC` or `MODULE:FUNC`, read without importing or running it."""
    module, _, name = (target or f"{TUTORIAL[0]}:{TUTORIAL[1]}").rpartition(":")
    if not module or not name:
        raise SymdiffError(f"cannot read the target {target!r}", hint="Write FILE.py:FUNC or MODULE:FUNC.")
    if module.endswith(".py") or Path(module).is_file():
        return FunctionSource.from_file(module, name)
    return FunctionSource.from_module(module, name)


def _shapes(items: list[str]) -> dict:
    shapes = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name.isidentifier():
            raise SymdiffError(f"cannot read --shape {item!r}", hint="Write --shape x=N,D (x=) for a scalar.")
        shapes[name] = parse_shape(dims)
    return shapes


def _wrt(text: str | None, target: str | None):
    if text is None:
        return tuple(TUTORIAL[2]) if target is None else None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return names if len(names) > 1 else names[0]


def _random_inputs(derivation, sizes: dict, seed: int = 0) -> list[np.ndarray]:
    """Random float64 inputs: normal for the differentiated parameters, uniform in [0, 1) for the rest."""
    rng = np.random.default_rng(seed)
    args = []
    for name, shape in derivation.shapes.items():
        concrete = tuple(int(d) if d.is_Integer else sizes[d] for d in shape)
        if name in derivation.wrt.names:
            args.append(rng.standard_normal(concrete))
        else:
            args.append(rng.random(concrete))
    return args


def _sizes(derivation, defaults: dict) -> dict:
    dims = sorted({d for s in derivation.shapes.values() for d in s if d.is_Symbol}, key=str)
    return {d: defaults.get(str(d), 2 + i) for i, d in enumerate(dims)}


def show(args) -> int:
    source = load_target(args.target)
    start = time.perf_counter()
    derivation = derive(source, wrt=_wrt(args.wrt, args.target), shapes=_shapes(args.shape))
    program = derivation.function_ast("grad")
    elapsed = time.perf_counter() - start
    print(f"# {source.name} from {source.filename}, derived in {elapsed * 1e3:.0f} ms\n")
    print(derivation)
    print("\n# generated code (`symdiff export` writes the whole module)\n")
    from .emit import module_source

    print(module_source([program]))
    sizes = _sizes(derivation, TUTORIAL[3] if args.target is None else {})
    inputs = _random_inputs(derivation, sizes)
    shown = ", ".join(f"{d}={n}" for d, n in sizes.items())
    try:
        wrt = derivation.wrt.names[0] if derivation.wrt.single else derivation.wrt.names
        error = check_grad(derivation.compiled("value"), inputs, wrt=wrt, grad=derivation.compiled("grad"))
    except SymdiffError as exc:
        print(f"# check_grad FAILED at {shown}:\n{exc}")
        return 1
    print(f"# check_grad: passed at {shown} (float64 central differences, worst relative error {error:.1e})")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="symdiff", description="Symbolic differentiation of Python functions.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("show", help="print a function's gradients, the generated code and a gradient check")
    p.add_argument("target", nargs="?", help="FILE.py:FUNC or MODULE:FUNC (default: the autograd tutorial)")
    p.add_argument("--wrt", help="parameters to differentiate, comma separated (default: the first)")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="a parameter's shape, e.g. x=N,D (default: its string annotation)")
    p.set_defaults(run=show)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SymdiffError as exc:
        print(f"symdiff: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
