"""The op table under test: one line per case, each run on gradrepl and on torch by op_helper.

Every op of issue 2 appears here with scalars and tensors, reversed and in-place forms,
broadcasting, each dtype, and its errors. ``scripts/record_engine_goldens.py`` records torch's
answers for these cases; ``test_ops.py`` compares gradrepl with them.
"""

from __future__ import annotations

import numpy as np

from op_helper import A, Case, T

F32, F64, F16 = "float32", "float64", "float16"
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
POS = A((2, 3), low=0.5, high=3.0)  # for log, sqrt and powers of a float exponent
M = (2, 3)

CASES: list[Case] = []


def case(id, fn, inputs=(), **kwargs):
    CASES.append(Case(id, fn, inputs, **kwargs))


def ints(shape=(2, 3), dtype="int64", **kw):
    return A(shape, dtype=dtype, **kw)


# ---------------------------------------------------------------------------------------------
# In-place forms, written once for both libraries

def iadd(a, b):
    a = a.clone(); a += b; return a  # noqa: E702


def isub(a, b):
    a = a.clone(); a -= b; return a  # noqa: E702


def imul(a, b):
    a = a.clone(); a *= b; return a  # noqa: E702


def idiv(a, b):
    a = a.clone(); a /= b; return a  # noqa: E702


def ipow(a, b):
    a = a.clone(); a **= b; return a  # noqa: E702


def setitem(a, index, value):
    a = a.clone(); a[index] = value; return a  # noqa: E702


def leaf_inplace(a):
    a += 1; return a  # noqa: E702


# ---------------------------------------------------------------------------------------------
# + - * / ** with tensors, Python scalars, reversed, broadcasting

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
}
SHAPE_PAIRS = {
    "same": [M, M], "row": [M, (3,)], "col": [M, (2, 1)], "scalar0d": [M, ()],
    "0d_left": [(), M], "outer": [(2, 1), (1, 3)], "3d": [(4, 2, 3), (2, 1)],
    "both0d": [(), ()], "lead1": [(1, 3), (2, 1, 3)],
}
for name, fn in BINARY.items():
    for pair_name, shapes in SHAPE_PAIRS.items():
        inputs = [A(s, low=0.5, high=2.5) for s in shapes] if name == "pow" else shapes
        if name == "div":
            inputs = [A(shapes[0]), A(shapes[1], low=0.5, high=2.0)]
        case(f"{name}_{pair_name}", fn, inputs)

for scalar in (2, 2.5, -1, 0, True):
    tag = repr(scalar).replace(".", "p").replace("-", "m")
    case(f"add_scalar_{tag}", lambda a, s=scalar: a + s, [M])
    case(f"radd_scalar_{tag}", lambda a, s=scalar: s + a, [M])
    case(f"sub_scalar_{tag}", lambda a, s=scalar: a - s, [M]) if scalar is not True else None
    case(f"rsub_scalar_{tag}", lambda a, s=scalar: s - a, [M]) if scalar is not True else None
    case(f"mul_scalar_{tag}", lambda a, s=scalar: a * s, [M])
    case(f"rmul_scalar_{tag}", lambda a, s=scalar: s * a, [M])
    case(f"div_scalar_{tag}", lambda a, s=scalar: a / s, [M])
    case(f"rdiv_scalar_{tag}", lambda a, s=scalar: s / a, [A(M, low=0.5, high=2.0)])
    case(f"pow_scalar_{tag}", lambda a, s=scalar: a ** s, [A(M, low=0.5, high=2.0)])
case("pow_scalar_half", lambda a: a ** 0.5, [POS])
case("pow_scalar_neg", lambda a: a ** -2, [POS])
case("pow_scalar_3_negative_base", lambda a: a ** 3, [M])
case("rpow_2", lambda a: 2 ** a, [M])
case("rpow_half", lambda a: 0.5 ** a, [M])
case("rpow_e", lambda a: 2.718281828 ** a, [M])
case("rpow_0", lambda a: 0 ** a, [A(values=[-1.0, 0.0, 1.0, 2.0])])
case("pow_tensor_zero_base", lambda a, b: a ** b, [A(values=[0.0, 0.0, 2.0]), A(values=[0.0, 2.0, 3.0])])
case("pow_zero_exponent", lambda a: a ** 0, [M])
case("neg_op", lambda a: -a, [M])
case("pos_op", lambda a: +a, [M])
case("sub_alpha", lambda a, b: T.sub(a, b, alpha=2), [M, M])
case("add_alpha", lambda a, b: T.add(a, b, alpha=0.5), [M, M])
case("torch_add", lambda a, b: T.add(a, b), [M, (3,)])
case("torch_mul_scalar", lambda a: T.mul(a, 3), [M])
case("torch_div", lambda a, b: T.div(a, b), [M, A(M, low=1, high=2)])
case("torch_pow_tensor", lambda a, b: T.pow(a, b), [POS, M])
case("torch_pow_scalar", lambda a: T.pow(a, 3), [M])
case("torch_rsub", lambda a, b: T.rsub(a, b), [M, M])
case("method_add", lambda a, b: a.add(b), [M, M])
case("method_sub", lambda a: a.sub(1.5), [M])
case("method_mul", lambda a, b: a.mul(b), [M, (3,)])
case("method_div", lambda a: a.div(4), [M])
case("method_pow", lambda a: a.pow(2), [M])
case("chain_poly", lambda x: 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1, [A(values=2.0)])
case("chain_seed_layers", lambda x: (2 * (3 * x + 2) ** 2).mean(),
     [A(values=[[1.0, 2, 3], [3, 2, 1]])])
