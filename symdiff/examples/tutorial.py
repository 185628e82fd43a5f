"""PyTorch's autograd tutorial, as a plain numpy function.

The tutorial trains `loss = binary_cross_entropy_with_logits(x @ w + b, y)` with x (5,), w (5, 3),
b (3,) and y (3,), and asks for the gradients with respect to w and b.
"""
import numpy as np

from symdiff.functional import binary_cross_entropy_with_logits


def loss(x: "D", y: "K", w: "D K", b: "K"):
    z = np.matmul(x, w) + b
    return binary_cross_entropy_with_logits(z, y)
