"""Built-in examples. `tutorial` is the model of PyTorch's autograd tutorial in numpy spelling;
`tutorial_torch.py` is the same function in torch spelling (read by symdiff, never imported)."""
from pathlib import Path

#: The built-in example `symdiff show` runs: (module, function, wrt, sizes)
TUTORIAL = ("symdiff.examples.tutorial", "loss", ("w", "b"), {"D": 5, "K": 3})
TUTORIAL_TORCH = Path(__file__).with_name("tutorial_torch.py")
