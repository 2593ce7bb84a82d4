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

from dataclasses import dataclass

import numpy as np

from .clean_rules import (
    BLOB_MIN,
    HEADER_LINE,
    SPECIAL,
    consume_block,
    drop_attribution,
    header_block,
    is_blob_line,
    replies_to_a_quote,
    signature_start,
    signed_header_lines,
)

__all__ = ["CLEAN_RULES", "TEXT_RULES", "Cleaner", "parse_clean", "empty_stats", "stats_report"]

TEXT_RULES = ("headers", "quotes", "signatures", "blobs")
CLEAN_RULES = (*TEXT_RULES, "junk")  # "junk" is applied by the tokenizer, token by token

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
        if "headers" in rules and HEADER_LINE.match(lines[0]):
            end, kept = header_block(lines)
            if end:
                start = end
                message = True
                out.extend(kept)
                removed[0] = end - len(kept)
                chars[0] = sum(map(len, lines[:end])) + end - sum(map(len, kept)) - len(kept)
        quotes = "quotes" in rules
        if quotes and self.auto and not message:
            message = replies_to_a_quote(text)
        quotes = quotes and message
        blobs = "blobs" in rules
        if blobs and "-----BEGIN PGP SIGNED MESSAGE" in text:
            # the Hash: lines after the marker go; found by string search, so the loop needs no test for them
            for k in reversed(signed_header_lines(text, lines, start)):
                removed[3] += 1
                chars[3] += len(lines[k]) + 1
                del lines[k]
        append = out.append
        fence = False
        it = iter(lines[start:] if start else lines)
        for line in it:
            c = line[:1]
            if c in SPECIAL:
                if c == ">":
                    if quotes and not fence:
                        removed[1] += 1
                        chars[1] += len(line) + 1
                        if out:
                            drop_attribution(out, removed, chars)
                        continue
                elif c == "`":
                    if line.startswith("```"):
                        fence = not fence
                elif c == "b" or c == "-":
                    if blobs and (line.startswith("begin ") or line.startswith("-----BEGIN PGP")):
                        block = consume_block(line, it)
                        if block:
                            removed[3] += len(block)
                            chars[3] += sum(map(len, block)) + len(block)
                            continue
                elif quotes and not fence:
                    lead = line if c == "|" else line.lstrip()
                    if lead[:1] == ">" or lead[:2] == "|>":
                        removed[1] += 1
                        chars[1] += len(line) + 1
                        if out:
                            drop_attribution(out, removed, chars)
                        continue
            if blobs and len(line) >= BLOB_MIN and (" " not in line or c == "M") and is_blob_line(line, c):
                removed[3] += 1
                chars[3] += len(line) + 1
                continue
            append(line)
        if "signatures" in rules and message:
            # Auto mode cleans a message once (afterwards it no longer looks like one); with the rule
            # forced on every document, cut until nothing looks like a signature, so cleaning is idempotent.
            while (cut := signature_start(out)) is not None:
                gone = out[cut:]
                removed[2] += len(gone)
                chars[2] += sum(len(line) + 1 for line in gone)
                del out[cut:]
                if self.auto:
                    break
        if not any(removed):
            return text, False
        result = "\n".join(out)
        if ("headers" in rules and out and HEADER_LINE.match(out[0])) or (
                not message and "quotes" in rules and replies_to_a_quote(result)):
            # Removing lines exposed a header at the top, or put an attribution right above a quote:
            # clean again, so that cleaning is idempotent.
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


def stats_report(stats: np.ndarray, n_docs: int, rules: tuple, junk: dict | None) -> dict:
    """The ``cleaning`` section of ``topicmf vocab --json`` and the run manifest."""
    by_rule = {}
    for r, name in enumerate(TEXT_RULES):
        if name in rules:
            by_rule[name] = {"documents": int(stats[r, _DOCS]), "lines": int(stats[r, _LINES]),
                             "characters": int(stats[r, _CHARS])}
    if "junk" in rules and junk is not None:
        by_rule["junk"] = junk
    return {"rules": list(rules), "documents": n_docs, "removed": by_rule}
