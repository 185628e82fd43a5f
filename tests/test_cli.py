"""The `symdiff` command as a newcomer meets it: --version, usage and examples, one-line errors with
exit status 2, which parameters were differentiated by default, and a check of every kind shown."""
import subprocess
import sys

import numpy as np
import pytest

import symdiff
from symdiff.cli import main


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symdiff", *args], capture_output=True, text=True, timeout=120)


def test_version():
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"symdiff {symdiff.__version__}"


@pytest.mark.parametrize("command", ["show", "export"])
def test_an_unknown_option_gets_the_subcommands_usage(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "symdiff.examples.tutorial:loss", "--frobnicate"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: symdiff {command} ") and "--wrt" in err
    assert f"symdiff {command}: error: unrecognized arguments: --frobnicate" in err


def test_an_unknown_option_before_the_subcommand_gets_the_top_level_usage(capsys):
    with pytest.raises(SystemExit):
        main(["--frobnicate", "show"])
    err = capsys.readouterr().err
    assert err.startswith("usage: symdiff [-h] [--version]") and "symdiff: error: unrecognized arguments" in err


@pytest.mark.parametrize("command, example", [((), "symdiff show"), (("show",), "symdiff show --kinds grad,hessian"),
                                              (("export",), "symdiff export symdiff.examples.tutorial:loss --wrt w,b"),
                                              (("bench",), "python -m benchmarks --quick --output")])
def test_every_help_ends_with_an_example(command, example):
    done = run(*command, "--help")
    assert done.returncode == 0
    assert "example" in done.stdout.split("options:")[-1] and example in done.stdout


def test_export_into_a_missing_folder_is_a_one_line_error(tmp_path):
    target = tmp_path / "missing" / "x.py"
    done = run("export", "symdiff.examples.tutorial:loss", "--wrt", "w,b", "-o", str(target))
    assert done.returncode == 2
    assert done.stderr == (f"symdiff: error: cannot write {target}: the folder {target.parent} does not exist "
                           f"(Create it first (mkdir -p {target.parent}) or write somewhere else)\n")


def test_export_where_writing_is_denied(tmp_path, monkeypatch, capsys):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    assert main(["export", "symdiff.examples.tutorial:loss", "--wrt", "w,b", "-o", str(tmp_path / "x.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"symdiff: error: cannot write {tmp_path / 'x.py'}: permission denied") and "\n" == err[-1]
    assert err.count("\n") == 1 and not list(tmp_path.iterdir())


def test_export_onto_a_folder(tmp_path, capsys):
    assert main(["export", "symdiff.examples.tutorial:loss", "--wrt", "w,b", "-o", str(tmp_path)]) == 2
    assert "it is a folder" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_without_wrt_show_and_export_say_what_they_differentiate(tmp_path, capsys):
    assert main(["show", "symdiff.examples.tutorial:loss"]) == 0
    header = capsys.readouterr().out.split("\n\n")[0]
    assert ("# differentiated with respect to x, the first parameter of loss(x, y, w, b), as no --wrt was given "
            "(choose others with --wrt, e.g. --wrt w,b)") in header
    assert main(["export", "symdiff.examples.tutorial:loss", "-o", str(tmp_path / "x.py")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ("symdiff export: symdiff.examples.tutorial:loss: differentiated with respect to x, "
                            "the first parameter of loss(x, y, w, b), as no --wrt was given "
                            "(choose others with --wrt, e.g. --wrt w,b)\n")
    assert main(["export", "symdiff.examples.tutorial:loss", "--wrt", "w,b", "-o", str(tmp_path / "x.py")]) == 0
    assert capsys.readouterr().err == ""
    assert main(["show", "symdiff.examples.tutorial:loss", "--wrt", "w"]) == 0
    assert "differentiated with respect to" not in capsys.readouterr().out


def test_show_checks_every_kind_it_shows(capsys):
    assert main(["show", "--kinds", ",".join(symdiff.derivation.KINDS)]) == 0
    checks = capsys.readouterr().out.split("# checks at D=5, K=3, in float64:\n")[1].splitlines()
    assert [line.split(":")[0].strip("# ") for line in checks] == [
        "loss", "grad_loss", "value_and_grad_loss", "vjp_loss", "jvp_loss", "jacobian_loss", "hessian_loss", "hvp_loss"]
    assert checks[0] == "#   loss: not checked, the reference the others are compared with"
    assert "hessian_loss: passed, times 3 random tangents, against central differences of the gradient" in checks[6]
    assert all(": passed, " in line for line in checks[1:])


def test_show_checks_a_function_with_an_array_value(tmp_path, capsys):
    path = tmp_path / "model.py"
    path.write_text('import numpy as np\n\ndef model(x: "N D", w: "D K"):\n    return np.tanh(x @ w)\n')
    assert main(["show", f"{path}:model", "--wrt", "w", "--kinds", "vjp,jvp,jacobian"]) == 0
    out = capsys.readouterr().out
    for kind in ("vjp", "jvp", "jacobian"):
        assert f"{kind}_model: passed" in out


def _scaled(result):
    return tuple(_scaled(r) for r in result) if isinstance(result, tuple) else 1.001 * np.asarray(result)


@pytest.mark.parametrize("kind", ["hessian", "hvp", "jvp", "vjp", "jacobian", "value_and_grad"])
def test_check_kind_catches_a_wrong_kind(kind):
    from symdiff.check import check_kind
    from symdiff.cli import random_inputs
    from symdiff.examples.tutorial import loss

    d = symdiff.derive(loss, wrt=("w", "b"))
    right = d.compiled(kind)
    inputs = random_inputs(d.shapes, d.wrt.names, {"D": 5, "K": 3})
    assert check_kind(d, kind, inputs)[1] < 1e-6
    if kind in ("jvp", "value_and_grad"):  # the value right, the derivative off by 0.1%
        d._compiled[kind, False] = lambda *a: (right(*a)[0], _scaled(right(*a)[1]))
    else:
        d._compiled[kind, False] = lambda *a: _scaled(right(*a))
    with pytest.raises(symdiff.GradientCheckError, match=f"{kind}_loss|gradient with respect to `w`"):
        check_kind(d, kind, inputs)


def test_show_reports_a_failed_check(monkeypatch, capsys):
    from symdiff import derivation

    compiled = derivation.Derivation.compiled

    def wrong_hessian(self, kind="grad"):
        fn = compiled(self, kind)
        return (lambda *a: tuple(tuple(2 * b for b in row) for row in fn(*a))) if kind == "hessian" else fn

    monkeypatch.setattr(derivation.Derivation, "compiled", wrong_hessian)
    assert main(["show", "--kinds", "grad,hessian"]) == 1
    out = capsys.readouterr().out
    assert "grad_loss: passed" in out and "hessian_loss: FAILED: hessian_loss disagrees with central differences" in out
