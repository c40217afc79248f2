"""``torch.nn.utils``: gradient clipping, parameter/vector conversion, packed sequences."""

from gradrepl.torch.nn.utils.clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_
from gradrepl.torch.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from gradrepl.torch.nn.utils import rnn

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "rnn", "vector_to_parameters"]


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if not name.startswith("_"):
        raise UnsupportedError(f"torch.nn.utils.{name}")
    raise AttributeError(f"module 'torch.nn.utils' has no attribute '{name}'")
