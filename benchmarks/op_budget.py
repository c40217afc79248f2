"""Where the microseconds of one recorded ``mul`` and of one backward step go (docs/benchmarks.md).

    python benchmarks/op_budget.py [--gradrepl-path DIR]

Times, on a 0-d float32 tensor that requires grad (the W6 chain's ``y * 0.5``), the whole
recorded op and then its parts, each rebuilt by hand the way the engine runs it, so that the
parts' costs can be compared with the whole; and the same for one step of the backward walk
(per node of the 1000-node W6 chain). Best of several repeats, so a busy machine shows less.
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit


def best(statement, setup_globals, number=20000, repeat=7) -> float:
    timer = timeit.Timer(statement, globals=setup_globals, timer=time.process_time)
    return min(timer.repeat(repeat=repeat, number=number)) / number


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradrepl-path", help="directory holding the gradrepl package to measure")
    args = parser.parse_args(argv)
    if args.gradrepl_path:
        sys.path.insert(0, args.gradrepl_path)
    import numpy as np

    import gradrepl.torch as torch
    try:
        # as engine_worker.py: measure the engine as the shell and replay run it, in a process
        # they own and tune (an older gradrepl tuned the process when imported)
        from gradrepl.session.process import own_process
    except ImportError:
        pass
    else:
        own_process()
    from gradrepl.engine import graph
    from gradrepl.engine.ops import arithmetic
    from gradrepl.engine.tensor import Tensor

    x = torch.tensor(0.75, requires_grad=True)
    y = x * 1.0  # a non-leaf, as in the chain
    ad = y._data
    g = dict(y=y, ad=ad, np=np, torch=torch, MUL=arithmetic.MUL, Tensor=Tensor, new=object.__new__,
             node_class=arithmetic.MUL.node_class, nxt=next, seq=graph._sequence)
    rows = [
        ("y * 0.5, recorded (the whole op)", "y * 0.5"),
        ("  the same under no_grad (no node)", "y * 0.5", "no_grad"),
        ("  numpy: float32 scalar * Python float", "ad * 0.5"),
        ("  numpy: the same via np.multiply (ufunc call)", "np.multiply(ad, 0.5)"),
        ("  the result Tensor (object.__new__ + 1 attribute)", "t = new(Tensor); t._data = ad"),
        ("  the node: object.__new__ of MulBackward0", "new(node_class)"),
        # what _record_binary writes for y * 0.5, with the tuples it builds
        ("  the node with its 7 attributes (inputs, arrays, edges ...)",
         "n = new(node_class); n._primitive = MUL; n._inputs = (y, 0.5); n._arrays = (ad, 0.5); "
         + ("n._next = (y.grad_fn, None); " if hasattr(graph.Node, "_next")  # edges as nodes
            else "n.next_functions = ((y.grad_fn, 0), (None, 0)); ")
         + "n._needs = (True, False); n._sequence_nr = nxt(seq)"),
    ]
    results = {}
    for row in rows:
        label, statement = row[0], row[1]
        if len(row) > 2:  # the context manager's own cost taken off
            statement = f"with torch.no_grad(): {statement}"
            seconds = best(statement, g) - best("with torch.no_grad(): pass", g)
        else:
            seconds = best(statement, g)
        results[label] = seconds
    print(f"{'one recorded mul on a 0-d float32 tensor':62} {'us':>7}")
    for row in rows:
        label = row[0]
        if label in results:
            print(f"{label:62} {results[label] * 1e6:7.3f}")
    print()
    print(operator_costs(torch))
    print()
    print(backward_budget(torch, np))
    return 0


def operator_costs(torch) -> str:
    """The lessons' other ops, each whole (recorded), on W1's 0-d leaf and W2's 2x3 leaf."""
    x = torch.tensor(2.0, requires_grad=True)
    g = dict(torch=torch, x=x, y=x * 1.0, m=torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True),
             p=torch.arange(9, dtype=torch.float32).reshape(3, 3) / 7)
    rows = [("torch.tensor(2.0, requires_grad=True)", "torch.tensor(2.0, requires_grad=True)"),
            ("torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)",
             "torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)"),
            ("2 * x (x the 0-d leaf)", "2 * x"), ("y + x", "y + x"), ("y + 1", "y + 1"),
            ("x ** 2", "x ** 2"), ("x ** 3", "x ** 3"), ("x ** 4", "x ** 4"),
            ("3 * m (m the 2x3 leaf)", "3 * m"), ("m + 2", "m + 2"), ("m ** 2", "m ** 2"),
            ("m.mean()", "m.mean()"),
            # printing a small tensor is what a lesson does after every op (it was a timed test,
            # ~19 us here; speed targets live in benchmarks)
            ("repr of a 3x3 float32 tensor (a printed cell)", "repr(p)")]
    title = "the lessons' other ops, recorded"
    lines = [f"{title:62} {'us':>7}"]
    for label, statement in rows:
        lines.append(f"{label:62} {best(statement, g, number=10000, repeat=5) * 1e6:7.3f}")
    return "\n".join(lines)