case("same_input_twice", lambda a: a * a + a / (a + 3), [A(M, low=0.5, high=2)])
case("broadcast_error", lambda a, b: a + b, [(2, 3), (4,)])
case("broadcast_error_3d", lambda a, b: a * b, [(2, 3, 4), (3, 5)])
case("int_div_int", lambda a, b: a / b, [ints(low=1), ints(low=1)])
case("int_add_float_scalar", lambda a: a + 1.5, [ints()])
case("int_mul_int_scalar", lambda a: a * 3, [ints()])
case("int_pow_neg_scalar", lambda a: a ** -1, [ints(low=1)])
case("int_pow_2", lambda a: a ** 2, [ints()])
case("bool_sub", lambda a, b: a - b, [A((3,), "bool"), A((3,), "bool")])
case("bool_sub_scalar", lambda a: a - 1, [A((3,), "bool")])
case("bool_neg", lambda a: -a, [A((3,), "bool")])
case("bool_add_bool", lambda a, b: a + b, [A((3,), "bool"), A((3,), "bool")])
case("bool_mul_float", lambda a: a * 2.5, [A((3,), "bool")])
case("uint8_wrap", lambda a: a + 250, [A((4,), "uint8")])
case("int8_mul_overflow", lambda a: a * 100, [A(values=[1, 2, -3], dtype="int8")])
case("float_div_zero", lambda a: a / 0, [A(values=[1.0, -1.0, 0.0])], backward=False)
case("int_div_zero", lambda a: a / 0, [A(values=[1, -1, 0], dtype="int64")])
case("floor_divide", lambda a, b: a // b, [ints(low=1), ints(low=1)])
case("remainder", lambda a: a % 3, [ints()])

# in-place arithmetic on non-leaves (records history) and on tensors without grad
for name, fn in {"iadd": iadd, "isub": isub, "imul": imul, "idiv": idiv}.items():
    case(f"{name}_scalar", lambda a, f=fn: f(a, 2), [M])
    case(f"{name}_tensor", lambda a, b, f=fn: f(a, b), [M, A(M, low=0.5, high=2)])
    case(f"{name}_broadcast", lambda a, b, f=fn: f(a, b), [M, A((3,), low=0.5, high=2)])
    case(f"{name}_nograd", lambda a, b, f=fn: f(a, b), [A(M, grad=False), A(M, grad=False, low=1)])
case("ipow_scalar", lambda a: ipow(a, 2), [M])
case("ipow_tensor", lambda a, b: ipow(a, b), [POS, M])
case("iadd_grows_shape", lambda a, b: iadd(a, b), [(3,), M])
case("iadd_int_with_float", lambda a: iadd(a, 1.5), [ints()])
case("iadd_float_into_int", lambda a, b: iadd(a, b), [ints(), A(M, grad=False)])
case("iadd_leaf_error", lambda a: leaf_inplace(a), [M])
case("iadd_leaf_nograd_ok", lambda a: leaf_inplace(a), [A(M, grad=False)])
case("add_method_", lambda a: a.clone().add_(3), [M])
case("sub_method_alpha", lambda a, b: a.clone().sub_(b, alpha=2), [M, M])
case("mul_method_", lambda a, b: a.clone().mul_(b), [M, M])
case("div_method_", lambda a: a.clone().div_(2), [M])
case("pow_method_", lambda a: a.clone().pow_(3), [M])
case("neg_method_", lambda a: a.clone().neg_(), [M])
case("exp_method_", lambda a: a.clone().exp_(), [M])
case("sigmoid_method_", lambda a: a.clone().sigmoid_(), [M])
case("relu_method_", lambda a: a.clone().relu_(), [M])
case("tanh_method_", lambda a: a.clone().tanh_(), [M])
case("zero_method_", lambda a: (a * 2).zero_(), [M])
case("fill_method_", lambda a: a.clone().fill_(7), [A(M, grad=False)])

# ---------------------------------------------------------------------------------------------
# Elementwise functions

UNARY = {
    "neg": lambda a: a.neg(), "abs": lambda a: a.abs(), "exp": lambda a: a.exp(),
    "log": lambda a: a.log(), "sqrt": lambda a: a.sqrt(), "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(), "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
}
TORCH_UNARY = {name: (lambda a, n=name: getattr(T, n)(a)) for name in UNARY}
POSITIVE_ONLY = {"log", "sqrt"}
for name, fn in UNARY.items():
    domain = dict(low=0.2, high=4.0) if name in POSITIVE_ONLY else {}
    case(f"{name}_2d", fn, [A(M, **domain)])
    case(f"{name}_0d", fn, [A((), **domain)])
    case(f"{name}_3d_f64", fn, [A((2, 2, 3), F64, **domain)])
    case(f"torch_{name}", TORCH_UNARY[name], [A((5,), **domain)])
    case(f"{name}_int", fn, [ints(low=0.4 if name in POSITIVE_ONLY else -2)])
    case(f"{name}_f16", fn, [A((4,), F16, **domain)])
case("log_of_nonpositive", lambda a: a.log(), [A(values=[0.0, -1.0, 1.0])], backward=False)
case("sqrt_of_negative", lambda a: a.sqrt(), [A(values=[-1.0, 4.0])], backward=False)
case("relu_at_zero", lambda a: a.relu(), [A(values=[-1.0, 0.0, 2.0])])
case("abs_at_zero", lambda a: a.abs(), [A(values=[-1.0, 0.0, 2.0])])
case("exp_overflow", lambda a: a.exp(), [A(values=[100.0, -200.0, 0.0])])
case("sigmoid_extremes", lambda a: a.sigmoid(), [A(values=[-100.0, 0.0, 100.0])])
case("abs_bool", lambda a: a.abs(), [A((3,), "bool")])
case("relu_bool", lambda a: a.relu(), [A((3,), "bool")])
case("exp_bool", lambda a: a.exp(), [A((3,), "bool")])
case("unary_chain", lambda a: (a.sin() * a.cos()).tanh().exp().sigmoid(), [M])

# ---------------------------------------------------------------------------------------------
# Reductions

R = (2, 3, 4)
REDUCTIONS = {
    "all": lambda f: (lambda a: f(a)),
    "dim0": lambda f: (lambda a: f(a, 0)),
    "dim1": lambda f: (lambda a: f(a, 1)),
    "dim_neg": lambda f: (lambda a: f(a, -1)),
    "keepdim": lambda f: (lambda a: f(a, 1, keepdim=True)),
    "tuple": lambda f: (lambda a: f(a, (0, 2))),
    "tuple_keepdim": lambda f: (lambda a: f(a, (0, -1), keepdim=True)),
    "kw_dim": lambda f: (lambda a: f(a, dim=2)),
    "list_dims": lambda f: (lambda a: f(a, [1, 2])),
}
for red in ("sum", "mean"):
    for form, make in REDUCTIONS.items():
        case(f"{red}_{form}", make(lambda a, *args, r=red, **kw: getattr(a, r)(*args, **kw)), [R],
             exact=True)  # summation.py adds in torch's order: the bits agree
    case(f"torch_{red}", lambda a, r=red: getattr(T, r)(a, 1), [R], exact=True)
    case(f"{red}_0d", lambda a, r=red: getattr(a, r)(), [()], exact=True)
    case(f"{red}_0d_dim", lambda a, r=red: getattr(a, r)(0), [()], exact=True)
    case(f"{red}_empty", lambda a, r=red: getattr(a, r)(), [(0, 3)])
    case(f"{red}_bad_dim", lambda a, r=red: getattr(a, r)(3), [R])
    case(f"{red}_repeated_dim", lambda a, r=red: getattr(a, r)((1, 1)), [R])
    case(f"{red}_f64", lambda a, r=red: getattr(a, r)(0), [A(M, F64)], exact=True)
    case(f"{red}_f16", lambda a, r=red: getattr(a, r)(), [A((8,), F16)], exact=True)
case("sum_int", lambda a: a.sum(), [ints()])
case("sum_int32_dim", lambda a: a.sum(0), [ints(dtype="int32")])
case("sum_uint8", lambda a: a.sum(), [A((5,), "uint8")])
case("sum_bool", lambda a: a.sum(), [A((5,), "bool")])
case("sum_dtype_kw", lambda a: a.sum(dtype=T.float64), [M], exact=True)
case("mean_int_error", lambda a: a.mean(), [ints()])
case("mean_bool_error", lambda a: a.mean(), [A((3,), "bool")])
case("sum_keepdim_all", lambda a: a.sum(dim=(0, 1), keepdim=True), [M], exact=True)

# ---------------------------------------------------------------------------------------------
# Shapes and views

S = (2, 3, 4)
SHAPES = {
    "view": lambda a: a.view(6, 4), "view_neg": lambda a: a.view(-1, 2),
    "view_tuple": lambda a: a.view((4, 6)), "view_flat": lambda a: a.view(-1),
    "reshape": lambda a: a.reshape(3, 8), "reshape_tuple": lambda a: a.reshape((2, -1)),
    "torch_reshape": lambda a: T.reshape(a, (24,)),
    "reshape_noncontig": lambda a: a.transpose(0, 2).reshape(-1),
    "view_noncontig_error": lambda a: a.transpose(0, 2).view(-1),
    "view_bad_size": lambda a: a.view(5, 5), "view_two_neg": lambda a: a.view(-1, -1),
    "flatten": lambda a: a.flatten(), "flatten_1": lambda a: a.flatten(1),
    "flatten_0_1": lambda a: a.flatten(0, 1), "flatten_same": lambda a: a.flatten(1, 1),
    "torch_flatten": lambda a: T.flatten(a, start_dim=1),
    "transpose": lambda a: a.transpose(0, 1), "transpose_neg": lambda a: a.transpose(-1, 0),
    "torch_transpose": lambda a: T.transpose(a, 1, 2),
    "permute": lambda a: a.permute(2, 0, 1), "permute_tuple": lambda a: a.permute((1, 2, 0)),
    "permute_neg": lambda a: a.permute(-1, -2, -3), "torch_permute": lambda a: T.permute(a, (0, 2, 1)),
    "permute_dup": lambda a: a.permute(0, 0, 1), "permute_short": lambda a: a.permute(0, 1),
    "unsqueeze0": lambda a: a.unsqueeze(0), "unsqueeze_end": lambda a: a.unsqueeze(-1),
    "unsqueeze_mid": lambda a: a.unsqueeze(2), "torch_unsqueeze": lambda a: T.unsqueeze(a, 1),
    "unsqueeze_bad": lambda a: a.unsqueeze(5),
    "T_3d": lambda a: a.T, "mT": lambda a: a.mT,
    "expand_lead": lambda a: a.unsqueeze(0).expand(5, 2, 3, 4),
    "transpose_bad": lambda a: a.transpose(0, 3),
}
for name, fn in SHAPES.items():
    case(f"shape_{name}", fn, [S])
case("squeeze_all", lambda a: a.squeeze(), [(1, 3, 1, 2)])
case("squeeze_dim", lambda a: a.squeeze(0), [(1, 3, 1, 2)])
case("squeeze_dim_noop", lambda a: a.squeeze(1), [(1, 3, 1, 2)])
case("squeeze_neg", lambda a: a.squeeze(-2), [(1, 3, 1, 2)])
case("squeeze_tuple", lambda a: a.squeeze((0, 2)), [(1, 3, 1, 2)])
case("torch_squeeze", lambda a: T.squeeze(a, 2), [(1, 3, 1, 2)])
case("squeeze_0d", lambda a: a.squeeze(), [()])
case("squeeze_0d_dim", lambda a: a.squeeze(0), [()])
case("unsqueeze_0d", lambda a: a.unsqueeze(0), [()])
case("t_2d", lambda a: a.t(), [M])
case("t_1d", lambda a: a.t(), [(3,)])
case("t_0d", lambda a: a.t(), [()])
case("t_3d_error", lambda a: a.t(), [S])
case("torch_t", lambda a: T.t(a), [M])
case("T_2d", lambda a: a.T, [M])
case("T_1d", lambda a: a.T, [(3,)])
case("expand", lambda a: a.expand(4, 3), [(1, 3)])
case("expand_neg1", lambda a: a.expand(2, -1, 3), [(1, 4, 1)])
case("expand_tuple", lambda a: a.expand((2, 3)), [(3,)])
case("expand_0d", lambda a: a.expand(3, 2), [()])
case("expand_bad", lambda a: a.expand(4, 4), [(2, 3)])
case("expand_too_few", lambda a: a.expand(3), [(2, 3)])
case("expand_as", lambda a, b: a.expand_as(b), [(3,), A(M, grad=False)])
case("view_as", lambda a, b: a.view_as(b), [(6,), A(M, grad=False)])
case("reshape_as", lambda a, b: a.reshape_as(b), [(6,), A((3, 2), grad=False)])
case("view_then_math", lambda a: (a.view(3, 2) * 2).sum(0), [M])
case("contiguous_after_t", lambda a: a.t().contiguous(), [M])
case("clone", lambda a: a.clone(), [M])
case("torch_clone", lambda a: T.clone(a), [M])
case("unbind", lambda a: a.unbind(), [M])
case("unbind_dim1", lambda a: a.unbind(1), [M])
case("iterate", lambda a: tuple(a), [M])
case("size_dim", lambda a: (a.size(), a.size(1), a.size(-1), a.shape, a.dim(), a.ndim, a.numel(), len(a)), [S])
case("size_bad_dim", lambda a: a.size(3), [S])
case("len_0d", lambda a: len(a), [()])
case("is_contiguous", lambda a: (a.is_contiguous(), a.t().is_contiguous(), a.t().stride()), [M])

# ---------------------------------------------------------------------------------------------
# Indexing and setitem

X = (4, 5)
INDEX = {
    "int": lambda a: a[1], "neg": lambda a: a[-1], "int_int": lambda a: a[1, 2],
    "int_neg": lambda a: a[-2, -1], "slice": lambda a: a[1:3], "slice_step": lambda a: a[::2],
    "slice_neg": lambda a: a[-3:-1], "slice_col": lambda a: a[:, 1:4],
    "slice_both": lambda a: a[1:, ::2], "full_slice": lambda a: a[:],
    "ellipsis": lambda a: a[..., 2], "ellipsis_alone": lambda a: a[...],
    "none": lambda a: a[None], "none_mid": lambda a: a[:, None], "none_int": lambda a: a[1, None],
    "list": lambda a: a[[0, 2]], "list_neg": lambda a: a[[-1, 0, 0]],
    "tensor_index": lambda a: a[T.tensor([3, 1])], "col_list": lambda a: a[:, [0, 4]],
    "two_lists": lambda a: a[[0, 1], [2, 3]], "mask": lambda a: a[a > 0],
    "row_mask": lambda a: a[T.tensor([True, False, True, False])],
    "slice_empty": lambda a: a[3:1], "slice_beyond": lambda a: a[2:100],
    "int_out_of_range": lambda a: a[4], "neg_out_of_range": lambda a: a[-5],
    "too_many": lambda a: a[0, 0, 0], "list_out_of_range": lambda a: a[[0, 7]],
    "chain": lambda a: a[1][2:4], "float_index": lambda a: a[1.0],
    "0d_tensor_index": lambda a: a[T.tensor(2)],
}
for name, fn in INDEX.items():
    case(f"index_{name}", fn, [X])
case("index_0d_error", lambda a: a[0], [()])
case("index_0d_ellipsis", lambda a: a[...], [()])
case("index_0d_none", lambda a: a[None], [()])
case("index_3d_mixed", lambda a: a[1, :, -1], [(3, 4, 5)])
case("index_3d_ellipsis_mid", lambda a: a[0, ..., 1], [(3, 4, 5)])
case("index_repeated_list_grad", lambda a: a[[1, 1, 1]], [(3,)])

SETITEM = {
    "int": (1, 5.0), "slice": (slice(0, 2), -1.0), "neg": (-1, 0.0),
    "int_int": ((1, 2), 9.0), "col": ((slice(None), 0), 3.0),
    "list": ([0, 2], 4.0), "ellipsis": ((Ellipsis, 1), 2.0),
}
for name, (index, value) in SETITEM.items():
    case(f"setitem_{name}", lambda a, i=index, v=value: setitem(a, i, v), [X])
case("setitem_tensor_value", lambda a, b: setitem(a, 1, b), [X, (5,)])
case("setitem_broadcast_value", lambda a, b: setitem(a, slice(0, 2), b), [X, (5,)])
case("setitem_mask", lambda a: setitem(a, a < 0, 0.0), [X])
case("setitem_nograd", lambda a: setitem(a, 0, 1.0), [A(X, grad=False)])
case("setitem_int_tensor", lambda a: setitem(a, 1, 7), [ints(X)])
case("setitem_leaf_error", lambda a: a.__setitem__(0, 1.0), [X])
case("setitem_shape_error", lambda a, b: setitem(a, 0, b), [X, (3,)])
case("setitem_out_of_range", lambda a: setitem(a, 9, 1.0), [X])

# ---------------------------------------------------------------------------------------------
# Matrix products

MATMUL = {
    "1d_1d": [(3,), (3,)], "2d_1d": [(2, 3), (3,)], "1d_2d": [(3,), (3, 4)],
    "2d_2d": [(2, 3), (3, 4)], "3d_3d": [(5, 2, 3), (5, 3, 4)], "3d_2d": [(5, 2, 3), (3, 4)],
    "2d_3d": [(2, 3), (5, 3, 4)], "1d_3d": [(3,), (5, 3, 4)], "3d_1d": [(5, 2, 3), (3,)],
    "4d_3d": [(2, 1, 2, 3), (5, 3, 4)], "4d_4d": [(2, 5, 2, 3), (1, 5, 3, 2)],
    "2d_4d": [(2, 3), (2, 2, 3, 1)],
}
for name, shapes in MATMUL.items():
    batched = len(shapes[0]) > 2 or len(shapes[1]) > 2
    case(f"matmul_{name}", lambda a, b: a @ b, shapes)
    case(f"torch_matmul_{name}", lambda a, b: T.matmul(a, b), shapes)
    if batched:
        case(f"matmul_{name}_left_grad", lambda a, b: a @ b, [shapes[0], A(shapes[1], grad=False)])
        case(f"matmul_{name}_right_grad", lambda a, b: a @ b, [A(shapes[0], grad=False), shapes[1]])
case("matmul_f64", lambda a, b: a @ b, [A((2, 3), F64), A((3, 2), F64)])
case("matmul_int", lambda a, b: a @ b, [ints((2, 3)), ints((3, 2))])
case("matmul_mismatch", lambda a, b: a @ b, [(2, 3), (4, 2)])
case("matmul_mismatch_1d", lambda a, b: a @ b, [(3,), (4,)])
case("matmul_mismatch_mv", lambda a, b: a @ b, [(2, 3), (4,)])
case("matmul_mismatch_batched", lambda a, b: a @ b, [(5, 2, 3), (5, 4, 2)])
case("matmul_0d", lambda a, b: a @ b, [(), (3,)])
case("matmul_dtype_mismatch", lambda a, b: a @ b, [(2, 3), A((3, 2), F64)])
case("mm", lambda a, b: a.mm(b), [(2, 3), (3, 4)])
case("torch_mm", lambda a, b: T.mm(a, b), [(2, 3), (3, 4)])
case("mm_1d_error", lambda a, b: T.mm(a, b), [(3,), (3, 4)])
case("mm_mismatch", lambda a, b: T.mm(a, b), [(2, 3), (2, 4)])
case("mv", lambda a, b: a.mv(b), [(2, 3), (3,)])
case("torch_mv", lambda a, b: T.mv(a, b), [(2, 3), (3,)])
case("mv_mismatch", lambda a, b: T.mv(a, b), [(2, 3), (4,)])
case("dot", lambda a, b: a.dot(b), [(4,), (4,)])
case("torch_dot", lambda a, b: T.dot(a, b), [(4,), (4,)])
case("dot_mismatch", lambda a, b: T.dot(a, b), [(4,), (3,)])
case("dot_2d_error", lambda a, b: T.dot(a, b), [(2, 2), (2, 2)])
case("matmul_2d_3d_row", lambda a, b: a @ b, [(1, 3), (5, 3, 4)])
case("matmul_2d_3d_col", lambda a, b: a @ b, [(2, 3), (5, 3, 1)])
case("matmul_chain", lambda a, b, c: (a @ b).relu() @ c, [(3, 4), (4, 5), (5,)])
case("rmatmul_numpy_free", lambda a, b: b.__rmatmul__(a), [(2, 3), (3, 2)])

# ---------------------------------------------------------------------------------------------
# Comparisons, where, stack, cat

COMPARE = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}
for name, fn in COMPARE.items():
    case(f"cmp_{name}", fn, [ints(), ints()])
    case(f"cmp_{name}_scalar", lambda a, f=fn: f(a, 0.5), [M])
    case(f"cmp_{name}_broadcast", fn, [M, (3,)])
    case(f"torch_{name}", lambda a, b, n=name: getattr(T, n)(a, b), [M, M])
    case(f"method_{name}", lambda a, n=name: getattr(a, n)(0), [ints()])
