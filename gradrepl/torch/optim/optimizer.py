"""``torch.optim.Optimizer``: param groups, per-parameter state, zero_grad, state dicts, repr.

Each optimizer subclass supplies ``_update(group, param, grad, state)``, which changes the
parameter's data in place with torch's single-tensor arithmetic (torch 2.13 uses its for-loop
implementation, not the foreach one, for CPU tensors).
"""

from __future__ import annotations

import copy
from collections import defaultdict

import numpy as np

from gradrepl.engine.grad_mode import _enabled as _grad_enabled
from gradrepl.engine.grad_mode import _grad_mode
from gradrepl.engine.grad_mode import enable_grad
from gradrepl.engine.ops.inplace import write
from gradrepl.engine.tensor import Tensor, new_tensor


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _type_name(value) -> str:
    if isinstance(value, Tensor):
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

        return LEGACY_TYPE_NAMES[value.dtype]
    return type(value).__name__


class Optimizer:
    """Base class of the optimizers."""

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_type_name(params)}")
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_type_name(param)}")
            if param.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            import warnings

            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -----------------------------------------------------------------------------------------
    # Stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param._grad is None:
                    continue
                if set_to_none:
                    param._grad = None
                else:
                    if param._grad.grad_fn is not None:
                        param._grad = param._grad.detach()
                    param._grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        states = self.state
        update = self._update
        # no_grad() without the context manager's objects (a lesson's step is a few microseconds)
        previous, reported = _grad_enabled[0], _grad_mode[0]
        _grad_enabled[0] = _grad_mode[0] = False
        try:
            fused_group = self._fused_group
            for group in self.param_groups:
                if fused_group is not None and fused_group(group):
                    continue  # the whole group updated at once, as the loop below would
                maximize = group.get("maximize", False)
                for param in group["params"]:
                    grad = param._grad
                    if grad is None:
                        continue
                    grad = np.asarray(grad._data)
                    if maximize:
                        grad = -grad
                    # SGD without momentum keeps no state, not even an entry: a new parameter's
                    # state joins self.state only once the update has stored something in it
                    state = states.get(param)
                    if state is None:
                        state = {}
                        update(group, param, grad, state)
                        if state:
                            states[param] = state
                    else:
                        update(group, param, grad, state)
                        if not state:
                            del states[param]
        finally:
            _grad_enabled[0], _grad_mode[0] = previous, reported
        return loss

    def _update(self, group: dict, param: Tensor, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    # a subclass's ``_fused_group(group) -> bool``: True when it has updated every parameter of
    # the group itself (with the bits the loop's ``_update`` gives), False when it left them all
    # untouched for the loop
    _fused_group = None

    @staticmethod
    def _write(param: Tensor, values: np.ndarray) -> None:
        write(param, values.astype(param._data.dtype, copy=False))

    @staticmethod
    def _state_tensor(array: np.ndarray) -> Tensor:
        return new_tensor(np.array(array))

    @staticmethod
    def _step_tensor() -> Tensor:
        """torch keeps the step count as a float32 0-d tensor (``tensor(1.)`` in state dicts)."""
        return new_tensor(np.array(0.0, dtype=np.float32))

    @staticmethod
    def _count_step(state: dict) -> float:
        step = state["step"]
        step._data = np.array(step._data + np.float32(1), dtype=step._data.dtype)
        return float(step._data)

    # -----------------------------------------------------------------------------------------
    # State dicts: parameters become their index across all groups

    def state_dict(self) -> dict:
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = copy.deepcopy(state_dict)
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group")
        by_index = {}
        for group, saved in zip(groups, saved_groups):
            by_index.update(zip(saved["params"], group["params"]))
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in by_index:
                param = by_index[key]
                self.state[param] = {name: self._cast_state(name, t, param)
                                     for name, t in value.items()}
        self.param_groups = [{**saved, "params": group["params"]}
                             for group, saved in zip(groups, saved_groups)]

    @staticmethod
    def _cast_state(name: str, value, param: Tensor):
        # torch casts floating state to the parameter's dtype, but leaves "step" as it is
        if isinstance(value, Tensor) and name != "step" and value.is_floating_point():
            return value.to(param.dtype)
        return value

    # -----------------------------------------------------------------------------------------
    # Printing

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)


Optimizer.__module__ = "torch.optim.optimizer"
