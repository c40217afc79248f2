"""Random numbers that match torch's CPU generator after ``torch.manual_seed``.

torch's CPU generator is the classic MT19937 seeded with init_genrand, which is numpy's legacy
seeding, so numpy supplies the raw 32-bit stream; the transforms to uniform and normal values
follow torch's kernels (aten/src/ATen/core/TransformationHelper.h and
native/cpu/DistributionTemplates.h in pytorch/pytorch): 24-bit floats, 53-bit doubles, serial
Box-Muller with a cached second value for small tensors, and a 16-wide vector Box-Muller in
float32 for tensors of 16 or more elements.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import dtypes, vector_math
from gradrepl.engine.factories import _allocate, _finish, _size_args
from gradrepl.engine.size_args import NO_SIZE, is_int
from gradrepl.engine.tensor import Tensor
from gradrepl.engine.keywords import Unmatched, check_types, torch_keywords

_DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val


class Generator:
    """torch.Generator for the CPU."""

    def __init__(self, device="cpu"):
        self._mt = None
        self.manual_seed(_DEFAULT_SEED)
        self.device = device

    def make_stream(self) -> None:
        """Make the stream now, drawing nothing (for a process about to fork workers)."""
        self._bits  # noqa: B018  (the property makes it)

    @property
    def _bits(self):
        """The MT19937 stream, made (and seeded) at the first draw: ``numpy.random`` costs
        ~10 ms to import, and ``torch.default_generator`` exists from ``import torch`` on."""
        if self._mt is None:
            from numpy.random import MT19937

            self._mt = MT19937()
            self._mt._legacy_seeding(self._seed & 0xFFFFFFFF)
        return self._mt

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        self._seed = seed
        if self._mt is not None:  # else seeded with _seed when first drawn from
            self._mt._legacy_seeding(seed & 0xFFFFFFFF)
        self._normal_cache = None
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        fresh = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(fresh)
        return fresh

    def get_state(self):
        return (self._bits.state, self._normal_cache)

    def set_state(self, state) -> None:
        self._bits.state, self._normal_cache = state

    # The raw streams
    def random32(self, n: int) -> np.ndarray:
        return self._bits.random_raw(n).astype(np.uint64)

    def random64(self, n: int) -> np.ndarray:
        raw = self._bits.random_raw(2 * n).astype(np.uint64).reshape(n, 2)
        return (raw[:, 0] << np.uint64(32)) | raw[:, 1]

    def uniform_float32(self, n: int) -> np.ndarray:
        if n > CHUNK:
            return _in_chunks(self.uniform_float32, n, np.float32)
        return (self.random32(n) & np.uint64((1 << 24) - 1)).astype(np.float32) * np.float32(2.0 ** -24)

    def uniform_float64(self, n: int) -> np.ndarray:
        if n > CHUNK:
            return _in_chunks(self.uniform_float64, n, np.float64)
        return (self.random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * (2.0 ** -53)

    def normal_serial(self, n: int) -> np.ndarray:
        """torch's scalar normal_distribution<double>: Box-Muller, second value cached."""
        out = np.empty(n, dtype=np.float64)
        for i in range(n):
            if self._normal_cache is not None:
                out[i], self._normal_cache = self._normal_cache, None
                continue
            u1, u2 = self.uniform_float64(2)
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self._normal_cache = radius * math.sin(theta)
            out[i] = radius * math.cos(theta)
        return out


# Values drawn at a time for a large tensor (a multiple of 16, torch's Box-Muller block): the
# stream is sequential, so drawing in chunks gives the same values, while the temporaries stay a
# few MB instead of ~7x the tensor (torch.randn(50000, 50000) would need 70 GB at once), and
# Ctrl-C is seen between chunks instead of after minutes of numpy.
CHUNK = 1 << 20


def _chunks(n: int):
    """(start, stop) of each chunk of n values, in the stream's order."""
    return ((start, min(n, start + CHUNK)) for start in range(0, n, CHUNK))


def _in_chunks(draw, n: int, np_dtype) -> np.ndarray:
    out = np.empty(n, np_dtype)
    for start, stop in _chunks(n):
        out[start:stop] = draw(stop - start)
    return out


# object.__repr__ then prints what torch prints: <torch._C.Generator object at 0x...>
Generator.__module__ = "torch._C"

default_generator = Generator()


def manual_seed(seed) -> Generator:
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


def _gen(generator) -> Generator:
    return generator if generator is not None else default_generator


# ---------------------------------------------------------------------------------------------
# Filling

def _normal_values(n: int, mean: float, std: float, np_dtype, generator: Generator) -> np.ndarray:
    if n < 16:
        # v * std + mean compiles to a fused multiply-add in torch's scalar kernel
        return vector_math.fma64(generator.normal_serial(n), std, mean).astype(np_dtype)
    work = np.float32 if np_dtype != np.float64 else np.float64
    uniform = generator.uniform_float32 if work == np.float32 else generator.uniform_float64
    body = n - n % 16
    # All uniforms first (drawn in chunks themselves), then Box-Muller chunk by chunk: the stream
    # does not depend on the transform, and chunks of 16-multiples keep torch's blocks whole.
    data = uniform(n)
    for start, stop in _chunks(body):
        _box_muller_blocks(data, start, stop, mean, std)
    if n % 16:
        data[n - 16:] = uniform(16).astype(work)
        _box_muller_blocks(data, n - 16, n, mean, std)
    return data.astype(np_dtype, copy=False)