case("cmp_reversed_scalar", lambda a: 0 < a, [M])
case("cmp_mixed_dtypes", lambda a, b: a == b, [ints(), A(M, F64)])
case("cmp_bool", lambda a, b: a == b, [A((4,), "bool"), A((4,), "bool")])
case("cmp_error", lambda a, b: a < b, [M, (4,)])
case("cmp_eq_none", lambda a: a == None, [M])  # noqa: E711
case("logical_and", lambda a, b: (a > 0) & (b > 0), [M, M])
case("logical_or", lambda a, b: (a > 0) | (b > 0), [M, M])
case("logical_not", lambda a: ~(a > 0), [M])
case("torch_equal", lambda a, b: (T.equal(a, a), T.equal(a, b)), [M, M])
case("allclose", lambda a: T.allclose(a, a + 1e-9), [M])

case("where", lambda a, b: T.where(a > 0, a, b), [M, M])
case("where_broadcast", lambda a, b: T.where(a > 0, a, b), [M, (3,)])
case("where_scalar", lambda a: T.where(a > 0, a, 0.0), [M])
case("where_int_scalar", lambda a: T.where(a > 0, a, 0), [M])
case("where_mixed_dtype", lambda a, b: T.where(a > 0, a, b), [M, A(M, F64)])
case("where_cond_error", lambda a, b: T.where(a, a, b), [M, M])
case("where_one_arg", lambda a: T.where(a > 0), [M])

