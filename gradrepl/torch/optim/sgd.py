"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch's _single_tensor_sgd)."""

from __future__ import annotations

import struct
from operator import add

import numpy as np

from gradrepl.engine import views
from gradrepl.engine.tensor import _writes
from gradrepl.engine.float_math import few_lanes, fused
from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.vector_math import _fma_exact
from gradrepl.engine.ops.inplace import guard_saved_output, write
from gradrepl.torch.optim import _kernels as k
from gradrepl.torch.optim.optimizer import Optimizer

SHORT_PATH = True  # False: every update through the general path below (the tests compare)
# a group of float32 parameters with momentum updated by one fused update over all of them
# (SGD._fused_group); False: one update per parameter (the tests compare)
FUSED_GROUPS = True
# the fused group's update in work arrays kept from step to step, rounded straight into the
# parameters (SGD._fused_update); False: a concatenation, a result array and write (the tests
# compare)
SCRATCH = True
SCRATCH_ELEMENTS = 1 << 18  # larger groups: the concatenated path, nothing kept (17 bytes each)
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


# a float32 parameter of at most this many elements (a lesson's Linear(3, 1)) is updated in
# Python floats written straight into its memory (_few_lanes_update); 0: through fma32 and write
FEW_LANES = 4
_EDGE = 2.0**128 - 2.0**103  # float32's largest value plus half its ulp: from here on, inf
_TINY32 = float(np.finfo(np.float32).tiny)
_lowest = np.minimum.reduce


def _few_lanes_update(param, p, grad, minus_lr) -> bool:
    """``write(param, fma32(grad, minus_lr, p))`` for a few lanes, in Python floats: the same
    arithmetic as ``fused._fma32_few_lanes`` (each float64 product exact, its sum with the
    parameter rounded once to float32 by struct's ``f`` format, the C cast, and the sums
    screened by ``few_lanes.rounded_once``), read from and written into the parameter's memory
    by struct (``unpack_from``, ``pack_into``) without the intermediate arrays. False, having
    touched nothing, where ``fma32``'s own path must decide: memory that is not contiguous or
    writable, a sum that is not finite or rounds past float32's range (numpy's warnings), a sum
    that may have rounded twice."""
    if (fused.EXACT_EVERYWHERE or not p.flags.c_contiguous or not p.flags.writeable
            or not grad.flags.c_contiguous or getattr(fused._pending, "steps", None) is not None):
        return False
    n = p.size
    floats = _float_structs.get(n)
    if floats is None:
        floats = _float_structs[n] = struct.Struct(f"{n}f")
    values = floats.unpack_from(p)
    rate = float(minus_lr)
    products = [rate * g for g in floats.unpack_from(grad)]
    sums = list(map(add, products, values))
    if not (few_lanes.finite(sums) and -_EDGE < min(sums) and max(sums) < _EDGE
            and few_lanes.rounded_once(sums, products, values)):
        return False
    guard_saved_output(param)
    floats.pack_into(p, 0, *sums)  # each sum rounded to float32 (cannot overflow: checked)
    param._bump_version()
    views.regenerate(param)
    return True


_float_structs: dict = {}
# the group path's own switch (False: every group without momentum through the loop, which the
# tests compare)
FEW_LANE_GROUPS = True
_SAFE_LR = 3.0e38  # |lr| below this: its float32 is finite (numpy's cast does not warn)
# the last group's lr object and its float32 rate: keyed by the object itself (held here, so its
# identity cannot be reused), not kept on the optimizer, whose vars() stay torch's
_kept_rate = [(object(), 0.0)]
_ndarray = np.ndarray


def _few_lanes_write(param, p, g, rate, n) -> bool:
    """``_few_lanes_update``'s arithmetic and write for float32 arrays p and g of n <= FEW_LANES
    elements (the caller checked their types, dtypes and shapes, and ``fused``'s switches), the
    rate given as a Python float, in one call of a kernel written out for n lanes
    (``_update_kernel``). False, having written nothing, where the loop must decide: memory
    that is not C-contiguous (``unpack_from`` refuses it) or not writable (``pack_into``), a
    sum that is not finite, at float32's overflow edge or may have rounded twice."""
    kernel = _update_kernels.get(n) or _update_kernel(n)
    try:
        if not kernel(p, g, rate):
            return False
    except ValueError:  # not C-contiguous
        return False
    except TypeError:  # read-only memory
        return False
    if param._base is None and param.grad_fn is None and param._view_kind is None \
            and not param._inference:
        # a plain leaf (a layer's parameter): guard_saved_output has no node to guard, the
        # version is its own, and views.regenerate has work only for a live view
        param._write_count += 1
        _writes[0] += 1
        if param._views:
            views.regenerate(param)
        return True
    guard_saved_output(param)
    param._bump_version()
    views.regenerate(param)
    return True


