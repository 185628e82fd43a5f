"""The benchmark's workloads A-D and F: a model, its parameters' shapes, the sizes and the dtype."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LINEAR = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}
MLP = {"x": ("N", "D"), "y": ("N", "K"), "w1": ("D", "H"), "b1": ("H",), "w2": ("H", "H"), "b2": ("H",),
       "w3": ("H", "K"), "b3": ("K",)}
RNN = {"x": ("T", "N", "D"), "y": ("T", "N", "K"), "w_xh": ("D", "H"), "w_hh": ("H", "H"), "b_h": ("H",),
       "w_hy": ("H", "K"), "b_y": ("K",)}


@dataclass(frozen=True)
class Workload:
    """One model at one size and dtype. `model` names the spelling each contender uses."""

    key: str  # "A", "B", ...
    title: str
    model: str  # "linear", "mlp" or "rnn"
    shapes: dict  # parameter -> dimension names, in argument order
    sizes: dict  # dimension name -> size
    dtype: str

    @property
    def name(self) -> str:
        return f"{self.key} {self.dtype}"

    @property
    def label(self) -> str:
        dims = ", ".join(f"{d}={n}" for d, n in self.sizes.items())
        return f"{self.key} {self.title} ({dims}) {self.dtype}"

    @property
    def wrt(self) -> tuple[str, ...]:
        """Every parameter but the data x and the targets y."""
        return tuple(self.shapes)[2:]

    def shape(self, param: str) -> tuple[int, ...]:
        return tuple(self.sizes[d] for d in self.shapes[param])

    def inputs(self, seed: int = 0) -> list[np.ndarray]:
        """x standard normal, y in {0, 1}, weights scaled by 1/sqrt(fan-in), biases small."""
        rng = np.random.default_rng(seed)
        arrays = []
        for param, dims in self.shapes.items():
            shape = self.shape(param)
            if param == "y":
                a = rng.integers(0, 2, shape)
            elif param == "x":
                a = rng.standard_normal(shape)
            elif param.startswith("w"):
                a = rng.standard_normal(shape) / np.sqrt(self.sizes[dims[0]])
            else:
                a = 0.1 * rng.standard_normal(shape)
            arrays.append(a.astype(self.dtype))
        return arrays

    def matmul_flops(self) -> int:
        """Floating-point operations of one `x @ w` (for the linear model)."""
        return 2 * self.sizes["N"] * self.sizes["D"] * self.sizes["K"]


_SPECS = {  # key -> (title, model, shapes, full sizes, quick sizes)
    "A": ("tutorial", "linear", {"x": ("D",), "y": ("K",), "w": ("D", "K"), "b": ("K",)},
          {"D": 5, "K": 3}, {"D": 5, "K": 3}),
    "B": ("logistic regression", "linear", LINEAR, {"N": 256, "D": 784, "K": 10}, {"N": 16, "D": 32, "K": 10}),
    "C": ("large linear", "linear", LINEAR, {"N": 4096, "D": 1024, "K": 1024}, {"N": 128, "D": 64, "K": 64}),
    "D": ("MLP tanh", "mlp", MLP, {"N": 256, "D": 784, "H": 512, "K": 10}, {"N": 16, "D": 32, "H": 16, "K": 10}),
    "F": ("RNN tanh", "rnn", RNN, {"T": 100, "N": 32, "D": 64, "H": 128, "K": 10},
          {"T": 5, "N": 4, "D": 8, "H": 16, "K": 3}),
}
KEYS = tuple(_SPECS)
DTYPES = ("float32", "float64")


def workloads(keys=KEYS, dtypes=DTYPES, quick: bool = False) -> list[Workload]:
    """The selected workloads, each in each selected dtype (smaller sizes if `quick`)."""
    out = []
    for key in keys:
        title, model, shapes, sizes, quick_sizes = _SPECS[key]
        for dtype in dtypes:
            out.append(Workload(key, title, model, shapes, quick_sizes if quick else sizes, dtype))
    return out
