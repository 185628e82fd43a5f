"""What a result was measured on: machine, load, versions, numpy's BLAS, threads, git commit."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGES = ("symdiff", "numpy", "sympy", "astor", "torch", "jax", "jaxlib", "autograd", "matplotlib")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
#: A load average above this many per usable CPU makes the timings suspect.
LOADED_PER_CPU = 0.5


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> tuple | None:
    """The 1, 5 and 15-minute load averages, where the system gives them."""
    return os.getloadavg() if hasattr(os, "getloadavg") else None


def git_commit() -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def environment() -> dict:
    blas = np.show_config(mode="dicts").get("Build Dependencies", {})
    return {
        "machine": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average": load_average(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in PACKAGES},
        "numpy_blas": blas,
        "thread_variables": {v: os.environ[v] for v in THREAD_VARIABLES if v in os.environ},
        "git_commit": git_commit(),
    }


def load_warnings(env: dict) -> list[str]:
    """Why the timings may be off: a load average (at the start or end of the run) above
    `LOADED_PER_CPU` per usable CPU, i.e. other processes competing for the cores."""
    limit = LOADED_PER_CPU * (env.get("cpus_usable") or 1)
    warnings = []
    for when, key in (("at the start", "load_average"), ("at the end", "load_average_end")):
        load = env.get(key)
        if load and load[0] > limit:
            warnings.append(f"the machine was busy {when}: load average {load[0]:.2f} on {env['cpus_usable']} CPUs "
                            f"(above {limit:g}); timings may be slow and noisy (rerun when it is idle, or pin "
                            f"with taskset -c 1)")
    return warnings


def describe(env: dict) -> str:
    """The machine and the versions on one line, for the report's header and the chart's footer."""
    load = f"load {env['load_average'][0]:.2f}, " if env.get("load_average") else ""
    versions = env["versions"]
    peers = ", ".join(f"{p} {versions[p]}" for p in ("torch", "jax", "autograd") if versions.get(p) != "not installed")
    return (f"{env['cpu']}, {env['cpus_usable']} of {env['cpu_count']} CPUs, {load}Python {env['python']}, "
            f"numpy {versions['numpy']}" + (f", {peers}" if peers else "") + f", commit {env['git_commit']}")
