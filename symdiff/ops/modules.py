"""torch.nn's loss modules, which hold nothing but options: `nn.MSELoss()`, `nn.CrossEntropyLoss(
reduction='none')`, built in the function or outside it, are called as the functional loss with
those options. Other modules hold parameters and are refused (see `resolve.foreign_function`)."""
from __future__ import annotations

import inspect

from . import EXAMPLES, OPS, Bound, Unavailable, constant, example, register

#: Each loss module's class name and the functional loss it calls.
LOSSES = {
    "MSELoss": "mse_loss", "L1Loss": "l1_loss", "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
    "BCELoss": "binary_cross_entropy", "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "HuberLoss": "huber_loss", "SmoothL1Loss": "smooth_l1_loss", "KLDivLoss": "kl_div",
}


def options(loss: str) -> list[str]:
    """The keyword options of the functional loss a module holds (all but the two operands)."""
    names = list(OPS[f"torch.nn.functional.{LOSSES[loss]}"].signature.parameters)[2:]
    return [n for n in names if n not in ("size_average", "reduce")]


def _constructor(loss: str):
    def impl(graph, **given):
        keywords = {k: v if k in ("weight", "pos_weight") else constant(graph, v, f"`{k}`") for k, v in given.items()}
        return Bound(f"torch.nn.functional.{LOSSES[loss]}", keywords)

    return impl


def _signature(loss: str):
    """A stand-in with the module's constructor signature: the functional's options, by keyword."""
    def like(**options):
        pass

    functional = OPS[f"torch.nn.functional.{LOSSES[loss]}"].signature.parameters
    like.__signature__ = inspect.Signature([functional[n].replace(kind=inspect.Parameter.KEYWORD_ONLY)
                                            for n in options(loss)])
    return like


def loss_module(obj) -> Bound | None:
    """The call a torch.nn loss module object stands for, its options read when the function
    compiles; None for any other object."""
    cls = type(obj)
    if not cls.__module__.startswith("torch.nn.modules.") or cls.__name__ not in LOSSES:
        return None
    keywords = {}
    for name in options(cls.__name__):
        value = getattr(obj, name, None)
        keywords[name] = value if value is None or isinstance(value, (int, float, str)) else Unavailable(
            f"the `{name}` tensor held by the {cls.__name__} object",
            f"Pass it in as a parameter to the functional loss: F.{LOSSES[cls.__name__]}(..., {name}={name}).")
    return Bound(f"torch.nn.functional.{LOSSES[cls.__name__]}", keywords)


for _loss in LOSSES:
    register(_constructor(_loss), f"torch.nn.{_loss}", like=_signature(_loss))

EXAMPLES.extend([
    example("torch.nn.MSELoss()(a, b) + torch.nn.L1Loss(reduction='sum')(a, b) + torch.nn.HuberLoss(delta=0.5)(a, b)"
            " + torch.nn.SmoothL1Loss(beta=0.5)(a, b) + torch.nn.BCEWithLogitsLoss(pos_weight=b)(a, b)", a=(3, 4),
            b=(3, 4), domain="probability"),
    example("torch.nn.BCELoss(weight=b)(a, b) + torch.nn.KLDivLoss(reduction='batchmean')(a.log(), b)", a=(3, 4),
            b=(3, 4), domain="probability"),
    example("torch.nn.CrossEntropyLoss(label_smoothing=0.1)(a, t) + torch.nn.NLLLoss(reduction='sum')(a, t)",
            a=(5, 3), t=(5,), array_api=False, integers={"t": 3}, domain="positive"),
])
