"""Exported modules: round trip, standalone, deterministic, no unused names, CLI, snapshot, DOT."""
import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_module, rng

import symdiff
from symdiff.cli import main
from symdiff.examples import TUTORIAL_TORCH
from symdiff.examples.tutorial import loss as tutorial
from symdiff.functional import binary_cross_entropy_with_logits as bce

SNAPSHOT = Path(__file__).parent / "snapshots" / "tutorial_export.py"
TUTORIAL_COMMAND = "symdiff export symdiff.examples.tutorial:loss --wrt w,b -o tutorial_grad.py"


def logistic(x: "N D", y: "N K", w: "D K", b: "K"):
    z = x @ w + b
    return bce(z, y)


def two_layer(x: "N D", y: "N K", w1: "D H", b1: "H", w2: "H K", b2: "K"):
    h = np.tanh(x @ w1 + b1)
    return bce(h @ w2 + b2, y)


CASES = {
    "tutorial": (tutorial, ("w", "b"), lambda r: [np.ones(5), np.zeros(3), r.standard_normal((5, 3)), r.standard_normal(3)]),
    "logistic": (logistic, ("w", "b"), lambda r: [r.standard_normal((7, 4)), r.random((7, 3)), r.standard_normal((4, 3)),
                                                  r.standard_normal(3)]),
    "two_layer": (two_layer, ("w1", "b1", "w2", "b2"),
                  lambda r: [r.standard_normal((6, 4)), r.random((6, 2)), r.standard_normal((4, 5)), r.standard_normal(5),
                             r.standard_normal((5, 2)), r.standard_normal(2)]),
}