case("stack", lambda a, b: T.stack([a, b]), [M, M])
case("stack_dim1", lambda a, b: T.stack((a, b), 1), [M, M])
case("stack_neg", lambda a, b, c: T.stack([a, b, c], dim=-1), [M, M, M])
case("stack_mismatch", lambda a, b: T.stack([a, b]), [M, (3, 2)])
case("stack_empty", lambda: T.stack([]), [])
case("stack_0d", lambda a, b: T.stack([a, b]), [(), ()])
case("stack_mixed_dtype", lambda a, b: T.stack([a, b]), [M, ints()])
case("cat", lambda a, b: T.cat([a, b]), [M, (4, 3)])
case("cat_dim1", lambda a, b: T.cat((a, b), 1), [M, (2, 5)])
case("cat_neg", lambda a, b: T.cat([a, b], dim=-1), [M, (2, 1)])
case("cat_three", lambda a, b, c: T.cat([a, b, c]), [(1, 3), (2, 3), (3, 3)])
case("cat_mixed_dtype", lambda a, b: T.cat([a, b]), [M, A(M, F64)])
case("cat_int_float", lambda a, b: T.cat([a, b]), [ints(), M])
case("cat_tensor_not_list", lambda a: T.cat(a), [M])
case("cat_ndim_mismatch", lambda a, b: T.cat([a, b]), [(3,), M])
case("cat_size_mismatch", lambda a, b: T.cat([a, b], 1), [M, (3, 2)])
case("cat_0d", lambda a, b: T.cat([a, b]), [(), ()])
case("cat_bad_dim", lambda a, b: T.cat([a, b], 2), [M, M])
case("stack_bad_dim", lambda a, b: T.stack([a, b], 3), [M, M])
case("cat_one_grad", lambda a, b: T.cat([a, b]), [M, A(M, grad=False)])

