"""The benchmark runner: --quick runs end to end, and the check catches wrong results (no test asserts a time)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.contenders import BY_KEY, CONTENDERS, Contender, check  # noqa: E402
from benchmarks.peers import Unsupported, installed  # noqa: E402
from benchmarks.workloads import DTYPES, KEYS, workloads  # noqa: E402
from helpers import fd_gradient, torch  # noqa: E402

import symdiff  # noqa: E402


def run(*args, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args, "--quick", "--output", str(output)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_quick_run_checks_and_times_every_contender(tmp_path):
    done = run("-m", "benchmarks", output=tmp_path)
    assert done.returncode == 0, done.stderr
    header = done.stdout.split("\n| workload |", 1)[1].splitlines()[0]
    quick = [c for c in CONTENDERS if not c.slow_first_call]
    assert all(c.label in header for c in quick)
    assert all(c.label not in header for c in CONTENDERS if c.slow_first_call)  # left out, and said so:
    assert "--quick: leaving out torch.compile, PyTensor" in done.stderr + done.stdout
    assert "GFLOP/s" in done.stdout and "| MLP depth |" in done.stdout
    [record_path] = tmp_path.glob("bench-*-quick.json")
    record = json.loads(record_path.read_text())
    assert [run["name"] for run in record["workloads"]] == [f"{k} {d}" for k in KEYS for d in DTYPES]
    for workload in record["workloads"]:
        for key, entry in workload["contenders"].items():
            contender = next(c for c in quick if c.key == key)
            expected = "timed" if contender.available() else "not installed"
            if workload["key"] == "F" and key in ("symdiff", "export") and entry["status"] == "refused":
                assert "varies between calls" in entry["error"], entry  # the RNN's loop, until loops land
                continue
            assert entry["status"] == expected, (workload["name"], key, entry)
            if expected == "timed":
                assert entry["median_s"] > 0 and len(entry["samples_s"]) >= 2
                assert (entry.get("peak_bytes", 0) > 0) == contender.numpy_memory, (workload["name"], key)
    assert [row["depth"] for row in record["compile"]] == [1, 2, 4]
    assert record["environment"]["versions"]["numpy"] and record["environment"]["numpy_blas"]
    assert list(tmp_path.glob("bench-*-quick.png")) or not installed("matplotlib")


def test_symdiff_bench_forwards_to_the_runner(tmp_path):
    done = run("-m", "symdiff", "bench", "--workloads", "A", "--dtypes", "float64", "--contenders", "export",
               output=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| A tutorial (D=5, K=3) float64 |" in done.stdout and "symdiff export" in done.stdout
    assert "torch eager" not in done.stdout  # not run (torch is named in the header, with its version)


def test_check_names_wrong_values_dtypes_and_shapes():
    reference = (np.float32(0.5), [np.ones((2, 3), np.float32), np.ones(3, np.float32)])
    assert check(reference, reference, "float32") == []
    value, (dw, db) = reference
    assert check((value, [dw * 1.01, db]), reference, "float32") == ["gradient 1: relative error 1.0e-02 > 1e-03"]
    assert check((0.5, [dw, db]), reference, "float32") == ["value: dtype float64, expected float32"]
    assert check((value, [dw.T, db]), reference, "float32") == ["gradient 1: shape (3, 2), expected (2, 3)"]
    assert check((value, [dw]), reference, "float32") == ["1 gradients, expected 2"]


def _rnn_inputs(T, dtype="float64", seed=0):
    from benchmarks.workloads import RNN, Workload

    return Workload("F", "RNN tanh", "rnn", RNN, {"T": T, "N": 3, "D": 2, "H": 4, "K": 2}, dtype).inputs(seed)


@pytest.mark.parametrize("T", [1, 5])
def test_hand_written_bptt_against_finite_differences_and_torch(T):
    from benchmarks.models import hand_rnn, rnn

    inputs = _rnn_inputs(T)
    loss, grads = hand_rnn(*inputs)
    assert loss == pytest.approx(rnn(*inputs), rel=1e-12)
    for i, g in enumerate(grads, start=2):
        np.testing.assert_allclose(g, fd_gradient(rnn, inputs, i), rtol=1e-6, atol=1e-9)
    if torch is None:
        pytest.skip("torch is not installed: checked against finite differences only")
    from benchmarks.peers import prepare_torch

    t_loss, t_grads = prepare_torch(workloads(["F"], ["float64"])[0], inputs)()
    assert float(t_loss) == pytest.approx(loss, rel=1e-12)
    for g, t in zip(grads, t_grads):
        np.testing.assert_allclose(g, t.numpy(), rtol=1e-10, atol=1e-14)


def test_hand_written_bptt_keeps_float32():
    from benchmarks.models import hand_rnn

    loss, grads = hand_rnn(*_rnn_inputs(3, "float32"))
    assert loss.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_a_contender_that_cannot_compile_is_reported_refused():
    from benchmarks import runner
    from benchmarks.timing import QUICK

    def refuses(error):
        def prepare(workload, inputs):
            raise error
        return prepare

    contenders = [BY_KEY["numpy"], Contender("a", "symdiff-like", refuses(symdiff.UnsupportedSyntaxError("no loops"))),
                  Contender("b", "peer", refuses(Unsupported("no spelling"))), Contender("c", "bug", refuses(KeyError(1)))]
    run = runner.run_workload(workloads(["A"], ["float64"], quick=True)[0], contenders, QUICK, runner.Steps(4, 0.0))
    statuses = {k: (e["status"], e.get("error")) for k, e in run["contenders"].items()}
    assert statuses == {"numpy": ("timed", None), "a": ("refused", "no loops"), "b": ("refused", "no spelling"),
                        "c": ("failed", "KeyError: 1")}


LATEST = ROOT / "benchmarks" / "results" / "latest.json"
SMALL = ["--quick", "--workloads", "A", "--dtypes", "float64", "--contenders", "export"]


def test_the_chart_leads_with_the_ratio_to_hand_written_numpy():
    if not installed("matplotlib"):
        pytest.skip("matplotlib is not installed")
    from benchmarks.chart import figure

    record = json.loads(LATEST.read_text())
    fig = figure(record)
    ratios, times, compile_cost = fig.axes
    assert "relative to hand-written numpy" in ratios.get_title() and ratios.get_yscale() == "log"
    assert [tuple(line.get_ydata()) for line in ratios.get_lines() if line.get_linestyle() == "--"] == [(1.0, 1.0)]
    heights = sorted(round(bar.get_height(), 6) for bar in ratios.patches)
    ratios_recorded = sorted(round(e["ratio"], 6) for run in record["workloads"] for k, e in run["contenders"].items()
                             if k != "numpy" and e["status"] == "timed")
    assert heights == ratios_recorded
    assert times.get_yscale() == "log" and "absolute" in times.get_title()
    assert compile_cost.get_xscale() == "log" and compile_cost.xaxis.get_transform().base == 2
    assert [int(t) for t in compile_cost.get_xticks()] == [row["depth"] for row in record["compile"]]
    assert fig.legends and ratios.get_legend() is None and times.get_legend() is None  # outside the panels
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "QUICK" not in texts and record["environment"]["cpu"] in texts and "numpy 2." in texts
    record["quick"] = True
    assert "QUICK RUN" in figure(record).texts[0].get_text()


def test_a_busy_machine_is_warned_about():
    from benchmarks.environment import load_warnings

    assert load_warnings({"load_average": (2.2, 1.0, 1.0), "cpus_usable": 2})[0].startswith(
        "the machine was busy at the start: load average 2.20 on 2 CPUs")
    assert load_warnings({"load_average": (0.9, 1.0, 1.0), "load_average_end": (0.2, 0, 0), "cpus_usable": 2}) == []


def test_progress_counts_steps_and_a_busy_machine_is_recorded(tmp_path, monkeypatch, capsys):
    from benchmarks import environment, runner

    monkeypatch.setattr(environment, "load_average", lambda: (100.0, 1.0, 1.0))
    assert runner.main([*SMALL, "--output", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "!! WARNING: the machine was busy at the start: load average 100.00" in err
    assert re.search(r"^\[1/2\] A float64 hand-written numpy \.\.\. ETA ~\d+s$", err, re.M)
    assert re.search(r"^\[2/2\] A float64 symdiff export \.\.\. ETA ~\d+s$", err, re.M)
    [record] = [json.loads(p.read_text()) for p in tmp_path.glob("bench-*.json")]
    assert [w.split(":")[0] for w in record["warnings"]] == ["the machine was busy at the start",
                                                             "the machine was busy at the end"]


def test_runs_from_any_folder(tmp_path):
    for command in ([str(ROOT / "benchmarks")], ["-m", "benchmarks"]):
        out = tmp_path / command[-1].replace("/", "_")
        done = subprocess.run([sys.executable, *command, *SMALL, "--output", str(out)], cwd=tmp_path, timeout=600,
                              capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert done.returncode == 0, done.stderr
        assert len(list(out.glob("bench-*-quick.json"))) == 1


def test_redraws_a_recorded_run(tmp_path):
    if not installed("matplotlib"):
        pytest.skip("matplotlib is not installed")
    from benchmarks import runner

    record = tmp_path / "run.json"
    record.write_text(LATEST.read_text())
    assert runner.main(["--chart", str(record)]) == 0
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"


def test_runs_leave_no_untracked_files():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "benchmarks/results/bench-20990101-000000-quick.json",
                              "benchmarks/results/bench-20990101-000000.png", "benchmarks/results/latest.json"],
                             cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == ["benchmarks/results/bench-20990101-000000-quick.json",
                                      "benchmarks/results/bench-20990101-000000.png"]


def test_dispatch_overhead_benchmark_runs(capsys):
    from benchmarks import dispatch

    assert dispatch.main(["--quick", "--workloads", "A,B", "--dtypes", "float64"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("| workload | generated code | value_and_grad | overhead |")
    assert [r.split(" | ")[0] for r in rows[2:]] == ["| A float64", "| B float64"]
    assert all(r.count("µs") == 5 for r in rows[2:])
