"""A PNG of the run, where matplotlib is installed: time per call by workload and contender (log
scale), and symdiff's compile time against MLP depth."""
from __future__ import annotations

from pathlib import Path

from .peers import installed


def chart(record: dict, path: Path) -> Path | None:
    """Draw the record to `path`; None without matplotlib or anything to draw."""
    panels = ([_times] if record["workloads"] else []) + ([_compile] if record["compile"] else [])
    if not panels or not installed("matplotlib"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5), squeeze=False)
    for panel, ax in zip(panels, axes[0]):
        panel(record, ax)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _times(record: dict, ax) -> None:
    runs = record["workloads"]
    keys = list(runs[0]["contenders"])
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        xs, medians, errors = [], [], [[], []]
        for j, run in enumerate(runs):
            entry = run["contenders"][key]
            if entry["status"] == "timed":
                xs.append(j + (i - (len(keys) - 1) / 2) * width)
                medians.append(entry["median_s"])
                errors[0].append(entry["median_s"] - entry["q1_s"])
                errors[1].append(entry["q3_s"] - entry["median_s"])
        if xs:
            ax.bar(xs, medians, width, yerr=errors, label=runs[0]["contenders"][key]["label"])
    ax.set_yscale("log")
    ax.set_xticks(range(len(runs)), [run["name"] for run in runs], rotation=30)
    ax.set_ylabel("seconds per call (median, IQR)")
    ax.set_title("value and gradients")
    ax.legend(fontsize="small")


def _compile(record: dict, ax) -> None:
    rows = record["compile"]
    depths = [r["depth"] for r in rows]
    for key, label in (("total_s", "derive + emit"), ("derive_s", "derive"), ("emit_s", "emit")):
        ax.plot(depths, [r[key] for r in rows], marker="o", label=label)
    ax.set_xlabel("MLP depth (hidden layers)")
    ax.set_ylabel("seconds")
    ax.set_title("symdiff compile cost")
    ax.legend(fontsize="small")
