"""vdot (and dot, whose checks it shares) as source text, run against gradrepl and torch: errors,
dtypes, results (shared by test_vdot.py, recorded, and tests/torch_api/test_vdot_torch.py)."""

CALLS = [
    'torch.vdot(torch.ones(2,2), torch.ones(2,2))',
    'torch.vdot(torch.ones(2), torch.ones(3))',
    'torch.vdot(torch.ones(2), torch.ones(2).double())',
    'torch.vdot(torch.ones(2), 1)',
    'torch.ones(2).vdot(1)',
    'torch.vdot(1, torch.ones(2))',
    'torch.vdot(torch.tensor([1,2]), torch.tensor([3,4]))',
    'torch.vdot(torch.tensor([1,2],dtype=torch.int32), torch.tensor([3,4],dtype=torch.int32))',
    'torch.vdot(torch.tensor([True]), torch.tensor([True]))',
    'torch.vdot(torch.tensor([1.,2.],dtype=torch.float16), torch.tensor([3.,4.],dtype=torch.float16))',
    'torch.vdot(torch.ones(0), torch.ones(0))',
    'torch.vdot(torch.ones(()), torch.ones(()))',
    'torch.vdot(torch.ones(2), torch.ones(2), out=torch.empty((), dtype=torch.float64))',
    'torch.vdot(input=torch.ones(2), other=torch.ones(2))',
    'torch.ones(2).vdot(other=torch.ones(2))',
    'torch.vdot(torch.ones(2), tensor=torch.ones(2))',
    'torch.dot(torch.ones(2), torch.ones(2).double())',
    'torch.vdot(torch.ones(2), torch.ones(2,1))',
    'torch.vdot(torch.tensor([-0.]), torch.tensor([0.]))',
    'torch.vdot(torch.ones(2, dtype=torch.uint8), torch.ones(2, dtype=torch.uint8))',
    'torch.vdot(torch.ones(4)[::2], torch.ones(4)[::2])',
    'torch.vdot(torch.ones(2), torch.ones(2), 1)',
    'torch.ones(2).vdot()',
    'torch.vdot(torch.ones(2,requires_grad=True), torch.ones(2), out=torch.empty(()))',
    'torch.vdot(torch.ones(2,requires_grad=True), torch.ones(2))',
    'torch.ones(2,requires_grad=True).vdot(torch.ones(2)).grad_fn.name()',
    'torch.vdot(torch.tensor([1e30, 1e30]), torch.tensor([1e30, 1e30]))',
    'torch.vdot(torch.tensor([2, 3]), torch.tensor([2**62, 2**62]))',
    'torch.vdot(torch.ones(2), torch.ones(2,1).squeeze(1).T)',
    'torch.ones(3).vdot(torch.ones(3).int())',
    'torch.vdot(torch.ones(2), torch.ones(2), out=torch.empty(()))',
    'torch.dot(torch.ones(2,2), torch.ones(2,2))',
    'torch.dot(torch.ones(2), torch.ones(3))',
    'torch.dot(torch.ones(2), torch.ones(2).double())',
    'torch.dot(torch.ones(2), 1)',
    'torch.ones(2).dot(1)',
    'torch.dot(1, torch.ones(2))',
    'torch.dot(torch.tensor([1,2]), torch.tensor([3,4]))',
    'torch.dot(torch.tensor([1,2],dtype=torch.int32), torch.tensor([3,4],dtype=torch.int32))',
    'torch.dot(torch.tensor([True]), torch.tensor([True]))',
    'torch.dot(torch.tensor([1.,2.],dtype=torch.float16), torch.tensor([3.,4.],dtype=torch.float16))',
    'torch.dot(torch.ones(0), torch.ones(0))',
    'torch.dot(torch.ones(()), torch.ones(()))',
    'torch.dot(torch.ones(2), torch.ones(2), out=torch.empty((), dtype=torch.float64))',
    'torch.dot(torch.ones(2), torch.ones(2).double())',
    'torch.dot(torch.ones(2), torch.ones(2,1))',
    'torch.dot(torch.tensor([-0.]), torch.tensor([0.]))',
    'torch.dot(torch.ones(2, dtype=torch.uint8), torch.ones(2, dtype=torch.uint8))',
    'torch.dot(torch.ones(4)[::2], torch.ones(4)[::2])',
    'torch.dot(torch.ones(2), torch.ones(2), 1)',
    'torch.ones(2).dot()',
    'torch.dot(torch.ones(2,requires_grad=True), torch.ones(2), out=torch.empty(()))',
    'torch.dot(torch.ones(2,requires_grad=True), torch.ones(2))',
    'torch.ones(2,requires_grad=True).dot(torch.ones(2)).grad_fn.name()',
    'torch.dot(torch.tensor([1e30, 1e30]), torch.tensor([1e30, 1e30]))',
    'torch.dot(torch.tensor([2, 3]), torch.tensor([2**62, 2**62]))',
    'torch.dot(torch.ones(2), torch.ones(2,1).squeeze(1).T)',
    'torch.ones(3).dot(torch.ones(3).int())',
    'torch.dot(torch.ones(2), torch.ones(2), out=torch.empty(()))',
]


def outcome(torch, call: str) -> str:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # x.T of a 1-D tensor: torch's deprecation
            result = eval(call, {"torch": torch})
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
    return repr(result)
