"""One-line hints for the classic autograd mistakes, kept in one table.

Each row pairs a fragment of PyTorch's own error message with the advice a tutor would give.
The fragments are copied from real PyTorch 2.13, so a hint fires on the engine's error and on real
torch's alike.
"""

from __future__ import annotations

import re

METHOD_WITHOUT_CALL = ("a method named without its parentheses is the method itself, not its result: "
                       "call it, as in x.exp().sum(), x.size(0), loss.item() or model.parameters()")

# (exception name, fragment of the message, hint)
HINTS: tuple[tuple[str, str, str], ...] = (
    (
        "RuntimeError",
        "Trying to backward through the graph a second time",
        "the graph is freed by the first backward(); call backward(retain_graph=True) "
        "the first time if you need to backward through it again",
    ),
    (
        "RuntimeError",
        "does not require grad and does not have a grad_fn",
        "nothing in this computation tracks gradients; create the input leaf with "
        "requires_grad=True (e.g. torch.tensor(2.0, requires_grad=True)), and take a gradient "
        "you will differentiate again with torch.autograd.grad(..., create_graph=True)",
    ),
    (
        "RuntimeError",
        "a leaf Variable that requires grad is being used in an in-place operation",
        "update a leaf inside `with torch.no_grad():`, or work on a copy made with .clone()",
    ),
    (
        "RuntimeError",
        "grad can be implicitly created only for scalar outputs",
        "reduce the output to a scalar first (e.g. out.sum().backward()) "
        "or pass gradient=torch.ones_like(out)",
    ),
    (
        # torch.tensor(..., requires_grad=True) says "Only Tensors of floating point and complex dtype",
        # t.requires_grad_() "only Tensors of floating point dtype": one fragment matches all of them
        "RuntimeError",
        "Tensors of floating point",
        "use float values, e.g. torch.tensor([1., 2.], requires_grad=True) or dtype=torch.float",
    ),
    (
        "RuntimeError",
        "has been modified by an inplace operation",
        "a tensor saved for backward was changed in place afterwards (+=, *=, add_, x[i] = ...); "
        "use the out-of-place form (y = y * 2) or change a .clone()",
    ),
    # a method named without its parentheses (x.exp.sum(), x.size[0], loss.item + 1): torch's
    # methods are C built-ins, nn.Module's are Python methods
    ("AttributeError", "'builtin_function_or_method' object has no attribute", METHOD_WITHOUT_CALL),
    ("AttributeError", "'method' object has no attribute", METHOD_WITHOUT_CALL),
    ("TypeError", "builtin_function_or_method", METHOD_WITHOUT_CALL),
    ("TypeError", "'method'", METHOD_WITHOUT_CALL),
    # the shape and dtype slips of a first training loop (s-learner, session 17)
    (
        "RuntimeError",
        "mat1 and mat2 shapes cannot be multiplied",
        "(n x k) @ (k x m) needs the inner sizes to agree: compare the shapes with .shape, "
        "transpose one with .T, or give nn.Linear in_features equal to the input's last size",
    ),
    (
        "RuntimeError",
        "expected target dtype to be Long or Byte",
        "class-index targets are integers: pass target.long() (float targets are class "
        "probabilities, with the input's shape)",
    ),
    (
        "RuntimeError",
        "Found dtype Long but expected Float",
        "this loss compares floats: convert the target with target.float()",
    ),
    (
        "AttributeError",
        "'NoneType' object has no attribute 'zero_'",
        "a leaf's .grad is None until a backward() fills it; zero it after backward, "
        "or guard with `if x.grad is not None:`",
    ),
)


# PyTorch's warning when .grad of a non-leaf is read: an AttributeError on None that follows it in
# the same cell (`y.grad.zero_()`) means the learner wanted the gradient of an intermediate value.
NON_LEAF_GRAD_WARNING = "is not a leaf Tensor is being accessed"
NON_LEAF_GRAD_HINT = (
    "that tensor is not a leaf, so backward() leaves its .grad as None; call .retain_grad() on it "
    "before backward() to keep its gradient, or read .grad of the leaf you created"
)

# What to do instead of a feature gradrepl lacks: the first row whose name the feature starts with.
INSTEAD: tuple[tuple[str, str], ...] = (
    ("torch.nn.functional", "compose it from the functions gradrepl's torch.nn.functional has (docs/nn.md lists "
                            "them) and tensor operations: a loss is a formula such as ((pred - y) ** 2).mean()"),
    ("torch.nn", "build the layer from the ones gradrepl has (docs/nn.md lists them) or subclass nn.Module "
                 "with a forward made of tensor operations"),
    ("torch.optim", "use SGD, Adam, AdamW, RMSprop or Adagrad, or update the weights yourself: "
                    "`with torch.no_grad(): w -= lr * w.grad`, then w.grad.zero_()"),
    ("torch.cuda", "gradrepl runs on the CPU: leave the tensors where they are"),
)
UNSUPPORTED_FALLBACK = ("write it with the operations gradrepl has (help(torch.Tensor) lists them), or run the "
                        "lesson on real PyTorch with `gradrepl --engine torch`")
_UNSUPPORTED = re.compile(r"gradrepl does not support (?P<feature>\S+)")


def unsupported_hint(evalue: str) -> str | None:
    match = _UNSUPPORTED.search(evalue)
    if not match:
        return None
    feature = match["feature"]
    for prefix, advice in INSTEAD:
        if feature == prefix or feature.startswith(prefix + "."):
            return f"{advice}; or run the lesson on real PyTorch with `gradrepl --engine torch`"
    return UNSUPPORTED_FALLBACK


def hint_for(ename: str, evalue: str, earlier_output: str = "") -> str | None:
    """The hint for an error, or None when it is not one of the classic mistakes. ``earlier_output``
    is what the same cell printed before the error (its warnings)."""
    if ename == "UnsupportedError":
        return unsupported_hint(evalue)
    if ename == "AttributeError" and evalue.startswith("'NoneType'") and NON_LEAF_GRAD_WARNING in earlier_output:
        return NON_LEAF_GRAD_HINT
    for name, fragment, hint in HINTS:
        if ename == name and fragment in evalue:
            return hint
    return None
