"""The `symdiff` command.

    symdiff show [TARGET] [--wrt w,b] [--shape x=N,D ...] [--kinds grad,hessian] [--dot | --png FILE]
    symdiff export TARGET [TARGET ...] [--wrt w,b] [--shape x=N,D ...] [--kinds ...] [-o OUT.py] [--check]
    symdiff bench [runner options]
    symdiff --version

TARGET is FILE.py:FUNC or MODULE:FUNC, read without importing or running it.
"""
from __future__ import annotations

import argparse
import inspect
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .version import __version__
from .api import derive
from .check import check_grad, check_kind
from .derivation import KINDS
from .dot import to_dot
from .emit import module_source
from .errors import SymdiffError
from .examples import TUTORIAL
from .export import DEFAULT_KINDS, export_source, write_atomically
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
            raise SymdiffError(f"cannot read --shape {item!r}", hint="Write --shape x=N,D (x= for a scalar).")
        shapes[name] = parse_shape(dims)
    return shapes


def _wrt(text: str | None, builtin: bool):
    if text is None:
        return tuple(TUTORIAL[2]) if builtin else None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return names if len(names) > 1 else names[0]


def _kinds(text: str | None, default) -> tuple:
    kinds = tuple(k.strip() for k in text.split(",")) if text else tuple(default)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SymdiffError(f"unknown kind {unknown[0]!r}", hint=f"Choose from {', '.join(KINDS)}.")
    return kinds


def sizes_for(shapes: dict, defaults: dict | None = None) -> dict:
    """Small, distinct sizes for the dimension names of `shapes` (a name -> tuple of names/ints map)."""
    names = sorted({str(d) for s in shapes.values() for d in s if not str(d).isdigit()})
    return {n: (defaults or {}).get(n, 2 + i) for i, n in enumerate(names)}


def random_inputs(shapes: dict, wrt, sizes: dict, seed: int = 0) -> list[np.ndarray]:
    """float64 inputs: normal for the differentiated parameters, uniform in [0, 1) for the rest."""
    rng = np.random.default_rng(seed)
    args = []
    for name, shape in shapes.items():
        concrete = tuple(int(str(d)) if str(d).isdigit() else sizes[str(d)] for d in shape)
        args.append(rng.standard_normal(concrete) if name in wrt else rng.random(concrete))
    return args


def show(args) -> int:
    builtin = args.target is None
    source = load_target(args.target)
    start = time.perf_counter()
    derivation = derive(source, wrt=_wrt(args.wrt, builtin), shapes=_shapes(args.shape))
    kinds = _kinds(args.kinds, ("grad",))
    functions = derivation.function_asts(kinds)
    elapsed = time.perf_counter() - start
    if args.dot or args.png:
        return _picture(derivation, args.png)
    print(f"# {source.name} from {source.filename}, derived in {elapsed * 1e3:.0f} ms")
    if args.wrt is None:
        print(f"# {wrt_note(derivation, builtin)}")
    print()
    print(derivation)
    print("\n# generated code (`symdiff export` writes the whole module)\n")
    print(module_source(functions))
    sizes = sizes_for(derivation.shapes, TUTORIAL[3] if builtin else None)
    inputs = random_inputs(derivation.shapes, derivation.wrt.names, sizes)
    print(f"# checks at {', '.join(f'{d}={n}' for d, n in sizes.items()) or 'these shapes'}, in float64:")
    status = 0
    for kind in kinds:
        name = derivation.function_name(kind)
        try:
            what, error = check_kind(derivation, kind, inputs)
        except SymdiffError as exc:
            print(f"#   {name}: FAILED: {exc.message}")
            status = 1
        else:
            print(f"#   {name}: not checked, {what}" if error is None
                  else f"#   {name}: passed, {what} (worst relative error {error:.1e})")
    return status


