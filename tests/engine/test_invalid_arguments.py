"""sum, mean and prod given keepdim without dim, max/min/median/cumsum/count_nonzero/logsumexp/
aminmax given keepdim without dim or dim=None, and torch.mm with out= and a non-tensor operand,
match none of torch's overloads: torch's argument parser's words for it, recorded from torch
2.13 (tests/engine/test_invalid_arguments_torch.py runs the same calls against live torch)."""

import pytest
from invalid_argument_calls import ACCEPTED, OPS, outcome

import gradrepl.torch as torch
from gradrepl.engine.keywords import InvalidArguments

RECORDED = [
    ('x.sum(keepdim=True)',
     'TypeError: sum() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('torch.sum(x, keepdim=True)',
     'TypeError: sum() received an invalid combination of arguments - got (Tensor, keepdim=bool), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('x.sum(keepdim=False)',
     'TypeError: sum() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('x.sum(dtype=torch.float64, keepdim=True)',
     'TypeError: sum() missing 1 required positional arguments: "dim"'),
    ('torch.sum(x, dtype=torch.float64, keepdim=True)',
     'TypeError: sum() missing 1 required positional arguments: "dim"'),
    ('torch.sum(x, keepdim=True, out=torch.empty(()))',
     'TypeError: sum() missing 1 required positional arguments: "dim"'),
    ('torch.sum(x, out=torch.empty(()))',
     'TypeError: sum() received an invalid combination of arguments - got (Tensor, out=Tensor), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('x.mean(keepdim=True)',
     'TypeError: mean() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('torch.mean(x, keepdim=True)',
     'TypeError: mean() received an invalid combination of arguments - got (Tensor, keepdim=bool), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('x.mean(keepdim=False)',
     'TypeError: mean() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('x.mean(dtype=torch.float64, keepdim=True)',
     'TypeError: mean() missing 1 required positional arguments: "dim"'),
    ('torch.mean(x, dtype=torch.float64, keepdim=True)',
     'TypeError: mean() received an invalid combination of arguments - got (Tensor, keepdim=bool, dtype=torch.dtype), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('torch.mean(x, keepdim=True, out=torch.empty(()))',
     'TypeError: mean() received an invalid combination of arguments - got (Tensor, out=Tensor, keepdim=bool), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('torch.mean(x, out=torch.empty(()))',
     'shape ()'),
    ('x.prod(keepdim=True)',
     'TypeError: prod() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('torch.prod(x, keepdim=True)',
     'TypeError: prod() received an invalid combination of arguments - got (Tensor, keepdim=bool), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('x.prod(keepdim=False)',
     'TypeError: prod() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n'),
    ('x.prod(dtype=torch.float64, keepdim=True)',
     'TypeError: prod() missing 1 required positional arguments: "dim"'),
    ('torch.prod(x, dtype=torch.float64, keepdim=True)',
     'TypeError: prod() missing 1 required positional arguments: "dim"'),
    ('torch.prod(x, keepdim=True, out=torch.empty(()))',
     'TypeError: prod() missing 1 required positional arguments: "dim"'),
    ('torch.prod(x, out=torch.empty(()))',
     'TypeError: prod() received an invalid combination of arguments - got (Tensor, out=Tensor), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
]
# torch.mm with out=: its parser lists both overloads before any other check
RECORDED_MM = [
    ('torch.mm(torch.ones(2, 2), None, out=torch.empty(2, 2))',
     'TypeError: mm() received an invalid combination of arguments - got (Tensor, NoneType, out=Tensor), but expected one of:\n * (Tensor input, Tensor mat2, *, Tensor out = None)\n * (Tensor input, Tensor mat2, torch.dtype out_dtype, *, Tensor out = None)\n'),
    ('torch.mm(None, torch.ones(2, 2), out=torch.empty(2, 2))',
     'TypeError: mm() received an invalid combination of arguments - got (NoneType, Tensor, out=Tensor), but expected one of:\n * (Tensor input, Tensor mat2, *, Tensor out = None)\n * (Tensor input, Tensor mat2, torch.dtype out_dtype, *, Tensor out = None)\n'),
    ('torch.mm(torch.ones(2, 2), 3, out=torch.empty(2, 2))',
     'TypeError: mm() received an invalid combination of arguments - got (Tensor, int, out=Tensor), but expected one of:\n * (Tensor input, Tensor mat2, *, Tensor out = None)\n * (Tensor input, Tensor mat2, torch.dtype out_dtype, *, Tensor out = None)\n'),
    ('torch.mm(torch.ones(2, 2, requires_grad=True), None, out=torch.empty(2, 2))',
     'TypeError: mm() received an invalid combination of arguments - got (Tensor, NoneType, out=Tensor), but expected one of:\n * (Tensor input, Tensor mat2, *, Tensor out = None)\n * (Tensor input, Tensor mat2, torch.dtype out_dtype, *, Tensor out = None)\n'),
    ('torch.mm(torch.ones(2, 2), out=torch.empty(2, 2))',
     'TypeError: mm() missing 1 required positional arguments: "mat2"'),
    ('torch.mm(torch.ones(2, 2), None)',
     "TypeError: mm(): argument 'mat2' (position 2) must be Tensor, not NoneType"),
]

# keywords.torch_parsed: the ops refused in the words of torch's parser (recorded from torch 2.13)
RECORDED_PARSED = [
    ('x.max(keepdim=True)',
     "TypeError: max() received an invalid combination of arguments - got (keepdim=bool, ), but expected one of:\n * ()\n      didn't match because some of the keywords were incorrect: keepdim\n * (Tensor other)\n      didn't match because some of the keywords were incorrect: keepdim\n * (int dim, bool keepdim = False)\n"),
    ('torch.max(x, None, True)',
     "TypeError: max() received an invalid combination of arguments - got (Tensor, NoneType, bool), but expected one of:\n * (Tensor input, *, Tensor out = None)\n      didn't match because some of the arguments have invalid types: (Tensor, !NoneType!, !bool!)\n * (Tensor input, Tensor other, *, Tensor out = None)\n * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"),
    ('x.median(None)',
     "TypeError: median(): argument 'dim' (position 1) must be int, not NoneType"),
    ('x.cumsum(keepdim=True)',
     'TypeError: cumsum() missing 1 required positional arguments: "dim"'),
    ('x.count_nonzero(dim=None, keepdim=True)',
     'TypeError: count_nonzero() received an invalid combination of arguments - got (keepdim=bool, dim=NoneType, ), but expected one of:\n * (int dim = None)\n * (tuple of ints dim)\n'),
    ('x.logsumexp(None)',
     "TypeError: logsumexp(): argument 'dim' (position 1) must be tuple of ints, not NoneType"),
    ('torch.prod(x, None)',
     'TypeError: prod() received an invalid combination of arguments - got (Tensor, NoneType), but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n'),
    ('x.prod(dim=None, keepdim=True)',
     "TypeError: prod(): argument 'dim' must be int, not NoneType"),
    ('x.aminmax(None)',
     'TypeError: aminmax() takes 0 positional arguments but 1 was given'),
]


@pytest.mark.parametrize("call, message", RECORDED_PARSED, ids=[call for call, _ in RECORDED_PARSED])
def test_parsed_ops_refuse_in_torchs_words(call, message):
    assert outcome(torch, call) == message


def test_a_parsed_op_still_takes_what_torch_takes():
    x = torch.tensor([[1., 0.], [3., 4.]])
    assert x.max(1, True).values.shape == (2, 1) and x.max().item() == 4
    assert torch.max(x, torch.zeros(2)).shape == (2, 2)  # a tensor as dim: maximum
    assert x.count_nonzero(0, 1).item() == 3  # a method's ints one by one: a tuple
    assert tuple(x.aminmax(keepdim=True).min.shape) == (1, 1)  # keepdim without dim keeps all
    assert x.logsumexp((0, 1), keepdims=True).shape == (1, 1)


def test_keywords_are_listed_in_the_reverse_order_of_the_call():
    error = InvalidArguments("max", (), {"a": 1, "b": None, "c": True})
    assert "got (c=bool, b=NoneType, a=int, )" in str(error)


@pytest.mark.parametrize("call, message", RECORDED_MM, ids=[call for call, _ in RECORDED_MM])
def test_mm_with_out_and_a_wrong_operand_is_torchs_error(call, message):
    assert outcome(torch, call) == message


@pytest.mark.parametrize("call, message", RECORDED, ids=[call for call, _ in RECORDED])
def test_keepdim_without_dim_is_torchs_error(call, message):
    assert outcome(torch, call) == message


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("call", ACCEPTED)
def test_dim_none_with_keepdim_is_still_taken(op, call):
    if op == "prod" and "None" in call:
        pytest.skip("torch's prod takes no dim=None (its own error, not matched yet)")
    assert outcome(torch, call.format(op=op)).startswith("shape")


def test_one_plausible_overload_names_the_missing_argument():
    error = InvalidArguments("sum", (), {"keepdim": True, "dtype": torch.float64})
    assert str(error) == 'sum() missing 1 required positional arguments: "dim"'
    assert type(error).__name__ == "TypeError" and isinstance(error, TypeError)