# uniforms turned into normals at a time (a multiple of 16): the kernels' dozens of numpy
# passes then run over temporaries that stay in the CPU's caches, ~1.5x cheaper per value than
# over a whole chunk (randn(2000, 2000): 0.71 -> 0.47 s CPU); each block of 16 is independent,
# so no bit changes (tests/engine/test_random_chunks.py); None: the whole range at once
BOX_MULLER_BLOCK = 1 << 16


def _box_muller_blocks(data: np.ndarray, start: int, stop: int, mean: float, std: float) -> None:
    """torch's normal_fill_16: each block of 16 uniforms becomes 16 normals, in place."""
    step = BOX_MULLER_BLOCK
    if step is not None and stop - start > step:
        for lo in range(start, stop, step):
            _box_muller_range(data, lo, min(stop, lo + step), mean, std)
        return
    _box_muller_range(data, start, stop, mean, std)


def _box_muller_range(data: np.ndarray, start: int, stop: int, mean: float, std: float) -> None:
    blocks = data[start:stop].reshape(-1, 16)
    if data.dtype == np.float32:
        # the AVX2 kernel: its own float32 log and sincos, and a fused v * std + mean
        radius = np.sqrt(np.float32(-2) * vector_math.log(np.float32(1) - blocks[:, :8]))
        sin, cos = vector_math.sincos(np.float32(2.0 * math.pi) * blocks[:, 8:])
        first = vector_math.fma(radius * cos, np.float32(std), np.float32(mean))
        second = vector_math.fma(radius * sin, np.float32(std), np.float32(mean))
    else:
        # the scalar double kernel calls the C library's log, sin and cos; numpy's float64 log
        # differs from glibc's now and then, its sin and cos agree (0 of 10 million differ)
        radius = np.sqrt(-2.0 * vector_math.libm_log(1.0 - blocks[:, :8]))
        theta = 2.0 * math.pi * blocks[:, 8:]
        cos, sin = np.cos(theta), np.sin(theta)
        first = vector_math.fma64(radius * cos, std, mean)
        second = vector_math.fma64(radius * sin, std, mean)
    blocks[:, :8] = first
    blocks[:, 8:] = second
    data[start:stop] = blocks.reshape(-1)


def _float_dtype(dtype):
    dtype = dtype or dtypes.get_default_dtype()
    return dtype


@torch_keywords("rand")
def rand(*sizes, size=NO_SIZE, generator=None, dtype=None, device=None,
         requires_grad=False) -> Tensor:
    # rand() with no size, or sizes no overload takes (rand(2.5, 3)): torch lists the overloads
    shape = _size_args(sizes, "rand", size, many_overloads=True)
    dtype = _float_dtype(dtype)
    _allocate(shape, dtype.numpy)
    n = math.prod(shape)
    gen = _gen(generator)
    values = gen.uniform_float64(n) if dtype is dtypes.float64 else gen.uniform_float32(n)
    return _finish(values.astype(dtype.numpy).reshape(shape), requires_grad, device)


@torch_keywords("randn")
def randn(*sizes, size=NO_SIZE, generator=None, dtype=None, device=None,
          requires_grad=False) -> Tensor:
    # randn() with no size, or sizes no overload takes (randn(2.5, 3)): torch lists the overloads
    shape = _size_args(sizes, "randn", size, many_overloads=True)
    dtype = _float_dtype(dtype)
    _allocate(shape, dtype.numpy)
    values = _normal_values(math.prod(shape), 0.0, 1.0, dtype.numpy, _gen(generator))
    return _finish(values.reshape(shape), requires_grad, device)


