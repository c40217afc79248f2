"""torch.einsum, composed from recorded ops the way torch's einsum composes them.

Each operand first has its repeated letters reduced to diagonals (``'ii->i'``) and its letters
that appear nowhere else summed out. One operand is then permuted to the output's order (``'ij->ji'``
is a PermuteBackward0, ``'ij->'`` a SumBackward1). Two operands without a shared summed letter
multiply with broadcasting (``'i,j->ij'`` is a MulBackward0); with one, they contract as a batched
matrix product viewed back to the output's shape (``'ij,jk->ik'`` is a ViewBackward0, as in torch).
More operands contract left to right. An ellipsis stands for letters of its own, broadcast
across operands. Gradients, including second order, follow from the ops.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.diagonals import diagonal
from gradrepl.engine.ops.linalg_products import bmm
from gradrepl.engine.ops.reductions import sum as _sum
from gradrepl.engine.ops.shape_more import movedim
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor


def _ellipsis(equation: str, operands) -> tuple:
    """Spell each ``...`` out in letters the equation does not use, right-aligned across operands
    (the dims an ellipsis covers broadcast); returns the equation and those letters."""
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    counts = [t.ndim - (len(term) - 3) if "..." in term else 0
              for term, t in zip(terms, operands)]
    widest = max(counts, default=0)
    letters = "".join(spare[:widest])
    terms = [term.replace("...", letters[widest - k:]) for term, k in zip(terms, counts)]
    if arrow:
        rhs = rhs.replace("...", letters)
    else:  # implicit output: the ellipsis dims first, then the letters used once
        single = sorted(c for c in set("".join(terms)) if lhs.count(c) == 1 and c not in letters)
        rhs = letters + "".join(single)
    return ",".join(terms) + "->" + rhs, letters


def _broadcast(operands, terms, letters) -> list:
    """Expand the size-1 dims an ellipsis covers to the size the other operands give them."""
    sizes = {}
    for t, term in zip(operands, terms):
        for c, n in zip(term, t.shape):
            if c in letters:
                sizes[c] = max(sizes.get(c, 1), n)
    out = []
    for t, term in zip(operands, terms):
        want = tuple(sizes.get(c, n) if c in letters else n for c, n in zip(term, t.shape))
        out.append(t if want == tuple(t.shape) else _shape.expand(t, want))
    return out


def _parse(equation: str, operands) -> tuple:
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    for letter in equation:
        if not (letter.isalpha() or letter in ",->."):
            raise RuntimeError(f"einsum(): invalid subscript given at index {equation.index(letter)}"
                               f" in the equation string, subscripts must be in [a-zA-Z]")
    for term, t in zip(terms, operands):
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) "
                               f"does not match the number of dimensions ({t.ndim}) for operand "
                               f"{terms.index(term)} and no ellipsis was given")
    if not arrow:  # implicit output: the letters used once, in alphabetical order
        counts = {c: lhs.count(c) for c in lhs if c.isalpha()}
        rhs = "".join(sorted(c for c, n in counts.items() if n == 1))
    return terms, rhs


def _check_sizes(operands, terms) -> None:
    """torch's checks of each subscript's size, operand by operand and dim by dim: a letter
    repeated in one operand needs one size there, and across operands sizes must broadcast."""
    seen = {}
    for i, (t, term) in enumerate(zip(operands, terms)):
        here = {}
        for letter, size in zip(term, t.shape):
            if letter in here:
                if size != here[letter]:
                    raise RuntimeError(f"einsum(): subscript {letter} is repeated for operand {i} "
                                       f"but the sizes don't match, {size} != {here[letter]}")
                continue
            here[letter] = size
            before = seen.get(letter, 1)
            if size != before and 1 not in (size, before):
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand {i} "
                                   f"which does not broadcast with previously seen size {before}")
            seen[letter] = max(size, before)


def _diagonals(t: Tensor, term: str, operand: int = 0) -> tuple:
    """Take the diagonal for each repeated letter and move it back to where the letter first
    stood, as torch does (diagonal, then movedim: a PermuteBackward0 on top)."""
    while True:
        repeated = next((c for c in term if term.count(c) > 1), None)
        if repeated is None:
            return t, term
        first = term.index(repeated)
        second = term.index(repeated, first + 1)
        if t.shape[first] != t.shape[second]:
            raise RuntimeError(f"einsum(): subscript {repeated} is repeated for operand {operand} "
                               f"but the sizes don't match, {t.shape[second]} != {t.shape[first]}")
        t = movedim(diagonal(t, 0, first, second), -1, first)
        rest = [c for i, c in enumerate(term) if i not in (first, second)]
        term = "".join(rest[:first] + [repeated] + rest[first:])


def _sum_out(t: Tensor, term: str, keep: set) -> tuple:
    dims = tuple(i for i, c in enumerate(term) if c not in keep)
    if not dims:
        return t, term
    return _sum(t, dims), "".join(c for c in term if c in keep)


def _arrange(t: Tensor, term: str, order: str) -> Tensor:
    """``t`` permuted so its letters follow ``order``."""
    perm = tuple(term.index(c) for c in order)
    return t if perm == tuple(range(len(perm))) else _shape.permute(t, perm)


def _contract(a: Tensor, ta: str, b: Tensor, tb: str, keep: set) -> tuple:
    summed = [c for c in ta if c in tb and c not in keep]
    if not summed:
        # nothing to contract: a broadcast product over the union of letters
        union = ta + "".join(c for c in tb if c not in ta)
        a_full = _shape.reshape(_arrange(a, ta, "".join(c for c in union if c in ta)),
                                tuple(a.shape[ta.index(c)] if c in ta else 1 for c in union))
        b_full = _shape.reshape(_arrange(b, tb, "".join(c for c in union if c in tb)),
                                tuple(b.shape[tb.index(c)] if c in tb else 1 for c in union))
        return a_full * b_full, union
    batch = "".join(c for c in ta if c in tb and c in keep)
    free_a = "".join(c for c in ta if c not in tb)
    free_b = "".join(c for c in tb if c not in ta)
    size = {c: a.shape[i] for i, c in enumerate(ta)}
    size.update({c: b.shape[i] for i, c in enumerate(tb)})

    def prod(letters):
        return int(np.prod([size[c] for c in letters]))

    left = _shape.reshape(_arrange(a, ta, batch + free_a + "".join(summed)),
                          (prod(batch), prod(free_a), prod(summed)))
    right = _shape.reshape(_arrange(b, tb, batch + "".join(summed) + free_b),
                           (prod(batch), prod(summed), prod(free_b)))
    term = batch + free_a + free_b
    return _shape.view(bmm(left, right), tuple(size[c] for c in term)), term


def einsum(equation: str, *operands) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    letters = ""
    if "..." in equation:
        if len(equation.partition("->")[0].split(",")) != len(operands):
            _parse(equation.replace("...", ""), operands)  # raises torch's operand-count error
        equation, letters = _ellipsis(equation.replace(" ", ""), operands)
    terms, output = _parse(equation, operands)
    if letters:
        operands = _broadcast(operands, terms, letters)
    _check_sizes(operands, terms)
    prepared = []
    for i, (t, term) in enumerate(zip(operands, terms)):
        t, term = _diagonals(t, term, i)
        elsewhere = set(output).union(*(terms[j] for j in range(len(terms)) if j != i))
        prepared.append(_sum_out(t, term, elsewhere))
    result, term = prepared[0]
    for k, (t, t_term) in enumerate(prepared[1:], 1):
        later = set(output).union(*(x[1] for x in prepared[k + 1:]))
        result, term = _contract(result, term, t, t_term, later)
        result, term = _sum_out(result, term, later)
    return _arrange(result, term, output)


register("einsum", einsum, section="linear algebra", method=False)