# ---------------------------------------------------------------------------------------------
# Factories

FACTORIES = {
    "zeros": lambda: T.zeros(2, 3), "zeros_tuple": lambda: T.zeros((2, 3)),
    "zeros_list": lambda: T.zeros([4]), "zeros_0d": lambda: T.zeros(()),
    "zeros_int": lambda: T.zeros(2, dtype=T.int64), "zeros_empty": lambda: T.zeros(0, 3),
    "zeros_grad": lambda: T.zeros(2, requires_grad=True),
    "zeros_int_grad": lambda: T.zeros(2, dtype=T.long, requires_grad=True),
    "zeros_negative": lambda: T.zeros(-1, 2),
    "ones": lambda: T.ones(3), "ones_f64": lambda: T.ones(2, 2, dtype=T.float64),
    "ones_bool": lambda: T.ones(3, dtype=T.bool), "ones_f16": lambda: T.ones(2, dtype=T.half),
    "full_float": lambda: T.full((2, 2), 1.5), "full_int": lambda: T.full((3,), 7),
    "full_bool": lambda: T.full((2,), True), "full_dtype": lambda: T.full((2,), 3, dtype=T.float32),
    "full_list_size": lambda: T.full([1, 2], -0.25),
    "arange_int": lambda: T.arange(5), "arange_start": lambda: T.arange(2, 9),
    "arange_step": lambda: T.arange(1, 10, 3), "arange_neg_step": lambda: T.arange(5, -5, -2),
    "arange_float": lambda: T.arange(0.0, 1.0, 0.1), "arange_float_end": lambda: T.arange(4.5),
    "arange_float_neg": lambda: T.arange(1.0, -1.0, -0.25), "arange_f64": lambda: T.arange(3, dtype=T.float64),
    "arange_empty": lambda: T.arange(0), "arange_zero_step": lambda: T.arange(0, 5, 0),
    "arange_bad_sign": lambda: T.arange(0, 5, -1), "arange_inexact": lambda: T.arange(0, 1, 0.3),
    "arange_float_int_step": lambda: T.arange(0.5, 4), "arange_big": lambda: T.arange(2000.0),
    "arange_grad": lambda: T.arange(3.0, requires_grad=True),
    "linspace": lambda: T.linspace(0, 1, 5), "linspace_neg": lambda: T.linspace(-1, 1, 7),
    "linspace_one": lambda: T.linspace(2, 3, 1), "linspace_zero": lambda: T.linspace(0, 1, 0),
    "linspace_int": lambda: T.linspace(0, 10, 4, dtype=T.int64),
    "linspace_many": lambda: T.linspace(0, 1, 11), "linspace_f64": lambda: T.linspace(0, 1, 7, dtype=T.float64),
    "linspace_third": lambda: T.linspace(0, 1, 4),
    "eye": lambda: T.eye(3), "eye_rect": lambda: T.eye(2, 4), "eye_int": lambda: T.eye(2, dtype=T.int64),
    "empty_shape": lambda: T.empty(2, 3).shape,
}
for name, fn in FACTORIES.items():
    case(f"factory_{name}", fn, [])
