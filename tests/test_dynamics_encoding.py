"""Series <-> image encoding for the GAN: layout, scaling, exact inverse, saved statistics."""

import numpy as np
import pytest

from retroprop.dynamics import SeriesImageCodec


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    return rng.standard_normal((5, 3, 1024)) * [[10.0], [12.0], [8.0]] + [[0.0], [0.0], [25.0]]


def test_encode_lays_samples_out_row_major_in_minus_one_to_one(series):
    codec = SeriesImageCodec(32).fit(series)
    images = codec.encode(series)
    assert images.shape == (5, 3, 32, 32)
    assert images.min() == pytest.approx(-1.0) and images.max() == pytest.approx(1.0)
    for c in range(3):  # every channel reaches both ends of the range
        assert images[:, c].min() == pytest.approx(-1.0)
        assert images[:, c].max() == pytest.approx(1.0)
    c, t = 2, 1000
    lo, hi = series[:, c].min(), series[:, c].max()
    expected = 2 * (series[3, c, t] - lo) / (hi - lo) - 1
    assert images[3, c, t // 32, t % 32] == pytest.approx(expected, rel=1e-12)


def test_decode_inverts_encode_exactly_even_outside_the_fitted_range(series):
    codec = SeriesImageCodec(32).fit(series[:2])
    np.testing.assert_allclose(codec.decode(codec.encode(series)), series, rtol=0, atol=1e-12)
    assert np.abs(codec.encode(series)).max() > 1.0  # not clipped


def test_float32_stays_float32(series):
    x = series.astype(np.float32)
    codec = SeriesImageCodec(32).fit(x)
    assert codec.encode(x).dtype == np.float32 and codec.decode(codec.encode(x)).dtype == np.float32


def test_statistics_survive_a_state_dict_round_trip(series):
    codec = SeriesImageCodec(32).fit(series)
    other = SeriesImageCodec(8)
    other.load_state_dict(codec.state_dict())
    assert other.side == 32
    np.testing.assert_array_equal(other.encode(series), codec.encode(series))


def test_bad_inputs_are_refused(series):
    codec = SeriesImageCodec(32)
    with pytest.raises(RuntimeError, match="call fit"):
        codec.encode(series)
    with pytest.raises(ValueError, match=r"expected shape \(\.\.\., channels, 1024\)"):
        codec.fit(series[..., :1000])
    codec.fit(series)
    with pytest.raises(ValueError, match="fitted on 3 channels, got 2"):
        codec.decode(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="a channel is constant"):
        SeriesImageCodec(2).fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="side must be a positive integer"):
        SeriesImageCodec(0)
