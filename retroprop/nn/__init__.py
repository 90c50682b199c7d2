"""Neural-network modules (PyTorch's names, arguments and layouts)."""

from retroprop.nn import functional, init, parallel, utils
from retroprop.nn.activation import (
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
    Threshold,
)
from retroprop.nn.activation_composed import (
    CELU,
    GLU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softmax2d,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
)
from retroprop.nn.attention import MultiheadAttention
from retroprop.nn.bilinear import Bilinear
from retroprop.nn.containers import ModuleDict, ModuleList, Sequential
from retroprop.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from retroprop.nn.distance import CosineSimilarity, PairwiseDistance
from retroprop.nn.dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, GaussianNoise
from retroprop.nn.flatten import Flatten, Unflatten
from retroprop.nn.gan import MinibatchDiscrimination, feature_matching_loss, ssl_unsupervised_loss
from retroprop.nn.instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from retroprop.nn.linear import Identity, Linear
from retroprop.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)
from retroprop.nn.loss_composed import (
    CosineEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from retroprop.nn.module import Module
from retroprop.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from retroprop.nn.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from retroprop.nn.parallel import DataParallel
from retroprop.nn.parameter import Parameter
from retroprop.nn.parameter_containers import ParameterDict, ParameterList
from retroprop.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
from retroprop.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from retroprop.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from retroprop.nn.sparse import Embedding
from retroprop.nn.transformer import (
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from retroprop.nn.transformer_decoder import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
)
from retroprop.nn.upsampling import Upsample, UpsamplingNearest2d
