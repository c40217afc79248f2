"""The functional layers (convolution, pooling, normalisation, embedding, bilinear, prelu,
dropout) live with their rows in the engine's registry; ``torch.nn.functional`` takes them from
here."""

from gradrepl.engine.ops.nn_layers import *  # noqa: F401,F403
from gradrepl.engine.ops.nn_layers import __all__  # noqa: F401
