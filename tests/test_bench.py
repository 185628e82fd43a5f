"""The benchmark runner: --quick runs end to end, and the check catches wrong results (no test asserts a time)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.contenders import CONTENDERS, check  # noqa: E402
from benchmarks.peers import installed  # noqa: E402
from benchmarks.workloads import DTYPES, KEYS  # noqa: E402


def run(*args, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args, "--quick", "--output", str(output)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_quick_run_checks_and_times_every_contender(tmp_path):
    done = run("-m", "benchmarks", output=tmp_path)
    assert done.returncode == 0, done.stderr
    header = done.stdout.split("\n| workload |", 1)[1].splitlines()[0]
    assert all(c.label in header for c in CONTENDERS)
    assert "GFLOP/s" in done.stdout and "| MLP depth |" in done.stdout
    [record_path] = tmp_path.glob("bench-*-quick.json")
    record = json.loads(record_path.read_text())
    assert [run["name"] for run in record["workloads"]] == [f"{k} {d}" for k in KEYS for d in DTYPES]
    for workload in record["workloads"]:
        for key, entry in workload["contenders"].items():
            expected = "timed" if next(c for c in CONTENDERS if c.key == key).available() else "not installed"
            assert entry["status"] == expected, (workload["name"], key, entry)
            if expected == "timed":
                assert entry["median_s"] > 0 and len(entry["samples_s"]) >= 2
    assert [row["depth"] for row in record["compile"]] == [1, 2, 4]
    assert record["environment"]["versions"]["numpy"] and record["environment"]["numpy_blas"]
    assert list(tmp_path.glob("bench-*-quick.png")) or not installed("matplotlib")


def test_symdiff_bench_forwards_to_the_runner(tmp_path):
    done = run("-m", "symdiff", "bench", "--workloads", "A", "--dtypes", "float64", "--contenders", "export",
               output=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| A tutorial (D=5, K=3) float64 |" in done.stdout and "symdiff export" in done.stdout
    assert "torch" not in done.stdout


def test_check_names_wrong_values_dtypes_and_shapes():
    reference = (np.float32(0.5), [np.ones((2, 3), np.float32), np.ones(3, np.float32)])
    assert check(reference, reference, "float32") == []
    value, (dw, db) = reference
    assert check((value, [dw * 1.01, db]), reference, "float32") == ["gradient 1: relative error 1.0e-02 > 1e-03"]
    assert check((0.5, [dw, db]), reference, "float32") == ["value: dtype float64, expected float32"]
    assert check((value, [dw.T, db]), reference, "float32") == ["gradient 1: shape (3, 2), expected (2, 3)"]
    assert check((value, [dw]), reference, "float32") == ["1 gradients, expected 2"]
