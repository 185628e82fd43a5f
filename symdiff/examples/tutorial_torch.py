"""PyTorch's autograd tutorial, spelled as in the tutorial. symdiff compiles it without torch."""
import torch


def loss(x: "D", y: "K", w: "D K", b: "K"):
    z = torch.matmul(x, w) + b
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y)
