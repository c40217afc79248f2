"""torch.einsum, composed from recorded ops in the order torch's einsum composes them
(aten/src/ATen/native/Linear.cpp, read there, written here in our own terms).

1. Parse: each operand's labels (an ellipsis is one label standing for the dims it covers), and
   the output's (explicit, or the ellipsis then the labels used once, upper case before lower).
2. Align: every operand is brought to one common order of dims, the output's labels first and
   the summed ones after them, by taking a diagonal for each repeated label, unsqueezing the
   labels it lacks and permuting (a PermuteBackward0 per operand). A size-1 dim broadcasts: it
   never counts as holding its label, so `'ij,jk->ik'` of a (2, 1) and a (3, 4) sums j out of
   the second operand alone.
3. Contract left to right: dims that only one side of a pair still holds are summed out of that
   side first (SumBackward1 keepdim), then the pair is multiplied (MulBackward0) when nothing is
   summed between them, or contracted as one batched matrix product (bmm of the permuted and
   reshaped operands, viewed back and permuted: `sumproduct_pair`).
4. The summed dims, size 1 by then, are viewed away (ViewBackward0); a single operand sums them.

The float results are torch's where our bmm is: the reduction goes through the same shapes.
Gradients, including second order, follow from the ops.
"""

from __future__ import annotations

import math

from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.diagonals import diagonal
from gradrepl.engine.ops.linalg_products import bmm
from gradrepl.engine.ops.reductions import sum as _sum
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.shape_more import movedim
from gradrepl.engine.tensor import Tensor

_LETTERS = 26
_ELLIPSIS = 2 * _LETTERS  # a label of its own, after the 52 letters


def _subscript(letter: str) -> int:
    """torch's numbering of labels: A-Z are 0-25, a-z 26-51."""
    return ord(letter) - ord("A") if letter.isupper() else ord(letter) - ord("a") + _LETTERS


def _letter(subscript: int) -> str:
    return chr(subscript + ord("A")) if subscript < _LETTERS else chr(subscript - _LETTERS + ord("a"))


def _is_label(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _operand_labels(lhs: str, count: int) -> list:
    labels = [[]]
    ellipsis_seen = False
    i = 0
    while i < len(lhs):
        char = lhs[i]
        if char == ".":
            if ellipsis_seen:
                raise RuntimeError(f"einsum(): found '.' for operand {len(labels) - 1} for which an "
                                   f"ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {len(labels) - 1} that is not "
                                   f"part of any ellipsis")
            labels[-1].append(_ELLIPSIS)
            ellipsis_seen = True
            i += 2
        elif char == ",":
            labels.append([])
            if len(labels) > count:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                                   "equation")
            ellipsis_seen = False
        elif char != " ":
            if not _is_label(char):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                                   f"string, subscripts must be in [a-zA-Z]")
            labels[-1].append(_subscript(char))
        i += 1
    if len(labels) != count:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return labels


def _ellipsis_width(operands, labels, label_count) -> int:
    """Counts each label's uses and checks each operand's number of dims; returns the most dims
    any ellipsis covers."""
    width = 0
    for i, (t, own) in enumerate(zip(operands, labels)):
        named = len(own) - (_ELLIPSIS in own)
        for label in own:
            if label != _ELLIPSIS:
                label_count[label] += 1
        if _ELLIPSIS in own:
            width = max(width, t.ndim - named)
            if named > t.ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                                   f"is more than the number of dimensions ({t.ndim}) for operand {i}")
        elif named != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does "
                               f"not match the number of dimensions ({t.ndim}) for operand {i} and "
                               f"no ellipsis was given")
    return width


def _output_positions(equation, arrow, lhs, label_count, width) -> tuple:
    """Where each label goes in the aligned order: (positions, output dims, ellipsis start,
    total dims)."""
    position = [-1] * _ELLIPSIS
    index, ellipsis_at, ellipsis_out = 0, 0, False
    if arrow < 0:  # implicit output: the ellipsis, then the labels used once
        index, ellipsis_out = width, True
        for label in range(_ELLIPSIS):
            if label_count[label] == 1:
                position[label] = index
                index += 1
    else:
        rhs = equation[arrow + 2:]
        i = 0
        while i < len(rhs):
            char = rhs[i]
            if char == ".":
                if ellipsis_out:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was "
                                       "already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                       "ellipsis (...)")
                ellipsis_at, index, ellipsis_out = index, index + width, True
                i += 2
            elif char != " ":
                if not _is_label(char):
                    raise RuntimeError(f"einsum(): invalid subscript given at index "
                                       f"{len(lhs) + 2 + i} in the equation string, subscripts "
                                       f"must be in [a-zA-Z]")
                label = _subscript(char)
                if label_count[label] == 0 or position[label] > -1:
                    why = (" appears more than once in the output" if position[label] > -1 else
                           " does not appear in the equation for any input operand")
                    raise RuntimeError(f"einsum(): output subscript {char}{why}")
                position[label] = index
                index += 1
            i += 1
    out_dims = index
    if not ellipsis_out:  # an ellipsis missing from the output is summed
        ellipsis_at, index = index, index + width
    for label in range(_ELLIPSIS):
        if label_count[label] > 0 and position[label] == -1:
            position[label] = index
            index += 1
    return position, out_dims, ellipsis_at, index


