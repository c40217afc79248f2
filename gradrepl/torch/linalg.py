"""``torch.linalg``: factorisations, solves and norms (gradrepl/engine/ops/linalg_decomp.py,
linalg_norms.py). Names torch.linalg has and gradrepl does not yet raise UnsupportedError.

Every function torch.linalg gives ``out=`` takes it here, by torch's rules (engine/ops/out.py):
torch's argument parser names them ``linalg_det`` ..., its autograd check the kernel underneath
(``_linalg_det``), and norm and matrix_norm are composites that copy into ``out`` (differentiably).
"""

from gradrepl.engine.ops import linalg as _products
from gradrepl.engine.ops import linalg_decomp as _decomp
from gradrepl.engine.ops import linalg_norms as _norms
from gradrepl.engine.ops.diagonals import diagonal as _diagonal
from gradrepl.engine.ops.linalg_decomp import LinAlgError  # noqa: F401
from gradrepl.engine.ops.linalg_products import linalg_cross as _cross
from gradrepl.engine.ops.out import OutDtype as _OutDtype, with_out as _with_out
from gradrepl.engine.errors import UnsupportedError as _UnsupportedError


def _out(name, function, autograd_name, results=1, dtype_rule="exact", composite=False):
    wrapped = _with_out(f"linalg_{name}", function, results, dtype_rule,
                        autograd_name=autograd_name, composite=composite)
    wrapped.__name__ = wrapped.__qualname__ = name
    return wrapped


def _norm_out(name):
    return _OutDtype("exact", f"linalg.{name} expected out tensor dtype {{result}} but got: {{out}}")


det = _out("det", _decomp.det, "_linalg_det")
inv = _out("inv", _decomp.inv, "linalg_inv_ex")
solve = _out("solve", _decomp.solve, "_linalg_solve_ex")
cholesky = _out("cholesky", _decomp.cholesky, "linalg_cholesky_ex")
eigh = _out("eigh", _decomp.eigh, "_linalg_eigh", results=2)
eigvalsh = _out("eigvalsh", _decomp.eigvalsh, "_linalg_eigh")
pinv = _out("pinv", _decomp.pinv, "linalg_pinv", dtype_rule=_OutDtype(
    "cast", "linalg.pinv: Expected result to be safely castable from {result} dtype, but got result with dtype {out}"))
qr = _out("qr", _decomp.qr, "linalg_qr", results=2)
slogdet = _out("slogdet", _decomp.slogdet, "_linalg_slogdet", results=2)
svd = _out("svd", _decomp.svd, "_linalg_svd", results=3)
svdvals = _out("svdvals", _decomp.svdvals, "_linalg_svd")
vector_norm = _out("vector_norm", _norms.vector_norm, "linalg_vector_norm")
matrix_norm = _out("matrix_norm", _norms.matrix_norm, None, dtype_rule=_norm_out("matrix_norm"), composite=True)
norm = _out("norm", _norms.norm, None, dtype_rule=_norm_out("norm"), composite=True)
cross = _out("cross", _cross, "linalg_cross")
matmul = _out("matmul", _products.matmul, "matmul")

_TORCH_LINALG = frozenset({
    "cholesky_ex", "cond", "eig", "eigvals", "householder_product", "inv_ex", "ldl_factor",
    "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
    "matrix_exp", "matrix_power", "matrix_rank", "multi_dot", "solve_ex", "solve_triangular",
    "tensorinv", "tensorsolve", "vander", "vecdot",
})


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _diagonal(A, offset, dim1, dim2)


diagonal.__qualname__ = "linalg_diagonal"  # as torch's parser names it: "linalg_diagonal() got an ..."


def __getattr__(name):
    if name in _TORCH_LINALG:
        raise _UnsupportedError(f"torch.linalg.{name}")
    raise AttributeError(f"module 'torch.linalg' has no attribute '{name}'")
