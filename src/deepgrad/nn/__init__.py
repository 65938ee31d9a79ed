"""Neural-network building blocks: ``Module``, ``Parameter``, layers, losses, initializers."""

from . import init
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .flatten import Flatten
from .linear import Identity, Linear
from . import loss
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Module
from .parameter import Parameter
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell; from .embedding import Embedding; from .packing import PackedSequence, pack_padded_sequence, pad_packed_sequence  # noqa: E702
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm; from .dropout import Dropout, Dropout2d; from .attention import MultiheadAttention; from .transformer import TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer, generate_square_subsequent_mask; from .positional import LearnedPositionalEncoding, SinusoidalPositionalEncoding  # noqa: E702
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d; from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d; from .upsample import Upsample  # noqa: E702
from .regularization import l1_penalty, l2_penalty
