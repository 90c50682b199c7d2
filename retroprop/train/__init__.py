"""Training: one shared loop (``loop``: a step function on a ``State``), and ``fit``, its
supervised case, with callbacks, metrics, a progress bar, checkpoints and bitwise resume.

    from retroprop.train import State, loop
    state = State(G=G, D=D, opt_g=opt_g, opt_d=opt_d, data=loader)
    history = loop(state, step, state.data, epochs=20, evaluate=evaluate,
                   checkpoint_dir="ckpt", resume=True, max_minutes=60)

    from retroprop.train import fit, EarlyStopping
    history = fit(model, loss_fn, optimizer, (X, y), val=(X_val, y_val), epochs=20,
                  metrics=["accuracy"], callbacks=[EarlyStopping(patience=3)],
                  checkpoint_dir="ckpt", resume=True, seed=0)

Imports without the ``lab`` extra; the metrics computed by scikit-learn and the tqdm progress
bars import their library on first use and say how to install it when it is missing.
"""

from retroprop.train import metrics
from retroprop.train.callbacks import Callback, EarlyStopping, ModelCheckpoint
from retroprop.train.checkpoint import load_checkpoint, save_checkpoint
from retroprop.train.fit import evaluate, fit
from retroprop.train.history import History, TrainingDiverged
from retroprop.train.loop import CheckpointError, loop, read_checkpoint
from retroprop.train.state import State

__all__ = [
    "Callback",
    "CheckpointError",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "State",
    "TrainingDiverged",
    "evaluate",
    "fit",
    "load_checkpoint",
    "loop",
    "metrics",
    "read_checkpoint",
    "save_checkpoint",
]
