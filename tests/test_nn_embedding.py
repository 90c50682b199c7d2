"""Embedding and F.embedding against PyTorch: lookup, scatter-add gradient with repeated
indices, padding_idx, from_pretrained, state_dict, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F


@given(
    num=st.integers(1, 12),
    dim=st.integers(1, 5),
    index_shape=st.sampled_from([(7,), (3, 4), (2, 3, 2)]),
    padding=st.sampled_from([None, 0, -1, 2]),
    seed=st.integers(0, 1000),
)
def test_embedding_matches_torch(num, dim, index_shape, padding, seed):
    rng = np.random.default_rng(seed)
    if padding is not None and not -num <= padding < num:
        padding = None
    weight = rng.standard_normal((num, dim)).astype(np.float32)
    idx = rng.integers(0, num, index_shape)  # small tables: many repeated indices
    assert_parity(
        lambda w, i: F.embedding(i, w, padding),
        lambda w, i: torch.nn.functional.embedding(i, w, padding),
        [weight, idx],
    )


def test_embedding_gradient_adds_repeated_rows_and_skips_padding():
    emb = nn.Embedding(4, 2, padding_idx=1)
    out = emb(rp.tensor([[0, 1, 0], [3, 1, 0]]))
    out.backward(rp.ones(2, 3, 2))
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[3, 3], [0, 0], [0, 0], [1, 1]])
    np.testing.assert_array_equal(
        out.detach().numpy()[0, 1], [0, 0]
    )  # the padding row starts at zero


def test_gradcheck_embedding_in_float64():
    rng = np.random.default_rng(1)
    idx = np.array([[0, 2, 2], [1, 0, 3]])
    check_grad(lambda w, i: F.embedding(i, w), [rng.standard_normal((4, 3)), idx])


def test_embedding_module_state_dict_loads_both_ways():
    tm = torch.nn.Embedding(10, 4, padding_idx=-2)
    rm = nn.Embedding(10, 4, padding_idx=-2)
    assert rm.padding_idx == tm.padding_idx == 8
    assert repr(rm) == repr(tm)
    rm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    idx = np.array([[1, 8, 9], [8, 0, 1]])
    np.testing.assert_array_equal(
        rm(rp.tensor(idx)).detach().numpy(), tm(torch.tensor(idx)).detach().numpy()
    )
    back = torch.nn.Embedding(10, 4)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in rm.state_dict().items()})
    np.testing.assert_array_equal(back.weight.detach().numpy(), rm.weight.detach().numpy())


def test_embedding_initialisation_is_standard_normal_with_zero_padding_row():
    rp.manual_seed(0)
    w = nn.Embedding(2000, 50, padding_idx=3).weight.detach().numpy()
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w[3], 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_from_pretrained_copies_and_freezes():
    table = rp.randn(5, 3)
    emb = nn.Embedding.from_pretrained(table)
    np.testing.assert_array_equal(emb.weight.numpy(), table.numpy())
    assert not emb.weight.requires_grad
    assert emb.weight.numpy() is not table.numpy()
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_rejects_bad_indices_and_arguments():
    emb = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range .* \[0, 4\]"):
        emb(rp.tensor([0, 5]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(rp.tensor([[-1, 2]]))
    with pytest.raises(TypeError, match="embedding: expected integer indices, got dtype float32"):
        emb(rp.tensor([0.0, 1.0]))
    in_range = r"must be within num_embeddings \(5\), i.e. in \[-5, 4\]"
    with pytest.raises(ValueError, match=rf"^Embedding: padding_idx=5 {in_range}"):
        nn.Embedding(5, 3, padding_idx=5)  # at construction, as PyTorch
    with pytest.raises(ValueError, match=rf"^embedding: padding_idx=-6 {in_range}"):
        F.embedding(rp.tensor([0]), rp.randn(5, 3), padding_idx=-6)
    with pytest.raises(ValueError, match="embedding: weight must be"):
        F.embedding(rp.tensor([0]), rp.randn(5))
