"""`python -m benchmarks` from the checkout's root, or `python path/to/benchmarks` from any folder."""
import sys

if __package__:
    from .runner import main
else:  # run as a folder: import the package, and the symdiff beside it, from this checkout
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.runner import main

sys.exit(main())
