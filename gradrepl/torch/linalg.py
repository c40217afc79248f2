"""``torch.linalg``: factorisations, solves and norms (gradrepl/engine/ops/linalg_decomp.py,
linalg_norms.py). Names torch.linalg has and gradrepl does not yet raise UnsupportedError."""

from gradrepl.engine.ops.diagonals import diagonal as _diagonal
from gradrepl.engine.ops.linalg import matmul  # noqa: F401
from gradrepl.engine.ops.linalg_decomp import (  # noqa: F401
    LinAlgError, cholesky, det, eigh, eigvalsh, inv, pinv, qr, slogdet, solve, svd, svdvals,
)
from gradrepl.engine.ops.linalg_norms import matrix_norm, norm, vector_norm  # noqa: F401
from gradrepl.engine.ops.linalg_products import linalg_cross as cross  # noqa: F401
from gradrepl.engine.errors import UnsupportedError as _UnsupportedError

_TORCH_LINALG = frozenset({
    "cholesky_ex", "cond", "eig", "eigvals", "householder_product", "inv_ex", "ldl_factor",
    "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
    "matrix_exp", "matrix_power", "matrix_rank", "multi_dot", "solve_ex", "solve_triangular",
    "tensorinv", "tensorsolve", "vander", "vecdot",
})


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _diagonal(A, offset, dim1, dim2)


def __getattr__(name):
    if name in _TORCH_LINALG:
        raise _UnsupportedError(f"torch.linalg.{name}")
    raise AttributeError(f"module 'torch.linalg' has no attribute '{name}'")
