"""Per-call cost of small batched products (``a @ b`` with a 3-D or 4-D operand).

    python benchmarks/matmul_calls.py [--gradrepl-path DIR]          # CPU time per call
    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/mm.%p \\
        python benchmarks/matmul_calls.py --markers [--gradrepl-path DIR]  # instructions per call

Each shape pair runs without grad (the array steps), forward with both operands requiring grad
(the recorded steps: torch's fold or expand/view/bmm nodes) and forward plus backward of the
sum. With ``--markers`` each case runs ``--calls`` times between two ``os.getppid()`` calls: one
callgrind dump per case after the start-up's.
"""

from __future__ import annotations

import sys

SHAPES = [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
          ((3, 1, 3, 4), (2, 4, 5))]


def main(argv=None) -> int:
    from marked_cases import arguments, run_cases

    args = arguments(__doc__, argv, calls=100)
    import gradrepl.torch as torch

    torch.manual_seed(0)
    cases = []
    for sa, sb in SHAPES:
        a, b = torch.randn(sa), torch.randn(sb)
        ga, gb = a.clone().requires_grad_(), b.clone().requires_grad_()
        name = f"{sa}@{sb}".replace(" ", "")
        cases += [(f"{name} no grad", lambda a=a, b=b: a @ b),
                  (f"{name} grad fwd", lambda a=ga, b=gb: a @ b),
                  (f"{name} fwd+bwd", lambda a=ga, b=gb: (a @ b).sum().backward())]
    return run_cases(cases, calls=args.calls, rounds=args.rounds, markers=args.markers,
                     label="cases", width=30, warmup=30)


if __name__ == "__main__":
    sys.exit(main())
