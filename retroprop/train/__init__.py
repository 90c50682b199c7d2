"""Training: ``fit`` with callbacks, metrics, a progress bar, checkpoints and bitwise resume.

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
from retroprop.train.fit import History, TrainingDiverged, evaluate, fit

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "TrainingDiverged",
    "evaluate",
    "fit",
    "load_checkpoint",
    "metrics",
    "save_checkpoint",
]