@torch_keywords("randint")
def randint(low=None, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = None, low, high  # randint(high, size)
    if high is None:
        low, high = None, low  # randint(10, size=(2,))
    low = 0 if low is None else low
    # anything else without a size (randint(10), randint(0, 10)), a size that is no sequence of
    # ints (randint(0, 10, 3)), a bound that is no int: torch's parser's words for the call
    if not isinstance(size, (tuple, list)):
        raise Unmatched
    check_types(("int", low), ("int", high), *(("int", s) for s in size))
    if high <= low:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _size_args((size,) if isinstance(size, int) else (tuple(size),), "randint")
    dtype = dtype or dtypes.int64
    _allocate(shape, dtype.numpy)
    span = high - low
    gen = _gen(generator)
    n = math.prod(shape)
    raw = gen.random64(n) if span >= 2 ** 32 else gen.random32(n)
    values = (raw % np.uint64(span)).astype(np.int64) + low
    return _finish(values.astype(dtype.numpy).reshape(shape), requires_grad, device)


@torch_keywords("randperm")
def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = dtype or dtypes.int64
    return _finish(_shuffled(n, _gen(generator)).astype(dtype.numpy), requires_grad, device)


def _shuffled(n: int, gen: Generator) -> np.ndarray:
    """torch's CPU randperm: Fisher-Yates, position i swapped with i + (one 32-bit draw % (n - i)).
    The stream is sequential, so the n - 1 draws are taken CHUNK at a time rather than one numpy
    call each (the same values in the same order: tests/engine/test_random_chunks.py), and the
    swaps run on a Python list while n fits in one chunk."""
    perm = list(range(n)) if n <= CHUNK else np.arange(n, dtype=np.int64)
    i = 0
    while i < n - 1:
        for r in gen.random32(min(CHUNK, n - 1 - i)).tolist():
            z = i + r % (n - i)
            perm[i], perm[z] = perm[z], perm[i]
            i += 1
    return np.array(perm, dtype=np.int64) if type(perm) is list else perm


@torch_keywords("rand_like")
def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return rand(tuple(input.shape), generator=generator, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


@torch_keywords("randn_like")
def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return randn(tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                 device=device, requires_grad=requires_grad)


@torch_keywords("normal")
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    if size is None:
        from gradrepl.engine.errors import UnsupportedError

        # reported by replay as "unsupported", like any other missing feature
        raise UnsupportedError("torch.normal", "only torch.normal(mean, std, size) with float mean and std is supported")
    # torch: empty(size).normal_(mean, std), one draw (randn followed by normal_ drew twice)
    if size and not is_int(size[0], bool_ok=False):
        raise Unmatched  # normal(0., 1., size=(2.5,)): no overload takes it, torch lists them
    shape = _size_args((tuple(size),), "normal")
    dtype = _float_dtype(dtype)
    _allocate(shape, dtype.numpy)
    values = _normal_values(math.prod(shape), mean, std, dtype.numpy, _gen(generator))
    return _finish(values.reshape(shape), requires_grad, device)


# ---------------------------------------------------------------------------------------------
# In-place fills (Tensor.uniform_, Tensor.normal_)

def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    from gradrepl.engine.ops.inplace import check_writable, write

    check_writable(tensor)
    n = tensor.numel()
    gen = _gen(generator)
    if tensor.dtype is dtypes.float64:
        x = gen.uniform_float64(n)
        values = x * (b - a) + a
    else:
        x = gen.uniform_float32(n).astype(np.float64)
        span = float(np.float32(b) - np.float32(a))
        # torch computes x * (b - a) + a as one fused multiply-add in float32: the product of two
        # float32 values is exact in float64, so only the final rounding matters
        values = (x * span + float(np.float32(a))).astype(np.float32)
    write(tensor, values.astype(tensor._data.dtype).reshape(tensor.shape))
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    from gradrepl.engine.ops.inplace import check_writable, write

    check_writable(tensor)
    values = _normal_values(tensor.numel(), mean, std, tensor._data.dtype, _gen(generator))
    write(tensor, values.reshape(tensor.shape))
    return tensor


def exponential_values(n: int, lambd: float, np_dtype, generator: Generator) -> np.ndarray:
    """n Exp(lambd) values in draw order: torch's serial ``exponential_distribution<double>``, a
    53-bit uniform double u and ``-1 / lambd * log1p(-u)`` (the C library's log1p), rounded to
    the dtype (half through float, as c10::Half is made from a float)."""
    uniform = generator.uniform_float64(n)
    log1p = np.fromiter(map(math.log1p, (-uniform).tolist()), np.float64, n)
    values = (-1.0 / lambd) * log1p
    if np_dtype == np.float16:
        return values.astype(np.float32).astype(np.float16)
    return values.astype(np_dtype)


def fill_order(data: np.ndarray) -> tuple:
    """The dims from outermost to innermost as torch fills a tensor (or its ``empty_like``) in
    memory order: a transposed tensor column by column, by decreasing stride; size-1 dims do not
    count, and an expanded (stride-0) dim leaves the logical order, as ``empty_like`` does."""
    dims = [d for d in range(data.ndim) if data.shape[d] > 1]
    if any(data.strides[d] == 0 for d in dims):
        return tuple(range(data.ndim))
    ordered = sorted(dims, key=lambda d: -abs(data.strides[d]))
    rest = [d for d in range(data.ndim) if data.shape[d] <= 1]
    return tuple(rest + ordered)


def exponential_(tensor: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    from gradrepl.engine.dtypes import scalar_type_name
    from gradrepl.engine.ops.inplace import check_writable, write

    check_writable(tensor)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={float(lambd):g}")
    data = np.asarray(tensor._data)
    if data.dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {scalar_type_name(data.dtype)}")
    order = fill_order(data)
    walked = tuple(data.shape[d] for d in order)
    drawn = exponential_values(data.size, float(lambd), data.dtype, _gen(generator))
    write(tensor, np.transpose(drawn.reshape(walked), np.argsort(order)))
    return tensor
