"""Reading the arrays of an ``.npz`` file quickly and without pickles."""

from __future__ import annotations

import hashlib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from .strings import PackedStrings

__all__ = ["read_arrays", "read_verified", "pack_strings", "unpack_strings", "sha256_file"]

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def read_arrays(path) -> dict:
    """Every array of an ``.npz`` file, without pickles.

    Members stored uncompressed (as :func:`numpy.savez` writes them) are read
    straight from their offset in the file, skipping zipfile's CRC-32 pass:
    the SHA-256 of the whole file, checked against the manifest, already
    guards every byte, and a million documents' arrays load in half the time.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as f:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            f.seek(info.header_offset)
            local = f.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header of {info.filename}")
            name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
            f.seek(info.header_offset + 30 + name_len + extra_len)
            version = np.lib.format.read_magic(f) if info.compress_type == zipfile.ZIP_STORED else None
            header = _HEADER_READERS.get(version)
            if header is None:  # compressed, or a format version written by some other tool: zipfile reads it
                with archive.open(info) as member:
                    arrays[key] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            shape, fortran, dtype = header(f)
            if dtype.hasobject:
                raise ValueError(f"{key} holds Python objects")
            count = int(np.prod(shape, dtype=np.int64))
            data = np.fromfile(f, dtype=dtype, count=count)
            if data.size != count:
                raise EOFError(f"{key} is truncated")
            arrays[key] = data.reshape(shape[::-1]).T if fortran else data.reshape(shape)
    return arrays


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verified(path: Path, expected: str, remedy: str = "re-run `topicmf run`") -> dict:
    """The arrays of a run's ``.npz`` file, its SHA-256 checked against the manifest's ``expected``.

    The file is hashed in a second thread while its arrays are read (hashlib
    releases the GIL); a mismatch is reported before any reading error.
    """
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(sha256_file, path)
        try:
            arrays = read_arrays(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            if digest.result() != expected:
                raise TopicmfError(f"{path} does not match its manifest (truncated or modified); {remedy}") from None
            raise TopicmfError(f"{path} is unreadable ({type(exc).__name__}: {exc})") from None
        if digest.result() != expected:
            raise TopicmfError(f"{path} does not match its manifest (truncated or modified); {remedy}")
    return arrays


def pack_strings(values, arrays: dict, name: str) -> None:
    """Strings as UTF-8 bytes plus offsets (compact: Unicode arrays take 4 bytes a character of the longest)."""
    encoded = ["" if v is None else str(v) for v in values]
    encoded = [v.encode("utf-8", "surrogatepass") for v in encoded]
    arrays[f"{name}.utf8"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    arrays[f"{name}.offsets"] = np.cumsum([0] + [len(v) for v in encoded], dtype=np.int64)


def unpack_strings(arrays: dict, name: str, path, lazy: bool = False) -> tuple | PackedStrings | None:
    """A text array of model.npz, checked: a tuple, or (``lazy``) strings decoded on demand."""
    data, offsets = arrays.get(f"{name}.utf8"), arrays.get(f"{name}.offsets")
    if data is None and offsets is None:
        return None
    if (data is None or offsets is None or data.dtype != np.uint8 or offsets.dtype.kind != "i" or offsets.ndim != 1
            or offsets.size < 1 or offsets[0] != 0 or offsets[-1] != data.size or (np.diff(offsets) < 0).any()):
        raise TopicmfError(f"{path} is inconsistent: bad text array {name!r}")
    raw = data.tobytes()
    starts = offsets[:-1][np.diff(offsets) > 0]
    try:
        raw.decode("utf-8", "surrogatepass")  # the whole buffer, at C speed
        if starts.size and ((data[starts] & 0xC0) == 0x80).any():  # a string starting inside a character
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "string boundary inside a character")
    except UnicodeDecodeError:
        raise TopicmfError(f"{path} is inconsistent: text array {name!r} is not UTF-8") from None
    strings = PackedStrings(raw, offsets)
    return strings if lazy else strings.decoded()
