"""Which of equal values torch's CPU sorting kernels pick: their selection algorithms, step by step.

torch's topk (aten/src/ATen/native/TopKImpl.h) puts a row's (value, index) pairs through
``std::partial_sort`` when ``k * 64 <= n``, else ``std::nth_element`` then ``std::sort`` of the
first k - 1, comparing values only. These are not stable: equal values (the zero weights
multinomial ranks) come out in an order that only the algorithms themselves decide. They are
deterministic, though (median-of-three pivots, no randomness), so replaying GCC's libstdc++
(bits/stl_algo.h, bits/stl_heap.h) on the same comparisons gives torch's order. A row without
equal values has one order whatever the algorithm, so callers use this for rows with ties only.

Each function works on ``seq`` (a list of indices) in place, with ``before(a, b)``: does the
value at index a go before the one at b (torch's comparator: NaN first, then larger, for largest).

kthvalue runs torch's own quickselect instead (``quick_select``, aten/src/ATen/native/
SortingUtils.h: Sedgewick's partitioning with a median-of-three pivot), which can return any of
several equal values' indices.
"""

from __future__ import annotations

_THRESHOLD = 16  # libstdc++'s _S_threshold: shorter ranges are insertion-sorted


def _lg(n: int) -> int:
    return n.bit_length() - 1


def topk_order(seq: list, k: int, before, sorted: bool = True) -> list:
    """The first k of ``seq`` as torch's topk leaves them."""
    n = len(seq)
    if k == 0:
        return []
    if k * 64 <= n:
        partial_sort(seq, 0, k, n, before)
    else:
        nth_element(seq, 0, k - 1, n, before)
        if sorted:
            sort(seq, 0, k - 1, before)
    return seq[:k]


# ---------------------------------------------------------------------------------------------
# std::sort: introsort, then a final insertion sort


def sort(seq: list, first: int, last: int, before) -> None:
    if last - first > 1:
        _introsort_loop(seq, first, last, _lg(last - first) * 2, before)
        _final_insertion_sort(seq, first, last, before)


def _introsort_loop(seq, first, last, depth, before) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            partial_sort(seq, first, last, last, before)  # heapsort
            return
        depth -= 1
        cut = _partition_pivot(seq, first, last, before)
        _introsort_loop(seq, cut, last, depth, before)
        last = cut


def _final_insertion_sort(seq, first, last, before) -> None:
    if last - first > _THRESHOLD:
        _insertion_sort(seq, first, first + _THRESHOLD, before)
        for i in range(first + _THRESHOLD, last):
            _linear_insert(seq, i, before)
    else:
        _insertion_sort(seq, first, last, before)


def _insertion_sort(seq, first, last, before) -> None:
    for i in range(first + 1, last):
        if before(seq[i], seq[first]):
            value = seq[i]
            seq[first + 1:i + 1] = seq[first:i]
            seq[first] = value
        else:
            _linear_insert(seq, i, before)


def _linear_insert(seq, last, before) -> None:
    value = seq[last]
    while before(value, seq[last - 1]):
        seq[last] = seq[last - 1]
        last -= 1
    seq[last] = value


def _partition_pivot(seq, first, last, before) -> int:
    middle = first + (last - first) // 2
    _median_to_first(seq, first, first + 1, middle, last - 1, before)
    return _unguarded_partition(seq, first + 1, last, first, before)


def _median_to_first(seq, result, a, b, c, before) -> None:
    if before(seq[a], seq[b]):
        if before(seq[b], seq[c]):
            pick = b
        elif before(seq[a], seq[c]):
            pick = c
        else:
            pick = a
    elif before(seq[a], seq[c]):
        pick = a
    elif before(seq[b], seq[c]):
        pick = c
    else:
        pick = b
    seq[result], seq[pick] = seq[pick], seq[result]


def _unguarded_partition(seq, first, last, pivot, before) -> int:
    while True:
        while before(seq[first], seq[pivot]):
            first += 1
        last -= 1
        while before(seq[pivot], seq[last]):
            last -= 1
        if not first < last:
            return first
        seq[first], seq[last] = seq[last], seq[first]
        first += 1


# ---------------------------------------------------------------------------------------------
# std::nth_element: introselect


def nth_element(seq: list, first: int, nth: int, last: int, before) -> None:
    if first == last or nth == last:
        return
    depth = _lg(last - first) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(seq, first, nth + 1, last, before)
            seq[first], seq[nth] = seq[nth], seq[first]
            return
        depth -= 1
        cut = _partition_pivot(seq, first, last, before)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(seq, first, last, before)


# ---------------------------------------------------------------------------------------------
# std::partial_sort: a heap of the first ones, then heapsort


def partial_sort(seq: list, first: int, middle: int, last: int, before) -> None:
    _heap_select(seq, first, middle, last, before)
    while middle - first > 1:  # __sort_heap
        middle -= 1
        _pop_heap(seq, first, middle, middle, before)


def _heap_select(seq, first, middle, last, before) -> None:
    _make_heap(seq, first, middle, before)
    for i in range(middle, last):
        if before(seq[i], seq[first]):
            _pop_heap(seq, first, middle, i, before)


def _make_heap(seq, first, last, before) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(seq, first, parent, length, seq[first + parent], before)
        if parent == 0:
            return
        parent -= 1


def _pop_heap(seq, first, last, result, before) -> None:
    value = seq[result]
    seq[result] = seq[first]
    _adjust_heap(seq, first, 0, last - first, value, before)


def _adjust_heap(seq, first, hole, length, value, before) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if before(seq[first + child], seq[first + child - 1]):
            child -= 1
        seq[first + hole] = seq[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        seq[first + hole] = seq[first + child - 1]
        hole = child - 1
    # __push_heap
    parent = (hole - 1) // 2
    while hole > top and before(seq[first + parent], value):
        seq[first + hole] = seq[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    seq[first + hole] = value


# ---------------------------------------------------------------------------------------------
# torch's quick_select_template (kthvalue)


def quick_select(values: list, k: int, greater) -> int:
    """The index (into ``values``) that torch's quickselect leaves at position k (0-based),
    ``greater(x, y)`` its comparator on values (NaN above everything, then x > y)."""
    arr, idx = list(values), list(range(len(values)))

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    low, high = 0, len(arr) - 1
    while high > low:
        if high == low + 1:
            if greater(arr[low], arr[high]):
                swap(low, high)
            break
        swap((low + high) >> 1, low + 1)  # median of three: low, low + 1, high
        if greater(arr[low + 1], arr[high]):
            swap(low + 1, high)
        if greater(arr[low], arr[high]):
            swap(low, high)
        if greater(arr[low + 1], arr[low]):
            swap(low + 1, low)
        i, j, pivot = low + 1, high, arr[low]
        while True:
            i += 1
            while greater(pivot, arr[i]):
                i += 1
            j -= 1
            while greater(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    return idx[k]
