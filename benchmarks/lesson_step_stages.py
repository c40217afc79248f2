"""W9's stage budget: each stage of the lesson-sized training step run on its own, in a loop.

    python benchmarks/lesson_step_stages.py                 # CPU time per call, best of 7 rounds
    python benchmarks/lesson_step_stages.py --gradrepl-path /tmp/base
    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/w9.%p \\
        python benchmarks/lesson_step_stages.py --markers   # instructions per call (see below)

With ``--markers`` each stage runs ``--calls`` times between two ``os.getppid()`` calls, so that
callgrind (``--dump-before=getppid``) writes one dump per stage; a dump's total instructions
divided by ``--calls`` is the stage's instructions per call (the first dump is the start-up).
Instruction counts do not move with the machine's load, CPU times do.

The stages are W9's (``benchmarks/engine_training.py``): ``zero_grad``; the forward
``model(X)``; the loss's ``sub``, ``pow`` and ``mean`` on held inputs; ``fwd+loss`` and
``fwd+loss+backward`` (the backward is their difference); ``opt.step`` hot; and the tuple of
gradients the benchmark returns. ``step`` is the whole step.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gradrepl-path", default=None, help="measure the gradrepl package here")
    parser.add_argument("--calls", type=int, default=200, help="calls per stage and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--markers", action="store_true",
                        help="one round, os.getppid() between stages (for callgrind)")
    parser.add_argument("--mkl-avx512", action="store_true",
                        help="take MKL's AVX-512 orders even where the CPU flags hide AVX-512 "
                             "(valgrind 3.19 does: the Intel machine's gemv path under callgrind)")
    parser.add_argument("--mse-loss", action="store_true",
                        help="the loss as nn.MSELoss()(model(X), Y), a lesson's usual form, "
                             "instead of W9's ((model(X) - Y) ** 2).mean()")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, args.gradrepl_path or os.path.dirname(here))
    sys.path.insert(0, here)
    from marked_cases import run_cases
    from gradrepl.session.process import own_process
    import gradrepl.torch as torch

    own_process()  # as the benchmark's worker runs gradrepl (the collector's threshold, malloc)
    if args.mkl_avx512:
        from gradrepl.engine.ops import blas_order

        blas_order._mkl_avx512 = lambda: True
    import engine_training

    x, y, params = engine_training.lesson_inputs()
    model = torch.nn.Linear(3, 1)
    engine_training._load(torch, model, params)
    opt = torch.optim.SGD(model.parameters(), lr=engine_training.LESSON["lr"])
    X, Y = torch.from_numpy(x), torch.from_numpy(y)

    criterion = torch.nn.MSELoss()

    def fwd_loss():
        return criterion(model(X), Y) if args.mse_loss else ((model(X) - Y) ** 2).mean()

    def step():
        opt.zero_grad()
        loss = fwd_loss()
        loss.backward()
        opt.step()
        return (loss,) + tuple(p.grad for p in model.parameters())

    for _ in range(1500):  # the steady state: summation plans and caches made
        step()
    out = model(X)
    diff = out - Y
    square = diff ** 2
    loss = square.mean()
    stages = [
        ("step", step),
        ("zero_grad", opt.zero_grad),
        ("model(X)", lambda: model(X)),
        ("sub", lambda: out - Y),
        ("pow", lambda: diff ** 2),
        ("mean", square.mean),
        ("fwd+loss", fwd_loss),
        ("fwd+loss+backward", lambda: fwd_loss().backward()),
        ("opt.step", opt.step),
        ("grads tuple", lambda: (loss,) + tuple(q.grad for q in model.parameters())),
    ]
    return run_cases(stages, calls=args.calls, rounds=args.rounds, markers=args.markers,
                     label="stages", width=20)


if __name__ == "__main__":
    sys.exit(main())
