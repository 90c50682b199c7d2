"""Optimisers and learning-rate schedules (PyTorch's names, arguments and state_dict layout).

opt = rp.optim.Adam(model.parameters(), lr=1e-3)
sched = rp.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
"""

from retroprop.optim import lr_scheduler
from retroprop.optim.adadelta import Adadelta
from retroprop.optim.adagrad import Adagrad
from retroprop.optim.adam import Adam, AdamW
from retroprop.optim.adamax import Adamax
from retroprop.optim.lbfgs import LBFGS
from retroprop.optim.optimizer import Optimizer
from retroprop.optim.rmsprop import RMSprop
from retroprop.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