def _align(operands, labels, position, ellipsis_at, width, total) -> tuple:
    """Each operand with one dim per aligned position (diagonals taken, missing dims unsqueezed),
    and how many operands hold each position with a size other than 1."""
    label_size = [1] * _ELLIPSIS
    ellipsis_size = [1] * width
    holders = [0] * total
    aligned = []
    for i, (op, own) in enumerate(zip(operands, labels)):
        permutation = [-1] * total
        dim = 0
        for label in own:
            if label == _ELLIPSIS:
                covered = operands[i].ndim - (len(own) - 1)
                for j in range(width - covered, width):
                    size = op.shape[dim]
                    if size != 1:
                        if ellipsis_size[j] not in (1, size):
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has "
                                f"size {size} which does not broadcast with previously seen "
                                f"ellipsis with size {ellipsis_size[j]} for the respective dimension")
                        ellipsis_size[j] = size
                        holders[ellipsis_at + j] += 1
                    permutation[ellipsis_at + j] = dim
                    dim += 1
            elif permutation[position[label]] == -1:
                size = op.shape[dim]
                if size != 1:
                    if label_size[label] not in (1, size):
                        raise RuntimeError(
                            f"einsum(): subscript {_letter(label)} has size {size} for operand {i} "
                            f"which does not broadcast with previously seen size {label_size[label]}")
                    label_size[label] = size
                    holders[position[label]] += 1
                permutation[position[label]] = dim
                dim += 1
            else:  # a repeated label: its diagonal, moved to where the label first stood
                first = permutation[position[label]]
                if op.shape[dim] != op.shape[first]:
                    raise RuntimeError(
                        f"einsum(): subscript {_letter(label)} is repeated for operand {i} but the "
                        f"sizes don't match, {op.shape[dim]} != {op.shape[first]}")
                op = movedim(diagonal(op, 0, first, dim), -1, first)
        for k, value in enumerate(permutation):
            if value == -1:
                op = _shape.unsqueeze(op, dim)
                permutation[k] = dim
                dim += 1
        aligned.append(_shape.permute(op, tuple(permutation)))
    return aligned, holders


def _sumproduct_pair(left: Tensor, right: Tensor, sum_dims: list) -> Tensor:
    """(left * right).sum(sum_dims, keepdim=True) as one batched matrix product."""
    if not sum_dims:
        return left * right
    summed = set(sum_dims)
    both, left_only, right_only = [], [], []
    sum_size = 1
    for i in range(left.ndim):
        in_left, in_right = left.shape[i] != 1, right.shape[i] != 1
        if i in summed:
            if in_left and in_right:
                sum_size *= left.shape[i]
            elif in_left:
                left = _sum(left, i, True)
            elif in_right:
                right = _sum(right, i, True)
        elif in_left and in_right:
            both.append(i)
        elif in_left:
            left_only.append(i)
        else:
            right_only.append(i)

    def size(t, dims):
        return math.prod(t.shape[d] for d in dims)

    both_size, left_size, right_size = size(left, both), size(left, left_only), size(right, right_only)
    out_size = ([left.shape[d] for d in both] + [left.shape[d] for d in left_only]
                + [1] * len(sum_dims) + [right.shape[d] for d in right_only])
    order = both + left_only + list(sum_dims) + right_only
    right_order = both + list(sum_dims) + right_only + left_only
    back = [0] * len(order)
    for k, d in enumerate(order):
        back[d] = k
    left = _shape.reshape(_shape.permute(left, tuple(order)), (both_size, left_size, sum_size))
    right = _shape.reshape(_shape.permute(right, tuple(right_order)),
                           (both_size, sum_size, right_size))
    return _shape.permute(_shape.view(bmm(left, right), tuple(out_size)), tuple(back))


def _contract(aligned: list, holders: list, out_dims: int, total: int) -> Tensor:
    while len(aligned) > 1:
        a, b = aligned.pop(0), aligned.pop(0)
        sum_dims, a_only, b_only = [], [], []
        for dim in range(out_dims, total):
            if a.shape[dim] != 1 and b.shape[dim] != 1:
                holders[dim] -= 1
                if holders[dim] == 1:
                    sum_dims.append(dim)
                    holders[dim] = 0
            elif holders[dim] == 1:  # held by a or b alone, and by no later operand
                if a.shape[dim] != 1:
                    a_only.append(dim)
                    holders[dim] = 0
                elif b.shape[dim] != 1:
                    b_only.append(dim)
                    holders[dim] = 0
        if a_only:
            a = _sum(a, tuple(a_only), True)
        if b_only:
            b = _sum(b, tuple(b_only), True)
        aligned.insert(0, _sumproduct_pair(a, b, sum_dims))
    return aligned[0]


def _from_sublists(args) -> tuple:
    """torch.einsum(op1, [0, 1], op2, [1, 2], [0, 2]): the sublist form, as an equation."""
    def letter(n):
        if n is Ellipsis:
            return "..."
        if 0 <= n < _ELLIPSIS:
            return _letter(n)
        raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")

    equation = ",".join("".join(letter(n) for n in sub) for sub in args[1::2])
    if len(args) % 2 == 1:
        return equation + "->" + "".join(letter(n) for n in args[-1]), args[:-1:2]
    return equation, args[::2]


def einsum(*args) -> Tensor:
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        equation, operands = _from_sublists(args)
    else:
        equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    labels = _operand_labels(lhs, len(operands))
    label_count = [0] * _ELLIPSIS
    width = _ellipsis_width(operands, labels, label_count)
    position, out_dims, ellipsis_at, total = _output_positions(equation, arrow, lhs, label_count,
                                                               width)
    aligned, holders = _align(operands, labels, position, ellipsis_at, width, total)
    result = _contract(aligned, holders, out_dims, total)
    if total == out_dims:
        return result
    if len(operands) > 1:  # every summed dim is size 1 by now
        return _shape.view(result, tuple(result.shape[:out_dims]))
    return _sum(result, tuple(range(out_dims, total)))


register("einsum", einsum, section="linear algebra", method=False)
