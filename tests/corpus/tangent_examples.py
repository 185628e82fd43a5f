"""Functions in the style of Google Tangent's test functions: small numpy programs exercising
Python itself — `if` on values, `for i in range(3)`, `while`, overwritten names, augmented
assignment, subscripts and slices, index assignment into arrays, tuple/dict arguments, helper
calls, list literals and comprehensions, an integer loop-count parameter. Scalars are 0-d arrays
unless the case says otherwise."""
import numpy as np

from . import Case
from ._data import binary, normal, scalar


def saxpy_overwrite(a, b, c):
    t = a * b
    t = t + c
    return t


def _inner_fn(a, b):
    return a * b


def nested_call(a, b):
    return _inner_fn(_inner_fn(a, b), a) + b


def overwrite_if(a):
    if a > 0:
        a = a * 3.0
    else:
        a = a * 2.0
    return a


def nested_if(a):
    if a > 0:
        if a < 10:
            a = a * a
    else:
        a = 3.0 * a
    return a


def multivar_if(a, b):
    if a > b:
        a = a * a
    else:
        a = a * b
    return a


def conditional_expression(a):
    return a * a if a > 0 else -a


def iter_third_pow(a):
    out = 1
    for i in range(3):
        out = out * a
    return out


def serial_for(a):
    for i in range(2):
        a = a * a
    a = 2.0 * a
    for i in range(3):
        a = a * 3.0
    return a


def cond_iterpower(a):
    for i in range(3):
        if a < 20:
            a = a * a
    return a


def iterpower(a, n):
    for i in range(n):
        a = a * a
    return a


def while_halving(a):
    while np.abs(a) > 0.1:
        a = a * 0.5
    return a


def augassign(a):
    x = a * a
    x *= x
    x += a
    return x


def subscript(x):
    a = x[0]
    b = x[1]
    return a * b


def slicing(x):
    return np.sum(x[1:] * x[:-1])


def extended_slice(x):
    return np.sum(x[::2, np.newaxis] * x[1::2])


def active_subscript(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i] ** 2
    return np.sum(y)


def tangent_rnn(inputs, W):
    h = np.zeros((4, 3))
    for t in range(3):
        h[t + 1] = np.tanh(np.dot(inputs[t], W) + h[t])
    return np.sum(h[1:])


def bilinear(x, h, U, W, b):
    y = np.dot(x, W)
    y = y + np.dot(h, U)
    y = y + b
    y = np.tanh(y)
    return np.sum(y)


def unpacking_args_saxpy(abc_packed_in_tuple):
    a, b, c = abc_packed_in_tuple
    return np.sum(a * b + c)


def dict_saxpy(val):
    return np.sum(val['a'] * val['b'] + val['c'])


def nested_dict(p):
    return np.sum(p['i']['j'] * p['i']['k'])


def list_literal(a):
    b = [1.0, a * a, 2.0]
    return np.sum(b)


def listcomp(a):
    return np.sum([i * 3.0 for i in a])


def logistic_regression(input, label, W, b):
    h1 = np.dot(input, W) + b
    prediction = 0.5 * (np.tanh(h1) + 1)
    label_probabilities = prediction * label + (1 - prediction) * (1 - label)
    loss = -np.sum(np.log(label_probabilities))
    return loss


def python_float_arg(a, x):
    return np.sum(np.exp(a * x))


CASES = [
    Case(saxpy_overwrite, lambda rng: (scalar(rng), scalar(rng), scalar(rng)), wrt=(0, 1, 2)),
    Case(nested_call, lambda rng: (scalar(rng), scalar(rng)), wrt=(0, 1)),
    Case(overwrite_if, lambda rng: (scalar(rng, 0.2, 1.0),), name="overwrite_if_positive"),
    Case(overwrite_if, lambda rng: (scalar(rng, -1.0, -0.2),), name="overwrite_if_negative"),
    Case(nested_if, lambda rng: (scalar(rng, 0.5, 2.0),)),
    Case(multivar_if, lambda rng: (scalar(rng, 0.5, 1.0), scalar(rng, -1.0, 0.0)), wrt=(0, 1)),
    Case(conditional_expression, lambda rng: (scalar(rng, 0.2, 1.0),)),
    Case(iter_third_pow, lambda rng: (scalar(rng),)),
    Case(serial_for, lambda rng: (scalar(rng),)),
    Case(cond_iterpower, lambda rng: (scalar(rng, 1.1, 1.5),)),
    Case(iterpower, lambda rng: (scalar(rng, 0.5, 1.2), 3)),
    Case(while_halving, lambda rng: (scalar(rng, 0.5, 1.0),)),
    Case(augassign, lambda rng: (scalar(rng),)),
    Case(subscript, lambda rng: (normal(rng, 3),)),
    Case(slicing, lambda rng: (normal(rng, 5),)),
    Case(extended_slice, lambda rng: (normal(rng, 6),)),
    Case(active_subscript, lambda rng: (normal(rng, 4),)),
    Case(tangent_rnn, lambda rng: (normal(rng, 3, 3), normal(rng, 3, 3, scale=0.5)), wrt=1),
    Case(bilinear, lambda rng: (normal(rng, 3), normal(rng, 2), normal(rng, 2, 4), normal(rng, 3, 4), normal(rng, 4)),
         wrt=(0, 1, 2, 3, 4)),
    Case(unpacking_args_saxpy, lambda rng: ((normal(rng, 3), normal(rng, 3), normal(rng, 3)),)),
    Case(dict_saxpy, lambda rng: ({'a': normal(rng, 3), 'b': normal(rng, 3), 'c': normal(rng, 3)},)),
    Case(nested_dict, lambda rng: ({'i': {'j': normal(rng, 2), 'k': normal(rng, 2)}},)),
    Case(list_literal, lambda rng: (scalar(rng),)),
    Case(listcomp, lambda rng: (normal(rng, 4),)),
    Case(logistic_regression, lambda rng: (normal(rng, 5, 3), binary(rng, 5, 2), normal(rng, 3, 2), normal(rng, 2)),
         wrt=(2, 3)),
    Case(python_float_arg, lambda rng: (0.7, normal(rng, 4))),
]
