"""The pipeline stays one-way: no module imports one of a later stage."""
import ast
import importlib.util
from pathlib import Path

import symdiff

#: Stages in pipeline order; modules of one stage may import each other.
STAGES = [
    {"version", "errors", "pyast", "names", "shapes", "scalar", "functional", "trees"},
    {"source"},
    {"ir", "calculus", "primitives", "indexing", "loops"},
    {"ops"},
    {"resolve", "static", "outside", "validate", "loop_source", "parse"},
    {"differentiate", "loop_rules"},
    {"stable", "optimize", "reuse", "rows"},
    {"printing", "inplace", "emit", "emit_loops", "emit_rows", "array_api"},
    {"derivation", "dot"},
    {"export"},
    {"arguments", "dispatch", "api", "check"},
    {"cli", "__init__", "__main__", "examples"},
]


def _stage(module: str) -> int:
    top = module.split(".")[0]
    return next(i for i, stage in enumerate(STAGES) if top in stage)


def _imports(path: Path, package: str):
    """(symdiff module, line) for each import of the package's own modules."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            targets = [base] if node.module else [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        else:
            continue
        for target in targets:
            if target.startswith("symdiff.") and target != "symdiff":
                yield target[len("symdiff."):], node.lineno


def test_no_stage_imports_a_later_one():
    root = Path(symdiff.__file__).parent
    late = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(parts)
        package = ".".join(("symdiff",) + parts[:-1])
        for target, line in _imports(path, package):
            if _stage(target) > _stage(module):
                late.append(f"{path.relative_to(root)}:{line} imports {target}")
    assert not late, "\n".join(late)