LIKE = {
    "zeros_like": lambda a: T.zeros_like(a), "ones_like": lambda a: T.ones_like(a),
    "full_like": lambda a: T.full_like(a, 2.5), "zeros_like_dtype": lambda a: T.zeros_like(a, dtype=T.int32),
    "ones_like_grad": lambda a: T.ones_like(a, requires_grad=True),
    "empty_like_shape": lambda a: T.empty_like(a).shape,
}
for name, fn in LIKE.items():
    case(f"like_{name}", fn, [A(M, grad=True)])
    case(f"like_{name}_int", fn, [ints()])

# torch.tensor's type inference, legacy constructors and numpy interop
TENSOR = {
    "float": lambda: T.tensor(2.5), "int": lambda: T.tensor(3), "bool": lambda: T.tensor(True),
    "list_int": lambda: T.tensor([1, 2, 3]), "list_mixed": lambda: T.tensor([1, 2.0, 3]),
    "list_bool_int": lambda: T.tensor([True, 2]), "list_bools": lambda: T.tensor([True, False]),
    "nested": lambda: T.tensor([[1.0, 2], [3, 4]]), "tuple": lambda: T.tensor((1, 2)),
    "empty": lambda: T.tensor([]), "empty_nested": lambda: T.tensor([[], []]),
    "dtype_kw": lambda: T.tensor([1, 2], dtype=T.float64), "dtype_f16": lambda: T.tensor([1.5], dtype=T.float16),
    "int_to_uint8": lambda: T.tensor([1, 255], dtype=T.uint8), "big_int": lambda: T.tensor(2 ** 40),
    "ragged": lambda: T.tensor([[1, 2], [3]]), "string": lambda: T.tensor("a"),
    "grad": lambda: T.tensor([1.0, 2.0], requires_grad=True),
    "int_grad": lambda: T.tensor([1, 2], requires_grad=True),
    "from_tensors": lambda: T.tensor([T.tensor(1.5), T.tensor(2.5)]),
    "numpy_f64": lambda: T.tensor(np.arange(3.0)), "numpy_i32": lambda: T.tensor(np.arange(3, dtype=np.int32)),
    "numpy_scalar_list": lambda: T.tensor([np.float64(1.5), 2]),
    "Tensor_list": lambda: T.Tensor([1, 2]), "Tensor_sizes": lambda: T.Tensor(2, 3).shape,
    "Tensor_empty": lambda: T.Tensor(), "FloatTensor": lambda: T.FloatTensor([1, 2]),
    "LongTensor": lambda: T.LongTensor([1.7, 2]), "DoubleTensor": lambda: T.DoubleTensor([1]),
    "LongTensor_sizes": lambda: T.LongTensor(3).shape, "BoolTensor": lambda: T.BoolTensor([1, 0]),
    "isinstance_legacy": lambda: (isinstance(T.ones(1), T.FloatTensor), isinstance(T.ones(1), T.LongTensor)),
    "from_numpy": lambda: T.from_numpy(np.array([1, 2], dtype=np.int16)),
    "from_numpy_f64": lambda: T.from_numpy(np.ones((2, 2))),
    "from_numpy_bad": lambda: T.from_numpy([1, 2]),
    "as_tensor": lambda: T.as_tensor([1, 2]), "as_tensor_np": lambda: T.as_tensor(np.zeros(2, np.float32)),
    "as_tensor_dtype": lambda: T.as_tensor([1, 2], dtype=T.float32),
}
for name, fn in TENSOR.items():
    case(f"tensor_{name}", fn, [])
case("from_numpy_shares", lambda: _shares_memory(), [])
case("tensor_of_tensor_grad", lambda a: T.tensor(a), [M])
case("as_tensor_of_tensor", lambda a: T.as_tensor(a) is a, [M])


def _shares_memory():
    array = np.zeros(3, dtype=np.float32)
    t = T.from_numpy(array)
    array[0] = 5
    t[1] = 7
    return t, array.tolist()


# ---------------------------------------------------------------------------------------------
# Conversions and Python values

CONVERT = {
    "float": lambda a: a.float(), "double": lambda a: a.double(), "long": lambda a: a.long(),
    "int": lambda a: a.int(), "half": lambda a: a.half(), "bool": lambda a: a.bool(),
    "to_f64": lambda a: a.to(T.float64), "to_dtype_kw": lambda a: a.to(dtype=T.int16),
    "to_same": lambda a: a.to(T.float32), "to_cpu": lambda a: a.to("cpu"),
    "to_other": lambda a: a.to(T.zeros(1, dtype=T.float64)), "type_str": lambda a: a.type(),
    "type_cast": lambda a: a.type(T.float64), "type_legacy": lambda a: a.type("torch.LongTensor"),
    "byte": lambda a: a.byte(), "char": lambda a: a.char(), "short": lambda a: a.short(),
}
for name, fn in CONVERT.items():
    case(f"convert_{name}", fn, [A(M, low=-3, high=3)])
