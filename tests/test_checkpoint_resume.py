"""Checkpoints and resume: a killed or interrupted run continues bitwise; divergence keeps the
last good checkpoint."""

import json
import signal

import numpy as np
import pytest
import safetensors.numpy

import retroprop as rp
import retroprop.nn as nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.optim.lr_scheduler import StepLR
from retroprop.train import (
    Callback,
    EarlyStopping,
    TrainingDiverged,
    fit,
    load_checkpoint,
    save_checkpoint,
)
from retroprop.train.fit import History
from tests.kill_harness import kill_and_resume

# Trains a dropout MLP on shuffled batches with Adam and a StepLR schedule, so the global
# generator, the loader's generator, the optimiser and the scheduler all matter.
# argv: OUT MODE, MODE in {full, killed, resume}; 'killed' parks the run in epoch 2 (index 1)
# after 3 batches, with a marker file, for the test to kill it there.
SCRIPT = r"""
import json, os, sys, time
import numpy as np
import retroprop as rp
import retroprop.nn as nn
from retroprop.train import Callback, fit

out, mode = sys.argv[1], sys.argv[2]


class Epochs(Callback):
    def on_epoch_begin(self, epoch, logs):
        self.epoch = epoch
        with open(os.path.join(out, "epochs.txt"), "a") as f:
            f.write(f"{epoch}\n")


class Stall(Epochs):
    def on_batch_end(self, batch, logs):
        if self.epoch == 1 and batch == 2:
            open(os.path.join(out, "stalled"), "w").close()
            time.sleep(120)


def accuracy(y_true, y_pred):
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


rng = np.random.default_rng(0)
X = rng.normal(size=(240, 6)).astype(np.float32)
y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1)
rp.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Dropout(0.3), nn.Linear(32, 3))
opt = rp.optim.Adam(model.parameters(), lr=0.01)
sched = rp.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)
history = fit(model, nn.CrossEntropyLoss(), opt, (X[:200], y[:200]), val=(X[200:], y[200:]),
              epochs=4, batch_size=25, metrics=[accuracy],
              callbacks=[Stall() if mode == "killed" else Epochs()], scheduler=sched,
              checkpoint_dir=os.path.join(out, "ckpt"), resume=mode == "resume", seed=7)
rp.save(model.state_dict(), os.path.join(out, "weights.safetensors"))
with open(os.path.join(out, "history.json"), "w") as f:
    json.dump({"history": history.history, "epoch": history.epoch}, f)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_training_resumes_to_the_same_bits_as_an_uninterrupted_one(tmp_path):
    def parked(run):
        # parked mid-epoch 2: its weights, generators and optimiser have moved past the checkpoint
        assert load_checkpoint(run / "ckpt" / "last.safetensors", restore_rng=False)["epoch"] == 1
        assert not (run / "weights.safetensors").exists()

    full, run = kill_and_resume(SCRIPT, tmp_path, parked)
    # the resumed process ran epochs 2-4 only (indices 1, 2, 3)
    assert (run / "epochs.txt").read_text().split() == ["0", "1", "1", "2", "3"]
    a = safetensors.numpy.load_file(full / "weights.safetensors")
    b = safetensors.numpy.load_file(run / "weights.safetensors")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    ha = json.loads((full / "history.json").read_text())
    hb = json.loads((run / "history.json").read_text())
    assert ha == hb and ha["epoch"] == [0, 1, 2, 3] and len(ha["history"]["val_accuracy"]) == 4


# ---- in-process runs ----------------------------------------------------------------------
def data(n=120):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


class Interrupt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) at batch ``batch`` of epoch ``epoch``."""

    def __init__(self, epoch, batch=1):
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs):
        self.epoch = epoch

    def on_batch_end(self, batch, logs):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


def train(ckpt=None, epochs=4, resume=False, callbacks=(), lr=0.02, loss_fn=None):
    """A dropout MLP on shuffled batches, built the same way at every call."""
    X, y = data()
    rp.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = rp.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    history = fit(model, loss_fn or nn.CrossEntropyLoss(), opt, (X[:96], y[:96]),
                  val=(X[96:], y[96:]), epochs=epochs, batch_size=16, scheduler=sched,
                  callbacks=callbacks, checkpoint_dir=ckpt, resume=resume, seed=5,
                  metrics=["accuracy"], verbose=0)  # fmt: skip
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}, history


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_ctrl_c_keeps_the_last_epoch_says_how_to_resume_and_resume_is_bitwise(tmp_path, capsys):
    reference, ref_history = train()
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path, callbacks=[Interrupt(epoch=2)])
    err = capsys.readouterr().err
    assert "interrupted during epoch 3/4" in err and "checkpoint of epoch 2" in err
    assert f"checkpoint_dir={str(tmp_path)!r} and resume=True" in err
    assert load_checkpoint(tmp_path / "last.safetensors", restore_rng=False)["epoch"] == 2
    weights, history = train(tmp_path, resume=True)
    assert same(weights, reference) and history.history == ref_history.history


