"""The line tests behind :mod:`topicmf.text.clean`: header blocks, attributions, blobs, signatures."""

from __future__ import annotations

import re

HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9._-]{0,60}):(?:[ \t]|$)")
_KNOWN_FIELDS = frozenset({
    "from", "subject", "newsgroups", "date", "message-id", "organization", "organisation", "lines", "path",
    "to", "cc", "reply-to", "sender", "references", "nntp-posting-host", "distribution", "keywords", "summary",
    "article-i.d.", "x-newsreader", "mime-version", "content-type", "followup-to", "in-reply-to", "received",
})
_KEEP_FIELDS = frozenset({"subject", "keywords", "summary"})
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|sv)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
_ATTRIBUTION_ENDS = ("writes:", "wrote:", "writes...", "wrote...", "writes :", "wrote :", "said:",
                     "пишет:", "писал:", "писала:", "написал:", "написала:")
_SEPARATOR = re.compile(r"(?:--|-- |[-_=~*]{3,})\s*")
_SIGNOFF = re.compile(
    r"\s*(?:thanks|thank you|many thanks|regards|best regards|kind regards|best wishes|cheers|sincerely"
    r"|yours|ciao|greetings|спасибо|с уважением)\b[\s\w.,!-]{0,24}",
    re.IGNORECASE,
)
_SIGNOFF_FIRST = "TtRrBbKkCcSsYyGgMmСс"
_CONTACT = re.compile(r"\S@\S+\.\w|\+?\d[\d .()-]{7,}\d")
_UU_BEGIN = re.compile(r"begin [0-7]{3,4} \S")
_UU_LINE = re.compile(r"M[ -`]{60}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]{40,}")
BLOB_MIN = 40  # shortest line the blob rule looks at
SPECIAL = ">| \t`b-"  # first characters of lines that may be quotes, fences or block markers
_SIG_TAIL = 15
_SIGNOFF_TAIL = 6


def consume_block(line: str, it) -> list[str]:
    """Lines of a uuencode or PGP block starting at ``line``, consumed from ``it`` ([] if none starts here).

    For a PGP-signed message only the marker line: the signed text stays.
    """
    block = [line]
    if line[:1] == "b":
        if not _UU_BEGIN.match(line):
            return []
        for nxt in it:  # to "end", or to a blank line if "end" is missing
            block.append(nxt)
            if nxt.rstrip() == "end" or not nxt.strip():
                break
        return block
    if not line.startswith("-----BEGIN PGP"):
        return []
    kind = line.strip().removeprefix("-----BEGIN ").removesuffix("-----")
    if kind == "PGP SIGNED MESSAGE":
        return block
    closing = f"-----END {kind}-----"
    for nxt in it:
        block.append(nxt)
        if nxt.rstrip() == closing:
            break
    return block


def header_block(lines: list[str]) -> tuple[int, list[str]]:
    """(number of header lines, the kept field texts), or (0, []) when the top is not a header block."""
    fields = 0
    known = False
    kept: list[str] = []
    keep_current = False
    i = 0
    for i, line in enumerate(lines):  # noqa: B007 - i is used after the loop
        c = line[:1]
        if c == " " or c == "\t":
            if not line.strip():
                break
            if not fields:
                return 0, []
            if keep_current:
                kept[-1] += " " + line.strip()
            continue
        m = HEADER_LINE.match(line)
        if m is None:
            if not c:
                break
            return (0, []) if fields < 2 or not known else (i, kept)
        name = m.group(1).lower()
        fields += 1
        if not known:
            known = name in _KNOWN_FIELDS
        keep_current = name in _KEEP_FIELDS
        if keep_current:
            value = line[m.end() :].strip()
            kept.append(_REPLY_PREFIX.sub("", value) if value[:1] in "RrFfAaSs" else value)
    else:
        i = len(lines)
    if fields < 2 or not known:
        return 0, []
    return i, [k for k in kept if k]


def _line_at(text: str, pos: int) -> tuple[int, int]:
    """(start, end) offsets of the line of ``text`` holding position ``pos``."""
    begin = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return begin, len(text) if end < 0 else end


