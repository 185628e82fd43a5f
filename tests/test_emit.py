"""The printer: astor where it supports the running Python, ast.unparse elsewhere, the same text."""
import ast
import sys

import pytest

import symdiff
from symdiff import emit
from symdiff.derivation import KINDS
from symdiff.examples import mlp, tutorial


@pytest.mark.skipif(sys.version_info < (3, 11), reason="symdiff prints with astor there; Python 3.10's ast.unparse "
                                                      "writes tuple targets as `(N, D) = ...`")
# astor 0.8 reads ast.Num and ast.Str, deprecated since Python 3.12: this test uses it there on purpose
@pytest.mark.filterwarnings("ignore::DeprecationWarning:astor")
@pytest.mark.parametrize("module", ["tutorial", "mlp"])
def test_astor_and_ast_unparse_print_the_same_module(monkeypatch, module):
    """What symdiff prints on Python 3.12+ (ast.unparse) is what it prints up to 3.11 (astor)."""
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
    assert emit.ASTOR_SUPPORTED == (sys.version_info < (3, 12))
