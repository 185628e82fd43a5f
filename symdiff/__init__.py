"""symdiff: source-to-source symbolic differentiation of numpy/torch-style Python functions."""
from . import functional
from .api import Derivation, derive, grad, value_and_grad
from .check import check_grad
from .errors import (
    GradientCheckError,
    InputTypeError,
    NonScalarOutputError,
    ShapeError,
    SourceError,
    SymdiffError,
    UnknownCallError,
    UnsupportedSyntaxError,
    WrtError,
)

__version__ = "0.1.0"

__all__ = [
    "Derivation",
    "GradientCheckError",
    "InputTypeError",
    "NonScalarOutputError",
    "ShapeError",
    "SourceError",
    "SymdiffError",
    "UnknownCallError",
    "UnsupportedSyntaxError",
    "WrtError",
    "check_grad",
    "derive",
    "functional",
    "grad",
    "value_and_grad",
]