def test_ctrl_c_messages_without_a_checkpoint(tmp_path, capsys):
    for ckpt, epoch, expected in [(None, 1, "pass checkpoint_dir="), (tmp_path, 0, "No epoch")]:
        with pytest.raises(KeyboardInterrupt):
            train(ckpt, callbacks=[Interrupt(epoch=epoch)])
        assert expected in capsys.readouterr().err


@pytest.mark.parametrize("entry", ["rng", "loaders"])
def test_the_resume_depends_on_the_restored_generators(tmp_path, entry):
    # the control of the bitwise tests: with a generator's state changed, the run differs
    reference, _ = train()
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path, callbacks=[Interrupt(epoch=2)])
    path = tmp_path / "last.safetensors"
    ckpt = rp.load(path)
    state = ckpt["rng"] if entry == "rng" else ckpt["loaders"]["train"]["generator"]
    state["state"]["state"] += 1
    rp.save(ckpt, path)
    weights, _ = train(tmp_path, resume=True)
    assert not same(weights, reference)


def test_resume_continues_to_more_epochs_or_returns_a_finished_run(tmp_path):
    reference, ref_history = train(epochs=5)
    train(tmp_path, epochs=3)
    weights, history = train(tmp_path, epochs=5, resume=True)
    assert same(weights, reference) and history.history == ref_history.history

    class Count(Callback):
        epochs = 0

        def on_epoch_begin(self, epoch, logs):
            Count.epochs += 1

    again, history = train(tmp_path, epochs=5, resume=True, callbacks=[Count()])
    assert Count.epochs == 0 and same(again, reference) and len(history) == 5


def test_resume_without_a_checkpoint_starts_afresh(tmp_path):
    reference, _ = train(epochs=2)
    weights, history = train(tmp_path / "new", epochs=2, resume=True)
    assert same(weights, reference) and (tmp_path / "new" / "last.safetensors").is_file()


def test_an_early_stopped_run_stays_stopped_on_resume(tmp_path):
    es = EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    _, history = train(tmp_path, epochs=6, callbacks=[es])
    assert len(history) == 2 and es.stopped_epoch == 1
    _, resumed = train(tmp_path, epochs=6, resume=True, callbacks=[EarlyStopping(monitor="loss")])
    assert resumed.history == history.history


# ---- divergence ---------------------------------------------------------------------------
def test_a_nan_loss_raises_and_keeps_the_last_good_checkpoint(tmp_path):
    ce = nn.CrossEntropyLoss()
    calls = [0]

    def nan_from_epoch_3(out, target):  # 6 training batches an epoch
        calls[0] += rp.is_grad_enabled()  # validation runs without gradients
        return ce(out, target) * (float("nan") if calls[0] > 14 else 1.0)

    class Snapshot(Callback):
        def on_epoch_end(self, epoch, logs):
            self.weights = {k: v.numpy().copy() for k, v in self.model.state_dict().items()}

    snap = Snapshot()
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 3, batch 3") as info:
        train(tmp_path, loss_fn=nan_from_epoch_3, callbacks=[snap])
    path = str(tmp_path / "last.safetensors")
    assert f"the last good checkpoint (epoch 2) is kept in {path}" in str(info.value)
    err = info.value
    assert (err.epoch, err.batch, err.checkpoint, len(err.history)) == (2, 2, path, 2)
    assert np.isnan(err.value)
    ckpt = load_checkpoint(path, restore_rng=False)
    assert ckpt["epoch"] == 2 and same(
        {k: v.numpy() for k, v in ckpt["model"].items()}, snap.weights
    )


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_exploding_weights_stop_the_run_before_any_bad_checkpoint(tmp_path):
    class Explode(Callback):  # the learning rate blows up after the second epoch
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                self.optimizer.param_groups[0]["lr"] = 1e39

    with pytest.raises(TrainingDiverged, match="became (inf|-inf|nan) at epoch 3") as info:
        train(tmp_path, callbacks=[Explode()])
    assert info.value.checkpoint == str(tmp_path / "last.safetensors")
    ckpt = load_checkpoint(tmp_path / "last.safetensors", restore_rng=False)
    assert ckpt["epoch"] == 2
    assert all(np.isfinite(v.numpy()).all() for v in ckpt["model"].values())
    with pytest.raises(TrainingDiverged, match="no checkpoint") as info:
        train(None, callbacks=[Explode()])
    assert info.value.checkpoint is None


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_a_non_finite_weight_after_the_last_batch_is_caught_at_the_epoch_end(tmp_path):
    class Explode(Callback):
        def on_epoch_end(self, epoch, logs):
            self.optimizer.param_groups[0]["lr"] = 1e39

    X, y = data()
    model = nn.Linear(4, 2)
    opt = rp.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TrainingDiverged, match="a weight became -?inf at epoch 2;") as info:
        fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, batch_size=len(X),
            callbacks=[Explode()], checkpoint_dir=tmp_path, verbose=0)  # fmt: skip
    assert info.value.batch is None and np.isinf(info.value.value)
    ckpt = load_checkpoint(tmp_path / "last.safetensors", restore_rng=False)
    assert ckpt["epoch"] == 1 and all(np.isfinite(v.numpy()).all() for v in ckpt["model"].values())


