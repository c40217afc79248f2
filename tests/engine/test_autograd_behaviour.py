"""Autograd behaviour that transcripts cannot show: deep graphs, warnings torch gives once per
process, and grad-mode state across decorators and exceptions."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import gradrepl.torch as torch

WARN_ONCE_PROGRAM = """
import warnings
warnings.simplefilter("always")
import {module} as torch
x = torch.tensor(1.5, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    float(x); float(x)
    (x ** 3).backward(create_graph=True)
    (x ** 3).backward(create_graph=True)
for w in caught:
    print(w.category.__name__, repr(str(w.message)))
"""


def _warnings_in_fresh_process(module: str) -> str:
    done = subprocess.run([sys.executable, "-c", WARN_ONCE_PROGRAM.format(module=module)],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.mark.torch
def test_warn_once_texts_match_torch_in_a_fresh_process():
    pytest.importorskip("torch")
    expected = _warnings_in_fresh_process("torch")
    assert expected.count("UserWarning") == 2  # each once, however often it is triggered
    assert _warnings_in_fresh_process("gradrepl.torch") == expected


def test_100000_node_chain_backward_is_iterative():
    limit = sys.getrecursionlimit()
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    assert len(y.grad_fn.next_functions) == 2
    sys.setrecursionlimit(200)  # a recursive walk would die here at once
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == 1.0


def test_100000_node_chain_autograd_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.tolist() == [100_001.0, 100_001.0]


def test_deep_chain_is_freed_after_backward():
    x = torch.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(1000):
        y = y * 1.001
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_grad_mode_restored_after_an_exception():
    assert torch.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with torch.no_grad():
            1 / 0
    assert torch.is_grad_enabled()

    @torch.no_grad()
    def fails():
        raise ValueError

    with pytest.raises(ValueError):
        fails()
    assert torch.is_grad_enabled()


def test_no_grad_decorates_generators():
    x = torch.ones(2, requires_grad=True)

    @torch.no_grad()
    def steps():
        for _ in range(2):
            yield (x * 2).requires_grad

    assert list(steps()) == [False, False]
    assert (x * 2).requires_grad


def test_non_leaf_grad_warning_points_at_the_callers_line():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert len(caught) == 1
    assert caught[0].filename == __file__
    assert str(caught[0].message).startswith("The .grad attribute of a Tensor that is not a leaf")


def test_anomaly_switches_are_accepted_and_restore_the_mode():
    # torch's in-place error message tells learners to call this: it must work, as a statement,
    # a context manager and a decorator
    torch.autograd.set_detect_anomaly(True, check_nan=False)
    assert torch.is_anomaly_enabled() and not torch.is_anomaly_check_nan_enabled()
    with torch.autograd.set_detect_anomaly(False):
        assert not torch.is_anomaly_enabled()
    assert torch.is_anomaly_enabled()
    torch.autograd.set_detect_anomaly(False)
    with pytest.warns(UserWarning, match="^Anomaly Detection has been enabled"):
        with torch.autograd.detect_anomaly():
            assert torch.is_anomaly_enabled()
    assert not torch.is_anomaly_enabled()
    assert torch.autograd.grad_mode.no_grad is torch.no_grad


def test_inplace_error_hint_follows_anomaly_mode():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with torch.autograd.set_detect_anomaly(True):
        with pytest.raises(RuntimeError, match="Hint: the backtrace further above shows"), \
                pytest.warns(UserWarning, match="Error detected in ExpBackward0"):
            y.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="Hint: enable anomaly detection"):
        y.sum().backward()


# ---------------------------------------------------------------------------------------------
# What backward frees (graph.Node._release)

def _chain(nodes: int):
    x = torch.tensor(0.75, requires_grad=True)
    y = x
    for _ in range(nodes // 2):
        y = y * 0.5
        y = y + x
    return x, y


def test_backward_frees_what_the_nodes_saved_and_grows_no_node():
    import gc
    import tracemalloc

    _chain(10)[1].backward()  # warm up
    tracemalloc.start()
    try:
        x, y = _chain(2000)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        y.backward()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # the mul nodes drop what they saved; no node gains a dict of its own (that would grow the
    # graph by 100+ bytes a node). What is freed is only the mul nodes' small tuples now that no
    # node keeps a numpy scalar it does not save (ops/stand_ins.py), part of which CPython's
    # tuple free list keeps, so the test counts released nodes rather than bytes
    assert after < held, (held, after)
    node, released = y.grad_fn, 0
    while node is not None and node.name() != "torch::autograd::AccumulateGrad":
        released += node.name() == "MulBackward0" and node._released
        node = node.next_functions[0][0]
    assert released == 1000
    assert x.grad.item() == pytest.approx(2.0)


def test_a_released_node_still_says_what_torch_says():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mul = y.grad_fn.next_functions[0][0]
    y.backward()
    assert mul.name() == "MulBackward0" and mul.next_functions[0][0] is not None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        mul(torch.ones(2))


def test_a_mixed_dtype_node_casts_its_gradient_before_it_is_released():
    x = torch.tensor([1.0, 2.0], dtype=torch.float16, requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype == torch.float16 and x.grad.tolist() == [3.0, 4.0]
    assert w.grad.dtype == torch.float32 and w.grad.tolist() == [1.0, 2.0]


def _pairs(t) -> list:
    node = t.grad_fn
    return [(None if n is None else type(n).__name__, nr) for n, nr in node.next_functions]


def test_next_functions_keep_output_numbers_on_every_recording_path():
    """A node stores its edges as nodes plus output numbers only when one is not 0; the pairs
    torch shows must come back for the binary, unary and general recording paths (the
    expected pairs are what torch 2.13 prints for the same program)."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a, b, c = (x * 1).unbind()
    assert _pairs(c * a) == [("UnbindBackward0", 2), ("UnbindBackward0", 0)]  # binary
    assert _pairs(b * 2) == [("UnbindBackward0", 1), (None, 0)]  # binary, Python number
    assert _pairs(a * x[0]) == [("UnbindBackward0", 0), ("SelectBackward0", 0)]
    assert _pairs(c.exp()) == [("UnbindBackward0", 2)]  # unary
    assert _pairs(torch.stack([b, c, a])) == [("UnbindBackward0", 1), ("UnbindBackward0", 2),
                                               ("UnbindBackward0", 0)]  # the general path
    assert _pairs(torch.where(x > 1, c, torch.tensor(0.0))) == [("UnbindBackward0", 2), (None, 0)]
    y = c * b
    assert y.grad_fn.next_functions[0][0] is y.grad_fn.next_functions[1][0]
    assert type(y.grad_fn.next_functions) is tuple and type(y.grad_fn.next_functions[0]) is tuple
    y.backward()
    assert x.grad.tolist() == [0.0, 3.0, 2.0]
    assert _pairs(y) == [("UnbindBackward0", 2), ("UnbindBackward0", 1)]  # after backward


def test_a_leaf_accumulator_is_the_edge_of_every_recording_path():
    x = torch.tensor(2.0, requires_grad=True)
    nodes = {fn for y in (x * 3, x * x, x.exp(), torch.stack([x, x]))
             for fn, _ in y.grad_fn.next_functions if fn is not None}
    assert len(nodes) == 1 and type(next(iter(nodes))).__name__ == "AccumulateGrad"


def test_next_functions_is_read_only_as_in_torch():
    y = torch.tensor(1.0, requires_grad=True) * 2
    with pytest.raises(AttributeError) as error:
        y.grad_fn.next_functions = ()
    # torch 2.13's words for the same assignment
    assert str(error.value) == "attribute 'next_functions' of 'MulBackward0' objects is not writable"
    assert len(y.grad_fn.next_functions) == 2
