"""Small builders of Python `ast` nodes, shared by the ops' numpy lowerings and the emitter."""
from __future__ import annotations

import ast


def name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def np(attr: str) -> ast.expr:
    """`np.<attr>`."""
    return ast.Attribute(name("np"), attr, ast.Load())


def attr(value: ast.expr, attribute: str) -> ast.Attribute:
    return ast.Attribute(value, attribute, ast.Load())


def call(func: ast.expr, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    return ast.Call(func, list(args), [ast.keyword(k, v) for k, v in kwargs.items()])


def method(value: ast.expr, attribute: str, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    """`value.<attribute>(*args, **kwargs)`."""
    return call(attr(value, attribute), *args, **kwargs)


def const(value) -> ast.expr:
    """A constant; negative numbers as `-x`, tuples of numbers as tuples."""
    if isinstance(value, tuple):
        return tuple_(const(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def tuple_(elts) -> ast.Tuple:
    return ast.Tuple(list(elts), ast.Load())


def axis(axes: tuple) -> ast.expr:
    """An `axis=` argument: one int or a tuple of them."""
    return const(int(axes[0])) if len(axes) == 1 else const(tuple(int(a) for a in axes))


def subscript(value: ast.expr, index: list[ast.expr]) -> ast.Subscript:
    return ast.Subscript(value, tuple_(index) if len(index) != 1 else index[0], ast.Load())


def full_slice() -> ast.Slice:
    return ast.Slice()