def wrt_note(derivation, builtin: bool = False) -> str:
    """Which parameters were differentiated when no --wrt was given, and how to choose others."""
    params, chosen = derivation.params, ", ".join(derivation.wrt.names)
    if builtin:
        return f"differentiated with respect to {chosen}, the tutorial's parameters (choose others with --wrt)"
    others = [p for p in params if p not in derivation.wrt.names][-2:]
    example = f", e.g. --wrt {','.join(others)}" if others else ""
    return (f"differentiated with respect to {chosen}, the first parameter of {derivation.name}({', '.join(params)}), "
            f"as no --wrt was given (choose others with --wrt{example})")


def _picture(derivation, png: str | None) -> int:
    dot = to_dot(derivation)
    if png is None:
        print(dot, end="")
        return 0
    program = shutil.which("dot")
    if program is None:
        raise SymdiffError("rendering a PNG needs the `dot` program of Graphviz, which is not installed",
                           hint="Install Graphviz (e.g. apt install graphviz), or use --dot and render it elsewhere.")
    subprocess.run([program, "-Tpng", "-o", png], input=dot, text=True, check=True)
    print(f"wrote {png}")
    return 0


def export(args) -> int:
    kinds = _kinds(args.kinds, DEFAULT_KINDS)
    derivations = []
    for target in args.targets:
        derivation = derive(load_target(target), wrt=_wrt(args.wrt, False), shapes=_shapes(args.shape),
                             dtype=args.dtype)
        if args.name and len(args.targets) == 1:
            derivation.name = args.name
        derivations.append(derivation)
        if args.wrt is None:
            print(f"symdiff export: {target}: {wrt_note(derivation)}", file=sys.stderr)
    command = " ".join(["symdiff", "export", *args.argv])
    source = export_source(derivations, kinds, command, args.array_api)
    if args.output:
        write_atomically(args.output, source)
    else:
        print(source, end="")
    if not args.check:
        return 0
    if args.output:
        return _check_in_fresh_process(args.output, derivations, kinds)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exported.py"
        path.write_text(source)
        return _check_in_fresh_process(path, derivations, kinds)


def _check_in_fresh_process(path, derivations, kinds) -> int:
    """Import the written module in a new interpreter and check its gradients with finite differences."""
    specs = [{"value": d.function_name("value"), "grad": d.function_name("grad"),
              "value_and_grad": d.function_name("value_and_grad"), "kinds": list(kinds),
              "shapes": {p: [str(x) for x in s] for p, s in d.shapes.items()}, "wrt": list(d.wrt.names),
              "single": d.wrt.single} for d in derivations]
    code = "import sys, json; from symdiff.cli import check_module; sys.exit(check_module(sys.argv[1], json.loads(sys.argv[2])))"
    result = subprocess.run([sys.executable, "-c", code, str(path), json.dumps(specs)], capture_output=True, text=True)
    sys.stderr.write(result.stdout + result.stderr)
    return result.returncode


def check_module(path: str, specs: list) -> int:
    """Finite-difference check of an exported module's gradients (run in a fresh process by --check)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    status = 0
    for s in specs:
        sizes = sizes_for(s["shapes"])
        inputs = random_inputs(s["shapes"], s["wrt"], sizes)
        if "grad" in s["kinds"]:
            gradient = getattr(module, s["grad"])
        elif "value_and_grad" in s["kinds"]:
            gradient = _part(getattr(module, s["value_and_grad"]), 1)
        else:
            print(f"check: {path}: no gradient function for {s['value']} (kinds {s['kinds']})")
            continue
        if "value" in s["kinds"]:
            value = getattr(module, s["value"])
        else:
            value = _part(getattr(module, s["value_and_grad"]), 0)
        try:
            error = check_grad(value, inputs, wrt=s["wrt"][0] if s["single"] else s["wrt"], grad=gradient)
            print(f"check: {path}: {gradient.__name__} matches finite differences (worst relative error {error:.1e})")
        except SymdiffError as exc:
            print(f"check: {path}: {exc}")
            status = 1
    return status


def _part(fn, index: int):
    """`fn(...)[index]`, with `fn`'s signature."""
    def part(*args):
        return fn(*args)[index]

    part.__signature__ = inspect.signature(fn)
    part.__name__ = f"{fn.__name__}[{index}]"
    return part


