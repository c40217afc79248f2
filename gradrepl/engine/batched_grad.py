"""``autograd.grad(..., is_grads_batched=True)``: the first dimension of every grad_output is a
batch, and each input's gradient gains that dimension in front.

torch runs the backward once under vmap; gradrepl runs it once per batch entry (keeping the graph
until the last) and stacks the results, which gives the same values.
"""

from __future__ import annotations

from gradrepl.engine.tensor import Tensor


def batched_grad(grad, outputs: tuple, inputs: tuple, grads: tuple, retain_graph, create_graph,
                 allow_unused, materialize_grads) -> tuple:
    from gradrepl.engine.factories import ones_like
    from gradrepl.engine.ops.combine import stack

    for i, (g, out) in enumerate(zip(grads, outputs)):
        # torch compares the first batch entry's shape, and reports that entry's shape minus its
        # first dimension (autograd/__init__.py, _make_grads and _calculate_shape)
        if g is not None and g.dim() and tuple(g[0].shape) != tuple(out.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as "
                "the batch dimension. The sizes of the remaining dimensions are expected to match the "
                f"shape of corresponding output, but a mismatch was detected: grad_output[{i}] has a "
                f"shape of {g[0].shape[1:]} and output[{i}] has a shape of {out.shape}. If you only want "
                "some tensors in `grad_output` to be considered batched, consider using vmap.")
    grads = tuple(ones_like(o) if g is None else g for o, g in zip(outputs, grads))
    for g in grads:
        if g.dim() == 0:
            raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but that "
                             "input is a Tensor of dimensionality 0 so expected in_dim to satisfy "
                             "0 <= in_dim < 0.")
    batch = grads[0].shape[0]
    rows = []
    for b in range(batch):
        keep = True if b < batch - 1 else retain_graph
        rows.append(grad(outputs, inputs, tuple(g[b] for g in grads), retain_graph=keep,
                         create_graph=create_graph, allow_unused=allow_unused,
                         materialize_grads=materialize_grads))
    results = []
    for per_input in zip(*rows):
        if all(r is None for r in per_input):
            results.append(None)
        else:
            results.append(stack([r for r in per_input if isinstance(r, Tensor)]))
    return tuple(results)
