"""symdiff's benchmark: `python -m benchmarks` (or `symdiff bench`) from the repository root, or
`python path/to/benchmarks` from any folder."""
from .runner import main

__all__ = ["main"]
