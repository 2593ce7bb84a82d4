"""Mail archives: each message of an mbox file is a document.

A message's id is its Message-ID (without the angle brackets) when it has one not seen before
in the archive, else the archive's name and the message's position (``archive.mbox#7``); its
text is its Subject line and its text parts (:func:`~topicmf.corpus.formats.message_text`), so
the mail cleaning rules (headers, quoted replies, signatures) apply to it as to any message.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator

from .formats import message_text, parse_message
from .decoding import UnreadableFile, visible_text
from .limits import DEFAULT_LIMITS, ReadLimits, too_long

__all__ = ["mailbox_documents", "spread_messages"]


def mailbox_documents(path: str, name: str, skipped: list,
                      limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[tuple[str, str]]:
    """(id, text) of every message of the mbox at ``path``; unreadable messages (and those past
    ``limits``) go to ``skipped``."""
    try:
        box = mailbox.mbox(path, factory=None, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as exc:
        skipped.append((name, f"unreadable mail archive ({exc})"))
        return
    seen: set[str] = set()
    try:
        for position, key in enumerate(keys, 1):
            where = f"{name}#{position}"
            try:
                data = box.get_bytes(key)
                if len(data) > limits.max_chars:
                    raise UnreadableFile(too_long("a message", len(data), limits.max_chars))
                message = parse_message(data)
                text = message_text(message, limits)
            except UnreadableFile as exc:
                skipped.append((where, str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the archive
                skipped.append((where, f"unreadable message ({type(exc).__name__}: {exc})"))
                continue
            message_id = str(message.get("Message-ID", "") or "").strip().strip("<>").strip()
            doc_id = visible_text(f"{name}/{message_id}") if message_id and message_id not in seen else where
            seen.add(message_id)
            yield doc_id, text
    finally:
        box.close()


def spread_messages(path: str, n_messages: int) -> list[str]:
    """The texts of up to ``n_messages`` messages spread evenly over the mbox at ``path`` (a sample: unreadable
    messages and archives give nothing)."""
    texts = []
    try:
        box = mailbox.mbox(path, factory=None, create=False)
    except (OSError, mailbox.Error):
        return texts
    try:
        keys = box.keys()
        step = max(1, len(keys) // max(1, n_messages))
        for key in keys[::step][:n_messages]:
            try:
                texts.append(message_text(parse_message(box.get_bytes(key))))
            except Exception:  # noqa: BLE001, S112 - a sample skips what it cannot read
                continue
    except (OSError, mailbox.Error):
        pass
    finally:
        box.close()
    return texts
