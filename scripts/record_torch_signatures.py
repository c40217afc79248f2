"""Record the signatures torch lists when a factory or random function gets a keyword it does not
take ("randn() received an invalid combination of arguments - got (...), but expected one of:").

Run with torch 2.13 installed: python scripts/record_torch_signatures.py
Writes gradrepl/engine/torch_signatures.py.
"""

import pathlib
import pprint

import torch

# each function, called with arguments it accepts plus one keyword it does not
CALLS = {
    "eye": lambda **k: torch.eye(2, **k),
    "arange": lambda **k: torch.arange(2, **k),
    "linspace": lambda **k: torch.linspace(0, 1, 3, **k),
    "logspace": lambda **k: torch.logspace(0, 1, 3, **k),
    "rand": lambda **k: torch.rand(2, **k),
    "randn": lambda **k: torch.randn(2, **k),
    "randint": lambda **k: torch.randint(0, 5, (2,), **k),
    "randperm": lambda **k: torch.randperm(4, **k),
    "rand_like": lambda **k: torch.rand_like(torch.ones(2), **k),
    "randn_like": lambda **k: torch.randn_like(torch.ones(2), **k),
    "normal": lambda **k: torch.normal(0.0, 1.0, (2,), **k),
    # reductions whose overloads torch tells apart by dim (x.sum(keepdim=True) is neither), and
    # ops whose out= overloads it lists (torch.mm(a, None, out=t)): function and method forms
    "sum": lambda **k: torch.sum(torch.ones(2), **k),
    "Tensor.sum": lambda **k: torch.ones(2).sum(**k),
    "mean": lambda **k: torch.mean(torch.ones(2), **k),
    "Tensor.mean": lambda **k: torch.ones(2).mean(**k),
    "prod": lambda **k: torch.prod(torch.ones(2), **k),
    "Tensor.prod": lambda **k: torch.ones(2).prod(**k),
    "mm": lambda **k: torch.mm(**k),
    # ops gradrepl refuses in its parser's words (keywords.torch_parsed): keepdim without dim,
    # dim=None where torch wants an int, unknown keywords
    "max": lambda **k: torch.max(torch.ones(2), **k),
    "Tensor.max": lambda **k: torch.ones(2).max(**k),
    "min": lambda **k: torch.min(torch.ones(2), **k),
    "Tensor.min": lambda **k: torch.ones(2).min(**k),
    "median": lambda **k: torch.median(torch.ones(2), *range(9), **k),
    "Tensor.median": lambda **k: torch.ones(2).median(*range(9), **k),
    "nanmedian": lambda **k: torch.nanmedian(torch.ones(2), *range(9), **k),
    "Tensor.nanmedian": lambda **k: torch.ones(2).nanmedian(*range(9), **k),
    "count_nonzero": lambda **k: torch.count_nonzero(torch.ones(2), **k),
    "Tensor.count_nonzero": lambda **k: torch.ones(2).count_nonzero(**k),
    # Tensor.new's legacy constructor overloads (x.new(2, dtype=torch.long) lists them)
    "Tensor.new": lambda **k: torch.ones(2).new(2, **k),
    "Tensor.random_": lambda **k: torch.ones(2).random_(**k),
    "copysign": lambda **k: torch.copysign(torch.ones(2), 1, **k),
    "float_power": lambda **k: torch.float_power(torch.ones(2), 2, **k),
    "Tensor.float_power": lambda **k: torch.ones(2).float_power(2, **k),
    "Tensor.float_power_": lambda **k: torch.ones(2).double().float_power_(2, **k),
    # quantile's two overloads (q a tensor or a float)
    **{f"{prefix}{name}": (lambda name, prefix: lambda **k: (
        getattr(torch.ones(2), name)(0.5, **k) if prefix
        else getattr(torch, name)(torch.ones(2), 0.5, **k)))(name, prefix)
       for name in ("quantile", "nanquantile") for prefix in ("", "Tensor.")},
    "Tensor.copysign": lambda **k: torch.ones(2).copysign(1, **k),
    "Tensor.copysign_": lambda **k: torch.ones(2).copysign_(1, **k),
    # where with an ndarray operand (a learner's slip) lists them
    # (torch.where takes any keyword into its listing only with an ndarray among its operands)
    "where": lambda **k: torch.where(torch.ones(2) > 0, __import__("numpy").ones(2), torch.ones(2)),
    "Tensor.where": lambda **k: torch.ones(2).where(torch.ones(2) > 0, __import__("numpy").ones(2)),
    # comparisons with neither a tensor nor a number (t.eq(None), torch.lt(t, ndarray))
    **{f"{prefix}{name}": (lambda name, prefix: lambda **k: (
        getattr(torch.ones(2), name)(torch.ones(2), **k) if prefix
        else getattr(torch, name)(torch.ones(2), torch.ones(2), **k)))(name, prefix)
       for name in ("eq", "ne", "lt", "le", "gt", "ge") for prefix in ("", "Tensor.")},
    # session 10 (l-more): atleast_* and h/v/dsplit list their two overloads for a wrong type
    **{name: (lambda name: lambda **k: getattr(torch._VF, name)(torch.ones(2), **k))(name)
       for name in ("atleast_1d", "atleast_2d", "atleast_3d")},
    **{f"{prefix}{name}": (lambda name, prefix: lambda **k: (
        getattr(torch.ones(2, 2, 2), name)(1, **k) if prefix
        else getattr(torch, name)(torch.ones(2, 2, 2), 1, **k)))(name, prefix)
       for name in ("hsplit", "vsplit", "dsplit") for prefix in ("", "Tensor.")},
    "isin": lambda **k: torch.isin(torch.ones(2), torch.ones(2), **k),
    "searchsorted": lambda **k: torch.searchsorted(torch.ones(2), torch.ones(2), **k),
    "bucketize": lambda **k: torch.bucketize(torch.ones(2), torch.ones(2), **k),
    # session 11 (m-ops)
    **{name: (lambda name: lambda **k: getattr(torch, name)(torch.ones(2), **k))(name)
       for name in ("trapezoid", "trapz", "cumulative_trapezoid")},
    # session 14 (p-exact): view's dtype and size overloads (x.view(3.0), x.view("a"))
    "Tensor.view": lambda **k: torch.ones(2).view(**k),
}