def bench(args) -> int:
    """Run the benchmark runner of a source checkout (`benchmarks/`, not part of the package), found in
    the current folder or beside this package."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / "benchmarks" / "runner.py").is_file():
            sys.path.insert(0, str(root))
            from benchmarks import main as run_benchmarks

            return run_benchmarks(args.args)
    raise SymdiffError("`symdiff bench` needs the benchmarks/ folder of a symdiff source checkout",
                       hint="Run it from the repository root, or run `python -m benchmarks` there.")


def _common(p) -> None:
    p.add_argument("--wrt", help="parameters to differentiate, comma separated (default: the first)")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="a parameter's shape, e.g. x=N,D (default: its string annotation)")
    p.add_argument("--kinds", help=f"functions to generate, comma separated, from: {', '.join(KINDS)}")


EXAMPLES = {
    None: "symdiff show\n  symdiff export symdiff.examples.tutorial:loss --wrt w,b -o tutorial_grad.py --check",
    "show": "symdiff show model.py:loss --wrt w,b --shape x=N,D --shape y=N,K --shape w=D,K --shape b=K\n"
            "  symdiff show --kinds grad,hessian",
    "export": "symdiff export symdiff.examples.tutorial:loss --wrt w,b -o tutorial_grad.py --check",
}


def _parser(prog: str, examples: str, **options) -> dict:
    """Keyword arguments of an argparse parser whose help ends with example command lines."""
    return dict(prog=prog, epilog=f"example:\n  {examples}", formatter_class=argparse.RawDescriptionHelpFormatter,
                **options)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(**_parser("symdiff", EXAMPLES[None],
                                               description="Symbolic differentiation of Python functions."))
    parser.add_argument("--version", action="version", version=f"symdiff {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    subparsers = {}
    p = subparsers["show"] = commands.add_parser(
        "show", **_parser("symdiff show", EXAMPLES["show"]),
        help="print a function's gradients, the generated code and a gradient check",
        description="Print a function's gradients as math, the generated code, and a finite-difference check "
                    "of every kind shown.")
    p.add_argument("target", nargs="?", help="FILE.py:FUNC or MODULE:FUNC (default: the autograd tutorial)")
    _common(p)
    p.add_argument("--dot", action="store_true", help="print the forward and backward DAG as Graphviz DOT")
    p.add_argument("--png", metavar="FILE", help="render the DAG to a PNG (needs Graphviz's `dot`)")
    p.set_defaults(run=show)
    p = subparsers["export"] = commands.add_parser(
        "export", **_parser("symdiff export", EXAMPLES["export"]),
        help="write a standalone numpy module with the function and its gradients",
        description="Write a standalone numpy module with the functions and their gradients.")
    p.add_argument("targets", nargs="+", metavar="TARGET", help="FILE.py:FUNC or MODULE:FUNC")
    _common(p)
    p.add_argument("--name", help="the exported function's name (one target)")
    p.add_argument("--dtype", choices=("float32", "float64"),
                   help="tune the code for this dtype (it runs on both; default: forms that suit both)")
    p.add_argument("--array-api", action="store_true",
                   help="write code against the Array API standard: it runs on numpy, torch, CuPy, JAX, dask and "
                        "array-api-strict arrays (the module then needs array_api_compat instead of numpy)")
    p.add_argument("-o", "--output", metavar="OUT.py", help="write the module here (default: stdout)")
    p.add_argument("--check", action="store_true",
                   help="import the module in a fresh process and check its gradients with finite differences")
    p.set_defaults(run=export, argv=[a for a in argv[1:]])
    # prefix_chars="+": every argument after `bench`, options included, is left for the runner to parse
    p = commands.add_parser("bench", add_help=False, prefix_chars="+",
                            help="run the benchmarks, as `python -m benchmarks` does (bench -h for its options)")
    p.add_argument("args", nargs="*")
    p.set_defaults(run=bench)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # an option the subcommand does not know: its usage, not the top level's
        before_command = argv.index(args.command) > argv.index(unknown[0])
        (parser if before_command else subparsers[args.command]).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except SymdiffError as exc:
        print(f"symdiff: error: {exc.one_line()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
