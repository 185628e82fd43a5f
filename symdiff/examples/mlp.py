"""A small torch.nn-style MLP written as plain functions: two tanh hidden layers, a linear output
and cross-entropy on class probabilities. `symdiff show symdiff.examples.mlp:mlp --wrt w1,b1,w2,b2,w3,b3`"""
import numpy as np

from symdiff.functional import cross_entropy


def layer(x, w, b):
    return np.tanh(x @ w + b)


def mlp(x: "N D", y: "N K", w1: "D H", b1: "H", w2: "H H", b2: "H", w3: "H K", b3: "K"):
    h = layer(x, w1, b1)
    h = layer(h, w2, b2)
    z = h @ w3 + b3
    return cross_entropy(z, y)