def drop_attribution(out: list[str], removed: list, chars: list) -> None:
    """Before a quoted line: remove the attribution above it (``… writes:``, ``In article <…>``),
    looking past one blank line, and an ``In article`` line the attribution was wrapped from."""
    k = len(out) - 1
    if not out[k].strip() and k > 0:
        k -= 1
    line = out[k]
    if not _is_attribution(line) and not (line.endswith(":") and k > 0 and out[k - 1].startswith("In article")):
        return
    first = k - 1 if k > 0 and out[k - 1].startswith("In article") and not line.startswith("In article") else k
    for j in range(first, k + 1):
        removed[1] += 1
        chars[1] += len(out[j]) + 1
    del out[first : k + 1]


def replies_to_a_quote(text: str) -> bool:
    """Whether an attribution line (looking past one blank line) stands right above a quoted line
    that is outside code fences — what makes a document without headers a message."""
    if "```" in text:
        lines = text.split("\n")
        fence = False
        for i, line in enumerate(lines):
            if line.startswith("```"):
                fence = not fence
            elif not fence and line[:1] == ">" and i > 0:
                above = lines[i - 1] if lines[i - 1].strip() or i < 2 else lines[i - 2]
                if _is_attribution(above):
                    return True
        return False
    pos = text.find("\n>")
    while pos >= 0:
        prev = text.rfind("\n", 0, pos)
        above = text[prev + 1 : pos]
        if not above.strip() and prev > 0:
            above = text[text.rfind("\n", 0, prev) + 1 : prev]
        if _is_attribution(above):
            return True
        pos = text.find("\n>", pos + 2)
    return False


def signed_header_lines(text: str, lines: list[str], start: int) -> list[int]:
    """The ``Hash:`` lines and the blank line that follow each ``BEGIN PGP SIGNED MESSAGE`` marker."""
    out = []
    pos = text.find("-----BEGIN PGP SIGNED MESSAGE")
    while pos >= 0:
        begin, end = _line_at(text, pos)
        k = text.count("\n", 0, begin) + 1
        if begin == pos and k - 1 >= start:
            while k < len(lines) and lines[k].startswith("Hash:"):
                out.append(k)
                k += 1
            if k < len(lines) and not lines[k].strip():
                out.append(k)
        pos = text.find("-----BEGIN PGP SIGNED MESSAGE", end)
    return out


def _is_attribution(line: str) -> bool:
    return (line.startswith("In article") and "<" in line) or (len(line) < 200 and line.endswith(_ATTRIBUTION_ENDS))


def is_blob_line(line: str, chars: str) -> bool:
    n = len(line)
    if n < BLOB_MIN:
        return False
    if chars == "M" and n == 61 and _UU_LINE.fullmatch(line):
        return True
    s = line.strip()
    if len(s) < BLOB_MIN or " " in s or "\t" in s:
        return False
    if _BASE64.fullmatch(s):  # base64 of random bytes mixes cases and has digits or + /
        if not s.isalpha() and not s.islower() and not s.isupper():
            return True
    elif _HEX.fullmatch(s) and not s.isalpha() and not s.isdigit():
        return True
    return sum(map(str.isalpha, s)) < 0.5 * len(s)


def signature_start(out: list[str]) -> int | None:
    """Index in ``out`` where the signature begins, or None."""
    n = len(out)
    end = n
    while end > 0 and not out[end - 1].strip():
        end -= 1
    if end == 0:
        return None
    for i in range(max(1, end - _SIG_TAIL), end):
        line = out[i]
        if line[:1] in "-_=~*" and _SEPARATOR.fullmatch(line):
            return i
    for i in range(max(1, end - _SIGNOFF_TAIL), end):
        line = out[i]
        if len(line) <= 40 and line.lstrip()[:1] in _SIGNOFF_FIRST and _SIGNOFF.fullmatch(line):
            return i
    para = end
    while para > 0 and end - para <= 6 and out[para - 1].strip():
        para -= 1
    if para == 0 or end - para > 6 or out[para - 1].strip():
        return None  # no paragraph of at most six lines after a blank line
    block = out[para:end]
    if all(len(line) <= 80 for line in block) and any(_CONTACT.search(line) for line in block):
        return para
    return None
