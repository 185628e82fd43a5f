"""The printer: astor where it supports the running Python, ast.unparse elsewhere, the same text."""
import ast
import warnings

import pytest

import symdiff
from symdiff import emit
from symdiff.derivation import KINDS
from symdiff.examples import mlp, tutorial


@pytest.mark.parametrize("module", ["tutorial", "mlp"])
def test_astor_and_ast_unparse_print_the_same_module(monkeypatch, module):
    with warnings.catch_warnings():
        # astor 0.8 reads ast.Num at import, deprecated since Python 3.12: this test uses it on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        import astor  # noqa: F401
    if module == "tutorial":
        source = symdiff.export(tutorial.loss, wrt=("w", "b"))
    else:
        source = symdiff.export(mlp.mlp, wrt=("w1", "b3"), kinds=KINDS)
    printed = {}
    for supported in (True, False):
        monkeypatch.setattr(emit, "ASTOR_SUPPORTED", supported)
        printed[supported] = emit.to_source(ast.parse(source))
    assert printed[True] == printed[False]


def test_the_printer_follows_the_python_version():
    import sys

    assert emit.ASTOR_SUPPORTED == (sys.version_info < (3, 12))
