"""rp.train: fit, History, callbacks, metrics (against scikit-learn) and the progress display."""

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm

import retroprop as rp
import retroprop.nn as nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from retroprop.train import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    evaluate,
    fit,
    metrics,
)
from retroprop.train.progress import BARS, LINES, SILENT, Progress, format_logs, resolve_verbose

ROOT = Path(__file__).resolve().parents[1]


def blobs(n=300, seed=0):
    """Three well separated Gaussian blobs in 2-D, labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]], np.float32)
    y = rng.integers(0, 3, n)
    return (centers[y] + rng.normal(0, 1, (n, 2))).astype(np.float32), y.astype(np.int64)


def mlp(seed=0, p=0.0):
    rp.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(p), nn.Linear(16, 3))


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def same_weights(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def run(seed=0, train=None, epochs=3, **kw):
    X, y = blobs(200)
    model = mlp(0, p=0.2)
    opt = rp.optim.Adam(model.parameters(), lr=0.01)
    kw.setdefault("batch_size", None if isinstance(train, DataLoader) else 32)
    kw.setdefault("verbose", 0)
    h = fit(model, nn.CrossEntropyLoss(), opt, (X, y) if train is None else train,
            epochs=epochs, seed=seed, **kw)  # fmt: skip
    return model, h


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs):
        self.calls.append(("batch_end", batch, dict(logs)))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs):
        self.calls.append(("train_end",))


# ---- fit ----------------------------------------------------------------------------------
def test_fit_learns_separable_blobs_and_records_keras_history():
    X, y = blobs(400)
    model = mlp(0)
    loss_fn = nn.CrossEntropyLoss()
    opt = rp.optim.Adam(model.parameters(), lr=0.01)
    h = fit(model, loss_fn, opt, (X[:300], y[:300]), val=(X[300:], y[300:]), epochs=6,
            batch_size=32, metrics=["accuracy"], seed=0, verbose=0)  # fmt: skip
    assert isinstance(h, History) and len(h) == 6
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert h.epoch == list(range(6))
    assert all(len(v) == 6 and all(isinstance(x, float) for x in v) for v in h.history.values())
    assert h["val_accuracy"][-1] >= 0.95 and h["accuracy"][-1] >= 0.95
    assert h["loss"][-1] < h["loss"][0] / 3
    # the last validation entry is evaluate() on the final model, bit for bit
    final = evaluate(model, loss_fn, (X[300:], y[300:]), metrics=["accuracy"])
    assert final == {"loss": h["val_loss"][-1], "accuracy": h["val_accuracy"][-1]}


def test_fit_is_reproducible_and_accepts_pairs_and_datasets_alike():
    X, y = blobs(200)
    m1, h1 = run(seed=3)
    m2, h2 = run(seed=3, train=TensorDataset(X, y))
    m3, h3 = run(seed=4)
    assert same_weights(weights(m1), weights(m2)) and h1.history == h2.history
    assert not same_weights(weights(m1), weights(m3))


def test_fit_uses_a_given_dataloader_and_its_batches():
    X, y = blobs(200)
    rec = Recorder()
    run(train=DataLoader(TensorDataset(X, y), batch_size=50, shuffle=True, seed=1), epochs=1,
        callbacks=[rec])  # fmt: skip
    sizes = [c[2]["size"] for c in rec.calls if c[0] == "batch_end"]
    assert sizes == [50, 50, 50, 50]


def test_fit_trains_in_train_mode_and_validates_in_eval_mode_without_grad():
    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)
            self.seen = []

        def forward(self, x):
            self.seen.append((self.training, rp.is_grad_enabled()))
            return self.fc(x)

    X, y = blobs(48)
    model = Probe()
    fit(model, nn.CrossEntropyLoss(), rp.optim.SGD(model.parameters(), lr=0.1), (X[:32], y[:32]),
        val=(X[32:], y[32:]), epochs=1, batch_size=16, verbose=0)  # fmt: skip
    assert model.seen == [(True, True), (True, True), (False, False)]
    assert model.training


def test_callbacks_run_in_order_with_their_logs_and_context():
    X, y = blobs(64)
    rec = Recorder()
    model = mlp()
    opt = rp.optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, nn.CrossEntropyLoss(), opt, (X, y), val=(X, y), epochs=2, batch_size=32,
            callbacks=[rec], verbose=0)  # fmt: skip
    names = [c[:2] if c[0] not in ("train_begin", "train_end") else c for c in rec.calls]
    expected = [("train_begin",)]
    for e in range(2):
        expected += [("epoch_begin", e), ("batch_end", 0), ("batch_end", 1), ("epoch_end", e)]
    assert names == expected + [("train_end",)]
    batch_logs = [c[2] for c in rec.calls if c[0] == "batch_end"]
    assert all(set(b) == {"loss", "size"} and b["size"] == 32 for b in batch_logs)
    epoch_logs = [c[2] for c in rec.calls if c[0] == "epoch_end"]
    assert [lg["val_loss"] for lg in epoch_logs] == h["val_loss"]
    assert rec.model is model and rec.optimizer is opt and rec.history is h


def test_a_callback_stops_training_after_the_current_epoch():
    class StopAt1(Recorder):
        def on_epoch_end(self, epoch, logs):
            super().on_epoch_end(epoch, logs)
            self.stop_training = epoch == 1

    cb = StopAt1()
    _, h = run(epochs=5, callbacks=[cb])
    assert len(h) == 2 and cb.calls[-1] == ("train_end",)


def test_early_stopping_stops_when_the_monitored_loss_stops_improving():
    X, y = blobs(64)
    model = mlp()
    es = EarlyStopping(monitor="val_loss", patience=2)
    # lr = 0: the validation loss never improves after the first epoch
    h = fit(model, nn.CrossEntropyLoss(), rp.optim.SGD(model.parameters(), lr=0.0), (X, y),
            val=(X, y), epochs=10, batch_size=32, callbacks=[es], verbose=0)  # fmt: skip
    assert len(h) == 4 and es.stopped_epoch == 3 and es.best_epoch == 0 and es.wait == 3


def test_early_stopping_restores_the_best_weights_and_infers_max_mode():
    model = mlp()
    es = EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)
    assert es.mode == "max" and EarlyStopping().mode == "min"
    es.set_context(model, None, None)
    es.on_train_begin({})
    for epoch, acc in enumerate([0.5, 0.9, 0.8, 0.85]):
        for p in model.parameters():
            p.data[...] = epoch
        es.on_epoch_end(epoch, {"val_accuracy": acc})
        assert es.stop_training == (epoch == 3)
    assert es.best_epoch == 1 and es.best == 0.9
    assert all(np.all(p.detach().numpy() == 1) for p in model.parameters())


def test_early_stopping_baseline_and_min_delta():
    es = EarlyStopping(monitor="loss", min_delta=0.1, patience=0, baseline=1.0)
    es.set_context(mlp(), None, None)
    es.on_train_begin({})
    es.on_epoch_end(0, {"loss": 0.95})  # beats neither the baseline by min_delta
    assert es.stop_training and es.best == 1.0


def test_early_stopping_bad_arguments_and_missing_monitor():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")
    es = EarlyStopping()
    es.set_context(mlp(), None, None)
    with pytest.raises(KeyError, match="val_loss.*'loss'"):
        es.on_epoch_end(0, {"loss": 1.0})


def test_model_checkpoint_saves_only_improvements_under_formatted_names(tmp_path):
    model = mlp()
    ck = ModelCheckpoint(tmp_path / "ck" / "{epoch:02d}-{val_loss:.2f}.safetensors",
                         save_best_only=True)  # fmt: skip
    ck.set_context(model, None, None)
    for epoch, loss in enumerate([1.0, 0.5, 0.7]):
        for p in model.parameters():
            p.data[...] = epoch
        ck.on_epoch_end(epoch, {"val_loss": loss})
    assert sorted(os.listdir(tmp_path / "ck")) == ["01-1.00.safetensors", "02-0.50.safetensors"]
    saved = rp.load(tmp_path / "ck" / "02-0.50.safetensors")
    assert all(np.all(v.numpy() == 1) for v in saved.values())
    assert ck.last_saved.endswith("02-0.50.safetensors")
    bad = ModelCheckpoint(tmp_path / "{val_acc}.safetensors")
    bad.set_context(model, None, None)
    with pytest.raises(ValueError, match="val_acc"):
        bad.on_epoch_end(0, {"val_loss": 1.0})


def test_model_checkpoint_in_fit_writes_weights_a_model_can_load(tmp_path):
    path = tmp_path / "w.safetensors"
    model, _ = run(epochs=2, callbacks=[ModelCheckpoint(path, monitor="loss")])
    other = mlp(seed=9)
    other.load_state_dict(rp.load(path))
    assert same_weights(weights(model), weights(other))


def test_scheduler_steps_once_per_epoch_and_plateau_gets_the_val_loss():
    X, y = blobs(64)
    model = mlp()
    opt = rp.optim.SGD(model.parameters(), lr=0.1)
    fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, batch_size=32,
        scheduler=StepLR(opt, step_size=1, gamma=0.5), verbose=0)  # fmt: skip
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5**3

    class Plateau(ReduceLROnPlateau):
        def step(self, metrics):
            self.seen.append(metrics)
            super().step(metrics)

    for val in ((X, y), None):
        sched = Plateau(opt)
        sched.seen = []
        h = fit(model, nn.CrossEntropyLoss(), opt, (X, y), val=val, epochs=2, batch_size=32,
                scheduler=sched, verbose=0)  # fmt: skip
        assert sched.seen == h["val_loss" if val else "loss"]


def test_fit_computes_metric_callables_on_all_samples_of_the_epoch():
    calls = []

    def n_seen(y_true, y_pred):
        calls.append((y_true.shape, y_pred.shape))
        return float(len(y_true))

    X, y = blobs(80)
    _, h = run(train=(X, y), epochs=1, metrics=[n_seen], val=(X[:30], y[:30]))
    assert h["n_seen"] == [80.0] and h["val_n_seen"] == [30.0]
    assert calls == [((80,), (80, 3)), ((30,), (30, 3))]


def test_evaluate_keeps_the_training_mode():
    X, y = blobs(40)
    model = mlp()
    for mode in (True, False):
        model.train(mode)
        out = evaluate(model, nn.CrossEntropyLoss(), TensorDataset(X, y), batch_size=16)
        assert set(out) == {"loss"} and model.training == mode


def test_fit_bad_inputs_say_what_is_wrong(tmp_path):
    X, y = blobs(32)
    model = mlp()
    opt = rp.optim.SGD(model.parameters(), lr=0.1)
    ce = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=8)
    cases = [
        (TypeError, "nn.Module", dict(model=lambda x: x)),
        (ValueError, "epochs", dict(epochs=-1)),
        (ValueError, "checkpoint_dir", dict(resume=True)),
        (ValueError, "batch_size=8 was given with a DataLoader", dict(train=loader, batch_size=8)),
        (ValueError, "unknown metric 'acuracy'", dict(metrics=["acuracy"])),
        (TypeError, "Callback", dict(callbacks=[print])),
        (TypeError, "train must be a Dataset", dict(train=X)),
        (TypeError, "arrays or Tensors", dict(train=([1, 2], [0, 1]))),
        (TypeError, "scalar Tensor", dict(loss_fn=lambda out, t: out)),
        (TypeError, r"\(inputs, targets\) pair, got list of length 3",
         dict(train=TensorDataset(X, y, y))),
        (ValueError, "verbose", dict(verbose="loud")),
    ]  # fmt: skip
    for error, message, change in cases:
        args = dict(model=model, loss_fn=ce, optimizer=opt, train=(X, y), epochs=1, verbose=0)
        args.update(change)
        with pytest.raises(error, match=message):
            fit(**args)
    with pytest.raises(KeyError, match="recorded"):
        History()["loss"]


# ---- progress -----------------------------------------------------------------------------
class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_silent_when_stdout_is_not_a_terminal(capsys):
    run(epochs=2, verbose="auto", metrics=["accuracy"])
    assert capsys.readouterr() == ("", "")
    assert resolve_verbose("auto", io.StringIO()) == SILENT
    assert resolve_verbose("auto", FakeTerminal()) == BARS
    assert [resolve_verbose(v) for v in (0, 1, 2, True, False)] == [0, 1, 2, 1, 0]


def test_progress_bars_show_the_running_loss_and_metrics():
    out = FakeTerminal()
    progress = Progress(BARS, epochs=2, steps=3, file=out)
    progress.epoch_begin(0)
    progress.batch_end({"loss": 0.5, "accuracy": 0.25})
    assert "1/3" in str(progress._batch_bar) and "loss=0.5000, accuracy=0.2500" in str(
        progress._batch_bar
    )
    progress.epoch_end(0, {"loss": 0.4, "val_loss": 0.0001})
    progress.close()
    assert "Epoch 1/2 - loss=0.4000, val_loss=0.0001" in out.getvalue()
    assert format_logs({"loss": float("nan"), "psnr": float("inf")}) == "loss=nan, psnr=inf"


def test_fit_verbose_modes_print_bars_or_one_line_per_epoch(capsys):
    run(epochs=2, verbose=1, metrics=["accuracy"])
    out = capsys.readouterr().out
    assert "Epoch 2/2 - loss=" in out and "accuracy=" in out and "2/2" in out
    run(epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - loss=")


def test_progress_bars_without_tqdm_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[lab\]"'):
        Progress(BARS, epochs=1, steps=1)
    assert resolve_verbose("auto", FakeTerminal()) == LINES


def test_retroprop_train_imports_and_fits_without_the_lab_extra():
    code = (
        "import sys; sys.modules['tqdm'] = sys.modules['sklearn'] = None\n"
        "import numpy as np, retroprop as rp, retroprop.nn as nn, retroprop.train as t\n"
        "m = nn.Linear(2, 2)\n"
        "X, y = np.ones((4, 2), np.float32), np.array([0, 1, 0, 1])\n"
        "h = t.fit(m, nn.CrossEntropyLoss(), rp.optim.SGD(m.parameters(), lr=0.1), (X, y),\n"
        "          epochs=1)\n"
        "print(len(h))\n"
        "try:\n"
        "    t.metrics.accuracy([0], [0])\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "1"
    assert "accuracy needs scikit-learn" in out.stdout and 'pip install -e ".[lab]"' in out.stdout


# ---- metrics ------------------------------------------------------------------------------
def classification_case(seed, n=60, c=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    logits[np.arange(n), y] += rng.uniform(0, 2, n).astype(np.float32)  # better than chance
    return y, logits


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_accuracy_on_logits_labels_and_binary_scores(seed):
    y, logits = classification_case(seed)
    expected = np.mean(logits.argmax(1) == y)
    assert metrics.accuracy(y, logits) == expected
    assert metrics.accuracy(rp.tensor(y), rp.tensor(logits)) == expected
    assert metrics.accuracy(y, logits.argmax(1)) == expected
    yb = (y % 2).astype(np.float32)[:, None]  # BCE-style float targets of shape (N, 1)
    prob = 1 / (1 + np.exp(-logits[:, :1]))
    assert metrics.accuracy(yb, prob) == np.mean((prob[:, 0] > 0.5) == yb[:, 0])
    assert metrics.accuracy(yb, logits[:, 0], threshold=0.0) == np.mean(
        (logits[:, 0] > 0) == yb[:, 0]
    )


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
@pytest.mark.parametrize("name", ["precision", "recall", "f1"])
def test_precision_recall_f1_match_sklearn(name, average):
    y, logits = classification_case(3)
    ours = getattr(metrics, name)(y, logits, average=average)
    sk = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}[name]
    np.testing.assert_allclose(ours, sk(y, logits.argmax(1), average=average), rtol=0, atol=0)


def test_precision_recall_f1_by_hand_on_a_binary_case():
    y, pred = [0, 0, 1, 1], [0, 1, 1, 1]
    assert metrics.precision(y, pred, average="binary") == pytest.approx(2 / 3)
    assert metrics.recall(y, pred, average="binary") == 1.0
    assert metrics.f1(y, pred, average="binary") == pytest.approx(0.8)
    assert metrics.precision(y, pred) == pytest.approx((1 + 2 / 3) / 2)  # macro by default
    assert metrics.precision([0, 0], [1, 1], average="binary") == 0.0  # zero_division


def test_confusion_matrix_matches_sklearn_and_counts():
    y, logits = classification_case(4, c=5)
    cm = metrics.confusion_matrix(y, logits)
    counts = np.zeros((5, 5), np.int64)
    np.add.at(counts, (y, logits.argmax(1)), 1)
    np.testing.assert_array_equal(cm, counts)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y, logits.argmax(1)))
    assert metrics.confusion_matrix([0, 1], [0, 0], num_classes=3).shape == (3, 3)
    rows = metrics.confusion_matrix(y, logits, normalize="true").sum(axis=1)
    np.testing.assert_allclose(rows[counts.sum(axis=1) > 0], 1.0)


def test_psnr_known_values():
    ref = np.zeros((2, 3, 4, 4), np.float32)
    assert metrics.psnr(ref, ref + 0.1) == pytest.approx(20.0)
    assert metrics.psnr(ref, ref + 25.5, data_range=255) == pytest.approx(20.0)
    assert metrics.psnr(ref, ref) == float("inf")
    rng = np.random.default_rng(0)
    a, b = rng.random((8, 8)), rng.random((8, 8))
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(1 / np.mean((a - b) ** 2)))


def test_metrics_bad_inputs():
    with pytest.raises(ValueError, match="whole numbers"):
        metrics.accuracy([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        metrics.accuracy([0, 1, 1], [[0.1, 0.9], [0.2, 0.8]])
    with pytest.raises(ValueError, match="average"):
        metrics.f1([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="at least one sample"):
        metrics.recall([], [])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        metrics.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="normalize"):
        metrics.confusion_matrix([0], [0], normalize="rows")
    with pytest.raises(ValueError, match="shape"):
        metrics.psnr(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="data_range"):
        metrics.psnr(np.zeros(3), np.ones(3), data_range=0)
    with pytest.raises(TypeError, match="callable"):
        metrics.get_metric(3)
    assert metrics.get_metric("acc") == ("acc", metrics.accuracy)
