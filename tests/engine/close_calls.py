"""allclose/isclose calls as source text, run against gradrepl and torch: argument positions,
Python-number ``other``, keyword names and the parser's words for a wrong type (shared by the
recorded test, test_close_arguments.py, and the live one, test_close_arguments_torch.py)."""

CALLS = [
    'x.allclose(1)', 'x.allclose(1.0)', 'x.isclose(1)', 'x.isclose(1.0)', 'torch.isclose(x, 1)',
    'torch.allclose(x, 1.)', 'x.allclose(x, 1e-3)', 'x.allclose(x, 1e-3, 1e-4, True)',
    'x.allclose(x, 1e-3, 1e-4, True, 5)', 'x.allclose(other=x)',
    'x.allclose(x, rtol=1, atol=2, equal_nan=True)', 'x.allclose(x, tol=1)',
    'x.isclose(x, rtol=1e-3)', 'torch.isclose(input=x, other=x)', "x.allclose('a')",
    'x.isclose(None)', 'x.allclose([1.,2.])', "x.allclose(x, 'a')", "x.allclose(x, rtol='a')",
    'x.allclose(x, equal_nan=1)', 'x.allclose(x, None)', 'x.allclose(x, 1)', 'x.allclose(x, True)',
    'x.allclose(torch.tensor(1.))', 'x.allclose()', 'torch.allclose(x)', 'torch.allclose(1, x)',
    "x.isclose(x, equal_nan='a')", 'torch.tensor([1,2]).allclose(1)',
    'torch.tensor([1,2]).allclose(1.5)', 'torch.tensor([1,2]).isclose(1.)',
    'torch.tensor([1.,2.], dtype=torch.float64).isclose(1.)', 'torch.tensor([True]).isclose(1)',
    "x.isclose(float('nan'))", "torch.tensor([float('nan')]).isclose(float('nan'), equal_nan=True)",
    'x.allclose(2**70)', 'x.isclose(1+2j)', 'x.allclose(x, -1)', 'x.allclose(x, 0, -1)',
    'torch.tensor([1,2]).isclose(torch.tensor([1,2]))', 'x.isclose(torch.tensor([1.,2.,3.]))',
    'x.isclose(1, rtol=-1)', 'torch.tensor([1,2]).isclose(1, rtol=0.5)',
    'torch.tensor([1,2], dtype=torch.uint8).isclose(257)',
    'torch.tensor([1,2], dtype=torch.int32).isclose(2**40)', 'x.allclose(x, rtol=torch.tensor(1.))',
    'x.allclose(x, 1e-3, rtol=1)', 'torch.isclose(x, x, 1, 1, False, out=None)', 'x.isclose(True)',
    "x.allclose(np.float64(1))", "x.allclose(np.array([1.,2.]))",
    'torch.tensor([1.,2.], requires_grad=True).isclose(1.)',
    # what the parser takes for a float tolerance, and for equal_nan
    'x.allclose(x, np.float32(1))', 'x.allclose(x, atol=np.int64(1))', 'x.allclose(x, np.bool_(True))',
    'x.allclose(x, 1+0j)', 'x.allclose(x, torch.tensor([1.]))', 'x.allclose(x, torch.tensor(1))',
    'x.allclose(x, torch.tensor(1., requires_grad=True))', 'x.allclose(x, np.array(1.))',
    'x.allclose(x, equal_nan=np.bool_(True))', 'x.allclose(x, equal_nan=np.float32(1))',
    'x.allclose(x, 1, 1, 1)', 'torch.allclose(x, other=x, input=x)',
    'torch.allclose(x, x, equal_nan=True, nan=1)', "x.allclose(x, float('nan'))",
    "torch.isclose(x, x.double(), -1)", "x.isclose(x, float('inf'))",
    # integers and bools: compared in the default float dtype once a tolerance is given
    'torch.tensor([2**44 + 3, 5]).isclose(torch.tensor([2**44, 7]), 0, 2.5)',
    'torch.tensor([1, 2], dtype=torch.uint8).isclose(torch.tensor([3, 2], dtype=torch.uint8), 0, 1)',
    'torch.tensor([True]).allclose(torch.tensor([False]), 1, 1)',
]


def outcome(torch, call: str) -> str:
    import numpy as np

    x = torch.tensor([1., 2.])
    try:
        result = eval(call, {"torch": torch, "x": x, "np": np})
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
    return repr(result)
