"""retroprop.data.datasets: the file loaders on the shared data, download, bundled sets.

The loaders read ``$RETROPROP_DATA`` (tests/conftest.py points it at ../shared/data); the
counts checked here are the ones the data folders' READMEs give. No test touches the network:
download is driven through a closed local port, a failing name lookup and file:// addresses.
"""

import dataclasses
import gzip
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
from retroprop.data import DataLoader
from retroprop.data.datasets import (
    ECG5000,
    MNIST,
    SOURCES,
    USPS,
    DownloadError,
    data_root,
    dataset_folder,
    download,
    file_checksums,
    gen_arti,
    load_digits,
    load_iris,
    load_wine,
    make_blobs2,
    make_checkerboard,
    make_regression1d,
    make_xor,
    read_idx,
)

DATA = data_root()
needs_data = pytest.mark.skipif(
    not (DATA / "mnist").is_dir(), reason="RETROPROP_DATA does not hold the shared data"
)


@pytest.fixture(scope="module")
def mnist_train():
    return MNIST(train=True)


@pytest.fixture(scope="module")
def mnist_test():
    return MNIST(train=False)


def _idx(path: Path, array: np.ndarray, code: int) -> None:
    """Write ``array`` as a gzipped IDX file with type ``code``."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def _small_mnist(root: Path, images: np.ndarray, labels: np.ndarray) -> None:
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    _idx(folder / "t10k-images-idx3-ubyte.gz", images, 0x08)
    _idx(folder / "t10k-labels-idx1-ubyte.gz", labels, 0x08)


# ---- data directory ----------------------------------------------------------------------


def test_data_root_prefers_argument_then_env_then_home_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("RETROPROP_DATA", str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root() == tmp_path / "env"
    assert dataset_folder("usps") == tmp_path / "env" / "usps"
    monkeypatch.delenv("RETROPROP_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "retroprop"
    with pytest.raises(TypeError, match="data_root: root must be a path or None, got int"):
        data_root(3)


# ---- MNIST -------------------------------------------------------------------------------


@needs_data
def test_mnist_train_split_matches_readme_counts_and_pixel_mean(mnist_train):
    x, y = mnist_train.arrays
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (60000,) and y.dtype == np.int64
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y, minlength=10).tolist() == counts
    assert x.mean(dtype=np.float64) * 255 == pytest.approx(33.3184, abs=1e-4)
    assert x.min() == 0.0 and x.max() == 1.0


@needs_data
def test_mnist_test_split_matches_readme_counts_and_pixel_mean(mnist_test):
    x, y = mnist_test.arrays
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(y, minlength=10).tolist() == counts
    assert x.mean(dtype=np.float64) * 255 == pytest.approx(33.7912, abs=1e-4)
    assert mnist_test.classes == [str(d) for d in range(10)]


@needs_data
def test_mnist_mean_and_std_constants_are_the_training_split_statistics(mnist_train):
    x = mnist_train.data
    assert x.mean(dtype=np.float64) == pytest.approx(MNIST.MEAN, abs=1e-7)
    assert x.std(dtype=np.float64) == pytest.approx(MNIST.STD, abs=1e-7)


@needs_data
def test_mnist_flatten_and_normalize(mnist_test):
    flat = MNIST(train=False, flatten=True, normalize=True)
    assert flat.data.shape == (10000, 784) and flat.data.dtype == np.float32
    expected = (mnist_test.data.reshape(10000, 784) - MNIST.MEAN) / MNIST.STD
    np.testing.assert_allclose(flat.data, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(flat.targets, mnist_test.targets)


@needs_data
def test_mnist_batches_through_the_dataloader(mnist_test):
    xb, yb = next(iter(DataLoader(mnist_test, batch_size=32, shuffle=True, seed=0)))
    assert xb.shape == (32, 1, 28, 28) and xb.dtype == np.float32 and yb.dtype == np.int64
    image, label = mnist_test[7]
    np.testing.assert_array_equal(image.numpy(), mnist_test.data[7])
    assert label.item() == mnist_test.targets[7]


def test_mnist_reads_any_well_formed_idx_set(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    _small_mnist(tmp_path, images, np.array([7, 0, 9], np.uint8))
    ds = MNIST(tmp_path, train=False)
    np.testing.assert_array_equal(ds.data[:, 0], images.astype(np.float32) / 255)
    assert ds.targets.tolist() == [7, 0, 9]


def test_mnist_missing_files_say_which_files_go_where(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path)
    message = str(info.value)
    assert (
        f"missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz in {tmp_path}" in message
    )
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in message
    assert "retroprop data download mnist" in message


def test_mnist_rejects_corrupt_and_inconsistent_files(tmp_path):
    images = np.zeros((2, 28, 28), np.uint8)
    _small_mnist(tmp_path, images, np.array([1, 2, 3], np.uint8))
    with pytest.raises(ValueError, match=r"must hold \(2,\) uint8 labels, one per image"):
        MNIST(tmp_path, train=False)
    _small_mnist(tmp_path, images, np.array([1, 12], np.uint8))
    with pytest.raises(ValueError, match="holds labels up to 12, expected 0..9"):
        MNIST(tmp_path, train=False)
    _small_mnist(tmp_path, np.zeros((2, 16, 16), np.uint8), np.array([1, 2], np.uint8))
    with pytest.raises(
        ValueError, match=r"must hold \(N, 28, 28\) uint8 images, got \(2, 16, 16\)"
    ):
        MNIST(tmp_path, train=False)
    (tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz is not a valid gzip file"):
        MNIST(tmp_path, train=False)


def test_read_idx_round_trips_types_and_checks_the_header(tmp_path):
    path = tmp_path / "a.idx.gz"
    values = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    _idx(path, values.astype(">i4"), 0x0C)
    out = read_idx(path)
    np.testing.assert_array_equal(out, values)
    assert out.dtype == np.int32 and out.dtype.isnative
    raw = tmp_path / "b.idx"
    raw.write_bytes(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 5) + bytes(range(5)))
    assert read_idx(raw).tolist() == [0, 1, 2, 3, 4]
    raw.write_bytes(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 5) + bytes(range(4)))
    with pytest.raises(ValueError, match=r"header gives shape \(5,\) of uint8, i.e. 13 bytes"):
        read_idx(raw)
    raw.write_bytes(bytes([8, 3, 0, 0]) + bytes(8))
    with pytest.raises(
        ValueError, match="does not start with an IDX magic number.*got 08 03 00 00"
    ):
        read_idx(raw)
    raw.write_bytes(bytes([0, 0, 0x08, 3, 0, 0]))
    with pytest.raises(ValueError, match="ends inside its header"):
        read_idx(raw)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.idx")


# ---- USPS --------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    "train, counts",
    [
        (True, [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]),
        (False, [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]),
    ],
)
def test_usps_splits_match_readme_counts_and_the_npz_copy(train, counts):
    ds = USPS(train=train)
    x, y = ds.arrays
    assert x.shape == (sum(counts), 1, 16, 16) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == counts
    assert x.min() == -1.0 and x.max() == 1.0
    split = "train" if train else "test"
    with np.load(DATA / "usps" / "usps.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(x[:, 0], npz[f"x_{split}"].astype(np.float32))
        np.testing.assert_array_equal(y, npz[f"y_{split}"])


@needs_data
def test_usps_flatten_and_rescale_to_unit_range():
    ds = USPS(train=False, flatten=True, rescale=True)
    assert ds.data.shape == (2007, 256)
    assert ds.data.min() == 0.0 and ds.data.max() == 1.0
    np.testing.assert_allclose(
        ds.data * 2 - 1, USPS(train=False).data.reshape(2007, 256), atol=1e-6
    )


def _usps_file(root: Path, lines: list[str]) -> None:
    (root / "usps").mkdir(parents=True, exist_ok=True)
    (root / "usps" / "zip.test.gz").write_bytes(gzip.compress("\n".join(lines).encode()))


def test_usps_rejects_missing_and_malformed_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"missing zip.test.gz in {tmp_path / 'usps'}"):
        USPS(tmp_path, train=False)
    good = "3 " + " ".join(["-1"] * 256)
    _usps_file(tmp_path, [good, "4 " + " ".join(["0.5"] * 255)])
    with pytest.raises(ValueError, match="expected lines of 257 values .* line 2 has 256"):
        USPS(tmp_path, train=False)
    _usps_file(tmp_path, [good, "11 " + " ".join(["0"] * 256)])
    with pytest.raises(ValueError, match="labels must be the integers 0..9, line 2 has 11"):
        USPS(tmp_path, train=False)
    _usps_file(tmp_path, [good, "1 " + " ".join(["2"] * 256)])
    with pytest.raises(ValueError, match=r"pixels must lie in \[-1, 1\]"):
        USPS(tmp_path, train=False)
    _usps_file(tmp_path, [good, "1 x" + " 0" * 255])
    with pytest.raises(ValueError, match="holds a value that is not a number"):
        USPS(tmp_path, train=False)
    (tmp_path / "usps" / "zip.test.gz").write_bytes(b"\x1f\x8b truncated")
    with pytest.raises(ValueError, match="zip.test.gz is not a gzip text file"):
        USPS(tmp_path, train=False)


# ---- ECG5000 -----------------------------------------------------------------------------


@needs_data
def test_ecg5000_train_file_matches_readme():
    ds = ECG5000()
    x, y = ds.arrays
    assert x.shape == (500, 140) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [292, 177, 10, 19, 2]
    np.testing.assert_allclose(x[0, :3], [-0.11252183, -2.8272038, -3.7738969], rtol=1e-6)
    assert x.min() == pytest.approx(-5.7976, abs=1e-4) and x.max() == pytest.approx(
        4.0581, abs=1e-4
    )
    assert ds.classes[0] == "normal" and len(ds.classes) == 5


@needs_data
def test_ecg5000_binary_labels_are_normal_versus_anomaly():
    ds = ECG5000(binary=True)
    assert np.bincount(ds.targets).tolist() == [292, 208]
    np.testing.assert_array_equal(ds.targets, (ECG5000().targets != 0).astype(np.int64))
    assert ds.classes == ["normal", "anomaly"]


@needs_data
def test_ecg5000_test_split_explains_the_missing_file():
    with pytest.raises(FileNotFoundError) as info:
        ECG5000(split="test")
    message = str(info.value)
    assert f"missing ECG5000_TEST.txt in {DATA / 'ecg5000'}" in message
    assert "4500 beats" in message and "random_split" in message
    assert "ECG5000.zip" in message


def test_ecg5000_reads_a_test_file_when_present_and_checks_it(tmp_path):
    folder = tmp_path / "ecg5000"
    folder.mkdir()
    rows = np.hstack([np.array([[1.0], [5.0], [2.0]]), np.linspace(-1, 1, 420).reshape(3, 140)])
    np.savetxt(folder / "ECG5000_TEST.txt", rows, fmt="%.7e")
    ds = ECG5000(tmp_path, split="test")
    assert ds.targets.tolist() == [0, 4, 1]
    np.testing.assert_allclose(ds.data, rows[:, 1:], rtol=1e-6)
    np.savetxt(folder / "ECG5000_TEST.txt", np.hstack([[[6.0]], rows[:1, 1:]]), fmt="%.7e")
    with pytest.raises(ValueError, match="classes must be the integers 1..5, row 1 has 6.0"):
        ECG5000(tmp_path, split="test")
    np.savetxt(folder / "ECG5000_TEST.txt", rows[:, :100], fmt="%.7e")
    with pytest.raises(ValueError, match=r"rows of 141 values .* got shape \(3, 100\)"):
        ECG5000(tmp_path, split="test")
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        ECG5000(tmp_path, split="val")


# ---- download ----------------------------------------------------------------------------


def _no_network(*args, **kwargs):
    raise AssertionError("the test tried to reach the network")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_data
def test_download_keeps_files_already_present_without_network(monkeypatch):
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    monkeypatch.setattr("socket.getaddrinfo", _no_network)
    assert download("MNIST") == DATA / "mnist"


def test_download_fails_fast_offline_and_says_which_files_go_where(monkeypatch, tmp_path):
    base = f"http://127.0.0.1:{_closed_port()}/mnist/"
    monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], urls=(base,)))
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download("mnist", tmp_path, timeout=30.0)
    # a refused connection must not wait for the 30 s timeout; 10 s leaves room for a slow CI
    assert time.monotonic() - start < 10.0
    message = str(info.value)
    assert f"{base}train-images-idx3-ubyte.gz: " in message
    assert f"Put these files in {tmp_path / 'mnist'}:" in message
    for f in SOURCES["mnist"].files:
        assert f"{f.name}  (" in message and f.sha256 in message
    assert "retroprop data download mnist" in message
    assert list((tmp_path / "mnist").iterdir()) == []


def test_download_fails_fast_when_names_do_not_resolve(monkeypatch, tmp_path):
    def unresolvable(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("socket.getaddrinfo", unresolvable)
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    with pytest.raises(DownloadError, match="Name or service not known") as info:
        download("usps", tmp_path)
    for url in SOURCES["usps"].urls:
        assert f"{url}zip.train.gz: " in str(info.value)
    with pytest.raises(DownloadError, match="could not fetch zip.train.gz, zip.test.gz"):
        USPS(tmp_path, train=False, download=True)


def test_download_gives_up_on_a_name_lookup_that_hangs(monkeypatch, tmp_path):
    release = threading.Event()  # the lookups hang (up to 60 s) until the test releases them
    monkeypatch.setattr("socket.getaddrinfo", lambda *args, **kwargs: release.wait(60))
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    start = time.monotonic()
    try:
        with pytest.raises(DownloadError, match=r"looking up \S+ took more than 0.2 s"):
            download("ecg5000", tmp_path, timeout=0.2)
        # gave up after the 0.2 s timeouts, not after the hang; 10 s leaves room for a slow CI
        assert time.monotonic() - start < 10.0
    finally:
        release.set()


def _file_source(monkeypatch, name: str, urls: tuple[str, ...], **changes) -> None:
    source = dataclasses.replace(SOURCES[name], urls=urls, **changes)
    monkeypatch.setitem(SOURCES, name, source)


def test_download_checks_sha256_and_falls_back_to_the_next_address(monkeypatch, tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    content = {f.name: f.name.encode() * 100 for f in SOURCES["usps"].files}
    files = []
    for f in SOURCES["usps"].files:
        (good / f.name).write_bytes(content[f.name])
        (bad / f.name).write_bytes(b"tampered")
        files.append(dataclasses.replace(f, sha256=file_checksums(good / f.name)["sha256"]))
    urls = (bad.as_uri() + "/", good.as_uri() + "/")
    _file_source(monkeypatch, "usps", urls, files=tuple(files))
    folder = download("usps", tmp_path / "root")
    assert sorted(p.name for p in folder.iterdir()) == ["zip.test.gz", "zip.train.gz"]
    for f in files:
        assert (folder / f.name).read_bytes() == content[f.name]
    _file_source(monkeypatch, "usps", urls[:1], files=tuple(files))
    with pytest.raises(DownloadError, match="sha256 is [0-9a-f]{64}, expected .*; not written"):
        download("usps", tmp_path / "other")
    assert list((tmp_path / "other" / "usps").iterdir()) == []


@needs_data
def test_download_extracts_archive_members_and_checks_git_blob_ids(monkeypatch, tmp_path):
    train = DATA / "ecg5000" / "ECG5000_TRAIN.txt"
    archive = tmp_path / "ECG5000.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(train, "ECG5000/ECG5000_TRAIN.txt")
        z.writestr("ECG5000/ECG5000_TEST.txt", "1.0 2.0\n")
    _file_source(monkeypatch, "ecg5000", (archive.as_uri(),))
    with pytest.raises(DownloadError, match="ECG5000_TEST.txt\\): git_blob_sha1 is"):
        download("ecg5000", tmp_path / "root")
    folder = tmp_path / "root" / "ecg5000"
    assert [p.name for p in folder.iterdir()] == ["ECG5000_TRAIN.txt"]
    assert (folder / "ECG5000_TRAIN.txt").read_bytes() == train.read_bytes()
    (tmp_path / "notzip.zip").write_bytes(b"plain text")
    _file_source(monkeypatch, "ecg5000", ((tmp_path / "notzip.zip").as_uri(),))
    with pytest.raises(DownloadError, match="not a zip archive"):
        download("ecg5000", tmp_path / "root")


@needs_data
def test_file_checksums_match_the_published_ones():
    sums = file_checksums(DATA / "ecg5000" / "ECG5000_TRAIN.txt")
    assert sums["sha256"] == SOURCES["ecg5000"].files[0].sha256
    assert sums["git_blob_sha1"] == "7f0d711c984c79616e09a430dbd2c5d89fed2416"
    labels = SOURCES["mnist"].files[3]
    assert file_checksums(DATA / "mnist" / labels.name)["sha256"] == labels.sha256


def test_download_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="unknown data set 'cifar10'; expected one of ecg5000"):
        download("cifar10")


# ---- scikit-learn's bundled sets ---------------------------------------------------------


@pytest.mark.parametrize(
    "load, shape, counts",
    [
        (load_iris, (150, 4), [50, 50, 50]),
        (load_wine, (178, 13), [59, 71, 48]),
        (load_digits, (1797, 64), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]),
    ],
)
def test_sklearn_sets_give_float32_inputs_and_int64_labels(load, shape, counts):
    ds = load()
    assert ds.data.shape == shape and ds.data.dtype == np.float32
    assert ds.targets.dtype == np.int64 and np.bincount(ds.targets).tolist() == counts
    assert len(ds.classes) == len(counts)
    x, y = load(return_X_y=True)
    np.testing.assert_array_equal(x, ds.data)
    np.testing.assert_array_equal(y, ds.targets)


def test_load_digits_as_images():
    x, _ = load_digits(return_X_y=True, images=True)
    assert x.shape == (1797, 1, 8, 8) and x.min() == 0 and x.max() == 16
    np.testing.assert_array_equal(x.reshape(1797, 64), load_digits().data)


def test_sklearn_sets_say_how_to_install_the_lab_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(
        ImportError, match=r'load_wine needs scikit-learn .*pip install -e "\.\[lab\]"'
    ):
        load_wine()


# ---- generated data ----------------------------------------------------------------------


@given(n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_generators_give_n_balanced_shuffled_points(n, seed):
    for make, blobs in ((make_blobs2, 2), (make_xor, 4)):
        x, y = make(n, seed=seed, return_X_y=True)
        assert x.shape == (n, 2) and x.dtype == np.float32 and y.dtype == np.int64
        per_blob = n // blobs + (np.arange(blobs) < n % blobs)
        assert y.sum() == per_blob[: blobs // 2].sum()  # class 1: the first half of the blobs
    x, y = make_checkerboard(n, seed=seed, return_X_y=True)
    assert x.shape == (n, 2) and set(y.tolist()) <= {0, 1}
    assert np.abs(x).max() <= 4


def test_two_blobs_split_by_a_line_and_xor_by_the_signs_of_the_coordinates():
    x, y = make_blobs2(400, sigma=0.2, seed=0, return_X_y=True)
    np.testing.assert_array_equal(x.sum(axis=1) > 0, y == 1)
    x, y = make_xor(400, sigma=0.2, seed=0, return_X_y=True)
    np.testing.assert_array_equal(x[:, 0] * x[:, 1] > 0, y == 1)


def test_checkerboard_labels_follow_the_unit_squares():
    x, y = make_checkerboard(2000, seed=3, return_X_y=True)
    parity = np.ceil(x).astype(int).sum(axis=1) % 2
    np.testing.assert_array_equal(parity, y)
    assert abs(y.mean() - 0.5) < 0.05


def test_signed_labels_and_seeds_reproduce():
    a = make_xor(50, sigma=0.3, noise=0.1, seed=7)
    b = make_xor(50, sigma=0.3, noise=0.1, signed=True, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(2 * a.targets - 1, b.targets)
    assert b.classes == ["-1", "+1"]
    rp.manual_seed(5)
    first = make_blobs2(20).data
    rp.manual_seed(5)
    np.testing.assert_array_equal(make_blobs2(20).data, first)


def test_noise_and_sigma_set_the_spread():
    x, y = make_blobs2(20000, sigma=0.3, noise=0.4, center=(2.0, -1.0), seed=1, return_X_y=True)
    spread = x[y == 1] - np.array([2.0, -1.0], np.float32)
    np.testing.assert_allclose(spread.std(axis=0), [0.5, 0.5], rtol=0.03)


def test_gen_arti_follows_mltools_conventions():
    x, y = gen_arti(sigma=0.25, nbex=20000, data_type=0, epsilon=0.0, seed=0)
    assert x.shape == (20000, 2) and x.dtype == np.float32
    assert y.shape == (20000, 1) and y.dtype == np.float32 and set(np.unique(y)) == {-1.0, 1.0}
    # sigma is the variance, as mltools' covariance np.diag([sigma, sigma])
    np.testing.assert_allclose(x[y[:, 0] == 1].std(axis=0), [0.5, 0.5], rtol=0.03)
    x, y = gen_arti(nbex=101, data_type=1, seed=0)
    np.testing.assert_array_equal(x[:, 0] * x[:, 1] > 0, y[:, 0] == 1)
    x, y = gen_arti(nbex=30, data_type=2, epsilon=0.0, seed=0)
    np.testing.assert_array_equal(np.ceil(x).astype(int).sum(axis=1) % 2 == 1, y[:, 0] == 1)


def test_make_regression1d_is_a_noisy_line():
    x, y, coef = make_regression1d(50, bias=2.0, seed=0, return_X_y=True, return_coef=True)
    assert x.shape == y.shape == (50, 1) and y.dtype == np.float32 and 0 <= coef < 100
    np.testing.assert_allclose(y, coef * x + 2.0, rtol=1e-5, atol=1e-4)
    ds, coef = make_regression1d(20000, noise=30.0, coef=3.0, seed=1, return_coef=True)
    assert coef == 3.0
    residual = ds.targets - 3.0 * ds.data
    assert residual.std() == pytest.approx(30.0, rel=0.03)
    assert make_regression1d(7, seed=1).data.shape == (7, 1)


def test_generators_reject_bad_arguments():
    with pytest.raises(ValueError, match="make_xor: n_samples must be positive, got 0"):
        make_xor(0)
    with pytest.raises(TypeError, match="make_blobs2: n_samples must be an integer, got float"):
        make_blobs2(10.0)
    with pytest.raises(ValueError, match="make_blobs2: sigma must be a finite number >= 0, got -1"):
        make_blobs2(10, sigma=-1)
    with pytest.raises(ValueError, match=r"make_xor: center must be a number or a pair"):
        make_xor(10, center=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="make_checkerboard: pass either generator= or seed="):
        make_checkerboard(10, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="make_regression1d: generator must be a numpy"):
        make_regression1d(10, generator=np.random.RandomState(0))
    with pytest.raises(ValueError, match="gen_arti: data_type must be 0 .* got 3"):
        gen_arti(data_type=3)
    with pytest.raises(ValueError, match="gen_arti: epsilon must be a finite number >= 0"):
        gen_arti(epsilon=float("nan"))
    with pytest.raises(ValueError, match="gen_arti: nbex must be positive, got -5"):
        gen_arti(nbex=-5)


def test_package_import_does_not_load_the_lab_extra():
    lab = "{'sklearn', 'scipy', 'matplotlib'}"
    code = f"import sys, retroprop; print(sorted({lab} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
