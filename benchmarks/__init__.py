"""symdiff's benchmark: `python -m benchmarks` (or `symdiff bench`) from the repository root."""
from .runner import main

__all__ = ["main"]
