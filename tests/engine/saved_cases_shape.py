"""test_saved_tensors.py's cases for the shape, indexing and linear-algebra ops of issue 7:
``call(T, *inputs)`` on float64 inputs of the given shapes (see that module)."""

from __future__ import annotations

M = (3, 4)


def _idx(T, values):
    return T.tensor(values)


CASES = {
    "repeat": [("repeat", lambda T, a: a.repeat(2, 1), [M])],
    "tile": [("tile", lambda T, a: a.tile(2), [M])],
    "flip": [("flip", lambda T, a: a.flip(0), [M])],
    "fliplr": [("fliplr", lambda T, a: a.fliplr(), [M])],
    "flipud": [("flipud", lambda T, a: a.flipud(), [M])],
    "roll": [("roll", lambda T, a: a.roll(1, 1), [M])],
    "rot90": [("rot90", lambda T, a: a.rot90(), [M])],
    "tril": [("tril", lambda T, a: a.tril(), [M])],
    "triu": [("triu", lambda T, a: a.triu(), [M])],
    "diag": [("diag", lambda T, a: a.diag(), [M]), ("diag_vector", lambda T, a: a.diag(), [(3,)])],
    "diag_embed": [("diag_embed", lambda T, a: a.diag_embed(), [M])],
    "trace": [("trace", lambda T, a: a.trace(), [M])],
    "gather": [("gather", lambda T, a: a.gather(1, _idx(T, [[0], [2], [1]])), [M])],
    "scatter": [("scatter", lambda T, a, b: a.scatter(1, _idx(T, [[0], [2], [1]]), b), [M, (3, 1)]),
                ("scatter_value", lambda T, a: a.scatter(1, _idx(T, [[0], [2], [1]]), 1.0), [M])],
    "scatter_add": [("scatter_add", lambda T, a, b: a.scatter_add(0, _idx(T, [[0, 2, 1, 0]]), b),
                     [M, (1, 4)])],
    "index_select": [("index_select", lambda T, a: a.index_select(0, _idx(T, [2, 0])), [M])],
    "index_add": [("index_add", lambda T, a, b: a.index_add(0, _idx(T, [2, 0]), b), [M, (2, 4)])],
    "take": [("take", lambda T, a: a.take(_idx(T, [0, 5])), [M])],
    "masked_fill": [("masked_fill", lambda T, a: a.masked_fill(a > 1.2, 0.0), [M]),
                    ("masked_fill_tensor", lambda T, a, v: a.masked_fill(a > 1.2, v), [M, ()])],
    "masked_select": [("masked_select", lambda T, a: a.masked_select(a > 1.2), [M])],
    "hstack": [("hstack", lambda T, a, b: T.hstack([a, b]), [M, M])],
    "vstack": [("vstack", lambda T, a, b: T.vstack([a, b]), [M, M])],
    "dstack": [("dstack", lambda T, a, b: T.dstack([a, b]), [M, M])],
    "column_stack": [("column_stack", lambda T, a, b: T.column_stack([a, b]), [M, M])],
    "bmm": [("bmm", lambda T, a, b: T.bmm(a, b), [(2, 3, 4), (2, 4, 2)])],
    "addmm": [("addmm", lambda T, c, a, b: T.addmm(c, a, b), [(2,), (3, 4), (4, 2)])],
    "baddbmm": [("baddbmm", lambda T, c, a, b: T.baddbmm(c, a, b), [(3, 2), (2, 3, 4), (2, 4, 2)])],
    "cross": [("cross", lambda T, a, b: T.cross(a, b, dim=1), [(2, 3), (2, 3)])],
    "inverse": [("inverse", lambda T, a: T.inverse(a + 3 * T.eye(3, dtype=T.float64)), [(3, 3)])],
    "det": [("det", lambda T, a: T.det(a), [(3, 3)])],
    "slogdet": [("slogdet", lambda T, a: T.slogdet(a)[1], [(3, 3)])],
    "svd": [("svd", lambda T, a: T.svd(a)[1], [(3, 2)])],
    "select": [("select", lambda T, a: a.select(1, 2) * 2, [M])],
    "ravel": [("ravel", lambda T, a: a.t().ravel(), [M])],
    "type_as": [("type_as", lambda T, a: a.type_as(T.ones(1, dtype=T.float32)), [M])],
    "diff": [("diff", lambda T, a: a.diff(), [M]), ("diff_twice", lambda T, a: a.diff(2, 0), [M]),
             ("diff_prepend", lambda T, a, b: T.diff(a, prepend=b, dim=0), [M, (1, 4)])],
    "take_along_dim": [("take_along_dim", lambda T, a: a.take_along_dim(_idx(T, [[0], [2], [1]]), 1), [M]),
                       ("take_along_dim_flat", lambda T, a: T.take_along_dim(a, _idx(T, [5, 0])), [M])],
    "index_fill": [("index_fill", lambda T, a: a.index_fill(1, _idx(T, [0, 2]), -1.0), [M]),
                   ("index_fill_tensor", lambda T, a, v: a.index_fill(0, _idx(T, [1, 1]), v), [M, ()])],
    "index_copy": [("index_copy", lambda T, a, b: a.index_copy(0, _idx(T, [2, 0]), b), [M, (2, 4)])],
    "fill_diagonal_": [("fill_diagonal_", lambda T, a: (a * 2).fill_diagonal_(0.5, True), [(5, 2)])],
    # session 10 (l-more)
    "block_diag": [("block_diag", lambda T, a, b, c: T.block_diag(a, b, c), [M, (2,), ()])],
    "combinations": [("combinations", lambda T, a: T.combinations(a, 2), [(4,)]),
                     ("combinations_3", lambda T, a: T.combinations(a, 3, True), [(3,)])],
    "dist": [("dist", lambda T, a, b: T.dist(a, b), [M, (4,)]),
             ("dist_3", lambda T, a, b: a.dist(b, 3), [M, M])],
    "cartesian_prod": [("cartesian_prod", lambda T, a, b: T.cartesian_prod(a, b), [(3,), (2,)])],
    # session 11 (m-ops)
    "trapezoid": [("trapezoid", lambda T, a: T.trapezoid(a, dx=0.5), [M]),
                  ("trapezoid_x", lambda T, a, x: T.trapezoid(a, x), [M, (4,)])],
    "trapz": [("trapz", lambda T, a: T.trapz(a), [M])],
    "cumulative_trapezoid": [("cumulative_trapezoid", lambda T, a: T.cumulative_trapezoid(a), [M]),
                             ("cumulative_trapezoid_x",
                              lambda T, a, x: T.cumulative_trapezoid(a, x, dim=0), [M, (3, 1)])],
    "logcumsumexp": [("logcumsumexp", lambda T, a: a.logcumsumexp(1), [M])],
    "cov": [("cov", lambda T, a: a.cov(), [M]),
            ("cov_aweights", lambda T, a, w: T.cov(a, aweights=w.abs()), [M, (4,)])],
    "corrcoef": [("corrcoef", lambda T, a: T.corrcoef(a), [M])],
    "cdist": [("cdist", lambda T, a, b: T.cdist(a, b), [M, (2, 4)]),
              ("cdist_3", lambda T, a, b: T.cdist(a, b, 3), [M, (2, 4)]),
              ("cdist_mm", lambda T, a, b: T.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
               [M, (2, 4)])],
}
# views of their input (their in-place changes are issue 8's), or no gradient at all
VIEWS = {"movedim", "swapaxes", "swapdims", "unflatten", "broadcast_to", "broadcast_tensors",
         "narrow", "split", "repeat_interleave", "chunk", "tensor_split", "diagonal", "meshgrid",
         "select", "ravel", "unfold"}
# composites (outer, inner, kron, tensordot, einsum) save views of their inputs; after an in-place
# change torch regenerates those views' grad_fn (AsStridedBackward0) and words its error so: issue
# 8's views work (batched matmul, made of the same views, is checked in test_saved_tensors.py)
VIEWS |= {"outer", "inner", "kron", "tensordot", "einsum"}
NOT_DIFFERENTIABLE = {"broadcast_shapes", "nonzero", "argwhere", "signbit"}
# session 10 (l-more): views (reshape, unsqueeze, tensor_split's slices) and index factories
VIEWS |= {"atleast_1d", "atleast_2d", "atleast_3d", "hsplit", "vsplit", "dsplit"}
NOT_DIFFERENTIABLE |= {"tril_indices", "triu_indices", "isin", "searchsorted", "bucketize", "histc",
                       "bincount"}  # bincount's weights record <NotImplemented>: nothing saved
# random draws with a zero gradient (tests/engine/test_lesson_ops_torch.py compares them live)
NOT_DIFFERENTIABLE |= {"bernoulli", "random_"}
