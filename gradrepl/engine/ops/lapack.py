"""LAPACK's divide-and-conquer SVD (``?gesdd``) in the input's own precision, as torch calls it.

numpy's ``linalg.svd`` computes a float32 matrix in float64, so the singular values a
rank-deficient float32 matrix has at zero come out ~1e-17 and its null-space vectors with the
signs float64 rounding picks; torch calls ``sgesdd`` on the float32 column-major matrix
(``torch.linalg.svd(torch.ones(2, 2))`` has S ``[2.0000e+00, 1.3491e-08]``). numpy's wheels
bundle OpenBLAS with the LAPACK routines, so gradrepl calls that ``sgesdd`` / ``dgesdd`` (ILP64,
through LAPACKE) on a column-major copy with torch's ``jobz``. OpenBLAS is not torch's MKL: the
rounding inside can differ, most on wide matrices (docs/ops.md). Without the library (another
numpy build) ``gesdd`` returns None and the caller falls back to numpy.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

_COLUMN_MAJOR = 102
_INT = ctypes.c_int64


@functools.lru_cache(maxsize=1)
def _routines():
    base = os.path.dirname(np.__file__)
    for path in sorted(glob.glob(os.path.join(base, os.pardir, "numpy.libs", "libscipy_openblas64_*"))
                       + glob.glob(os.path.join(base, ".dylibs", "libscipy_openblas64_*"))):
        try:
            library = ctypes.CDLL(path)
            routines = {np.dtype(np.float32): library.scipy_LAPACKE_sgesdd64_,
                        np.dtype(np.float64): library.scipy_LAPACKE_dgesdd64_}
        except (OSError, AttributeError):
            continue
        for routine in routines.values():
            routine.restype = _INT
        return routines
    return None


def gesdd(a: np.ndarray, full_matrices: bool, compute_uv: bool = True):
    """(U, S, Vh) of a batch of float32 or float64 matrices, or None when gradrepl cannot call
    LAPACK itself (no library, an empty matrix, another dtype, or LAPACK reporting failure)."""
    routines = _routines()
    if routines is None or a.dtype not in routines or 0 in a.shape[-2:]:
        return None
    routine = routines[a.dtype]
    m, n = a.shape[-2:]
    k = min(m, n)
    jobz = b"A" if full_matrices else b"S"
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    if not compute_uv:
        jobz, u_cols, v_rows = b"N", 1, 1
    batch = a.shape[:-2]
    flat = a.reshape((-1, m, n))
    U = np.empty((flat.shape[0], m, u_cols), a.dtype)
    S = np.empty((flat.shape[0], k), a.dtype)
    Vh = np.empty((flat.shape[0], v_rows, n), a.dtype)
    pointer = ctypes.POINTER(ctypes.c_float if a.dtype == np.float32 else ctypes.c_double)
    for i, matrix in enumerate(flat):
        work = np.asfortranarray(matrix, dtype=a.dtype).copy(order="F")
        u = np.empty((m, u_cols), a.dtype, order="F")
        vt = np.empty((v_rows, n), a.dtype, order="F")
        s = np.empty(k, a.dtype)
        info = routine(ctypes.c_int(_COLUMN_MAJOR), ctypes.c_char(jobz), _INT(m), _INT(n),
                       work.ctypes.data_as(pointer), _INT(m), s.ctypes.data_as(pointer),
                       u.ctypes.data_as(pointer), _INT(max(m, 1)), vt.ctypes.data_as(pointer),
                       _INT(max(v_rows, 1)))
        if info != 0:
            return None
        U[i], S[i], Vh[i] = u, s, vt
    if not compute_uv:
        return None, S.reshape(batch + (k,)), None
    return (U.reshape(batch + (m, u_cols)), S.reshape(batch + (k,)),
            Vh.reshape(batch + (v_rows, n)))
