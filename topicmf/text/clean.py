"""Cleaning raw text before tokenizing: mail/news headers, quoted replies, signatures, encoded blobs.

Exported mail and news (and much else people feed a topic tool) carry text
that is not the author's words: header blocks, the quoted message being
answered, signatures, uuencoded or base64 attachments and PGP blocks.  Left
in, they become topics of their own ("writes article posting host",
"ax max pl bhj").  :class:`Cleaner` removes them line by line, in one pass
per document, and counts what each rule removed.

Rules (``--clean`` names them):

* ``headers`` — an RFC 822-style block at the top (``Name: value`` lines
  and their indented continuations, at least two of them, one a common mail
  or news field, up to the first blank line).  The text of ``Subject:``,
  ``Keywords:`` and ``Summary:`` is kept as content, without ``Re:``.
* ``quotes`` — lines starting with ``>`` or ``|>`` (after optional spaces),
  and attribution lines (``In article <…>``, ``… writes:``, ``… wrote:``,
  ``… пишет:``).
* ``signatures`` — from a signature separator (``-- ``, or a line of dashes,
  underscores or equals signs) in the last 15 lines to the end; a short
  sign-off line (``Thanks,``, ``Regards``, …) in the last 6 lines and what
  follows; a final paragraph of at most 6 short lines holding an e-mail
  address or a phone number.
* ``blobs`` — uuencoded blocks (``begin 644 name`` … ``end``, and ``M``
  lines of 61 characters wherever they are), PGP blocks (signatures, keys,
  encrypted messages; a signed message keeps its text), and lines of 40 or
  more characters without a space that are base64, hex or mostly not letters.

With ``auto`` (the default) every rule is on, but quotes and signatures are
removed only from documents that look like messages (a header block or an
attribution line), so a Markdown blockquote in an ordinary document stays.
Lines inside Markdown code fences (```) are never treated as quotes.
Cleaning is deterministic and idempotent, and never touches the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["CLEAN_RULES", "TEXT_RULES", "Cleaner", "parse_clean", "empty_stats", "stats_report"]

TEXT_RULES = ("headers", "quotes", "signatures", "blobs")
CLEAN_RULES = (*TEXT_RULES, "junk")  # "junk" is applied by the tokenizer, token by token

_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,60}:(?:[ \t]|$)")
_KNOWN_FIELDS = frozenset({
    "from", "subject", "newsgroups", "date", "message-id", "organization", "organisation", "lines", "path",
    "to", "cc", "reply-to", "sender", "references", "nntp-posting-host", "distribution", "keywords", "summary",
    "article-i.d.", "x-newsreader", "mime-version", "content-type", "followup-to", "in-reply-to", "received",
})  # fmt: skip
_KEEP_FIELDS = ("subject", "keywords", "summary")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|sv)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
_ATTRIBUTION_ENDS = ("writes:", "wrote:", "writes...", "wrote...", "writes :", "wrote :", "said:",
                     "пишет:", "писал:", "писала:", "написал:", "написала:")
_SEPARATOR = re.compile(r"(?:--|-- |[-_=~*]{3,})\s*")
_SIGNOFF = re.compile(
    r"\s*(?:thanks|thank you|many thanks|regards|best regards|kind regards|best wishes|cheers|sincerely"
    r"|yours|ciao|greetings|спасибо|с уважением)\b[\s\w.,!-]{0,24}",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"\S@\S+\.\w|\+?\d[\d .()-]{7,}\d")
_UU_BEGIN = re.compile(r"begin [0-7]{3,4} \S")
_UU_LINE = re.compile(r"M[ -`]{60}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]{40,}")
_BLOB_MIN = 40
_SPECIAL = ">| \t`Ib-"  # first characters of lines that may be quotes, fences or block markers
_ATTRIBUTION_WORDS = ("writes", "wrote", "said:", "писал", "пишет")
_SIG_TAIL = 15
_SIGNOFF_TAIL = 6

# stats rows follow TEXT_RULES; columns: documents, lines, characters
_DOCS, _LINES, _CHARS = 0, 1, 2


def empty_stats() -> np.ndarray:
    """Counters of what cleaning removed: rows TEXT_RULES, columns (documents, lines, characters)."""
    return np.zeros((len(TEXT_RULES), 3), dtype=np.int64)


def parse_clean(value) -> tuple[str, ...]:
    """``"auto"`` → every rule; ``"none"`` → (); ``"headers,quotes"`` → those rules (validated)."""
    if value is None:
        return CLEAN_RULES
    if isinstance(value, (tuple, list, frozenset, set)):
        names = [str(v).strip().lower() for v in value]
    else:
        text = str(value).strip().lower()
        if text in ("auto", ""):
            return CLEAN_RULES
        if text == "none":
            return ()
        names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in CLEAN_RULES]
    if unknown:
        from ..errors import TopicmfError

        raise TopicmfError(
            f"Unknown cleaning rule {unknown[0]!r}; use auto, none or a list of: {', '.join(CLEAN_RULES)}"
        )
    return tuple(r for r in CLEAN_RULES if r in names)


@dataclass(frozen=True)
class Cleaner:
    """Removes non-content lines from raw text (see the module docstring for the rules).

    Parameters
    ----------
    rules : tuple of str
        Some of :data:`TEXT_RULES`.
    auto : bool, default=True
        Apply quotes and signatures only to documents that look like messages.
    """

    rules: tuple = TEXT_RULES
    auto: bool = True

    def __post_init__(self):
        object.__setattr__(self, "rules", tuple(r for r in TEXT_RULES if r in self.rules))

    def __call__(self, text: str) -> str:
        return self.clean(text)[0]

    def clean(self, text: str, stats: np.ndarray | None = None) -> tuple[str, bool]:
        """Return ``(cleaned text, whether anything was removed)``; add to ``stats`` when given."""
        if not text:
            return text, False
        lines = text.split("\n")
        rules = self.rules
        removed = [0, 0, 0, 0]  # lines per rule, in TEXT_RULES order
        chars = [0, 0, 0, 0]
        out: list[str] = []
        start = 0
        message = not self.auto
        if "headers" in rules and _HEADER_LINE.match(lines[0]):
            end, kept = _header_block(lines)
            if end:
                start = end
                message = True
                out.extend(kept)
                removed[0] = end - len(kept)
                chars[0] = sum(len(line) + 1 for line in lines[:end]) - sum(len(k) + 1 for k in kept)
        quotes = "quotes" in rules
        if quotes and self.auto and not message:
            message = _has_attribution(lines, start)
        quotes = quotes and message
        attributions = quotes and any(w in text for w in _ATTRIBUTION_WORDS)
        blobs = "blobs" in rules
        append = out.append
        fence = False
        signed = False  # after "BEGIN PGP SIGNED MESSAGE": its Hash: lines and the blank line go
        it = iter(lines[start:] if start else lines)
        for line in it:
            if signed:
                if line.startswith("Hash:") or not line.strip():
                    removed[3] += 1
                    chars[3] += len(line) + 1
                    signed = bool(line.strip())
                    continue
                signed = False
            c = line[:1]
            if c == ">" and quotes and not fence:
                removed[1] += 1
                chars[1] += len(line) + 1
                continue
            if c in _SPECIAL:
                if c == "`" and line.startswith("```"):
                    fence = not fence
                elif quotes and not fence and _is_quote(line, c):
                    removed[1] += 1
                    chars[1] += len(line) + 1
                    continue
                elif blobs and (line.startswith("begin ") or line.startswith("-----BEGIN PGP")):
                    block = _block(line, it)
                    if block:
                        removed[3] += len(block)
                        chars[3] += sum(len(x) + 1 for x in block)
                        signed = line.startswith("-----BEGIN PGP SIGNED MESSAGE")
                        continue
            if attributions and not fence and line.endswith(_ATTRIBUTION_ENDS) and len(line) < 200:
                removed[1] += 1
                chars[1] += len(line) + 1
                continue
            if blobs and len(line) >= _BLOB_MIN and (" " not in line or c == "M") and _is_blob_line(line, c):
                removed[3] += 1
                chars[3] += len(line) + 1
                continue
            append(line)
        if "signatures" in rules and message:
            # Auto mode cleans a message once (afterwards it no longer looks like one); with the rule
            # forced on every document, cut until nothing looks like a signature, so cleaning is idempotent.
            while (cut := _signature_start(out)) is not None:
                gone = out[cut:]
                removed[2] += len(gone)
                chars[2] += sum(len(line) + 1 for line in gone)
                del out[cut:]
                if self.auto:
                    break
        if not any(removed):
            return text, False
        result = "\n".join(out)
        if "headers" in rules and out and _HEADER_LINE.match(out[0]):
            # Removing lines at the top exposed header-like lines: clean again, so cleaning is idempotent.
            extra = empty_stats()
            result, again = self.clean(result, extra)
            if again:
                for r in range(4):
                    removed[r] += int(extra[r, _LINES])
                    chars[r] += int(extra[r, _CHARS])
        if stats is not None:
            for r in range(4):
                if removed[r]:
                    stats[r, _DOCS] += 1
                    stats[r, _LINES] += removed[r]
                    stats[r, _CHARS] += chars[r]
        return result, True


def _block(line: str, it) -> list[str]:
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


def _header_block(lines: list[str]) -> tuple[int, list[str]]:
    """(number of header lines, the kept field texts), or (0, []) when the top is not a header block."""
    fields = 0
    known = False
    kept: list[str] = []
    keep_current = False
    i = 0
    for i, line in enumerate(lines):  # noqa: B007 - i is used after the loop
        if not line.strip():
            break
        if line[:1] in " \t":
            if not fields:
                return 0, []
            if keep_current:
                kept[-1] += " " + line.strip()
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return (0, []) if fields < 2 or not known else (i, kept)
        name = line[: line.index(":")].lower()
        fields += 1
        known = known or name in _KNOWN_FIELDS
        keep_current = name in _KEEP_FIELDS
        if keep_current:
            kept.append(_REPLY_PREFIX.sub("", line[len(name) + 1 :].strip()))
    else:
        i = len(lines)
    if fields < 2 or not known:
        return 0, []
    return i, [k for k in kept if k]


def _has_attribution(lines: list[str], start: int) -> bool:
    """Whether a line outside code fences is an attribution (``In article <…>``, ``… writes:``)."""
    fence = False
    for i in range(start, len(lines)):
        line = lines[i]
        if line.startswith("```"):
            fence = not fence
        elif not fence and (line.endswith(_ATTRIBUTION_ENDS) or line.startswith("In article")) and _is_attribution(line):
            return True
    return False


def _is_quote(line: str, c: str) -> bool:
    if c == ">" or (c == "|" and line[1:2] == ">"):
        return True
    if c == " " or c == "\t":
        s = line.lstrip()
        return s[:1] == ">" or s[:2] == "|>"
    return c == "I" and line.startswith("In article") and "<" in line


def _is_attribution(line: str) -> bool:
    return (line.startswith("In article") and "<" in line) or (len(line) < 200 and line.endswith(_ATTRIBUTION_ENDS))


def _blob_start(line: str, c: str) -> str | None:
    """'' for a one-line blob marker, the closing line of a block that starts here, or None."""
    if c == "b" and _UU_BEGIN.match(line):
        return "end"
    if c == "-" and line.startswith("-----BEGIN PGP"):
        kind = line.strip().removeprefix("-----BEGIN ").removesuffix("-----")
        if kind == "PGP SIGNED MESSAGE":
            return ""  # keep the signed text; its Hash: line is dropped below
        return f"-----END {kind}-----"
    return None


def _is_blob_line(line: str, c: str) -> bool:
    n = len(line)
    if n < _BLOB_MIN:
        return False
    if c == "M" and n == 61 and _UU_LINE.fullmatch(line):
        return True
    s = line.strip()
    if len(s) < _BLOB_MIN or " " in s or "\t" in s:
        return False
    if _BASE64.fullmatch(s):  # base64 of random bytes mixes cases and has digits or + /
        if not s.isalpha() and not s.islower() and not s.isupper():
            return True
    elif _HEX.fullmatch(s) and not s.isalpha() and not s.isdigit():
        return True
    letters = sum(ch.isalpha() for ch in s)
    return letters < 0.5 * len(s)


def _signature_start(out: list[str]) -> int | None:
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
        if len(line) <= 40 and _SIGNOFF.fullmatch(line):
            return i
    para = end
    while para > 0 and out[para - 1].strip():
        para -= 1
    block = out[para:end]
    if 0 < para and len(block) <= 6 and all(len(line) <= 80 for line in block) and any(
            _CONTACT.search(line) for line in block):  # fmt: skip
        return para
    return None


def stats_report(stats: np.ndarray, n_docs: int, rules: tuple, junk: dict | None) -> dict:
    """The ``cleaning`` section of ``topicmf vocab --json`` and the run manifest."""
    by_rule = {}
    for r, name in enumerate(TEXT_RULES):
        if name in rules:
            by_rule[name] = {"documents": int(stats[r, _DOCS]), "lines": int(stats[r, _LINES]),
                             "characters": int(stats[r, _CHARS])}  # fmt: skip
    if "junk" in rules and junk is not None:
        by_rule["junk"] = junk
    return {"rules": list(rules), "documents": n_docs, "removed": by_rule}