# torch has one overload for these, so it never lists it: its parser's own complaints
# ("cumsum() takes 1 positional argument", "argument 'dim' must be int") are this signature's
# (tests/engine/test_invalid_arguments_torch.py checks them against live torch)
ONE_OVERLOAD = {
    "cumsum": "(Tensor input, int dim, *, torch.dtype dtype = None, Tensor out = None)",
    "Tensor.cumsum": "(int dim, *, torch.dtype dtype = None)",
    "cumprod": "(Tensor input, int dim, *, torch.dtype dtype = None, Tensor out = None)",
    "Tensor.cumprod": "(int dim, *, torch.dtype dtype = None)",
    "logsumexp": "(Tensor input, tuple of ints dim, bool keepdim = False, *, Tensor out = None)",
    "Tensor.logsumexp": "(tuple of ints dim, bool keepdim = False)",
    "mode": "(Tensor input, int dim = -1, bool keepdim = False, *, tuple of Tensors out = None)",
    "Tensor.mode": "(int dim = -1, bool keepdim = False)",
    "aminmax": "(Tensor input, *, int dim = None, bool keepdim = False, tuple of Tensors out = None)",
    "Tensor.aminmax": "(*, int dim = None, bool keepdim = False)",
    "transpose": "(Tensor input, int dim0, int dim1)",
    "diff": "(Tensor input, int n = 1, int dim = -1, Tensor prepend = None, Tensor append = None, *, Tensor out = None)",
    "Tensor.diff": "(int n = 1, int dim = -1, Tensor prepend = None, Tensor append = None)",
    "take_along_dim": "(Tensor input, Tensor indices, int dim = None, *, Tensor out = None)",
    "Tensor.take_along_dim": "(Tensor indices, int dim = None)",
    "Tensor.unfold": "(int dimension, int size, int step)",
    "Tensor.fill_diagonal_": "(Number fill_value, bool wrap = False)",
    "Tensor.transpose": "(int dim0, int dim1)",
    # session 10 (l-more)
    "tril_indices": "(int row, int col, int offset = 0, *, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False)",
    "dist": "(Tensor input, Tensor other, Number p = 2)",
    "Tensor.dist": "(Tensor other, Number p = 2)",
    "bincount": "(Tensor input, Tensor weights = None, int minlength = 0)",
    "Tensor.bincount": "(Tensor weights = None, int minlength = 0)",
    "histc": "(Tensor input, int bins = 100, Number min = 0, Number max = 0, *, Tensor out = None)",
    "Tensor.histc": "(int bins = 100, Number min = 0, Number max = 0)",
    # session 11 (m-ops)
    "logcumsumexp": "(Tensor input, int dim, *, Tensor out = None)",
    "Tensor.logcumsumexp": "(int dim)",
    "cov": "(Tensor input, *, int correction = 1, Tensor fweights = None, Tensor aweights = None)",
    "Tensor.cov": "(*, int correction = 1, Tensor fweights = None, Tensor aweights = None)",
    "corrcoef": "(Tensor input)",
    "Tensor.corrcoef": "()",
    "triu_indices": "(int row, int col, int offset = 0, *, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False)",
    # session 15 (q-exact): x.allclose(1) and the like, in torch's parser's words
    **{f"{prefix}{name}": ("(" + ("" if prefix else "Tensor input, ") + "Tensor other, float rtol = 1e-05, "
                           "float atol = 1e-08, bool equal_nan = False)")
       for name in ("allclose", "isclose") for prefix in ("", "Tensor.")},
    "dot": "(Tensor input, Tensor tensor, *, Tensor out = None)",
    "Tensor.dot": "(Tensor tensor)",
    "vdot": "(Tensor input, Tensor other, *, Tensor out = None)",
    "Tensor.vdot": "(Tensor other)",
}


def signatures(call) -> list:
    try:  # an unknown keyword, or (median) more arguments than any overload takes
        call(not_a_keyword=True)
    except TypeError as error:
        return [line[3:] for line in str(error).splitlines() if line.startswith(" * ")]
    raise AssertionError("torch accepted the unknown keyword")


recorded = {name: signatures(call) for name, call in CALLS.items()}
recorded.update({name: [signature] for name, signature in ONE_OVERLOAD.items()})
out = pathlib.Path(__file__).resolve().parent.parent / "gradrepl" / "engine" / "torch_signatures.py"
out.write_text(
    '"""The signatures torch ' + torch.__version__.split("+")[0] + ' lists when a factory or random '
    'function gets a keyword it does not\ntake (generated by scripts/record_torch_signatures.py: '
    'do not edit).\n"Tensor.<name>" is the method\'s list."""\n\nSIGNATURES = ' + pprint.pformat(recorded, width=100) + "\n")
print(f"wrote {out}")
