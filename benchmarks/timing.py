"""Timing by interleaved rounds: every round gives each call a short untimed warm-up, then one timed
sample of one or more calls, so that drift and busy neighbours hit all contenders alike."""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Method:
    """How long to time: `budget` seconds per workload, spread over between `min_rounds` and
    `max_rounds` rounds of one `sample`-second sample per call, each after a `warmup`-second settle."""

    budget: float
    sample: float
    warmup: float
    min_rounds: int
    max_rounds: int


DEFAULT = Method(budget=8.0, sample=0.05, warmup=0.05, min_rounds=5, max_rounds=25)
QUICK = Method(budget=0.2, sample=0.002, warmup=0.001, min_rounds=2, max_rounds=3)


def warm(call, seconds: float) -> float:
    """Run `call` for at least `seconds` (and at least once); the mean seconds per call."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls


def settle(call, seconds: float, per_call: float) -> None:
    """Untimed warm-up before a sample: the call repeated for `seconds` or, where one call takes
    longer than that, a pause of `seconds` (worker threads of the library timed before stop spinning)."""
    if per_call < seconds:
        warm(call, seconds)
    else:
        time.sleep(seconds)


def sample(call, n: int) -> float:
    """Seconds per call over `n` back-to-back calls, with the garbage collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - start) / n
    finally:
        if enabled:
            gc.enable()


def interleave(calls: dict, method: Method) -> dict[str, dict]:
    """Time each of `calls` (name -> zero-argument callable) round-robin, rotating the order every
    round; per name the per-call samples in seconds, their median and quartiles."""
    estimate = {name: warm(call, method.warmup) for name, call in calls.items()}
    per_sample = {name: max(1, round(method.sample / t)) for name, t in estimate.items()}
    round_cost = sum(max(method.sample, t) + method.warmup for t in estimate.values())
    rounds = int(np.clip(method.budget // round_cost, method.min_rounds, method.max_rounds))
    names = list(calls)
    samples = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            settle(calls[name], method.warmup, estimate[name])
            samples[name].append(sample(calls[name], per_sample[name]))
    out = {}
    for name, times in samples.items():
        q1, median, q3 = np.percentile(times, [25, 50, 75])
        out[name] = {"median_s": float(median), "q1_s": float(q1), "q3_s": float(q3),
                     "calls_per_sample": per_sample[name], "samples_s": times}
    return out
