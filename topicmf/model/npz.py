"""Reading the arrays of an ``.npz`` file quickly and without pickles."""

from __future__ import annotations

import zipfile

import numpy as np

__all__ = ["read_arrays"]

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
