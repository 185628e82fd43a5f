"""A corpus of differentiable functions written the way public projects write them.

Each module here holds plain functions in one source style (HIPS autograd's examples, JAX's,
PyTorch tutorials and d2l, Tangent's tests, scipy.optimize objectives, everyday numpy idioms, models, loops of any length) and a module-level
`CASES` list of `Case`s: the function, how to make its arguments from a random generator, and
`wrt` exactly as `symdiff.grad` takes it. The functions are written as a user would write them,
not as symdiff accepts them: loops, indexing, parameter trees, globals and closures are the point.
What symdiff refuses is the measured coverage; what it compiles must be right.

`scripts/corpus.py` runs them and prints the summary; `tests/test_corpus_cases.py` asserts that no case
is compiled and wrong and none crashes. The machinery is in `corpus.harness`.

The `*_style.py` modules beside them are a second corpus, written with the constructs symdiff
supports (autograd's and JAX's examples, Tangent's tests, d2l): `tests/test_corpus.py` checks those.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

#: The corpus modules, one per source style, in report order.
STYLES = ("autograd_examples", "jax_examples", "torch_examples", "d2l_examples", "tangent_examples", "scipy_examples",
          "numpy_idioms", "models", "loops_examples", "reach_examples")


@dataclass
class Case:
    """One function and its arguments.

    `args(rng)` returns the positional arguments: float64 arrays, Python floats, int label arrays,
    or lists/tuples/dicts of arrays (parameter trees). `wrt` is a parameter index, name or a tuple
    of them, as `symdiff.grad` takes it. `framework="torch"` runs the reference value with torch
    tensors (the function is torch-spelled); symdiff always gets numpy arrays.
    """

    fn: Callable
    args: Callable[[Any], tuple]
    wrt: Any = 0
    name: str | None = None
    framework: str = "numpy"
    rtol: float = 1e-5
    eps: float = 1e-6
    note: str = ""
    style: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        return f"{self.style}.{self.name or self.fn.__name__}"


def load_cases(styles=STYLES) -> list[Case]:
    """Every case of the named corpus modules, each tagged with its style; ids are unique."""
    cases, seen = [], set()
    for style in styles:
        module = importlib.import_module(f"{__name__}.{style}")
        for case in module.CASES:
            case.style = style
            if case.id in seen:
                raise ValueError(f"duplicate corpus case id {case.id}: give it a name=")
            seen.add(case.id)
            cases.append(case)
    return cases
