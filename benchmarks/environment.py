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
