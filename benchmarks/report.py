"""The run's record as Markdown tables and as JSON."""
from __future__ import annotations

import json
from pathlib import Path

from .environment import describe


def duration(seconds: float) -> str:
    """Three significant digits in ns, µs, ms or s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            break
    else:
        unit, scale = "ns", 1e-9
    value = seconds / scale
    return f"{value:.3g} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"


def _cell(entry: dict, reference: bool) -> str:
    if entry["status"] != "timed":
        return entry["status"].upper() if entry["status"] == "failed" else entry["status"]
    time = duration(entry["median_s"])
    return time if reference else f"{entry['ratio']:.2f}× ({time})"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def summary(record: dict) -> list[str]:
    """Workloads by contenders: hand-written numpy's median per call, the others' ratio to it."""
    runs = record["workloads"]
    keys = list(runs[0]["contenders"])
    labels = [runs[0]["contenders"][k]["label"] for k in keys]
    rows = [[run["label"]] + [_cell(run["contenders"][k], k == "numpy") for k in keys] for run in runs]
    return _table(["workload"] + labels, rows, "l" + "r" * len(keys))


def details(record: dict) -> list[str]:
    """Per workload and contender: median, interquartile range, ratio, first call, and why not timed."""
    rows = []
    for run in record["workloads"]:
        for entry in run["contenders"].values():
            if entry["status"] == "timed":
                iqr = (entry["q3_s"] - entry["q1_s"]) / entry["median_s"]
                rows.append([run["name"], entry["label"], duration(entry["median_s"]),
                             f"{duration(entry['q1_s'])} – {duration(entry['q3_s'])} (±{50 * iqr:.0f}%)",
                             f"{entry['ratio']:.2f}×", duration(entry["setup_s"]), ""])
            else:
                setup = duration(entry["setup_s"]) if "setup_s" in entry else ""
                rows.append([run["name"], entry["label"], "", "", "", setup,
                             entry["status"] + (f": {entry['error']}" if "error" in entry else "")])
    return _table(["workload", "contender", "median", "interquartile range", "× numpy", "first call", "note"],
                  rows, "llrrrrl")


def memory(record: dict) -> list[str]:
    """Peak memory of one call (numpy's allocations, as tracemalloc sees them), and the ratio to
    hand-written numpy's; contenders with allocators of their own are not measured."""
    runs = record["workloads"]
    keys = [k for k, e in runs[0]["contenders"].items() if "peak_bytes" in e]
    if not keys:
        return []
    labels = [runs[0]["contenders"][k]["label"] for k in keys]
    rows = []
    for run in runs:
        base = run["contenders"]["numpy"].get("peak_bytes")
        cells = []
        for k in keys:
            peak = run["contenders"][k].get("peak_bytes")
            cells.append("" if peak is None else f"{peak / 2**20:.1f} MiB" if k == "numpy" or not base
                         else f"{peak / base:.2f}× ({peak / 2**20:.1f} MiB)")
        rows.append([run["label"]] + cells)
    return _table(["workload (peak memory of one call)"] + labels, rows, "l" + "r" * len(keys))


def throughput(record: dict) -> list[str]:
    """Workload C: GFLOP/s of the two matmuls in each contender, against a bare `x @ w`."""
    lines = []
    for run in record["workloads"]:
        if "matmul" not in run:
            continue
        bare = run["matmul"]
        rows = [["bare `x @ w`", duration(bare["median_s"]), f"{bare['gflops']:.1f}", "100%"]]
        for entry in run["contenders"].values():
            if entry["status"] == "timed":
                rows.append([entry["label"], duration(entry["median_s"]), f"{entry['gflops']:.1f}",
                             f"{100 * entry['gflops'] / bare['gflops']:.0f}%"])
        lines += ["", f"{run['label']}: the two matmuls' GFLOP/s (4·N·D·K per call) against a bare `x @ w`", ""]
        lines += _table(["", "median", "GFLOP/s", "of bare"], rows, "lrrr")
    return lines


def compile_table(record: dict) -> list[str]:
    """Workload E by depth; constant cost per added layer means compile time linear in depth."""
    rows, previous = [], None
    for r in record["compile"]:
        added = "" if previous is None else duration(
            (r["total_s"] - previous["total_s"]) / (r["depth"] - previous["depth"]))
        rows.append([str(r["depth"]), *(duration(r[k]) for k in ("derive_s", "emit_s", "total_s")), added])
        previous = r
    return _table(["MLP depth", "derive", "emit", "derive + emit", "per added layer"], rows, "rrrrr")


def markdown(record: dict) -> str:
    lines = [f"# symdiff benchmark{' (quick: small sizes, few repetitions)' if record['quick'] else ''}", "",
             describe(record["environment"]), "", f"`{record['command']}`"]
    lines += [f"\n**Warning**: {w}." for w in record.get("warnings", [])]
    if record["workloads"]:
        lines += ["", "Median time per call of value and gradients, and the ratio to hand-written numpy "
                      "(below 1×: faster).", ""]
        lines += summary(record) + [""] + details(record) + throughput(record)
        peaks = memory(record)
        lines += ["", "Peak memory of one call, as tracemalloc sees numpy's allocations:", ""] + peaks if peaks else []
    if record["compile"]:
        lines += ["", "E: symdiff compile cost of a tanh MLP (median; SymPy cache cleared before each)", ""]
        lines += compile_table(record)
    return "\n".join(lines) + "\n"


def write_json(record: dict, path: Path) -> Path:
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path
