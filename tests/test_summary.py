"""rp.summary: rows, output shapes and parameter counts of a torchinfo-style table."""

import numpy as np
import pytest

import retroprop as rp
import retroprop.nn as nn
from retroprop.nn.summary import ModelStatistics


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.body = nn.Sequential(nn.Linear(784, 128), nn.Identity(), nn.Linear(128, 64))
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.body(self.flatten(x)))


def test_mlp_totals_match_a_hand_count():
    stats = rp.summary(MLP(), (1, 28, 28))
    assert isinstance(stats, ModelStatistics)
    hand = (784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)
    assert stats.total_params == stats.trainable_params == hand == 109_386
    assert stats.non_trainable_params == 0


def test_rows_give_depth_index_shape_and_own_parameters():
    stats = rp.summary(MLP(), (1, 28, 28), batch_size=4)
    rows = [(r.type_name, r.var_name, r.depth, r.index, r.output_shape, r.num_params)
            for r in stats.summary_list]  # fmt: skip
    assert rows == [
        ("MLP", "", 0, 1, (4, 10), 0),
        ("Flatten", "flatten", 1, 1, (4, 784), 0),
        ("Sequential", "body", 1, 2, (4, 64), 0),
        ("Linear", "0", 2, 1, (4, 128), 100_480),
        ("Identity", "1", 2, 2, (4, 128), 0),
        ("Linear", "2", 2, 3, (4, 64), 8_256),
        ("Linear", "head", 1, 3, (4, 10), 650),
    ]
    assert sum(r.num_params for r in stats.summary_list) == stats.total_params


def test_table_text_looks_like_torchinfo():
    text = str(rp.summary(MLP(), (784,)))
    lines = text.splitlines()
    assert lines[1].startswith("Layer (type (var_name):depth-idx)")
    assert "Output Shape" in lines[1] and "Param #" in lines[1]
    assert lines[3].split() == ["MLP", "[1,", "10]", "--"]
    assert "├─Sequential (body): 1-2" in text
    assert any(line.split() == ["│", "└─Linear", "(0):", "2-1", "[1,", "128]", "100,480"]
               for line in lines)  # fmt: skip
    assert "Total params: 109,386" in text and "Trainable params: 109,386" in text
    assert "Non-trainable params: 0" in text
    assert repr(rp.summary(MLP(), (784,))) == text


def test_frozen_and_shared_parameters():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(8, 8)
            self.frozen = nn.Linear(8, 4).requires_grad_(False)

        def forward(self, x):
            return self.frozen(self.enc(self.enc(x)))

    stats = rp.summary(Tied(), (8,))
    assert stats.total_params == 72 + 36
    assert stats.trainable_params == 72 and stats.non_trainable_params == 36
    assert [r.recursive for r in stats.summary_list] == [False, False, True, False]
    assert "(recursive)" in str(stats)
    assert sum(r.num_params for r in stats.summary_list) == stats.total_params


def test_summary_restores_modes_removes_hooks_and_prints_nothing(capsys):
    model = MLP().double()
    model.body.eval()
    stats = rp.summary(model, (784,), dtype=rp.float64)
    assert capsys.readouterr().out == ""
    assert model.training and not model.body.training and model.head.training
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert stats.input_bytes == 784 * 8


def test_several_inputs_and_tuple_outputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 2)
            self.b = nn.Linear(5, 2)

        def forward(self, x, y):
            return self.a(x), self.b(y)

    stats = rp.summary(Two(), [(3,), (7, 5)])
    assert [r.output_shape for r in stats.summary_list] == [(1, 2), (1, 2), (1, 7, 2)]
    assert stats.total_params == 8 + 12


def test_failing_forward_names_the_layers_reached():
    with pytest.raises(RuntimeError, match=r"forward pass of MLP .* failed .*Linear: 2-1"):
        rp.summary(MLP(), (100,))
    with pytest.raises(TypeError, match="expected a Module"):
        rp.summary(np.ones(3), (3,))


def test_course_keras_cnn_parameter_counts():
    """The course's check on the Keras CNN for 32x32x3 images (seed 004): Conv2D(32, 3x3)
    relu, MaxPooling2D(2), Conv2D(64, 3x3) relu, MaxPooling2D(2), Conv2D(64, 3x3) relu gives
    896, 18,496 and 36,928 parameters (3x3xC_in weights + 1 bias per filter), 56,320 in all,
    and Keras's output shapes 30x30x32, 15x15x32, 13x13x64, 6x6x64, 4x4x64 (NCHW here)."""
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
    )  # fmt: skip
    stats = rp.summary(model, (3, 32, 32))
    rows = [(r.type_name, r.output_shape, r.num_params) for r in stats.summary_list[1:]]
    assert rows == [
        ("Conv2d", (1, 32, 30, 30), 896),
        ("ReLU", (1, 32, 30, 30), 0),
        ("MaxPool2d", (1, 32, 15, 15), 0),
        ("Conv2d", (1, 64, 13, 13), 18_496),
        ("ReLU", (1, 64, 13, 13), 0),
        ("MaxPool2d", (1, 64, 6, 6), 0),
        ("Conv2d", (1, 64, 4, 4), 36_928),
        ("ReLU", (1, 64, 4, 4), 0),
    ]
    assert stats.total_params == stats.trainable_params == 56_320
    assert "Total params: 56,320" in str(stats)