def backward_budget(torch, np) -> str:
    """Per node of the W6 chain: the whole backward, and the walk's parts."""
    from gradrepl.engine import autograd

    def chain():
        x = torch.tensor(0.75, requires_grad=True)
        y = x
        for _ in range(500):
            y = y * 0.5
            y = y + x
        return x, y

    def timed(fn, repeat=15):
        times = []
        for _ in range(repeat):
            x, y = chain()
            start = time.process_time()
            fn(x, y)
            times.append(time.process_time() - start)
        return min(times) / 1000

    build = []
    for _ in range(15):
        start = time.process_time()
        chain()
        build.append(time.process_time() - start)
    whole = timed(lambda x, y: y.backward())
    discover = timed(lambda x, y: autograd._discover(autograd._Pass(False, False), [y.grad_fn]))
    formulas = timed(_formulas_only)
    # since the plain walk orders nodes as gradients reach them (a heap), it runs no _discover;
    # older trees sort every reachable node first
    ordering = 0.0 if hasattr(autograd, "_reachable") else discover
    lines = [f"{'per node of the 1000-node W6 chain':62} {'us':>7}",
             f"{'forward: one recorded op (mul or add) with its Python loop':62} {min(build) / 1000 * 1e6:7.3f}",
             f"{'backward: the whole pass':62} {whole * 1e6:7.3f}",
             f"{'  finding and ordering the nodes first (_discover, if the walk runs it)':62} "
             f"{ordering * 1e6:7.3f}",
             f"{'  the backward formulas alone (mul, add)':62} {formulas * 1e6:7.3f}",
             f"{'  the walk: ordering, gradient buffers, edges, checks, release':62} "
             f"{(whole - ordering - formulas) * 1e6:7.3f}",
             f"{'  (_discover on its own: the general walk still runs it)':62} {discover * 1e6:7.3f}"]
    return "\n".join(lines)


def _formulas_only(x, y) -> None:
    """Every node's backward formula called once, on the gradient the chain would pass it."""
    from gradrepl.engine.ops import backends

    arrays = backends.arrays
    node, g = y.grad_fn, y._data.dtype.type(1)
    lean = hasattr(node, "_next")
    while node is not None and node._primitive is not None:
        prim = node._primitive
        # the variant the ordinary walk calls (older trees have only the general one)
        backward = getattr(prim, "backward_arrays", prim.backward)
        grads = backward(arrays, g, node._arrays, node._out, node._params, node._needs)
        # the first edge's node: newer trees keep the nodes as _next and build next_functions
        # when asked, older ones keep next_functions
        node, g = (node._next[0] if lean else node.next_functions[0][0]), grads[0]


if __name__ == "__main__":
    sys.exit(main())