_update_kernels: dict = {}
_EDGE_BITS = struct.unpack("<Q", struct.pack("<d", _EDGE))[0]


def _update_kernel(n: int):
    """``p += rate * g`` on n float32 lanes as ``_few_lanes_update`` makes it, written out for
    n: the parameter and gradient read by ``unpack_from``, each float64 product (exact) and
    sum, the sums' bits read once (``struct``'s ``d`` and ``Q`` formats) and screened as
    ``few_lanes.finite``, the overflow edge test and ``few_lanes.rounded_once`` screen them
    (a magnitude's bits below the edge's: finite and inside float32's range; a float32
    midpoint or a nonzero value below float32's normal range: exact in float64, or the loop
    decides), then the sums rounded into p by ``pack_into``. True when written."""
    lanes = range(n)
    v = ", ".join(f"v{i}" for i in lanes)
    x = ", ".join(f"x{i}" for i in lanes)
    sums = ", ".join(f"s{i}" for i in lanes)
    lines = ["def update(p, g, rate):",
             f"    {v}, = unpack_from(p)",
             f"    {x}, = unpack_from(g)"]
    lines += [f"    q{i} = rate * x{i}" for i in lanes]
    lines += [f"    s{i} = q{i} + v{i}" for i in lanes]
    lines.append(f"    {', '.join(f'b{i}' for i in lanes)}, = to_bits(from_floats({sums}))")
    lines.append("    if " + " or ".join(f"b{i} & ABS >= EDGE" for i in lanes) + ":")
    lines.append("        return False")
    for i in lanes:
        lines += [f"    if (b{i} & BELOW == HALFWAY or 0 < b{i} & ABS < TINY) "
                  f"and not exact(s{i}, q{i}, v{i}):",
                  "        return False"]
    lines += [f"    pack_into(p, 0, {sums})", "    return True"]
    floats = struct.Struct(f"{n}f")
    namespace = {"unpack_from": floats.unpack_from, "pack_into": floats.pack_into,
                 "to_bits": struct.Struct(f"{n}Q").unpack,
                 "from_floats": struct.Struct(f"{n}d").pack, "ABS": few_lanes._ABS,
                 "EDGE": _EDGE_BITS, "BELOW": few_lanes._BELOW_F32,
                 "HALFWAY": few_lanes._HALFWAY, "TINY": few_lanes._TINY_BITS,
                 "exact": few_lanes._exact_sum}
    exec("\n".join(lines), namespace)
    kernel = _update_kernels[n] = namespace["update"]
    return kernel


def _check_non_negative(value, what: str) -> None:
    if value < 0.0:
        raise ValueError(f"Invalid {what}: {value}")


