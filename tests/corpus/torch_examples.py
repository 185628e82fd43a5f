"""Torch-spelled functions in the style of PyTorch's tutorials and examples: `torch.*`, tensor
methods (`.mm`, `.clamp`, `.pow`, `.t()`, `.view`), `torch.nn.functional as F` losses with integer
class targets and reductions, module-level loss objects. symdiff reads them without running torch;
the reference value runs them with torch (float64) when it is installed. The module imports
without torch."""
import math

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # symdiff resolves the names from the source; only the reference needs torch
    torch = F = nn = None

from . import Case
from ._data import binary, labels, normal, one_hot, positive, scalar


# -- the autograd tutorial ------------------------------------------------------------------------

def tutorial_loss(x, y, w, b):
    z = torch.matmul(x, w) + b
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y)


# -- "learning PyTorch with examples": the polynomial and the two-layer net ------------

def polynomial_loss(a, b, c, d, x, y):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    return (y_pred - y).pow(2).sum()


def legendre_p3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def legendre_loss(a, b, c, d, x, y):
    y_pred = a + b * legendre_p3(c + d * x)
    return (y_pred - y).pow(2).sum()


def two_layer_net_loss(w1, w2, x, y):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    return (y_pred - y).pow(2).sum()


# -- classifiers with F losses and integer class targets --------------------------------------

def classifier_loss(W1, b1, W2, b2, x, target):
    hidden = F.relu(x @ W1 + b1)
    logits = hidden @ W2 + b2
    return F.cross_entropy(logits, target)


def nll_loss(W, b, x, target):
    log_probs = F.log_softmax(torch.mm(x, W) + b, dim=1)
    return F.nll_loss(log_probs, target)


def label_smoothing_loss(W, x, target):
    return F.cross_entropy(x @ W, target, label_smoothing=0.1)


criterion = None if nn is None else nn.MSELoss()


def mse_module_loss(w, b, x, y):
    return criterion(x @ w + b, y)


def mse_functional_loss(w, b, x, y):
    return F.mse_loss(torch.matmul(x, w) + b, y, reduction="sum")


# -- softmax and logsumexp by hand ---------------------------------------------------------

def softmax_by_hand(W, x, y_onehot):
    logits = x.mm(W)
    probs = logits.exp() / logits.exp().sum(dim=1, keepdim=True)
    return -(y_onehot * probs.log()).sum(dim=1).mean()


def logsumexp_loss(W, x, y_onehot):
    logits = x @ W
    return (torch.logsumexp(logits, dim=1) - (logits * y_onehot).sum(1)).mean()


# -- layer norm, GELU, einsum -----------------------------------------------------------------

def layer_norm_loss(weight, bias, x):
    y = F.layer_norm(x, (x.shape[-1],), weight, bias, eps=1e-5)
    return F.gelu(y).sum()


def einsum_bilinear(W, x, z):
    return torch.einsum('bi,ij,bj->b', x, W, z).pow(2).mean()


# -- VAE loss from pytorch/examples ------------------------------------------------------------

def vae_loss_function(recon_logits, x, mu, logvar):
    recon_x = torch.sigmoid(recon_logits)
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 6), reduction='sum')
    # see Appendix B from VAE paper: 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


# -- losses with torch.where, smooth L1, clamp ----------------------------------------------

def smooth_l1(w, x, y):
    return F.smooth_l1_loss(x @ w, y, beta=0.5)


def where_loss(w, x):
    z = x @ w
    return torch.where(z > 0, z ** 2, torch.exp(z) - 1).sum()


def clamp_log_loss(p_logits, y):
    p = torch.sigmoid(p_logits).clamp(1e-6, 1 - 1e-6)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


# -- torch.cat / torch.stack over a parameter list -----------------------------------------

def concat_features(w, x1, x2):
    feats = torch.cat([x1, x2, x1 * x2], dim=1)
    return torch.tanh(feats @ w).sum()


def stacked_heads(heads, x):
    outs = torch.stack([x @ h for h in heads], dim=0)
    return outs.pow(2).mean()


def transpose_norm(W, x):
    return torch.norm(x.t() @ torch.tanh(x @ W)) + W.pow(2).sum().sqrt()


CASES = [
    Case(tutorial_loss, lambda rng: (normal(rng, 5), binary(rng, 3), normal(rng, 5, 3), normal(rng, 3)), wrt=(2, 3)),
    Case(polynomial_loss, lambda rng: (scalar(rng), scalar(rng), scalar(rng), scalar(rng), normal(rng, 8), normal(rng, 8)),
         wrt=(0, 1, 2, 3)),
    Case(legendre_loss, lambda rng: (scalar(rng), scalar(rng), scalar(rng), scalar(rng), normal(rng, 8), normal(rng, 8)),
         wrt=("a", "b", "c", "d")),
    Case(two_layer_net_loss, lambda rng: (normal(rng, 4, 5), normal(rng, 5, 2), normal(rng, 6, 4), normal(rng, 6, 2)),
         wrt=(0, 1)),
    Case(classifier_loss, lambda rng: (normal(rng, 4, 5), normal(rng, 5), normal(rng, 5, 3), normal(rng, 3),
                                       normal(rng, 6, 4), labels(rng, 6, 3)), wrt=(0, 1, 2, 3)),
    Case(nll_loss, lambda rng: (normal(rng, 4, 3), normal(rng, 3), normal(rng, 6, 4), labels(rng, 6, 3)), wrt=(0, 1)),
    Case(label_smoothing_loss, lambda rng: (normal(rng, 4, 3), normal(rng, 6, 4), labels(rng, 6, 3))),
    Case(mse_module_loss, lambda rng: (normal(rng, 3), scalar(rng), normal(rng, 6, 3), normal(rng, 6)), wrt=(0, 1)),
    Case(mse_functional_loss, lambda rng: (normal(rng, 3, 2), normal(rng, 2), normal(rng, 6, 3), normal(rng, 6, 2)), wrt=(0, 1)),
    Case(softmax_by_hand, lambda rng: (normal(rng, 4, 3), normal(rng, 6, 4), one_hot(rng, 6, 3))),
    Case(logsumexp_loss, lambda rng: (normal(rng, 4, 3), normal(rng, 6, 4), one_hot(rng, 6, 3))),
    Case(layer_norm_loss, lambda rng: (positive(rng, 4), normal(rng, 4), normal(rng, 3, 4)), wrt=(0, 1, 2)),
    Case(einsum_bilinear, lambda rng: (normal(rng, 3, 4), normal(rng, 5, 3), normal(rng, 5, 4))),
    Case(vae_loss_function, lambda rng: (normal(rng, 2, 6), binary(rng, 2, 6), normal(rng, 2, 2), normal(rng, 2, 2, scale=0.3)),
         wrt=(0, 2, 3)),
    Case(smooth_l1, lambda rng: (normal(rng, 3), normal(rng, 8, 3), normal(rng, 8, scale=2.0))),
    Case(where_loss, lambda rng: (normal(rng, 3), normal(rng, 7, 3))),
    Case(clamp_log_loss, lambda rng: (normal(rng, 6), binary(rng, 6))),
    Case(concat_features, lambda rng: (normal(rng, 6, 2), normal(rng, 5, 2), normal(rng, 5, 2))),
    Case(stacked_heads, lambda rng: ([normal(rng, 3, 2) for _ in range(3)], normal(rng, 4, 3))),
    Case(transpose_norm, lambda rng: (normal(rng, 3, 2), normal(rng, 5, 3))),
]
for _case in CASES:
    _case.framework = "torch"
