"""Bytes to text: the encodings documents are read with, large files read a piece at a time, and names
and texts made writable (bytes that are not UTF-8 and lone surrogates kept as visible escapes)."""

from __future__ import annotations

import codecs

__all__ = ["UnreadableFile", "decode_bytes", "stream_encoding", "LongText", "long_text", "visible_text"]


class UnreadableFile(Exception):
    """A file that cannot become a document; the message is the reason."""


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Decode document bytes with the stated fallback chain.

    UTF-16 with a byte-order mark, then UTF-8 (a BOM is dropped); bytes that
    are not valid UTF-8 are decoded as cp1252 and, where cp1252 leaves a byte
    undefined, as latin-1 (which accepts every byte).  Data holding NUL bytes
    that is not UTF-16 is binary and raises :class:`UnreadableFile`.

    Returns the text and None, or the fallback encoding's name.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


_READ_BLOCK = 1 << 20


class LongText:
    """The text of a large plain file, read a piece at a time (its encoding found beforehand, as
    :func:`decode_bytes` would choose it for the whole)."""

    def __init__(self, path: str, codec: str, length: int):
        self.path, self.codec, self.length = path, codec, length

    def __len__(self) -> int:
        return self.length  # bytes: an upper bound of its characters (all but UTF-16), enough for a limit

    def __getitem__(self, part: slice) -> str:
        """The text's start (``text[:n]``: all a sample needs)."""
        if not isinstance(part, slice) or part.start not in (None, 0) or part.step not in (None, 1):
            raise TypeError("a LongText gives its start only: text[:n]")
        head = []
        got = 0
        for piece in self.pieces(min(part.stop or self.length, _READ_BLOCK)):
            head.append(piece)
            got += len(piece)
            if got >= (part.stop or self.length):
                break
        return "".join(head)[: part.stop]

    def pieces(self, size: int):
        """The text in pieces of about ``size`` characters, each cut after a line end, else after a space."""
        decoder = codecs.getincrementaldecoder(self.codec)()
        carry = ""
        with open(self.path, "rb") as fh:
            while True:
                block = fh.read(_READ_BLOCK)
                carry += decoder.decode(block, final=not block)
                while len(carry) >= size or (not block and carry):
                    if len(carry) <= size:
                        yield carry
                        carry = ""
                        break
                    cut = carry.rfind("\n", 0, size)
                    if cut <= 0:
                        cut = carry.rfind(" ", 0, size)
                    end = cut + 1 if cut > 0 else size
                    yield carry[:end]
                    carry = carry[end:]
                if not block:
                    return


def long_text(path: str, size: int) -> tuple[LongText, str | None]:
    """A large plain file as a :class:`LongText`, with the fallback encoding :func:`decode_bytes` would name."""
    try:
        codec, fallback = stream_encoding(path, binary_check=True)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    return LongText(path, codec, size), fallback


def stream_encoding(path: str, *, binary_check: bool = False) -> tuple[str, str | None]:
    """(codec, fallback name or None) that decodes the whole file at ``path``, found by streaming its bytes.

    The chain of :func:`decode_bytes`: UTF-16 with a byte-order mark (when ``binary_check``, as for
    documents), UTF-8 with or without a BOM, cp1252, latin-1.  With ``binary_check`` a NUL byte
    (outside UTF-16) raises :class:`UnreadableFile`; each pass stops at its first undecodable byte,
    so each looks for NUL bytes too.  A file that cannot be read raises OSError.
    """
    chain = [("utf-8-sig", None), ("cp1252", "cp1252"), ("latin-1", "latin-1")]
    if binary_check:
        with open(path, "rb") as fh:
            start = fh.read(2)
        if start in (b"\xff\xfe", b"\xfe\xff") and _decodes(path, "utf-16"):
            return "utf-16", None
    for codec, fallback in chain[:-1]:
        if _decodes(path, codec, refuse_nul=binary_check):
            return codec, fallback
    if binary_check:
        _decodes(path, "latin-1", refuse_nul=True)
    return "latin-1", "latin-1"


def _decodes(path: str, codec: str, refuse_nul: bool = False) -> bool:
    """Whether the whole file decodes with ``codec`` (read in blocks); UnreadableFile for a NUL byte when asked."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(_READ_BLOCK):
                if refuse_nul and b"\x00" in block:
                    raise UnreadableFile("binary file (contains NUL bytes)")
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def visible_text(text: str) -> str:
    """``text`` with any lone surrogate (a JSON ``\\ud800`` escape, a Python string made from bad bytes) written
    as a visible escape, so every output can be written as UTF-8; other text is returned as it is."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _bytes_only(text) \
            else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _bytes_only(text: str) -> bool:
    """Whether every lone surrogate of ``text`` stands for a byte (U+DC80–U+DCFF, as os.fsdecode makes them)."""
    return all("\udc80" <= c <= "\udcff" for c in text if "\ud800" <= c <= "\udfff")
