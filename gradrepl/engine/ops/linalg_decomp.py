"""torch.linalg's factorisations and what is built on them: inv, det, slogdet, solve, pinv,
cholesky, qr, svd, svdvals, eigh, eigvalsh, and the norms.

numpy calls the same LAPACK routines torch's CPU build does (getrf/getri, potrf, geqrf/orgqr,
gesdd, syevd), so the factors agree with torch's including the signs of the vectors of qr, svd and
eigh, which LAPACK fixes and neither library changes (tests/engine/op_cases_shape.py checks them
against live torch). Backwards are FunctionsManual.cpp's (linalg_inv: ``-A^-H g A^-H``;
det: ``g det A^-H``; cholesky_backward, pinv_backward, svd_backward, linalg_eig_backward for
Hermitian input, linalg_qr_backward for m >= n).

Factorisations with several outputs record one node with several outputs (``n_outputs``), as
torch does; their outputs are kept as a parameter for the ordinary backward, and under
``create_graph=True`` recomputed from the input with recorded ops, so that the gradient is itself
differentiable.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.diagonals import TRIL as _TRIL
from gradrepl.engine.ops.lapack import gesdd
from gradrepl.engine.ops.primitive import Primitive, apply, wrap
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, new_tensor


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError, named as torch's."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"
LinAlgError.__module__ = "torch._C"


class NamedResult(tuple):
    """torch.return_types.linalg_svd and friends: a tuple with named fields, printed one field
    per line as torch prints them."""

    _fields: tuple = ()

    def __repr__(self) -> str:
        fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{fields})"


def _named_result(name: str, fields: tuple):
    namespace = {"__slots__": (), "_fields": fields}
    for i, field in enumerate(fields):
        namespace[field] = property(lambda self, i=i: self[i])
    cls = type(name, (NamedResult,), namespace)
    cls.__module__ = "torch.return_types"
    return cls


RETURN_TYPES = {name: _named_result(name, fields) for name, fields in {
    "linalg_slogdet": ("sign", "logabsdet"), "slogdet": ("sign", "logabsdet"),
    "linalg_qr": ("Q", "R"), "linalg_svd": ("U", "S", "Vh"), "svd": ("U", "S", "V"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"),
}.items()}


def _mT(F, x):
    return F.transpose(x, -2, -1)


def _square(name: str, A: Tensor) -> None:
    _floating(name, A)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _floating(name: str, A: Tensor) -> None:
    if A._data.dtype.kind != "f" or A._data.dtype == np.float16:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(A._data.dtype)}")


def _zero_pivot(a: np.ndarray):
    """The 1-based index of the first zero pivot of partial-pivoting LU (getrf's info), or None."""
    work = np.array(a, dtype=np.float64).reshape(-1, *a.shape[-2:])
    for m in work:
        n = m.shape[-1]
        for k in range(n):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            if m[p, k] == 0:
                return k + 1
            m[[k, p]] = m[[p, k]]
            m[k + 1:] -= np.outer(m[k + 1:, k] / m[k, k], m[k])
    return None


# ---------------------------------------------------------------------------------------------
# inv / det / slogdet / solve

def _inv_forward(a):
    pivot = _zero_pivot(a)
    if pivot is not None:
        raise LinAlgError(f"linalg.inv: The diagonal element {pivot} is zero, the inversion could "
                          "not be completed because the input matrix is singular.")
    return np.linalg.inv(a).astype(a.dtype)


INV = Primitive("linalg_inv", "LinalgInvExBackward0", _inv_forward,
                lambda F, g, inputs, out, params, needs: (
                    -F.matmul(_mT(F, out), F.matmul(g, _mT(F, out))),),
                inputs=("A",), saves=("result",))


def inv(A: Tensor) -> Tensor:
    _square("linalg.inv", A)
    return apply(INV, (A,))


def _det_backward(F, g, inputs, out, params, needs):
    (A,) = inputs
    inverse = F.apply(INV, (A,), ())
    return (F.unsqueeze(F.unsqueeze(g * out, -1), -1) * _mT(F, inverse),)


DET = Primitive("linalg_det", "LinalgDetBackward0",
                lambda a: np.asarray(np.linalg.det(a), dtype=a.dtype)[()], _det_backward,
                inputs=("A",), saves=("A", "result"))


def det(A: Tensor) -> Tensor:
    _square("linalg.det", A)
    return apply(DET, (A,))


def _slogdet_forward(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.asarray(sign, dtype=a.dtype)[()], np.asarray(logabs, dtype=a.dtype)[()]


def _slogdet_backward(F, grads, inputs, out, params, needs):
    (A,) = inputs
    g = grads[1]
    if g is None:
        return (None,)
    inverse = F.apply(INV, (A,), ())
    return (F.unsqueeze(F.unsqueeze(g, -1), -1) * _mT(F, inverse),)


SLOGDET = Primitive("linalg_slogdet", "LinalgSlogdetBackward0", None, _slogdet_backward,
                    inputs=("A",), saves=("A",), n_outputs=2)


def _solve_forward(a, b, left_vector):
    if _zero_pivot(a) is not None:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.")
    if left_vector:
        return np.linalg.solve(a, b[..., None])[..., 0].astype(a.dtype)
    return np.linalg.solve(a, b).astype(a.dtype)


def _solve_backward(F, g, inputs, out, params, needs):
    A, B = inputs
    (vector,) = params
    if vector:
        g, out = F.unsqueeze(g, -1), F.unsqueeze(out, -1)
    gB = F.apply(SOLVE, (_mT(F, A), g), (False,))
    gA = -F.matmul(gB, _mT(F, out)) if needs[0] else None
    if vector:
        gB = F.reshape(gB, np.shape(B))
    return (gA, gB if needs[1] else None)


SOLVE = Primitive("linalg_solve", "LinalgSolveExBackward0", _solve_forward, _solve_backward,
                  inputs=("A", "B"), params=("vector",), saves=("A", "result"))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    _square("linalg.solve", A)
    if not left:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.linalg.solve(left=False)")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {scalar_type_name(A._data.dtype)} and B of type "
                           f"{scalar_type_name(B._data.dtype)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    return apply(SOLVE, (A, B), (vector,))


# ---------------------------------------------------------------------------------------------
# pinv / cholesky

def _pinv_backward(F, g, inputs, out, params, needs):
    (A,) = inputs
    p, m, n = out, np.shape(A)[-2], np.shape(A)[-1]
    ph, gh = _mT(F, p), _mT(F, g)
    if m <= n:
        K = F.matmul(gh, p)
        KpH = F.matmul(K, ph)
        grad = (-_mT(F, F.matmul(p, K)) + KpH - F.matmul(F.matmul(A, p), KpH)
                + F.matmul(F.matmul(ph, p), gh - F.matmul(K, A)))
    else:
        K = F.matmul(p, gh)
        phK = F.matmul(ph, K)
        grad = (-_mT(F, F.matmul(K, p)) + F.matmul(F.matmul(gh - F.matmul(A, K), p), ph) + phK
                - F.matmul(F.matmul(phK, p), A))
    return (grad,)


PINV = Primitive("linalg_pinv", "LinalgPinvBackward0",
                 lambda a: np.linalg.pinv(a).astype(a.dtype), _pinv_backward,
                 inputs=("A",), saves=("A", "result"))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    _floating("linalg.pinv", A)
    if atol is not None or rtol is not None:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.linalg.pinv(atol=..., rtol=...)")
    return apply(PINV, (A,))


def _cholesky_forward(a, upper):
    try:
        L = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        order = next(k for k in range(1, a.shape[-1] + 1)
                     if np.any(np.linalg.eigvalsh(a[..., :k, :k]) <= 0))
        raise LinAlgError(
            "linalg.cholesky: The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {order} is not positive-definite)."
        ) from None
    L = L.astype(a.dtype)
    return np.swapaxes(L, -1, -2).copy() if upper else L


def _cholesky_backward(F, g, inputs, out, params, needs):
    (upper,) = params
    L, gL = (_mT(F, out), _mT(F, g)) if upper else (out, g)
    gA = F.apply(_TRIL, (F.matmul(_mT(F, L), gL),), (0,))
    gA = 0.5 * (gA + _mT(F, F.apply(_TRIL, (gA,), (-1,))))
    Linv = F.apply(INV, (L,), ())
    return (F.matmul(F.matmul(_mT(F, Linv), gA), Linv),)


CHOLESKY = Primitive("linalg_cholesky", "LinalgCholeskyExBackward0", _cholesky_forward,
                     _cholesky_backward, inputs=("A",), params=("upper",), saves=("result",))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    _square("linalg.cholesky", A)
    return apply(CHOLESKY, (A,), (bool(upper),))


# ---------------------------------------------------------------------------------------------
# several outputs: slogdet, qr, svd, eigh

def record_outputs(row: Primitive, outputs: tuple, inputs: tuple, params: tuple) -> tuple:
    """Tensors for ``outputs`` (arrays), recorded as outputs 0, 1 ... of one node of ``row``."""
    node_row = Primitive(row.name, row.grad_fn_name, None, row.backward,
                         saves=row._declared_saves, n_outputs=len(outputs), inputs=row.inputs,
                         params=row.params)
    first = wrap(node_row, outputs[0], inputs, params + (outputs,))
    node = first.grad_fn
    if node is not None:
        node._multi = node._special = True
    results = [first]
    for i, data in enumerate(outputs[1:], 1):
        t = new_tensor(data)
        if node is not None:
            t._requires_grad, t.grad_fn, t._output_nr = True, node, i
        results.append(t)
    return tuple(results)


def _outputs(F, inputs, params, recompute):
    """The factors: kept arrays on numpy, recomputed with recorded ops under create_graph."""
    if F is arrays:
        return params[-1]
    return recompute(inputs[0])


def slogdet(A: Tensor):
    _square("linalg.slogdet", A)
    return RETURN_TYPES["linalg_slogdet"](record_outputs(SLOGDET, _slogdet_forward(A._data), (A,), ()))


def _skew(F, x):
    return x - _mT(F, x)


def _eigh_backward(F, grads, inputs, out, params, needs):
    gL, gV = grads
    L, V = _outputs(F, inputs, params, lambda A: eigh(A, params[0]))
    n = np.shape(inputs[0])[-1]
    inner = 0 * F.unsqueeze(L, -1) * F.unsqueeze(L, -2) if gV is None else None
    if gV is not None:
        VhgV = F.matmul(_mT(F, V), gV)
        VhgV = 0.5 * _skew(F, VhgV)
        gaps = F.unsqueeze(L, -2) - F.unsqueeze(L, -1)
        eye = np.eye(n, dtype=bool)
        inner = F.where(eye, 0 * VhgV, VhgV / F.where(eye, 1 + 0 * gaps, gaps))
    if gL is not None:
        inner = inner + F.unsqueeze(gL, -1) * np.eye(n, dtype=arrays_dtype(L))
    return (F.matmul(F.matmul(V, inner), _mT(F, V)),)


def arrays_dtype(x):
    return x._data.dtype if isinstance(x, Tensor) else np.asarray(x).dtype


EIGH = Primitive("linalg_eigh", "LinalgEighBackward0", None, _eigh_backward,
                 inputs=("A",), params=("UPLO",), saves=("UPLO",), n_outputs=2)


def eigh(A: Tensor, UPLO: str = "L"):
    _square("linalg.eigh", A)
    values, vectors = np.linalg.eigh(A._data, UPLO=UPLO)
    return RETURN_TYPES["linalg_eigh"](record_outputs(EIGH, (values.astype(A._data.dtype),
                                              vectors.astype(A._data.dtype)), (A,), (UPLO,)))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    return eigh(A, UPLO)[0]


def _svd_backward(F, grads, inputs, out, params, needs):
    gU, gS, gVh = grads
    full = params[0]
    U, S, Vh = _outputs(F, inputs, params, lambda A: svd(A, full_matrices=full))
    m, n = np.shape(inputs[0])[-2:]
    k = min(m, n)
    if full and m != n:
        U, Vh = F.narrow(U, -1 + len(np.shape(U)), 0, k), F.narrow(Vh, len(np.shape(Vh)) - 2, 0, k)
        gU = None if gU is None else F.narrow(gU, len(np.shape(gU)) - 1, 0, k)
        gVh = None if gVh is None else F.narrow(gVh, len(np.shape(gVh)) - 2, 0, k)
    V = _mT(F, Vh)
    eye = np.eye(k, dtype=bool)
    if gU is None and gVh is None:
        return (F.matmul(U * F.unsqueeze(gS, -2), Vh),)
    UhgU = 0 * F.unsqueeze(S, -1) * F.unsqueeze(S, -2) if gU is None else _skew(F, F.matmul(_mT(F, U), gU))
    VhgV = 0 * F.unsqueeze(S, -1) * F.unsqueeze(S, -2) if gVh is None else _skew(F, F.matmul(Vh, _mT(F, gVh)))
    S2 = S * S
    E = F.unsqueeze(S2, -2) - F.unsqueeze(S2, -1)
    E = F.where(eye, 1 + 0 * E, E)
    gA = (UhgU * F.unsqueeze(S, -2) + F.unsqueeze(S, -1) * VhgV) / E
    if gS is not None:
        gA = gA + F.unsqueeze(gS, -1) * np.eye(k, dtype=arrays_dtype(S))
    gA = F.matmul(F.matmul(U, gA), Vh)
    if m > n and gU is not None:
        proj = gU - F.matmul(U, F.matmul(_mT(F, U), gU))
        gA = gA + F.matmul(proj / F.unsqueeze(S, -2), Vh)
    if m < n and gVh is not None:
        gV = _mT(F, gVh)
        proj = gV - F.matmul(V, F.matmul(Vh, gV))
        gA = gA + F.matmul(U / F.unsqueeze(S, -2), _mT(F, proj))
    return (gA,)


SVD = Primitive("linalg_svd", "LinalgSvdBackward0", None, _svd_backward, inputs=("A",),
                params=("full_matrices",), saves=("full_matrices",), n_outputs=3)


def svd(A: Tensor, full_matrices: bool = True):
    _floating("linalg.svd", A)
    # LAPACK's gesdd in the input's precision, as torch calls it; numpy's svd computes float32
    # in float64 (ops/lapack.py)
    factors = gesdd(A._data, bool(full_matrices))
    U, S, Vh = factors if factors is not None else np.linalg.svd(A._data,
                                                                 full_matrices=full_matrices)
    dtype = A._data.dtype
    return RETURN_TYPES["linalg_svd"](record_outputs(SVD, (U.astype(dtype), S.astype(dtype), Vh.astype(dtype)),
                                     (A,), (bool(full_matrices),)))


def svdvals(A: Tensor) -> Tensor:
    return svd(A, full_matrices=False)[1]


def _zeros_like_factor(A: Tensor, rows: int) -> Tensor:
    from gradrepl.engine.factories import zeros

    return zeros(*A.shape[:-2], rows, rows, dtype=A.dtype)


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True):
    """torch.svd: linalg.svd with V for Vh (a TransposeBackward0 of its third output); without
    compute_uv, U and V are zero-filled (m, m) and (n, n) matrices, as torch returns them."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        U, V = (_zeros_like_factor(input, input.shape[-2]),
                _zeros_like_factor(input, input.shape[-1]))
    else:
        V = _shape.transpose(Vh, -2, -1)
    return RETURN_TYPES["svd"]((U, S, V))


def _qr_backward(F, grads, inputs, out, params, needs):
    gQ, gR = grads
    mode = params[0]
    Q, R = _outputs(F, inputs, params, lambda A: qr(A, mode))
    m, n = np.shape(inputs[0])[-2:]
    if m < n:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("the gradient of torch.linalg.qr for a wide matrix (m < n)")
    # linalg_qr_backward, m >= n: gA = (gQ + Q copyltu(M)) R^-H, M = R gR^H - gQ^H Q
    M = 0 * F.matmul(R, _mT(F, R))
    if gR is not None:
        M = M + F.matmul(R, _mT(F, gR))
    if gQ is not None:
        M = M - F.matmul(_mT(F, gQ), Q)
    low = F.apply(_TRIL, (M,), (-1,))
    M = low + _mT(F, low) + F.apply(_TRIL, (M,), (0,)) - low  # tril(M, -1) + its H + diag(M)
    b = F.matmul(Q, M) if gQ is None else gQ + F.matmul(Q, M)
    Rinv = F.apply(INV, (R,), ())
    return (F.matmul(b, _mT(F, Rinv)),)


QR = Primitive("linalg_qr", "LinalgQrBackward0", None, _qr_backward, inputs=("A",),
               params=("mode",), saves=("mode",), n_outputs=2)


def qr(A: Tensor, mode: str = "reduced"):
    _floating("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    Q, R = np.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        Q = np.zeros((0,), dtype=A._data.dtype)
    dtype = A._data.dtype
    return RETURN_TYPES["linalg_qr"](record_outputs(QR, (Q.astype(dtype), R.astype(dtype)), (A,), (mode,)))


def _slogdet_function(A: Tensor):
    """torch.slogdet / Tensor.slogdet: linalg.slogdet under torch.return_types.slogdet."""
    return RETURN_TYPES["slogdet"](slogdet(A))


register("inverse", inv, section="linear algebra", rows=(INV,), out=True, out_dtype="exact")
register("det", det, section="linear algebra", rows=(DET,))
register("svd", svd_legacy, section="linear algebra", rows=(SVD,), out=3, out_dtype="exact")
register("slogdet", _slogdet_function, section="linear algebra", rows=(SLOGDET,), out=2, out_dtype="exact")
