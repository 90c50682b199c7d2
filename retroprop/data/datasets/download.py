"""Fetch a data set's original files: ``download(name, root=None)``.

Each file comes from its usual public address, is checked against its known checksum and is
written atomically: the bytes go to a temporary file in the same folder, are flushed to disk,
and only then renamed to the final name, so a folder never holds a half-written file. Files
already present are kept (``force=True`` fetches them again).

Without network access the call fails within a few seconds (short timeouts, a bounded name
lookup) with a :class:`DownloadError` that says which files to put in which folder and where
to get them. ``retroprop data download NAME`` is this function on the command line.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from retroprop._files import commit, write_temp
from retroprop.data.datasets.root import ENV_VAR, dataset_folder

# what a failed fetch raises: OSError covers URLError, HTTPError, timeouts and refused
# connections; HTTPException covers a connection cut in the middle of a response
_NETWORK_ERRORS = (OSError, http.client.HTTPException)


class DownloadError(RuntimeError):
    """A data set's files could not be fetched, or did not match their checksums."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a data set's folder and the checksum its bytes must have.

    ``sha256`` is the published one. ``git_blob_sha1`` (git's id for the file,
    ``sha1(b"blob <size>\\0" + content)``) stands in where no sha256 is published but public
    repositories record the file. ``what`` is a few words for messages.
    """

    name: str
    sha256: str | None = None
    git_blob_sha1: str | None = None
    what: str = ""


@dataclass(frozen=True)
class Source:
    """Where a data set's files come from.

    ``urls`` are tried in order: base addresses to which each file's name is appended or,
    when ``archive`` is true, addresses of one zip archive holding the files (found by name
    anywhere inside it). ``page`` describes the data; ``note`` is added to messages.
    """

    files: tuple[RemoteFile, ...]
    urls: tuple[str, ...]
    archive: bool = False
    page: str = ""
    note: str = ""


SOURCES: dict[str, Source] = {
    "mnist": Source(
        files=(
            RemoteFile(
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                what="60000 training images",
            ),
            RemoteFile(
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                what="60000 training labels",
            ),
            RemoteFile(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                what="10000 test images",
            ),
            RemoteFile(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                what="10000 test labels",
            ),
        ),
        urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        page="http://yann.lecun.com/exdb/mnist/",
    ),
    "usps": Source(
        files=(
            RemoteFile(
                "zip.train.gz",
                "66ebf231ab51f2cf6ac1a892d0f98ccffee1079d7a5db638c1f11f366046ca16",
                what="7291 training digits, ESL text format",
            ),
            RemoteFile(
                "zip.test.gz",
                "8dacc3c6e136af6c3488de9e5113a7daf140c8c2f1f0b61c54ee02f03f1a962f",
                what="2007 test digits, ESL text format",
            ),
        ),
        urls=(
            "https://hastie.su.domains/ElemStatLearn/datasets/",
            "https://web.stanford.edu/~hastie/ElemStatLearn/datasets/",
        ),
        page="https://hastie.su.domains/ElemStatLearn/data.html",
        note=(
            "Copies regenerated from the same numbers (as in the project's shared data folder) "
            "load the same; only the downloaded originals are checked against these sha256."
        ),
    ),
    "ecg5000": Source(
        files=(
            RemoteFile(
                "ECG5000_TRAIN.txt",
                "0d96aff193311a6dc6111bf0dbd2f7d2313987fbf7a1da4a383d92563876057b",
                what="500 beats, UCR text format",
            ),
            RemoteFile(
                "ECG5000_TEST.txt",
                git_blob_sha1="305ae1c597012624060310dbc529484767b2b2e3",
                what="4500 beats, UCR text format",
            ),
        ),
        urls=(
            "https://www.timeseriesclassification.com/aeon-toolkit/ECG5000.zip",
            "https://www.timeseriesclassification.com/ClassificationDownloads/ECG5000.zip",
        ),
        archive=True,
        page="https://www.timeseriesclassification.com/description.php?Dataset=ECG5000",
    ),
}


def _source(name: str) -> Source:
    if not isinstance(name, str) or name.lower() not in SOURCES:
        raise ValueError(
            f"download: unknown data set {name!r}; expected one of {', '.join(sorted(SOURCES))}"
        )
    return SOURCES[name.lower()]


def file_checksums(path: str | os.PathLike[str]) -> dict[str, str]:
    """The sha256 and the git blob SHA-1 of a file, as hex strings, read in one pass."""
    path = Path(path)
    sha256 = hashlib.sha256()
    git = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha256.update(chunk)
            git.update(chunk)
    return {"sha256": sha256.hexdigest(), "git_blob_sha1": git.hexdigest()}


def how_to_get(name: str, folder: Path, files: Sequence[str] | None = None) -> str:
    """Which files to put in ``folder`` for data set ``name`` and where to get them.

    Args:
        name: a key of :data:`SOURCES`.
        folder: the data set's folder.
        files: the names of the files to list (default: all of the set's files).
    """
    source = _source(name)
    wanted = [f for f in source.files if files is None or f.name in files]
    lines = [f"Put these files in {folder}:"]
    for f in wanted:
        checksum = f"sha256 {f.sha256}" if f.sha256 else f"git blob sha1 {f.git_blob_sha1}"
        lines.append(f"  {f.name}  ({f.what}; {checksum})")
    addresses = " or ".join(source.urls)
    if source.archive:
        lines.append(f"They are inside the zip archive at {addresses}.")
    else:
        lines.append(f"Get them from {addresses} (the address followed by the file name).")
    if source.page:
        lines.append(f"About the data: {source.page}")
    if source.note:
        lines.append(source.note)
    lines.append(
        f"On a machine with network access, `retroprop data download {name.lower()}` fetches "
        f"and checks them. {ENV_VAR} sets the data directory (it holds {name.lower()}/)."
    )
    return "\n".join(lines)


def require_files(
    name: str,
    files: Sequence[str],
    root: str | os.PathLike[str] | None = None,
    *,
    where: str,
    fetch: bool = False,
    note: str = "",
) -> Path:
    """The folder of data set ``name``, after checking that ``files`` are in it.

    Args:
        name: a key of :data:`SOURCES`.
        files: the file names the caller reads.
        root: the data directory (see :func:`data_root`).
        where: the caller's name, for the message.
        fetch: call :func:`download` first when a file is missing.
        note: a line added to the message.

    Raises:
        FileNotFoundError: naming the missing files, the folder and where to get them.
    """
    folder = dataset_folder(name, root)
    missing = [f for f in files if not (folder / f).is_file()]
    if missing and fetch:
        download(name, root)
        missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        note = f"{note}\n" if note else ""
        raise FileNotFoundError(
            f"{where}: missing {', '.join(missing)} in {folder}\n{note}"
            f"{how_to_get(name, folder, missing)}"
        )
    return folder


def download(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    timeout: float = 3.0,
) -> Path:
    """Fetch data set ``name``'s files into ``data_root(root) / name`` and return that folder.

    Args:
        name: ``'mnist'``, ``'usps'`` or ``'ecg5000'`` (the keys of :data:`SOURCES`).
        root: the data directory (default ``$RETROPROP_DATA``, else ``~/.cache/retroprop``).
        force: fetch files that are already present again.
        timeout: seconds allowed to look up a host, connect, or wait for the next bytes.

    Files already present are kept without any network access. The first file that no
    address can deliver stops the download: it raises :class:`DownloadError` listing each
    address tried and why it failed, then which files to put where by hand.
    """
    source = _source(name)
    folder = dataset_folder(name.lower(), root)
    missing = [f for f in source.files if force or not (folder / f.name).is_file()]
    if not missing:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(
            f"download({name!r}): cannot create {folder}: {e}\n{how_to_get(name, folder)}"
        ) from e
    errors: list[str] = []
    if source.archive:
        for url in source.urls:
            if missing:
                missing = _from_archive(url, folder, missing, timeout, errors)
    else:
        for f in list(missing):
            urls = [base + f.name for base in source.urls]
            if not any(_from_file(url, folder, f, timeout, errors) for url in urls):
                break
            missing.remove(f)
    if missing:
        tried = "\n".join(f"  {e}" for e in errors)
        raise DownloadError(
            f"download({name!r}): could not fetch {', '.join(f.name for f in missing)} "
            f"(no network access, or no address gave the expected bytes). Tried:\n{tried}\n"
            f"{how_to_get(name, folder, [f.name for f in missing])}"
        )
    return folder


def _from_file(url: str, folder: Path, f: RemoteFile, timeout: float, errors: list[str]) -> bool:
    """Fetch ``url`` into ``folder``; on failure, return False with the reason in ``errors``."""
    try:
        part = _fetch(url, folder, timeout)
    except _NETWORK_ERRORS as e:
        errors.append(f"{url}: {e}")
        return False
    return _install(part, folder, f, url, errors)


def _from_archive(
    url: str, folder: Path, missing: list[RemoteFile], timeout: float, errors: list[str]
) -> list[RemoteFile]:
    """Fetch the zip archive at ``url``, extract the missing files, return those still missing."""
    try:
        part = _fetch(url, folder, timeout)
    except _NETWORK_ERRORS as e:
        errors.append(f"{url}: {e}")
        return missing
    try:
        with zipfile.ZipFile(part) as archive:
            members = {PurePosixPath(m).name: m for m in archive.namelist()}
            left = []
            for f in missing:
                if f.name not in members:
                    errors.append(f"{url}: the archive holds no {f.name}")
                    left.append(f)
                    continue
                with archive.open(members[f.name]) as member:
                    extracted = _write_part(folder, member)
                if not _install(extracted, folder, f, f"{url} ({f.name})", errors):
                    left.append(f)
            return left
    except zipfile.BadZipFile as e:
        errors.append(f"{url}: not a zip archive ({e})")
        return missing
    finally:
        part.unlink(missing_ok=True)


def _fetch(url: str, folder: Path, timeout: float) -> Path:
    """Stream ``url`` into a temporary file in ``folder``."""
    _check_host_resolves(url, timeout)
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return _write_part(folder, response)


def _check_host_resolves(url: str, timeout: float) -> None:
    """Look up ``url``'s host within ``timeout`` seconds.

    urllib's timeout does not bound the name lookup, which can hang for tens of seconds on a
    machine whose DNS server is unreachable; the lookup runs in a thread we stop waiting for.
    Skipped when a proxy handles the scheme (the proxy resolves the name).
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.scheme in urllib.request.getproxies():
        return
    outcome: list[OSError | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(parts.hostname, parts.port or parts.scheme)
        except OSError as e:
            outcome.append(e)
        else:
            outcome.append(None)

    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"looking up {parts.hostname} took more than {timeout} s")
    if outcome[0] is not None:
        raise outcome[0]


def _write_part(folder: Path, stream: BinaryIO) -> Path:
    """Copy ``stream`` into a new hidden temporary file in ``folder``, flushed to disk."""
    return write_temp(folder, lambda out: shutil.copyfileobj(stream, out, 1 << 20), "download")


def _install(part: Path, folder: Path, f: RemoteFile, origin: str, errors: list[str]) -> bool:
    """Rename ``part`` to ``folder / f.name`` if its checksum matches, else delete it."""
    got = file_checksums(part)
    for kind in ("sha256", "git_blob_sha1"):
        expected = getattr(f, kind)
        if expected is not None and got[kind] != expected:
            part.unlink()
            errors.append(f"{origin}: {kind} is {got[kind]}, expected {expected}; not written")
            return False
    commit(part, folder / f.name)
    return True
