"""The index of issue 9's layer classes, re-exported by ``torch.nn`` in one line."""

from gradrepl.torch.nn.modules.attention import MultiheadAttention
from gradrepl.torch.nn.modules.conv import Conv1d, Conv2d
from gradrepl.torch.nn.modules.dropout import Dropout
from gradrepl.torch.nn.modules.loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
    SmoothL1Loss,
)
from gradrepl.torch.nn.modules.nonlinear import (
    ELU, GELU, Hardtanh, LeakyReLU, PReLU, ReLU6, SiLU, Softplus,
)
from gradrepl.torch.nn.modules.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from gradrepl.torch.nn.modules.resize import *  # noqa: F401,F403
from gradrepl.torch.nn.modules.recurrent import GRU, LSTM, RNN, RNNBase
from gradrepl.torch.nn.modules.rnn import GRUCell, LSTMCell, RNNCell
from gradrepl.torch.nn.modules.resize import __all__ as _resize
from gradrepl.torch.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from gradrepl.torch.nn.modules.sparse import Bilinear, Embedding

__all__ = ["MultiheadAttention", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "ELU", "GELU",
           "HuberLoss", "KLDivLoss", "L1Loss", "LeakyReLU", "MSELoss", "NLLLoss", "PReLU", "SiLU",
           "SmoothL1Loss", "Softplus", "Hardtanh", "ReLU6", "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d",
           "Bilinear", "Conv1d", "Conv2d", "Embedding", "LayerNorm", "MaxPool2d"] + _resize + ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell"]
