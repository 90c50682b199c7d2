"""The DIY report's modular library: NumPy arrays in, NumPy arrays out, no graph.

Its protocol (``Module.forward``, ``backward_update_gradient``, ``backward_delta``,
``update_parameters``; ``Loss.forward`` / ``backward``), its names and its (input, output)
weight layout, computed by the engine's ops so that every derivative is written once.

    from retroprop.diy import Linear, TanH, Sigmoide, Sequential, MSELoss, SGD

    net = Sequential(Linear(2, 4), TanH(), Linear(4, 1), Sigmoide())
    history = SGD(net, MSELoss(), X, Y, batch_size=4, max_iter=500, eps=0.1)

float64 by default, as the report's NumPy arrays; the report's spellings of its names work
(``CrossEntropyLoss``, ``BCELoss``, ``NLLLoss``, ``Tanh``, ``Sigmoid``, ...).

See docs/diy.md for how each piece maps to ``retroprop.nn``.
"""

from retroprop.diy.activation import (
    LogSoftMax,
    ReLU,
    Sigmoid,
    Sigmoide,
    SoftMax,
    TanH,
    Tanh,
    Threshold,
)
from retroprop.diy.autoencoder import AutoEncoder
from retroprop.diy.conv import Conv1D, Conv2D
from retroprop.diy.linear import Linear
from retroprop.diy.loss import (
    BCE,
    CE,
    MAE,
    MSE,
    NLL,
    BCELoss,
    CrossEntropyCriterion,
    CrossEntropyLoss,
    Hinge,
    LogSoftMaxCrossEntropy,
    MAELoss,
    MSELoss,
    NLLLoss,
)
from retroprop.diy.module import Loss, Module
from retroprop.diy.optim import SGD, Optim
from retroprop.diy.pool import AvgPool1D, Flatten, MaxPool1D, MaxPool2D
from retroprop.diy.sequential import Sequential

__all__ = [
    "BCE",
    "CE",
    "MAE",
    "MSE",
    "NLL",
    "SGD",
    "AutoEncoder",
    "AvgPool1D",
    "BCELoss",
    "Conv1D",
    "Conv2D",
    "CrossEntropyCriterion",
    "CrossEntropyLoss",
    "Flatten",
    "Hinge",
    "Linear",
    "LogSoftMax",
    "LogSoftMaxCrossEntropy",
    "Loss",
    "MAELoss",
    "MSELoss",
    "MaxPool1D",
    "MaxPool2D",
    "Module",
    "NLLLoss",
    "Optim",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Sigmoide",
    "SoftMax",
    "Tanh",
    "TanH",
    "Threshold",
]