def _decay(buf, grad, momentum, dampening):
    """``buf.mul_(momentum).add_(grad, alpha=1 - dampening)``: in buf's own memory when it is a
    plain array of grad's dtype and shape and there is no dampening (the same two roundings as
    the general path below, without its two new arrays)."""

    if (dampening == 0 and type(buf) is np.ndarray and buf.flags.writeable
            and buf.dtype == grad.dtype and buf.shape == grad.shape):
        np.multiply(buf, k.scalar(momentum, buf), out=buf)
        return np.add(buf, grad, out=buf)
    return k.add(k.mul(buf, momentum), grad, 1 - dampening)


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * p.grad`` for every parameter at each ``step()``,
    with optional momentum (Nesterov's too), dampening and weight decay. Call ``zero_grad()``
    before each backward, as gradients accumulate."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_non_negative(lr, "learning rate")
        _check_non_negative(momentum, "momentum value")
        _check_non_negative(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group, param, grad, state) -> None:
        p = param._data
        if group["weight_decay"] != 0:
            grad = k.add(grad, p, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._state_tensor(grad)
            else:
                buf._data = _decay(buf._data, grad, momentum, group["dampening"])
            grad = k.add(grad, buf._data, momentum) if group["nesterov"] else buf._data
        if (SHORT_PATH and type(p) is np.ndarray and type(grad) is np.ndarray and p.dtype == _F32
                and grad.dtype == _F32 and grad.shape == p.shape):
            # k.add's float32 case without its dtype and operand checks, and a store of a result
            # already of the parameter's dtype and shape (a lesson's step: 2 tiny parameters)
            minus_lr = _F32.type(-group["lr"])
            if p.size <= FEW_LANES and _few_lanes_update(param, p, grad, minus_lr):
                return
            write(param, fma32(grad, minus_lr, p))
        else:
            self._write(param, k.add(p, grad, -group["lr"]))

    def _fused_group(self, group) -> bool:
        """The group's momentum updates, ``buf.mul_(momentum).add_(grad)`` then
        ``param.add_(buf, alpha=-lr)``, with the parameters' fused multiply-add made once over
        all of them (``fma32``'s float64 arithmetic and screening on one array instead of one
        per parameter: each numpy call costs more than its arithmetic on a bias). Elementwise,
        so each element gets the bits the loop gives it, provided no array the loop writes is
        one a later parameter's update reads: every parameter, buffer and gradient here owns
        its memory (``base is None``) and no two are the same array. The loop keeps the rest:
        weight decay, dampening, Nesterov, maximize, a first step (no buffer yet), a missing
        gradient, other dtypes and shapes."""
        if group["momentum"] == 0:
            return FEW_LANE_GROUPS and self._few_lanes_group(group)
        if (not FUSED_GROUPS or not SHORT_PATH or fused.EXACT_EVERYWHERE
                or group["dampening"] != 0
                or group["weight_decay"] != 0 or group["nesterov"] or group.get("maximize")):
            return False
        params = group["params"]
        if len(params) < 2:
            return False
        states = self.state
        datas, grads, buffers = [], [], []
        for param in params:
            grad, state = param._grad, states.get(param)
            if grad is None or state is None:
                return False
            buf = state.get("momentum_buffer")
            if buf is None:
                return False
            p, g, b = param._data, grad._data, buf._data
            if not (type(p) is np.ndarray and type(g) is np.ndarray and type(b) is np.ndarray
                    and p.dtype == _F32 and g.dtype == _F32 and b.dtype == _F32
                    and p.shape == g.shape == b.shape and p.base is None and g.base is None
                    and b.base is None and p.flags.writeable and b.flags.writeable):
                return False
            datas.append(p)
            grads.append(g)
            buffers.append(b)
        if len({id(a) for a in (*datas, *grads, *buffers)}) != 3 * len(params):
            return False
        momentum = _F32.type(group["momentum"])
        for b, g in zip(buffers, grads):  # _decay's two roundings, in each buffer
            np.multiply(b, momentum, out=b)
            np.add(b, g, out=b)
        minus_lr = _F32.type(-group["lr"])
        if SCRATCH and self._fused_update(group, params, datas, buffers, minus_lr):
            return True
        # fma32(buf, -lr, p): the exact float64 product plus p, rounded once, then screened
        wide = np.concatenate(buffers, axis=None, dtype=_F64)
        wide *= np.float64(minus_lr)
        np.add(wide, np.concatenate(datas, axis=None, dtype=_F64), out=wide)
        result = wide.astype(_F32)
        suspect = fused._suspects(wide, result)
        if suspect is not None:
            lanes = np.nonzero(suspect)
            a = np.concatenate(buffers, axis=None)[lanes]
            c = np.concatenate(datas, axis=None)[lanes]
            result[lanes] = _fma_exact(a, np.full(a.shape, minus_lr), c)
        start = 0
        for param, p in zip(params, datas):
            end = start + p.size
            write(param, result[start:end].reshape(p.shape))
            start = end
        return True

    def _few_lanes_group(self, group) -> bool:
        """The loop's updates of a group without momentum (``param.add_(grad, alpha=-lr)``),
        each parameter in turn, as ``Optimizer.step`` and ``_update`` make them, with what is
        the same for every parameter decided once for the group: the group's options, the
        float32 rate (kept while ``group["lr"]`` is the same object, in ``_kept_rate``) and ``fused``'s switches.
        A float32 parameter of a few elements with a float32 gradient of its shape
        (a lesson's ``Linear(3, 1)``) takes ``_few_lanes_update``'s arithmetic, whose
        contiguity and writability tests are here the ones struct makes (``unpack_from``
        refuses memory that is not C-contiguous, ``pack_into`` memory that is not writable,
        before touching it); any other parameter, and any the arithmetic cannot vouch for,
        takes the loop's own body. False, having done nothing, when the group or the
        optimizer is not the plain case (weight decay, maximize, a state entry, an lr that
        is not a Python number well inside float32's range, a subclass's own ``_update``)."""
        if (not SHORT_PATH or not FEW_LANES or fused.EXACT_EVERYWHERE or self.state
                or type(self)._update is not SGD._update  # (a subclass's own update: the loop)
                or group["weight_decay"] != 0 or group.get("maximize")
                or getattr(fused._pending, "steps", None) is not None):
            return False
        lr = group["lr"]
        kept = _kept_rate[0]  # (lr, its float32 negation as a Python float)
        if kept[0] is not lr:
            if type(lr) is not float and type(lr) is not int or not -_SAFE_LR < lr < _SAFE_LR:
                return False  # (a tensor, nan, or float32's overflow and its warning: the loop)
            kept = _kept_rate[0] = (lr, float(_F32.type(-lr)))
        rate = kept[1]
        for param in group["params"]:
            grad = param._grad
            if grad is None:
                continue
            p, g = param._data, grad._data
            if (type(p) is not _ndarray or type(g) is not _ndarray or p.dtype is not _F32
                    or g.dtype is not _F32 or (n := p.size) > FEW_LANES or g.shape != p.shape
                    or not _few_lanes_write(param, p, g, rate, n)):
                self._loop_update(group, param, np.asarray(g))
        return True

    def _loop_update(self, group, param, grad) -> None:
        """``Optimizer.step``'s loop body for one parameter of a group without maximize whose
        optimizer holds no state."""
        state = {}
        self._update(group, param, grad, state)
        if state:
            self.state[param] = state

    def _fused_update(self, group, params, datas, buffers, minus_lr) -> bool:
        """``_fused_group``'s ``param.add_(buf, alpha=-lr)`` over all of the group's parameters
        in float64 work arrays kept from step to step (``_Scratch``), each parameter's float32
        result rounded straight from them into its memory (numpy's cast, the rounding
        ``astype`` makes) when the screening finds no sum that may have rounded twice: no
        result array and no copy of it. A sum on a float32 midpoint, nonzero below float32's
        normal range (looked for in the float64 sums: a superset of the results' such lanes), a
        zero or a nan takes ``fma32`` and ``write`` per parameter, the loop's own calls (the
        buffers are decayed already, as the loop would have them). False, having done nothing,
        for a group of more than ``SCRATCH_ELEMENTS`` elements: the work arrays (17 bytes an
        element) are not kept for large models, whose passes cost more than their calls."""
        kept = self.__dict__.get("_scratch")  # not in state dicts, pickles or copies
        if kept is None:
            kept = self._scratch = {}
        scratch = kept.get(id(group))
        if scratch is None or not scratch.fits(datas):
            if sum(p.size for p in datas) > SCRATCH_ELEMENTS:
                kept.pop(id(group), None)
                return False
            scratch = kept[id(group)] = _Scratch(datas)
        wide, other = scratch.wide, scratch.other
        np.concatenate(buffers, axis=None, out=wide)
        np.multiply(wide, np.float64(minus_lr), out=wide)  # exact: 24-bit times 24-bit
        np.concatenate(datas, axis=None, out=other)
        np.add(wide, other, out=wide)  # the one float64 rounding fma32's sum makes
        # the least magnitude: a nan fails the test, and so does a zero sum (exact, +-0 in
        # float32 too, but then the least nonzero magnitude is unknown): the per-parameter path
        # decides. A sum past float32's range rounds to inf with numpy's cast warning, as
        # fma32's own cast gives it
        clean = _TINY32 <= float(_lowest(np.abs(wide, out=other)))
        if clean:  # `other` is free again: the sums' low bits
            np.bitwise_and(scratch.bits, fused._BELOW_F32_ARRAY, out=scratch.other_bits)
            np.equal(scratch.other_bits, fused._HALFWAY_ARRAY, out=scratch.flags)
            clean = not fused.count_nonzero(scratch.flags)
        if not clean:
            for param, p, b in zip(params, datas, buffers):
                write(param, fma32(b, minus_lr, p))
            return True
        for param, p, part in zip(params, datas, scratch.parts):
            # write(param, part.astype(float32)) without the intermediate array
            guard_saved_output(param)
            p[...] = part
            param._bump_version()
            views.regenerate(param)
        return True


class _Scratch:
    """A parameter group's float64 work arrays for ``SGD._fused_update``, made again when the
    group's parameter arrays change (``p.data = ...``): the sums, the parameters in float64
    (then the sums' magnitudes, then their low bits), the midpoint flags, and each parameter's
    slice of the sums in its shape."""

    def __init__(self, datas):
        self.datas = tuple(datas)  # held: an id cannot be reused while it is compared
        n = sum(p.size for p in datas)
        self.wide, self.other = np.empty(n), np.empty(n)
        self.bits, self.other_bits = self.wide.view(np.uint64), self.other.view(np.uint64)
        self.flags = np.empty(n, bool)
        self.parts, start = [], 0
        for p in datas:
            self.parts.append(self.wide[start:start + p.size].reshape(p.shape))
            start += p.size

    def fits(self, datas) -> bool:
        return len(datas) == len(self.datas) and all(
            a is b for a, b in zip(datas, self.datas))

