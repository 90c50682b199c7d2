"""The shared training loop: a GAN with two optimisers on one step function, checkpoints of
the whole State (within epochs too), bitwise resume after a kill, the time budget, the
evaluation cadence, divergence, and the State's rules."""

import json
import signal

import numpy as np
import pytest
import safetensors.numpy

import retroprop as rp
import retroprop.nn as nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.train import State, TrainingDiverged, loop, read_checkpoint
from tests.kill_harness import ROOT, kill_and_resume

# A small GAN on 2-D points: G and D with their own Adam settings, a schedule on D's learning
# rate, dropout in D (the global generator), a noise generator held by the State, a step
# counter, and a checkpoint after every batch (checkpoint_minutes=0).
# argv: OUT MODE, MODE in {full, killed, resume}; 'killed' parks in epoch 2 (index 1) after
# 2 batches, with a marker file, for the test to kill it there.
GAN = r"""
import json, os, sys, time
import numpy as np
import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop.data import DataLoader, TensorDataset
from retroprop.train import State, loop

out, mode = sys.argv[1], sys.argv[2]


def build(seed):
    rp.manual_seed(seed)
    rng = np.random.default_rng(seed)
    real = (rng.normal(size=(96, 2)) * [0.5, 0.2] + [1.0, -1.0]).astype(np.float32)
    G = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Dropout(0.2), nn.Linear(16, 1))
    opt_d = rp.optim.Adam(D.parameters(), lr=4e-3, betas=(0.5, 0.999))
    opt_g = rp.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.9))
    return State(G=G, D=D, opt_g=opt_g, opt_d=opt_d,
                 sched_d=rp.optim.lr_scheduler.StepLR(opt_d, step_size=1, gamma=0.7),
                 data=DataLoader(TensorDataset(real), batch_size=16, shuffle=True, seed=seed),
                 noise=np.random.default_rng(seed + 1), steps=0)


def step(s, batch):
    (x,) = batch
    z = rp.tensor(s.noise.normal(size=(len(x), 3)).astype(np.float32))
    fake = s.G(z)
    s.opt_d.zero_grad()
    real_logit, fake_logit = s.D(x), s.D(fake.detach())
    loss_d = (F.binary_cross_entropy_with_logits(real_logit, rp.ones_like(real_logit))
              + F.binary_cross_entropy_with_logits(fake_logit, rp.zeros_like(fake_logit)))
    loss_d.backward()
    s.opt_d.step()
    s.opt_g.zero_grad()
    gen_logit = s.D(fake)
    loss_g = F.binary_cross_entropy_with_logits(gen_logit, rp.ones_like(gen_logit))
    loss_g.backward()
    s.opt_g.step()
    s.steps += 1
    if mode == "killed" and s.steps == 6 + 2:
        open(os.path.join(out, "stalled"), "w").close()
        time.sleep(120)
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}


def evaluate(s):
    with rp.no_grad():
        z = rp.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3))
        return {"fake_mean_x": float(s.G(z).numpy()[:, 0].mean())}


def end(s, epoch, logs):
    s.sched_d.step()


with open(os.path.join(out, "steps.txt"), "a") as f:
    f.write(f"start\n")
state = build(0)
history = loop(state, step, state.data, epochs=4, evaluate=evaluate, eval_every=2,
               on_epoch_end=end, checkpoint_dir=os.path.join(out, "ckpt"),
               resume=mode == "resume", checkpoint_minutes=0, verbose=0)
rp.save({**{f"G.{k}": v for k, v in state.G.state_dict().items()},
         **{f"D.{k}": v for k, v in state.D.state_dict().items()}},
        os.path.join(out, "weights.safetensors"))
with open(os.path.join(out, "history.json"), "w") as f:
    json.dump({"history": history.history, "epoch": history.epoch, "steps": state.steps,
               "lr_d": state.opt_d.param_groups[0]["lr"],
               "noise": state.noise.normal(size=3).tolist()}, f)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_gan_killed_mid_epoch_two_resumes_to_the_same_bits(tmp_path):
    def parked(run):
        # after batch 2 of epoch 2 (6 batches an epoch): the last checkpoint is mid-epoch
        ckpt = read_checkpoint(run / "ckpt" / "last.safetensors")
        assert (ckpt["epoch"], ckpt["batch"]) == (1, 1)
        assert ckpt["state"]["values"]["steps"] == 7
        assert not (run / "weights.safetensors").exists()

    full, run = kill_and_resume(GAN, tmp_path, parked)
    a = safetensors.numpy.load_file(full / "weights.safetensors")
    b = safetensors.numpy.load_file(run / "weights.safetensors")
    assert a.keys() == b.keys() and len(a) == 8 and all(np.array_equal(a[k], b[k]) for k in a)
    ha = json.loads((full / "history.json").read_text())
    hb = json.loads((run / "history.json").read_text())
    assert ha == hb and ha["epoch"] == [0, 1, 2, 3] and ha["steps"] == 24
    assert ha["lr_d"] == pytest.approx(4e-3 * 0.7**4)
    # evaluated every 2nd epoch: epochs 1 and 3 (from 0)
    assert len(ha["history"]["fake_mean_x"]) == 2 and len(ha["history"]["loss_d"]) == 4


# ---- in-process --------------------------------------------------------------------------
def regression_state(seed=0, n=64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)
    model = nn.Linear(3, 1)
    return State(
        model=model,
        opt=rp.optim.SGD(model.parameters(), lr=0.05),
        data=DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=seed),
        fixed=TensorDataset(X, y),
    )


def mse_step(s, batch):
    x, y = batch
    s.opt.zero_grad()
    loss = ((s.model(x) - y) ** 2).mean()
    loss.backward()
    s.opt.step()
    return {"loss": loss}


def test_the_epoch_log_is_the_sample_weighted_mean_of_the_steps():
    rp.manual_seed(0)
    s = regression_state(n=40)  # batches of 16, 16, 8
    seen = []

    def step(state, batch):
        seen.append((len(batch[0]), float(len(seen))))
        return {"k": float(len(seen) - 1)}

    history = loop(s, step, s.data, epochs=1, verbose=0)
    assert history["k"] == [pytest.approx((0 * 16 + 1 * 16 + 2 * 8) / 40)]


def test_max_minutes_stops_after_an_epoch_and_resume_continues_to_the_same_bits(tmp_path):
    rp.manual_seed(0)
    ref = regression_state()
    loop(ref, mse_step, ref.data, epochs=3, verbose=0)

    rp.manual_seed(0)
    s = regression_state()
    h = loop(s, mse_step, s.data, epochs=3, verbose=0, checkpoint_dir=tmp_path, max_minutes=0)
    assert h.stop_reason == "max_minutes" and h.epoch == [0]
    s = regression_state()
    h = loop(s, mse_step, s.data, epochs=3, verbose=0, checkpoint_dir=tmp_path, resume=True)
    assert h.stop_reason is None and h.epoch == [0, 1, 2]
    assert np.array_equal(s.model.weight.detach().numpy(), ref.model.weight.detach().numpy())


def test_a_non_finite_logged_number_stops_with_the_last_good_checkpoint(tmp_path):
    s = regression_state()
    calls = []

    def step(state, batch):
        calls.append(1)
        return {"loss_g": float("nan") if len(calls) == 7 else 1.0}

    with pytest.raises(TrainingDiverged, match=r"'loss_g' became nan at epoch 2, batch 3") as e:
        loop(s, step, s.data, epochs=3, verbose=0, checkpoint_dir=tmp_path)
    assert e.value.checkpoint == str(tmp_path / "last.safetensors")
    assert read_checkpoint(e.value.checkpoint)["epoch"] == 1


def test_state_saves_every_kind_and_refuses_what_it_cannot_save():
    s = regression_state()
    s.buffer = np.arange(3.0)
    s.t = rp.zeros(2)
    s.gen = np.random.default_rng(5)
    s.info = {"k": [1, 2], "name": "x"}
    saved = s.state_dict()
    assert "fixed" not in saved["kinds"]  # a Dataset is fixed data, rebuilt by build
    assert saved["kinds"] == {
        "model": "state_dict", "opt": "state_dict", "data": "state_dict", "buffer": "array",
        "t": "tensor", "gen": "generator", "info": "value",
    }  # fmt: skip
    s.buffer += 1
    s.t.numpy()[:] = 7
    first = s.gen.normal()
    s.info = {}
    s.load_state_dict(saved)
    assert s.buffer.tolist() == [0, 1, 2] and s.t.numpy().tolist() == [0, 0]
    assert s.gen.normal() == first and s.info == {"k": [1, 2], "name": "x"}
    s.extra = object()
    with pytest.raises(TypeError, match="attribute 'extra' \\(object\\) cannot be checkpointed"):
        s.state_dict()
    other = regression_state()
    with pytest.raises(ValueError, match="build the State as for the saved run"):
        other.load_state_dict(saved)


def test_loop_bad_arguments_name_what_is_wrong(tmp_path):
    s = regression_state()
    with pytest.raises(TypeError, match="state must be a retroprop.train.State"):
        loop({"model": 1}, mse_step, s.data, epochs=1)
    with pytest.raises(TypeError, match="data must be a DataLoader"):
        loop(s, mse_step, [1, 2], epochs=1)
    with pytest.raises(ValueError, match="eval_every"):
        loop(s, mse_step, s.data, epochs=1, eval_every=0)
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        loop(s, mse_step, s.data, epochs=1, resume=True)
    with pytest.raises(TypeError, match="step logged 'x' = 'a'"):
        loop(s, lambda st, b: {"x": "a"}, s.data, epochs=1, verbose=0)
    (tmp_path / "last.safetensors").write_bytes(b"\x00" * 12)
    with pytest.raises(ValueError, match="damaged or truncated"):
        loop(s, mse_step, s.data, epochs=1, checkpoint_dir=tmp_path, resume=True)


def test_the_gan_example_of_docs_train_md_runs(tmp_path, monkeypatch):
    import re

    page = (ROOT / "docs" / "train.md").read_text()
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", page, flags=re.S) if "State(" in b]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "docs/train.md", "exec"), namespace)
    history = namespace["history"]
    assert len(history["loss_d"]) == 5 and len(history["fake_mean"]) == 5
    assert (tmp_path / "runs" / "gan" / "last.safetensors").is_file()