@pytest.mark.parametrize("case", CASES)
def test_round_trip(tmp_path, case):
    fn, wrt, make = CASES[case]
    path = tmp_path / f"{case}_grad.py"
    source = symdiff.export(fn, path, wrt=wrt)
    assert path.read_text() == source
    module = load_module(tmp_path, source)
    args = make(rng(1))
    name = fn.__name__
    for got, expected in zip(getattr(module, f"grad_{name}")(*args), symdiff.grad(fn, wrt=wrt)(*args)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    value, grads = getattr(module, f"value_and_grad_{name}")(*args)
    np.testing.assert_allclose(value, getattr(module, name)(*args), rtol=1e-14)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    assert symdiff.check_grad(getattr(module, name), args, wrt=wrt, grad=getattr(module, f"grad_{name}")) < 1e-5
    assert module.__all__ == [name, f"grad_{name}", f"value_and_grad_{name}"]


def test_shape_errors_name_the_parameter(tmp_path):
    module = load_module(tmp_path, symdiff.export(logistic, wrt=("w", "b")))
    r = rng(2)
    with pytest.raises(ValueError, match=r"b: expected shape \(K,\) = \(3,\), got \(4,\)"):
        module.grad_logistic(r.random((7, 4)), r.random((7, 3)), r.random((4, 3)), r.random(4))
    with pytest.raises(ValueError, match=r"x: expected a 2-D array of shape \(N, D\), got shape \(4,\)"):
        module.grad_logistic(r.random(4), r.random((7, 3)), r.random((4, 3)), r.random(3))


def test_standalone_with_numpy_alone(tmp_path):
    path = tmp_path / "tutorial_grad.py"
    symdiff.export(tutorial, path, wrt=("w", "b"))
    blockers = tmp_path / "blockers"
    blockers.mkdir()
    for name in ("symdiff", "sympy", "astor"):
        (blockers / f"{name}.py").write_text(f"raise ImportError('{name} is not available here')\n")
    script = (
        "import importlib.util, numpy as np\n"
        f"spec = importlib.util.spec_from_file_location('tutorial_grad', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "for name in ('symdiff', 'sympy', 'astor'):\n"
        "    try:\n        __import__(name)\n    except ImportError:\n        pass\n"
        "    else:\n        raise SystemExit(name + ' imported')\n"
        "gw, gb = m.grad_loss(np.ones(5), np.zeros(3), np.ones((5, 3)), np.zeros(3))\n"
        "print(gw.shape, gb.shape)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(blockers))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(5, 3) (3,)"


def test_deterministic_across_hash_seeds():
    script = ("import symdiff; from symdiff.examples.tutorial import loss; from test_export import two_layer\n"
              "print(symdiff.export(loss, wrt=('w', 'b')) + symdiff.export(two_layer, wrt=('w1', 'w2'),"
              " kinds=('value_and_grad', 'hvp', 'hessian')), end='')")
    outputs = set()
    for seed in ("0", "7", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(Path(__file__).parent))
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


def _unused_names(source: str) -> set:
    unused = set()
    for fn in (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)):
        stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        loaded = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        params = {a.arg for a in fn.args.args}
        unused |= {f"{fn.name}: {name}" for name in (stored | params) - loaded}
    return unused


@pytest.mark.parametrize("case", CASES)
def test_no_unused_names(case):
    fn, wrt, _ = CASES[case]
    source = symdiff.export(fn, wrt=wrt, kinds=symdiff.derivation.KINDS)
    # parameters a kind does not read are part of the common signature (y in a Hessian): not temporaries
    unused = {u for u in _unused_names(source) if u.split(": ")[1] not in {"x", "y", "w", "b", "w1", "b1", "w2", "b2"}}
    assert not unused
    imports = [n for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in imports] == ["import numpy as np"]


def test_snapshot_of_the_exported_tutorial():
    """Every change to generated code shows up here in review. Regenerate with
    SYMDIFF_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_export.py"""
    source = symdiff.export(tutorial, wrt=("w", "b"), command=TUTORIAL_COMMAND)
    if os.environ.get("SYMDIFF_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(source)
    assert source == SNAPSHOT.read_text()


def test_header_documents_source_gradients_version_and_command():
    source = symdiff.export(tutorial, wrt=("w", "b"), command=TUTORIAL_COMMAND)
    header = ast.get_docstring(ast.parse(source))
    assert f"symdiff {symdiff.__version__}" in header and TUTORIAL_COMMAND in header
    assert "z = np.matmul(x, w) + b" in header and "dloss/dw = " in header and "sigmoid" in header


def test_cli_export_to_stdout_and_file(tmp_path, capsys):
    assert main(["export", "symdiff.examples.tutorial:loss", "--wrt", "w,b"]) == 0
    out = capsys.readouterr().out
    assert "def grad_loss(x, y, w, b):" in out and "symdiff export symdiff.examples.tutorial:loss --wrt w,b" in out
    target = tmp_path / "out.py"
    assert main(["export", "symdiff.examples.tutorial:loss", "--wrt", "w,b", "-o", str(target)]) == 0
    assert target.read_text().replace(f" -o {target}", "") == out  # the header quotes the command


def test_cli_export_several_targets_with_check(tmp_path, capsys):
    target = tmp_path / "both.py"
    assert main(["export", f"{TUTORIAL_TORCH}:loss", "--wrt", "w,b", "-o", str(target), "--check"]) == 0
    assert main(["export", f"{TUTORIAL_TORCH}:loss", "symdiff.examples.mlp:mlp", "-o", str(target),
                 "--kinds", "value_and_grad,hvp", "--check"]) == 0
    err = capsys.readouterr().err
    assert err.count("matches finite differences") >= 3
    text = target.read_text()
    assert "\ndef value_and_grad_loss(" in text and "\ndef hvp_mlp(" in text and "\ndef loss(" not in text


def test_check_catches_a_wrong_module(tmp_path):
    path = tmp_path / "wrong.py"
    symdiff.export(tutorial, path, wrt=("w", "b"))
    path.write_text(path.read_text().replace("dz = (sig - y) / K", "dz = (sig - y) / K * 1.01"))
    specs = [{"value": "loss", "grad": "grad_loss", "value_and_grad": "value_and_grad_loss",
              "kinds": ["value", "grad"], "shapes": {"x": ["D"], "y": ["K"], "w": ["D", "K"], "b": ["K"]},
              "wrt": ["w", "b"], "single": False}]
    from symdiff.cli import check_module

    assert check_module(str(path), specs) == 1


@pytest.mark.parametrize("target, message", [
    ("symdiff.examples.tutorial:nope", "no function `nope`"),
    ("{bad}:f", "does not parse"),
    ("{loop}:f", "`return` in a loop"),
])
def test_cli_export_errors_exit_2_and_write_nothing(tmp_path, capsys, target, message):
    (tmp_path / "bad.py").write_text("def f(x):\n    return x +\n")
    (tmp_path / "loop.py").write_text("def f(x):\n    for i in x:\n        return i\n    return x\n")
    out = tmp_path / "out.py"
    target = target.format(bad=tmp_path / "bad.py", loop=tmp_path / "loop.py")
    assert main(["export", target, "--shape", "x=N", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py", "loop.py"]  # no module, no temporary


def test_export_needs_shapes_for_every_parameter():
    def f(x, w):
        return (x @ w).sum()

    with pytest.raises(symdiff.SymdiffError, match="no shape for parameter `x`"):
        symdiff.export(f, wrt="w", shapes={"w": ("D",)})


def test_annotations_in_jaxtyping_style(tmp_path):
    module = load_module(tmp_path, """
        from __future__ import annotations

        import numpy as np

        Float = None  # jaxtyping's Float, which annotations under `from __future__` never evaluate

        def f(x: Float[np.ndarray, "N D"], w: Float[np.ndarray, "D"]):
            return np.tanh(x @ w).sum()
    """)
    source = symdiff.export(module.f, wrt="w")
    assert "x: (N, D)" in source and "w: (D,)" in source


def test_export_kinds_and_show_kinds(capsys):
    source = symdiff.export(logistic, wrt="w", kinds=("value_and_grad", "hvp", "hessian", "vjp", "jvp", "jacobian"))
    for name in ("value_and_grad_logistic", "hvp_logistic", "hessian_logistic", "vjp_logistic", "jvp_logistic",
                 "jacobian_logistic"):
        assert f"def {name}(" in source
    assert main(["show", "symdiff.examples.mlp:mlp", "--wrt", "w3", "--kinds", "hessian,hvp"]) == 0
    out = capsys.readouterr().out
    assert "def hessian_mlp(" in out and "def hvp_mlp(" in out
    assert "hessian_mlp: passed, times 3 random tangents, against central differences of the gradient" in out
    assert "hvp_mlp: passed, with 3 random tangents, against central differences of the gradient" in out


def test_dot_output(tmp_path, capsys):
    assert main(["show", "--dot"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith('digraph "loss" {') and dot.rstrip().endswith("}")
    for param in ("x", "y", "w", "b"):
        assert f'"{param}" [label="{param}\\n' in dot
    assert "peripheries=2" in dot  # the gradients
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed: the DOT text was checked, not rendered")
    result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout
    png = tmp_path / "graph.png"
    assert main(["show", "--png", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_without_graphviz_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["show", "--png", str(tmp_path / "g.png")]) == 2
    assert "Graphviz" in capsys.readouterr().err