case("convert_long_to_float", lambda a: a.float(), [ints()])
case("convert_double_to_float", lambda a: a.float(), [A(M, F64)])
case("convert_then_grad", lambda a: (a.double() * 2).sum(), [M])
case("item_float", lambda a: a.item(), [A((), grad=False)])
case("item_int", lambda a: a.item(), [ints(())])
case("item_many", lambda a: a.item(), [M])
case("item_one_element", lambda a: a.item(), [A((1, 1), grad=False)])
case("tolist", lambda a: a.tolist(), [A(M, grad=False)])
case("tolist_int", lambda a: a.tolist(), [ints()])
case("tolist_0d", lambda a: a.tolist(), [ints(())])
case("python_float", lambda a: float(a), [A((), grad=False)])
case("python_int", lambda a: int(a), [A((), grad=False, low=1, high=5)])
case("python_bool", lambda a: bool(a), [A((), grad=False)])
case("python_float_many", lambda a: float(a), [M])
case("python_int_many", lambda a: int(a), [M])
case("python_bool_many", lambda a: bool(a), [M])
case("python_float_with_grad", lambda a: float(a), [()])
case("numpy_with_grad", lambda a: a.numpy(), [M])
case("numpy_detached", lambda a: a.detach().numpy().dtype.name, [M])
case("is_leaf", lambda a: (a.is_leaf, (a * 2).is_leaf, a.detach().is_leaf), [M])
case("requires_grad_flags", lambda a, b: ((a + b).requires_grad, (b * 2).requires_grad), [M, A(M, grad=False)])
case("detach", lambda a: a.detach(), [M])
case("detach_graph", lambda a: (a * 2).detach() * a, [M])
case("requires_grad_int_error", lambda a: a.requires_grad_(), [ints()])
case("device_dtype", lambda a: (a.device, a.dtype, a.is_floating_point(), a.element_size()), [M])

# ---------------------------------------------------------------------------------------------
# dtype promotion: every pair of the 9 dtypes, n-d vs n-d, n-d vs 0-d, 0-d vs n-d, and Python
# scalars of each kind. Bool minus bool errors in torch, so promotion uses + and *.

for left in DTYPES:
    for right in DTYPES:
        for form, shapes in {"nd_nd": [(3,), (3,)], "nd_0d": [(3,), ()], "0d_nd": [(), (3,)]}.items():
            case(f"promote_{left}_{right}_{form}", lambda a, b: a + b,
                 [A(shapes[0], left, grad=False), A(shapes[1], right, grad=False)])
    for scalar in (2, 2.5, True):
        case(f"promote_{left}_scalar_{type(scalar).__name__}", lambda a, s=scalar: a * s,
             [A((3,), left, grad=False)])
    case(f"promote_div_{left}", lambda a: a / 2, [A((3,), left, grad=False, low=0)])
case("promote_0d_float_int_nd", lambda a, b: a * b, [A((), F64, grad=False), ints((3,), "int8")])
case("promote_grad_f32_f64", lambda a, b: a * b, [A((3,)), A((3,), F64)])
case("promote_grad_f16_f32", lambda a, b: a + b, [A((3,), F16), A((3,))])
case("promote_grad_0d_f64", lambda a, b: a * b, [A((3,)), A((), F64)])
case("promote_grad_float_int", lambda a, b: a * b, [A((3,)), ints((3,))])

# 0-d tensors made by torch.tensor(number) (the engine keeps their data as a numpy scalar, a
# different path from a 0-d array), on either side of a tensor with dims
ZERO_D_VALUES = {"float32": 1.5, "float64": 2.25, "float16": 0.5, "int64": 3, "int32": 2,
                 "int16": 4, "int8": -2, "uint8": 7, "bool": True}
for left in DTYPES:
    for right in DTYPES:
        case(f"promote_{left}_{right}_nd_scalar0d",
             lambda a, r=right: a + T.tensor(ZERO_D_VALUES[r], dtype=getattr(T, r)),
             [A((3,), left, grad=False)])
        case(f"promote_{left}_{right}_scalar0d_nd",
             lambda b, l=left: T.tensor(ZERO_D_VALUES[l], dtype=getattr(T, l)) * b,
             [A((3,), right, grad=False)])
    case(f"promote_{left}_scalar0d_pair", lambda l=left: T.tensor(ZERO_D_VALUES[l], dtype=getattr(T, l)) + T.tensor(2.5, dtype=T.float64), [])

# numpy scalars as operands count as Python numbers in torch
NUMPY_SCALARS = {"f64": np.float64(2.5), "f32": np.float32(1.5), "i64": np.int64(3), "i8": np.int8(2),
                 "bool": np.bool_(True)}
for tag, scalar in NUMPY_SCALARS.items():
    case(f"numpy_scalar_mul_{tag}", lambda a, s=scalar: a * s, [M])
    case(f"numpy_scalar_rmul_{tag}", lambda a, s=scalar: a.__rmul__(s), [M])
    case(f"numpy_scalar_add_int_{tag}", lambda a, s=scalar: a + s, [ints()])
    case(f"numpy_scalar_pow_{tag}", lambda a, s=scalar: a ** s, [POS])
    case(f"numpy_scalar_div_{tag}", lambda a, s=scalar: a / s, [M])
case("ops_on_0d_results", lambda a: ((a.sum() * 0.5) ** 2 + a.mean()).sigmoid() / a.sum(), [M])
case("0d_result_f64_times_f32", lambda a, b: a.sum() * b, [A((3,), F64), A((2,))])

