"""Help for the autograd API and grad modes: backward, grad, leaves, hooks, no_grad and friends."""

DOCS = {
    "torch.Tensor.backward": (
        "backward(gradient=None, retain_graph=None, create_graph=False, inputs=None)",
        "Compute the gradient of this tensor with respect to the graph's leaves and add it to each\n"
        "leaf's .grad. A scalar needs no gradient argument; otherwise pass one of this tensor's shape.\n"
        "The graph is freed afterwards unless retain_graph=True.",
        "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\ny.backward()\nx.grad",
    ),
    "torch.Tensor.grad": (
        "grad",
        "The gradient backward() accumulated into this leaf (None before the first backward, and for\n"
        "non-leaf tensors unless retain_grad() was called). It adds up: zero it between steps.",
        "w = torch.tensor([1., 2.], requires_grad=True)\n(w * w).sum().backward()\nw.grad",
    ),
    "torch.Tensor.grad_fn": (
        "grad_fn",
        "The backward node that created this tensor (e.g. <MulBackward0>), or None for a leaf.",
        "x = torch.tensor(2.0, requires_grad=True)\n(x * 3).grad_fn.name()",
    ),
    "torch.Tensor.requires_grad": (
        "requires_grad",
        "True when operations on this tensor are recorded so that gradients can flow back to it.",
        "torch.ones(2).requires_grad",
    ),
    "torch.Tensor.requires_grad_": (
        "requires_grad_(requires_grad=True) -> Tensor",
        "Start (or stop) recording operations on this leaf tensor, in place; returns the tensor.",
        "torch.arange(3.).requires_grad_()",
    ),
    "torch.Tensor.retain_grad": (
        "retain_grad() -> None",
        "Keep .grad on this non-leaf tensor after backward() (only leaves keep it by default).",
        "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\ny.retain_grad()\n(y * y).backward()\ny.grad",
    ),
    "torch.Tensor.retains_grad": (
        "retains_grad",
        "True when this non-leaf tensor keeps its .grad after backward (see retain_grad()).",
        "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\ny.retain_grad()\ny.retains_grad",
    ),
    "torch.Tensor.is_leaf": (
        "is_leaf",
        "True for tensors not created by a recorded operation: made by the user, or that do not\n"
        "require grad. Only leaves get .grad filled by backward().",
        "x = torch.tensor(2.0, requires_grad=True)\nx.is_leaf, (x * 2).is_leaf",
    ),
    "torch.Tensor.detach": (
        "detach() -> Tensor",
        "A new tensor sharing this one's data but cut off from the graph (requires_grad=False).",
        "x = torch.tensor([1., 2.], requires_grad=True)\n(x * 2).detach()",
    ),
    "torch.Tensor.detach_": (
        "detach_() -> Tensor",
        "Cut this tensor off from the graph, in place: it becomes a leaf that does not require grad.",
        "y = torch.tensor([1., 2.], requires_grad=True) * 2\ny.detach_()\ny.requires_grad",
    ),
    "torch.Tensor.register_hook": (
        "register_hook(hook) -> RemovableHandle",
        "Call hook(grad) whenever the gradient for this tensor is computed; if it returns a tensor,\n"
        "that replaces the gradient. handle.remove() takes the hook off.",
        "x = torch.tensor(2.0, requires_grad=True)\nh = x.register_hook(lambda g: g * 10)\n(x * 3).backward()\nx.grad",
    ),
    "torch.Tensor.data": (
        "data",
        "This tensor's values as a tensor outside the graph. Changing it is not recorded; prefer\n"
        "detach() or torch.no_grad().",
        "x = torch.tensor([1., 2.], requires_grad=True)\nx.data",
    ),
    "torch.autograd.grad": (
        "grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True, "
        "allow_unused=None, is_grads_batched=False, materialize_grads=False) -> tuple[Tensor, ...]",
        "The gradients of outputs with respect to inputs, returned as a tuple instead of added to .grad.\n"
        "create_graph=True records them too, for second derivatives.",
        "x = torch.tensor(3.0, requires_grad=True)\ntorch.autograd.grad(x ** 2, x)",
    ),
    "torch.autograd.backward": (
        "backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None",
        "tensors.backward() for several tensors at once: their gradients are added into the leaves' .grad.",
        "x = torch.tensor(1.0, requires_grad=True)\ntorch.autograd.backward([x * 2, x * 3])\nx.grad",
    ),
    "torch.no_grad": (
        "no_grad()",
        "A context manager (and decorator) in which operations are not recorded: results do not\n"
        "require grad. Use it to update weights or to evaluate without building a graph.",
        "x = torch.tensor(1.0, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\ny.requires_grad",
    ),
    "torch.enable_grad": (
        "enable_grad()",
        "A context manager (and decorator) that turns recording back on inside torch.no_grad().",
        "x = torch.tensor(1.0, requires_grad=True)\nwith torch.no_grad():\n    with torch.enable_grad():\n"
        "        y = x * 2\ny.requires_grad",
    ),
    "torch.set_grad_enabled": (
        "set_grad_enabled(mode)",
        "Turn recording on (True) or off (False): as a function call, or as a context manager.",
        "x = torch.tensor(1.0, requires_grad=True)\nwith torch.set_grad_enabled(False):\n    y = x * 2\ny.requires_grad",
    ),
    "torch.is_grad_enabled": (
        "is_grad_enabled() -> bool",
        "True when operations are being recorded (outside no_grad).",
        "with torch.no_grad():\n    print(torch.is_grad_enabled())",
    ),
    "torch.inference_mode": (
        "inference_mode(mode=True)",
        "Like no_grad, and stricter: tensors made inside are inference tensors (x.is_inference()),\n"
        "which cannot be changed in place, require grad or be saved for backward outside it.",
        "with torch.inference_mode():\n    y = torch.ones(2) * 2\ny.requires_grad",
    ),
    "torch.autograd.Variable": (
        "Variable(data, requires_grad=False)",
        "Old (before PyTorch 0.4) wrapper that made a tensor track gradients; it now returns a tensor.\n"
        "Write torch.tensor(data, requires_grad=True) instead.",
        "torch.autograd.Variable(torch.ones(2), requires_grad=True)",
    ),
}
