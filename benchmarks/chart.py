"""A PNG of the run, where matplotlib is installed: the headline, each contender's time as a ratio to
hand-written numpy by workload; below it the absolute times per call and symdiff's compile time
against MLP depth; the title says whether the run was --quick, the footer names the machine."""
from __future__ import annotations

from pathlib import Path

from .environment import describe, load_warnings
from .peers import installed
from .report import duration

COLORS = {"numpy": "#444444", "symdiff": "#1f77b4", "export": "#6baed6", "torch": "#d62728", "jax": "#2ca02c",
          "autograd": "#9467bd"}


def chart(record: dict, path: Path) -> Path | None:
    """Draw the record to `path`; None without matplotlib or anything to draw."""
    if not (record["workloads"] or record["compile"]) or not installed("matplotlib"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = figure(record)
    drawn.savefig(path, dpi=110)
    plt.close(drawn)
    return path


def figure(record: dict):
    """The matplotlib figure of a record: ratios on top, absolute times and compile cost below."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(13, 9.5 if record["workloads"] else 5))
    if record["workloads"]:
        grid = fig.add_gridspec(2, 2, height_ratios=(1.5, 1), hspace=0.36, wspace=0.22)
        one = _ratios(record, fig.add_subplot(grid[0, :]))
        _times(record, fig.add_subplot(grid[1, 0]))
        compile_axes = fig.add_subplot(grid[1, 1]) if record["compile"] else None
        handles, labels = fig.axes[1].get_legend_handles_labels()  # every contender's bars, and the 1× line
        handles, labels = handles + [one], labels + [one.get_label()]
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 0.935))
    else:
        compile_axes = fig.add_subplot(1, 1, 1)
    if compile_axes is not None:
        _compile(record, compile_axes)
    quick = " (QUICK RUN: small sizes, few repetitions; not a measurement)" if record["quick"] else ""
    fig.suptitle(f"symdiff benchmark{quick}", fontsize=14, color="#b00000" if record["quick"] else "black", y=0.985)
    warnings = [f"WARNING: {w}" for w in load_warnings(record["environment"])]
    footer = [describe(record["environment"]), f"{record['created']}   {record['command']}   " + _untimed(record)]
    fig.text(0.01, 0.005, "\n".join(footer), fontsize=8, va="bottom", color="#333333")
    if warnings:
        fig.text(0.01, 0.035, "\n".join(warnings), fontsize=8, va="bottom", color="#b00000")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.09 + 0.015 * len(warnings))
    return fig


def _bars(record: dict, keys: list[str], ax, value, label_bars: bool = False) -> None:
    """Grouped bars, one group per workload and one bar per contender in `keys` that was timed."""
    runs = record["workloads"]
    width = min(0.8 / len(keys), 0.3)
    for i, key in enumerate(keys):
        xs, heights = [], []
        for j, run in enumerate(runs):
            entry = run["contenders"].get(key, {})
            if entry.get("status") == "timed":
                xs.append(j + (i - (len(keys) - 1) / 2) * width)
                heights.append(value(entry))
        if xs:
            bars = ax.bar(xs, heights, width * 0.92, color=COLORS.get(key), label=runs[0]["contenders"][key]["label"])
            if label_bars:
                ax.bar_label(bars, [_ratio_text(h) for h in heights], fontsize=7, padding=2, rotation=90)
    ax.set_xticks(range(len(runs)), [f"{run['key']} {run['dtype']}" for run in runs])
    ax.set_xlim(-0.5, len(runs) - 0.5)
    for j in range(1, len(runs)):
        ax.axvline(j - 0.5, color="#dddddd", linewidth=0.8, zorder=0)


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.1f}" if ratio >= 10 else f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def _contenders(record: dict) -> list[str]:
    return list(record["workloads"][0]["contenders"])


def _untimed(record: dict) -> str:
    """The contenders with no bar somewhere, and why: not installed, FAILED the check."""
    why: dict = {}
    for run in record["workloads"]:
        for entry in run["contenders"].values():
            if entry["status"] != "timed":
                why.setdefault(f"{entry['label']} ({entry['status']})", []).append(run["name"])
    every = len(record["workloads"])
    return ("not timed: " + "; ".join(f"{k}{'' if len(v) == every else ' in ' + ', '.join(v)}" for k, v in why.items())
            if why else "")


def _ratios(record: dict, ax):
    """Each contender's median time over hand-written numpy's, per workload (below 1: faster); the 1× line."""
    from matplotlib.ticker import FixedLocator, NullLocator

    keys = [k for k in _contenders(record) if k != "numpy"]
    _bars(record, keys, ax, lambda entry: entry["ratio"], label_bars=True)
    one = ax.axhline(1.0, color=COLORS["numpy"], linestyle="--", linewidth=1.2, label="1× = hand-written numpy")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.5), high * 2.5)  # room for the bars' labels
    ticks = _readable([t for t in _one_two_five(1e-4, 1e5) if min(low, 0.5) <= t <= high * 2.5])
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticklabels([f"{t:g}×" for t in ticks])
    ax.set_ylabel("× hand-written numpy's time\n(median per call; below 1×: faster)")
    ax.set_title("value and gradients: time relative to hand-written numpy", fontsize=11)
    names = {run["key"]: f"{run['key']} {run['title']} ({', '.join(f'{d}={n}' for d, n in run['sizes'].items())})"
             for run in record["workloads"]}
    ax.set_xlabel("   ".join(names.values()), fontsize=8)
    return one


def _readable(ticks: list[float]) -> list[float]:
    """At most 10 ticks: the powers of ten alone where 1, 2, 5 would be more."""
    return ticks if len(ticks) <= 10 else [t for t in ticks if f"{t:g}".lstrip("0.").startswith("1")]


def _one_two_five(low: float, high: float) -> list[float]:
    """1, 2, 5, 10, 20, 50... from `low` to `high`: readable ticks on a log axis."""
    ticks, decade = [], low
    while decade <= high:
        ticks += [round(decade * m, 10) for m in (1, 2, 5)]
        decade *= 10
    return ticks


def _times(record: dict, ax) -> None:
    """Absolute median seconds per call, hand-written numpy's too (log scale)."""
    from matplotlib.ticker import FuncFormatter

    keys = _contenders(record)
    _bars(record, keys, ax, lambda entry: entry["median_s"])
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda seconds, _: duration(seconds)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda seconds, _: ""))
    ax.set_ylabel("seconds per call (median)")
    ax.set_title("absolute time per call", fontsize=10)
    ax.tick_params(axis="x", labelsize=7, rotation=30)


def _compile(record: dict, ax) -> None:
    """symdiff's derive and emit time against MLP depth, on log2-log axes."""
    from matplotlib.ticker import FixedLocator, NullLocator

    rows = record["compile"]
    depths = [r["depth"] for r in rows]
    for key, label, color in (("total_s", "derive + emit", "#1f77b4"), ("derive_s", "derive", "#ff7f0e"),
                              ("emit_s", "emit", "#2ca02c")):
        ax.plot(depths, [r[key] * 1e3 for r in rows], marker="o", label=label, color=color)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(depths))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(d) for d in depths])
    low, high = ax.get_ylim()
    ticks = _readable([t for t in _one_two_five(0.1, 1e6) if low <= t <= high])
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.set_xlabel("MLP depth (hidden layers, log scale)")
    ax.set_ylabel("milliseconds (median)")
    ax.set_title("symdiff compile cost (E)", fontsize=10)
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, which="major", color="#eeeeee")

