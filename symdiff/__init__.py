"""symdiff: source-to-source symbolic differentiation of numpy/torch-style Python functions."""
from .version import __version__

from . import functional
from .api import derive, export, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .check import check_grad
from .derivation import Derivation
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
from .functional import stop_gradient


__all__ = [
    "__version__",
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
    "export",
    "functional",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "stop_gradient",
    "value_and_grad",
    "vjp",
]
