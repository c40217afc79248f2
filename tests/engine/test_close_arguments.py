"""allclose/isclose take their arguments as torch's parser does (x.allclose(1) names 'other' at
position 1, rtol takes a 0-d tensor, equal_nan only a bool), and compare integers in the default
float dtype: outcomes recorded from torch 2.13 (test_close_arguments_torch.py runs the same
calls against live torch)."""

import pytest
from close_calls import outcome

import gradrepl.torch as torch

RECORDED = [
    ('x.allclose(1)', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('x.allclose(1.0)', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('x.isclose(1)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('x.isclose(1.0)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('torch.isclose(x, 1)', "TypeError: isclose(): argument 'other' (position 2) must be Tensor, not int"),
    ('torch.allclose(x, 1.)', "TypeError: allclose(): argument 'other' (position 2) must be Tensor, not float"),
    ('x.allclose(x, 1e-3)', 'True'),
    ('x.allclose(x, 1e-3, 1e-4, True)', 'True'),
    ('x.allclose(x, 1e-3, 1e-4, True, 5)', 'TypeError: allclose() takes from 1 to 4 positional arguments but 5 were given'),
    ('x.allclose(other=x)', 'True'),
    ('x.allclose(x, rtol=1, atol=2, equal_nan=True)', 'True'),
    ('x.allclose(x, tol=1)', "TypeError: allclose() got an unexpected keyword argument 'tol'"),
    ('x.isclose(x, rtol=1e-3)', 'tensor([True, True])'),
    ('torch.isclose(input=x, other=x)', 'tensor([True, True])'),
    ("x.allclose('a')", "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not str"),
    ('x.isclose(None)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not NoneType"),
    ('x.allclose([1.,2.])', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not list"),
    ("x.allclose(x, 'a')", "TypeError: allclose(): argument 'rtol' (position 2) must be float, not str"),
    ("x.allclose(x, rtol='a')", "TypeError: allclose(): argument 'rtol' must be float, not str"),
    ('x.allclose(x, equal_nan=1)', "TypeError: allclose(): argument 'equal_nan' must be bool, not int"),
    ('x.allclose(x, None)', "TypeError: allclose(): argument 'rtol' (position 2) must be float, not NoneType"),
    ('x.allclose(x, 1)', 'True'),
    ('x.allclose(x, True)', 'True'),
    ('x.allclose(torch.tensor(1.))', 'False'),
    ('x.allclose()', 'TypeError: allclose() missing 1 required positional arguments: "other"'),
    ('torch.allclose(x)', 'TypeError: allclose() missing 1 required positional arguments: "other"'),
    ('torch.allclose(1, x)', "TypeError: allclose(): argument 'input' (position 1) must be Tensor, not int"),
    ("x.isclose(x, equal_nan='a')", "TypeError: isclose(): argument 'equal_nan' must be bool, not str"),
    ('torch.tensor([1,2]).allclose(1)', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('torch.tensor([1,2]).allclose(1.5)', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('torch.tensor([1,2]).isclose(1.)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('torch.tensor([1.,2.], dtype=torch.float64).isclose(1.)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('torch.tensor([True]).isclose(1)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ("x.isclose(float('nan'))", "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ("torch.tensor([float('nan')]).isclose(float('nan'), equal_nan=True)", "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('x.allclose(2**70)', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('x.isclose(1+2j)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not complex"),
    ('x.allclose(x, -1)', 'RuntimeError: rtol must be greater than or equal to zero, but got -1'),
    ('x.allclose(x, 0, -1)', 'RuntimeError: atol must be greater than or equal to zero, but got -1'),
    ('torch.tensor([1,2]).isclose(torch.tensor([1,2]))', 'tensor([True, True])'),
    ('x.isclose(torch.tensor([1.,2.,3.]))', 'RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'),
    ('x.isclose(1, rtol=-1)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('torch.tensor([1,2]).isclose(1, rtol=0.5)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('torch.tensor([1,2], dtype=torch.uint8).isclose(257)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('torch.tensor([1,2], dtype=torch.int32).isclose(2**40)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not int"),
    ('x.allclose(x, rtol=torch.tensor(1.))', 'True'),
    ('x.allclose(x, 1e-3, rtol=1)', "TypeError: allclose() got multiple values for argument 'rtol'"),
    ('torch.isclose(x, x, 1, 1, False, out=None)', "TypeError: isclose() got an unexpected keyword argument 'out'"),
    ('x.isclose(True)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not bool"),
    ('x.allclose(np.float64(1))', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not numpy.float64"),
    ('x.allclose(np.array([1.,2.]))', "TypeError: allclose(): argument 'other' (position 1) must be Tensor, not numpy.ndarray"),
    ('torch.tensor([1.,2.], requires_grad=True).isclose(1.)', "TypeError: isclose(): argument 'other' (position 1) must be Tensor, not float"),
    ('x.allclose(x, np.float32(1))', 'True'),
    ('x.allclose(x, atol=np.int64(1))', 'True'),
    ('x.allclose(x, np.bool_(True))', 'True'),
    ('x.allclose(x, 1+0j)', "TypeError: allclose(): argument 'rtol' (position 2) must be float, not complex"),
    ('x.allclose(x, torch.tensor([1.]))', "TypeError: allclose(): argument 'rtol' (position 2) must be float, not Tensor"),
    ('x.allclose(x, torch.tensor(1))', 'True'),
    ('x.allclose(x, torch.tensor(1., requires_grad=True))', "TypeError: allclose(): argument 'rtol' (position 2) must be float, not Tensor"),
    ('x.allclose(x, np.array(1.))', "TypeError: allclose(): argument 'rtol' (position 2) must be float, not numpy.ndarray"),
    ('x.allclose(x, equal_nan=np.bool_(True))', "TypeError: allclose(): argument 'equal_nan' must be bool, not numpy.bool"),
    ('x.allclose(x, equal_nan=np.float32(1))', "TypeError: allclose(): argument 'equal_nan' must be bool, not numpy.float32"),
    ('x.allclose(x, 1, 1, 1)', "TypeError: allclose(): argument 'equal_nan' (position 4) must be bool, not int"),
    ('torch.allclose(x, other=x, input=x)', "TypeError: allclose() got multiple values for argument 'input'"),
    ('torch.allclose(x, x, equal_nan=True, nan=1)', "TypeError: allclose() got an unexpected keyword argument 'nan'"),
    ("x.allclose(x, float('nan'))", 'RuntimeError: rtol must be greater than or equal to zero, but got nan'),
    ('torch.isclose(x, x.double(), -1)', 'RuntimeError: Float did not match Double'),
    ("x.isclose(x, float('inf'))", 'tensor([True, True])'),
    ('torch.tensor([2**44 + 3, 5]).isclose(torch.tensor([2**44, 7]), 0, 2.5)', 'tensor([True, True])'),
    ('torch.tensor([1, 2], dtype=torch.uint8).isclose(torch.tensor([3, 2], dtype=torch.uint8), 0, 1)', 'tensor([False,  True])'),
    ('torch.tensor([True]).allclose(torch.tensor([False]), 1, 1)', 'True'),
]


@pytest.mark.parametrize("call, recorded", RECORDED, ids=[call for call, _ in RECORDED])
def test_close_takes_arguments_as_torch(call, recorded):
    assert outcome(torch, call) == recorded


def test_integer_closeness_follows_the_default_dtype():  # checked in torch 2.13
    a, b = torch.tensor([2**44 + 3]), torch.tensor([2**44])
    torch.set_default_dtype(torch.float64)
    try:  # exact in float64: 3 is more than 2.5
        assert not a.isclose(b, 0, 2.5).item()
    finally:
        torch.set_default_dtype(torch.float32)
    assert a.isclose(b, 0, 2.5).item()  # float32 rounds both to 2**44