# ---- the checkpoint file ------------------------------------------------------------------
def test_save_and_load_checkpoint_restore_every_state(tmp_path):
    X, y = data()
    rp.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    opt = rp.optim.Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=3)
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    sched.step()
    history = History()
    history.append(0, {"loss": 0.5})
    es = EarlyStopping(monitor="loss", restore_best_weights=True)
    es.set_context(model, opt, history)
    es.on_epoch_end(0, {"loss": 0.5})
    path = tmp_path / "ck.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, loaders={"train": loader},
                    epoch=1, history=history, callbacks=[es])  # fmt: skip
    expected = (model.state_dict(), opt.state_dict(), sched.state_dict(), rp.get_rng_state(),
                loader.state_dict(), es.state_dict())  # fmt: skip
    expected = rp.load(_roundtrip(tmp_path, expected))  # plain copies to compare against

    rp.manual_seed(1)
    model2 = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    opt2 = rp.optim.Adam(model2.parameters(), lr=0.5)
    sched2 = StepLR(opt2, step_size=3, gamma=0.1)
    loader2 = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=4)
    es2 = EarlyStopping(monitor="loss", restore_best_weights=True)
    ckpt = load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2,
                           loaders={"train": loader2}, callbacks=[es2])  # fmt: skip
    got = (model2.state_dict(), opt2.state_dict(), sched2.state_dict(), rp.get_rng_state(),
           loader2.state_dict(), es2.state_dict())  # fmt: skip
    got = rp.load(_roundtrip(tmp_path, got))
    assert _equal(got, expected)
    assert ckpt["epoch"] == 1 and History.from_state_dict(ckpt["history"])["loss"] == [0.5]
    # one safetensors file whose tensors a plain reader sees under their dotted names
    assert "model.0.weight" in safetensors.numpy.load_file(path)


def _roundtrip(folder, obj):
    path = folder / "cmp.safetensors"
    rp.save(obj, path)
    return path


def _equal(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, rp.Tensor | np.ndarray):
        return (
            np.array_equal(np.asarray(a), np.asarray(b))
            and np.asarray(a).dtype == np.asarray(b).dtype
        )
    return a == b


def test_load_checkpoint_bad_inputs(tmp_path):
    model = nn.Linear(2, 2)
    plain = tmp_path / "weights.safetensors"
    rp.save(model.state_dict(), plain)
    with pytest.raises(ValueError, match="not a retroprop training checkpoint"):
        load_checkpoint(plain)
    path = tmp_path / "ck.safetensors"
    save_checkpoint(path, model=model, callbacks=[EarlyStopping(monitor="loss")])
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, optimizer=rp.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="'val'"):
        load_checkpoint(path, loaders={"val": DataLoader(TensorDataset(np.zeros((2, 2))))})
    with pytest.raises(ValueError, match=r"callbacks \['EarlyStopping'\]"):
        load_checkpoint(path, callbacks=[Callback()])
    with pytest.raises(TypeError, match="nn.Module"):
        save_checkpoint(path, model={"w": rp.zeros(2)})
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.safetensors")