# found by the differential test
case("index_tuple_full_slice", lambda a: a[(slice(None),)], [X])
case("index_full_slices", lambda a: a[:, :], [X])
case("index_ellipsis_full_slice", lambda a: a[..., :], [X])
case("index_size1_slice", lambda a: a[0:1, :], [(1, 3)])
case("contiguous_view", lambda a: a.transpose(0, 1).contiguous().view(-1), [M])
case("clone_keeps_layout", lambda a: a.t().clone().is_contiguous(), [M])
case("mean_int_repeated_dims", lambda a: a.mean((1, 1)), [ints()])
case("matmul_batch_broadcast_error", lambda a, b: a @ b, [(5, 2, 3), (4, 3, 2)])
case("stack_bad_dim_unequal", lambda a, b: T.stack([a, b], 2), [(1,), (2,)])
case("index_negative_start_full", lambda a: a[(slice(-4, None),)], [X])
case("index_stop_beyond_tuple", lambda a: a[0:100, :], [X])
case("add_alpha_int_bool", lambda a, b: T.add(a, b, alpha=2), [ints(dtype="int32"), A((2, 3), "bool")])
case("sub_alpha_float_int", lambda a, b: T.sub(a, b, alpha=3), [M, ints()])
case("index_none_then_list_out_of_range", lambda a: a[None, [2]], [(2, 3)])
case("index_ellipsis_list_out_of_range", lambda a: a[..., [5]], [(2, 3)])
case("add_alpha_bool_bool", lambda a, b: T.add(a, b, alpha=2), [A((3,), "bool"), A((3,), "bool")])
case("index_second_list_out_of_range", lambda a: a[[0], [9]], [(2, 3, 4)])
case("index_slice_then_list_out_of_range", lambda a: a[:, :, [7]], [(2, 3, 4)])
case("sum_repeated_dims_order", lambda a: a.sum((3, 0, -4, -1)), [(1, 1, 3, 3)])
case("matmul_zero_sum_is_positive_zero", lambda a, b: a @ b, [A(values=[[0.0, 0.0, 0.0]]), A(values=[[-1.0], [-1.0], [-1.0]])])
case("matmul_batched_zero_sum", lambda a, b: a @ b, [A(values=[[[-0.0, 0.0]]]), A(values=[[1.0], [2.0]])])
case("dot_zero_sum", lambda a, b: a.dot(b), [A(values=[-0.0]), A(values=[1.0])])
case("index_int_slice_list", lambda a: a[0, :, [0, 2]], [(2, 3, 5)])
case("index_int_list", lambda a: a[1, [0, 2]], [(2, 3, 5)])
case("index_slice_list_int", lambda a: a[1:, [0, 2], 3], [(2, 3, 5)])
case("index_none_list_int", lambda a: a[None, [1], 0], [(2, 3, 5)])
case("index_ellipsis_list_int", lambda a: a[..., [1, 1], 0], [(2, 3, 5)])
case("index_f16_sum_mean", lambda a: (a.sum(), a.mean(), a.sum(0), a.mean(1)), [A((4, 30), F16)],
     exact=True)
case("f16_broadcast_grad_sum", lambda a, b: a * b, [A((40, 3), F16), A((3,), F16)])
case("div_int_by_half_grad", lambda a, b: a / b, [ints((2, 1, 1), low=-0.4, high=0.4), A((), F16, low=0.1, high=0.2)])
case("mul_half_by_int_grad", lambda a, b: a * b, [A((3,), F16), ints((3,))])
case("mul_f32_by_0d_f64_grad", lambda a, b: a * b, [A((3,)), A((), F64)])
case("div_f32_by_0d_f64_grad", lambda a, b: a / b, [A((3,)), A((), F64, low=0.3, high=0.7)])
case("index_empty_view_list", lambda a: a[:0, None, [1]], [(2, 1, 5)])
case("sub_python_bool", lambda a: a - False, [M])
case("rsub_python_bool", lambda a: True - a, [M])
case("isub_python_bool", lambda a: isub(a, True), [M])
case("bool_pow_bool", lambda a: (a ** False, a ** True, a ** 2, a ** 0.5), [A((3,), "bool")])
case("bool_pow_bool_tensor", lambda a, b: a ** b, [A((3,), "bool"), A((3,), "bool")])
case("int_pow_negative_tensor", lambda a, b: a ** b, [A(values=[2, 1, -1, -1, 3], dtype="int64"), A(values=[-1, -2, -1, -2, 2], dtype="int64")])
case("bool_pow_negative", lambda a: a ** -1, [A((3,), "bool")])
case("int_pow_int_broadcast_error", lambda a, b: a ** b, [ints((2, 3)), ints((4,))])
case("uint8_compare_negative_scalar", lambda a: (-1 > a, a == -1, a < 300), [A(values=[0, 255], dtype="uint8")])
case("int8_compare_wrapped_scalar", lambda a: (a == 255, a > 200), [A(values=[1, -1], dtype="int8")])
case("tensor_float_out_of_uint8", lambda: T.tensor([1.0, 300.0], dtype=T.uint8), [])
case("tensor_negative_int_to_uint8", lambda: T.tensor(-1, dtype=T.uint8), [])
case("tensor_int_beyond_64_bits", lambda: T.tensor([1, 2 ** 70]), [])
case("arange_int64_fraction_bounds", lambda: (T.arange(1.5, dtype=T.int64), T.arange(1.5, dtype=T.int32)), [])
case("arange_int64_zero_step_after_truncation", lambda: T.arange(0, 5, 0.5, dtype=T.int64), [])
case("arange_int64_negative_fraction_end", lambda: T.arange(-0.5, dtype=T.int64), [])
case("linspace_int_fraction_end", lambda: T.linspace(0, 1.5, 4, dtype=T.int64), [])

import op_cases_lesson_ops  # noqa: E402,F401  (appends its cases to CASES)


# ---------------------------------------------------------------------------------------------
# Values torch gets from MKL, whose code path (and so the last bits) depends on the CPU: matrix
# products (BLAS), and exp, log, log2, log10, sqrt, sin, cos and tanh of contiguous float tensors
# (VML; ``x ** 0.5`` is sqrt, and a tensor exponent's gradient takes a log). Measured by running
# torch with MKL_ENABLE_INSTRUCTIONS=AVX2 and SSE4_2 on an AVX512 machine (docs/floats.md).

_MKL_PRODUCTS = ("matmul_", "torch_matmul_", "mm", "torch_mm", "mv", "torch_mv", "dot",
                 "torch_dot", "rmatmul_numpy_free", "softmax_of_scores_chain")
_MKL_VML = {"exp_3d_f64", "log_2d", "torch_log", "sqrt_2d", "torch_sqrt", "pow_scalar_half",
            "pow_same", "pow_0d_left", "pow_both0d", "pow_lead1", "torch_pow_tensor",
            "log_softmax_dim0"}
for _case in CASES:
    failing = any(word in _case.id for word in ("mismatch", "error", "int"))  # no float result
    if (_case.id.startswith(_MKL_PRODUCTS) and not failing) or _case.id in _MKL_VML:
        _case.mkl = True
