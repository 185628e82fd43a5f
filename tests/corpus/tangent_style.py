"""In the style of Tangent's tests/functions.py: small functions exercising Python constructs."""
import numpy as np


def saxpy(a, x, y):
    return np.sum(a * x + y)


def augassign(a):
    x = a * a
    x *= x
    x += a
    return np.sum(x)


def simple_loop(a):
    x = 0
    for i in range(5):
        x += a
    return np.sum(x)


def nested_loop(a):
    x = 0.0
    for i in range(3):
        for j in range(2):
            x = x + a * (i + j)
    return np.sum(x)


def if_true(a, b=True):
    if b:
        y = a * 2
    else:
        y = a * 3
    return np.sum(y)


def while_loop(a):
    n = 0
    x = a
    while n < 3:
        x = x * a
        n += 1
    return np.sum(x)


def unpacking_args_saxpy(abc_packed_in_tuple):
    a, b, c = abc_packed_in_tuple
    return np.sum(a * b + c)


def nested_dict(p):
    return np.sum(p["i"]["j"] * p["i"]["k"])


def logistic_regression(input, label, W, b):
    h1 = np.dot(input, W) + b
    prediction = 0.5 * (np.tanh(h1) + 1)
    label_probabilities = prediction * label + (1 - prediction) * (1 - label)
    loss = -np.sum(np.log(label_probabilities))
    return loss


def inline_helper(a):
    return np.sum(a * 2 + helper(a))


def helper(a):
    return a ** 2


def fn_with_default(a, b=2.0):
    return np.sum(a * b)


def break_continue(a):
    x = a
    for i in range(10):
        if i == 1:
            continue
        if i > 3:
            break
        x = x * a
    return np.sum(x)


def cond_expr(a, flag=False):
    return np.sum(a * 2 if flag else np.exp(a))


def list_append(a):
    xs = []
    for i in range(3):
        xs.append(a * (i + 1))
    return np.sum(sum(xs)) + len(xs)
